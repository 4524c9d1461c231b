package schedule_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"servicesupport/schedule"
)

// wk builds a Week from "MONDAY 09:00-12:00 13:00-18:00; SATURDAY 10:00-14:00"
// (full day names; "*" for every day).
func wk(spec string) schedule.Week {
	w := schedule.Week{}
	for _, part := range strings.Split(spec, ";") {
		fields := strings.Fields(part)
		if len(fields) == 0 {
			continue
		}
		var hs []schedule.TimeRange
		for _, r := range fields[1:] {
			start, end, ok := strings.Cut(r, "-")
			if !ok {
				panic("bad range " + r)
			}
			hs = append(hs, schedule.TimeRange{Start: start, End: end})
		}
		days := []schedule.Weekday{schedule.Weekday(fields[0])}
		if fields[0] == "*" {
			days = schedule.AllWeekdays
		}
		for _, d := range days {
			w = append(w, schedule.DayHours{Day: d, Hours: slices.Clone(hs)})
		}
	}
	return w
}

// cl builds closures from "2025-12-25; 2025-12-24 09:00-12:00".
func cl(spec string) []schedule.Closure {
	var out []schedule.Closure
	for _, part := range strings.Split(spec, ";") {
		fields := strings.Fields(part)
		if len(fields) == 0 {
			continue
		}
		c := schedule.Closure{Date: fields[0], Hours: []schedule.TimeRange{}}
		c.Hours = wk("X " + strings.Join(fields[1:], " "))[0].Hours
		if c.Hours == nil {
			c.Hours = []schedule.TimeRange{}
		}
		out = append(out, c)
	}
	return out
}

func ptr[T any](v T) *T { return &v }

func TestFromServiceTimes(t *testing.T) {
	tests := []struct {
		name  string
		days  []schedule.Weekday
		hours []schedule.TimeRange
		want  schedule.Week
	}{
		{"Mon-Fri", monFri, nine, wk("MONDAY 09:00-18:00; TUESDAY 09:00-18:00; WEDNESDAY 09:00-18:00; THURSDAY 09:00-18:00; FRIDAY 09:00-18:00")},
		{"sorted, duplicates once, invalid dropped", []schedule.Weekday{schedule.Sunday, "FUNDAY", schedule.Monday, schedule.Sunday}, hours("08:00", "12:00", "13:00", "17:00"),
			wk("MONDAY 08:00-12:00 13:00-17:00; SUNDAY 08:00-12:00 13:00-17:00")},
		{"no hours", monFri, nil, schedule.Week{}},
		{"no days", nil, nine, schedule.Week{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := schedule.FromServiceTimes(tt.days, tt.hours)
			if got == nil || !weekEqual(got, tt.want) {
				t.Fatalf("FromServiceTimes = %v, want %v", got, tt.want)
			}
			if len(got) > 1 {
				got[0].Hours[0].Start = "00:00"
				if got[1].Hours[0].Start == "00:00" || tt.hours[0].Start == "00:00" {
					t.Error("days share the hours slice")
				}
			}
		})
	}
}

func weekEqual(a, b schedule.Week) bool {
	return slices.EqualFunc(a, b, func(x, y schedule.DayHours) bool {
		return x.Day == y.Day && slices.Equal(x.Hours, y.Hours)
	})
}

func TestWeekOldFields(t *testing.T) {
	tests := []struct {
		name    string
		week    schedule.Week
		days    []schedule.Weekday
		hours   []schedule.TimeRange
		uniform bool
	}{
		{"same hours", schedule.FromServiceTimes(monFri, nine), monFri, nine, true},
		{"Saturday half-day: Monday's hours", wk("SATURDAY 09:00-13:00; MONDAY 09:00-18:00; TUESDAY 09:00-18:00"),
			[]schedule.Weekday{schedule.Monday, schedule.Tuesday, schedule.Saturday}, nine, false},
		{"first day in week order, not input order", wk("SUNDAY 10:00-16:00; WEDNESDAY 08:00-20:00"),
			[]schedule.Weekday{schedule.Wednesday, schedule.Sunday}, hours("08:00", "20:00"), false},
		{"night shift", wk("FRIDAY 22:00-06:00"), []schedule.Weekday{schedule.Friday}, hours("22:00", "06:00"), true},
		{"days without hours are not service days", schedule.Week{{Day: schedule.Monday}, {Day: schedule.Tuesday, Hours: nine}},
			[]schedule.Weekday{schedule.Tuesday}, nine, true},
		{"empty", schedule.Week{}, []schedule.Weekday{}, []schedule.TimeRange{}, true},
		{"nil", nil, []schedule.Weekday{}, []schedule.TimeRange{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.week.ServiceDays(); got == nil || !slices.Equal(got, tt.days) {
				t.Errorf("ServiceDays() = %#v, want %v", got, tt.days)
			}
			if got := tt.week.ServiceHours(); got == nil || !slices.Equal(got, tt.hours) {
				t.Errorf("ServiceHours() = %#v, want %v", got, tt.hours)
			}
			if got := tt.week.UniformHours(); got != tt.uniform {
				t.Errorf("UniformHours() = %v, want %v", got, tt.uniform)
			}
		})
	}
}

