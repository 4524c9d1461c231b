package graph_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"servicesupport/graph"
)

// TestValueRenderingAnswersAsGqlgen: the hours and closures written by
// renderValues are byte for byte what gqlgen's executor writes for the
// same selection (aliases, __typename, fragments, @include/@skip, a field
// asked twice, nested hours, a closure without a name), for every
// persona and through every field holding them, and cost the same.
func TestValueRenderingAnswersAsGqlgen(t *testing.T) {
	env := NewEnv(t, WithConfig(noPageCache))
	reference := env.Reconfigure(t, graph.GqlgenValues)

	week := []map[string]any{
		{"day": "MONDAY", "hours": Hours("08:00", "12:00", "13:00", "18:00")},
		{"day": "TUESDAY", "hours": Hours("09:00", "17:30")},
		{"day": "WEDNESDAY", "hours": Hours("00:00", "24:00")},
		{"day": "THURSDAY", "hours": Hours("09:00", "18:00")},
		{"day": "FRIDAY", "hours": Hours("22:00", "06:00")},
		{"day": "SATURDAY", "hours": Hours("10:00", "16:00")},
	}
	closures := []map[string]any{
		{"date": "2027-01-01", "name": "New Year \"Day\" <é>", "hours": []map[string]string{}},
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
	  e: todayHours @include(if: $yes) { end }`
	queries := []struct {
		name, query string
		vars        map[string]any
		readers     []Persona
	}{
		{"product page", `query($id: ID!, $yes: Boolean!) { product(id: $id) { afterSalesGroup {` + hours + ` } } }
		  fragment closure on Closure { date hours { end } }`,
			map[string]any{"id": product, "yes": true}, AllReaders},
		{"group by id", `query($id: ID!, $yes: Boolean!) { node(id: $id) { ... on CustomerServiceGroup {` + hours + ` } } }
		  fragment closure on Closure { date hours { end } }`,
			map[string]any{"id": g, "yes": false}, AllReaders},
		{"seller console", `query($yes: Boolean!) { viewer { seller { customerServiceGroups {` + hours + ` } } } }
		  fragment closure on Closure { date hours { end } }`,
			map[string]any{"yes": true}, []Persona{Owner, OtherSeller}},
	}
	for _, q := range queries {
		for _, p := range q.readers {
			t.Run(q.name+"/"+string(p), func(t *testing.T) {
				got, want := env.Post(p, q.query, q.vars), reference.Post(p, q.query, q.vars)
				if got.Status != want.Status || !bytes.Equal(got.Data, want.Data) {
					t.Fatalf("renderValues answered\n%d %s\ngqlgen\n%d %s", got.Status, got.Data, want.Status, want.Data)
				}
				if !bytes.Contains(want.Data, []byte("22:00")) && p == Owner {
					t.Fatalf("the owner's answer lacks the hours: %s", want.Data)
				}
				if gc, wc := actualCost(t, got), actualCost(t, want); gc != wc {
					t.Errorf("actual cost %v, gqlgen's %v", gc, wc)
				}
			})
		}
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
