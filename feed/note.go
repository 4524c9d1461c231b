package feed

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Channel is the PostgreSQL NOTIFY channel that carries the notes.
const Channel = "servicesupport_events"

// Note is what the feed carries about one committed event: enough for a
// listener to decide whether the event concerns it (its type, its seller)
// and to load it by id. The event itself stays in the events table, so a
// note stays far below NOTIFY's 8000-byte limit whatever the event holds.
type Note struct {
	EventID  int    `json:"id"`
	Type     string `json:"type"`
	SellerID int    `json:"seller,omitempty"` // 0: none
}

// Payload returns the note as the JSON that pg_notify sends.
func (n Note) Payload() string {
	b, err := json.Marshal(n)
	if err != nil { // two ints and a string always encode
		panic(err)
	}
	return string(b)
}

// ParseNote reads a payload that Payload wrote. It rejects anything else
// (no event id, no type, a negative seller) rather than hand a listener a
// note it cannot act on. Unknown fields are ignored, so that an instance
// still reads the notes of a newer one during a rolling deploy.
func ParseNote(payload string) (Note, error) {
	var n Note
	if err := json.Unmarshal([]byte(payload), &n); err != nil {
		return Note{}, fmt.Errorf("feed note %q: %w", truncate(payload), err)
	}
	switch {
	case n.EventID <= 0:
		return Note{}, fmt.Errorf("feed note %q: %w", truncate(payload), errors.New("no event id"))
	case n.Type == "":
		return Note{}, fmt.Errorf("feed note %q: %w", truncate(payload), errors.New("no event type"))
	case n.SellerID < 0:
		return Note{}, fmt.Errorf("feed note %q: %w", truncate(payload), errors.New("negative seller id"))
	}
	return n, nil
}

// truncate shortens a payload for an error message.
func truncate(s string) string {
	const max = 100
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}
