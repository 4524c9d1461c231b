package policy_test

import (
	"context"
	"errors"
	"testing"

	"servicesupport/auth"
	"servicesupport/ent"
	"servicesupport/policy"
)

// viewers are the personas of the design (acme's seller is 7, globex's 8)
// and a seller token whose account has no Seller.
var viewers = map[string]*auth.Viewer{
	"anonymous":             {Role: auth.RoleAnonymous},
	"owner":                 {Role: auth.RoleSeller, Subject: "alice", AccountID: "acme", SellerID: 7},
	"other seller":          {Role: auth.RoleSeller, Subject: "bob", AccountID: "globex", SellerID: 8},
	"reviewer":              {Role: auth.RoleReviewer, Subject: "rita"},
	"admin":                 {Role: auth.RoleAdmin, Subject: "adam"},
	"seller without seller": {Role: auth.RoleSeller, Subject: "nora", AccountID: "nowhere"},
}

// TestReadersMayRead checks who reads a field of each reader on acme's
// seller, and that an object owned by no one is private to staff.
func TestReadersMayRead(t *testing.T) {
	acme := &ent.Seller{ID: 7}
	all := map[string]bool{"anonymous": true, "owner": true, "other seller": true, "reviewer": true, "admin": true, "seller without seller": true}
	cases := []struct {
		reader policy.Reader
		obj    any
		want   map[string]bool
	}{
		{policy.Anyone, acme, all},
		{policy.ByOperation, nil, all},
		{policy.OwnerOrStaff, acme, map[string]bool{"owner": true, "reviewer": true, "admin": true}},
		{policy.OwnerOrStaff, &ent.Product{SellerID: 8}, map[string]bool{"other seller": true, "reviewer": true, "admin": true}},
		{policy.OwnerOrStaff, nil, map[string]bool{"reviewer": true, "admin": true}},
		{policy.SignedIn, nil, map[string]bool{"owner": true, "other seller": true, "reviewer": true, "admin": true, "seller without seller": true}},
		{policy.Staff, nil, map[string]bool{"reviewer": true, "admin": true}},
		{policy.Unclassified, acme, map[string]bool{"reviewer": true, "admin": true}},
	}
	for _, c := range cases {
		for who, v := range viewers {
			if got := c.reader.MayRead(v, c.obj); got != c.want[who] {
				t.Errorf("%s reads a field of %q on %T: %v, want %v", who, c.reader, c.obj, got, c.want[who])
			}
		}
	}
	if err := policy.Staff.Refusal("Query", "sellers"); !errors.Is(err, policy.ErrForbidden) {
		t.Errorf("refusal %v does not wrap ErrForbidden", err)
	}
}

// TestOperations checks who runs each kind of operation.
func TestOperations(t *testing.T) {
	cases := map[string]struct {
		check func(ctx context.Context) error
		may   map[string]bool
	}{
		"act as a seller": {func(ctx context.Context) error { _, err := policy.ActingSeller(ctx); return err },
			map[string]bool{"owner": true, "other seller": true}},
		"decide reviews": {func(ctx context.Context) error { _, err := policy.Deciding(ctx); return err },
			map[string]bool{"reviewer": true, "admin": true}},
		"create sellers": {policy.MayCreateSeller, map[string]bool{"admin": true}},
		"manage webhooks": {func(ctx context.Context) error { _, err := policy.ManagingWebhooks(ctx); return err },
			map[string]bool{"owner": true, "other seller": true, "admin": true}},
	}
	for what, c := range cases {
		for who, v := range viewers {
			err := c.check(auth.NewContext(context.Background(), v))
			if c.may[who] && err != nil {
				t.Errorf("%s may %s: %v", who, what, err)
			}
			if !c.may[who] && !errors.Is(err, policy.ErrForbidden) {
				t.Errorf("%s may not %s: err = %v, want a forbidden error", who, what, err)
			}
		}
	}
}
