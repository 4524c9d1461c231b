package policy

import (
	"fmt"
	"maps"

	"servicesupport/auth"
	gen "servicesupport/ent"
)

// A Reader says who reads a field of the GraphQL schema. Every field of
// every object and interface type has one in the table below, which the
// GraphQL layer consults for each field it resolves (graph/fieldpolicy.go);
// a test walks the schema and fails on a field the table does not classify,
// so a field added to the schema is hidden until someone decides.
type Reader uint8

// The readers, from the widest.
const (
	// Unclassified is a field missing from the table: nobody but staff
	// reads it (closed until classified).
	Unclassified Reader = iota
	// Anyone who may read the object reads the field: the object's
	// privacy policy (policy.go) decided who that is. On Query, anybody.
	Anyone
	// OwnerOrStaff fields are read by the object's seller and by staff;
	// anyone else reads null, an empty list or an empty connection. Use it
	// only on a type whose seller is known whatever a query selects (a
	// Seller is its own: its ID is always loaded; another entity's
	// seller_id is loaded only with its seller edge).
	OwnerOrStaff
	// SignedIn root fields are refused (FORBIDDEN) to anonymous viewers.
	SignedIn
	// Staff root fields are refused to all but reviewers and admins.
	Staff
	// ByOperation is a mutation: the service operation it runs asks
	// operations.go who may run it, and the ent policies (policy.go) hold
	// underneath for every row it touches.
	ByOperation
)

// String names the reader, for the classification test's listing.
func (r Reader) String() string {
	switch r {
	case Anyone:
		return "anyone who reads the object"
	case OwnerOrStaff:
		return "its seller and staff (others: null or empty)"
	case SignedIn:
		return "signed-in viewers (anonymous: FORBIDDEN)"
	case Staff:
		return "reviewers and admins (others: FORBIDDEN)"
	case ByOperation:
		return "whoever its operation allows (policy/operations.go)"
	}
	return "unclassified (staff only)"
}

// ReaderOf is the reader of field on the GraphQL type typ (Unclassified
// when the table has none).
func ReaderOf(typ, field string) Reader {
	return fields[typ][field]
}

// Fields returns a copy of the table, for the classification test.
func Fields() map[string]map[string]Reader {
	out := make(map[string]map[string]Reader, len(fields))
	for typ, fs := range fields {
		out[typ] = maps.Clone(fs)
	}
	return out
}

// MayRead reports whether v reads a field classified r of obj, the object
// the field belongs to (nil for a root field): see Owner.
func (r Reader) MayRead(v *auth.Viewer, obj any) bool {
	switch r {
	case Anyone, ByOperation:
		return true
	case OwnerOrStaff:
		return ReadsPrivate(v, Owner(obj))
	case SignedIn:
		return v != nil && v.Role != auth.RoleAnonymous
	}
	return v.IsStaff()
}

// Refusal is the error answering a root field typ.field that a viewer
// may not run.
func (r Reader) Refusal(typ, field string) error {
	switch r {
	case SignedIn:
		if typ == "Subscription" {
			return Forbidden("sign in to subscribe to " + field)
		}
		return Forbidden("sign in to read " + field)
	case Staff:
		return Forbidden("only reviewers and admins read " + field)
	}
	return Forbidden(fmt.Sprintf("%s.%s is not for this viewer", typ, field))
}

// Owner is the seller that owns obj, an entity of the ent client: a Seller
// owns itself, any other entity its seller_id (0 for none, or when the
// query did not load the column).
func Owner(obj any) int {
	switch o := obj.(type) {
	case *gen.Seller:
		return o.ID
	case *gen.Product:
		return o.SellerID
	case *gen.CustomerServiceGroup:
		return o.SellerID
	case *gen.Contact:
		return o.SellerID
	case *gen.Review:
		return o.SellerID
	case *gen.Event:
		return orZero(o.SellerID)
	case *gen.WebhookEndpoint:
		return orZero(o.SellerID)
	case *gen.WebhookDelivery:
		return orZero(o.SellerID)
	}
	return 0
}

// orZero is *id, or 0 for nil.
func orZero(id *int) int {
	if id == nil {
		return 0
	}
	return *id
}

// anyone classifies every named field Anyone.
func anyone(names ...string) map[string]Reader {
	m := make(map[string]Reader, len(names))
	for _, n := range names {
		m[n] = Anyone
	}
	return m
}

// connection and edge are the fields of every Relay connection and edge.
var (
	connection = []string{"edges", "pageInfo", "totalCount"}
	edge       = []string{"node", "cursor"}
)

