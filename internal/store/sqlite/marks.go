package sqlite

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/nashra/nashra/internal/store"
)

// The delivery commit mark on SQLite goes to a journal file first: a line
// copied into a file mapped with MAP_SHARED is as durable against a kill as
// a commit with synchronous=NORMAL (both are in the kernel's page cache),
// and the SMTP end of data is then the next system call, where a commit
// through SQLite would still release locks and hand the connection over
// first. The message ID is committed to the ledger right after the
// server's reply, as on PostgreSQL (store.MarkSender); journals of
// processes that died are read back into the ledger before their
// deliveries are taken over (RecoverMarks). The fault model is in
// docs/delivery.md.
//
// Each process writes its own files, named PID.RANDOM.SEQ.marks, in a
// folder beside the database (DB-marks), and holds an exclusive flock on
// each while it lives: a file that can be locked belongs to a dead process.
// A file is renamed into place only once locked, so recovery never sees an
// unlocked live one. A line is "edition TAB subscriber TAB message-id NL",
// or "edition TAB subscriber TAB - NL" when the mark is taken back (the
// server refused the message after its end of data); within a file the
// last line of a delivery counts. Recovery sets the message ID of a
// delivery still "sending" without one. Once a mark's message ID is in the
// ledger, or its delivery has moved on from "sending", its line is no
// longer needed: a file past markFileMax is retired and removed when its
// last pending mark is settled, and the files left at a clean exit are
// removed.
//
// The message ID reaches the ledger with the delivery's next state, in the
// same statement: "sent" (MarkDelivery, which Deliver calls right after
// the reply), or "failed", or the mark taken back after a refusal
// (SetDeliveryMessageID with ""). That spares the send path one of its
// three ledger writes per message; until then the journal holds the mark.

// markFileMax is the size of a journal file (zeros after its last line);
// when the next line does not fit, the file is retired.
const markFileMax = 1 << 20

// recoverMarkSQL applies a journal's mark to its delivery if that is still
// "sending" without a message ID.
const recoverMarkSQL = `UPDATE deliveries SET message_id = ?1
WHERE edition_id = ?2 AND subscriber_id = ?3 AND state = 'sending' AND message_id = ''`

type markJournal struct {
	dir   string
	owner string // "PID.RAND": the names of this process's files start with it
	max   int64  // markFileMax (tests lower it)
	mu    sync.Mutex
	cur   *markFile
	open  map[string]*markFile // this process's files, by name
	seq   int
	// held: the marks whose message ID waits for the delivery's next
	// state to reach the ledger.
	held map[markKey]heldMark
}

type markKey struct {
	edition string
	sub     int64
}

type heldMark struct {
	mf        *markFile
	messageID string
}

type markFile struct {
	f        *os.File
	mem      []byte // the file, mapped shared: a mark is a copy into it
	name     string
	size     int64
	capacity int64
	pending  int  // marks written whose message ID is not yet in the ledger
	keep     bool // a mark's ledger write failed: recovery needs the file
	retiring bool
}

func newMarkJournal(dbPath string) *markJournal {
	return &markJournal{dir: dbPath + "-marks", owner: fmt.Sprintf("%d.%08x", os.Getpid(), rand.Uint32()),
		max: markFileMax, open: map[string]*markFile{}, held: map[markKey]heldMark{}}
}

// newFile creates, sizes, maps, locks and then names a journal file of
// capacity bytes (j.mu held). The file is zeros beyond its last line.
func (j *markJournal) newFile(capacity int64) (*markFile, error) {
	if err := os.MkdirAll(j.dir, 0o750); err != nil {
		return nil, err
	}
	j.seq++
	name := fmt.Sprintf("%s.%d.marks", j.owner, j.seq)
	tmp := filepath.Join(j.dir, name+".new")
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*markFile, error) {
		f.Close()
		os.Remove(tmp)
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return fail(fmt.Errorf("lock %s: %w", tmp, err))
	}
	// Allocated, not just sized: a store into a mapped page with no disk
	// block behind it, on a full disk, would kill the process (SIGBUS);
	// here the mark fails with ENOSPC instead and nothing is sent.
	if err := allocate(f, capacity); err != nil {
		return fail(fmt.Errorf("allocate %s: %w", tmp, err))
	}
	mem, err := syscall.Mmap(int(f.Fd()), 0, int(capacity), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	if err != nil {
		return fail(fmt.Errorf("map %s: %w", tmp, err))
	}
	if err := os.Rename(tmp, filepath.Join(j.dir, name)); err != nil {
		syscall.Munmap(mem)
		return fail(err)
	}
	mf := &markFile{f: f, mem: mem, name: name, capacity: capacity}
	j.open[name] = mf
	return mf, nil
}

