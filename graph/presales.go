package graph

import (
	"context"
	"sync"

	"entgo.io/ent/dialect/sql"

	"servicesupport/ent"
	"servicesupport/ent/contact"
	"servicesupport/ent/predicate"
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

// prime records a seller's public pre-sales contact (nil: none) read with
// its products (see joinCompanions).
func (l *preSalesLoader) prime(sellerID int, c *model.PreSalesContact) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.pending, sellerID)
	l.loaded[sellerID] = c
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
					ids := make([]int, 0, len(products))
					for _, p := range products {
						// (0: seller_id not read; a joined product's comes
						// with its join, see joinCompanions.)
						if p.SellerID != 0 {
							ids = append(ids, p.SellerID)
						}
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
