package schedule

import (
	"errors"
	"slices"
	"time"
)

// When is a group open?
//
// Every range of a local date D, [start, end) in wall-clock minutes from D's
// midnight (end past 24:00 for a range that runs into D+1), is one interval
// of real time:
//
//	it opens at the first instant the group's clock reaches D start, and
//	closes at the first instant the group's clock reaches D end.
//
// For the ordinary wall-clock time that is simply that time. Around a
// daylight-saving change it decides the two odd cases:
//
//   - A wall-clock time that does not exist (spring forward: 02:00–03:00 on
//     2025-03-30 in Europe/Berlin) is reached when the clock jumps over it, so
//     an opening or a closing at 02:30 happens at 03:00 local (01:00 UTC); a
//     range lying wholly inside the gap (02:10–02:40) is not open that day.
//   - A wall-clock time that happens twice (fall back: 02:00–03:00 on
//     2025-10-26 in Europe/Berlin) is reached at its first occurrence. A range
//     from 02:30 opens at 02:30 CEST and stays open through the repeated hour;
//     a range until 02:30 closes at the first 02:30 (CEST) and does not reopen
//     when the clock shows 02:00–02:30 again; a range 02:15–02:45 covers the
//     first occurrence only.
//
// Equivalently: the group is open at instant t when the highest wall-clock
// time its clock has shown up to t lies in one of the ranges. Intervals that
// overlap or touch ("…–24:00" then "00:00–…", an overnight range and the next
// morning's, a closure's and a weekly one) form one open period; the next
// close is the end of that whole period.
//
// The ranges of D are the closure's for D when there is one (none: closed),
// else the weekly ranges of D's weekday. A range belongs to the day it
// starts: a closure on D replaces the ranges that start on D, including their
// spill-over into D+1, and leaves the spill-over of D−1 into D alone.
// Dates and weekdays are always those of the group's zone, never the
// server's.

// Horizon is how far ahead NextOpen and NextClose look: 14 days of real time
// (336 h) from the given instant.
const Horizon = 14 * 24 * time.Hour

// maxPeriodsWindow bounds the window Periods accepts, so a caller cannot ask
// for unbounded work.
const maxPeriodsWindow = 400 * 24 * time.Hour

// ErrWindow is returned by Periods for a window that is reversed or longer
// than 400 days.
var ErrWindow = errors.New("window must not be reversed or longer than 400 days")

// Period is one open period: open from Start (inclusive) to End (exclusive).
type Period struct {
	Start, End time.Time
}

// Status is what the product page shows about a group at one instant.
type Status struct {
	Open bool // open at that instant
	// NextOpen is nil while open; else the start of the next open period
	// within Horizon, nil when there is none.
	NextOpen *time.Time
	// NextClose is nil while closed; else the end of the current open
	// period, nil when that is more than Horizon away (open around the
	// clock for the next 14 days).
	NextClose *time.Time
}

// Day is one local date of a group's schedule, for the product page.
type Day struct {
	Date string  // YYYY-MM-DD in the group's zone
	Day  Weekday // its weekday
	// Hours are the ranges starting on Date: the closure's when one applies
	// (empty: closed all day), else the week's for Day. Never nil.
	Hours []TimeRange
	// Closure is the closure for Date, nil when the weekly hours apply.
	Closure *Closure
}

// compiled is a Schedule parsed for computation.
type compiled struct {
	loc      *time.Location
	week     [7][]span        // by Weekday.Index, Monday = 0
	closures map[int64][]span // by local day number; present = applies
	closure  map[int64]int    // index into Schedule.Closures
}

// compile parses s. Malformed ranges and closures with a malformed date are
// ignored (they never make a group look open); when several closures share a
// date the first applies. Only an unknown zone is an error.
func (s Schedule) compile() (*compiled, error) {
	loc, err := LoadZone(s.Zone)
	if err != nil {
		return nil, err
	}
	c := &compiled{loc: loc}
	for _, dh := range s.Week {
		if !dh.Day.Valid() {
			continue
		}
		i := dh.Day.Index()
		for _, r := range dh.Hours {
			if sp, ok := parseRange(r); ok {
				c.week[i] = append(c.week[i], sp)
			}
		}
	}
	for i, cl := range s.Closures {
		d, err := ParseDate(cl.Date)
		if err != nil {
			continue
		}
		dn := d.Unix() / secondsPerDay
		if c.closures == nil {
			c.closures = map[int64][]span{}
			c.closure = map[int64]int{}
		}
		if _, dup := c.closures[dn]; dup {
			continue
		}
		spans := []span{}
		for _, r := range cl.Hours {
			if sp, ok := parseRange(r); ok {
				spans = append(spans, sp)
			}
		}
		c.closures[dn] = spans
		c.closure[dn] = i
	}
	return c, nil
}

