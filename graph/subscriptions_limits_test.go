package graph_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"servicesupport/feed"
	"servicesupport/graph"
)

// A subscription sent over HTTP would hold the request open until its
// deadline: it is refused at once with BAD_REQUEST, by POST and GET.
func TestSubscriptionOverHTTPRefused(t *testing.T) {
	env := NewEnv(t, WithFeed())
	for _, method := range []string{http.MethodPost, http.MethodGet} {
		t.Run(method, func(t *testing.T) {
			started := time.Now()
			var a Answer
			if method == http.MethodPost {
				a = env.Post(Admin, EventsS, nil)
			} else {
				a = env.Send(Request{Method: http.MethodGet, Target: GetURL(map[string]string{"query": EventsS}), As: Admin})
			}
			if took := time.Since(started); took > 5*time.Second {
				t.Errorf("the refusal took %v", took)
			}
			// GET runs queries only (405); POST names the way that works.
			if !strings.Contains(string(a.Body), `"BAD_REQUEST"`) || (method == http.MethodPost && !strings.Contains(string(a.Body), "WebSocket")) {
				t.Errorf("a subscription over %s: %s", method, a.show())
			}
		})
	}
}

// One connection runs at most 20 subscriptions: the 21st is refused with
// BAD_REQUEST while the others keep running, and a freed place can be
// taken again.
func TestSubscriptionsPerConnectionBounded(t *testing.T) {
	env := NewEnv(t, WithFeed())
	srv := serveTCP(t, env.Handler)
	w := connect(t, wsURL(srv), bearer(Token(t, Admin)))
	for i := 1; i <= 20; i++ {
		w.subscribe(fmt.Sprint(i))
	}
	waitSubscribers(t, env.Handler, 20, 5*time.Second)
	w.subscribe("21")
	m, err := w.next(5 * time.Second)
	// An event committed while the others subscribed (the harness's own
	// seeding) may reach them first: the feed dispatches what it reads
	// after a subscription starts, not from the instant it started.
	for err == nil && m.Type == "next" && m.ID != "21" {
		m, err = w.next(5 * time.Second)
	}
	if err != nil {
		t.Fatalf("the 21st subscription: %v", err)
	}
	if code, ok := m.errorCode("21"); !ok || code != "BAD_REQUEST" {
		t.Fatalf("the 21st subscription answered %s (id %q) %s, want an error with code BAD_REQUEST", m.Type, m.ID, m.Payload)
	}
	w.send("complete", "1", nil)
	waitSubscribers(t, env.Handler, 19, 5*time.Second)
	w.subscribe("22")
	waitSubscribers(t, env.Handler, 20, 5*time.Second)
	env.CreateGroup(Owner, GroupInput("Bounded"))
	got := map[string]bool{}
	for len(got) < 20 {
		m, err := w.next(5 * time.Second)
		if err != nil {
			t.Fatalf("after %d of 20 subscriptions got the event: %v", len(got), err)
		}
		if m.Type == "next" {
			got[m.ID] = true
		}
	}
	if got["1"] || !got["22"] {
		t.Errorf("the event reached %v: want every live subscription, not the completed one (1), and the new one (22)", got)
	}
}

// A subscription whose feed fails (here: stops) ends with UNAVAILABLE, so
// that its client subscribes again, not SLOW_SUBSCRIBER, which would blame
// the client.
func TestSubscriptionEndsUnavailableWhenTheFeedStops(t *testing.T) {
	env := NewEnv(t)
	f := feed.New(env.URL, env.DB.SQL, nil)
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = f.Run(ctx)
	}()
	t.Cleanup(func() { stop(); <-done })
	<-f.Ready()
	inst := env.Reconfigure(t, func(c *graph.HandlerConfig) { c.Feed = f })
	srv := serveTCP(t, inst.Handler)
	w := connect(t, wsURL(srv), bearer(Token(t, Admin)))
	w.subscribe("1")
	waitSubscribers(t, inst.Handler, 1, 5*time.Second)
	stop()
	m, err := w.next(5 * time.Second)
	if err != nil {
		t.Fatalf("after the feed stopped: %v", err)
	}
	if code, ok := m.errorCode("1"); !ok || code != "UNAVAILABLE" {
		t.Fatalf("after the feed stopped: %s (id %q) %s, want an error with code UNAVAILABLE", m.Type, m.ID, m.Payload)
	}
}
