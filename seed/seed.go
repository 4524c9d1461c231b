// Package seed fills an empty database with demo data for dev mode.
//
// Everything is created through the service package, acting as the admin,
// reviewer and sellers who would do it for real, so the demo data obeys every
// validation rule, privacy policy and workflow step that clients face.
package seed

import (
	"context"
	"fmt"
	"time"

	"servicesupport/auth"
	"servicesupport/ent"
	"servicesupport/ent/product"
	"servicesupport/ent/seller"
	"servicesupport/policy"
	"servicesupport/schedule"
	"servicesupport/service"
)

// DemoSellerAccountID is the account of the demo seller whose token dev mode
// prints.
const DemoSellerAccountID = "demo-seller"

// The subjects (token "sub") under which the seed acts; they show up as
// submittedBy and decidedBy of the seeded reviews.
const (
	adminSubject    = "demo-admin"
	reviewerSubject = "demo-reviewer"
)

// Result says what a new user needs to try the demo.
type Result struct {
	// SellerAccountID is the demo seller's account ID.
	SellerAccountID string
	// ProductID is a RELEASED product of the demo seller.
	ProductID int
	// Seeded reports whether this call created the demo data (false when the
	// database already had a seller).
	Seeded bool
}

// Demo seeds an empty database (one without sellers) and describes the demo
// data. When the database already has a seller it changes nothing and
// describes the existing demo seller, or returns a zero Result when there is
// none.
func Demo(ctx context.Context, client *ent.Client) (Result, error) {
	hasSellers, err := client.Seller.Query().Exist(policy.System(ctx))
	if err != nil {
		return Result{}, fmt.Errorf("looking for sellers: %w", err)
	}
	if hasSellers {
		return existing(ctx, client)
	}
	s := &seeder{ctx: ctx, client: client, svc: service.New(client)}
	res := s.run()
	if s.err != nil {
		return Result{}, fmt.Errorf("%w (the demo data is incomplete: delete the database to seed it again)", s.err)
	}
	return res, nil
}

// existing describes the demo seller of a database seeded before.
func existing(ctx context.Context, client *ent.Client) (Result, error) {
	sys := policy.System(ctx)
	demo, err := client.Seller.Query().Where(seller.AccountID(DemoSellerAccountID)).Only(sys)
	if ent.IsNotFound(err) {
		return Result{}, nil
	}
	if err != nil {
		return Result{}, fmt.Errorf("looking up the demo seller: %w", err)
	}
	id, err := client.Product.Query().
		Where(product.SellerID(demo.ID), product.StatusEQ(product.StatusReleased)).
		Order(ent.Asc(product.FieldID)).
		FirstID(sys)
	if ent.IsNotFound(err) {
		return Result{}, nil
	}
	if err != nil {
		return Result{}, fmt.Errorf("looking up a released demo product: %w", err)
	}
	return Result{SellerAccountID: demo.AccountID, ProductID: id}, nil
}

// seeder runs the demo story step by step; the first failing step sets err
// and turns every later step into a no-op, so run reads as the story itself.
type seeder struct {
	ctx    context.Context
	client *ent.Client
	svc    *service.Service
	err    error
}

