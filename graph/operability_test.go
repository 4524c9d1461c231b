package graph_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"servicesupport/database"
	"servicesupport/graph"
	"servicesupport/policy"
	"servicesupport/telemetry"
)

// opsEnv is a server wired as in production: statements counted by the
// telemetry driver, metrics, a JSON request log, and optional extras.
type opsEnv struct {
	*Env
	handler http.Handler
	logs    *bytes.Buffer
}

func newOpsEnv(t *testing.T, tweak func(*graph.HandlerConfig)) opsEnv {
	t.Helper()
	url, err := database.FileURL(filepath.Join(t.TempDir(), "ops.db"))
	if err != nil {
		t.Fatal(err)
	}
	// A second client over the same schema, with the production driver.
	client, err := database.Open(url, telemetry.CountStatements)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	logs := &bytes.Buffer{}
	cfg := graph.HandlerConfig{
		Client:  client,
		Secret:  testSecret,
		Logger:  slog.New(slog.NewJSONHandler(logs, nil)),
		Metrics: telemetry.NewMetrics(nil),
	}
	if tweak != nil {
		tweak(&cfg)
	}
	ops := opsEnv{Env: &Env{t: t, Client: client, Handler: graph.NewHandler(cfg)}, logs: logs}
	ops.handler = ops.Env.Handler
	ops.OwnerSellerID = ops.CreateSeller("acme", "Acme Cloud")
	ops.OtherSellerID = ops.CreateSeller("globex", "Globex Software")
	return ops
}

// serve sends a request to the handler and returns the recorder.
func (o opsEnv) serve(req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	o.handler.ServeHTTP(rec, req)
	return rec
}

func TestOperabilityHealth(t *testing.T) {
	t.Parallel()
	down := errors.New("database is down")
	var readyErr error
	o := newOpsEnv(t, func(c *graph.HandlerConfig) {
		c.Ready = func(context.Context) error { return readyErr }
	})
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
		if rec := o.serve(httptest.NewRequest(http.MethodGet, tc.path, nil)); rec.Code != tc.status {
			t.Errorf("%s with ready error %v: status %d, want %d", tc.path, tc.err, rec.Code, tc.status)
		}
	}
}

func TestOperabilityMetricsAndLogs(t *testing.T) {
	t.Parallel()
	o := newOpsEnv(t, nil)
	w := o.Seed()
	o.logs.Reset()

	body := `{"query":"query ProductPage($id: ID!) { product(id: $id) { name afterSalesGroup { phone } preSalesInfo { phone email } } }","variables":{"id":"` + w.ReleasedID + `"}}`
	req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Request-ID", "trace-123")
	rec := o.serve(req)
	if rec.Code != 200 || rec.Header().Get("X-Request-ID") != "trace-123" {
		t.Fatalf("status %d, X-Request-ID %q", rec.Code, rec.Header().Get("X-Request-ID"))
	}
	// A bad request ID is replaced, and a generated one returned.
	req = httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":"{ viewer { role } }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Request-ID", "bad id\nwith newline")
	req.Header.Set("Authorization", "Bearer "+Token(t, Owner))
	if got := o.serve(req).Header().Get("X-Request-ID"); got == "" || strings.ContainsAny(got, " \n") {
		t.Errorf("generated request ID %q", got)
	}
	// A rejected request.
	req = httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`a=b`))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	o.serve(req)

	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(o.logs.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", l)
		}
		if m["msg"] == "request" {
			lines = append(lines, m)
		}
	}
	if len(lines) != 3 {
		t.Fatalf("want one log line per request, got %d: %s", len(lines), o.logs.String())
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
	all := o.logs.String()
	for _, secret := range []string{Token(t, Owner)[:40], "+861065529988", "presales@acme.example", "Acme Road"} {
		if strings.Contains(all, secret) {
			t.Errorf("the log contains %q", secret)
		}
	}

	m := o.serve(httptest.NewRequest(http.MethodGet, "/metrics", nil))
	text := m.Body.String()
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

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestOperabilityPersistedQueriesAndCaching(t *testing.T) {
	t.Parallel()
	o := newOpsEnv(t, nil)
	w := o.Seed()
	query := `query Page($id: ID!) { product(id: $id) { name } }`
	hash := sha(query)
	post := func(body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		return o.serve(req)
	}
	// Unknown hash → PERSISTED_QUERY_NOT_FOUND (never cached, even over
	// GET); then register; then GET by hash.
	if rec := post(apqBody("", hash)); !strings.Contains(rec.Body.String(), "PERSISTED_QUERY_NOT_FOUND") {
		t.Fatalf("unknown hash: %d %s", rec.Code, rec.Body)
	}
	miss := url.Values{"extensions": {`{"persistedQuery":{"version":1,"sha256Hash":"` + hash + `"}}`}}
	if rec := o.serve(httptest.NewRequest(http.MethodGet, "/graphql?"+miss.Encode(), nil)); !strings.Contains(rec.Body.String(), "PERSISTED_QUERY_NOT_FOUND") ||
		rec.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("unknown hash over GET: Cache-Control %q, body %s", rec.Header().Get("Cache-Control"), rec.Body)
	}
	if rec := post(apqBody(query, hash)[:len(apqBody(query, hash))-1] + `,"variables":{"id":"` + w.ReleasedID + `"}}`); rec.Code != 200 || !strings.Contains(rec.Body.String(), "Acme Compute") {
		t.Fatalf("registering: %d %s", rec.Code, rec.Body)
	}
	get := func(auth string) *httptest.ResponseRecorder {
		v := url.Values{}
		v.Set("extensions", `{"persistedQuery":{"version":1,"sha256Hash":"`+hash+`"}}`)
		v.Set("variables", `{"id":"`+w.ReleasedID+`"}`)
		req := httptest.NewRequest(http.MethodGet, "/graphql?"+v.Encode(), nil)
		if auth != "" {
			req.Header.Set("Authorization", "Bearer "+auth)
		}
		return o.serve(req)
	}
	rec := get("")
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "Acme Compute") {
		t.Fatalf("GET by hash: %d %s", rec.Code, rec.Body)
	}
	if cc := rec.Header().Get("Cache-Control"); cc != "public, max-age=30" {
		t.Errorf("anonymous product page Cache-Control %q", cc)
	}
	if cc := get(Token(t, Owner)).Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("authenticated GET Cache-Control %q, want no-store", cc)
	}
	if cc := post(`{"query":"{ viewer { role } }"}`).Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("POST Cache-Control %q, want no-store", cc)
	}
	// A GET whose answer has errors is not cached.
	v := url.Values{"query": {`{ sellers { totalCount } }`}}
	if rec := o.serve(httptest.NewRequest(http.MethodGet, "/graphql?"+v.Encode(), nil)); rec.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("failed GET Cache-Control %q", rec.Header().Get("Cache-Control"))
	}
}

