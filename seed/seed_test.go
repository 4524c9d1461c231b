package seed_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/99designs/gqlgen/client"

	"servicesupport/auth"
	"servicesupport/database/dbtest"
	"servicesupport/ent"
	"servicesupport/ent/customerservicegroup"
	"servicesupport/ent/product"
	"servicesupport/ent/review"
	_ "servicesupport/ent/runtime" // registers the schema's privacy policies and hooks
	"servicesupport/graph"
	"servicesupport/policy"
	"servicesupport/schedule"
	"servicesupport/seed"
	"servicesupport/service"
)

// testSecret signs the tokens of the tests.
var testSecret = []byte("seed-test-secret-of-at-least-32-bytes")

// newClient opens a fresh, migrated database.
func newClient(t *testing.T) *ent.Client {
	t.Helper()
	return dbtest.Open(t, nil)
}

// counts is how many rows of each kind the database holds.
type counts struct{ sellers, contacts, groups, products, reviews int }

// countRows counts every table's rows, bypassing privacy.
func countRows(t *testing.T, c *ent.Client) counts {
	t.Helper()
	ctx := policy.System(context.Background())
	var n counts
	var err error
	for _, q := range []struct {
		dst   *int
		count func() (int, error)
	}{
		{&n.sellers, func() (int, error) { return c.Seller.Query().Count(ctx) }},
		{&n.contacts, func() (int, error) { return c.Contact.Query().Count(ctx) }},
		{&n.groups, func() (int, error) { return c.CustomerServiceGroup.Query().Count(ctx) }},
		{&n.products, func() (int, error) { return c.Product.Query().Count(ctx) }},
		{&n.reviews, func() (int, error) { return c.Review.Query().Count(ctx) }},
	} {
		if *q.dst, err = q.count(); err != nil {
			t.Fatal(err)
		}
	}
	return n
}

// mustSeed seeds c and fails the test on error.
func mustSeed(t *testing.T, c *ent.Client) seed.Result {
	t.Helper()
	res, err := seed.Demo(context.Background(), c)
	if err != nil {
		t.Fatalf("seed.Demo: %v", err)
	}
	return res
}

// TestDemoIsIdempotent seeds twice: the second call adds nothing and
// describes the same demo seller and product.
func TestDemoIsIdempotent(t *testing.T) {
	c := newClient(t)
	first := mustSeed(t, c)
	if !first.Seeded || first.SellerAccountID != seed.DemoSellerAccountID || first.ProductID == 0 {
		t.Fatalf("first seed: got %+v", first)
	}
	before := countRows(t, c)
	if before.sellers != 2 {
		t.Errorf("sellers: got %d, want 2", before.sellers)
	}

	second := mustSeed(t, c)
	if second.Seeded {
		t.Errorf("second seed says it seeded")
	}
	if second.SellerAccountID != first.SellerAccountID || second.ProductID != first.ProductID {
		t.Errorf("second seed describes %+v, first %+v", second, first)
	}
	if after := countRows(t, c); after != before {
		t.Errorf("second seed changed the database: %+v, then %+v", before, after)
	}
}

