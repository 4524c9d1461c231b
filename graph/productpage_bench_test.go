package graph_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkProductPage measures the product page through the whole stack
// (HTTP handler, auth, gqlgen, privacy, SQLite) against a baseline measured
// in the same run: a query that touches no table. Report the ratios, not the
// absolute times: these machines are shared.
func BenchmarkProductPage(b *testing.B) {
	// The harness's buckets refill at once: the cost rule and the charge
	// still run on every request, but it is never throttled.
	env := NewEnv(b)
	seedCatalog(b, env, 50)
	var first struct {
		Products struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	env.MustDo(Anonymous, `{ products(first: 1) { edges { node { id } } } }`, nil, &first)
	id := first.Products.Edges[0].Node.ID

	cases := []struct {
		name string
		body []byte
	}{
		{"baseline-viewer", GQL(`{ viewer { role } }`, map[string]any{})},
		{"product", GQL(productPage, map[string]any{"id": id})},
		{"products-50", GQL(productList, map[string]any{"n": 50})},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				// The harness's request, served without Send's checks:
				// they would add client-side work to the measured time.
				req := Request{Body: c.body}.HTTP(b)
				rec := httptest.NewRecorder()
				env.Handler.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), `"errors"`) {
					b.Fatalf("%d %s", rec.Code, rec.Body)
				}
			}
		})
	}
}
