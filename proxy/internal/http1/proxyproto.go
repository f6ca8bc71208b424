//go:build unix

package http1

// The PROXY protocol header a load balancer sends before the client's bytes
// on a `listen ... proxy_protocol` address (ngx_proxy_protocol_read, nginx
// 1.22: version 1 text and version 2 binary, TLVs skipped).

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net/netip"
	"strconv"
)

// ProxyHeader is what a PROXY protocol header said of the connection it
// came on: the client's address and port and the address and port it
// reached ($proxy_protocol_addr, _port, _server_addr, _server_port). All
// are empty for "PROXY UNKNOWN", a version 2 LOCAL command or an address
// family nginx does not read.
type ProxyHeader struct {
	SrcAddr, SrcPort, DstAddr, DstPort string
}

// ProxyProtocolSites is a Sites whose address expects a PROXY protocol
// header first (listen ... proxy_protocol): a connection without a valid
// one is closed without an answer, as nginx closes it ("broken header").
type ProxyProtocolSites interface {
	ProxyProtocol() bool
}

// proxyV2Sig starts a version 2 header.
const proxyV2Sig = "\r\n\r\n\x00\r\nQUIT\n"

// proxyV1Max bounds a version 1 header: nginx parses what its first read
// of the connection (client_header_buffer_size) brought.
const proxyV1Max = 1024

var errBrokenProxy = errors.New("broken PROXY protocol header")

// parseProxyHeader reads a PROXY protocol header at the start of b: the
// header, and how many bytes of b it took; need > 0 when b is too short to
// tell yet (at least that many bytes more are wanted).
func parseProxyHeader(b []byte) (h ProxyHeader, used, need int, err error) {
	if len(b) < len(proxyV2Sig) && bytes.HasPrefix([]byte(proxyV2Sig), b) {
		return h, 0, len(proxyV2Sig) - len(b), nil
	}
	if bytes.HasPrefix(b, []byte(proxyV2Sig)) {
		return parseProxyV2(b)
	}
	return parseProxyV1(b)
}

// parseProxyV1 is ngx_proxy_protocol_read for "PROXY TCP4|TCP6|UNKNOWN ...".
func parseProxyV1(b []byte) (h ProxyHeader, used, need int, err error) {
	end := bytes.IndexByte(b, '\n')
	if end < 0 {
		if len(b) >= proxyV1Max {
			return h, 0, 0, errBrokenProxy
		}
		if !bytes.HasPrefix([]byte("PROXY "), b[:min(len(b), 6)]) {
			return h, 0, 0, errBrokenProxy
		}
		return h, 0, 1, nil
	}
	if end == 0 || b[end-1] != '\r' {
		return h, 0, 0, errBrokenProxy
	}
	line := string(b[:end-1])
	rest, ok := cutPrefix(line, "PROXY ")
	if !ok {
		return h, 0, 0, errBrokenProxy
	}
	if _, ok := cutPrefix(rest, "UNKNOWN"); ok {
		return h, end + 1, 0, nil
	}
	rest, ok = cutPrefix(rest, "TCP4 ")
	if !ok {
		if rest, ok = cutPrefix(rest, "TCP6 "); !ok {
			return h, 0, 0, errBrokenProxy
		}
	}
	var fields [4]string
	for i := range fields {
		j := 0
		for j < len(rest) && rest[j] != ' ' {
			j++
		}
		fields[i] = rest[:j]
		if i < 3 {
			if j == len(rest) {
				return h, 0, 0, errBrokenProxy
			}
			rest = rest[j+1:]
		} else if j != len(rest) {
			return h, 0, 0, errBrokenProxy
		}
	}
	for _, a := range fields[:2] {
		if !proxyAddrText(a) {
			return h, 0, 0, errBrokenProxy
		}
	}
	for _, p := range fields[2:] {
		if n, err := strconv.Atoi(p); err != nil || n > 65535 || p[0] < '0' || p[0] > '9' {
			return h, 0, 0, errBrokenProxy
		}
	}
	return ProxyHeader{SrcAddr: fields[0], DstAddr: fields[1], SrcPort: fields[2], DstPort: fields[3]}, end + 1, 0, nil
}

// proxyAddrText is ngx_proxy_protocol_read_addr's check: digits, hex
// letters, '.' and ':' only, and an address ngx_parse_addr takes.
func proxyAddrText(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if !(s[i] >= '0' && s[i] <= '9' || c >= 'a' && c <= 'f' || s[i] == '.' || s[i] == ':') {
			return false
		}
	}
	_, err := netip.ParseAddr(s)
	return err == nil
}

// parseProxyV2 is ngx_proxy_protocol_v2_read: version 2; the addresses of
// the PROXY command over TCP (IPv4 or IPv6); any other command, transport
// or family is skipped with no address.
func parseProxyV2(b []byte) (h ProxyHeader, used, need int, err error) {
	const fixed = len(proxyV2Sig) + 4
	if len(b) < fixed {
		return h, 0, fixed - len(b), nil
	}
	verCmd, family := b[12], b[13]
	size := int(binary.BigEndian.Uint16(b[14:16]))
	if verCmd>>4 != 2 {
		return h, 0, 0, errBrokenProxy
	}
	if len(b) < fixed+size {
		return h, 0, fixed + size - len(b), nil
	}
	body := b[fixed : fixed+size]
	used = fixed + size
	if verCmd&0x0f != 1 { // not PROXY (LOCAL...)
		return h, used, 0, nil
	}
	port := func(p []byte) string { return strconv.Itoa(int(binary.BigEndian.Uint16(p))) }
	switch family {
	case 0x11: // TCP over IPv4
		if len(body) < 12 {
			return h, 0, 0, errBrokenProxy
		}
		src, dst := netip.AddrFrom4([4]byte(body[0:4])), netip.AddrFrom4([4]byte(body[4:8]))
		return ProxyHeader{SrcAddr: src.String(), DstAddr: dst.String(), SrcPort: port(body[8:10]), DstPort: port(body[10:12])}, used, 0, nil
	case 0x21: // TCP over IPv6
		if len(body) < 36 {
			return h, 0, 0, errBrokenProxy
		}
		src, dst := netip.AddrFrom16([16]byte(body[0:16])), netip.AddrFrom16([16]byte(body[16:32]))
		return ProxyHeader{SrcAddr: src.String(), DstAddr: dst.String(), SrcPort: port(body[32:34]), DstPort: port(body[34:36])}, used, 0, nil
	}
	// Another family (UDP, unix, unspecified): no address, as nginx.
	return h, used, 0, nil
}

func cutPrefix(s, p string) (string, bool) {
	if len(s) >= len(p) && s[:len(p)] == p {
		return s[len(p):], true
	}
	return s, false
}
