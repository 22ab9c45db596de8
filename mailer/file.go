package mailer

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
)

// FileTransport writes each message to its own .eml file in an outbox
// folder. The name comes from the Message-ID, so sending the same message
// again (same Message-ID) leaves the first file in place: the outbox holds
// one file per message whatever the retries. Files appear atomically
// (written to a temporary file, synced, then linked or renamed into place).
type FileTransport struct {
	dir string
}

// NewFileTransport creates dir when needed and returns a transport writing
// into it.
func NewFileTransport(dir string) (*FileTransport, error) {
	if dir == "" {
		return nil, errors.New("mailer: file transport: no outbox folder")
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("mailer: file transport: %w", err)
	}
	return &FileTransport{dir: dir}, nil
}

// Dir returns the outbox folder.
func (f *FileTransport) Dir() string { return f.dir }

// FileName returns the outbox file name for msg: the Message-ID when it is
// made of safe characters, else a hash of it (or of the message when it has
// no Message-ID), with ".eml".
func FileName(msg []byte) string {
	id := ""
	if m, err := mail.ReadMessage(bytes.NewReader(msg)); err == nil {
		id = strings.TrimSpace(m.Header.Get("Message-Id"))
	}
	id = strings.TrimSuffix(strings.TrimPrefix(id, "<"), ">")
	if id == "" {
		sum := sha256.Sum256(msg)
		return "sha256-" + hex.EncodeToString(sum[:16]) + ".eml"
	}
	safe := len(id) <= 200 && id[0] != '.'
	for i := 0; safe && i < len(id); i++ {
		c := id[i]
		safe = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '.' || c == '-' || c == '_' || c == '@' || c == '+' || c == '='
	}
	if safe {
		return id + ".eml"
	}
	sum := sha256.Sum256([]byte(id))
	return "mid-" + hex.EncodeToString(sum[:16]) + ".eml"
}

// Send writes msg to the outbox unless a file for the same Message-ID is
// already there. The envelope is not recorded: the headers name the
// recipients.
func (f *FileTransport) Send(ctx context.Context, env Envelope, msg []byte) error {
	return f.SendCommit(ctx, env, msg, nil)
}

// SendCommit is Send with a commit hook (see Committer): commit runs once
// the message is durably in a temporary file, before it appears in the
// outbox; when it fails, the outbox is left unchanged.
func (f *FileTransport) SendCommit(ctx context.Context, env Envelope, msg []byte, commit func() error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(env.To) == 0 {
		return &SendError{Stage: "rcpt", Err: errors.New("no recipients")}
	}
	final := filepath.Join(f.dir, FileName(msg))
	if _, err := os.Lstat(final); err == nil {
		return nil
	}
	tmp, err := os.CreateTemp(f.dir, ".tmp-*.eml")
	if err != nil {
		return f.fail(err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(msg); err != nil {
		tmp.Close()
		return f.fail(err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return f.fail(err)
	}
	if err := tmp.Close(); err != nil {
		return f.fail(err)
	}
	if err := os.Chmod(tmp.Name(), 0o640); err != nil {
		return f.fail(err)
	}
	if commit != nil {
		if err := commit(); err != nil {
			return fmt.Errorf("%w: %w", ErrCommit, err)
		}
	}
	// A hard link never replaces an existing file: when two senders race on
	// the same message, the first one wins and the second is a no-op.
	if err := os.Link(tmp.Name(), final); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil
		}
		// File systems without hard links: rename (atomic, last one wins).
		if err := os.Rename(tmp.Name(), final); err != nil {
			return f.fail(err)
		}
	}
	if d, err := os.Open(f.dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

func (f *FileTransport) fail(err error) error {
	return &SendError{Stage: "write", Temporary: true, Err: err}
}

// Close does nothing; it is there to satisfy Transport.
func (f *FileTransport) Close() error { return nil }