// TestDemoState checks what the demo shows off: released, draft and hidden
// products, groups that meet the service policy in two time zones, and
// exactly one pending review (a new pre-sales revision of the demo seller).
func TestDemoState(t *testing.T) {
	c := newClient(t)
	res := mustSeed(t, c)
	ctx := policy.System(context.Background())

	p, err := c.Product.Get(ctx, res.ProductID)
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != product.StatusReleased || p.ReleasedAt == nil {
		t.Errorf("demo product: status %s, releasedAt %v; want RELEASED with a release time", p.Status, p.ReleasedAt)
	}
	demo, err := p.QuerySeller().Only(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if demo.AccountID != res.SellerAccountID {
		t.Errorf("demo product's seller: got %q, want %q", demo.AccountID, res.SellerAccountID)
	}
	if demo.BusinessContactID == nil || demo.PreSalesContactID == nil {
		t.Errorf("demo seller lacks approved contacts: business %v, pre-sales %v", demo.BusinessContactID, demo.PreSalesContactID)
	}

	byStatus := map[product.Status]int{}
	products, err := c.Product.Query().All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range products {
		byStatus[p.Status]++
	}
	if byStatus[product.StatusReleased] < 2 || byStatus[product.StatusDraft] != 1 || byStatus[product.StatusHidden] != 1 {
		t.Errorf("products by status: got %v; want ≥2 RELEASED, 1 DRAFT, 1 HIDDEN", byStatus)
	}

	groups, err := c.CustomerServiceGroup.Query().All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	zones := map[string]bool{}
	for _, g := range groups {
		zones[g.TimeZone] = true
	}
	if len(groups) < 2 || !zones["Asia/Shanghai"] || !zones["Europe/Berlin"] {
		t.Errorf("groups: got %d in zones %v; want several in Asia/Shanghai and Europe/Berlin", len(groups), zones)
	}

	pending, err := c.Review.Query().Where(review.StatusEQ(review.StatusPending)).All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) != 1 {
		t.Fatalf("pending reviews: got %d, want 1", len(pending))
	}
	if pending[0].Kind != review.KindPreSalesInfo || pending[0].SellerID != demo.ID {
		t.Errorf("pending review: kind %s of seller %d; want PRE_SALES_INFO of the demo seller %d",
			pending[0].Kind, pending[0].SellerID, demo.ID)
	}
	if len(pending[0].Changes) == 0 {
		t.Errorf("pending review lists no changes")
	}
}

// TestDemoProductPage reads the seeded product as an anonymous visitor
// through the real handler: released, with its group and the approved (not
// the pending) pre-sales phone and email.
func TestDemoProductPage(t *testing.T) {
	c := newClient(t)
	res := mustSeed(t, c)
	h := graph.NewHandler(graph.HandlerConfig{Client: c, Secret: testSecret})

	var out struct {
		Product *struct {
			Name            string
			Status          string
			Seller          struct{ Name string }
			AfterSalesGroup *struct {
				Name               string
				Phone              string
				ServiceDays        []string
				TimeZone           string
				MeetsServicePolicy bool
				WeeklyHours        []struct {
					Day   string
					Hours []struct{ Start, End string }
				}
			}
			PreSalesInfo *struct{ Phone, Email string }
		}
	}
	err := client.New(h, client.Path("/graphql")).Post(`query($id: ID!) { product(id: $id) {
		name status seller { name }
		afterSalesGroup { name phone serviceDays timeZone meetsServicePolicy weeklyHours { day hours { start end } } }
		preSalesInfo { phone email }
	} }`, &out, client.Var("id", strconv.Itoa(res.ProductID)))
	if err != nil {
		t.Fatal(err)
	}
	p := out.Product
	if p == nil {
		t.Fatalf("product %d is not visible to anonymous viewers", res.ProductID)
	}
	if p.Name != "Demo Compute" || p.Status != "RELEASED" || p.Seller.Name != "Demo Cloud Co." {
		t.Errorf("product: got %q %s by %q", p.Name, p.Status, p.Seller.Name)
	}
	g := p.AfterSalesGroup
	if g == nil || g.Name != "Beijing Support" || g.TimeZone != "Asia/Shanghai" || !g.MeetsServicePolicy || len(g.ServiceDays) != 6 || len(g.WeeklyHours) != 6 {
		t.Fatalf("afterSalesGroup: got %+v", g)
	}
	if sat := g.WeeklyHours[5]; sat.Day != "SATURDAY" || len(sat.Hours) != 1 || sat.Hours[0].Start != "09:00" || sat.Hours[0].End != "13:00" {
		t.Errorf("Saturday: got %+v, want a half-day 09:00–13:00", sat)
	}
	if ps := p.PreSalesInfo; ps == nil || ps.Phone != "+861065529900" || ps.Email != "presales@demo-cloud.example" {
		t.Errorf("preSalesInfo: got %+v; want the approved revision", ps)
	}
}

