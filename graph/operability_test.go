package graph_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"servicesupport/graph"
	"servicesupport/telemetry"
)

func TestOperabilityHealth(t *testing.T) {
	t.Parallel()
	down := errors.New("database is down")
	var readyErr error
	o := NewEnv(t, WithLogs(), WithConfig(func(c *graph.HandlerConfig) {
		c.Ready = func(context.Context) error { return readyErr }
	}))
	for _, tc := range []struct {
		path   string
		err    error
		status int
	}{
		{"/healthz", nil, 200},
		{"/readyz", nil, 200},
		{"/readyz", down, 503},
		{"/healthz", down, 200}, // the process lives even when the database does not answer
	} {
		readyErr = tc.err
		if a := o.Send(Request{Method: http.MethodGet, Target: tc.path}); a.Status != tc.status {
			t.Errorf("%s with ready error %v: status %d, want %d", tc.path, tc.err, a.Status, tc.status)
		}
	}
}

func TestOperabilityMetricsAndLogs(t *testing.T) {
	t.Parallel()
	o := NewEnv(t, WithLogs())
	w := o.Seed()
	o.Logs.Reset()

	body := `{"query":"query ProductPage($id: ID!) { product(id: $id) { name afterSalesGroup { phone } preSalesInfo { phone email } } }","variables":{"id":"` + w.ReleasedID + `"}}`
	a := o.Send(Request{Body: []byte(body), Header: http.Header{"X-Request-Id": {"trace-123"}}})
	if a.Status != 200 || a.Header.Get("X-Request-ID") != "trace-123" {
		t.Fatalf("status %d, X-Request-ID %q", a.Status, a.Header.Get("X-Request-ID"))
	}
	// A bad request ID is replaced, and a generated one returned.
	a = o.Send(Request{As: Owner, Body: []byte(`{"query":"{ viewer { role } }"}`), Header: http.Header{"X-Request-Id": {"bad id\nwith newline"}}})
	if got := a.Header.Get("X-Request-ID"); got == "" || strings.ContainsAny(got, " \n") {
		t.Errorf("generated request ID %q", got)
	}
	// A rejected request.
	o.Send(Request{ContentType: "application/x-www-form-urlencoded", Body: []byte(`a=b`)})

	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(o.Logs.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", l)
		}
		if m["msg"] == "request" {
			lines = append(lines, m)
		}
	}
	if len(lines) != 3 {
		t.Fatalf("want one log line per request, got %d: %s", len(lines), o.Logs.String())
	}
	first := lines[0]
	for k, want := range map[string]any{"request_id": "trace-123", "operation": "ProductPage", "status": float64(200), "role": "ANONYMOUS", "outcome": "ok"} {
		if first[k] != want {
			t.Errorf("log %s = %v, want %v", k, first[k], want)
		}
	}
	if first["sql_statements"].(float64) < 1 || first["duration"] == nil {
		t.Errorf("log line lacks statements or duration: %v", first)
	}
	if lines[1]["role"] != "SELLER" || lines[2]["status"] != float64(415) || lines[2]["outcome"] != "rejected" {
		t.Errorf("second/third lines: %v / %v", lines[1], lines[2])
	}
	all := o.Logs.String()
	for _, secret := range []string{Token(t, Owner)[:40], "+861065529988", "presales@acme.example", "Acme Road"} {
		if strings.Contains(all, secret) {
			t.Errorf("the log contains %q", secret)
		}
	}

	text := string(o.Send(Request{Method: http.MethodGet, Target: "/metrics"}).Body)
	for _, want := range []string{
		`graphql_requests_total{operation="ProductPage",outcome="ok"} 1`,
		`graphql_requests_total{operation="(anonymous)",outcome="rejected"} 1`,
		`graphql_request_duration_seconds_count{operation="ProductPage"} 1`,
		`graphql_sql_statements_per_request_count`,
		`graphql_rejected_requests_total{status="Unsupported Media Type"} 1`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func apqBody(query, hash string) string {
	ext := `"extensions":{"persistedQuery":{"version":1,"sha256Hash":"` + hash + `"}}`
	if query == "" {
		return `{` + ext + `}`
	}
	q, _ := json.Marshal(query)
	return `{"query":` + string(q) + `,` + ext + `}`
}

func TestOperabilityPersistedQueriesAndCaching(t *testing.T) {
	t.Parallel()
	o := NewEnv(t, WithLogs())
	w := o.Seed()
	query := `query Page($id: ID!) { product(id: $id) { name } }`
	hash := SHA256Hex(query)
	post := func(body string) Answer { return o.Send(Request{Body: []byte(body)}) }
	// Unknown hash → PERSISTED_QUERY_NOT_FOUND (never cached, even over
	// GET); then register; then GET by hash.
	if a := post(apqBody("", hash)); !strings.Contains(string(a.Body), "PERSISTED_QUERY_NOT_FOUND") {
		t.Fatalf("unknown hash: %d %s", a.Status, a.Body)
	}
	miss := url.Values{"extensions": {`{"persistedQuery":{"version":1,"sha256Hash":"` + hash + `"}}`}}
	if a := o.Send(Request{Method: http.MethodGet, Target: "/graphql?" + miss.Encode()}); !strings.Contains(string(a.Body), "PERSISTED_QUERY_NOT_FOUND") ||
		a.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("unknown hash over GET: Cache-Control %q, body %s", a.Header.Get("Cache-Control"), a.Body)
	}
	if a := post(apqBody(query, hash)[:len(apqBody(query, hash))-1] + `,"variables":{"id":"` + w.ReleasedID + `"}}`); a.Status != 200 || !strings.Contains(string(a.Body), "Acme Compute") {
		t.Fatalf("registering: %d %s", a.Status, a.Body)
	}
	get := func(as Persona) Answer {
		v := url.Values{}
		v.Set("extensions", `{"persistedQuery":{"version":1,"sha256Hash":"`+hash+`"}}`)
		v.Set("variables", `{"id":"`+w.ReleasedID+`"}`)
		return o.Send(Request{Method: http.MethodGet, Target: "/graphql?" + v.Encode(), As: as})
	}
	a := get(Anonymous)
	if a.Status != 200 || !strings.Contains(string(a.Body), "Acme Compute") {
		t.Fatalf("GET by hash: %d %s", a.Status, a.Body)
	}
	if cc := a.Header.Get("Cache-Control"); cc != "public, max-age=30" {
		t.Errorf("anonymous product page Cache-Control %q", cc)
	}
	if cc := get(Owner).Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("authenticated GET Cache-Control %q, want no-store", cc)
	}
	if cc := post(`{"query":"{ viewer { role } }"}`).Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("POST Cache-Control %q, want no-store", cc)
	}
	// A GET whose answer has errors is not cached.
	v := url.Values{"query": {`{ sellers { totalCount } }`}}
	if a := o.Send(Request{Method: http.MethodGet, Target: "/graphql?" + v.Encode()}); a.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("failed GET Cache-Control %q", a.Header.Get("Cache-Control"))
	}
}

