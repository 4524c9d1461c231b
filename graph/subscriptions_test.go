package graph_test

// The events subscription (DESIGN.md, "Subscriptions") through a real
// WebSocket client that speaks graphql-transport-ws to the real handler
// over TCP: authentication at connection_init, visibility and filtering,
// delivery across instances, slow subscribers, token expiry, and the HTTP
// API beside open subscriptions.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"servicesupport/auth"
	"servicesupport/database/dbtest"
	"servicesupport/graph"
)

// wsSubprotocol is the subprotocol of the graphql-ws library.
const wsSubprotocol = "graphql-transport-ws"

// EventSel selects an event as EventData reads it.
const EventSel = `id type occurredAt actor actorRole subjectID seller { id name } changes { field before after }`

// EventsS subscribes to events, of $types when given.
const EventsS = `subscription($types: [EventType!]) { events(types: $types) { ` + EventSel + ` } }`

// EventData is an Event as EventSel reads it.
type EventData struct {
	ID         string
	Type       string
	OccurredAt time.Time
	Actor      string
	ActorRole  string
	SubjectID  string
	Seller     *struct{ ID, Name string }
	Changes    []Change
}

// wsMessage is one graphql-transport-ws message.
type wsMessage struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
	// at is when the client read it.
	at time.Time
}

// wsClient is a graphql-transport-ws client on one connection. Once
// reading (start), a goroutine reads every message as it arrives, stamps
// it, answers pings, and queues the rest for next; until then nothing is
// read, as by a client that stopped reading.
type wsClient struct {
	t    testing.TB
	conn *websocket.Conn
	msgs chan wsMessage // closed when reading ends
	err  error          // why reading ended; set before msgs is closed
	// pace, when set before start, is how long the client takes over each
	// message it reads: a subscriber slower than the events.
	pace time.Duration
}

// errNoMessage is next's answer when no message came in time.
var errNoMessage = errors.New("no message in time")

// serveTCP serves h on a loopback port until the test ends (see
// subscriptionsEnd).
func serveTCP(t testing.TB, h http.Handler) *httptest.Server {
	t.Helper()
	subscriptionsEnd(t, h)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// subscriptionsEnd checks, as the test ends, that h's subscriptions all
// end once their clients are gone: it runs after the cleanups of the
// connections opened later, and before the database and the feed of an
// Env made earlier are closed, which would otherwise close under
// subscriptions still loading an event.
func subscriptionsEnd(t testing.TB, h http.Handler) {
	t.Helper()
	t.Cleanup(func() { waitSubscribers(t, h, 0, 5*time.Second) })
}

// wsURL is the WebSocket address of a server's /graphql.
func wsURL(srv *httptest.Server) string {
	return "ws" + strings.TrimPrefix(srv.URL, "http") + "/graphql"
}

// bearer is the Authorization value of a token.
func bearer(token string) string { return "Bearer " + token }

// dialInit opens a connection (through httpClient when not nil), sends
// connection_init with authorization as the payload's Authorization ("":
// no payload) and reads the answer, without starting to read further: it
// returns an error unless that answer is connection_ack.
func dialInit(t testing.TB, url, authorization string, httpClient *http.Client) (*wsClient, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{wsSubprotocol}, HTTPClient: httpClient})
	if err != nil {
		t.Fatalf("dialing %s: %v", url, err)
	}
	t.Cleanup(func() { _ = conn.CloseNow() })
	if got := conn.Subprotocol(); got != wsSubprotocol {
		t.Fatalf("negotiated subprotocol %q, want %q", got, wsSubprotocol)
	}
	conn.SetReadLimit(1 << 20)
	w := &wsClient{t: t, conn: conn, msgs: make(chan wsMessage, 4096)}
	var payload any
	if authorization != "" {
		payload = map[string]string{"Authorization": authorization}
	}
	w.send("connection_init", "", payload)
	_, b, err := conn.Read(ctx)
	if err != nil {
		return w, err
	}
	var m wsMessage
	if err := json.Unmarshal(b, &m); err != nil || m.Type != "connection_ack" {
		return w, fmt.Errorf("answer to connection_init: %s, want connection_ack", b)
	}
	return w, nil
}

// connect opens a connection acknowledged for authorization and starts
// reading it.
func connect(t testing.TB, url, authorization string) *wsClient {
	t.Helper()
	w, err := dialInit(t, url, authorization, nil)
	if err != nil {
		t.Fatalf("connection_init: %v", err)
	}
	w.start()
	return w
}

