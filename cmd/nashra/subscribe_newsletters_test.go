package main

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/internal/testkit"
	"github.com/nashra/nashra/internal/testkit/teststore"
)

// twoNewslettersConfig is a config's newsletters: the daily digest (the
// default) and a weekly round-up of two categories.
const twoNewslettersConfig = `newsletters:
  - slug: daily
    name: "النشرة اليومية"
    description: "أهم أخبار الصباح كل يوم في السابعة"
    schedule: "0 7 * * *"
  - slug: weekly
    name: "الحصاد الأسبوعي"
    description: "قصص الأسبوع في الاقتصاد والرياضة كل جمعة"
    schedule: "0 9 * * 5"
    template: weekly
    categories: ["اقتصاد", "رياضة"]
`

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// formPost GETs page with c, then POSTs form (with the page's CSRF token)
// to action; it returns the final response's status and body.
func formPost(t *testing.T, c *http.Client, page, action string, form url.Values) (int, string) {
	t.Helper()
	res, err := c.Get(page)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := csrfField.FindSubmatch(b)
	if m == nil {
		t.Fatalf("%s: %d, no form:\n%s", page, res.StatusCode, b)
	}
	form.Set("csrf", string(m[1]))
	res, err = c.PostForm(action, form)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ = io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// followed returns the newsletters email follows, with their categories.
func followed(t *testing.T, db, email string) (store.Status, map[string][]string) {
	t.Helper()
	st := teststore.Open(t, db)
	sub, err := st.SubscriberByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return sub.Status, teststore.Following(t, st, sub.ID)
}

// signUp posts form (its email a first sign-up to that address) on serve's
// sign-up page through a client of its own keeping cookies, checks that
// the page asks the reader to read their email, and returns the client and
// the link of the confirmation email the sink received.
func signUp(t *testing.T, site *subSite, sink *mailSink, form url.Values) (*http.Client, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Transport: site.client.Transport, Jar: jar, Timeout: 20 * time.Second}
	email := form.Get("email")
	status, page := formPost(t, c, site.Base+"/subscribe", site.Base+"/subscribe", form)
	if status != 200 || !strings.Contains(page, "تحقّق من بريدك") {
		t.Fatalf("sign-up of %s: %d\n%s", email, status, page)
	}
	testkit.WaitFor(t, 10*time.Second, "the confirmation email", func() bool { return len(sink.messages(email)) == 1 })
	link := confirmLink.FindString(sink.received(t, email, 1)[0].Text)
	if link == "" {
		t.Fatalf("no confirmation link in the email to %s", email)
	}
	return c, link
}

