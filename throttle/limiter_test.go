package throttle

import (
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// clock is a time the test moves by hand. It needs no lock: tests that
// take concurrently keep it still.
type clock struct{ t time.Time }

func newClock() *clock                   { return &clock{t: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)} }
func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

// take takes cost and fails the test unless ok and the level are as
// wanted; it returns the wait of a refusal.
func take(t *testing.T, l *Limiter, key string, cost int, wantOK bool, wantAvailable int) time.Duration {
	t.Helper()
	st, wait, ok := l.Take(key, cost)
	if ok != wantOK || st.CurrentlyAvailable != wantAvailable {
		t.Fatalf("Take(%q, %d) = ok %v, available %d; want ok %v, available %d",
			key, cost, ok, st.CurrentlyAvailable, wantOK, wantAvailable)
	}
	return wait
}

func TestRefillArithmetic(t *testing.T) {
	c := newClock()
	l := New(100, 10, c.now)
	take(t, l, "v", 100, true, 0)
	c.advance(250 * time.Millisecond) // 2.5 points: whole ones are reported
	take(t, l, "v", 0, true, 2)
	c.advance(250 * time.Millisecond)
	take(t, l, "v", 5, true, 0)
	c.advance(time.Hour) // refills to the size, not beyond
	take(t, l, "v", 1, true, 99)
	if st := l.Peek("v"); st != (Status{MaximumAvailable: 100, CurrentlyAvailable: 99, RestoreRate: 10}) {
		t.Errorf("Peek = %+v", st)
	}
}

func TestRetryAfterIsExact(t *testing.T) {
	for _, tc := range []struct {
		points, rate, cost int
		want               time.Duration
		header             string
	}{
		{points: 10, rate: 2, cost: 3, want: 1500 * time.Millisecond, header: "2"},
		{points: 2000, rate: 200, cost: 2000, want: 10 * time.Second, header: "10"},
		{points: 10, rate: 3, cost: 1, want: 333333334, header: "1"}, // rounded up to the nanosecond
	} {
		t.Run(fmt.Sprintf("%d/%d cost %d", tc.points, tc.rate, tc.cost), func(t *testing.T) {
			c := newClock()
			l := New(tc.points, tc.rate, c.now)
			take(t, l, "v", tc.points, true, 0)
			wait := take(t, l, "v", tc.cost, false, 0)
			if wait != tc.want || RetryAfterSeconds(wait) != tc.header {
				t.Fatalf("wait %v (header %s), want %v (%s)", wait, RetryAfterSeconds(wait), tc.want, tc.header)
			}
			c.advance(wait - 1)
			take(t, l, "v", tc.cost, false, tc.cost-1)
			c.advance(1)
			take(t, l, "v", tc.cost, true, 0)
		})
	}
}

func TestRetryAfterSeconds(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "1", time.Nanosecond: "1", time.Second: "1", time.Second + 1: "2", 90 * time.Second: "90",
	} {
		if got := RetryAfterSeconds(d); got != want {
			t.Errorf("RetryAfterSeconds(%v) = %s, want %s", d, got, want)
		}
	}
}

func TestCostOverMaximum(t *testing.T) {
	l := New(10, 1, newClock().now)
	st, wait, ok := l.Take("v", 11)
	if ok || wait != 0 || st.CurrentlyAvailable != 10 || l.Len() != 0 {
		t.Fatalf("cost over maximum: ok %v, wait %v, status %+v, %d buckets", ok, wait, st, l.Len())
	}
	take(t, l, "v", 10, true, 0) // nothing was taken
}

func TestZeroCostCreatesNoBucket(t *testing.T) {
	l := New(10, 1, newClock().now)
	take(t, l, "v", 0, true, 10)
	take(t, l, "v", -5, true, 10)
	if l.Len() != 0 {
		t.Fatalf("%d buckets after free takes", l.Len())
	}
}

func TestRefundIsCapped(t *testing.T) {
	l := New(10, 1, newClock().now)
	take(t, l, "v", 8, true, 2)
	if st := l.Refund("v", 3); st.CurrentlyAvailable != 5 {
		t.Fatalf("after refund of 3: %+v", st)
	}
	if st := l.Refund("v", 1_000_000); st.CurrentlyAvailable != 10 {
		t.Fatalf("after a huge refund: %+v", st)
	}
	if l.Len() != 0 {
		t.Errorf("a bucket refunded to full is kept")
	}
	if st := l.Refund("unknown", 5); st.CurrentlyAvailable != 10 || l.Len() != 0 {
		t.Errorf("refund to a full bucket: %+v, %d buckets", st, l.Len())
	}
	take(t, l, "v", 4, true, 6)
	if st := l.Refund("v", -2); st.CurrentlyAvailable != 6 {
		t.Errorf("negative refund: %+v", st)
	}
}

