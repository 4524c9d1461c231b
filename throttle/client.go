package throttle

import (
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
)

// ClientAddress is the address an anonymous viewer's bucket is keyed by.
// It is the peer's address (r.RemoteAddr), unless the peer is one of the
// trusted proxies: then X-Forwarded-For is read from the right (the hop
// nearest to us), past every trusted proxy, to the first address that is
// not one. Anything left of that address was written by the client and
// could be forged, so it is never read; nor is anything left of an entry
// that does not parse, which leaves the last trusted hop. When every hop
// is trusted, the left-most is the client.
//
// Addresses are normalised (IPv4-mapped IPv6 unmapped, zones dropped), so
// that one client has one key. A RemoteAddr that is no IP address (a Unix
// socket) gives the zero Addr, which callers key like any other.
func ClientAddress(r *http.Request, trusted []netip.Prefix) netip.Addr {
	addr, ok := parseHop(r.RemoteAddr)
	if !ok || !isTrusted(addr, trusted) {
		return addr
	}
	// Header lines are appended in order, so the last line's last entry
	// is the nearest hop.
	lines := r.Header.Values("X-Forwarded-For")
	for i := len(lines) - 1; i >= 0; i-- {
		entries := strings.Split(lines[i], ",")
		for j := len(entries) - 1; j >= 0; j-- {
			hop, ok := parseHop(entries[j])
			if !ok {
				return addr
			}
			if !isTrusted(hop, trusted) {
				return hop
			}
			addr = hop
		}
	}
	return addr
}

// AddressKey is the bucket key of a client address: an IPv4 address
// itself, an IPv6 address its /64. One subscriber usually holds a whole
// IPv6 /64, so keying by the address alone would give one client 2^64
// buckets.
func AddressKey(a netip.Addr) string {
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// parseHop parses an address as RemoteAddr or X-Forwarded-For carries it:
// bare, or with a port (some proxies add one), normalised.
func parseHop(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	a, err := netip.ParseAddr(s)
	if err != nil {
		ap, err := netip.ParseAddrPort(s)
		if err != nil {
			return netip.Addr{}, false
		}
		a = ap.Addr()
	}
	return a.Unmap().WithZone(""), true
}

// isTrusted reports whether a is in one of the prefixes.
func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ParseProxies parses TRUSTED_PROXIES: comma-separated CIDR prefixes
// (10.0.0.0/8, fd00::/8) or single addresses (a /32 or a /128). Host bits
// of a prefix are cleared (10.1.2.3/8 is 10.0.0.0/8), and IPv4-mapped
// IPv6 becomes IPv4, as client addresses are unmapped before they are
// compared. Empty entries are skipped; anything else that does not parse
// is an error naming it.
func ParseProxies(s string) ([]netip.Prefix, error) {
	var prefixes []netip.Prefix
	var errs []error
	for _, entry := range strings.Split(s, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		p, err := parseProxy(entry)
		if err != nil {
			errs = append(errs, fmt.Errorf("%q: %w", entry, err))
			continue
		}
		prefixes = append(prefixes, p)
	}
	return prefixes, errors.Join(errs...)
}

// parseProxy parses one entry of ParseProxies.
func parseProxy(entry string) (netip.Prefix, error) {
	var p netip.Prefix
	if strings.Contains(entry, "/") {
		var err error
		if p, err = netip.ParsePrefix(entry); err != nil {
			return p, errors.New("not a CIDR prefix such as 10.0.0.0/8 or fd00::/8")
		}
	} else {
		a, err := netip.ParseAddr(entry)
		if err != nil {
			return p, errors.New("not an IP address or a CIDR prefix")
		}
		if a.Zone() != "" {
			return p, errors.New("an IPv6 zone names an interface, not addresses")
		}
		p = netip.PrefixFrom(a, a.BitLen())
	}
	if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
		p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return p.Masked(), nil
}
