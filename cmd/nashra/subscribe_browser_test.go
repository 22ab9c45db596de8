package main

import (
	"context"
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

var confirmLink = regexp.MustCompile(`https?://\S+/confirm\?t=[A-Za-z0-9_%-]+`)

// confirmationLink waits for the confirmation email to rcpt in the outbox
// and returns the link of its text part.
func confirmationLink(t *testing.T, outbox, rcpt string) string {
	t.Helper()
	var link string
	testkit.WaitFor(t, 10*time.Second, "a confirmation email to "+rcpt+" in "+outbox, func() bool {
		mails, _ := testkit.ReadOutbox(outbox)
		for _, m := range mails {
			if strings.Contains(m.Header.Get("To"), rcpt) {
				if link = confirmLink.FindString(m.Text); link != "" {
					return true
				}
			}
		}
		return false
	})
	return link
}

// TestSubscribeInBrowser drives Chromium against `nashra serve`: sign up
// with an Arabic name, follow the confirmation link from the email in the
// outbox, change categories on the preferences page, unsubscribe. Every
// page must be dir="rtl" and fit a phone screen; the sign-up and
// preferences screenshots go to internal/web/testdata/screenshots.
func TestSubscribeInBrowser(t *testing.T) {
	b := testkit.NewBrowser(t, 390, 844, 60*time.Second)
	site := testkit.NewSite(t, newsroom, readerPages)
	serveSite(t, site)
	base, outbox := site.Base, site.Outbox
	shots := filepath.Join(testkit.RepoRoot(t), "internal", "web", "testdata", "screenshots")
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }

	b.Do(chromedp.Navigate(base+"/subscribe"),
		chromedp.WaitVisible(css("#email")),
		chromedp.SendKeys(css("#email"), "reader@example.org"),
		chromedp.SendKeys(css("#name"), "سارة الشمري"),
		chromedp.Click(css(`input[name=categories][value="اقتصاد"]`)))
	b.Look("sign-up form", "الأقسام التي تهمّك")
	b.Shot(filepath.Join(shots, "subscribe.png")) // the README shows it
	b.Do(chromedp.Click(css(`button[type=submit]`)))
	testkit.WaitFor(t, 10*time.Second, "the browser lands on /subscribe/sent", func() bool {
		u, err := chromedp.Run(b.Context(), chromedp.Location())
		return err == nil && strings.HasSuffix(u, "/subscribe/sent")
	})
	b.Look("after sign-up", "تحقّق من بريدك")

	link := confirmationLink(t, outbox, "reader@example.org")
	b.Do(chromedp.Navigate(link), chromedp.WaitVisible(css("#confirm")))
	b.Look("confirmation page", "بقيت خطوة واحدة")
	if sub := browserSubscriber(t, site.DB); sub.Status != store.StatusPending {
		t.Fatalf("opening the confirmation link confirmed: %+v", sub)
	}
	b.Do(chromedp.Click(css("#confirm")), chromedp.WaitVisible(css("#preferences-link")))
	b.Look("confirmation", "مرحبًا سارة الشمري")

	b.Do(chromedp.Click(css("#preferences-link")),
		chromedp.WaitVisible(css(`input[name=categories][value="رياضة"]`)),
		chromedp.Click(css(`input[name=categories][value="اقتصاد"]`)), // untick
		chromedp.Click(css(`input[name=categories][value="رياضة"]`)),
		chromedp.Click(css(`input[name=categories][value="ثقافة"]`)),
		chromedp.Click(css(`button[type=submit]`)),
		chromedp.WaitVisible(css("#saved")))
	b.Look("preferences saved", "حُفظت إعداداتك")
	b.Shot(filepath.Join(shots, "preferences.png")) // the README shows it
	sub := browserSubscriber(t, site.DB)
	if sub.Status != store.StatusConfirmed || sub.Name != "سارة الشمري" || strings.Join(sub.Categories, ",") != "رياضة,ثقافة" {
		t.Errorf("after preferences: %+v", sub)
	}

	b.Do(chromedp.Click(css("#leave")), chromedp.WaitVisible(css("#unsubscribe")))
	b.Look("unsubscribe page", "هل تريد إيقاف النشرة")
	b.Do(chromedp.Click(css("#unsubscribe")), chromedp.WaitVisible(css("#done")))
	b.Look("unsubscribed", "لن تصل النشرة بعد الآن")
	if sub := browserSubscriber(t, site.DB); sub.Status != store.StatusUnsubscribed {
		t.Errorf("after unsubscribing: %+v", sub)
	}
}

