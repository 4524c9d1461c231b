package graph_test

// Tests of what the mutations record as events (DESIGN.md, "Events:
// history, subscriptions and webhooks"): which events each mutation of the
// contract records, with which actor, seller, subject, references and
// changes; that a failed mutation records none; revertContact; and that
// events outlive what they are about. Everything goes through the real
// GraphQL handler and the shared harness (harness*_test.go).

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"servicesupport/ent/product"
	"servicesupport/graph"
)

// ---------------------------------------------------------------------------
// Reading and checking events
// ---------------------------------------------------------------------------

// recordEventSel is the selection of an Event the tests check; the review
// brings its changes, which a REVIEW_SUBMITTED event must repeat.
const recordEventSel = `id type occurredAt actor actorRole seller { id } subjectID
	review { id changes { field before after } } product { id } customerServiceGroup { id }
	changes { field before after }`

// recordRevertM is the revertContact mutation, its payload under "out".
const recordRevertM = `mutation($kind: ContactKind!, $revision: Int!) { out: revertContact(kind: $kind, revision: $revision) { review { ` +
	ReviewPaySel + ` } ` + userErrorFields + ` } }`

// recordedEvent is an Event as recordEventSel reads it.
type recordedEvent struct {
	ID         string
	Type       string
	OccurredAt time.Time
	Actor      string
	ActorRole  string
	Seller     *struct{ ID string }
	SubjectID  string
	Review     *struct {
		ID      string
		Changes []Change
	}
	Product              *struct{ ID string }
	CustomerServiceGroup *struct{ ID string }
	Changes              []Change
}

// String renders the event for failure messages.
func (ev recordedEvent) String() string {
	id := func(ref *struct{ ID string }) string {
		if ref == nil {
			return "null"
		}
		return ref.ID
	}
	review := "null"
	if ev.Review != nil {
		review = ev.Review.ID
	}
	return fmt.Sprintf("{%s %s by %s (%s) seller %s subject %s review %s product %s group %s changes %s}",
		ev.ID, ev.Type, ev.Actor, ev.ActorRole, id(ev.Seller), ev.SubjectID, review, id(ev.Product),
		id(ev.CustomerServiceGroup), changesString(ev.Changes))
}

// recordNewest returns the ID of the newest event (events are ordered by
// ID when no orderBy is given) and how many events there are.
func recordNewest(e *Env) (id string, total int) {
	e.t.Helper()
	var out struct {
		Events struct {
			TotalCount int
			Edges      []struct{ Node struct{ ID string } }
		}
	}
	e.MustDo(Admin, `{ events(last: 1) { totalCount edges { node { id } } } }`, nil, &out)
	if len(out.Events.Edges) != 1 {
		e.t.Fatalf("no newest event: %+v", out)
	}
	return out.Events.Edges[0].Node.ID, out.Events.TotalCount
}

// recordCount is how many events there are, as an admin reads them.
func recordCount(e *Env) int {
	e.t.Helper()
	var out struct{ Events struct{ TotalCount int } }
	e.MustDo(Admin, `{ events { totalCount } }`, nil, &out)
	return out.Events.TotalCount
}

// recordSince reads, as p, the events after the event since ("": every
// event), in the order they occurred.
func recordSince(e *Env, p Persona, since string) []recordedEvent {
	e.t.Helper()
	var out struct {
		Events struct {
			Edges []struct{ Node recordedEvent }
		}
	}
	var after any
	if since != "" {
		after = since
	}
	e.MustDo(p, `query($since: ID) {
		events(first: 100, where: {idGT: $since}, orderBy: {field: OCCURRED_AT, direction: ASC}) {
			edges { node { `+recordEventSel+` } } } }`, map[string]any{"since": after}, &out)
	evs := make([]recordedEvent, len(out.Events.Edges))
	for i, edge := range out.Events.Edges {
		evs[i] = edge.Node
	}
	return evs
}

// recordTypes lists the events' types.
func recordTypes(evs []recordedEvent) []string {
	types := make([]string, len(evs))
	for i, ev := range evs {
		types[i] = ev.Type
	}
	return types
}

// recordWant is an event a mutation must record. IDs are GraphQL IDs; ""
// means null.
type recordWant struct {
	typ string
	// by ran the mutation: the event's actor is its token's sub.
	by                     Persona
	seller, subject        string
	review, product, group string
	changes                []Change
}

// recordCheck checks the events p reads against want, in order: every
// field, occurredAt within [from, to], IDs ascending, and a
// REVIEW_SUBMITTED event's changes equal to its review's. A product the
// reader may not see (a REMOVED one, unless p is its owner) reads null.
func recordCheck(t *testing.T, e *Env, p Persona, got []recordedEvent, want []recordWant, from, to time.Time) {
	t.Helper()
	var wantTypes []string
	for _, w := range want {
		wantTypes = append(wantTypes, w.typ)
	}
	if !slices.Equal(recordTypes(got), wantTypes) {
		t.Errorf("as %s: event types = %v, want %v\nevents: %v", p, recordTypes(got), wantTypes, got)
		return
	}
	ref := func(r *struct{ ID string }) string {
		if r == nil {
			return ""
		}
		return r.ID
	}
	for i, w := range want {
		ev := got[i]
		sub, role, _, _ := claims(t, w.by)
		if ev.Actor != sub || ev.ActorRole != strings.ToUpper(role) {
			t.Errorf("as %s: %s actor = %q (%s), want %q (%s)", p, ev.Type, ev.Actor, ev.ActorRole, sub, strings.ToUpper(role))
		}
		if got := ref(ev.Seller); got != w.seller {
			t.Errorf("as %s: %s seller = %q, want %q", p, ev.Type, got, w.seller)
		}
		if ev.SubjectID != w.subject {
			t.Errorf("as %s: %s subjectID = %q, want %q", p, ev.Type, ev.SubjectID, w.subject)
		}
		review := ""
		if ev.Review != nil {
			review = ev.Review.ID
		}
		if review != w.review {
			t.Errorf("as %s: %s review = %q, want %q", p, ev.Type, review, w.review)
		}
		wantProduct := w.product
		if wantProduct != "" && p != Owner && recordRemoved(t, e, wantProduct) {
			wantProduct = "" // "the product concerned, if any (and visible)"
		}
		if got := ref(ev.Product); got != wantProduct {
			t.Errorf("as %s: %s product = %q, want %q", p, ev.Type, got, wantProduct)
		}
		if got := ref(ev.CustomerServiceGroup); got != w.group {
			t.Errorf("as %s: %s customerServiceGroup = %q, want %q", p, ev.Type, got, w.group)
		}
		if g, wc := changesString(ev.Changes), changesString(w.changes); g != wc {
			t.Errorf("as %s: %s changes = %s\nwant %s", p, ev.Type, g, wc)
		}
		seen := map[string]bool{}
		for _, c := range ev.Changes {
			if seen[c.Field] {
				t.Errorf("as %s: %s lists field %q twice", p, ev.Type, c.Field)
			}
			seen[c.Field] = true
		}
		if ev.Changes == nil {
			t.Errorf("as %s: %s changes = null, want a list", p, ev.Type)
		}
		if ev.Type == "REVIEW_SUBMITTED" && ev.Review != nil {
			if g, r := changesString(ev.Changes), changesString(ev.Review.Changes); g != r {
				t.Errorf("as %s: REVIEW_SUBMITTED changes %s differ from the review's %s", p, g, r)
			}
		}
		if !Within(ev.OccurredAt, from, to) {
			t.Errorf("as %s: %s occurredAt = %s, want within [%s, %s]", p, ev.Type, ev.OccurredAt, from, to)
		}
		if i > 0 && recordID(t, ev.ID) <= recordID(t, got[i-1].ID) {
			t.Errorf("as %s: event IDs %s, %s are not ascending", p, got[i-1].ID, ev.ID)
		}
	}
}

