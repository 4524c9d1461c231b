package graph_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"entgo.io/ent/dialect"

	"servicesupport/database"
	"servicesupport/database/dbtest"
)

// recordedStatement is one SQL statement the server ran, with its
// arguments.
type recordedStatement struct {
	query string
	args  []any
}

// statementRecorder collects the statements of a driver while it is on.
type statementRecorder struct {
	on   atomic.Bool
	mu   sync.Mutex
	list []recordedStatement
}

func (r *statementRecorder) record(q string, args any) {
	if !r.on.Load() {
		return
	}
	a, _ := args.([]any)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.list = append(r.list, recordedStatement{query: q, args: append([]any(nil), a...)})
}

// during returns the statements f ran.
func (r *statementRecorder) during(f func()) []recordedStatement {
	r.mu.Lock()
	r.list = nil
	r.mu.Unlock()
	r.on.Store(true)
	f()
	r.on.Store(false)
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.list
}

// recordingDriver records the statements on their way to the database,
// in and out of transactions.
type recordingDriver struct {
	dialect.Driver
	r *statementRecorder
}

func (d recordingDriver) Exec(ctx context.Context, q string, args, v any) error {
	d.r.record(q, args)
	return d.Driver.Exec(ctx, q, args, v)
}

func (d recordingDriver) Query(ctx context.Context, q string, args, v any) error {
	d.r.record(q, args)
	return d.Driver.Query(ctx, q, args, v)
}

func (d recordingDriver) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := d.Driver.Tx(ctx)
	if err != nil {
		return nil, err
	}
	return recordingTx{Tx: tx, r: d.r}, nil
}

// recordingTx records the statements of a transaction.
type recordingTx struct {
	dialect.Tx
	r *statementRecorder
}

func (t recordingTx) Exec(ctx context.Context, q string, args, v any) error {
	t.r.record(q, args)
	return t.Tx.Exec(ctx, q, args, v)
}

func (t recordingTx) Query(ctx context.Context, q string, args, v any) error {
	t.r.record(q, args)
	return t.Tx.Query(ctx, q, args, v)
}

// countedTables matches a statement that reads products or their counters.
var countedTables = regexp.MustCompile("[`\"](products|product_counts)[`\"]")

