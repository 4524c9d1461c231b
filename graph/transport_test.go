package graph_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"servicesupport/graph"
)

// TestEdgeRefusalsRunNoSQL sends, as a seller (whose token costs a lookup
// of its seller), every request the transport refuses before execution:
// none may run a statement, and each gets its status and code. A control
// request that runs shows that the count sees the lookup.
func TestEdgeRefusalsRunNoSQL(t *testing.T) {
	env := NewEnv(t)
	viewer := GQL(`{ viewer { role } }`, nil)
	for _, c := range []struct {
		name   string
		req    Request
		status int
		code   string
	}{
		{"PUT", Request{Method: http.MethodPut, Body: viewer}, http.StatusMethodNotAllowed, graph.CodeBadRequest},
		{"Accept text/html only", Request{Accept: "text/html", Body: viewer}, http.StatusNotAcceptable, graph.CodeBadRequest},
		{"text/plain body", Request{ContentType: "text/plain", Body: viewer}, http.StatusUnsupportedMediaType, graph.CodeBadRequest},
		{"latin-1 body", Request{ContentType: "application/json; charset=iso-8859-1", Body: viewer}, http.StatusUnsupportedMediaType, graph.CodeBadRequest},
		{"no Content-Type", Request{ContentType: "-", Body: viewer}, http.StatusUnsupportedMediaType, graph.CodeBadRequest},
		{"body over the cap", Request{Body: GQL(`{ viewer { role } }`+strings.Repeat(" ", graph.MaxBodyBytes), nil)}, http.StatusRequestEntityTooLarge, graph.CodeBadRequest},
		{"not JSON", Request{Body: []byte(`{"query":`)}, http.StatusBadRequest, graph.CodeBadRequest},
		{"two JSON values", Request{Body: []byte(`{"query":"{ viewer { role } }"} {}`)}, http.StatusBadRequest, graph.CodeBadRequest},
		{"a batch", Request{Body: []byte(`[{"query":"{ viewer { role } }"}]`)}, http.StatusBadRequest, graph.CodeBadRequest},
		{"no query", Request{Body: []byte(`{"variables":{}}`)}, http.StatusBadRequest, graph.CodeBadRequest},
		{"query not a string", Request{Body: []byte(`{"query":1}`)}, http.StatusBadRequest, graph.CodeBadRequest},
		{"variables not an object", Request{Body: []byte(`{"query":"{ viewer { role } }","variables":[1]}`)}, http.StatusBadRequest, graph.CodeBadRequest},
		{"invalid UTF-8", Request{Body: []byte("{\"query\":\"{ viewer { role } }\xff\"}")}, http.StatusBadRequest, graph.CodeBadRequest},
		{"parse error, graphql-response+json", Request{Accept: "application/graphql-response+json", Body: GQL(`{ viewer {`, nil)}, http.StatusBadRequest, "GRAPHQL_PARSE_FAILED"},
		{"parse error, application/json", Request{Accept: "application/json", Body: GQL(`{ viewer {`, nil)}, http.StatusOK, "GRAPHQL_PARSE_FAILED"},
		{"validation error, graphql-response+json", Request{Accept: "application/graphql-response+json", Body: GQL(`{ nope }`, nil)}, http.StatusBadRequest, "GRAPHQL_VALIDATION_FAILED"},
		{"validation error, application/json", Request{Accept: "application/json", Body: GQL(`{ nope }`, nil)}, http.StatusOK, "GRAPHQL_VALIDATION_FAILED"},
		{"variable coercion, graphql-response+json", Request{Accept: "application/graphql-response+json", Body: GQL(`query($n: Int!) { products(first: $n) { totalCount } }`, map[string]any{"n": "x"})}, http.StatusBadRequest, "GRAPHQL_VALIDATION_FAILED"},
		{"variable coercion, application/json", Request{Body: GQL(`query($n: Int!) { products(first: $n) { totalCount } }`, map[string]any{"n": "x"})}, http.StatusOK, "GRAPHQL_VALIDATION_FAILED"},
		{"mutation over GET", Request{Method: http.MethodGet, Target: GetURL(map[string]string{"query": `mutation { hideProduct(id: "1") { product { id } } }`})}, http.StatusMethodNotAllowed, graph.CodeBadRequest},
		{"GET without a query", Request{Method: http.MethodGet, Target: "/graphql"}, http.StatusBadRequest, graph.CodeBadRequest},
		{"an empty filter inside or", Request{Accept: "application/graphql-response+json", Body: GQL(`{ products(where: {or: [{name: "x"}, {}]}) { totalCount } }`, nil)}, http.StatusBadRequest, graph.CodeBadUserInput},
		{"an empty filter inside not", Request{Body: GQL(`query($w: ProductWhereInput) { products(where: $w) { totalCount } }`, map[string]any{"w": map[string]any{"not": map[string]any{"name": nil}}})}, http.StatusOK, graph.CodeBadUserInput},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.req.As = Owner
			var a Answer
			if n := env.StatementsOf(func() { a = env.Send(c.req) }); n != 0 {
				t.Errorf("ran %d SQL statements; a refused request runs none", n)
			}
			if a.Status != c.status {
				t.Errorf("status = %d, want %d (%s)", a.Status, c.status, a.Body)
			}
			if len(a.Errors) == 0 || a.Errors[0].Extensions["code"] != c.code {
				t.Errorf("errors = %s, want code %s", a.Raw["errors"], c.code)
			}
			if _, ok := a.Raw["data"]; ok {
				t.Errorf("a refused request has data: %s", a.Body)
			}
		})
	}
	t.Run("a bad token", func(t *testing.T) {
		var a Answer
		n := env.StatementsOf(func() {
			a = env.Send(Request{Authorization: []string{"Bearer nope"}, Body: viewer})
		})
		if n != 0 || a.Status != http.StatusUnauthorized || a.Header.Get("WWW-Authenticate") != "Bearer" {
			t.Errorf("statements %d, status %d, WWW-Authenticate %q: want 0, 401, Bearer", n, a.Status, a.Header.Get("WWW-Authenticate"))
		}
	})
	t.Run("control: a query that runs looks its seller up", func(t *testing.T) {
		var a Answer
		if n := env.StatementsOf(func() { a = env.Send(Request{As: Owner, Body: viewer}) }); n == 0 {
			t.Errorf("the control ran no statement: the count sees nothing")
		}
		if a.Status != http.StatusOK {
			t.Errorf("status = %d", a.Status)
		}
	})
}

