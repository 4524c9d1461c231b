package graph_test

// The bad-input catalogue: each bad request gets the exact safe answer,
// leaks nothing (the harness checks every answer), and changes nothing.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"servicesupport/graph"
)

// refusalBudget is how long the server may take to answer a bad request.
const refusalBudget = 2 * time.Second

// badCase is one bad request and the exact safe answer it must get.
type badCase struct {
	name string

	// The request (see Request). method defaults to POST, target to
	// /graphql, contentType to application/json for POST; as is the persona
	// whose token is sent (authorization, when set, is sent verbatim
	// instead).
	method        string
	target        string
	contentType   string
	accept        string
	as            Persona
	authorization []string
	body          []byte
	// internal: the answer may be INTERNAL (the recover path).
	internal bool
	// noSQL: the request is refused before execution and runs no SQL
	// statement at all.
	noSQL bool

	// The answer.
	status int
	// code is errors[0].extensions.code; "" means the answer has no errors.
	code string
	// allow is the Allow header a 405 must carry.
	allow string
	// noData: the answer carries no data (the entry is absent; with
	// application/json a null entry is accepted too).
	noData bool
	// data, when set, is the exact data the answer carries.
	data string
	// payload and userErrors: the answer carries data whose mutation field
	// payload (selected under the alias "out", as every mutation of the
	// harness) has null objects and exactly these userErrors (code and
	// field; the message is checked to be non-empty, and to contain
	// msgContains).
	payload     string
	userErrors  []UserError
	msgContains []string
}

// request is the case's request.
func (c badCase) request() Request {
	return Request{
		Method: c.method, Target: c.target, ContentType: c.contentType, Accept: c.accept,
		As: c.as, Authorization: c.authorization, Body: c.body, AllowInternal: c.internal,
	}
}

// verify checks an answer against the case's expectations (the harness
// has checked it for leaks).
func (c badCase) verify(t *testing.T, a Answer) {
	t.Helper()
	show := a.show
	if a.Status != c.status {
		t.Errorf("status = %d, want %d (%s)", a.Status, c.status, show())
	}
	if got := a.Code(); got != c.code {
		t.Errorf("errors[0].extensions.code = %q, want %q (%s)", got, c.code, show())
	}
	for i, e := range a.Errors {
		if strings.TrimSpace(e.Message) == "" {
			t.Errorf("errors[%d] has no message", i)
		}
		if _, ok := e.Extensions["code"].(string); !ok {
			t.Errorf("errors[%d] has no extensions.code: %s", i, show())
		}
	}
	if c.allow != "" {
		if got := a.Header.Get("Allow"); got != c.allow {
			t.Errorf("Allow = %q, want %q", got, c.allow)
		}
	}
	if len(a.Body) > 64<<10 {
		t.Errorf("the answer is %d bytes: a bad request must get a short answer", len(a.Body))
	}
	data, hasData := a.Raw["data"]
	if c.accept == MediaGraphQLResponse {
		if ct := a.Header.Get("Content-Type"); !strings.HasPrefix(ct, MediaGraphQLResponse) {
			t.Errorf("Content-Type = %q, want %s", ct, MediaGraphQLResponse)
		}
		if a.Status >= 400 && hasData {
			t.Errorf("a %d answer in %s must not carry data (%s)", a.Status, MediaGraphQLResponse, show())
		}
	}
	switch {
	case c.noData:
		if hasData && string(data) != "null" {
			t.Errorf("the answer carries data: %s", show())
		}
	case c.data != "":
		if !hasData {
			t.Fatalf("the answer has no data: %s", show())
		}
		JSONEq(t, data, c.data)
	case c.payload != "":
		if !bytes.Contains(c.body, []byte("out: "+c.payload+"(")) {
			t.Fatalf("the request does not select %s under the alias out", c.payload)
		}
		var d map[string]map[string]json.RawMessage
		if err := json.Unmarshal(data, &d); err != nil || d["out"] == nil {
			t.Fatalf("the answer has no %s payload: %s", c.payload, show())
		}
		var ues []UserError
		for k, v := range d["out"] {
			if k == "userErrors" {
				if err := json.Unmarshal(v, &ues); err != nil {
					t.Fatalf("userErrors: %v", err)
				}
			} else if string(v) != "null" {
				t.Errorf("%s.%s = %s, want null next to userErrors", c.payload, k, v)
			}
		}
		if len(ues) != len(c.userErrors) {
			t.Fatalf("userErrors = %+v, want %+v", ues, c.userErrors)
		}
		for i, want := range c.userErrors {
			got := ues[i]
			if got.Code != want.Code || !slices.Equal(got.Field, want.Field) {
				t.Errorf("userErrors[%d] = %s %q, want %s %q (%s)", i, got.Code, got.Field, want.Code, want.Field, got.Message)
			}
			if strings.TrimSpace(got.Message) == "" {
				t.Errorf("userErrors[%d] has no message", i)
			}
		}
		for _, s := range c.msgContains {
			if !strings.Contains(string(data), s) {
				t.Errorf("the userErrors do not mention %q: %s", s, data)
			}
		}
	}
}

// nestedQuery is a query whose fields nest depth levels deep.
func nestedQuery(depth int) string {
	cycle := []string{"seller", "products", "edges", "node"}
	var open strings.Builder
	open.WriteString("{ viewer {")
	d := 1
	for i := 0; d < depth; i, d = i+1, d+1 {
		open.WriteString(" " + cycle[i%len(cycle)] + " {")
	}
	return open.String() + " id" + strings.Repeat(" }", depth) + " }"
}

// aliasesQuery is a query with n aliased fields.
func aliasesQuery(n int) string {
	var b strings.Builder
	b.WriteString("{ viewer {")
	for i := range n {
		fmt.Fprintf(&b, " a%d: role", i)
	}
	b.WriteString(" } }")
	return b.String()
}

// rootFieldsQuery is a query with n root fields.
func rootFieldsQuery(n int) string {
	var b strings.Builder
	b.WriteString("{")
	for i := range n {
		fmt.Fprintf(&b, " v%d: viewer { role }", i)
	}
	b.WriteString(" }")
	return b.String()
}

// fragmentBomb is a document whose fragments each spread the next one
// twice: 2^n fields once expanded.
func fragmentBomb(n int) string {
	var b strings.Builder
	b.WriteString("{ viewer { ...F0 } }")
	for i := range n {
		fmt.Fprintf(&b, " fragment F%d on Viewer { role ...F%d ...F%d }", i, i+1, i+1)
	}
	fmt.Fprintf(&b, " fragment F%d on Viewer { role }", n)
	return b.String()
}

// productByIDQ reads a product by ID.
const productByIDQ = `query($id: ID!) { product(id: $id) { id name } }`

