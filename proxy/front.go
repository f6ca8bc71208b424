//go:build unix

package proxy

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"sync"

	"github.com/xaccel/xaccel/nginx"
)

// Front answers for several server blocks of a configuration: one Handler
// per server, the server chosen per connection and request as nginx
// chooses it, by the address:port the connection came in on
// (nginx.Listens.Group) and then by the request's host
// (nginx.ListenGroup.Pick).
type Front struct {
	listens *nginx.Listens // nil when one group answers every connection
	one     *vhosts        // that group
	groups  map[*nginx.ListenGroup]*vhosts
	// hostname is what `server_name $hostname` and $hostname name.
	hostname string
}

// FrontOptions say how a Front reads the configuration's listens.
type FrontOptions struct {
	// Listen is how listen and server_name are read (the default port,
	// how names resolve, the machine's name).
	Listen nginx.ListenOptions
	// Collapse puts every server block on one address, in configuration
	// order, as `xaccel serve --listen ADDR` does: the host chooses among
	// all of them, and the default server (Options.ServerName's, else the
	// first with default_server, else the first) answers the others. A
	// name given by two servers belongs to the first.
	Collapse bool
}

// vhosts are the server blocks one connection can reach: those of one
// listen address.
type vhosts struct {
	group *nginx.ListenGroup // nil: def answers every request
	def   *Handler
	by    map[*nginx.Server]*Handler
	// hostname is what `server_name $hostname` names.
	hostname string
	// tls is set where nginx speaks TLS (Front.SetupTLS); pending holds
	// the tlsConn of each handshake under way, by its connection.
	tls     *tls.Config
	pending sync.Map
}

// ProxyProtocol reports whether the address expects a PROXY protocol
// header first: a listen of it has proxy_protocol (http1.ProxyProtocolSites).
func (v *vhosts) ProxyProtocol() bool { return v.group != nil && v.group.ProxyProtocol }

// pick is the handler for a request to host ("" when the request gave
// none), with the named captures of a regex server_name.
func (v *vhosts) pick(host string) (*Handler, map[string]string) {
	if v.group == nil {
		return v.def, nil
	}
	s, vars := v.group.Pick(host)
	if h := v.by[s]; h != nil {
		return h, vars
	}
	return v.def, vars
}

// single is the vhosts of one Handler (NewServer).
func single(h *Handler) *vhosts { return &vhosts{def: h} }

// NewFront builds a Handler for every http server block of cfg. With
// fo.Collapse and o.ServerName, only that server is served, for every
// host, as New serves it. The warnings are New's, each once.
func NewFront(cfg *nginx.Config, o Options, fo FrontOptions) (*Front, []Warning, error) {
	f := &Front{groups: map[*nginx.ListenGroup]*vhosts{}, hostname: fo.Listen.Hostname}
	if len(cfg.Servers) == 0 {
		return nil, nil, fmt.Errorf("the configuration has no http server block")
	}
	var groups []*nginx.ListenGroup
	if fo.Collapse {
		def := cfg.PickServer(o.ServerName)
		if def == nil {
			return nil, nil, fmt.Errorf("no server block with server_name %q", o.ServerName)
		}
		if o.ServerName != "" {
			h, warns, err := newServerHandler(cfg, def, o)
			if err != nil {
				return nil, nil, err
			}
			f.one = single(h)
			return f, warns, nil
		}
		g, errs := cfg.OneGroup(def, fo.Listen)
		if len(errs) > 0 {
			return nil, nil, errs[0]
		}
		groups = []*nginx.ListenGroup{g}
	} else {
		ls, errs := cfg.Listens(fo.Listen)
		if len(errs) > 0 {
			return nil, nil, errs[0]
		}
		f.listens = ls
		groups = ls.Groups
	}
	handlers := map[*nginx.Server]*Handler{}
	if o.zones == nil {
		o.zones = newLimitZones() // shared by every server, as nginx's zones
	}
	var warns []Warning
	seen := map[Warning]bool{}
	for _, s := range cfg.Servers {
		h, ws, err := newServerHandler(cfg, s, o)
		if err != nil {
			return nil, nil, err
		}
		handlers[s] = h
		for _, w := range ws {
			if tlsDirectives[w.Name] && w.Detail == "" {
				continue // SetupTLS reads them
			}
			if !seen[w] {
				seen[w] = true
				warns = append(warns, w)
			}
		}
	}
	for _, g := range groups {
		f.groups[g] = &vhosts{group: g, def: handlers[g.Default], by: handlers, hostname: f.hostname}
	}
	if fo.Collapse {
		f.one = f.groups[groups[0]]
	}
	return f, warns, nil
}