// send writes one message.
func (w *wsClient) send(typ, id string, payload any) {
	w.t.Helper()
	msg := map[string]any{"type": typ}
	if id != "" {
		msg["id"] = id
	}
	if payload != nil {
		msg["payload"] = payload
	}
	b, err := json.Marshal(msg)
	if err != nil {
		w.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := w.conn.Write(ctx, websocket.MessageText, b); err != nil {
		w.t.Fatalf("sending %s: %v", typ, err)
	}
}

// subscribe starts the operation id: events of types (nil: all).
func (w *wsClient) subscribe(id string, types ...string) {
	w.t.Helper()
	vars := map[string]any{}
	if types != nil {
		vars["types"] = types
	}
	w.send("subscribe", id, map[string]any{"query": EventsS, "variables": vars})
}

// start reads the connection in the background until it ends.
func (w *wsClient) start() {
	go func() {
		defer close(w.msgs)
		for {
			typ, b, err := w.conn.Read(context.Background())
			if err != nil {
				w.err = err
				return
			}
			m := wsMessage{at: time.Now()}
			if typ != websocket.MessageText || json.Unmarshal(b, &m) != nil {
				w.err = fmt.Errorf("not a graphql-transport-ws message: %q", b)
				return
			}
			if m.Type == "ping" {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				_ = w.conn.Write(ctx, websocket.MessageText, []byte(`{"type":"pong"}`))
				cancel()
				continue
			}
			w.msgs <- m
			time.Sleep(w.pace)
		}
	}()
}

// next returns the next message within d: errNoMessage when none came, or
// the error that ended the connection (websocket.CloseStatus reads its
// close code).
func (w *wsClient) next(d time.Duration) (wsMessage, error) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case m, ok := <-w.msgs:
		if !ok {
			return wsMessage{}, fmt.Errorf("connection ended: %w", w.err)
		}
		return m, nil
	case <-timer.C:
		return wsMessage{}, errNoMessage
	}
}

// event decodes a next message of operation id that carries an event and
// no errors.
func (m wsMessage) event(id string) (EventData, error) {
	if m.Type != "next" || m.ID != id {
		return EventData{}, fmt.Errorf("got %s (id %q) %s, want next of %q", m.Type, m.ID, m.Payload, id)
	}
	var r struct {
		Data struct {
			Events *EventData
		}
		Errors []GraphQLError
	}
	if err := json.Unmarshal(m.Payload, &r); err != nil {
		return EventData{}, fmt.Errorf("decoding %s: %v", m.Payload, err)
	}
	if len(r.Errors) > 0 || r.Data.Events == nil {
		return EventData{}, fmt.Errorf("next without an event, or with errors: %s", m.Payload)
	}
	return *r.Data.Events, nil
}

// nextEvent waits up to d for the next message, which must be an event of
// operation id.
func (w *wsClient) nextEvent(id string, d time.Duration) (EventData, time.Time) {
	w.t.Helper()
	m, err := w.next(d)
	if err != nil {
		w.t.Fatalf("waiting %v for an event of %q: %v", d, id, err)
	}
	e, err := m.event(id)
	if err != nil {
		w.t.Fatal(err)
	}
	return e, m.at
}

// errorCode returns the extensions.code of a message that ends operation
// id with an error: an error message (a list of errors), or a next whose
// payload carries errors and no data. ok is false for any other message.
func (m wsMessage) errorCode(id string) (code string, ok bool) {
	if m.ID != id {
		return "", false
	}
	var errs []GraphQLError
	switch m.Type {
	case "error":
		if json.Unmarshal(m.Payload, &errs) != nil {
			return "", false
		}
	case "next":
		var r Result
		if json.Unmarshal(m.Payload, &r) != nil || (len(r.Data) > 0 && string(r.Data) != "null") {
			return "", false
		}
		errs = r.Errors
	}
	if len(errs) == 0 {
		return "", false
	}
	c, _ := errs[0].Extensions["code"].(string)
	return c, true
}

// subscribers reads the event_subscribers gauge at h's /metrics.
func subscribers(t testing.TB, h http.Handler) int {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics: status %d", rec.Code)
	}
	for _, line := range strings.Split(rec.Body.String(), "\n") {
		if v, ok := strings.CutPrefix(line, "event_subscribers "); ok {
			n, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				t.Fatalf("/metrics: %q: %v", line, err)
			}
			return int(n)
		}
	}
	t.Fatalf("/metrics has no event_subscribers:\n%s", rec.Body)
	return 0
}

