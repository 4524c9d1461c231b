package webhook_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"servicesupport/webhook"
)

// A receiver checks each delivery against its endpoint's secret before
// trusting it, reading the raw body (not a re-encoded one: the signature
// covers the exact bytes), and uses webhook-id to ignore a retry of a
// delivery it has already processed.
func ExampleVerify() {
	secret := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" // returned once by createWebhookEndpoint

	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, "unreadable", http.StatusBadRequest)
			return
		}
		if err := webhook.Verify(secret, r.Header, body, time.Now(), 5*time.Minute); err != nil {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		fmt.Println("verified delivery", r.Header.Get("webhook-id"))
		w.WriteHeader(http.StatusNoContent) // answer fast; do slow work afterwards
	})

	// What the server sends:
	body := `{"type":"SELLER_CREATED","timestamp":"2025-01-02T03:04:05Z","data":{}}`
	now := time.Now()
	sig, _ := webhook.Sign(secret, "4294967297", now, []byte(body))
	req := httptest.NewRequest(http.MethodPost, "/hooks", strings.NewReader(body))
	req.Header.Set("webhook-id", "4294967297")
	req.Header.Set("webhook-timestamp", fmt.Sprint(now.Unix()))
	req.Header.Set("webhook-signature", sig)
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, req)
	fmt.Println(rec.Code)
	// Output:
	// verified delivery 4294967297
	// 204
}
