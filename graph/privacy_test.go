package graph_test

// The privacy suite: it proves the visibility rules of DESIGN.md ("Who may
// see and do what") on every path through the graph — node, nodes, nested
// edges, connections, where filters, mutations and the HTTP auth layer — for
// every persona, through the real handler.
//
// Every request of the suite goes through readAs (or the harness's Send),
// so every answer is checked for what no response may ever contain: SQL
// text and INTERNAL errors (the harness's CheckNoLeaks), and the private
// data of a seller the viewer does not own (addresses, drafts, accountIDs…).

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Private strings of each seller: none of them may reach a viewer that is
// not that seller or staff, in any response body.
var (
	acmeSecrets = []string{
		"Acme Road", "presales2@acme", "+861065529989", "Acme Draft", "Acme Hidden",
		"Acme Removed", "Acme Lone", "Acme Pending", "Acme Rejected", `"accountID":"acme"`, "alice@acme", "ops@acme.example", "Alice Ops",
	}
	globexSecrets  = []string{"Globex Street", "Globex Draft", `"accountID":"globex"`, "bob@globex"}
	initechSecrets = []string{"Initech", `"accountID":"initech"`, "member@initech"}
)

// foreignSecrets lists the strings p must never read.
func foreignSecrets(p Persona) []string {
	switch p {
	case Owner:
		return append(append([]string{}, globexSecrets...), initechSecrets...)
	case OtherSeller:
		return append(append([]string{}, acmeSecrets...), initechSecrets...)
	case Reviewer, Admin:
		return nil
	default:
		return append(append(append([]string{}, acmeSecrets...), globexSecrets...), initechSecrets...)
	}
}

// readAs runs a query as p through the real handler, raw, for test t. Besides
// returning the answer, it checks that the body holds nothing p may not
// read.
func readAs(t testing.TB, env *Env, p Persona, query string, vars map[string]any) Answer {
	t.Helper()
	r := env.For(t).Post(p, query, vars)
	if r.Status != http.StatusOK && r.Status != http.StatusUnprocessableEntity && r.Status != http.StatusBadRequest {
		t.Errorf("as %s: HTTP %d: %s", p, r.Status, r.Body)
	}
	for _, s := range foreignSecrets(p) {
		if bytes.Contains(r.Body, []byte(s)) {
			t.Errorf("as %s: response leaks %q: %s\nquery: %s", p, s, r.Body, query)
		}
	}
	return r
}

// readOK runs a query as p with readAs and fails on any GraphQL error.
func readOK(t testing.TB, env *Env, p Persona, query string, vars map[string]any) Answer {
	t.Helper()
	r := readAs(t, env, p, query, vars)
	if len(r.Errors) > 0 {
		t.Fatalf("as %s: unexpected errors %+v\nquery: %s", p, r.Errors, query)
	}
	return r
}

// tenantWorld is World plus every kind of object the visibility rules tell
// apart, for both sellers, and a third seller with no released product.
type tenantWorld struct {
	World
	OwnerSellerID, OtherSellerID, LoneSellerID string
	// HiddenID was released then hidden; RemovedID was a draft, then removed;
	// InReviewID awaits its release review; RejectedID's was rejected.
	HiddenID, RemovedID, InReviewID, RejectedID, OtherDraftID string
	// LoneDraftID is the only product of the third seller.
	LoneDraftID                        string
	InReviewReviewID, RejectedReviewID string
	// HiddenGroupID is selected only by the hidden product; LoneGroupID by none.
	HiddenGroupID, LoneGroupID string
	// BusinessContactID is approved; PendingContactID is the pre-sales revision
	// 2 decided by PendingReviewID.
	BusinessContactID, PendingContactID, OtherPreSalesContactID                string
	PreSalesReviewID, BusinessReviewID, ReleaseReviewID, HiddenReleaseReviewID string
	OtherPreSalesReviewID, OtherReleaseReviewID                                string
	// Unknown IDs: valid ones that name no row, in a type's range or in none.
	UnknownProductID, UnknownReviewID, UnknownContactID, UnknownTypeID string
}

// seedTenants builds the privacy scenario on a new database.
func seedTenants(t *testing.T) (*Env, tenantWorld) {
	t.Helper()
	env := NewEnv(t)
	w := tenantWorld{World: env.Seed(), OwnerSellerID: env.OwnerSellerID, OtherSellerID: env.OtherSellerID}

	w.BusinessReviewID = env.MutateOK(Owner, SubmitBusinessM, map[string]any{"in": map[string]any{
		"contactName": "Alice Ops", "phone": "+86 10 6552 9900", "email": "ops@acme.example",
	}}).Review.ID
	env.Approve(w.BusinessReviewID)

	w.HiddenGroupID = env.CreateGroup(Owner, GroupInput("Acme Hidden Support"))
	w.HiddenID = env.CreateProduct(Owner, "Acme Hidden", w.HiddenGroupID)
	w.HiddenReleaseReviewID = env.SubmitRelease(Owner, w.HiddenID)
	env.Approve(w.HiddenReleaseReviewID)
	env.MutateOK(Owner, HideM, map[string]any{"id": w.HiddenID})

	w.RemovedID = env.CreateProduct(Owner, "Acme Removed", w.GroupID)
	env.MutateOK(Owner, RemoveM, map[string]any{"id": w.RemovedID})

	w.InReviewID = env.CreateProduct(Owner, "Acme Pending", w.GroupID)
	w.InReviewReviewID = env.SubmitRelease(Owner, w.InReviewID)
	w.RejectedID = env.CreateProduct(Owner, "Acme Rejected", w.GroupID)
	w.RejectedReviewID = env.SubmitRelease(Owner, w.RejectedID)
	env.MutateOK(Reviewer, RejectM, map[string]any{"id": w.RejectedReviewID, "reason": "too vague"})

	w.LoneGroupID = env.CreateGroup(Owner, GroupInput("Acme Lone Support"))
	w.OtherDraftID = env.CreateProduct(OtherSeller, "Globex Draft", w.OtherGroupID)
	w.LoneSellerID = env.CreateSeller("initech", "Initech")
	w.LoneDraftID = env.CreateProduct(SellerOf("initech"), "Initech Draft", "")

	// The IDs the harness does not return, as the staff reads them.
	var all struct {
		Reviews struct {
			Edges []struct {
				Node struct {
					ID, Kind, Status string
					Seller           struct{ ID string }
					Contact, Product *struct{ ID string }
				}
			}
		}
	}
	env.MustDo(Reviewer, `{ reviews(first: 100) { edges { node { id kind status seller { id } contact { id } product { id } } } } }`, nil, &all)
	for _, e := range all.Reviews.Edges {
		n := e.Node
		switch {
		case n.ID == w.PendingReviewID:
			w.PendingContactID = n.Contact.ID
		case n.ID == w.BusinessReviewID:
			w.BusinessContactID = n.Contact.ID
		case n.Contact != nil && n.Contact.ID == w.PreSalesContactID:
			w.PreSalesReviewID = n.ID
		case n.Product != nil && n.Product.ID == w.ReleasedID:
			w.ReleaseReviewID = n.ID
		case n.Product != nil && n.Product.ID == w.OtherReleasedID:
			w.OtherReleaseReviewID = n.ID
		case n.Seller.ID == w.OtherSellerID && n.Kind == "PRE_SALES_INFO":
			w.OtherPreSalesReviewID = n.ID
			w.OtherPreSalesContactID = n.Contact.ID
		}
	}
	for name, id := range map[string]string{
		"pending contact": w.PendingContactID, "pre-sales review": w.PreSalesReviewID, "business contact": w.BusinessContactID,
		"release review": w.ReleaseReviewID, "other release review": w.OtherReleaseReviewID,
		"other pre-sales review": w.OtherPreSalesReviewID, "other pre-sales contact": w.OtherPreSalesContactID,
	} {
		if id == "" {
			t.Fatalf("seeding: no %s among %+v", name, all.Reviews.Edges)
		}
	}
	// Universal IDs: each type owns a range of 1<<32 IDs; these name no row.
	w.UnknownContactID = "999999"
	w.UnknownProductID = strconv.FormatInt(2<<32+999999, 10)
	w.UnknownReviewID = strconv.FormatInt(3<<32+999999, 10)
	w.UnknownTypeID = strconv.FormatInt(7<<32+1, 10)
	return env, w
}

