package feed_test

import (
	"context"
	"database/sql"
	"log/slog"
	"strings"
	"testing"
	"time"

	"servicesupport/database"
	"servicesupport/database/dbtest"
	"servicesupport/feed"
)

// within is how soon a committed event must reach every instance: the
// second that subscriptions promise.
const within = time.Second

// instance is one server instance's view of a test database: its own pool
// and its own feed, as a second process (SQLite) or replica (PostgreSQL)
// would have.
type instance struct {
	db   *sql.DB
	feed *feed.Feed
}

// newInstance opens dbURL and starts a feed on it, waiting until it
// listens; both end with the test, the feed first. configure, when not
// nil, adjusts the feed before it runs.
func newInstance(t *testing.T, dbURL string, configure func(*feed.Feed)) *instance {
	t.Helper()
	db, err := database.Connect(dbURL, database.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.SQL.Close() })
	f := feed.New(dbURL, db.SQL, slog.New(slog.NewTextHandler(t.Output(), nil)))
	if configure != nil {
		configure(f)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Run did not return within 10s of its context ending")
		}
	})
	select {
	case <-f.Ready():
	case <-time.After(10 * time.Second):
		t.Fatal("feed not ready after 10s")
	}
	return &instance{db: db.SQL, feed: f}
}

// ph returns the i-th (from 1) placeholder of the dialect under test.
func ph(i int) string {
	if dbtest.Dialect() == database.Postgres {
		return "$" + string(rune('0'+i))
	}
	return "?"
}

