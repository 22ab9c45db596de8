package templates

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

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

func TestChromiumRendersRTL(t *testing.T) {
	ctx := testkit.Chromium(t, 640, 900, 60*time.Second)
	s := mustNew(t, "")
	html, _, err := s.Email(fixture())
	if err != nil {
		t.Fatal(err)
	}
	page, err := s.EditionPage(fixture())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		switch r.URL.Path {
		case "/digest/2026-11-28":
			w.Write(page)
		case "/ltr":
			h := strings.NewReplacer(`dir="rtl"`, `dir="ltr"`, "direction:rtl", "direction:ltr",
				"text-align:right", "text-align:left", `align="right"`, `align="left"`).Replace(html)
			w.Write([]byte(h))
		default:
			w.Write([]byte(html))
		}
	}))
	defer srv.Close()

	emailJS := strings.Replace(layoutProbe, "BLOCKS", "'table.story'", 1)
	pageJS := strings.Replace(layoutProbe, "BLOCKS", "'article.story'", 1)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(640, 900), chromedp.Navigate(srv.URL+"/email")); err != nil {
		t.Fatal(err)
	}
	email, err := chromedp.Run(ctx, chromedp.Evaluate[probe](emailJS))
	if err != nil {
		t.Fatal(err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/digest/2026-11-28")); err != nil {
		t.Fatal(err)
	}
	web, err := chromedp.Run(ctx, chromedp.Evaluate[probe](pageJS))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems(email, 4) {
		t.Errorf("email: %s", p)
	}
	for _, p := range problems(web, 4) {
		t.Errorf("edition page: %s", p)
	}
	// Control: the same email turned left-to-right must fail the probe,
	// or the probe proves nothing.
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/ltr")); err != nil {
		t.Fatal(err)
	}
	ltr, err := chromedp.Run(ctx, chromedp.Evaluate[probe](emailJS))
	if err != nil {
		t.Fatal(err)
	}
	p := problems(ltr, 4)
	t.Logf("Apple, (, ) at x = %v", email.Parens)
	t.Logf("LTR control copy: %d problems, e.g. %q", len(p), p[:min(2, len(p))])
	if len(p) < 10 {
		t.Errorf("an LTR copy of the email passed the RTL probe (%d problems: %q)", len(p), p)
	}
	if !email.Naskh {
		t.Log("Noto Naskh Arabic is not installed; the screenshot uses a fallback font")
	}

	out := filepath.Join("testdata", "screenshots", "email.png")
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s: %d KB", out, len(png)/1024)
	if len(png) > 300<<10 {
		t.Errorf("screenshot is %d KB, keep it under 300 KB for the README", len(png)/1024)
	}
}
