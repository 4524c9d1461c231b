package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"servicesupport/database"
	"servicesupport/ent"
	"servicesupport/graph"
)

// cost is extensions.cost as a client reads it.
type cost struct {
	RequestedQueryCost int
	ActualQueryCost    *int
	ThrottleStatus     struct {
		MaximumAvailable, CurrentlyAvailable, RestoreRate int
	}
}

// costOf reads an answer's extensions.cost; every answer carries one.
func costOf(t *testing.T, a Answer) cost {
	t.Helper()
	var ext struct{ Cost *cost }
	if err := json.Unmarshal(a.Raw["extensions"], &ext); err != nil || ext.Cost == nil {
		t.Fatalf("the answer has no extensions.cost: %s", a.Body)
	}
	return *ext.Cost
}

// showCost prints an optional cost.
func showCost(n *int) string {
	if n == nil {
		return "null"
	}
	return strconv.Itoa(*n)
}

// sendFrom sends r as if from the client address remote.
func sendFrom(t *testing.T, env *Env, remote string, r Request) Answer {
	t.Helper()
	req := r.HTTP(t)
	req.RemoteAddr = remote
	rec := httptest.NewRecorder()
	env.Handler.ServeHTTP(rec, req)
	a := Answer{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
	if err := json.Unmarshal(a.Body, &a.Raw); err != nil {
		t.Fatalf("answer is not JSON: %d %s", a.Status, a.Body)
	}
	_ = json.Unmarshal(a.Raw["errors"], &a.Errors)
	a.Data = a.Raw["data"]
	return a
}

// TestCostExtension checks extensions.cost on answers that ran, that were
// refused, and that were refused before they were priced: the requested
// cost is the cost rule's price, the actual cost the fields resolved, and
// the bucket loses exactly the actual cost (the rest is refunded).
func TestCostExtension(t *testing.T) {
	env := NewEnv(t, WithConfig(func(c *graph.HandlerConfig) { c.RateLimitPoints, c.RateLimitRestore = 1000, 1 }))
	env.Seed()
	// The bucket as the seeding left it: a query of one field costs 1.
	available := costOf(t, env.Send(Request{As: Reviewer, Body: GQL(`{ __typename }`, nil)})).ThrottleStatus.CurrentlyAvailable
	q := `{ products(first: 10) { edges { node { name } } } }`
	a := env.Send(Request{As: Reviewer, Body: GQL(q, nil)})
	c := costOf(t, a)
	var page struct{ Products struct{ Edges []struct{} } }
	Decode(t, a.Result, &page)
	n := len(page.Products.Edges)
	if n == 0 || n >= 10 {
		t.Fatalf("the seed has %d visible products; the test wants a short page", n)
	}
	// Priced as a full page of objects (scalars cost nothing): products 1
	// + 10 × (edge 1 + node 1).
	if c.RequestedQueryCost != 21 {
		t.Errorf("requestedQueryCost = %d, want 21", c.RequestedQueryCost)
	}
	// Resolved: the connection, and an edge and a node per product.
	actual := 1 + 2*n
	if c.ActualQueryCost == nil || *c.ActualQueryCost != actual {
		t.Errorf("actualQueryCost = %v, want %d", showCost(c.ActualQueryCost), actual)
	}
	// The bucket lost the actual cost (a second may have restored 1).
	if s := c.ThrottleStatus; s.MaximumAvailable != 1000 || s.RestoreRate != 1 || s.CurrentlyAvailable < available-actual || s.CurrentlyAvailable > available-actual+1 {
		t.Errorf("throttleStatus = %+v, want %d - %d available of 1000, restoring 1/s", s, available, actual)
	}
	// A validation error costs the point of its admission, and runs nothing.
	after := c.ThrottleStatus.CurrentlyAvailable
	bad := costOf(t, env.Send(Request{As: Reviewer, Body: GQL(`{ nope }`, nil)}))
	if bad.RequestedQueryCost != 1 || bad.ActualQueryCost != nil || bad.ThrottleStatus.MaximumAvailable != 1000 ||
		bad.ThrottleStatus.CurrentlyAvailable < after-1 || bad.ThrottleStatus.CurrentlyAvailable > after {
		t.Errorf("a refused operation's cost = %+v, want 1 point of %d", bad, after)
	}
	// So does a request that is not GraphQL at all.
	if early := costOf(t, env.Send(Request{As: Reviewer, Method: http.MethodPut})); early.ThrottleStatus.MaximumAvailable != 1000 {
		t.Errorf("a refused request's cost = %+v", early)
	}
}

// TestThrottling empties a viewer's bucket: the next operation answers 429
// THROTTLED with Retry-After, runs nothing (not even its seller lookup),
// and leaves other viewers' buckets alone. Anonymous viewers are keyed by
// client address, X-Forwarded-For counting only from a trusted proxy.
func TestThrottling(t *testing.T) {
	setup := NewEnv(t)
	// The owner's drafts fill the reviewer's page, so its cost is not
	// refunded.
	for i := range 6 {
		setup.CreateProduct(Owner, "P"+strconv.Itoa(i), "")
	}
	env := setup.Reconfigure(t, func(c *graph.HandlerConfig) {
		c.RateLimitPoints, c.RateLimitRestore = 40, 1
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	})
	q := GQL(`{ products(first: 20) { edges { node { name } } } }`, nil) // priced 41
	if a := env.Send(Request{As: Owner, Body: q}); a.Code() != "COMPLEXITY_LIMIT_EXCEEDED" {
		t.Fatalf("an operation over the bucket's size: %d %s, want COMPLEXITY_LIMIT_EXCEEDED (it could never run)", a.Status, a.Body)
	}
	// Priced 1 + 6 × (edge, node, seller) = 19, and a full page costs that.
	q = GQL(`{ products(first: 6) { edges { node { name seller { name } } } } }`, nil)
	vars := map[string]any{"in": map[string]any{"name": "Throttled", "summary": ""}}
	mutation := GQL(CreateProductM, vars)
	for i, want := range []int{http.StatusOK, http.StatusOK} {
		if a := env.Send(Request{As: Reviewer, Body: q}); a.Status != want || costOf(t, a).ActualQueryCost == nil || *costOf(t, a).ActualQueryCost != 19 {
			t.Fatalf("query %d: %d %s, want %d costing 19", i, a.Status, a.Body, want)
		}
	}
	before := env.Snapshot()
	var second Answer
	statements := env.StatementsOf(func() { second = env.Send(Request{As: Reviewer, Body: q}) })
	if second.Status != http.StatusTooManyRequests || second.Code() != graph.CodeThrottled {
		t.Fatalf("third: %d %s, want 429 THROTTLED", second.Status, second.Body)
	}
	if ra, err := strconv.Atoi(second.Header.Get("Retry-After")); err != nil || ra < 17 || ra > 18 {
		t.Errorf("Retry-After = %q, want the 17 s that 2 points take to become 19 at 1/s", second.Header.Get("Retry-After"))
	}
	if _, ok := second.Raw["data"]; ok || statements != 0 {
		t.Errorf("a throttled request ran: data %s, %d statements", second.Raw["data"], statements)
	}
	if c := costOf(t, second); c.RequestedQueryCost != 19 || c.ActualQueryCost != nil {
		t.Errorf("throttled cost = %+v, want requested 19 and no actual cost", c)
	}
	// An empty bucket refuses a request before its document costs anything:
	// an unknown persisted query's hash is not even looked up. Each request
	// either runs (costing its point) or is refused without a statement.
	apq := []byte(`{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"` + strings.Repeat("ab", 32) + `"}}}`)
	refused := false
	for range 10 {
		var a Answer
		n := env.StatementsOf(func() { a = env.Send(Request{As: Reviewer, Body: apq}) })
		if a.Status == http.StatusTooManyRequests {
			if refused = true; n != 0 || a.Code() != graph.CodeThrottled {
				t.Errorf("an empty bucket's request: %s, %d statements", a.Body, n)
			}
			break
		}
	}
	if !refused {
		t.Errorf("10 persisted-query lookups on a bucket of 2 points were not throttled")
	}
	// A throttled mutation changes nothing.
	for range 3 {
		env.Send(Request{As: Reviewer, Body: mutation})
	}
	env.Unchanged(before)
	// Other viewers have their own buckets.
	if a := env.Send(Request{As: Admin, Body: q}); a.Status != http.StatusOK {
		t.Errorf("another viewer was throttled: %d", a.Status)
	}

	// Anonymous viewers, by address, with an operation that costs what it
	// was priced at (10 objects), against a bucket of 10.
	anonEnv := setup.Reconfigure(t, func(c *graph.HandlerConfig) {
		c.RateLimitPoints, c.RateLimitRestore = 10, 1
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	})
	fields := make([]string, 10)
	for i := range fields {
		fields[i] = "v" + strconv.Itoa(i) + ": viewer { role }"
	}
	viewer := GQL(`{ `+strings.Join(fields, " ")+` }`, nil)
	anon := func(remote, forwarded string) int {
		r := Request{Body: viewer}
		if forwarded != "" {
			r.Header = http.Header{"X-Forwarded-For": {forwarded}}
		}
		return sendFrom(t, anonEnv, remote, r).Status
	}
	for _, step := range []struct {
		name              string
		remote, forwarded string
		want              int
	}{
		{"a client", "192.0.2.1:1000", "", 200},
		{"the same client again", "192.0.2.1:2000", "", 429},
		{"the same client, forging a forwarded address", "192.0.2.1:2000", "198.51.100.7", 429},
		{"another client", "192.0.2.2:1000", "", 200},
		{"a client behind the trusted proxy", "10.1.2.3:1000", "198.51.100.7", 200},
		{"the same client behind another proxy hop", "10.9.9.9:1000", "198.51.100.7, 10.1.2.3", 429},
		{"another client behind the proxy", "10.1.2.3:1000", "198.51.100.8", 200},
	} {
		if got := anon(step.remote, step.forwarded); got != step.want {
			t.Errorf("%s: %d, want %d", step.name, got, step.want)
		}
	}
}

// instanceOn is a second server instance on env's database: its own
// connection pool, service and edge state (cost buckets).
func instanceOn(t *testing.T, env *Env) *Env {
	t.Helper()
	_, client := reconnect(t, env)
	return env.Reconfigure(t, func(c *graph.HandlerConfig) { c.Client = client })
}

// reconnect opens env's database again, as another instance does: its
// own pool and client, closed when the test ends.
func reconnect(t testing.TB, env *Env) (*database.DB, *ent.Client) {
	t.Helper()
	db, err := database.Connect(env.URL, database.Options{})
	if err != nil {
		t.Fatal(err)
	}
	client := db.Client(nil)
	t.Cleanup(func() { client.Close() })
	return db, client
}

// TestIdempotencyKeys checks the contract's answers to retries: the same
// key and body replay the first answer, on any instance, changing nothing;
// another body is refused with 422; a malformed key with 400; keys are
// per subject; and a key means nothing to a query.
func TestIdempotencyKeys(t *testing.T) {
	a := NewEnv(t)
	b := instanceOn(t, a)
	create := func(name string) []byte {
		return GQL(CreateProductM, map[string]any{"in": map[string]any{"name": name, "summary": ""}})
	}
	keyed := func(env *Env, p Persona, key string, body []byte) Answer {
		return env.Send(Request{As: p, Body: body, Header: http.Header{"Idempotency-Key": {key}}})
	}
	count := func() int {
		var out struct {
			Viewer struct {
				Seller struct{ Products struct{ TotalCount int } }
			}
		}
		a.MustDo(Owner, `{ viewer { seller { products { totalCount } } } }`, nil, &out)
		return out.Viewer.Seller.Products.TotalCount
	}

	first := keyed(a, Owner, "order-1", create("Keyed"))
	if first.Status != http.StatusOK || first.Code() != "" || first.Header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("first: %d %s", first.Status, first.Body)
	}
	before := a.Snapshot()
	for i, inst := range []*Env{a, b} {
		again := keyed(inst, Owner, "order-1", create("Keyed"))
		if again.Status != first.Status || again.Header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("retry on instance %d: %d, Idempotent-Replayed %q", i, again.Status, again.Header.Get("Idempotent-Replayed"))
		}
		if !bytes.Equal(again.Raw["data"], first.Raw["data"]) || string(again.Raw["errors"]) != string(first.Raw["errors"]) {
			t.Errorf("retry on instance %d answered %s, want %s", i, again.Body, first.Body)
		}
		costOf(t, again)
	}
	a.Unchanged(before)
	// A replay answers in the media type its own request asked for.
	gql := a.Send(Request{As: Owner, Accept: MediaGraphQLResponse, Body: create("Keyed"), Header: http.Header{"Idempotency-Key": {"order-1"}}})
	if gql.Header.Get("Idempotent-Replayed") != "true" || gql.Header.Get("Content-Type") != MediaGraphQLResponse+"; charset=utf-8" {
		t.Errorf("replay with Accept %s: Content-Type %q", MediaGraphQLResponse, gql.Header.Get("Content-Type"))
	}

	other := keyed(b, Owner, "order-1", create("Another"))
	if other.Status != http.StatusUnprocessableEntity || other.Code() != graph.CodeIdempotencyKeyReused {
		t.Errorf("same key, other body: %d %s", other.Status, other.Body)
	}
	for _, key := range []string{"", "has space", string(bytes.Repeat([]byte("k"), 256)), "ключ"} {
		r := Request{As: Owner, Body: create("Bad key"), Header: http.Header{"Idempotency-Key": {key}}}
		if got := a.Send(r); got.Status != http.StatusBadRequest || got.Code() != graph.CodeBadRequest {
			t.Errorf("key %q: %d %s, want 400", key, got.Status, got.Body)
		}
	}
	two := a.Send(Request{As: Owner, Body: create("Two keys"), Header: http.Header{"Idempotency-Key": {"x", "y"}}})
	if two.Status != http.StatusBadRequest {
		t.Errorf("two keys: %d", two.Status)
	}
	a.Unchanged(before)

	// Another subject's key of the same name is its own.
	if got := keyed(a, SellerOf("globex"), "order-1", create("Keyed")); got.Header.Get("Idempotent-Replayed") != "" || got.Code() != "" {
		t.Errorf("another subject's key was replayed: %s", got.Body)
	}
	// A query ignores the key.
	q := GQL(`{ viewer { role } }`, nil)
	for range 2 {
		if got := keyed(a, Owner, "query-key", q); got.Header.Get("Idempotent-Replayed") != "" {
			t.Errorf("a query was replayed")
		}
	}
	if n := count(); n != 1 {
		t.Errorf("the owner has %d products, want 1", n)
	}
}

