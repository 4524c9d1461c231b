package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"time"

	"servicesupport/database"
	"servicesupport/hooks"
	"servicesupport/schedule"
	"servicesupport/validate"
)

// The dataset is written with multi-row INSERT statements in batched
// transactions through database/sql: a million products through ent, one
// call per row with its hooks and privacy checks, would take longer than the
// benchmark itself. The rows are what the API would have written (checked
// phone numbers and weeks, review changes, due dates), minus the events and
// approved release reviews of the history that led to them.
//
// A finished dataset is recorded in a table of the benchmark's own,
// bench_dataset, written last in the final transaction: a database without
// that row (a build that was interrupted) is rebuilt.

// markerTable records a complete dataset and its size.
const markerTable = "bench_dataset"

// Shares of the products by status; the rest are DRAFT.
const (
	shareReleased = 0.90
	shareInReview = 0.03
	shareHidden   = 0.03
)

// datasetSize is what a dataset holds.
type datasetSize struct{ products, sellers int }

// openDataset connects to the database, migrates it with the project's
// migrations and makes sure it holds a complete dataset of the given size:
// the one already there when it matches (and reset is false), else a new
// one. It reports whether it built one.
func openDataset(ctx context.Context, url string, size datasetSize, reset bool, progress io.Writer) (*database.DB, bool, error) {
	db, err := database.Connect(url, database.Options{})
	if err != nil {
		return nil, false, err
	}
	have, found, err := readMarker(ctx, db)
	if err != nil {
		db.SQL.Close()
		return nil, false, err
	}
	if found && have == size && !reset {
		fmt.Fprintf(progress, "dataset: reusing %d products, %d sellers\n", size.products, size.sellers)
		if err := db.Migrate(ctx); err != nil {
			db.SQL.Close()
			return nil, false, err
		}
		return db, false, nil
	}
	if db, err = wipe(ctx, db, url, found, reset, progress); err != nil {
		return nil, false, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.SQL.Close()
		return nil, false, err
	}
	start := time.Now()
	if err := build(ctx, db, size, progress); err != nil {
		db.SQL.Close()
		return nil, false, fmt.Errorf("building the dataset: %w", err)
	}
	fmt.Fprintf(progress, "dataset: built in %s\n", time.Since(start).Round(time.Millisecond))
	return db, true, nil
}

// readMarker reads the size of the complete dataset the database holds.
func readMarker(ctx context.Context, db *database.DB) (datasetSize, bool, error) {
	var exists bool
	var err error
	if db.Dialect == database.Postgres {
		err = db.SQL.QueryRowContext(ctx, "SELECT to_regclass('"+markerTable+"') IS NOT NULL").Scan(&exists)
	} else {
		err = db.SQL.QueryRowContext(ctx, "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = ?", markerTable).Scan(&exists)
	}
	if err != nil || !exists {
		return datasetSize{}, false, err
	}
	var s datasetSize
	err = db.SQL.QueryRowContext(ctx, "SELECT products, sellers FROM "+markerTable).Scan(&s.products, &s.sellers)
	if errors.Is(err, sql.ErrNoRows) {
		return datasetSize{}, false, nil
	}
	return s, err == nil, err
}

// wipe empties the database for a new dataset: a SQLite file is deleted,
// a PostgreSQL database loses its public schema (everything the migrations
// made, and the tables of whoever else wrote there). A PostgreSQL database
// with sellers but no bench dataset is only wiped when asked to (-reset):
// it may be someone's real data.
func wipe(ctx context.Context, db *database.DB, url string, wasBench, reset bool, progress io.Writer) (*database.DB, error) {
	if db.Dialect == database.SQLite {
		db.SQL.Close()
		path, _, _ := strings.Cut(strings.TrimPrefix(url, "file:"), "?")
		for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
			if err := os.Remove(path + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
				return nil, err
			}
		}
		return database.Connect(url, database.Options{})
	}
	var hasData bool
	err := db.SQL.QueryRowContext(ctx, "SELECT to_regclass('sellers') IS NOT NULL").Scan(&hasData)
	if err == nil && hasData {
		err = db.SQL.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM sellers)").Scan(&hasData)
	}
	if err != nil {
		db.SQL.Close()
		return nil, err
	}
	if hasData && !wasBench && !reset {
		db.SQL.Close()
		return nil, errors.New("the database holds sellers but no bench dataset: pass -reset to wipe it, or name another database")
	}
	fmt.Fprintln(progress, "dataset: wiping the public schema")
	if _, err := db.SQL.ExecContext(ctx, "DROP SCHEMA public CASCADE; CREATE SCHEMA public"); err != nil {
		db.SQL.Close()
		return nil, fmt.Errorf("wiping the database: %w", err)
	}
	return db, nil
}

