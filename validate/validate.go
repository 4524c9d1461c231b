// Package validate checks and normalises every client input, server-side,
// trimming first; problems become usererror entries whose Field is the input
// path.
//
// Resolvers build one Form per mutation, run each input field through the
// matching method, store the returned normalised values and, when Err is not
// nil, answer its entries as the payload's userErrors without changing
// anything.
package validate

import (
	"net/mail"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"

	"servicesupport/schedule"
	"servicesupport/usererror"
)

// Length limits, in characters (runes), from the design's validation rules.
const (
	MaxName    = 64   // MaxName bounds seller, contact, group and product names.
	MaxSummary = 1000 // MaxSummary bounds a product summary.
	MaxAddress = 256  // MaxAddress bounds the pre-sales contact address.
	MaxComment = 1000 // MaxComment bounds review comments and rejection reasons.
	MaxEmail   = 254  // MaxEmail is the longest address SMTP can deliver to.
	// MaxPhone bounds raw phone input before parsing; real numbers, even
	// formatted, are far shorter, and the bound keeps the parser's work small.
	MaxPhone = 64
)

// Limits on list inputs of a customer service group.
const (
	maxWeekdays     = 7
	maxServiceHours = 4
)

// DefaultRegion is the CLDR region whose national phone numbers are accepted
// without a "+" country code; a variable so a deployment can change it at
// start-up (not concurrently with validation).
var DefaultRegion = "CN"

// Messages shared by several methods, kept in one place so clients see the
// same wording for the same problem.
const (
	msgRequired = "is required"
	msgUTF8     = "must be valid UTF-8 text"
	msgControl  = "must not contain control characters"
	msgPhone    = "must be a valid phone number, international (+…) or national"
	msgEmail    = "must be a plain email address like name@example.com"
	msgZone     = "must be an IANA time zone such as Asia/Shanghai"
	msgClock    = "must be a time HH:MM from 00:00 to 24:00"
	msgStart    = "must be a time HH:MM from 00:00 to 23:59"
	msgAfter    = "must be after start"
	msgOverlap  = "ranges must be sorted and must not overlap"
	msgWeekday  = "must be one of MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY, SUNDAY"
	msgDupDay   = "is listed more than once"
)

// Form accumulates the problems found in one input; a zero Form is ready to
// use.
type Form struct {
	Errors usererror.List
}

// Err returns nil when no problem was found, else the problems as a
// usererror.List.
func (f *Form) Err() error { return f.Errors.Err() }

// add records a problem at field+elems. The path is always a fresh slice: the
// caller's field slice may have spare capacity that a plain append would
// write into, so two errors could otherwise end up sharing (and overwriting)
// one backing array.
func (f *Form) add(code usererror.Code, field []string, elems []any, format string, args ...any) {
	path := make([]string, 0, len(field)+len(elems))
	path = append(path, field...)
	path = append(path, usererror.Path(elems...)...)
	f.Errors.Add(code, path, format, args...)
}

// hasControl reports whether s contains a control character (C0, DEL or C1).
func hasControl(s string) bool {
	return strings.IndexFunc(s, unicode.IsControl) >= 0
}

// Text trims v and checks it is valid UTF-8, present when required, at most
// max characters (runes; max <= 0 means no limit) and free of control
// characters. It returns the trimmed text; an optional empty value is "".
func (f *Form) Text(field []string, v string, max int, required bool) string {
	v = strings.TrimSpace(v)
	switch {
	case !utf8.ValidString(v):
		f.add(usererror.Invalid, field, nil, msgUTF8)
	case v == "":
		if required {
			f.add(usererror.Required, field, nil, msgRequired)
		}
	case max > 0 && utf8.RuneCountInString(v) > max:
		f.add(usererror.TooLong, field, nil, "must be at most %d characters", max)
	case hasControl(v):
		f.add(usererror.Invalid, field, nil, msgControl)
	}
	return v
}

// Name checks a name (of a seller, contact, group or product): Text with the
// MaxName limit.
func (f *Form) Name(field []string, v string, required bool) string {
	return f.Text(field, v, MaxName, required)
}

// phoneRune reports whether r may appear in phone input: digits (any script;
// the parser normalises them), spaces and the usual separators. Letters are
// refused on purpose: the parser would turn vanity letters into digits and
// drop extensions ("ext. 12"), and E.164 can hold neither, so accepting them
// would silently store a different number than the one typed.
func phoneRune(r rune) bool {
	return unicode.IsDigit(r) || unicode.Is(unicode.Zs, r) || strings.ContainsRune("+-()./", r)
}

// Phone checks a required phone number, international ("+…") or national for
// DefaultRegion, and returns it in E.164 ("+861065529988").
func (f *Form) Phone(field []string, v string) string {
	v = strings.TrimSpace(v)
	switch {
	case !utf8.ValidString(v):
		f.add(usererror.Invalid, field, nil, msgUTF8)
		return v
	case v == "":
		f.add(usererror.Required, field, nil, msgRequired)
		return v
	case utf8.RuneCountInString(v) > MaxPhone:
		f.add(usererror.TooLong, field, nil, "must be at most %d characters", MaxPhone)
		return v
	case hasControl(v):
		f.add(usererror.Invalid, field, nil, msgControl)
		return v
	case strings.IndexFunc(v, func(r rune) bool { return !phoneRune(r) }) >= 0:
		f.add(usererror.Invalid, field, nil, msgPhone)
		return v
	}
	num, err := phonenumbers.Parse(v, DefaultRegion)
	if err != nil || !phonenumbers.IsValidNumber(num) || num.GetExtension() != "" {
		f.add(usererror.Invalid, field, nil, msgPhone)
		return v
	}
	return phonenumbers.Format(num, phonenumbers.E164)
}