// TestIdempotencyKeyConcurrentRetries sends one keyed mutation 16 times at
// once, half to each of two instances: exactly one runs; every other
// answer is 409 IDEMPOTENCY_KEY_IN_USE or, once the first has answered,
// its replay. Only the database's unique index can decide this across
// instances.
func TestIdempotencyKeyConcurrentRetries(t *testing.T) {
	a := NewEnv(t)
	b := instanceOn(t, a)
	const n = 16
	both := a.For(t)
	both.Handler = &gate{n: n, open: make(chan struct{}), next: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Instance") == "b" {
			b.Handler.ServeHTTP(w, r)
			return
		}
		a.Handler.ServeHTTP(w, r)
	})}
	body := GQL(CreateProductM, map[string]any{"in": map[string]any{"name": "Once", "summary": ""}})
	answers := make([]Answer, n)
	var mu sync.Mutex
	AtOnce(n, func(i int) {
		h := http.Header{"Idempotency-Key": {"concurrent"}}
		if i%2 == 1 {
			h.Set("X-Instance", "b")
		}
		got := both.Send(Request{As: Owner, Body: body, Header: h})
		mu.Lock()
		answers[i] = got
		mu.Unlock()
	})
	both.CheckGate()
	ran, inUse, replayed := 0, 0, 0
	var data json.RawMessage
	for _, got := range answers {
		switch {
		case got.Status == http.StatusConflict && got.Code() == graph.CodeIdempotencyKeyInUse:
			inUse++
		case got.Status == http.StatusOK && got.Header.Get("Idempotent-Replayed") == "true":
			replayed++
		case got.Status == http.StatusOK && got.Code() == "":
			ran++
			data = got.Raw["data"]
		default:
			t.Errorf("unexpected answer %d %s", got.Status, got.Body)
		}
	}
	t.Logf("%d requests with one key on two instances: %d ran, %d answered 409, %d replayed", n, ran, inUse, replayed)
	if ran != 1 {
		t.Fatalf("%d requests ran the mutation, want exactly 1", ran)
	}
	for _, got := range answers {
		if got.Header.Get("Idempotent-Replayed") == "true" && !bytes.Equal(got.Raw["data"], data) {
			t.Errorf("a replay answered %s, want %s", got.Raw["data"], data)
		}
	}
	var out struct {
		Viewer struct {
			Seller struct{ Products struct{ TotalCount int } }
		}
	}
	a.MustDo(Owner, `{ viewer { seller { products { totalCount } } } }`, nil, &out)
	if out.Viewer.Seller.Products.TotalCount != 1 {
		t.Errorf("%d products were created, want 1", out.Viewer.Seller.Products.TotalCount)
	}
}