func TestCanonical(t *testing.T) {
	in := schedule.Week{
		{Day: schedule.Sunday, Hours: hours("10:00", "12:00")},
		{Day: "FUNDAY", Hours: nine},
		{Day: schedule.Monday},
		{Day: schedule.Wednesday, Hours: hours("08:00", "09:00")},
		{Day: schedule.Wednesday, Hours: hours("10:00", "11:00")},
	}
	want := wk("WEDNESDAY 08:00-09:00 10:00-11:00; SUNDAY 10:00-12:00")
	if got := in.Canonical(); !weekEqual(got, want) {
		t.Errorf("Canonical() = %v, want %v", got, want)
	}
	if got := (schedule.Week(nil)).Canonical(); got == nil || len(got) != 0 {
		t.Errorf("nil.Canonical() = %#v, want empty", got)
	}
}

func TestWeekMeetsPolicy(t *testing.T) {
	tests := []struct {
		name string
		week schedule.Week
		want bool
	}{
		{"Mon-Fri 8h", wk("MONDAY 09:00-17:00; TUESDAY 09:00-17:00; WEDNESDAY 09:00-17:00; THURSDAY 09:00-17:00; FRIDAY 09:00-17:00"), true},
		{"one day 7h59", wk("MONDAY 09:00-17:00; TUESDAY 09:00-17:00; WEDNESDAY 09:00-17:00; THURSDAY 09:00-17:00; FRIDAY 09:00-16:59"), false},
		{"short Saturday does not count, five long days do", wk("MONDAY 09:00-17:00; TUESDAY 09:00-17:00; WEDNESDAY 09:00-17:00; THURSDAY 09:00-17:00; FRIDAY 09:00-17:00; SATURDAY 09:00-13:00"), true},
		{"four long days and a short one", wk("MONDAY 09:00-17:00; TUESDAY 09:00-17:00; WEDNESDAY 09:00-17:00; THURSDAY 09:00-17:00; SATURDAY 09:00-13:00"), false},
		{"night shifts count for the day they start", wk("MONDAY 22:00-06:00; TUESDAY 22:00-06:00; WEDNESDAY 22:00-06:00; THURSDAY 22:00-06:00; SUNDAY 22:00-06:00"), true},
		{"7h night shift", wk("MONDAY 22:00-06:00; TUESDAY 22:00-06:00; WEDNESDAY 22:00-06:00; THURSDAY 22:00-06:00; SUNDAY 23:00-06:00"), false},
		{"spill-over does not count for the next day", wk("MONDAY 20:00-08:00; WEDNESDAY 20:00-08:00; FRIDAY 20:00-08:00; SATURDAY 00:00-01:00; SUNDAY 20:00-08:00; TUESDAY 00:00-07:00"), false},
		{"split day", wk("* 09:00-12:00 13:00-18:00"), true},
		{"evening and morning", wk("MONDAY 00:00-04:00 20:00-24:00; TUESDAY 00:00-04:00 20:00-24:00; WEDNESDAY 00:00-04:00 20:00-24:00; THURSDAY 00:00-04:00 20:00-24:00; FRIDAY 00:00-04:00 20:00-24:00"), true},
		{"around the clock", wk("* 00:00-24:00"), true},
		{"duplicate entries are one day", schedule.Week{{Day: schedule.Monday, Hours: hours("09:00", "13:00")}, {Day: schedule.Monday, Hours: hours("13:00", "17:00")},
			{Day: schedule.Tuesday, Hours: nine}, {Day: schedule.Wednesday, Hours: nine}, {Day: schedule.Thursday, Hours: nine}, {Day: schedule.Friday, Hours: nine}}, true},
		{"duplicates do not make five days", schedule.Week{{Day: schedule.Monday, Hours: nine}, {Day: schedule.Monday, Hours: nine},
			{Day: schedule.Tuesday, Hours: nine}, {Day: schedule.Wednesday, Hours: nine}, {Day: schedule.Thursday, Hours: nine}}, false},
		{"overlap counted once", wk("* 09:00-13:00 09:00-13:00"), false},
		{"invalid range", wk("* 09:00-18:00 9:00-10:00"), false},
		{"start equals end", wk("* 09:00-18:00 20:00-20:00"), false},
		{"start 24:00", wk("* 09:00-18:00 24:00-24:00"), false},
		{"invalid day", append(wk("* 09:00-18:00"), schedule.DayHours{Day: "FUNDAY", Hours: nine}), false},
		{"empty", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.week.MeetsPolicy(); got != tt.want {
				t.Errorf("MeetsPolicy() = %v, want %v", got, tt.want)
			}
			// Closures never count, not even ones closing every weekday.
			s := schedule.Schedule{Week: tt.week, Zone: "UTC", Closures: cl("2025-01-06; 2025-01-07; 2025-01-08; 2025-01-09; 2025-01-10")}
			if got := s.MeetsPolicy(); got != tt.want {
				t.Errorf("Schedule.MeetsPolicy() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestParseDate(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"2025-12-25", true}, {"2024-02-29", true}, {"0001-01-01", true}, {"9999-12-31", true},
		{"2025-02-29", false}, {"2025-13-01", false}, {"2025-00-10", false}, {"2025-04-31", false},
		{"0000-01-01", false}, {"2025-1-01", false}, {"25-12-25", false}, {"2025/12/25", false},
		{"2025-12-25T00:00", false}, {" 2025-12-25", false}, {"２０２５-12-25", false}, {"", false}, {"+025-12-25", false},
	}
	for _, tt := range tests {
		d, err := schedule.ParseDate(tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("ParseDate(%q) error = %v, want ok %v", tt.in, err, tt.ok)
			continue
		}
		if err != nil && !errors.Is(err, schedule.ErrDate) {
			t.Errorf("ParseDate(%q) error %v does not wrap ErrDate", tt.in, err)
		}
		if err == nil && (d.Format(time.DateOnly) != tt.in || d.Location() != time.UTC || d.Hour() != 0) {
			t.Errorf("ParseDate(%q) = %v", tt.in, d)
		}
	}
}

func TestExtendedMinutes(t *testing.T) {
	tests := []struct {
		r          schedule.TimeRange
		start, end int
		ok         bool
	}{
		{schedule.TimeRange{Start: "09:00", End: "18:00"}, 540, 1080, true},
		{schedule.TimeRange{Start: "22:00", End: "02:00"}, 1320, 1560, true},
		{schedule.TimeRange{Start: "22:00", End: "00:00"}, 1320, 1440, true},
		{schedule.TimeRange{Start: "00:00", End: "24:00"}, 0, 1440, true},
		{schedule.TimeRange{Start: "00:01", End: "00:00"}, 1, 1440, true},
		{schedule.TimeRange{Start: "23:59", End: "23:58"}, 1439, 2878, true},
		{schedule.TimeRange{Start: "09:00", End: "09:00"}, 0, 0, false},
		{schedule.TimeRange{Start: "24:00", End: "02:00"}, 0, 0, false},
		{schedule.TimeRange{Start: "9:00", End: "10:00"}, 0, 0, false},
	}
	for _, tt := range tests {
		start, end, ok := schedule.ExtendedMinutes(tt.r)
		if start != tt.start || end != tt.end || ok != tt.ok {
			t.Errorf("ExtendedMinutes(%v) = %d, %d, %v; want %d, %d, %v", tt.r, start, end, ok, tt.start, tt.end, tt.ok)
		}
	}
}

// statusCase is one instant of one schedule and the expected answers; an
// empty nextOpen or nextClose means none (null).
type statusCase struct {
	name      string
	zone      string
	week      string // wk spec
	closures  string // cl spec
	at        string // RFC 3339
	open      bool
	nextOpen  string
	nextClose string
}

func runStatusCases(t *testing.T, tests []statusCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := schedule.Schedule{Week: wk(tt.week), Closures: cl(tt.closures), Zone: tt.zone}
			at := utc(tt.at)
			loc, err := schedule.LoadZone(tt.zone)
			if err != nil {
				t.Fatal(err)
			}
			st, err := s.StatusAt(at)
			if err != nil {
				t.Fatal(err)
			}
			show := func(p *time.Time) string {
				if p == nil {
					return ""
				}
				if p.Location() != loc {
					t.Errorf("time %v is not in the group's zone", p)
				}
				return p.UTC().Format(time.RFC3339)
			}
			if st.Open != tt.open || show(st.NextOpen) != tt.nextOpen || show(st.NextClose) != tt.nextClose {
				t.Errorf("StatusAt(%s = %s) = open %v, nextOpen %q, nextClose %q; want %v, %q, %q",
					tt.at, at.In(loc).Format("Mon 15:04 MST"), st.Open, show(st.NextOpen), show(st.NextClose), tt.open, tt.nextOpen, tt.nextClose)
			}
			if got := s.OpenAt(at); got != tt.open {
				t.Errorf("OpenAt = %v, want %v", got, tt.open)
			}
			if got, ok := s.NextOpen(at); ok != (tt.nextOpen != "") || ok && got.UTC().Format(time.RFC3339) != tt.nextOpen {
				t.Errorf("NextOpen = %v, %v; want %q", got, ok, tt.nextOpen)
			}
			if got, ok := s.NextClose(at); ok != (tt.nextClose != "") || ok && got.UTC().Format(time.RFC3339) != tt.nextClose {
				t.Errorf("NextClose = %v, %v; want %q", got, ok, tt.nextClose)
			}
			// Every case is also a property-test case.
			checkCase(t, s, at)
		})
	}
}

