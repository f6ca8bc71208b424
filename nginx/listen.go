package nginx

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Listen is one address:port (or unix socket) that a `listen` directive of
// an http server names, as ngx_http_core_listen reads it. A server without
// any listen gets nginx's implicit one (Dir nil): *:80 when nginx starts as
// root, *:8000 otherwise (ListenOptions.DefaultPort).
type Listen struct {
	Dir    *Directive // nil for the implicit listen of a server without one
	Server *Server
	// Addr is the address and port; a wildcard (`listen 80`, `*:80`,
	// `[::]:80`) has the unspecified address of its family. Invalid for a
	// unix socket.
	Addr netip.AddrPort
	// Host is the name written before the port when it is neither an IP
	// literal nor "*" (`listen localhost:80`): nginx resolves it when it
	// reads the configuration, and each address it gives is one Listen.
	Host string
	Unix string // the path of `listen unix:PATH`

	DefaultServer bool // default_server (or its old name, default)
	SSL           bool
	HTTP2         bool
	QUIC          bool
	ProxyProtocol bool
	// SocketOpts is set when the listen sets socket options (bind,
	// backlog=, reuseport, ...): nginx allows that once per address.
	SocketOpts bool
}

// Pos is where the listen is written; for an implicit listen, the server.
func (l *Listen) Pos() Pos {
	if l.Dir != nil {
		return l.Dir.Pos
	}
	return l.Server.Dir.Pos
}

// String is the address as nginx prints it: 0.0.0.0:80, [::1]:8080,
// unix:/run/app.sock.
func (l *Listen) String() string {
	if l.Unix != "" {
		return "unix:" + l.Unix
	}
	return l.Addr.String()
}

// Wildcard reports whether the listen is on every address of its family.
func (l *Listen) Wildcard() bool { return l.Unix == "" && l.Addr.Addr().IsUnspecified() }

// Unsupported names what of the listen a plain HTTP/1.x server over TCP
// cannot do ("" when nothing): a unix socket, ssl, http2, quic,
// proxy_protocol.
func (l *Listen) Unsupported() string {
	var what []string
	if l.Unix != "" {
		what = append(what, "a unix socket")
	}
	for _, p := range []struct {
		on   bool
		name string
	}{{l.SSL, "ssl"}, {l.HTTP2, "http2"}, {l.QUIC, "quic"}, {l.ProxyProtocol, "proxy_protocol"}} {
		if p.on {
			what = append(what, p.name)
		}
	}
	return strings.Join(what, ", ")
}

// ListenOptions say what nginx's reading of listen and server_name depends
// on besides the configuration.
type ListenOptions struct {
	// DefaultPort is the port of a server without listen: 80 when nginx
	// starts as root, 8000 otherwise (0: 80).
	DefaultPort int
	// Resolve turns a host name of a listen (localhost) into addresses,
	// as nginx does once at start-up; nil refuses names.
	Resolve func(host string) ([]netip.Addr, error)
	// Hostname is the machine's name, what `server_name $hostname` means.
	Hostname string
}

// ListenError is a listen or server_name that nginx refuses to start with.
type ListenError struct {
	Pos Pos
	Msg string
}

func (e *ListenError) Error() string { return e.Pos.String() + ": " + e.Msg }

// ListenGroup is the servers of one address:port (or unix socket) and how
// nginx chooses among them by the request's host (ngx_http_server_names,
// ngx_http_find_virtual_server).
type ListenGroup struct {
	Addr netip.AddrPort // invalid for a unix socket
	Unix string
	// Listens are the listens on it, in the order nginx adds them:
	// the listen directives in configuration order, then the implicit
	// listens of servers without one.
	Listens []*Listen
	Servers []*Server // one per server, in the order of Listens
	// Default answers hosts that no server_name matches: the server
	// whose listen has default_server, else the first.
	Default *Server
	// SSL, HTTP2, QUIC and ProxyProtocol are set when any listen on the
	// address sets them: nginx then speaks so on the address for every
	// server on it.
	SSL, HTTP2, QUIC, ProxyProtocol bool

	names *serverNames // nil: one server, names are not looked at
}

// String is the address: 0.0.0.0:80, [::]:443, unix:/run/x.sock.
func (g *ListenGroup) String() string {
	if g.Unix != "" {
		return "unix:" + g.Unix
	}
	return g.Addr.String()
}

// Wildcard reports whether the group is on every address of its family.
func (g *ListenGroup) Wildcard() bool { return g.Unix == "" && g.Addr.Addr().IsUnspecified() }

