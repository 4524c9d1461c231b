package database

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"time"

	"ariga.io/atlas/sql/migrate"
)

// The versioned migrations, one folder per dialect, in Atlas's format (an
// atlas.sum guards every file). `go run ./database/migrategen` writes the
// next one from the ent schema; TestMigrationsMatchSchema fails while the
// schema has changes no migration carries.
//
//go:embed migrations
var migrations embed.FS

// revisionsTable records which migrations a database has applied.
const revisionsTable = "schema_migrations"

// migrationLockKey is the PostgreSQL advisory lock that serialises
// migrations of one database across instances ("services" in ASCII).
const migrationLockKey int64 = 0x7365727669636573

// Migrations returns the migration directory of a dialect, its checksums
// verified.
func Migrations(dialectName string) (migrate.Dir, error) {
	folder := path.Join("migrations", map[string]string{SQLite: "sqlite", Postgres: "postgres"}[dialectName])
	entries, err := fs.ReadDir(migrations, folder)
	if err != nil {
		return nil, fmt.Errorf("no migrations for %s: %w", dialectName, err)
	}
	dir := &migrate.MemDir{}
	for _, e := range entries {
		b, err := migrations.ReadFile(path.Join(folder, e.Name()))
		if err != nil {
			return nil, err
		}
		if err := dir.WriteFile(e.Name(), b); err != nil {
			return nil, err
		}
	}
	if err := migrate.Validate(dir); err != nil {
		return nil, fmt.Errorf("migrations for %s: %w", dialectName, err)
	}
	return dir, nil
}

// Migrate applies the migrations the database has not applied yet, under a
// database-wide lock so that instances starting together migrate once: a
// PostgreSQL advisory lock, or SQLite's write lock (one immediate
// transaction). A database created by a build from before versioned
// migrations (tables, but no revisions) is taken as being at the baseline.
func (db *DB) Migrate(ctx context.Context) error {
	_, err := db.MigrateCount(ctx)
	return err
}

// MigrateCount is Migrate, and says how many migrations it applied.
func (db *DB) MigrateCount(ctx context.Context) (applied int, err error) {
	files, err := migrationFiles(db.Dialect)
	if err != nil {
		return 0, err
	}
	return db.migrate(ctx, files)
}

// migrate applies the files the database has not applied yet.
func (db *DB) migrate(ctx context.Context, files []migrate.File) (applied int, err error) {
	conn, err := db.SQL.Conn(ctx)
	if err != nil {
		return 0, fmt.Errorf("migrating: %w", err)
	}
	defer conn.Close()
	if db.Dialect == Postgres {
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrationLockKey); err != nil {
			return 0, fmt.Errorf("migrating: taking the migration lock: %w", err)
		}
		defer func() {
			// A fresh context: the lock must go even when ctx is done (it
			// would otherwise go with the connection, which the pool keeps).
			unlock, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if _, err := conn.ExecContext(unlock, "SELECT pg_advisory_unlock($1)", migrationLockKey); err != nil {
				// Drop the connection, and the lock with its session.
				_ = conn.Raw(func(any) error { return driver.ErrBadConn })
			}
		}()
	}
	if db.Dialect == SQLite {
		// Atlas changes a SQLite table by rebuilding it (create a copy,
		// copy the rows, drop the old one, rename), which with foreign keys
		// on would run the ON DELETE actions of the drop (every product
		// losing its group). Foreign keys can only be switched off outside
		// a transaction; the check before the commit stands in for them,
		// and the connection gets them back (or is dropped) afterwards.
		if _, err := conn.ExecContext(ctx, "PRAGMA foreign_keys = OFF"); err != nil {
			return 0, fmt.Errorf("migrating: %w", err)
		}
		defer func() {
			if _, err := conn.ExecContext(context.Background(), "PRAGMA foreign_keys = ON"); err != nil {
				_ = conn.Raw(func(any) error { return driver.ErrBadConn })
			}
		}()
	}
	// On SQLite the transaction takes the write lock at BEGIN (the URL sets
	// _txlock=immediate): a second instance waits here, then finds every
	// migration applied. DDL is transactional on both databases, so a failed
	// migration leaves nothing half-done.
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("migrating: %w", err)
	}
	defer tx.Rollback()
	if applied, err = db.applyPending(ctx, tx, files); err != nil {
		return 0, fmt.Errorf("migrating: %w", err)
	}
	if db.Dialect == SQLite {
		if err := foreignKeysHold(ctx, tx); err != nil {
			return 0, fmt.Errorf("migrating: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("migrating: committing: %w", err)
	}
	return applied, nil
}

// migrationFiles lists a dialect's migrations, oldest first.
func migrationFiles(dialectName string) ([]migrate.File, error) {
	dir, err := Migrations(dialectName)
	if err != nil {
		return nil, err
	}
	files, err := dir.Files()
	if err == nil && len(files) == 0 {
		err = errors.New("no migrations")
	}
	return files, err
}

// Pending lists the migrations of this build that the database has not
// applied (all of them when it has none).
func (db *DB) Pending(ctx context.Context) ([]string, error) {
	files, err := migrationFiles(db.Dialect)
	if err != nil {
		return nil, err
	}
	applied := map[string]bool{}
	if vs, err := db.AppliedMigrations(ctx); err == nil {
		for _, v := range vs {
			applied[v] = true
		}
	} else if ok, terr := db.hasTable(ctx, db.SQL, revisionsTable); terr != nil || ok {
		return nil, errors.Join(err, terr)
	}
	var pending []string
	for _, f := range files {
		if !applied[f.Version()] {
			pending = append(pending, f.Version())
		}
	}
	return pending, nil
}

// applyPending applies, in tx, each file the database has not recorded,
// and says how many it applied.
func (db *DB) applyPending(ctx context.Context, tx *sql.Tx, files []migrate.File) (int, error) {
	applied, err := db.revisions(ctx, tx)
	if err != nil {
		return 0, err
	}
	if len(applied) == 0 {
		legacy, err := db.hasTable(ctx, tx, "sellers")
		if err != nil {
			return 0, err
		}
		if legacy {
			// Created by Schema.Create before versioned migrations: its
			// schema is the baseline's, which must not run again.
			if err := db.record(ctx, tx, files[0]); err != nil {
				return 0, err
			}
			applied[files[0].Version()] = true
		}
	}
	n := 0
	for _, f := range files {
		if applied[f.Version()] {
			continue
		}
		stmts, err := f.Stmts()
		if err != nil {
			return 0, fmt.Errorf("%s: %w", f.Name(), err)
		}
		for _, stmt := range stmts {
			if strings.HasPrefix(strings.ToUpper(strings.TrimSpace(stmt)), "PRAGMA FOREIGN_KEYS") {
				continue // switched off around the transaction (see migrate)
			}
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return 0, fmt.Errorf("%s: %w", f.Name(), err)
			}
		}
		if err := db.record(ctx, tx, f); err != nil {
			return 0, err
		}
		n++
	}
	return n, nil
}

