package graph_test

import (
	"net/http"
	"strings"
	"testing"

	"servicesupport/graph"
)

// TestPanicAnswersInternal proves a panicking resolver answers INTERNAL with
// no stack trace, and that the server goes on serving.
func TestPanicAnswersInternal(t *testing.T) {
	// No service: every mutation dereferences a nil *service.Service (so
	// the harness cannot register its sellers either).
	env := NewEnv(t, WithoutSellers(), WithLogs(), WithHandler(graph.NewHandlerWithoutService))
	a := env.Send(Request{As: Admin, AllowInternal: true,
		Body: GQL(`mutation { createSeller(input: {accountID: "x", name: "X"}) { seller { id } } }`, nil)})
	if len(a.Errors) != 1 || a.Errors[0].Extensions["code"] != graph.CodeInternal || a.Errors[0].Message != "internal error" {
		t.Fatalf("status %d, body %s: want one INTERNAL error", a.Status, a.Body)
	}
	// Send has checked the answer for stack traces and panic text
	// ("goroutine", ".go:", "nil pointer", "panic" among them).
	if !strings.Contains(env.Logs.String(), "panic") {
		t.Errorf("the panic was not logged: %s", env.Logs.String())
	}
	// The server goes on.
	if a := env.Post(Admin, `{ viewer { role } }`, nil); a.Status != http.StatusOK || !strings.Contains(string(a.Body), `"ADMIN"`) {
		t.Fatalf("after the panic: status %d, body %s", a.Status, a.Body)
	}
}
