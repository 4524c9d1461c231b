package schema

import (
	"servicesupport/policy"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/mixin"
)

// Seller is a company selling on the marketplace; it owns everything else.
type Seller struct {
	ent.Schema
}

// Mixin of the Seller: no update time (it moves when a contact revision is
// approved, which is nobody else's business). The creation time is left out
// of the generated GraphQL type: schema.graphql declares it nullable, as it
// reads as null for anyone but the seller itself and staff
// (policy/fields.go).
func (Seller) Mixin() []ent.Mixin {
	return []ent.Mixin{mixin.AnnotateFields(CreateTime{}, entgql.Skip(entgql.SkipType))}
}

// Fields of the Seller.
func (Seller) Fields() []ent.Field {
	return []ent.Field{
		// Exposed by a hand-written field (schema.graphql) that reads as null
		// for anyone but the seller itself and the operations team
		// (policy/fields.go), and kept out of where-filters so that it cannot
		// be probed.
		field.String("account_id").
			NotEmpty().
			Unique().
			Immutable().
			Annotations(entgql.Skip()),
		field.String("name").
			NotEmpty().
			Comment("Public company name, shown on product pages.").
			Annotations(entgql.OrderField("NAME")),
		field.Int("business_contact_id").
			Optional().
			Nillable().
			Annotations(entgql.Skip()),
		field.Int("pre_sales_contact_id").
			Optional().
			Nillable().
			Annotations(entgql.Skip()),
		// Written by database triggers only (migrations: page_versions), in
		// the transaction of every write to what a product page shows.
		field.Int("page_version").
			Default(0).
			Comment("Incremented in the writing transaction whenever the seller's name, approved contacts, groups or products change; the product page cache compares it.").
			Annotations(entgql.Skip()),
	}
}

// Edges of the Seller.
func (Seller) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("contacts", Contact.Type).
			Comment("Every submitted contact revision.").
			Annotations(entgql.Skip()),
		edge.To("business_contact", Contact.Type).
			Field("business_contact_id").
			Unique().
			Comment("The current approved business contact revision; null before the first approval.").
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		edge.To("pre_sales_contact", Contact.Type).
			Field("pre_sales_contact_id").
			Unique().
			Comment("The current approved pre-sales contact revision; null before the first approval.").
			Annotations(
				entgql.MapsTo("preSalesInfo"),
				entgql.Skip(entgql.SkipWhereInput),
			),
		edge.To("customer_service_groups", CustomerServiceGroup.Type).
			Comment("After-sales customer service groups (at most 6).").
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		edge.To("products", Product.Type).
			Comment("The seller's products.").
			Annotations(entgql.RelayConnection()),
		edge.To("reviews", Review.Type).
			Comment("Reviews of the seller's submissions.").
			Annotations(entgql.RelayConnection()),
		eventsEdge(),
		// A seller's endpoints go with it: with SET NULL they would become
		// admin endpoints, which receive every seller's events.
		edge.To("webhook_endpoints", WebhookEndpoint.Type).
			Annotations(entgql.Skip(), entsql.OnDelete(entsql.Cascade)),
	}
}

// Annotations of the Seller.
func (Seller) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.RelayConnection(),
		entgql.QueryField("sellers").Description("Every seller: reviewers and admins only."),
		schema.Comment("A company selling on the marketplace."),
	}
}

// Policy of the Seller: see package policy.
func (Seller) Policy() ent.Policy {
	return policy.Seller()
}
