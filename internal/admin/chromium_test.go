package admin_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/nashra/nashra/internal/article"
	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/internal/testkit"
)

var screenshots = flag.Bool("screenshots", false, "write the console's screenshots to testdata/screenshots")

// keepShots are the screenshots the README shows.
var keepShots = map[string]bool{"dashboard-desktop": true, "subscriber-desktop": true, "search-phone": true, "article-desktop": true,
	"newsletters-dashboard-desktop": true, "newsletters-editions-phone": true}

// seedNewsroom fills the store with what a newsroom's console shows.
func (s *site) seedNewsroom() {
	s.t.Helper()
	names := []string{"نورة العتيبي", "فيصل الحربي", "ليلى منصور", "سامي الخطيب", "هدى القحطاني", "Omar Haddad", "ريم الزهراني", "خالد يوسف"}
	statuses := []store.Status{store.StatusConfirmed, store.StatusConfirmed, store.StatusPending, store.StatusConfirmed, store.StatusUnsubscribed, store.StatusConfirmed, store.StatusBounced, store.StatusConfirmed}
	cats := [][]string{{"اقتصاد"}, nil, {"رياضة", "ثقافة"}, {"ثقافة"}, nil, {"اقتصاد", "رياضة"}, nil, {"رياضة"}}
	for i, n := range names {
		sub := &store.Subscriber{Email: fmt.Sprintf("reader%d@example.org", i+1), Name: n, Status: statuses[i], Categories: cats[i]}
		if _, err := s.st.AddSubscriber(s.ctx, sub); err != nil {
			s.t.Fatal(err)
		}
	}
	titles := []struct{ slug, title, cat string }{
		{"water-summit", "قمة المياه العربية تتفق على خطة لإدارة الأحواض المشتركة", "اقتصاد"},
		{"gulf-rail", "قطار الخليج: المرحلة الأولى تربط ثلاث عواصم بحلول ٢٠٣٠", "اقتصاد"},
		{"football", "المنتخب يتأهل إلى نصف النهائي بعد مباراة مثيرة", "رياضة"},
		{"heritage-festival", "مهرجان التراث يستقبل مئة ألف زائر في أسبوعه الأول", "ثقافة"},
	}
	for i, x := range titles {
		a := &article.Article{Key: "file:" + x.slug, Slug: x.slug, Title: x.title, Category: x.cat, Summary: x.title + "، وفق ما أعلنته الجهات المنظمة.",
			BodyText: "نص", Published: time.Now().Add(-time.Duration(i) * time.Hour)}
		if _, _, err := s.st.UpsertArticle(s.ctx, a); err != nil {
			s.t.Fatal(err)
		}
	}
	e := &store.Edition{ID: time.Now().Format(time.DateOnly), Subject: "نشرة الصباح: قمة المياه وقطار الخليج", Body: []byte("{}")}
	if _, err := s.st.CreateEdition(s.ctx, e); err != nil {
		s.t.Fatal(err)
	}
	subs, _ := s.st.ListSubscribers(s.ctx, store.SubscriberQuery{Status: store.StatusConfirmed})
	if _, err := s.st.EnqueueDeliveries(s.ctx, e.ID, subs); err != nil {
		s.t.Fatal(err)
	}
	for i, x := range subs {
		st := store.DeliverySent
		if i == 1 {
			st = store.DeliveryFailed
		}
		if err := s.st.MarkDelivery(s.ctx, e.ID, x.ID, st, map[bool]string{true: "550 5.1.1 mailbox unavailable"}[i == 1]); err != nil {
			s.t.Fatal(err)
		}
	}
}

