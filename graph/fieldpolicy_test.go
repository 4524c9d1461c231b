package graph_test

// The field table of policy/fields.go, checked against the schema, and
// the seller's fields read by every persona through every path.

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2/ast"

	"servicesupport/graph"
	"servicesupport/policy"
)

// ownedByID are the types whose owner is known whatever a query selects
// (a Seller owns itself, and its ID is always loaded); OwnerOrStaff on
// any other type would hide a field from its own seller whenever the
// query did not load seller_id.
var ownedByID = map[string]bool{"Seller": true}

// TestFieldPolicyClassifiesEveryField walks the executable schema and
// fails on an object or interface field the table of policy/fields.go does
// not classify, on a table entry the schema does not have, and on a
// classification the GraphQL layer cannot honour. With -v it lists who
// reads what.
func TestFieldPolicyClassifiesEveryField(t *testing.T) {
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	roots := map[string]bool{}
	for _, def := range []*ast.Definition{schema.Query, schema.Mutation, schema.Subscription} {
		if def != nil {
			roots[def.Name] = true
		}
	}
	var listing []string
	for name, def := range schema.Types {
		if def.BuiltIn || strings.HasPrefix(name, "__") || (def.Kind != ast.Object && def.Kind != ast.Interface) {
			continue
		}
		for _, f := range def.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue
			}
			r := policy.ReaderOf(name, f.Name)
			listing = append(listing, fmt.Sprintf("%-30s %-24s %s", name, f.Name, r))
			switch {
			case r == policy.Unclassified:
				t.Errorf("%s.%s is not classified in policy/fields.go: say who reads it", name, f.Name)
			case r == policy.ByOperation && name != "Mutation":
				t.Errorf("%s.%s is ByOperation, which only a mutation may be (it lets every viewer read)", name, f.Name)
			case r == policy.OwnerOrStaff && !ownedByID[name]:
				t.Errorf("%s.%s is OwnerOrStaff, but a %s's seller is not always loaded", name, f.Name, name)
			}
			if r != policy.Anyone && r != policy.ByOperation && !roots[name] {
				if err := emptiable(schema, f.Type, name+"."+f.Name, 0); err != nil {
					t.Errorf("hidden field %v", err)
				}
			}
		}
	}
	for typ, fields := range policy.Fields() {
		def := schema.Types[typ]
		for f := range fields {
			if def == nil || def.Fields.ForName(f) == nil {
				t.Errorf("policy/fields.go classifies %s.%s, which the schema does not have", typ, f)
			}
		}
	}
	// The contract: others read a seller's id and name only.
	for _, f := range schema.Types["Seller"].Fields {
		want := policy.OwnerOrStaff
		if f.Name == "id" || f.Name == "name" {
			want = policy.Anyone
		}
		if got := policy.ReaderOf("Seller", f.Name); got != want {
			t.Errorf("Seller.%s is read by %s, want %s", f.Name, got, want)
		}
	}
	// The control of emptiable: a name cannot read as empty.
	if emptiable(schema, schema.Types["Seller"].Fields.ForName("name").Type, "Seller.name", 0) == nil {
		t.Error("emptiable accepts a non-null String, which the field middleware cannot empty")
	}
	sort.Strings(listing)
	t.Logf("who reads what (%d fields):\n%s", len(listing), strings.Join(listing, "\n"))
}

