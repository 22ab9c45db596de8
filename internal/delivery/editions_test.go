package delivery

import (
	"testing"
	"time"
)

// The prepare job of digest.approval: required runs prepare_before each
// send time, also across midnight.
func TestPrepareScheduleRunsBefore(t *testing.T) {
	t.Parallel()
	loc := riyadh(t)
	sched, err := Schedule("30 0 * * *", loc) // 00:30: the job runs the evening before
	if err != nil {
		t.Fatal(err)
	}
	e := earlier{s: sched, d: time.Hour}
	for _, tt := range []struct{ from, want time.Time }{
		{time.Date(2026, 3, 10, 12, 0, 0, 0, loc), time.Date(2026, 3, 10, 23, 30, 0, 0, loc)},
		{time.Date(2026, 3, 10, 23, 30, 0, 0, loc), time.Date(2026, 3, 11, 23, 30, 0, 0, loc)},
		{time.Date(2026, 3, 10, 23, 0, 0, 0, loc), time.Date(2026, 3, 10, 23, 30, 0, 0, loc)},
	} {
		if got := e.Next(tt.from); !got.Equal(tt.want) {
			t.Errorf("Next(%s) = %s, want %s", tt.from, got.In(loc), tt.want)
		}
	}
}
