package graph

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/99designs/gqlgen/complexity"
	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/rs/cors"
	"github.com/vektah/gqlparser/v2/ast"

	"servicesupport/auth"
	"servicesupport/ent"
	"servicesupport/ent/seller"
	"servicesupport/feed"
	"servicesupport/graphiql"
	"servicesupport/idempotency"
	"servicesupport/policy"
	"servicesupport/service"
	"servicesupport/telemetry"
	"servicesupport/throttle"
)

// Limits of the GraphQL endpoint.
const (
	// DefaultPageSize is the page size of a connection asked for without
	// first or last.
	DefaultPageSize = 20
	// MaxBodyBytes caps a request body.
	MaxBodyBytes = 1 << 20
	// parserTokenLimit bounds the tokens of one query (gqlgen's default is
	// unlimited: CVE-2023-49559).
	parserTokenLimit = 15000
	// complexityLimit bounds gqlgen's estimate of an operation's cost.
	complexityLimit = 5000
)

// HandlerConfig configures the HTTP handler.
type HandlerConfig struct {
	Client *ent.Client
	// Secret verifies bearer tokens (the raw bytes of AUTH_JWT_SECRET).
	Secret []byte
	// DevMode turns on introspection and field suggestions.
	DevMode bool
	// Introspection turns on introspection outside dev mode.
	Introspection bool
	// AllowedOrigins are the CORS origins allowed to call the API.
	AllowedOrigins []string
	// Logger receives internal errors; slog.Default() when nil.
	Logger *slog.Logger
	// Metrics receive request metrics (served at /metrics); a fresh set
	// without database statistics when nil.
	Metrics *telemetry.Metrics
	// Ready reports whether the database answers (/readyz).
	Ready func(context.Context) error
	// GraphiQL serves the GraphiQL IDE at / (always in dev mode).
	GraphiQL bool
	// GraphiQLQuery is the query GraphiQL opens with.
	GraphiQLQuery string
	// AllowedOperations, when not nil, is the only operations the server
	// runs (SHA-256 hash → document); automatic persisted queries are off.
	AllowedOperations map[string]string
	// RequestTimeout bounds each GraphQL request, database work included;
	// DefaultRequestTimeout when zero.
	RequestTimeout time.Duration
	// Feed is the change feed: committed events reach subscriptions
	// through it, and the service announces its events on it. Without
	// one, events are recorded but subscriptions are unavailable.
	Feed *feed.Feed
	// Stop, when closed, ends every WebSocket connection (the server is
	// shutting down: http.Server.Shutdown does not wait for them).
	Stop <-chan struct{}
	// WebhookAllowInsecure allows http:// webhook endpoints and loopback or
	// private addresses (development and tests).
	WebhookAllowInsecure bool
	// RateLimitPoints is the size of each viewer's cost bucket
	// (RATE_LIMIT_POINTS); DefaultRateLimitPoints when zero.
	RateLimitPoints int
	// RateLimitRestore is how many points a bucket regains per second
	// (RATE_LIMIT_RESTORE); DefaultRateLimitRestore when zero.
	RateLimitRestore int
	// TrustedProxies are the proxies whose X-Forwarded-For names the
	// client address of an anonymous viewer (TRUSTED_PROXIES).
	TrustedProxies []netip.Prefix
	// NoCache turns the product page cache off (PAGE_CACHE=false): every
	// page is worked out from the database.
	NoCache bool
	// gqlgenAnswers leaves every answer to gqlgen's executor (see
	// renderAnswers): the tests' reference.
	gqlgenAnswers bool
}

// Defaults of the cost buckets.
const (
	DefaultRateLimitPoints  = 2000
	DefaultRateLimitRestore = 200
)

// DefaultGCPercent is the garbage collector's target the server runs with
// (GC_PERCENT) unless GOGC says otherwise: a collection when the heap has
// grown by 400 % of what the last one left live, rather than Go's 100 %.
// A request of this server allocates a lot that dies with it and keeps
// little; with Go's default the collector took about a third of the CPU
// time of an uncached product page under load (see the README's
// Performance section), for a live heap of a few tens of megabytes.
const DefaultGCPercent = 400

