package graph

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"servicesupport/auth"
	"servicesupport/telemetry"
)

// anonymousCacheSeconds is how long a CDN may cache an anonymous GET query
// (the product page): long enough to absorb traffic spikes, short enough
// that a seller's group change shows soon.
const anonymousCacheSeconds = 30

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
	rec.SetOperation(operationName(graphql.GetOperationContext(ctx)))
	rec.SetRole(string(auth.FromContext(ctx).Role))
	return next(ctx)
}

// operationName is the operation's name as the request log shows it.
func operationName(oc *graphql.OperationContext) string {
	if oc.OperationName == "" && oc.Operation != nil {
		return oc.Operation.Name
	}
	return oc.OperationName
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

// capErrors trims an error list to maxErrors: the transport applies it to
// every answer, refused or executed.
func capErrors(errs gqlerror.List) gqlerror.List {
	if len(errs) <= maxErrors {
		return errs
	}
	return append(errs[:maxErrors:maxErrors], &gqlerror.Error{
		Message:    fmt.Sprintf("%d more errors were left out", len(errs)-maxErrors),
		Extensions: map[string]any{"code": CodeBadUserInput},
	})
}
