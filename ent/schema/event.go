package schema

import (
	"strings"

	"servicesupport/auth"
	"servicesupport/policy"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"servicesupport/ent/schema/schematype"
)

// EventTypes are the event types of the contract, in its order.
var EventTypes = []string{
	"SELLER_CREATED",
	"REVIEW_SUBMITTED", "REVIEW_APPROVED", "REVIEW_REJECTED", "REVIEW_WITHDRAWN", "REVIEW_SUPERSEDED",
	"GROUP_CREATED", "GROUP_UPDATED", "GROUP_DELETED",
	"PRODUCT_CREATED", "PRODUCT_UPDATED", "PRODUCT_RELEASED", "PRODUCT_REJECTED",
	"PRODUCT_HIDDEN", "PRODUCT_SHOWN", "PRODUCT_REMOVED",
}

// namedValues pairs each enum value with its Go name (SELLER_CREATED:
// SellerCreated).
func namedValues(values []string) []string {
	var out []string
	for _, v := range values {
		var name strings.Builder
		for _, word := range strings.Split(strings.ToLower(v), "_") {
			name.WriteString(strings.ToUpper(word[:1]) + word[1:])
		}
		out = append(out, name.String(), v)
	}
	return out
}

// Event is one entry of the append-only history: what a successful
// mutation changed, recorded in its transaction. Events are never changed
// or deleted (a deleted group's reference alone is cleared).
type Event struct {
	ent.Schema
}

// Fields of the Event.
func (Event) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("type").
			NamedValues(namedValues(EventTypes)...).
			Immutable().
			Comment("What happened."),
		field.Time("occurred_at").
			Default(now).
			Immutable().
			Comment("When it happened (RFC 3339).").
			Annotations(entgql.OrderField("OCCURRED_AT")),
		field.String("actor").
			Immutable().
			Comment("Subject (token sub) of who did it."),
		field.String("actor_role").
			GoType(auth.Role("")).
			Immutable().
			Comment("The role of who did it.").
			Annotations(entgql.Type("ViewerRole"), entgql.Skip(entgql.SkipWhereInput)),
		field.Int("seller_id").
			Optional().
			Nillable().
			Immutable().
			Annotations(entgql.Skip()),
		field.Int("subject_id").
			Immutable().
			Comment("Global ID of the object concerned, kept after it is deleted.").
			Annotations(entgql.Type("ID")),
		field.Int("review_id").
			Optional().
			Nillable().
			Immutable().
			Annotations(entgql.Skip()),
		field.Int("product_id").
			Optional().
			Nillable().
			Immutable().
			Annotations(entgql.Skip()),
		field.Int("customer_service_group_id").
			Optional().
			Nillable().
			Annotations(entgql.Skip()),
		field.JSON("changes", []schematype.FieldChange{}).
			Immutable().
			Comment("Each field the event changed: {field, before, after}.").
			Annotations(entgql.Type("[FieldChange!]"), entgql.Skip(entgql.SkipWhereInput)),
	}
}

// Edges of the Event.
func (Event) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("seller", Seller.Type).
			Ref("events").
			Field("seller_id").
			Unique().
			Immutable().
			Comment("The seller concerned; null for none.").
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		edge.From("review", Review.Type).
			Ref("events").
			Field("review_id").
			Unique().
			Immutable().
			Comment("The review concerned, if any.").
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		edge.From("product", Product.Type).
			Ref("events").
			Field("product_id").
			Unique().
			Immutable().
			Comment("The product concerned, if any and visible to the viewer.").
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		edge.From("customer_service_group", CustomerServiceGroup.Type).
			Ref("events").
			Field("customer_service_group_id").
			Unique().
			Comment("The group concerned; null once deleted.").
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		edge.To("deliveries", WebhookDelivery.Type).
			Annotations(entgql.Skip()),
	}
}

// Indexes of the Event.
func (Event) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("occurred_at"),
		// A seller's events (its privacy filter) in time order.
		index.Fields("seller_id", "occurred_at"),
		index.Fields("review_id"),
		index.Fields("product_id"),
		index.Fields("customer_service_group_id"),
	}
}

// Annotations of the Event.
func (Event) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.RelayConnection(),
		entgql.QueryField("events").Description("The history: every event for reviewers and admins, its own seller's for a seller; anonymous viewers are refused."),
		schema.Comment("What a successful mutation changed, recorded in its transaction; never changed or deleted."),
	}
}

// Policy of the Event: see package policy.
func (Event) Policy() ent.Policy {
	return policy.Event()
}

// eventsEdge is the to-many edge from an object to the events about it,
// not exposed in GraphQL (Review.events is, see Review). Only groups are
// ever deleted: their events stay, with the reference cleared.
func eventsEdge() ent.Edge {
	return edge.To("events", Event.Type).
		Annotations(entgql.Skip(), entsql.OnDelete(entsql.SetNull))
}
