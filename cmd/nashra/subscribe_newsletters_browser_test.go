package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/internal/testkit"
)

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
