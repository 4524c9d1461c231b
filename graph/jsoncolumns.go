package graph

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"servicesupport/ent"
	"servicesupport/ent/customerservicegroup"
	"servicesupport/schedule"
)

// A group's JSON columns (its days, hours, week and closures) read with
// its product are parsed here rather than by ent: the same few schedules
// serve many groups and come back with every page, so each text is parsed
// once by encoding/json, as ent would, and kept; every group gets its own
// copy, so that no two requests share what one of them could change.

// groupJSON are the group's JSON columns and how each is parsed into it.
var groupJSON = []struct {
	column string
	parse  func(g *ent.CustomerServiceGroup, text string) error
}{
	{customerservicegroup.FieldServiceDays, func(g *ent.CustomerServiceGroup, text string) error {
		return parseJSON(customerservicegroup.FieldServiceDays, text, &g.ServiceDays, slices.Clone)
	}},
	{customerservicegroup.FieldServiceHours, func(g *ent.CustomerServiceGroup, text string) error {
		return parseJSON(customerservicegroup.FieldServiceHours, text, &g.ServiceHours, slices.Clone)
	}},
	{customerservicegroup.FieldWeeklyHours, func(g *ent.CustomerServiceGroup, text string) error {
		return parseJSON(customerservicegroup.FieldWeeklyHours, text, &g.WeeklyHours, cloneWeek)
	}},
	{customerservicegroup.FieldClosures, func(g *ent.CustomerServiceGroup, text string) error {
		return parseJSON(customerservicegroup.FieldClosures, text, &g.Closures, cloneClosures)
	}},
}

// parsedColumns keeps parsed JSON columns by column and text.
var parsedColumns = newReadCache[parsedKey, any](4096)

// maxParsedText is the longest text kept parsed.
const maxParsedText = 4 << 10

type parsedKey struct{ column, text string }

// parseJSON sets *into to the column's text parsed (an empty text: no
// value, left as it is, as ent does), a copy made by clone of what is kept.
func parseJSON[T any](column, text string, into *T, clone func(T) T) error {
	if text == "" {
		return nil
	}
	if kept, ok := parsedColumns.Get(parsedKey{column, text}); ok {
		*into = clone(kept.(T))
		return nil
	}
	var v T
	if err := json.Unmarshal([]byte(text), &v); err != nil {
		return fmt.Errorf("unmarshal field %s: %w", column, err)
	}
	if len(text) <= maxParsedText {
		// (the text shares the bytes of the row it came in)
		parsedColumns.Add(parsedKey{column, strings.Clone(text)}, v)
	}
	*into = clone(v)
	return nil
}

// compiledSchedules keeps the groups' schedules worked out (shared, as a
// kept page's are: a groupSchedule is read only), by what they are made of:
// the texts of the columns service.ScheduleOf reads (scheduleKey).
var compiledSchedules = newReadCache[string, *groupSchedule](4096)

// scheduleKey is the key in compiledSchedules of a group whose columns
// read by service.ScheduleOf have these texts ("": NULL), or "" when they
// are too long to be kept.
func scheduleKey(zone string, texts []string) string {
	n := len(zone)
	for _, t := range texts {
		n += 1 + len(t)
	}
	if n > maxParsedText {
		return ""
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteString(zone)
	for _, t := range texts {
		b.WriteByte(0) // (no text of JSON holds a NUL byte)
		b.WriteString(t)
	}
	return b.String()
}

// primeSchedule gives the root field in ctx the schedule of g, a group
// read with a product whose schedule columns have these texts: the one
// kept for them, else worked out and kept.
func primeSchedule(ctx context.Context, g *ent.CustomerServiceGroup, texts []string) {
	memo, _ := ctx.Value(scheduleMemoKey{}).(*scheduleMemo)
	key := scheduleKey(g.TimeZone, texts)
	if memo == nil || key == "" {
		return
	}
	gs, ok := compiledSchedules.Get(key)
	if !ok {
		gs = newGroupSchedule(g)
		compiledSchedules.Add(key, gs)
	}
	memo.schedules.LoadOrStore(g, gs)
}

// groupFromJoined builds a group from its columns as a product's statement
// read them (customerservicegroup.Columns), its JSON columns' text parsed
// by parseJSON, and gives the root field in ctx its schedule
// (primeSchedule). It changes values.
func groupFromJoined(ctx context.Context, c *ent.Client, values []any) (*ent.CustomerServiceGroup, error) {
	texts := make([]string, len(groupJSON))
	for i, j := range groupJSON {
		at := slices.Index(customerservicegroup.Columns, j.column)
		switch v := values[at].(type) {
		case nil:
		case string:
			texts[i] = v
		default:
			return nil, fmt.Errorf("CustomerServiceGroup.%s: unexpected %T", j.column, v)
		}
		values[at] = nil // not for ent
	}
	g, err := c.CustomerServiceGroup.FromJoined(customerservicegroup.Columns, values)
	if err != nil {
		return nil, err
	}
	for i, j := range groupJSON {
		if err := j.parse(g, texts[i]); err != nil {
			return nil, err
		}
	}
	primeSchedule(ctx, g, texts) // groupJSON are every column ScheduleOf reads but the zone
	return g, nil
}

// cloneWeek is a copy of w that shares nothing with it.
func cloneWeek(w schedule.Week) schedule.Week {
	out := slices.Clone(w)
	for i := range out {
		out[i].Hours = slices.Clone(out[i].Hours)
	}
	return out
}

// cloneClosures is a copy of cs that shares nothing with it.
func cloneClosures(cs []schedule.Closure) []schedule.Closure {
	out := slices.Clone(cs)
	for i := range out {
		out[i].Hours = slices.Clone(out[i].Hours)
		if n := out[i].Name; n != nil {
			name := *n
			out[i].Name = &name
		}
	}
	return out
}
