package graph

import (
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"servicesupport/ent"
	"servicesupport/schedule"
)

// TestRenderAnswersLeavesTheUnknownToGqlgen: an answer renderAnswers does
// not know the shape of (another Go type, a nil element, a field it has no
// value for, an edge that is not loaded, a time that marshals as null, a
// panic) is left to gqlgen's executor, which answers it or reports the
// error; what it knows it writes, counting each object.
func TestRenderAnswersLeavesTheUnknownToGqlgen(t *testing.T) {
	field := func(names ...string) ast.SelectionSet {
		var sel ast.SelectionSet
		for _, n := range names {
			sel = append(sel, &ast.Field{Alias: n, Name: n})
		}
		return sel
	}
	nested := func(name string, sel ast.SelectionSet) *ast.Field {
		return &ast.Field{Alias: name, Name: name, SelectionSet: sel,
			Definition: parsedSchema.Types["Product"].Fields.ForName(name)}
	}
	render := func(sel ast.SelectionSet, res any) (string, int, bool) {
		r := renderer{oc: &graphql.OperationContext{Doc: &ast.QueryDocument{}, Variables: map[string]any{}}}
		ok := r.answer(graphql.CollectedField{Field: &ast.Field{SelectionSet: sel}, Selections: sel}, res)
		return r.out.String(), r.objects, ok
	}
	nine := schedule.TimeRange{Start: "09:00", End: "10:00"}
	released := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	loaded := func() *ent.Product {
		p := &ent.Product{ID: 7, Name: "Acme", CreatedAt: released, UpdatedAt: released}
		p.SetJoinedSeller(&ent.Seller{ID: 3, Name: "Acme Inc"})
		p.SetJoinedAfterSalesGroup(nil)
		return p
	}
	for _, c := range []struct {
		name string
		sel  ast.SelectionSet
		res  any
	}{
		{"a nil element", field("start"), []*schedule.TimeRange{&nine, nil}},
		{"another Go type", field("start"), []string{"09:00"}},
		{"not a list", field("start"), nine},
		{"a field it has no value for", field("start", "length"), []schedule.TimeRange{nine}},
		{"a nested one", ast.SelectionSet{&ast.Field{Alias: "hours", Name: "hours", SelectionSet: field("middle")}},
			[]*schedule.DayHours{{Day: "MONDAY", Hours: []schedule.TimeRange{nine}}}},
		{"an edge not loaded", ast.SelectionSet{nested("seller", field("name"))}, &ent.Product{ID: 7}},
		{"a field of the seller's own", ast.SelectionSet{nested("seller", field("accountID"))}, loaded()},
		{"a time that is no time", field("createdAt"), &ent.Product{ID: 7}},
		{"a nil product in a list", field("name"), []*ent.Product{loaded(), nil}},
		{"a resolver that panics (no resolvers)", field("preSalesInfo"), loaded()},
	} {
		if out, _, ok := render(c.sel, c.res); ok {
			t.Errorf("%s: written as %s, want it left to gqlgen", c.name, out)
		}
	}
	for _, c := range []struct {
		name    string
		sel     ast.SelectionSet
		res     any
		want    string
		objects int
	}{
		{"hours", ast.SelectionSet{
			&ast.Field{Alias: "d", Name: "day"}, &ast.Field{Alias: "__typename", Name: "__typename"},
			&ast.Field{Alias: "hours", Name: "hours", SelectionSet: field("end", "start"),
				Definition: parsedSchema.Types["DayHours"].Fields.ForName("hours")},
		}, []*schedule.DayHours{{Day: "MONDAY", Hours: []schedule.TimeRange{nine, nine}}, {Day: "FRIDAY"}},
			`[{"d":"MONDAY","__typename":"DayHours","hours":[{"end":"10:00","start":"09:00"},{"end":"10:00","start":"09:00"}]},{"d":"FRIDAY","__typename":"DayHours","hours":[]}]`, 4},
		{"a product with its loaded edges", append(field("id", "name", "createdAt", "releasedAt"),
			nested("seller", field("name")), nested("afterSalesGroup", field("name"))), loaded(),
			`{"id":"7","name":"Acme","createdAt":"2026-12-01T08:00:00Z","releasedAt":null,"seller":{"name":"Acme Inc"},"afterSalesGroup":null}`, 2},
	} {
		out, objects, ok := render(c.sel, c.res)
		if !ok || out != c.want || objects != c.objects {
			t.Errorf("%s: wrote %v %s with %d objects, want %s with %d", c.name, ok, out, objects, c.want, c.objects)
		}
	}
}
