// Package idempotency remembers the answers to requests sent with an
// Idempotency-Key, so that a retry gets the first answer instead of running
// the mutation again. The answers live in the database (the
// idempotency_keys table), shared by every instance: which of two
// concurrent first uses of a key runs is decided by the table's unique
// (subject, key) index, never by state inside one process.
//
// A key's life: Begin inserts a row holding a lease (Started); the caller
// runs the request and keeps its answer with Finish, or forgets the claim
// with Release when the request changed nothing. Meanwhile a retry with
// the same body finds the lease (InUse), afterwards the answer (Replay); a
// retry with another body is refused (Reused). A row is forgotten TTL
// after its answer was kept (Prune deletes it; until then an expired row
// counts as absent), and a lease that passed without an answer (its
// instance crashed) is taken over by the next retry.
//
// Every time is read from the instance's clock (WithClock), in UTC, and
// compared in SQL conditions with times written from that same kind of
// clock: instances' clocks need only agree to well within the lease margin,
// since 24 h expiry tolerates any realistic skew.
package idempotency

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"servicesupport/ent"
	"servicesupport/ent/idempotencykey"
	"servicesupport/ent/predicate"
	"servicesupport/policy"
)

// Defaults of a Store.
const (
	// DefaultTTL is how long an answer is kept: the contract's 24 h.
	DefaultTTL = 24 * time.Hour
	// DefaultLease is how long a running request holds its key before a
	// retry may take it over. It must exceed the request timeout, plus a
	// margin for the instances' clocks and for keeping the answer: set it
	// with WithLease from the server's request timeout.
	DefaultLease = time.Minute
	// DefaultMaxBody is the largest answer kept. A mutation's answer here
	// is a few kilobytes; the bound keeps a client from filling the
	// database through large payload selections.
	DefaultMaxBody = 1 << 20
)

// MaxKeyLength is the longest Idempotency-Key accepted.
const MaxKeyLength = 255

// claimAttempts bounds how often Begin tries again when the row it read
// changed under it (released, pruned or claimed by another instance at the
// same moment). Each retry follows a real change by someone else, so a few
// suffice; beyond them the key is busy, which InUse says truthfully.
const claimAttempts = 4

// finishTimeout bounds Finish and Release, which run on a context detached
// from the request's (see detached).
const finishTimeout = 10 * time.Second

// Errors of the package.
var (
	// ErrInvalidKey is returned by Begin for a key ValidKey refuses.
	ErrInvalidKey = errors.New("idempotency: the key must be 1–255 visible ASCII characters")
	// ErrNotHeld is returned by Finish and Release when the claim no longer
	// holds its key (its lease was taken over, or it was released, kept or
	// pruned already) or never did (an outcome other than Started). Nothing
	// was changed: the key's current holder is left alone.
	ErrNotHeld = errors.New("idempotency: the claim does not hold its key")
	// ErrTooLarge is returned by Finish when the answer was larger than the
	// store keeps. The key is finished all the same, with the store's
	// replacement answer (WithMaxBody): the request ran, so a retry must
	// not run it again.
	ErrTooLarge = errors.New("idempotency: the answer is too large to keep; a replacement was kept")
)

// Outcome is what Begin found for a key.
type Outcome int

// The outcomes of Begin. The zero Outcome is none of them.
const (
	// Started: the caller holds the key and runs the request, then calls
	// Finish or Release.
	Started Outcome = iota + 1
	// Replay: the key was answered before; send Claim.Answer again.
	Replay
	// InUse: another request with this key is running (409).
	InUse
	// Reused: the key was first used with another body (422).
	Reused
)

