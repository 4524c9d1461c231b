// Package schedule holds after-sales service times: weekdays, HH:MM ranges,
// the one schedule model that the old and the new GraphQL fields share
// (Schedule: weekly hours, closures and zone; see week.go and open.go), the
// marketplace service policy, open-now and next open/close computations, and
// review due dates.
//
// The functions here are pure and never touch the database, so the resolvers,
// the validation layer and the tests all share one definition of "open",
// "meets the policy" and "due".
package schedule

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

	// Embedding the IANA database keeps zone handling identical on every host,
	// including minimal containers that ship no /usr/share/zoneinfo.
	_ "time/tzdata"
)

// Weekday is a day of the week; it is the GraphQL enum Weekday and is stored
// as its name.
type Weekday string

// The weekdays, spelled as in the GraphQL contract.
const (
	Monday    Weekday = "MONDAY"
	Tuesday   Weekday = "TUESDAY"
	Wednesday Weekday = "WEDNESDAY"
	Thursday  Weekday = "THURSDAY"
	Friday    Weekday = "FRIDAY"
	Saturday  Weekday = "SATURDAY"
	Sunday    Weekday = "SUNDAY"
)

// AllWeekdays lists every weekday in Monday..Sunday order, the order in which
// service days are shown and stored.
var AllWeekdays = []Weekday{Monday, Tuesday, Wednesday, Thursday, Friday, Saturday, Sunday}

// byTimeWeekday maps time.Weekday (Sunday = 0) to our names.
var byTimeWeekday = [7]Weekday{Sunday, Monday, Tuesday, Wednesday, Thursday, Friday, Saturday}

// Valid reports whether w is one of the seven weekday names.
func (w Weekday) Valid() bool {
	return w.TimeWeekday() >= 0
}

// TimeWeekday converts w to a time.Weekday; an invalid w yields
// time.Weekday(-1), which never equals a real day, so callers comparing
// against time values cannot match it by accident.
func (w Weekday) TimeWeekday() time.Weekday {
	for i, d := range byTimeWeekday {
		if d == w {
			return time.Weekday(i)
		}
	}
	return -1
}

// Index returns w's position in Monday..Sunday order (Monday = 0), or -1 when
// w is invalid; it is the sort key for service days.
func (w Weekday) Index() int {
	tw := w.TimeWeekday()
	if tw < 0 {
		return -1
	}
	return (int(tw) + 6) % 7
}

// WeekdayOf converts a time.Weekday to a Weekday; an out-of-range value
// yields the empty, invalid Weekday.
func WeekdayOf(d time.Weekday) Weekday {
	if d < 0 || int(d) >= len(byTimeWeekday) {
		return ""
	}
	return byTimeWeekday[d]
}

// String returns the enum name.
func (w Weekday) String() string { return string(w) }

// MarshalGQL writes w as a GraphQL enum value (a quoted string).
func (w Weekday) MarshalGQL(out io.Writer) { _, _ = io.WriteString(out, strconv.Quote(string(w))) }

// UnmarshalGQL reads w from a GraphQL enum value; anything but one of the
// seven names is rejected so that an invalid day never reaches storage.
func (w *Weekday) UnmarshalGQL(v any) error {
	s, ok := v.(string)
	if !ok || !Weekday(s).Valid() {
		return fmt.Errorf("%v is not a valid Weekday", v)
	}
	*w = Weekday(s)
	return nil
}

// TimeRange is a service-hours range in local wall-clock time, "HH:MM" to
// "HH:MM", as stored and as exposed in GraphQL; End may be "24:00" to mean
// "through midnight".
type TimeRange struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// MinutesPerDay is the minute count of 24:00, the largest accepted clock
// value.
const MinutesPerDay = 24 * 60

// PolicyMinDays and PolicyMinMinutes are the marketplace's after-sales service
// policy: at least 5 distinct days a week and 8 hours a day.
const (
	PolicyMinDays    = 5
	PolicyMinMinutes = 8 * 60
)

// ErrClock is returned (wrapped) by ParseClock for any malformed clock value.
var ErrClock = errors.New("time must be HH:MM between 00:00 and 24:00")

// ParseClock parses exactly "HH:MM" (two ASCII digits each) into minutes since
// midnight. 00:00 … 23:59 and 24:00 (= 1440) are accepted; the format is
// strict so that stored values compare and display consistently.
func ParseClock(s string) (minutes int, err error) {
	if len(s) != 5 || s[2] != ':' {
		return 0, fmt.Errorf("%q: %w", s, ErrClock)
	}
	// Check bytes rather than runes: every byte of a non-ASCII rune is >= 0x80
	// and fails the range test, which rejects look-alike digits such as
	// Arabic-Indic ones (unicode.IsDigit would accept them).
	for _, i := range [...]int{0, 1, 3, 4} {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("%q: %w", s, ErrClock)
		}
	}
	h := int(s[0]-'0')*10 + int(s[1]-'0')
	m := int(s[3]-'0')*10 + int(s[4]-'0')
	if m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("%q: %w", s, ErrClock)
	}
	return h*60 + m, nil
}

