// Package webhook delivers events to the URLs that sellers and admins
// register, following the Standard Webhooks specification
// (https://www.standardwebhooks.com): a signed JSON POST per event and
// endpoint, retried with exponential backoff until a 2xx answer or the
// last attempt.
//
// The service layer writes one PENDING delivery row per matching endpoint
// in the event's own transaction (an outbox), so an event that committed
// is never lost to a crash. Everything after that lives here: the payload
// (Body), the signature (Sign, Verify), the URL rules that keep deliveries
// away from internal addresses (CheckURL at registration, NewClient at
// every connection), the retry schedule (Backoff) and the Worker that
// claims due rows under a lease, so that with several instances each
// delivery is attempted by one of them at a time.
package webhook
