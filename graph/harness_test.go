package graph_test

// The one test harness of package graph. Every test file builds its server
// with NewEnv, sends its requests through Env.Do (the gqlgen client over the
// real handler) or Env.Send (raw HTTP, for status and header checks), acts
// as a Persona through Token, checks "changed nothing" with Env.Snapshot,
// and counts SQL statements with Env.Statements. Every GraphQL answer of
// either helper is checked by CheckNoLeaks.
//
//   - harness_test.go: Env, its options, personas and tokens, statements.
//   - harness_http_test.go: requests, answers, the leak check, JSON checks.
//   - harness_db_test.go: snapshots of every table.
//   - harness_domain_test.go: mutations, payloads and seeded worlds.

import (
	"bytes"
	"context"
	"database/sql"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"servicesupport/auth"
	"servicesupport/database"
	"servicesupport/database/dbtest"
	"servicesupport/ent"
	_ "servicesupport/ent/runtime"
	"servicesupport/feed"
	"servicesupport/graph"
	"servicesupport/telemetry"
	"servicesupport/throttle"
)

// testSecret signs the tokens of every test.
var testSecret = []byte("test-secret-of-at-least-32-bytes!!")

// testLogger keeps request lines out of test output but shows errors.
var testLogger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

// Persona names the viewers every table-driven test runs as.
type Persona string

// The five personas of the design, and a seller token whose account has no
// Seller (it must read what anonymous reads and do nothing a seller does).
const (
	Anonymous       Persona = "anonymous"
	Owner           Persona = "owner"
	OtherSeller     Persona = "other seller"
	Reviewer        Persona = "reviewer"
	Admin           Persona = "admin"
	NoSellerAccount Persona = "seller without seller"
)

// AllReaders are the personas of table-driven read tests: the five of the
// design and a seller token without a Seller.
var AllReaders = []Persona{Anonymous, Owner, OtherSeller, Reviewer, Admin, NoSellerAccount}

// SellerOf is a persona acting for any seller account.
func SellerOf(accountID string) Persona { return Persona("seller:" + accountID) }

// PersonaSet is a set of personas, for "who may" tables.
type PersonaSet map[Persona]bool

// Personas returns the set of ps.
func Personas(ps ...Persona) PersonaSet {
	s := PersonaSet{}
	for _, p := range ps {
		s[p] = true
	}
	return s
}

// claims are the token claims of a persona; ok is false for anonymous.
func claims(t testing.TB, p Persona) (sub, role, account string, ok bool) {
	t.Helper()
	switch p {
	case Anonymous, "":
		return "", "", "", false
	case Owner:
		return "alice@acme", "seller", "acme", true
	case OtherSeller:
		return "bob@globex", "seller", "globex", true
	case Reviewer:
		return "rita@ops", "reviewer", "", true
	case Admin:
		return "adam@ops", "admin", "", true
	case NoSellerAccount:
		return "nora@nowhere", "seller", "nowhere", true
	}
	acct, found := strings.CutPrefix(string(p), "seller:")
	if !found {
		t.Fatalf("unknown persona %q", p)
	}
	return "member@" + acct, "seller", acct, true
}

// Token mints a valid token for a persona ("" for anonymous).
func Token(t testing.TB, p Persona) string {
	t.Helper()
	return MintToken(t, p, testSecret, time.Now())
}

