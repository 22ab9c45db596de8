package main

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nashra/nashra/internal/store/sqlite"
	"github.com/nashra/nashra/internal/store/storetest"
)

// TestSubscribersImportStrayQuote is issue 15's reproduction: a CSV with a
// stray quote used to panic and import nothing; the bad row is now reported
// by line (exit status 2) and the other imported.
func TestSubscribersImportStrayQuote(t *testing.T) {
	a := csvSite(t)
	in := writeFile(t, filepath.Join(t.TempDir(), "list.csv"), "email,name\na1@example.com,x\nbad\"quote@example.com,y\n")
	out, _, err := run(t, "--config", a, "subscribers", "import", in)
	if !errors.Is(err, errPartial) {
		t.Fatalf("import: %v (want a partial failure)\n%s", err, out)
	}
	if !strings.Contains(out, in+": line 3") || !strings.Contains(out, "malformed CSV") || !strings.Contains(out, "1 added") {
		t.Errorf("import output:\n%s", out)
	}
}

// TestSubscribersExportExcel: `export --excel` writes a BOM and CRLF.
func TestSubscribersExportExcel(t *testing.T) {
	a := csvSite(t)
	if _, _, err := run(t, "--config", a, "subscribers", "add", "--name", "نورة", "noura@example.org"); err != nil {
		t.Fatal(err)
	}
	out, _, err := run(t, "--config", a, "subscribers", "export", "--excel")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "\ufeffemail,") || !strings.Contains(out, "\r\nnoura@example.org,نورة,confirmed,") {
		t.Errorf("export --excel:\n%q", out)
	}
}

// TestSubscribersAddNameAddr: `subscribers add 'اسم <a@b.org>'` takes the
// name from the address; --name still works; two different names are an
// error; categories are names or slugs, anything else is refused with the
// valid ones listed.
func TestSubscribersAddNameAddr(t *testing.T) {
	a := csvSite(t)
	if _, _, err := run(t, "--config", a, "subscribers", "add", "نورة العتيبي <noura@example.org>", "--categories", "ECONOMY,سياسة"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := run(t, "--config", a, "subscribers", "add", "--name", "فيصل", "faisal@example.org"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := run(t, "--config", a, "subscribers", "add", "--name", "فيصل", "سعد <saad@example.org>"); err == nil || !strings.Contains(err.Error(), "two names") {
		t.Errorf("two names: %v", err)
	}
	_, _, err := run(t, "--config", a, "subscribers", "add", "--categories", "sprots", "x@example.org")
	if err == nil || !strings.Contains(err.Error(), `--categories: unknown category "sprots" (valid: سياسة (politics), اقتصاد (economy), ثقافة (culture))`) {
		t.Errorf("unknown category: %v", err)
	}
	out, _, err := run(t, "--config", a, "subscribers", "list")
	if err != nil {
		t.Fatal(err)
	}
	flat := strings.Join(strings.Fields(out), " ")
	if !strings.Contains(flat, "noura@example.org نورة العتيبي confirmed daily(اقتصاد,سياسة)") || !strings.Contains(flat, "faisal@example.org فيصل confirmed daily(*)") || strings.Contains(out, "x@example.org") || strings.Contains(out, "saad") {
		t.Errorf("list:\n%s", out)
	}
}

// TestSubscribersCaseMergeReported: a SQLite list written before addresses
// were case-insensitive, with ali@ and ALI@ both on it, is merged on the
// first command after the upgrade, which reports the removed record once.
func TestSubscribersCaseMergeReported(t *testing.T) {
	a := csvSite(t)
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(filepath.Dir(a), "nashra.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := st.MigrateBefore(ctx, storetest.EmailKeyMigration); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO subscribers (email, name, status, source, created_at, confirmed_at, updated_at) VALUES ('ali@example.com', 'علي', 'confirmed', 'admin', 1, 1, 1)`,
		`INSERT INTO subscribers (email, name, status, source, created_at, confirmed_at, updated_at) VALUES ('ALI@Example.com', 'ALI', 'confirmed', 'admin', 2, 2, 2)`,
	} {
		if _, err := st.DB().Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	out, errOut, err := run(t, "--config", a, "subscribers", "list")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errOut, "1 subscribers differed") || !strings.Contains(errOut, `removed ALI@Example.com (id 2, confirmed, confirmed 1970-01-01, name "ALI") -> kept subscriber 1`) {
		t.Errorf("stderr:\n%s", errOut)
	}
	if strings.Count(out, "example.com") != 1 {
		t.Errorf("list:\n%s", out)
	}
	if _, errOut, _ = run(t, "--config", a, "subscribers", "list"); strings.Contains(errOut, "differed") {
		t.Errorf("reported twice:\n%s", errOut)
	}
	if _, _, err := run(t, "--config", a, "subscribers", "remove", "ALI@EXAMPLE.COM"); err != nil {
		t.Fatal(err)
	}
	if out, _, _ = run(t, "--config", a, "subscribers", "list", "--status", "confirmed"); strings.Contains(out, "example.com") {
		t.Errorf("still confirmed after removing another spelling:\n%s", out)
	}
}