// catalogueWorld is the state the catalogue runs against: Seed's world plus
// what the business rules need.
type catalogueWorld struct {
	World
	// NoGroupID is a DRAFT product of the owner without a group.
	NoGroupID string
	// ApprovedReviewID is an already-approved review.
	ApprovedReviewID string
	// SecondGroupID is a second group of the owner, selected by no product.
	SecondGroupID string
	// DraftVersion and SecondGroupVersion are the current versions.
	DraftVersion, SecondGroupVersion int
	// PartTimeGroupID is a group of the owner below the service policy,
	// selected by the DRAFT product PartTimeID.
	PartTimeGroupID, PartTimeID string
	// RemovedID is a REMOVED product of the owner.
	RemovedID string
}

// setUpCatalogue builds the catalogue's world.
func setUpCatalogue(t *testing.T, env *Env) catalogueWorld {
	t.Helper()
	w := catalogueWorld{World: env.Seed()}
	w.NoGroupID = env.CreateProduct(Owner, "Acme Bare", "")
	w.PartTimeGroupID = env.CreateGroup(Owner, GroupInputWith("Acme Part-time", map[string]any{
		"serviceDays": []string{"MONDAY", "TUESDAY", "WEDNESDAY"},
	}))
	w.PartTimeID = env.CreateProduct(Owner, "Acme Part-time Product", w.PartTimeGroupID)
	w.RemovedID = env.CreateProduct(Owner, "Acme Removed", "")
	env.MutateOK(Owner, RemoveM, map[string]any{"id": w.RemovedID})
	w.SecondGroupID = env.CreateGroup(Owner, GroupInput("Acme Weekend"))
	// Globex gets its sixth group, so a seventh is over the limit.
	for i := 2; i <= 6; i++ {
		env.CreateGroup(OtherSeller, GroupInput(fmt.Sprintf("Globex Support %d", i)))
	}
	w.ApprovedReviewID = env.MutateOK(Owner, SubmitBusinessM, map[string]any{"in": map[string]any{
		"contactName": "Alice", "phone": "+86 10 6552 9988", "email": "alice@acme.example",
	}}).Review.ID
	env.Approve(w.ApprovedReviewID)
	// Bump the versions past their first value, so a stale one is real.
	env.MutateOK(Owner, UpdateProductM, map[string]any{"id": w.DraftID, "in": map[string]any{"summary": "Edited once"}})
	env.MutateOK(Owner, UpdateGroupM, map[string]any{"id": w.SecondGroupID, "in": GroupInputWith("Acme Weekend", map[string]any{"phone": "+86 10 6552 9989"})})
	var v struct {
		Draft struct{ Version int } `json:"draft"`
		Group struct{ Version int } `json:"group"`
	}
	env.MustDo(Owner, `query($d: ID!, $g: ID!) { draft: node(id: $d) { ... on Product { version } } group: node(id: $g) { ... on CustomerServiceGroup { version } } }`,
		map[string]any{"d": w.DraftID, "g": w.SecondGroupID}, &v)
	w.DraftVersion, w.SecondGroupVersion = v.Draft.Version, v.Group.Version
	if w.DraftVersion < 2 || w.SecondGroupVersion < 2 {
		t.Fatalf("versions did not move: product %d, group %d", w.DraftVersion, w.SecondGroupVersion)
	}
	return w
}

