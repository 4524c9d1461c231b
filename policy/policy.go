// Package policy is the one place that says who may read and change what.
//
//   - policy.go: which rows each viewer reads and writes, as ent privacy
//     policies, so every path through the graph (node, nodes, edges,
//     connections, mutations) runs the same rules; a row a viewer may not
//     read is filtered away and reads as "not found".
//   - fields.go: who reads each field of the GraphQL schema (a seller's
//     private fields and lists, the root fields only some viewers run).
//   - byid.go: the path rule of node and nodes (sellers and groups are read
//     by others only through a released product).
//   - operations.go: who runs each kind of operation (submissions,
//     decisions, registering sellers, webhook endpoints).
//
// Nothing outside this package looks at a viewer's role to decide what it
// may do: it asks one of these.
package policy

import (
	"context"
	"fmt"

	"entgo.io/ent"
	"entgo.io/ent/dialect/sql"
	"entgo.io/ent/entql"

	"servicesupport/auth"
	gen "servicesupport/ent"
	"servicesupport/ent/customerservicegroup"
	"servicesupport/ent/predicate"
	"servicesupport/ent/privacy"
	"servicesupport/ent/product"
	"servicesupport/ent/productcount"
	"servicesupport/ent/review"
	"servicesupport/ent/seller"
)

// System returns a context in which privacy rules allow everything. It is for
// the service's own work after it has authorised the viewer (the side effects
// of an approval, the public pre-sales projection, the seller lookup of a
// token, seeding); never for anything a client asks directly.
func System(ctx context.Context) context.Context {
	return privacy.DecisionContext(ctx, privacy.Allow)
}

// released matches products a customer may see.
var released = product.StatusEQ(product.StatusReleased)

// Seller: staff read all; others read their own seller and sellers with a
// released product (whose private fields and lists only the seller itself
// and staff read: see fields.go; by ID only those: see byid.go). Only
// admins create sellers; updates happen as System side effects.
func Seller() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{
			privacy.SellerQueryRuleFunc(func(ctx context.Context, q *gen.SellerQuery) error {
				v := auth.FromContext(ctx)
				if !v.IsStaff() {
					q.Where(seller.Or(seller.ID(v.SellerID), seller.HasProductsWith(released)))
				}
				return privacy.Allow
			}),
		},
		Mutation: privacy.MutationPolicy{
			privacy.OnMutationOperation(privacy.MutationRuleFunc(func(ctx context.Context, _ ent.Mutation) error {
				if MayCreateSeller(ctx) != nil {
					return privacy.Denyf("only admins create sellers")
				}
				return privacy.Allow
			}), ent.OpCreate),
			privacy.AlwaysDenyRule(),
		},
	}
}

// Contact: a seller reads its own revisions, staff read all, nobody else any.
// Revisions are created by their seller and never changed afterwards.
func Contact() ent.Policy {
	return privacy.Policy{
		Query:    ownRowsOrStaff(),
		Mutation: privacy.MutationPolicy{ownerCreates(), privacy.AlwaysDenyRule()},
	}
}

// CustomerServiceGroup: the owner and staff read it; others read only groups
// that a released product selects (and by ID not even those: see byid.go).
// Only the owner changes it.
func CustomerServiceGroup() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{
			privacy.CustomerServiceGroupQueryRuleFunc(func(ctx context.Context, q *gen.CustomerServiceGroupQuery) error {
				v := auth.FromContext(ctx)
				if !v.IsStaff() {
					q.Where(customerservicegroup.Or(
						customerservicegroup.SellerID(v.SellerID),
						customerservicegroup.HasProductsWith(released),
					))
				}
				return privacy.Allow
			}),
		},
		Mutation: privacy.MutationPolicy{ownerCreates(), ownerChanges(), privacy.AlwaysDenyRule()},
	}
}

// Product: the owner reads all of its products, removed ones included;
// staff read every product that is not removed; others read only released
// products. Only the owner changes it; review decisions change its status
// as a System side effect.
func Product() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{
			privacy.ProductQueryRuleFunc(func(ctx context.Context, q *gen.ProductQuery) error {
				q.Where(predicate.Product(visibleProducts(auth.FromContext(ctx))))
				return privacy.Allow
			}),
		},
		Mutation: privacy.MutationPolicy{
			systemOnly(map[string]string{product.FieldStatus: product.StatusDraft.String(), product.FieldReleasedAt: ""}),
			ownerCreates(), ownerChanges(), privacy.AlwaysDenyRule(),
		},
	}
}

// ReadWithProduct are the edges of a product that whoever reads the product
// reads too, so that the graph layer may read them in the product's own
// query rather than through their own policies: its seller (a viewer reads
// a product it owns, as staff, or released — and the Seller policy shows
// its own seller to a seller, every seller to staff, and to everybody a
// seller with a released product) and its after-sales group (likewise: its
// own group, as staff, or a group that a released product selects; the
// service only lets a product select its own seller's group). What their
// fields show still follows fields.go.
var ReadWithProduct = map[string]bool{"seller": true, "afterSalesGroup": true}

