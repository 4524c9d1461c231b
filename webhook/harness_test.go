package webhook_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"servicesupport/auth"
	"servicesupport/database"
	"servicesupport/database/dbtest"
	"servicesupport/ent"
	"servicesupport/ent/event"
	_ "servicesupport/ent/runtime" // registers the schema's defaults, hooks and privacy policies
	"servicesupport/ent/schema/schematype"
	"servicesupport/policy"
	"servicesupport/webhook"
)

// The helpers every test of this package shares: a database with a
// seller, events, endpoints and deliveries made as the service makes them,
// a clock to move, and a receiver that checks what it gets.

// sys is the context of the service's own writes.
var sys = policy.System(context.Background())

// quiet discards the workers' logs.
var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// fixture is a migrated database with one seller.
type fixture struct {
	t      *testing.T
	db     *ent.Client
	seller *ent.Seller
}

// newFixture opens a database of the test's own (SQLite, or PostgreSQL when
// TEST_DATABASE_URL is set) and creates a seller.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	return fixtureOn(t, dbtest.Open(t, nil))
}

// fixtureOn creates a seller on an open database.
func fixtureOn(t *testing.T, db *ent.Client) *fixture {
	t.Helper()
	s, err := db.Seller.Create().SetAccountID("acct-1").SetName("Seller One").Save(sys)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, db: db, seller: s}
}

// openClients opens n clients (n connection pools, as n instances would
// have) on one new database.
func openClients(t *testing.T, n int) []*ent.Client {
	t.Helper()
	u := dbtest.URL(t)
	var cs []*ent.Client
	for range n {
		db, err := database.Connect(u, database.Options{})
		if err != nil {
			t.Fatal(err)
		}
		c := db.Client(nil)
		t.Cleanup(func() { c.Close() })
		cs = append(cs, c)
	}
	return cs
}

// event records a PRODUCT_CREATED event of the seller.
func (f *fixture) event(at time.Time) *ent.Event {
	f.t.Helper()
	name := "Widget"
	e, err := f.db.Event.Create().
		SetType(event.TypeProductCreated).
		SetOccurredAt(at).
		SetActor("user-1").
		SetActorRole(auth.RoleSeller).
		SetSellerID(f.seller.ID).
		SetSubjectID(f.seller.ID).
		SetChanges([]schematype.FieldChange{{Field: "name", After: &name}}).
		Save(sys)
	if err != nil {
		f.t.Fatal(err)
	}
	return e
}

// endpoint registers an endpoint of the seller with a new secret.
func (f *fixture) endpoint(url string) *ent.WebhookEndpoint {
	f.t.Helper()
	secret, err := webhook.NewSecret()
	if err != nil {
		f.t.Fatal(err)
	}
	ep, err := f.db.WebhookEndpoint.Create().
		SetURL(url).
		SetEventTypes([]string{"PRODUCT_CREATED"}).
		SetSecret(secret).
		SetSellerID(f.seller.ID).
		Save(sys)
	if err != nil {
		f.t.Fatal(err)
	}
	return ep
}

// delivery writes the outbox row of an event for an endpoint, due at due.
func (f *fixture) delivery(ep *ent.WebhookEndpoint, e *ent.Event, due time.Time) *ent.WebhookDelivery {
	f.t.Helper()
	d, err := f.db.WebhookDelivery.Create().
		SetEndpointID(ep.ID).
		SetEventID(e.ID).
		SetSellerID(f.seller.ID).
		SetNextAttemptAt(due).
		Save(sys)
	if err != nil {
		f.t.Fatal(err)
	}
	return d
}

// reload reads a delivery again.
func (f *fixture) reload(d *ent.WebhookDelivery) *ent.WebhookDelivery {
	f.t.Helper()
	d, err := f.db.WebhookDelivery.Get(sys, d.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	return d
}

// clock is a worker's clock that tests move by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Now().UTC()} }

// Now is the clock's time.
func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Add moves the clock forward.
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// request is what a receiver got.
type request struct {
	header http.Header
	body   []byte
}

// receiver is an endpoint's server: it verifies every request's signature
// (a bad one fails the test), keeps what it got, and answers with the
// status that answer gives for the nth request (from 1), after delay.
type receiver struct {
	t      *testing.T
	srv    *httptest.Server
	secret string
	now    func() time.Time
	answer func(n int) int
	delay  time.Duration

	mu   sync.Mutex
	got  []request
	byID map[string]int
}

// newReceiver starts a receiver; set secret (the endpoint's) before the
// first delivery.
func newReceiver(t *testing.T, now func() time.Time, answer func(n int) int) *receiver {
	r := &receiver{t: t, now: now, answer: answer, byID: map[string]int{}}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		r.t.Errorf("receiver: %v", err)
		return
	}
	if err := webhook.Verify(r.secret, req.Header, body, r.now(), 5*time.Minute); err != nil {
		r.t.Errorf("receiver: %v", err)
	}
	if req.Method != http.MethodPost || req.Header.Get("Content-Type") != "application/json" {
		r.t.Errorf("receiver: %s with content-type %q", req.Method, req.Header.Get("Content-Type"))
	}
	r.mu.Lock()
	r.got = append(r.got, request{header: req.Header.Clone(), body: body})
	r.byID[req.Header.Get("webhook-id")]++
	n := len(r.got)
	r.mu.Unlock()
	time.Sleep(r.delay)
	w.WriteHeader(r.answer(n))
}

// requests returns what the receiver got so far.
func (r *receiver) requests() []request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]request(nil), r.got...)
}

// counts returns how many requests each webhook-id got.
func (r *receiver) counts() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := make(map[string]int, len(r.byID))
	for k, v := range r.byID {
		m[k] = v
	}
	return m
}

// outcomes collects what a worker reports to Observe.
type outcomes struct {
	mu   sync.Mutex
	list []string
	lags []time.Duration
}

func (o *outcomes) observe(outcome string, lag time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.list = append(o.list, outcome)
	o.lags = append(o.lags, lag)
}
