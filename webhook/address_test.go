package webhook_test

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/netip"
	"strings"
	"testing"

	"servicesupport/webhook"
)

func TestPublicIP(t *testing.T) {
	tests := []struct {
		ip     string
		public bool
	}{
		{"93.184.216.34", true},
		{"8.8.8.8", true},
		{"2606:4700:4700::1111", true},
		{"::ffff:93.184.216.34", true}, // mapped public stays public
		{"127.0.0.1", false},
		{"127.1.2.3", false},
		{"::1", false},
		{"10.1.2.3", false},
		{"172.16.0.1", false},
		{"172.31.255.255", false},
		{"192.168.1.1", false},
		{"169.254.169.254", false},
		{"fe80::1", false},
		{"fe80::1%eth0", false},
		{"::ffff:127.0.0.1", false},
		{"::ffff:10.0.0.1", false},
		{"::ffff:169.254.169.254", false},
		{"::127.0.0.1", false}, // IPv4-compatible, deprecated
		{"0.0.0.0", false},
		{"0.1.2.3", false},
		{"::", false},
		{"100.64.0.1", false},
		{"100.127.255.254", false},
		{"fc00::1", false},
		{"fd12:3456::1", false},
		{"224.0.0.1", false},
		{"239.1.1.1", false},
		{"ff02::1", false},
		{"255.255.255.255", false},
		{"240.0.0.1", false},
		{"192.0.2.10", false},
		{"198.51.100.7", false},
		{"203.0.113.9", false},
		{"2001:db8::1", false},
		{"64:ff9b::7f00:1", false}, // NAT64 of 127.0.0.1
		{"2002:7f00:1::1", false},  // 6to4 of 127.0.0.1
		{"172.32.0.1", true},       // just outside 172.16/12
		{"100.128.0.1", true},      // just outside 100.64/10
		{"2a00:1450:4001:80b::200e", true},
	}
	for _, tc := range tests {
		if got := webhook.PublicIP(netip.MustParseAddr(tc.ip)); got != tc.public {
			t.Errorf("PublicIP(%s) = %v, want %v", tc.ip, got, tc.public)
		}
	}
	if webhook.PublicIP(netip.Addr{}) {
		t.Error("PublicIP(zero Addr) = true")
	}
}

func TestCheckURL(t *testing.T) {
	dns := fakeResolver(map[string][]string{
		"public.example.test.":  {"93.184.216.34", "2606:4700:4700::1111"},
		"private.example.test.": {"10.0.0.5"},
		"mixed.example.test.":   {"93.184.216.34", "fd00::1"}, // one internal address is enough to refuse
		"meta.example.test.":    {"169.254.169.254"},
	})
	tests := []struct {
		url      string
		secure   bool // allowed with allowInsecure false
		insecure bool // allowed with allowInsecure true
	}{
		{"https://93.184.216.34/hooks", true, true},
		{"https://93.184.216.34:8443/hooks?x=1", true, true},
		{"https://[2606:4700:4700::1111]/", true, true},
		{"https://public.example.test/hooks", true, true},
		{"http://93.184.216.34/hooks", false, true},
		{"HTTPS://93.184.216.34/", true, true},
		{"https://127.0.0.1/", false, true},
		{"https://[::1]:8080/", false, true},
		{"https://10.0.0.1/", false, true},
		{"https://172.16.3.4/", false, true},
		{"https://192.168.0.10/", false, true},
		{"https://169.254.169.254/latest/meta-data", false, true},
		{"https://[fe80::1]/", false, true},
		{"https://[::ffff:127.0.0.1]/", false, true},
		{"https://[::ffff:10.0.0.1]/", false, true},
		{"https://0.0.0.0/", false, true},
		{"https://100.64.0.1/", false, true},
		{"https://[fc00::1]/", false, true},
		{"https://localhost/hooks", false, true},
		{"https://localhost:9000/hooks", false, true},
		{"https://private.example.test/", false, true},
		{"https://mixed.example.test/", false, true},
		{"https://meta.example.test/", false, true},
		{"https://missing.example.test/", false, true}, // does not resolve
		{"https://user:secret@93.184.216.34/", false, false},
		{"https://user@93.184.216.34/", false, false},
		{"ftp://93.184.216.34/", false, false},
		{"javascript:alert(1)", false, false},
		{"mailto:a@example.com", false, false},
		{"/hooks", false, false},
		{"93.184.216.34/hooks", false, false},
		{"https:///hooks", false, false},
		{"https://93.184.216.34:0/", false, false},
		{"https://93.184.216.34:70000/", false, false},
		{"https://93.184.216.34/" + strings.Repeat("a", 2048), false, false},
		{"", false, false},
	}
	ctx := context.Background()
	for _, tc := range tests {
		for _, insecure := range []bool{false, true} {
			want := tc.secure
			if insecure {
				want = tc.insecure
			}
			err := webhook.CheckURL(ctx, tc.url, insecure, dns)
			if (err == nil) != want {
				t.Errorf("CheckURL(%.60q, insecure %v) = %v, want allowed %v", tc.url, insecure, err, want)
			}
			// The message becomes a userError: plain words, no Go internals.
			if err != nil && !strings.HasPrefix(err.Error(), "the URL") {
				t.Errorf("CheckURL(%.60q) message %q is not written for a user", tc.url, err)
			}
			if err != nil && strings.Contains(err.Error(), "secret") {
				t.Errorf("CheckURL(%.60q) message %q repeats the credentials", tc.url, err)
			}
		}
	}
}

