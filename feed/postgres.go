package feed

import (
	"context"
	"net"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgxlisten"
)

// reconnectDelay is the wait between attempts to reconnect the LISTEN
// connection. pgxlisten's default is a minute, far longer than the second
// subscribers are promised; one attempt a second costs the server nothing.
const reconnectDelay = time.Second

// connectTimeout bounds one connection attempt when the URL sets no
// connect_timeout, so that a server that does not answer is tried again
// rather than waited for forever.
const connectTimeout = 10 * time.Second

// keepAlive notices a LISTEN connection that died without a word (a
// fail-over, a dropped NAT entry) within some 30 seconds. The connection
// only ever waits, so without probes it would wait on a dead socket for as
// long as the kernel's defaults allow, hearing nothing; Go's defaults (15 s
// idle, 9 probes 15 s apart) take some two and a half minutes.
var keepAlive = net.KeepAliveConfig{Enable: true, Idle: 15 * time.Second, Interval: 5 * time.Second, Count: 3}

// listen runs the PostgreSQL listener until ctx ends. pgxlisten owns the
// loop (connect, LISTEN, wait, reconnect after reconnectDelay); pgListener
// turns its callbacks into notes, readiness and drops.
func (f *Feed) listen(ctx context.Context) error {
	h := &pgListener{f: f}
	l := &pgxlisten.Listener{
		Connect:        f.connect,
		LogError:       h.lost,
		ReconnectDelay: reconnectDelay,
	}
	l.Handle(Channel, h)
	err := l.Listen(ctx)
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// connect opens the dedicated LISTEN connection.
func (f *Feed) connect(ctx context.Context) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(f.url)
	if err != nil {
		return nil, err
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = connectTimeout
	}
	cfg.DialFunc = (&net.Dialer{KeepAliveConfig: keepAlive}).DialContext
	return pgx.ConnectConfig(ctx, cfg)
}

// pgListener is the feed's pgxlisten handler. pgxlisten calls it from its
// one goroutine only, so connected and down need no lock.
type pgListener struct {
	f         *Feed
	connected bool // LISTEN succeeded at least once
	down      bool // the connection was lost and has not come back
}

// HandleBacklog is called by pgxlisten right after LISTEN succeeded: the
// feed listens. After a reconnection, the listeners that were subscribed
// while the connection was down are dropped, since the notes of that time
// are gone (NOTIFY keeps nothing for a connection that is not there).
// There is no backlog to replay from the events table: PostgreSQL assigns
// ids at insert, not at commit, so "ids above the last one heard" could
// miss events.
func (h *pgListener) HandleBacklog(context.Context, string, *pgx.Conn) error {
	if h.connected {
		n := h.f.dropAll()
		h.f.log.Info("event feed: listening again; listeners dropped, they may have missed events", "dropped", n)
	}
	h.connected, h.down = true, false
	h.f.setReady()
	return nil
}

// HandleNotification fans a note out. A payload that is not a note is
// logged here and skipped, so that lost sees connection errors only.
func (h *pgListener) HandleNotification(_ context.Context, n *pgconn.Notification, _ *pgx.Conn) error {
	note, err := ParseNote(n.Payload)
	if err != nil {
		h.f.log.Warn("event feed: skipping a notification", "channel", n.Channel, "err", err)
		return nil
	}
	h.f.publish(note)
	return nil
}

// lost is pgxlisten's LogError: the connection failed, or could not be
// opened. The listeners are dropped at once, when they may first have
// missed a note, rather than left waiting for an outage to end.
func (h *pgListener) lost(ctx context.Context, err error) {
	if ctx.Err() != nil { // Run is ending: not a failure
		return
	}
	if h.down || !h.connected {
		h.f.log.Warn("event feed: not listening; retrying", "err", err, "retry_in", reconnectDelay)
		return
	}
	h.down = true
	n := h.f.dropAll()
	h.f.log.Warn("event feed: connection lost; listeners dropped, reconnecting", "err", err, "dropped", n, "retry_in", reconnectDelay)
}
