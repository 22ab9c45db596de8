package source

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/nashra/nashra/internal/store"
)

// WebSubOptions turn on WebSub subscriptions: when a feed names a hub, the
// service subscribes with a callback under CallbackBase, the hub verifies
// the intent there, and then pushes new content, signed with a secret of
// the subscription's own. Polling goes on at a slower pace as a safety
// net, and takes over when the hub refuses or the lease runs out.
type WebSubOptions struct {
	// CallbackBase is site.base_url + "/websub/"; Handler serves it.
	CallbackBase string
	// Key signs callback URLs, so that no one else can make one up.
	Key []byte
	// Lease is the lease asked for (the hub may grant another).
	Lease time.Duration
}

// renewBefore is how long before its end a lease is renewed.
func (o *WebSubOptions) renewBefore() time.Duration { return max(o.Lease/10, 24*time.Hour) }

// callback is the callback URL of source id.
func (s *Service) callback(id int64) string {
	ids := strconv.FormatInt(id, 10)
	return strings.TrimRight(s.o.WebSub.CallbackBase, "/") + "/" + ids + "/" + s.callbackToken(ids)
}

func (s *Service) callbackToken(id string) string {
	m := hmac.New(sha256.New, s.o.WebSub.Key)
	m.Write([]byte("websub-callback:" + id))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// checkHub subscribes to the hub the feed names when there is no current
// subscription to it (none yet, another hub or topic, refused before, or a
// lease about to end); it forgets the hub when the feed names none.
func (s *Service) checkHub(ctx context.Context, src *store.Source, doc *Document) {
	now := s.o.Now()
	hub := strings.TrimSpace(doc.Hub)
	topic := strings.TrimSpace(doc.Self)
	if topic == "" {
		topic = src.URL
	}
	if hub == "" {
		src.Hub, src.Topic, src.HubSecret, src.HubState, src.HubLeaseEnd = "", "", "", store.HubNone, time.Time{}
		return
	}
	if _, err := NormalizeURL(hub); err != nil {
		return
	}
	same := src.Hub == hub && src.Topic == topic
	switch {
	case same && src.HubState == store.HubVerified && src.HubLeaseEnd.Sub(now) > s.o.WebSub.renewBefore():
		return // subscribed, lease good
	case same && src.HubState == store.HubPending && src.HubLeaseEnd.After(now) && src.HubSecret != "":
		return // waiting for the hub's verification (asked again after an hour)
	case same && src.HubState == store.HubDenied && src.HubLeaseEnd.After(now):
		return // refused: polling only until the retry time
	}
	secret := make([]byte, 24)
	_, _ = rand.Read(secret)
	form := url.Values{
		"hub.mode":          {"subscribe"},
		"hub.topic":         {topic},
		"hub.callback":      {s.callback(src.ID)},
		"hub.secret":        {hex.EncodeToString(secret)},
		"hub.lease_seconds": {strconv.Itoa(int(s.o.WebSub.Lease / time.Second))},
	}
	code, msg, err := s.f.PostForm(ctx, hub, form)
	src.Hub, src.Topic = hub, topic
	if err != nil || code < 200 || code > 299 {
		s.o.Log.Warn("websub subscription refused; polling", "source", src.URL, "hub", hub, "status", code, "answer", msg, "err", err)
		src.HubState, src.HubSecret = store.HubDenied, ""
		src.HubLeaseEnd = now.Add(24 * time.Hour) // try again tomorrow
		return
	}
	if src.HubState != store.HubVerified {
		// While pending, the lease end is when to ask again if the hub
		// never verifies.
		src.HubState, src.HubLeaseEnd = store.HubPending, now.Add(time.Hour)
	}
	src.HubSecret = hex.EncodeToString(secret)
	s.o.Log.Info("websub subscription requested", "source", src.URL, "hub", hub, "topic", topic)
}

// unsubscribe asks the hub to stop (the source is being removed).
func (s *Service) unsubscribe(ctx context.Context, src *store.Source) {
	form := url.Values{"hub.mode": {"unsubscribe"}, "hub.topic": {src.Topic}, "hub.callback": {s.callback(src.ID)}}
	if code, _, err := s.f.PostForm(ctx, src.Hub, form); err != nil || code < 200 || code > 299 {
		s.o.Log.Warn("websub unsubscribe failed", "source", src.URL, "hub", src.Hub, "status", code, "err", err)
	}
}

// Handler serves the WebSub callbacks, mounted at CallbackBase's path:
// GET verifies the intent of a subscribe or unsubscribe request (echoing
// hub.challenge) or records a refusal; POST is new content, accepted only
// with a valid X-Hub-Signature.
func (s *Service) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
		if len(parts) < 2 {
			http.NotFound(w, r)
			return
		}
		ids, tok := parts[len(parts)-2], parts[len(parts)-1]
		id, err := strconv.ParseInt(ids, 10, 64)
		if err != nil || s.o.WebSub == nil || !hmac.Equal([]byte(tok), []byte(s.callbackToken(ids))) {
			http.NotFound(w, r)
			return
		}
		switch r.Method {
		case http.MethodGet:
			s.verify(w, r, id)
		case http.MethodPost:
			s.deliver(w, r, id)
		default:
			w.Header().Set("Allow", "GET, POST")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		}
	})
}

