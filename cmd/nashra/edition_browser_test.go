package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"mime"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/nashra/nashra/internal/edition"
	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/internal/testkit"
	"github.com/nashra/nashra/internal/testkit/teststore"
)

var editionShots = flag.Bool("screenshots", false, "write the edition page's screenshots to internal/admin/testdata/screenshots")

// TestEditionFlowInBrowser is issue 13's browser acceptance on `nashra
// serve` with digest.approval: required and a schedule a few minutes
// ahead: the scheduler builds and holds the edition; an editor signs in,
// previews it as a chosen subscriber at phone width, sends a test to
// themselves (it reaches the SMTP server marked as a test), approves,
// watches the live progress reach 100% once the send time comes, and
// reads the per-recipient report. Every reader gets exactly one message.
func TestEditionFlowInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for a scheduled send time (about 3 minutes)")
	}
	b := testkit.NewBrowser(t, 390, 844, 8*time.Minute)
	sink := testkit.StartSMTPSink(t, nil, 40*time.Millisecond)
	loc, err := time.LoadLocation("Asia/Riyadh")
	if err != nil {
		t.Fatal(err)
	}
	// The edition is prepared at the first minute boundary at least 25 s
	// away (serve must be up by then) and sent two minutes later, which
	// leaves the editor two minutes to review and approve it.
	now := time.Now()
	prep := now.Truncate(time.Minute).Add(time.Minute)
	if prep.Sub(now) < 25*time.Second {
		prep = prep.Add(time.Minute)
	}
	send := prep.Add(2 * time.Minute).In(loc)
	day := send.Format("2006-01-02")

	site := testkit.NewSite(t, newsroom, testkit.SMTPLayer(sink.Addr), fmt.Sprintf(`
mail:
  from_name: "نشرة الصباح"
digest:
  schedule: "%d %d * * *"
  approval: required
  prepare_before: 2m
`, send.Minute(), send.Hour()))
	cfgPath, dir := site.Config, site.Dir
	// Articles of the last hour, one per category.
	arts := []map[string]string{}
	for i, a := range []struct{ title, cat string }{
		{"ارتفاع أسعار النفط مع تراجع المخزونات الأمريكية", "اقتصاد"},
		{"الهلال يتأهل إلى نصف نهائي دوري أبطال آسيا", "رياضة"},
		{"افتتاح معرض الرياض الدولي للكتاب بمشاركة ألف دار نشر", "ثقافة"},
	} {
		arts = append(arts, map[string]string{"title": a.title, "url": fmt.Sprintf("https://news.example.com/story-%d", i),
			"published": now.Add(-time.Duration(40+i) * time.Minute).Format(time.RFC3339), "category": a.cat,
			"summary": a.title + "، بحسب ما أعلنته الجهات المعنية.", "content_text": a.title + "، بحسب ما أعلنته الجهات المعنية اليوم."})
	}
	artsPath := writeJSON(t, filepath.Join(dir, "articles.json"), arts)
	runAll(t, cfgPath, "كلمة-سر-المحرر\n",
		[]string{"import", artsPath},
		[]string{"users", "add", "desk@example.com", "--role", "editor", "--password-stdin"})
	readers := addReaders(t, site.DB)

	serveSite(t, site)
	base := site.Base
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	signInAsDesk(b, base+"/admin/login")

	// The scheduler prepares the edition at prep and holds it.
	testkit.WaitFor(t, time.Until(prep)+90*time.Second, "the scheduler prepared and held the edition", func() bool {
		out, _, err := runIn(t, "", "--config", cfgPath, "digest", "list")
		return err == nil && lineHas(out, day, "held")
	})
	page := base + "/admin/editions/" + day
	b.Do(chromedp.Navigate(base+"/admin/editions"),
		chromedp.WaitVisible(css(`a[href="/admin/editions/`+day+`"]`)),
		chromedp.Click(css(`a[href="/admin/editions/`+day+`"]`)),
		chromedp.WaitVisible(css(`#state.e-held`)),
		chromedp.WaitVisible(css(`iframe.phone`)))

	// Preview as a chosen reader: the frames show what she would get, and
	// at phone width her email fits the screen.
	b.Do(chromedp.SendKeys(css(`input[name=subscriber]`), "noura@example.org"),
		chromedp.Submit(css(`input[name=subscriber]`)),
		chromedp.WaitVisible(css(`iframe.phone[src*="subscriber=noura%40example.org"]`)))
	type frameProbe struct {
		Src                string
		Left, Right, Inner float64
	}
	fp := testkit.Eval[frameProbe](b, `(() => { const f = document.querySelector("iframe.phone"), r = f.getBoundingClientRect();
		return {Src: f.getAttribute("src"), Left: r.left, Right: r.right, Inner: window.innerWidth}; })()`)
	if fp.Left < 0 || fp.Right > fp.Inner || fp.Right-fp.Left < 200 {
		t.Errorf("the phone preview spans %.0f-%.0f px of a %.0f px window", fp.Left, fp.Right, fp.Inner)
	}
	shot(t, b, "edition-phone")
	b.Do(chromedp.Navigate(base+fp.Src), chromedp.WaitReady(css("body")))
	type emailProbe struct {
		Body     string
		Overflow bool
	}
	ep := testkit.Eval[emailProbe](b, `({Body: document.body.innerText,
		Overflow: document.documentElement.scrollWidth > window.innerWidth + 1})`)
	if !strings.Contains(ep.Body, "نورة") || !strings.Contains(ep.Body, "ارتفاع أسعار النفط") || strings.Contains(ep.Body, "الهلال يتأهل") {
		t.Errorf("the preview as noura (economy only) shows:\n%.600s", ep.Body)
	}
	if ep.Overflow {
		t.Error("the preview scrolls sideways at phone width")
	}

	// A test copy to the editor: marked, outside the ledger.
	b.Do(chromedp.Navigate(page),
		chromedp.WaitVisible(css(`input[name=to]`)),
		chromedp.SendKeys(css(`input[name=to]`), "desk@example.com"),
		chromedp.Submit(css(`input[name=to]`)),
		chromedp.WaitVisible(css(".flash")))
	var test *mail.Message
	testkit.WaitFor(t, 30*time.Second, "the test copy reached the SMTP server", func() bool {
		for _, m := range sink.Messages() {
			if len(m.To) == 1 && m.To[0] == "desk@example.com" {
				test, _ = mail.ReadMessage(bytes.NewReader(m.Data))
				return true
			}
		}
		return false
	})
	if test == nil {
		t.Fatal("the test message does not parse")
	}
	subj, _ := new(mime.WordDecoder).DecodeHeader(test.Header.Get("Subject"))
	if !strings.HasPrefix(subj, edition.TestSubjectPrefix) || test.Header.Get(edition.HeaderTest) != "yes" {
		t.Errorf("the test message is not marked: subject %q, %s %q", subj, edition.HeaderTest, test.Header.Get(edition.HeaderTest))
	}
	if n := len(sink.Messages()); n != 1 {
		t.Fatalf("%d messages before approval, want the test only", n)
	}

	// Approve before the send time; the page then follows the sending.
	b.Do(chromedp.Click(css(`form[action="/admin/editions/`+day+`/approve"] button`)),
		chromedp.WaitVisible(css(`#state.e-approved`)))
	if time.Now().After(send) {
		t.Fatalf("the browser took until %s to approve; the send time %s had passed", time.Now().Format(time.TimeOnly), send.Format(time.TimeOnly))
	}
	deadline := time.Until(send) + 3*time.Minute
	if err := chromedp.Do(b.Context(), chromedp.Poll[chromedp.Void](`document.getElementById("p-text").textContent.startsWith("100")`,
		chromedp.WithPollingTimeout(deadline), chromedp.WithPollingInterval(200*time.Millisecond))); err != nil {
		t.Fatalf("progress did not reach 100%% within %s of the send time: %v (page says %q)", 3*time.Minute, err, b.Text("#p-text"))
	}
	b.Do(chromedp.WaitVisible(css(`#state.e-sent`)))
	if got := b.Text("#p-sent"); got != fmt.Sprint(len(readers)) {
		t.Errorf("the page counts %s sent, want %d", got, len(readers))
	}
	shot(t, b, "")

	// The per-recipient report, filtered to sent deliveries.
	b.Do(chromedp.Navigate(page),
		chromedp.WaitVisible(css(`select[name=state]`)),
		chromedp.SetValue(css(`select[name=state]`), "sent"),
		chromedp.Submit(css(`select[name=state]`)),
		chromedp.WaitVisible(css(`table.list tbody tr`)))
	rows := testkit.Eval[[]string](b, `[...document.querySelectorAll("table.list tbody tr")].map(r => r.innerText)`)
	if len(rows) != len(readers) {
		t.Errorf("the report lists %d sent rows, want %d:\n%s", len(rows), len(readers), strings.Join(rows, "\n"))
	}
	for _, r := range readers {
		if !strings.Contains(strings.Join(rows, "\n"), r) {
			t.Errorf("the report lacks %s", r)
		}
	}
	per := sink.PerRecipient()
	for _, r := range readers {
		if per[r] != 1 {
			t.Errorf("%s got %d messages, want 1", r, per[r])
		}
	}
	if per["desk@example.com"] != 1 || len(sink.Messages()) != len(readers)+1 {
		t.Errorf("the sink holds %d messages (%d to the editor), want %d readers' and the test", len(sink.Messages()), per["desk@example.com"], len(readers))
	}
	audit, _, _ := runIn(t, "", "--config", cfgPath, "audit")
	for _, want := range []string{"edition.test", "edition.approve"} {
		if !lineHas(audit, "desk@example.com", want) {
			t.Errorf("audit lacks desk@example.com %s:\n%s", want, audit)
		}
	}
}

