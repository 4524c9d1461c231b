package graph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	coderws "github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"servicesupport/auth"
	"servicesupport/ent"
	"servicesupport/ent/event"
	"servicesupport/feed"
	"servicesupport/policy"
)

// subscriberBuffer is how many committed events may wait for one
// subscription; a subscriber further behind is disconnected.
var subscriberBuffer = 256

// Subscription limits.
const (
	// writeTimeout bounds one WebSocket write: a client that stops reading
	// is disconnected instead of holding the server's buffers.
	writeTimeout = 5 * time.Second
	// initTimeout bounds the wait for connection_init.
	initTimeout = 10 * time.Second
	// CloseForbidden is the close code of a connection whose token is bad
	// or expired (graphql-transport-ws).
	CloseForbidden = 4403
	// closeInternal closes a connection the server could not set up.
	closeInternal = 1011
	// maxSubscriptions bounds the subscriptions of one connection.
	maxSubscriptions = 20
	// disconnectGrace lets a subscription's error reach the client before
	// its connection is closed.
	disconnectGrace = 250 * time.Millisecond
)

// websocketTransport is GraphQL over WebSocket (graphql-transport-ws) at
// /graphql: the connection is authenticated once, by the token in the
// connection_init payload ({"Authorization": "Bearer …"}). A bad or
// expired token closes the socket with 4403; no token is an anonymous
// viewer, whom the events subscription refuses (FORBIDDEN). The
// connection ends when the token expires.
//
// Browsers may open the socket from the server's own origin and from the
// origins CORS allows (allowedOrigins), as they may call the HTTP API.
func websocketTransport(secret []byte, resolve auth.SellerResolver, allowedOrigins []string) transport.Websocket {
	return transport.Websocket{
		Implementation: timedWebsocket{originPatterns: originHosts(allowedOrigins)},
		InitTimeout:    initTimeout,
		// Pings keep idle connections open through proxies; a peer that
		// stops answering them is dropped.
		PingPongInterval: 20 * time.Second,
		InitFunc: func(ctx context.Context, payload transport.InitPayload) (context.Context, *transport.InitPayload, error) {
			v, err := auth.FromAuthorization(ctx, secret, resolve, authorization(payload))
			if err != nil {
				ctx = transport.WithWebsocketCloseCode(ctx, CloseForbidden)
				if errors.Is(err, auth.ErrInvalidToken) {
					return transport.AppendCloseReason(ctx, "forbidden: invalid or expired token"), nil, err
				}
				// The database failed, not the client: 1011, which
				// clients retry, rather than 4403, which means "sign in".
				ctx = transport.WithWebsocketCloseCode(ctx, closeInternal)
				return transport.AppendCloseReason(ctx, "internal error: try again"), nil, errors.New("internal error")
			}
			ctx = auth.NewContext(ctx, v)
			if h, ok := ctx.Value(socketKey{}).(*socketHolder); ok && h.conn != nil {
				h.conn.setExpiry(v.ExpiresAt)
			}
			// The connection ends a second past the token's expiry, so
			// that subscriptions end with their own error first (see
			// streamEvents), or when a subscription cancels it (a slow
			// subscriber is disconnected).
			var cancel context.CancelFunc
			if v.ExpiresAt.IsZero() {
				ctx, cancel = context.WithCancel(ctx)
			} else {
				ctx, cancel = context.WithDeadline(ctx, v.ExpiresAt.Add(time.Second))
			}
			return context.WithValue(ctx, connCancelKey{}, cancel), nil, nil
		},
		CloseFunc: func(ctx context.Context, _ int) {
			if cancel, ok := ctx.Value(connCancelKey{}).(context.CancelFunc); ok {
				cancel()
			}
		},
	}
}

// socketOperations applies the HTTP rules to operations over WebSocket and
// keeps subscriptions off HTTP. Each operation over a socket is charged
// its requested cost from its viewer's bucket, as over HTTP (a
// subscription once, when it starts): one that costs more than is there
// is refused with THROTTLED. A query or mutation over a socket gets the
// request deadline (the socket itself has none), and its answer carries
// extensions.cost with what it cost. A subscription sent by POST or GET,
// which would hold the request open until its deadline, is refused.
func socketOperations(timeout time.Duration, e *edge) graphql.OperationMiddleware {
	return func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		oc := graphql.GetOperationContext(ctx)
		subscription := oc.Operation != nil && oc.Operation.Operation == ast.Subscription
		socket, onSocket := ctx.Value(socketKey{}).(*socketHolder)
		switch {
		case subscription && !onSocket:
			return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{{
				Message:    "subscriptions run over WebSocket (graphql-transport-ws) at /graphql",
				Extensions: map[string]any{"code": CodeBadRequest},
			}}})
		case !onSocket:
			return next(ctx)
		}
		charge, ok := e.charge(ctx, viewerKey(auth.FromContext(ctx), socket.address))
		if !ok {
			return graphql.OneShot(&graphql.Response{
				Errors:     gqlerror.List{{Message: charge.refusal(), Extensions: map[string]any{"code": CodeThrottled}}},
				Extensions: map[string]any{"cost": charge.report()},
			})
		}
		if subscription {
			return next(ctx)
		}
		ctx = withFieldCount(ctx)
		ctx, cancel := context.WithTimeout(ctx, timeout)
		responses := next(ctx)
		return func(rctx context.Context) *graphql.Response {
			r := responses(rctx)
			if r == nil {
				cancel()
				return nil
			}
			charge.settle(fieldCount(ctx))
			if r.Extensions == nil {
				r.Extensions = map[string]any{}
			}
			r.Extensions["cost"] = charge.report()
			return r
		}
	}
}

