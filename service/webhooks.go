package service

import (
	"context"
	"slices"

	"servicesupport/ent"
	"servicesupport/ent/event"
	"servicesupport/ent/webhookendpoint"
	"servicesupport/policy"
	"servicesupport/usererror"
	"servicesupport/webhook"
)

// MaxWebhookEndpoints is how many endpoints a seller may register.
const MaxWebhookEndpoints = 10

// WebhookEndpointInput is an endpoint to register (GraphQL
// CreateWebhookEndpointInput).
type WebhookEndpointInput struct {
	URL        string       `json:"url"`
	EventTypes []event.Type `json:"eventTypes"`
}

// CreateWebhookEndpoint registers an endpoint for the viewer: a seller's
// receives its own seller's events, an admin's every event. It returns the
// endpoint and its signing secret, which is never shown again.
func (s *Service) CreateWebhookEndpoint(ctx context.Context, in WebhookEndpointInput) (*ent.WebhookEndpoint, string, error) {
	v, err := policy.ManagingWebhooks(ctx)
	if err != nil {
		return nil, "", err
	}
	if err := webhook.CheckURL(ctx, in.URL, s.opts.WebhookAllowInsecure, s.opts.Resolver); err != nil {
		return nil, "", usererror.New(usererror.Invalid, field("input", "url"), "%s", err.Error())
	}
	var types []string
	for _, t := range in.EventTypes {
		if !slices.Contains(types, string(t)) {
			types = append(types, string(t))
		}
	}
	if len(types) == 0 {
		return nil, "", usererror.New(usererror.Required, field("input", "eventTypes"), "give at least one event type")
	}
	secret, err := webhook.NewSecret()
	if err != nil {
		return nil, "", err
	}
	var created *ent.WebhookEndpoint
	err = s.inTx(ctx, func(ctx context.Context, tx *ent.Client) error {
		create := tx.WebhookEndpoint.Create().SetURL(in.URL).SetEventTypes(types).SetSecret(secret)
		if sellerID, ok := policy.OwnSeller(v); ok {
			// Under the seller's lock, two registrations cannot both count
			// nine.
			if err := lockSeller(ctx, tx, sellerID); err != nil {
				return err
			}
			n, err := tx.WebhookEndpoint.Query().Where(webhookendpoint.SellerID(sellerID)).Count(ctx)
			if err != nil {
				return err
			}
			if n >= MaxWebhookEndpoints {
				return usererror.New(usererror.LimitExceeded, nil, "a seller has at most %d webhook endpoints", MaxWebhookEndpoints)
			}
			create.SetSellerID(sellerID)
		}
		created, err = create.Save(ctx)
		return err
	})
	created, err = committed(created, err)
	if err != nil {
		return nil, "", err
	}
	return created, secret, nil
}

// DeleteWebhookEndpoint deletes an endpoint of the viewer's seller (an
// admin: any endpoint) with its delivery log; nothing more is delivered
// to it.
func (s *Service) DeleteWebhookEndpoint(ctx context.Context, id int) error {
	v, err := policy.ManagingWebhooks(ctx)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(ctx context.Context, tx *ent.Client) error {
		if sellerID, ok := policy.OwnSeller(v); ok {
			if err := lockSeller(ctx, tx, sellerID); err != nil {
				return err
			}
		}
		// The policy narrows a seller's delete to its own endpoints: any
		// other ID deletes nothing and reads as not found.
		err := tx.WebhookEndpoint.DeleteOneID(id).Exec(ctx)
		if ent.IsNotFound(err) {
			return notFound(field("id"), "webhook endpoint")
		}
		return err
	})
}
