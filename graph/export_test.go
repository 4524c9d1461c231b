package graph

import "net/http"

// NewHandlerWithoutService builds the handler over resolvers that have no
// service, so that every mutation dereferences a nil *service.Service: the
// external tests' way to make a resolver panic (TestPanicAnswersInternal).
func NewHandlerWithoutService(cfg HandlerConfig) http.Handler {
	return newHandler(cfg, &Resolver{client: cfg.Client})
}

// GqlgenValues makes a handler leave value objects (hours, closures) to
// gqlgen's executor instead of renderValues: the reference that
// TestValueRenderingAnswersAsGqlgen compares renderValues with.
func GqlgenValues(c *HandlerConfig) { c.gqlgenValues = true }
