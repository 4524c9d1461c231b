package webhook_test

import (
	"math"
	"testing"
	"time"

	"servicesupport/webhook"
)

func TestBackoff(t *testing.T) {
	base := 5 * time.Second
	tests := []struct {
		attempt int
		jitter  float64
		want    time.Duration
	}{
		{1, 0.5, 5 * time.Second}, // factor 1
		{2, 0.5, 10 * time.Second},
		{3, 0.5, 20 * time.Second},
		{7, 0.5, 320 * time.Second},
		{1, 0, 2500 * time.Millisecond},    // factor 0.5
		{3, 0, 10 * time.Second},           // factor 0.5
		{2, 0.25, 7500 * time.Millisecond}, // factor 0.75
		{0, 0.5, 5 * time.Second},          // below 1 counts as the first
		{1, math.NaN(), 2500 * time.Millisecond},
		{200, 0.5, 24 * time.Hour}, // capped, no overflow
	}
	for _, tc := range tests {
		if got := webhook.Backoff(tc.attempt, base, tc.jitter); got != tc.want {
			t.Errorf("Backoff(%d, %s, %v) = %s, want %s", tc.attempt, base, tc.jitter, got, tc.want)
		}
	}
	// The factor stays below 1.5 for any jitter below 1.
	if got := webhook.Backoff(1, base, math.Nextafter(1, 0)); got >= 7500*time.Millisecond || got < 7499*time.Millisecond {
		t.Errorf("Backoff with jitter just below 1 = %s, want just below 7.5s", got)
	}
	if got := webhook.Backoff(1, base, 5); got >= 7500*time.Millisecond {
		t.Errorf("Backoff with jitter 5 = %s, want below 7.5s", got)
	}
}
