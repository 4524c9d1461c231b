package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"

	"entgo.io/ent/dialect/sql"
	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/ast"

	"servicesupport/auth"
	"servicesupport/ent"
	"servicesupport/ent/product"
	"servicesupport/ent/seller"
	"servicesupport/policy"
	"servicesupport/telemetry"
)

// pageCacheSize is how many product page answers an instance keeps.
const pageCacheSize = 10000

// pageCache keeps the answers to the anonymous product page query — a
// query whose only root field is product(id) — so that the hottest path of
// the server costs one SQL statement and no execution.
//
// It never serves stale data, on any number of instances, because every
// answer is checked against the database before it is served: an answer is
// kept with the page version of the product's seller, read before the
// answer was worked out, and served only while the seller's page version
// is still the same. Database triggers increment the version in the
// transaction of every write to what a product page shows — the seller's
// name and approved contacts, its groups, its products — whatever issues
// the write (migration product_counts_and_page_triggers), so once a
// mutation has answered, no instance serves what it changed.
//
// What depends on the time is never kept: every field of a kept answer
// whose resolver reads the clock (readTimeFields: openNow, nextOpenAt,
// nextCloseAt and todayHours) is a hole, worked out again at each read by
// the same resolver from the group the answer was made from. An answer with
// errors, or with a resolver field that is classified neither as reading
// the clock nor as not (timelessResolvers), is not kept.
type pageCache struct {
	log     *slog.Logger
	client  *ent.Client
	schema  *executableSchema
	entries *lru.LRU[*pageEntry]
}

// pageEntry is one kept answer.
type pageEntry struct {
	sellerID int
	version  int
	// segments are the bytes of the answer's data between its holes:
	// len(segments) == len(holes)+1.
	segments [][]byte
	holes    []pageHole
	// actual is the answer's actual cost (objects resolved).
	actual int
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
	return &pageCache{log: log, client: client, schema: es.(*executableSchema), entries: lru.New[*pageEntry](pageCacheSize)}
}

// pageRecorder collects the holes of an answer while it is worked out.
type pageRecorder struct {
	mu          sync.Mutex
	holes       []pageHole
	uncacheable bool
}

type pageRecorderKey struct{}

// recordHoles is the field middleware that notes the holes of an answer
// being recorded for the cache.
func recordHoles(ctx context.Context, next graphql.Resolver) (any, error) {
	rec, _ := ctx.Value(pageRecorderKey{}).(*pageRecorder)
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

// intercept is the response middleware that serves kept answers and keeps
// new ones.
func (c *pageCache) intercept(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	key, productID, ok := c.key(ctx)
	if !ok {
		return next(ctx)
	}
	e, owner, ok := c.lookup(ctx, key, productID)
	if e != nil {
		return c.serve(ctx, e)
	}
	if !ok {
		return next(ctx)
	}
	rec := &pageRecorder{}
	resp := next(context.WithValue(ctx, pageRecorderKey{}, rec))
	if resp == nil || len(resp.Errors) > 0 || resp.Data == nil || rec.uncacheable {
		return resp
	}
	if e, err := newPageEntry(resp.Data, rec.holes); err == nil {
		e.sellerID, e.version, e.actual = owner.SellerID, owner.Version, fieldCount(ctx)
		c.entries.Add(ctx, key, e)
	}
	return resp
}

// pageOwner is the seller of a product and its page version.
type pageOwner struct {
	SellerID int `json:"seller_id"`
	Version  int `json:"page_version"`
}

// lookup returns the kept answer under key while it is current; else,
// when ok, the product's seller and its page version as they are before
// the answer is worked out. A failing lookup (the database, even a
// panicking driver) only means the page is worked out without the cache:
// its resolvers then meet the same failure and answer it as usual.
func (c *pageCache) lookup(ctx context.Context, key string, productID int) (kept *pageEntry, owner pageOwner, ok bool) {
	defer func() {
		if v := recover(); v != nil {
			c.log.ErrorContext(ctx, "panic in the page cache", "panic", v)
			kept, ok = nil, false
		}
	}()
	sys := policy.System(ctx)
	if e, found := c.entries.Get(ctx, key); found {
		version, err := c.client.Seller.Query().Where(seller.ID(e.sellerID)).Select(seller.FieldPageVersion).Int(sys)
		if err == nil && version == e.version {
			return e, owner, true
		}
	}
	// The version is read before the answer is worked out: a write that
	// commits in between makes the kept answer look older than it is, never
	// newer.
	var owners []pageOwner
	err := c.client.Product.Query().
		Where(product.ID(productID)).
		Modify(func(s *sql.Selector) {
			t := sql.Table(seller.Table)
			s.Join(t).On(s.C(product.FieldSellerID), t.C(seller.FieldID))
			s.Select(s.C(product.FieldSellerID), sql.As(t.C(seller.FieldPageVersion), "page_version"))
		}).
		Scan(sys, &owners)
	if err != nil || len(owners) != 1 {
		return nil, owner, false
	}
	return nil, owners[0], true
}

// key is the cache key of the operation in ctx, and the product it shows,
// when the operation is an anonymous product page query.
func (c *pageCache) key(ctx context.Context) (string, int, bool) {
	if c == nil || auth.FromContext(ctx).Subject != "" {
		return "", 0, false
	}
	rc := graphql.GetOperationContext(ctx)
	if rc == nil || rc.Operation == nil || rc.Operation.Operation != ast.Query {
		return "", 0, false
	}
	roots := graphql.CollectFields(rc, rc.Operation.SelectionSet, []string{"Query"})
	if len(roots) != 1 || roots[0].Name != "product" {
		return "", 0, false
	}
	id, err := strconv.Atoi(fmt.Sprint(roots[0].ArgumentMap(rc.Variables)["id"]))
	if err != nil {
		return "", 0, false
	}
	vars, err := json.Marshal(rc.Variables)
	if err != nil {
		return "", 0, false
	}
	return strings.Join([]string{rc.RawQuery, rc.OperationName, string(vars)}, "\x00"), id, true
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
		ctx = withScheduleMemo(context.WithValue(ctx, fieldCountKey{}, nil))
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
	// A hole inside another hole is rendered with it.
	slices.SortFunc(holes, func(a, b pageHole) int { return len(a.path) - len(b.path) })
	var outer []pageHole
	for _, h := range holes {
		if !slices.ContainsFunc(outer, func(o pageHole) bool { return hasPrefix(h.path, o.path) }) {
			outer = append(outer, h)
		}
	}
	type span struct{ start, end int }
	spans := make([]span, len(outer))
	for i, h := range outer {
		start, end, err := valueSpan(data, h.path)
		if err != nil {
			return nil, err
		}
		spans[i] = span{start, end}
	}
	order := make([]int, len(outer))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return spans[a].start - spans[b].start })
	e := &pageEntry{}
	at := 0
	for _, i := range order {
		e.segments = append(e.segments, bytes.Clone(data[at:spans[i].start]))
		e.holes = append(e.holes, outer[i])
		at = spans[i].end
	}
	e.segments = append(e.segments, bytes.Clone(data[at:]))
	return e, nil
}

// hasPrefix reports whether path p starts with prefix.
func hasPrefix(p, prefix ast.Path) bool {
	if len(prefix) > len(p) {
		return false
	}
	for i := range prefix {
		if p[i] != prefix[i] {
			return false
		}
	}
	return true
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
