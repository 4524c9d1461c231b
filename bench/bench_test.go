package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBench runs the whole benchmark in-process on a tiny SQLite dataset
// with very short durations: every workload answers without errors, the
// floor check passes, the real server's statements are counted, and the
// chart is well-formed SVG.
func TestBench(t *testing.T) {
	dir := t.TempDir()
	svg := filepath.Join(dir, "chart.svg")
	args := []string{
		"-products", "300", "-sellers", "30", "-c", "4",
		"-d", "300ms", "-warmup", "50ms",
		"-db", "file:" + filepath.Join(dir, "bench.db"),
		"-history", filepath.Join(dir, "history.json"),
		"-svg", svg, "-json",
	}
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	if err := run(ctx, args, &stdout, &stderr); err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}

	var r struct {
		Database   string
		Products   int
		FloorCheck string `json:"floor_check"`
		Workloads  []struct {
			Name          string
			Requests      int64
			Errors        int64
			SQLPerRequest float64 `json:"sql_per_request"`
			Floor         *struct {
				Requests int64
				Errors   int64
			}
		}
	}
	dec := json.NewDecoder(&stdout)
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("stdout is not a JSON object: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		t.Errorf("stdout has more than one JSON object")
	}
	if r.Database != "sqlite" || r.Products != 300 {
		t.Errorf("database %q, %d products; want sqlite, 300", r.Database, r.Products)
	}
	if !strings.HasPrefix(r.FloorCheck, "passed") {
		t.Errorf("floor_check %q", r.FloorCheck)
	}
	seen := map[string]bool{}
	for _, w := range r.Workloads {
		seen[w.Name] = true
		if w.Requests == 0 || w.Errors != 0 || w.SQLPerRequest <= 0 {
			t.Errorf("%s: %d requests, %d errors, %.2f statements per request", w.Name, w.Requests, w.Errors, w.SQLPerRequest)
		}
		if w.Floor != nil && (w.Floor.Requests == 0 || w.Floor.Errors != 0) {
			t.Errorf("%s floor: %d requests, %d errors", w.Name, w.Floor.Requests, w.Floor.Errors)
		}
	}
	for _, w := range allWorkloads {
		if !seen[w.name] {
			t.Errorf("workload %s is missing", w.name)
		}
	}
	if t.Failed() {
		t.Logf("stderr:\n%s", stderr.String())
	}

	// The chart: well-formed XML whose root is svg, naming every workload.
	b, err := os.ReadFile(svg)
	if err != nil {
		t.Fatal(err)
	}
	d := xml.NewDecoder(bytes.NewReader(b))
	root := ""
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("chart is not well-formed XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok && root == "" {
			root = se.Name.Local
		}
	}
	if root != "svg" {
		t.Errorf("chart root element %q, want svg", root)
	}
	for _, w := range allWorkloads {
		if !bytes.Contains(b, []byte(">"+w.name+"<")) {
			t.Errorf("chart does not name %s", w.name)
		}
	}
}
