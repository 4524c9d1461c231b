package graph_test

// Races: each invariant that a check-then-act guards (the group limit,
// revision numbers, one pending review per kind, exactly one of two
// deciders, irreversible REMOVED, a group in use, a release against its
// group's hours) is raced through the real handler, on the database under
// test (SQLite, or PostgreSQL with TEST_DATABASE_URL). The requests meet at
// a gate inside the server (Env.Gated), and a slow driver (slowDriver)
// holds every statement of a transaction a few milliseconds, so that
// without the seller's row lock and the conditional updates their checks
// and writes would interleave for certain.

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"servicesupport/ent"
	"servicesupport/ent/contact"
	"servicesupport/ent/customerservicegroup"
	"servicesupport/ent/product"
	"servicesupport/ent/review"
)

// raceDelay is the longest slowDriver holds a statement of a transaction;
// each waits a random part of it, and a transaction's first statement up
// to 5 times as long, so that racing transactions start and finish in
// varying orders across rounds.
const raceDelay = 10 * time.Millisecond

// statementDelay waits before one statement.
func statementDelay(first *bool) {
	d := time.Millisecond + rand.N(raceDelay)
	if *first {
		*first = false
		d = rand.N(5 * raceDelay)
	}
	time.Sleep(d)
}

// slowDriver delays every statement inside a transaction: the windows
// between a transaction's check and its write become wide enough that
// racing transactions interleave in them, unless something serialises them.
type slowDriver struct{ dialect.Driver }

func (d slowDriver) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := d.Driver.Tx(ctx)
	if err != nil {
		return nil, err
	}
	return &slowTx{Tx: tx, first: true}, nil
}

// slowTx is a transaction of slowDriver.
type slowTx struct {
	dialect.Tx
	first bool
}

func (t *slowTx) Exec(ctx context.Context, q string, args, v any) error {
	statementDelay(&t.first)
	return t.Tx.Exec(ctx, q, args, v)
}

func (t *slowTx) Query(ctx context.Context, q string, args, v any) error {
	statementDelay(&t.first)
	return t.Tx.Query(ctx, q, args, v)
}

// newRaceEnv is an Env whose transactions run slowly (see slowDriver).
func newRaceEnv(t *testing.T) *Env {
	return NewEnv(t, WithDriver(func(d dialect.Driver) dialect.Driver { return slowDriver{d} }))
}

// race runs the mutations at once, through a gate, and returns their
// payloads; a GraphQL error (INTERNAL included) fails the test.
func race(t *testing.T, env *Env, calls ...func(*Env) Result) []Payload {
	t.Helper()
	results := make([]Result, len(calls))
	gated := env.Gated(t, len(calls))
	AtOnce(len(calls), func(i int) { results[i] = calls[i](gated) })
	gated.CheckGate()
	payloads := make([]Payload, len(calls))
	for i, r := range results {
		pl, err := DecodePayload(r)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		payloads[i] = pl
	}
	return payloads
}

// call is one mutation of a race.
func call(p Persona, mutation string, vars map[string]any) func(*Env) Result {
	return func(e *Env) Result { return e.Do(p, mutation, vars) }
}

// codes lists a payload's user error codes ("" for success).
func codes(pl Payload) string {
	if len(pl.UserErrors) == 0 {
		return ""
	}
	cs := make([]string, len(pl.UserErrors))
	for i, ue := range pl.UserErrors {
		cs[i] = ue.Code
	}
	return strings.Join(cs, ",")
}

