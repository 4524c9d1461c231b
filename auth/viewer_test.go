package auth

import (
	"bytes"
	"context"
	"testing"
)

func TestRoleMarshalGQL(t *testing.T) {
	for _, tc := range []struct {
		role Role
		want string
	}{
		{RoleAnonymous, `"ANONYMOUS"`},
		{RoleSeller, `"SELLER"`},
		{RoleReviewer, `"REVIEWER"`},
		{RoleAdmin, `"ADMIN"`},
	} {
		var b bytes.Buffer
		tc.role.MarshalGQL(&b)
		if b.String() != tc.want {
			t.Errorf("%s.MarshalGQL = %s, want %s", tc.role, b.String(), tc.want)
		}
	}
}

func TestRoleUnmarshalGQL(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      any
		want    Role
		wantErr bool
	}{
		{"anonymous", "ANONYMOUS", RoleAnonymous, false},
		{"seller", "SELLER", RoleSeller, false},
		{"reviewer", "REVIEWER", RoleReviewer, false},
		{"admin", "ADMIN", RoleAdmin, false},
		{"lower case", "seller", "", true},
		{"unknown", "ROOT", "", true},
		{"empty", "", "", true},
		{"number", 3, "", true},
		{"nil", nil, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r Role
			err := r.UnmarshalGQL(tc.in)
			if (err != nil) != tc.wantErr {
				t.Fatalf("UnmarshalGQL(%v) error = %v, wantErr %v", tc.in, err, tc.wantErr)
			}
			if r != tc.want {
				t.Errorf("UnmarshalGQL(%v) = %q, want %q", tc.in, r, tc.want)
			}
		})
	}
}

func TestViewerPredicates(t *testing.T) {
	for _, tc := range []struct {
		name                      string
		v                         *Viewer
		staff, admin, sellerWants bool
	}{
		{"nil", nil, false, false, false},
		{"anonymous", &Viewer{Role: RoleAnonymous}, false, false, false},
		{"zero value", &Viewer{}, false, false, false},
		{"seller with row", &Viewer{Role: RoleSeller, Subject: "u", AccountID: "a", SellerID: 7}, false, false, true},
		{"seller without row", &Viewer{Role: RoleSeller, Subject: "u", AccountID: "a"}, false, false, false},
		{"reviewer", &Viewer{Role: RoleReviewer, Subject: "r"}, true, false, false},
		{"admin", &Viewer{Role: RoleAdmin, Subject: "a"}, true, true, false},
		{"reviewer with stray SellerID", &Viewer{Role: RoleReviewer, SellerID: 7}, true, false, false},
		{"anonymous with stray SellerID", &Viewer{Role: RoleAnonymous, SellerID: 7}, false, false, false},
		{"unknown role", &Viewer{Role: "ROOT", SellerID: 7}, false, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.v.IsStaff(); got != tc.staff {
				t.Errorf("IsStaff = %v, want %v", got, tc.staff)
			}
			if got := tc.v.IsAdmin(); got != tc.admin {
				t.Errorf("IsAdmin = %v, want %v", got, tc.admin)
			}
			if got := tc.v.IsSeller(); got != tc.sellerWants {
				t.Errorf("IsSeller = %v, want %v", got, tc.sellerWants)
			}
		})
	}
}

func TestViewerOwns(t *testing.T) {
	for _, tc := range []struct {
		name     string
		v        *Viewer
		sellerID int
		want     bool
	}{
		{"own seller", &Viewer{Role: RoleSeller, SellerID: 7}, 7, true},
		{"other seller", &Viewer{Role: RoleSeller, SellerID: 7}, 8, false},
		{"zero id asked", &Viewer{Role: RoleSeller, SellerID: 7}, 0, false},
		{"seller without row, zero id", &Viewer{Role: RoleSeller}, 0, false},
		{"seller without row", &Viewer{Role: RoleSeller}, 7, false},
		{"anonymous", &Viewer{Role: RoleAnonymous}, 7, false},
		{"anonymous, zero id", &Viewer{Role: RoleAnonymous}, 0, false},
		{"reviewer with stray SellerID", &Viewer{Role: RoleReviewer, SellerID: 7}, 7, false},
		{"admin with stray SellerID", &Viewer{Role: RoleAdmin, SellerID: 7}, 7, false},
		{"admin", &Viewer{Role: RoleAdmin}, 7, false},
		{"nil viewer", nil, 7, false},
		{"negative id", &Viewer{Role: RoleSeller, SellerID: -1}, -1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.v.Owns(tc.sellerID); got != tc.want {
				t.Errorf("Owns(%d) = %v, want %v", tc.sellerID, got, tc.want)
			}
		})
	}
}

func TestContext(t *testing.T) {
	seller := &Viewer{Role: RoleSeller, Subject: "u", AccountID: "a", SellerID: 3}
	var nilCtx context.Context
	for _, tc := range []struct {
		name string
		ctx  context.Context
		want *Viewer // nil: an anonymous viewer
	}{
		{"none set", context.Background(), nil},
		{"nil context", nilCtx, nil},
		{"nil viewer set", NewContext(context.Background(), nil), nil},
		{"viewer set", NewContext(context.Background(), seller), seller},
		{"innermost wins", NewContext(NewContext(context.Background(), &Viewer{Role: RoleAdmin}), seller), seller},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := FromContext(tc.ctx)
			if got == nil {
				t.Fatal("FromContext returned nil")
			}
			if tc.want != nil {
				if got != tc.want {
					t.Errorf("FromContext = %+v, want %+v", got, tc.want)
				}
				return
			}
			if *got != (Viewer{Role: RoleAnonymous}) {
				t.Errorf("FromContext = %+v, want anonymous", got)
			}
		})
	}
}

func TestFromContextAnonymousIsFresh(t *testing.T) {
	a := FromContext(context.Background())
	a.Role, a.SellerID = RoleAdmin, 9 // a careless caller
	if b := FromContext(context.Background()); *b != (Viewer{Role: RoleAnonymous}) {
		t.Fatalf("anonymous viewer was shared: %+v", b)
	}
}
