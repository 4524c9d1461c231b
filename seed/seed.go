// Package seed fills an empty database with demo data for dev mode.
package seed

import (
	"context"

	"servicesupport/ent"
)

// Result says what a new user needs to try the demo.
type Result struct {
	SellerAccountID string
	ProductID       int
}

// Demo seeds an empty database and describes the demo data.
func Demo(ctx context.Context, client *ent.Client) (Result, error) {
	return Result{}, nil
}