// recordID is an event's ID as a number, for ordering.
func recordID(t testing.TB, id string) int {
	t.Helper()
	n, err := strconv.Atoi(id)
	if err != nil {
		t.Fatalf("event ID %q is not a number: %v", id, err)
	}
	return n
}

// recordRemoved reports whether a product is REMOVED now (read unfiltered).
func recordRemoved(t testing.TB, e *Env, id string) bool {
	t.Helper()
	p, err := e.Client.Product.Get(Sys(), recordID(t, id))
	if err != nil {
		t.Fatalf("reading product %s: %v", id, err)
	}
	return p.Status == product.StatusRemoved
}

// Expected changes.

// born lists the fields of a created object: pairs of name and value,
// before null.
func born(pairs ...string) []Change {
	var out []Change
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, Change{Field: pairs[i], After: Str(pairs[i+1])})
	}
	return out
}

// gone lists the fields of a deleted object: pairs of name and value,
// after null.
func gone(pairs ...string) []Change {
	var out []Change
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, Change{Field: pairs[i], Before: Str(pairs[i+1])})
	}
	return out
}

// moved is a status move.
func moved(from, to string) []Change {
	return []Change{{Field: "status", Before: Str(from), After: Str(to)}}
}

// changed is one field's change.
func changed(field, before, after string) Change {
	return Change{Field: field, Before: Str(before), After: Str(after)}
}

// weekText is the events' text of a week of Monday to Friday, every day
// with the same hours ("09:00-18:00").
func weekText(hours string) string {
	days := make([]string, len(Weekdays))
	for i, d := range Weekdays {
		days[i] = d + " " + hours
	}
	return strings.Join(days, ", ")
}

// acmeSupport are the fields of GroupInput("Acme Support") as events show
// them (name, value pairs): the phone in E.164, the week as text; no
// closures, so none listed.
var acmeSupport = []string{
	"name", "Acme Support", "phone", "+861065529988", "email", "support@example.com",
	"timeZone", "Asia/Shanghai", "weeklyHours", weekText("09:00-18:00"),
}

// Contact values: inputs and what the API stores for them.
var (
	presalesA = map[string]any{"phone": "+86 10 6552 9988", "email": "presales@acme.example", "contactAddress": "1 Acme Road, Beijing"}
	presalesB = map[string]any{"phone": "+86 21 6279 8899", "email": "sales@acme.example", "contactAddress": "8 Acme Avenue, Shanghai"}
	presalesC = map[string]any{"phone": "+86 10 6552 9988", "email": "desk@acme.example", "contactAddress": "3 Acme Road, Beijing"}
	storedA   = map[string]string{"phone": "+861065529988", "email": "presales@acme.example", "contactAddress": "1 Acme Road, Beijing"}
	storedB   = map[string]string{"phone": "+862162798899", "email": "sales@acme.example", "contactAddress": "8 Acme Avenue, Shanghai"}
)

// submitPreSalesIn submits pre-sales info as p and returns the review ID.
func submitPreSalesIn(e *Env, p Persona, in map[string]any) string {
	e.t.Helper()
	return e.MutateOK(p, SubmitPreSalesM, map[string]any{"in": in}).Review.ID
}

// contactDiff is the changes from one stored pre-sales version to another.
func contactDiff(before, after map[string]string) []Change {
	var out []Change
	for _, f := range []string{"phone", "email", "contactAddress"} {
		if before[f] != after[f] {
			out = append(out, changed(f, before[f], after[f]))
		}
	}
	return out
}

// ---------------------------------------------------------------------------
// 1. Every mutation records its events
// ---------------------------------------------------------------------------

// recordRow is one mutation of the contract: prepare builds the world it
// runs in and returns act, which runs the mutation once and returns the
// events it must record. reader is the seller persona that reads them
// beside an admin (Owner unless set).
type recordRow struct {
	name    string
	reader  Persona
	prepare func(e *Env) (act func() []recordWant)
}

