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
// product's own statement instead, and hands them over as loaded edges and
// to the pre-sales loader. Each companion's row is a scalar subquery by
// primary key: SQLite runs the page's statement in about a third of the
// time it takes with the same tables LEFT JOINed (the README's performance
// section has the figures). The rows are packed into one JSON text column
// so that the driver describes one extra column per row rather than one per
// companion column. The seller and the
// group are joined when policy.ReadWithProduct says the viewer reads them
// with the product and the operation asks only for what their rows hold (no
// edges of theirs, which eager loading would then have to load for every
// product); anything else is eager-loaded as before.

// companionsColumn is the JSON array of the companions' rows: for each
// joined companion, an array of its columns as text, or null when it has
// no row.
const companionsColumn = "companions"

// A companion is what a product query can read in its own statement.
type companion struct {
	field string // the GraphQL field of Product
	// from is the companion's row: the row of table (as alias) whose id is
	// the product's column key, with the pre-sales contact of that row
	// (a seller) left-joined when preSalesContact is set.
	from            joinedRow
	preSalesContact bool
	// columns are the columns it reads, by table alias.
	columns []joinedColumn
	// hand gives the companion to the product; values are its columns as
	// text (nil: NULL).
	hand func(ctx context.Context, c *ent.Client, p *ent.Product, values []any) error
}

// A joinedColumn is a column of a joined table, by the table's alias.
type joinedColumn struct{ table, column string }

// jsonColumns are the joined columns that hold JSON: a row carries them
// as JSON (not as a string of JSON, which would be unescaped and then
// parsed), and the decoder hands over their text (see groupJSON).
var jsonColumns = map[joinedColumn]bool{}

func init() {
	for _, j := range groupJSON {
		jsonColumns[joinedColumn{joinedGroups, j.column}] = true
	}
}

// A joinedRow is the row of table, as alias, whose id is in the product's
// column key.
type joinedRow struct{ table, alias, key string }