// Bulk inserts.

// batchRows is how many rows one INSERT carries: 500 rows of at most 14
// columns stay far below SQLite's 32,766 and PostgreSQL's 65,535
// parameters.
const batchRows = 500

// inserter collects rows of one table and writes them batchRows at a time.
type inserter struct {
	tx      *sql.Tx
	pg      bool
	table   string
	cols    []string
	args    []any
	rows    int
	written int
	full    string // the statement of a full batch, built once
}

// newInserter returns an inserter into table's cols within tx.
func newInserter(tx *sql.Tx, pg bool, table string, cols ...string) *inserter {
	return &inserter{tx: tx, pg: pg, table: table, cols: cols}
}

// add queues a row, writing the batch when it is full.
func (b *inserter) add(ctx context.Context, vals ...any) error {
	if len(vals) != len(b.cols) {
		return fmt.Errorf("%s: %d values for %d columns", b.table, len(vals), len(b.cols))
	}
	b.args = append(b.args, vals...)
	b.rows++
	if b.rows == batchRows {
		return b.flush(ctx)
	}
	return nil
}

// flush writes the queued rows.
func (b *inserter) flush(ctx context.Context) error {
	if b.rows == 0 {
		return nil
	}
	var stmt string
	if b.rows == batchRows && b.full != "" {
		stmt = b.full
	} else {
		stmt = b.statement(b.rows)
		if b.rows == batchRows {
			b.full = stmt
		}
	}
	if _, err := b.tx.ExecContext(ctx, stmt, b.args...); err != nil {
		return fmt.Errorf("inserting into %s: %w", b.table, err)
	}
	b.written += b.rows
	b.args, b.rows = b.args[:0], 0
	return nil
}

// statement is "INSERT INTO t (a, b) VALUES (?, ?), (?, ?)…" for n rows,
// with $1, $2… placeholders on PostgreSQL.
func (b *inserter) statement(n int) string {
	var s strings.Builder
	s.WriteString("INSERT INTO " + b.table + " (" + strings.Join(b.cols, ", ") + ") VALUES ")
	p := 0
	for r := range n {
		if r > 0 {
			s.WriteString(", ")
		}
		s.WriteByte('(')
		for c := range b.cols {
			if c > 0 {
				s.WriteString(", ")
			}
			p++
			if b.pg {
				s.WriteString("$" + strconv.Itoa(p))
			} else {
				s.WriteByte('?')
			}
		}
		s.WriteByte(')')
	}
	return s.String()
}

// The build.

// builder writes one dataset.
type builder struct {
	db       *database.DB
	conn     *sql.Conn // the one connection that writes
	pg       bool
	size     datasetSize
	rng      *rand.Rand
	cat      *catalog
	now      time.Time
	progress io.Writer

	// First IDs of each table (the global ID ranges the migrations set).
	contactBase, groupBase, productBase, reviewBase, sellerBase int
	nextReview                                                  int
	nextExtraContact                                            int

	// groups[i] are seller i's groups: first ID and count (IDs are
	// consecutive), and each group's name for the release reviews.
	groups     []groupSpan
	groupNames map[int]string

	lastReport time.Time
}

// groupSpan is a seller's consecutive group IDs.
type groupSpan struct{ first, count int }

// Contact IDs: seller i's approved business contact is contactBase + 2i and
// its pre-sales contact the next one, so one UPDATE per chunk points the
// sellers at them; pending revisions come after all approved ones.

