package graph

import (
	"context"
	"math"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// pricedExecutableSchema is the server's schema with the cost rule applied
// to every field, so that gqlgen's complexity limit (and the cost a
// request is charged) bounds the rows an operation can ask for. (The name
// executableSchema is taken by gqlgen's generated type.)
func pricedExecutableSchema(resolvers *Resolver) graphql.ExecutableSchema {
	es := NewExecutableSchema(Config{Resolvers: resolvers})
	return pricedSchema{ExecutableSchema: es, fields: schemaFields(es.Schema())}
}

// pricedSchema prices fields by their shape instead of by a hand-kept list:
// a connection (a field with first and last) costs its page size times its
// children, plus the terms of its where filters; a field taking a list of
// IDs (nodes) costs one child per ID. A connection added to the schema is
// priced without anyone remembering to.
type pricedSchema struct {
	graphql.ExecutableSchema
	fields map[string]*fieldShape
}

// fieldShape is what the cost rule and the argument checks know of a field
// of the schema.
type fieldShape struct {
	// connection: the field is paginated (first or last).
	connection bool
	// byIDs: the field takes a list of IDs and answers one object each.
	byIDs bool
	// where names the field's entgql WhereInput arguments.
	where []string
	// orderKinds maps each orderBy field (an enum value) to the kind of
	// value its cursors carry, for connections.
	orderKinds map[string]valueKind
	// defaultKind is the kind of the cursor value of the default order
	// (by ID; entgql then writes no value at all).
	defaultKind valueKind
}

// Complexity implements graphql.ExecutableSchema.
func (s pricedSchema) Complexity(ctx context.Context, typeName, field string, child int, args map[string]any) (int, bool) {
	f := s.fields[typeName+"."+field]
	switch {
	case f == nil:
	case f.connection:
		return safeCost(1, pageSize(args), child, whereTerms(f, args)), true
	case f.byIDs:
		ids, _ := args["ids"].([]any)
		return safeCost(1, len(ids), child, 0), true
	}
	return s.ExecutableSchema.Complexity(ctx, typeName, field, child, args)
}

// safeCost is base + n × max(child, 1) + extra, saturating instead of
// overflowing (gqlgen adds costs the same way).
func safeCost(base, n, child, extra int) int {
	const ceiling = math.MaxInt32
	n, child, extra = max(n, 0), max(child, 1), min(max(extra, 0), ceiling)
	if n > ceiling/child {
		return ceiling
	}
	return min(base+n*child+extra, ceiling)
}

// pageSize is the page a connection asks for: first or last, clamped to
// MaxPageSize (larger ones are refused before they run), or the default.
func pageSize(args map[string]any) int {
	for _, name := range []string{"first", "last"} {
		if n, ok := asInt(args[name]); ok {
			return int(max(0, min(n, MaxPageSize)))
		}
	}
	return DefaultPageSize
}

// whereTerms counts the predicates of a connection's where filters.
func whereTerms(f *fieldShape, args map[string]any) int {
	n := 0
	for _, name := range f.where {
		n += measureWhere(args[name]).terms
	}
	return n
}

// schemaFields describes every field of the schema's object types that the
// cost rule or the argument checks treat specially, keyed "Type.field".
func schemaFields(s *ast.Schema) map[string]*fieldShape {
	out := map[string]*fieldShape{}
	for _, t := range s.Types {
		if t.Kind != ast.Object || strings.HasPrefix(t.Name, "__") {
			continue
		}
		for _, d := range t.Fields {
			f := &fieldShape{connection: paginated(d)}
			if ids := d.Arguments.ForName("ids"); ids != nil && ids.Type.Elem != nil && d.Type.Elem != nil {
				f.byIDs = true
			}
			for _, a := range d.Arguments {
				if isWhereInput(a.Type) {
					f.where = append(f.where, a.Name)
				}
			}
			if f.connection {
				f.orderKinds, f.defaultKind = cursorKinds(s, d)
			}
			if f.connection || f.byIDs || f.where != nil {
				out[t.Name+"."+d.Name] = f
			}
		}
	}
	return out
}

// paginated reports whether a field takes first or last: a connection,
// for the cost rule and the argument checks. (isConnection, which wants
// both, decides where the default page size can be added.)
func paginated(d *ast.FieldDefinition) bool {
	return d != nil && (d.Arguments.ForName("first") != nil || d.Arguments.ForName("last") != nil)
}

// isWhereInput reports whether an argument is an entgql where filter
// (entgql names their input types so).
func isWhereInput(t *ast.Type) bool {
	return t.Elem == nil && strings.HasSuffix(t.Name(), "WhereInput")
}

// cursorKinds finds, for a connection, the kind of cursor value each of its
// orderBy fields produces. entgql names an order field after the node's
// field (CREATED_AT orders by createdAt), whose GraphQL type gives the
// kind; an order field with no such node field gets kindScalar. Without
// orderBy a connection is ordered by ID.
func cursorKinds(s *ast.Schema, d *ast.FieldDefinition) (map[string]valueKind, valueKind) {
	kinds := map[string]valueKind{}
	order := d.Arguments.ForName("orderBy")
	if order == nil || order.Type.Elem != nil {
		return kinds, kindInt
	}
	node := fieldType(s, s.Types[d.Type.Name()], "edges", "node")
	if enum := fieldType(s, s.Types[order.Type.Name()], "field"); enum != nil {
		for _, v := range enum.EnumValues {
			kinds[v.Name] = kindScalar
			if node != nil {
				if nf := node.Fields.ForName(camelCase(v.Name)); nf != nil {
					kinds[v.Name] = kindOf(s, nf.Type)
				}
			}
		}
	}
	return kinds, kindInt
}

// fieldType follows a path of field names from a type (edges, then node)
// to the type at its end; nil when there is none.
func fieldType(s *ast.Schema, t *ast.Definition, path ...string) *ast.Definition {
	for _, name := range path {
		if t == nil {
			return nil
		}
		f := t.Fields.ForName(name)
		if f == nil {
			return nil
		}
		t = s.Types[f.Type.Name()]
	}
	return t
}

// camelCase turns an enum value (CREATED_AT) into a field name (createdAt).
func camelCase(s string) string {
	parts := strings.Split(strings.ToLower(s), "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}

// kindOf is the kind of cursor value a field of this GraphQL type gives.
func kindOf(s *ast.Schema, t *ast.Type) valueKind {
	if t.Elem != nil {
		return kindScalar
	}
	switch t.Name() {
	case "String":
		return kindString
	case "ID", "Int":
		return kindInt
	case "Float":
		return kindFloat
	case "Boolean":
		return kindBool
	case "Time":
		return kindTime
	}
	if def := s.Types[t.Name()]; def != nil && def.Kind == ast.Enum {
		return kindString
	}
	return kindScalar
}
