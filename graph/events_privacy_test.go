package graph_test

// The privacy suite of the history and its webhooks (DESIGN.md "Who may see
// and do what" and "Events: history, subscriptions and webhooks"): who reads
// events by every path (events, node, nodes, Review.events, an event's
// edges), who registers, reads and deletes webhook endpoints, which
// deliveries a mutation queues and who reads them, and that no path writes
// an event. Every read goes through readAs (privacy_test.go), so each answer
// is also checked for another seller's private strings ("alice@acme" is the
// actor of acme's events, "Acme Removed" a name in their changes).

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"servicesupport/auth"
	"servicesupport/ent"
	"servicesupport/ent/event"
	"servicesupport/ent/privacy"
	"servicesupport/ent/review"
	"servicesupport/ent/schema/schematype"
	"servicesupport/ent/webhookdelivery"
	"servicesupport/ent/webhookendpoint"
	"servicesupport/graph"
)

// eventHistory is a database whose history was recorded by the ordinary
// mutations of both sellers, and the events as stored.
type eventHistory struct {
	World
	env *Env
	// RemovedID is an acme product created, then removed; GoneGroupID an
	// acme group created, then deleted.
	RemovedID, GoneGroupID string
	// ReleaseReviewID and OtherReleaseReviewID are the sellers' approved
	// release reviews.
	ReleaseReviewID, OtherReleaseReviewID string
	// Boundary lies between the late events (a group of each seller) and
	// all the others.
	Boundary time.Time
	// rows are every event, by ID, read unfiltered.
	rows []*ent.Event
	// productStatus is every product's status, by GraphQL ID.
	productStatus map[string]string
}

// The event types seedEventHistory records for each seller, in order: the
// seeded world of the harness, then a removed product, a deleted group and
// the late group.
var (
	acmeHistory = []string{
		"SELLER_CREATED",
		"REVIEW_SUBMITTED", "REVIEW_APPROVED", // pre-sales info
		"GROUP_CREATED",
		"PRODUCT_CREATED", "REVIEW_SUBMITTED", "REVIEW_APPROVED", "PRODUCT_RELEASED",
		"PRODUCT_CREATED",  // the draft
		"REVIEW_SUBMITTED", // the pending pre-sales info
		"PRODUCT_CREATED", "PRODUCT_REMOVED",
		"GROUP_CREATED", "GROUP_DELETED",
		"GROUP_CREATED", // late
	}
	globexHistory = []string{
		"SELLER_CREATED",
		"REVIEW_SUBMITTED", "REVIEW_APPROVED",
		"GROUP_CREATED",
		"PRODUCT_CREATED", "REVIEW_SUBMITTED", "REVIEW_APPROVED", "PRODUCT_RELEASED",
		"GROUP_CREATED", // late
	}
)

// seedEventHistory records the history on a new database and checks that
// it holds what the mutations were to record (else every test below would
// pass on an empty history).
func seedEventHistory(t *testing.T) *eventHistory {
	t.Helper()
	env := NewEnv(t)
	h := &eventHistory{env: env, World: env.Seed()}
	h.RemovedID = env.CreateProduct(Owner, "Acme Removed", h.GroupID)
	env.MutateOK(Owner, RemoveM, map[string]any{"id": h.RemovedID})
	h.GoneGroupID = env.CreateGroup(Owner, GroupInput("Acme Gone Support"))
	env.MutateOK(Owner, DeleteGroupM, map[string]any{"id": h.GoneGroupID})
	h.ReleaseReviewID = h.releaseReviewOf(t, h.ReleasedID)
	h.OtherReleaseReviewID = h.releaseReviewOf(t, h.OtherReleasedID)

	time.Sleep(30 * time.Millisecond)
	h.Boundary = time.Now()
	time.Sleep(30 * time.Millisecond)
	env.CreateGroup(Owner, GroupInput("Acme Late Support"))
	env.CreateGroup(OtherSeller, GroupInput("Globex Late Support"))

	var err error
	if h.rows, err = env.Client.Event.Query().Order(ent.Asc(event.FieldID)).All(Sys()); err != nil {
		t.Fatal(err)
	}
	if got := typesOf(h.of(env.OwnerSellerID)); !slices.Equal(got, acmeHistory) {
		t.Fatalf("seeding: acme's history is %v, want %v", got, acmeHistory)
	}
	if got := typesOf(h.of(env.OtherSellerID)); !slices.Equal(got, globexHistory) {
		t.Fatalf("seeding: globex's history is %v, want %v", got, globexHistory)
	}
	if n := len(acmeHistory) + len(globexHistory); len(h.rows) != n {
		t.Fatalf("seeding: %d events, want %d (of acme and globex only)", len(h.rows), n)
	}
	products, err := env.Client.Product.Query().All(Sys())
	if err != nil {
		t.Fatal(err)
	}
	h.productStatus = map[string]string{}
	for _, p := range products {
		h.productStatus[strconv.Itoa(p.ID)] = p.Status.String()
	}
	return h
}

// releaseReviewOf returns the ID of a product's release review.
func (h *eventHistory) releaseReviewOf(t *testing.T, productID string) string {
	t.Helper()
	r, err := h.env.Client.Review.Query().Where(review.ProductID(dbID(t, productID))).Only(Sys())
	if err != nil {
		t.Fatalf("release review of %s: %v", productID, err)
	}
	return strconv.Itoa(r.ID)
}

// of returns the events of one seller.
func (h *eventHistory) of(sellerID string) []*ent.Event {
	var out []*ent.Event
	for _, e := range h.rows {
		if e.SellerID != nil && strconv.Itoa(*e.SellerID) == sellerID {
			out = append(out, e)
		}
	}
	return out
}

// visible returns the events p reads, per DESIGN.md: staff every event, a
// seller its own seller's, a seller token without a seller none.
// (Anonymous viewers are refused; they read none either.)
func (h *eventHistory) visible(p Persona) []*ent.Event {
	switch p {
	case Reviewer, Admin:
		return h.rows
	case Owner:
		return h.of(h.env.OwnerSellerID)
	case OtherSeller:
		return h.of(h.env.OtherSellerID)
	}
	return nil
}

// side is who reads an event of the seller sellerID.
func (h *eventHistory) side(sellerID *int) PersonaSet {
	switch {
	case sellerID == nil:
		return staffOnly
	case strconv.Itoa(*sellerID) == h.env.OwnerSellerID:
		return acmeSide
	case strconv.Itoa(*sellerID) == h.env.OtherSellerID:
		return globexSide
	}
	return staffOnly
}

// eventIDs returns the GraphQL IDs of events.
func eventIDs(rows []*ent.Event) []string {
	out := make([]string, len(rows))
	for i, e := range rows {
		out[i] = strconv.Itoa(e.ID)
	}
	return out
}

// typesOf returns the types of events.
func typesOf(rows []*ent.Event) []string {
	out := make([]string, len(rows))
	for i, e := range rows {
		out[i] = e.Type.String()
	}
	return out
}

// idText is an optional database ID as a GraphQL ID ("" for none).
func idText(id *int) string {
	if id == nil {
		return ""
	}
	return strconv.Itoa(*id)
}

// nodeRef is an object read only for its ID.
type nodeRef struct{ ID string }

// eventNode is an Event as eventFields reads it.
type eventNode struct {
	ID                   string
	Type                 string
	OccurredAt           time.Time
	Actor                string
	ActorRole            string
	SubjectID            string
	Changes              []Change
	Seller               *struct{ ID, Name string }
	Review               *nodeRef
	Product              *struct{ ID, Status string }
	CustomerServiceGroup *nodeRef
}

// eventFields selects every field and edge of an Event.
const eventFields = `id type occurredAt actor actorRole subjectID changes { field before after }
	seller { id name } review { id } product { id status } customerServiceGroup { id }`

// eventPage is one page of an EventConnection.
type eventPage struct {
	TotalCount int
	PageInfo   struct {
		HasNextPage bool
		EndCursor   *string
	}
	Edges []struct {
		Cursor string
		Node   eventNode
	}
}

// ids returns the IDs of the page's events.
func (pg eventPage) ids() []string {
	out := make([]string, len(pg.Edges))
	for i, e := range pg.Edges {
		out[i] = e.Node.ID
	}
	return out
}

// eventsPageQ reads one page of Query.events.
const eventsPageQ = `query($first: Int, $after: Cursor, $where: EventWhereInput, $orderBy: EventOrder) {
	events(first: $first, after: $after, where: $where, orderBy: $orderBy) {
		totalCount pageInfo { hasNextPage endCursor } edges { cursor node { ` + eventFields + ` } } } }`

// readEvents reads a page of Query.events as p; any error fails the test.
func readEvents(t *testing.T, env *Env, p Persona, vars map[string]any) eventPage {
	t.Helper()
	r := readOK(t, env, p, eventsPageQ, vars)
	var out struct{ Events eventPage }
	if err := json.Unmarshal(r.Data, &out); err != nil {
		t.Fatalf("decoding %s: %v", r.Data, err)
	}
	return out.Events
}

// wantForbidden checks that an answer is refused with FORBIDDEN and
// carries no data of the refused field.
func wantForbidden(t *testing.T, a Answer, field string) {
	t.Helper()
	if a.Code() != "FORBIDDEN" {
		t.Fatalf("code %q, want FORBIDDEN: %s", a.Code(), a.Body)
	}
	var data map[string]json.RawMessage
	_ = json.Unmarshal(a.Data, &data)
	if v, ok := data[field]; ok && string(v) != "null" {
		t.Errorf("a refused %s answered data: %s", field, v)
	}
}

// TestEventPrivacyConnection lists events as every persona: staff read
// every event, a seller its own seller's, a seller token without a seller
// none, and anonymous viewers are refused with FORBIDDEN.
func TestEventPrivacyConnection(t *testing.T) {
	t.Parallel()
	h := seedEventHistory(t)
	for _, p := range AllReaders {
		t.Run(string(p), func(t *testing.T) {
			t.Parallel()
			if p == Anonymous {
				wantForbidden(t, readAs(t, h.env, p, eventsPageQ, map[string]any{"first": 100}), "events")
				return
			}
			pg := readEvents(t, h.env, p, map[string]any{"first": 100})
			want := h.visible(p)
			if got := pg.ids(); !slices.Equal(got, eventIDs(want)) {
				t.Errorf("events = %v, want %v", got, eventIDs(want))
			}
			if pg.TotalCount != len(want) {
				t.Errorf("totalCount = %d, want %d", pg.TotalCount, len(want))
			}
			for i, e := range pg.Edges {
				if i >= len(want) {
					break
				}
				row := want[i]
				if e.Node.Type != row.Type.String() || e.Node.Actor != row.Actor || e.Node.ActorRole != string(row.ActorRole) {
					t.Errorf("event %s reads {%s %s %s}, stored {%s %s %s}", e.Node.ID,
						e.Node.Type, e.Node.Actor, e.Node.ActorRole, row.Type, row.Actor, row.ActorRole)
				}
			}
		})
	}
}

