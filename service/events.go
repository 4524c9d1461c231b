package service

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"servicesupport/auth"
	"servicesupport/ent"
	"servicesupport/ent/event"
	"servicesupport/ent/schema/schematype"
	"servicesupport/ent/webhookendpoint"
	"servicesupport/feed"
	"servicesupport/policy"
	"servicesupport/schedule"
)

// An eventRec is one event an operation records.
type eventRec struct {
	typ      event.Type
	sellerID int
	// subject is the ID of the object concerned.
	subject                  int
	review, product, csGroup *int
	changes                  []schematype.FieldChange
}

// txState collects what one transaction recorded, for after its commit.
type txState struct {
	types []string
}

// txStateKey keys the transaction's txState in the context inTx gives fn.
type txStateKey struct{}

// record appends events to the history in the operation's transaction,
// with the viewer as their actor, and their webhook deliveries to the
// outbox (one per endpoint that wants the type: the seller's own, and
// admins' endpoints for every seller), so that a commit keeps the event
// and its deliveries together and a rollback neither. On PostgreSQL the
// transaction also announces each event (NOTIFY, delivered on commit
// only); SQLite's feed is poked once the transaction has committed.
func (s *Service) record(ctx context.Context, tx *ent.Client, recs ...eventRec) error {
	v := auth.FromContext(ctx)
	sys := policy.System(ctx)
	sellers := map[int]bool{}
	for _, r := range recs {
		sellers[r.sellerID] = true
	}
	// FOR SHARE on PostgreSQL: an endpoint being deleted meanwhile is
	// waited for (and then left out), instead of this transaction's
	// deliveries failing on its foreign key.
	endpoints, err := tx.WebhookEndpoint.Query().
		Where(webhookendpoint.Or(
			webhookendpoint.SellerIDIsNil(),
			webhookendpoint.SellerIDIn(slices.Collect(maps.Keys(sellers))...),
		)).
		Unique(false).
		Modify(forShare).
		All(sys)
	if err != nil {
		return fmt.Errorf("finding webhook endpoints: %w", err)
	}
	now := time.Now().UTC()
	state, _ := ctx.Value(txStateKey{}).(*txState)
	for _, r := range recs {
		changes := r.changes
		if changes == nil {
			changes = []schematype.FieldChange{}
		}
		e, err := tx.Event.Create().
			SetType(r.typ).
			SetOccurredAt(now).
			SetActor(v.Subject).
			SetActorRole(v.Role).
			SetSellerID(r.sellerID).
			SetSubjectID(r.subject).
			SetNillableReviewID(r.review).
			SetNillableProductID(r.product).
			SetNillableCustomerServiceGroupID(r.csGroup).
			SetChanges(changes).
			Save(sys)
		if err != nil {
			return fmt.Errorf("recording %s: %w", r.typ, err)
		}
		var outbox []*ent.WebhookDeliveryCreate
		for _, ep := range endpoints {
			if (ep.SellerID == nil || *ep.SellerID == r.sellerID) && slices.Contains(ep.EventTypes, string(r.typ)) {
				outbox = append(outbox, tx.WebhookDelivery.Create().
					SetEndpointID(ep.ID).
					SetEventID(e.ID).
					SetNillableSellerID(ep.SellerID).
					SetNextAttemptAt(now))
			}
		}
		if len(outbox) > 0 {
			if err := tx.WebhookDelivery.CreateBulk(outbox...).Exec(sys); err != nil {
				return fmt.Errorf("queueing deliveries of %s: %w", r.typ, err)
			}
		}
		if s.opts.Feed != nil {
			if err := s.opts.Feed.Notify(ctx, tx, feed.Note{EventID: e.ID, Type: string(r.typ), SellerID: r.sellerID}); err != nil {
				return fmt.Errorf("announcing %s: %w", r.typ, err)
			}
		}
		if state != nil {
			state.types = append(state.types, string(r.typ))
		}
	}
	return nil
}

