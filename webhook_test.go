package main

// Webhooks through real server processes (DESIGN.md, "Webhooks"): a
// receiver in the test process, on loopback (so the servers run with
// WEBHOOK_ALLOW_INSECURE=true, except where the test is the refusal of such
// URLs), checks every request's Standard Webhooks signature with
// webhook.Verify, the way a real receiver would.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"servicesupport/database/dbtest"
	"servicesupport/webhook"
)

// signatureTolerance is how far a delivery's webhook-timestamp may be from
// the receiver's clock: the specification's usual five minutes.
const signatureTolerance = 5 * time.Minute

// hookRequest is one request a hookReceiver got.
type hookRequest struct {
	id        string // its webhook-id
	body      []byte
	verifyErr error // why the request is not a valid signed delivery; nil if it is
	arrived   time.Time
	answered  time.Time // when the answer was written; zero for none
	status    int       // the answer's status; 0 when the sender left before one
}

// hookBody is the JSON body of a delivery.
type hookBody struct {
	Type      string
	Timestamp string
	Data      struct {
		EventID, SubjectID            string
		SellerID, ReviewID, ProductID *string
		Changes                       []struct {
			Field         string
			Before, After *string
		}
	}
}

// decodeBody decodes a delivery's body; a body that does not decode fails
// the test.
func decodeBody(t *testing.T, raw []byte) hookBody {
	t.Helper()
	var b hookBody
	if err := json.Unmarshal(raw, &b); err != nil {
		t.Fatalf("delivery body %.500s: %v", raw, err)
	}
	return b
}

// nameChange is the change of the body's name field, if it has one.
func (b hookBody) nameChange() (before, after *string, ok bool) {
	for _, c := range b.Data.Changes {
		if c.Field == "name" {
			return c.Before, c.After, true
		}
	}
	return nil, nil, false
}

// hookReceiver is a webhook receiver on loopback. It verifies each
// request against the endpoint's secret (given with setSecret once the
// endpoint is registered) and lets respond decide the answer of request n
// (from 1, in order of arrival): respond may block, and returns the status
// to answer, or 0 to answer nothing (its context ended: the sender left).
type hookReceiver struct {
	srv      *httptest.Server
	respond  func(ctx context.Context, n int) int
	inFlight atomic.Int64 // requests inside respond right now

	mu      sync.Mutex
	secret  string
	arrived int
	reqs    []hookRequest // in the order they were answered (or given up)
}

// newHookReceiver starts a receiver that the test's cleanup closes.
func newHookReceiver(t *testing.T, respond func(ctx context.Context, n int) int) *hookReceiver {
	t.Helper()
	h := &hookReceiver{respond: respond}
	h.srv = httptest.NewServer(h)
	t.Cleanup(h.srv.Close)
	return h
}

// url is where the receiver takes deliveries.
func (h *hookReceiver) url() string { return h.srv.URL + "/hooks" }

// setSecret gives the secret that deliveries must be signed with.
func (h *hookReceiver) setSecret(secret string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.secret = secret
}

// requests is a copy of what the receiver got so far, by arrival.
func (h *hookReceiver) requests() []hookRequest {
	h.mu.Lock()
	defer h.mu.Unlock()
	reqs := slices.Clone(h.reqs)
	sort.SliceStable(reqs, func(i, j int) bool { return reqs[i].arrived.Before(reqs[j].arrived) })
	return reqs
}

// ServeHTTP records, verifies and answers one request.
func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	req := hookRequest{id: r.Header.Get(webhook.HeaderID), arrived: time.Now()}
	body, err := io.ReadAll(r.Body)
	req.body = body
	h.mu.Lock()
	secret := h.secret
	h.arrived++
	n := h.arrived
	h.mu.Unlock()
	switch {
	case err != nil:
		req.verifyErr = err
	case r.Method != http.MethodPost || r.URL.Path != "/hooks":
		req.verifyErr = fmt.Errorf("%s %s, want POST /hooks", r.Method, r.URL.Path)
	case !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json"):
		req.verifyErr = fmt.Errorf("Content-Type %q", r.Header.Get("Content-Type"))
	default:
		req.verifyErr = webhook.Verify(secret, r.Header, body, time.Now(), signatureTolerance)
	}
	h.inFlight.Add(1)
	status := h.respond(r.Context(), n)
	h.inFlight.Add(-1)
	if status != 0 && r.Context().Err() == nil {
		req.status, req.answered = status, time.Now()
		w.WriteHeader(status)
	}
	h.mu.Lock()
	h.reqs = append(h.reqs, req)
	h.mu.Unlock()
}

