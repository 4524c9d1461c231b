// Command servicesupport serves the Service and Support GraphQL API.
//
//	go run .                                   serve (dev mode without AUTH_JWT_SECRET)
//	go run . token --role seller --account ID  mint a token with the same secret
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"servicesupport/auth"
	"servicesupport/database"
	"servicesupport/ent"
	_ "servicesupport/ent/runtime" // registers the schema's privacy policies
	"servicesupport/feed"
	"servicesupport/graph"
	"servicesupport/idempotency"
	"servicesupport/seed"
	"servicesupport/telemetry"
	"servicesupport/throttle"
	"servicesupport/webhook"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "servicesupport:", err)
		os.Exit(1)
	}
}

// settings is the server's configuration.
type settings struct {
	addr              string
	dataDir           string
	databaseURL       string
	secret            string
	devMode           bool
	introspection     bool
	graphiql          bool
	origins           []string
	allowedOperations string
	requestTimeout    time.Duration
	logFormat         string
	pool              database.Options
	migrateOnStart    bool
	webhookInsecure   bool
	webhookRetryBase  time.Duration
	rateLimitPoints   int
	rateLimitRestore  int
	trustedProxies    []netip.Prefix
	pageCache         bool
	gcPercent         int
}

// flagSet declares every setting as a flag whose default comes from the
// environment variable of the same name (--data-dir ↔ DATA_DIR), so either
// may configure the server; a flag given on the command line wins. Values
// that do not parse, from either, are appended to the returned list (see
// define).
func flagSet(name string, s *settings) (*flag.FlagSet, *[]error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	bad := new([]error)
	define(fs, bad, &s.addr, "addr", ":8080", parseAddr, "`host:port` to listen on")
	define(fs, bad, &s.dataDir, "data-dir", "data", parseNonEmpty, "`folder` of the embedded SQLite database and the dev-mode secret")
	define(fs, bad, &s.databaseURL, "database-url", "", parseDatabaseURL, "database `URL`: file:PATH for SQLite (default file:DATA_DIR/servicesupport.db) or postgres://… for PostgreSQL")
	// The secret's default is not shown by --help: it is read after
	// parsing. Any bytes are a secret, so there is nothing to refuse.
	fs.StringVar(&s.secret, "auth-jwt-secret", "", "HS256 secret of bearer tokens; empty runs dev mode (env AUTH_JWT_SECRET; prefer it: flags show in ps)")
	define(fs, bad, &s.origins, "cors-allowed-origins", nil, parseOrigins, "comma-separated `origins` allowed by CORS (scheme://host[:port], or * for any)")
	define(fs, bad, &s.introspection, "graphql-introspection", false, parseBool, "allow introspection outside dev mode")
	define(fs, bad, &s.graphiql, "graphiql", false, parseBool, "serve GraphiQL at / outside dev mode")
	define(fs, bad, &s.allowedOperations, "allowed-operations", "", parseAny, "JSON `file` {sha256: document}: run only these operations")
	define(fs, bad, &s.logFormat, "log-format", "", parseLogFormat, "log `format`: text or json (default: text in dev mode, json otherwise)")
	define(fs, bad, &s.requestTimeout, "request-timeout", graph.DefaultRequestTimeout, parseDuration, "`deadline` of one GraphQL request")
	define(fs, bad, &s.pool.MaxOpenConns, "db-max-open-conns", 0, parseCount, "most open database `connections` (0: 20 on PostgreSQL, unlimited on SQLite)")
	define(fs, bad, &s.pool.MaxIdleConns, "db-max-idle-conns", 0, parseCount, "idle database `connections` kept open (0: as many as db-max-open-conns)")
	define(fs, bad, &s.pool.ConnMaxLifetime, "db-conn-max-lifetime", database.DefaultConnMaxLifetime, parseDuration, "`duration` a database connection is reused")
	define(fs, bad, &s.migrateOnStart, "migrate-on-start", true, parseBool, "apply pending migrations at start (else run 'servicesupport migrate')")
	define(fs, bad, &s.webhookInsecure, "webhook-allow-insecure", false, parseBool, "also allow http:// webhook endpoints and loopback or private addresses (development and tests only)")
	define(fs, bad, &s.webhookRetryBase, "webhook-retry-base", webhook.DefaultRetryBase, parseDuration, "the first retry `delay` of a failed webhook delivery; each later one doubles, with jitter")
	define(fs, bad, &s.rateLimitPoints, "rate-limit-points", graph.DefaultRateLimitPoints, parsePoints, "`points` in each viewer's cost bucket")
	define(fs, bad, &s.rateLimitRestore, "rate-limit-restore", graph.DefaultRateLimitRestore, parsePoints, "`points` per second a cost bucket regains")
	define(fs, bad, &s.pageCache, "page-cache", true, parseBool, "keep anonymous product page answers, checked against the database on every read")
	define(fs, bad, &s.gcPercent, "gc-percent", 0, parseGCPercent, "garbage collector `target`: collect when the heap has grown by this percent of the live heap (0: GOGC if set, else 400)")
	define(fs, bad, &s.trustedProxies, "trusted-proxies", nil, throttle.ParseProxies, "comma-separated `prefixes` (CIDR, or one address) of the proxies whose X-Forwarded-For names the client")
	return fs, bad
}