// recordRows are the mutations of the contract and what each records.
var recordRows = []recordRow{
	{name: "createSeller", reader: SellerOf("initech"), prepare: func(e *Env) func() []recordWant {
		return func() []recordWant {
			id := e.CreateSeller("initech", "Initech")
			return []recordWant{{typ: "SELLER_CREATED", by: Admin, seller: id, subject: id,
				changes: born("accountID", "initech", "name", "Initech")}}
		}
	}},
	{name: "submitBusinessContact", prepare: func(e *Env) func() []recordWant {
		return func() []recordWant {
			r := e.MutateOK(Owner, SubmitBusinessM, map[string]any{"in": map[string]any{
				"contactName": " Alice Chen ", "phone": "010 6552 9988", "email": "alice@acme.example"}}).Review.ID
			return []recordWant{{typ: "REVIEW_SUBMITTED", by: Owner, seller: e.OwnerSellerID, subject: r, review: r,
				changes: born("contactName", "Alice Chen", "phone", "+861065529988", "email", "alice@acme.example")}}
		}
	}},
	{name: "submitPreSalesInfo (first)", prepare: func(e *Env) func() []recordWant {
		return func() []recordWant {
			r := submitPreSalesIn(e, Owner, presalesA)
			return []recordWant{{typ: "REVIEW_SUBMITTED", by: Owner, seller: e.OwnerSellerID, subject: r, review: r,
				changes: born("phone", storedA["phone"], "email", storedA["email"], "contactAddress", storedA["contactAddress"])}}
		}
	}},
	{name: "submitPreSalesInfo (superseding a pending one)", prepare: func(e *Env) func() []recordWant {
		e.Approve(submitPreSalesIn(e, Owner, presalesA))
		pending := submitPreSalesIn(e, Owner, presalesB)
		return func() []recordWant {
			r := submitPreSalesIn(e, Owner, presalesC)
			// The changes compare with the live version A, not with the
			// superseded B: the phone is A's, so it is not listed.
			return []recordWant{
				{typ: "REVIEW_SUPERSEDED", by: Owner, seller: e.OwnerSellerID, subject: pending, review: pending,
					changes: moved("PENDING", "SUPERSEDED")},
				{typ: "REVIEW_SUBMITTED", by: Owner, seller: e.OwnerSellerID, subject: r, review: r,
					changes: []Change{
						changed("email", storedA["email"], "desk@acme.example"),
						changed("contactAddress", storedA["contactAddress"], "3 Acme Road, Beijing"),
					}},
			}
		}
	}},
	{name: "createCustomerServiceGroup", prepare: func(e *Env) func() []recordWant {
		return func() []recordWant {
			g := e.CreateGroup(Owner, GroupInputWith("Acme Support", map[string]any{"closures": []map[string]any{
				{"date": "2027-01-01", "name": "New Year", "hours": []map[string]string{}},
				{"date": "2026-12-24", "hours": Hours("10:00", "14:00")},
			}}))
			fields := append(slices.Clone(acmeSupport), "closures", "2026-12-24 10:00-14:00, 2027-01-01 New Year closed")
			return []recordWant{{typ: "GROUP_CREATED", by: Owner, seller: e.OwnerSellerID, subject: g, group: g,
				changes: born(fields...)}}
		}
	}},
	{name: "updateCustomerServiceGroup", prepare: func(e *Env) func() []recordWant {
		g := e.CreateGroup(Owner, GroupInput("Acme Support"))
		return func() []recordWant {
			week := []map[string]any{}
			for _, d := range Weekdays {
				week = append(week, map[string]any{"day": d, "hours": Hours("08:00", "12:00", "13:00", "18:00")})
			}
			week = append(week, map[string]any{"day": "SATURDAY", "hours": Hours("10:00", "16:00")})
			// Phone, email and zone are given unchanged: they are not listed.
			e.MutateOK(Owner, UpdateGroupM, map[string]any{"id": g, "in": map[string]any{
				"name": "Acme Care", "phone": "+86 10 6552 9988", "email": "support@example.com", "timeZone": "Asia/Shanghai",
				"weeklyHours": week,
				"closures":    []map[string]any{{"date": "2027-01-01", "name": "New Year", "hours": []map[string]string{}}},
			}})
			return []recordWant{{typ: "GROUP_UPDATED", by: Owner, seller: e.OwnerSellerID, subject: g, group: g,
				changes: []Change{
					changed("name", "Acme Support", "Acme Care"),
					changed("weeklyHours", weekText("09:00-18:00"), weekText("08:00-12:00 13:00-18:00")+", SATURDAY 10:00-16:00"),
					{Field: "closures", After: Str("2027-01-01 New Year closed")},
				}}}
		}
	}},
	{name: "deleteCustomerServiceGroup", prepare: func(e *Env) func() []recordWant {
		g := e.CreateGroup(Owner, GroupInput("Acme Support"))
		return func() []recordWant {
			e.MutateOK(Owner, DeleteGroupM, map[string]any{"id": g})
			// The group is gone: customerServiceGroup reads null.
			return []recordWant{{typ: "GROUP_DELETED", by: Owner, seller: e.OwnerSellerID, subject: g,
				changes: gone(acmeSupport...)}}
		}
	}},
	{name: "createProduct", prepare: func(e *Env) func() []recordWant {
		g := e.CreateGroup(Owner, GroupInput("Acme Support"))
		return func() []recordWant {
			p := e.CreateProduct(Owner, "Acme Compute", g)
			return []recordWant{{typ: "PRODUCT_CREATED", by: Owner, seller: e.OwnerSellerID, subject: p, product: p,
				changes: born("name", "Acme Compute", "summary", "About Acme Compute", "afterSalesGroupID", g)}}
		}
	}},
	{name: "updateProduct (draft)", prepare: func(e *Env) func() []recordWant {
		g1 := e.CreateGroup(Owner, GroupInput("Acme Support"))
		g2 := e.CreateGroup(Owner, GroupInput("Acme Care"))
		p := e.CreateProduct(Owner, "Acme Compute", g1)
		return func() []recordWant {
			// The summary is given unchanged: it is not listed.
			e.MutateOK(Owner, UpdateProductM, map[string]any{"id": p, "in": map[string]any{
				"name": "Acme Compute Pro", "summary": "About Acme Compute", "afterSalesGroupID": g2}})
			return []recordWant{{typ: "PRODUCT_UPDATED", by: Owner, seller: e.OwnerSellerID, subject: p, product: p,
				changes: []Change{changed("name", "Acme Compute", "Acme Compute Pro"), changed("afterSalesGroupID", g1, g2)}}}
		}
	}},
	{name: "updateProduct (released: group only)", prepare: func(e *Env) func() []recordWant {
		g1 := e.ReadyToRelease()
		g2 := e.CreateGroup(Owner, GroupInput("Acme Care"))
		p, _ := e.ProductIn("Acme Compute", g1, "RELEASED")
		return func() []recordWant {
			e.MutateOK(Owner, UpdateProductM, map[string]any{"id": p, "in": map[string]any{"afterSalesGroupID": g2}})
			return []recordWant{{typ: "PRODUCT_UPDATED", by: Owner, seller: e.OwnerSellerID, subject: p, product: p,
				changes: []Change{changed("afterSalesGroupID", g1, g2)}}}
		}
	}},
	{name: "submitProductRelease", prepare: func(e *Env) func() []recordWant {
		g := e.ReadyToRelease()
		p := e.CreateProduct(Owner, "Acme Compute", g)
		return func() []recordWant {
			r := e.SubmitRelease(Owner, p)
			return []recordWant{{typ: "REVIEW_SUBMITTED", by: Owner, seller: e.OwnerSellerID, subject: r, review: r, product: p,
				changes: born("name", "Acme Compute", "summary", "About Acme Compute", "afterSalesGroup", "Acme Support")}}
		}
	}},
	{name: "submitProductRelease (resubmission after rejection)", prepare: func(e *Env) func() []recordWant {
		g := e.ReadyToRelease()
		p, _ := e.ProductIn("Acme Compute", g, "REJECTED")
		return func() []recordWant {
			r := e.SubmitRelease(Owner, p)
			// No pending review to supersede: the rejected one stays REJECTED.
			return []recordWant{{typ: "REVIEW_SUBMITTED", by: Owner, seller: e.OwnerSellerID, subject: r, review: r, product: p,
				changes: born("name", "Acme Compute", "summary", "About Acme Compute", "afterSalesGroup", "Acme Support")}}
		}
	}},
	{name: "approveReview (contact, with a comment, by an admin)", prepare: func(e *Env) func() []recordWant {
		r := submitPreSalesIn(e, Owner, presalesA)
		return func() []recordWant {
			e.MutateOK(Admin, ApproveM, map[string]any{"id": r, "comment": "  Reachable  "})
			return []recordWant{{typ: "REVIEW_APPROVED", by: Admin, seller: e.OwnerSellerID, subject: r, review: r,
				changes: append(moved("PENDING", "APPROVED"), Change{Field: "comment", After: Str("Reachable")})}}
		}
	}},
	{name: "approveReview (release)", prepare: func(e *Env) func() []recordWant {
		p, r := e.ProductIn("Acme Compute", e.ReadyToRelease(), "IN_REVIEW")
		return func() []recordWant {
			e.Approve(r)
			return []recordWant{
				{typ: "REVIEW_APPROVED", by: Reviewer, seller: e.OwnerSellerID, subject: r, review: r, product: p,
					changes: moved("PENDING", "APPROVED")},
				{typ: "PRODUCT_RELEASED", by: Reviewer, seller: e.OwnerSellerID, subject: p, product: p,
					changes: moved("IN_REVIEW", "RELEASED")},
			}
		}
	}},
	{name: "rejectReview (contact)", prepare: func(e *Env) func() []recordWant {
		r := submitPreSalesIn(e, Owner, presalesA)
		return func() []recordWant {
			e.MutateOK(Reviewer, RejectM, map[string]any{"id": r, "reason": " Phone unreachable "})
			return []recordWant{{typ: "REVIEW_REJECTED", by: Reviewer, seller: e.OwnerSellerID, subject: r, review: r,
				changes: append(moved("PENDING", "REJECTED"), Change{Field: "comment", After: Str("Phone unreachable")})}}
		}
	}},
	{name: "rejectReview (release)", prepare: func(e *Env) func() []recordWant {
		p, r := e.ProductIn("Acme Compute", e.ReadyToRelease(), "IN_REVIEW")
		return func() []recordWant {
			e.MutateOK(Admin, RejectM, map[string]any{"id": r, "reason": "Summary too vague"})
			return []recordWant{
				{typ: "REVIEW_REJECTED", by: Admin, seller: e.OwnerSellerID, subject: r, review: r, product: p,
					changes: append(moved("PENDING", "REJECTED"), Change{Field: "comment", After: Str("Summary too vague")})},
				{typ: "PRODUCT_REJECTED", by: Admin, seller: e.OwnerSellerID, subject: p, product: p,
					changes: moved("IN_REVIEW", "REJECTED")},
			}
		}
	}},
	{name: "withdrawReview (contact)", prepare: func(e *Env) func() []recordWant {
		r := submitPreSalesIn(e, Owner, presalesA)
		return func() []recordWant {
			e.MutateOK(Owner, WithdrawM, map[string]any{"id": r})
			return []recordWant{{typ: "REVIEW_WITHDRAWN", by: Owner, seller: e.OwnerSellerID, subject: r, review: r,
				changes: moved("PENDING", "WITHDRAWN")}}
		}
	}},
	{name: "withdrawReview (release)", prepare: func(e *Env) func() []recordWant {
		p, r := e.ProductIn("Acme Compute", e.ReadyToRelease(), "IN_REVIEW")
		return func() []recordWant {
			e.MutateOK(Owner, WithdrawM, map[string]any{"id": r})
			if got := e.GetProduct(p).Status; got != "DRAFT" {
				e.t.Errorf("withdrawn product status = %s, want DRAFT", got)
			}
			return []recordWant{{typ: "REVIEW_WITHDRAWN", by: Owner, seller: e.OwnerSellerID, subject: r, review: r, product: p,
				changes: moved("PENDING", "WITHDRAWN")}}
		}
	}},
	{name: "hideProduct", prepare: func(e *Env) func() []recordWant {
		p, _ := e.ProductIn("Acme Compute", e.ReadyToRelease(), "RELEASED")
		return func() []recordWant {
			e.MutateOK(Owner, HideM, map[string]any{"id": p})
			return []recordWant{{typ: "PRODUCT_HIDDEN", by: Owner, seller: e.OwnerSellerID, subject: p, product: p,
				changes: moved("RELEASED", "HIDDEN")}}
		}
	}},
	{name: "showProduct", prepare: func(e *Env) func() []recordWant {
		p, _ := e.ProductIn("Acme Compute", e.ReadyToRelease(), "HIDDEN")
		return func() []recordWant {
			e.MutateOK(Owner, ShowM, map[string]any{"id": p})
			return []recordWant{{typ: "PRODUCT_SHOWN", by: Owner, seller: e.OwnerSellerID, subject: p, product: p,
				changes: moved("HIDDEN", "RELEASED")}}
		}
	}},
	{name: "removeProduct (no pending review)", prepare: func(e *Env) func() []recordWant {
		// Released: its approved review is not pending and stays as it is.
		p, _ := e.ProductIn("Acme Compute", e.ReadyToRelease(), "RELEASED")
		return func() []recordWant {
			e.MutateOK(Owner, RemoveM, map[string]any{"id": p})
			return []recordWant{{typ: "PRODUCT_REMOVED", by: Owner, seller: e.OwnerSellerID, subject: p, product: p,
				changes: moved("RELEASED", "REMOVED")}}
		}
	}},
	{name: "removeProduct (pending release review)", prepare: func(e *Env) func() []recordWant {
		p, r := e.ProductIn("Acme Compute", e.ReadyToRelease(), "IN_REVIEW")
		return func() []recordWant {
			e.MutateOK(Owner, RemoveM, map[string]any{"id": p})
			return []recordWant{
				{typ: "REVIEW_WITHDRAWN", by: Owner, seller: e.OwnerSellerID, subject: r, review: r, product: p,
					changes: moved("PENDING", "WITHDRAWN")},
				{typ: "PRODUCT_REMOVED", by: Owner, seller: e.OwnerSellerID, subject: p, product: p,
					changes: moved("IN_REVIEW", "REMOVED")},
			}
		}
	}},
	{name: "revertContact (superseding a pending one)", prepare: func(e *Env) func() []recordWant {
		e.Approve(submitPreSalesIn(e, Owner, presalesA))
		e.MutateOK(Reviewer, RejectM, map[string]any{"id": submitPreSalesIn(e, Owner, presalesB), "reason": "Unreachable"})
		pending := submitPreSalesIn(e, Owner, presalesC)
		return func() []recordWant {
			r := e.MutateOK(Owner, recordRevertM, map[string]any{"kind": "PRE_SALES", "revision": 2}).Review.ID
			return []recordWant{
				{typ: "REVIEW_SUPERSEDED", by: Owner, seller: e.OwnerSellerID, subject: pending, review: pending,
					changes: moved("PENDING", "SUPERSEDED")},
				{typ: "REVIEW_SUBMITTED", by: Owner, seller: e.OwnerSellerID, subject: r, review: r,
					changes: contactDiff(storedA, storedB)},
			}
		}
	}},
}