func (s *Service) verify(w http.ResponseWriter, r *http.Request, id int64) {
	q := r.URL.Query()
	ctx := r.Context()
	mode, topic, challenge := q.Get("hub.mode"), q.Get("hub.topic"), q.Get("hub.challenge")
	src, err := s.st.GetSource(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		if mode == "unsubscribe" && challenge != "" {
			_, _ = io.WriteString(w, challenge) // we asked: the source is gone
			return
		}
		http.NotFound(w, r)
		return
	}
	if err != nil {
		http.Error(w, "store unavailable", http.StatusServiceUnavailable)
		return
	}
	if topic != src.Topic {
		http.NotFound(w, r)
		return
	}
	switch mode {
	case "subscribe":
		if challenge == "" || src.HubSecret == "" || (src.HubState != store.HubPending && src.HubState != store.HubVerified) {
			http.NotFound(w, r)
			return
		}
		lease, _ := strconv.Atoi(q.Get("hub.lease_seconds"))
		if lease <= 0 {
			lease = int(s.o.WebSub.Lease / time.Second)
		}
		src.HubState = store.HubVerified
		src.HubLeaseEnd = s.o.Now().Add(time.Duration(lease) * time.Second)
		if err := s.st.UpdateSource(ctx, src); err != nil {
			http.Error(w, "store unavailable", http.StatusServiceUnavailable)
			return
		}
		s.o.Log.Info("websub subscription verified", "source", src.URL, "lease", src.HubLeaseEnd)
		_, _ = io.WriteString(w, challenge)
	case "unsubscribe":
		http.NotFound(w, r) // we still want it
	case "denied":
		src.HubState, src.HubSecret = store.HubDenied, ""
		src.HubLeaseEnd = s.o.Now().Add(24 * time.Hour)
		if err := s.st.UpdateSource(ctx, src); err != nil {
			http.Error(w, "store unavailable", http.StatusServiceUnavailable)
			return
		}
		s.o.Log.Warn("websub subscription denied by the hub; polling", "source", src.URL, "reason", q.Get("hub.reason"))
		w.WriteHeader(http.StatusOK)
	default:
		http.Error(w, "bad hub.mode", http.StatusBadRequest)
	}
}

// deliver takes pushed content: signature checked, then read like a fetch.
func (s *Service) deliver(w http.ResponseWriter, r *http.Request, id int64) {
	ctx := r.Context()
	src, err := s.st.GetSource(ctx, id)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	body, err := io.ReadAll(&capped{r: r.Body, left: s.f.o.MaxBody, max: s.f.o.MaxBody})
	if err != nil {
		http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
		return
	}
	if src.HubSecret == "" || !validSignature(r.Header.Get("X-Hub-Signature"), []byte(src.HubSecret), body) {
		// WebSub: acknowledge, but ignore content that is not signed right.
		s.o.Log.Warn("websub delivery with a bad signature ignored", "source", src.URL)
		w.WriteHeader(http.StatusAccepted)
		return
	}
	s.mu.Lock()
	busy := s.run[id]
	s.run[id] = true
	s.mu.Unlock()
	if busy {
		// A fetch is running: it reads the same content.
		w.WriteHeader(http.StatusAccepted)
		return
	}
	defer func() { s.mu.Lock(); delete(s.run, id); s.mu.Unlock() }()
	resp := &Response{Status: http.StatusOK, URL: src.URL, ContentType: r.Header.Get("Content-Type"), Body: body}
	doc, err := s.document(resp)
	if err != nil {
		s.o.Log.Warn("websub delivery unreadable", "source", src.URL, "err", err)
		w.WriteHeader(http.StatusAccepted)
		return
	}
	var res Result
	s.items(ctx, src, doc, &res)
	s.o.Log.Info("websub delivery", "source", src.URL, "new", res.New, "updated", res.Updated)
	w.WriteHeader(http.StatusAccepted)
}

// validSignature checks X-Hub-Signature: "sha1=…", "sha256=…", "sha384=…"
// or "sha512=…", the HMAC of the body with the subscription's secret.
func validSignature(header string, secret, body []byte) bool {
	method, sig, ok := strings.Cut(strings.TrimSpace(header), "=")
	if !ok {
		return false
	}
	var h func() hash.Hash
	switch strings.ToLower(method) {
	case "sha1":
		h = sha1.New
	case "sha256":
		h = sha256.New
	case "sha384":
		h = sha512.New384
	case "sha512":
		h = sha512.New
	default:
		return false
	}
	want, err := hex.DecodeString(sig)
	if err != nil {
		return false
	}
	m := hmac.New(h, secret)
	m.Write(body)
	return hmac.Equal(m.Sum(nil), want)
}
