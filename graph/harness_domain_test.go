package graph_test

// The domain side of the harness: the mutations of the contract and their
// payloads, valid inputs, readers of the stored objects, and the seeded
// world most tests start from.

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"servicesupport/database"
	"servicesupport/database/dbtest"
)

// UserError is a payload's userErrors entry.
type UserError struct {
	Field   []string `json:"field"`
	Message string   `json:"message"`
	Code    string   `json:"code"`
}

// UE is an expected userErrors entry: its code and field path.
func UE(code string, field ...string) UserError { return UserError{Code: code, Field: field} }

// userErrorFields is the selection of userErrors in every mutation.
const userErrorFields = `userErrors { field message code }`

// Selections of the objects the tests check.
const (
	ContactSel = `id kind revision contactName phone email contactAddress review { id }`
	ReviewSel  = `id kind status submittedBy submittedAt dueAt decidedBy decidedAt comment
		changes { field before after }
		contact { ` + ContactSel + ` }
		product { id status }`
	ProductSel = `id name summary status releasedAt version afterSalesGroup { id name }`
	// Mutation payloads select no edges of the returned object: edges of a
	// mutation's result fail after the transaction closed (see
	// TestWorkflowMutationPayloadEdges); the tests read them with a query.
	ReviewPaySel  = `id kind status submittedBy submittedAt dueAt decidedBy decidedAt comment changes { field before after }`
	ProductPaySel = `id name summary status releasedAt version`
	GroupSel      = `id name phone email serviceDays serviceHours { start end } timeZone version openNow meetsServicePolicy`
	SellerSel     = `id accountID name`
)

// The mutations of the contract; every one selects its payload under the
// alias "out" (see Payload).
const (
	SubmitBusinessM = `mutation($in: SubmitBusinessContactInput!) { out: submitBusinessContact(input: $in) { review { ` + ReviewPaySel + ` } ` + userErrorFields + ` } }`
	SubmitPreSalesM = `mutation($in: SubmitPreSalesInfoInput!) { out: submitPreSalesInfo(input: $in) { review { ` + ReviewPaySel + ` } ` + userErrorFields + ` } }`
	ApproveM        = `mutation($id: ID!, $comment: String) { out: approveReview(id: $id, comment: $comment) { review { ` + ReviewPaySel + ` } ` + userErrorFields + ` } }`
	RejectM         = `mutation($id: ID!, $reason: String!) { out: rejectReview(id: $id, reason: $reason) { review { ` + ReviewPaySel + ` } ` + userErrorFields + ` } }`
	WithdrawM       = `mutation($id: ID!) { out: withdrawReview(id: $id) { review { ` + ReviewPaySel + ` } ` + userErrorFields + ` } }`
	CreateGroupM    = `mutation($in: CustomerServiceGroupInput!) { out: createCustomerServiceGroup(input: $in) { customerServiceGroup { ` + GroupSel + ` } ` + userErrorFields + ` } }`
	UpdateGroupM    = `mutation($id: ID!, $in: CustomerServiceGroupInput!) { out: updateCustomerServiceGroup(id: $id, input: $in) { customerServiceGroup { ` + GroupSel + ` } ` + userErrorFields + ` } }`
	DeleteGroupM    = `mutation($id: ID!) { out: deleteCustomerServiceGroup(id: $id) { deletedID ` + userErrorFields + ` } }`
	CreateProductM  = `mutation($in: CreateProductInput!) { out: createProduct(input: $in) { product { ` + ProductPaySel + ` } ` + userErrorFields + ` } }`
	UpdateProductM  = `mutation($id: ID!, $in: UpdateProductInput!) { out: updateProduct(id: $id, input: $in) { product { ` + ProductPaySel + ` } ` + userErrorFields + ` } }`
	SubmitReleaseM  = `mutation($id: ID!) { out: submitProductRelease(id: $id) { review { ` + ReviewPaySel + ` } ` + userErrorFields + ` } }`
	HideM           = `mutation($id: ID!) { out: hideProduct(id: $id) { product { ` + ProductPaySel + ` } ` + userErrorFields + ` } }`
	ShowM           = `mutation($id: ID!) { out: showProduct(id: $id) { product { ` + ProductPaySel + ` } ` + userErrorFields + ` } }`
	RemoveM         = `mutation($id: ID!) { out: removeProduct(id: $id) { product { ` + ProductPaySel + ` } ` + userErrorFields + ` } }`
	CreateSellerM   = `mutation($in: CreateSellerInput!) { out: createSeller(input: $in) { seller { ` + SellerSel + ` } ` + userErrorFields + ` } }`
)

// Change is one entry of Review.changes.
type Change struct {
	Field  string
	Before *string
	After  *string
}