// loadSettings reads flags and environment; without a secret the server is
// in dev mode, with a random secret kept in the data folder. extra, when not
// nil, declares a sub-command's own flags on the same set.
func loadSettings(name string, args []string, extra func(*flag.FlagSet)) (settings, *flag.FlagSet, error) {
	var s settings
	fs, bad := flagSet(name, &s)
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return s, fs, err
	}
	if p := s.pool; p.MaxOpenConns > 0 && p.MaxIdleConns > p.MaxOpenConns {
		// database/sql would quietly keep fewer idle than asked.
		*bad = append(*bad, fmt.Errorf("DB_MAX_IDLE_CONNS (--db-max-idle-conns): %d idle connections exceed DB_MAX_OPEN_CONNS, %d", p.MaxIdleConns, p.MaxOpenConns))
	}
	if err := errors.Join(*bad...); err != nil {
		return s, fs, err
	}
	if fs.NArg() > 0 {
		return s, fs, fmt.Errorf("unexpected argument %q (see --help)", fs.Arg(0))
	}
	if s.databaseURL == "" {
		u, err := database.FileURL(filepath.Join(s.dataDir, "servicesupport.db"))
		if err != nil {
			return s, fs, err
		}
		s.databaseURL = u
	}
	if s.secret == "" {
		s.secret = os.Getenv("AUTH_JWT_SECRET")
	}
	// migrate serves nothing and needs no secret (nor a dev-mode one).
	if s.secret == "" && name != "migrate" {
		s.devMode = true
		secret, err := auth.LoadOrCreateSecret(filepath.Join(s.dataDir, "jwt-secret"))
		if err != nil {
			return s, fs, fmt.Errorf("dev mode secret: %w", err)
		}
		s.secret = secret
	}
	return s, fs, nil
}

// run dispatches the sub-commands.
func run(args []string) error {
	if len(args) > 0 && args[0] == "token" {
		return mintToken(args[1:])
	}
	if len(args) > 0 && args[0] == "migrate" {
		return migrateOnly(args[1:])
	}
	s, _, err := loadSettings("servicesupport", args, nil)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	return serve(s)
}

// migrateOnly applies the pending migrations and exits.
func migrateOnly(args []string) error {
	s, _, err := loadSettings("migrate", args, nil)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	db, err := database.Connect(s.databaseURL, s.pool)
	if err != nil {
		return err
	}
	defer db.SQL.Close()
	n, err := db.MigrateCount(context.Background())
	if err != nil {
		return err
	}
	applied, err := db.AppliedMigrations(context.Background())
	if err != nil {
		return err
	}
	if n == 0 {
		fmt.Print("no migration to apply; ")
	} else {
		fmt.Printf("applied %d migration(s); ", n)
	}
	fmt.Printf("database at migration %s (%d applied)\n", applied[len(applied)-1], len(applied))
	return nil
}

// mintToken prints a token signed with the server's secret.
func mintToken(args []string) error {
	var role, account, subject string
	var ttl time.Duration
	s, _, err := loadSettings("token", args, func(fs *flag.FlagSet) {
		fs.StringVar(&role, "role", "seller", "seller, reviewer or admin")
		fs.StringVar(&account, "account", "", "the seller's account ID (sellers)")
		fs.StringVar(&subject, "sub", "", "the subject (default: derived from role and account)")
		fs.DurationVar(&ttl, "ttl", 24*time.Hour, "how long the token is valid")
	})
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	sub := subject
	if sub == "" {
		sub = role + ":" + account
		if account == "" {
			sub = role
		}
	}
	token, err := auth.Mint([]byte(s.secret), sub, role, account, ttl, time.Now())
	if err != nil {
		return err
	}
	fmt.Println(token)
	return nil
}

