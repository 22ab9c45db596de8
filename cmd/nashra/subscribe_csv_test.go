package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nashra/nashra/internal/testkit"
)

// csvSite is a test site (testkit.NewSite) with three categories
// (subscribers may only choose known ones), logging errors only; it
// returns the config's path.
func csvSite(t *testing.T) string {
	t.Helper()
	return testkit.NewSite(t, `
feeds:
  categories:
    - {name: سياسة, slug: politics}
    - {name: اقتصاد, slug: economy}
    - {name: ثقافة, slug: culture}
log:
  level: error
`).Config
}

// TestSubscribersCSV runs `nashra subscribers import` and `export`: bad
// rows reported by line with exit status 2, the good ones imported;
// import(export) changes nothing and a fresh list exports the same bytes.
func TestSubscribersCSV(t *testing.T) {
	a := csvSite(t)
	in := writeFile(t, filepath.Join(t.TempDir(), "list.csv"), "\ufeffemail,name,categories\r\n"+
		"noura@example.org,نورة العتيبي,اقتصاد|ثقافة\r\n"+
		"broken@,خطأ,\r\n"+
		"faisal@example.org,\"فيصل، \"\"أبو سعد\"\"\",\r\n"+
		"noura@example.org,مكررة,\r\n")
	out, _, err := run(t, "--config", a, "subscribers", "import", "--confirmed", in)
	if !errors.Is(err, errPartial) || exitCode(err) != 2 {
		t.Fatalf("import with bad rows: %v (want exit status 2)\n%s", err, out)
	}
	for _, want := range []string{
		in + ": line 3: broken@: invalid email address",
		in + ": line 5: noura@example.org: duplicate of line 2",
		"4 rows: 2 added",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("import output lacks %q:\n%s", want, out)
		}
	}
	e1 := filepath.Join(t.TempDir(), "e1.csv")
	if _, _, err := run(t, "--config", a, "subscribers", "export", "-o", e1); err != nil {
		t.Fatal(err)
	}
	first, _ := os.ReadFile(e1)
	if !strings.Contains(string(first), "noura@example.org,نورة العتيبي,confirmed,اقتصاد|ثقافة,import,false,0,") ||
		!strings.Contains(string(first), `"فيصل، ""أبو سعد"""`) {
		t.Fatalf("export:\n%s", first)
	}
	out, _, err = run(t, "--config", a, "subscribers", "import", e1)
	if err != nil || !strings.Contains(out, "2 rows: 0 added, 2 already on the list") {
		t.Fatalf("re-import: %v\n%s", err, out)
	}
	again, _, err := run(t, "--config", a, "subscribers", "export")
	if err != nil || again != string(first) {
		t.Errorf("re-import changed the list (%v):\n%s\nvs\n%s", err, again, first)
	}
	b := csvSite(t)
	if _, _, err := run(t, "--config", b, "subscribers", "import", e1); err != nil {
		t.Fatal(err)
	}
	second, _, err := run(t, "--config", b, "subscribers", "export")
	if err != nil || second != string(first) {
		t.Errorf("export(import(export)) differs (%v):\n%s\nvs\n%s", err, second, first)
	}
}