// TestRaceRevisionNumbers submits 8 business contacts at once: every one
// succeeds with its own revision number (1–8, none twice), and exactly one
// review is left PENDING, the other seven SUPERSEDED.
func TestRaceRevisionNumbers(t *testing.T) {
	t.Parallel()
	env := newRaceEnv(t)
	const n = 8
	calls := make([]func(*Env) Result, n)
	for i := range calls {
		calls[i] = call(Owner, SubmitBusinessM, map[string]any{"in": map[string]any{
			"contactName": fmt.Sprintf("Contact %d", i), "phone": fmt.Sprintf("+86 10 6552 99%02d", i), "email": "c@acme.example",
		}})
	}
	for i, pl := range race(t, env, calls...) {
		if codes(pl) != "" || pl.Review == nil {
			t.Errorf("submission %d: %+v", i, pl)
		}
	}
	sellerID := SellerInt(t, env.OwnerSellerID)
	revisions, err := env.Client.Contact.Query().
		Where(contact.SellerID(sellerID), contact.KindEQ(contact.KindBusiness)).
		Order(contact.ByRevision()).
		Select(contact.FieldRevision).
		Ints(Sys())
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{1, 2, 3, 4, 5, 6, 7, 8}; !slices.Equal(revisions, want) {
		t.Errorf("revisions %v, want %v", revisions, want)
	}
	statuses, err := env.Client.Review.Query().
		Where(review.SellerID(sellerID), review.KindEQ(review.KindBusinessContact)).
		Select(review.FieldStatus).
		Strings(Sys())
	if err != nil {
		t.Fatal(err)
	}
	pending := 0
	for _, s := range statuses {
		switch s {
		case "PENDING":
			pending++
		case "SUPERSEDED":
		default:
			t.Errorf("a review is %s", s)
		}
	}
	if pending != 1 || len(statuses) != n {
		t.Errorf("%d reviews, %d PENDING; want %d and 1", len(statuses), pending, n)
	}
}

// TestRaceHideRemove hides and removes a released product at once, and
// approves and removes a product in review at once: whatever the order,
// the product ends REMOVED (irreversible), and the other mutation either
// ran first or was refused.
func TestRaceHideRemove(t *testing.T) {
	t.Parallel()
	env := newRaceEnv(t)
	groupID := env.ReadyToRelease()
	for round := range 8 {
		t.Run(fmt.Sprintf("hide vs remove %d", round), func(t *testing.T) {
			id, _ := env.ProductIn(fmt.Sprintf("Hidden %d", round), groupID, "RELEASED")
			pls := race(t, env.For(t), call(Owner, HideM, map[string]any{"id": id}), call(Owner, RemoveM, map[string]any{"id": id}))
			if got := env.GetProduct(id).Status; got != "REMOVED" {
				t.Fatalf("product is %s after hide %q and remove %q; want REMOVED", got, codes(pls[0]), codes(pls[1]))
			}
			if codes(pls[1]) != "" {
				t.Errorf("remove answered %+v", pls[1].UserErrors)
			}
			if c := codes(pls[0]); c != "" && c != "PRECONDITION_FAILED" && c != "CONFLICT" {
				t.Errorf("hide answered %+v", pls[0].UserErrors)
			}
		})
		t.Run(fmt.Sprintf("approve vs remove %d", round), func(t *testing.T) {
			id, reviewID := env.ProductIn(fmt.Sprintf("Reviewed %d", round), groupID, "IN_REVIEW")
			pls := race(t, env.For(t), call(Reviewer, ApproveM, map[string]any{"id": reviewID}), call(Owner, RemoveM, map[string]any{"id": id}))
			p, r := env.GetProduct(id), env.GetReview(reviewID)
			if p.Status != "REMOVED" {
				t.Fatalf("product is %s after approve %q and remove %q; want REMOVED", p.Status, codes(pls[0]), codes(pls[1]))
			}
			switch approved := codes(pls[0]) == ""; {
			case approved && r.Status != "APPROVED", !approved && r.Status != "WITHDRAWN":
				t.Errorf("review is %s; approve answered %+v", r.Status, pls[0].UserErrors)
			}
		})
	}
}

