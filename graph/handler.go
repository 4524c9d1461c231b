package graph

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/rs/cors"
	"github.com/vektah/gqlparser/v2/ast"

	"servicesupport/auth"
	"servicesupport/ent"
	"servicesupport/ent/seller"
	"servicesupport/feed"
	"servicesupport/graphiql"
	"servicesupport/policy"
	"servicesupport/service"
	"servicesupport/telemetry"
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
}

// DefaultRequestTimeout is the per-request deadline unless configured.
const DefaultRequestTimeout = 10 * time.Second

// NewHandler returns the server's HTTP handler: POST and GET /graphql, and
// GraphiQL at /.
func NewHandler(cfg HandlerConfig) http.Handler {
	cfg.Client.Product.Intercept(watchProducts())
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
	srv := handler.New(NewExecutableSchema(Config{
		Resolvers:  resolvers,
		Complexity: complexity(),
	}))
	srv.AddTransport(websocketTransport(cfg.Secret, sellerOf(cfg.Client), cfg.AllowedOrigins))
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
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
	srv.Use(extension.FixedComplexityLimit(complexityLimit))
	srv.SetErrorPresenter(presentError(log))
	srv.SetRecoverFunc(func(ctx context.Context, v any) error {
		log.ErrorContext(ctx, "panic in resolver", "panic", v)
		return &internalError{}
	})
	srv.AroundOperations(observeOperation)
	timeout := cfg.RequestTimeout
	if timeout <= 0 {
		timeout = DefaultRequestTimeout
	}
	srv.AroundOperations(socketOperations(timeout))
	// Each root field gets its own pre-sales loader: a mutation's payload
	// then never shows a projection loaded before an earlier mutation of the
	// same operation changed it.
	srv.AroundRootFields(func(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
		return next(withScheduleMemo(withPreSalesLoader(ctx, cfg.Client)))
	})
	srv.AroundResponses(observeResponse)
	srv.AroundResponses(capErrors)

	metrics := cfg.Metrics
	if metrics == nil {
		metrics = telemetry.NewMetrics(nil)
	}
	api := withDeadline(timeout, auth.Middleware(cfg.Secret, sellerOf(cfg.Client), guardHTTP(MaxBodyBytes, cacheControl(answerTimeouts(srv)))))
	mux := http.NewServeMux()
	// A WebSocket upgrade skips the request guards, the bearer header and
	// the request deadline: the connection is authenticated by its
	// connection_init payload and lives as long as its token.
	mux.Handle("/graphql", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isWebsocket(r) {
			ctx, cancel := context.WithCancel(websocketContext(r.Context()))
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
		api.ServeHTTP(w, r)
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

// withDeadline cancels a request's context, and so its database work, after
// d. It also notes when the request arrived, before anything else reads
// it: the review resolvers pass that time to the service (see arrival).
func withDeadline(d time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(context.WithValue(r.Context(), arrivalKey{}, time.Now()), d)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// answerTimeouts replaces gqlgen's answer to an operation whose deadline
// passed before it ran (a bare JSON null, with no status written) by a 503
// TIMEOUT error. It wraps gqlgen directly, so that no other writer has sent
// a status yet.
func answerTimeouts(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(&timeoutWriter{ResponseWriter: w, r: r}, r)
	})
}

// timeoutWriter is answerTimeouts' response writer.
type timeoutWriter struct {
	http.ResponseWriter
	r           *http.Request
	wroteHeader bool
}

// WriteHeader implements http.ResponseWriter.
func (t *timeoutWriter) WriteHeader(status int) {
	t.wroteHeader = true
	t.ResponseWriter.WriteHeader(status)
}

// Write implements http.ResponseWriter.
func (t *timeoutWriter) Write(b []byte) (int, error) {
	if !t.wroteHeader && errors.Is(t.r.Context().Err(), context.DeadlineExceeded) && string(bytes.TrimSpace(b)) == "null" {
		t.wroteHeader = true
		telemetry.FromContext(t.r.Context()).SetOutcome(telemetry.OutcomeTimeout)
		writeError(t.ResponseWriter, http.StatusServiceUnavailable, timeoutMessage, CodeTimeout)
		return len(b), nil
	}
	t.wroteHeader = true
	return t.ResponseWriter.Write(b)
}
