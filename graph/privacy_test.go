package graph_test

// The privacy suite: it proves the visibility rules of DESIGN.md ("Who may
// see and do what") on every path through the graph — node, nodes, nested
// edges, connections, where filters, mutations and the HTTP auth layer — for
// every persona, through the real handler.
//
// Every request of the suite goes through privDo, which also checks what no
// response may ever contain: SQL text, INTERNAL errors, and the private data
// of a seller the viewer does not own (addresses, drafts, accountIDs…).

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"servicesupport/auth"
)

// privNoSeller is a valid seller token whose account has no Seller row.
const privNoSeller Persona = "seller without seller"

// privReaders are the personas of the read tests: the five of the design
// plus a seller token without a Seller, which must see what anonymous sees.
var privReaders = []Persona{Anonymous, Owner, OtherSeller, Reviewer, Admin, privNoSeller}

// privToken mints the bearer token of a persona ("" for anonymous).
func privToken(t testing.TB, p Persona) string {
	t.Helper()
	if p == privNoSeller {
		tok, err := auth.Mint(testSecret, "nora@nowhere", "seller", "nowhere", time.Hour, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	return Token(t, p)
}

// Private strings of each seller: none of them may reach a viewer that is
// not that seller or staff, in any response body.
var (
	privAcmeSecrets = []string{
		"Acme Road", "presales2@acme", "+861065529989", "Acme Draft", "Acme Hidden",
		"Acme Removed", "Acme Lone", "Acme Pending", "Acme Rejected", `"accountID":"acme"`, "alice@acme", "ops@acme.example", "Alice Ops",
	}
	privGlobexSecrets  = []string{"Globex Street", "Globex Draft", `"accountID":"globex"`, "bob@globex"}
	privInitechSecrets = []string{"Initech", `"accountID":"initech"`, "member@initech"}
)

// privForeignSecrets lists the strings p must never read.
func privForeignSecrets(p Persona) []string {
	switch p {
	case Owner:
		return append(append([]string{}, privGlobexSecrets...), privInitechSecrets...)
	case OtherSeller:
		return append(append([]string{}, privAcmeSecrets...), privInitechSecrets...)
	case Reviewer, Admin:
		return nil
	default:
		return append(append(append([]string{}, privAcmeSecrets...), privGlobexSecrets...), privInitechSecrets...)
	}
}

// privResp is one HTTP exchange.
type privResp struct {
	Status int
	Body   []byte
	Result
}

// privPost sends one GraphQL POST to the handler with an optional token.
func privPost(t testing.TB, h http.Handler, token, query string, vars map[string]any) privResp {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return privServe(t, h, req)
}

// privServe runs a request and decodes the GraphQL response.
func privServe(t testing.TB, h http.Handler, req *http.Request) privResp {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	r := privResp{Status: rec.Code, Body: rec.Body.Bytes()}
	if err := json.Unmarshal(r.Body, &r.Result); err != nil {
		t.Fatalf("response is not JSON (HTTP %d): %s", r.Status, r.Body)
	}
	privNoSQL(t, r)
	return r
}

// privLeaksSQL reports whether a message carries SQL text, ent internals or
// a stack trace.
func privLeaksSQL(msg string) bool {
	l := strings.ToLower(msg)
	return strings.Contains(msg, "SELECT") || strings.Contains(msg, "FROM `") || strings.Contains(msg, "WHERE") ||
		strings.Contains(l, "sqlite") || strings.Contains(l, "ent:") || strings.Contains(l, "constraint failed") ||
		strings.Contains(l, "goroutine") || strings.Contains(l, ".go:")
}

// privNoSQL fails when any error message or userErrors message of a
// response carries SQL text, or when the server answered INTERNAL.
func privNoSQL(t testing.TB, r privResp) {
	t.Helper()
	for _, e := range r.Errors {
		if privLeaksSQL(e.Message) {
			t.Errorf("error message leaks internals: %q", e.Message)
		}
		if c, _ := e.Extensions["code"].(string); c == "INTERNAL" {
			t.Errorf("INTERNAL error (message %q at %v): the request should have a classified answer", e.Message, e.Path)
		}
	}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if ue, ok := x["userErrors"].([]any); ok {
				for _, e := range ue {
					if m, ok := e.(map[string]any); ok {
						if msg, _ := m["message"].(string); privLeaksSQL(msg) {
							t.Errorf("userErrors message leaks internals: %q", msg)
						}
					}
				}
			}
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	var data any
	_ = json.Unmarshal(r.Data, &data)
	walk(data)
}

// privDo runs a query as p through the real handler. Besides returning the
// response, it checks that the body holds nothing p may not read.
func privDo(t testing.TB, env *Env, p Persona, query string, vars map[string]any) privResp {
	t.Helper()
	r := privPost(t, env.Handler, privToken(t, p), query, vars)
	if r.Status != http.StatusOK && r.Status != http.StatusUnprocessableEntity && r.Status != http.StatusBadRequest {
		t.Errorf("as %s: HTTP %d: %s", p, r.Status, r.Body)
	}
	for _, s := range privForeignSecrets(p) {
		if bytes.Contains(r.Body, []byte(s)) {
			t.Errorf("as %s: response leaks %q: %s\nquery: %s", p, s, r.Body, query)
		}
	}
	return r
}

// privOK runs a query as p and fails on any GraphQL error.
func privOK(t testing.TB, env *Env, p Persona, query string, vars map[string]any) privResp {
	t.Helper()
	r := privDo(t, env, p, query, vars)
	if len(r.Errors) > 0 {
		t.Fatalf("as %s: unexpected errors %+v\nquery: %s", p, r.Errors, query)
	}
	return r
}

// privCanon sorts every array of objects by the objects' canonical JSON, so
// that comparisons do not depend on the order of lists the contract leaves
// unordered (a seller's groups, connection edges).
func privCanon(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = privCanon(e)
		}
	case []any:
		objects := len(x) > 0
		for i, e := range x {
			x[i] = privCanon(e)
			if _, ok := x[i].(map[string]any); !ok {
				objects = false
			}
		}
		if objects {
			sort.SliceStable(x, func(i, j int) bool { return privKey(x[i]) < privKey(x[j]) })
		}
	}
	return v
}

func privKey(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// privCanonJSON returns the canonical form of a JSON document.
func privCanonJSON(t testing.TB, doc []byte) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		t.Fatalf("bad JSON %s: %v", doc, err)
	}
	return privKey(privCanon(v))
}

// privJSONEq compares two JSON documents, ignoring the order of lists of
// objects.
func privJSONEq(t testing.TB, got json.RawMessage, want string) {
	t.Helper()
	if len(got) == 0 {
		got = json.RawMessage("null")
	}
	g, w := privCanonJSON(t, got), privCanonJSON(t, []byte(want))
	if g != w {
		t.Errorf("got  %s\nwant %s", g, w)
	}
}

