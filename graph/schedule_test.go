package graph_test

// Service schedules end to end (DESIGN.md "Service schedules"): weeklyHours
// and closures through createCustomerServiceGroup and
// updateCustomerServiceGroup, read back through node, product pages and the
// viewer; openNow, nextOpenAt, nextCloseAt and todayHours as the product
// page reads them; the service policy on the weekly hours; who reads the new
// fields; and the statements of the product page. The schedule model itself
// (DST, fuzzing against a minute-by-minute scan) is tested in package
// schedule; these tests prove the real GraphQL stack wires it up: every
// input reaches the validation, every answer reads the stored week in the
// group's zone at the request's arrival.
//
// The answers that depend on the clock are asserted only with schedules
// whose answer is the same whether the request lands on the day the test
// computed as today or on the next one (24/7, one far-off range, closures
// covering today and tomorrow, …), or as properties that hold at any
// instant.

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"servicesupport/schedule"
)

// schedSel selects a group's schedule: the old fields and the new ones.
const schedSel = `id name serviceDays serviceHours { start end } timeZone openNow meetsServicePolicy
	weeklyHours { day hours { start end } } closures { date name hours { start end } }
	nextOpenAt nextCloseAt todayHours { start end }`

// Group mutations and reads that select the whole schedule.
const (
	createSchedM = `mutation($in: CustomerServiceGroupInput!) { out: createCustomerServiceGroup(input: $in) { customerServiceGroup { ` + schedSel + ` } ` + userErrorFields + ` } }`
	updateSchedM = `mutation($id: ID!, $in: CustomerServiceGroupInput!) { out: updateCustomerServiceGroup(id: $id, input: $in) { customerServiceGroup { ` + schedSel + ` } ` + userErrorFields + ` } }`
	groupSchedQ  = `query($id: ID!) { node(id: $id) { ... on CustomerServiceGroup { ` + schedSel + ` } } }`
)

// schedDay is a DayHours as schedSel reads it.
type schedDay struct {
	Day   string      `json:"day"`
	Hours []TimeRange `json:"hours"`
}

// schedClosure is a Closure as schedSel reads it.
type schedClosure struct {
	Date  string      `json:"date"`
	Name  *string     `json:"name"`
	Hours []TimeRange `json:"hours"`
}

// schedGroup is a group as schedSel reads it.
type schedGroup struct {
	ID                 string         `json:"id"`
	Name               string         `json:"name"`
	ServiceDays        []string       `json:"serviceDays"`
	ServiceHours       []TimeRange    `json:"serviceHours"`
	TimeZone           string         `json:"timeZone"`
	OpenNow            bool           `json:"openNow"`
	MeetsServicePolicy bool           `json:"meetsServicePolicy"`
	WeeklyHours        []schedDay     `json:"weeklyHours"`
	Closures           []schedClosure `json:"closures"`
	NextOpenAt         *time.Time     `json:"nextOpenAt"`
	NextCloseAt        *time.Time     `json:"nextCloseAt"`
	TodayHours         []TimeRange    `json:"todayHours"`
}

// stored is the part of a group that its input decides (not the clock).
func (g schedGroup) stored() string {
	return schedJSON(map[string]any{
		"serviceDays": g.ServiceDays, "serviceHours": g.ServiceHours,
		"weeklyHours": g.WeeklyHours, "closures": g.Closures,
	})
}

// schedOut is a group mutation's payload as createSchedM and updateSchedM
// select it.
type schedOut struct {
	Group      *schedGroup
	UserErrors []UserError
}

// schedMutate runs createSchedM or updateSchedM as p; GraphQL errors fail
// the test.
func (e *Env) schedMutate(p Persona, mutation string, vars map[string]any) schedOut {
	e.t.Helper()
	r := e.Do(p, mutation, vars)
	var out struct {
		Out *struct {
			CustomerServiceGroup *schedGroup
			UserErrors           []UserError
		}
	}
	Decode(e.t, r, &out)
	if out.Out == nil {
		e.t.Fatalf("no payload in %s", r.Data)
	}
	return schedOut{out.Out.CustomerServiceGroup, out.Out.UserErrors}
}

// schedCreateOK creates a group as the owner and returns it as the payload
// shows it.
func (e *Env) schedCreateOK(in map[string]any) schedGroup {
	e.t.Helper()
	out := e.schedMutate(Owner, createSchedM, map[string]any{"in": in})
	if len(out.UserErrors) > 0 || out.Group == nil {
		e.t.Fatalf("creating %v: userErrors %+v, group %v", in["name"], out.UserErrors, out.Group)
	}
	return *out.Group
}

// schedUpdateOK updates a group as the owner and returns it as the payload
// shows it.
func (e *Env) schedUpdateOK(id string, in map[string]any) schedGroup {
	e.t.Helper()
	out := e.schedMutate(Owner, updateSchedM, map[string]any{"id": id, "in": in})
	if len(out.UserErrors) > 0 || out.Group == nil {
		e.t.Fatalf("updating %s: userErrors %+v, group %v", id, out.UserErrors, out.Group)
	}
	return *out.Group
}

// schedRead reads a group as p with node(id:); nil when p may not see it.
func (e *Env) schedRead(p Persona, id string) *schedGroup {
	e.t.Helper()
	var out struct{ Node *schedGroup }
	e.MustDo(p, groupSchedQ, map[string]any{"id": id}, &out)
	return out.Node
}

// deleteGroup deletes one of the owner's groups (a seller has at most 6).
func (e *Env) deleteGroup(id string) {
	e.t.Helper()
	e.MutateOK(Owner, DeleteGroupM, map[string]any{"id": id})
}

// wday is one DayHoursInput: a weekday and start/end pairs.
func wday(day string, pairs ...string) map[string]any {
	return map[string]any{"day": day, "hours": Hours(pairs...)}
}

// weeklyInput is a valid group input with weeklyHours instead of
// serviceDays and serviceHours.
func weeklyInput(name string, days ...map[string]any) map[string]any {
	in := GroupInput(name)
	delete(in, "serviceDays")
	delete(in, "serviceHours")
	in["weeklyHours"] = days
	return in
}

// everyDay gives all seven days the same ranges, as weeklyHours.
func everyDay(pairs ...string) []map[string]any {
	days := make([]map[string]any, 0, 7)
	for _, d := range AllDays {
		days = append(days, wday(d, pairs...))
	}
	return days
}

// onDays gives the listed days the same ranges, as weeklyHours.
func onDays(days []string, pairs ...string) []map[string]any {
	out := make([]map[string]any, 0, len(days))
	for _, d := range days {
		out = append(out, wday(d, pairs...))
	}
	return out
}

// withClosures sets an input's closures.
func withClosures(in map[string]any, closures ...map[string]any) map[string]any {
	if closures == nil {
		closures = []map[string]any{}
	}
	in["closures"] = closures
	return in
}

// closedOn is a ClosureInput closed all day (hours left out).
func closedOn(date string) map[string]any { return map[string]any{"date": date} }

// specialOn is a ClosureInput with special hours.
func specialOn(date string, pairs ...string) map[string]any {
	return map[string]any{"date": date, "hours": Hours(pairs...)}
}

// named gives a ClosureInput a name.
func named(c map[string]any, name string) map[string]any {
	c["name"] = name
	return c
}

// manyClosures is n closures on consecutive days from 2027-01-01.
func manyClosures(n int) []map[string]any {
	out := make([]map[string]any, n)
	first := time.Date(2027, 1, 1, 12, 0, 0, 0, time.UTC)
	for i := range out {
		out[i] = closedOn(first.AddDate(0, 0, i).Format(time.DateOnly))
	}
	return out
}

// ranges builds TimeRanges from start/end pairs (never nil).
func ranges(pairs ...string) []TimeRange {
	out := []TimeRange{}
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, TimeRange{pairs[i], pairs[i+1]})
	}
	return out
}

// dayOf is an expected schedDay.
func dayOf(day string, pairs ...string) schedDay { return schedDay{day, ranges(pairs...)} }

// wantStored renders what a group should read back as (see
// schedGroup.stored); nil lists read as empty ones.
func wantStored(days []string, hours []TimeRange, week []schedDay, closures []schedClosure) string {
	if days == nil {
		days = []string{}
	}
	if hours == nil {
		hours = []TimeRange{}
	}
	if week == nil {
		week = []schedDay{}
	}
	if closures == nil {
		closures = []schedClosure{}
	}
	return schedJSON(map[string]any{"serviceDays": days, "serviceHours": hours, "weeklyHours": week, "closures": closures})
}

func schedJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// wantUserErrors checks that an answer carries exactly the userErrors want
// (code and field, in order), each with a message, and no object; it
// returns the messages.
func wantUserErrors(t testing.TB, got []UserError, object bool, want ...UserError) []string {
	t.Helper()
	show := func(ues []UserError) string {
		parts := make([]string, len(ues))
		for i, u := range ues {
			parts[i] = fmt.Sprintf("%s %q", u.Code, u.Field)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	same := len(got) == len(want)
	for i := 0; same && i < len(got); i++ {
		same = got[i].Code == want[i].Code && slices.Equal(got[i].Field, want[i].Field)
	}
	if !same {
		t.Errorf("userErrors = %s, want %s (messages %+v)", show(got), show(want), got)
	}
	msgs := make([]string, len(got))
	for i, u := range got {
		if strings.TrimSpace(u.Message) == "" {
			t.Errorf("userError %s %q has no message", u.Code, u.Field)
		}
		msgs[i] = u.Message
	}
	if object {
		t.Errorf("the payload carries an object besides its userErrors")
	}
	return msgs
}

// inputPath is a path under the mutation's input argument.
func inputPath(path ...any) []string {
	out := []string{"input"}
	for _, p := range path {
		switch p := p.(type) {
		case int:
			out = append(out, strconv.Itoa(p))
		default:
			out = append(out, fmt.Sprint(p))
		}
	}
	return out
}

// schedUE is an expected userError at a path under the input.
func schedUE(code string, path ...any) UserError {
	return UserError{Code: code, Field: inputPath(path...)}
}

// baseWeek is a valid week at known indices: Monday–Friday 09:00–18:00
// (0–4) and Saturday 10:00–14:00 (5).
func baseWeek() []map[string]any {
	week := onDays(Weekdays, "09:00", "18:00")
	return append(week, wday("SATURDAY", "10:00", "14:00"))
}

// schedEdit changes a valid input into the input under test.
type schedEdit func(in map[string]any)

// setDay replaces day i of weeklyHours.
func setDay(i int, day map[string]any) schedEdit {
	return func(in map[string]any) { in["weeklyHours"].([]map[string]any)[i] = day }
}

// addDay appends a day to weeklyHours.
func addDay(day map[string]any) schedEdit {
	return func(in map[string]any) { in["weeklyHours"] = append(in["weeklyHours"].([]map[string]any), day) }
}

// setWeek replaces weeklyHours.
func setWeek(days ...map[string]any) schedEdit {
	if days == nil {
		days = []map[string]any{}
	}
	return func(in map[string]any) { in["weeklyHours"] = days }
}

// setField sets (or, with nil, removes) an input field.
func setInput(key string, v any) schedEdit {
	return func(in map[string]any) {
		if v == nil {
			delete(in, key)
			return
		}
		in[key] = v
	}
}

// setClosures sets the closures.
func setClosures(cs ...map[string]any) schedEdit {
	return func(in map[string]any) { withClosures(in, cs...) }
}

// setClosure replaces closure i of a list of at least i+1 valid ones.
func setClosure(i int, c map[string]any) schedEdit {
	return func(in map[string]any) {
		cs := manyClosures(i + 1)
		cs[i] = c
		in["closures"] = cs
	}
}

// schedEdits applies several edits in turn.
func schedEdits(es ...schedEdit) schedEdit {
	return func(in map[string]any) {
		for _, e := range es {
			e(in)
		}
	}
}

// TestScheduleValidationRefused sends every schedule rule's refused input
// through create and update: each answers exactly its userErrors (code and
// the path of what the client sent) and changes nothing, not even the
// closures an update would have replaced.
func TestScheduleValidationRefused(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("节", 65)
	cases := []struct {
		name string
		edit schedEdit
		want []UserError
		// msg is part of the first error's message, when it matters.
		msg string
	}{
		// One form of the week, not both.
		{"weeklyHours with serviceDays and serviceHours", schedEdits(setInput("serviceDays", Weekdays), setInput("serviceHours", Hours("09:00", "18:00"))),
			[]UserError{schedUE("INVALID", "weeklyHours")}, "serviceDays"},
		{"weeklyHours with serviceDays", setInput("serviceDays", Weekdays), []UserError{schedUE("INVALID", "weeklyHours")}, ""},
		{"weeklyHours with serviceHours", setInput("serviceHours", Hours("09:00", "18:00")), []UserError{schedUE("INVALID", "weeklyHours")}, ""},
		{"neither form", setInput("weeklyHours", nil), []UserError{schedUE("REQUIRED", "serviceDays"), schedUE("REQUIRED", "serviceHours")}, ""},
		{"weeklyHours empty", setWeek(), []UserError{schedUE("REQUIRED", "weeklyHours")}, ""},
		{"weeklyHours of eight days", schedEdits(addDay(wday("SUNDAY", "10:00", "14:00")), addDay(wday("MONDAY", "19:00", "20:00"))),
			[]UserError{schedUE("INVALID", "weeklyHours")}, "7"},
		// Ranges per day: 1–4.
		{"a day without ranges", setDay(1, wday("TUESDAY")), []UserError{schedUE("REQUIRED", "weeklyHours", 1, "hours")}, ""},
		{"a day with five ranges", setDay(1, wday("TUESDAY", "08:00", "09:00", "10:00", "11:00", "12:00", "13:00", "14:00", "15:00", "16:00", "17:00")),
			[]UserError{schedUE("INVALID", "weeklyHours", 1, "hours")}, "at most 4"},
		// Sorted, not overlapping.
		{"unsorted ranges", setDay(3, wday("THURSDAY", "13:00", "18:00", "09:00", "12:00")), []UserError{schedUE("INVALID", "weeklyHours", 3, "hours", 1, "start")}, ""},
		{"overlapping ranges", setDay(3, wday("THURSDAY", "09:00", "13:00", "12:00", "18:00")), []UserError{schedUE("INVALID", "weeklyHours", 3, "hours", 1, "start")}, ""},
		{"a range inside the day's overnight range", setDay(3, wday("THURSDAY", "20:00", "02:00", "22:00", "23:00")), []UserError{schedUE("INVALID", "weeklyHours", 3, "hours", 1, "start")}, ""},
		{"overlapping the third range, not the second", setDay(3, wday("THURSDAY", "08:00", "09:00", "10:00", "12:00", "11:00", "13:00")), []UserError{schedUE("INVALID", "weeklyHours", 3, "hours", 2, "start")}, ""},
		// The previous day's spill-over past midnight.
		{"overlapping the previous day's spill-over", schedEdits(setDay(0, wday("MONDAY", "20:00", "03:00")), setDay(1, wday("TUESDAY", "02:00", "10:00"))),
			[]UserError{schedUE("INVALID", "weeklyHours", 1, "hours", 0, "start")}, "03:00"},
		{"two ranges inside the previous day's spill-over", schedEdits(setDay(0, wday("MONDAY", "18:00", "04:00")), setDay(1, wday("TUESDAY", "01:00", "02:00", "03:00", "09:00"))),
			[]UserError{schedUE("INVALID", "weeklyHours", 1, "hours", 0, "start"), schedUE("INVALID", "weeklyHours", 1, "hours", 1, "start")}, "04:00"},
		{"spill-over of the day's second range", schedEdits(setDay(3, wday("THURSDAY", "09:00", "12:00", "21:00", "01:00")), setDay(4, wday("FRIDAY", "00:30", "08:00"))),
			[]UserError{schedUE("INVALID", "weeklyHours", 4, "hours", 0, "start")}, "01:00"},
		{"Sunday's spill-over into Monday", schedEdits(setDay(0, wday("MONDAY", "05:00", "13:00")), addDay(wday("SUNDAY", "22:00", "06:00"))),
			[]UserError{schedUE("INVALID", "weeklyHours", 0, "hours", 0, "start")}, "06:00"},
		{"Sunday's spill-over into Monday, Sunday listed first", setWeek(wday("SUNDAY", "22:00", "06:00"), wday("MONDAY", "05:00", "13:00"), wday("TUESDAY", "09:00", "18:00")),
			[]UserError{schedUE("INVALID", "weeklyHours", 1, "hours", 0, "start")}, ""},
		{"a whole day then the next day's spill-over-free start inside it", schedEdits(setDay(0, wday("MONDAY", "00:00", "24:00")), setDay(1, wday("TUESDAY", "00:00", "08:00", "07:00", "09:00"))),
			[]UserError{schedUE("INVALID", "weeklyHours", 1, "hours", 1, "start")}, ""},
		// At most 24 h: an end equal to the start is refused, an end
		// before it runs past midnight.
		{"start equals end", setDay(2, wday("WEDNESDAY", "09:00", "09:00")), []UserError{schedUE("INVALID", "weeklyHours", 2, "hours", 0, "end")}, "24:00"},
		{"24 h from noon", setDay(2, wday("WEDNESDAY", "12:00", "12:00")), []UserError{schedUE("INVALID", "weeklyHours", 2, "hours", 0, "end")}, ""},
		{"midnight to midnight written 00:00–00:00", setDay(2, wday("WEDNESDAY", "00:00", "00:00")), []UserError{schedUE("INVALID", "weeklyHours", 2, "hours", 0, "end")}, ""},
		{"start 24:00", setDay(2, wday("WEDNESDAY", "24:00", "02:00")), []UserError{schedUE("INVALID", "weeklyHours", 2, "hours", 0, "start")}, ""},
		// Clocks.
		{"end 25:00", setDay(2, wday("WEDNESDAY", "09:00", "25:00")), []UserError{schedUE("INVALID", "weeklyHours", 2, "hours", 0, "end")}, ""},
		{"start 25:00", setDay(2, wday("WEDNESDAY", "25:00", "09:00")), []UserError{schedUE("INVALID", "weeklyHours", 2, "hours", 0, "start")}, ""},
		{"end 24:30", setDay(2, wday("WEDNESDAY", "09:00", "24:30")), []UserError{schedUE("INVALID", "weeklyHours", 2, "hours", 0, "end")}, ""},
		{"minute 60", setDay(2, wday("WEDNESDAY", "09:60", "18:00")), []UserError{schedUE("INVALID", "weeklyHours", 2, "hours", 0, "start")}, ""},
		{"clock without a leading zero", setDay(2, wday("WEDNESDAY", "9:00", "18:00")), []UserError{schedUE("INVALID", "weeklyHours", 2, "hours", 0, "start")}, ""},
		{"empty clocks", setDay(2, wday("WEDNESDAY", "", "")), []UserError{schedUE("INVALID", "weeklyHours", 2, "hours", 0, "start"), schedUE("INVALID", "weeklyHours", 2, "hours", 0, "end")}, ""},
		{"a bad range does not hide its neighbours' overlap", setDay(2, wday("WEDNESDAY", "09:00", "13:00", "xx:00", "12:30", "12:00", "18:00")),
			[]UserError{schedUE("INVALID", "weeklyHours", 2, "hours", 1, "start"), schedUE("INVALID", "weeklyHours", 2, "hours", 2, "start")}, ""},
		// Days.
		{"a day twice", setDay(5, wday("MONDAY", "10:00", "14:00")), []UserError{schedUE("INVALID", "weeklyHours", 5, "day")}, ""},
		{"a day twice, listed apart", schedEdits(setDay(5, wday("SATURDAY", "10:00", "14:00")), addDay(wday("WEDNESDAY", "19:00", "20:00"))), []UserError{schedUE("INVALID", "weeklyHours", 6, "day")}, ""},
		// Closures.
		{"51 closures", setClosures(manyClosures(51)...), []UserError{schedUE("INVALID", "closures")}, "50"},
		{"a date twice", setClosures(closedOn("2026-12-24"), closedOn("2026-12-25"), closedOn("2026-12-24")), []UserError{schedUE("INVALID", "closures", 2, "date")}, ""},
		{"a date twice, once with spaces", setClosures(closedOn("2026-12-24"), closedOn(" 2026-12-24 ")), []UserError{schedUE("INVALID", "closures", 1, "date")}, ""},
		{"date 2026-02-30", setClosure(3, closedOn("2026-02-30")), []UserError{schedUE("INVALID", "closures", 3, "date")}, "YYYY-MM-DD"},
		{"date 2026-13-01", setClosure(0, closedOn("2026-13-01")), []UserError{schedUE("INVALID", "closures", 0, "date")}, ""},
		{"date 2026-2-3", setClosure(1, closedOn("2026-2-3")), []UserError{schedUE("INVALID", "closures", 1, "date")}, ""},
		{"date 24.12.2026", setClosure(0, closedOn("24.12.2026")), []UserError{schedUE("INVALID", "closures", 0, "date")}, ""},
		{"date with a time", setClosure(0, closedOn("2026-12-24T00:00:00Z")), []UserError{schedUE("INVALID", "closures", 0, "date")}, ""},
		{"date year 0", setClosure(0, closedOn("0000-01-01")), []UserError{schedUE("INVALID", "closures", 0, "date")}, ""},
		{"date empty", setClosure(2, closedOn("")), []UserError{schedUE("REQUIRED", "closures", 2, "date")}, ""},
		{"date blank", setClosure(0, closedOn("   ")), []UserError{schedUE("REQUIRED", "closures", 0, "date")}, ""},
		{"name of 65 characters", setClosure(1, named(closedOn("2027-06-01"), long)), []UserError{schedUE("TOO_LONG", "closures", 1, "name")}, "64"},
		{"name with a control character", setClosure(0, named(closedOn("2027-06-01"), "Spring\nFestival")), []UserError{schedUE("INVALID", "closures", 0, "name")}, ""},
		{"closure end 25:00", setClosure(3, specialOn("2027-06-01", "09:00", "25:00")), []UserError{schedUE("INVALID", "closures", 3, "hours", 0, "end")}, ""},
		{"closure start equals end", setClosure(0, specialOn("2027-06-01", "10:00", "10:00")), []UserError{schedUE("INVALID", "closures", 0, "hours", 0, "end")}, ""},
		{"closure overlapping ranges", setClosure(0, specialOn("2027-06-01", "09:00", "12:00", "11:00", "14:00")), []UserError{schedUE("INVALID", "closures", 0, "hours", 1, "start")}, ""},
		{"closure with five ranges", setClosure(0, specialOn("2027-06-01", "08:00", "09:00", "10:00", "11:00", "12:00", "13:00", "14:00", "15:00", "16:00", "17:00")),
			[]UserError{schedUE("INVALID", "closures", 0, "hours")}, ""},
		// Several problems at once, each at its path.
		{"a weekly end and a closure date", schedEdits(setDay(2, wday("WEDNESDAY", "09:00", "25:00")), setClosure(3, closedOn("2026-02-30"))),
			[]UserError{schedUE("INVALID", "weeklyHours", 2, "hours", 0, "end"), schedUE("INVALID", "closures", 3, "date")}, ""},
		{"a bad day and a bad closure, with a bad name", schedEdits(setDay(4, wday("FRIDAY", "18:00", "09:00", "10:00", "11:00")), setClosures(named(specialOn("2027-01-01", "24:00", "01:00"), long)), setInput("name", "")),
			[]UserError{schedUE("REQUIRED", "name"), schedUE("INVALID", "weeklyHours", 4, "hours", 1, "start"), schedUE("TOO_LONG", "closures", 0, "name"), schedUE("INVALID", "closures", 0, "hours", 0, "start")}, ""},
		// The old fields keep part one's rule: no range past midnight.
		{"serviceHours past midnight", schedEdits(setInput("weeklyHours", nil), setInput("serviceDays", Weekdays), setInput("serviceHours", Hours("22:00", "06:00"))),
			[]UserError{schedUE("INVALID", "serviceHours", 0, "end")}, ""},
	}
	env := NewEnv(t)
	// The update target has closures, which a refused update must keep.
	target := env.schedCreateOK(withClosures(weeklyInput("Acme Weekly", baseWeek()...), named(closedOn("2027-02-17"), "Spring Festival")))
	for _, tc := range cases {
		for _, op := range []string{"create", "update"} {
			t.Run(op+"/"+tc.name, func(t *testing.T) {
				env := env.For(t)
				input := weeklyInput("Acme Weekly", baseWeek()...)
				mutation, vars := createSchedM, map[string]any{"in": input}
				if op == "create" {
					input["name"] = "Acme New"
				} else {
					mutation, vars = updateSchedM, map[string]any{"id": target.ID, "in": input}
				}
				tc.edit(input)
				before := env.Snapshot()
				out := env.schedMutate(Owner, mutation, vars)
				msgs := wantUserErrors(t, out.UserErrors, out.Group != nil, tc.want...)
				if tc.msg != "" && len(msgs) > 0 && !strings.Contains(msgs[0], tc.msg) {
					t.Errorf("message %q does not mention %q", msgs[0], tc.msg)
				}
				env.Unchanged(before)
			})
		}
	}
	if g := env.schedRead(Owner, target.ID); g == nil || g.stored() != target.stored() {
		t.Errorf("after the refused updates the group reads %+v, want %s", g, target.stored())
	}
}

// TestScheduleReadBack creates groups in either form and checks what they
// read back as, in the payload and through node: weeklyHours Monday first
// with only days with hours, serviceDays the days with hours, serviceHours
// the shared hours or the first day's, closures by date; accepted edge
// cases are stored as sent (trimmed).
func TestScheduleReadBack(t *testing.T) {
	t.Parallel()
	cjk64 := strings.Repeat("节", 64)
	nine := []string{"09:00", "12:00", "13:00", "18:00"}
	cases := []struct {
		name string
		in   map[string]any
		want string
	}{
		{"weekly, any order, split and overnight",
			weeklyInput("G", wday("FRIDAY", "09:00", "17:00"), wday("MONDAY", nine...), wday("WEDNESDAY", "22:00", "06:00")),
			wantStored([]string{"MONDAY", "WEDNESDAY", "FRIDAY"}, ranges(nine...),
				[]schedDay{dayOf("MONDAY", nine...), dayOf("WEDNESDAY", "22:00", "06:00"), dayOf("FRIDAY", "09:00", "17:00")}, nil)},
		{"weekly, uniform",
			weeklyInput("G", wday("SUNDAY", "08:00", "16:30"), wday("TUESDAY", "08:00", "16:30"), wday("MONDAY", "08:00", "16:30")),
			wantStored([]string{"MONDAY", "TUESDAY", "SUNDAY"}, ranges("08:00", "16:30"),
				[]schedDay{dayOf("MONDAY", "08:00", "16:30"), dayOf("TUESDAY", "08:00", "16:30"), dayOf("SUNDAY", "08:00", "16:30")}, nil)},
		{"weekly, uniform split shifts",
			weeklyInput("G", onDays(Weekdays, nine...)...),
			wantStored(Weekdays, ranges(nine...),
				[]schedDay{dayOf("MONDAY", nine...), dayOf("TUESDAY", nine...), dayOf("WEDNESDAY", nine...), dayOf("THURSDAY", nine...), dayOf("FRIDAY", nine...)}, nil)},
		{"weekly, not uniform: the first day in week order, not in input order",
			weeklyInput("G", wday("SATURDAY", "10:00", "14:00"), wday("THURSDAY", "22:00", "06:00"), wday("SUNDAY", "10:00", "14:00")),
			wantStored([]string{"THURSDAY", "SATURDAY", "SUNDAY"}, ranges("22:00", "06:00"),
				[]schedDay{dayOf("THURSDAY", "22:00", "06:00"), dayOf("SATURDAY", "10:00", "14:00"), dayOf("SUNDAY", "10:00", "14:00")}, nil)},
		{"weekly, one day",
			weeklyInput("G", wday("SUNDAY", "00:00", "24:00")),
			wantStored([]string{"SUNDAY"}, ranges("00:00", "24:00"), []schedDay{dayOf("SUNDAY", "00:00", "24:00")}, nil)},
		{"old fields",
			GroupWith("G", []string{"FRIDAY", "MONDAY", "WEDNESDAY"}, [2]string{"09:00", "12:00"}, [2]string{"13:00", "18:00"}),
			wantStored([]string{"MONDAY", "WEDNESDAY", "FRIDAY"}, ranges(nine...),
				[]schedDay{dayOf("MONDAY", nine...), dayOf("WEDNESDAY", nine...), dayOf("FRIDAY", nine...)}, nil)},
		{"old fields, every day around the clock",
			GroupWith("G", AllDays, [2]string{"00:00", "24:00"}),
			wantStored(AllDays, ranges("00:00", "24:00"), func() []schedDay {
				var w []schedDay
				for _, d := range AllDays {
					w = append(w, dayOf(d, "00:00", "24:00"))
				}
				return w
			}(), nil)},
		// Accepted edge cases.
		{"spill-over touching the next day's first range",
			weeklyInput("G", wday("MONDAY", "20:00", "03:00"), wday("TUESDAY", "03:00", "12:00")),
			wantStored([]string{"MONDAY", "TUESDAY"}, ranges("20:00", "03:00"), []schedDay{dayOf("MONDAY", "20:00", "03:00"), dayOf("TUESDAY", "03:00", "12:00")}, nil)},
		{"Sunday's spill-over touching Monday's first range",
			weeklyInput("G", wday("SUNDAY", "22:00", "06:00"), wday("MONDAY", "06:00", "14:00")),
			wantStored([]string{"MONDAY", "SUNDAY"}, ranges("06:00", "14:00"), []schedDay{dayOf("MONDAY", "06:00", "14:00"), dayOf("SUNDAY", "22:00", "06:00")}, nil)},
		{"until midnight then from midnight",
			weeklyInput("G", wday("MONDAY", "16:00", "24:00"), wday("TUESDAY", "00:00", "08:00"), wday("WEDNESDAY", "16:00", "00:00")),
			wantStored([]string{"MONDAY", "TUESDAY", "WEDNESDAY"}, ranges("16:00", "24:00"),
				[]schedDay{dayOf("MONDAY", "16:00", "24:00"), dayOf("TUESDAY", "00:00", "08:00"), dayOf("WEDNESDAY", "16:00", "00:00")}, nil)},
		{"23 h 59 min past midnight, and four touching ranges",
			weeklyInput("G", wday("MONDAY", "12:00", "11:59"), wday("TUESDAY", "12:00", "13:00", "13:00", "14:00", "14:00", "15:00", "15:00", "12:00")),
			wantStored([]string{"MONDAY", "TUESDAY"}, ranges("12:00", "11:59"),
				[]schedDay{dayOf("MONDAY", "12:00", "11:59"), dayOf("TUESDAY", "12:00", "13:00", "13:00", "14:00", "14:00", "15:00", "15:00", "12:00")}, nil)},
		{"a day's ranges after the spill-over, ranges out of their day",
			weeklyInput("G", wday("FRIDAY", "09:00", "12:00", "21:00", "01:00"), wday("SATURDAY", "01:00", "05:00")),
			wantStored([]string{"FRIDAY", "SATURDAY"}, ranges("09:00", "12:00", "21:00", "01:00"),
				[]schedDay{dayOf("FRIDAY", "09:00", "12:00", "21:00", "01:00"), dayOf("SATURDAY", "01:00", "05:00")}, nil)},
		{"weeklyHours with the old fields null",
			setAndReturn(setAndReturn(weeklyInput("G", wday("TUESDAY", "09:00", "18:00")), "serviceDays", nil), "serviceHours", nil),
			wantStored([]string{"TUESDAY"}, ranges("09:00", "18:00"), []schedDay{dayOf("TUESDAY", "09:00", "18:00")}, nil)},
		{"trimmed values",
			weeklyInput("G", map[string]any{"day": "MONDAY", "hours": Hours(" 09:00", "18:00 ")}),
			wantStored([]string{"MONDAY"}, ranges("09:00", "18:00"), []schedDay{dayOf("MONDAY", "09:00", "18:00")}, nil)},
		// Closures.
		{"closures by date, named or not, closed or with hours",
			withClosures(weeklyInput("G", wday("MONDAY", "09:00", "18:00")),
				named(closedOn("2027-02-17"), "  Spring Festival  "),
				specialOn("2026-12-31", "10:00", "14:00", "22:00", "02:00"),
				named(closedOn(" 2027-01-01 "), "   "),
				map[string]any{"date": "2026-12-24", "hours": []any{}, "name": nil},
				map[string]any{"date": "2026-12-26", "hours": nil},
				named(closedOn("2028-02-29"), cjk64)),
			wantStored([]string{"MONDAY"}, ranges("09:00", "18:00"), []schedDay{dayOf("MONDAY", "09:00", "18:00")}, []schedClosure{
				{"2026-12-24", nil, ranges()},
				{"2026-12-26", nil, ranges()},
				{"2026-12-31", nil, ranges("10:00", "14:00", "22:00", "02:00")},
				{"2027-01-01", nil, ranges()},
				{"2027-02-17", Str("Spring Festival"), ranges()},
				{"2028-02-29", Str(cjk64), ranges()},
			})},
		{"50 closures", withClosures(weeklyInput("G", wday("MONDAY", "09:00", "18:00")), manyClosures(50)...),
			wantStored([]string{"MONDAY"}, ranges("09:00", "18:00"), []schedDay{dayOf("MONDAY", "09:00", "18:00")}, func() []schedClosure {
				var cs []schedClosure
				for _, c := range manyClosures(50) {
					cs = append(cs, schedClosure{c["date"].(string), nil, ranges()})
				}
				return cs
			}())},
		{"a closure's hours overlapping the next day's and the previous day's spill-over",
			withClosures(weeklyInput("G", wday("MONDAY", "20:00", "04:00"), wday("WEDNESDAY", "00:00", "08:00")),
				specialOn("2027-01-05", "00:00", "02:00", "22:00", "06:00")), // a Tuesday
			wantStored([]string{"MONDAY", "WEDNESDAY"}, ranges("20:00", "04:00"), []schedDay{dayOf("MONDAY", "20:00", "04:00"), dayOf("WEDNESDAY", "00:00", "08:00")},
				[]schedClosure{{"2027-01-05", nil, ranges("00:00", "02:00", "22:00", "06:00")}})},
		{"old fields with closures",
			withClosures(GroupWith("G", Weekdays, [2]string{"09:00", "18:00"}), closedOn("2027-10-01")),
			wantStored(Weekdays, ranges("09:00", "18:00"),
				[]schedDay{dayOf("MONDAY", "09:00", "18:00"), dayOf("TUESDAY", "09:00", "18:00"), dayOf("WEDNESDAY", "09:00", "18:00"), dayOf("THURSDAY", "09:00", "18:00"), dayOf("FRIDAY", "09:00", "18:00")},
				[]schedClosure{{"2027-10-01", nil, ranges()}})},
	}
	env := NewEnv(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := env.For(t)
			created := env.schedCreateOK(tc.in)
			if got := created.stored(); got != tc.want {
				t.Errorf("payload:\ngot  %s\nwant %s", got, tc.want)
			}
			for _, p := range []Persona{Owner, Reviewer} {
				if g := env.schedRead(p, created.ID); g == nil || g.stored() != tc.want {
					t.Errorf("as %s, node reads %+v\nwant %s", p, g, tc.want)
				}
			}
			env.deleteGroup(created.ID)
		})
	}
}