// TestDemoNightShiftAndClosure checks the demo's other kinds of week: a
// group with a night shift past midnight and a closure in the coming days.
func TestDemoNightShiftAndClosure(t *testing.T) {
	c := newClient(t)
	mustSeed(t, c)
	g, err := c.CustomerServiceGroup.Query().Where(customerservicegroup.Name("Globex Helpdesk")).Only(policy.System(context.Background()))
	if err != nil {
		t.Fatal(err)
	}
	sched := service.ScheduleOf(g)
	night := false
	for _, r := range sched.Week.Hours(schedule.Monday) {
		night = night || r.End < r.Start
	}
	if !night || !sched.MeetsPolicy() {
		t.Errorf("Monday %+v: want a range past midnight, and the policy met", sched.Week.Hours(schedule.Monday))
	}
	if len(sched.Closures) != 1 {
		t.Fatalf("closures %+v, want one", sched.Closures)
	}
	day, err := schedule.ParseDate(sched.Closures[0].Date)
	if until := time.Until(day); err != nil || until < 0 || until > 14*24*time.Hour {
		t.Errorf("closure on %s (%v): want one in the next two weeks", sched.Closures[0].Date, err)
	}
}

// TestDemoTokensWork checks the seeded seller is what dev mode's printed
// token identifies: a seller token for the demo account sees its own seller
// and the pending review.
func TestDemoTokensWork(t *testing.T) {
	c := newClient(t)
	res := mustSeed(t, c)
	h := graph.NewHandler(graph.HandlerConfig{Client: c, Secret: testSecret})
	tok, err := auth.Mint(testSecret, "demo-seller", "seller", res.SellerAccountID, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		Viewer struct {
			Role   string
			Seller *struct {
				AccountID             string
				CustomerServiceGroups []struct{ Name string }
			}
		}
		Reviews struct{ TotalCount int }
	}
	err = client.New(h, client.Path("/graphql"), client.AddHeader("Authorization", "Bearer "+tok)).Post(
		`{ viewer { role seller { accountID customerServiceGroups { name } } } reviews { totalCount } }`, &out)
	if err != nil {
		t.Fatal(err)
	}
	if out.Viewer.Role != "SELLER" || out.Viewer.Seller == nil || out.Viewer.Seller.AccountID != res.SellerAccountID {
		t.Fatalf("viewer: got %+v", out.Viewer)
	}
	if n := len(out.Viewer.Seller.CustomerServiceGroups); n != 2 {
		t.Errorf("demo seller's groups: got %d, want 2", n)
	}
	if out.Reviews.TotalCount == 0 {
		t.Errorf("demo seller sees no reviews of its own")
	}
}

// TestDemoLeavesOtherDataAlone: a database with sellers but no demo seller
// is not seeded, and the result is empty.
func TestDemoLeavesOtherDataAlone(t *testing.T) {
	c := newClient(t)
	admin := auth.NewContext(context.Background(), &auth.Viewer{Role: auth.RoleAdmin, Subject: "admin"})
	if _, err := service.New(c).CreateSeller(admin, service.SellerInput{AccountID: "acme", Name: "Acme"}); err != nil {
		t.Fatal(err)
	}
	before := countRows(t, c)
	res := mustSeed(t, c)
	if res != (seed.Result{}) {
		t.Errorf("got %+v, want a zero Result", res)
	}
	if after := countRows(t, c); after != before {
		t.Errorf("seed changed a database that had sellers: %+v, then %+v", before, after)
	}
}

// TestDemoWithoutReleasedProduct: when the demo seller exists but has no
// released product, the result is empty rather than an error.
func TestDemoWithoutReleasedProduct(t *testing.T) {
	c := newClient(t)
	admin := auth.NewContext(context.Background(), &auth.Viewer{Role: auth.RoleAdmin, Subject: "admin"})
	if _, err := service.New(c).CreateSeller(admin, service.SellerInput{AccountID: seed.DemoSellerAccountID, Name: "Demo"}); err != nil {
		t.Fatal(err)
	}
	if res := mustSeed(t, c); res != (seed.Result{}) {
		t.Errorf("got %+v, want a zero Result", res)
	}
}
