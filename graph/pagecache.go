package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"

	"entgo.io/ent/dialect/sql"
	"github.com/99designs/gqlgen/graphql"
	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"servicesupport/auth"
	"servicesupport/ent"
	"servicesupport/ent/seller"
	"servicesupport/telemetry"
)

// pageCacheSize is how many product page answers an instance keeps.
const pageCacheSize = 10000

// pageCache keeps the answers to the anonymous product page query — a
// query whose only root field is product(id) — so that the hottest path of
// the server costs one SQL statement, and neither parsing nor execution:
// the transport serves a kept answer under the request's own text and
// variables (pageKey) before it parses the request.
//
// It never serves stale data, on any number of instances, because every
// answer is checked against the database before it is served: an answer is
// kept with the page version of the product's seller, read in the
// product's own statement (so the version of the rows the page was made
// of), and served only while the seller's page version is still the same. Database triggers increment the version in the
// transaction of every write to what a product page shows — the seller's
// name and approved contacts, its groups, its products — whatever issues
// the write (migration product_counts_and_page_triggers), so once a
// mutation has answered, no instance serves what it changed.
//
// What depends on the time is never kept: every field of a kept answer
// whose resolver reads the clock (readTimeFields: openNow, nextOpenAt,
// nextCloseAt and todayHours) is a hole, worked out again at each read by
// the same resolver from the group the answer was made from (a group in a
// list is not one: such an answer is not kept). An answer with errors, or
// with a resolver field that is classified neither as reading the clock nor
// as not (timelessResolvers), is not kept. Fields that are ent edges or
// columns are not resolvers: what they read are rows of the product's
// seller, which the page version covers.
type pageCache struct {
	log       *slog.Logger
	presenter graphql.ErrorPresenterFunc
	client    *ent.Client
	schema    *executableSchema
	entries   *lru.Cache[string, *pageEntry]
	// versionQuery reads a seller's page version (its one argument).
	versionQuery string
}

// pageEntry is one kept answer.
type pageEntry struct {
	sellerID int
	version  int
	// segments are the bytes of the answer's data between its holes:
	// len(segments) == len(holes)+1.
	segments [][]byte
	holes    []pageHole
	// actual is the answer's actual cost (objects resolved), requested
	// its requested cost (what the cost rule priced it at).
	actual, requested int
	// op is the operation as it was made ready for the request the answer
	// was made from: a hit is served without parsing, validating or
	// pricing the request again.
	op *graphql.OperationContext
	// schedules are the schedules of the holes' groups, compiled at the
	// first read that needs them and kept for the next (scheduleOf).
	schedules sync.Map
}

// pageHole is a field of a kept answer that is worked out again at each
// read.
type pageHole struct {
	path   ast.Path
	parent *graphql.FieldContext // the group's field, as it ran
	field  graphql.CollectedField
	group  *ent.CustomerServiceGroup
	render groupField
}

// groupField is a generated field executor of CustomerServiceGroup.
type groupField func(*executionContext, context.Context, graphql.CollectedField, *ent.CustomerServiceGroup) graphql.Marshaler

// readTimeFields are the resolvers whose answer depends on the moment they
// run: holes in a kept answer.
var readTimeFields = map[string]groupField{
	"CustomerServiceGroup.openNow":     (*executionContext)._CustomerServiceGroup_openNow,
	"CustomerServiceGroup.nextOpenAt":  (*executionContext)._CustomerServiceGroup_nextOpenAt,
	"CustomerServiceGroup.nextCloseAt": (*executionContext)._CustomerServiceGroup_nextCloseAt,
	"CustomerServiceGroup.todayHours":  (*executionContext)._CustomerServiceGroup_todayHours,
}

// timelessResolvers are the other resolvers a kept answer may hold: what
// they answer follows from rows that the page version covers. A resolver in
// neither list makes an answer uncacheable.
var timelessResolvers = map[string]bool{
	"Query.product": true, // the only root field of a kept answer
	"CustomerServiceGroup.meetsServicePolicy": true,
	"CustomerServiceGroup.weeklyHours":        true,
	"Product.preSalesInfo":                    true,
	"Seller.accountID":                        true,
}

// newPageCache returns a cache of product page answers, or nil when off.
func newPageCache(client *ent.Client, es graphql.ExecutableSchema, off bool, log *slog.Logger) *pageCache {
	if off {
		return nil
	}
	entries, _ := lru.New[string, *pageEntry](pageCacheSize) // fails on a size < 1 only
	versionQuery, _ := sql.Dialect(client.Dialect()).
		Select(seller.FieldPageVersion).From(sql.Table(seller.Table)).
		Where(sql.EQ(seller.FieldID, 0)).Query()
	return &pageCache{log: log, presenter: presentError(log), client: client, schema: es.(*executableSchema), entries: entries, versionQuery: versionQuery}
}

// pageRecorder collects the holes of an answer while it is worked out.
type pageRecorder struct {
	mu          sync.Mutex
	holes       []pageHole
	uncacheable bool
	owner       *pageVersion // the product's seller, read with it
}