// Europe/Berlin 2025: 2025-03-30 02:00 CET → 03:00 CEST (01:00 UTC);
// 2025-10-26 03:00 CEST → 02:00 CET (01:00 UTC). Both are Sundays.
func TestStatusBerlinDST(t *testing.T) {
	const z = "Europe/Berlin"
	runStatusCases(t, []statusCase{
		// Spring forward: 02:00–03:00 does not exist.
		{"opening in the gap: before", z, "SUNDAY 02:30-05:00", "", "2025-03-30T00:30:00Z", false, "2025-03-30T01:00:00Z", ""},
		{"opening in the gap opens at 03:00 CEST", z, "SUNDAY 02:30-05:00", "", "2025-03-30T01:00:00Z", true, "", "2025-03-30T03:00:00Z"},
		{"closing in the gap closes at 03:00 CEST", z, "SUNDAY 01:00-02:30", "", "2025-03-30T00:30:00Z", true, "", "2025-03-30T01:00:00Z"},
		{"closing in the gap: after", z, "SUNDAY 01:00-02:30", "", "2025-03-30T01:00:00Z", false, "2025-04-05T23:00:00Z", ""},
		{"range wholly in the gap is not open", z, "SUNDAY 02:10-02:40", "", "2025-03-30T00:30:00Z", false, "2025-04-06T00:10:00Z", ""},
		{"night shift over the change lasts 7 h", z, "SATURDAY 22:00-06:00", "", "2025-03-29T22:00:00Z", true, "", "2025-03-30T04:00:00Z"},
		{"ranges touching at the gap are one period", z, "SUNDAY 01:00-02:00 03:00-04:00", "", "2025-03-30T00:30:00Z", true, "", "2025-03-30T02:00:00Z"},
		{"ranges meeting in the gap are one period", z, "SUNDAY 01:00-02:15 02:45-04:00", "", "2025-03-30T00:30:00Z", true, "", "2025-03-30T02:00:00Z"},
		{"next open after the change counts the new offset", z, "MONDAY 09:00-17:00", "", "2025-03-28T16:00:00Z", false, "2025-03-31T07:00:00Z", ""},
		// Fall back: 02:00–03:00 happens twice; a time in it means its first occurrence.
		{"opening in the repeated hour: first occurrence", z, "SUNDAY 02:30-05:00", "", "2025-10-26T00:00:00Z", false, "2025-10-26T00:30:00Z", ""},
		{"stays open through the second pass", z, "SUNDAY 02:30-05:00", "", "2025-10-26T01:15:00Z", true, "", "2025-10-26T04:00:00Z"},
		{"closing in the repeated hour: first occurrence", z, "SUNDAY 01:00-02:30", "", "2025-10-25T23:30:00Z", true, "", "2025-10-26T00:30:00Z"},
		{"does not reopen in the second pass", z, "SUNDAY 01:00-02:30", "", "2025-10-26T01:15:00Z", false, "2025-11-02T00:00:00Z", ""},
		{"range in the repeated hour: first pass open", z, "SUNDAY 02:15-02:45", "", "2025-10-26T00:20:00Z", true, "", "2025-10-26T00:45:00Z"},
		{"range in the repeated hour: second pass closed", z, "SUNDAY 02:15-02:45", "", "2025-10-26T01:20:00Z", false, "2025-11-02T01:15:00Z", ""},
		{"night shift over the change lasts 9 h", z, "SATURDAY 22:00-06:00", "", "2025-10-25T20:00:00Z", true, "", "2025-10-26T05:00:00Z"},
		{"closing at 03:00 after the second pass", z, "SUNDAY 00:00-03:00", "", "2025-10-26T01:59:00Z", true, "", "2025-10-26T02:00:00Z"},
	})
}

