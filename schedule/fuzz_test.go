package schedule_test

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"servicesupport/schedule"
)

// fuzzZones are zones with the awkward cases: DST at 02:00 or at midnight,
// 30- and 45-minute offsets, a 30-minute DST shift (Lord Howe), a 2-hour one
// (Troll), negative DST (Dublin), DST switched off for Ramadan (Casablanca),
// a skipped day (Apia, 2011-12-30) and the dateline.
var fuzzZones = []string{
	"UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe",
	"Asia/Kolkata", "Australia/Adelaide", "Asia/Kathmandu", "Pacific/Chatham",
	"America/Havana", "America/Santiago", "Africa/Casablanca", "Antarctica/Troll",
	"Pacific/Apia", "America/Sao_Paulo", "Asia/Gaza", "Europe/Dublin",
	"America/St_Johns", "Pacific/Kiritimati", "Asia/Shanghai", "America/Godthab",
}

// byteReader hands out the fuzzer's bytes, zeros once they run out.
type byteReader []byte

func (r *byteReader) byte() byte {
	if len(*r) == 0 {
		return 0
	}
	b := (*r)[0]
	*r = (*r)[1:]
	return b
}

func (r *byteReader) uint16() int { return int(r.byte())<<8 | int(r.byte()) }

func (r *byteReader) uint32() int64 { return int64(r.uint16())<<16 | int64(r.uint16()) }

// clock decodes a clock value: mostly on the quarter hour (where DST changes
// happen), else any minute 00:00…24:00.
func (r *byteReader) clock() string {
	if b := r.byte(); b < 160 {
		return schedule.FormatClock(int(b%97) * 15)
	}
	return schedule.FormatClock(r.uint16() % (schedule.MinutesPerDay + 1))
}

func (r *byteReader) ranges(max byte) []schedule.TimeRange {
	n := int(r.byte() % (max + 1))
	out := make([]schedule.TimeRange, n)
	for i := range out {
		out[i] = schedule.TimeRange{Start: r.clock(), End: r.clock()}
	}
	return out
}

// transitions lists the zone changes of loc in year.
func transitions(loc *time.Location, year int) []time.Time {
	var out []time.Time
	t := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
	endYear := time.Date(year+1, 1, 1, 0, 0, 0, 0, time.UTC)
	for range 16 {
		_, end := t.In(loc).ZoneBounds()
		if end.IsZero() || !end.Before(endYear) {
			break
		}
		out = append(out, end)
		t = end
	}
	return out
}

// decodeCase turns fuzz bytes into a schedule and an instant. The schedules
// are not validated on purpose: unsorted, overlapping, duplicate and empty
// ranges, a start of 24:00 and duplicate closure dates must all behave.
func decodeCase(data []byte) (schedule.Schedule, time.Time) {
	r := byteReader(data)
	zone := fuzzZones[int(r.byte())%len(fuzzZones)]
	loc, err := schedule.LoadZone(zone)
	if err != nil {
		panic(err)
	}
	year := 1995 + int(r.byte()%50)
	var at time.Time
	switch mode := r.byte(); {
	case mode%3 == 0:
		at = time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(r.uint32()%(366*1440)) * time.Minute)
	default: // near a transition of the zone, when it has any that year
		at = time.Date(year, time.Month(1+mode%12), 1, 0, 0, 0, 0, time.UTC)
		if tr := transitions(loc, year); len(tr) > 0 {
			at = tr[int(r.byte())%len(tr)]
		}
		at = at.Add(time.Duration(r.uint16()%(6*1440)-3*1440) * time.Minute)
	}
	if b := r.byte(); b%4 == 0 {
		at = at.Add(time.Duration(b%60)*time.Second + time.Duration(b)*time.Millisecond)
	}
	s := schedule.Schedule{Zone: zone, Week: schedule.Week{}, Closures: []schedule.Closure{}}
	for _, d := range schedule.AllWeekdays {
		if h := r.ranges(4); len(h) > 0 {
			s.Week = append(s.Week, schedule.DayHours{Day: d, Hours: h})
		}
	}
	if b := r.byte(); b%8 == 0 && len(s.Week) > 0 { // a duplicate day entry
		s.Week = append(s.Week, schedule.DayHours{Day: schedule.AllWeekdays[b%7], Hours: r.ranges(2)})
	}
	local := at.In(loc)
	for n := int(r.byte() % 5); n > 0; n-- {
		date := time.Date(local.Year(), local.Month(), local.Day()+int(r.byte()%20)-3, 12, 0, 0, 0, time.UTC)
		s.Closures = append(s.Closures, schedule.Closure{Date: date.Format("2006-01-02"), Hours: r.ranges(3)})
	}
	// Sometimes move the instant onto a range's start or end (by the zone's
	// own reading of the wall clock), next to it, or exactly a horizon
	// before, where off-by-one mistakes live.
	if b := r.byte(); b%2 == 0 && len(s.Week) > 0 {
		d := s.Week[int(r.byte())%len(s.Week)]
		if len(d.Hours) == 0 { // the duplicate entry may have none
			d = s.Week[0]
		}
		h := d.Hours[int(r.byte())%len(d.Hours)]
		clock := h.Start
		if b%4 == 0 {
			clock = h.End
		}
		m, _ := schedule.ParseClock(clock)
		local := at.In(loc)
		at = time.Date(local.Year(), local.Month(), local.Day()+int(r.byte()%9)-4, 0, m, 0, 0, loc)
		deltas := []time.Duration{0, -time.Minute, time.Minute, -schedule.Horizon, -schedule.Horizon - time.Minute, -schedule.Horizon + time.Minute, -time.Second}
		at = at.Add(deltas[int(r.byte())%len(deltas)])
	}
	return s, at
}

