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
	memo, _ := ctx.Value(scheduleMemoKey{}).(*scheduleMemo)
	if memo != nil {
		if st, ok := memo.statuses.Load(g); ok {
			return st.(schedule.Status), nil
		}
	}
	gs := scheduleOf(ctx, g)
	if gs.err != nil {
		return schedule.Status{}, gs.err
	}
	st := gs.compiled.StatusAt(arrival(ctx))
	if memo != nil {
		memo.statuses.Store(g, st)
	}
	return st, nil
}

// groupSchedule is a loaded group's schedule (service.ScheduleOf) and the
// schedule compiled, or why it cannot be (an unknown zone).
type groupSchedule struct {
	schedule schedule.Schedule
	compiled *schedule.Compiled
	err      error

	meetsOnce sync.Once
	meets     bool
}

// meetsPolicy is schedule.MeetsPolicy, worked out once.
func (gs *groupSchedule) meetsPolicy() bool {
	gs.meetsOnce.Do(func() { gs.meets = gs.schedule.MeetsPolicy() })
	return gs.meets
}

// scheduleOf is g's schedule, worked out once per group and root field,
// or once per kept page (see pageCache.serve): neither depends on the
// clock, and a loaded group is not changed.
func scheduleOf(ctx context.Context, g *ent.CustomerServiceGroup) *groupSchedule {
	memo, _ := ctx.Value(scheduleMemoKey{}).(*scheduleMemo)
	if memo != nil {
		if gs, ok := memo.schedules.Load(g); ok {
			return gs.(*groupSchedule)
		}
	}
	gs := newGroupSchedule(g)
	if memo != nil {
		stored, _ := memo.schedules.LoadOrStore(g, gs)
		return stored.(*groupSchedule)
	}
	return gs
}

// newGroupSchedule works g's schedule out.
func newGroupSchedule(g *ent.CustomerServiceGroup) *groupSchedule {
	gs := &groupSchedule{schedule: service.ScheduleOf(g)}
	gs.compiled, gs.err = gs.schedule.Compile()
	return gs
}

// scheduleMemoKey carries the scheduleMemo of a root field.
type scheduleMemoKey struct{}

// scheduleMemo is what a root field worked out of the groups it read,
// keyed by the loaded group (a group loaded again, after a mutation, is
// another object and is worked out again): their statuses at the request's
// arrival, and their schedules (*groupSchedule).
type scheduleMemo struct {
	statuses  sync.Map
	schedules *sync.Map
}

// withScheduleMemo gives a root field its own memo of group statuses, and
// of schedules unless schedules (a kept page's) is given.
func withScheduleMemo(ctx context.Context, schedules *sync.Map) context.Context {
	if schedules == nil {
		schedules = &sync.Map{}
	}
	return context.WithValue(ctx, scheduleMemoKey{}, &scheduleMemo{schedules: schedules})
}