// TestEventsRecordEveryMutation runs each mutation of the contract once in
// a world of its own and checks the events it recorded, exactly, as an
// admin and as the seller concerned read them. It logs the table
// "mutation → TYPE, TYPE" (go test -v).
func TestEventsRecordEveryMutation(t *testing.T) {
	t.Parallel()
	table := make([]string, len(recordRows))
	t.Run("rows", func(t *testing.T) {
		for i, row := range recordRows {
			t.Run(row.name, func(t *testing.T) {
				t.Parallel()
				e := NewEnv(t)
				act := row.prepare(e)
				since, total := recordNewest(e)
				from := time.Now()
				want := act()
				to := time.Now()
				got := recordSince(e, Admin, since)
				recordCheck(t, e, Admin, got, want, from, to)
				reader := row.reader
				if reader == "" {
					reader = Owner
				}
				recordCheck(t, e, reader, recordSince(e, reader, since), want, from, to)
				if n := recordCount(e); n != total+len(want) {
					t.Errorf("events: %d after, %d before, want %d more", n, total, len(want))
				}
				table[i] = row.name + " → " + strings.Join(recordTypes(got), ", ")
			})
		}
	})
	for _, line := range table {
		t.Log(line)
	}
}

// ---------------------------------------------------------------------------
// 2. A failed mutation records none
// ---------------------------------------------------------------------------