// The webhook operations of these tests.
const (
	createWebhookM = `mutation($in: CreateWebhookEndpointInput!) { out: createWebhookEndpoint(input: $in) {
		webhookEndpoint { id url eventTypes } secret ` + userErrorSel + ` } }`
	webhookEndpointsQ = `{ webhookEndpoints(first: 5) { totalCount edges { node { id url eventTypes
		deliveries(first: 100) { totalCount edges { node {
			id status attempts lastAttemptAt lastResponseStatus nextAttemptAt event { id type } } } } } } } }`
	updateGroupM = `mutation($id: ID!, $in: CustomerServiceGroupInput!) { out: updateCustomerServiceGroup(id: $id, input: $in) {
		customerServiceGroup { id name } ` + userErrorSel + ` } }`
)

// webhookRegistration is createWebhookEndpoint's payload.
type webhookRegistration struct {
	Out struct {
		WebhookEndpoint *struct {
			ID, URL    string
			EventTypes []string
		}
		Secret     *string
		UserErrors []userError
	}
}

// registerWebhook calls createWebhookEndpoint; GraphQL errors fail the test,
// userErrors are the caller's to check.
func registerWebhook(t *testing.T, s *server, token, url string, types ...string) webhookRegistration {
	t.Helper()
	var out webhookRegistration
	mustQuery(t, s, token, createWebhookM, map[string]any{"in": map[string]any{"url": url, "eventTypes": types}}, &out)
	return out
}

// mustRegisterWebhook registers an endpoint that must be accepted and
// returns its ID and secret.
func mustRegisterWebhook(t *testing.T, s *server, token, url string, types ...string) (id, secret string) {
	t.Helper()
	reg := registerWebhook(t, s, token, url, types...)
	ep, sec := reg.Out.WebhookEndpoint, reg.Out.Secret
	if ep == nil || sec == nil || len(reg.Out.UserErrors) > 0 {
		t.Fatalf("createWebhookEndpoint(%s): endpoint %v, userErrors %+v", url, ep, reg.Out.UserErrors)
	}
	if ep.URL != url || !slices.Equal(ep.EventTypes, types) {
		t.Errorf("registered %s %v, want %s %v", ep.URL, ep.EventTypes, url, types)
	}
	if !strings.HasPrefix(*sec, "whsec_") {
		t.Errorf("secret %q does not start with whsec_", *sec)
	}
	return ep.ID, *sec
}

// hookDelivery is a delivery as the API shows it.
type hookDelivery struct {
	ID                 string
	Status             string
	Attempts           int
	LastAttemptAt      *time.Time
	LastResponseStatus *int
	NextAttemptAt      *time.Time
	Event              struct{ ID, Type string }
}

// hookEndpoint is an endpoint as the API shows it, with its first 100
// deliveries.
type hookEndpoint struct {
	ID, URL    string
	EventTypes []string
	Deliveries struct {
		TotalCount int
		Edges      []struct{ Node hookDelivery }
	}
}

// listWebhooks reads the token's endpoints (at most 20) with their
// deliveries.
func listWebhooks(t *testing.T, s *server, token string) (total int, endpoints []hookEndpoint) {
	t.Helper()
	var out struct {
		WebhookEndpoints struct {
			TotalCount int
			Edges      []struct{ Node hookEndpoint }
		}
	}
	mustQuery(t, s, token, webhookEndpointsQ, nil, &out)
	for _, e := range out.WebhookEndpoints.Edges {
		endpoints = append(endpoints, e.Node)
	}
	return out.WebhookEndpoints.TotalCount, endpoints
}

