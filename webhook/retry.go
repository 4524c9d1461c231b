package webhook

import (
	"math"
	"time"
)

// MaxAttempts is how many attempts a delivery gets in all before it is
// FAILED.
const MaxAttempts = 8

// DefaultRetryBase is the wait after the first failed attempt
// (WEBHOOK_RETRY_BASE); each later wait doubles. With 8 attempts the
// retries span about ten minutes.
const DefaultRetryBase = 5 * time.Second

// maxBackoff caps a wait, so that a large base or attempt number cannot
// overflow a Duration.
const maxBackoff = 24 * time.Hour

// Backoff is the wait after failed attempt number attempt (1 for the
// first): base·2^(attempt-1), scaled by 0.5 + jitter, so by a factor in
// [0.5, 1.5). The jitter (in [0, 1), from math/rand/v2) spreads the
// retries of deliveries that failed together — an endpoint that was down
// — so they do not all come back at once. The caller draws it, which
// keeps this a pure function.
func Backoff(attempt int, base time.Duration, jitter float64) time.Duration {
	attempt = max(attempt, 1)
	if !(jitter >= 0) { // also NaN
		jitter = 0
	}
	wait := float64(base) * math.Exp2(float64(attempt-1))
	if wait*1.5 > float64(maxBackoff) {
		return maxBackoff
	}
	d, upper := time.Duration(wait*(0.5+jitter)), time.Duration(wait*1.5)
	if d >= upper { // a jitter of 1 or more, or rounding just below 1
		d = upper - 1
	}
	return d
}
