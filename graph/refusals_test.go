package graph_test

// Abusive requests that gqlgen or the database would otherwise fail with
// INTERNAL (issue 8): forged cursors, oversized or over-deep where
// filters, introspection while it is off, @defer and @stream, and
// connections the cost rule once missed. Each is refused before execution,
// with a code, and runs no SQL; the catalogue (badinput_test.go) runs them
// with the rest.

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vmihailenco/msgpack/v5"

	"servicesupport/graph"
)

// forgedCursor is a cursor of the shape entgql gives out (base64 of the
// msgpack of {i: id, v: value}) carrying any value.
func forgedCursor(t testing.TB, value any) string {
	t.Helper()
	b, err := msgpack.Marshal(map[string]any{"i": 1, "v": value})
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawStdEncoding.EncodeToString(b)
}

// rawCursor is the base64 of raw msgpack bytes.
func rawCursor(b []byte) string { return base64.RawStdEncoding.EncodeToString(b) }

// nestedNot is a where filter of n nested not around nameNEQ "x": an
// even n keeps every product (not named x).
func nestedNot(n int) map[string]any {
	w := map[string]any{"nameNEQ": "x"}
	for range n {
		w = map[string]any{"not": w}
	}
	return w
}

// nestedNotLiteral is nestedNot written in the document.
func nestedNotLiteral(n int) string {
	return strings.Repeat("{not: ", n) + `{name: "x"}` + strings.Repeat("}", n)
}

// manyIDs is a list of n IDs.
func manyIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprint(i + 1)
	}
	return ids
}

// orTerms is a where filter of an or of n name predicates.
func orTerms(n int) map[string]any {
	terms := make([]any, n)
	for i := range terms {
		terms[i] = map[string]any{"name": fmt.Sprint("n", i)}
	}
	return map[string]any{"or": terms}
}

// andTerms is a where filter of an and of n name predicates.
func andTerms(n int) map[string]any {
	w := orTerms(n)
	return map[string]any{"and": w["or"]}
}

// Queries of the refusal cases.
const (
	productsAfterQ = `query($c: Cursor, $o: ProductOrder) { products(after: $c, orderBy: $o) { totalCount edges { node { id } } } }`
	productsWhereQ = `query($w: ProductWhereInput) { products(where: $w) { totalCount edges { node { id } } } }`
)

