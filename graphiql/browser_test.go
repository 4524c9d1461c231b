package graphiql_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"servicesupport/auth"
	"servicesupport/database/dbtest"
	_ "servicesupport/ent/runtime" // registers the schema's privacy policies and hooks
	"servicesupport/feed"
	"servicesupport/graph"
	"servicesupport/graphiql"
	"servicesupport/policy"
	"servicesupport/seed"
)

// browserSecret signs the token the browser test pastes into the headers
// editor.
var browserSecret = []byte("graphiql-browser-test-secret-32-bytes!")

// productPage is the product details page's query.
const productPage = `query ProductPage($id: ID!) {
  product(id: $id) {
    id name summary releasedAt
    seller { name }
    afterSalesGroup { name phone email serviceDays serviceHours { start end } timeZone openNow meetsServicePolicy }
    preSalesInfo { phone email }
  }
}`

// chromiumInstall is how a machine gets the Chromium the browser test drives.
const chromiumInstall = "apt-get update && apt-get install -y chromium"

// chromiumPath finds Debian's Chromium. In CI (CI=true), which installs it
// (.ci/run), a missing Chromium fails the test: there the browser test is
// the proof that the page works. Elsewhere it skips, saying how to install
// Chromium, because the README promises that `go test ./...` passes on a
// machine with only Go and a C compiler.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("Chromium is not installed in CI: .ci/run must install it (Debian: %s)", chromiumInstall)
	}
	t.Skipf("Chromium is not installed on this machine, so the GraphiQL browser test cannot run here (CI runs it; Debian: %s)", chromiumInstall)
	return ""
}

// apiCall is one request the page made to the GraphQL endpoint.
type apiCall struct {
	Method, ContentType, Authorization string
	Body                               string
	Status                             int
}

// apiLog records the page's requests to the GraphQL endpoint.
type apiLog struct {
	mu    sync.Mutex
	calls []apiCall
}

func (l *apiLog) snapshot() []apiCall {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]apiCall(nil), l.calls...)
}

// record wraps the API, recording each request once it is answered.
func (l *apiLog) record(api http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "" {
			l.mu.Lock()
			l.calls = append(l.calls, apiCall{Method: "WEBSOCKET " + r.Header.Get("Sec-WebSocket-Protocol")})
			l.mu.Unlock()
			api.ServeHTTP(w, r) // the socket is the API's own from here
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, graph.MaxBodyBytes))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		api.ServeHTTP(sw, r)
		l.mu.Lock()
		defer l.mu.Unlock()
		l.calls = append(l.calls, apiCall{
			Method:        r.Method,
			ContentType:   r.Header.Get("Content-Type"),
			Authorization: r.Header.Get("Authorization"),
			Body:          string(body),
			Status:        sw.status,
		})
	})
}

// statusWriter remembers the status of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(status int) {
	w.status = status
	w.ResponseWriter.WriteHeader(status)
}

// browserServer starts the server as dev mode runs it: GraphiQL at "/" and
// the real API at /graphql, over a fresh database with the demo data.
func browserServer(t *testing.T) (srv *httptest.Server, calls *apiLog, demo seed.Result, productName string) {
	t.Helper()
	ctx := context.Background()
	client, db, dbURL := dbtest.OpenDB(t, nil)
	var err error
	demo, err = seed.Demo(ctx, client)
	if err != nil {
		t.Fatal(err)
	}
	if demo.ProductID == 0 || demo.SellerAccountID == "" {
		t.Fatalf("seed.Demo returned no released product or seller: %+v", demo)
	}
	p, err := client.Product.Get(policy.System(ctx), demo.ProductID)
	if err != nil {
		t.Fatal(err)
	}

	// The change feed, as the server runs it: subscriptions read it.
	events := feed.New(dbURL, db.SQL, nil)
	feedCtx, stopFeed := context.WithCancel(ctx)
	t.Cleanup(stopFeed)
	go func() { _ = events.Run(feedCtx) }()
	<-events.Ready()

	calls = &apiLog{}
	ide := graphiql.Handler("servicesupport GraphiQL", "/graphql")
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", ide)
	mux.Handle("GET /graphiql/", ide)
	mux.Handle("/graphql", calls.record(graph.NewHandler(graph.HandlerConfig{Client: client, Secret: browserSecret, DevMode: true, Feed: events})))
	srv = httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, calls, demo, p.Name
}