// TestEventPrivacyNode reads every event, and IDs in the events' range that
// name none, with node(id:) and nodes(ids:) as every persona: an event
// reads back exactly for its seller and staff; any other read is null
// without error.
func TestEventPrivacyNode(t *testing.T) {
	t.Parallel()
	h := seedEventHistory(t)
	const q = `query($id: ID!) { node(id: $id) { __typename ... on Event { id type actor } } }`
	type object struct {
		name, id string
		visible  PersonaSet
		want     string
	}
	var objs []object
	for _, e := range h.rows {
		objs = append(objs, object{
			name: fmt.Sprintf("%s %d of seller %s", e.Type, e.ID, idText(e.SellerID)), id: strconv.Itoa(e.ID),
			visible: h.side(e.SellerID),
			want:    fmt.Sprintf(`{"__typename":"Event","id":"%d","type":%q,"actor":%q}`, e.ID, e.Type, e.Actor),
		})
	}
	// Guessed IDs: the events' range holds these, but no event.
	base := h.rows[0].ID &^ (1<<32 - 1)
	last := h.rows[len(h.rows)-1].ID
	for _, id := range []int{last + 1, last + 1000, base + 1<<31} {
		objs = append(objs, object{name: "unknown event ID " + strconv.Itoa(id), id: strconv.Itoa(id), visible: PersonaSet{}})
	}
	for _, o := range objs {
		for _, p := range AllReaders {
			t.Run("node/"+o.name+"/"+string(p), func(t *testing.T) {
				t.Parallel()
				r := readAs(t, h.env, p, q, map[string]any{"id": o.id})
				if len(r.Errors) > 0 {
					t.Fatalf("a hidden or unknown event must read as null, not an error: %+v", r.Errors)
				}
				want := "null"
				if o.visible[p] {
					want = o.want
				}
				JSONEq(t, r.Data, `{"node":`+want+`}`)
			})
		}
	}
	ids := make([]string, len(objs))
	for i, o := range objs {
		ids[i] = o.id
	}
	slices.Reverse(ids) // positions must follow the IDs, not storage order
	for _, p := range AllReaders {
		t.Run("nodes/"+string(p), func(t *testing.T) {
			t.Parallel()
			r := readAs(t, h.env, p, `query($ids: [ID!]!) { nodes(ids: $ids) { __typename ... on Event { id type actor } } }`, map[string]any{"ids": ids})
			if len(r.Errors) > 0 {
				t.Fatalf("hidden or unknown events must read as null, not errors: %+v", r.Errors)
			}
			var got struct{ Nodes []json.RawMessage }
			if err := json.Unmarshal(r.Data, &got); err != nil {
				t.Fatal(err)
			}
			if len(got.Nodes) != len(ids) {
				t.Fatalf("got %d nodes for %d ids", len(got.Nodes), len(ids))
			}
			for i := range ids {
				o := objs[len(objs)-1-i]
				want := "null"
				if o.visible[p] {
					want = o.want
				}
				if g, w := CanonJSON(t, got.Nodes[i]), CanonJSON(t, []byte(want)); g != w {
					t.Errorf("nodes[%d] (%s): got %s, want %s", i, o.name, g, w)
				}
			}
		})
	}
}

// TestEventPrivacyReviewEvents reads a review's own history through
// Review.events, reached by node(id:) and by the reviews connection: its
// seller and staff read it; another seller, a seller token without a
// seller and anonymous viewers do not reach the review at all.
func TestEventPrivacyReviewEvents(t *testing.T) {
	t.Parallel()
	h := seedEventHistory(t)
	const events = `events(first: 10) { totalCount edges { node { id type review { id } } } }`
	byNode := `query($id: ID!) { node(id: $id) { ... on Review { id ` + events + ` } } }`
	byList := `{ reviews(first: 100) { edges { node { id ` + events + ` } } } }`
	type reviewEvents struct {
		ID     string
		Events struct {
			TotalCount int
			Edges      []struct {
				Node struct {
					ID, Type string
					Review   *nodeRef
				}
			}
		}
	}
	for _, c := range []struct {
		name, reviewID string
		side           PersonaSet
	}{
		{"acme's release review", h.ReleaseReviewID, acmeSide},
		{"globex's release review", h.OtherReleaseReviewID, globexSide},
		{"acme's pending review", h.PendingReviewID, acmeSide},
	} {
		var want []*ent.Event
		for _, e := range h.rows {
			if idText(e.ReviewID) == c.reviewID {
				want = append(want, e)
			}
		}
		if len(want) == 0 {
			t.Fatalf("%s: no event names the review", c.name)
		}
		check := func(t *testing.T, got reviewEvents) {
			t.Helper()
			var ids, types []string
			for _, e := range got.Events.Edges {
				ids = append(ids, e.Node.ID)
				types = append(types, e.Node.Type)
				if e.Node.Review == nil || e.Node.Review.ID != c.reviewID {
					t.Errorf("event %s of review %s reads review %+v", e.Node.ID, c.reviewID, e.Node.Review)
				}
			}
			if !slices.Equal(ids, eventIDs(want)) || got.Events.TotalCount != len(want) {
				t.Errorf("review events = %v %v (totalCount %d), want %v %v", ids, types, got.Events.TotalCount, eventIDs(want), typesOf(want))
			}
		}
		for _, p := range AllReaders {
			t.Run(c.name+"/node/"+string(p), func(t *testing.T) {
				t.Parallel()
				r := readAs(t, h.env, p, byNode, map[string]any{"id": c.reviewID})
				if len(r.Errors) > 0 {
					t.Fatalf("unexpected errors: %+v", r.Errors)
				}
				var out struct{ Node *reviewEvents }
				Decode(t, r.Result, &out)
				if !c.side[p] {
					if out.Node != nil {
						t.Fatalf("%s reads the review: %s", p, r.Data)
					}
					return
				}
				if out.Node == nil {
					t.Fatalf("%s cannot read the review", p)
				}
				check(t, *out.Node)
			})
			t.Run(c.name+"/reviews/"+string(p), func(t *testing.T) {
				t.Parallel()
				r := readAs(t, h.env, p, byList, nil)
				if p == Anonymous {
					wantForbidden(t, r, "reviews")
					return
				}
				var out struct {
					Reviews struct{ Edges []struct{ Node reviewEvents } }
				}
				Decode(t, r.Result, &out)
				var found *reviewEvents
				for _, e := range out.Reviews.Edges {
					if e.Node.ID == c.reviewID {
						found = &e.Node
					}
				}
				if !c.side[p] {
					if found != nil {
						t.Fatalf("%s lists the review: %+v", p, *found)
					}
					return
				}
				if found == nil {
					t.Fatalf("%s does not list the review", p)
				}
				check(t, *found)
			})
		}
	}

	// Review.events pages and orders like every connection.
	t.Run("pages", func(t *testing.T) {
		t.Parallel()
		const q = `query($id: ID!, $after: Cursor, $orderBy: EventOrder) { node(id: $id) { ... on Review {
			events(first: 1, after: $after, orderBy: $orderBy) { totalCount pageInfo { hasNextPage endCursor } edges { node { id type } } } } } }`
		var want []string
		for _, e := range h.rows {
			if idText(e.ReviewID) == h.ReleaseReviewID {
				want = append(want, strconv.Itoa(e.ID))
			}
		}
		desc := slices.Clone(want)
		slices.Reverse(desc)
		for _, order := range []struct {
			name    string
			orderBy any
			want    []string
		}{
			{"default order", nil, want},
			{"occurredAt descending", map[string]any{"field": "OCCURRED_AT", "direction": "DESC"}, desc},
		} {
			var got []string
			var after any
			for page := 0; page < 10; page++ {
				r := readOK(t, h.env, Owner, q, map[string]any{"id": h.ReleaseReviewID, "after": after, "orderBy": order.orderBy})
				var out struct {
					Node struct{ Events eventPage }
				}
				Decode(t, r.Result, &out)
				pg := out.Node.Events
				if len(pg.Edges) != 1 || pg.TotalCount != len(want) {
					t.Fatalf("%s page %d: %d edges of %d, want 1 of %d", order.name, page, len(pg.Edges), pg.TotalCount, len(want))
				}
				got = append(got, pg.ids()...)
				if !pg.PageInfo.HasNextPage {
					break
				}
				after = *pg.PageInfo.EndCursor
			}
			if !slices.Equal(got, order.want) {
				t.Errorf("%s: pages read %v, want %v", order.name, got, order.want)
			}
		}
	})
}

