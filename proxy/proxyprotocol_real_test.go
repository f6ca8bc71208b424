//go:build unix

package proxy

import (
	"crypto/tls"
	"encoding/binary"
	"io"
	"net"
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xaccel/xaccel/internal/realnginx"
)

const proxyProtocolConf = `
server {
    listen 127.0.0.1:{{PORT}} proxy_protocol;
    server_name localhost;
    root {{PREFIX}}/www;
    set_real_ip_from 127.0.0.1;
    real_ip_header proxy_protocol;
    location / {
        return 200 "pa=$proxy_protocol_addr pp=$proxy_protocol_port sa=$proxy_protocol_server_addr sp=$proxy_protocol_server_port ra=$remote_addr rp=$remote_port rra=$realip_remote_addr\n";
    }
    location /acl/ {
        deny 10.9.8.7;
        allow all;
    }
}
`

// proxyV2 is a version 2 PROXY protocol header: version and command,
// family and transport, then the address block.
func proxyV2(verCmd, family byte, block []byte) string {
	b := []byte(proxyV2Signature)
	b = append(b, verCmd, family)
	b = binary.BigEndian.AppendUint16(b, uint16(len(block)))
	return string(append(b, block...))
}

const proxyV2Signature = "\r\n\r\n\x00\r\nQUIT\n"

// proxyV2Addrs is the address block of two addresses of one family and
// two ports, then extra bytes (TLVs).
func proxyV2Addrs(src, dst string, sport, dport uint16, extra ...byte) []byte {
	var b []byte
	for _, a := range []string{src, dst} {
		b = append(b, netip.MustParseAddr(a).AsSlice()...)
	}
	b = binary.BigEndian.AppendUint16(b, sport)
	b = binary.BigEndian.AppendUint16(b, dport)
	return append(b, extra...)
}

// TestProxyProtocolAgainstNginx sends PROXY protocol headers (version 1:
// TCP4, TCP6, UNKNOWN, broken ones; version 2: TCP over IPv4 and IPv6, with
// TLVs, LOCAL, UDP, a wrong version) before a request to a `listen ...
// proxy_protocol` address of real nginx and of serve: the same answers, the
// $proxy_protocol_* variables, realip's `real_ip_header proxy_protocol`
// (the address and port it gives, deny on that address), and no answer at
// all where nginx finds the header broken.
func TestProxyProtocolAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	ng := realnginx.StartHTTP(t, proxyProtocolConf, map[string]string{"www/acl/f.txt": "allowed\n"})
	emu := serveFrontConf(t, strings.ReplaceAll(proxyProtocolConf, "{{PREFIX}}", ng.Prefix))

	get := func(path string) string {
		return "GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
	}
	v4 := proxyV2Addrs("192.0.2.1", "198.51.100.2", 4000, 443)
	v6 := proxyV2Addrs("2001:db8::1", "2001:db8::2", 5000, 8443)
	headers := []string{
		"PROXY TCP4 192.0.2.1 198.51.100.2 4000 443\r\n",
		"PROXY TCP6 2001:db8::1 2001:db8::2 5000 8443\r\n",
		"PROXY TCP4 10.9.8.7 198.51.100.2 4000 443\r\n",
		"PROXY TCP4 192.0.2.1 198.51.100.2 0 443\r\n",
		"PROXY UNKNOWN\r\n",
		"PROXY UNKNOWN ffff:f...f:ffff ffff:f...f:ffff 65535 65535\r\n",
		"PROXY TCP5 192.0.2.1 198.51.100.2 4000 443\r\n",
		"PROXY TCP4 192.0.2.1 198.51.100.2 70000 443\r\n",
		"PROXY TCP4 192.0.2.1 198.51.100.2 4000\r\n",
		"PROXY TCP4 192.0.2.x 198.51.100.2 4000 443\r\n",
		"PROXY TCP4 192.0.2.1 198.51.100.2 4000 443\n",
		"",
		proxyV2(0x21, 0x11, v4),
		proxyV2(0x21, 0x21, v6),
		proxyV2(0x21, 0x11, append(v4, 0x04, 0x00, 0x02, 'a', 'b')),
		proxyV2(0x20, 0x11, v4),
		proxyV2(0x21, 0x12, v4),
		proxyV2(0x31, 0x11, v4),
		proxyV2(0x21, 0x11, v4[:6]),
	}
	dates := regexp.MustCompile(`(?m)^(Date|Last-Modified|ETag): [^\r]*\r\n`)
	// The client's own port, where no PROXY address replaced it.
	ephemeral := regexp.MustCompile(`rp=(3[2-9]\d{3}|[4-6]\d{4})\b`)
	answered := 0
	for _, hdr := range headers {
		for _, path := range []string{"/", "/acl/f.txt"} {
			raw := hdr + get(path)
			want, err := rawExchange(ng.Addr, raw)
			if err != nil {
				t.Fatalf("nginx %q: %v", raw, err)
			}
			got, err := rawExchange(emu, raw)
			if err != nil {
				t.Fatalf("serve %q: %v", raw, err)
			}
			want, got = dates.ReplaceAllString(want, ""), dates.ReplaceAllString(got, "")
			want, got = ephemeral.ReplaceAllString(want, "rp=CLIENT"), ephemeral.ReplaceAllString(got, "rp=CLIENT")
			if want != got {
				t.Errorf("%q:\nnginx: %q\nserve: %q", raw, want, got)
			}
			if strings.Contains(want, "pa=192.0.2.1") {
				answered++
			}
		}
	}
	if answered < 4 {
		t.Errorf("nginx gave the PROXY protocol's address %d times: the test checks less than it says", answered)
	}
}

