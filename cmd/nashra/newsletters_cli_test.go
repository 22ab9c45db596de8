package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nashra/nashra/internal/testkit"
)

// twoNewsletters is a config layer with the daily newsletter (the default)
// and a weekly one cut on Tuesdays at 07:00, like digestTestDay.
const twoNewsletters = `
site:
  timezone: "Asia/Riyadh"
newsletters:
  - {slug: daily, name: "الصباحية", schedule: "0 7 * * *"}
  - {slug: weekly, name: "حصاد الأسبوع", description: "قصص الأسبوع", schedule: "0 7 * * 2", template: weekly}
`

// TestNewslettersCLI drives the newsletters as an admin would: subscribers
// add, list, remove and export with --newsletter; digest send, status and
// list of each newsletter's edition; build --out writing the archive at
// /digest/{newsletter}/{date} beside the old /digest/{date}.
func TestNewslettersCLI(t *testing.T) {
	site := testkit.NewSite(t, morningDigest, twoNewsletters)
	cfg := site.Config
	arts := writeJSON(t, filepath.Join(site.Dir, "articles.json"), digestArticles)
	must := func(args ...string) string {
		t.Helper()
		out, errOut, err := run(t, append([]string{"--config", cfg}, args...)...)
		if err != nil {
			t.Fatalf("%s: %v\n%s%s", strings.Join(args, " "), err, out, errOut)
		}
		return strings.Join(strings.Fields(out), " ")
	}
	must("import", arts)
	if out := must("subscribers", "add", "--newsletter", "weekly", "--categories", "اقتصاد", "أمل <amal@example.org>"); !strings.Contains(out, "to weekly") {
		t.Errorf("add to weekly: %s", out)
	}
	must("subscribers", "add", "badr@example.org")
	if out := must("subscribers", "add", "--newsletter", "daily", "amal@example.org"); !strings.Contains(out, "now follows daily") {
		t.Errorf("add an address on the list to daily: %s", out)
	}
	if out := must("subscribers", "list"); !strings.Contains(out, "amal@example.org أمل confirmed daily(*) weekly(اقتصاد)") ||
		!strings.Contains(out, "badr@example.org confirmed daily(*)") {
		t.Errorf("list: %s", out)
	}
	if out := must("subscribers", "list", "--newsletter", "weekly"); !strings.Contains(out, "amal@") || strings.Contains(out, "badr@") {
		t.Errorf("list --newsletter weekly: %s", out)
	}
	if _, _, err := run(t, "--config", cfg, "subscribers", "list", "--newsletter", "monthly"); err == nil ||
		!strings.Contains(err.Error(), `--newsletter "monthly": no such newsletter (configured: daily, weekly)`) {
		t.Errorf("an unknown newsletter: %v", err)
	}

	if out := must("digest", "send", "--newsletter", "weekly", "--force", "--date", digestTestDay); !strings.Contains(out, "edition weekly."+digestTestDay+": 1 recipients; sent 1") {
		t.Errorf("send weekly: %s", out)
	}
	if out := must("digest", "send", "--force", "--date", digestTestDay); !strings.Contains(out, "edition "+digestTestDay+": 2 recipients; sent 2") {
		t.Errorf("send daily: %s", out)
	}
	if out := must("digest", "status", "--newsletter", "weekly", "--date", digestTestDay); !strings.Contains(out, "edition weekly."+digestTestDay+": حصاد الأسبوع") || !strings.Contains(out, "sent 1") {
		t.Errorf("status weekly: %s", out)
	}
	if out := must("digest", "list", "--newsletter", "weekly"); !strings.Contains(out, "weekly."+digestTestDay+" sent") || strings.Contains(out, " "+digestTestDay+" sent") {
		t.Errorf("list weekly: %s", out)
	}
	// A preview as a reader gets the newsletter: their categories for it.
	if out := must("digest", "preview", "--newsletter", "weekly", "--date", digestTestDay, "--subscriber", "amal@example.org", "--format", "json"); !strings.Contains(out, `"category": "اقتصاد"`) || strings.Contains(out, `"category": "رياضة"`) {
		t.Errorf("weekly preview as amal (weekly: اقتصاد): %s", out)
	}
	// The weekly header names its week: the first edition's window is the
	// seven days to Tuesday 07:00.
	if out := must("digest", "preview", "--newsletter", "weekly", "--date", digestTestDay, "--format", "text"); !strings.Contains(out, "من 3 إلى 10 مارس 2026 · ") {
		t.Errorf("weekly preview header lacks the week: %s", out)
	}
	if _, _, err := run(t, "--config", cfg, "digest", "preview", "--newsletter", "weekly", "--date", digestTestDay, "--subscriber", "badr@example.org"); err == nil || !strings.Contains(err.Error(), "does not follow weekly") {
		t.Errorf("weekly preview as badr, who does not follow it: %v", err)
	}
	// newsletters list: each one's schedule, next edition (the next
	// Tuesday for weekly), confirmed followers and last edition.
	out := must("newsletters", "list")
	day, _ := time.Parse(time.DateOnly, digestTestDay)
	for _, want := range []string{
		"SLUG NAME SCHEDULE NEXT FOLLOWERS LAST",
		"daily الصباحية 0 7 * * * ",
		" 2 " + digestTestDay + " sent",
		"weekly حصاد الأسبوع 0 7 * * 2 weekly.",
		" 1 weekly." + digestTestDay + " sent",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("newsletters list lacks %q:\n%s", want, out)
		}
	}
	if next := regexp.MustCompile(`weekly\.(\d{4}-\d\d-\d\d) \(`).FindStringSubmatch(out); next == nil {
		t.Errorf("newsletters list: no next weekly edition with its time:\n%s", out)
	} else if d, _ := time.Parse(time.DateOnly, next[1]); d.Weekday() != time.Tuesday || !d.After(day) {
		t.Errorf("next weekly edition %s: want a Tuesday after %s", next[1], digestTestDay)
	}
	if mails, err := testkit.ReadOutbox(site.Outbox); err != nil || len(mails) != 3 {
		t.Errorf("outbox holds %d messages (%v), want 3 (one weekly, two daily)", len(mails), err)
	}

	if out := must("subscribers", "remove", "--newsletter", "weekly", "amal@example.org"); !strings.Contains(out, "from weekly (1 newsletters left)") {
		t.Errorf("remove from weekly: %s", out)
	}
	if out := must("subscribers", "export"); !strings.Contains(out, ",daily") || strings.Contains(out, "weekly") {
		t.Errorf("export after leaving weekly: %s", out)
	}

	dir := filepath.Join(site.Dir, "public")
	must("build", "--out", dir)
	for path, want := range map[string]string{
		"digest/" + digestTestDay + "/index.html":        "نشرة الصباح",
		"digest/weekly/" + digestTestDay + "/index.html": `class="day"`,
		"digest/weekly/index.html":                       "/digest/weekly/" + digestTestDay,
		"digest/index.html":                              "/digest/" + digestTestDay,
	} {
		b, err := os.ReadFile(filepath.Join(dir, path))
		if err != nil || !strings.Contains(string(b), want) {
			t.Errorf("%s (%v) lacks %q", path, err, want)
		}
	}

	// The default newsletter stays the default: a config listing weekly
	// first is refused, naming the key.
	text := site.ReadConfig(t)
	i, j, k := strings.Index(text, "- name: الصباحية"), strings.Index(text, "- description:"), strings.Index(text, "\nserver:")+1
	if i < 0 || j < i || k < j {
		t.Fatalf("cannot find the newsletters in the config:\n%s", text)
	}
	daily, weekly := strings.TrimRight(text[i:j], " "), text[j:k]
	site.WriteConfig(t, text[:i]+weekly+"  "+daily+text[k:])
	if _, _, err := run(t, "--config", cfg, "subscribers", "list"); err == nil || !strings.Contains(err.Error(), "newsletters[0].slug") || !strings.Contains(err.Error(), `the default newsletter is "daily"`) {
		t.Errorf("weekly listed first: %v", err)
	}
}

