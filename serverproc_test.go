package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The harness that runs the real server binary: TestNoAcknowledgedWriteLost
// and TestDevModeStart share it.

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

// serverEnv is the environment of a server: this one without the server's
// own settings, plus a data folder, an address and extra ("NAME=value").
// Without AUTH_JWT_SECRET among extra, the server starts in dev mode.
func serverEnv(dataDir, addr string, extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		switch name, _, _ := strings.Cut(kv, "="); name {
		case "AUTH_JWT_SECRET", "DATABASE_URL", "DATA_DIR", "ADDR", "GRAPHQL_INTROSPECTION", "CORS_ALLOWED_ORIGINS":
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "DATA_DIR="+dataDir, "ADDR="+addr)
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
