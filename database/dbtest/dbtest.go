// Package dbtest gives each test a database of its own, migrated: a SQLite
// file in the test's temporary folder, or, when TEST_DATABASE_URL names a
// PostgreSQL server, a new database there (cloned from a template migrated
// once per test process, so tests stay parallel and fast). Every package's
// tests open their databases here.
package dbtest

import (
	"context"
	"database/sql"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"servicesupport/database"
	"servicesupport/ent"
)

// EnvURL is the variable naming the PostgreSQL server of the tests.
const EnvURL = "TEST_DATABASE_URL"

// Dialect is the dialect the tests run on: database.Postgres when
// TEST_DATABASE_URL is set, else database.SQLite.
func Dialect() string {
	if database.IsPostgres(os.Getenv(EnvURL)) {
		return database.Postgres
	}
	return database.SQLite
}

// URL returns the URL of a new, migrated database that lives as long as
// the test.
func URL(t testing.TB) string {
	t.Helper()
	if Dialect() == database.SQLite {
		u, err := database.FileURL(filepath.Join(t.TempDir(), "test.db"))
		if err != nil {
			t.Fatal(err)
		}
		db, err := database.Connect(u, database.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.SQL.Close()
		if err := db.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		return u
	}
	return pgDatabase(t, true)
}

// EmptyURL returns the URL of a new database with no tables at all.
func EmptyURL(t testing.TB) string {
	t.Helper()
	if Dialect() == database.SQLite {
		u, err := database.FileURL(filepath.Join(t.TempDir(), "empty.db"))
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	return pgDatabase(t, false)
}

// Open returns a client on a new, migrated database; wrap, when not nil,
// wraps its driver (to count statements).
func Open(t testing.TB, wrap func(dialect.Driver) dialect.Driver) *ent.Client {
	t.Helper()
	c, _, _ := OpenDB(t, wrap)
	return c
}

// OpenDB is Open that also returns the database and its URL, for what
// reaches the database beside the client (the change feed).
func OpenDB(t testing.TB, wrap func(dialect.Driver) dialect.Driver) (*ent.Client, *database.DB, string) {
	t.Helper()
	u := URL(t)
	db, err := database.Connect(u, database.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := db.Client(wrap)
	t.Cleanup(func() { c.Close() })
	return c, db, u
}

var (
	adminOnce sync.Once
	admin     *sql.DB
	adminErr  error
	template  string
	serial    atomic.Int64
)

// pgAdmin connects to TEST_DATABASE_URL and builds this process's template.
func pgAdmin() (*sql.DB, error) {
	adminOnce.Do(func() {
		base := os.Getenv(EnvURL)
		db, err := database.Connect(base, database.Options{MaxOpenConns: 4})
		if err != nil {
			adminErr = fmt.Errorf("%s: %w", EnvURL, err)
			return
		}
		admin = db.SQL
		template = fmt.Sprintf("st_tmpl_%d_%s_%d", os.Getpid(), hostTag(), time.Now().UnixNano()%1e6)
		ctx := context.Background()
		if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+template); err != nil {
			adminErr = err
			return
		}
		tdb, err := database.Connect(withDatabase(base, template), database.Options{MaxOpenConns: 1})
		if err != nil {
			adminErr = err
			return
		}
		adminErr = tdb.Migrate(ctx)
		tdb.SQL.Close()
		dropStale(ctx)
	})
	return admin, adminErr
}

// hostTag names this machine in database names, so that test processes of
// other machines (containers) sharing the server are never taken for gone.
func hostTag() string {
	h, _ := os.Hostname()
	sum := fnv.New32a()
	sum.Write([]byte(h))
	return fmt.Sprintf("%08x", sum.Sum32())
}

// dropStale drops the databases of this machine's test processes that are
// gone.
func dropStale(ctx context.Context) {
	rows, err := admin.QueryContext(ctx, "SELECT datname FROM pg_database WHERE datname LIKE 'st\\_%'")
	if err != nil {
		return
	}
	var stale []string
	for rows.Next() {
		var name string
		if rows.Scan(&name) != nil {
			continue
		}
		parts := strings.Split(name, "_")
		if len(parts) < 5 || parts[3] != hostTag() {
			continue
		}
		pid, err := strconv.Atoi(parts[2])
		if err != nil || pid == os.Getpid() {
			continue
		}
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); os.IsNotExist(err) {
			stale = append(stale, name)
		}
	}
	rows.Close()
	for _, name := range stale {
		_, _ = admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	}
}

// pgDatabase creates a database for the test, cloned from the migrated
// template or empty, and drops it when the test ends.
func pgDatabase(t testing.TB, migrated bool) string {
	t.Helper()
	db, err := pgAdmin()
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("st_test_%d_%s_%d", os.Getpid(), hostTag(), serial.Add(1))
	q := "CREATE DATABASE " + name
	if migrated {
		q += " TEMPLATE " + template
	}
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, q); err != nil {
		t.Fatalf("creating test database: %v", err)
	}
	t.Cleanup(func() {
		if _, err := db.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("dropping test database: %v", err)
		}
	})
	return withDatabase(os.Getenv(EnvURL), name)
}

// withDatabase replaces the database name of a PostgreSQL URL.
func withDatabase(rawURL, name string) string {
	rest, query, _ := strings.Cut(rawURL, "?")
	scheme, hostPath, _ := strings.Cut(rest, "://")
	host, _, _ := strings.Cut(hostPath, "/")
	u := scheme + "://" + host + "/" + name
	if query != "" {
		u += "?" + query
	}
	return u
}