// expand replaces {Name} placeholders in an expected JSON document by the
// world's IDs, as JSON strings.
func (w tenantWorld) expand(s string) string {
	pairs := []string{}
	for k, v := range w.ids() {
		pairs = append(pairs, "{"+k+"}", strconv.Quote(v))
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

// ids names every ID of the world for expand.
func (w tenantWorld) ids() map[string]string {
	return map[string]string{
		"R": w.ReleasedID, "D": w.DraftID, "Rm": w.RemovedID, "H": w.HiddenID,
		"IR": w.InReviewID, "Rj": w.RejectedID, "IRRv": w.InReviewReviewID, "RjRv": w.RejectedReviewID, "LD": w.LoneDraftID,
		"OR": w.OtherReleasedID, "OD": w.OtherDraftID,
		"G": w.GroupID, "HG": w.HiddenGroupID, "LG": w.LoneGroupID, "OG": w.OtherGroupID,
		"PSC": w.PreSalesContactID, "PC": w.PendingContactID, "BC": w.BusinessContactID, "OPSC": w.OtherPreSalesContactID,
		"PRv": w.PendingReviewID, "PSRv": w.PreSalesReviewID, "BRv": w.BusinessReviewID,
		"RRv": w.ReleaseReviewID, "HRRv": w.HiddenReleaseReviewID,
		"OPSRv": w.OtherPreSalesReviewID, "ORRv": w.OtherReleaseReviewID,
		"OS": w.OwnerSellerID, "XS": w.OtherSellerID, "LS": w.LoneSellerID,
	}
}

var (
	everyone   = Personas(AllReaders...)
	acmeSide   = Personas(Owner, Reviewer, Admin)
	globexSide = Personas(OtherSeller, Reviewer, Admin)
	staffOnly  = Personas(Reviewer, Admin)
)

// worldObject is one object of the world and who may read it.
type worldObject struct {
	name, id, typename string
	visible            PersonaSet
	// For sellers: the name, and who reads the accountID.
	sellerName, accountID string
	readsAccount          PersonaSet
}

// expected is the node JSON p reads for the object (null when hidden).
func (o worldObject) expected(p Persona) string {
	if !o.visible[p] {
		return "null"
	}
	if o.typename != "Seller" {
		return fmt.Sprintf(`{"__typename":%q,"id":%q}`, o.typename, o.id)
	}
	acct := "null"
	if o.readsAccount[p] {
		acct = strconv.Quote(o.accountID)
	}
	return fmt.Sprintf(`{"__typename":"Seller","id":%q,"name":%q,"accountID":%s}`, o.id, o.sellerName, acct)
}

// objects lists every object of the world with its visibility, per DESIGN.md.
func (w tenantWorld) objects() []worldObject {
	none := PersonaSet{}
	return []worldObject{
		{name: "released product", id: w.ReleasedID, typename: "Product", visible: everyone},
		{name: "draft product", id: w.DraftID, typename: "Product", visible: acmeSide},
		// "The owner still reads its REMOVED products; nobody else does."
		{name: "removed product", id: w.RemovedID, typename: "Product", visible: Personas(Owner)},
		{name: "hidden product", id: w.HiddenID, typename: "Product", visible: acmeSide},
		{name: "product in review", id: w.InReviewID, typename: "Product", visible: acmeSide},
		{name: "rejected product", id: w.RejectedID, typename: "Product", visible: acmeSide},
		{name: "third seller's draft", id: w.LoneDraftID, typename: "Product", visible: staffOnly},
		{name: "other's released product", id: w.OtherReleasedID, typename: "Product", visible: everyone},
		{name: "other's draft product", id: w.OtherDraftID, typename: "Product", visible: globexSide},
		// Others read a group only as a released product's afterSalesGroup.
		{name: "group of a released product", id: w.GroupID, typename: "CustomerServiceGroup", visible: acmeSide},
		{name: "group of a hidden product only", id: w.HiddenGroupID, typename: "CustomerServiceGroup", visible: acmeSide},
		{name: "group selected by no product", id: w.LoneGroupID, typename: "CustomerServiceGroup", visible: acmeSide},
		{name: "other's group of a released product", id: w.OtherGroupID, typename: "CustomerServiceGroup", visible: globexSide},
		{name: "approved pre-sales contact", id: w.PreSalesContactID, typename: "Contact", visible: acmeSide},
		{name: "pending pre-sales contact", id: w.PendingContactID, typename: "Contact", visible: acmeSide},
		{name: "approved business contact", id: w.BusinessContactID, typename: "Contact", visible: acmeSide},
		{name: "other's pre-sales contact", id: w.OtherPreSalesContactID, typename: "Contact", visible: globexSide},
		{name: "pending review", id: w.PendingReviewID, typename: "Review", visible: acmeSide},
		{name: "approved pre-sales review", id: w.PreSalesReviewID, typename: "Review", visible: acmeSide},
		{name: "approved business review", id: w.BusinessReviewID, typename: "Review", visible: acmeSide},
		{name: "release review", id: w.ReleaseReviewID, typename: "Review", visible: acmeSide},
		{name: "release review of the hidden product", id: w.HiddenReleaseReviewID, typename: "Review", visible: acmeSide},
		{name: "pending release review", id: w.InReviewReviewID, typename: "Review", visible: acmeSide},
		{name: "rejected release review", id: w.RejectedReviewID, typename: "Review", visible: acmeSide},
		{name: "other's pre-sales review", id: w.OtherPreSalesReviewID, typename: "Review", visible: globexSide},
		{name: "other's release review", id: w.OtherReleaseReviewID, typename: "Review", visible: globexSide},
		// A seller reads as a node only for itself and staff: anyone else
		// reads a seller only through a released product.
		{name: "seller", id: w.OwnerSellerID, typename: "Seller", visible: acmeSide,
			sellerName: "Acme Cloud", accountID: "acme", readsAccount: acmeSide},
		{name: "other seller", id: w.OtherSellerID, typename: "Seller", visible: globexSide,
			sellerName: "Globex Software", accountID: "globex", readsAccount: globexSide},
		{name: "seller without released products", id: w.LoneSellerID, typename: "Seller", visible: staffOnly,
			sellerName: "Initech", accountID: "initech", readsAccount: staffOnly},
		{name: "unknown product ID", id: w.UnknownProductID, visible: none},
		{name: "unknown review ID", id: w.UnknownReviewID, visible: none},
		{name: "unknown contact ID", id: w.UnknownContactID, visible: none},
		{name: "ID of no type", id: w.UnknownTypeID, visible: none},
		{name: "largest ID", id: "9223372036854775807", visible: none},
	}
}

const nodeFields = `__typename id ... on Seller { name accountID }`

// TestPrivacyNode reads every object of the world with node(id:) as every
// persona: visible objects read back, hidden ones read as null without error.
func TestPrivacyNode(t *testing.T) {
	t.Parallel()
	env, w := seedTenants(t)
	for _, o := range w.objects() {
		for _, p := range AllReaders {
			t.Run(o.name+"/"+string(p), func(t *testing.T) {
				t.Parallel()
				r := readAs(t, env, p, `query($id: ID!) { node(id: $id) { `+nodeFields+` } }`, map[string]any{"id": o.id})
				if len(r.Errors) > 0 {
					t.Fatalf("a hidden or unknown object must read as null, not an error: %+v", r.Errors)
				}
				JSONEqUnordered(t, r.Data, `{"node":`+o.expected(p)+`}`)
			})
		}
	}
}

// TestPrivacyNodes reads all objects at once with nodes(ids:) as every
// persona, twice over and in reverse, so position mapping is checked too.
func TestPrivacyNodes(t *testing.T) {
	t.Parallel()
	env, w := seedTenants(t)
	objs := w.objects()
	for i := len(objs) - 1; i >= 0; i-- {
		objs = append(objs, objs[i])
	}
	ids := make([]string, len(objs))
	for i, o := range objs {
		ids[i] = o.id
	}
	for _, p := range AllReaders {
		t.Run(string(p), func(t *testing.T) {
			t.Parallel()
			r := readAs(t, env, p, `query($ids: [ID!]!) { nodes(ids: $ids) { `+nodeFields+` } }`, map[string]any{"ids": ids})
			if len(r.Errors) > 0 {
				t.Fatalf("hidden or unknown objects must read as null, not errors: %+v", r.Errors)
			}
			var got struct{ Nodes []json.RawMessage }
			if err := json.Unmarshal(r.Data, &got); err != nil {
				t.Fatal(err)
			}
			if len(got.Nodes) != len(objs) {
				t.Fatalf("got %d nodes for %d ids", len(got.Nodes), len(objs))
			}
			for i, o := range objs {
				if g, w := CanonJSON(t, got.Nodes[i]), CanonJSON(t, []byte(o.expected(p))); g != w {
					t.Errorf("nodes[%d] (%s): got %s, want %s", i, o.name, g, w)
				}
			}
		})
	}
}

// TestPrivacyProductByID asks product(id:) for every ID of the world: only
// visible products answer; IDs of other types and hidden products are null.
func TestPrivacyProductByID(t *testing.T) {
	t.Parallel()
	env, w := seedTenants(t)
	for _, o := range w.objects() {
		for _, p := range AllReaders {
			t.Run(o.name+"/"+string(p), func(t *testing.T) {
				t.Parallel()
				r := readAs(t, env, p, `query($id: ID!) { product(id: $id) { __typename id } }`, map[string]any{"id": o.id})
				if len(r.Errors) > 0 {
					t.Fatalf("unexpected errors: %+v", r.Errors)
				}
				want := "null"
				if o.typename == "Product" && o.visible[p] {
					want = o.expected(p)
				}
				JSONEqUnordered(t, r.Data, `{"product":`+want+`}`)
			})
		}
	}
}

// TestPrivacyMalformedIDs: IDs that are not ours are BAD_USER_INPUT errors
// on every ID argument, never data and never an internal error.
func TestPrivacyMalformedIDs(t *testing.T) {
	t.Parallel()
	env, _ := seedTenants(t)
	queries := map[string]string{
		"node":    `query($id: ID!) { node(id: $id) { id } }`,
		"product": `query($id: ID!) { product(id: $id) { id } }`,
		"nodes":   `query($id: ID!) { nodes(ids: [$id]) { id } }`,
	}
	for _, id := range []string{"abc", "0", "-1", "1.5", " 1", "99999999999999999999", "UHJvZHVjdDox", "'; DROP TABLE products; --"} {
		for qn, q := range queries {
			for _, p := range []Persona{Anonymous, Owner, Reviewer} {
				t.Run(qn+"/"+id+"/"+string(p), func(t *testing.T) {
					t.Parallel()
					r := readAs(t, env, p, q, map[string]any{"id": id})
					if r.Code() != "BAD_USER_INPUT" {
						t.Fatalf("code %q, want BAD_USER_INPUT: %s", r.Code(), r.Body)
					}
					var data map[string]any
					_ = json.Unmarshal(r.Data, &data)
					for k, v := range data {
						if v != nil {
							t.Errorf("%s answered data %v for a malformed ID", k, v)
						}
					}
				})
			}
		}
	}
}

// nestedProductQuery is a deep read of a product: its seller with every private
// edge, its group with the group's own edges, and the public pre-sales info.
const nestedProductQuery = `query($id: ID!) { product(id: $id) { id status
  seller { id name accountID businessContact { id } preSalesInfo { id contactAddress }
    customerServiceGroups { id } products(first: 50) { totalCount edges { node { id } } }
    reviews(first: 50) { totalCount edges { node { id } } } }
  afterSalesGroup { id seller { id accountID } products(first: 50) { totalCount edges { node { id } } } }
  preSalesInfo { phone email } } }`

// TestPrivacyNestedEdges reads every nested edge from a released product
// (and from the Seller and group nodes, the viewer, reviews and contacts):
// a viewer who is not the owner sees only the public projection — the
// seller's id and name (its lists empty), the product's own group, and
// the groups' released products — and no contacts, reviews, drafts or
// accountIDs.
func TestPrivacyNestedEdges(t *testing.T) {
	t.Parallel()
	env, w := seedTenants(t)

	// Others read a seller's id and name only: its other fields read as
	// null, its lists as empty, even its released products and their group.
	acmePublicSeller := `{"id":{OS},"name":"Acme Cloud","accountID":null,"businessContact":null,"preSalesInfo":null,
		"customerServiceGroups":[],"products":{"totalCount":0,"edges":[]},
		"reviews":{"totalCount":0,"edges":[]}}`
	acmePrivateSeller := `{"id":{OS},"name":"Acme Cloud","accountID":"acme","businessContact":{"id":{BC}},
		"preSalesInfo":{"id":{PSC},"contactAddress":"1 Acme Road, Beijing"},
		"customerServiceGroups":[{"id":{G}},{"id":{HG}},{"id":{LG}}],
		"products":{"totalCount":6,"edges":[{"node":{"id":{R}}},{"node":{"id":{D}}},{"node":{"id":{Rm}}},{"node":{"id":{H}}},{"node":{"id":{IR}}},{"node":{"id":{Rj}}}]},
		"reviews":{"totalCount":7,"edges":[{"node":{"id":{PSRv}}},{"node":{"id":{RRv}}},{"node":{"id":{PRv}}},{"node":{"id":{BRv}}},{"node":{"id":{HRRv}}},{"node":{"id":{IRRv}}},{"node":{"id":{RjRv}}}]}}`
	globexPublicSeller := `{"id":{XS},"name":"Globex Software","accountID":null,"businessContact":null,"preSalesInfo":null,
		"customerServiceGroups":[],"products":{"totalCount":0,"edges":[]},
		"reviews":{"totalCount":0,"edges":[]}}`
	globexPrivateSeller := `{"id":{XS},"name":"Globex Software","accountID":"globex","businessContact":null,
		"preSalesInfo":{"id":{OPSC},"contactAddress":"9 Globex Street, Shanghai"},
		"customerServiceGroups":[{"id":{OG}}],
		"products":{"totalCount":2,"edges":[{"node":{"id":{OR}}},{"node":{"id":{OD}}}]},
		"reviews":{"totalCount":2,"edges":[{"node":{"id":{OPSRv}}},{"node":{"id":{ORRv}}}]}}`
	// Staff read everything but the owner's REMOVED product.
	acmeStaffSeller := strings.Replace(strings.Replace(acmePrivateSeller,
		`"totalCount":6,`, `"totalCount":5,`, 1), `{"node":{"id":{Rm}}},`, ``, 1)
	acmeSeller := func(p Persona) string {
		switch {
		case p == Owner:
			return acmePrivateSeller
		case acmeSide[p]:
			return acmeStaffSeller
		}
		return acmePublicSeller
	}
	globexSeller := func(p Persona) string {
		if globexSide[p] {
			return globexPrivateSeller
		}
		return globexPublicSeller
	}
	acmeGroup := func(p Persona) string {
		switch {
		case p == Owner:
			return `{"id":{G},"seller":{"id":{OS},"accountID":"acme"},
				"products":{"totalCount":5,"edges":[{"node":{"id":{R}}},{"node":{"id":{D}}},{"node":{"id":{Rm}}},{"node":{"id":{IR}}},{"node":{"id":{Rj}}}]}}`
		case acmeSide[p]:
			return `{"id":{G},"seller":{"id":{OS},"accountID":"acme"},
				"products":{"totalCount":4,"edges":[{"node":{"id":{R}}},{"node":{"id":{D}}},{"node":{"id":{IR}}},{"node":{"id":{Rj}}}]}}`
		}
		return `{"id":{G},"seller":{"id":{OS},"accountID":null},"products":{"totalCount":1,"edges":[{"node":{"id":{R}}}]}}`
	}
	globexGroup := func(p Persona) string {
		acct, products := "null", `{"totalCount":1,"edges":[{"node":{"id":{OR}}}]}`
		if globexSide[p] {
			acct, products = `"globex"`, `{"totalCount":2,"edges":[{"node":{"id":{OR}}},{"node":{"id":{OD}}}]}`
		}
		return `{"id":{OG},"seller":{"id":{XS},"accountID":` + acct + `},"products":` + products + `}`
	}
	const sellerFields = `id name accountID businessContact { id } preSalesInfo { id contactAddress }
		customerServiceGroups { id } products(first: 50) { totalCount edges { node { id } } }
		reviews(first: 50) { totalCount edges { node { id } } }`
	const groupFields = `id seller { id accountID } products(first: 50) { totalCount edges { node { id } } }`

	type tc struct {
		name, query string
		vars        map[string]any
		want        func(p Persona) string
	}
	cases := []tc{
		{"released product", nestedProductQuery, map[string]any{"id": w.ReleasedID}, func(p Persona) string {
			return `{"product":{"id":{R},"status":"RELEASED","seller":` + acmeSeller(p) + `,"afterSalesGroup":` + acmeGroup(p) +
				`,"preSalesInfo":{"phone":"+861065529988","email":"presales@acme.example"}}}`
		}},
		{"other's released product", nestedProductQuery, map[string]any{"id": w.OtherReleasedID}, func(p Persona) string {
			return `{"product":{"id":{OR},"status":"RELEASED","seller":` + globexSeller(p) + `,"afterSalesGroup":` + globexGroup(p) +
				`,"preSalesInfo":{"phone":"+862162798899","email":"presales@globex.example"}}}`
		}},
		{"draft product", nestedProductQuery, map[string]any{"id": w.DraftID}, func(p Persona) string {
			if !acmeSide[p] {
				return `{"product":null}`
			}
			return `{"product":{"id":{D},"status":"DRAFT","seller":` + acmeSeller(p) + `,"afterSalesGroup":` + acmeGroup(p) +
				`,"preSalesInfo":{"phone":"+861065529988","email":"presales@acme.example"}}}`
		}},
		{"removed product", `query($id: ID!) { product(id: $id) { id status seller { id } afterSalesGroup { id } } }`,
			map[string]any{"id": w.RemovedID}, func(p Persona) string {
				if p != Owner {
					return `{"product":null}`
				}
				return `{"product":{"id":{Rm},"status":"REMOVED","seller":{"id":{OS}},"afterSalesGroup":{"id":{G}}}}`
			}},
		{"hidden product", `query($id: ID!) { product(id: $id) { id status afterSalesGroup { id products { totalCount } } } }`,
			map[string]any{"id": w.HiddenID}, func(p Persona) string {
				if !acmeSide[p] {
					return `{"product":null}`
				}
				return `{"product":{"id":{H},"status":"HIDDEN","afterSalesGroup":{"id":{HG},"products":{"totalCount":1}}}}`
			}},
		// Others read a seller only through a released product, and a group
		// only as a released product's group: by ID, only its seller's side.
		{"seller node", `query($id: ID!) { node(id: $id) { ... on Seller { ` + sellerFields + ` } } }`,
			map[string]any{"id": w.OwnerSellerID}, nodeFor(acmeSide, acmeSeller)},
		{"other seller node", `query($id: ID!) { node(id: $id) { ... on Seller { ` + sellerFields + ` } } }`,
			map[string]any{"id": w.OtherSellerID}, nodeFor(globexSide, globexSeller)},
		{"group node", `query($id: ID!) { node(id: $id) { ... on CustomerServiceGroup { ` + groupFields + ` } } }`,
			map[string]any{"id": w.GroupID}, nodeFor(acmeSide, acmeGroup)},
		{"other's group node", `query($id: ID!) { node(id: $id) { ... on CustomerServiceGroup { ` + groupFields + ` } } }`,
			map[string]any{"id": w.OtherGroupID}, nodeFor(globexSide, globexGroup)},
		{"hidden product's group node", `query($id: ID!) { node(id: $id) { ... on CustomerServiceGroup { ` + groupFields + ` } } }`,
			map[string]any{"id": w.HiddenGroupID}, func(p Persona) string {
				if !acmeSide[p] {
					return `{"node":null}`
				}
				return `{"node":{"id":{HG},"seller":{"id":{OS},"accountID":"acme"},"products":{"totalCount":1,"edges":[{"node":{"id":{H}}}]}}}`
			}},
		{"lone group node", `query($id: ID!) { node(id: $id) { ... on CustomerServiceGroup { ` + groupFields + ` } } }`,
			map[string]any{"id": w.LoneGroupID}, func(p Persona) string {
				if !acmeSide[p] {
					return `{"node":null}`
				}
				return `{"node":{"id":{LG},"seller":{"id":{OS},"accountID":"acme"},"products":{"totalCount":0,"edges":[]}}}`
			}},
		{"pending review", `query($id: ID!) { node(id: $id) { ... on Review { id kind status seller { id accountID }
			contact { id revision phone contactAddress review { id } } product { id } } } }`,
			map[string]any{"id": w.PendingReviewID}, func(p Persona) string {
				if !acmeSide[p] {
					return `{"node":null}`
				}
				return `{"node":{"id":{PRv},"kind":"PRE_SALES_INFO","status":"PENDING","seller":{"id":{OS},"accountID":"acme"},
					"contact":{"id":{PC},"revision":2,"phone":"+861065529989","contactAddress":"2 Acme Road, Beijing","review":{"id":{PRv}}},"product":null}}`
			}},
		{"release review", `query($id: ID!) { node(id: $id) { ... on Review { id kind status seller { id } contact { id } product { id status } } } }`,
			map[string]any{"id": w.ReleaseReviewID}, func(p Persona) string {
				if !acmeSide[p] {
					return `{"node":null}`
				}
				return `{"node":{"id":{RRv},"kind":"PRODUCT_RELEASE","status":"APPROVED","seller":{"id":{OS}},"contact":null,"product":{"id":{R},"status":"RELEASED"}}}`
			}},
		{"hidden product's release review", `query($id: ID!) { node(id: $id) { ... on Review { id product { id status } } } }`,
			map[string]any{"id": w.HiddenReleaseReviewID}, func(p Persona) string {
				if !acmeSide[p] {
					return `{"node":null}`
				}
				return `{"node":{"id":{HRRv},"product":{"id":{H},"status":"HIDDEN"}}}`
			}},
		{"approved contact", `query($id: ID!) { node(id: $id) { ... on Contact { id kind revision phone contactAddress seller { id } review { id status } } } }`,
			map[string]any{"id": w.PreSalesContactID}, func(p Persona) string {
				if !acmeSide[p] {
					return `{"node":null}`
				}
				return `{"node":{"id":{PSC},"kind":"PRE_SALES","revision":1,"phone":"+861065529988","contactAddress":"1 Acme Road, Beijing",
					"seller":{"id":{OS}},"review":{"id":{PSRv},"status":"APPROVED"}}}`
			}},
		{"viewer's seller", `{ viewer { seller { ` + sellerFields + ` } } }`, nil, func(p Persona) string {
			switch p {
			case Owner:
				return `{"viewer":{"seller":` + acmePrivateSeller + `}}`
			case OtherSeller:
				return `{"viewer":{"seller":` + globexPrivateSeller + `}}`
			}
			return `{"viewer":{"seller":null}}`
		}},
		{"products connection edges", `{ products(first: 50) { edges { node { id seller { id accountID preSalesInfo { id } businessContact { id }
			reviews { totalCount } products { totalCount } customerServiceGroups { id } } afterSalesGroup { id products { totalCount } } } } } }`,
			nil, func(p Persona) string {
				acme := func(id, group string, groupProducts int) string {
					if acmeSide[p] {
						sellerProducts := 6
						if p != Owner { // staff do not read the REMOVED product
							sellerProducts--
							if group == "{G}" {
								groupProducts--
							}
						}
						return fmt.Sprintf(`{"node":{"id":%s,"seller":{"id":{OS},"accountID":"acme","preSalesInfo":{"id":{PSC}},"businessContact":{"id":{BC}},
							"reviews":{"totalCount":7},"products":{"totalCount":%d},"customerServiceGroups":[{"id":{G}},{"id":{HG}},{"id":{LG}}]},
							"afterSalesGroup":{"id":%s,"products":{"totalCount":%d}}}}`, id, sellerProducts, group, groupProducts)
					}
					return fmt.Sprintf(`{"node":{"id":%s,"seller":{"id":{OS},"accountID":null,"preSalesInfo":null,"businessContact":null,
						"reviews":{"totalCount":0},"products":{"totalCount":0},"customerServiceGroups":[]},
						"afterSalesGroup":{"id":%s,"products":{"totalCount":%d}}}}`, id, group, groupProducts)
				}
				globex := func(id string) string {
					if globexSide[p] {
						return fmt.Sprintf(`{"node":{"id":%s,"seller":{"id":{XS},"accountID":"globex","preSalesInfo":{"id":{OPSC}},"businessContact":null,
							"reviews":{"totalCount":2},"products":{"totalCount":2},"customerServiceGroups":[{"id":{OG}}]},
							"afterSalesGroup":{"id":{OG},"products":{"totalCount":2}}}}`, id)
					}
					return fmt.Sprintf(`{"node":{"id":%s,"seller":{"id":{XS},"accountID":null,"preSalesInfo":null,"businessContact":null,
						"reviews":{"totalCount":0},"products":{"totalCount":0},"customerServiceGroups":[]},
						"afterSalesGroup":{"id":{OG},"products":{"totalCount":1}}}}`, id)
				}
				var edges []string
				if acmeSide[p] {
					edges = append(edges, acme("{R}", "{G}", 5), acme("{D}", "{G}", 5))
					if p == Owner {
						edges = append(edges, acme("{Rm}", "{G}", 5))
					}
					edges = append(edges, acme("{H}", "{HG}", 1), acme("{IR}", "{G}", 5), acme("{Rj}", "{G}", 5))
				} else {
					edges = append(edges, acme("{R}", "{G}", 1))
				}
				edges = append(edges, globex("{OR}"))
				if globexSide[p] {
					edges = append(edges, globex("{OD}"))
				}
				if staffOnly[p] {
					edges = append(edges, `{"node":{"id":{LD},"seller":{"id":{LS},"accountID":"initech","preSalesInfo":null,"businessContact":null,
						"reviews":{"totalCount":0},"products":{"totalCount":1},"customerServiceGroups":[]},"afterSalesGroup":null}}`)
				}
				return `{"products":{"edges":[` + strings.Join(edges, ",") + `]}}`
			}},
	}
	for _, c := range cases {
		for _, p := range AllReaders {
			t.Run(c.name+"/"+string(p), func(t *testing.T) {
				t.Parallel()
				r := readAs(t, env, p, c.query, c.vars)
				if len(r.Errors) > 0 {
					t.Fatalf("unexpected errors: %+v", r.Errors)
				}
				JSONEqUnordered(t, r.Data, w.expand(c.want(p)))
			})
		}
	}
}

// worldProduct describes a product of the world for filter expectations.
type worldProduct struct {
	key, name, status string
	released          bool // has a releasedAt
	visible           PersonaSet
}

func (w tenantWorld) products() []worldProduct {
	return []worldProduct{
		{"R", "Acme Compute", "RELEASED", true, everyone},
		{"D", "Acme Draft", "DRAFT", false, acmeSide},
		{"Rm", "Acme Removed", "REMOVED", false, Personas(Owner)},
		{"H", "Acme Hidden", "HIDDEN", true, acmeSide},
		{"IR", "Acme Pending", "IN_REVIEW", false, acmeSide},
		{"Rj", "Acme Rejected", "REJECTED", false, acmeSide},
		{"OR", "Globex Storage", "RELEASED", true, everyone},
		{"OD", "Globex Draft", "DRAFT", false, globexSide},
		{"LD", "Initech Draft", "DRAFT", false, staffOnly},
	}
}

// TestPrivacyProductsConnection lists products as every persona, with and
// without where filters: a filter only narrows what the viewer may see.
func TestPrivacyProductsConnection(t *testing.T) {
	t.Parallel()
	env, w := seedTenants(t)
	ids := w.ids()
	type filter struct {
		name  string
		where map[string]any
		match func(worldProduct) bool
	}
	all := func(worldProduct) bool { return true }
	filters := []filter{
		{"no filter", nil, all},
		{"status DRAFT", map[string]any{"status": "DRAFT"}, func(p worldProduct) bool { return p.status == "DRAFT" }},
		{"status not RELEASED", map[string]any{"statusNEQ": "RELEASED"}, func(p worldProduct) bool { return p.status != "RELEASED" }},
		{"statusIn unreleased", map[string]any{"statusIn": []string{"DRAFT", "IN_REVIEW", "REJECTED", "HIDDEN", "REMOVED"}},
			func(p worldProduct) bool { return p.status != "RELEASED" }},
		{"not released", map[string]any{"not": map[string]any{"status": "RELEASED"}}, func(p worldProduct) bool { return p.status != "RELEASED" }},
		{"or hidden removed", map[string]any{"or": []any{map[string]any{"status": "HIDDEN"}, map[string]any{"status": "REMOVED"}}},
			func(p worldProduct) bool { return p.status == "HIDDEN" || p.status == "REMOVED" }},
		{"name prefix Acme", map[string]any{"nameHasPrefix": "Acme"}, func(p worldProduct) bool { return strings.HasPrefix(p.name, "Acme") }},
		{"name contains Draft", map[string]any{"nameContainsFold": "draft"}, func(p worldProduct) bool { return strings.Contains(p.name, "Draft") }},
		{"idIn every product", map[string]any{"idIn": []string{ids["R"], ids["D"], ids["Rm"], ids["H"], ids["IR"], ids["Rj"], ids["OR"], ids["OD"], ids["LD"]}}, all},
		{"id of the draft", map[string]any{"id": ids["D"]}, func(p worldProduct) bool { return p.key == "D" }},
		{"id of the other's draft", map[string]any{"id": ids["OD"]}, func(p worldProduct) bool { return p.key == "OD" }},
		{"never released", map[string]any{"releasedAtIsNil": true}, func(p worldProduct) bool { return !p.released }},
		{"ever released", map[string]any{"releasedAtNotNil": true}, func(p worldProduct) bool { return p.released }},
		{"in review or rejected", map[string]any{"statusIn": []string{"IN_REVIEW", "REJECTED"}}, func(p worldProduct) bool { return p.status == "IN_REVIEW" || p.status == "REJECTED" }},
	}
	for _, f := range filters {
		for _, p := range AllReaders {
			t.Run(f.name+"/"+string(p), func(t *testing.T) {
				t.Parallel()
				vars := map[string]any{}
				if f.where != nil {
					vars["where"] = f.where
				}
				r := readAs(t, env, p, `query($where: ProductWhereInput) { products(first: 50, where: $where) { totalCount edges { node { id name status } } } }`, vars)
				if len(r.Errors) > 0 {
					t.Fatalf("unexpected errors: %+v", r.Errors)
				}
				var edges []string
				for _, pr := range w.products() {
					if pr.visible[p] && f.match(pr) {
						edges = append(edges, fmt.Sprintf(`{"node":{"id":%q,"name":%q,"status":%q}}`, ids[pr.key], pr.name, pr.status))
					}
				}
				JSONEqUnordered(t, r.Data, fmt.Sprintf(`{"products":{"totalCount":%d,"edges":[%s]}}`, len(edges), strings.Join(edges, ",")))
			})
		}
	}
}

// TestPrivacyProductsPagination pages through products one by one, forwards
// and backwards: the pages hold exactly what the persona may see.
func TestPrivacyProductsPagination(t *testing.T) {
	t.Parallel()
	env, w := seedTenants(t)
	ids := w.ids()
	for _, p := range AllReaders {
		for _, backwards := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/backwards=%v", p, backwards), func(t *testing.T) {
				t.Parallel()
				var want []string
				for _, pr := range w.products() {
					if pr.visible[p] {
						want = append(want, ids[pr.key])
					}
				}
				var got []string
				var cursor any
				for i := 0; i <= len(want); i++ {
					q := `query($c: Cursor) { products(first: 1, after: $c, orderBy: {field: CREATED_AT}) { totalCount edges { node { id } } pageInfo { hasNextPage endCursor } } }`
					if backwards {
						q = `query($c: Cursor) { products(last: 1, before: $c, orderBy: {field: CREATED_AT}) { totalCount edges { node { id } } pageInfo { hasNextPage: hasPreviousPage endCursor: startCursor } } }`
					}
					r := readAs(t, env, p, q, map[string]any{"c": cursor})
					if len(r.Errors) > 0 {
						t.Fatalf("unexpected errors: %+v", r.Errors)
					}
					var out struct {
						Products struct {
							TotalCount int
							Edges      []struct{ Node struct{ ID string } }
							PageInfo   struct {
								HasNextPage bool
								EndCursor   *string
							}
						}
					}
					if err := json.Unmarshal(r.Data, &out); err != nil {
						t.Fatal(err)
					}
					if out.Products.TotalCount != len(want) {
						t.Errorf("totalCount %d, want %d", out.Products.TotalCount, len(want))
					}
					for _, e := range out.Products.Edges {
						got = append(got, e.Node.ID)
					}
					if !out.Products.PageInfo.HasNextPage {
						break
					}
					cursor = out.Products.PageInfo.EndCursor
				}
				sort.Strings(got)
				sort.Strings(want)
				if !reflect.DeepEqual(got, want) {
					t.Errorf("paged through %v, want %v", got, want)
				}
			})
		}
	}
}

