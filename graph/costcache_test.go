package graph_test

import (
	"encoding/json"
	"strings"
	"testing"

	"servicesupport/graph"
)

// TestPricesKeptFollowTheVariables: an operation's price is kept per parsed
// operation and the variables it reads (page sizes, where filters, IDs of
// nodes, in fragments too; those of @include and @skip as well, though
// gqlgen's walk prices a field whatever its condition), and a price read
// from what was kept is the price worked out afresh (on a new handler) for
// the same request, whatever was asked before; and the requests are priced
// differently enough for that to tell.
func TestPricesKeptFollowTheVariables(t *testing.T) {
	env := NewEnv(t)
	seedCatalog(t, env, 3)
	var first struct {
		Products struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	env.MustDo(Anonymous, `{ products(first: 2) { edges { node { id } } } }`, nil, &first)
	a, b := first.Products.Edges[0].Node.ID, first.Products.Edges[1].Node.ID
	const list = `query($n: Int, $yes: Boolean!, $name: String) { products(first: $n, where: {nameContains: $name}) {
	  edges { node { name ...group } } } }
	  fragment group on Product { afterSalesGroup @include(if: $yes) { name weeklyHours { day } } seller { name } }`
	const byIDs = `query($ids: [ID!]!, $id: ID!, $skip: Boolean!) { nodes(ids: $ids) { id } product(id: $id) { seller @skip(if: $skip) { name } } }`
	many := make([]string, 6000)
	for i := range many {
		many[i] = a
	}
	requests := []struct {
		query string
		vars  map[string]any
	}{
		{list, map[string]any{"n": 1, "yes": true}},
		{list, map[string]any{"n": 50, "yes": true}},
		{list, map[string]any{"n": 50, "yes": false}},
		{list, map[string]any{"n": 1, "yes": false, "name": "Product"}},
		{list, map[string]any{"n": 1, "yes": true}},
		{list, map[string]any{"n": 100, "yes": true}}, // over the page size limit
		{byIDs, map[string]any{"ids": []string{a}, "id": a, "skip": false}},
		{byIDs, map[string]any{"ids": []string{a, b}, "id": a, "skip": false}},
		{byIDs, map[string]any{"ids": []string{a, b}, "id": b, "skip": true}},
		{byIDs, map[string]any{"ids": []string{a}, "id": b, "skip": false}},
		{byIDs, map[string]any{"ids": many, "id": b, "skip": false}}, // over the limit: refused
	}
	priced := func(e *Env, query string, vars map[string]any) (any, string) {
		r := e.Post(Anonymous, query, vars)
		var ext struct {
			Cost struct {
				Requested any `json:"requestedQueryCost"`
			} `json:"cost"`
		}
		if raw := r.Raw["extensions"]; raw != nil {
			if err := json.Unmarshal(raw, &ext); err != nil {
				t.Fatal(err)
			}
		}
		return ext.Cost.Requested, string(r.Raw["errors"])
	}
	costs := map[any]bool{}
	for round := 0; round < 2; round++ {
		for _, r := range requests {
			kept, keptErr := priced(env, r.query, r.vars)
			fresh, freshErr := priced(env.Reconfigure(t, func(*graph.HandlerConfig) {}), r.query, r.vars)
			if kept != fresh || keptErr != freshErr {
				t.Errorf("%v: priced %v %s from what was kept, %v %s afresh", r.vars, kept, keptErr, fresh, freshErr)
			}
			costs[fresh] = true
		}
	}
	if _, refused := priced(env, byIDs, requests[len(requests)-1].vars); !strings.Contains(refused, "COMPLEXITY_LIMIT_EXCEEDED") {
		t.Errorf("the request over the limit answered errors %s, want COMPLEXITY_LIMIT_EXCEEDED", refused)
	}
	if len(costs) < 6 {
		t.Errorf("the requests were priced %v: too few prices to tell them apart", costs)
	}
}
