// Package graph is the GraphQL layer: gqlgen resolvers over the ent client
// and the service package, and the HTTP handler that serves them.
package graph

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"servicesupport/ent"
	"servicesupport/feed"
	"servicesupport/schedule"
	"servicesupport/service"
)

// Resolver is the root resolver; it holds what every resolver needs.
type Resolver struct {
	client  *ent.Client
	service *service.Service
	// feed carries committed events to subscriptions; nil: none.
	feed *feed.Feed
	// subscribers counts live subscriptions.
	subscribers prometheus.Gauge
}

// arrivalKey carries when the HTTP request reached the server.
type arrivalKey struct{}

// arrival is when the operation's request reached the server (noted by the
// outermost middleware, withDeadline). The review resolvers pass it to the
// service, which compares it with decision times on the database's clock
// (CONFLICT or PRECONDITION_FAILED); it reads no request state itself.
func arrival(ctx context.Context) time.Time {
	if t, ok := ctx.Value(arrivalKey{}).(time.Time); ok {
		return t
	}
	return time.Now()
}

// groupStatus is whether a group is open at the request's arrival, and
// when it next opens or closes: every field of one request reads the same
// instant, so openNow, nextOpenAt and nextCloseAt agree, and the status is
// worked out once per group and root field (withScheduleMemo), not once
// per field.
func groupStatus(ctx context.Context, g *ent.CustomerServiceGroup) (schedule.Status, error) {
	memo, _ := ctx.Value(scheduleMemoKey{}).(*sync.Map)
	if memo != nil {
		if st, ok := memo.Load(g); ok {
			return st.(schedule.Status), nil
		}
	}
	st, err := service.ScheduleOf(g).StatusAt(arrival(ctx))
	if err == nil && memo != nil {
		memo.Store(g, st)
	}
	return st, err
}

// scheduleMemoKey carries the group statuses worked out for a root field.
type scheduleMemoKey struct{}

// withScheduleMemo gives a root field its own memo of group statuses, keyed
// by the loaded group (a group loaded again, after a mutation, is another
// object and is worked out again).
func withScheduleMemo(ctx context.Context) context.Context {
	return context.WithValue(ctx, scheduleMemoKey{}, &sync.Map{})
}
