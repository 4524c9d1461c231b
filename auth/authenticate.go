package auth

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
)

// SellerResolver finds the Seller row id for an account (0, nil when none exists).
type SellerResolver func(ctx context.Context, accountID string) (int, error)

// maxTokenLen bounds the bearer tokens Authenticate will try to parse.
const maxTokenLen = 8 << 10

// Safe messages for refused requests; none of them echoes what the client sent.
const (
	msgBadHeader    = "authorization header must use the Bearer scheme"
	msgInvalidToken = "invalid or expired token"
)

// ErrBadHeader is what Authenticate returns for an Authorization header
// that is not one "Bearer <token>".
var ErrBadHeader = errors.New(msgBadHeader)

// Authenticate reads "Authorization: Bearer <JWT>" and returns the
// request's Viewer. It runs no SQL: a seller's SellerID stays 0 until
// ResolveSeller, which the transport calls once the request has passed
// every check that may refuse it.
//
// No header means an anonymous viewer. A header that is not one
// "Bearer <token>" is ErrBadHeader; a token that Parse refuses is
// ErrInvalidToken: the caller answers HTTP 401 (code UNAUTHENTICATED).
func Authenticate(ctx context.Context, secret []byte, h http.Header) (*Viewer, error) {
	values, present := h["Authorization"]
	if !present {
		return anonymous(), nil
	}
	token, ok := bearerToken(values)
	if !ok {
		return nil, ErrBadHeader
	}
	return viewerOf(ctx, secret, nil, token)
}

// ResolveSeller fills in a seller viewer's SellerID (a nil resolve leaves
// it 0): the one lookup a token costs, made only for a request that is
// about to run.
func ResolveSeller(ctx context.Context, v *Viewer, resolve SellerResolver) error {
	if v.Role != RoleSeller || resolve == nil {
		return nil
	}
	id, err := resolve(ctx, v.AccountID)
	if err != nil {
		slog.ErrorContext(ctx, "auth: resolving seller",
			"subject", v.Subject, "account_id", v.AccountID, "err", err)
		return err
	}
	v.SellerID = id
	return nil
}

// ErrInvalidToken is what FromAuthorization returns for a value that is
// not a valid "Bearer <token>": the caller refuses the connection.
var ErrInvalidToken = errors.New(msgInvalidToken)

// FromAuthorization authenticates a long-lived connection (a WebSocket's
// connection_init payload) as Authenticate and ResolveSeller do a
// request: an empty value is an anonymous viewer; anything but a valid
// bearer token is ErrInvalidToken.
func FromAuthorization(ctx context.Context, secret []byte, resolve SellerResolver, value string) (*Viewer, error) {
	if value == "" {
		return anonymous(), nil
	}
	token, ok := bearerToken([]string{value})
	if !ok {
		return nil, ErrInvalidToken
	}
	return viewerOf(ctx, secret, resolve, token)
}

// viewerOf verifies a bearer token and resolves its seller: ErrInvalidToken
// for a token Parse refuses, resolve's error when the lookup fails.
func viewerOf(ctx context.Context, secret []byte, resolve SellerResolver, token string) (*Viewer, error) {
	v, err := Parse(secret, token, nil)
	if err != nil {
		slog.DebugContext(ctx, "auth: token refused", "err", err)
		return nil, ErrInvalidToken
	}
	if err := ResolveSeller(ctx, v, resolve); err != nil {
		return nil, err
	}
	return v, nil
}

// bearerToken extracts the token of a single "Bearer <token>" header value.
// The scheme is case-insensitive (RFC 9110); the token may not contain spaces.
func bearerToken(values []string) (string, bool) {
	if len(values) != 1 {
		return "", false
	}
	scheme, token, found := strings.Cut(strings.TrimSpace(values[0]), " ")
	if !found || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	if token == "" || len(token) > maxTokenLen || strings.ContainsAny(token, " \t") {
		return "", false
	}
	return token, true
}