// TestEventPrivacyFiltersOrderPages filters events by type and time, orders
// them by occurredAt and pages through them as every persona: each filter
// narrows what the viewer may read, never widens it.
func TestEventPrivacyFiltersOrderPages(t *testing.T) {
	t.Parallel()
	h := seedEventHistory(t)
	boundary := h.Boundary.UTC()
	var late *ent.Event
	for _, e := range h.rows {
		if !e.OccurredAt.Before(boundary) {
			late = e
			break
		}
	}
	if late == nil {
		t.Fatal("seeding: no event after the boundary")
	}
	beijing := time.FixedZone("UTC+8", 8*3600)
	type filter struct {
		name  string
		where map[string]any
		match func(*ent.Event) bool
	}
	isType := func(types ...string) func(*ent.Event) bool {
		return func(e *ent.Event) bool { return slices.Contains(types, e.Type.String()) }
	}
	filters := []filter{
		{"typeIn groups and products", map[string]any{"typeIn": []string{"GROUP_CREATED", "PRODUCT_CREATED"}}, isType("GROUP_CREATED", "PRODUCT_CREATED")},
		{"typeIn one type", map[string]any{"typeIn": []string{"PRODUCT_REMOVED"}}, isType("PRODUCT_REMOVED")},
		{"type", map[string]any{"type": "REVIEW_APPROVED"}, isType("REVIEW_APPROVED")},
		{"occurredAtGTE boundary", map[string]any{"occurredAtGTE": boundary.Format(time.RFC3339Nano)},
			func(e *ent.Event) bool { return !e.OccurredAt.Before(boundary) }},
		{"occurredAtLT boundary", map[string]any{"occurredAtLT": boundary.Format(time.RFC3339Nano)},
			func(e *ent.Event) bool { return e.OccurredAt.Before(boundary) }},
		// RFC 3339 lets a client give any offset: the same instant must
		// filter the same.
		{"occurredAtGTE boundary at +08:00", map[string]any{"occurredAtGTE": boundary.In(beijing).Format(time.RFC3339Nano)},
			func(e *ent.Event) bool { return !e.OccurredAt.Before(boundary) }},
		{"occurredAtLT boundary at +08:00", map[string]any{"occurredAtLT": boundary.In(beijing).Format(time.RFC3339Nano)},
			func(e *ent.Event) bool { return e.OccurredAt.Before(boundary) }},
		// The bounds are inclusive and exclusive to the stored precision.
		{"occurredAt in [late event, +1ms)", map[string]any{
			"occurredAtGTE": late.OccurredAt.Format(time.RFC3339Nano),
			"occurredAtLT":  late.OccurredAt.Add(time.Millisecond).Format(time.RFC3339Nano),
		}, func(e *ent.Event) bool {
			return !e.OccurredAt.Before(late.OccurredAt) && e.OccurredAt.Before(late.OccurredAt.Add(time.Millisecond))
		}},
		{"typeIn and occurredAtGTE", map[string]any{"typeIn": []string{"GROUP_CREATED"}, "occurredAtGTE": boundary.Format(time.RFC3339Nano)},
			func(e *ent.Event) bool { return e.Type == event.TypeGroupCreated && !e.OccurredAt.Before(boundary) }},
		{"typeIn and occurredAtLT", map[string]any{"typeIn": []string{"GROUP_CREATED"}, "occurredAtLT": boundary.Format(time.RFC3339Nano)},
			func(e *ent.Event) bool { return e.Type == event.TypeGroupCreated && e.OccurredAt.Before(boundary) }},
		{"not typeIn", map[string]any{"not": map[string]any{"typeIn": []string{"GROUP_CREATED", "SELLER_CREATED"}}},
			func(e *ent.Event) bool { return e.Type != event.TypeGroupCreated && e.Type != event.TypeSellerCreated }},
	}
	for _, f := range filters {
		// Each filter must tell events apart, or it proves nothing.
		var all int
		for _, e := range h.rows {
			if f.match(e) {
				all++
			}
		}
		if all == 0 || all == len(h.rows) {
			t.Fatalf("filter %s matches %d of %d events: it tells nothing apart", f.name, all, len(h.rows))
		}
		for _, p := range AllReaders {
			t.Run(f.name+"/"+string(p), func(t *testing.T) {
				t.Parallel()
				vars := map[string]any{"first": 100, "where": f.where}
				if p == Anonymous {
					wantForbidden(t, readAs(t, h.env, p, eventsPageQ, vars), "events")
					return
				}
				var want []*ent.Event
				for _, e := range h.visible(p) {
					if f.match(e) {
						want = append(want, e)
					}
				}
				pg := readEvents(t, h.env, p, vars)
				if got := pg.ids(); !slices.Equal(got, eventIDs(want)) || pg.TotalCount != len(want) {
					t.Errorf("events = %v (totalCount %d), want %v %v", got, pg.TotalCount, eventIDs(want), typesOf(want))
				}
			})
		}
	}

	// sorted returns events ordered by occurredAt, then ID, ascending or
	// descending.
	sorted := func(rows []*ent.Event, desc bool) []*ent.Event {
		out := slices.Clone(rows)
		sort.SliceStable(out, func(i, j int) bool {
			a, b := out[i], out[j]
			if desc {
				a, b = b, a
			}
			if !a.OccurredAt.Equal(b.OccurredAt) {
				return a.OccurredAt.Before(b.OccurredAt)
			}
			return a.ID < b.ID
		})
		return out
	}
	for _, p := range []Persona{Owner, OtherSeller, Reviewer, Admin, NoSellerAccount} {
		for _, c := range []struct {
			name    string
			orderBy map[string]any
			where   map[string]any
			want    []*ent.Event
		}{
			{"default order", nil, nil, h.visible(p)},
			{"occurredAt ascending", map[string]any{"field": "OCCURRED_AT", "direction": "ASC"}, nil, sorted(h.visible(p), false)},
			{"occurredAt descending", map[string]any{"field": "OCCURRED_AT", "direction": "DESC"}, nil, sorted(h.visible(p), true)},
			{"occurredAt descending, typeIn", map[string]any{"field": "OCCURRED_AT", "direction": "DESC"},
				map[string]any{"typeIn": []string{"GROUP_CREATED", "PRODUCT_CREATED", "REVIEW_SUBMITTED"}},
				sorted(slices.DeleteFunc(slices.Clone(h.visible(p)), func(e *ent.Event) bool {
					return !isType("GROUP_CREATED", "PRODUCT_CREATED", "REVIEW_SUBMITTED")(e)
				}), true)},
		} {
			t.Run("order and pages/"+c.name+"/"+string(p), func(t *testing.T) {
				t.Parallel()
				if p != NoSellerAccount && c.orderBy != nil && c.orderBy["direction"] == "DESC" {
					// Descending must differ from the default, or the
					// check could not fail.
					if slices.Equal(eventIDs(c.want), eventIDs(h.visible(p))) {
						t.Fatalf("descending order equals the default order: %v", eventIDs(c.want))
					}
				}
				whole := readEvents(t, h.env, p, map[string]any{"first": 100, "orderBy": c.orderBy, "where": c.where})
				if got := whole.ids(); !slices.Equal(got, eventIDs(c.want)) {
					t.Errorf("one page: %v, want %v", got, eventIDs(c.want))
				}
				for i := 1; i < len(whole.Edges); i++ {
					a, b := whole.Edges[i-1].Node.OccurredAt, whole.Edges[i].Node.OccurredAt
					if c.orderBy != nil && ((c.orderBy["direction"] == "DESC" && a.Before(b)) || (c.orderBy["direction"] == "ASC" && b.Before(a))) {
						t.Errorf("occurredAt out of order at %d: %s then %s", i, a, b)
					}
				}
				// Pages of 4, each after the last cursor, read the same list.
				var got []string
				var after any
				pages := 0
				for {
					pg := readEvents(t, h.env, p, map[string]any{"first": 4, "after": after, "orderBy": c.orderBy, "where": c.where})
					pages++
					if pg.TotalCount != len(c.want) {
						t.Errorf("page %d: totalCount %d, want %d", pages, pg.TotalCount, len(c.want))
					}
					if len(pg.Edges) > 4 {
						t.Fatalf("page %d has %d edges, asked for 4", pages, len(pg.Edges))
					}
					got = append(got, pg.ids()...)
					if !pg.PageInfo.HasNextPage {
						break
					}
					if pages > 20 || pg.PageInfo.EndCursor == nil {
						t.Fatalf("pagination does not end: %d pages, endCursor %v", pages, pg.PageInfo.EndCursor)
					}
					after = *pg.PageInfo.EndCursor
				}
				if !slices.Equal(got, eventIDs(c.want)) {
					t.Errorf("pages of 4 read %v, want %v", got, eventIDs(c.want))
				}
				if wantPages := max(1, (len(c.want)+3)/4); pages != wantPages {
					t.Errorf("%d pages, want %d", pages, wantPages)
				}
			})
		}
	}
}

// TestEventPrivacyEdges reads every edge of every event the viewer may
// read: its seller (the owner and staff), its review, its group (null once
// deleted, its subjectID kept) and its product, which reads as the viewer
// may read the product itself (staff do not read a REMOVED product, the
// owner does).
func TestEventPrivacyEdges(t *testing.T) {
	t.Parallel()
	h := seedEventHistory(t)
	sellerNames := map[string]string{h.env.OwnerSellerID: "Acme Cloud", h.env.OtherSellerID: "Globex Software"}
	for _, p := range []Persona{Owner, OtherSeller, Reviewer, Admin} {
		t.Run(string(p), func(t *testing.T) {
			t.Parallel()
			pg := readEvents(t, h.env, p, map[string]any{"first": 100})
			rows := map[string]*ent.Event{}
			for _, e := range h.rows {
				rows[strconv.Itoa(e.ID)] = e
			}
			if len(pg.Edges) != len(h.visible(p)) {
				t.Fatalf("%d events, want %d", len(pg.Edges), len(h.visible(p)))
			}
			for _, edge := range pg.Edges {
				n, row := edge.Node, rows[edge.Node.ID]
				if row == nil {
					t.Fatalf("event %s is not stored", n.ID)
				}
				what := fmt.Sprintf("%s event %s", n.Type, n.ID)
				if n.SubjectID != strconv.Itoa(row.SubjectID) {
					t.Errorf("%s: subjectID %s, stored %d", what, n.SubjectID, row.SubjectID)
				}
				sellerID := idText(row.SellerID)
				if n.Seller == nil || n.Seller.ID != sellerID || n.Seller.Name != sellerNames[sellerID] {
					t.Errorf("%s: seller %+v, want {%s %s}", what, n.Seller, sellerID, sellerNames[sellerID])
				}
				if got, want := refID(n.Review), idText(row.ReviewID); got != want {
					t.Errorf("%s: review %q, want %q", what, got, want)
				}
				if got, want := refID(n.CustomerServiceGroup), idText(row.CustomerServiceGroupID); got != want {
					t.Errorf("%s: customerServiceGroup %q, want %q", what, got, want)
				}
				wantProduct := idText(row.ProductID)
				if wantProduct != "" && h.productStatus[wantProduct] == "REMOVED" && p != Owner {
					wantProduct = "" // "The owner still reads its REMOVED products; nobody else does."
				}
				switch {
				case wantProduct == "" && n.Product != nil:
					t.Errorf("%s: product %+v, want null", what, *n.Product)
				case wantProduct != "" && n.Product == nil:
					t.Errorf("%s: product null, want %s", what, wantProduct)
				case wantProduct != "" && (n.Product.ID != wantProduct || n.Product.Status != h.productStatus[wantProduct]):
					t.Errorf("%s: product %+v, want {%s %s}", what, *n.Product, wantProduct, h.productStatus[wantProduct])
				}
			}

			// The cases the rules turn on, spelled out.
			var removed, gone, draft int
			for _, edge := range pg.Edges {
				n := edge.Node
				switch {
				case n.SubjectID == h.RemovedID:
					removed++
					if p == Owner && (n.Product == nil || n.Product.Status != "REMOVED") {
						t.Errorf("the owner reads %s of its removed product as product %+v", n.Type, n.Product)
					}
					if p != Owner && n.Product != nil {
						t.Errorf("%s reads %s of a removed product as product %+v", p, n.Type, *n.Product)
					}
				case n.SubjectID == h.GoneGroupID:
					gone++
					if n.CustomerServiceGroup != nil {
						t.Errorf("%s of a deleted group reads group %+v", n.Type, *n.CustomerServiceGroup)
					}
				case n.SubjectID == h.DraftID:
					draft++
					if n.Product == nil || n.Product.Status != "DRAFT" {
						t.Errorf("%s reads the draft's %s as product %+v", p, n.Type, n.Product)
					}
				}
			}
			// Acme's side reads two events of each (created, then removed
			// or deleted) and one of the draft; globex's side none.
			wantRemoved, wantGone, wantDraft := 0, 0, 0
			if acmeSide[p] {
				wantRemoved, wantGone, wantDraft = 2, 2, 1
			}
			if removed != wantRemoved || gone != wantGone || draft != wantDraft {
				t.Errorf("%s read %d events of the removed product, %d of the deleted group, %d of the draft; want %d, %d, %d",
					p, removed, gone, draft, wantRemoved, wantGone, wantDraft)
			}
		})
	}
}