// TestScheduleUpdateForms checks what an update stores: closures left out
// keep the group's, `closures: []` clears them, a list replaces them; either
// form of the week replaces the other.
func TestScheduleUpdateForms(t *testing.T) {
	t.Parallel()
	env := NewEnv(t)
	festival := schedClosure{"2027-02-17", Str("Spring Festival"), ranges()}
	eve := schedClosure{"2026-12-31", nil, ranges("10:00", "14:00")}
	split := []string{"08:00", "12:00", "13:00", "17:00"}
	g := env.schedCreateOK(withClosures(weeklyInput("Acme Weekly", wday("TUESDAY", split...), wday("MONDAY", "09:00", "18:00")),
		named(closedOn("2027-02-17"), "Spring Festival"), specialOn("2026-12-31", "10:00", "14:00")))
	version := func() int { return env.GetGroup(Owner, g.ID).Version }
	steps := []struct {
		name string
		in   map[string]any
		want string
	}{
		{"weekly, closures left out: kept",
			weeklyInput("Acme Weekly", wday("WEDNESDAY", "10:00", "19:00")),
			wantStored([]string{"WEDNESDAY"}, ranges("10:00", "19:00"), []schedDay{dayOf("WEDNESDAY", "10:00", "19:00")}, []schedClosure{eve, festival})},
		{"old fields, closures left out: kept, week replaced",
			GroupWith("Acme Weekly", []string{"THURSDAY", "MONDAY"}, [2]string{"09:00", "17:00"}),
			wantStored([]string{"MONDAY", "THURSDAY"}, ranges("09:00", "17:00"), []schedDay{dayOf("MONDAY", "09:00", "17:00"), dayOf("THURSDAY", "09:00", "17:00")}, []schedClosure{eve, festival})},
		{"closures: null keeps them",
			setAndReturn(weeklyInput("Acme Weekly", wday("MONDAY", split...)), "closures", nil),
			wantStored([]string{"MONDAY"}, ranges(split...), []schedDay{dayOf("MONDAY", split...)}, []schedClosure{eve, festival})},
		{"a list replaces them",
			withClosures(weeklyInput("Acme Weekly", wday("MONDAY", split...)), closedOn("2027-05-01")),
			wantStored([]string{"MONDAY"}, ranges(split...), []schedDay{dayOf("MONDAY", split...)}, []schedClosure{{"2027-05-01", nil, ranges()}})},
		{"closures: [] clears them",
			withClosures(weeklyInput("Acme Weekly", wday("MONDAY", split...))),
			wantStored([]string{"MONDAY"}, ranges(split...), []schedDay{dayOf("MONDAY", split...)}, nil)},
		{"left out again: still none",
			GroupWith("Acme Weekly", Weekdays, [2]string{"09:00", "18:00"}),
			wantStored(Weekdays, ranges("09:00", "18:00"),
				[]schedDay{dayOf("MONDAY", "09:00", "18:00"), dayOf("TUESDAY", "09:00", "18:00"), dayOf("WEDNESDAY", "09:00", "18:00"), dayOf("THURSDAY", "09:00", "18:00"), dayOf("FRIDAY", "09:00", "18:00")}, nil)},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			env := env.For(t)
			was := version()
			got := env.schedUpdateOK(g.ID, s.in)
			if got.stored() != s.want {
				t.Errorf("payload:\ngot  %s\nwant %s", got.stored(), s.want)
			}
			if r := env.schedRead(Owner, g.ID); r == nil || r.stored() != s.want {
				t.Errorf("node reads %+v\nwant %s", r, s.want)
			}
			if v := version(); v != was+1 {
				t.Errorf("version %d after the update, want %d", v, was+1)
			}
		})
	}
}

