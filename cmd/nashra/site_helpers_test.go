package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/nashra/nashra/internal/testkit"
)

// newsroom is a config layer (testkit.NewSite) for the sites of the
// browser tests: the morning digest's title and sender, three categories,
// warnings only in the log.
const newsroom = `
site:
  title: "نشرة الصباح"
mail:
  from: digest@digest.example.com
feeds:
  categories:
    - {name: "اقتصاد", slug: "economy", title: ""}
    - {name: "رياضة", slug: "sports", title: ""}
    - {name: "ثقافة", slug: "culture", title: ""}
log:
  level: warn
`

// readerPages is a config layer for the browser tests of the reader's
// pages (sign-up, preferences): no watcher, and the culture category
// titled "ثقافة وفنون".
const readerPages = `
server:
  watch_interval: 0s
feeds:
  categories:
    - {name: "اقتصاد", slug: "economy", title: ""}
    - {name: "رياضة", slug: "sports", title: ""}
    - {name: "ثقافة", slug: "culture", title: "ثقافة وفنون"}
`

// serveSite runs `nashra serve` in-process on the site until the test
// ends (startServe) and waits until it answers /healthz.
func serveSite(t *testing.T, s *testkit.Site) {
	t.Helper()
	startServe(t, s.Config)
	testkit.WaitHealthy(t, 30*time.Second, s.Base+"/healthz")
}

// signInAsDesk signs in at loginURL as desk@example.com, the editor the
// browser tests add with the password كلمة-سر-المحرر, and waits for the
// dashboard.
func signInAsDesk(b *testkit.Browser, loginURL string) {
	b.Do(chromedp.Navigate(loginURL),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), "desk@example.com"),
		chromedp.SendKeys(chromedp.CSS("#password"), "كلمة-سر-المحرر"),
		chromedp.Submit(chromedp.CSS("#password")),
		chromedp.WaitVisible(chromedp.CSS(".stats")))
}

// writeFile writes text to path, making its folder, and returns path.
func writeFile(t testing.TB, path, text string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// writeJSON writes v as JSON to path (articles for `nashra import`, say)
// and returns path.
func writeJSON(t testing.TB, path string, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return writeFile(t, path, string(b))
}

// runAll runs each command in-process on the config at cfgPath, with
// stdin as its standard input, and fails the test at the first error.
func runAll(t *testing.T, cfgPath, stdin string, cmds ...[]string) {
	t.Helper()
	for _, args := range cmds {
		if out, errOut, err := runIn(t, stdin, append([]string{"--config", cfgPath}, args...)...); err != nil {
			t.Fatalf("%v: %v\n%s%s", args, err, out, errOut)
		}
	}
}

// morningDigest is a config layer for the sites that send the digest: the
// morning digest's title, address and sender, at 07:00 (Asia/Riyadh).
const morningDigest = `
site:
  title: "نشرة الصباح"
  base_url: "https://digest.example.com"
mail:
  from: digest@digest.example.com
  from_name: "نشرة الصباح"
digest:
  schedule: "0 7 * * *"
`
