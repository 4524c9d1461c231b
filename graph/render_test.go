package graph_test

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"servicesupport/graph"
)

// TestRenderingAnswersAsGqlgen: the answers renderAnswers writes (a
// product page's entities, the hours and closures) are byte for byte what
// gqlgen's executor writes for the same selection (every field of the
// types it writes, aliases, __typename, fragments on the type and on Node,
// @include/@skip, a field asked twice, nested hours, a closure without a
// name, a product without a group or pre-sales info, a draft, fields it
// leaves to gqlgen beside those it writes), for every persona, through the
// product page, the product list, node and the seller console, kept by the
// page cache and not, at moments that make todayHours an overnight range,
// a closure's hours and a day without hours; with the same errors, and at
// the same cost.
func TestRenderingAnswersAsGqlgen(t *testing.T) {
	cached := NewEnv(t)
	env := cached.Reconfigure(t, noPageCache)
	reference := cached.Reconfigure(t, func(c *graph.HandlerConfig) { noPageCache(c); graph.GqlgenAnswers(c) })

	week := []map[string]any{
		{"day": "MONDAY", "hours": Hours("08:00", "12:00", "13:00", "18:00")},
		{"day": "TUESDAY", "hours": Hours("09:00", "17:30")},
		{"day": "WEDNESDAY", "hours": Hours("00:00", "24:00")},
		{"day": "THURSDAY", "hours": Hours("09:00", "18:00")},
		{"day": "FRIDAY", "hours": Hours("22:00", "06:00")},
		{"day": "SUNDAY", "hours": Hours("10:00", "16:00")},
	}
	closures := []map[string]any{
		{"date": "2027-01-01", "name": "New Year \"Day\" <é> \u2028", "hours": []map[string]string{}},
		{"date": "2027-02-10", "hours": Hours("10:00", "14:00", "15:00", "16:00")},
	}
	in := GroupInputWith("Acme \\ Support", map[string]any{"weeklyHours": week, "closures": closures})
	delete(in, "serviceDays")
	delete(in, "serviceHours")
	g := env.CreateGroup(Owner, in)
	plain := env.CreateGroup(Owner, GroupInput("Plain"))
	env.Approve(env.SubmitPreSales(Owner, "+86 10 6552 9900", "presales@acme.example", "Beijing"))
	product := env.CreateProduct(Owner, "Acme \"Cloud\" \u00e9", g)
	env.Approve(env.SubmitRelease(Owner, product))
	other := env.CreateProduct(Owner, "Acme Plain", plain)
	env.Approve(env.SubmitRelease(Owner, other))
	draft := env.CreateProduct(Owner, "Acme Draft", "")
	// A seller without pre-sales info (so no product of theirs is
	// released), with a draft.
	env.CreateSeller("render-bare", "Bare & Co")
	bare := SellerOf("render-bare")
	bareProduct := env.CreateProduct(bare, "Bare Product", env.CreateGroup(bare, GroupInput("Bare Support")))

	const hours = `
	  serviceHours { start end }
	  weeklyHours { day hours { start end } }
	  closures { date name hours { start end } }
	  todayHours { start end }
	  a: weeklyHours { __typename d: day day h: hours { __typename e: end s: start } hours { start } }
	  b: closures { ...closure name @include(if: $yes) hours @skip(if: $yes) { start } }
	  c: serviceHours { ... on TimeRange { end start end } __typename }
	  d: weeklyHours @skip(if: $yes) { day }
	  e: todayHours @include(if: $yes) { end }
	  f: weeklyHours { hours { start } ... on DayHours { hours { end } } }`
	const group = `__typename id createdAt updatedAt name phone email serviceDays timeZone version
	  openNow meetsServicePolicy nextOpenAt nextCloseAt n: name ... on Node { id } ` + hours
	const productFields = `__typename id createdAt updatedAt name summary status releasedAt version
	  seller { __typename id name s: name }
	  afterSalesGroup { ` + group + ` }
	  preSalesInfo { __typename phone email p: phone }
	  ... on Node { id }
	  ... on Product { name @include(if: $yes) s: seller { name } }`
	const fragment = ` fragment closure on Closure { date hours { end } }`
	// (The same edge under two aliases with different selections is asked
	// of the joined product page only: eager loading keeps one alias's
	// selection.)
	byID := `query($id: ID!, $yes: Boolean!) { product(id: $id) { ` + productFields + ` g: afterSalesGroup @skip(if: $yes) { name } } }` + fragment
	queries := []struct {
		name, query string
		vars        map[string]any
		readers     []Persona
	}{
		{"product page", byID, map[string]any{"id": product, "yes": true}, AllReaders},
		{"product page, other group", byID, map[string]any{"id": other, "yes": false}, AllReaders},
		{"draft, no pre-sales info", byID, map[string]any{"id": bareProduct, "yes": true}, append([]Persona{bare}, AllReaders...)},
		{"draft without a group", byID, map[string]any{"id": draft, "yes": true}, AllReaders},
		{"a product that is not there", byID, map[string]any{"id": "999999", "yes": true}, []Persona{Anonymous, Owner}},
		{"product list", `query($yes: Boolean!) { products(first: 10) { totalCount edges { cursor node { ` + productFields + ` } } } }` + fragment,
			map[string]any{"yes": true}, AllReaders},
		{"product by node", `query($id: ID!, $yes: Boolean!) { node(id: $id) { ... on Product { ` + productFields + ` } } }` + fragment,
			map[string]any{"id": product, "yes": false}, AllReaders},
		{"group by node", `query($id: ID!, $yes: Boolean!) { node(id: $id) { ... on CustomerServiceGroup {` + group + ` } } }` + fragment,
			map[string]any{"id": g, "yes": false}, AllReaders},
		{"seller console", `query($yes: Boolean!) { viewer { seller { id name accountID customerServiceGroups {` + group + ` }
		  products(first: 5) { edges { node { ` + productFields + ` } } } } } }` + fragment,
			map[string]any{"yes": true}, []Persona{Owner, OtherSeller, bare}},
		// One fragment's field heads two merged selections of the same
		// length (a cache keyed by the first selection would mix them).
		{"a fragment merged into two selections", `query($a: ID!, $b: ID!) {
		  a: product(id: $a) { ...groupID afterSalesGroup { name } }
		  b: product(id: $b) { ...groupID afterSalesGroup { contact: email } } }
		  fragment groupID on Product { afterSalesGroup { id } }`,
			map[string]any{"a": product, "b": other}, AllReaders},
		{"a seller's own field beside the public ones", `query($id: ID!) { product(id: $id) { name seller { name accountID createdAt } } }`,
			map[string]any{"id": product}, AllReaders},
	}
	// A kept page is charged what it cost when it was kept (see
	// pageCache.serve), not what todayHours costs at the moment: its cost
	// is compared when it is made.
	same := func(t *testing.T, got, want Answer, cost bool) {
		t.Helper()
		if got.Status != want.Status || !bytes.Equal(got.Data, want.Data) || !bytes.Equal(got.Raw["errors"], want.Raw["errors"]) {
			t.Fatalf("renderAnswers answered\n%d %s\n%s\ngqlgen\n%d %s\n%s", got.Status, got.Data, got.Raw["errors"], want.Status, want.Data, want.Raw["errors"])
		}
		if gc, wc := actualCost(t, got), actualCost(t, want); cost && gc != wc {
			t.Errorf("actual cost %v, gqlgen's %v", gc, wc)
		}
	}
	moments := []struct {
		name  string
		at    time.Time
		today string // in todayHours
	}{
		{"Friday night", time.Date(2027, time.January, 8, 15, 0, 0, 0, time.UTC), `"22:00"`},        // 23:00 in Shanghai
		{"closure with hours", time.Date(2027, time.February, 10, 4, 0, 0, 0, time.UTC), `"15:00"`}, // noon
		{"Saturday", time.Date(2027, time.January, 9, 4, 0, 0, 0, time.UTC), `"todayHours":[]`},
	}
	for _, m := range moments {
		t.Run(m.name, func(t *testing.T) {
			setPageClock(t, m.at)
			for _, q := range queries {
				for _, p := range q.readers {
					t.Run(q.name+"/"+string(p), func(t *testing.T) {
						got, want := env.Post(p, q.query, q.vars), reference.Post(p, q.query, q.vars)
						same(t, got, want, true)
						shows := q.name == "product page" || (q.name == "group by node" || q.name == "seller console") && (p == Owner || p == Reviewer || p == Admin)
						if shows && (!bytes.Contains(want.Data, []byte("22:00")) || !bytes.Contains(want.Data, []byte(m.today))) {
							t.Fatalf("the answer lacks the hours (%s): %s", m.today, want.Data)
						}
					})
				}
			}
			// Kept by the page cache (at the first moment), then served
			// with todayHours worked out again.
			vars := map[string]any{"id": product, "yes": true}
			want := reference.Post(Anonymous, byID, vars)
			same(t, cached.Post(Anonymous, byID, vars), want, m.name == moments[0].name)
			var hit Answer
			if n := cached.StatementsOf(func() { hit = cached.Post(Anonymous, byID, vars) }); n != 1 {
				t.Errorf("the page read again ran %d statements, want a hit (1)", n)
			}
			same(t, hit, want, false)
		})
	}
}

// actualCost is an answer's extensions.cost.actualQueryCost.
func actualCost(t *testing.T, a Answer) any {
	t.Helper()
	var ext struct {
		Cost struct {
			Actual any `json:"actualQueryCost"`
		} `json:"cost"`
	}
	if err := json.Unmarshal(a.Raw["extensions"], &ext); err != nil {
		t.Fatalf("extensions: %v: %s", err, a.Body)
	}
	return ext.Cost.Actual
}