// Unsupported is Listen.Unsupported for the address as a whole: what
// any of its listens asks that plain HTTP/1.x over TCP cannot do, and the
// listen that asks it first.
func (g *ListenGroup) Unsupported() (string, *Listen) {
	var what []string
	var first *Listen
	if g.Unix != "" {
		what, first = append(what, "a unix socket"), g.Listens[0]
	}
	for _, p := range []struct {
		on   bool
		name string
		has  func(*Listen) bool
	}{
		{g.SSL, "ssl", func(l *Listen) bool { return l.SSL }},
		{g.HTTP2, "http2", func(l *Listen) bool { return l.HTTP2 }},
		{g.QUIC, "quic", func(l *Listen) bool { return l.QUIC }},
		{g.ProxyProtocol, "proxy_protocol", func(l *Listen) bool { return l.ProxyProtocol }},
	} {
		if !p.on {
			continue
		}
		what = append(what, p.name)
		for _, l := range g.Listens {
			if p.has(l) && first == nil {
				first = l
			}
		}
	}
	return strings.Join(what, ", "), first
}

// Listens are the address groups of a configuration's http servers.
type Listens struct {
	Groups []*ListenGroup // in the order of their first listen
}

// Group is the group that answers a TCP connection to local, as
// ngx_http_init_connection chooses it: the group of that exact address
// and port, else the wildcard of the address's family on that port. An
// IPv4-mapped IPv6 address counts as IPv4. nil when none listens there.
func (ls *Listens) Group(local netip.AddrPort) *ListenGroup {
	a := local.Addr().Unmap()
	var wild *ListenGroup
	for _, g := range ls.Groups {
		if g.Unix != "" || g.Addr.Port() != local.Port() {
			continue
		}
		ga := g.Addr.Addr()
		if ga == a {
			return g
		}
		if ga.IsUnspecified() && ga.Is4() == a.Is4() && wild == nil {
			wild = g
		}
	}
	return wild
}

// Listens reads the listen directives of every http server and groups the
// servers by address:port as nginx does. The errors are those nginx
// refuses to start with (an address it cannot read, a duplicate listen in
// one server, two default servers on one address, an invalid server_name
// on an address shared by several servers); the groups are returned
// whatever the errors.
func (c *Config) Listens(o ListenOptions) (*Listens, []error) {
	var errs []error
	ls := &Listens{}
	byKey := map[string]*ListenGroup{}
	add := func(l *Listen) {
		key := l.String()
		g := byKey[key]
		if g == nil {
			g = &ListenGroup{Addr: l.Addr, Unix: l.Unix}
			byKey[key] = g
			ls.Groups = append(ls.Groups, g)
		}
		for _, s := range g.Servers {
			if s == l.Server {
				errs = append(errs, &ListenError{l.Pos(), "a duplicate listen " + key})
				return
			}
		}
		if l.SocketOpts {
			for _, o := range g.Listens {
				if o.SocketOpts {
					errs = append(errs, &ListenError{l.Pos(), fmt.Sprintf("duplicate listen options for %s (first at %s)", key, o.Pos())})
					return
				}
			}
		}
		if l.DefaultServer {
			for _, o := range g.Listens {
				if o.DefaultServer {
					errs = append(errs, &ListenError{l.Pos(), fmt.Sprintf("a duplicate default server for %s (first at %s)", key, o.Pos())})
					return
				}
			}
			g.Default = l.Server
		}
		g.Listens = append(g.Listens, l)
		g.Servers = append(g.Servers, l.Server)
		g.SSL = g.SSL || l.SSL
		g.HTTP2 = g.HTTP2 || l.HTTP2
		g.QUIC = g.QUIC || l.QUIC
		g.ProxyProtocol = g.ProxyProtocol || l.ProxyProtocol
	}
	for _, s := range c.Servers {
		for _, d := range s.Dir.Find("listen") {
			got, err := ParseListen(d, s, o)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			for _, l := range got {
				add(l)
			}
		}
	}
	// Servers without listen get theirs when nginx merges the server
	// configurations, after the whole http block is read: they come last.
	port := o.DefaultPort
	if port == 0 {
		port = 80
	}
	for _, s := range c.Servers {
		if len(s.Dir.Find("listen")) == 0 {
			add(&Listen{Server: s, Addr: netip.AddrPortFrom(netip.IPv4Unspecified(), uint16(port))})
		}
	}
	for _, g := range ls.Groups {
		if g.Default == nil && len(g.Servers) > 0 {
			g.Default = g.Servers[0]
		}
		if len(g.Servers) > 1 || hasRegexName(g.Default) {
			g.names, errs = buildNames(g.Servers, g.String(), o, errs)
		}
	}
	return ls, errs
}