// setAndReturn sets in[key] = v (nil included) and returns in.
func setAndReturn(in map[string]any, key string, v any) map[string]any {
	in[key] = v
	return in
}

// TestScheduleGroupWrittenBefore reads a group stored before weekly hours
// existed (no weekly hours, no closures: only its service days and hours)
// as its old week, and updates it.
func TestScheduleGroupWrittenBefore(t *testing.T) {
	t.Parallel()
	env := NewEnv(t)
	w := env.Seed()
	id, err := strconv.Atoi(w.GroupID)
	if err != nil {
		t.Fatal(err)
	}
	err = env.Client.CustomerServiceGroup.UpdateOneID(id).
		ClearWeeklyHours().ClearClosures().
		SetServiceDays([]schedule.Weekday{"MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY"}).
		SetServiceHours([]schedule.TimeRange{{Start: "08:00", End: "12:00"}, {Start: "13:00", End: "17:00"}}).
		Exec(Sys())
	if err != nil {
		t.Fatal(err)
	}
	split := []string{"08:00", "12:00", "13:00", "17:00"}
	var week []schedDay
	for _, d := range AllDays[:6] {
		week = append(week, dayOf(d, split...))
	}
	want := wantStored(AllDays[:6], ranges(split...), week, nil)
	for _, p := range []Persona{Owner, Admin} {
		g := env.schedRead(p, w.GroupID)
		if g == nil || g.stored() != want || !g.MeetsServicePolicy {
			t.Errorf("as %s the old group reads %+v\nwant %s, meeting the policy", p, g, want)
		}
	}
	var page struct {
		Product struct{ AfterSalesGroup schedGroup }
	}
	env.MustDo(Anonymous, `query($id: ID!) { product(id: $id) { afterSalesGroup { `+schedSel+` } } }`, map[string]any{"id": w.ReleasedID}, &page)
	if got := page.Product.AfterSalesGroup.stored(); got != want {
		t.Errorf("the product page shows\n%s\nwant %s", got, want)
	}
	// Below the policy, the old group's released product still protects it.
	WantUserError(t, env.Mutate(Owner, UpdateGroupM, map[string]any{"id": w.GroupID, "in": GroupWith("Acme Support", Weekdays[:4], [2]string{"09:00", "18:00"})}),
		"PRECONDITION_FAILED", []string{"input", "serviceDays"})
	// An update leaving closures out keeps none and stores the week.
	got := env.schedUpdateOK(w.GroupID, weeklyInput("Acme Support", onDays(Weekdays, "09:00", "17:00")...))
	if len(got.Closures) != 0 || len(got.WeeklyHours) != 5 || !slices.Equal(got.ServiceDays, Weekdays) {
		t.Errorf("after the update: %+v", got)
	}
}

// localDays is a date in a zone, from which tests name the days after it.
type localDays struct {
	loc     *time.Location
	y       int
	m       time.Month
	d       int
	weekday string
}

