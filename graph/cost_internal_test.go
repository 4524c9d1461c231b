package graph

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
)

// TestEveryConnectionPriced walks every field of the schema's object types
// and fails on a connection (a field with first and last) that the cost
// rule leaves unpriced: its cost must grow with the page asked for, with
// its children and with the predicates of its where filters, so that a
// connection added to the schema is priced without anyone remembering to.
func TestEveryConnectionPriced(t *testing.T) {
	es := pricedExecutableSchema(&Resolver{})
	ctx := context.Background()
	connections := 0
	for _, typ := range es.Schema().Types {
		if typ.Kind != ast.Object || strings.HasPrefix(typ.Name, "__") {
			continue
		}
		for _, f := range typ.Fields {
			if f.Arguments.ForName("first") == nil && f.Arguments.ForName("last") == nil {
				continue
			}
			connections++
			name := typ.Name + "." + f.Name
			cost := func(child int, args map[string]any) int {
				t.Helper()
				c, ok := es.Complexity(ctx, typ.Name, f.Name, child, args)
				if !ok {
					t.Fatalf("%s is a connection the cost rule does not price", name)
				}
				return c
			}
			first10, first50 := cost(3, map[string]any{"first": int64(10)}), cost(3, map[string]any{"first": int64(50)})
			if first50 < 50*3 || first50 <= first10 {
				t.Errorf("%s: first 10 costs %d, first 50 costs %d: the cost must be at least page × children and grow with the page", name, first10, first50)
			}
			if last := cost(3, map[string]any{"last": int64(50)}); last != first50 {
				t.Errorf("%s: last 50 costs %d, first 50 %d", name, last, first50)
			}
			if more := cost(30, map[string]any{"first": int64(10)}); more <= first10 {
				t.Errorf("%s: 10 × 30 children costs %d, 10 × 3 costs %d", name, more, first10)
			}
			if def := cost(3, map[string]any{}); def != cost(3, map[string]any{"first": int64(DefaultPageSize)}) {
				t.Errorf("%s without first or last costs %d, not the default page's", name, def)
			}
			if where := f.Arguments.ForName("where"); where != nil {
				filter := map[string]any{"not": map[string]any{"id": "1"}, "or": []any{map[string]any{"idIn": []any{"1", "2"}}, map[string]any{"idGT": "3"}}}
				if got := cost(3, map[string]any{"first": int64(10), "where": filter}); got != first10+3 {
					t.Errorf("%s with a where of 3 predicates costs %d, want %d + 3", name, got, first10)
				}
			}
		}
	}
	if connections < 10 {
		t.Fatalf("found %d connections; the schema has at least 10", connections)
	}
	if got, ok := es.Complexity(ctx, "Query", "nodes", 4, map[string]any{"ids": []any{"1", "2", "3"}}); !ok || got < 12 {
		t.Errorf("nodes of 3 IDs with 4 children costs %d (priced %v), want at least 3 × 4", got, ok)
	}
}

// TestCursorKindsOfEveryOrder checks that the kind of every orderBy field
// of every connection is known from the node's field of the same name:
// an order field named otherwise would leave its cursors checked only for
// being scalars.
func TestCursorKindsOfEveryOrder(t *testing.T) {
	s := NewExecutableSchema(Config{}).Schema()
	fields := schemaFields(s)
	for key, f := range fields {
		if !f.connection {
			continue
		}
		for order, kind := range f.orderKinds {
			if kind == kindScalar {
				t.Errorf("%s: the orderBy field %s matches no field of the node: its cursors' kind is unknown", key, order)
			}
		}
	}
	want := map[string]valueKind{"NAME": kindString, "CREATED_AT": kindTime, "RELEASED_AT": kindTime}
	for order, kind := range want {
		if got := fields["Query.products"].orderKinds[order]; got != kind {
			t.Errorf("Query.products ordered by %s: kind %d, want %d", order, got, kind)
		}
	}
}

// TestPricedSchemaKeepsOptionalInterfaces checks that wrapping the
// generated schema hides none of the optional interfaces gqlgen's executor
// looks for on it.
func TestPricedSchemaKeepsOptionalInterfaces(t *testing.T) {
	var inner graphql.ExecutableSchema = NewExecutableSchema(Config{})
	var outer = pricedExecutableSchema(&Resolver{})
	_, innerEvents := inner.(graphql.ExecutableSchemaWithEventContext)
	_, outerEvents := outer.(graphql.ExecutableSchemaWithEventContext)
	if innerEvents != outerEvents {
		t.Errorf("the generated schema implements ExecutableSchemaWithEventContext: %v, the priced one: %v", innerEvents, outerEvents)
	}
}