// feedPassed waits until env's feed has published every event committed
// so far (the harness's sellers): on SQLite it finds events up to a poll
// interval after their commit, and would hand them to subscribers that
// arrived meanwhile. It commits a marker (a seller of no persona) and
// waits for its note, which the feed publishes after every earlier one.
func feedPassed(t *testing.T, env *Env) {
	t.Helper()
	l, cancel := env.Feed.Subscribe(1024)
	defer cancel()
	marker, err := strconv.Atoi(env.CreateSeller("feed-marker", "Feed Marker"))
	if err != nil {
		t.Fatal(err)
	}
	timeout := time.After(10 * time.Second)
	for {
		select {
		case n := <-l.C():
			if n.Type == "SELLER_CREATED" && n.SellerID == marker {
				return
			}
		case <-timeout:
			t.Fatal("the feed did not publish the marker event within 10 s")
		}
	}
}

// waitSubscribers waits up to d until h counts n live subscriptions: a
// subscription is registered with the feed (and counted) a moment after its
// subscribe message, which graphql-transport-ws does not acknowledge.
func waitSubscribers(t testing.TB, h http.Handler, n int, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		got := subscribers(t, h)
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("event_subscribers = %d after %v, want %d", got, d, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// secondInstance is another server over env's database, as a second
// replica runs: its own pool, change feed and handler (and so its own
// metrics).
func secondInstance(t testing.TB, env *Env) *Env {
	t.Helper()
	db, client := reconnect(t, env)
	f := StartFeed(t, env.URL, db) // stopped before the client closes
	return env.Reconfigure(t, func(c *graph.HandlerConfig) {
		c.Client = client
		c.Feed = f
	})
}

// TestSubscriptionAuthentication: the token of connection_init decides.
// A bad, foreign or expired one closes the socket with 4403; none is an
// anonymous viewer, acknowledged but refused the subscription (FORBIDDEN);
// a valid one subscribes.
func TestSubscriptionAuthentication(t *testing.T) {
	env := NewEnv(t, WithFeed())
	srv := serveTCP(t, env.Handler)
	url := wsURL(srv)

	refused := []struct{ name, authorization string }{
		{"malformed token", bearer("not-a-token")},
		{"token of another secret", bearer(MintToken(t, Owner, []byte("another-secret-of-at-least-32-bytes"), time.Now()))},
		{"expired token", bearer(MintToken(t, Owner, testSecret, time.Now().Add(-2*time.Hour)))},
		{"token without the Bearer scheme", Token(t, Owner)},
		{"Basic credentials", "Basic YWxpY2U6c2VjcmV0"},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			_, err := dialInit(t, url, tc.authorization, nil)
			if err == nil {
				t.Fatal("connection_ack, want the socket closed with 4403")
			}
			if got := websocket.CloseStatus(err); got != graph.CloseForbidden {
				t.Errorf("connection ended with status %d (%v), want %d", got, err, graph.CloseForbidden)
			}
		})
	}

	anonymous := []struct {
		name    string
		payload any
	}{
		{"no payload", nil},
		{"empty payload", map[string]string{}},
	}
	for _, tc := range anonymous {
		t.Run("anonymous, "+tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			conn, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{wsSubprotocol}})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = conn.CloseNow() })
			w := &wsClient{t: t, conn: conn, msgs: make(chan wsMessage, 64)}
			w.send("connection_init", "", tc.payload)
			w.start()
			if m, err := w.next(5 * time.Second); err != nil || m.Type != "connection_ack" {
				t.Fatalf("answer to connection_init: %+v %v, want connection_ack", m, err)
			}
			w.subscribe("1")
			m, err := w.next(5 * time.Second)
			if err != nil {
				t.Fatalf("waiting for the answer to subscribe: %v", err)
			}
			if code, ok := m.errorCode("1"); !ok || code != "FORBIDDEN" {
				t.Errorf("answer to an anonymous subscribe: %s %s, want an error with code FORBIDDEN", m.Type, m.Payload)
			}
			if n := subscribers(t, env.Handler); n != 0 {
				t.Errorf("event_subscribers = %d after a refused subscription, want 0", n)
			}
		})
	}

	t.Run("valid token", func(t *testing.T) {
		w := connect(t, url, bearer(Token(t, Owner)))
		w.subscribe("1")
		waitSubscribers(t, env.Handler, 1, 5*time.Second)
		groupID := env.For(t).CreateGroup(Owner, GroupInput("Acme Support"))
		e, _ := w.nextEvent("1", 5*time.Second)
		if e.Type != "GROUP_CREATED" || e.SubjectID != groupID {
			t.Errorf("event %s of %s, want GROUP_CREATED of %s", e.Type, e.SubjectID, groupID)
		}
	})
}

// wantEvent is an event a mutation of TestSubscriptionVisibility records.
type wantEvent struct {
	typ, subject, sellerID, sellerName, actor string
	// changes must all be among the event's changes (all of them with
	// exact).
	changes []Change
	exact   bool
}

