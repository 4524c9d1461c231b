package graph

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
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
	// MaxWhereDepth caps how deeply a where filter nests (not, and, or),
	// the filter itself being the first level.
	MaxWhereDepth = 5
	// MaxWhereList caps every list of a where filter: the values of idIn
	// or nameIn, the terms of or and and.
	MaxWhereList = 100
	// MaxWhereTerms caps the predicates of one where filter (nameContains,
	// idIn, …, wherever they nest); each also adds one to the cost.
	MaxWhereTerms = 50
)

// shapeLimits is a gqlgen extension that refuses operations nesting too
// deeply, with too many aliases, root fields or fields, asking for pages
// over MaxPageSize, with where filters over their limits or cursors this
// server did not give out, and operations using @defer or @stream.
type shapeLimits struct {
	// small remembers documents already found within MaxFields, so the hot
	// path (the same product-page query again and again) parses once.
	small graphql.Cache[bool]
	// introspection allows __schema and __type; without it an operation
	// asking for them is refused before it runs (gqlgen itself would only
	// fail the field, with a plain error: see presentError).
	introspection bool
	// fields describes the schema's connections (see Validate).
	fields map[string]*fieldShape
}

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
	if w.err != nil {
		return w.err
	}
	if total > MaxFields {
		return tooLarge("the operation selects more than %d fields once its fragments are expanded", MaxFields)
	}
	l.small.Add(ctx, raw.Query, true)
	return nil
}

// ExtensionName implements graphql.HandlerExtension.
func (*shapeLimits) ExtensionName() string { return "ShapeLimits" }

// Validate implements graphql.HandlerExtension: it reads the schema's
// connections, for the kinds of their cursors.
func (l *shapeLimits) Validate(es graphql.ExecutableSchema) error {
	l.fields = schemaFields(es.Schema())
	return nil
}

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
	w := walker{vars: vars, fragments: map[string]shape{}, noIntrospection: !l.introspection, fields: l.fields}
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
	// fields describes the schema's connections; nil reads every cursor
	// value as of kindScalar.
	fields map[string]*fieldShape
	err    *gqlerror.Error
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
			if w.noIntrospection && isIntrospection(sel.Name) && w.err == nil {
				w.err = errIntrospectionDisabled()
			}
			s.depth++
			s.fields++
			if sel.Alias != "" && sel.Alias != sel.Name {
				s.aliases++
			}
			w.checkDirectives(sel.Directives)
			w.checkArguments(sel)
		case *ast.InlineFragment:
			w.checkDirectives(sel.Directives)
			s = w.selections(sel.SelectionSet)
		case *ast.FragmentSpread:
			w.checkDirectives(sel.Directives)
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

// checkArguments refuses, before anything runs, the arguments of a field
// that would fail in the database rather than be refused: pages over
// MaxPageSize, cursors this server did not give out, where filters over
// their limits.
func (w *walker) checkArguments(f *ast.Field) {
	if w.err != nil || f.Definition == nil || w.vars == nil || len(f.Arguments) == 0 {
		return
	}
	args := f.ArgumentMap(w.vars)
	if paginated(f.Definition) {
		w.checkPage(f, args)
		w.checkCursors(f, args)
	}
	for _, a := range f.Definition.Arguments {
		if w.err == nil && isWhereInput(a.Type) {
			w.checkWhere(f, a.Name, args[a.Name])
		}
	}
}

// checkPage refuses first or last over MaxPageSize or below zero.
func (w *walker) checkPage(f *ast.Field, args map[string]any) {
	if args["first"] == nil && args["last"] == nil &&
		(f.Arguments.ForName("first") != nil || f.Arguments.ForName("last") != nil) {
		// Absent arguments got the default page size when the document was
		// cached; arguments whose variables are null would load every row.
		w.err = badInput("first or last on %s is null: give it a value, or leave both out for the default page size (%d)", f.Name, DefaultPageSize)
		return
	}
	for _, name := range []string{"first", "last"} {
		v, ok := args[name]
		if !ok || v == nil {
			continue
		}
		n, ok := asInt(v)
		if !ok || n < 0 || n > MaxPageSize {
			w.err = badInput("%s on %s must be between 0 and %d", name, f.Name, MaxPageSize)
			return
		}
	}
}

// checkCursors refuses after and before arguments that are not cursors of
// this connection and its order.
func (w *walker) checkCursors(f *ast.Field, args map[string]any) {
	kind := kindScalar
	if shape := w.fields[fieldKey(f)]; shape != nil {
		kind = shape.defaultKind
		if order, ok := args["orderBy"].(map[string]any); ok {
			if field, ok := order["field"].(string); ok {
				if k, ok := shape.orderKinds[field]; ok {
					kind = k
				}
			}
		}
	}
	for _, name := range []string{"after", "before"} {
		if v := args[name]; v != nil {
			if problem := cursorProblem(v, kind); problem != "" {
				w.err = badInput("%s on %s %s", name, f.Name, problem)
				return
			}
		}
	}
}

