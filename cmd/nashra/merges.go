package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/nashra/nashra/internal/store"
)

// reportMerges prints, once, the subscribers that the case-insensitive
// address migration merged into another: the admin should know that a
// record went, and which one kept the address.
func reportMerges(ctx context.Context, w io.Writer, st store.Store) error {
	ms, err := st.TakeSubscriberMerges(ctx)
	if err != nil || len(ms) == 0 {
		return err
	}
	fmt.Fprintf(w, "nashra: %d subscribers differed from another only in the case of their address and were merged into it (the earliest confirmed is kept):\n", len(ms))
	for _, m := range ms {
		when := "never confirmed"
		if !m.ConfirmedAt.IsZero() {
			when = "confirmed " + m.ConfirmedAt.UTC().Format(time.DateOnly)
		}
		fmt.Fprintf(w, "  removed %s (id %d, %s, %s, name %q) -> kept subscriber %d\n", m.Email, m.ID, m.Status, when, m.Name, m.MergedInto)
	}
	return nil
}
