package graph

import (
	"context"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// TestPagedDocumentsDefaultFirst checks that documents entering the query
// cache carry the default page size on connections without first or last,
// so eager loading of nested connections is bounded too.
func TestPagedDocumentsDefaultFirst(t *testing.T) {
	schema := NewExecutableSchema(Config{}).Schema()
	doc, err := gqlparser.LoadQuery(schema, `
		{ products { edges { node { seller { products(last: 3) { totalCount } reviews { totalCount } } afterSalesGroup { ...G } } } } }
		fragment G on CustomerServiceGroup { products { totalCount } }`)
	if err != nil {
		t.Fatal(err)
	}
	pagedDocuments{lru.New[*ast.QueryDocument](10)}.Add(context.Background(), "q", doc)

	root := doc.Operations[0].SelectionSet[0].(*ast.Field)
	seller := root.SelectionSet[0].(*ast.Field).SelectionSet[0].(*ast.Field).SelectionSet[0].(*ast.Field)
	group := doc.Fragments.ForName("G").SelectionSet[0].(*ast.Field)
	for name, tc := range map[string]struct {
		field      *ast.Field
		wantFirst  any
		wantAbsent bool
	}{
		"root connection":       {root, int64(DefaultPageSize), false},
		"nested with last":      {seller.SelectionSet[0].(*ast.Field), nil, true},
		"nested without either": {seller.SelectionSet[1].(*ast.Field), int64(DefaultPageSize), false},
		"in a fragment":         {group, int64(DefaultPageSize), false},
	} {
		first, ok := tc.field.ArgumentMap(nil)["first"]
		if tc.wantAbsent {
			if ok {
				t.Errorf("%s: first was added next to last: %v", name, first)
			}
			continue
		}
		if first != tc.wantFirst {
			t.Errorf("%s: first = %#v, want %v", name, first, tc.wantFirst)
		}
	}
}

// TestRootFieldsThroughFragments checks that fragments cannot hide root
// fields from MaxRootFields.
func TestRootFieldsThroughFragments(t *testing.T) {
	schema := NewExecutableSchema(Config{}).Schema()
	many := "{ ...F } fragment F on Query { a0: viewer { role } a1: viewer { role } a2: viewer { role } a3: viewer { role } a4: viewer { role } a5: viewer { role } a6: viewer { role } a7: viewer { role } a8: viewer { role } a9: viewer { role } a10: viewer { role } }"
	few := "{ ...F ...F } fragment F on Query { a0: viewer { role } a1: viewer { role } }"
	for q, wantErr := range map[string]bool{many: true, few: false} {
		doc, err := gqlparser.LoadQuery(schema, q)
		if err != nil {
			t.Fatal(err)
		}
		op := &graphql.OperationContext{Doc: doc, Operation: doc.Operations[0], Variables: map[string]any{}}
		if got := (&shapeLimits{}).MutateOperationContext(context.Background(), op); (got != nil) != wantErr {
			t.Errorf("%s: error %v, want error %v", q, got, wantErr)
		}
	}
}
