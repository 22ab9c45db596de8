package templates

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/nashra/nashra/internal/digest"
	"github.com/nashra/nashra/internal/testkit"
)

// layoutProbe reports computed direction and alignment of the body and of
// every article block, and where the text actually lands: the first
// letter of each title must sit at the right edge of its block and to
// the right of the title's last letter, and an isolated Latin run must
// still read left-to-right inside the Arabic line.
const layoutProbe = `(() => {
  const st = el => { const cs = getComputedStyle(el); return {dir: cs.direction, align: cs.textAlign}; };
  const charRect = (node, i) => { const r = document.createRange(); r.setStart(node, i); r.setEnd(node, i + 1); return r.getBoundingClientRect(); };
  const texts = el => { const w = document.createTreeWalker(el, NodeFilter.SHOW_TEXT, {acceptNode: n => n.data.trim() ? 1 : 3}); const out = []; while (w.nextNode()) out.push(w.currentNode); return out; };
  const out = {html: st(document.documentElement), body: st(document.body), blocks: [], latin: null,
    naskh: document.fonts.check('16px "Noto Naskh Arabic"')};
  document.querySelectorAll(BLOCKS).forEach(b => {
    const h = b.querySelector('h3'), box = b.getBoundingClientRect();
    const ts = texts(h), first = ts[0], last = ts[ts.length - 1];
    const fi = first.data.search(/\S/), li = last.data.trimEnd().length - 1;
    const f = charRect(first, fi), l = charRect(last, li);
    const parts = [b, ...b.querySelectorAll('td, h3, p')].map(st);
    const sp = texts(b.querySelector('h3 + p'))[0], sf = charRect(sp, sp.data.search(/\S/));
    out.blocks.push({title: h.textContent.trim(), parts,
      firstRightGap: box.right - f.right, summaryRightGap: box.right - sf.right, firstLeft: f.left, lastLeft: l.left, sameLine: Math.abs(f.top - l.top) < 4});
  });
  const span = [...document.querySelectorAll('span[dir=auto]')].find(s => s.textContent.includes('iPhone 17 Pro'));
  if (span) { const n = texts(span)[0]; out.latin = {dir: getComputedStyle(span).direction,
    iLeft: charRect(n, n.data.indexOf('iPhone')).left, pLeft: charRect(n, n.data.indexOf('Pro')).left}; }
  const nas = [...document.querySelectorAll('span[dir=auto]')].find(s => s.textContent.includes('(NASDAQ: AAPL)'));
  if (nas) { const n = texts(nas)[0]; out.parens = [charRect(n, n.data.indexOf('Apple')).left,
    charRect(n, n.data.indexOf('(')).left, charRect(n, n.data.indexOf(')')).left]; }
  return out;
})()`

type styleInfo struct {
	Dir   string `json:"dir"`
	Align string `json:"align"`
}

type probe struct {
	HTML   styleInfo `json:"html"`
	Body   styleInfo `json:"body"`
	Naskh  bool      `json:"naskh"`
	Blocks []struct {
		Title         string      `json:"title"`
		Parts         []styleInfo `json:"parts"`
		FirstRightGap float64     `json:"firstRightGap"`
		SummaryGap    float64     `json:"summaryRightGap"`
		FirstLeft     float64     `json:"firstLeft"`
		LastLeft      float64     `json:"lastLeft"`
		SameLine      bool        `json:"sameLine"`
	} `json:"blocks"`
	Parens []float64 `json:"parens"`
	Latin  *struct {
		Dir   string  `json:"dir"`
		ILeft float64 `json:"iLeft"`
		PLeft float64 `json:"pLeft"`
	} `json:"latin"`
}

func rightAligned(s styleInfo) bool {
	switch s.Align {
	case "right", "-webkit-right":
		return true
	case "start":
		return s.Dir == "rtl"
	}
	return false
}

