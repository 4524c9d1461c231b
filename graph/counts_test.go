package graph_test

import (
	"fmt"
	"slices"
	"strconv"
	"testing"
)

// countsCatalog is the catalog of TestProductCounts: every product it made
// through the workflow's mutations, with the seller that owns it and the
// status the workflow left it in. Its rules (what each viewer may see) are
// written here from the design, independently of the policy code, so that a
// counts predicate that differs from the privacy rule shows as a difference.
type countsCatalog struct {
	env *Env
	// status and owner of each product, by product ID.
	status, owner map[string]string
	// review is each IN_REVIEW product's pending release review.
	review map[string]string
	// seller is each seller persona's account ("" for the viewers without
	// one).
	seller map[Persona]string
}

// countsThird is the third seller of TestProductCounts.
var countsThird = SellerOf("initech")

// countsReaders are the viewers TestProductCounts counts for: the five
// personas, a seller token without a seller, and the third seller.
var countsReaders = append(slices.Clone(AllReaders), countsThird)

// add creates a product of p (selecting group) and drives it to status
// through the real mutations; removed products leave from `from` (the
// status they had before removeProduct), to exercise the counters of every
// status's decrement.
func (c *countsCatalog) add(p Persona, group, name, status, from string) string {
	c.env.t.Helper()
	id := c.env.CreateProduct(p, name, group)
	c.status[id], c.owner[id] = "DRAFT", c.seller[p]
	path := map[string][]string{
		"DRAFT":     nil,
		"IN_REVIEW": {"IN_REVIEW"},
		"RELEASED":  {"IN_REVIEW", "RELEASED"},
		"REJECTED":  {"IN_REVIEW", "REJECTED"},
		"HIDDEN":    {"IN_REVIEW", "RELEASED", "HIDDEN"},
	}
	steps := path[status]
	if status == "REMOVED" {
		steps = append(slices.Clone(path[from]), "REMOVED")
	}
	for _, s := range steps {
		c.move(p, id, s)
	}
	return id
}

// move makes one move of the lifecycle as the product's seller p (or the
// reviewer, for decisions), with the mutation the design names for it.
func (c *countsCatalog) move(p Persona, id, to string) {
	e := c.env
	e.t.Helper()
	from := c.status[id]
	byID := map[string]any{"id": id}
	switch {
	case to == "IN_REVIEW":
		c.review[id] = e.SubmitRelease(p, id)
	case from == "IN_REVIEW" && to == "RELEASED":
		e.Approve(c.review[id])
	case from == "IN_REVIEW" && to == "REJECTED":
		e.MutateOK(Reviewer, RejectM, map[string]any{"id": c.review[id], "reason": "Summary too vague"})
	case from == "IN_REVIEW" && to == "DRAFT":
		e.MutateOK(p, WithdrawM, map[string]any{"id": c.review[id]})
	case to == "HIDDEN":
		e.MutateOK(p, HideM, byID)
	case from == "HIDDEN" && to == "RELEASED":
		e.MutateOK(p, ShowM, byID)
	case to == "REMOVED":
		e.MutateOK(p, RemoveM, byID)
	default:
		e.t.Fatalf("no move %s → %s", from, to)
	}
	c.status[id] = to
}

// visible lists the products p may see, by the design: staff everything
// but REMOVED, a seller its own products of any status and everyone's
// RELEASED ones, anyone else the RELEASED ones.
func (c *countsCatalog) visible(p Persona) []string {
	var ids []string
	for id, s := range c.status {
		var ok bool
		switch p {
		case Reviewer, Admin:
			ok = s != "REMOVED"
		default:
			own := c.seller[p] != "" && c.owner[id] == c.seller[p]
			ok = own || s == "RELEASED"
		}
		if ok {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// checkStored fails when the products table does not hold the statuses the
// catalog drove the products to (then the test itself is wrong), or when
// product_counts differs from a GROUP BY of products, by seller and by
// shard of sellers (seller_id -1 - id % 16: the totals rows), and status
// (a trigger did not move a counter).
func (c *countsCatalog) checkStored(t *testing.T) {
	t.Helper()
	products, err := c.env.Client.Product.Query().All(Sys())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{}
	for _, p := range products {
		id := strconv.Itoa(p.ID)
		if s, ok := c.status[id]; !ok || s != p.Status.String() {
			t.Fatalf("product %s is %s in the database, the catalog made it %q", id, p.Status, s)
		}
		want[fmt.Sprintf("seller %d %s", p.SellerID, p.Status)]++
		want[fmt.Sprintf("seller %d %s", -1-p.SellerID%16, p.Status)]++ // its shard's totals row
	}
	if len(products) != len(c.status) {
		t.Fatalf("%d products in the database, the catalog made %d", len(products), len(c.status))
	}
	rows, err := c.env.Client.ProductCount.Query().All(Sys())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, r := range rows {
		if r.N < 0 {
			t.Errorf("product_counts row seller %d %s is negative: %d", r.SellerID, r.Status, r.N)
		}
		if r.N != 0 {
			got[fmt.Sprintf("seller %d %s", r.SellerID, r.Status)] = r.N
		}
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("product_counts %s = %d, COUNT(*) of products = %d", k, got[k], n)
		}
	}
	for k, n := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("product_counts %s = %d, but no such product", k, n)
		}
	}
}

