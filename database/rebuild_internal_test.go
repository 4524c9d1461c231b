package database

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"ariga.io/atlas/sql/migrate"
)

// TestSQLiteRebuildKeepsReferences applies, after the committed
// migrations, one in the shape Atlas writes to change a SQLite table
// (create a copy, copy the rows, drop the old table, rename the copy) to
// the table that products reference with ON DELETE SET NULL: every
// product keeps its group, and a migration that leaves a dangling
// reference is refused and changes nothing.
func TestSQLiteRebuildKeepsReferences(t *testing.T) {
	ctx := context.Background()
	u, err := FileURL(filepath.Join(t.TempDir(), "rebuild.db"))
	if err != nil {
		t.Fatal(err)
	}
	db, err := Connect(u, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.SQL.Close()
	files, err := migrationFiles(SQLite)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.migrate(ctx, files); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"INSERT INTO sellers (id, created_at, account_id, name) VALUES (1, '2026-01-01', 'acme', 'Acme')",
		`INSERT INTO customer_service_groups (id, created_at, updated_at, name, name_key, phone, email, service_days, service_hours, time_zone, seller_id)
		 VALUES (7, '2026-01-01', '2026-01-01', 'Desk', 'desk', '+861065529988', 'd@acme.example', '["MONDAY"]', '[{"start":"09:00","end":"18:00"}]', 'Asia/Shanghai', 1)`,
		"INSERT INTO products (id, created_at, updated_at, name, status, seller_id, after_sales_group_id) VALUES (9, '2026-01-01', '2026-01-01', 'Compute', 'RELEASED', 1, 7)",
	} {
		if _, err := db.SQL.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	var create string
	if err := db.SQL.QueryRowContext(ctx, "SELECT sql FROM sqlite_master WHERE name = 'customer_service_groups'").Scan(&create); err != nil {
		t.Fatal(err)
	}
	rebuild := func(version, copyRows string) migrate.File {
		body := strings.Join([]string{
			"PRAGMA foreign_keys = off;",
			strings.Replace(create, "`customer_service_groups`", "`new_customer_service_groups`", 1) + ";",
			"INSERT INTO `new_customer_service_groups` SELECT * FROM `customer_service_groups` " + copyRows + ";",
			"DROP TABLE `customer_service_groups`;",
			"ALTER TABLE `new_customer_service_groups` RENAME TO `customer_service_groups`;",
			"PRAGMA foreign_keys = on;",
		}, "\n")
		return migrate.NewLocalFile(version+"_rebuild.sql", []byte(body))
	}
	groupOf := func() any {
		var g any
		if err := db.SQL.QueryRowContext(ctx, "SELECT after_sales_group_id FROM products WHERE id = 9").Scan(&g); err != nil {
			t.Fatal(err)
		}
		return g
	}

	// Losing the group's row leaves the product pointing nowhere: refused.
	if _, err := db.migrate(ctx, append(files, rebuild("20990101000000", "WHERE id <> 7"))); err == nil || !strings.Contains(err.Error(), "references a missing row") {
		t.Fatalf("a rebuild that drops a referenced row: %v, want it refused", err)
	}
	if g := groupOf(); g != int64(7) {
		t.Fatalf("after the refused migration the product's group is %v, want 7", g)
	}
	// A faithful rebuild keeps every reference.
	n, err := db.migrate(ctx, append(files, rebuild("20990101000001", "")))
	if err != nil || n != 1 {
		t.Fatalf("rebuild: %d applied, %v", n, err)
	}
	if g := groupOf(); g != int64(7) {
		t.Errorf("after rebuilding the groups table the product's group is %v, want 7", g)
	}
	// The pool's connections have their foreign keys back.
	if _, err := db.SQL.ExecContext(ctx, "INSERT INTO products (created_at, updated_at, name, status, seller_id, after_sales_group_id) VALUES ('2026-01-01', '2026-01-01', 'X', 'DRAFT', 1, 12345)"); err == nil {
		t.Error("a product with a missing group was stored: foreign keys are off after migrating")
	}
}
