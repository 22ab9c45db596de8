package subscribe

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/internal/store/sqlite"
	"github.com/nashra/nashra/internal/testkit/teststore"
)

// TestImportBig imports 100,000 rows of which 1% are bad: the good rows
// are stored, each bad one is reported by its line number.
func TestImportBig(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	st := teststore.SQLite(t)
	var b bytes.Buffer
	b.WriteString("\ufeffemail,name,status,categories\n")
	var bad []int
	const n = 100_000
	for i := 0; i < n; i++ {
		line := i + 2
		switch {
		case i%100 == 37:
			fmt.Fprintf(&b, "reader%06d-at-example.org,قارئ %d,confirmed,\n", i, i)
			bad = append(bad, line)
		default:
			fmt.Fprintf(&b, "reader%06d@example.org,قارئ رقم %d,,اقتصاد|رياضة\n", i, i)
		}
	}
	start := time.Now()
	rep, err := Import(context.Background(), st, &b, ImportOptions{Confirmed: true})
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	t.Logf("imported %d rows (%d rejected) in %v", rep.Rows, len(rep.Rejected), took)
	if rep.Rows != n || rep.Added != n-len(bad) || len(rep.Rejected) != len(bad) {
		t.Fatalf("report: rows %d added %d rejected %d; want %d, %d, %d", rep.Rows, rep.Added, len(rep.Rejected), n, n-len(bad), len(bad))
	}
	for i, r := range rep.Rejected {
		if r.Line != bad[i] || r.Reason != "invalid email address" {
			t.Fatalf("rejected[%d] = %+v, want line %d, invalid email address", i, r, bad[i])
		}
	}
	c, err := st.CountSubscribers(context.Background(), store.StatusConfirmed)
	if err != nil || c != n-len(bad) {
		t.Fatalf("confirmed subscribers: %d, %v", c, err)
	}
}

