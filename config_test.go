package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"servicesupport/auth"
	"servicesupport/graph"
)

// TestHelpListsEverySetting checks that --help lists each setting with its
// environment variable and default, and never prints the secret.
func TestHelpListsEverySetting(t *testing.T) {
	t.Setenv("AUTH_JWT_SECRET", "super-secret-value")
	t.Setenv("ADDR", "127.0.0.1:9999")
	var s settings
	fs, _ := flagSet("servicesupport", &s)
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
		"-rate-limit-points", "(env RATE_LIMIT_POINTS)", "(default 2000)",
		"-rate-limit-restore", "(env RATE_LIMIT_RESTORE)", "(default 200)",
		"-trusted-proxies", "(env TRUSTED_PROXIES)",
		"-page-cache", "(env PAGE_CACHE)",
		"-gc-percent", "(env GC_PERCENT)",
		"-request-timeout deadline", "-graphiql\n", // a placeholder, and none for a boolean
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
		s.databaseURL != "file:"+dir+"/servicesupport.db" || !s.pageCache {
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

// badSettings are values each setting must refuse, by flag name. A test
// fails when a flag has none here, so that a new setting is not left
// unchecked by oversight.
var badSettings = map[string][]string{
	"addr":                   {"8080", "localhost", ":http", ":65536", "bad host!:80", "", "-host-:80"},
	"data-dir":               {""},
	"database-url":           {"mysql://u:secret@db/x", "secret-dsn", "file:", "file:x.db?a=%zz", "postgres://u:secret@db:port/x"},
	"cors-allowed-origins":   {"app.example", "https://app.example/", "https://app.example/path", "ftp://app.example", "null", "https://u@app.example", "*, https://app.example", "https://app.example:0", "https://bad_host", "https://app.example?x"},
	"graphql-introspection":  {"maybe", "yes"},
	"graphiql":               {"yes please"},
	"log-format":             {"xml", "JSON"},
	"request-timeout":        {"abc", "0", "0s", "-1s", "10"},
	"db-max-open-conns":      {"many", "-1", "1.5"},
	"db-max-idle-conns":      {"-3"},
	"db-conn-max-lifetime":   {"forever", "0s"},
	"migrate-on-start":       {"yes", "nope"},
	"webhook-allow-insecure": {"sometimes"},
	"webhook-retry-base":     {"0s", "a while"},
	"rate-limit-points":      {"0", "-5", "lots", "2.5", "1000000001"},
	"rate-limit-restore":     {"0", "fast"},
	"trusted-proxies":        {"10.0.0.0/33", "proxy.internal", "10.0.0.0/8, *"},
	"page-cache":             {"off", "enabled"},
	"gc-percent":             {"-1", "off", "5", "10001", "2.5", "100%"},
}

// uncheckedSettings take any value: what would be refused is caught
// where they are used.
var uncheckedSettings = map[string]string{
	"auth-jwt-secret":    "any bytes are a secret",
	"allowed-operations": "a file name: serve stops if the file is not a valid allow-list",
}

// settingsEnv isolates a test from the settings of the environment it
// runs in, and gives it a data folder and a secret (not dev mode).
func settingsEnv(t *testing.T) {
	t.Helper()
	for _, name := range serverSettings {
		t.Setenv(name, "")
	}
	t.Setenv("DATA_DIR", t.TempDir())
	t.Setenv("AUTH_JWT_SECRET", "x")
}

// TestSettingsRefuseNonsense checks that each bad value stops the server
// with the setting's name, whether the environment or the flag gives it,
// instead of falling back to the default.
func TestSettingsRefuseNonsense(t *testing.T) {
	var s settings
	fs, _ := flagSet("servicesupport", &s)
	fs.VisitAll(func(f *flag.Flag) {
		if len(badSettings[f.Name]) == 0 && uncheckedSettings[f.Name] == "" {
			t.Errorf("--%s has no bad value in badSettings (nor a reason in uncheckedSettings)", f.Name)
		}
	})
	for name, values := range badSettings {
		env := envName(name)
		for _, value := range values {
			t.Run(env+"="+value, func(t *testing.T) {
				settingsEnv(t)
				t.Setenv(env, value)
				if value == "" {
					// An empty variable is unset (only the flag can be
					// empty): the setting keeps its default.
					if _, _, err := loadSettings("servicesupport", nil, nil); err != nil {
						t.Errorf("%s set empty: %v, want it taken as unset", env, err)
					}
					return
				}
				_, _, err := loadSettings("servicesupport", nil, nil)
				checkRefused(t, err, env)
			})
			t.Run("--"+name+"="+value, func(t *testing.T) {
				settingsEnv(t)
				_, _, err := loadSettings("servicesupport", []string{"--" + name + "=" + value}, nil)
				checkRefused(t, err, "--"+name)
			})
		}
	}
}

// checkRefused fails the test unless err names the setting on each line,
// and never shows a password.
func checkRefused(t *testing.T, err error, name string) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted, want an error naming %s", name)
	}
	for line := range strings.SplitSeq(err.Error(), "\n") {
		if !strings.HasPrefix(line, name+": ") {
			t.Errorf("error line %q does not start with %s", line, name)
		}
	}
	if strings.Contains(err.Error(), "secret") {
		t.Errorf("the error shows the password: %v", err)
	}
}

