package graph

import "testing"

// SetSubscriberBuffer makes each subscription created from now on hold at
// most n waiting events, until t ends: the external tests' way to make a
// subscriber fall behind after a few events rather than 256
// (TestSubscriptionSlowSubscriberIsDisconnected). The value is read when a
// subscription starts, so t must not run in parallel with other tests that
// subscribe.
func SetSubscriberBuffer(t testing.TB, n int) {
	t.Helper()
	old := subscriberBuffer
	subscriberBuffer = n
	t.Cleanup(func() { subscriberBuffer = old })
}
