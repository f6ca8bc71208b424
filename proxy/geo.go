//go:build unix

package proxy

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/xaccel/xaccel/nginx"
)

// The geo module (ngx_http_geo_module): `geo [$address] $name { ... }` at
// the http level makes $name a variable whose value depends on the
// client's address (realip's, or $address's value parsed as an address:
// one that does not parse is 255.255.255.255), looked up as nginx does:
// networks by longest prefix (IPv4 and IPv6, an IPv4-mapped address as
// IPv4), or with `ranges` IPv4 ranges, the innermost that holds it;
// `default` otherwise ("" without one). `proxy` networks are trusted to
// give the address in X-Forwarded-For (its last one, or with
// proxy_recursive the last one they do not send), as for realip.

// geoDef is one geo block.
type geoDef struct {
	source string // "" for the client's address
	def    string
	// nets by prefix (CIDR form), and the prefix lengths used, longest
	// first, per address size.
	nets           map[netip.Prefix]string
	bits4, bits6   []int
	ranges         bool
	low            map[uint16][]geoRange // the ranges form, by the high 16 bits
	proxies        *realIPConf
	proxyRecursive bool
}

var broadcast = netip.AddrFrom4([4]byte{255, 255, 255, 255})

// geoRange is a part of a range within one /16, as nginx keeps it.
type geoRange struct {
	s, e  uint16
	value string
}

// collectGeos reads the geo blocks of the http level. A block nginx
// refuses (a network that does not parse, overlapping ranges) is an error
// with its position, as nginx's.
func collectGeos(srv *nginx.Server) (map[string]*geoDef, error) {
	if srv.HTTP == nil {
		return nil, nil
	}
	geos := map[string]*geoDef{}
	for _, d := range srv.HTTP.Find("geo") {
		if !d.IsBlock || len(d.Args) == 0 {
			continue
		}
		g := &geoDef{nets: map[netip.Prefix]string{}}
		name := d.Args[0]
		if len(d.Args) == 2 {
			g.source, name = d.Args[0], d.Args[1]
		}
		if !strings.HasPrefix(name, "$") || g.source != "" && !strings.HasPrefix(g.source, "$") {
			return nil, fmt.Errorf("%s: invalid variable name in \"geo\"", d.Pos)
		}
		for i, e := range d.Block {
			if err := g.add(e, i == 0); err != nil {
				return nil, err
			}
		}
		g.index()
		geos[name[1:]] = g
	}
	return geos, nil
}

// add reads one line of a geo block.
func (g *geoDef) add(e *nginx.Directive, first bool) error {
	switch {
	case len(e.Args) == 0 && e.Name == "ranges":
		if !first {
			return fmt.Errorf("%s: the \"ranges\" directive must be the first directive inside \"geo\" block", e.Pos)
		}
		g.ranges, g.low = true, map[uint16][]geoRange{}
		return nil
	case len(e.Args) == 0 && e.Name == "proxy_recursive":
		g.proxyRecursive = true
		return nil
	case len(e.Args) != 1:
		return fmt.Errorf("%s: invalid number of the geo parameters", e.Pos)
	case e.Name == "include":
		return nil // its lines follow it in the block
	case e.Name == "proxy":
		p, ok := geoNet(e.Arg(0))
		if !ok {
			return fmt.Errorf("%s: invalid network \"%s\"", e.Pos, e.Arg(0))
		}
		if g.proxies == nil {
			g.proxies = &realIPConf{}
		}
		g.proxies.from = append(g.proxies.from, p)
		return nil
	case e.Name == "default":
		g.def = e.Arg(0)
		if !g.ranges {
			g.nets[netip.PrefixFrom(netip.IPv4Unspecified(), 0)] = e.Arg(0)
			g.nets[netip.PrefixFrom(netip.IPv6Unspecified(), 0)] = e.Arg(0)
		}
		return nil
	}
	net, value, del := e.Name, e.Arg(0), false
	if e.Name == "delete" {
		net, del = e.Arg(0), true
	}
	if g.ranges {
		from, to, ok := strings.Cut(net, "-")
		a, err1 := netip.ParseAddr(from)
		b, err2 := netip.ParseAddr(to)
		// ngx_inet_addr gives INADDR_NONE for 255.255.255.255: refused.
		if !ok || err1 != nil || err2 != nil || !a.Is4() || !b.Is4() || b.Less(a) || a == broadcast || b == broadcast {
			return fmt.Errorf("%s: invalid range \"%s\"", e.Pos, net)
		}
		start, end := ipv4Uint(a), ipv4Uint(b)
		if del {
			g.deleteRange(start, end)
			return nil
		}
		return g.addRange(e, start, end, value)
	}
	p, ok := geoNet(net)
	if !ok {
		return fmt.Errorf("%s: invalid network \"%s\"", e.Pos, net)
	}
	if del {
		delete(g.nets, p)
		return nil
	}
	g.nets[p] = value
	return nil
}