// problems lists what in p does not read right-to-left.
func problems(p probe, wantBlocks int) []string {
	var out []string
	bad := func(f string, a ...any) { out = append(out, fmt.Sprintf(f, a...)) }
	if p.HTML.Dir != "rtl" || p.Body.Dir != "rtl" || !rightAligned(p.Body) {
		bad("html %+v body %+v, want rtl and right-aligned", p.HTML, p.Body)
	}
	if len(p.Blocks) != wantBlocks {
		bad("%d article blocks, want %d", len(p.Blocks), wantBlocks)
	}
	for _, b := range p.Blocks {
		for i, s := range b.Parts {
			if s.Dir != "rtl" || !rightAligned(s) {
				bad("%q part %d: direction %s text-align %s", b.Title, i, s.Dir, s.Align)
			}
		}
		if b.FirstRightGap > 24 {
			bad("%q starts %.0fpx from the right edge of its block", b.Title, b.FirstRightGap)
		}
		if b.SummaryGap > 24 {
			bad("summary of %q starts %.0fpx from the right edge of its block", b.Title, b.SummaryGap)
		}
		if b.SameLine && b.FirstLeft <= b.LastLeft {
			bad("%q: first letter (x=%.0f) is not right of the last (x=%.0f)", b.Title, b.FirstLeft, b.LastLeft)
		}
	}
	if p.Latin == nil || p.Latin.Dir != "ltr" || p.Latin.ILeft >= p.Latin.PLeft {
		bad("isolated Latin run does not read left-to-right: %+v", p.Latin)
	}
	if len(p.Parens) != 3 || p.Parens[0] >= p.Parens[1] || p.Parens[1] >= p.Parens[2] {
		bad("\"Apple Inc. (NASDAQ: AAPL)\" is not laid out left-to-right (x of A, (, ) = %v)", p.Parens)
	}
	return out
}

// layoutAt opens url and returns layoutProbe's report, with blocks (a
// CSS selector in JavaScript quotes) selecting the article blocks.
func layoutAt(b *testkit.Browser, url, blocks string) probe {
	b.Do(chromedp.Navigate(url))
	return testkit.Eval[probe](b, strings.Replace(layoutProbe, "BLOCKS", blocks, 1))
}

// keepShot writes a screenshot of the page as testdata/screenshots/NAME.png
// for the README, which wants it under 300 KB.
func keepShot(t *testing.T, b *testkit.Browser, name string) {
	t.Helper()
	if n := b.Shot(filepath.Join("testdata", "screenshots", name+".png")); n > 300<<10 {
		t.Errorf("screenshot %s is %d KB, keep it under 300 KB for the README", name, n/1024)
	}
}

func TestChromiumRendersRTL(t *testing.T) {
	b := testkit.NewBrowser(t, 640, 900, 60*time.Second)
	html, _, page := render(t, fixture())
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		switch r.URL.Path {
		case "/digest/2026-11-28":
			w.Write([]byte(page))
		case "/ltr":
			h := strings.NewReplacer(`dir="rtl"`, `dir="ltr"`, "direction:rtl", "direction:ltr",
				"text-align:right", "text-align:left", `align="right"`, `align="left"`).Replace(html)
			w.Write([]byte(h))
		default:
			w.Write([]byte(html))
		}
	}))
	defer srv.Close()

	b.Do(chromedp.EmulateViewport(640, 900))
	email := layoutAt(b, srv.URL+"/email", "'table.story'")
	keepShot(t, b, "email")
	web := layoutAt(b, srv.URL+"/digest/2026-11-28", "'article.story'")
	for _, p := range problems(email, 4) {
		t.Errorf("email: %s", p)
	}
	for _, p := range problems(web, 4) {
		t.Errorf("edition page: %s", p)
	}
	// Control: the same email turned left-to-right must fail the probe,
	// or the probe proves nothing.
	p := problems(layoutAt(b, srv.URL+"/ltr", "'table.story'"), 4)
	t.Logf("Apple, (, ) at x = %v", email.Parens)
	t.Logf("LTR control copy: %d problems, e.g. %q", len(p), p[:min(2, len(p))])
	if len(p) < 10 {
		t.Errorf("an LTR copy of the email passed the RTL probe (%d problems: %q)", len(p), p)
	}
	if !email.Naskh {
		t.Log("Noto Naskh Arabic is not installed; the screenshot uses a fallback font")
	}
}

