package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/internal/testkit"
	"github.com/nashra/nashra/internal/testkit/teststore"
)

// chromium starts a headless Chromium (Debian's /usr/bin/chromium) with a
// fresh profile and a phone-sized window; missing, the test skips, or
// fails in CI.
func chromium(t *testing.T) context.Context {
	t.Helper()
	return testkit.Chromium(t, 480, 860, 60*time.Second)
}

var confirmLink = regexp.MustCompile(`https?://\S+/confirm\?t=[A-Za-z0-9_%-]+`)

// confirmationLink waits for the confirmation email to rcpt in the outbox
// and returns the link of its text part.
func confirmationLink(t *testing.T, outbox, rcpt string) string {
	t.Helper()
	var link string
	testkit.WaitFor(t, 10*time.Second, "a confirmation email to "+rcpt+" in "+outbox, func() bool {
		link = findConfirmationLink(outbox, rcpt)
		return link != ""
	})
	return link
}

// findConfirmationLink returns the confirmation link in the text part of
// an email to rcpt in the outbox, or "".
func findConfirmationLink(outbox, rcpt string) string {
	files, _ := filepath.Glob(filepath.Join(outbox, "*.eml"))
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		m, err := mail.ReadMessage(bytes.NewReader(raw))
		if err != nil || !strings.Contains(m.Header.Get("To"), rcpt) {
			continue
		}
		_, params, _ := mime.ParseMediaType(m.Header.Get("Content-Type"))
		mr := multipart.NewReader(m.Body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if err != nil {
				break
			}
			if strings.HasPrefix(p.Header.Get("Content-Type"), "text/plain") {
				b, _ := io.ReadAll(base64.NewDecoder(base64.StdEncoding, p))
				if l := confirmLink.FindString(string(b)); l != "" {
					return l
				}
			}
		}
	}
	return ""
}

