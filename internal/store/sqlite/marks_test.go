package sqlite

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/nashra/nashra/internal/store"
)

// markSite is a migrated store with an edition queued for n readers, each
// delivery claimed (so "sending"), as a worker leaves them mid-send.
func markSite(t *testing.T, n int) (*Store, string, []store.Subscriber) {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "nashra.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var subs []store.Subscriber
	for i := range n {
		sub := store.Subscriber{Email: fmt.Sprintf("qari%d@example.org", i), Name: fmt.Sprintf("قارئ %d", i), Status: store.StatusConfirmed}
		if _, err := s.AddSubscriber(ctx, &sub); err != nil {
			t.Fatal(err)
		}
		subs = append(subs, sub)
	}
	if _, err := s.CreateEdition(ctx, &store.Edition{ID: "2026-03-10", Subject: "نشرة الثلاثاء"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.EnqueueDeliveries(ctx, "2026-03-10", subs); err != nil {
		t.Fatal(err)
	}
	for _, sub := range subs {
		if _, ok, err := s.ClaimDelivery(ctx, "2026-03-10", sub.ID); err != nil || !ok {
			t.Fatalf("claim %d: %v %v", sub.ID, ok, err)
		}
	}
	return s, path, subs
}

func messageIDOf(t *testing.T, s *Store, sub int64) string {
	t.Helper()
	ds, err := s.ListDeliveries(context.Background(), "2026-03-10", "", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if d.SubscriberID == sub {
			return d.MessageID
		}
	}
	t.Fatalf("no delivery for %d", sub)
	return ""
}

// writeJournal writes a journal file as another process would have left
// it, and returns its path.
func writeJournal(t *testing.T, dbPath, name string, data []byte) string {
	t.Helper()
	dir := dbPath + "-marks"
	if err := os.MkdirAll(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func journalFiles(t *testing.T, dbPath string) []string {
	t.Helper()
	ents, err := os.ReadDir(dbPath + "-marks")
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

// recovered checks the message IDs that recovery left in the ledger and
// that no journal file is left.
func recovered(t *testing.T, s *Store, dbPath string, want map[int64]string) {
	t.Helper()
	for sub, mid := range want {
		if got := messageIDOf(t, s, sub); got != mid {
			t.Errorf("reader %d: message ID %q after recovery, want %q", sub, got, mid)
		}
	}
	if files := journalFiles(t, dbPath); len(files) != 0 {
		t.Errorf("journal files left after recovery: %v", files)
	}
}

// closeLeaves closes s and checks that n journal files are left (want
// says which).
func closeLeaves(t *testing.T, s *Store, dbPath string, n int, want string) {
	t.Helper()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if files := journalFiles(t, dbPath); len(files) != n {
		t.Errorf("after Close: journal files %v, want %s", files, want)
	}
}

// TestMarkJournalLifecycle: a mark is a line in this process's journal
// before the ledger has it; it reaches the ledger with the delivery's next
// state, in one statement; a clean Close leaves no journal behind.
func TestMarkJournalLifecycle(t *testing.T) {
	ctx := context.Background()
	s, path, subs := markSite(t, 1)
	mid := "<a1@digest.example.com>"
	wait, err := s.SendDeliveryMessageID(ctx, "2026-03-10", subs[0].ID, mid)
	if err != nil {
		t.Fatal(err)
	}
	files := journalFiles(t, path)
	if len(files) != 1 || !strings.HasSuffix(files[0], ".marks") {
		t.Fatalf("journal files %v, want one .marks file", files)
	}
	b, err := os.ReadFile(filepath.Join(path+"-marks", files[0]))
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.TrimRight(b, "\x00") // the rest of the mapped file
	if want := fmt.Sprintf("2026-03-10\t%d\t%s\n", subs[0].ID, mid); string(b) != want {
		t.Errorf("journal holds %q, want %q", b, want)
	}
	if got := messageIDOf(t, s, subs[0].ID); got != "" {
		t.Errorf("the ledger has %q before wait", got)
	}
	if err := wait(); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkDelivery(ctx, "2026-03-10", subs[0].ID, store.DeliverySent, ""); err != nil {
		t.Fatal(err)
	}
	if got := messageIDOf(t, s, subs[0].ID); got != mid {
		t.Errorf("once sent the ledger has %q, want %q", got, mid)
	}
	// Its own live journal is not "recovered".
	if n, err := s.RecoverMarks(ctx); err != nil || n != 0 {
		t.Errorf("RecoverMarks on a live journal = %d, %v", n, err)
	}
	closeLeaves(t, s, path, 0, "none after a clean close")
}

// TestRecoverMarks plays a process killed after its marks: its journal is
// unlocked, its deliveries still "sending" without a message ID. Recovery
// sets the ID where the last line of a delivery is a mark, not where the
// mark was taken back, not on a delivery no longer sending, and leaves a
// journal that a live process holds alone.
func TestRecoverMarks(t *testing.T) {
	ctx := context.Background()
	s, path, subs := markSite(t, 4)
	if err := s.MarkDelivery(ctx, "2026-03-10", subs[3].ID, store.DeliveryRetrying, "451"); err != nil {
		t.Fatal(err)
	}
	dead := fmt.Sprintf("2026-03-10\t%d\t<m0@x>\n", subs[0].ID) + // marked
		fmt.Sprintf("2026-03-10\t%d\t<m1@x>\n2026-03-10\t%d\t-\n", subs[1].ID, subs[1].ID) + // taken back
		fmt.Sprintf("2026-03-10\t%d\t<m3@x>\n", subs[3].ID) + // no longer sending
		"torn line without its fields\n"
	writeJournal(t, path, "999999.0000dead.1.marks", []byte(dead))
	// A live process's journal: locked by another open file.
	live := writeJournal(t, path, "1.0000beef.1.marks", fmt.Appendf(nil, "2026-03-10\t%d\t<m2@x>\n", subs[2].ID))
	lf, err := os.Open(live)
	if err != nil {
		t.Fatal(err)
	}
	defer lf.Close()
	if err := syscall.Flock(int(lf.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	// A file created by a process that died before naming it.
	writeJournal(t, path, "7.0000cafe.1.marks.new", nil)

	n, err := s.RecoverMarks(ctx)
	if err != nil || n != 1 {
		t.Fatalf("RecoverMarks = %d, %v; want 1", n, err)
	}
	for i, want := range []string{"<m0@x>", "", "", ""} {
		if got := messageIDOf(t, s, subs[i].ID); got != want {
			t.Errorf("reader %d: message ID %q, want %q", i, got, want)
		}
	}
	files := journalFiles(t, path)
	if len(files) != 1 || files[0] != filepath.Base(live) {
		t.Errorf("journal files after recovery %v, want only the live one", files)
	}

	// Once its process is gone (the lock released), it is recovered too.
	lf.Close()
	if n, err := s.RecoverMarks(ctx); err != nil || n != 1 {
		t.Fatalf("second RecoverMarks = %d, %v; want 1", n, err)
	}
	recovered(t, s, path, map[int64]string{subs[2].ID: "<m2@x>"})
}

// TestClearMarkInJournal: a mark taken back after the end of data (the
// server answered 4xx) is taken back in the journal too, so that a crash
// afterwards does not bring it back.
func TestClearMarkInJournal(t *testing.T) {
	ctx := context.Background()
	s, path, subs := markSite(t, 1)
	wait, err := s.SendDeliveryMessageID(ctx, "2026-03-10", subs[0].ID, "<a1@x>")
	if err != nil {
		t.Fatal(err)
	}
	if err := wait(); err != nil {
		t.Fatal(err)
	}
	if err := s.SetDeliveryMessageID(ctx, "2026-03-10", subs[0].ID, ""); err != nil {
		t.Fatal(err)
	}
	files := journalFiles(t, path)
	if len(files) != 1 {
		t.Fatalf("journal files %v", files)
	}
	b, _ := os.ReadFile(filepath.Join(path+"-marks", files[0]))
	b = bytes.TrimRight(b, "\x00")
	if !strings.HasSuffix(string(b), fmt.Sprintf("2026-03-10\t%d\t-\n", subs[0].ID)) {
		t.Errorf("journal %q does not end with the mark taken back", b)
	}
	// The process dies (its files unlocked, not removed): recovery finds
	// nothing to mark.
	s.marks.mu.Lock()
	for _, mf := range s.marks.open {
		mf.f.Close()
	}
	s.marks.open, s.marks.cur = map[string]*markFile{}, nil
	s.marks.mu.Unlock()
	if n, err := s.RecoverMarks(ctx); err != nil || n != 0 {
		t.Errorf("RecoverMarks = %d, %v; want 0", n, err)
	}
	if got := messageIDOf(t, s, subs[0].ID); got != "" {
		t.Errorf("message ID %q came back", got)
	}
}

// TestMarkJournalRotates: past its size a journal file is retired, and
// removed once its last mark is in the ledger; a file whose mark could not
// reach the ledger (the state write failed) stays for recovery.
func TestMarkJournalRotates(t *testing.T) {
	ctx := context.Background()
	s, path, subs := markSite(t, 3)
	s.marks.max = 10 // every line fills a file
	var waits []func() error
	for i, sub := range subs {
		w, err := s.SendDeliveryMessageID(ctx, "2026-03-10", sub.ID, fmt.Sprintf("<r%d@x>", i))
		if err != nil {
			t.Fatal(err)
		}
		waits = append(waits, w)
	}
	if files := journalFiles(t, path); len(files) != 3 {
		t.Fatalf("journal files %v, want 3 (one per line)", files)
	}
	for _, w := range waits {
		if err := w(); err != nil {
			t.Fatal(err)
		}
	}
	if files := journalFiles(t, path); len(files) != 3 {
		t.Fatalf("marks held, none in the ledger yet: files %v, want 3", files)
	}
	sent := func(i int) error {
		return s.MarkDelivery(ctx, "2026-03-10", subs[i].ID, store.DeliverySent, "")
	}
	if err := sent(0); err != nil {
		t.Fatal(err)
	}
	if files := journalFiles(t, path); len(files) != 2 {
		t.Errorf("after the first mark is in: files %v, want 2", files)
	}
	// The second mark's ledger write fails (its delivery is gone): its
	// file is kept.
	if err := s.DeleteSubscriber(ctx, subs[1].Email); err != nil {
		t.Fatal(err)
	}
	if err := sent(1); err == nil {
		t.Fatal("recording an erased delivery as sent succeeded")
	}
	if err := sent(2); err != nil {
		t.Fatal(err)
	}
	if files := journalFiles(t, path); len(files) != 2 {
		t.Errorf("files %v, want the kept one and the current one", files)
	}
	closeLeaves(t, s, path, 1, "only the one kept for recovery")
}

// TestHeldMarkGoesWithTheState: the message ID of a held mark is written
// with whatever state comes next ("failed" too), once; a delivery marked
// again in the same process (its state write failed) keeps its first
// journal file for recovery; a mark taken back never reaches the ledger.
func TestHeldMarkGoesWithTheState(t *testing.T) {
	ctx := context.Background()
	s, path, subs := markSite(t, 3)
	mark := func(i int, mid string) {
		t.Helper()
		wait, err := s.SendDeliveryMessageID(ctx, "2026-03-10", subs[i].ID, mid)
		if err != nil {
			t.Fatal(err)
		}
		if err := wait(); err != nil {
			t.Fatal(err)
		}
	}
	mark(0, "<f0@x>")
	if err := s.MarkDelivery(ctx, "2026-03-10", subs[0].ID, store.DeliveryFailed, "550 no such user"); err != nil {
		t.Fatal(err)
	}
	if got := messageIDOf(t, s, subs[0].ID); got != "<f0@x>" {
		t.Errorf("failed delivery: message ID %q, want <f0@x>", got)
	}
	// Let go once written: a later state write does not carry it again.
	if _, held := s.marks.heldFor(markKey{"2026-03-10", subs[0].ID}); held {
		t.Error("mark still held after its state was recorded")
	}

	mark(1, "<t1@x>")
	if err := s.SetDeliveryMessageID(ctx, "2026-03-10", subs[1].ID, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkDelivery(ctx, "2026-03-10", subs[1].ID, store.DeliveryRetrying, "451 try later"); err != nil {
		t.Fatal(err)
	}
	if got := messageIDOf(t, s, subs[1].ID); got != "" {
		t.Errorf("mark taken back: message ID %q in the ledger", got)
	}

	s.marks.max = 10 // one line per file from here
	mark(2, "<a2@x>")
	mark(2, "<b2@x>") // the first attempt's state was never recorded
	if err := s.MarkDelivery(ctx, "2026-03-10", subs[2].ID, store.DeliverySent, ""); err != nil {
		t.Fatal(err)
	}
	if got := messageIDOf(t, s, subs[2].ID); got != "<b2@x>" {
		t.Errorf("marked twice: message ID %q, want the second", got)
	}
	closeLeaves(t, s, path, 1, "the first attempt's, kept")
}

// TestRecoverMarksAcrossFiles: a dead process's files are read as one
// journal in the order it wrote them, so a mark taken back in a later file
// (after a rotation) stays taken back, and a later mark wins.
func TestRecoverMarksAcrossFiles(t *testing.T) {
	ctx := context.Background()
	s, path, subs := markSite(t, 2)
	files := map[string]string{
		// Written in this order: seq 2 after seq 10 would be wrong if
		// sorted as text.
		"4242.0000abcd.2.marks":  fmt.Sprintf("2026-03-10\t%d\t<old@x>\n2026-03-10\t%d\t<b1@x>\n", subs[0].ID, subs[1].ID),
		"4242.0000abcd.10.marks": fmt.Sprintf("2026-03-10\t%d\t-\n2026-03-10\t%d\t<b2@x>\n", subs[0].ID, subs[1].ID),
	}
	for name, body := range files {
		writeJournal(t, path, name, []byte(body))
	}
	n, err := s.RecoverMarks(ctx)
	if err != nil || n != 1 {
		t.Fatalf("RecoverMarks = %d, %v; want 1", n, err)
	}
	// Reader 0: taken back in the later file; reader 1: the later mark.
	recovered(t, s, path, map[int64]string{subs[0].ID: "", subs[1].ID: "<b2@x>"})
}

// TestRecoverMarksCutLines: in a journal file (zeros after its last line),
// a line a kill cut short — no newline yet, or zeros where bytes were not
// copied yet — marks nothing.
func TestRecoverMarksCutLines(t *testing.T) {
	ctx := context.Background()
	s, path, subs := markSite(t, 3)
	body := fmt.Sprintf("2026-03-10\t%d\t<whole@x>\n", subs[0].ID) +
		fmt.Sprintf("2026-03-10\t%d\t<ho\x00\x00@x>\n", subs[1].ID) +
		fmt.Sprintf("2026-03-10\t%d\t<cut@x>", subs[2].ID)
	data := append([]byte(body), make([]byte, 4096)...)
	writeJournal(t, path, "77.0000feed.1.marks", data)
	if n, err := s.RecoverMarks(ctx); err != nil || n != 1 {
		t.Fatalf("RecoverMarks = %d, %v; want 1", n, err)
	}
	for i, want := range []string{"<whole@x>", "", ""} {
		if got := messageIDOf(t, s, subs[i].ID); got != want {
			t.Errorf("reader %d: message ID %q, want %q", i, got, want)
		}
	}
}

// TestWriteZeros: the fallback allocation fills the file to its capacity,
// a whole number of chunks or not.
func TestWriteZeros(t *testing.T) {
	for _, n := range []int64{1, 64 << 10, 100_000} {
		f, err := os.Create(filepath.Join(t.TempDir(), "z"))
		if err != nil {
			t.Fatal(err)
		}
		if err := writeZeros(f, n); err != nil {
			t.Fatal(err)
		}
		f.Close()
		b, err := os.ReadFile(f.Name())
		if err != nil {
			t.Fatal(err)
		}
		if int64(len(b)) != n || bytes.IndexFunc(b, func(r rune) bool { return r != 0 }) >= 0 {
			t.Errorf("writeZeros(%d): %d bytes, not all zero", n, len(b))
		}
	}
}
