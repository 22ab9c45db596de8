package open

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOpen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "data", "nashra.db")
	st, err := Open(ctx, "sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if n, err := st.MigrationsPending(ctx); err != nil || n == 0 {
		t.Errorf("fresh sqlite store: MigrationsPending = %d, %v", n, err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("sqlite file not created: %v", err)
	}
	if _, err := Open(ctx, "mysql", "x"); err == nil || !strings.Contains(err.Error(), `"mysql"`) {
		t.Errorf("unknown driver: %v", err)
	}
	if u := os.Getenv("NASHRA_TEST_POSTGRES_URL"); u != "" {
		pg, err := Open(ctx, "postgres", u)
		if err != nil {
			t.Fatal(err)
		}
		defer pg.Close()
		if err := pg.Ping(ctx); err != nil {
			t.Error(err)
		}
	}
}
