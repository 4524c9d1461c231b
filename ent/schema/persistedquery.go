package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"

	"servicesupport/policy"
)

// PersistedQuery is a GraphQL document registered by automatic persisted
// queries (APQ), shared by every instance: a client that registered a
// document through one instance runs it by hash through any other.
type PersistedQuery struct {
	ent.Schema
}

// Mixin of the PersistedQuery.
func (PersistedQuery) Mixin() []ent.Mixin {
	return []ent.Mixin{CreateTime{}}
}

// Fields of the PersistedQuery.
func (PersistedQuery) Fields() []ent.Field {
	return []ent.Field{
		field.String("hash").
			Unique().
			Immutable().
			Comment("Lower-case hex SHA-256 of the document."),
		field.Text("document").
			Immutable().
			Comment("The GraphQL document."),
	}
}

// Annotations of the PersistedQuery: not part of the GraphQL schema.
func (PersistedQuery) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.Skip(entgql.SkipAll),
		schema.Comment("A document registered by automatic persisted queries."),
	}
}

// Policy of the PersistedQuery: see package policy.
func (PersistedQuery) Policy() ent.Policy {
	return policy.PersistedQuery()
}
