package policy

import (
	"context"

	"servicesupport/auth"
	gen "servicesupport/ent"
	"servicesupport/ent/seller"
)

// ByID is the path rule of node and nodes, applied to an object n that the
// viewer's privacy policies let it read: "anonymous viewers and other
// sellers read a seller only through a released product, and a group only
// as some released product's afterSalesGroup", never by ID. The row
// policies cannot say this (a released product's seller and group are
// readable rows), so node and nodes pass every object they load through
// here: a seller or group reads as nil (not found) for anyone but its
// seller and staff; every other object is returned as it is.
func ByID(ctx context.Context, n gen.Noder) (gen.Noder, error) {
	v := auth.FromContext(ctx)
	if v.IsStaff() {
		return n, nil
	}
	switch n := n.(type) {
	case *gen.Seller:
		return onlyIf(n != nil && v.Owns(n.ID), n), nil
	case *gen.CustomerServiceGroup:
		if n == nil || !v.IsSeller() {
			return nil, nil
		}
		if n.SellerID != 0 {
			return onlyIf(v.Owns(n.SellerID), n), nil
		}
		// node selects only the columns the query asks for, so seller_id
		// may not be loaded: ask the database.
		mine, err := n.QuerySeller().Where(seller.ID(v.SellerID)).Exist(ctx)
		if err != nil {
			return nil, err
		}
		return onlyIf(mine, n), nil
	}
	return n, nil
}

// onlyIf is n when ok, and nil (not found) otherwise.
func onlyIf(ok bool, n gen.Noder) gen.Noder {
	if !ok {
		return nil
	}
	return n
}
