package article

import (
	"os"
	"path/filepath"
)

// fixtureDirs are where the article fixtures live: the repository's shared
// folders (other packages' tests read them too) and this package's own
// testdata for files only these tests use.
var fixtureDirs = []string{"../../testdata/articles", "../../testdata/articles-hostile", "testdata"}

// fixture returns the path of the fixture file name.
func fixture(name string) string {
	for _, dir := range fixtureDirs {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return filepath.Join("testdata", name)
}