// TestRaceDeleteSelectedGroup deletes a group while a product is being
// made to select it: exactly one of the two succeeds, and no product is
// left selecting a deleted group (nor silently losing its selection).
func TestRaceDeleteSelectedGroup(t *testing.T) {
	t.Parallel()
	env := newRaceEnv(t)
	home := env.CreateGroup(Owner, GroupInput("Home"))
	for round := range 4 {
		t.Run(fmt.Sprintf("round %d", round), func(t *testing.T) {
			target := env.CreateGroup(Owner, GroupInput(fmt.Sprintf("Target %d", round)))
			productID := env.CreateProduct(Owner, fmt.Sprintf("Mover %d", round), home)
			pls := race(t, env.For(t),
				call(Owner, UpdateProductM, map[string]any{"id": productID, "in": map[string]any{"afterSalesGroupID": target}}),
				call(Owner, DeleteGroupM, map[string]any{"id": target}))
			moved, deleted := codes(pls[0]) == "", codes(pls[1]) == ""
			if moved == deleted {
				t.Fatalf("update %q and delete %q: want exactly one to succeed", codes(pls[0]), codes(pls[1]))
			}
			p := env.GetProduct(productID)
			exists, err := env.Client.CustomerServiceGroup.Query().Where(customerservicegroup.ID(SellerInt(t, target))).Exist(Sys())
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case moved && (p.AfterSalesGroup == nil || p.AfterSalesGroup.ID != target || !exists):
				t.Errorf("the update won, but the product selects %+v and the group exists: %v", p.AfterSalesGroup, exists)
			case deleted && (p.AfterSalesGroup == nil || p.AfterSalesGroup.ID != home || exists):
				t.Errorf("the delete won (update answered %q), but the product selects %+v and the group exists: %v", codes(pls[0]), p.AfterSalesGroup, exists)
			}
		})
	}
}

// TestRaceReleaseVsGroupEdit approves a release while its group is being
// cut below the service policy: exactly one wins, and a released product's
// group always meets the policy.
func TestRaceReleaseVsGroupEdit(t *testing.T) {
	t.Parallel()
	env := newRaceEnv(t)
	env.Approve(env.SubmitPreSales(Owner, "+86 10 6552 9988", "presales@acme.example", "1 Acme Road, Beijing"))
	short := GroupWith("", []string{"MONDAY", "TUESDAY", "WEDNESDAY"}, [2]string{"09:00", "12:00"})
	for round := range 4 {
		t.Run(fmt.Sprintf("round %d", round), func(t *testing.T) {
			name := fmt.Sprintf("Desk %d", round)
			groupID := env.CreateGroup(Owner, GroupInput(name))
			productID, reviewID := env.ProductIn(fmt.Sprintf("Release %d", round), groupID, "IN_REVIEW")
			edit := map[string]any{}
			for k, v := range short {
				edit[k] = v
			}
			edit["name"] = name
			pls := race(t, env.For(t),
				call(Reviewer, ApproveM, map[string]any{"id": reviewID}),
				call(Owner, UpdateGroupM, map[string]any{"id": groupID, "in": edit}))
			approved, edited := codes(pls[0]) == "", codes(pls[1]) == ""
			if approved == edited {
				t.Fatalf("approve %q and edit %q: want exactly one to succeed", codes(pls[0]), codes(pls[1]))
			}
			g := env.GetGroup(Owner, groupID)
			status := env.GetProduct(productID).Status
			if status == "RELEASED" && !g.MeetsServicePolicy {
				t.Errorf("the product is RELEASED with a group below the policy (approve %q, edit %q)", codes(pls[0]), codes(pls[1]))
			}
			if approved != (status == "RELEASED") {
				t.Errorf("approve answered %q, the product is %s", codes(pls[0]), status)
			}
			if c := codes(pls[0]) + codes(pls[1]); c != "PRECONDITION_FAILED" {
				t.Errorf("the loser answered %q, want PRECONDITION_FAILED", c)
			}
		})
	}
}

