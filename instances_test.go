package main

// Tests of several real server processes on one database, with requests
// spread over them: every guarantee must hold across instances (DESIGN.md,
// "Many instances on one PostgreSQL"). They run on the database under test:
// PostgreSQL when TEST_DATABASE_URL is set, else one SQLite file shared by
// both processes.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"servicesupport/database"
	"servicesupport/database/dbtest"
)

// instanceTimeout bounds one request to an instance: generous, for a
// shared machine; no test asserts how fast anything is.
const instanceTimeout = 60 * time.Second

// instanceEnv is the extra environment of the instances: long deadlines
// (requests wait at the test's lock, see lockGate) and a small pool.
var instanceEnv = []string{"REQUEST_TIMEOUT=60s", "DB_MAX_OPEN_CONNS=10"}

// startInstances starts n servers on the database at dbURL at once (each
// is started before any is waited for) and waits until all answer.
func startInstances(t *testing.T, dbURL string, n int, extraEnv ...string) []*server {
	t.Helper()
	env := append(slices.Clone(instanceEnv), extraEnv...)
	servers := make([]*server, n)
	for i := range servers {
		servers[i] = startServer(t, t.TempDir(), apiServerEnv(dbURL, env...)...)
	}
	for _, s := range servers {
		s.waitAPI(t, 2*time.Minute)
	}
	return servers
}

// instanceDatabaseURL is a new migrated database for the instances. A
// SQLite URL waits up to a minute for the write lock (the default is 10 s),
// since the tests hold it while requests gather.
func instanceDatabaseURL(t *testing.T) string {
	t.Helper()
	u := dbtest.URL(t)
	if dbtest.Dialect() == database.SQLite {
		u += "?_busy_timeout=60000"
	}
	return u
}

// gqlError is one GraphQL error of an answer.
type gqlError struct {
	Message    string
	Path       []any
	Extensions struct{ Code string }
}

// gqlAnswer is a whole GraphQL answer.
type gqlAnswer struct {
	Data   json.RawMessage
	Errors []gqlError
}

// String shows the answer as its JSON text would.
func (a gqlAnswer) String() string {
	var errs []string
	for _, e := range a.Errors {
		errs = append(errs, fmt.Sprintf("%q (%s, path %v)", e.Message, e.Extensions.Code, e.Path))
	}
	return fmt.Sprintf("data %s, errors [%s]", a.Data, strings.Join(errs, "; "))
}

// codes lists the errors' codes.
func (a gqlAnswer) codes() []string {
	var cs []string
	for _, e := range a.Errors {
		cs = append(cs, e.Extensions.Code)
	}
	return cs
}

// userError is one userErrors entry.
type userError struct {
	Field   []string
	Message string
	Code    string
}

// userErrorSel selects a payload's userErrors.
const userErrorSel = `userErrors { field message code }`

// payload is a mutation payload selected under the alias "out".
type payload struct {
	Out struct {
		Seller               *struct{ ID string }
		CustomerServiceGroup *struct{ ID, Name string }
		Product              *struct{ ID, Status string }
		Review               *struct {
			ID, Status string
			DecidedBy  *string
		}
		UserErrors []userError
	}
}

// The mutations of the instance tests; each selects its payload as "out".
const (
	instCreateSellerM = `mutation($in: CreateSellerInput!) { out: createSeller(input: $in) { seller { id } ` + userErrorSel + ` } }`
	instCreateGroupM  = `mutation($in: CustomerServiceGroupInput!) { out: createCustomerServiceGroup(input: $in) { customerServiceGroup { id name } ` + userErrorSel + ` } }`
	instSubmitBizM    = `mutation($in: SubmitBusinessContactInput!) { out: submitBusinessContact(input: $in) { review { id status } ` + userErrorSel + ` } }`
	instSubmitPreM    = `mutation($in: SubmitPreSalesInfoInput!) { out: submitPreSalesInfo(input: $in) { review { id status } ` + userErrorSel + ` } }`
	instApproveM      = `mutation($id: ID!) { out: approveReview(id: $id) { review { id status decidedBy } ` + userErrorSel + ` } }`
	instRejectM       = `mutation($id: ID!, $reason: String!) { out: rejectReview(id: $id, reason: $reason) { review { id status decidedBy } ` + userErrorSel + ` } }`
	instCreateProdM   = `mutation($in: CreateProductInput!) { out: createProduct(input: $in) { product { id status } ` + userErrorSel + ` } }`
	instSubmitRelM    = `mutation($id: ID!) { out: submitProductRelease(id: $id) { review { id status } ` + userErrorSel + ` } }`
	instProductPageQ  = `query($id: ID!) { product(id: $id) { status preSalesInfo { phone email } } }`
)

