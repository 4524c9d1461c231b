package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"servicesupport/database/dbtest"
)

// TestGracefulShutdownFinishesInFlight sends SIGTERM while a request is
// still arriving, and checks that the server answers it in full before it
// exits, and refuses new connections meanwhile.
func TestGracefulShutdownFinishesInFlight(t *testing.T) {
	t.Parallel()
	s := startAPIServer(t, t.TempDir(), dbtest.URL(t))

	conn, err := net.Dial("tcp", s.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"query":"{ viewer { role } }"}`
	head := "POST /graphql HTTP/1.1\r\nHost: " + s.addr + "\r\nContent-Type: application/json\r\nContent-Length: " +
		strconv.Itoa(len(body)) + "\r\n\r\n"
	half := len(body) / 2
	if _, err := io.WriteString(conn, head+body[:half]); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // the server is now reading this request

	s.signal(t, syscall.SIGTERM)
	time.Sleep(300 * time.Millisecond)
	if exited, _ := s.wait(time.Millisecond); exited {
		t.Fatal("the server exited with a request in flight")
	}
	if _, err := io.WriteString(conn, body[half:]); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("reading the in-flight answer: %v", err)
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(answer), `"role":"ANONYMOUS"`) {
		t.Fatalf("in-flight request answered %d %s", resp.StatusCode, answer)
	}
	exited, err := s.wait(10 * time.Second)
	if !exited || err != nil {
		t.Fatalf("after the last request: exited %v, err %v", exited, err)
	}
}
