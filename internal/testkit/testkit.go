// Package testkit holds test helpers shared by nashra's packages: finding
// the repository and ../shared, and requiring external programs — skipped
// where absent on a developer's machine, failing in CI (CI=true).
package testkit

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// RepoRoot returns the directory holding go.mod, searching up from the
// current directory.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("testkit: go.mod not found above the package directory")
		}
		dir = parent
	}
}

// Samples returns the folder of the repository's sample articles,
// testdata/articles.
func Samples(t testing.TB) string {
	t.Helper()
	return filepath.Join(RepoRoot(t), "testdata", "articles")
}

// CopySamples copies the named sample articles (see Samples) into dir.
func CopySamples(t testing.TB, dir string, names ...string) {
	t.Helper()
	for _, name := range names {
		b, err := os.ReadFile(filepath.Join(Samples(t), name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// SharedDir returns ../shared beside the repository, skipping the test with
// a clear message when it is absent.
func SharedDir(t testing.TB) string {
	t.Helper()
	shared := filepath.Join(RepoRoot(t), "..", "shared")
	if _, err := os.Stat(shared); err != nil {
		t.Skipf("../shared not found next to the repository (%s): tests that read the shared sample, corpus or schemas need it", shared)
	}
	return shared
}

// NeedTool returns the path of an external program. Where it is missing
// the test is skipped, except in CI where that is a failure.
func NeedTool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Missing(t, name+" (run scripts/deps)", err)
	}
	return p
}

// Missing skips the test for a missing dependency, or fails it in CI.
func Missing(t testing.TB, what string, err error) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is required in CI: %v", what, err)
	}
	t.Skipf("%s not available: %v", what, err)
}

// Feedparser returns Debian's python3 with the feedparser module.
func Feedparser(t testing.TB) string {
	t.Helper()
	py := NeedTool(t, "/usr/bin/python3")
	if err := exec.Command(py, "-c", "import feedparser").Run(); err != nil {
		Missing(t, "python3-feedparser (run scripts/deps)", err)
	}
	return py
}
