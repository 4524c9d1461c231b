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

	"servicesupport/schedule"
)

// CustomerServiceGroup is an after-sales customer service group. Groups are
// not reviewed: a change shows on product pages at once.
type CustomerServiceGroup struct {
	ent.Schema
}

// Mixin of the CustomerServiceGroup.
func (CustomerServiceGroup) Mixin() []ent.Mixin {
	return []ent.Mixin{Timestamps{}}
}

// Fields of the CustomerServiceGroup.
func (CustomerServiceGroup) Fields() []ent.Field {
	return []ent.Field{
		field.Int("seller_id").
			Immutable().
			Annotations(entgql.Skip()),
		field.String("name").
			Comment("Group name, unique per seller (case-insensitive)."),
		// name_key is the case-folded name; a unique index on it keeps names
		// unique per seller whatever the case, even under concurrency.
		field.String("name_key").
			Annotations(entgql.Skip()),
		field.String("phone").
			Comment("Phone number in E.164."),
		field.String("email").
			Comment("Email address."),
		field.JSON("service_days", []schedule.Weekday{}).
			Comment("Days of the week the group serves.").
			Annotations(entgql.Type("[Weekday!]")),
		field.JSON("service_hours", []schedule.TimeRange{}).
			Comment("Daily service hours, sorted, in the group's time zone.").
			Annotations(entgql.Type("[TimeRange!]")),
		// The week and the closures are the one schedule model (package
		// schedule); service_days and service_hours are derived from the
		// week on every write (hooks.GroupSchedule) for the fields of part
		// one. A group written before weekly hours existed has none stored:
		// its week is its service days and hours.
		field.JSON("weekly_hours", schedule.Week{}).
			Optional().
			Comment("Per-day service ranges, Monday first; a range ending before it starts runs past midnight.").
			Annotations(entgql.Skip()),
		field.JSON("closures", []schedule.Closure{}).
			Optional().
			Comment("Dated closures or special hours, by date, in the group's time zone.").
			Annotations(entgql.Skip()),
		field.String("time_zone").
			Comment("IANA time zone of the service hours, e.g. Asia/Shanghai."),
		field.Int("version").
			Default(1).
			Comment("Incremented on every change; pass it back to detect concurrent edits."),
	}
}

// Edges of the CustomerServiceGroup.
func (CustomerServiceGroup) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("seller", Seller.Type).
			Ref("customer_service_groups").
			Field("seller_id").
			Unique().
			Required().
			Immutable().
			Comment("The seller that owns the group.").
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		edge.To("products", Product.Type).
			Comment("Products that selected this group.").
			Annotations(entgql.RelayConnection()),
		eventsEdge(),
	}
}

// Indexes of the CustomerServiceGroup.
func (CustomerServiceGroup) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("seller_id", "name_key").Unique(),
	}
}

// Annotations of the CustomerServiceGroup.
func (CustomerServiceGroup) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.Skip(entgql.SkipWhereInput),
		schema.Comment("An after-sales customer service group, shown on the product pages that select it."),
	}
}

// Hooks of the CustomerServiceGroup: see package hooks.
func (CustomerServiceGroup) Hooks() []ent.Hook {
	return []ent.Hook{hooks.BumpVersion(), hooks.GroupNameKey(), hooks.GroupSchedule()}
}

// Policy of the CustomerServiceGroup: see package policy.
func (CustomerServiceGroup) Policy() ent.Policy {
	return policy.CustomerServiceGroup()
}
