package mailer

import (
	"bytes"
	"os/exec"
	"regexp"
	"strconv"
	"testing"

	"github.com/nashra/nashra/internal/testkit"
)

// TestSpamAssassinScore runs SpamAssassin (local rules only, no network, no
// Bayes) on realistic signed Arabic digests and holds each to a score of at
// most 1.0. The second subject's only letters in Latin script are capitals,
// which fires SUBJ_ALL_CAPS (see design.md): it must still pass.
func TestSpamAssassinScore(t *testing.T) {
	if testing.Short() {
		t.Skip("spamassassin takes seconds to start")
	}
	sa := testkit.NeedTool(t, "spamassassin")
	d := &DKIMOptions{Domain: "digest.example.com", Selector: "rsa2025", Key: testKeys()["rsa"]}
	subjects := []string{
		"نشرة الصباح: معرض الرياض للكتاب، أسعار النفط، والهلال إلى نصف النهائي",
		"نشرة الصباح: اجتماع OPEC+ وتغطية BBC",
	}
	// One run over an mbox: SpamAssassin's start-up dominates its time.
	var mbox bytes.Buffer
	for _, s := range subjects {
		m := digestMessage(t, "sara@example.org")
		m.Subject = s
		raw, err := NewComposer(d).Render(m)
		if err != nil {
			t.Fatal(err)
		}
		mbox.WriteString("From bounces@digest.example.com Sun Jun 15 03:00:00 2025\n")
		mbox.Write(bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n")))
		mbox.WriteString("\n")
	}
	cmd := exec.Command(sa, "-L", "-t", "--mbox", "--cf=use_bayes 0", "--cf=bayes_auto_learn 0")
	cmd.Stdin = &mbox
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("spamassassin: %v", err)
	}
	status := regexp.MustCompile(`X-Spam-Status: \w+, score=(-?[0-9.]+) required=[0-9.]+ tests=([^\n]*(?:\n\t[^\n]*)*)`).FindAllSubmatch(out, -1)
	if len(status) != len(subjects) {
		t.Fatalf("%d X-Spam-Status headers for %d messages:\n%s", len(status), len(subjects), out)
	}
	for i, m := range status {
		score, _ := strconv.ParseFloat(string(m[1]), 64)
		t.Logf("subject %d: spamassassin score %.1f, tests %s", i, score, regexp.MustCompile(`\s+`).ReplaceAll(m[2], []byte(" ")))
		if score > 1.0 {
			t.Errorf("subject %d: spamassassin score %.1f > 1.0", i, score)
		}
	}
}
