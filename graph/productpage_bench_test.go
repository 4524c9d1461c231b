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
	env := NewEnv(b)
	seedCatalog(b, env, 50)
	var first struct {
		Products struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	env.MustDo(Anonymous, `{ products(first: 1) { edges { node { id } } } }`, nil, &first)
	id := first.Products.Edges[0].Node.ID

	body := func(query, vars string) string {
		return `{"query":` + jsonQuote(query) + `,"variables":` + vars + `}`
	}
	cases := []struct{ name, body string }{
		{"baseline-viewer", body(`{ viewer { role } }`, `{}`)},
		{"product", body(productPage, `{"id":"`+id+`"}`)},
		{"products-50", body(productList, `{"n":50}`)},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(c.body))
				req.Header.Set("Content-Type", "application/json")
				rec := httptest.NewRecorder()
				env.Handler.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), `"errors"`) {
					b.Fatalf("%d %s", rec.Code, rec.Body)
				}
			}
		})
	}
}

func jsonQuote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}