// todayIn is today's date in zone.
func todayIn(t testing.TB, zone string) localDays {
	t.Helper()
	loc, err := time.LoadLocation(zone)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().In(loc)
	y, m, d := now.Date()
	return localDays{loc: loc, y: y, m: m, d: d, weekday: string(schedule.WeekdayOf(now.Weekday()))}
}

// noon is the noon of the k-th day after l (whatever its offset).
func (l localDays) noon(k int) time.Time { return time.Date(l.y, l.m, l.d+k, 12, 0, 0, 0, l.loc) }

// date is the k-th day after l, YYYY-MM-DD.
func (l localDays) date(k int) string { return l.noon(k).Format(time.DateOnly) }

// day is the weekday of the k-th day after l.
func (l localDays) day(k int) string { return string(schedule.WeekdayOf(l.noon(k).Weekday())) }

// at is hh:mm on the k-th day after l, in l's zone.
func (l localDays) at(k, hh, mm int) *time.Time {
	t := time.Date(l.y, l.m, l.d+k, hh, mm, 0, 0, l.loc)
	return &t
}

// showTime renders an optional time.
func showTime(t *time.Time) string {
	if t == nil {
		return "null"
	}
	return t.Format(time.RFC3339)
}

// sameTime reports whether two optional times are both null or the same
// instant.
func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}

// scheduleZones are the zones the clock tests run in: whole-hour, half-hour
// and 45-minute offsets, both sides of the date line, with and without
// daylight saving (none of them changes its clock at midnight).
var scheduleZones = []string{
	"Asia/Shanghai", "Europe/Berlin", "America/New_York", "Asia/Kathmandu",
	"America/St_Johns", "Australia/Lord_Howe", "Pacific/Kiritimati", "Pacific/Pago_Pago",
}

// TestScheduleOpenNow checks openNow, nextOpenAt, nextCloseAt and
// todayHours through GraphQL for schedules whose answer does not depend on
// the minute: the same whether the request lands on the day the test took
// as today (D) or the next one. Closures are dated in the group's zone.
func TestScheduleOpenNow(t *testing.T) {
	t.Parallel()
	type want struct {
		open                bool
		nextOpen, nextClose *time.Time
		today               []TimeRange
		// noneSoon: closed with no opening within 14 days, so openNow
		// and nextOpenAt are both false/null.
		noneSoon bool
	}
	overnight := []string{"12:00", "18:00", "18:00", "12:00"}
	cases := []struct {
		name  string
		build func(l localDays) (map[string]any, want)
	}{
		{"around the clock", func(l localDays) (map[string]any, want) {
			return weeklyInput("G", everyDay("00:00", "24:00")...), want{open: true, today: ranges("00:00", "24:00")}
		}},
		{"around the clock, old fields", func(l localDays) (map[string]any, want) {
			return GroupWith("G", AllDays, [2]string{"00:00", "24:00"}), want{open: true, today: ranges("00:00", "24:00")}
		}},
		{"around the clock in touching ranges", func(l localDays) (map[string]any, want) {
			return weeklyInput("G", everyDay("00:00", "06:00", "06:00", "20:00", "20:00", "24:00")...),
				want{open: true, today: ranges("00:00", "06:00", "06:00", "20:00", "20:00", "24:00")}
		}},
		{"around the clock by overnight ranges", func(l localDays) (map[string]any, want) {
			return weeklyInput("G", everyDay(overnight...)...), want{open: true, today: ranges(overnight...)}
		}},
		{"around the clock, closed today and tomorrow", func(l localDays) (map[string]any, want) {
			return withClosures(weeklyInput("G", everyDay("00:00", "24:00")...), named(closedOn(l.date(0)), "Inventory"), closedOn(l.date(1))),
				want{open: false, nextOpen: l.at(2, 0, 0), today: ranges()}
		}},
		{"around the clock, closed in three days", func(l localDays) (map[string]any, want) {
			return withClosures(weeklyInput("G", everyDay("00:00", "24:00")...), closedOn(l.date(3))),
				want{open: true, nextClose: l.at(3, 0, 0), today: ranges("00:00", "24:00")}
		}},
		{"around the clock, short hours in four days", func(l localDays) (map[string]any, want) {
			return withClosures(weeklyInput("G", everyDay("00:00", "24:00")...), specialOn(l.date(4), "00:00", "10:00", "11:00", "24:00")),
				want{open: true, nextClose: l.at(4, 10, 0), today: ranges("00:00", "24:00")}
		}},
		{"overnight spill-over outlives a closure", func(l localDays) (map[string]any, want) {
			// The day before the closure runs 18:00–12:00 into it.
			return withClosures(weeklyInput("G", everyDay(overnight...)...), closedOn(l.date(3))),
				want{open: true, nextClose: l.at(3, 12, 0), today: ranges(overnight...)}
		}},
		{"one far-off range", func(l localDays) (map[string]any, want) {
			return weeklyInput("G", wday(l.day(3), "10:00", "11:00")), want{open: false, nextOpen: l.at(3, 10, 0), today: ranges()}
		}},
		{"one far-off night shift", func(l localDays) (map[string]any, want) {
			return weeklyInput("G", wday(l.day(4), "22:00", "06:00")), want{open: false, nextOpen: l.at(4, 22, 0), today: ranges()}
		}},
		{"one far-off range, old fields", func(l localDays) (map[string]any, want) {
			return GroupWith("G", []string{l.day(5)}, [2]string{"07:30", "08:00"}), want{open: false, nextOpen: l.at(5, 7, 30), today: ranges()}
		}},
		{"the far-off range closed, the week after open", func(l localDays) (map[string]any, want) {
			return withClosures(weeklyInput("G", wday(l.day(3), "10:00", "11:00")), closedOn(l.date(3))),
				want{open: false, nextOpen: l.at(10, 10, 0), today: ranges()}
		}},
		{"special hours all today and tomorrow, else far off", func(l localDays) (map[string]any, want) {
			return withClosures(weeklyInput("G", wday(l.day(3), "10:00", "11:00")), specialOn(l.date(0), "00:00", "24:00"), named(specialOn(l.date(1), "00:00", "24:00"), "Sale")),
				want{open: true, nextClose: l.at(2, 0, 0), today: ranges("00:00", "24:00")}
		}},
		{"special hours today and tomorrow past midnight", func(l localDays) (map[string]any, want) {
			// 00:00–24:00, then 00:00–02:00 and 02:00–03:00 (touching), then
			// the next day's spill-over from 03:00 to 01:00 of the day after.
			return withClosures(weeklyInput("G", wday(l.day(3), "10:00", "11:00")),
					specialOn(l.date(0), "00:00", "24:00"), specialOn(l.date(1), "00:00", "02:00", "02:00", "03:00", "03:00", "01:00")),
				want{open: true, nextClose: l.at(2, 1, 0)}
		}},
		{"no opening within 14 days", func(l localDays) (map[string]any, want) {
			return withClosures(weeklyInput("G", wday(l.day(3), "10:00", "11:00")), closedOn(l.date(3)), closedOn(l.date(10)), closedOn(l.date(17))),
				want{open: false, today: ranges(), noneSoon: true}
		}},
	}
	env := NewEnv(t)
	for _, zone := range scheduleZones {
		for _, tc := range cases {
			t.Run(zone+"/"+tc.name, func(t *testing.T) {
				env := env.For(t)
				l := todayIn(t, zone)
				input, w := tc.build(l)
				input["timeZone"] = zone
				t0 := time.Now()
				created := env.schedCreateOK(input)
				read := env.schedRead(Owner, created.ID)
				t1 := time.Now()
				if read == nil {
					t.Fatal("the group does not read back")
				}
				for _, g := range []schedGroup{created, *read} {
					if g.OpenNow != w.open || !sameTime(g.NextOpenAt, w.nextOpen) || !sameTime(g.NextCloseAt, w.nextClose) {
						t.Errorf("openNow %v nextOpenAt %s nextCloseAt %s, want %v %s %s",
							g.OpenNow, showTime(g.NextOpenAt), showTime(g.NextCloseAt), w.open, showTime(w.nextOpen), showTime(w.nextClose))
					}
					if w.today != nil && schedJSON(g.TodayHours) != schedJSON(w.today) {
						t.Errorf("todayHours %s, want %s", schedJSON(g.TodayHours), schedJSON(w.today))
					}
					checkStatus(t, g, t0, t1, !w.noneSoon)
				}
				env.deleteGroup(created.ID)
			})
		}
	}
}

// checkStatus checks what holds at any instant: nextOpenAt only while
// closed and nextCloseAt only while open, both after the request and
// nextOpenAt within 14 days of it; with soon (an opening within 14 days),
// openNow is exactly nextOpenAt being null.
func checkStatus(t testing.TB, g schedGroup, t0, t1 time.Time, soon bool) {
	t.Helper()
	if g.OpenNow && g.NextOpenAt != nil {
		t.Errorf("open with nextOpenAt %s", showTime(g.NextOpenAt))
	}
	if !g.OpenNow && g.NextCloseAt != nil {
		t.Errorf("closed with nextCloseAt %s", showTime(g.NextCloseAt))
	}
	if soon && g.OpenNow != (g.NextOpenAt == nil) {
		t.Errorf("openNow %v with nextOpenAt %s", g.OpenNow, showTime(g.NextOpenAt))
	}
	if o := g.NextOpenAt; o != nil && (!o.After(t0) || o.After(t1.Add(schedule.Horizon))) {
		t.Errorf("nextOpenAt %s not in (%s, %s]", showTime(o), t0.Format(time.RFC3339), t1.Add(schedule.Horizon).Format(time.RFC3339))
	}
	if c := g.NextCloseAt; c != nil && (!c.After(t0) || c.After(t1.Add(schedule.Horizon))) {
		t.Errorf("nextCloseAt %s not in (%s, %s]", showTime(c), t0.Format(time.RFC3339), t1.Add(schedule.Horizon).Format(time.RFC3339))
	}
}

// wallOpen reports whether a week is open at t by the wall clock in loc: a
// range of t's weekday holds its time, or an overnight range of the day
// before runs past it. It knows nothing of closures or of a clock that
// shows a time twice, so schedules checked with it keep their boundaries
// away from 01:00–03:00.
func wallOpen(week []schedDay, t time.Time, loc *time.Location) bool {
	lt := t.In(loc)
	m := lt.Hour()*60 + lt.Minute()
	today := string(schedule.WeekdayOf(lt.Weekday()))
	yesterday := string(schedule.WeekdayOf(lt.AddDate(0, 0, -1).Weekday()))
	for _, d := range week {
		for _, r := range d.Hours {
			s, e := clockMinutes(r.Start), clockMinutes(r.End)
			if d.Day == today && s <= m && (m < e || e < s) {
				return true
			}
			if d.Day == yesterday && e < s && m < e {
				return true
			}
		}
	}
	return false
}

