// Package hooks holds the ent hooks that every write passes: the fields
// derived from others (versions, name keys, submission and decision
// stamps) are set here and nowhere else, and every status update is
// guarded by the transition tables of package lifecycle, so that an update
// whose row has moved on meanwhile changes nothing.
package hooks

import (
	"context"
	"fmt"
	"time"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"
	"golang.org/x/text/cases"

	"servicesupport/auth"
	"servicesupport/ent"
	"servicesupport/ent/hook"
	"servicesupport/ent/product"
	"servicesupport/ent/review"
	"servicesupport/lifecycle"
	"servicesupport/policy"
	"servicesupport/schedule"
)

// BumpVersion increments the version of every updated row, so that a
// client's expectedVersion and the service's conditional updates see every
// change.
func BumpVersion() ent.Hook {
	return hook.On(func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			if v, ok := m.(interface{ AddVersion(int) }); ok {
				v.AddVersion(1)
			}
			return next.Mutate(ctx, m)
		})
	}, ent.OpUpdate|ent.OpUpdateOne)
}

// GroupNameKey keeps a group's name_key the case-folded name: the unique
// index on (seller_id, name_key) makes names unique per seller whatever
// their case, under any concurrency.
func GroupNameKey() ent.Hook {
	return hook.On(func(next ent.Mutator) ent.Mutator {
		return hook.CustomerServiceGroupFunc(func(ctx context.Context, m *ent.CustomerServiceGroupMutation) (ent.Value, error) {
			if name, ok := m.Name(); ok {
				m.SetNameKey(NameKey(name))
			}
			return next.Mutate(ctx, m)
		})
	}, ent.OpCreate|ent.OpUpdate|ent.OpUpdateOne)
}

// GroupSchedule derives a group's serviceDays and serviceHours (the fields
// of the first contract) from its weekly hours whenever they are written:
// the days with hours, and the shared hours (or the first day's).
func GroupSchedule() ent.Hook {
	return hook.On(func(next ent.Mutator) ent.Mutator {
		return hook.CustomerServiceGroupFunc(func(ctx context.Context, m *ent.CustomerServiceGroupMutation) (ent.Value, error) {
			if week, ok := m.WeeklyHours(); ok {
				m.SetServiceDays(week.ServiceDays())
				m.SetServiceHours(week.ServiceHours())
			}
			return next.Mutate(ctx, m)
		})
	}, ent.OpCreate|ent.OpUpdate|ent.OpUpdateOne)
}

// NameKey is the form of a group name that the uniqueness rule compares.
func NameKey(name string) string {
	// A Caser keeps state, so each call gets its own.
	return cases.Fold().String(name)
}

// ProductStatus guards product status changes with the lifecycle: a new
// product starts as DRAFT; an update to status S applies only to rows in a
// status S may follow (a product removed meanwhile stays REMOVED, and the
// update reads as not found). A release stamps releasedAt.
func ProductStatus() ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return hook.ProductFunc(func(ctx context.Context, m *ent.ProductMutation) (ent.Value, error) {
			to, ok := m.Status()
			switch {
			case !ok:
			case m.Op().Is(ent.OpCreate):
				if to != product.StatusDraft {
					return nil, fmt.Errorf("a product starts as DRAFT, not %s", to)
				}
			default:
				m.Where(product.StatusIn(lifecycle.ProductFrom(to)...))
				if to == product.StatusReleased && m.Op().Is(ent.OpUpdateOne) {
					// The first release stamps releasedAt; showing a hidden
					// product keeps it.
					first, err := m.OldReleasedAt(ctx)
					if err != nil {
						return nil, err
					}
					if first == nil {
						now, err := Now(ctx, m.Client())
						if err != nil {
							return nil, err
						}
						m.SetReleasedAt(now)
					}
				}
			}
			return next.Mutate(ctx, m)
		})
	}
}

// ReviewStatus stamps submissions and decisions and guards review status
// changes with the workflow: a review is created PENDING with its
// submitter, submission time and due date; it leaves PENDING once, with
// who decided and when (the database's clock, the same for every
// instance); an update of a review that is no longer PENDING changes
// nothing.
func ReviewStatus() ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return hook.ReviewFunc(func(ctx context.Context, m *ent.ReviewMutation) (ent.Value, error) {
			subject := auth.FromContext(ctx).Subject
			_, moves := m.Status()
			if !moves && !m.Op().Is(ent.OpCreate) {
				return next.Mutate(ctx, m)
			}
			now, err := Now(ctx, m.Client())
			if err != nil {
				return nil, err
			}
			if m.Op().Is(ent.OpCreate) {
				if to, ok := m.Status(); ok && to != review.StatusPending {
					return nil, fmt.Errorf("a review starts as PENDING, not %s", to)
				}
				m.SetSubmittedBy(subject)
				m.SetSubmittedAt(now)
				m.SetDueAt(schedule.DueAt(now))
				return next.Mutate(ctx, m)
			}
			to, _ := m.Status()
			m.Where(review.StatusIn(lifecycle.ReviewFrom(to)...))
			if _, set := m.DecidedBy(); !set {
				m.SetDecidedBy(subject)
			}
			m.SetDecidedAt(now)
			return next.Mutate(ctx, m)
		})
	}
}

// Now reads the database's clock (UTC, to the microsecond on PostgreSQL
// and the millisecond on SQLite). Times that instances compare with each
// other (when a review was decided, against when a request arrived) come
// from this one clock, not from the instances' own.
func Now(ctx context.Context, c *ent.Client) (time.Time, error) {
	// The query needs a table with a row: sellers has one whenever there
	// is anything to stamp (every other row belongs to a seller).
	vs, err := c.Seller.Query().Limit(1).Modify(SelectNow).Strings(policy.System(ctx))
	if err != nil {
		return time.Time{}, fmt.Errorf("reading the database clock: %w", err)
	}
	if len(vs) == 0 {
		return time.Time{}, fmt.Errorf("reading the database clock: no seller yet")
	}
	return ParseNow(vs[0])
}

// SelectNow replaces a query's columns with the database's clock as an
// RFC 3339 string.
func SelectNow(s *sql.Selector) {
	if s.Dialect() == dialect.Postgres {
		s.Select(`to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`)
		return
	}
	s.Select(`strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`)
}

// ParseNow parses what SelectNow selected.
func ParseNow(v string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("reading the database clock: %w", err)
	}
	return t.UTC(), nil
}