// recordEndpointM registers a webhook endpoint.
const recordEndpointM = `mutation($in: CreateWebhookEndpointInput!) {
	out: createWebhookEndpoint(input: $in) { webhookEndpoint { id } secret ` + userErrorFields + ` } }`

// recordEndpoint registers an endpoint for every event type as p.
func recordEndpoint(e *Env, p Persona) {
	e.t.Helper()
	var out struct {
		Out struct {
			WebhookEndpoint *struct{ ID string }
			UserErrors      []UserError
		}
	}
	e.MustDo(p, recordEndpointM, map[string]any{"in": map[string]any{
		"url": "http://127.0.0.1:9/hooks", "eventTypes": []string{
			"SELLER_CREATED", "REVIEW_SUBMITTED", "REVIEW_APPROVED", "REVIEW_REJECTED", "REVIEW_WITHDRAWN", "REVIEW_SUPERSEDED",
			"GROUP_CREATED", "GROUP_UPDATED", "GROUP_DELETED", "PRODUCT_CREATED", "PRODUCT_UPDATED", "PRODUCT_RELEASED",
			"PRODUCT_REJECTED", "PRODUCT_HIDDEN", "PRODUCT_SHOWN", "PRODUCT_REMOVED"},
	}}, &out)
	if out.Out.WebhookEndpoint == nil || len(out.Out.UserErrors) > 0 {
		e.t.Fatalf("as %s: registering an endpoint: %+v", p, out.Out.UserErrors)
	}
}

