// Command migrategen writes the next versioned migration of each database
// from the ent schema: it replays the committed migrations on an empty dev
// database, compares the result with the schema and writes the difference
// as a new Atlas-format file (with atlas.sum) under database/migrations.
//
//	go run ./database/migrategen -name add_something -postgres postgres://…/empty_db
//
// The SQLite dev database is in memory; the PostgreSQL one must be an empty
// database that this command may use (.ci/postgres starts a throwaway
// cluster). TestMigrationsMatchSchema fails while a change to the schema has
// no migration.
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"log"
	"path/filepath"
	"text/template"
	"time"

	"ariga.io/atlas/sql/migrate"
	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"entgo.io/ent/dialect/sql/schema"
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "github.com/mattn/go-sqlite3"

	entmigrate "servicesupport/ent/migrate"
)

func main() {
	name := flag.String("name", "", "name of the migration (e.g. add_api_keys)")
	pg := flag.String("postgres", "", "URL of an empty PostgreSQL database to plan on (skip PostgreSQL when empty)")
	root := flag.String("dir", "database/migrations", "folder of the migration folders")
	rehash := flag.Bool("rehash", false, "only rewrite each folder's atlas.sum (after adding hand-written statements, such as triggers, to a new migration)")
	flag.Parse()
	if *rehash {
		for _, d := range []string{"sqlite", "postgres"} {
			if err := writeSum(filepath.Join(*root, d)); err != nil {
				log.Fatalf("%s: %v", d, err)
			}
		}
		return
	}
	if *name == "" {
		log.Fatal("-name is required")
	}
	ctx := context.Background()
	// One version for both dialects' files of this change.
	version := time.Now().UTC().Format("20060102150405")
	formatter, err := migrate.NewTemplateFormatter(
		template.Must(template.New("name").Parse(version+"_{{ .Name }}.sql")),
		template.Must(template.New("body").Parse(`{{ range .Changes }}{{ with .Comment }}-- {{ println . }}{{ end }}{{ printf "%s;\n" .Cmd }}{{ end }}`)),
	)
	if err != nil {
		log.Fatal(err)
	}
	if err := plan(ctx, formatter, dialect.SQLite, "sqlite3", "file:migrategen?mode=memory&cache=shared&_fk=1", filepath.Join(*root, "sqlite"), *name); err != nil {
		log.Fatalf("sqlite: %v", err)
	}
	if *pg != "" {
		if err := plan(ctx, formatter, dialect.Postgres, "pgx", *pg, filepath.Join(*root, "postgres"), *name); err != nil {
			log.Fatalf("postgres: %v", err)
		}
	} else {
		log.Print("no -postgres URL: PostgreSQL migrations not planned")
	}
}

// writeSum rewrites the atlas.sum of a migration folder from its files.
func writeSum(path string) error {
	dir, err := migrate.NewLocalDir(path)
	if err != nil {
		return err
	}
	sum, err := dir.Checksum()
	if err != nil {
		return err
	}
	return migrate.WriteSumFile(dir, sum)
}

// plan writes one dialect's next migration, if the schema changed.
func plan(ctx context.Context, formatter migrate.Formatter, dialectName, driver, url, path, name string) error {
	dir, err := migrate.NewLocalDir(path)
	if err != nil {
		return err
	}
	db, err := sql.Open(driver, url)
	if err != nil {
		return err
	}
	defer db.Close()
	m, err := schema.NewMigrate(entsql.OpenDB(dialectName, db),
		schema.WithDir(dir),
		schema.WithMigrationMode(schema.ModeReplay),
		schema.WithDialect(dialectName),
		schema.WithFormatter(formatter),
		schema.WithErrNoPlan(true),
	)
	if err != nil {
		return err
	}
	err = m.NamedDiff(ctx, name, entmigrate.Tables...)
	if errors.Is(err, migrate.ErrNoPlan) {
		fmt.Printf("%s: no change\n", path)
		return nil
	}
	if err == nil {
		fmt.Printf("%s: wrote %s\n", path, name)
	}
	return err
}
