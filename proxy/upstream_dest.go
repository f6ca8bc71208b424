//go:build unix

// Where a proxy_pass connects: the URL it names once variables are
// expanded, an upstream{} block's servers (in the order a request tries
// them, with their keep-alive settings), an implicit upstream made of a host
// name's addresses, or a --upstream mapping.

package proxy

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/xaccel/xaccel/proxy/internal/upstream"
)

// passTarget is the URL of a proxy_pass after variables are expanded.
type passTarget struct {
	host   string // host[:port] as written, or "unix:/path" for a socket
	uri    string // the URI part, "" when there is none
	hasURI bool
	// vars: the proxy_pass URL has variables; a URI part is then sent as
	// it is, in place of the request's (ngx_http_proxy_eval).
	vars bool
	// https: the URL's scheme is https (TLS to the app, port 443 by
	// default).
	https bool
}

// passPort is $proxy_port: the port proxy_pass names, 80 when it names
// none, "" for a unix socket (ngx_http_proxy_set_vars).
func passPort(t passTarget) string {
	if strings.HasPrefix(t.host, "unix:") {
		return ""
	}
	host := t.host
	if i := strings.LastIndexByte(host, ']'); i >= 0 {
		host = host[i+1:]
	}
	if _, port, ok := strings.Cut(host, ":"); ok {
		return port
	}
	if t.https {
		return "443"
	}
	return "80"
}

// parsePass splits a proxy_pass URL the way ngx_http_proxy_pass and
// ngx_parse_url do: "http://" (case-insensitive), then host[:port] up to the
// first '/', or "unix:/path" up to a ':' that starts the URI part.
func parsePass(v string) (passTarget, bool) {
	var t passTarget
	var rest string
	switch {
	case len(v) >= 7 && strings.EqualFold(v[:7], "http://"):
		rest = v[7:]
	case len(v) >= 8 && strings.EqualFold(v[:8], "https://"):
		rest, t.https = v[8:], true
	default:
		return passTarget{}, false
	}
	if len(rest) >= 5 && strings.EqualFold(rest[:5], "unix:") {
		path := rest[5:]
		if i := strings.IndexByte(path, ':'); i >= 0 {
			t.uri, t.hasURI = path[i+1:], true
			path = path[:i]
		}
		t.host = "unix:" + path
		return t, path != ""
	}
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		t.host, t.uri, t.hasURI = rest[:i], rest[i:], true
	} else {
		t.host = rest
	}
	return t, t.host != ""
}

// upstreamDest is where a proxy_pass connects and what it sends as Host.
type upstreamDest struct {
	upstream.Dest
	prefix     string // path of an Options.Upstreams URL, put before the URI
	hostHeader string // $proxy_host
	mapped     bool   // an Options.Upstreams URL (plain HTTP to a local app)
	// next are the other servers of an upstream block, in the order a
	// request goes to them when the one before fails (see nextUpstream).
	next []upstream.Dest
}

// resolveUpstream finds where proxy_pass target t connects:
// Options.Upstreams (by host[:port], then by host) wins; then an
// `upstream NAME {}` block of the http context whose name is t's host
// (case-insensitive, as ngx_http_upstream_add compares; a port in
// proxy_pass never matches a block), which connects to its first server
// that is neither `down` nor `backup` (nginx balances over all of them;
// the emulator does not); then the host and port themselves (80 by
// default). The Host header is $proxy_host: the host as written, with the
// port unless it is 80, "localhost" for a unix socket.
func (h *Handler) resolveUpstream(t passTarget) (upstreamDest, error) {
	var d upstreamDest
	name, port, hasPort := t.host, "", false
	if !strings.HasPrefix(t.host, "unix:") {
		if i := strings.LastIndexByte(t.host, ':'); i >= 0 && !strings.HasSuffix(t.host, "]") {
			name, port, hasPort = t.host[:i], t.host[i+1:], true
		}
	}
	d.hostHeader = t.host
	defPort := "80"
	if t.https {
		defPort = "443"
	}
	switch {
	case strings.HasPrefix(t.host, "unix:"):
		d.hostHeader = "localhost"
	case hasPort && port == defPort:
		d.hostHeader = name
	}
	if !hasPort {
		h.upstreamKeepalive(name, &d.Dest)
	}
	mapped, ok := h.opts.Upstreams[t.host]
	if !ok {
		mapped, ok = h.opts.Upstreams[name]
	}
	if ok {
		return mappedDest(d, mapped)
	}
	if !hasPort {
		if addrs := h.upstreamServers(name); len(addrs) > 0 {
			// Each upstream block keeps its own connections, even
			// when two name the same server.
			first, err := hostDest(d, addrs[0], "80") // an upstream block's servers: 80 unless they say, https or not
			first.Key = "upstream " + strings.ToLower(name) + " " + first.Key
			for _, a := range addrs[1:] {
				nd, _ := hostDest(d, a, "80")
				nd.Key = "upstream " + strings.ToLower(name) + " " + nd.Key
				first.next = append(first.next, nd.Dest)
			}
			return first, err
		}
	}
	return implicitUpstream(hostDest(d, t.host, defPort))
}

