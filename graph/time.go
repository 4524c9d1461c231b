package graph

import (
	"time"

	"github.com/99designs/gqlgen/graphql"
)

// MarshalTime writes a time as RFC 3339, as gqlgen's Time scalar does.
func MarshalTime(t time.Time) graphql.Marshaler { return graphql.MarshalTime(t) }

// UnmarshalTime reads an RFC 3339 time in UTC, whatever offset the client
// wrote: stored times are UTC, and SQLite compares times as text, so a
// filter such as occurredAtGTE given at +08:00 would otherwise be compared
// eight hours off.
func UnmarshalTime(v any) (time.Time, error) {
	t, err := graphql.UnmarshalTime(v)
	return t.UTC(), err
}
