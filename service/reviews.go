package service

import (
	"context"
	"time"

	"servicesupport/auth"
	"servicesupport/ent"
	"servicesupport/ent/event"
	"servicesupport/ent/product"
	"servicesupport/ent/review"
	"servicesupport/ent/schema/schematype"
	"servicesupport/policy"
	"servicesupport/usererror"
	"servicesupport/validate"
)

// ApproveReview approves a pending review: a contact revision becomes the
// seller's live one of its kind; a product becomes RELEASED. arrived is
// when the request arrived (see decide).
func (s *Service) ApproveReview(ctx context.Context, id int, comment *string, arrived time.Time) (*ent.Review, error) {
	v, err := policy.Deciding(ctx)
	if err != nil {
		return nil, err
	}
	var f validate.Form
	var note *string
	if comment != nil {
		if c := f.Text(field("comment"), *comment, validate.MaxComment, false); c != "" {
			note = &c
		}
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	return s.decide(ctx, v, id, arrived, review.StatusApproved, note, func(sys context.Context, tx *ent.Client, r *ent.Review) ([]eventRec, error) {
		switch r.Kind {
		case review.KindBusinessContact:
			return nil, tx.Seller.UpdateOneID(r.SellerID).SetBusinessContactID(*r.ContactID).Exec(sys)
		case review.KindPreSalesInfo:
			return nil, tx.Seller.UpdateOneID(r.SellerID).SetPreSalesContactID(*r.ContactID).Exec(sys)
		default:
			p, err := tx.Product.Get(sys, *r.ProductID)
			if err != nil {
				return nil, err
			}
			// Under the seller's lock: the group cannot drop below the
			// policy between this check and the commit.
			if _, err := releaseBlockers(sys, tx, p); err != nil {
				return nil, err
			}
			if err := moveProduct(sys, tx, p.ID, product.StatusInReview, product.StatusReleased); err != nil {
				return nil, err
			}
			return []eventRec{productMoved(event.TypeProductReleased, p, product.StatusReleased)}, nil
		}
	})
}

// RejectReview rejects a pending review with a reason; the live version
// stays, and a product becomes REJECTED (editable, can be resubmitted).
func (s *Service) RejectReview(ctx context.Context, id int, reason string, arrived time.Time) (*ent.Review, error) {
	v, err := policy.Deciding(ctx)
	if err != nil {
		return nil, err
	}
	var f validate.Form
	why := f.Text(field("reason"), reason, validate.MaxComment, true)
	if err := f.Err(); err != nil {
		return nil, err
	}
	return s.decide(ctx, v, id, arrived, review.StatusRejected, &why, func(sys context.Context, tx *ent.Client, r *ent.Review) ([]eventRec, error) {
		return resetProduct(sys, tx, r, product.StatusRejected, event.TypeProductRejected)
	})
}

// WithdrawReview withdraws the viewer's own pending review; a product goes
// back to DRAFT.
func (s *Service) WithdrawReview(ctx context.Context, id int, arrived time.Time) (*ent.Review, error) {
	v, err := policy.ActingSeller(ctx)
	if err != nil {
		return nil, err
	}
	return s.decide(ctx, v, id, arrived, review.StatusWithdrawn, nil, func(sys context.Context, tx *ent.Client, r *ent.Review) ([]eventRec, error) {
		return resetProduct(sys, tx, r, product.StatusDraft, "")
	})
}

// resetProduct moves a release review's product out of IN_REVIEW, and
// returns the move as an event of type typ ("" for none: a withdrawal
// records the review's event only).
func resetProduct(sys context.Context, tx *ent.Client, r *ent.Review, to product.Status, typ event.Type) ([]eventRec, error) {
	if r.ProductID == nil {
		return nil, nil
	}
	if err := moveProduct(sys, tx, *r.ProductID, product.StatusInReview, to); err != nil {
		return nil, err
	}
	if typ == "" {
		return nil, nil
	}
	return []eventRec{{typ: typ, sellerID: r.SellerID, subject: *r.ProductID, product: r.ProductID,
		changes: statusChange(product.StatusInReview, to)}}, nil
}

// decisionEvents are the event types of a review's decisions.
var decisionEvents = map[review.Status]event.Type{
	review.StatusApproved:  event.TypeReviewApproved,
	review.StatusRejected:  event.TypeReviewRejected,
	review.StatusWithdrawn: event.TypeReviewWithdrawn,
}

// decide moves a PENDING review to status and applies effect (run as the
// system: the viewer's right to decide has been checked, and a reviewer
// may not edit seller data otherwise), all in one transaction under the
// seller's lock. Only a pending review can be decided: when it is no
// longer pending because someone else decided it after this request
// arrived (two reviewers at once, on any instances), the loser gets
// CONFLICT; when it was settled before, PRECONDITION_FAILED.
//
// The review is read once before the transaction: a review that was still
// PENDING then and is decided once this request holds the lock was decided
// while it ran (CONFLICT, whatever the stamps say: a decision is stamped
// before its transaction commits). One decided already at that first read
// is judged by its decidedAt against the request's arrival, both on the
// database's clock: decidedAt is stamped with it, and the arrival is
// converted to it by subtracting the time elapsed since (a monotonic
// reading, immune to the instances' clocks disagreeing).
func (s *Service) decide(ctx context.Context, v *auth.Viewer, id int, arrived time.Time, to review.Status, comment *string,
	effect func(sys context.Context, tx *ent.Client, r *ent.Review) ([]eventRec, error)) (*ent.Review, error) {
	// The viewer's read: a review it may not see is not found.
	first, err := s.client.Review.Get(ctx, id)
	if ent.IsNotFound(err) {
		return nil, notFound(field("id"), "review")
	}
	if err != nil {
		return nil, err
	}
	var decided *ent.Review
	err = s.inTx(ctx, func(ctx context.Context, tx *ent.Client) error {
		if err := lockSeller(ctx, tx, first.SellerID); err != nil {
			return err
		}
		dbNow, err := lockReview(ctx, tx, id)
		if err != nil {
			return err
		}
		arrivedAt := dbNow.Add(-time.Since(arrived))
		r, err := tx.Review.Get(ctx, id)
		if err != nil {
			return err
		}
		if r.Status != review.StatusPending {
			if first.Status == review.StatusPending {
				return decidedMeanwhile(r)
			}
			return notPending(r, arrivedAt)
		}
		sys := policy.System(ctx)
		update := tx.Review.UpdateOneID(id).SetStatus(to).SetNillableComment(comment)
		if err := update.Exec(sys); err != nil {
			if ent.IsNotFound(err) {
				return usererror.New(usererror.Conflict, field("id"), "the review was decided by someone else at the same time")
			}
			return err
		}
		effects, err := effect(sys, tx, r)
		if err != nil {
			return err
		}
		changes := statusChange(review.StatusPending, to)
		if comment != nil {
			changes = append(changes, schematype.FieldChange{Field: "comment", After: comment})
		}
		decision := eventRec{typ: decisionEvents[to], sellerID: r.SellerID, subject: id, review: &id, product: r.ProductID, changes: changes}
		if err := s.record(ctx, tx, append([]eventRec{decision}, effects...)...); err != nil {
			return err
		}
		decided, err = tx.Review.Get(ctx, id)
		return err
	})
	return committed(decided, err)
}

// clockResolution is the coarsest step of the database's clock (SQLite's
// is the millisecond): decisions within one step of a request's arrival
// count as made at the same time.
const clockResolution = time.Millisecond

// decidedMeanwhile is the CONFLICT of a decision that lost a race.
func decidedMeanwhile(r *ent.Review) error {
	return usererror.New(usererror.Conflict, field("id"),
		"the review was %s by someone else while this request was running", r.Status)
}

// notPending explains why a review that was decided when this request
// first read it cannot be decided: CONFLICT when it was decided after the
// request arrived (or within the clock's resolution of it).
func notPending(r *ent.Review, arrivedAt time.Time) error {
	if r.DecidedAt != nil && r.DecidedAt.After(arrivedAt.Add(-clockResolution)) {
		return decidedMeanwhile(r)
	}
	return precondition(field("id"), "only a PENDING review can be decided; this one is %s", r.Status)
}
