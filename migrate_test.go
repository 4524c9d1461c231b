package main

// Tests of the migrate command and of migrating at start, through the real
// binary on the database under test.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"servicesupport/database"
	"servicesupport/database/dbtest"
)

// migrationRow is one row of schema_migrations.
type migrationRow struct{ Version, AppliedAt string }

// appliedMigrations reads schema_migrations, oldest first; it fails the test
// if the table is missing.
func appliedMigrations(t *testing.T, dbURL string) []migrationRow {
	t.Helper()
	db, err := database.Connect(dbURL, database.Options{MaxOpenConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.SQL.Close()
	rows, err := db.SQL.Query("SELECT version, applied_at FROM schema_migrations ORDER BY version")
	if err != nil {
		t.Fatalf("reading schema_migrations: %v", err)
	}
	defer rows.Close()
	var applied []migrationRow
	for rows.Next() {
		var r migrationRow
		if err := rows.Scan(&r.Version, &r.AppliedAt); err != nil {
			t.Fatal(err)
		}
		applied = append(applied, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return applied
}

// migrationRowVersions lists the rows' versions.
func migrationRowVersions(rows []migrationRow) []string {
	var vs []string
	for _, r := range rows {
		vs = append(vs, r.Version)
	}
	return vs
}

// migrationVersions lists the versions of the migrations the build carries
// for the dialect under test, oldest first.
func migrationVersions(t *testing.T) []string {
	t.Helper()
	dir, err := database.Migrations(dbtest.Dialect())
	if err != nil {
		t.Fatal(err)
	}
	files, err := dir.Files()
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("the build carries no migrations")
	}
	var vs []string
	for _, f := range files {
		vs = append(vs, f.Version())
	}
	return vs
}

// runMigrate runs `servicesupport migrate` on dbURL and returns its stdout,
// its stderr and how it exited.
func runMigrate(t *testing.T, dbURL string) (string, string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, buildServer(t), "migrate")
	cmd.Env = serverEnv(t.TempDir(), "127.0.0.1:0", apiServerEnv(dbURL)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

// TestMigrateCommand runs `servicesupport migrate` on an empty database: it
// applies every migration, says so and exits 0; a second run changes
// nothing; a server with MIGRATE_ON_START=false then serves that database.
func TestMigrateCommand(t *testing.T) {
	t.Parallel()
	dbURL := dbtest.EmptyURL(t)
	files := migrationVersions(t)
	at := fmt.Sprintf("database at migration %s (%d applied)\n", files[len(files)-1], len(files))
	want := fmt.Sprintf("applied %d migration(s); ", len(files)) + at

	stdout, stderr, err := runMigrate(t, dbURL)
	if err != nil {
		t.Fatalf("migrate on an empty database: %v\nstdout: %s\nstderr: %s", err, stdout, stderr)
	}
	if stdout != want {
		t.Errorf("migrate printed %q, want %q (stderr %q)", stdout, want, stderr)
	}
	first := appliedMigrations(t, dbURL)
	if got := migrationRowVersions(first); strings.Join(got, " ") != strings.Join(files, " ") {
		t.Errorf("after migrate, schema_migrations holds %v, want %v", got, files)
	}

	again, stderr, err := runMigrate(t, dbURL)
	if err != nil {
		t.Fatalf("migrate a second time: %v\nstdout: %s\nstderr: %s", err, again, stderr)
	}
	if again != "no migration to apply; "+at {
		t.Errorf("the second migrate printed %q, want %q", again, "no migration to apply; "+at)
	}
	if second := appliedMigrations(t, dbURL); fmt.Sprint(second) != fmt.Sprint(first) {
		t.Errorf("the second migrate changed schema_migrations: %v, then %v", first, second)
	}
	t.Logf("database %s: migrate printed %q, then %q; schema_migrations %v, unchanged by the second run", dbtest.Dialect(), strings.TrimSpace(stdout), strings.TrimSpace(again), first)

	// The deployment this command is for: migrate first, then servers that
	// do not migrate.
	s := startAPIServer(t, t.TempDir(), dbURL, "MIGRATE_ON_START=false")
	admin := serverToken(t, "admin@ops", "admin", "")
	p := mustMutate(t, s, admin, instCreateSellerM, map[string]any{"in": map[string]any{"accountID": "after-migrate", "name": "After Migrate"}})
	if p.Out.Seller == nil {
		t.Errorf("createSeller after migrate: %+v", p.Out)
	}
}

// TestMigrateOnStartFalseOnEmptyDatabase starts a server with
// MIGRATE_ON_START=false on a database nobody migrated. It must not look
// healthy: either it refuses to start, saying why (the migrations are
// pending: run `servicesupport migrate`), or it keeps running but /readyz
// answers 503 until the migrations are applied, so that a load balancer
// sends it nothing. Reporting ready and answering INTERNAL to every request
// is the failure this test catches.
func TestMigrateOnStartFalseOnEmptyDatabase(t *testing.T) {
	t.Parallel()
	dbURL := dbtest.EmptyURL(t)
	s := startServer(t, t.TempDir(), apiServerEnv(dbURL, "MIGRATE_ON_START=false")...)

	deadline := time.Now().Add(time.Minute)
	for {
		if exited, err := s.wait(time.Millisecond); exited {
			stderr := s.stderr.String()
			var exit *exec.ExitError
			switch {
			case !errors.As(err, &exit):
				t.Fatalf("the server exited with %v; stderr:\n%s", err, stderr)
			case !strings.Contains(strings.ToLower(stderr), "migrat"):
				t.Errorf("the server refused to start (%v) without saying that migrations are pending; stderr:\n%s", err, stderr)
			default:
				t.Logf("database %s: with MIGRATE_ON_START=false on an empty database the server refused to start (%v): %s",
					dbtest.Dialect(), err, strings.TrimSpace(stderr))
			}
			return
		}
		status, body, err := get(s.url("/readyz"))
		if err == nil {
			if status == http.StatusOK {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				qs, ans, qerr := ask(ctx, s, http.MethodPost, "", `{ products(first: 1) { totalCount } }`, nil, nil)
				cancel()
				t.Fatalf("database %s: with MIGRATE_ON_START=false on an empty database the server started and /readyz answers 200 %q, "+
					"while a products query answers %d %+v (%v): it reports ready on a database with no schema, instead of refusing to start or answering 503 until `servicesupport migrate` has run",
					dbtest.Dialect(), body, qs, ans, qerr)
			}
			t.Logf("database %s: with MIGRATE_ON_START=false on an empty database /readyz answers %d %q", dbtest.Dialect(), status, body)
			if status != http.StatusServiceUnavailable {
				t.Errorf("/readyz answered %d, want 503", status)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("within a minute the server neither exited nor answered /readyz: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}

	// Running but not ready: once migrated, it is ready and serves.
	if stdout, stderr, err := runMigrate(t, dbURL); err != nil {
		t.Fatalf("migrate: %v\n%s\n%s", err, stdout, stderr)
	}
	s.waitReady(t, time.Minute, func() error {
		status, body, err := get(s.url("/readyz"))
		if err == nil && status != http.StatusOK {
			err = fmt.Errorf("/readyz answered %d %q", status, body)
		}
		return err
	})
	s.waitAPI(t, time.Minute)
}

// get fetches url and returns the status and body.
func get(url string) (int, string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(body)), err
}
