package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// result is one run, as printed with -json and kept in the history.
type result struct {
	Database    string           `json:"database"` // sqlite or postgres
	Products    int              `json:"products"`
	Sellers     int              `json:"sellers"`
	Concurrency int              `json:"concurrency"`
	Cache       bool             `json:"cache"`
	GCPercent   int              `json:"gc_percent"`   // the process's GOGC: the server's default unless GOGC is set
	DurationS   float64          `json:"duration_s"`   // measured time per workload and side
	FloorCheck  string           `json:"floor_check"`  // "passed (N answers compared)"
	AllocsScope string           `json:"allocs_scope"` // what allocs_per_request counts
	RecordedAt  string           `json:"recorded_at"`  // RFC 3339
	Workloads   []workloadResult `json:"workloads"`
}

// workloadResult is one workload's numbers: ours, and the floor's where
// there is one.
type workloadResult struct {
	Name string `json:"name"`
	measure
	Floor    *measure `json:"floor,omitempty"`
	RatioRPS *float64 `json:"ratio_rps,omitempty"` // ours / floor
	RatioP99 *float64 `json:"ratio_p99,omitempty"` // ours / floor
}

// allocsScope says what allocs_per_request counts.
const allocsScope = "whole process (load client, server and database driver), per request"

// newWorkloadResult assembles a workload's result.
func newWorkloadResult(name string, ours measure, floor *measure) workloadResult {
	r := workloadResult{Name: name, measure: ours, Floor: floor}
	if floor != nil {
		if floor.RPS > 0 {
			r.RatioRPS = ptr(round(ours.RPS/floor.RPS, 3))
		}
		if floor.P99 > 0 {
			r.RatioP99 = ptr(round(ours.P99/floor.P99, 3))
		}
	}
	return r
}

// writeTable prints the result for people.
func writeTable(w io.Writer, r *result) error {
	fmt.Fprintf(w, "servicesupport benchmark: %s, %d products, %d sellers, concurrency %d, cache %s, %s per workload and side\n",
		r.Database, r.Products, r.Sellers, r.Concurrency, onOff(r.Cache), time.Duration(r.DurationS*float64(time.Second)))
	fmt.Fprintf(w, "floor check: %s\n\n", r.FloorCheck)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "workload\tside\trequests\trps\tp50 ms\tp99 ms\terrors\tsql/req\tallocs/req\twrites/s\tours/floor rps\tours/floor p99\t")
	row := func(name, sideName string, m measure, ratios string) {
		writes := "-"
		if m.WritesPerSecond != nil {
			writes = fmt.Sprintf("%.1f", *m.WritesPerSecond)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.1f\t%.3f\t%.3f\t%d\t%.2f\t%.0f\t%s\t%s\t\n",
			name, sideName, m.Requests, m.RPS, m.P50, m.P99, m.Errors, m.SQLPerRequest, m.AllocsPerRequest, writes, ratios)
	}
	for _, wr := range r.Workloads {
		ratios := "-\t-"
		if wr.RatioRPS != nil && wr.RatioP99 != nil {
			ratios = fmt.Sprintf("%.3f\t%.3f", *wr.RatioRPS, *wr.RatioP99)
		}
		row(wr.Name, "ours", wr.measure, ratios)
		if wr.Floor != nil {
			row("", "floor", *wr.Floor, "\t")
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\nallocs/req: %s.\nsql/req: ours from /metrics (graphql_sql_statements_per_request), the floor's own count.\n", r.AllocsScope)
	return err
}

// onOff names a boolean setting.
func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// writeJSON prints the result as one JSON object.
func writeJSON(w io.Writer, r *result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// History: the latest result per database and product count.

// readHistory reads the history file (empty when it does not exist).
func readHistory(path string) ([]result, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var h []result
	if err := json.Unmarshal(b, &h); err != nil {
		return nil, fmt.Errorf("history %s: %w", path, err)
	}
	return h, nil
}

// recordHistory adds r to the history, replacing the result of the same
// database and product count, and writes the file atomically.
func recordHistory(path string, r *result) ([]result, error) {
	h, err := readHistory(path)
	if err != nil {
		return nil, err
	}
	h = slices.DeleteFunc(h, func(o result) bool { return o.Database == r.Database && o.Products == r.Products })
	h = append(h, *r)
	sort.SliceStable(h, func(i, j int) bool {
		if h[i].Database != h[j].Database {
			return h[i].Database < h[j].Database
		}
		return h[i].Products < h[j].Products
	})
	b, err := json.MarshalIndent(h, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return nil, err
	}
	return h, os.Rename(tmp, path)
}

// sizeLabel is a product count for people: 10k, 1M.
func sizeLabel(n int) string {
	switch {
	case n >= 1_000_000 && n%100_000 == 0:
		return strings.TrimSuffix(fmt.Sprintf("%.1f", float64(n)/1e6), ".0") + "M"
	case n >= 1000 && n%100 == 0:
		return strings.TrimSuffix(fmt.Sprintf("%.1f", float64(n)/1e3), ".0") + "k"
	}
	return fmt.Sprint(n)
}
