package graph_test

// The GraphQL over HTTP conformance suite of the graphql-http npm package
// (the spec's reference audits), run with Node against the real handler on
// a loopback port. The npm project is graph/testdata/graphql-http: its
// package-lock.json pins the suite, and `npm ci` installs it into
// node_modules there (git-ignored) on the first run.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"servicesupport/graph"
)

// conformanceDir is the npm project that runs the audits.
const conformanceDir = "testdata/graphql-http"

// needsIntrospection are the audits whose query is an introspection query
// (`__type(name: …)`, the suite's schema-independent query with a String
// argument): a server with introspection off refuses them by design, so
// the run with the production default does not judge them; the run with
// introspection on does.
var needsIntrospection = map[string]bool{
	"BF61": true, // MUST accept utf-8 encoded request
	"2EA1": true, // SHOULD allow map {variables} parameter when accepting application/graphql-response+json
	"28B9": true, // MUST allow map {variables} parameter when accepting application/json
	"D6D5": true, // MAY allow URL-encoded JSON string {variables} parameter in GETs when accepting application/graphql-response+json
	"6A70": true, // MAY allow URL-encoded JSON string {variables} parameter in GETs when accepting application/json
}

// auditResult is one audit as audit.mjs prints it.
type auditResult struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Status string `json:"status"` // ok, notice, warn or error
	Reason string `json:"reason"`
	// Response is the failed audit's answer, when there was one.
	Response *struct {
		Status      int    `json:"status"`
		ContentType string `json:"contentType"`
		Body        string `json:"body"`
	} `json:"response"`
}

// String renders a result for the log: id, status, name, and why it is
// not ok.
func (r auditResult) String() string {
	s := fmt.Sprintf("%s %-6s %s", r.ID, r.Status, r.Name)
	if r.Reason != "" {
		s += "\n\treason: " + r.Reason
	}
	if p := r.Response; p != nil {
		s += fmt.Sprintf("\n\tanswer: HTTP %d, Content-Type %q", p.Status, p.ContentType)
		if p.Body != "" {
			s += ", body " + strings.TrimSpace(p.Body)
		}
	}
	return s
}

// TestConformanceGraphQLOverHTTP runs every audit of graphql-http against
// /graphql and fails on any result but ok: errors (MUST), warnings
// (SHOULD) and notices (MAY) alike. It runs twice: with the production
// default (introspection off), and with introspection on, where every
// audit applies.
func TestConformanceGraphQLOverHTTP(t *testing.T) {
	node, npm := conformanceTools(t)
	installAuditSuite(t, npm)

	runs := []struct {
		name          string
		introspection bool
	}{
		{"introspection off", false},
		{"introspection on", true},
	}
	for _, run := range runs {
		t.Run(run.name, func(t *testing.T) {
			env := NewEnv(t, WithConfig(func(c *graph.HandlerConfig) { c.Introspection = run.introspection }))
			srv := httptest.NewServer(env.Handler)
			t.Cleanup(srv.Close)
			results := runAudits(t, node, srv.URL+"/graphql")

			var failed, excused []string
			seen := map[string]bool{}
			for _, r := range results {
				seen[r.ID] = true
				t.Logf("%v", r)
				switch {
				case !run.introspection && needsIntrospection[r.ID]:
					// Refused as introspection, and for nothing else.
					if r.Status != "ok" && (r.Response == nil || !strings.Contains(r.Response.Body, `"INTROSPECTION_DISABLED"`)) {
						failed = append(failed, r.String()+"\n\twant: refused with INTROSPECTION_DISABLED")
					}
					excused = append(excused, r.ID)
				case r.Status == "ok":
				default:
					failed = append(failed, r.String())
				}
			}
			for id := range needsIntrospection {
				if !seen[id] {
					failed = append(failed, id+": listed in this test, but no audit has this id (was graphql-http upgraded?)")
				}
			}
			t.Logf("%d audits: %d not judged (need introspection: %s), %d failures",
				len(results), len(excused), strings.Join(excused, " "), len(failed))
			if len(failed) > 0 {
				t.Errorf("%d graphql-http audits are not ok (GraphQL over HTTP, issue 8 point 2):\n%s",
					len(failed), strings.Join(failed, "\n"))
			}
		})
	}
}

