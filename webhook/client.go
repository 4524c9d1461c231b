package webhook

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// Timeout is how long a receiver has to answer an attempt, body included;
// a slower answer counts as a failure and is retried.
const Timeout = 10 * time.Second

// maxResponseBody is how much of an answer is read (and thrown away): a
// receiver's body is never used, but reading a little lets the connection
// be reused, and the cap keeps an endless answer from holding a worker.
const maxResponseBody = 64 << 10

// NewClient returns the HTTP client that makes deliveries. Unless
// allowInsecure, its dialer refuses, at the moment of connecting, any
// address that is not public (PublicIP): CheckURL looked at the addresses
// when the endpoint was registered, but a name can be pointed at
// 127.0.0.1 afterwards, and only the address actually dialled tells. For
// the same reason it uses no proxy (a proxy would connect on our behalf,
// unchecked) and follows no redirect (a public URL could redirect to an
// internal one; Standard Webhooks counts a 3xx as a failure anyway).
func NewClient(allowInsecure bool) *http.Client {
	dialer := &net.Dialer{Timeout: Timeout, KeepAlive: 30 * time.Second}
	if !allowInsecure {
		dialer.Control = refuseNonPublic
	}
	transport := &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   Timeout,
		ExpectContinueTimeout: time.Second,
	}
	return &http.Client{
		Transport: transport,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
		Timeout: Timeout,
	}
}

// refuseNonPublic is a dialer's Control function: it runs after DNS, for
// each address the dialer tries, before the connection is made.
func refuseNonPublic(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("refusing to connect to %q: %w", address, err)
	}
	if !PublicIP(ap.Addr()) {
		return fmt.Errorf("refusing to connect to %s: not a public address", ap.Addr())
	}
	return nil
}