// Queries of TestProductCounts: the unfiltered count (from the counters),
// the same list with an empty filter (a real COUNT(*)), and a page of the
// unfiltered list.
const (
	countUnfiltered = `{ products { totalCount } }`
	countFiltered   = `{ products(where: {}) { totalCount } }`
	countPage       = `query($after: Cursor) { products(first: 7, after: $after) {
		totalCount pageInfo { hasNextPage endCursor } edges { node { id } } } }`
)

// checkCounts proves, for every reader, that the unfiltered totalCount
// equals the filtered one, the number of nodes one pages through, and the
// catalog's own count; that the nodes are the ones the design lets the
// reader see; and that the counters cost no more statements than COUNT(*).
func (c *countsCatalog) checkCounts(t *testing.T, want map[Persona]int) {
	t.Helper()
	c.checkStored(t)
	for _, p := range countsReaders {
		t.Run(string(p), func(t *testing.T) {
			env := c.env.For(t)
			type count struct{ Products struct{ TotalCount int } }
			var unfiltered, filtered count
			nu := env.StatementsOf(func() { env.MustDo(p, countUnfiltered, nil, &unfiltered) })
			nf := env.StatementsOf(func() { env.MustDo(p, countFiltered, nil, &filtered) })
			var paged []string
			after := any(nil)
			for pages := 0; ; pages++ {
				if pages > 20 {
					t.Fatalf("still paging after %d pages", pages)
				}
				var page struct {
					Products struct {
						TotalCount int
						PageInfo   struct {
							HasNextPage bool
							EndCursor   *string
						}
						Edges []struct{ Node struct{ ID string } }
					}
				}
				env.MustDo(p, countPage, map[string]any{"after": after}, &page)
				if page.Products.TotalCount != unfiltered.Products.TotalCount {
					t.Errorf("page %d: totalCount %d, the first page's %d", pages, page.Products.TotalCount, unfiltered.Products.TotalCount)
				}
				for _, e := range page.Products.Edges {
					paged = append(paged, e.Node.ID)
				}
				if !page.Products.PageInfo.HasNextPage {
					break
				}
				after = *page.Products.PageInfo.EndCursor
			}
			slices.Sort(paged)
			expected := c.visible(p)

			u, f := unfiltered.Products.TotalCount, filtered.Products.TotalCount
			if u != f || u != len(paged) || u != len(expected) {
				t.Errorf("totalCount unfiltered %d, filtered (where: {}) %d; %d nodes paged through; %d visible by the design", u, f, len(paged), len(expected))
			}
			if !slices.Equal(paged, expected) {
				t.Errorf("paged through %v, want %v", paged, expected)
			}
			if n, ok := want[p]; ok && u != n {
				t.Errorf("unfiltered totalCount %d, want %d", u, n)
			}
			t.Logf("totalCount %d: %d statements unfiltered, %d with where: {}", u, nu, nf)
			if nu > nf {
				t.Errorf("the unfiltered totalCount ran %d statements, the filtered one %d", nu, nf)
			}
		})
	}
}