// deliveriesOf reads the deliveries of the token's only endpoint, which
// must be endpointID.
func deliveriesOf(t *testing.T, s *server, token, endpointID string) []hookDelivery {
	t.Helper()
	total, eps := listWebhooks(t, s, token)
	if total != 1 || len(eps) != 1 || eps[0].ID != endpointID {
		t.Fatalf("webhookEndpoints: %d, %+v; want only %s", total, eps, endpointID)
	}
	var ds []hookDelivery
	for _, e := range eps[0].Deliveries.Edges {
		ds = append(ds, e.Node)
	}
	if len(ds) != eps[0].Deliveries.TotalCount {
		t.Fatalf("a page of %d deliveries of %d: the test reads only one page", len(ds), eps[0].Deliveries.TotalCount)
	}
	return ds
}

// sellerID is the ID of the token's seller.
func sellerID(t *testing.T, s *server, token string) string {
	t.Helper()
	var out struct {
		Viewer struct{ Seller *struct{ ID string } }
	}
	mustQuery(t, s, token, `{ viewer { seller { id } } }`, nil, &out)
	if out.Viewer.Seller == nil {
		t.Fatal("the seller token has no seller")
	}
	return out.Viewer.Seller.ID
}

// metricSample reads the sample of one series ("name{label=\"v\"}", or a
// bare name) from a Prometheus text exposition.
func metricSample(exposition, series string) (float64, bool) {
	for _, line := range strings.Split(exposition, "\n") {
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			return v, err == nil
		}
	}
	return 0, false
}

// webhookTestRetryBase is the WEBHOOK_RETRY_BASE of TestWebhookDeliveredAfterTwoFailures:
// small enough for a fast test, large enough that the API's nextAttemptAt
// shows the backoff's range.
const webhookTestRetryBase = 300 * time.Millisecond

