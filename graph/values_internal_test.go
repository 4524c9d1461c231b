package graph

import (
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"servicesupport/schedule"
)

// TestRenderValuesLeavesTheUnknownToGqlgen: a list renderValues does not
// know the shape of (another Go type, a nil element, a field it has no
// value for) is left to gqlgen's executor, which answers it or reports the
// error; what it knows it writes, counting each object.
func TestRenderValuesLeavesTheUnknownToGqlgen(t *testing.T) {
	field := func(names ...string) ast.SelectionSet {
		var sel ast.SelectionSet
		for _, n := range names {
			sel = append(sel, &ast.Field{Alias: n, Name: n})
		}
		return sel
	}
	render := func(typ string, sel ast.SelectionSet, res any) (string, int, bool) {
		r := valueRenderer{oc: &graphql.OperationContext{Doc: &ast.QueryDocument{}, Variables: map[string]any{}}}
		ok := r.list(typ, sel, res)
		return r.out.String(), r.objects, ok
	}
	nine := schedule.TimeRange{Start: "09:00", End: "10:00"}
	for _, c := range []struct {
		name string
		typ  string
		sel  ast.SelectionSet
		res  any
	}{
		{"a nil element", "TimeRange", field("start"), []*schedule.TimeRange{&nine, nil}},
		{"another Go type", "TimeRange", field("start"), []string{"09:00"}},
		{"not a list", "TimeRange", field("start"), nine},
		{"a field it has no value for", "TimeRange", field("start", "length"), []schedule.TimeRange{nine}},
		{"a nested one", "DayHours", ast.SelectionSet{&ast.Field{Alias: "hours", Name: "hours", SelectionSet: field("middle")}},
			[]*schedule.DayHours{{Day: "MONDAY", Hours: []schedule.TimeRange{nine}}}},
	} {
		if out, _, ok := render(c.typ, c.sel, c.res); ok {
			t.Errorf("%s: written as %s, want it left to gqlgen", c.name, out)
		}
	}
	out, objects, ok := render("DayHours", ast.SelectionSet{
		&ast.Field{Alias: "d", Name: "day"}, &ast.Field{Alias: "__typename", Name: "__typename"},
		&ast.Field{Alias: "hours", Name: "hours", SelectionSet: field("end", "start")},
	}, []*schedule.DayHours{{Day: "MONDAY", Hours: []schedule.TimeRange{nine, nine}}, {Day: "FRIDAY"}})
	want := `[{"d":"MONDAY","__typename":"DayHours","hours":[{"end":"10:00","start":"09:00"},{"end":"10:00","start":"09:00"}]},{"d":"FRIDAY","__typename":"DayHours","hours":[]}]`
	if !ok || out != want || objects != 4 {
		t.Errorf("wrote %v %s with %d objects, want %s with 4", ok, out, objects, want)
	}
}
