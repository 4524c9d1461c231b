package graph

import (
	"context"

	entbase "entgo.io/ent"
	"entgo.io/ent/dialect/sql"

	"servicesupport/ent"
	"servicesupport/policy"
)

// countedKey marks the context of a product list whose totalCount the
// counters can answer: one without a where filter.
type countedKey struct{}

// withCountedProducts lets the product list in ctx take its totalCount
// from the counters (see countProductsFromCounters).
func withCountedProducts(ctx context.Context) context.Context {
	return context.WithValue(ctx, countedKey{}, true)
}

// countProductsFromCounters answers the count of an unfiltered product list
// by summing the product_counts rows that count what the viewer may see
// (policy.VisibleProductCounts, the rule of the product policy on the same
// columns): a row per seller and status instead of every product. The
// counters are kept by triggers in the writing transaction (migration
// product_counts_and_page_triggers), so the sum is as exact as COUNT(*) in
// the same snapshot. Every other query passes through.
func countProductsFromCounters(client *ent.Client) ent.Interceptor {
	return ent.InterceptFunc(func(next ent.Querier) ent.Querier {
		return ent.QuerierFunc(func(ctx context.Context, q ent.Query) (ent.Value, error) {
			if qc := entbase.QueryFromContext(ctx); qc == nil || qc.Op != entbase.OpQueryCount || ctx.Value(countedKey{}) == nil {
				return next.Query(ctx, q)
			}
			return client.ProductCount.Query().
				Where(policy.VisibleProductCounts(ctx)).
				Modify(func(s *sql.Selector) { s.Select("COALESCE(SUM(" + s.C("n") + "), 0)") }).
				Int(policy.System(ctx))
		})
	})
}