const secondsPerDay = 24 * 60 * 60

// localDay is the number (days since 1970-01-01) of t's date in loc.
func localDay(t time.Time, loc *time.Location) int64 {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / secondsPerDay
}

// weekdayIndex is the Weekday.Index (Monday = 0) of day number dn; day 0,
// 1970-01-01, was a Thursday.
func weekdayIndex(dn int64) int {
	return int(((dn+3)%7 + 7) % 7)
}

// ranges returns the spans starting on day dn.
func (c *compiled) ranges(dn int64) []span {
	if sp, ok := c.closures[dn]; ok {
		return sp
	}
	return c.week[weekdayIndex(dn)]
}

// reach returns the first instant (Unix seconds) at which the clock in c.loc
// shows the wall-clock time w (seconds since 1970-01-01 00:00 of the local
// calendar) or later. Within one zone period the clock is x+offset, which
// grows with x; so walking the periods from a point surely before w and
// taking, in the first period that gets there, the earliest x with
// x+offset >= w gives the answer, including for a w inside a gap (the
// period after the gap starts at the jump) and a w that happens twice (the
// earlier period gets there first).
func (c *compiled) reach(w int64) int64 {
	// UTC offsets stay well within ±18 h, so the clock shows less than w
	// before w−18h and at least w from w+18h on.
	const bound = 18 * 60 * 60
	x := w - bound
	for range 8 {
		t := time.Unix(x, 0).In(c.loc)
		_, off := t.Zone()
		cand := max(x, w-int64(off))
		_, end := t.ZoneBounds()
		if end.IsZero() || cand < end.Unix() {
			return cand
		}
		x = end.Unix()
	}
	// Unreachable with real zone data (eight transitions within 36 h);
	// answer the plain conversion rather than loop.
	_, off := time.Unix(w, 0).In(c.loc).Zone()
	return w - int64(off)
}

// interval is an open interval in Unix seconds, [start, end).
type interval struct{ start, end int64 }

// periods returns the merged open periods of every range starting on the
// local dates from two days before from's to one day after to's, sorted.
// Periods that touch or overlap are merged. A period wholly inside
// [from, to] is exact; one reaching beyond may be cut short there.
func (c *compiled) periods(from, to time.Time) []interval {
	first, last := localDay(from, c.loc)-2, localDay(to, c.loc)+1
	var ivs []interval
	for dn := first; dn <= last; dn++ {
		base := dn * secondsPerDay
		for _, sp := range c.ranges(dn) {
			a := c.reach(base + int64(sp.start)*60)
			b := c.reach(base + int64(sp.end)*60)
			if a < b {
				ivs = append(ivs, interval{a, b})
			}
		}
	}
	slices.SortFunc(ivs, func(x, y interval) int {
		switch {
		case x.start < y.start:
			return -1
		case x.start > y.start:
			return 1
		}
		return 0
	})
	out := ivs[:0]
	for _, iv := range ivs {
		if n := len(out); n > 0 && iv.start <= out[n-1].end {
			out[n-1].end = max(out[n-1].end, iv.end)
			continue
		}
		out = append(out, iv)
	}
	return out
}

// status computes the Status at t.
func (c *compiled) status(t time.Time) Status {
	horizon := t.Add(Horizon)
	var st Status
	for _, p := range c.periods(t, horizon) {
		start, end := time.Unix(p.start, 0), time.Unix(p.end, 0)
		if !end.After(t) {
			continue
		}
		if !start.After(t) {
			st.Open = true
			if !end.After(horizon) {
				e := end.In(c.loc)
				st.NextClose = &e
			}
		} else if !start.After(horizon) {
			s := start.In(c.loc)
			st.NextOpen = &s
		}
		break
	}
	return st
}

