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
	return viewerKey(v, e.addressKey(r))
}

// addressKey is the bucket key of a request's client address, behind the
// trusted proxies.
func (e *edge) addressKey(r *http.Request) string {
	return "addr:" + throttle.AddressKey(throttle.ClientAddress(r, e.proxies))
}

// viewerKey is a signed-in viewer's bucket key, else address.
func viewerKey(v *auth.Viewer, address string) string {
	if v != nil && v.Subject != "" {
		return "sub:" + v.Subject
	}
	return address
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

// admit takes the one point every GraphQL request costs before it is
// parsed, from the bucket of key: a viewer whose bucket is empty is
// refused before its document costs any work (parsing, validation, the
// lookup of a persisted query), and a request refused by validation still
// costs that point. False when the bucket holds less than one.
func (e *edge) admit(key string) (*charge, bool) {
	c := &charge{buckets: e.buckets, key: key, requested: 1}
	var ok bool
	c.status, c.wait, ok = e.buckets.Take(key, 1)
	if !ok {
		c.requested = 0
	}
	return c, ok
}

// price takes the rest of the operation's requested cost (gqlgen's
// complexity as the cost rule prices it, at least 1) once it validated.
func (c *charge) price(ctx context.Context) bool {
	return c.priceAt(requestedCost(ctx))
}

// requestedCost is the operation's requested cost: gqlgen's complexity as
// the cost rule prices it, at least 1.
func requestedCost(ctx context.Context) int {
	if stats := extension.GetComplexityStats(ctx); stats != nil {
		return max(1, stats.Complexity)
	}
	return 1
}

// priceAt takes the rest of a requested cost (admit took its first
// point); false when the bucket does not hold it, and then the request
// costs nothing at all: the admission point is given back, and the wait is
// until the bucket holds the whole cost.
func (c *charge) priceAt(requested int) bool {
	c.requested = requested
	if requested == 1 {
		return true
	}
	var ok bool
	c.status, c.wait, ok = c.buckets.Take(c.key, requested-1)
	if !ok {
		c.buckets.Refund(c.key, 1)
		c.status, c.wait, _ = c.buckets.Take(c.key, requested) // takes nothing: only the wait
	}
	return ok
}

// unprice gives back what priceAt took beyond the admission point, for an
// operation that is priced again later.
func (c *charge) unprice() {
	if c.requested > 1 {
		c.status = c.buckets.Refund(c.key, c.requested-1)
	}
	c.requested = 1
}

// charge admits an operation that has validated already (over WebSocket)
// and prices it.
func (e *edge) charge(ctx context.Context, key string) (*charge, bool) {
	c, ok := e.admit(key)
	return c, ok && c.price(ctx)
}

// settle gives back what the operation did not use of its requested cost
// (it costs at least 1), once; an operation that did not run settles 0.
func (c *charge) settle(actual int) {
	if c.actual != nil {
		return
	}
	c.actual = &actual
	if unused := c.requested - max(actual, 1); unused > 0 {
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
	return fmt.Sprintf("throttled: the operation costs %d points and %d are available; %d are restored each second (retry after %s s)",
		c.requested, c.status.CurrentlyAvailable, c.status.RestoreRate, c.retryAfter())
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
// the claim to finish or release, or the kept answer to replay, or the
// refusal to answer: a malformed key (400), a key whose first request
// still runs (409), a key first sent with another body (422), or a
// database that did not answer (503).
func (e *edge) claimKey(ctx context.Context, r *http.Request, v *auth.Viewer, rc *graphql.OperationContext, body []byte) (*keyClaim, *idempotency.Answer, *refusal) {
	values := r.Header.Values("Idempotency-Key")
	if len(values) == 0 || r.Method != http.MethodPost || rc.Operation.Operation != ast.Mutation || v.Subject == "" {
		return nil, nil, nil
	}
	if len(values) > 1 || !idempotency.ValidKey(values[0]) {
		return nil, nil, &refusal{http.StatusBadRequest, CodeBadRequest, "Idempotency-Key must be one value of 1 to 255 visible ASCII characters"}
	}
	c, err := e.keys.Begin(ctx, v.Subject, values[0], body)
	if err != nil {
		e.log.ErrorContext(ctx, "claiming an idempotency key", "err", err)
		return nil, nil, &refusal{http.StatusServiceUnavailable, CodeUnavailable, "the database did not answer; try again"}
	}
	switch c.Outcome {
	case idempotency.Replay:
		return nil, &c.Answer, nil
	case idempotency.InUse:
		return nil, nil, &refusal{http.StatusConflict, CodeIdempotencyKeyInUse, "a request with this Idempotency-Key is still running; retry once it has answered"}
	case idempotency.Reused:
		return nil, nil, &refusal{http.StatusUnprocessableEntity, CodeIdempotencyKeyReused, "this Idempotency-Key was used with another request body; use a new key for a new request"}
	}
	return &keyClaim{claim: c, log: e.log}, nil, nil
}

// refusal is an answer of one error with a code.
type refusal struct {
	status        int
	code, message string
}

// finish keeps the answer under the key, for its retries; an answer that
// says the mutation failed without changing anything (it timed out, the
// database did not answer, a bug) releases the key instead, so that a
// retry runs it again.
func (c *keyClaim) finish(ctx context.Context, resp *graphql.Response, status int, contentType string, body []byte) {
	if c == nil {
		return
	}
	if failedWhole(resp) {
		c.release(ctx)
		return
	}
	if err := c.claim.Finish(ctx, status, contentType, body); err != nil && !errors.Is(err, idempotency.ErrTooLarge) {
		// The answer still goes out; a retry after the key's lease would
		// run the mutation again, so this is worth a look.
		c.log.ErrorContext(ctx, "keeping an idempotent answer", "err", err)
	}
}

// failedWhole reports whether an answer has no data but nulls and an
// error of a kind that rolled the work back: a timeout, an unavailable
// database, a cancelled request, or an internal error.
func failedWhole(resp *graphql.Response) bool {
	failed := false
	for _, e := range resp.Errors {
		switch e.Extensions["code"] {
		case CodeTimeout, CodeUnavailable, CodeCancelled, CodeInternal:
			failed = true
		}
	}
	if !failed {
		return false
	}
	if len(resp.Data) == 0 || string(resp.Data) == "null" {
		return true
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(resp.Data, &fields) != nil {
		return false
	}
	for _, v := range fields {
		if string(v) != "null" {
			return false
		}
	}
	return true
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
// replaced by this request's. A.ContentType is not used: see below.
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
	// The body is the first answer's; its media type is this request's
	// (the JSON is the same for both, and an answer that ran is 200 for
	// both).
	x.w.Header().Set("Idempotent-Replayed", "true")
	x.write(a.Status, body)
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
		if v, written := res.(valueAnswer); written {
			n.Add(int64(v.objects))
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