// release unmaps and closes a file (j.mu held).
func (mf *markFile) release() {
	syscall.Munmap(mf.mem)
	mf.f.Close()
}

// append copies one line into the current file and returns the file. The
// copy into the shared mapping is the mark: the page belongs to the
// kernel's page cache, so it outlives this process however it is killed,
// and no system call comes between it and the caller's end of data (a kill
// that arrives during a write(2) takes effect when the call returns, the
// mark durable: the whole call was part of the window; with write(2) the
// SIGKILL test still skipped a reader in about one run of fifty). Nothing
// is allocated after the copy on the success path.
func (j *markJournal) append(line []byte) (*markFile, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.cur == nil || j.cur.size+int64(len(line)) > j.cur.capacity {
		mf, err := j.newFile(max(j.max, int64(len(line))))
		if err != nil {
			return nil, err
		}
		if old := j.cur; old != nil {
			old.retiring = true
			j.maybeRemove(old)
		}
		j.cur = mf
	}
	mf := j.cur
	copy(mf.mem[mf.size:], line)
	mf.size += int64(len(line))
	mf.pending++
	return mf, nil
}

// used reports whether this process has written a journal.
func (j *markJournal) used() bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	return len(j.open) > 0
}

// done records that a mark's message ID is in the ledger (ok) or could not
// be written there (the file is then kept for recovery).
func (j *markJournal) done(mf *markFile, ok bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.settleLocked(mf, ok)
}

// settleLocked is done with j.mu held.
func (j *markJournal) settleLocked(mf *markFile, ok bool) {
	mf.pending--
	if !ok {
		mf.keep = true
	}
	j.maybeRemove(mf)
}

// hold records that the message ID of a mark in mf goes to the ledger
// with its delivery's next state. A mark still held for the same delivery
// (its state write failed) is let go with its file kept for recovery.
func (j *markJournal) hold(k markKey, mf *markFile, messageID string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if old, ok := j.held[k]; ok {
		j.settleLocked(old.mf, false)
	}
	j.held[k] = heldMark{mf: mf, messageID: messageID}
}

// heldFor returns the mark held for a delivery, if any.
func (j *markJournal) heldFor(k markKey) (heldMark, bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	h, ok := j.held[k]
	return h, ok
}

// release lets go of the mark held for a delivery, now in the ledger or
// moot (the delivery moved on from "sending").
func (j *markJournal) release(k markKey, h heldMark) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if cur, ok := j.held[k]; ok && cur == h {
		delete(j.held, k)
		j.settleLocked(h.mf, true)
	}
}

// maybeRemove removes a retired file with no pending mark (j.mu held).
func (j *markJournal) maybeRemove(mf *markFile) {
	if !mf.retiring || mf.pending > 0 || mf.keep {
		return
	}
	os.Remove(filepath.Join(j.dir, mf.name))
	mf.release()
	delete(j.open, mf.name)
}

// close removes the files whose marks are all in the ledger and unlocks the
// others (recovery reads them).
func (j *markJournal) close() {
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, mf := range j.open {
		mf.retiring = true
		if mf.pending > 0 || mf.keep {
			mf.release()
			continue
		}
		j.maybeRemove(mf)
	}
	j.open, j.cur = map[string]*markFile{}, nil
}

// markLine is one journal line; messageID "" takes a mark back.
func markLine(editionID string, subscriberID int64, messageID string) ([]byte, error) {
	if messageID == "" {
		messageID = "-"
	}
	if strings.ContainsAny(editionID+messageID, "\t\n") {
		return nil, fmt.Errorf("sqlite: mark %s/%d: tab or newline in edition or message ID", editionID, subscriberID)
	}
	line := make([]byte, 0, len(editionID)+len(messageID)+24)
	line = append(line, editionID...)
	line = append(line, '\t')
	line = strconv.AppendInt(line, subscriberID, 10)
	line = append(line, '\t')
	line = append(line, messageID...)
	return append(line, '\n'), nil
}