// pageVersion is a seller and its page version.
type pageVersion struct{ sellerID, version int }

// recording is the recorder of the answer being worked out in ctx, if it
// is recorded for the cache.
func recording(ctx context.Context) *pageRecorder {
	rec, _ := ctx.Value(pageRecorderKey{}).(*pageRecorder)
	return rec
}

// readOwner notes the page version of the product's seller, read in the
// product's statement; a second, different one (no product page does
// that) makes the answer uncacheable.
func (rec *pageRecorder) readOwner(sellerID, version int) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	switch {
	case rec.owner == nil:
		rec.owner = &pageVersion{sellerID, version}
	case *rec.owner != pageVersion{sellerID, version}:
		rec.uncacheable = true
	}
}

type pageRecorderKey struct{}

// recordHoles is the field middleware that notes the holes of an answer
// being recorded for the cache.
func recordHoles(ctx context.Context, next graphql.Resolver) (any, error) {
	rec := recording(ctx)
	fc := graphql.GetFieldContext(ctx)
	if rec == nil || !fc.IsResolver {
		return next(ctx)
	}
	name := fc.Object + "." + fc.Field.Name
	render, hole := readTimeFields[name]
	var group *ent.CustomerServiceGroup
	if hole && fc.Parent != nil {
		group, _ = fc.Parent.Result.(*ent.CustomerServiceGroup)
	}
	if !timelessResolvers[name] && group == nil {
		rec.mu.Lock()
		rec.uncacheable = true
		rec.mu.Unlock()
		return next(ctx)
	}
	if group != nil {
		rec.mu.Lock()
		rec.holes = append(rec.holes, pageHole{path: fc.Path(), parent: fc.Parent, field: fc.Field, group: group, render: render})
		rec.mu.Unlock()
	}
	return next(ctx)
}

// intercept is the response middleware that keeps new answers. The page
// version an answer is kept with is read in the product's own statement
// (see joinCompanions), so it is the version of the rows the page was made
// of; whatever the operation reads after it can only be newer, which makes
// the kept answer look older than it is, never newer.
func (c *pageCache) intercept(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	key, ok := c.key(ctx)
	if !ok {
		return next(ctx)
	}
	rec := &pageRecorder{}
	resp := next(context.WithValue(ctx, pageRecorderKey{}, rec))
	if resp == nil || len(resp.Errors) > 0 || resp.Data == nil || rec.uncacheable || rec.owner == nil {
		return resp
	}
	if e, err := newPageEntry(resp.Data, rec.holes); err == nil {
		e.sellerID, e.version, e.actual = rec.owner.sellerID, rec.owner.version, fieldCount(ctx)
		e.requested = requestedCost(ctx)
		e.op = graphql.GetOperationContext(ctx)
		c.entries.Add(key, e)
	}
	return resp
}

// pageKeyKey carries a request's pageRequest from the transport to
// intercept.
type pageKeyKey struct{}

// pageRequest is a request that may be kept: its cache key (pageKey) and
// its variables as they arrived.
type pageRequest struct {
	key  string
	vars map[string]any
}

// maxKeptKey bounds the key of a kept answer (the document, the operation
// name and the variables): a page query is a few hundred bytes, and no
// client fills the cache with documents padded to the body limit.
const maxKeptKey = 16 << 10

// pageKey is the cache key of a request as it arrived, when the cache is
// on: an anonymous request with a document (not a persisted query's hash),
// no extensions and a key of at most maxKeptKey bytes. Whether its
// operation is a product page is known once it is parsed (key); a kept
// answer's key is one that was.
func pageKey(c *pageCache, v *auth.Viewer, params *graphql.RawParams) (string, bool) {
	if c == nil || v.Subject != "" || params.Query == "" || len(params.Extensions) > 0 || len(params.Query) > maxKeptKey {
		return "", false
	}
	vars, err := json.Marshal(params.Variables) // map keys sorted
	if err != nil || len(params.Query)+len(params.OperationName)+len(vars) > maxKeptKey {
		return "", false
	}
	return strings.Join([]string{params.Query, params.OperationName, string(vars)}, "\x00"), true
}

// kept is the answer kept under key, current or not.
func (c *pageCache) kept(key string) *pageEntry {
	e, _ := c.entries.Get(key)
	return e
}

// current reports whether e, kept under key, is current, and then gives the
// context to serve it in: the operation it was made for (as it was made
// ready: parsed, validated, priced) and a response context. An entry that
// is not current is dropped.
func (c *pageCache) current(ctx context.Context, key string, e *pageEntry) (context.Context, bool) {
	if !c.isCurrent(ctx, e) {
		// Worked out again, and kept again if it still may be.
		c.entries.Remove(key)
		return ctx, false
	}
	// The hits of an answer share its operation: execution only reads it
	// (its field collection cache has its own lock).
	ctx = graphql.WithOperationContext(ctx, e.op)
	return graphql.WithResponseContext(ctx, c.presenter, e.op.RecoverFunc), true
}

