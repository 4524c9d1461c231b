// Package throttle holds the cost buckets of fair use: a token bucket per
// viewer that each request's cost is taken from, and the client address
// that names an anonymous viewer's bucket.
//
// Buckets live in the memory of one instance. A bucket shared through the
// database would cost a write on every request, on the hottest path; and a
// bucket per instance already bounds what one viewer can make that
// instance do, which is what the limit protects.
package throttle

import (
	"fmt"
	"hash/maphash"
	"strconv"
	"sync"
	"time"
)

// Status is a bucket as extensions.cost.throttleStatus reports it.
type Status struct {
	// MaximumAvailable is the bucket's size.
	MaximumAvailable int `json:"maximumAvailable"`
	// CurrentlyAvailable is how many whole points the bucket holds now.
	CurrentlyAvailable int `json:"currentlyAvailable"`
	// RestoreRate is how many points the bucket regains per second.
	RestoreRate int `json:"restoreRate"`
}

// MaxPoints bounds a bucket's size and its restore rate: the arithmetic is
// exact in nano-points (int64), which this keeps from overflowing. A
// billion points is far beyond any sensible query cost.
const MaxPoints = 1_000_000_000

// DefaultMaxBuckets caps the buckets one Limiter keeps, so that a flood of
// viewers (addresses, forged tokens are refused earlier) cannot grow the
// memory without bound.
const DefaultMaxBuckets = 100_000

// nano is the number of nano-points in a point: levels are kept in
// nano-points so that a refill of elapsed nanoseconds × points per second
// is an exact integer, and so is the wait before a cost is available.
const nano = 1_000_000_000

// shardCount spreads the buckets over locks, so that concurrent requests
// of different viewers rarely wait for one another.
const shardCount = 64

// Limiter is a set of token buckets keyed by string (a viewer), all of one
// size and restore rate, safe for concurrent use. A key without a bucket
// has a full one: a bucket that has refilled to full is dropped, lazily,
// so memory follows the viewers that spent points recently.
type Limiter struct {
	max     int64 // size in nano-points
	rate    int64 // points per second = nano-points per nanosecond
	fill    int64 // nanoseconds in which an empty bucket refills
	points  int
	now     func() time.Time
	epoch   time.Time     // times are kept as nanoseconds since epoch
	sweep   time.Duration // how often a shard drops its full buckets
	perCap  int           // most buckets one shard keeps
	seed    maphash.Seed
	buckets []shard
}

// shard is the buckets of the keys that hash to it, under one lock.
type shard struct {
	mu        sync.Mutex
	buckets   map[string]bucket
	lastSweep int64
	_         [40]byte // keep shards on separate cache lines
}

// bucket is a level in nano-points as of a time (nanoseconds since the
// Limiter's epoch).
type bucket struct {
	level int64
	at    int64
}

// New returns a Limiter of buckets holding points, restoring
// restorePerSecond points a second, reading the time from now (time.Now
// when nil). Both numbers must be between 1 and MaxPoints: New panics
// otherwise, as the configuration is checked before it is called.
func New(points, restorePerSecond int, now func() time.Time) *Limiter {
	return newLimiter(points, restorePerSecond, now, DefaultMaxBuckets, shardCount)
}

// newLimiter is New with the bucket cap and the number of shards chosen
// (tests use one shard to see the cap's policy exactly).
func newLimiter(points, restorePerSecond int, now func() time.Time, maxBuckets, shards int) *Limiter {
	for _, n := range []int{points, restorePerSecond} {
		if n < 1 || n > MaxPoints {
			panic(fmt.Sprintf("throttle: %d points (or points per second) is outside 1..%d", n, MaxPoints))
		}
	}
	if now == nil {
		now = time.Now
	}
	l := &Limiter{
		max:     int64(points) * nano,
		rate:    int64(restorePerSecond),
		fill:    (int64(points)*nano + int64(restorePerSecond) - 1) / int64(restorePerSecond),
		points:  points,
		now:     now,
		epoch:   now(),
		perCap:  max(1, (maxBuckets+shards-1)/shards),
		seed:    maphash.MakeSeed(),
		buckets: make([]shard, shards),
	}
	// A bucket left alone is full after one refill time: sweeping that
	// often drops every idle bucket within two, bounded to stay cheap for
	// a tiny restore rate and useful for a huge one.
	l.sweep = min(max(time.Duration(l.fill), time.Second), time.Minute)
	for i := range l.buckets {
		l.buckets[i].buckets = make(map[string]bucket)
	}
	return l
}