// fieldKey names a selected field as schemaFields does.
func fieldKey(f *ast.Field) string {
	if f.ObjectDefinition == nil {
		return ""
	}
	return f.ObjectDefinition.Name + "." + f.Name
}

// checkWhere refuses a where filter over MaxWhereDepth, MaxWhereList or
// MaxWhereTerms: SQL over such a filter fails in the database (too many
// variables, an expression tree too deep) or costs far more than its page.
func (w *walker) checkWhere(f *ast.Field, arg string, v any) {
	size := measureWhere(v)
	switch {
	case size.depth > MaxWhereDepth:
		w.err = tooLarge("%s on %s nests more than %d levels deep", arg, f.Name, MaxWhereDepth)
	case size.list > MaxWhereList:
		w.err = tooLarge("%s on %s has a list of more than %d values or terms", arg, f.Name, MaxWhereList)
	case size.terms > MaxWhereTerms:
		w.err = tooLarge("%s on %s has more than %d predicates", arg, f.Name, MaxWhereTerms)
	case size.empty:
		// entgql cannot build a predicate of an empty object inside not,
		// and or or (it fails the query): say so before it runs.
		w.err = &gqlerror.Error{
			Message:    fmt.Sprintf("%s on %s has an empty filter inside not, and or or: give it a condition or leave it out", arg, f.Name),
			Extensions: map[string]any{"code": CodeBadUserInput},
		}
	}
}

// whereSize is what measureWhere finds of a where filter.
type whereSize struct {
	depth, list, terms int
	// empty: an object below the top has no condition.
	empty bool
}

// over reports whether the filter is over a limit already.
func (s *whereSize) over() bool {
	return s.depth > MaxWhereDepth || s.list > MaxWhereList || s.terms > MaxWhereTerms
}

// measureWhere measures a where filter as gqlgen coerced it (maps, lists,
// scalars): its nesting depth, its longest list, and its predicates (a
// field with a value, a list of values counting once; not, and and or
// count what they hold). The walk stops once the filter is over a limit,
// so a huge filter costs little to refuse.
func measureWhere(v any) whereSize {
	var s whereSize
	s.add(v, 1)
	return s
}

// add measures one input object of the filter, at depth.
func (s *whereSize) add(v any, depth int) {
	m, ok := v.(map[string]any)
	if !ok || s.over() {
		return
	}
	s.depth = max(s.depth, depth)
	conditions := 0
	defer func() { s.empty = s.empty || (depth > 1 && conditions == 0) }()
	for _, x := range m {
		if s.over() {
			return
		}
		if x != nil {
			conditions++
		}
		switch x := x.(type) {
		case nil:
		case map[string]any:
			s.add(x, depth+1)
		case []any:
			s.list = max(s.list, len(x))
			if len(x) > MaxWhereList {
				return
			}
			objects := false
			for _, e := range x {
				if _, ok := e.(map[string]any); ok {
					objects = true
					s.add(e, depth+1)
				}
			}
			if !objects {
				s.terms++
			}
		default:
			s.terms++
		}
	}
}

// checkDirectives refuses @defer and @stream: gqlgen would answer the
// first part with "hasNext": true and never send the rest over the
// transports this server has, so they are refused before anything runs.
func (w *walker) checkDirectives(list ast.DirectiveList) {
	for _, d := range list {
		if w.err == nil && (d.Name == "defer" || d.Name == "stream") {
			w.err = &gqlerror.Error{
				Message:    fmt.Sprintf("@%s is not supported: ask for the fields without it, and they come in the one answer", d.Name),
				Extensions: map[string]any{"code": codeDeferNotSupported},
			}
		}
	}
}

// isIntrospection reports whether a root field is an introspection field
// (__typename is not: it is allowed even with introspection off).
func isIntrospection(name string) bool { return name == "__schema" || name == "__type" }

// errIntrospectionDisabled refuses introspection while it is off.
func errIntrospectionDisabled() *gqlerror.Error {
	return &gqlerror.Error{
		Message:    "introspection is disabled on this server",
		Extensions: map[string]any{"code": codeIntrospectionDisabled},
	}
}

// badInput is the error of an argument refused before execution.
func badInput(format string, args ...any) *gqlerror.Error {
	return &gqlerror.Error{
		Message:    fmt.Sprintf(format, args...),
		Extensions: map[string]any{"code": CodeBadUserInput},
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
