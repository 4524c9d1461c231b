package schema

import (
	"servicesupport/hooks"
	"servicesupport/policy"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Product is a product a seller offers; its release is reviewed.
type Product struct {
	ent.Schema
}

// Mixin of the Product.
func (Product) Mixin() []ent.Mixin {
	return []ent.Mixin{Timestamps{}}
}

// Fields of the Product.
func (Product) Fields() []ent.Field {
	return []ent.Field{
		field.Int("seller_id").
			Immutable().
			Annotations(entgql.Skip()),
		field.String("name").
			Comment("Product name.").
			Annotations(entgql.OrderField("NAME")),
		field.Text("summary").
			Default("").
			Comment("Short description."),
		field.Enum("status").
			NamedValues(
				"Draft", "DRAFT",
				"InReview", "IN_REVIEW",
				"Released", "RELEASED",
				"Rejected", "REJECTED",
				"Hidden", "HIDDEN",
				"Removed", "REMOVED",
			).
			Default("DRAFT").
			Comment("Lifecycle status."),
		field.Int("after_sales_group_id").
			Optional().
			Nillable().
			Annotations(entgql.Skip()),
		field.Time("released_at").
			Optional().
			Nillable().
			Comment("When the release was approved.").
			Annotations(entgql.OrderField("RELEASED_AT")),
		field.Int("version").
			Default(1).
			Comment("Incremented on every change; pass it back to detect concurrent edits."),
	}
}

// Edges of the Product.
func (Product) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("seller", Seller.Type).
			Ref("products").
			Field("seller_id").
			Unique().
			Required().
			Immutable().
			Comment("The seller offering the product.").
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		edge.From("after_sales_group", CustomerServiceGroup.Type).
			Ref("products").
			Field("after_sales_group_id").
			Unique().
			Comment("The after-sales group shown on the product page.").
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		edge.To("reviews", Review.Type).
			Annotations(entgql.Skip()),
		eventsEdge(),
	}
}

// Indexes of the Product.
func (Product) Indexes() []ent.Index {
	return []ent.Index{
		// The public list: released products by id (the default order)
		// and by release time, newest first or last.
		index.Fields("status", "id"),
		index.Fields("status", "released_at", "id"),
		index.Fields("seller_id", "status"),
		// Group visibility ("selected by a released product") and the
		// group's products look products up by group.
		index.Fields("after_sales_group_id", "status"),
	}
}

// Annotations of the Product.
func (Product) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.RelayConnection(),
		entgql.QueryField("products").Description("Products the viewer may see: released ones for everybody, all of its own for a seller."),
		schema.Comment("A product offered by a seller."),
	}
}

// Hooks of the Product: see package hooks.
func (Product) Hooks() []ent.Hook {
	return []ent.Hook{hooks.BumpVersion(), hooks.ProductStatus()}
}

// Policy of the Product: see package policy.
func (Product) Policy() ent.Policy {
	return policy.Product()
}
