package schema

import (
	"servicesupport/policy"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Contact is one submitted revision of a seller's business or pre-sales
// contact. Rows are never edited after submission.
type Contact struct {
	ent.Schema
}

// Mixin of the Contact.
func (Contact) Mixin() []ent.Mixin {
	return []ent.Mixin{CreateTime{}}
}

// Fields of the Contact.
func (Contact) Fields() []ent.Field {
	return []ent.Field{
		field.Int("seller_id").
			Immutable().
			Annotations(entgql.Skip()),
		field.Enum("kind").
			NamedValues("Business", "BUSINESS", "PreSales", "PRE_SALES").
			Immutable().
			Comment("Business contact (for the operations team) or pre-sales info (for customers)."),
		field.String("contact_name").
			Optional().
			Nillable().
			Immutable().
			Comment("Name of the contact person (business contacts)."),
		field.String("phone").
			Immutable().
			Comment("Phone number in E.164."),
		field.String("email").
			Immutable().
			Comment("Email address."),
		field.String("contact_address").
			Optional().
			Nillable().
			Immutable().
			Comment("Postal contact address (pre-sales info); never shown on product pages."),
		field.Int("revision").
			Positive().
			Immutable().
			Comment("1, 2, 3… per seller and kind, counting every submission."),
	}
}

// Edges of the Contact.
func (Contact) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("seller", Seller.Type).
			Ref("contacts").
			Field("seller_id").
			Unique().
			Required().
			Immutable().
			Comment("The seller that submitted this revision.").
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		edge.To("review", Review.Type).
			Unique().
			Comment("The review that decides this revision.").
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		edge.From("business_contact_of", Seller.Type).
			Ref("business_contact").
			Annotations(entgql.Skip()),
		edge.From("pre_sales_contact_of", Seller.Type).
			Ref("pre_sales_contact").
			Annotations(entgql.Skip()),
	}
}

// Indexes of the Contact.
func (Contact) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("seller_id", "kind", "revision").Unique(),
	}
}

// Annotations of the Contact.
func (Contact) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.Skip(entgql.SkipWhereInput),
		schema.Comment("One submitted revision of a seller's business contact or pre-sales info."),
	}
}

// Policy of the Contact: see package policy.
func (Contact) Policy() ent.Policy {
	return policy.Contact()
}