// SendDeliveryMessageID implements store.MarkSender: the mark is a line in
// this process's journal, durable against a kill once written. wait holds
// the mark until the delivery's next state is recorded (MarkDelivery or
// SetDeliveryMessageID), which writes the message ID to the ledger in the
// same statement; it returns nil: the journal has the mark.
func (s *Store) SendDeliveryMessageID(ctx context.Context, editionID string, subscriberID int64, messageID string) (func() error, error) {
	line, err := markLine(editionID, subscriberID, messageID)
	if err != nil {
		return nil, err
	}
	// wait is made before the write: nothing is allocated between the
	// write and the caller's end of data.
	var mf *markFile
	wait := func() error {
		s.marks.hold(markKey{editionID, subscriberID}, mf, messageID)
		return nil
	}
	if mf, err = s.marks.append(line); err != nil {
		return nil, fmt.Errorf("sqlite: mark %s/%d: journal: %w", editionID, subscriberID, err)
	}
	return wait, nil
}

// MarkDelivery implements store.Ledger. A delivery whose commit mark is
// held in the journal gets its message ID in the same statement; the mark
// is then let go (a delivery no longer "sending" needs none).
func (s *Store) MarkDelivery(ctx context.Context, editionID string, subscriberID int64, state store.DeliveryState, errText string) error {
	k := markKey{editionID, subscriberID}
	h, held := s.marks.heldFor(k)
	if !held {
		return s.Core.MarkDelivery(ctx, editionID, subscriberID, state, errText)
	}
	err := s.Core.MarkDeliveryMessageID(ctx, editionID, subscriberID, state, errText, h.messageID)
	if err == nil || errors.Is(err, store.ErrDeliveryFinal) {
		s.marks.release(k, h)
	}
	return err
}

// SetDeliveryMessageID implements store.Ledger. Taking a mark back ("")
// also takes it back in the journal, where this process may have written
// it, before the ledger, and lets go of a mark held for the delivery.
func (s *Store) SetDeliveryMessageID(ctx context.Context, editionID string, subscriberID int64, messageID string) error {
	if messageID == "" && s.marks.used() {
		line, err := markLine(editionID, subscriberID, "")
		if err != nil {
			return err
		}
		mf, err := s.marks.append(line)
		if err != nil {
			return fmt.Errorf("sqlite: clear mark %s/%d: journal: %w", editionID, subscriberID, err)
		}
		s.marks.done(mf, true)
	}
	k := markKey{editionID, subscriberID}
	h, held := s.marks.heldFor(k)
	if err := s.Core.SetDeliveryMessageID(ctx, editionID, subscriberID, messageID); err != nil {
		return err
	}
	if held {
		s.marks.release(k, h)
	}
	return nil
}

// RecoverMarks implements store.MarkRecoverer: it applies the journals of
// dead processes to the ledger and removes them, and returns how many
// deliveries it marked.
func (s *Store) RecoverMarks(ctx context.Context) (int, error) {
	j := s.marks
	ents, err := os.ReadDir(j.dir)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("sqlite: recover marks: %w", err)
	}
	// A process's files, in the order it wrote them: a mark taken back
	// in a later file than the mark's must still take it back.
	type file struct {
		seq  int
		path string
	}
	byOwner := map[string][]file{}
	for _, e := range ents {
		name := e.Name()
		if strings.HasSuffix(name, ".marks.new") {
			removeAbandoned(filepath.Join(j.dir, name))
			continue
		}
		owner, seq, ok := parseMarkName(name)
		if !ok || owner == j.owner {
			continue
		}
		byOwner[owner] = append(byOwner[owner], file{seq, filepath.Join(j.dir, name)})
	}
	marked := 0
	var errs []error
	for _, files := range byOwner {
		slices.SortFunc(files, func(a, b file) int { return a.seq - b.seq })
		paths := make([]string, len(files))
		for i, f := range files {
			paths[i] = f.path
		}
		n, err := s.recoverOwner(ctx, paths)
		marked += n
		if err != nil {
			errs = append(errs, err)
		}
	}
	return marked, errors.Join(errs...)
}