// TestSubscriptionVisibility: each subscriber receives exactly the events
// it may read (staff every one, a seller its own, a token without a seller
// none) and of the types it asked for, in commit order, each as it reads
// through node; nothing else arrives.
func TestSubscriptionVisibility(t *testing.T) {
	env := NewEnv(t, WithFeed())
	url := wsURL(serveTCP(t, env.Handler))
	feedPassed(t, env)

	acme := func(e wantEvent) bool { return e.sellerID == env.OwnerSellerID }
	globex := func(e wantEvent) bool { return e.sellerID == env.OtherSellerID }
	all := func(wantEvent) bool { return true }
	none := func(wantEvent) bool { return false }
	of := func(sees func(wantEvent) bool, types ...string) func(wantEvent) bool {
		return func(e wantEvent) bool { return sees(e) && slices.Contains(types, e.typ) }
	}
	subs := []struct {
		name  string
		as    Persona
		types []string
		sees  func(wantEvent) bool
	}{
		{"owner", Owner, nil, acme},
		{"other seller", OtherSeller, nil, globex},
		{"reviewer", Reviewer, nil, all},
		{"admin", Admin, nil, all},
		{"seller without seller", NoSellerAccount, nil, none},
		{"admin, GROUP_CREATED", Admin, []string{"GROUP_CREATED"}, of(all, "GROUP_CREATED")},
		{"reviewer, PRODUCT_CREATED and GROUP_DELETED", Reviewer, []string{"PRODUCT_CREATED", "GROUP_DELETED"}, of(all, "PRODUCT_CREATED", "GROUP_DELETED")},
		{"owner, PRODUCT_CREATED", Owner, []string{"PRODUCT_CREATED"}, of(acme, "PRODUCT_CREATED")},
		{"other seller, GROUP_CREATED", OtherSeller, []string{"GROUP_CREATED"}, of(globex, "GROUP_CREATED")},
	}
	clients := make([]*wsClient, len(subs))
	for i, s := range subs {
		clients[i] = connect(t, url, bearer(Token(t, s.as)))
		clients[i].subscribe("events", s.types...)
	}
	waitSubscribers(t, env.Handler, len(subs), 5*time.Second)

	// The mutations, one after the other: their commit order.
	var want []wantEvent
	created := func(field, value string) Change { return Change{Field: field, After: Str(value)} }
	acmeGroup := env.CreateGroup(Owner, GroupInput("Acme Support"))
	want = append(want, wantEvent{typ: "GROUP_CREATED", subject: acmeGroup, sellerID: env.OwnerSellerID, sellerName: "Acme Cloud", actor: "alice@acme",
		changes: []Change{created("name", "Acme Support"), created("phone", "+861065529988"), created("email", "support@example.com"), created("timeZone", "Asia/Shanghai")}})
	globexGroup := env.CreateGroup(OtherSeller, GroupInput("Globex Support"))
	want = append(want, wantEvent{typ: "GROUP_CREATED", subject: globexGroup, sellerID: env.OtherSellerID, sellerName: "Globex Software", actor: "bob@globex",
		changes: []Change{created("name", "Globex Support")}})
	acmeProduct := env.CreateProduct(Owner, "Acme Compute", acmeGroup)
	want = append(want, wantEvent{typ: "PRODUCT_CREATED", subject: acmeProduct, sellerID: env.OwnerSellerID, sellerName: "Acme Cloud", actor: "alice@acme",
		changes: []Change{created("name", "Acme Compute"), created("summary", "About Acme Compute"), created("afterSalesGroupID", acmeGroup)}})
	globexProduct := env.CreateProduct(OtherSeller, "Globex Storage", globexGroup)
	want = append(want, wantEvent{typ: "PRODUCT_CREATED", subject: globexProduct, sellerID: env.OtherSellerID, sellerName: "Globex Software", actor: "bob@globex",
		changes: []Change{created("name", "Globex Storage")}})
	env.MutateOK(Owner, UpdateProductM, map[string]any{"id": acmeProduct, "in": map[string]any{"name": "Acme Compute 2"}})
	want = append(want, wantEvent{typ: "PRODUCT_UPDATED", subject: acmeProduct, sellerID: env.OwnerSellerID, sellerName: "Acme Cloud", actor: "alice@acme",
		changes: []Change{{Field: "name", Before: Str("Acme Compute"), After: Str("Acme Compute 2")}}, exact: true})
	spare := env.CreateGroup(OtherSeller, GroupInput("Globex Spare"))
	want = append(want, wantEvent{typ: "GROUP_CREATED", subject: spare, sellerID: env.OtherSellerID, sellerName: "Globex Software", actor: "bob@globex",
		changes: []Change{created("name", "Globex Spare")}})
	env.MutateOK(OtherSeller, DeleteGroupM, map[string]any{"id": spare})
	want = append(want, wantEvent{typ: "GROUP_DELETED", subject: spare, sellerID: env.OtherSellerID, sellerName: "Globex Software", actor: "bob@globex",
		changes: []Change{{Field: "name", Before: Str("Globex Spare")}}})
	acmeGroup2 := env.CreateGroup(Owner, GroupInput("Acme Night Support"))
	want = append(want, wantEvent{typ: "GROUP_CREATED", subject: acmeGroup2, sellerID: env.OwnerSellerID, sellerName: "Acme Cloud", actor: "alice@acme",
		changes: []Change{created("name", "Acme Night Support")}})

	for i, s := range subs {
		t.Run(s.name, func(t *testing.T) {
			w := clients[i]
			w.t = t
			var expected []wantEvent
			for _, e := range want {
				if s.sees(e) {
					expected = append(expected, e)
				}
			}
			for k, exp := range expected {
				got, _ := w.nextEvent("events", 5*time.Second)
				where := fmt.Sprintf("event %d of %d (want %s of %s)", k+1, len(expected), exp.typ, exp.subject)
				if got.Type != exp.typ || got.SubjectID != exp.subject {
					t.Fatalf("%s: got %s of %s: the events are not those it may read, of its types, in commit order", where, got.Type, got.SubjectID)
				}
				if got.Seller == nil || got.Seller.ID != exp.sellerID || got.Seller.Name != exp.sellerName {
					t.Errorf("%s: seller %+v, want {%s %s}", where, got.Seller, exp.sellerID, exp.sellerName)
				}
				if got.Actor != exp.actor || got.ActorRole != "SELLER" {
					t.Errorf("%s: actor %s (%s), want %s (SELLER)", where, got.Actor, got.ActorRole, exp.actor)
				}
				if got.ID == "" || got.OccurredAt.IsZero() {
					t.Errorf("%s: id %q occurredAt %v", where, got.ID, got.OccurredAt)
				}
				for _, c := range exp.changes {
					if !slices.ContainsFunc(got.Changes, func(g Change) bool { return reflect.DeepEqual(g, c) }) {
						t.Errorf("%s: changes %s lack {%s %s → %s}", where, showChanges(got.Changes), c.Field, Show(c.Before), Show(c.After))
					}
				}
				if exp.exact && len(got.Changes) != len(exp.changes) {
					t.Errorf("%s: changes %s, want exactly %s", where, showChanges(got.Changes), showChanges(exp.changes))
				}
				// The subscription shows the event as every other read
				// path does for the same viewer.
				var read struct{ Node *EventData }
				env.For(t).MustDo(s.as, `query($id: ID!) { node(id: $id) { ... on Event { `+EventSel+` } } }`, map[string]any{"id": got.ID}, &read)
				if read.Node == nil || !reflect.DeepEqual(*read.Node, got) {
					t.Errorf("%s: delivered %+v, but node reads %+v", where, got, read.Node)
				}
			}
		})
	}

	// Nothing more arrives, not even after a poll of the SQLite feed.
	time.Sleep(feedGrace)
	for i, s := range subs {
		if m, err := clients[i].next(0); !errors.Is(err, errNoMessage) {
			t.Errorf("%s: after its events, %s %s (%v)", s.name, m.Type, m.Payload, err)
		}
	}
}

