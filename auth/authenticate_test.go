package auth

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// liveClaims: Authenticate checks tokens against the wall clock.
func liveClaims(role string) jwt.MapClaims { return claimsAt(time.Now(), role) }

func hs256(t *testing.T, c jwt.MapClaims) string {
	return sign(t, jwt.SigningMethodHS256, testSecret, c)
}

// fakeResolver maps account ids to Seller ids and records its calls.
type fakeResolver struct {
	ids   map[string]int
	err   error
	calls []string
}

func (f *fakeResolver) resolve(ctx context.Context, accountID string) (int, error) {
	if ctx == nil || ctx.Value(ctxProbe{}) != "probe" {
		return 0, errors.New("resolver did not get the request context")
	}
	f.calls = append(f.calls, accountID)
	if f.err != nil {
		return 0, f.err
	}
	return f.ids[accountID], nil
}

type ctxProbe struct{}

// TestAuthenticate runs the token check and then the seller lookup, as the
// transport does: only a seller is looked up, and only by ResolveSeller.
func TestAuthenticate(t *testing.T) {
	sellerTok := hs256(t, liveClaims("seller"))
	type want struct {
		viewer *Viewer // when err is nil
		err    error
		calls  []string
	}
	ok := func(v Viewer, calls ...string) want { return want{viewer: &v, calls: calls} }
	badHeader := want{err: ErrBadHeader}
	invalid := want{err: ErrInvalidToken}
	dbDown := errors.New("db is down")

	for _, tc := range []struct {
		name     string
		header   []string // nil: no Authorization header
		token    func(t *testing.T) string
		ids      map[string]int
		resolver error
		want     want
	}{
		{name: "no header", want: ok(Viewer{Role: RoleAnonymous})},
		{name: "seller", token: func(*testing.T) string { return sellerTok }, ids: map[string]int{"acct-1": 42},
			want: ok(Viewer{Role: RoleSeller, Subject: "user-1", AccountID: "acct-1", SellerID: 42}, "acct-1")},
		{name: "seller without Seller row", token: func(*testing.T) string { return sellerTok },
			want: ok(Viewer{Role: RoleSeller, Subject: "user-1", AccountID: "acct-1"}, "acct-1")},
		{name: "reviewer", token: func(t *testing.T) string { return hs256(t, liveClaims("reviewer")) },
			ids: map[string]int{"acct-1": 42}, want: ok(Viewer{Role: RoleReviewer, Subject: "user-1"})},
		{name: "admin", token: func(t *testing.T) string { return hs256(t, liveClaims("admin")) },
			want: ok(Viewer{Role: RoleAdmin, Subject: "user-1"})},
		{name: "admin with account_id is not resolved", token: func(t *testing.T) string {
			return hs256(t, with(liveClaims("admin"), "account_id", "acct-1"))
		}, ids: map[string]int{"acct-1": 42}, want: ok(Viewer{Role: RoleAdmin, Subject: "user-1"})},
		{name: "lower-case scheme", header: []string{"bearer " + sellerTok}, ids: map[string]int{"acct-1": 42},
			want: ok(Viewer{Role: RoleSeller, Subject: "user-1", AccountID: "acct-1", SellerID: 42}, "acct-1")},
		{name: "resolver error", token: func(*testing.T) string { return sellerTok }, resolver: dbDown,
			want: want{err: dbDown, calls: []string{"acct-1"}}},

		{name: "expired", token: func(t *testing.T) string {
			return hs256(t, with(liveClaims("admin"), "exp", time.Now().Add(-time.Hour).Unix()))
		}, want: invalid},
		{name: "exp missing", token: func(t *testing.T) string { return hs256(t, with(liveClaims("admin"), "exp", nil)) }, want: invalid},
		{name: "sub missing", token: func(t *testing.T) string { return hs256(t, with(liveClaims("admin"), "sub", nil)) }, want: invalid},
		{name: "bad signature", token: func(t *testing.T) string {
			return sign(t, jwt.SigningMethodHS256, otherSecret, liveClaims("admin"))
		}, want: invalid},
		{name: "alg none", token: func(t *testing.T) string {
			return sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, liveClaims("admin"))
		}, want: invalid},
		{name: "HS512 with same secret", token: func(t *testing.T) string {
			return sign(t, jwt.SigningMethodHS512, testSecret, liveClaims("admin"))
		}, want: invalid},
		{name: "garbage", header: []string{"Bearer garbage"}, want: invalid},
		{name: "seller without account_id", token: func(t *testing.T) string {
			return hs256(t, with(liveClaims("seller"), "account_id", nil))
		}, ids: map[string]int{"": 7}, want: invalid},
		{name: "unknown role", token: func(t *testing.T) string { return hs256(t, with(liveClaims("admin"), "role", "root")) }, want: invalid},

		{name: "Basic scheme", header: []string{"Basic xxx"}, want: badHeader},
		{name: "Bearer with empty token", header: []string{"Bearer"}, want: badHeader},
		{name: "Bearer and a space", header: []string{"Bearer "}, want: badHeader},
		{name: "Bearer and spaces", header: []string{"Bearer    "}, want: badHeader},
		{name: "empty header", header: []string{""}, want: badHeader},
		{name: "token without scheme", header: []string{sellerTok}, want: badHeader},
		{name: "token with inner space", header: []string{"Bearer " + sellerTok + " extra"}, want: badHeader},
		{name: "BearerX scheme", header: []string{"BearerX " + sellerTok}, want: badHeader},
		{name: "two headers", header: []string{"Bearer " + sellerTok, "Bearer " + sellerTok}, want: badHeader},
		{name: "oversized token", header: []string{"Bearer " + strings.Repeat("a", maxTokenLen+1)}, want: badHeader},
	} {
		t.Run(tc.name, func(t *testing.T) {
			header := tc.header
			if tc.token != nil {
				header = []string{"Bearer " + tc.token(t)}
			}
			res := &fakeResolver{ids: tc.ids, err: tc.resolver}
			h := http.Header{}
			if header != nil {
				h["Authorization"] = header
			}
			ctx := context.WithValue(context.Background(), ctxProbe{}, "probe")
			got, err := Authenticate(ctx, testSecret, h)
			if len(res.calls) > 0 {
				t.Fatalf("Authenticate looked up a seller")
			}
			if err == nil {
				err = ResolveSeller(ctx, got, res.resolve)
			}
			if !errors.Is(err, tc.want.err) || (err == nil) != (tc.want.err == nil) {
				t.Fatalf("err = %v, want %v", err, tc.want.err)
			}
			if strings.Join(res.calls, ",") != strings.Join(tc.want.calls, ",") {
				t.Errorf("resolver calls = %q, want %q", res.calls, tc.want.calls)
			}
			if tc.want.err != nil {
				return
			}
			if got.ExpiresAt.IsZero() != (got.Role == RoleAnonymous) {
				t.Errorf("viewer %+v: only anonymous viewers have no expiry", got)
			}
			if withoutExpiry(*got) != *tc.want.viewer {
				t.Errorf("viewer = %+v, want %+v", got, tc.want.viewer)
			}
		})
	}
}

