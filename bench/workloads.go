package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"servicesupport/auth"
	"servicesupport/database"
)

// The benchmark's operations. The three the floor answers share one
// selection of a product, so that the lists cost what a page of product
// pages would.

// groupSelection is what the product page shows of the after-sales group.
const groupSelection = `afterSalesGroup { name phone email timeZone openNow nextOpenAt nextCloseAt todayHours { start end } weeklyHours { day hours { start end } } closures { date name hours { start end } } }`

// productSelection is a product's part of the product page.
const productSelection = `name summary seller { name } ` + groupSelection + ` preSalesInfo { phone email }`

const (
	productPageQuery = `query ProductPage($id: ID!) { product(id: $id) { ` + productSelection + ` } }`
	productListQuery = `query ProductList { products(first: 50) { totalCount edges { node { id ` + productSelection + ` } } } }`
	productNewest    = `query ProductListNewest { products(first: 50, orderBy: {field: RELEASED_AT, direction: DESC}) { totalCount edges { node { id ` + productSelection + ` } } } }`

	sellerConsoleQuery = `query SellerConsole { viewer { role seller { id name accountID createdAt
  businessContact { id contactName phone email revision }
  preSalesInfo { id phone email contactAddress revision }
  customerServiceGroups { id name phone email timeZone version openNow meetsServicePolicy nextOpenAt nextCloseAt
    weeklyHours { day hours { start end } } closures { date name hours { start end } } }
  products(first: 20) { totalCount pageInfo { hasNextPage endCursor } edges { node { id name status releasedAt version afterSalesGroup { id name } } } }
  reviews(first: 10, where: {status: PENDING}) { totalCount edges { node { id kind status submittedAt dueAt } } }
} } }`

	reviewQueueQuery = `query ReviewQueue { reviews(first: 50, where: {status: PENDING}, orderBy: {field: DUE_AT, direction: ASC}) {
  totalCount
  edges { node { id kind status submittedBy submittedAt dueAt
    seller { id name accountID }
    changes { field before after }
    contact { id kind revision }
    product { id name status } } } } }`

	updateGroupMutation = `mutation UpdateGroup($id: ID!, $input: CustomerServiceGroupInput!) { updateCustomerServiceGroup(id: $id, input: $input) { customerServiceGroup { id version } userErrors { field message code } } }`
	groupVersionQuery   = `query GroupVersion($id: ID!) { node(id: $id) { ... on CustomerServiceGroup { version } } }`
	submitPreSales      = `mutation SubmitPreSales($input: SubmitPreSalesInfoInput!) { submitPreSalesInfo(input: $input) { review { id } userErrors { field message code } } }`
	approveMutation     = `mutation Approve($id: ID!) { approveReview(id: $id) { review { id status } userErrors { field message code } } }`
)

// workload is one kind of traffic. run performs one operation (one or more
// requests) as worker w against t, and reports false when w has nothing to
// do (a mutation worker without sellers).
type workload struct {
	name  string
	floor bool // the floor answers it too
	run   func(ctx context.Context, w *worker, t *target) bool
	// visit, when not nil, is the warm-up's first pass: each worker is
	// handed its share of it (i = worker index, n = workers).
	visit func(ctx context.Context, w *worker, t *target, i, n int)
}

// allWorkloads are the workloads in the order they run.
var allWorkloads = []workload{
	{name: "product_page", floor: true, run: runProductPage, visit: visitProductPages},
	{name: "product_list", floor: true, run: fixedBody(request("ProductList", productListQuery, nil), "")},
	{name: "product_list_newest", floor: true, run: fixedBody(request("ProductListNewest", productNewest, nil), "")},
	{name: "seller_console", run: runSellerConsole},
	{name: "review_queue", run: func(ctx context.Context, w *worker, t *target) bool {
		w.query(ctx, t, w.env.reviewerToken, w.env.reviewQueue)
		return true
	}},
	{name: "mutations", run: runMutation},
}