// America/New_York 2025: 2025-03-09 02:00 EST → 03:00 EDT (07:00 UTC);
// 2025-11-02 02:00 EDT → 01:00 EST (06:00 UTC).
func TestStatusNewYorkDST(t *testing.T) {
	const z = "America/New_York"
	runStatusCases(t, []statusCase{
		{"weekend over the change", z, "MONDAY 09:00-17:00; FRIDAY 09:00-17:00", "", "2025-03-07T22:00:00Z", false, "2025-03-10T13:00:00Z", ""},
		{"Friday close in EST", z, "MONDAY 09:00-17:00; FRIDAY 09:00-17:00", "", "2025-03-07T21:59:00Z", true, "", "2025-03-07T22:00:00Z"},
		{"range in the gap is skipped", z, "SUNDAY 02:00-03:00", "", "2025-03-09T06:30:00Z", false, "2025-03-16T06:00:00Z", ""},
		{"range ending at the gap's start", z, "SATURDAY 20:00-02:00", "", "2025-03-09T06:59:00Z", true, "", "2025-03-09T07:00:00Z"},
		{"overnight closing at the first 01:30", z, "SATURDAY 20:00-01:30", "", "2025-11-02T05:29:00Z", true, "", "2025-11-02T05:30:00Z"},
		{"overnight does not reopen at the second 01:00", z, "SATURDAY 20:00-01:30", "", "2025-11-02T06:10:00Z", false, "2025-11-09T01:00:00Z", ""},
		{"opening at the first 01:30, open in the second pass", z, "SUNDAY 01:30-09:00", "", "2025-11-02T06:10:00Z", true, "", "2025-11-02T14:00:00Z"},
		{"opening at the first 01:30", z, "SUNDAY 01:30-09:00", "", "2025-11-02T05:00:00Z", false, "2025-11-02T05:30:00Z", ""},
	})
}

