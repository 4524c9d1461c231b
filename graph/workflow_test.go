package graph_test

// Tests of the review workflow, the product lifecycle, customer service
// groups and concurrent mutations, all through the real GraphQL handler.
// They use the shared harness (harness*_test.go).

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"servicesupport/ent/customerservicegroup"
	"servicesupport/schedule"
)

// ---------------------------------------------------------------------------
// Helpers of the workflow tests
// ---------------------------------------------------------------------------

// dueDate is the test's own due date: three working days (Monday–Friday)
// after submitted, at the same UTC time of day.
func dueDate(submitted time.Time) time.Time {
	d := submitted.UTC()
	for left := 3; left > 0; {
		d = d.AddDate(0, 0, 1)
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			left--
		}
	}
	return d
}

// checkSubmitted checks a fresh review: pending, submitted by sub between
// from and to, due three working days later, undecided.
func checkSubmitted(t testing.TB, r ReviewData, sub string, from, to time.Time) {
	t.Helper()
	if r.Status != "PENDING" {
		t.Errorf("review %s status = %s, want PENDING", r.ID, r.Status)
	}
	if r.SubmittedBy != sub {
		t.Errorf("submittedBy = %q, want %q", r.SubmittedBy, sub)
	}
	if !Within(r.SubmittedAt, from, to) {
		t.Errorf("submittedAt = %s, want within [%s, %s]", r.SubmittedAt, from, to)
	}
	if want := dueDate(r.SubmittedAt); !r.DueAt.Equal(want) {
		t.Errorf("dueAt = %s for submittedAt %s (%s), want %s (%s)", r.DueAt.Format(time.RFC3339Nano),
			r.SubmittedAt.Format(time.RFC3339Nano), r.SubmittedAt.UTC().Weekday(), want.Format(time.RFC3339Nano), want.Weekday())
	}
	if r.DecidedBy != nil || r.DecidedAt != nil || r.Comment != nil {
		t.Errorf("fresh review has a decision: decidedBy %v decidedAt %v comment %v", r.DecidedBy, r.DecidedAt, r.Comment)
	}
}

// checkDecided checks a decided review.
func checkDecided(t testing.TB, r ReviewData, status, by string, comment *string, from, to time.Time) {
	t.Helper()
	if r.Status != status {
		t.Errorf("review %s status = %s, want %s", r.ID, r.Status, status)
	}
	if r.DecidedBy == nil || *r.DecidedBy != by {
		t.Errorf("decidedBy = %v, want %q", Show(r.DecidedBy), by)
	}
	if r.DecidedAt == nil || !Within(*r.DecidedAt, from, to) {
		t.Errorf("decidedAt = %v, want within [%s, %s]", r.DecidedAt, from, to)
	}
	if Show(r.Comment) != Show(comment) {
		t.Errorf("comment = %s, want %s", Show(r.Comment), Show(comment))
	}
}

// changesString renders changes sorted by field, for exact comparison.
func changesString(cs []Change) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = c.Field + ": " + Show(c.Before) + " -> " + Show(c.After)
	}
	slices.Sort(parts)
	return "[" + strings.Join(parts, "; ") + "]"
}

// checkChanges compares a review's changes with want, ignoring order.
func checkChanges(t testing.TB, r ReviewData, want []Change) {
	t.Helper()
	if got, w := changesString(r.Changes), changesString(want); got != w {
		t.Errorf("changes = %s\nwant      %s", got, w)
	}
	seen := map[string]bool{}
	for _, c := range r.Changes {
		if seen[c.Field] {
			t.Errorf("field %q listed twice in changes", c.Field)
		}
		seen[c.Field] = true
	}
}

// productString renders a product for comparison.
func productString(p ProductData) string {
	released, group := "null", "null"
	if p.ReleasedAt != nil {
		released = p.ReleasedAt.UTC().Format(time.RFC3339Nano)
	}
	if p.AfterSalesGroup != nil {
		group = p.AfterSalesGroup.ID + " " + strconv.Quote(p.AfterSalesGroup.Name)
	}
	return fmt.Sprintf("{id %s name %q summary %q status %s releasedAt %s version %d group %s}",
		p.ID, p.Name, p.Summary, p.Status, released, p.Version, group)
}

// ---------------------------------------------------------------------------
// Review workflow
// ---------------------------------------------------------------------------

// contactKind describes one kind of contact submission.
type contactKind struct {
	kind       string // ContactKind
	reviewKind string
	mutation   string
	fields     []string
	// versions are inputs; stored are the values the API returns for them.
	versions []map[string]string
	stored   []map[string]string
}

var contactKinds = []contactKind{
	{
		kind: "BUSINESS", reviewKind: "BUSINESS_CONTACT", mutation: SubmitBusinessM,
		fields: []string{"contactName", "phone", "email"},
		versions: []map[string]string{
			{"contactName": "Alice Chen", "phone": "+86 10 6552 9988", "email": "alice@acme.example"},
			{"contactName": " Alice Chen ", "phone": "010 6552 9977", "email": "alice@acme.example"},
			{"contactName": "Alice Chen", "phone": "+86 10 6552 9966", "email": "alice@acme.example"},
			{"contactName": "Bob Li", "phone": "+86 10 6552 9977", "email": "bob@acme.example"},
		},
		stored: []map[string]string{
			{"contactName": "Alice Chen", "phone": "+861065529988", "email": "alice@acme.example"},
			{"contactName": "Alice Chen", "phone": "+861065529977", "email": "alice@acme.example"},
			{"contactName": "Alice Chen", "phone": "+861065529966", "email": "alice@acme.example"},
			{"contactName": "Bob Li", "phone": "+861065529977", "email": "bob@acme.example"},
		},
	},
	{
		kind: "PRE_SALES", reviewKind: "PRE_SALES_INFO", mutation: SubmitPreSalesM,
		fields: []string{"phone", "email", "contactAddress"},
		versions: []map[string]string{
			{"phone": "+86 21 6279 8899", "email": "sales@acme.example", "contactAddress": "1 Acme Road, Beijing"},
			{"phone": "021 6279 8800", "email": "sales@acme.example", "contactAddress": "  1 Acme Road, Beijing "},
			{"phone": "+86 21 6279 8800", "email": "presales@acme.example", "contactAddress": "1 Acme Road, Beijing"},
			{"phone": "+86 21 6279 8811", "email": "sales@acme.example", "contactAddress": "2 Acme Road, Beijing"},
		},
		stored: []map[string]string{
			{"phone": "+862162798899", "email": "sales@acme.example", "contactAddress": "1 Acme Road, Beijing"},
			{"phone": "+862162798800", "email": "sales@acme.example", "contactAddress": "1 Acme Road, Beijing"},
			{"phone": "+862162798800", "email": "presales@acme.example", "contactAddress": "1 Acme Road, Beijing"},
			{"phone": "+862162798811", "email": "sales@acme.example", "contactAddress": "2 Acme Road, Beijing"},
		},
	},
}

// submit submits version i as p and checks the new review and revision.
func (k contactKind) submit(t testing.TB, env *Env, p Persona, i, revision int) ReviewData {
	t.Helper()
	env = env.For(t)
	in := map[string]any{}
	for f, v := range k.versions[i] {
		in[f] = v
	}
	from := time.Now()
	pl := env.MutateOK(p, k.mutation, map[string]any{"in": in})
	to := time.Now()
	sub := map[Persona]string{Owner: "alice@acme", OtherSeller: "bob@globex"}[p]
	checkSubmitted(t, *pl.Review, sub, from, to)
	r := env.GetReview(pl.Review.ID)
	checkSubmitted(t, r, sub, from, to)
	if got, want := changesString(r.Changes), changesString(pl.Review.Changes); got != want {
		t.Errorf("stored changes %s differ from the returned ones %s", got, want)
	}
	if r.Kind != k.reviewKind {
		t.Errorf("review kind = %s, want %s", r.Kind, k.reviewKind)
	}
	if r.Product != nil {
		t.Errorf("contact review has a product: %+v", r.Product)
	}
	k.checkContact(t, r.Contact, i, revision)
	if r.Contact != nil && (r.Contact.Review == nil || r.Contact.Review.ID != r.ID) {
		t.Errorf("contact.review = %+v, want review %s", r.Contact.Review, r.ID)
	}
	return r
}

