package schema

import (
	"servicesupport/hooks"
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

// Review is the approval record of a contact revision or a product release
// (never a customer's product review).
type Review struct {
	ent.Schema
}

// Fields of the Review.
func (Review) Fields() []ent.Field {
	return []ent.Field{
		field.Int("seller_id").
			Immutable().
			Annotations(entgql.Skip()),
		field.Enum("kind").
			NamedValues(
				"BusinessContact", "BUSINESS_CONTACT",
				"PreSalesInfo", "PRE_SALES_INFO",
				"ProductRelease", "PRODUCT_RELEASE",
			).
			Immutable().
			Comment("What is being reviewed."),
		field.Enum("status").
			NamedValues(
				"Pending", "PENDING",
				"Approved", "APPROVED",
				"Rejected", "REJECTED",
				"Withdrawn", "WITHDRAWN",
				"Superseded", "SUPERSEDED",
			).
			Default("PENDING").
			Comment("Where the review stands."),
		field.Int("contact_id").
			Optional().
			Nillable().
			Immutable().
			Annotations(entgql.Skip()),
		field.Int("product_id").
			Optional().
			Nillable().
			Immutable().
			Annotations(entgql.Skip()),
		field.JSON("changes", []schematype.FieldChange{}).
			Comment("Each field that differs from what is live: before is null when nothing is live yet.").
			Annotations(entgql.Type("[FieldChange!]")),
		field.String("submitted_by").
			Immutable().
			Comment("Subject (token sub) of who submitted."),
		field.Time("submitted_at").
			Immutable().
			Comment("When it was submitted.").
			Annotations(entgql.OrderField("SUBMITTED_AT")),
		field.Time("due_at").
			Immutable().
			Comment("Decision due: three working days (Monday–Friday) after submission, UTC.").
			Annotations(entgql.OrderField("DUE_AT")),
		field.String("decided_by").
			Optional().
			Nillable().
			Comment("Subject of who approved, rejected or withdrew it."),
		field.Time("decided_at").
			Optional().
			Nillable().
			Comment("When it left PENDING."),
		field.String("comment").
			Optional().
			Nillable().
			Comment("Approval comment or rejection reason."),
	}
}

// Edges of the Review.
func (Review) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("seller", Seller.Type).
			Ref("reviews").
			Field("seller_id").
			Unique().
			Required().
			Immutable().
			Comment("The seller whose submission this is.").
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		edge.From("contact", Contact.Type).
			Ref("review").
			Field("contact_id").
			Unique().
			Immutable().
			Comment("The contact revision decided (contact reviews).").
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		edge.From("product", Product.Type).
			Ref("reviews").
			Field("product_id").
			Unique().
			Immutable().
			Comment("The product whose release is decided (release reviews).").
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		edge.To("events", Event.Type).
			Comment("The review's own history.").
			Annotations(entgql.RelayConnection(), entgql.Skip(entgql.SkipWhereInput)),
	}
}

// Indexes of the Review.
func (Review) Indexes() []ent.Index {
	return []ent.Index{
		// At most one pending review per seller and contact kind, and one per
		// product: the database holds the invariant even if two requests race.
		index.Fields("seller_id", "kind").
			Unique().
			Annotations(entsql.IndexWhere("status = 'PENDING' AND kind <> 'PRODUCT_RELEASE'")),
		index.Fields("product_id").
			Unique().
			Annotations(entsql.IndexWhere("status = 'PENDING'")),
		index.Fields("status", "due_at"),
		// A seller's reviews (its privacy filter and connection).
		index.Fields("seller_id", "submitted_at"),
	}
}

// Annotations of the Review.
func (Review) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.RelayConnection(),
		entgql.QueryField("reviews").Description("Reviews: all for reviewers and admins, its own for a seller."),
		schema.Comment("The approval record of a contact revision or a product release."),
	}
}

// Hooks of the Review: see package hooks.
func (Review) Hooks() []ent.Hook {
	return []ent.Hook{hooks.ReviewStatus()}
}

// Policy of the Review: see package policy.
func (Review) Policy() ent.Policy {
	return policy.Review()
}