// Take takes cost points from key's bucket if it holds them, and reports
// the bucket after it. When it does not, it takes nothing, ok is false,
// and retryAfter is how long until the bucket holds cost (a retry that
// waits that long succeeds, unless something else spent the points). A
// cost above the bucket's size can never be taken: ok is false and
// retryAfter is zero, and there is no time worth telling the client to
// wait. A cost of zero or less takes nothing and reports the bucket.
func (l *Limiter) Take(key string, cost int) (st Status, retryAfter time.Duration, ok bool) {
	if cost > l.points {
		return l.Peek(key), 0, false
	}
	if cost <= 0 {
		return l.Peek(key), 0, true
	}
	need := int64(cost) * nano
	t := l.clock()
	s := l.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	l.maybeSweep(s, t)
	b, found := s.buckets[key]
	if found {
		b = l.refill(b, t)
	} else {
		b = bucket{level: l.max, at: t}
	}
	if b.level < need {
		// Not taken: b is full only if it was not found, which cost ≤
		// points rules out here, so there is nothing to store or drop.
		wait := (need - b.level + l.rate - 1) / l.rate
		return l.status(b.level), time.Duration(wait), false
	}
	b.level -= need
	if !found && len(s.buckets) >= l.perCap {
		l.makeRoom(s, t)
	}
	s.buckets[key] = b
	return l.status(b.level), 0, true
}

// Refund gives points back to key's bucket (what a request was charged
// beyond its actual cost), up to the bucket's size, and reports the
// bucket. Points of zero or less change nothing.
func (l *Limiter) Refund(key string, points int) Status {
	if points <= 0 {
		return l.Peek(key)
	}
	t := l.clock()
	s := l.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	b, found := s.buckets[key]
	if !found {
		return l.status(l.max)
	}
	b = l.refill(b, t)
	b.level = min(l.max, b.level+min(int64(points), int64(l.points))*nano)
	if b.level == l.max {
		delete(s.buckets, key)
	} else {
		s.buckets[key] = b
	}
	return l.status(b.level)
}

// Peek reports key's bucket without taking from it (for an answer that
// costs nothing but still reports extensions.cost).
func (l *Limiter) Peek(key string) Status {
	t := l.clock()
	s := l.shard(key)
	s.mu.Lock()
	b, found := s.buckets[key]
	s.mu.Unlock()
	if !found {
		return l.status(l.max)
	}
	return l.status(l.refill(b, t).level)
}

// Len is the number of buckets kept (those not full), for a gauge.
func (l *Limiter) Len() int {
	n := 0
	for i := range l.buckets {
		s := &l.buckets[i]
		s.mu.Lock()
		n += len(s.buckets)
		s.mu.Unlock()
	}
	return n
}

// RetryAfterSeconds is a Retry-After header value for a wait: whole
// seconds, rounded up so that a client that waits that long finds the
// points there, and at least 1.
func RetryAfterSeconds(d time.Duration) string {
	secs := (d + time.Second - 1) / time.Second
	return strconv.FormatInt(int64(max(secs, 1)), 10)
}

// clock is now as nanoseconds since the epoch.
func (l *Limiter) clock() int64 {
	return int64(l.now().Sub(l.epoch))
}

// shard is the shard that holds key's bucket.
func (l *Limiter) shard(key string) *shard {
	return &l.buckets[maphash.String(l.seed, key)%uint64(len(l.buckets))]
}

// refill brings b to time t. A clock that goes back refills nothing (and
// does not move b back: the time already counted stays counted).
func (l *Limiter) refill(b bucket, t int64) bucket {
	elapsed := t - b.at
	if elapsed <= 0 {
		return b
	}
	// Compare before multiplying: a long idle time times the rate could
	// overflow, a time under fill cannot.
	if elapsed >= l.fill {
		return bucket{level: l.max, at: t}
	}
	return bucket{level: min(l.max, b.level+elapsed*l.rate), at: t}
}

// status reports a level in nano-points.
func (l *Limiter) status(level int64) Status {
	return Status{
		MaximumAvailable:   l.points,
		CurrentlyAvailable: int(level / nano),
		RestoreRate:        int(l.rate),
	}
}

// maybeSweep drops s's full buckets if it has not done so for a while. It
// runs inside Take rather than on a timer, so a Limiter owns no goroutine
// to stop; idle buckets stay until the next take in their shard, which
// the cap bounds anyway.
func (l *Limiter) maybeSweep(s *shard, t int64) {
	if t-s.lastSweep < int64(l.sweep) {
		return
	}
	s.lastSweep = t
	l.dropFull(s, t)
}

// dropFull drops s's buckets that have refilled to full by t.
func (l *Limiter) dropFull(s *shard, t int64) {
	for k, b := range s.buckets {
		if l.refill(b, t).level == l.max {
			delete(s.buckets, k)
		}
	}
}

// evictSample is how many buckets makeRoom compares: enough that the one
// it drops is nearly always among the fullest, few enough that a flood of
// new viewers at the cap costs each a few hundred nanoseconds (scanning a
// whole shard instead cost some 30µs a viewer).
const evictSample = 8

// makeRoom frees a place in a full shard for a new bucket: of a few
// buckets picked at random (a map's iteration starts at a random place),
// it drops the fullest. Dropping a bucket forgives what its viewer owes;
// the fullest owes the least, and a full one nothing. (Refusing new
// viewers instead would let anyone with many addresses lock out everyone
// who comes after.)
func (l *Limiter) makeRoom(s *shard, t int64) {
	var victim string
	best, n := int64(-1), 0
	for k, b := range s.buckets {
		if level := l.refill(b, t).level; level > best {
			best, victim = level, k
		}
		if n++; n == evictSample || best == l.max {
			break
		}
	}
	delete(s.buckets, victim)
}