// TestPrivacyNoFilterBySeller: the where inputs offer no way to select by
// seller, account or group, so none can be used as an oracle.
func TestPrivacyNoFilterBySeller(t *testing.T) {
	t.Parallel()
	env, w := seedTenants(t)
	queries := map[string]string{
		"products hasSellerWith accountID": `{ products(where: {hasSellerWith: {accountID: "acme"}}) { totalCount } }`,
		"products hasSeller":               `{ products(where: {hasSeller: true}) { totalCount } }`,
		"products sellerID":                `{ products(where: {sellerID: "` + w.OwnerSellerID + `"}) { totalCount } }`,
		"products accountID":               `{ products(where: {accountID: "acme"}) { totalCount } }`,
		"products hasAfterSalesGroupWith":  `{ products(where: {hasAfterSalesGroupWith: {name: "Acme Support"}}) { totalCount } }`,
		"products afterSalesGroupID":       `{ products(where: {afterSalesGroupID: "` + w.GroupID + `"}) { totalCount } }`,
		"reviews hasSellerWith":            `{ reviews(where: {hasSellerWith: {accountID: "acme"}}) { totalCount } }`,
		"reviews hasContactWith":           `{ reviews(where: {hasContactWith: {contactAddressContains: "Road"}}) { totalCount } }`,
		"reviews sellerID":                 `{ reviews(where: {sellerID: "` + w.OwnerSellerID + `"}) { totalCount } }`,
		"sellers accountID":                `{ sellers(where: {accountID: "acme"}) { totalCount } }`,
	}
	for name, q := range queries {
		for _, p := range AllReaders {
			t.Run(name+"/"+string(p), func(t *testing.T) {
				t.Parallel()
				r := readAs(t, env, p, q, nil)
				if r.Code() != "GRAPHQL_VALIDATION_FAILED" {
					t.Fatalf("code %q, want GRAPHQL_VALIDATION_FAILED: %s", r.Code(), r.Body)
				}
				JSONEqUnordered(t, r.Data, `null`)
			})
		}
	}
}

