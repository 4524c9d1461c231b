package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const (
	body401Header  = `{"errors":[{"message":"authorization header must use the Bearer scheme","extensions":{"code":"UNAUTHENTICATED"}}]}`
	body401Invalid = `{"errors":[{"message":"invalid or expired token","extensions":{"code":"UNAUTHENTICATED"}}]}`
	body500        = `{"errors":[{"message":"internal error","extensions":{"code":"INTERNAL"}}]}`
)

// realNow claims: Middleware checks tokens against the wall clock.
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

func TestMiddleware(t *testing.T) {
	sellerTok := hs256(t, liveClaims("seller"))
	type want struct {
		status int
		viewer *Viewer // when status is 200
		body   string  // when status is not 200
		calls  []string
	}
	ok := func(v Viewer, calls ...string) want { return want{status: 200, viewer: &v, calls: calls} }
	badHeader := want{status: 401, body: body401Header}
	invalid := want{status: 401, body: body401Invalid}

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
		{name: "resolver error", token: func(*testing.T) string { return sellerTok }, resolver: errors.New("db is down"),
			want: want{status: 500, body: body500, calls: []string{"acct-1"}}},

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
			var got *Viewer
			next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got = FromContext(r.Context())
				w.WriteHeader(http.StatusOK)
			})
			req := httptest.NewRequest(http.MethodPost, "/query", nil)
			req = req.WithContext(context.WithValue(req.Context(), ctxProbe{}, "probe"))
			if header != nil {
				req.Header["Authorization"] = header
			}
			rec := httptest.NewRecorder()
			Middleware(testSecret, res.resolve, next).ServeHTTP(rec, req)

			if rec.Code != tc.want.status {
				t.Fatalf("status = %d, want %d (body %s)", rec.Code, tc.want.status, rec.Body)
			}
			if strings.Join(res.calls, ",") != strings.Join(tc.want.calls, ",") {
				t.Errorf("resolver calls = %q, want %q", res.calls, tc.want.calls)
			}
			if tc.want.status == http.StatusOK {
				if got == nil {
					t.Fatal("next was not called")
				}
				if got.ExpiresAt.IsZero() != (got.Role == RoleAnonymous) {
					t.Errorf("viewer %+v: only anonymous viewers have no expiry", got)
				}
				if withoutExpiry(*got) != *tc.want.viewer {
					t.Errorf("viewer = %+v, want %+v", got, tc.want.viewer)
				}
				return
			}
			if got != nil {
				t.Fatalf("next was called with %+v", got)
			}
			checkErrorResponse(t, rec, tc.want.body, header)
		})
	}
}

// checkErrorResponse checks an error answer's headers and its exact body,
// and that nothing in it echoes the Authorization header.
func checkErrorResponse(t *testing.T, rec *httptest.ResponseRecorder, wantBody string, header []string) {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	wantChallenge := ""
	if rec.Code == http.StatusUnauthorized {
		wantChallenge = "Bearer"
	}
	if got := rec.Header().Get("WWW-Authenticate"); got != wantChallenge {
		t.Errorf("WWW-Authenticate = %q, want %q", got, wantChallenge)
	}
	body := rec.Body.String()
	if body != wantBody {
		t.Errorf("body = %s\nwant   %s", body, wantBody)
	}

	// The shape, strictly: one error with a message and extensions.code only.
	var shape struct {
		Errors []struct {
			Message    string `json:"message"`
			Extensions struct {
				Code string `json:"code"`
			} `json:"extensions"`
		} `json:"errors"`
	}
	dec := json.NewDecoder(strings.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&shape); err != nil {
		t.Fatalf("body %s does not have the errors shape: %v", body, err)
	}
	if len(shape.Errors) != 1 || shape.Errors[0].Message == "" || shape.Errors[0].Extensions.Code == "" {
		t.Errorf("body %s: want exactly one error with a message and a code", body)
	}

	for _, h := range header {
		_, tok, _ := strings.Cut(h, " ")
		for _, secretish := range []string{strings.TrimSpace(tok), h} {
			if len(secretish) < 8 { // too short to be told from the fixed message
				continue
			}
			if strings.Contains(body, secretish) {
				t.Errorf("body echoes the Authorization header")
			}
			for k, vs := range rec.Header() {
				for _, v := range vs {
					if strings.Contains(v, secretish) {
						t.Errorf("response header %s echoes the Authorization header", k)
					}
				}
			}
		}
	}
}

func TestMiddlewareNilResolver(t *testing.T) {
	var got *Viewer
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = FromContext(r.Context()) })
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("Authorization", "Bearer "+hs256(t, liveClaims("seller")))
	rec := httptest.NewRecorder()
	Middleware(testSecret, nil, next).ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || got == nil {
		t.Fatalf("status %d, viewer %v", rec.Code, got)
	}
	if want := (Viewer{Role: RoleSeller, Subject: "user-1", AccountID: "acct-1"}); withoutExpiry(*got) != want || got.IsSeller() {
		t.Errorf("viewer = %+v, want %+v (not IsSeller)", got, want)
	}
}

func TestMiddlewareDoesNotLogToken(t *testing.T) {
	var logs bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() { slog.SetDefault(old) })

	next := http.HandlerFunc(func(http.ResponseWriter, *http.Request) { t.Error("next called") })
	failing := func(context.Context, string) (int, error) { return 0, errors.New("db is down") }
	for _, tc := range []struct {
		name   string
		token  string
		status int
		logs   string // what the log must mention
	}{
		{"resolver error", hs256(t, liveClaims("seller")), http.StatusInternalServerError, "db is down"},
		{"refused token", sign(t, jwt.SigningMethodHS256, otherSecret, liveClaims("seller")), http.StatusUnauthorized, "token refused"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			logs.Reset()
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.Header.Set("Authorization", "Bearer "+tc.token)
			rec := httptest.NewRecorder()
			Middleware(testSecret, failing, next).ServeHTTP(rec, req)
			if rec.Code != tc.status {
				t.Fatalf("status = %d, want %d", rec.Code, tc.status)
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