// The default resolver (nil) resolves localhost locally, without network.
func TestCheckURLDefaultResolver(t *testing.T) {
	if err := webhook.CheckURL(context.Background(), "https://localhost/", false, nil); err == nil {
		t.Fatal("https://localhost/ allowed")
	}
}

// fakeResolver answers A and AAAA queries from a table, in process: Dial
// hands the resolver one end of a pipe, which it speaks DNS over TCP to
// (a net.Pipe is not a PacketConn), and a goroutine answers on the other.
// A name not in the table is NXDOMAIN.
func fakeResolver(table map[string][]string) *net.Resolver {
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
			client, server := net.Pipe()
			go serveDNS(server, table)
			return client, nil
		},
	}
}

func serveDNS(conn net.Conn, table map[string][]string) {
	defer conn.Close()
	for {
		var n uint16
		if binary.Read(conn, binary.BigEndian, &n) != nil {
			return
		}
		q := make([]byte, n)
		if _, err := io.ReadFull(conn, q); err != nil {
			return
		}
		resp, err := dnsAnswer(q, table)
		if err != nil {
			return
		}
		out := binary.BigEndian.AppendUint16(nil, uint16(len(resp)))
		if _, err := conn.Write(append(out, resp...)); err != nil {
			return
		}
	}
}

// dnsAnswer builds the response to one query (RFC 1035 section 4).
func dnsAnswer(q []byte, table map[string][]string) ([]byte, error) {
	if len(q) < 12 {
		return nil, errors.New("short query")
	}
	// The question's name: labels up to the empty one.
	var labels []string
	i := 12
	for i < len(q) && q[i] != 0 {
		l := int(q[i])
		if i+1+l > len(q) {
			return nil, errors.New("bad name")
		}
		labels = append(labels, string(q[i+1:i+1+l]))
		i += 1 + l
	}
	end := i + 1 + 4 // the zero label, type and class
	if end > len(q) {
		return nil, errors.New("short question")
	}
	qtype := binary.BigEndian.Uint16(q[i+1:])
	name := strings.ToLower(strings.Join(labels, ".")) + "."

	addrs, known := table[name]
	var answers [][]byte
	for _, a := range addrs {
		ip := netip.MustParseAddr(a)
		var rtype uint16 = 1 // A
		if ip.Is6() {
			rtype = 28 // AAAA
		}
		if rtype != qtype {
			continue
		}
		rr := []byte{0xc0, 12} // the name: a pointer to the question's
		rr = binary.BigEndian.AppendUint16(rr, rtype)
		rr = binary.BigEndian.AppendUint16(rr, 1) // IN
		rr = binary.BigEndian.AppendUint32(rr, 60)
		rr = binary.BigEndian.AppendUint16(rr, uint16(ip.BitLen()/8))
		answers = append(answers, append(rr, ip.AsSlice()...))
	}
	flags := uint16(0x8180) // response, recursion desired and available
	if !known {
		flags |= 3 // NXDOMAIN
	}
	resp := append([]byte{}, q[:2]...) // the query's ID
	resp = binary.BigEndian.AppendUint16(resp, flags)
	resp = binary.BigEndian.AppendUint16(resp, 1) // one question
	resp = binary.BigEndian.AppendUint16(resp, uint16(len(answers)))
	resp = append(resp, 0, 0, 0, 0) // no authority, no additional
	resp = append(resp, q[12:end]...)
	for _, rr := range answers {
		resp = append(resp, rr...)
	}
	return resp, nil
}
