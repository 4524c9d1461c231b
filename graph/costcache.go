package graph

import (
	"context"
	"encoding/json"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// pricedOnce is gqlgen's complexity limit with the price of an operation
// kept: working it out walks the whole operation, coercing every field's
// arguments (5 % of an uncached product page). An operation's price
// depends on its document and on the values of few of its variables: those
// read by the arguments the cost rule reads (a connection's page size and
// where filters, a byIDs field's IDs: pricedSchema.Complexity, whose other
// fields cost what gqlgen's default says, whatever their arguments) and by
// directives (@include and @skip: gqlgen's walk does not read them today,
// it may). So a price is kept
// per parsed operation and those values; the product page, whose one
// variable is the product's ID, is priced once.
type pricedOnce struct {
	*extension.ComplexityLimit
	fields map[string]*fieldShape
	// variables are, per operation, the names of the variables its price
	// reads; prices the prices by operation and their values.
	variables *lru.Cache[*ast.OperationDefinition, []string]
	prices    *lru.Cache[priceKey, int]
}

// maxPricedValues bounds the JSON of the values in a kept price's key.
const maxPricedValues = 1 << 10

type priceKey struct {
	op     *ast.OperationDefinition
	values string // the JSON of the price variables' values, in order
}

func newPricedOnce(limit *extension.ComplexityLimit, schema pricedSchema) *pricedOnce {
	variables, _ := lru.New[*ast.OperationDefinition, []string](1000)
	prices, _ := lru.New[priceKey, int](1000)
	return &pricedOnce{ComplexityLimit: limit, fields: schema.fields, variables: variables, prices: prices}
}

// MutateOperationContext prices the operation, as gqlgen's limit does, from
// the kept price when there is one.
func (p *pricedOnce) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	op := oc.Doc.Operations.ForName(oc.OperationName)
	if op == nil {
		return p.ComplexityLimit.MutateOperationContext(ctx, oc)
	}
	names, ok := p.variables.Get(op)
	if !ok {
		names = priceVariables(oc.Doc, op.SelectionSet, p.fields)
		p.variables.Add(op, names)
	}
	values := make([]any, len(names))
	for i, n := range names {
		values[i] = oc.Variables[n]
	}
	text, err := json.Marshal(values)
	if err != nil || len(text) > maxPricedValues || len(oc.RawQuery) > maxKeptKey {
		// Big keys are not kept: a key holds its values and, through its
		// operation, the document's text.
		return p.ComplexityLimit.MutateOperationContext(ctx, oc)
	}
	key := priceKey{op, string(text)}
	price, kept := p.prices.Get(key)
	if !kept {
		gqlErr := p.ComplexityLimit.MutateOperationContext(ctx, oc)
		if stats, ok := oc.Stats.GetExtension(p.ExtensionName()).(*extension.ComplexityStats); ok {
			p.prices.Add(key, stats.Complexity)
		}
		return gqlErr
	}
	limit := p.Func(ctx, oc)
	oc.Stats.SetExtension(p.ExtensionName(), &extension.ComplexityStats{Complexity: price, ComplexityLimit: limit})
	if price > limit {
		return complexityRefusal(price, limit)
	}
	return nil
}

// complexityRefusal is the error of gqlgen's limit for an operation priced
// over it.
func complexityRefusal(price, limit int) *gqlerror.Error {
	err := gqlerror.Errorf("operation has complexity %d, which exceeds the limit of %d", price, limit)
	errcode.Set(err, codeComplexityLimit)
	return err
}

// priceVariables are the variables that the price of a selection reads
// (see pricedOnce).
func priceVariables(doc *ast.QueryDocument, sel ast.SelectionSet, fields map[string]*fieldShape) []string {
	var names []string
	walkSelections(doc, sel, func(ds ast.DirectiveList) { names = directiveVariables(ds, names) }, func(f *ast.Field) {
		if f.ObjectDefinition == nil {
			return
		}
		if shape := fields[f.ObjectDefinition.Name+"."+f.Name]; shape != nil && (shape.connection || shape.byIDs) {
			for _, a := range f.Arguments {
				names = valueVariables(a.Value, names)
			}
		}
	})
	return names
}

// walkSelections calls directives with the directives of every field,
// inline fragment, fragment spread and spread fragment of a selection, and
// field with every field, going through each fragment once.
func walkSelections(doc *ast.QueryDocument, sel ast.SelectionSet, directives func(ast.DirectiveList), field func(*ast.Field)) {
	spread := map[string]bool{}
	var walk func(ast.SelectionSet)
	walk = func(sel ast.SelectionSet) {
		for _, s := range sel {
			switch s := s.(type) {
			case *ast.Field:
				directives(s.Directives)
				field(s)
				walk(s.SelectionSet)
			case *ast.InlineFragment:
				directives(s.Directives)
				walk(s.SelectionSet)
			case *ast.FragmentSpread:
				directives(s.Directives)
				if spread[s.Name] {
					continue
				}
				spread[s.Name] = true
				if def := doc.Fragments.ForName(s.Name); def != nil {
					directives(def.Directives)
					walk(def.SelectionSet)
				}
			}
		}
	}
	walk(sel)
}

func directiveVariables(ds ast.DirectiveList, names []string) []string {
	for _, d := range ds {
		for _, a := range d.Arguments {
			names = valueVariables(a.Value, names)
		}
	}
	return names
}

// valueVariables adds the variables a value names (in lists and objects
// too), each once.
func valueVariables(v *ast.Value, names []string) []string {
	if v == nil {
		return names
	}
	if v.Kind == ast.Variable {
		for _, n := range names {
			if n == v.Raw {
				return names
			}
		}
		return append(names, v.Raw)
	}
	for _, c := range v.Children {
		names = valueVariables(c.Value, names)
	}
	return names
}
