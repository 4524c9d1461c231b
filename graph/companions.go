package graph

import (
	"context"
	"fmt"
	"strings"

	"entgo.io/ent/dialect/sql"
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"servicesupport/ent"
	"servicesupport/ent/customerservicegroup"
	"servicesupport/ent/product"
	"servicesupport/ent/seller"
	"servicesupport/policy"
)

// A product page shows a product, its seller and its after-sales group:
// eager loading reads them with a statement each. joinCompanions reads them
// in the product's own statement instead (joined by primary key), and hands
// them over as loaded edges, when policy.ReadWithProduct says the viewer
// reads them with the product and the operation asks only for what their
// rows hold (no edges of theirs, which eager loading would then have to
// load for every product). Anything else is eager-loaded as before.

// companion is an edge of Product that can be read by a join.
type companion struct {
	field   string   // the GraphQL field
	table   string   // the joined table
	alias   string   // the joined table's alias, and the prefix of its columns
	fk      string   // the product's column that references it
	columns []string // the entity's columns
	// hand reads the entity from the joined columns (nil when the row
	// has none) and hands it to the product.
	hand func(c *ent.Client, p *ent.Product, columns []string, values []any) error
}

var companions = []companion{
	{
		field: "seller", table: seller.Table, alias: "joined_seller", fk: product.FieldSellerID, columns: seller.Columns,
		hand: func(c *ent.Client, p *ent.Product, columns []string, values []any) error {
			if values[0] == nil {
				return fmt.Errorf("product %d: no seller row", p.ID)
			}
			s, err := c.Seller.FromJoined(columns, values)
			if err == nil {
				p.SetJoinedSeller(s)
			}
			return err
		},
	},
	{
		field: "afterSalesGroup", table: customerservicegroup.Table, alias: "joined_group", fk: product.FieldAfterSalesGroupID, columns: customerservicegroup.Columns,
		hand: func(c *ent.Client, p *ent.Product, columns []string, values []any) error {
			if values[0] == nil {
				p.SetJoinedAfterSalesGroup(nil)
				return nil
			}
			g, err := c.CustomerServiceGroup.FromJoined(columns, values)
			if err == nil {
				p.SetJoinedAfterSalesGroup(g)
			}
			return err
		},
	},
}

func init() {
	for _, c := range companions {
		if c.columns[0] != "id" || !policy.ReadWithProduct[c.field] {
			panic("graph: companion " + c.field + " is not read with its product")
		}
	}
}

// joinCompanions prepares q, the product query of the field in ctx whose
// products sit at path in the field's selection, to read the companions it
// can in its own statement. It returns the context to collect the query's
// fields with (the selection without the joined edges, so that they are not
// eager-loaded as well) and the function that hands the joined rows over to
// the loaded products.
func joinCompanions(ctx context.Context, client *ent.Client, q *ent.ProductQuery, path ...string) (context.Context, func(...*ent.Product) error) {
	fc, oc := graphql.GetFieldContext(ctx), graphql.GetOperationContext(ctx)
	none := func(...*ent.Product) error { return nil }
	if fc == nil || oc == nil {
		return ctx, none
	}
	var joined []companion
	selection := fieldAt(oc, fc.Field.Field, path)
	if selection == nil {
		return ctx, none
	}
	for _, f := range graphql.CollectFields(oc, selection.SelectionSet, implementors("Product")) {
		for _, c := range companions {
			if f.Name == c.field && rowOnly(oc, f) {
				joined = append(joined, c)
			}
		}
	}
	if len(joined) == 0 {
		return ctx, none
	}
	q.Modify(func(s *sql.Selector) {
		for _, c := range joined {
			t := sql.Table(c.table).As(c.alias)
			s.LeftJoin(t).On(s.C(c.fk), t.C("id"))
			for _, col := range c.columns {
				s.AppendSelectAs(t.C(col), c.alias+"__"+col)
			}
		}
	})
	drop := map[string]bool{}
	for _, c := range joined {
		drop[c.field] = true
	}
	narrowed := *fc
	root := withoutFields(oc, fc.Field.Field, path, drop)
	narrowed.Field = graphql.CollectedField{Field: root, Selections: root.SelectionSet}
	hand := func(products ...*ent.Product) error {
		for _, p := range products {
			for _, c := range joined {
				values := make([]any, len(c.columns))
				for i, col := range c.columns {
					v, err := p.Value(c.alias + "__" + col)
					if err != nil {
						return err
					}
					values[i] = v
				}
				if err := c.hand(client, p, c.columns, values); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return graphql.WithFieldContext(ctx, &narrowed), hand
}

// rowOnly reports whether the selection of an entity field asks only for
// what the entity's row holds: no field whose type is an entity (a Node) or
// a connection of them.
func rowOnly(oc *graphql.OperationContext, f graphql.CollectedField) bool {
	for _, sub := range graphql.CollectFields(oc, f.Selections, implementors(f.Definition.Type.Name())) {
		if sub.Definition == nil {
			continue // __typename
		}
		name := sub.Definition.Type.Name()
		if strings.HasSuffix(name, "Connection") || isNode(name) {
			return false
		}
	}
	return true
}

// isNode reports whether the type is an entity: it implements Node.
func isNode(name string) bool {
	def := parsedSchema.Types[name]
	if def == nil {
		return false
	}
	for _, i := range def.Interfaces {
		if i == "Node" {
			return true
		}
	}
	return false
}

// implementors are the names a selection on the type matches in
// fragments: the type and its interfaces.
func implementors(name string) []string {
	out := []string{name}
	if def := parsedSchema.Types[name]; def != nil {
		out = append(out, def.Interfaces...)
	}
	return out
}

// fieldAt follows path (response names) from f through its selection.
func fieldAt(oc *graphql.OperationContext, f *ast.Field, path []string) *ast.Field {
	for _, name := range path {
		var next *ast.Field
		for _, sub := range graphql.CollectFields(oc, f.SelectionSet, implementors(f.Definition.Type.Name())) {
			if sub.Alias == name {
				next = rebuilt(sub, sub.Selections)
				break
			}
		}
		if next == nil {
			return nil
		}
		f = next
	}
	return f
}

// withoutFields is f with the fields named in drop left out of the
// selection at path (fragments and directives applied).
func withoutFields(oc *graphql.OperationContext, f *ast.Field, path []string, drop map[string]bool) *ast.Field {
	var sel ast.SelectionSet
	for _, sub := range graphql.CollectFields(oc, f.SelectionSet, implementors(f.Definition.Type.Name())) {
		switch {
		case len(path) == 0 && drop[sub.Name]:
		case len(path) > 0 && sub.Alias == path[0]:
			sel = append(sel, withoutFields(oc, rebuilt(sub, sub.Selections), path[1:], drop))
		default:
			sel = append(sel, rebuilt(sub, sub.Selections))
		}
	}
	return rebuilt(graphql.CollectedField{Field: f}, sel)
}

// rebuilt is a copy of a collected field with the given selection and no
// directives (CollectFields has applied them).
func rebuilt(f graphql.CollectedField, sel ast.SelectionSet) *ast.Field {
	return &ast.Field{
		Alias: f.Alias, Name: f.Name, Arguments: f.Arguments, SelectionSet: sel,
		Position: f.Position, Definition: f.Definition, ObjectDefinition: f.ObjectDefinition,
	}
}
