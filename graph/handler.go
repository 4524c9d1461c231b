package graph

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/99designs/gqlgen/graphql/playground"
	"github.com/rs/cors"
	"github.com/vektah/gqlparser/v2/ast"

	"servicesupport/auth"
	"servicesupport/ent"
	"servicesupport/ent/seller"
	"servicesupport/policy"
	"servicesupport/service"
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
	// RequestTimeout bounds each GraphQL request, database work included;
	// DefaultRequestTimeout when zero.
	RequestTimeout time.Duration
}

// DefaultRequestTimeout is the per-request deadline unless configured.
const DefaultRequestTimeout = 10 * time.Second

// NewHandler returns the server's HTTP handler: POST and GET /graphql, and
// GraphiQL at /.
func NewHandler(cfg HandlerConfig) http.Handler {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	cfg.Client.Product.Intercept(watchProducts())

	srv := handler.New(NewExecutableSchema(Config{
		Resolvers:  &Resolver{client: cfg.Client, service: service.New(cfg.Client)},
		Complexity: complexity(),
	}))
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.SetParserTokenLimit(parserTokenLimit)
	srv.SetDisableSuggestion(!cfg.DevMode)
	if cfg.DevMode || cfg.Introspection {
		srv.Use(extension.Introspection{})
	}
	srv.Use(shapeLimits{})
	srv.Use(extension.FixedComplexityLimit(complexityLimit))
	srv.SetErrorPresenter(presentError(log))
	srv.SetRecoverFunc(func(ctx context.Context, v any) error {
		log.ErrorContext(ctx, "panic in resolver", "panic", v)
		return &internalError{}
	})
	srv.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		return next(withPreSalesLoader(ctx, cfg.Client))
	})
	srv.AroundFields(defaultPageSize)

	timeout := cfg.RequestTimeout
	if timeout <= 0 {
		timeout = DefaultRequestTimeout
	}
	api := withDeadline(timeout, auth.Middleware(cfg.Secret, sellerOf(cfg.Client), guardHTTP(MaxBodyBytes, srv)))
	mux := http.NewServeMux()
	mux.Handle("/graphql", api)
	mux.Handle("GET /{$}", playground.Handler("servicesupport GraphiQL", "/graphql"))
	return cors.New(cors.Options{
		AllowedOrigins:   cfg.AllowedOrigins,
		AllowedMethods:   []string{http.MethodGet, http.MethodPost},
		AllowedHeaders:   []string{"Authorization", "Content-Type"},
		AllowCredentials: false,
		MaxAge:           int((10 * time.Minute).Seconds()),
	}).Handler(mux)
}

// internalError is what a client sees of a panic.
type internalError struct{}

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

// defaultPageSize gives a connection asked for without first or last the
// documented default page size.
func defaultPageSize(ctx context.Context, next graphql.Resolver) (any, error) {
	if fc := graphql.GetFieldContext(ctx); fc != nil && fc.Args != nil {
		first, hasFirst := fc.Args["first"].(*int)
		last, hasLast := fc.Args["last"].(*int)
		if hasFirst && hasLast && first == nil && last == nil {
			n := DefaultPageSize
			fc.Args["first"] = &n
		}
	}
	return next(ctx)
}

// withDeadline cancels a request's context, and so its database work, after d.
func withDeadline(d time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}