// privWorld is World plus every kind of object the visibility rules tell
// apart, for both sellers, and a third seller with no released product.
type privWorld struct {
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

// privMutate runs a seller mutation during seeding and fails on errors and
// userErrors; it returns the payload's object.
func privMutate(t testing.TB, env *Env, p Persona, field, payload, query string, vars map[string]any) json.RawMessage {
	t.Helper()
	var out map[string]map[string]json.RawMessage
	env.MustDo(p, query, vars, &out)
	var ue []UserError
	_ = json.Unmarshal(out[field]["userErrors"], &ue)
	if len(ue) > 0 {
		t.Fatalf("%s: %+v", field, ue)
	}
	return out[field][payload]
}

func privID(t testing.TB, obj json.RawMessage) string {
	t.Helper()
	var o struct{ ID string }
	if err := json.Unmarshal(obj, &o); err != nil || o.ID == "" {
		t.Fatalf("no id in %s", obj)
	}
	return o.ID
}

// privSeed builds the privacy scenario on a new database.
func privSeed(t *testing.T) (*Env, privWorld) {
	t.Helper()
	env := NewEnv(t)
	w := privWorld{World: env.Seed(), OwnerSellerID: env.OwnerSellerID, OtherSellerID: env.OtherSellerID}

	w.BusinessReviewID = privID(t, privMutate(t, env, Owner, "submitBusinessContact", "review",
		`mutation { submitBusinessContact(input: {contactName: "Alice Ops", phone: "+86 10 6552 9900", email: "ops@acme.example"}) { review { id } `+userErrorFields+` } }`, nil))
	env.Approve(w.BusinessReviewID)

	w.HiddenGroupID = env.CreateGroup(Owner, GroupInput("Acme Hidden Support"))
	w.HiddenID = env.CreateProduct(Owner, "Acme Hidden", w.HiddenGroupID)
	w.HiddenReleaseReviewID = env.SubmitRelease(Owner, w.HiddenID)
	env.Approve(w.HiddenReleaseReviewID)
	privMutate(t, env, Owner, "hideProduct", "product",
		`mutation($id: ID!) { hideProduct(id: $id) { product { id } `+userErrorFields+` } }`, map[string]any{"id": w.HiddenID})

	w.RemovedID = env.CreateProduct(Owner, "Acme Removed", w.GroupID)
	privMutate(t, env, Owner, "removeProduct", "product",
		`mutation($id: ID!) { removeProduct(id: $id) { product { id } `+userErrorFields+` } }`, map[string]any{"id": w.RemovedID})

	w.InReviewID = env.CreateProduct(Owner, "Acme Pending", w.GroupID)
	w.InReviewReviewID = env.SubmitRelease(Owner, w.InReviewID)
	w.RejectedID = env.CreateProduct(Owner, "Acme Rejected", w.GroupID)
	w.RejectedReviewID = env.SubmitRelease(Owner, w.RejectedID)
	privMutate(t, env, Reviewer, "rejectReview", "review",
		`mutation($id: ID!) { rejectReview(id: $id, reason: "too vague") { review { id } `+userErrorFields+` } }`, map[string]any{"id": w.RejectedReviewID})

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
func (w privWorld) expand(s string) string {
	pairs := []string{}
	for k, v := range w.ids() {
		pairs = append(pairs, "{"+k+"}", strconv.Quote(v))
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

// ids names every ID of the world for expand.
func (w privWorld) ids() map[string]string {
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

// privSet is a set of personas.
type privSet map[Persona]bool

func privPersonas(ps ...Persona) privSet {
	s := privSet{}
	for _, p := range ps {
		s[p] = true
	}
	return s
}

var (
	privEveryone  = privPersonas(privReaders...)
	privAcmeSide  = privPersonas(Owner, Reviewer, Admin)
	privGlobex    = privPersonas(OtherSeller, Reviewer, Admin)
	privStaffOnly = privPersonas(Reviewer, Admin)
)

// privObject is one object of the world and who may read it.
type privObject struct {
	name, id, typename string
	visible            privSet
	// For sellers: the name, and who reads the accountID.
	sellerName, accountID string
	readsAccount          privSet
}

// expected is the node JSON p reads for the object (null when hidden).
func (o privObject) expected(p Persona) string {
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
func (w privWorld) objects() []privObject {
	none := privSet{}
	return []privObject{
		{name: "released product", id: w.ReleasedID, typename: "Product", visible: privEveryone},
		{name: "draft product", id: w.DraftID, typename: "Product", visible: privAcmeSide},
		// "The owner still reads its REMOVED products; nobody else does."
		{name: "removed product", id: w.RemovedID, typename: "Product", visible: privPersonas(Owner)},
		{name: "hidden product", id: w.HiddenID, typename: "Product", visible: privAcmeSide},
		{name: "product in review", id: w.InReviewID, typename: "Product", visible: privAcmeSide},
		{name: "rejected product", id: w.RejectedID, typename: "Product", visible: privAcmeSide},
		{name: "third seller's draft", id: w.LoneDraftID, typename: "Product", visible: privStaffOnly},
		{name: "other's released product", id: w.OtherReleasedID, typename: "Product", visible: privEveryone},
		{name: "other's draft product", id: w.OtherDraftID, typename: "Product", visible: privGlobex},
		// Others read a group only as a released product's afterSalesGroup.
		{name: "group of a released product", id: w.GroupID, typename: "CustomerServiceGroup", visible: privAcmeSide},
		{name: "group of a hidden product only", id: w.HiddenGroupID, typename: "CustomerServiceGroup", visible: privAcmeSide},
		{name: "group selected by no product", id: w.LoneGroupID, typename: "CustomerServiceGroup", visible: privAcmeSide},
		{name: "other's group of a released product", id: w.OtherGroupID, typename: "CustomerServiceGroup", visible: privGlobex},
		{name: "approved pre-sales contact", id: w.PreSalesContactID, typename: "Contact", visible: privAcmeSide},
		{name: "pending pre-sales contact", id: w.PendingContactID, typename: "Contact", visible: privAcmeSide},
		{name: "approved business contact", id: w.BusinessContactID, typename: "Contact", visible: privAcmeSide},
		{name: "other's pre-sales contact", id: w.OtherPreSalesContactID, typename: "Contact", visible: privGlobex},
		{name: "pending review", id: w.PendingReviewID, typename: "Review", visible: privAcmeSide},
		{name: "approved pre-sales review", id: w.PreSalesReviewID, typename: "Review", visible: privAcmeSide},
		{name: "approved business review", id: w.BusinessReviewID, typename: "Review", visible: privAcmeSide},
		{name: "release review", id: w.ReleaseReviewID, typename: "Review", visible: privAcmeSide},
		{name: "release review of the hidden product", id: w.HiddenReleaseReviewID, typename: "Review", visible: privAcmeSide},
		{name: "pending release review", id: w.InReviewReviewID, typename: "Review", visible: privAcmeSide},
		{name: "rejected release review", id: w.RejectedReviewID, typename: "Review", visible: privAcmeSide},
		{name: "other's pre-sales review", id: w.OtherPreSalesReviewID, typename: "Review", visible: privGlobex},
		{name: "other's release review", id: w.OtherReleaseReviewID, typename: "Review", visible: privGlobex},
		// A seller reads as a node only for itself and staff: anyone else
		// reads a seller only through a released product.
		{name: "seller", id: w.OwnerSellerID, typename: "Seller", visible: privAcmeSide,
			sellerName: "Acme Cloud", accountID: "acme", readsAccount: privAcmeSide},
		{name: "other seller", id: w.OtherSellerID, typename: "Seller", visible: privGlobex,
			sellerName: "Globex Software", accountID: "globex", readsAccount: privGlobex},
		{name: "seller without released products", id: w.LoneSellerID, typename: "Seller", visible: privStaffOnly,
			sellerName: "Initech", accountID: "initech", readsAccount: privStaffOnly},
		{name: "unknown product ID", id: w.UnknownProductID, visible: none},
		{name: "unknown review ID", id: w.UnknownReviewID, visible: none},
		{name: "unknown contact ID", id: w.UnknownContactID, visible: none},
		{name: "ID of no type", id: w.UnknownTypeID, visible: none},
		{name: "largest ID", id: "9223372036854775807", visible: none},
	}
}

const privNodeFields = `__typename id ... on Seller { name accountID }`

// TestPrivacyNode reads every object of the world with node(id:) as every
// persona: visible objects read back, hidden ones read as null without error.
func TestPrivacyNode(t *testing.T) {
	t.Parallel()
	env, w := privSeed(t)
	for _, o := range w.objects() {
		for _, p := range privReaders {
			t.Run(o.name+"/"+string(p), func(t *testing.T) {
				t.Parallel()
				r := privDo(t, env, p, `query($id: ID!) { node(id: $id) { `+privNodeFields+` } }`, map[string]any{"id": o.id})
				if len(r.Errors) > 0 {
					t.Fatalf("a hidden or unknown object must read as null, not an error: %+v", r.Errors)
				}
				privJSONEq(t, r.Data, `{"node":`+o.expected(p)+`}`)
			})
		}
	}
}

// TestPrivacyNodes reads all objects at once with nodes(ids:) as every
// persona, twice over and in reverse, so position mapping is checked too.
func TestPrivacyNodes(t *testing.T) {
	t.Parallel()
	env, w := privSeed(t)
	objs := w.objects()
	for i := len(objs) - 1; i >= 0; i-- {
		objs = append(objs, objs[i])
	}
	ids := make([]string, len(objs))
	for i, o := range objs {
		ids[i] = o.id
	}
	for _, p := range privReaders {
		t.Run(string(p), func(t *testing.T) {
			t.Parallel()
			r := privDo(t, env, p, `query($ids: [ID!]!) { nodes(ids: $ids) { `+privNodeFields+` } }`, map[string]any{"ids": ids})
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
				if g, w := privCanonJSON(t, got.Nodes[i]), privCanonJSON(t, []byte(o.expected(p))); g != w {
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
	env, w := privSeed(t)
	for _, o := range w.objects() {
		for _, p := range privReaders {
			t.Run(o.name+"/"+string(p), func(t *testing.T) {
				t.Parallel()
				r := privDo(t, env, p, `query($id: ID!) { product(id: $id) { __typename id } }`, map[string]any{"id": o.id})
				if len(r.Errors) > 0 {
					t.Fatalf("unexpected errors: %+v", r.Errors)
				}
				want := "null"
				if o.typename == "Product" && o.visible[p] {
					want = o.expected(p)
				}
				privJSONEq(t, r.Data, `{"product":`+want+`}`)
			})
		}
	}
}

// TestPrivacyMalformedIDs: IDs that are not ours are BAD_USER_INPUT errors
// on every ID argument, never data and never an internal error.
func TestPrivacyMalformedIDs(t *testing.T) {
	t.Parallel()
	env, _ := privSeed(t)
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
					r := privDo(t, env, p, q, map[string]any{"id": id})
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

// privNested is a deep read of a product: its seller with every private
// edge, its group with the group's own edges, and the public pre-sales info.
const privNested = `query($id: ID!) { product(id: $id) { id status
  seller { id name accountID businessContact { id } preSalesInfo { id contactAddress }
    customerServiceGroups { id } products(first: 50) { totalCount edges { node { id } } }
    reviews(first: 50) { totalCount edges { node { id } } } }
  afterSalesGroup { id seller { id accountID } products(first: 50) { totalCount edges { node { id } } } }
  preSalesInfo { phone email } } }`

// TestPrivacyNestedEdges reads every nested edge from a released product
// (and from the Seller and group nodes, the viewer, reviews and contacts):
// a viewer who is not the owner sees only the public projection — name,
// released products, groups selected by released products — and no
// contacts, reviews, drafts or accountIDs.
func TestPrivacyNestedEdges(t *testing.T) {
	t.Parallel()
	env, w := privSeed(t)

	acmePublicSeller := `{"id":{OS},"name":"Acme Cloud","accountID":null,"businessContact":null,"preSalesInfo":null,
		"customerServiceGroups":[{"id":{G}}],"products":{"totalCount":1,"edges":[{"node":{"id":{R}}}]},
		"reviews":{"totalCount":0,"edges":[]}}`
	acmePrivateSeller := `{"id":{OS},"name":"Acme Cloud","accountID":"acme","businessContact":{"id":{BC}},
		"preSalesInfo":{"id":{PSC},"contactAddress":"1 Acme Road, Beijing"},
		"customerServiceGroups":[{"id":{G}},{"id":{HG}},{"id":{LG}}],
		"products":{"totalCount":6,"edges":[{"node":{"id":{R}}},{"node":{"id":{D}}},{"node":{"id":{Rm}}},{"node":{"id":{H}}},{"node":{"id":{IR}}},{"node":{"id":{Rj}}}]},
		"reviews":{"totalCount":7,"edges":[{"node":{"id":{PSRv}}},{"node":{"id":{RRv}}},{"node":{"id":{PRv}}},{"node":{"id":{BRv}}},{"node":{"id":{HRRv}}},{"node":{"id":{IRRv}}},{"node":{"id":{RjRv}}}]}}`
	globexPublicSeller := `{"id":{XS},"name":"Globex Software","accountID":null,"businessContact":null,"preSalesInfo":null,
		"customerServiceGroups":[{"id":{OG}}],"products":{"totalCount":1,"edges":[{"node":{"id":{OR}}}]},
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
		case privAcmeSide[p]:
			return acmeStaffSeller
		}
		return acmePublicSeller
	}
	globexSeller := func(p Persona) string {
		if privGlobex[p] {
			return globexPrivateSeller
		}
		return globexPublicSeller
	}
	acmeGroup := func(p Persona) string {
		switch {
		case p == Owner:
			return `{"id":{G},"seller":{"id":{OS},"accountID":"acme"},
				"products":{"totalCount":5,"edges":[{"node":{"id":{R}}},{"node":{"id":{D}}},{"node":{"id":{Rm}}},{"node":{"id":{IR}}},{"node":{"id":{Rj}}}]}}`
		case privAcmeSide[p]:
			return `{"id":{G},"seller":{"id":{OS},"accountID":"acme"},
				"products":{"totalCount":4,"edges":[{"node":{"id":{R}}},{"node":{"id":{D}}},{"node":{"id":{IR}}},{"node":{"id":{Rj}}}]}}`
		}
		return `{"id":{G},"seller":{"id":{OS},"accountID":null},"products":{"totalCount":1,"edges":[{"node":{"id":{R}}}]}}`
	}
	globexGroup := func(p Persona) string {
		acct, products := "null", `{"totalCount":1,"edges":[{"node":{"id":{OR}}}]}`
		if privGlobex[p] {
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
		{"released product", privNested, map[string]any{"id": w.ReleasedID}, func(p Persona) string {
			return `{"product":{"id":{R},"status":"RELEASED","seller":` + acmeSeller(p) + `,"afterSalesGroup":` + acmeGroup(p) +
				`,"preSalesInfo":{"phone":"+861065529988","email":"presales@acme.example"}}}`
		}},
		{"other's released product", privNested, map[string]any{"id": w.OtherReleasedID}, func(p Persona) string {
			return `{"product":{"id":{OR},"status":"RELEASED","seller":` + globexSeller(p) + `,"afterSalesGroup":` + globexGroup(p) +
				`,"preSalesInfo":{"phone":"+862162798899","email":"presales@globex.example"}}}`
		}},
		{"draft product", privNested, map[string]any{"id": w.DraftID}, func(p Persona) string {
			if !privAcmeSide[p] {
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
				if !privAcmeSide[p] {
					return `{"product":null}`
				}
				return `{"product":{"id":{H},"status":"HIDDEN","afterSalesGroup":{"id":{HG},"products":{"totalCount":1}}}}`
			}},
		// Others read a seller only through a released product, and a group
		// only as a released product's group: by ID, only its seller's side.
		{"seller node", `query($id: ID!) { node(id: $id) { ... on Seller { ` + sellerFields + ` } } }`,
			map[string]any{"id": w.OwnerSellerID}, privNodeFor(privAcmeSide, acmeSeller)},
		{"other seller node", `query($id: ID!) { node(id: $id) { ... on Seller { ` + sellerFields + ` } } }`,
			map[string]any{"id": w.OtherSellerID}, privNodeFor(privGlobex, globexSeller)},
		{"group node", `query($id: ID!) { node(id: $id) { ... on CustomerServiceGroup { ` + groupFields + ` } } }`,
			map[string]any{"id": w.GroupID}, privNodeFor(privAcmeSide, acmeGroup)},
		{"other's group node", `query($id: ID!) { node(id: $id) { ... on CustomerServiceGroup { ` + groupFields + ` } } }`,
			map[string]any{"id": w.OtherGroupID}, privNodeFor(privGlobex, globexGroup)},
		{"hidden product's group node", `query($id: ID!) { node(id: $id) { ... on CustomerServiceGroup { ` + groupFields + ` } } }`,
			map[string]any{"id": w.HiddenGroupID}, func(p Persona) string {
				if !privAcmeSide[p] {
					return `{"node":null}`
				}
				return `{"node":{"id":{HG},"seller":{"id":{OS},"accountID":"acme"},"products":{"totalCount":1,"edges":[{"node":{"id":{H}}}]}}}`
			}},
		{"lone group node", `query($id: ID!) { node(id: $id) { ... on CustomerServiceGroup { ` + groupFields + ` } } }`,
			map[string]any{"id": w.LoneGroupID}, func(p Persona) string {
				if !privAcmeSide[p] {
					return `{"node":null}`
				}
				return `{"node":{"id":{LG},"seller":{"id":{OS},"accountID":"acme"},"products":{"totalCount":0,"edges":[]}}}`
			}},
		{"pending review", `query($id: ID!) { node(id: $id) { ... on Review { id kind status seller { id accountID }
			contact { id revision phone contactAddress review { id } } product { id } } } }`,
			map[string]any{"id": w.PendingReviewID}, func(p Persona) string {
				if !privAcmeSide[p] {
					return `{"node":null}`
				}
				return `{"node":{"id":{PRv},"kind":"PRE_SALES_INFO","status":"PENDING","seller":{"id":{OS},"accountID":"acme"},
					"contact":{"id":{PC},"revision":2,"phone":"+861065529989","contactAddress":"2 Acme Road, Beijing","review":{"id":{PRv}}},"product":null}}`
			}},
		{"release review", `query($id: ID!) { node(id: $id) { ... on Review { id kind status seller { id } contact { id } product { id status } } } }`,
			map[string]any{"id": w.ReleaseReviewID}, func(p Persona) string {
				if !privAcmeSide[p] {
					return `{"node":null}`
				}
				return `{"node":{"id":{RRv},"kind":"PRODUCT_RELEASE","status":"APPROVED","seller":{"id":{OS}},"contact":null,"product":{"id":{R},"status":"RELEASED"}}}`
			}},
		{"hidden product's release review", `query($id: ID!) { node(id: $id) { ... on Review { id product { id status } } } }`,
			map[string]any{"id": w.HiddenReleaseReviewID}, func(p Persona) string {
				if !privAcmeSide[p] {
					return `{"node":null}`
				}
				return `{"node":{"id":{HRRv},"product":{"id":{H},"status":"HIDDEN"}}}`
			}},
		{"approved contact", `query($id: ID!) { node(id: $id) { ... on Contact { id kind revision phone contactAddress seller { id } review { id status } } } }`,
			map[string]any{"id": w.PreSalesContactID}, func(p Persona) string {
				if !privAcmeSide[p] {
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
					if privAcmeSide[p] {
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
						"reviews":{"totalCount":0},"products":{"totalCount":1},"customerServiceGroups":[{"id":{G}}]},
						"afterSalesGroup":{"id":%s,"products":{"totalCount":%d}}}}`, id, group, groupProducts)
				}
				globex := func(id string) string {
					if privGlobex[p] {
						return fmt.Sprintf(`{"node":{"id":%s,"seller":{"id":{XS},"accountID":"globex","preSalesInfo":{"id":{OPSC}},"businessContact":null,
							"reviews":{"totalCount":2},"products":{"totalCount":2},"customerServiceGroups":[{"id":{OG}}]},
							"afterSalesGroup":{"id":{OG},"products":{"totalCount":2}}}}`, id)
					}
					return fmt.Sprintf(`{"node":{"id":%s,"seller":{"id":{XS},"accountID":null,"preSalesInfo":null,"businessContact":null,
						"reviews":{"totalCount":0},"products":{"totalCount":1},"customerServiceGroups":[{"id":{OG}}]},
						"afterSalesGroup":{"id":{OG},"products":{"totalCount":1}}}}`, id)
				}
				var edges []string
				if privAcmeSide[p] {
					edges = append(edges, acme("{R}", "{G}", 5), acme("{D}", "{G}", 5))
					if p == Owner {
						edges = append(edges, acme("{Rm}", "{G}", 5))
					}
					edges = append(edges, acme("{H}", "{HG}", 1), acme("{IR}", "{G}", 5), acme("{Rj}", "{G}", 5))
				} else {
					edges = append(edges, acme("{R}", "{G}", 1))
				}
				edges = append(edges, globex("{OR}"))
				if privGlobex[p] {
					edges = append(edges, globex("{OD}"))
				}
				if privStaffOnly[p] {
					edges = append(edges, `{"node":{"id":{LD},"seller":{"id":{LS},"accountID":"initech","preSalesInfo":null,"businessContact":null,
						"reviews":{"totalCount":0},"products":{"totalCount":1},"customerServiceGroups":[]},"afterSalesGroup":null}}`)
				}
				return `{"products":{"edges":[` + strings.Join(edges, ",") + `]}}`
			}},
	}
	for _, c := range cases {
		for _, p := range privReaders {
			t.Run(c.name+"/"+string(p), func(t *testing.T) {
				t.Parallel()
				r := privDo(t, env, p, c.query, c.vars)
				if len(r.Errors) > 0 {
					t.Fatalf("unexpected errors: %+v", r.Errors)
				}
				privJSONEq(t, r.Data, w.expand(c.want(p)))
			})
		}
	}
}

// privProduct describes a product of the world for filter expectations.
type privProduct struct {
	key, name, status string
	released          bool // has a releasedAt
	visible           privSet
}

func (w privWorld) products() []privProduct {
	return []privProduct{
		{"R", "Acme Compute", "RELEASED", true, privEveryone},
		{"D", "Acme Draft", "DRAFT", false, privAcmeSide},
		{"Rm", "Acme Removed", "REMOVED", false, privPersonas(Owner)},
		{"H", "Acme Hidden", "HIDDEN", true, privAcmeSide},
		{"IR", "Acme Pending", "IN_REVIEW", false, privAcmeSide},
		{"Rj", "Acme Rejected", "REJECTED", false, privAcmeSide},
		{"OR", "Globex Storage", "RELEASED", true, privEveryone},
		{"OD", "Globex Draft", "DRAFT", false, privGlobex},
		{"LD", "Initech Draft", "DRAFT", false, privStaffOnly},
	}
}

// TestPrivacyProductsConnection lists products as every persona, with and
// without where filters: a filter only narrows what the viewer may see.
func TestPrivacyProductsConnection(t *testing.T) {
	t.Parallel()
	env, w := privSeed(t)
	ids := w.ids()
	type filter struct {
		name  string
		where map[string]any
		match func(privProduct) bool
	}
	all := func(privProduct) bool { return true }
	filters := []filter{
		{"no filter", nil, all},
		{"status DRAFT", map[string]any{"status": "DRAFT"}, func(p privProduct) bool { return p.status == "DRAFT" }},
		{"status not RELEASED", map[string]any{"statusNEQ": "RELEASED"}, func(p privProduct) bool { return p.status != "RELEASED" }},
		{"statusIn unreleased", map[string]any{"statusIn": []string{"DRAFT", "IN_REVIEW", "REJECTED", "HIDDEN", "REMOVED"}},
			func(p privProduct) bool { return p.status != "RELEASED" }},
		{"not released", map[string]any{"not": map[string]any{"status": "RELEASED"}}, func(p privProduct) bool { return p.status != "RELEASED" }},
		{"or hidden removed", map[string]any{"or": []any{map[string]any{"status": "HIDDEN"}, map[string]any{"status": "REMOVED"}}},
			func(p privProduct) bool { return p.status == "HIDDEN" || p.status == "REMOVED" }},
		{"name prefix Acme", map[string]any{"nameHasPrefix": "Acme"}, func(p privProduct) bool { return strings.HasPrefix(p.name, "Acme") }},
		{"name contains Draft", map[string]any{"nameContainsFold": "draft"}, func(p privProduct) bool { return strings.Contains(p.name, "Draft") }},
		{"idIn every product", map[string]any{"idIn": []string{ids["R"], ids["D"], ids["Rm"], ids["H"], ids["IR"], ids["Rj"], ids["OR"], ids["OD"], ids["LD"]}}, all},
		{"id of the draft", map[string]any{"id": ids["D"]}, func(p privProduct) bool { return p.key == "D" }},
		{"id of the other's draft", map[string]any{"id": ids["OD"]}, func(p privProduct) bool { return p.key == "OD" }},
		{"never released", map[string]any{"releasedAtIsNil": true}, func(p privProduct) bool { return !p.released }},
		{"ever released", map[string]any{"releasedAtNotNil": true}, func(p privProduct) bool { return p.released }},
		{"in review or rejected", map[string]any{"statusIn": []string{"IN_REVIEW", "REJECTED"}}, func(p privProduct) bool { return p.status == "IN_REVIEW" || p.status == "REJECTED" }},
	}
	for _, f := range filters {
		for _, p := range privReaders {
			t.Run(f.name+"/"+string(p), func(t *testing.T) {
				t.Parallel()
				vars := map[string]any{}
				if f.where != nil {
					vars["where"] = f.where
				}
				r := privDo(t, env, p, `query($where: ProductWhereInput) { products(first: 50, where: $where) { totalCount edges { node { id name status } } } }`, vars)
				if len(r.Errors) > 0 {
					t.Fatalf("unexpected errors: %+v", r.Errors)
				}
				var edges []string
				for _, pr := range w.products() {
					if pr.visible[p] && f.match(pr) {
						edges = append(edges, fmt.Sprintf(`{"node":{"id":%q,"name":%q,"status":%q}}`, ids[pr.key], pr.name, pr.status))
					}
				}
				privJSONEq(t, r.Data, fmt.Sprintf(`{"products":{"totalCount":%d,"edges":[%s]}}`, len(edges), strings.Join(edges, ",")))
			})
		}
	}
}

// TestPrivacyProductsPagination pages through products one by one, forwards
// and backwards: the pages hold exactly what the persona may see.
func TestPrivacyProductsPagination(t *testing.T) {
	t.Parallel()
	env, w := privSeed(t)
	ids := w.ids()
	for _, p := range privReaders {
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
					r := privDo(t, env, p, q, map[string]any{"c": cursor})
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
	env, w := privSeed(t)
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
		for _, p := range privReaders {
			t.Run(name+"/"+string(p), func(t *testing.T) {
				t.Parallel()
				r := privDo(t, env, p, q, nil)
				if r.Code() != "GRAPHQL_VALIDATION_FAILED" {
					t.Fatalf("code %q, want GRAPHQL_VALIDATION_FAILED: %s", r.Code(), r.Body)
				}
				privJSONEq(t, r.Data, `null`)
			})
		}
	}
}

// TestPrivacyReviewsConnection: reviews is FORBIDDEN to anonymous viewers,
// a seller's own to sellers (whatever the filter), everything to staff.
func TestPrivacyReviewsConnection(t *testing.T) {
	t.Parallel()
	env, w := privSeed(t)
	ids := w.ids()
	type review struct {
		key, status, submittedBy string
		visible                  privSet
	}
	reviews := []review{
		{"PSRv", "APPROVED", "alice@acme", privAcmeSide},
		{"RRv", "APPROVED", "alice@acme", privAcmeSide},
		{"PRv", "PENDING", "alice@acme", privAcmeSide},
		{"BRv", "APPROVED", "alice@acme", privAcmeSide},
		{"HRRv", "APPROVED", "alice@acme", privAcmeSide},
		{"IRRv", "PENDING", "alice@acme", privAcmeSide},
		{"RjRv", "REJECTED", "alice@acme", privAcmeSide},
		{"OPSRv", "APPROVED", "bob@globex", privGlobex},
		{"ORRv", "APPROVED", "bob@globex", privGlobex},
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
		for _, p := range privReaders {
			t.Run(f.name+"/"+string(p), func(t *testing.T) {
				t.Parallel()
				vars := map[string]any{}
				if f.where != nil {
					vars["where"] = f.where
				}
				r := privDo(t, env, p, `query($where: ReviewWhereInput) { reviews(first: 50, where: $where) { totalCount edges { node { id status seller { id } } } } }`, vars)
				if p == Anonymous {
					if r.Code() != "FORBIDDEN" {
						t.Fatalf("code %q, want FORBIDDEN: %s", r.Code(), r.Body)
					}
					privJSONEq(t, r.Data, `null`)
					return
				}
				if p == privNoSeller && r.Code() == "FORBIDDEN" {
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
				privJSONEq(t, r.Data, fmt.Sprintf(`{"reviews":{"totalCount":%d,"edges":[%s]}}`, len(edges), strings.Join(edges, ",")))
			})
		}
	}
}

// TestPrivacySellersConnection: sellers is FORBIDDEN to anyone but staff.
func TestPrivacySellersConnection(t *testing.T) {
	t.Parallel()
	env, w := privSeed(t)
	for _, p := range privReaders {
		for _, q := range []string{
			`{ sellers { totalCount edges { node { id name accountID } } } }`,
			`{ sellers(first: 1, where: {name: "Acme Cloud"}) { totalCount edges { node { id name accountID } } } }`,
		} {
			t.Run(string(p)+"/"+q, func(t *testing.T) {
				t.Parallel()
				r := privDo(t, env, p, q, nil)
				if !privStaffOnly[p] {
					if r.Code() != "FORBIDDEN" {
						t.Fatalf("code %q, want FORBIDDEN: %s", r.Code(), r.Body)
					}
					privJSONEq(t, r.Data, `null`)
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
				privJSONEq(t, r.Data, w.expand(want))
			})
		}
	}
}

// TestPrivacyPreSalesInfo: Product.preSalesInfo shows the APPROVED pre-sales
// phone and email (not the pending revision) to everybody who may see the
// product, and no path gives the contact address to anonymous viewers.
func TestPrivacyPreSalesInfo(t *testing.T) {
	t.Parallel()
	env, w := privSeed(t)
	acme := `{"phone":"+861065529988","email":"presales@acme.example"}`
	globex := `{"phone":"+862162798899","email":"presales@globex.example"}`
	for _, p := range privReaders {
		t.Run("product page/"+string(p), func(t *testing.T) {
			t.Parallel()
			r := privOK(t, env, p, `query($a: ID!, $b: ID!) { a: product(id: $a) { preSalesInfo { phone email } } b: product(id: $b) { preSalesInfo { phone email } } }`,
				map[string]any{"a": w.ReleasedID, "b": w.OtherReleasedID})
			privJSONEq(t, r.Data, `{"a":{"preSalesInfo":`+acme+`},"b":{"preSalesInfo":`+globex+`}}`)
		})
		t.Run("products list/"+string(p), func(t *testing.T) {
			t.Parallel()
			r := privOK(t, env, p, `{ products(first: 50, where: {status: RELEASED}) { edges { node { id preSalesInfo { phone email } } } } }`, nil)
			privJSONEq(t, r.Data, w.expand(`{"products":{"edges":[{"node":{"id":{R},"preSalesInfo":`+acme+`}},{"node":{"id":{OR},"preSalesInfo":`+globex+`}}]}}`))
		})
	}
	for _, q := range []string{
		`query($id: ID!) { product(id: $id) { preSalesInfo { contactAddress } } }`,
		`query($id: ID!) { product(id: $id) { preSalesInfo { phone email address } } }`,
	} {
		t.Run("no address field/"+q, func(t *testing.T) {
			t.Parallel()
			r := privDo(t, env, Anonymous, q, map[string]any{"id": w.ReleasedID})
			if r.Code() != "GRAPHQL_VALIDATION_FAILED" {
				t.Fatalf("code %q, want GRAPHQL_VALIDATION_FAILED: %s", r.Code(), r.Body)
			}
		})
	}
	// Every other path to a contact reads null for an anonymous viewer (and
	// privDo fails if "Acme Road" appears anywhere).
	r := privOK(t, env, Anonymous, `query($id: ID!, $g: ID!, $c: ID!, $rv: ID!) {
		product(id: $id) { seller { preSalesInfo { contactAddress } businessContact { contactAddress } } afterSalesGroup { seller { preSalesInfo { contactAddress } } } }
		group: node(id: $g) { ... on CustomerServiceGroup { seller { preSalesInfo { contactAddress } } } }
		contact: node(id: $c) { ... on Contact { contactAddress } }
		review: node(id: $rv) { ... on Review { contact { contactAddress } } } }`,
		map[string]any{"id": w.ReleasedID, "g": w.GroupID, "c": w.PreSalesContactID, "rv": w.PreSalesReviewID})
	privJSONEq(t, r.Data, `{"product":{"seller":{"preSalesInfo":null,"businessContact":null},"afterSalesGroup":{"seller":{"preSalesInfo":null}}},
		"group":null,"contact":null,"review":null}`)
}

// TestPrivacyPreSalesInfoFollowsApproval: once the pending revision is
// approved, the product page shows it; until then it showed the old one.
func TestPrivacyPreSalesInfoFollowsApproval(t *testing.T) {
	t.Parallel()
	env, w := privSeed(t)
	q := `query($id: ID!) { product(id: $id) { preSalesInfo { phone email } } }`
	r := privOK(t, env, Anonymous, q, map[string]any{"id": w.ReleasedID})
	privJSONEq(t, r.Data, `{"product":{"preSalesInfo":{"phone":"+861065529988","email":"presales@acme.example"}}}`)
	env.Approve(w.PendingReviewID)
	r = privPost(t, env.Handler, "", q, map[string]any{"id": w.ReleasedID}) // the new revision is public now
	privJSONEq(t, r.Data, `{"product":{"preSalesInfo":{"phone":"+861065529989","email":"presales2@acme.example"}}}`)
}

// TestPrivacyViewer checks viewer for every persona, including a seller
// token whose account has no Seller.
func TestPrivacyViewer(t *testing.T) {
	t.Parallel()
	env, w := privSeed(t)
	want := map[Persona]string{
		Anonymous:    `{"viewer":{"role":"ANONYMOUS","subject":null,"seller":null}}`,
		Owner:        `{"viewer":{"role":"SELLER","subject":"alice@acme","seller":{"id":{OS},"name":"Acme Cloud","accountID":"acme"}}}`,
		OtherSeller:  `{"viewer":{"role":"SELLER","subject":"bob@globex","seller":{"id":{XS},"name":"Globex Software","accountID":"globex"}}}`,
		Reviewer:     `{"viewer":{"role":"REVIEWER","subject":"rita@ops","seller":null}}`,
		Admin:        `{"viewer":{"role":"ADMIN","subject":"adam@ops","seller":null}}`,
		privNoSeller: `{"viewer":{"role":"SELLER","subject":"nora@nowhere","seller":null}}`,
	}
	for _, p := range privReaders {
		t.Run(string(p), func(t *testing.T) {
			t.Parallel()
			r := privOK(t, env, p, `{ viewer { role subject seller { id name accountID } } }`, nil)
			privJSONEq(t, r.Data, w.expand(want[p]))
		})
	}
}

// privMutation is one mutation of the contract with arguments aimed at the
// owner's objects.
type privMutation struct {
	field, payload, query string
	vars                  func(w privWorld) map[string]any
}

const privUE = ` userErrors { field message code } } }`

// privMutations lists every mutation of the contract.
func privMutations() []privMutation {
	id := func(pick func(w privWorld) string) func(w privWorld) map[string]any {
		return func(w privWorld) map[string]any { return map[string]any{"id": pick(w)} }
	}
	return []privMutation{
		{"submitBusinessContact", "review", `mutation { submitBusinessContact(input: {contactName: "Mallory", phone: "+86 10 6552 7777", email: "mallory@example.com"}) { review { id }` + privUE, nil},
		{"submitPreSalesInfo", "review", `mutation { submitPreSalesInfo(input: {phone: "+86 10 6552 7777", email: "mallory@example.com", contactAddress: "Nowhere"}) { review { id }` + privUE, nil},
		{"createCustomerServiceGroup", "customerServiceGroup", `mutation($in: CustomerServiceGroupInput!) { createCustomerServiceGroup(input: $in) { customerServiceGroup { id }` + privUE,
			func(privWorld) map[string]any { return map[string]any{"in": GroupInput("Mallory Support")} }},
		{"updateCustomerServiceGroup", "customerServiceGroup", `mutation($id: ID!, $in: CustomerServiceGroupInput!) { updateCustomerServiceGroup(id: $id, input: $in) { customerServiceGroup { id }` + privUE,
			func(w privWorld) map[string]any {
				return map[string]any{"id": w.GroupID, "in": GroupInput("Hijacked Support")}
			}},
		{"deleteCustomerServiceGroup", "deletedID", `mutation($id: ID!) { deleteCustomerServiceGroup(id: $id) { deletedID` + privUE,
			id(func(w privWorld) string { return w.LoneGroupID })},
		{"createProduct", "product", `mutation($g: ID!) { createProduct(input: {name: "Hijacked", afterSalesGroupID: $g}) { product { id }` + privUE,
			func(w privWorld) map[string]any { return map[string]any{"g": w.GroupID} }},
		{"updateProduct", "product", `mutation($id: ID!) { updateProduct(id: $id, input: {name: "Hijacked"}) { product { id }` + privUE,
			id(func(w privWorld) string { return w.DraftID })},
		{"submitProductRelease", "review", `mutation($id: ID!) { submitProductRelease(id: $id) { review { id }` + privUE,
			id(func(w privWorld) string { return w.DraftID })},
		{"hideProduct", "product", `mutation($id: ID!) { hideProduct(id: $id) { product { id }` + privUE,
			id(func(w privWorld) string { return w.ReleasedID })},
		{"showProduct", "product", `mutation($id: ID!) { showProduct(id: $id) { product { id }` + privUE,
			id(func(w privWorld) string { return w.HiddenID })},
		{"removeProduct", "product", `mutation($id: ID!) { removeProduct(id: $id) { product { id }` + privUE,
			id(func(w privWorld) string { return w.ReleasedID })},
		{"withdrawReview", "review", `mutation($id: ID!) { withdrawReview(id: $id) { review { id }` + privUE,
			id(func(w privWorld) string { return w.PendingReviewID })},
		{"approveReview", "review", `mutation($id: ID!) { approveReview(id: $id, comment: "fine") { review { id }` + privUE,
			id(func(w privWorld) string { return w.PendingReviewID })},
		{"rejectReview", "review", `mutation($id: ID!) { rejectReview(id: $id, reason: "not fine") { review { id }` + privUE,
			id(func(w privWorld) string { return w.PendingReviewID })},
		{"createSeller", "seller", `mutation { createSeller(input: {accountID: "hooli", name: "Hooli"}) { seller { id }` + privUE, nil},
	}
}

// privOutcome is what a persona's mutation must answer.
type privOutcome struct {
	kind  string   // "ok", "forbidden" or "not found"
	field []string // the userErrors field of "not found"
}

var (
	privAllowed   = privOutcome{kind: "ok"}
	privForbidden = privOutcome{kind: "forbidden"}
)

func privNotFound(field ...string) privOutcome { return privOutcome{kind: "not found", field: field} }

// privExpected is the outcome of a mutation of privMutations for a persona.
func privExpected(m privMutation, p Persona) privOutcome {
	switch m.field {
	case "createSeller":
		if p == Admin {
			return privAllowed
		}
		return privForbidden
	case "approveReview", "rejectReview":
		if privStaffOnly[p] {
			return privAllowed
		}
		return privForbidden
	}
	switch p {
	case Owner:
		return privAllowed
	case OtherSeller:
		switch m.field {
		case "submitBusinessContact", "submitPreSalesInfo", "createCustomerServiceGroup":
			return privAllowed // acts on its own seller
		case "createProduct":
			return privNotFound("input", "afterSalesGroupID")
		}
		return privNotFound("id")
	}
	return privForbidden // anonymous, staff, and a seller token without a Seller
}

// Snapshots of everything that a mutation could change, as the owner and
// as staff read it.
const (
	privOwnerSnapshot = `{ viewer { seller { id name businessContact { id } preSalesInfo { id }
		customerServiceGroups { id name phone email serviceDays serviceHours { start end } timeZone version updatedAt }
		products(first: 100) { totalCount edges { node { id name summary status version updatedAt releasedAt afterSalesGroup { id } } } }
		reviews(first: 100) { totalCount edges { node { id kind status decidedBy decidedAt comment contact { id } product { id } } } } } } }`
	privStaffSnapshot = `{ sellers(first: 100) { totalCount edges { node { id name accountID businessContact { id } preSalesInfo { id }
		customerServiceGroups { id name version updatedAt } } } }
		products(first: 100) { totalCount edges { node { id name summary status version updatedAt } } }
		reviews(first: 100) { totalCount edges { node { id status decidedBy decidedAt comment } } } }`
)

func privSnapshot(t testing.TB, env *Env, p Persona, q string) string {
	t.Helper()
	return privCanonJSON(t, privOK(t, env, p, q, nil).Data)
}

// privCheckMutation runs a mutation as p on a fresh world and checks the
// outcome; a refused mutation must leave the owner's data (and, unless the
// caller acts on its own seller, everything) as it was.
func privCheckMutation(t *testing.T, p Persona, m privMutation, want privOutcome, w privWorld, env *Env) {
	t.Helper()
	ownerBefore := privSnapshot(t, env, Owner, privOwnerSnapshot)
	staffBefore := privSnapshot(t, env, Reviewer, privStaffSnapshot)
	var vars map[string]any
	if m.vars != nil {
		vars = m.vars(w)
	}
	r := privDo(t, env, p, m.query, vars)
	switch want.kind {
	case "forbidden":
		if r.Code() != "FORBIDDEN" {
			t.Errorf("code %q, want FORBIDDEN: %s", r.Code(), r.Body)
		}
		privJSONEq(t, r.Data, `null`)
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
	if after := privSnapshot(t, env, Owner, privOwnerSnapshot); after != ownerBefore && (want.kind != "ok" || p != Owner && !privStaffOnly[p]) {
		t.Errorf("the owner's data changed:\nbefore %s\nafter  %s", ownerBefore, after)
	}
	if want.kind == "ok" {
		return
	}
	if after := privSnapshot(t, env, Reviewer, privStaffSnapshot); after != staffBefore {
		t.Errorf("the data changed:\nbefore %s\nafter  %s", staffBefore, after)
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
	for _, m := range privMutations() {
		for _, p := range privReaders {
			want := privExpected(m, p)
			t.Run(m.field+"/"+string(p)+"/"+want.kind, func(t *testing.T) {
				t.Parallel()
				env, w := privSeed(t)
				privCheckMutation(t, p, m, want, w, env)
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
		return `mutation($id: ID!) { ` + name + `(id: $id) { product { id }` + privUE
	}
	withdraw := `mutation($id: ID!) { withdrawReview(id: $id) { review { id }` + privUE
	approve := `mutation($id: ID!) { approveReview(id: $id) { review { id }` + privUE
	reject := `mutation($id: ID!) { rejectReview(id: $id, reason: "no") { review { id }` + privUE
	release := `mutation($id: ID!) { submitProductRelease(id: $id) { review { id }` + privUE
	deleteGroup := `mutation($id: ID!) { deleteCustomerServiceGroup(id: $id) { deletedID` + privUE
	updateGroup := `mutation($id: ID!, $in: CustomerServiceGroupInput!) { updateCustomerServiceGroup(id: $id, input: $in) { customerServiceGroup { id }` + privUE
	setGroup := `mutation($id: ID!, $g: ID!) { updateProduct(id: $id, input: {afterSalesGroupID: $g}) { product { id }` + privUE
	createWithGroup := `mutation($g: ID!) { createProduct(input: {name: "Mixed", afterSalesGroupID: $g}) { product { id }` + privUE
	type tc struct {
		name string
		p    Persona
		m    privMutation
		want privOutcome
	}
	idVar := func(pick func(w privWorld) string) func(w privWorld) map[string]any {
		return func(w privWorld) map[string]any { return map[string]any{"id": pick(w)} }
	}
	cases := []tc{
		{"delete a group in use", OtherSeller, privMutation{"deleteCustomerServiceGroup", "deletedID", deleteGroup, idVar(func(w privWorld) string { return w.GroupID })}, privNotFound("id")},
		{"update the hidden product's group", OtherSeller, privMutation{"updateCustomerServiceGroup", "customerServiceGroup", updateGroup,
			func(w privWorld) map[string]any {
				return map[string]any{"id": w.HiddenGroupID, "in": GroupInput("Hijacked")}
			}}, privNotFound("id")},
		{"remove a removed product", OtherSeller, privMutation{"removeProduct", "product", productMut("removeProduct"), idVar(func(w privWorld) string { return w.RemovedID })}, privNotFound("id")},
		{"hide a hidden product", OtherSeller, privMutation{"hideProduct", "product", productMut("hideProduct"), idVar(func(w privWorld) string { return w.HiddenID })}, privNotFound("id")},
		{"show a released product", OtherSeller, privMutation{"showProduct", "product", productMut("showProduct"), idVar(func(w privWorld) string { return w.ReleasedID })}, privNotFound("id")},
		{"hide a draft", OtherSeller, privMutation{"hideProduct", "product", productMut("hideProduct"), idVar(func(w privWorld) string { return w.DraftID })}, privNotFound("id")},
		{"release a released product", OtherSeller, privMutation{"submitProductRelease", "review", release, idVar(func(w privWorld) string { return w.ReleasedID })}, privNotFound("id")},
		{"select own group for a released product", OtherSeller, privMutation{"updateProduct", "product", setGroup,
			func(w privWorld) map[string]any { return map[string]any{"id": w.ReleasedID, "g": w.OtherGroupID} }}, privNotFound("id")},
		{"withdraw an approved review", OtherSeller, privMutation{"withdrawReview", "review", withdraw, idVar(func(w privWorld) string { return w.PreSalesReviewID })}, privNotFound("id")},
		{"withdraw a pending release review", OtherSeller, privMutation{"withdrawReview", "review", withdraw, idVar(func(w privWorld) string { return w.InReviewReviewID })}, privNotFound("id")},
		{"resubmit a rejected product", OtherSeller, privMutation{"submitProductRelease", "review", release, idVar(func(w privWorld) string { return w.RejectedID })}, privNotFound("id")},
		{"rename a rejected product", OtherSeller, privMutation{"updateProduct", "product", `mutation($id: ID!) { updateProduct(id: $id, input: {name: "X"}) { product { id }` + privUE,
			idVar(func(w privWorld) string { return w.RejectedID })}, privNotFound("id")},
		{"remove a product in review", OtherSeller, privMutation{"removeProduct", "product", productMut("removeProduct"), idVar(func(w privWorld) string { return w.InReviewID })}, privNotFound("id")},
		{"withdraw the other's review", Owner, privMutation{"withdrawReview", "review", withdraw, idVar(func(w privWorld) string { return w.OtherReleaseReviewID })}, privNotFound("id")},
		{"create with the other's group", Owner, privMutation{"createProduct", "product", createWithGroup,
			func(w privWorld) map[string]any { return map[string]any{"g": w.OtherGroupID} }}, privNotFound("input", "afterSalesGroupID")},
		{"select the other's group for a draft", Owner, privMutation{"updateProduct", "product", setGroup,
			func(w privWorld) map[string]any { return map[string]any{"id": w.DraftID, "g": w.OtherGroupID} }}, privNotFound("input", "afterSalesGroupID")},
		{"select the other's group for a released product", Owner, privMutation{"updateProduct", "product", setGroup,
			func(w privWorld) map[string]any { return map[string]any{"id": w.ReleasedID, "g": w.OtherGroupID} }}, privNotFound("input", "afterSalesGroupID")},
		{"release the other's draft", Owner, privMutation{"submitProductRelease", "review", release, idVar(func(w privWorld) string { return w.OtherDraftID })}, privNotFound("id")},
		{"remove the other's draft", Owner, privMutation{"removeProduct", "product", productMut("removeProduct"), idVar(func(w privWorld) string { return w.OtherDraftID })}, privNotFound("id")},
		{"delete the other's group", Owner, privMutation{"deleteCustomerServiceGroup", "deletedID", deleteGroup, idVar(func(w privWorld) string { return w.OtherGroupID })}, privNotFound("id")},
		{"hide a group ID", Owner, privMutation{"hideProduct", "product", productMut("hideProduct"), idVar(func(w privWorld) string { return w.GroupID })}, privNotFound("id")},
		{"remove a seller ID", Owner, privMutation{"removeProduct", "product", productMut("removeProduct"), idVar(func(w privWorld) string { return w.OwnerSellerID })}, privNotFound("id")},
		{"withdraw a product ID", Owner, privMutation{"withdrawReview", "review", withdraw, idVar(func(w privWorld) string { return w.ReleasedID })}, privNotFound("id")},
		{"withdraw a contact ID", Owner, privMutation{"withdrawReview", "review", withdraw, idVar(func(w privWorld) string { return w.PendingContactID })}, privNotFound("id")},
		{"delete a product ID", Owner, privMutation{"deleteCustomerServiceGroup", "deletedID", deleteGroup, idVar(func(w privWorld) string { return w.DraftID })}, privNotFound("id")},
		{"update a review ID", Owner, privMutation{"updateProduct", "product", `mutation($id: ID!) { updateProduct(id: $id, input: {name: "X"}) { product { id }` + privUE,
			idVar(func(w privWorld) string { return w.PendingReviewID })}, privNotFound("id")},
		{"select a product ID as group", Owner, privMutation{"updateProduct", "product", setGroup,
			func(w privWorld) map[string]any { return map[string]any{"id": w.DraftID, "g": w.ReleasedID} }}, privNotFound("input", "afterSalesGroupID")},
		{"hide an unknown product", Owner, privMutation{"hideProduct", "product", productMut("hideProduct"), idVar(func(w privWorld) string { return w.UnknownProductID })}, privNotFound("id")},
		{"approve a product ID", Reviewer, privMutation{"approveReview", "review", approve, idVar(func(w privWorld) string { return w.ReleasedID })}, privNotFound("id")},
		{"approve a contact ID", Admin, privMutation{"approveReview", "review", approve, idVar(func(w privWorld) string { return w.PendingContactID })}, privNotFound("id")},
		{"reject an unknown review", Reviewer, privMutation{"rejectReview", "review", reject, idVar(func(w privWorld) string { return w.UnknownReviewID })}, privNotFound("id")},
	}
	for _, c := range cases {
		t.Run(string(c.p)+"/"+c.name, func(t *testing.T) {
			t.Parallel()
			env, w := privSeed(t)
			privCheckMutation(t, c.p, c.m, c.want, w, env)
		})
	}
}

// TestTenantNoSellerAccount: a seller token whose account has no Seller
// reads what anonymous reads and may run no seller mutation (covered for
// every mutation by TestTenantMutationMatrix); here its reads of the
// owner's private objects.
func TestTenantNoSellerAccount(t *testing.T) {
	t.Parallel()
	env, w := privSeed(t)
	r := privOK(t, env, privNoSeller, `query($ids: [ID!]!) { nodes(ids: $ids) { id } products { totalCount } }`,
		map[string]any{"ids": []string{w.DraftID, w.PreSalesContactID, w.PendingReviewID, w.LoneGroupID, w.LoneSellerID}})
	privJSONEq(t, r.Data, `{"nodes":[null,null,null,null,null],"products":{"totalCount":2}}`)
}

// privBadTokens are bearer credentials the server must refuse.
func privBadTokens(t *testing.T) map[string]string {
	sign := func(method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
		s, err := jwt.NewWithClaims(method, claims).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	exp := time.Now().Add(time.Hour).Unix()
	expired, err := auth.Mint(testSecret, "adam@ops", "admin", "", time.Hour, time.Now().Add(-2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	badSig, err := auth.Mint([]byte("another-secret-of-at-least-32-bytes"), "adam@ops", "admin", "", time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
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

// privCheck401 checks a refused request: HTTP 401 with code UNAUTHENTICATED
// and no data.
func privCheck401(t *testing.T, r privResp) {
	t.Helper()
	if r.Status != http.StatusUnauthorized {
		t.Errorf("HTTP %d, want 401: %s", r.Status, r.Body)
	}
	if r.Code() != "UNAUTHENTICATED" {
		t.Errorf("errors[0].extensions.code %q, want UNAUTHENTICATED: %s", r.Code(), r.Body)
	}
	privJSONEq(t, r.Data, `null`)
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
	for name, tok := range privBadTokens(t) {
		for qn, q := range queries {
			t.Run(name+"/POST "+qn, func(t *testing.T) {
				t.Parallel()
				privCheck401(t, privPost(t, env.Handler, tok, q, nil))
			})
		}
		t.Run(name+"/GET", func(t *testing.T) {
			t.Parallel()
			req := httptest.NewRequest(http.MethodGet, "/graphql?query="+url.QueryEscape(queries["query"]), nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			privCheck401(t, privServe(t, env.Handler, req))
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
			req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":"{ viewer { role } }"}`))
			req.Header.Set("Content-Type", "application/json")
			for _, v := range values {
				req.Header.Add("Authorization", v)
			}
			privCheck401(t, privServe(t, env.Handler, req))
		})
	}
	// Nothing was created by a refused mutation.
	r := privOK(t, env, Admin, `{ sellers { totalCount } }`, nil)
	privJSONEq(t, r.Data, `{"sellers":{"totalCount":2}}`)
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
			req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":"{ viewer { role subject } }"}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", header)
			r := privServe(t, env.Handler, req)
			if r.Status != http.StatusOK || len(r.Errors) > 0 {
				t.Fatalf("HTTP %d: %s", r.Status, r.Body)
			}
			privJSONEq(t, r.Data, `{"viewer":{"role":"ADMIN","subject":"adam@ops"}}`)
		})
	}
	t.Run("no header is anonymous", func(t *testing.T) {
		t.Parallel()
		r := privOK(t, env, Anonymous, `{ viewer { role subject } }`, nil)
		privJSONEq(t, r.Data, `{"viewer":{"role":"ANONYMOUS","subject":null}}`)
	})
}

// TestPrivacyErrorsCarryNoSQL provokes the errors a client can cause — bad
// IDs, cursors, pagination arguments, inputs, refused operations — and
// checks that every message is free of SQL text and internals (privDo
// checks every response of the suite the same way) and that each is
// classified rather than INTERNAL.
func TestPrivacyErrorsCarryNoSQL(t *testing.T) {
	t.Parallel()
	env, w := privSeed(t)
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
			r := privDo(t, env, c.p, c.query, c.vars)
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

// privNodeFor expects node(id:) to read as object(p) for the personas of
// side and as null for everyone else.
func privNodeFor(side privSet, object func(Persona) string) func(Persona) string {
	return func(p Persona) string {
		if !side[p] {
			return `{"node":null}`
		}
		return `{"node":` + object(p) + `}`
	}
}