// catalogueCases is the catalogue.
func catalogueCases(t *testing.T, w catalogueWorld) []badCase {
	t.Helper()
	expired := MintToken(t, Owner, testSecret, time.Now().Add(-2*time.Hour))
	forged := MintToken(t, Admin, []byte("another-secret-of-at-least-32-bytes"), time.Now())
	viewer := GQL(`{ viewer { role } }`, nil)
	productName := func(name string) []byte {
		return GQL(CreateProductM, map[string]any{"in": map[string]any{"name": name}})
	}
	big := func(n int, fill byte) string { return string(bytes.Repeat([]byte{fill}, n)) }

	// A request error (parse, validation, a limit) answers 200 with
	// application/json, the media type a client without Accept gets, as
	// GraphQL over HTTP asks; the cases with application/graphql-response+json
	// answer 4xx.
	cases := []badCase{
		// ---- GraphQL over HTTP ----
		{name: "PUT is not allowed", method: http.MethodPut, body: viewer,
			status: http.StatusMethodNotAllowed, code: graph.CodeBadRequest, allow: "GET, POST", noData: true},
		{name: "DELETE is not allowed", method: http.MethodDelete, body: viewer,
			status: http.StatusMethodNotAllowed, code: graph.CodeBadRequest, allow: "GET, POST", noData: true},
		{name: "mutation over GET", method: http.MethodGet,
			target: GetURL(map[string]string{"query": `mutation { createSeller(input: {accountID: "x", name: "X"}) { seller { id } } }`}),
			as:     Admin, status: http.StatusMethodNotAllowed, code: graph.CodeBadRequest, allow: "POST", noData: true},
		{name: "mutation over GET chosen by operationName", method: http.MethodGet,
			target: GetURL(map[string]string{
				"query":         `query Q { viewer { role } } mutation M { createSeller(input: {accountID: "x", name: "X"}) { seller { id } } }`,
				"operationName": "M",
			}),
			as: Admin, status: http.StatusMethodNotAllowed, code: graph.CodeBadRequest, allow: "POST", noData: true},
		{name: "GET without a query", method: http.MethodGet, target: "/graphql",
			status: http.StatusBadRequest, code: graph.CodeBadRequest, noData: true},
		{name: "GET with variables that are not JSON", method: http.MethodGet,
			target: GetURL(map[string]string{"query": `query($n: Int) { products(first: $n) { totalCount } }`, "variables": "{n: 1"}),
			status: http.StatusBadRequest, code: graph.CodeBadRequest, noData: true},
		{name: "text/plain body", contentType: "text/plain", body: viewer,
			status: http.StatusUnsupportedMediaType, code: graph.CodeBadRequest, noData: true},
		{name: "form post (CSRF)", contentType: "application/x-www-form-urlencoded",
			body: []byte("query=" + url.QueryEscape(`mutation { createSeller(input: {accountID: "csrf", name: "CSRF"}) { seller { id } } }`)),
			as:   Admin, status: http.StatusUnsupportedMediaType, code: graph.CodeBadRequest, noData: true},
		{name: "multipart body", contentType: "multipart/form-data; boundary=x", body: []byte("--x--\r\n"),
			status: http.StatusUnsupportedMediaType, code: graph.CodeBadRequest, noData: true},
		{name: "application/graphql body", contentType: "application/graphql", body: []byte(`{ viewer { role } }`),
			status: http.StatusUnsupportedMediaType, code: graph.CodeBadRequest, noData: true},
		{name: "no Content-Type", contentType: "-", body: viewer,
			status: http.StatusUnsupportedMediaType, code: graph.CodeBadRequest, noData: true},
		{name: "10 MB body", body: []byte(`{"query":"{ viewer { role } }","variables":{"x":"` + big(10<<20, 'a') + `"}}`),
			status: http.StatusRequestEntityTooLarge, code: graph.CodeBadRequest, noData: true},
		{name: "body one byte over 1 MiB", body: append([]byte(`{"query":"{ viewer { role } }"}`), bytes.Repeat([]byte(" "), graph.MaxBodyBytes+1-len(`{"query":"{ viewer { role } }"}`))...),
			status: http.StatusRequestEntityTooLarge, code: graph.CodeBadRequest, noData: true},
		{name: "batched JSON array", body: []byte(`[{"query":"{ viewer { role } }"},{"query":"{ viewer { role } }"}]`),
			status: http.StatusBadRequest, code: graph.CodeBadRequest, noData: true},
		{name: "body that is not JSON", body: []byte(`{"query": "{ viewer { role } }"`),
			status: http.StatusBadRequest, code: graph.CodeBadRequest, noData: true},
		{name: "empty body", body: nil,
			status: http.StatusBadRequest, code: graph.CodeBadRequest, noData: true},
		{name: "query that is not a string", body: []byte(`{"query": 123}`),
			status: http.StatusBadRequest, code: graph.CodeBadRequest, noData: true},
		{name: "query that is not a string, with 200 KB more (no echo)", body: []byte(`{"query": 123, "pad": "` + big(200<<10, 'p') + `"}`),
			status: http.StatusBadRequest, code: graph.CodeBadRequest, noData: true},
		{name: "variables that are not an object", body: []byte(`{"query": "{ viewer { role } }", "variables": [1, 2]}`),
			status: http.StatusBadRequest, code: graph.CodeBadRequest, noData: true},
		{name: "raw NUL byte in the JSON body", body: []byte("{\"query\": \"{ viewer { role } }\x00\"}"),
			status: http.StatusBadRequest, code: graph.CodeBadRequest, noData: true},
		{name: "invalid UTF-8 in the JSON body", as: Owner,
			body:   []byte("{\"query\": " + strconv.Quote(CreateProductM) + ", \"variables\": {\"in\": {\"name\": \"Bad \xff\xfe name\"}}}"),
			status: http.StatusBadRequest, code: graph.CodeBadRequest, noData: true},
		// A body without a query is not a GraphQL request at all.
		{name: "no query", body: []byte(`{}`),
			status: http.StatusBadRequest, code: graph.CodeBadRequest, noData: true},
		{name: "parse error with application/json", body: GQL(`{ viewer { role }`, nil),
			status: http.StatusOK, code: "GRAPHQL_PARSE_FAILED", noData: true},
		{name: "parse error with application/graphql-response+json", accept: MediaGraphQLResponse, body: GQL(`{ viewer { role }`, nil),
			status: http.StatusBadRequest, code: "GRAPHQL_PARSE_FAILED", noData: true},
		{name: "validation error with application/graphql-response+json", accept: MediaGraphQLResponse, body: GQL(`{ viewer { nope } }`, nil),
			status: http.StatusBadRequest, code: "GRAPHQL_VALIDATION_FAILED", noData: true},
		{name: "shape limit with application/graphql-response+json", accept: MediaGraphQLResponse, body: GQL(nestedQuery(50), nil),
			status: http.StatusBadRequest, code: "QUERY_TOO_LARGE", noData: true},
		{name: "complexity limit with application/graphql-response+json", accept: MediaGraphQLResponse,
			body:   GQL(`{ products(first: 100) { edges { node { seller { products(first: 100) { edges { node { id name } } } } } } } }`, nil),
			status: http.StatusBadRequest, code: "COMPLEXITY_LIMIT_EXCEEDED", noData: true},
		{name: "NUL escape in the query text", body: GQL("{ viewer { role } }\x00", nil),
			status: http.StatusOK, code: "GRAPHQL_PARSE_FAILED", noData: true},

		// ---- Authentication ----
		{name: "malformed bearer token", authorization: []string{"Bearer not-a-jwt"}, body: viewer,
			status: http.StatusUnauthorized, code: graph.CodeUnauthenticated, noData: true},
		{name: "expired token", authorization: []string{"Bearer " + expired}, body: viewer,
			status: http.StatusUnauthorized, code: graph.CodeUnauthenticated, noData: true},
		{name: "token signed with another secret", authorization: []string{"Bearer " + forged},
			body:   GQL(CreateSellerM, map[string]any{"in": map[string]any{"accountID": "forged", "name": "Forged"}}),
			status: http.StatusUnauthorized, code: graph.CodeUnauthenticated, noData: true},
		{name: "Basic scheme", authorization: []string{"Basic YWRtaW46YWRtaW4="}, body: viewer,
			status: http.StatusUnauthorized, code: graph.CodeUnauthenticated, noData: true},
		{name: "two Authorization headers", authorization: []string{"Bearer " + Token(t, Admin), "Bearer " + Token(t, Owner)}, body: viewer,
			status: http.StatusUnauthorized, code: graph.CodeUnauthenticated, noData: true},
		{name: "anonymous mutation", body: productName("Sneaky"),
			status: http.StatusOK, code: graph.CodeForbidden, data: `null`},
		{name: "reviewer edits seller data", as: Reviewer, body: productName("Sneaky"),
			status: http.StatusOK, code: graph.CodeForbidden, data: `null`},
		{name: "seller registers a seller", as: Owner,
			body:   GQL(CreateSellerM, map[string]any{"in": map[string]any{"accountID": "evil", "name": "Evil"}}),
			status: http.StatusOK, code: graph.CodeForbidden, data: `null`},

		// ---- Shape and size limits ----
		{name: "depth-50 nesting", body: GQL(nestedQuery(50), nil),
			status: http.StatusOK, code: "QUERY_TOO_LARGE", noData: true},
		{name: "depth 13 nesting", body: GQL(nestedQuery(graph.MaxDepth+1), nil),
			status: http.StatusOK, code: "QUERY_TOO_LARGE", noData: true},
		{name: "100k tokens", body: GQL("{ viewer {"+strings.Repeat(" role", 100_000)+" } }", nil),
			status: http.StatusOK, code: "GRAPHQL_PARSE_FAILED", noData: true},
		{name: "1,000 aliases", body: GQL(aliasesQuery(1000), nil),
			status: http.StatusOK, code: "QUERY_TOO_LARGE", noData: true},
		{name: "31 aliases", body: GQL(aliasesQuery(graph.MaxAliases+1), nil),
			status: http.StatusOK, code: "QUERY_TOO_LARGE", noData: true},
		{name: "11 root fields", body: GQL(rootFieldsQuery(graph.MaxRootFields+1), nil),
			status: http.StatusOK, code: "QUERY_TOO_LARGE", noData: true},
		{name: "2,001 fields", body: GQL("{ viewer {"+strings.Repeat(" role", graph.MaxFields)+" } }", nil),
			status: http.StatusOK, code: "QUERY_TOO_LARGE", noData: true},
		{name: "7,000 fields under the token limit (quadratic validation)", body: GQL("{ viewer {"+strings.Repeat(" role", 7000)+" } }", nil),
			status: http.StatusOK, code: "QUERY_TOO_LARGE", noData: true},
		{name: "100k directives", body: GQL("{ viewer { role"+strings.Repeat(" @skip", 100_000)+" } }", nil),
			status: http.StatusOK, code: "GRAPHQL_PARSE_FAILED", noData: true},
		{name: "2,000 repeated directives under the token limit", body: GQL("{ viewer { role"+strings.Repeat(" @include(if: true)", 2000)+" } }", nil),
			status: http.StatusOK, code: "GRAPHQL_VALIDATION_FAILED", noData: true},
		{name: "circular fragments", body: GQL(`{ viewer { ...A } } fragment A on Viewer { role ...B } fragment B on Viewer { subject ...A }`, nil),
			status: http.StatusOK, code: "GRAPHQL_VALIDATION_FAILED", noData: true},
		{name: "fragment fan-out bomb (2^22 fields in 1 KB)", body: GQL(fragmentBomb(22), nil),
			status: http.StatusOK, code: "QUERY_TOO_LARGE", noData: true},
		{name: "first: 1000000", body: GQL(`{ products(first: 1000000) { totalCount } }`, nil),
			status: http.StatusOK, code: graph.CodeBadUserInput, noData: true},
		{name: "first: 1000000 in a variable", body: GQL(`query($n: Int) { products(first: $n) { totalCount } }`, map[string]any{"n": 1000000}),
			status: http.StatusOK, code: graph.CodeBadUserInput, noData: true},
		{name: "last: 101 nested", as: Owner, body: GQL(`{ viewer { seller { products(last: 101) { totalCount } } } }`, nil),
			status: http.StatusOK, code: graph.CodeBadUserInput, noData: true},
		{name: "first: -1", body: GQL(`{ products(first: -1) { totalCount } }`, nil),
			status: http.StatusOK, code: graph.CodeBadUserInput, noData: true},
		{name: "complexity over the limit", body: GQL(`{ products(first: 100) { edges { node { seller { products(first: 100) { edges { node { id name } } } } } } } }`, nil),
			status: http.StatusOK, code: "COMPLEXITY_LIMIT_EXCEEDED", noData: true},
		{name: "unknown operationName", body: GQLOp(`query A { viewer { role } }`, "B"),
			status: http.StatusOK, code: "GRAPHQL_VALIDATION_FAILED", noData: true},
		{name: "several operations without operationName", body: GQL(`query A { viewer { role } } query B { viewer { subject } }`, nil),
			status: http.StatusOK, code: "GRAPHQL_VALIDATION_FAILED", noData: true},
		{name: "APQ hash that does not match its query",
			body: JSONBody(map[string]any{"query": `{ viewer { role } }`, "extensions": map[string]any{
				"persistedQuery": map[string]any{"version": 1, "sha256Hash": strings.Repeat("0", 64)},
			}}),
			status: http.StatusOK, code: "PERSISTED_QUERY_INVALID", noData: true},
		{name: "APQ hash alone after the mismatch was refused (not stored)",
			body: JSONBody(map[string]any{"extensions": map[string]any{
				"persistedQuery": map[string]any{"version": 1, "sha256Hash": strings.Repeat("0", 64)},
			}}),
			status: http.StatusOK, code: "PERSISTED_QUERY_NOT_FOUND", noData: true},
		{name: "APQ version 2",
			body: JSONBody(map[string]any{"query": `{ viewer { role } }`, "extensions": map[string]any{
				"persistedQuery": map[string]any{"version": 2, "sha256Hash": SHA256Hex(`{ viewer { role } }`)},
			}}),
			status: http.StatusOK, code: "PERSISTED_QUERY_INVALID", noData: true},
		{name: "APQ extension that is not an object",
			body:   JSONBody(map[string]any{"query": `{ viewer { role } }`, "extensions": map[string]any{"persistedQuery": "yes"}}),
			status: http.StatusOK, code: "PERSISTED_QUERY_INVALID", noData: true},
		{name: "invalid UTF-8 in a GET query", method: http.MethodGet, target: "/graphql?query=%7B%20viewer%20%7B%20role%20%7D%20%7D%20%23%FF%FE",
			status: http.StatusBadRequest, code: graph.CodeBadRequest, noData: true},

		// ---- IDs ----
		{name: "negative ID", body: GQL(productByIDQ, map[string]any{"id": "-5"}),
			status: http.StatusOK, code: graph.CodeBadUserInput, data: `{"product":null}`},
		{name: "huge ID", body: GQL(productByIDQ, map[string]any{"id": "99999999999999999999999"}),
			status: http.StatusOK, code: graph.CodeBadUserInput, data: `{"product":null}`},
		{name: "largest int64 ID", body: GQL(productByIDQ, map[string]any{"id": "9223372036854775807"}),
			status: http.StatusOK, data: `{"product":null}`},
		{name: "SQL in an ID", body: GQL(productByIDQ, map[string]any{"id": "1' OR '1'='1"}),
			status: http.StatusOK, code: graph.CodeBadUserInput, data: `{"product":null}`},
		{name: "ID as a JSON boolean", body: GQL(productByIDQ, map[string]any{"id": true}),
			status: http.StatusOK, code: "GRAPHQL_VALIDATION_FAILED", noData: true},
		{name: "ID as a JSON object", body: GQL(productByIDQ, map[string]any{"id": map[string]any{"id": 1}}),
			status: http.StatusOK, code: "GRAPHQL_VALIDATION_FAILED", noData: true},
		{name: "foreign ID: another seller's draft by node", as: OtherSeller,
			body:   GQL(`query($id: ID!) { node(id: $id) { id ... on Product { name } } }`, map[string]any{"id": w.DraftID}),
			status: http.StatusOK, data: `{"node":null}`},
		{name: "foreign ID: update another seller's product", as: Owner,
			body:   GQL(UpdateProductM, map[string]any{"id": w.OtherReleasedID, "in": map[string]any{"afterSalesGroupID": w.GroupID}}),
			status: http.StatusOK, payload: "updateProduct", userErrors: []UserError{UE("NOT_FOUND", "id")}},
		{name: "foreign ID: another seller's group in an input", as: Owner,
			body:   GQL(CreateProductM, map[string]any{"in": map[string]any{"name": "Borrowed", "afterSalesGroupID": w.OtherGroupID}}),
			status: http.StatusOK, payload: "createProduct", userErrors: []UserError{UE("NOT_FOUND", "input", "afterSalesGroupID")}},
		{name: "ID of the wrong type: a group as a product", as: Owner,
			body:   GQL(UpdateProductM, map[string]any{"id": w.GroupID, "in": map[string]any{"name": "Renamed"}}),
			status: http.StatusOK, payload: "updateProduct", userErrors: []UserError{UE("NOT_FOUND", "id")}},
		{name: "ID of the wrong type: a product as a group", as: Owner,
			body:   GQL(CreateProductM, map[string]any{"in": map[string]any{"name": "Odd", "afterSalesGroupID": w.ReleasedID}}),
			status: http.StatusOK, payload: "createProduct", userErrors: []UserError{UE("NOT_FOUND", "input", "afterSalesGroupID")}},
		{name: "ID of the wrong type: a product by product(id:) with a group ID", as: Owner,
			body:   GQL(productByIDQ, map[string]any{"id": w.GroupID}),
			status: http.StatusOK, data: `{"product":null}`},

		// ---- Variables ----
		{name: "Int variable given a string", body: GQL(`query($n: Int) { products(first: $n) { totalCount } }`, map[string]any{"n": "ten"}),
			status: http.StatusOK, code: "GRAPHQL_VALIDATION_FAILED", noData: true},
		{name: "Int variable given a float", body: GQL(`query($n: Int) { products(first: $n) { totalCount } }`, map[string]any{"n": 1.5}),
			status: http.StatusOK, code: "GRAPHQL_VALIDATION_FAILED", noData: true},
		{name: "missing required variable", as: Owner, body: GQL(CreateProductM, nil),
			status: http.StatusOK, code: "GRAPHQL_VALIDATION_FAILED", noData: true},
		{name: "null for a non-null input field", as: Owner, body: GQL(CreateProductM, map[string]any{"in": map[string]any{"name": nil}}),
			status: http.StatusOK, code: "GRAPHQL_VALIDATION_FAILED", noData: true},
		{name: "unknown input field", as: Owner, body: GQL(CreateProductM, map[string]any{"in": map[string]any{"name": "X", "status": "RELEASED"}}),
			status: http.StatusOK, code: "GRAPHQL_VALIDATION_FAILED", noData: true},
		{name: "unknown enum value", as: Owner,
			body:   GQL(CreateGroupM, map[string]any{"in": GroupInputWith("Funday", map[string]any{"serviceDays": []string{"FUNDAY"}})}),
			status: http.StatusOK, code: "GRAPHQL_VALIDATION_FAILED", noData: true},
		{name: "list variable given a string", as: Owner,
			body:   GQL(CreateGroupM, map[string]any{"in": GroupInputWith("Stringy", map[string]any{"serviceHours": "09:00-18:00"})}),
			status: http.StatusOK, code: "GRAPHQL_VALIDATION_FAILED", noData: true},

		// ---- Input rules of the design (userErrors; nothing changes) ----
		{name: "1 MB string", as: Owner, body: productName(big(1_000_000, 'a')),
			status: http.StatusOK, payload: "createProduct", userErrors: []UserError{UE("TOO_LONG", "input", "name")}},
		{name: "name of 65 characters", as: Owner, body: productName(strings.Repeat("é", 65)),
			status: http.StatusOK, payload: "createProduct", userErrors: []UserError{UE("TOO_LONG", "input", "name")}},
		{name: "blank name (trimmed first)", as: Owner, body: productName(" \t\n "),
			status: http.StatusOK, payload: "createProduct", userErrors: []UserError{UE("REQUIRED", "input", "name")}},
		{name: "NUL in a name", as: Owner, body: productName("Acme\x00Compute"),
			status: http.StatusOK, payload: "createProduct", userErrors: []UserError{UE("INVALID", "input", "name")}},
		{name: "control character in a name", as: Owner, body: productName("Acme\u0007Bell"),
			status: http.StatusOK, payload: "createProduct", userErrors: []UserError{UE("INVALID", "input", "name")}},
		{name: "C1 control character in a name", as: Owner, body: productName("Acme\u0085Next"),
			status: http.StatusOK, payload: "createProduct", userErrors: []UserError{UE("INVALID", "input", "name")}},
		{name: "summary of 1001 characters", as: Owner,
			body:   GQL(CreateProductM, map[string]any{"in": map[string]any{"name": "Long", "summary": strings.Repeat("s", 1001)}}),
			status: http.StatusOK, payload: "createProduct", userErrors: []UserError{UE("TOO_LONG", "input", "summary")}},
		{name: "updateProduct with a blank name", as: Owner,
			body:   GQL(UpdateProductM, map[string]any{"id": w.DraftID, "in": map[string]any{"name": "  "}}),
			status: http.StatusOK, payload: "updateProduct", userErrors: []UserError{UE("REQUIRED", "input", "name")}},
		{name: "updateProduct with a stale version", as: Owner,
			body:   GQL(UpdateProductM, map[string]any{"id": w.DraftID, "in": map[string]any{"name": "Overwrite", "expectedVersion": w.DraftVersion - 1}}),
			status: http.StatusOK, payload: "updateProduct", userErrors: []UserError{UE("CONFLICT", "input", "expectedVersion")}},
		{name: "updateProduct renames a RELEASED product", as: Owner,
			body:   GQL(UpdateProductM, map[string]any{"id": w.ReleasedID, "in": map[string]any{"name": "Renamed"}}),
			status: http.StatusOK, payload: "updateProduct", userErrors: []UserError{UE("PRECONDITION_FAILED", "input", "name")}},
		{name: "release without a group", as: Owner, body: GQL(SubmitReleaseM, map[string]any{"id": w.NoGroupID}),
			status: http.StatusOK, payload: "submitProductRelease", userErrors: []UserError{UE("PRECONDITION_FAILED", "id")},
			msgContains: []string{"select an after-sales customer service group"}},
		{name: "release of a RELEASED product", as: Owner, body: GQL(SubmitReleaseM, map[string]any{"id": w.ReleasedID}),
			status: http.StatusOK, payload: "submitProductRelease", userErrors: []UserError{UE("PRECONDITION_FAILED", "id")}},
		{name: "release with a group below the service policy", as: Owner, body: GQL(SubmitReleaseM, map[string]any{"id": w.PartTimeID}),
			status: http.StatusOK, payload: "submitProductRelease", userErrors: []UserError{UE("PRECONDITION_FAILED", "id")},
			msgContains: []string{"Acme Part-time", "8 hours a day"}},
		{name: "RELEASED product moved to a group below the service policy", as: Owner,
			body:   GQL(UpdateProductM, map[string]any{"id": w.ReleasedID, "in": map[string]any{"afterSalesGroupID": w.PartTimeGroupID}}),
			status: http.StatusOK, payload: "updateProduct", userErrors: []UserError{UE("PRECONDITION_FAILED", "input", "afterSalesGroupID")}},
		{name: "updateProduct of a REMOVED product", as: Owner,
			body:   GQL(UpdateProductM, map[string]any{"id": w.RemovedID, "in": map[string]any{"name": "Back from the dead"}}),
			status: http.StatusOK, payload: "updateProduct", userErrors: []UserError{UE("PRECONDITION_FAILED", "id")}},
		{name: "withdraw another seller's review", as: OtherSeller,
			body:   GQL(WithdrawM, map[string]any{"id": w.PendingReviewID}),
			status: http.StatusOK, payload: "withdrawReview", userErrors: []UserError{UE("NOT_FOUND", "id")}},
		{name: "seller token whose account has no seller", as: SellerOf("nobody"), body: productName("Orphan"),
			status: http.StatusOK, code: graph.CodeForbidden, data: `null`},
		{name: "accountID of 129 characters", as: Admin,
			body:   GQL(CreateSellerM, map[string]any{"in": map[string]any{"accountID": strings.Repeat("a", 129), "name": "Long Account"}}),
			status: http.StatusOK, payload: "createSeller", userErrors: []UserError{UE("TOO_LONG", "input", "accountID")}},
		{name: "invalid phone", as: Owner,
			body:   GQL(SubmitBusinessM, map[string]any{"in": map[string]any{"contactName": "Alice", "phone": "12345", "email": "alice@acme.example"}}),
			status: http.StatusOK, payload: "submitBusinessContact", userErrors: []UserError{UE("INVALID", "input", "phone")}},
		{name: "phone with letters", as: Owner,
			body:   GQL(SubmitBusinessM, map[string]any{"in": map[string]any{"contactName": "Alice", "phone": "+1 800 FLOWERS", "email": "alice@acme.example"}}),
			status: http.StatusOK, payload: "submitBusinessContact", userErrors: []UserError{UE("INVALID", "input", "phone")}},
		{name: "every contact field wrong at once", as: Owner,
			body:   GQL(SubmitBusinessM, map[string]any{"in": map[string]any{"contactName": "", "phone": " ", "email": "Alice <alice@acme.example>"}}),
			status: http.StatusOK, payload: "submitBusinessContact", userErrors: []UserError{
				UE("REQUIRED", "input", "contactName"), UE("REQUIRED", "input", "phone"), UE("INVALID", "input", "email"),
			}},
		{name: "email without a dot in the domain", as: Owner,
			body:   GQL(SubmitPreSalesM, map[string]any{"in": map[string]any{"phone": "+86 10 6552 9988", "email": "sales@localhost", "contactAddress": "1 Road"}}),
			status: http.StatusOK, payload: "submitPreSalesInfo", userErrors: []UserError{UE("INVALID", "input", "email")}},
		{name: "email of 255 characters", as: Owner,
			body:   GQL(SubmitPreSalesM, map[string]any{"in": map[string]any{"phone": "+86 10 6552 9988", "email": strings.Repeat("a", 243) + "@example.com", "contactAddress": "1 Road"}}),
			status: http.StatusOK, payload: "submitPreSalesInfo", userErrors: []UserError{UE("TOO_LONG", "input", "email")}},
		{name: "two email addresses", as: Owner,
			body:   GQL(SubmitPreSalesM, map[string]any{"in": map[string]any{"phone": "+86 10 6552 9988", "email": "a@example.com, b@example.com", "contactAddress": "1 Road"}}),
			status: http.StatusOK, payload: "submitPreSalesInfo", userErrors: []UserError{UE("INVALID", "input", "email")}},
		{name: "contact address of 257 characters", as: Owner,
			body:   GQL(SubmitPreSalesM, map[string]any{"in": map[string]any{"phone": "+86 10 6552 9988", "email": "sales@acme.example", "contactAddress": strings.Repeat("x", 257)}}),
			status: http.StatusOK, payload: "submitPreSalesInfo", userErrors: []UserError{UE("TOO_LONG", "input", "contactAddress")}},
		{name: "blank contact address", as: Owner,
			body:   GQL(SubmitPreSalesM, map[string]any{"in": map[string]any{"phone": "+86 10 6552 9988", "email": "sales@acme.example", "contactAddress": "   "}}),
			status: http.StatusOK, payload: "submitPreSalesInfo", userErrors: []UserError{UE("REQUIRED", "input", "contactAddress")}},
		{name: "no service days", as: Owner,
			body:   GQL(CreateGroupM, map[string]any{"in": GroupInputWith("No Days", map[string]any{"serviceDays": []string{}})}),
			status: http.StatusOK, payload: "createCustomerServiceGroup", userErrors: []UserError{UE("REQUIRED", "input", "serviceDays")}},
		{name: "duplicate service day", as: Owner,
			body:   GQL(CreateGroupM, map[string]any{"in": GroupInputWith("Twice Monday", map[string]any{"serviceDays": []string{"MONDAY", "MONDAY"}})}),
			status: http.StatusOK, payload: "createCustomerServiceGroup", userErrors: []UserError{UE("INVALID", "input", "serviceDays", "1")}},
		{name: "no service hours", as: Owner,
			body:   GQL(CreateGroupM, map[string]any{"in": GroupInputWith("No Hours", map[string]any{"serviceHours": Hours()})}),
			status: http.StatusOK, payload: "createCustomerServiceGroup", userErrors: []UserError{UE("REQUIRED", "input", "serviceHours")}},
		{name: "five service hour ranges", as: Owner,
			body:   GQL(CreateGroupM, map[string]any{"in": GroupInputWith("Five Ranges", map[string]any{"serviceHours": Hours("01:00", "02:00", "03:00", "04:00", "05:00", "06:00", "07:00", "08:00", "09:00", "10:00")})}),
			status: http.StatusOK, payload: "createCustomerServiceGroup", userErrors: []UserError{UE("INVALID", "input", "serviceHours")}},
		{name: "end before start", as: Owner,
			body:   GQL(CreateGroupM, map[string]any{"in": GroupInputWith("Backwards", map[string]any{"serviceHours": Hours("18:00", "09:00")})}),
			status: http.StatusOK, payload: "createCustomerServiceGroup", userErrors: []UserError{UE("INVALID", "input", "serviceHours", "0", "end")}},
		{name: "start at 24:00", as: Owner,
			body:   GQL(CreateGroupM, map[string]any{"in": GroupInputWith("Midnight", map[string]any{"serviceHours": Hours("24:00", "24:00")})}),
			status: http.StatusOK, payload: "createCustomerServiceGroup", userErrors: []UserError{UE("INVALID", "input", "serviceHours", "0", "start")}},
		{name: "25:00", as: Owner,
			body:   GQL(CreateGroupM, map[string]any{"in": GroupInputWith("Late", map[string]any{"serviceHours": Hours("09:00", "25:00")})}),
			status: http.StatusOK, payload: "createCustomerServiceGroup", userErrors: []UserError{UE("INVALID", "input", "serviceHours", "0", "end")}},
		{name: "time not HH:MM", as: Owner,
			body:   GQL(CreateGroupM, map[string]any{"in": GroupInputWith("Sloppy", map[string]any{"serviceHours": Hours("9", "18:00")})}),
			status: http.StatusOK, payload: "createCustomerServiceGroup", userErrors: []UserError{UE("INVALID", "input", "serviceHours", "0", "start")}},
		{name: "unsorted service hours", as: Owner,
			body:   GQL(CreateGroupM, map[string]any{"in": GroupInputWith("Unsorted", map[string]any{"serviceHours": Hours("14:00", "18:00", "09:00", "12:00")})}),
			status: http.StatusOK, payload: "createCustomerServiceGroup", userErrors: []UserError{UE("INVALID", "input", "serviceHours", "1", "start")}},
		{name: "overlapping service hours", as: Owner,
			body:   GQL(CreateGroupM, map[string]any{"in": GroupInputWith("Overlap", map[string]any{"serviceHours": Hours("09:00", "13:00", "12:00", "18:00")})}),
			status: http.StatusOK, payload: "createCustomerServiceGroup", userErrors: []UserError{UE("INVALID", "input", "serviceHours", "1", "start")}},
		{name: "unknown time zone", as: Owner,
			body:   GQL(CreateGroupM, map[string]any{"in": GroupInputWith("Mars", map[string]any{"timeZone": "Mars/Olympus_Mons"})}),
			status: http.StatusOK, payload: "createCustomerServiceGroup", userErrors: []UserError{UE("INVALID", "input", "timeZone")}},
		{name: "time zone Local", as: Owner,
			body:   GQL(CreateGroupM, map[string]any{"in": GroupInputWith("Local", map[string]any{"timeZone": "Local"})}),
			status: http.StatusOK, payload: "createCustomerServiceGroup", userErrors: []UserError{UE("INVALID", "input", "timeZone")}},
		{name: "time zone path traversal", as: Owner,
			body:   GQL(CreateGroupM, map[string]any{"in": GroupInputWith("Traversal", map[string]any{"timeZone": "../../../../etc/passwd"})}),
			status: http.StatusOK, payload: "createCustomerServiceGroup", userErrors: []UserError{UE("INVALID", "input", "timeZone")}},
		{name: "group name taken, other case", as: Owner,
			body:   GQL(CreateGroupM, map[string]any{"in": GroupInput("ACME support")}),
			status: http.StatusOK, payload: "createCustomerServiceGroup", userErrors: []UserError{UE("CONFLICT", "input", "name")}},
		{name: "seventh group", as: OtherSeller,
			body:   GQL(CreateGroupM, map[string]any{"in": GroupInput("Globex Support 7")}),
			status: http.StatusOK, payload: "createCustomerServiceGroup", userErrors: []UserError{UE("LIMIT_EXCEEDED")}},
		{name: "updateCustomerServiceGroup with a stale version", as: Owner,
			body:   GQL(UpdateGroupM, map[string]any{"id": w.SecondGroupID, "in": GroupInputWith("Acme Weekend", map[string]any{"expectedVersion": w.SecondGroupVersion - 1})}),
			status: http.StatusOK, payload: "updateCustomerServiceGroup", userErrors: []UserError{UE("CONFLICT", "input", "expectedVersion")}},
		{name: "updateCustomerServiceGroup takes a taken name", as: Owner,
			body:   GQL(UpdateGroupM, map[string]any{"id": w.SecondGroupID, "in": GroupInput("acme SUPPORT")}),
			status: http.StatusOK, payload: "updateCustomerServiceGroup", userErrors: []UserError{UE("CONFLICT", "input", "name")}},
		{name: "delete a group in use", as: Owner, body: GQL(DeleteGroupM, map[string]any{"id": w.GroupID}),
			status: http.StatusOK, payload: "deleteCustomerServiceGroup", userErrors: []UserError{UE("IN_USE", "id")},
			msgContains: []string{"Acme Compute", "Acme Draft"}},
		{name: "duplicate accountID", as: Admin,
			body:   GQL(CreateSellerM, map[string]any{"in": map[string]any{"accountID": "acme", "name": "Acme Again"}}),
			status: http.StatusOK, payload: "createSeller", userErrors: []UserError{UE("CONFLICT", "input", "accountID")}},
		{name: "seller name with a tab", as: Admin,
			body:   GQL(CreateSellerM, map[string]any{"in": map[string]any{"accountID": "tabby", "name": "Tab\tby"}}),
			status: http.StatusOK, payload: "createSeller", userErrors: []UserError{UE("INVALID", "input", "name")}},
		{name: "approve a review that is not pending", as: Reviewer, body: GQL(ApproveM, map[string]any{"id": w.ApprovedReviewID}),
			status: http.StatusOK, payload: "approveReview", userErrors: []UserError{UE("PRECONDITION_FAILED", "id")}},
		{name: "approve with a comment of 1001 characters", as: Reviewer,
			body:   GQL(ApproveM, map[string]any{"id": w.PendingReviewID, "comment": strings.Repeat("c", 1001)}),
			status: http.StatusOK, payload: "approveReview", userErrors: []UserError{UE("TOO_LONG", "comment")}},
		{name: "reject without a reason", as: Reviewer, body: GQL(RejectM, map[string]any{"id": w.PendingReviewID, "reason": " "}),
			status: http.StatusOK, payload: "rejectReview", userErrors: []UserError{UE("REQUIRED", "reason")}},
		{name: "reject with a reason of 1001 characters", as: Reviewer,
			body:   GQL(RejectM, map[string]any{"id": w.PendingReviewID, "reason": strings.Repeat("r", 1001)}),
			status: http.StatusOK, payload: "rejectReview", userErrors: []UserError{UE("TOO_LONG", "reason")}},
	}
	return append(cases, refusalCases(t)...)
}