// Half-hour zones. Australia/Lord_Howe shifts by 30 minutes:
// 2025-04-06 02:00 +11 → 01:30 +10:30 (2025-04-05 15:00 UTC) and
// 2025-10-05 02:00 +10:30 → 02:30 +11 (2025-10-04 15:30 UTC).
// Australia/Adelaide (+09:30/+10:30): 2025-04-06 03:00 → 02:00 and
// 2025-10-05 02:00 → 03:00 (both 16:30 UTC the day before). Asia/Kolkata is
// +05:30 all year.
func TestStatusHalfHourZones(t *testing.T) {
	const lh, ad, in = "Australia/Lord_Howe", "Australia/Adelaide", "Asia/Kolkata"
	runStatusCases(t, []statusCase{
		{"Lord Howe: repeated half hour, first pass", lh, "SUNDAY 01:30-01:45", "", "2025-04-05T14:30:00Z", true, "", "2025-04-05T14:45:00Z"},
		{"Lord Howe: repeated half hour, second pass", lh, "SUNDAY 01:30-01:45", "", "2025-04-05T15:10:00Z", false, "2025-04-12T15:00:00Z", ""},
		{"Lord Howe: night shift over the fall back lasts 8.5 h", lh, "SATURDAY 22:00-06:00", "", "2025-04-05T12:00:00Z", true, "", "2025-04-05T19:30:00Z"},
		{"Lord Howe: range in the half-hour gap is skipped", lh, "SUNDAY 02:00-02:30", "", "2025-10-04T15:00:00Z", false, "2025-10-11T15:00:00Z", ""},
		{"Lord Howe: opening in the gap", lh, "SUNDAY 02:15-08:00", "", "2025-10-04T15:29:00Z", false, "2025-10-04T15:30:00Z", ""},
		{"Lord Howe: opened at the jump", lh, "SUNDAY 02:15-08:00", "", "2025-10-04T15:30:00Z", true, "", "2025-10-04T21:00:00Z"},
		{"Adelaide: overnight closing in the gap", ad, "SATURDAY 20:00-02:30", "", "2025-10-04T11:00:00Z", true, "", "2025-10-04T16:30:00Z"},
		{"Adelaide: repeated hour, opening in it", ad, "SUNDAY 02:30-04:00", "", "2025-04-05T16:10:00Z", true, "", "2025-04-05T18:30:00Z"},
		{"Kolkata: 09:00 is 03:30 UTC", in, "MONDAY 09:00-18:00", "", "2025-01-06T03:29:00Z", false, "2025-01-06T03:30:00Z", ""},
		{"Kolkata: night shift and next morning are one period", in, "MONDAY 22:00-02:00; TUESDAY 02:00-06:00", "", "2025-01-06T17:00:00Z", true, "", "2025-01-07T00:30:00Z"},
	})
}

func TestStatusMidnightAndYearEnd(t *testing.T) {
	const be, ny, sh = "Europe/Berlin", "America/New_York", "Asia/Shanghai"
	daily := "* 09:00-18:00"
	runStatusCases(t, []statusCase{
		{"…–24:00 then 00:00–… is one period", be, "MONDAY 18:00-24:00; TUESDAY 00:00-08:00", "", "2025-01-06T20:00:00Z", true, "", "2025-01-07T07:00:00Z"},
		{"Sunday into Monday is one period", be, "SUNDAY 20:00-24:00; MONDAY 00:00-04:00", "", "2025-01-05T22:00:00Z", true, "", "2025-01-06T03:00:00Z"},
		{"Sunday's spill-over into Monday", be, "SUNDAY 20:00-04:00", "", "2025-01-06T01:00:00Z", true, "", "2025-01-06T03:00:00Z"},
		{"ending 24:00 closes at midnight", be, "FRIDAY 18:00-24:00", "", "2025-01-10T22:59:00Z", true, "", "2025-01-10T23:00:00Z"},
		{"ending 00:00 is the same as 24:00", be, "FRIDAY 18:00-00:00", "", "2025-01-10T22:59:00Z", true, "", "2025-01-10T23:00:00Z"},
		{"overnight chain over three days", be, "MONDAY 20:00-04:00; TUESDAY 04:00-24:00; WEDNESDAY 00:00-02:00", "", "2025-01-06T19:00:00Z", true, "", "2025-01-08T01:00:00Z"},
		{"year-end night shift", ny, "WEDNESDAY 22:00-02:00", "", "2026-01-01T04:00:00Z", true, "", "2026-01-01T07:00:00Z"},
		{"next open across the year end", ny, "FRIDAY 09:00-17:00", "", "2025-12-31T17:00:00Z", false, "2026-01-02T14:00:00Z", ""},
		{"new year closure by the group's date (UTC still says Dec 31)", sh, daily, "2026-01-01", "2025-12-31T16:30:00Z", false, "2026-01-02T01:00:00Z", ""},
		{"the day before the closure is open", sh, daily, "2026-01-01", "2025-12-31T09:30:00Z", true, "", "2025-12-31T10:00:00Z"},
		{"New Year's Eve closure with a party shift past midnight", sh, daily, "2025-12-31 20:00-02:00; 2026-01-01", "2025-12-31T17:00:00Z", true, "", "2025-12-31T18:00:00Z"},
	})
}

func TestStatusClosures(t *testing.T) {
	const be = "Europe/Berlin"
	office := "MONDAY 09:00-18:00; TUESDAY 09:00-18:00; WEDNESDAY 09:00-18:00; THURSDAY 09:00-18:00; FRIDAY 09:00-18:00"
	xmas := "2025-12-24 09:00-12:00; 2025-12-25; 2025-12-26"
	runStatusCases(t, []statusCase{
		{"closure hours replace the day's", be, office, xmas, "2025-12-24T10:00:00Z", true, "", "2025-12-24T11:00:00Z"},
		{"after the short day, next open skips the closed days", be, office, xmas, "2025-12-24T12:00:00Z", false, "2025-12-29T08:00:00Z", ""},
		{"closure with hours on a day without weekly hours", be, office, "2025-12-27 10:00-12:00", "2025-12-26T18:00:00Z", false, "2025-12-27T09:00:00Z", ""},
		{"closure does not cut the previous night's spill-over", be, "SATURDAY 22:00-06:00", "2025-01-12", "2025-01-12T02:00:00Z", true, "", "2025-01-12T05:00:00Z"},
		{"closure on the night's day removes it", be, "SATURDAY 22:00-06:00", "2025-01-11", "2025-01-11T22:00:00Z", false, "2025-01-18T21:00:00Z", ""},
		{"closure's own range runs past midnight", be, "", "2025-01-10 20:00-03:00", "2025-01-11T01:00:00Z", true, "", "2025-01-11T02:00:00Z"},
		{"closure touching the next day's hours is one period", be, "SATURDAY 00:00-08:00", "2025-01-10 20:00-24:00", "2025-01-10T20:00:00Z", true, "", "2025-01-11T07:00:00Z"},
		{"first of duplicate closures applies", be, office, "2025-01-06; 2025-01-06 09:00-18:00", "2025-01-06T10:00:00Z", false, "2025-01-07T08:00:00Z", ""},
		{"malformed closure date is ignored", be, office, "2025-02-30; 06.01.2025", "2025-01-06T10:00:00Z", true, "", "2025-01-06T17:00:00Z"},
	})
}

