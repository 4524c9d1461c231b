package graph

import (
	"context"
	"errors"
	"log/slog"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"servicesupport/ent"
	"servicesupport/ent/privacy"
	"servicesupport/service"
	"servicesupport/usererror"
)

// Error codes of GraphQL errors (extensions.code).
const (
	CodeUnauthenticated = "UNAUTHENTICATED"
	CodeForbidden       = "FORBIDDEN"
	CodeNotFound        = "NOT_FOUND"
	CodeBadUserInput    = "BAD_USER_INPUT"
	CodeInternal        = "INTERNAL"
	// CodeBadRequest answers an HTTP request that is not a GraphQL request.
	CodeBadRequest = "BAD_REQUEST"
	// CodeTimeout answers work cut short by the request deadline.
	CodeTimeout = "TIMEOUT"
	// CodeCancelled marks work stopped because its client went away (a
	// closed subscription); nobody reads it, and it is not logged.
	CodeCancelled = "CANCELLED"
	// CodeSlowSubscriber ends a subscription that fell too far behind.
	CodeSlowSubscriber = "SLOW_SUBSCRIBER"
	// CodeUnavailable ends a subscription whose event feed was interrupted
	// (its database connection was lost, or the server is stopping): it
	// may have missed events; subscribe again.
	CodeUnavailable = "UNAVAILABLE"
	// CodeThrottled refuses a request costing more than its viewer's
	// bucket holds (HTTP 429, with Retry-After).
	CodeThrottled = "THROTTLED"
	// CodeIdempotencyKeyReused refuses a key sent again with another body
	// (HTTP 422).
	CodeIdempotencyKeyReused = "IDEMPOTENCY_KEY_REUSED"
	// CodeIdempotencyKeyInUse refuses a retry while the first request with
	// its key still runs (HTTP 409).
	CodeIdempotencyKeyInUse = "IDEMPOTENCY_KEY_IN_USE"
	// CodeIdempotencyAnswerNotKept replays a first answer too large to be
	// kept (the idempotency package writes it: it cannot import this one).
	CodeIdempotencyAnswerNotKept = "IDEMPOTENCY_ANSWER_NOT_KEPT"
)

// Codes of operations refused before they run. They are of errcode's
// protocol kind (registered below), so gqlgen's transports answer them with
// a 4xx status and no data, as they do parse and validation errors.
const (
	// codeQueryTooLarge refuses an operation over a shape limit
	// (graph/limits.go): depth, aliases, fields, where inputs.
	codeQueryTooLarge = "QUERY_TOO_LARGE"
	// codeIntrospectionDisabled refuses __schema and __type while
	// introspection is off.
	codeIntrospectionDisabled = "INTROSPECTION_DISABLED"
	// codeDeferNotSupported refuses @defer and @stream: the server sends
	// one answer per operation, never incremental ones.
	codeDeferNotSupported = "DEFER_NOT_SUPPORTED"
	// codeOperationNotAllowed refuses an operation outside the allow-list.
	codeOperationNotAllowed = "OPERATION_NOT_ALLOWED"
	// codeBadPersistedQuery refuses an APQ request whose hash does not
	// match its query, or of an unknown version.
	codeBadPersistedQuery = "PERSISTED_QUERY_INVALID"
	// codeComplexityLimit is set by gqlgen's extension.ComplexityLimit,
	// which does not export it.
	codeComplexityLimit = "COMPLEXITY_LIMIT_EXCEEDED"
	// codePersistedQueryNotFound is set by gqlgen's APQ extension for a
	// hash it does not know (the client then sends the query): a user
	// error, answered 200 as the APQ protocol expects.
	codePersistedQueryNotFound = "PERSISTED_QUERY_NOT_FOUND"
	// codeParseFailed and codeValidationFailed are gqlgen's own
	// (errcode.ParseFailed and errcode.ValidationFailed), written out so
	// that this file lists every code a client can read.
	codeParseFailed      = "GRAPHQL_PARSE_FAILED"
	codeValidationFailed = "GRAPHQL_VALIDATION_FAILED"
)

