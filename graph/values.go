package graph

import (
	"bytes"
	"context"
	"io"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"servicesupport/policy"
	"servicesupport/schedule"
)

// A group's hours are lists of small value objects (TimeRange, DayHours,
// Closure: a product page shows some forty of them), and gqlgen works out
// each of their fields as it does any field: a field context, the field
// middlewares, a goroutine per list element. renderValues, the innermost
// field middleware, writes a list of them itself from the selection
// instead, as gqlgen would have written it (TestValueRenderingAnswersAsGqlgen
// compares the two). It changes nothing else: the field itself went through
// the field policy and the other middlewares; the value types' own fields
// are readable by anyone (checked below), hold no edges and no resolvers
// that read anything, and count for the cost as gqlgen's execution counts
// them (valueAnswer.objects, read by countObjects).

// valueTypes are the GraphQL value object types renderValues writes.
var valueTypes = map[string]bool{"TimeRange": true, "DayHours": true, "Closure": true}

func init() {
	for name := range valueTypes {
		def := parsedSchema.Types[name]
		if def == nil {
			panic("graph: value type " + name + " is not in the schema")
		}
		for _, f := range def.Fields {
			if policy.ReaderOf(name, f.Name) != policy.Anyone {
				panic("graph: " + name + "." + f.Name + " is not readable by anyone: renderValues would skip its policy")
			}
		}
	}
}

// valueAnswer is a list of value objects written out: what the field
// answers, and how many objects it holds (the list's and their nested
// lists' elements, as countObjects counts executed fields).
type valueAnswer struct {
	json    []byte
	objects int
}

// MarshalGQL writes the answer.
func (v valueAnswer) MarshalGQL(w io.Writer) { _, _ = w.Write(v.json) }

// renderValues is the field middleware that writes lists of value objects
// (see above). Anything it does not know the shape of (a type, a field, a
// nil element) is left to gqlgen.
func renderValues(ctx context.Context, next graphql.Resolver) (any, error) {
	res, err := next(ctx)
	fc := graphql.GetFieldContext(ctx)
	if err != nil || fc == nil || fc.Field.Definition == nil || !valueTypes[fc.Field.Definition.Type.Name()] {
		return res, err
	}
	r := valueRenderer{oc: graphql.GetOperationContext(ctx)}
	if !r.list(fc.Field.Definition.Type.Name(), fc.Field.Selections, res) {
		return res, err
	}
	return valueAnswer{json: r.out.Bytes(), objects: r.objects}, nil
}

// valueRenderer writes value objects as gqlgen's executor would: fields in
// their collected order under their response names, strings as
// graphql.MarshalString writes them.
type valueRenderer struct {
	oc      *graphql.OperationContext
	out     bytes.Buffer
	objects int
}

// list writes res, a list of the type's objects, with the selection; false
// if res is not a list it knows, or a field is deferred (the shape limits
// refuse @defer today; were it allowed, gqlgen would answer it).
func (r *valueRenderer) list(typ string, sel ast.SelectionSet, res any) bool {
	fields := graphql.CollectFields(r.oc, sel, []string{typ})
	for _, f := range fields {
		if f.IsDeferred() {
			return false
		}
	}
	switch v := res.(type) {
	case []schedule.TimeRange:
		return each(r, v, func(e *schedule.TimeRange) bool { return r.timeRange(fields, e) })
	case []*schedule.TimeRange:
		return eachPointer(r, v, func(e *schedule.TimeRange) bool { return r.timeRange(fields, e) })
	case []schedule.DayHours:
		return each(r, v, func(e *schedule.DayHours) bool { return r.dayHours(fields, e) })
	case []*schedule.DayHours:
		return eachPointer(r, v, func(e *schedule.DayHours) bool { return r.dayHours(fields, e) })
	case []schedule.Closure:
		return each(r, v, func(e *schedule.Closure) bool { return r.closure(fields, e) })
	case []*schedule.Closure:
		return eachPointer(r, v, func(e *schedule.Closure) bool { return r.closure(fields, e) })
	}
	return false
}

// each writes a JSON array of the elements of v, one object each.
func each[T any](r *valueRenderer, v []T, write func(*T) bool) bool {
	r.out.WriteByte('[')
	for i := range v {
		if i > 0 {
			r.out.WriteByte(',')
		}
		if !write(&v[i]) {
			return false
		}
	}
	r.out.WriteByte(']')
	r.objects += len(v)
	return true
}

// eachPointer is each for a list of pointers; a nil one (a null in a list
// of non-null objects) is left to gqlgen's error.
func eachPointer[T any](r *valueRenderer, v []*T, write func(*T) bool) bool {
	for _, e := range v {
		if e == nil {
			return false
		}
	}
	return each(r, v, func(e **T) bool { return write(*e) })
}

// object writes one object: each field's response name and what value
// writes for it (false: a field it does not know).
func (r *valueRenderer) object(typ string, fields []graphql.CollectedField, value func(f graphql.CollectedField) bool) bool {
	r.out.WriteByte('{')
	for i, f := range fields {
		if i > 0 {
			r.out.WriteByte(',')
		}
		graphql.MarshalString(f.Alias).MarshalGQL(&r.out)
		r.out.WriteByte(':')
		if f.Name == "__typename" {
			graphql.MarshalString(typ).MarshalGQL(&r.out)
			continue
		}
		if !value(f) {
			return false
		}
	}
	r.out.WriteByte('}')
	return true
}

func (r *valueRenderer) str(s string) bool {
	graphql.MarshalString(s).MarshalGQL(&r.out)
	return true
}

func (r *valueRenderer) timeRange(fields []graphql.CollectedField, t *schedule.TimeRange) bool {
	return r.object("TimeRange", fields, func(f graphql.CollectedField) bool {
		switch f.Name {
		case "start":
			return r.str(t.Start)
		case "end":
			return r.str(t.End)
		}
		return false
	})
}

func (r *valueRenderer) dayHours(fields []graphql.CollectedField, d *schedule.DayHours) bool {
	return r.object("DayHours", fields, func(f graphql.CollectedField) bool {
		switch f.Name {
		case "day":
			d.Day.MarshalGQL(&r.out)
			return true
		case "hours":
			return r.list("TimeRange", f.Selections, d.Hours)
		}
		return false
	})
}

func (r *valueRenderer) closure(fields []graphql.CollectedField, c *schedule.Closure) bool {
	return r.object("Closure", fields, func(f graphql.CollectedField) bool {
		switch f.Name {
		case "date":
			return r.str(c.Date)
		case "name":
			if c.Name == nil {
				r.out.WriteString("null")
				return true
			}
			return r.str(*c.Name)
		case "hours":
			return r.list("TimeRange", f.Selections, c.Hours)
		}
		return false
	})
}