// serve runs the HTTP server until SIGINT or SIGTERM.
func serve(s settings) error {
	log := newLogger(s.logFormat, s.devMode)
	slog.SetDefault(log)
	if p := gcPercent(s, os.Getenv("GOGC")); p != 0 {
		debug.SetGCPercent(p)
	}
	// What the runtime runs with (-1: off, as GOGC=off asks).
	gc := debug.SetGCPercent(-1)
	debug.SetGCPercent(gc)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	db, err := database.Connect(s.databaseURL, s.pool)
	if err != nil {
		return err
	}
	client := db.Client(telemetry.CountStatements)
	defer client.Close()
	if s.migrateOnStart {
		if err := db.Migrate(ctx); err != nil {
			return err
		}
	}
	ready, err := readiness(ctx, db, log)
	if err != nil {
		return err
	}
	if s.devMode {
		if err := ready(ctx); err != nil {
			return fmt.Errorf("dev mode: %w", err)
		}
	}
	var allowed map[string]string
	if s.allowedOperations != "" {
		if allowed, err = graph.LoadAllowList(s.allowedOperations); err != nil {
			return err
		}
	}
	pageQuery := ""
	if s.devMode {
		if pageQuery, err = devStart(ctx, client, s); err != nil {
			return err
		}
	}

	metrics := telemetry.NewMetrics(db.SQL)
	events := startEvents(ctx, s, db, client, metrics, log)
	// Expired idempotency keys already count as absent; pruning keeps them
	// from piling up. Every instance may prune: the deletes are conditional.
	go idempotency.New(client).Run(ctx, idempotencyPruneEvery, log)
	closing := make(chan struct{})
	srv := &http.Server{
		Addr: s.addr,
		Handler: graph.NewHandler(graph.HandlerConfig{
			Client:               client,
			Secret:               []byte(s.secret),
			DevMode:              s.devMode,
			Introspection:        s.introspection,
			AllowedOrigins:       s.origins,
			Logger:               log,
			Metrics:              metrics,
			Ready:                ready,
			GraphiQL:             s.graphiql,
			GraphiQLQuery:        pageQuery,
			AllowedOperations:    allowed,
			RequestTimeout:       s.requestTimeout,
			Feed:                 events,
			Stop:                 closing,
			WebhookAllowInsecure: s.webhookInsecure,
			RateLimitPoints:      s.rateLimitPoints,
			RateLimitRestore:     s.rateLimitRestore,
			TrustedProxies:       s.trustedProxies,
			NoCache:              !s.pageCache,
		}),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		// A request may run for the request timeout; its answer must still
		// be written.
		WriteTimeout: max(30*time.Second, s.requestTimeout+5*time.Second),
		IdleTimeout:  2 * time.Minute,
	}
	// Shutdown does not wait for WebSocket connections: they are told to
	// end when it starts.
	srv.RegisterOnShutdown(func() { close(closing) })
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	log.Info("listening", "addr", s.addr, "dev_mode", s.devMode, "gc_percent", gc)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// idempotencyPruneEvery is how often expired idempotency keys are deleted.
const idempotencyPruneEvery = 15 * time.Minute

// startEvents starts what carries committed events beyond their
// transaction, until ctx ends: the change feed (LISTEN/NOTIFY on
// PostgreSQL, polling on SQLite), which subscriptions read, and the
// webhook worker, woken by the feed and polling for retries.
func startEvents(ctx context.Context, s settings, db *database.DB, client *ent.Client, metrics *telemetry.Metrics, log *slog.Logger) *feed.Feed {
	f := feed.New(s.databaseURL, db.SQL, log)
	go func() {
		if err := f.Run(ctx); err != nil && ctx.Err() == nil {
			log.Error("change feed stopped", "err", err)
		}
	}()
	worker := &webhook.Worker{
		Client: client,
		HTTP:   webhook.NewClient(s.webhookInsecure),
		// Endpoints registered while insecure ones were allowed get
		// nothing in plain text once they are not.
		RequireHTTPS: !s.webhookInsecure,
		Base:         s.webhookRetryBase,
		Wake:         wakeOn(ctx, f),
		Log:          log,
		Observe: func(outcome string, lag time.Duration) {
			metrics.Deliveries.WithLabelValues(outcome).Inc()
			if outcome == webhook.OutcomeDelivered {
				metrics.DeliveryLag.Observe(lag.Seconds())
			}
		},
	}
	go func() {
		if err := worker.Run(ctx); err != nil {
			log.Error("webhook worker stopped", "err", err)
		}
	}()
	return f
}

// wakeOn turns the feed's notes into nudges that coalesce: the worker
// only needs to know that something committed.
func wakeOn(ctx context.Context, f *feed.Feed) <-chan struct{} {
	wake := make(chan struct{}, 1)
	go func() {
		for ctx.Err() == nil {
			l, cancel := f.Subscribe(64)
			for open := true; open; {
				var ok bool
				select {
				case <-ctx.Done():
					open = false
				case _, ok = <-l.C():
					open = ok // closed: dropped far behind; the poll covers the gap
				}
				if ok {
					select {
					case wake <- struct{}{}:
					default:
					}
				}
			}
			cancel()
		}
	}()
	return wake
}

// readiness returns the /readyz check: the database answers, and has
// every migration this build needs. With MIGRATE_ON_START=false a server
// may start before `servicesupport migrate` has run (a rolling deploy); it
// then stays unready, so a load balancer sends it nothing it would answer
// with an error, and turns ready once the migrations are in.
func readiness(ctx context.Context, db *database.DB, log *slog.Logger) (func(context.Context) error, error) {
	pending, err := db.Pending(ctx)
	if err != nil {
		return nil, err
	}
	if len(pending) > 0 {
		log.Warn("migrations pending: not ready until `servicesupport migrate` applies them", "pending", pending)
	}
	var migrated atomic.Bool
	migrated.Store(len(pending) == 0)
	return func(ctx context.Context) error {
		if err := db.SQL.PingContext(ctx); err != nil {
			return err
		}
		if migrated.Load() {
			return nil
		}
		pending, err := db.Pending(ctx)
		if err != nil {
			return err
		}
		if len(pending) > 0 {
			return fmt.Errorf("%d migration(s) pending: run `servicesupport migrate`", len(pending))
		}
		migrated.Store(true)
		return nil
	}, nil
}

// newLogger logs text in dev mode and JSON otherwise, unless format says.
func newLogger(format string, dev bool) *slog.Logger {
	if format == "text" || (format == "" && dev) {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return slog.New(slog.NewJSONHandler(os.Stderr, nil))
}

// devStart seeds an empty database and prints what a new user needs.
func devStart(ctx context.Context, client *ent.Client, s settings) (string, error) {
	demo, err := seed.Demo(ctx, client)
	if err != nil {
		return "", fmt.Errorf("seeding demo data: %w", err)
	}
	mint := func(sub, role, account string) string {
		t, err := auth.Mint([]byte(s.secret), sub, role, account, 30*24*time.Hour, time.Now())
		if err != nil {
			return "(" + err.Error() + ")"
		}
		return t
	}
	base := "http://localhost" + s.addr
	if !strings.HasPrefix(s.addr, ":") {
		base = "http://" + s.addr
	}
	fmt.Printf(`
servicesupport — DEV MODE (no AUTH_JWT_SECRET set; secret kept in %s)

  GraphiQL:  %s/
  Endpoint:  %s/graphql

Tokens (valid 30 days). In GraphiQL open "Headers" and paste one as
  {"Authorization": "Bearer <token>"}

`, filepath.Join(s.dataDir, "jwt-secret"), base, base)
	if demo.SellerAccountID != "" {
		fmt.Printf("  seller   (%s): %s\n", demo.SellerAccountID, mint("demo-seller", "seller", demo.SellerAccountID))
	}
	fmt.Printf("  reviewer:          %s\n  admin:             %s\n\n",
		mint("demo-reviewer", "reviewer", ""), mint("demo-admin", "admin", ""))
	if demo.ProductID == 0 {
		// A database seeded by hand: there is no demo product to show.
		fmt.Println("No released demo product: create one, then query product(id: …) as below.")
		fmt.Println()
	}
	query := ProductPageQuery(demo.ProductID)
	fmt.Printf("Product page query (no token needed):\n\n%s\n", query)
	return query, nil
}

// ProductPageQuery is the product details page's one query.
func ProductPageQuery(productID int) string {
	return fmt.Sprintf(`query ProductPage {
  product(id: "%d") {
    name
    summary
    seller { name }
    afterSalesGroup {
      name phone email timeZone
      openNow nextOpenAt nextCloseAt todayHours { start end }
      weeklyHours { day hours { start end } }
      closures { date name hours { start end } }
    }
    preSalesInfo { phone email }
  }
}`, productID)
}