// groupInput is a valid CustomerServiceGroupInput.
func groupInput(name string) map[string]any {
	return map[string]any{
		"name":         name,
		"phone":        "+86 10 6552 9988",
		"email":        "support@example.com",
		"serviceDays":  []string{"MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"},
		"serviceHours": []map[string]string{{"start": "09:00", "end": "18:00"}},
		"timeZone":     "Asia/Shanghai",
	}
}

// instanceClient sends the tests' requests, each with a generous deadline.
var instanceClient = &http.Client{Timeout: instanceTimeout}

// ask sends one GraphQL operation by POST (method "POST") or GET, with
// extensions unless nil and the query unless empty, and returns the HTTP
// status and the decoded answer. Only a transport failure or an answer that
// is not GraphQL JSON is an error.
func ask(ctx context.Context, s *server, method, token, query string, vars, extensions map[string]any) (int, gqlAnswer, error) {
	var req *http.Request
	var err error
	switch method {
	case http.MethodPost:
		body := map[string]any{}
		if query != "" {
			body["query"] = query
		}
		if vars != nil {
			body["variables"] = vars
		}
		if extensions != nil {
			body["extensions"] = extensions
		}
		raw, merr := json.Marshal(body)
		if merr != nil {
			return 0, gqlAnswer{}, merr
		}
		req, err = http.NewRequestWithContext(ctx, method, s.url("/graphql"), bytes.NewReader(raw))
		if err == nil {
			req.Header.Set("Content-Type", "application/json")
		}
	case http.MethodGet:
		params := url.Values{}
		if query != "" {
			params.Set("query", query)
		}
		for name, v := range map[string]map[string]any{"variables": vars, "extensions": extensions} {
			if v != nil {
				raw, merr := json.Marshal(v)
				if merr != nil {
					return 0, gqlAnswer{}, merr
				}
				params.Set(name, string(raw))
			}
		}
		req, err = http.NewRequestWithContext(ctx, method, s.url("/graphql")+"?"+params.Encode(), nil)
	default:
		return 0, gqlAnswer{}, fmt.Errorf("method %s", method)
	}
	if err != nil {
		return 0, gqlAnswer{}, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := instanceClient.Do(req)
	if err != nil {
		return 0, gqlAnswer{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, gqlAnswer{}, err
	}
	var a gqlAnswer
	if err := json.Unmarshal(raw, &a); err != nil {
		return resp.StatusCode, a, fmt.Errorf("%s %s: status %d, not GraphQL JSON: %.500s", method, s.addr, resp.StatusCode, raw)
	}
	return resp.StatusCode, a, nil
}

// mutate posts a mutation and decodes its payload; a transport failure, a
// non-200 status or any GraphQL error is an error (userErrors are not).
func mutate(s *server, token, query string, vars map[string]any) (payload, error) {
	ctx, cancel := context.WithTimeout(context.Background(), instanceTimeout)
	defer cancel()
	var p payload
	status, a, err := ask(ctx, s, http.MethodPost, token, query, vars, nil)
	if err != nil {
		return p, err
	}
	if status != http.StatusOK || len(a.Errors) > 0 {
		return p, fmt.Errorf("status %d, errors %+v (codes %v)", status, a.Errors, a.codes())
	}
	return p, json.Unmarshal(a.Data, &p)
}

// mustMutate runs a mutation that must succeed without userErrors.
func mustMutate(t *testing.T, s *server, token, query string, vars map[string]any) payload {
	t.Helper()
	p, err := mutate(s, token, query, vars)
	if err != nil {
		t.Fatalf("on %s: %v\n%s", s.addr, err, query)
	}
	if len(p.Out.UserErrors) > 0 {
		t.Fatalf("on %s: userErrors %+v\n%s", s.addr, p.Out.UserErrors, query)
	}
	return p
}

// mustQuery runs a query (POST) that must answer without errors, and
// decodes its data into out.
func mustQuery(t *testing.T, s *server, token, query string, vars map[string]any, out any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), instanceTimeout)
	defer cancel()
	if err := postData(ctx, instanceClient, s.url("/graphql"), token, query, vars, out); err != nil {
		t.Fatalf("on %s: %v\n%s", s.addr, err, query)
	}
}

