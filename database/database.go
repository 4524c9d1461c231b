// Package database opens the ent client with the connection settings the
// server relies on, and migrates the schema.
package database

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	_ "github.com/mattn/go-sqlite3" // the embedded default driver

	"servicesupport/ent"
)

// sqliteDefaults are applied to every SQLite URL unless it sets them itself.
//
//   - WAL lets readers run while one writer writes.
//   - busy_timeout makes a writer wait for the lock instead of failing.
//   - foreign keys are off by default in SQLite.
//   - _txlock=immediate takes the write lock at BEGIN: a transaction that
//     reads and then writes (count groups, then insert) would otherwise fail
//     with "database is locked" whatever the busy timeout, and two such
//     transactions could both pass the check.
//   - synchronous=FULL syncs the WAL on every commit, so a write that was
//     acknowledged survives a crash of the process or the machine. NORMAL
//     (the usual WAL pairing) may lose the last commits on power loss; the
//     writes here are few and small, so durability wins.
var sqliteDefaults = map[string]string{
	"_journal_mode": "WAL",
	"_busy_timeout": "10000",
	"_synchronous":  "FULL",
}

// sqliteRequired are applied whatever the URL says: the group limit, the
// revision numbers and the review decisions rely on them.
var sqliteRequired = map[string]string{
	"_fk":     "1",
	"_txlock": "immediate",
}

// SQLiteURL completes a SQLite URL ("file:path?...") with the defaults and
// the settings the server cannot run without.
func SQLiteURL(raw string) (string, error) {
	path, query, _ := strings.Cut(raw, "?")
	values, err := url.ParseQuery(query)
	if err != nil {
		return "", fmt.Errorf("database URL %q: %w", raw, err)
	}
	for k, v := range sqliteDefaults {
		if !values.Has(k) {
			values.Set(k, v)
		}
	}
	values.Del("_foreign_keys") // the long spelling of _fk
	for k, v := range sqliteRequired {
		values.Set(k, v)
	}
	return path + "?" + values.Encode(), nil
}

// FileURL returns the SQLite URL of a database file, creating its folder.
func FileURL(path string) (string, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", fmt.Errorf("creating data folder: %w", err)
	}
	return "file:" + path, nil
}

// Open connects to the database that rawURL names (file:… for SQLite) and
// returns an ent client over drv, which wraps the driver when not nil (tests
// count statements through it).
func Open(rawURL string, wrap func(dialect.Driver) dialect.Driver) (*ent.Client, error) {
	switch {
	case strings.HasPrefix(rawURL, "file:"):
		dsn, err := SQLiteURL(rawURL)
		if err != nil {
			return nil, err
		}
		db, err := sql.Open("sqlite3", dsn)
		if err != nil {
			return nil, fmt.Errorf("opening SQLite: %w", err)
		}
		if err := db.Ping(); err != nil {
			db.Close()
			return nil, fmt.Errorf("opening SQLite: %w", err)
		}
		var drv dialect.Driver = entsql.OpenDB(dialect.SQLite, db)
		if wrap != nil {
			drv = wrap(drv)
		}
		return ent.NewClient(ent.Driver(drv)), nil
	case strings.HasPrefix(rawURL, "postgres://"), strings.HasPrefix(rawURL, "postgresql://"):
		return nil, fmt.Errorf("PostgreSQL is not supported by this build yet; use a file: URL")
	default:
		return nil, fmt.Errorf("unsupported DATABASE_URL %q: use file:PATH", redact(rawURL))
	}
}

// migrateMu serialises migrations: ent's migration rewrites the schema
// tables that the generated package shares (migrate.Tables), so two clients
// migrating at once in one process (tests) would race on them.
var migrateMu sync.Mutex

// Migrate creates or updates the schema.
func Migrate(ctx context.Context, client *ent.Client) error {
	migrateMu.Lock()
	defer migrateMu.Unlock()
	if err := client.Schema.Create(ctx); err != nil {
		return fmt.Errorf("migrating schema: %w", err)
	}
	return nil
}

// redact drops credentials from a URL before it is shown.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
