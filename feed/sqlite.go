package feed

import (
	"context"
	"time"
)

// pollBatch is how many events one query of the poller reads at most; it
// reads again at once while batches come back full.
const pollBatch = 1000

// poll runs the SQLite poller until ctx ends. It starts from the newest
// event at that time: the events before it were committed before anyone
// could listen, and replaying them would announce old news as new.
func (f *Feed) poll(ctx context.Context) error {
	interval := f.PollInterval
	if interval <= 0 {
		interval = DefaultPollInterval
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	var last int
	for {
		err := f.db.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM events").Scan(&last)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return nil
		}
		f.log.Warn("event feed: reading the newest event; retrying", "err", err, "retry_in", interval)
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
	f.setReady()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		case <-f.poke:
		}
		last = f.readAfter(ctx, last)
	}
}

// readAfter publishes the events with an id above last, in id order, which
// on SQLite is commit order (one writer at a time, and AUTOINCREMENT never
// reuses an id). It returns the last id published. On an error it stops and
// keeps its place: the next poll reads the same events again, so none is
// skipped.
func (f *Feed) readAfter(ctx context.Context, last int) int {
	for {
		notes, err := f.batch(ctx, last)
		if len(notes) > 0 {
			f.publish(notes...)
			last = notes[len(notes)-1].EventID
		}
		if err != nil {
			if ctx.Err() == nil {
				f.log.Warn("event feed: reading events; retrying at the next poll", "err", err, "after", last)
			}
			return last
		}
		if len(notes) < pollBatch {
			return last
		}
	}
}

// batch reads up to pollBatch notes after last. On an error it returns the
// notes it read before it, which are good.
func (f *Feed) batch(ctx context.Context, last int) ([]Note, error) {
	rows, err := f.db.QueryContext(ctx,
		"SELECT id, type, COALESCE(seller_id, 0) FROM events WHERE id > ? ORDER BY id LIMIT ?", last, pollBatch)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var notes []Note
	for rows.Next() {
		var n Note
		if err := rows.Scan(&n.EventID, &n.Type, &n.SellerID); err != nil {
			return notes, err
		}
		notes = append(notes, n)
	}
	return notes, rows.Err()
}