// newServerHandler is New for server s of cfg.
func newServerHandler(cfg *nginx.Config, s *nginx.Server, o Options) (*Handler, []Warning, error) {
	one := *cfg
	one.Servers = []*nginx.Server{s}
	o.ServerName = ""
	return New(&one, o)
}

// Listens are the configuration's address groups (nil for a collapsed
// Front).
func (f *Front) Listens() *nginx.Listens { return f.listens }

// vhostsFor is the server blocks a connection to local reaches on a socket
// that stands for the configuration's address g (nil: the socket is bound
// where the configuration says). A socket for a wildcard address answers
// as nginx's wildcard socket does: with the group of the connection's own
// address on that port when the configuration names it, else with the
// wildcard's. nil when no group listens there.
func (f *Front) vhostsFor(g *nginx.ListenGroup, local net.Addr) *vhosts {
	if f.one != nil {
		return f.one
	}
	ap, ok := addrPort(local)
	switch {
	case g != nil && !g.Wildcard():
		return f.groups[g]
	case g != nil:
		if ok {
			if eg := f.listens.Group(netip.AddrPortFrom(ap.Addr(), g.Addr.Port())); eg != nil && eg.Addr.Addr().Is4() == g.Addr.Addr().Is4() {
				return f.groups[eg]
			}
		}
		return f.groups[g]
	case ok:
		if eg := f.listens.Group(ap); eg != nil {
			return f.groups[eg]
		}
	}
	return nil
}

func addrPort(a net.Addr) (netip.AddrPort, bool) {
	ta, ok := a.(*net.TCPAddr)
	if !ok {
		return netip.AddrPort{}, false
	}
	ap := ta.AddrPort()
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), true
}

// vhostKey holds, in a request's context, what the server choice left for
// the variables: the named captures of a regex server_name, and the
// server's name.
type vhostKey struct{}

type vhostVars struct {
	vars map[string]string
	name string // the chosen server's primary name ($host without a host)
}

// ServeHTTP answers r with the server block nginx would choose for the
// connection's local address (http.LocalAddrContextKey) and r.Host. A
// request to an address no server listens on gets no answer.
func (f *Front) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	local, _ := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	v := f.vhostsFor(nil, local)
	if v == nil {
		panic(http.ErrAbortHandler)
	}
	host := serverName(r.Host)
	if _, _, err := nginx.NormalizeRequestTarget(r.RequestURI, v.def.mergeSlashes); err != nil {
		// nginx refuses such a target as it reads the request line
		// (ngx_http_process_request_uri), before the header: the
		// address's default server answers (as http1 does for Server).
		host = ""
	}
	h, vars := v.pick(host)
	if vars != nil || host == "" {
		r = r.WithContext(context.WithValue(r.Context(), vhostKey{}, &vhostVars{vars: vars, name: h.srv.NameOf(f.hostname)}))
	}
	h.ServeHTTP(w, r)
}

// MaxHeaderLine is the largest large_client_header_buffers size of the
// address's servers (http1.LineSizer): a connection's reader holds a line
// of that length, and each server's own size is checked on its lines.
func (v *vhosts) MaxHeaderLine() int {
	n := v.def.serverConf.limits.HeaderLine
	for _, h := range v.by {
		n = max(n, h.serverConf.limits.HeaderLine)
	}
	return n
}