// TestRaceGroupLimit creates 12 groups at once for a seller that has 4.
func TestRaceGroupLimit(t *testing.T) {
	t.Parallel()
	for round := 1; round <= 3; round++ {
		t.Run(fmt.Sprintf("round %d", round), func(t *testing.T) {
			t.Parallel()
			env := newRaceEnv(t)
			for i := 0; i < 4; i++ {
				env.CreateGroup(Owner, GroupInput(fmt.Sprintf("Existing %d", i)))
			}
			const n = 12
			results := make([]Result, n)
			gated := env.Gated(t, n)
			AtOnce(n, func(i int) {
				results[i] = gated.Do(Owner, CreateGroupM, map[string]any{"in": GroupInput(fmt.Sprintf("Racer %02d", i))})
			})
			gated.CheckGate()
			created, limited := 0, 0
			for i, r := range results {
				pl, err := DecodePayload(r)
				switch {
				case err != nil:
					t.Errorf("request %d: %v", i, err)
				case len(pl.UserErrors) == 0 && pl.CustomerServiceGroup != nil:
					created++
				case len(pl.UserErrors) == 1 && pl.UserErrors[0].Code == "LIMIT_EXCEEDED" && pl.CustomerServiceGroup == nil:
					limited++
				default:
					t.Errorf("request %d: unexpected payload %+v", i, pl)
				}
			}
			if created != 2 || limited != 10 {
				t.Errorf("created %d, limited %d; want 2 and 10", created, limited)
			}
			n6, err := env.Client.CustomerServiceGroup.Query().Where(customerservicegroup.SellerID(SellerInt(t, env.OwnerSellerID))).Count(Sys())
			if err != nil || n6 != 6 {
				t.Errorf("groups in the database = %d (%v), want 6", n6, err)
			}
			var out struct {
				Viewer struct {
					Seller struct{ CustomerServiceGroups []struct{ Name string } }
				}
			}
			env.MustDo(Owner, `{ viewer { seller { customerServiceGroups { name } } } }`, nil, &out)
			if got := len(out.Viewer.Seller.CustomerServiceGroups); got != 6 {
				t.Errorf("viewer.seller.customerServiceGroups has %d, want 6", got)
			}
		})
	}
}

