// Package database opens SQLite or PostgreSQL with the connection settings
// the server relies on, and applies the versioned migrations.
package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib" // PostgreSQL, through database/sql
	"github.com/mattn/go-sqlite3"    // the embedded default driver

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
//   - stmt_cache_size keeps each connection's most recent prepared
//     statements: the product page and list statements are then compiled
//     once per connection, not once per request.
var sqliteDefaults = map[string]string{
	"_journal_mode":    "WAL",
	"_busy_timeout":    "10000",
	"_synchronous":     "FULL",
	"_stmt_cache_size": "64",
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

// Dialects this server runs on.
const (
	SQLite   = dialect.SQLite
	Postgres = dialect.Postgres
)

// Options size the connection pool. Zero values take the defaults.
type Options struct {
	// MaxOpenConns caps open connections (PostgreSQL default 20; SQLite
	// unlimited: its connections are file handles).
	MaxOpenConns int
	// MaxIdleConns keeps connections open between bursts. database/sql keeps
	// 2 by default, so a replica under load reopens a connection (a new
	// PostgreSQL backend: TCP, authentication, a process) for nearly every
	// request beyond the second at a time; BenchmarkPoolIdle measured bursts
	// of 16 queries some 70 times slower that way. The default here equals
	// MaxOpenConns (DefaultMaxOpenConns on SQLite).
	MaxIdleConns int
	// ConnMaxLifetime recycles connections (default 30 minutes), so that a
	// pool follows a PostgreSQL fail-over or a changed DNS name in time.
	ConnMaxLifetime time.Duration
}

// DefaultMaxOpenConns is the PostgreSQL pool size of one replica.
const DefaultMaxOpenConns = 20

// DefaultConnMaxLifetime is how long a pooled connection lives.
const DefaultConnMaxLifetime = 30 * time.Minute

// DB is an open database: its pool and its dialect.
type DB struct {
	// SQL is the connection pool.
	SQL *sql.DB
	// Dialect is SQLite or Postgres.
	Dialect string
}

// Connect opens the database that rawURL names: file:… for SQLite,
// postgres://… (or postgresql://…) for PostgreSQL through pgx.
func Connect(rawURL string, opts Options) (*DB, error) {
	var db *DB
	switch {
	case strings.HasPrefix(rawURL, "file:"):
		dsn, err := SQLiteURL(rawURL)
		if err != nil {
			return nil, err
		}
		pool, err := sql.Open("sqlite3", dsn)
		if err != nil {
			return nil, fmt.Errorf("opening SQLite: %w", err)
		}
		db = &DB{SQL: pool, Dialect: SQLite}
	case IsPostgres(rawURL):
		if opts.MaxOpenConns == 0 {
			opts.MaxOpenConns = DefaultMaxOpenConns
		}
		cfg, err := pgx.ParseConfig(rawURL)
		if err != nil {
			return nil, fmt.Errorf("opening PostgreSQL %s: %w", redact(rawURL), err)
		}
		// Times cast to text (the product page's joined columns, see
		// graph/companions.go) have one form whatever the server's or the
		// role's default DateStyle.
		cfg.RuntimeParams["DateStyle"] = "ISO, MDY"
		db = &DB{SQL: stdlib.OpenDB(*cfg), Dialect: Postgres}
	default:
		return nil, fmt.Errorf("unsupported DATABASE_URL %q: use file:PATH or postgres://…", redact(rawURL))
	}
	if opts.MaxIdleConns == 0 {
		opts.MaxIdleConns = opts.MaxOpenConns
		if opts.MaxIdleConns == 0 { // SQLite: unlimited open
			opts.MaxIdleConns = DefaultMaxOpenConns
		}
	}
	if opts.ConnMaxLifetime == 0 {
		opts.ConnMaxLifetime = DefaultConnMaxLifetime
	}
	db.SQL.SetMaxOpenConns(opts.MaxOpenConns)
	db.SQL.SetMaxIdleConns(opts.MaxIdleConns)
	db.SQL.SetConnMaxLifetime(opts.ConnMaxLifetime)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		err := db.SQL.PingContext(ctx)
		if err == nil {
			return db, nil
		}
		// A new SQLite connection switches the file to WAL, which needs a
		// lock SQLite does not wait for: when another process (an instance
		// starting at the same time) is migrating a new file, try again.
		var busy sqlite3.Error
		if !errors.As(err, &busy) || busy.Code != sqlite3.ErrBusy || ctx.Err() != nil {
			db.SQL.Close()
			return nil, fmt.Errorf("connecting to %s: %w", redact(rawURL), err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// IsPostgres reports whether a database URL names PostgreSQL.
func IsPostgres(rawURL string) bool {
	return strings.HasPrefix(rawURL, "postgres://") || strings.HasPrefix(rawURL, "postgresql://")
}

// Client returns an ent client over the pool; wrap, when not nil, wraps
// the driver (telemetry and tests count statements through it). Closing
// the client closes the pool.
func (db *DB) Client(wrap func(dialect.Driver) dialect.Driver) *ent.Client {
	var drv dialect.Driver = entsql.OpenDB(db.Dialect, db.SQL)
	if wrap != nil {
		drv = wrap(drv)
	}
	return ent.NewClient(ent.Driver(drv))
}

// redact drops credentials from a URL before it is shown.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
