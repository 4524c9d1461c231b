package schedule

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// This file holds the one schedule model that both the old fields
// (serviceDays + serviceHours) and the new ones (weeklyHours, closures) read
// and write: a Week of per-day ranges, dated Closures and the group's zone.
//
// A range belongs to the day on which it starts. A range whose end is before
// its start ("22:00"–"02:00") runs past midnight into the next day; "24:00"
// as an end means "through midnight". A range whose start equals its end
// describes nothing (validation rejects it; the model ignores it), so a range
// is at most 24 h long, 24 h exactly only as "00:00"–"24:00".

// DayHours is one day of a week and its ranges, sorted by start; it is the
// GraphQL type DayHours (and input DayHoursInput) and is stored as JSON.
type DayHours struct {
	Day   Weekday     `json:"day"`
	Hours []TimeRange `json:"hours"`
}

// Week is a group's weekly hours: Monday first, only days with hours, each
// day at most once (Canonical makes any Week so). It is the GraphQL field
// weeklyHours and is stored as a JSON array of DayHours:
//
//	[{"day":"MONDAY","hours":[{"start":"09:00","end":"18:00"}]}]
type Week []DayHours

// Closure is a dated exception in the group's zone; it is the GraphQL type
// Closure (and input ClosureInput) and is stored as JSON. Date is
// "YYYY-MM-DD". Empty Hours: closed all day; otherwise Hours replace that
// day's weekly hours. The ranges follow the weekly rules, so one may run past
// midnight into the next day. Like a weekly range, a closure's range belongs
// to the day it starts: a closure replaces the ranges that start on its date
// and does not cut the previous day's spill-over past midnight (add a closure
// for the previous day to shorten that).
type Closure struct {
	Date  string      `json:"date"`
	Name  *string     `json:"name,omitempty"`
	Hours []TimeRange `json:"hours"`
}

// Schedule is everything that decides when a group is open: its week, its
// closures and its IANA zone, in which all wall-clock times and dates are
// read.
type Schedule struct {
	Week     Week      `json:"weeklyHours"`
	Closures []Closure `json:"closures"`
	Zone     string    `json:"timeZone"`
}

// FromServiceTimes builds the Week of the old representation: every listed
// day (invalid names are dropped, duplicates count once) gets the same hours.
// No hours, or no valid day, gives an empty Week.
func FromServiceTimes(days []Weekday, hours []TimeRange) Week {
	if len(hours) == 0 {
		return Week{}
	}
	var listed [7]bool
	for _, d := range days {
		if d.Valid() {
			listed[d.Index()] = true
		}
	}
	w := Week{}
	for i, d := range AllWeekdays {
		if listed[i] {
			w = append(w, DayHours{Day: d, Hours: slices.Clone(hours)})
		}
	}
	return w
}

// Hours returns the ranges of day d (all entries for d, in order), a new
// slice; nil when d has none.
func (w Week) Hours(d Weekday) []TimeRange {
	var out []TimeRange
	for _, dh := range w {
		if dh.Day == d {
			out = append(out, dh.Hours...)
		}
	}
	return out
}

// Canonical returns w Monday first with one entry per day and only days with
// hours (entries for the same day are concatenated in order; invalid days are
// dropped). It never returns nil.
func (w Week) Canonical() Week {
	out := Week{}
	for _, d := range AllWeekdays {
		if h := w.Hours(d); len(h) > 0 {
			out = append(out, DayHours{Day: d, Hours: h})
		}
	}
	return out
}

// ServiceDays is the old serviceDays of w: the days with hours, Monday first
// (never nil).
func (w Week) ServiceDays() []Weekday {
	out := []Weekday{}
	for _, dh := range w.Canonical() {
		out = append(out, dh.Day)
	}
	return out
}

// ServiceHours is the old serviceHours of w: the hours every day with hours
// shares, else those of the first day with hours, Monday first (never nil;
// empty for an empty week). With overnight ranges in w the result may hold a
// range whose end is before its start.
func (w Week) ServiceHours() []TimeRange {
	c := w.Canonical()
	if len(c) == 0 {
		return []TimeRange{}
	}
	// Either way the answer is the first day's hours: when all days agree
	// they are the shared hours, otherwise the first day's.
	return c[0].Hours
}

// UniformHours reports whether every day with hours has the same ranges, that
// is whether w is exactly representable as serviceDays + serviceHours.
func (w Week) UniformHours() bool {
	c := w.Canonical()
	for _, dh := range c[min(1, len(c)):] {
		if !slices.Equal(dh.Hours, c[0].Hours) {
			return false
		}
	}
	return true
}

// span is a parsed range in minutes from its day's midnight; end > start and
// end may exceed MinutesPerDay for a range that runs past midnight.
type span struct{ start, end int }

// parseRange parses r into a span. ok is false for a malformed end point, a
// start of 24:00 and a range whose start equals its end.
func parseRange(r TimeRange) (s span, ok bool) {
	start, end, err := Minutes(r)
	if err != nil || start >= MinutesPerDay || start == end {
		return span{}, false
	}
	if end < start {
		end += MinutesPerDay
	}
	return span{start, end}, true
}

// ExtendedMinutes parses r as a weekly range: start in 0…1439 and end in
// start+1 … start+1440 minutes after that day's midnight (an end beyond 1440
// runs past midnight). ok is false for malformed times and start == end.
func ExtendedMinutes(r TimeRange) (start, end int, ok bool) {
	s, ok := parseRange(r)
	return s.start, s.end, ok
}

// MeetsPolicy reports whether w meets the marketplace service policy: at
// least PolicyMinDays distinct weekdays with at least PolicyMinMinutes each.
// A range running past midnight counts in full for the day it starts;
// overlapping ranges count their shared minutes once; closures do not count.
// Any invalid day or range makes it false, because a schedule we cannot read
// cannot be vouched for.
func (w Week) MeetsPolicy() bool {
	var covered [7][2 * MinutesPerDay]bool
	var total [7]int
	for _, dh := range w {
		if !dh.Day.Valid() {
			return false
		}
		i := dh.Day.Index()
		for _, r := range dh.Hours {
			s, ok := parseRange(r)
			if !ok {
				return false
			}
			for m := s.start; m < s.end; m++ {
				if !covered[i][m] {
					covered[i][m] = true
					total[i]++
				}
			}
		}
	}
	days := 0
	for _, n := range total {
		if n >= PolicyMinMinutes {
			days++
		}
	}
	return days >= PolicyMinDays
}

// MeetsPolicy reports whether s's week meets the service policy (closures do
// not count).
func (s Schedule) MeetsPolicy() bool { return s.Week.MeetsPolicy() }

// ErrDate is returned (wrapped) by ParseDate for anything but a real
// calendar date YYYY-MM-DD.
var ErrDate = errors.New("date must be YYYY-MM-DD")

// ParseDate parses exactly "YYYY-MM-DD" (ASCII digits, a real calendar date,
// year 0001–9999) and returns that date's midnight in UTC.
func ParseDate(s string) (time.Time, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return time.Time{}, fmt.Errorf("%q: %w", s, ErrDate)
	}
	for i := 0; i < len(s); i++ {
		if i != 4 && i != 7 && (s[i] < '0' || s[i] > '9') {
			return time.Time{}, fmt.Errorf("%q: %w", s, ErrDate)
		}
	}
	d, err := time.Parse(time.DateOnly, s)
	if err != nil || d.Year() == 0 {
		return time.Time{}, fmt.Errorf("%q: %w", s, ErrDate)
	}
	return d, nil
}
