package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"servicesupport/ent"
	"servicesupport/graph/model"
)

// maxNodes bounds the IDs of one nodes query.
const maxNodes = 100

// tooManyIDs answers a nodes query over maxNodes IDs.
func tooManyIDs(ctx context.Context) error {
	return &gqlerror.Error{
		Message:    "nodes takes at most 100 IDs",
		Path:       graphql.GetPath(ctx),
		Extensions: map[string]any{"code": CodeBadUserInput},
	}
}

// submitted wraps a submission's result in its payload.
func submitted(r *ent.Review, err error) (*model.SubmitChangePayload, error) {
	ue, err := userErrors(err)
	if err != nil {
		return nil, err
	}
	return &model.SubmitChangePayload{Review: r, UserErrors: ue}, nil
}

// reviewPayload wraps a decision's result in its payload.
func reviewPayload(r *ent.Review, err error) (*model.ReviewPayload, error) {
	ue, err := userErrors(err)
	if err != nil {
		return nil, err
	}
	return &model.ReviewPayload{Review: r, UserErrors: ue}, nil
}

// groupPayload wraps a group mutation's result in its payload.
func groupPayload(g *ent.CustomerServiceGroup, err error) (*model.CustomerServiceGroupPayload, error) {
	ue, err := userErrors(err)
	if err != nil {
		return nil, err
	}
	return &model.CustomerServiceGroupPayload{CustomerServiceGroup: g, UserErrors: ue}, nil
}

// productPayload wraps a product mutation's result in its payload.
func productPayload(p *ent.Product, err error) (*model.ProductPayload, error) {
	ue, err := userErrors(err)
	if err != nil {
		return nil, err
	}
	return &model.ProductPayload{Product: p, UserErrors: ue}, nil
}

// deleted wraps a deletion's result in its payload.
func deleted(id int, err error) (*model.DeletePayload, error) {
	ue, err := userErrors(err)
	if err != nil {
		return nil, err
	}
	payload := &model.DeletePayload{UserErrors: ue}
	if len(ue) == 0 {
		payload.DeletedID = &id
	}
	return payload, nil
}
