// Package lifecycle holds the product lifecycle and the review workflow as
// transition tables: the one statement of which status may follow which.
// The ent hooks guard every status update with them (an update whose row
// is no longer in an allowed status changes nothing), the service asks
// them before acting, and the tests walk them.
package lifecycle

import (
	"slices"

	"servicesupport/ent/product"
	"servicesupport/ent/review"
)

// ProductMove is one transition of the product lifecycle and the operation
// that makes it.
type ProductMove struct {
	From, To product.Status
	// By names the mutation (or decision) that makes the move.
	By string
}

// ProductMoves is the product lifecycle: DRAFT → IN_REVIEW → RELEASED or
// REJECTED; REJECTED → IN_REVIEW again; RELEASED ⇄ HIDDEN; any → REMOVED,
// irreversibly. Nothing leaves REMOVED.
var ProductMoves = []ProductMove{
	{product.StatusDraft, product.StatusInReview, "submitProductRelease"},
	{product.StatusRejected, product.StatusInReview, "submitProductRelease"},
	{product.StatusInReview, product.StatusReleased, "approveReview"},
	{product.StatusInReview, product.StatusRejected, "rejectReview"},
	{product.StatusInReview, product.StatusDraft, "withdrawReview"},
	{product.StatusReleased, product.StatusHidden, "hideProduct"},
	{product.StatusHidden, product.StatusReleased, "showProduct"},
	{product.StatusDraft, product.StatusRemoved, "removeProduct"},
	{product.StatusInReview, product.StatusRemoved, "removeProduct"},
	{product.StatusReleased, product.StatusRemoved, "removeProduct"},
	{product.StatusRejected, product.StatusRemoved, "removeProduct"},
	{product.StatusHidden, product.StatusRemoved, "removeProduct"},
}

// ProductFrom lists the statuses a product may move to `to` from.
func ProductFrom(to product.Status) []product.Status {
	var from []product.Status
	for _, m := range ProductMoves {
		if m.To == to {
			from = append(from, m.From)
		}
	}
	return from
}

// ProductMayMove reports whether the lifecycle has the move.
func ProductMayMove(from, to product.Status) bool {
	return slices.Contains(ProductFrom(to), from)
}

// ReviewMoves is the review workflow: only a PENDING review moves, once,
// to a decision, a withdrawal or a newer submission superseding it.
var ReviewMoves = map[review.Status][]review.Status{
	review.StatusPending: {review.StatusApproved, review.StatusRejected, review.StatusWithdrawn, review.StatusSuperseded},
}

// ReviewFrom lists the statuses a review may move to `to` from.
func ReviewFrom(to review.Status) []review.Status {
	var from []review.Status
	for f, tos := range ReviewMoves {
		if slices.Contains(tos, to) {
			from = append(from, f)
		}
	}
	slices.Sort(from)
	return from
}

// ProductEditable says what updateProduct may change in a status: name and
// summary, the after-sales group, or nothing.
func ProductEditable(s product.Status) (details, group bool) {
	switch s {
	case product.StatusDraft, product.StatusRejected:
		return true, true
	case product.StatusReleased, product.StatusHidden:
		return false, true
	}
	return false, false
}

// ProductLive reports whether product pages show the product's group (so
// the group must keep meeting the service policy).
func ProductLive(s product.Status) bool {
	return s == product.StatusReleased || s == product.StatusHidden
}