func TestOperabilityAllowList(t *testing.T) {
	t.Parallel()
	allowed := `{ viewer { role } }`
	o := NewEnv(t, WithLogs(), WithConfig(func(c *graph.HandlerConfig) {
		// CreateSellerM registers the harness's sellers.
		c.AllowedOperations = map[string]string{SHA256Hex(allowed): allowed, SHA256Hex(CreateSellerM): CreateSellerM}
	}))
	for _, tc := range []struct {
		name, body string
		status     int
		contains   string
	}{
		{"registered document", `{"query":"{ viewer { role } }"}`, 200, `"ANONYMOUS"`},
		{"registered hash", apqBody("", SHA256Hex(allowed)), 200, `"ANONYMOUS"`},
		{"unregistered document", `{"query":"{ products { totalCount } }"}`, 400, "OPERATION_NOT_ALLOWED"},
		{"unregistered hash", apqBody("", SHA256Hex("{ products { totalCount } }")), 400, "OPERATION_NOT_ALLOWED"},
		{"hash of another document", apqBody(`{ products { totalCount } }`, SHA256Hex(allowed)), 400, "OPERATION_NOT_ALLOWED"},
	} {
		a := o.Send(Request{Accept: MediaGraphQLResponse, Body: []byte(tc.body)})
		if a.Status != tc.status || !strings.Contains(string(a.Body), tc.contains) {
			t.Errorf("%s: %d %s, want %d containing %s", tc.name, a.Status, a.Body, tc.status, tc.contains)
		}
	}
}

