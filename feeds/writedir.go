package feeds

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// WriteDir writes every file of the Set under dir at the path it is served
// at (dir/feed.xml, dir/categories/{slug}/atom.xml, dir/index.html…). Each
// file is written to a temporary name and renamed, so a web server reading
// dir never sees half a feed, and its modification time is set to the
// file's Modified time for servers that derive Last-Modified from it.
func (s *Set) WriteDir(dir string) error {
	root, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("feeds: write %s: %w", dir, err)
	}
	for _, f := range s.files {
		name := filepath.Join(root, filepath.FromSlash(strings.TrimPrefix(f.Path, "/")))
		if !strings.HasPrefix(name, root+string(filepath.Separator)) {
			return fmt.Errorf("feeds: write %s: path escapes %s", f.Path, dir)
		}
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			return fmt.Errorf("feeds: write %s: %w", f.Path, err)
		}
		tmp, err := os.CreateTemp(filepath.Dir(name), ".tmp-*")
		if err != nil {
			return fmt.Errorf("feeds: write %s: %w", f.Path, err)
		}
		_, werr := tmp.Write(f.Body)
		cerr := tmp.Close()
		if werr == nil {
			werr = cerr
		}
		if werr == nil {
			werr = os.Chmod(tmp.Name(), 0o644)
		}
		if werr == nil {
			werr = os.Chtimes(tmp.Name(), f.Modified, f.Modified)
		}
		if werr == nil {
			werr = os.Rename(tmp.Name(), name)
		}
		if werr != nil {
			os.Remove(tmp.Name())
			return fmt.Errorf("feeds: write %s: %w", f.Path, werr)
		}
	}
	return nil
}