// geoNet is ngx_http_geo_cidr_value: an address or address/bits, the low
// bits dropped.
func geoNet(s string) (netip.Prefix, bool) {
	if p, err := netip.ParsePrefix(s); err == nil && p.Addr().Zone() == "" {
		// An IPv4-mapped IPv6 network stays IPv6, as in nginx, where no
		// lookup reaches it (a mapped address is looked up as IPv4).
		return p.Masked(), true
	}
	if a, err := netip.ParseAddr(s); err == nil && a.Zone() == "" {
		return netip.PrefixFrom(a, a.BitLen()), true
	}
	return netip.Prefix{}, false
}

func ipv4Uint(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

// index lists the prefix lengths in use, longest first.
func (g *geoDef) index() {
	seen4, seen6 := map[int]bool{}, map[int]bool{}
	for p := range g.nets {
		if p.Addr().Is4() {
			seen4[p.Bits()] = true
		} else {
			seen6[p.Bits()] = true
		}
	}
	for b := range seen4 {
		g.bits4 = append(g.bits4, b)
	}
	for b := range seen6 {
		g.bits6 = append(g.bits6, b)
	}
	sort.Sort(sort.Reverse(sort.IntSlice(g.bits4)))
	sort.Sort(sort.Reverse(sort.IntSlice(g.bits6)))
}

// addRange is ngx_http_geo_add_range: within each /16 the new range goes
// between the others, or splits the one it lies in; one that overlaps
// another any other way is refused.
func (g *geoDef) addRange(e *nginx.Directive, start, end uint32, value string) error {
	for n := uint64(start); n <= uint64(end); n = (n + 0x10000) &^ 0xffff {
		h := uint16(n >> 16)
		s, last := uint16(0), uint16(0xffff)
		if n == uint64(start) {
			s = uint16(n)
		}
		if n|0xffff > uint64(end) {
			last = uint16(end)
		}
		rs := g.low[h]
		placed := false
		for i := len(rs) - 1; i >= 0 && !placed; i-- {
			r := rs[i]
			switch {
			case last < r.s:
				continue
			case s > r.e:
				rs = append(rs[:i+1], append([]geoRange{{s, last, value}}, rs[i+1:]...)...)
			case s == r.s && last == r.e:
				rs[i].value = value
			case s > r.s && last < r.e:
				rs = append(rs[:i+1], append([]geoRange{{s, last, value}, {last + 1, r.e, r.value}}, rs[i+1:]...)...)
				rs[i].e = s - 1
			case s == r.s && last < r.e:
				rs = append(rs[:i], append([]geoRange{{s, last, value}}, rs[i:]...)...)
				rs[i+1].s = last + 1
			case s > r.s && last == r.e:
				rs = append(rs[:i+1], append([]geoRange{{s, last, value}}, rs[i+1:]...)...)
				rs[i].e = s - 1
			default:
				return fmt.Errorf("%s: range \"%s\" overlaps \"%d.%d.%d.%d-%d.%d.%d.%d\"", e.Pos, e.Name,
					h>>8, h&0xff, r.s>>8, r.s&0xff, h>>8, h&0xff, r.e>>8, r.e&0xff)
			}
			placed = true
		}
		if !placed {
			rs = append([]geoRange{{s, last, value}}, rs...)
		}
		g.low[h] = rs
	}
	return nil
}

// deleteRange is ngx_http_geo_delete_range: within each /16, a part equal
// to the range's goes.
func (g *geoDef) deleteRange(start, end uint32) {
	for n := uint64(start); n <= uint64(end); n = (n + 0x10000) &^ 0xffff {
		h := uint16(n >> 16)
		s, last := uint16(0), uint16(0xffff)
		if n == uint64(start) {
			s = uint16(n)
		}
		if n|0xffff > uint64(end) {
			last = uint16(end)
		}
		rs := g.low[h]
		for i, r := range rs {
			if r.s == s && r.e == last {
				g.low[h] = append(rs[:i:i], rs[i+1:]...)
				break
			}
		}
	}
}

// geoValue is $name of geo g for rq.
func (h *Handler) geoValue(rq *request, g *geoDef) string {
	none := broadcast
	addr := none
	var text string
	if g.source == "" {
		text = remoteAddr(rq.r)
	} else {
		text = h.expand(rq, g.source)
	}
	if a, err := netip.ParseAddr(text); err == nil && a.Zone() == "" {
		addr = a.Unmap()
		if g.proxies != nil && g.proxies.trusts(addr) {
			if xff := strings.Join(rq.r.Header.Values("X-Forwarded-For"), ", "); xff != "" {
				if fa, _, ok := forwardedAddr(xff, g.proxies, g.proxyRecursive); ok {
					addr = fa
				}
			}
		}
	}
	if g.ranges {
		if !addr.Is4() {
			addr = none
		}
		n := ipv4Uint(addr)
		for _, r := range g.low[uint16(n>>16)] {
			if uint16(n) >= r.s && uint16(n) <= r.e {
				return r.value
			}
		}
		return g.def
	}
	bits := g.bits4
	if !addr.Is4() {
		bits = g.bits6
	}
	for _, b := range bits {
		p, _ := addr.Prefix(b)
		if v, ok := g.nets[p]; ok {
			return v
		}
	}
	return ""
}