// build writes a dataset of the given size into the migrated, empty
// database.
func build(ctx context.Context, db *database.DB, size datasetSize, progress io.Writer) error {
	cat, err := newCatalog()
	if err != nil {
		return err
	}
	b := &builder{
		db: db, pg: db.Dialect == database.Postgres, size: size, cat: cat, progress: progress,
		rng:        rand.New(rand.NewPCG(uint64(size.products), uint64(size.sellers))),
		now:        time.Now().UTC().Truncate(time.Second),
		groups:     make([]groupSpan, size.sellers),
		groupNames: map[int]string{},
	}
	for _, t := range []struct {
		table string
		base  *int
	}{
		{"contacts", &b.contactBase}, {"customer_service_groups", &b.groupBase}, {"products", &b.productBase},
		{"reviews", &b.reviewBase}, {"sellers", &b.sellerBase},
	} {
		if *t.base, err = b.firstID(ctx, t.table); err != nil {
			return err
		}
	}
	// One connection writes the whole dataset; on SQLite it gets a page
	// cache that holds the indexes being filled (the default 2 MB makes a
	// million rows' random index inserts go to disk).
	conn, err := db.SQL.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	b.conn = conn
	if !b.pg {
		if _, err := conn.ExecContext(ctx, "PRAGMA cache_size = -262144"); err != nil {
			return err
		}
		defer conn.ExecContext(context.Background(), "PRAGMA cache_size = -2000")
	}
	b.nextReview = b.reviewBase
	b.nextExtraContact = b.contactBase + 2*size.sellers
	fmt.Fprintf(progress, "dataset: building %d products, %d sellers\n", size.products, size.sellers)
	const sellerChunk = 2000
	for lo := 0; lo < size.sellers; lo += sellerChunk {
		if err := b.inTx(ctx, func(tx *sql.Tx) error { return b.sellers(ctx, tx, lo, min(lo+sellerChunk, size.sellers)) }); err != nil {
			return err
		}
		b.report("sellers", min(lo+sellerChunk, size.sellers), size.sellers)
	}
	const productChunk = 20000
	for lo := 0; lo < size.products; lo += productChunk {
		hi := min(lo+productChunk, size.products)
		last := hi == size.products
		if err := b.inTx(ctx, func(tx *sql.Tx) error {
			if err := b.products(ctx, tx, lo, hi); err != nil {
				return err
			}
			if last {
				return b.finish(ctx, tx)
			}
			return nil
		}); err != nil {
			return err
		}
		b.report("products", hi, size.products)
	}
	if size.products == 0 {
		return b.inTx(ctx, func(tx *sql.Tx) error { return b.finish(ctx, tx) })
	}
	return nil
}

// firstID is the ID the table's next row gets: the global ID range that
// the migrations gave it (sqlite_sequence, or the identity column).
func (b *builder) firstID(ctx context.Context, table string) (int, error) {
	var id int64
	if b.pg {
		// Taking a value is harmless: finish sets the sequence past the
		// rows written.
		err := b.db.SQL.QueryRowContext(ctx, "SELECT nextval(pg_get_serial_sequence($1, 'id'))", table).Scan(&id)
		return int(id), err
	}
	err := b.db.SQL.QueryRowContext(ctx, "SELECT seq FROM sqlite_sequence WHERE name = ?", table).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 1, nil // a table without a range (contacts) starts at 1
	}
	return int(id) + 1, err
}

// inTx runs fn in a transaction.
func (b *builder) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := b.conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// report prints progress at most every second, and at the end of a phase.
func (b *builder) report(what string, done, total int) {
	if done < total && time.Since(b.lastReport) < time.Second {
		return
	}
	b.lastReport = time.Now()
	fmt.Fprintf(b.progress, "dataset: %s %d/%d\n", what, done, total)
}

// ago returns a time up to d before now, uniformly.
func (b *builder) ago(d time.Duration) time.Time {
	return b.now.Add(-time.Duration(b.rng.Int64N(int64(d))))
}

// jsonText is v as JSON text, for a JSON column.
func jsonText(v any) string {
	out, err := json.Marshal(v)
	if err != nil {
		panic(err) // only the benchmark's own values are encoded
	}
	return string(out)
}