func importString(t *testing.T, st Importer, csv string, o ImportOptions) *ImportReport {
	t.Helper()
	rep, err := Import(context.Background(), st, strings.NewReader(csv), o)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func exportString(t *testing.T, st *sqlite.Store) string {
	t.Helper()
	var b bytes.Buffer
	if _, err := Export(context.Background(), st, &b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestImportFixture: an Arabic CSV with a BOM, an unknown column and bad
// rows: the good rows are imported, each bad one reported by line.
func TestImportFixture(t *testing.T) {
	st := teststore.SQLite(t)
	f, err := os.ReadFile("testdata/subscribers.csv")
	if err != nil {
		t.Fatal(err)
	}
	rep := importString(t, st, string(f), ImportOptions{})
	want := []Rejected{
		{7, "not-an-email", "invalid email address"},
		{9, "dup@example.org", "duplicate of line 8"},
		{10, "odd@example.org", `unknown status "sleeping" (pending, confirmed, unsubscribed or bounced)`},
		{11, "late@example.org", `created_at: "yesterday" is not an RFC 3339 time`},
		{12, "short@example.org", "2 fields, the header has 11"},
		{13, "multi\nline@example.org", "control character (CR, LF…) in a field"},
		{15, "paused@example.org", `paused: "perhaps" is not true or false`},
	}
	if !slices.Equal(rep.Rejected, want) {
		t.Errorf("rejected:\n%+v\nwant\n%+v", rep.Rejected, want)
	}
	if rep.Rows != 13 || rep.Added != 6 || !slices.Equal(rep.Ignored, []string{"phone"}) {
		t.Errorf("report %+v", rep)
	}
	ctx := context.Background()
	k, err := st.SubscriberByEmail(ctx, "khalid@example.org")
	if err != nil || k.Name != `خالد "أبو فهد" <b>` || k.Status != store.StatusPending || k.Source != store.SourceImport {
		t.Errorf("khalid: %+v %v", k, err)
	}
	m, err := st.SubscriberByEmail(ctx, "mona@xn--mgbh0fb.xn--mgberp4a5d4ar")
	if err != nil || !m.Paused || m.Bounces != 1 || m.CreatedAt.Nanosecond() != 500_000_000 || m.Categories[0] != "ثقافة" {
		t.Errorf("mona: %+v %v", m, err)
	}
}

// TestImportExportLossless: import, export, import again changes nothing,
// and a fresh list importing the export exports the same bytes.
func TestImportExportLossless(t *testing.T) {
	a := teststore.SQLite(t)
	f, _ := os.ReadFile("testdata/subscribers.csv")
	importString(t, a, string(f), ImportOptions{Confirmed: true})
	first := exportString(t, a)
	if !strings.HasPrefix(first, strings.Join(CSVHeader, ",")+"\n") || !strings.Contains(first, "سارة الشمري,confirmed,اقتصاد|رياضة,form,false,0,2025-01-02T08:00:00Z") {
		t.Fatalf("export:\n%s", first)
	}
	rep := importString(t, a, first, ImportOptions{Confirmed: true})
	if rep.Added != 0 || rep.Existing != 4 || rep.Kept != 2 || len(rep.Rejected) != 0 || rep.Suppressed != 0 {
		t.Errorf("re-import: %+v", rep)
	}
	if again := exportString(t, a); again != first {
		t.Errorf("re-import changed the list:\n%s\nvs\n%s", again, first)
	}
	b := teststore.SQLite(t)
	importString(t, b, "\ufeff"+first, ImportOptions{})
	if second := exportString(t, b); second != first {
		t.Errorf("export(import(export)) differs:\n%s\nvs\n%s", second, first)
	}
}

// TestImportNeverResubscribes: rows cannot bring back people who left or
// bounced, with or without --confirmed; a row saying someone left is
// honoured.
func TestImportNeverResubscribes(t *testing.T) {
	st := teststore.SQLite(t)
	importString(t, st, "email,status\nleft@example.org,unsubscribed\ngone@example.org,bounced\non@example.org,confirmed\n", ImportOptions{})
	rep := importString(t, st, "email,status,name\nleft@example.org,confirmed,عائد\ngone@example.org,,\non@example.org,unsubscribed,\n", ImportOptions{Confirmed: true})
	if rep.Kept != 2 || rep.Suppressed != 1 || rep.Added != 0 {
		t.Errorf("report %+v", rep)
	}
	for email, want := range map[string]store.Status{"left@example.org": store.StatusUnsubscribed, "gone@example.org": store.StatusBounced, "on@example.org": store.StatusUnsubscribed} {
		s, err := st.SubscriberByEmail(context.Background(), email)
		if err != nil || s.Status != want {
			t.Errorf("%s: %+v %v, want %s", email, s, err, want)
		}
	}
	if _, err := Import(context.Background(), st, strings.NewReader("name,status\nسارة,confirmed\n"), ImportOptions{}); err == nil {
		t.Error("a CSV without an email column was accepted")
	}
	if _, err := Import(context.Background(), st, strings.NewReader(""), ImportOptions{}); err == nil {
		t.Error("an empty file was accepted")
	}
}

// TestImportStrayQuote: a row with a stray quote is reported by its line
// and the rows around it are imported (it used to panic in FieldPos).
func TestImportStrayQuote(t *testing.T) {
	st := teststore.SQLite(t)
	rep := importString(t, st, "email,name\na1@example.com,x\nbad\"quote@example.com,y\na2@example.com,سارة\n", ImportOptions{})
	if rep.Rows != 3 || rep.Added != 2 || len(rep.Rejected) != 1 {
		t.Fatalf("report %+v", rep)
	}
	if r := rep.Rejected[0]; r.Line != 3 || !strings.HasPrefix(r.Reason, "malformed CSV: ") {
		t.Errorf("rejected %+v, want line 3, malformed CSV", r)
	}
	for _, e := range []string{"a1@example.com", "a2@example.com"} {
		if _, err := st.SubscriberByEmail(context.Background(), e); err != nil {
			t.Errorf("%s: %v", e, err)
		}
	}
}

// TestExportExcel: --excel output starts with a UTF-8 BOM and ends every
// line with CRLF, and importing it into a fresh list gives the same list.
func TestExportExcel(t *testing.T) {
	a := teststore.SQLite(t)
	f, _ := os.ReadFile("testdata/subscribers.csv")
	importString(t, a, string(f), ImportOptions{Confirmed: true})
	var b bytes.Buffer
	if _, err := ExportExcel(context.Background(), a, &b); err != nil {
		t.Fatal(err)
	}
	x := b.String()
	if !strings.HasPrefix(x, "\ufeffemail,name,") {
		t.Fatalf("no BOM or header: %q", x[:min(len(x), 40)])
	}
	lines := strings.SplitAfter(strings.TrimPrefix(x, "\ufeff"), "\n")
	for i, l := range lines[:len(lines)-1] {
		if !strings.HasSuffix(l, "\r\n") {
			t.Errorf("line %d does not end in CRLF: %q", i+1, l)
		}
	}
	if !strings.Contains(x, "سارة الشمري") {
		t.Errorf("Arabic name missing:\n%s", x)
	}
	c := teststore.SQLite(t)
	importString(t, c, x, ImportOptions{})
	if got, want := exportString(t, c), exportString(t, a); got != want {
		t.Errorf("import(excel export) differs:\n%s\nvs\n%s", got, want)
	}
}

// TestImportCategories: with a catalog, categories are taken by name or
// slug (any case) and stored by name; an unknown one rejects its row with
// the list of valid ones.
func TestImportCategories(t *testing.T) {
	st := teststore.SQLite(t)
	cat, err := LoadCatalog(context.Background(), st, []Category{{Name: "رياضة", Slug: "sports"}, {Name: "اقتصاد"}})
	if err != nil {
		t.Fatal(err)
	}
	rep := importString(t, st, "email,categories\n"+
		"a@example.org,SPORTS|اقتصاد\n"+
		"b@example.org,رياضه\n"+
		"c@example.org,aqtsad\n", ImportOptions{Categories: &cat})
	if rep.Added != 2 || len(rep.Rejected) != 1 {
		t.Fatalf("report %+v", rep)
	}
	if r := rep.Rejected[0]; r.Line != 3 || r.Reason != `unknown category "رياضه" (valid: رياضة (sports), اقتصاد (aqtsad))` {
		t.Errorf("rejected %+v", r)
	}
	for email, want := range map[string][]string{"a@example.org": {"رياضة", "اقتصاد"}, "c@example.org": {"اقتصاد"}} {
		s, err := st.SubscriberByEmail(context.Background(), email)
		if err != nil || !slices.Equal(s.Categories, want) {
			t.Errorf("%s: %+v %v, want %v", email, s, err, want)
		}
	}
}

// TestParseAddress: the `Name <address>` forms people paste.
func TestParseAddress(t *testing.T) {
	for _, c := range []struct{ in, name, addr string }{
		{"ali@example.org", "", "ali@example.org"},
		{"اسم <a@b.org>", "اسم", "a@b.org"},
		{`"الشمري، سارة" <sara@example.org>`, "الشمري، سارة", "sara@example.org"},
		{"  <a@b.org> ", "", "a@b.org"},
		{"=?utf-8?b?2YbYtNix2Kk=?= <a@b.org>", "نشرة", "a@b.org"},
	} {
		name, addr, err := ParseAddress(c.in)
		if err != nil || name != c.name || addr != c.addr {
			t.Errorf("ParseAddress(%q) = %q, %q, %v; want %q, %q", c.in, name, addr, err, c.name, c.addr)
		}
	}
	if _, _, err := ParseAddress("اسم <a@b.org"); err == nil {
		t.Error("an unclosed < was accepted")
	}
}

// TestImportEmailCase: rows whose addresses differ only in case are one
// subscriber: the second is a duplicate, and an address already on the
// list in another case is found, not added again.
func TestImportEmailCase(t *testing.T) {
	st := teststore.SQLite(t)
	importString(t, st, "email,status\nali@example.com,confirmed\n", ImportOptions{})
	rep := importString(t, st, "email,status\nSara@Example.org,confirmed\nsara@example.org,confirmed\nALI@Example.com,unsubscribed\n", ImportOptions{})
	if rep.Added != 1 || rep.Suppressed != 1 || len(rep.Rejected) != 1 || rep.Rejected[0].Reason != "duplicate of line 2" {
		t.Errorf("report %+v", rep)
	}
	if n, _ := st.CountSubscribers(context.Background(), ""); n != 2 {
		t.Errorf("%d subscribers, want 2", n)
	}
	if s, err := st.SubscriberByEmail(context.Background(), "ali@example.com"); err != nil || s.Status != store.StatusUnsubscribed {
		t.Errorf("ali: %+v %v", s, err)
	}
}

// TestImportRefusesErased: an address erased at its owner's request is
// rejected by line, in any case, and the rest imports; Unerase lets it in.
func TestImportRefusesErased(t *testing.T) {
	st := teststore.SQLite(t)
	ctx := context.Background()
	secret := []byte("0123456789abcdef0123456789abcdef")
	importString(t, st, "email\nsara@example.org\n", ImportOptions{})
	sub, err := st.SubscriberByEmail(ctx, "sara@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.EraseSubscriber(ctx, sub.ID, ErasedKey(secret, sub.Email)); err != nil {
		t.Fatal(err)
	}
	o := ImportOptions{Erased: ErasedCheck(st, secret)}
	rep := importString(t, st, "email,name\nSARA@Example.org,سارة\nnew@example.org,جديد\n", o)
	if rep.Added != 1 || len(rep.Rejected) != 1 || rep.Rejected[0].Line != 2 || !strings.Contains(rep.Rejected[0].Reason, "erased") {
		t.Errorf("report %+v", rep)
	}
	if _, err := st.SubscriberByEmail(ctx, "sara@example.org"); err == nil {
		t.Error("an erased address came back")
	}
	if ErasedKey(secret, "sara@example.org") == ErasedKey([]byte("another secret of 32 characters!"), "sara@example.org") {
		t.Error("the key does not depend on the secret")
	}
	if err := st.Unerase(ctx, ErasedKey(secret, "Sara@example.org")); err != nil {
		t.Fatal(err)
	}
	if rep := importString(t, st, "email\nsara@example.org\n", o); rep.Added != 1 {
		t.Errorf("after Unerase: %+v", rep)
	}
}