// weeklyFixture is fixture() as a weekly round-up: the stories spread
// over three days, each section listing them by day under an Arabic date.
func weeklyFixture() EmailData {
	d := fixture()
	e := *d.Edition
	e.Weekly, e.Newsletter, e.Name = true, "weekly", "حصاد الأسبوع"
	e.DateLine = "الجمعة 27 نوفمبر 2026"
	e.Span = "من 21 إلى 27 نوفمبر 2026"
	names := map[int]string{25: "الأربعاء 25 نوفمبر 2026", 26: "الخميس 26 نوفمبر 2026", 27: "الجمعة 27 نوفمبر 2026"}
	days := []int{27, 25, 26, 27} // per story, in the fixture's order
	i := 0
	e.Sections = append([]digest.Section(nil), e.Sections...)
	for si := range e.Sections {
		sec := &e.Sections[si]
		sec.Stories = append([]digest.Story(nil), sec.Stories...)
		sec.Days = nil
		for k := range sec.Stories {
			st := &sec.Stories[k]
			day := days[i%len(days)]
			i++
			st.Published = time.Date(2026, 11, day, st.Published.Hour(), st.Published.Minute(), 0, 0, st.Published.Location())
			date := st.Published.Format("2006-01-02")
			if n := len(sec.Days); n == 0 || sec.Days[n-1].Date != date {
				sec.Days = append(sec.Days, digest.Day{Date: date, DateLine: names[day]})
			}
			sec.Days[len(sec.Days)-1].Stories = append(sec.Days[len(sec.Days)-1].Stories, *st)
		}
	}
	d.Edition, d.SiteTitle = &e, "حصاد الأسبوع"
	return d
}

// dayProbe reports each day heading of a weekly edition: its text, its
// direction, and its gap to the right edge of its row.
const dayProbe = `[...document.querySelectorAll('SEL')].map(h => { const row = h.parentElement.getBoundingClientRect(),
  r = document.createRange(); r.selectNodeContents(h); const right = Math.max(...[...r.getClientRects()].map(x => x.right));
  const pad = parseFloat(getComputedStyle(h.parentElement).paddingRight) || 0;
  return {text: h.textContent.trim(), dir: getComputedStyle(h).direction, gap: row.right - pad - right}; })`

type dayHeading struct {
	Text string  `json:"text"`
	Dir  string  `json:"dir"`
	Gap  float64 `json:"gap"`
}

// TestChromiumRendersWeekly: the weekly round-up, email and web copy,
// reads right to left at desktop and phone width like the daily one, its
// day headings at the right edge in section order; screenshots for the
// README.
func TestChromiumRendersWeekly(t *testing.T) {
	html, _, page := render(t, weeklyFixture())
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if r.URL.Path == "/digest/weekly/2026-11-27" {
			w.Write([]byte(page))
			return
		}
		w.Write([]byte(html))
	}))
	defer srv.Close()
	wantDays := 0
	for _, sec := range weeklyFixture().Edition.Sections {
		wantDays += len(sec.Days)
	}
	for _, c := range []struct {
		name          string
		width, height int
	}{{"weekly-email", 640, 900}, {"weekly-email-phone", 375, 800}} {
		b := testkit.NewBrowser(t, c.width, c.height, 60*time.Second)
		for _, pg := range []struct{ path, blocks, days string }{
			{"/email", "'table.story'", "td.day h3"}, {"/digest/weekly/2026-11-27", "'article.story'", "h3.day"},
		} {
			for _, msg := range problems(layoutAt(b, srv.URL+pg.path, pg.blocks), 4) {
				t.Errorf("%s %s at %dpx: %s", c.name, pg.path, c.width, msg)
			}
			days := testkit.Eval[[]dayHeading](b, strings.Replace(dayProbe, "SEL", pg.days, 1))
			if len(days) != wantDays {
				t.Errorf("%s %s: %d day headings, want %d: %+v", c.name, pg.path, len(days), wantDays, days)
			}
			for _, d := range days {
				if d.Dir != "rtl" || d.Gap > 4 || !strings.Contains(d.Text, "نوفمبر") {
					t.Errorf("%s %s: day heading %+v is not an Arabic date at the right edge", c.name, pg.path, d)
				}
			}
		}
		b.Do(chromedp.Navigate(srv.URL + "/email"))
		keepShot(t, b, c.name)
	}
}
