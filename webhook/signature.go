package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The Standard Webhooks headers of every delivery.
const (
	// HeaderID carries the delivery's ID: the same on every retry, so a
	// receiver can use it to process an event once.
	HeaderID = "webhook-id"
	// HeaderTimestamp carries when the attempt was made, in Unix seconds;
	// it is signed, so an old request cannot be replayed later.
	HeaderTimestamp = "webhook-timestamp"
	// HeaderSignature carries space-separated signatures, "v1,<base64>".
	HeaderSignature = "webhook-signature"
)

// secretPrefix marks a symmetric Standard Webhooks secret, so that a
// receiver (and a secret scanner) can tell what it holds.
const secretPrefix = "whsec_"

// secretBytes is the length of the random key: the specification asks for
// at least 24 bytes; 32 is SHA-256's block-friendly size and costs nothing.
const secretBytes = 32

// NewSecret returns a new endpoint secret: "whsec_" and the base64 of 32
// random bytes. The key is the decoded bytes, not the string, as every
// Standard Webhooks library expects.
func NewSecret() (string, error) {
	key := make([]byte, secretBytes)
	if _, err := rand.Read(key); err != nil {
		return "", fmt.Errorf("generating a webhook secret: %w", err)
	}
	return secretPrefix + base64.StdEncoding.EncodeToString(key), nil
}

// Sign returns the webhook-signature value of one attempt: "v1," and the
// base64 HMAC-SHA256, keyed with the secret's decoded bytes, of
// msgID.timestamp.body. The ID and the timestamp are signed with the body
// so that none of them can be swapped for another delivery's.
func Sign(secret, msgID string, ts time.Time, body []byte) (string, error) {
	mac, err := signature(secret, msgID, ts.Unix(), body)
	if err != nil {
		return "", err
	}
	return "v1," + base64.StdEncoding.EncodeToString(mac), nil
}

// Verify checks a delivery the way a receiver should: the three headers
// are present, the timestamp is within tolerance of now (either way), and
// one of the v1 signatures is the body's, compared in constant time.
// Several signatures are allowed because a sender rotating its secret
// signs with both keys for a while; other versions (v1a) are skipped.
func Verify(secret string, header http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	id := header.Get(HeaderID)
	rawTS := header.Get(HeaderTimestamp)
	sigs := header.Get(HeaderSignature)
	if id == "" || rawTS == "" || sigs == "" {
		return errors.New("webhook: missing webhook-id, webhook-timestamp or webhook-signature header")
	}
	ts, err := strconv.ParseInt(rawTS, 10, 64)
	if err != nil {
		return errors.New("webhook: malformed webhook-timestamp")
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return errors.New("webhook: timestamp outside the tolerance")
	}
	want, err := signature(secret, id, ts, body)
	if err != nil {
		return err
	}
	for _, s := range strings.Fields(sigs) {
		version, value, ok := strings.Cut(s, ",")
		if !ok || version != "v1" {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(value)
		if err != nil {
			continue
		}
		if hmac.Equal(got, want) {
			return nil
		}
	}
	return errors.New("webhook: no matching signature")
}

// signature is the raw HMAC of one attempt.
func signature(secret, msgID string, ts int64, body []byte) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, secretPrefix))
	if err != nil || len(key) == 0 {
		return nil, errors.New("webhook: the secret is not whsec_ and base64")
	}
	// The signed content is dot-separated: a dot in the ID would let one
	// (id, timestamp) pair pass for another.
	if msgID == "" || strings.Contains(msgID, ".") {
		return nil, errors.New("webhook: the webhook-id is empty or contains a dot")
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(msgID))
	mac.Write([]byte{'.'})
	mac.Write(strconv.AppendInt(nil, ts, 10))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return mac.Sum(nil), nil
}
