// Package graph is the GraphQL layer: gqlgen resolvers over the ent client
// and the service package, and the HTTP handler that serves them.
package graph

import (
	"context"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"servicesupport/ent"
	"servicesupport/service"
)

// Resolver is the root resolver; it holds what every resolver needs.
type Resolver struct {
	client  *ent.Client
	service *service.Service
}

// arrival is when the operation's request arrived: gqlgen's transports
// stamp the moment they start reading it. The review workflow compares it
// with decision times (CONFLICT or PRECONDITION_FAILED).
func arrival(ctx context.Context) time.Time {
	if graphql.HasOperationContext(ctx) {
		if t := graphql.GetOperationContext(ctx).Stats.Read.Start; !t.IsZero() {
			return t
		}
	}
	return time.Now()
}
