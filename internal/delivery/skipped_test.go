package delivery

import (
	"context"
	"strings"
	"testing"

	"github.com/nashra/nashra/internal/store"
)

// TestSkipped: subscribers left without a story by their categories, or
// paused or unsubscribed between the enqueue and the send, are recorded as
// skipped (with a note), not failed, receive nothing, and count no bounce.
func TestSkipped(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := openStore(t)
	subs := addSubscribers(t, st, 4)
	// subs[3] has categories ["رياضة"] (see addSubscribers); give subs[0]
	// a category no story has.
	subs[0].Categories = []string{"فلك"}
	if err := st.UpdateSubscriber(ctx, &subs[0]); err != nil {
		t.Fatal(err)
	}
	sink := startSink(t, nil)
	svc := newService(t, st, smtpTransport(t, sink.Addr), nil, testOptions(t))
	q := sqliteQueue(t, st, svc, QueueOptions{Workers: 1})
	if _, err := svc.Prepare(ctx, q, testDay); err != nil {
		t.Fatal(err)
	}
	subs[1].Paused = true
	if err := st.UpdateSubscriber(ctx, &subs[1]); err != nil {
		t.Fatal(err)
	}
	if err := st.RemoveSubscriber(ctx, subs[2].Email); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		sub       store.Subscriber
		want      Outcome
		state     store.DeliveryState
		errSubstr string
	}{
		{subs[0], Skipped, store.DeliverySkipped, "no story in the chosen categories"},
		{subs[1], Skipped, store.DeliverySkipped, "paused"},
		{subs[2], Skipped, store.DeliverySkipped, "unsubscribed"},
		{subs[3], Sent, store.DeliverySent, ""},
	}
	for _, tc := range tests {
		got, err := svc.Deliver(ctx, testDay, tc.sub.ID)
		if err != nil || got != tc.want {
			t.Errorf("%s: Deliver = %v, %v; want %v", tc.sub.Email, got, err, tc.want)
		}
		// A second attempt finds the delivery final and does nothing.
		if again, err := svc.Deliver(ctx, testDay, tc.sub.ID); err != nil || again != Skipped {
			t.Errorf("%s: second Deliver = %v, %v; want skipped", tc.sub.Email, again, err)
		}
	}
	counts, err := st.DeliveryCounts(ctx, testDay)
	if err != nil {
		t.Fatal(err)
	}
	if counts[store.DeliverySkipped] != 3 || counts[store.DeliverySent] != 1 || counts[store.DeliveryFailed] != 0 {
		t.Errorf("counts = %v, want 3 skipped, 1 sent, 0 failed", counts)
	}
	ds, err := st.ListDeliveries(ctx, testDay, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range ds {
		tc := tests[i]
		if d.State != tc.state || !strings.Contains(d.LastError, tc.errSubstr) {
			t.Errorf("%s: %s %q, want %s with %q", d.Email, d.State, d.LastError, tc.state, tc.errSubstr)
		}
	}
	if per := sink.PerRecipient(); len(per) != 1 || per[subs[3].Email] != 1 {
		t.Errorf("server received %v, want one message for %s", per, subs[3].Email)
	}
	for _, s := range subs[:2] {
		if got, _ := st.GetSubscriber(ctx, s.ID); got.Bounces != 0 {
			t.Errorf("%s: a skip counted as a bounce", s.Email)
		}
	}
}