// checkContact checks that c is revision rev holding stored version i.
func (k contactKind) checkContact(t testing.TB, c *ContactData, i, rev int) {
	t.Helper()
	if c == nil {
		t.Errorf("contact is null, want revision %d", rev)
		return
	}
	if c.Kind != k.kind || c.Revision != rev {
		t.Errorf("contact kind %s revision %d, want %s revision %d", c.Kind, c.Revision, k.kind, rev)
	}
	got := map[string]*string{"contactName": c.ContactName, "phone": &c.Phone, "email": &c.Email, "contactAddress": c.ContactAddress}
	for f, g := range got {
		want, has := k.stored[i][f]
		switch {
		case !has && g != nil:
			t.Errorf("%s contact has %s = %q, want null", k.kind, f, *g)
		case has && (g == nil || *g != want):
			t.Errorf("contact %s = %s, want %q", f, Show(g), want)
		}
	}
}

// changes returns the expected changes of version next against live
// version live (-1: nothing live).
func (k contactKind) changes(live, next int) []Change {
	var out []Change
	for _, f := range k.fields {
		after := k.stored[next][f]
		if live < 0 {
			out = append(out, Change{Field: f, After: Str(after)})
			continue
		}
		if before := k.stored[live][f]; before != after {
			out = append(out, Change{Field: f, Before: Str(before), After: Str(after)})
		}
	}
	return out
}

// TestWorkflowContactReview walks both contact kinds through submission,
// supersession, approval, rejection and withdrawal.
func TestWorkflowContactReview(t *testing.T) {
	t.Parallel()
	for _, k := range contactKinds {
		t.Run(k.kind, func(t *testing.T) {
			t.Parallel()
			env := NewEnv(t)

			// 1. First submission: nothing live, every field is new.
			r1 := k.submit(t, env, Owner, 0, 1)
			checkChanges(t, r1, k.changes(-1, 0))
			if live := env.LiveContact(Owner, k.kind); live != nil {
				t.Errorf("live %s before any approval = %+v, want null", k.kind, live)
			}

			// 2. Second submission supersedes the first; still nothing live.
			r2 := k.submit(t, env, Owner, 1, 2)
			checkChanges(t, r2, k.changes(-1, 1))
			if got := env.GetReview(r1.ID).Status; got != "SUPERSEDED" {
				t.Errorf("older pending review status = %s, want SUPERSEDED", got)
			}
			if got := env.GetReview(r2.ID).Status; got != "PENDING" {
				t.Errorf("newer review status = %s, want PENDING", got)
			}

			// 3. Approval makes revision 2 live.
			from := time.Now()
			pl := env.MutateOK(Reviewer, ApproveM, map[string]any{"id": r2.ID, "comment": "  Looks good  "})
			to := time.Now()
			checkDecided(t, *pl.Review, "APPROVED", "rita@ops", Str("Looks good"), from, to)
			checkDecided(t, env.GetReview(r2.ID), "APPROVED", "rita@ops", Str("Looks good"), from, to)
			live := env.LiveContact(Owner, k.kind)
			k.checkContact(t, live, 1, 2)
			if live != nil && live.ID != r2.Contact.ID {
				t.Errorf("live contact = %s, want the approved revision %s", live.ID, r2.Contact.ID)
			}

			// 4. A change of one field lists just that field, before = live.
			r3 := k.submit(t, env, Owner, 2, 3)
			checkChanges(t, r3, k.changes(1, 2))
			if len(r3.Changes) != 1 {
				t.Errorf("changes of a one-field edit = %s, want exactly one", changesString(r3.Changes))
			}

			// 5. Rejection needs a reason and keeps the approved version live.
			for _, reason := range []string{"", "   ", "\t \n"} {
				pl := env.Mutate(Reviewer, RejectM, map[string]any{"id": r3.ID, "reason": reason})
				WantUserError(t, pl, "REQUIRED", []string{"reason"})
			}
			if got := env.GetReview(r3.ID); got.Status != "PENDING" || got.DecidedBy != nil || got.Comment != nil {
				t.Errorf("after refused rejections review = %s by %s comment %s, want untouched PENDING", got.Status, Show(got.DecidedBy), Show(got.Comment))
			}
			from = time.Now()
			pl = env.MutateOK(Reviewer, RejectM, map[string]any{"id": r3.ID, "reason": "  Phone unreachable  "})
			to = time.Now()
			checkDecided(t, *pl.Review, "REJECTED", "rita@ops", Str("Phone unreachable"), from, to)
			checkDecided(t, env.GetReview(r3.ID), "REJECTED", "rita@ops", Str("Phone unreachable"), from, to)
			k.checkContact(t, env.LiveContact(Owner, k.kind), 1, 2)

			// 6. The rejected revision still counts; changes compare with what
			// is live (revision 2), not with the rejected submission.
			r4 := k.submit(t, env, Owner, 3, 4)
			checkChanges(t, r4, k.changes(1, 3))
			from = time.Now()
			pl = env.MutateOK(Owner, WithdrawM, map[string]any{"id": r4.ID})
			to = time.Now()
			checkDecided(t, *pl.Review, "WITHDRAWN", "alice@acme", nil, from, to)
			k.checkContact(t, env.LiveContact(Owner, k.kind), 1, 2)

			// 7. Resubmitting exactly what is live changes nothing.
			r5 := k.submit(t, env, Owner, 1, 5)
			checkChanges(t, r5, nil)
			if r5.Changes == nil {
				t.Errorf("changes = null, want []")
			}

			// 8. Only a pending review can be decided.
			settled := map[string]ReviewData{"SUPERSEDED": r1, "APPROVED": r2, "REJECTED": r3, "WITHDRAWN": r4}
			for status, r := range settled {
				for _, d := range []struct {
					name     string
					as       Persona
					mutation string
					vars     map[string]any
				}{
					{"approve", Reviewer, ApproveM, map[string]any{"id": r.ID}},
					{"reject", Reviewer, RejectM, map[string]any{"id": r.ID, "reason": "Too late"}},
					{"withdraw", Owner, WithdrawM, map[string]any{"id": r.ID}},
				} {
					before := env.Snapshot()
					pl := env.Mutate(d.as, d.mutation, d.vars)
					msg := WantUserError(t, pl, "PRECONDITION_FAILED", []string{"id"})
					if !strings.Contains(msg, status) {
						t.Errorf("%s of a %s review: message %q does not say it is %s", d.name, status, msg, status)
					}
					env.Unchanged(before)
				}
			}

			// 9. Approving the latest makes it live.
			env.Approve(r5.ID)
			live = env.LiveContact(Owner, k.kind)
			k.checkContact(t, live, 1, 5)
			if live != nil && live.ID != r5.Contact.ID {
				t.Errorf("live contact = %s, want revision 5 %s", live.ID, r5.Contact.ID)
			}
		})
	}
}

// TestWorkflowRevisionsPerSellerAndKind checks that revisions count per
// seller and per kind, and that a submission supersedes only the pending
// review of its own seller and kind.
func TestWorkflowRevisionsPerSellerAndKind(t *testing.T) {
	t.Parallel()
	env := NewEnv(t)
	biz, pre := contactKinds[0], contactKinds[1]

	ownerBiz1 := biz.submit(t, env, Owner, 0, 1)
	env.Approve(ownerBiz1.ID)
	ownerBiz2 := biz.submit(t, env, Owner, 1, 2)
	ownerPre1 := pre.submit(t, env, Owner, 0, 1)
	otherBiz1 := biz.submit(t, env, OtherSeller, 0, 1)
	otherPre1 := pre.submit(t, env, OtherSeller, 0, 1)

	for _, tc := range []struct {
		name string
		id   string
		want string
	}{
		{"owner business 1", ownerBiz1.ID, "APPROVED"},
		{"owner business 2", ownerBiz2.ID, "PENDING"},
		{"owner pre-sales 1", ownerPre1.ID, "PENDING"},
		{"other business 1", otherBiz1.ID, "PENDING"},
		{"other pre-sales 1", otherPre1.ID, "PENDING"},
	} {
		if got := env.GetReview(tc.id).Status; got != tc.want {
			t.Errorf("%s: status %s, want %s", tc.name, got, tc.want)
		}
	}
	// The other seller's changes compare with its own (empty) live state.
	checkChanges(t, otherBiz1, biz.changes(-1, 0))

	// Rejections count too.
	env.MutateOK(Reviewer, RejectM, map[string]any{"id": ownerPre1.ID, "reason": "Address incomplete"})
	ownerPre2 := pre.submit(t, env, Owner, 1, 2)
	checkChanges(t, ownerPre2, pre.changes(-1, 1))
	ownerBiz3 := biz.submit(t, env, Owner, 2, 3)
	if got := env.GetReview(ownerBiz2.ID).Status; got != "SUPERSEDED" {
		t.Errorf("owner business 2 after business 3: %s, want SUPERSEDED", got)
	}
	if got := env.GetReview(ownerPre2.ID).Status; got != "PENDING" {
		t.Errorf("owner pre-sales 2 after a business submission: %s, want PENDING", got)
	}
	if got := env.GetReview(otherBiz1.ID).Status; got != "PENDING" {
		t.Errorf("other seller's business review after the owner's: %s, want PENDING", got)
	}
	checkChanges(t, ownerBiz3, biz.changes(0, 2))
}