// feedGrace is how long a test waits to see that nothing more arrives: a
// poll interval of the SQLite feed and some.
const feedGrace = 700 * time.Millisecond

// showChanges renders changes for a failure message.
func showChanges(cs []Change) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = fmt.Sprintf("{%s %s → %s}", c.Field, Show(c.Before), Show(c.After))
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// TestSubscriptionAcrossInstances: two instances on one database, each
// with its own pool and change feed. Every event committed through one
// reaches the subscribers of both within a second and in commit order: on
// SQLite the other instance hears of it by its feed's polling alone, on
// PostgreSQL by NOTIFY. It logs the latency from each mutation's answer to
// the event's arrival.
func TestSubscriptionAcrossInstances(t *testing.T) {
	a := NewEnv(t, WithFeed())
	b := secondInstance(t, a)
	instances := []*Env{a, b}
	subs := make([]*wsClient, len(instances))
	for i, inst := range instances {
		subs[i] = connect(t, wsURL(serveTCP(t, inst.Handler)), bearer(Token(t, Admin)))
		subs[i].subscribe("updates", "PRODUCT_UPDATED")
		waitSubscribers(t, inst.Handler, 1, 5*time.Second)
	}
	productID := a.CreateProduct(Owner, "Acme Compute", "")

	// commit renames the product n times through instances[via], the
	// commits falling at different points of the SQLite poll interval, and
	// returns the names and when each mutation was answered.
	round := 0
	commit := func(via, n int) (names []string, answered []time.Time) {
		for i := range n {
			time.Sleep(time.Duration(i*37%60) * time.Millisecond)
			name := fmt.Sprintf("Acme Compute %d.%02d", round, i)
			instances[via].MutateOK(Owner, UpdateProductM, map[string]any{"id": productID, "in": map[string]any{"name": name}})
			names, answered = append(names, name), append(answered, time.Now())
		}
		round++
		return names, answered
	}
	// deliver checks that the subscribers of both instances receive the
	// renames, in order, each within a second of its answer, and returns
	// the latencies on the other instance (cross) and on instances[via].
	deliver := func(via int, names []string, answered []time.Time) (cross, same []time.Duration) {
		for k, w := range subs {
			for i, name := range names {
				e, at := w.nextEvent("updates", 5*time.Second)
				if e.SubjectID != productID || len(e.Changes) != 1 || Show(e.Changes[0].After) != strconv.Quote(name) {
					t.Fatalf("instance %d: %s of %s changing %s, want the rename to %q (in commit order)", k, e.Type, e.SubjectID, showChanges(e.Changes), name)
				}
				latency := max(at.Sub(answered[i]), 0) // NOTIFY may beat the answer
				if latency > time.Second {
					t.Errorf("instance %d received the rename to %q, committed through instance %d, %v after its answer: want within 1 s", k, name, via, latency)
				}
				if k == via {
					same = append(same, latency)
				} else {
					cross = append(cross, latency)
				}
			}
		}
		return cross, same
	}

	// Through A only, so that on SQLite B's poller is never poked.
	names, answered := commit(0, 20)
	cross, same := deliver(0, names, answered)
	t.Logf("%s: A→B delivery of %d events: p50 %v, max %v (A→A: p50 %v, max %v)",
		dbtest.Dialect(), len(cross), percentile(cross, 50), percentile(cross, 100), percentile(same, 50), percentile(same, 100))
	// And the other way.
	names, answered = commit(1, 5)
	cross, _ = deliver(1, names, answered)
	t.Logf("%s: B→A delivery of %d events: p50 %v, max %v", dbtest.Dialect(), len(cross), percentile(cross, 50), percentile(cross, 100))

	time.Sleep(feedGrace)
	for k, w := range subs {
		if m, err := w.next(0); !errors.Is(err, errNoMessage) {
			t.Errorf("instance %d: after the renames, %s %s (%v)", k, m.Type, m.Payload, err)
		}
	}
}

