package auth

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Claims of a token. Role values in tokens are lower-case: "seller" | "reviewer" | "admin".
type Claims struct {
	Subject, Role, AccountID string
	ExpiresAt                time.Time
}

// Token role values and the Viewer role each one grants.
const (
	tokenRoleSeller   = "seller"
	tokenRoleReviewer = "reviewer"
	tokenRoleAdmin    = "admin"
)

var tokenRoles = map[string]Role{
	tokenRoleSeller:   RoleSeller,
	tokenRoleReviewer: RoleReviewer,
	tokenRoleAdmin:    RoleAdmin,
}

// leeway is the clock skew tolerated when checking exp (and nbf, if present).
const leeway = 10 * time.Second

// signingMethod is the only algorithm tokens may use.
var signingMethod = jwt.SigningMethodHS256

// errInvalidToken is wrapped by every error Parse returns for a token it refuses.
var errInvalidToken = errors.New("invalid token")

// wireClaims is the JSON shape of a token's payload.
type wireClaims struct {
	Role      string `json:"role"`
	AccountID string `json:"account_id,omitempty"`
	jwt.RegisteredClaims
}

// check applies the rules that the registered-claims validator does not know.
func (c *Claims) check() error {
	if strings.TrimSpace(c.Subject) == "" {
		return errors.New("sub is required")
	}
	if _, ok := tokenRoles[c.Role]; !ok {
		return fmt.Errorf("role must be one of %s, %s, %s", tokenRoleSeller, tokenRoleReviewer, tokenRoleAdmin)
	}
	if c.Role == tokenRoleSeller && strings.TrimSpace(c.AccountID) == "" {
		return errors.New("account_id is required for sellers")
	}
	return nil
}

// viewer turns checked claims into a Viewer (SellerID left 0). The account id
// is kept only for sellers, so it can never be mistaken for ownership by staff.
func (c *Claims) viewer() *Viewer {
	v := &Viewer{Role: tokenRoles[c.Role], Subject: c.Subject, ExpiresAt: c.ExpiresAt}
	if v.Role == RoleSeller {
		v.AccountID = c.AccountID
	}
	return v
}

// Parse verifies an HS256 token signed with secret and returns its Viewer, with SellerID 0.
//
// exp is required and must be in the future (10s leeway); sub is required;
// role must be seller, reviewer or admin; account_id is required for sellers.
// now supplies the current time (nil means time.Now).
func Parse(secret []byte, token string, now func() time.Time) (*Viewer, error) {
	c, err := parseClaims(secret, token, now)
	if err != nil {
		return nil, err
	}
	return c.viewer(), nil
}

// parseClaims verifies token and returns its checked claims.
func parseClaims(secret []byte, token string, now func() time.Time) (*Claims, error) {
	if len(secret) == 0 {
		return nil, errors.New("auth: empty signing secret")
	}
	if now == nil {
		now = time.Now
	}
	p := jwt.NewParser(
		jwt.WithValidMethods([]string{signingMethod.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithLeeway(leeway),
		jwt.WithTimeFunc(now),
	)
	var wc wireClaims
	_, err := p.ParseWithClaims(token, &wc, func(t *jwt.Token) (any, error) {
		// WithValidMethods already restricts alg; this keeps the key from
		// ever being handed to another method, whatever the options say.
		if t.Method != signingMethod {
			return nil, fmt.Errorf("unexpected signing method %v", t.Header["alg"])
		}
		return secret, nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errInvalidToken, err)
	}
	c := &Claims{Subject: wc.Subject, Role: wc.Role, AccountID: wc.AccountID}
	if wc.ExpiresAt != nil {
		c.ExpiresAt = wc.ExpiresAt.Time
	}
	if err := c.check(); err != nil {
		return nil, fmt.Errorf("%w: %w", errInvalidToken, err)
	}
	return c, nil
}

// Mint signs an HS256 token for subject with the given role, account id and lifetime.
func Mint(secret []byte, subject string, role string, accountID string, ttl time.Duration, now time.Time) (string, error) {
	if len(secret) == 0 {
		return "", errors.New("auth: empty signing secret")
	}
	if ttl <= 0 {
		return "", errors.New("auth: token lifetime must be positive")
	}
	c := Claims{Subject: subject, Role: role, AccountID: accountID}
	if err := c.check(); err != nil {
		return "", fmt.Errorf("auth: %w", err)
	}
	wc := wireClaims{
		Role:      role,
		AccountID: accountID,
		RegisteredClaims: jwt.RegisteredClaims{
			Subject:   subject,
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
		},
	}
	s, err := jwt.NewWithClaims(signingMethod, wc).SignedString(secret)
	if err != nil {
		return "", fmt.Errorf("auth: signing token: %w", err)
	}
	return s, nil
}