// TestThrottlingOverWebSocket: operations over a socket draw on the same
// bucket as over HTTP (the viewer's, or the client address's), carry
// extensions.cost, and are refused with THROTTLED when it is empty, a
// subscription included.
func TestThrottlingOverWebSocket(t *testing.T) {
	env := NewEnv(t, WithFeed(), WithConfig(func(c *graph.HandlerConfig) { c.RateLimitPoints, c.RateLimitRestore = 10, 1 }))
	fields := make([]string, 10)
	for i := range fields {
		fields[i] = "v" + strconv.Itoa(i) + ": viewer { role }"
	}
	costly := `{ ` + strings.Join(fields, " ") + ` }` // 10 objects
	srv := serveTCP(t, env.Handler)
	for _, c := range []struct {
		name, authorization string
		p                   Persona
	}{
		{"anonymous", "", Anonymous},
		{"signed in", bearer(Token(t, SellerOf("ws-only"))), SellerOf("ws-only")},
	} {
		t.Run(c.name, func(t *testing.T) {
			ws := connect(t, wsURL(srv), c.authorization)
			answer := func(id, query string) wsMessage {
				t.Helper()
				ws.send("subscribe", id, map[string]any{"query": query})
				for {
					m, err := ws.next(10 * time.Second)
					if err != nil {
						t.Fatalf("%s: %v", id, err)
					}
					if m.ID == id && m.Type != "complete" {
						return m
					}
				}
			}
			first := answer("1", costly)
			var r struct {
				Result
				Extensions struct{ Cost cost }
			}
			if err := json.Unmarshal(first.Payload, &r); err != nil || first.Type != "next" || len(r.Errors) > 0 {
				t.Fatalf("first: %s %s", first.Type, first.Payload)
			}
			if got := r.Extensions.Cost; got.RequestedQueryCost != 10 || got.ActualQueryCost == nil || *got.ActualQueryCost != 10 || got.ThrottleStatus.MaximumAvailable != 10 {
				t.Errorf("first cost = %+v, want 10 of a bucket of 10", got)
			}
			if code, _ := answer("2", costly).errorCode("2"); code != graph.CodeThrottled {
				t.Errorf("second query: %q, want THROTTLED", code)
			}
			if c.p != Anonymous {
				if code, _ := answer("3", `subscription { events { id } }`).errorCode("3"); code != graph.CodeThrottled {
					t.Errorf("a subscription on an empty bucket: %q, want THROTTLED", code)
				}
			}
			// The same bucket as over HTTP (from the socket's address).
			if a := sendFrom(t, env, "127.0.0.1:1", Request{As: c.p, Body: GQL(costly, nil)}); a.Status != http.StatusTooManyRequests {
				t.Errorf("over HTTP after the socket emptied the bucket: %d, want 429", a.Status)
			}
		})
	}
}

