package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

var (
	testSecret  = []byte("test-secret-0123456789abcdef")
	otherSecret = []byte("other-secret-0123456789abcdef")
	testNow     = time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)
)

func fixedNow() time.Time { return testNow }

// claimsAt returns a payload valid at now for role (plus account_id for sellers).
func claimsAt(now time.Time, role string) jwt.MapClaims {
	c := jwt.MapClaims{"sub": "user-1", "role": role, "exp": now.Add(time.Hour).Unix()}
	if role == "seller" {
		c["account_id"] = "acct-1"
	}
	return c
}

// with returns a copy of c with the given keys set (a nil value deletes the key).
func with(c jwt.MapClaims, kv ...any) jwt.MapClaims {
	out := jwt.MapClaims{}
	for k, v := range c {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
		} else {
			out[kv[i].(string)] = kv[i+1]
		}
	}
	return out
}

// sign signs claims with the library's implementation of method.
func sign(t *testing.T, method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(method, claims).SignedString(key)
	if err != nil {
		t.Fatalf("signing test token: %v", err)
	}
	return s
}

// handcraft builds a token from a raw header and payload, signing the
// header.payload string with HMAC-SHA256 under key (no signature when key is nil).
func handcraft(t *testing.T, header map[string]any, payload any, key []byte) string {
	t.Helper()
	enc := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	signing := enc(header) + "." + enc(payload)
	if key == nil {
		return signing + "."
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(signing))
	return signing + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

var (
	rsaTestKey *rsa.PrivateKey
)

func rsaKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	if rsaTestKey == nil {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		rsaTestKey = k
	}
	return rsaTestKey
}

