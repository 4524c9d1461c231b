package graphiql_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"servicesupport/graphiql"
)

// get asks the handler for a path.
func get(t *testing.T, h http.Handler, method, path string, header http.Header) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := rec.Result()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(body)
}

// tagURL matches the src and href attributes of the page.
var tagURL = regexp.MustCompile(`(?i)<(script|link)\b[^>]*\b(?:src|href)\s*=\s*"([^"]*)"`)

// pageAssets returns the URLs of the <script src> and <link href> tags of a page.
func pageAssets(t *testing.T, page string) []string {
	t.Helper()
	var urls []string
	for _, m := range tagURL.FindAllStringSubmatch(page, -1) {
		urls = append(urls, m[2])
	}
	return urls
}

// TestPage serves the page: HTML that loads GraphiQL from the handler
// itself, with its title, endpoint and default query.
func TestPage(t *testing.T) {
	const query = "query Product($id: ID!) { product(id: $id) { name } }\n# </script><script>alert(1)</script>"
	h := graphiql.Handler("servicesupport <GraphiQL>", "/graphql", graphiql.DefaultQuery(query), graphiql.DefaultHeaders(`{"Authorization": "Bearer "}`))
	res, page := get(t, h, http.MethodGet, "/?query=%7Bviewer%7Brole%7D%7D", nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /: %s", res.Status)
	}
	if ct := res.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type: %q", ct)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "no-cache" {
		t.Errorf("Cache-Control of the page: %q; want no-cache, since it names the assets' current URLs", cc)
	}
	csp := res.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
		}
	}
	if !strings.Contains(page, "<title>servicesupport &lt;GraphiQL&gt;</title>") {
		t.Errorf("the title is missing or not escaped:\n%s", page)
	}
	if strings.Contains(page, "<script>alert(1)") {
		t.Errorf("the default query breaks out of its script element:\n%s", page)
	}

	// The settings the page's script reads.
	m := regexp.MustCompile(`(?s)<script type="application/json" id="graphiql-config">(.*?)</script>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no #graphiql-config:\n%s", page)
	}
	var cfg struct{ Endpoint, DefaultQuery, DefaultHeaders string }
	if err := json.Unmarshal([]byte(m[1]), &cfg); err != nil {
		t.Fatalf("#graphiql-config %q: %v", m[1], err)
	}
	if cfg.Endpoint != "/graphql" || cfg.DefaultQuery != query || cfg.DefaultHeaders != `{"Authorization": "Bearer "}` {
		t.Errorf("#graphiql-config: got %+v", cfg)
	}

	// React, ReactDOM, GraphiQL, then the script that starts it.
	urls := pageAssets(t, page)
	want := []*regexp.Regexp{
		regexp.MustCompile(`^data:,$`), // no icon, and no request for /favicon.ico
		regexp.MustCompile(`^/graphiql/assets/graphiql-[0-9.]+\.min\.css\?v=[0-9a-f]{12}$`),
		regexp.MustCompile(`^/graphiql/assets/react-[0-9.]+\.production\.min\.js\?v=[0-9a-f]{12}$`),
		regexp.MustCompile(`^/graphiql/assets/react-dom-[0-9.]+\.production\.min\.js\?v=[0-9a-f]{12}$`),
		regexp.MustCompile(`^/graphiql/assets/graphiql-[0-9.]+\.min\.js\?v=[0-9a-f]{12}$`),
		regexp.MustCompile(`^/graphiql/assets/graphiql-init\.js\?v=[0-9a-f]{12}$`),
	}
	if len(urls) != len(want) {
		t.Fatalf("page loads %q; want %d assets", urls, len(want))
	}
	for i, u := range urls {
		if !want[i].MatchString(u) {
			t.Errorf("asset %d: %q does not match %s", i, u, want[i])
		}
	}
}

// TestNoExternalURLs proves the page needs no other host: its tags load only
// the handler's own assets, and neither the page nor the style sheets name
// an http(s) URL, while every asset the page names is served.
func TestNoExternalURLs(t *testing.T) {
	h := graphiql.Handler("GraphiQL", "/graphql")
	_, page := get(t, h, http.MethodGet, "/", nil)
	if strings.Contains(page, "http://") || strings.Contains(page, "https://") {
		t.Errorf("the page names an absolute URL:\n%s", page)
	}
	for _, u := range pageAssets(t, page) {
		if u == "data:," {
			continue // the empty icon
		}
		if !strings.HasPrefix(u, graphiql.AssetsPath) {
			t.Errorf("the page loads %q, not one of its own assets", u)
			continue
		}
		res, body := get(t, h, http.MethodGet, u, nil)
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %s", u, res.Status)
			continue
		}
		switch {
		case strings.HasSuffix(strings.SplitN(u, "?", 2)[0], ".css"):
			// A style sheet loads with @import and url(); fonts and images
			// must be data: URLs.
			if strings.Contains(body, "@import") {
				t.Errorf("%s has an @import", u)
			}
			for _, m := range regexp.MustCompile(`url\(\s*["']?([^"')]*)`).FindAllStringSubmatch(body, -1) {
				if !strings.HasPrefix(m[1], "data:") {
					t.Errorf("%s loads %q", u, m[1])
				}
			}
		case strings.HasSuffix(strings.SplitN(u, "?", 2)[0], ".js"):
			// Scripts hold URLs in strings (links in docs and errors), so
			// look only for the loaders of other hosts' files.
			for _, cdn := range []string{"unpkg.com", "cdn.jsdelivr.net", "esm.sh", "fonts.googleapis.com", "cdnjs.cloudflare.com"} {
				if strings.Contains(body, "//"+cdn) {
					t.Errorf("%s names %s", u, cdn)
				}
			}
		}
	}

	// An endpoint on another origin is the one exception, allowed by the
	// Content-Security-Policy and no more.
	res, _ := get(t, graphiql.Handler("GraphiQL", "https://api.example.com/graphql"), http.MethodGet, "/", nil)
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "connect-src 'self' https://api.example.com wss://api.example.com;") {
		t.Errorf("Content-Security-Policy for another origin's endpoint: %q", csp)
	}
}

