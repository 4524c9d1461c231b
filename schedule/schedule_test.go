package schedule_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"servicesupport/schedule"
)

func TestAllWeekdaysOrder(t *testing.T) {
	want := []schedule.Weekday{"MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"}
	if len(schedule.AllWeekdays) != len(want) {
		t.Fatalf("AllWeekdays has %d entries, want %d", len(schedule.AllWeekdays), len(want))
	}
	for i, d := range schedule.AllWeekdays {
		if d != want[i] {
			t.Errorf("AllWeekdays[%d] = %q, want %q", i, d, want[i])
		}
		if d.Index() != i {
			t.Errorf("%s.Index() = %d, want %d", d, d.Index(), i)
		}
	}
}

func TestWeekday(t *testing.T) {
	tests := []struct {
		day   schedule.Weekday
		valid bool
		tw    time.Weekday
		index int
	}{
		{schedule.Monday, true, time.Monday, 0},
		{schedule.Tuesday, true, time.Tuesday, 1},
		{schedule.Wednesday, true, time.Wednesday, 2},
		{schedule.Thursday, true, time.Thursday, 3},
		{schedule.Friday, true, time.Friday, 4},
		{schedule.Saturday, true, time.Saturday, 5},
		{schedule.Sunday, true, time.Sunday, 6},
		{"", false, -1, -1},
		{"monday", false, -1, -1},
		{"Monday", false, -1, -1},
		{" MONDAY", false, -1, -1},
		{"MON", false, -1, -1},
		{"MONDAY\x00", false, -1, -1},
	}
	for _, tt := range tests {
		t.Run(string(tt.day), func(t *testing.T) {
			if got := tt.day.Valid(); got != tt.valid {
				t.Errorf("Valid() = %v, want %v", got, tt.valid)
			}
			if got := tt.day.TimeWeekday(); got != tt.tw {
				t.Errorf("TimeWeekday() = %v, want %v", got, tt.tw)
			}
			if got := tt.day.Index(); got != tt.index {
				t.Errorf("Index() = %d, want %d", got, tt.index)
			}
			if tt.valid {
				if back := schedule.WeekdayOf(tt.tw); back != tt.day {
					t.Errorf("WeekdayOf(%v) = %q, want %q", tt.tw, back, tt.day)
				}
			}
		})
	}
}