// oracle is a brute-force reading of the documented rule, sharing nothing
// with the implementation but ParseClock: the group is open at an instant
// when the highest wall-clock time its clock has shown so far lies in a
// range of that wall-clock date, or in a range of the date before that runs
// past midnight. It walks real time minute by minute (every offset and
// transition in the fuzzed years is on a whole minute), reading the clock as
// the instant plus the zone's offset at that instant.
type oracle struct {
	s     schedule.Schedule
	loc   *time.Location
	cache map[int64][]oracleRange // by local day number, so the scan stays fast
}

type oracleRange struct{ start, end int }

// rangesOn returns the ranges starting on local day number day (days since
// 1970-01-01).
func (o oracle) rangesOn(day int64) []oracleRange {
	if rs, ok := o.cache[day]; ok {
		return rs
	}
	rs := o.parseRangesOn(time.Unix(day*86400, 0).UTC())
	o.cache[day] = rs
	return rs
}

func (o oracle) parseRangesOn(day time.Time) []oracleRange {
	date := day.Format("2006-01-02")
	var raw []schedule.TimeRange
	found := false
	for _, c := range o.s.Closures {
		if c.Date == date {
			raw, found = c.Hours, true
			break
		}
	}
	if !found {
		wd := schedule.WeekdayOf(day.Weekday())
		for _, dh := range o.s.Week {
			if dh.Day == wd {
				raw = append(raw, dh.Hours...)
			}
		}
	}
	out := []oracleRange{}
	for _, r := range raw {
		start, err1 := schedule.ParseClock(r.Start)
		end, err2 := schedule.ParseClock(r.End)
		if err1 != nil || err2 != nil || start >= 1440 || start == end {
			continue
		}
		if end < start {
			end += 1440
		}
		out = append(out, oracleRange{start, end})
	}
	return out
}

