package graph_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestNestedConnectionFilters checks that nested connections take where
// filters on the object's own fields, narrowed by privacy like any read,
// and that no where input crosses an edge.
func TestNestedConnectionFilters(t *testing.T) {
	t.Parallel()
	env := NewEnv(t)
	w := env.Seed()
	type page struct {
		TotalCount int
		Edges      []struct{ Node struct{ Name string } }
	}
	names := func(p page) []string {
		var out []string
		for _, e := range p.Edges {
			out = append(out, e.Node.Name)
		}
		return out
	}

	var own struct {
		Viewer struct {
			Seller struct {
				Drafts   page
				Released page
				Reviews  struct{ TotalCount int }
			}
		}
	}
	env.MustDo(Owner, `{ viewer { seller {
		drafts: products(where: {status: DRAFT}) { totalCount edges { node { name } } }
		released: products(where: {status: RELEASED, nameContains: "Compute"}) { totalCount edges { node { name } } }
		reviews(where: {status: PENDING}) { totalCount }
	} } }`, nil, &own)
	if got := names(own.Viewer.Seller.Drafts); own.Viewer.Seller.Drafts.TotalCount != 1 || len(got) != 1 || got[0] != "Acme Draft" {
		t.Errorf("owner's drafts: %d %v", own.Viewer.Seller.Drafts.TotalCount, got)
	}
	if got := names(own.Viewer.Seller.Released); len(got) != 1 || got[0] != "Acme Compute" {
		t.Errorf("owner's released Compute: %v", got)
	}
	if own.Viewer.Seller.Reviews.TotalCount != 1 {
		t.Errorf("owner's pending reviews: %d, want 1", own.Viewer.Seller.Reviews.TotalCount)
	}

	// Through a released product, an anonymous viewer's filter finds only
	// what it may see anyway.
	var public struct {
		Product struct {
			Seller          struct{ Products page }
			AfterSalesGroup struct{ Products page }
		}
	}
	env.MustDo(Anonymous, `query($id: ID!) { product(id: $id) {
		seller { products(where: {status: DRAFT}) { totalCount edges { node { name } } } }
		afterSalesGroup { products(where: {statusNEQ: RELEASED}) { totalCount edges { node { name } } } }
	} }`, map[string]any{"id": w.ReleasedID}, &public)
	if public.Product.Seller.Products.TotalCount != 0 || public.Product.AfterSalesGroup.Products.TotalCount != 0 {
		t.Errorf("anonymous filtered drafts: %+v", public)
	}

	// No where input crosses an edge, even for staff.
	for _, q := range []string{
		`{ sellers(where: {hasProducts: true}) { totalCount } }`,
		`{ sellers(where: {hasReviewsWith: {status: PENDING}}) { totalCount } }`,
		`{ products(where: {hasSellerWith: {name: "Acme Cloud"}}) { totalCount } }`,
	} {
		a := env.Send(Request{As: Admin, Accept: MediaGraphQLResponse, Body: GQL(q, nil)})
		if a.Status != http.StatusBadRequest || !strings.Contains(string(a.Body), "GRAPHQL_VALIDATION_FAILED") {
			t.Errorf("%s: %d %s, want 400 GRAPHQL_VALIDATION_FAILED", q, a.Status, a.Body)
		}
	}
}

// TestNullPageSizeRefused checks that a connection whose first and last are
// both null variables is refused before execution: entgql would eager-load
// every row of a nested connection.
func TestNullPageSizeRefused(t *testing.T) {
	t.Parallel()
	env := NewEnv(t)
	w := env.Seed()
	for _, tc := range []struct {
		name string
		vars map[string]any
		ok   bool
	}{
		{"variable omitted", map[string]any{"id": w.ReleasedID}, false},
		{"variable null", map[string]any{"id": w.ReleasedID, "n": nil}, false},
		{"variable given", map[string]any{"id": w.ReleasedID, "n": 5}, true},
	} {
		a := env.Send(Request{Accept: MediaGraphQLResponse, Body: GQL(`query($id: ID!, $n: Int) { product(id: $id) { seller { products(first: $n) { totalCount } } } }`, tc.vars)})
		refused := a.Status == http.StatusBadRequest && strings.Contains(string(a.Body), `"BAD_USER_INPUT"`)
		if refused == tc.ok {
			t.Errorf("%s: %d %s", tc.name, a.Status, a.Body)
		}
	}
}
