// Package feed is the one change feed: it carries a note of every committed
// event to the listeners of every server instance (GraphQL subscriptions,
// webhook workers, caches), so that none of them has to poll the events
// table or know which instance wrote an event.
//
// On PostgreSQL the writing transaction sends the note itself with
// pg_notify (Notify), which the server delivers on commit only, to every
// connection that listens, this process's included; each instance listens
// on one dedicated connection. SQLite has no NOTIFY, and its single writer
// assigns event ids in commit order, so there the feed polls the events
// table for ids above the last one it saw: at once when the writer Pokes
// it, and every PollInterval for the events another process writes to the
// same file.
package feed

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"servicesupport/database"
)

// DefaultPollInterval is how often the SQLite poller reads the events table
// unpoked: an event another process commits arrives within it, well inside
// the second that subscriptions promise.
const DefaultPollInterval = 500 * time.Millisecond

// Feed hears committed events and fans their notes out to its listeners.
// Create it with New, start Run once per process, and Subscribe as often as
// needed. A listener never slows the feed down: one that falls behind is
// dropped, not waited for.
type Feed struct {
	// PollInterval is how often the SQLite poller reads the events table
	// without a Poke; zero takes DefaultPollInterval. Set it before Run.
	PollInterval time.Duration

	url      string
	db       *sql.DB
	postgres bool
	log      *slog.Logger

	poke      chan struct{} // SQLite: a commit to read; capacity 1, so pokes coalesce
	ready     chan struct{}
	readyOnce sync.Once
	running   atomic.Bool

	mu        sync.Mutex
	listeners map[*Listener]struct{}
	stopped   bool // Run returned: new listeners are dropped at once
}

// New returns a feed over the database that databaseURL names. On
// PostgreSQL it will listen on a connection of its own, opened from
// databaseURL (a pooled connection cannot hold a LISTEN); on SQLite it
// polls through db. log may be nil.
func New(databaseURL string, db *sql.DB, log *slog.Logger) *Feed {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Feed{
		url:       databaseURL,
		db:        db,
		postgres:  database.IsPostgres(databaseURL),
		log:       log,
		poke:      make(chan struct{}, 1),
		ready:     make(chan struct{}),
		listeners: make(map[*Listener]struct{}),
	}
}

// Run listens until ctx ends, and then returns nil; it returns an error
// only when called a second time. It outlives database outages: on
// PostgreSQL it reconnects, on SQLite it tries again at the next poll. When
// it returns, every listener is dropped, so that none waits for notes that
// will never come.
func (f *Feed) Run(ctx context.Context) error {
	if !f.running.CompareAndSwap(false, true) {
		return errors.New("feed: Run called twice")
	}
	defer f.stop()
	if f.postgres {
		return f.listen(ctx)
	}
	return f.poll(ctx)
}

// Ready is closed once the feed listens: on PostgreSQL when LISTEN has been
// acknowledged, on SQLite when the poller has read its starting point. An
// event committed after that reaches every listener; one committed before
// does not, except that PostgreSQL may still deliver a few that committed
// just before the LISTEN. Servers and tests wait for it before they rely
// on the feed.
func (f *Feed) Ready() <-chan struct{} { return f.ready }

// Poke tells the SQLite poller that a transaction committed, so that its
// events go out now rather than at the next poll. It never blocks, and
// pokes that come while the poller is busy count as one. It does nothing on
// PostgreSQL, where the commit itself delivers the notes.
func (f *Feed) Poke() {
	if f.postgres {
		return
	}
	select {
	case f.poke <- struct{}{}:
	default:
	}
}

// Execer runs a statement; *ent.Tx, *ent.Client and *sql.Tx are Execers.
type Execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// Notify announces an event from inside the transaction that records it.
// On PostgreSQL it queues the note with pg_notify: the server delivers it
// to every instance when the transaction commits, and never if it rolls
// back, so a listener never hears of an event that does not exist. On
// SQLite it does nothing (the poller reads the committed rows themselves):
// call Poke after the commit instead.
func (f *Feed) Notify(ctx context.Context, tx Execer, n Note) error {
	if !f.postgres {
		return nil
	}
	_, err := tx.ExecContext(ctx, "SELECT pg_notify($1, $2)", Channel, n.Payload())
	return err
}

// Listener receives the notes of the events committed while it is
// subscribed, in commit order, each once. On PostgreSQL the first may be
// of an event that committed just before (NOTIFY makes no promise there):
// a consumer that needs an exact starting point reads it from the events
// table.
type Listener struct {
	c       chan Note
	dropped atomic.Bool
	behind  atomic.Bool
}

// C returns the channel of notes. It is closed when the listener is
// cancelled or dropped.
func (l *Listener) C() <-chan Note { return l.c }

// Dropped reports whether the feed closed the listener's channel rather
// than its owner: because the listener fell behind (its buffer was full),
// because the feed may have missed notes (its PostgreSQL connection was
// lost), or because the feed stopped. In each case it may have missed notes:
// a consumer that must not (a webhook worker) reads what it missed from the
// database and subscribes again, a GraphQL subscription ends.
func (l *Listener) Dropped() bool { return l.dropped.Load() }

// Behind reports whether the listener was dropped because it fell behind
// (its buffer was full), rather than because the feed lost its connection
// or stopped: a slow consumer, as opposed to one the feed failed.
func (l *Listener) Behind() bool { return l.behind.Load() }

// Subscribe registers a listener with room for n notes (at least 1). The
// feed never blocks on a listener nor buffers more for it: when a note
// finds the buffer full the listener is dropped. cancel unregisters it and
// closes its channel; calling it again, or after a drop, does nothing.
func (f *Feed) Subscribe(n int) (l *Listener, cancel func()) {
	l = &Listener{c: make(chan Note, max(n, 1))}
	f.mu.Lock()
	if f.stopped {
		l.dropped.Store(true)
		close(l.c)
	} else {
		f.listeners[l] = struct{}{}
	}
	f.mu.Unlock()
	return l, func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		if _, ok := f.listeners[l]; ok {
			delete(f.listeners, l)
			close(l.c)
		}
	}
}

// publish hands notes to every listener, dropping those that are full. The
// sends never block, so holding the lock is brief and keeps a cancel from
// closing a channel in the middle of a send.
func (f *Feed) publish(notes ...Note) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, n := range notes {
		for l := range f.listeners {
			select {
			case l.c <- n:
			default:
				l.behind.Store(true)
				f.drop(l)
			}
		}
	}
}

// dropAll drops every listener; it returns how many there were.
func (f *Feed) dropAll() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := len(f.listeners)
	for l := range f.listeners {
		f.drop(l)
	}
	return n
}

// drop ends a listener on the feed's side; f.mu is held. Deleting from a
// map while ranging over it is allowed.
func (f *Feed) drop(l *Listener) {
	delete(f.listeners, l)
	l.dropped.Store(true)
	close(l.c)
}

// setReady closes Ready, once.
func (f *Feed) setReady() { f.readyOnce.Do(func() { close(f.ready) }) }

// stop drops every listener, now and to come, when Run returns.
func (f *Feed) stop() {
	f.mu.Lock()
	f.stopped = true
	f.mu.Unlock()
	f.dropAll()
}