// change is one entry of a review's changes.
type change struct {
	Field  string  `json:"field"`
	Before *string `json:"before"`
	After  *string `json:"after"`
}

// sellers writes sellers [lo, hi): their contacts and contact reviews, and
// their groups. Rows are generated first and written parents first, since
// the foreign keys are checked statement by statement.
func (b *builder) sellers(ctx context.Context, tx *sql.Tx, lo, hi int) error {
	var sellers, contacts, reviews, groups [][]any
	nextGroup := b.groupBase
	if lo > 0 {
		prev := b.groups[lo-1]
		nextGroup = prev.first + prev.count
	}
	var pending [][]any // contacts after every approved one (their IDs come later)
	for i := lo; i < hi; i++ {
		id := b.sellerBase + i
		created := b.ago(3 * 365 * 24 * time.Hour)
		name := companyName(b.rng, i)
		domain := slug(name)
		subject := sellerSubject(accountID(i))
		sellers = append(sellers, []any{id, created, accountID(i), name})

		// The approved business and pre-sales contacts (revision 1 each),
		// with the reviews that approved them; about one seller in twenty
		// has a new pre-sales revision waiting for a reviewer.
		home := pick(b.rng, b.cat.regions)
		person, addr := personName(b.rng), address(b.rng)
		bizPhone, salesPhone := pick(b.rng, home.phones), pick(b.rng, home.phones)
		bizID, salesID := b.contactBase+2*i, b.contactBase+2*i+1
		bizAt, salesAt := created.Add(time.Hour), created.Add(2*time.Hour)
		contacts = append(contacts,
			[]any{bizID, bizAt, "BUSINESS", person, bizPhone, "partners@" + domain, nil, 1, id},
			[]any{salesID, salesAt, "PRE_SALES", nil, salesPhone, "sales@" + domain, addr, 1, id})
		reviews = append(reviews,
			b.review("BUSINESS_CONTACT", "APPROVED", []change{
				{Field: "contactName", After: &person}, {Field: "phone", After: &bizPhone}, {Field: "email", After: ptr("partners@" + domain)},
			}, subject, bizAt, true, bizID, 0, id),
			b.review("PRE_SALES_INFO", "APPROVED", []change{
				{Field: "phone", After: &salesPhone}, {Field: "email", After: ptr("sales@" + domain)}, {Field: "contactAddress", After: &addr},
			}, subject, salesAt, true, salesID, 0, id))
		if b.rng.IntN(20) == 0 {
			nextID := b.nextExtraContact
			b.nextExtraContact++
			phone, email, addr2 := pick(b.rng, home.phones), "presales@"+domain, address(b.rng)
			at := b.ago(10 * 24 * time.Hour)
			pending = append(pending, []any{nextID, at, "PRE_SALES", nil, phone, email, addr2, 2, id})
			changes := []change{{Field: "email", Before: ptr("sales@" + domain), After: &email}}
			if phone != salesPhone {
				changes = append([]change{{Field: "phone", Before: &salesPhone, After: &phone}}, changes...)
			}
			if addr2 != addr {
				changes = append(changes, change{Field: "contactAddress", Before: &addr, After: &addr2})
			}
			reviews = append(reviews, b.review("PRE_SALES_INFO", "PENDING", changes, subject, at, false, nextID, 0, id))
		}

		// Groups: 3–6 desks with distinct names.
		n := 3 + b.rng.IntN(4)
		b.groups[i] = groupSpan{first: nextGroup, count: n}
		used := map[string]bool{}
		for range n {
			r := pick(b.rng, b.cat.regions)
			gname := r.desk + " " + pick(b.rng, deskKinds)
			for used[hooks.NameKey(gname)] {
				r = pick(b.rng, b.cat.regions)
				gname = r.desk + " " + pick(b.rng, deskKinds)
			}
			used[hooks.NameKey(gname)] = true
			gcreated := created.Add(time.Duration(3+b.rng.IntN(72)) * time.Hour)
			week := pick(b.rng, b.cat.weeks).week
			loc, _ := schedule.LoadZone(r.zone)
			var f validate.Form
			cls := f.Closures([]string{"closures"}, closures(b.rng, b.now, loc))
			if err := f.Err(); err != nil {
				return fmt.Errorf("generated closures: %w", err)
			}
			var weekly, closed any = jsonText(week), jsonText(cls)
			// One group in ten predates weekly hours and closures: only its
			// service days and hours are stored (service.ScheduleOf).
			if b.rng.IntN(10) == 0 && week.UniformHours() {
				weekly, closed = nil, nil
			}
			version := 1 + b.rng.IntN(4)
			groups = append(groups, []any{nextGroup, gcreated, gcreated.Add(time.Duration(version-1) * 24 * time.Hour),
				gname, hooks.NameKey(gname), pick(b.rng, r.phones),
				strings.ToLower(strings.ReplaceAll(r.desk, " ", "")) + "-support@" + domain,
				jsonText(week.ServiceDays()), jsonText(week.ServiceHours()), weekly, closed, r.zone, version, id})
			b.groupNames[nextGroup] = gname
			nextGroup++
		}
	}
	if err := b.write(ctx, tx, "sellers", sellerCols, sellers); err != nil {
		return err
	}
	if err := b.write(ctx, tx, "contacts", contactCols, append(contacts, pending...)); err != nil {
		return err
	}
	// The sellers point at their approved contacts.
	if err := b.exec(ctx, tx, "UPDATE sellers SET business_contact_id = ? + 2 * (id - ?), pre_sales_contact_id = ? + 2 * (id - ?) + 1 WHERE id >= ? AND id < ?",
		b.contactBase, b.sellerBase, b.contactBase, b.sellerBase, b.sellerBase+lo, b.sellerBase+hi); err != nil {
		return err
	}
	if err := b.write(ctx, tx, "reviews", reviewCols, reviews); err != nil {
		return err
	}
	return b.write(ctx, tx, "customer_service_groups", groupCols, groups)
}

