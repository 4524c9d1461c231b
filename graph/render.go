package graph

import (
	"bytes"
	"context"
	"io"
	"slices"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"servicesupport/ent"
	"servicesupport/graph/model"
	"servicesupport/policy"
	"servicesupport/schedule"
)

// gqlgen works out every field of an answer the same way: a field context,
// the field middlewares, a goroutine for each resolver field and list
// element, about 2 µs and 14 allocations a field; a product page has some
// sixty, most of them the group's hours, lists of small value objects.
// renderAnswers, the innermost field middleware, writes the answer of a
// field whose type it knows (renderedFields) itself instead, from the
// selection, as gqlgen would have written it (TestRenderingAnswersAsGqlgen
// compares the two, byte for byte and cost for cost), calling the same
// resolvers. What it writes is what gqlgen would have let through:
//
//   - the field itself went through the field policy and the other
//     middlewares, and each field it writes below is readable by anyone who
//     reads its object (checked in init), so the field policy lets each
//     through; who reads the object its privacy policy decided when the
//     object was loaded;
//   - it writes an entity edge only once loaded (eagerly, or by
//     joinCompanions), under the privacy policy of the query that loaded
//     it: one that is not would take a query, and is left to gqlgen;
//   - it counts the objects it writes as countObjects counts executed
//     fields (valueAnswer.objects);
//   - anything it does not know (a type, a field, a null where the schema
//     says non-null, a resolver's error, a deferred fragment, a panic)
//     makes it write nothing: gqlgen then works out the whole field, as it
//     would without it, and reports what is wrong where it is;
//   - an answer being recorded for the page cache keeps its entities to
//     gqlgen, where recordHoles sees the clock fields; value lists it
//     writes, as they hold no hole.

// valueTypes are the types it writes whatever the answer: they hold no
// clock field and no edge.
var valueTypes = map[string]bool{"TimeRange": true, "DayHours": true, "Closure": true}

// A fieldWriter writes a field's value of obj; false if it cannot.
type fieldWriter func(r *renderer, f graphql.CollectedField, obj any) bool

// on makes a fieldWriter for objects of the Go type O.
func on[O any](write func(r *renderer, f graphql.CollectedField, o O) bool) fieldWriter {
	return func(r *renderer, f graphql.CollectedField, obj any) bool {
		o, ok := obj.(O)
		return ok && write(r, f, o)
	}
}

// renderedFields are the fields renderAnswers writes, by type: every field
// of the value types, and the fields of a product page's entities that
// need no query of their own.
var renderedFields map[string]map[string]fieldWriter