// socketKey carries the socketHolder of a WebSocket request.
type socketKey struct{}

// socketHolder hands the accepted connection to the connection_init
// handler, which tells it when the token expires.
type socketHolder struct {
	conn *timedConn
	// address is the bucket key of the client's address, for an
	// anonymous viewer's operations.
	address string
	// active counts the connection's live subscriptions.
	active atomic.Int32
}

// websocketContext prepares a WebSocket request's context; address is
// the bucket key of its client's address.
func websocketContext(ctx context.Context, address string) context.Context {
	return context.WithValue(ctx, socketKey{}, &socketHolder{address: address})
}

// connCancelKey carries the cancel function of a connection's context:
// called when the connection closes, and by a subscription that cuts off a
// slow subscriber (the connection then closes).
type connCancelKey struct{}

// originHosts are the hosts of origins (https://app.example.com), as
// coder/websocket matches them.
func originHosts(origins []string) []string {
	var hosts []string
	for _, o := range origins {
		if u, err := url.Parse(o); err == nil && u.Host != "" {
			hosts = append(hosts, u.Host)
		} else if o == "*" {
			hosts = append(hosts, "*")
		}
	}
	return hosts
}

// authorization reads the Authorization entry of a connection_init
// payload, whatever its case.
func authorization(payload transport.InitPayload) string {
	for k, v := range payload {
		if s, ok := v.(string); ok && http.CanonicalHeaderKey(k) == "Authorization" {
			return s
		}
	}
	return ""
}

// isWebsocket reports whether a request asks to upgrade to WebSocket.
func isWebsocket(r *http.Request) bool {
	return r.Method == http.MethodGet && r.Header.Get("Upgrade") != ""
}