// TestServeRunsEachNewsletterSchedule: `nashra serve` runs each
// newsletter's cron: with both on "* * * * *", within the next minute the
// outbox holds the day's edition of each newsletter for a reader who
// follows both, and only the daily one for a reader who follows it alone.
func TestServeRunsEachNewsletterSchedule(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the next minute's cron")
	}
	loc, err := time.LoadLocation("Asia/Riyadh")
	if err != nil {
		t.Fatal(err)
	}
	site := testkit.NewSite(t, morningDigest, `
site:
  timezone: "Asia/Riyadh"
newsletters:
  - {slug: daily, name: "الصباحية", schedule: "* * * * *"}
  - {slug: weekly, name: "حصاد الأسبوع", schedule: "* * * * *", template: weekly}
`)
	// The cut-off of "* * * * *" is midnight: articles of yesterday noon.
	now := time.Now().In(loc)
	yesterday := time.Date(now.Year(), now.Month(), now.Day()-1, 12, 0, 0, 0, loc)
	var arts []map[string]string
	for i, a := range digestArticles {
		b := map[string]string{}
		for k, v := range a {
			b[k] = v
		}
		b["published"] = yesterday.Add(time.Duration(i) * time.Minute).Format(time.RFC3339)
		arts = append(arts, b)
	}
	path := writeJSON(t, filepath.Join(site.Dir, "articles.json"), arts)
	for _, args := range [][]string{{"import", path}, {"subscribers", "add", "amal@example.org"},
		{"subscribers", "add", "--newsletter", "weekly", "amal@example.org"}, {"subscribers", "add", "badr@example.org"}} {
		if _, errOut, err := run(t, append([]string{"--config", site.Config}, args...)...); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, errOut)
		}
	}
	startServe(t, site.Config)
	day := now.Format("2006-01-02")
	want := map[string]bool{"amal@example.org " + day: true, "amal@example.org weekly." + day: true, "badr@example.org " + day: true}
	var got map[string]bool
	testkit.WaitFor(t, 90*time.Second, "both newsletters' editions in the outbox", func() bool {
		got = outboxEditions(t, site.Outbox)
		return len(got) >= len(want)
	})
	for k := range want {
		if !got[k] {
			t.Errorf("outbox lacks %s; it holds %v", k, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("outbox holds %v, want %v", got, want)
	}
}

// outboxEditions reads the outbox's messages as "recipient edition".
func outboxEditions(t *testing.T, dir string) map[string]bool {
	t.Helper()
	mails, err := testkit.ReadOutbox(dir)
	if err != nil {
		t.Error(err)
	}
	out := map[string]bool{}
	for _, m := range mails {
		if m.To() == "" {
			t.Errorf("a message to %q", m.Header.Get("To"))
		}
		out[m.To()+" "+m.Header.Get("X-Nashra-Edition")] = true
	}
	return out
}