// visibleProducts is the rule of Product's query policy, on the columns
// seller_id and status, so that it applies alike to the products and to
// their counts (VisibleProductCounts). A viewer without a seller matches
// released products only: "seller_id = 0 OR status = 'RELEASED'" would keep
// the planner from using the status indexes.
func visibleProducts(v *auth.Viewer) func(*sql.Selector) {
	return func(s *sql.Selector) {
		status := s.C(product.FieldStatus)
		switch {
		case v.IsStaff():
			s.Where(sql.NEQ(status, product.StatusRemoved.String()))
		case v.SellerID == 0:
			s.Where(sql.EQ(status, product.StatusReleased.String()))
		default:
			s.Where(sql.Or(sql.EQ(s.C(product.FieldSellerID), v.SellerID), sql.EQ(status, product.StatusReleased.String())))
		}
	}
}

// VisibleProductCounts matches the rows of product_counts that count the
// products the viewer in ctx may see (visibleProducts): the sum of their n
// is the size of the viewer's unfiltered product list. Released products,
// and every product for staff, are summed from the totals rows (seller_id
// one of CountShards: at most 16 rows, whatever the number of sellers); a
// seller's own products that are not released from its own rows.
func VisibleProductCounts(ctx context.Context) predicate.ProductCount {
	v := auth.FromContext(ctx)
	return func(s *sql.Selector) {
		status, sellerID := s.C(productcount.FieldStatus), s.C(productcount.FieldSellerID)
		totals := sql.In(sellerID, countShards...)
		released := product.StatusReleased.String()
		switch {
		case v.IsStaff():
			s.Where(sql.And(totals, sql.NEQ(status, product.StatusRemoved.String())))
		case v.SellerID == 0:
			s.Where(sql.And(totals, sql.EQ(status, released)))
		default:
			s.Where(sql.Or(
				sql.And(totals, sql.EQ(status, released)),
				sql.And(sql.EQ(sellerID, v.SellerID), sql.NEQ(status, released)),
			))
		}
	}
}

// CountShards is how many totals rows product_counts keeps per status: the
// row of shard k (seller_id -1-k) sums the rows of the sellers whose id is
// k modulo CountShards (migration product_count_totals).
const CountShards = 16

// countShards are the totals rows' seller_id values.
var countShards = func() []any {
	out := make([]any, CountShards)
	for k := range out {
		out[k] = -1 - k
	}
	return out
}()

// ProductCount: the counters behind totalCount are read by the graph
// layer as System, with VisibleProductCounts; nobody reads or writes them
// directly (database triggers keep them).
func ProductCount() ent.Policy { return nobody() }

// Review: its seller and staff read it. The seller submits and withdraws its
// own; staff decide any.
func Review() ent.Policy {
	return privacy.Policy{
		Query: ownRowsOrStaff(),
		Mutation: privacy.MutationPolicy{
			systemOnly(map[string]string{
				review.FieldStatus: review.StatusPending.String(), review.FieldDecidedBy: "",
				review.FieldDecidedAt: "", review.FieldComment: "",
			}),
			ownerCreates(),
			privacy.AlwaysDenyRule(),
		},
	}
}

// systemOnly denies any mutation that sets or clears one of the fields
// (beyond a new row's initial value, "" for none): statuses and decisions
// change only as the side effect of an operation the service has
// authorised, which runs as System (whose context skips every rule). No
// other path, a generated mutation or a direct client call, lets a seller
// release its own product or decide its own review.
func systemOnly(initial map[string]string) privacy.MutationRule {
	return privacy.MutationRuleFunc(func(_ context.Context, m ent.Mutation) error {
		for _, name := range m.ClearedFields() {
			if _, guarded := initial[name]; guarded {
				return privacy.Denyf("%s.%s changes only through the workflow", m.Type(), name)
			}
		}
		for name, first := range initial {
			v, set := m.Field(name)
			if !set {
				continue
			}
			if m.Op().Is(ent.OpCreate) && first != "" && fmt.Sprint(v) == first {
				continue
			}
			return privacy.Denyf("%s.%s changes only through the workflow", m.Type(), name)
		}
		return privacy.Skip
	})
}

// sellerFilter is the typed privacy filter (ent/entql.go) of every
// seller-owned entity, for its queries and its mutations alike.
type sellerFilter interface {
	WhereSellerID(entql.IntP)
}

// onlyOwn narrows f to the rows of the viewer's seller; for a viewer
// without a seller (SellerID 0) it matches nothing.
func onlyOwn(f privacy.Filter, v *auth.Viewer) error {
	owned, ok := f.(sellerFilter)
	if !ok {
		return privacy.Denyf("%T is not owned by a seller", f)
	}
	owned.WhereSellerID(entql.IntEQ(v.SellerID))
	return privacy.Allow
}