// TestWebhookDeliveredAfterTwoFailures registers a seller's endpoint for
// GROUP_CREATED at a receiver that answers 500 twice, then 204. The one
// event is posted three times under one webhook-id with a valid signature
// and the same body each time; each wait is base·2^(n-1) scaled by
// [0.5, 1.5), and no retry comes before it; the delivery ends DELIVERED
// after 3 attempts, and /metrics counts it.
func TestWebhookDeliveredAfterTwoFailures(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the server binary; skipped with -short")
	}
	t.Parallel()
	s := startAPIServer(t, t.TempDir(), dbtest.URL(t),
		"WEBHOOK_ALLOW_INSECURE=true", "WEBHOOK_RETRY_BASE="+webhookTestRetryBase.String())
	seller := createSeller(t, s, "hook-retry")
	sellerGID := sellerID(t, s, seller)

	// Requests 2 and 3 wait until the test has read the delivery as the
	// failed attempt before them left it (its nextAttemptAt is kept until
	// the next attempt is recorded), so no poll races the worker.
	arrivals := make(chan int, 16)
	proceed := make(chan struct{})
	recv := newHookReceiver(t, func(ctx context.Context, n int) int {
		select {
		case arrivals <- n:
		default: // far more requests than expected: the test fails on their count
		}
		if n == 2 || n == 3 {
			select {
			case <-proceed:
			case <-ctx.Done():
				return 0
			case <-time.After(8 * time.Second): // within the sender's 10 s
			}
		}
		if n <= 2 {
			return http.StatusInternalServerError
		}
		return http.StatusNoContent
	})
	endpointID, secret := mustRegisterWebhook(t, s, seller, recv.url(), "GROUP_CREATED")
	recv.setSecret(secret)

	group := mustMutate(t, s, seller, instCreateGroupM, map[string]any{"in": groupInput("Hooked group")}).Out.CustomerServiceGroup
	if group == nil {
		t.Fatal("createCustomerServiceGroup returned no group")
	}

	awaitArrival := func(want int) {
		t.Helper()
		select {
		case n := <-arrivals:
			if n != want {
				t.Fatalf("request %d arrived, want %d", n, want)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("request %d did not arrive within 30s (requests so far: %d)", want, len(recv.requests()))
		}
	}
	awaitArrival(1)
	// waits[i] is the wait after failed attempt i+1, as the API shows it.
	var waits []time.Duration
	for n := 2; n <= 3; n++ {
		awaitArrival(n)
		ds := deliveriesOf(t, s, seller, endpointID)
		if len(ds) != 1 {
			close(proceed)
			t.Fatalf("%d deliveries, want 1: %+v", len(ds), ds)
		}
		d := ds[0]
		if d.Status != "PENDING" || d.Attempts != n-1 || d.LastResponseStatus == nil || *d.LastResponseStatus != 500 ||
			d.LastAttemptAt == nil || d.NextAttemptAt == nil {
			close(proceed)
			t.Fatalf("before attempt %d the delivery reads %+v; want PENDING, %d attempts, last response 500 and both times", n, d, n-1)
		}
		waits = append(waits, d.NextAttemptAt.Sub(*d.LastAttemptAt))
		proceed <- struct{}{}
	}

	// The delivery ends DELIVERED once the third answer is recorded.
	var d hookDelivery
	deadline := time.Now().Add(30 * time.Second)
	for {
		ds := deliveriesOf(t, s, seller, endpointID)
		if len(ds) != 1 {
			t.Fatalf("%d deliveries, want 1: %+v", len(ds), ds)
		}
		if d = ds[0]; d.Status != "PENDING" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the delivery still reads %+v after 30s", d)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if d.Status != "DELIVERED" || d.Attempts != 3 || d.LastResponseStatus == nil || *d.LastResponseStatus != 204 ||
		d.NextAttemptAt != nil || d.LastAttemptAt == nil {
		t.Errorf("the delivery reads %+v; want DELIVERED, 3 attempts, last response 204, lastAttemptAt set, nextAttemptAt null", d)
	}
	if d.Event.Type != "GROUP_CREATED" {
		t.Errorf("the delivery's event is %+v, want a GROUP_CREATED", d.Event)
	}

	// A moment for an unexpected fourth request to show.
	time.Sleep(300 * time.Millisecond)
	reqs := recv.requests()
	if len(reqs) != 3 {
		t.Fatalf("the receiver got %d requests, want 3", len(reqs))
	}
	for i, r := range reqs {
		if r.verifyErr != nil {
			t.Errorf("request %d: %v", i+1, r.verifyErr)
		}
		if r.id != d.ID {
			t.Errorf("request %d: webhook-id %q, want the delivery's ID %s", i+1, r.id, d.ID)
		}
		if string(r.body) != string(reqs[0].body) {
			t.Errorf("request %d's body differs from the first's:\n%s\n%s", i+1, r.body, reqs[0].body)
		}
		if want := []int{500, 500, 204}[i]; r.status != want {
			t.Errorf("request %d was answered %d, want %d", i+1, r.status, want)
		}
	}
	b := decodeBody(t, reqs[0].body)
	if b.Type != "GROUP_CREATED" || b.Data.SubjectID != group.ID || b.Data.SellerID == nil || *b.Data.SellerID != sellerGID ||
		b.Data.EventID != d.Event.ID || b.Data.ReviewID != nil || b.Data.ProductID != nil {
		t.Errorf("body %s; want type GROUP_CREATED, subjectID %s, sellerID %s, eventID %s, no review nor product",
			reqs[0].body, group.ID, sellerGID, d.Event.ID)
	}
	if before, after, ok := b.nameChange(); !ok || before != nil || after == nil || *after != "Hooked group" {
		t.Errorf("the body's changes %s do not set name from null to %q", reqs[0].body, "Hooked group")
	}
	if _, err := time.Parse(time.RFC3339, b.Timestamp); err != nil {
		t.Errorf("body timestamp %q: %v", b.Timestamp, err)
	}

	// The backoff: the wait after failed attempt n is base·2^(n-1) scaled
	// by [0.5, 1.5) (the ranges of the two waits overlap, so the jitter may
	// make the second the shorter), and the worker keeps to it: no request
	// comes before its time, nor much after (it polls every second).
	const slack = 20 * time.Millisecond // clocks read at slightly different moments
	for i, wait := range waits {
		scale := time.Duration(1) << i
		low, high := webhookTestRetryBase*scale/2, webhookTestRetryBase*scale*3/2
		if wait < low-time.Millisecond || wait >= high+time.Millisecond {
			t.Errorf("the wait after failed attempt %d is %s, want in [%s, %s)", i+1, wait, low, high)
		}
		gap := reqs[i+1].arrived.Sub(reqs[i].answered)
		t.Logf("failed attempt %d: the API's wait %s, the receiver's gap from its answer to the next request %s", i+1, wait, gap)
		if gap < wait-slack {
			t.Errorf("attempt %d came %s after the answer before it, before its wait of %s", i+2, gap, wait)
		}
		if gap > high+5*time.Second {
			t.Errorf("attempt %d came %s after the answer before it: the wait was %s", i+2, gap, wait)
		}
	}

	t.Run("Metrics", func(t *testing.T) {
		status, text, err := get(s.url("/metrics"))
		if err != nil || status != http.StatusOK {
			t.Fatalf("GET /metrics: %d, %v", status, err)
		}
		for _, c := range []struct {
			series   string
			min, max float64
		}{
			{`events_recorded_total{type="GROUP_CREATED"}`, 1, 1e9},
			{`webhook_deliveries_total{outcome="retry"}`, 2, 2},
			{`webhook_deliveries_total{outcome="delivered"}`, 1, 1},
			{`webhook_delivery_lag_seconds_count`, 1, 1e9},
		} {
			v, ok := metricSample(text, c.series)
			if !ok || v < c.min || v > c.max {
				t.Errorf("%s = %v (found %v), want in [%v, %v]", c.series, v, ok, c.min, c.max)
			}
		}
		if v, ok := metricSample(text, `webhook_deliveries_total{outcome="failed"}`); ok && v != 0 {
			t.Errorf(`webhook_deliveries_total{outcome="failed"} = %v, want 0`, v)
		}
	})
}

// Bounds of the SIGKILL test.
const (
	// killEvents is how many events the seller commits before the kill.
	killEvents = 40
	// killGroups is how many of them create groups (a seller has at most
	// service.MaxGroups); the others rename one.
	killGroups = 4
	// killDeliveredWithin bounds the wait for every delivery after the
	// restart: the deliveries claimed before the kill wait for their lease
	// (30 s from the claim, webhook/worker.go) to end.
	killDeliveredWithin = 60 * time.Second
)

// TestWebhookEveryEventDeliveredAfterSIGKILL commits events while the
// receiver holds every request unanswered, so the worker has deliveries
// claimed and in flight, kills the server with SIGKILL, restarts it on the
// same database with the receiver answering at once, and checks that every
// acknowledged event is then received, with a valid signature, and that
// every delivery reads DELIVERED: the deliveries are an outbox written
// with their events, and a dead worker's lease ends. It runs on the
// database under test, like TestNoAcknowledgedWriteLost.
func TestWebhookEveryEventDeliveredAfterSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the server binary; skipped with -short")
	}
	t.Parallel()
	dataDir, dbURL := t.TempDir(), dbtest.URL(t)
	t.Logf("database: %s", dbtest.Dialect())
	env := []string{"WEBHOOK_ALLOW_INSECURE=true", "WEBHOOK_RETRY_BASE=200ms"}
	first := startAPIServer(t, dataDir, dbURL, env...)
	seller := createSeller(t, first, "hook-kill")

	// Until release is closed every request waits, unanswered, until its
	// sender goes away; after, every request is answered 204 at once.
	release := make(chan struct{})
	recv := newHookReceiver(t, func(ctx context.Context, _ int) int {
		select {
		case <-release:
			return http.StatusNoContent
		case <-ctx.Done():
			return 0
		}
	})
	endpointID, secret := mustRegisterWebhook(t, first, seller, recv.url(), "GROUP_CREATED", "GROUP_UPDATED")
	recv.setSecret(secret)

	// The events, each acknowledged by the API before the next is sent.
	type ackedEvent struct{ typ, groupID, name string }
	var acked []ackedEvent
	var groups []string
	for i := range killEvents {
		if i < killGroups {
			name := fmt.Sprintf("Kill group %d", i)
			g := mustMutate(t, first, seller, instCreateGroupM, map[string]any{"in": groupInput(name)}).Out.CustomerServiceGroup
			if g == nil || g.Name != name {
				t.Fatalf("createCustomerServiceGroup: %+v", g)
			}
			groups = append(groups, g.ID)
			acked = append(acked, ackedEvent{"GROUP_CREATED", g.ID, name})
			continue
		}
		id, name := groups[i%killGroups], fmt.Sprintf("Kill group %d rename %d", i%killGroups, i)
		g := mustMutate(t, first, seller, updateGroupM, map[string]any{"id": id, "in": groupInput(name)}).Out.CustomerServiceGroup
		if g == nil || g.Name != name {
			t.Fatalf("updateCustomerServiceGroup: %+v", g)
		}
		acked = append(acked, ackedEvent{"GROUP_UPDATED", id, name})
	}

	// Kill the server while the worker has deliveries in flight.
	deadline := time.Now().Add(15 * time.Second)
	for recv.inFlight.Load() == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no delivery reached the receiver within 15s of the last event")
		}
		time.Sleep(10 * time.Millisecond)
	}
	heldAtKill := recv.inFlight.Load() // at least: more may arrive before the signal lands
	first.signal(t, syscall.SIGKILL)
	first.wait(0)
	killedAt := time.Now()
	// The killed sender's connections close: wait until every held request
	// has seen it, so none is answered 204 to nobody (which would count as
	// a delivery that never happened), then let the receiver answer.
	for recv.inFlight.Load() > 0 {
		if time.Since(killedAt) > 10*time.Second {
			t.Fatalf("%d held requests did not see their sender die within 10s", recv.inFlight.Load())
		}
		time.Sleep(10 * time.Millisecond)
	}
	beforeKill := recv.requests()
	close(release)
	for _, r := range beforeKill {
		if r.status != 0 {
			t.Fatalf("a request was answered %d before the release", r.status)
		}
	}
	reachedBeforeKill := len(distinctIDs(beforeKill))

	// Restart on the same database; wait until no delivery is PENDING.
	second := startAPIServer(t, dataDir, dbURL, env...)
	restartedAt := time.Now()
	var ds []hookDelivery
	for {
		ds = deliveriesOf(t, second, seller, endpointID)
		pending := 0
		for _, d := range ds {
			if d.Status == "PENDING" {
				pending++
			}
		}
		if len(ds) == killEvents && pending == 0 {
			break
		}
		if time.Since(restartedAt) > killDeliveredWithin {
			t.Fatalf("%s after the restart: %d deliveries, %d of them PENDING, want %d delivered",
				killDeliveredWithin, len(ds), pending, killEvents)
		}
		time.Sleep(300 * time.Millisecond)
	}
	allDelivered := time.Since(restartedAt)

	// What the receiver got, by webhook-id: every request verified, every
	// delivery answered 2xx at least once with its own event's body.
	reqs := recv.requests()
	answered := map[string][]hookRequest{} // webhook-id → its 2xx-answered requests
	for _, r := range reqs {
		if r.verifyErr != nil {
			t.Errorf("request %s: %v", r.id, r.verifyErr)
		}
		if r.status >= 200 && r.status < 300 {
			answered[r.id] = append(answered[r.id], r)
		}
	}
	type eventKey struct{ typ, subjectID, name string }
	received := map[eventKey]string{} // → event ID from the body
	var failed []string
	for _, d := range ds {
		if d.Status != "DELIVERED" || d.Attempts < 1 || d.LastResponseStatus == nil || *d.LastResponseStatus != 204 || d.NextAttemptAt != nil {
			failed = append(failed, fmt.Sprintf("%+v", d))
		}
		rs := answered[d.ID]
		if len(rs) == 0 {
			t.Errorf("delivery %s (event %s) reads %s but the receiver never answered it 2xx", d.ID, d.Event.ID, d.Status)
			continue
		}
		for _, r := range rs {
			b := decodeBody(t, r.body)
			if b.Data.EventID != d.Event.ID || b.Type != d.Event.Type {
				t.Errorf("webhook-id %s carried event %s %s, the API says %s %s", d.ID, b.Type, b.Data.EventID, d.Event.Type, d.Event.ID)
			}
			_, after, ok := b.nameChange()
			if !ok || after == nil {
				t.Errorf("webhook-id %s: no name change in %s", d.ID, r.body)
				continue
			}
			received[eventKey{b.Type, b.Data.SubjectID, *after}] = b.Data.EventID
		}
	}
	if len(failed) > 0 {
		t.Errorf("%d deliveries did not end DELIVERED with one 204: %s", len(failed), crashFirst(failed, 10))
	}
	var lost []string
	for _, e := range acked {
		if _, ok := received[eventKey{e.typ, e.groupID, e.name}]; !ok {
			lost = append(lost, fmt.Sprintf("%s %s %q", e.typ, e.groupID, e.name))
		}
	}
	if len(lost) > 0 {
		t.Errorf("%d acknowledged events were never received: %s", len(lost), crashFirst(lost, 10))
	}
	if len(answered) != killEvents {
		t.Errorf("the receiver answered %d webhook-ids 2xx, want %d", len(answered), killEvents)
	}
	duplicates := 0
	for _, rs := range answered {
		duplicates += len(rs) - 1
	}
	t.Logf("events committed %d, delivered after restart %d, duplicates %d (requests in all %d; held at the kill %d; deliveries that reached the receiver before it %d; all DELIVERED %s after the restart, %s after the kill)",
		len(acked), len(answered), duplicates, len(reqs), heldAtKill, reachedBeforeKill, allDelivered.Round(100*time.Millisecond), time.Since(killedAt).Round(100*time.Millisecond))
}