// TestPrivacyReviewsConnection: reviews is FORBIDDEN to anonymous viewers,
// a seller's own to sellers (whatever the filter), everything to staff.
func TestPrivacyReviewsConnection(t *testing.T) {
	t.Parallel()
	env, w := seedTenants(t)
	ids := w.ids()
	type review struct {
		key, status, submittedBy string
		visible                  PersonaSet
	}
	reviews := []review{
		{"PSRv", "APPROVED", "alice@acme", acmeSide},
		{"RRv", "APPROVED", "alice@acme", acmeSide},
		{"PRv", "PENDING", "alice@acme", acmeSide},
		{"BRv", "APPROVED", "alice@acme", acmeSide},
		{"HRRv", "APPROVED", "alice@acme", acmeSide},
		{"IRRv", "PENDING", "alice@acme", acmeSide},
		{"RjRv", "REJECTED", "alice@acme", acmeSide},
		{"OPSRv", "APPROVED", "bob@globex", globexSide},
		{"ORRv", "APPROVED", "bob@globex", globexSide},
	}
	type filter struct {
		name  string
		where map[string]any
		match func(review) bool
	}
	filters := []filter{
		{"no filter", nil, func(review) bool { return true }},
		{"pending", map[string]any{"status": "PENDING"}, func(r review) bool { return r.status == "PENDING" }},
		{"submitted by alice", map[string]any{"submittedBy": "alice@acme"}, func(r review) bool { return r.submittedBy == "alice@acme" }},
		{"submitted by bob", map[string]any{"submittedByContains": "globex"}, func(r review) bool { return r.submittedBy == "bob@globex" }},
		{"rejected", map[string]any{"statusIn": []string{"REJECTED", "WITHDRAWN", "SUPERSEDED"}}, func(r review) bool { return r.status == "REJECTED" }},
		{"idIn all", map[string]any{"idIn": []string{ids["PSRv"], ids["RRv"], ids["PRv"], ids["BRv"], ids["HRRv"], ids["IRRv"], ids["RjRv"], ids["OPSRv"], ids["ORRv"]}},
			func(review) bool { return true }},
	}
	for _, f := range filters {
		for _, p := range AllReaders {
			t.Run(f.name+"/"+string(p), func(t *testing.T) {
				t.Parallel()
				vars := map[string]any{}
				if f.where != nil {
					vars["where"] = f.where
				}
				r := readAs(t, env, p, `query($where: ReviewWhereInput) { reviews(first: 50, where: $where) { totalCount edges { node { id status seller { id } } } } }`, vars)
				if p == Anonymous {
					if r.Code() != "FORBIDDEN" {
						t.Fatalf("code %q, want FORBIDDEN: %s", r.Code(), r.Body)
					}
					JSONEqUnordered(t, r.Data, `null`)
					return
				}
				if p == NoSellerAccount && r.Code() == "FORBIDDEN" {
					return // refusing a seller without a seller is as good as an empty list
				}
				if len(r.Errors) > 0 {
					t.Fatalf("unexpected errors: %+v", r.Errors)
				}
				var edges []string
				for _, rv := range reviews {
					if rv.visible[p] && f.match(rv) {
						seller := ids["OS"]
						if rv.submittedBy == "bob@globex" {
							seller = ids["XS"]
						}
						edges = append(edges, fmt.Sprintf(`{"node":{"id":%q,"status":%q,"seller":{"id":%q}}}`, ids[rv.key], rv.status, seller))
					}
				}
				JSONEqUnordered(t, r.Data, fmt.Sprintf(`{"reviews":{"totalCount":%d,"edges":[%s]}}`, len(edges), strings.Join(edges, ",")))
			})
		}
	}
}

