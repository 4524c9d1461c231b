package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"servicesupport/database/dbtest"
)

// Bounds of the crash test's load.
const (
	crashWorkers     = 8
	crashMaxRequests = 2000
	crashMaxLoad     = 3 * time.Second
	// The server is killed after crashKillAfter or crashKillAtRequests
	// requests, whichever comes first, while the workers keep sending.
	crashKillAfter      = 1500 * time.Millisecond
	crashKillAtRequests = 1000
)

// TestNoAcknowledgedWriteLost starts the real server binary, runs
// concurrent createProduct mutations, kills the server with SIGKILL in the
// middle of the load, restarts it on the same data folder and database and
// checks that every mutation that got a successful answer is there, with its
// name. It runs on the database under test: nothing acknowledged is lost on
// SQLite (synchronous=FULL) nor on PostgreSQL (an answer only after commit).
func TestNoAcknowledgedWriteLost(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server binary; skipped with -short")
	}
	dataDir := t.TempDir()
	dbURL := dbtest.URL(t)
	t.Logf("database: %s", dbtest.Dialect())

	first := startAPIServer(t, dataDir, dbURL)
	admin := serverToken(t, "crash-admin", "admin", "")
	var created struct {
		CreateSeller struct {
			Seller     *struct{ ID string }
			UserErrors []struct{ Code, Message string }
		}
	}
	if err := postData(context.Background(), http.DefaultClient, first.url("/graphql"), admin,
		`mutation { createSeller(input: {accountID: "crash-acct", name: "Crash Co"}) { seller { id } userErrors { code message } } }`,
		nil, &created); err != nil {
		t.Fatalf("createSeller: %v", err)
	}
	if created.CreateSeller.Seller == nil {
		t.Fatalf("createSeller: %+v", created.CreateSeller.UserErrors)
	}
	seller := serverToken(t, "crash-seller", "seller", "crash-acct")

	// The load: each worker creates products until the server dies, the
	// request budget is spent or the time is up.
	var (
		mu       sync.Mutex
		acked    = map[string]string{} // product ID → name
		issued   atomic.Int64
		failures atomic.Int64
		killed   atomic.Bool
	)
	ctx, stop := context.WithTimeout(context.Background(), crashMaxLoad)
	defer stop()
	client := &http.Client{Timeout: 5 * time.Second}
	var wg sync.WaitGroup
	for w := range crashWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil && !killed.Load(); i++ {
				if issued.Add(1) > crashMaxRequests {
					return
				}
				name := fmt.Sprintf("crash-%d-%d", w, i)
				var out struct {
					CreateProduct struct {
						Product *struct {
							ID   string
							Name string
						}
						UserErrors []struct{ Code string }
					}
				}
				err := postData(ctx, client, first.url("/graphql"), seller,
					`mutation($in: CreateProductInput!) { createProduct(input: $in) { product { id name } userErrors { code } } }`,
					map[string]any{"in": map[string]any{"name": name}}, &out)
				p := out.CreateProduct.Product
				if err != nil || p == nil || len(out.CreateProduct.UserErrors) > 0 || p.Name != name {
					failures.Add(1)
					continue
				}
				mu.Lock()
				acked[p.ID] = name
				mu.Unlock()
			}
		}()
	}

	// Kill the server mid-load.
	killAt := time.Now().Add(crashKillAfter)
	for time.Now().Before(killAt) && issued.Load() < crashKillAtRequests {
		time.Sleep(5 * time.Millisecond)
	}
	mu.Lock()
	ackedAtKill := len(acked)
	mu.Unlock()
	first.signal(t, syscall.SIGKILL)
	first.wait(0)
	killed.Store(true)
	wg.Wait()
	sent := min(issued.Load(), crashMaxRequests)
	if ackedAtKill == 0 || len(acked) == 0 {
		t.Fatalf("no mutation was acknowledged before the kill (%d sent, %d failed)", sent, failures.Load())
	}
	if failures.Load() == 0 {
		t.Logf("warning: no request failed: the kill may not have hit the load mid-flight")
	}

	// Restart on the same data and read every product of the seller.
	second := startAPIServer(t, dataDir, dbURL)
	found := crashListProducts(t, second.url("/graphql"), seller)
	var lost, renamed []string
	for id, name := range acked {
		got, ok := found[id]
		switch {
		case !ok:
			lost = append(lost, id+" ("+name+")")
		case got != name:
			renamed = append(renamed, fmt.Sprintf("%s: %q, acknowledged as %q", id, got, name))
		}
	}
	t.Logf("requests sent %d, acknowledged %d (%d by the kill), failed %d; after the restart %d acknowledged products found of %d, %d products in all",
		sent, len(acked), ackedAtKill, failures.Load(), len(acked)-len(lost), len(acked), len(found))
	if len(lost) > 0 {
		t.Errorf("%d acknowledged products are lost: %s", len(lost), crashFirst(lost, 20))
	}
	if len(renamed) > 0 {
		t.Errorf("%d products changed: %s", len(renamed), crashFirst(renamed, 20))
	}
	// Unacknowledged writes may or may not have landed, but nothing beyond
	// what was sent can exist.
	if int64(len(found)) > sent {
		t.Errorf("%d products exist but only %d were sent", len(found), sent)
	}
	for id, name := range found {
		if _, ok := acked[id]; !ok && !strings.HasPrefix(name, "crash-") {
			t.Errorf("unexpected product %s %q", id, name)
		}
	}
}

// crashListProducts reads every product of the token's seller, 100 at a
// time, as ID → name.
func crashListProducts(t *testing.T, url, token string) map[string]string {
	t.Helper()
	found := map[string]string{}
	var after any
	for page := 0; ; page++ {
		if page > crashMaxRequests/100+10 {
			t.Fatalf("paging does not end after %d pages", page)
		}
		var out struct {
			Viewer struct {
				Seller struct {
					Products struct {
						TotalCount int
						PageInfo   struct {
							HasNextPage bool
							EndCursor   *string
						}
						Edges []struct {
							Node struct{ ID, Name string }
						}
					}
				}
			}
		}
		err := postData(context.Background(), http.DefaultClient, url, token,
			`query($after: Cursor) { viewer { seller { products(first: 100, after: $after) {
				totalCount pageInfo { hasNextPage endCursor } edges { node { id name } } } } } }`,
			map[string]any{"after": after}, &out)
		if err != nil {
			t.Fatalf("listing products: %v", err)
		}
		ps := out.Viewer.Seller.Products
		for _, e := range ps.Edges {
			if _, dup := found[e.Node.ID]; dup {
				t.Errorf("product %s listed twice", e.Node.ID)
			}
			found[e.Node.ID] = e.Node.Name
		}
		if !ps.PageInfo.HasNextPage {
			if len(found) != ps.TotalCount {
				t.Errorf("paged through %d products, totalCount says %d", len(found), ps.TotalCount)
			}
			return found
		}
		if ps.PageInfo.EndCursor == nil {
			t.Fatal("hasNextPage without an endCursor")
		}
		after = *ps.PageInfo.EndCursor
	}
}

// crashFirst joins the first n items of list.
func crashFirst(list []string, n int) string {
	if len(list) > n {
		return strings.Join(list[:n], ", ") + fmt.Sprintf(" … (%d more)", len(list)-n)
	}
	return strings.Join(list, ", ")
}
