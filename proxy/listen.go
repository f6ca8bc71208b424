//go:build unix

package proxy

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/xaccel/xaccel/nginx"
)

// ListenMap moves one listen address of the configuration: From is a port
// (every address on it) or an address:port ("*" and 0.0.0.0 the IPv4
// wildcard, [::] the IPv6 one); To is a port (the address stays what it
// would be) or an address:port, bound exactly as given.
type ListenMap struct {
	FromAddr netip.Addr // invalid: any address
	FromPort uint16
	ToAddr   netip.Addr // invalid: the address the listen would have
	ToPort   uint16
	raw      string
}

// ParseListenMap reads FROM=TO (80=8080, 127.0.0.1:80=8080,
// *:80=127.0.0.1:8080, [::]:443=[::1]:8443). TO may be port 0: a free
// port.
func ParseListenMap(s string) (ListenMap, error) {
	from, to, ok := strings.Cut(s, "=")
	m := ListenMap{raw: s}
	bad := func(why string) (ListenMap, error) {
		return m, fmt.Errorf("--listen-map %q: %s; want FROM=TO, each a port or an address:port, as 80=8080 or 127.0.0.1:80=127.0.0.1:8080", s, why)
	}
	if !ok {
		return bad("no '='")
	}
	var err error
	if m.FromAddr, m.FromPort, err = parseMapSide(from, false); err != nil {
		return bad("FROM " + err.Error())
	}
	if m.ToAddr, m.ToPort, err = parseMapSide(to, true); err != nil {
		return bad("TO " + err.Error())
	}
	return m, nil
}

