package graph

import (
	"context"
	"log/slog"

	"github.com/99designs/gqlgen/graphql"
	lru "github.com/hashicorp/golang-lru/v2"

	"servicesupport/ent"
	"servicesupport/ent/persistedquery"
	"servicesupport/policy"
)

// persistedStore keeps the documents registered by automatic persisted
// queries (APQ) in the database, so that a hash registered through one
// instance runs by hash on every other, with a local LRU in front so that
// a known hash costs no statement. A document is its SHA-256 (gqlgen checks
// the hash before adding it), so local copies are never stale.
//
// A document is shared only once an operation using it has passed parsing,
// validation and the limits (share), and only up to maxSharedDocument
// bytes: anybody may register documents, and only ones that run, of the
// size real clients send, are worth a row (a larger one still runs by hash
// on the instance that has it).
type persistedStore struct {
	client  *ent.Client
	local   *lru.Cache[string, string]
	pending *lru.Cache[string, string]
	log     *slog.Logger
}

// maxSharedDocument is the largest document stored for every instance; the
// parser's token limit does not count comments, so a body-sized document
// would otherwise be a cheap way to fill the database.
const maxSharedDocument = 32 << 10

// newPersistedStore returns a store over the client's database.
func newPersistedStore(client *ent.Client, log *slog.Logger) *persistedStore {
	local, _ := lru.New[string, string](1000)
	pending, _ := lru.New[string, string](100)
	return &persistedStore{client: client, local: local, pending: pending, log: log}
}

// Get implements graphql.Cache: the local copy, else the shared one.
func (s *persistedStore) Get(ctx context.Context, hash string) (string, bool) {
	if doc, ok := s.local.Get(hash); ok {
		return doc, true
	}
	pq, err := s.client.PersistedQuery.Query().
		Where(persistedquery.Hash(hash)).
		Only(policy.System(ctx))
	if err != nil {
		if !ent.IsNotFound(err) {
			// The client is asked to send the document again: it still
			// works, and the failure is logged.
			s.log.WarnContext(ctx, "reading a persisted query", "err", err)
		}
		return "", false
	}
	s.local.Add(hash, pq.Document)
	return pq.Document, true
}

// Add implements graphql.Cache: the document runs here at once and is
// shared when its operation reaches execution.
func (s *persistedStore) Add(_ context.Context, hash, doc string) {
	s.local.Add(hash, doc)
	if len(doc) <= maxSharedDocument {
		s.pending.Add(hash, doc)
	}
}

// share registers, for every instance, the document of an operation that
// was added here and has now passed validation.
func (s *persistedStore) share(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	ext, _ := graphql.GetOperationContext(ctx).Extensions["persistedQuery"].(map[string]any)
	if hash, _ := ext["sha256Hash"].(string); hash != "" {
		if doc, ok := s.pending.Get(hash); ok {
			err := s.client.PersistedQuery.Create().
				SetHash(hash).
				SetDocument(doc).
				Exec(policy.System(ctx))
			switch {
			// Another instance registering the same document at the same
			// time loses the race on the unique hash: it is there either way.
			case err == nil, ent.IsConstraintError(err):
				s.pending.Remove(hash)
			default:
				// Left pending: the next operation using it tries again.
				s.log.WarnContext(ctx, "registering a persisted query", "err", err)
			}
		}
	}
	return next(ctx)
}
