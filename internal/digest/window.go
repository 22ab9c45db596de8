package digest

import (
	"fmt"
	"time"
)

// DayLayout is the layout of an edition's day: "2006-01-02".
const DayLayout = "2006-01-02"

// Window returns the publication window of the edition for day (YYYY-MM-DD,
// a calendar day in o.Location).
//
// The edition of day D is cut at D's send time, o.SendTime after local
// midnight of D (the wall-clock time of the digest.schedule cron job), so
// to = D at SendTime, and it holds what was published since the previous
// edition: the interval (from, to], open at from and closed at to.
//
// When o.Window is a whole number of days (the default 24h), from is the
// same wall-clock time that many calendar days earlier, so consecutive
// editions tile time exactly even across a daylight-saving change (the
// window is then 23 or 25 hours long). Any other window is a plain
// duration: from = to - Window.
func Window(day string, o Options) (from, to time.Time, err error) {
	o = o.withDefaults()
	d, err := time.ParseInLocation(DayLayout, day, o.Location)
	if err != nil {
		return time.Time{}, time.Time{}, fmt.Errorf("digest: day %q: want YYYY-MM-DD: %w", day, err)
	}
	if o.Window < 0 {
		return time.Time{}, time.Time{}, fmt.Errorf("digest: window must be positive, got %s", o.Window)
	}
	if o.SendTime < 0 || o.SendTime >= 24*time.Hour {
		return time.Time{}, time.Time{}, fmt.Errorf("digest: send time must be within a day, got %s", o.SendTime)
	}
	to = atWallClock(d.Year(), d.Month(), d.Day(), o.SendTime, o.Location)
	if o.Window%(24*time.Hour) == 0 {
		days := int(o.Window / (24 * time.Hour))
		from = atWallClock(d.Year(), d.Month(), d.Day()-days, o.SendTime, o.Location)
	} else {
		from = to.Add(-o.Window)
	}
	return from, to, nil
}

// atWallClock is the instant at wall-clock offset off after midnight of the
// given day in loc. Hours, minutes and seconds are passed to time.Date
// separately so a DST change earlier that day does not shift the result.
func atWallClock(y int, m time.Month, d int, off time.Duration, loc *time.Location) time.Time {
	h := int(off / time.Hour)
	mi := int(off % time.Hour / time.Minute)
	s := int(off % time.Minute / time.Second)
	return time.Date(y, m, d, h, mi, s, 0, loc)
}

// DayOf returns the edition day (YYYY-MM-DD) whose window contains t when
// the default one-day window is used: the local day of t, or the next day
// when t is after that day's send time.
func DayOf(t time.Time, o Options) string {
	o = o.withDefaults()
	lt := t.In(o.Location)
	cut := atWallClock(lt.Year(), lt.Month(), lt.Day(), o.SendTime, o.Location)
	if lt.After(cut) {
		lt = time.Date(lt.Year(), lt.Month(), lt.Day()+1, 12, 0, 0, 0, o.Location)
	}
	return lt.Format(DayLayout)
}
