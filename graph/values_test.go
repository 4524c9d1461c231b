package graph_test

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"servicesupport/graph"
)

// TestValueRenderingAnswersAsGqlgen: the hours and closures written by
// renderValues are byte for byte what gqlgen's executor writes for the
// same selection (aliases, __typename, fragments, @include/@skip, a field
// asked twice, nested hours, a closure without a name), for every
// persona, through the product page, node and the seller console, kept by
// the page cache and not, at moments that make todayHours an overnight
// range, a closure's hours and a day without hours; and they cost the same.
func TestValueRenderingAnswersAsGqlgen(t *testing.T) {
	cached := NewEnv(t)
	env := cached.Reconfigure(t, noPageCache)
	reference := cached.Reconfigure(t, func(c *graph.HandlerConfig) { noPageCache(c); graph.GqlgenValues(c) })

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
	env.Approve(env.SubmitPreSales(Owner, "+86 10 6552 9900", "presales@acme.example", "Beijing"))
	product := env.CreateProduct(Owner, "Acme Cloud", g)
	env.Approve(env.SubmitRelease(Owner, product))

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
	const fragment = ` fragment closure on Closure { date hours { end } }`
	page := `query($id: ID!, $yes: Boolean!) { product(id: $id) { afterSalesGroup {` + hours + ` } } }` + fragment
	queries := []struct {
		name, query string
		vars        map[string]any
		readers     []Persona
	}{
		{"product page", page, map[string]any{"id": product, "yes": true}, AllReaders},
		{"group by id", `query($id: ID!, $yes: Boolean!) { node(id: $id) { ... on CustomerServiceGroup {` + hours + ` } } }` + fragment,
			map[string]any{"id": g, "yes": false}, AllReaders},
		{"seller console", `query($yes: Boolean!) { viewer { seller { customerServiceGroups {` + hours + ` } } } }` + fragment,
			map[string]any{"yes": true}, []Persona{Owner, OtherSeller}},
	}
	// A kept page is charged what it cost when it was kept (see
	// pageCache.serve), not what todayHours costs at the moment: its cost
	// is compared when it is made.
	same := func(t *testing.T, got, want Answer, cost bool) {
		t.Helper()
		if got.Status != want.Status || !bytes.Equal(got.Data, want.Data) {
			t.Fatalf("renderValues answered\n%d %s\ngqlgen\n%d %s", got.Status, got.Data, want.Status, want.Data)
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
						shows := q.name == "product page" || p == Owner || p == Reviewer || p == Admin
						if shows && (!bytes.Contains(want.Data, []byte("22:00")) || !bytes.Contains(want.Data, []byte(m.today))) {
							t.Fatalf("the answer lacks the hours (%s): %s", m.today, want.Data)
						}
					})
				}
			}
			// Kept by the page cache (at the first moment), then served
			// with todayHours worked out again.
			vars := map[string]any{"id": product, "yes": true}
			want := reference.Post(Anonymous, page, vars)
			same(t, cached.Post(Anonymous, page, vars), want, m.name == moments[0].name)
			var hit Answer
			if n := cached.StatementsOf(func() { hit = cached.Post(Anonymous, page, vars) }); n != 1 {
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
