package publish

// Watcher follows a content folder from one scan to the next. A file that
// is new or changed is reported once its size and modification time have
// held still between two scans, so that a file still being written (or
// copied) is not imported half-way; a file that is gone is reported once.
type Watcher struct {
	dir      string
	imported Snapshot // the stamps last reported as settled
	last     Snapshot // the previous scan
}

// NewWatcher starts from imported, the scan whose files were imported.
func NewWatcher(dir string, imported Snapshot) *Watcher {
	if imported == nil {
		imported = Snapshot{}
	}
	return &Watcher{dir: dir, imported: imported, last: imported}
}

// Next scans the folder and returns the files to import now and those
// that were removed since they were reported.
func (w *Watcher) Next() (settled, removed []string) {
	now := Scan(w.dir)
	for p, st := range now {
		if prev, ok := w.last[p]; !ok || prev != st {
			continue // new or still changing: wait for the next scan
		}
		if done, ok := w.imported[p]; ok && done == st {
			continue
		}
		w.imported[p] = st
		settled = append(settled, p)
	}
	for p := range w.imported {
		if _, ok := now[p]; !ok {
			delete(w.imported, p)
			removed = append(removed, p)
		}
	}
	w.last = now
	return settled, removed
}