// String names the outcome.
func (o Outcome) String() string {
	switch o {
	case Started:
		return "Started"
	case Replay:
		return "Replay"
	case InUse:
		return "InUse"
	case Reused:
		return "Reused"
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// Answer is a kept HTTP answer.
type Answer struct {
	// Status is the HTTP status code.
	Status int
	// ContentType is the Content-Type header.
	ContentType string
	// Body is the response body.
	Body []byte
}

// Claim is the result of Begin. When Outcome is Started it holds the key
// until Finish or Release; when it is Replay, Answer is the kept answer.
type Claim struct {
	// Outcome says what to do with the request.
	Outcome Outcome
	// Answer is the kept answer, for Replay.
	Answer Answer

	store *Store
	id    int
	// token is the random value written with the claim: Finish and Release
	// match it, so a claim whose lease was taken over changes nothing.
	token string
}

// Store keeps answers in the database of an ent client.
type Store struct {
	client      *ent.Client
	ttl         time.Duration
	lease       time.Duration
	maxBody     int
	replacement Answer
	now         func() time.Time
}

// Option configures a Store.
type Option func(*Store)

// WithTTL sets how long an answer is kept (DefaultTTL).
func WithTTL(d time.Duration) Option { return func(s *Store) { s.ttl = d } }

// WithLease sets how long a running request holds its key (DefaultLease):
// the request timeout plus a margin.
func WithLease(d time.Duration) Option { return func(s *Store) { s.lease = d } }

// WithClock sets the clock of every stored and compared time (time.Now by
// default); tests move it.
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// WithMaxBody sets the largest answer kept (DefaultMaxBody) and what is
// kept instead of a larger one. A replacement Status of 0 keeps the first
// answer's status.
func WithMaxBody(limit int, replacement Answer) Option {
	return func(s *Store) { s.maxBody, s.replacement = limit, replacement }
}

// DefaultReplacement is what is kept instead of an answer larger than the
// limit, with the first answer's status: a plain message that the request
// ran once. A caller that speaks a protocol (the GraphQL transport) sets
// its own with WithMaxBody.
var DefaultReplacement = Answer{
	ContentType: "text/plain; charset=utf-8",
	Body:        []byte("the answer to the first request with this Idempotency-Key was too large to keep; the request ran once and is not run again\n"),
}

// New returns a store over the client's database, which must have the
// idempotency_keys table (the migrations create it).
func New(client *ent.Client, opts ...Option) *Store {
	s := &Store{
		client:      client,
		ttl:         DefaultTTL,
		lease:       DefaultLease,
		maxBody:     DefaultMaxBody,
		replacement: DefaultReplacement,
		now:         time.Now,
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// ValidKey reports whether key is a valid Idempotency-Key: 1 to 255
// visible ASCII characters (0x21–0x7E), so no spaces, controls or bytes
// beyond ASCII.
func ValidKey(key string) bool {
	if len(key) == 0 || len(key) > MaxKeyLength {
		return false
	}
	for i := range len(key) {
		if key[i] < 0x21 || key[i] > 0x7e {
			return false
		}
	}
	return true
}

// Begin claims the key of subject (the token's sub) for a request with
// body, or says why not. The race between instances is decided by the
// unique (subject, key) index: the first insert wins, and every other
// request reads the row that won. The request body is compared by its
// SHA-256.
func (s *Store) Begin(ctx context.Context, subject, key string, body []byte) (Claim, error) {
	if !ValidKey(key) {
		return Claim{}, ErrInvalidKey
	}
	ctx = policy.System(ctx)
	sum := sha256.Sum256(body)
	fingerprint := hex.EncodeToString(sum[:])
	for range claimAttempts {
		now := s.clock()
		token := rand.Text() // 128 random bits
		row, err := s.client.IdempotencyKey.Create().
			SetSubject(subject).
			SetKey(key).
			SetFingerprint(fingerprint).
			SetClaimToken(token).
			SetCreatedAt(now).
			SetExpiresAt(now.Add(s.ttl)).
			SetLockedUntil(now.Add(s.lease)).
			Save(ctx)
		if err == nil {
			return s.started(row.ID, token), nil
		}
		if !ent.IsConstraintError(err) {
			return Claim{}, fmt.Errorf("idempotency: claiming a key: %w", err)
		}
		row, err = s.client.IdempotencyKey.Query().
			Where(idempotencykey.Subject(subject), idempotencykey.Key(key)).
			Only(ctx)
		if ent.IsNotFound(err) {
			continue // released or pruned since the insert failed: insert again
		}
		if err != nil {
			return Claim{}, fmt.Errorf("idempotency: reading a key: %w", err)
		}
		claim, ok, err := s.decide(ctx, row, fingerprint, token, now)
		if err != nil || ok {
			return claim, err
		}
		// The row changed between the read and the conditional update:
		// another request claimed, finished or released it. Look again.
	}
	return Claim{Outcome: InUse}, nil
}

// decide reads what an existing row means for a request with fingerprint.
// It takes the row over, under a condition that holds only if nobody else
// changed it since it was read, when the row has expired or its lease
// passed unanswered; ok is false when that condition failed.
func (s *Store) decide(ctx context.Context, row *ent.IdempotencyKey, fingerprint, token string, now time.Time) (claim Claim, ok bool, err error) {
	switch {
	case !row.ExpiresAt.After(now):
		// Expired: as good as absent. The row is reused in place, with its
		// expiry (which a Finish would have moved) in the condition.
		n, err := s.client.IdempotencyKey.Update().
			Where(idempotencykey.ID(row.ID), idempotencykey.ExpiresAtLTE(now)).
			SetFingerprint(fingerprint).
			SetClaimToken(token).
			ClearStatus().
			ClearContentType().
			ClearResponseBody().
			SetCreatedAt(now).
			SetExpiresAt(now.Add(s.ttl)).
			SetLockedUntil(now.Add(s.lease)).
			Save(ctx)
		return s.takenOver(n, err, row.ID, token)
	case row.Fingerprint != fingerprint:
		return Claim{Outcome: Reused}, true, nil
	case row.Status != nil:
		return Claim{Outcome: Replay, Answer: Answer{
			Status:      *row.Status,
			ContentType: row.ContentType,
			Body:        row.ResponseBody,
		}}, true, nil
	case row.LockedUntil != nil && row.LockedUntil.After(now):
		return Claim{Outcome: InUse}, true, nil
	default:
		// The lease passed with no answer: the instance that held it
		// crashed (or overran the lease). The claim token in the condition
		// makes exactly one of several retries the new holder.
		n, err := s.client.IdempotencyKey.Update().
			Where(
				idempotencykey.ID(row.ID),
				idempotencykey.ClaimToken(row.ClaimToken),
				idempotencykey.StatusIsNil(),
				idempotencykey.LockedUntilLTE(now),
			).
			SetClaimToken(token).
			SetExpiresAt(now.Add(s.ttl)).
			SetLockedUntil(now.Add(s.lease)).
			Save(ctx)
		return s.takenOver(n, err, row.ID, token)
	}
}

// takenOver turns the result of a conditional takeover into a claim.
func (s *Store) takenOver(n int, err error, id int, token string) (Claim, bool, error) {
	switch {
	case err != nil:
		return Claim{}, false, fmt.Errorf("idempotency: taking a key over: %w", err)
	case n == 0:
		return Claim{}, false, nil
	}
	return s.started(id, token), true, nil
}

// started is the claim of a row this request now holds.
func (s *Store) started(id int, token string) Claim {
	return Claim{Outcome: Started, store: s, id: id, token: token}
}

// Finish keeps the answer of the request that holds the key, for TTL from
// now. An answer over the store's limit is replaced (see ErrTooLarge). It
// runs even when ctx is cancelled or past its deadline, since the request
// has run by then and its answer must be kept (see detached).
func (c Claim) Finish(ctx context.Context, status int, contentType string, body []byte) error {
	if c.Outcome != Started {
		return ErrNotHeld
	}
	s := c.store
	var tooLarge error
	if len(body) > s.maxBody {
		tooLarge = ErrTooLarge
		contentType, body = s.replacement.ContentType, s.replacement.Body
		if s.replacement.Status != 0 {
			status = s.replacement.Status
		}
	}
	ctx, cancel := detached(ctx)
	defer cancel()
	n, err := s.client.IdempotencyKey.Update().
		Where(c.held()).
		SetStatus(status).
		SetContentType(contentType).
		SetResponseBody(body).
		ClearLockedUntil().
		SetExpiresAt(s.clock().Add(s.ttl)).
		Save(ctx)
	if err := ownRowChanged(n, err, "keeping an answer"); err != nil {
		return err
	}
	return tooLarge
}

// Release forgets the claim, so that a retry runs the request again: for a
// request that changed nothing (refused before it ran, or failed and rolled
// back). It runs even when ctx is cancelled, like Finish.
func (c Claim) Release(ctx context.Context) error {
	if c.Outcome != Started {
		return ErrNotHeld
	}
	ctx, cancel := detached(ctx)
	defer cancel()
	n, err := c.store.client.IdempotencyKey.Delete().Where(c.held()).Exec(ctx)
	return ownRowChanged(n, err, "releasing a key")
}

// held matches the row while the claim holds it: its ID and claim token,
// and no answer kept yet.
func (c Claim) held() predicate.IdempotencyKey {
	return idempotencykey.And(
		idempotencykey.ID(c.id),
		idempotencykey.ClaimToken(c.token),
		idempotencykey.StatusIsNil(),
	)
}

// ownRowChanged is the error of a write conditioned on held: none when it
// changed the row, ErrNotHeld when the claim no longer held it.
func ownRowChanged(n int, err error, doing string) error {
	switch {
	case err != nil:
		return fmt.Errorf("idempotency: %s: %w", doing, err)
	case n == 0:
		return ErrNotHeld
	}
	return nil
}

// clock is the store's time, in UTC so that stored times compare the same
// way on every database (SQLite compares them as text).
func (s *Store) clock() time.Time { return s.now().UTC() }

// detached is ctx without its cancellation, bounded by finishTimeout, as
// the system: Finish and Release come after the request's deadline or its
// client's disconnection as often as not, and then matter most.
func detached(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(policy.System(context.WithoutCancel(ctx)), finishTimeout)
}
