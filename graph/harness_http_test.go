package graph_test

// Requests and answers: Env.Do goes through the gqlgen client, Env.Send is
// raw HTTP for status and header checks. Both check every GraphQL answer
// with CheckNoLeaks and refuse INTERNAL errors unless told otherwise.

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/client"
)

// Media types of GraphQL over HTTP.
const (
	MediaJSON            = "application/json"
	MediaGraphQLResponse = "application/graphql-response+json"
)

// GraphQLError is one entry of a response's errors.
type GraphQLError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// Result is a GraphQL response: data (absent or null when there is none)
// and errors.
type Result struct {
	Data   json.RawMessage `json:"data"`
	Errors []GraphQLError  `json:"errors"`
}

// Code returns the first error's extensions.code, or "".
func (r Result) Code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

// As returns a GraphQL client over the real handler that acts as p.
func (e *Env) As(p Persona) *client.Client {
	opts := []client.Option{client.Path("/graphql")}
	if tok := Token(e.t, p); tok != "" {
		opts = append(opts, client.AddHeader("Authorization", "Bearer "+tok))
	}
	return client.New(e.Handler, opts...)
}

// Do runs a query as p through the gqlgen client and returns the response;
// an HTTP error status, a leak or an INTERNAL error fails the test. It
// reports transport failures with Fatalf and everything else with Errorf.
func (e *Env) Do(p Persona, query string, vars map[string]any) Result {
	e.t.Helper()
	var opts []client.Option
	for k, v := range vars {
		opts = append(opts, client.Var(k, v))
	}
	resp, err := e.As(p).RawPost(query, opts...)
	if err != nil {
		e.t.Fatalf("as %s: posting: %v", p, err)
	}
	var r Result
	if r.Data, err = json.Marshal(resp.Data); err != nil { // "null" when there is none
		e.t.Fatal(err)
	}
	if len(resp.Errors) > 0 {
		if err := json.Unmarshal(resp.Errors, &r.Errors); err != nil {
			e.t.Fatalf("errors is not a list (%v): %s", err, resp.Errors)
		}
	}
	body, err := json.Marshal(map[string]any{"data": resp.Data, "errors": resp.Errors})
	if err != nil {
		e.t.Fatal(err)
	}
	checkAnswer(e.t, Answer{Status: http.StatusOK, Body: body, Result: r}, false)
	return r
}

// MustDo runs a query as p, fails on any GraphQL error, and decodes data
// into out (when not nil).
func (e *Env) MustDo(p Persona, query string, vars map[string]any, out any) {
	e.t.Helper()
	r := e.Do(p, query, vars)
	if len(r.Errors) > 0 {
		e.t.Fatalf("as %s: unexpected errors: %+v\nquery: %s", p, r.Errors, query)
	}
	if out != nil {
		if err := json.Unmarshal(r.Data, out); err != nil {
			e.t.Fatalf("decoding %s: %v", r.Data, err)
		}
	}
}

// Decode fails on errors and decodes the data of r into out.
func Decode(t testing.TB, r Result, out any) {
	t.Helper()
	if len(r.Errors) > 0 {
		t.Fatalf("unexpected errors: %+v", r.Errors)
	}
	if err := json.Unmarshal(r.Data, out); err != nil {
		t.Fatalf("decoding %s: %v", r.Data, err)
	}
}

// Request is one raw HTTP request to the server.
type Request struct {
	// Method defaults to POST, Target to /graphql.
	Method, Target string
	// ContentType defaults to application/json for POST; "-" sends none.
	ContentType string
	// Accept is sent when set.
	Accept string
	// As is the persona whose token is sent, unless Authorization is set:
	// then its values are sent verbatim, one header each.
	As            Persona
	Authorization []string
	// Header holds further headers.
	Header http.Header
	Body   []byte
	// AllowInternal lets the answer carry an INTERNAL error (the tests of
	// the recover path); any other answer that does fails the test.
	AllowInternal bool
}