// foreignKeysHold fails when a row references one that does not exist.
func foreignKeysHold(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, "PRAGMA foreign_key_check")
	if err != nil {
		return err
	}
	defer rows.Close()
	if rows.Next() {
		var table string
		var rowid sql.NullInt64
		var parent string
		var fk int
		if err := rows.Scan(&table, &rowid, &parent, &fk); err != nil {
			return err
		}
		return fmt.Errorf("a row of %s references a missing row of %s", table, parent)
	}
	return rows.Err()
}

// revisions creates the revisions table if needed and returns the versions
// it records.
func (db *DB) revisions(ctx context.Context, tx *sql.Tx) (map[string]bool, error) {
	if _, err := tx.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS "+revisionsTable+
		" (version varchar(64) PRIMARY KEY, name varchar(255) NOT NULL, applied_at varchar(64) NOT NULL)"); err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, "SELECT version FROM "+revisionsTable)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	applied := map[string]bool{}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		applied[v] = true
	}
	return applied, rows.Err()
}

// record notes a migration as applied.
func (db *DB) record(ctx context.Context, tx *sql.Tx, f migrate.File) error {
	q := "INSERT INTO " + revisionsTable + " (version, name, applied_at) VALUES (?, ?, ?)"
	if db.Dialect == Postgres {
		q = "INSERT INTO " + revisionsTable + " (version, name, applied_at) VALUES ($1, $2, $3)"
	}
	_, err := tx.ExecContext(ctx, q, f.Version(), f.Name(), time.Now().UTC().Format(time.RFC3339Nano))
	return err
}

// hasTable reports whether the database has a table of that name.
func (db *DB) hasTable(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, name string) (bool, error) {
	query := "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?"
	if db.Dialect == Postgres {
		query = "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1"
	}
	var n int
	err := q.QueryRowContext(ctx, query, name).Scan(&n)
	return n > 0, err
}

// AppliedMigrations lists the versions the database has applied, oldest
// first.
func (db *DB) AppliedMigrations(ctx context.Context) ([]string, error) {
	rows, err := db.SQL.QueryContext(ctx, "SELECT version FROM "+revisionsTable+" ORDER BY version")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var vs []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		vs = append(vs, v)
	}
	return vs, rows.Err()
}