// refusalCases are the abusive requests refused before execution. Each is
// sent with Accept: application/graphql-response+json, whose refusals
// answer 400 (with application/json GraphQL over HTTP answers 200), and
// as a viewer whose token needs no database (anonymous, reviewer, admin),
// so that noSQL holds from the first byte.
func refusalCases(t *testing.T) []badCase {
	t.Helper()
	byName := map[string]any{"field": "NAME"}
	byCreatedAt := map[string]any{"field": "CREATED_AT"}
	cursorCase := func(name string, as Persona, query string, vars map[string]any) badCase {
		return badCase{name: name, as: as, accept: MediaGraphQLResponse, body: GQL(query, vars),
			status: http.StatusBadRequest, code: graph.CodeBadUserInput, noData: true, noSQL: true}
	}
	tooLarge := func(name string, as Persona, query string, vars map[string]any) badCase {
		return badCase{name: name, as: as, accept: MediaGraphQLResponse, body: GQL(query, vars),
			status: http.StatusBadRequest, code: "QUERY_TOO_LARGE", noData: true, noSQL: true}
	}
	refused := func(name, code string, query string) badCase {
		return badCase{name: name, accept: MediaGraphQLResponse, body: GQL(query, nil),
			status: http.StatusBadRequest, code: code, noData: true, noSQL: true}
	}
	// A cursor of 2,000 nested msgpack arrays: decoding it would recurse
	// 2,000 deep (msgpack sets no bound).
	deepCursor := rawCursor(append(append([]byte{0x82, 0xa1, 'i', 0x01, 0xa1, 'v'}, bytes.Repeat([]byte{0x91}, 2000)...), 0x01))

	return []badCase{
		// ---- Cursors: entgql passes the value into SQL as it is ----
		cursorCase("cursor whose value is a map", Anonymous, productsAfterQ,
			map[string]any{"c": forgedCursor(t, map[string]any{"a": 1}), "o": byName}),
		cursorCase("cursor whose value is a list", Anonymous, productsAfterQ,
			map[string]any{"c": forgedCursor(t, []any{1, 2}), "o": byName}),
		cursorCase("cursor whose value is a map, default order", Anonymous, productsAfterQ,
			map[string]any{"c": forgedCursor(t, map[string]any{"a": []any{1}})}),
		cursorCase("before cursor whose value is a list, reviews by dueAt", Reviewer,
			`query($c: Cursor) { reviews(before: $c, last: 5, orderBy: {field: DUE_AT}) { edges { node { id } } } }`,
			map[string]any{"c": forgedCursor(t, []any{"2026-01-01"})}),
		cursorCase("events cursor whose value is a map", Admin,
			`query($c: Cursor) { events(after: $c, orderBy: {field: OCCURRED_AT}) { edges { node { id } } } }`,
			map[string]any{"c": forgedCursor(t, map[string]any{"x": 1})}),
		cursorCase("webhookEndpoints cursor whose value is a list", Admin,
			`query($c: Cursor) { webhookEndpoints(after: $c, orderBy: {field: CREATED_AT}) { edges { node { id } } } }`,
			map[string]any{"c": forgedCursor(t, []any{})}),
		cursorCase("cursor of a nested connection whose value is a map", Admin,
			`query($c: Cursor) { sellers(first: 2) { edges { node { products(after: $c, orderBy: {field: NAME}) { edges { node { id } } } } } } }`,
			map[string]any{"c": forgedCursor(t, map[string]any{"a": 1})}),
		cursorCase("cursor of a number for an order by name", Anonymous, productsAfterQ,
			map[string]any{"c": forgedCursor(t, 12), "o": byName}),
		cursorCase("cursor of a string for an order by createdAt", Anonymous, productsAfterQ,
			map[string]any{"c": forgedCursor(t, "yesterday"), "o": byCreatedAt}),
		cursorCase("cursor of a time for an order by name", Anonymous, productsAfterQ,
			map[string]any{"c": forgedCursor(t, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)), "o": byName}),
		cursorCase("cursor of a string for the default order (by ID)", Anonymous, productsAfterQ,
			map[string]any{"c": forgedCursor(t, "1")}),
		cursorCase("cursor of a boolean", Anonymous, productsAfterQ,
			map[string]any{"c": forgedCursor(t, true), "o": byName}),
		cursorCase("cursor of a string with NUL", Anonymous, productsAfterQ,
			map[string]any{"c": forgedCursor(t, "Acme\x00"), "o": byName}),
		cursorCase("cursor of the year 300000", Anonymous, productsAfterQ,
			map[string]any{"c": forgedCursor(t, time.Date(300000, 1, 1, 0, 0, 0, 0, time.UTC)), "o": byCreatedAt}),
		cursorCase("cursor of a number beyond int64", Anonymous, productsAfterQ,
			map[string]any{"c": forgedCursor(t, uint64(1)<<63)}),
		cursorCase("cursor of 2,000 nested lists", Anonymous, productsAfterQ,
			map[string]any{"c": deepCursor, "o": byName}),
		cursorCase("cursor that is not base64", Anonymous, productsAfterQ,
			map[string]any{"c": "not a cursor!"}),
		cursorCase("cursor that is an object", Anonymous,
			`{ products(after: {i: 1, v: {a: 1}}) { edges { node { id } } } }`, nil),
		cursorCase("forged cursor written in the document", Anonymous,
			`{ products(after: "`+forgedCursor(t, []any{1})+`", orderBy: {field: NAME}) { edges { node { id } } } }`, nil),

		// ---- where filters: bounded in depth, lists and predicates ----
		tooLarge("where with 1,001 nested not", Anonymous, productsWhereQ, map[string]any{"w": nestedNot(1001)}),
		tooLarge("where nested one level too deep", Anonymous,
			`{ products(where: `+nestedNotLiteral(graph.MaxWhereDepth)+`) { totalCount } }`, nil),
		{name: "where with 1,001 nested not in the document (the parser's bound)", accept: MediaGraphQLResponse,
			body:   GQL(`{ products(where: `+nestedNotLiteral(1001)+`) { totalCount } }`, nil),
			status: http.StatusBadRequest, code: "GRAPHQL_PARSE_FAILED", noData: true, noSQL: true},
		tooLarge("where with 40,000 idIn values", Anonymous, productsWhereQ,
			map[string]any{"w": map[string]any{"idIn": manyIDs(40_000)}}),
		tooLarge("where with 500,000 idIn values (what 1 MiB holds)", Anonymous, productsWhereQ,
			map[string]any{"w": map[string]any{"idIn": make([]int, 500_000)}}),
		tooLarge("where with one idIn value too many", Anonymous, productsWhereQ,
			map[string]any{"w": map[string]any{"idIn": manyIDs(graph.MaxWhereList + 1)}}),
		tooLarge("where with 10,000 or terms", Anonymous, productsWhereQ, map[string]any{"w": orTerms(10_000)}),
		tooLarge("where with one predicate too many", Anonymous, productsWhereQ,
			map[string]any{"w": andTerms(graph.MaxWhereTerms + 1)}),
		tooLarge("reviews where with 40,000 idIn values", Reviewer,
			`query($w: ReviewWhereInput) { reviews(where: $w) { totalCount } }`,
			map[string]any{"w": map[string]any{"idIn": manyIDs(40_000)}}),
		tooLarge("sellers where with 10,000 or terms", Admin,
			`query($w: SellerWhereInput) { sellers(where: $w) { totalCount } }`, map[string]any{"w": orTerms(10_000)}),
		tooLarge("events where with 40,000 typeIn values", Admin,
			`query($w: EventWhereInput) { events(where: $w) { totalCount } }`,
			map[string]any{"w": map[string]any{"typeIn": repeated("GROUP_CREATED", 40_000)}}),
		tooLarge("nested where with 1,001 nested not", Admin,
			`query($w: ProductWhereInput) { sellers(first: 1) { edges { node { products(where: $w) { totalCount } } } } }`,
			map[string]any{"w": nestedNot(1001)}),

		// ---- Introspection while it is off ----
		refused("__schema", "INTROSPECTION_DISABLED", `{ __schema { types { name } } }`),
		refused("__type", "INTROSPECTION_DISABLED", `{ __type(name: "Product") { name } }`),
		refused("__type in a fragment", "INTROSPECTION_DISABLED", `{ ...F } fragment F on Query { __type(name: "Product") { name } }`),
		refused("__schema in an inline fragment", "INTROSPECTION_DISABLED", `{ ... on Query { __schema { queryType { name } } } }`),
		refused("__schema under an alias", "INTROSPECTION_DISABLED", `{ s: __schema { queryType { name } } }`),
		refused("__schema beside another root field", "INTROSPECTION_DISABLED", `{ products { totalCount } __schema { queryType { name } } }`),
		refused("__schema skipped", "INTROSPECTION_DISABLED", `{ viewer { role } __schema @skip(if: true) { queryType { name } } }`),
		refused("__schema nested under another field", "GRAPHQL_VALIDATION_FAILED", `{ viewer { __schema { queryType { name } } } }`),
		{name: "__type with a variable", accept: MediaGraphQLResponse,
			body:   GQL(`query($n: String!) { __type(name: $n) { name } }`, map[string]any{"n": "Product"}),
			status: http.StatusBadRequest, code: "INTROSPECTION_DISABLED", noData: true, noSQL: true},
		{name: "__schema over GET", method: http.MethodGet, accept: MediaGraphQLResponse,
			target: GetURL(map[string]string{"query": `{ __schema { queryType { name } } }`}),
			status: http.StatusBadRequest, code: "INTROSPECTION_DISABLED", noData: true, noSQL: true},
		{name: "__typename while introspection is off", accept: MediaGraphQLResponse,
			body:   GQL(`{ __typename viewer { __typename role } }`, nil),
			status: http.StatusOK, data: `{"__typename":"Query","viewer":{"__typename":"Viewer","role":"ANONYMOUS"}}`, noSQL: true},

		// ---- @defer and @stream ----
		refused("@defer on an inline fragment", "DEFER_NOT_SUPPORTED", `{ viewer { role ... @defer { subject } } }`),
		refused("@defer on a fragment spread", "DEFER_NOT_SUPPORTED", `{ viewer { ...V @defer } } fragment V on Viewer { role }`),
		refused("@defer(if: false)", "DEFER_NOT_SUPPORTED", `{ viewer { ... @defer(if: false) { role } } }`),
		refused("@defer with a label, deep in a connection", "DEFER_NOT_SUPPORTED",
			`{ products { edges { node { id ... @defer(label: "slow") { seller { name } } } } } }`),
		refused("@stream on a list", "DEFER_NOT_SUPPORTED", `{ products { edges @stream(initialCount: 1) { node { id } } } }`),
		{name: "@defer asked for with multipart/mixed", accept: "multipart/mixed; deferSpec=20220824, " + MediaGraphQLResponse,
			body:   GQL(`{ viewer { ... @defer { role } } }`, nil),
			status: http.StatusBadRequest, code: "DEFER_NOT_SUPPORTED", noData: true, noSQL: true},
		{name: "@defer over GET", method: http.MethodGet, accept: MediaGraphQLResponse,
			target: GetURL(map[string]string{"query": `{ viewer { ... @defer { role } } }`}),
			status: http.StatusBadRequest, code: "DEFER_NOT_SUPPORTED", noData: true, noSQL: true},
		{name: "@defer in a mutation", as: Admin, accept: MediaGraphQLResponse,
			body:   GQL(`mutation { out: createSeller(input: {accountID: "deferred", name: "Deferred"}) { ... @defer { seller { id } } } }`, nil),
			status: http.StatusBadRequest, code: "DEFER_NOT_SUPPORTED", noData: true, noSQL: true},

		// ---- Connections the cost rule once left unpriced ----
		{name: "events of events, unpriced before", as: Admin, accept: MediaGraphQLResponse,
			body:   GQL(`{ events(first: 100) { edges { node { review { events(first: 100) { edges { node { id type } } } } } } } }`, nil),
			status: http.StatusBadRequest, code: "COMPLEXITY_LIMIT_EXCEEDED", noData: true, noSQL: true},
		{name: "deliveries of webhook endpoints, unpriced before", as: Admin, accept: MediaGraphQLResponse,
			body:   GQL(`{ webhookEndpoints(first: 100) { edges { node { deliveries(first: 100) { edges { node { id attempts status } } } } } } }`, nil),
			status: http.StatusBadRequest, code: "COMPLEXITY_LIMIT_EXCEEDED", noData: true, noSQL: true},
		{name: "nodes of 100 IDs with connections", as: Admin, accept: MediaGraphQLResponse,
			body: GQL(`query($ids: [ID!]!) { nodes(ids: $ids) { ... on Seller { products(first: 100) { edges { node { id } } } } } }`,
				map[string]any{"ids": manyIDs(100)}),
			status: http.StatusBadRequest, code: "COMPLEXITY_LIMIT_EXCEEDED", noData: true, noSQL: true},
	}
}

