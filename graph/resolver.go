// Package graph is the GraphQL layer: gqlgen resolvers over the ent client
// and the service package, and the HTTP handler that serves them.
package graph

import (
	"servicesupport/ent"
	"servicesupport/service"
)

// Resolver is the root resolver; it holds what every resolver needs.
type Resolver struct {
	client  *ent.Client
	service *service.Service
}
