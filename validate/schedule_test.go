package validate_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"servicesupport/schedule"
	"servicesupport/usererror"
	"servicesupport/validate"
)

func tr(pairs ...string) []schedule.TimeRange {
	out := []schedule.TimeRange{}
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, schedule.TimeRange{Start: pairs[i], End: pairs[i+1]})
	}
	return out
}

func dh(day schedule.Weekday, pairs ...string) schedule.DayHours {
	return schedule.DayHours{Day: day, Hours: tr(pairs...)}
}

func weekEqual(a, b schedule.Week) bool {
	return slices.EqualFunc(a, b, func(x, y schedule.DayHours) bool {
		return x.Day == y.Day && slices.Equal(x.Hours, y.Hours)
	})
}

func TestWeeklyHours(t *testing.T) {
	const (
		mon, tue, wed, sat, sun = schedule.Monday, schedule.Tuesday, schedule.Wednesday, schedule.Saturday, schedule.Sunday
		overlap                 = "ranges must be sorted and must not overlap"
		spill                   = "overlaps the previous day's hours"
	)
	inv, req := usererror.Invalid, usererror.Required
	tests := []struct {
		name     string
		in       []schedule.DayHours
		want     schedule.Week // checked when there are no problems
		problems []problem
	}{
		{"office week", []schedule.DayHours{dh(mon, "09:00", "18:00"), dh(tue, "09:00", "12:00", "13:00", "18:00")},
			schedule.Week{dh(mon, "09:00", "18:00"), dh(tue, "09:00", "12:00", "13:00", "18:00")}, nil},
		{"sorted Monday first", []schedule.DayHours{dh(sun, "10:00", "14:00"), dh(sat, "09:00", "13:00"), dh(mon, "09:00", "18:00")},
			schedule.Week{dh(mon, "09:00", "18:00"), dh(sat, "09:00", "13:00"), dh(sun, "10:00", "14:00")}, nil},
		{"trimmed", []schedule.DayHours{{Day: " MONDAY ", Hours: tr(" 09:00", "18:00 ")}}, schedule.Week{dh(mon, "09:00", "18:00")}, nil},
		{"night shift", []schedule.DayHours{dh(mon, "22:00", "06:00")}, schedule.Week{dh(mon, "22:00", "06:00")}, nil},
		{"overnight ending at 00:00", []schedule.DayHours{dh(mon, "18:00", "00:00")}, schedule.Week{dh(mon, "18:00", "00:00")}, nil},
		{"split shift with night part last", []schedule.DayHours{dh(mon, "08:00", "12:00", "20:00", "04:00")}, schedule.Week{dh(mon, "08:00", "12:00", "20:00", "04:00")}, nil},
		{"whole day", []schedule.DayHours{dh(mon, "00:00", "24:00"), dh(tue, "00:00", "24:00")}, schedule.Week{dh(mon, "00:00", "24:00"), dh(tue, "00:00", "24:00")}, nil},
		{"23 h 59 overnight", []schedule.DayHours{dh(mon, "09:01", "09:00")}, schedule.Week{dh(mon, "09:01", "09:00")}, nil},
		{"next day starts where the spill-over ends", []schedule.DayHours{dh(mon, "22:00", "06:00"), dh(tue, "06:00", "14:00")},
			schedule.Week{dh(mon, "22:00", "06:00"), dh(tue, "06:00", "14:00")}, nil},
		{"spill-over into a day without hours", []schedule.DayHours{dh(mon, "22:00", "06:00"), dh(wed, "00:00", "06:00")},
			schedule.Week{dh(mon, "22:00", "06:00"), dh(wed, "00:00", "06:00")}, nil},
		{"touching at midnight", []schedule.DayHours{dh(mon, "18:00", "24:00"), dh(tue, "00:00", "08:00")},
			schedule.Week{dh(mon, "18:00", "24:00"), dh(tue, "00:00", "08:00")}, nil},

		{"nil", nil, nil, []problem{{"input.x", req, "is required"}}},
		{"empty", []schedule.DayHours{}, nil, []problem{{"input.x", req, "is required"}}},
		{"eight days", []schedule.DayHours{dh(mon, "09:00", "10:00"), dh(mon, "09:00", "10:00"), dh(mon, "09:00", "10:00"), dh(mon, "09:00", "10:00"),
			dh(mon, "09:00", "10:00"), dh(mon, "09:00", "10:00"), dh(mon, "09:00", "10:00"), dh(mon, "09:00", "10:00")}, nil,
			[]problem{{"input.x", inv, "at most 7 days"}}},
		{"invalid day", []schedule.DayHours{dh(mon, "09:00", "10:00"), dh("FUNDAY", "09:00", "10:00")}, nil, []problem{{"input.x.1.day", inv, "must be one of"}}},
		{"lower-case day", []schedule.DayHours{dh("monday", "09:00", "10:00")}, nil, []problem{{"input.x.0.day", inv, "must be one of"}}},
		{"duplicate day", []schedule.DayHours{dh(mon, "09:00", "10:00"), dh(tue, "09:00", "10:00"), dh(mon, "11:00", "12:00")}, nil,
			[]problem{{"input.x.2.day", inv, "more than once"}}},
		{"no ranges", []schedule.DayHours{dh(mon, "09:00", "10:00"), {Day: tue}}, nil, []problem{{"input.x.1.hours", req, "is required"}}},
		{"five ranges", []schedule.DayHours{dh(mon, "01:00", "02:00", "03:00", "04:00", "05:00", "06:00", "07:00", "08:00", "09:00", "10:00")}, nil,
			[]problem{{"input.x.0.hours", inv, "at most 4 ranges"}}},
		{"bad start", []schedule.DayHours{dh(mon, "9:00", "10:00")}, nil, []problem{{"input.x.0.hours.0.start", inv, "HH:MM"}}},
		{"start 24:00", []schedule.DayHours{dh(mon, "24:00", "02:00")}, nil, []problem{{"input.x.0.hours.0.start", inv, "23:59"}}},
		{"bad end", []schedule.DayHours{dh(mon, "09:00", "10:00"), dh(wed, "09:00", "10:00", "11:00", "24:30")}, nil,
			[]problem{{"input.x.1.hours.1.end", inv, "HH:MM"}}},
		{"start equals end", []schedule.DayHours{dh(mon, "09:00", "09:00")}, nil, []problem{{"input.x.0.hours.0.end", inv, "must differ from start"}}},
		{"00:00 to 00:00", []schedule.DayHours{dh(mon, "00:00", "00:00")}, nil, []problem{{"input.x.0.hours.0.end", inv, "00:00–24:00"}}},
		{"unsorted", []schedule.DayHours{dh(mon, "13:00", "18:00", "09:00", "12:00")}, nil, []problem{{"input.x.0.hours.1.start", inv, overlap}}},
		{"overlapping", []schedule.DayHours{dh(mon, "09:00", "13:00", "12:00", "18:00")}, nil, []problem{{"input.x.0.hours.1.start", inv, overlap}}},
		{"range after a night range", []schedule.DayHours{dh(mon, "20:00", "02:00", "22:00", "23:00")}, nil, []problem{{"input.x.0.hours.1.start", inv, overlap}}},
		{"overlapping the previous day's spill-over", []schedule.DayHours{dh(mon, "22:00", "06:00"), dh(tue, "05:00", "14:00")}, nil,
			[]problem{{"input.x.1.hours.0.start", inv, spill + ", which run past midnight until 06:00"}}},
		{"spill-over from the previous day listed later", []schedule.DayHours{dh(tue, "00:00", "01:00", "03:00", "14:00"), dh(mon, "22:00", "02:00")}, nil,
			[]problem{{"input.x.0.hours.0.start", inv, spill}}},
		{"Sunday spills into Monday", []schedule.DayHours{dh(mon, "01:00", "09:00"), dh(sun, "20:00", "02:00")}, nil,
			[]problem{{"input.x.0.hours.0.start", inv, spill + ", which run past midnight until 02:00"}}},
		{"every overlapped range is reported", []schedule.DayHours{dh(sat, "12:00", "11:00"), dh(sun, "01:00", "02:00", "03:00", "04:00", "11:00", "12:00")}, nil,
			[]problem{{"input.x.1.hours.0.start", inv, spill}, {"input.x.1.hours.1.start", inv, spill}}},
		{"errors in several days", []schedule.DayHours{dh(mon, "x", "10:00"), dh(tue, "09:00", "09:00"), dh("X", "y", "z")}, nil,
			[]problem{{"input.x.0.hours.0.start", inv, ""}, {"input.x.1.hours.0.end", inv, ""}, {"input.x.2.day", inv, ""}, {"input.x.2.hours.0.start", inv, ""}, {"input.x.2.hours.0.end", inv, ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var f validate.Form
			got := f.WeeklyHours(field(), tt.in)
			checkProblems(t, &f, tt.problems)
			if got == nil {
				t.Errorf("WeeklyHours returned nil")
			}
			if len(tt.problems) == 0 && !weekEqual(got, tt.want) {
				t.Errorf("WeeklyHours = %v, want %v", got, tt.want)
			}
			// What validation accepts the model can use as it is.
			if len(tt.problems) == 0 && !weekEqual(got.Canonical(), got) {
				t.Errorf("WeeklyHours result is not canonical: %v", got)
			}
		})
	}
}

func TestClosures(t *testing.T) {
	inv, req, long := usererror.Invalid, usererror.Required, usererror.TooLong
	name := func(s string) *string { return &s }
	c := func(date string, n *string, pairs ...string) schedule.Closure {
		return schedule.Closure{Date: date, Name: n, Hours: tr(pairs...)}
	}
	many := func(n int) []schedule.Closure {
		out := make([]schedule.Closure, n)
		for i := range out {
			out[i] = c(time.Date(2025, 12, 1+i, 0, 0, 0, 0, time.UTC).Format(time.DateOnly), nil)
		}
		return out
	}
	tests := []struct {
		name     string
		in       []schedule.Closure
		want     []schedule.Closure // checked when there are no problems
		problems []problem
	}{
		{"closed all day", []schedule.Closure{c("2025-12-25", name("Christmas"))}, []schedule.Closure{c("2025-12-25", name("Christmas"))}, nil},
		{"nil hours become empty", []schedule.Closure{{Date: "2025-12-25"}}, []schedule.Closure{c("2025-12-25", nil)}, nil},
		{"special hours", []schedule.Closure{c("2025-12-24", nil, "09:00", "12:00")}, []schedule.Closure{c("2025-12-24", nil, "09:00", "12:00")}, nil},
		{"past midnight", []schedule.Closure{c("2025-12-31", name("New Year's Eve"), "20:00", "02:00")}, []schedule.Closure{c("2025-12-31", name("New Year's Eve"), "20:00", "02:00")}, nil},
		{"sorted by date, trimmed, empty name is none", []schedule.Closure{c(" 2026-01-01 ", name("  ")), c("2025-12-25", name(" Christmas "), " 10:00", "12:00 ")},
			[]schedule.Closure{c("2025-12-25", name("Christmas"), "10:00", "12:00"), c("2026-01-01", nil)}, nil},
		{"none", []schedule.Closure{}, []schedule.Closure{}, nil},
		{"nil", nil, []schedule.Closure{}, nil},
		{"fifty", many(50), nil, nil},

		{"fifty-one", many(51), nil, []problem{{"input.x", inv, "at most 50 closures"}}},
		{"no date", []schedule.Closure{c("", nil)}, nil, []problem{{"input.x.0.date", req, "is required"}}},
		{"bad date format", []schedule.Closure{c("2025-12-25", nil), c("25.12.2025", nil)}, nil, []problem{{"input.x.1.date", inv, "YYYY-MM-DD"}}},
		{"no such date", []schedule.Closure{c("2025-02-29", nil)}, nil, []problem{{"input.x.0.date", inv, "YYYY-MM-DD"}}},
		{"date with time", []schedule.Closure{c("2025-12-25T00:00:00Z", nil)}, nil, []problem{{"input.x.0.date", inv, "YYYY-MM-DD"}}},
		{"duplicate date", []schedule.Closure{c("2025-12-25", nil), c("2025-12-26", nil), c(" 2025-12-25", nil, "09:00", "12:00")}, nil,
			[]problem{{"input.x.2.date", inv, "more than once"}}},
		{"long name", []schedule.Closure{c("2025-12-25", name(strings.Repeat("é", 65)))}, nil, []problem{{"input.x.0.name", long, "at most 64"}}},
		{"64-character name", []schedule.Closure{c("2025-12-25", name(strings.Repeat("é", 64)))}, nil, nil},
		{"control character in name", []schedule.Closure{c("2025-12-25", name("Christ\nmas"))}, nil, []problem{{"input.x.0.name", inv, "control characters"}}},
		{"invalid UTF-8 name", []schedule.Closure{c("2025-12-25", name("\xff"))}, nil, []problem{{"input.x.0.name", inv, "UTF-8"}}},
		{"five ranges", []schedule.Closure{c("2025-12-25", nil, "01:00", "02:00", "03:00", "04:00", "05:00", "06:00", "07:00", "08:00", "09:00", "10:00")}, nil,
			[]problem{{"input.x.0.hours", inv, "at most 4 ranges"}}},
		{"bad range", []schedule.Closure{c("2025-12-25", nil, "09:00", "12:00", "13:00", "1300")}, nil, []problem{{"input.x.0.hours.1.end", inv, "HH:MM"}}},
		{"start equals end", []schedule.Closure{c("2025-12-25", nil, "09:00", "09:00")}, nil, []problem{{"input.x.0.hours.0.end", inv, "must differ"}}},
		{"overlapping ranges", []schedule.Closure{c("2025-12-25", nil, "09:00", "12:00", "11:00", "13:00")}, nil, []problem{{"input.x.0.hours.1.start", inv, "must not overlap"}}},
		{"several problems in order", []schedule.Closure{c("x", name(strings.Repeat("a", 65)), "9", "10:00")}, nil,
			[]problem{{"input.x.0.date", inv, ""}, {"input.x.0.name", long, ""}, {"input.x.0.hours.0.start", inv, ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var f validate.Form
			got := f.Closures(field(), tt.in)
			checkProblems(t, &f, tt.problems)
			if got == nil {
				t.Fatal("Closures returned nil")
			}
			if len(tt.problems) > 0 || tt.want == nil {
				return
			}
			eq := slices.EqualFunc(got, tt.want, func(a, b schedule.Closure) bool {
				return a.Date == b.Date && (a.Name == nil) == (b.Name == nil) && (a.Name == nil || *a.Name == *b.Name) &&
					a.Hours != nil && slices.Equal(a.Hours, b.Hours)
			})
			if !eq {
				t.Errorf("Closures = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestOneScheduleForm(t *testing.T) {
	tests := []struct {
		days, hours, weekly bool
		ok                  bool
	}{
		{false, false, false, true},
		{true, true, false, true},
		{false, false, true, true},
		{true, true, true, false},
		{true, false, true, false},
		{false, true, true, false},
	}
	for _, tt := range tests {
		var f validate.Form
		if got := f.OneScheduleForm([]string{"input", "weeklyHours"}, tt.days, tt.hours, tt.weekly); got != tt.ok {
			t.Errorf("OneScheduleForm(%v, %v, %v) = %v, want %v", tt.days, tt.hours, tt.weekly, got, tt.ok)
		}
		var want []problem
		if !tt.ok {
			want = []problem{{"input.weeklyHours", usererror.Invalid, "cannot be given together"}}
		}
		checkProblems(t, &f, want)
	}
}

// TestWeeklyHoursMatchModel: whatever WeeklyHours accepts, the model reads
// without dropping a range, and the old fields read back from it.
func TestWeeklyHoursMatchModel(t *testing.T) {
	var f validate.Form
	week := f.WeeklyHours(field(), []schedule.DayHours{
		dh(schedule.Friday, "09:00", "12:00", "13:00", "18:00"),
		dh(schedule.Saturday, "22:00", "06:00"),
		dh(schedule.Sunday, "06:00", "10:00"),
	})
	if err := f.Err(); err != nil {
		t.Fatal(err)
	}
	for _, d := range week {
		for _, r := range d.Hours {
			if _, _, ok := schedule.ExtendedMinutes(r); !ok {
				t.Errorf("validated range %v is unreadable by the model", r)
			}
		}
	}
	if got := week.ServiceDays(); !slices.Equal(got, []schedule.Weekday{schedule.Friday, schedule.Saturday, schedule.Sunday}) {
		t.Errorf("ServiceDays = %v", got)
	}
	if got := week.ServiceHours(); !slices.Equal(got, tr("09:00", "12:00", "13:00", "18:00")) {
		t.Errorf("ServiceHours = %v", got)
	}
}