func init() {
	renderedFields = map[string]map[string]fieldWriter{
		"TimeRange": {
			"start": on(func(r *renderer, _ graphql.CollectedField, t *schedule.TimeRange) bool { return r.str(t.Start) }),
			"end":   on(func(r *renderer, _ graphql.CollectedField, t *schedule.TimeRange) bool { return r.str(t.End) }),
		},
		"DayHours": {
			"day":   on(func(r *renderer, _ graphql.CollectedField, d *schedule.DayHours) bool { return r.marshal(d.Day) }),
			"hours": on(func(r *renderer, f graphql.CollectedField, d *schedule.DayHours) bool { return r.write(f, d.Hours) }),
		},
		"Closure": {
			"date": on(func(r *renderer, _ graphql.CollectedField, c *schedule.Closure) bool { return r.str(c.Date) }),
			"name": on(func(r *renderer, _ graphql.CollectedField, c *schedule.Closure) bool {
				if c.Name == nil {
					return r.null()
				}
				return r.str(*c.Name)
			}),
			"hours": on(func(r *renderer, f graphql.CollectedField, c *schedule.Closure) bool { return r.write(f, c.Hours) }),
		},
		"PreSalesContact": {
			"phone": on(func(r *renderer, _ graphql.CollectedField, c *model.PreSalesContact) bool { return r.str(c.Phone) }),
			"email": on(func(r *renderer, _ graphql.CollectedField, c *model.PreSalesContact) bool { return r.str(c.Email) }),
		},
		"Seller": {
			"id":   on(func(r *renderer, _ graphql.CollectedField, s *ent.Seller) bool { return r.marshal(MarshalID(s.ID)) }),
			"name": on(func(r *renderer, _ graphql.CollectedField, s *ent.Seller) bool { return r.str(s.Name) }),
		},
		"Product": {
			"id":         on(func(r *renderer, _ graphql.CollectedField, p *ent.Product) bool { return r.marshal(MarshalID(p.ID)) }),
			"createdAt":  on(func(r *renderer, _ graphql.CollectedField, p *ent.Product) bool { return r.time(p.CreatedAt) }),
			"updatedAt":  on(func(r *renderer, _ graphql.CollectedField, p *ent.Product) bool { return r.time(p.UpdatedAt) }),
			"name":       on(func(r *renderer, _ graphql.CollectedField, p *ent.Product) bool { return r.str(p.Name) }),
			"summary":    on(func(r *renderer, _ graphql.CollectedField, p *ent.Product) bool { return r.str(p.Summary) }),
			"status":     on(func(r *renderer, _ graphql.CollectedField, p *ent.Product) bool { return r.marshal(p.Status) }),
			"releasedAt": on(func(r *renderer, _ graphql.CollectedField, p *ent.Product) bool { return r.optionalTime(p.ReleasedAt) }),
			"version": on(func(r *renderer, _ graphql.CollectedField, p *ent.Product) bool {
				return r.marshal(graphql.MarshalInt(p.Version))
			}),
			"seller": on(func(r *renderer, f graphql.CollectedField, p *ent.Product) bool {
				s, err := p.Edges.SellerOrErr()
				return err == nil && r.write(f, s)
			}),
			"afterSalesGroup": on(func(r *renderer, f graphql.CollectedField, p *ent.Product) bool {
				g, err := p.Edges.AfterSalesGroupOrErr()
				if ent.IsNotFound(err) {
					return r.null() // loaded, and none: what the edge's resolver answers
				}
				return err == nil && r.write(f, g)
			}),
			"preSalesInfo": on(func(r *renderer, f graphql.CollectedField, p *ent.Product) bool {
				c, err := r.resolvers.product.PreSalesInfo(r.ctx, p)
				return err == nil && r.write(f, c)
			}),
		},
		"CustomerServiceGroup": {
			"id": on(func(r *renderer, _ graphql.CollectedField, g *ent.CustomerServiceGroup) bool {
				return r.marshal(MarshalID(g.ID))
			}),
			"createdAt": on(func(r *renderer, _ graphql.CollectedField, g *ent.CustomerServiceGroup) bool {
				return r.time(g.CreatedAt)
			}),
			"updatedAt": on(func(r *renderer, _ graphql.CollectedField, g *ent.CustomerServiceGroup) bool {
				return r.time(g.UpdatedAt)
			}),
			"name":  on(func(r *renderer, _ graphql.CollectedField, g *ent.CustomerServiceGroup) bool { return r.str(g.Name) }),
			"phone": on(func(r *renderer, _ graphql.CollectedField, g *ent.CustomerServiceGroup) bool { return r.str(g.Phone) }),
			"email": on(func(r *renderer, _ graphql.CollectedField, g *ent.CustomerServiceGroup) bool { return r.str(g.Email) }),
			"timeZone": on(func(r *renderer, _ graphql.CollectedField, g *ent.CustomerServiceGroup) bool {
				return r.str(g.TimeZone)
			}),
			"version": on(func(r *renderer, _ graphql.CollectedField, g *ent.CustomerServiceGroup) bool {
				return r.marshal(graphql.MarshalInt(g.Version))
			}),
			"serviceDays": on(func(r *renderer, _ graphql.CollectedField, g *ent.CustomerServiceGroup) bool {
				r.out.WriteByte('[')
				for i, d := range g.ServiceDays {
					if i > 0 {
						r.out.WriteByte(',')
					}
					d.MarshalGQL(&r.out)
				}
				r.out.WriteByte(']')
				return true
			}),
			"serviceHours": on(func(r *renderer, f graphql.CollectedField, g *ent.CustomerServiceGroup) bool {
				return r.write(f, g.ServiceHours)
			}),
			"closures": on(func(r *renderer, f graphql.CollectedField, g *ent.CustomerServiceGroup) bool {
				return r.write(f, g.Closures)
			}),
			"weeklyHours": on(func(r *renderer, f graphql.CollectedField, g *ent.CustomerServiceGroup) bool {
				days, err := r.resolvers.group.WeeklyHours(r.ctx, g)
				return err == nil && r.write(f, days)
			}),
			"todayHours": on(func(r *renderer, f graphql.CollectedField, g *ent.CustomerServiceGroup) bool {
				hours, err := r.resolvers.group.TodayHours(r.ctx, g)
				return err == nil && r.write(f, hours)
			}),
			"openNow": on(func(r *renderer, _ graphql.CollectedField, g *ent.CustomerServiceGroup) bool {
				open, err := r.resolvers.group.OpenNow(r.ctx, g)
				return err == nil && r.marshal(graphql.MarshalBoolean(open))
			}),
			"meetsServicePolicy": on(func(r *renderer, _ graphql.CollectedField, g *ent.CustomerServiceGroup) bool {
				meets, err := r.resolvers.group.MeetsServicePolicy(r.ctx, g)
				return err == nil && r.marshal(graphql.MarshalBoolean(meets))
			}),
			"nextOpenAt": on(func(r *renderer, _ graphql.CollectedField, g *ent.CustomerServiceGroup) bool {
				at, err := r.resolvers.group.NextOpenAt(r.ctx, g)
				return err == nil && r.optionalTime(at)
			}),
			"nextCloseAt": on(func(r *renderer, _ graphql.CollectedField, g *ent.CustomerServiceGroup) bool {
				at, err := r.resolvers.group.NextCloseAt(r.ctx, g)
				return err == nil && r.optionalTime(at)
			}),
		},
	}
	for typ, fields := range renderedFields {
		def := parsedSchema.Types[typ]
		if def == nil || def.Kind != ast.Object {
			panic("graph: rendered type " + typ + " is not an object type of the schema")
		}
		for name := range fields {
			if def.Fields.ForName(name) == nil {
				panic("graph: rendered field " + typ + "." + name + " is not in the schema")
			}
			if policy.ReaderOf(typ, name) != policy.Anyone {
				panic("graph: " + typ + "." + name + " is not readable by anyone who reads the object: renderAnswers would skip its policy")
			}
		}
	}
}