// ContactData is a Contact as ContactSel reads it.
type ContactData struct {
	ID             string
	Kind           string
	Revision       int
	ContactName    *string
	Phone          string
	Email          string
	ContactAddress *string
	Review         *struct{ ID string }
}

// ReviewData is a Review as ReviewSel reads it.
type ReviewData struct {
	ID          string
	Kind        string
	Status      string
	SubmittedBy string
	SubmittedAt time.Time
	DueAt       time.Time
	DecidedBy   *string
	DecidedAt   *time.Time
	Comment     *string
	Changes     []Change
	Contact     *ContactData
	Product     *struct{ ID, Status string }
}

// ProductData is a Product as ProductSel reads it.
type ProductData struct {
	ID              string
	Name            string
	Summary         string
	Status          string
	ReleasedAt      *time.Time
	Version         int
	AfterSalesGroup *struct{ ID, Name string }
}

// TimeRange is a service hours range.
type TimeRange struct{ Start, End string }

// GroupData is a CustomerServiceGroup as GroupSel reads it.
type GroupData struct {
	ID                 string
	Name               string
	Phone              string
	Email              string
	ServiceDays        []string
	ServiceHours       []TimeRange
	TimeZone           string
	Version            int
	OpenNow            bool
	MeetsServicePolicy bool
}

// SellerData is a Seller as SellerSel reads it.
type SellerData struct{ ID, AccountID, Name string }

// Payload is the union of the mutation payloads.
type Payload struct {
	Review               *ReviewData
	Product              *ProductData
	CustomerServiceGroup *GroupData
	Seller               *SellerData
	DeletedID            *string
	UserErrors           []UserError
}

// Empty reports whether the payload carries no object.
func (p Payload) Empty() bool {
	return p.Review == nil && p.Product == nil && p.CustomerServiceGroup == nil && p.Seller == nil && p.DeletedID == nil
}

// DecodePayload decodes the "out" payload of a mutation; it never calls a
// testing.TB, so goroutines may use it.
func DecodePayload(r Result) (Payload, error) {
	if len(r.Errors) > 0 {
		return Payload{}, fmt.Errorf("GraphQL errors: %+v", r.Errors)
	}
	var out struct{ Out *Payload }
	if err := json.Unmarshal(r.Data, &out); err != nil {
		return Payload{}, fmt.Errorf("decoding %s: %v", r.Data, err)
	}
	if out.Out == nil {
		return Payload{}, fmt.Errorf("no payload in %s", r.Data)
	}
	return *out.Out, nil
}

// Mutate runs a mutation as p and returns its payload; GraphQL errors fail
// the test.
func (e *Env) Mutate(p Persona, mutation string, vars map[string]any) Payload {
	e.t.Helper()
	pl, err := DecodePayload(e.Do(p, mutation, vars))
	if err != nil {
		e.t.Fatalf("as %s: %v", p, err)
	}
	return pl
}

// MutateOK runs a mutation that must succeed: no userErrors, an object.
func (e *Env) MutateOK(p Persona, mutation string, vars map[string]any) Payload {
	e.t.Helper()
	pl := e.Mutate(p, mutation, vars)
	if len(pl.UserErrors) > 0 {
		e.t.Fatalf("as %s: unexpected userErrors %+v", p, pl.UserErrors)
	}
	if pl.Empty() {
		e.t.Fatalf("as %s: payload without object and without userErrors", p)
	}
	return pl
}

// WantUserError checks that pl holds exactly one user error with code and
// field (nil: no field), a message, and no object; it returns the message.
func WantUserError(t testing.TB, pl Payload, code string, field []string) string {
	t.Helper()
	if len(pl.UserErrors) != 1 {
		t.Errorf("userErrors = %+v, want exactly one %s at %q", pl.UserErrors, code, field)
		if len(pl.UserErrors) == 0 {
			return ""
		}
	}
	ue := pl.UserErrors[0]
	if ue.Code != code || !slices.Equal(ue.Field, field) || (field == nil) != (ue.Field == nil) {
		t.Errorf("userError = {code %s field %q}, want {code %s field %q} (message %q)", ue.Code, ue.Field, code, field, ue.Message)
	}
	if strings.TrimSpace(ue.Message) == "" {
		t.Errorf("userError %s has an empty message", ue.Code)
	}
	if !pl.Empty() {
		t.Errorf("payload with userErrors also carries an object: %+v", pl)
	}
	return ue.Message
}

// Weekdays and AllDays are serviceDays inputs.
var (
	Weekdays = []string{"MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"}
	AllDays  = []string{"MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"}
)