// FormatClock is the inverse of ParseClock for 0 … 1440; other values are
// clamped into that interval so the result is always a valid clock string.
func FormatClock(minutes int) string {
	minutes = min(max(minutes, 0), MinutesPerDay)
	return fmt.Sprintf("%02d:%02d", minutes/60, minutes%60)
}

// Minutes parses both ends of r. It checks only the format of each end, not
// their order; callers that need a usable range also check start < end.
func Minutes(r TimeRange) (start, end int, err error) {
	if start, err = ParseClock(r.Start); err != nil {
		return 0, 0, fmt.Errorf("start: %w", err)
	}
	if end, err = ParseClock(r.End); err != nil {
		return 0, 0, fmt.Errorf("end: %w", err)
	}
	return start, end, nil
}

// MeetsPolicy reports whether a group serving on days with the same hours
// every day (the old serviceDays + serviceHours) meets the marketplace
// policy; it is Week.MeetsPolicy of FromServiceTimes(days, hours). Any
// invalid day or range (bad format, start >= end: the old fields have no
// overnight ranges) makes it false, because a schedule we cannot read cannot
// be vouched for. Overlapping ranges count their shared minutes once.
func MeetsPolicy(days []Weekday, hours []TimeRange) bool {
	for _, d := range days {
		if !d.Valid() {
			return false
		}
	}
	for _, r := range hours {
		start, end, err := Minutes(r)
		if err != nil || start >= end {
			return false
		}
	}
	return FromServiceTimes(days, hours).MeetsPolicy()
}

// zones caches loaded locations by name: openNow is computed for every group
// on a page and LoadLocation re-reads and re-parses zone data on each call.
// Only successful loads are cached, so client input cannot grow the cache
// beyond the finite set of real zone names.
var zones sync.Map // string -> *time.Location

// ErrZone is returned (wrapped) by LoadZone for a name that is not an IANA
// time zone.
var ErrZone = errors.New("not an IANA time zone name")

// maxZoneName bounds zone names well above the longest IANA name (~32 bytes)
// so that absurd input is rejected before touching the file system.
const maxZoneName = 64

// LoadZone loads an IANA time zone by name. Unlike time.LoadLocation it
// rejects "" and "Local" (which mean UTC and the server's zone, not a zone the
// seller chose) and any name not shaped like an IANA name (letters, digits,
// '_', '-', '+', single '/' separators), so that host-specific paths such as
// "Asia//Shanghai" are not accepted on one machine and refused on another.
func LoadZone(name string) (*time.Location, error) {
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location), nil
	}
	if !zoneNameShape(name) || name == "Local" {
		return nil, fmt.Errorf("%q: %w", name, ErrZone)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("%q: %w", name, ErrZone)
	}
	zones.Store(name, loc)
	return loc, nil
}

// zoneNameShape reports whether name has the syntax of an IANA zone name.
func zoneNameShape(name string) bool {
	if name == "" || len(name) > maxZoneName {
		return false
	}
	partLen := 0
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '/':
			if partLen == 0 {
				return false
			}
			partLen = 0
			continue
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '_', c == '-', c == '+':
		default:
			return false
		}
		partLen++
	}
	return partLen > 0
}

// OpenAt reports whether a group serving on days during hours (the old
// serviceDays + serviceHours) in zone is open at instant t: Schedule.OpenAt
// of FromServiceTimes(days, hours). An unknown zone or an unreadable range
// never counts as open, because showing "open" wrongly is worse than showing
// "closed".
func OpenAt(t time.Time, days []Weekday, hours []TimeRange, zone string) bool {
	return Schedule{Week: FromServiceTimes(days, hours), Zone: zone}.OpenAt(t)
}

// ReviewWorkingDays is how many working days (Monday–Friday) a review may take.
const ReviewWorkingDays = 3

// DueAt returns when a review submitted at submitted is due: three working
// days (Monday–Friday) later at the same UTC time of day. It walks day by day
// in UTC, where every day has 24 hours, so the time of day never shifts.
func DueAt(submitted time.Time) time.Time {
	t := submitted.UTC()
	for counted := 0; counted < ReviewWorkingDays; {
		t = t.AddDate(0, 0, 1)
		if wd := t.Weekday(); wd != time.Saturday && wd != time.Sunday {
			counted++
		}
	}
	return t
}