// TestPrivacySellersConnection: sellers is FORBIDDEN to anyone but staff.
func TestPrivacySellersConnection(t *testing.T) {
	t.Parallel()
	env, w := seedTenants(t)
	for _, p := range AllReaders {
		for _, q := range []string{
			`{ sellers { totalCount edges { node { id name accountID } } } }`,
			`{ sellers(first: 1, where: {name: "Acme Cloud"}) { totalCount edges { node { id name accountID } } } }`,
		} {
			t.Run(string(p)+"/"+q, func(t *testing.T) {
				t.Parallel()
				r := readAs(t, env, p, q, nil)
				if !staffOnly[p] {
					if r.Code() != "FORBIDDEN" {
						t.Fatalf("code %q, want FORBIDDEN: %s", r.Code(), r.Body)
					}
					JSONEqUnordered(t, r.Data, `null`)
					return
				}
				if len(r.Errors) > 0 {
					t.Fatalf("unexpected errors: %+v", r.Errors)
				}
				want := `{"sellers":{"totalCount":3,"edges":[{"node":{"id":{OS},"name":"Acme Cloud","accountID":"acme"}},
					{"node":{"id":{XS},"name":"Globex Software","accountID":"globex"}},{"node":{"id":{LS},"name":"Initech","accountID":"initech"}}]}}`
				if strings.Contains(q, "where") {
					want = `{"sellers":{"totalCount":1,"edges":[{"node":{"id":{OS},"name":"Acme Cloud","accountID":"acme"}}]}}`
				}
				JSONEqUnordered(t, r.Data, w.expand(want))
			})
		}
	}
}

// TestPrivacyPreSalesInfo: Product.preSalesInfo shows the APPROVED pre-sales
// phone and email (not the pending revision) to everybody who may see the
// product, and no path gives the contact address to anonymous viewers.
func TestPrivacyPreSalesInfo(t *testing.T) {
	t.Parallel()
	env, w := seedTenants(t)
	acme := `{"phone":"+861065529988","email":"presales@acme.example"}`
	globex := `{"phone":"+862162798899","email":"presales@globex.example"}`
	for _, p := range AllReaders {
		t.Run("product page/"+string(p), func(t *testing.T) {
			t.Parallel()
			r := readOK(t, env, p, `query($a: ID!, $b: ID!) { a: product(id: $a) { preSalesInfo { phone email } } b: product(id: $b) { preSalesInfo { phone email } } }`,
				map[string]any{"a": w.ReleasedID, "b": w.OtherReleasedID})
			JSONEqUnordered(t, r.Data, `{"a":{"preSalesInfo":`+acme+`},"b":{"preSalesInfo":`+globex+`}}`)
		})
		t.Run("products list/"+string(p), func(t *testing.T) {
			t.Parallel()
			r := readOK(t, env, p, `{ products(first: 50, where: {status: RELEASED}) { edges { node { id preSalesInfo { phone email } } } } }`, nil)
			JSONEqUnordered(t, r.Data, w.expand(`{"products":{"edges":[{"node":{"id":{R},"preSalesInfo":`+acme+`}},{"node":{"id":{OR},"preSalesInfo":`+globex+`}}]}}`))
		})
	}
	for _, q := range []string{
		`query($id: ID!) { product(id: $id) { preSalesInfo { contactAddress } } }`,
		`query($id: ID!) { product(id: $id) { preSalesInfo { phone email address } } }`,
	} {
		t.Run("no address field/"+q, func(t *testing.T) {
			t.Parallel()
			r := readAs(t, env, Anonymous, q, map[string]any{"id": w.ReleasedID})
			if r.Code() != "GRAPHQL_VALIDATION_FAILED" {
				t.Fatalf("code %q, want GRAPHQL_VALIDATION_FAILED: %s", r.Code(), r.Body)
			}
		})
	}
	// Every other path to a contact reads null for an anonymous viewer (and
	// readAs fails if "Acme Road" appears anywhere).
	r := readOK(t, env, Anonymous, `query($id: ID!, $g: ID!, $c: ID!, $rv: ID!) {
		product(id: $id) { seller { preSalesInfo { contactAddress } businessContact { contactAddress } } afterSalesGroup { seller { preSalesInfo { contactAddress } } } }
		group: node(id: $g) { ... on CustomerServiceGroup { seller { preSalesInfo { contactAddress } } } }
		contact: node(id: $c) { ... on Contact { contactAddress } }
		review: node(id: $rv) { ... on Review { contact { contactAddress } } } }`,
		map[string]any{"id": w.ReleasedID, "g": w.GroupID, "c": w.PreSalesContactID, "rv": w.PreSalesReviewID})
	JSONEqUnordered(t, r.Data, `{"product":{"seller":{"preSalesInfo":null,"businessContact":null},"afterSalesGroup":{"seller":{"preSalesInfo":null}}},
		"group":null,"contact":null,"review":null}`)
}

