package graph_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"servicesupport/auth"
	"servicesupport/database"
	"servicesupport/ent"
	"servicesupport/graph"
	"servicesupport/policy"
)

// Media types of GraphQL over HTTP.
const (
	badMediaJSON        = "application/json"
	badMediaGraphQLResp = "application/graphql-response+json"
)

// badLeakMarkers must never appear in a response body: SQL text, driver names,
// stack traces.
var badLeakMarkers = []string{"SELECT", "sqlite", "SQLITE", "goroutine", ".go:", "panic"}

// badTimeBudget is how long the server may take to answer a bad request.
const badTimeBudget = 2 * time.Second

// badCase is one bad request and the exact safe answer it must get.
type badCase struct {
	name string

	// The request. method defaults to POST, target to /graphql, contentType
	// to application/json for POST; as is the persona whose token is sent
	// (authorization, when set, is sent verbatim instead).
	method        string
	target        string
	contentType   string
	accept        string
	as            Persona
	authorization []string
	body          []byte

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
	// payload has null objects and exactly these userErrors (code and field;
	// the message is checked to be non-empty, and to contain msgContains).
	payload     string
	userErrors  []UserError
	msgContains []string
}

// badAnswer is a decoded HTTP response.
type badAnswer struct {
	status int
	header http.Header
	body   []byte
	raw    map[string]json.RawMessage
	errs   []struct {
		Message    string         `json:"message"`
		Path       []any          `json:"path"`
		Extensions map[string]any `json:"extensions"`
	}
}

// code is errors[0].extensions.code, or "".
func (a badAnswer) code() string {
	if len(a.errs) == 0 {
		return ""
	}
	c, _ := a.errs[0].Extensions["code"].(string)
	return c
}

// badGQL is a GraphQL-over-HTTP JSON body.
func badGQL(query string, vars map[string]any) []byte {
	m := map[string]any{"query": query}
	if vars != nil {
		m["variables"] = vars
	}
	return badMarshal(m)
}

// badGQLOp is a JSON body with an operationName.
func badGQLOp(query, op string) []byte {
	return badMarshal(map[string]any{"query": query, "operationName": op})
}

