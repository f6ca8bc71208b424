//go:build unix

package proxy

// realip (ngx_http_realip_module): a client address from a trusted
// proxy's header replaces the connection's, once, in the post-read phase
// with the server's settings or, failing that, in the pre-access phase
// with the location's; $realip_remote_addr and $realip_remote_port keep
// the connection's.

import (
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/xaccel/xaccel/nginx"
	"github.com/xaccel/xaccel/proxy/internal/http1"
)

// realIPConf is the realip settings at some levels.
type realIPConf struct {
	from      []netip.Prefix
	unix      bool   // set_real_ip_from unix:
	header    string // real_ip_header (X-Real-IP by default)
	recursive bool
}

// realIPAt reads the realip settings at levels (nil when no
// set_real_ip_from applies). A set_real_ip_from serve cannot read (a host
// name) is reported by New.
func realIPAt(levels []*nginx.Directive) *realIPConf {
	ds := nginx.Effective(levels, "set_real_ip_from")
	if len(ds) == 0 {
		return nil
	}
	c := &realIPConf{header: "X-Real-IP", recursive: flagOn(levels, "real_ip_recursive")}
	for _, d := range ds {
		if p, ok := realIPPrefix(d.Arg(0)); ok {
			c.from = append(c.from, p)
		} else if d.Arg(0) == "unix:" {
			c.unix = true
		}
	}
	if d := nearest(levels, "real_ip_header"); d != nil {
		c.header = d.Arg(0)
	}
	return c
}

// realIPPrefix reads an address or a network of set_real_ip_from.
func realIPPrefix(s string) (netip.Prefix, bool) {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), true
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return netip.PrefixFrom(a, a.BitLen()), true
	}
	return netip.Prefix{}, false
}

func (c *realIPConf) trusts(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range c.from {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// applyRealIP replaces rq's client address when c trusts the connection
// and its header names another; it does so once per request.
func (h *Handler) applyRealIP(rq *request, c *realIPConf) {
	if c == nil || rq.realIP != "" {
		return
	}
	host, _, err := net.SplitHostPort(rq.r.RemoteAddr)
	if err != nil {
		host = rq.r.RemoteAddr
	}
	// A client on a unix socket has no address: set_real_ip_from unix:
	// trusts it.
	if client, err := netip.ParseAddr(host); err != nil && !c.unix || err == nil && !c.trusts(client) {
		return
	}
	var value string
	if c.header == "proxy_protocol" {
		// The address the PROXY protocol header gave, with its port.
		ci := http1.Conn(rq.r)
		if ci == nil || ci.Proxy == nil || ci.Proxy.SrcAddr == "" {
			return
		}
		addr, _, ok := parseAddrPort(ci.Proxy.SrcAddr)
		if !ok {
			return
		}
		rq.realIP = rq.r.RemoteAddr
		rq.r.RemoteAddr = net.JoinHostPort(addr.String(), ci.Proxy.SrcPort)
		return
	}
	if strings.EqualFold(c.header, "X-Forwarded-For") {
		value = strings.Join(rq.r.Header.Values("X-Forwarded-For"), ", ")
	} else {
		value = rq.r.Header.Get(c.header)
	}
	if value == "" {
		return
	}
	addr, port, ok := forwardedAddr(value, c, c.recursive && strings.EqualFold(c.header, "X-Forwarded-For"))
	if !ok {
		return
	}
	rq.realIP = rq.r.RemoteAddr
	rq.r.RemoteAddr = net.JoinHostPort(addr.String(), port)
}

// forwardedAddr is ngx_http_get_forwarded_addr over one list: the last
// address of value, and with recursive, the one before it as long as the
// last taken is trusted. port is "0" when the address has none.
func forwardedAddr(value string, c *realIPConf, recursive bool) (netip.Addr, string, bool) {
	var found netip.Addr
	port, ok := "0", false
	s := value
	for {
		s = strings.TrimRight(s, " ,")
		i := strings.LastIndexAny(s, " ,")
		a, p, good := parseAddrPort(s[i+1:])
		if !good {
			return found, port, ok
		}
		found, port, ok = a, p, true
		if !recursive || i < 0 || !c.trusts(a) {
			return found, port, ok
		}
		s = s[:i]
		if strings.Trim(s, " ,") == "" {
			return found, port, ok
		}
	}
}

// parseAddrPort is ngx_parse_addr_port: an IPv4 or IPv6 address, with a
// port after ":" (after "]" for IPv6 in brackets).
func parseAddrPort(s string) (netip.Addr, string, bool) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), strconv.Itoa(int(ap.Port())), true
	}
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		s = s[1 : len(s)-1]
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, "", false
	}
	return a.Unmap(), "0", true
}

// realIPEmulated reports whether serve follows d: set_real_ip_from with
// an address, a network or unix: (not a host name); real_ip_header always
// (a header name, or proxy_protocol).
func realIPEmulated(d *nginx.Directive) bool {
	if d.Name == "set_real_ip_from" {
		_, ok := realIPPrefix(d.Arg(0))
		return ok || d.Arg(0) == "unix:"
	}
	return true
}
