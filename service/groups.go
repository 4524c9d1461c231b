package service

import (
	"context"
	"strings"

	"servicesupport/ent"
	"servicesupport/ent/customerservicegroup"
	"servicesupport/ent/event"
	"servicesupport/ent/product"
	"servicesupport/hooks"
	"servicesupport/policy"
	"servicesupport/schedule"
	"servicesupport/usererror"
	"servicesupport/validate"
)

// MaxGroups is how many after-sales groups a seller may have.
const MaxGroups = 6

// GroupInput is an after-sales customer service group (GraphQL
// CustomerServiceGroupInput).
type GroupInput struct {
	Name  string `json:"name"`
	Phone string `json:"phone"`
	Email string `json:"email"`
	// The week: either serviceDays and serviceHours (every listed day the
	// same hours), or weeklyHours.
	ServiceDays  []schedule.Weekday   `json:"serviceDays"`
	ServiceHours []schedule.TimeRange `json:"serviceHours"`
	WeeklyHours  []schedule.DayHours  `json:"weeklyHours"`
	// Closures replace the group's when given (nil keeps them on update).
	Closures        []schedule.Closure `json:"closures"`
	TimeZone        string             `json:"timeZone"`
	ExpectedVersion *int               `json:"expectedVersion"`
}

// group is a validated GroupInput.
type group struct {
	name, nameKey, phone, email, zone string
	week                              schedule.Week
	// closures is nil when the input leaves them as they are.
	closures []schedule.Closure
}

// check validates and normalises the input.
func (in GroupInput) check() (group, error) {
	var f validate.Form
	g := group{
		name:  f.Name(field("input", "name"), in.Name, true),
		phone: f.Phone(field("input", "phone"), in.Phone),
		email: f.Email(field("input", "email"), in.Email),
		zone:  f.TimeZone(field("input", "timeZone"), in.TimeZone),
	}
	if f.OneScheduleForm(field("input", "weeklyHours"), in.ServiceDays != nil, in.ServiceHours != nil, in.WeeklyHours != nil) {
		if in.WeeklyHours != nil {
			g.week = f.WeeklyHours(field("input", "weeklyHours"), in.WeeklyHours)
		} else {
			g.week = schedule.FromServiceTimes(
				f.Weekdays(field("input", "serviceDays"), in.ServiceDays),
				f.ServiceHours(field("input", "serviceHours"), in.ServiceHours))
		}
	}
	if in.Closures != nil {
		g.closures = f.Closures(field("input", "closures"), in.Closures)
	}
	g.nameKey = hooks.NameKey(g.name)
	return g, f.Err()
}

// ScheduleOf is a group's schedule: its weekly hours (its service days
// and hours when it was written before weekly hours existed), closures and
// zone. Every rule and computed field reads the group through it.
func ScheduleOf(g *ent.CustomerServiceGroup) schedule.Schedule {
	week := g.WeeklyHours
	if week == nil {
		week = schedule.FromServiceTimes(g.ServiceDays, g.ServiceHours)
	}
	closures := g.Closures
	if closures == nil {
		closures = []schedule.Closure{}
	}
	return schedule.Schedule{Week: week.Canonical(), Closures: closures, Zone: g.TimeZone}
}

// nameTaken is the user error for a duplicate group name.
func nameTaken(name string) error {
	return usererror.New(usererror.Conflict, field("input", "name"), "the seller already has a group named %q", name)
}

// CreateCustomerServiceGroup adds a group to the viewer's seller, at most
// MaxGroups per seller even when requests race (the count and the insert
// share one write transaction).
func (s *Service) CreateCustomerServiceGroup(ctx context.Context, in GroupInput) (*ent.CustomerServiceGroup, error) {
	v, err := policy.ActingSeller(ctx)
	if err != nil {
		return nil, err
	}
	g, err := in.check()
	if err != nil {
		return nil, err
	}
	var created *ent.CustomerServiceGroup
	err = s.inTx(ctx, func(ctx context.Context, tx *ent.Client) error {
		// Under the seller's lock, two creates cannot both count five.
		if err := lockSeller(ctx, tx, v.SellerID); err != nil {
			return err
		}
		mine := tx.CustomerServiceGroup.Query().Where(customerservicegroup.SellerID(v.SellerID))
		n, err := mine.Clone().Count(ctx)
		if err != nil {
			return err
		}
		if n >= MaxGroups {
			return usererror.New(usererror.LimitExceeded, nil, "a seller has at most %d customer service groups", MaxGroups)
		}
		if taken, err := mine.Where(customerservicegroup.NameKey(g.nameKey)).Exist(ctx); err != nil || taken {
			if err != nil {
				return err
			}
			return nameTaken(g.name)
		}
		created, err = tx.CustomerServiceGroup.Create().
			SetSellerID(v.SellerID).
			SetName(g.name).
			SetPhone(g.phone).
			SetEmail(g.email).
			SetWeeklyHours(g.week).
			SetClosures(closuresOr(g.closures, nil)).
			SetTimeZone(g.zone).
			Save(ctx)
		if ent.IsConstraintError(err) {
			return nameTaken(g.name)
		}
		if err != nil {
			return err
		}
		return s.record(ctx, tx, eventRec{typ: event.TypeGroupCreated, sellerID: v.SellerID, subject: created.ID, csGroup: &created.ID,
			changes: createdFields(groupFields(created))})
	})
	return committed(created, err)
}

