package webhook_test

import (
	"encoding/json"
	"testing"
	"time"

	"servicesupport/ent"
	"servicesupport/ent/event"
	"servicesupport/ent/schema/schematype"
	"servicesupport/webhook"
)

func TestBody(t *testing.T) {
	seller, product := 12884901889, 30064771073
	after := "Widget"
	e := &ent.Event{
		ID:         4294967297,
		Type:       event.TypeProductCreated,
		OccurredAt: time.Date(2025, 3, 4, 14, 5, 6, 789000000, time.FixedZone("CET", 3600)),
		SellerID:   &seller,
		SubjectID:  product,
		ProductID:  &product,
		Changes:    []schematype.FieldChange{{Field: "name", After: &after}},
	}
	raw, err := webhook.Body(e)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"type":      "PRODUCT_CREATED",
		"timestamp": "2025-03-04T13:05:06.789Z",
		"data": map[string]any{
			"eventID":   "4294967297",
			"subjectID": "30064771073",
			"sellerID":  "12884901889",
			"reviewID":  nil,
			"productID": "30064771073",
			"changes":   []any{map[string]any{"field": "name", "before": nil, "after": "Widget"}},
		},
	}
	if g, w := mustJSON(t, got), mustJSON(t, want); g != w {
		t.Fatalf("Body =\n%s\nwant\n%s", g, w)
	}

	// No seller, no changes: null and [], never absent.
	e = &ent.Event{ID: 1, Type: event.TypeGroupDeleted, OccurredAt: time.Unix(0, 0), SubjectID: 2}
	raw, _ = webhook.Body(e)
	if want := `{"type":"GROUP_DELETED","timestamp":"1970-01-01T00:00:00Z","data":{"eventID":"1","subjectID":"2","sellerID":null,"reviewID":null,"productID":null,"changes":[]}}`; string(raw) != want {
		t.Fatalf("Body = %s, want %s", raw, want)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
