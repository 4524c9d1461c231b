package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
)

// MaxURLLength caps a registered URL, as browsers and proxies commonly do.
const MaxURLLength = 2048

// nonPublic are the ranges a delivery must never reach, beyond those that
// netip classifies itself (loopback 127/8 and ::1, private RFC 1918 and
// fc00::/7, link-local 169.254/16 and fe80::/10, multicast, unspecified):
// a webhook URL is chosen by a user, and without this rule the server
// would POST, on the user's behalf, into its own network — the cloud
// metadata service at 169.254.169.254, an admin port on localhost, a
// database next door (server-side request forgery).
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // carrier-grade NAT, shared address space
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation (TEST-NET-1)
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // documentation (TEST-NET-2)
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation (TEST-NET-3)
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, and 255.255.255.255 broadcast
	netip.MustParsePrefix("::/8"),            // reserved: ::, ::1 and the deprecated IPv4-compatible ::a.b.c.d
	netip.MustParsePrefix("64:ff9b::/96"),    // NAT64: reaches whatever IPv4 address it embeds
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use NAT64
	netip.MustParsePrefix("100::/64"),        // discard-only
	netip.MustParsePrefix("2001::/32"),       // Teredo: embeds an IPv4 address
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("2002::/16"),       // 6to4: a relay delivers to the IPv4 address it embeds
	netip.MustParsePrefix("fec0::/10"),       // deprecated site-local
}

// PublicIP reports whether ip is an address on the public internet that a
// delivery may connect to. An IPv4-mapped IPv6 address (::ffff:127.0.0.1)
// is judged by the IPv4 address it carries, since that is where the
// connection goes.
func PublicIP(ip netip.Addr) bool {
	if !ip.IsValid() {
		return false
	}
	ip = ip.Unmap().WithZone("")
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsUnspecified() ||
		ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// CheckURL checks a URL given for a new endpoint; the error's message is
// written for the user who gave it. The URL must be absolute, https (also
// http when allowInsecure), with a host and no user info (credentials in
// a URL end up in logs; a receiver authenticates deliveries by their
// signature). Unless allowInsecure, every address the host stands for
// must be public: an IP literal, or each address the name resolves to
// through resolver (net.DefaultResolver when nil), since a connection may
// use any of them. The check is repeated at every connection (NewClient),
// because a name can be pointed elsewhere after registration.
func CheckURL(ctx context.Context, raw string, allowInsecure bool, resolver *net.Resolver) error {
	if len(raw) > MaxURLLength {
		return fmt.Errorf("the URL is longer than %d characters", MaxURLLength)
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Opaque != "" {
		return errors.New("the URL must be absolute, like https://example.com/hooks")
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && allowInsecure:
	default:
		return errors.New("the URL must use https")
	}
	if u.User != nil {
		return errors.New("the URL must not contain a user name or password")
	}
	host := u.Hostname()
	if host == "" {
		return errors.New("the URL must name a host")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return errors.New("the URL's port must be between 1 and 65535")
		}
	}
	if allowInsecure {
		return nil
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if !PublicIP(ip) {
			return errors.New("the URL must point to a public address, not a loopback, private or reserved one")
		}
		return nil
	}
	if resolver == nil {
		resolver = net.DefaultResolver
	}
	ips, err := resolver.LookupNetIP(ctx, "ip", host)
	if err != nil || len(ips) == 0 {
		return fmt.Errorf("the URL's host %q could not be resolved", host)
	}
	for _, ip := range ips {
		if !PublicIP(ip) {
			return fmt.Errorf("the URL's host %q resolves to an address that is not public", host)
		}
	}
	return nil
}
