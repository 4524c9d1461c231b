package policy

import (
	"context"
	"errors"
	"fmt"

	"servicesupport/auth"
)

// ErrForbidden is wrapped by every refusal of an operation or root field
// that the viewer's role may not run at all (an ID it cannot see is a
// NOT_FOUND user error instead). Its message reads "forbidden: <reason>".
var ErrForbidden = errors.New("forbidden")

// Forbidden wraps ErrForbidden with the reason: the refusals below, and
// those of the service for a reason that is not the viewer's role (its
// seller no longer exists), are classified alike.
func Forbidden(reason string) error { return fmt.Errorf("%w: %s", ErrForbidden, reason) }

// ActingSeller returns the viewer when it acts for a registered seller:
// only such a viewer submits contacts and releases, edits groups and
// products, withdraws its reviews and reverts its contacts. Staff do not
// edit seller data, and a seller token whose account has no Seller yet
// does nothing a seller does.
func ActingSeller(ctx context.Context) (*auth.Viewer, error) {
	v := auth.FromContext(ctx)
	if !v.IsSeller() {
		return nil, Forbidden("only a registered seller may do this")
	}
	return v, nil
}

// Deciding returns the viewer when it may decide reviews: reviewers and
// admins.
func Deciding(ctx context.Context) (*auth.Viewer, error) {
	v := auth.FromContext(ctx)
	if !v.IsStaff() {
		return nil, Forbidden("only reviewers and admins may do this")
	}
	return v, nil
}

// MayCreateSeller refuses anyone but admins: only they register sellers.
func MayCreateSeller(ctx context.Context) error {
	if !auth.FromContext(ctx).IsAdmin() {
		return Forbidden("only admins register sellers")
	}
	return nil
}

// ManagingWebhooks returns the viewer when it may register and delete
// webhook endpoints: a registered seller (for its own events) or an admin
// (for every event). Reviewers read endpoints; they do not create them.
func ManagingWebhooks(ctx context.Context) (*auth.Viewer, error) {
	v := auth.FromContext(ctx)
	if !v.IsSeller() && !v.IsAdmin() {
		return nil, Forbidden("only sellers and admins manage webhook endpoints")
	}
	return v, nil
}

// OwnSeller is the seller v acts for, if any: its viewer.seller, and the
// seller a webhook endpoint it registers is for.
func OwnSeller(v *auth.Viewer) (sellerID int, ok bool) {
	if !v.IsSeller() {
		return 0, false
	}
	return v.SellerID, true
}

// ReadsPrivate reports whether v reads the private data of the seller
// sellerID (0: of no seller): the seller itself and staff do.
func ReadsPrivate(v *auth.Viewer, sellerID int) bool {
	return v.IsStaff() || v.Owns(sellerID)
}
