package graph_test

// The product page cache (pagecache.go): an anonymous query whose only root
// field is product(id) is answered from the instance's memory while the
// seller's page version is unchanged. These tests prove what makes that
// safe: every kind of write shows at once on every instance over the same
// database; the clock-dependent fields are worked out at each read; nothing
// else (another viewer, another shape of query) is ever served from the
// cache; and NoCache turns it off.
//
// What the tests observe is the SQL each read runs (pageRead): a hit is
// exactly one statement, the read of the seller's page version; a miss
// works the page out, its product statement also reading the seller's page
// version; a read the cache does not take part in runs neither and exactly
// what an instance without the cache runs.

import (
	"bytes"
	"context"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	"github.com/99designs/gqlgen/graphql"

	"servicesupport/database"
	"servicesupport/graph"
	"servicesupport/policy"
	"servicesupport/telemetry"
)

// pageView is a product page as productPage reads it.
type pageView struct {
	Product *struct {
		ID      string
		Name    string
		Summary string
		Seller  struct{ Name string }
		// AfterSalesGroup is the product's group, clock fields included.
		AfterSalesGroup *struct {
			Name, Phone, Email, TimeZone string
			ServiceDays                  []string
			ServiceHours                 []TimeRange
			OpenNow                      bool
			NextOpenAt, NextCloseAt      *time.Time
			TodayHours                   []TimeRange
			WeeklyHours                  []struct {
				Day   string
				Hours []TimeRange
			}
		}
		PreSalesInfo *struct{ Phone, Email string }
	}
}

// sqlLog records the SQL of the statements an instance runs.
type sqlLog struct {
	mu sync.Mutex
	qs []string
}

func (l *sqlLog) add(q string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.qs = append(l.qs, q)
}

// since returns the statements after the first n.
func (l *sqlLog) since(n int) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.qs[n:]...)
}

func (l *sqlLog) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.qs)
}

// What the cache (pagecache.go) adds to the statements of a page: the
// hit's read of the seller's page version, and the miss's columns of the
// product's seller and its page version, read in the product's statement
// (the last of its companions' rows, companions.go).
var (
	versionReadSQL = regexp.MustCompile("(?is)^SELECT [^,]*page_version[\x60\"]* FROM [\x60\"]*sellers[\x60\"]* WHERE ")
	ownerReadSQL   = regexp.MustCompile("(?is), (json\\(\\(" + ownerRowSQL + "\\)|\\(" + ownerRowSQL + ")")
)

// ownerRowSQL is the subquery of the page version's companion row, closed.
const ownerRowSQL = "SELECT json(_build)?_array\\(CAST\\([\x60\"]*joined_seller[\x60\"]*\\.[\x60\"]*id[\x60\"]* AS TEXT\\), CAST\\([\x60\"]*joined_seller[\x60\"]*\\.[\x60\"]*page_version[\x60\"]* AS TEXT\\)\\) FROM [^)]*\\)"

// pageInstance is one instance of the server: its handler (so its own page
// cache), its statement counter and the SQL it ran.
type pageInstance struct {
	name string
	env  *Env
	log  *sqlLog
}

// newPageEnv is NewEnv whose statements are recorded: instance A.
func newPageEnv(t *testing.T, name string, opts ...EnvOption) pageInstance {
	t.Helper()
	log := &sqlLog{}
	opts = append(opts, WithDriver(func(d dialect.Driver) dialect.Driver { return statementDriver{Driver: d, see: log.add} }))
	return pageInstance{name: name, env: NewEnv(t, opts...), log: log}
}

// anotherInstance is another instance of a's server over a's database (the
// same SQLite file, the same PostgreSQL database): its own pool, client,
// statement counter, log and handler — so its own page cache — built from
// a's configuration changed by tweak (nil: unchanged).
func anotherInstance(t *testing.T, a pageInstance, name string, tweak func(*graph.HandlerConfig)) pageInstance {
	t.Helper()
	db, err := database.Connect(a.env.URL, database.Options{})
	if err != nil {
		t.Fatal(err)
	}
	n, log := &atomic.Int64{}, &sqlLog{}
	client := db.Client(func(d dialect.Driver) dialect.Driver {
		return statementDriver{Driver: countStatements(telemetry.CountStatements(d), n), see: log.add}
	})
	t.Cleanup(func() { client.Close() })
	e := a.env.Reconfigure(t, func(c *graph.HandlerConfig) {
		c.Client = client
		if tweak != nil {
			tweak(c)
		}
	})
	e.Client, e.Statements = client, n
	return pageInstance{name: name, env: e, log: log}
}