func TestWeekdayOf(t *testing.T) {
	tests := []struct {
		in   time.Weekday
		want schedule.Weekday
	}{
		{time.Sunday, schedule.Sunday},
		{time.Monday, schedule.Monday},
		{time.Saturday, schedule.Saturday},
		{-1, ""},
		{7, ""},
		{100, ""},
	}
	for _, tt := range tests {
		if got := schedule.WeekdayOf(tt.in); got != tt.want {
			t.Errorf("WeekdayOf(%d) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestWeekdayMarshalGQL(t *testing.T) {
	for _, d := range schedule.AllWeekdays {
		var buf bytes.Buffer
		d.MarshalGQL(&buf)
		if want := `"` + string(d) + `"`; buf.String() != want {
			t.Errorf("MarshalGQL(%s) wrote %s, want %s", d, buf.String(), want)
		}
	}
}

func TestWeekdayUnmarshalGQL(t *testing.T) {
	tests := []struct {
		name    string
		in      any
		want    schedule.Weekday
		wantErr bool
	}{
		{"valid", "FRIDAY", schedule.Friday, false},
		{"sunday", "SUNDAY", schedule.Sunday, false},
		{"lower case", "friday", "", true},
		{"padded", " FRIDAY", "", true},
		{"empty", "", "", true},
		{"number", 5, "", true},
		{"nil", nil, "", true},
		{"typed weekday is not a string", schedule.Friday, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d schedule.Weekday
			err := d.UnmarshalGQL(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("UnmarshalGQL(%v) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			}
			if d != tt.want {
				t.Errorf("UnmarshalGQL(%v) set %q, want %q", tt.in, d, tt.want)
			}
		})
	}
}

func TestJSON(t *testing.T) {
	v := struct {
		Days  []schedule.Weekday   `json:"days"`
		Hours []schedule.TimeRange `json:"hours"`
	}{
		Days:  []schedule.Weekday{schedule.Monday, schedule.Sunday},
		Hours: []schedule.TimeRange{{Start: "09:00", End: "24:00"}},
	}
	got, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"days":["MONDAY","SUNDAY"],"hours":[{"start":"09:00","end":"24:00"}]}`
	if string(got) != want {
		t.Errorf("json = %s, want %s", got, want)
	}
	var back struct {
		Days  []schedule.Weekday   `json:"days"`
		Hours []schedule.TimeRange `json:"hours"`
	}
	if err := json.Unmarshal(got, &back); err != nil {
		t.Fatal(err)
	}
	if back.Days[1] != schedule.Sunday || back.Hours[0] != v.Hours[0] {
		t.Errorf("round trip = %+v, want %+v", back, v)
	}
}

func TestParseClock(t *testing.T) {
	tests := []struct {
		in      string
		want    int
		wantErr bool
	}{
		{"00:00", 0, false},
		{"00:01", 1, false},
		{"09:05", 545, false},
		{"12:00", 720, false},
		{"23:59", 1439, false},
		{"24:00", 1440, false},
		{"", 0, true},
		{"9:00", 0, true},
		{"09:0", 0, true},
		{"24:01", 0, true},
		{"25:00", 0, true},
		{"99:99", 0, true},
		{"12:60", 0, true},
		{" 09:00", 0, true},
		{"09:00 ", 0, true},
		{"09:00:00", 0, true},
		{"09.00", 0, true},
		{"0900", 0, true},
		{"09-00", 0, true},
		{"+9:00", 0, true},
		{"-1:00", 0, true},
		{"09:-1", 0, true},
		{"ab:cd", 0, true},
		{"09:0a", 0, true},
		{"٠٩:٠٠", 0, true},      // Arabic-Indic digits
		{"０９:００", 0, true},      // full-width digits
		{"09\uff1a00", 0, true}, // full-width colon
		{"09:00\x00", 0, true},  // trailing NUL
		{"\x0009:0", 0, true},   // leading NUL
		{string([]byte{'0', '9', ':', '0', 0xff}), 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := schedule.ParseClock(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseClock(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			}
			if err != nil && !errors.Is(err, schedule.ErrClock) {
				t.Errorf("ParseClock(%q) error %v does not wrap ErrClock", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("ParseClock(%q) = %d, want %d", tt.in, got, tt.want)
			}
		})
	}
}

func TestFormatClock(t *testing.T) {
	tests := []struct {
		in   int
		want string
	}{
		{0, "00:00"}, {1, "00:01"}, {545, "09:05"}, {1439, "23:59"}, {1440, "24:00"},
		{-5, "00:00"}, {2000, "24:00"},
	}
	for _, tt := range tests {
		if got := schedule.FormatClock(tt.in); got != tt.want {
			t.Errorf("FormatClock(%d) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMinutes(t *testing.T) {
	tests := []struct {
		name       string
		in         schedule.TimeRange
		start, end int
		wantErr    string
	}{
		{"day", schedule.TimeRange{Start: "09:00", End: "18:00"}, 540, 1080, ""},
		{"to midnight", schedule.TimeRange{Start: "18:00", End: "24:00"}, 1080, 1440, ""},
		{"order is not checked", schedule.TimeRange{Start: "18:00", End: "09:00"}, 1080, 540, ""},
		{"bad start", schedule.TimeRange{Start: "9:00", End: "18:00"}, 0, 0, "start"},
		{"bad end", schedule.TimeRange{Start: "09:00", End: "24:30"}, 0, 0, "end"},
		{"empty", schedule.TimeRange{}, 0, 0, "start"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start, end, err := schedule.Minutes(tt.in)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Minutes(%+v) error = %v", tt.in, err)
				}
			} else if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
				t.Fatalf("Minutes(%+v) error = %v, want one about %s", tt.in, err, tt.wantErr)
			}
			if start != tt.start || end != tt.end {
				t.Errorf("Minutes(%+v) = %d, %d, want %d, %d", tt.in, start, end, tt.start, tt.end)
			}
		})
	}
}

var (
	monFri = []schedule.Weekday{schedule.Monday, schedule.Tuesday, schedule.Wednesday, schedule.Thursday, schedule.Friday}
	nine   = []schedule.TimeRange{{Start: "09:00", End: "18:00"}}
)

func hours(pairs ...string) []schedule.TimeRange {
	out := make([]schedule.TimeRange, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, schedule.TimeRange{Start: pairs[i], End: pairs[i+1]})
	}
	return out
}

func TestMeetsPolicy(t *testing.T) {
	mon, tue, wed, thu, sat := schedule.Monday, schedule.Tuesday, schedule.Wednesday, schedule.Thursday, schedule.Saturday
	tests := []struct {
		name  string
		days  []schedule.Weekday
		hours []schedule.TimeRange
		want  bool
	}{
		{"Mon-Fri exactly 8h", monFri, hours("09:00", "17:00"), true},
		{"Mon-Fri 9h", monFri, nine, true},
		{"exactly 8h split across two ranges", monFri, hours("09:00", "12:00", "13:00", "18:00"), true},
		{"8h split across four ranges", monFri, hours("06:00", "08:00", "10:00", "12:00", "14:00", "16:00", "22:00", "24:00"), true},
		{"8h ending at midnight", monFri, hours("16:00", "24:00"), true},
		{"7h59", monFri, hours("09:00", "16:59"), false},
		{"7h59 split", monFri, hours("09:00", "12:00", "13:00", "17:59"), false},
		{"4 days", monFri[:4], nine, false},
		{"all week around the clock", schedule.AllWeekdays, hours("00:00", "24:00"), true},
		{"5 entries, 4 distinct", []schedule.Weekday{mon, mon, tue, wed, thu}, nine, false},
		{"6 entries, 5 distinct", []schedule.Weekday{mon, tue, wed, thu, sat, sat}, nine, true},
		{"weekend days count", []schedule.Weekday{mon, tue, wed, sat, schedule.Sunday}, nine, true},
		{"invalid day", []schedule.Weekday{mon, tue, wed, thu, sat, "FUNDAY"}, nine, false},
		{"no days", nil, nine, false},
		{"no hours", monFri, nil, false},
		{"unparsable range", monFri, hours("09:00", "17:00", "9:00", "10:00"), false},
		{"reversed range", monFri, hours("18:00", "09:00"), false},
		{"empty range", monFri, hours("09:00", "09:00", "09:00", "18:00"), false},
		{"overlap counted once: 8h union", monFri, hours("09:00", "13:00", "12:00", "17:00"), true},
		{"overlap counted once: 4h union", monFri, hours("09:00", "13:00", "09:00", "13:00"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := schedule.MeetsPolicy(tt.days, tt.hours); got != tt.want {
				t.Errorf("MeetsPolicy(%v, %v) = %v, want %v", tt.days, tt.hours, got, tt.want)
			}
		})
	}
}

func TestLoadZone(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"UTC", true},
		{"Asia/Shanghai", true},
		{"Europe/Berlin", true},
		{"America/New_York", true},
		{"America/Argentina/Buenos_Aires", true},
		{"America/Port-au-Prince", true},
		{"Etc/GMT+8", true},
		{"Etc/GMT-14", true},
		{"", false},
		{"Local", false},
		{"Mars/Olympus_Mons", false},
		{"Asia//Shanghai", false},
		{"Asia/Shanghai/", false},
		{"/Asia/Shanghai", false},
		{"/etc/passwd", false},
		{"../etc/passwd", false},
		{"Asia/../Asia/Shanghai", false},
		{"./UTC", false},
		{"zone.tab", false},
		{" UTC", false},
		{"Asia/Shanghai\x00", false},
		{"Asia\\Shanghai", false},
		{"UTC+8", false},
		{strings.Repeat("A", 65), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc, err := schedule.LoadZone(tt.name)
			if tt.ok {
				if err != nil || loc == nil || loc.String() != tt.name {
					t.Fatalf("LoadZone(%q) = %v, %v; want the zone", tt.name, loc, err)
				}
				// A second load is served from the cache and must agree.
				if again, err := schedule.LoadZone(tt.name); err != nil || again != loc {
					t.Errorf("second LoadZone(%q) = %v, %v; want %v", tt.name, again, err, loc)
				}
				return
			}
			if err == nil || !errors.Is(err, schedule.ErrZone) {
				t.Fatalf("LoadZone(%q) = %v, %v; want ErrZone", tt.name, loc, err)
			}
		})
	}
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestOpenAt(t *testing.T) {
	weekend := []schedule.Weekday{schedule.Saturday, schedule.Sunday}
	tests := []struct {
		name  string
		at    string // RFC 3339 instant
		days  []schedule.Weekday
		hours []schedule.TimeRange
		zone  string
		want  bool
	}{
		// 2025-01-06 is a Monday. Shanghai is UTC+8 all year.
		{"Mon 08:30 UTC is 16:30 in Shanghai", "2025-01-06T08:30:00Z", monFri, nine, "Asia/Shanghai", true},
		{"Mon 08:30 UTC in UTC is before opening", "2025-01-06T08:30:00Z", monFri, nine, "UTC", false},
		{"Mon 00:30 UTC is 08:30 in Shanghai", "2025-01-06T00:30:00Z", monFri, nine, "Asia/Shanghai", false},
		{"opening minute is open", "2025-01-06T01:00:00Z", monFri, nine, "Asia/Shanghai", true},
		{"last minute is open", "2025-01-06T09:59:59Z", monFri, nine, "Asia/Shanghai", true},
		{"closing minute is closed", "2025-01-06T10:00:00Z", monFri, nine, "Asia/Shanghai", false},
		{"same instant given in another offset", "2025-01-06T16:30:00+08:00", monFri, nine, "Asia/Shanghai", true},
		// Sunday 16:30 UTC is already Monday 00:30 in Shanghai.
		{"local weekday decides: Monday in Shanghai", "2025-01-05T16:30:00Z", monFri, hours("00:00", "24:00"), "Asia/Shanghai", true},
		{"local weekday decides: Sunday in UTC", "2025-01-05T16:30:00Z", monFri, hours("00:00", "24:00"), "UTC", false},
		{"Friday 10:00 UTC is 19:00 in Tokyo", "2025-01-10T10:00:00Z", monFri, hours("18:00", "24:00"), "Asia/Tokyo", true},
		{"end 24:00 covers 23:59", "2025-01-10T15:59:00Z", monFri, hours("18:00", "24:00"), "Asia/Shanghai", true},
		{"end 24:00 stops at midnight (Saturday)", "2025-01-10T16:00:00Z", monFri, hours("18:00", "24:00"), "Asia/Shanghai", false},
		{"weekend only, Saturday", "2025-01-11T03:00:00Z", weekend, nine, "Asia/Shanghai", true},
		{"weekend only, Monday", "2025-01-06T03:00:00Z", weekend, nine, "Asia/Shanghai", false},
		{"second range matches", "2025-01-06T06:30:00Z", monFri, hours("09:00", "12:00", "14:00", "18:00"), "Asia/Shanghai", true},
		{"lunch gap is closed", "2025-01-06T05:00:00Z", monFri, hours("09:00", "12:00", "14:00", "18:00"), "Asia/Shanghai", false},
		{"bad range is skipped, good one used", "2025-01-06T02:00:00Z", monFri, hours("9:00", "18:00", "09:00", "18:00"), "Asia/Shanghai", true},
		{"only a bad range", "2025-01-06T02:00:00Z", monFri, hours("9:00", "18:00"), "Asia/Shanghai", false},
		{"half-hour offset: Kolkata 09:00", "2025-01-06T03:30:00Z", monFri, nine, "Asia/Kolkata", true},
		{"half-hour offset: Kolkata 08:59", "2025-01-06T03:29:00Z", monFri, nine, "Asia/Kolkata", false},
		// New York: EST (UTC-5) before 2025-03-09, EDT (UTC-4) after.
		{"New York winter 13:30 UTC is 08:30", "2025-03-07T13:30:00Z", monFri, hours("09:00", "17:00"), "America/New_York", false},
		{"New York summer 13:30 UTC is 09:30", "2025-03-10T13:30:00Z", monFri, hours("09:00", "17:00"), "America/New_York", true},
		{"Berlin summer", "2025-07-07T07:00:00Z", monFri, nine, "Europe/Berlin", true},
		{"Berlin winter", "2025-01-06T07:00:00Z", monFri, nine, "Europe/Berlin", false},
		{"unknown zone", "2025-01-06T08:30:00Z", monFri, nine, "Mars/Olympus_Mons", false},
		{"empty zone", "2025-01-06T12:00:00Z", monFri, nine, "", false},
		{"Local zone", "2025-01-06T12:00:00Z", monFri, nine, "Local", false},
		{"no days", "2025-01-06T12:00:00Z", nil, nine, "UTC", false},
		{"no hours", "2025-01-06T12:00:00Z", monFri, nil, "UTC", false},
		{"invalid days never match", "2025-01-06T12:00:00Z", []schedule.Weekday{"monday"}, nine, "UTC", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := schedule.OpenAt(utc(tt.at), tt.days, tt.hours, tt.zone); got != tt.want {
				t.Errorf("OpenAt(%s, %v, %v, %q) = %v, want %v", tt.at, tt.days, tt.hours, tt.zone, got, tt.want)
			}
		})
	}
}

func TestDueAt(t *testing.T) {
	tests := []struct {
		name      string
		submitted string
		weekday   time.Weekday // of submitted, in UTC: guards the table itself
		want      string
	}{
		{"Monday", "2025-01-06T10:00:00Z", time.Monday, "2025-01-09T10:00:00Z"},
		{"Tuesday", "2025-01-07T10:00:00Z", time.Tuesday, "2025-01-10T10:00:00Z"},
		{"Wednesday crosses the weekend", "2025-01-08T10:00:00Z", time.Wednesday, "2025-01-13T10:00:00Z"},
		{"Thursday crosses the weekend", "2025-01-09T10:00:00Z", time.Thursday, "2025-01-14T10:00:00Z"},
		{"Friday", "2025-01-10T10:00:00Z", time.Friday, "2025-01-15T10:00:00Z"},
		{"Saturday", "2025-01-11T10:00:00Z", time.Saturday, "2025-01-15T10:00:00Z"},
		{"Sunday", "2025-01-12T10:00:00Z", time.Sunday, "2025-01-15T10:00:00Z"},
		{"Friday just before midnight", "2025-01-10T23:59:59.999999999Z", time.Friday, "2025-01-15T23:59:59.999999999Z"},
		{"Saturday just after midnight", "2025-01-11T00:00:00Z", time.Saturday, "2025-01-15T00:00:00Z"},
		{"month end", "2025-01-30T08:15:00Z", time.Thursday, "2025-02-04T08:15:00Z"},
		{"leap day", "2024-02-29T12:00:00Z", time.Thursday, "2024-03-05T12:00:00Z"},
		{"February end, non-leap", "2025-02-27T12:00:00Z", time.Thursday, "2025-03-04T12:00:00Z"},
		{"year end on a Tuesday", "2024-12-31T17:00:00Z", time.Tuesday, "2025-01-03T17:00:00Z"},
		{"year end on a Friday", "2021-12-31T09:30:00Z", time.Friday, "2022-01-05T09:30:00Z"},
		{"year end on a Saturday", "2022-12-31T09:30:00Z", time.Saturday, "2023-01-04T09:30:00Z"},
		// Monday 01:00 in Shanghai is still Sunday in UTC: UTC decides.
		{"offset input is converted to UTC first", "2025-01-06T01:00:00+08:00", time.Sunday, "2025-01-08T17:00:00Z"},
		// Friday 22:00 in New York is already Saturday in UTC.
		{"negative offset input", "2025-01-10T22:00:00-05:00", time.Saturday, "2025-01-15T03:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := utc(tt.submitted)
			if wd := in.UTC().Weekday(); wd != tt.weekday {
				t.Fatalf("table error: %s is a %v in UTC, not a %v", tt.submitted, wd, tt.weekday)
			}
			got := schedule.DueAt(in)
			if !got.Equal(utc(tt.want)) {
				t.Errorf("DueAt(%s) = %s, want %s", tt.submitted, got.Format(time.RFC3339Nano), tt.want)
			}
			if got.Location() != time.UTC {
				t.Errorf("DueAt(%s) location = %v, want UTC", tt.submitted, got.Location())
			}
			if wd := got.Weekday(); wd == time.Saturday || wd == time.Sunday {
				t.Errorf("DueAt(%s) falls on a %v", tt.submitted, wd)
			}
		})
	}
}

func TestDueAtInLocalZone(t *testing.T) {
	loc, err := schedule.LoadZone("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	// Submitted the Friday before the DST change, in New York local time.
	in := time.Date(2025, 3, 7, 10, 0, 0, 0, loc) // 15:00 UTC
	want := time.Date(2025, 3, 12, 15, 0, 0, 0, time.UTC)
	if got := schedule.DueAt(in); !got.Equal(want) || got.Location() != time.UTC {
		t.Errorf("DueAt(%s) = %s, want %s", in, got, want)
	}
}

func FuzzParseClock(f *testing.F) {
	for _, s := range []string{"00:00", "09:05", "23:59", "24:00", "24:01", "12:60", "9:00", " 09:00", "09:00:00", "٠٩:٠٠", "", "::::", "\xff\xff:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := schedule.ParseClock(s)
		if err != nil {
			if m != 0 {
				t.Errorf("ParseClock(%q) returned %d with error %v", s, m, err)
			}
			return
		}
		if m < 0 || m > schedule.MinutesPerDay {
			t.Fatalf("ParseClock(%q) = %d, out of range", s, m)
		}
		if back := schedule.FormatClock(m); back != s {
			t.Fatalf("ParseClock(%q) = %d, which formats as %q", s, m, back)
		}
	})
}
