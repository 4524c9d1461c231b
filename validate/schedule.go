package validate

import (
	"slices"
	"strings"

	"servicesupport/schedule"
	"servicesupport/usererror"
)

// Limits on a group's weekly hours and closures.
const (
	MaxDayRanges = 4  // MaxDayRanges bounds the ranges of one day or closure.
	MaxClosures  = 50 // MaxClosures bounds a group's closures.
)

// Messages of the schedule rules.
const (
	msgSameStartEnd = "must differ from start (an end before the start runs past midnight; a whole day is 00:00–24:00)"
	msgSpillOver    = "overlaps the previous day's hours, which run past midnight until %s"
	msgDate         = "must be a date YYYY-MM-DD"
	msgDupDate      = "is listed more than once"
	msgBoth         = "cannot be given together with serviceDays or serviceHours"
)

// rangeStart is a well-formed range's index in the input and its start in
// minutes.
type rangeStart struct{ index, start int }

// checkedDay is one day's ranges after dayRanges.
type checkedDay struct {
	hours  []schedule.TimeRange // trimmed, never nil
	starts []rangeStart         // of the well-formed ranges
	// spill is where the day's ranges end past midnight, in minutes of the
	// next day; 0 when none runs past midnight.
	spill int
}

// dayRanges checks the ranges of one day (weekly or closure) at
// field+prefix: at least minCount and at most MaxDayRanges ranges, each with
// a start 00:00–23:59 and an end 00:00–24:00 that differs from the start
// (an end before the start runs past midnight, so no range exceeds 24 h),
// sorted by start and not overlapping (touching is fine).
func (f *Form) dayRanges(field []string, prefix []any, hours []schedule.TimeRange, minCount int) checkedDay {
	at := func(elems ...any) []any { return append(slices.Clip(prefix), elems...) }
	switch {
	case len(hours) < minCount:
		f.add(usererror.Required, field, prefix, msgRequired)
		return checkedDay{hours: []schedule.TimeRange{}}
	case len(hours) > MaxDayRanges:
		f.add(usererror.Invalid, field, prefix, "must have at most %d ranges", MaxDayRanges)
		return checkedDay{hours: []schedule.TimeRange{}}
	}
	day := checkedDay{hours: make([]schedule.TimeRange, len(hours))}
	prevEnd := -1 // end of the last well-formed range, -1 before the first
	for i, h := range hours {
		r := schedule.TimeRange{Start: strings.TrimSpace(h.Start), End: strings.TrimSpace(h.End)}
		day.hours[i] = r
		start, startErr := schedule.ParseClock(r.Start)
		if startErr == nil && start >= schedule.MinutesPerDay {
			startErr = schedule.ErrClock
		}
		if startErr != nil {
			f.add(usererror.Invalid, field, at(i, "start"), msgStart)
		}
		end, endErr := schedule.ParseClock(r.End)
		if endErr != nil {
			f.add(usererror.Invalid, field, at(i, "end"), msgClock)
		}
		if startErr != nil || endErr != nil {
			continue
		}
		if start == end {
			f.add(usererror.Invalid, field, at(i, "end"), msgSameStartEnd)
			continue
		}
		if end < start {
			end += schedule.MinutesPerDay
		}
		// Compare with the last well-formed range, so one malformed range
		// does not hide an overlap between its neighbours.
		if start < prevEnd {
			f.add(usererror.Invalid, field, at(i, "start"), msgOverlap)
		}
		prevEnd = max(prevEnd, end)
		day.starts = append(day.starts, rangeStart{i, start})
	}
	day.spill = max(0, prevEnd-schedule.MinutesPerDay)
	return day
}

