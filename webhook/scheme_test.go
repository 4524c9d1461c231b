package webhook_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"servicesupport/ent/webhookdelivery"
	"servicesupport/webhook"
)

// An http:// endpoint registered while insecure endpoints were allowed
// gets nothing once they are not: the attempt fails without a request,
// while the same endpoint is delivered to when they are.
func TestWorkerRequiresHTTPS(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	f := newFixture(t)
	ep := f.endpoint(srv.URL + "/hooks")

	refused := f.delivery(ep, f.event(time.Now()), time.Now())
	w := &webhook.Worker{Client: f.db, HTTP: webhook.NewClient(true), RequireHTTPS: true, Log: quiet}
	if n, err := w.RunOnce(context.Background()); n != 1 || err != nil {
		t.Fatalf("RunOnce = %d, %v", n, err)
	}
	if got := f.reload(refused); hits.Load() != 0 || got.Status != webhookdelivery.StatusPending || got.Attempts != 1 || got.LastError == nil {
		t.Fatalf("with https required: %d requests reached the receiver, delivery %+v", hits.Load(), got)
	}

	allowed := f.delivery(ep, f.event(time.Now()), time.Now())
	w.RequireHTTPS = false
	if _, err := w.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := f.reload(allowed); hits.Load() != 1 || got.Status != webhookdelivery.StatusDelivered {
		t.Fatalf("with insecure endpoints allowed: %d requests, delivery %+v", hits.Load(), got)
	}
}