func badMarshal(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// badGetURL is a GET /graphql URL with the given parameters.
func badGetURL(params map[string]string) string {
	q := url.Values{}
	for k, v := range params {
		q.Set(k, v)
	}
	return "/graphql?" + q.Encode()
}

// badSend runs one request against the real handler.
func badSend(t *testing.T, h http.Handler, c badCase) badAnswer {
	t.Helper()
	method := c.method
	if method == "" {
		method = http.MethodPost
	}
	target := c.target
	if target == "" {
		target = "/graphql"
	}
	req := httptest.NewRequest(method, target, bytes.NewReader(c.body))
	switch {
	case c.contentType == "-":
	case c.contentType != "":
		req.Header.Set("Content-Type", c.contentType)
	case method == http.MethodPost:
		req.Header.Set("Content-Type", badMediaJSON)
	}
	if c.accept != "" {
		req.Header.Set("Accept", c.accept)
	}
	if c.authorization != nil {
		req.Header["Authorization"] = c.authorization
	} else if c.as != "" && c.as != Anonymous {
		tok := Token(t, c.as)
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	a := badAnswer{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
	if err := json.Unmarshal(a.body, &a.raw); err != nil {
		t.Fatalf("answer is not a JSON object (%v): %.300s", err, a.body)
	}
	if e, ok := a.raw["errors"]; ok {
		if err := json.Unmarshal(e, &a.errs); err != nil {
			t.Fatalf("errors is not a list (%v): %.300s", err, a.body)
		}
	}
	return a
}

// badVerify checks an answer against the case's expectations.
func badVerify(t *testing.T, c badCase, a badAnswer) {
	t.Helper()
	show := func() string { return fmt.Sprintf("status %d body %.600s", a.status, a.body) }
	if a.status != c.status {
		t.Errorf("status = %d, want %d (%s)", a.status, c.status, show())
	}
	if got := a.code(); got != c.code {
		t.Errorf("errors[0].extensions.code = %q, want %q (%s)", got, c.code, show())
	}
	for i, e := range a.errs {
		if strings.TrimSpace(e.Message) == "" {
			t.Errorf("errors[%d] has no message", i)
		}
		if _, ok := e.Extensions["code"].(string); !ok {
			t.Errorf("errors[%d] has no extensions.code: %s", i, show())
		}
	}
	if c.allow != "" {
		if got := a.header.Get("Allow"); got != c.allow {
			t.Errorf("Allow = %q, want %q", got, c.allow)
		}
	}
	for _, m := range badLeakMarkers {
		if bytes.Contains(a.body, []byte(m)) {
			t.Errorf("the answer leaks %q: %s", m, show())
		}
	}
	if len(a.body) > 64<<10 {
		t.Errorf("the answer is %d bytes: a bad request must get a short answer", len(a.body))
	}
	data, hasData := a.raw["data"]
	if c.accept == badMediaGraphQLResp {
		if ct := a.header.Get("Content-Type"); !strings.HasPrefix(ct, badMediaGraphQLResp) {
			t.Errorf("Content-Type = %q, want %s", ct, badMediaGraphQLResp)
		}
		if a.status >= 400 && hasData {
			t.Errorf("a %d answer in %s must not carry data (%s)", a.status, badMediaGraphQLResp, show())
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
		jsonEq(t, data, c.data)
	case c.payload != "":
		var d map[string]map[string]json.RawMessage
		if err := json.Unmarshal(data, &d); err != nil || d[c.payload] == nil {
			t.Fatalf("the answer has no %s payload: %s", c.payload, show())
		}
		var ues []UserError
		for k, v := range d[c.payload] {
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

// badSnapshot renders every row of every table, so any write shows as a
// difference.
func badSnapshot(t *testing.T, c *ent.Client) string {
	t.Helper()
	ctx := policy.System(context.Background())
	var b strings.Builder
	sellers, err := c.Seller.Query().Order(ent.Asc("id")).All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	contacts, err := c.Contact.Query().Order(ent.Asc("id")).All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	groups, err := c.CustomerServiceGroup.Query().Order(ent.Asc("id")).All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	products, err := c.Product.Query().Order(ent.Asc("id")).All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	reviews, err := c.Review.Query().Order(ent.Asc("id")).All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "sellers=%d contacts=%d groups=%d products=%d reviews=%d\n",
		len(sellers), len(contacts), len(groups), len(products), len(reviews))
	for _, rows := range []any{sellers, contacts, groups, products, reviews} {
		list, err := json.Marshal(rows)
		if err != nil {
			t.Fatal(err)
		}
		var each []json.RawMessage
		if err := json.Unmarshal(list, &each); err != nil {
			t.Fatal(err)
		}
		for _, row := range each {
			b.Write(row)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// badSameSnapshot fails the test with the rows that differ.
func badSameSnapshot(t *testing.T, before, after string) {
	t.Helper()
	if before == after {
		return
	}
	was := strings.Split(before, "\n")
	now := strings.Split(after, "\n")
	var diff []string
	for _, l := range was {
		if !slices.Contains(now, l) {
			diff = append(diff, "- "+l)
		}
	}
	for _, l := range now {
		if !slices.Contains(was, l) {
			diff = append(diff, "+ "+l)
		}
	}
	t.Errorf("the database changed:\n%s", strings.Join(diff, "\n"))
}

// badRepeat joins n copies of s.
func badRepeat(s string, n int) string { return strings.Repeat(s, n) }

// badNested is a query whose fields nest depth levels deep.
func badNested(depth int) string {
	cycle := []string{"seller", "products", "edges", "node"}
	var open strings.Builder
	open.WriteString("{ viewer {")
	d := 1
	for i := 0; d < depth; i, d = i+1, d+1 {
		open.WriteString(" " + cycle[i%len(cycle)] + " {")
	}
	return open.String() + " id" + badRepeat(" }", depth) + " }"
}

// badAliases is a query with n aliased fields.
func badAliases(n int) string {
	var b strings.Builder
	b.WriteString("{ viewer {")
	for i := range n {
		fmt.Fprintf(&b, " a%d: role", i)
	}
	b.WriteString(" } }")
	return b.String()
}

// badRootFields is a query with n root fields.
func badRootFields(n int) string {
	var b strings.Builder
	b.WriteString("{")
	for i := range n {
		fmt.Fprintf(&b, " v%d: viewer { role }", i)
	}
	b.WriteString(" }")
	return b.String()
}

// badGroupInput is a valid group input with overrides.
func badGroupInput(name string, over map[string]any) map[string]any {
	in := GroupInput(name)
	for k, v := range over {
		in[k] = v
	}
	return in
}

// badHours builds serviceHours.
func badHours(pairs ...string) []map[string]string {
	out := []map[string]string{}
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, map[string]string{"start": pairs[i], "end": pairs[i+1]})
	}
	return out
}

// Mutations of the catalogue.
const (
	badMCreateProduct = `mutation($in: CreateProductInput!) { createProduct(input: $in) { product { id name } ` + userErrorFields + ` } }`
	badMUpdateProduct = `mutation($id: ID!, $in: UpdateProductInput!) { updateProduct(id: $id, input: $in) { product { id name } ` + userErrorFields + ` } }`
	badMCreateGroup   = `mutation($in: CustomerServiceGroupInput!) { createCustomerServiceGroup(input: $in) { customerServiceGroup { id } ` + userErrorFields + ` } }`
	badMUpdateGroup   = `mutation($id: ID!, $in: CustomerServiceGroupInput!) { updateCustomerServiceGroup(id: $id, input: $in) { customerServiceGroup { id } ` + userErrorFields + ` } }`
	badMDeleteGroup   = `mutation($id: ID!) { deleteCustomerServiceGroup(id: $id) { deletedID ` + userErrorFields + ` } }`
	badMCreateSeller  = `mutation($in: CreateSellerInput!) { createSeller(input: $in) { seller { id } ` + userErrorFields + ` } }`
	badMBusiness      = `mutation($in: SubmitBusinessContactInput!) { submitBusinessContact(input: $in) { review { id } ` + userErrorFields + ` } }`
	badMPreSales      = `mutation($in: SubmitPreSalesInfoInput!) { submitPreSalesInfo(input: $in) { review { id } ` + userErrorFields + ` } }`
	badMRelease       = `mutation($id: ID!) { submitProductRelease(id: $id) { review { id } ` + userErrorFields + ` } }`
	badMApprove       = `mutation($id: ID!, $c: String) { approveReview(id: $id, comment: $c) { review { id } ` + userErrorFields + ` } }`
	badMReject        = `mutation($id: ID!, $r: String!) { rejectReview(id: $id, reason: $r) { review { id } ` + userErrorFields + ` } }`
	badQProduct       = `query($id: ID!) { product(id: $id) { id name } }`
)

// badUE is a userErrors entry (code and field).
func badUE(code string, field ...string) UserError { return UserError{Code: code, Field: field} }

// badWorld is the state the catalogue runs against: Seed's world plus
// what the business rules need.
type badWorld struct {
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

// badSetUp builds the catalogue's world.
func badSetUp(t *testing.T, env *Env) badWorld {
	t.Helper()
	w := badWorld{World: env.Seed()}
	w.NoGroupID = env.CreateProduct(Owner, "Acme Bare", "")
	w.PartTimeGroupID = env.CreateGroup(Owner, badGroupInput("Acme Part-time", map[string]any{
		"serviceDays": []string{"MONDAY", "TUESDAY", "WEDNESDAY"},
	}))
	w.PartTimeID = env.CreateProduct(Owner, "Acme Part-time Product", w.PartTimeGroupID)
	w.RemovedID = env.CreateProduct(Owner, "Acme Removed", "")
	var rm struct {
		RemoveProduct struct{ UserErrors []UserError }
	}
	env.MustDo(Owner, `mutation($id: ID!) { removeProduct(id: $id) { `+userErrorFields+` } }`, map[string]any{"id": w.RemovedID}, &rm)
	if len(rm.RemoveProduct.UserErrors) > 0 {
		t.Fatalf("removeProduct: %+v", rm.RemoveProduct.UserErrors)
	}
	w.SecondGroupID = env.CreateGroup(Owner, GroupInput("Acme Weekend"))
	// Globex gets its sixth group, so a seventh is over the limit.
	for i := 2; i <= 6; i++ {
		env.CreateGroup(OtherSeller, GroupInput(fmt.Sprintf("Globex Support %d", i)))
	}
	var sub struct {
		SubmitBusinessContact struct{ Review struct{ ID string } }
	}
	env.MustDo(Owner, badMBusiness, map[string]any{"in": map[string]any{
		"contactName": "Alice", "phone": "+86 10 6552 9988", "email": "alice@acme.example",
	}}, &sub)
	w.ApprovedReviewID = sub.SubmitBusinessContact.Review.ID
	env.Approve(w.ApprovedReviewID)
	// Bump the versions past their first value, so a stale one is real.
	var up struct {
		UpdateProduct struct{ UserErrors []UserError }
	}
	env.MustDo(Owner, badMUpdateProduct, map[string]any{"id": w.DraftID, "in": map[string]any{"summary": "Edited once"}}, &up)
	if len(up.UpdateProduct.UserErrors) > 0 {
		t.Fatalf("updateProduct: %+v", up.UpdateProduct.UserErrors)
	}
	var ug struct {
		UpdateCustomerServiceGroup struct{ UserErrors []UserError }
	}
	env.MustDo(Owner, badMUpdateGroup, map[string]any{"id": w.SecondGroupID, "in": badGroupInput("Acme Weekend", map[string]any{"phone": "+86 10 6552 9989"})}, &ug)
	if len(ug.UpdateCustomerServiceGroup.UserErrors) > 0 {
		t.Fatalf("updateCustomerServiceGroup: %+v", ug.UpdateCustomerServiceGroup.UserErrors)
	}
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

// badInputCases is the catalogue.
func badInputCases(t *testing.T, w badWorld) []badCase {
	t.Helper()
	expired, err := auth.Mint(testSecret, "alice@acme", "seller", "acme", time.Hour, time.Now().Add(-2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	forged, err := auth.Mint([]byte("another-secret-of-at-least-32-bytes"), "adam@ops", "admin", "", time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	viewer := badGQL(`{ viewer { role } }`, nil)
	productName := func(name string) []byte {
		return badGQL(badMCreateProduct, map[string]any{"in": map[string]any{"name": name}})
	}
	big := func(n int, fill byte) string { return string(bytes.Repeat([]byte{fill}, n)) }

	return []badCase{
		// ---- GraphQL over HTTP ----
		{name: "PUT is not allowed", method: http.MethodPut, body: viewer,
			status: http.StatusMethodNotAllowed, code: graph.CodeBadRequest, allow: "GET, POST", noData: true},
		{name: "DELETE is not allowed", method: http.MethodDelete, body: viewer,
			status: http.StatusMethodNotAllowed, code: graph.CodeBadRequest, allow: "GET, POST", noData: true},
		{name: "mutation over GET", method: http.MethodGet,
			target: badGetURL(map[string]string{"query": `mutation { createSeller(input: {accountID: "x", name: "X"}) { seller { id } } }`}),
			as:     Admin, status: http.StatusMethodNotAllowed, code: graph.CodeBadRequest, allow: "POST", noData: true},
		{name: "mutation over GET chosen by operationName", method: http.MethodGet,
			target: badGetURL(map[string]string{
				"query":         `query Q { viewer { role } } mutation M { createSeller(input: {accountID: "x", name: "X"}) { seller { id } } }`,
				"operationName": "M",
			}),
			as: Admin, status: http.StatusMethodNotAllowed, code: graph.CodeBadRequest, allow: "POST", noData: true},
		{name: "GET without a query", method: http.MethodGet, target: "/graphql",
			status: http.StatusUnprocessableEntity, code: "GRAPHQL_VALIDATION_FAILED", noData: true},
		{name: "GET with variables that are not JSON", method: http.MethodGet,
			target: badGetURL(map[string]string{"query": `query($n: Int) { products(first: $n) { totalCount } }`, "variables": "{n: 1"}),
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
			body:   []byte("{\"query\": " + strconv.Quote(badMCreateProduct) + ", \"variables\": {\"in\": {\"name\": \"Bad \xff\xfe name\"}}}"),
			status: http.StatusBadRequest, code: graph.CodeBadRequest, noData: true},
		// A body without a query is not a GraphQL request at all.
		{name: "no query", body: []byte(`{}`),
			status: http.StatusBadRequest, code: graph.CodeBadRequest, noData: true},
		{name: "parse error with application/json", body: badGQL(`{ viewer { role }`, nil),
			status: http.StatusUnprocessableEntity, code: "GRAPHQL_PARSE_FAILED", noData: true},
		{name: "parse error with application/graphql-response+json", accept: badMediaGraphQLResp, body: badGQL(`{ viewer { role }`, nil),
			status: http.StatusBadRequest, code: "GRAPHQL_PARSE_FAILED", noData: true},
		{name: "validation error with application/graphql-response+json", accept: badMediaGraphQLResp, body: badGQL(`{ viewer { nope } }`, nil),
			status: http.StatusBadRequest, code: "GRAPHQL_VALIDATION_FAILED", noData: true},
		{name: "shape limit with application/graphql-response+json", accept: badMediaGraphQLResp, body: badGQL(badNested(50), nil),
			status: http.StatusBadRequest, code: "QUERY_TOO_LARGE", noData: true},
		{name: "complexity limit with application/graphql-response+json", accept: badMediaGraphQLResp,
			body:   badGQL(`{ products(first: 100) { edges { node { seller { products(first: 100) { edges { node { id name } } } } } } } }`, nil),
			status: http.StatusBadRequest, code: "COMPLEXITY_LIMIT_EXCEEDED", noData: true},
		{name: "NUL escape in the query text", body: badGQL("{ viewer { role } }\x00", nil),
			status: http.StatusUnprocessableEntity, code: "GRAPHQL_PARSE_FAILED", noData: true},

		// ---- Authentication ----
		{name: "malformed bearer token", authorization: []string{"Bearer not-a-jwt"}, body: viewer,
			status: http.StatusUnauthorized, code: graph.CodeUnauthenticated, noData: true},
		{name: "expired token", authorization: []string{"Bearer " + expired}, body: viewer,
			status: http.StatusUnauthorized, code: graph.CodeUnauthenticated, noData: true},
		{name: "token signed with another secret", authorization: []string{"Bearer " + forged},
			body:   badGQL(badMCreateSeller, map[string]any{"in": map[string]any{"accountID": "forged", "name": "Forged"}}),
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
			body:   badGQL(badMCreateSeller, map[string]any{"in": map[string]any{"accountID": "evil", "name": "Evil"}}),
			status: http.StatusOK, code: graph.CodeForbidden, data: `null`},

		// ---- Shape and size limits ----
		{name: "depth-50 nesting", body: badGQL(badNested(50), nil),
			status: http.StatusUnprocessableEntity, code: "QUERY_TOO_LARGE", noData: true},
		{name: "depth 13 nesting", body: badGQL(badNested(graph.MaxDepth+1), nil),
			status: http.StatusUnprocessableEntity, code: "QUERY_TOO_LARGE", noData: true},
		{name: "100k tokens", body: badGQL("{ viewer {"+badRepeat(" role", 100_000)+" } }", nil),
			status: http.StatusUnprocessableEntity, code: "GRAPHQL_PARSE_FAILED", noData: true},
		{name: "1,000 aliases", body: badGQL(badAliases(1000), nil),
			status: http.StatusUnprocessableEntity, code: "QUERY_TOO_LARGE", noData: true},
		{name: "31 aliases", body: badGQL(badAliases(graph.MaxAliases+1), nil),
			status: http.StatusUnprocessableEntity, code: "QUERY_TOO_LARGE", noData: true},
		{name: "11 root fields", body: badGQL(badRootFields(graph.MaxRootFields+1), nil),
			status: http.StatusUnprocessableEntity, code: "QUERY_TOO_LARGE", noData: true},
		{name: "2,001 fields", body: badGQL("{ viewer {"+badRepeat(" role", graph.MaxFields)+" } }", nil),
			status: http.StatusUnprocessableEntity, code: "QUERY_TOO_LARGE", noData: true},
		{name: "7,000 fields under the token limit (quadratic validation)", body: badGQL("{ viewer {"+badRepeat(" role", 7000)+" } }", nil),
			status: http.StatusUnprocessableEntity, code: "QUERY_TOO_LARGE", noData: true},
		{name: "100k directives", body: badGQL("{ viewer { role"+badRepeat(" @skip", 100_000)+" } }", nil),
			status: http.StatusUnprocessableEntity, code: "GRAPHQL_PARSE_FAILED", noData: true},
		{name: "2,000 repeated directives under the token limit", body: badGQL("{ viewer { role"+badRepeat(" @include(if: true)", 2000)+" } }", nil),
			status: http.StatusUnprocessableEntity, code: "GRAPHQL_VALIDATION_FAILED", noData: true},
		{name: "circular fragments", body: badGQL(`{ viewer { ...A } } fragment A on Viewer { role ...B } fragment B on Viewer { subject ...A }`, nil),
			status: http.StatusUnprocessableEntity, code: "GRAPHQL_VALIDATION_FAILED", noData: true},
		{name: "fragment fan-out bomb (2^22 fields in 1 KB)", body: badGQL(badFragmentBomb(22), nil),
			status: http.StatusUnprocessableEntity, code: "QUERY_TOO_LARGE", noData: true},
		{name: "first: 1000000", body: badGQL(`{ products(first: 1000000) { totalCount } }`, nil),
			status: http.StatusUnprocessableEntity, code: graph.CodeBadUserInput, noData: true},
		{name: "first: 1000000 in a variable", body: badGQL(`query($n: Int) { products(first: $n) { totalCount } }`, map[string]any{"n": 1000000}),
			status: http.StatusUnprocessableEntity, code: graph.CodeBadUserInput, noData: true},
		{name: "last: 101 nested", as: Owner, body: badGQL(`{ viewer { seller { products(last: 101) { totalCount } } } }`, nil),
			status: http.StatusUnprocessableEntity, code: graph.CodeBadUserInput, noData: true},
		{name: "first: -1", body: badGQL(`{ products(first: -1) { totalCount } }`, nil),
			status: http.StatusUnprocessableEntity, code: graph.CodeBadUserInput, noData: true},
		{name: "complexity over the limit", body: badGQL(`{ products(first: 100) { edges { node { seller { products(first: 100) { edges { node { id name } } } } } } } }`, nil),
			status: http.StatusUnprocessableEntity, code: "COMPLEXITY_LIMIT_EXCEEDED", noData: true},
		{name: "unknown operationName", body: badGQLOp(`query A { viewer { role } }`, "B"),
			status: http.StatusUnprocessableEntity, code: "GRAPHQL_VALIDATION_FAILED", noData: true},
		{name: "several operations without operationName", body: badGQL(`query A { viewer { role } } query B { viewer { subject } }`, nil),
			status: http.StatusUnprocessableEntity, code: "GRAPHQL_VALIDATION_FAILED", noData: true},
		{name: "APQ hash that does not match its query",
			body: badMarshal(map[string]any{"query": `{ viewer { role } }`, "extensions": map[string]any{
				"persistedQuery": map[string]any{"version": 1, "sha256Hash": strings.Repeat("0", 64)},
			}}),
			status: http.StatusUnprocessableEntity, code: "PERSISTED_QUERY_INVALID", noData: true},
		{name: "APQ hash alone after the mismatch was refused (not stored)",
			body: badMarshal(map[string]any{"extensions": map[string]any{
				"persistedQuery": map[string]any{"version": 1, "sha256Hash": strings.Repeat("0", 64)},
			}}),
			status: http.StatusOK, code: "PERSISTED_QUERY_NOT_FOUND", noData: true},
		{name: "APQ version 2",
			body: badMarshal(map[string]any{"query": `{ viewer { role } }`, "extensions": map[string]any{
				"persistedQuery": map[string]any{"version": 2, "sha256Hash": badAPQHash(`{ viewer { role } }`)},
			}}),
			status: http.StatusUnprocessableEntity, code: "PERSISTED_QUERY_INVALID", noData: true},
		{name: "APQ extension that is not an object",
			body:   badMarshal(map[string]any{"query": `{ viewer { role } }`, "extensions": map[string]any{"persistedQuery": "yes"}}),
			status: http.StatusUnprocessableEntity, code: "PERSISTED_QUERY_INVALID", noData: true},
		{name: "invalid UTF-8 in a GET query", method: http.MethodGet, target: "/graphql?query=%7B%20viewer%20%7B%20role%20%7D%20%7D%20%23%FF%FE",
			status: http.StatusBadRequest, code: graph.CodeBadRequest, noData: true},

		// ---- IDs ----
		{name: "negative ID", body: badGQL(badQProduct, map[string]any{"id": "-5"}),
			status: http.StatusOK, code: graph.CodeBadUserInput, data: `{"product":null}`},
		{name: "huge ID", body: badGQL(badQProduct, map[string]any{"id": "99999999999999999999999"}),
			status: http.StatusOK, code: graph.CodeBadUserInput, data: `{"product":null}`},
		{name: "largest int64 ID", body: badGQL(badQProduct, map[string]any{"id": "9223372036854775807"}),
			status: http.StatusOK, data: `{"product":null}`},
		{name: "SQL in an ID", body: badGQL(badQProduct, map[string]any{"id": "1' OR '1'='1"}),
			status: http.StatusOK, code: graph.CodeBadUserInput, data: `{"product":null}`},
		{name: "ID as a JSON boolean", body: badGQL(badQProduct, map[string]any{"id": true}),
			status: http.StatusUnprocessableEntity, code: "GRAPHQL_VALIDATION_FAILED", noData: true},
		{name: "ID as a JSON object", body: badGQL(badQProduct, map[string]any{"id": map[string]any{"id": 1}}),
			status: http.StatusUnprocessableEntity, code: "GRAPHQL_VALIDATION_FAILED", noData: true},
		{name: "foreign ID: another seller's draft by node", as: OtherSeller,
			body:   badGQL(`query($id: ID!) { node(id: $id) { id ... on Product { name } } }`, map[string]any{"id": w.DraftID}),
			status: http.StatusOK, data: `{"node":null}`},
		{name: "foreign ID: update another seller's product", as: Owner,
			body:   badGQL(badMUpdateProduct, map[string]any{"id": w.OtherReleasedID, "in": map[string]any{"afterSalesGroupID": w.GroupID}}),
			status: http.StatusOK, payload: "updateProduct", userErrors: []UserError{badUE("NOT_FOUND", "id")}},
		{name: "foreign ID: another seller's group in an input", as: Owner,
			body:   badGQL(badMCreateProduct, map[string]any{"in": map[string]any{"name": "Borrowed", "afterSalesGroupID": w.OtherGroupID}}),
			status: http.StatusOK, payload: "createProduct", userErrors: []UserError{badUE("NOT_FOUND", "input", "afterSalesGroupID")}},
		{name: "ID of the wrong type: a group as a product", as: Owner,
			body:   badGQL(badMUpdateProduct, map[string]any{"id": w.GroupID, "in": map[string]any{"name": "Renamed"}}),
			status: http.StatusOK, payload: "updateProduct", userErrors: []UserError{badUE("NOT_FOUND", "id")}},
		{name: "ID of the wrong type: a product as a group", as: Owner,
			body:   badGQL(badMCreateProduct, map[string]any{"in": map[string]any{"name": "Odd", "afterSalesGroupID": w.ReleasedID}}),
			status: http.StatusOK, payload: "createProduct", userErrors: []UserError{badUE("NOT_FOUND", "input", "afterSalesGroupID")}},
		{name: "ID of the wrong type: a product by product(id:) with a group ID", as: Owner,
			body:   badGQL(badQProduct, map[string]any{"id": w.GroupID}),
			status: http.StatusOK, data: `{"product":null}`},

		// ---- Variables ----
		{name: "Int variable given a string", body: badGQL(`query($n: Int) { products(first: $n) { totalCount } }`, map[string]any{"n": "ten"}),
			status: http.StatusUnprocessableEntity, code: "GRAPHQL_VALIDATION_FAILED", noData: true},
		{name: "Int variable given a float", body: badGQL(`query($n: Int) { products(first: $n) { totalCount } }`, map[string]any{"n": 1.5}),
			status: http.StatusUnprocessableEntity, code: "GRAPHQL_VALIDATION_FAILED", noData: true},
		{name: "missing required variable", as: Owner, body: badGQL(badMCreateProduct, nil),
			status: http.StatusUnprocessableEntity, code: "GRAPHQL_VALIDATION_FAILED", noData: true},
		{name: "null for a non-null input field", as: Owner, body: badGQL(badMCreateProduct, map[string]any{"in": map[string]any{"name": nil}}),
			status: http.StatusUnprocessableEntity, code: "GRAPHQL_VALIDATION_FAILED", noData: true},
		{name: "unknown input field", as: Owner, body: badGQL(badMCreateProduct, map[string]any{"in": map[string]any{"name": "X", "status": "RELEASED"}}),
			status: http.StatusUnprocessableEntity, code: "GRAPHQL_VALIDATION_FAILED", noData: true},
		{name: "unknown enum value", as: Owner,
			body:   badGQL(badMCreateGroup, map[string]any{"in": badGroupInput("Funday", map[string]any{"serviceDays": []string{"FUNDAY"}})}),
			status: http.StatusUnprocessableEntity, code: "GRAPHQL_VALIDATION_FAILED", noData: true},
		{name: "list variable given a string", as: Owner,
			body:   badGQL(badMCreateGroup, map[string]any{"in": badGroupInput("Stringy", map[string]any{"serviceHours": "09:00-18:00"})}),
			status: http.StatusUnprocessableEntity, code: "GRAPHQL_VALIDATION_FAILED", noData: true},

		// ---- Input rules of the design (userErrors; nothing changes) ----
		{name: "1 MB string", as: Owner, body: productName(big(1_000_000, 'a')),
			status: http.StatusOK, payload: "createProduct", userErrors: []UserError{badUE("TOO_LONG", "input", "name")}},
		{name: "name of 65 characters", as: Owner, body: productName(badRepeat("é", 65)),
			status: http.StatusOK, payload: "createProduct", userErrors: []UserError{badUE("TOO_LONG", "input", "name")}},
		{name: "blank name (trimmed first)", as: Owner, body: productName(" \t\n "),
			status: http.StatusOK, payload: "createProduct", userErrors: []UserError{badUE("REQUIRED", "input", "name")}},
		{name: "NUL in a name", as: Owner, body: productName("Acme\x00Compute"),
			status: http.StatusOK, payload: "createProduct", userErrors: []UserError{badUE("INVALID", "input", "name")}},
		{name: "control character in a name", as: Owner, body: productName("Acme\u0007Bell"),
			status: http.StatusOK, payload: "createProduct", userErrors: []UserError{badUE("INVALID", "input", "name")}},
		{name: "C1 control character in a name", as: Owner, body: productName("Acme\u0085Next"),
			status: http.StatusOK, payload: "createProduct", userErrors: []UserError{badUE("INVALID", "input", "name")}},
		{name: "summary of 1001 characters", as: Owner,
			body:   badGQL(badMCreateProduct, map[string]any{"in": map[string]any{"name": "Long", "summary": badRepeat("s", 1001)}}),
			status: http.StatusOK, payload: "createProduct", userErrors: []UserError{badUE("TOO_LONG", "input", "summary")}},
		{name: "updateProduct with a blank name", as: Owner,
			body:   badGQL(badMUpdateProduct, map[string]any{"id": w.DraftID, "in": map[string]any{"name": "  "}}),
			status: http.StatusOK, payload: "updateProduct", userErrors: []UserError{badUE("REQUIRED", "input", "name")}},
		{name: "updateProduct with a stale version", as: Owner,
			body:   badGQL(badMUpdateProduct, map[string]any{"id": w.DraftID, "in": map[string]any{"name": "Overwrite", "expectedVersion": w.DraftVersion - 1}}),
			status: http.StatusOK, payload: "updateProduct", userErrors: []UserError{badUE("CONFLICT", "input", "expectedVersion")}},
		{name: "updateProduct renames a RELEASED product", as: Owner,
			body:   badGQL(badMUpdateProduct, map[string]any{"id": w.ReleasedID, "in": map[string]any{"name": "Renamed"}}),
			status: http.StatusOK, payload: "updateProduct", userErrors: []UserError{badUE("PRECONDITION_FAILED", "input", "name")}},
		{name: "release without a group", as: Owner, body: badGQL(badMRelease, map[string]any{"id": w.NoGroupID}),
			status: http.StatusOK, payload: "submitProductRelease", userErrors: []UserError{badUE("PRECONDITION_FAILED", "id")},
			msgContains: []string{"select an after-sales customer service group"}},
		{name: "release of a RELEASED product", as: Owner, body: badGQL(badMRelease, map[string]any{"id": w.ReleasedID}),
			status: http.StatusOK, payload: "submitProductRelease", userErrors: []UserError{badUE("PRECONDITION_FAILED", "id")}},
		{name: "release with a group below the service policy", as: Owner, body: badGQL(badMRelease, map[string]any{"id": w.PartTimeID}),
			status: http.StatusOK, payload: "submitProductRelease", userErrors: []UserError{badUE("PRECONDITION_FAILED", "id")},
			msgContains: []string{"Acme Part-time", "8 hours a day"}},
		{name: "RELEASED product moved to a group below the service policy", as: Owner,
			body:   badGQL(badMUpdateProduct, map[string]any{"id": w.ReleasedID, "in": map[string]any{"afterSalesGroupID": w.PartTimeGroupID}}),
			status: http.StatusOK, payload: "updateProduct", userErrors: []UserError{badUE("PRECONDITION_FAILED", "input", "afterSalesGroupID")}},
		{name: "updateProduct of a REMOVED product", as: Owner,
			body:   badGQL(badMUpdateProduct, map[string]any{"id": w.RemovedID, "in": map[string]any{"name": "Back from the dead"}}),
			status: http.StatusOK, payload: "updateProduct", userErrors: []UserError{badUE("PRECONDITION_FAILED", "id")}},
		{name: "withdraw another seller's review", as: OtherSeller,
			body:   badGQL(`mutation($id: ID!) { withdrawReview(id: $id) { review { id } `+userErrorFields+` } }`, map[string]any{"id": w.PendingReviewID}),
			status: http.StatusOK, payload: "withdrawReview", userErrors: []UserError{badUE("NOT_FOUND", "id")}},
		{name: "seller token whose account has no seller", as: SellerOf("nobody"), body: productName("Orphan"),
			status: http.StatusOK, code: graph.CodeForbidden, data: `null`},
		{name: "accountID of 129 characters", as: Admin,
			body:   badGQL(badMCreateSeller, map[string]any{"in": map[string]any{"accountID": badRepeat("a", 129), "name": "Long Account"}}),
			status: http.StatusOK, payload: "createSeller", userErrors: []UserError{badUE("TOO_LONG", "input", "accountID")}},
		{name: "invalid phone", as: Owner,
			body:   badGQL(badMBusiness, map[string]any{"in": map[string]any{"contactName": "Alice", "phone": "12345", "email": "alice@acme.example"}}),
			status: http.StatusOK, payload: "submitBusinessContact", userErrors: []UserError{badUE("INVALID", "input", "phone")}},
		{name: "phone with letters", as: Owner,
			body:   badGQL(badMBusiness, map[string]any{"in": map[string]any{"contactName": "Alice", "phone": "+1 800 FLOWERS", "email": "alice@acme.example"}}),
			status: http.StatusOK, payload: "submitBusinessContact", userErrors: []UserError{badUE("INVALID", "input", "phone")}},
		{name: "every contact field wrong at once", as: Owner,
			body:   badGQL(badMBusiness, map[string]any{"in": map[string]any{"contactName": "", "phone": " ", "email": "Alice <alice@acme.example>"}}),
			status: http.StatusOK, payload: "submitBusinessContact", userErrors: []UserError{
				badUE("REQUIRED", "input", "contactName"), badUE("REQUIRED", "input", "phone"), badUE("INVALID", "input", "email"),
			}},
		{name: "email without a dot in the domain", as: Owner,
			body:   badGQL(badMPreSales, map[string]any{"in": map[string]any{"phone": "+86 10 6552 9988", "email": "sales@localhost", "contactAddress": "1 Road"}}),
			status: http.StatusOK, payload: "submitPreSalesInfo", userErrors: []UserError{badUE("INVALID", "input", "email")}},
		{name: "email of 255 characters", as: Owner,
			body:   badGQL(badMPreSales, map[string]any{"in": map[string]any{"phone": "+86 10 6552 9988", "email": badRepeat("a", 243) + "@example.com", "contactAddress": "1 Road"}}),
			status: http.StatusOK, payload: "submitPreSalesInfo", userErrors: []UserError{badUE("TOO_LONG", "input", "email")}},
		{name: "two email addresses", as: Owner,
			body:   badGQL(badMPreSales, map[string]any{"in": map[string]any{"phone": "+86 10 6552 9988", "email": "a@example.com, b@example.com", "contactAddress": "1 Road"}}),
			status: http.StatusOK, payload: "submitPreSalesInfo", userErrors: []UserError{badUE("INVALID", "input", "email")}},
		{name: "contact address of 257 characters", as: Owner,
			body:   badGQL(badMPreSales, map[string]any{"in": map[string]any{"phone": "+86 10 6552 9988", "email": "sales@acme.example", "contactAddress": badRepeat("x", 257)}}),
			status: http.StatusOK, payload: "submitPreSalesInfo", userErrors: []UserError{badUE("TOO_LONG", "input", "contactAddress")}},
		{name: "blank contact address", as: Owner,
			body:   badGQL(badMPreSales, map[string]any{"in": map[string]any{"phone": "+86 10 6552 9988", "email": "sales@acme.example", "contactAddress": "   "}}),
			status: http.StatusOK, payload: "submitPreSalesInfo", userErrors: []UserError{badUE("REQUIRED", "input", "contactAddress")}},
		{name: "no service days", as: Owner,
			body:   badGQL(badMCreateGroup, map[string]any{"in": badGroupInput("No Days", map[string]any{"serviceDays": []string{}})}),
			status: http.StatusOK, payload: "createCustomerServiceGroup", userErrors: []UserError{badUE("REQUIRED", "input", "serviceDays")}},
		{name: "duplicate service day", as: Owner,
			body:   badGQL(badMCreateGroup, map[string]any{"in": badGroupInput("Twice Monday", map[string]any{"serviceDays": []string{"MONDAY", "MONDAY"}})}),
			status: http.StatusOK, payload: "createCustomerServiceGroup", userErrors: []UserError{badUE("INVALID", "input", "serviceDays", "1")}},
		{name: "no service hours", as: Owner,
			body:   badGQL(badMCreateGroup, map[string]any{"in": badGroupInput("No Hours", map[string]any{"serviceHours": badHours()})}),
			status: http.StatusOK, payload: "createCustomerServiceGroup", userErrors: []UserError{badUE("REQUIRED", "input", "serviceHours")}},
		{name: "five service hour ranges", as: Owner,
			body:   badGQL(badMCreateGroup, map[string]any{"in": badGroupInput("Five Ranges", map[string]any{"serviceHours": badHours("01:00", "02:00", "03:00", "04:00", "05:00", "06:00", "07:00", "08:00", "09:00", "10:00")})}),
			status: http.StatusOK, payload: "createCustomerServiceGroup", userErrors: []UserError{badUE("INVALID", "input", "serviceHours")}},
		{name: "end before start", as: Owner,
			body:   badGQL(badMCreateGroup, map[string]any{"in": badGroupInput("Backwards", map[string]any{"serviceHours": badHours("18:00", "09:00")})}),
			status: http.StatusOK, payload: "createCustomerServiceGroup", userErrors: []UserError{badUE("INVALID", "input", "serviceHours", "0", "end")}},
		{name: "start at 24:00", as: Owner,
			body:   badGQL(badMCreateGroup, map[string]any{"in": badGroupInput("Midnight", map[string]any{"serviceHours": badHours("24:00", "24:00")})}),
			status: http.StatusOK, payload: "createCustomerServiceGroup", userErrors: []UserError{badUE("INVALID", "input", "serviceHours", "0", "start")}},
		{name: "25:00", as: Owner,
			body:   badGQL(badMCreateGroup, map[string]any{"in": badGroupInput("Late", map[string]any{"serviceHours": badHours("09:00", "25:00")})}),
			status: http.StatusOK, payload: "createCustomerServiceGroup", userErrors: []UserError{badUE("INVALID", "input", "serviceHours", "0", "end")}},
		{name: "time not HH:MM", as: Owner,
			body:   badGQL(badMCreateGroup, map[string]any{"in": badGroupInput("Sloppy", map[string]any{"serviceHours": badHours("9", "18:00")})}),
			status: http.StatusOK, payload: "createCustomerServiceGroup", userErrors: []UserError{badUE("INVALID", "input", "serviceHours", "0", "start")}},
		{name: "unsorted service hours", as: Owner,
			body:   badGQL(badMCreateGroup, map[string]any{"in": badGroupInput("Unsorted", map[string]any{"serviceHours": badHours("14:00", "18:00", "09:00", "12:00")})}),
			status: http.StatusOK, payload: "createCustomerServiceGroup", userErrors: []UserError{badUE("INVALID", "input", "serviceHours", "1", "start")}},
		{name: "overlapping service hours", as: Owner,
			body:   badGQL(badMCreateGroup, map[string]any{"in": badGroupInput("Overlap", map[string]any{"serviceHours": badHours("09:00", "13:00", "12:00", "18:00")})}),
			status: http.StatusOK, payload: "createCustomerServiceGroup", userErrors: []UserError{badUE("INVALID", "input", "serviceHours", "1", "start")}},
		{name: "unknown time zone", as: Owner,
			body:   badGQL(badMCreateGroup, map[string]any{"in": badGroupInput("Mars", map[string]any{"timeZone": "Mars/Olympus_Mons"})}),
			status: http.StatusOK, payload: "createCustomerServiceGroup", userErrors: []UserError{badUE("INVALID", "input", "timeZone")}},
		{name: "time zone Local", as: Owner,
			body:   badGQL(badMCreateGroup, map[string]any{"in": badGroupInput("Local", map[string]any{"timeZone": "Local"})}),
			status: http.StatusOK, payload: "createCustomerServiceGroup", userErrors: []UserError{badUE("INVALID", "input", "timeZone")}},
		{name: "time zone path traversal", as: Owner,
			body:   badGQL(badMCreateGroup, map[string]any{"in": badGroupInput("Traversal", map[string]any{"timeZone": "../../../../etc/passwd"})}),
			status: http.StatusOK, payload: "createCustomerServiceGroup", userErrors: []UserError{badUE("INVALID", "input", "timeZone")}},
		{name: "group name taken, other case", as: Owner,
			body:   badGQL(badMCreateGroup, map[string]any{"in": GroupInput("ACME support")}),
			status: http.StatusOK, payload: "createCustomerServiceGroup", userErrors: []UserError{badUE("CONFLICT", "input", "name")}},
		{name: "seventh group", as: OtherSeller,
			body:   badGQL(badMCreateGroup, map[string]any{"in": GroupInput("Globex Support 7")}),
			status: http.StatusOK, payload: "createCustomerServiceGroup", userErrors: []UserError{badUE("LIMIT_EXCEEDED")}},
		{name: "updateCustomerServiceGroup with a stale version", as: Owner,
			body:   badGQL(badMUpdateGroup, map[string]any{"id": w.SecondGroupID, "in": badGroupInput("Acme Weekend", map[string]any{"expectedVersion": w.SecondGroupVersion - 1})}),
			status: http.StatusOK, payload: "updateCustomerServiceGroup", userErrors: []UserError{badUE("CONFLICT", "input", "expectedVersion")}},
		{name: "updateCustomerServiceGroup takes a taken name", as: Owner,
			body:   badGQL(badMUpdateGroup, map[string]any{"id": w.SecondGroupID, "in": GroupInput("acme SUPPORT")}),
			status: http.StatusOK, payload: "updateCustomerServiceGroup", userErrors: []UserError{badUE("CONFLICT", "input", "name")}},
		{name: "delete a group in use", as: Owner, body: badGQL(badMDeleteGroup, map[string]any{"id": w.GroupID}),
			status: http.StatusOK, payload: "deleteCustomerServiceGroup", userErrors: []UserError{badUE("IN_USE", "id")},
			msgContains: []string{"Acme Compute", "Acme Draft"}},
		{name: "duplicate accountID", as: Admin,
			body:   badGQL(badMCreateSeller, map[string]any{"in": map[string]any{"accountID": "acme", "name": "Acme Again"}}),
			status: http.StatusOK, payload: "createSeller", userErrors: []UserError{badUE("CONFLICT", "input", "accountID")}},
		{name: "seller name with a tab", as: Admin,
			body:   badGQL(badMCreateSeller, map[string]any{"in": map[string]any{"accountID": "tabby", "name": "Tab\tby"}}),
			status: http.StatusOK, payload: "createSeller", userErrors: []UserError{badUE("INVALID", "input", "name")}},
		{name: "approve a review that is not pending", as: Reviewer, body: badGQL(badMApprove, map[string]any{"id": w.ApprovedReviewID}),
			status: http.StatusOK, payload: "approveReview", userErrors: []UserError{badUE("PRECONDITION_FAILED", "id")}},
		{name: "approve with a comment of 1001 characters", as: Reviewer,
			body:   badGQL(badMApprove, map[string]any{"id": w.PendingReviewID, "c": badRepeat("c", 1001)}),
			status: http.StatusOK, payload: "approveReview", userErrors: []UserError{badUE("TOO_LONG", "comment")}},
		{name: "reject without a reason", as: Reviewer, body: badGQL(badMReject, map[string]any{"id": w.PendingReviewID, "r": " "}),
			status: http.StatusOK, payload: "rejectReview", userErrors: []UserError{badUE("REQUIRED", "reason")}},
		{name: "reject with a reason of 1001 characters", as: Reviewer,
			body:   badGQL(badMReject, map[string]any{"id": w.PendingReviewID, "r": badRepeat("r", 1001)}),
			status: http.StatusOK, payload: "rejectReview", userErrors: []UserError{badUE("TOO_LONG", "reason")}},
	}
}

// badAPQHash is the persisted-query hash of a document.
func badAPQHash(q string) string {
	sum := sha256.Sum256([]byte(q))
	return hex.EncodeToString(sum[:])
}

// badFragmentBomb is a document whose fragments each spread the next one
// twice: 2^n fields once expanded.
func badFragmentBomb(n int) string {
	var b strings.Builder
	b.WriteString("{ viewer { ...F0 } }")
	for i := range n {
		fmt.Fprintf(&b, " fragment F%d on Viewer { role ...F%d ...F%d }", i, i+1, i+1)
	}
	fmt.Fprintf(&b, " fragment F%d on Viewer { role }", n)
	return b.String()
}

// TestBadInputCatalogue sends each bad request to the real handler and
// checks the exact safe answer, that no internal detail leaks, and that
// nothing in the database changed.
func TestBadInputCatalogue(t *testing.T) {
	env := NewEnv(t)
	w := badSetUp(t, env)
	cases := badInputCases(t, w)
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
			before := badSnapshot(t, env.Client)
			start := time.Now()
			a := badSend(t, env.Handler, c)
			if d := time.Since(start); d > badTimeBudget {
				t.Errorf("the answer took %v; a bad request must be refused within %v", d, badTimeBudget)
			}
			badVerify(t, c, a)
			badSameSnapshot(t, before, badSnapshot(t, env.Client))
		})
	}
	// The server goes on answering.
	r := env.Do(Anonymous, `{ viewer { role } }`, nil)
	jsonEq(t, r.Data, `{"viewer":{"role":"ANONYMOUS"}}`)
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
		env.MustDo(Owner, badQProduct, map[string]any{"id": ids[n]}, &out)
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
	ctx := policy.System(context.Background())
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

// badPanickyDriver panics on the statements of a request while armed.
type badPanickyDriver struct {
	dialect.Driver
	armed *atomic.Bool
}

func (d badPanickyDriver) Query(ctx context.Context, q string, args, v any) error {
	if d.armed.Load() {
		panic("boom: SELECT secret FROM sqlite_master at resolver.go:42")
	}
	return d.Driver.Query(ctx, q, args, v)
}

func (d badPanickyDriver) Exec(ctx context.Context, q string, args, v any) error {
	if d.armed.Load() {
		panic("boom: INSERT INTO products at resolver.go:42")
	}
	return d.Driver.Exec(ctx, q, args, v)
}

func (d badPanickyDriver) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := d.Driver.Tx(ctx)
	if err != nil {
		return nil, err
	}
	return badPanickyTx{Tx: tx, armed: d.armed}, nil
}

// badPanickyTx panics on statements inside transactions while armed.
type badPanickyTx struct {
	dialect.Tx
	armed *atomic.Bool
}

func (t badPanickyTx) Query(ctx context.Context, q string, args, v any) error {
	if t.armed.Load() {
		panic("boom: SELECT in tx at resolver.go:42")
	}
	return t.Tx.Query(ctx, q, args, v)
}

func (t badPanickyTx) Exec(ctx context.Context, q string, args, v any) error {
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
	u, err := database.FileURL(filepath.Join(t.TempDir(), "panic.db"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := database.Open(u, func(d dialect.Driver) dialect.Driver { return badPanickyDriver{Driver: d, armed: &armed} })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	var logs badSyncBuf
	h := graph.NewHandler(graph.HandlerConfig{
		Client: c, Secret: testSecret,
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
	})
	ok := badSend(t, h, badCase{as: Admin, body: badGQL(badMCreateSeller, map[string]any{"in": map[string]any{"accountID": "acme", "name": "Acme Cloud"}})})
	if ok.status != http.StatusOK || len(ok.errs) > 0 {
		t.Fatalf("createSeller: %d %s", ok.status, ok.body)
	}

	for _, c2 := range []badCase{
		{name: "query", body: badGQL(`query($id: ID!) { product(id: $id) { name } }`, map[string]any{"id": "1"}),
			status: http.StatusOK, code: graph.CodeInternal, data: `{"product":null}`},
		{name: "mutation in a transaction", as: Admin,
			body:   badGQL(badMCreateSeller, map[string]any{"in": map[string]any{"accountID": "globex", "name": "Globex"}}),
			status: http.StatusOK, code: graph.CodeInternal, data: `null`},
	} {
		t.Run(c2.name, func(t *testing.T) {
			before := badSnapshot(t, c)
			armed.Store(true)
			a := func() badAnswer {
				defer armed.Store(false)
				return badSend(t, h, c2)
			}()
			badVerify(t, c2, a)
			if a.code() == graph.CodeInternal && a.errs[0].Message != "internal error" {
				t.Errorf("message = %q, want %q", a.errs[0].Message, "internal error")
			}
			badSameSnapshot(t, before, badSnapshot(t, c))
			// The server goes on.
			again := badSend(t, h, badCase{as: Admin, body: badGQL(`{ sellers { totalCount } }`, nil)})
			if again.status != http.StatusOK || len(again.errs) > 0 {
				t.Fatalf("after the panic: %d %s", again.status, again.body)
			}
			jsonEq(t, again.raw["data"], `{"sellers":{"totalCount":1}}`)
		})
	}
	if !strings.Contains(logs.String(), "panic") {
		t.Errorf("the panic was not logged: %s", logs.String())
	}
}

// badSyncBuf is a bytes.Buffer safe for concurrent writers.
type badSyncBuf struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *badSyncBuf) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *badSyncBuf) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
