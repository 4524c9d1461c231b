package graph

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"servicesupport/ent"
	"servicesupport/ent/customerservicegroup"
	"servicesupport/schedule"
)

// TestParsedJSONColumnsAreCopies: a group's JSON column parsed from a kept
// text is what encoding/json makes of it (null and [] kept apart), and is
// its own: changing one group's days, hours, week or closures changes no
// other group's. It fails when a kept value is handed out uncopied.
func TestParsedJSONColumnsAreCopies(t *testing.T) {
	texts := map[string]string{
		"service_days":  `["MONDAY","TUESDAY"]`,
		"service_hours": `[{"start":"09:00","end":"18:00"}]`,
		"weekly_hours":  `[{"day":"MONDAY","hours":[{"start":"09:00","end":"12:00"},{"start":"13:00","end":"18:00"}]}]`,
		"closures":      `[{"date":"2026-12-25","name":"Christmas","hours":[]},{"date":"2026-12-31","hours":[{"start":"09:00","end":"12:00"}]}]`,
	}
	parse := func() *ent.CustomerServiceGroup {
		g := &ent.CustomerServiceGroup{}
		for _, j := range groupJSON {
			if _, err := j.parse(g, texts[j.column]); err != nil {
				t.Fatal(err)
			}
		}
		return g
	}
	var want ent.CustomerServiceGroup
	for column, into := range map[string]any{
		"service_days": &want.ServiceDays, "service_hours": &want.ServiceHours,
		"weekly_hours": &want.WeeklyHours, "closures": &want.Closures,
	} {
		if err := json.Unmarshal([]byte(texts[column]), into); err != nil {
			t.Fatal(err)
		}
	}
	first := parse()
	if !reflect.DeepEqual(first, &want) {
		t.Fatalf("parsed %+v, want %+v", first, &want)
	}
	// Change everything the first group holds.
	first.ServiceDays[0] = "SUNDAY"
	first.ServiceHours[0].Start = "00:00"
	first.WeeklyHours[0].Hours[1].End = "23:00"
	first.WeeklyHours[0].Day = "FRIDAY"
	first.Closures[0].Hours = append(first.Closures[0].Hours, schedule.TimeRange{Start: "10:00", End: "11:00"})
	*first.Closures[0].Name = "Changed"
	first.Closures[1].Hours[0].Start = "10:00"
	for i := range 2 {
		if got := parse(); !reflect.DeepEqual(got, &want) {
			t.Fatalf("parse %d after the first group changed: %+v, want %+v", i+2, got, &want)
		}
	}

	// An empty text is no value; null and [] stay apart.
	g := &ent.CustomerServiceGroup{}
	if kept, err := parseJSON("closures", "", &g.Closures, cloneClosures); err != nil || g.Closures != nil || kept != nil {
		t.Errorf("empty text: %#v, %v", g.Closures, err)
	}
	for _, text := range []string{"[]", "null", "[]"} {
		var w []schedule.Closure
		_ = json.Unmarshal([]byte(text), &w)
		if _, err := parseJSON("closures", text, &g.Closures, cloneClosures); err != nil || (g.Closures == nil) != (w == nil) {
			t.Errorf("%s: %#v, %v, want %#v", text, g.Closures, err, w)
		}
	}
	if _, err := parseJSON("closures", `[{"date":1}]`, &g.Closures, cloneClosures); err == nil {
		t.Error("a closure's date as a number: accepted")
	}

	// A text longer than maxParsedText is parsed, not kept.
	long := `["` + strings.Repeat("x", maxParsedText) + `"]`
	var days []schedule.Weekday
	if kept, err := parseJSON("service_days", long, &days, cloneDays); err != nil || len(days) != 1 || kept != nil {
		t.Fatalf("long text: %v, %v", days, err)
	}
	if parsedColumns.Contains(parsedKey{"service_days", long}) {
		t.Error("a text longer than maxParsedText is kept")
	}
}

func cloneDays(d []schedule.Weekday) []schedule.Weekday { return append([]schedule.Weekday(nil), d...) }

// TestJoinedSchedulesFollowTheirColumns: a group read with its product
// gets the schedule kept for what its schedule is made of, and a group
// that differs from a kept one in any column service.ScheduleOf reads (the
// zone, the days, the hours, the week, the closures) gets its own. It
// fails when the key leaves one of them out.
func TestJoinedSchedulesFollowTheirColumns(t *testing.T) {
	base := map[string]any{
		"id": "1", "created_at": "2026-12-02 10:00:00+00:00", "updated_at": "2026-12-02 10:00:00+00:00",
		"seller_id": "1", "name": "Acme Helpdesk", "name_key": "acme helpdesk", "phone": "+86 10 1234 5678",
		"email": "help@acme.example", "version": "1", "time_zone": "Asia/Shanghai",
		"service_days":  `["MONDAY","TUESDAY"]`,
		"service_hours": `[{"start":"09:00","end":"18:00"}]`,
		"weekly_hours":  `[{"day":"MONDAY","hours":[{"start":"09:00","end":"18:00"}]}]`,
		"closures":      `[{"date":"2026-12-25","name":"Christmas","hours":[]}]`,
	}
	variants := map[string]map[string]any{
		"the same":      {},
		"zone":          {"time_zone": "Europe/Paris"},
		"days":          {"weekly_hours": nil, "service_days": `["FRIDAY"]`},
		"hours":         {"weekly_hours": nil, "service_hours": `[{"start":"10:00","end":"11:00"}]`},
		"week":          {"weekly_hours": `[{"day":"SUNDAY","hours":[{"start":"09:00","end":"18:00"}]}]`},
		"closures":      {"closures": `[{"date":"2026-12-26","hours":[]}]`},
		"no closures":   {"closures": nil},
		"no week":       {"weekly_hours": nil},
		"another group": {"id": "2", "name": "Acme Premium"},
	}
	client := ent.NewClient()
	read := func(t *testing.T, changes map[string]any) (*ent.CustomerServiceGroup, *groupSchedule) {
		t.Helper()
		var values []any
		for _, column := range customerservicegroup.Columns {
			v, changed := changes[column]
			if !changed {
				v = base[column]
			}
			values = append(values, v)
		}
		ctx := withScheduleMemo(context.Background(), nil)
		g, err := groupFromJoined(ctx, client, values)
		if err != nil {
			t.Fatal(err)
		}
		return g, scheduleOf(ctx, g)
	}
	for name, changes := range variants {
		t.Run(name, func(t *testing.T) {
			read(t, nil) // the base's schedule is kept
			g, got := read(t, changes)
			want := newGroupSchedule(g)
			if !reflect.DeepEqual(got.schedule, want.schedule) || (got.err == nil) != (want.err == nil) {
				t.Errorf("schedule %+v, want %+v", got.schedule, want.schedule)
			}
			if _, again := read(t, changes); again != got {
				t.Error("the same columns read again: their schedule is worked out again, not kept")
			}
		})
	}
}