func TestKeysAreIndependent(t *testing.T) {
	l := New(10, 1, newClock().now)
	take(t, l, "a", 10, true, 0)
	take(t, l, "a", 1, false, 0)
	take(t, l, "b", 7, true, 3)
	take(t, l, "a", 0, true, 0)
}

func TestClockGoingBackRefillsNothing(t *testing.T) {
	c := newClock()
	l := New(10, 1, c.now)
	c.advance(time.Minute)
	take(t, l, "v", 10, true, 0)
	c.advance(-30 * time.Second)
	take(t, l, "v", 1, false, 0)
	c.advance(30*time.Second + time.Second)
	take(t, l, "v", 1, true, 0)
}

func TestSweepDropsFullBucketsOnly(t *testing.T) {
	c := newClock()
	l := New(10, 10, c.now) // full again 1s after a take of everything
	take(t, l, "full", 10, true, 0)
	take(t, l, "partial", 10, true, 0)
	c.advance(500 * time.Millisecond)
	take(t, l, "partial", 5, true, 0)
	c.advance(900 * time.Millisecond) // "full" is full, "partial" is at 9
	for i := range 2 * shardCount * 8 {
		take(t, l, "other"+strconv.Itoa(i), 0, true, 10) // free takes sweep nothing
	}
	if l.Len() != 2 {
		t.Fatalf("%d buckets before a sweep, want 2", l.Len())
	}
	// A take in each shard sweeps it: the sweep period (1s) has passed.
	for i := 0; l.shard("full").lastSweep == 0 || l.shard("partial").lastSweep == 0; i++ {
		l.Take("probe"+strconv.Itoa(i), 1)
	}
	if _, ok := l.shard("full").buckets["full"]; ok {
		t.Error("the full bucket was kept")
	}
	if b, ok := l.shard("partial").buckets["partial"]; !ok || l.refill(b, l.clock()).level != 9*nano {
		t.Errorf("the partial bucket: %+v, %v", b, ok)
	}
}

func TestCapEvictsTheFullestBucket(t *testing.T) {
	c := newClock()
	l := newLimiter(10, 1, c.now, 3, 1)
	take(t, l, "a", 9, true, 1)
	take(t, l, "b", 2, true, 8) // owes least
	take(t, l, "c", 6, true, 4)
	take(t, l, "d", 5, true, 5)
	if l.Len() != 3 {
		t.Fatalf("%d buckets, want the cap of 3", l.Len())
	}
	take(t, l, "b", 0, true, 10) // forgiven
	take(t, l, "a", 0, true, 1)
	take(t, l, "c", 0, true, 4)
	take(t, l, "d", 0, true, 5)

	// Full buckets make room before any partial one is dropped.
	c.advance(5 * time.Second) // a 6, c 9, d full
	take(t, l, "e", 1, true, 9)
	take(t, l, "a", 0, true, 6)
	take(t, l, "c", 0, true, 9)
	if l.Len() != 3 {
		t.Fatalf("%d buckets, want 3", l.Len())
	}
}

// TestConcurrentTakes fails without the shard lock (under -race, and by
// its count): with a frozen clock, exactly the bucket's points succeed.
func TestConcurrentTakes(t *testing.T) {
	const points, goroutines, each = 5000, 64, 200
	l := New(points, 1, newClock().now)
	var taken atomic.Int64
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for range each {
				if _, _, ok := l.Take("v", 1); ok {
					taken.Add(1)
				}
				l.Take("other", 1) // another key alongside
			}
		})
	}
	wg.Wait()
	if taken.Load() != points {
		t.Fatalf("%d takes succeeded, want %d", taken.Load(), points)
	}
}

// BenchmarkTake measures concurrent takes over many viewers, as a busy
// instance sees them.
func BenchmarkTake(b *testing.B) {
	l := New(2000, 200, nil)
	keys := make([]string, 1024)
	for i := range keys {
		keys[i] = "viewer:" + strconv.Itoa(i)
	}
	var n atomic.Uint64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := n.Add(1) * 7919
		for pb.Next() {
			l.Take(keys[i%uint64(len(keys))], 1)
			i++
		}
	})
}

// BenchmarkTakeOneKey measures the worst case: every request on one bucket.
func BenchmarkTakeOneKey(b *testing.B) {
	l := New(MaxPoints, MaxPoints, nil)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			l.Take("viewer", 1)
		}
	})
}

// BenchmarkTakeAtCap measures new viewers arriving while every bucket is
// partly spent and the cap is reached: each one evicts another.
func BenchmarkTakeAtCap(b *testing.B) {
	l := New(2000, 1, nil)
	for i := range DefaultMaxBuckets {
		l.Take("seed:"+strconv.Itoa(i), 1000)
	}
	b.ResetTimer()
	for i := range b.N {
		l.Take("new:"+strconv.Itoa(i), 1000)
	}
}
