package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"servicesupport/database"
	"servicesupport/database/dbtest"
)

// companionFields are the fields of a product page that the product's own
// statement reads by a join (seller, after-sales group, pre-sales info):
// every column of each, times included.
const companionFields = `id name status
	seller { id name accountID createdAt }
	afterSalesGroup { id name phone email createdAt updatedAt timeZone version serviceDays serviceHours { start end }
		weeklyHours { day hours { start end } } closures { date name hours { start end } } }
	preSalesInfo { phone email }`

// TestJoinedCompanionsMatchTheirOwnReads reads every product each persona
// may see twice: by product(id) and products(first:), which read the
// companions in the product's statement, and by node and nodes, which read
// them with statements of their own and the pre-sales loader. The answers
// must be the same, column for column (on PostgreSQL too, where the joined
// columns come back in another text form, whatever DateStyle the database
// gives its sessions).
func TestJoinedCompanionsMatchTheirOwnReads(t *testing.T) {
	t.Parallel()
	env, _ := seedTenants(t)
	compareCompanions(t, env)
	if dbtest.Dialect() != database.Postgres {
		return
	}
	ctx := context.Background()
	alter := `DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET DateStyle = ''SQL, DMY''', current_database()); END $$`
	if _, err := env.DB.SQL.ExecContext(ctx, alter); err != nil {
		t.Fatal(err)
	}
	db, err := database.Connect(env.URL, database.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.SQL.Close()
	var style string
	if err := db.SQL.QueryRowContext(ctx, "SHOW DateStyle").Scan(&style); err != nil || style != "ISO, MDY" {
		t.Fatalf("a new connection's DateStyle is %q (%v), want ISO, MDY", style, err)
	}
	// Another instance: its own pool, so connections opened after the change.
	other := anotherInstance(t, pageInstance{name: "a", env: env}, "b", nil)
	t.Run("DateStyle SQL", func(t *testing.T) { compareCompanions(t, other.env) })
}

// compareCompanions is the comparison of TestJoinedCompanionsMatchTheirOwnReads,
// for every persona, on env's server.
func compareCompanions(t *testing.T, env *Env) {
	for _, p := range AllReaders {
		t.Run(string(p), func(t *testing.T) {
			var list struct {
				Products struct {
					Edges []struct{ Node json.RawMessage }
				}
			}
			env.MustDo(p, `{ products(first: 100) { edges { node { `+companionFields+` } } } }`, nil, &list)
			if len(list.Products.Edges) == 0 {
				t.Fatal("no products to compare")
			}
			var ids []string
			for _, e := range list.Products.Edges {
				var n struct{ ID string }
				if err := json.Unmarshal(e.Node, &n); err != nil {
					t.Fatal(err)
				}
				ids = append(ids, n.ID)
			}
			var nodes struct{ Nodes []json.RawMessage }
			env.MustDo(p, `query($ids: [ID!]!) { nodes(ids: $ids) { ... on Product { `+companionFields+` } } }`, map[string]any{"ids": ids}, &nodes)
			for i, id := range ids {
				var one struct{ Product json.RawMessage }
				env.MustDo(p, `query($id: ID!) { product(id: $id) { `+companionFields+` } }`, map[string]any{"id": id}, &one)
				want := canonical(t, nodes.Nodes[i])
				if got := canonical(t, list.Products.Edges[i].Node); got != want {
					t.Errorf("products(first:) node %s:\n got %s\nwant %s (nodes)", id, got, want)
				}
				if got := canonical(t, one.Product); got != want {
					t.Errorf("product(id: %s):\n got %s\nwant %s (nodes)", id, got, want)
				}
			}
		})
	}
}

// canonical is a JSON value with its keys sorted.
func canonical(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestJoinPlansFollowTheVariables: what a product query joins is worked
// out once per field of a parsed operation, but not for a selection whose
// directives read the variables: the same operation, asking for the seller
// and the group or not by @include, joins them when it asks (one statement)
// and answers what it asks, in either order, however often it is run.
func TestJoinPlansFollowTheVariables(t *testing.T) {
	env, id := uncachedCatalog(t)
	const page = `query($id: ID!, $more: Boolean!) { product(id: $id) { name
	  seller @include(if: $more) { name } afterSalesGroup @include(if: $more) { name } } }`
	const fragment = `query($id: ID!, $more: Boolean!) { product(id: $id) { name ...more } }
	  fragment more on Product { seller @include(if: $more) { name } afterSalesGroup @include(if: $more) { name } }`
	for _, query := range []string{page, fragment} {
		for _, more := range []bool{false, true, false, true} {
			var out struct {
				Product struct {
					Name            string
					Seller          *struct{ Name string }
					AfterSalesGroup *struct{ Name string }
				}
			}
			n := env.StatementsOf(func() { env.MustDo(Anonymous, query, map[string]any{"id": id, "more": more}, &out) })
			if n != 1 {
				t.Errorf("more=%v: %d statements, want 1", more, n)
			}
			if got := out.Product.Seller != nil && out.Product.Seller.Name != "" && out.Product.AfterSalesGroup != nil; got != more || out.Product.Name == "" {
				t.Errorf("more=%v: answered %+v", more, out.Product)
			}
		}
	}
}

// TestRepeatedFieldsAnswerAsOne: a root field asked twice under one
// response name (side by side, or once through a fragment) answers what
// the one field asking for everything answers, byte for byte, joined or
// not: what a product query reads is planned from the selections gqlgen
// merged, not from the first occurrence's alone.
func TestRepeatedFieldsAnswerAsOne(t *testing.T) {
	env, id := uncachedCatalog(t)
	vars := map[string]any{"id": id}
	for _, c := range []struct{ repeated, one string }{
		{`query($id: ID!) { product(id: $id) { preSalesInfo { phone } } product(id: $id) { summary status createdAt } }`,
			`query($id: ID!) { product(id: $id) { preSalesInfo { phone } summary status createdAt } }`},
		{`query($id: ID!) { ...A product(id: $id) { summary status } } fragment A on Query { product(id: $id) { preSalesInfo { phone } } }`,
			`query($id: ID!) { product(id: $id) { preSalesInfo { phone } summary status } }`},
		{`query($id: ID!) { product(id: $id) { seller { name } } product(id: $id) { preSalesInfo { phone } } }`,
			`query($id: ID!) { product(id: $id) { seller { name } preSalesInfo { phone } } }`},
		{`query($id: ID!) { product(id: $id) { name } product(id: $id) { afterSalesGroup { name } seller { name createdAt } } }`,
			`query($id: ID!) { product(id: $id) { name afterSalesGroup { name } seller { name createdAt } } }`},
	} {
		for _, p := range []Persona{Anonymous, Owner} {
			for range 2 { // planned, then from what was kept
				got, want := env.Post(p, c.repeated, vars), env.Post(p, c.one, vars)
				if !bytes.Equal(got.Data, want.Data) || got.Raw["errors"] != nil || want.Raw["errors"] != nil || !bytes.Contains(want.Data, []byte(`"product":{`)) {
					t.Fatalf("as %s:\n%s\nanswered\n%s\nwant\n%s", p, c.repeated, got.Body, want.Body)
				}
			}
		}
	}
}

// uncachedCatalog is a catalog of three released products served without
// the page cache, and the first product's ID.
func uncachedCatalog(t *testing.T) (*Env, string) {
	t.Helper()
	env := NewEnv(t, WithConfig(noPageCache))
	seedCatalog(t, env, 3)
	var first struct {
		Products struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	env.MustDo(Anonymous, `{ products(first: 1) { edges { node { id } } } }`, nil, &first)
	return env, first.Products.Edges[0].Node.ID
}