// protocolCodes are the codes answered before execution with a 4xx status.
// BAD_USER_INPUT is among them for the arguments refused before execution
// (a page size or cursor); during execution gqlgen answers every error 200.
var protocolCodes = []string{
	codeQueryTooLarge, codeIntrospectionDisabled, codeDeferNotSupported,
	codeOperationNotAllowed, codeBadPersistedQuery, codeComplexityLimit,
	codeParseFailed, codeValidationFailed, CodeBadUserInput,
}

func init() {
	for _, code := range protocolCodes {
		errcode.RegisterErrorType(code, errcode.KindProtocol)
	}
}

// timeoutMessage explains a request stopped by its deadline.
const timeoutMessage = "the request took too long and was stopped"

// errForbidden answers a field the viewer's role may not ask for.
func errForbidden(ctx context.Context, message string) error {
	return &gqlerror.Error{
		Message:    message,
		Path:       graphql.GetPath(ctx),
		Extensions: map[string]any{"code": CodeForbidden},
	}
}

// userErrors splits an operation's error into the payload's userErrors (a
// business failure: data) and an error for the GraphQL errors list.
func userErrors(err error) ([]*usererror.Error, error) {
	var list usererror.List
	var one *usererror.Error
	switch {
	case err == nil:
		return []*usererror.Error{}, nil
	case errors.As(err, &list):
		return list, nil
	case errors.As(err, &one):
		return []*usererror.Error{one}, nil
	default:
		return nil, err
	}
}

// presentError is the one place that turns resolver errors into what a
// client sees: a known class gets its code and a safe message; anything
// else is logged and answered as INTERNAL, so no SQL text, stack or
// internal detail reaches a client.
func presentError(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		var gqlErr *gqlerror.Error
		if errors.As(err, &gqlErr) && gqlErr.Extensions["code"] != nil {
			return gqlErr // already classified (ours, or gqlgen's validation)
		}
		out := graphql.DefaultErrorPresenter(ctx, err)
		switch {
		case errors.Is(err, service.ErrForbidden), errors.Is(err, privacy.Deny):
			out.Message = "forbidden: " + forbiddenReason(err)
			out.Extensions = map[string]any{"code": CodeForbidden}
		case errors.Is(err, context.DeadlineExceeded):
			out.Message = timeoutMessage
			out.Extensions = map[string]any{"code": CodeTimeout}
		case errors.Is(err, context.Canceled):
			out.Message = "cancelled: the client went away"
			out.Extensions = map[string]any{"code": CodeCancelled}
		case ent.IsNotFound(err):
			out.Message = "not found"
			out.Extensions = map[string]any{"code": CodeNotFound}
		case isInputError(ctx, gqlErr):
			out.Extensions = map[string]any{"code": CodeBadUserInput}
		case introspectionField(ctx):
			// gqlgen's own refusal of __schema and __type, should an
			// operation get past shapeLimits' check.
			refusal := errIntrospectionDisabled()
			out.Message, out.Extensions = refusal.Message, refusal.Extensions
		default:
			log.ErrorContext(ctx, "internal error", "err", err, "path", out.Path.String())
			out.Message = "internal error"
			out.Extensions = map[string]any{"code": CodeInternal}
		}
		return out
	}
}

// introspectionField reports whether ctx is the resolution of __schema or
// __type: gqlgen fails them with a plain error while introspection is off.
func introspectionField(ctx context.Context) bool {
	fc := graphql.GetFieldContext(ctx)
	return fc != nil && fc.Field.Field != nil && isIntrospection(fc.Field.Name)
}

// forbiddenReason keeps the service's explanation of a refusal and drops
// anything else.
func forbiddenReason(err error) string {
	if errors.Is(err, service.ErrForbidden) {
		msg := err.Error()
		if len(msg) > len(service.ErrForbidden.Error())+2 {
			return msg[len(service.ErrForbidden.Error())+2:]
		}
	}
	return "not allowed for this viewer"
}

// isInputError reports errors about the client's arguments: gqlgen's
// argument decoding (a malformed time or cursor) reports them on a path
// below the field's, and entgql's pagination raises plain GraphQL errors
// (both first and last) that wrap nothing internal.
func isInputError(ctx context.Context, gqlErr *gqlerror.Error) bool {
	if gqlErr == nil {
		return false
	}
	if gqlErr.Err == nil {
		return true
	}
	return len(gqlErr.Path) > len(graphql.GetPath(ctx))
}