// wall is the wall-clock reading of u in the zone, in minutes since
// 1970-01-01 00:00 local.
func (o oracle) wall(u time.Time) int64 {
	_, off := u.In(o.loc).Zone()
	return floorDiv(u.Unix()+int64(off), 60)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// openAtWall reports whether the high-water wall-clock time w is in a range.
func (o oracle) openAtWall(w int64) bool {
	day := floorDiv(w, 1440)
	m := int(w - day*1440)
	for _, r := range o.rangesOn(day) {
		if r.start <= m && m < r.end {
			return true
		}
	}
	for _, r := range o.rangesOn(day - 1) {
		if m+1440 < r.end {
			return true
		}
	}
	return false
}

// scan returns whether the group is open at t and the first later minute at
// which that changes, if it does within schedule.Horizon.
func (o oracle) scan(t time.Time) (open bool, change time.Time, found bool) {
	base := t.Truncate(time.Minute)
	// Clocks go back by at most a few hours, so a day of history gives the
	// highest reading so far.
	high := int64(math.MinInt64)
	for u := base.Add(-24 * time.Hour); !u.After(base); u = u.Add(time.Minute) {
		high = max(high, o.wall(u))
	}
	open = o.openAtWall(high)
	limit := t.Add(schedule.Horizon)
	for u := base.Add(time.Minute); !u.After(limit); u = u.Add(time.Minute) {
		high = max(high, o.wall(u))
		if o.openAtWall(high) != open {
			return open, u, true
		}
	}
	return open, time.Time{}, false
}

func describe(s schedule.Schedule, at time.Time) string {
	var b strings.Builder
	loc, _ := schedule.LoadZone(s.Zone)
	fmt.Fprintf(&b, "zone %s, at %s (%s)\n", s.Zone, at.UTC().Format(time.RFC3339Nano), at.In(loc).Format("Mon 2006-01-02 15:04:05 MST"))
	for _, dh := range s.Week {
		fmt.Fprintf(&b, "  %s %v\n", dh.Day, dh.Hours)
	}
	for _, c := range s.Closures {
		fmt.Fprintf(&b, "  closure %s %v\n", c.Date, c.Hours)
	}
	return b.String()
}

func checkCase(t *testing.T, s schedule.Schedule, at time.Time) {
	t.Helper()
	loc, err := schedule.LoadZone(s.Zone)
	if err != nil {
		t.Fatal(err)
	}
	st, err := s.StatusAt(at)
	if err != nil {
		t.Fatalf("StatusAt: %v", err)
	}
	open := s.OpenAt(at)
	nextOpen, okOpen := s.NextOpen(at)
	nextClose, okClose := s.NextClose(at)
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("%s%s", describe(s, at), fmt.Sprintf(format, args...))
	}
	// The answers agree with each other.
	if open != st.Open {
		fail("OpenAt = %v, StatusAt.Open = %v", open, st.Open)
	}
	if okOpen != (st.NextOpen != nil) || okOpen && !nextOpen.Equal(*st.NextOpen) {
		fail("NextOpen = %v %v, StatusAt.NextOpen = %v", nextOpen, okOpen, st.NextOpen)
	}
	if okClose != (st.NextClose != nil) || okClose && !nextClose.Equal(*st.NextClose) {
		fail("NextClose = %v %v, StatusAt.NextClose = %v", nextClose, okClose, st.NextClose)
	}
	if open && okOpen {
		fail("open, yet NextOpen = %v", nextOpen)
	}
	if !open && okClose {
		fail("closed, yet NextClose = %v", nextClose)
	}
	if okOpen {
		if !nextOpen.After(at) || nextOpen.After(at.Add(schedule.Horizon)) {
			fail("NextOpen %v outside (at, at+14d]", nextOpen)
		}
		if !s.OpenAt(nextOpen) || s.OpenAt(nextOpen.Add(-time.Second)) {
			fail("NextOpen %v is not where an open period starts", nextOpen)
		}
		if nextOpen.Location() != loc {
			fail("NextOpen in %v, want %v", nextOpen.Location(), loc)
		}
	}
	if okClose {
		if !nextClose.After(at) || nextClose.After(at.Add(schedule.Horizon)) {
			fail("NextClose %v outside (at, at+14d]", nextClose)
		}
		if s.OpenAt(nextClose) || !s.OpenAt(nextClose.Add(-time.Second)) {
			fail("NextClose %v is not where an open period ends", nextClose)
		}
		if nextClose.Location() != loc {
			fail("NextClose in %v, want %v", nextClose.Location(), loc)
		}
	}
	// And they agree with the brute-force scan.
	bfOpen, change, found := oracle{s, loc, map[int64][]oracleRange{}}.scan(at)
	if open != bfOpen {
		fail("OpenAt = %v, brute force %v", open, bfOpen)
	}
	switch {
	case open && found != okClose, open && found && !change.Equal(nextClose):
		fail("NextClose = %v (%v), brute force %v (%v)", nextClose, okClose, change, found)
	case !open && found != okOpen, !open && found && !change.Equal(nextOpen):
		fail("NextOpen = %v (%v), brute force %v (%v)", nextOpen, okOpen, change, found)
	}
}

