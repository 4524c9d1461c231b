package graph

import "net/http"

// NewHandlerWithoutService builds the handler over resolvers that have no
// service, so that every mutation dereferences a nil *service.Service: the
// external tests' way to make a resolver panic (TestPanicAnswersInternal).
func NewHandlerWithoutService(cfg HandlerConfig) http.Handler {
	return newHandler(cfg, &Resolver{client: cfg.Client})
}

// GqlgenAnswers makes a handler leave every answer to gqlgen's executor
// instead of renderAnswers: the reference that TestRenderingAnswersAsGqlgen
// compares renderAnswers with.
func GqlgenAnswers(c *HandlerConfig) { c.gqlgenAnswers = true }