// browserLog records what the page asked the network for and wrote to its
// console.
type browserLog struct {
	mu       sync.Mutex
	requests []string
	console  []string
}

func (l *browserLog) addRequest(r string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.requests = append(l.requests, r)
}

func (l *browserLog) addConsole(m string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.console = append(l.console, m)
}

func (l *browserLog) snapshot() (requests, console []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.requests...), append([]string(nil), l.console...)
}

// short cuts a long URL (the fonts' data: URLs) for the log.
func short(s string) string {
	if len(s) > 160 {
		return s[:160] + "…"
	}
	return s
}

// createProduct creates a product through the API as the token's seller,
// and returns its ID.
func createProduct(t *testing.T, base, token, name string) string {
	t.Helper()
	body, err := json.Marshal(map[string]any{
		"query":     "mutation($in: CreateProductInput!) { createProduct(input: $in) { product { id } userErrors { message } } }",
		"variables": map[string]any{"in": map[string]any{"name": name}},
	})
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, base+"/graphql", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		Data struct {
			CreateProduct struct {
				Product *struct{ ID string }
			}
		}
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || out.Data.CreateProduct.Product == nil {
		t.Fatalf("createProduct %q: status %d, %v", name, res.StatusCode, err)
	}
	return out.Data.CreateProduct.Product.ID
}

// responseJS reads GraphiQL's response pane, a CodeMirror editor: its whole
// text once it holds a JSON object, and false before.
const responseJS = `(() => {
  const cm = document.querySelector('.graphiql-response .CodeMirror');
  const v = cm && cm.CodeMirror ? cm.CodeMirror.getValue() : '';
  return v.trim().startsWith('{') ? v : false;
})()`

// field digs an object out of decoded JSON; nil when it is not there.
func field(v map[string]any, path ...string) map[string]any {
	for _, p := range path {
		v, _ = v[p].(map[string]any)
	}
	return v
}

