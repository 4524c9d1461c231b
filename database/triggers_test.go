package database_test

import (
	"context"
	"slices"
	"testing"

	"servicesupport/database"
	"servicesupport/database/dbtest"
)

// triggers are the triggers that the migrations create: the product
// counters and the sellers' page versions (see the migration
// product_counts_and_page_triggers).
var triggers = map[string][]string{
	database.SQLite: {
		"contacts_page_delete", "contacts_page_insert", "contacts_page_update",
		"groups_page_delete", "groups_page_insert", "groups_page_update",
		"products_count_delete", "products_count_insert", "products_count_update", "products_page_update",
		"sellers_page_update",
	},
	database.Postgres: {
		"contacts_page", "groups_page", "products_count_insert_delete",
		"products_count_update", "products_page", "sellers_page",
	},
}

// TestMigrationsKeepTriggers applies every migration and finds every
// trigger in place. SQLite drops a table's triggers with the table, and
// Atlas rebuilds a table to change a column: a later migration that
// rebuilds one of these tables must create its triggers again.
func TestMigrationsKeepTriggers(t *testing.T) {
	ctx := context.Background()
	db, err := database.Connect(dbtest.EmptyURL(t), database.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.SQL.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	query := `SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name`
	if db.Dialect == database.Postgres {
		query = `SELECT DISTINCT tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY tgname`
	}
	rows, err := db.SQL.QueryContext(ctx, query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		got = append(got, name)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if want := triggers[db.Dialect]; !slices.Equal(got, want) {
		t.Errorf("triggers after migrating:\n got %v\nwant %v", got, want)
	}
}