// refID is the ID of an optional reference ("" for null).
func refID(r *nodeRef) string {
	if r == nil {
		return ""
	}
	return r.ID
}

// viewerOf is the viewer a persona's token stands for, for calls below
// GraphQL.
func viewerOf(t *testing.T, env *Env, p Persona) *auth.Viewer {
	t.Helper()
	switch p {
	case Anonymous:
		return &auth.Viewer{Role: auth.RoleAnonymous}
	case Owner:
		return &auth.Viewer{Role: auth.RoleSeller, Subject: "alice@acme", AccountID: "acme", SellerID: SellerInt(t, env.OwnerSellerID)}
	case OtherSeller:
		return &auth.Viewer{Role: auth.RoleSeller, Subject: "bob@globex", AccountID: "globex", SellerID: SellerInt(t, env.OtherSellerID)}
	case Reviewer:
		return &auth.Viewer{Role: auth.RoleReviewer, Subject: "rita@ops"}
	case Admin:
		return &auth.Viewer{Role: auth.RoleAdmin, Subject: "adam@ops"}
	case NoSellerAccount:
		return &auth.Viewer{Role: auth.RoleSeller, Subject: "nora@nowhere", AccountID: "nowhere"}
	}
	t.Fatalf("unknown persona %q", p)
	return nil
}

// TestEventPrivacyNoWrites: no path writes the history. The schema has no
// mutation for events or deliveries, and at the ent level no viewer —
// the owner, staff, an admin — creates, changes or deletes an event or a
// delivery: only the service, as policy.System, writes them.
func TestEventPrivacyNoWrites(t *testing.T) {
	t.Parallel()
	env := NewEnv(t, WithConfig(func(c *graph.HandlerConfig) { c.WebhookAllowInsecure = true }))
	created := createEndpointOK(t, env, Admin, "http://127.0.0.1:9/hook", "GROUP_CREATED", "GROUP_UPDATED")
	groupID := env.CreateGroup(Owner, GroupInput("Acme Support"))
	env.MutateOK(Owner, UpdateGroupM, map[string]any{"id": groupID, "in": GroupInput("Acme Support Two")})
	ev, err := env.Client.Event.Query().Where(event.TypeEQ(event.TypeGroupCreated), event.CustomerServiceGroupIDNotNil()).Only(Sys())
	if err != nil {
		t.Fatalf("the group's GROUP_CREATED event: %v", err)
	}
	delivery, err := env.Client.WebhookDelivery.Query().Where(webhookdelivery.EventID(ev.ID)).Only(Sys())
	if err != nil {
		t.Fatalf("the delivery of GROUP_CREATED to %s: %v", created.ID, err)
	}
	sellerCreated, err := env.Client.Event.Query().Where(event.TypeEQ(event.TypeSellerCreated)).First(Sys())
	if err != nil {
		t.Fatal(err)
	}
	acme := SellerInt(t, env.OwnerSellerID)

	t.Run("schema", func(t *testing.T) {
		s := graph.NewExecutableSchema(graph.Config{}).Schema()
		for _, f := range s.Mutation.Fields {
			name := strings.ToLower(f.Name)
			if strings.Contains(name, "event") || strings.Contains(name, "deliver") {
				t.Errorf("Mutation.%s writes events or deliveries", f.Name)
			}
			if ret := s.Types[f.Type.Name()]; ret != nil {
				for _, pf := range ret.Fields {
					if n := pf.Type.Name(); n == "Event" || n == "WebhookDelivery" || n == "EventConnection" {
						t.Errorf("Mutation.%s returns %s.%s: %s", f.Name, ret.Name, pf.Name, n)
					}
				}
			}
		}
		for _, m := range []string{
			`mutation { createEvent(input: {type: GROUP_CREATED}) { id } }`,
			`mutation($id: ID!) { updateEvent(id: $id, input: {}) { id } }`,
			`mutation($id: ID!) { deleteEvent(id: $id) { deletedID } }`,
			`mutation($id: ID!) { updateWebhookDelivery(id: $id, input: {status: DELIVERED}) { id } }`,
		} {
			for _, p := range []Persona{Owner, Admin} {
				before := env.For(t).Snapshot()
				r := readAs(t, env, p, m, map[string]any{"id": strconv.Itoa(ev.ID)})
				if len(r.Errors) == 0 || r.Code() != "GRAPHQL_VALIDATION_FAILED" {
					t.Errorf("as %s, %s: want a validation error, got %s", p, m, r.Body)
				}
				env.For(t).Unchanged(before)
			}
		}
	})

	writes := []struct {
		name string
		do   func(ctx context.Context) error
	}{
		{"create an event", func(ctx context.Context) error {
			_, err := env.Client.Event.Create().SetType(event.TypeGroupCreated).SetOccurredAt(time.Now()).
				SetActor("alice@acme").SetActorRole(auth.RoleSeller).SetSellerID(acme).SetSubjectID(ev.SubjectID).
				SetChanges([]schematype.FieldChange{}).Save(ctx)
			return err
		}},
		{"create events in bulk", func(ctx context.Context) error {
			return env.Client.Event.CreateBulk(env.Client.Event.Create().SetType(event.TypeProductCreated).
				SetActor("alice@acme").SetActorRole(auth.RoleSeller).SetSellerID(acme).SetSubjectID(1).
				SetChanges([]schematype.FieldChange{})).Exec(ctx)
		}},
		{"update an event", func(ctx context.Context) error {
			return env.Client.Event.UpdateOneID(ev.ID).ClearCustomerServiceGroupID().Exec(ctx)
		}},
		{"update events in bulk", func(ctx context.Context) error {
			_, err := env.Client.Event.Update().Where(event.SellerID(acme)).ClearCustomerServiceGroupID().Save(ctx)
			return err
		}},
		{"delete an event", func(ctx context.Context) error { return env.Client.Event.DeleteOneID(ev.ID).Exec(ctx) }},
		{"delete events in bulk", func(ctx context.Context) error {
			_, err := env.Client.Event.Delete().Where(event.SellerID(acme)).Exec(ctx)
			return err
		}},
		{"create a delivery", func(ctx context.Context) error {
			_, err := env.Client.WebhookDelivery.Create().SetEndpointID(dbID(t, created.ID)).SetEventID(sellerCreated.ID).
				SetNextAttemptAt(time.Now()).Save(ctx)
			return err
		}},
		{"mark a delivery delivered", func(ctx context.Context) error {
			return env.Client.WebhookDelivery.UpdateOneID(delivery.ID).SetStatus(webhookdelivery.StatusDelivered).ClearNextAttemptAt().Exec(ctx)
		}},
		{"delete a delivery", func(ctx context.Context) error {
			return env.Client.WebhookDelivery.DeleteOneID(delivery.ID).Exec(ctx)
		}},
	}
	for _, w := range writes {
		for _, p := range AllReaders {
			t.Run(w.name+"/"+string(p), func(t *testing.T) {
				before := env.For(t).Snapshot()
				err := w.do(auth.NewContext(context.Background(), viewerOf(t, env, p)))
				if !errors.Is(err, privacy.Deny) {
					t.Errorf("as %s: %s answered %v, want a privacy denial", p, w.name, err)
				}
				env.For(t).Unchanged(before)
			})
		}
	}
	// The writes themselves are well formed: the service's own context
	// makes the first one (so the denials above are the policy's).
	t.Run("as System", func(t *testing.T) {
		if err := writes[0].do(Sys()); err != nil {
			t.Fatalf("System cannot create an event: %v", err)
		}
	})
}

// --- Webhook endpoints ---------------------------------------------------

// publicHookURL is a public address given as an IP literal, so that the
// URL rules accept it with insecure endpoints off and without DNS.
const publicHookURL = "https://93.184.215.14/hooks"

// CreateEndpointM and DeleteEndpointM are the webhook mutations, with
// their payloads under "out".
const (
	CreateEndpointM = `mutation($in: CreateWebhookEndpointInput!) { out: createWebhookEndpoint(input: $in) {
		webhookEndpoint { id url eventTypes seller { id } createdAt } secret ` + userErrorFields + ` } }`
	DeleteEndpointM = `mutation($id: ID!) { out: deleteWebhookEndpoint(id: $id) { deletedID ` + userErrorFields + ` } }`
)

// endpointData is a WebhookEndpoint as CreateEndpointM reads it.
type endpointData struct {
	ID, URL    string
	EventTypes []string
	Seller     *nodeRef
	CreatedAt  time.Time
}

// endpointPayload is the payload of createWebhookEndpoint.
type endpointPayload struct {
	WebhookEndpoint *endpointData
	Secret          *string
	UserErrors      []UserError
}

// createEndpoint runs createWebhookEndpoint as p and returns the raw answer
// and its payload (nil when the answer has none).
func createEndpoint(t *testing.T, env *Env, p Persona, url string, types ...string) (Answer, *endpointPayload) {
	t.Helper()
	if types == nil {
		types = []string{}
	}
	a := readAs(t, env, p, CreateEndpointM, map[string]any{"in": map[string]any{"url": url, "eventTypes": types}})
	var out struct{ Out *endpointPayload }
	if err := json.Unmarshal(a.Data, &out); err != nil && len(a.Data) > 0 {
		t.Fatalf("decoding %s: %v", a.Data, err)
	}
	return a, out.Out
}