func TestResolveSellerNilResolver(t *testing.T) {
	h := http.Header{"Authorization": {"Bearer " + hs256(t, liveClaims("seller"))}}
	got, err := Authenticate(context.Background(), testSecret, h)
	if err == nil {
		err = ResolveSeller(context.Background(), got, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	if want := (Viewer{Role: RoleSeller, Subject: "user-1", AccountID: "acct-1"}); withoutExpiry(*got) != want || got.IsSeller() {
		t.Errorf("viewer = %+v, want %+v (not IsSeller)", got, want)
	}
}

func TestAuthenticateDoesNotLogToken(t *testing.T) {
	var logs bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() { slog.SetDefault(old) })

	failing := func(context.Context, string) (int, error) { return 0, errors.New("db is down") }
	for _, tc := range []struct {
		name  string
		token string
		logs  string // what the log must mention
	}{
		{"resolver error", hs256(t, liveClaims("seller")), "db is down"},
		{"refused token", sign(t, jwt.SigningMethodHS256, otherSecret, liveClaims("seller")), "token refused"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			logs.Reset()
			h := http.Header{"Authorization": {"Bearer " + tc.token}}
			v, err := Authenticate(context.Background(), testSecret, h)
			if err == nil {
				err = ResolveSeller(context.Background(), v, failing)
			}
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(logs.String(), tc.logs) {
				t.Errorf("log %q does not mention %q", logs.String(), tc.logs)
			}
			sig := tc.token[strings.LastIndex(tc.token, ".")+1:]
			if strings.Contains(logs.String(), tc.token) || strings.Contains(logs.String(), sig) {
				t.Errorf("log echoes the token: %s", logs.String())
			}
		})
	}
}

// withoutExpiry is v with its expiry cleared, for comparing the rest.
func withoutExpiry(v Viewer) Viewer {
	v.ExpiresAt = time.Time{}
	return v
}
