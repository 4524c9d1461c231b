package throttle

import (
	"net/http"
	"net/netip"
	"strings"
	"testing"
)

func TestClientAddress(t *testing.T) {
	proxies, err := ParseProxies("10.0.0.0/8, 2001:db8:ffff::/48")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		remote  string
		xff     []string // header lines
		trusted []netip.Prefix
		want    string
	}{
		{name: "no proxy trusted: the header is ignored", remote: "203.0.113.7:5000", xff: []string{"198.51.100.1"}, want: "203.0.113.7"},
		{name: "untrusted peer: the header is ignored", remote: "203.0.113.7:5000", xff: []string{"198.51.100.1"}, trusted: proxies, want: "203.0.113.7"},
		{name: "trusted peer without header", remote: "10.1.1.1:5000", trusted: proxies, want: "10.1.1.1"},
		{name: "one proxy", remote: "10.1.1.1:5000", xff: []string{"198.51.100.1"}, trusted: proxies, want: "198.51.100.1"},
		{name: "spoofed left-most entries are not read", remote: "10.1.1.1:5000", xff: []string{"1.2.3.4, 5.6.7.8, 198.51.100.1"}, trusted: proxies, want: "198.51.100.1"},
		{name: "a chain of trusted proxies", remote: "10.1.1.1:5000", xff: []string{"9.9.9.9, 198.51.100.1, 10.2.2.2,10.3.3.3"}, trusted: proxies, want: "198.51.100.1"},
		{name: "several header lines, last is nearest", remote: "10.1.1.1:5000", xff: []string{"9.9.9.9, 198.51.100.1", "10.2.2.2"}, trusted: proxies, want: "198.51.100.1"},
		{name: "spoofed trusted-looking entry left of the client", remote: "10.1.1.1:5000", xff: []string{"10.9.9.9, 198.51.100.1"}, trusted: proxies, want: "198.51.100.1"},
		{name: "all trusted: the left-most", remote: "10.1.1.1:5000", xff: []string{"10.4.4.4, 10.2.2.2"}, trusted: proxies, want: "10.4.4.4"},
		{name: "garbage stops at the last trusted hop", remote: "10.1.1.1:5000", xff: []string{"198.51.100.1, garbage, 10.2.2.2"}, trusted: proxies, want: "10.2.2.2"},
		{name: "garbage nearest", remote: "10.1.1.1:5000", xff: []string{"198.51.100.1, unknown"}, trusted: proxies, want: "10.1.1.1"},
		{name: "empty entry is garbage", remote: "10.1.1.1:5000", xff: []string{"198.51.100.1,"}, trusted: proxies, want: "10.1.1.1"},
		{name: "empty header line", remote: "10.1.1.1:5000", xff: []string{""}, trusted: proxies, want: "10.1.1.1"},
		{name: "entry with a port", remote: "10.1.1.1:5000", xff: []string{"198.51.100.1:4711"}, trusted: proxies, want: "198.51.100.1"},
		{name: "IPv6 client through an IPv6 proxy", remote: "[2001:db8:ffff::1]:443", xff: []string{"2001:db8:1::5"}, trusted: proxies, want: "2001:db8:1::5"},
		{name: "bracketed IPv6 entry with a port", remote: "10.1.1.1:5000", xff: []string{"[2001:db8:1::5]:80"}, trusted: proxies, want: "2001:db8:1::5"},
		{name: "IPv4-mapped peer is unmapped and trusted", remote: "[::ffff:10.1.1.1]:5000", xff: []string{"::ffff:198.51.100.1"}, trusted: proxies, want: "198.51.100.1"},
		{name: "IPv6 peer with a zone", remote: "[fe80::1%eth0]:5000", want: "fe80::1"},
		{name: "no port in RemoteAddr", remote: "203.0.113.7", want: "203.0.113.7"},
		{name: "RemoteAddr not an address", remote: "@", want: "invalid IP"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &http.Request{RemoteAddr: tc.remote, Header: http.Header{}}
			for _, line := range tc.xff {
				r.Header.Add("X-Forwarded-For", line)
			}
			if got := ClientAddress(r, tc.trusted).String(); got != tc.want {
				t.Errorf("ClientAddress = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestAddressKey(t *testing.T) {
	for addr, want := range map[string]string{
		"198.51.100.1":            "198.51.100.1",
		"2001:db8:1:2:3:4:5:6":    "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::9999": "2001:db8:1:2::/64",
	} {
		if got := AddressKey(netip.MustParseAddr(addr)); got != want {
			t.Errorf("AddressKey(%s) = %s, want %s", addr, got, want)
		}
	}
}

func TestParseProxies(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{" , ", ""},
		{"10.0.0.0/8", "10.0.0.0/8"},
		{"10.1.2.3/8", "10.0.0.0/8"},
		{"192.0.2.1", "192.0.2.1/32"},
		{"2001:db8::1", "2001:db8::1/128"},
		{"fd00::/8, 172.16.0.0/12 ,192.0.2.7", "fd00::/8 172.16.0.0/12 192.0.2.7/32"},
		{"::ffff:10.0.0.0/104", "10.0.0.0/8"},
		{"::ffff:192.0.2.1", "192.0.2.1/32"},
	} {
		got, err := ParseProxies(tc.in)
		var s []string
		for _, p := range got {
			s = append(s, p.String())
		}
		if err != nil || strings.Join(s, " ") != tc.want {
			t.Errorf("ParseProxies(%q) = %v, %v; want %s", tc.in, s, err, tc.want)
		}
	}
	for _, bad := range []string{"10.0.0.0/33", "localhost", "10.0.0.0/8/1", "fe80::1%eth0", "1.2.3", "10.0.0.0-10.0.0.255", "*"} {
		_, err := ParseProxies("192.0.2.1, " + bad)
		if err == nil || !strings.Contains(err.Error(), `"`+bad+`"`) {
			t.Errorf("ParseProxies(%q): %v, want an error naming it", bad, err)
		}
	}
	_, err := ParseProxies("nope, 10.0.0.0/8, alsonope")
	if err == nil || !strings.Contains(err.Error(), `"nope"`) || !strings.Contains(err.Error(), `"alsonope"`) {
		t.Errorf("two bad entries: %v, want both named", err)
	}
}