// createEndpointOK registers an endpoint as p that must be accepted.
func createEndpointOK(t *testing.T, env *Env, p Persona, url string, types ...string) endpointData {
	t.Helper()
	a, pl := createEndpoint(t, env, p, url, types...)
	if len(a.Errors) > 0 || pl == nil || len(pl.UserErrors) > 0 || pl.WebhookEndpoint == nil || pl.Secret == nil {
		t.Fatalf("as %s: registering %s: %s", p, url, a.Body)
	}
	return *pl.WebhookEndpoint
}

// wantEndpointRefused checks a payload with exactly one userError of code
// at field, and neither an endpoint nor a secret.
func wantEndpointRefused(t *testing.T, a Answer, pl *endpointPayload, code string, field []string) {
	t.Helper()
	if len(a.Errors) > 0 || pl == nil {
		t.Fatalf("want userErrors, got %s", a.Body)
	}
	if len(pl.UserErrors) != 1 || pl.UserErrors[0].Code != code || !slices.Equal(pl.UserErrors[0].Field, field) ||
		(field == nil) != (pl.UserErrors[0].Field == nil) || strings.TrimSpace(pl.UserErrors[0].Message) == "" {
		t.Errorf("userErrors = %+v, want one %s at %q with a message", pl.UserErrors, code, field)
	}
	if pl.WebhookEndpoint != nil || pl.Secret != nil {
		t.Errorf("a refused registration answers endpoint %+v and a secret (%v)", pl.WebhookEndpoint, pl.Secret != nil)
	}
}

// checkSecret checks a secret's form: "whsec_" and the base64 of at least
// 24 bytes.
func checkSecret(t *testing.T, secret string) {
	t.Helper()
	b64, ok := strings.CutPrefix(secret, "whsec_")
	if !ok {
		t.Fatalf("secret %q does not start with whsec_", secret)
	}
	key, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatalf("secret %q is not whsec_ + base64: %v", secret, err)
	}
	if len(key) < 24 {
		t.Errorf("secret key has %d bytes, want at least 24", len(key))
	}
}

