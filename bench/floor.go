package main

import (
	"database/sql"
	"encoding/json"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"servicesupport/database"
	"servicesupport/ent"
	"servicesupport/schedule"
	"servicesupport/service"
)

// The floor answers the product page and the product lists with the same
// JSON as the real server, as cheaply as a hand-written handler can: no
// GraphQL parsing (it knows the three operations by name), one SQL
// statement per request, encoding/json. What it cannot skip it does as the
// real resolvers do: openNow, nextOpenAt, nextCloseAt and todayHours come
// from the schedule package at the request's arrival, and the group's week
// is read through service.ScheduleOf. The distance between it and the real
// server is what gqlgen, ent, the privacy rules and the edge cost.

// floorColumns are the columns of one product row: the product, its
// seller's name, its group and its seller's approved pre-sales contact.
const floorColumns = `p.id, p.name, p.summary, s.name,
	g.id, g.name, g.phone, g.email, g.time_zone, g.service_days, g.service_hours, g.weekly_hours, g.closures,
	c.phone, c.email`

// floorJoins join a product to what its page shows.
const floorJoins = ` FROM products p
	JOIN sellers s ON s.id = p.seller_id
	LEFT JOIN customer_service_groups g ON g.id = p.after_sales_group_id
	LEFT JOIN contacts c ON c.id = s.pre_sales_contact_id`

// released is the anonymous viewer's filter: RELEASED products only.
const released = `p.status = 'RELEASED'`

// floor is the hand-written handler.
type floor struct {
	db                     *sql.DB
	page, list, listNewest string
	count                  string
	statements             atomic.Int64
}

// newFloor prepares the floor's statements for the database's dialect.
func newFloor(db *database.DB) *floor {
	pg := db.Dialect == database.Postgres
	// The list carries its total in the same statement: an uncorrelated
	// scalar subquery, computed once.
	list := func(order string) string {
		return "SELECT (SELECT count(*) FROM products WHERE status = 'RELEASED'), " + floorColumns + floorJoins +
			" WHERE " + released + " ORDER BY " + order + " LIMIT 50"
	}
	return &floor{
		db:         db.SQL,
		page:       rebind(pg, "SELECT "+floorColumns+floorJoins+" WHERE p.id = ? AND "+released),
		list:       list("p.id"),
		listNewest: list("p.released_at DESC, p.id DESC"),
		count:      "SELECT count(*) FROM products WHERE status = 'RELEASED'",
	}
}

// floorRequest is what the floor reads of a GraphQL request.
type floorRequest struct {
	OperationName string `json:"operationName"`
	Variables     struct {
		ID string `json:"id"`
	} `json:"variables"`
}