// TestPrivacyPreSalesInfoFollowsApproval: once the pending revision is
// approved, the product page shows it; until then it showed the old one.
func TestPrivacyPreSalesInfoFollowsApproval(t *testing.T) {
	t.Parallel()
	env, w := seedTenants(t)
	q := `query($id: ID!) { product(id: $id) { preSalesInfo { phone email } } }`
	r := readOK(t, env, Anonymous, q, map[string]any{"id": w.ReleasedID})
	JSONEqUnordered(t, r.Data, `{"product":{"preSalesInfo":{"phone":"+861065529988","email":"presales@acme.example"}}}`)
	env.Approve(w.PendingReviewID)
	r = env.Post(Anonymous, q, map[string]any{"id": w.ReleasedID}) // the new revision is public now
	JSONEqUnordered(t, r.Data, `{"product":{"preSalesInfo":{"phone":"+861065529989","email":"presales2@acme.example"}}}`)
}

// TestPrivacyViewer checks viewer for every persona, including a seller
// token whose account has no Seller.
func TestPrivacyViewer(t *testing.T) {
	t.Parallel()
	env, w := seedTenants(t)
	want := map[Persona]string{
		Anonymous:       `{"viewer":{"role":"ANONYMOUS","subject":null,"seller":null}}`,
		Owner:           `{"viewer":{"role":"SELLER","subject":"alice@acme","seller":{"id":{OS},"name":"Acme Cloud","accountID":"acme"}}}`,
		OtherSeller:     `{"viewer":{"role":"SELLER","subject":"bob@globex","seller":{"id":{XS},"name":"Globex Software","accountID":"globex"}}}`,
		Reviewer:        `{"viewer":{"role":"REVIEWER","subject":"rita@ops","seller":null}}`,
		Admin:           `{"viewer":{"role":"ADMIN","subject":"adam@ops","seller":null}}`,
		NoSellerAccount: `{"viewer":{"role":"SELLER","subject":"nora@nowhere","seller":null}}`,
	}
	for _, p := range AllReaders {
		t.Run(string(p), func(t *testing.T) {
			t.Parallel()
			r := readOK(t, env, p, `{ viewer { role subject seller { id name accountID } } }`, nil)
			JSONEqUnordered(t, r.Data, w.expand(want[p]))
		})
	}
}

// mutationCase is one mutation of the contract with arguments aimed at the
// owner's objects.
type mutationCase struct {
	field, payload, query string
	vars                  func(w tenantWorld) map[string]any
}

const ueTail = ` userErrors { field message code } } }`

// contractMutations lists every mutation of the contract.
func contractMutations() []mutationCase {
	id := func(pick func(w tenantWorld) string) func(w tenantWorld) map[string]any {
		return func(w tenantWorld) map[string]any { return map[string]any{"id": pick(w)} }
	}
	return []mutationCase{
		{"submitBusinessContact", "review", `mutation { submitBusinessContact(input: {contactName: "Mallory", phone: "+86 10 6552 7777", email: "mallory@example.com"}) { review { id }` + ueTail, nil},
		{"submitPreSalesInfo", "review", `mutation { submitPreSalesInfo(input: {phone: "+86 10 6552 7777", email: "mallory@example.com", contactAddress: "Nowhere"}) { review { id }` + ueTail, nil},
		{"createCustomerServiceGroup", "customerServiceGroup", `mutation($in: CustomerServiceGroupInput!) { createCustomerServiceGroup(input: $in) { customerServiceGroup { id }` + ueTail,
			func(tenantWorld) map[string]any { return map[string]any{"in": GroupInput("Mallory Support")} }},
		{"updateCustomerServiceGroup", "customerServiceGroup", `mutation($id: ID!, $in: CustomerServiceGroupInput!) { updateCustomerServiceGroup(id: $id, input: $in) { customerServiceGroup { id }` + ueTail,
			func(w tenantWorld) map[string]any {
				return map[string]any{"id": w.GroupID, "in": GroupInput("Hijacked Support")}
			}},
		{"deleteCustomerServiceGroup", "deletedID", `mutation($id: ID!) { deleteCustomerServiceGroup(id: $id) { deletedID` + ueTail,
			id(func(w tenantWorld) string { return w.LoneGroupID })},
		{"createProduct", "product", `mutation($g: ID!) { createProduct(input: {name: "Hijacked", afterSalesGroupID: $g}) { product { id }` + ueTail,
			func(w tenantWorld) map[string]any { return map[string]any{"g": w.GroupID} }},
		{"updateProduct", "product", `mutation($id: ID!) { updateProduct(id: $id, input: {name: "Hijacked"}) { product { id }` + ueTail,
			id(func(w tenantWorld) string { return w.DraftID })},
		{"submitProductRelease", "review", `mutation($id: ID!) { submitProductRelease(id: $id) { review { id }` + ueTail,
			id(func(w tenantWorld) string { return w.DraftID })},
		{"hideProduct", "product", `mutation($id: ID!) { hideProduct(id: $id) { product { id }` + ueTail,
			id(func(w tenantWorld) string { return w.ReleasedID })},
		{"showProduct", "product", `mutation($id: ID!) { showProduct(id: $id) { product { id }` + ueTail,
			id(func(w tenantWorld) string { return w.HiddenID })},
		{"removeProduct", "product", `mutation($id: ID!) { removeProduct(id: $id) { product { id }` + ueTail,
			id(func(w tenantWorld) string { return w.ReleasedID })},
		{"withdrawReview", "review", `mutation($id: ID!) { withdrawReview(id: $id) { review { id }` + ueTail,
			id(func(w tenantWorld) string { return w.PendingReviewID })},
		{"approveReview", "review", `mutation($id: ID!) { approveReview(id: $id, comment: "fine") { review { id }` + ueTail,
			id(func(w tenantWorld) string { return w.PendingReviewID })},
		{"rejectReview", "review", `mutation($id: ID!) { rejectReview(id: $id, reason: "not fine") { review { id }` + ueTail,
			id(func(w tenantWorld) string { return w.PendingReviewID })},
		{"createSeller", "seller", `mutation { createSeller(input: {accountID: "hooli", name: "Hooli"}) { seller { id }` + ueTail, nil},
	}
}

// outcome is what a persona's mutation must answer.
type outcome struct {
	kind  string   // "ok", "forbidden" or "not found"
	field []string // the userErrors field of "not found"
}

var (
	outcomeOK        = outcome{kind: "ok"}
	outcomeForbidden = outcome{kind: "forbidden"}
)

func outcomeNotFound(field ...string) outcome { return outcome{kind: "not found", field: field} }

// expectedOutcome is the outcome of a mutation of contractMutations for a persona.
func expectedOutcome(m mutationCase, p Persona) outcome {
	switch m.field {
	case "createSeller":
		if p == Admin {
			return outcomeOK
		}
		return outcomeForbidden
	case "approveReview", "rejectReview":
		if staffOnly[p] {
			return outcomeOK
		}
		return outcomeForbidden
	}
	switch p {
	case Owner:
		return outcomeOK
	case OtherSeller:
		switch m.field {
		case "submitBusinessContact", "submitPreSalesInfo", "createCustomerServiceGroup":
			return outcomeOK // acts on its own seller
		case "createProduct":
			return outcomeNotFound("input", "afterSalesGroupID")
		}
		return outcomeNotFound("id")
	}
	return outcomeForbidden // anonymous, staff, and a seller token without a Seller
}

// checkMutation runs a mutation as p on a fresh world and checks the
// outcome; a refused mutation must leave every table as it was, and one
// that succeeds for a caller who is neither the owner nor staff (a seller
// acting on its own seller) must leave the owner's rows as they were.
func checkMutation(t *testing.T, p Persona, m mutationCase, want outcome, w tenantWorld, env *Env) {
	t.Helper()
	env = env.For(t)
	everything := env.Snapshot()
	owners := env.Snapshot(w.OwnerSellerID)
	var vars map[string]any
	if m.vars != nil {
		vars = m.vars(w)
	}
	r := readAs(t, env, p, m.query, vars)
	switch want.kind {
	case "forbidden":
		if r.Code() != "FORBIDDEN" {
			t.Errorf("code %q, want FORBIDDEN: %s", r.Code(), r.Body)
		}
		JSONEqUnordered(t, r.Data, `null`)
	default:
		if len(r.Errors) > 0 {
			t.Fatalf("unexpected errors: %+v", r.Errors)
		}
		var out map[string]map[string]json.RawMessage
		if err := json.Unmarshal(r.Data, &out); err != nil {
			t.Fatal(err)
		}
		var ue []UserError
		if err := json.Unmarshal(out[m.field]["userErrors"], &ue); err != nil {
			t.Fatalf("userErrors: %v in %s", err, r.Data)
		}
		obj := string(out[m.field][m.payload])
		if want.kind == "ok" {
			if len(ue) > 0 || obj == "null" || obj == "" {
				t.Fatalf("want success, got %s", r.Data)
			}
			break
		}
		if len(ue) != 1 || ue[0].Code != "NOT_FOUND" || !reflect.DeepEqual(ue[0].Field, want.field) || ue[0].Message == "" {
			t.Errorf("userErrors %+v, want one NOT_FOUND on %q", ue, want.field)
		}
		if obj != "null" {
			t.Errorf("%s = %s, want null", m.payload, obj)
		}
	}
	if want.kind != "ok" {
		env.Unchanged(everything)
	} else if p != Owner && !staffOnly[p] {
		env.Unchanged(owners, w.OwnerSellerID)
	}
}