// TestEventsRecordNoneOnFailure runs failing mutations of every kind of
// failure and checks that each changed nothing: no event (the events'
// count as an admin reads it) and the same database, events, webhook
// endpoints and deliveries included. Endpoints of the owner and of an
// admin want every event, so a stray event would also queue deliveries.
func TestEventsRecordNoneOnFailure(t *testing.T) {
	t.Parallel()
	e := NewEnv(t, WithConfig(func(c *graph.HandlerConfig) { c.WebhookAllowInsecure = true }))
	w := e.Seed()
	recordEndpoint(e, Owner)
	recordEndpoint(e, Admin)
	bare := e.CreateProduct(Owner, "Acme Bare", "")
	inReview, _ := e.ProductIn("Acme Pending", w.GroupID, "IN_REVIEW")
	_, approved := e.ProductIn("Acme Live", w.GroupID, "RELEASED")
	_, rejected := e.ProductIn("Acme Rejected", w.GroupID, "REJECTED")
	removed, _ := e.ProductIn("Acme Gone", w.GroupID, "REMOVED")
	unused := e.CreateGroup(Owner, GroupInput("Acme Spare"))
	for i := 2; i <= 6; i++ {
		e.CreateGroup(OtherSeller, GroupInput(fmt.Sprintf("Globex Support %d", i)))
	}
	longName := strings.Repeat("n", 65)

	type failure struct {
		name     string
		as       Persona
		mutation string
		vars     map[string]any
		// Either a userErrors entry (code and field), or the code of a
		// GraphQL error.
		code    string
		field   []string
		errCode string
	}
	failures := []failure{
		// Bad input.
		{name: "createCustomerServiceGroup bad email", as: Owner, mutation: CreateGroupM,
			vars: map[string]any{"in": GroupInputWith("Acme Desk", map[string]any{"email": "not an email"})},
			code: "INVALID", field: []string{"input", "email"}},
		{name: "createCustomerServiceGroup duplicate name", as: Owner, mutation: CreateGroupM,
			vars: map[string]any{"in": GroupInput("acme SUPPORT")}, code: "CONFLICT", field: []string{"input", "name"}},
		{name: "updateCustomerServiceGroup bad hours", as: Owner, mutation: UpdateGroupM,
			vars: map[string]any{"id": unused, "in": GroupWith("Acme Spare", Weekdays, [2]string{"18:00", "09:00"})},
			code: "INVALID", field: []string{"input", "serviceHours", "0", "end"}},
		{name: "submitPreSalesInfo bad phone", as: Owner, mutation: SubmitPreSalesM,
			vars: map[string]any{"in": map[string]any{"phone": "12", "email": "a@acme.example", "contactAddress": "1 Road"}},
			code: "INVALID", field: []string{"input", "phone"}},
		{name: "submitBusinessContact blank name", as: Owner, mutation: SubmitBusinessM,
			vars: map[string]any{"in": map[string]any{"contactName": "  ", "phone": "+86 10 6552 9988", "email": "a@acme.example"}},
			code: "REQUIRED", field: []string{"input", "contactName"}},
		{name: "createProduct name too long", as: Owner, mutation: CreateProductM,
			vars: map[string]any{"in": map[string]any{"name": longName}}, code: "TOO_LONG", field: []string{"input", "name"}},
		{name: "createSeller duplicate accountID", as: Admin, mutation: CreateSellerM,
			vars: map[string]any{"in": map[string]any{"accountID": "acme", "name": "Acme Again"}},
			code: "CONFLICT", field: []string{"input", "accountID"}},
		{name: "rejectReview blank reason", as: Reviewer, mutation: RejectM,
			vars: map[string]any{"id": w.PendingReviewID, "reason": " "}, code: "REQUIRED", field: []string{"reason"}},
		{name: "updateCustomerServiceGroup stale version", as: Owner, mutation: UpdateGroupM,
			vars: map[string]any{"id": unused, "in": GroupInputWith("Acme Spare", map[string]any{"expectedVersion": 99})},
			code: "CONFLICT", field: []string{"input", "expectedVersion"}},
		// Workflow and lifecycle rules.
		{name: "submitProductRelease without a group", as: Owner, mutation: SubmitReleaseM,
			vars: map[string]any{"id": bare}, code: "PRECONDITION_FAILED", field: []string{"id"}},
		{name: "hideProduct of a draft", as: Owner, mutation: HideM,
			vars: map[string]any{"id": w.DraftID}, code: "PRECONDITION_FAILED", field: []string{"id"}},
		{name: "showProduct of a released one", as: Owner, mutation: ShowM,
			vars: map[string]any{"id": w.ReleasedID}, code: "PRECONDITION_FAILED", field: []string{"id"}},
		{name: "updateProduct in review", as: Owner, mutation: UpdateProductM,
			vars: map[string]any{"id": inReview, "in": map[string]any{"afterSalesGroupID": unused}}, code: "PRECONDITION_FAILED", field: []string{"id"}},
		{name: "updateProduct name of a released one", as: Owner, mutation: UpdateProductM,
			vars: map[string]any{"id": w.ReleasedID, "in": map[string]any{"name": "Renamed"}},
			code: "PRECONDITION_FAILED", field: []string{"input", "name"}},
		{name: "updateCustomerServiceGroup below policy while released", as: Owner, mutation: UpdateGroupM,
			vars: map[string]any{"id": w.GroupID, "in": GroupWith("Acme Support", []string{"MONDAY", "TUESDAY"}, [2]string{"09:00", "18:00"})},
			code: "PRECONDITION_FAILED", field: []string{"input", "serviceDays"}},
		{name: "removeProduct of a removed one", as: Owner, mutation: RemoveM,
			vars: map[string]any{"id": removed}, code: "PRECONDITION_FAILED", field: []string{"id"}},
		{name: "submitProductRelease of one in review", as: Owner, mutation: SubmitReleaseM,
			vars: map[string]any{"id": inReview}, code: "PRECONDITION_FAILED", field: []string{"id"}},
		// Deciding a decided review.
		{name: "approveReview of an approved review", as: Reviewer, mutation: ApproveM,
			vars: map[string]any{"id": approved}, code: "PRECONDITION_FAILED", field: []string{"id"}},
		{name: "rejectReview of a rejected review", as: Admin, mutation: RejectM,
			vars: map[string]any{"id": rejected, "reason": "Again"}, code: "PRECONDITION_FAILED", field: []string{"id"}},
		{name: "withdrawReview of an approved review", as: Owner, mutation: WithdrawM,
			vars: map[string]any{"id": approved}, code: "PRECONDITION_FAILED", field: []string{"id"}},
		// Limits and references.
		{name: "createCustomerServiceGroup 7th group", as: OtherSeller, mutation: CreateGroupM,
			vars: map[string]any{"in": GroupInput("Globex Support 7")}, code: "LIMIT_EXCEEDED"},
		{name: "deleteCustomerServiceGroup in use", as: Owner, mutation: DeleteGroupM,
			vars: map[string]any{"id": w.GroupID}, code: "IN_USE", field: []string{"id"}},
		// IDs the viewer cannot see.
		{name: "updateProduct of another seller's product", as: Owner, mutation: UpdateProductM,
			vars: map[string]any{"id": w.OtherReleasedID, "in": map[string]any{"afterSalesGroupID": w.GroupID}},
			code: "NOT_FOUND", field: []string{"id"}},
		{name: "createProduct with another seller's group", as: Owner, mutation: CreateProductM,
			vars: map[string]any{"in": map[string]any{"name": "Acme X", "afterSalesGroupID": w.OtherGroupID}},
			code: "NOT_FOUND", field: []string{"input", "afterSalesGroupID"}},
		{name: "deleteCustomerServiceGroup of another seller's group", as: Owner, mutation: DeleteGroupM,
			vars: map[string]any{"id": w.OtherGroupID}, code: "NOT_FOUND", field: []string{"id"}},
		{name: "withdrawReview of another seller's review", as: OtherSeller, mutation: WithdrawM,
			vars: map[string]any{"id": w.PendingReviewID}, code: "NOT_FOUND", field: []string{"id"}},
		{name: "removeProduct of another seller's product", as: OtherSeller, mutation: RemoveM,
			vars: map[string]any{"id": w.ReleasedID}, code: "NOT_FOUND", field: []string{"id"}},
		{name: "revertContact of a revision it does not have", as: Owner, mutation: recordRevertM,
			vars: map[string]any{"kind": "BUSINESS", "revision": 1}, code: "NOT_FOUND", field: []string{"revision"}},
		// Roles that may not run the mutation.
		{name: "createSeller as a seller", as: Owner, mutation: CreateSellerM,
			vars: map[string]any{"in": map[string]any{"accountID": "initech", "name": "Initech"}}, errCode: "FORBIDDEN"},
		{name: "approveReview as a seller", as: Owner, mutation: ApproveM,
			vars: map[string]any{"id": w.PendingReviewID}, errCode: "FORBIDDEN"},
		{name: "withdrawReview as a reviewer", as: Reviewer, mutation: WithdrawM,
			vars: map[string]any{"id": w.PendingReviewID}, errCode: "FORBIDDEN"},
		{name: "createCustomerServiceGroup as a reviewer", as: Reviewer, mutation: CreateGroupM,
			vars: map[string]any{"in": GroupInput("Ops Group")}, errCode: "FORBIDDEN"},
		{name: "createCustomerServiceGroup as anonymous", as: Anonymous, mutation: CreateGroupM,
			vars: map[string]any{"in": GroupInput("Anon Group")}, errCode: "FORBIDDEN"},
		{name: "submitPreSalesInfo without a seller", as: NoSellerAccount, mutation: SubmitPreSalesM,
			vars: map[string]any{"in": presalesA}, errCode: "FORBIDDEN"},
		{name: "hideProduct as an admin", as: Admin, mutation: HideM,
			vars: map[string]any{"id": w.ReleasedID}, errCode: "FORBIDDEN"},
	}
	for _, f := range failures {
		t.Run(f.name, func(t *testing.T) {
			e := e.For(t)
			before := e.Snapshot()
			count := recordCount(e)
			if f.errCode != "" {
				r := e.Do(f.as, f.mutation, f.vars)
				if r.Code() != f.errCode {
					t.Errorf("as %s: errors = %+v, want code %s", f.as, r.Errors, f.errCode)
				}
			} else {
				WantUserError(t, e.Mutate(f.as, f.mutation, f.vars), f.code, f.field)
			}
			if n := recordCount(e); n != count {
				t.Errorf("events: %d after the failed mutation, %d before", n, count)
			}
			e.Unchanged(before)
		})
	}

	// The control: a successful mutation shows in both checks (one event,
	// queued for both endpoints), so the checks above could fail.
	before := e.Snapshot()
	count := recordCount(e)
	deliveries, err := e.Client.WebhookDelivery.Query().Count(Sys())
	if err != nil {
		t.Fatal(err)
	}
	e.MutateOK(Owner, DeleteGroupM, map[string]any{"id": unused})
	if n := recordCount(e); n != count+1 {
		t.Errorf("events after a successful mutation: %d, want %d", n, count+1)
	}
	if n, err := e.Client.WebhookDelivery.Query().Count(Sys()); err != nil || n != deliveries+2 {
		t.Errorf("deliveries after a successful mutation: %d (%v), want %d (the owner's and the admin's endpoint)", n, err, deliveries+2)
	}
	if e.Snapshot() == before {
		t.Error("the snapshot did not change with a successful mutation")
	}
}

// ---------------------------------------------------------------------------
// 3. revertContact
// ---------------------------------------------------------------------------