// TestBadInputCatalogue sends each bad request to the real handler and
// checks the exact safe answer, that no internal detail leaks, and that
// nothing in the database changed.
func TestBadInputCatalogue(t *testing.T) {
	env := NewEnv(t)
	w := setUpCatalogue(t, env)
	cases := catalogueCases(t, w)
	if len(cases) < 45 {
		t.Fatalf("the catalogue has %d cases; the issue asks for at least 45", len(cases))
	}
	t.Logf("%d bad requests", len(cases))
	seen := map[string]bool{}
	for _, c := range cases {
		if seen[c.name] {
			t.Fatalf("duplicate case name %q", c.name)
		}
		seen[c.name] = true
		t.Run(c.name, func(t *testing.T) {
			env := env.For(t)
			before := env.Snapshot()
			start := time.Now()
			var a Answer
			statements := env.StatementsOf(func() { a = env.Send(c.request()) })
			if d := time.Since(start); d > refusalBudget {
				t.Errorf("the answer took %v; a bad request must be refused within %v", d, refusalBudget)
			}
			c.verify(t, a)
			if c.noSQL && statements != 0 {
				t.Errorf("%d SQL statements ran; the request must be refused before execution, with none", statements)
			}
			env.Unchanged(before)
		})
	}
	// The server goes on answering.
	r := env.Do(Anonymous, `{ viewer { role } }`, nil)
	JSONEq(t, r.Data, `{"viewer":{"role":"ANONYMOUS"}}`)
}

