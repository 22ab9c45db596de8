package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/internal/testkit"
	"github.com/nashra/nashra/internal/testkit/teststore"
)

// TestDigestStatusDefault: `digest status` without --date shows the
// edition sending now or paused (saying how to resume a paused one), else
// the newest recorded edition of --newsletter, and says which; with
// nothing recorded it says so and names the next edition due; --date
// still picks one.
func TestDigestStatusDefault(t *testing.T) {
	site := testkit.NewSite(t, morningDigest, twoNewsletters)
	cfg := site.Config
	must := func(args ...string) string {
		t.Helper()
		out, errOut, err := run(t, append([]string{"--config", cfg}, args...)...)
		if err != nil {
			t.Fatalf("%s: %v\n%s%s", strings.Join(args, " "), err, out, errOut)
		}
		return out
	}
	if out := must("digest", "status"); !strings.Contains(out, "no edition recorded yet; the next is due ") {
		t.Errorf("status with nothing recorded: %s", out)
	}
	arts := writeJSON(t, filepath.Join(site.Dir, "articles.json"), digestArticles)
	must("import", arts)
	must("subscribers", "add", "--newsletter", "weekly", "amal@example.org")
	must("subscribers", "add", "badr@example.org")
	must("digest", "send", "--newsletter", "weekly", "--force", "--date", digestTestDay)
	must("digest", "send", "--force", "--date", digestTestDay)

	out := must("digest", "status")
	if !strings.Contains(out, "none sending or paused; the latest recorded edition") || !strings.Contains(out, "edition "+digestTestDay+": ") ||
		!strings.Contains(out, "state sent") {
		t.Errorf("status without --date, nothing sending:\n%s", out)
	}
	out = must("digest", "status", "--newsletter", "weekly")
	if !strings.Contains(out, "edition weekly."+digestTestDay+": ") || !strings.Contains(out, "sent      1") {
		t.Errorf("status --newsletter weekly:\n%s", out)
	}
	// An older daily edition left sending (a send under way elsewhere):
	// it is the one shown, not the newest.
	const older = "2026-03-08"
	st := teststore.Open(t, site.DB)
	if _, err := st.CreateEdition(context.Background(), &store.Edition{ID: older, State: store.EditionSending, Subject: "نشرة تُرسل الآن"}); err != nil {
		t.Fatal(err)
	}
	out = must("digest", "status")
	if !strings.Contains(out, "the edition sending now") || !strings.Contains(out, "edition "+older+": نشرة تُرسل الآن") {
		t.Errorf("status without --date, one sending:\n%s", out)
	}
	if out := must("digest", "status", "--newsletter", "weekly"); !strings.Contains(out, "edition weekly."+digestTestDay+": ") {
		t.Errorf("weekly status shows the daily edition sending:\n%s", out)
	}
	// An older weekly edition paused mid-send: it is the one shown, with
	// the command that resumes it, and that command does.
	const paused = "weekly.2026-03-07"
	if _, err := st.CreateEdition(context.Background(), &store.Edition{ID: paused, Newsletter: "weekly", State: store.EditionPaused, Subject: "نشرة موقوفة"}); err != nil {
		t.Fatal(err)
	}
	out = must("digest", "status", "--newsletter", "weekly")
	resume := "`nashra digest resume --date " + paused + "` continues it"
	if !strings.Contains(out, "the edition paused mid-send") || !strings.Contains(out, resume) ||
		!strings.Contains(out, "edition "+paused+": نشرة موقوفة") || !strings.Contains(out, "state paused") {
		t.Errorf("weekly status, one paused:\n%s", out)
	}
	if out := must("digest", "resume", "--date", paused); !strings.Contains(out, "edition "+paused+": sending") {
		t.Errorf("the resume command status gave: %s", out)
	}
	if out := must("digest", "status", "--date", digestTestDay); strings.Contains(out, "sending now") || !strings.Contains(out, "edition "+digestTestDay+": ") {
		t.Errorf("status --date:\n%s", out)
	}
}