// UpdateCustomerServiceGroup replaces a group's details; product pages show
// the change at once (groups are not reviewed).
func (s *Service) UpdateCustomerServiceGroup(ctx context.Context, id int, in GroupInput) (*ent.CustomerServiceGroup, error) {
	v, err := policy.ActingSeller(ctx)
	if err != nil {
		return nil, err
	}
	g, err := in.check()
	if err != nil {
		return nil, err
	}
	var updated *ent.CustomerServiceGroup
	err = s.inTx(ctx, func(ctx context.Context, tx *ent.Client) error {
		// Under the seller's lock, a release being approved sees the group
		// either before or after this change, never half of it.
		if err := lockSeller(ctx, tx, v.SellerID); err != nil {
			return err
		}
		cur, err := ownGroup(ctx, tx, v.SellerID, id, field("id"))
		if err != nil {
			return err
		}
		if err := staleVersion(in.ExpectedVersion, cur.Version); err != nil {
			return err
		}
		taken, err := tx.CustomerServiceGroup.Query().
			Where(
				customerservicegroup.SellerID(v.SellerID),
				customerservicegroup.NameKey(g.nameKey),
				customerservicegroup.IDNEQ(id),
			).Exist(ctx)
		if err != nil {
			return err
		}
		if taken {
			return nameTaken(g.name)
		}
		if !g.week.MeetsPolicy() {
			// Product pages show the group of a released or hidden
			// product: it must keep meeting the policy it was released on.
			live, err := productNames(ctx, cur.QueryProducts().Where(product.StatusIn(product.StatusReleased, product.StatusHidden)))
			if err != nil {
				return err
			}
			if len(live) > 0 {
				path := field("input", "serviceHours")
				switch {
				case in.WeeklyHours != nil:
					path = field("input", "weeklyHours")
				case len(g.week.ServiceDays()) < 5:
					path = field("input", "serviceDays")
				}
				return precondition(path,
					"released products show this group, so it must serve at least 8 hours a day, 5 days a week: %s", strings.Join(live, ", "))
			}
		}
		updated, err = tx.CustomerServiceGroup.UpdateOne(cur).
			Where(customerservicegroup.Version(cur.Version)).
			SetName(g.name).
			SetPhone(g.phone).
			SetEmail(g.email).
			SetWeeklyHours(g.week).
			SetClosures(closuresOr(g.closures, cur.Closures)).
			SetTimeZone(g.zone).
			Save(ctx)
		switch {
		case ent.IsConstraintError(err):
			return nameTaken(g.name)
		case ent.IsNotFound(err):
			return changedConcurrently()
		case err != nil:
			return err
		}
		return s.record(ctx, tx, eventRec{typ: event.TypeGroupUpdated, sellerID: v.SellerID, subject: id, csGroup: &id,
			changes: updatedFields(groupFields(cur), groupFields(updated))})
	})
	return committed(updated, err)
}

// DeleteCustomerServiceGroup deletes a group that no product (other than
// removed ones) selects.
func (s *Service) DeleteCustomerServiceGroup(ctx context.Context, id int) error {
	v, err := policy.ActingSeller(ctx)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(ctx context.Context, tx *ent.Client) error {
		// Under the seller's lock, no product can select the group between
		// the check and the delete.
		if err := lockSeller(ctx, tx, v.SellerID); err != nil {
			return err
		}
		g, err := ownGroup(ctx, tx, v.SellerID, id, field("id"))
		if err != nil {
			return err
		}
		users, err := productNames(ctx, g.QueryProducts().Where(product.StatusNEQ(product.StatusRemoved)))
		if err != nil {
			return err
		}
		if len(users) > 0 {
			return usererror.New(usererror.InUse, field("id"),
				"the group is selected by %d product(s): %s", len(users), strings.Join(users, ", "))
		}
		// The event is recorded first: deleting the group then clears its
		// reference (ON DELETE SET NULL) and keeps the rest.
		if err := s.record(ctx, tx, eventRec{typ: event.TypeGroupDeleted, sellerID: v.SellerID, subject: id, csGroup: &id,
			changes: deletedFields(groupFields(g))}); err != nil {
			return err
		}
		// Removed products keep no claim on the group: the foreign key sets
		// their after_sales_group_id to NULL (ON DELETE SET NULL).
		return tx.CustomerServiceGroup.DeleteOneID(id).Exec(ctx)
	})
}

// closuresOr is the closures an input gives, else the group's current ones
// (none for a new group).
func closuresOr(given, current []schedule.Closure) []schedule.Closure {
	switch {
	case given != nil:
		return given
	case current != nil:
		return current
	}
	return []schedule.Closure{}
}

// productNames lists the names of the products a query finds, by name.
func productNames(ctx context.Context, q *ent.ProductQuery) ([]string, error) {
	return q.Order(ent.Asc(product.FieldName)).Select(product.FieldName).Strings(ctx)
}

// ownGroup loads a group of the seller; any other ID reads as not found.
func ownGroup(ctx context.Context, tx *ent.Client, sellerID, id int, path []string) (*ent.CustomerServiceGroup, error) {
	g, err := tx.CustomerServiceGroup.Query().
		Where(customerservicegroup.ID(id), customerservicegroup.SellerID(sellerID)).
		Only(ctx)
	if ent.IsNotFound(err) {
		return nil, notFound(path, "customer service group")
	}
	return g, err
}
