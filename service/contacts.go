package service

import (
	"context"

	"servicesupport/ent"
	"servicesupport/ent/contact"
	"servicesupport/ent/event"
	"servicesupport/ent/review"
	"servicesupport/ent/schema/schematype"
	"servicesupport/policy"
	"servicesupport/usererror"
	"servicesupport/validate"
)

// BusinessContactInput is a business contact to submit (GraphQL SubmitBusinessContactInput).
type BusinessContactInput struct {
	ContactName string `json:"contactName"`
	Phone       string `json:"phone"`
	Email       string `json:"email"`
}

// PreSalesInfoInput is pre-sales info to submit (GraphQL SubmitPreSalesInfoInput).
type PreSalesInfoInput struct {
	Phone          string `json:"phone"`
	Email          string `json:"email"`
	ContactAddress string `json:"contactAddress"`
}

// SubmitBusinessContact stores a new business contact revision and puts it up
// for review.
func (s *Service) SubmitBusinessContact(ctx context.Context, in BusinessContactInput) (*ent.Review, error) {
	var f validate.Form
	c := &ent.Contact{
		Kind:        contact.KindBusiness,
		ContactName: strp(f.Name(field("input", "contactName"), in.ContactName, true)),
		Phone:       f.Phone(field("input", "phone"), in.Phone),
		Email:       f.Email(field("input", "email"), in.Email),
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	return s.submitContact(ctx, c)
}

// SubmitPreSalesInfo stores a new pre-sales info revision and puts it up for
// review.
func (s *Service) SubmitPreSalesInfo(ctx context.Context, in PreSalesInfoInput) (*ent.Review, error) {
	var f validate.Form
	c := &ent.Contact{
		Kind:           contact.KindPreSales,
		Phone:          f.Phone(field("input", "phone"), in.Phone),
		Email:          f.Email(field("input", "email"), in.Email),
		ContactAddress: strp(f.Text(field("input", "contactAddress"), in.ContactAddress, validate.MaxAddress, true)),
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	return s.submitContact(ctx, c)
}

// reviewKindOf maps a contact kind to the kind of its review.
func reviewKindOf(k contact.Kind) review.Kind {
	if k == contact.KindBusiness {
		return review.KindBusinessContact
	}
	return review.KindPreSalesInfo
}

// submitContact numbers the revision, supersedes the pending review of the
// same kind and opens a new one, comparing against the live revision.
func (s *Service) submitContact(ctx context.Context, c *ent.Contact) (*ent.Review, error) {
	v, err := policy.ActingSeller(ctx)
	if err != nil {
		return nil, err
	}
	var created *ent.Review
	err = s.inTx(ctx, func(ctx context.Context, tx *ent.Client) error {
		// Under the seller's lock, two submissions cannot both count the
		// same revisions or both find no pending review to supersede.
		if err := lockSeller(ctx, tx, v.SellerID); err != nil {
			return err
		}
		me, err := tx.Seller.Get(ctx, v.SellerID)
		if err != nil {
			return err
		}
		revisions, err := tx.Contact.Query().
			Where(contact.SellerID(v.SellerID), contact.KindEQ(c.Kind)).
			Count(ctx)
		if err != nil {
			return err
		}
		saved, err := tx.Contact.Create().
			SetSellerID(v.SellerID).
			SetKind(c.Kind).
			SetNillableContactName(c.ContactName).
			SetPhone(c.Phone).
			SetEmail(c.Email).
			SetNillableContactAddress(c.ContactAddress).
			SetRevision(revisions + 1).
			Save(ctx)
		if err != nil {
			return err
		}
		liveID := me.BusinessContactID
		if c.Kind == contact.KindPreSales {
			liveID = me.PreSalesContactID
		}
		var live *ent.Contact
		if liveID != nil {
			if live, err = tx.Contact.Get(ctx, *liveID); err != nil {
				return err
			}
		}
		kind := reviewKindOf(c.Kind)
		pending, err := tx.Review.Query().
			Where(review.SellerID(v.SellerID), review.KindEQ(kind), review.StatusEQ(review.StatusPending)).
			IDs(ctx)
		if err != nil {
			return err
		}
		var events []eventRec
		for _, id := range pending {
			if err := tx.Review.UpdateOneID(id).SetStatus(review.StatusSuperseded).Exec(policy.System(ctx)); err != nil {
				return err
			}
			events = append(events, eventRec{typ: event.TypeReviewSuperseded, sellerID: v.SellerID, subject: id, review: &id,
				changes: statusChange(review.StatusPending, review.StatusSuperseded)})
		}
		created, err = tx.Review.Create().
			SetSellerID(v.SellerID).
			SetKind(kind).
			SetContactID(saved.ID).
			SetChanges(contactChanges(live, saved)).
			Save(ctx)
		if err != nil {
			return err
		}
		return s.record(ctx, tx, append(events, submitted(created))...)
	})
	return committed(created, err)
}

// submitted is the REVIEW_SUBMITTED event of a new review: its changes
// are the review's.
func submitted(r *ent.Review) eventRec {
	return eventRec{typ: event.TypeReviewSubmitted, sellerID: r.SellerID, subject: r.ID, review: &r.ID, product: r.ProductID, changes: r.Changes}
}

// RevertContact submits the values of one of the seller's earlier
// revisions of a kind as a new revision, reviewed like any submission.
func (s *Service) RevertContact(ctx context.Context, kind contact.Kind, revision int) (*ent.Review, error) {
	v, err := policy.ActingSeller(ctx)
	if err != nil {
		return nil, err
	}
	if contact.KindValidator(kind) != nil {
		return nil, usererror.New(usererror.Invalid, field("kind"), "unknown contact kind %q", kind)
	}
	earlier, err := s.client.Contact.Query().
		Where(contact.SellerID(v.SellerID), contact.KindEQ(kind), contact.Revision(revision)).
		Only(ctx)
	if ent.IsNotFound(err) {
		return nil, usererror.New(usererror.NotFound, field("revision"), "the seller has no %s revision %d", kind, revision)
	}
	if err != nil {
		return nil, err
	}
	return s.submitContact(ctx, &ent.Contact{
		Kind:           earlier.Kind,
		ContactName:    earlier.ContactName,
		Phone:          earlier.Phone,
		Email:          earlier.Email,
		ContactAddress: earlier.ContactAddress,
	})
}

// contactChanges lists the fields of next that differ from live (nil when
// nothing is live yet).
func contactChanges(live, next *ent.Contact) []schematype.FieldChange {
	type pair struct {
		name string
		get  func(*ent.Contact) *string
	}
	fields := []pair{
		{"contactName", func(c *ent.Contact) *string { return c.ContactName }},
		{"phone", func(c *ent.Contact) *string { return &c.Phone }},
		{"email", func(c *ent.Contact) *string { return &c.Email }},
		{"contactAddress", func(c *ent.Contact) *string { return c.ContactAddress }},
	}
	changes := []schematype.FieldChange{}
	for _, p := range fields {
		after := p.get(next)
		if after == nil {
			continue // not a field of this kind
		}
		var before *string
		if live != nil {
			before = p.get(live)
		}
		if before != nil && *before == *after {
			continue
		}
		changes = append(changes, schematype.FieldChange{Field: p.name, Before: before, After: after})
	}
	return changes
}