// TestProductCounts proves that the totalCount of the unfiltered product
// list, which sums the trigger-kept counters (product_counts) with
// policy.VisibleProductCounts, is the count of what each viewer may see:
// it equals COUNT(*) of the same list with an empty filter and the number
// of nodes paged through, for every persona, after three sellers moved
// products into every status through the workflow and again after further
// moves (a release, a hide, a show, removals, a withdrawal, a resubmission,
// a creation). A counter a trigger fails to move, or a counts predicate
// that differs from the product privacy rule, fails it; so does an
// unfiltered count that costs more statements than COUNT(*).
func TestProductCounts(t *testing.T) {
	t.Parallel()
	env := NewEnv(t)
	env.CreateSeller("initech", "Initech Systems")
	c := &countsCatalog{env: env, status: map[string]string{}, owner: map[string]string{}, review: map[string]string{},
		seller: map[Persona]string{Owner: "acme", OtherSeller: "globex", countsThird: "initech"}}
	groups := map[Persona]string{}
	for i, p := range []Persona{Owner, OtherSeller, countsThird} {
		env.Approve(env.SubmitPreSales(p, fmt.Sprintf("+86 10 6552 99%02d", i), fmt.Sprintf("presales%d@example.com", i), "Somewhere"))
		groups[p] = env.CreateGroup(p, GroupInput("Support"))
	}
	type spec struct {
		p                  Persona
		name, status, from string
	}
	ids := map[string]string{}
	for _, s := range []spec{
		{Owner, "Acme Draft", "DRAFT", ""},
		{Owner, "Acme Draft 2", "DRAFT", ""},
		{Owner, "Acme In Review", "IN_REVIEW", ""},
		{Owner, "Acme Released", "RELEASED", ""},
		{Owner, "Acme Released 2", "RELEASED", ""},
		{Owner, "Acme Rejected", "REJECTED", ""},
		{Owner, "Acme Hidden", "HIDDEN", ""},
		{Owner, "Acme Removed", "REMOVED", "DRAFT"},
		{OtherSeller, "Globex Draft", "DRAFT", ""},
		{OtherSeller, "Globex In Review", "IN_REVIEW", ""},
		{OtherSeller, "Globex Released", "RELEASED", ""},
		{OtherSeller, "Globex Rejected", "REJECTED", ""},
		{OtherSeller, "Globex Hidden", "HIDDEN", ""},
		{OtherSeller, "Globex Removed", "REMOVED", "IN_REVIEW"},
		{countsThird, "Initech Draft", "DRAFT", ""},
		{countsThird, "Initech In Review", "IN_REVIEW", ""},
		{countsThird, "Initech Released", "RELEASED", ""},
		{countsThird, "Initech Rejected", "REJECTED", ""},
		{countsThird, "Initech Hidden", "HIDDEN", ""},
		{countsThird, "Initech Removed", "REMOVED", "RELEASED"},
		{countsThird, "Initech Removed 2", "REMOVED", "HIDDEN"},
	} {
		ids[s.name] = c.add(s.p, groups[s.p], s.name, s.status, s.from)
	}

	// 21 products: acme 8 (1 removed), globex 6 (1 removed), initech 7
	// (2 removed); released: acme 2, globex 1, initech 1.
	t.Run("every status", func(t *testing.T) {
		c.env = env.For(t)
		c.checkCounts(t, map[Persona]int{
			Anonymous: 4, NoSellerAccount: 4,
			Owner: 8 + 2, OtherSeller: 6 + 3, countsThird: 7 + 3,
			Reviewer: 21 - 4, Admin: 21 - 4,
		})
	})

	t.Run("after further moves", func(t *testing.T) {
		c.env = env.For(t)
		c.move(Owner, ids["Acme In Review"], "RELEASED")                   // a release
		c.move(OtherSeller, ids["Globex Released"], "HIDDEN")              // a hide
		c.move(countsThird, ids["Initech Released"], "REMOVED")            // a removal of a released product
		c.move(Owner, ids["Acme Hidden"], "RELEASED")                      // a show
		c.move(Owner, ids["Acme Released 2"], "HIDDEN")                    // and a hide again
		c.move(OtherSeller, ids["Globex In Review"], "DRAFT")              // a withdrawal
		c.move(countsThird, ids["Initech Rejected"], "IN_REVIEW")          // a resubmission
		c.move(Owner, ids["Acme Draft 2"], "REMOVED")                      // a removal the owner still sees
		c.add(OtherSeller, groups[OtherSeller], "Globex New", "DRAFT", "") // a creation
		// 22 products: acme 8 (2 removed), globex 7 (1 removed), initech 7
		// (3 removed); released: acme 3, globex 0, initech 0.
		c.checkCounts(t, map[Persona]int{
			Anonymous: 3, NoSellerAccount: 3,
			Owner: 8 + 0, OtherSeller: 7 + 3, countsThird: 7 + 3,
			Reviewer: 22 - 6, Admin: 22 - 6,
		})
	})
}