// ServeHTTP answers POST requests for ProductPage, ProductList and
// ProductListNewest.
func (f *floor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	arrival := time.Now()
	var req floorRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var data any
	var err error
	switch req.OperationName {
	case "ProductPage":
		data, err = f.productPage(r, req.Variables.ID, arrival)
	case "ProductList":
		data, err = f.products(r, f.list, arrival)
	case "ProductListNewest":
		data, err = f.products(r, f.listNewest, arrival)
	default:
		http.Error(w, "the floor answers ProductPage, ProductList and ProductListNewest only", http.StatusBadRequest)
		return
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	body, err := json.Marshal(struct {
		Data any `json:"data"`
	}{data})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
}

// The answer's shapes, field for field as the benchmark's queries ask.
type (
	pageJSON struct {
		Product *productJSON `json:"product"`
	}
	listJSON struct {
		Products connectionJSON `json:"products"`
	}
	connectionJSON struct {
		TotalCount int        `json:"totalCount"`
		Edges      []edgeJSON `json:"edges"`
	}
	edgeJSON struct {
		Node *productJSON `json:"node"`
	}
	productJSON struct {
		ID              string        `json:"id,omitempty"` // the lists ask for it, the page does not
		Name            string        `json:"name"`
		Summary         string        `json:"summary"`
		Seller          sellerJSON    `json:"seller"`
		AfterSalesGroup *groupJSON    `json:"afterSalesGroup"`
		PreSalesInfo    *preSalesJSON `json:"preSalesInfo"`
	}
	sellerJSON struct {
		Name string `json:"name"`
	}
	groupJSON struct {
		Name        string               `json:"name"`
		Phone       string               `json:"phone"`
		Email       string               `json:"email"`
		TimeZone    string               `json:"timeZone"`
		OpenNow     bool                 `json:"openNow"`
		NextOpenAt  *string              `json:"nextOpenAt"`
		NextCloseAt *string              `json:"nextCloseAt"`
		TodayHours  []schedule.TimeRange `json:"todayHours"`
		WeeklyHours []schedule.DayHours  `json:"weeklyHours"`
		Closures    []closureJSON        `json:"closures"`
	}
	// closureJSON differs from schedule.Closure in one way: an unnamed
	// closure reads "name": null, as in GraphQL.
	closureJSON struct {
		Date  string               `json:"date"`
		Name  *string              `json:"name"`
		Hours []schedule.TimeRange `json:"hours"`
	}
	preSalesJSON struct {
		Phone string `json:"phone"`
		Email string `json:"email"`
	}
)

// productPage answers ProductPage: null for a product that does not exist
// or is not released.
func (f *floor) productPage(r *http.Request, id string, arrival time.Time) (pageJSON, error) {
	n, err := strconv.Atoi(id)
	if err != nil {
		return pageJSON{}, err
	}
	f.statements.Add(1)
	rows, err := f.db.QueryContext(r.Context(), f.page, n)
	if err != nil {
		return pageJSON{}, err
	}
	defer rows.Close()
	var page pageJSON
	for rows.Next() {
		var p productJSON
		if err := scanProduct(rows, nil, &p, arrival); err != nil {
			return pageJSON{}, err
		}
		p.ID = "" // not asked for
		page.Product = &p
	}
	return page, rows.Err()
}

// products answers a list: the first 50 released products in the order of
// query, and their total.
func (f *floor) products(r *http.Request, query string, arrival time.Time) (listJSON, error) {
	f.statements.Add(1)
	rows, err := f.db.QueryContext(r.Context(), query)
	if err != nil {
		return listJSON{}, err
	}
	defer rows.Close()
	list := listJSON{Products: connectionJSON{Edges: []edgeJSON{}}}
	for rows.Next() {
		p := &productJSON{}
		if err := scanProduct(rows, &list.Products.TotalCount, p, arrival); err != nil {
			return listJSON{}, err
		}
		list.Products.Edges = append(list.Products.Edges, edgeJSON{Node: p})
	}
	if err := rows.Err(); err != nil {
		return listJSON{}, err
	}
	if len(list.Products.Edges) == 0 {
		// No row carried the total: nothing is released.
		f.statements.Add(1)
		err = f.db.QueryRowContext(r.Context(), f.count).Scan(&list.Products.TotalCount)
	}
	return list, err
}

// scanProduct reads one row of floorColumns (after the total, when total
// is not nil) into p.
func scanProduct(rows *sql.Rows, total *int, p *productJSON, arrival time.Time) error {
	var (
		id                                       int
		groupID                                  sql.NullInt64
		gName, gPhone, gEmail, gZone, cPhone, cE sql.NullString
		days, hours, weekly, closures            []byte
	)
	dest := []any{&id, &p.Name, &p.Summary, &p.Seller.Name,
		&groupID, &gName, &gPhone, &gEmail, &gZone, &days, &hours, &weekly, &closures, &cPhone, &cE}
	if total != nil {
		dest = append([]any{total}, dest...)
	}
	if err := rows.Scan(dest...); err != nil {
		return err
	}
	p.ID = strconv.Itoa(id)
	if cPhone.Valid {
		p.PreSalesInfo = &preSalesJSON{Phone: cPhone.String, Email: cE.String}
	}
	if !groupID.Valid {
		return nil
	}
	// The group as ent would load it, so that service.ScheduleOf reads its
	// week exactly as the resolvers do (a group without weekly hours has
	// its service days and hours).
	g := &ent.CustomerServiceGroup{TimeZone: gZone.String}
	for _, c := range []struct {
		raw []byte
		v   any
	}{{days, &g.ServiceDays}, {hours, &g.ServiceHours}, {weekly, &g.WeeklyHours}, {closures, &g.Closures}} {
		if len(c.raw) > 0 {
			if err := json.Unmarshal(c.raw, c.v); err != nil {
				return err
			}
		}
	}
	sched := service.ScheduleOf(g)
	status, err := sched.StatusAt(arrival)
	if err != nil {
		return err
	}
	today, err := sched.Today(arrival)
	if err != nil {
		return err
	}
	out := &groupJSON{
		Name: gName.String, Phone: gPhone.String, Email: gEmail.String, TimeZone: gZone.String,
		OpenNow:     status.Open,
		NextOpenAt:  timeJSON(status.NextOpen),
		NextCloseAt: timeJSON(status.NextClose),
		TodayHours:  today.Hours,
		WeeklyHours: sched.Week,
		Closures:    make([]closureJSON, len(sched.Closures)),
	}
	for i, c := range sched.Closures {
		out.Closures[i] = closureJSON{Date: c.Date, Name: c.Name, Hours: c.Hours}
		if out.Closures[i].Hours == nil {
			out.Closures[i].Hours = []schedule.TimeRange{}
		}
	}
	p.AfterSalesGroup = out
	return nil
}

// timeJSON formats a time as gqlgen's Time scalar does.
func timeJSON(t *time.Time) *string {
	if t == nil || t.IsZero() {
		return nil
	}
	s := t.Format(time.RFC3339Nano)
	return &s
}