// runAudits runs audit.mjs against url and returns its results.
func runAudits(t *testing.T, node, url string) []auditResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "audit.mjs", url)
	cmd.Dir = conformanceDir
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node audit.mjs: %v\nstderr:\n%s\nstdout:\n%s", err, stderr.Bytes(), stdout.Bytes())
	}
	var results []auditResult
	if err := json.Unmarshal(stdout.Bytes(), &results); err != nil {
		t.Fatalf("audit.mjs printed no list of results (%v):\n%s\nstderr:\n%s", err, stdout.Bytes(), stderr.Bytes())
	}
	if len(results) == 0 {
		t.Fatalf("audit.mjs ran no audit:\n%s", stdout.Bytes())
	}
	return results
}

// conformanceTools finds node and npm. Without them the test skips, except
// in CI (CI set), whose machines have them.
func conformanceTools(t *testing.T) (node, npm string) {
	t.Helper()
	var missing []string
	node, err := exec.LookPath("node")
	if err != nil {
		missing = append(missing, "node")
	}
	npm, err = exec.LookPath("npm")
	if err != nil {
		missing = append(missing, "npm")
	}
	if len(missing) == 0 {
		return node, npm
	}
	const why = "the GraphQL over HTTP conformance suite (graphql-http) runs on Node.js"
	if os.Getenv("CI") != "" {
		t.Fatalf("%s not found in CI: %s, and CI machines must have it", strings.Join(missing, " and "), why)
	}
	t.Skipf("%s not found: %s, so it cannot run here (Debian: apt-get install nodejs npm; CI runs it)", strings.Join(missing, " and "), why)
	return "", ""
}

// installAuditSuite runs `npm ci` in conformanceDir unless node_modules
// already holds every package of package-lock.json at its locked version.
func installAuditSuite(t *testing.T, npm string) {
	t.Helper()
	stale := staleModules(t)
	if stale == "" {
		return
	}
	t.Logf("installing the audit suite with npm ci (%s)", stale)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund")
	cmd.Dir = conformanceDir
	cmd.WaitDelay = 5 * time.Second
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm ci --no-audit --no-fund in graph/%s: %v\n%s", conformanceDir, err, out)
	}
	if stale = staleModules(t); stale != "" {
		t.Fatalf("npm ci left node_modules out of date: %s", stale)
	}
}

// staleModules says why node_modules does not match package-lock.json, or
// returns "" when it does: an install that did not finish (npm writes
// node_modules/.package-lock.json last) or a package at another version
// than the lock file's (the lock file was bumped) is installed again.
func staleModules(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat(filepath.Join(conformanceDir, "node_modules", ".package-lock.json")); err != nil {
		return "node_modules/.package-lock.json is missing"
	}
	raw, err := os.ReadFile(filepath.Join(conformanceDir, "package-lock.json"))
	if err != nil {
		t.Fatal(err)
	}
	var lock struct {
		Packages map[string]struct {
			Version string `json:"version"`
		} `json:"packages"`
	}
	if err := json.Unmarshal(raw, &lock); err != nil {
		t.Fatalf("package-lock.json: %v", err)
	}
	for path, p := range lock.Packages {
		if !strings.HasPrefix(path, "node_modules/") {
			continue // "" is the project itself
		}
		raw, err := os.ReadFile(filepath.Join(conformanceDir, path, "package.json"))
		if err != nil {
			return path + " is missing"
		}
		var installed struct {
			Version string `json:"version"`
		}
		if err := json.Unmarshal(raw, &installed); err != nil || installed.Version != p.Version {
			return fmt.Sprintf("%s is %q, the lock file says %q", path, installed.Version, p.Version)
		}
	}
	return ""
}