// emptiable is nil when a hidden field of type t can answer an empty value
// (graph/fieldpolicy.go): a list, a nullable type, a non-null Int or
// Boolean, or a non-null object (a connection) all of whose fields are.
func emptiable(schema *ast.Schema, t *ast.Type, path string, depth int) error {
	switch {
	case t.Elem != nil, !t.NonNull, t.NamedType == "Int", t.NamedType == "Boolean":
		return nil
	case depth > 5:
		return fmt.Errorf("%s: non-null objects nested too deep to empty", path)
	}
	def := schema.Types[t.NamedType]
	if def == nil || def.Kind != ast.Object {
		return fmt.Errorf("%s of type %s cannot read as empty: make it nullable, or classify it Anyone", path, t)
	}
	for _, f := range def.Fields {
		if err := emptiable(schema, f.Type, path+"."+f.Name, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// everySellerField selects every field of a Seller, an alias and a connection's
// __typename and pageInfo included, so that a hidden answer is checked in
// the shape a client asked for.
const everySellerField = `id name createdAt accountID businessContact { id } preSalesInfo { id }
	groups: customerServiceGroups { id }
	products(first: 2) { __typename totalCount edges { node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } }
	reviews(first: 2) { __typename totalCount edges { node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } }`

// sellerView is a seller as everySellerField reads it.
type sellerView struct {
	ID, Name        string
	CreatedAt       *time.Time
	AccountID       *string
	BusinessContact *struct{ ID string }
	PreSalesInfo    *struct{ ID string }
	Groups          []struct{ ID string }
	Products        json.RawMessage
	Reviews         json.RawMessage
}

// emptyConnection is a hidden connection as everySellerField selects it.
func emptyConnection(typename string) string {
	return `{"__typename":"` + typename + `","totalCount":0,"edges":[],
		"pageInfo":{"hasNextPage":false,"hasPreviousPage":false,"startCursor":null,"endCursor":null}}`
}

// TestFieldPolicySellerPaths reads every field of both sellers through
// every path that reaches a Seller, as every persona: the seller itself
// and staff read every field with its value; anyone else who reaches it
// reads its id and name, null for its other fields and empty lists and
// connections; node and nodes reach it only for its seller and staff.
func TestFieldPolicySellerPaths(t *testing.T) {
	t.Parallel()
	env, w := seedTenants(t)
	// Globex gets a business contact too, so that each private field of
	// both sellers has a value to hide.
	env.Approve(env.MutateOK(OtherSeller, SubmitBusinessM, map[string]any{"in": map[string]any{
		"contactName": "Bob Ops", "phone": "+86 21 6279 8800", "email": "ops@globex.example",
	}}).Review.ID)

	type seller struct {
		id, name, account string
		side              PersonaSet // its seller and staff
		// IDs of its objects that lead to it.
		released, group, review, contact string
	}
	sellers := []seller{
		{w.OwnerSellerID, "Acme Cloud", "acme", acmeSide, w.ReleasedID, w.GroupID, w.ReleaseReviewID, w.PreSalesContactID},
		{w.OtherSellerID, "Globex Software", "globex", globexSide, w.OtherReleasedID, w.OtherGroupID, w.OtherReleaseReviewID, w.OtherPreSalesContactID},
	}
	owner := map[string]Persona{w.OwnerSellerID: Owner, w.OtherSellerID: OtherSeller}
	type path struct {
		name, query string
		vars        func(s seller) map[string]any
		// reaches reports whether p reads s through the path at all.
		reaches func(p Persona, s seller) bool
		// refused are the personas the path answers FORBIDDEN.
		refused PersonaSet
	}
	everybody := func(Persona, seller) bool { return true }
	itsSide := func(p Persona, s seller) bool { return s.side[p] }
	byID := func(pick func(s seller) string) func(s seller) map[string]any {
		return func(s seller) map[string]any { return map[string]any{"id": pick(s)} }
	}
	paths := []path{
		{"product.seller", `query($id: ID!) { product(id: $id) { seller { ` + everySellerField + ` } } }`,
			byID(func(s seller) string { return s.released }), everybody, nil},
		{"products.edges.node.seller", `{ products(first: 2, where: {status: RELEASED}) { edges { node { seller { ` + everySellerField + ` } } } } }`,
			nil, everybody, nil},
		{"product.afterSalesGroup.seller", `query($id: ID!) { product(id: $id) { afterSalesGroup { seller { ` + everySellerField + ` } } } }`,
			byID(func(s seller) string { return s.released }), everybody, nil},
		{"node(seller)", `query($id: ID!) { node(id: $id) { ... on Seller { ` + everySellerField + ` } } }`,
			byID(func(s seller) string { return s.id }), itsSide, nil},
		{"nodes(sellers)", `query($ids: [ID!]!) { nodes(ids: $ids) { ... on Seller { ` + everySellerField + ` } } }`,
			func(seller) map[string]any { return map[string]any{"ids": []string{w.OwnerSellerID, w.OtherSellerID}} }, itsSide, nil},
		{"viewer.seller", `{ viewer { seller { ` + everySellerField + ` } } }`,
			nil, func(p Persona, s seller) bool { return owner[s.id] == p }, nil},
		{"group node.seller", `query($id: ID!) { node(id: $id) { ... on CustomerServiceGroup { seller { ` + everySellerField + ` } } } }`,
			byID(func(s seller) string { return s.group }), itsSide, nil},
		{"review node.seller", `query($id: ID!) { node(id: $id) { ... on Review { seller { ` + everySellerField + ` } } } }`,
			byID(func(s seller) string { return s.review }), itsSide, nil},
		{"contact node.seller", `query($id: ID!) { node(id: $id) { ... on Contact { seller { ` + everySellerField + ` } } } }`,
			byID(func(s seller) string { return s.contact }), itsSide, nil},
		{"events.edges.node.seller", `{ events(first: 3, where: {typeIn: [SELLER_CREATED]}) { edges { node { seller { ` + everySellerField + ` } } } } }`,
			nil, itsSide, Personas(Anonymous)},
	}
	for _, pa := range paths {
		for _, s := range sellers {
			for _, p := range AllReaders {
				t.Run(pa.name+"/"+s.account+"/"+string(p), func(t *testing.T) {
					t.Parallel()
					var vars map[string]any
					if pa.vars != nil {
						vars = pa.vars(s)
					}
					r := readAs(t, env, p, pa.query, vars)
					if pa.refused[p] {
						if r.Code() != "FORBIDDEN" {
							t.Fatalf("code %q, want FORBIDDEN: %s", r.Code(), r.Body)
						}
						return
					}
					if len(r.Errors) > 0 {
						t.Fatalf("unexpected errors: %+v", r.Errors)
					}
					found := sellersIn(t, r.Data, s.id)
					if !pa.reaches(p, s) {
						if len(found) > 0 {
							t.Fatalf("reads %s through %s: %s", s.account, pa.name, r.Data)
						}
						return
					}
					if len(found) == 0 {
						t.Fatalf("does not reach %s through %s: %s", s.account, pa.name, r.Data)
					}
					for _, raw := range found {
						checkSellerView(t, raw, s.id, s.name, s.account, s.side[p])
					}
				})
			}
		}
	}

	// A hidden list or connection reads exactly as a truly empty one: the
	// third seller has no group and no review, as staff read it.
	t.Run("hidden reads as truly empty", func(t *testing.T) {
		t.Parallel()
		r := readOK(t, env, Admin, `query($id: ID!) { node(id: $id) { ... on Seller { groups: customerServiceGroups { id }
			reviews(first: 10) { __typename totalCount edges { node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } } }`,
			map[string]any{"id": w.LoneSellerID})
		JSONEq(t, r.Data, `{"node":{"groups":[],"reviews":`+emptyConnection("ReviewConnection")+`}}`)
	})
}

// sellersIn returns every object of data that is the seller id, as read
// with everySellerField (an object with that id and a name).
func sellersIn(t *testing.T, data json.RawMessage, id string) []json.RawMessage {
	t.Helper()
	var found []json.RawMessage
	var walk func(raw json.RawMessage)
	walk = func(raw json.RawMessage) {
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) == nil {
			var got string
			if _, named := obj["name"]; named && json.Unmarshal(obj["id"], &got) == nil && got == id {
				found = append(found, raw)
			}
			for _, v := range obj {
				walk(v)
			}
			return
		}
		var list []json.RawMessage
		if json.Unmarshal(raw, &list) == nil {
			for _, v := range list {
				walk(v)
			}
		}
	}
	walk(data)
	return found
}

// checkSellerView checks one seller as everySellerField read it: every field
// with its value when private is true (the viewer is its seller or
// staff), else its id and name only.
func checkSellerView(t *testing.T, raw json.RawMessage, id, name, account string, private bool) {
	t.Helper()
	var v sellerView
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("decoding %s: %v", raw, err)
	}
	if v.ID != id || v.Name != name {
		t.Errorf("id %s name %q, want %s %q", v.ID, v.Name, id, name)
	}
	if !private {
		if v.CreatedAt != nil || v.AccountID != nil || v.BusinessContact != nil || v.PreSalesInfo != nil || len(v.Groups) != 0 {
			t.Errorf("reads more than the id and name: %s", raw)
		}
		if v.Groups == nil {
			t.Errorf("customerServiceGroups reads as null, want []: %s", raw)
		}
		JSONEq(t, v.Products, emptyConnection("ProductConnection"))
		JSONEq(t, v.Reviews, emptyConnection("ReviewConnection"))
		return
	}
	if v.CreatedAt == nil || v.CreatedAt.IsZero() || v.AccountID == nil || *v.AccountID != account ||
		v.BusinessContact == nil || v.PreSalesInfo == nil || len(v.Groups) == 0 {
		t.Errorf("the seller itself and staff read every field: %s", raw)
	}
	for field, conn := range map[string]json.RawMessage{"products": v.Products, "reviews": v.Reviews} {
		var c struct {
			TotalCount int
			Edges      []struct{ Node struct{ ID string } }
		}
		if err := json.Unmarshal(conn, &c); err != nil || c.TotalCount == 0 || len(c.Edges) == 0 {
			t.Errorf("%s reads as empty for the seller itself or staff: %s", field, conn)
		}
	}
}
