package subscribe

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/internal/store/sqlite"
)

func openSQLite(t testing.TB) *sqlite.Store {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "nashra.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return st
}

// TestImportBig imports 100,000 rows of which 1% are bad: the good rows
// are stored, each bad one is reported by its line number.
func TestImportBig(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	st := openSQLite(t)
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