func parseMapSide(s string, zeroOK bool) (netip.Addr, uint16, error) {
	var addr netip.Addr
	port := s
	if strings.ContainsAny(s, ":[") {
		h, p, err := net.SplitHostPort(s)
		if err != nil {
			return addr, 0, fmt.Errorf("%q is not an address:port", s)
		}
		port = p
		if h == "*" {
			addr = netip.IPv4Unspecified()
		} else if addr, err = netip.ParseAddr(h); err != nil || addr.Zone() != "" {
			return addr, 0, fmt.Errorf("%q is not an IP address (or *)", h)
		}
		addr = addr.Unmap()
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 || n == 0 && !zeroOK || port == "" || port[0] == '+' {
		return addr, 0, fmt.Errorf("%q is not a port", port)
	}
	return addr, uint16(n), nil
}

// BindOptions say where serve binds the configuration's listen addresses.
type BindOptions struct {
	// Map moves addresses; the first one whose FROM names the address
	// and port wins, else the first that names the port alone.
	Map []ListenMap
	// PortOffset is added to the port of every address no Map moves.
	PortOffset int
	// AsConfigured binds wildcard and non-loopback addresses as the
	// configuration writes them. Without it a wildcard is bound on the
	// loopback address of its family (127.0.0.1, ::1), and a non-loopback
	// address that no Map moves to an address is refused.
	AsConfigured bool
	// SkipUnsupported leaves out the addresses serve cannot speak on
	// (http2 without ssl, quic), with a
	// warning each, instead of refusing to start.
	SkipUnsupported bool
}

// Bind is one socket to open: the address to bind and the configuration
// address it stands for. A socket that stands for a wildcard also answers,
// as nginx's does, for the addresses the configuration names on that
// port, when connections come to them.
type Bind struct {
	Addr netip.AddrPort
	// Unix is the socket's path for `listen unix:PATH` (Addr is then not
	// valid); it is bound where the configuration says.
	Unix  string
	Group *nginx.ListenGroup
	// Also are the other configuration addresses the socket answers for.
	Also []*nginx.ListenGroup
}

// PlanBinds decides the sockets for the configuration's listen addresses.
// Warnings say what is skipped, or cannot be reached.
func PlanBinds(ls *nginx.Listens, o BindOptions) ([]*Bind, []string, error) {
	var binds []*Bind
	var warns []string
	for _, g := range ls.Groups {
		l := g.Listens[0]
		if what, first := unsupported(g); what != "" {
			if first != nil {
				l = first
			}
			if o.SkipUnsupported {
				warns = append(warns, fmt.Sprintf("%s: listen %s (%s) is not served: xaccel serve speaks HTTP/1.x over TCP, plain or with TLS, only (--skip-unsupported-listens)", l.Pos(), g, what))
				continue
			}
			return nil, nil, fmt.Errorf("%s: listen %s uses %s, which xaccel serve cannot speak (it answers HTTP/1.x over TCP, plain or with TLS, only, and will not answer in HTTP/1.x where nginx expects HTTP/2 without TLS or a PROXY header); give --skip-unsupported-listens to serve the other listens without it, or --listen ADDR to serve every server block in plain HTTP on one address", l.Pos(), g, what)
		}
		if g.Unix != "" {
			binds = append(binds, &Bind{Unix: g.Unix, Group: g})
			continue
		}
		addr, err := bindAddr(g, l, o)
		if err != nil {
			return nil, nil, err
		}
		binds = append(binds, &Bind{Addr: addr, Group: g})
	}
	// Two addresses bound on one socket: nginx's own case is a wildcard
	// and an address of its port, which the wildcard socket answers for.
	var out []*Bind
	for _, b := range binds {
		merged := false
		for _, o := range out {
			if b.Unix != "" || o.Unix != "" || !sameSocket(o.Addr, b.Addr) {
				continue
			}
			w, e := o, b
			if !w.Group.Wildcard() {
				w, e = b, o
			}
			if !w.Group.Wildcard() || e.Group.Wildcard() || w.Group.Addr.Port() != e.Group.Addr.Port() ||
				w.Group.Addr.Addr().Is4() != e.Group.Addr.Addr().Is4() {
				return nil, nil, fmt.Errorf("%s: listen %s and %s: listen %s would both be bound on %s; move one with --listen-map",
					o.Group.Listens[0].Pos(), o.Group, b.Group.Listens[0].Pos(), b.Group, b.Addr)
			}
			// The socket stands for the wildcard.
			wg, eg, wa := w.Group, e.Group, w.Addr
			o.Addr, o.Group = wa, wg
			o.Also = append(o.Also, eg)
			merged = true
			break
		}
		if !merged {
			out = append(out, b)
		}
	}
	for _, b := range out {
		if !b.Group.Wildcard() || b.Addr.Addr().IsUnspecified() {
			continue
		}
		// A wildcard bound on one address: connections to it go to the
		// configuration's own address there, if it has one.
		if eg := ls.Group(netip.AddrPortFrom(b.Addr.Addr(), b.Group.Addr.Port())); eg != nil && eg != b.Group {
			warns = append(warns, fmt.Sprintf("%s: the servers of listen %s cannot be reached: serve binds it on %s, and nginx answers connections to %s with the servers of listen %s (%s); move it with --listen-map %s=ADDR:PORT",
				b.Group.Listens[0].Pos(), b.Group, b.Addr.Addr(), b.Addr.Addr(), eg, eg.Listens[0].Pos(), mapFrom(b.Group)))
		}
	}
	return out, warns, nil
}

// unsupported is what of g serve cannot speak ("" when nothing) and the
// listen that asks it first: quic, and
// http2 without TLS (nginx then speaks HTTP/2 alone). With TLS, http2 is
// served as HTTP/1.1 offered by ALPN (see Front.SetupTLS).
func unsupported(g *nginx.ListenGroup) (string, *nginx.Listen) {
	var what []string
	var first *nginx.Listen
	note := func(name string, has func(*nginx.Listen) bool) {
		what = append(what, name)
		for _, l := range g.Listens {
			if has(l) && first == nil {
				first = l
			}
		}
	}
	if g.HTTP2 && !tlsOn(g) {
		note("http2 without ssl", func(l *nginx.Listen) bool { return l.HTTP2 })
	}
	if g.QUIC {
		note("quic", func(l *nginx.Listen) bool { return l.QUIC })
	}
	return strings.Join(what, ", "), first
}

// sameSocket reports whether a and b cannot both be bound.
func sameSocket(a, b netip.AddrPort) bool {
	if a.Port() != b.Port() || a.Port() == 0 {
		return false
	}
	if a.Addr() == b.Addr() {
		return true
	}
	return a.Addr().Is4() == b.Addr().Is4() && (a.Addr().IsUnspecified() || b.Addr().IsUnspecified())
}

// mapFrom is how --listen-map names g.
func mapFrom(g *nginx.ListenGroup) string {
	if g.Addr.Addr() == netip.IPv4Unspecified() {
		return "*:" + strconv.Itoa(int(g.Addr.Port()))
	}
	return g.Addr.String()
}

// bindAddr is where g is bound.
func bindAddr(g *nginx.ListenGroup, l *nginx.Listen, o BindOptions) (netip.AddrPort, error) {
	ip, port := g.Addr.Addr(), int(g.Addr.Port())
	var m *ListenMap
	for i := range o.Map {
		if o.Map[i].FromAddr.IsValid() && o.Map[i].FromAddr == ip && o.Map[i].FromPort == g.Addr.Port() {
			m = &o.Map[i]
			break
		}
	}
	if m == nil {
		for i := range o.Map {
			if !o.Map[i].FromAddr.IsValid() && o.Map[i].FromPort == g.Addr.Port() {
				m = &o.Map[i]
				break
			}
		}
	}
	if m != nil {
		if m.ToAddr.IsValid() {
			return netip.AddrPortFrom(m.ToAddr, m.ToPort), nil
		}
		port = int(m.ToPort)
	} else {
		port += o.PortOffset
		if port < 1 || port > 65535 {
			return netip.AddrPort{}, fmt.Errorf("%s: listen %s: --port-offset %d gives port %d, which is not a port; give a smaller offset or --listen-map %s=PORT", l.Pos(), g, o.PortOffset, port, mapFrom(g))
		}
	}
	switch {
	case o.AsConfigured:
	case ip.IsUnspecified():
		if ip.Is4() {
			ip = netip.MustParseAddr("127.0.0.1")
		} else {
			ip = netip.IPv6Loopback()
		}
	case !ip.IsLoopback():
		return netip.AddrPort{}, fmt.Errorf("%s: listen %s is not a loopback address, and serve binds one only when told: give --listen-map %s=127.0.0.1:PORT to serve its servers on loopback, or --bind-as-configured to bind it", l.Pos(), g, g.Addr)
	}
	return netip.AddrPortFrom(ip, uint16(port)), nil
}

// ListenDefaults are nginx's reading of listen on this machine: the port
// of a server without listen (80 when started as root, 8000 otherwise,
// as ngx_http_core_merge_srv_conf decides it), names resolved as nginx
// resolves them at start-up (within 10 s), the machine's name.
func ListenDefaults() nginx.ListenOptions {
	o := nginx.ListenOptions{DefaultPort: 8000}
	if os.Getuid() == 0 {
		o.DefaultPort = 80
	}
	o.Hostname, _ = os.Hostname()
	o.Resolve = func(host string) ([]netip.Addr, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	}
	return o
}