// request encodes a GraphQL request.
func request(operation, query string, variables map[string]any) []byte {
	body, err := json.Marshal(map[string]any{"operationName": operation, "query": query, "variables": variables})
	if err != nil {
		panic(err)
	}
	return body
}

// fixedBody is a workload that sends the same request every time.
func fixedBody(body []byte, token string) func(context.Context, *worker, *target) bool {
	return func(ctx context.Context, w *worker, t *target) bool {
		w.query(ctx, t, token, body)
		return true
	}
}

// pagePrefix and pageSuffix surround a product ID in a ProductPage
// request, so that building one costs the client next to nothing.
var pagePrefix, pageSuffix = func() ([]byte, []byte) {
	body := string(request("ProductPage", productPageQuery, map[string]any{"id": "@ID@"}))
	before, after, _ := strings.Cut(body, "@ID@")
	return []byte(before), []byte(after)
}()

// productPageBody is the ProductPage request for a product.
func productPageBody(buf []byte, id int) []byte {
	buf = append(buf[:0], pagePrefix...)
	buf = strconv.AppendInt(buf, int64(id), 10)
	return append(buf, pageSuffix...)
}

// runProductPage asks for a random released product's page, anonymously.
func runProductPage(ctx context.Context, w *worker, t *target) bool {
	w.buf = productPageBody(w.buf, pick(w.rng, w.env.released))
	w.query(ctx, t, "", w.buf)
	return true
}

// pagesVisited is how many released products the product page warm-up
// reads once, on each side: as many as the server's page cache keeps
// (graph.pageCacheSize). With up to that many released products, ours is
// measured with its cache in the steady state a product page sees (every
// page read at least once) and the floor with the database's own page
// cache as warm; with more (the 1M dataset) most random pages still miss,
// and the page measured is mostly the uncached one. With -nocache ours has
// no cache to fill.
const pagesVisited = 10000

// visitProductPages reads worker i's share of the first pagesVisited
// released products' pages, once each.
func visitProductPages(ctx context.Context, w *worker, t *target, i, n int) {
	ids := w.env.released[:min(len(w.env.released), pagesVisited)]
	for k := i; k < len(ids) && ctx.Err() == nil; k += n {
		w.buf = productPageBody(w.buf, ids[k])
		w.query(ctx, t, "", w.buf)
	}
}

// runSellerConsole loads a random seller's console.
func runSellerConsole(ctx context.Context, w *worker, t *target) bool {
	s := pick(w.rng, w.env.sellers)
	w.query(ctx, t, s.token, w.env.sellerConsole)
	return true
}

// mutationState is a worker's own sellers and what it knows of their
// groups' versions. Sellers are dealt out to workers, so two workers never
// race for one seller's pending review or group version: the errors the
// workload counts are the server's, not the benchmark's own conflicts.
type mutationState struct {
	sellers  []*benchSeller
	versions map[int]int
}

// runMutation changes a random seller of the worker's: half the time one
// of its groups, half the time its pre-sales contact, submitted and then
// approved by a reviewer.
func runMutation(ctx context.Context, w *worker, t *target) bool {
	st := w.mutations
	if len(st.sellers) == 0 {
		return false
	}
	s := pick(w.rng, st.sellers)
	if w.rng.IntN(2) == 0 && len(s.groups) > 0 {
		updateGroup(ctx, w, t, s, pick(w.rng, s.groups))
	} else {
		submitAndApprove(ctx, w, t, s)
	}
	return true
}

// mutationAnswer is what the workload reads of a mutation's payload.
type mutationAnswer struct {
	Data map[string]struct {
		CustomerServiceGroup *struct{ Version int }
		Review               *struct{ ID string }
		UserErrors           []struct {
			Field         []string
			Message, Code string
		}
	}
}

