package graph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"reflect"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"servicesupport/auth"
	"servicesupport/idempotency"
	"servicesupport/throttle"
)

// edge is the state the transport consults beyond one request: the cost
// buckets of fair use (in this instance's memory: see the README) and the
// idempotency keys of safe retries (in the database, shared by every
// instance).
type edge struct {
	buckets *throttle.Limiter
	proxies []netip.Prefix
	keys    *idempotency.Store
	log     *slog.Logger
}

// bucketKey is whose bucket a request draws on: its token's subject, or
// for an anonymous viewer (or a refused token) its client address.
func (e *edge) bucketKey(r *http.Request, v *auth.Viewer) string {
	if v != nil && v.Subject != "" {
		return "sub:" + v.Subject
	}
	return "addr:" + throttle.AddressKey(throttle.ClientAddress(r, e.proxies))
}

// costReport is extensions.cost, in Shopify's shape: what the operation
// was priced at before it ran, what it cost (the fields it resolved), and
// the viewer's bucket afterwards.
type costReport struct {
	RequestedQueryCost int `json:"requestedQueryCost"`
	// ActualQueryCost is null for an operation that did not run.
	ActualQueryCost *int            `json:"actualQueryCost"`
	ThrottleStatus  throttle.Status `json:"throttleStatus"`
}

// unpriced is the cost report of a request refused before it was priced:
// it cost nothing.
func (e *edge) unpriced(r *http.Request, v *auth.Viewer) *costReport {
	return &costReport{ThrottleStatus: e.buckets.Peek(e.bucketKey(r, v))}
}

// charge is one operation's cost taken from its viewer's bucket.
type charge struct {
	buckets   *throttle.Limiter
	key       string
	requested int
	actual    *int
	status    throttle.Status
	wait      time.Duration
}

// charge takes the operation's requested cost (gqlgen's complexity, as
// the cost rule prices it) from the viewer's bucket; false when the
// bucket does not hold that much, and then nothing is taken.
func (e *edge) charge(ctx context.Context, r *http.Request, v *auth.Viewer) (*charge, bool) {
	c := &charge{buckets: e.buckets, key: e.bucketKey(r, v)}
	if stats := extension.GetComplexityStats(ctx); stats != nil {
		c.requested = stats.Complexity
	}
	var ok bool
	c.status, c.wait, ok = e.buckets.Take(c.key, c.requested)
	return c, ok
}

// settle gives back what the operation did not use of its requested cost.
func (c *charge) settle(actual int) {
	c.actual = &actual
	if unused := c.requested - actual; unused > 0 {
		c.status = c.buckets.Refund(c.key, unused)
	}
}

// report is the charge as extensions.cost.
func (c *charge) report() *costReport {
	return &costReport{RequestedQueryCost: c.requested, ActualQueryCost: c.actual, ThrottleStatus: c.status}
}

// retryAfter is the Retry-After of a refused charge, in whole seconds.
func (c *charge) retryAfter() string { return throttle.RetryAfterSeconds(c.wait) }

// refusal explains a refused charge.
func (c *charge) refusal() string {
	return fmt.Sprintf("throttled: the operation costs %d points and %d are available; %d are restored each second",
		c.requested, c.status.CurrentlyAvailable, c.status.RestoreRate)
}

// keyClaim is a request's hold on its Idempotency-Key; a nil claim (no
// key) does nothing.
type keyClaim struct {
	claim idempotency.Claim
	log   *slog.Logger
}

// answerNotKept is kept, and replayed, instead of a first answer over
// idempotency.DefaultMaxBody: the request ran once and is not run again.
var answerNotKept = idempotency.Answer{
	ContentType: mediaJSON + "; charset=utf-8",
	Body: func() []byte {
		b, _ := json.Marshal(answer{Errors: gqlerror.List{{
			Message:    "the answer to the first request with this Idempotency-Key was too large to keep; the request ran once and is not run again",
			Extensions: map[string]any{"code": CodeIdempotencyAnswerNotKept},
		}}})
		return b
	}(),
}

