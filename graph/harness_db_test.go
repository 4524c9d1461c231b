package graph_test

// Snapshots of the database, for "changed nothing" checks.

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"servicesupport/ent"
	"servicesupport/ent/contact"
	"servicesupport/ent/customerservicegroup"
	"servicesupport/ent/event"
	"servicesupport/ent/product"
	"servicesupport/ent/review"
	"servicesupport/ent/seller"
	"servicesupport/ent/webhookdelivery"
	"servicesupport/ent/webhookendpoint"
	"servicesupport/policy"
)

// Sys is a context in which tests read the database unfiltered.
func Sys() context.Context { return policy.System(context.Background()) }

// SellerInt is a seller's database ID.
func SellerInt(t testing.TB, id string) int {
	t.Helper()
	n, err := strconv.Atoi(id)
	if err != nil {
		t.Fatalf("seller ID %q is not the database ID: %v", id, err)
	}
	return n
}

// Snapshot renders every row of every table, ordered by ID, one row a
// line, so that any write shows as a difference. With sellerIDs, only the
// rows of those sellers: the sellers and their contacts, groups, products,
// reviews, events, webhook endpoints and deliveries (no persisted queries,
// which belong to no seller). A failed mutation that recorded an event or
// queued a delivery shows here too.
func (e *Env) Snapshot(sellerIDs ...string) string {
	e.t.Helper()
	ctx := Sys()
	sq, cq, gq, pq, rq := e.Client.Seller.Query(), e.Client.Contact.Query(), e.Client.CustomerServiceGroup.Query(), e.Client.Product.Query(), e.Client.Review.Query()
	eq, wq, dq := e.Client.Event.Query(), e.Client.WebhookEndpoint.Query(), e.Client.WebhookDelivery.Query()
	if sellerIDs != nil {
		ids := make([]int, len(sellerIDs))
		for i, s := range sellerIDs {
			ids[i] = SellerInt(e.t, s)
		}
		sq.Where(seller.IDIn(ids...))
		cq.Where(contact.SellerIDIn(ids...))
		gq.Where(customerservicegroup.SellerIDIn(ids...))
		pq.Where(product.SellerIDIn(ids...))
		rq.Where(review.SellerIDIn(ids...))
		eq.Where(event.SellerIDIn(ids...))
		wq.Where(webhookendpoint.SellerIDIn(ids...))
		dq.Where(webhookdelivery.SellerIDIn(ids...))
	}
	sellers, err := sq.Order(ent.Asc("id")).All(ctx)
	e.snapshotErr(err)
	contacts, err := cq.Order(ent.Asc("id")).All(ctx)
	e.snapshotErr(err)
	groups, err := gq.Order(ent.Asc("id")).All(ctx)
	e.snapshotErr(err)
	products, err := pq.Order(ent.Asc("id")).All(ctx)
	e.snapshotErr(err)
	reviews, err := rq.Order(ent.Asc("id")).All(ctx)
	e.snapshotErr(err)
	events, err := eq.Order(ent.Asc("id")).All(ctx)
	e.snapshotErr(err)
	endpoints, err := wq.Order(ent.Asc("id")).All(ctx)
	e.snapshotErr(err)
	deliveries, err := dq.Order(ent.Asc("id")).All(ctx)
	e.snapshotErr(err)
	var queries []*ent.PersistedQuery
	if sellerIDs == nil {
		queries, err = e.Client.PersistedQuery.Query().Order(ent.Asc("id")).All(ctx)
		e.snapshotErr(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "sellers=%d contacts=%d groups=%d products=%d reviews=%d events=%d webhook_endpoints=%d webhook_deliveries=%d persisted_queries=%d\n",
		len(sellers), len(contacts), len(groups), len(products), len(reviews), len(events), len(endpoints), len(deliveries), len(queries))
	for _, rows := range []any{sellers, contacts, groups, products, reviews, events, endpoints, deliveries, queries} {
		list, err := json.Marshal(rows)
		e.snapshotErr(err)
		var each []json.RawMessage
		e.snapshotErr(json.Unmarshal(list, &each))
		for _, row := range each {
			b.Write(row)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func (e *Env) snapshotErr(err error) {
	e.t.Helper()
	if err != nil {
		e.t.Fatalf("snapshot: %v", err)
	}
}

// Unchanged fails, listing the rows that differ, when the database (or the
// rows of sellerIDs) no longer matches the snapshot before.
func (e *Env) Unchanged(before string, sellerIDs ...string) {
	e.t.Helper()
	SameSnapshot(e.t, before, e.Snapshot(sellerIDs...))
}

// SameSnapshot fails the test with the rows that differ.
func SameSnapshot(t testing.TB, before, after string) {
	t.Helper()
	if before == after {
		return
	}
	was := strings.Split(before, "\n")
	now := strings.Split(after, "\n")
	var diff []string
	for _, l := range was {
		if !slices.Contains(now, l) {
			diff = append(diff, "- "+l)
		}
	}
	for _, l := range now {
		if !slices.Contains(was, l) {
			diff = append(diff, "+ "+l)
		}
	}
	t.Errorf("the database changed:\n%s", strings.Join(diff, "\n"))
}
