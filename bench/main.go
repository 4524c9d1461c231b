// Command bench measures the server under load against a floor, in one
// process and one run:
//
//	go run ./bench                          10,000 products on SQLite, every workload
//	go run ./bench -products 1000000 -svg bench-data/chart.svg
//	go run ./bench -db 'postgres://…' -w product_page,product_list -json
//
// It builds a realistic dataset (or reuses the one the database holds),
// starts the real handler in its production configuration and a
// hand-written floor on one database pool, checks that the floor answers
// what the real server answers, and then runs each workload closed-loop,
// alternating slices between the two servers. It prints a table (or, with
// -json, one JSON object), keeps the result in a history file and can draw
// the results as an SVG chart. Progress goes to stderr.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strings"
	"syscall"
	"time"

	"servicesupport/database"
	"servicesupport/graph"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// options are the command line.
type options struct {
	products, sellers int
	db                string
	reset             bool
	concurrency       int
	duration, warmup  time.Duration
	workloads         []workload
	jsonOut           bool
	noCache           bool
	svg, history      string
	cpuProfile        string
}

// defaultDuration is the measured time per workload and side: with the
// warm-ups, three workloads on two sides and three on one take about 100 s,
// so that a default run, dataset included, takes about two minutes.
const defaultDuration = 10 * time.Second

// parseOptions reads the command line.
func parseOptions(args []string, stderr io.Writer) (*options, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := &options{}
	fs.IntVar(&o.products, "products", 10000, "products in the dataset")
	fs.IntVar(&o.sellers, "sellers", 0, "sellers in the dataset (default max(1000, products/10))")
	fs.StringVar(&o.db, "db", "", "database URL: postgres://… or file:PATH (default file:bench-data/bench-<products>.db)")
	fs.BoolVar(&o.reset, "reset", false, "rebuild the dataset even when the database holds one of the requested size")
	fs.IntVar(&o.concurrency, "c", 16, "concurrent closed-loop clients")
	fs.DurationVar(&o.duration, "d", defaultDuration, "measured time per workload and side")
	fs.DurationVar(&o.warmup, "warmup", 0, "warm-up per workload and side (default min(1s, d/5))")
	names := fs.String("w", "", "comma-separated workloads (default all): "+workloadNames())
	fs.BoolVar(&o.jsonOut, "json", false, "print one JSON object instead of the table")
	fs.BoolVar(&o.noCache, "nocache", false, "turn the server's product page cache off (HandlerConfig.NoCache)")
	fs.StringVar(&o.svg, "svg", "", "write an SVG chart to this file")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the workloads (warm-ups and measured slices, both sides and the load) to this file")
	fs.StringVar(&o.history, "history", filepath.Join("bench-data", "history.json"), "file keeping the latest result per database and product count")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if o.products < 1 || o.sellers < 0 || o.concurrency < 1 || o.duration <= 0 || o.warmup < 0 {
		return nil, errors.New("-products, -c and -d must be positive, -sellers and -warmup not negative")
	}
	if o.sellers == 0 {
		o.sellers = max(1000, o.products/10)
	}
	if o.warmup == 0 {
		o.warmup = min(time.Second, o.duration/5)
	}
	if o.db == "" {
		o.db = "file:" + filepath.Join("bench-data", fmt.Sprintf("bench-%d.db", o.products))
	}
	if !strings.HasPrefix(o.db, "file:") && !database.IsPostgres(o.db) {
		return nil, fmt.Errorf("-db %q: use file:PATH or postgres://…", o.db)
	}
	if *names == "" {
		o.workloads = allWorkloads
	} else {
		for _, n := range strings.Split(*names, ",") {
			i := slices.IndexFunc(allWorkloads, func(w workload) bool { return w.name == strings.TrimSpace(n) })
			if i < 0 {
				return nil, fmt.Errorf("-w: unknown workload %q (known: %s)", n, workloadNames())
			}
			o.workloads = append(o.workloads, allWorkloads[i])
		}
	}
	return o, nil
}

// workloadNames lists the workloads.
func workloadNames() string {
	var names []string
	for _, w := range allWorkloads {
		names = append(names, w.name)
	}
	return strings.Join(names, ",")
}