// TestAssets serves each asset with its type, immutable caching and an ETag
// that answers conditional requests.
func TestAssets(t *testing.T) {
	h := graphiql.Handler("GraphiQL", "/graphql")
	tests := []struct {
		path, contentType, prefix string
	}{
		{"graphiql-3.9.0.min.js", "text/javascript; charset=utf-8", "!function(e,t){"},
		{"graphiql-3.9.0.min.css", "text/css; charset=utf-8", "@font-face{"},
		{"react-18.3.1.production.min.js", "text/javascript; charset=utf-8", "/**\n * @license React"},
		{"react-dom-18.3.1.production.min.js", "text/javascript; charset=utf-8", "/**\n * @license React"},
		{"graphiql-init.js", "text/javascript; charset=utf-8", "// Starts GraphiQL"},
		{"LICENSE-graphiql.txt", "text/plain; charset=utf-8", "MIT License"},
		{"LICENSE-react.txt", "text/plain; charset=utf-8", "MIT License"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			res, body := get(t, h, http.MethodGet, graphiql.AssetsPath+tt.path+"?v=whatever", nil)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("GET: %s", res.Status)
			}
			if ct := res.Header.Get("Content-Type"); ct != tt.contentType {
				t.Errorf("Content-Type: %q; want %q", ct, tt.contentType)
			}
			if cc := res.Header.Get("Cache-Control"); cc != "public, max-age=86400, immutable" {
				t.Errorf("Cache-Control: %q", cc)
			}
			if n := res.Header.Get("X-Content-Type-Options"); n != "nosniff" {
				t.Errorf("X-Content-Type-Options: %q", n)
			}
			if !strings.HasPrefix(body, tt.prefix) {
				t.Errorf("body starts %q; want %q", body[:min(len(body), 40)], tt.prefix)
			}
			etag := res.Header.Get("ETag")
			if etag == "" {
				t.Fatal("no ETag")
			}
			res, body = get(t, h, http.MethodGet, graphiql.AssetsPath+tt.path, http.Header{"If-None-Match": {etag}})
			if res.StatusCode != http.StatusNotModified || body != "" {
				t.Errorf("If-None-Match: %s with %d bytes; want 304 Not Modified", res.Status, len(body))
			}
			res, body = get(t, h, http.MethodHead, graphiql.AssetsPath+tt.path, nil)
			if res.StatusCode != http.StatusOK || body != "" || res.Header.Get("Content-Type") != tt.contentType {
				t.Errorf("HEAD: %s, %q, %d bytes", res.Status, res.Header.Get("Content-Type"), len(body))
			}
		})
	}
}

// TestNotServed answers 404 for what is not the page or an asset, and 405 for
// methods other than GET and HEAD.
func TestNotServed(t *testing.T) {
	h := graphiql.Handler("GraphiQL", "/graphql")
	for _, path := range []string{
		"/index.html",
		"/graphiql/",
		graphiql.AssetsPath,
		graphiql.AssetsPath + "README.md",
		graphiql.AssetsPath + "missing.js",
		graphiql.AssetsPath + "../graphiql.go",
		graphiql.AssetsPath + "graphiql-3.9.0.min.js.map",
	} {
		if res, _ := get(t, h, http.MethodGet, path, nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %s; want 404", path, res.Status)
		}
	}
	for _, path := range []string{"/", graphiql.AssetsPath + "graphiql-init.js"} {
		res, _ := get(t, h, http.MethodPost, path, nil)
		if res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("Allow") != "GET, HEAD" {
			t.Errorf("POST %s: %s, Allow %q; want 405 with Allow: GET, HEAD", path, res.Status, res.Header.Get("Allow"))
		}
	}
}