func TestStatusHorizon(t *testing.T) {
	const z = "UTC"
	runStatusCases(t, []statusCase{
		{"open around the clock: no close within 14 days", z, "* 00:00-24:00", "", "2025-01-06T12:00:00Z", true, "", ""},
		{"around the clock until a closure", z, "* 00:00-24:00", "2025-01-15", "2025-01-06T12:00:00Z", true, "", "2025-01-15T00:00:00Z"},
		{"a close exactly 14 days ahead is shown", z, "* 00:00-24:00", "2025-01-20", "2025-01-06T00:00:00Z", true, "", "2025-01-20T00:00:00Z"},
		{"a close past 14 days is not", z, "* 00:00-24:00", "2025-01-21", "2025-01-06T12:00:00Z", true, "", ""},
		{"an opening exactly 14 days ahead is shown", z, "MONDAY 09:00-10:00", "2025-01-06; 2025-01-13", "2025-01-06T09:00:00Z", false, "2025-01-20T09:00:00Z", ""},
		{"an opening past 14 days is not", z, "MONDAY 09:00-10:00", "2025-01-13; 2025-01-20", "2025-01-06T10:00:00Z", false, "", ""},
		{"no hours at all", z, "", "", "2025-01-06T10:00:00Z", false, "", ""},
		{"closing instant is closed", z, "MONDAY 09:00-10:00", "", "2025-01-06T10:00:00Z", false, "2025-01-13T09:00:00Z", ""},
		{"opening instant is open", z, "MONDAY 09:00-10:00", "", "2025-01-06T09:00:00Z", true, "", "2025-01-06T10:00:00Z"},
		{"a second before opening", z, "MONDAY 09:00-10:00", "", "2025-01-06T08:59:59Z", false, "2025-01-06T09:00:00Z", ""},
	})
}

func TestStatusUnknownZone(t *testing.T) {
	for _, zone := range []string{"", "Local", "Mars/Olympus_Mons"} {
		s := schedule.Schedule{Week: wk("* 00:00-24:00"), Zone: zone}
		at := utc("2025-01-06T12:00:00Z")
		if _, err := s.StatusAt(at); !errors.Is(err, schedule.ErrZone) {
			t.Errorf("%q: StatusAt error = %v, want ErrZone", zone, err)
		}
		if s.OpenAt(at) {
			t.Errorf("%q: OpenAt = true", zone)
		}
		if _, ok := s.NextOpen(at); ok {
			t.Errorf("%q: NextOpen ok", zone)
		}
		if _, ok := s.NextClose(at); ok {
			t.Errorf("%q: NextClose ok", zone)
		}
		if _, err := s.Today(at); !errors.Is(err, schedule.ErrZone) {
			t.Errorf("%q: Today error = %v, want ErrZone", zone, err)
		}
		if _, err := s.Periods(at, at.Add(time.Hour)); !errors.Is(err, schedule.ErrZone) {
			t.Errorf("%q: Periods error = %v, want ErrZone", zone, err)
		}
	}
}

// The server's zone (time.Local) and the zone of the instant passed in must
// not matter: dates and weekdays are the group's.
func TestClosuresInGroupZoneNotServerZone(t *testing.T) {
	saved := time.Local
	t.Cleanup(func() { time.Local = saved })
	honolulu, err := time.LoadLocation("Pacific/Honolulu")
	if err != nil {
		t.Fatal(err)
	}
	time.Local = honolulu
	s := schedule.Schedule{Week: wk("* 09:00-18:00"), Closures: cl("2026-01-01"), Zone: "Asia/Tokyo"}
	// 2026-01-01 10:00 in Tokyo is still 2025-12-31 15:00 in Honolulu.
	for _, at := range []time.Time{
		time.Date(2025, 12, 31, 15, 0, 0, 0, honolulu),
		time.Date(2025, 12, 31, 15, 0, 0, 0, time.Local),
		time.Date(2026, 1, 1, 1, 0, 0, 0, time.UTC),
	} {
		if s.OpenAt(at) {
			t.Errorf("OpenAt(%v) = true on the group's closed New Year's Day", at)
		}
		next, ok := s.NextOpen(at)
		if want := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC); !ok || !next.Equal(want) {
			t.Errorf("NextOpen(%v) = %v, %v; want %v", at, next, ok, want)
		}
		day, err := s.Today(at)
		if err != nil || day.Date != "2026-01-01" || day.Day != schedule.Thursday || day.Closure == nil || len(day.Hours) != 0 {
			t.Errorf("Today(%v) = %+v, %v; want the closed 2026-01-01", at, day, err)
		}
	}
	// And the day before in Tokyo is open although Honolulu's date then is
	// the 30th.
	if at := time.Date(2025, 12, 30, 16, 0, 0, 0, honolulu); !s.OpenAt(at) {
		t.Errorf("OpenAt(%v) = false on Tokyo's 2025-12-31 11:00", at)
	}
}

