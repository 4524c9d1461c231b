package graph

import (
	"sync"
	"testing"
)

// TestReadCacheIsBounded: a readCache gives back what was added, keeps the
// first value added for a key, and never holds more than about max
// entries, from one goroutine or many at once. It fails when the bound is
// not kept.
func TestReadCacheIsBounded(t *testing.T) {
	const max = 100
	held := func(c *readCache[int, int]) int {
		n := 0
		c.entries.Load().Range(func(any, any) bool { n++; return true })
		return n
	}
	c := newReadCache[int, int](max)
	for i := range 10 * max {
		c.Add(i, i*2)
		if v, ok := c.Get(i); !ok || v != i*2 {
			t.Fatalf("Get(%d) right after Add = %d, %v", i, v, ok)
		}
		if n := held(c); n > max {
			t.Fatalf("%d entries after %d adds, want at most %d", n, i+1, max)
		}
	}
	c.Add(999, -1)
	if v, _ := c.Get(999); v != 999*2 {
		t.Errorf("a second Add of a kept key replaced its value: %d", v)
	}
	if c.Contains(-5) {
		t.Error("Contains a key never added")
	}

	const workers = 8
	c = newReadCache[int, int](max)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range 20 * max {
				k := w*1_000_000 + i
				c.Add(k, k)
				if v, ok := c.Get(k); ok && v != k {
					t.Errorf("Get(%d) = %d", k, v)
				}
			}
		})
	}
	wg.Wait()
	if n := held(c); n > max+workers {
		t.Errorf("%d entries after concurrent adds, want at most %d", n, max+workers)
	}
}