// DefaultRequestTimeout is the per-request deadline unless configured.
const DefaultRequestTimeout = 10 * time.Second

// NewHandler returns the server's HTTP handler: POST and GET /graphql, and
// GraphiQL at /.
func NewHandler(cfg HandlerConfig) http.Handler {
	cfg.Client.Product.Intercept(watchProducts(), countProductsFromCounters(cfg.Client))
	if cfg.Metrics == nil {
		cfg.Metrics = telemetry.NewMetrics(nil)
	}
	opts := service.Options{
		WebhookAllowInsecure: cfg.WebhookAllowInsecure,
		Recorded: func(types []string) {
			for _, t := range types {
				cfg.Metrics.Events.WithLabelValues(t).Inc()
			}
		},
	}
	if cfg.Feed != nil {
		opts.Feed = cfg.Feed
	}
	return newHandler(cfg, &Resolver{
		client:      cfg.Client,
		service:     service.New(cfg.Client, opts),
		feed:        cfg.Feed,
		subscribers: cfg.Metrics.Subscribers,
	})
}

// newHandler builds the handler over the given resolvers.
func newHandler(cfg HandlerConfig, resolvers *Resolver) http.Handler {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	schema := pricedExecutableSchema(resolvers)
	srv := handler.New(schema)
	timeout := cfg.RequestTimeout
	if timeout <= 0 {
		timeout = DefaultRequestTimeout
	}
	edge := newEdge(cfg, timeout, log)
	pages := newPageCache(resolvers.client, schema.(pricedSchema).ExecutableSchema, cfg.NoCache, log)
	srv.AddTransport(websocketTransport(cfg.Secret, sellerOf(cfg.Client), cfg.AllowedOrigins))
	srv.AddTransport(&httpTransport{
		secret:  cfg.Secret,
		sellers: sellerOf(cfg.Client),
		timeout: timeout,
		maxBody: MaxBodyBytes,
		edge:    edge,
		log:     log,
		pages:   pages,
	})
	srv.SetQueryCache(pagedDocuments{lru.New[*ast.QueryDocument](1000)})
	srv.SetParserTokenLimit(parserTokenLimit)
	srv.SetDisableSuggestion(!cfg.DevMode)
	if cfg.DevMode || cfg.Introspection {
		srv.Use(extension.Introspection{})
	}
	if cfg.AllowedOperations != nil {
		srv.Use(allowList(cfg.AllowedOperations))
	} else {
		store := newPersistedStore(cfg.Client, log)
		srv.Use(persistedQueries{extension.AutomaticPersistedQuery{Cache: store}})
		srv.AroundOperations(store.share)
	}
	srv.Use(&shapeLimits{small: lru.New[bool](1000), introspection: cfg.DevMode || cfg.Introspection})
	// Every operation that validates fits in a full bucket, so a throttled
	// one only ever has to wait (Retry-After), never to be cut down.
	// Shopify's convention: objects cost 1, scalars and enums nothing.
	srv.Use(newPricedOnce(extension.FixedComplexityLimit(min(complexityLimit, rateLimitPoints(cfg)), complexity.WithFixedScalarValue(0)),
		schema.(pricedSchema)))
	srv.SetErrorPresenter(presentError(log))
	srv.SetRecoverFunc(func(ctx context.Context, v any) error {
		log.ErrorContext(ctx, "panic in resolver", "panic", v)
		return &internalError{}
	})
	srv.AroundOperations(observeOperation)
	srv.AroundFields(authorizeFields)
	srv.AroundFields(countObjects(schema.Schema()))
	if pages != nil {
		srv.AroundFields(recordHoles)
	}
	if !cfg.gqlgenAnswers {
		srv.AroundFields(renderAnswers(resolvers)) // innermost: the others see the field
	}
	srv.AroundOperations(socketOperations(timeout, edge))
	// Each root field gets its own pre-sales loader: a mutation's payload
	// then never shows a projection loaded before an earlier mutation of the
	// same operation changed it.
	srv.AroundRootFields(func(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
		return next(withScheduleMemo(withPreSalesLoader(ctx, cfg.Client), nil))
	})
	srv.AroundResponses(observeResponse)
	if pages != nil {
		srv.AroundResponses(pages.intercept)
	}

	metrics := cfg.Metrics
	if metrics == nil {
		metrics = telemetry.NewMetrics(nil)
	}
	mux := http.NewServeMux()
	// GET and POST go to httpTransport. A WebSocket upgrade has no request
	// deadline: the connection is authenticated by its connection_init
	// payload and lives as long as its token, or until the server stops.
	mux.Handle("/graphql", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isWebsocket(r) {
			ctx, cancel := context.WithCancel(websocketContext(r.Context(), edge.addressKey(r)))
			defer cancel()
			if cfg.Stop != nil {
				go func() {
					select {
					case <-cfg.Stop:
						cancel()
					case <-ctx.Done():
					}
				}()
			}
			srv.ServeHTTP(w, r.WithContext(ctx))
			return
		}
		srv.ServeHTTP(w, r)
	}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", ready(cfg.Ready, log))
	mux.Handle("GET /metrics", metrics.Handler())
	if cfg.GraphiQL || cfg.DevMode {
		ide := graphiql.Handler("servicesupport GraphiQL", "/graphql", graphiql.DefaultQuery(cfg.GraphiQLQuery))
		mux.Handle("GET /{$}", ide)
		mux.Handle("GET "+graphiql.AssetsPath, ide)
	}
	var h http.Handler = mux
	// rs/cors reads an empty origin list as "any origin": without
	// configured origins, no cross-origin access is granted at all.
	if len(cfg.AllowedOrigins) > 0 {
		h = cors.New(cors.Options{
			AllowedOrigins:   cfg.AllowedOrigins,
			AllowedMethods:   []string{http.MethodGet, http.MethodPost},
			AllowedHeaders:   []string{"Authorization", "Content-Type", "X-Request-ID"},
			ExposedHeaders:   []string{"X-Request-ID"},
			AllowCredentials: false,
			MaxAge:           int((10 * time.Minute).Seconds()),
		}).Handler(mux)
	}
	return metrics.Middleware(log, recoverHTTP(log, h))
}

