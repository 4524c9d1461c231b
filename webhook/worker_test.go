package webhook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"servicesupport/ent/webhookdelivery"
	"servicesupport/webhook"
)

// A delivery that fails twice and then succeeds: retried on schedule, with
// the same webhook-id and body every time, then DELIVERED.
func TestWorkerRetriesUntilDelivered(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	clk := newClock()
	rcv := newReceiver(t, clk.Now, func(n int) int {
		if n <= 2 {
			return http.StatusInternalServerError
		}
		return http.StatusNoContent
	})
	ep := f.endpoint(rcv.srv.URL + "/hooks")
	rcv.secret = ep.Secret
	occurred := clk.Now().Add(-time.Minute).Truncate(time.Millisecond)
	ev := f.event(occurred)
	d := f.delivery(ep, ev, clk.Now())

	var seen outcomes
	w := &webhook.Worker{
		Client: f.db, HTTP: webhook.NewClient(true), Base: time.Second,
		Log: quiet, Now: clk.Now, Observe: seen.observe,
	}
	run := func(want int) {
		t.Helper()
		n, err := w.RunOnce(context.Background())
		if err != nil || n != want {
			t.Fatalf("RunOnce = %d, %v; want %d attempted", n, err, want)
		}
	}

	run(1)
	got := f.reload(d)
	first := clk.Now()
	if got.Status != webhookdelivery.StatusPending || got.Attempts != 1 ||
		got.LastResponseStatus == nil || *got.LastResponseStatus != 500 ||
		got.LastAttemptAt == nil || got.LastAttemptAt.Sub(first).Abs() >= time.Microsecond ||
		got.LockedUntil != nil || got.LastError == nil {
		t.Fatalf("after a 500: %+v", got)
	}
	// The first retry waits the base, jittered by [0.5, 1.5).
	if got.NextAttemptAt == nil || got.NextAttemptAt.Before(first.Add(500*time.Millisecond)) ||
		!got.NextAttemptAt.Before(first.Add(1500*time.Millisecond)) {
		t.Fatalf("next attempt at %v, want within [0.5s, 1.5s) of %v", got.NextAttemptAt, first)
	}
	run(0) // not due yet

	clk.Add(1500 * time.Millisecond)
	run(1)
	got = f.reload(d)
	second := clk.Now()
	if got.Status != webhookdelivery.StatusPending || got.Attempts != 2 || got.NextAttemptAt == nil ||
		got.NextAttemptAt.Before(second.Add(time.Second)) || !got.NextAttemptAt.Before(second.Add(3*time.Second)) {
		t.Fatalf("after the second 500: %+v", got)
	}

	clk.Add(3 * time.Second)
	run(1)
	got = f.reload(d)
	if got.Status != webhookdelivery.StatusDelivered || got.Attempts != 3 ||
		got.LastResponseStatus == nil || *got.LastResponseStatus != 204 ||
		got.NextAttemptAt != nil || got.LastError != nil || got.LockedUntil != nil {
		t.Fatalf("after a 204: %+v", got)
	}
	clk.Add(time.Hour)
	run(0) // delivered is done

	reqs := rcv.requests()
	if len(reqs) != 3 {
		t.Fatalf("receiver got %d requests, want 3", len(reqs))
	}
	wantTS := []time.Time{first, second, clk.Now().Add(-time.Hour)}
	for i, r := range reqs {
		if id := r.header.Get("webhook-id"); id != strconv.Itoa(d.ID) {
			t.Errorf("request %d: webhook-id %q, want %d", i+1, id, d.ID)
		}
		if ts := r.header.Get("webhook-timestamp"); ts != strconv.FormatInt(wantTS[i].Unix(), 10) {
			t.Errorf("request %d: webhook-timestamp %s, want the attempt's time %d", i+1, ts, wantTS[i].Unix())
		}
		if !bytes.Equal(r.body, reqs[0].body) {
			t.Errorf("request %d: body changed on retry", i+1)
		}
	}
	var body struct {
		Type      string `json:"type"`
		Timestamp string `json:"timestamp"`
		Data      struct {
			EventID, SubjectID string
			SellerID           *string
			ReviewID           *string
			ProductID          *string
			Changes            []struct{ Field, After string }
		} `json:"data"`
	}
	if err := json.Unmarshal(reqs[0].body, &body); err != nil {
		t.Fatal(err)
	}
	if body.Type != "PRODUCT_CREATED" || body.Timestamp != occurred.UTC().Format(time.RFC3339Nano) ||
		body.Data.EventID != strconv.Itoa(ev.ID) || body.Data.SubjectID != strconv.Itoa(f.seller.ID) ||
		body.Data.SellerID == nil || *body.Data.SellerID != strconv.Itoa(f.seller.ID) ||
		body.Data.ReviewID != nil || body.Data.ProductID != nil ||
		len(body.Data.Changes) != 1 || body.Data.Changes[0].Field != "name" || body.Data.Changes[0].After != "Widget" {
		t.Fatalf("body %s", reqs[0].body)
	}
	if want := []string{"retry", "retry", "delivered"}; !slices.Equal(seen.list, want) {
		t.Fatalf("Observe got %v, want %v", seen.list, want)
	}
	if seen.lags[0] != first.Sub(occurred) {
		t.Fatalf("lag %s, want %s", seen.lags[0], first.Sub(occurred))
	}
}

