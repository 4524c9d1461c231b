package graph

import (
	"sync"
	"sync/atomic"
)

// A readCache keeps what the request path works out of values that do not
// change (a parsed document's selections, a column's text): a lookup that
// finds its entry takes no lock, where an LRU's bookkeeping would take one
// on every read. Its bound is a count of entries, not of bytes: callers
// keep small values, and bound the keys' size themselves. It holds about
// max entries: an entry that would pass max drops all the others first (a
// few more may be added meanwhile by concurrent requests), and what was
// dropped is worked out again when asked for.
type readCache[K comparable, V any] struct {
	max     int64
	entries atomic.Pointer[sync.Map]
	n       atomic.Int64
}

func newReadCache[K comparable, V any](max int) *readCache[K, V] {
	c := &readCache[K, V]{max: int64(max)}
	c.entries.Store(&sync.Map{})
	return c
}

// Get is the value kept for k.
func (c *readCache[K, V]) Get(k K) (V, bool) {
	v, ok := c.entries.Load().Load(k)
	if !ok {
		var zero V
		return zero, false
	}
	return v.(V), true
}

// Contains reports whether a value is kept for k.
func (c *readCache[K, V]) Contains(k K) bool {
	_, ok := c.entries.Load().Load(k)
	return ok
}

// Add keeps v for k, unless a value is kept for it already.
func (c *readCache[K, V]) Add(k K, v V) { c.Keep(k, v) }

// Keep keeps v for k, unless a value is kept for it already, and returns
// the value kept.
func (c *readCache[K, V]) Keep(k K, v V) V {
	entries := c.entries.Load()
	if kept, ok := entries.Load(k); ok {
		return kept.(V)
	}
	if c.n.Add(1) > c.max {
		fresh := &sync.Map{}
		if c.entries.CompareAndSwap(entries, fresh) {
			c.n.Store(1)
		}
		entries = c.entries.Load()
	}
	kept, _ := entries.LoadOrStore(k, v)
	return kept.(V)
}