// claimKey takes the request's Idempotency-Key, if it has one and is a
// signed-in viewer's POST mutation (a key means nothing to a query, and
// anonymous viewers share no subject to keep answers under). It returns
// the claim to finish or release, or the kept answer to replay; stop is
// true when it answered the request itself: a malformed key (400), a key
// whose first request still runs (409), a key first sent with another
// body (422), or a database that did not answer (503).
func (e *edge) claimKey(ctx context.Context, x *exchange, v *auth.Viewer, rc *graphql.OperationContext, body []byte) (claim *keyClaim, replay *idempotency.Answer, stop bool) {
	values := x.r.Header.Values("Idempotency-Key")
	if len(values) == 0 || x.r.Method != http.MethodPost || rc.Operation.Operation != ast.Mutation || v.Subject == "" {
		return nil, nil, false
	}
	if len(values) > 1 || !idempotency.ValidKey(values[0]) {
		x.refuse(http.StatusBadRequest, CodeBadRequest, "Idempotency-Key must be one value of 1 to 255 visible ASCII characters")
		return nil, nil, true
	}
	c, err := e.keys.Begin(ctx, v.Subject, values[0], body)
	if err != nil {
		e.log.ErrorContext(ctx, "claiming an idempotency key", "err", err)
		x.refuse(http.StatusServiceUnavailable, CodeUnavailable, "the database did not answer; try again")
		return nil, nil, true
	}
	switch c.Outcome {
	case idempotency.Replay:
		return nil, &c.Answer, false
	case idempotency.InUse:
		x.refuse(http.StatusConflict, CodeIdempotencyKeyInUse, "a request with this Idempotency-Key is still running; retry once it has answered")
		return nil, nil, true
	case idempotency.Reused:
		x.refuse(http.StatusUnprocessableEntity, CodeIdempotencyKeyReused, "this Idempotency-Key was used with another request body; use a new key for a new request")
		return nil, nil, true
	}
	return &keyClaim{claim: c, log: e.log}, nil, false
}

// finish keeps the answer under the key, for its retries.
func (c *keyClaim) finish(ctx context.Context, status int, contentType string, body []byte) {
	if c == nil {
		return
	}
	if err := c.claim.Finish(ctx, status, contentType, body); err != nil && !errors.Is(err, idempotency.ErrTooLarge) {
		// The answer still goes out; a retry after the key's lease would
		// run the mutation again, so this is worth a look.
		c.log.ErrorContext(ctx, "keeping an idempotent answer", "err", err)
	}
}

// release forgets the claim: the operation did not run, and a retry may.
func (c *keyClaim) release(ctx context.Context) {
	if c == nil {
		return
	}
	if err := c.claim.Release(ctx); err != nil {
		c.log.WarnContext(ctx, "releasing an idempotency key", "err", err)
	}
}

// replay answers a retry with the kept answer, its extensions.cost
// replaced by this request's.
func (x *exchange) replay(a *idempotency.Answer) {
	body := a.Body
	var top map[string]json.RawMessage
	if json.Unmarshal(body, &top) == nil {
		var ext map[string]json.RawMessage
		_ = json.Unmarshal(top["extensions"], &ext)
		if ext == nil {
			ext = map[string]json.RawMessage{}
		}
		if cost, err := json.Marshal(x.cost); err == nil {
			ext["cost"] = cost
		}
		if b, err := json.Marshal(ext); err == nil {
			top["extensions"] = b
		}
		if b, err := json.Marshal(top); err == nil {
			body = append(b, '\n')
		}
	}
	x.w.Header().Set("Idempotent-Replayed", "true")
	x.w.Header().Set("Content-Type", a.ContentType)
	x.w.WriteHeader(a.Status)
	_, _ = x.w.Write(body)
}

// nullable reports whether a value's kind can be nil.
func nullable(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Map, reflect.Slice:
		return true
	}
	return false
}

// fieldCountKey carries the count of objects an operation resolved.
type fieldCountKey struct{}

// withFieldCount starts counting the objects an operation resolves.
func withFieldCount(ctx context.Context) context.Context {
	return context.WithValue(ctx, fieldCountKey{}, new(atomic.Int64))
}

// fieldCount is how many objects the operation resolved: its actual cost,
// in the unit of its requested cost (the cost rule prices an object at 1,
// a scalar at nothing, and a connection at its page size times its
// children, so a page that comes back short costs less than it was priced
// at).
func fieldCount(ctx context.Context) int {
	if n, ok := ctx.Value(fieldCountKey{}).(*atomic.Int64); ok {
		return int(n.Load())
	}
	return 0
}

// countObjects is the field middleware that counts the objects each field
// of an object type answers: one for an object, one per element for a
// list of them, none for null, scalars and enums.
func countObjects(schema *ast.Schema) graphql.FieldMiddleware {
	objects := map[string]bool{}
	for name, def := range schema.Types {
		switch def.Kind {
		case ast.Object, ast.Interface, ast.Union:
			objects[name] = true
		}
	}
	return func(ctx context.Context, next graphql.Resolver) (any, error) {
		res, err := next(ctx)
		fc := graphql.GetFieldContext(ctx)
		if fc == nil || fc.Field.Definition == nil || !objects[fc.Field.Definition.Type.Name()] {
			return res, err
		}
		n, counting := ctx.Value(fieldCountKey{}).(*atomic.Int64)
		if !counting {
			return res, err
		}
		if v := reflect.ValueOf(res); v.IsValid() {
			switch v.Kind() {
			case reflect.Slice, reflect.Array:
				k := 0
				for i := range v.Len() {
					if e := v.Index(i); !nullable(e) || !e.IsNil() {
						k++
					}
				}
				n.Add(int64(k))
			default:
				if !nullable(v) || !v.IsNil() {
					n.Add(1)
				}
			}
		}
		return res, err
	}
}
