package webhook

import (
	"encoding/json"
	"strconv"
	"time"

	"servicesupport/ent"
	"servicesupport/ent/schema/schematype"
)

// payload is the Standard Webhooks envelope: what happened, when, and a
// thin data object of IDs that a receiver can look up through the API
// (with its own credentials, so the API's visibility rules still apply).
type payload struct {
	Type      string      `json:"type"`
	Timestamp string      `json:"timestamp"`
	Data      payloadData `json:"data"`
}

// payloadData holds the event's IDs as strings, as GraphQL returns IDs, so
// that a receiver can pass them to node(id:) unchanged; an absent one is
// null.
type payloadData struct {
	EventID   string                   `json:"eventID"`
	SubjectID string                   `json:"subjectID"`
	SellerID  *string                  `json:"sellerID"`
	ReviewID  *string                  `json:"reviewID"`
	ProductID *string                  `json:"productID"`
	Changes   []schematype.FieldChange `json:"changes"`
}

// Body is the JSON body delivered for an event. The timestamp is when the
// event occurred (RFC 3339 in UTC, as the API shows it), not when it is
// sent: a retry sends the same bytes, and only webhook-timestamp changes.
func Body(e *ent.Event) ([]byte, error) {
	changes := e.Changes
	if changes == nil {
		changes = []schematype.FieldChange{} // [] rather than null, as in the API
	}
	return json.Marshal(payload{
		Type:      string(e.Type),
		Timestamp: e.OccurredAt.UTC().Format(time.RFC3339Nano),
		Data: payloadData{
			EventID:   strconv.Itoa(e.ID),
			SubjectID: strconv.Itoa(e.SubjectID),
			SellerID:  optionalID(e.SellerID),
			ReviewID:  optionalID(e.ReviewID),
			ProductID: optionalID(e.ProductID),
			Changes:   changes,
		},
	})
}

// optionalID is the string form of an optional ID.
func optionalID(id *int) *string {
	if id == nil {
		return nil
	}
	s := strconv.Itoa(*id)
	return &s
}