// TestWorkflowDueAt checks the test's own due-date walk on fixed examples
// (and the schedule package against them), then dueAt of real reviews of
// every kind.
func TestWorkflowDueAt(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ submitted, want string }{
		{"2024-06-03T10:15:30Z", "2024-06-06T10:15:30Z"},                     // Monday → Thursday
		{"2024-06-05T00:00:00Z", "2024-06-10T00:00:00Z"},                     // Wednesday → Monday
		{"2024-06-06T08:00:00Z", "2024-06-11T08:00:00Z"},                     // Thursday → Tuesday
		{"2024-06-07T23:59:59.123456789Z", "2024-06-12T23:59:59.123456789Z"}, // Friday → Wednesday
		{"2024-06-08T12:00:00Z", "2024-06-12T12:00:00Z"},                     // Saturday → Wednesday
		{"2024-06-09T12:00:00Z", "2024-06-12T12:00:00Z"},                     // Sunday → Wednesday
		{"2024-06-08T02:00:00+08:00", "2024-06-12T18:00:00Z"},                // Friday in UTC
		{"2024-12-31T09:30:00Z", "2025-01-03T09:30:00Z"},                     // across the year
		{"2024-02-28T09:30:00Z", "2024-03-04T09:30:00Z"},                     // leap day counts
	} {
		in, _ := time.Parse(time.RFC3339Nano, tc.submitted)
		want, _ := time.Parse(time.RFC3339Nano, tc.want)
		if got := dueDate(in); !got.Equal(want) {
			t.Errorf("dueDate(%s) = %s, want %s", tc.submitted, got.Format(time.RFC3339Nano), tc.want)
		}
		if got := schedule.DueAt(in); !got.Equal(want) {
			t.Errorf("schedule.DueAt(%s) = %s, want %s", tc.submitted, got.Format(time.RFC3339Nano), tc.want)
		}
	}

	env := NewEnv(t)
	groupID := env.ReadyToRelease()
	productID := env.CreateProduct(Owner, "Acme Compute", groupID)
	from := time.Now()
	pl := env.MutateOK(Owner, SubmitReleaseM, map[string]any{"id": productID})
	to := time.Now()
	checkSubmitted(t, *pl.Review, "alice@acme", from, to)
	checkSubmitted(t, env.GetReview(pl.Review.ID), "alice@acme", from, to)
	for _, k := range contactKinds {
		r := k.submit(t, env, OtherSeller, 0, 1)
		stored := env.GetReview(r.ID)
		if !stored.SubmittedAt.Equal(r.SubmittedAt) || !stored.DueAt.Equal(r.DueAt) {
			t.Errorf("stored times %s/%s differ from the returned ones %s/%s", stored.SubmittedAt, stored.DueAt, r.SubmittedAt, r.DueAt)
		}
		due, sub := stored.DueAt.UTC(), stored.SubmittedAt.UTC()
		if wd := due.Weekday(); wd == time.Saturday || wd == time.Sunday {
			t.Errorf("dueAt %s falls on a %s", due, wd)
		}
		if due.Sub(due.Truncate(24*time.Hour)) != sub.Sub(sub.Truncate(24*time.Hour)) {
			t.Errorf("dueAt %s is at another UTC time of day than submittedAt %s", due, sub)
		}
		if days := due.Sub(sub) / (24 * time.Hour); days < 3 || days > 5 {
			t.Errorf("dueAt %s is %d days after submittedAt %s, want 3 to 5", due, days, sub)
		}
	}
}

// TestWorkflowFailedMutationChangesNothing runs failing mutations against a
// seeded world and checks that none of them writes anything, including
// revision numbers.
func TestWorkflowFailedMutationChangesNothing(t *testing.T) {
	t.Parallel()
	env := NewEnv(t)
	w := env.Seed()
	var approvedReviewID string
	{
		var out struct {
			Node struct{ Review struct{ ID string } }
		}
		env.MustDo(Owner, `query($id: ID!) { node(id: $id) { ... on Contact { review { id } } } }`, map[string]any{"id": w.PreSalesContactID}, &out)
		approvedReviewID = out.Node.Review.ID
	}
	goodPreSales := map[string]any{"phone": "+86 10 6552 9900", "email": "new@acme.example", "contactAddress": "3 Acme Road"}
	with := func(m map[string]any, k string, v any) map[string]any {
		c := map[string]any{}
		for kk, vv := range m {
			c[kk] = vv
		}
		c[k] = v
		return c
	}

	for _, tc := range []struct {
		name     string
		as       Persona
		mutation string
		vars     map[string]any
		code     string
		field    []string
	}{
		{"pre-sales with a bad phone", Owner, SubmitPreSalesM, map[string]any{"in": with(goodPreSales, "phone", "12")}, "INVALID", []string{"input", "phone"}},
		{"pre-sales with a bad email", Owner, SubmitPreSalesM, map[string]any{"in": with(goodPreSales, "email", "A <a@b.co>")}, "INVALID", []string{"input", "email"}},
		{"pre-sales without address", Owner, SubmitPreSalesM, map[string]any{"in": with(goodPreSales, "contactAddress", " ")}, "REQUIRED", []string{"input", "contactAddress"}},
		{"business contact with a bad email", Owner, SubmitBusinessM, map[string]any{"in": map[string]any{"contactName": "Alice", "phone": "+86 10 6552 9988", "email": "alice@acme"}}, "INVALID", []string{"input", "email"}},
		{"reject without reason", Reviewer, RejectM, map[string]any{"id": w.PendingReviewID, "reason": " "}, "REQUIRED", []string{"reason"}},
		{"approve with a long comment", Reviewer, ApproveM, map[string]any{"id": w.PendingReviewID, "comment": strings.Repeat("x", 1001)}, "TOO_LONG", []string{"comment"}},
		{"approve an approved review", Reviewer, ApproveM, map[string]any{"id": approvedReviewID}, "PRECONDITION_FAILED", []string{"id"}},
		{"withdraw an approved review", Owner, WithdrawM, map[string]any{"id": approvedReviewID}, "PRECONDITION_FAILED", []string{"id"}},
		{"delete a group in use", Owner, DeleteGroupM, map[string]any{"id": w.GroupID}, "IN_USE", []string{"id"}},
		{"resubmit a released product", Owner, SubmitReleaseM, map[string]any{"id": w.ReleasedID}, "PRECONDITION_FAILED", []string{"id"}},
		{"rename a released product", Owner, UpdateProductM, map[string]any{"id": w.ReleasedID, "in": map[string]any{"name": "Renamed"}}, "PRECONDITION_FAILED", []string{"input", "name"}},
		{"stale product version", Owner, UpdateProductM, map[string]any{"id": w.DraftID, "in": map[string]any{"name": "Renamed", "expectedVersion": 99}}, "CONFLICT", []string{"input", "expectedVersion"}},
		{"duplicate group name", Owner, CreateGroupM, map[string]any{"in": GroupInput("ACME SUPPORT")}, "CONFLICT", []string{"input", "name"}},
		{"product with another seller's group", Owner, CreateProductM, map[string]any{"in": map[string]any{"name": "X", "afterSalesGroupID": w.OtherGroupID}}, "NOT_FOUND", []string{"input", "afterSalesGroupID"}},
		{"show a released product", Owner, ShowM, map[string]any{"id": w.ReleasedID}, "PRECONDITION_FAILED", []string{"id"}},
		{"hide a draft", Owner, HideM, map[string]any{"id": w.DraftID}, "PRECONDITION_FAILED", []string{"id"}},
		{"duplicate seller", Admin, CreateSellerM, map[string]any{"in": map[string]any{"accountID": "globex", "name": "Globex Again"}}, "CONFLICT", []string{"input", "accountID"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := env.For(t)
			before := env.Snapshot()
			WantUserError(t, env.Mutate(tc.as, tc.mutation, tc.vars), tc.code, tc.field)
			env.Unchanged(before)
		})
	}

	// The pending review survived every failed attempt, and the next
	// pre-sales revision is 3 (the seed made 1 and 2).
	if got := env.GetReview(w.PendingReviewID).Status; got != "PENDING" {
		t.Errorf("pending review after failed attempts = %s, want PENDING", got)
	}
	pl := env.MutateOK(Owner, SubmitPreSalesM, map[string]any{"in": goodPreSales})
	if c := env.GetReview(pl.Review.ID).Contact; c == nil || c.Revision != 3 {
		t.Errorf("next pre-sales revision = %+v, want 3", c)
	}
	if got := env.GetReview(w.PendingReviewID).Status; got != "SUPERSEDED" {
		t.Errorf("seeded pending review after a new submission = %s, want SUPERSEDED", got)
	}
}