// insertSeller adds a seller row for events to point at.
func insertSeller(t *testing.T, db *sql.DB) int {
	t.Helper()
	var id int
	q := "INSERT INTO sellers (created_at, account_id, name) VALUES (" + ph(1) + ", 'acct', 'Seller') RETURNING id"
	if err := db.QueryRow(q, time.Now()).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// insertEvent records an event in tx the way a mutation does: the row,
// then the note (pg_notify on PostgreSQL; nothing on SQLite). sellerID 0
// leaves the event without a seller.
func insertEvent(t *testing.T, in *instance, tx *sql.Tx, typ string, sellerID int) feed.Note {
	t.Helper()
	var seller any
	if sellerID != 0 {
		seller = sellerID
	}
	q := "INSERT INTO events (type, occurred_at, actor, actor_role, subject_id, changes, seller_id) VALUES (" +
		ph(1) + ", " + ph(2) + ", 'x', 'ADMIN', 1, '[]', " + ph(3) + ") RETURNING id"
	n := feed.Note{Type: typ, SellerID: sellerID}
	if err := tx.QueryRow(q, typ, time.Now(), seller).Scan(&n.EventID); err != nil {
		t.Fatal(err)
	}
	if err := in.feed.Notify(context.Background(), tx, n); err != nil {
		t.Fatal(err)
	}
	return n
}

// commitEvent records one event in a committed transaction and pokes the
// writing instance's feed, as the server does after every commit.
func commitEvent(t *testing.T, in *instance, typ string, sellerID int) feed.Note {
	t.Helper()
	tx, err := in.db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	n := insertEvent(t, in, tx, typ, sellerID)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	in.feed.Poke()
	return n
}

// next receives the next note from l, failing the test when none comes in
// time or l is closed.
func next(t *testing.T, l *feed.Listener, name string) feed.Note {
	t.Helper()
	select {
	case n, ok := <-l.C():
		if !ok {
			t.Fatalf("%s: channel closed (dropped %v)", name, l.Dropped())
		}
		return n
	case <-time.After(within):
		t.Fatalf("%s: no note within %v", name, within)
	}
	return feed.Note{}
}

// closed reports whether l's channel is closed (after any notes it
// holds), waiting a little for it rather than for ever.
func closed(l *feed.Listener) bool {
	for {
		select {
		case _, ok := <-l.C():
			if !ok {
				return true
			}
		case <-time.After(within):
			return false
		}
	}
}

// TestReachesEveryInstance: an event committed through one instance
// reaches the listeners of both within a second. On SQLite the second
// instance is never poked, so it hears the event by polling alone, as a
// second process on the same file does.
func TestReachesEveryInstance(t *testing.T) {
	dbURL := dbtest.URL(t)
	a := newInstance(t, dbURL, nil)
	b := newInstance(t, dbURL, nil)
	la, cancelA := a.feed.Subscribe(10)
	defer cancelA()
	lb, cancelB := b.feed.Subscribe(10)
	defer cancelB()

	seller := insertSeller(t, a.db)
	want := []feed.Note{
		commitEvent(t, a, "SELLER_CREATED", seller),
		commitEvent(t, a, "GROUP_CREATED", 0),
	}
	for _, w := range want {
		if got := next(t, la, "instance A"); got != w {
			t.Errorf("instance A got %+v, want %+v", got, w)
		}
		if got := next(t, lb, "instance B"); got != w {
			t.Errorf("instance B got %+v, want %+v", got, w)
		}
	}
}

// TestRolledBackReachesNobody: a transaction that rolls back announces
// nothing (its pg_notify is discarded; on SQLite its row never becomes
// visible), so the first note a listener gets is the next committed event.
func TestRolledBackReachesNobody(t *testing.T) {
	dbURL := dbtest.URL(t)
	a := newInstance(t, dbURL, nil)
	b := newInstance(t, dbURL, nil)
	la, cancelA := a.feed.Subscribe(10)
	defer cancelA()
	lb, cancelB := b.feed.Subscribe(10)
	defer cancelB()

	tx, err := a.db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	insertEvent(t, a, tx, "GROUP_DELETED", 0)
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	a.feed.Poke()
	time.Sleep(2 * feed.DefaultPollInterval) // give a wrongly published note time to arrive

	want := commitEvent(t, a, "GROUP_CREATED", 0)
	for name, l := range map[string]*feed.Listener{"instance A": la, "instance B": lb} {
		if got := next(t, l, name); got != want {
			t.Errorf("%s got %+v first, want the committed %+v", name, got, want)
		}
	}
}

// TestSlowListenerDropped: a listener whose buffer is full is dropped (its
// channel closed, Dropped true) while a fast one still gets every note.
func TestSlowListenerDropped(t *testing.T) {
	in := newInstance(t, dbtest.URL(t), nil)
	slow, cancelSlow := in.feed.Subscribe(1)
	defer cancelSlow()
	fast, cancelFast := in.feed.Subscribe(1)
	defer cancelFast()

	for i := range 5 {
		want := commitEvent(t, in, "GROUP_UPDATED", 0)
		if got := next(t, fast, "fast listener"); got != want {
			t.Fatalf("fast listener, note %d: got %+v, want %+v", i, got, want)
		}
	}
	if fast.Dropped() {
		t.Error("fast listener dropped")
	}
	// The fast listener has the last note, so the feed has offered every
	// note to the slow one: it holds the first and was dropped at the second.
	if !slow.Dropped() || !slow.Behind() {
		t.Fatalf("slow listener: dropped %v, behind %v; want both", slow.Dropped(), slow.Behind())
	}
	var held int
	for range slow.C() {
		held++
	}
	if held != 1 {
		t.Errorf("slow listener held %d notes, want 1 (its buffer)", held)
	}
}

// TestCancel: cancel closes the listener's channel and takes it off the
// feed (a note to a cancelled listener would panic on the closed channel);
// calling it twice is harmless, and it is not a drop.
func TestCancel(t *testing.T) {
	in := newInstance(t, dbtest.URL(t), nil)
	gone, cancel := in.feed.Subscribe(10)
	other, cancelOther := in.feed.Subscribe(10)
	defer cancelOther()
	cancel()
	cancel()
	if !closed(gone) {
		t.Fatal("cancelled listener's channel not closed")
	}
	if gone.Dropped() {
		t.Error("cancelled listener reports a drop")
	}
	want := commitEvent(t, in, "GROUP_CREATED", 0)
	if got := next(t, other, "remaining listener"); got != want {
		t.Errorf("remaining listener got %+v, want %+v", got, want)
	}
}

// TestStartsAtTheNewest: events committed before the feed started are not
// replayed as news: the SQLite poller starts at the newest event.
func TestStartsAtTheNewest(t *testing.T) {
	dbURL := dbtest.URL(t)
	writer := newInstance(t, dbURL, nil)
	seen, cancelSeen := writer.feed.Subscribe(10)
	defer cancelSeen()
	commitEvent(t, writer, "GROUP_CREATED", 0)
	commitEvent(t, writer, "GROUP_UPDATED", 0)
	// Once the writer's own feed has heard them, PostgreSQL will not hand
	// them to a new LISTEN either (it may hand over notifications that no
	// listener of the database has read yet).
	next(t, seen, "writer")
	next(t, seen, "writer")

	late := newInstance(t, dbURL, nil)
	l, cancel := late.feed.Subscribe(10)
	defer cancel()
	want := commitEvent(t, writer, "GROUP_DELETED", 0)
	if got := next(t, l, "late feed"); got != want {
		t.Errorf("late feed got %+v first, want %+v", got, want)
	}
}

// TestPokeWakesThePoller: with polling all but off, a Poke alone delivers
// a commit within the second (on PostgreSQL the commit itself does).
func TestPokeWakesThePoller(t *testing.T) {
	in := newInstance(t, dbtest.URL(t), func(f *feed.Feed) { f.PollInterval = time.Hour })
	l, cancel := in.feed.Subscribe(10)
	defer cancel()
	for range 3 {
		want := commitEvent(t, in, "PRODUCT_CREATED", 0)
		if got := next(t, l, "listener"); got != want {
			t.Errorf("got %+v, want %+v", got, want)
		}
	}
}

// TestStopDropsListeners: when Run returns, its listeners are dropped and
// later ones come dropped, rather than waiting forever.
func TestStopDropsListeners(t *testing.T) {
	dbURL := dbtest.URL(t)
	db, err := database.Connect(dbURL, database.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.SQL.Close()
	f := feed.New(dbURL, db.SQL, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()
	<-f.Ready()
	l, cancelL := f.Subscribe(1)
	defer cancelL()
	if err := f.Run(ctx); err == nil {
		t.Error("second Run returned no error")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	if !closed(l) || !l.Dropped() || l.Behind() {
		t.Errorf("listener after stop: dropped %v, behind %v; want closed and dropped, not behind", l.Dropped(), l.Behind())
	}
	late, cancelLate := f.Subscribe(1)
	defer cancelLate()
	if !closed(late) || !late.Dropped() {
		t.Errorf("listener subscribed after stop: dropped %v; want closed and dropped", late.Dropped())
	}
}

func TestParseNote(t *testing.T) {
	for _, n := range []feed.Note{
		{EventID: 25769803777, Type: "SELLER_CREATED", SellerID: 4294967297},
		{EventID: 1, Type: "GROUP_CREATED"},
	} {
		p := n.Payload()
		got, err := feed.ParseNote(p)
		if err != nil || got != n {
			t.Errorf("ParseNote(%s) = %+v, %v; want %+v", p, got, err, n)
		}
		if n.SellerID == 0 && strings.Contains(p, "seller") {
			t.Errorf("payload %s names a seller for none", p)
		}
	}
	if n, err := feed.ParseNote(`{"id":7,"type":"GROUP_CREATED","future":true}`); err != nil || n.EventID != 7 {
		t.Errorf("unknown field: %+v, %v; want it ignored", n, err)
	}
	for _, bad := range []string{
		"", "garbage", "{}", "null", "[]",
		`{"type":"GROUP_CREATED"}`,
		`{"id":0,"type":"GROUP_CREATED"}`,
		`{"id":-1,"type":"GROUP_CREATED"}`,
		`{"id":1}`,
		`{"id":1,"type":""}`,
		`{"id":"1","type":"GROUP_CREATED"}`,
		`{"id":1,"type":"GROUP_CREATED","seller":-2}`,
		`{"id":1,"type":"GROUP_CREATED"} trailing`,
	} {
		if n, err := feed.ParseNote(bad); err == nil {
			t.Errorf("ParseNote(%q) = %+v, want an error", bad, n)
		}
	}
}

// TestReconnect (PostgreSQL): when the LISTEN connection is killed, the
// feed drops its listeners, which may miss notes while it is down, and
// listens again, so that a new listener hears new events.
func TestReconnect(t *testing.T) {
	if dbtest.Dialect() != database.Postgres {
		t.Skip("SQLite polls; there is no connection to lose")
	}
	in := newInstance(t, dbtest.URL(t), nil)
	before, cancelBefore := in.feed.Subscribe(10)
	defer cancelBefore()

	var killed int
	err := in.db.QueryRow(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND query ILIKE 'listen%'`).Scan(&killed)
	if err != nil || killed != 1 {
		t.Fatalf("terminating the LISTEN connection: %d terminated, %v", killed, err)
	}
	if !closed(before) || !before.Dropped() || before.Behind() {
		t.Fatalf("listener of the lost connection: dropped %v, behind %v; want closed and dropped, not behind", before.Dropped(), before.Behind())
	}

	// Listeners that subscribe before the feed listens again are dropped
	// when it does; one subscribed after it hears the next event (after,
	// maybe, some that committed just before it listened: PostgreSQL may
	// deliver those to a new LISTEN).
	deadline := time.Now().Add(15 * time.Second)
	for !heard(t, in) {
		if time.Now().After(deadline) {
			t.Fatal("feed did not listen again within 15s")
		}
	}
}

// heard reports whether a new listener on in hears an event committed
// now.
func heard(t *testing.T, in *instance) bool {
	l, cancel := in.feed.Subscribe(10)
	defer cancel()
	want := commitEvent(t, in, "GROUP_CREATED", 0)
	timeout := time.After(within)
	for {
		select {
		case got, ok := <-l.C():
			if !ok {
				return false
			}
			if got == want {
				return true
			}
			if got.EventID >= want.EventID {
				t.Fatalf("after reconnecting got %+v, want %+v", got, want)
			}
		case <-timeout:
			return false
		}
	}
}
