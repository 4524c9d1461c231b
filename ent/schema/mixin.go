package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/mixin"
)

// CreateTime adds the immutable creation time.
type CreateTime struct {
	mixin.Schema
}

// Fields of the CreateTime mixin.
func (CreateTime) Fields() []ent.Field {
	return []ent.Field{
		field.Time("created_at").
			Default(now).
			Immutable().
			Comment("When the object was created (RFC 3339).").
			Annotations(entgql.OrderField("CREATED_AT")),
	}
}

// Timestamps adds the creation and last-update times.
type Timestamps struct {
	mixin.Schema
}

// Fields of the Timestamps mixin.
func (Timestamps) Fields() []ent.Field {
	return append(CreateTime{}.Fields(),
		field.Time("updated_at").
			Default(now).
			UpdateDefault(now).
			Comment("When the object was last changed (RFC 3339)."),
	)
}

// now is the clock of stored times: UTC, so stored values compare the same
// way on every database.
func now() time.Time { return time.Now().UTC() }
