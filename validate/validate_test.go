package validate_test

import (
	"errors"
	"net/mail"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"

	"servicesupport/schedule"
	"servicesupport/usererror"
	"servicesupport/validate"
)

// problem is an expected user error: its field path joined with "." and its
// code; msg, when set, must be contained in the message.
type problem struct {
	field string
	code  usererror.Code
	msg   string
}

// field is the path every test passes in; its spare capacity makes any
// aliasing bug (appending into the caller's array) visible.
func field() []string {
	f := make([]string, 2, 16)
	f[0], f[1] = "input", "x"
	return f
}

// checkProblems compares the form's errors with want, in order.
func checkProblems(t *testing.T, f *validate.Form, want []problem) {
	t.Helper()
	got := make([]problem, len(f.Errors))
	for i, e := range f.Errors {
		got[i] = problem{strings.Join(e.Field, "."), e.Code, e.Message}
	}
	if len(got) != len(want) {
		t.Fatalf("errors = %v, want %v", got, want)
	}
	for i := range want {
		if got[i].field != want[i].field || got[i].code != want[i].code || !strings.Contains(got[i].msg, want[i].msg) {
			t.Errorf("error[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
	if (f.Err() == nil) != (len(want) == 0) {
		t.Errorf("Err() = %v with %d expected problems", f.Err(), len(want))
	}
}

func TestLimits(t *testing.T) {
	tests := []struct {
		name      string
		got, want int
	}{
		{"MaxName", validate.MaxName, 64},
		{"MaxSummary", validate.MaxSummary, 1000},
		{"MaxAddress", validate.MaxAddress, 256},
		{"MaxComment", validate.MaxComment, 1000},
		{"MaxEmail", validate.MaxEmail, 254},
		{"MaxPhone", validate.MaxPhone, 64},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %d, want %d", tt.name, tt.got, tt.want)
		}
	}
	if validate.DefaultRegion != "CN" {
		t.Errorf("DefaultRegion = %q, want CN", validate.DefaultRegion)
	}
}

func TestErr(t *testing.T) {
	var f validate.Form
	if err := f.Err(); err != nil {
		t.Fatalf("empty form Err() = %v", err)
	}
	f.Name([]string{"input", "name"}, "", true)
	f.Email([]string{"input", "email"}, "nope")
	err := f.Err()
	var list usererror.List
	if !errors.As(err, &list) || len(list) != 2 {
		t.Fatalf("Err() = %#v, want a usererror.List of 2", err)
	}
	if want := "input.name: is required; input.email: must be a plain email address like name@example.com"; err.Error() != want {
		t.Errorf("Err().Error() = %q, want %q", err.Error(), want)
	}
}

func TestFieldPathsDoNotAlias(t *testing.T) {
	base := field()
	var f validate.Form
	f.Weekdays(base, []schedule.Weekday{"X", "Y", schedule.Monday, schedule.Monday})
	f.ServiceHours(base, []schedule.TimeRange{{Start: "x", End: "y"}})
	want := []string{"input.x.0", "input.x.1", "input.x.3", "input.x.0.start", "input.x.0.end"}
	if len(f.Errors) != len(want) {
		t.Fatalf("errors = %v", f.Errors)
	}
	for i, e := range f.Errors {
		if got := strings.Join(e.Field, "."); got != want[i] {
			t.Errorf("error[%d] field = %s, want %s", i, got, want[i])
		}
	}
	if spare := base[:cap(base)][2]; spare != "" {
		t.Errorf("caller's array was written: %q", spare)
	}
	// Errors at the field itself must not share the caller's slice either.
	var g validate.Form
	g.Name(base, "", true)
	base[1] = "changed"
	if g.Errors[0].Field[1] != "x" {
		t.Errorf("error field aliases the caller's slice: %v", g.Errors[0].Field)
	}
}

func TestText(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		max      int
		required bool
		want     string
		problems []problem
	}{
		{"plain", "Acme Ltd", 64, true, "Acme Ltd", nil},
		{"trimmed", " \t Acme Ltd \n", 64, true, "Acme Ltd", nil},
		{"trims Unicode spaces", "\u3000Acme\u00a0", 64, true, "Acme", nil},
		{"inner spaces kept", "a  b", 64, true, "a  b", nil},
		{"CJK", "售后服务组", 5, true, "售后服务组", nil},
		{"emoji with ZWJ allowed", "team 👩‍💻", 64, true, "team 👩‍💻", nil},
		{"required empty", "", 64, true, "", []problem{{"input.x", usererror.Required, "is required"}}},
		{"required blank", " \t\n ", 64, true, "", []problem{{"input.x", usererror.Required, "is required"}}},
		{"optional empty", "", 64, false, "", nil},
		{"optional blank", "  ", 64, false, "", nil},
		{"exactly max runes (multi-byte)", strings.Repeat("ä", 64), 64, true, strings.Repeat("ä", 64), nil},
		{"max+1 runes", strings.Repeat("ä", 65), 64, true, strings.Repeat("ä", 65), []problem{{"input.x", usererror.TooLong, "must be at most 64 characters"}}},
		{"max counted after trim", "  " + strings.Repeat("a", 10) + "  ", 10, true, strings.Repeat("a", 10), nil},
		{"summary limit", strings.Repeat("x", 1001), validate.MaxSummary, false, strings.Repeat("x", 1001), []problem{{"input.x", usererror.TooLong, "at most 1000 characters"}}},
		{"no limit when max is 0", strings.Repeat("x", 5000), 0, true, strings.Repeat("x", 5000), nil},
		{"NUL", "a\x00b", 64, true, "a\x00b", []problem{{"input.x", usererror.Invalid, "control"}}},
		{"inner newline", "a\nb", 64, true, "a\nb", []problem{{"input.x", usererror.Invalid, "control"}}},
		{"inner tab", "a\tb", 64, true, "a\tb", []problem{{"input.x", usererror.Invalid, "control"}}},
		{"DEL", "a\x7fb", 64, true, "a\x7fb", []problem{{"input.x", usererror.Invalid, "control"}}},
		{"C1 CSI", "a\u009bb", 64, true, "a\u009bb", []problem{{"input.x", usererror.Invalid, "control"}}},
		{"C1 NEL inside", "a\u0085b", 64, true, "a\u0085b", []problem{{"input.x", usererror.Invalid, "control"}}},
		{"escape sequence", "\x1b[31mred", 64, true, "\x1b[31mred", []problem{{"input.x", usererror.Invalid, "control"}}},
		{"trailing NUL is not trimmed", "abc\x00", 64, true, "abc\x00", []problem{{"input.x", usererror.Invalid, "control"}}},
		{"optional with control", "\x01", 64, false, "\x01", []problem{{"input.x", usererror.Invalid, "control"}}},
		{"invalid UTF-8", "ab\xffcd", 64, true, "ab\xffcd", []problem{{"input.x", usererror.Invalid, "UTF-8"}}},
		{"surrogate half", "a\xed\xa0\x80", 64, false, "a\xed\xa0\x80", []problem{{"input.x", usererror.Invalid, "UTF-8"}}},
		{"too long wins over control", strings.Repeat("\x00", 65), 64, true, strings.Repeat("\x00", 65), []problem{{"input.x", usererror.TooLong, ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var f validate.Form
			got := f.Text(field(), tt.in, tt.max, tt.required)
			checkProblems(t, &f, tt.problems)
			if got != tt.want {
				t.Errorf("Text(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestName(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		required bool
		problems []problem
	}{
		{"ok", "Support Team A", true, nil},
		{"64 runes", strings.Repeat("名", 64), true, nil},
		{"65 runes", strings.Repeat("名", 65), true, []problem{{"input.x", usererror.TooLong, "at most 64 characters"}}},
		{"required", " ", true, []problem{{"input.x", usererror.Required, ""}}},
		{"optional", " ", false, nil},
		{"control", "Team\x07", true, []problem{{"input.x", usererror.Invalid, "control"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var f validate.Form
			if got := f.Name(field(), tt.in, tt.required); got != strings.TrimSpace(tt.in) {
				t.Errorf("Name(%q) = %q", tt.in, got)
			}
			checkProblems(t, &f, tt.problems)
		})
	}
}

func TestPhone(t *testing.T) {
	invalid := []problem{{"input.x", usererror.Invalid, "must be a valid phone number, international (+…) or national"}}
	tests := []struct {
		name     string
		in       string
		want     string // checked only when there are no problems
		problems []problem
	}{
		{"international with spaces", "+86 10 6552 9988", "+861065529988", nil},
		{"CN national landline", "010 6552 9988", "+861065529988", nil},
		{"CN national with dashes", "010-6552-9988", "+861065529988", nil},
		{"CN national with parentheses", "(010) 6552 9988", "+861065529988", nil},
		{"CN mobile national", "138 0013 8000", "+8613800138000", nil},
		{"CN mobile E.164", "+8613800138000", "+8613800138000", nil},
		{"trimmed", " \t+86 138-0013-8000 \n", "+8613800138000", nil},
		{"full-width digits", "１３８００１３８０００", "+8613800138000", nil},
		{"ideographic space", "138\u30000013\u30008000", "+8613800138000", nil},
		{"UK", "+44 20 7946 0958", "+442079460958", nil},
		{"Germany", "+49 30 901820", "+4930901820", nil},
		{"dots", "+44.20.7946.0958", "+442079460958", nil},
		{"empty", "", "", []problem{{"input.x", usererror.Required, "is required"}}},
		{"blank", "  \t", "", []problem{{"input.x", usererror.Required, "is required"}}},
		{"too short", "12345", "", invalid},
		{"no such country code", "+999 1234 5678", "", invalid},
		{"plus only", "+", "", invalid},
		{"letters (vanity)", "1-800-FLOWERS", "", invalid},
		{"extension", "+86 138 0013 8000 ext. 12", "", invalid},
		{"RFC 3966 extension", "+86 10 6552 9988;ext=3", "", invalid},
		{"tel URI", "tel:+86-10-65529988", "", invalid},
		{"email instead", "name@example.com", "", invalid},
		{"NUL inside", "+86 10\x00 6552 9988", "", []problem{{"input.x", usererror.Invalid, "control"}}},
		{"newline inside", "+86 10\n6552 9988", "", []problem{{"input.x", usererror.Invalid, "control"}}},
		{"invalid UTF-8", "+86 10 \xff6552 9988", "", []problem{{"input.x", usererror.Invalid, "UTF-8"}}},
		{"65 characters", strings.Repeat("1", 65), "", []problem{{"input.x", usererror.TooLong, "at most 64 characters"}}},
		{"64 characters parse and fail", strings.Repeat("1", 64), "", invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var f validate.Form
			got := f.Phone(field(), tt.in)
			checkProblems(t, &f, tt.problems)
			if len(tt.problems) == 0 && got != tt.want {
				t.Errorf("Phone(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestPhoneAgreesWithLibrary checks numbers whose validity depends on the
// library's metadata by asking the library, not by guessing.
func TestPhoneAgreesWithLibrary(t *testing.T) {
	for _, in := range []string{"+1 202-555-0143", "+1 202-456-1111", "+81 3-1234-5678", "+33 1 23 45 67 89", "+61 2 9374 4000", "+86 400 810 8888", "+86 12345678901"} {
		t.Run(in, func(t *testing.T) {
			num, err := phonenumbers.Parse(in, "CN")
			libValid := err == nil && phonenumbers.IsValidNumber(num)
			var f validate.Form
			got := f.Phone(field(), in)
			if libValid {
				want := phonenumbers.Format(num, phonenumbers.E164)
				checkProblems(t, &f, nil)
				if got != want {
					t.Errorf("Phone(%q) = %q, want %q", in, got, want)
				}
			} else {
				checkProblems(t, &f, []problem{{"input.x", usererror.Invalid, "phone"}})
			}
		})
	}
}

func TestPhoneDefaultRegion(t *testing.T) {
	old := validate.DefaultRegion
	t.Cleanup(func() { validate.DefaultRegion = old })
	validate.DefaultRegion = "US"
	var f validate.Form
	if got := f.Phone(field(), "(202) 456-1111"); got != "+12024561111" {
		t.Errorf("Phone with region US = %q, want +12024561111", got)
	}
	checkProblems(t, &f, nil)
}

func TestEmail(t *testing.T) {
	invalid := []problem{{"input.x", usererror.Invalid, "must be a plain email address like name@example.com"}}
	long := strings.Repeat("a", 64) + "@" + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 57) + ".com"
	tests := []struct {
		name     string
		in       string
		want     string
		problems []problem
	}{
		{"plain", "name@example.com", "name@example.com", nil},
		{"case kept, trimmed", "  Name.Surname+tag@Example.COM \n", "Name.Surname+tag@Example.COM", nil},
		{"subdomains", "support@mail.example.co.uk", "support@mail.example.co.uk", nil},
		{"apostrophe", "o'brien@example.ie", "o'brien@example.ie", nil},
		{"hyphens", "a-b@x-y.example", "a-b@x-y.example", nil},
		{"digits", "1@2.cn", "1@2.cn", nil},
		{"internationalised", "ünï@exämple.com", "ünï@exämple.com", nil},
		{"CJK domain", "客服@例子.中国", "客服@例子.中国", nil},
		{"254 characters", long, long, nil},
		{"255 characters", "a" + long, "a" + long, []problem{{"input.x", usererror.TooLong, "at most 254 characters"}}},
		{"empty", "", "", []problem{{"input.x", usererror.Required, "is required"}}},
		{"blank", " \t ", "", []problem{{"input.x", usererror.Required, "is required"}}},
		{"display name", "John <john@example.com>", "", invalid},
		{"angle brackets only", "<john@example.com>", "", invalid},
		{"comment", "john@example.com (John)", "", invalid},
		{"list", "a@example.com, b@example.com", "", invalid},
		{"group syntax", "team: a@example.com;", "", invalid},
		{"no at", "john.example.com", "", invalid},
		{"no local part", "@example.com", "", invalid},
		{"no domain", "john@", "", invalid},
		{"single-label domain", "john@localhost", "", invalid},
		{"two ats", "john@@example.com", "", invalid},
		{"at in local part", "a@b@example.com", "", invalid},
		{"quoted local part", `"john doe"@example.com`, "", invalid},
		{"needlessly quoted", `"john"@example.com`, "", invalid},
		{"quoted at", `"a@b"@example.com`, "", invalid},
		{"space in local part", "john doe@example.com", "", invalid},
		{"space in domain", "john@exa mple.com", "", invalid},
		{"empty label", "john@example..com", "", invalid},
		{"leading dot in domain", "john@.example.com", "", invalid},
		{"trailing dot in domain", "john@example.com.", "", invalid},
		{"trailing dot in local part", "john.@example.com", "", invalid},
		{"IP literal", "john@[127.0.0.1]", "", invalid},
		{"label starts with hyphen", "john@-example.com", "", invalid},
		{"label ends with hyphen", "john@example-.com", "", invalid},
		{"underscore in domain", "john@exa_mple.com", "", invalid},
		{"NUL", "john@example.com\x00", "", invalid},
		{"tab inside", "jo\thn@example.com", "", invalid},
		{"zero-width space", "jo\u200bhn@example.com", "", invalid},
		{"no-break space inside", "john@example\u00a0.com", "", invalid},
		{"invalid UTF-8", "jo\xffhn@example.com", "", []problem{{"input.x", usererror.Invalid, "UTF-8"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var f validate.Form
			got := f.Email(field(), tt.in)
			checkProblems(t, &f, tt.problems)
			if len(tt.problems) == 0 && got != tt.want {
				t.Errorf("Email(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
	if n := utf8.RuneCountInString(long); n != 254 {
		t.Fatalf("table error: long address has %d characters", n)
	}
}

func TestWeekdays(t *testing.T) {
	mon, tue, wed, thu, fri, sat, sun := schedule.Monday, schedule.Tuesday, schedule.Wednesday, schedule.Thursday, schedule.Friday, schedule.Saturday, schedule.Sunday
	tests := []struct {
		name     string
		in       []schedule.Weekday
		want     []schedule.Weekday
		problems []problem
	}{
		{"one", []schedule.Weekday{wed}, []schedule.Weekday{wed}, nil},
		{"sorted Monday first", []schedule.Weekday{sun, fri, mon, wed}, []schedule.Weekday{mon, wed, fri, sun}, nil},
		{"all seven reversed", []schedule.Weekday{sun, sat, fri, thu, wed, tue, mon}, schedule.AllWeekdays, nil},
		{"trimmed", []schedule.Weekday{" TUESDAY ", mon}, []schedule.Weekday{mon, tue}, nil},
		{"nil", nil, nil, []problem{{"input.x", usererror.Required, "is required"}}},
		{"empty", []schedule.Weekday{}, nil, []problem{{"input.x", usererror.Required, "is required"}}},
		{"eight", []schedule.Weekday{mon, tue, wed, thu, fri, sat, sun, mon}, nil, []problem{{"input.x", usererror.Invalid, "at most 7"}}},
		{"invalid name", []schedule.Weekday{mon, "FUNDAY"}, nil, []problem{{"input.x.1", usererror.Invalid, "must be one of"}}},
		{"lower case", []schedule.Weekday{"monday"}, nil, []problem{{"input.x.0", usererror.Invalid, "must be one of"}}},
		{"empty name", []schedule.Weekday{""}, nil, []problem{{"input.x.0", usererror.Invalid, "must be one of"}}},
		{"duplicate", []schedule.Weekday{mon, tue, mon}, nil, []problem{{"input.x.2", usererror.Invalid, "more than once"}}},
		{"duplicate after trim", []schedule.Weekday{mon, " MONDAY"}, nil, []problem{{"input.x.1", usererror.Invalid, "more than once"}}},
		{"several problems", []schedule.Weekday{"X", fri, fri, "Y", fri}, nil, []problem{
			{"input.x.0", usererror.Invalid, "must be one of"},
			{"input.x.2", usererror.Invalid, "more than once"},
			{"input.x.3", usererror.Invalid, "must be one of"},
			{"input.x.4", usererror.Invalid, "more than once"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := slices.Clone(tt.in)
			var f validate.Form
			got := f.Weekdays(field(), in)
			checkProblems(t, &f, tt.problems)
			if len(tt.problems) == 0 && !slices.Equal(got, tt.want) {
				t.Errorf("Weekdays(%v) = %v, want %v", tt.in, got, tt.want)
			}
			if !slices.Equal(in, tt.in) {
				t.Errorf("Weekdays modified its input: %v, was %v", in, tt.in)
			}
		})
	}
}

func TestServiceHours(t *testing.T) {
	r := func(pairs ...string) []schedule.TimeRange {
		out := []schedule.TimeRange{}
		for i := 0; i+1 < len(pairs); i += 2 {
			out = append(out, schedule.TimeRange{Start: pairs[i], End: pairs[i+1]})
		}
		return out
	}
	overlap := "ranges must be sorted and must not overlap"
	tests := []struct {
		name     string
		in       []schedule.TimeRange
		want     []schedule.TimeRange
		problems []problem
	}{
		{"one range", r("09:00", "18:00"), r("09:00", "18:00"), nil},
		{"touching ranges", r("09:00", "12:00", "12:00", "18:00"), r("09:00", "12:00", "12:00", "18:00"), nil},
		{"whole day", r("00:00", "24:00"), r("00:00", "24:00"), nil},
		{"one minute", r("23:59", "24:00"), r("23:59", "24:00"), nil},
		{"four ranges", r("00:00", "01:00", "02:00", "03:00", "04:00", "05:00", "06:00", "24:00"), r("00:00", "01:00", "02:00", "03:00", "04:00", "05:00", "06:00", "24:00"), nil},
		{"trimmed", r(" 09:00", "18:00\t"), r("09:00", "18:00"), nil},
		{"nil", nil, nil, []problem{{"input.x", usererror.Required, "is required"}}},
		{"empty", r(), nil, []problem{{"input.x", usererror.Required, "is required"}}},
		{"five ranges", r("00:00", "01:00", "02:00", "03:00", "04:00", "05:00", "06:00", "07:00", "08:00", "09:00"), nil, []problem{{"input.x", usererror.Invalid, "at most 4 ranges"}}},
		{"bad start format", r("9:00", "18:00"), nil, []problem{{"input.x.0.start", usererror.Invalid, "HH:MM"}}},
		{"start 24:00", r("24:00", "24:00"), nil, []problem{{"input.x.0.start", usererror.Invalid, "23:59"}}},
		{"start with seconds", r("09:00:00", "18:00"), nil, []problem{{"input.x.0.start", usererror.Invalid, "HH:MM"}}},
		{"empty start", r("", "18:00"), nil, []problem{{"input.x.0.start", usererror.Invalid, "HH:MM"}}},
		{"bad end 24:01", r("09:00", "24:01"), nil, []problem{{"input.x.0.end", usererror.Invalid, "HH:MM"}}},
		{"bad end minutes", r("09:00", "12:60"), nil, []problem{{"input.x.0.end", usererror.Invalid, "HH:MM"}}},
		{"empty end", r("09:00", ""), nil, []problem{{"input.x.0.end", usererror.Invalid, "HH:MM"}}},
		{"both ends bad", r("x", "y"), nil, []problem{{"input.x.0.start", usererror.Invalid, ""}, {"input.x.0.end", usererror.Invalid, ""}}},
		{"start equals end", r("09:00", "09:00"), nil, []problem{{"input.x.0.end", usererror.Invalid, "must be after start"}}},
		{"start after end", r("18:00", "09:00"), nil, []problem{{"input.x.0.end", usererror.Invalid, "must be after start"}}},
		{"second range reversed", r("09:00", "12:00", "18:00", "13:00"), nil, []problem{{"input.x.1.end", usererror.Invalid, "must be after start"}}},
		{"unsorted", r("13:00", "18:00", "09:00", "12:00"), nil, []problem{{"input.x.1.start", usererror.Invalid, overlap}}},
		{"overlapping", r("09:00", "13:00", "12:00", "18:00"), nil, []problem{{"input.x.1.start", usererror.Invalid, overlap}}},
		{"identical", r("09:00", "12:00", "09:00", "12:00"), nil, []problem{{"input.x.1.start", usererror.Invalid, overlap}}},
		{"contained", r("09:00", "18:00", "10:00", "11:00"), nil, []problem{{"input.x.1.start", usererror.Invalid, overlap}}},
		{"overlap in third range", r("08:00", "09:00", "10:00", "12:00", "11:00", "13:00"), nil, []problem{{"input.x.2.start", usererror.Invalid, overlap}}},
		{"overlap across a malformed range", r("09:00", "13:00", "bad", "14:00", "12:00", "15:00"), nil, []problem{
			{"input.x.1.start", usererror.Invalid, "HH:MM"},
			{"input.x.2.start", usererror.Invalid, overlap},
		}},
		{"non-ASCII digits", r("٠٩:٠٠", "18:00"), nil, []problem{{"input.x.0.start", usererror.Invalid, "HH:MM"}}},
		{"NUL", r("09:00\x00", "18:00"), nil, []problem{{"input.x.0.start", usererror.Invalid, "HH:MM"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := slices.Clone(tt.in)
			var f validate.Form
			got := f.ServiceHours(field(), in)
			checkProblems(t, &f, tt.problems)
			if len(tt.problems) == 0 && !slices.Equal(got, tt.want) {
				t.Errorf("ServiceHours(%v) = %v, want %v", tt.in, got, tt.want)
			}
			if !slices.Equal(in, tt.in) {
				t.Errorf("ServiceHours modified its input: %v, was %v", in, tt.in)
			}
		})
	}
}

func TestTimeZone(t *testing.T) {
	invalid := []problem{{"input.x", usererror.Invalid, "IANA time zone"}}
	tests := []struct {
		name     string
		in       string
		want     string
		problems []problem
	}{
		{"UTC", "UTC", "UTC", nil},
		{"Shanghai", "Asia/Shanghai", "Asia/Shanghai", nil},
		{"Berlin", "Europe/Berlin", "Europe/Berlin", nil},
		{"three parts", "America/Argentina/Buenos_Aires", "America/Argentina/Buenos_Aires", nil},
		{"Etc offset zone", "Etc/GMT-8", "Etc/GMT-8", nil},
		{"trimmed", " Asia/Shanghai\n", "Asia/Shanghai", nil},
		{"empty", "", "", []problem{{"input.x", usererror.Required, "is required"}}},
		{"blank", "  ", "", []problem{{"input.x", usererror.Required, "is required"}}},
		{"Local", "Local", "", invalid},
		{"unknown", "Mars/Olympus_Mons", "", invalid},
		{"offset", "+08:00", "", invalid},
		{"double slash", "Asia//Shanghai", "", invalid},
		{"absolute path", "/usr/share/zoneinfo/UTC", "", invalid},
		{"parent path", "../zoneinfo/UTC", "", invalid},
		{"inner space", "Asia/ Shanghai", "", invalid},
		{"NUL", "Asia/Shanghai\x00", "", []problem{{"input.x", usererror.Invalid, "control"}}},
		{"newline inside", "Asia/\nShanghai", "", []problem{{"input.x", usererror.Invalid, "control"}}},
		{"invalid UTF-8", "Asia/\xffShanghai", "", []problem{{"input.x", usererror.Invalid, "UTF-8"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var f validate.Form
			got := f.TimeZone(field(), tt.in)
			checkProblems(t, &f, tt.problems)
			if len(tt.problems) == 0 && got != tt.want {
				t.Errorf("TimeZone(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// A whole group input checked with one Form, as a resolver does it.
func TestFormCollectsEveryProblem(t *testing.T) {
	var f validate.Form
	in := []string{"input"}
	at := func(name string) []string { return append(slices.Clip(in), name) }
	f.Name(at("name"), "", true)
	f.Phone(at("phone"), "12345")
	f.Email(at("email"), "a@b")
	f.Weekdays(at("serviceDays"), nil)
	f.ServiceHours(at("serviceHours"), []schedule.TimeRange{{Start: "09:00", End: "08:00"}})
	f.TimeZone(at("timeZone"), "Moon/Base")
	checkProblems(t, &f, []problem{
		{"input.name", usererror.Required, ""},
		{"input.phone", usererror.Invalid, ""},
		{"input.email", usererror.Invalid, ""},
		{"input.serviceDays", usererror.Required, ""},
		{"input.serviceHours.0.end", usererror.Invalid, "after start"},
		{"input.timeZone", usererror.Invalid, ""},
	})
}

// --- fuzz targets ---

func FuzzText(f *testing.F) {
	for _, s := range []string{"", " ", "Acme Ltd", " padded ", "a\x00b", "a\nb", "\u0085x\u0085", "ä", "👩‍💻", "\xff", strings.Repeat("x", 70), "\u3000\u00a0"} {
		f.Add(s, 64, true)
		f.Add(s, 3, false)
	}
	f.Fuzz(func(t *testing.T, s string, max int, required bool) {
		max %= 2000 // keep limits realistic; <= 0 means no limit
		var form validate.Form
		got := form.Text([]string{"f"}, s, max, required)
		if len(form.Errors) > 1 {
			t.Fatalf("Text(%q) reported %d problems, want at most one", s, len(form.Errors))
		}
		if len(form.Errors) == 1 {
			return
		}
		if got != strings.TrimSpace(s) {
			t.Fatalf("Text(%q) = %q, not the trimmed input", s, got)
		}
		if !utf8.ValidString(got) {
			t.Fatalf("Text(%q) accepted invalid UTF-8", s)
		}
		if strings.ContainsFunc(got, unicode.IsControl) {
			t.Fatalf("Text(%q) accepted a control character: %q", s, got)
		}
		if max > 0 && utf8.RuneCountInString(got) > max {
			t.Fatalf("Text(%q, max %d) accepted %d runes", s, max, utf8.RuneCountInString(got))
		}
		if required && got == "" {
			t.Fatalf("Text(%q) accepted an empty required value", s)
		}
	})
}

func FuzzPhone(f *testing.F) {
	for _, s := range []string{"+86 10 6552 9988", "010 6552 9988", "13800138000", "+1 202-555-0143", "+44 20 7946 0958", "12345", "", "+", "++86", "1-800-FLOWERS", "+86 10 6552 9988;ext=3", "１３８００１３８０００", "٠١٠٦٥٥٢٩٩٨٨", "00861065529988", "+800 1234 5678", "(((((", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var form validate.Form
		got := form.Phone([]string{"phone"}, s)
		if len(form.Errors) > 1 {
			t.Fatalf("Phone(%q) reported %d problems", s, len(form.Errors))
		}
		if len(form.Errors) == 1 {
			return
		}
		if len(got) < 2 || got[0] != '+' || strings.IndexFunc(got[1:], func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
			t.Fatalf("Phone(%q) = %q, not E.164", s, got)
		}
		var again validate.Form
		if back := again.Phone([]string{"phone"}, got); back != got || again.Err() != nil {
			t.Fatalf("Phone(%q) = %q, which re-validates to %q, %v", s, got, back, again.Err())
		}
	})
}

func FuzzEmail(f *testing.F) {
	for _, s := range []string{"name@example.com", " Name@Example.COM ", "John <john@example.com>", `"a b"@example.com`, "a@b", "a@b..c", "a@[1.2.3.4]", "ünï@exämple.com", "a@b.c, d@e.f", "(c) a@b.c", "=?utf-8?q?x?= <a@b.c>", "", "@", "\xff@x.y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var form validate.Form
		got := form.Email([]string{"email"}, s)
		if len(form.Errors) > 1 {
			t.Fatalf("Email(%q) reported %d problems", s, len(form.Errors))
		}
		if len(form.Errors) == 1 {
			return
		}
		if got != strings.TrimSpace(s) {
			t.Fatalf("Email(%q) = %q, not the trimmed input", s, got)
		}
		if strings.Count(got, "@") != 1 || utf8.RuneCountInString(got) > validate.MaxEmail {
			t.Fatalf("Email(%q) accepted %q", s, got)
		}
		if strings.ContainsFunc(got, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
			t.Fatalf("Email(%q) accepted whitespace or a control character", s)
		}
		addr, err := mail.ParseAddress(got)
		if err != nil || addr.Address != got || addr.Name != "" {
			t.Fatalf("Email(%q) accepted %q, which net/mail reads as %v, %v", s, got, addr, err)
		}
		local, domain, _ := strings.Cut(got, "@")
		if local == "" || !strings.Contains(domain, ".") || slices.Contains(strings.Split(domain, "."), "") {
			t.Fatalf("Email(%q) accepted a bad local part or domain: %q", s, got)
		}
		var again validate.Form
		if back := again.Email([]string{"email"}, got); back != got || again.Err() != nil {
			t.Fatalf("Email(%q) = %q, which re-validates to %q, %v", s, got, back, again.Err())
		}
	})
}

func FuzzServiceHours(f *testing.F) {
	f.Add(uint8(1), "09:00", "18:00", "", "", "", "", "", "")
	f.Add(uint8(2), "09:00", "12:00", "12:00", "18:00", "", "", "", "")
	f.Add(uint8(2), "13:00", "18:00", "09:00", "12:00", "", "", "", "")
	f.Add(uint8(3), "09:00", "13:00", "bad", "14:00", "12:00", "15:00", "", "")
	f.Add(uint8(4), "00:00", "01:00", "01:00", "02:00", "02:00", "03:00", "23:00", "24:00")
	f.Add(uint8(5), "00:00", "24:00", "", "", "", "", "", "")
	f.Add(uint8(1), "24:00", "24:00", "", "", "", "", "", "")
	f.Add(uint8(1), " 09:00 ", "\t24:00", "", "", "", "", "", "")
	f.Add(uint8(0), "", "", "", "", "", "", "", "")
	f.Fuzz(func(t *testing.T, n uint8, s0, e0, s1, e1, s2, e2, s3, e3 string) {
		all := []schedule.TimeRange{{Start: s0, End: e0}, {Start: s1, End: e1}, {Start: s2, End: e2}, {Start: s3, End: e3}, {Start: "23:00", End: "24:00"}}
		in := all[:int(n)%(len(all)+1)]
		var form validate.Form
		base := []string{"input", "serviceHours"}
		got := form.ServiceHours(base, in)
		for _, e := range form.Errors {
			if len(e.Field) < 2 || e.Field[0] != "input" || e.Field[1] != "serviceHours" {
				t.Fatalf("error at unexpected path %v", e.Field)
			}
			if len(e.Field) > 2 && (len(e.Field) != 4 || (e.Field[3] != "start" && e.Field[3] != "end") || !slices.Contains([]string{"0", "1", "2", "3"}, e.Field[2])) {
				t.Fatalf("error at malformed path %v", e.Field)
			}
		}
		if form.Err() != nil {
			return
		}
		if len(got) == 0 || len(got) > 4 || len(got) != len(in) {
			t.Fatalf("accepted %d ranges from %d", len(got), len(in))
		}
		prevEnd := 0
		for i, r := range got {
			start, end, err := schedule.Minutes(r)
			if err != nil {
				t.Fatalf("accepted range %d %+v: %v", i, r, err)
			}
			if start >= end || start >= schedule.MinutesPerDay {
				t.Fatalf("accepted range %d %+v with start >= end", i, r)
			}
			if start < prevEnd {
				t.Fatalf("accepted range %d %+v overlapping or out of order", i, r)
			}
			if r.Start != strings.TrimSpace(in[i].Start) || r.End != strings.TrimSpace(in[i].End) {
				t.Fatalf("range %d %+v is not the trimmed input %+v", i, r, in[i])
			}
			prevEnd = end
		}
	})
}

func FuzzTimeZone(f *testing.F) {
	for _, s := range []string{"UTC", "Asia/Shanghai", "Europe/Berlin", "Local", "", "Asia//Shanghai", "../etc/passwd", "/etc/passwd", "zone.tab", "Etc/GMT+8", "\x00", "Asia/Shanghai\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var form validate.Form
		got := form.TimeZone([]string{"tz"}, s)
		if form.Err() != nil {
			return
		}
		if got == "" || got == "Local" || got != strings.TrimSpace(s) {
			t.Fatalf("TimeZone(%q) accepted %q", s, got)
		}
		if _, err := schedule.LoadZone(got); err != nil {
			t.Fatalf("TimeZone(%q) accepted %q, which does not load: %v", s, got, err)
		}
	})
}