// percentile returns the p-th percentile of ds (p 100: the maximum).
func percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, (len(s)*p)/100)].Round(time.Millisecond)
}

// smallBuffers is a listener whose connections have small kernel send
// buffers, so that a client that stops reading stalls the server's writes
// after a few kilobytes rather than after megabytes of loopback buffers.
type smallBuffers struct{ net.Listener }

// Accept implements net.Listener.
func (l smallBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(4096)
	}
	return c, err
}

// smallReadBuffer is an HTTP client whose connections have a small kernel
// receive buffer (a small TCP window).
func smallReadBuffer() *http.Client {
	var d net.Dialer
	return &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := d.DialContext(ctx, network, addr)
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetReadBuffer(4096)
		}
		return c, err
	}}}
}

// TestSubscriptionSlowSubscriberIsDisconnected: while 200 events are
// committed, a subscriber that stops reading and one that reads slower
// than the events come are disconnected, rather than buffered for, while a
// subscriber that keeps up on the same server receives all of them; the
// subscriber gauge then counts that one alone.
func TestSubscriptionSlowSubscriberIsDisconnected(t *testing.T) {
	graph.SetSubscriberBuffer(t, 32)
	env := NewEnv(t, WithFeed())
	subscriptionsEnd(t, env.Handler)
	srv := httptest.NewUnstartedServer(env.Handler)
	srv.Listener = smallBuffers{srv.Listener}
	srv.Start()
	t.Cleanup(srv.Close)
	url := wsURL(srv)

	// stopped reads nothing until the end: the server's writes to it stall.
	stopped, err := dialInit(t, url, bearer(Token(t, Admin)), smallReadBuffer())
	if err != nil {
		t.Fatalf("connection_init: %v", err)
	}
	stopped.subscribe("stopped", "PRODUCT_UPDATED")
	// lagging reads an event every 40 ms: it falls behind without ever
	// stalling a write for long.
	lagging, err := dialInit(t, url, bearer(Token(t, Admin)), smallReadBuffer())
	if err != nil {
		t.Fatalf("connection_init: %v", err)
	}
	lagging.pace = 40 * time.Millisecond
	lagging.start()
	lagging.subscribe("lagging", "PRODUCT_UPDATED")
	fast := connect(t, url, bearer(Token(t, Admin)))
	fast.subscribe("fast", "PRODUCT_UPDATED")
	waitSubscribers(t, env.Handler, 3, 5*time.Second)

	productID := env.CreateProduct(Owner, "Acme Compute", "")
	name := func(i int) string { return fmt.Sprintf("Acme Compute %03d", i) }
	update := func(i int) {
		env.MutateOK(Owner, UpdateProductM, map[string]any{"id": productID, "in": map[string]any{"name": name(i)}})
	}
	const n = 200
	start := time.Now()
	for i := range n {
		update(i)
	}
	committed := time.Since(start)
	for i := range n {
		e, _ := fast.nextEvent("fast", 5*time.Second)
		if want := strconv.Quote(name(i)); len(e.Changes) != 1 || Show(e.Changes[0].After) != want {
			t.Fatalf("fast subscriber: event %d changes %s, want the name %s", i, showChanges(e.Changes), want)
		}
	}

	// The server lets go of both slow subscribers: the gauge counts the
	// fast one alone.
	waitSubscribers(t, env.Handler, 1, 15*time.Second)
	t.Logf("%d commits took %v; the slow subscribers were let go %v after the first", n, committed.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))

	// What each slow subscriber reads: some of the events, in order, and
	// then the end of its connection or an error SLOW_SUBSCRIBER, never a
	// complete as if the stream were over.
	stopped.start()
	for _, w := range []struct {
		id string
		c  *wsClient
	}{{"stopped", stopped}, {"lagging", lagging}} {
		received := 0
		for ended := false; !ended; {
			m, err := w.c.next(5 * time.Second)
			if errors.Is(err, errNoMessage) {
				t.Fatalf("%s subscriber: after %d events, neither a message nor the end of the connection for 5 s", w.id, received)
			}
			if err != nil {
				t.Logf("%s subscriber: connection ended after %d events (%v)", w.id, received, err)
				break
			}
			if code, ok := m.errorCode(w.id); ok {
				if code != "SLOW_SUBSCRIBER" {
					t.Errorf("%s subscriber: error %s, want code SLOW_SUBSCRIBER", w.id, m.Payload)
				}
				t.Logf("%s subscriber: %s after %d events", w.id, code, received)
				break
			}
			e, err := m.event(w.id)
			if err != nil {
				t.Fatalf("%s subscriber: after %d events: %v; want the connection to end or an error SLOW_SUBSCRIBER", w.id, received, err)
			}
			if want := strconv.Quote(name(received)); len(e.Changes) != 1 || Show(e.Changes[0].After) != want {
				t.Fatalf("%s subscriber: event %d changes %s, want the name %s", w.id, received, showChanges(e.Changes), want)
			}
			received++
		}
		if received >= n {
			t.Errorf("%s subscriber received all %d events: it was buffered for, not disconnected", w.id, n)
		}
	}

	// The fast subscriber is still served.
	update(n)
	if e, _ := fast.nextEvent("fast", 5*time.Second); len(e.Changes) != 1 || Show(e.Changes[0].After) != strconv.Quote(name(n)) {
		t.Errorf("fast subscriber after the slow ones left: changes %s", showChanges(e.Changes))
	}
}