// TestRaceApproveReview lets two reviewers decide one pending review at
// once, in several rounds: exactly one wins, the other gets CONFLICT. Both
// requests are inside the server before either decides (see Env.Gated).
func TestRaceApproveReview(t *testing.T) {
	t.Parallel()
	env := newRaceEnv(t)
	type decision struct {
		as       Persona
		sub      string
		mutation string
		vars     func(id string) map[string]any
		status   string
	}
	approveAs := func(p Persona, sub string) decision {
		return decision{p, sub, ApproveM, func(id string) map[string]any { return map[string]any{"id": id} }, "APPROVED"}
	}
	rejectAs := func(p Persona, sub string) decision {
		return decision{p, sub, RejectM, func(id string) map[string]any { return map[string]any{"id": id, "reason": "No"} }, "REJECTED"}
	}
	rounds := [][2]decision{
		{approveAs(Reviewer, "rita@ops"), approveAs(Admin, "adam@ops")},
		{approveAs(Admin, "adam@ops"), approveAs(Reviewer, "rita@ops")},
		{approveAs(Reviewer, "rita@ops"), approveAs(Admin, "adam@ops")},
		{approveAs(Reviewer, "rita@ops"), rejectAs(Admin, "adam@ops")},
		{rejectAs(Reviewer, "rita@ops"), approveAs(Admin, "adam@ops")},
		{approveAs(Reviewer, "rita@ops"), approveAs(Reviewer, "rita@ops")},
		{approveAs(Admin, "adam@ops"), approveAs(Reviewer, "rita@ops")},
		{approveAs(Reviewer, "rita@ops"), approveAs(Admin, "adam@ops")},
	}
	for round, deciders := range rounds {
		in := map[string]any{"contactName": "Alice Chen", "phone": fmt.Sprintf("+86 10 6552 99%02d", round), "email": "alice@acme.example"}
		r := env.GetReview(env.MutateOK(Owner, SubmitBusinessM, map[string]any{"in": in}).Review.ID)
		var results [2]Result
		gated := env.Gated(t, 2)
		AtOnce(2, func(i int) {
			results[i] = gated.Do(deciders[i].as, deciders[i].mutation, deciders[i].vars(r.ID))
		})
		gated.CheckGate()
		var payloads [2]Payload
		winner := -1
		for i, res := range results {
			pl, err := DecodePayload(res)
			if err != nil {
				t.Fatalf("round %d, %s: %v", round, deciders[i].as, err)
			}
			payloads[i] = pl
			if len(pl.UserErrors) == 0 {
				if winner >= 0 {
					t.Errorf("round %d: both deciders succeeded", round)
				}
				winner = i
			}
		}
		if winner < 0 {
			t.Errorf("round %d: nobody won: %+v / %+v", round, payloads[0].UserErrors, payloads[1].UserErrors)
			continue
		}
		got := env.GetReview(r.ID)
		if got.Status != deciders[winner].status || got.DecidedBy == nil || *got.DecidedBy != deciders[winner].sub {
			t.Fatalf("round %d: stored review %s by %s, want %s by %s", round, got.Status, Show(got.DecidedBy), deciders[winner].status, deciders[winner].sub)
		}
		if pl := payloads[winner]; pl.Review == nil || pl.Review.Status != deciders[winner].status {
			t.Errorf("round %d: winner payload %+v", round, pl)
		}
		loser := 1 - winner
		pl := payloads[loser]
		if len(pl.UserErrors) != 1 || pl.UserErrors[0].Code != "CONFLICT" || !slices.Equal(pl.UserErrors[0].Field, []string{"id"}) || pl.Review != nil {
			t.Errorf("round %d: the loser (%s) got %+v (review returned: %v), want one CONFLICT on [id]", round, deciders[loser].as, pl.UserErrors, pl.Review != nil)
		}
		live, _ := env.LiveContacts(Owner)
		if deciders[winner].status == "APPROVED" && (live == nil || live.ID != r.Contact.ID) {
			t.Errorf("round %d: live business contact %+v, want %s", round, live, r.Contact.ID)
		}
		if deciders[winner].status == "REJECTED" && live != nil && live.ID == r.Contact.ID {
			t.Errorf("round %d: the rejected revision went live", round)
		}
		// Deciding it again later is a settled review, not a race.
		WantUserError(t, env.Mutate(deciders[loser].as, deciders[loser].mutation, deciders[loser].vars(r.ID)), "PRECONDITION_FAILED", []string{"id"})
	}
}