// A receiver that always fails: 8 attempts in all, then FAILED for good.
func TestWorkerGivesUpAfterMaxAttempts(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	clk := newClock()
	rcv := newReceiver(t, clk.Now, func(int) int { return http.StatusServiceUnavailable })
	ep := f.endpoint(rcv.srv.URL)
	rcv.secret = ep.Secret
	d := f.delivery(ep, f.event(clk.Now()), clk.Now())

	var seen outcomes
	w := &webhook.Worker{Client: f.db, HTTP: webhook.NewClient(true), Log: quiet, Now: clk.Now, Observe: seen.observe}
	for i := 1; i <= webhook.MaxAttempts; i++ {
		if n, err := w.RunOnce(context.Background()); n != 1 || err != nil {
			t.Fatalf("attempt %d: RunOnce = %d, %v", i, n, err)
		}
		if got := f.reload(d); i < webhook.MaxAttempts && (got.Status != webhookdelivery.StatusPending || got.NextAttemptAt == nil) {
			t.Fatalf("after attempt %d: %+v", i, got)
		}
		clk.Add(24 * time.Hour) // past any backoff
	}
	got := f.reload(d)
	if got.Status != webhookdelivery.StatusFailed || got.Attempts != webhook.MaxAttempts ||
		got.NextAttemptAt != nil || got.LockedUntil != nil ||
		got.LastResponseStatus == nil || *got.LastResponseStatus != 503 {
		t.Fatalf("after %d failures: %+v", webhook.MaxAttempts, got)
	}
	if n, err := w.RunOnce(context.Background()); n != 0 || err != nil {
		t.Fatalf("a FAILED delivery was attempted again: %d, %v", n, err)
	}
	if n := len(rcv.requests()); n != webhook.MaxAttempts {
		t.Fatalf("receiver got %d requests, want %d", n, webhook.MaxAttempts)
	}
	want := append(slices.Repeat([]string{"retry"}, webhook.MaxAttempts-1), "failed")
	if !slices.Equal(seen.list, want) {
		t.Fatalf("Observe got %v, want %v", seen.list, want)
	}
}

// No answer at all: the attempt counts, with no status and an error that
// does not repeat the URL (it may carry the receiver's token).
func TestWorkerRecordsNoAnswer(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	ep := f.endpoint("http://" + addr + "/hooks?token=receiver-token")
	d := f.delivery(ep, f.event(time.Now()), time.Now())

	w := &webhook.Worker{Client: f.db, HTTP: webhook.NewClient(true), Log: quiet}
	if n, err := w.RunOnce(context.Background()); n != 1 || err != nil {
		t.Fatalf("RunOnce = %d, %v", n, err)
	}
	got := f.reload(d)
	if got.Status != webhookdelivery.StatusPending || got.Attempts != 1 || got.LastResponseStatus != nil ||
		got.LastError == nil || *got.LastError == "" || got.NextAttemptAt == nil {
		t.Fatalf("after no answer: %+v", got)
	}
	if strings.Contains(*got.LastError, "receiver-token") || strings.Contains(*got.LastError, "/hooks") {
		t.Fatalf("last_error %q repeats the URL", *got.LastError)
	}
}

// The address is checked when delivering too: a worker with the secure
// client does not reach a receiver on loopback, whatever was registered.
func TestWorkerSecureClientRefusesLoopback(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	rcv := newReceiver(t, time.Now, func(int) int { return http.StatusNoContent })
	ep := f.endpoint(rcv.srv.URL)
	rcv.secret = ep.Secret
	d := f.delivery(ep, f.event(time.Now()), time.Now())

	w := &webhook.Worker{Client: f.db, Log: quiet} // HTTP nil: NewClient(false)
	if n, err := w.RunOnce(context.Background()); n != 1 || err != nil {
		t.Fatalf("RunOnce = %d, %v", n, err)
	}
	got := f.reload(d)
	if len(rcv.requests()) != 0 || got.Status != webhookdelivery.StatusPending ||
		got.LastError == nil || !strings.Contains(*got.LastError, "not a public address") {
		t.Fatalf("loopback reached or not explained: %d requests, %+v", len(rcv.requests()), got)
	}
}

// Another worker's lease keeps a delivery from being claimed until it
// expires; a worker that crashed holding it only delays it.
func TestWorkerRespectsLease(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	clk := newClock()
	rcv := newReceiver(t, clk.Now, func(int) int { return http.StatusOK })
	ep := f.endpoint(rcv.srv.URL)
	rcv.secret = ep.Secret
	d := f.delivery(ep, f.event(clk.Now()), clk.Now())
	if err := f.db.WebhookDelivery.UpdateOneID(d.ID).SetLockedUntil(clk.Now().Add(20 * time.Second)).Exec(sys); err != nil {
		t.Fatal(err)
	}

	w := &webhook.Worker{Client: f.db, HTTP: webhook.NewClient(true), Log: quiet, Now: clk.Now}
	if n, err := w.RunOnce(context.Background()); n != 0 || err != nil {
		t.Fatalf("a leased delivery was taken: %d, %v", n, err)
	}
	clk.Add(21 * time.Second)
	if n, err := w.RunOnce(context.Background()); n != 1 || err != nil {
		t.Fatalf("an expired lease was not taken over: %d, %v", n, err)
	}
	if got := f.reload(d); got.Status != webhookdelivery.StatusDelivered {
		t.Fatalf("after the lease: %+v", got)
	}
}