// MintToken mints a one-hour token for p signed with secret and issued at
// issued: an expired one (issued two hours ago), or one of another secret.
func MintToken(t testing.TB, p Persona, secret []byte, issued time.Time) string {
	t.Helper()
	sub, role, account, ok := claims(t, p)
	if !ok {
		return ""
	}
	tok, err := auth.Mint(secret, sub, role, account, time.Hour, issued)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// Env is one test's server: a fresh migrated database from dbtest (SQLite,
// or PostgreSQL when TEST_DATABASE_URL is set) and the real handler, wired
// as in production (telemetry's statement counter included).
type Env struct {
	t testing.TB
	// Client reads and writes the test's database directly.
	Client *ent.Client
	// Handler is the server's HTTP handler.
	Handler http.Handler
	// Statements counts the SQL statements run through the driver.
	Statements *atomic.Int64
	// Logs holds the server's log lines (JSON, level info) with WithLogs;
	// nil otherwise.
	Logs *SyncBuffer
	// OwnerSellerID and OtherSellerID are the sellers of Owner and
	// OtherSeller ("" with WithoutSellers).
	OwnerSellerID, OtherSellerID string
	// Feed is the change feed with WithFeed, running and listening; nil
	// otherwise.
	Feed *feed.Feed
	// DB and URL are the test's database.
	DB  *database.DB
	URL string

	config graph.HandlerConfig
	build  func(graph.HandlerConfig) http.Handler
}

// envOptions are what the options of NewEnv set.
type envOptions struct {
	wrap      func(dialect.Driver) dialect.Driver
	tweak     func(*graph.HandlerConfig)
	build     func(graph.HandlerConfig) http.Handler
	logs      bool
	noSellers bool
	feed      bool
}

// EnvOption configures NewEnv.
type EnvOption func(*envOptions)

// WithDriver wraps the database driver (inside the statement counters),
// e.g. with one that fails on purpose.
func WithDriver(wrap func(dialect.Driver) dialect.Driver) EnvOption {
	return func(o *envOptions) { o.wrap = wrap }
}

// WithConfig changes the handler's configuration before it is built.
func WithConfig(tweak func(*graph.HandlerConfig)) EnvOption {
	return func(o *envOptions) { o.tweak = tweak }
}

// WithHandler builds the handler with build instead of graph.NewHandler.
func WithHandler(build func(graph.HandlerConfig) http.Handler) EnvOption {
	return func(o *envOptions) { o.build = build }
}

// WithLogs captures the server's log in Env.Logs, as JSON lines from level
// info up, instead of showing warnings on stderr.
func WithLogs() EnvOption { return func(o *envOptions) { o.logs = true } }

// WithFeed runs a change feed over the test's database, as the server
// does (subscriptions and webhook wake-ups need it).
func WithFeed() EnvOption { return func(o *envOptions) { o.feed = true } }

// WithoutSellers leaves the database empty: no "acme" and "globex".
func WithoutSellers() EnvOption { return func(o *envOptions) { o.noSellers = true } }

// harnessBucket is the size of every viewer's cost bucket in tests; it
// regains throttle.MaxPoints a second, so it is full again at once: the
// suites send expensive queries as fast as the machine runs them (parallel
// subtests share a persona's bucket), and a test is throttled only when it
// sets its own bucket (fairuse_test.go), never because the machine was
// fast that day.
const harnessBucket = 5000

// NewEnv starts a server on a new database with two registered sellers:
// "acme" (Owner) and "globex" (OtherSeller).
func NewEnv(t testing.TB, opts ...EnvOption) *Env {
	t.Helper()
	var o envOptions
	for _, opt := range opts {
		opt(&o)
	}
	env := &Env{t: t, Statements: &atomic.Int64{}}
	env.Client, env.DB, env.URL = dbtest.OpenDB(t, func(d dialect.Driver) dialect.Driver {
		if o.wrap != nil {
			d = o.wrap(d)
		}
		return countStatements(telemetry.CountStatements(d), env.Statements)
	})
	// The bucket is as large as the cost limit allows (5,000; the default
	// 2,000 would also cap each operation at 2,000), so that a test's
	// burst of large reads as one persona is not throttled: TestThrottling
	// and TestCostExtension configure their own.
	env.config = graph.HandlerConfig{Client: env.Client, Secret: testSecret, Logger: testLogger, RateLimitPoints: harnessBucket, RateLimitRestore: throttle.MaxPoints}
	if o.feed {
		env.Feed = StartFeed(t, env.URL, env.DB)
		env.config.Feed = env.Feed
	}
	if o.logs {
		env.Logs = &SyncBuffer{}
		env.config.Logger = slog.New(slog.NewJSONHandler(env.Logs, nil))
	}
	if o.tweak != nil {
		o.tweak(&env.config)
	}
	env.build = graph.NewHandler
	if o.build != nil {
		env.build = o.build
	}
	env.Handler = env.build(env.config)
	if !o.noSellers {
		env.OwnerSellerID = env.CreateSeller("acme", "Acme Cloud")
		env.OtherSellerID = env.CreateSeller("globex", "Globex Software")
	}
	return env
}

// StartFeed runs a change feed over a database until the test ends, and
// waits until it listens.
func StartFeed(t testing.TB, url string, db *database.DB) *feed.Feed {
	t.Helper()
	f := feed.New(url, db.SQL, testLogger)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = f.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	select {
	case <-f.Ready():
	case <-time.After(10 * time.Second):
		t.Fatal("the change feed did not start listening within 10 s")
	}
	return f
}

// For returns env bound to another test (a subtest), sharing the server and
// the database: env's helpers then report failures to that test.
func (e *Env) For(t testing.TB) *Env {
	c := *e
	c.t = t
	return &c
}

// Reconfigure returns env bound to t with a second handler over the same
// database, built from env's configuration changed by tweak.
func (e *Env) Reconfigure(t testing.TB, tweak func(*graph.HandlerConfig)) *Env {
	c := e.For(t)
	cfg := e.config
	tweak(&cfg)
	c.config = cfg
	c.Handler = c.build(cfg)
	return c
}

// StatementsOf returns how many SQL statements f ran.
func (e *Env) StatementsOf(f func()) int64 {
	before := e.Statements.Load()
	f()
	return e.Statements.Load() - before
}

// statementDriver calls see with every statement on its way to the
// database, inside transactions too: counting (countStatements) or
// recording (pagecache_test.go) them.
type statementDriver struct {
	dialect.Driver
	see func(q string)
}

// countStatements counts d's statements in n.
func countStatements(d dialect.Driver, n *atomic.Int64) dialect.Driver {
	return statementDriver{Driver: d, see: func(string) { n.Add(1) }}
}

func (d statementDriver) Exec(ctx context.Context, q string, args, v any) error {
	d.see(q)
	return d.Driver.Exec(ctx, q, args, v)
}

func (d statementDriver) Query(ctx context.Context, q string, args, v any) error {
	d.see(q)
	return d.Driver.Query(ctx, q, args, v)
}

func (d statementDriver) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := d.Driver.Tx(ctx)
	if err != nil {
		return nil, err
	}
	return statementTx{Tx: tx, see: d.see}, nil
}

