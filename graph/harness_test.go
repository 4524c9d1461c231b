package graph_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	"github.com/99designs/gqlgen/client"

	"servicesupport/auth"
	"servicesupport/database"
	"servicesupport/ent"
	_ "servicesupport/ent/runtime"
	"servicesupport/graph"
)

// testSecret signs the tokens of every test.
var testSecret = []byte("test-secret-of-at-least-32-bytes!!")

// testLogger keeps request lines out of test output but shows errors.
var testLogger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

// Persona names the viewers every table-driven test runs as.
type Persona string

// The five personas of the design.
const (
	Anonymous   Persona = "anonymous"
	Owner       Persona = "owner"
	OtherSeller Persona = "other seller"
	Reviewer    Persona = "reviewer"
	Admin       Persona = "admin"
)

// AllPersonas lists every persona.
var AllPersonas = []Persona{Anonymous, Owner, OtherSeller, Reviewer, Admin}

// Env is one test's server: a fresh SQLite database and the real handler.
type Env struct {
	t       testing.TB
	Client  *ent.Client
	Handler http.Handler
	// Statements counts SQL statements run through the driver.
	Statements atomic.Int64
	// OwnerSellerID and OtherSellerID are the sellers of Owner and OtherSeller.
	OwnerSellerID, OtherSellerID string
}

// countingDriver counts statements on their way to the database.
type countingDriver struct {
	dialect.Driver
	n *atomic.Int64
}

func (d countingDriver) Exec(ctx context.Context, q string, args, v any) error {
	d.n.Add(1)
	return d.Driver.Exec(ctx, q, args, v)
}

func (d countingDriver) Query(ctx context.Context, q string, args, v any) error {
	d.n.Add(1)
	return d.Driver.Query(ctx, q, args, v)
}

func (d countingDriver) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := d.Driver.Tx(ctx)
	if err != nil {
		return nil, err
	}
	return countingTx{Tx: tx, n: d.n}, nil
}

// countingTx counts statements inside transactions.
type countingTx struct {
	dialect.Tx
	n *atomic.Int64
}

func (t countingTx) Exec(ctx context.Context, q string, args, v any) error {
	t.n.Add(1)
	return t.Tx.Exec(ctx, q, args, v)
}

func (t countingTx) Query(ctx context.Context, q string, args, v any) error {
	t.n.Add(1)
	return t.Tx.Query(ctx, q, args, v)
}

