package graph

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"servicesupport/auth"
	"servicesupport/telemetry"
)

// Codes of persisted-operation errors.
const (
	codeOperationNotAllowed = "OPERATION_NOT_ALLOWED"
	codeBadPersistedQuery   = "PERSISTED_QUERY_INVALID"
)

// anonymousCacheSeconds is how long a CDN may cache an anonymous GET query
// (the product page): long enough to absorb traffic spikes, short enough
// that a seller's group change shows soon.
const anonymousCacheSeconds = 30

func init() {
	errcode.RegisterErrorType(codeOperationNotAllowed, errcode.KindProtocol)
	errcode.RegisterErrorType(codeBadPersistedQuery, errcode.KindProtocol)
}

// LoadAllowList reads a JSON object mapping SHA-256 hashes (hex) to
// operation documents, checking that every hash matches its document.
func LoadAllowList(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading allow-list: %w", err)
	}
	var ops map[string]string
	if err := json.Unmarshal(b, &ops); err != nil {
		return nil, fmt.Errorf("allow-list %s: %w", path, err)
	}
	for hash, query := range ops {
		if queryHash(query) != hash {
			return nil, fmt.Errorf("allow-list %s: hash %s does not match its operation", path, hash)
		}
	}
	return ops, nil
}

// queryHash is the APQ hash of a document.
func queryHash(query string) string {
	sum := sha256.Sum256([]byte(query))
	return hex.EncodeToString(sum[:])
}

// allowList runs only registered operations: a request names one by its
// hash (the APQ extension) or sends a document whose hash is registered.
type allowList map[string]string

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = allowList{}

// ExtensionName implements graphql.HandlerExtension.
func (allowList) ExtensionName() string { return "AllowList" }

// Validate implements graphql.HandlerExtension.
func (allowList) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationParameters implements graphql.OperationParameterMutator.
func (a allowList) MutateOperationParameters(_ context.Context, raw *graphql.RawParams) *gqlerror.Error {
	hash := ""
	if pq, ok := raw.Extensions["persistedQuery"].(map[string]any); ok {
		hash, _ = pq["sha256Hash"].(string)
	}
	if raw.Query == "" {
		query, ok := a[hash]
		if !ok {
			return notAllowed()
		}
		raw.Query = query
		return nil
	}
	if got := queryHash(raw.Query); (hash != "" && hash != got) || a[got] == "" {
		return notAllowed()
	}
	return nil
}

// notAllowed refuses an unregistered operation.
func notAllowed() *gqlerror.Error {
	return &gqlerror.Error{
		Message:    "this server runs only registered operations",
		Extensions: map[string]any{"code": codeOperationNotAllowed},
	}
}

// observeOperation records the operation name and viewer role for the
// request's log line and metrics.
func observeOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	rec := telemetry.FromContext(ctx)
	oc := graphql.GetOperationContext(ctx)
	name := oc.OperationName
	if name == "" && oc.Operation != nil {
		name = oc.Operation.Name
	}
	rec.SetOperation(name)
	rec.SetRole(string(auth.FromContext(ctx).Role))
	return next(ctx)
}

// observeResponse records whether the response carried errors.
func observeResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	outcome := telemetry.OutcomeOK
	if resp == nil || len(resp.Errors) > 0 {
		outcome = telemetry.OutcomeError
	}
	telemetry.FromContext(ctx).SetOutcome(outcome)
	return resp
}

// cacheControl lets a CDN cache anonymous GET queries that succeeded for a
// short time; everything else is private and not stored.
func cacheControl(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cacheable := r.Method == http.MethodGet && r.Header.Get("Authorization") == ""
		next.ServeHTTP(&cacheHeaderWriter{ResponseWriter: w, r: r, cacheable: cacheable}, r)
	})
}

// cacheHeaderWriter sets Cache-Control when the status is written, once the
// outcome of the operation is known.
type cacheHeaderWriter struct {
	http.ResponseWriter
	r           *http.Request
	cacheable   bool
	wroteHeader bool
}

// WriteHeader implements http.ResponseWriter.
func (c *cacheHeaderWriter) WriteHeader(status int) {
	if !c.wroteHeader {
		c.wroteHeader = true
		// Only an executed operation without errors is cached: errors met
		// before execution (an unknown persisted query) never reach
		// observeResponse, so their outcome stays unset.
		ok := c.cacheable && status == http.StatusOK &&
			telemetry.FromContext(c.r.Context()).Outcome() == telemetry.OutcomeOK
		if ok {
			c.Header().Set("Cache-Control", fmt.Sprintf("public, max-age=%d", anonymousCacheSeconds))
			c.Header().Add("Vary", "Authorization")
		} else if c.Header().Get("Cache-Control") == "" {
			c.Header().Set("Cache-Control", "no-store")
		}
	}
	c.ResponseWriter.WriteHeader(status)
}

// Write implements http.ResponseWriter.
func (c *cacheHeaderWriter) Write(b []byte) (int, error) {
	if !c.wroteHeader {
		c.WriteHeader(http.StatusOK)
	}
	return c.ResponseWriter.Write(b)
}

// persistedQueries wraps gqlgen's automatic persisted queries so that a bad
// APQ request (a hash that does not match its query, an unknown version)
// is a classified client error with a 4xx status.
type persistedQueries struct {
	extension.AutomaticPersistedQuery
}

// MutateOperationParameters implements graphql.OperationParameterMutator.
func (p persistedQueries) MutateOperationParameters(ctx context.Context, raw *graphql.RawParams) *gqlerror.Error {
	err := p.AutomaticPersistedQuery.MutateOperationParameters(ctx, raw)
	if err != nil && err.Extensions["code"] == nil {
		errcode.Set(err, codeBadPersistedQuery)
	}
	return err
}

// maxErrors caps the errors of one response: a request with thousands of
// mistakes gets the first ones, not a huge answer.
const maxErrors = 20

// capErrors trims a response's error list to maxErrors.
func capErrors(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if resp != nil && len(resp.Errors) > maxErrors {
		resp.Errors = append(resp.Errors[:maxErrors:maxErrors], &gqlerror.Error{
			Message:    fmt.Sprintf("%d more errors were left out", len(resp.Errors)-maxErrors),
			Extensions: map[string]any{"code": CodeBadUserInput},
		})
	}
	return resp
}
