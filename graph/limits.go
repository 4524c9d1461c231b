package graph

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"entgo.io/contrib/entgql"
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"servicesupport/ent"
)

// Limits on the shape of one operation, checked before it executes, so an
// abusive query is refused before any SQL runs.
const (
	// MaxPageSize caps first and last of every connection.
	MaxPageSize = 100
	// MaxDepth caps how deeply fields nest.
	MaxDepth = 12
	// MaxAliases caps the aliased fields of one operation.
	MaxAliases = 30
	// MaxRootFields caps the top-level fields of one operation.
	MaxRootFields = 10
	// MaxFields caps the fields of one document once its fragments are
	// expanded. It is checked right after parsing, before validation, whose
	// overlapping-fields rule is quadratic in the fields of a selection; it
	// also stops fragment "bombs" (a fragment spreading the next one twice,
	// n times, selects 2^n fields in a few hundred bytes).
	MaxFields = 500
)

// codeQueryTooLarge classifies operations refused by these limits.
const codeQueryTooLarge = "QUERY_TOO_LARGE"

// complexity prices connections at their page size times their children, so
// the complexity limit bounds the rows an operation can ask for.
func complexity() ComplexityRoot {
	var c ComplexityRoot
	c.Query.Products = func(child int, _ *entgql.Cursor[int], first *int, _ *entgql.Cursor[int], last *int, _ *ent.ProductOrder, _ *ent.ProductWhereInput) int {
		return pageCost(child, first, last)
	}
	c.Query.Reviews = func(child int, _ *entgql.Cursor[int], first *int, _ *entgql.Cursor[int], last *int, _ *ent.ReviewOrder, _ *ent.ReviewWhereInput) int {
		return pageCost(child, first, last)
	}
	c.Query.Sellers = func(child int, _ *entgql.Cursor[int], first *int, _ *entgql.Cursor[int], last *int, _ *ent.SellerOrder, _ *ent.SellerWhereInput) int {
		return pageCost(child, first, last)
	}
	c.Seller.Products = func(child int, _ *entgql.Cursor[int], first *int, _ *entgql.Cursor[int], last *int, _ *ent.ProductOrder, _ *ent.ProductWhereInput) int {
		return pageCost(child, first, last)
	}
	c.Seller.Reviews = func(child int, _ *entgql.Cursor[int], first *int, _ *entgql.Cursor[int], last *int, _ *ent.ReviewOrder, _ *ent.ReviewWhereInput) int {
		return pageCost(child, first, last)
	}
	c.Query.Nodes = func(child int, ids []int) int {
		return 1 + len(ids)*max(child, 1)
	}
	c.CustomerServiceGroup.Products = func(child int, _ *entgql.Cursor[int], first *int, _ *entgql.Cursor[int], last *int, _ *ent.ProductOrder, _ *ent.ProductWhereInput) int {
		return pageCost(child, first, last)
	}
	return c
}

// pageCost is a connection's cost: its page size times its children.
func pageCost(child int, first, last *int) int {
	n := DefaultPageSize
	switch {
	case first != nil:
		n = *first
	case last != nil:
		n = *last
	}
	n = max(1, min(n, MaxPageSize))
	return 1 + n*max(child, 1)
}

// shapeLimits is a gqlgen extension that refuses operations nesting too
// deeply, with too many aliases, root fields or fields, or asking for pages
// over MaxPageSize.
type shapeLimits struct {
	// small remembers documents already found within MaxFields, so the hot
	// path (the same product-page query again and again) parses once.
	small graphql.Cache[bool]
	// introspection allows __schema and __type; without it an operation
	// asking for them is refused before it runs (gqlgen itself would only
	// fail the field, with an unclassified error).
	introspection bool
}

// codeIntrospectionDisabled refuses an introspection query while
// introspection is off.
const codeIntrospectionDisabled = "INTROSPECTION_DISABLED"

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
	graphql.OperationContextMutator
} = &shapeLimits{}

