package ent

import (
	"testing"
	"time"
)

// TestParseJoinedTime reads the text forms a joined time column comes back
// in (ent/template/joined.tmpl) as the instant the driver would have read.
func TestParseJoinedTime(t *testing.T) {
	want := time.Date(2026, 12, 2, 11, 39, 12, 123456000, time.UTC)
	for _, s := range []string{
		"2026-12-02 11:39:12.123456+00:00",    // SQLite, as the driver writes it
		"2026-12-02T11:39:12.123456Z",         // SQLite, written by hand
		"2026-12-02 11:39:12.123456",          // SQLite, no offset: UTC
		"2026-12-02 11:39:12.123456+00",       // PostgreSQL, TimeZone UTC
		"2026-12-02 17:09:12.123456+05:30",    // PostgreSQL, TimeZone Asia/Kolkata
		"2026-12-02 06:39:12.123456-05",       // PostgreSQL, TimeZone America/New_York
		"2026-12-02 11:39:12.123456+00:00:00", // PostgreSQL, an offset in seconds
		"2026-12-02T11:39:12.123456000+00:00", // RFC 3339
	} {
		got, err := parseJoinedTime(s)
		if err != nil || !got.Equal(want) {
			t.Errorf("parseJoinedTime(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	if got, err := parseJoinedTime("2026-12-02"); err != nil || !got.Equal(time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("a date alone: %v, %v", got, err)
	}
	for _, s := range []string{"", "12/02/2026 11:39:12.123456 UTC", "02.12.2026", "yesterday"} {
		if _, err := parseJoinedTime(s); err == nil {
			t.Errorf("parseJoinedTime(%q) accepted", s)
		}
	}
}
