package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"servicesupport/database"
	"servicesupport/database/dbtest"
)

// TestGeneratedCodeIsCurrent regenerates the code in a copy of the
// repository and fails when the result differs from what is checked in:
// someone changed an ent schema, gqlgen.yml or schema.graphql without running
// `go generate ./...`, or edited generated code by hand.
func TestGeneratedCodeIsCurrent(t *testing.T) {
	if testing.Short() {
		t.Skip("regenerating takes a minute; skipped with -short")
	}
	t.Parallel()
	dir := t.TempDir()
	// The originals as they were copied, so that edits made to the working
	// tree while generation runs do not count as differences.
	want, err := copyRepo(".", dir)
	if err != nil {
		t.Fatalf("copying the repository: %v", err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "generate", "./...")
	cmd.Dir = dir
	cmd.Env = os.Environ()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go generate ./... failed: %v\n%s", err, out)
	}

	got, err := generatedFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	var problems []string
	for _, name := range sortedKeys(want) {
		if !checked(name) {
			continue
		}
		regenerated, ok := got[name]
		switch {
		case !ok:
			problems = append(problems, name+": disappeared after regeneration")
		case !bytes.Equal(regenerated, want[name]):
			problems = append(problems, name+": differs, "+firstDifference(want[name], regenerated))
		}
	}
	for _, name := range sortedKeys(got) {
		if _, ok := want[name]; !ok {
			problems = append(problems, name+": appeared after regeneration")
		}
	}
	if len(problems) > 0 {
		hint := ""
		if !bytes.Equal(got["go.mod"], want["go.mod"]) || !bytes.Equal(got["go.sum"], want["go.sum"]) {
			hint = "\n(gqlgen generate ends with `go mod tidy`: a go.mod or go.sum difference means they are not tidy)"
		}
		t.Errorf("generated code is not current; run `go generate ./...` and commit the result:\n  %s%s",
			strings.Join(problems, "\n  "), hint)
	}
}

