package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The load driver is closed-loop: c workers each send a request, wait for
// the answer and send the next. A workload's measured time is cut into
// slices that alternate between our server and the floor (ours, floor,
// floor, ours, …, so that neither side always goes first), so both see the
// same machine: the same page cache, the same noisy neighbours.

// target is a server under load.
type target struct {
	name    string // "ours" or "floor"
	url     string // the GraphQL endpoint
	base    string // the server's root URL
	client  *http.Client
	metrics bool   // it serves /metrics (the real server)
	floor   *floor // the floor itself, whose statements are counted directly
}

// worker is one closed loop.
type worker struct {
	id        int
	rng       *rand.Rand
	env       *env
	mutations *mutationState
	buf       []byte
	st        *stats
}

// stats are what one side of one workload measured.
type stats struct {
	requests, errors, writes int64
	latencies                []time.Duration
	elapsed                  time.Duration
	mallocs                  uint64
	sqlSum, sqlCount         float64 // deltas of the real server's histogram
	statements               int64   // the floor's own count
	firstError               string
}

// add merges o into s.
func (s *stats) add(o *stats) {
	s.requests += o.requests
	s.errors += o.errors
	s.writes += o.writes
	s.latencies = append(s.latencies, o.latencies...)
	if s.firstError == "" {
		s.firstError = o.firstError
	}
}

