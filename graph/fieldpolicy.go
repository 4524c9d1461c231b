package graph

import (
	"context"
	"fmt"
	"reflect"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"servicesupport/auth"
	"servicesupport/policy"
)

// authorizeFields is the field middleware that applies policy's table of
// who reads each field (policy/fields.go) on every path: node, nodes,
// nested edges, connections, mutation payloads and subscriptions alike. A
// root field the viewer may not run is refused with FORBIDDEN; any other
// field it may not read answers null, or an empty list or connection,
// without running its resolver. Most fields are readable by anyone who
// reads their object, and cost one map lookup.
func authorizeFields(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	reader := policy.ReaderOf(fc.Object, fc.Field.Name)
	switch reader {
	case policy.Anyone, policy.ByOperation:
		return next(ctx)
	case policy.Unclassified:
		// Introspection is schema, not data; the classification test
		// keeps every other field in the table.
		if strings.HasPrefix(fc.Object, "__") || strings.HasPrefix(fc.Field.Name, "__") {
			return next(ctx)
		}
	}
	if reader.MayRead(auth.FromContext(ctx), parentObject(fc)) {
		return next(ctx)
	}
	if isRoot(fc.Object) {
		return nil, errForbidden(ctx, reader.Refusal(fc.Object, fc.Field.Name).Error())
	}
	m, err := emptyAnswer(graphql.GetOperationContext(ctx), fc.Field.Definition.Type, fc.Field.Selections)
	if m == nil {
		return nil, err // null: gqlgen answers a nullable field's nil as null
	}
	return m, nil
}

// isRoot reports whether typ is one of the schema's operation types.
func isRoot(typ string) bool {
	for _, def := range []*ast.Definition{parsedSchema.Query, parsedSchema.Mutation, parsedSchema.Subscription} {
		if def != nil && def.Name == typ {
			return true
		}
	}
	return false
}

// parentObject is the object whose field fc resolves (nil for a root
// field). gqlgen keeps a list element's result as a pointer into the list
// (&v[i]: a *ent.Noder, a **ent.Seller), so pointers to pointers and
// interfaces are unwrapped; Owner (policy) then finds its seller.
func parentObject(fc *graphql.FieldContext) any {
	if fc.Parent == nil || fc.Parent.Result == nil {
		return nil
	}
	v := reflect.ValueOf(fc.Parent.Result)
	for v.Kind() == reflect.Pointer && !v.IsNil() {
		switch v.Elem().Kind() {
		case reflect.Pointer, reflect.Interface:
			v = v.Elem()
			if v.Kind() == reflect.Interface {
				v = v.Elem()
			}
			continue
		}
		return v.Interface()
	}
	return nil
}

// emptyAnswer is what a hidden field answers: an empty list for a list;
// nil (null) for any other nullable type; for a non-null object (a
// connection and its pageInfo) that object in the shape the query
// selected, whose lists are empty, counts zero and flags false. gqlgen writes a Marshaler returned by a
// field middleware as the field's value (graphql.ResolveField), so this
// needs no Go type of the field; a non-null leaf it cannot empty (a
// string, an enum, an interface) is an error, and the classification
// test keeps hidden fields to the types this empties.
func emptyAnswer(oc *graphql.OperationContext, t *ast.Type, sel ast.SelectionSet) (graphql.Marshaler, error) {
	switch {
	case t.Elem != nil:
		return graphql.Array{}, nil
	case !t.NonNull:
		return nil, nil
	case t.NamedType == "Int":
		return graphql.MarshalInt(0), nil
	case t.NamedType == "Boolean":
		return graphql.MarshalBoolean(false), nil
	}
	def := parsedSchema.Types[t.NamedType]
	if def == nil || def.Kind != ast.Object {
		return nil, fmt.Errorf("a hidden field of type %s cannot read as empty", t)
	}
	fields := graphql.CollectFields(oc, sel, []string{def.Name})
	out := graphql.NewFieldSet(fields)
	for i, f := range fields {
		if f.Name == "__typename" {
			out.Values[i] = graphql.MarshalString(def.Name)
			continue
		}
		v, err := emptyAnswer(oc, f.Definition.Type, f.Selections)
		if err != nil {
			return nil, err
		}
		if v == nil {
			v = graphql.Null
		}
		out.Values[i] = v
	}
	return out, nil
}