// clockMinutes is an HH:MM in minutes.
func clockMinutes(s string) int {
	h, _ := strconv.Atoi(s[:2])
	m, _ := strconv.Atoi(s[3:])
	return h*60 + m
}

// TestScheduleStatusAgrees creates ordinary schedules in many zones and
// checks, at whatever instant the test runs, that openNow, nextOpenAt,
// nextCloseAt and todayHours agree with each other and with the weekly
// hours read by the wall clock of the group's zone: the group stays open
// (or closed) minute by minute until the nextCloseAt (or nextOpenAt) it
// announces, and flips there. (The schedules keep their boundaries away
// from the hours a daylight-saving change moves.)
func TestScheduleStatusAgrees(t *testing.T) {
	t.Parallel()
	schedules := []struct {
		name string
		week []map[string]any
	}{
		{"office hours with a Saturday half-day", append(onDays(Weekdays, "09:00", "18:00"), wday("SATURDAY", "10:00", "14:00"))},
		{"night shift", everyDay("22:00", "06:00")},
		{"split shifts", everyDay("08:00", "12:00", "13:00", "17:30", "19:00", "23:00")},
		{"weekend only", onDays([]string{"SATURDAY", "SUNDAY"}, "10:00", "16:00")},
		{"one evening a week", []map[string]any{wday("WEDNESDAY", "18:00", "20:00")}},
	}
	env := NewEnv(t)
	for _, zone := range scheduleZones {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range schedules {
			t.Run(zone+"/"+s.name, func(t *testing.T) {
				env := env.For(t)
				input := weeklyInput("G", s.week...)
				input["timeZone"] = zone
				t0 := time.Now()
				created := env.schedCreateOK(input)
				read := env.schedRead(Anonymous, created.ID) // not visible: the group has no released product
				if read != nil {
					t.Errorf("anonymous reads a group no released product selects: %+v", read)
				}
				read = env.schedRead(Owner, created.ID)
				t1 := time.Now()
				if read == nil {
					t.Fatal("the group does not read back")
				}
				for _, g := range []schedGroup{created, *read} {
					checkStatus(t, g, t0, t1, true)
					if (g.NextOpenAt == nil) == (g.NextCloseAt == nil) {
						t.Errorf("nextOpenAt %s and nextCloseAt %s: want exactly one", showTime(g.NextOpenAt), showTime(g.NextCloseAt))
						continue
					}
					if a, b := wallOpen(g.WeeklyHours, t0, loc), wallOpen(g.WeeklyHours, t1, loc); a == b && g.OpenNow != a {
						t.Errorf("openNow %v, but the wall clock in %s (%s) says %v", g.OpenNow, zone, t0.In(loc).Format(time.RFC3339), a)
					}
					// Until the next change, the group stays as it is;
					// at the change it flips.
					next := g.NextOpenAt
					if next == nil {
						next = g.NextCloseAt
					}
					for m := t1.Truncate(time.Minute).Add(time.Minute); m.Before(*next); m = m.Add(time.Minute) {
						if wallOpen(g.WeeklyHours, m, loc) != g.OpenNow {
							t.Errorf("openNow %v until %s, but the wall clock says otherwise at %s", g.OpenNow, next.In(loc).Format(time.RFC3339), m.In(loc).Format(time.RFC3339))
							break
						}
					}
					if wallOpen(g.WeeklyHours, *next, loc) == g.OpenNow {
						t.Errorf("at %s the group is still open=%v", next.In(loc).Format(time.RFC3339), g.OpenNow)
					}
					if next.Second() != 0 || next.Nanosecond() != 0 {
						t.Errorf("the next change %s is not on a minute", next.Format(time.RFC3339Nano))
					}
					// todayHours are the weekly hours of today's weekday.
					if d0, d1 := t0.In(loc).Weekday(), t1.In(loc).Weekday(); d0 == d1 {
						want := ranges()
						for _, d := range g.WeeklyHours {
							if d.Day == string(schedule.WeekdayOf(d0)) {
								want = d.Hours
							}
						}
						if schedJSON(g.TodayHours) != schedJSON(want) {
							t.Errorf("todayHours %s on a %s, want %s", schedJSON(g.TodayHours), d0, schedJSON(want))
						}
					}
				}
				env.deleteGroup(created.ID)
			})
		}
	}
}

// TestSchedulePolicy checks meetsServicePolicy on weekly hours: 5 days of
// 8 h, split shifts summed, an overnight range counted for the day it
// starts, closures not counted.
func TestSchedulePolicy(t *testing.T) {
	t.Parallel()
	thirtyDays := func(pairs ...string) []map[string]any {
		l := todayIn(t, "Asia/Shanghai")
		var cs []map[string]any
		for k := range 30 {
			if len(pairs) == 0 {
				cs = append(cs, closedOn(l.date(k)))
			} else {
				cs = append(cs, specialOn(l.date(k), pairs...))
			}
		}
		return cs
	}
	cases := []struct {
		name string
		in   map[string]any
		want bool
	}{
		{"5 days 09–17", weeklyInput("G", onDays(Weekdays, "09:00", "17:00")...), true},
		{"5 days 09–16:59", weeklyInput("G", onDays(Weekdays, "09:00", "16:59")...), false},
		{"5 days split 4 h + 4 h", weeklyInput("G", onDays(Weekdays, "08:00", "12:00", "13:00", "17:00")...), true},
		{"5 days split 4 h + 3 h 59", weeklyInput("G", onDays(Weekdays, "08:00", "12:00", "13:00", "16:59")...), false},
		{"5 days four ranges of 2 h", weeklyInput("G", onDays(Weekdays, "06:00", "08:00", "10:00", "12:00", "14:00", "16:00", "18:00", "20:00")...), true},
		{"5 days, one of them 7 h 59 in two ranges", weeklyInput("G", append(onDays(Weekdays[:4], "09:00", "17:00"), wday("FRIDAY", "09:00", "13:00", "14:00", "17:59"))...), false},
		{"5 nights 22:00–06:00", weeklyInput("G", onDays(Weekdays, "22:00", "06:00")...), true},
		{"5 nights 22:00–05:59", weeklyInput("G", onDays(Weekdays, "22:00", "05:59")...), false},
		{"5 evenings until midnight written 00:00", weeklyInput("G", onDays(Weekdays, "16:00", "00:00")...), true},
		{"5 days of 23 h 59", weeklyInput("G", onDays(Weekdays, "12:00", "11:59")...), true},
		{"any 5 days of the week", weeklyInput("G", onDays([]string{"SATURDAY", "SUNDAY", "MONDAY", "TUESDAY", "WEDNESDAY"}, "09:00", "17:00")...), true},
		{"Sunday's night counts for Sunday", weeklyInput("G", append(onDays(Weekdays[:4], "09:00", "17:00"), wday("SUNDAY", "20:00", "04:00"))...), true},
		{"a spill-over counts for the day it starts, not the next",
			weeklyInput("G", wday("MONDAY", "09:00", "17:00"), wday("TUESDAY", "09:00", "17:00"), wday("WEDNESDAY", "09:00", "17:00"),
				wday("THURSDAY", "09:00", "17:00", "20:00", "04:00"), wday("FRIDAY", "04:00", "08:00")), false},
		{"4 days around the clock", weeklyInput("G", onDays(Weekdays[:4], "00:00", "24:00")...), false},
		{"7 days of 7 h 59", weeklyInput("G", everyDay("09:00", "16:59")...), false},
		{"closures do not count against", withClosures(weeklyInput("G", onDays(Weekdays, "09:00", "17:00")...), thirtyDays()...), true},
		{"closures do not count for", withClosures(weeklyInput("G", onDays(Weekdays[:4], "09:00", "17:00")...), thirtyDays("00:00", "24:00")...), false},
		{"old fields, 5 days 8 h", GroupWith("G", Weekdays, [2]string{"09:00", "17:00"}), true},
	}
	env := NewEnv(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := env.For(t)
			g := env.schedCreateOK(tc.in)
			if g.MeetsServicePolicy != tc.want {
				t.Errorf("meetsServicePolicy = %v, want %v", g.MeetsServicePolicy, tc.want)
			}
			if r := env.schedRead(Reviewer, g.ID); r == nil || r.MeetsServicePolicy != tc.want {
				t.Errorf("re-read: %+v, want meetsServicePolicy %v", r, tc.want)
			}
			env.deleteGroup(g.ID)
		})
	}
}