// storedEndpoint reads an endpoint unfiltered; nil when it is gone.
func storedEndpoint(t *testing.T, env *Env, id string) *ent.WebhookEndpoint {
	t.Helper()
	ep, err := env.Client.WebhookEndpoint.Get(Sys(), dbID(t, id))
	if ent.IsNotFound(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return ep
}

// TestWebhookPrivacyCreate registers an endpoint as every persona: a seller
// registers one for its own seller, an admin one for every event (seller
// null), each with a fresh secret shown in the answer; reviewers,
// anonymous viewers and a seller token without a seller are FORBIDDEN and
// register nothing.
func TestWebhookPrivacyCreate(t *testing.T) {
	t.Parallel()
	env := NewEnv(t)
	secrets := map[string]bool{}
	for _, c := range []struct {
		p      Persona
		seller string // the endpoint's seller; "" for none
		ok     bool
	}{
		{Owner, env.OwnerSellerID, true},
		{OtherSeller, env.OtherSellerID, true},
		{Admin, "", true},
		{Reviewer, "", false},
		{Anonymous, "", false},
		{NoSellerAccount, "", false},
	} {
		t.Run(string(c.p), func(t *testing.T) {
			env := env.For(t)
			before := env.Snapshot()
			url := publicHookURL + "/" + strings.ReplaceAll(string(c.p), " ", "-")
			start := time.Now()
			a, pl := createEndpoint(t, env, c.p, url, "GROUP_CREATED", "PRODUCT_CREATED", "GROUP_CREATED")
			if !c.ok {
				wantForbidden(t, a, "out")
				env.Unchanged(before)
				return
			}
			if len(a.Errors) > 0 || pl == nil || len(pl.UserErrors) > 0 || pl.WebhookEndpoint == nil || pl.Secret == nil {
				t.Fatalf("registration refused: %s", a.Body)
			}
			ep := pl.WebhookEndpoint
			checkSecret(t, *pl.Secret)
			if secrets[*pl.Secret] {
				t.Errorf("secret %q was given to an earlier endpoint", *pl.Secret)
			}
			secrets[*pl.Secret] = true
			if ep.URL != url || !slices.Equal(ep.EventTypes, []string{"GROUP_CREATED", "PRODUCT_CREATED"}) {
				t.Errorf("endpoint reads {%s %v}, want {%s [GROUP_CREATED PRODUCT_CREATED]}", ep.URL, ep.EventTypes, url)
			}
			if refID(ep.Seller) != c.seller {
				t.Errorf("endpoint seller %q, want %q", refID(ep.Seller), c.seller)
			}
			if !Within(ep.CreatedAt, start, time.Now()) {
				t.Errorf("createdAt %s is not the time of the request", ep.CreatedAt)
			}
			stored := storedEndpoint(t, env, ep.ID)
			if stored == nil {
				t.Fatal("the endpoint is not stored")
			}
			if stored.Secret != *pl.Secret || stored.URL != url || idText(stored.SellerID) != c.seller {
				t.Errorf("stored {url %s seller %s, secret as answered: %v}, want {%s %s true}",
					stored.URL, idText(stored.SellerID), stored.Secret == *pl.Secret, url, c.seller)
			}
		})
	}
}

// TestWebhookPrivacySecretShownOnce: the schema has no secret field but the
// registration's payload, and no later answer carries an endpoint's secret
// — not the endpoints connection, node, nodes, events or another
// registration — for any persona, even when the query asks for it.
func TestWebhookPrivacySecretShownOnce(t *testing.T) {
	t.Parallel()
	env := NewEnv(t)
	s := graph.NewExecutableSchema(graph.Config{}).Schema()
	for name, def := range s.Types {
		for _, f := range def.Fields {
			if strings.Contains(strings.ToLower(f.Name), "secret") && name+"."+f.Name != "CreateWebhookEndpointPayload.secret" {
				t.Errorf("the schema exposes %s.%s", name, f.Name)
			}
		}
	}

	_, acme := createEndpoint(t, env, Owner, publicHookURL+"/acme", "GROUP_CREATED")
	a, admin := createEndpoint(t, env, Admin, publicHookURL+"/ops", "GROUP_CREATED")
	if acme == nil || admin == nil || acme.Secret == nil || admin.Secret == nil {
		t.Fatalf("registrations refused: %s", a.Body)
	}
	if bytes.Contains(a.Body, []byte(*acme.Secret)) {
		t.Errorf("the admin's registration answer carries acme's secret: %s", a.Body)
	}
	env.CreateGroup(Owner, GroupInput("Acme Support")) // a delivery to each endpoint
	type secret struct{ whole, key string }
	var secrets []secret
	for _, s := range []string{*acme.Secret, *admin.Secret} {
		secrets = append(secrets, secret{s, strings.TrimPrefix(s, "whsec_")})
	}
	ids := []string{acme.WebhookEndpoint.ID, admin.WebhookEndpoint.ID}
	const endpointSel = `id url eventTypes seller { id name } createdAt deliveries(first: 10) { totalCount edges { node { id status event { id type changes { field after } } } } }`
	reads := []struct {
		name, query string
		vars        map[string]any
		// reads is how many endpoints staff read in the answer.
		reads int
	}{
		{"webhookEndpoints", `{ webhookEndpoints(first: 50) { totalCount edges { node { ` + endpointSel + ` } } } }`, nil, 2},
		{"node", `query($id: ID!) { node(id: $id) { ... on WebhookEndpoint { ` + endpointSel + ` } } }`, map[string]any{"id": ids[0]}, 1},
		{"admin's node", `query($id: ID!) { node(id: $id) { ... on WebhookEndpoint { ` + endpointSel + ` } } }`, map[string]any{"id": ids[1]}, 1},
		{"nodes", `query($ids: [ID!]!) { nodes(ids: $ids) { ... on WebhookEndpoint { ` + endpointSel + ` } } }`, map[string]any{"ids": ids}, 2},
		{"events", `{ events(first: 100) { edges { node { ` + eventFields + ` } } } }`, nil, 0},
	}
	for _, rd := range reads {
		for _, p := range AllReaders {
			t.Run(rd.name+"/"+string(p), func(t *testing.T) {
				t.Parallel()
				a := readAs(t, env, p, rd.query, rd.vars)
				for _, s := range secrets {
					if bytes.Contains(a.Body, []byte(s.whole)) || bytes.Contains(a.Body, []byte(s.key)) {
						t.Errorf("the answer carries a secret: %s", a.Body)
					}
				}
				// Staff read the endpoints here, or the check above proves
				// nothing.
				if staffOnly[p] && rd.reads > 0 {
					n := bytes.Count(a.Body, []byte(`"url":`))
					if n != rd.reads {
						t.Errorf("staff read %d endpoints, want %d: %s", n, rd.reads, a.Body)
					}
				}
			})
		}
	}
	// Asking for a secret is a validation error that carries none.
	for _, p := range []Persona{Owner, Admin} {
		a := readAs(t, env, p, `{ webhookEndpoints { edges { node { id secret } } } }`, nil)
		if a.Code() != "GRAPHQL_VALIDATION_FAILED" {
			t.Errorf("as %s: asking for secret answers %s", p, a.Body)
		}
		for _, s := range secrets {
			if bytes.Contains(a.Body, []byte(s.key)) {
				t.Errorf("as %s: the refusal carries a secret: %s", p, a.Body)
			}
		}
	}
}

// TestWebhookPrivacyEndpointVisibility reads the endpoints of acme, globex
// and an admin through webhookEndpoints, node and nodes as every persona: a
// seller reads its own only, staff read every one, anonymous viewers are
// refused the connection and read null by ID.
func TestWebhookPrivacyEndpointVisibility(t *testing.T) {
	t.Parallel()
	env := NewEnv(t)
	type endpoint struct {
		name, url string
		ep        endpointData
		side      PersonaSet
	}
	endpoints := []*endpoint{
		{name: "acme's", url: publicHookURL + "/acme-endpoint", side: acmeSide},
		{name: "globex's", url: publicHookURL + "/globex-endpoint", side: globexSide},
		{name: "the admin's", url: publicHookURL + "/ops-endpoint", side: staffOnly},
	}
	endpoints[0].ep = createEndpointOK(t, env, Owner, endpoints[0].url, "GROUP_CREATED")
	endpoints[1].ep = createEndpointOK(t, env, OtherSeller, endpoints[1].url, "GROUP_CREATED")
	endpoints[2].ep = createEndpointOK(t, env, Admin, endpoints[2].url, "GROUP_CREATED")
	// hidden fails when the answer names an endpoint that p may not read.
	hidden := func(t *testing.T, p Persona, a Answer) {
		t.Helper()
		for _, e := range endpoints {
			if !e.side[p] && bytes.Contains(a.Body, []byte(e.url)) {
				t.Errorf("as %s: the answer shows %s endpoint: %s", p, e.name, a.Body)
			}
		}
	}
	for _, p := range AllReaders {
		t.Run("webhookEndpoints/"+string(p), func(t *testing.T) {
			t.Parallel()
			a := readAs(t, env, p, `{ webhookEndpoints(first: 50) { totalCount edges { node { id url seller { id } } } } }`, nil)
			hidden(t, p, a)
			if p == Anonymous {
				wantForbidden(t, a, "webhookEndpoints")
				return
			}
			var out struct {
				WebhookEndpoints struct {
					TotalCount int
					Edges      []struct {
						Node struct {
							ID, URL string
							Seller  *nodeRef
						}
					}
				}
			}
			Decode(t, a.Result, &out)
			var got, want []string
			for _, e := range out.WebhookEndpoints.Edges {
				got = append(got, e.Node.ID+" "+e.Node.URL+" "+refID(e.Node.Seller))
			}
			for _, e := range endpoints {
				if e.side[p] {
					want = append(want, e.ep.ID+" "+e.url+" "+refID(e.ep.Seller))
				}
			}
			sort.Strings(got)
			sort.Strings(want)
			if !slices.Equal(got, want) || out.WebhookEndpoints.TotalCount != len(want) {
				t.Errorf("endpoints %v (totalCount %d), want %v", got, out.WebhookEndpoints.TotalCount, want)
			}
		})
		for _, e := range endpoints {
			t.Run("node/"+e.name+"/"+string(p), func(t *testing.T) {
				t.Parallel()
				a := readAs(t, env, p, `query($id: ID!) { node(id: $id) { __typename ... on WebhookEndpoint { id url } } }`, map[string]any{"id": e.ep.ID})
				if len(a.Errors) > 0 {
					t.Fatalf("a hidden endpoint must read as null, not an error: %+v", a.Errors)
				}
				hidden(t, p, a)
				want := "null"
				if e.side[p] {
					want = fmt.Sprintf(`{"__typename":"WebhookEndpoint","id":%q,"url":%q}`, e.ep.ID, e.url)
				}
				JSONEq(t, a.Data, `{"node":`+want+`}`)
			})
		}
		t.Run("nodes/"+string(p), func(t *testing.T) {
			t.Parallel()
			ids := []string{endpoints[2].ep.ID, endpoints[1].ep.ID, endpoints[0].ep.ID}
			a := readAs(t, env, p, `query($ids: [ID!]!) { nodes(ids: $ids) { ... on WebhookEndpoint { id } } }`, map[string]any{"ids": ids})
			if len(a.Errors) > 0 {
				t.Fatalf("hidden endpoints must read as null, not errors: %+v", a.Errors)
			}
			hidden(t, p, a)
			var want []string
			for _, i := range []int{2, 1, 0} {
				if endpoints[i].side[p] {
					want = append(want, fmt.Sprintf(`{"id":%q}`, endpoints[i].ep.ID))
				} else {
					want = append(want, "null")
				}
			}
			JSONEq(t, a.Data, `{"nodes":[`+strings.Join(want, ",")+`]}`)
		})
	}
}

// TestWebhookPrivacyURLRules registers refused URLs: with insecure
// endpoints off (the default), only https:// to a public address; with
// them on, http:// and loopback addresses too, but never a URL with
// credentials or one that is not a URL. A refusal is a userError at its
// field and stores nothing.
func TestWebhookPrivacyURLRules(t *testing.T) {
	t.Parallel()
	env := NewEnv(t)
	insecure := env.Reconfigure(t, func(c *graph.HandlerConfig) { c.WebhookAllowInsecure = true })
	refusedSecure := []string{
		"http://example.com/hooks",
		"http://93.184.215.14/hooks",
		"https://127.0.0.1/",
		"https://localhost/",
		"https://10.0.0.1/",
		"https://192.168.1.10/hooks",
		"https://169.254.169.254/latest/meta-data/",
		"https://[::1]/",
		"https://[::ffff:127.0.0.1]/",
		"https://[fd00::1]/",
		"https://0.0.0.0/",
		"https://user:pw@example.com/",
		"https://user:pw@93.184.215.14/",
		"not a url",
		"/relative/path",
		"ftp://93.184.215.14/hooks",
		"https:///no-host",
		"https://93.184.215.14:0/hooks",
		"https://93.184.215.14:70000/hooks",
		"https://93.184.215.14/" + strings.Repeat("a", 2100),
	}
	for _, url := range refusedSecure {
		for _, p := range []Persona{Owner, Admin} {
			t.Run("secure/"+string(p)+"/"+truncateName(url), func(t *testing.T) {
				env := env.For(t)
				before := env.Snapshot()
				a, pl := createEndpoint(t, env, p, url, "GROUP_CREATED")
				wantEndpointRefused(t, a, pl, "INVALID", []string{"input", "url"})
				env.Unchanged(before)
			})
		}
	}
	for _, url := range []string{"not a url", "https://user:pw@127.0.0.1/", "http://user@127.0.0.1:9/x", "ftp://127.0.0.1/x", "http:///x"} {
		t.Run("insecure/"+truncateName(url), func(t *testing.T) {
			env := insecure.For(t)
			before := env.Snapshot()
			a, pl := createEndpoint(t, env, Owner, url, "GROUP_CREATED")
			wantEndpointRefused(t, a, pl, "INVALID", []string{"input", "url"})
			env.Unchanged(before)
		})
	}
	t.Run("no event types", func(t *testing.T) {
		for _, e := range []*Env{env.For(t), insecure.For(t)} {
			before := e.Snapshot()
			a, pl := createEndpoint(t, e, Owner, publicHookURL)
			wantEndpointRefused(t, a, pl, "REQUIRED", []string{"input", "eventTypes"})
			e.Unchanged(before)
		}
	})
	t.Run("accepted", func(t *testing.T) {
		for _, c := range []struct {
			env  *Env
			url  string
			name string
		}{
			{env, publicHookURL, "public https, insecure off"},
			{env, "https://93.184.215.14:8443/hooks?tenant=acme", "public https with port and query, insecure off"},
			{insecure, "http://127.0.0.1:9/x", "http to loopback, insecure on"},
			{insecure, "https://10.0.0.1/", "private address, insecure on"},
			{insecure, "http://[::1]:9/x", "IPv6 loopback, insecure on"},
		} {
			ep := createEndpointOK(t, c.env.For(t), Owner, c.url, "GROUP_CREATED")
			if ep.URL != c.url {
				t.Errorf("%s: stored URL %q, want %q", c.name, ep.URL, c.url)
			}
			if storedEndpoint(t, env.For(t), ep.ID) == nil {
				t.Errorf("%s: not stored", c.name)
			}
		}
	})
}

// truncateName shortens a URL for a subtest name.
func truncateName(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// TestWebhookPrivacyEndpointLimit: a seller has at most 10 endpoints; the
// 11th is LIMIT_EXCEEDED and stores nothing, while another seller and an
// admin still register theirs, and a deletion frees a place.
func TestWebhookPrivacyEndpointLimit(t *testing.T) {
	t.Parallel()
	env := NewEnv(t)
	var acme []string
	for i := range 10 {
		acme = append(acme, createEndpointOK(t, env, Owner, fmt.Sprintf("%s/%d", publicHookURL, i), "GROUP_CREATED").ID)
	}
	before := env.Snapshot()
	a, pl := createEndpoint(t, env, Owner, publicHookURL+"/eleventh", "GROUP_CREATED")
	wantEndpointRefused(t, a, pl, "LIMIT_EXCEEDED", nil)
	env.Unchanged(before)

	createEndpointOK(t, env, OtherSeller, publicHookURL+"/globex", "GROUP_CREATED")
	createEndpointOK(t, env, Admin, publicHookURL+"/ops", "GROUP_CREATED")
	if n := env.Client.WebhookEndpoint.Query().Where(webhookendpoint.SellerID(SellerInt(t, env.OwnerSellerID))).CountX(Sys()); n != 10 {
		t.Errorf("acme has %d endpoints, want 10", n)
	}
	env.MutateOK(Owner, DeleteEndpointM, map[string]any{"id": acme[3]})
	createEndpointOK(t, env, Owner, publicHookURL+"/eleventh", "GROUP_CREATED")
	before = env.Snapshot()
	a, pl = createEndpoint(t, env, Owner, publicHookURL+"/twelfth", "GROUP_CREATED")
	wantEndpointRefused(t, a, pl, "LIMIT_EXCEEDED", nil)
	env.Unchanged(before)
}

// dbID is an object's database ID, from its GraphQL ID.
func dbID(t *testing.T, id string) int {
	t.Helper()
	n, err := strconv.Atoi(id)
	if err != nil {
		t.Fatalf("ID %q is not a database ID: %v", id, err)
	}
	return n
}

// deliveriesOf returns the stored deliveries of an endpoint.
func deliveriesOf(t *testing.T, env *Env, endpointID string) []*ent.WebhookDelivery {
	t.Helper()
	ds, err := env.Client.WebhookDelivery.Query().Where(webhookdelivery.EndpointID(dbID(t, endpointID))).All(Sys())
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// TestWebhookPrivacyDelete deletes endpoints as every persona: the owner
// deletes its own and an admin any, with their deliveries; another seller
// gets NOT_FOUND for acme's (and acme for the admin's), a reviewer,
// anonymous viewers and a seller token without a seller are FORBIDDEN;
// none of these refusals changes anything.
func TestWebhookPrivacyDelete(t *testing.T) {
	t.Parallel()
	env := NewEnv(t, WithConfig(func(c *graph.HandlerConfig) { c.WebhookAllowInsecure = true }))
	const url = "http://127.0.0.1:9/hook"
	acme1 := createEndpointOK(t, env, Owner, url, "GROUP_CREATED").ID
	acme2 := createEndpointOK(t, env, Owner, url+"/2", "GROUP_CREATED").ID
	globex := createEndpointOK(t, env, OtherSeller, url, "GROUP_CREATED").ID
	admin := createEndpointOK(t, env, Admin, url, "GROUP_CREATED").ID
	groupID := env.CreateGroup(Owner, GroupInput("Acme Support"))
	env.CreateGroup(OtherSeller, GroupInput("Globex Support"))
	for id, n := range map[string]int{acme1: 1, acme2: 1, globex: 1, admin: 2} {
		if got := len(deliveriesOf(t, env, id)); got != n {
			t.Fatalf("set-up: endpoint %s has %d deliveries, want %d", id, got, n)
		}
	}
	events := env.Client.Event.Query().CountX(Sys())

	steps := []struct {
		name string
		p    Persona
		id   string
		// outcome: "" deleted, FORBIDDEN, or a userError code.
		outcome string
	}{
		{"reviewer deletes acme's", Reviewer, acme1, "FORBIDDEN"},
		{"anonymous deletes acme's", Anonymous, acme1, "FORBIDDEN"},
		{"seller without seller deletes acme's", NoSellerAccount, acme1, "FORBIDDEN"},
		{"other seller deletes acme's", OtherSeller, acme1, "NOT_FOUND"},
		{"other seller deletes the admin's", OtherSeller, admin, "NOT_FOUND"},
		{"owner deletes the admin's", Owner, admin, "NOT_FOUND"},
		{"owner deletes globex's", Owner, globex, "NOT_FOUND"},
		{"owner deletes a group ID", Owner, groupID, "NOT_FOUND"},
		{"owner deletes its own", Owner, acme1, ""},
		{"owner deletes it again", Owner, acme1, "NOT_FOUND"},
		{"admin deletes acme's", Admin, acme2, ""},
		{"admin deletes globex's", Admin, globex, ""},
		{"reviewer deletes the admin's", Reviewer, admin, "FORBIDDEN"},
		{"admin deletes its own", Admin, admin, ""},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			env := env.For(t)
			before := env.Snapshot()
			a := readAs(t, env, s.p, DeleteEndpointM, map[string]any{"id": s.id})
			switch s.outcome {
			case "FORBIDDEN":
				wantForbidden(t, a, "out")
				env.Unchanged(before)
			case "":
				pl, err := DecodePayload(a.Result)
				if err != nil || len(pl.UserErrors) > 0 || pl.DeletedID == nil || *pl.DeletedID != s.id {
					t.Fatalf("deletion refused (%v): %s", err, a.Body)
				}
				if storedEndpoint(t, env, s.id) != nil {
					t.Error("the endpoint is still stored")
				}
				if n := len(deliveriesOf(t, env, s.id)); n != 0 {
					t.Errorf("%d deliveries of the deleted endpoint are left", n)
				}
				if n := env.Client.Event.Query().CountX(Sys()); n != events {
					t.Errorf("deleting an endpoint changed the history: %d events, want %d", n, events)
				}
			default:
				pl, err := DecodePayload(a.Result)
				if err != nil {
					t.Fatal(err)
				}
				WantUserError(t, pl, s.outcome, []string{"id"})
				env.Unchanged(before)
			}
		})
	}
}

// --- Deliveries ----------------------------------------------------------

// deliveryWorld has three endpoints: acme's for GROUP_CREATED, globex's
// for PRODUCT_CREATED and an admin's for both. No worker runs, so every
// delivery stays as queued.
type deliveryWorld struct {
	env                 *Env
	acme, globex, admin endpointData
	hookURL             string
}

// newDeliveryWorld registers the endpoints on a new database, with insecure
// endpoints on (nothing listens at the URL, nothing needs to).
func newDeliveryWorld(t *testing.T, opts ...EnvOption) *deliveryWorld {
	t.Helper()
	opts = append([]EnvOption{WithConfig(func(c *graph.HandlerConfig) { c.WebhookAllowInsecure = true })}, opts...)
	d := &deliveryWorld{env: NewEnv(t, opts...), hookURL: "http://127.0.0.1:9/hook"}
	d.acme = createEndpointOK(t, d.env, Owner, d.hookURL, "GROUP_CREATED")
	d.globex = createEndpointOK(t, d.env, OtherSeller, d.hookURL, "PRODUCT_CREATED")
	d.admin = createEndpointOK(t, d.env, Admin, d.hookURL, "GROUP_CREATED", "PRODUCT_CREATED")
	return d
}

// lastEvent returns the newest event, unfiltered.
func lastEvent(t *testing.T, env *Env) *ent.Event {
	t.Helper()
	e, err := env.Client.Event.Query().Order(ent.Desc(event.FieldID)).First(Sys())
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestWebhookPrivacyDeliveriesQueued: a committed event queues one PENDING
// delivery, not yet attempted, for each endpoint that wants its type —
// the event's seller's own endpoints and the admins' — and none for
// another seller's endpoint or an unwanted type.
func TestWebhookPrivacyDeliveriesQueued(t *testing.T) {
	t.Parallel()
	d := newDeliveryWorld(t)
	env := d.env
	steps := []struct {
		name string
		act  func() string // returns the subject's ID
		typ  string
		want []endpointData
	}{
		{"acme creates a group", func() string { return env.CreateGroup(Owner, GroupInput("Acme Support")) },
			"GROUP_CREATED", []endpointData{d.acme, d.admin}},
		{"globex creates a group", func() string { return env.CreateGroup(OtherSeller, GroupInput("Globex Support")) },
			"GROUP_CREATED", []endpointData{d.admin}},
		{"acme creates a product", func() string { return env.CreateProduct(Owner, "Acme Compute", "") },
			"PRODUCT_CREATED", []endpointData{d.admin}},
		{"globex creates a product", func() string { return env.CreateProduct(OtherSeller, "Globex Storage", "") },
			"PRODUCT_CREATED", []endpointData{d.globex, d.admin}},
		{"acme submits pre-sales info", func() string {
			return env.SubmitPreSales(Owner, "+86 10 6552 9988", "presales@acme.example", "1 Acme Road, Beijing")
		}, "REVIEW_SUBMITTED", nil},
	}
	total := 0
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			env := env.For(t)
			start := time.Now()
			subject := s.act()
			end := time.Now()
			e := lastEvent(t, env)
			if e.Type.String() != s.typ || strconv.Itoa(e.SubjectID) != subject {
				t.Fatalf("newest event %s of %d, want %s of %s", e.Type, e.SubjectID, s.typ, subject)
			}
			ds, err := env.Client.WebhookDelivery.Query().Where(webhookdelivery.EventID(e.ID)).
				Order(ent.Asc(webhookdelivery.FieldEndpointID)).All(Sys())
			if err != nil {
				t.Fatal(err)
			}
			var got, want []string
			for _, dl := range ds {
				got = append(got, strconv.Itoa(dl.EndpointID))
				if dl.Status != webhookdelivery.StatusPending || dl.Attempts != 0 || dl.LastAttemptAt != nil ||
					dl.LastResponseStatus != nil || dl.NextAttemptAt == nil || !Within(*dl.NextAttemptAt, start, end) {
					t.Errorf("delivery %d to %d: {%s attempts %d last %v status %v next %v}, want {PENDING 0 nil nil now}",
						dl.ID, dl.EndpointID, dl.Status, dl.Attempts, dl.LastAttemptAt, dl.LastResponseStatus, dl.NextAttemptAt)
				}
			}
			for _, ep := range s.want {
				want = append(want, ep.ID)
			}
			sort.Strings(got)
			sort.Strings(want)
			if !slices.Equal(got, want) {
				t.Errorf("queued for endpoints %v, want %v", got, want)
			}
			total += len(s.want)
			if n := env.Client.WebhookDelivery.Query().CountX(Sys()); n != total {
				t.Errorf("%d deliveries in all, want %d (one per matching endpoint and event)", n, total)
			}
		})
	}

	// The same through GraphQL, as the endpoints' owners read them.
	const q = `query($id: ID!) { node(id: $id) { ... on WebhookEndpoint { deliveries(first: 10) { totalCount edges { node {
		id status attempts lastAttemptAt lastResponseStatus nextAttemptAt event { id type subjectID } } } } } } }`
	for _, c := range []struct {
		p     Persona
		ep    endpointData
		types []string
	}{
		{Owner, d.acme, []string{"GROUP_CREATED"}},
		{OtherSeller, d.globex, []string{"PRODUCT_CREATED"}},
		{Admin, d.admin, []string{"GROUP_CREATED", "GROUP_CREATED", "PRODUCT_CREATED", "PRODUCT_CREATED"}},
	} {
		var out struct {
			Node *struct {
				Deliveries struct {
					TotalCount int
					Edges      []struct {
						Node struct {
							ID, Status         string
							Attempts           int
							LastAttemptAt      *time.Time
							LastResponseStatus *int
							NextAttemptAt      *time.Time
							Event              *struct{ ID, Type, SubjectID string }
						}
					}
				}
			}
		}
		Decode(t, readOK(t, env, c.p, q, map[string]any{"id": c.ep.ID}).Result, &out)
		if out.Node == nil {
			t.Fatalf("%s cannot read its endpoint", c.p)
		}
		var types []string
		for _, e := range out.Node.Deliveries.Edges {
			n := e.Node
			if n.Event == nil {
				t.Errorf("%s: delivery %s reads no event", c.p, n.ID)
				continue
			}
			types = append(types, n.Event.Type)
			if n.Status != "PENDING" || n.Attempts != 0 || n.LastAttemptAt != nil || n.LastResponseStatus != nil || n.NextAttemptAt == nil {
				t.Errorf("%s: delivery %s reads {%s %d %v %v %v}", c.p, n.ID, n.Status, n.Attempts, n.LastAttemptAt, n.LastResponseStatus, n.NextAttemptAt)
			}
		}
		sort.Strings(types)
		if !slices.Equal(types, c.types) || out.Node.Deliveries.TotalCount != len(c.types) {
			t.Errorf("%s reads deliveries of %v (totalCount %d), want %v", c.p, types, out.Node.Deliveries.TotalCount, c.types)
		}
	}
}

