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
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"servicesupport/auth"
	"servicesupport/database"
	"servicesupport/ent"
	_ "servicesupport/ent/runtime" // registers the schema's privacy policies
	"servicesupport/graph"
	"servicesupport/seed"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "servicesupport:", err)
		os.Exit(1)
	}
}

// settings is the server's configuration, from the environment.
type settings struct {
	addr          string
	dataDir       string
	databaseURL   string
	secret        string
	devMode       bool
	introspection bool
	origins       []string
}

// loadSettings reads the environment; without AUTH_JWT_SECRET the server is
// in dev mode, with a random secret kept in the data folder.
func loadSettings() (settings, error) {
	s := settings{
		addr:          envOr("ADDR", ":8080"),
		dataDir:       envOr("DATA_DIR", "data"),
		databaseURL:   os.Getenv("DATABASE_URL"),
		secret:        os.Getenv("AUTH_JWT_SECRET"),
		introspection: os.Getenv("GRAPHQL_INTROSPECTION") == "true",
	}
	for _, o := range strings.Split(os.Getenv("CORS_ALLOWED_ORIGINS"), ",") {
		if o = strings.TrimSpace(o); o != "" {
			s.origins = append(s.origins, o)
		}
	}
	if s.databaseURL == "" {
		u, err := database.FileURL(filepath.Join(s.dataDir, "servicesupport.db"))
		if err != nil {
			return s, err
		}
		s.databaseURL = u
	}
	if s.secret == "" {
		s.devMode = true
		secret, err := auth.LoadOrCreateSecret(filepath.Join(s.dataDir, "jwt-secret"))
		if err != nil {
			return s, fmt.Errorf("dev mode secret: %w", err)
		}
		s.secret = secret
	}
	return s, nil
}

// envOr returns the environment variable or a default.
func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// run dispatches the sub-commands.
func run(args []string) error {
	if len(args) > 0 && args[0] == "token" {
		return mintToken(args[1:])
	}
	return serve()
}

// mintToken prints a token signed with the server's secret.
func mintToken(args []string) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	role := fs.String("role", "seller", "seller, reviewer or admin")
	account := fs.String("account", "", "the seller's account ID (sellers)")
	subject := fs.String("sub", "", "the subject (default: derived from role and account)")
	ttl := fs.Duration("ttl", 24*time.Hour, "how long the token is valid")
	if err := fs.Parse(args); err != nil {
		return err
	}
	s, err := loadSettings()
	if err != nil {
		return err
	}
	sub := *subject
	if sub == "" {
		sub = *role + ":" + *account
		if *account == "" {
			sub = *role
		}
	}
	token, err := auth.Mint([]byte(s.secret), sub, *role, *account, *ttl, time.Now())
	if err != nil {
		return err
	}
	fmt.Println(token)
	return nil
}

// serve runs the HTTP server until SIGINT or SIGTERM.
func serve() error {
	s, err := loadSettings()
	if err != nil {
		return err
	}
	log := newLogger(s.devMode)
	slog.SetDefault(log)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	client, err := database.Open(s.databaseURL, nil)
	if err != nil {
		return err
	}
	defer client.Close()
	if err := database.Migrate(ctx, client); err != nil {
		return err
	}
	if s.devMode {
		if err := devStart(ctx, client, s); err != nil {
			return err
		}
	}

	srv := &http.Server{
		Addr: s.addr,
		Handler: graph.NewHandler(graph.HandlerConfig{
			Client:         client,
			Secret:         []byte(s.secret),
			DevMode:        s.devMode,
			Introspection:  s.introspection,
			AllowedOrigins: s.origins,
			Logger:         log,
		}),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	log.Info("listening", "addr", s.addr, "dev_mode", s.devMode)
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

// newLogger logs text in dev mode and JSON otherwise.
func newLogger(dev bool) *slog.Logger {
	if dev {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return slog.New(slog.NewJSONHandler(os.Stderr, nil))
}

// devStart seeds an empty database and prints what a new user needs.
func devStart(ctx context.Context, client *ent.Client, s settings) error {
	demo, err := seed.Demo(ctx, client)
	if err != nil {
		return fmt.Errorf("seeding demo data: %w", err)
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

  seller   (%s): %s
  reviewer:          %s
  admin:             %s

Product page query (no token needed):

%s
`, filepath.Join(s.dataDir, "jwt-secret"), base, base,
		demo.SellerAccountID, mint("demo-seller", "seller", demo.SellerAccountID),
		mint("demo-reviewer", "reviewer", ""),
		mint("demo-admin", "admin", ""),
		ProductPageQuery(demo.ProductID))
	return nil
}

// ProductPageQuery is the product details page's one query.
func ProductPageQuery(productID int) string {
	return fmt.Sprintf(`query ProductPage {
  product(id: "%d") {
    name
    summary
    seller { name }
    afterSalesGroup {
      name phone email serviceDays serviceHours { start end } timeZone openNow
    }
    preSalesInfo { phone email }
  }
}`, productID)
}