// GroupInput returns a valid group input that meets the service policy.
func GroupInput(name string) map[string]any {
	return map[string]any{
		"name":         name,
		"phone":        "+86 10 6552 9988",
		"email":        "support@example.com",
		"serviceDays":  slices.Clone(Weekdays),
		"serviceHours": []map[string]string{{"start": "09:00", "end": "18:00"}},
		"timeZone":     "Asia/Shanghai",
	}
}

// GroupInputWith is GroupInput with fields overridden.
func GroupInputWith(name string, over map[string]any) map[string]any {
	in := GroupInput(name)
	for k, v := range over {
		in[k] = v
	}
	return in
}

// GroupWith returns a valid group input with the given schedule.
func GroupWith(name string, days []string, hours ...[2]string) map[string]any {
	in := GroupInput(name)
	in["serviceDays"] = days
	rs := make([]map[string]string, len(hours))
	for i, h := range hours {
		rs[i] = map[string]string{"start": h[0], "end": h[1]}
	}
	in["serviceHours"] = rs
	return in
}

// Hours builds serviceHours from start/end pairs (an empty list for none).
func Hours(pairs ...string) []map[string]string {
	out := make([]map[string]string, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, map[string]string{"start": pairs[i], "end": pairs[i+1]})
	}
	return out
}

// CreateSeller registers a seller as admin and returns its ID.
func (e *Env) CreateSeller(accountID, name string) string {
	e.t.Helper()
	return e.MutateOK(Admin, CreateSellerM, map[string]any{"in": map[string]any{"accountID": accountID, "name": name}}).Seller.ID
}

// CreateGroup creates a group as p and returns its ID.
func (e *Env) CreateGroup(p Persona, input map[string]any) string {
	e.t.Helper()
	return e.MutateOK(p, CreateGroupM, map[string]any{"in": input}).CustomerServiceGroup.ID
}

// CreateProduct creates a product as p (selecting groupID unless "") and
// returns its ID.
func (e *Env) CreateProduct(p Persona, name string, groupID string) string {
	e.t.Helper()
	in := map[string]any{"name": name, "summary": "About " + name}
	if groupID != "" {
		in["afterSalesGroupID"] = groupID
	}
	return e.MutateOK(p, CreateProductM, map[string]any{"in": in}).Product.ID
}

// SubmitPreSales submits pre-sales info as p and returns the review ID.
func (e *Env) SubmitPreSales(p Persona, phone, email, address string) string {
	e.t.Helper()
	return e.MutateOK(p, SubmitPreSalesM, map[string]any{"in": map[string]any{"phone": phone, "email": email, "contactAddress": address}}).Review.ID
}

// Approve approves a review as a reviewer and fails on user errors.
func (e *Env) Approve(reviewID string) {
	e.t.Helper()
	e.MutateOK(Reviewer, ApproveM, map[string]any{"id": reviewID})
}

// SubmitRelease submits a product for release as p and returns the review ID.
func (e *Env) SubmitRelease(p Persona, productID string) string {
	e.t.Helper()
	return e.MutateOK(p, SubmitReleaseM, map[string]any{"id": productID}).Review.ID
}

// World is a seeded scenario: the owner's released product with an
// approved pre-sales contact, a draft product, and a pending review.
type World struct {
	GroupID, ReleasedID, DraftID  string
	PreSalesContactID             string
	PendingReviewID               string
	OtherGroupID, OtherReleasedID string
}

// Seed builds the usual scenario for both sellers.
func (e *Env) Seed() World {
	e.t.Helper()
	var w World
	e.Approve(e.SubmitPreSales(Owner, "+86 10 6552 9988", "presales@acme.example", "1 Acme Road, Beijing"))
	w.GroupID = e.CreateGroup(Owner, GroupInput("Acme Support"))
	w.ReleasedID = e.CreateProduct(Owner, "Acme Compute", w.GroupID)
	e.Approve(e.SubmitRelease(Owner, w.ReleasedID))
	w.DraftID = e.CreateProduct(Owner, "Acme Draft", w.GroupID)
	w.PendingReviewID = e.SubmitPreSales(Owner, "+86 10 6552 9989", "presales2@acme.example", "2 Acme Road, Beijing")

	e.Approve(e.SubmitPreSales(OtherSeller, "+86 21 6279 8899", "presales@globex.example", "9 Globex Street, Shanghai"))
	w.OtherGroupID = e.CreateGroup(OtherSeller, GroupInput("Globex Support"))
	w.OtherReleasedID = e.CreateProduct(OtherSeller, "Globex Storage", w.OtherGroupID)
	e.Approve(e.SubmitRelease(OtherSeller, w.OtherReleasedID))

	var out struct {
		Viewer struct {
			Seller struct {
				PreSalesInfo struct{ ID string }
			}
		}
	}
	e.MustDo(Owner, `{ viewer { seller { preSalesInfo { id } } } }`, nil, &out)
	w.PreSalesContactID = out.Viewer.Seller.PreSalesInfo.ID
	return w
}