// TestRaceMixedMutations runs 32 mutations of both sellers at once: all
// succeed (no "database is locked"), and none is lost.
func TestRaceMixedMutations(t *testing.T) {
	t.Parallel()
	env := NewEnv(t)
	type req struct {
		as       Persona
		mutation string
		vars     map[string]any
	}
	var reqs []req
	baseGroups := map[Persona]string{}
	baseProducts := map[Persona]string{}
	for _, p := range []Persona{Owner, OtherSeller} {
		tag := map[Persona]string{Owner: "acme", OtherSeller: "globex"}[p]
		baseGroups[p] = env.CreateGroup(p, GroupInput("Base "+tag))
		baseProducts[p] = env.CreateProduct(p, "Base "+tag, baseGroups[p])
		for i := 0; i < 3; i++ {
			reqs = append(reqs,
				req{p, CreateGroupM, map[string]any{"in": GroupInput(fmt.Sprintf("New %s %d", tag, i))}},
				req{p, UpdateGroupM, map[string]any{"id": baseGroups[p], "in": GroupInput(fmt.Sprintf("Edited %s %d", tag, i))}},
				req{p, CreateProductM, map[string]any{"in": map[string]any{"name": fmt.Sprintf("New %s %d", tag, i), "afterSalesGroupID": baseGroups[p]}}},
				req{p, UpdateProductM, map[string]any{"id": baseProducts[p], "in": map[string]any{"summary": fmt.Sprintf("Edit %d", i)}}},
			)
		}
		for i := 0; i < 2; i++ {
			reqs = append(reqs,
				req{p, SubmitBusinessM, map[string]any{"in": map[string]any{"contactName": "Contact", "phone": fmt.Sprintf("+86 10 6552 99%02d", i), "email": "c@" + tag + ".example"}}},
				req{p, SubmitPreSalesM, map[string]any{"in": map[string]any{"phone": fmt.Sprintf("+86 21 6279 88%02d", i), "email": "s@" + tag + ".example", "contactAddress": "Road " + tag}}},
			)
		}
	}
	if len(reqs) != 32 {
		t.Fatalf("%d requests, want 32", len(reqs))
	}
	results := make([]Result, len(reqs))
	gated := env.Gated(t, len(reqs))
	AtOnce(len(reqs), func(i int) {
		results[i] = gated.Do(reqs[i].as, reqs[i].mutation, reqs[i].vars)
	})
	gated.CheckGate()
	for i, r := range results {
		for _, e := range r.Errors {
			if strings.Contains(strings.ToLower(e.Message), "database is locked") {
				t.Errorf("request %d: %q", i, e.Message)
			}
		}
		pl, err := DecodePayload(r)
		if err != nil {
			t.Errorf("request %d (%s): %v", i, reqs[i].as, err)
			continue
		}
		if len(pl.UserErrors) > 0 || pl.Empty() {
			t.Errorf("request %d (%s): userErrors %+v", i, reqs[i].as, pl.UserErrors)
		}
	}

	// Nothing was lost: every create, every version bump, every revision.
	ctx := Sys()
	for _, p := range []Persona{Owner, OtherSeller} {
		sellerID := SellerInt(t, map[Persona]string{Owner: env.OwnerSellerID, OtherSeller: env.OtherSellerID}[p])
		if n, err := env.Client.CustomerServiceGroup.Query().Where(customerservicegroup.SellerID(sellerID)).Count(ctx); err != nil || n != 4 {
			t.Errorf("%s groups = %d (%v), want 4", p, n, err)
		}
		if n, err := env.Client.Product.Query().Where(product.SellerID(sellerID)).Count(ctx); err != nil || n != 4 {
			t.Errorf("%s products = %d (%v), want 4", p, n, err)
		}
		if g := env.GetGroup(p, baseGroups[p]); g == nil || g.Version != 4 {
			t.Errorf("%s base group = %+v, want version 4 after 3 updates", p, g)
		}
		var out struct{ Node struct{ Version int } }
		env.MustDo(p, `query($id: ID!) { node(id: $id) { ... on Product { version } } }`, map[string]any{"id": baseProducts[p]}, &out)
		if out.Node.Version != 4 {
			t.Errorf("%s base product version = %d, want 4 after 3 updates", p, out.Node.Version)
		}
		for _, kind := range []contact.Kind{contact.KindBusiness, contact.KindPreSales} {
			cs, err := env.Client.Contact.Query().Where(contact.SellerID(sellerID), contact.KindEQ(kind)).Order(ent.Asc(contact.FieldRevision)).All(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var revs []int
			for _, c := range cs {
				revs = append(revs, c.Revision)
			}
			if !slices.Equal(revs, []int{1, 2}) {
				t.Errorf("%s %s revisions = %v, want [1 2]", p, kind, revs)
			}
		}
		for _, kind := range []review.Kind{review.KindBusinessContact, review.KindPreSalesInfo} {
			rs, err := env.Client.Review.Query().Where(review.SellerID(sellerID), review.KindEQ(kind)).All(ctx)
			if err != nil {
				t.Fatal(err)
			}
			statuses := map[review.Status]int{}
			for _, r := range rs {
				statuses[r.Status]++
			}
			if len(rs) != 2 || statuses[review.StatusPending] != 1 || statuses[review.StatusSuperseded] != 1 {
				t.Errorf("%s %s reviews: %v, want one PENDING and one SUPERSEDED", p, kind, statuses)
			}
		}
	}
}
