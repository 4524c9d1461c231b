package webhook

import (
	"bytes"
	"net/http"
	"net/textproto"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestREADMEExampleDelivery checks the delivery the README shows: its
// signature is the one Sign computes with the example secret, and Verify
// accepts it, so the documentation cannot drift from what the server sends.
func TestREADMEExampleDelivery(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	block := regexp.MustCompile("(?s)```http\n(POST .*?)\n```").FindSubmatch(readme)
	if block == nil {
		t.Fatal("the README shows no example delivery (an ```http block)")
	}
	secret := regexp.MustCompile("example secret `(whsec_[A-Za-z0-9+/=]+)`").FindSubmatch(readme)
	if secret == nil {
		t.Fatal("the README names no example secret")
	}
	head, body, found := bytes.Cut(block[1], []byte("\n\n"))
	if !found {
		t.Fatal("the example delivery has no body")
	}
	header := http.Header{}
	for _, line := range strings.Split(string(head), "\n")[1:] { // after the request line
		k, v, _ := strings.Cut(line, ": ")
		header.Add(textproto.CanonicalMIMEHeaderKey(k), v)
	}
	ts, err := strconv.ParseInt(header.Get(HeaderTimestamp), 10, 64)
	if err != nil {
		t.Fatalf("example webhook-timestamp: %v", err)
	}
	sent := time.Unix(ts, 0)
	want, err := Sign(string(secret[1]), header.Get(HeaderID), sent, body)
	if err != nil {
		t.Fatal(err)
	}
	if got := header.Get(HeaderSignature); got != want {
		t.Errorf("the README's example signature is %s; Sign computes %s", got, want)
	}
	if err := Verify(string(secret[1]), header, body, sent, time.Minute); err != nil {
		t.Errorf("Verify refuses the README's example: %v", err)
	}
}
