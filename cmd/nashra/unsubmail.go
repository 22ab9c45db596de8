package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/nashra/nashra/internal/backend"
	"github.com/nashra/nashra/internal/config"
	"github.com/nashra/nashra/internal/subscribe"
)

// maxRequestMail bounds one message read for an unsubscribe request.
const maxRequestMail = 1 << 20

func newSubscribersUnsubscribeMailCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "unsubscribe-mail [FILE...]",
		Short: "Apply unsubscribe requests sent to the mailto: address of List-Unsubscribe",
		Long: `Reads email messages sent to the unsubscribe mailbox (mail.unsubscribe, by
default unsubscribe@ the domain of mail.from) and unsubscribes the reader each
one names by its signed token, whoever sent it, from the newsletter the token
names (each newsletter's List-Unsubscribe carries its own); the report names it.

With FILE arguments (.eml files, for example from a Maildir), each message is
reported on a line; the exit status is 2 when any was refused.

Without arguments it reads one message on standard input, as a mail alias
pipe does ("unsubscribe: |nashra --config /etc/nashra/config.yaml subscribers
unsubscribe-mail" in /etc/aliases): a message without a valid token is
reported on stderr and accepted (exit 0, so no bounce goes to a forged
sender), and a database failure exits 75 (EX_TEMPFAIL) so that the mail
server delivers it again later.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			err := a.withBackend(ctx, func(cfg *config.Config, b *backend.Backend) error {
				svc, _, tr, err := newSubscribeService(ctx, a, cfg, b)
				if err != nil {
					return err
				}
				defer tr.Close()
				out, errOut := cmd.OutOrStdout(), cmd.ErrOrStderr()
				apply := func(name string, r io.Reader) error {
					b, err := io.ReadAll(io.LimitReader(r, maxRequestMail))
					if err != nil {
						return fmt.Errorf("%s: %w", name, err)
					}
					sub, n, already, err := svc.UnsubscribeMail(ctx, bytes.NewReader(b))
					switch {
					case err == nil && already:
						fmt.Fprintf(out, "%s: %s had already left %s\n", name, sub.Email, newsletterName(n))
					case err == nil:
						fmt.Fprintf(out, "%s: %s unsubscribed from %s\n", name, sub.Email, newsletterName(n))
					}
					return err
				}
				if len(args) == 0 {
					err := apply("stdin", cmd.InOrStdin())
					if err == nil || refused(err) {
						if err != nil {
							fmt.Fprintf(errOut, "nashra: unsubscribe request refused: %v\n", err)
						}
						return nil
					}
					return fmt.Errorf("unsubscribe request: %w", err)
				}
				failed := 0
				for _, name := range args {
					f, err := os.Open(name)
					if err == nil {
						err = apply(name, f)
						f.Close()
					}
					if err != nil {
						failed++
						fmt.Fprintf(errOut, "%s: refused: %v\n", name, err)
					}
				}
				if failed > 0 {
					return fmt.Errorf("%w: %d of %d requests refused", errPartial, failed, len(args))
				}
				return nil
			})
			if err != nil && len(args) == 0 {
				// The message is not lost: the mail server keeps it and
				// delivers it again once the store (or the config) is fixed.
				return fmt.Errorf("%w: %w", errTempFail, err)
			}
			return err
		},
	}
}

// newsletterName names a newsletter for a report line: its slug, and its
// name when it has one of its own.
func newsletterName(n subscribe.Newsletter) string {
	if n.Name == "" || n.Name == n.Slug {
		return n.Slug
	}
	return fmt.Sprintf("%s (%s)", n.Slug, n.Name)
}

// refused reports whether err is the request's fault (no token, a bad or
// expired one, not an email) rather than the database's.
func refused(err error) bool {
	return errors.Is(err, subscribe.ErrNoToken) || errors.Is(err, subscribe.ErrNotMail) ||
		errors.Is(err, subscribe.ErrInvalidToken) || errors.Is(err, subscribe.ErrExpiredToken)
}
