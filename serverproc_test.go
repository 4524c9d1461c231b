package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"servicesupport/auth"
)

// The harness that runs the real server binary, shared by every test that
// starts one (the crash, shutdown, dev-mode, migration and instance tests).
// Servers run on the database under test (see dbtest): a SQLite file by
// default, a PostgreSQL database when TEST_DATABASE_URL is set.

// TestMain removes the server binary, once every test is done with it.
func TestMain(m *testing.M) {
	code := m.Run()
	if serverBin.dir != "" {
		os.RemoveAll(serverBin.dir)
	}
	os.Exit(code)
}

// serverBin is the server binary, built at most once per test process.
var serverBin struct {
	once sync.Once
	dir  string // the temporary folder that holds it
	path string
	err  error
	out  []byte // go build's output, when it failed
}

// buildServer returns the path of the server binary, building it on the
// first call.
func buildServer(t *testing.T) string {
	t.Helper()
	serverBin.once.Do(func() {
		dir, err := os.MkdirTemp("", "servicesupport-test-")
		if err != nil {
			serverBin.err = err
			return
		}
		serverBin.dir = dir
		bin := filepath.Join(dir, "servicesupport")
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "go", "build", "-buildvcs=false", "-o", bin, ".")
		if serverBin.out, serverBin.err = cmd.CombinedOutput(); serverBin.err == nil {
			serverBin.path = bin
		}
	})
	if serverBin.err != nil {
		t.Fatalf("go build: %v\n%s", serverBin.err, serverBin.out)
	}
	return serverBin.path
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

// serverSettings are the environment variables the server reads: a
// server under test gets only those the test gives it.
var serverSettings = []string{
	"ADDR", "DATA_DIR", "DATABASE_URL", "AUTH_JWT_SECRET", "CORS_ALLOWED_ORIGINS",
	"GRAPHQL_INTROSPECTION", "GRAPHIQL", "ALLOWED_OPERATIONS", "REQUEST_TIMEOUT",
	"LOG_FORMAT", "DB_MAX_OPEN_CONNS", "DB_MAX_IDLE_CONNS", "DB_CONN_MAX_LIFETIME",
	"MIGRATE_ON_START", "WEBHOOK_ALLOW_INSECURE", "WEBHOOK_RETRY_BASE",
	"RATE_LIMIT_POINTS", "RATE_LIMIT_RESTORE", "TRUSTED_PROXIES", "PAGE_CACHE", "GC_PERCENT",
}

// serverEnv is the environment of a server: this one without the server's
// own settings, plus a data folder, an address, a large cost bucket and
// extra ("NAME=value").
// Without AUTH_JWT_SECRET among extra, the server starts in dev mode;
// without DATABASE_URL, it uses the SQLite file in its data folder.
func serverEnv(dataDir, addr string, extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); slices.Contains(serverSettings, name) {
			continue
		}
		env = append(env, kv)
	}
	// A bucket as large as the cost limit allows, refilled within a second:
	// tests poll the server far faster than a client would (extra may set
	// other limits).
	env = append(env, "DATA_DIR="+dataDir, "ADDR="+addr, "RATE_LIMIT_POINTS=5000", "RATE_LIMIT_RESTORE=5000")
	return append(env, extra...)
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

// tail is the last n bytes of the buffer.
func (b *syncBuffer) tail(n int) string {
	s := b.String()
	if len(s) > n {
		s = "…" + s[len(s)-n:]
	}
	return s
}

// serverOutputShown is how much of each of a server's stdout and stderr a
// failed test shows (the end): a loaded server logs a line a request.
const serverOutputShown = 8000

// server is a running server binary.
type server struct {
	bin    string   // the binary, for its other commands
	env    []string // its environment
	addr   string   // where it listens
	cmd    *exec.Cmd
	lines  chan string // stdout, line by line
	stdout *syncBuffer
	stderr *syncBuffer
	exited chan struct{} // closed when the process has exited
	err    error         // Wait's result, once exited is closed
}

// startServer builds the binary if need be and runs it on dataDir at a free
// loopback address, with serverEnv's extra settings. The test's cleanup
// kills it if it is still running and, if the test failed, shows its
// output.
func startServer(t *testing.T, dataDir string, extraEnv ...string) *server {
	t.Helper()
	bin := buildServer(t)
	addr := freeAddr(t)
	s := &server{
		bin:    bin,
		env:    serverEnv(dataDir, addr, extraEnv...),
		addr:   addr,
		cmd:    exec.Command(bin),
		lines:  make(chan string, 1024),
		stdout: &syncBuffer{},
		stderr: &syncBuffer{},
		exited: make(chan struct{}),
	}
	s.cmd.Env = s.env
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
			t.Logf("server at %s, stdout (end):\n%s\nstderr (end):\n%s",
				s.addr, s.stdout.tail(serverOutputShown), s.stderr.tail(serverOutputShown))
		}
	})
	return s
}

