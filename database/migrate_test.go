package database_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"ariga.io/atlas/sql/migrate"
	entsql "entgo.io/ent/dialect/sql"
	"entgo.io/ent/dialect/sql/schema"

	"servicesupport/database"
	"servicesupport/database/dbtest"
	entmigrate "servicesupport/ent/migrate"
	_ "servicesupport/ent/runtime"
	"servicesupport/ent/seller"
	"servicesupport/policy"
)

// TestMigrationsMatchSchema replays every committed migration on an empty
// database of the dialect under test and asks ent for the difference from
// the schema: any difference is a schema change without its migration
// (`go run ./database/migrategen -name …` writes it).
func TestMigrationsMatchSchema(t *testing.T) {
	db, err := database.Connect(dbtest.EmptyURL(t), database.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.SQL.Close()
	dir, err := database.Migrations(db.Dialect)
	if err != nil {
		t.Fatal(err)
	}
	m, err := schema.NewMigrate(entsql.OpenDB(db.Dialect, db.SQL),
		schema.WithDir(dir),
		schema.WithMigrationMode(schema.ModeReplay),
		schema.WithDialect(db.Dialect),
		schema.WithErrNoPlan(true),
	)
	if err != nil {
		t.Fatal(err)
	}
	err = m.NamedDiff(context.Background(), "pending", entmigrate.Tables...)
	if errors.Is(err, migrate.ErrNoPlan) {
		return
	}
	if err != nil {
		t.Fatalf("planning: %v", err)
	}
	files, _ := dir.Files()
	last := files[len(files)-1]
	t.Fatalf("the ent schema has changes that no %s migration carries:\n%s\nrun: go run ./database/migrategen -name NAME -postgres URL",
		db.Dialect, last.Bytes())
}

// TestMigrateEmptyDatabase applies every migration to an empty database,
// records each once, and is a no-op the second time.
func TestMigrateEmptyDatabase(t *testing.T) {
	ctx := context.Background()
	db, err := database.Connect(dbtest.EmptyURL(t), database.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.SQL.Close()
	for range 2 {
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
	}
	wantAllApplied(t, db)
	// The schema works: a seller can be stored and read.
	c := db.Client(nil)
	if _, err := c.Seller.Query().Where(seller.AccountID("x")).Count(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestMigrateConcurrently starts several migrations of one empty database
// at once, as instances starting together do: every one succeeds and each
// migration is recorded once (a second run would fail on CREATE TABLE).
func TestMigrateConcurrently(t *testing.T) {
	ctx := context.Background()
	url := dbtest.EmptyURL(t)
	const n = 4
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := database.Connect(url, database.Options{})
			if err != nil {
				errs <- err
				return
			}
			defer db.SQL.Close()
			errs <- db.Migrate(ctx)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	db, err := database.Connect(url, database.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.SQL.Close()
	wantAllApplied(t, db)
}

// wantAllApplied fails unless the database recorded each migration of the
// build once, in order.
func wantAllApplied(t *testing.T, db *database.DB) {
	t.Helper()
	applied, err := db.AppliedMigrations(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	dir, _ := database.Migrations(db.Dialect)
	files, _ := dir.Files()
	if len(applied) != len(files) {
		t.Fatalf("applied %v, want each of %d migrations once", applied, len(files))
	}
	for i, f := range files {
		if applied[i] != f.Version() {
			t.Errorf("applied[%d] = %s, want %s", i, applied[i], f.Version())
		}
	}
}

// TestMigrateLegacySQLiteFile opens a database file made by the build
// before versioned migrations (Schema.Create, then the demo seed): it is
// taken as being at the baseline, later migrations apply, and its data stays.
func TestMigrateLegacySQLiteFile(t *testing.T) {
	src, err := os.Open(filepath.Join("testdata", "legacy-schema-create.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	path := filepath.Join(t.TempDir(), "legacy.db")
	dst, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	dst.Close()
	ctx := context.Background()
	db, err := database.Connect("file:"+path, database.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.SQL.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrating a legacy file: %v", err)
	}
	wantAllApplied(t, db)
	c := db.Client(nil)
	n, err := c.Seller.Query().Where(seller.AccountID("demo-seller")).Count(policy.System(ctx))
	if err != nil || n != 1 {
		t.Fatalf("demo seller after migration: %d, %v", n, err)
	}
}