// TestBrowserProductPage loads GraphiQL in headless Chromium from a server
// that reaches no other host, runs the product page's query with the run
// button, and finds the product's name in the response pane. Then it pastes a
// bearer token into the headers editor and runs a query as that seller.
func TestBrowserProductPage(t *testing.T) {
	execPath := chromiumPath(t)
	srv, calls, demo, productName := browserServer(t)

	// The browser lives no longer than this, so every wait below ends by then
	// at the latest; each step also has its own, shorter bound.
	deadline, cancelDeadline := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancelDeadline()
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(deadline,
		chromedp.ExecPath(execPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	defer cancelAlloc()
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	defer cancelTab()

	var blog browserLog
	// Listen starts the browser and opens the tab.
	err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			blog.addRequest(e.Request.Method + " " + e.Request.URL)
		}
	})
	if err != nil {
		t.Fatalf("starting Chromium (%s): %v", execPath, err)
	}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			blog.addConsole(m.String())
		}
	}()
	logBrowser := func() {
		requests, console := blog.snapshot()
		for i, r := range requests {
			requests[i] = short(r)
		}
		t.Logf("requests of the page:\n  %s", strings.Join(requests, "\n  "))
		t.Logf("console of the page:\n  %s", strings.Join(console, "\n  "))
		for _, c := range calls.snapshot() {
			t.Logf("API: %s %s → %d: %s", c.Method, c.ContentType, c.Status, short(strings.Join(strings.Fields(c.Body), " ")))
		}
	}
	defer func() {
		if !t.Failed() {
			return
		}
		logBrowser()
		shotCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if png, err := chromedp.Run(shotCtx, chromedp.FullScreenshot(100)); err == nil {
			f := filepath.Join(t.ArtifactDir(), "graphiql.png")
			if err := os.WriteFile(f, png, 0o644); err == nil {
				t.Logf("screenshot: %s (kept with go test -artifacts)", f)
			}
		}
	}()

	// step runs one action with its own bound, naming it in a failure.
	step := func(name string, timeout time.Duration, a chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		if _, err := chromedp.Run(sctx, a); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	// run clears the response pane, clicks the run button and returns the
	// response that GraphiQL then shows, decoded.
	run := func(name string) map[string]any {
		t.Helper()
		step(name+": clicking the run button", 5*time.Second, chromedp.Steps(
			chromedp.Evaluate[chromedp.Void](`document.querySelector('.graphiql-response .CodeMirror').CodeMirror.setValue('')`),
			chromedp.Click(chromedp.CSS(".graphiql-execute-button")),
		))
		sctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		text, err := chromedp.Run(sctx, chromedp.Poll[string](responseJS, chromedp.WithPollingInterval(100*time.Millisecond)))
		if err != nil {
			t.Fatalf("%s: waiting for the response pane: %v", name, err)
		}
		t.Logf("%s: the response pane shows:\n%s", name, text)
		var out map[string]any
		if err := json.Unmarshal([]byte(text), &out); err != nil {
			t.Fatalf("%s: the response pane holds no JSON (%v):\n%s", name, err, text)
		}
		return out
	}

	// Open the IDE on the product page's query, as a shared link would.
	page := srv.URL + "/?" + url.Values{
		"query":     {productPage},
		"variables": {fmt.Sprintf(`{"id": %q}`, strconv.Itoa(demo.ProductID))},
	}.Encode()
	step("loading GraphiQL", 30*time.Second, chromedp.Steps(
		chromedp.Navigate(page),
		chromedp.WaitVisible(chromedp.CSS(".graphiql-execute-button")),
		chromedp.WaitVisible(chromedp.CSS(".graphiql-query-editor .CodeMirror")),
	))
	// GraphiQL asks for the schema as it starts; let that answer land
	// before reading the response pane, where a failure of it would show.
	schemaBy := time.Now().Add(10 * time.Second)
	for len(calls.snapshot()) == 0 {
		if time.Now().After(schemaBy) {
			t.Fatal("GraphiQL did not ask the endpoint for its schema within 10s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if c := calls.snapshot()[0]; !strings.Contains(c.Body, "__schema") {
		t.Errorf("GraphiQL's first request is not its introspection query: %s", short(c.Body))
	} else if c.Status != http.StatusOK {
		// Without its schema GraphiQL has no docs and no completion.
		t.Errorf("the API refused GraphiQL's introspection query with %d", c.Status)
	}

	out := run("product page")
	product := field(out, "data", "product")
	if out["errors"] != nil || product == nil {
		t.Fatalf("product page: want data.product and no errors; got %v", out)
	}
	if product["name"] != productName {
		t.Fatalf("product page: name %v; want %q", product["name"], productName)
	}
	if product["id"] != strconv.Itoa(demo.ProductID) {
		t.Errorf("product page: id %v; want %d", product["id"], demo.ProductID)
	}
	all := calls.snapshot()
	last := all[len(all)-1]
	if last.Method != http.MethodPost || !strings.HasPrefix(last.ContentType, "application/json") || !strings.Contains(last.Body, "ProductPage") {
		t.Errorf("the run button sent %s %q %s; want a JSON POST of the product page's query", last.Method, last.ContentType, short(last.Body))
	}

	// Paste a seller's token into the headers editor, as a user does, and
	// ask who is asking.
	token, err := auth.Mint(browserSecret, "browser-test", "seller", demo.SellerAccountID, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	const viewerQuery = "{ viewer { role subject } }"
	headersEditor := `section.graphiql-editor-tool[aria-label="Headers"] .graphiql-editor:not(.hidden) .CodeMirror`
	step("editing the headers and the query", 10*time.Second, chromedp.Steps(
		chromedp.Click(chromedp.CSS(`.graphiql-editor-tools button[data-name="headers"]`)),
		chromedp.WaitVisible(chromedp.CSS(headersEditor)),
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
  document.querySelector(%q).CodeMirror.setValue(%q);
  document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(%q);
})()`, headersEditor, fmt.Sprintf(`{"Authorization": "Bearer %s"}`, token), viewerQuery)),
	))
	// GraphiQL takes in an edit after a short debounce, and then writes the
	// query into the address (which keeps a link to it shareable): run it
	// once it shows there.
	step("waiting for GraphiQL to take in the edit", 5*time.Second, chromedp.Poll[chromedp.Void](
		fmt.Sprintf(`new URLSearchParams(location.search).get('query') === %q`, viewerQuery),
		chromedp.WithPollingInterval(50*time.Millisecond)))
	out = run("viewer")
	viewer := field(out, "data", "viewer")
	if viewer["role"] != "SELLER" || viewer["subject"] != "browser-test" {
		t.Fatalf("viewer with the pasted token: got %v; want role SELLER, subject browser-test", out)
	}
	all = calls.snapshot()
	if last := all[len(all)-1]; last.Authorization != "Bearer "+token {
		t.Errorf("the request carried Authorization %q; want the pasted token", short(last.Authorization))
	}
	// A subscription runs over WebSocket with the pasted token (GraphiQL
	// sends the headers editor's entries as the connection_init payload):
	// the seller's new products show in the response pane as they commit.
	const subscription = "subscription { events(types: [PRODUCT_CREATED]) { type subjectID actorRole } }"
	step("editing the query to a subscription", 5*time.Second, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(
		`document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(%q)`, subscription)))
	step("waiting for GraphiQL to take in the subscription", 5*time.Second, chromedp.Poll[chromedp.Void](
		fmt.Sprintf(`new URLSearchParams(location.search).get('query') === %q`, subscription),
		chromedp.WithPollingInterval(50*time.Millisecond)))
	step("starting the subscription", 5*time.Second, chromedp.Steps(
		chromedp.Evaluate[chromedp.Void](`document.querySelector('.graphiql-response .CodeMirror').CodeMirror.setValue('')`),
		chromedp.Click(chromedp.CSS(".graphiql-execute-button")),
	))
	// Until the socket is up, a product's event has no subscriber: create
	// products until one shows, at most ten.
	var shown map[string]any
	var created []any
	for i := 0; i < 10 && shown == nil; i++ {
		created = append(created, createProduct(t, srv.URL, token, fmt.Sprintf("Subscribed product %d", i)))
		sctx, cancel := context.WithTimeout(ctx, time.Second)
		text, err := chromedp.Run(sctx, chromedp.Poll[string](responseJS, chromedp.WithPollingInterval(50*time.Millisecond)))
		cancel()
		if err == nil {
			if err := json.Unmarshal([]byte(text), &shown); err != nil {
				t.Fatalf("subscription: the response pane holds no JSON (%v):\n%s", err, text)
			}
			t.Logf("subscription: the response pane shows:\n%s", text)
		}
	}
	ev := field(shown, "data", "events")
	if ev == nil || ev["type"] != "PRODUCT_CREATED" || ev["actorRole"] != "SELLER" {
		t.Fatalf("subscription: want a PRODUCT_CREATED event by the seller in the response pane; got %v", shown)
	}
	if !slices.Contains(created, ev["subjectID"]) {
		t.Errorf("subscription: the event's subjectID %v is none of the products created (%v)", ev["subjectID"], created)
	}
	sockets := 0
	for _, c := range calls.snapshot() {
		if strings.HasPrefix(c.Method, "WEBSOCKET") {
			sockets++
			if !strings.Contains(c.Method, "graphql-transport-ws") {
				t.Errorf("GraphiQL opened a WebSocket without the graphql-transport-ws subprotocol: %q", c.Method)
			}
		}
	}
	if sockets == 0 {
		t.Error("the subscription did not open a WebSocket to the endpoint")
	}

	// The token stays out of the address and of localStorage.
	leaks, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + ' ' + JSON.stringify(Object.assign({}, localStorage))`))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(leaks, token) {
		t.Errorf("the token shows in the address or localStorage: %s", leaks)
	}

	// The page reached nothing but the test server.
	requests, console := blog.snapshot()
	if len(requests) == 0 {
		t.Fatal("no request of the page was recorded")
	}
	for _, r := range requests {
		_, u, _ := strings.Cut(r, " ")
		if !strings.HasPrefix(u, srv.URL+"/") && !strings.HasPrefix(u, "data:") {
			t.Errorf("the page asked another host: %s", short(r))
		}
	}
	for _, m := range console {
		if strings.Contains(m, "Content Security Policy") || strings.HasPrefix(m, string(chromedp.ConsoleException)+":") {
			t.Errorf("console: %s", m)
		}
	}
	if !t.Failed() && testing.Verbose() {
		logBrowser()
	}
}
