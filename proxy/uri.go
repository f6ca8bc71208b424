//go:build unix

package proxy

// The URIs and hosts nginx writes back: a directory's redirect, escaping,
// the host of a redirect, the name a host chooses a server by.

import (
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/xaccel/xaccel/nginx"
)

// directoryLocation is the Location of the static handler's directory
// redirect after the header filter: the escaped URI + "/" (+ "?" + args),
// made absolute with host when it starts with '/'.
func directoryLocation(host, uri, args string) string {
	return directoryLocationScheme("http", host, uri, args)
}

// directoryLocationScheme is directoryLocation for a request over scheme
// (https on a TLS connection).
func directoryLocationScheme(scheme, host, uri, args string) string {
	loc := escapeURI(uri) + "/"
	if args != "" {
		loc += "?" + args
	}
	if strings.HasPrefix(loc, "/") {
		loc = scheme + "://" + host + loc
	}
	return loc
}

// escapeURI is ngx_escape_uri(NGX_ESCAPE_URI) of nginx 1.21.1 and later:
// control bytes, space, '"', '#', '%', '<', '>', '?', '\', '^', '`', '{',
// '|', '}', DEL and every byte >= 0x80 become %XX (upper-case hex).
func escapeURI(s string) string {
	const hex = "0123456789ABCDEF"
	n := 0
	for i := 0; i < len(s); i++ {
		if uriEscaped(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if uriEscaped(c) {
			b = append(b, '%', hex[c>>4], hex[c&0xf])
		} else {
			b = append(b, c)
		}
	}
	return string(b)
}

func uriEscaped(c byte) bool {
	if c <= ' ' || c >= 0x7f {
		return true
	}
	return strings.IndexByte("\"#%<>?\\^`{|}", c) >= 0
}

// RedirectHost returns the "name[:port]" nginx puts in an absolute redirect
// (ngx_http_header_filter with server_name_in_redirect off and
// port_in_redirect on): the host of the request (r.Host, which net/http takes
// from an absolute-form target before the Host header, as nginx does)
// lower-cased, without its port and without one trailing dot; without a
// host (HTTP/1.0), the local address the request came in on, an IPv6 one
// without brackets as nginx prints it. Then ":" and the local port the
// request came in on (not the port in the Host header), unless it is 80
// (443 over TLS).
func RedirectHost(r *http.Request) string {
	name, port := redirectHostPort(r)
	return name + port
}

// redirectHostPort is RedirectHost in two parts: the name, and ":port"
// or "".
func redirectHostPort(r *http.Request) (string, string) {
	var local *net.TCPAddr
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		local, _ = a.(*net.TCPAddr)
	}
	host := serverName(r.Host)
	if host == "" && local != nil {
		host = local.IP.String()
	}
	std := 80
	if r.TLS != nil {
		std = 443
	}
	if local != nil && local.Port != std && local.Port != 0 {
		return host, ":" + strconv.Itoa(local.Port)
	}
	return host, ""
}

// redirectBase is what the header filter puts before a Location that
// starts with '/' in a request answered in location l (nil: the server
// level): nothing with absolute_redirect off; else the scheme and
// redirectHost.
func (h *Handler) redirectBase(rq *request, l *nginx.Location) string {
	levels := h.conf(l).levels
	if d := nearest(levels, "absolute_redirect"); d != nil && d.Arg(0) == "off" {
		return ""
	}
	return scheme(rq.r) + "://" + h.redirectHost(rq.r, levels)
}

// redirectHost is RedirectHost with the settings at levels: the server's
// first name with server_name_in_redirect on, no port with
// port_in_redirect off.
func (h *Handler) redirectHost(r *http.Request, levels []*nginx.Directive) string {
	name, port := redirectHostPort(r)
	if flagOn(levels, "server_name_in_redirect") {
		name = ""
		if d := h.srv.Dir.First("server_name"); d != nil {
			name = strings.ToLower(d.Arg(0))
		}
	}
	if d := nearest(levels, "port_in_redirect"); d != nil && d.Arg(0) == "off" {
		port = ""
	}
	return name + port
}

// serverName is what ngx_http_validate_host keeps of a valid host: the part
// before the port (a bracketed IPv6 literal is kept whole), minus one
// trailing dot, lower-cased.
func serverName(host string) string {
	n := len(host)
	literal := false
	for i := 0; i < len(host); i++ {
		switch c := host[i]; {
		case c == '[' && i == 0:
			literal = true
		case c == ']' && literal:
			n = i + 1
			i = len(host)
		case c == ':' && !literal:
			n = i
			i = len(host)
		}
	}
	return lowerASCII(strings.TrimSuffix(host[:n], "."))
}