// TestTenantMutationMatrix runs every mutation as every persona against the
// owner's objects: anonymous → FORBIDDEN; staff → FORBIDDEN for seller
// mutations; sellers → FORBIDDEN for decisions and createSeller; reviewer →
// FORBIDDEN for createSeller; the other seller → NOT_FOUND userErrors;
// the owner (and staff, admin for createSeller) succeed, which shows the
// refusals are not just broken mutations.
func TestTenantMutationMatrix(t *testing.T) {
	t.Parallel()
	for _, m := range contractMutations() {
		for _, p := range AllReaders {
			want := expectedOutcome(m, p)
			t.Run(m.field+"/"+string(p)+"/"+want.kind, func(t *testing.T) {
				t.Parallel()
				env, w := seedTenants(t)
				checkMutation(t, p, m, want, w, env)
			})
		}
	}
}

// TestTenantCrossSellerIDs aims mutations at objects of the other seller,
// and at IDs of the wrong type or of nothing: always NOT_FOUND on the path
// of the ID — never IN_USE or PRECONDITION_FAILED, which would tell that the
// object exists (or name its products) — and nothing changes.
func TestTenantCrossSellerIDs(t *testing.T) {
	t.Parallel()
	productMut := func(name string) string {
		return `mutation($id: ID!) { ` + name + `(id: $id) { product { id }` + ueTail
	}
	withdraw := `mutation($id: ID!) { withdrawReview(id: $id) { review { id }` + ueTail
	approve := `mutation($id: ID!) { approveReview(id: $id) { review { id }` + ueTail
	reject := `mutation($id: ID!) { rejectReview(id: $id, reason: "no") { review { id }` + ueTail
	release := `mutation($id: ID!) { submitProductRelease(id: $id) { review { id }` + ueTail
	deleteGroup := `mutation($id: ID!) { deleteCustomerServiceGroup(id: $id) { deletedID` + ueTail
	updateGroup := `mutation($id: ID!, $in: CustomerServiceGroupInput!) { updateCustomerServiceGroup(id: $id, input: $in) { customerServiceGroup { id }` + ueTail
	setGroup := `mutation($id: ID!, $g: ID!) { updateProduct(id: $id, input: {afterSalesGroupID: $g}) { product { id }` + ueTail
	createWithGroup := `mutation($g: ID!) { createProduct(input: {name: "Mixed", afterSalesGroupID: $g}) { product { id }` + ueTail
	type tc struct {
		name string
		p    Persona
		m    mutationCase
		want outcome
	}
	idVar := func(pick func(w tenantWorld) string) func(w tenantWorld) map[string]any {
		return func(w tenantWorld) map[string]any { return map[string]any{"id": pick(w)} }
	}
	cases := []tc{
		{"delete a group in use", OtherSeller, mutationCase{"deleteCustomerServiceGroup", "deletedID", deleteGroup, idVar(func(w tenantWorld) string { return w.GroupID })}, outcomeNotFound("id")},
		{"update the hidden product's group", OtherSeller, mutationCase{"updateCustomerServiceGroup", "customerServiceGroup", updateGroup,
			func(w tenantWorld) map[string]any {
				return map[string]any{"id": w.HiddenGroupID, "in": GroupInput("Hijacked")}
			}}, outcomeNotFound("id")},
		{"remove a removed product", OtherSeller, mutationCase{"removeProduct", "product", productMut("removeProduct"), idVar(func(w tenantWorld) string { return w.RemovedID })}, outcomeNotFound("id")},
		{"hide a hidden product", OtherSeller, mutationCase{"hideProduct", "product", productMut("hideProduct"), idVar(func(w tenantWorld) string { return w.HiddenID })}, outcomeNotFound("id")},
		{"show a released product", OtherSeller, mutationCase{"showProduct", "product", productMut("showProduct"), idVar(func(w tenantWorld) string { return w.ReleasedID })}, outcomeNotFound("id")},
		{"hide a draft", OtherSeller, mutationCase{"hideProduct", "product", productMut("hideProduct"), idVar(func(w tenantWorld) string { return w.DraftID })}, outcomeNotFound("id")},
		{"release a released product", OtherSeller, mutationCase{"submitProductRelease", "review", release, idVar(func(w tenantWorld) string { return w.ReleasedID })}, outcomeNotFound("id")},
		{"select own group for a released product", OtherSeller, mutationCase{"updateProduct", "product", setGroup,
			func(w tenantWorld) map[string]any { return map[string]any{"id": w.ReleasedID, "g": w.OtherGroupID} }}, outcomeNotFound("id")},
		{"withdraw an approved review", OtherSeller, mutationCase{"withdrawReview", "review", withdraw, idVar(func(w tenantWorld) string { return w.PreSalesReviewID })}, outcomeNotFound("id")},
		{"withdraw a pending release review", OtherSeller, mutationCase{"withdrawReview", "review", withdraw, idVar(func(w tenantWorld) string { return w.InReviewReviewID })}, outcomeNotFound("id")},
		{"resubmit a rejected product", OtherSeller, mutationCase{"submitProductRelease", "review", release, idVar(func(w tenantWorld) string { return w.RejectedID })}, outcomeNotFound("id")},
		{"rename a rejected product", OtherSeller, mutationCase{"updateProduct", "product", `mutation($id: ID!) { updateProduct(id: $id, input: {name: "X"}) { product { id }` + ueTail,
			idVar(func(w tenantWorld) string { return w.RejectedID })}, outcomeNotFound("id")},
		{"remove a product in review", OtherSeller, mutationCase{"removeProduct", "product", productMut("removeProduct"), idVar(func(w tenantWorld) string { return w.InReviewID })}, outcomeNotFound("id")},
		{"withdraw the other's review", Owner, mutationCase{"withdrawReview", "review", withdraw, idVar(func(w tenantWorld) string { return w.OtherReleaseReviewID })}, outcomeNotFound("id")},
		{"create with the other's group", Owner, mutationCase{"createProduct", "product", createWithGroup,
			func(w tenantWorld) map[string]any { return map[string]any{"g": w.OtherGroupID} }}, outcomeNotFound("input", "afterSalesGroupID")},
		{"select the other's group for a draft", Owner, mutationCase{"updateProduct", "product", setGroup,
			func(w tenantWorld) map[string]any { return map[string]any{"id": w.DraftID, "g": w.OtherGroupID} }}, outcomeNotFound("input", "afterSalesGroupID")},
		{"select the other's group for a released product", Owner, mutationCase{"updateProduct", "product", setGroup,
			func(w tenantWorld) map[string]any { return map[string]any{"id": w.ReleasedID, "g": w.OtherGroupID} }}, outcomeNotFound("input", "afterSalesGroupID")},
		{"release the other's draft", Owner, mutationCase{"submitProductRelease", "review", release, idVar(func(w tenantWorld) string { return w.OtherDraftID })}, outcomeNotFound("id")},
		{"remove the other's draft", Owner, mutationCase{"removeProduct", "product", productMut("removeProduct"), idVar(func(w tenantWorld) string { return w.OtherDraftID })}, outcomeNotFound("id")},
		{"delete the other's group", Owner, mutationCase{"deleteCustomerServiceGroup", "deletedID", deleteGroup, idVar(func(w tenantWorld) string { return w.OtherGroupID })}, outcomeNotFound("id")},
		{"hide a group ID", Owner, mutationCase{"hideProduct", "product", productMut("hideProduct"), idVar(func(w tenantWorld) string { return w.GroupID })}, outcomeNotFound("id")},
		{"remove a seller ID", Owner, mutationCase{"removeProduct", "product", productMut("removeProduct"), idVar(func(w tenantWorld) string { return w.OwnerSellerID })}, outcomeNotFound("id")},
		{"withdraw a product ID", Owner, mutationCase{"withdrawReview", "review", withdraw, idVar(func(w tenantWorld) string { return w.ReleasedID })}, outcomeNotFound("id")},
		{"withdraw a contact ID", Owner, mutationCase{"withdrawReview", "review", withdraw, idVar(func(w tenantWorld) string { return w.PendingContactID })}, outcomeNotFound("id")},
		{"delete a product ID", Owner, mutationCase{"deleteCustomerServiceGroup", "deletedID", deleteGroup, idVar(func(w tenantWorld) string { return w.DraftID })}, outcomeNotFound("id")},
		{"update a review ID", Owner, mutationCase{"updateProduct", "product", `mutation($id: ID!) { updateProduct(id: $id, input: {name: "X"}) { product { id }` + ueTail,
			idVar(func(w tenantWorld) string { return w.PendingReviewID })}, outcomeNotFound("id")},
		{"select a product ID as group", Owner, mutationCase{"updateProduct", "product", setGroup,
			func(w tenantWorld) map[string]any { return map[string]any{"id": w.DraftID, "g": w.ReleasedID} }}, outcomeNotFound("input", "afterSalesGroupID")},
		{"hide an unknown product", Owner, mutationCase{"hideProduct", "product", productMut("hideProduct"), idVar(func(w tenantWorld) string { return w.UnknownProductID })}, outcomeNotFound("id")},
		{"approve a product ID", Reviewer, mutationCase{"approveReview", "review", approve, idVar(func(w tenantWorld) string { return w.ReleasedID })}, outcomeNotFound("id")},
		{"approve a contact ID", Admin, mutationCase{"approveReview", "review", approve, idVar(func(w tenantWorld) string { return w.PendingContactID })}, outcomeNotFound("id")},
		{"reject an unknown review", Reviewer, mutationCase{"rejectReview", "review", reject, idVar(func(w tenantWorld) string { return w.UnknownReviewID })}, outcomeNotFound("id")},
	}
	for _, c := range cases {
		t.Run(string(c.p)+"/"+c.name, func(t *testing.T) {
			t.Parallel()
			env, w := seedTenants(t)
			checkMutation(t, c.p, c.m, c.want, w, env)
		})
	}
}

// TestTenantNoSellerAccount: a seller token whose account has no Seller
// reads what anonymous reads and may run no seller mutation (covered for
// every mutation by TestTenantMutationMatrix); here its reads of the
// owner's private objects.
func TestTenantNoSellerAccount(t *testing.T) {
	t.Parallel()
	env, w := seedTenants(t)
	r := readOK(t, env, NoSellerAccount, `query($ids: [ID!]!) { nodes(ids: $ids) { id } products { totalCount } }`,
		map[string]any{"ids": []string{w.DraftID, w.PreSalesContactID, w.PendingReviewID, w.LoneGroupID, w.LoneSellerID}})
	JSONEqUnordered(t, r.Data, `{"nodes":[null,null,null,null,null],"products":{"totalCount":2}}`)
}