// TestSQLMetacharactersStoredLiterally stores names full of SQL and LIKE
// metacharacters and reads them back exactly, also through where filters.
func TestSQLMetacharactersStoredLiterally(t *testing.T) {
	env := NewEnv(t)
	names := []string{
		`Robert'); DROP TABLE products;--`,
		`%_\`,
		`" OR ""="`,
		`1; DELETE FROM sellers WHERE 1=1`,
		`a%b_c\d'e"f`,
		`名前 '%' ☃`,
	}
	ids := map[string]string{}
	for _, n := range names {
		ids[n] = env.CreateProduct(Owner, n, "")
	}
	var gid string
	{
		gid = env.CreateGroup(Owner, GroupInput(`Grp'); DROP TABLE customer_service_groups;--`))
	}
	// Each reads back exactly, by ID.
	for _, n := range names {
		var out struct{ Product struct{ Name string } }
		env.MustDo(Owner, productByIDQ, map[string]any{"id": ids[n]}, &out)
		if out.Product.Name != n {
			t.Errorf("stored %q, read back %q", n, out.Product.Name)
		}
	}
	// Filters treat them literally: an exact match finds one product, and
	// a LIKE-style pattern matches only names that contain it literally.
	for _, n := range names {
		var out struct {
			Viewer struct {
				Seller struct {
					Products struct {
						TotalCount int
						Edges      []struct{ Node struct{ Name string } }
					}
				}
			}
		}
		env.MustDo(Owner, `query($n: String!) { products(where: {name: $n}) { totalCount } viewer { seller { products(first: 100) { totalCount edges { node { name } } } } } }`,
			map[string]any{"n": n}, &out)
		var exact struct {
			Products struct {
				TotalCount int
				Edges      []struct{ Node struct{ Name string } }
			}
		}
		env.MustDo(Owner, `query($n: String!) { products(where: {name: $n}) { totalCount edges { node { name } } } }`, map[string]any{"n": n}, &exact)
		if exact.Products.TotalCount != 1 || len(exact.Products.Edges) != 1 || exact.Products.Edges[0].Node.Name != n {
			t.Errorf("where name = %q: %+v", n, exact.Products)
		}
		if out.Viewer.Seller.Products.TotalCount != len(names) {
			t.Errorf("the seller has %d products, want %d", out.Viewer.Seller.Products.TotalCount, len(names))
		}
	}
	var contains struct {
		Products struct {
			TotalCount int
			Edges      []struct{ Node struct{ Name string } }
		}
	}
	env.MustDo(Owner, `{ products(where: {nameContains: "%_\\"}) { totalCount edges { node { name } } } }`, nil, &contains)
	if contains.Products.TotalCount != 1 || contains.Products.Edges[0].Node.Name != `%_\` {
		t.Errorf(`nameContains "%%_\": %+v`, contains.Products)
	}
	env.MustDo(Owner, `{ products(where: {nameContains: "_"}) { totalCount edges { node { name } } } }`, nil, &contains)
	for _, e := range contains.Products.Edges {
		if !strings.Contains(e.Node.Name, "_") {
			t.Errorf(`nameContains "_" matched %q: "_" was a wildcard`, e.Node.Name)
		}
	}
	var g struct {
		Node struct{ Name string }
	}
	env.MustDo(Owner, `query($id: ID!) { node(id: $id) { ... on CustomerServiceGroup { name } } }`, map[string]any{"id": gid}, &g)
	if g.Node.Name != `Grp'); DROP TABLE customer_service_groups;--` {
		t.Errorf("group name read back %q", g.Node.Name)
	}
	// The tables are all still there, with what was stored.
	ctx := Sys()
	if n := env.Client.Product.Query().CountX(ctx); n != len(names) {
		t.Errorf("%d products stored, want %d", n, len(names))
	}
	if n := env.Client.Seller.Query().CountX(ctx); n != 2 {
		t.Errorf("%d sellers, want 2", n)
	}
	if n := env.Client.CustomerServiceGroup.Query().CountX(ctx); n != 1 {
		t.Errorf("%d groups, want 1", n)
	}
}