// TestIntrospectionAndSuggestions checks that introspection and "Did you
// mean" suggestions are on in dev mode only, unless introspection is turned
// on by configuration.
func TestIntrospectionAndSuggestions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name                       string
		dev, introspection         bool
		wantSchema, wantSuggestion bool
	}{
		{"production", false, false, false, false},
		{"production with introspection", false, true, true, false},
		{"dev mode", true, false, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := NewEnv(t, WithLogs(), WithConfig(func(c *graph.HandlerConfig) {
				c.DevMode, c.Introspection = tc.dev, tc.introspection
			}))
			post := func(q string) string { return string(o.Post(Anonymous, q, nil).Body) }
			for _, q := range []string{
				`{ __schema { queryType { name } } }`,
				`{ __type(name: "Product") { name } }`,
				`query { ...f } fragment f on Query { __schema { queryType { name } } }`,
			} {
				a := o.Send(Request{Accept: MediaGraphQLResponse, Body: GQL(q, nil)})
				got := strings.Contains(string(a.Body), `"name":"Query"`) || strings.Contains(string(a.Body), `"name":"Product"`)
				if got != tc.wantSchema {
					t.Errorf("%s answered %s", q, a.Body)
				}
				// Refused before it runs, with a code: never INTERNAL.
				if refused := strings.Contains(string(a.Body), `"code":"INTROSPECTION_DISABLED"`); refused == tc.wantSchema || (refused && (a.Status < 400 || strings.Contains(string(a.Body), `"data"`))) {
					t.Errorf("%s: status %d, %s; want INTROSPECTION_DISABLED without data exactly when introspection is off", q, a.Status, a.Body)
				}
			}
			if got := post(`{ __typename }`); !strings.Contains(got, `"__typename":"Query"`) {
				t.Errorf("__typename answered %s", got)
			}
			typo := post(`{ prodcts { totalCount } }`)
			if !strings.Contains(typo, "GRAPHQL_VALIDATION_FAILED") {
				t.Fatalf("typo answered %s", typo)
			}
			if got := strings.Contains(typo, "Did you mean"); got != tc.wantSuggestion {
				t.Errorf("suggestion shown = %v, want %v: %s", got, tc.wantSuggestion, typo)
			}
		})
	}
}

// TestRequestDeadline checks that the per-request deadline stops database
// work: the answer is TIMEOUT, and a mutation cut short writes nothing.
func TestRequestDeadline(t *testing.T) {
	t.Parallel()
	o := NewEnv(t)
	// A second server over the same database whose deadline has always
	// passed.
	late := o.Reconfigure(t, func(c *graph.HandlerConfig) {
		c.RequestTimeout, c.Metrics = time.Nanosecond, telemetry.NewMetrics(nil)
	})
	post := func(p Persona, q string) string {
		a := late.Post(p, q, nil)
		if a.Status != http.StatusServiceUnavailable || a.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: status %d, Cache-Control %q; want 503, no-store", q, a.Status, a.Header.Get("Cache-Control"))
		}
		return string(a.Body)
	}
	for _, tc := range []struct {
		as    Persona
		query string
	}{
		{Anonymous, `{ products { totalCount } }`},
		{Admin, `mutation { createSeller(input: {accountID: "late", name: "Late Ltd"}) { seller { id } userErrors { code } } }`},
	} {
		body := post(tc.as, tc.query)
		if !strings.Contains(body, `"code":"TIMEOUT"`) || strings.Contains(body, "deadline") {
			t.Errorf("%s: %s", tc.query, body)
		}
	}
	if m := late.Send(Request{Method: http.MethodGet, Target: "/metrics"}); !strings.Contains(string(m.Body), `graphql_requests_total{operation="(anonymous)",outcome="timeout"} 2`) {
		t.Errorf("/metrics does not count the 2 timeouts:\n%s", m.Body)
	}
	n, err := o.Client.Seller.Query().Count(Sys())
	if err != nil || n != 2 {
		t.Errorf("sellers after the cut-short mutation: %d, %v (want the 2 of the setup)", n, err)
	}
}