// explain returns SQLite's query plan of a statement, one detail a line.
func explain(t *testing.T, env *Env, s recordedStatement) []string {
	t.Helper()
	rows, err := env.DB.SQL.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+s.query, s.args...)
	if err != nil {
		t.Fatalf("EXPLAIN QUERY PLAN %s: %v", s.query, err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, notUsed int
		var detail string
		if err := rows.Scan(&id, &parent, &notUsed, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return plan
}

// tempSort matches the plan detail of a sort for ORDER BY.
var tempSort = regexp.MustCompile(`USE TEMP B-TREE FOR .*ORDER BY`)

// tableAlias matches the aliases ent gives products and product_counts.
var tableAlias = regexp.MustCompile("[`\"](?:products|product_counts)[`\"] AS [`\"](\\w+)[`\"]")

// badPlan returns the plan details of a statement that read every product
// or counter: a full scan of the table, by its name or an alias (a scan
// USING an INDEX walks an index in the order asked for), or a sort of its
// rows for ORDER BY.
func badPlan(s recordedStatement, plan []string) []string {
	names := []string{"products", "product_counts"}
	for _, m := range tableAlias.FindAllStringSubmatch(s.query, -1) {
		names = append(names, m[1])
	}
	scan := regexp.MustCompile(`^SCAN (TABLE )?(` + strings.Join(names, "|") + `)( AS \w+)?$`)
	var bad []string
	for _, d := range plan {
		if d = strings.TrimSpace(d); scan.MatchString(d) || tempSort.MatchString(d) {
			bad = append(bad, d)
		}
	}
	return bad
}

// TestQueryPlan proves, on SQLite, that the public product list reads only
// the page it answers: the statements the server runs for an anonymous
// viewer's products(first: 50), in the default order and newest release
// first, each with its next page, and for the unfiltered totalCount (which
// must read the counters, product_counts) neither scan every product nor
// sort them for ORDER BY. The status filter of the anonymous viewer
// ("status = 'RELEASED'") with the (status, id) and (status, released_at,
// id) indexes gives each order without a sort; without the second index,
// the newest-first list sorts every released product in a temporary
// B-tree. It checks the plans as the server runs (it never runs ANALYZE)
// and again after ANALYZE, over a catalog of 300 released products and
// 200 drafts.
func TestQueryPlan(t *testing.T) {
	if dbtest.Dialect() != database.SQLite {
		t.Skip("EXPLAIN QUERY PLAN is SQLite's; PostgreSQL's planner picks plans by its statistics and is not checked here")
	}
	t.Parallel()
	rec := &statementRecorder{}
	env := NewEnv(t, WithDriver(func(d dialect.Driver) dialect.Driver { return recordingDriver{Driver: d, r: rec} }))
	seedCatalog(t, env, 300)
	for i := 0; i < 200; i++ {
		env.CreateProduct(Owner, fmt.Sprintf("Acme Draft %03d", i), "")
	}

	const list = `query($order: ProductOrder, $after: Cursor) { products(first: 50, orderBy: $order, after: $after) {
		pageInfo { hasNextPage endCursor } edges { node { id name releasedAt seller { name } } } } }`
	newest := map[string]any{"field": "RELEASED_AT", "direction": "DESC"}
	type run struct {
		name, query string
		order       map[string]any
		counters    bool // reads product_counts, not products
	}
	runs := []run{
		{"products(first: 50)", list, nil, false},
		{"products(first: 50, orderBy: RELEASED_AT DESC)", list, newest, false},
		{"products { totalCount }", `{ products { totalCount } }`, nil, true},
	}
	for _, stats := range []string{"without statistics", "after ANALYZE"} {
		if stats == "after ANALYZE" {
			if _, err := env.DB.SQL.Exec("ANALYZE"); err != nil {
				t.Fatal(err)
			}
		}
		for _, r := range runs {
			t.Run(stats+"/"+r.name, func(t *testing.T) {
				env := env.For(t)
				var stmts []recordedStatement
				var after any
				for page := 1; page <= 2; page++ {
					var out struct {
						Products struct {
							PageInfo struct {
								HasNextPage bool
								EndCursor   *string
							}
						}
					}
					vars := map[string]any{}
					if !r.counters {
						vars = map[string]any{"order": r.order, "after": after}
					}
					stmts = append(stmts, rec.during(func() { env.MustDo(Anonymous, r.query, vars, &out) })...)
					if r.counters {
						break
					}
					if !out.Products.PageInfo.HasNextPage {
						t.Fatalf("page %d has no next page: the catalog is too small", page)
					}
					after = *out.Products.PageInfo.EndCursor
				}
				var products, counters int
				for _, s := range stmts {
					if !countedTables.MatchString(s.query) {
						continue
					}
					if strings.Contains(s.query, "`product_counts`") {
						counters++
					} else if strings.Contains(s.query, "FROM `products`") {
						products++
					}
					plan := explain(t, env, s)
					t.Logf("%s %v\n\tplan: %s", s.query, s.args, strings.Join(plan, " | "))
					for _, d := range badPlan(s, plan) {
						t.Errorf("%q in the plan of\n\t%s %v\n\tplan: %s", d, s.query, s.args, strings.Join(plan, " | "))
					}
				}
				if r.counters && (counters != 1 || products != 0) {
					t.Errorf("the unfiltered totalCount read product_counts %d times and products %d times, want once and never", counters, products)
				}
				if !r.counters && products < 2 {
					t.Errorf("recorded %d statements on products for two pages, want one a page at least", products)
				}
			})
		}
	}
}