// noPageCache is the configuration of an instance without the cache: what
// the database says, the oracle of every page the cache serves.
func noPageCache(c *graph.HandlerConfig) { c.NoCache = true }

// pageRead is one read: its statements (counted and recorded) and answer.
type pageRead struct {
	n     int64
	stmts []string
	Result
}

// data is the answer's data, canonical (Do re-encodes it, keys sorted).
func (r pageRead) data() string { return string(r.Data) }

// hit reports whether the read was served from the cache: one statement,
// the page version.
func (r pageRead) hit() bool {
	return r.n == 1 && len(r.stmts) == 1 && versionReadSQL.MatchString(r.stmts[0])
}

// workedOut reports whether the read was worked out without a kept answer
// being checked.
func (r pageRead) workedOut() bool {
	for _, q := range r.stmts {
		if versionReadSQL.MatchString(q) {
			return false
		}
	}
	return r.n > 0
}

// miss reports whether the read was worked out and kept: its product
// statement read the product's seller and page version.
func (r pageRead) miss() bool {
	for _, q := range r.stmts {
		if ownerReadSQL.MatchString(q) {
			return true
		}
	}
	return false
}

// uncached reports whether the cache took no part in the read: neither of
// its statements ran.
func (r pageRead) uncached() bool {
	for _, q := range r.stmts {
		if versionReadSQL.MatchString(q) || ownerReadSQL.MatchString(q) {
			return false
		}
	}
	return true
}

// page decodes the answer as a product page.
func (r pageRead) page(t *testing.T) pageView {
	t.Helper()
	var v pageView
	Decode(t, r.Result, &v)
	return v
}

// String shows the read's statements, for failures.
func (r pageRead) String() string {
	return strings.Join(r.stmts, "\n\t")
}