// TestSubscribeNewslettersInBrowser drives Chromium at desktop and phone
// width against `nashra serve` on a site with two newsletters: sign up to
// both (the weekly one with one category), confirm from the email in the
// outbox, then on the preferences page leave the daily one and pick the
// weekly one's categories. Pages must read right-to-left and fit the
// window; the sign-up and preferences pages are kept as
// internal/web/testdata/screenshots/{subscribe,preferences}-newsletters-{desktop,phone}.png.
func TestSubscribeNewslettersInBrowser(t *testing.T) {
	site := testkit.NewSite(t, newsroom, readerPages, twoNewslettersConfig)
	serveSite(t, site)
	base, outbox := site.Base, site.Outbox
	shots := filepath.Join(testkit.RepoRoot(t), "internal", "web", "testdata", "screenshots")
	for _, size := range []struct {
		name          string
		width, height int
		email         string
	}{
		{"desktop", 1280, 860, "salma@example.org"},
		{"phone", 390, 844, "yusuf@example.org"},
	} {
		t.Run(size.name, func(t *testing.T) {
			b := testkit.NewBrowser(t, size.width, size.height, 90*time.Second)
			css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
			shot := func(page string) { b.Shot(filepath.Join(shots, page+"-newsletters-"+size.name+".png")) }

			b.Do(chromedp.Navigate(base+"/subscribe"),
				chromedp.WaitVisible(css("#email")),
				chromedp.SendKeys(css("#email"), size.email),
				chromedp.SendKeys(css("#name"), "سلمى العتيبي"),
				chromedp.Click(css(`input[name=newsletters][value=weekly]`)),
				chromedp.Click(css(`input[name=categories-weekly][value="رياضة"]`)),
				chromedp.Click(css(`input[name=categories-daily][value="اقتصاد"]`)),
			)
			b.Look("sign-up form", "الحصاد الأسبوعي")
			shot("subscribe")
			b.Do(chromedp.Click(css(`button[type=submit]`)))
			testkit.WaitFor(t, 10*time.Second, "the browser lands on /subscribe/sent", func() bool {
				u, err := chromedp.Run(b.Context(), chromedp.Location())
				return err == nil && strings.HasSuffix(u, "/subscribe/sent")
			})
			link := confirmationLink(t, outbox, size.email)
			b.Do(chromedp.Navigate(link), chromedp.WaitVisible(css("#confirm")), chromedp.Click(css("#confirm")),
				chromedp.WaitVisible(css("#preferences-link")))
			b.Look("confirmed", "اكتمل اشتراكك")
			st, got := followed(t, site.DB, size.email)
			if st != store.StatusConfirmed || strings.Join(got["daily"], ",") != "اقتصاد" || strings.Join(got["weekly"], ",") != "رياضة" {
				t.Fatalf("after confirming: %s %v", st, got)
			}

			b.Do(chromedp.Click(css("#preferences-link")),
				chromedp.WaitVisible(css(`#leave-all`)),
				chromedp.Click(css(`input[name=newsletters][value=daily]`)), // leave it
				chromedp.Click(css(`input[name=categories-weekly][value="اقتصاد"]`)),
				chromedp.Click(css(`button[value=save]`)),
				chromedp.WaitVisible(css("#saved")),
			)
			b.Look("preferences saved", "إلغاء الاشتراك من الكل")
			shot("preferences")
			st, got = followed(t, site.DB, size.email)
			if _, daily := got["daily"]; st != store.StatusConfirmed || daily || strings.Join(got["weekly"], ",") != "اقتصاد,رياضة" {
				t.Errorf("after preferences: %s %v; want the weekly one with اقتصاد,رياضة", st, got)
			}
		})
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