// MutateOperationParameters implements graphql.OperationParameterMutator:
// it counts the document's expanded fields before gqlgen validates it.
func (l *shapeLimits) MutateOperationParameters(ctx context.Context, raw *graphql.RawParams) *gqlerror.Error {
	if raw.Query == "" {
		return nil
	}
	if _, ok := l.small.Get(ctx, raw.Query); ok {
		return nil
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: raw.Query}, parserTokenLimit)
	if err != nil {
		return nil // gqlgen reports the syntax error itself
	}
	w := walker{fragments: map[string]shape{}, defs: doc.Fragments}
	total := 0
	for _, op := range doc.Operations {
		total = min(total+w.selections(op.SelectionSet).fields, MaxFields+1)
	}
	if total > MaxFields {
		return tooLarge("the operation selects more than %d fields once its fragments are expanded", MaxFields)
	}
	l.small.Add(ctx, raw.Query, true)
	return nil
}

// ExtensionName implements graphql.HandlerExtension.
func (*shapeLimits) ExtensionName() string { return "ShapeLimits" }

// Validate implements graphql.HandlerExtension.
func (*shapeLimits) Validate(graphql.ExecutableSchema) error { return nil }

// shape is what the walk measures of a selection set.
type shape struct {
	depth, aliases, fields int
}

// MutateOperationContext implements graphql.OperationContextMutator.
func (l *shapeLimits) MutateOperationContext(_ context.Context, op *graphql.OperationContext) *gqlerror.Error {
	if op.Operation == nil {
		return nil
	}
	if n := rootFields(op.Operation.SelectionSet, map[string]bool{}); n > MaxRootFields {
		return tooLarge("the operation has %d root fields; at most %d are allowed", n, MaxRootFields)
	}
	vars := op.Variables
	if vars == nil {
		vars = map[string]any{}
	}
	w := walker{vars: vars, fragments: map[string]shape{}, noIntrospection: !l.introspection}
	s := w.selections(op.Operation.SelectionSet)
	switch {
	case w.err != nil:
		return w.err
	case s.depth > MaxDepth:
		return tooLarge("the operation nests %d levels deep; at most %d are allowed", s.depth, MaxDepth)
	case s.aliases > MaxAliases:
		return tooLarge("the operation has %d aliases; at most %d are allowed", s.aliases, MaxAliases)
	case s.fields > MaxFields:
		return tooLarge("the operation selects more than %d fields once its fragments are expanded", MaxFields)
	}
	return nil
}

// rootFields counts the fields of a selection set, fragments included (each
// named fragment once).
func rootFields(set ast.SelectionSet, seen map[string]bool) int {
	n := 0
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			n++
		case *ast.InlineFragment:
			n += rootFields(sel.SelectionSet, seen)
		case *ast.FragmentSpread:
			if !seen[sel.Name] && sel.Definition != nil {
				seen[sel.Name] = true
				n += rootFields(sel.Definition.SelectionSet, seen)
			}
		}
	}
	return n
}

// walker measures selection sets, each named fragment once (validation has
// already refused fragment cycles; memoising stops fragment "bombs" from
// costing exponential time).
type walker struct {
	vars      map[string]any
	fragments map[string]shape
	// defs resolves spreads of a document that was not validated yet.
	defs ast.FragmentDefinitionList
	// visiting guards against fragment cycles in such a document.
	visiting map[string]bool
	// noIntrospection refuses __schema and __type.
	noIntrospection bool
	err             *gqlerror.Error
}

// selections measures a selection set.
func (w *walker) selections(set ast.SelectionSet) shape {
	var out shape
	for _, sel := range set {
		var s shape
		switch sel := sel.(type) {
		case *ast.Field:
			s = w.selections(sel.SelectionSet)
			// Introspection (__schema, __type) nests deeply by nature and
			// never touches the database; only its field count is bounded.
			if strings.HasPrefix(sel.Name, "__") {
				s.depth = 0
			}
			if w.noIntrospection && (sel.Name == "__schema" || sel.Name == "__type") && w.err == nil {
				w.err = &gqlerror.Error{
					Message:    "introspection is disabled on this server",
					Extensions: map[string]any{"code": codeIntrospectionDisabled},
				}
			}
			s.depth++
			s.fields++
			if sel.Alias != "" && sel.Alias != sel.Name {
				s.aliases++
			}
			w.checkPage(sel)
		case *ast.InlineFragment:
			s = w.selections(sel.SelectionSet)
		case *ast.FragmentSpread:
			memo, seen := w.fragments[sel.Name]
			if def := w.definition(sel); !seen && def != nil && !w.visiting[sel.Name] {
				if w.visiting == nil {
					w.visiting = map[string]bool{}
				}
				w.visiting[sel.Name] = true
				memo = w.selections(def.SelectionSet)
				delete(w.visiting, sel.Name)
				w.fragments[sel.Name] = memo
			}
			s = memo
		}
		out.depth = max(out.depth, s.depth)
		// Counts saturate just over their limits, so that a bomb's 2^n
		// cannot overflow.
		out.aliases = min(out.aliases+s.aliases, MaxAliases+1)
		out.fields = min(out.fields+s.fields, MaxFields+1)
	}
	return out
}

