package mailer

import (
	"context"
	"errors"
)

// Committer is a Transport that can run a hook at the last moment before
// the server takes responsibility for a message: after the whole message
// has been written and before the end-of-data mark ("." on its own line)
// that makes the server accept it. When commit returns an error the mark is
// never sent and the connection is closed, so the server discards the
// message. A delivery ledger uses it to record "about to be accepted"
// durably, so that after a crash it knows whether the server may have the
// message (docs/delivery.md). SMTPTransport and FileTransport implement it.
type Committer interface {
	SendCommit(ctx context.Context, env Envelope, msg []byte, commit func() error) error
}

// ErrCommit wraps the error of a commit hook: the message was not sent.
var ErrCommit = errors.New("mailer: commit hook failed; message not sent")
