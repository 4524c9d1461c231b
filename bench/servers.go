package main

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"

	"servicesupport/database"
	"servicesupport/ent"
	_ "servicesupport/ent/runtime" // registers the schema's hooks and privacy policies
	"servicesupport/feed"
	"servicesupport/graph"
	"servicesupport/telemetry"
	"servicesupport/throttle"
)

// servers are the two servers under load, on loopback listeners, over one
// database pool.
type servers struct {
	ours   *httptest.Server
	floor  *httptest.Server
	secret []byte
	client *ent.Client
	fl     *floor
}

// handlerConfig is the real server's configuration, as server.go builds it
// in production (not dev mode), with two changes for the benchmark: the
// request log is formatted but discarded, and the cost buckets restore at
// the maximum rate, so the load is never throttled (the cost rule and the
// charge still run on every request).
func handlerConfig(client *ent.Client, db *database.DB, secret []byte, f *feed.Feed, log *slog.Logger, noCache bool) graph.HandlerConfig {
	cfg := graph.HandlerConfig{
		Client:           client,
		Secret:           secret,
		Logger:           log,
		Metrics:          telemetry.NewMetrics(db.SQL),
		Ready:            func(ctx context.Context) error { return db.SQL.PingContext(ctx) },
		Feed:             f,
		RateLimitPoints:  5000,
		RateLimitRestore: throttle.MaxPoints,
	}
	// -nocache turns the product page cache off. (Should the field go
	// away, comment this one line out: the flag then changes nothing.)
	cfg.NoCache = noCache
	return cfg
}

// startServers starts the real server and the floor. The change feed runs
// until ctx ends, as server.go's startEvents runs it (without the webhook
// worker: the dataset registers no endpoints).
func startServers(ctx context.Context, db *database.DB, url string, noCache bool) (*servers, error) {
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, err
	}
	log := benchLogger()
	f := feed.New(url, db.SQL, log)
	go func() {
		if err := f.Run(ctx); err != nil && ctx.Err() == nil {
			log.Error("change feed stopped", "err", err)
		}
	}()
	client := db.Client(telemetry.CountStatements)
	ours := httptest.NewServer(graph.NewHandler(handlerConfig(client, db, secret, f, log, noCache)))
	fl := newFloor(db)
	return &servers{ours: ours, floor: httptest.NewServer(fl), secret: secret, client: client, fl: fl}, nil
}

// close stops both servers.
func (s *servers) close() {
	s.ours.Close()
	s.floor.Close()
}

// benchLogger formats every record as production does (JSON, info and
// up: the request log is part of a request's cost) but discards it, and
// shows warnings and errors on stderr, where the benchmark's progress goes.
func benchLogger() *slog.Logger {
	return slog.New(teeHandler{
		slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}),
		slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}),
	})
}

// teeHandler hands each record to every handler that wants it.
type teeHandler []slog.Handler

// Enabled implements slog.Handler.
func (t teeHandler) Enabled(ctx context.Context, l slog.Level) bool {
	for _, h := range t {
		if h.Enabled(ctx, l) {
			return true
		}
	}
	return false
}

// Handle implements slog.Handler.
func (t teeHandler) Handle(ctx context.Context, r slog.Record) error {
	for _, h := range t {
		if h.Enabled(ctx, r.Level) {
			if err := h.Handle(ctx, r.Clone()); err != nil {
				return err
			}
		}
	}
	return nil
}

// WithAttrs implements slog.Handler.
func (t teeHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	out := make(teeHandler, len(t))
	for i, h := range t {
		out[i] = h.WithAttrs(attrs)
	}
	return out
}

// WithGroup implements slog.Handler.
func (t teeHandler) WithGroup(name string) slog.Handler {
	out := make(teeHandler, len(t))
	for i, h := range t {
		out[i] = h.WithGroup(name)
	}
	return out
}

// newHTTPClient is a keep-alive client for one server and the given
// concurrency.
func newHTTPClient(concurrency int) *http.Client {
	return &http.Client{Transport: &http.Transport{
		MaxIdleConns:        2 * concurrency,
		MaxIdleConnsPerHost: 2 * concurrency,
		DisableCompression:  true,
	}}
}