// run tells the demo story: an admin registers two sellers; each has its
// contacts approved, sets up after-sales groups and releases products; the
// demo seller also keeps a draft, a hidden product and one pending review.
func (s *seeder) run() Result {
	admin := s.as(&auth.Viewer{Role: auth.RoleAdmin, Subject: adminSubject})
	demo := s.createSeller(admin, DemoSellerAccountID, "Demo Cloud Co.")
	globex := s.createSeller(admin, "demo-globex", "Globex Software")

	// Demo Cloud Co.: two groups, four products in different states.
	s.approve(s.businessContact(demo, service.BusinessContactInput{
		ContactName: "Li Wei", Phone: "+86 10 6552 9988", Email: "partners@demo-cloud.example",
	}))
	s.approve(s.preSalesInfo(demo, service.PreSalesInfoInput{
		Phone: "+86 10 6552 9900", Email: "presales@demo-cloud.example",
		ContactAddress: "1 Zhongguancun Street, Haidian, Beijing",
	}))
	// Weekdays 09:00–18:00 and a Saturday half-day.
	beijing := s.group(demo, service.GroupInput{
		Name: "Beijing Support", Phone: "+86 10 6552 9966", Email: "support@demo-cloud.example",
		WeeklyHours: append(sameHours(weekdays(), schedule.TimeRange{Start: "09:00", End: "18:00"}),
			schedule.DayHours{Day: schedule.Saturday, Hours: []schedule.TimeRange{{Start: "09:00", End: "13:00"}}}),
		TimeZone: "Asia/Shanghai",
	})
	europe := s.group(demo, service.GroupInput{
		Name: "Europe Support", Phone: "+49 30 901820", Email: "support-eu@demo-cloud.example",
		ServiceDays:  weekdays(),
		ServiceHours: []schedule.TimeRange{{Start: "08:00", End: "12:00"}, {Start: "13:00", End: "17:00"}},
		TimeZone:     "Europe/Berlin",
	})
	compute := s.product(demo, "Demo Compute",
		"Elastic virtual machines billed by the second.", beijing)
	s.release(demo, compute)
	s.release(demo, s.product(demo, "Demo Object Storage",
		"S3-compatible object storage with eleven nines of durability.", europe))
	s.product(demo, "Demo Managed Database",
		"Managed PostgreSQL with automated backups (coming soon).", beijing)
	cdn := s.product(demo, "Demo CDN", "Content delivery from 40 edge locations.", europe)
	s.release(demo, cdn)
	s.hide(demo, cdn)

	// Globex Software: one group and one released product.
	s.approve(s.businessContact(globex, service.BusinessContactInput{
		ContactName: "Hank Scorpio", Phone: "+49 30 901821", Email: "partners@globex.example",
	}))
	s.approve(s.preSalesInfo(globex, service.PreSalesInfoInput{
		Phone: "+49 30 901822", Email: "sales@globex.example",
		ContactAddress: "Friedrichstraße 1, 10117 Berlin",
	}))
	// A day shift and a night shift past midnight, and a closure next week.
	holiday := "Company holiday"
	helpdesk := s.group(globex, service.GroupInput{
		Name: "Globex Helpdesk", Phone: "+49 30 901823", Email: "help@globex.example",
		WeeklyHours: sameHours(weekdays(),
			schedule.TimeRange{Start: "08:00", End: "20:00"}, schedule.TimeRange{Start: "22:00", End: "06:00"}),
		Closures: []schedule.Closure{{
			Date: time.Now().In(berlin).AddDate(0, 0, 7).Format(time.DateOnly), Name: &holiday, Hours: []schedule.TimeRange{},
		}},
		TimeZone: "Europe/Berlin",
	})
	s.release(globex, s.product(globex, "Globex Mail",
		"Hosted e-mail for teams, with archiving.", helpdesk))

	// Left for a reviewer to decide: a new pre-sales revision.
	s.preSalesInfo(demo, service.PreSalesInfoInput{
		Phone: "+86 10 6552 9901", Email: "sales@demo-cloud.example",
		ContactAddress: "1 Zhongguancun Street, Haidian, Beijing",
	})

	if s.err != nil {
		return Result{}
	}
	return Result{SellerAccountID: DemoSellerAccountID, ProductID: compute, Seeded: true}
}

// berlin is the zone of the Globex helpdesk.
var berlin, _ = schedule.LoadZone("Europe/Berlin")

// sameHours gives each of days the same hours.
func sameHours(days []schedule.Weekday, hours ...schedule.TimeRange) schedule.Week {
	return schedule.FromServiceTimes(days, hours)
}

// weekdays returns Monday to Friday.
func weekdays() []schedule.Weekday {
	return []schedule.Weekday{schedule.Monday, schedule.Tuesday, schedule.Wednesday, schedule.Thursday, schedule.Friday}
}