// payload decodes the payload of a mutation's one root field.
func payload(body []byte) (p struct {
	version  int
	reviewID string
	errors   []string
}, ok bool) {
	var a mutationAnswer
	if err := json.Unmarshal(body, &a); err != nil {
		return p, false
	}
	for _, v := range a.Data {
		if v.CustomerServiceGroup != nil {
			p.version = v.CustomerServiceGroup.Version
		}
		if v.Review != nil {
			p.reviewID = v.Review.ID
		}
		for _, e := range v.UserErrors {
			p.errors = append(p.errors, e.Code+" at "+strings.Join(e.Field, ".")+": "+e.Message)
		}
	}
	return p, true
}

// updateGroup gives a group another week and phone number (always within
// the policy: released products select it), with the version it last
// read; on CONFLICT it reads the version again and retries once.
func updateGroup(ctx context.Context, w *worker, t *target, s *benchSeller, g *benchGroup) {
	r := w.env.cat.regionOf(g.zone, w.rng)
	input := map[string]any{
		"name": g.name, "phone": pick(w.rng, r.phones), "email": g.email, "timeZone": g.zone,
		"weeklyHours": pick(w.rng, w.env.cat.weeks).week,
	}
	for attempt := 0; ; attempt++ {
		if v, ok := w.mutations.versions[g.id]; ok {
			input["expectedVersion"] = v
		}
		body, ok := w.mutate(ctx, t, s.token, request("UpdateGroup", updateGroupMutation, map[string]any{"id": strconv.Itoa(g.id), "input": input}))
		if !ok {
			return
		}
		p, _ := payload(body)
		if len(p.errors) == 0 && p.version > 0 {
			w.mutations.versions[g.id] = p.version
			w.wrote()
			return
		}
		if attempt == 0 && len(p.errors) == 1 && strings.HasPrefix(p.errors[0], "CONFLICT") {
			// Changed since this worker read it (an earlier run): read
			// the version again.
			var node struct {
				Data struct{ Node *struct{ Version int } }
			}
			b, ok := w.query(ctx, t, s.token, request("GroupVersion", groupVersionQuery, map[string]any{"id": strconv.Itoa(g.id)}))
			if !ok || json.Unmarshal(b, &node) != nil || node.Data.Node == nil {
				w.fail("re-reading a group's version: " + string(b))
				return
			}
			w.mutations.versions[g.id] = node.Data.Node.Version
			continue
		}
		w.fail(fmt.Sprintf("updateCustomerServiceGroup: %v %s", p.errors, body))
		return
	}
}

// submitAndApprove submits new pre-sales info for the seller and has the
// reviewer approve it.
func submitAndApprove(ctx context.Context, w *worker, t *target, s *benchSeller) {
	r := pick(w.rng, w.env.cat.regions)
	input := map[string]any{
		"phone": pick(w.rng, r.phones), "email": fmt.Sprintf("sales%d@%s", w.rng.IntN(100), s.domain),
		"contactAddress": address(w.rng),
	}
	body, ok := w.mutate(ctx, t, s.token, request("SubmitPreSales", submitPreSales, map[string]any{"input": input}))
	if !ok {
		return
	}
	p, _ := payload(body)
	if len(p.errors) > 0 || p.reviewID == "" {
		w.fail(fmt.Sprintf("submitPreSalesInfo: %v %s", p.errors, body))
		return
	}
	w.wrote()
	body, ok = w.mutate(ctx, t, w.env.reviewerToken, request("Approve", approveMutation, map[string]any{"id": p.reviewID}))
	if !ok {
		return
	}
	if p, _ := payload(body); len(p.errors) > 0 {
		w.fail(fmt.Sprintf("approveReview: %v", p.errors))
		return
	}
	w.wrote()
}

// regionOf returns a region in zone (any region when none is).
func (c *catalog) regionOf(zone string, rng *rand.Rand) region {
	var in []region
	for _, r := range c.regions {
		if r.zone == zone {
			in = append(in, r)
		}
	}
	if len(in) == 0 {
		return pick(rng, c.regions)
	}
	return pick(rng, in)
}

// The data the workloads draw from.