// TestProxyProtocolTLSAgainstNginx: on a `listen ... ssl proxy_protocol`
// address the PROXY protocol header comes before the TLS handshake, in
// nginx and in serve.
func TestProxyProtocolTLSAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	crt, key := testCert(t, "cert-a", "a.test")
	conf := `
server {
    listen 127.0.0.1:{{PORT}} ssl proxy_protocol;
    server_name a.test;
    ssl_certificate a.crt;
    ssl_certificate_key a.key;
    set_real_ip_from 127.0.0.1;
    real_ip_header proxy_protocol;
    location / { return 200 "pa=$proxy_protocol_addr ra=$remote_addr https=$https\n"; }
}
`
	ng := realnginx.StartHTTP(t, conf, map[string]string{"conf/a.crt": crt, "conf/a.key": key})
	emu, _ := startTLSFront(t, ng, conf)
	exchange := func(addr, proxyHeader string) (string, error) {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			return "", err
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.WriteString(c, proxyHeader); err != nil {
			return "", err
		}
		tc := tls.Client(c, &tls.Config{ServerName: "a.test", InsecureSkipVerify: true})
		if _, err := io.WriteString(tc, "GET / HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n"); err != nil {
			return "", err
		}
		b, err := io.ReadAll(tc)
		if len(b) > 0 {
			err = nil // how the TLS connection ends is not compared
		}
		return string(b), err
	}
	dates := regexp.MustCompile(`(?m)^Date: [^\r]*\r\n`)
	for _, hdr := range []string{"PROXY TCP4 192.0.2.1 198.51.100.2 4000 443\r\n", proxyV2(0x21, 0x11, proxyV2Addrs("192.0.2.9", "198.51.100.2", 4000, 443))} {
		want, err := exchange(ng.Addr, hdr)
		if err != nil || !strings.Contains(want, "ra=192.0.2.") {
			t.Fatalf("nginx: %q, %v", want, err)
		}
		got, err := exchange(emu[ng.Port], hdr)
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
		if want, got = dates.ReplaceAllString(want, ""), dates.ReplaceAllString(got, ""); want != got {
			t.Errorf("%q:\nnginx: %q\nserve: %q", hdr, want, got)
		}
	}
}