// The rows the companions read.
var (
	productSeller = joinedRow{seller.Table, joinedSellers, product.FieldSellerID}
	productGroup  = joinedRow{customerservicegroup.Table, joinedGroups, product.FieldAfterSalesGroupID}
)

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
		field: "seller", from: productSeller, columns: columnsOf(joinedSellers, seller.Columns...),
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
		field: "afterSalesGroup", from: productGroup, columns: columnsOf(joinedGroups, customerservicegroup.Columns...),
		hand: func(ctx context.Context, c *ent.Client, p *ent.Product, values []any) error {
			if values[0] == nil {
				p.SetJoinedAfterSalesGroup(nil)
				return nil
			}
			g, err := groupFromJoined(ctx, c, values)
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
		field: "preSalesInfo", from: productSeller, preSalesContact: true,
		columns: append(columnsOf(joinedSellers, seller.FieldID),
			columnsOf(joinedPreSales, contact.FieldID, contact.FieldPhone, contact.FieldEmail)...),
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
	from:    productSeller,
	columns: columnsOf(joinedSellers, seller.FieldID, seller.FieldPageVersion),
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
	set, joined := plan.set, plan.joined
	q.Modify(func(s *sql.Selector) {
		s.AppendSelectExprAs(companionsExpr(s, set), companionsColumn)
	})
	narrowed := *fc
	narrowed.Field = graphql.CollectedField{Field: plan.root, Selections: plan.root.SelectionSet}
	hand := func(products ...*ent.Product) error {
		for _, p := range products {
			rows, err := joinedRows(p)
			if err != nil {
				return err
			}
			if len(rows) != len(joined) {
				return fmt.Errorf("product %d: %d companion rows, want %d", p.ID, len(rows), len(joined))
			}
			for i, c := range joined {
				row := rows[i]
				switch {
				case row == nil: // no row: every column NULL
					row = make([]any, len(c.columns))
				case len(row) != len(c.columns):
					return fmt.Errorf("product %d: %s: %d columns, want %d", p.ID, c.from.table, len(row), len(c.columns))
				}
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
// companions to join (none: the set is 0) and the field to collect the
// query's fields with (the selection without the joined edges, so that they
// are not eager-loaded as well).
type joinPlan struct {
	set    companionSet
	joined []companion // set.companions()
	root   *ast.Field
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
var joinPlans = newReadCache[joinKey, *joinPlan](1000)

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
	plan.joined = plan.set.companions()
	for _, c := range plan.joined {
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

// companionSQL keeps the companions column's SQL by dialect, product
// table and set: the same few strings serve every product statement.
var companionSQL sync.Map // companionKey → string

type companionKey struct {
	dialect, products string
	set               companionSet
}

// companionsExpr is the companions column of the set for the products of
// s: its companions' rows in the order of companions, then the page
// version's.
func companionsExpr(s *sql.Selector, set companionSet) sql.Querier {
	key := companionKey{s.Dialect(), s.C(product.FieldID), set}
	text, ok := companionSQL.Load(key)
	if !ok {
		text, _ = companionSQL.LoadOrStore(key, companionsSQL(s, set))
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

// companionsSQL is the SQL of the companions column: a JSON array, as
// text, of one scalar subquery per companion, each the JSON array of its
// row's columns as text.
func companionsSQL(s *sql.Selector, set companionSet) string {
	d := s.Dialect()
	b := &sql.Builder{}
	b.SetDialect(d)
	array, open := "json_array(", ""
	if d == dialect.Postgres {
		array, open = "json_build_array(", "CAST("
	}
	b.WriteString(open + array)
	for i, c := range set.companions() {
		if i > 0 {
			b.Comma()
		}
		if d != dialect.Postgres {
			// SQLite's json_array embeds a subquery's JSON as a string
			// unless json() marks it as JSON.
			b.WriteString("json(")
		}
		b.WriteString("(SELECT " + array)
		for j, col := range c.columns {
			if j > 0 {
				b.Comma()
			}
			name := b.Quote(col.table) + "." + b.Quote(col.column)
			switch {
			case !jsonColumns[col]:
				b.WriteString("CAST(" + name + " AS TEXT)")
			case d == dialect.Postgres: // jsonb, embedded as JSON
				b.WriteString(name)
			default: // JSON text, embedded as JSON rather than as a string
				b.WriteString("json(" + name + ")")
			}
		}
		row := b.Quote(c.from.alias)
		b.WriteString(") FROM " + b.Quote(c.from.table) + " AS " + row)
		if c.preSalesContact {
			contacts := b.Quote(joinedPreSales)
			b.WriteString(" LEFT JOIN " + b.Quote(contact.Table) + " AS " + contacts +
				" ON " + row + "." + b.Quote(seller.FieldPreSalesContactID) + " = " + contacts + "." + b.Quote(contact.FieldID))
		}
		b.WriteString(" WHERE " + row + "." + b.Quote("id") + " = " + s.C(c.from.key) + ")")
		if d != dialect.Postgres {
			b.WriteString(")")
		}
	}
	b.WriteString(")")
	if d == dialect.Postgres {
		b.WriteString(" AS TEXT)")
	}
	return b.String()
}

// joinedRows decodes a product's companions column: for each companion,
// its columns (strings and nils), or nil when it has no row.
func joinedRows(p *ent.Product) ([][]any, error) {
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
	rows, err := companionRows(raw)
	if err != nil {
		return nil, fmt.Errorf("product %d: companions column: %w", p.ID, err)
	}
	return rows, nil
}

// companionRows decodes what companionsSQL reads: a JSON array of rows,
// each null or a JSON array of strings, nulls and JSON arrays and objects
// (the JSON columns), handed over as strings, nils and the JSON's text.
func companionRows(raw string) ([][]any, error) {
	var rows [][]any
	values := make([]any, 0, 32) // the rows', one after another
	end, err := readArray(raw, skipSpace(raw, 0), func(i int) (int, error) {
		if strings.HasPrefix(raw[i:], "null") {
			rows = append(rows, nil)
			return i + len("null"), nil
		}
		start := len(values)
		var next int
		var err error
		values, next, err = readTextArray(raw, i, values)
		rows = append(rows, values[start:len(values):len(values)])
		return next, err
	})
	if err == nil && skipSpace(raw, end) != len(raw) {
		err = errorAt(end)
	}
	return rows, err
}

// readArray reads the JSON array at raw[i:] with elem, which is given each
// element's first byte and returns the index after it. It returns the
// index after the array.
func readArray(raw string, i int, elem func(int) (int, error)) (int, error) {
	if i >= len(raw) || raw[i] != '[' {
		return 0, errorAt(i)
	}
	i = skipSpace(raw, i+1)
	if i < len(raw) && raw[i] == ']' {
		return i + 1, nil
	}
	for {
		if i >= len(raw) {
			return 0, errorAt(i) // cut short after '[' or ','
		}
		next, err := elem(i)
		if err != nil {
			return 0, err
		}
		i = skipSpace(raw, next)
		switch {
		case i < len(raw) && raw[i] == ',':
			i = skipSpace(raw, i+1)
		case i < len(raw) && raw[i] == ']':
			return i + 1, nil
		default:
			return 0, errorAt(i)
		}
	}
}

// readTextArray reads a row at raw[i:]: a JSON array of strings, nulls and
// JSON arrays and objects. A string without escapes is shared with raw, any
// other is decoded by encoding/json; an array or an object is handed over
// as its text, shared with raw (whoever reads it parses it). It returns
// out with the values appended and the index after the array.
func readTextArray(raw string, i int, out []any) ([]any, int, error) {
	end, err := readArray(raw, i, func(i int) (int, error) {
		switch {
		case strings.HasPrefix(raw[i:], "null"):
			out = append(out, nil)
			return i + len("null"), nil
		case raw[i] == '[' || raw[i] == '{':
			next, err := skipJSON(raw, i)
			if err == nil {
				out = append(out, raw[i:next])
			}
			return next, err
		}
		s, next, err := readText(raw, i)
		out = append(out, s)
		return next, err
	})
	return out, end, err
}

// skipJSON is the index after the JSON array or object at raw[i:]: it
// follows the brackets and braces, and the strings with their escapes,
// without checking what lies between them.
func skipJSON(raw string, i int) (int, error) {
	var open []byte // the closing brackets expected, innermost last
	for j := i; j < len(raw); j++ {
		switch c := raw[j]; c {
		case '"':
			end, _, err := stringEnd(raw, j)
			if err != nil {
				return 0, err
			}
			j = end
		case '[', '{':
			open = append(open, c+2) // ']' and '}' follow '[' and '{' by two
		case ']', '}':
			if len(open) == 0 || open[len(open)-1] != c {
				return 0, errorAt(j)
			}
			open = open[:len(open)-1]
			if len(open) == 0 {
				return j + 1, nil
			}
		}
	}
	return 0, errorAt(i)
}

// readText reads the JSON string at raw[i:] and returns the index after it.
func readText(raw string, i int) (string, int, error) {
	end, escaped, err := stringEnd(raw, i)
	if err != nil {
		return "", 0, err
	}
	if text := raw[i+1 : end]; utf8.ValidString(text) {
		if !escaped {
			return text, end + 1, nil
		}
		if s, ok := unescape(text); ok {
			return s, end + 1, nil
		}
	}
	// encoding/json's reading: escapes decoded (\u among them), bytes that
	// are not UTF-8 replaced by U+FFFD.
	var s string
	if err := json.Unmarshal([]byte(raw[i:end+1]), &s); err != nil {
		return "", 0, errorAt(i)
	}
	return s, end + 1, nil
}

// unescape decodes the escapes of a JSON string's text but \u's (false:
// one is there).
func unescape(text string) (string, bool) {
	var b strings.Builder
	b.Grow(len(text))
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		if i == len(text) {
			return "", false
		}
		switch text[i] {
		case '"', '\\', '/':
			b.WriteByte(text[i])
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		default:
			return "", false
		}
	}
	return b.String(), true
}

// stringEnd is the index of the closing quote of the JSON string at
// raw[i:], and whether the string has escapes.
func stringEnd(raw string, i int) (int, bool, error) {
	if i >= len(raw) || raw[i] != '"' {
		return 0, false, errorAt(i)
	}
	end, escaped := i+1, false
	for end < len(raw) && raw[end] != '"' {
		if raw[end] == '\\' {
			escaped = true
			end++
		} else if raw[end] < 0x20 {
			return 0, false, errorAt(end)
		}
		end++
	}
	if end >= len(raw) {
		return 0, false, errorAt(i)
	}
	return end, escaped, nil
}

// errorAt is the decoder's refusal.
func errorAt(i int) error {
	return fmt.Errorf("not a JSON array of companion rows (at byte %d)", i)
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
// fragments: the type and its interfaces (the slice is shared: not to be
// changed).
func implementors(name string) []string {
	if out, ok := implementorsOf[name]; ok {
		return out
	}
	return []string{name}
}

// implementorsOf are the implementors of every type of the schema.
var implementorsOf = func() map[string][]string {
	out := map[string][]string{}
	for name, def := range parsedSchema.Types {
		out[name] = append([]string{name}, def.Interfaces...)
	}
	return out
}()

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