// badTokens are bearer credentials the server must refuse.
func badTokens(t *testing.T) map[string]string {
	sign := func(method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
		s, err := jwt.NewWithClaims(method, claims).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	exp := time.Now().Add(time.Hour).Unix()
	expired := MintToken(t, Admin, testSecret, time.Now().Add(-2*time.Hour))
	badSig := MintToken(t, Admin, []byte("another-secret-of-at-least-32-bytes"), time.Now())
	reviewer := Token(t, Reviewer)
	parts := strings.Split(reviewer, ".")
	forged := base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf(`{"sub":"rita@ops","role":"admin","exp":%d}`, exp)))
	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." +
		base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf(`{"sub":"adam@ops","role":"admin","exp":%d}`, exp))) + "."
	return map[string]string{
		"malformed":               "not-a-jwt",
		"three garbage parts":     "a.b.c",
		"expired":                 expired,
		"bad signature":           badSig,
		"tampered payload":        parts[0] + "." + forged + "." + parts[2],
		"truncated signature":     reviewer[:len(reviewer)-4],
		"alg none":                none,
		"HS512 with the secret":   sign(jwt.SigningMethodHS512, testSecret, jwt.MapClaims{"sub": "adam@ops", "role": "admin", "exp": exp}),
		"no exp":                  sign(jwt.SigningMethodHS256, testSecret, jwt.MapClaims{"sub": "adam@ops", "role": "admin"}),
		"no sub":                  sign(jwt.SigningMethodHS256, testSecret, jwt.MapClaims{"role": "admin", "exp": exp}),
		"unknown role":            sign(jwt.SigningMethodHS256, testSecret, jwt.MapClaims{"sub": "x", "role": "superuser", "exp": exp}),
		"seller without account":  sign(jwt.SigningMethodHS256, testSecret, jwt.MapClaims{"sub": "x", "role": "seller", "exp": exp}),
		"not yet valid (nbf)":     sign(jwt.SigningMethodHS256, testSecret, jwt.MapClaims{"sub": "adam@ops", "role": "admin", "exp": exp, "nbf": exp - 60}),
		"empty secret signature":  sign(jwt.SigningMethodHS256, []byte{0}, jwt.MapClaims{"sub": "adam@ops", "role": "admin", "exp": exp}),
		"token with inner spaces": "abc def",
	}
}

// check401 checks a refused request: HTTP 401 with code UNAUTHENTICATED
// and no data.
func check401(t *testing.T, r Answer) {
	t.Helper()
	if r.Status != http.StatusUnauthorized {
		t.Errorf("HTTP %d, want 401: %s", r.Status, r.Body)
	}
	if r.Code() != "UNAUTHENTICATED" {
		t.Errorf("errors[0].extensions.code %q, want UNAUTHENTICATED: %s", r.Code(), r.Body)
	}
	JSONEqUnordered(t, r.Data, `null`)
}

// TestAuthRejectsBadTokens: a malformed, badly signed or expired token
// answers HTTP 401 UNAUTHENTICATED — never a silent downgrade to anonymous —
// over POST and GET, for queries and mutations.
func TestAuthRejectsBadTokens(t *testing.T) {
	t.Parallel()
	env := NewEnv(t)
	queries := map[string]string{
		"query":    `{ viewer { role } products { totalCount } }`,
		"mutation": `mutation { createSeller(input: {accountID: "forged", name: "Forged"}) { seller { id } userErrors { code } } }`,
	}
	for name, tok := range badTokens(t) {
		for qn, q := range queries {
			t.Run(name+"/POST "+qn, func(t *testing.T) {
				t.Parallel()
				check401(t, env.For(t).Send(Request{Authorization: []string{"Bearer " + tok}, Body: GQL(q, nil)}))
			})
		}
		t.Run(name+"/GET", func(t *testing.T) {
			t.Parallel()
			check401(t, env.For(t).Send(Request{Method: http.MethodGet, Target: "/graphql?query=" + url.QueryEscape(queries["query"]),
				Authorization: []string{"Bearer " + tok}}))
		})
	}
	headers := map[string][]string{
		"basic scheme":         {"Basic YWxpY2U6c2VjcmV0"},
		"bearer without one":   {"Bearer"},
		"bearer blank":         {"Bearer   "},
		"empty header":         {""},
		"two headers":          {"Bearer " + Token(t, Admin), "Bearer " + Token(t, Admin)},
		"token without scheme": {Token(t, Admin)},
	}
	for name, values := range headers {
		t.Run("header/"+name, func(t *testing.T) {
			t.Parallel()
			check401(t, env.For(t).Send(Request{Authorization: values, Body: []byte(`{"query":"{ viewer { role } }"}`)}))
		})
	}
	// Nothing was created by a refused mutation.
	r := readOK(t, env, Admin, `{ sellers { totalCount } }`, nil)
	JSONEqUnordered(t, r.Data, `{"sellers":{"totalCount":2}}`)
}

// TestAuthAcceptsGoodTokens is the control of TestAuthRejectsBadTokens: the
// same requests with valid credentials pass.
func TestAuthAcceptsGoodTokens(t *testing.T) {
	t.Parallel()
	env := NewEnv(t)
	for name, header := range map[string]string{
		"bearer":            "Bearer " + Token(t, Admin),
		"lower-case":        "bearer " + Token(t, Admin),
		"surrounding space": "  Bearer " + Token(t, Admin) + " ",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := env.For(t).Send(Request{Authorization: []string{header}, Body: []byte(`{"query":"{ viewer { role subject } }"}`)})
			if r.Status != http.StatusOK || len(r.Errors) > 0 {
				t.Fatalf("HTTP %d: %s", r.Status, r.Body)
			}
			JSONEqUnordered(t, r.Data, `{"viewer":{"role":"ADMIN","subject":"adam@ops"}}`)
		})
	}
	t.Run("no header is anonymous", func(t *testing.T) {
		t.Parallel()
		r := readOK(t, env, Anonymous, `{ viewer { role subject } }`, nil)
		JSONEqUnordered(t, r.Data, `{"viewer":{"role":"ANONYMOUS","subject":null}}`)
	})
}

// TestPrivacyErrorsCarryNoSQL provokes the errors a client can cause — bad
// IDs, cursors, pagination arguments, inputs, refused operations — and
// checks that every message is free of SQL text and internals (readAs
// checks every response of the suite the same way) and that each is
// classified rather than INTERNAL.
func TestPrivacyErrorsCarryNoSQL(t *testing.T) {
	t.Parallel()
	env, w := seedTenants(t)
	many := make([]string, 101)
	for i := range many {
		many[i] = w.ReleasedID
	}
	cases := []struct {
		name, query string
		vars        map[string]any
		p           Persona
	}{
		{"bad node ID", `{ node(id: "x' OR '1'='1") { id } }`, nil, Anonymous},
		{"overflowing ID", `{ node(id: "99999999999999999999") { id } }`, nil, Owner},
		{"too many nodes", `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": many}, Anonymous},
		{"bad cursor", `{ products(after: "not-a-cursor") { totalCount } }`, nil, Anonymous},
		{"forged cursor", `{ products(after: "gaFp_1pWI7Ny") { totalCount } }`, nil, Owner},
		{"negative first", `{ products(first: -1) { totalCount } }`, nil, Anonymous},
		{"negative last", `{ reviews(last: -1) { totalCount } }`, nil, Reviewer},
		{"first and last", `{ products(first: 1, last: 1) { totalCount } }`, nil, Anonymous},
		{"bad enum", `{ products(where: {status: SECRET}) { totalCount } }`, nil, Anonymous},
		{"bad time", `{ products(where: {createdAtGT: "yesterday"}) { totalCount } }`, nil, Anonymous},
		{"sellers as seller", `{ sellers { totalCount } }`, nil, Owner},
		{"reviews as anonymous", `{ reviews { totalCount } }`, nil, Anonymous},
		{"mutation as anonymous", `mutation { createProduct(input: {name: "x"}) { product { id } userErrors { message } } }`, nil, Anonymous},
		{"duplicate group name", `mutation($in: CustomerServiceGroupInput!) { createCustomerServiceGroup(input: $in) { customerServiceGroup { id } userErrors { field message code } } }`,
			map[string]any{"in": GroupInput("ACME SUPPORT")}, Owner},
		{"duplicate account", `mutation { createSeller(input: {accountID: "acme", name: "Again"}) { seller { id } userErrors { field message code } } }`, nil, Admin},
		{"group in use", `mutation($id: ID!) { deleteCustomerServiceGroup(id: $id) { deletedID userErrors { field message code } } }`, map[string]any{"id": w.GroupID}, Owner},
		{"stale version", `mutation($id: ID!) { updateProduct(id: $id, input: {name: "Y", expectedVersion: 99}) { product { id } userErrors { field message code } } }`, map[string]any{"id": w.DraftID}, Owner},
		{"decided review", `mutation($id: ID!) { approveReview(id: $id) { review { id } userErrors { field message code } } }`, map[string]any{"id": w.ReleaseReviewID}, Reviewer},
		{"huge ID in mutation", `mutation { hideProduct(id: "9223372036854775807") { product { id } userErrors { field message code } } }`, nil, Owner},
		{"bad ID in mutation", `mutation { hideProduct(id: "1 OR 1=1") { product { id } userErrors { field message code } } }`, nil, Owner},
	}
	allowed := map[string]bool{
		"": true, "FORBIDDEN": true, "NOT_FOUND": true, "BAD_USER_INPUT": true, "UNAUTHENTICATED": true,
		"GRAPHQL_VALIDATION_FAILED": true, "GRAPHQL_PARSE_FAILED": true,
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := readAs(t, env, c.p, c.query, c.vars)
			for _, e := range r.Errors {
				code, _ := e.Extensions["code"].(string)
				if !allowed[code] {
					t.Errorf("error %q has code %q; want one of the contract's codes", e.Message, code)
				}
				if code == "" {
					t.Errorf("error %q has no extensions.code", e.Message)
				}
			}
		})
	}
}

// nodeFor expects node(id:) to read as object(p) for the personas of
// side and as null for everyone else.
func nodeFor(side PersonaSet, object func(Persona) string) func(Persona) string {
	return func(p Persona) string {
		if !side[p] {
			return `{"node":null}`
		}
		return `{"node":` + object(p) + `}`
	}
}