// definition finds the fragment a spread names.
func (w *walker) definition(sel *ast.FragmentSpread) *ast.FragmentDefinition {
	if sel.Definition != nil {
		return sel.Definition
	}
	return w.defs.ForName(sel.Name)
}

// checkPage refuses first or last over MaxPageSize or below zero.
func (w *walker) checkPage(f *ast.Field) {
	if w.err != nil || f.Definition == nil || w.vars == nil {
		return
	}
	args := f.ArgumentMap(w.vars)
	if isConnection(f.Definition) && args["first"] == nil && args["last"] == nil &&
		(f.Arguments.ForName("first") != nil || f.Arguments.ForName("last") != nil) {
		// Absent arguments got the default page size when the document was
		// cached; arguments whose variables are null would load every row.
		w.err = &gqlerror.Error{
			Message:    fmt.Sprintf("first or last on %s is null: give it a value, or leave both out for the default page size (%d)", f.Name, DefaultPageSize),
			Extensions: map[string]any{"code": CodeBadUserInput},
		}
		return
	}
	for _, name := range []string{"first", "last"} {
		v, ok := args[name]
		if !ok || v == nil {
			continue
		}
		n, ok := asInt(v)
		if !ok || n < 0 || n > MaxPageSize {
			w.err = &gqlerror.Error{
				Message:    fmt.Sprintf("%s on %s must be between 0 and %d", name, f.Name, MaxPageSize),
				Extensions: map[string]any{"code": CodeBadUserInput},
			}
			return
		}
	}
}

// asInt reads an integer argument value.
func asInt(v any) (int64, bool) {
	switch v := v.(type) {
	case int:
		return int64(v), true
	case int64:
		return v, true
	case float64:
		return int64(v), float64(int64(v)) == v
	case interface{ Int64() (int64, error) }:
		n, err := v.Int64()
		return n, err == nil
	}
	return 0, false
}

// tooLarge is the error of an operation over a shape limit.
func tooLarge(format string, args ...any) *gqlerror.Error {
	return &gqlerror.Error{
		Message:    fmt.Sprintf(format, args...),
		Extensions: map[string]any{"code": codeQueryTooLarge},
	}
}

// pagedDocuments is the query cache. A document entering it gets
// "first: DefaultPageSize" on every connection field that has neither first
// nor last: entgql's eager loading of nested connections reads the
// arguments from the document, and would otherwise load every row. gqlgen
// adds a document right after validating it, before it is used or shared.
type pagedDocuments struct {
	graphql.Cache[*ast.QueryDocument]
}

// Add implements graphql.Cache.
func (c pagedDocuments) Add(ctx context.Context, key string, doc *ast.QueryDocument) {
	for _, op := range doc.Operations {
		defaultFirst(op.SelectionSet)
	}
	for _, f := range doc.Fragments {
		defaultFirst(f.SelectionSet)
	}
	c.Cache.Add(ctx, key, doc)
}

// isConnection reports whether a field is a paginated connection.
func isConnection(d *ast.FieldDefinition) bool {
	return d != nil && d.Arguments.ForName("first") != nil && d.Arguments.ForName("last") != nil
}

// defaultFirst adds the default page size to connection fields of set.
func defaultFirst(set ast.SelectionSet) {
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			if isConnection(sel.Definition) && sel.Arguments.ForName("first") == nil && sel.Arguments.ForName("last") == nil {
				sel.Arguments = append(sel.Arguments, &ast.Argument{
					Name:     "first",
					Value:    &ast.Value{Kind: ast.IntValue, Raw: strconv.Itoa(DefaultPageSize), Position: sel.Position},
					Position: sel.Position,
				})
			}
			defaultFirst(sel.SelectionSet)
		case *ast.InlineFragment:
			defaultFirst(sel.SelectionSet)
		}
	}
}
