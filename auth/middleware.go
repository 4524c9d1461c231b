package auth

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
)

// SellerResolver finds the Seller row id for an account (0, nil when none exists).
type SellerResolver func(ctx context.Context, accountID string) (int, error)

// maxTokenLen bounds the bearer tokens Middleware will try to parse.
const maxTokenLen = 8 << 10

// Safe messages for refused requests; none of them echoes what the client sent.
const (
	msgBadHeader    = "authorization header must use the Bearer scheme"
	msgInvalidToken = "invalid or expired token"
	msgInternal     = "internal error"
)

// Middleware reads "Authorization: Bearer <JWT>" and calls next with the request's Viewer in its context.
//
// No header means an anonymous viewer. A header that is not "Bearer <token>",
// or a token that Parse refuses, answers HTTP 401 (code UNAUTHENTICATED). For
// a seller, resolve supplies SellerID (a nil resolve leaves it 0); an error
// from resolve answers HTTP 500 (code INTERNAL).
func Middleware(secret []byte, resolve SellerResolver, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		values, present := r.Header["Authorization"]
		if !present {
			next.ServeHTTP(w, r.WithContext(NewContext(r.Context(), anonymous())))
			return
		}
		token, ok := bearerToken(values)
		if !ok {
			unauthenticated(w, msgBadHeader)
			return
		}
		v, err := viewerOf(r.Context(), secret, resolve, token)
		switch {
		case errors.Is(err, ErrInvalidToken):
			unauthenticated(w, msgInvalidToken)
			return
		case err != nil:
			writeError(w, http.StatusInternalServerError, msgInternal, "INTERNAL")
			return
		}
		next.ServeHTTP(w, r.WithContext(NewContext(r.Context(), v)))
	})
}

// resolveSeller fills in a seller viewer's SellerID (a nil resolve leaves
// it 0).
func resolveSeller(ctx context.Context, v *Viewer, resolve SellerResolver) error {
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
// connection_init payload) as Middleware does a request: an empty value
// is an anonymous viewer; anything but a valid bearer token is
// ErrInvalidToken.
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
	if err := resolveSeller(ctx, v, resolve); err != nil {
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

// gqlError is one entry of a GraphQL "errors" list.
type gqlError struct {
	Message    string `json:"message"`
	Extensions struct {
		Code string `json:"code"`
	} `json:"extensions"`
}

// errorBody is a GraphQL response that carries only errors.
type errorBody struct {
	Errors []gqlError `json:"errors"`
}

// unauthenticated answers HTTP 401 with a Bearer challenge and code UNAUTHENTICATED.
func unauthenticated(w http.ResponseWriter, msg string) {
	w.Header().Set("WWW-Authenticate", "Bearer")
	writeError(w, http.StatusUnauthorized, msg, "UNAUTHENTICATED")
}

// writeError answers status with a GraphQL errors body holding one error.
func writeError(w http.ResponseWriter, status int, msg, code string) {
	e := gqlError{Message: msg}
	e.Extensions.Code = code
	b, err := json.Marshal(errorBody{Errors: []gqlError{e}})
	if err != nil { // cannot happen: the body is made of plain strings
		http.Error(w, http.StatusText(status), status)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