// isCurrent reports whether a kept answer's seller still has the page
// version the answer was made at. A failing check (the database, even a
// panicking driver) only means the answer is not served from the cache.
func (c *pageCache) isCurrent(ctx context.Context, e *pageEntry) (current bool) {
	defer func() {
		if v := recover(); v != nil {
			c.log.ErrorContext(ctx, "panic in the page cache", "panic", v)
			current = false
		}
	}()
	// The hit's only statement, run without the query builder: a page
	// version is no protected data.
	var rows sql.Rows
	if err := c.client.QueryRows(ctx, c.versionQuery, []any{e.sellerID}, &rows); err != nil {
		return false
	}
	defer rows.Close()
	var version int
	if !rows.Next() || rows.Scan(&version) != nil || rows.Err() != nil {
		return false
	}
	return version == e.version
}

// key is the cache key of the request in ctx (see pageKey) when its
// operation is an anonymous product page query: a query whose only root
// field is product(id), sent with no variable it does not declare (those
// would make keys of their own for one answer).
func (c *pageCache) key(ctx context.Context) (string, bool) {
	req, ok := ctx.Value(pageKeyKey{}).(pageRequest) // anonymous: see pageKey
	if c == nil || !ok {
		return "", false
	}
	rc := graphql.GetOperationContext(ctx)
	if rc == nil || rc.Operation == nil || rc.Operation.Operation != ast.Query {
		return "", false
	}
	for name := range req.vars {
		if rc.Operation.VariableDefinitions.ForName(name) == nil {
			return "", false
		}
	}
	roots := graphql.CollectFields(rc, rc.Operation.SelectionSet, []string{"Query"})
	if len(roots) != 1 || roots[0].Name != "product" {
		return "", false
	}
	return req.key, true
}

// serve answers from a kept entry, its groups rendered at this moment.
func (c *pageCache) serve(ctx context.Context, e *pageEntry) *graphql.Response {
	if n, ok := ctx.Value(fieldCountKey{}).(interface{ Add(int64) int64 }); ok {
		n.Add(int64(e.actual))
	}
	var buf bytes.Buffer
	buf.Write(e.segments[0])
	if len(e.holes) > 0 {
		ec := newExecutionContext(graphql.GetOperationContext(ctx), c.schema, make(chan graphql.DeferredResult))
		// The kept actual cost counts the holes' objects already: they are
		// not counted twice.
		ctx = withScheduleMemo(context.WithValue(ctx, fieldCountKey{}, nil), &e.schedules)
		for i, h := range e.holes {
			parent := *h.parent
			h.render(ec, graphql.WithFieldContext(ctx, &parent), h.field, h.group).MarshalGQL(&buf)
			buf.Write(e.segments[i+1])
		}
	}
	telemetry.FromContext(ctx).SetOutcome(telemetry.OutcomeOK)
	return &graphql.Response{
		Data:       buf.Bytes(),
		Errors:     graphql.GetErrors(ctx),
		Extensions: graphql.GetExtensions(ctx),
	}
}

// newPageEntry cuts an answer's data at its holes.
func newPageEntry(data []byte, holes []pageHole) (*pageEntry, error) {
	// Holes are clock fields, which hold no hole of their own: their
	// spans never overlap.
	type span struct {
		hole       pageHole
		start, end int
	}
	spans := make([]span, len(holes))
	for i, h := range holes {
		start, end, err := valueSpan(data, h.path)
		if err != nil {
			return nil, err
		}
		spans[i] = span{h, start, end}
	}
	slices.SortFunc(spans, func(a, b span) int { return a.start - b.start })
	e := &pageEntry{}
	at := 0
	for _, sp := range spans {
		e.segments = append(e.segments, bytes.Clone(data[at:sp.start]))
		e.holes = append(e.holes, sp.hole)
		at = sp.end
	}
	e.segments = append(e.segments, bytes.Clone(data[at:]))
	return e, nil
}

// errNoValue is a path that an answer's data does not hold.
var errNoValue = errors.New("no value at the path")

// valueSpan finds the bytes of the value at path in a JSON document.
func valueSpan(data []byte, path ast.Path) (int, int, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var skip json.RawMessage
	for _, el := range path {
		tok, err := dec.Token()
		if err != nil {
			return 0, 0, err
		}
		switch el := el.(type) {
		case ast.PathName:
			if tok != json.Delim('{') {
				return 0, 0, errNoValue
			}
			found := false
			for !found && dec.More() {
				k, err := dec.Token()
				if err != nil {
					return 0, 0, err
				}
				if k == string(el) {
					found = true
				} else if err := dec.Decode(&skip); err != nil {
					return 0, 0, err
				}
			}
			if !found {
				return 0, 0, errNoValue
			}
		case ast.PathIndex:
			if tok != json.Delim('[') {
				return 0, 0, errNoValue
			}
			for range int(el) {
				if !dec.More() {
					return 0, 0, errNoValue
				}
				if err := dec.Decode(&skip); err != nil {
					return 0, 0, err
				}
			}
		}
	}
	var value json.RawMessage
	if err := dec.Decode(&value); err != nil {
		return 0, 0, err
	}
	end := int(dec.InputOffset())
	return end - len(value), end, nil
}