// TestWebhookPrivacyDeliveryVisibility reads every delivery by node(id:)
// and through WebhookEndpoint.deliveries of every endpoint the viewer
// lists, as every persona: a delivery reads exactly as its endpoint does —
// its seller and staff for a seller's endpoint, staff only for an admin's
// (even of an acme event) — and its event with it.
func TestWebhookPrivacyDeliveryVisibility(t *testing.T) {
	t.Parallel()
	d := newDeliveryWorld(t)
	env := d.env
	env.CreateGroup(Owner, GroupInput("Acme Support"))
	env.CreateGroup(OtherSeller, GroupInput("Globex Support"))
	env.CreateProduct(Owner, "Acme Compute", "")
	env.CreateProduct(OtherSeller, "Globex Storage", "")
	sides := map[string]PersonaSet{d.acme.ID: acmeSide, d.globex.ID: globexSide, d.admin.ID: staffOnly}
	all, err := env.Client.WebhookDelivery.Query().Order(ent.Asc(webhookdelivery.FieldID)).All(Sys())
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 6 {
		t.Fatalf("set-up: %d deliveries, want 6", len(all))
	}
	for _, dl := range all {
		side := sides[strconv.Itoa(dl.EndpointID)]
		id := strconv.Itoa(dl.ID)
		for _, p := range AllReaders {
			t.Run(fmt.Sprintf("node/delivery %d to %d/%s", dl.ID, dl.EndpointID, p), func(t *testing.T) {
				t.Parallel()
				a := readAs(t, env, p, `query($id: ID!) { node(id: $id) { __typename ... on WebhookDelivery { id status event { id } } } }`, map[string]any{"id": id})
				if len(a.Errors) > 0 {
					t.Fatalf("a hidden delivery must read as null, not an error: %+v", a.Errors)
				}
				want := "null"
				if side[p] {
					want = fmt.Sprintf(`{"__typename":"WebhookDelivery","id":%q,"status":"PENDING","event":{"id":"%d"}}`, id, dl.EventID)
				}
				JSONEq(t, a.Data, `{"node":`+want+`}`)
			})
		}
	}
	for _, p := range AllReaders {
		t.Run("webhookEndpoints deliveries/"+string(p), func(t *testing.T) {
			t.Parallel()
			a := readAs(t, env, p, `{ webhookEndpoints(first: 10) { edges { node { id deliveries(first: 10) { totalCount edges { node { id event { id type } } } } } } } }`, nil)
			if p == Anonymous {
				wantForbidden(t, a, "webhookEndpoints")
				return
			}
			var out struct {
				WebhookEndpoints struct {
					Edges []struct {
						Node struct {
							ID         string
							Deliveries struct {
								TotalCount int
								Edges      []struct {
									Node struct {
										ID    string
										Event *struct{ ID, Type string }
									}
								}
							}
						}
					}
				}
			}
			Decode(t, a.Result, &out)
			var got, want []string
			for _, e := range out.WebhookEndpoints.Edges {
				if e.Node.Deliveries.TotalCount != len(e.Node.Deliveries.Edges) {
					t.Errorf("endpoint %s: totalCount %d for %d deliveries", e.Node.ID, e.Node.Deliveries.TotalCount, len(e.Node.Deliveries.Edges))
				}
				for _, dl := range e.Node.Deliveries.Edges {
					ev := "no event"
					if dl.Node.Event != nil {
						ev = dl.Node.Event.ID
					}
					got = append(got, e.Node.ID+"/"+dl.Node.ID+"/"+ev)
				}
			}
			for _, dl := range all {
				if sides[strconv.Itoa(dl.EndpointID)][p] {
					want = append(want, fmt.Sprintf("%d/%d/%d", dl.EndpointID, dl.ID, dl.EventID))
				}
			}
			sort.Strings(got)
			sort.Strings(want)
			if !slices.Equal(got, want) {
				t.Errorf("deliveries read %v, want %v", got, want)
			}
		})
	}
}

