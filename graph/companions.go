package graph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"
	"github.com/99designs/gqlgen/graphql"
	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"servicesupport/ent"
	"servicesupport/ent/contact"
	"servicesupport/ent/customerservicegroup"
	"servicesupport/ent/product"
	"servicesupport/ent/seller"
	"servicesupport/graph/model"
	"servicesupport/policy"
)

// A product page shows a product, its seller, its after-sales group and
// its seller's pre-sales projection: eager loading and the pre-sales loader
// read them with a statement each. joinCompanions reads them in the
// product's own statement instead (joined by primary key, so one row per
// product), packed into one JSON text column so that the driver describes
// one extra column per row rather than one per companion column, and hands
// them over as loaded edges and to the pre-sales loader. The seller and the
// group are joined when policy.ReadWithProduct says the viewer reads them
// with the product and the operation asks only for what their rows hold (no
// edges of theirs, which eager loading would then have to load for every
// product); anything else is eager-loaded as before.

// companionsColumn is the JSON array of the joined columns.
const companionsColumn = "companions"

// A companion is what a product query can read by a join.
type companion struct {
	field string // the GraphQL field of Product
	// join adds the companion's tables to s (sellers joins the product's
	// seller once, for every companion that needs it).
	join func(s *sql.Selector, sellers func() *sql.SelectTable)
	// columns are the joined columns it reads, by table alias.
	columns []joinedColumn
	// hand gives the companion to the product; values are its columns as
	// text (nil: NULL).
	hand func(ctx context.Context, c *ent.Client, p *ent.Product, values []any) error
}

// A joinedColumn is a column of a joined table, by the table's alias.
type joinedColumn struct{ table, column string }

// The aliases of the joined tables.
const (
	joinedSellers  = "joined_seller"
	joinedGroups   = "joined_group"
	joinedPreSales = "joined_pre_sales"
)

// columnsOf are the columns of the table aliased as table.
func columnsOf(table string, columns ...string) []joinedColumn {
	out := make([]joinedColumn, len(columns))
	for i, c := range columns {
		out[i] = joinedColumn{table, c}
	}
	return out
}

var companions = []companion{
	{
		field: "seller", columns: columnsOf(joinedSellers, seller.Columns...),
		join: func(_ *sql.Selector, sellers func() *sql.SelectTable) { sellers() },
		hand: func(_ context.Context, c *ent.Client, p *ent.Product, values []any) error {
			if values[0] == nil {
				return fmt.Errorf("product %d: no seller row", p.ID)
			}
			s, err := c.Seller.FromJoined(seller.Columns, values)
			if err == nil {
				p.SetJoinedSeller(s)
				p.SellerID = s.ID // (not read when the selection asks for no column of the product's)
			}
			return err
		},
	},
	{
		field: "afterSalesGroup", columns: columnsOf(joinedGroups, customerservicegroup.Columns...),
		join: func(s *sql.Selector, _ func() *sql.SelectTable) {
			t := sql.Table(customerservicegroup.Table).As(joinedGroups)
			s.LeftJoin(t).On(s.C(product.FieldAfterSalesGroupID), t.C(customerservicegroup.FieldID))
		},
		hand: func(_ context.Context, c *ent.Client, p *ent.Product, values []any) error {
			if values[0] == nil {
				p.SetJoinedAfterSalesGroup(nil)
				return nil
			}
			g, err := c.CustomerServiceGroup.FromJoined(customerservicegroup.Columns, values)
			if err == nil {
				p.SetJoinedAfterSalesGroup(g)
			}
			return err
		},
	},
	{
		// The seller's id, and its current pre-sales contact's id, phone
		// and email: the projection is public by design (the loader reads
		// it as the system), and the product it hangs off passed the
		// product's policy.
		field: "preSalesInfo",
		columns: append(columnsOf(joinedSellers, seller.FieldID),
			columnsOf(joinedPreSales, contact.FieldID, contact.FieldPhone, contact.FieldEmail)...),
		join: func(s *sql.Selector, sellers func() *sql.SelectTable) {
			st, t := sellers(), sql.Table(contact.Table).As(joinedPreSales)
			s.LeftJoin(t).On(st.C(seller.FieldPreSalesContactID), t.C(contact.FieldID))
		},
		hand: func(ctx context.Context, _ *ent.Client, p *ent.Product, values []any) error {
			sellerID, err := strconv.Atoi(fmt.Sprint(values[0]))
			if err != nil {
				return fmt.Errorf("product %d: joined seller id: %w", p.ID, err)
			}
			// The product's own seller_id is not read when its selection
			// asks for no column of the product's but those: it is the
			// joined seller's.
			p.SellerID = sellerID
			var c *model.PreSalesContact
			if values[1] != nil {
				phone, _ := values[2].(string)
				email, _ := values[3].(string)
				c = &model.PreSalesContact{Phone: phone, Email: email}
			}
			preSalesLoaderFrom(ctx).prime(sellerID, c)
			return nil
		},
	},
}