// OneGroup puts every http server on one address, in configuration order,
// with def as its default: what `xaccel serve --listen ADDR` answers with.
// A server_name given by two servers belongs to the first.
func (c *Config) OneGroup(def *Server, o ListenOptions) (*ListenGroup, []error) {
	g := &ListenGroup{Servers: append([]*Server(nil), c.Servers...), Default: def}
	var errs []error
	if len(g.Servers) > 1 || hasRegexName(def) {
		g.names, errs = buildNames(g.Servers, "the --listen address", o, nil)
	}
	return g, errs
}

// ParseListen reads one listen directive of server s: one Listen, or
// several when the address is a name that resolves to several addresses
// or a port range (nginx 1.27.3+).
func ParseListen(d *Directive, s *Server, o ListenOptions) ([]*Listen, error) {
	bad := func(format string, a ...any) ([]*Listen, error) {
		return nil, &ListenError{d.Pos, fmt.Sprintf(format, a...)}
	}
	if len(d.Args) == 0 {
		return bad("invalid number of arguments in \"listen\" directive")
	}
	proto := Listen{Dir: d, Server: s}
	for _, p := range d.Args[1:] {
		name, _, _ := strings.Cut(p, "=")
		switch name {
		case "default_server", "default":
			proto.DefaultServer = true
		case "ssl":
			proto.SSL = true
		case "http2":
			proto.HTTP2 = true
		case "quic":
			proto.QUIC = true
		case "proxy_protocol":
			proto.ProxyProtocol = true
		case "bind", "backlog", "rcvbuf", "sndbuf", "accept_filter", "deferred", "ipv6only",
			"reuseport", "so_keepalive", "setfib", "fastopen":
			proto.SocketOpts = true
		default:
			return bad("invalid parameter \"%s\" of \"listen\"", p)
		}
	}
	a := d.Args[0]
	if rest, ok := strings.CutPrefix(a, "unix:"); ok {
		if rest == "" {
			return bad("no path in the unix domain socket \"%s\"", a)
		}
		l := proto
		l.Unix = rest
		return []*Listen{&l}, nil
	}
	host, ports := "", "80"
	switch {
	case strings.HasPrefix(a, "["):
		end := strings.IndexByte(a, ']')
		if end < 0 {
			return bad("invalid IPv6 address in \"%s\" of the \"listen\" directive", a)
		}
		host = a[1:end]
		switch after := a[end+1:]; {
		case after == "":
		case strings.HasPrefix(after, ":"):
			ports = after[1:]
		default:
			return bad("invalid host in \"%s\" of the \"listen\" directive", a)
		}
	case strings.Contains(a, ":"):
		i := strings.LastIndexByte(a, ':')
		host, ports = a[:i], a[i+1:]
	case isPort(a):
		host, ports = "*", a
	default:
		host = a
	}
	lo, hi, ok := parsePorts(ports)
	if !ok {
		return bad("invalid port in \"%s\" of the \"listen\" directive", a)
	}
	var addrs []netip.Addr
	switch {
	case host == "*" || host == "":
		addrs = []netip.Addr{netip.IPv4Unspecified()}
	case strings.HasPrefix(a, "["):
		ip, err := netip.ParseAddr(host)
		if err != nil || !ip.Is6() || ip.Zone() != "" {
			return bad("invalid IPv6 address in \"%s\" of the \"listen\" directive", a)
		}
		addrs = []netip.Addr{ip}
	default:
		if ip, err := netip.ParseAddr(host); err == nil && ip.Is4() {
			addrs = []netip.Addr{ip}
			break
		}
		if o.Resolve == nil {
			return bad("host not found in \"%s\" of the \"listen\" directive", a)
		}
		got, err := o.Resolve(host)
		if err != nil || len(got) == 0 {
			return bad("host not found in \"%s\" of the \"listen\" directive", a)
		}
		proto.Host = host
		addrs = got
	}
	var out []*Listen
	seen := map[netip.AddrPort]bool{}
	for _, ip := range addrs {
		for p := lo; p <= hi; p++ {
			ap := netip.AddrPortFrom(ip.Unmap(), uint16(p))
			if seen[ap] {
				continue
			}
			seen[ap] = true
			l := proto
			l.Addr = ap
			out = append(out, &l)
		}
	}
	return out, nil
}

func isPort(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if (s[i] < '0' || s[i] > '9') && s[i] != '-' {
			return false
		}
	}
	return true
}

// parsePorts reads a port, or a range lo-hi.
func parsePorts(s string) (lo, hi int, ok bool) {
	a, b, isRange := strings.Cut(s, "-")
	lo, err := strconv.Atoi(a)
	if err != nil || a == "" || a[0] == '+' || lo < 1 || lo > 65535 {
		return 0, 0, false
	}
	if !isRange {
		return lo, lo, true
	}
	hi, err = strconv.Atoi(b)
	if err != nil || b == "" || b[0] == '+' || hi < lo || hi > 65535 {
		return 0, 0, false
	}
	return lo, hi, true
}
