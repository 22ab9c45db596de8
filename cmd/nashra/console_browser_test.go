package main

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/nashra/nashra/internal/testkit"
)

// TestConsoleFlowInBrowser is issue 12's browser acceptance on `nashra
// serve` with the sample articles: an editor created with `nashra users
// add` signs in, searches a subscriber, changes their categories,
// unpublishes an article and sees it leave /feed.xml, and logs out; the
// back button then shows the login page, not the data.
func TestConsoleFlowInBrowser(t *testing.T) {
	b := testkit.NewBrowser(t, 390, 844, 60*time.Second)
	site := testkit.NewSite(t, newsroom, "site:\n  content_dir: "+strconv.Quote(filepath.Join(testkit.RepoRoot(t), "content"))+"\nserver:\n  watch_interval: 200ms\n")
	cfgPath := site.Config
	runAll(t, cfgPath, "كلمة-سر-المحرر\n",
		[]string{"users", "add", "desk@example.com", "--role", "editor", "--password-stdin"},
		[]string{"subscribers", "add", "noura@example.org", "--name", "نورة العتيبي", "--categories", "اقتصاد"})
	serveSite(t, site)
	base := site.Base
	feed := func() string { _, rss := testkit.Fetch(base + "/feed.xml"); return rss }
	testkit.WaitFor(t, 30*time.Second, "serve's feed shows gulf-rail-trial", func() bool { return strings.Contains(feed(), "gulf-rail-trial") })

	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	signInAsDesk(b, base+"/admin/")
	b.Do(chromedp.Navigate(base+"/admin/subscribers"),
		chromedp.WaitVisible(css("input[name=q]")),
		chromedp.SendKeys(css("input[name=q]"), "العتيبي"),
		chromedp.Submit(css("input[name=q]")),
		chromedp.WaitVisible(css(`a[href="/admin/subscribers/1"]`)),
		chromedp.Click(css(`a[href="/admin/subscribers/1"]`)),
		chromedp.WaitVisible(css(`input[name=categories][value="رياضة"]`)),
		chromedp.Click(css(`input[name=categories][value="رياضة"]`)),
		chromedp.Submit(css("#name")),
		chromedp.WaitVisible(css(".flash")))
	out, _, err := runIn(t, "", "--config", cfgPath, "subscribers", "list")
	if err != nil || !lineHas(out, "noura@example.org", "اقتصاد,رياضة") {
		t.Errorf("after the browser's edit (%v):\n%s", err, out)
	}

	b.Do(chromedp.Navigate(base+"/admin/articles/gulf-rail-trial"),
		chromedp.WaitVisible(css(`form[action="/admin/articles/gulf-rail-trial/unpublish"] button`)),
		chromedp.Click(css(`form[action="/admin/articles/gulf-rail-trial/unpublish"] button`)),
		chromedp.WaitVisible(css(`form[action="/admin/articles/gulf-rail-trial/publish"]`)))
	testkit.WaitFor(t, 15*time.Second, "gulf-rail-trial leaves the feed after the console unpublished it", func() bool { f := feed(); return f != "" && !strings.Contains(f, "gulf-rail-trial") })
	if f := feed(); !strings.Contains(f, "<item>") {
		t.Errorf("the feed lost every item, not just the one unpublished:\n%.300s", f)
	}

	b.Do(chromedp.Navigate(base+"/admin/subscribers/1"),
		chromedp.WaitVisible(css(".facts")),
		chromedp.Click(css(`form[action="/admin/logout"] button`)),
		chromedp.WaitVisible(css("#email")),
		chromedp.NavigateBack(),
		chromedp.Sleep(300*time.Millisecond),
		chromedp.WaitReady(css("body")))
	body, err := chromedp.Run(b.Context(), chromedp.OuterHTML(css("html")))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(body, "noura@example.org") || strings.Contains(body, "العتيبي") || !strings.Contains(body, `id="email"`) {
		t.Errorf("after logout the back button shows:\n%.500s", body)
	}
	audit, _, _ := runIn(t, "", "--config", cfgPath, "audit")
	for _, want := range []string{"article.unpublish", "subscriber.edit", "login", "logout"} {
		if !strings.Contains(audit, want) {
			t.Errorf("audit lacks %s:\n%s", want, audit)
		}
	}
}