// copyRepo copies the working tree at src (everything but .git and the data
// folder) to dst and returns the copied contents by slash-separated path.
func copyRepo(src, dst string) (map[string][]byte, error) {
	files := map[string][]byte{}
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		if d.IsDir() {
			if rel == ".git" || rel == "data" {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if !d.Type().IsRegular() {
			return nil // sockets, symlinks: nothing generation reads
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files[filepath.ToSlash(rel)] = b
		return os.WriteFile(filepath.Join(dst, rel), b, info.Mode().Perm())
	})
	return files, err
}

// checked reports whether a file (slash-separated, relative to the root) is
// one that generation may write: anything under ent/ and graph/, and the
// root's Go files, GraphQL schemas, gqlgen.yml, go.mod and go.sum.
func checked(name string) bool {
	if strings.HasPrefix(name, "ent/") || strings.HasPrefix(name, "graph/") {
		return true
	}
	if strings.Contains(name, "/") {
		return false
	}
	switch name {
	case "gqlgen.yml", "go.mod", "go.sum":
		return true
	}
	return strings.HasSuffix(name, ".go") || strings.HasSuffix(name, ".graphql")
}

// generatedFiles reads the checked files of the tree at root.
func generatedFiles(root string) (map[string][]byte, error) {
	files := map[string][]byte{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !d.Type().IsRegular() {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		name := filepath.ToSlash(rel)
		if !checked(name) {
			return nil
		}
		files[name], err = os.ReadFile(path)
		return err
	})
	return files, err
}

// firstDifference describes the first line where two versions differ.
func firstDifference(old, new []byte) string {
	a := strings.Split(string(old), "\n")
	b := strings.Split(string(new), "\n")
	for i := 0; i < len(a) || i < len(b); i++ {
		var x, y string
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y || i >= len(a) || i >= len(b) {
			return fmt.Sprintf("first at line %d: checked in %q, regenerated %q", i+1, x, y)
		}
	}
	return "in line endings"
}

// sortedKeys returns a map's keys in order.
func sortedKeys(m map[string][]byte) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// jwtPattern matches a compact JWS.
var jwtPattern = regexp.MustCompile(`eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+`)

// TestDevModeStart starts the real binary the way a new user does (no
// AUTH_JWT_SECRET) and follows what it prints: GraphiQL, the tokens and the
// product page query must all work as printed. On SQLite it uses the
// default database in the data folder, as a new user does; on PostgreSQL
// (TEST_DATABASE_URL) an empty database, which it migrates and seeds.
func TestDevModeStart(t *testing.T) {
	t.Parallel()
	var env []string
	if dbtest.Dialect() == database.Postgres {
		env = append(env, "DATABASE_URL="+dbtest.EmptyURL(t))
	}
	srv := startServer(t, filepath.Join(t.TempDir(), "data"), env...)
	inQuery := false
	banner := srv.readUntil(t, 60*time.Second, "the product page query", func(line string) bool {
		if strings.HasPrefix(line, "query ProductPage") {
			inQuery = true
		}
		return inQuery && line == "}"
	})

	if want := "GraphiQL:  http://" + srv.addr + "/"; !strings.Contains(banner, want) {
		t.Errorf("dev mode output lacks %q:\n%s", want, banner)
	}
	for _, role := range []string{"seller   (demo-seller):", "reviewer:", "admin:"} {
		if !regexp.MustCompile(regexp.QuoteMeta(role) + `\s+` + jwtPattern.String()).MatchString(banner) {
			t.Errorf("dev mode output lacks a %s token:\n%s", strings.TrimSuffix(role, ":"), banner)
		}
	}
	if n := len(jwtPattern.FindAllString(banner, -1)); n != 3 {
		t.Errorf("dev mode printed %d tokens, want 3", n)
	}
	query := productPageQuery(banner)
	if query == "" {
		t.Fatalf("dev mode output lacks the product page query:\n%s", banner)
	}

	// Dev mode prints its banner just before the listener starts: wait
	// until the endpoint accepts connections.
	graphqlURL := srv.url("/graphql")
	srv.waitReady(t, 15*time.Second, func() error {
		resp, err := http.Get(graphqlURL + "?query=%7B__typename%7D")
		if err == nil {
			resp.Body.Close()
		}
		return err
	})

	// The listening line names the collector's target: the server's
	// default, since the test's environment sets neither GC_PERCENT nor
	// (see serverEnv) anything else of the server's.
	if os.Getenv("GOGC") == "" {
		srv.waitReady(t, 5*time.Second, func() error {
			if !strings.Contains(srv.stderr.String(), "msg=listening") {
				return errors.New("no listening line yet")
			}
			return nil
		})
		if line := srv.stderr.String(); !strings.Contains(line, "gc_percent=400") {
			t.Errorf("the listening line lacks gc_percent=400:\n%s", srv.stderr.tail(2000))
		}
	}

	// The printed query, pasted as is, renders the product page.
	var page struct {
		Data struct {
			Product *struct {
				Name         string
				PreSalesInfo *struct{ Phone, Email string }
			}
		}
		Errors []json.RawMessage
	}
	if err := postGraphQL(context.Background(), http.DefaultClient, graphqlURL, "", query, nil, &page); err != nil {
		t.Fatal(err)
	}
	if len(page.Errors) > 0 || page.Data.Product == nil {
		t.Fatalf("product page query: errors %s, product %+v", page.Errors, page.Data.Product)
	}
	if p := page.Data.Product; p.Name != "Demo Compute" || p.PreSalesInfo == nil || p.PreSalesInfo.Phone == "" || p.PreSalesInfo.Email == "" {
		t.Errorf("product page: got name %q, preSalesInfo %+v", p.Name, p.PreSalesInfo)
	}

	// `token` mints with the secret dev mode keeps in the data folder.
	tokenCmd := exec.Command(srv.bin, "token", "--role", "seller", "--account", "demo-seller")
	tokenCmd.Env = srv.env
	out, err := tokenCmd.Output()
	if err != nil {
		t.Fatalf("token: %v", err)
	}
	token := strings.TrimSpace(string(out))
	if !jwtPattern.MatchString(token) {
		t.Fatalf("token printed %q", out)
	}
	var me struct {
		Data struct {
			Viewer struct {
				Role   string
				Seller *struct{ AccountID string }
			}
		}
		Errors []json.RawMessage
	}
	if err := postGraphQL(context.Background(), http.DefaultClient, graphqlURL, token, `{ viewer { role seller { accountID } } }`, nil, &me); err != nil {
		t.Fatal(err)
	}
	if v := me.Data.Viewer; len(me.Errors) > 0 || v.Role != "SELLER" || v.Seller == nil || v.Seller.AccountID != "demo-seller" {
		t.Errorf("viewer with a minted token: errors %s, viewer %+v", me.Errors, v)
	}

	// GraphiQL is served at /.
	resp, err := http.Get(srv.url("/"))
	if err != nil {
		t.Fatal(err)
	}
	html, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
		!strings.Contains(strings.ToLower(string(html)), "graphiql") {
		t.Errorf("GET /: status %d, Content-Type %q, body %.200s", resp.StatusCode, resp.Header.Get("Content-Type"), html)
	}

	// SIGTERM shuts the server down cleanly.
	srv.signal(t, syscall.SIGTERM)
	if exited, err := srv.wait(10 * time.Second); !exited {
		t.Errorf("the server did not exit within 10s of SIGTERM")
	} else if err != nil {
		t.Errorf("after SIGTERM the server exited with %v", err)
	}
}

// productPageQuery extracts the printed query: from "query ProductPage" to
// the first line that is a lone closing brace.
func productPageQuery(out string) string {
	start := strings.Index(out, "query ProductPage")
	if start < 0 {
		return ""
	}
	end := strings.Index(out[start:], "\n}")
	if end < 0 {
		return ""
	}
	return out[start : start+end+2]
}
