package graph_test

import (
	"bytes"
	"fmt"
	"testing"

	"servicesupport/graph"
)

// productPage is the product details page's query.
const productPage = `query($id: ID!) { product(id: $id) {
  id name summary releasedAt
  seller { name }
  afterSalesGroup { name phone email serviceDays serviceHours { start end } timeZone openNow meetsServicePolicy nextOpenAt nextCloseAt todayHours { start end } weeklyHours { day hours { start end } } closures { date name hours { start end } } }
  preSalesInfo { phone email }
} }`

// productList is a listing of product pages.
const productList = `query($n: Int!) { products(first: $n) {
  totalCount
  pageInfo { hasNextPage endCursor }
  edges { cursor node {
    id name
    seller { name }
    afterSalesGroup { name phone email serviceDays serviceHours { start end } timeZone openNow nextOpenAt nextCloseAt todayHours { start end } weeklyHours { day hours { start end } } closures { date name hours { start end } } }
    preSalesInfo { phone email }
  } }
} }`

// seedCatalog releases n products spread over several sellers, each with its
// own approved pre-sales info and group.
func seedCatalog(t testing.TB, env *Env, n int) {
	t.Helper()
	const sellers = 5
	for s := 0; s < sellers; s++ {
		account := fmt.Sprintf("catalog-%d", s)
		env.CreateSeller(account, fmt.Sprintf("Catalog Seller %d", s))
	}
	for s := 0; s < sellers; s++ {
		p := SellerOf(fmt.Sprintf("catalog-%d", s))
		env.Approve(env.SubmitPreSales(p, "+86 10 6552 99"+fmt.Sprintf("%02d", s), fmt.Sprintf("s%d@catalog.example", s), "Somewhere"))
		g := env.CreateGroup(p, GroupInput("Support"))
		for i := s; i < n; i += sellers {
			env.Approve(env.SubmitRelease(p, env.CreateProduct(p, fmt.Sprintf("Product %03d", i), g)))
		}
	}
}

// TestProductPageStatements proves the product page has no N+1: the number of
// SQL statements of a listing does not depend on the page size.
func TestProductPageStatements(t *testing.T) {
	env := NewEnv(t)
	seedCatalog(t, env, 50)

	count := func(query string, vars map[string]any) (int64, Result) {
		var r Result
		n := env.StatementsOf(func() { r = env.Do(Anonymous, query, vars) })
		if len(r.Errors) > 0 {
			t.Fatalf("%+v", r.Errors)
		}
		return n, r
	}

	one, _ := count(productList, map[string]any{"n": 1})
	fifty, r := count(productList, map[string]any{"n": 50})
	var out struct {
		Products struct {
			TotalCount int
			Edges      []struct {
				Node struct {
					Name            string
					Seller          struct{ Name string }
					AfterSalesGroup *struct{ Name string }
					PreSalesInfo    *struct{ Phone, Email string }
				}
			}
		}
	}
	Decode(t, r, &out)
	if got := len(out.Products.Edges); got != 50 || out.Products.TotalCount != 50 {
		t.Fatalf("page of 50: got %d edges, totalCount %d", got, out.Products.TotalCount)
	}
	for _, e := range out.Products.Edges {
		if e.Node.Seller.Name == "" || e.Node.AfterSalesGroup == nil || e.Node.PreSalesInfo == nil || e.Node.PreSalesInfo.Phone == "" {
			t.Fatalf("incomplete product page: %+v", e.Node)
		}
	}
	t.Logf("products(first: 1): %d statements; products(first: 50): %d statements", one, fifty)
	if one != fifty {
		t.Errorf("statements grow with the page size: %d for 1, %d for 50", one, fifty)
	}
	// The count (from the counters), and the products with their sellers,
	// groups and pre-sales info joined (the design allows 4).
	if fifty != 2 {
		t.Errorf("products(first: 50) ran %d statements, want 2", fifty)
	}

	var id string
	{
		var first struct {
			Products struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
		env.MustDo(Anonymous, `{ products(first: 1) { edges { node { id } } } }`, nil, &first)
		id = first.Products.Edges[0].Node.ID
	}
	// Without the page cache: the product with its seller, group and
	// pre-sales info joined (the design allows 2).
	plain := NewEnv(t, WithConfig(func(c *graph.HandlerConfig) { c.NoCache = true }))
	seedCatalog(t, plain, 3)
	var plainFirst struct {
		Products struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	plain.MustDo(Anonymous, `{ products(first: 1) { edges { node { id } } } }`, nil, &plainFirst)
	var uncached int64
	for range 2 {
		uncached = plain.StatementsOf(func() {
			plain.MustDo(Anonymous, productPage, map[string]any{"id": plainFirst.Products.Edges[0].Node.ID}, nil)
		})
	}
	// With it: the first read also reads the seller's page version, in the
	// same statement; every read after it only compares that version.
	cold, first := count(productPage, map[string]any{"id": id})
	warm, again := count(productPage, map[string]any{"id": id})
	t.Logf("product(id): %d statements without the cache; with it %d the first time, %d after", uncached, cold, warm)
	if uncached != 1 {
		t.Errorf("product(id) without the cache ran %d statements, want 1", uncached)
	}
	if cold != uncached || warm != 1 {
		t.Errorf("product(id) with the cache ran %d statements cold and %d warm, want %d and 1", cold, warm, uncached)
	}
	if !bytes.Equal(first.Data, again.Data) {
		t.Errorf("the kept page differs from the page it was made of:\n%s\n%s", first.Data, again.Data)
	}
}

// TestPreSalesInfoFreshWithinOneOperation checks that a mutation's payload
// shows the pre-sales info as it is after the mutations before it in the
// same operation, not as an earlier field of the operation loaded it.
func TestPreSalesInfoFreshWithinOneOperation(t *testing.T) {
	t.Parallel()
	env := NewEnv(t)
	w := env.Seed() // live pre-sales phone +861065529988; pending revision +861065529989
	first := env.SubmitRelease(Owner, w.DraftID)
	second := env.SubmitRelease(Owner, env.CreateProduct(Owner, "Acme Second", w.GroupID))
	var out struct {
		A, C struct {
			Review struct {
				Product struct{ PreSalesInfo struct{ Phone string } }
			}
			UserErrors []UserError
		}
		B struct{ UserErrors []UserError }
	}
	env.MustDo(Reviewer, `mutation($r1: ID!, $ps: ID!, $r2: ID!) {
		a: approveReview(id: $r1) { review { product { preSalesInfo { phone } } } userErrors { code } }
		b: approveReview(id: $ps) { userErrors { code } }
		c: approveReview(id: $r2) { review { product { preSalesInfo { phone } } } userErrors { code } }
	}`, map[string]any{"r1": first, "ps": w.PendingReviewID, "r2": second}, &out)
	if len(out.A.UserErrors)+len(out.B.UserErrors)+len(out.C.UserErrors) > 0 {
		t.Fatalf("user errors: %+v %+v %+v", out.A.UserErrors, out.B.UserErrors, out.C.UserErrors)
	}
	if got := out.A.Review.Product.PreSalesInfo.Phone; got != "+861065529988" {
		t.Errorf("before the new pre-sales info was approved: %s", got)
	}
	if got := out.C.Review.Product.PreSalesInfo.Phone; got != "+861065529989" {
		t.Errorf("after the new pre-sales info was approved: %s, want the new phone", got)
	}
}