// TestConsoleInChromium signs in with a real browser, searches a
// subscriber, changes their categories, logs out, and checks that the
// back button then shows no data. At desktop and phone width the pages
// read right-to-left and never scroll sideways. With -screenshots it
// writes the README's screenshots.
func TestConsoleInChromium(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	s.seedNewsroom()
	for _, size := range []struct {
		name          string
		width, height int
		// the subscriber searched for, and their categories after
		// ticking economy and sports
		search, id, want string
	}{
		{"desktop", 1280, 860, "ليلى", "3", "اقتصاد,ثقافة"},
		{"phone", 390, 844, "فيصل", "2", "اقتصاد,رياضة"},
	} {
		t.Run(size.name, func(t *testing.T) {
			ctx := testkit.Chromium(t, size.width, size.height, 3*time.Minute)
			css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
			// look checks the page reads right-to-left and fits the
			// window, then keeps a screenshot when asked to.
			look := func(page string) {
				t.Helper()
				type probe struct {
					Dir      string
					Overflow bool
				}
				if err := chromedp.Do(ctx, chromedp.WaitReady(css("body"))); err != nil {
					t.Fatalf("%s: %v", page, err)
				}
				p, err := chromedp.Run(ctx, chromedp.Evaluate[probe](`({Dir: getComputedStyle(document.body).direction,
					Overflow: document.documentElement.scrollWidth > window.innerWidth + 1})`))
				if err != nil {
					t.Fatalf("%s: %v", page, err)
				}
				if p.Dir != "rtl" {
					t.Errorf("%s: direction %q", page, p.Dir)
				}
				if p.Overflow {
					wide, _ := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('body *')].filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && (r.left < -1 || r.right > window.innerWidth + 1); }).slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().left) + '..' + Math.round(e.getBoundingClientRect().right))`))
					t.Errorf("%s scrolls sideways at %d px: %v", page, size.width, wide)
				}
				if !*screenshots || !keepShots[page+"-"+size.name] {
					return
				}
				png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
				if err != nil {
					t.Fatal(err)
				}
				dir := filepath.Join("testdata", "screenshots")
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, page+"-"+size.name+".png"), png, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			do := func(steps ...chromedp.Action[chromedp.Void]) {
				t.Helper()
				if err := chromedp.Do(ctx, steps...); err != nil {
					t.Fatal(err)
				}
			}
			base := s.srv.URL
			do(chromedp.Navigate(base+"/admin/"), chromedp.WaitVisible(css("#email")))
			look("login")
			do(chromedp.SendKeys(css("#email"), "editor@example.com"),
				chromedp.SendKeys(css("#password"), password),
				chromedp.Submit(css("#password")),
				chromedp.WaitVisible(css(".stats")))
			look("dashboard")
			do(chromedp.Navigate(base+"/admin/subscribers"),
				chromedp.WaitVisible(css("input[name=q]")),
				chromedp.SendKeys(css("input[name=q]"), size.search),
				chromedp.Submit(css("input[name=q]")),
				// The results page: its search box carries the query in
				// its value attribute (the list before the search may
				// already show the subscriber's link).
				chromedp.WaitVisible(css(`input[name=q][value="`+size.search+`"]`)),
				chromedp.WaitVisible(css(`a[href="/admin/subscribers/`+size.id+`"]`)))
			look("search")
			do(chromedp.Click(css(`a[href="/admin/subscribers/`+size.id+`"]`)),
				chromedp.WaitVisible(css(`input[name=categories][value="اقتصاد"]`)),
				chromedp.Click(css(`input[name=categories][value="اقتصاد"]`)),
				chromedp.Click(css(`input[name=categories][value="رياضة"]`)),
				chromedp.Submit(css("#name")),
				chromedp.WaitVisible(css(".flash")))
			look("subscriber")
			id, _ := strconv.ParseInt(size.id, 10, 64)
			sub, _ := s.st.GetSubscriber(s.ctx, id)
			if got := strings.Join(sub.Categories, ","); got != size.want {
				t.Errorf("categories after the browser's edit: %q", got)
			}
			if size.name == "desktop" {
				for _, p := range []string{"subscribers", "articles", "audit"} {
					do(chromedp.Navigate(base+"/admin/"+p), chromedp.WaitVisible(css("table.list")))
					look(p)
				}
				do(chromedp.Navigate(base+"/admin/articles/water-summit"), chromedp.WaitVisible(css(".facts")))
				look("article")
			}
			// Log out, then go back: the page must come from the server
			// again (no-store), which sends the browser to the login page.
			do(chromedp.Navigate(base+"/admin/subscribers/"+size.id),
				chromedp.WaitVisible(css(".facts")),
				chromedp.Click(css(`form[action="/admin/logout"] button`)),
				chromedp.WaitVisible(css("#email")),
				chromedp.NavigateBack(),
				chromedp.Sleep(300*time.Millisecond),
				chromedp.WaitReady(css("body")))
			body, err := chromedp.Run(ctx, chromedp.OuterHTML(css("html")))
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(body, "reader"+size.id+"@example.org") || strings.Contains(body, size.search) {
				t.Error("after logout the back button shows the subscriber's data")
			}
			if !strings.Contains(body, `id="email"`) {
				t.Errorf("after logout the back button does not land on the login page:\n%.400s", body)
			}
		})
	}
}

// TestConsoleNewslettersInChromium: with two newsletters, the dashboard's
// newsletters card and the editions list filtered on one read
// right-to-left and fit the window at desktop and phone width, each
// newsletter's name at the right edge of its cell. With -screenshots it
// writes the README's screenshots.
func TestConsoleNewslettersInChromium(t *testing.T) {
	t.Parallel()
	s := newSite(t, twoNewsletters...)
	for i, follow := range [][]string{{"daily", "weekly"}, {"daily"}, {"weekly"}, {"daily", "weekly"}} {
		sub := &store.Subscriber{Email: fmt.Sprintf("reader%d@example.org", i+1), Status: store.StatusConfirmed}
		for _, f := range follow {
			sub.Follow = append(sub.Follow, store.Subscription{Newsletter: f})
		}
		if _, err := s.st.AddSubscriber(s.ctx, sub); err != nil {
			t.Fatal(err)
		}
	}
	day := func(d int) time.Time {
		return time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, d).Add(6 * time.Hour)
	}
	for _, e := range []store.Edition{
		{ID: day(-1).Format(time.DateOnly), Subject: "النشرة اليومية: قمة المياه", SendAt: day(-1), State: store.EditionSent},
		{ID: "weekly." + day(-3).Format(time.DateOnly), Newsletter: "weekly", Subject: "الحصاد الأسبوعي: قصص الأسبوع", SendAt: day(-3), State: store.EditionSent},
		{ID: day(-4).Format(time.DateOnly), Subject: "النشرة اليومية: قطار الخليج", SendAt: day(-4), State: store.EditionSent},
	} {
		if _, err := s.st.CreateEdition(s.ctx, &e); err != nil {
			t.Fatal(err)
		}
	}
	for _, size := range []struct {
		name          string
		width, height int
	}{{"desktop", 1280, 860}, {"phone", 390, 844}} {
		t.Run(size.name, func(t *testing.T) {
			ctx := testkit.Chromium(t, size.width, size.height, 2*time.Minute)
			css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
			if err := chromedp.Do(ctx, chromedp.Navigate(s.srv.URL+"/admin/"), chromedp.WaitVisible(css("#email")),
				chromedp.SendKeys(css("#email"), "editor@example.com"), chromedp.SendKeys(css("#password"), password),
				chromedp.Submit(css("#password")), chromedp.WaitVisible(css(".stats"))); err != nil {
				t.Fatal(err)
			}
			for _, pg := range []struct{ shot, path, cells string }{
				{"newsletters-dashboard", "/admin/", "#newsletters td:first-child"},
				{"newsletters-editions", "/admin/editions?newsletter=weekly", "td.nl"},
			} {
				type probe struct {
					Dir      string
					Overflow bool
					Cells    []float64 // gap between each cell's text and its right edge
				}
				if err := chromedp.Do(ctx, chromedp.Navigate(s.srv.URL+pg.path), chromedp.WaitVisible(chromedp.CSS(pg.cells))); err != nil {
					t.Fatalf("%s: %v", pg.path, err)
				}
				p, err := chromedp.Run(ctx, chromedp.Evaluate[probe](`({Dir: getComputedStyle(document.body).direction,
					Overflow: document.documentElement.scrollWidth > window.innerWidth + 1,
					Cells: [...document.querySelectorAll('`+pg.cells+`')].map(td => { const r = document.createRange(); r.selectNodeContents(td);
					  return td.getBoundingClientRect().right - (parseFloat(getComputedStyle(td).paddingRight) || 0) - r.getBoundingClientRect().right; })})`))
				if err != nil {
					t.Fatal(err)
				}
				if p.Dir != "rtl" || p.Overflow {
					t.Errorf("%s at %d px: direction %q, scrolls sideways %v", pg.path, size.width, p.Dir, p.Overflow)
				}
				if len(p.Cells) < 2 {
					t.Errorf("%s: %d newsletter cells, want 2 or more", pg.path, len(p.Cells))
				}
				for _, gap := range p.Cells {
					if gap > 2 || gap < -2 {
						t.Errorf("%s at %d px: a newsletter name sits %.0f px from its cell's right edge", pg.path, size.width, gap)
					}
				}
				// On a phone the list's rows stack into cards, and each
				// labelled cell must say what it holds; at desktop width
				// the table's head does.
				labels, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('table.list tbody td[data-label], table.stack tbody td[data-label]')]
					.filter(td => getComputedStyle(td).display !== 'none').map(td => getComputedStyle(td, '::before').content)`))
				if err != nil {
					t.Fatal(err)
				}
				if pg.shot == "newsletters-editions" && len(labels) < 8 {
					t.Errorf("%s: %d labelled cells, want every number and date labelled", pg.path, len(labels))
				}
				for _, c := range labels {
					if shown := c != "none" && c != "normal"; shown != (size.name == "phone") {
						t.Errorf("%s at %d px: a cell's label is %q", pg.path, size.width, c)
					}
				}
				if !*screenshots || !keepShots[pg.shot+"-"+size.name] {
					continue
				}
				png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join("testdata", "screenshots", pg.shot+"-"+size.name+".png"), png, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}