// WeeklyHours checks weeklyHours: at least one day, each valid and listed
// once, each with 1–MaxDayRanges ranges as dayRanges describes, none of
// which may start before the previous day's spill-over past midnight ends
// (Sunday's spills into Monday). Errors point at what the client sent, e.g.
// ["input","weeklyHours",2,"hours",0,"end"]. It returns the week in canonical
// order (Monday first, only days with hours) with trimmed values.
func (f *Form) WeeklyHours(field []string, days []schedule.DayHours) schedule.Week {
	switch {
	case len(days) == 0:
		f.add(usererror.Required, field, nil, msgRequired)
		return schedule.Week{}
	case len(days) > maxWeekdays:
		f.add(usererror.Invalid, field, nil, "must list at most %d days", maxWeekdays)
		return schedule.Week{}
	}
	type day struct {
		input int // index in days
		checkedDay
	}
	var byIndex [7]*day
	for i, dh := range days {
		d := schedule.Weekday(strings.TrimSpace(string(dh.Day)))
		dayOK := true
		switch {
		case !d.Valid():
			f.add(usererror.Invalid, field, []any{i, "day"}, msgWeekday)
			dayOK = false
		case byIndex[d.Index()] != nil:
			f.add(usererror.Invalid, field, []any{i, "day"}, msgDupDay)
			dayOK = false
		}
		checked := f.dayRanges(field, []any{i, "hours"}, dh.Hours, 1)
		if dayOK {
			byIndex[d.Index()] = &day{i, checked}
		}
	}
	for idx, e := range byIndex {
		prev := byIndex[(idx+6)%7]
		if e == nil || prev == nil || prev.spill == 0 {
			continue
		}
		for _, r := range e.starts {
			if r.start < prev.spill {
				f.add(usererror.Invalid, field, []any{e.input, "hours", r.index, "start"}, msgSpillOver, schedule.FormatClock(prev.spill))
			}
		}
	}
	week := schedule.Week{}
	for idx, e := range byIndex {
		if e != nil {
			week = append(week, schedule.DayHours{Day: schedule.AllWeekdays[idx], Hours: e.hours})
		}
	}
	return week
}

// Closures checks closures: at most MaxClosures, each with a real date
// YYYY-MM-DD not listed before, an optional name (a Name: trimmed, at most
// MaxName characters, no control characters; empty means none) and 0–
// MaxDayRanges ranges following a weekly day's rules (empty: closed all
// day). A closure's ranges are not checked against the neighbouring days'
// (which may change separately); where they overlap, the group is open if
// either says so. It returns the closures sorted by date, trimmed, with
// non-nil Hours; an empty list is valid and clears the closures.
func (f *Form) Closures(field []string, closures []schedule.Closure) []schedule.Closure {
	if len(closures) > MaxClosures {
		f.add(usererror.Invalid, field, nil, "must have at most %d closures", MaxClosures)
		return []schedule.Closure{}
	}
	out := make([]schedule.Closure, 0, len(closures))
	seen := map[string]bool{}
	for i, c := range closures {
		date := strings.TrimSpace(c.Date)
		switch _, err := schedule.ParseDate(date); {
		case date == "":
			f.add(usererror.Required, field, []any{i, "date"}, msgRequired)
		case err != nil:
			f.add(usererror.Invalid, field, []any{i, "date"}, msgDate)
		case seen[date]:
			f.add(usererror.Invalid, field, []any{i, "date"}, msgDupDate)
		default:
			seen[date] = true
		}
		var name *string
		if c.Name != nil {
			path := make([]string, 0, len(field)+2)
			path = append(append(path, field...), usererror.Path(i, "name")...)
			if n := f.Name(path, *c.Name, false); n != "" {
				name = &n
			}
		}
		hours := f.dayRanges(field, []any{i, "hours"}, c.Hours, 0).hours
		out = append(out, schedule.Closure{Date: date, Name: name, Hours: hours})
	}
	slices.SortStableFunc(out, func(a, b schedule.Closure) int { return strings.Compare(a.Date, b.Date) })
	return out
}

// OneScheduleForm checks that an input gives either the old serviceDays +
// serviceHours or weeklyHours, not both: when weeklyHours and either old
// field are given it reports INVALID at field (the weeklyHours path) and
// returns false.
func (f *Form) OneScheduleForm(field []string, serviceDaysGiven, serviceHoursGiven, weeklyHoursGiven bool) bool {
	if weeklyHoursGiven && (serviceDaysGiven || serviceHoursGiven) {
		f.add(usererror.Invalid, field, nil, msgBoth)
		return false
	}
	return true
}