func TestOperabilityAllowList(t *testing.T) {
	t.Parallel()
	allowed := `{ viewer { role } }`
	o := newOpsEnv(t, func(c *graph.HandlerConfig) {
		c.AllowedOperations = map[string]string{sha(allowed): allowed, sha(adminCreateSeller): adminCreateSeller}
	})
	post := func(body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		return o.serve(req)
	}
	for _, tc := range []struct {
		name, body string
		status     int
		contains   string
	}{
		{"registered document", `{"query":"{ viewer { role } }"}`, 200, `"ANONYMOUS"`},
		{"registered hash", apqBody("", sha(allowed)), 200, `"ANONYMOUS"`},
		{"unregistered document", `{"query":"{ products { totalCount } }"}`, 422, "OPERATION_NOT_ALLOWED"},
		{"unregistered hash", apqBody("", sha("{ products { totalCount } }")), 422, "OPERATION_NOT_ALLOWED"},
		{"hash of another document", apqBody(`{ products { totalCount } }`, sha(allowed)), 422, "OPERATION_NOT_ALLOWED"},
	} {
		rec := post(tc.body)
		b, _ := io.ReadAll(rec.Body)
		if rec.Code != tc.status || !strings.Contains(string(b), tc.contains) {
			t.Errorf("%s: %d %s, want %d containing %s", tc.name, rec.Code, b, tc.status, tc.contains)
		}
	}
}

// adminCreateSeller is the operation the ops environment registers sellers with.
const adminCreateSeller = `mutation($a: String!, $n: String!) { createSeller(input: {accountID: $a, name: $n}) { seller { id } ` + userErrorFields + ` } }`

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
			o := newOpsEnv(t, func(c *graph.HandlerConfig) {
				c.DevMode, c.Introspection = tc.dev, tc.introspection
			})
			post := func(q string) string {
				b, _ := json.Marshal(map[string]string{"query": q})
				req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(b))
				req.Header.Set("Content-Type", "application/json")
				return o.serve(req).Body.String()
			}
			schema := post(`{ __schema { queryType { name } } }`)
			if got := strings.Contains(schema, `"queryType":{"name":"Query"}`); got != tc.wantSchema {
				t.Errorf("introspection answered %s", schema)
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
	o := newOpsEnv(t, nil)
	metrics := telemetry.NewMetrics(nil)
	late := graph.NewHandler(graph.HandlerConfig{Client: o.Client, Secret: testSecret, Logger: testLogger, RequestTimeout: time.Nanosecond, Metrics: metrics})
	post := func(p Persona, q string) string {
		b, _ := json.Marshal(map[string]string{"query": q})
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		if tok := Token(t, p); tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		rec := httptest.NewRecorder()
		late.ServeHTTP(rec, req)
		if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("%s: status %d, Cache-Control %q; want 503, no-store", q, rec.Code, rec.Header().Get("Cache-Control"))
		}
		return rec.Body.String()
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
	rec := httptest.NewRecorder()
	late.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if !strings.Contains(rec.Body.String(), `graphql_requests_total{operation="(anonymous)",outcome="timeout"} 2`) {
		t.Errorf("/metrics does not count the 2 timeouts:\n%s", rec.Body)
	}
	n, err := o.Client.Seller.Query().Count(policy.System(context.Background()))
	if err != nil || n != 2 {
		t.Errorf("sellers after the cut-short mutation: %d, %v (want the 2 of the setup)", n, err)
	}
}