// createSeller registers a seller (as admin, on s) and returns a token of
// it.
func createSeller(t *testing.T, s *server, account string) string {
	t.Helper()
	admin := serverToken(t, "admin@ops", "admin", "")
	mustMutate(t, s, admin, instCreateSellerM, map[string]any{"in": map[string]any{"accountID": account, "name": "Seller " + account}})
	return serverToken(t, "owner-of-"+account, "seller", account)
}

// inUseConnections reads a server's go_sql_in_use_connections: how many of
// its pool's connections requests hold right now.
func inUseConnections(s *server) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url("/metrics"), nil)
	if err != nil {
		return 0, err
	}
	resp, err := instanceClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, "go_sql_in_use_connections{"); ok {
			if _, value, ok := strings.Cut(rest, "} "); ok {
				f, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
				return int(f), err
			}
		}
	}
	return 0, fmt.Errorf("/metrics of %s has no go_sql_in_use_connections", s.addr)
}

// lockGate makes concurrent requests on several servers race for real:
// the test holds a database lock that their transactions wait for
// (SQLite's write lock, which every write transaction takes at BEGIN; on
// PostgreSQL an ACCESS EXCLUSIVE lock on the table the operation reads
// first), waits until every request holds a pool connection on its server
// (each is inside, blocked on the lock), then lets them all go at once. No
// sleep decides who is in: the servers' own pool metrics say so.
type lockGate struct {
	db       *database.DB
	tx       *sql.Tx
	baseline []int
}

