// Package telemetry observes requests: Prometheus metrics, the one log line
// per request, request IDs, and SQL statements counted per request. It never
// records tokens or contact data.
package telemetry

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"log/slog"
	"net/http"
	"regexp"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Outcomes of a request, as labelled in metrics and logs.
const (
	OutcomeOK              = "ok"
	OutcomeError           = "error"
	OutcomeRejected        = "rejected"
	OutcomeUnauthenticated = "unauthenticated"
	OutcomeTimeout         = "timeout"
)

// maxOperationNames bounds the distinct operation labels, since clients
// choose operation names.
const maxOperationNames = 200

// Metrics are the server's Prometheus metrics.
type Metrics struct {
	registry   *prometheus.Registry
	requests   *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	statements prometheus.Histogram
	rejected   *prometheus.CounterVec

	// Events counts the events recorded, by type.
	Events *prometheus.CounterVec
	// Deliveries counts webhook delivery attempts by outcome (delivered,
	// retry, failed).
	Deliveries *prometheus.CounterVec
	// DeliveryLag observes how long after its event a delivery succeeded.
	DeliveryLag prometheus.Histogram
	// Subscribers is the number of live event subscriptions.
	Subscribers prometheus.Gauge

	mu    sync.Mutex
	names map[string]bool
}

// NewMetrics registers the metrics, with the pool statistics of db when it
// is not nil.
func NewMetrics(db *sql.DB) *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		names:    map[string]bool{},
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "graphql_requests_total",
			Help: "GraphQL requests by operation name and outcome (ok, error, rejected, unauthenticated, timeout).",
		}, []string{"operation", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "graphql_request_duration_seconds",
			Help:    "GraphQL request latency by operation name.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"operation"}),
		statements: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "graphql_sql_statements_per_request",
			Help:    "SQL statements run by one GraphQL request.",
			Buckets: []float64{0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 100},
		}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "graphql_rejected_requests_total",
			Help: "Requests refused before execution (limits, bad HTTP, bad tokens) by HTTP status.",
		}, []string{"status"}),
	}
	m.Events = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "events_recorded_total",
		Help: "Events recorded by committed mutations, by type.",
	}, []string{"type"})
	m.Deliveries = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "webhook_deliveries_total",
		Help: "Webhook delivery attempts by outcome: delivered, retry (failed, to be retried) or failed (the last attempt failed).",
	}, []string{"outcome"})
	m.DeliveryLag = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "webhook_delivery_lag_seconds",
		Help:    "Time from an event to its successful delivery.",
		Buckets: []float64{.05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 7200},
	})
	m.Subscribers = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "event_subscribers",
		Help: "Live event subscriptions on this instance.",
	})
	m.registry.MustRegister(m.Events, m.Deliveries, m.DeliveryLag, m.Subscribers)
	m.registry.MustRegister(m.requests, m.duration, m.statements, m.rejected,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if db != nil {
		m.registry.MustRegister(collectors.NewDBStatsCollector(db, "main"))
	}
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// Request is what the layers of the server learn about one request.
type Request struct {
	ID         string
	mu         sync.Mutex
	operation  string
	role       string
	outcome    string
	statements atomic.Int64
}

// SetOperation records the GraphQL operation name.
func (r *Request) SetOperation(name string) {
	r.mu.Lock()
	r.operation = name
	r.mu.Unlock()
}

// SetRole records the viewer's role.
func (r *Request) SetRole(role string) {
	r.mu.Lock()
	r.role = role
	r.mu.Unlock()
}

// SetOutcome records whether the GraphQL response carried errors.
func (r *Request) SetOutcome(outcome string) {
	r.mu.Lock()
	r.outcome = outcome
	r.mu.Unlock()
}

// Outcome returns the outcome recorded so far ("" while none).
func (r *Request) Outcome() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.outcome
}

// Statements returns the SQL statements counted so far.
func (r *Request) Statements() int64 { return r.statements.Load() }

type requestKey struct{}

// FromContext returns the request's record; a throwaway one outside a
// request, so callers never check for nil.
func FromContext(ctx context.Context) *Request {
	if r, ok := ctx.Value(requestKey{}).(*Request); ok {
		return r
	}
	return &Request{}
}

// countStatement adds one SQL statement to the request in ctx, if any.
func countStatement(ctx context.Context) {
	if r, ok := ctx.Value(requestKey{}).(*Request); ok {
		r.statements.Add(1)
	}
}

// validRequestID accepts client request IDs that are safe to log and echo.
var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// newRequestID returns a random request ID.
func newRequestID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// statusWriter remembers the status code written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

// WriteHeader implements http.ResponseWriter.
func (w *statusWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

// Write implements http.ResponseWriter.
func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Middleware gives each request an ID (X-Request-ID when the client sent a
// sane one, returned in the response), then logs one line and records the
// metrics when it ends.
func (m *Metrics) Middleware(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &Request{ID: r.Header.Get("X-Request-ID"), role: "ANONYMOUS"}
		if !validRequestID.MatchString(rec.ID) {
			rec.ID = newRequestID()
		}
		w.Header().Set("X-Request-ID", rec.ID)
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), requestKey{}, rec)))

		elapsed := time.Since(start)
		rec.mu.Lock()
		op, role, outcome := rec.operation, rec.role, rec.outcome
		rec.mu.Unlock()
		status := sw.status
		if status == 0 {
			status = http.StatusOK
		}
		switch {
		case outcome == OutcomeTimeout:
		case status == http.StatusUnauthorized:
			outcome = OutcomeUnauthenticated
		case status >= 400:
			outcome = OutcomeRejected
		case outcome == "":
			outcome = OutcomeOK
		}
		label := m.operationLabel(op)
		m.requests.WithLabelValues(label, outcome).Inc()
		m.duration.WithLabelValues(label).Observe(elapsed.Seconds())
		m.statements.Observe(float64(rec.Statements()))
		if status >= 400 {
			m.rejected.WithLabelValues(http.StatusText(status)).Inc()
		}
		log.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("request_id", rec.ID),
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.String("operation", op),
			slog.Int("status", status),
			slog.String("outcome", outcome),
			slog.String("role", role),
			slog.Int64("sql_statements", rec.Statements()),
			slog.Duration("duration", elapsed),
		)
	})
}

// operationLabel bounds the cardinality of the operation label.
func (m *Metrics) operationLabel(op string) string {
	if op == "" {
		return "(anonymous)"
	}
	if len(op) > 64 {
		op = op[:64]
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.names[op] {
		return op
	}
	if len(m.names) >= maxOperationNames {
		return "(other)"
	}
	m.names[op] = true
	return op
}