// streamEvents delivers the committed events the viewer may read (the
// same privacy rules as every other read: each event is loaded with the
// viewer's context) and of the given types, until the subscriber goes
// away, falls too far behind (SLOW_SUBSCRIBER) or its token expires
// (UNAUTHENTICATED).
func streamEvents(ctx context.Context, client *ent.Client, f *feed.Feed, gauge prometheus.Gauge, types []event.Type) (<-chan *ent.Event, error) {
	v := auth.FromContext(ctx) // anonymous viewers were refused (policy/fields.go)
	if f == nil {
		return nil, &gqlerror.Error{Message: "subscriptions are not available", Extensions: map[string]any{"code": CodeInternal}}
	}
	socket, _ := ctx.Value(socketKey{}).(*socketHolder)
	if socket != nil {
		if socket.active.Add(1) > maxSubscriptions {
			socket.active.Add(-1)
			return nil, &gqlerror.Error{
				Message:    fmt.Sprintf("a connection runs at most %d subscriptions", maxSubscriptions),
				Extensions: map[string]any{"code": CodeBadRequest},
			}
		}
	}
	listener, cancel := f.Subscribe(subscriberBuffer)
	out := make(chan *ent.Event)
	if gauge != nil {
		gauge.Inc()
	}
	go func() {
		var expired <-chan time.Time
		if !v.ExpiresAt.IsZero() {
			timer := time.NewTimer(time.Until(v.ExpiresAt))
			defer timer.Stop()
			expired = timer.C
		}
		defer func() {
			cancel()
			close(out)
			if gauge != nil {
				gauge.Dec()
			}
			if socket != nil {
				socket.active.Add(-1)
			}
		}()
		// The stream's own error: the transport sends it as the
		// subscription's error message instead of complete.
		end := func(message, code string) {
			transport.AddSubscriptionError(ctx, &gqlerror.Error{Message: message, Extensions: map[string]any{"code": code}})
		}
		for {
			var note feed.Note
			var ok bool
			select {
			case <-ctx.Done():
				return
			case <-expired:
				end("the token expired: subscribe again with a new one", CodeUnauthenticated)
				return
			case note, ok = <-listener.C():
				switch {
				case ok:
				case listener.Behind():
					end("disconnected: the subscriber fell too far behind", CodeSlowSubscriber)
					if disconnect, ok := ctx.Value(connCancelKey{}).(context.CancelFunc); ok {
						time.AfterFunc(disconnectGrace, disconnect)
					}
					return
				default:
					end("the event feed was interrupted and events may have been missed: subscribe again", CodeUnavailable)
					return
				}
			}
			if len(types) > 0 && !slices.Contains(types, event.Type(note.Type)) {
				continue
			}
			if !policy.ReadsPrivate(v, note.SellerID) {
				continue // the privacy filter would hide it anyway
			}
			e, err := client.Event.Get(ctx, note.EventID)
			if ent.IsNotFound(err) {
				continue
			}
			if err != nil {
				if ctx.Err() == nil {
					end("internal error", CodeInternal)
				}
				return
			}
			select {
			case out <- e:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

// timedWebsocket accepts WebSocket connections (coder/websocket) whose
// writes time out: gqlgen's own adapter writes without a deadline, so a
// client that stops reading would hold its subscription's goroutine and
// buffers for as long as the TCP connection lives.
type timedWebsocket struct {
	// originPatterns are the other origins' hosts allowed to connect.
	originPatterns []string
}

// Accept implements transport.WebsocketImplementation.
func (tw timedWebsocket) Accept(w http.ResponseWriter, r *http.Request, opts transport.WebsocketAcceptOptions) (transport.WebsocketConn, error) {
	for k, vs := range opts.ResponseHeader {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	// The server's read and write timeouts are for requests: they would
	// stay on the hijacked connection and cut it after a few seconds. The
	// connection has its own bounds (pings, write timeout, token expiry).
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
	c, err := coderws.Accept(w, r, &coderws.AcceptOptions{Subprotocols: opts.Subprotocols, OriginPatterns: tw.originPatterns})
	if err != nil {
		return nil, err
	}
	tc := &timedConn{c: c}
	if h, ok := r.Context().Value(socketKey{}).(*socketHolder); ok {
		h.conn = tc
	}
	return tc, nil
}

// timedConn is a coder/websocket connection as gqlgen's transport uses it.
type timedConn struct {
	c *coderws.Conn

	mu       sync.Mutex
	deadline *time.Timer
	closing  bool
	// expiry is when the connection's token expires: closed after it,
	// the connection closes with 4403 like one refused at connect.
	expiry time.Time
}

// setExpiry notes when the connection's token expires.
func (t *timedConn) setExpiry(at time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.expiry = at
}

// Close implements io.Closer; after WriteClose the closing handshake
// closes the connection itself.
func (t *timedConn) Close() error {
	t.mu.Lock()
	closing := t.closing
	t.mu.Unlock()
	if closing {
		return nil
	}
	return t.c.CloseNow()
}

// NextReader implements transport.WebsocketConn.
func (t *timedConn) NextReader() (int, io.Reader, error) {
	typ, r, err := t.c.Reader(context.Background())
	switch coderws.CloseStatus(err) {
	case coderws.StatusNormalClosure, coderws.StatusNoStatusRcvd, coderws.StatusGoingAway:
		return 0, nil, transport.ErrWebsocketClosed
	}
	return int(typ), r, err
}

// WriteJSON implements transport.WebsocketConn; a write that takes longer
// than writeTimeout closes the connection.
func (t *timedConn) WriteJSON(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
	defer cancel()
	return t.c.Write(ctx, coderws.MessageText, b)
}

// WriteClose implements transport.WebsocketConn, without waiting for the
// peer's close frame (a slow peer must not stall the teardown).
func (t *timedConn) WriteClose(code int, message string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.expiry.IsZero() && !time.Now().Before(t.expiry) {
		code, message = CloseForbidden, "forbidden: the token expired"
	}
	if !t.closing {
		t.closing = true
		go func() { _ = t.c.Close(coderws.StatusCode(code), message) }()
	}
	return nil
}

// Subprotocol implements transport.WebsocketConn.
func (t *timedConn) Subprotocol() string { return t.c.Subprotocol() }

// SetReadLimit implements transport.WebsocketReadLimiter.
func (t *timedConn) SetReadLimit(n int64) { t.c.SetReadLimit(n) }

// SetReadDeadline implements transport.WebsocketReadDeadliner: the pong
// deadline of graphql-transport-ws pings.
func (t *timedConn) SetReadDeadline(at time.Time) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.deadline != nil {
		t.deadline.Stop()
		t.deadline = nil
	}
	if !at.IsZero() {
		t.deadline = time.AfterFunc(time.Until(at), func() { _ = t.c.CloseNow() })
	}
	return nil
}
