package graph

import (
	"context"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"servicesupport/ent"
)

// TestRecordHolesClassifiesResolvers checks what a field does to an answer
// being recorded for the page cache: a resolver that reads the clock is a
// hole (when it hangs off a group), one classified as timeless is kept, and
// any other resolver — one added later and not classified — makes the
// answer uncacheable rather than kept with a value that may be stale.
func TestRecordHolesClassifiesResolvers(t *testing.T) {
	group := &ent.CustomerServiceGroup{ID: 7}
	cases := []struct {
		object, field string
		resolver      bool
		parent        any // the parent field's result
		holes         int
		uncacheable   bool
	}{
		{"Product", "name", false, nil, 0, false},
		{"Product", "preSalesInfo", true, nil, 0, false},
		{"CustomerServiceGroup", "weeklyHours", true, group, 0, false},
		{"CustomerServiceGroup", "openNow", true, group, 1, false},
		{"CustomerServiceGroup", "todayHours", true, group, 1, false},
		{"CustomerServiceGroup", "openNow", true, nil, 0, true}, // no group to render it from
		{"WebhookEndpoint", "eventTypes", true, nil, 0, true},
		{"Product", "somethingNew", true, nil, 0, true},
	}
	for _, c := range cases {
		rec := &pageRecorder{}
		ctx := context.WithValue(context.Background(), pageRecorderKey{}, rec)
		ctx = graphql.WithFieldContext(ctx, &graphql.FieldContext{Object: "Product", Result: c.parent,
			Field: graphql.CollectedField{Field: &ast.Field{Alias: "parent", Name: "parent"}}})
		ctx = graphql.WithFieldContext(ctx, &graphql.FieldContext{Object: c.object, IsResolver: c.resolver,
			Field: graphql.CollectedField{Field: &ast.Field{Alias: c.field, Name: c.field}}})
		ran := false
		if _, err := recordHoles(ctx, func(context.Context) (any, error) { ran = true; return nil, nil }); err != nil || !ran {
			t.Fatalf("%s.%s: the resolver did not run (%v)", c.object, c.field, err)
		}
		if len(rec.holes) != c.holes || rec.uncacheable != c.uncacheable {
			t.Errorf("%s.%s: %d holes, uncacheable %v; want %d, %v", c.object, c.field, len(rec.holes), rec.uncacheable, c.holes, c.uncacheable)
		}
		if c.holes == 1 && (rec.holes[0].group != group || rec.holes[0].path.String() != "parent."+c.field) {
			t.Errorf("%s.%s: hole %+v", c.object, c.field, rec.holes[0])
		}
	}
}