// Columns the dataset writes, per table.
var (
	sellerCols  = []string{"id", "created_at", "account_id", "name"}
	contactCols = []string{"id", "created_at", "kind", "contact_name", "phone", "email", "contact_address", "revision", "seller_id"}
	groupCols   = []string{"id", "created_at", "updated_at", "name", "name_key", "phone", "email", "service_days",
		"service_hours", "weekly_hours", "closures", "time_zone", "version", "seller_id"}
	productCols = []string{"id", "created_at", "updated_at", "name", "summary", "status", "released_at", "version",
		"after_sales_group_id", "seller_id"}
	reviewCols = []string{"id", "kind", "status", "changes", "submitted_by", "submitted_at", "due_at", "decided_by",
		"decided_at", "comment", "contact_id", "product_id", "seller_id"}
)

// write inserts rows into table, batchRows at a time.
func (b *builder) write(ctx context.Context, tx *sql.Tx, table string, cols []string, rows [][]any) error {
	in := newInserter(tx, b.pg, table, cols...)
	for _, r := range rows {
		if err := in.add(ctx, r...); err != nil {
			return err
		}
	}
	return in.flush(ctx)
}

// review is a review row; a zero contact or product ID is none. A decided
// review was approved by the bench reviewer within two days.
func (b *builder) review(kind, status string, changes []change, subject string,
	submitted time.Time, decided bool, contactID, productID, sellerID int) []any {
	var decidedBy, decidedAt, contact, prod any
	if decided {
		decidedBy, decidedAt = reviewerSubject, submitted.Add(time.Duration(2+b.rng.IntN(46))*time.Hour)
	}
	if contactID != 0 {
		contact = contactID
	}
	if productID != 0 {
		prod = productID
	}
	id := b.nextReview
	b.nextReview++
	return []any{id, kind, status, jsonText(changes), subject, submitted, schedule.DueAt(submitted),
		decidedBy, decidedAt, nil, contact, prod, sellerID}
}

