package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"servicesupport/ent"
	"servicesupport/ent/webhookdelivery"
	"servicesupport/policy"
)

const (
	// batchSize is how many due deliveries one claim takes.
	batchSize = 16
	// parallel is how many of a batch are attempted at a time: with
	// attempts of at most Timeout, a batch takes two rounds, 20 s, inside
	// its lease.
	parallel = 8
	// leaseFor is how long a claim holds its deliveries: longer than a
	// batch takes, so no other worker takes one while it is attempted, and
	// short enough that the deliveries of a crashed worker are soon
	// claimed again.
	leaseFor = 30 * time.Second
	// leaseMargin is kept free at the end of a lease: no request may still
	// run then, whatever the clocks of the instances say.
	leaseMargin = 5 * time.Second
	// recordTimeout bounds the writing of an outcome, which goes on when
	// the worker is stopped so that an answered attempt is not made again.
	recordTimeout = 10 * time.Second
	// maxErrorLength caps the last_error kept on a delivery.
	maxErrorLength = 200
)

// Outcomes reported to Worker.Observe.
const (
	OutcomeDelivered = "delivered"
	OutcomeRetry     = "retry"
	OutcomeFailed    = "failed"
)

// Worker delivers the due webhook deliveries. Run one per instance: each
// claim takes due rows under a lease (locked_until) in one transaction,
// with FOR UPDATE SKIP LOCKED on PostgreSQL, so that two workers — on one
// instance or several — never attempt the same delivery at the same time,
// and a worker that dies holding a lease only delays its deliveries until
// the lease ends.
type Worker struct {
	// Client is the database; every read and write runs as the system.
	Client *ent.Client
	// HTTP makes the requests; NewClient(false) when nil.
	HTTP *http.Client
	// RequireHTTPS fails attempts to endpoints that are not https://
	// (registered while WEBHOOK_ALLOW_INSECURE was on).
	RequireHTTPS bool
	// Base is the retry base (WEBHOOK_RETRY_BASE); DefaultRetryBase when
	// zero.
	Base time.Duration
	// Wake is nudged when new events commit, so that a delivery does not
	// wait for the next poll; it may be nil.
	Wake <-chan struct{}
	// Poll is how often to look for due work anyway (retries, other
	// instances' events); 1 s when zero.
	Poll time.Duration
	// Log receives failures; slog.Default() when nil.
	Log *slog.Logger
	// Observe, when not nil, is called once per recorded attempt with its
	// outcome (OutcomeDelivered, OutcomeRetry or OutcomeFailed) and the
	// time since the event occurred, for metrics.
	Observe func(outcome string, lag time.Duration)
	// Now is the clock of claims and schedules; time.Now when nil. Tests
	// move it forward instead of sleeping through a backoff.
	Now func() time.Time
}

// Run delivers until ctx ends, then returns nil. A failing database or
// receiver is logged and tried again at the next poll: nothing here is a
// reason to stop the server.
func (w *Worker) Run(ctx context.Context) error {
	if w.Client == nil {
		return errors.New("webhook: Worker.Client is nil")
	}
	poll := w.Poll
	if poll <= 0 {
		poll = time.Second
	}
	for {
		claimed, _, err := w.runOnce(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			w.logger().Error("webhook deliveries", "error", err)
		}
		if err == nil && claimed == batchSize {
			continue // a full batch: more is probably due
		}
		t := time.NewTimer(poll)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-w.Wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// RunOnce claims the deliveries due now and attempts them, and returns how
// many it attempted once all are recorded.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	_, attempted, err := w.runOnce(ctx)
	return attempted, err
}

// runOnce is RunOnce that also tells how many it claimed.
func (w *Worker) runOnce(ctx context.Context) (claimed, attempted int, err error) {
	// The attempts are bounded on the real clock from before the claim:
	// time spent waiting for the claim's transaction (a busy pool, SQLite's
	// write lock) counts against the lease, which starts then too.
	started := time.Now()
	ids, lease, err := w.claim(ctx)
	if err != nil || len(ids) == 0 {
		return 0, 0, err
	}
	// The lease is on the worker's clock (Now, which tests move).
	end := started.Add(leaseFor - leaseMargin)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
		sem  = make(chan struct{}, parallel)
	)
	for _, id := range ids {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			ok, err := w.attempt(ctx, id, lease, end)
			mu.Lock()
			defer mu.Unlock()
			if ok {
				attempted++
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("delivery %d: %w", id, err))
			}
		})
	}
	wg.Wait()
	return len(ids), attempted, errors.Join(errs...)
}

