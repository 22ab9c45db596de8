package delivery

import (
	"context"
	"testing"

	"github.com/nashra/nashra/internal/store"
)

// BenchmarkRender renders the fixture edition for one subscriber after
// another: the CPU a send spends before the SMTP transaction.
func BenchmarkRender(b *testing.B) {
	st := openStore(b)
	svc := newService(b, st, nil, nil, testOptions(b))
	_, e, err := svc.Edition(context.Background(), testDay)
	if err != nil {
		b.Fatal(err)
	}
	sub := &store.Subscriber{Email: "reader@example.org", Name: "قارئ", Status: store.StatusConfirmed}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		sub.ID = int64(i + 1)
		if _, _, _, err := svc.Render(e, sub); err != nil {
			b.Fatal(err)
		}
	}
}