// post sends one GraphQL request and records it; it returns the body and
// whether the answer was a success (status 200, no errors).
func (w *worker) post(ctx context.Context, t *target, token string, body []byte) ([]byte, bool) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.url, bytes.NewReader(body))
	if err != nil {
		w.fail(err.Error())
		return nil, false
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	start := time.Now()
	resp, err := t.client.Do(req)
	var answer []byte
	if err == nil {
		answer, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	w.st.latencies = append(w.st.latencies, time.Since(start))
	w.st.requests++
	switch {
	case err != nil:
		if ctx.Err() == nil {
			w.fail(err.Error())
		} else {
			w.st.requests-- // cut off by the end of the run, not an answer
			w.st.latencies = w.st.latencies[:len(w.st.latencies)-1]
		}
		return nil, false
	case resp.StatusCode != http.StatusOK:
		w.fail(fmt.Sprintf("status %d: %.300s", resp.StatusCode, answer))
		return answer, false
	case bytes.Contains(answer, []byte(`"errors":[`)):
		// A key, never text: strings inside the answer have their quotes
		// escaped.
		w.fail(fmt.Sprintf("errors: %.300s", answer))
		return answer, false
	}
	return answer, true
}

// query sends a query.
func (w *worker) query(ctx context.Context, t *target, token string, body []byte) ([]byte, bool) {
	return w.post(ctx, t, token, body)
}

// mutate sends a mutation; its userErrors are the caller's to check.
func (w *worker) mutate(ctx context.Context, t *target, token string, body []byte) ([]byte, bool) {
	return w.post(ctx, t, token, body)
}

// fail counts an error and keeps the first one's description.
func (w *worker) fail(msg string) {
	w.st.errors++
	if w.st.firstError == "" {
		w.st.firstError = msg
	}
}

// wrote counts a successful write.
func (w *worker) wrote() { w.st.writes++ }

// runSlice runs the workload against t with every worker for d, and
// returns what they measured (latencies and counts; the caller adds the
// process-wide numbers).
func runSlice(ctx context.Context, wl workload, t *target, workers []*worker, d time.Duration) *stats {
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for _, w := range workers {
		w.st = &stats{}
		wg.Go(func() {
			for ctx.Err() == nil && time.Now().Before(deadline) {
				if !wl.run(ctx, w, t) {
					return
				}
			}
		})
	}
	wg.Wait()
	total := &stats{}
	for _, w := range workers {
		total.add(w.st)
	}
	return total
}

// measureSlice is runSlice with the process's allocations and the
// server's SQL statements counted around it.
func measureSlice(ctx context.Context, wl workload, t *target, workers []*worker, d time.Duration) (*stats, error) {
	var before, after sqlHistogram
	var err error
	if t.metrics {
		if before, err = scrape(ctx, t); err != nil {
			return nil, err
		}
	}
	var floorBefore int64
	if t.floor != nil {
		floorBefore = t.floor.statements.Load()
	}
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	start := time.Now()
	st := runSlice(ctx, wl, t, workers, d)
	st.elapsed = time.Since(start)
	runtime.ReadMemStats(&m1)
	st.mallocs = m1.Mallocs - m0.Mallocs
	if t.floor != nil {
		st.statements = t.floor.statements.Load() - floorBefore
	}
	if t.metrics {
		if after, err = scrape(ctx, t); err != nil {
			return nil, err
		}
		st.sqlSum = after.sum - before.sum
		// The histogram also observed the scrape before the slice (a
		// request without SQL): leave it out of the count.
		st.sqlCount = after.count - before.count - 1
	}
	return st, nil
}

// side is everything one side of a workload measured.
type side struct {
	stats
	slices int
}

// merge adds a slice's numbers.
func (s *side) merge(o *stats) {
	s.add(o)
	s.elapsed += o.elapsed
	s.mallocs += o.mallocs
	s.sqlSum += o.sqlSum
	s.sqlCount += o.sqlCount
	s.statements += o.statements
	s.slices++
}

// runWorkload warms both sides up and then measures them in alternating
// slices of d/slices each, d per side.
func runWorkload(ctx context.Context, wl workload, targets []*target, workers map[string][]*worker, d, warmup time.Duration, slices int, progress io.Writer) (map[string]*side, error) {
	for _, t := range targets {
		if wl.visit != nil {
			start := time.Now()
			var wg sync.WaitGroup
			for i, w := range workers[t.name] {
				w.st = &stats{}
				wg.Go(func() { wl.visit(ctx, w, t, i, len(workers[t.name])) })
			}
			wg.Wait()
			fmt.Fprintf(progress, "load: %s on %s: visited in %s\n", wl.name, t.name, time.Since(start).Round(time.Millisecond))
		}
		fmt.Fprintf(progress, "load: %s on %s: warming up for %s\n", wl.name, t.name, warmup)
		runSlice(ctx, wl, t, workers[t.name], warmup)
	}
	out := map[string]*side{}
	for _, t := range targets {
		out[t.name] = &side{}
	}
	slice := d / time.Duration(slices)
	fmt.Fprintf(progress, "load: %s: measuring %s per side in %d slices of %s\n", wl.name, d, slices, slice)
	for i := range slices * len(targets) {
		// ABBA order: 0 1 1 0 0 1 1 0 …
		k := i % len(targets)
		if len(targets) == 2 && (i/2)%2 == 1 {
			k = 1 - k
		}
		t := targets[k]
		st, err := measureSlice(ctx, wl, t, workers[t.name], slice)
		if err != nil {
			return nil, err
		}
		out[t.name].merge(st)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// sqlHistogram is the real server's graphql_sql_statements_per_request.
type sqlHistogram struct{ sum, count float64 }

// scrape reads the statement histogram from the server's /metrics.
func scrape(ctx context.Context, t *target) (sqlHistogram, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.base+"/metrics", nil)
	if err != nil {
		return sqlHistogram{}, err
	}
	resp, err := t.client.Do(req)
	if err != nil {
		return sqlHistogram{}, fmt.Errorf("scraping /metrics: %w", err)
	}
	defer resp.Body.Close()
	var h sqlHistogram
	found := 0
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		var dst *float64
		switch name {
		case "graphql_sql_statements_per_request_sum":
			dst = &h.sum
		case "graphql_sql_statements_per_request_count":
			dst = &h.count
		default:
			continue
		}
		if *dst, err = strconv.ParseFloat(value, 64); err != nil {
			return sqlHistogram{}, fmt.Errorf("/metrics: %s: %w", name, err)
		}
		found++
	}
	if err := sc.Err(); err != nil {
		return sqlHistogram{}, err
	}
	if found != 2 {
		return sqlHistogram{}, fmt.Errorf("/metrics has no graphql_sql_statements_per_request histogram")
	}
	return h, nil
}

// measure is a side's result, as reported.
type measure struct {
	Requests         int64    `json:"requests"`
	RPS              float64  `json:"rps"`
	P50              float64  `json:"p50_ms"`
	P99              float64  `json:"p99_ms"`
	Errors           int64    `json:"errors"`
	SQLPerRequest    float64  `json:"sql_per_request"`
	AllocsPerRequest float64  `json:"allocs_per_request"`
	WritesPerSecond  *float64 `json:"writes_per_second,omitempty"`
}

// result turns a side's numbers into its measure.
func (s *side) result(writes bool) measure {
	m := measure{Requests: s.requests, Errors: s.errors}
	if s.requests == 0 || s.elapsed <= 0 {
		return m
	}
	secs := s.elapsed.Seconds()
	m.RPS = round(float64(s.requests)/secs, 1)
	lat := slices.Clone(s.latencies)
	slices.Sort(lat)
	m.P50 = round(ms(percentile(lat, 0.50)), 3)
	m.P99 = round(ms(percentile(lat, 0.99)), 3)
	m.AllocsPerRequest = round(float64(s.mallocs)/float64(s.requests), 1)
	switch {
	case s.sqlCount > 0:
		m.SQLPerRequest = round(s.sqlSum/s.sqlCount, 2)
	case s.statements > 0:
		m.SQLPerRequest = round(float64(s.statements)/float64(s.requests), 2)
	}
	if writes {
		w := round(float64(s.writes)/secs, 1)
		m.WritesPerSecond = &w
	}
	return m
}

// percentile is the q-quantile of sorted latencies (nearest rank).
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// ms is d in milliseconds.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// round rounds x to n decimals.
func round(x float64, n int) float64 {
	p := math.Pow(10, float64(n))
	return math.Round(x*p) / p
}