// addReaders adds confirmed readers to the store at db and returns their
// addresses; the first, noura@example.org, reads economy only.
func addReaders(t *testing.T, db string) []string {
	t.Helper()
	ctx := context.Background()
	st := teststore.Open(t, db)
	names := []string{"نورة العتيبي", "فيصل الحربي", "ليلى منصور", "سامي الخطيب", "هدى القحطاني", "ريم الزهراني", "خالد يوسف", "Omar Haddad"}
	var out []string
	for i, n := range names {
		email := fmt.Sprintf("reader%d@example.org", i)
		var cats []string
		if i == 0 {
			email, cats = "noura@example.org", []string{"اقتصاد"}
		}
		if _, err := st.AddSubscriber(ctx, &store.Subscriber{Email: email, Name: n, Status: store.StatusConfirmed,
			Source: store.SourceAdmin, Categories: cats}); err != nil {
			t.Fatal(err)
		}
		out = append(out, email)
	}
	return out
}

// shot writes a full-page screenshot of the edition page as
// internal/admin/testdata/screenshots/NAME.png when -screenshots is set;
// with name "" it takes the desktop one at 1280 px.
func shot(t *testing.T, b *testkit.Browser, name string) {
	t.Helper()
	if !*editionShots {
		return
	}
	if name == "" {
		name = "edition-desktop"
		b.Do(chromedp.EmulateViewport(1280, 900), chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("iframe.desktop")))
		defer b.Do(chromedp.EmulateViewport(390, 844))
	}
	// Both preview frames have loaded (a frame's entry appears when it has).
	b.Do(chromedp.Poll[chromedp.Void](`performance.getEntriesByType("resource").filter(e => e.initiatorType === "iframe").length >= 2`,
		chromedp.WithPollingTimeout(time.Minute), chromedp.WithPollingInterval(100*time.Millisecond)))
	path := filepath.Join(testkit.RepoRoot(t), "internal", "admin", "testdata", "screenshots", name+".png")
	if name != "edition-phone" {
		b.Shot(path)
		return
	}
	// At phone width the shot is the screen showing the phone preview (a
	// full-page capture there paints the frames only in part).
	b.Do(chromedp.ScrollIntoView(chromedp.CSS("iframe.phone")))
	png, err := chromedp.Run(b.Context(), chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
}