func TestToday(t *testing.T) {
	s := schedule.Schedule{
		Week: wk("MONDAY 09:00-12:00 13:00-18:00; SATURDAY 09:00-13:00; SUNDAY 22:00-02:00"),
		Closures: []schedule.Closure{
			{Date: "2025-12-24", Name: ptr("Christmas Eve"), Hours: hours("09:00", "12:00")},
			{Date: "2025-12-25", Name: ptr("Christmas"), Hours: []schedule.TimeRange{}},
			{Date: "2025-12-26"}, // nil hours: closed too
		},
		Zone: "Europe/Berlin",
	}
	tests := []struct {
		at      string
		date    string
		day     schedule.Weekday
		hours   []schedule.TimeRange
		closure string
	}{
		{"2025-01-06T10:00:00Z", "2025-01-06", schedule.Monday, hours("09:00", "12:00", "13:00", "18:00"), ""},
		{"2025-01-05T23:30:00Z", "2025-01-06", schedule.Monday, hours("09:00", "12:00", "13:00", "18:00"), ""}, // Berlin is past midnight
		{"2025-01-07T10:00:00Z", "2025-01-07", schedule.Tuesday, []schedule.TimeRange{}, ""},
		{"2025-01-12T10:00:00Z", "2025-01-12", schedule.Sunday, hours("22:00", "02:00"), ""},
		{"2025-12-24T10:00:00Z", "2025-12-24", schedule.Wednesday, hours("09:00", "12:00"), "2025-12-24"},
		{"2025-12-25T10:00:00Z", "2025-12-25", schedule.Thursday, []schedule.TimeRange{}, "2025-12-25"},
		{"2025-12-26T10:00:00Z", "2025-12-26", schedule.Friday, []schedule.TimeRange{}, "2025-12-26"},
		{"2025-12-31T23:30:00Z", "2026-01-01", schedule.Thursday, []schedule.TimeRange{}, ""},
	}
	for _, tt := range tests {
		got, err := s.Today(utc(tt.at))
		if err != nil {
			t.Fatal(err)
		}
		closure := ""
		if got.Closure != nil {
			closure = got.Closure.Date
		}
		if got.Date != tt.date || got.Day != tt.day || got.Hours == nil || !slices.Equal(got.Hours, tt.hours) || closure != tt.closure {
			t.Errorf("Today(%s) = %+v (closure %q); want %s %s %v closure %q", tt.at, got, closure, tt.date, tt.day, tt.hours, tt.closure)
		}
	}
}

func TestPeriods(t *testing.T) {
	s := schedule.Schedule{
		Week:     wk("MONDAY 09:00-12:00 12:00-18:00; TUESDAY 22:00-02:00; WEDNESDAY 02:00-04:00"),
		Closures: cl("2025-01-13"),
		Zone:     "Europe/Berlin",
	}
	from, to := utc("2025-01-06T10:00:00Z"), utc("2025-01-13T12:00:00Z")
	got, err := s.Periods(from, to)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"2025-01-06T10:00:00Z/2025-01-06T17:00:00Z", // cut at from; touching ranges merged
		"2025-01-07T21:00:00Z/2025-01-08T03:00:00Z", // overnight and next morning merged
	}
	var gotS []string
	for _, p := range got {
		gotS = append(gotS, p.Start.UTC().Format(time.RFC3339)+"/"+p.End.UTC().Format(time.RFC3339))
		if p.Start.Location().String() != "Europe/Berlin" {
			t.Errorf("period %v not in the group's zone", p)
		}
	}
	if !slices.Equal(gotS, want) {
		t.Errorf("Periods = %v, want %v", gotS, want)
	}
	cut, err := s.Periods(utc("2025-01-07T23:00:00Z"), utc("2025-01-08T00:00:00Z"))
	if err != nil || len(cut) != 1 || !cut[0].Start.Equal(utc("2025-01-07T23:00:00Z")) || !cut[0].End.Equal(utc("2025-01-08T00:00:00Z")) {
		t.Errorf("Periods inside one period = %v, %v", cut, err)
	}
	if _, err := s.Periods(to, from); !errors.Is(err, schedule.ErrWindow) {
		t.Errorf("reversed window error = %v", err)
	}
	if _, err := s.Periods(from, from.AddDate(2, 0, 0)); !errors.Is(err, schedule.ErrWindow) {
		t.Errorf("two-year window error = %v", err)
	}
	if empty, err := s.Periods(from, from); err != nil || empty == nil || len(empty) != 0 {
		t.Errorf("empty window = %#v, %v", empty, err)
	}
}

