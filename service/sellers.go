package service

import (
	"context"

	"servicesupport/ent"
	"servicesupport/ent/event"
	"servicesupport/ent/seller"
	"servicesupport/policy"
	"servicesupport/usererror"
	"servicesupport/validate"
)

// maxAccountID bounds identity-provider account IDs.
const maxAccountID = 128

// SellerInput registers a seller (GraphQL CreateSellerInput).
type SellerInput struct {
	AccountID string `json:"accountID"`
	Name      string `json:"name"`
}

// CreateSeller registers a seller; admins only.
func (s *Service) CreateSeller(ctx context.Context, in SellerInput) (*ent.Seller, error) {
	if err := policy.MayCreateSeller(ctx); err != nil {
		return nil, err
	}
	var f validate.Form
	accountID := f.Text(field("input", "accountID"), in.AccountID, maxAccountID, true)
	name := f.Name(field("input", "name"), in.Name, true)
	if err := f.Err(); err != nil {
		return nil, err
	}
	var created *ent.Seller
	err := s.inTx(ctx, func(ctx context.Context, tx *ent.Client) error {
		exists, err := tx.Seller.Query().Where(seller.AccountID(accountID)).Exist(ctx)
		if err != nil {
			return err
		}
		if exists {
			return usererror.New(usererror.Conflict, field("input", "accountID"), "a seller with this account ID already exists")
		}
		created, err = tx.Seller.Create().SetAccountID(accountID).SetName(name).Save(ctx)
		if ent.IsConstraintError(err) {
			return usererror.New(usererror.Conflict, field("input", "accountID"), "a seller with this account ID already exists")
		}
		if err != nil {
			return err
		}
		return s.record(ctx, tx, eventRec{typ: event.TypeSellerCreated, sellerID: created.ID, subject: created.ID,
			changes: createdFields(sellerFields(created))})
	})
	return committed(created, err)
}