// TestWorkflowMutationPayloadEdges selects edges of the objects that
// mutations return: the SPA reads e.g. the new review's contact or the
// product's group straight from the payload.
func TestWorkflowMutationPayloadEdges(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		as    Persona
		query string
		vars  func(w World) map[string]any
		want  string
	}{
		{"submitBusinessContact review.contact, review.seller", Owner,
			`mutation { out: submitBusinessContact(input: {contactName: "Alice", phone: "+86 10 6552 9988", email: "alice@acme.example"}) { review { kind contact { kind revision phone } seller { name } } userErrors { code } } }`,
			func(World) map[string]any { return nil },
			`{"out":{"review":{"kind":"BUSINESS_CONTACT","contact":{"kind":"BUSINESS","revision":1,"phone":"+861065529988"},"seller":{"name":"Acme Cloud"}},"userErrors":[]}}`},
		{"submitPreSalesInfo review.contact, review.product", Owner,
			`mutation { out: submitPreSalesInfo(input: {phone: "+86 10 6552 9900", email: "p@acme.example", contactAddress: "3 Acme Road"}) { review { contact { revision contactAddress } product { id } } userErrors { code } } }`,
			func(World) map[string]any { return nil },
			`{"out":{"review":{"contact":{"revision":3,"contactAddress":"3 Acme Road"},"product":null},"userErrors":[]}}`},
		{"submitProductRelease review.product", Owner,
			`mutation($id: ID!) { out: submitProductRelease(id: $id) { review { product { name status } contact { id } } userErrors { code } } }`,
			func(w World) map[string]any { return map[string]any{"id": w.DraftID} },
			`{"out":{"review":{"product":{"name":"Acme Draft","status":"IN_REVIEW"},"contact":null},"userErrors":[]}}`},
		{"approveReview review.contact", Reviewer,
			`mutation($id: ID!) { out: approveReview(id: $id) { review { status contact { revision } } userErrors { code } } }`,
			func(w World) map[string]any { return map[string]any{"id": w.PendingReviewID} },
			`{"out":{"review":{"status":"APPROVED","contact":{"revision":2}},"userErrors":[]}}`},
		{"rejectReview review.contact", Reviewer,
			`mutation($id: ID!) { out: rejectReview(id: $id, reason: "No") { review { status contact { revision } } userErrors { code } } }`,
			func(w World) map[string]any { return map[string]any{"id": w.PendingReviewID} },
			`{"out":{"review":{"status":"REJECTED","contact":{"revision":2}},"userErrors":[]}}`},
		{"withdrawReview review.contact", Owner,
			`mutation($id: ID!) { out: withdrawReview(id: $id) { review { status contact { revision } } userErrors { code } } }`,
			func(w World) map[string]any { return map[string]any{"id": w.PendingReviewID} },
			`{"out":{"review":{"status":"WITHDRAWN","contact":{"revision":2}},"userErrors":[]}}`},
		{"createProduct product.afterSalesGroup, product.seller", Owner,
			`mutation($g: ID!) { out: createProduct(input: {name: "New", afterSalesGroupID: $g}) { product { name afterSalesGroup { name } seller { name } } userErrors { code } } }`,
			func(w World) map[string]any { return map[string]any{"g": w.GroupID} },
			`{"out":{"product":{"name":"New","afterSalesGroup":{"name":"Acme Support"},"seller":{"name":"Acme Cloud"}},"userErrors":[]}}`},
		{"updateProduct product.afterSalesGroup", Owner,
			`mutation($id: ID!) { out: updateProduct(id: $id, input: {name: "Renamed"}) { product { name afterSalesGroup { name } } userErrors { code } } }`,
			func(w World) map[string]any { return map[string]any{"id": w.DraftID} },
			`{"out":{"product":{"name":"Renamed","afterSalesGroup":{"name":"Acme Support"}},"userErrors":[]}}`},
		{"hideProduct product.afterSalesGroup", Owner,
			`mutation($id: ID!) { out: hideProduct(id: $id) { product { status afterSalesGroup { name } } userErrors { code } } }`,
			func(w World) map[string]any { return map[string]any{"id": w.ReleasedID} },
			`{"out":{"product":{"status":"HIDDEN","afterSalesGroup":{"name":"Acme Support"}},"userErrors":[]}}`},
		{"removeProduct product.afterSalesGroup", Owner,
			`mutation($id: ID!) { out: removeProduct(id: $id) { product { status afterSalesGroup { name } } userErrors { code } } }`,
			func(w World) map[string]any { return map[string]any{"id": w.DraftID} },
			`{"out":{"product":{"status":"REMOVED","afterSalesGroup":{"name":"Acme Support"}},"userErrors":[]}}`},
		{"createCustomerServiceGroup group.seller, group.products", Owner,
			`mutation($in: CustomerServiceGroupInput!) { out: createCustomerServiceGroup(input: $in) { customerServiceGroup { name seller { name } products { totalCount } } userErrors { code } } }`,
			func(World) map[string]any { return map[string]any{"in": GroupInput("Second")} },
			`{"out":{"customerServiceGroup":{"name":"Second","seller":{"name":"Acme Cloud"},"products":{"totalCount":0}},"userErrors":[]}}`},
		{"updateCustomerServiceGroup group.products", Owner,
			`mutation($id: ID!, $in: CustomerServiceGroupInput!) { out: updateCustomerServiceGroup(id: $id, input: $in) { customerServiceGroup { name products { totalCount } } userErrors { code } } }`,
			func(w World) map[string]any { return map[string]any{"id": w.GroupID, "in": GroupInput("Renamed")} },
			`{"out":{"customerServiceGroup":{"name":"Renamed","products":{"totalCount":2}},"userErrors":[]}}`},
		{"createSeller seller.customerServiceGroups", Admin,
			`mutation { out: createSeller(input: {accountID: "initech", name: "Initech"}) { seller { accountID customerServiceGroups { id } products { totalCount } } userErrors { code } } }`,
			func(World) map[string]any { return nil },
			`{"out":{"seller":{"accountID":"initech","customerServiceGroups":[],"products":{"totalCount":0}},"userErrors":[]}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := NewEnv(t)
			w := env.Seed()
			r := env.Do(tc.as, tc.query, tc.vars(w))
			if len(r.Errors) > 0 {
				t.Fatalf("errors %+v\ndata %s", r.Errors, r.Data)
			}
			JSONEq(t, r.Data, tc.want)
		})
	}
}

// ---------------------------------------------------------------------------
// Product lifecycle
// ---------------------------------------------------------------------------

// TestLifecycleReleaseHideShow releases a product, then hides and shows it.
func TestLifecycleReleaseHideShow(t *testing.T) {
	t.Parallel()
	env := NewEnv(t)
	groupID := env.ReadyToRelease()
	id := env.CreateProduct(Owner, "Acme Compute", groupID)
	p := env.GetProduct(id)
	if p.Status != "DRAFT" || p.ReleasedAt != nil {
		t.Fatalf("new product: status %s releasedAt %v, want DRAFT and null", p.Status, p.ReleasedAt)
	}

	from := time.Now()
	pl := env.MutateOK(Owner, SubmitReleaseM, map[string]any{"id": id})
	to := time.Now()
	checkSubmitted(t, *pl.Review, "alice@acme", from, to)
	r := env.GetReview(pl.Review.ID)
	checkSubmitted(t, r, "alice@acme", from, to)
	if r.Kind != "PRODUCT_RELEASE" || r.Product == nil || r.Product.ID != id || r.Contact != nil {
		t.Errorf("release review kind %s product %+v contact %+v, want PRODUCT_RELEASE of %s without contact", r.Kind, r.Product, r.Contact, id)
	}
	var nameChange *Change
	for i := range r.Changes {
		if r.Changes[i].Field == "name" {
			nameChange = &r.Changes[i]
		}
	}
	if nameChange == nil || nameChange.Before != nil || Show(nameChange.After) != `"Acme Compute"` {
		t.Errorf("release changes %s, want a name change null -> \"Acme Compute\"", changesString(r.Changes))
	}
	if got := env.GetProduct(id).Status; got != "IN_REVIEW" {
		t.Errorf("after submission status = %s, want IN_REVIEW", got)
	}

	from = time.Now()
	pl = env.MutateOK(Reviewer, ApproveM, map[string]any{"id": r.ID})
	to = time.Now()
	checkDecided(t, *pl.Review, "APPROVED", "rita@ops", nil, from, to)
	p = env.GetProduct(id)
	if p.Status != "RELEASED" || p.ReleasedAt == nil || !Within(*p.ReleasedAt, from, to) {
		t.Fatalf("after approval: status %s releasedAt %v, want RELEASED within [%s, %s]", p.Status, p.ReleasedAt, from, to)
	}
	releasedAt := *p.ReleasedAt
	anonymousStatus := func() string {
		var out struct{ Product *struct{ Status string } }
		env.MustDo(Anonymous, `query($id: ID!) { product(id: $id) { status } }`, map[string]any{"id": id}, &out)
		if out.Product == nil {
			return "not visible"
		}
		return out.Product.Status
	}
	if got := anonymousStatus(); got != "RELEASED" {
		t.Errorf("anonymous sees %s, want RELEASED", got)
	}

	steps := []struct {
		name     string
		mutation string
		status   string // resulting status, or "" for PRECONDITION_FAILED
		public   string
	}{
		{"hide", HideM, "HIDDEN", "not visible"},
		{"hide again", HideM, "", "not visible"},
		{"show", ShowM, "RELEASED", "RELEASED"},
		{"show again", ShowM, "", "RELEASED"},
		{"hide once more", HideM, "HIDDEN", "not visible"},
		{"show once more", ShowM, "RELEASED", "RELEASED"},
	}
	for _, s := range steps {
		before := env.Snapshot()
		pl := env.Mutate(Owner, s.mutation, map[string]any{"id": id})
		if s.status == "" {
			WantUserError(t, pl, "PRECONDITION_FAILED", []string{"id"})
			env.Unchanged(before)
		} else if len(pl.UserErrors) > 0 || pl.Product == nil || pl.Product.Status != s.status {
			t.Errorf("%s: payload %+v, want status %s", s.name, pl, s.status)
		}
		p := env.GetProduct(id)
		if p.ReleasedAt == nil || !p.ReleasedAt.Equal(releasedAt) {
			t.Errorf("%s: releasedAt %v, want unchanged %s", s.name, p.ReleasedAt, releasedAt)
		}
		if got := anonymousStatus(); got != s.public {
			t.Errorf("%s: anonymous sees %s, want %s", s.name, got, s.public)
		}
	}
}

// TestLifecycleRejectAndResubmit rejects a release, edits the product and
// resubmits it.
func TestLifecycleRejectAndResubmit(t *testing.T) {
	t.Parallel()
	env := NewEnv(t)
	groupID := env.ReadyToRelease()
	id := env.CreateProduct(Owner, "Acme Compute", groupID)
	first := env.SubmitRelease(Owner, id)

	from := time.Now()
	pl := env.MutateOK(Reviewer, RejectM, map[string]any{"id": first, "reason": "Summary too vague"})
	to := time.Now()
	checkDecided(t, *pl.Review, "REJECTED", "rita@ops", Str("Summary too vague"), from, to)
	p := env.GetProduct(id)
	if p.Status != "REJECTED" || p.ReleasedAt != nil {
		t.Fatalf("after rejection: status %s releasedAt %v, want REJECTED and null", p.Status, p.ReleasedAt)
	}

	pl = env.MutateOK(Owner, UpdateProductM, map[string]any{"id": id, "in": map[string]any{"name": "Acme Compute 2", "summary": "Virtual machines by the hour."}})
	if pl.Product.Status != "REJECTED" || pl.Product.Name != "Acme Compute 2" || pl.Product.Summary != "Virtual machines by the hour." {
		t.Errorf("edited rejected product = %+v", *pl.Product)
	}

	second := env.SubmitRelease(Owner, id)
	if second == first {
		t.Errorf("resubmission reused review %s", first)
	}
	if got := env.GetReview(first).Status; got != "REJECTED" {
		t.Errorf("first review after resubmission = %s, want REJECTED", got)
	}
	if got := env.GetProduct(id).Status; got != "IN_REVIEW" {
		t.Errorf("after resubmission status = %s, want IN_REVIEW", got)
	}
	env.Approve(second)
	p = env.GetProduct(id)
	if p.Status != "RELEASED" || p.ReleasedAt == nil || p.Name != "Acme Compute 2" {
		t.Errorf("after approval: %+v, want RELEASED \"Acme Compute 2\" with releasedAt", p)
	}
}

// TestLifecycleWithdrawRelease withdraws a release review: the product goes
// back to DRAFT and can be submitted again.
func TestLifecycleWithdrawRelease(t *testing.T) {
	t.Parallel()
	env := NewEnv(t)
	groupID := env.ReadyToRelease()
	id, reviewID := env.ProductIn("Acme Compute", groupID, "IN_REVIEW")

	from := time.Now()
	pl := env.MutateOK(Owner, WithdrawM, map[string]any{"id": reviewID})
	to := time.Now()
	checkDecided(t, *pl.Review, "WITHDRAWN", "alice@acme", nil, from, to)
	if got := env.GetProduct(id).Status; got != "DRAFT" {
		t.Errorf("after withdrawal status = %s, want DRAFT", got)
	}
	before := env.Snapshot()
	// A decision within the database clock's resolution of a request's
	// arrival counts as made while it ran (CONFLICT): this approval arrives
	// well after it.
	time.Sleep(5 * time.Millisecond)
	WantUserError(t, env.Mutate(Reviewer, ApproveM, map[string]any{"id": reviewID}), "PRECONDITION_FAILED", []string{"id"})
	env.Unchanged(before)
	env.SubmitRelease(Owner, id)
	if got := env.GetProduct(id).Status; got != "IN_REVIEW" {
		t.Errorf("after resubmission status = %s, want IN_REVIEW", got)
	}
}

// TestLifecycleTransitions tries every status-changing mutation in every
// status.
func TestLifecycleTransitions(t *testing.T) {
	t.Parallel()
	actions := []struct {
		name     string
		mutation string
	}{
		{"submitProductRelease", SubmitReleaseM},
		{"hideProduct", HideM},
		{"showProduct", ShowM},
		{"removeProduct", RemoveM},
	}
	// want[status][action] is the resulting status; "" means
	// PRECONDITION_FAILED.
	want := map[string]map[string]string{
		"DRAFT":     {"submitProductRelease": "IN_REVIEW", "removeProduct": "REMOVED"},
		"IN_REVIEW": {"removeProduct": "REMOVED"},
		"RELEASED":  {"hideProduct": "HIDDEN", "removeProduct": "REMOVED"},
		"REJECTED":  {"submitProductRelease": "IN_REVIEW", "removeProduct": "REMOVED"},
		"HIDDEN":    {"showProduct": "RELEASED", "removeProduct": "REMOVED"},
		"REMOVED":   {},
	}
	for _, status := range []string{"DRAFT", "IN_REVIEW", "RELEASED", "REJECTED", "HIDDEN", "REMOVED"} {
		for _, a := range actions {
			to := want[status][a.name]
			name := status + "/" + a.name + "→" + to
			if to == "" {
				name = status + "/" + a.name + "→PRECONDITION_FAILED"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				env := NewEnv(t)
				groupID := env.ReadyToRelease()
				id, reviewID := env.ProductIn("Acme Compute", groupID, status)
				var reviewBefore ReviewData
				if reviewID != "" {
					reviewBefore = env.GetReview(reviewID)
				}
				before := env.Snapshot()
				pl := env.Mutate(Owner, a.mutation, map[string]any{"id": id})
				if to == "" {
					WantUserError(t, pl, "PRECONDITION_FAILED", []string{"id"})
					env.Unchanged(before)
					return
				}
				if len(pl.UserErrors) > 0 {
					t.Fatalf("userErrors %+v, want success", pl.UserErrors)
				}
				if got := env.GetProduct(id).Status; got != to {
					t.Errorf("status = %s, want %s", got, to)
				}
				if reviewID == "" {
					return
				}
				// The previous release review: withdrawn when the product
				// left review by removal, untouched otherwise.
				r := env.GetReview(reviewID)
				switch {
				case status == "IN_REVIEW" && to == "REMOVED":
					if r.Status != "WITHDRAWN" || r.DecidedBy == nil || *r.DecidedBy != "alice@acme" {
						t.Errorf("pending release review of a removed product: %s by %s, want WITHDRAWN by alice@acme", r.Status, Show(r.DecidedBy))
					}
					// A decision within the database clock's resolution of a
					// request's arrival counts as made while it ran
					// (CONFLICT): this approval arrives well after it.
					time.Sleep(5 * time.Millisecond)
					WantUserError(t, env.Mutate(Reviewer, ApproveM, map[string]any{"id": reviewID}), "PRECONDITION_FAILED", []string{"id"})
					if got := env.GetProduct(id).Status; got != "REMOVED" {
						t.Errorf("removed product after approval attempt = %s", got)
					}
				case r.Status != reviewBefore.Status:
					t.Errorf("settled release review changed from %s to %s", reviewBefore.Status, r.Status)
				}
			})
		}
	}
}

// TestLifecycleReleasePreconditions checks what a product needs before it
// can be submitted for release, and the message when something is missing.
func TestLifecycleReleasePreconditions(t *testing.T) {
	t.Parallel()
	const (
		approved = "approved"
		pending  = "pending only"
		rejected = "rejected only"
		none     = "none"
		newer    = "approved plus a newer pending"
	)
	for _, tc := range []struct {
		name     string
		group    map[string]any // nil: no group
		preSales string
		// mention lists what the message must name (lower case); avoid
		// what it must not.
		mention, avoid []string
	}{
		{"no group", nil, approved, []string{"group"}, []string{"pre-sales"}},
		{"four days a week", GroupWith("Four Days", Weekdays[:4], [2]string{"00:00", "24:00"}), approved, []string{`"four days"`}, []string{"pre-sales"}},
		{"7h59m a day", GroupWith("Short Hours", Weekdays, [2]string{"09:00", "16:59"}), approved, []string{`"short hours"`}, []string{"pre-sales"}},
		{"7h59m in two ranges", GroupWith("Split Short", Weekdays, [2]string{"09:00", "12:00"}, [2]string{"13:00", "17:59"}), approved, []string{`"split short"`}, []string{"pre-sales"}},
		{"weekend only", GroupWith("Weekend", []string{"SATURDAY", "SUNDAY"}, [2]string{"00:00", "24:00"}), approved, []string{`"weekend"`}, []string{"pre-sales"}},
		{"pre-sales pending only", GroupInput("Good Group"), pending, []string{"pre-sales"}, []string{`"good group"`}},
		{"pre-sales rejected only", GroupInput("Good Group"), rejected, []string{"pre-sales"}, []string{`"good group"`}},
		{"no pre-sales at all", GroupInput("Good Group"), none, []string{"pre-sales"}, []string{`"good group"`}},
		{"no group and no pre-sales", nil, none, []string{"group", "pre-sales"}, nil},
		{"bad group and pending pre-sales", GroupWith("Four Days", Weekdays[:4], [2]string{"00:00", "24:00"}), pending, []string{`"four days"`, "pre-sales"}, nil},
		// Controls: these may be released.
		{"exactly 8h in two ranges", GroupWith("Split Full", Weekdays, [2]string{"09:00", "12:00"}, [2]string{"13:00", "18:00"}), approved, nil, nil},
		{"exactly 8h ending at 24:00 on 5 weekend-including days", GroupWith("Late", []string{"WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"}, [2]string{"16:00", "24:00"}), approved, nil, nil},
		{"approved pre-sales with a newer pending one", GroupInput("Good Group"), newer, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := NewEnv(t)
			switch tc.preSales {
			case approved:
				env.Approve(env.SubmitPreSales(Owner, "+86 10 6552 9988", "presales@acme.example", "1 Acme Road"))
			case pending:
				env.SubmitPreSales(Owner, "+86 10 6552 9988", "presales@acme.example", "1 Acme Road")
			case rejected:
				r := env.SubmitPreSales(Owner, "+86 10 6552 9988", "presales@acme.example", "1 Acme Road")
				env.MutateOK(Reviewer, RejectM, map[string]any{"id": r, "reason": "Unreachable"})
			case newer:
				env.Approve(env.SubmitPreSales(Owner, "+86 10 6552 9988", "presales@acme.example", "1 Acme Road"))
				env.SubmitPreSales(Owner, "+86 10 6552 9900", "presales@acme.example", "1 Acme Road")
			}
			// The other seller's approved pre-sales info must not count.
			env.Approve(env.SubmitPreSales(OtherSeller, "+86 21 6279 8899", "presales@globex.example", "9 Globex Street"))
			groupID := ""
			if tc.group != nil {
				groupID = env.CreateGroup(Owner, tc.group)
			}
			id := env.CreateProduct(Owner, "Acme Compute", groupID)
			before := env.Snapshot()
			pl := env.Mutate(Owner, SubmitReleaseM, map[string]any{"id": id})
			if tc.mention == nil {
				if len(pl.UserErrors) > 0 || pl.Review == nil {
					t.Fatalf("payload %+v, want a pending review", pl)
				}
				if got := env.GetProduct(id).Status; got != "IN_REVIEW" {
					t.Errorf("status %s, want IN_REVIEW", got)
				}
				return
			}
			msg := strings.ToLower(WantUserError(t, pl, "PRECONDITION_FAILED", []string{"id"}))
			for _, m := range tc.mention {
				if !strings.Contains(msg, m) {
					t.Errorf("message %q does not name %s", msg, m)
				}
			}
			for _, m := range tc.avoid {
				if strings.Contains(msg, m) {
					t.Errorf("message %q names %s, which is not missing", msg, m)
				}
			}
			env.Unchanged(before)
		})
	}
}

// TestLifecycleUpdateByStatus checks what updateProduct may change in each
// status.
func TestLifecycleUpdateByStatus(t *testing.T) {
	t.Parallel()
	edits := []struct {
		name string
		in   func(otherGroupID string) map[string]any
		// field is the path of the refusal in RELEASED/HIDDEN.
		field []string
	}{
		{"name", func(string) map[string]any { return map[string]any{"name": "Renamed"} }, []string{"input", "name"}},
		{"summary", func(string) map[string]any { return map[string]any{"summary": "New summary"} }, []string{"input", "summary"}},
		{"group", func(g string) map[string]any { return map[string]any{"afterSalesGroupID": g} }, nil},
	}
	for _, status := range []string{"DRAFT", "REJECTED", "RELEASED", "HIDDEN", "IN_REVIEW", "REMOVED"} {
		for _, e := range edits {
			var wantField []string // nil: allowed
			switch status {
			case "RELEASED", "HIDDEN":
				wantField = e.field
			case "IN_REVIEW", "REMOVED":
				wantField = []string{"id"}
			}
			verdict := "allowed"
			if wantField != nil {
				verdict = "PRECONDITION_FAILED"
			}
			t.Run(status+"/"+e.name+"/"+verdict, func(t *testing.T) {
				t.Parallel()
				env := NewEnv(t)
				groupID := env.ReadyToRelease()
				otherGroupID := env.CreateGroup(Owner, GroupInput("Acme Support 2"))
				id, _ := env.ProductIn("Acme Compute", groupID, status)
				was := env.GetProduct(id)
				before := env.Snapshot()
				pl := env.Mutate(Owner, UpdateProductM, map[string]any{"id": id, "in": e.in(otherGroupID)})
				if wantField != nil {
					msg := WantUserError(t, pl, "PRECONDITION_FAILED", wantField)
					if !strings.Contains(msg, status) {
						t.Errorf("message %q does not name the status %s", msg, status)
					}
					env.Unchanged(before)
					return
				}
				if len(pl.UserErrors) > 0 || pl.Product == nil {
					t.Fatalf("payload %+v, want the updated product", pl)
				}
				got := env.GetProduct(id)
				want := was
				want.Version = was.Version + 1
				switch e.name {
				case "name":
					want.Name = "Renamed"
				case "summary":
					want.Summary = "New summary"
				case "group":
					want.AfterSalesGroup = &struct{ ID, Name string }{otherGroupID, "Acme Support 2"}
				}
				if productString(got) != productString(want) {
					t.Errorf("after update: %s\nwant          %s", productString(got), productString(want))
				}
			})
		}
	}
}

// TestLifecycleStaleVersion checks expectedVersion on updateProduct and
// updateCustomerServiceGroup.
func TestLifecycleStaleVersion(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		mutation string
		// setup returns the object's ID and its version.
		setup func(env *Env) (string, int)
		// input builds an update input named n.
		input   func(n string) map[string]any
		version func(pl Payload) (string, int)
	}{
		{
			name:     "updateProduct",
			mutation: UpdateProductM,
			setup: func(env *Env) (string, int) {
				id := env.CreateProduct(Owner, "Acme Compute", "")
				return id, env.GetProduct(id).Version
			},
			input:   func(n string) map[string]any { return map[string]any{"name": n} },
			version: func(pl Payload) (string, int) { return pl.Product.Name, pl.Product.Version },
		},
		{
			name:     "updateCustomerServiceGroup",
			mutation: UpdateGroupM,
			setup: func(env *Env) (string, int) {
				id := env.CreateGroup(Owner, GroupInput("Acme Support"))
				return id, env.GetGroup(Owner, id).Version
			},
			input:   func(n string) map[string]any { return GroupInput(n) },
			version: func(pl Payload) (string, int) { return pl.CustomerServiceGroup.Name, pl.CustomerServiceGroup.Version },
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := NewEnv(t)
			id, v := tc.setup(env)

			in := tc.input("First Edit")
			in["expectedVersion"] = v
			name, nv := tc.version(env.MutateOK(Owner, tc.mutation, map[string]any{"id": id, "in": in}))
			if name != "First Edit" || nv != v+1 {
				t.Errorf("first edit: name %q version %d, want \"First Edit\" %d", name, nv, v+1)
			}

			for _, stale := range []int{v, v + 2, 0} {
				in := tc.input("Lost Edit")
				in["expectedVersion"] = stale
				before := env.Snapshot()
				msg := WantUserError(t, env.Mutate(Owner, tc.mutation, map[string]any{"id": id, "in": in}), "CONFLICT", []string{"input", "expectedVersion"})
				if msg == "" {
					t.Errorf("empty message")
				}
				env.Unchanged(before)
			}

			in = tc.input("Second Edit")
			in["expectedVersion"] = v + 1
			if name, nv := tc.version(env.MutateOK(Owner, tc.mutation, map[string]any{"id": id, "in": in})); name != "Second Edit" || nv != v+2 {
				t.Errorf("second edit: name %q version %d, want \"Second Edit\" %d", name, nv, v+2)
			}
			// Without expectedVersion the update always applies.
			if name, nv := tc.version(env.MutateOK(Owner, tc.mutation, map[string]any{"id": id, "in": tc.input("Blind Edit")})); name != "Blind Edit" || nv != v+3 {
				t.Errorf("blind edit: name %q version %d, want \"Blind Edit\" %d", name, nv, v+3)
			}
		})
	}
}

// ---------------------------------------------------------------------------
// Customer service groups
// ---------------------------------------------------------------------------

// TestGroupDeleteInUse checks that a group selected by a product that is not
// removed cannot be deleted.
func TestGroupDeleteInUse(t *testing.T) {
	t.Parallel()
	for _, status := range []string{"DRAFT", "IN_REVIEW", "RELEASED", "REJECTED", "HIDDEN", "REMOVED"} {
		t.Run(status, func(t *testing.T) {
			t.Parallel()
			env := NewEnv(t)
			groupID := env.ReadyToRelease()
			productID, _ := env.ProductIn("Acme Compute", groupID, status)
			before := env.Snapshot()
			pl := env.Mutate(Owner, DeleteGroupM, map[string]any{"id": groupID})
			if status == "REMOVED" {
				if len(pl.UserErrors) > 0 || pl.DeletedID == nil || *pl.DeletedID != groupID {
					t.Fatalf("payload %+v, want deletedID %s", pl, groupID)
				}
				if g := env.GetGroup(Owner, groupID); g != nil {
					t.Errorf("deleted group still readable: %+v", g)
				}
				if p := env.GetProduct(productID); p.Status != "REMOVED" {
					t.Errorf("removed product became %s", p.Status)
				}
				return
			}
			msg := WantUserError(t, pl, "IN_USE", []string{"id"})
			if !strings.Contains(msg, "Acme Compute") {
				t.Errorf("message %q does not name the product", msg)
			}
			env.Unchanged(before)
		})
	}

	t.Run("several products, then removed", func(t *testing.T) {
		t.Parallel()
		env := NewEnv(t)
		groupID := env.ReadyToRelease()
		unused := env.CreateGroup(Owner, GroupInput("Unused"))
		zeta, _ := env.ProductIn("Zeta Backup", groupID, "RELEASED")
		alpha, _ := env.ProductIn("Alpha Database", groupID, "DRAFT")
		env.ProductIn("Gamma Gone", groupID, "REMOVED")
		before := env.Snapshot()
		msg := WantUserError(t, env.Mutate(Owner, DeleteGroupM, map[string]any{"id": groupID}), "IN_USE", []string{"id"})
		for _, n := range []string{"Zeta Backup", "Alpha Database"} {
			if !strings.Contains(msg, n) {
				t.Errorf("message %q does not name %s", msg, n)
			}
		}
		if strings.Contains(msg, "Gamma Gone") {
			t.Errorf("message %q names a removed product", msg)
		}
		env.Unchanged(before)

		// The other seller cannot delete it either (it reads as not found).
		WantUserError(t, env.Mutate(OtherSeller, DeleteGroupM, map[string]any{"id": unused}), "NOT_FOUND", []string{"id"})

		env.MutateOK(Owner, RemoveM, map[string]any{"id": zeta})
		msg = WantUserError(t, env.Mutate(Owner, DeleteGroupM, map[string]any{"id": groupID}), "IN_USE", []string{"id"})
		if !strings.Contains(msg, "Alpha Database") || strings.Contains(msg, "Zeta Backup") {
			t.Errorf("after removing Zeta: message %q, want only Alpha Database", msg)
		}
		env.MutateOK(Owner, RemoveM, map[string]any{"id": alpha})
		pl := env.MutateOK(Owner, DeleteGroupM, map[string]any{"id": groupID})
		if *pl.DeletedID != groupID {
			t.Errorf("deletedID = %s, want %s", *pl.DeletedID, groupID)
		}
		if g := env.GetGroup(Owner, groupID); g != nil {
			t.Errorf("deleted group still readable: %+v", g)
		}
		env.MutateOK(Owner, DeleteGroupM, map[string]any{"id": unused})
		n, err := env.Client.CustomerServiceGroup.Query().Count(Sys())
		if err != nil || n != 0 {
			t.Errorf("groups left = %d (%v), want 0", n, err)
		}
	})
}

// TestGroupNameUnique checks that group names are unique per seller,
// ignoring case and surrounding space.
func TestGroupNameUnique(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		existing string
		as       Persona
		next     string
		conflict bool
	}{
		{"same name", "Support", Owner, "Support", true},
		{"upper case", "Support", Owner, "SUPPORT", true},
		{"lower case with spaces", "Support", Owner, "  support  ", true},
		{"non-ASCII case", "Kundendienst Ä", Owner, "KUNDENDIENST ä", true},
		{"Cyrillic case", "Поддержка", Owner, "ПОДДЕРЖКА", true},
		{"other seller, same name", "Support", OtherSeller, "Support", false},
		{"other seller, other case", "Support", OtherSeller, "SUPPORT", false},
		{"different name", "Support", Owner, "Support 2", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := NewEnv(t)
			env.CreateGroup(Owner, GroupInput(tc.existing))
			before := env.Snapshot()
			pl := env.Mutate(tc.as, CreateGroupM, map[string]any{"in": GroupInput(tc.next)})
			if tc.conflict {
				WantUserError(t, pl, "CONFLICT", []string{"input", "name"})
				env.Unchanged(before)
				return
			}
			if len(pl.UserErrors) > 0 || pl.CustomerServiceGroup == nil || pl.CustomerServiceGroup.Name != strings.TrimSpace(tc.next) {
				t.Errorf("payload %+v, want group %q", pl, tc.next)
			}
		})
	}

	t.Run("updates", func(t *testing.T) {
		t.Parallel()
		env := NewEnv(t)
		a := env.CreateGroup(Owner, GroupInput("Support"))
		b := env.CreateGroup(Owner, GroupInput("Billing"))
		before := env.Snapshot()
		WantUserError(t, env.Mutate(Owner, UpdateGroupM, map[string]any{"id": b, "in": GroupInput("support")}), "CONFLICT", []string{"input", "name"})
		env.Unchanged(before)
		// A group may change the case of its own name.
		pl := env.MutateOK(Owner, UpdateGroupM, map[string]any{"id": a, "in": GroupInput("SUPPORT")})
		if pl.CustomerServiceGroup.Name != "SUPPORT" {
			t.Errorf("renamed group = %q, want SUPPORT", pl.CustomerServiceGroup.Name)
		}
		// The old name is free again once renamed away.
		env.MutateOK(Owner, UpdateGroupM, map[string]any{"id": a, "in": GroupInput("Helpdesk")})
		env.MutateOK(Owner, UpdateGroupM, map[string]any{"id": b, "in": GroupInput("support")})
	})
}

// TestGroupLimit checks that a seller has at most 6 groups.
func TestGroupLimit(t *testing.T) {
	t.Parallel()
	env := NewEnv(t)
	var ids []string
	for i := 1; i <= 6; i++ {
		ids = append(ids, env.CreateGroup(Owner, GroupInput(fmt.Sprintf("Group %d", i))))
	}
	for _, name := range []string{"Group 7", "Group 1"} {
		before := env.Snapshot()
		msg := WantUserError(t, env.Mutate(Owner, CreateGroupM, map[string]any{"in": GroupInput(name)}), "LIMIT_EXCEEDED", nil)
		if !strings.Contains(msg, "6") {
			t.Errorf("message %q does not state the limit 6", msg)
		}
		env.Unchanged(before)
	}
	// The limit is per seller.
	env.CreateGroup(OtherSeller, GroupInput("Group 7"))
	// Deleting one makes room for one.
	env.MutateOK(Owner, DeleteGroupM, map[string]any{"id": ids[0]})
	env.CreateGroup(Owner, GroupInput("Group 7"))
	WantUserError(t, env.Mutate(Owner, CreateGroupM, map[string]any{"in": GroupInput("Group 8")}), "LIMIT_EXCEEDED", nil)
	n, err := env.Client.CustomerServiceGroup.Query().Where(customerservicegroup.SellerID(SellerInt(t, env.OwnerSellerID))).Count(Sys())
	if err != nil || n != 6 {
		t.Errorf("owner groups = %d (%v), want 6", n, err)
	}
}

// TestGroupComputedFields checks meetsServicePolicy and openNow.
func TestGroupComputedFields(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		days  []string
		hours [][2]string
		want  bool
	}{
		{"5 days 9h", Weekdays, [][2]string{{"09:00", "18:00"}}, true},
		{"5 days exactly 8h", Weekdays, [][2]string{{"09:00", "17:00"}}, true},
		{"5 days 7h59m", Weekdays, [][2]string{{"09:00", "16:59"}}, false},
		{"4 days 24h", Weekdays[:4], [][2]string{{"00:00", "24:00"}}, false},
		{"7 days 8h", AllDays, [][2]string{{"09:00", "17:00"}}, true},
		{"5 days 4h+4h", Weekdays, [][2]string{{"08:00", "12:00"}, {"14:00", "18:00"}}, true},
		{"5 days 4h+3h59m", Weekdays, [][2]string{{"08:00", "12:00"}, {"14:00", "17:59"}}, false},
		{"5 days until 24:00", Weekdays, [][2]string{{"16:00", "24:00"}}, true},
		{"5 days touching 4 ranges", Weekdays, [][2]string{{"00:00", "02:00"}, {"02:00", "04:00"}, {"04:00", "06:00"}, {"06:00", "08:00"}}, true},
		{"1 day 24h", []string{"SUNDAY"}, [][2]string{{"00:00", "24:00"}}, false},
	} {
		t.Run("policy/"+tc.name, func(t *testing.T) {
			t.Parallel()
			env := NewEnv(t)
			pl := env.MutateOK(Owner, CreateGroupM, map[string]any{"in": GroupWith("G", tc.days, tc.hours...)})
			if pl.CustomerServiceGroup.MeetsServicePolicy != tc.want {
				t.Errorf("meetsServicePolicy = %v, want %v", pl.CustomerServiceGroup.MeetsServicePolicy, tc.want)
			}
			if g := env.GetGroup(Reviewer, pl.CustomerServiceGroup.ID); g == nil || g.MeetsServicePolicy != tc.want {
				t.Errorf("re-read meetsServicePolicy = %+v, want %v", g, tc.want)
			}
		})
	}

	t.Run("openNow", func(t *testing.T) {
		t.Parallel()
		env := NewEnv(t)
		// Days two days after today in the zone: a midnight passing during
		// the test moves today by one day at most.
		notToday := func(zone string) string {
			loc, err := time.LoadLocation(zone)
			if err != nil {
				t.Fatal(err)
			}
			d := time.Now().In(loc).AddDate(0, 0, 2).Weekday()
			return string(schedule.WeekdayOf(d))
		}
		// A one-hour range twelve hours away from now in the zone.
		farHours := func(zone string) [2]string {
			loc, _ := time.LoadLocation(zone)
			h := (time.Now().In(loc).Hour() + 12) % 24
			return [2]string{fmt.Sprintf("%02d:00", h), fmt.Sprintf("%02d:00", h+1)}
		}
		for _, tc := range []struct {
			name string
			in   map[string]any
			want bool
		}{
			{"all week, all day, Shanghai", GroupWith("Always", AllDays, [2]string{"00:00", "24:00"}), true},
			{"all week, all day, far east", func() map[string]any {
				in := GroupWith("Always Kiritimati", AllDays, [2]string{"00:00", "24:00"})
				in["timeZone"] = "Pacific/Kiritimati"
				return in
			}(), true},
			{"all week, all day, far west", func() map[string]any {
				in := GroupWith("Always Pago Pago", AllDays, [2]string{"00:00", "24:00"})
				in["timeZone"] = "Pacific/Pago_Pago"
				return in
			}(), true},
			{"another day only", GroupWith("Another Day", []string{notToday("Asia/Shanghai")}, [2]string{"00:00", "24:00"}), false},
			{"another day only, far west", func() map[string]any {
				in := GroupWith("Another Day West", []string{notToday("America/Los_Angeles")}, [2]string{"00:00", "24:00"})
				in["timeZone"] = "America/Los_Angeles"
				return in
			}(), false},
			{"every day, other hours", GroupWith("Other Hours", AllDays, farHours("Asia/Shanghai")), false},
		} {
			pl := env.MutateOK(Owner, CreateGroupM, map[string]any{"in": tc.in})
			if pl.CustomerServiceGroup.OpenNow != tc.want {
				t.Errorf("%s: openNow = %v, want %v", tc.name, pl.CustomerServiceGroup.OpenNow, tc.want)
			}
			if g := env.GetGroup(Owner, pl.CustomerServiceGroup.ID); g == nil || g.OpenNow != tc.want {
				t.Errorf("%s: re-read openNow = %+v, want %v", tc.name, g, tc.want)
			}
			env.MutateOK(Owner, DeleteGroupM, map[string]any{"id": pl.CustomerServiceGroup.ID})
		}
	})
}

// TestGroupChangeShowsAtOnce checks that a group edit shows on the product
// page without a review.
func TestGroupChangeShowsAtOnce(t *testing.T) {
	t.Parallel()
	env := NewEnv(t)
	w := env.Seed()
	in := GroupInput("Acme Helpdesk")
	in["phone"] = "+86 10 6552 0000"
	env.MutateOK(Owner, UpdateGroupM, map[string]any{"id": w.GroupID, "in": in})
	var out struct {
		Product struct{ AfterSalesGroup struct{ Name, Phone string } }
	}
	env.MustDo(Anonymous, `query($id: ID!) { product(id: $id) { afterSalesGroup { name phone } } }`, map[string]any{"id": w.ReleasedID}, &out)
	if g := out.Product.AfterSalesGroup; g.Name != "Acme Helpdesk" || g.Phone != "+861065520000" {
		t.Errorf("product page group = %+v, want the edited one", g)
	}
}