func TestOldOpenAtUsesModel(t *testing.T) {
	// The old signature reads the same model: an overnight range from the
	// old fields behaves as in weeklyHours.
	at := utc("2025-01-07T01:00:00Z") // Tuesday 02:00 in Berlin
	if !schedule.OpenAt(at, []schedule.Weekday{schedule.Monday}, hours("22:00", "03:00"), "Europe/Berlin") {
		t.Error("old OpenAt misses Monday's spill-over into Tuesday")
	}
	s := schedule.Schedule{Week: schedule.FromServiceTimes(monFri, nine), Zone: "Asia/Shanghai"}
	for _, ts := range []string{"2025-01-06T00:59:00Z", "2025-01-06T01:00:00Z", "2025-01-06T09:59:59Z", "2025-01-06T10:00:00Z", "2025-01-11T03:00:00Z"} {
		if got, want := schedule.OpenAt(utc(ts), monFri, nine, "Asia/Shanghai"), s.OpenAt(utc(ts)); got != want {
			t.Errorf("OpenAt(%s) = %v, Schedule.OpenAt = %v", ts, got, want)
		}
	}
}

func TestScheduleJSON(t *testing.T) {
	s := schedule.Schedule{
		Week: wk("MONDAY 09:00-12:00 13:00-18:00; SATURDAY 22:00-02:00"),
		Closures: []schedule.Closure{
			{Date: "2025-12-24", Name: ptr("Christmas Eve"), Hours: hours("09:00", "12:00")},
			{Date: "2025-12-25", Hours: []schedule.TimeRange{}},
		},
		Zone: "Europe/Berlin",
	}
	week, err := json.Marshal(s.Week)
	if err != nil {
		t.Fatal(err)
	}
	if want := `[{"day":"MONDAY","hours":[{"start":"09:00","end":"12:00"},{"start":"13:00","end":"18:00"}]},{"day":"SATURDAY","hours":[{"start":"22:00","end":"02:00"}]}]`; string(week) != want {
		t.Errorf("Week JSON = %s, want %s", week, want)
	}
	closures, err := json.Marshal(s.Closures)
	if err != nil {
		t.Fatal(err)
	}
	if want := `[{"date":"2025-12-24","name":"Christmas Eve","hours":[{"start":"09:00","end":"12:00"}]},{"date":"2025-12-25","hours":[]}]`; string(closures) != want {
		t.Errorf("Closures JSON = %s, want %s", closures, want)
	}
	var backWeek schedule.Week
	var backClosures []schedule.Closure
	if err := json.Unmarshal(week, &backWeek); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(closures, &backClosures); err != nil {
		t.Fatal(err)
	}
	if !weekEqual(backWeek, s.Week) {
		t.Errorf("Week round trip = %v", backWeek)
	}
	if len(backClosures) != 2 || *backClosures[0].Name != "Christmas Eve" || backClosures[1].Name != nil ||
		!slices.Equal(backClosures[0].Hours, s.Closures[0].Hours) || backClosures[1].Hours == nil || len(backClosures[1].Hours) != 0 {
		t.Errorf("Closures round trip = %+v", backClosures)
	}
	// A stored null or missing hours list reads as closed all day.
	var c schedule.Closure
	if err := json.Unmarshal([]byte(`{"date":"2025-12-26","hours":null}`), &c); err != nil || len(c.Hours) != 0 {
		t.Errorf("null hours = %+v, %v", c, err)
	}
}

// Instants far from today, and schedules full of junk, must neither panic
// nor loop.
func TestExtremes(t *testing.T) {
	s := schedule.Schedule{
		Week:     append(wk("* 00:00-24:00 22:00-02:00 24:00-01:00 x-y 09:00-09:00"), schedule.DayHours{Day: "FUNDAY", Hours: nine}),
		Closures: append(cl("0001-01-01; 9999-12-31 20:00-04:00; 2025-13-45"), schedule.Closure{Date: "2025-01-06", Hours: hours("25:00", "26:00")}),
		Zone:     "America/New_York",
	}
	for _, at := range []time.Time{{}, time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(1883, 11, 18, 17, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 0, 0, 0, time.UTC), time.Date(2025, 1, 6, 12, 0, 0, 0, time.UTC)} {
		st, err := s.StatusAt(at)
		if err != nil {
			t.Fatal(err)
		}
		if st.Open != s.OpenAt(at) {
			t.Errorf("%v: StatusAt.Open = %v, OpenAt = %v", at, st.Open, s.OpenAt(at))
		}
		if _, err := s.Today(at); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Periods(at, at.Add(24*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	// The closure of 2025-01-06 has only unreadable ranges: closed that day.
	if at := utc("2025-01-06T17:00:00Z"); s.OpenAt(at) {
		t.Errorf("open on a closure whose ranges are all unreadable")
	}
}

// BenchmarkStatusAt is the product page's cost per group: a two-shift week
// with a night shift and a few closures, in a zone with DST.
func BenchmarkStatusAt(b *testing.B) {
	s := schedule.Schedule{
		Week:     wk("MONDAY 09:00-12:00 13:00-18:00; TUESDAY 09:00-12:00 13:00-18:00; WEDNESDAY 09:00-12:00 13:00-18:00; THURSDAY 09:00-12:00 13:00-18:00; FRIDAY 09:00-12:00 13:00-18:00 22:00-06:00; SATURDAY 09:00-13:00"),
		Closures: cl("2025-12-24 09:00-12:00; 2025-12-25; 2025-12-26; 2025-12-31 09:00-14:00; 2026-01-01"),
		Zone:     "Europe/Berlin",
	}
	at := utc("2025-12-23T17:30:00Z")
	for b.Loop() {
		if _, err := s.StatusAt(at); err != nil {
			b.Fatal(err)
		}
	}
}
