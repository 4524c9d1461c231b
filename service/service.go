// Package service holds the business operations behind the GraphQL
// mutations: input validation, the review workflow, the product lifecycle
// and the group limit. Each operation runs in one transaction, so a failed
// operation leaves nothing behind. Who may run an operation is package
// policy's answer, asked first; policy's ent privacy policies stay in force
// underneath for every row the operation touches.
package service

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/jackc/pgx/v5/pgconn"

	"servicesupport/ent"
	"servicesupport/feed"
	"servicesupport/policy"
	"servicesupport/usererror"
)

// ErrForbidden is returned when the viewer's role may not run an operation
// at all (as opposed to an ID it cannot see, which is a NOT_FOUND user
// error). It is policy's: package policy decides who runs what, and the
// service asks it before each operation.
var ErrForbidden = policy.ErrForbidden

// Service runs business operations against the database.
type Service struct {
	client *ent.Client
	opts   Options
}

// Options configure what a Service does beyond the database.
type Options struct {
	// Feed hears of every committed event (see package feed); nil for none.
	Feed Feed
	// Recorded is called after a commit with the types of the events the
	// transaction recorded (metrics); nil for none.
	Recorded func(types []string)
	// WebhookAllowInsecure also allows http:// endpoints and loopback or
	// private addresses (development and tests).
	WebhookAllowInsecure bool
	// Resolver resolves endpoint host names; net.DefaultResolver when nil.
	Resolver *net.Resolver
}

// Feed is the change feed as the service uses it (*feed.Feed).
type Feed interface {
	// Notify announces an event from inside the transaction that records
	// it (PostgreSQL's NOTIFY, delivered on commit only).
	Notify(ctx context.Context, tx feed.Execer, n feed.Note) error
	// Poke tells the feed that a transaction with events committed.
	Poke()
}

// New returns a Service over client.
func New(client *ent.Client, opts ...Options) *Service {
	s := &Service{client: client}
	if len(opts) > 0 {
		s.opts = opts[0]
	}
	return s
}

// inTx runs fn in a transaction and commits when fn returns nil; any error
// (user errors included) rolls everything back. A transaction the database
// aborted to resolve a conflict between transactions (a PostgreSQL
// deadlock or serialization failure; the locks are taken in one order, so
// this is a safety net) runs again, up to three times in all; a unique or
// foreign-key violation that got past the checks, which only a concurrent
// writer can cause, answers CONFLICT rather than INTERNAL.
//
// fn gets a context of its own, which the events it records (see record)
// are collected in: once the transaction has committed, the feed and the
// metrics hear of them.
func (s *Service) inTx(ctx context.Context, fn func(ctx context.Context, tx *ent.Client) error) error {
	var err error
	for range 3 {
		state := &txState{}
		if err = s.tryTx(context.WithValue(ctx, txStateKey{}, state), fn); err == nil {
			s.afterCommit(state)
		}
		if !retryable(err) {
			break
		}
	}
	var ue *usererror.Error
	if ent.IsConstraintError(err) && !errors.As(err, &ue) {
		return usererror.New(usererror.Conflict, nil, "changed by someone else at the same time: reload and retry")
	}
	return err
}

// retryable reports whether the database aborted a transaction only
// because it conflicted with another one.
func retryable(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && (pg.Code == "40001" || pg.Code == "40P01")
}

// tryTx runs fn in one transaction.
func (s *Service) tryTx(ctx context.Context, fn func(ctx context.Context, tx *ent.Client) error) (err error) {
	tx, err := s.client.Tx(ctx)
	if err != nil {
		return fmt.Errorf("starting transaction: %w", err)
	}
	defer func() {
		if v := recover(); v != nil {
			_ = tx.Rollback()
			panic(v)
		}
	}()
	if err := fn(ctx, tx.Client()); err != nil {
		if rerr := tx.Rollback(); rerr != nil {
			return errors.Join(err, fmt.Errorf("rolling back: %w", rerr))
		}
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("committing: %w", err)
	}
	return nil
}

// field builds a user error's field path.
func field(elems ...any) []string { return usererror.Path(elems...) }

// notFound is the user error for an ID the viewer cannot see.
func notFound(field []string, what string) error {
	return usererror.New(usererror.NotFound, field, "no %s with this ID", what)
}

// precondition is the user error for a workflow or lifecycle rule not met.
func precondition(field []string, format string, args ...any) error {
	return usererror.New(usererror.PreconditionFailed, field, format, args...)
}

// staleVersion checks an optional expected version against the stored one.
func staleVersion(expected *int, actual int) error {
	if expected != nil && *expected != actual {
		return usererror.New(usererror.Conflict, []string{"input", "expectedVersion"},
			"changed by someone else since version %d (now %d): reload and retry", *expected, actual)
	}
	return nil
}

// changedConcurrently is the user error for an update that lost a race with
// another update of the same object (its version changed under it).
func changedConcurrently() error {
	return usererror.New(usererror.Conflict, []string{"id"}, "changed by someone else at the same time: reload and retry")
}

// strp returns a pointer to s.
func strp(s string) *string { return &s }

// committed returns an entity that a committed transaction produced,
// rebound to the client: the resolvers load its edges after the transaction
// has closed.
func committed[T interface{ Unwrap() T }](v T, err error) (T, error) {
	if err != nil {
		var zero T
		return zero, err
	}
	return v.Unwrap(), nil
}
