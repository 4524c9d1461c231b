package webhook_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"servicesupport/webhook"
)

// The example of the Standard Webhooks reference libraries
// (libraries/go/webhook_test.go, TestWebhookSign): a receiver using any of
// them accepts what Sign produces only if this matches.
func TestSignStandardWebhooksVector(t *testing.T) {
	got, err := webhook.Sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
		time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
}

// The same construction computed here from the specification's words,
// with a key of our own: HMAC-SHA256 keyed with the decoded secret over
// id.timestamp.body.
func TestSignIndependentVector(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	secret := "whsec_" + base64.StdEncoding.EncodeToString(key)
	ts := time.Date(2024, 5, 6, 7, 8, 9, 500, time.FixedZone("x", 3600))
	body := []byte(`{"type":"SELLER_CREATED"}`)
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("42." + strconv.FormatInt(ts.Unix(), 10) + "."))
	mac.Write(body)
	want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))

	got, err := webhook.Sign(secret, "42", ts, body)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
}

func TestSignRefusesBadInput(t *testing.T) {
	ts := time.Unix(1700000000, 0)
	for name, c := range map[string]struct{ secret, id string }{
		"not base64": {"whsec_***", "1"},
		"empty key":  {"whsec_", "1"},
		"empty id":   {"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", ""},
		"dotted id":  {"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "1.2"},
	} {
		if _, err := webhook.Sign(c.secret, c.id, ts, nil); err == nil {
			t.Errorf("%s: Sign succeeded", name)
		}
	}
}

func TestNewSecret(t *testing.T) {
	a, err := webhook.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := webhook.NewSecret()
	if a == b {
		t.Fatal("two secrets are equal")
	}
	raw, ok := strings.CutPrefix(a, "whsec_")
	if !ok {
		t.Fatalf("secret %q lacks whsec_", a)
	}
	key, err := base64.StdEncoding.DecodeString(raw)
	if err != nil || len(key) != 32 {
		t.Fatalf("secret decodes to %d bytes (%v), want 32", len(key), err)
	}
}

func TestVerify(t *testing.T) {
	secret, _ := webhook.NewSecret()
	other, _ := webhook.NewSecret()
	now := time.Unix(1700000000, 0)
	body := []byte(`{"type":"PRODUCT_CREATED"}`)
	signed := func(secret string, ts time.Time) http.Header {
		sig, err := webhook.Sign(secret, "7", ts, body)
		if err != nil {
			t.Fatal(err)
		}
		h := http.Header{}
		h.Set("webhook-id", "7")
		h.Set("webhook-timestamp", strconv.FormatInt(ts.Unix(), 10))
		h.Set("webhook-signature", sig)
		return h
	}
	tests := []struct {
		name   string
		header func() http.Header
		body   []byte
		ok     bool
	}{
		{"valid", func() http.Header { return signed(secret, now) }, body, true},
		{"within tolerance", func() http.Header { return signed(secret, now.Add(-4*time.Minute)) }, body, true},
		{"one of several signatures", func() http.Header {
			h := signed(secret, now)
			good := h.Get("webhook-signature")
			bad, _ := webhook.Sign(other, "7", now, body)
			h.Set("webhook-signature", bad+" v1a,AAAA "+good+" v2,"+good[3:])
			return h
		}, body, true},
		{"tampered body", func() http.Header { return signed(secret, now) }, []byte(`{"type":"PRODUCT_REMOVED"}`), false},
		{"wrong secret", func() http.Header { return signed(other, now) }, body, false},
		{"old timestamp", func() http.Header { return signed(secret, now.Add(-6*time.Minute)) }, body, false},
		{"future timestamp", func() http.Header { return signed(secret, now.Add(6*time.Minute)) }, body, false},
		{"timestamp changed after signing", func() http.Header {
			h := signed(secret, now)
			h.Set("webhook-timestamp", strconv.FormatInt(now.Unix()+1, 10))
			return h
		}, body, false},
		{"id changed after signing", func() http.Header {
			h := signed(secret, now)
			h.Set("webhook-id", "8")
			return h
		}, body, false},
		{"malformed timestamp", func() http.Header {
			h := signed(secret, now)
			h.Set("webhook-timestamp", "soon")
			return h
		}, body, false},
		{"missing id", func() http.Header { h := signed(secret, now); h.Del("webhook-id"); return h }, body, false},
		{"missing timestamp", func() http.Header { h := signed(secret, now); h.Del("webhook-timestamp"); return h }, body, false},
		{"missing signature", func() http.Header { h := signed(secret, now); h.Del("webhook-signature"); return h }, body, false},
		{"only other versions", func() http.Header {
			h := signed(secret, now)
			h.Set("webhook-signature", "v2,"+h.Get("webhook-signature")[3:])
			return h
		}, body, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := webhook.Verify(secret, tc.header(), tc.body, now, 5*time.Minute)
			if (err == nil) != tc.ok {
				t.Fatalf("Verify = %v, want ok %v", err, tc.ok)
			}
		})
	}
}