// as returns a context in which v is the viewer.
func (s *seeder) as(v *auth.Viewer) context.Context { return auth.NewContext(s.ctx, v) }

// fail records the first error of the story.
func (s *seeder) fail(step string, err error) {
	if s.err == nil && err != nil {
		s.err = fmt.Errorf("%s: %w", step, err)
	}
}

// createSeller registers a seller as the admin in ctx and returns a context
// that acts as that seller.
func (s *seeder) createSeller(admin context.Context, accountID, name string) context.Context {
	if s.err != nil {
		return nil
	}
	_, err := s.svc.CreateSeller(admin, service.SellerInput{AccountID: accountID, Name: name})
	s.fail("creating seller "+accountID, err)
	if s.err != nil {
		return nil
	}
	// A seller viewer carries its Seller's ID, as the auth middleware
	// resolves it from the token's account.
	id, err := s.client.Seller.Query().Where(seller.AccountID(accountID)).OnlyID(policy.System(s.ctx))
	s.fail("looking up seller "+accountID, err)
	return s.as(&auth.Viewer{Role: auth.RoleSeller, Subject: accountID, AccountID: accountID, SellerID: id})
}

// businessContact submits a business contact as the seller in ctx and
// returns the review's ID.
func (s *seeder) businessContact(ctx context.Context, in service.BusinessContactInput) int {
	if s.err != nil {
		return 0
	}
	r, err := s.svc.SubmitBusinessContact(ctx, in)
	s.fail("submitting a business contact", err)
	return idOf(r)
}

// preSalesInfo submits pre-sales info as the seller in ctx and returns the
// review's ID.
func (s *seeder) preSalesInfo(ctx context.Context, in service.PreSalesInfoInput) int {
	if s.err != nil {
		return 0
	}
	r, err := s.svc.SubmitPreSalesInfo(ctx, in)
	s.fail("submitting pre-sales info", err)
	return idOf(r)
}

// approve approves a review as the demo reviewer.
func (s *seeder) approve(reviewID int) {
	if s.err != nil {
		return
	}
	reviewer := s.as(&auth.Viewer{Role: auth.RoleReviewer, Subject: reviewerSubject})
	_, err := s.svc.ApproveReview(reviewer, reviewID, nil, time.Now())
	s.fail(fmt.Sprintf("approving review %d", reviewID), err)
}

// group creates an after-sales group as the seller in ctx.
func (s *seeder) group(ctx context.Context, in service.GroupInput) int {
	if s.err != nil {
		return 0
	}
	g, err := s.svc.CreateCustomerServiceGroup(ctx, in)
	s.fail("creating group "+in.Name, err)
	if g == nil {
		return 0
	}
	return g.ID
}

// product creates a DRAFT product as the seller in ctx.
func (s *seeder) product(ctx context.Context, name, summary string, groupID int) int {
	if s.err != nil {
		return 0
	}
	p, err := s.svc.CreateProduct(ctx, service.ProductInput{Name: name, Summary: &summary, AfterSalesGroupID: &groupID})
	s.fail("creating product "+name, err)
	if p == nil {
		return 0
	}
	return p.ID
}

// release submits a product for release as the seller in ctx and has the
// reviewer approve it.
func (s *seeder) release(ctx context.Context, productID int) {
	if s.err != nil {
		return
	}
	r, err := s.svc.SubmitProductRelease(ctx, productID)
	s.fail(fmt.Sprintf("submitting product %d for release", productID), err)
	s.approve(idOf(r))
}

// hide hides a released product as the seller in ctx.
func (s *seeder) hide(ctx context.Context, productID int) {
	if s.err != nil {
		return
	}
	_, err := s.svc.HideProduct(ctx, productID)
	s.fail(fmt.Sprintf("hiding product %d", productID), err)
}

// idOf returns a review's ID, or 0 for nil.
func idOf(r *ent.Review) int {
	if r == nil {
		return 0
	}
	return r.ID
}
