// Package auth turns a request's bearer token into the Viewer that every
// privacy rule and resolver consults.
//
// Identity comes from "Authorization: Bearer <JWT>". A request without the
// header is anonymous; a header that is present but malformed, badly signed or
// expired is refused with HTTP 401 (never silently downgraded to anonymous).
package auth

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"time"
)

// Role is what a viewer may see and do; it is the GraphQL enum ViewerRole.
type Role string

// The roles of the GraphQL enum ViewerRole.
const (
	RoleAnonymous Role = "ANONYMOUS"
	RoleSeller    Role = "SELLER"
	RoleReviewer  Role = "REVIEWER"
	RoleAdmin     Role = "ADMIN"
)

// valid reports whether r is one of the ViewerRole enum values.
func (r Role) valid() bool {
	switch r {
	case RoleAnonymous, RoleSeller, RoleReviewer, RoleAdmin:
		return true
	}
	return false
}

// MarshalGQL writes the role as a GraphQL enum value (a quoted string).
func (r Role) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(r))) }

// UnmarshalGQL reads the role from a GraphQL enum value.
func (r *Role) UnmarshalGQL(v any) error {
	s, ok := v.(string)
	if !ok || !Role(s).valid() {
		return fmt.Errorf("%v is not a valid ViewerRole", v)
	}
	*r = Role(s)
	return nil
}

// Viewer is who is asking.
type Viewer struct {
	Role      Role
	Subject   string // token "sub"; "" for anonymous
	AccountID string // token "account_id" (sellers)
	SellerID  int    // the Seller row of AccountID; 0 when the account has no Seller yet
	// ExpiresAt is when the token expires (zero for anonymous): a
	// long-lived connection authenticated once ends then.
	ExpiresAt time.Time
}

// anonymous returns a fresh anonymous Viewer.
func anonymous() *Viewer { return &Viewer{Role: RoleAnonymous} }

// IsStaff reports whether the viewer is a reviewer or an admin.
func (v *Viewer) IsStaff() bool {
	return v != nil && (v.Role == RoleReviewer || v.Role == RoleAdmin)
}

// IsAdmin reports whether the viewer is an admin.
func (v *Viewer) IsAdmin() bool { return v != nil && v.Role == RoleAdmin }

// IsSeller reports whether the viewer is a seller whose account has a Seller row.
func (v *Viewer) IsSeller() bool { return v != nil && v.Role == RoleSeller && v.SellerID != 0 }

// Owns reports whether the viewer is the seller with the (non-zero) id sellerID.
func (v *Viewer) Owns(sellerID int) bool {
	return sellerID != 0 && v.IsSeller() && v.SellerID == sellerID
}

// viewerKey is the context key under which NewContext stores the Viewer.
type viewerKey struct{}

// NewContext returns a copy of ctx that carries v (a nil v reads back as anonymous).
func NewContext(ctx context.Context, v *Viewer) context.Context {
	return context.WithValue(ctx, viewerKey{}, v)
}

// FromContext returns the Viewer in ctx: an anonymous Viewer when none is set; never nil.
func FromContext(ctx context.Context) *Viewer {
	if ctx == nil {
		return anonymous()
	}
	if v, ok := ctx.Value(viewerKey{}).(*Viewer); ok && v != nil {
		return v
	}
	return anonymous()
}