// StatusAt returns whether the group is open at t, and when it next opens or
// closes (times in the group's zone). Only an unknown zone is an error.
func (s Schedule) StatusAt(t time.Time) (Status, error) {
	c, err := s.compile()
	if err != nil {
		return Status{}, err
	}
	return c.status(t), nil
}

// OpenAt reports whether the group is open at t; an unknown zone is never
// open, because showing "open" wrongly is worse than showing "closed".
func (s Schedule) OpenAt(t time.Time) bool {
	c, err := s.compile()
	if err != nil {
		return false
	}
	for _, p := range c.periods(t, t) {
		if p.start <= t.Unix() && t.Unix() < p.end {
			// Boundaries are whole seconds; t's fraction cannot move it
			// across one.
			return true
		}
	}
	return false
}

// NextOpen is the contract's nextOpenAt: false while open at t (or with an
// unknown zone); else the start of the next open period if it is at most
// Horizon after t, in the group's zone.
func (s Schedule) NextOpen(t time.Time) (time.Time, bool) {
	st, err := s.StatusAt(t)
	if err != nil || st.NextOpen == nil {
		return time.Time{}, false
	}
	return *st.NextOpen, true
}

// NextClose is the contract's nextCloseAt: false while closed at t (or with
// an unknown zone); else the end of the open period t is in, in the group's
// zone — also false when that end is more than Horizon after t (a group open
// around the clock has no close to show).
func (s Schedule) NextClose(t time.Time) (time.Time, bool) {
	st, err := s.StatusAt(t)
	if err != nil || st.NextClose == nil {
		return time.Time{}, false
	}
	return *st.NextClose, true
}

// Periods returns the open periods overlapping [from, to), cut to that
// window, in the group's zone. The window must not be reversed nor longer
// than 400 days.
func (s Schedule) Periods(from, to time.Time) ([]Period, error) {
	if to.Before(from) || to.Sub(from) > maxPeriodsWindow {
		return nil, ErrWindow
	}
	c, err := s.compile()
	if err != nil {
		return nil, err
	}
	out := []Period{}
	for _, p := range c.periods(from, to) {
		start, end := time.Unix(p.start, 0), time.Unix(p.end, 0)
		if !end.After(from) || !start.Before(to) {
			continue
		}
		if start.Before(from) {
			start = from
		}
		if end.After(to) {
			end = to
		}
		if !start.Before(end) {
			continue
		}
		out = append(out, Period{Start: start.In(c.loc), End: end.In(c.loc)})
	}
	return out, nil
}

// Today returns t's local date in the group's zone with its effective hours
// (closures applied). Only an unknown zone is an error.
func (s Schedule) Today(t time.Time) (Day, error) {
	c, err := s.Compile()
	if err != nil {
		return Day{}, err
	}
	return c.Today(t), nil
}

// Compiled is a Schedule made ready to be read at many moments: what
// StatusAt and Today work out before they look at the clock, done once. It
// is not changed by its methods, so one may serve concurrent readers.
type Compiled struct {
	s Schedule
	c *compiled
}

// Compile prepares s to be read (see compile): an unknown zone is an
// error.
func (s Schedule) Compile() (*Compiled, error) {
	c, err := s.compile()
	if err != nil {
		return nil, err
	}
	return &Compiled{s: s, c: c}, nil
}

// StatusAt is Schedule.StatusAt.
func (cs *Compiled) StatusAt(t time.Time) Status { return cs.c.status(t) }

// Today is Schedule.Today.
func (cs *Compiled) Today(t time.Time) Day {
	s, c := cs.s, cs.c
	local := t.In(c.loc)
	day := Day{Date: local.Format(time.DateOnly), Day: WeekdayOf(local.Weekday())}
	if i, ok := c.closure[localDay(t, c.loc)]; ok {
		cl := s.Closures[i]
		day.Closure = &cl
		day.Hours = slices.Clone(cl.Hours)
	} else {
		day.Hours = s.Week.Hours(day.Day)
	}
	if day.Hours == nil {
		day.Hours = []TimeRange{}
	}
	return day
}
