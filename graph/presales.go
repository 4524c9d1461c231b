package graph

import (
	"context"
	"sync"

	"entgo.io/ent/dialect/sql"
	"github.com/99designs/gqlgen/graphql"

	"servicesupport/ent"
	"servicesupport/ent/contact"
	"servicesupport/ent/predicate"
	"servicesupport/ent/product"
	"servicesupport/ent/seller"
	"servicesupport/graph/model"
	"servicesupport/policy"
)

// preSalesLoader serves Product.preSalesInfo, the public projection (phone
// and email, never the address) of a seller's approved pre-sales contact.
//
// It batches deterministically rather than by timing: every product query
// of the operation registers its sellers (see watchProducts), and the first
// lookup fetches the contacts of every registered seller in one statement.
// So a page of any size costs one statement, however gqlgen schedules the
// field resolvers.
type preSalesLoader struct {
	client  *ent.Client
	mu      sync.Mutex
	pending map[int]bool
	loaded  map[int]*model.PreSalesContact // nil value: no approved pre-sales info
}

type preSalesKey struct{}

// withPreSalesLoader gives a root field its own loader.
func withPreSalesLoader(ctx context.Context, client *ent.Client) context.Context {
	return context.WithValue(ctx, preSalesKey{}, &preSalesLoader{
		client:  client,
		pending: map[int]bool{},
		loaded:  map[int]*model.PreSalesContact{},
	})
}

// preSalesLoaderFrom returns the operation's loader, or nil outside one.
func preSalesLoaderFrom(ctx context.Context) *preSalesLoader {
	l, _ := ctx.Value(preSalesKey{}).(*preSalesLoader)
	return l
}

// want registers sellers whose pre-sales info may be asked for.
func (l *preSalesLoader) want(sellerIDs ...int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, id := range sellerIDs {
		if _, done := l.loaded[id]; !done {
			l.pending[id] = true
		}
	}
}

// load returns the seller's public pre-sales contact, fetching it together
// with every other registered seller's.
func (l *preSalesLoader) load(ctx context.Context, sellerID int) (*model.PreSalesContact, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if c, done := l.loaded[sellerID]; done {
		return c, nil
	}
	l.pending[sellerID] = true
	ids := make([]int, 0, len(l.pending))
	for id := range l.pending {
		ids = append(ids, id)
	}
	// The projection is public by design; the product it hangs off was
	// already checked by the product's own privacy policy.
	contacts, err := l.client.Contact.Query().
		Where(currentPreSalesOf(ids)).
		Select(contact.FieldSellerID, contact.FieldPhone, contact.FieldEmail).
		All(policy.System(ctx))
	if err != nil {
		return nil, err
	}
	clear(l.pending)
	for _, id := range ids {
		l.loaded[id] = nil
	}
	for _, c := range contacts {
		l.loaded[c.SellerID] = &model.PreSalesContact{Phone: c.Phone, Email: c.Email}
	}
	return l.loaded[sellerID], nil
}

// watchProducts registers the sellers of every product an operation loads
// with the operation's pre-sales loader.
func watchProducts() ent.Interceptor {
	return ent.InterceptFunc(func(next ent.Querier) ent.Querier {
		return ent.QuerierFunc(func(ctx context.Context, q ent.Query) (ent.Value, error) {
			v, err := next.Query(ctx, q)
			if l := preSalesLoaderFrom(ctx); l != nil && err == nil {
				if products, ok := v.([]*ent.Product); ok {
					ids := make([]int, len(products))
					for i, p := range products {
						ids[i] = p.SellerID
					}
					l.want(ids...)
				}
			}
			return v, err
		})
	})
}

// currentPreSalesOf matches the current pre-sales contacts of the sellers,
// as "id IN (SELECT pre_sales_contact_id FROM sellers WHERE id IN …)" so that
// SQLite looks contacts up by primary key (ent's HasEdgeWith would be an
// EXISTS over every contact revision).
func currentPreSalesOf(sellerIDs []int) predicate.Contact {
	return func(s *sql.Selector) {
		t := sql.Table(seller.Table)
		s.Where(sql.In(s.C(contact.FieldID),
			sql.Select(t.C(seller.FieldPreSalesContactID)).From(t).Where(sql.InInts(t.C(seller.FieldID), sellerIDs...))))
	}
}

// Columns that withPreSalesJoined adds to a product query.
const (
	joinedPreSalesID    = "pre_sales_contact_id"
	joinedPreSalesPhone = "pre_sales_phone"
	joinedPreSalesEmail = "pre_sales_email"
)

// withPreSalesJoined reads the public pre-sales projection of each product's
// seller in the product query itself (sellers and contacts joined by
// primary key, one row each), when the operation asks for preSalesInfo
// under path: a product page then costs one statement fewer than with the
// loader, which serves the products loaded any other way. Joins on unique
// keys leave the query's rows and counts as they are.
func withPreSalesJoined(ctx context.Context, q *ent.ProductQuery, path ...string) {
	if !selects(ctx, append(path, "preSalesInfo")...) {
		return
	}
	q.Modify(func(s *sql.Selector) {
		sellers, contacts := sql.Table(seller.Table).As("pre_sales_seller"), sql.Table(contact.Table).As("pre_sales_contact")
		s.LeftJoin(sellers).On(s.C(product.FieldSellerID), sellers.C(seller.FieldID)).
			LeftJoin(contacts).On(sellers.C(seller.FieldPreSalesContactID), contacts.C(contact.FieldID)).
			AppendSelectAs(sellers.C(seller.FieldPreSalesContactID), joinedPreSalesID).
			AppendSelectAs(contacts.C(contact.FieldPhone), joinedPreSalesPhone).
			AppendSelectAs(contacts.C(contact.FieldEmail), joinedPreSalesEmail)
	})
}

// joinedPreSales is the projection withPreSalesJoined read for p, if it did.
func joinedPreSales(p *ent.Product) (c *model.PreSalesContact, joined bool) {
	id, err := p.Value(joinedPreSalesID)
	if err != nil {
		return nil, false
	}
	if id == nil {
		return nil, true // no approved pre-sales info yet
	}
	phone, _ := p.Value(joinedPreSalesPhone)
	email, _ := p.Value(joinedPreSalesEmail)
	return &model.PreSalesContact{Phone: text(phone), Email: text(email)}, true
}

// text is a joined text column as the drivers hand it over.
func text(v ent.Value) string {
	switch v := v.(type) {
	case string:
		return v
	case []byte:
		return string(v)
	}
	return ""
}

// selects reports whether the field in ctx selects the field at path
// (through fragments, and for the operation's variables).
func selects(ctx context.Context, path ...string) bool {
	fc := graphql.GetFieldContext(ctx)
	oc := graphql.GetOperationContext(ctx)
	if fc == nil || oc == nil {
		return false
	}
	sel := fc.Field.Selections
	for _, name := range path {
		found := false
		for _, f := range graphql.CollectFields(oc, sel, nil) {
			if f.Name == name {
				sel, found = f.Selections, true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}
