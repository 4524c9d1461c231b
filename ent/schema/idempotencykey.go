package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"servicesupport/policy"
)

// IdempotencyKey remembers the answer to a mutation sent with an
// Idempotency-Key, under the token subject and the key, so that a retry
// through any instance gets the first answer instead of running again.
// While the first request runs the row holds a lease (locked_until) and no
// status; package idempotency reads and writes it.
type IdempotencyKey struct {
	ent.Schema
}

// Fields of the IdempotencyKey. Times are written by package idempotency
// from one clock (the instance's, in UTC) rather than by defaults here, so
// that every comparison it makes is on that clock.
func (IdempotencyKey) Fields() []ent.Field {
	return []ent.Field{
		field.String("subject").
			Immutable().
			Comment("The token subject (sub) whose key it is."),
		field.String("key").
			Immutable().
			MaxLen(255).
			Comment("The Idempotency-Key header: 1–255 visible ASCII characters."),
		field.String("fingerprint").
			Comment("Lower-case hex SHA-256 of the request body the key was first used with."),
		field.String("claim_token").
			Sensitive().
			Comment("Random token of the request that holds (or held) the key: Finish and Release act only on their own claim."),
		field.Int("status").
			Optional().
			Nillable().
			Comment("HTTP status of the kept answer; null while the first request runs."),
		field.String("content_type").
			Optional().
			Comment("Content-Type of the kept answer."),
		field.Bytes("response_body").
			Optional().
			Comment("Body of the kept answer."),
		field.Time("created_at").
			Comment("When the current use of the key began (reset when an expired row is reused)."),
		field.Time("expires_at").
			Comment("When the key is forgotten: 24 h after the answer was kept (or the claim began)."),
		field.Time("locked_until").
			Optional().
			Nillable().
			Comment("Lease of the request still running; null once answered. A lease that passed belongs to a crashed instance and may be taken over."),
	}
}

// Indexes of the IdempotencyKey: the unique (subject, key) decides which of
// two concurrent first uses runs, on every instance; expires_at serves the
// pruning of expired rows.
func (IdempotencyKey) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("subject", "key").Unique(),
		index.Fields("expires_at"),
	}
}

// Annotations of the IdempotencyKey: not part of the GraphQL schema.
func (IdempotencyKey) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.Skip(entgql.SkipAll),
		schema.Comment("The kept answer to a request sent with an Idempotency-Key."),
	}
}

// Policy of the IdempotencyKey: see package policy.
func (IdempotencyKey) Policy() ent.Policy {
	return policy.IdempotencyKey()
}