// implicitUpstream makes a proxy_pass host name with several addresses
// what nginx makes of it: an implicit upstream whose servers are the
// addresses (as the system's resolver gives them), each tried in turn by
// proxy_next_upstream. A name that does not resolve is left to the
// connection, which fails then (nginx would not start).
func implicitUpstream(d upstreamDest, err error) (upstreamDest, error) {
	if err != nil || d.Network != "tcp" || d.AP.IsValid() {
		return d, err
	}
	host, port, serr := net.SplitHostPort(d.Addr)
	if serr != nil {
		return d, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	ips, lerr := net.DefaultResolver.LookupHost(ctx, host)
	if lerr != nil || len(ips) == 0 {
		return d, nil
	}
	key := d.Key
	for i, ip := range ips {
		nd := upstream.HostDest(net.JoinHostPort(ip, port), port, d.Keepalive)
		nd.KeepRequests, nd.KeepTimeout, nd.KeepTime = d.KeepRequests, d.KeepTimeout, d.KeepTime
		nd.Key = key + " " + nd.Addr
		if i == 0 {
			d.Dest = nd
			continue
		}
		d.next = append(d.next, nd)
	}
	return d, nil
}

// upstreamKeepalive sets d's keep-alive settings from the http-level
// upstream block called name: keepalive N, keepalive_requests,
// keepalive_timeout and keepalive_time.
func (h *Handler) upstreamKeepalive(name string, d *upstream.Dest) {
	if h.srv.HTTP == nil {
		return
	}
	for _, u := range h.srv.HTTP.Find("upstream") {
		if !strings.EqualFold(u.Arg(0), name) {
			continue
		}
		if k := u.First("keepalive"); k != nil {
			if n, err := strconv.Atoi(k.Arg(0)); err == nil && n > 0 {
				d.Keepalive = n
			}
		}
		if k := u.First("keepalive_requests"); k != nil {
			if n, err := strconv.Atoi(k.Arg(0)); err == nil && n > 0 {
				d.KeepRequests = n
			}
		}
		if k := u.First("keepalive_timeout"); k != nil {
			if t, ok := parseTime(k.Arg(0)); ok {
				d.KeepTimeout = t
			}
		}
		if k := u.First("keepalive_time"); k != nil {
			if t, ok := parseTime(k.Arg(0)); ok {
				d.KeepTime = t
			}
		}
		return
	}
}

// mappedDest connects to an Options.Upstreams value: a base URL
// (http://127.0.0.1:8000, possibly with a path), host:port, or unix:/path.
func mappedDest(d upstreamDest, mapped string) (upstreamDest, error) {
	d.mapped = true
	if strings.HasPrefix(mapped, "unix:") {
		return hostDest(d, mapped, "80")
	}
	if !strings.Contains(mapped, "://") {
		return hostDest(d, mapped, "80")
	}
	u, err := url.Parse(mapped)
	if err != nil || u.Host == "" {
		return d, fmt.Errorf("bad upstream URL %q", mapped)
	}
	if u.Scheme != "http" {
		return d, fmt.Errorf("upstream URL %q: only http is supported", mapped)
	}
	d.prefix = strings.TrimSuffix(u.EscapedPath(), "/")
	return hostDest(d, u.Host, "80")
}

// hostDest connects to host[:port] (defaultPort when there is none) or to
// unix:/path.
func hostDest(d upstreamDest, host, defaultPort string) (upstreamDest, error) {
	keep := d.Dest
	d.Dest = upstream.HostDest(host, defaultPort, keep.Keepalive)
	d.KeepRequests, d.KeepTimeout, d.KeepTime = keep.KeepRequests, keep.KeepTimeout, keep.KeepTime
	return d, nil
}

// upstreamServers returns the servers of the http context's `upstream
// name {}` block in the order a request tries them (nil: no such block):
// the primary servers in configuration order, then the backup ones,
// leaving out those marked down (nginx balances among the primary servers
// from one request to the next; serve starts each request at the first).
// A block whose servers are all down gives its first.
func (h *Handler) upstreamServers(name string) []string {
	if h.srv.HTTP == nil {
		return nil
	}
	for _, u := range h.srv.HTTP.Find("upstream") {
		if !u.IsBlock || !strings.EqualFold(u.Arg(0), name) {
			continue
		}
		var primary, backup []string
		first := ""
		for _, s := range u.Find("server") {
			if len(s.Args) == 0 {
				continue
			}
			if first == "" {
				first = s.Args[0]
			}
			down, isBackup := false, false
			for _, p := range s.Args[1:] {
				down = down || p == "down"
				isBackup = isBackup || p == "backup"
			}
			switch {
			case down:
			case isBackup:
				backup = append(backup, s.Args[0])
			default:
				primary = append(primary, s.Args[0])
			}
		}
		if all := append(primary, backup...); len(all) > 0 {
			return all
		}
		if first != "" {
			return []string{first}
		}
		return nil
	}
	return nil
}