// TestSubscribeInBrowser drives Chromium against `nashra serve`: sign up
// with an Arabic name, follow the confirmation link from the email in the
// outbox, change categories on the preferences page, unsubscribe. Every
// page must be dir="rtl" and fit a phone screen; the sign-up and
// preferences screenshots go to internal/web/testdata/screenshots.
func TestSubscribeInBrowser(t *testing.T) {
	bctx := chromium(t)
	site := testkit.NewSite(t, newsroom, readerPages)
	serveSite(t, site)
	base, outbox := site.Base, site.Outbox

	shots := filepath.Join(testkit.RepoRoot(t), "internal", "web", "testdata", "screenshots")
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	// Two screenshots are kept in the repository (the README shows them).
	keepShot := map[string]bool{"subscribe.png": true, "preferences.png": true}
	// rtl checks the page: dir="rtl" on html, a right-to-left body, the
	// expected text; then saves a screenshot.
	rtl := func(step, want, shot string) {
		t.Helper()
		type probe struct {
			Dir, BodyDir, Text, URL string
			Overflow                bool
		}
		if err := chromedp.Do(bctx, chromedp.WaitReady(chromedp.CSS("body"))); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		p, err := chromedp.Run(bctx, chromedp.Evaluate[probe](`({Dir: document.documentElement.getAttribute("dir"),
			BodyDir: getComputedStyle(document.body).direction,
			Text: document.querySelector("main").innerText, URL: location.href,
			Overflow: document.documentElement.scrollWidth > window.innerWidth})`))
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		dir, bodyDir, text, url := p.Dir, p.BodyDir, p.Text, p.URL
		if p.Overflow {
			t.Errorf("%s (%s): the page is wider than a 480px phone screen", step, url)
		}
		if dir != "rtl" || bodyDir != "rtl" {
			t.Errorf("%s (%s): html dir=%q, body direction %q; want rtl", step, url, dir, bodyDir)
		}
		if !strings.Contains(text, want) {
			t.Errorf("%s (%s): page lacks %q:\n%s", step, url, want, text)
		}
		if shot != "" {
			png, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatalf("%s: screenshot: %v", step, err)
			}
			where := shots
			if !keepShot[shot] {
				where = t.TempDir()
			}
			if err := os.WriteFile(filepath.Join(where, shot), png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}

	err := chromedp.Do(bctx,
		chromedp.Navigate(base+"/subscribe"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), "reader@example.org"),
		chromedp.SendKeys(chromedp.CSS("#name"), "سارة الشمري"),
		chromedp.Click(chromedp.CSS(`input[name=categories][value="اقتصاد"]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	rtl("sign-up form", "الأقسام التي تهمّك", "subscribe.png")
	if err := chromedp.Do(bctx, chromedp.Click(chromedp.CSS(`button[type=submit]`))); err != nil {
		t.Fatal(err)
	}
	testkit.WaitFor(t, 10*time.Second, "the browser lands on /subscribe/sent", func() bool {
		u, err := chromedp.Run(bctx, chromedp.Location())
		return err == nil && strings.HasSuffix(u, "/subscribe/sent")
	})
	rtl("after sign-up", "تحقّق من بريدك", "")

	link := confirmationLink(t, outbox, "reader@example.org")
	if err := chromedp.Do(bctx, chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("#confirm"))); err != nil {
		t.Fatal(err)
	}
	rtl("confirmation page", "بقيت خطوة واحدة", "")
	if sub := browserSubscriber(t, site.DB); sub.Status != store.StatusPending {
		t.Fatalf("opening the confirmation link confirmed: %+v", sub)
	}
	if err := chromedp.Do(bctx, chromedp.Click(chromedp.CSS("#confirm")), chromedp.WaitVisible(chromedp.CSS("#preferences-link"))); err != nil {
		t.Fatal(err)
	}
	rtl("confirmation", "مرحبًا سارة الشمري", "confirm.png")

	err = chromedp.Do(bctx,
		chromedp.Click(chromedp.CSS("#preferences-link")),
		chromedp.WaitVisible(chromedp.CSS(`input[name=categories][value="رياضة"]`)),
		chromedp.Click(chromedp.CSS(`input[name=categories][value="اقتصاد"]`)), // untick
		chromedp.Click(chromedp.CSS(`input[name=categories][value="رياضة"]`)),
		chromedp.Click(chromedp.CSS(`input[name=categories][value="ثقافة"]`)),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#saved")),
	)
	if err != nil {
		t.Fatal(err)
	}
	rtl("preferences saved", "حُفظت إعداداتك", "preferences.png")
	sub := browserSubscriber(t, site.DB)
	if sub.Status != store.StatusConfirmed || sub.Name != "سارة الشمري" || strings.Join(sub.Categories, ",") != "رياضة,ثقافة" {
		t.Errorf("after preferences: %+v", sub)
	}

	err = chromedp.Do(bctx,
		chromedp.Click(chromedp.CSS("#leave")),
		chromedp.WaitVisible(chromedp.CSS("#unsubscribe")),
	)
	if err != nil {
		t.Fatal(err)
	}
	rtl("unsubscribe page", "هل تريد إيقاف النشرة", "")
	if err := chromedp.Do(bctx, chromedp.Click(chromedp.CSS("#unsubscribe")), chromedp.WaitVisible(chromedp.CSS("#done"))); err != nil {
		t.Fatal(err)
	}
	rtl("unsubscribed", "لن تصل النشرة بعد الآن", "unsubscribed.png")
	if sub := browserSubscriber(t, site.DB); sub.Status != store.StatusUnsubscribed {
		t.Errorf("after unsubscribing: %+v", sub)
	}
}

func browserSubscriber(t *testing.T, db string) *store.Subscriber {
	t.Helper()
	st := teststore.Open(t, db)
	s, err := st.SubscriberByEmail(context.Background(), "reader@example.org")
	if err != nil {
		t.Fatal(err)
	}
	return s
}