// commitFailingDriver refuses to commit while armed: the transaction is
// rolled back as if the database had failed at the last moment, after the
// mutation recorded its events and queued their deliveries.
type commitFailingDriver struct {
	dialect.Driver
	armed *atomic.Bool
}

func (d commitFailingDriver) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := d.Driver.Tx(ctx)
	if err != nil {
		return nil, err
	}
	return commitFailingTx{Tx: tx, armed: d.armed}, nil
}

// commitFailingTx is a transaction of commitFailingDriver.
type commitFailingTx struct {
	dialect.Tx
	armed *atomic.Bool
}

func (t commitFailingTx) Commit() error {
	if t.armed.Load() {
		_ = t.Tx.Rollback()
		return errors.New("the test refused the commit")
	}
	return t.Tx.Commit()
}

// TestWebhookPrivacyFailedMutationQueuesNothing: with endpoints that want
// every group event, a mutation that fails — a bad input, a duplicate, the
// group limit, another seller's ID, a forbidden viewer, or a commit that
// fails after the events were recorded — records no event and queues no
// delivery; the same mutation, once it succeeds, queues them.
func TestWebhookPrivacyFailedMutationQueuesNothing(t *testing.T) {
	t.Parallel()
	var armed atomic.Bool
	d := newDeliveryWorld(t, WithLogs(), WithDriver(func(drv dialect.Driver) dialect.Driver {
		return commitFailingDriver{Driver: drv, armed: &armed}
	}))
	env := d.env
	types := []string{"GROUP_CREATED", "GROUP_UPDATED", "GROUP_DELETED", "PRODUCT_CREATED"}
	createEndpointOK(t, env, Owner, d.hookURL+"/all", types...)
	createEndpointOK(t, env, Admin, d.hookURL+"/all", types...)
	var groups []string
	for i := range 5 {
		groups = append(groups, env.CreateGroup(Owner, GroupInput(fmt.Sprintf("Acme Support %d", i+1))))
	}
	cases := []struct {
		name     string
		p        Persona
		mutation string
		vars     map[string]any
		code     string // a userError code; "" for a GraphQL error
	}{
		{"bad phone", Owner, CreateGroupM, map[string]any{"in": GroupInputWith("Acme New", map[string]any{"phone": "12"})}, "INVALID"},
		{"duplicate name", Owner, CreateGroupM, map[string]any{"in": GroupInput("acme support 1")}, "CONFLICT"},
		{"another seller's group", OtherSeller, UpdateGroupM, map[string]any{"id": groups[0], "in": GroupInput("Taken Over")}, "NOT_FOUND"},
		{"another seller deletes", OtherSeller, DeleteGroupM, map[string]any{"id": groups[0]}, "NOT_FOUND"},
		{"reviewer creates a group", Reviewer, CreateGroupM, map[string]any{"in": GroupInput("Ops Group")}, ""},
		{"product with another seller's group", OtherSeller, CreateProductM,
			map[string]any{"in": map[string]any{"name": "Globex X", "afterSalesGroupID": groups[0]}}, "NOT_FOUND"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env := env.For(t)
			before := env.Snapshot()
			r := env.Do(c.p, c.mutation, c.vars)
			if c.code == "" {
				if r.Code() != "FORBIDDEN" {
					t.Errorf("code %q, want FORBIDDEN", r.Code())
				}
			} else {
				pl, err := DecodePayload(r)
				if err != nil {
					t.Fatal(err)
				}
				if len(pl.UserErrors) == 0 || pl.UserErrors[0].Code != c.code {
					t.Errorf("userErrors %+v, want %s", pl.UserErrors, c.code)
				}
			}
			env.Unchanged(before)
		})
	}
	// The sixth group, then the seventh: LIMIT_EXCEEDED queues nothing.
	env.CreateGroup(Owner, GroupInput("Acme Support 6"))
	t.Run("seventh group", func(t *testing.T) {
		env := env.For(t)
		before := env.Snapshot()
		WantUserError(t, env.Mutate(Owner, CreateGroupM, map[string]any{"in": GroupInput("Acme Support 7")}), "LIMIT_EXCEEDED", nil)
		env.Unchanged(before)
	})

	// A commit that fails after the mutation recorded its event and queued
	// its deliveries leaves neither; the same mutation then queues them.
	for _, c := range []struct {
		name     string
		mutation string
		vars     map[string]any
		typ      string
	}{
		{"update", UpdateGroupM, map[string]any{"id": groups[1], "in": GroupInput("Acme Renamed")}, "GROUP_UPDATED"},
		{"delete", DeleteGroupM, map[string]any{"id": groups[2]}, "GROUP_DELETED"},
		{"product", CreateProductM, map[string]any{"in": map[string]any{"name": "Acme Compute"}}, "PRODUCT_CREATED"},
	} {
		t.Run("failed commit/"+c.name, func(t *testing.T) {
			env := env.For(t)
			before := env.Snapshot()
			deliveries := env.Client.WebhookDelivery.Query().CountX(Sys())
			a := func() Answer {
				armed.Store(true)
				defer armed.Store(false)
				return env.Send(Request{As: Owner, Body: GQL(c.mutation, c.vars), AllowInternal: true})
			}()
			if a.Code() != "INTERNAL" {
				t.Fatalf("a failed commit answers %s", a.Body)
			}
			env.Unchanged(before)

			env.MutateOK(Owner, c.mutation, c.vars)
			e := lastEvent(t, env)
			if e.Type.String() != c.typ {
				t.Fatalf("newest event %s, want %s", e.Type, c.typ)
			}
			want := 3 // acme's "all", the admin's "all", and the admin's of the world
			if c.typ == "GROUP_UPDATED" || c.typ == "GROUP_DELETED" {
				want = 2
			}
			if n := env.Client.WebhookDelivery.Query().Where(webhookdelivery.EventID(e.ID)).CountX(Sys()); n != want {
				t.Errorf("the committed %s queued %d deliveries, want %d", c.typ, n, want)
			}
			if n := env.Client.WebhookDelivery.Query().CountX(Sys()); n != deliveries+want {
				t.Errorf("%d deliveries, want %d", n, deliveries+want)
			}
		})
	}
}

// A seller's webhook endpoints go with the seller: were they kept with no
// seller, they would read as admin endpoints and receive every seller's
// events.
func TestWebhookEndpointsGoWithTheirSeller(t *testing.T) {
	env := NewEnv(t, WithConfig(func(c *graph.HandlerConfig) { c.WebhookAllowInsecure = true }))
	gone := env.CreateSeller("gone", "Gone Ltd")
	pl := env.Mutate(SellerOf("gone"), `mutation($in: CreateWebhookEndpointInput!) { out: createWebhookEndpoint(input: $in) { webhookEndpoint { id } userErrors { field message code } } }`,
		map[string]any{"in": map[string]any{"url": "http://127.0.0.1:9/hook", "eventTypes": []string{"GROUP_CREATED"}}})
	if n, err := env.Client.WebhookEndpoint.Query().Count(Sys()); len(pl.UserErrors) > 0 || err != nil || n != 1 {
		t.Fatalf("creating the endpoint: %+v, %v; %d endpoint(s)", pl.UserErrors, err, n)
	}
	if err := env.Client.Seller.DeleteOneID(SellerInt(t, gone)).Exec(Sys()); err != nil {
		t.Fatalf("deleting the seller: %v", err)
	}
	n, err := env.Client.WebhookEndpoint.Query().Count(Sys())
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("%d endpoint(s) outlived their seller", n)
	}
}