// env is what every worker reads: the dataset's released products, a
// sample of its sellers with their tokens, the reviewer's token.
type env struct {
	cat           *catalog
	released      []int
	draft         int // a product that is not released (0: none)
	sellers       []*benchSeller
	reviewerToken string
	sellerConsole []byte
	reviewQueue   []byte
}

// benchSeller is a seller the workloads act as.
type benchSeller struct {
	id      int
	account string
	domain  string
	token   string
	groups  []*benchGroup
}

// benchGroup is one of its groups, as the dataset wrote it.
type benchGroup struct {
	id                int
	name, email, zone string
	version           int
}

// maxSampleSellers bounds the sellers the workloads act as (and mint
// tokens for).
const maxSampleSellers = 2000

// loadEnv reads what the workloads need from the database and mints the
// tokens.
func loadEnv(ctx context.Context, db *database.DB, secret []byte, rng *rand.Rand) (*env, error) {
	cat, err := newCatalog()
	if err != nil {
		return nil, err
	}
	e := &env{cat: cat, sellerConsole: request("SellerConsole", sellerConsoleQuery, nil), reviewQueue: request("ReviewQueue", reviewQueueQuery, nil)}
	rows, err := db.SQL.QueryContext(ctx, "SELECT id FROM products WHERE status = 'RELEASED' ORDER BY id")
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		e.released = append(e.released, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(e.released) == 0 {
		return nil, fmt.Errorf("the dataset has no released products")
	}
	_ = db.SQL.QueryRowContext(ctx, "SELECT id FROM products WHERE status = 'DRAFT' ORDER BY id LIMIT 1").Scan(&e.draft)

	// A sample of the sellers with their groups.
	var all []*benchSeller
	rows, err = db.SQL.QueryContext(ctx, "SELECT id, account_id, name FROM sellers ORDER BY id")
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		s := &benchSeller{}
		var name string
		if err := rows.Scan(&s.id, &s.account, &name); err != nil {
			rows.Close()
			return nil, err
		}
		s.domain = slug(name)
		all = append(all, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	e.sellers = all[:min(len(all), maxSampleSellers)]
	if len(e.sellers) == 0 {
		return nil, fmt.Errorf("the dataset has no sellers")
	}
	byID := map[int]*benchSeller{}
	now := time.Now()
	for _, s := range e.sellers {
		byID[s.id] = s
		if s.token, err = auth.Mint(secret, sellerSubject(s.account), "seller", s.account, 24*time.Hour, now); err != nil {
			return nil, err
		}
	}
	if e.reviewerToken, err = auth.Mint(secret, reviewerSubject, "reviewer", "", 24*time.Hour, now); err != nil {
		return nil, err
	}
	const chunk = 500
	for lo := 0; lo < len(e.sellers); lo += chunk {
		part := e.sellers[lo:min(lo+chunk, len(e.sellers))]
		ids := make([]string, len(part))
		for i, s := range part {
			ids[i] = strconv.Itoa(s.id)
		}
		rows, err := db.SQL.QueryContext(ctx, "SELECT id, seller_id, name, email, time_zone, version FROM customer_service_groups WHERE seller_id IN ("+strings.Join(ids, ", ")+") ORDER BY id")
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			g := &benchGroup{}
			var sellerID int
			if err := rows.Scan(&g.id, &sellerID, &g.name, &g.email, &g.zone, &g.version); err != nil {
				rows.Close()
				return nil, err
			}
			if s := byID[sellerID]; s != nil {
				s.groups = append(s.groups, g)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// dealSellers gives worker i of n every n-th seller of the sample, with
// the group versions the dataset holds.
func (e *env) dealSellers(i, n int) *mutationState {
	st := &mutationState{versions: map[int]int{}}
	for j := i; j < len(e.sellers); j += n {
		s := e.sellers[j]
		st.sellers = append(st.sellers, s)
		for _, g := range s.groups {
			st.versions[g.id] = g.version
		}
	}
	return st
}