// HTTP builds the *http.Request.
func (r Request) HTTP(t testing.TB) *http.Request {
	t.Helper()
	method := r.Method
	if method == "" {
		method = http.MethodPost
	}
	target := r.Target
	if target == "" {
		target = "/graphql"
	}
	req := httptest.NewRequest(method, target, bytes.NewReader(r.Body))
	switch {
	case r.ContentType == "-":
	case r.ContentType != "":
		req.Header.Set("Content-Type", r.ContentType)
	case method == http.MethodPost:
		req.Header.Set("Content-Type", MediaJSON)
	}
	if r.Accept != "" {
		req.Header.Set("Accept", r.Accept)
	}
	for k, vs := range r.Header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if r.Authorization != nil {
		req.Header["Authorization"] = r.Authorization
	} else if tok := Token(t, r.As); tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	return req
}

// Answer is one raw HTTP exchange; for /graphql, the decoded response too.
type Answer struct {
	Status int
	Header http.Header
	Body   []byte
	// Raw holds the top-level entries of a GraphQL answer ("data" is
	// absent when the answer has none).
	Raw map[string]json.RawMessage
	Result
}

// Send runs one raw request against the handler. An answer of /graphql
// must be a JSON object; it is decoded and checked like every answer of
// Do (leaks, INTERNAL unless AllowInternal). Other paths (/metrics, …) are
// returned as they are.
func (e *Env) Send(r Request) Answer {
	e.t.Helper()
	req := r.HTTP(e.t)
	rec := httptest.NewRecorder()
	e.Handler.ServeHTTP(rec, req)
	a := Answer{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
	if req.URL.Path != "/graphql" {
		return a
	}
	if err := json.Unmarshal(a.Body, &a.Raw); err != nil {
		e.t.Fatalf("answer is not a JSON object (%v): HTTP %d %.300s", err, a.Status, a.Body)
	}
	a.Data = a.Raw["data"]
	if errs, ok := a.Raw["errors"]; ok {
		if err := json.Unmarshal(errs, &a.Errors); err != nil {
			e.t.Fatalf("errors is not a list (%v): %.300s", err, a.Body)
		}
	}
	checkAnswer(e.t, a, r.AllowInternal)
	return a
}

// Post sends one GraphQL POST as p, raw: the answer keeps its status.
func (e *Env) Post(p Persona, query string, vars map[string]any) Answer {
	e.t.Helper()
	return e.Send(Request{As: p, Body: GQL(query, vars)})
}

// GQL is a GraphQL-over-HTTP JSON body (variables omitted when nil).
func GQL(query string, vars map[string]any) []byte {
	m := map[string]any{"query": query}
	if vars != nil {
		m["variables"] = vars
	}
	return JSONBody(m)
}

// GQLOp is a JSON body with an operationName.
func GQLOp(query, op string) []byte {
	return JSONBody(map[string]any{"query": query, "operationName": op})
}

// JSONBody marshals v.
func JSONBody(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// GetURL is a GET /graphql URL with the given parameters.
func GetURL(params map[string]string) string {
	q := url.Values{}
	for k, v := range params {
		q.Set(k, v)
	}
	return "/graphql?" + q.Encode()
}

// SHA256Hex is the persisted-query hash of a document.
func SHA256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// bodyLeakMarkers must never appear anywhere in a GraphQL answer: SQL
// text, driver names, stack traces.
var bodyLeakMarkers = []string{
	"SELECT", "sqlite", "SQLITE", "goroutine", ".go:", "panic", "nil pointer",
	"SQLSTATE", "pgx", "pgconn",
}

// randomToken is a JSON string that is one long run of base64 (or
// base64url) characters: no message, no SQL, no stack trace.
var randomToken = regexp.MustCompile(`"[A-Za-z0-9+/_=-]{16,}"`)

// messageLeakMarkers must never appear in an error or userErrors message
// (data may hold them: a name can be "… WHERE 1=1").
var messageLeakMarkers = []string{"SELECT", "FROM `", `FROM "`, "WHERE", "INSERT INTO", "SQLSTATE"}

// messageLeakMarkersFold are messageLeakMarkers compared in lower case.
var messageLeakMarkersFold = []string{
	"sqlite", "ent:", "constraint failed", "goroutine", ".go:", "panic", "nil pointer",
	"pgx", "pgconn", "postgres", "duplicate key", "violates",
}

// leakIn returns the marker of internal text that msg carries, or "".
func leakIn(msg string) string {
	for _, m := range messageLeakMarkers {
		if strings.Contains(msg, m) {
			return m
		}
	}
	l := strings.ToLower(msg)
	for _, m := range messageLeakMarkersFold {
		if strings.Contains(l, m) {
			return m
		}
	}
	return ""
}

// CheckNoLeaks fails when an answer carries SQL text, driver names, stack
// traces or other internal text: anywhere in its body, or in any error or
// userErrors message.
func CheckNoLeaks(t testing.TB, a Answer) {
	t.Helper()
	// Random tokens (webhook secrets, cursors) may spell a marker by
	// chance ("whsec_…HnpgxHL3…"): they are left out of the search.
	body := randomToken.ReplaceAll(a.Body, []byte(`""`))
	for _, m := range bodyLeakMarkers {
		if bytes.Contains(body, []byte(m)) {
			t.Errorf("the answer leaks %q: HTTP %d %.600s", m, a.Status, a.Body)
		}
	}
	for _, e := range a.Errors {
		if m := leakIn(e.Message); m != "" {
			t.Errorf("error message leaks internals (%q): %q", m, e.Message)
		}
	}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if ues, ok := x["userErrors"].([]any); ok {
				for _, ue := range ues {
					if ue, ok := ue.(map[string]any); ok {
						msg, _ := ue["message"].(string)
						if m := leakIn(msg); m != "" {
							t.Errorf("userErrors message leaks internals (%q): %q", m, msg)
						}
					}
				}
			}
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	var data any
	_ = json.Unmarshal(a.Data, &data)
	walk(data)
}

// checkAnswer checks what every GraphQL answer must satisfy: no leaks, and
// a classified error rather than INTERNAL (unless allowed).
func checkAnswer(t testing.TB, a Answer, allowInternal bool) {
	t.Helper()
	CheckNoLeaks(t, a)
	if allowInternal {
		return
	}
	for _, e := range a.Errors {
		if c, _ := e.Extensions["code"].(string); c == "INTERNAL" {
			t.Errorf("INTERNAL error (message %q at %v): the request should have a classified answer", e.Message, e.Path)
		}
	}
}

// JSONEq fails when two JSON documents differ.
func JSONEq(t testing.TB, got json.RawMessage, want string) {
	t.Helper()
	var a, b any
	if err := json.Unmarshal(got, &a); err != nil {
		t.Fatalf("bad JSON %s: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &b); err != nil {
		t.Fatalf("bad expected JSON %s: %v", want, err)
	}
	ga, _ := json.Marshal(a)
	gb, _ := json.Marshal(b)
	if string(ga) != string(gb) {
		t.Errorf("got  %s\nwant %s", ga, gb)
	}
}

// JSONEqUnordered compares two JSON documents, ignoring the order of lists
// of objects (the contract leaves a seller's groups and the edges of a
// connection without orderBy unordered); absent data reads as null.
func JSONEqUnordered(t testing.TB, got json.RawMessage, want string) {
	t.Helper()
	if len(got) == 0 {
		got = json.RawMessage("null")
	}
	if g, w := CanonJSON(t, got), CanonJSON(t, []byte(want)); g != w {
		t.Errorf("got  %s\nwant %s", g, w)
	}
}

// CanonJSON returns the canonical form of a JSON document: every list of
// objects sorted by the objects' canonical JSON.
func CanonJSON(t testing.TB, doc []byte) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		t.Fatalf("bad JSON %s: %v", doc, err)
	}
	return canonKey(canon(v))
}

func canon(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = canon(e)
		}
	case []any:
		objects := len(x) > 0
		for i, e := range x {
			x[i] = canon(e)
			if _, ok := x[i].(map[string]any); !ok {
				objects = false
			}
		}
		if objects {
			sort.SliceStable(x, func(i, j int) bool { return canonKey(x[i]) < canonKey(x[j]) })
		}
	}
	return v
}

func canonKey(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// show renders an answer for failure messages.
func (a Answer) show() string { return fmt.Sprintf("status %d body %.600s", a.Status, a.Body) }