// TestSettingsReportEveryError checks that all bad settings are reported
// at once, from the environment and from flags, so a deploy is fixed in
// one go.
func TestSettingsReportEveryError(t *testing.T) {
	settingsEnv(t)
	t.Setenv("REQUEST_TIMEOUT", "abc")
	t.Setenv("LOG_FORMAT", "xml")
	_, _, err := loadSettings("servicesupport", []string{"--graphiql=maybe", "--rate-limit-points=0", "--db-max-open-conns=2", "--db-max-idle-conns=3"}, nil)
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{"REQUEST_TIMEOUT: ", "LOG_FORMAT: ", "--graphiql: ", "--rate-limit-points: ", "DB_MAX_IDLE_CONNS"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

// TestSettingsAcceptSense checks values at the edges of what is accepted,
// from the environment and from flags.
func TestSettingsAcceptSense(t *testing.T) {
	settingsEnv(t)
	for k, v := range map[string]string{
		"DB_MAX_OPEN_CONNS":      "12",
		"DB_MAX_IDLE_CONNS":      "6",
		"DB_CONN_MAX_LIFETIME":   "5m",
		"MIGRATE_ON_START":       "false",
		"PAGE_CACHE":             "false",
		"GC_PERCENT":             "10000",
		"WEBHOOK_ALLOW_INSECURE": "true",
		"WEBHOOK_RETRY_BASE":     "250ms",
		"RATE_LIMIT_POINTS":      "1000000000",
		"RATE_LIMIT_RESTORE":     "1",
		"TRUSTED_PROXIES":        "10.0.0.0/8, 192.0.2.1, fd00::/8",
		"CORS_ALLOWED_ORIGINS":   "https://app.example, http://localhost:3000, https://*.shop.example, http://[::1]:8080",
		"LOG_FORMAT":             "json",
		"DATABASE_URL":           "postgres://u:p@db:5432/x?sslmode=disable",
		"ADDR":                   "[::1]:0",
	} {
		t.Setenv(k, v)
	}
	s, _, err := loadSettings("servicesupport", []string{"--graphiql", "--graphql-introspection=1", "--rate-limit-restore=50", "--addr=localhost:8080"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !s.webhookInsecure || s.webhookRetryBase != 250*time.Millisecond {
		t.Errorf("webhook settings: insecure %v, retry base %v", s.webhookInsecure, s.webhookRetryBase)
	}
	if s.pool.MaxOpenConns != 12 || s.pool.MaxIdleConns != 6 || s.pool.ConnMaxLifetime != 5*time.Minute || s.migrateOnStart || s.pageCache {
		t.Errorf("pool %+v, migrateOnStart %v, pageCache %v", s.pool, s.migrateOnStart, s.pageCache)
	}
	if s.gcPercent != 10000 {
		t.Errorf("gc percent %d, want 10000", s.gcPercent)
	}
	if s.rateLimitPoints != 1_000_000_000 || s.rateLimitRestore != 50 || fmt.Sprint(s.trustedProxies) != "[10.0.0.0/8 192.0.2.1/32 fd00::/8]" {
		t.Errorf("rate limit %d/%d, proxies %v", s.rateLimitPoints, s.rateLimitRestore, s.trustedProxies)
	}
	if len(s.origins) != 4 || !s.graphiql || !s.introspection || s.logFormat != "json" || s.addr != "localhost:8080" {
		t.Errorf("settings %+v", s)
	}

	t.Setenv("CORS_ALLOWED_ORIGINS", "*")
	if s, _, err = loadSettings("servicesupport", nil, nil); err != nil || len(s.origins) != 1 || s.origins[0] != "*" {
		t.Errorf("CORS_ALLOWED_ORIGINS=*: %v, %v", s.origins, err)
	}
}

// TestBadSettingStopsTheBinary checks, on the real binary, that a bad
// setting exits non-zero with the settings' names on stderr, before
// anything is served.
func TestBadSettingStopsTheBinary(t *testing.T) {
	s := startServer(t, t.TempDir(), "REQUEST_TIMEOUT=abc", "RATE_LIMIT_POINTS=0", "TRUSTED_PROXIES=proxy.internal")
	exited, err := s.wait(time.Minute)
	if !exited {
		t.Fatal("the server did not stop")
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() == 0 {
		t.Fatalf("exit: %v, want a non-zero status", err)
	}
	stderr := s.stderr.String()
	for _, want := range []string{`REQUEST_TIMEOUT: "abc" is not a duration`, "RATE_LIMIT_POINTS: ", `TRUSTED_PROXIES: "proxy.internal"`} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
}

// TestGCPercentPrecedence: GC_PERCENT (or its flag) wins, then GOGC as the
// runtime read it (the server sets nothing), then the server's default.
func TestGCPercentPrecedence(t *testing.T) {
	for _, c := range []struct {
		setting int
		gogc    string
		want    int
	}{
		{0, "", graph.DefaultGCPercent},
		{0, "150", 0},
		{0, "off", 0},
		{10, "", 10},
		{250, "50", 250},
	} {
		if got := gcPercent(settings{gcPercent: c.setting}, c.gogc); got != c.want {
			t.Errorf("GC_PERCENT %d, GOGC %q: got %d, want %d", c.setting, c.gogc, got, c.want)
		}
	}
	settingsEnv(t)
	s, _, err := loadSettings("servicesupport", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.gcPercent != 0 || gcPercent(s, "") != 400 {
		t.Errorf("unset: gcPercent %d, applied %d; want 0 and 400", s.gcPercent, gcPercent(s, ""))
	}
}
