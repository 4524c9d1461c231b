//go:build ignore

// entc.go generates the ent client and the entgql GraphQL schema
// (graph/ent.graphql). It is run by `go generate ./...` from the repository
// root (see generate.go), so paths are relative to the root.
package main

import (
	"log"
	"strings"

	"entgo.io/contrib/entgql"
	"entgo.io/ent/entc"
	"entgo.io/ent/entc/gen"
	"github.com/vektah/gqlparser/v2/ast"
)

func main() {
	ex, err := entgql.NewExtension(
		entgql.WithConfigPath("./gqlgen.yml"),
		entgql.WithSchemaGenerator(),
		entgql.WithSchemaPath("./graph/ent.graphql"),
		entgql.WithWhereInputs(true),
		entgql.WithRelaySpec(true),
		entgql.WithSchemaHook(nonNullLists, noEdgeFilters, describe),
	)
	if err != nil {
		log.Fatalf("creating entgql extension: %v", err)
	}
	err = entc.Generate("./ent/schema", &gen.Config{
		Target:  "./ent",
		Package: "servicesupport/ent",
		Features: []gen.Feature{
			gen.FeaturePrivacy,
			gen.FeatureEntQL,
			gen.FeatureIntercept,
			gen.FeatureGlobalID,
			gen.FeatureLock,
			gen.FeatureModifier,
			gen.FeatureExecQuery,
		},
	}, entc.Extensions(ex), entc.TemplateFiles("./ent/template/joined.tmpl"))
	if err != nil {
		log.Fatalf("running ent codegen: %v", err)
	}
}

// nonNullLists marks fields that always resolve to a value as non-null.
// entgql makes every to-many edge a nullable list and every optional
// unique edge nullable; the contract promises these are always present.
func nonNullLists(_ *gen.Graph, s *ast.Schema) error {
	for typ, fields := range map[string][]string{
		"Seller":  {"customerServiceGroups"},
		"Contact": {"review"},
	} {
		def := s.Types[typ]
		if def == nil {
			log.Fatalf("schema hook: no type %s", typ)
		}
		for _, name := range fields {
			f := def.Fields.ForName(name)
			if f == nil {
				log.Fatalf("schema hook: no field %s.%s", typ, name)
			}
			f.Type.NonNull = true
		}
	}
	return nil
}

// noEdgeFilters removes edge predicates (hasX, hasXWith) from every where
// input. They compile to SQL subqueries that privacy filters never see, so
// "has a product with …" or "has a seller whose account is …" would let a
// viewer probe rows it may not read. Filters stay on the object's own
// fields, which its privacy filter already narrows.
func noEdgeFilters(_ *gen.Graph, s *ast.Schema) error {
	for name, def := range s.Types {
		if !strings.HasSuffix(name, "WhereInput") {
			continue
		}
		kept := def.Fields[:0]
		for _, f := range def.Fields {
			if !strings.HasPrefix(f.Name, "has") {
				kept = append(kept, f)
			}
		}
		def.Fields = kept
	}
	return nil
}