// TestMediaTypeNegotiation checks the Content-Type chosen for each Accept
// header, and that a request accepting neither JSON type gets 406.
func TestMediaTypeNegotiation(t *testing.T) {
	env := NewEnv(t)
	for _, c := range []struct {
		accept string
		status int
		media  string
	}{
		{"", http.StatusOK, "application/json"},
		{"application/json", http.StatusOK, "application/json"},
		{"application/graphql-response+json", http.StatusOK, "application/graphql-response+json"},
		{"application/json, application/graphql-response+json", http.StatusOK, "application/graphql-response+json"},
		{"application/graphql-response+json;q=0.5, application/json", http.StatusOK, "application/json"},
		{"application/graphql-response+json;q=0, application/json", http.StatusOK, "application/json"},
		{"*/*", http.StatusOK, "application/json"},
		{"application/*", http.StatusOK, "application/json"},
		{"application/json; charset=utf-8", http.StatusOK, "application/json"},
		{"application/json; charset=iso-8859-1", http.StatusNotAcceptable, "application/json"},
		{"text/html", http.StatusNotAcceptable, "application/json"},
		{"application/json;q=0", http.StatusNotAcceptable, "application/json"},
	} {
		t.Run(c.accept, func(t *testing.T) {
			a := env.Send(Request{Accept: c.accept, Body: GQL(`{ viewer { role } }`, nil)})
			if a.Status != c.status {
				t.Errorf("status = %d, want %d", a.Status, c.status)
			}
			if got, want := a.Header.Get("Content-Type"), c.media+"; charset=utf-8"; got != want {
				t.Errorf("Content-Type = %q, want %q", got, want)
			}
		})
	}
}

// TestLargeBodyStreamedGets413 sends bodies over the cap over a real
// connection the way a client that does not wait for 100-continue does:
// it keeps writing while the server answers. The client must read the 413
// rather than a reset connection.
func TestLargeBodyStreamedGets413(t *testing.T) {
	env := NewEnv(t)
	srv := httptest.NewServer(env.Handler)
	t.Cleanup(srv.Close)
	const size = 10 << 20
	for _, c := range []struct {
		name    string
		headers string
	}{
		{"Content-Length", "Content-Length: " + strconv.Itoa(size) + "\r\n"},
		{"chunked", "Transfer-Encoding: chunked\r\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", srv.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
			head := "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + c.headers + "\r\n"
			sent := make(chan error, 1)
			go func() {
				w := bufio.NewWriter(conn)
				_, err := w.WriteString(head)
				chunk := bytes.Repeat([]byte(" "), 64<<10)
				for written := 0; err == nil && written < size; written += len(chunk) {
					if c.name == "chunked" {
						_, err = fmt.Fprintf(w, "%x\r\n%s\r\n", len(chunk), chunk)
					} else {
						_, err = w.Write(chunk)
					}
				}
				if err == nil && c.name == "chunked" {
					_, err = w.WriteString("0\r\n\r\n")
				}
				if err == nil {
					err = w.Flush()
				}
				sent <- err
			}()
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatalf("reading the answer: %v (the connection was reset?)", err)
			}
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatalf("reading the body: %v", err)
			}
			if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), `"BAD_REQUEST"`) {
				t.Errorf("answer %d %s, want 413 BAD_REQUEST", resp.StatusCode, body)
			}
			if err := <-sent; err != nil {
				t.Errorf("sending the body failed: %v (the server closed before draining it)", err)
			}
		})
	}
}