// url is the server's URL for path.
func (s *server) url(path string) string {
	return "http://" + s.addr + path
}

// readUntil returns the server's stdout up to and including the line for
// which done is true; it fails the test if the server stops or timeout
// passes first. what names the awaited output in the failure.
func (s *server) readUntil(t *testing.T, timeout time.Duration, what string, done func(line string) bool) string {
	t.Helper()
	deadline := time.After(timeout)
	var out strings.Builder
	for {
		select {
		case line, ok := <-s.lines:
			if !ok {
				t.Fatalf("the server stopped before printing %s; stdout:\n%s", what, out.String())
			}
			out.WriteString(line + "\n")
			if done(line) {
				return out.String()
			}
		case <-deadline:
			t.Fatalf("no %s within %s; stdout:\n%s", what, timeout, out.String())
		}
	}
}

// waitReady calls probe every 50ms until it succeeds; it fails the test if
// the server exits or timeout passes first.
func (s *server) waitReady(t *testing.T, timeout time.Duration, probe func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := probe()
		if err == nil {
			return
		}
		select {
		case <-s.exited:
			t.Fatalf("the server exited before it was ready (%v): %v", err, s.err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server was not ready within %s: %v", timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// signal sends sig to the server.
func (s *server) signal(t *testing.T, sig os.Signal) {
	t.Helper()
	if err := s.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("sending %v: %v", sig, err)
	}
}

// wait waits up to timeout (without limit if it is 0) for the server to
// exit, and reports whether it did and with what result.
func (s *server) wait(timeout time.Duration) (exited bool, err error) {
	var limit <-chan time.Time // nil: never
	if timeout > 0 {
		limit = time.After(timeout)
	}
	select {
	case <-s.exited:
		return true, s.err
	case <-limit:
		return false, nil
	}
}

// postGraphQL posts one GraphQL operation as JSON, with a bearer token
// unless it is empty and with variables unless they are nil, and decodes the
// whole JSON answer (data and errors) into out. An HTTP error, a status
// other than 200 or an answer that does not decode is an error.
func postGraphQL(ctx context.Context, client *http.Client, url, token, query string, vars map[string]any, out any) error {
	payload := map[string]any{"query": query}
	if vars != nil {
		payload["variables"] = vars
	}
	body, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("POST %s: status %d: %.1000s", url, resp.StatusCode, raw)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("decoding %.1000s: %w", raw, err)
	}
	return nil
}

// serverSecret signs the tokens of servers started outside dev mode.
const serverSecret = "server-test-secret-of-at-least-32-bytes!"

// serverToken mints a token that servers started by startAPIServer accept.
func serverToken(t *testing.T, sub, role, account string) string {
	t.Helper()
	tok, err := auth.Mint([]byte(serverSecret), sub, role, account, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// startAPIServer starts the binary outside dev mode (AUTH_JWT_SECRET is
// serverSecret) on the database at dbURL, a dbtest URL, with extraEnv, and
// waits until it answers GraphQL.
func startAPIServer(t *testing.T, dataDir, dbURL string, extraEnv ...string) *server {
	t.Helper()
	s := startServer(t, dataDir, apiServerEnv(dbURL, extraEnv...)...)
	s.waitAPI(t, 60*time.Second)
	return s
}

// apiServerEnv is the extra environment of a server outside dev mode on
// dbURL.
func apiServerEnv(dbURL string, extraEnv ...string) []string {
	return append([]string{"AUTH_JWT_SECRET=" + serverSecret, "DATABASE_URL=" + dbURL}, extraEnv...)
}

// waitAPI waits until the server answers an anonymous GraphQL query.
func (s *server) waitAPI(t *testing.T, timeout time.Duration) {
	t.Helper()
	s.waitReady(t, timeout, func() error {
		var out struct {
			Viewer struct{ Role string }
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := postData(ctx, http.DefaultClient, s.url("/graphql"), "", `{ viewer { role } }`, nil, &out); err != nil {
			return err
		}
		if out.Viewer.Role != "ANONYMOUS" {
			return fmt.Errorf("viewer role %q, want ANONYMOUS", out.Viewer.Role)
		}
		return nil
	})
}

// postData posts one GraphQL operation and decodes its data into out; an
// HTTP error, a non-200 status or any GraphQL error is an error.
func postData(ctx context.Context, client *http.Client, url, token, query string, vars map[string]any, out any) error {
	var r struct {
		Data   json.RawMessage
		Errors []struct {
			Message    string
			Extensions struct{ Code string }
		}
	}
	if err := postGraphQL(ctx, client, url, token, query, vars, &r); err != nil {
		return err
	}
	if len(r.Errors) > 0 {
		return fmt.Errorf("%s (%s)", r.Errors[0].Message, r.Errors[0].Extensions.Code)
	}
	if len(r.Data) == 0 {
		return errors.New("no data")
	}
	return json.Unmarshal(r.Data, out)
}