// products writes products [lo, hi) and the pending release reviews of
// those in review.
func (b *builder) products(ctx context.Context, tx *sql.Tx, lo, hi int) error {
	var products, reviews [][]any
	for i := lo; i < hi; i++ {
		id := b.productBase + i
		// Some sellers have many products, most a few: the square of a
		// uniform number favours the first sellers.
		u := b.rng.Float64()
		s := min(int(math.Floor(u*u*float64(b.size.sellers))), b.size.sellers-1)
		span := b.groups[s]
		group := span.first + b.rng.IntN(span.count)
		name := productName(b.rng)
		summary := productSummary(b.rng, name)
		status := "DRAFT"
		switch x := b.rng.Float64(); {
		case x < shareReleased:
			status = "RELEASED"
		case x < shareReleased+shareInReview:
			status = "IN_REVIEW"
		case x < shareReleased+shareInReview+shareHidden:
			status = "HIDDEN"
		}
		var released any
		var created, updated time.Time
		switch status {
		case "RELEASED", "HIDDEN":
			r := b.ago(2 * 365 * 24 * time.Hour)
			created = r.Add(-time.Duration(1+b.rng.IntN(30*24)) * time.Hour)
			released, updated = r, r
			if status == "HIDDEN" {
				updated = r.Add(b.now.Sub(r) / 2)
			}
		case "IN_REVIEW":
			created = b.ago(20 * 24 * time.Hour)
			updated = created.Add(b.now.Sub(created) / 2)
			reviews = append(reviews, b.review("PRODUCT_RELEASE", "PENDING", []change{
				{Field: "name", After: &name}, {Field: "summary", After: &summary}, {Field: "afterSalesGroup", After: ptr(b.groupNames[group])},
			}, sellerSubject(accountID(s)), updated, false, 0, id, b.sellerBase+s))
		default:
			created = b.ago(90 * 24 * time.Hour)
			updated = created
		}
		var groupID any = group
		if status == "DRAFT" && b.rng.IntN(4) == 0 {
			groupID = nil // not chosen yet
		}
		products = append(products, []any{id, created, updated, name, summary, status, released, 1 + b.rng.IntN(3), groupID, b.sellerBase + s})
	}
	if err := b.write(ctx, tx, "products", productCols, products); err != nil {
		return err
	}
	return b.write(ctx, tx, "reviews", reviewCols, reviews)
}

// finish makes the dataset usable and records it as complete: on
// PostgreSQL the identity sequences move past the rows written with
// explicit IDs (SQLite's AUTOINCREMENT follows them by itself).
func (b *builder) finish(ctx context.Context, tx *sql.Tx) error {
	if b.pg {
		for _, t := range []string{"contacts", "customer_service_groups", "products", "reviews", "sellers"} {
			if _, err := tx.ExecContext(ctx, "SELECT setval(pg_get_serial_sequence('"+t+"', 'id'), (SELECT max(id) FROM "+t+"))"); err != nil {
				return err
			}
		}
	}
	if _, err := tx.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS "+markerTable+" (products BIGINT NOT NULL, sellers BIGINT NOT NULL, built_at TEXT NOT NULL)"); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM "+markerTable); err != nil {
		return err
	}
	return b.exec(ctx, tx, "INSERT INTO "+markerTable+" (products, sellers, built_at) VALUES (?, ?, ?)",
		b.size.products, b.size.sellers, b.now.Format(time.RFC3339))
}

// exec runs a statement written with ? placeholders.
func (b *builder) exec(ctx context.Context, tx *sql.Tx, q string, args ...any) error {
	_, err := tx.ExecContext(ctx, b.placeholders(q), args...)
	return err
}

// placeholders rewrites ? as $1, $2… on PostgreSQL.
func (b *builder) placeholders(q string) string {
	return rebind(b.pg, q)
}

// rebind rewrites the ? placeholders of q as $1, $2… when pg is set.
func rebind(pg bool, q string) string {
	if !pg {
		return q
	}
	var s strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			s.WriteString("$" + strconv.Itoa(n))
			continue
		}
		s.WriteRune(r)
	}
	return s.String()
}

// ptr returns a pointer to v.
func ptr[T any](v T) *T { return &v }

// accountID is seller i's account in the identity provider.
func accountID(i int) string { return fmt.Sprintf("bench-seller-%07d", i+1) }

// Token subjects of the benchmark's viewers.
const reviewerSubject = "reviewer:bench"

// sellerSubject is the token subject of a seller's member.
func sellerSubject(account string) string { return "seller:" + account }
