package delivery

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/mailer"
)

// TestTakeover: a job attempt that finds its delivery left in "sending" by
// a dead attempt sends it again when the dead attempt had not reached the
// commit mark, and records it as sent without sending when it had. With
// the file outbox (idempotent by Message-ID) it always writes again.
func TestTakeover(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := openStore(t)
	subs := addSubscribers(t, st, 3)
	sink := startSink(t, nil)
	outbox := t.TempDir()
	ft, err := mailer.NewFileTransport(outbox)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		tr      mailer.Transport
		sub     store.Subscriber
		mark    bool
		want    Outcome
		wantMsg int
	}{
		{"smtp, died before the mark", smtpTransport(t, sink.Addr), subs[0], false, Sent, 1},
		{"smtp, died after the mark", smtpTransport(t, sink.Addr), subs[1], true, AssumedSent, 0},
		{"file outbox, died after the mark", ft, subs[2], true, Sent, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			svc := newService(t, st, tc.tr, nil, testOptions(t))
			if _, _, err := svc.Edition(ctx, testDay); err != nil {
				t.Fatal(err)
			}
			if _, err := st.EnqueueDeliveries(ctx, testDay, []store.Subscriber{tc.sub}); err != nil {
				t.Fatal(err)
			}
			// The dead attempt: claimed, maybe marked, never finished.
			if _, ok, err := st.ClaimDelivery(ctx, testDay, tc.sub.ID); err != nil || !ok {
				t.Fatalf("claim: %v %v", ok, err)
			}
			if tc.mark {
				if err := st.SetDeliveryMessageID(ctx, testDay, tc.sub.ID, svc.messageID(testDay, tc.sub.ID)); err != nil {
					t.Fatal(err)
				}
			}
			before := len(sink.Messages())
			files, _ := os.ReadDir(outbox)
			out, err := svc.Deliver(ctx, testDay, tc.sub.ID)
			if err != nil || out != tc.want {
				t.Fatalf("Deliver = %v, %v; want %v", out, err, tc.want)
			}
			files2, _ := os.ReadDir(outbox)
			if got := len(sink.Messages()) - before + len(files2) - len(files); got != tc.wantMsg {
				t.Fatalf("%d messages sent, want %d", got, tc.wantMsg)
			}
			ds, err := st.ListDeliveries(ctx, testDay, store.DeliverySent, 0)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, d := range ds {
				if d.SubscriberID == tc.sub.ID {
					found = true
					if assumed := strings.HasPrefix(d.LastError, "assumed sent"); assumed != (tc.want == AssumedSent) {
						t.Errorf("last error %q", d.LastError)
					}
				}
			}
			if !found {
				t.Fatal("delivery not recorded as sent")
			}
			// And again: nothing more.
			if out, err := svc.Deliver(ctx, testDay, tc.sub.ID); err != nil || out != Skipped {
				t.Fatalf("second Deliver = %v, %v", out, err)
			}
		})
	}
}