// fields is who reads what. Objects a viewer may not read at all never
// reach it: the privacy policies filtered them away (policy.go), and node
// and nodes apply the path rule (byid.go). What is left is a seller's
// private fields and lists, which anyone who reads its name through a
// released product would otherwise read too, and the root fields some
// viewers may not run.
var fields = map[string]map[string]Reader{
	"Query": {
		"node": Anyone, "nodes": Anyone, "viewer": Anyone, "product": Anyone, "products": Anyone,
		// "reviews: reviewer/admin: all; seller: its own"; events and
		// endpoints alike; anonymous viewers are refused outright.
		"reviews": SignedIn, "events": SignedIn, "webhookEndpoints": SignedIn,
		"sellers": Staff,
	},
	"Subscription": {"events": SignedIn},
	"Mutation": {
		"createSeller": ByOperation, "submitBusinessContact": ByOperation, "submitPreSalesInfo": ByOperation,
		"createCustomerServiceGroup": ByOperation, "updateCustomerServiceGroup": ByOperation,
		"deleteCustomerServiceGroup": ByOperation, "createProduct": ByOperation, "updateProduct": ByOperation,
		"submitProductRelease": ByOperation, "hideProduct": ByOperation, "showProduct": ByOperation,
		"removeProduct": ByOperation, "approveReview": ByOperation, "rejectReview": ByOperation,
		"withdrawReview": ByOperation, "revertContact": ByOperation,
		"createWebhookEndpoint": ByOperation, "deleteWebhookEndpoint": ByOperation,
	},
	// "Anonymous viewers may read a Seller only through a RELEASED
	// product, and only its name"; a seller reads nothing of another
	// seller's beyond that.
	"Seller": {
		"id": Anyone, "name": Anyone,
		"createdAt": OwnerOrStaff, "accountID": OwnerOrStaff,
		"businessContact": OwnerOrStaff, "preSalesInfo": OwnerOrStaff,
		"customerServiceGroups": OwnerOrStaff, "products": OwnerOrStaff, "reviews": OwnerOrStaff,
	},
	// Released products are public, with their group and the approved
	// pre-sales phone and email (a projection without the address).
	"Product": anyone("id", "createdAt", "updatedAt", "name", "summary", "status", "releasedAt", "version",
		"seller", "afterSalesGroup", "preSalesInfo"),
	"PreSalesContact": anyone("phone", "email"),
	// A group others read is a released product's afterSalesGroup: shown on
	// the product page, with the released products that select it.
	"CustomerServiceGroup": anyone("id", "createdAt", "updatedAt", "name", "phone", "email", "serviceDays",
		"serviceHours", "timeZone", "version", "seller", "products", "openNow", "meetsServicePolicy",
		"weeklyHours", "closures", "nextOpenAt", "nextCloseAt", "todayHours"),
	"DayHours":  anyone("day", "hours"),
	"Closure":   anyone("date", "name", "hours"),
	"TimeRange": anyone("start", "end"),
	// Only their seller and staff read contacts, reviews, events and
	// webhooks at all (the row policies), so whoever reads one reads all
	// of it. Their seller_id may not be loaded, so OwnerOrStaff would hide
	// them from their seller.
	"Contact": anyone("id", "createdAt", "kind", "contactName", "phone", "email", "contactAddress", "revision",
		"seller", "review"),
	"Review": anyone("id", "kind", "status", "changes", "submittedBy", "submittedAt", "dueAt", "decidedBy",
		"decidedAt", "comment", "seller", "contact", "product", "events"),
	"FieldChange": anyone("field", "before", "after"),
	"Event": anyone("id", "type", "occurredAt", "actor", "actorRole", "subjectID", "changes", "seller", "review",
		"product", "customerServiceGroup"),
	"WebhookEndpoint": anyone("id", "createdAt", "url", "seller", "deliveries", "eventTypes"),
	"WebhookDelivery": anyone("id", "createdAt", "status", "attempts", "lastAttemptAt", "lastResponseStatus",
		"nextAttemptAt", "event"),
	"Viewer":   anyone("role", "subject", "seller"),
	"Node":     anyone("id"),
	"PageInfo": anyone("hasNextPage", "hasPreviousPage", "startCursor", "endCursor"),

	"ProductConnection":         anyone(connection...),
	"ProductEdge":               anyone(edge...),
	"ReviewConnection":          anyone(connection...),
	"ReviewEdge":                anyone(edge...),
	"SellerConnection":          anyone(connection...),
	"SellerEdge":                anyone(edge...),
	"EventConnection":           anyone(connection...),
	"EventEdge":                 anyone(edge...),
	"WebhookEndpointConnection": anyone(connection...),
	"WebhookEndpointEdge":       anyone(edge...),
	"WebhookDeliveryConnection": anyone(connection...),
	"WebhookDeliveryEdge":       anyone(edge...),

	// Payloads answer the viewer who ran the mutation; the objects in them
	// are classified by their own types.
	"UserError":                    anyone("field", "message", "code"),
	"CreateSellerPayload":          anyone("userErrors", "seller"),
	"SubmitChangePayload":          anyone("userErrors", "review"),
	"CustomerServiceGroupPayload":  anyone("userErrors", "customerServiceGroup"),
	"DeletePayload":                anyone("userErrors", "deletedID"),
	"ProductPayload":               anyone("userErrors", "product"),
	"ReviewPayload":                anyone("userErrors", "review"),
	"CreateWebhookEndpointPayload": anyone("userErrors", "webhookEndpoint", "secret"),
}
