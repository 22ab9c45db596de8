package testkit

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Chromium starts a headless Chromium (Debian's /usr/bin/chromium) with a
// fresh profile and a window of width×height (a phone's width under
// 500 px emulated), for at most timeout; when it is missing the test
// skips, or fails in CI.
func Chromium(t testing.TB, width, height int, timeout time.Duration) context.Context {
	t.Helper()
	path := "/usr/bin/chromium"
	if _, err := os.Stat(path); err != nil {
		if path, err = exec.LookPath("chromium"); err != nil {
			Missing(t, "chromium (apt-get install -y chromium fonts-noto-core)", err)
		}
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("lang", "ar"),
		chromedp.WindowSize(width, height),
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancel)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(bcancel)
	if width < minWindow {
		// A headless window is never narrower than minWindow: a phone's
		// width is emulated, for every page the tab opens.
		if err := chromedp.Do(bctx, chromedp.EmulateViewport(int64(width), int64(height))); err != nil {
			t.Fatalf("chromium: emulating a %d×%d screen: %v", width, height, err)
		}
	}
	return bctx
}

// minWindow is the narrowest window headless Chromium makes, in CSS px.
const minWindow = 500

// Browser is a tab of a headless Chromium (see Chromium) in a window of
// Width×Height pixels. Its methods fail the test on an error, showing the
// page the browser is on.
type Browser struct {
	t             testing.TB
	ctx           context.Context
	Width, Height int
}

// NewBrowser starts a Chromium with a window of width×height for at most
// timeout; a width under 500 px is emulated (see Chromium).
func NewBrowser(t testing.TB, width, height int, timeout time.Duration) *Browser {
	t.Helper()
	return &Browser{t: t, ctx: Chromium(t, width, height, timeout), Width: width, Height: height}
}

// Context is the tab's chromedp context, for chromedp.Run.
func (b *Browser) Context() context.Context { return b.ctx }

// Do runs steps in order and fails the test at the first that fails.
func (b *Browser) Do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		where, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`location.href + "\n" + document.body.innerText`))
		b.t.Fatalf("%v; the browser shows %.1500s", err, where)
	}
}

// Eval returns the value of the JavaScript expression js on the page.
func Eval[T any](b *Browser, js string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](js))
	if err != nil {
		b.t.Fatalf("evaluating %.80q: %v", js, err)
	}
	return v
}

// Text returns the trimmed text of the first element matching the CSS
// selector sel.
func (b *Browser) Text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// Shot writes a full-page screenshot to path (creating its folder) and
// returns its size in bytes.
func (b *Browser) Shot(path string) int {
	b.t.Helper()
	// The screen is made as tall as the page for the capture, then put
	// back: Chromium's capture beyond the viewport misplaces a page shown
	// in an emulated (phone) viewport.
	h := Eval[int64](b, `Math.max(document.documentElement.scrollHeight, window.innerHeight)`)
	b.Do(chromedp.EmulateViewport(int64(b.Width), h))
	png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	b.Do(chromedp.EmulateViewport(int64(b.Width), int64(b.Height)))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot %s: %d KB", path, len(png)/1024)
	return len(png)
}

// Page is what Look reads of the page the browser shows.
type Page struct {
	URL      string
	Dir      string // the dir attribute of <html>
	BodyDir  string // the computed direction of <body>
	Text     string // the text of <main>
	Overflow bool   // the page scrolls sideways
}

// Look checks that the page the browser shows reads right to left
// (dir="rtl" on <html>, a right-to-left body), fits the window's width
// and shows want in <main>; what does not is reported as an error that
// names step. It returns the page.
func (b *Browser) Look(step, want string) Page {
	b.t.Helper()
	b.Do(chromedp.WaitReady(chromedp.CSS("body")))
	p := Eval[Page](b, `({URL: location.href, Dir: document.documentElement.getAttribute("dir"),
		BodyDir: getComputedStyle(document.body).direction,
		Text: document.querySelector("main").innerText,
		Overflow: document.documentElement.scrollWidth > window.innerWidth + 1})`)
	if p.Dir != "rtl" || p.BodyDir != "rtl" {
		b.t.Errorf("%s (%s): html dir=%q, body direction %q; want rtl", step, p.URL, p.Dir, p.BodyDir)
	}
	if p.Overflow {
		b.t.Errorf("%s (%s): the page scrolls sideways at %d px", step, p.URL, b.Width)
	}
	if !strings.Contains(p.Text, want) {
		b.t.Errorf("%s (%s): the page lacks %q:\n%s", step, p.URL, want, p.Text)
	}
	return p
}