// repeated is n copies of s.
func repeated(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

// TestCursorsOfEveryConnectionAccepted pages through every connection of
// Query with every orderBy field, both directions, forwards and backwards,
// and sends back the cursors the server gave out: the cursor checks must
// refuse forged cursors only.
func TestCursorsOfEveryConnectionAccepted(t *testing.T) {
	env := NewEnv(t, WithConfig(func(c *graph.HandlerConfig) { c.WebhookAllowInsecure = true }))
	env.Seed()
	createEndpointOK(t, env, Admin, "http://127.0.0.1:9/one", "GROUP_CREATED")
	createEndpointOK(t, env, Admin, "http://127.0.0.1:9/two", "PRODUCT_CREATED")
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	pages := 0
	for _, f := range schema.Query.Fields {
		orderBy := f.Arguments.ForName("orderBy")
		if f.Arguments.ForName("after") == nil || orderBy == nil {
			continue
		}
		orders := []map[string]any{nil}
		for _, v := range schema.Types[schema.Types[orderBy.Type.Name()].Fields.ForName("field").Type.Name()].EnumValues {
			for _, dir := range []string{"ASC", "DESC"} {
				orders = append(orders, map[string]any{"field": v.Name, "direction": dir})
			}
		}
		for _, order := range orders {
			name := fmt.Sprintf("%s ordered by %v", f.Name, order)
			q := fmt.Sprintf(`query($o: %s, $after: Cursor, $before: Cursor, $first: Int, $last: Int) {
				page: %s(orderBy: $o, after: $after, before: $before, first: $first, last: $last) {
					edges { cursor } pageInfo { startCursor endCursor } } }`, orderBy.Type.Name(), f.Name)
			var first struct {
				Page struct {
					Edges    []struct{ Cursor string }
					PageInfo struct{ StartCursor, EndCursor *string }
				}
			}
			env.MustDo(Admin, q, map[string]any{"o": order, "first": 1}, &first)
			if first.Page.PageInfo.EndCursor == nil {
				t.Fatalf("%s: no rows to page through", name)
			}
			for _, vars := range []map[string]any{
				{"o": order, "first": 2, "after": *first.Page.PageInfo.EndCursor},
				{"o": order, "last": 2, "before": *first.Page.PageInfo.EndCursor},
				{"o": order, "last": 2, "after": *first.Page.PageInfo.StartCursor},
			} {
				if r := env.Do(Admin, q, vars); len(r.Errors) > 0 {
					t.Errorf("%s, %v: %+v", name, vars, r.Errors)
				}
				pages++
			}
		}
	}
	if pages < 30 {
		t.Fatalf("paged %d times; every connection of Query with every order should be more", pages)
	}
}

// TestWhereAtItsLimitsRuns checks that filters exactly at the limits run
// and filter (on PostgreSQL too): the limits refuse only what is over.
func TestWhereAtItsLimitsRuns(t *testing.T) {
	env := NewEnv(t)
	w := env.Seed()
	ids := append(manyIDs(graph.MaxWhereList-1), w.ReleasedID)
	for name, where := range map[string]map[string]any{
		"deepest":   nestedNot(graph.MaxWhereDepth - 1), // 4 not: nameNEQ "x"
		"longest":   {"idIn": ids},
		"most":      andTerms(graph.MaxWhereTerms),
		"most ored": orTerms(graph.MaxWhereTerms),
	} {
		var out struct{ Products struct{ TotalCount int } }
		env.MustDo(Anonymous, productsWhereQ, map[string]any{"w": where}, &out)
		want := map[string]int{"deepest": 2, "longest": 1, "most": 0, "most ored": 0}[name]
		if out.Products.TotalCount != want {
			t.Errorf("%s: %d products, want %d", name, out.Products.TotalCount, want)
		}
	}
}

// TestRefusedOverWebSocket checks that the refusals before execution hold
// over the WebSocket transport too: each operation ends with an error of
// its code, and no SQL runs.
func TestRefusedOverWebSocket(t *testing.T) {
	env := NewEnv(t)
	srv := serveTCP(t, env.Handler)
	ws := connect(t, wsURL(srv), "")
	for i, tc := range []struct {
		query string
		vars  map[string]any
		code  string
	}{
		{`{ viewer { ... @defer { role } } }`, nil, "DEFER_NOT_SUPPORTED"},
		{`{ products { edges @stream { node { id } } } }`, nil, "DEFER_NOT_SUPPORTED"},
		{`{ __schema { queryType { name } } }`, nil, "INTROSPECTION_DISABLED"},
		{productsWhereQ, map[string]any{"w": nestedNot(1001)}, "QUERY_TOO_LARGE"},
		{productsAfterQ, map[string]any{"c": forgedCursor(t, map[string]any{"a": 1})}, graph.CodeBadUserInput},
	} {
		id := fmt.Sprint(i + 1)
		var m wsMessage
		statements := env.StatementsOf(func() {
			ws.send("subscribe", id, map[string]any{"query": tc.query, "variables": tc.vars})
			// The complete that may follow the previous operation's error
			// is skipped.
			for m.ID != id {
				var err error
				if m, err = ws.next(10 * time.Second); err != nil {
					t.Fatalf("%s: %v", tc.query, err)
				}
			}
		})
		if code, ok := m.errorCode(id); !ok || code != tc.code {
			t.Errorf("%.60s: answered %s %s, want an error %s", tc.query, m.Type, m.Payload, tc.code)
		}
		if statements != 0 {
			t.Errorf("%.60s: %d SQL statements ran before the refusal", tc.query, statements)
		}
	}
}