// claim takes up to batchSize due deliveries: PENDING, next attempt due,
// and no lease or an expired one. It returns their IDs and the lease it
// wrote on them, which every later write compares against.
func (w *Worker) claim(ctx context.Context) ([]int, time.Time, error) {
	sys := policy.System(ctx)
	now := w.now()
	// The lease is compared for equality later: at the microsecond that
	// PostgreSQL keeps, it reads back as the value written on any database.
	lease := now.Add(leaseFor).Truncate(time.Microsecond)
	tx, err := w.Client.Tx(ctx)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("claiming deliveries: %w", err)
	}
	ids, err := tx.WebhookDelivery.Query().
		Where(
			webhookdelivery.StatusEQ(webhookdelivery.StatusPending),
			webhookdelivery.NextAttemptAtLTE(now),
			webhookdelivery.Or(
				webhookdelivery.LockedUntilIsNil(),
				webhookdelivery.LockedUntilLT(now),
			),
		).
		Order(webhookdelivery.ByNextAttemptAt(), webhookdelivery.ByID()).
		Limit(batchSize).
		Unique(false). // PostgreSQL refuses FOR UPDATE with DISTINCT
		Select(webhookdelivery.FieldID).
		Modify(skipLocked).
		Ints(sys)
	if err == nil && len(ids) > 0 {
		err = tx.WebhookDelivery.Update().
			Where(webhookdelivery.IDIn(ids...)).
			SetLockedUntil(lease).
			Exec(sys)
	}
	if err != nil {
		_ = tx.Rollback()
		return nil, time.Time{}, fmt.Errorf("claiming deliveries: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, time.Time{}, fmt.Errorf("claiming deliveries: %w", err)
	}
	return ids, lease, nil
}

// skipLocked locks the claimed rows on PostgreSQL and passes over rows that
// another worker's claim holds, so concurrent claims take different rows
// instead of waiting for each other (or, without the lock, both taking the
// same ones). ent refuses FOR UPDATE on SQLite, which needs none: its
// write transactions take the database's single write lock at BEGIN
// (_txlock=immediate), so claims there run one after the other.
func skipLocked(s *sql.Selector) {
	if s.Dialect() == dialect.Postgres {
		s.ForUpdate(sql.WithLockAction(sql.SkipLocked))
	}
}

// attempt makes one attempt of a claimed delivery and records it. It
// reports whether an attempt was made; a delivery that has gone (its
// endpoint was deleted) or whose lease was lost is left quietly.
func (w *Worker) attempt(ctx context.Context, id int, lease, end time.Time) (bool, error) {
	sys := policy.System(ctx)
	if time.Until(end) < Timeout {
		// Too late in the lease to finish before another worker may claim
		// the delivery: hand it back untried.
		return false, w.release(ctx, id, lease)
	}
	d, err := w.Client.WebhookDelivery.Query().
		Where(webhookdelivery.ID(id), webhookdelivery.LockedUntil(lease)).
		WithEvent().
		WithEndpoint().
		Only(sys)
	if ent.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("loading: %w", err)
	}
	if d.Edges.Event == nil || d.Edges.Endpoint == nil {
		return false, nil
	}
	status, problem := w.post(ctx, d)
	if ctx.Err() != nil && status == 0 {
		// Stopped mid-request: let the next worker make this attempt
		// rather than count one that was cut short.
		return false, w.release(ctx, id, lease)
	}
	return true, w.record(ctx, d, lease, status, problem)
}

// post sends a delivery's body once. It returns the answer's status (0 for
// none) and, for a failure, a short description of it.
func (w *Worker) post(ctx context.Context, d *ent.WebhookDelivery) (int, string) {
	body, err := Body(d.Edges.Event)
	if err != nil {
		return 0, "encoding the event: " + err.Error()
	}
	msgID := strconv.Itoa(d.ID)
	ts := w.now()
	sig, err := Sign(d.Edges.Endpoint.Secret, msgID, ts, body)
	if err != nil {
		return 0, "signing: the endpoint's secret is unusable"
	}
	if w.RequireHTTPS && !strings.HasPrefix(strings.ToLower(d.Edges.Endpoint.URL), "https://") {
		// Registered while insecure endpoints were allowed: no event goes
		// out in plain text once they are not.
		return 0, "the endpoint's URL is not https:// and insecure endpoints are not allowed"
	}
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.Edges.Endpoint.URL, bytes.NewReader(body))
	if err != nil {
		return 0, "the endpoint's URL is unusable"
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "servicesupport-webhooks/1")
	req.Header.Set(HeaderID, msgID)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
	req.Header.Set(HeaderSignature, sig)
	resp, err := w.httpClient().Do(req)
	if err != nil {
		return 0, describe(err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseBody))
	_ = resp.Body.Close()
	switch code := resp.StatusCode; {
	case code >= 200 && code < 300:
		return code, ""
	case code >= 300 && code < 400:
		return code, fmt.Sprintf("status %d: redirects are not followed", code)
	default:
		return code, fmt.Sprintf("status %d", code)
	}
}