// statementTx is statementDriver inside a transaction.
type statementTx struct {
	dialect.Tx
	see func(q string)
}

func (t statementTx) Exec(ctx context.Context, q string, args, v any) error {
	t.see(q)
	return t.Tx.Exec(ctx, q, args, v)
}

func (t statementTx) Query(ctx context.Context, q string, args, v any) error {
	t.see(q)
	return t.Tx.Query(ctx, q, args, v)
}

// ExecContext passes the change feed's NOTIFY through, seen.
func (t statementTx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return telemetry.ExecVia(ctx, t, q, args...)
}

// SyncBuffer is a bytes.Buffer safe for concurrent writers (a log).
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

var _ io.Writer = (*SyncBuffer)(nil)

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what was written.
func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Reset forgets what was written.
func (b *SyncBuffer) Reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Reset()
}

// AtOnce runs n functions in their own goroutines, released together, and
// waits for all of them.
func AtOnce(n int, f func(i int)) {
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			f(i)
		}()
	}
	close(start)
	wg.Wait()
}

// Gated returns env bound to t whose handler is a fresh gate for n
// requests in front of the real one; requests still go through Do and the
// real handler.
func (e *Env) Gated(t testing.TB, n int) *Env {
	c := e.For(t)
	c.Handler = &gate{next: e.Handler, n: n, open: make(chan struct{})}
	return c
}

// CheckGate fails when the requests of a Gated env did not all meet at the
// gate.
func (e *Env) CheckGate() {
	e.t.Helper()
	if g, ok := e.Handler.(*gate); ok && !g.opened() {
		e.t.Errorf("only %d of %d requests reached the server together", g.arrivals(), g.n)
	}
}

// gate is a handler in front of the real one that holds every request at
// its first body read until n requests got there, so that they run at once
// for real: the body is first read inside the server, after the middleware
// that stamps the request's arrival, so each of them has arrived before any
// of them starts its work. A request that never reads its body would leave
// the others waiting, so the gate also opens after a while.
type gate struct {
	next    http.Handler
	n       int
	mu      sync.Mutex
	arrived int
	open    chan struct{}
}

func (g *gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r.Body = &gatedBody{ReadCloser: r.Body, gate: g}
	g.next.ServeHTTP(w, r)
}

// arrive counts a request in and waits for the others.
func (g *gate) arrive() {
	g.mu.Lock()
	g.arrived++
	if g.arrived == g.n {
		close(g.open)
	}
	g.mu.Unlock()
	select {
	case <-g.open:
	case <-time.After(10 * time.Second):
	}
}

// arrivals is how many requests got to the gate.
func (g *gate) arrivals() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.arrived
}

// opened reports whether all n requests got to the gate.
func (g *gate) opened() bool {
	select {
	case <-g.open:
		return true
	default:
		return false
	}
}

// gatedBody waits at the gate on its first read.
type gatedBody struct {
	io.ReadCloser
	gate *gate
	once sync.Once
}

func (b *gatedBody) Read(p []byte) (int, error) {
	b.once.Do(b.gate.arrive)
	return b.ReadCloser.Read(p)
}