// parseMarkName splits "PID.RAND.SEQ.marks" into its owner ("PID.RAND")
// and sequence number.
func parseMarkName(name string) (owner string, seq int, ok bool) {
	base, found := strings.CutSuffix(name, ".marks")
	if !found {
		return "", 0, false
	}
	i := strings.LastIndexByte(base, '.')
	if i <= 0 {
		return "", 0, false
	}
	seq, err := strconv.Atoi(base[i+1:])
	if err != nil {
		return "", 0, false
	}
	return base[:i], seq, true
}

// recoverOwner applies one dead process's journal files, given in the
// order they were written, and removes them. A file still locked means
// the process lives: its files are left alone. It is long because lock,
// read, apply and remove must happen in this order for every file, with
// the lock held throughout (see the journal's comment above).
func (s *Store) recoverOwner(ctx context.Context, paths []string) (int, error) {
	type key struct {
		edition string
		sub     int64
	}
	last := map[key]string{}
	var order []key
	var read []string
	for _, path := range paths {
		f, err := os.Open(path)
		if errors.Is(err, os.ErrNotExist) {
			continue // another process recovered it
		}
		if err != nil {
			return 0, fmt.Errorf("sqlite: recover marks: %w", err)
		}
		defer f.Close()
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			if errors.Is(err, syscall.EWOULDBLOCK) {
				return 0, nil // its process is alive
			}
			return 0, fmt.Errorf("sqlite: recover marks: lock %s: %w", path, err)
		}
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			continue // recovered and removed while we took the lock
		}
		data, err := io.ReadAll(f)
		if err != nil {
			return 0, fmt.Errorf("sqlite: recover marks %s: %w", path, err)
		}
		// Only lines that end in a newline count: what follows the last
		// one is the file's zeros, or a line a kill cut short. A line with
		// a zero byte in it was cut short too (a copy stores its bytes in
		// no promised order).
		lines := bytes.Split(data, []byte{'\n'})
		for _, ln := range lines[:len(lines)-1] {
			if bytes.IndexByte(ln, 0) >= 0 {
				continue
			}
			fields := bytes.Split(ln, []byte{'\t'})
			if len(fields) != 3 {
				continue
			}
			sub, err := strconv.ParseInt(string(fields[1]), 10, 64)
			mid := string(fields[2])
			if err != nil || mid != "-" && (!strings.HasPrefix(mid, "<") || !strings.HasSuffix(mid, ">")) {
				continue
			}
			k := key{string(fields[0]), sub}
			if _, seen := last[k]; !seen {
				order = append(order, k)
			}
			last[k] = mid
		}
		read = append(read, path)
	}
	if len(read) == 0 {
		return 0, nil
	}
	tx, err := s.DB().BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("sqlite: recover marks: %w", err)
	}
	defer tx.Rollback()
	marked := 0
	for _, k := range order {
		mid := last[k]
		if mid == "-" {
			continue
		}
		res, err := tx.ExecContext(ctx, recoverMarkSQL, mid, k.edition, k.sub)
		if err != nil {
			return 0, fmt.Errorf("sqlite: recover marks: %w", err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			marked++
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("sqlite: recover marks: %w", err)
	}
	var errs []error
	for _, path := range read {
		if err := os.Remove(path); err != nil {
			errs = append(errs, err)
		}
	}
	return marked, errors.Join(errs...)
}

// removeAbandoned removes a journal file that a process created but died
// before naming (it holds no mark: lines are written only once named).
func removeAbandoned(path string) {
	f, err := os.Open(path)
	if err != nil {
		return
	}
	defer f.Close()
	if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil {
		os.Remove(path)
	}
}

// writeZeros writes capacity zero bytes to f from its start.
func writeZeros(f *os.File, capacity int64) error {
	zeros := make([]byte, 64<<10)
	for off := int64(0); off < capacity; off += int64(len(zeros)) {
		if _, err := f.WriteAt(zeros[:min(int64(len(zeros)), capacity-off)], off); err != nil {
			return err
		}
	}
	return nil
}