// panickyDriver panics on the statements of a request while armed.
type panickyDriver struct {
	dialect.Driver
	armed *atomic.Bool
}

func (d panickyDriver) Query(ctx context.Context, q string, args, v any) error {
	if d.armed.Load() {
		panic("boom: SELECT secret FROM sqlite_master at resolver.go:42")
	}
	return d.Driver.Query(ctx, q, args, v)
}

func (d panickyDriver) Exec(ctx context.Context, q string, args, v any) error {
	if d.armed.Load() {
		panic("boom: INSERT INTO products at resolver.go:42")
	}
	return d.Driver.Exec(ctx, q, args, v)
}

func (d panickyDriver) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := d.Driver.Tx(ctx)
	if err != nil {
		return nil, err
	}
	return panickyTx{Tx: tx, armed: d.armed}, nil
}

// panickyTx panics on statements inside transactions while armed.
type panickyTx struct {
	dialect.Tx
	armed *atomic.Bool
}

func (t panickyTx) Query(ctx context.Context, q string, args, v any) error {
	if t.armed.Load() {
		panic("boom: SELECT in tx at resolver.go:42")
	}
	return t.Tx.Query(ctx, q, args, v)
}

func (t panickyTx) Exec(ctx context.Context, q string, args, v any) error {
	if t.armed.Load() {
		panic("boom: INSERT in tx at resolver.go:42")
	}
	return t.Tx.Exec(ctx, q, args, v)
}

