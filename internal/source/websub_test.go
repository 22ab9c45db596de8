package source

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nashra/nashra/internal/store"
)

func TestWebSub(t *testing.T) {
	t.Parallel()
	var callbackSrv *httptest.Server
	b := setup(t, func(o *Options) {
		o.WebSub = &WebSubOptions{Key: []byte("test-key"), Lease: 48 * time.Hour}
	})
	callbackSrv = httptest.NewServer(b.svc.Handler())
	defer callbackSrv.Close()
	b.svc.o.WebSub.CallbackBase = callbackSrv.URL + "/websub/"

	var mu sync.Mutex
	var sub url.Values
	hub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		mu.Lock()
		sub = r.PostForm
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	defer hub.Close()
	feed := strings.Replace(string(b.fixture("atom-xhtml.xml")), `<link rel="self" href="https://tech.example/atom.xml"/>`,
		`<link rel="self" href="https://tech.example/atom.xml"/><link rel="hub" href="`+hub.URL+`/"/>`, 1)
	b.handle("/atom", func(w http.ResponseWriter, r *http.Request) {
		// Unchanged after the first fetch: renewals must happen on 304s too.
		if r.Header.Get("If-None-Match") == `"a1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"a1"`)
		_, _ = io.WriteString(w, feed)
	})
	src := b.add("/atom", Spec{})
	start := time.Now()
	r := b.fetchNew(src, 1)
	mu.Lock()
	form := sub
	mu.Unlock()
	if form.Get("hub.mode") != "subscribe" || form.Get("hub.topic") != "https://tech.example/atom.xml" || form.Get("hub.secret") == "" {
		t.Fatalf("subscription request %v", form)
	}
	cb := form.Get("hub.callback")
	if !strings.HasPrefix(cb, callbackSrv.URL+"/websub/") {
		t.Fatalf("callback %s not under the callback base", cb)
	}
	if got, _ := b.st.GetSource(b.ctx, src.ID); got.HubState != store.HubPending {
		t.Fatalf("hub state %q, want pending", got.HubState)
	}
	// Fetched again while the hub has not verified yet: no second request;
	// an hour later without verification: asked again.
	mu.Lock()
	sub = nil
	mu.Unlock()
	b.fetch(src)
	mu.Lock()
	asked := sub != nil
	mu.Unlock()
	if asked {
		t.Error("subscribed again while the first request waits for verification")
	}
	b.svc.o.Now = func() time.Time { return time.Now().Add(61 * time.Minute) }
	b.fetch(src)
	b.svc.o.Now = time.Now
	mu.Lock()
	form = sub
	mu.Unlock()
	if form.Get("hub.mode") != "subscribe" {
		t.Fatal("a subscription never verified was not requested again after an hour")
	}
	cb = form.Get("hub.callback")

	get := func(u string) (int, string) {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	verify := func(cb, topic string) (int, string) {
		q := url.Values{"hub.mode": {"subscribe"}, "hub.topic": {topic}, "hub.challenge": {"تحدي-123"}, "hub.lease_seconds": {"86400"}}
		return get(cb + "?" + q.Encode())
	}
	// A made-up callback, or another topic, is refused.
	if code, _ := verify(callbackSrv.URL+"/websub/1/0123456789abcdef0123456789abcdef", "https://tech.example/atom.xml"); code != http.StatusNotFound {
		t.Errorf("forged callback: %d, want 404", code)
	}
	if code, _ := verify(cb, "https://evil.example/feed"); code != http.StatusNotFound {
		t.Errorf("other topic: %d, want 404", code)
	}
	if code, body := verify(cb, "https://tech.example/atom.xml"); code != 200 || body != "تحدي-123" {
		t.Fatalf("verification: %d %q, want the challenge echoed", code, body)
	}
	got, _ := b.st.GetSource(b.ctx, src.ID)
	if got.HubState != store.HubVerified || got.HubLeaseEnd.Sub(start) < 23*time.Hour || got.HubLeaseEnd.Sub(start) > 25*time.Hour {
		t.Fatalf("after verification: state %q lease end %s", got.HubState, got.HubLeaseEnd)
	}

	// A delivery: a new entry, signed with the subscription's secret.
	pushed := strings.Replace(feed, "<entry>", `<entry><title>خبر وصل بالدفع</title><id>tag:tech.example,2026:post-78</id>
<link rel="alternate" href="https://tech.example/posts/78"/><updated>2026-12-01T09:00:00+03:00</updated>
<content type="html">&lt;p&gt;هذا الخبر وصل من المحور دون انتظار الجلب التالي.&lt;/p&gt;</content></entry><entry>`, 1)
	post := func(sig string) int {
		req, _ := http.NewRequest(http.MethodPost, cb, bytes.NewReader([]byte(pushed)))
		req.Header.Set("Content-Type", "application/atom+xml")
		req.Header.Set("X-Hub-Signature", sig)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post("sha256=" + strings.Repeat("0", 64)); code != http.StatusAccepted {
		t.Errorf("badly signed delivery: %d, want 202 (acknowledged, ignored)", code)
	}
	if n := len(b.articles()); n != 1 {
		t.Fatalf("a badly signed delivery was stored: %d articles", n)
	}
	m := hmac.New(sha256.New, []byte(form.Get("hub.secret")))
	m.Write([]byte(pushed))
	if code := post("sha256=" + hex.EncodeToString(m.Sum(nil))); code != http.StatusAccepted {
		t.Errorf("signed delivery: %d", code)
	}
	if a := b.byTitle("بالدفع"); !strings.Contains(a.BodyText, "دون انتظار") {
		t.Errorf("pushed entry body %q", a.BodyText)
	}
	if n := len(b.articles()); n != 2 {
		t.Errorf("%d articles after the delivery, want 2", n)
	}

	// Subscribed: polling slows down to a safety net.
	r = b.fetch(src)
	if wait := time.Until(r.Source.NextFetch); wait < 59*time.Minute {
		t.Errorf("next poll in %s with a verified subscription, want at least 4 intervals", wait)
	}
	// A lease about to end is renewed at the next fetch.
	got, _ = b.st.GetSource(b.ctx, src.ID)
	got.HubLeaseEnd = time.Now().Add(time.Hour)
	if err := b.st.UpdateSource(b.ctx, got); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	sub = nil
	mu.Unlock()
	b.fetch(got)
	mu.Lock()
	renewed := sub.Get("hub.mode") == "subscribe"
	mu.Unlock()
	if !renewed {
		t.Error("a lease ending within the hour was not renewed")
	}
}

func TestWebSubRefusedFallsBackToPolling(t *testing.T) {
	t.Parallel()
	b := setup(t, func(o *Options) {
		o.WebSub = &WebSubOptions{CallbackBase: "https://nashra.example/websub/", Key: []byte("k"), Lease: 48 * time.Hour}
	})
	hub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no", http.StatusForbidden)
	}))
	defer hub.Close()
	feed := strings.Replace(string(b.fixture("rss-ar.xml")), `<atom:link rel="self"`, `<atom:link rel="hub" href="`+hub.URL+`"/><atom:link rel="self"`, 1)
	b.handle("/rss", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, feed) })
	r := b.fetch(b.add("/rss", Spec{}))
	if r.Err != nil || r.Source.HubState != store.HubDenied {
		t.Fatalf("fetch %s, hub state %q; want denied", r, r.Source.HubState)
	}
	if wait := time.Until(r.Source.NextFetch); wait > 67*time.Minute {
		t.Errorf("next poll in %s: polling must go on at the feed's own pace", wait)
	}
}
