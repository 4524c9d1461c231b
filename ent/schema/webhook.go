package schema

import (
	"servicesupport/policy"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// WebhookEndpoint is a URL that receives signed deliveries of events: a
// seller's receives its own seller's events, an admin's (no seller) every
// event.
type WebhookEndpoint struct {
	ent.Schema
}

// Mixin of the WebhookEndpoint.
func (WebhookEndpoint) Mixin() []ent.Mixin {
	return []ent.Mixin{CreateTime{}}
}

// Fields of the WebhookEndpoint.
func (WebhookEndpoint) Fields() []ent.Field {
	return []ent.Field{
		field.String("url").
			Immutable().
			Comment("Where deliveries are POSTed.").
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		// Exposed by a resolver as [EventType!]!.
		field.Strings("event_types").
			Immutable().
			Annotations(entgql.Skip()),
		field.String("secret").
			Sensitive().
			Immutable().
			Annotations(entgql.Skip()),
		field.Int("seller_id").
			Optional().
			Nillable().
			Immutable().
			Annotations(entgql.Skip()),
	}
}

// Edges of the WebhookEndpoint.
func (WebhookEndpoint) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("seller", Seller.Type).
			Ref("webhook_endpoints").
			Field("seller_id").
			Unique().
			Immutable().
			Comment("The seller whose events it receives; null for an admin's endpoint (every event).").
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		edge.To("deliveries", WebhookDelivery.Type).
			Comment("Its deliveries, newest first by default.").
			Annotations(entgql.RelayConnection(), entsql.OnDelete(entsql.Cascade)),
	}
}

// Annotations of the WebhookEndpoint.
func (WebhookEndpoint) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.RelayConnection(),
		entgql.QueryField("webhookEndpoints").Description("Webhook endpoints: a seller's own; every endpoint for reviewers and admins."),
		entgql.Skip(entgql.SkipWhereInput),
		schema.Comment("A URL that receives signed deliveries of events."),
	}
}

// Policy of the WebhookEndpoint: see package policy.
func (WebhookEndpoint) Policy() ent.Policy {
	return policy.WebhookEndpoint()
}

// WebhookDelivery is the outbox row of one event for one endpoint, written
// in the event's transaction, and its delivery log.
type WebhookDelivery struct {
	ent.Schema
}

// Mixin of the WebhookDelivery.
func (WebhookDelivery) Mixin() []ent.Mixin {
	return []ent.Mixin{CreateTime{}}
}

// Fields of the WebhookDelivery.
func (WebhookDelivery) Fields() []ent.Field {
	return []ent.Field{
		field.Int("endpoint_id").
			Immutable().
			Annotations(entgql.Skip()),
		field.Int("event_id").
			Immutable().
			Annotations(entgql.Skip()),
		// The endpoint's seller, for the privacy filter.
		field.Int("seller_id").
			Optional().
			Nillable().
			Immutable().
			Annotations(entgql.Skip()),
		field.Enum("status").
			NamedValues(
				"Pending", "PENDING",
				"Delivered", "DELIVERED",
				"Failed", "FAILED",
			).
			Default("PENDING").
			Comment("PENDING until a 2xx answer (DELIVERED) or the last attempt failed (FAILED)."),
		field.Int("attempts").
			Default(0).
			Comment("Attempts made so far."),
		field.Time("last_attempt_at").
			Optional().
			Nillable().
			Comment("When the last attempt was made."),
		field.Int("last_response_status").
			Optional().
			Nillable().
			Comment("The HTTP status of the last attempt; null when it got no answer."),
		field.Time("next_attempt_at").
			Optional().
			Nillable().
			Comment("When the next attempt is due; null once DELIVERED or FAILED."),
		field.String("last_error").
			Optional().
			Nillable().
			Annotations(entgql.Skip()),
		// A worker's claim: the delivery is being attempted until then, and
		// no other worker takes it.
		field.Time("locked_until").
			Optional().
			Nillable().
			Annotations(entgql.Skip()),
	}
}

// Edges of the WebhookDelivery.
func (WebhookDelivery) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("endpoint", WebhookEndpoint.Type).
			Ref("deliveries").
			Field("endpoint_id").
			Unique().
			Required().
			Immutable().
			Annotations(entgql.Skip()),
		edge.From("event", Event.Type).
			Ref("deliveries").
			Field("event_id").
			Unique().
			Required().
			Immutable().
			Comment("The event delivered."),
	}
}

// Indexes of the WebhookDelivery.
func (WebhookDelivery) Indexes() []ent.Index {
	return []ent.Index{
		// One delivery per event and endpoint: its ID is the webhook-id.
		index.Fields("endpoint_id", "event_id").Unique(),
		// The workers' queue.
		index.Fields("status", "next_attempt_at"),
	}
}

// Annotations of the WebhookDelivery.
func (WebhookDelivery) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.RelayConnection(),
		entgql.Skip(entgql.SkipWhereInput),
		schema.Comment("One event's delivery to one endpoint."),
	}
}

// Policy of the WebhookDelivery: see package policy.
func (WebhookDelivery) Policy() ent.Policy {
	return policy.WebhookDelivery()
}