func TestParse(t *testing.T) {
	now := testNow
	seller := claimsAt(now, "seller")
	reviewer := claimsAt(now, "reviewer")
	admin := claimsAt(now, "admin")
	hs := func(c jwt.MapClaims) func(*testing.T) string {
		return func(t *testing.T) string { return sign(t, jwt.SigningMethodHS256, testSecret, c) }
	}
	raw := func(s string) func(*testing.T) string { return func(*testing.T) string { return s } }

	for _, tc := range []struct {
		name   string
		token  func(*testing.T) string
		secret []byte // testSecret when nil
		want   *Viewer
	}{
		{"seller", hs(seller), nil, &Viewer{Role: RoleSeller, Subject: "user-1", AccountID: "acct-1"}},
		{"reviewer", hs(reviewer), nil, &Viewer{Role: RoleReviewer, Subject: "user-1"}},
		{"admin", hs(admin), nil, &Viewer{Role: RoleAdmin, Subject: "user-1"}},
		{"reviewer's account_id is dropped", hs(with(reviewer, "account_id", "acct-9")), nil, &Viewer{Role: RoleReviewer, Subject: "user-1"}},
		{"unknown extra claims are ignored", hs(with(admin, "iss", "someone", "x", 1)), nil, &Viewer{Role: RoleAdmin, Subject: "user-1"}},
		{"expired within leeway", hs(with(admin, "exp", now.Add(-5*time.Second).Unix())), nil, &Viewer{Role: RoleAdmin, Subject: "user-1"}},
		{"hand-made HS256", func(t *testing.T) string {
			return handcraft(t, map[string]any{"alg": "HS256", "typ": "JWT"}, seller, testSecret)
		}, nil, &Viewer{Role: RoleSeller, Subject: "user-1", AccountID: "acct-1"}},

		{"expired", hs(with(seller, "exp", now.Add(-time.Hour).Unix())), nil, nil},
		{"expired beyond leeway", hs(with(seller, "exp", now.Add(-leeway-2*time.Second).Unix())), nil, nil},
		{"exp missing", hs(with(seller, "exp", nil)), nil, nil},
		{"exp not a number", hs(with(seller, "exp", "tomorrow")), nil, nil},
		{"not yet valid (nbf)", hs(with(seller, "nbf", now.Add(time.Hour).Unix())), nil, nil},
		{"sub missing", hs(with(seller, "sub", nil)), nil, nil},
		{"sub empty", hs(with(seller, "sub", "")), nil, nil},
		{"sub blank", hs(with(seller, "sub", "   ")), nil, nil},
		{"sub not a string", hs(with(seller, "sub", 42)), nil, nil},
		{"role missing", hs(with(admin, "role", nil)), nil, nil},
		{"role unknown", hs(with(admin, "role", "superuser")), nil, nil},
		{"role upper case", hs(with(admin, "role", "ADMIN")), nil, nil},
		{"role anonymous", hs(with(admin, "role", "anonymous")), nil, nil},
		{"role not a string", hs(with(admin, "role", []string{"admin"})), nil, nil},
		{"seller without account_id", hs(with(seller, "account_id", nil)), nil, nil},
		{"seller with empty account_id", hs(with(seller, "account_id", "")), nil, nil},
		{"seller with blank account_id", hs(with(seller, "account_id", " ")), nil, nil},
		{"bad signature (other secret)", func(t *testing.T) string {
			return sign(t, jwt.SigningMethodHS256, otherSecret, admin)
		}, nil, nil},
		{"tampered payload", func(t *testing.T) string {
			tok := sign(t, jwt.SigningMethodHS256, testSecret, reviewer)
			forged := handcraft(t, map[string]any{"alg": "HS256", "typ": "JWT"}, admin, otherSecret)
			p := strings.Split(tok, ".")
			f := strings.Split(forged, ".")
			return p[0] + "." + f[1] + "." + p[2]
		}, nil, nil},
		{"signature stripped", func(t *testing.T) string {
			tok := sign(t, jwt.SigningMethodHS256, testSecret, admin)
			return tok[:strings.LastIndex(tok, ".")+1]
		}, nil, nil},
		{"alg none", func(t *testing.T) string {
			return sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, admin)
		}, nil, nil},
		{"alg none hand-made", func(t *testing.T) string {
			return handcraft(t, map[string]any{"alg": "none", "typ": "JWT"}, admin, nil)
		}, nil, nil},
		{"alg none with HMAC signature", func(t *testing.T) string {
			return handcraft(t, map[string]any{"alg": "none", "typ": "JWT"}, admin, testSecret)
		}, nil, nil},
		{"alg hs256 lower case", func(t *testing.T) string {
			return handcraft(t, map[string]any{"alg": "hs256", "typ": "JWT"}, admin, testSecret)
		}, nil, nil},
		{"alg missing", func(t *testing.T) string {
			return handcraft(t, map[string]any{"typ": "JWT"}, admin, testSecret)
		}, nil, nil},
		{"HS512 with same secret", func(t *testing.T) string {
			return sign(t, jwt.SigningMethodHS512, testSecret, admin)
		}, nil, nil},
		{"HS384 with same secret", func(t *testing.T) string {
			return sign(t, jwt.SigningMethodHS384, testSecret, admin)
		}, nil, nil},
		{"RS256", func(t *testing.T) string {
			return sign(t, jwt.SigningMethodRS256, rsaKey(t), admin)
		}, nil, nil},
		{"RS256 header, HMAC-signed with the secret", func(t *testing.T) string {
			return handcraft(t, map[string]any{"alg": "RS256", "typ": "JWT"}, admin, testSecret)
		}, nil, nil},
		{"payload not an object", func(t *testing.T) string {
			return handcraft(t, map[string]any{"alg": "HS256", "typ": "JWT"}, []string{"admin"}, testSecret)
		}, nil, nil},
		{"garbage", raw("garbage"), nil, nil},
		{"empty", raw(""), nil, nil},
		{"three empty parts", raw(".."), nil, nil},
		{"bad base64", raw("!!!.@@@.###"), nil, nil},
		{"empty secret", func(t *testing.T) string {
			return handcraft(t, map[string]any{"alg": "HS256", "typ": "JWT"}, admin, []byte{})
		}, []byte{}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			secret := tc.secret
			if secret == nil {
				secret = testSecret
			}
			tok := tc.token(t)
			got, err := Parse(secret, tok, fixedNow)
			if tc.want == nil {
				if err == nil {
					t.Fatalf("Parse accepted the token: %+v", got)
				}
				if got != nil {
					t.Errorf("Parse returned a viewer with its error: %+v", got)
				}
				t.Log(err)
				if tok != "" && strings.Contains(err.Error(), tok) {
					t.Errorf("error echoes the token: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got.ExpiresAt.IsZero() {
				t.Errorf("Parse = %+v: no expiry", got)
			}
			if withoutExpiry(*got) != *tc.want {
				t.Errorf("Parse = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestParseErrorsWrapInvalidToken(t *testing.T) {
	for _, tok := range []string{
		"garbage",
		sign(t, jwt.SigningMethodHS256, otherSecret, claimsAt(testNow, "admin")),
		sign(t, jwt.SigningMethodHS256, testSecret, with(claimsAt(testNow, "admin"), "role", "root")),
	} {
		if _, err := Parse(testSecret, tok, fixedNow); !errors.Is(err, errInvalidToken) {
			t.Errorf("Parse error %v does not wrap errInvalidToken", err)
		}
	}
}

func TestParseNilNowUsesClock(t *testing.T) {
	tok, err := Mint(testSecret, "u", "admin", "", time.Minute, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Parse(testSecret, tok, nil); err != nil {
		t.Fatalf("Parse with nil now: %v", err)
	}
	old, err := Mint(testSecret, "u", "admin", "", time.Minute, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Parse(testSecret, old, nil); err == nil {
		t.Fatal("Parse with nil now accepted an expired token")
	}
}

func TestMintRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name, sub, role, account string
		want                     Viewer
	}{
		{"seller", "u1", "seller", "acct-1", Viewer{Role: RoleSeller, Subject: "u1", AccountID: "acct-1"}},
		{"reviewer", "u2", "reviewer", "", Viewer{Role: RoleReviewer, Subject: "u2"}},
		{"admin", "u3", "admin", "", Viewer{Role: RoleAdmin, Subject: "u3"}},
		{"admin with account", "u4", "admin", "acct-4", Viewer{Role: RoleAdmin, Subject: "u4"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok, err := Mint(testSecret, tc.sub, tc.role, tc.account, time.Hour, testNow)
			if err != nil {
				t.Fatalf("Mint: %v", err)
			}
			got, err := Parse(testSecret, tok, fixedNow)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !got.ExpiresAt.Equal(testNow.Add(time.Hour).Truncate(time.Second)) {
				t.Errorf("round trip expiry = %v, want %v", got.ExpiresAt, testNow.Add(time.Hour))
			}
			if withoutExpiry(*got) != tc.want {
				t.Errorf("round trip = %+v, want %+v", got, tc.want)
			}

			c, err := parseClaims(testSecret, tok, fixedNow)
			if err != nil {
				t.Fatal(err)
			}
			want := Claims{Subject: tc.sub, Role: tc.role, AccountID: tc.account, ExpiresAt: testNow.Add(time.Hour)}
			if !c.ExpiresAt.Equal(want.ExpiresAt) || c.Subject != want.Subject || c.Role != want.Role || c.AccountID != want.AccountID {
				t.Errorf("claims = %+v, want %+v", c, want)
			}

			var hdr map[string]any
			b, err := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[0])
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &hdr); err != nil {
				t.Fatal(err)
			}
			if hdr["alg"] != "HS256" {
				t.Errorf("header alg = %v, want HS256", hdr["alg"])
			}
		})
	}
}

func TestMintedTokenExpires(t *testing.T) {
	tok, err := Mint(testSecret, "u", "admin", "", time.Minute, testNow)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		at   time.Time
		ok   bool
	}{
		{"at issue", testNow, true},
		{"just before exp", testNow.Add(time.Minute - time.Second), true},
		{"inside leeway", testNow.Add(time.Minute + leeway - time.Second), true},
		{"past leeway", testNow.Add(time.Minute + leeway + time.Second), false},
		{"a day later", testNow.Add(24 * time.Hour), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(testSecret, tok, func() time.Time { return tc.at })
			if (err == nil) != tc.ok {
				t.Errorf("Parse at %v: err = %v, want ok=%v", tc.at, err, tc.ok)
			}
		})
	}
	if leeway > 30*time.Second {
		t.Errorf("leeway %v is more than 30s", leeway)
	}
}

func TestMintRejects(t *testing.T) {
	for _, tc := range []struct {
		name, sub, role, account string
		secret                   []byte
		ttl                      time.Duration
	}{
		{"empty secret", "u", "admin", "", []byte{}, time.Hour},
		{"nil secret", "u", "admin", "", nil, time.Hour},
		{"zero ttl", "u", "admin", "", testSecret, 0},
		{"negative ttl", "u", "admin", "", testSecret, -time.Hour},
		{"empty subject", "", "admin", "", testSecret, time.Hour},
		{"blank subject", "  ", "admin", "", testSecret, time.Hour},
		{"unknown role", "u", "root", "", testSecret, time.Hour},
		{"upper-case role", "u", "ADMIN", "", testSecret, time.Hour},
		{"empty role", "u", "", "", testSecret, time.Hour},
		{"seller without account", "u", "seller", "", testSecret, time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tok, err := Mint(tc.secret, tc.sub, tc.role, tc.account, tc.ttl, testNow); err == nil {
				t.Fatalf("Mint succeeded: %s", tok)
			}
		})
	}
}
