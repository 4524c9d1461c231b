package idempotency

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"servicesupport/ent/idempotencykey"
	"servicesupport/policy"
)

// Prune deletes the rows that expired by now and says how many. Expired
// rows already count as absent; pruning only keeps them from accumulating.
// A row reused by Begin in the meantime has a new expiry, so the condition
// spares it.
func (s *Store) Prune(ctx context.Context, now time.Time) (int, error) {
	n, err := s.client.IdempotencyKey.Delete().
		Where(idempotencykey.ExpiresAtLTE(now.UTC())).
		Exec(policy.System(ctx))
	if err != nil {
		return 0, fmt.Errorf("idempotency: pruning expired keys: %w", err)
	}
	return n, nil
}

// Run prunes at once and then every interval until ctx is done, logging
// failures (the next round tries again). Every instance may run it: the
// deletes are conditional and idempotent, so instances need no
// coordination. A nil log is slog.Default().
func (s *Store) Run(ctx context.Context, every time.Duration, log *slog.Logger) {
	if log == nil {
		log = slog.Default()
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		n, err := s.Prune(ctx, s.clock())
		switch {
		case err != nil && ctx.Err() == nil:
			log.WarnContext(ctx, "pruning idempotency keys", "err", err)
		case n > 0:
			log.DebugContext(ctx, "pruned idempotency keys", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