// FuzzSchedule checks, for random schedules and instants, that OpenAt,
// NextOpen, NextClose and StatusAt agree with each other and with a
// minute-by-minute brute-force scan of the next 14 days.
func FuzzSchedule(f *testing.F) {
	seeds := [][]byte{
		{},
		{1, 30, 1, 0, 10, 1, 36, 72}, // Berlin, 2025, near a transition
		{1, 30, 2, 1, 0, 10, 2, 8, 10, 2, 8, 9, 2, 90, 9, 2, 90, 90},
		{2, 30, 1, 1, 20, 0, 50, 1, 88, 8, 1, 88, 8, 1, 8, 88, 1, 8, 8},
		{3, 30, 1, 0, 0, 1, 100, 101, 3, 0, 4, 90, 96, 8, 1, 3, 4, 5},
		{4, 10, 0, 255, 255, 255, 255, 0, 4, 0, 96, 0, 96, 36, 72, 40, 50},
		{7, 20, 1, 1, 10, 0, 3, 88, 8, 86, 4, 84, 2, 80, 20, 4, 1, 96, 0, 96},
		{8, 25, 1, 1, 10, 1, 3, 92, 4, 96, 0, 0, 96, 1, 0, 8, 2, 9, 3, 2, 1, 0},
		{12, 16, 2, 0, 10, 0, 1, 0, 96, 1, 0, 96, 1, 0, 96, 1, 0, 96, 1, 0, 96},
		{13, 20, 1, 0, 0, 0, 1, 0, 96, 1, 0, 96, 1, 0, 96, 1, 0, 96, 1, 0, 96, 1, 0, 96, 1, 0, 96},
		{16, 30, 4, 1, 0, 0, 2, 92, 8, 8, 40, 1, 92, 8, 1, 92, 8, 0, 0, 0, 0, 0, 2, 5, 1, 90, 4},
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, at := decodeCase(data)
		checkCase(t, s, at)
	})
}

// TestOracleAgreesOnFixedCases runs the property check on hand-picked
// schedules and instants around the DST changes of the tested zones, so that
// a plain `go test` exercises the brute-force comparison too.
func TestOracleAgreesOnFixedCases(t *testing.T) {
	week := func(pairs ...string) schedule.Week {
		w := schedule.Week{}
		for _, d := range schedule.AllWeekdays {
			w = append(w, schedule.DayHours{Day: d, Hours: hours(pairs...)})
		}
		return w
	}
	weeks := map[string]schedule.Week{
		"office":      schedule.FromServiceTimes(monFri, nine),
		"night shift": week("22:00", "06:00"),
		"gap hours":   week("01:00", "02:30", "02:30", "03:30"),
		"repeat hour": week("02:15", "02:45", "02:50", "24:00"),
		"around":      week("00:00", "24:00"),
		"midnight":    week("23:30", "00:30"),
	}
	instants := map[string][]string{
		"Europe/Berlin":       {"2025-03-29T22:00:00Z", "2025-03-30T00:10:00Z", "2025-03-30T01:00:00Z", "2025-10-25T23:30:00Z", "2025-10-26T00:20:00Z", "2025-10-26T01:00:00Z", "2025-12-31T22:59:00Z"},
		"America/New_York":    {"2025-03-09T06:00:00Z", "2025-03-09T07:00:00Z", "2025-11-02T05:30:00Z", "2025-11-02T06:15:00Z", "2026-01-01T04:59:30Z"},
		"Australia/Lord_Howe": {"2025-04-05T14:40:00Z", "2025-04-05T15:00:00Z", "2025-10-04T15:20:00Z", "2025-10-04T15:30:00Z"},
		"Australia/Adelaide":  {"2025-04-05T16:00:00Z", "2025-10-04T16:30:00Z"},
		"Asia/Kolkata":        {"2025-01-06T03:29:00Z", "2025-12-31T18:30:00Z"},
		"America/Havana":      {"2025-03-09T04:30:00Z", "2025-11-02T04:30:00Z"},
	}
	for name, w := range weeks {
		for zone, ats := range instants {
			for _, at := range ats {
				t.Run(name+"/"+zone+"/"+at, func(t *testing.T) {
					s := schedule.Schedule{Week: w, Zone: zone}
					checkCase(t, s, utc(at))
					s.Closures = []schedule.Closure{{Date: utc(at).Format("2006-01-02")}}
					checkCase(t, s, utc(at))
				})
			}
		}
	}
}