// valueAnswer is a field's answer written out: its JSON, and how many
// objects it holds (itself or its elements, and every object below, as
// countObjects counts executed fields).
type valueAnswer struct {
	json    []byte
	objects int
}

// MarshalGQL writes the answer.
func (v valueAnswer) MarshalGQL(w io.Writer) { _, _ = w.Write(v.json) }

// renderAnswers is the field middleware that writes answers itself (see
// above), calling the resolvers of resolvers.
func renderAnswers(resolvers ResolverRoot) graphql.FieldMiddleware {
	rs := &renderResolvers{product: resolvers.Product(), group: resolvers.CustomerServiceGroup()}
	return func(ctx context.Context, next graphql.Resolver) (any, error) {
		res, err := next(ctx)
		fc := graphql.GetFieldContext(ctx)
		if err != nil || fc == nil || fc.Field.Definition == nil {
			return res, err
		}
		typ := fc.Field.Definition.Type.Name()
		if renderedFields[typ] == nil || (!valueTypes[typ] && recording(ctx) != nil) || isNil(res) {
			return res, err
		}
		r := renderer{ctx: ctx, oc: graphql.GetOperationContext(ctx), resolvers: rs}
		if !valueTypes[typ] {
			r.out.Grow(1 << 10) // an entity's answer: a product page's is about 1.5 KB
		}
		if !r.answer(fc.Field, res) {
			return res, err
		}
		return valueAnswer{json: r.out.Bytes(), objects: r.objects}, nil
	}
}

// isNil reports whether a resolver answered nothing: gqlgen answers it
// (null, or the error of a non-null field).
func isNil(res any) bool {
	switch v := res.(type) {
	case nil:
		return true
	case *ent.Product:
		return v == nil
	case *ent.Seller:
		return v == nil
	case *ent.CustomerServiceGroup:
		return v == nil
	case *model.PreSalesContact:
		return v == nil
	}
	return false
}

// renderResolvers are the resolvers renderAnswers calls (they hold no
// state of a request).
type renderResolvers struct {
	product ProductResolver
	group   CustomerServiceGroupResolver
}

// renderer writes answers as gqlgen's executor would: fields in their
// collected order under their response names, scalars with the schema's
// marshalers.
type renderer struct {
	ctx       context.Context
	oc        *graphql.OperationContext
	resolvers *renderResolvers
	out       bytes.Buffer
	objects   int
}

// answer writes res, the answer of field f; false if it cannot (what it
// wrote is then of no use). A panic is one of those: gqlgen, working the
// field out again, reports it where it happens.
func (r *renderer) answer(f graphql.CollectedField, res any) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	return r.write(f, res)
}

// write writes v, the value of field f: an object of a rendered type or a
// list of them (false for any other Go type, and for a nil where f's type
// says non-null).
func (r *renderer) write(f graphql.CollectedField, v any) bool {
	switch v := v.(type) {
	case *ent.Product:
		return one(r, f, "Product", v)
	case *ent.Seller:
		return one(r, f, "Seller", v)
	case *ent.CustomerServiceGroup:
		return one(r, f, "CustomerServiceGroup", v)
	case *model.PreSalesContact:
		return one(r, f, "PreSalesContact", v)
	case []*ent.Product:
		return each(r, f, "Product", v)
	case []*ent.CustomerServiceGroup:
		return each(r, f, "CustomerServiceGroup", v)
	case []schedule.TimeRange:
		return each(r, f, "TimeRange", pointers(v))
	case []*schedule.TimeRange:
		return each(r, f, "TimeRange", v)
	case []schedule.DayHours:
		return each(r, f, "DayHours", pointers(v))
	case []*schedule.DayHours:
		return each(r, f, "DayHours", v)
	case []schedule.Closure:
		return each(r, f, "Closure", pointers(v))
	case []*schedule.Closure:
		return each(r, f, "Closure", v)
	}
	return false
}