// TestPanicInResolverAnswersInternal makes the database driver panic under
// a resolver (the only way to make a resolver of the real schema panic
// without changing it) and checks that graph.NewHandler's recover path
// answers INTERNAL with no stack trace or panic text, changes nothing, and
// that the server goes on.
func TestPanicInResolverAnswersInternal(t *testing.T) {
	var armed atomic.Bool
	// The two sellers of the harness are created while the driver is
	// disarmed: the server works with it.
	env := NewEnv(t, WithLogs(), WithDriver(func(d dialect.Driver) dialect.Driver { return panickyDriver{Driver: d, armed: &armed} }))

	for _, c := range []badCase{
		{name: "query", body: GQL(`query($id: ID!) { product(id: $id) { name } }`, map[string]any{"id": "1"}), internal: true,
			status: http.StatusOK, code: graph.CodeInternal, data: `{"product":null}`},
		{name: "mutation in a transaction", as: Admin, internal: true,
			body:   GQL(CreateSellerM, map[string]any{"in": map[string]any{"accountID": "initech", "name": "Initech"}}),
			status: http.StatusOK, code: graph.CodeInternal, data: `null`},
	} {
		t.Run(c.name, func(t *testing.T) {
			env := env.For(t)
			before := env.Snapshot()
			armed.Store(true)
			a := func() Answer {
				defer armed.Store(false)
				return env.Send(c.request())
			}()
			c.verify(t, a)
			if a.Code() == graph.CodeInternal && a.Errors[0].Message != "internal error" {
				t.Errorf("message = %q, want %q", a.Errors[0].Message, "internal error")
			}
			env.Unchanged(before)
			// The server goes on.
			again := env.Send(Request{As: Admin, Body: GQL(`{ sellers { totalCount } }`, nil)})
			if again.Status != http.StatusOK || len(again.Errors) > 0 {
				t.Fatalf("after the panic: %d %s", again.Status, again.Body)
			}
			JSONEq(t, again.Raw["data"], `{"sellers":{"totalCount":2}}`)
		})
	}
	if !strings.Contains(env.Logs.String(), "panic") {
		t.Errorf("the panic was not logged: %s", env.Logs.String())
	}
}
