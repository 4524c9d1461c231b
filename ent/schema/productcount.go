package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"servicesupport/policy"
)

// ProductCount is how many products a seller has in one status, or, for a
// seller_id of -1 to -16, how many the sellers of one shard have (their id
// modulo 16: policy.CountShards). Database triggers (migrations:
// product_counts, product_count_totals) keep both in the transaction of
// every insert, status change and delete of a product, so that the public
// product list's totalCount sums at most 16 rows instead of counting every
// product, and stays exact. Nothing writes it through ent.
type ProductCount struct {
	ent.Schema
}

// Fields of the ProductCount.
func (ProductCount) Fields() []ent.Field {
	return []ent.Field{
		field.Int("seller_id").Immutable(),
		field.String("status").Immutable(),
		field.Int("n").Default(0),
	}
}

// Indexes of the ProductCount: one row per seller and status; sums by
// status.
func (ProductCount) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("seller_id", "status").Unique(),
		index.Fields("status", "n"),
	}
}

// Annotations of the ProductCount: not part of the GraphQL schema.
func (ProductCount) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}

// Policy of the ProductCount: see package policy.
func (ProductCount) Policy() ent.Policy {
	return policy.ProductCount()
}
