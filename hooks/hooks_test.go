package hooks_test

import (
	"context"
	"fmt"
	"testing"

	"servicesupport/auth"
	"servicesupport/database/dbtest"
	"servicesupport/ent"
	"servicesupport/ent/product"
	"servicesupport/ent/review"
	_ "servicesupport/ent/runtime"
	"servicesupport/ent/schema/schematype"
	"servicesupport/lifecycle"
	"servicesupport/policy"
)

// pathTo finds a way along the lifecycle from DRAFT to a status.
func pathTo(to product.Status) []product.Status {
	prev := map[product.Status]product.Status{}
	seen := map[product.Status]bool{product.StatusDraft: true}
	queue := []product.Status{product.StatusDraft}
	for len(queue) > 0 {
		at := queue[0]
		queue = queue[1:]
		for _, m := range lifecycle.ProductMoves {
			if m.From == at && !seen[m.To] {
				seen[m.To], prev[m.To] = true, at
				queue = append(queue, m.To)
			}
		}
	}
	var path []product.Status
	for s := to; s != product.StatusDraft; s = prev[s] {
		path = append([]product.Status{s}, path...)
	}
	return path
}

// TestProductStatusFollowsTheLifecycle tries every move between every two
// statuses, as the system: exactly the moves of lifecycle.ProductMoves
// apply; any other changes nothing and reads as not found.
func TestProductStatusFollowsTheLifecycle(t *testing.T) {
	c := dbtest.Open(t, nil)
	ctx := policy.System(auth.NewContext(context.Background(), &auth.Viewer{Role: auth.RoleAdmin, Subject: "test"}))
	s := c.Seller.Create().SetAccountID("acme").SetName("Acme").SaveX(ctx)
	statuses := product.StatusValidator
	all := []product.Status{product.StatusDraft, product.StatusInReview, product.StatusReleased, product.StatusRejected, product.StatusHidden, product.StatusRemoved}
	for _, st := range all {
		if statuses(st) != nil {
			t.Fatalf("%s is not a product status", st)
		}
	}
	allowed := 0
	for _, from := range all {
		for _, to := range all {
			if from == to {
				continue
			}
			p := c.Product.Create().SetSellerID(s.ID).SetName(fmt.Sprintf("%s to %s", from, to)).SaveX(ctx)
			for _, step := range pathTo(from) {
				c.Product.UpdateOneID(p.ID).SetStatus(step).ExecX(ctx)
			}
			err := c.Product.UpdateOneID(p.ID).SetStatus(to).Exec(ctx)
			got := c.Product.GetX(ctx, p.ID).Status
			switch want := lifecycle.ProductMayMove(from, to); {
			case want && (err != nil || got != to):
				t.Errorf("%s → %s: %v, now %s; the lifecycle allows it", from, to, err, got)
			case !want && (!ent.IsNotFound(err) || got != from):
				t.Errorf("%s → %s: %v, now %s; want not found and no change", from, to, err, got)
			case want:
				allowed++
			}
		}
	}
	if allowed != len(lifecycle.ProductMoves) {
		t.Errorf("%d moves applied, the lifecycle has %d", allowed, len(lifecycle.ProductMoves))
	}
	// A release stamps releasedAt once: showing a hidden product keeps it.
	p := c.Product.Create().SetSellerID(s.ID).SetName("stamped").SaveX(ctx)
	for _, step := range pathTo(product.StatusReleased) {
		c.Product.UpdateOneID(p.ID).SetStatus(step).ExecX(ctx)
	}
	first := c.Product.GetX(ctx, p.ID).ReleasedAt
	c.Product.UpdateOneID(p.ID).SetStatus(product.StatusHidden).ExecX(ctx)
	c.Product.UpdateOneID(p.ID).SetStatus(product.StatusReleased).ExecX(ctx)
	if again := c.Product.GetX(ctx, p.ID).ReleasedAt; first == nil || again == nil || !again.Equal(*first) {
		t.Errorf("releasedAt %v, after hide and show %v: want the first release's", first, again)
	}
}

// TestReviewStatusFollowsTheWorkflow decides reviews as the system: a
// PENDING review moves once, to any of its outcomes, stamped with who and
// when; a decided one never moves again.
func TestReviewStatusFollowsTheWorkflow(t *testing.T) {
	c := dbtest.Open(t, nil)
	ctx := policy.System(auth.NewContext(context.Background(), &auth.Viewer{Role: auth.RoleReviewer, Subject: "rita"}))
	s := c.Seller.Create().SetAccountID("acme").SetName("Acme").SaveX(ctx)
	outcomes := lifecycle.ReviewMoves[review.StatusPending]
	for _, first := range outcomes {
		for _, second := range append([]review.Status{review.StatusPending}, outcomes...) {
			r := c.Review.Create().SetSellerID(s.ID).SetKind(review.KindBusinessContact).SetChanges([]schematype.FieldChange{}).SaveX(ctx)
			if r.Status != review.StatusPending || r.SubmittedBy != "rita" || r.DueAt.Before(r.SubmittedAt) {
				t.Fatalf("new review %+v: want PENDING, submitted by rita, due after submission", r)
			}
			c.Review.UpdateOneID(r.ID).SetStatus(first).ExecX(ctx)
			decided := c.Review.GetX(ctx, r.ID)
			if decided.DecidedBy == nil || *decided.DecidedBy != "rita" || decided.DecidedAt == nil || decided.DecidedAt.Before(r.SubmittedAt) {
				t.Errorf("%s: stamps %v %v", first, decided.DecidedBy, decided.DecidedAt)
			}
			if err := c.Review.UpdateOneID(r.ID).SetStatus(second).Exec(ctx); !ent.IsNotFound(err) {
				t.Errorf("%s then %s: %v, want not found", first, second, err)
			}
			if got := c.Review.GetX(ctx, r.ID); got.Status != first || !got.DecidedAt.Equal(*decided.DecidedAt) {
				t.Errorf("%s then %s: now %s at %v", first, second, got.Status, got.DecidedAt)
			}
		}
	}
}