// sameStatements reports whether two reads ran the same statements, in
// any order (root fields resolve concurrently).
func sameStatements(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// read runs query (with id as $id, when it has one) as p on the instance;
// errors fail the test.
func (in pageInstance) read(t *testing.T, p Persona, query, id string) pageRead {
	t.Helper()
	var vars map[string]any
	if strings.Contains(query, "$id") {
		vars = map[string]any{"id": id}
	}
	return in.readVars(t, p, query, vars)
}

// readVars reads query with the given variables on the instance.
func (in pageInstance) readVars(t *testing.T, p Persona, query string, vars map[string]any) pageRead {
	t.Helper()
	var rd pageRead
	from := in.log.len()
	rd.n = in.env.StatementsOf(func() { rd.Result = in.env.For(t).Do(p, query, vars) })
	rd.stmts = in.log.since(from)
	if len(rd.Errors) > 0 {
		t.Fatalf("instance %s, as %s: %+v", in.name, p, rd.Errors)
	}
	if int64(len(rd.stmts)) != rd.n {
		t.Fatalf("instance %s counted %d statements but recorded %d:\n\t%s", in.name, rd.n, len(rd.stmts), rd)
	}
	return rd
}

// pageClock is the instant at which the change tests read pages (a
// Wednesday, 11:00 in Shanghai: the seeded groups are open), so that the
// clock fields of every read agree whichever instance answers.
var pageClock = time.Date(2026, time.January, 7, 3, 0, 0, 0, time.UTC)

// setPageClock makes graphql.Now, the arrival of every request, return at
// until the test ends (tests that call it must not run in parallel).
func setPageClock(t *testing.T, at time.Time) {
	t.Helper()
	orig := graphql.Now
	t.Cleanup(func() { graphql.Now = orig })
	graphql.Now = func() time.Time { return at }
}

// readAt reads the anonymous product page of id on the instance with the
// clock at pageClock (mutations in between run at the real time).
func (in pageInstance) readAt(t *testing.T, id string) pageRead {
	t.Helper()
	orig := graphql.Now
	graphql.Now = func() time.Time { return pageClock }
	defer func() { graphql.Now = orig }()
	return in.read(t, Anonymous, productPage, id)
}

// digits keeps the digits of a phone number (the API normalizes them).
func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// pageWorld is what the change tests start from: Seed's world (the
// owner's released product with its group and approved pre-sales info, a
// pending pre-sales submission; the other seller's released product) and a
// second group of the owner.
type pageWorld struct {
	World
	SecondGroupID string
}

// pageStep is one change of a case and what the page must show after it.
type pageStep struct {
	name   string
	change func(t *testing.T, a *Env, w pageWorld)
	// check is given the page before the case's first change and the page
	// an instance served after this change (nil: nothing more to check).
	check func(t *testing.T, before, after pageView)
	// unchanged: the change does not show on the page (it must read as
	// before the change); cached: nor is it the owner's, so the page must
	// still be served from each instance's cache (a hit).
	unchanged, cached bool
	// other checks the other seller's page as the instance served it.
	other func(t *testing.T, page pageView)
}

// TestPageCacheChangesShowOnEveryInstance warms the page of a released
// product on two instances over one database, changes what it shows
// through instance A, and reads it on B and A at once: each must serve what
// an instance without the cache reads from the database, and the change
// itself, and keep the new page; a change of another seller's data must
// leave the page served from the cache. It sets graphql.Now around reads:
// not parallel.
func TestPageCacheChangesShowOnEveryInstance(t *testing.T) {
	groupEdit := func(name string, over map[string]any) func(*testing.T, *Env, pageWorld) {
		return func(t *testing.T, a *Env, w pageWorld) {
			a.For(t).MutateOK(Owner, UpdateGroupM, map[string]any{"id": w.GroupID, "in": GroupInputWith(name, over)})
		}
	}
	product := func(m string) func(*testing.T, *Env, pageWorld) {
		return func(t *testing.T, a *Env, w pageWorld) {
			a.For(t).MutateOK(Owner, m, map[string]any{"id": w.ReleasedID})
		}
	}
	gone := func(t *testing.T, _, after pageView) {
		if after.Product != nil {
			t.Errorf("the page shows the product: %+v", *after.Product)
		}
	}
	samePreSales := func(t *testing.T, before, after pageView) {
		if after.Product == nil || after.Product.PreSalesInfo == nil || *after.Product.PreSalesInfo != *before.Product.PreSalesInfo {
			t.Errorf("preSalesInfo = %+v, want the approved %+v", after.Product.PreSalesInfo, *before.Product.PreSalesInfo)
		}
	}
	var pendingReview string
	cases := []struct {
		name string
		// setup runs before the pages are warmed (nil: none).
		setup func(t *testing.T, a *Env, w pageWorld)
		steps []pageStep
	}{
		{"group name", nil, []pageStep{{
			change: groupEdit("Acme Helpdesk", nil),
			check: func(t *testing.T, _, after pageView) {
				if g := after.Product.AfterSalesGroup; g == nil || g.Name != "Acme Helpdesk" {
					t.Errorf("afterSalesGroup = %+v, want the name Acme Helpdesk", g)
				}
			},
		}}},
		{"group phone", nil, []pageStep{{
			change: groupEdit("Acme Support", map[string]any{"phone": "+86 10 8888 7777"}),
			check: func(t *testing.T, _, after pageView) {
				if g := after.Product.AfterSalesGroup; g == nil || digits(g.Phone) != "861088887777" {
					t.Errorf("afterSalesGroup = %+v, want the phone +86 10 8888 7777", g)
				}
			},
		}}},
		{"group hours", nil, []pageStep{{
			change: groupEdit("Acme Support", map[string]any{"serviceDays": AllDays, "serviceHours": Hours("08:00", "20:00")}),
			check: func(t *testing.T, _, after pageView) {
				g := after.Product.AfterSalesGroup
				if g == nil || len(g.ServiceDays) != 7 || len(g.WeeklyHours) != 7 || len(g.ServiceHours) != 1 || g.ServiceHours[0] != (TimeRange{"08:00", "20:00"}) {
					t.Errorf("afterSalesGroup = %+v, want every day 08:00–20:00", g)
				}
				// Wednesday 11:00 in Shanghai: open until 20:00 now.
				if want := time.Date(2026, time.January, 7, 12, 0, 0, 0, time.UTC); g == nil || g.NextCloseAt == nil || !g.NextCloseAt.Equal(want) {
					t.Errorf("afterSalesGroup = %+v, want nextCloseAt %s", g, want)
				}
			},
		}}},
		{"another group selected", nil, []pageStep{{
			change: func(t *testing.T, a *Env, w pageWorld) {
				a.For(t).MutateOK(Owner, UpdateProductM, map[string]any{"id": w.ReleasedID, "in": map[string]any{"afterSalesGroupID": w.SecondGroupID}})
			},
			check: func(t *testing.T, _, after pageView) {
				if g := after.Product.AfterSalesGroup; g == nil || g.Name != "Acme Premium" || digits(g.Phone) != "861099990000" || len(g.ServiceDays) != 7 {
					t.Errorf("afterSalesGroup = %+v, want Acme Premium", g)
				}
			},
		}}},
		{"hidden and shown again", nil, []pageStep{
			{name: "hidden", change: product(HideM), check: gone},
			{name: "shown", change: product(ShowM), check: func(t *testing.T, before, after pageView) {
				if after.Product == nil || after.Product.ID != before.Product.ID || after.Product.AfterSalesGroup == nil {
					t.Errorf("the page of the shown product is %+v", after.Product)
				}
			}},
		}},
		// The hidden product's null page is kept too: showing it again
		// must show it at once.
		{"shown again", product(HideM), []pageStep{{name: "shown", change: product(ShowM), check: func(t *testing.T, _, after pageView) {
			if after.Product == nil || after.Product.Name != "Acme Compute" || after.Product.AfterSalesGroup == nil || after.Product.PreSalesInfo == nil {
				t.Errorf("the page of the shown product is %+v", after.Product)
			}
		}}}},
		{"removed", nil, []pageStep{{change: product(RemoveM), check: gone}}},
		{"pre-sales info submitted, then approved", nil, []pageStep{
			{
				name: "submitted",
				change: func(t *testing.T, a *Env, _ pageWorld) {
					pendingReview = a.For(t).SubmitPreSales(Owner, "+86 10 6552 7777", "presales3@acme.example", "3 Acme Road, Beijing")
				},
				check: samePreSales, unchanged: true,
			},
			{
				name:   "approved",
				change: func(t *testing.T, a *Env, _ pageWorld) { a.For(t).Approve(pendingReview) },
				check: func(t *testing.T, _, after pageView) {
					if ps := after.Product.PreSalesInfo; ps == nil || ps.Email != "presales3@acme.example" || digits(ps.Phone) != "861065527777" {
						t.Errorf("preSalesInfo = %+v, want the approved +86 10 6552 7777, presales3@acme.example", ps)
					}
				},
			},
		}},
		// No mutation changes a seller's name (createSeller sets it once):
		// the direct write stands for any writer (an admin script, a
		// migration); the sellers trigger bumps the page version whoever
		// writes.
		{"seller name written directly", nil, []pageStep{{
			change: func(t *testing.T, a *Env, _ pageWorld) {
				if err := a.Client.Seller.UpdateOneID(SellerInt(t, a.OwnerSellerID)).SetName("Acme Cloud International").Exec(policy.System(context.Background())); err != nil {
					t.Fatal(err)
				}
			},
			check: func(t *testing.T, _, after pageView) {
				if got := after.Product.Seller.Name; got != "Acme Cloud International" {
					t.Errorf("seller.name = %q, want Acme Cloud International", got)
				}
			},
		}}},
		{"another seller's group and name", nil, []pageStep{{
			change: func(t *testing.T, a *Env, w pageWorld) {
				a.For(t).MutateOK(OtherSeller, UpdateGroupM, map[string]any{"id": w.OtherGroupID, "in": GroupInput("Globex Helpdesk")})
				if err := a.Client.Seller.UpdateOneID(SellerInt(t, a.OtherSellerID)).SetName("Globex International").Exec(policy.System(context.Background())); err != nil {
					t.Fatal(err)
				}
			},
			unchanged: true, cached: true,
			other: func(t *testing.T, page pageView) {
				if p := page.Product; p == nil || p.Seller.Name != "Globex International" || p.AfterSalesGroup == nil || p.AfterSalesGroup.Name != "Globex Helpdesk" {
					t.Errorf("the other seller's page is %+v, want Globex International with Globex Helpdesk", p)
				}
			},
		}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := newPageEnv(t, "A")
			b := anotherInstance(t, a, "B", nil)
			truth := anotherInstance(t, a, "without the cache", noPageCache)
			w := pageWorld{World: a.env.For(t).Seed()}
			w.SecondGroupID = a.env.For(t).CreateGroup(Owner, GroupInputWith("Acme Premium", map[string]any{
				"phone": "+86 10 9999 0000", "serviceDays": AllDays, "serviceHours": Hours("00:00", "24:00"),
			}))
			if c.setup != nil {
				c.setup(t, a.env, w)
			}
			instances := []pageInstance{b, a}

			// Warm both sellers' pages on both instances: a miss, then a hit.
			want := truth.readAt(t, w.ReleasedID)
			wantOther := truth.readAt(t, w.OtherReleasedID)
			for _, in := range instances {
				for _, id := range []string{w.ReleasedID, w.OtherReleasedID} {
					first := in.readAt(t, id)
					second := in.readAt(t, id)
					if first.data() == `{"product":null}` {
						// Not released (this case's setup): nothing is kept.
						if !first.workedOut() || !second.workedOut() {
							t.Fatalf("instance %s: reading the page of %s, not released, twice ran\n\t%s\nthen\n\t%s\nwant it worked out twice", in.name, id, first, second)
						}
						continue
					}
					if !first.miss() || !second.hit() {
						t.Fatalf("instance %s: reading the page of %s twice ran\n\t%s\nthen\n\t%s\nwant a miss, then a hit (1 statement, the page version)", in.name, id, first, second)
					}
					if second.data() != first.data() {
						t.Fatalf("instance %s: the kept page differs from the page it was made of:\n%s\n%s", in.name, first.Data, second.Data)
					}
				}
				if got := in.readAt(t, w.ReleasedID); got.data() != want.data() || !got.hit() && want.data() != `{"product":null}` {
					t.Fatalf("instance %s serves\n%s\nthe database says\n%s", in.name, got.Data, want.Data)
				}
			}
			before := want.page(t)
			if c.setup == nil && (before.Product == nil || before.Product.AfterSalesGroup == nil || before.Product.PreSalesInfo == nil) {
				t.Fatalf("incomplete page before the change: %s", want.Data)
			}

			prev := want
			for _, st := range c.steps {
				if st.name == "" {
					st.name = c.name
				}
				st.change(t, a.env, w)
				now := truth.readAt(t, w.ReleasedID)
				nowOther := truth.readAt(t, w.OtherReleasedID)
				for _, in := range instances {
					got := in.readAt(t, w.ReleasedID)
					if got.data() != now.data() {
						t.Errorf("%s: instance %s serves\n%s\nthe database says\n%s", st.name, in.name, got.Data, now.Data)
					}
					if st.check != nil {
						st.check(t, before, got.page(t))
					}
					switch {
					case st.unchanged && got.data() != prev.data():
						t.Errorf("%s: instance %s serves a changed page:\n%s\nwas\n%s", st.name, in.name, got.Data, prev.Data)
					case !st.unchanged && got.data() == prev.data():
						t.Errorf("%s: instance %s still serves the page as it was before the change:\n%s", st.name, in.name, got.Data)
					}
					if st.cached && !got.hit() {
						t.Errorf("%s: instance %s read the unchanged page with\n\t%s\nwant a hit (1 statement, the page version)", st.name, in.name, got)
					}
					if !st.cached && !got.miss() {
						t.Errorf("%s: instance %s read the changed page with\n\t%s\nwant a miss", st.name, in.name, got)
					}
					// The new page is kept again; a page without its product
					// (it is no longer released) is not kept at all.
					again := in.readAt(t, w.ReleasedID)
					switch gone := got.data() == `{"product":null}`; {
					case again.data() != got.data():
						t.Errorf("%s: instance %s read the page again as\n%s\nwas\n%s", st.name, in.name, again.Data, got.Data)
					case !gone && !again.hit():
						t.Errorf("%s: instance %s read the page again with\n\t%s\nwant a hit, as before", st.name, in.name, again)
					case gone && !again.workedOut():
						t.Errorf("%s: instance %s read the page of a product it may not see again with\n\t%s\nwant the page worked out, no page version read", st.name, in.name, again)
					}
					gotOther := in.readAt(t, w.OtherReleasedID)
					if gotOther.data() != nowOther.data() {
						t.Errorf("%s: instance %s serves the other seller's page\n%s\nthe database says\n%s", st.name, in.name, gotOther.Data, nowOther.Data)
					}
					if st.other != nil {
						st.other(t, gotOther.page(t))
					} else if gotOther.data() != wantOther.data() || !gotOther.hit() {
						t.Errorf("%s: after the owner's change, instance %s read the other seller's page with\n\t%s\nwant a hit, as it was; got\n%s\nwas\n%s", st.name, in.name, gotOther, gotOther.Data, wantOther.Data)
					}
				}
				prev = now
				if t.Failed() {
					t.FailNow()
				}
			}
		})
	}
}

// TestPageCacheTimeAtRead proves a kept page works out its group's clock
// fields at each read: a group open Monday–Friday 09:00–17:00 UTC, read
// on a Monday at 10:00 (open), again at 20:00 (closed, opens Tuesday 09:00),
// on the Saturday (closed all day, opens Monday) and on the Tuesday at
// 16:30 (open until 17:00), every read after the first a hit that answers
// what an instance without the cache answers at that instant. It replaces
// graphql.Now: not parallel.
func TestPageCacheTimeAtRead(t *testing.T) {
	in := newPageEnv(t, "A")
	env := in.env
	truth := anotherInstance(t, in, "without the cache", noPageCache)
	env.Approve(env.SubmitPreSales(Owner, "+86 10 6552 9988", "presales@acme.example", "1 Acme Road, Beijing"))
	g := env.CreateGroup(Owner, GroupInputWith("Acme UTC", map[string]any{
		"timeZone": "UTC", "serviceDays": Weekdays, "serviceHours": Hours("09:00", "17:00"),
	}))
	id := env.CreateProduct(Owner, "Acme Clock", g)
	env.Approve(env.SubmitRelease(Owner, id))

	utc := func(day, hour, minute int) time.Time {
		return time.Date(2026, time.January, day, hour, minute, 0, 0, time.UTC)
	}
	if utc(5, 0, 0).Weekday() != time.Monday {
		t.Fatal("2026-01-05 is not a Monday")
	}
	ptr := func(t time.Time) *time.Time { return &t }
	workday := []TimeRange{{"09:00", "17:00"}}
	reads := []struct {
		name                    string
		at                      time.Time
		open                    bool
		nextOpenAt, nextCloseAt *time.Time
		today                   []TimeRange
		hit                     bool
	}{
		{"Monday 10:00, first read", utc(5, 10, 0), true, nil, ptr(utc(5, 17, 0)), workday, false},
		{"Monday 10:00 again", utc(5, 10, 0), true, nil, ptr(utc(5, 17, 0)), workday, true},
		{"Monday 20:00", utc(5, 20, 0), false, ptr(utc(6, 9, 0)), nil, workday, true},
		{"Saturday 12:00", utc(10, 12, 0), false, ptr(utc(12, 9, 0)), nil, nil, true},
		{"Tuesday 16:30", utc(6, 16, 30), true, nil, ptr(utc(6, 17, 0)), workday, true},
	}
	same := func(a, b *time.Time) bool { return (a == nil) == (b == nil) && (a == nil || a.Equal(*b)) }
	for _, r := range reads {
		setPageClock(t, r.at)
		got := in.read(t, Anonymous, productPage, id)
		if r.hit && !got.hit() {
			t.Errorf("%s: ran\n\t%s\nwant a hit (1 statement, the page version)", r.name, got)
		}
		if !r.hit && !got.miss() {
			t.Errorf("%s: ran\n\t%s\nwant a miss", r.name, got)
		}
		page := got.page(t)
		if page.Product == nil || page.Product.AfterSalesGroup == nil {
			t.Fatalf("%s: no page or group: %s", r.name, got.Data)
		}
		grp := page.Product.AfterSalesGroup
		if grp.OpenNow != r.open || !same(grp.NextOpenAt, r.nextOpenAt) || !same(grp.NextCloseAt, r.nextCloseAt) || len(grp.TodayHours) != len(r.today) || (len(r.today) > 0 && grp.TodayHours[0] != r.today[0]) {
			t.Errorf("%s: openNow %v nextOpenAt %v nextCloseAt %v todayHours %v, want %v %v %v %v",
				r.name, grp.OpenNow, grp.NextOpenAt, grp.NextCloseAt, grp.TodayHours, r.open, r.nextOpenAt, r.nextCloseAt, r.today)
		}
		if want := truth.read(t, Anonymous, productPage, id); got.data() != want.data() {
			t.Errorf("%s: the kept page is\n%s\nwithout the cache\n%s", r.name, got.Data, want.Data)
		}
	}
}

// TestPageCacheOnlyAnonymousPageQueries proves the cache answers nothing
// but the anonymous product page query: after the anonymous page of the
// same query was kept, a viewer with a token, a product listing and a
// product query with another root field run, on every read, neither of the
// cache's statements and exactly the statements of an instance without
// the cache, and answer what it answers.
func TestPageCacheOnlyAnonymousPageQueries(t *testing.T) {
	in := newPageEnv(t, "A")
	truth := anotherInstance(t, in, "without the cache", noPageCache)
	w := in.env.Seed()
	// seller.accountID reads as null for anonymous, so an anonymous page
	// served to its owner would show.
	const ownPage = `query($id: ID!) { product(id: $id) { id name seller { name accountID } afterSalesGroup { name openNow todayHours { start end } } preSalesInfo { phone email } } }`
	for _, q := range []string{productPage, ownPage} {
		in.read(t, Anonymous, q, w.ReleasedID)
		if again := in.read(t, Anonymous, q, w.ReleasedID); !again.hit() {
			t.Fatalf("the anonymous page read again ran\n\t%s\nwant a hit", again)
		}
	}
	notCached := func(name string, p Persona, q string) {
		t.Helper()
		want := truth.read(t, p, q, w.ReleasedID)
		for i := range 2 {
			got := in.read(t, p, q, w.ReleasedID)
			if !got.uncached() || !sameStatements(got.stmts, want.stmts) {
				t.Errorf("%s as %s, read %d ran\n\t%s\nwithout the cache\n\t%s", name, p, i+1, got, want)
			}
			if got.data() != want.data() {
				t.Errorf("%s as %s, read %d: got\n%s\nwithout the cache\n%s", name, p, i+1, got.Data, want.Data)
			}
		}
	}
	for _, p := range []Persona{Owner, OtherSeller, Reviewer, Admin, NoSellerAccount} {
		notCached("the product page", p, productPage)
		notCached("the product page with seller.accountID", p, ownPage)
	}
	var own struct {
		Product struct{ Seller struct{ AccountID *string } }
	}
	Decode(t, in.read(t, Owner, ownPage, w.ReleasedID).Result, &own)
	if own.Product.Seller.AccountID == nil || *own.Product.Seller.AccountID != "acme" {
		t.Errorf("the owner reads seller.accountID %s, want \"acme\" (an anonymous page was served?)", Show(own.Product.Seller.AccountID))
	}

	shapes := []struct{ name, query string }{
		{"products(first: 5)", `{ products(first: 5) { edges { node { id name seller { name } afterSalesGroup { name openNow } preSalesInfo { phone } } } } }`},
		{"product and products", `query($id: ID!) { product(id: $id) { id name seller { name } afterSalesGroup { name } } products(first: 1) { edges { node { id } } } }`},
		{"product and node", `query($id: ID!) { product(id: $id) { id name seller { name } afterSalesGroup { name } } node(id: $id) { id } }`},
		{"product twice", `query($id: ID!) { a: product(id: $id) { id name afterSalesGroup { name } } b: product(id: $id) { seller { name } } }`},
		{"product and viewer", `query($id: ID!) { product(id: $id) { id name seller { name } afterSalesGroup { name } } viewer { role } }`},
	}
	for _, s := range shapes {
		notCached(s.name, Anonymous, s.query)
	}
}

// TestPageCacheOff proves NoCache: every read of the product page runs
// the whole page — the statements a cached instance's miss runs besides
// the cache's own — and none of the cache's, and sees a write at once.
func TestPageCacheOff(t *testing.T) {
	in := newPageEnv(t, "without the cache", WithConfig(noPageCache))
	cached := anotherInstance(t, in, "with the cache", func(c *graph.HandlerConfig) { c.NoCache = false })
	w := in.env.Seed()
	miss := cached.read(t, Anonymous, productPage, w.ReleasedID)
	if !miss.miss() {
		t.Fatalf("the first read with the cache ran\n\t%s\nwant a miss", miss)
	}
	var page []string
	for _, q := range miss.stmts {
		page = append(page, ownerReadSQL.ReplaceAllString(q, ""))
	}
	var reads []pageRead
	for range 3 {
		reads = append(reads, in.read(t, Anonymous, productPage, w.ReleasedID))
	}
	in.env.MutateOK(Owner, UpdateGroupM, map[string]any{"id": w.GroupID, "in": GroupInput("Acme Helpdesk")})
	reads = append(reads, in.read(t, Anonymous, productPage, w.ReleasedID))
	for i, r := range reads {
		if !r.uncached() || !sameStatements(r.stmts, page) {
			t.Errorf("read %d without the cache ran\n\t%s\nwant the page's\n\t%s", i+1, r, strings.Join(page, "\n\t"))
		}
	}
	t.Logf("the product page: %d statements without the cache; with it a miss runs %d, a hit 1", reads[0].n, miss.n)
	if g := reads[len(reads)-1].page(t).Product.AfterSalesGroup; g == nil || g.Name != "Acme Helpdesk" {
		t.Errorf("afterSalesGroup = %+v after the update, want Acme Helpdesk", g)
	}
}

// pricedPage is an instance with a small, slow bucket and a function that
// sends its anonymous product page, with the statements the read ran.
func pricedPage(t *testing.T) (pageInstance, World, func() (Answer, int64)) {
	in := newPageEnv(t, "with the cache", WithConfig(func(c *graph.HandlerConfig) { c.RateLimitPoints, c.RateLimitRestore = 1000, 1 }))
	w := in.env.Seed()
	body := GQL(productPage, map[string]any{"id": w.ReleasedID})
	return in, w, func() (Answer, int64) {
		var a Answer
		n := in.env.StatementsOf(func() { a = sendFrom(t, in.env, "192.0.2.7:1234", Request{Body: body}) })
		return a, n
	}
}

// TestPageCacheHitsPayAsTheirPage checks that a kept page, served before
// its request is parsed, still goes through fair use: it is priced at the
// cost of the page it was made of, charged to the client's bucket, and
// refused once the bucket cannot pay for it.
func TestPageCacheHitsPayAsTheirPage(t *testing.T) {
	_, _, send := pricedPage(t)
	miss, _ := send()
	if miss.Status != http.StatusOK {
		t.Fatalf("the first read: %d %s", miss.Status, miss.Body)
	}
	first := costOf(t, miss)
	if first.RequestedQueryCost < 2 || first.ActualQueryCost == nil {
		t.Fatalf("the page's cost: %+v", first)
	}
	available := first.ThrottleStatus.CurrentlyAvailable
	hits := 0
	for {
		a, n := send()
		if a.Status == http.StatusTooManyRequests {
			if code := a.Raw["errors"]; !bytes.Contains(code, []byte(`"THROTTLED"`)) || a.Header.Get("Retry-After") == "" {
				t.Fatalf("a refused hit: %s, Retry-After %q", a.Body, a.Header.Get("Retry-After"))
			}
			break
		}
		if a.Status != http.StatusOK || n != 1 {
			t.Fatalf("hit %d: %d after %d statements: %s", hits+1, a.Status, n, a.Body)
		}
		hits++
		c := costOf(t, a)
		if c.RequestedQueryCost != first.RequestedQueryCost || c.ActualQueryCost == nil || *c.ActualQueryCost != *first.ActualQueryCost {
			t.Fatalf("hit %d costs %+v, its page cost %+v", hits, c, first)
		}
		// A charge is the requested cost, less what the operation did not
		// use of it; the bucket may regain a point meanwhile.
		charged := min(first.RequestedQueryCost, max(*first.ActualQueryCost, 1))
		if left := c.ThrottleStatus.CurrentlyAvailable; left > available-charged+1 || left < available-charged {
			t.Fatalf("hit %d left %d points of %d: it was not charged %d", hits, left, available, charged)
		}
		available = c.ThrottleStatus.CurrentlyAvailable
		if hits > 1000 {
			t.Fatal("1000 hits and never refused")
		}
	}
	t.Logf("the page costs %d requested, %d actual; %d hits before the bucket refused one", first.RequestedQueryCost, *first.ActualQueryCost, hits)
}

// TestPageCacheKeepsNoPaddedKeys checks that a client cannot fill the cache
// with keys of its own for one answer: a page sent with a variable its
// operation does not declare, or a document padded past the key limit, is
// answered as usual and never kept, while the plain page is.
func TestPageCacheKeepsNoPaddedKeys(t *testing.T) {
	in := newPageEnv(t, "with the cache")
	w := in.env.Seed()
	for name, c := range map[string]struct {
		query string
		vars  map[string]any
	}{
		"an undeclared variable": {productPage, map[string]any{"id": w.ReleasedID, "pad": "x"}},
		"a padded document":      {productPage + strings.Repeat(" ", 17<<10), map[string]any{"id": w.ReleasedID}},
	} {
		for i := range 2 {
			if got := in.readVars(t, Anonymous, c.query, c.vars); !got.workedOut() || got.miss() || got.data() == `{"product":null}` {
				t.Errorf("%s, read %d, ran\n\t%s\nwant it worked out and not kept", name, i+1, got)
			}
		}
	}
	in.read(t, Anonymous, productPage, w.ReleasedID)
	if got := in.read(t, Anonymous, productPage, w.ReleasedID); !got.hit() {
		t.Errorf("the plain page read again ran\n\t%s\nwant a hit", got)
	}
}

// TestPageCacheStaleHitPaysOnce checks that a kept page found stale (a write
// changed it) is worked out and charged once: the points its hit took are
// given back before the page is priced again.
func TestPageCacheStaleHitPaysOnce(t *testing.T) {
	in, w, send := pricedPage(t)
	miss, _ := send()
	first := costOf(t, miss)
	in.env.MutateOK(Owner, UpdateGroupM, map[string]any{"id": w.GroupID, "in": GroupInput("Acme Helpdesk")})
	stale, n := send()
	c := costOf(t, stale)
	if stale.Status != http.StatusOK || n != 2 || !bytes.Contains(stale.Body, []byte("Acme Helpdesk")) {
		t.Fatalf("the stale read: %d after %d statements (want the version check and the page): %s", stale.Status, n, stale.Body)
	}
	charged := min(c.RequestedQueryCost, max(*c.ActualQueryCost, 1))
	if left := c.ThrottleStatus.CurrentlyAvailable; c.RequestedQueryCost != first.RequestedQueryCost ||
		left < first.ThrottleStatus.CurrentlyAvailable-charged || left > first.ThrottleStatus.CurrentlyAvailable-charged+1 {
		t.Errorf("the stale read cost %+v and left %d points of %d: want one charge of %d", c, left, first.ThrottleStatus.CurrentlyAvailable, charged)
	}
}