// one writes an object, or null for a nil one where f's type allows it.
func one[T any](r *renderer, f graphql.CollectedField, typ string, v *T) bool {
	if v == nil {
		return f.Definition != nil && !f.Definition.Type.NonNull && r.null()
	}
	return r.object(typ, f.Selections, v)
}

// each writes a JSON array of objects; a nil element (a null in a list of
// non-null objects) is left to gqlgen's error.
func each[T any](r *renderer, f graphql.CollectedField, typ string, v []*T) bool {
	if v == nil && (f.Definition == nil || !f.Definition.Type.NonNull) {
		// gqlgen answers a nil list as null where the type allows it (no
		// such list is written today), as [] where it does not.
		return f.Definition != nil && r.null()
	}
	r.out.WriteByte('[')
	for i, e := range v {
		if e == nil {
			return false
		}
		if i > 0 {
			r.out.WriteByte(',')
		}
		if !r.object(typ, f.Selections, e) {
			return false
		}
	}
	r.out.WriteByte(']')
	return true
}

// pointers are pointers to the elements of v.
func pointers[T any](v []T) []*T {
	out := make([]*T, len(v))
	for i := range v {
		out[i] = &v[i]
	}
	return out
}

// object writes one object of the type: each field's response name and
// what its writer writes.
func (r *renderer) object(typ string, sel ast.SelectionSet, obj any) bool {
	writers := renderedFields[typ]
	r.out.WriteByte('{')
	for i, f := range collectFields(r.oc, sel, typ) {
		if f.IsDeferred() {
			return false // the shape limits refuse @defer; were it allowed, gqlgen would answer it
		}
		if i > 0 {
			r.out.WriteByte(',')
		}
		graphql.MarshalString(f.Alias).MarshalGQL(&r.out)
		r.out.WriteByte(':')
		if f.Name == "__typename" {
			r.str(typ)
			continue
		}
		if w := writers[f.Name]; w == nil || !w(r, f, obj) {
			return false
		}
	}
	r.out.WriteByte('}')
	r.objects++
	return true
}

func (r *renderer) marshal(m graphql.Marshaler) bool {
	m.MarshalGQL(&r.out)
	return true
}

func (r *renderer) str(s string) bool { return r.marshal(graphql.MarshalString(s)) }

func (r *renderer) null() bool {
	r.out.WriteString("null")
	return true
}

// time writes a non-null Time (false for one that marshals as null).
func (r *renderer) time(t time.Time) bool {
	m := MarshalTime(t)
	return m != graphql.Null && r.marshal(m)
}

func (r *renderer) optionalTime(t *time.Time) bool {
	if t == nil {
		return r.null()
	}
	return r.marshal(MarshalTime(*t))
}

// collectedFields keeps the fields collected from selection sets without
// directives (@include and @skip read the variables, @defer may too), by
// the selection set's first selection, length and type; the entry holds
// the whole selection set it was collected from, and serves only that one
// (gqlgen's merged selections share first selections: one fragment's field
// may head several). A document is not changed once parsed, and an entry
// holds it.
var collectedFields = newReadCache[collectKey, *collected](4096)

type collectKey struct {
	first ast.Selection
	n     int
	typ   string
}

// collected is an entry of collectedFields (fields nil: the selection set
// has directives).
type collected struct {
	sel    ast.SelectionSet
	fields []graphql.CollectedField
}

// collectFields is graphql.CollectFields of the selection set on the
// type, kept for a selection set without directives in a document of at
// most maxKeptKey bytes.
func collectFields(oc *graphql.OperationContext, sel ast.SelectionSet, typ string) []graphql.CollectedField {
	if len(sel) == 0 || len(oc.RawQuery) > maxKeptKey {
		return graphql.CollectFields(oc, sel, implementors(typ))
	}
	key := collectKey{sel[0], len(sel), typ}
	kept, seen := collectedFields.Get(key)
	if seen && kept.fields != nil && slices.Equal(kept.sel, sel) {
		return kept.fields
	}
	fields := graphql.CollectFields(oc, sel, implementors(typ))
	switch {
	case seen: // another selection set under the key, or directives
	case hasDirectives(oc.Doc, sel):
		collectedFields.Add(key, &collected{sel: slices.Clone(sel)})
	default:
		collectedFields.Add(key, &collected{sel: slices.Clone(sel), fields: fields})
	}
	return fields
}