// TestSubscriptionEndsWhenTheTokenExpires: a subscription lives as long as
// its token. At the token's exp it ends with an error UNAUTHENTICATED, and
// the connection closes soon after.
func TestSubscriptionEndsWhenTheTokenExpires(t *testing.T) {
	env := NewEnv(t, WithFeed())
	url := wsURL(serveTCP(t, env.Handler))
	token, err := auth.Mint(testSecret, "alice@acme", "seller", "acme", 3*time.Second, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	v, err := auth.Parse(testSecret, token, nil)
	if err != nil {
		t.Fatal(err)
	}
	exp := v.ExpiresAt // whole seconds: 2 to 3 s from now

	w := connect(t, url, bearer(token))
	w.subscribe("1")
	waitSubscribers(t, env.Handler, 1, 5*time.Second)
	groupID := env.CreateGroup(Owner, GroupInput("Acme Support"))
	if e, _ := w.nextEvent("1", 5*time.Second); e.SubjectID != groupID {
		t.Fatalf("before the expiry: event of %s, want GROUP_CREATED of %s", e.SubjectID, groupID)
	}
	if time.Now().After(exp) {
		t.Fatal("the token expired before the subscription was shown live: the machine is too slow for this test")
	}

	m, err := w.next(time.Until(exp) + 2*time.Second)
	if err != nil {
		t.Fatalf("waiting for the end of the subscription at the token's expiry (%v): %v", exp.Format(time.RFC3339), err)
	}
	if code, ok := m.errorCode("1"); !ok || code != "UNAUTHENTICATED" {
		t.Errorf("at the token's expiry: %s (id %q) %s, want an error with code UNAUTHENTICATED", m.Type, m.ID, m.Payload)
	}
	if d := m.at.Sub(exp); d < -100*time.Millisecond || d > time.Second {
		t.Errorf("the subscription ended %v after the token's expiry, want at it", d)
	}
	ended := m.at
	for {
		m, err := w.next(3 * time.Second)
		if errors.Is(err, errNoMessage) {
			t.Fatal("the connection stayed open 3 s after its token expired")
		}
		if err != nil {
			t.Logf("connection closed %v after the subscription ended, status %d (%v)", time.Since(ended).Round(time.Millisecond), websocket.CloseStatus(err), err)
			if got := websocket.CloseStatus(err); got != graph.CloseForbidden {
				t.Errorf("the connection of an expired token closed with status %d, want %d", got, graph.CloseForbidden)
			}
			break
		}
		if m.Type != "complete" { // a complete of the ended operation is harmless
			t.Errorf("after the expiry: %s (id %q) %s", m.Type, m.ID, m.Payload)
		}
	}
	waitSubscribers(t, env.Handler, 0, 2*time.Second)
}

// TestSubscriptionsLeaveTheHTTPAPIWorking: queries and mutations over HTTP
// on the same server work while a subscription is open, which keeps
// receiving their events.
func TestSubscriptionsLeaveTheHTTPAPIWorking(t *testing.T) {
	env := NewEnv(t, WithFeed())
	srv := serveTCP(t, env.Handler)
	w := connect(t, wsURL(srv), bearer(Token(t, Admin)))
	w.subscribe("1", "GROUP_CREATED")
	waitSubscribers(t, env.Handler, 1, 5*time.Second)

	// Through the handler (the gqlgen client)...
	var out struct {
		Viewer struct{ Seller struct{ Name string } }
	}
	env.MustDo(Owner, `{ viewer { seller { name } } }`, nil, &out)
	if out.Viewer.Seller.Name != "Acme Cloud" {
		t.Errorf("viewer.seller.name = %q, want Acme Cloud", out.Viewer.Seller.Name)
	}
	groupID := env.CreateGroup(Owner, GroupInput("Acme Support"))
	if e, _ := w.nextEvent("1", 5*time.Second); e.SubjectID != groupID {
		t.Errorf("event of %s, want GROUP_CREATED of %s", e.SubjectID, groupID)
	}

	// ...and over TCP on the server that holds the WebSocket.
	post := func(p Persona, body []byte) (int, Result) {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, srv.URL+"/graphql", strings.NewReader(string(body)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", MediaJSON)
		req.Header.Set("Authorization", bearer(Token(t, p)))
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		var r Result
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatalf("status %d, body %s: %v", resp.StatusCode, b, err)
		}
		return resp.StatusCode, r
	}
	AtOnce(10, func(i int) {
		status, r := post(Owner, GQL(`query($id: ID!) { node(id: $id) { ... on CustomerServiceGroup { name } } }`, map[string]any{"id": groupID}))
		if status != http.StatusOK || len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"Acme Support"`) {
			t.Errorf("query %d over TCP: status %d data %s errors %+v", i, status, r.Data, r.Errors)
		}
	})
	status, r := post(OtherSeller, GQL(CreateGroupM, map[string]any{"in": GroupInput("Globex Support")}))
	pl, err := DecodePayload(r)
	if status != http.StatusOK || err != nil || pl.CustomerServiceGroup == nil {
		t.Fatalf("createCustomerServiceGroup over TCP: status %d %v %+v", status, err, pl)
	}
	if e, _ := w.nextEvent("1", 5*time.Second); e.SubjectID != pl.CustomerServiceGroup.ID {
		t.Errorf("event of %s, want GROUP_CREATED of %s", e.SubjectID, pl.CustomerServiceGroup.ID)
	}
	resp, err := srv.Client().Get(srv.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /healthz: status %d", resp.StatusCode)
	}
	if n := subscribers(t, env.Handler); n != 1 {
		t.Errorf("event_subscribers = %d, want 1", n)
	}
}