// failingInserts fails every INSERT into products inside a transaction,
// while armed, as a statement cut off by the request deadline fails.
type failingInserts struct {
	dialect.Driver
	armed *atomic.Bool
}

func (d failingInserts) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := d.Driver.Tx(ctx)
	return failingInsertsTx{Tx: tx, armed: d.armed}, err
}

// failingInsertsTx is a transaction of failingInserts.
type failingInsertsTx struct {
	dialect.Tx
	armed *atomic.Bool
}

func (t failingInsertsTx) fails(q string) bool {
	return t.armed.Load() && strings.HasPrefix(q, "INSERT INTO") && strings.Contains(q, "products")
}

func (t failingInsertsTx) Exec(ctx context.Context, q string, args, v any) error {
	if t.fails(q) {
		return context.DeadlineExceeded
	}
	return t.Tx.Exec(ctx, q, args, v)
}

func (t failingInsertsTx) Query(ctx context.Context, q string, args, v any) error {
	if t.fails(q) {
		return context.DeadlineExceeded
	}
	return t.Tx.Query(ctx, q, args, v)
}

// TestIdempotencyKeyOfAFailedMutationIsReleased: a keyed mutation that
// timed out changed nothing, so its answer is not kept: the retry with the
// same key runs it (and its answer is then kept).
func TestIdempotencyKeyOfAFailedMutationIsReleased(t *testing.T) {
	var armed atomic.Bool
	env := NewEnv(t, WithDriver(func(d dialect.Driver) dialect.Driver { return failingInserts{Driver: d, armed: &armed} }))
	req := Request{As: Owner, Body: GQL(CreateProductM, map[string]any{"in": map[string]any{"name": "Retried", "summary": ""}}),
		Header: http.Header{"Idempotency-Key": {"retry-me"}}}
	armed.Store(true)
	first := env.Send(req)
	armed.Store(false)
	if first.Code() != graph.CodeTimeout {
		t.Fatalf("first: %d %s, want TIMEOUT", first.Status, first.Body)
	}
	second := env.Send(req)
	if second.Header.Get("Idempotent-Replayed") != "" || second.Code() != "" {
		t.Fatalf("the retry of a failed mutation was not run: %s %s", second.Header.Get("Idempotent-Replayed"), second.Body)
	}
	third := env.Send(req)
	if third.Header.Get("Idempotent-Replayed") != "true" || !bytes.Equal(third.Raw["data"], second.Raw["data"]) {
		t.Errorf("the answer of the retry that ran is not kept: %s", third.Body)
	}
}