// TestScheduleReleasePolicy checks that submitProductRelease (and the
// approval) read the policy from the weekly hours.
func TestScheduleReleasePolicy(t *testing.T) {
	t.Parallel()
	env := NewEnv(t)
	env.ReadyToRelease()
	for _, tc := range []struct {
		name string
		in   map[string]any
		ok   bool
	}{
		{"four days", weeklyInput("Acme Short Week", onDays(Weekdays[:4], "09:00", "18:00")...), false},
		{"short split shifts", weeklyInput("Acme Short Shifts", onDays(Weekdays, "08:00", "12:00", "13:00", "16:30")...), false},
		{"a spill-over counted for the next day",
			weeklyInput("Acme Spill", wday("MONDAY", "09:00", "17:00"), wday("TUESDAY", "09:00", "17:00"), wday("WEDNESDAY", "09:00", "17:00"),
				wday("THURSDAY", "09:00", "17:00", "20:00", "04:00"), wday("FRIDAY", "04:00", "08:00")), false},
		{"closures around the clock on four days", withClosures(weeklyInput("Acme Closures", onDays(Weekdays[:4], "09:00", "18:00")...), specialOn("2027-01-01", "00:00", "24:00")), false},
		{"night shifts", weeklyInput("Acme Nights", onDays(Weekdays, "22:00", "06:00")...), true},
		{"split shifts", weeklyInput("Acme Split", onDays([]string{"MONDAY", "WEDNESDAY", "FRIDAY", "SATURDAY", "SUNDAY"}, "08:00", "12:00", "14:00", "18:00")...), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := env.For(t)
			g := env.schedCreateOK(tc.in)
			productID := env.CreateProduct(Owner, "Acme Product", g.ID)
			if tc.ok {
				env.Approve(env.SubmitRelease(Owner, productID))
				if s := env.GetProduct(productID).Status; s != "RELEASED" {
					t.Errorf("status %s after approval", s)
				}
				env.MutateOK(Owner, HideM, map[string]any{"id": productID})
				env.MutateOK(Owner, RemoveM, map[string]any{"id": productID})
			} else {
				before := env.Snapshot()
				msg := WantUserError(t, env.Mutate(Owner, SubmitReleaseM, map[string]any{"id": productID}), "PRECONDITION_FAILED", []string{"id"})
				if !strings.Contains(msg, tc.in["name"].(string)) {
					t.Errorf("message %q does not name the group", msg)
				}
				env.Unchanged(before)
				env.MutateOK(Owner, RemoveM, map[string]any{"id": productID})
			}
			env.deleteGroup(g.ID)
		})
	}

	// A released product selects only groups within the policy.
	t.Run("updateProduct selects a group", func(t *testing.T) {
		env := env.For(t)
		ok := env.schedCreateOK(weeklyInput("Acme Night Desk", onDays(Weekdays, "20:00", "04:00")...))
		short := env.schedCreateOK(weeklyInput("Acme Short Desk", onDays(Weekdays, "20:00", "03:59")...))
		productID, _ := env.ProductIn("Acme Selecting", ok.ID, "RELEASED")
		before := env.Snapshot()
		msg := WantUserError(t, env.Mutate(Owner, UpdateProductM, map[string]any{"id": productID, "in": map[string]any{"afterSalesGroupID": short.ID}}),
			"PRECONDITION_FAILED", []string{"input", "afterSalesGroupID"})
		if !strings.Contains(msg, "Acme Short Desk") {
			t.Errorf("message %q does not name the group", msg)
		}
		env.Unchanged(before)
		// Eight hours in two touching ranges meet the policy.
		third := env.schedCreateOK(weeklyInput("Acme Third Desk", onDays(Weekdays, "00:00", "04:00", "04:00", "08:00")...))
		env.MutateOK(Owner, UpdateProductM, map[string]any{"id": productID, "in": map[string]any{"afterSalesGroupID": third.ID}})
		var page struct {
			Product struct{ AfterSalesGroup schedGroup }
		}
		env.MustDo(Anonymous, `query($id: ID!) { product(id: $id) { afterSalesGroup { `+schedSel+` } } }`, map[string]any{"id": productID}, &page)
		if g := page.Product.AfterSalesGroup; g.Name != "Acme Third Desk" || g.stored() != third.stored() {
			t.Errorf("the product page shows %+v, want %s", g, third.stored())
		}
		env.MutateOK(Owner, RemoveM, map[string]any{"id": productID})
		for _, id := range []string{ok.ID, short.ID, third.ID} {
			env.deleteGroup(id)
		}
	})

	// A product in review whose group drops below the policy is not
	// approved.
	t.Run("approval after the group dropped", func(t *testing.T) {
		env := env.For(t)
		g := env.schedCreateOK(weeklyInput("Acme Dropping", onDays(Weekdays, "09:00", "18:00")...))
		reviewID := env.SubmitRelease(Owner, env.CreateProduct(Owner, "Acme Pending", g.ID))
		env.schedUpdateOK(g.ID, weeklyInput("Acme Dropping", onDays(Weekdays[:3], "09:00", "18:00")...))
		before := env.Snapshot()
		msg := WantUserError(t, env.Mutate(Reviewer, ApproveM, map[string]any{"id": reviewID}), "PRECONDITION_FAILED", []string{"id"})
		if !strings.Contains(msg, "Acme Dropping") {
			t.Errorf("message %q does not name the group", msg)
		}
		env.Unchanged(before)
	})
}

// liveChanges are group updates that drop the group below the policy, in
// either form of the week, with the input path the refusal may name.
var liveChanges = []struct {
	name string
	in   func() map[string]any
	path []string
}{
	{"weeklyHours: four days", func() map[string]any { return weeklyInput("Acme Support", onDays(Weekdays[:4], "09:00", "18:00")...) },
		inputPath("weeklyHours")},
	{"weeklyHours: five days of 7 h 59", func() map[string]any { return weeklyInput("Acme Support", onDays(Weekdays, "09:00", "16:59")...) },
		inputPath("weeklyHours")},
	{"weeklyHours: short split shifts", func() map[string]any {
		return weeklyInput("Acme Support", onDays(Weekdays, "08:00", "12:00", "13:00", "16:00")...)
	}, inputPath("weeklyHours")},
	{"weeklyHours: one long day, four short ones", func() map[string]any {
		return weeklyInput("Acme Support", append(onDays(Weekdays[:4], "09:00", "12:00"), wday("FRIDAY", "00:00", "24:00"))...)
	}, inputPath("weeklyHours")},
	{"weeklyHours: a spill-over counted for the next day", func() map[string]any {
		return weeklyInput("Acme Support", wday("MONDAY", "09:00", "17:00"), wday("TUESDAY", "09:00", "17:00"), wday("WEDNESDAY", "09:00", "17:00"),
			wday("THURSDAY", "09:00", "17:00", "20:00", "04:00"), wday("FRIDAY", "04:00", "08:00"))
	}, inputPath("weeklyHours")},
	{"serviceDays: four days", func() map[string]any { return GroupWith("Acme Support", Weekdays[:4], [2]string{"09:00", "18:00"}) },
		inputPath("serviceDays")},
	{"serviceHours: 7 h a day", func() map[string]any { return GroupWith("Acme Support", Weekdays, [2]string{"09:00", "16:00"}) },
		inputPath("serviceHours")},
}

// TestScheduleLiveGroupPolicy updates a group that a product selects so that
// it falls below the policy: refused (PRECONDITION_FAILED naming the
// product, nothing changed) when the product is RELEASED or HIDDEN, allowed
// for any other status.
func TestScheduleLiveGroupPolicy(t *testing.T) {
	t.Parallel()
	for _, status := range []string{"RELEASED", "HIDDEN", "DRAFT", "IN_REVIEW", "REJECTED", "REMOVED"} {
		live := status == "RELEASED" || status == "HIDDEN"
		t.Run(status, func(t *testing.T) {
			env := NewEnv(t)
			groupID := env.ReadyToRelease()
			env.ProductIn("Acme Compute", groupID, status)
			for _, c := range liveChanges {
				t.Run(c.name, func(t *testing.T) {
					env := env.For(t)
					before := env.Snapshot()
					out := env.schedMutate(Owner, updateSchedM, map[string]any{"id": groupID, "in": c.in()})
					if !live {
						if len(out.UserErrors) > 0 || out.Group == nil || out.Group.MeetsServicePolicy {
							t.Fatalf("a group only a %s product selects: userErrors %+v, group %+v", status, out.UserErrors, out.Group)
						}
						env.schedUpdateOK(groupID, GroupInput("Acme Support"))
						return
					}
					if len(out.UserErrors) != 1 || out.UserErrors[0].Code != "PRECONDITION_FAILED" || out.Group != nil {
						t.Fatalf("userErrors %+v, group %+v: want one PRECONDITION_FAILED", out.UserErrors, out.Group)
					}
					u := out.UserErrors[0]
					if !slices.Equal(u.Field, c.path) {
						t.Errorf("field %q, want %q (the field the input gave)", u.Field, c.path)
					}
					if !strings.Contains(u.Message, "Acme Compute") {
						t.Errorf("message %q does not name the product", u.Message)
					}
					env.Unchanged(before)
				})
			}
			// Changes within the policy are allowed, and so are closures:
			// they do not count.
			for _, in := range []map[string]any{
				weeklyInput("Acme Support", onDays(Weekdays, "08:00", "12:00", "13:00", "17:00")...),
				weeklyInput("Acme Support", onDays(Weekdays, "22:00", "06:00")...),
				withClosures(weeklyInput("Acme Support", onDays(Weekdays, "09:00", "17:00")...), manyClosures(50)...),
				withClosures(GroupWith("Acme Support", Weekdays, [2]string{"09:00", "17:00"})),
			} {
				if g := env.schedUpdateOK(groupID, in); !g.MeetsServicePolicy {
					t.Errorf("%v: meetsServicePolicy false", in)
				}
			}
		})
	}

	t.Run("names every live product", func(t *testing.T) {
		env := NewEnv(t)
		groupID := env.ReadyToRelease()
		for name, status := range map[string]string{"Acme Compute": "RELEASED", "Acme Hidden": "HIDDEN", "Acme Draft": "DRAFT", "Acme Removed": "REMOVED", "Acme Pending": "IN_REVIEW"} {
			env.ProductIn(name, groupID, status)
		}
		for _, c := range liveChanges {
			before := env.Snapshot()
			pl := env.Mutate(Owner, UpdateGroupM, map[string]any{"id": groupID, "in": c.in()})
			if len(pl.UserErrors) != 1 {
				t.Fatalf("%s: userErrors %+v", c.name, pl.UserErrors)
			}
			msg := pl.UserErrors[0].Message
			for _, name := range []string{"Acme Compute", "Acme Hidden"} {
				if !strings.Contains(msg, name) {
					t.Errorf("%s: message %q does not name %s", c.name, msg, name)
				}
			}
			for _, name := range []string{"Acme Draft", "Acme Removed", "Acme Pending"} {
				if strings.Contains(msg, name) {
					t.Errorf("%s: message %q names %s, which is not live", c.name, msg, name)
				}
			}
			env.Unchanged(before)
		}
	})
}