// A delivery whose endpoint was deleted goes with it (cascade), quietly.
func TestWorkerEndpointDeleted(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ep := f.endpoint("https://93.184.216.34/hooks")
	d := f.delivery(ep, f.event(time.Now()), time.Now())
	if err := f.db.WebhookEndpoint.DeleteOneID(ep.ID).Exec(sys); err != nil {
		t.Fatal(err)
	}
	w := &webhook.Worker{Client: f.db, Log: quiet}
	if n, err := w.RunOnce(context.Background()); n != 0 || err != nil {
		t.Fatalf("RunOnce = %d, %v", n, err)
	}
	if _, err := f.db.WebhookDelivery.Get(sys, d.ID); err == nil {
		t.Fatal("the delivery outlived its endpoint")
	}
}

// Run delivers without being asked again: a nudge on Wake is enough.
func TestWorkerRunWakes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	delivered := make(chan struct{}, 1)
	rcv := newReceiver(t, time.Now, func(int) int {
		delivered <- struct{}{}
		return http.StatusOK
	})
	ep := f.endpoint(rcv.srv.URL)
	rcv.secret = ep.Secret

	wake := make(chan struct{}, 1)
	w := &webhook.Worker{Client: f.db, HTTP: webhook.NewClient(true), Log: quiet, Wake: wake, Poll: time.Hour}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()

	time.Sleep(50 * time.Millisecond) // Run has looked once and is waiting
	f.delivery(ep, f.event(time.Now()), time.Now())
	wake <- struct{}{}
	select {
	case <-delivered:
	case <-time.After(10 * time.Second):
		t.Fatal("a nudge on Wake did not deliver (Poll is an hour)")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run = %v after ctx ended", err)
	}
}

// Two workers, each on its own pool as on two instances, claim and attempt
// over and over while 50 deliveries are due: every delivery reaches the
// receiver exactly once. Without the lease (or, on PostgreSQL, without
// SKIP LOCKED) a second claim takes rows the first is still attempting
// and the receiver sees duplicates.
func TestWorkersNeverDeliverTwice(t *testing.T) {
	t.Parallel()
	const total = 50
	clients := openClients(t, 2)
	f := fixtureOn(t, clients[0])
	rcv := newReceiver(t, time.Now, func(int) int { return http.StatusNoContent })
	rcv.delay = 20 * time.Millisecond
	ep := f.endpoint(rcv.srv.URL)
	rcv.secret = ep.Secret
	now := time.Now()
	ids := make([]string, 0, total)
	for i := range total {
		d := f.delivery(ep, f.event(now), now.Add(-time.Duration(total-i)*time.Millisecond))
		ids = append(ids, strconv.Itoa(d.ID))
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var (
		attempted atomic.Int64
		perWorker [2]atomic.Int64
		wg        sync.WaitGroup
	)
	for i, c := range clients {
		w := &webhook.Worker{Client: c, HTTP: webhook.NewClient(true), Log: quiet}
		for range 4 { // several loops per worker: claims overlap within an instance too
			wg.Go(func() {
				for ctx.Err() == nil {
					n, err := w.RunOnce(ctx)
					if err != nil {
						t.Errorf("worker %d: %v", i, err)
						return
					}
					attempted.Add(int64(n))
					perWorker[i].Add(int64(n))
					left, err := c.WebhookDelivery.Query().
						Where(webhookdelivery.StatusEQ(webhookdelivery.StatusPending)).
						Count(sys)
					if err != nil {
						t.Errorf("worker %d: %v", i, err)
						return
					}
					if left == 0 {
						return
					}
				}
			})
		}
	}
	wg.Wait()
	if ctx.Err() != nil {
		t.Fatal("the workers did not finish within a minute")
	}

	counts := rcv.counts()
	for _, id := range ids {
		if counts[id] != 1 {
			t.Errorf("delivery %s reached the receiver %d times", id, counts[id])
		}
	}
	if len(counts) != total || attempted.Load() != total {
		t.Errorf("receiver saw %d deliveries, workers attempted %d; want %d", len(counts), attempted.Load(), total)
	}
	n, err := f.db.WebhookDelivery.Query().
		Where(webhookdelivery.StatusEQ(webhookdelivery.StatusDelivered), webhookdelivery.Attempts(1)).
		Count(sys)
	if err != nil || n != total {
		t.Errorf("%d deliveries DELIVERED after one attempt (%v), want %d", n, err, total)
	}
	t.Logf("worker 0 attempted %d, worker 1 attempted %d", perWorker[0].Load(), perWorker[1].Load())
}