// afterCommit tells the feed and the metrics about a committed
// transaction's events.
func (s *Service) afterCommit(state *txState) {
	if len(state.types) == 0 {
		return
	}
	if s.opts.Feed != nil {
		s.opts.Feed.Poke()
	}
	if s.opts.Recorded != nil {
		s.opts.Recorded(state.types)
	}
}

// A fieldValue is one field of an object as events show it: its API name
// and its value as text (nil for none).
type fieldValue struct {
	name  string
	value *string
}

// createdFields lists an object's fields as a creation's changes (before
// null): an update from nothing.
func createdFields(fields []fieldValue) []schematype.FieldChange {
	return updatedFields(unset(fields), fields)
}

// deletedFields lists an object's fields as a deletion's changes (after
// null): an update to nothing.
func deletedFields(fields []fieldValue) []schematype.FieldChange {
	return updatedFields(fields, unset(fields))
}

// unset is the same fields with no values.
func unset(fields []fieldValue) []fieldValue {
	out := make([]fieldValue, len(fields))
	for i, f := range fields {
		out[i] = fieldValue{name: f.name}
	}
	return out
}

// updatedFields lists each field whose value differs between before and after
// (the same fields, in the same order).
func updatedFields(before, after []fieldValue) []schematype.FieldChange {
	out := []schematype.FieldChange{}
	for i, a := range after {
		b := before[i].value
		if (b == nil) != (a.value == nil) || (b != nil && *b != *a.value) {
			out = append(out, schematype.FieldChange{Field: a.name, Before: b, After: a.value})
		}
	}
	return out
}

// statusChange is the change of a status move.
func statusChange(from, to fmt.Stringer) []schematype.FieldChange {
	return []schematype.FieldChange{{Field: "status", Before: strp(from.String()), After: strp(to.String())}}
}

// idText is an ID as events show it (a GraphQL ID); nil for none.
func idText(id *int) *string {
	if id == nil {
		return nil
	}
	return strp(strconv.Itoa(*id))
}

// sellerFields are a seller's fields in events.
func sellerFields(s *ent.Seller) []fieldValue {
	return []fieldValue{{"accountID", &s.AccountID}, {"name", &s.Name}}
}

// productFields are a product's fields in events.
func productFields(p *ent.Product) []fieldValue {
	return []fieldValue{
		{"name", &p.Name},
		{"summary", &p.Summary},
		{"afterSalesGroupID", idText(p.AfterSalesGroupID)},
	}
}

// groupFields are a group's fields in events; the week and closures as
// compact text ("MONDAY 09:00-18:00, …"; "2027-01-01 New Year closed"),
// closures null when there are none.
func groupFields(g *ent.CustomerServiceGroup) []fieldValue {
	sched := ScheduleOf(g)
	var week []string
	for _, d := range sched.Week {
		week = append(week, string(d.Day)+" "+rangesText(d.Hours))
	}
	var closures []string
	for _, c := range sched.Closures {
		text := c.Date
		if c.Name != nil && *c.Name != "" {
			text += " " + *c.Name
		}
		if len(c.Hours) == 0 {
			text += " closed"
		} else {
			text += " " + rangesText(c.Hours)
		}
		closures = append(closures, text)
	}
	return []fieldValue{
		{"name", &g.Name},
		{"phone", &g.Phone},
		{"email", &g.Email},
		{"timeZone", &g.TimeZone},
		{"weeklyHours", strp(strings.Join(week, ", "))},
		{"closures", textOrNil(strings.Join(closures, ", "))},
	}
}

// textOrNil is s, or nil when it is empty (a field with no value).
func textOrNil(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// rangesText writes ranges as "09:00-12:00 13:00-18:00".
func rangesText(rs []schedule.TimeRange) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = r.Start + "-" + r.End
	}
	return strings.Join(parts, " ")
}
