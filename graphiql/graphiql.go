// Package graphiql serves the GraphiQL IDE with its assets embedded in the
// binary, so the IDE works on a network with no way out: the page and every
// script, style sheet and font it loads come from this handler.
//
// Mount the handler at "/" and at AssetsPath's parent:
//
//	h := graphiql.Handler("servicesupport GraphiQL", "/graphql", graphiql.DefaultQuery(q))
//	mux.Handle("GET /{$}", h)
//	mux.Handle("GET /graphiql/", h)
package graphiql

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"
)

// AssetsPath is the URL path under which the handler serves the IDE's
// scripts and style sheets; the page at "/" loads them from there.
const AssetsPath = "/graphiql/assets/"

// The embedded files the page loads, in load order for the scripts. Vendored
// files carry their package's version in their name (see assets/README.md).
const (
	graphiqlCSS = "graphiql-3.9.0.min.css"
	reactJS     = "react-18.3.1.production.min.js"
	reactDOMJS  = "react-dom-18.3.1.production.min.js"
	graphiqlJS  = "graphiql-3.9.0.min.js"
	initJS      = "graphiql-init.js"
)

// assetsCacheControl lets browsers keep an asset for a day without asking
// again: an asset's URL changes whenever its content does (the version in the
// name, and the content hash in ?v=).
const assetsCacheControl = "public, max-age=86400, immutable"

// embedded holds the assets and their licenses (assets/README.md, which says
// where each file came from, stays out of the binary).
//
//go:embed assets/*.js assets/*.css assets/*.txt
var embedded embed.FS

// asset is one embedded file, ready to serve.
type asset struct {
	content     []byte
	contentType string
	etag        string
	// version is a short content hash, appended to the asset's URL as ?v=.
	version string
}

// contentTypes are the types of the embedded files, fixed here rather than
// taken from the system's MIME tables, which differ between machines.
var contentTypes = map[string]string{
	".js":  "text/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8",
	".txt": "text/plain; charset=utf-8",
}

// assets are the embedded files by name.
var assets = loadAssets()

// loadAssets reads and hashes the embedded files once, at start.
func loadAssets() map[string]asset {
	files, err := fs.Glob(embedded, "assets/*")
	if err != nil {
		panic(err)
	}
	m := make(map[string]asset, len(files))
	for _, f := range files {
		b, err := embedded.ReadFile(f)
		if err != nil {
			panic(err)
		}
		ct, ok := contentTypes[path.Ext(f)]
		if !ok {
			panic("graphiql: no content type for embedded file " + f)
		}
		sum := sha256.Sum256(b)
		version := hex.EncodeToString(sum[:6])
		m[path.Base(f)] = asset{content: b, contentType: ct, etag: `"` + hex.EncodeToString(sum[:16]) + `"`, version: version}
	}
	return m
}

// assetURL is the URL under which the page loads an embedded file.
func assetURL(name string) string {
	a, ok := assets[name]
	if !ok {
		panic("graphiql: no embedded file " + name)
	}
	return AssetsPath + name + "?v=" + a.version
}

// Option configures the page.
type Option func(*pageConfig)

// pageConfig is what the page's script reads from #graphiql-config.
type pageConfig struct {
	Endpoint       string `json:"endpoint"`
	DefaultQuery   string `json:"defaultQuery,omitempty"`
	DefaultHeaders string `json:"defaultHeaders,omitempty"`
}

// DefaultQuery sets the query of the editor's first tab for a browser with
// no saved tabs. A ?query= parameter of the page's address takes precedence.
func DefaultQuery(query string) Option {
	return func(c *pageConfig) { c.DefaultQuery = query }
}

// DefaultHeaders sets the headers editor's initial content, a JSON object
// such as `{"Authorization": "Bearer "}`. Headers a user types are never
// saved by the browser.
func DefaultHeaders(headers string) Option {
	return func(c *pageConfig) { c.DefaultHeaders = headers }
}

var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{{.CSS}}">
<style>html, body { height: 100%; margin: 0; overflow: hidden; } #graphiql { height: 100vh; }</style>
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<script type="application/json" id="graphiql-config">{{.Config}}</script>
{{range .Scripts}}<script src="{{.}}"></script>
{{end}}</body>
</html>
`))

// Handler serves the GraphiQL page at "/" and its assets under AssetsPath.
// The page talks to the GraphQL endpoint (a path such as "/graphql", or an
// absolute URL) with POST requests, adding the headers of GraphiQL's headers
// editor, where a user pastes {"Authorization": "Bearer …"}. Other paths are
// not found; methods other than GET and HEAD are not allowed.
func Handler(title, endpoint string, opts ...Option) http.Handler {
	cfg := pageConfig{Endpoint: endpoint}
	for _, o := range opts {
		o(&cfg)
	}
	var buf bytes.Buffer
	err := pageTemplate.Execute(&buf, struct {
		Title   string
		CSS     string
		Config  pageConfig
		Scripts []string
	}{
		Title:   title,
		CSS:     assetURL(graphiqlCSS),
		Config:  cfg,
		Scripts: []string{assetURL(reactJS), assetURL(reactDOMJS), assetURL(graphiqlJS), assetURL(initJS)},
	})
	if err != nil {
		panic(err) // the template and its data are fixed: a bug here
	}
	return &handler{page: buf.Bytes(), csp: contentSecurityPolicy(endpoint)}
}

// contentSecurityPolicy lets the page load nothing but this handler's assets
// and talk to nothing but its endpoint (by HTTP and WebSocket). Styles may be inline (CodeMirror and
// GraphiQL set style attributes); fonts and images are data: URLs in the CSS.
func contentSecurityPolicy(endpoint string) string {
	// 'self' covers the page's own host over ws: and wss: too; an
	// endpoint elsewhere is allowed over HTTP and WebSocket (subscriptions).
	connect := "'self'"
	if u, err := url.Parse(endpoint); err == nil && u.Scheme != "" && u.Host != "" {
		socket := "ws"
		if u.Scheme == "https" {
			socket = "wss"
		}
		connect += " " + u.Scheme + "://" + u.Host + " " + socket + "://" + u.Host
	}
	return strings.Join([]string{
		"default-src 'none'",
		"script-src 'self'",
		"style-src 'self' 'unsafe-inline'",
		"font-src 'self' data:",
		"img-src 'self' data:",
		"connect-src " + connect,
		"base-uri 'none'",
		"form-action 'none'",
		"frame-ancestors 'none'",
	}, "; ")
}

// handler serves the page, rendered once by Handler, and the assets.
type handler struct {
	page []byte
	csp  string
}

// ServeHTTP implements http.Handler.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")
	switch p := r.URL.Path; {
	case p == "/":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		// The page names the assets' current URLs: always revalidate it.
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("Content-Security-Policy", h.csp)
		w.Header().Set("Referrer-Policy", "same-origin")
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(h.page))
	case strings.HasPrefix(p, AssetsPath):
		a, ok := assets[strings.TrimPrefix(p, AssetsPath)]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", a.contentType)
		w.Header().Set("Cache-Control", assetsCacheControl)
		w.Header().Set("ETag", a.etag)
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.content))
	default:
		http.NotFound(w, r)
	}
}
