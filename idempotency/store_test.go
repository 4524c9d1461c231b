package idempotency_test

// Tests of the store on the database under test (SQLite, or PostgreSQL
// when TEST_DATABASE_URL is set), each on a database of its own.

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"servicesupport/database"
	"servicesupport/database/dbtest"
	"servicesupport/ent"
	"servicesupport/ent/idempotencykey"
	"servicesupport/ent/privacy"
	_ "servicesupport/ent/runtime" // registers the privacy policies
	"servicesupport/idempotency"
	"servicesupport/policy"
)

// lease is the lease of the tests' stores.
const lease = time.Minute

// clock is a test clock that only moves when told.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

// newClock starts a clock at a fixed time.
func newClock() *clock {
	return &clock{now: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
}

// Now reads the clock.
func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock on.
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// setup returns a store on a new database, on the clock, and its client.
func setup(t *testing.T, c *clock, opts ...idempotency.Option) (*idempotency.Store, *ent.Client) {
	t.Helper()
	client := dbtest.Open(t, nil)
	opts = append([]idempotency.Option{idempotency.WithClock(c.Now), idempotency.WithLease(lease)}, opts...)
	return idempotency.New(client, opts...), client
}

// begin calls Begin and fails the test unless the outcome is want.
func begin(t *testing.T, s *idempotency.Store, subject, key, body string, want idempotency.Outcome) idempotency.Claim {
	t.Helper()
	c, err := s.Begin(context.Background(), subject, key, []byte(body))
	if err != nil {
		t.Fatalf("Begin(%s, %s): %v", subject, key, err)
	}
	if c.Outcome != want {
		t.Fatalf("Begin(%s, %s) = %v, want %v", subject, key, c.Outcome, want)
	}
	return c
}

// checkAnswer fails the test unless a replay carries the answer.
func checkAnswer(t *testing.T, c idempotency.Claim, status int, contentType, body string) {
	t.Helper()
	if c.Answer.Status != status || c.Answer.ContentType != contentType || string(c.Answer.Body) != body {
		t.Errorf("replayed %d %q %q, want %d %q %q", c.Answer.Status, c.Answer.ContentType, c.Answer.Body, status, contentType, body)
	}
}

// rows counts the rows of the table.
func rows(t *testing.T, client *ent.Client) int {
	t.Helper()
	n, err := client.IdempotencyKey.Query().Count(policy.System(context.Background()))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

const body = `{"query":"mutation { createProduct(input: {name: \"A\"}) { product { id } } }"}`

func TestFinishThenReplay(t *testing.T) {
	t.Parallel()
	s, _ := setup(t, newClock())
	c := begin(t, s, "alice", "k1", body, idempotency.Started)
	if err := c.Finish(context.Background(), 200, "application/json", []byte(`{"data":{"x":1}}`)); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		r := begin(t, s, "alice", "k1", body, idempotency.Replay)
		checkAnswer(t, r, 200, "application/json", `{"data":{"x":1}}`)
		// A replay holds nothing.
		if err := r.Finish(context.Background(), 500, "text/plain", nil); !errors.Is(err, idempotency.ErrNotHeld) {
			t.Errorf("Finish of a replay: %v, want ErrNotHeld", err)
		}
	}
	// Finishing twice does not overwrite the kept answer.
	if err := c.Finish(context.Background(), 500, "text/plain", []byte("again")); !errors.Is(err, idempotency.ErrNotHeld) {
		t.Errorf("second Finish: %v, want ErrNotHeld", err)
	}
	checkAnswer(t, begin(t, s, "alice", "k1", body, idempotency.Replay), 200, "application/json", `{"data":{"x":1}}`)
}

func TestOtherBodyIsReused(t *testing.T) {
	t.Parallel()
	s, _ := setup(t, newClock())
	c := begin(t, s, "alice", "k1", body, idempotency.Started)
	// While it runs and after it answered.
	begin(t, s, "alice", "k1", body+" ", idempotency.Reused)
	if err := c.Finish(context.Background(), 200, "application/json", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	begin(t, s, "alice", "k1", "", idempotency.Reused)
	begin(t, s, "alice", "k1", body, idempotency.Replay)
}

func TestRunningIsInUse(t *testing.T) {
	t.Parallel()
	c := newClock()
	s, _ := setup(t, c)
	begin(t, s, "alice", "k1", body, idempotency.Started)
	begin(t, s, "alice", "k1", body, idempotency.InUse)
	c.Advance(lease - time.Second)
	begin(t, s, "alice", "k1", body, idempotency.InUse)
}

func TestSubjectsAreIndependent(t *testing.T) {
	t.Parallel()
	s, _ := setup(t, newClock())
	a := begin(t, s, "alice", "k1", body, idempotency.Started)
	b := begin(t, s, "bob", "k1", "another body", idempotency.Started)
	if err := a.Finish(context.Background(), 200, "application/json", []byte("alice's")); err != nil {
		t.Fatal(err)
	}
	begin(t, s, "bob", "k1", "another body", idempotency.InUse)
	if err := b.Finish(context.Background(), 201, "application/json", []byte("bob's")); err != nil {
		t.Fatal(err)
	}
	checkAnswer(t, begin(t, s, "alice", "k1", body, idempotency.Replay), 200, "application/json", "alice's")
	checkAnswer(t, begin(t, s, "bob", "k1", "another body", idempotency.Replay), 201, "application/json", "bob's")
	// Keys differing only in case are different keys.
	begin(t, s, "alice", "K1", body, idempotency.Started)
}

func TestExpiredKeyStartsAfresh(t *testing.T) {
	t.Parallel()
	c := newClock()
	s, client := setup(t, c)
	first := begin(t, s, "alice", "k1", body, idempotency.Started)
	c.Advance(time.Second)
	if err := first.Finish(context.Background(), 200, "application/json", []byte("first")); err != nil {
		t.Fatal(err)
	}
	// Kept for 24 h from the answer, not from the start.
	c.Advance(idempotency.DefaultTTL - time.Second)
	checkAnswer(t, begin(t, s, "alice", "k1", body, idempotency.Replay), 200, "application/json", "first")
	c.Advance(time.Second)
	// Expired: as good as absent, with the same body or another.
	second := begin(t, s, "alice", "k1", "another body", idempotency.Started)
	begin(t, s, "alice", "k1", body, idempotency.Reused)
	if err := second.Finish(context.Background(), 201, "text/plain", []byte("second")); err != nil {
		t.Fatal(err)
	}
	checkAnswer(t, begin(t, s, "alice", "k1", "another body", idempotency.Replay), 201, "text/plain", "second")
	if n := rows(t, client); n != 1 {
		t.Errorf("%d rows, want the one reused", n)
	}
}

func TestCrashedLeaseIsTakenOver(t *testing.T) {
	t.Parallel()
	c := newClock()
	s, _ := setup(t, c)
	crashed := begin(t, s, "alice", "k1", body, idempotency.Started)
	c.Advance(lease)
	// Another body is still another body.
	begin(t, s, "alice", "k1", "another body", idempotency.Reused)
	retry := begin(t, s, "alice", "k1", body, idempotency.Started)
	begin(t, s, "alice", "k1", body, idempotency.InUse)
	// The first request was only slow: its claim no longer counts.
	if err := crashed.Finish(context.Background(), 500, "text/plain", []byte("late")); !errors.Is(err, idempotency.ErrNotHeld) {
		t.Errorf("Finish of the lost claim: %v, want ErrNotHeld", err)
	}
	if err := crashed.Release(context.Background()); !errors.Is(err, idempotency.ErrNotHeld) {
		t.Errorf("Release of the lost claim: %v, want ErrNotHeld", err)
	}
	begin(t, s, "alice", "k1", body, idempotency.InUse)
	if err := retry.Finish(context.Background(), 200, "application/json", []byte("retry")); err != nil {
		t.Fatal(err)
	}
	checkAnswer(t, begin(t, s, "alice", "k1", body, idempotency.Replay), 200, "application/json", "retry")
}

func TestReleaseLetsTheRetryRun(t *testing.T) {
	t.Parallel()
	s, client := setup(t, newClock())
	c := begin(t, s, "alice", "k1", body, idempotency.Started)
	if err := c.Release(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := c.Release(context.Background()); !errors.Is(err, idempotency.ErrNotHeld) {
		t.Errorf("second Release: %v, want ErrNotHeld", err)
	}
	if n := rows(t, client); n != 0 {
		t.Errorf("%d rows after Release, want 0", n)
	}
	// Even with another body: nothing was kept.
	again := begin(t, s, "alice", "k1", "another body", idempotency.Started)
	// The released claim cannot finish the new one.
	if err := c.Finish(context.Background(), 200, "text/plain", nil); !errors.Is(err, idempotency.ErrNotHeld) {
		t.Errorf("Finish after Release: %v, want ErrNotHeld", err)
	}
	if err := again.Finish(context.Background(), 200, "text/plain", []byte("ran")); err != nil {
		t.Fatal(err)
	}
	// A kept answer is not released.
	if err := again.Release(context.Background()); !errors.Is(err, idempotency.ErrNotHeld) {
		t.Errorf("Release after Finish: %v, want ErrNotHeld", err)
	}
	begin(t, s, "alice", "k1", "another body", idempotency.Replay)
}

func TestFinishOutlivesTheRequestContext(t *testing.T) {
	t.Parallel()
	s, _ := setup(t, newClock())
	ctx, cancel := context.WithCancel(context.Background())
	c, err := s.Begin(ctx, "alice", "k1", []byte(body))
	if err != nil || c.Outcome != idempotency.Started {
		t.Fatalf("Begin: %v %v", c.Outcome, err)
	}
	cancel() // the client went away, or the deadline passed, after the mutation ran
	if err := c.Finish(ctx, 200, "application/json", []byte("kept")); err != nil {
		t.Fatalf("Finish on a cancelled context: %v", err)
	}
	checkAnswer(t, begin(t, s, "alice", "k1", body, idempotency.Replay), 200, "application/json", "kept")
}

func TestTooLargeAnswerIsReplaced(t *testing.T) {
	t.Parallel()
	s, _ := setup(t, newClock())
	c := begin(t, s, "alice", "k1", body, idempotency.Started)
	big := bytes.Repeat([]byte("x"), idempotency.DefaultMaxBody+1)
	if err := c.Finish(context.Background(), 200, "application/graphql-response+json", big); !errors.Is(err, idempotency.ErrTooLarge) {
		t.Fatalf("Finish of %d bytes: %v, want ErrTooLarge", len(big), err)
	}
	// Not run again: the replacement, with the first status.
	r := begin(t, s, "alice", "k1", body, idempotency.Replay)
	checkAnswer(t, r, 200, idempotency.DefaultReplacement.ContentType, string(idempotency.DefaultReplacement.Body))

	// At the limit, the answer itself.
	c = begin(t, s, "alice", "k2", body, idempotency.Started)
	exact := big[:idempotency.DefaultMaxBody]
	if err := c.Finish(context.Background(), 200, "application/json", exact); err != nil {
		t.Fatalf("Finish of %d bytes: %v", len(exact), err)
	}
	if r := begin(t, s, "alice", "k2", body, idempotency.Replay); !bytes.Equal(r.Answer.Body, exact) {
		t.Errorf("replayed %d bytes, want the %d kept", len(r.Answer.Body), len(exact))
	}
}

func TestPruneDeletesExpiredRows(t *testing.T) {
	t.Parallel()
	c := newClock()
	s, client := setup(t, c)
	old := begin(t, s, "alice", "old", body, idempotency.Started)
	if err := old.Finish(context.Background(), 200, "application/json", nil); err != nil {
		t.Fatal(err)
	}
	c.Advance(time.Hour)
	begin(t, s, "alice", "new", body, idempotency.Started)
	n, err := s.Prune(context.Background(), c.Now().Add(idempotency.DefaultTTL-30*time.Minute))
	if err != nil || n != 1 {
		t.Fatalf("Prune = %d, %v; want 1", n, err)
	}
	left, err := client.IdempotencyKey.Query().OnlyID(policy.System(context.Background()))
	if err != nil {
		t.Fatal(err)
	}
	if k := client.IdempotencyKey.GetX(policy.System(context.Background()), left); k.Key != "new" {
		t.Errorf("kept %q, want new", k.Key)
	}
}

func TestRunPrunesUntilCancelled(t *testing.T) {
	t.Parallel()
	c := newClock()
	s, client := setup(t, c)
	begin(t, s, "alice", "k1", body, idempotency.Started)
	c.Advance(idempotency.DefaultTTL)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.Run(ctx, time.Millisecond, slog.New(slog.DiscardHandler))
	}()
	deadline := time.Now().Add(10 * time.Second)
	for rows(t, client) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("Run did not prune the expired row")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
}

func TestViewersCannotReadKeys(t *testing.T) {
	t.Parallel()
	s, client := setup(t, newClock())
	begin(t, s, "alice", "k1", body, idempotency.Started)
	ctx := context.Background() // no System: whatever the viewer, denied
	if _, err := client.IdempotencyKey.Query().All(ctx); !errors.Is(err, privacy.Deny) {
		t.Errorf("query as a viewer: %v, want a privacy denial", err)
	}
	err := client.IdempotencyKey.Create().SetSubject("a").SetKey("b").SetFingerprint("c").SetClaimToken("d").
		SetCreatedAt(time.Now()).SetExpiresAt(time.Now()).Exec(ctx)
	if !errors.Is(err, privacy.Deny) {
		t.Errorf("create as a viewer: %v, want a privacy denial", err)
	}
}

func TestBeginRefusesInvalidKeys(t *testing.T) {
	t.Parallel()
	s, client := setup(t, newClock())
	for _, key := range []string{"", "a b", strings.Repeat("k", 256)} {
		if _, err := s.Begin(context.Background(), "alice", key, nil); !errors.Is(err, idempotency.ErrInvalidKey) {
			t.Errorf("Begin(%q): %v, want ErrInvalidKey", key, err)
		}
	}
	if n := rows(t, client); n != 0 {
		t.Errorf("%d rows, want 0", n)
	}
	begin(t, s, "alice", strings.Repeat("k", 255), body, idempotency.Started)
}

func TestValidKey(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		key  string
		want bool
	}{
		{"empty", "", false},
		{"one character", "a", true},
		{"255 characters", strings.Repeat("a", 255), true},
		{"256 characters", strings.Repeat("a", 256), false},
		{"a UUID", "8e03978e-40d5-43e8-bc93-6894a57f9324", true},
		{"every visible character", visibleASCII(), true},
		{"a space", "a b", false},
		{"a leading space", " ab", false},
		{"a tab", "a\tb", false},
		{"a newline", "a\nb", false},
		{"NUL", "a\x00b", false},
		{"DEL", "a\x7fb", false},
		{"non-ASCII", "clé", false},
		{"a byte beyond ASCII", "a\xffb", false},
	} {
		if got := idempotency.ValidKey(tc.key); got != tc.want {
			t.Errorf("%s: ValidKey(%q) = %v, want %v", tc.name, tc.key, got, tc.want)
		}
	}
}

// visibleASCII is every character from 0x21 to 0x7E.
func visibleASCII() string {
	var b strings.Builder
	for c := byte(0x21); c <= 0x7e; c++ {
		b.WriteByte(c)
	}
	return b.String()
}

// instances opens n clients on one new database, each with a pool of its
// own, as n server processes would.
func instances(t *testing.T, n int) []*ent.Client {
	t.Helper()
	first, _, url := dbtest.OpenDB(t, nil)
	clients := []*ent.Client{first}
	for range n - 1 {
		db, err := database.Connect(url, database.Options{})
		if err != nil {
			t.Fatal(err)
		}
		c := db.Client(nil)
		t.Cleanup(func() { c.Close() })
		clients = append(clients, c)
	}
	return clients
}

// race calls Begin for one key from perInstance goroutines on each store at
// once, and counts the outcomes.
func race(t *testing.T, stores []*idempotency.Store, perInstance int, key string) map[idempotency.Outcome]int {
	t.Helper()
	var (
		mu     sync.Mutex
		counts = map[idempotency.Outcome]int{}
		start  = make(chan struct{})
		wg     sync.WaitGroup
	)
	for _, s := range stores {
		for range perInstance {
			wg.Go(func() {
				<-start
				c, err := s.Begin(context.Background(), "alice", key, []byte(body))
				if err != nil {
					t.Errorf("Begin: %v", err)
					return
				}
				mu.Lock()
				counts[c.Outcome]++
				mu.Unlock()
			})
		}
	}
	close(start)
	wg.Wait()
	return counts
}

// TestConcurrentFirstUseOnTwoInstances: of 2×16 requests with one key
// through two instances at once, exactly one runs and every other is told
// the key is in use.
//
// Checked to fail when the claim is decided by a read and then an insert
// without the unique index: with Begin changed to query the row first and
// insert when none was found, and the index dropped, several requests of
// each round were Started (on SQLite and on PostgreSQL).
func TestConcurrentFirstUseOnTwoInstances(t *testing.T) {
	t.Parallel()
	clients := instances(t, 2)
	stores := []*idempotency.Store{idempotency.New(clients[0]), idempotency.New(clients[1])}
	const perInstance = 16
	for round := range 5 {
		key := "race-" + string(rune('a'+round))
		counts := race(t, stores, perInstance, key)
		if counts[idempotency.Started] != 1 || counts[idempotency.InUse] != 2*perInstance-1 {
			t.Errorf("round %d: outcomes %v, want 1 Started and %d InUse", round, counts, 2*perInstance-1)
		}
		n, err := clients[0].IdempotencyKey.Query().Where(idempotencykey.Key(key)).Count(policy.System(context.Background()))
		if err != nil || n != 1 {
			t.Errorf("round %d: %d rows (%v), want 1", round, n, err)
		}
	}
}

// TestConcurrentTakeoverOnTwoInstances: when a lease passed unanswered, or
// the row expired, exactly one of many concurrent retries through two
// instances takes the key over.
//
// Checked to fail on PostgreSQL when the takeover's update is conditioned
// on the row's ID alone (several retries read the same stale row and each
// took it over); on SQLite the busy waits of its single writer spread the
// retries enough that it passed there all the same.
func TestConcurrentTakeoverOnTwoInstances(t *testing.T) {
	t.Parallel()
	clients := instances(t, 2)
	c := newClock()
	opts := []idempotency.Option{idempotency.WithClock(c.Now), idempotency.WithLease(lease)}
	stores := []*idempotency.Store{idempotency.New(clients[0], opts...), idempotency.New(clients[1], opts...)}
	const perInstance = 16
	for round, step := range []time.Duration{lease, idempotency.DefaultTTL} {
		key := "takeover-" + string(rune('a'+round))
		begin(t, stores[0], "alice", key, body, idempotency.Started)
		c.Advance(step) // the lease passed (round 0), the row expired (round 1)
		counts := race(t, stores, perInstance, key)
		if counts[idempotency.Started] != 1 || counts[idempotency.InUse] != 2*perInstance-1 {
			t.Errorf("after %v: outcomes %v, want 1 Started and %d InUse", step, counts, 2*perInstance-1)
		}
	}
}
