package policy_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"servicesupport/auth"
	"servicesupport/database/dbtest"
	"servicesupport/ent"
	"servicesupport/ent/privacy"
	"servicesupport/ent/product"
	"servicesupport/ent/review"
	_ "servicesupport/ent/runtime"
	"servicesupport/ent/schema/schematype"
	"servicesupport/policy"
	"servicesupport/schedule"
)

// TestStatusesChangeOnlyThroughTheWorkflow goes around the service, as a
// future generated mutation or a direct client call would, and tries to
// change statuses and decisions as each viewer: every attempt is denied.
// Only the system (the service, after authorising an operation) may.
func TestStatusesChangeOnlyThroughTheWorkflow(t *testing.T) {
	c := dbtest.Open(t, nil)
	sys := policy.System(auth.NewContext(context.Background(), &auth.Viewer{Role: auth.RoleAdmin, Subject: "setup"}))
	s := c.Seller.Create().SetAccountID("acme").SetName("Acme").SaveX(sys)
	g := c.CustomerServiceGroup.Create().SetSellerID(s.ID).SetName("Support").SetPhone("+861065529988").
		SetEmail("s@acme.example").SetServiceDays(schedule.AllWeekdays[:5]).
		SetServiceHours([]schedule.TimeRange{{Start: "09:00", End: "18:00"}}).SetTimeZone("Asia/Shanghai").SaveX(sys)
	p := c.Product.Create().SetSellerID(s.ID).SetName("Compute").SetAfterSalesGroupID(g.ID).SaveX(sys)
	r := c.Review.Create().SetSellerID(s.ID).SetKind(review.KindProductRelease).SetProductID(p.ID).SetChanges([]schematype.FieldChange{}).SaveX(sys)

	viewers := map[string]*auth.Viewer{
		"owner":    {Role: auth.RoleSeller, Subject: "alice", AccountID: "acme", SellerID: s.ID},
		"reviewer": {Role: auth.RoleReviewer, Subject: "rita"},
		"admin":    {Role: auth.RoleAdmin, Subject: "adam"},
	}
	now := time.Now()
	attempts := map[string]func(ctx context.Context) error{
		"release a product": func(ctx context.Context) error {
			return c.Product.UpdateOneID(p.ID).SetStatus(product.StatusReleased).Exec(ctx)
		},
		"stamp a release time":  func(ctx context.Context) error { return c.Product.UpdateOneID(p.ID).SetReleasedAt(now).Exec(ctx) },
		"bulk-release products": func(ctx context.Context) error { return c.Product.Update().SetStatus(product.StatusReleased).Exec(ctx) },
		"create a released product": func(ctx context.Context) error {
			return c.Product.Create().SetSellerID(s.ID).SetName("X").SetStatus(product.StatusReleased).Exec(ctx)
		},
		"approve a review": func(ctx context.Context) error {
			return c.Review.UpdateOneID(r.ID).SetStatus(review.StatusApproved).Exec(ctx)
		},
		"sign a decision":       func(ctx context.Context) error { return c.Review.UpdateOneID(r.ID).SetDecidedBy("me").Exec(ctx) },
		"clear a decision time": func(ctx context.Context) error { return c.Review.UpdateOneID(r.ID).ClearDecidedAt().Exec(ctx) },
		"comment a decision":    func(ctx context.Context) error { return c.Review.UpdateOneID(r.ID).SetComment("ok").Exec(ctx) },
		"create a decided review": func(ctx context.Context) error {
			return c.Review.Create().SetSellerID(s.ID).SetKind(review.KindProductRelease).SetProductID(p.ID).SetStatus(review.StatusApproved).Exec(ctx)
		},
		"create a pre-signed review": func(ctx context.Context) error {
			return c.Review.Create().SetSellerID(s.ID).SetKind(review.KindBusinessContact).SetDecidedBy("me").Exec(ctx)
		},
	}
	for who, v := range viewers {
		for what, try := range attempts {
			t.Run(who+" may not "+what, func(t *testing.T) {
				err := try(auth.NewContext(context.Background(), v))
				if err == nil || !isDenied(err) {
					t.Fatalf("err = %v, want a privacy denial", err)
				}
			})
		}
	}
	if got := c.Product.GetX(sys, p.ID); got.Status != product.StatusDraft || got.ReleasedAt != nil {
		t.Errorf("product after the attempts: %s released at %v", got.Status, got.ReleasedAt)
	}
	if got := c.Review.GetX(sys, r.ID); got.Status != review.StatusPending || got.DecidedBy != nil || got.DecidedAt != nil || got.Comment != nil {
		t.Errorf("review after the attempts: %+v", got)
	}

	// The system may, along the lifecycle only: a DRAFT product cannot be
	// released (the hook's guard turns the update into not found).
	err := c.Product.UpdateOneID(p.ID).SetStatus(product.StatusReleased).Exec(sys)
	if !ent.IsNotFound(err) {
		t.Errorf("releasing a DRAFT product as the system: %v, want not found (the lifecycle guard)", err)
	}
	c.Review.UpdateOneID(r.ID).SetStatus(review.StatusApproved).ExecX(sys)
	got := c.Review.GetX(sys, r.ID)
	if got.DecidedBy == nil || *got.DecidedBy != "setup" || got.DecidedAt == nil {
		t.Errorf("decision stamps = %v / %v, want the viewer's subject and a time", got.DecidedBy, got.DecidedAt)
	}
	if err := c.Review.UpdateOneID(r.ID).SetStatus(review.StatusRejected).Exec(sys); !ent.IsNotFound(err) {
		t.Errorf("deciding a decided review again: %v, want not found (the workflow guard)", err)
	}
}

// isDenied reports whether err is a privacy denial.
func isDenied(err error) bool {
	return errors.Is(err, privacy.Deny)
}