// ReadyToRelease gives the owner an approved pre-sales contact and a group
// that meets the service policy, and returns the group's ID.
func (e *Env) ReadyToRelease() string {
	e.t.Helper()
	e.Approve(e.SubmitPreSales(Owner, "+86 10 6552 9988", "presales@acme.example", "1 Acme Road, Beijing"))
	return e.CreateGroup(Owner, GroupInput("Acme Support"))
}

// ProductIn creates an owner product selecting groupID and moves it to
// status; it returns the product and its latest release review ("" when it
// has none).
func (e *Env) ProductIn(name, groupID, status string) (productID, reviewID string) {
	e.t.Helper()
	productID = e.CreateProduct(Owner, name, groupID)
	id := map[string]any{"id": productID}
	switch status {
	case "DRAFT":
	case "IN_REVIEW":
		reviewID = e.SubmitRelease(Owner, productID)
	case "RELEASED", "HIDDEN":
		reviewID = e.SubmitRelease(Owner, productID)
		e.Approve(reviewID)
		if status == "HIDDEN" {
			e.MutateOK(Owner, HideM, id)
		}
	case "REJECTED":
		reviewID = e.SubmitRelease(Owner, productID)
		e.MutateOK(Reviewer, RejectM, map[string]any{"id": reviewID, "reason": "Summary too vague"})
	case "REMOVED":
		e.MutateOK(Owner, RemoveM, id)
	default:
		e.t.Fatalf("unknown status %s", status)
	}
	if got := e.GetProduct(productID).Status; got != status {
		e.t.Fatalf("set-up product status = %s, want %s", got, status)
	}
	return productID, reviewID
}

// GetReview reads a review as a reviewer.
func (e *Env) GetReview(id string) ReviewData {
	e.t.Helper()
	var out struct{ Node *ReviewData }
	e.MustDo(Reviewer, `query($id: ID!) { node(id: $id) { ... on Review { `+ReviewSel+` } } }`, map[string]any{"id": id}, &out)
	if out.Node == nil {
		e.t.Fatalf("review %s not found", id)
	}
	return *out.Node
}

// GetProduct reads a product as its owner.
func (e *Env) GetProduct(id string) ProductData {
	e.t.Helper()
	var out struct{ Node *ProductData }
	e.MustDo(Owner, `query($id: ID!) { node(id: $id) { ... on Product { `+ProductSel+` } } }`, map[string]any{"id": id}, &out)
	if out.Node == nil {
		e.t.Fatalf("product %s not found", id)
	}
	return *out.Node
}

// GetGroup reads a group as p; nil when not found.
func (e *Env) GetGroup(p Persona, id string) *GroupData {
	e.t.Helper()
	var out struct{ Node *GroupData }
	e.MustDo(p, `query($id: ID!) { node(id: $id) { ... on CustomerServiceGroup { `+GroupSel+` } } }`, map[string]any{"id": id}, &out)
	return out.Node
}

// LiveContacts returns p's seller's live business contact and pre-sales info.
func (e *Env) LiveContacts(p Persona) (business, preSales *ContactData) {
	e.t.Helper()
	var out struct {
		Viewer struct {
			Seller *struct{ BusinessContact, PreSalesInfo *ContactData }
		}
	}
	e.MustDo(p, `{ viewer { seller { businessContact { `+ContactSel+` } preSalesInfo { `+ContactSel+` } } } }`, nil, &out)
	if out.Viewer.Seller == nil {
		e.t.Fatalf("%s has no seller", p)
	}
	return out.Viewer.Seller.BusinessContact, out.Viewer.Seller.PreSalesInfo
}

// LiveContact returns the live contact of a kind ("BUSINESS" or "PRE_SALES").
func (e *Env) LiveContact(p Persona, kind string) *ContactData {
	e.t.Helper()
	b, ps := e.LiveContacts(p)
	if kind == "BUSINESS" {
		return b
	}
	return ps
}

// Show renders an optional string.
func Show(s *string) string {
	if s == nil {
		return "null"
	}
	return strconv.Quote(*s)
}

// Str returns a pointer to s.
func Str(s string) *string { return &s }

// Within reports whether ts lies in [from, to] to the precision of the
// database's clock, which stamps submissions and decisions: microseconds on
// PostgreSQL, milliseconds on SQLite (hooks.Now). A time stamped just after
// from may read back before it.
func Within(ts, from, to time.Time) bool {
	p := time.Microsecond
	if dbtest.Dialect() == database.SQLite {
		p = time.Millisecond
	}
	return !ts.Before(from.Truncate(p)) && !ts.After(to.Truncate(p).Add(p))
}
