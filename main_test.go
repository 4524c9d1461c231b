package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
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
// product page query must all work as printed.
func TestDevModeStart(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "servicesupport")
	if out, err := exec.Command("go", "build", "-buildvcs=false", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	addr := freeAddr(t)
	env := devEnv(filepath.Join(tmp, "data"), addr)

	srv := startServer(t, bin, env)
	banner := srv.readUntilQuery(t, 60*time.Second)

	if want := "GraphiQL:  http://" + addr + "/"; !strings.Contains(banner, want) {
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

	base := "http://" + addr
	waitUntilServing(t, base+"/graphql")

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
	postGraphQL(t, base+"/graphql", "", query, &page)
	if len(page.Errors) > 0 || page.Data.Product == nil {
		t.Fatalf("product page query: errors %s, product %+v", page.Errors, page.Data.Product)
	}
	if p := page.Data.Product; p.Name != "Demo Compute" || p.PreSalesInfo == nil || p.PreSalesInfo.Phone == "" || p.PreSalesInfo.Email == "" {
		t.Errorf("product page: got name %q, preSalesInfo %+v", p.Name, p.PreSalesInfo)
	}

	// `token` mints with the secret dev mode keeps in the data folder.
	tokenCmd := exec.Command(bin, "token", "--role", "seller", "--account", "demo-seller")
	tokenCmd.Env = env
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
	postGraphQL(t, base+"/graphql", token, `{ viewer { role seller { accountID } } }`, &me)
	if v := me.Data.Viewer; len(me.Errors) > 0 || v.Role != "SELLER" || v.Seller == nil || v.Seller.AccountID != "demo-seller" {
		t.Errorf("viewer with a minted token: errors %s, viewer %+v", me.Errors, v)
	}

	// GraphiQL is served at /.
	resp, err := http.Get(base + "/")
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
	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-srv.exited:
		if srv.err != nil {
			t.Errorf("after SIGTERM the server exited with %v", srv.err)
		}
	case <-time.After(10 * time.Second):
		t.Errorf("the server did not exit within 10s of SIGTERM")
	}
}

// freeAddr returns a loopback address with a port that was free just now.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// devEnv is the environment of a dev-mode server: this one without the
// server's own settings, plus a data folder and an address.
func devEnv(dataDir, addr string) []string {
	var env []string
	for _, kv := range os.Environ() {
		switch name, _, _ := strings.Cut(kv, "="); name {
		case "AUTH_JWT_SECRET", "DATABASE_URL", "DATA_DIR", "ADDR", "GRAPHQL_INTROSPECTION", "CORS_ALLOWED_ORIGINS":
			continue
		}
		env = append(env, kv)
	}
	return append(env, "DATA_DIR="+dataDir, "ADDR="+addr)
}

// server is a running server binary.
type server struct {
	cmd    *exec.Cmd
	lines  chan string // stdout, line by line
	stdout *syncBuffer
	stderr *syncBuffer
	exited chan struct{} // closed when the process has exited
	err    error         // Wait's result, once exited is closed
}

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// startServer runs bin with env; the test's cleanup kills it if it is still
// running.
func startServer(t *testing.T, bin string, env []string) *server {
	t.Helper()
	s := &server{
		cmd:    exec.Command(bin),
		lines:  make(chan string, 1024),
		stdout: &syncBuffer{},
		stderr: &syncBuffer{},
		exited: make(chan struct{}),
	}
	s.cmd.Env = env
	s.cmd.Stderr = s.stderr
	pipe, err := s.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	read := make(chan struct{})
	go func() {
		defer close(read)
		defer close(s.lines)
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			s.stdout.Write(append(sc.Bytes(), '\n'))
			select {
			case s.lines <- sc.Text():
			default: // nobody listens any more; the copy in stdout is kept
			}
		}
	}()
	go func() {
		<-read // Wait closes the pipe: read it to the end first
		s.err = s.cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-s.exited:
		default:
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
		if t.Failed() {
			t.Logf("server stdout:\n%s\nserver stderr:\n%s", s.stdout.String(), s.stderr.String())
		}
	})
	return s
}

// readUntilQuery returns the server's stdout up to the end of the printed
// product page query.
func (s *server) readUntilQuery(t *testing.T, timeout time.Duration) string {
	t.Helper()
	deadline := time.After(timeout)
	var out strings.Builder
	inQuery := false
	for {
		select {
		case line, ok := <-s.lines:
			if !ok {
				t.Fatalf("the server stopped before printing the product page query; stdout:\n%s\nstderr:\n%s", out.String(), s.stderr.String())
			}
			out.WriteString(line + "\n")
			if strings.HasPrefix(line, "query ProductPage") {
				inQuery = true
			}
			if inQuery && line == "}" {
				return out.String()
			}
		case <-deadline:
			t.Fatalf("no product page query within %s; stdout:\n%s\nstderr:\n%s", timeout, out.String(), s.stderr.String())
		}
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

// waitUntilServing waits until url accepts connections; dev mode prints its
// banner just before the listener starts.
func waitUntilServing(t *testing.T, url string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get(url + "?query=%7B__typename%7D")
		if err == nil {
			resp.Body.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not serving after 15s: %v", url, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// postGraphQL posts a query (with a bearer token unless it is empty) and
// decodes the JSON answer into out.
func postGraphQL(t *testing.T, url, token, query string, out any) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"query": query})
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: status %d: %s", url, resp.StatusCode, raw)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		t.Fatalf("decoding %s: %v", raw, err)
	}
}
