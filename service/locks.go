package service

import (
	"context"
	"fmt"
	"time"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"servicesupport/ent"
	"servicesupport/ent/review"
	"servicesupport/ent/seller"
	"servicesupport/hooks"
	"servicesupport/policy"
)

// forUpdate locks the selected rows until the transaction ends. ent refuses
// FOR UPDATE on SQLite, which needs none: every write transaction there
// takes the database's single write lock at BEGIN (_txlock=immediate), so
// two of them never interleave. On PostgreSQL (READ COMMITTED) the row
// lock is what keeps a check and the write that depends on it together.
func forUpdate(s *sql.Selector) {
	if s.Dialect() == dialect.Postgres {
		s.ForUpdate()
	}
}

// forShare keeps the selected rows from being deleted or changed until the
// transaction ends (PostgreSQL; SQLite's write transactions are
// serialised already, see forUpdate).
func forShare(s *sql.Selector) {
	if s.Dialect() == dialect.Postgres {
		s.ForShare()
	}
}

// lockSeller takes the seller's row lock for the rest of the transaction.
// Every operation that checks a seller's data and then writes takes it
// first — the group limit, revision numbers, one pending review per kind,
// a group in use, a product's status, a release against its group's hours
// — so that two such operations on one seller run one after the other, on
// any number of instances. Taking this lock before any other (and review
// rows only under it) keeps the order the same everywhere: no deadlocks.
func lockSeller(ctx context.Context, tx *ent.Client, sellerID int) error {
	ids, err := tx.Seller.Query().
		Where(seller.ID(sellerID)).
		Unique(false).
		Select(seller.FieldID).
		Modify(forUpdate).
		Ints(policy.System(ctx))
	if err != nil {
		return fmt.Errorf("locking seller: %w", err)
	}
	if len(ids) == 0 {
		return policy.Forbidden("the seller does not exist")
	}
	return nil
}

// lockReview locks a review's row and returns the database's clock.
func lockReview(ctx context.Context, tx *ent.Client, id int) (time.Time, error) {
	vs, err := tx.Review.Query().
		Where(review.ID(id)).
		Unique(false).
		Modify(func(s *sql.Selector) {
			hooks.SelectNow(s)
			forUpdate(s)
		}).
		Strings(policy.System(ctx))
	if err != nil {
		return time.Time{}, fmt.Errorf("locking review: %w", err)
	}
	if len(vs) == 0 {
		return time.Time{}, notFound(field("id"), "review")
	}
	return hooks.ParseNow(vs[0])
}
