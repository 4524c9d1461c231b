package graph

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"servicesupport/auth"
	"servicesupport/database"
	_ "servicesupport/ent/runtime"
)

// TestPanicAnswersInternal proves a panicking resolver answers INTERNAL with
// no stack trace, and that the server goes on serving.
func TestPanicAnswersInternal(t *testing.T) {
	url, err := database.FileURL(t.TempDir() + "/panic.db")
	if err != nil {
		t.Fatal(err)
	}
	client, err := database.Open(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	var logs bytes.Buffer
	secret := []byte("panic-test-secret")
	// No service: every mutation dereferences a nil *service.Service.
	h := newHandler(HandlerConfig{Client: client, Secret: secret, Logger: slog.New(slog.NewTextHandler(&logs, nil))},
		&Resolver{client: client})
	token, err := auth.Mint(secret, "adam@ops", "admin", "", time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	post := func(query string) (int, string) {
		req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":`+jsonString(query)+`}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		body, _ := io.ReadAll(rec.Body)
		return rec.Code, string(body)
	}
	status, body := post(`mutation { createSeller(input: {accountID: "x", name: "X"}) { seller { id } } }`)
	var resp struct {
		Errors []struct {
			Message    string
			Extensions map[string]any
		}
	}
	if err := json.Unmarshal([]byte(body), &resp); err != nil {
		t.Fatalf("status %d, body %s: %v", status, body, err)
	}
	if len(resp.Errors) != 1 || resp.Errors[0].Extensions["code"] != CodeInternal || resp.Errors[0].Message != "internal error" {
		t.Fatalf("status %d, body %s: want one INTERNAL error", status, body)
	}
	for _, leak := range []string{"goroutine", ".go:", "nil pointer", "panic"} {
		if strings.Contains(body, leak) {
			t.Errorf("the answer leaks %q: %s", leak, body)
		}
	}
	if !strings.Contains(logs.String(), "panic") {
		t.Errorf("the panic was not logged: %s", logs.String())
	}
	// The server goes on.
	if status, body := post(`{ viewer { role } }`); status != http.StatusOK || !strings.Contains(body, `"ADMIN"`) {
		t.Fatalf("after the panic: status %d, body %s", status, body)
	}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