// distinctIDs is the set of webhook-ids among reqs.
func distinctIDs(reqs []hookRequest) map[string]bool {
	ids := map[string]bool{}
	for _, r := range reqs {
		ids[r.id] = true
	}
	return ids
}

// TestWebhookSSRFRefusedWhenInsecureOff starts a server without
// WEBHOOK_ALLOW_INSECURE and checks that createWebhookEndpoint refuses, as
// INVALID at ["input","url"], plain http and every URL that points into
// the server's own networks (loopback, private, link-local — the cloud
// metadata address —, an IPv4-mapped loopback, a name that resolves to
// loopback), registering nothing; a public https address is accepted, so
// the refusals are about the addresses.
func TestWebhookSSRFRefusedWhenInsecureOff(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the server binary; skipped with -short")
	}
	t.Parallel()
	// Said explicitly: the harness passes a WEBHOOK_ALLOW_INSECURE of the
	// test's own environment on to the server.
	s := startAPIServer(t, t.TempDir(), dbtest.URL(t), "WEBHOOK_ALLOW_INSECURE=false")
	seller := createSeller(t, s, "hook-ssrf")

	refused := []string{
		"http://127.0.0.1/hooks",
		"http://1.1.1.1/hooks", // public, but not https
		"https://127.0.0.1/",
		"https://10.1.2.3/",
		"https://169.254.169.254/latest",
		"https://[fe80::1]/",
		"https://[::ffff:127.0.0.1]/",
	}
	// localhost is a name, refused for what it resolves to: only when it
	// does resolve to loopback here does its refusal show that.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", "localhost")
	cancel()
	if err == nil && len(ips) > 0 && !slices.ContainsFunc(ips, func(ip netip.Addr) bool { return !ip.Unmap().IsLoopback() }) {
		refused = append(refused, "https://localhost/")
	} else {
		t.Logf("localhost resolves to %v (%v) here: not tried", ips, err)
	}
	for _, url := range refused {
		reg := registerWebhook(t, s, seller, url, "GROUP_CREATED")
		ue := reg.Out.UserErrors
		if reg.Out.WebhookEndpoint != nil || reg.Out.Secret != nil || len(ue) != 1 || ue[0].Code != "INVALID" ||
			!slices.Equal(ue[0].Field, []string{"input", "url"}) {
			t.Errorf("createWebhookEndpoint(%s): endpoint %v, secret %v, userErrors %+v; want one INVALID at [input url] and nothing else",
				url, reg.Out.WebhookEndpoint, reg.Out.Secret != nil, ue)
		}
	}
	if total, eps := listWebhooks(t, s, seller); total != 0 || len(eps) != 0 {
		t.Errorf("after the refusals webhookEndpoints has %d: %+v", total, eps)
	}

	// No event is committed after this, so nothing is ever sent to it.
	const public = "https://1.1.1.1/hooks"
	id, _ := mustRegisterWebhook(t, s, seller, public, "GROUP_DELETED")
	if total, eps := listWebhooks(t, s, seller); total != 1 || len(eps) != 1 || eps[0].ID != id {
		t.Errorf("webhookEndpoints has %d: %+v; want only %s at %s", total, eps, id, public)
	}
}
