package webhook_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"servicesupport/webhook"
)

// counter is an httptest server that counts the requests reaching it.
func counter(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func TestClientRefusesLoopback(t *testing.T) {
	srv, hits := counter(t, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	localhost := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)

	for _, u := range []string{srv.URL, localhost} {
		resp, err := webhook.NewClient(false).Post(u, "application/json", strings.NewReader("{}"))
		if err == nil {
			resp.Body.Close()
			t.Fatalf("NewClient(false) reached %s: %s", u, resp.Status)
		}
		if !strings.Contains(err.Error(), "not a public address") {
			t.Errorf("error %v does not say why", err)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("%d requests reached the server", n)
	}

	resp, err := webhook.NewClient(true).Post(srv.URL, "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatalf("NewClient(true): %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent || hits.Load() != 1 {
		t.Fatalf("NewClient(true): %s, %d hits", resp.Status, hits.Load())
	}
}

func TestClientDoesNotFollowRedirects(t *testing.T) {
	var target atomic.Int32
	srv, _ := counter(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/elsewhere" {
			target.Add(1)
			return
		}
		http.Redirect(w, r, "/elsewhere", http.StatusFound)
	})
	resp, err := webhook.NewClient(true).Post(srv.URL+"/hook", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || target.Load() != 0 {
		t.Fatalf("got %s with %d requests to the target, want 302 and none", resp.Status, target.Load())
	}
}

func TestClientSettings(t *testing.T) {
	c := webhook.NewClient(false)
	if c.Timeout != 10*time.Second {
		t.Errorf("Timeout = %s, want 10s", c.Timeout)
	}
	tr, ok := c.Transport.(*http.Transport)
	if !ok {
		t.Fatalf("Transport is %T", c.Transport)
	}
	// A proxy would connect on our behalf, past the address check.
	if tr.Proxy != nil {
		t.Error("the client uses a proxy")
	}
}