// Descriptions of what entgql generates without one: clients read every
// description in GraphiQL, and a test fails when one is missing.
var (
	typeDescriptions = map[string]string{
		"Query":                "Reads. Objects the viewer may not see read as null or are left out.",
		"Seller":               "A company selling on the marketplace; it owns its contacts, groups, products and reviews.",
		"Contact":              "One submitted revision of a seller's business contact or pre-sales info; never edited after submission.",
		"CustomerServiceGroup": "An after-sales customer service group, shown on the product pages that select it.",
		"Product":              "A product offered by a seller; its release is reviewed.",
		"Review":               "The approval record of a contact revision or a product release (never a customer's product review).",
		"Event":                "What a successful mutation changed, recorded in its transaction; never changed or deleted.",
		"WebhookEndpoint":      "A URL that receives signed deliveries (Standard Webhooks) of events.",
		"WebhookDelivery":      "One event's delivery to one endpoint: the outbox row and its log.",
	}
	enumValueDescriptions = map[string]string{
		"ContactKind.BUSINESS":            "The business contact, used by the operations team.",
		"ContactKind.PRE_SALES":           "The pre-sales info shown to customers.",
		"ProductStatus.DRAFT":             "Being prepared; editable.",
		"ProductStatus.IN_REVIEW":         "Submitted for release; waiting for a decision.",
		"ProductStatus.RELEASED":          "Approved and shown on product pages.",
		"ProductStatus.REJECTED":          "Release rejected; editable and can be resubmitted.",
		"ProductStatus.HIDDEN":            "Released but hidden from product pages.",
		"ProductStatus.REMOVED":           "Removed for good.",
		"ReviewKind.BUSINESS_CONTACT":     "A business contact revision.",
		"ReviewKind.PRE_SALES_INFO":       "A pre-sales info revision.",
		"ReviewKind.PRODUCT_RELEASE":      "A product release.",
		"ReviewStatus.PENDING":            "Waiting for a decision.",
		"ReviewStatus.APPROVED":           "Approved: the revision is live, or the product released.",
		"ReviewStatus.REJECTED":           "Rejected with a reason; what was live stays live.",
		"ReviewStatus.WITHDRAWN":          "Withdrawn by the seller (or by removing the product).",
		"ReviewStatus.SUPERSEDED":         "Replaced by a newer submission of the same kind.",
		"EventType.SELLER_CREATED":        "An admin registered a seller.",
		"EventType.REVIEW_SUBMITTED":      "A contact revision or product release was submitted for review.",
		"EventType.REVIEW_APPROVED":       "A review was approved.",
		"EventType.REVIEW_REJECTED":       "A review was rejected.",
		"EventType.REVIEW_WITHDRAWN":      "A pending review was withdrawn (by the seller, or by removing its product).",
		"EventType.REVIEW_SUPERSEDED":     "A pending review was replaced by a newer submission of the same kind.",
		"EventType.GROUP_CREATED":         "A customer service group was created.",
		"EventType.GROUP_UPDATED":         "A customer service group was changed.",
		"EventType.GROUP_DELETED":         "A customer service group was deleted.",
		"EventType.PRODUCT_CREATED":       "A product was created.",
		"EventType.PRODUCT_UPDATED":       "A product's name, summary or group changed.",
		"EventType.PRODUCT_RELEASED":      "A product's release was approved.",
		"EventType.PRODUCT_REJECTED":      "A product's release was rejected.",
		"EventType.PRODUCT_HIDDEN":        "A released product was hidden.",
		"EventType.PRODUCT_SHOWN":         "A hidden product was shown again.",
		"EventType.PRODUCT_REMOVED":       "A product was removed for good.",
		"WebhookDeliveryStatus.PENDING":   "Not delivered yet; another attempt is due at nextAttemptAt.",
		"WebhookDeliveryStatus.DELIVERED": "The endpoint answered 2xx.",
		"WebhookDeliveryStatus.FAILED":    "Every attempt failed; no more are made.",
	}
	fieldDescriptions = map[string]string{
		"id":         "The object's globally unique, opaque ID.",
		"products":   "Products, as a Relay connection.",
		"reviews":    "Reviews of the seller's submissions, as a Relay connection.",
		"events":     "Events, as a Relay connection.",
		"deliveries": "Deliveries of events to the endpoint, as a Relay connection.",
	}
	// predicateSuffixes explain entgql's where-input fields by suffix,
	// longest first.
	predicateSuffixes = []struct{ suffix, text string }{
		{"ContainsFold", "contains the value, ignoring case"},
		{"EqualFold", "equals the value, ignoring case"},
		{"HasPrefix", "starts with the value"},
		{"HasSuffix", "ends with the value"},
		{"Contains", "contains the value"},
		{"NotNil", "is set"},
		{"IsNil", "is not set"},
		{"NotIn", "is none of the values"},
		{"NEQ", "differs from the value"},
		{"GTE", "is greater than or equal to the value"},
		{"LTE", "is less than or equal to the value"},
		{"GT", "is greater than the value"},
		{"LT", "is less than the value"},
		{"In", "is one of the values"},
	}
)

// describe fills in the descriptions entgql leaves empty.
func describe(_ *gen.Graph, s *ast.Schema) error {
	for name, def := range s.Types {
		if def.BuiltIn || strings.HasPrefix(name, "__") {
			continue
		}
		if def.Description == "" {
			def.Description = typeDescriptions[name]
		}
		for _, v := range def.EnumValues {
			if v.Description != "" {
				continue
			}
			if d := enumValueDescriptions[name+"."+v.Name]; d != "" {
				v.Description = d
			} else if strings.HasSuffix(name, "OrderField") {
				v.Description = "Order by " + strings.ToLower(strings.ReplaceAll(v.Name, "_", " ")) + "."
			}
		}
		isWhere := strings.HasSuffix(name, "WhereInput")
		for _, f := range def.Fields {
			if f.Description == "" {
				f.Description = fieldDescriptions[f.Name]
			}
			if f.Description == "" && isWhere {
				f.Description = predicateDescription(f.Name)
			}
		}
	}
	return nil
}

// predicateDescription explains one where-input field.
func predicateDescription(name string) string {
	switch name {
	case "not":
		return "Matches what the given filter does not."
	case "and":
		return "Matches what every given filter matches."
	case "or":
		return "Matches what any given filter matches."
	}
	for _, p := range predicateSuffixes {
		if field, ok := strings.CutSuffix(name, p.suffix); ok && field != "" {
			return "Matches when " + field + " " + p.text + "."
		}
	}
	return "Matches when " + name + " equals the value."
}
