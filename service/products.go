package service

import (
	"context"
	"strings"

	"servicesupport/ent"
	"servicesupport/ent/event"
	"servicesupport/ent/product"
	"servicesupport/ent/review"
	"servicesupport/ent/schema/schematype"
	"servicesupport/ent/seller"
	"servicesupport/lifecycle"
	"servicesupport/policy"
	"servicesupport/validate"
)

// ProductInput is a new product (GraphQL CreateProductInput).
type ProductInput struct {
	Name              string  `json:"name"`
	Summary           *string `json:"summary"`
	AfterSalesGroupID *int    `json:"afterSalesGroupID"`
}

// ProductUpdate changes a product; nil fields stay as they are (GraphQL
// UpdateProductInput).
type ProductUpdate struct {
	Name              *string `json:"name"`
	Summary           *string `json:"summary"`
	AfterSalesGroupID *int    `json:"afterSalesGroupID"`
	ExpectedVersion   *int    `json:"expectedVersion"`
}

// CreateProduct creates a DRAFT product for the viewer's seller.
func (s *Service) CreateProduct(ctx context.Context, in ProductInput) (*ent.Product, error) {
	v, err := policy.ActingSeller(ctx)
	if err != nil {
		return nil, err
	}
	var f validate.Form
	name := f.Name(field("input", "name"), in.Name, true)
	summary := ""
	if in.Summary != nil {
		summary = f.Text(field("input", "summary"), *in.Summary, validate.MaxSummary, false)
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	var created *ent.Product
	err = s.inTx(ctx, func(ctx context.Context, tx *ent.Client) error {
		// Under the seller's lock, the group cannot be deleted between the
		// check and the insert.
		if err := lockSeller(ctx, tx, v.SellerID); err != nil {
			return err
		}
		if in.AfterSalesGroupID != nil {
			if _, err := ownGroup(ctx, tx, v.SellerID, *in.AfterSalesGroupID, field("input", "afterSalesGroupID")); err != nil {
				return err
			}
		}
		created, err = tx.Product.Create().
			SetSellerID(v.SellerID).
			SetName(name).
			SetSummary(summary).
			SetNillableAfterSalesGroupID(in.AfterSalesGroupID).
			Save(ctx)
		if err != nil {
			return err
		}
		return s.record(ctx, tx, eventRec{typ: event.TypeProductCreated, sellerID: v.SellerID, subject: created.ID, product: &created.ID,
			changes: createdFields(productFields(created))})
	})
	return committed(created, err)
}

// UpdateProduct changes what the product's status allows: name, summary and
// group in DRAFT and REJECTED; only the group in RELEASED and HIDDEN (the
// group must then meet the service policy, as the page shows it); nothing in
// IN_REVIEW and REMOVED.
func (s *Service) UpdateProduct(ctx context.Context, id int, in ProductUpdate) (*ent.Product, error) {
	v, err := policy.ActingSeller(ctx)
	if err != nil {
		return nil, err
	}
	var f validate.Form
	var name, summary *string
	if in.Name != nil {
		name = strp(f.Name(field("input", "name"), *in.Name, true))
	}
	if in.Summary != nil {
		summary = strp(f.Text(field("input", "summary"), *in.Summary, validate.MaxSummary, false))
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	var updated *ent.Product
	err = s.inTx(ctx, func(ctx context.Context, tx *ent.Client) error {
		if err := lockSeller(ctx, tx, v.SellerID); err != nil {
			return err
		}
		p, err := ownProduct(ctx, tx, v.SellerID, id)
		if err != nil {
			return err
		}
		if err := staleVersion(in.ExpectedVersion, p.Version); err != nil {
			return err
		}
		details, group := lifecycle.ProductEditable(p.Status)
		switch {
		case !group:
			return precondition(field("id"), "a %s product cannot be changed", p.Status)
		case !details && (name != nil || summary != nil):
			path := field("input", "name")
			if name == nil {
				path = field("input", "summary")
			}
			return precondition(path, "a %s product's name and summary cannot change; only its after-sales group can", p.Status)
		}
		if in.AfterSalesGroupID != nil {
			g, err := ownGroup(ctx, tx, v.SellerID, *in.AfterSalesGroupID, field("input", "afterSalesGroupID"))
			if err != nil {
				return err
			}
			if lifecycle.ProductLive(p.Status) && !ScheduleOf(g).MeetsPolicy() {
				return precondition(field("input", "afterSalesGroupID"),
					"group %q does not meet the service policy (at least 8 hours a day, 5 days a week)", g.Name)
			}
		}
		updated, err = tx.Product.UpdateOne(p).
			Where(product.Version(p.Version)).
			SetNillableName(name).
			SetNillableSummary(summary).
			SetNillableAfterSalesGroupID(in.AfterSalesGroupID).
			Save(ctx)
		switch {
		case ent.IsNotFound(err):
			return changedConcurrently()
		case err != nil:
			return err
		}
		return s.record(ctx, tx, eventRec{typ: event.TypeProductUpdated, sellerID: v.SellerID, subject: id, product: &id,
			changes: updatedFields(productFields(p), productFields(updated))})
	})
	return committed(updated, err)
}

// SubmitProductRelease puts a DRAFT or REJECTED product up for release
// review once its preconditions hold: a selected group that meets the
// service policy and an approved pre-sales contact.
func (s *Service) SubmitProductRelease(ctx context.Context, id int) (*ent.Review, error) {
	v, err := policy.ActingSeller(ctx)
	if err != nil {
		return nil, err
	}
	var created *ent.Review
	err = s.inTx(ctx, func(ctx context.Context, tx *ent.Client) error {
		if err := lockSeller(ctx, tx, v.SellerID); err != nil {
			return err
		}
		p, err := ownProduct(ctx, tx, v.SellerID, id)
		if err != nil {
			return err
		}
		if !lifecycle.ProductMayMove(p.Status, product.StatusInReview) {
			return precondition(field("id"), "only a DRAFT or REJECTED product can be submitted for release; this one is %s", p.Status)
		}
		g, err := releaseBlockers(ctx, tx, p)
		if err != nil {
			return err
		}
		if err := moveProduct(policy.System(ctx), tx, p.ID, p.Status, product.StatusInReview); err != nil {
			return err
		}
		created, err = tx.Review.Create().
			SetSellerID(v.SellerID).
			SetKind(review.KindProductRelease).
			SetProductID(p.ID).
			SetChanges([]schematype.FieldChange{
				{Field: "name", After: &p.Name},
				{Field: "summary", After: &p.Summary},
				{Field: "afterSalesGroup", After: &g.Name},
			}).
			Save(ctx)
		if err != nil {
			return err
		}
		return s.record(ctx, tx, submitted(created))
	})
	return committed(created, err)
}

// releaseBlockers returns the product's group when the product may be
// released, or a PRECONDITION_FAILED error saying everything that is missing.
func releaseBlockers(ctx context.Context, tx *ent.Client, p *ent.Product) (*ent.CustomerServiceGroup, error) {
	var missing []string
	var g *ent.CustomerServiceGroup
	if p.AfterSalesGroupID == nil {
		missing = append(missing, "select an after-sales customer service group")
	} else {
		var err error
		if g, err = tx.CustomerServiceGroup.Get(ctx, *p.AfterSalesGroupID); err != nil {
			return nil, err
		}
		if !ScheduleOf(g).MeetsPolicy() {
			missing = append(missing, "the after-sales group "+quote(g.Name)+" must serve at least 8 hours a day, 5 days a week")
		}
	}
	hasPreSales, err := tx.Seller.Query().
		Where(seller.ID(p.SellerID), seller.PreSalesContactIDNotNil()).
		Exist(ctx)
	if err != nil {
		return nil, err
	}
	if !hasPreSales {
		missing = append(missing, "the seller needs approved pre-sales info")
	}
	if len(missing) > 0 {
		return nil, precondition(field("id"), "the product cannot be released yet: %s", strings.Join(missing, "; "))
	}
	return g, nil
}

// quote quotes a name for a message.
func quote(s string) string { return "\"" + s + "\"" }

// HideProduct hides a RELEASED product from product pages.
func (s *Service) HideProduct(ctx context.Context, id int) (*ent.Product, error) {
	return s.changeStatus(ctx, id, product.StatusReleased, product.StatusHidden, event.TypeProductHidden)
}

// ShowProduct shows a HIDDEN product again.
func (s *Service) ShowProduct(ctx context.Context, id int) (*ent.Product, error) {
	return s.changeStatus(ctx, id, product.StatusHidden, product.StatusReleased, event.TypeProductShown)
}

// changeStatus moves one of the viewer's products from one status to
// another, recording it as an event of type typ.
func (s *Service) changeStatus(ctx context.Context, id int, from, to product.Status, typ event.Type) (*ent.Product, error) {
	v, err := policy.ActingSeller(ctx)
	if err != nil {
		return nil, err
	}
	var moved *ent.Product
	err = s.inTx(ctx, func(ctx context.Context, tx *ent.Client) error {
		if err := lockSeller(ctx, tx, v.SellerID); err != nil {
			return err
		}
		p, err := ownProduct(ctx, tx, v.SellerID, id)
		if err != nil {
			return err
		}
		if p.Status != from {
			return precondition(field("id"), "only a %s product can become %s; this one is %s", from, to, p.Status)
		}
		if err := moveProduct(policy.System(ctx), tx, id, from, to); err != nil {
			return err
		}
		if err := s.record(ctx, tx, productMoved(typ, p, to)); err != nil {
			return err
		}
		moved, err = tx.Product.Get(ctx, id)
		return err
	})
	return committed(moved, err)
}

// moveProduct moves a product from one status to another, as the system
// (the caller has authorised the move). The update is conditional on the
// status it leaves (and the hook adds the lifecycle's own guard), so a
// move that lost a race to another changes nothing: REMOVED stays REMOVED
// whatever else was under way.
func moveProduct(sys context.Context, tx *ent.Client, id int, from, to product.Status) error {
	err := tx.Product.UpdateOneID(id).Where(product.StatusEQ(from)).SetStatus(to).Exec(sys)
	if ent.IsNotFound(err) {
		return changedConcurrently()
	}
	return err
}

// RemoveProduct removes a product for good; its pending release review is
// withdrawn.
func (s *Service) RemoveProduct(ctx context.Context, id int) (*ent.Product, error) {
	v, err := policy.ActingSeller(ctx)
	if err != nil {
		return nil, err
	}
	var removed *ent.Product
	err = s.inTx(ctx, func(ctx context.Context, tx *ent.Client) error {
		if err := lockSeller(ctx, tx, v.SellerID); err != nil {
			return err
		}
		p, err := ownProduct(ctx, tx, v.SellerID, id)
		if err != nil {
			return err
		}
		if !lifecycle.ProductMayMove(p.Status, product.StatusRemoved) {
			return precondition(field("id"), "the product is already removed")
		}
		sys := policy.System(ctx)
		pending, err := tx.Review.Query().
			Where(review.ProductID(p.ID), review.StatusEQ(review.StatusPending)).
			IDs(ctx)
		if err != nil {
			return err
		}
		var events []eventRec
		for _, rid := range pending {
			if err := tx.Review.UpdateOneID(rid).SetStatus(review.StatusWithdrawn).Exec(sys); err != nil {
				return err
			}
			events = append(events, eventRec{typ: event.TypeReviewWithdrawn, sellerID: v.SellerID, subject: rid, review: &rid, product: &p.ID,
				changes: statusChange(review.StatusPending, review.StatusWithdrawn)})
		}
		if err := moveProduct(sys, tx, id, p.Status, product.StatusRemoved); err != nil {
			return err
		}
		if err := s.record(ctx, tx, append(events, productMoved(event.TypeProductRemoved, p, product.StatusRemoved))...); err != nil {
			return err
		}
		removed, err = tx.Product.Get(ctx, id)
		return err
	})
	return committed(removed, err)
}

// productMoved is the event of a product's status move.
func productMoved(typ event.Type, p *ent.Product, to product.Status) eventRec {
	return eventRec{typ: typ, sellerID: p.SellerID, subject: p.ID, product: &p.ID, changes: statusChange(p.Status, to)}
}

// ownProduct loads a product of the seller; any other ID reads as not found.
func ownProduct(ctx context.Context, tx *ent.Client, sellerID, id int) (*ent.Product, error) {
	p, err := tx.Product.Query().Where(product.ID(id), product.SellerID(sellerID)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, notFound(field("id"), "product")
	}
	return p, err
}
