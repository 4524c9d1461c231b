package graph_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkProductPage measures the product page and the product list
// through the whole stack (HTTP handler, auth, gqlgen, privacy, the
// database) against a baseline measured in the same run: a query that
// touches no table. Report the ratios, not the absolute times: these
// machines are shared.
func BenchmarkProductPage(b *testing.B) {
	// The harness's buckets refill at once: the cost rule and the charge
	// still run on every request, but it is never throttled.
	// product is the page kept by the page cache (every request a hit),
	// product-uncached the page worked out, without the cache.
	env := NewEnv(b)
	plain := NewEnv(b, WithConfig(noPageCache))
	firstID := func(env *Env) string {
		seedCatalog(b, env, 50)
		var first struct {
			Products struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
		env.MustDo(Anonymous, `{ products(first: 1) { edges { node { id } } } }`, nil, &first)
		return first.Products.Edges[0].Node.ID
	}
	id, plainID := firstID(env), firstID(plain)

	cases := []struct {
		name string
		env  *Env
		body []byte
	}{
		{"baseline-viewer", env, GQL(`{ viewer { role } }`, map[string]any{})},
		{"product", env, GQL(productPage, map[string]any{"id": id})},
		{"product-uncached", plain, GQL(productPage, map[string]any{"id": plainID})},
		{"products-50", env, GQL(productList, map[string]any{"n": 50})},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				// The harness's request, served without Send's checks:
				// they would add client-side work to the measured time.
				req := Request{Body: c.body}.HTTP(b)
				rec := httptest.NewRecorder()
				c.env.Handler.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), `"errors"`) {
					b.Fatalf("%d %s", rec.Code, rec.Body)
				}
			}
		})
	}
}
