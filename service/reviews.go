package service

import (
	"context"
	"sync"
	"time"

	"servicesupport/auth"
	"servicesupport/ent"
	"servicesupport/ent/product"
	"servicesupport/ent/review"
	"servicesupport/policy"
	"servicesupport/usererror"
	"servicesupport/validate"
)

// ApproveReview approves a pending review: a contact revision becomes the
// seller's live one of its kind; a product becomes RELEASED.
func (s *Service) ApproveReview(ctx context.Context, id int, comment *string) (*ent.Review, error) {
	v, err := staffViewer(ctx)
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
	return s.decide(ctx, v, id, review.StatusApproved, note, func(tx *ent.Client, r *ent.Review, now time.Time) error {
		// The reviewer may not edit seller data; approval's own effects run
		// as the system, after the reviewer's right to decide was checked.
		sys := policy.System(ctx)
		switch r.Kind {
		case review.KindBusinessContact:
			return tx.Seller.UpdateOneID(r.SellerID).SetBusinessContactID(*r.ContactID).Exec(sys)
		case review.KindPreSalesInfo:
			return tx.Seller.UpdateOneID(r.SellerID).SetPreSalesContactID(*r.ContactID).Exec(sys)
		default:
			p, err := tx.Product.Get(ctx, *r.ProductID)
			if err != nil {
				return err
			}
			if _, err := releaseBlockers(ctx, tx, p); err != nil {
				return err
			}
			return tx.Product.UpdateOne(p).
				SetStatus(product.StatusReleased).
				SetReleasedAt(now).
				AddVersion(1).
				Exec(sys)
		}
	})
}

// RejectReview rejects a pending review with a reason; the live version
// stays, and a product becomes REJECTED (editable, can be resubmitted).
func (s *Service) RejectReview(ctx context.Context, id int, reason string) (*ent.Review, error) {
	v, err := staffViewer(ctx)
	if err != nil {
		return nil, err
	}
	var f validate.Form
	why := f.Text(field("reason"), reason, validate.MaxComment, true)
	if err := f.Err(); err != nil {
		return nil, err
	}
	return s.decide(ctx, v, id, review.StatusRejected, &why, func(tx *ent.Client, r *ent.Review, _ time.Time) error {
		return s.resetProduct(ctx, tx, r, product.StatusRejected)
	})
}

// WithdrawReview withdraws the viewer's own pending review; a product goes
// back to DRAFT.
func (s *Service) WithdrawReview(ctx context.Context, id int) (*ent.Review, error) {
	v, err := sellerViewer(ctx)
	if err != nil {
		return nil, err
	}
	return s.decide(ctx, v, id, review.StatusWithdrawn, nil, func(tx *ent.Client, r *ent.Review, _ time.Time) error {
		return s.resetProduct(ctx, tx, r, product.StatusDraft)
	})
}

// resetProduct moves a release review's product out of IN_REVIEW.
func (s *Service) resetProduct(ctx context.Context, tx *ent.Client, r *ent.Review, to product.Status) error {
	if r.ProductID == nil {
		return nil
	}
	return tx.Product.UpdateOneID(*r.ProductID).
		Where(product.StatusEQ(product.StatusInReview)).
		SetStatus(to).
		AddVersion(1).
		Exec(policy.System(ctx))
}

// decide moves a PENDING review to status and applies effect, all in one
// transaction. Only a pending review can be decided: when it is no longer
// pending because someone else decided it after this request started (two
// reviewers at once), the loser gets CONFLICT; when it was settled before,
// PRECONDITION_FAILED. The status update is itself conditional on PENDING,
// so exactly one of two racing deciders wins on any database.
func (s *Service) decide(ctx context.Context, v *auth.Viewer, id int, to review.Status, comment *string,
	effect func(tx *ent.Client, r *ent.Review, now time.Time) error) (*ent.Review, error) {
	started := arrival(ctx, s.now())
	me := s.deciders.enter(id)
	defer s.deciders.leave(id, me)
	var decided *ent.Review
	err := s.inTx(ctx, func(tx *ent.Client) error {
		r, err := tx.Review.Get(ctx, id)
		if ent.IsNotFound(err) {
			return notFound(field("id"), "review")
		}
		if err != nil {
			return err
		}
		if r.Status != review.StatusPending {
			return notPending(r, started, s.deciders.lost(me))
		}
		now := s.now()
		n, err := tx.Review.Update().
			Where(review.ID(id), review.StatusEQ(review.StatusPending)).
			SetStatus(to).
			SetDecidedBy(v.Subject).
			SetDecidedAt(now).
			SetNillableComment(comment).
			Save(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return usererror.New(usererror.Conflict, field("id"), "the review was decided by someone else at the same time")
		}
		if err := effect(tx, r, now); err != nil {
			return err
		}
		// Still holding the write lock: whoever else is deciding this
		// review now will find it decided only after this commit.
		s.deciders.beat(id, me)
		decided, err = tx.Review.Get(ctx, id)
		return err
	})
	return committed(decided, err)
}

// notPending explains why a review that is no longer pending cannot be
// decided.
func notPending(r *ent.Review, started time.Time, beaten bool) error {
	if beaten || (r.DecidedAt != nil && r.DecidedAt.After(started)) {
		return usererror.New(usererror.Conflict, field("id"),
			"the review was %s by someone else while this request was running", r.Status)
	}
	return precondition(field("id"), "only a PENDING review can be decided; this one is %s", r.Status)
}

// deciders tracks the decisions in flight per review, so that the loser of
// two decisions racing in this process learns it lost a race (CONFLICT)
// rather than that the review was settled long ago (PRECONDITION_FAILED).
// Decisions in other processes fall back to comparing decidedAt with the
// loser's start.
type deciders struct {
	mu       sync.Mutex
	inFlight map[int]map[*decider]bool
}

// decider is one decision in flight.
type decider struct{ beaten bool }

// enter registers a decision of review id.
func (d *deciders) enter(id int) *decider {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.inFlight == nil {
		d.inFlight = map[int]map[*decider]bool{}
	}
	if d.inFlight[id] == nil {
		d.inFlight[id] = map[*decider]bool{}
	}
	me := &decider{}
	d.inFlight[id][me] = true
	return me
}

// leave unregisters a decision.
func (d *deciders) leave(id int, me *decider) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.inFlight[id], me)
	if len(d.inFlight[id]) == 0 {
		delete(d.inFlight, id)
	}
}

// beat marks every other decision of review id in flight as beaten by me.
func (d *deciders) beat(id int, me *decider) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for other := range d.inFlight[id] {
		if other != me {
			other.beaten = true
		}
	}
}

// lost reports whether another decision beat me.
func (d *deciders) lost(me *decider) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return me.beaten
}