// ownRowsOrStaff lets staff read every row of a seller-owned entity and
// everyone else only the rows of its own seller.
func ownRowsOrStaff() privacy.QueryPolicy {
	return privacy.QueryPolicy{
		privacy.FilterFunc(func(ctx context.Context, f privacy.Filter) error {
			v := auth.FromContext(ctx)
			if v.IsStaff() {
				return privacy.Allow
			}
			return onlyOwn(f, v)
		}),
	}
}

// sellerOwned is implemented by the mutations of every seller-owned entity.
type sellerOwned interface {
	SellerID() (int, bool)
}

// ownerCreates allows a create only when it is for the viewer's own seller.
func ownerCreates() privacy.MutationRule {
	return privacy.OnMutationOperation(privacy.MutationRuleFunc(func(ctx context.Context, m ent.Mutation) error {
		if o, ok := m.(sellerOwned); ok {
			if id, set := o.SellerID(); set && auth.FromContext(ctx).Owns(id) {
				return privacy.Allow
			}
		}
		return privacy.Denyf("only the owning seller may create a %s", m.Type())
	}), ent.OpCreate)
}

// ownerChanges narrows a seller's updates and deletes to its own rows, so
// another seller's ID behaves as if it did not exist.
func ownerChanges() privacy.MutationRule {
	return privacy.OnMutationOperation(privacy.FilterFunc(func(ctx context.Context, f privacy.Filter) error {
		v := auth.FromContext(ctx)
		if !v.IsSeller() {
			return privacy.Denyf("only the owning seller may change this")
		}
		return onlyOwn(f, v)
	}), ent.OpUpdate|ent.OpUpdateOne|ent.OpDelete|ent.OpDeleteOne)
}

// Event: staff read every event, a seller its own seller's, nobody else
// any (the events connection refuses anonymous viewers outright: see
// fields.go). Events are written only by the service, as System, and never
// changed.
func Event() ent.Policy {
	return privacy.Policy{
		Query:    ownRowsOrStaff(),
		Mutation: privacy.MutationPolicy{privacy.AlwaysDenyRule()},
	}
}

// WebhookEndpoint: staff read every endpoint, a seller its own. A seller
// registers endpoints for itself and an admin for every event (no
// seller); the owner or an admin deletes one. Nothing else changes it.
func WebhookEndpoint() ent.Policy {
	return privacy.Policy{
		Query: ownRowsOrStaff(),
		Mutation: privacy.MutationPolicy{
			privacy.OnMutationOperation(privacy.MutationRuleFunc(func(ctx context.Context, m ent.Mutation) error {
				v := auth.FromContext(ctx)
				id, set := m.(sellerOwned).SellerID()
				switch {
				case set && v.Owns(id):
					return privacy.Allow
				case !set && v.IsAdmin():
					return privacy.Allow
				}
				return privacy.Denyf("a seller registers endpoints for itself, an admin for every event")
			}), ent.OpCreate),
			privacy.OnMutationOperation(privacy.FilterFunc(func(ctx context.Context, f privacy.Filter) error {
				v := auth.FromContext(ctx)
				switch {
				case v.IsAdmin():
					return privacy.Allow
				case v.IsSeller():
					return onlyOwn(f, v)
				}
				return privacy.Denyf("only the owning seller or an admin may delete an endpoint")
			}), ent.OpDelete|ent.OpDeleteOne),
			privacy.AlwaysDenyRule(),
		},
	}
}

// WebhookDelivery: readable by whoever reads its endpoint (the endpoint's
// seller is kept on the delivery for the filter); written only by the
// service and the delivery workers, as System.
func WebhookDelivery() ent.Policy {
	return privacy.Policy{
		Query:    ownRowsOrStaff(),
		Mutation: privacy.MutationPolicy{privacy.AlwaysDenyRule()},
	}
}

// PersistedQuery: no viewer reads or writes the documents of automatic
// persisted queries; the GraphQL layer does, as System, for the APQ
// protocol.
func PersistedQuery() ent.Policy {
	return nobody()
}

// nobody is the policy of rows that belong to the server, not to a viewer.
func nobody() ent.Policy {
	return privacy.Policy{
		Query:    privacy.QueryPolicy{privacy.AlwaysDenyRule()},
		Mutation: privacy.MutationPolicy{privacy.AlwaysDenyRule()},
	}
}

// IdempotencyKey: the kept answers to retried requests belong to the HTTP
// edge alone. No viewer reads or writes them, whatever its role; package
// idempotency does, as System, for the Idempotency-Key protocol.
func IdempotencyKey() ent.Policy {
	return privacy.Policy{
		Query:    privacy.QueryPolicy{privacy.AlwaysDenyRule()},
		Mutation: privacy.MutationPolicy{privacy.AlwaysDenyRule()},
	}
}