// record writes an attempt's outcome, if the delivery still holds this
// worker's lease: a worker whose lease ran out (a long pause) must not
// overwrite the result of the worker that claimed the delivery after it.
func (w *Worker) record(ctx context.Context, d *ent.WebhookDelivery, lease time.Time, status int, problem string) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	now := w.now()
	attempts := d.Attempts + 1
	upd := w.Client.WebhookDelivery.Update().
		Where(webhookdelivery.ID(d.ID), webhookdelivery.LockedUntil(lease)).
		AddAttempts(1).
		SetLastAttemptAt(now).
		ClearLockedUntil()
	if status != 0 {
		upd.SetLastResponseStatus(status)
	} else {
		upd.ClearLastResponseStatus()
	}
	if problem != "" {
		upd.SetLastError(problem)
	} else {
		upd.ClearLastError()
	}
	var outcome string
	switch {
	case problem == "":
		outcome = OutcomeDelivered
		upd.SetStatus(webhookdelivery.StatusDelivered).ClearNextAttemptAt()
	case attempts >= MaxAttempts:
		outcome = OutcomeFailed
		upd.SetStatus(webhookdelivery.StatusFailed).ClearNextAttemptAt()
	default:
		outcome = OutcomeRetry
		upd.SetNextAttemptAt(now.Add(Backoff(attempts, w.base(), rand.Float64())))
	}
	n, err := upd.Save(policy.System(ctx))
	if err != nil {
		return fmt.Errorf("recording the attempt: %w", err)
	}
	log := w.logger().With("delivery", d.ID, "endpoint", d.EndpointID, "event", d.EventID, "attempt", attempts)
	if n == 0 {
		// Deleted with its endpoint meanwhile, or the lease was lost.
		log.Warn("webhook attempt not recorded: the delivery is gone or its lease expired")
		return nil
	}
	switch outcome {
	case OutcomeFailed:
		log.Warn("webhook delivery failed for good", "error", problem)
	case OutcomeRetry:
		log.Info("webhook attempt failed; will retry", "error", problem)
	}
	if w.Observe != nil {
		w.Observe(outcome, now.Sub(d.Edges.Event.OccurredAt))
	}
	return nil
}

// release hands a claimed delivery back without an attempt, also when the
// worker is stopping, so that another instance need not wait for the lease.
func (w *Worker) release(ctx context.Context, id int, lease time.Time) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	_, err := w.Client.WebhookDelivery.Update().
		Where(webhookdelivery.ID(id), webhookdelivery.LockedUntil(lease)).
		ClearLockedUntil().
		Save(policy.System(ctx))
	if err != nil {
		return fmt.Errorf("releasing: %w", err)
	}
	return nil
}

// describe turns a request error into a short last_error. The URL is left
// out: it may carry the receiver's own token.
func describe(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return fmt.Sprintf("no answer within %s", Timeout)
		}
		err = ue.Err
	}
	s := err.Error()
	if len(s) > maxErrorLength {
		s = s[:maxErrorLength]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
	}
	return s
}

// now is the worker's clock, in UTC: SQLite compares times as text, which
// orders them only when they are written in one zone.
func (w *Worker) now() time.Time {
	now := time.Now
	if w.Now != nil {
		now = w.Now
	}
	return now().UTC()
}

// base is the retry base in use.
func (w *Worker) base() time.Duration {
	if w.Base > 0 {
		return w.Base
	}
	return DefaultRetryBase
}

// logger is the logger in use.
func (w *Worker) logger() *slog.Logger {
	if w.Log != nil {
		return w.Log
	}
	return slog.Default()
}

// defaultClient is the client of a Worker without one, made once so that
// its connections are reused.
var defaultClient = sync.OnceValue(func() *http.Client { return NewClient(false) })

// httpClient is the HTTP client in use.
func (w *Worker) httpClient() *http.Client {
	if w.HTTP != nil {
		return w.HTTP
	}
	return defaultClient()
}