// NewEnv starts a server on a new database with two registered sellers:
// "acme" (Owner) and "globex" (OtherSeller).
func NewEnv(t testing.TB) *Env {
	t.Helper()
	env := &Env{t: t}
	url, err := database.FileURL(filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := database.Open(url, func(d dialect.Driver) dialect.Driver {
		return countingDriver{Driver: d, n: &env.Statements}
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	env.Client = c
	env.Handler = graph.NewHandler(graph.HandlerConfig{Client: c, Secret: testSecret, Logger: testLogger})
	env.OwnerSellerID = env.CreateSeller("acme", "Acme Cloud")
	env.OtherSellerID = env.CreateSeller("globex", "Globex Software")
	return env
}

// Token mints a token for a persona.
func Token(t testing.TB, p Persona) string {
	t.Helper()
	var sub, role, account string
	switch p {
	case Anonymous:
		return ""
	case Owner:
		sub, role, account = "alice@acme", "seller", "acme"
	case OtherSeller:
		sub, role, account = "bob@globex", "seller", "globex"
	case Reviewer:
		sub, role = "rita@ops", "reviewer"
	case Admin:
		sub, role = "adam@ops", "admin"
	default:
		acct, ok := strings.CutPrefix(string(p), "seller:")
		if !ok {
			t.Fatalf("unknown persona %q", p)
		}
		sub, role, account = "member@"+acct, "seller", acct
	}
	tok, err := auth.Mint(testSecret, sub, role, account, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// As returns a GraphQL client over the real handler that acts as p.
func (e *Env) As(p Persona) *client.Client {
	opts := []client.Option{client.Path("/graphql")}
	if tok := Token(e.t, p); tok != "" {
		opts = append(opts, client.AddHeader("Authorization", "Bearer "+tok))
	}
	return client.New(e.Handler, opts...)
}

// Result is a raw GraphQL response.
type Result struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Path       []any          `json:"path"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

// Code returns the first error's extensions.code, or "".
func (r Result) Code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

// Do runs a query as p and returns the raw response.
func (e *Env) Do(p Persona, query string, vars map[string]any) Result {
	e.t.Helper()
	var opts []client.Option
	for k, v := range vars {
		opts = append(opts, client.Var(k, v))
	}
	resp, err := e.As(p).RawPost(query, opts...)
	if err != nil {
		e.t.Fatalf("posting: %v", err)
	}
	var r Result
	r.Data = mustJSON(e.t, resp.Data)
	for _, ge := range asList(resp.Errors) {
		b, _ := json.Marshal(ge)
		var one struct {
			Message    string         `json:"message"`
			Path       []any          `json:"path"`
			Extensions map[string]any `json:"extensions"`
		}
		_ = json.Unmarshal(b, &one)
		r.Errors = append(r.Errors, one)
	}
	return r
}

// MustDo runs a query as p, fails on any GraphQL error, and decodes data
// into out.
func (e *Env) MustDo(p Persona, query string, vars map[string]any, out any) {
	e.t.Helper()
	r := e.Do(p, query, vars)
	if len(r.Errors) > 0 {
		e.t.Fatalf("as %s: unexpected errors: %+v\nquery: %s", p, r.Errors, query)
	}
	if out != nil {
		if err := json.Unmarshal(r.Data, out); err != nil {
			e.t.Fatalf("decoding %s: %v", r.Data, err)
		}
	}
}

func mustJSON(t testing.TB, v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func asList(v json.RawMessage) []any {
	var l []any
	_ = json.Unmarshal(v, &l)
	return l
}

// UserError is a payload's userErrors entry.
type UserError struct {
	Field   []string `json:"field"`
	Message string   `json:"message"`
	Code    string   `json:"code"`
}

// userErrorFields is the selection of userErrors in every mutation.
const userErrorFields = `userErrors { field message code }`

// CreateSeller registers a seller as admin and returns its ID.
func (e *Env) CreateSeller(accountID, name string) string {
	e.t.Helper()
	var out struct {
		CreateSeller struct {
			Seller     *struct{ ID string }
			UserErrors []UserError
		}
	}
	e.MustDo(Admin, `mutation($a: String!, $n: String!) { createSeller(input: {accountID: $a, name: $n}) { seller { id } `+userErrorFields+` } }`,
		map[string]any{"a": accountID, "n": name}, &out)
	if out.CreateSeller.Seller == nil {
		e.t.Fatalf("createSeller: %+v", out.CreateSeller.UserErrors)
	}
	return out.CreateSeller.Seller.ID
}

// GroupInput returns a valid group input that meets the service policy.
func GroupInput(name string) map[string]any {
	return map[string]any{
		"name":         name,
		"phone":        "+86 10 6552 9988",
		"email":        "support@example.com",
		"serviceDays":  []string{"MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"},
		"serviceHours": []map[string]string{{"start": "09:00", "end": "18:00"}},
		"timeZone":     "Asia/Shanghai",
	}
}

// CreateGroup creates a group as p and returns its ID.
func (e *Env) CreateGroup(p Persona, input map[string]any) string {
	e.t.Helper()
	var out struct {
		CreateCustomerServiceGroup struct {
			CustomerServiceGroup *struct{ ID string }
			UserErrors           []UserError
		}
	}
	e.MustDo(p, `mutation($in: CustomerServiceGroupInput!) { createCustomerServiceGroup(input: $in) { customerServiceGroup { id } `+userErrorFields+` } }`,
		map[string]any{"in": input}, &out)
	if out.CreateCustomerServiceGroup.CustomerServiceGroup == nil {
		e.t.Fatalf("createCustomerServiceGroup: %+v", out.CreateCustomerServiceGroup.UserErrors)
	}
	return out.CreateCustomerServiceGroup.CustomerServiceGroup.ID
}

// CreateProduct creates a product as p and returns its ID.
func (e *Env) CreateProduct(p Persona, name string, groupID string) string {
	e.t.Helper()
	in := map[string]any{"name": name, "summary": "About " + name}
	if groupID != "" {
		in["afterSalesGroupID"] = groupID
	}
	var out struct {
		CreateProduct struct {
			Product    *struct{ ID string }
			UserErrors []UserError
		}
	}
	e.MustDo(p, `mutation($in: CreateProductInput!) { createProduct(input: $in) { product { id } `+userErrorFields+` } }`,
		map[string]any{"in": in}, &out)
	if out.CreateProduct.Product == nil {
		e.t.Fatalf("createProduct: %+v", out.CreateProduct.UserErrors)
	}
	return out.CreateProduct.Product.ID
}

// SubmitPreSales submits pre-sales info as p and returns the review ID.
func (e *Env) SubmitPreSales(p Persona, phone, email, address string) string {
	e.t.Helper()
	var out struct {
		SubmitPreSalesInfo struct {
			Review     *struct{ ID string }
			UserErrors []UserError
		}
	}
	e.MustDo(p, `mutation($p: String!, $e: String!, $a: String!) { submitPreSalesInfo(input: {phone: $p, email: $e, contactAddress: $a}) { review { id } `+userErrorFields+` } }`,
		map[string]any{"p": phone, "e": email, "a": address}, &out)
	if out.SubmitPreSalesInfo.Review == nil {
		e.t.Fatalf("submitPreSalesInfo: %+v", out.SubmitPreSalesInfo.UserErrors)
	}
	return out.SubmitPreSalesInfo.Review.ID
}

// Approve approves a review as a reviewer and fails on user errors.
func (e *Env) Approve(reviewID string) {
	e.t.Helper()
	var out struct {
		ApproveReview struct{ UserErrors []UserError }
	}
	e.MustDo(Reviewer, `mutation($id: ID!) { approveReview(id: $id) { `+userErrorFields+` } }`, map[string]any{"id": reviewID}, &out)
	if len(out.ApproveReview.UserErrors) > 0 {
		e.t.Fatalf("approveReview: %+v", out.ApproveReview.UserErrors)
	}
}

// SubmitRelease submits a product for release as p and returns the review ID.
func (e *Env) SubmitRelease(p Persona, productID string) string {
	e.t.Helper()
	var out struct {
		SubmitProductRelease struct {
			Review     *struct{ ID string }
			UserErrors []UserError
		}
	}
	e.MustDo(p, `mutation($id: ID!) { submitProductRelease(id: $id) { review { id } `+userErrorFields+` } }`, map[string]any{"id": productID}, &out)
	if out.SubmitProductRelease.Review == nil {
		e.t.Fatalf("submitProductRelease: %+v", out.SubmitProductRelease.UserErrors)
	}
	return out.SubmitProductRelease.Review.ID
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

// jsonEq reports whether two JSON documents are equal.
func jsonEq(t testing.TB, got json.RawMessage, want string) {
	t.Helper()
	var a, b any
	if err := json.Unmarshal(got, &a); err != nil {
		t.Fatalf("bad JSON %s: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &b); err != nil {
		t.Fatalf("bad expected JSON %s: %v", want, err)
	}
	ga, _ := json.Marshal(a)
	gb, _ := json.Marshal(b)
	if string(ga) != string(gb) {
		t.Errorf("got  %s\nwant %s", ga, gb)
	}
}

// SellerOf is a persona acting for any seller account.
func SellerOf(accountID string) Persona { return Persona("seller:" + accountID) }

// decode fails on errors and decodes the data of r into out.
func decode(t testing.TB, r Result, out any) {
	t.Helper()
	if len(r.Errors) > 0 {
		t.Fatalf("unexpected errors: %+v", r.Errors)
	}
	if err := json.Unmarshal(r.Data, out); err != nil {
		t.Fatalf("decoding %s: %v", r.Data, err)
	}
}
