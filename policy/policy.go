// Package policy declares who may read and change what, once, as ent privacy
// policies: every path through the graph (node, nodes, edges, connections,
// mutations) runs the same rules. Reads that a viewer may not make are
// filtered away, so a hidden object reads as "not found".
package policy

import (
	"context"
	"fmt"

	"entgo.io/ent"
	"entgo.io/ent/entql"

	"servicesupport/auth"
	"servicesupport/ent/privacy"
)

// System returns a context in which privacy rules allow everything. It is for
// the service's own work after it has authorised the viewer (the side effects
// of an approval, the public pre-sales projection, the seller lookup of a
// token, seeding); never for anything a client asks directly.
func System(ctx context.Context) context.Context {
	return privacy.DecisionContext(ctx, privacy.Allow)
}

// released matches products a customer may see.
var released = entql.FieldEQ("status", "RELEASED")

// Seller: staff read all; others read their own seller and sellers with a
// released product (whose private fields and edges are guarded elsewhere).
// Only admins create sellers; updates happen as System side effects.
func Seller() ent.Policy {
	return privacy.Policy{
		Query: readRules(func(v *auth.Viewer) entql.P {
			return entql.Or(entql.FieldEQ("id", v.SellerID), entql.HasEdgeWith("products", released))
		}),
		Mutation: privacy.MutationPolicy{
			privacy.OnMutationOperation(privacy.MutationRuleFunc(func(ctx context.Context, _ ent.Mutation) error {
				if auth.FromContext(ctx).IsAdmin() {
					return privacy.Allow
				}
				return privacy.Denyf("only admins create sellers")
			}), ent.OpCreate),
			privacy.AlwaysDenyRule(),
		},
	}
}

// Contact: a seller reads its own revisions, staff read all, nobody else any.
// Revisions are created by their seller and never changed afterwards.
func Contact() ent.Policy {
	return privacy.Policy{
		Query:    readRules(ownedBy),
		Mutation: privacy.MutationPolicy{ownerCreates(), privacy.AlwaysDenyRule()},
	}
}

// CustomerServiceGroup: the owner and staff read it; others read only groups
// that a released product selects. Only the owner changes it.
func CustomerServiceGroup() ent.Policy {
	return privacy.Policy{
		Query: readRules(func(v *auth.Viewer) entql.P {
			return entql.Or(ownedBy(v), entql.HasEdgeWith("products", released))
		}),
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
			privacy.FilterFunc(func(ctx context.Context, f privacy.Filter) error {
				v := auth.FromContext(ctx)
				switch {
				case v.IsStaff():
					f.Where(entql.FieldNEQ("status", "REMOVED"))
				default:
					f.Where(entql.Or(ownedBy(v), released))
				}
				return privacy.Allow
			}),
		},
		Mutation: privacy.MutationPolicy{
			systemOnly(map[string]string{"status": "DRAFT", "released_at": ""}),
			ownerCreates(), ownerChanges(), privacy.AlwaysDenyRule(),
		},
	}
}

// Review: its seller and staff read it. The seller submits and withdraws its
// own; staff decide any.
func Review() ent.Policy {
	return privacy.Policy{
		Query: readRules(ownedBy),
		Mutation: privacy.MutationPolicy{
			systemOnly(map[string]string{"status": "PENDING", "decided_by": "", "decided_at": "", "comment": ""}),
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

// ownedBy matches rows of the viewer's seller; for a viewer without a seller
// (SellerID 0) it matches nothing.
func ownedBy(v *auth.Viewer) entql.P {
	return entql.FieldEQ("seller_id", v.SellerID)
}

// readRules lets staff read everything and narrows everyone else's reads to
// what visible(viewer) matches.
func readRules(visible func(*auth.Viewer) entql.P) privacy.QueryPolicy {
	return privacy.QueryPolicy{
		privacy.FilterFunc(func(ctx context.Context, f privacy.Filter) error {
			v := auth.FromContext(ctx)
			if v.IsStaff() {
				return privacy.Allow
			}
			f.Where(visible(v))
			return privacy.Allow
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
		f.Where(ownedBy(v))
		return privacy.Allow
	}), ent.OpUpdate|ent.OpUpdateOne|ent.OpDelete|ent.OpDeleteOne)
}

// Event: staff read every event, a seller its own seller's, nobody else
// any (the events connection refuses anonymous viewers outright). Events
// are written only by the service, as System, and never changed.
func Event() ent.Policy {
	return privacy.Policy{
		Query:    readRules(ownedBy),
		Mutation: privacy.MutationPolicy{privacy.AlwaysDenyRule()},
	}
}

// WebhookEndpoint: staff read every endpoint, a seller its own. A seller
// registers endpoints for itself and an admin for every event (no
// seller); the owner or an admin deletes one. Nothing else changes it.
func WebhookEndpoint() ent.Policy {
	return privacy.Policy{
		Query: readRules(ownedBy),
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
					f.Where(ownedBy(v))
					return privacy.Allow
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
		Query:    readRules(ownedBy),
		Mutation: privacy.MutationPolicy{privacy.AlwaysDenyRule()},
	}
}