// Email checks a required email address: one plain address (no display name,
// angle brackets, comments or lists), at most MaxEmail characters, whose
// domain has at least two labels. The address is kept as typed (no case
// folding): the local part may be case-sensitive.
func (f *Form) Email(field []string, v string) string {
	v = strings.TrimSpace(v)
	switch {
	case !utf8.ValidString(v):
		f.add(usererror.Invalid, field, nil, msgUTF8)
	case v == "":
		f.add(usererror.Required, field, nil, msgRequired)
	case utf8.RuneCountInString(v) > MaxEmail:
		f.add(usererror.TooLong, field, nil, "must be at most %d characters", MaxEmail)
	case !plainEmail(v):
		f.add(usererror.Invalid, field, nil, msgEmail)
	}
	return v
}

// plainEmail reports whether s is exactly one bare address local@domain.
// net/mail does the RFC 5322 parsing; requiring its result to equal the
// input rejects every form that carries more than the address (display
// names, <…>, comments, quoted local parts). The domain checks then narrow
// RFC 5322's grammar to real host names: no IP literals, no single-label
// hosts.
func plainEmail(s string) bool {
	// Only printable, non-space runes: also excludes invisible format
	// characters that would make two addresses look identical.
	if strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) || unicode.IsSpace(r) }) >= 0 {
		return false
	}
	if strings.Count(s, "@") != 1 {
		return false
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Name != "" || addr.Address != s {
		return false
	}
	local, domain, _ := strings.Cut(s, "@")
	if local == "" || !strings.Contains(domain, ".") {
		return false
	}
	for _, label := range strings.Split(domain, ".") {
		if label == "" || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if r != '-' && !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r) {
				return false
			}
		}
	}
	return true
}

// Weekdays checks the service days: 1–7 valid, distinct weekdays. It returns
// them sorted Monday..Sunday, the canonical stored order.
func (f *Form) Weekdays(field []string, days []schedule.Weekday) []schedule.Weekday {
	switch {
	case len(days) == 0:
		f.add(usererror.Required, field, nil, msgRequired)
		return nil
	case len(days) > maxWeekdays:
		f.add(usererror.Invalid, field, nil, "must list at most %d days", maxWeekdays)
		return nil
	}
	out := make([]schedule.Weekday, 0, len(days))
	seen := map[schedule.Weekday]bool{}
	for i, d := range days {
		d = schedule.Weekday(strings.TrimSpace(string(d)))
		switch {
		case !d.Valid():
			f.add(usererror.Invalid, field, []any{i}, msgWeekday)
		case seen[d]:
			f.add(usererror.Invalid, field, []any{i}, msgDupDay)
		default:
			seen[d] = true
			out = append(out, d)
		}
	}
	slices.SortFunc(out, func(a, b schedule.Weekday) int { return a.Index() - b.Index() })
	return out
}

// ServiceHours checks the service hours: 1–4 ranges "HH:MM"–"HH:MM", each
// start before 24:00 and before its end (which may be 24:00), given sorted by
// start and not overlapping (touching is fine). Requiring sorted input rather
// than sorting it keeps the error paths pointing at what the client sent.
func (f *Form) ServiceHours(field []string, hours []schedule.TimeRange) []schedule.TimeRange {
	switch {
	case len(hours) == 0:
		f.add(usererror.Required, field, nil, msgRequired)
		return nil
	case len(hours) > maxServiceHours:
		f.add(usererror.Invalid, field, nil, "must have at most %d ranges", maxServiceHours)
		return nil
	}
	out := make([]schedule.TimeRange, len(hours))
	prevEnd := -1 // end of the last well-formed range, -1 before the first
	for i, h := range hours {
		r := schedule.TimeRange{Start: strings.TrimSpace(h.Start), End: strings.TrimSpace(h.End)}
		out[i] = r
		start, startErr := schedule.ParseClock(r.Start)
		if startErr == nil && start >= schedule.MinutesPerDay {
			startErr = schedule.ErrClock
		}
		if startErr != nil {
			f.add(usererror.Invalid, field, []any{i, "start"}, msgStart)
		}
		end, endErr := schedule.ParseClock(r.End)
		if endErr != nil {
			f.add(usererror.Invalid, field, []any{i, "end"}, msgClock)
		}
		if startErr != nil || endErr != nil {
			continue
		}
		if start >= end {
			f.add(usererror.Invalid, field, []any{i, "end"}, msgAfter)
			continue
		}
		// Compare with the last well-formed range, so one malformed range
		// does not hide an overlap between its neighbours.
		if start < prevEnd {
			f.add(usererror.Invalid, field, []any{i, "start"}, msgOverlap)
		}
		prevEnd = max(prevEnd, end)
	}
	return out
}

// TimeZone checks a required IANA time zone name such as "Asia/Shanghai" or
// "UTC" and returns it trimmed. "Local" is refused: it names the server's
// zone, not the seller's.
func (f *Form) TimeZone(field []string, v string) string {
	v = strings.TrimSpace(v)
	switch {
	case !utf8.ValidString(v):
		f.add(usererror.Invalid, field, nil, msgUTF8)
	case v == "":
		f.add(usererror.Required, field, nil, msgRequired)
	case hasControl(v):
		f.add(usererror.Invalid, field, nil, msgControl)
	default:
		if _, err := schedule.LoadZone(v); err != nil {
			f.add(usererror.Invalid, field, nil, msgZone)
		}
	}
	return v
}