// costServer is gqlgen with the server's cost rule and pre-execution
// checks, answering every operation that passes them without running it;
// the requested cost of the last one is kept in stats.
func costServer(stats **extension.ComplexityStats) http.Handler {
	srv := handler.New(pricedExecutableSchema(&Resolver{}))
	srv.AddTransport(transport.POST{})
	srv.SetQueryCache(pagedDocuments{lru.New[*ast.QueryDocument](10)})
	srv.Use(&shapeLimits{small: lru.New[bool](10)})
	srv.Use(extension.FixedComplexityLimit(complexityLimit))
	srv.AroundOperations(func(ctx context.Context, _ graphql.OperationHandler) graphql.ResponseHandler {
		*stats = extension.GetComplexityStats(ctx)
		return graphql.OneShot(&graphql.Response{Data: json.RawMessage(`{}`)})
	})
	return srv
}

// TestRequestedCostCountsWhereTerms checks that the cost gqlgen records
// after validation (what extensions.cost reports as requestedQueryCost)
// counts the predicates of where filters, nested connections' included.
func TestRequestedCostCountsWhereTerms(t *testing.T) {
	var stats *extension.ComplexityStats
	srv := costServer(&stats)
	requested := func(query string) int {
		t.Helper()
		stats = nil
		rec := httptest.NewRecorder()
		body, _ := json.Marshal(map[string]any{"query": query})
		req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || stats == nil {
			t.Fatalf("%s: %d %s", query, rec.Code, rec.Body)
		}
		return stats.Complexity
	}
	plain := requested(`{ products(first: 10) { edges { node { id } } } }`)
	filtered := requested(`{ products(first: 10, where: {nameContains: "a", or: [{status: RELEASED}, {idIn: ["1", "2"]}]}) { edges { node { id } } } }`)
	if filtered != plain+3 {
		t.Errorf("a where of 3 predicates: cost %d, want %d + 3", filtered, plain)
	}
	nestedPlain := requested(`{ sellers(first: 5) { edges { node { products(first: 10) { edges { node { id } } } } } } }`)
	nested := requested(`{ sellers(first: 5) { edges { node { products(first: 10, where: {nameContains: "a"}) { edges { node { id } } } } } } }`)
	if nested != nestedPlain+5 {
		t.Errorf("a nested where of 1 predicate under 5 sellers: cost %d, want %d + 5", nested, nestedPlain)
	}
	if defaulted, explicit := requested(`{ products { edges { node { id } } } }`), requested(`{ products(first: 20) { edges { node { id } } } }`); defaulted != explicit {
		t.Errorf("the default page costs %d, first: 20 costs %d", defaulted, explicit)
	}
}

// TestIntrospectionRefusedByGqlgenIsClassified builds gqlgen without the
// server's shape check, so that gqlgen's own refusal of __schema and
// __type (a plain error from the field) reaches the error presenter: it
// must answer INTROSPECTION_DISABLED, not INTERNAL, whatever the order of
// the checks before it.
func TestIntrospectionRefusedByGqlgenIsClassified(t *testing.T) {
	srv := handler.New(pricedExecutableSchema(&Resolver{}))
	srv.AddTransport(transport.POST{})
	srv.SetErrorPresenter(presentError(slog.New(slog.DiscardHandler)))
	for _, q := range []string{`{ __schema { queryType { name } } }`, `{ __type(name: "Product") { name } }`} {
		rec := httptest.NewRecorder()
		body, _ := json.Marshal(map[string]any{"query": q})
		req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		srv.ServeHTTP(rec, req)
		var resp struct {
			Errors []struct {
				Message    string
				Extensions map[string]any
			}
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil || len(resp.Errors) == 0 {
			t.Fatalf("%s: %d %s", q, rec.Code, rec.Body)
		}
		if code := resp.Errors[0].Extensions["code"]; code != codeIntrospectionDisabled {
			t.Errorf("%s: code %v (%s), want %s", q, code, resp.Errors[0].Message, codeIntrospectionDisabled)
		}
	}
}