// rateLimitPoints is the size of each viewer's cost bucket.
func rateLimitPoints(cfg HandlerConfig) int {
	if cfg.RateLimitPoints > 0 {
		return cfg.RateLimitPoints
	}
	return DefaultRateLimitPoints
}

// newEdge builds the transport's shared state: the cost buckets and the
// idempotency keys, whose running requests hold their key a little longer
// than a request may last.
func newEdge(cfg HandlerConfig, timeout time.Duration, log *slog.Logger) *edge {
	restore := cfg.RateLimitRestore
	if restore <= 0 {
		restore = DefaultRateLimitRestore
	}
	return &edge{
		buckets: throttle.New(rateLimitPoints(cfg), restore, time.Now),
		proxies: cfg.TrustedProxies,
		keys: idempotency.New(cfg.Client,
			idempotency.WithLease(timeout+30*time.Second),
			idempotency.WithMaxBody(idempotency.DefaultMaxBody, answerNotKept)),
		log: log,
	}
}

// ready answers /readyz: 200 when check passes (the database answers and is
// migrated), else 503.
func ready(check func(context.Context) error, log *slog.Logger) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if check != nil {
			ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
			defer cancel()
			if err := check(ctx); err != nil {
				log.WarnContext(ctx, "not ready", "err", err)
				http.Error(w, "not ready", http.StatusServiceUnavailable)
				return
			}
		}
		_, _ = w.Write([]byte("ok\n"))
	}
}

// internalError is what a client sees of a panic.
type internalError struct{}

// Error implements error.
func (*internalError) Error() string { return "internal error" }

// sellerOf finds the Seller of a token's account.
func sellerOf(client *ent.Client) auth.SellerResolver {
	return func(ctx context.Context, accountID string) (int, error) {
		id, err := client.Seller.Query().
			Where(seller.AccountID(accountID)).
			OnlyID(policy.System(ctx))
		if ent.IsNotFound(err) {
			return 0, nil
		}
		return id, err
	}
}