// TestEventsRecordRevertContact reverts pre-sales info and a business
// contact to earlier revisions: each revert is a new revision with the
// earlier values and a PENDING review compared with the live revision,
// superseding a pending one of its kind only; approving it makes those
// values live. A revision the seller does not have is NOT_FOUND at
// ["revision"], and only a registered seller may revert; a failure changes
// nothing.
func TestEventsRecordRevertContact(t *testing.T) {
	t.Parallel()
	e := NewEnv(t)
	revert := func(p Persona, kind string, revision int) Result {
		e.t.Helper()
		return e.Do(p, recordRevertM, map[string]any{"kind": kind, "revision": revision})
	}

	// The owner's pre-sales revisions: 1 (A) approved, 2 (B) rejected.
	e.Approve(submitPreSalesIn(e, Owner, presalesA))
	r2 := submitPreSalesIn(e, Owner, presalesB)
	e.MutateOK(Reviewer, RejectM, map[string]any{"id": r2, "reason": "Unreachable"})
	// The other seller has pre-sales revisions 1 to 5 and business revision
	// 1: numbers the owner does not have.
	for i := 1; i <= 5; i++ {
		submitPreSalesIn(e, OtherSeller, map[string]any{
			"phone": "+86 21 6279 880" + strconv.Itoa(i), "email": "presales@globex.example", "contactAddress": "9 Globex Street"})
	}
	e.MutateOK(OtherSeller, SubmitBusinessM, map[string]any{"in": map[string]any{
		"contactName": "Bob Li", "phone": "+86 21 6279 8899", "email": "bob@globex.example"}})

	t.Run("failures", func(t *testing.T) {
		e := e.For(t)
		for _, c := range []struct {
			name     string
			as       Persona
			kind     string
			revision int
			code     string // a userErrors code, or else
			errCode  string // a GraphQL error code
		}{
			{"a revision it does not have", Owner, "PRE_SALES", 99, "NOT_FOUND", ""},
			{"another seller's revision number", Owner, "PRE_SALES", 4, "NOT_FOUND", ""},
			{"a kind it has no revision of", Owner, "BUSINESS", 1, "NOT_FOUND", ""},
			{"revision 0", Owner, "PRE_SALES", 0, "NOT_FOUND", ""},
			{"revision -1", Owner, "PRE_SALES", -1, "NOT_FOUND", ""},
			{"anonymous", Anonymous, "PRE_SALES", 1, "", "FORBIDDEN"},
			{"reviewer", Reviewer, "PRE_SALES", 1, "", "FORBIDDEN"},
			{"admin", Admin, "PRE_SALES", 1, "", "FORBIDDEN"},
			{"seller token without a seller", NoSellerAccount, "PRE_SALES", 1, "", "FORBIDDEN"},
		} {
			before := e.Snapshot()
			r := revert(c.as, c.kind, c.revision)
			if c.errCode != "" {
				if r.Code() != c.errCode {
					t.Errorf("%s: errors = %+v, want code %s", c.name, r.Errors, c.errCode)
				}
			} else {
				pl, err := DecodePayload(r)
				if err != nil {
					t.Fatalf("%s: %v", c.name, err)
				}
				WantUserError(t, pl, c.code, []string{"revision"})
			}
			e.Unchanged(before)
		}
	})

	// checkRevert checks a revert's review: PENDING, submitted by the owner,
	// a new revision with the given stored values, and changes.
	checkRevert := func(t *testing.T, e *Env, reviewID string, revision int, values map[string]string, changes []Change) ReviewData {
		t.Helper()
		r := e.GetReview(reviewID)
		if r.Status != "PENDING" || r.Kind != "PRE_SALES_INFO" || r.SubmittedBy != "alice@acme" {
			t.Errorf("revert review = %s %s by %s, want PENDING PRE_SALES_INFO by alice@acme", r.Status, r.Kind, r.SubmittedBy)
		}
		if c := r.Contact; c == nil {
			t.Errorf("revert review has no contact")
		} else if c.Revision != revision || c.Phone != values["phone"] || c.Email != values["email"] ||
			Show(c.ContactAddress) != Show(Str(values["contactAddress"])) || c.ContactName != nil {
			t.Errorf("revert contact = revision %d %s %s %s, want revision %d %v", c.Revision, c.Phone, c.Email,
				Show(c.ContactAddress), revision, values)
		}
		checkChanges(t, r, changes)
		if r.Changes == nil {
			t.Errorf("changes = null, want a list")
		}
		return r
	}
	wantLive := func(t *testing.T, e *Env, revision int, values map[string]string) {
		t.Helper()
		live := e.LiveContact(Owner, "PRE_SALES")
		if live == nil || live.Revision != revision || live.Phone != values["phone"] || live.Email != values["email"] ||
			Show(live.ContactAddress) != Show(Str(values["contactAddress"])) {
			t.Errorf("live pre-sales info = %+v, want revision %d %v", live, revision, values)
		}
	}

	// business is the owner's pending business review (from the
	// superseding subtest, which shows a revert leaves other kinds alone).
	var business string

	t.Run("revert to the live revision", func(t *testing.T) {
		e := e.For(t)
		since, _ := recordNewest(e)
		from := time.Now()
		pl := e.MutateOK(Owner, recordRevertM, map[string]any{"kind": "PRE_SALES", "revision": 1})
		to := time.Now()
		// Revision 3 holds revision 1's values; revision 1 is live, so
		// nothing differs from what is live: no changes.
		r3 := checkRevert(t, e, pl.Review.ID, 3, storedA, nil)
		recordCheck(t, e, Admin, recordSince(e, Admin, since), []recordWant{
			{typ: "REVIEW_SUBMITTED", by: Owner, seller: e.OwnerSellerID, subject: r3.ID, review: r3.ID, changes: nil},
		}, from, to)
		wantLive(t, e, 1, storedA)
		if got := e.GetReview(r2).Status; got != "REJECTED" {
			t.Errorf("the rejected revision's review = %s, want REJECTED", got)
		}
	})

	t.Run("revert to a rejected revision, superseding", func(t *testing.T) {
		e := e.For(t)
		// A pending business contact: another kind, not superseded.
		business = e.MutateOK(Owner, SubmitBusinessM, map[string]any{"in": map[string]any{
			"contactName": "Alice Chen", "phone": "+86 10 6552 9988", "email": "alice@acme.example"}}).Review.ID
		pending := e.GetReview(e.MutateOK(Owner, SubmitPreSalesM, map[string]any{"in": presalesC}).Review.ID)
		since, _ := recordNewest(e)
		from := time.Now()
		pl := e.MutateOK(Owner, recordRevertM, map[string]any{"kind": "PRE_SALES", "revision": 2})
		to := time.Now()
		// Revision 5 holds revision 2's values, compared with the live 1.
		r5 := checkRevert(t, e, pl.Review.ID, 5, storedB, contactDiff(storedA, storedB))
		recordCheck(t, e, Admin, recordSince(e, Admin, since), []recordWant{
			{typ: "REVIEW_SUPERSEDED", by: Owner, seller: e.OwnerSellerID, subject: pending.ID, review: pending.ID,
				changes: moved("PENDING", "SUPERSEDED")},
			{typ: "REVIEW_SUBMITTED", by: Owner, seller: e.OwnerSellerID, subject: r5.ID, review: r5.ID,
				changes: contactDiff(storedA, storedB)},
		}, from, to)
		if got := e.GetReview(pending.ID).Status; got != "SUPERSEDED" {
			t.Errorf("the pending pre-sales review = %s, want SUPERSEDED", got)
		}
		if got := e.GetReview(business).Status; got != "PENDING" {
			t.Errorf("the pending business review = %s, want PENDING (another kind)", got)
		}
		wantLive(t, e, 1, storedA)

		// Approved, revision 5 (B) is live.
		e.Approve(r5.ID)
		wantLive(t, e, 5, storedB)
	})

	t.Run("revert to revision 1 and approve", func(t *testing.T) {
		e := e.For(t)
		pl := e.MutateOK(Owner, recordRevertM, map[string]any{"kind": "PRE_SALES", "revision": 1})
		r6 := checkRevert(t, e, pl.Review.ID, 6, storedA, contactDiff(storedB, storedA))
		wantLive(t, e, 5, storedB)
		e.Approve(r6.ID)
		wantLive(t, e, 6, storedA)
		if live := e.LiveContact(Owner, "PRE_SALES"); live != nil && r6.Contact != nil && live.ID != r6.Contact.ID {
			t.Errorf("live pre-sales info = %s, want the reverted revision %s", live.ID, r6.Contact.ID)
		}
	})

	t.Run("business contact", func(t *testing.T) {
		e := e.For(t)
		// Business revision 1 (Alice Chen) is pending since the subtest
		// above; approve it, make revision 2 (Bob Li) live, revert to 1.
		if business == "" {
			t.Fatal("no pending business review from the earlier subtest")
		}
		e.Approve(business)
		e.Approve(e.MutateOK(Owner, SubmitBusinessM, map[string]any{"in": map[string]any{
			"contactName": "Bob Li", "phone": "+86 10 6552 9977", "email": "bob@acme.example"}}).Review.ID)
		pl := e.MutateOK(Owner, recordRevertM, map[string]any{"kind": "BUSINESS", "revision": 1})
		r := e.GetReview(pl.Review.ID)
		if r.Kind != "BUSINESS_CONTACT" || r.Contact == nil || r.Contact.Revision != 3 || Show(r.Contact.ContactName) != `"Alice Chen"` ||
			r.Contact.Phone != "+861065529988" || r.Contact.Email != "alice@acme.example" || r.Contact.ContactAddress != nil {
			t.Errorf("business revert = %s contact %+v, want BUSINESS_CONTACT revision 3 Alice Chen +861065529988 alice@acme.example", r.Kind, r.Contact)
		}
		checkChanges(t, r, []Change{
			changed("contactName", "Bob Li", "Alice Chen"),
			changed("phone", "+861065529977", "+861065529988"),
			changed("email", "bob@acme.example", "alice@acme.example"),
		})
		e.Approve(r.ID)
		if live := e.LiveContact(Owner, "BUSINESS"); live == nil || live.Revision != 3 || Show(live.ContactName) != `"Alice Chen"` {
			t.Errorf("live business contact = %+v, want revision 3 (Alice Chen)", live)
		}
	})
}

