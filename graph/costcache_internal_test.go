package graph

import (
	"context"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/complexity"
	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// TestKeptPricesAndPlansAreBounded: a price is kept for an operation whose
// price variables' values and document are small, and not for one with a
// big value (a where filter's string) or a big document (padded with a
// comment), since a kept price holds them; nor is a join plan kept for a
// big document.
func TestKeptPricesAndPlansAreBounded(t *testing.T) {
	es := pricedExecutableSchema(&Resolver{}).(pricedSchema)
	limit := extension.FixedComplexityLimit(1000, complexity.WithFixedScalarValue(0))
	if err := limit.Validate(es); err != nil {
		t.Fatal(err)
	}
	p := newPricedOnce(limit, es)
	const query = `query($name: String) { products(first: 5, where: {nameContains: $name}) { edges { node { name } } } }`
	price := func(text string, vars map[string]any) *graphql.OperationContext {
		t.Helper()
		doc, err := gqlparser.LoadQuery(es.Schema(), text)
		if err != nil {
			t.Fatal(err)
		}
		oc := &graphql.OperationContext{RawQuery: text, Doc: doc, Variables: vars, Stats: graphql.Stats{}}
		if gqlErr := p.MutateOperationContext(context.Background(), oc); gqlErr != nil {
			t.Fatal(gqlErr)
		}
		return oc
	}
	kept := func() int { return p.prices.Len() }
	price(query, map[string]any{"name": "Acme"})
	if kept() != 1 {
		t.Fatalf("%d prices kept for a small operation, want 1", kept())
	}
	price(query, map[string]any{"name": strings.Repeat("a", maxPricedValues)})
	padded := query + "\n# " + strings.Repeat("x", maxKeptKey)
	oc := price(padded, map[string]any{"name": "Acme"})
	if kept() != 1 {
		t.Errorf("%d prices kept, want 1: a big value or document was kept", kept())
	}

	plan := func(oc *graphql.OperationContext) bool {
		field := oc.Doc.Operations[0].SelectionSet[0].(*ast.Field)
		planJoin(oc, graphql.CollectedField{Field: field, Selections: field.SelectionSet}, []string{"edges", "node"}, true, false)
		return joinPlans.Contains(joinKey{field, "edges.node", true, false})
	}
	if plan(oc) {
		t.Errorf("a join plan was kept for a document of %d bytes", len(padded))
	}
	if !plan(price(query, map[string]any{"name": "Acme"})) {
		t.Errorf("no join plan kept for a small document")
	}
}