// TestScheduleMutationPersonas updates the owner's live group with the new
// fields as every persona: only the owner changes it, or learns that
// products select it (the refusal names them, hidden ones included);
// another seller reads it as not found, everyone else is FORBIDDEN, and
// nothing changes.
func TestScheduleMutationPersonas(t *testing.T) {
	t.Parallel()
	env := NewEnv(t)
	groupID := env.ReadyToRelease()
	env.ProductIn("Acme Compute", groupID, "RELEASED")
	env.ProductIn("Acme Hidden", groupID, "HIDDEN")
	valid := func() map[string]any {
		return withClosures(weeklyInput("Acme Support", onDays(Weekdays, "08:00", "12:00", "13:00", "17:00")...), named(closedOn("2027-02-17"), "Spring Festival"))
	}
	short := func() map[string]any { return weeklyInput("Acme Support", onDays(Weekdays[:4], "09:00", "18:00")...) }
	personas := append(slices.DeleteFunc(slices.Clone(AllReaders), func(p Persona) bool { return p == Owner }), Owner)
	for _, p := range personas {
		t.Run(string(p), func(t *testing.T) {
			env := env.For(t)
			for _, c := range []struct {
				what string
				in   map[string]any
			}{{"below the policy", short()}, {"within the policy", valid()}} {
				before := env.Snapshot()
				r := env.Do(p, updateSchedM, map[string]any{"id": groupID, "in": c.in})
				if strings.Contains(string(r.Data), "Acme Hidden") && p != Owner {
					t.Errorf("%s: %s learns of the hidden product: %s", c.what, p, r.Data)
				}
				switch p {
				case Owner:
					var out struct {
						Out struct{ UserErrors []UserError }
					}
					Decode(t, r, &out)
					if c.what == "within the policy" {
						if len(out.Out.UserErrors) > 0 {
							t.Errorf("%s: userErrors %+v", c.what, out.Out.UserErrors)
						}
						continue
					}
					if len(out.Out.UserErrors) != 1 || out.Out.UserErrors[0].Code != "PRECONDITION_FAILED" || !strings.Contains(out.Out.UserErrors[0].Message, "Acme Hidden") {
						t.Errorf("%s: userErrors %+v", c.what, out.Out.UserErrors)
					}
				case OtherSeller:
					var out struct {
						Out struct {
							CustomerServiceGroup *schedGroup
							UserErrors           []UserError
						}
					}
					Decode(t, r, &out)
					wantUserErrors(t, out.Out.UserErrors, out.Out.CustomerServiceGroup != nil, UserError{Code: "NOT_FOUND", Field: []string{"id"}})
				default:
					if r.Code() != "FORBIDDEN" {
						t.Errorf("%s: code %q, want FORBIDDEN: %s", c.what, r.Code(), r.Data)
					}
				}
				env.Unchanged(before)
			}
		})
	}
}

// TestScheduleVisibility reads the new fields as every persona: on a
// released product's group everyone reads the same; a group no released
// product selects reads only for its seller and staff, by any path.
func TestScheduleVisibility(t *testing.T) {
	t.Parallel()
	env := NewEnv(t)
	env.ReadyToRelease()
	public := env.schedCreateOK(withClosures(weeklyInput("Acme Public",
		append(onDays(Weekdays, "09:00", "18:00"), wday("SATURDAY", "10:00", "14:00"), wday("SUNDAY", "22:00", "06:00"))...),
		named(closedOn("2027-02-17"), "Acme Public Closure")))
	releasedID, _ := env.ProductIn("Acme Compute", public.ID, "RELEASED")
	hidden := env.schedCreateOK(withClosures(weeklyInput("Acme Hidden Group", onDays(Weekdays, "09:00", "18:00")...), named(closedOn("2027-02-18"), "Acme Hidden Closure")))
	hiddenID, _ := env.ProductIn("Acme Hidden", hidden.ID, "HIDDEN")
	lone := env.schedCreateOK(withClosures(weeklyInput("Acme Lone Group", wday("MONDAY", "07:07", "08:08")), named(closedOn("2027-02-19"), "Acme Lone Closure")))
	draftID, _ := env.ProductIn("Acme Draft", lone.ID, "DRAFT")
	secrets := []string{"Acme Hidden Closure", "Acme Lone Closure", "07:07", "2027-02-18", "2027-02-19"}

	const pageQ = `query($id: ID!) { product(id: $id) { afterSalesGroup { ` + schedSel + ` } } }`
	type page struct {
		Product *struct{ AfterSalesGroup *schedGroup }
	}
	acme := Personas(Owner, Reviewer, Admin)
	for _, p := range AllReaders {
		t.Run(string(p), func(t *testing.T) {
			env := env.For(t)
			check := func(what string, r Result) {
				t.Helper()
				if len(r.Errors) > 0 {
					t.Errorf("%s: errors %+v", what, r.Errors)
				}
				if acme[p] {
					return
				}
				for _, s := range secrets {
					if strings.Contains(string(r.Data), s) {
						t.Errorf("%s: %s reads %q: %s", what, p, s, r.Data)
					}
				}
			}
			// The released product's group: everyone, the same.
			r := env.Do(p, pageQ, map[string]any{"id": releasedID})
			check("released product", r)
			var pg page
			Decode(t, r, &pg)
			if pg.Product == nil || pg.Product.AfterSalesGroup == nil {
				t.Fatalf("the released product's group does not read: %s", r.Data)
			}
			g := pg.Product.AfterSalesGroup
			if g.stored() != public.stored() || g.MeetsServicePolicy != public.MeetsServicePolicy || g.TimeZone != "Asia/Shanghai" {
				t.Errorf("the released product's group reads\n%s\nwant %s", g.stored(), public.stored())
			}
			if len(g.Closures) != 1 || g.Closures[0].Name == nil || *g.Closures[0].Name != "Acme Public Closure" {
				t.Errorf("closures %+v", g.Closures)
			}
			checkStatus(t, *g, time.Now().Add(-time.Minute), time.Now(), true)

			// The group itself, the hidden product's and the lone group,
			// by node and nodes: only the seller and staff.
			for _, c := range []struct {
				what string
				id   string
				want string
			}{{"node of the released product's group", public.ID, public.stored()}, {"node of the hidden product's group", hidden.ID, hidden.stored()}, {"node of the lone group", lone.ID, lone.stored()}} {
				r := env.Do(p, groupSchedQ, map[string]any{"id": c.id})
				check(c.what, r)
				var out struct{ Node *schedGroup }
				Decode(t, r, &out)
				switch {
				case acme[p] && (out.Node == nil || out.Node.stored() != c.want):
					t.Errorf("%s: reads %+v, want %s", c.what, out.Node, c.want)
				case !acme[p] && out.Node != nil:
					t.Errorf("%s: %s reads %+v", c.what, p, out.Node)
				}
			}
			r = env.Do(p, `query($ids: [ID!]!) { nodes(ids: $ids) { ... on CustomerServiceGroup { id weeklyHours { day hours { start end } } closures { date name } nextOpenAt nextCloseAt todayHours { start } } } }`,
				map[string]any{"ids": []string{public.ID, hidden.ID, lone.ID}})
			check("nodes", r)

			for _, c := range []struct{ what, id string }{{"hidden product", hiddenID}, {"draft product", draftID}} {
				r := env.Do(p, pageQ, map[string]any{"id": c.id})
				check(c.what, r)
				var pg page
				Decode(t, r, &pg)
				if got := pg.Product != nil && pg.Product.AfterSalesGroup != nil; got != acme[p] {
					t.Errorf("%s: reads its group = %v, want %v (%s)", c.what, got, acme[p], r.Data)
				}
			}

			// Listings and the viewer's own groups.
			r = env.Do(p, `{ products(first: 50) { edges { node { name afterSalesGroup { name closures { date name hours { start end } } weeklyHours { day hours { start end } } todayHours { start end } } } } } }`, nil)
			check("products", r)
			if !strings.Contains(string(r.Data), "Acme Public Closure") {
				t.Errorf("the listing does not show the released product's closure: %s", r.Data)
			}
			r = env.Do(p, `{ viewer { seller { customerServiceGroups { name closures { date name } weeklyHours { day } nextOpenAt nextCloseAt } } } }`, nil)
			check("viewer", r)
			if p == Owner {
				for _, name := range []string{"Acme Public Closure", "Acme Hidden Closure", "Acme Lone Closure"} {
					if !strings.Contains(string(r.Data), name) {
						t.Errorf("the owner's groups lack %q: %s", name, r.Data)
					}
				}
			}
		})
	}
}

// TestScheduleProductPageStatements checks that the new fields cost no
// statement: the product page and a listing run as many statements with
// them as without.
func TestScheduleProductPageStatements(t *testing.T) {
	t.Parallel()
	env := NewEnv(t)
	env.ReadyToRelease()
	for i, in := range []map[string]any{
		withClosures(weeklyInput("Acme Week", append(onDays(Weekdays, "09:00", "12:00", "13:00", "18:00"), wday("SATURDAY", "10:00", "14:00"))...), named(closedOn("2027-02-17"), "Spring Festival"), specialOn("2026-12-31", "10:00", "14:00")),
		withClosures(weeklyInput("Acme Nights", everyDay("22:00", "06:00")...), closedOn(todayIn(t, "Asia/Shanghai").date(0))),
		GroupInput("Acme Old"),
	} {
		g := env.schedCreateOK(in)
		id, _ := env.ProductIn(fmt.Sprintf("Acme Product %d", i), g.ID, "RELEASED")
		const page = `query($id: ID!) { product(id: $id) { name seller { name } afterSalesGroup { %s } preSalesInfo { phone email } } }`
		newFields := `openNow nextOpenAt nextCloseAt todayHours { start end } weeklyHours { day hours { start end } } closures { date name hours { start end } }`
		for _, p := range []Persona{Anonymous, Owner, OtherSeller} {
			count := func(sel string) int64 {
				var r Result
				n := env.StatementsOf(func() { r = env.Do(p, fmt.Sprintf(page, sel), map[string]any{"id": id}) })
				var out struct {
					Product *struct {
						AfterSalesGroup map[string]any
						PreSalesInfo    *struct{ Phone string }
					}
				}
				Decode(t, r, &out)
				if out.Product == nil || out.Product.AfterSalesGroup == nil || out.Product.PreSalesInfo == nil {
					t.Fatalf("as %s: incomplete page %s", p, r.Data)
				}
				return n
			}
			without := count(`name`)
			old := count(`name serviceDays serviceHours { start end } timeZone openNow meetsServicePolicy`)
			with := count(newFields)
			all := count(`name serviceDays serviceHours { start end } timeZone meetsServicePolicy ` + newFields)
			t.Logf("%s as %s: %d statements without the new fields, %d with the old ones, %d with the new, %d with all", in["name"], p, without, old, with, all)
			if with != without || old != without || all != without {
				t.Errorf("%s as %s: %d statements without the new fields, %d with the old ones, %d with the new, %d with all", in["name"], p, without, old, with, all)
			}
		}
	}
	listing := func(sel string) int64 {
		var r Result
		n := env.StatementsOf(func() {
			r = env.Do(Anonymous, `{ products(first: 10) { edges { node { name seller { name } afterSalesGroup { `+sel+` } preSalesInfo { phone } } } } }`, nil)
		})
		var out struct {
			Products struct {
				Edges []struct {
					Node struct{ AfterSalesGroup map[string]any }
				}
			}
		}
		Decode(t, r, &out)
		if len(out.Products.Edges) != 3 {
			t.Fatalf("listing: %s", r.Data)
		}
		return n
	}
	if without, with := listing("name"), listing("name openNow nextOpenAt nextCloseAt todayHours { start end } weeklyHours { day hours { start end } } closures { date name hours { start end } }"); with != without {
		t.Errorf("listing: %d statements with the new fields, %d without", with, without)
	}
}