// closeGate takes the lock and notes the servers' connections in use
// before any gated request is sent.
func closeGate(t *testing.T, dbURL, table string, servers []*server) *lockGate {
	t.Helper()
	db, err := database.Connect(dbURL, database.Options{MaxOpenConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	// The transaction lives until open: database/sql would roll it back
	// when a context given to BeginTx ends.
	ctx := context.Background()
	// SQLite: the URL sets _txlock=immediate, so BEGIN takes the write lock.
	tx, err := db.SQL.BeginTx(ctx, nil)
	if err != nil {
		db.SQL.Close()
		t.Fatalf("taking the gate's lock: %v", err)
	}
	if db.Dialect == database.Postgres {
		if _, err := tx.ExecContext(ctx, "LOCK TABLE "+table+" IN ACCESS EXCLUSIVE MODE"); err != nil {
			tx.Rollback()
			db.SQL.Close()
			t.Fatalf("locking %s: %v", table, err)
		}
	}
	// The baseline is the fewest connections seen in use over a few reads:
	// one that an answered request has not quite put back yet must not
	// count (the gate would then wait for one request too many).
	g := &lockGate{db: db, tx: tx, baseline: make([]int, len(servers))}
	for i, s := range servers {
		for sample := range 5 {
			n, err := inUseConnections(s)
			if err != nil {
				g.open()
				t.Fatal(err)
			}
			if sample == 0 || n < g.baseline[i] {
				g.baseline[i] = n
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	return g
}

// await waits until server i holds want[i] more connections than before
// the gate closed, for every i, and reports whether they did; it gives up
// when done is closed first (the requests finished without waiting at the
// lock) or after a generous deadline.
func (g *lockGate) await(t *testing.T, servers []*server, want []int, done <-chan struct{}) bool {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	var got []int
	for {
		got = got[:0]
		all := true
		for i, s := range servers {
			n, err := inUseConnections(s)
			if err != nil {
				t.Errorf("gate: %v", err)
				return false
			}
			got = append(got, n-g.baseline[i])
			all = all && n-g.baseline[i] >= want[i]
		}
		if all {
			return true
		}
		select {
		case <-done:
			t.Errorf("gate: the requests finished while the test held the lock (connections held %v, want %v): they did not wait for it", got, want)
			return false
		default:
		}
		if time.Now().After(deadline) {
			t.Errorf("gate: after 2 minutes the servers hold %v connections more than before, want %v", got, want)
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// open releases the lock.
func (g *lockGate) open() {
	_ = g.tx.Rollback()
	_ = g.db.SQL.Close()
}

// TestTwoInstances runs two real server processes on one database and
// spreads requests over both: the group limit, review decisions, a product
// page's pre-sales info and persisted queries must behave as on one.
func TestTwoInstances(t *testing.T) {
	t.Parallel()
	dbURL := instanceDatabaseURL(t)
	servers := startInstances(t, dbURL, 2)
	a, b := servers[0], servers[1]
	t.Logf("database %s; instance A at %s, B at %s", dbtest.Dialect(), a.addr, b.addr)

	// The subtests run one after another: the gate counts each server's
	// connections in use, which other traffic would disturb.
	t.Run("GroupLimitRace", func(t *testing.T) { testGroupLimitRace(t, dbURL, a, b) })
	t.Run("ReviewDecisionRace", func(t *testing.T) { testReviewDecisionRace(t, dbURL, a, b) })
	t.Run("ProductPageSeesApproval", func(t *testing.T) { testProductPageSeesApproval(t, a, b) })
	t.Run("PersistedQueryAcrossInstances", func(t *testing.T) { testPersistedQueryAcrossInstances(t, a, b) })
}

// testGroupLimitRace: a seller with 4 groups sends 12 createCustomerServiceGroup
// at once, alternating between A and B, in several rounds: exactly 2 are
// created, 10 answer LIMIT_EXCEEDED, and the seller ends with 6 groups.
func testGroupLimitRace(t *testing.T, dbURL string, a, b *server) {
	const (
		rounds   = 3
		existing = 4
		racers   = 12
	)
	servers := []*server{a, b}
	for round := 1; round <= rounds; round++ {
		account := fmt.Sprintf("groups-%d", round)
		seller := createSeller(t, a, account)
		for i := range existing {
			mustMutate(t, servers[i%2], seller, instCreateGroupM, map[string]any{"in": groupInput(fmt.Sprintf("Existing %d", i))})
		}

		gate := closeGate(t, dbURL, "customer_service_groups", servers)
		type result struct {
			p   payload
			err error
		}
		results := make([]result, racers)
		done := make(chan struct{})
		var wg sync.WaitGroup
		for i := range racers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p, err := mutate(servers[i%2], seller, instCreateGroupM, map[string]any{"in": groupInput(fmt.Sprintf("Racer %02d", i))})
				results[i] = result{p, err}
			}()
		}
		go func() { wg.Wait(); close(done) }()
		gate.await(t, servers, []int{racers / 2, racers / 2}, done)
		gate.open()
		<-done

		created, limited, other := 0, 0, 0
		createdOn := [2]int{}
		for i, r := range results {
			ues := r.p.Out.UserErrors
			switch {
			case r.err != nil:
				other++
				t.Errorf("round %d, request %d (instance %c): %v", round, i, "AB"[i%2], r.err)
			case len(ues) == 0 && r.p.Out.CustomerServiceGroup != nil:
				created++
				createdOn[i%2]++
			case len(ues) == 1 && ues[0].Code == "LIMIT_EXCEEDED" && r.p.Out.CustomerServiceGroup == nil:
				limited++
			default:
				other++
				t.Errorf("round %d, request %d (instance %c): unexpected payload %+v", round, i, "AB"[i%2], r.p.Out)
			}
		}
		stored := countGroups(t, dbURL, account)
		var listed struct {
			Viewer struct {
				Seller struct{ CustomerServiceGroups []struct{ ID string } }
			}
		}
		mustQuery(t, b, seller, `{ viewer { seller { customerServiceGroups { id } } } }`, nil, &listed)
		t.Logf("round %d: %d concurrent requests over A and B: %d created (%d on A, %d on B), %d LIMIT_EXCEEDED, %d other; groups in the database %d, listed by B %d",
			round, racers, created, createdOn[0], createdOn[1], limited, other, stored, len(listed.Viewer.Seller.CustomerServiceGroups))
		if created != 2 || limited != 10 {
			t.Errorf("round %d: created %d, LIMIT_EXCEEDED %d; want 2 and 10", round, created, limited)
		}
		if stored != 6 {
			t.Errorf("round %d: the seller has %d groups in the database, want 6", round, stored)
		}
		if n := len(listed.Viewer.Seller.CustomerServiceGroups); n != stored {
			t.Errorf("round %d: B lists %d groups, the database holds %d", round, n, stored)
		}
	}
}

// countGroups counts a seller's groups in the database itself.
func countGroups(t *testing.T, dbURL, account string) int {
	t.Helper()
	db, err := database.Connect(dbURL, database.Options{MaxOpenConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.SQL.Close()
	q := "SELECT count(*) FROM customer_service_groups g JOIN sellers s ON s.id = g.seller_id WHERE s.account_id = ?"
	if db.Dialect == database.Postgres {
		q = strings.Replace(q, "?", "$1", 1)
	}
	var n int
	if err := db.SQL.QueryRow(q, account).Scan(&n); err != nil {
		t.Fatalf("counting groups: %v", err)
	}
	return n
}

// testReviewDecisionRace: two reviewers on different instances decide one
// pending review at the same moment (approveReview on one, rejectReview on
// the other), for several reviews: exactly one wins, the other answers
// CONFLICT, and a later attempt PRECONDITION_FAILED.
func testReviewDecisionRace(t *testing.T, dbURL string, a, b *server) {
	const rounds = 6
	servers := []*server{a, b}
	seller := createSeller(t, a, "reviews-race")
	type decider struct {
		at       int // the instance: 0 for A, 1 for B
		on       *server
		name     string // "A" or "B"
		sub      string
		token    string
		mutation string
		vars     func(id string) map[string]any
		status   string
	}
	approver := func(i int) decider {
		return decider{i, servers[i], string("AB"[i]), "rita@ops", serverToken(t, "rita@ops", "reviewer", ""), instApproveM,
			func(id string) map[string]any { return map[string]any{"id": id} }, "APPROVED"}
	}
	rejecter := func(i int) decider {
		return decider{i, servers[i], string("AB"[i]), "rob@ops", serverToken(t, "rob@ops", "reviewer", ""), instRejectM,
			func(id string) map[string]any { return map[string]any{"id": id, "reason": "Not reachable"} }, "REJECTED"}
	}
	wins := map[string]int{}
	conflicts, preconditions := 0, 0
	for round := range rounds {
		// Even rounds approve on A and reject on B; odd rounds the reverse.
		deciders := [2]decider{approver(round % 2), rejecter(1 - round%2)}
		in := map[string]any{"contactName": "Alice Chen", "phone": fmt.Sprintf("+86 10 6552 99%02d", round), "email": "alice@example.com"}
		id := mustMutate(t, servers[round%2], seller, instSubmitBizM, map[string]any{"in": in}).Out.Review.ID

		gate := closeGate(t, dbURL, "reviews", servers)
		var results [2]payload
		var errs [2]error
		done := make(chan struct{})
		var wg sync.WaitGroup
		for i, d := range deciders {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i], errs[i] = mutate(d.on, d.token, d.mutation, d.vars(id))
			}()
		}
		go func() { wg.Wait(); close(done) }()
		want := []int{0, 0}
		for _, d := range deciders {
			want[d.at]++
		}
		gate.await(t, servers, want, done)
		gate.open()
		<-done

		winner := -1
		for i, p := range results {
			if errs[i] != nil {
				t.Fatalf("round %d: %s on %s: %v", round, deciders[i].status, deciders[i].name, errs[i])
			}
			if len(p.Out.UserErrors) == 0 {
				if winner >= 0 {
					t.Errorf("round %d: both decisions succeeded", round)
				}
				winner = i
			}
		}
		if winner < 0 {
			t.Errorf("round %d: nobody won: %+v / %+v", round, results[0].Out.UserErrors, results[1].Out.UserErrors)
			continue
		}
		w, l := deciders[winner], deciders[1-winner]
		wins[w.status+" on "+w.name]++
		if r := results[winner].Out.Review; r == nil || r.Status != w.status || r.DecidedBy == nil || *r.DecidedBy != w.sub {
			t.Errorf("round %d: the winner's payload %+v", round, r)
		}
		lost := results[1-winner].Out
		if len(lost.UserErrors) == 1 && lost.UserErrors[0].Code == "CONFLICT" && slices.Equal(lost.UserErrors[0].Field, []string{"id"}) && lost.Review == nil {
			conflicts++
		} else {
			t.Errorf("round %d: the loser (%s on %s) got %+v (review %+v), want one CONFLICT on [id]", round, l.status, l.name, lost.UserErrors, lost.Review)
		}

		// Both instances read the winner's decision.
		for _, s := range servers {
			var got struct {
				Node *struct {
					Status    string
					DecidedBy *string
				}
			}
			mustQuery(t, s, w.token, `query($id: ID!) { node(id: $id) { ... on Review { status decidedBy } } }`, map[string]any{"id": id}, &got)
			if got.Node == nil || got.Node.Status != w.status || got.Node.DecidedBy == nil || *got.Node.DecidedBy != w.sub {
				t.Errorf("round %d: %s reads the review as %+v, want %s by %s", round, s.addr, got.Node, w.status, w.sub)
			}
		}

		// Deciding it again later is a settled review, not a race.
		later, err := mutate(l.on, l.token, l.mutation, l.vars(id))
		if err != nil {
			t.Fatalf("round %d: later attempt: %v", round, err)
		}
		if ues := later.Out.UserErrors; len(ues) == 1 && ues[0].Code == "PRECONDITION_FAILED" {
			preconditions++
		} else {
			t.Errorf("round %d: a later %s on %s got %+v, want PRECONDITION_FAILED", round, l.status, l.name, ues)
		}
	}
	t.Logf("%d reviews decided by two reviewers at once on A and B: winners %v, %d CONFLICT, %d later attempts PRECONDITION_FAILED",
		rounds, wins, conflicts, preconditions)
}

// testProductPageSeesApproval: the anonymous product page on one instance
// shows a pre-sales approval made on the other in its first read after the
// approval's answer (no stale cache on either).
func testProductPageSeesApproval(t *testing.T, a, b *server) {
	const rounds = 4
	seller := createSeller(t, a, "page-race")
	reviewer := serverToken(t, "rita@ops", "reviewer", "")
	preSales := func(i int) (map[string]any, string, string) {
		email := fmt.Sprintf("sales%d@example.com", i)
		return map[string]any{"phone": fmt.Sprintf("+86 10 6552 77%02d", i), "email": email, "contactAddress": "1 Market Road"},
			fmt.Sprintf("+8610655277%02d", i), email
	}

	// A released product, with pre-sales info revision 0 approved.
	in, _, _ := preSales(0)
	rev := mustMutate(t, b, seller, instSubmitPreM, map[string]any{"in": in}).Out.Review.ID
	mustMutate(t, a, reviewer, instApproveM, map[string]any{"id": rev})
	group := mustMutate(t, b, seller, instCreateGroupM, map[string]any{"in": groupInput("Page support")}).Out.CustomerServiceGroup.ID
	productID := mustMutate(t, a, seller, instCreateProdM, map[string]any{"in": map[string]any{"name": "Page Product", "afterSalesGroupID": group}}).Out.Product.ID
	release := mustMutate(t, b, seller, instSubmitRelM, map[string]any{"id": productID}).Out.Review.ID
	mustMutate(t, a, reviewer, instApproveM, map[string]any{"id": release})

	type page struct {
		Product *struct {
			Status       string
			PreSalesInfo *struct{ Phone, Email string }
		}
	}
	// read reads the page anonymously on s, by POST and by GET.
	read := func(s *server, what string) []string {
		t.Helper()
		var shown []string
		for _, method := range []string{http.MethodPost, http.MethodGet} {
			ctx, cancel := context.WithTimeout(context.Background(), instanceTimeout)
			status, ans, err := ask(ctx, s, method, "", instProductPageQ, map[string]any{"id": productID}, nil)
			cancel()
			var p page
			if err == nil && (status != http.StatusOK || len(ans.Errors) > 0) {
				err = fmt.Errorf("status %d, errors %+v", status, ans.Errors)
			}
			if err == nil {
				err = json.Unmarshal(ans.Data, &p)
			}
			switch {
			case err != nil:
				t.Fatalf("%s, %s %s: %v", what, method, s.addr, err)
			case p.Product == nil || p.Product.PreSalesInfo == nil:
				t.Fatalf("%s, %s %s: product %+v", what, method, s.addr, p.Product)
			}
			shown = append(shown, p.Product.PreSalesInfo.Phone+" "+p.Product.PreSalesInfo.Email)
		}
		return shown
	}

	fresh := 0
	for round := 1; round <= rounds; round++ {
		// Odd rounds approve on A and read B; even rounds the reverse.
		approveOn, readOn, names := a, b, "A→B"
		if round%2 == 0 {
			approveOn, readOn, names = b, a, "B→A"
		}
		_, oldPhone, oldEmail := preSales(round - 1)
		in, phone, email := preSales(round)
		rev := mustMutate(t, readOn, seller, instSubmitPreM, map[string]any{"in": in}).Out.Review.ID
		// While the change is pending both pages show the approved info
		// (read twice: whatever a server caches, it has cached it now).
		for _, s := range []*server{readOn, approveOn, readOn} {
			for _, got := range read(s, fmt.Sprintf("round %d, pending", round)) {
				if got != oldPhone+" "+oldEmail {
					t.Errorf("round %d: while the change is pending %s shows %q, want the approved %q", round, s.addr, got, oldPhone+" "+oldEmail)
				}
			}
		}
		mustMutate(t, approveOn, reviewer, instApproveM, map[string]any{"id": rev})
		// Right after the approval's answer, on the other instance.
		shown := read(readOn, fmt.Sprintf("round %d, approved", round))
		ok := true
		for _, got := range shown {
			if got != phone+" "+email {
				ok = false
				t.Errorf("round %d (%s): right after the approval %s shows %q, want %q", round, names, readOn.addr, got, phone+" "+email)
			}
		}
		if ok {
			fresh++
		}
		t.Logf("round %d (%s): right after the approval, the other instance showed %v (POST, GET)", round, names, shown)
	}
	t.Logf("the product page showed a pre-sales approval made on the other instance in its first read in %d of %d rounds", fresh, rounds)
}

// testPersistedQueryAcrossInstances: an automatic persisted query
// registered on one instance (document and hash) runs by hash alone on the
// other, by POST and by GET.
func testPersistedQueryAcrossInstances(t *testing.T, a, b *server) {
	for _, dir := range []struct {
		name     string
		register *server
		run      *server
	}{{"A→B", a, b}, {"B→A", b, a}} {
		// A document no instance has seen: its operation name is unique.
		query := fmt.Sprintf("query APQ_%d { viewer { role } }", time.Now().UnixNano())
		sum := sha256.Sum256([]byte(query))
		ext := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hex.EncodeToString(sum[:])}}
		call := func(s *server, method, query string) (int, gqlAnswer) {
			t.Helper()
			ctx, cancel := context.WithTimeout(context.Background(), instanceTimeout)
			defer cancel()
			status, ans, err := ask(ctx, s, method, "", query, nil, ext)
			if err != nil {
				t.Fatalf("%s: %s %s: %v", dir.name, method, s.addr, err)
			}
			return status, ans
		}
		role := func(ans gqlAnswer) string {
			var d struct {
				Viewer struct{ Role string }
			}
			_ = json.Unmarshal(ans.Data, &d)
			return d.Viewer.Role
		}

		// Apollo's client first sends the hash alone: unknown everywhere.
		status, ans := call(dir.register, http.MethodPost, "")
		if !slices.Contains(ans.codes(), "PERSISTED_QUERY_NOT_FOUND") {
			t.Errorf("%s: an unregistered hash on %s answered %d %+v, want PERSISTED_QUERY_NOT_FOUND", dir.name, dir.register.addr, status, ans)
		}
		// Then the document with its hash, which registers it.
		status, ans = call(dir.register, http.MethodPost, query)
		if status != http.StatusOK || len(ans.Errors) > 0 || role(ans) != "ANONYMOUS" {
			t.Fatalf("%s: registering on %s answered %d %+v", dir.name, dir.register.addr, status, ans)
		}
		// The other instance runs it by hash alone.
		results := []string{}
		for _, method := range []string{http.MethodPost, http.MethodGet} {
			status, ans := call(dir.run, method, "")
			switch {
			case status == http.StatusOK && len(ans.Errors) == 0 && role(ans) == "ANONYMOUS":
				results = append(results, method+" ok")
			default:
				results = append(results, fmt.Sprintf("%s %d %v", method, status, ans.codes()))
				t.Errorf("%s: registered on %s, the hash alone on %s by %s answered %d %+v, want the data (viewer.role ANONYMOUS)",
					dir.name, dir.register.addr, dir.run.addr, method, status, ans)
			}
		}
		t.Logf("%s: APQ registered on the first instance, run by hash on the other: %v", dir.name, results)
	}
}

// TestInstancesStartTogether starts two servers at the same moment on one
// empty database, in a few rounds: both become ready, the migrations are
// applied once (schema_migrations holds each exactly once), and both serve
// the schema.
func TestInstancesStartTogether(t *testing.T) {
	t.Parallel()
	files := migrationVersions(t)
	for round := 1; round <= 3; round++ {
		t.Run(fmt.Sprintf("round %d", round), func(t *testing.T) {
			dbURL := dbtest.EmptyURL(t)
			servers := startInstances(t, dbURL, 2)
			applied := appliedMigrations(t, dbURL)
			t.Logf("database %s: two instances started together on an empty database, both ready; schema_migrations holds %d rows %v, the build has %d migrations %v",
				dbtest.Dialect(), len(applied), applied, len(files), files)
			if !slices.Equal(migrationRowVersions(applied), files) {
				t.Errorf("schema_migrations holds %v, want each of %v once", applied, files)
			}
			seller := createSeller(t, servers[0], "started-together")
			mustMutate(t, servers[1], seller, instCreateGroupM, map[string]any{"in": groupInput("Together")})
			var out struct {
				Viewer struct {
					Seller *struct{ CustomerServiceGroups []struct{ Name string } }
				}
			}
			mustQuery(t, servers[0], seller, `{ viewer { seller { customerServiceGroups { name } } } }`, nil, &out)
			if s := out.Viewer.Seller; s == nil || len(s.CustomerServiceGroups) != 1 {
				t.Errorf("a seller created on one instance and its group on the other: %+v", s)
			}
		})
	}
}