// pageVersionCompanion reads the seller's page version with a product page
// being recorded for the page cache (see pageCache.intercept).
var pageVersionCompanion = companion{
	field:   "",
	columns: columnsOf(joinedSellers, seller.FieldID, seller.FieldPageVersion),
	join:    func(_ *sql.Selector, sellers func() *sql.SelectTable) { sellers() },
	hand: func(ctx context.Context, _ *ent.Client, p *ent.Product, values []any) error {
		sellerID, err1 := strconv.Atoi(fmt.Sprint(values[0]))
		version, err2 := strconv.Atoi(fmt.Sprint(values[1]))
		if err := errors.Join(err1, err2); err != nil {
			return fmt.Errorf("product %d: joined page version: %w", p.ID, err)
		}
		recording(ctx).readOwner(sellerID, version)
		return nil
	},
}

func init() {
	if len(companions) > 7 {
		panic("graph: a companionSet has bits for 7 companions and withPageVersion")
	}
	for _, c := range companions {
		if c.field != "preSalesInfo" && !policy.ReadWithProduct[c.field] {
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
	plan := planJoin(oc, fc.Field, path, preSalesLoaderFrom(ctx) != nil, recording(ctx) != nil)
	if plan.set == 0 {
		return ctx, none
	}
	set, joined, width := plan.set, plan.set.companions(), plan.width
	q.Modify(func(s *sql.Selector) {
		var sellers *sql.SelectTable
		sellersJoined := func() *sql.SelectTable {
			if sellers == nil {
				sellers = sql.Table(seller.Table).As(joinedSellers)
				s.LeftJoin(sellers).On(s.C(product.FieldSellerID), sellers.C(seller.FieldID))
			}
			return sellers
		}
		for _, c := range joined {
			c.join(s, sellersJoined)
		}
		s.AppendSelectExprAs(companionsExpr(s.Dialect(), set), companionsColumn)
	})
	narrowed := *fc
	narrowed.Field = graphql.CollectedField{Field: plan.root, Selections: plan.root.SelectionSet}
	hand := func(products ...*ent.Product) error {
		for _, p := range products {
			values, err := joinedValues(p)
			if err != nil {
				return err
			}
			if len(values) != width {
				return fmt.Errorf("product %d: %d companion columns, want %d", p.ID, len(values), width)
			}
			for _, c := range joined {
				row := values[:len(c.columns)]
				values = values[len(c.columns):]
				if err := c.hand(ctx, client, p, row); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return graphql.WithFieldContext(ctx, &narrowed), hand
}

// A joinPlan is what joinCompanions works out of an operation's field: the
// companions to join (none: the set is 0), their columns' count, and the
// field to collect the query's fields with (the selection without the
// joined edges, so that they are not eager-loaded as well).
type joinPlan struct {
	set   companionSet
	width int
	root  *ast.Field
}

// joinKey is what a joinPlan depends on: the field of a parsed operation
// (documents are not changed once parsed) and the products' path in it,
// and whether the pre-sales loader is there and a page is recorded.
type joinKey struct {
	field               *ast.Field
	path                string
	preSales, recording bool
}

// joinPlans keeps the plans of the operations' fields whose selection has
// no directive, so that the variables cannot change it (nil: one that has).
var joinPlans, _ = lru.New[joinKey, *joinPlan](1000)

// planJoin is the joinPlan of the products at path in the field's
// selection. The field's selection is what gqlgen collected: the selections
// of every occurrence of the field under its response name, merged (as in
// "{ product(id: 1) { name } product(id: 1) { summary } }"). A plan is
// kept for a field asked once (its collected selection is its own), in a
// document of at most maxKeptKey bytes (a kept plan holds the document),
// whose selection has no directive.
func planJoin(oc *graphql.OperationContext, f graphql.CollectedField, path []string, preSales, recorded bool) *joinPlan {
	plan := func() *joinPlan { return newJoinPlan(oc, rebuilt(f, f.Selections), path, preSales, recorded) }
	if len(f.Selections) != len(f.Field.SelectionSet) || len(oc.RawQuery) > maxKeptKey {
		return plan()
	}
	key := joinKey{f.Field, strings.Join(path, "."), preSales, recorded}
	kept, ok := joinPlans.Get(key)
	switch {
	case ok && kept != nil:
		return kept
	case ok: // a selection with directives
		return plan()
	}
	made := plan()
	if hasDirectives(oc.Doc, f.Selections) {
		joinPlans.Add(key, nil)
	} else {
		joinPlans.Add(key, made)
	}
	return made
}

// newJoinPlan works a joinPlan out.
func newJoinPlan(oc *graphql.OperationContext, f *ast.Field, path []string, preSales, recorded bool) *joinPlan {
	selection := fieldAt(oc, f, path)
	if selection == nil {
		return &joinPlan{}
	}
	// A companion is joined when every field asking for it (under any
	// alias) asks for its row only.
	joinable := map[string]bool{}
	for _, f := range graphql.CollectFields(oc, selection.SelectionSet, implementors("Product")) {
		if ok, seen := joinable[f.Name]; !seen || ok {
			joinable[f.Name] = rowOnly(oc, f)
		}
	}
	plan := &joinPlan{}
	for i, c := range companions {
		if joinable[c.field] && (c.field != "preSalesInfo" || preSales) {
			plan.set |= 1 << i
		}
	}
	if recorded {
		plan.set |= withPageVersion
	}
	if plan.set == 0 {
		return plan
	}
	// The joined companions are left out of the selection that ent
	// collects: the edges are not eager-loaded as well, and without
	// preSalesInfo (no column of the product's: ent reads every column for a
	// field it does not know) ent reads only the columns the selection asks
	// for; the product's seller_id, which preSalesInfo reads, comes with the
	// join (see its hand).
	drop := map[string]bool{}
	for _, c := range plan.set.companions() {
		plan.width += len(c.columns)
		drop[c.field] = c.field != ""
	}
	plan.root = withoutFields(oc, f, path, drop)
	return plan
}

// hasDirectives reports whether a selection, or a fragment it spreads, has
// a directive (@include and @skip read the variables).
func hasDirectives(doc *ast.QueryDocument, sel ast.SelectionSet) bool {
	found := false
	walkSelections(doc, sel, func(ds ast.DirectiveList) { found = found || len(ds) > 0 }, func(*ast.Field) {})
	return found
}

// A companionSet is which companions a statement joins: bit i for
// companions[i], and withPageVersion.
type companionSet uint8

const withPageVersion companionSet = 1 << 7

// companionSQL keeps the companions column's SQL by dialect and set: the
// same few strings serve every product statement.
var companionSQL sync.Map // companionKey → string

type companionKey struct {
	dialect string
	set     companionSet
}

// companionsExpr is the companions column of the set: its companions'
// columns in the order of companions, then the page version's.
func companionsExpr(d string, set companionSet) sql.Querier {
	key := companionKey{d, set}
	text, ok := companionSQL.Load(key)
	if !ok {
		var columns []joinedColumn
		for _, c := range set.companions() {
			columns = append(columns, c.columns...)
		}
		text, _ = companionSQL.LoadOrStore(key, jsonTextArray(d, columns))
	}
	return sql.Raw(text.(string))
}

// companions are the set's companions, in the order their columns are read.
func (set companionSet) companions() []companion {
	var out []companion
	for i, c := range companions {
		if set&(1<<i) != 0 {
			out = append(out, c)
		}
	}
	if set&withPageVersion != 0 {
		out = append(out, pageVersionCompanion)
	}
	return out
}

// jsonTextArray is the SQL of a JSON array of the columns as text, itself
// as text.
func jsonTextArray(d string, columns []joinedColumn) string {
	b := &sql.Builder{}
	b.SetDialect(d)
	if d == dialect.Postgres {
		b.WriteString("CAST(json_build_array(")
	} else {
		b.WriteString("json_array(")
	}
	for i, c := range columns {
		if i > 0 {
			b.Comma()
		}
		b.WriteString("CAST(" + b.Quote(c.table) + "." + b.Quote(c.column) + " AS TEXT)")
	}
	b.WriteString(")")
	if d == dialect.Postgres {
		b.WriteString(" AS TEXT)")
	}
	return b.String()
}

// joinedValues decodes a product's companions column: strings and nils.
func joinedValues(p *ent.Product) ([]any, error) {
	v, err := p.Value(companionsColumn)
	if err != nil {
		return nil, err
	}
	var raw string
	switch v := v.(type) {
	case string:
		raw = v
	case []byte:
		raw = string(v)
	default:
		return nil, fmt.Errorf("product %d: companions column is %T", p.ID, v)
	}
	values, err := textArray(raw)
	if err != nil {
		return nil, fmt.Errorf("product %d: companions column: %w", p.ID, err)
	}
	return values, nil
}

// textArray decodes a JSON array of strings and nulls, what jsonTextArray
// reads, as a string or nil each. It is json.Unmarshal into []any for this
// one shape, without the reflection: a string without escapes is copied,
// any other is decoded by encoding/json. The strings share raw's bytes.
func textArray(raw string) ([]any, error) {
	bad := func(at int) error { return fmt.Errorf("not a JSON array of strings and nulls (at byte %d)", at) }
	i := skipSpace(raw, 0)
	if i == len(raw) || raw[i] != '[' {
		return nil, bad(i)
	}
	out := make([]any, 0, strings.Count(raw, ",")+1)
	i = skipSpace(raw, i+1)
	if i < len(raw) && raw[i] == ']' {
		if skipSpace(raw, i+1) != len(raw) {
			return nil, bad(i + 1)
		}
		return []any{}, nil
	}
	for {
		switch {
		case strings.HasPrefix(raw[i:], "null"):
			out = append(out, nil)
			i += len("null")
		case i < len(raw) && raw[i] == '"':
			end, escaped := i+1, false
			for end < len(raw) && raw[end] != '"' {
				if raw[end] == '\\' {
					escaped = true
					end++
				} else if raw[end] < 0x20 {
					return nil, bad(end)
				}
				end++
			}
			if end >= len(raw) {
				return nil, bad(i)
			}
			if escaped || !utf8.ValidString(raw[i+1:end]) {
				// encoding/json's reading: escapes decoded, bytes that are
				// not UTF-8 replaced by U+FFFD.
				var s string
				if err := json.Unmarshal([]byte(raw[i:end+1]), &s); err != nil {
					return nil, bad(i)
				}
				out = append(out, s)
			} else {
				out = append(out, raw[i+1:end])
			}
			i = end + 1
		default:
			return nil, bad(i)
		}
		i = skipSpace(raw, i)
		if i < len(raw) && raw[i] == ',' {
			i = skipSpace(raw, i+1)
			continue
		}
		if i < len(raw) && raw[i] == ']' && skipSpace(raw, i+1) == len(raw) {
			return out, nil
		}
		return nil, bad(i)
	}
}

// skipSpace is the index of the first byte from i that is not JSON
// whitespace.
func skipSpace(raw string, i int) int {
	for i < len(raw) && (raw[i] == ' ' || raw[i] == '\t' || raw[i] == '\n' || raw[i] == '\r') {
		i++
	}
	return i
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
