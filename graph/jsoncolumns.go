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
// copy of the parsed values. The schedules worked out of them are kept
// too, and shared read-only (as a kept page's are): nothing changes a
// groupSchedule once it is made.

// groupJSON are the group's JSON columns and how each is parsed into it.
var groupJSON = [groupJSONColumns]struct {
	column string
	parse  func(g *ent.CustomerServiceGroup, text string) (*parsedJSON, error)
}{
	{customerservicegroup.FieldServiceDays, func(g *ent.CustomerServiceGroup, text string) (*parsedJSON, error) {
		return parseJSON(customerservicegroup.FieldServiceDays, text, &g.ServiceDays, slices.Clone)
	}},
	{customerservicegroup.FieldServiceHours, func(g *ent.CustomerServiceGroup, text string) (*parsedJSON, error) {
		return parseJSON(customerservicegroup.FieldServiceHours, text, &g.ServiceHours, slices.Clone)
	}},
	{customerservicegroup.FieldWeeklyHours, func(g *ent.CustomerServiceGroup, text string) (*parsedJSON, error) {
		return parseJSON(customerservicegroup.FieldWeeklyHours, text, &g.WeeklyHours, cloneWeek)
	}},
	{customerservicegroup.FieldClosures, func(g *ent.CustomerServiceGroup, text string) (*parsedJSON, error) {
		return parseJSON(customerservicegroup.FieldClosures, text, &g.Closures, cloneClosures)
	}},
}

// groupJSONColumns is how many JSON columns a group has.
const groupJSONColumns = 4

// groupJSONAt are the indexes of groupJSON's columns in
// customerservicegroup.Columns.
var groupJSONAt = func() (at [groupJSONColumns]int) {
	for i, j := range groupJSON {
		if at[i] = slices.Index(customerservicegroup.Columns, j.column); at[i] < 0 {
			panic("graph: " + j.column + " is not a column of customer_service_groups")
		}
	}
	return at
}()

// parsedColumns keeps parsed JSON columns by column and text.
var parsedColumns = newReadCache[parsedKey, *parsedJSON](4096)

// parsedJSON is a kept parsed text: its identity stands for the text (see
// scheduleID).
type parsedJSON struct{ value any }

// maxParsedText is the longest text kept parsed.
const maxParsedText = 4 << 10

type parsedKey struct{ column, text string }

// parseJSON sets *into to the column's text parsed (an empty text: no
// value, left as it is, as ent does), a copy made by clone of what is kept,
// and returns what is kept (nil: nothing, for an empty or a long text).
func parseJSON[T any](column, text string, into *T, clone func(T) T) (*parsedJSON, error) {
	if text == "" {
		return nil, nil
	}
	if kept, ok := parsedColumns.Get(parsedKey{column, text}); ok {
		*into = clone(kept.value.(T))
		return kept, nil
	}
	var v T
	if err := json.Unmarshal([]byte(text), &v); err != nil {
		return nil, fmt.Errorf("unmarshal field %s: %w", column, err)
	}
	*into = clone(v)
	if len(text) > maxParsedText {
		return nil, nil
	}
	// (the text shares the bytes of the row it came in)
	return parsedColumns.Keep(parsedKey{column, strings.Clone(text)}, &parsedJSON{value: v}), nil
}

// compiledSchedules keeps the groups' schedules worked out (shared, as a
// kept page's are: a groupSchedule is read only), by what they are made of
// (scheduleID).
var compiledSchedules = newReadCache[scheduleID, *groupSchedule](4096)

// A scheduleID is what a group's schedule is made of: its zone and the
// kept parses of its JSON columns, which are every other column
// service.ScheduleOf reads (nil: NULL).
type scheduleID struct {
	zone    string
	columns [groupJSONColumns]*parsedJSON
}

// primeSchedule gives the root field in ctx the schedule of g, a group
// read with a product: the one kept for id, else worked out and kept.
func primeSchedule(ctx context.Context, g *ent.CustomerServiceGroup, id scheduleID) {
	memo, _ := ctx.Value(scheduleMemoKey{}).(*scheduleMemo)
	if memo == nil {
		return
	}
	gs, ok := compiledSchedules.Get(id)
	if !ok {
		// The zone is a substring of the product's companions column: a
		// copy is kept, not the whole row.
		kept := *g
		kept.TimeZone = strings.Clone(g.TimeZone)
		id.zone = kept.TimeZone
		gs = compiledSchedules.Keep(id, newGroupSchedule(&kept))
	}
	memo.schedules.LoadOrStore(g, gs)
}

// groupFromJoined builds a group from its columns as a product's statement
// read them (customerservicegroup.Columns), its JSON columns' text parsed
// by parseJSON, and gives the root field in ctx its schedule
// (primeSchedule). It changes values.
func groupFromJoined(ctx context.Context, c *ent.Client, values []any) (*ent.CustomerServiceGroup, error) {
	var texts [groupJSONColumns]string
	for i, j := range groupJSON {
		at := groupJSONAt[i]
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
	id, identified := scheduleID{zone: g.TimeZone}, true
	for i, j := range groupJSON {
		kept, err := j.parse(g, texts[i])
		if err != nil {
			return nil, err
		}
		id.columns[i] = kept
		identified = identified && (kept != nil || texts[i] == "") // a long text is not kept
	}
	if identified {
		primeSchedule(ctx, g, id)
	}
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