// TestSignUpTwoNewslettersOneClick: on a site with two newsletters a
// reader signs up to both on `nashra serve`'s form (the weekly one with
// one category), follows the confirmation link from the email a real SMTP
// server received (the page names both newsletters), gets the daily digest, leaves it with the RFC 8058
// one-click POST of its List-Unsubscribe, and still follows the weekly
// one; the next daily edition does not reach them.
func TestSignUpTwoNewslettersOneClick(t *testing.T) {
	sink := startMailSink(t)
	site := newSubSite(t, sink.addr, twoNewslettersConfig)
	site.importArticles(t, "day1", dayArticles("2026-03-10"))
	site.nashra(t, "subscribers", "add", "amal@example.org")
	site.serve(t)
	c, link := signUp(t, site, sink, url.Values{
		"email": {"huda@example.org"}, "name": {"هدى"}, "newsletters-form": {"1"},
		"newsletters": {"daily", "weekly"}, "categories-weekly": {"رياضة"}})
	if st, got := followed(t, site.DB, "huda@example.org"); st != store.StatusPending || len(got) != 2 {
		t.Fatalf("pending sign-up: %s %v", st, got)
	}
	status, page := formPost(t, c, link, site.Base+"/confirm", url.Values{"t": {tokenOf(t, link)}})
	if status != 200 || !strings.Contains(page, "اكتمل اشتراكك") || !strings.Contains(page, "«النشرة اليومية»، «الحصاد الأسبوعي»") {
		t.Fatalf("confirm: %d\n%s", status, page)
	}
	st, got := followed(t, site.DB, "huda@example.org")
	if st != store.StatusConfirmed || len(got) != 2 || got["daily"] != nil || strings.Join(got["weekly"], ",") != "رياضة" {
		t.Fatalf("after confirming: %s %v", st, got)
	}

	site.nashra(t, "digest", "send", "--force", "--date", "2026-03-10")
	msg := sink.received(t, "huda@example.org", 2)[1] // the confirmation, the daily digest
	m := httpsUnsub.FindStringSubmatch(msg.Header.Get("List-Unsubscribe"))
	if m == nil || msg.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
		t.Fatalf("List-Unsubscribe %q", msg.Header.Get("List-Unsubscribe"))
	}
	res, err := site.client.Post(m[1], "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("one-click POST: %d", res.StatusCode)
	}
	st, got = followed(t, site.DB, "huda@example.org")
	if _, daily := got["daily"]; st != store.StatusConfirmed || daily || len(got) != 1 {
		t.Fatalf("after one-click on the daily digest: %s %v; want the weekly one only", st, got)
	}
	// The unsubscribe page of the same link says which newsletter was left.
	res, err = c.Get(m[1])
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(b), "لن تصل «النشرة اليومية» بعد الآن") || !strings.Contains(string(b), "«الحصاد الأسبوعي»") {
		t.Errorf("unsubscribe page after one-click:\n%s", b)
	}

	site.importArticles(t, "day2", dayArticles("2026-03-11"))
	site.nashra(t, "digest", "send", "--force", "--date", "2026-03-11")
	if n := len(sink.messages("huda@example.org")); n != 2 {
		t.Errorf("huda received %d messages in all, want no second daily digest", n)
	}
	if n := len(sink.messages("amal@example.org")); n != 2 {
		t.Errorf("amal received %d daily digests, want 2", n)
	}
}

// tokenOf is the t parameter of a link.
func tokenOf(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("t")
}

// TestSignUpAgainFollowsForm: a reader who left every newsletter signs up
// again on `nashra serve`'s form, ticking the weekly one only with one
// category; once they follow the link in the confirmation email the SMTP
// server received, they follow what the form chose (the confirmation page
// names it), as a first sign-up would, not the default newsletter.
func TestSignUpAgainFollowsForm(t *testing.T) {
	sink := startMailSink(t)
	site := newSubSite(t, sink.addr, twoNewslettersConfig)
	site.importArticles(t, "day1", dayArticles("2026-03-10")) // the categories offered
	site.nashra(t, "subscribers", "add", "huda@example.org")
	site.nashra(t, "subscribers", "remove", "--all", "huda@example.org")
	if st, got := followed(t, site.DB, "huda@example.org"); st != store.StatusUnsubscribed || len(got) != 0 {
		t.Fatalf("after leaving: %s %v", st, got)
	}
	site.serve(t)
	c, link := signUp(t, site, sink, url.Values{
		"email": {"huda@example.org"}, "newsletters-form": {"1"},
		"newsletters": {"weekly"}, "categories-weekly": {"اقتصاد"}})
	if st, got := followed(t, site.DB, "huda@example.org"); st != store.StatusUnsubscribed || len(got) != 0 {
		t.Fatalf("before confirming, the sign-up changed what huda follows: %s %v", st, got)
	}
	// The page behind the link names what the reader is about to join.
	resp, err := c.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	ask, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(ask), "«الحصاد الأسبوعي»") || strings.Contains(string(ask), "«النشرة اليومية»") {
		t.Errorf("the confirmation page does not name the chosen newsletter:\n%s", ask)
	}
	status, page := formPost(t, c, link, site.Base+"/confirm", url.Values{"t": {tokenOf(t, link)}})
	if status != 200 || !strings.Contains(page, "«الحصاد الأسبوعي»") || strings.Contains(page, "«النشرة اليومية»") {
		t.Fatalf("confirm: %d\n%s", status, page)
	}
	st, got := followed(t, site.DB, "huda@example.org")
	if st != store.StatusConfirmed || len(got) != 1 || strings.Join(got["weekly"], ",") != "اقتصاد" {
		t.Fatalf("after confirming the new sign-up: %s %v; want the weekly newsletter with اقتصاد", st, got)
	}
}
