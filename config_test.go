package main

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"servicesupport/auth"
)

// TestHelpListsEverySetting checks that --help lists each setting with its
// environment variable and default, and never prints the secret.
func TestHelpListsEverySetting(t *testing.T) {
	t.Setenv("AUTH_JWT_SECRET", "super-secret-value")
	t.Setenv("ADDR", "127.0.0.1:9999")
	var s settings
	fs, _, _ := flagSet("servicesupport", &s)
	var out bytes.Buffer
	fs.SetOutput(&out)
	if err := fs.Parse([]string{"--help"}); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("--help: %v", err)
	}
	help := out.String()
	for _, want := range []string{
		"-addr", "(env ADDR)", `(default "127.0.0.1:9999")`,
		"-data-dir", "(env DATA_DIR)", `(default "data")`,
		"-database-url", "(env DATABASE_URL)",
		"-auth-jwt-secret", "(env AUTH_JWT_SECRET",
		"-cors-allowed-origins", "(env CORS_ALLOWED_ORIGINS)",
		"-graphql-introspection", "(env GRAPHQL_INTROSPECTION)",
		"-graphiql", "(env GRAPHIQL)",
		"-allowed-operations", "(env ALLOWED_OPERATIONS)",
		"-request-timeout", "(env REQUEST_TIMEOUT)", "(default 10s)",
		"-log-format", "(env LOG_FORMAT)",
		"-db-max-open-conns", "(env DB_MAX_OPEN_CONNS)",
		"-db-max-idle-conns", "(env DB_MAX_IDLE_CONNS)",
		"-db-conn-max-lifetime", "(env DB_CONN_MAX_LIFETIME)", "(default 30m0s)",
		"-migrate-on-start", "(env MIGRATE_ON_START)", "(default true)",
		"-webhook-allow-insecure", "(env WEBHOOK_ALLOW_INSECURE)",
		"-webhook-retry-base", "(env WEBHOOK_RETRY_BASE)", "(default 5s)",
	} {
		if !strings.Contains(help, want) {
			t.Errorf("--help lacks %q:\n%s", want, help)
		}
	}
	if strings.Contains(help, "super-secret-value") {
		t.Errorf("--help prints the secret:\n%s", help)
	}
}

// TestFlagsAndEnvironment checks that the environment sets defaults and a
// flag overrides them.
func TestFlagsAndEnvironment(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("DATA_DIR", dir)
	t.Setenv("AUTH_JWT_SECRET", "from-env")
	t.Setenv("REQUEST_TIMEOUT", "3s")
	t.Setenv("CORS_ALLOWED_ORIGINS", "https://a.example, https://b.example")
	s, _, err := loadSettings("servicesupport", []string{"--addr", "127.0.0.1:7777", "--graphiql"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.addr != "127.0.0.1:7777" || !s.graphiql || s.secret != "from-env" || s.devMode ||
		s.requestTimeout != 3*time.Second || len(s.origins) != 2 || s.origins[1] != "https://b.example" ||
		s.databaseURL != "file:"+dir+"/servicesupport.db" {
		t.Errorf("settings: %+v", s)
	}
	t.Setenv("AUTH_JWT_SECRET", "")
	s, _, err = loadSettings("servicesupport", []string{"--auth-jwt-secret", "from-flag"}, nil)
	if err != nil || s.secret != "from-flag" || s.devMode {
		t.Errorf("flag secret: %+v, %v", s, err)
	}
	s, _, err = loadSettings("servicesupport", nil, nil)
	if err != nil || !s.devMode || s.secret == "" {
		t.Errorf("dev mode: %+v, %v", s, err)
	}
}

// TestTokenUsesTheServerFlags checks that `token` signs with the secret given
// by flag, as the server would verify it.
func TestTokenUsesTheServerFlags(t *testing.T) {
	t.Setenv("AUTH_JWT_SECRET", "")
	dir := t.TempDir()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout := os.Stdout
	os.Stdout = w
	err = mintToken([]string{"--role", "admin", "--auth-jwt-secret", "flag-secret", "--data-dir", dir})
	os.Stdout = stdout
	w.Close()
	if err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(r)
	v, err := auth.Parse([]byte("flag-secret"), strings.TrimSpace(string(out)), nil)
	if err != nil || v.Role != auth.RoleAdmin {
		t.Fatalf("token %q: %v", out, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("token with a secret wrote to the data folder: %v", entries)
	}
}

// TestUnexpectedArguments checks that a stray word is refused, not ignored.
func TestUnexpectedArguments(t *testing.T) {
	t.Setenv("DATA_DIR", t.TempDir())
	if _, _, err := loadSettings("servicesupport", []string{"serve"}, nil); err == nil || !strings.Contains(err.Error(), `"serve"`) {
		t.Errorf("stray argument: %v", err)
	}
	if err := mintToken([]string{"--auth-jwt-secret", "x", "reviewer"}); err == nil {
		t.Error("token with a stray argument succeeded")
	}
}

// TestSettingsRefuseNonsense checks that a variable that does not parse
// stops the server with its name, instead of falling back to the default.
func TestSettingsRefuseNonsense(t *testing.T) {
	for _, tc := range []struct{ env, value string }{
		{"REQUEST_TIMEOUT", "soon"},
		{"REQUEST_TIMEOUT", "-1s"},
		{"DB_MAX_OPEN_CONNS", "many"},
		{"DB_MAX_IDLE_CONNS", "-3"},
		{"DB_CONN_MAX_LIFETIME", "forever"},
		{"MIGRATE_ON_START", "nope"},
		{"GRAPHIQL", "yes please"},
		{"WEBHOOK_ALLOW_INSECURE", "sometimes"},
		{"WEBHOOK_RETRY_BASE", "0s"},
		{"WEBHOOK_RETRY_BASE", "a while"},
	} {
		t.Run(tc.env+"="+tc.value, func(t *testing.T) {
			t.Setenv("DATA_DIR", t.TempDir())
			t.Setenv("AUTH_JWT_SECRET", "x")
			t.Setenv(tc.env, tc.value)
			_, _, err := loadSettings("servicesupport", nil, nil)
			if err == nil || !strings.Contains(err.Error(), tc.env) {
				t.Fatalf("err = %v, want one naming %s", err, tc.env)
			}
		})
	}
	t.Run("pool settings parse", func(t *testing.T) {
		t.Setenv("DATA_DIR", t.TempDir())
		t.Setenv("AUTH_JWT_SECRET", "x")
		t.Setenv("DB_MAX_OPEN_CONNS", "12")
		t.Setenv("DB_MAX_IDLE_CONNS", "6")
		t.Setenv("DB_CONN_MAX_LIFETIME", "5m")
		t.Setenv("MIGRATE_ON_START", "false")
		t.Setenv("WEBHOOK_ALLOW_INSECURE", "true")
		t.Setenv("WEBHOOK_RETRY_BASE", "250ms")
		s, _, err := loadSettings("servicesupport", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !s.webhookInsecure || s.webhookRetryBase != 250*time.Millisecond {
			t.Fatalf("webhook settings: insecure %v, retry base %v", s.webhookInsecure, s.webhookRetryBase)
		}
		if s.pool.MaxOpenConns != 12 || s.pool.MaxIdleConns != 6 || s.pool.ConnMaxLifetime != 5*time.Minute || s.migrateOnStart {
			t.Fatalf("settings = %+v, migrateOnStart %v", s.pool, s.migrateOnStart)
		}
	})
}