// ---------------------------------------------------------------------------
// 4. Events are append-only
// ---------------------------------------------------------------------------

// TestEventsRecordAppendOnly deletes a group and checks that its history
// stays: its GROUP_CREATED, GROUP_UPDATED and GROUP_DELETED events remain
// with the group's ID as subjectID and customerServiceGroup null, and every
// earlier event reads as it did before, but for that reference.
func TestEventsRecordAppendOnly(t *testing.T) {
	t.Parallel()
	e := NewEnv(t)
	g := e.CreateGroup(Owner, GroupInput("Acme Support"))
	e.MutateOK(Owner, UpdateGroupM, map[string]any{"id": g, "in": GroupInput("Acme Care")})
	// A removed product keeps no claim on the group, but its history does.
	p := e.CreateProduct(Owner, "Acme Legacy", g)
	e.MutateOK(Owner, RemoveM, map[string]any{"id": p})

	ofGroup := func() []recordedEvent {
		var out struct {
			Events struct {
				Edges []struct{ Node recordedEvent }
			}
		}
		e.MustDo(Admin, `query($g: ID!) { events(where: {subjectID: $g}, orderBy: {field: OCCURRED_AT, direction: ASC}) {
			edges { node { `+recordEventSel+` } } } }`, map[string]any{"g": g}, &out)
		evs := make([]recordedEvent, len(out.Events.Edges))
		for i, edge := range out.Events.Edges {
			evs[i] = edge.Node
		}
		return evs
	}
	all := func() []recordedEvent { return recordSince(e, Admin, "") }

	beforeGroup := ofGroup()
	if got := recordTypes(beforeGroup); !slices.Equal(got, []string{"GROUP_CREATED", "GROUP_UPDATED"}) {
		t.Fatalf("the group's events before deletion = %v, want GROUP_CREATED, GROUP_UPDATED", got)
	}
	for _, ev := range beforeGroup {
		if ev.CustomerServiceGroup == nil || ev.CustomerServiceGroup.ID != g {
			t.Errorf("%s customerServiceGroup = %+v before deletion, want %s", ev.Type, ev.CustomerServiceGroup, g)
		}
	}
	beforeAll := all()

	e.MutateOK(Owner, DeleteGroupM, map[string]any{"id": g})

	afterGroup := ofGroup()
	if got := recordTypes(afterGroup); !slices.Equal(got, []string{"GROUP_CREATED", "GROUP_UPDATED", "GROUP_DELETED"}) {
		t.Fatalf("the group's events after deletion = %v, want GROUP_CREATED, GROUP_UPDATED, GROUP_DELETED", got)
	}
	for _, ev := range afterGroup {
		if ev.SubjectID != g || ev.CustomerServiceGroup != nil || ev.Seller == nil || ev.Seller.ID != e.OwnerSellerID {
			t.Errorf("after deletion %v: want subjectID %s, customerServiceGroup null, seller %s", ev, g, e.OwnerSellerID)
		}
	}
	if got, want := changesString(afterGroup[2].Changes), changesString(gone(
		"name", "Acme Care", "phone", "+861065529988", "email", "support@example.com", "timeZone", "Asia/Shanghai",
		"weeklyHours", weekText("09:00-18:00"))); got != want {
		t.Errorf("GROUP_DELETED changes = %s\nwant %s", got, want)
	}

	// Every event from before reads the same, but for the cleared group
	// reference; exactly one event was added.
	afterAll := all()
	if len(afterAll) != len(beforeAll)+1 {
		t.Fatalf("events: %d after the deletion, %d before, want one more", len(afterAll), len(beforeAll))
	}
	for i, was := range beforeAll {
		now := afterAll[i]
		was.CustomerServiceGroup = nil
		if now.String() != was.String() || !now.OccurredAt.Equal(was.OccurredAt) {
			t.Errorf("event changed by the deletion:\nwas %v at %s\nnow %v at %s", was, was.OccurredAt, now, now.OccurredAt)
		}
	}
	var created *recordedEvent
	for i := range afterAll {
		if afterAll[i].Type == "PRODUCT_CREATED" && afterAll[i].SubjectID == p {
			created = &afterAll[i]
		}
	}
	if created == nil {
		t.Fatalf("the removed product's PRODUCT_CREATED event is gone")
	}
	if got, want := changesString(created.Changes), changesString(born("name", "Acme Legacy", "summary", "About Acme Legacy", "afterSalesGroupID", g)); got != want {
		t.Errorf("PRODUCT_CREATED changes after the group's deletion = %s, want %s", got, want)
	}

	// The events still resolve by ID.
	var node struct {
		Node *struct{ Type, SubjectID string }
	}
	e.MustDo(Admin, `query($id: ID!) { node(id: $id) { ... on Event { type subjectID } } }`, map[string]any{"id": afterGroup[0].ID}, &node)
	if node.Node == nil || node.Node.Type != "GROUP_CREATED" || node.Node.SubjectID != g {
		t.Errorf("node(GROUP_CREATED event) = %+v, want GROUP_CREATED of %s", node.Node, g)
	}
}