// run is the whole benchmark; main and the test call it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseOptions(args, stderr)
	if err != nil {
		return err
	}
	started := time.Now()
	// The profile's file is opened first, so that a path that cannot be
	// written fails before the dataset is built.
	var profile *os.File
	if o.cpuProfile != "" {
		if profile, err = os.Create(o.cpuProfile); err != nil {
			return err
		}
		defer profile.Close()
	}
	// Production's collector setting (GC_PERCENT's default), for both
	// sides: they share the process. GOGC, when set, is left as it is.
	gc := graph.DefaultGCPercent
	if os.Getenv("GOGC") != "" {
		gc = debug.SetGCPercent(-1) // what the runtime read from GOGC
	}
	debug.SetGCPercent(gc)
	if path, ok := strings.CutPrefix(o.db, "file:"); ok {
		path, _, _ = strings.Cut(path, "?")
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
	}
	db, _, err := openDataset(ctx, o.db, datasetSize{products: o.products, sellers: o.sellers}, o.reset, stderr)
	if err != nil {
		return err
	}
	defer db.SQL.Close()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops the change feed
	srv, err := startServers(ctx, db, o.db, o.noCache)
	if err != nil {
		return err
	}
	defer srv.close()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	e, err := loadEnv(ctx, db, srv.secret, rng)
	if err != nil {
		return err
	}
	ours := &target{name: "ours", url: srv.ours.URL + "/graphql", base: srv.ours.URL, client: newHTTPClient(o.concurrency), metrics: true}
	fl := &target{name: "floor", url: srv.floor.URL + "/graphql", base: srv.floor.URL, client: newHTTPClient(o.concurrency), floor: srv.fl}
	compared, err := checkFloor(ctx, e, ours, fl, rng)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "floor check: passed (%d answers compared)\n", compared)

	// Each side has its own workers, so that neither inherits the other's
	// state; mutation workers each own a share of the sampled sellers.
	workers := map[string][]*worker{}
	for _, t := range []*target{ours, fl} {
		for i := range o.concurrency {
			workers[t.name] = append(workers[t.name], &worker{
				id: i, env: e, mutations: e.dealSellers(i, o.concurrency),
				rng: rand.New(rand.NewPCG(rng.Uint64(), uint64(i))),
			})
		}
	}
	r := &result{
		Database: map[bool]string{true: "postgres", false: "sqlite"}[db.Dialect == database.Postgres],
		Products: o.products, Sellers: o.sellers, Concurrency: o.concurrency, Cache: !o.noCache, GCPercent: gc,
		DurationS:   o.duration.Seconds(),
		FloorCheck:  fmt.Sprintf("passed (%d answers compared)", compared),
		AllocsScope: allocsScope,
	}
	slicesPerSide := max(2, min(10, int(o.duration/time.Second)))
	if profile != nil {
		if err := pprof.StartCPUProfile(profile); err != nil {
			return err
		}
		defer pprof.StopCPUProfile() // on an error; else stopped below
	}
	for _, wl := range o.workloads {
		targets := []*target{ours}
		if wl.floor {
			targets = append(targets, fl)
		}
		sides, err := runWorkload(ctx, wl, targets, workers, o.duration, o.warmup, slicesPerSide, stderr)
		if err != nil {
			return fmt.Errorf("%s: %w", wl.name, err)
		}
		writes := wl.name == "mutations"
		var floorM *measure
		if s := sides["floor"]; s != nil {
			floorM = ptr(s.result(false))
			reportErrors(stderr, wl.name, "floor", s)
		}
		reportErrors(stderr, wl.name, "ours", sides["ours"])
		r.Workloads = append(r.Workloads, newWorkloadResult(wl.name, sides["ours"].result(writes), floorM))
	}
	pprof.StopCPUProfile()
	r.RecordedAt = time.Now().UTC().Format(time.RFC3339)

	history, err := recordHistory(o.history, r)
	if err != nil {
		return fmt.Errorf("history: %w", err)
	}
	if o.svg != "" {
		if err := writeChart(o.svg, r, history); err != nil {
			return fmt.Errorf("chart: %w", err)
		}
		fmt.Fprintf(stderr, "chart: %s\n", o.svg)
	}
	fmt.Fprintf(stderr, "done in %s\n", time.Since(started).Round(time.Second))
	if o.jsonOut {
		return writeJSON(stdout, r)
	}
	return writeTable(stdout, r)
}

// reportErrors shows the first error of a side that had any.
func reportErrors(w io.Writer, workload, sideName string, s *side) {
	if s.errors > 0 {
		fmt.Fprintf(w, "load: %s on %s: %d errors; the first: %s\n", workload, sideName, s.errors, s.firstError)
	}
}
