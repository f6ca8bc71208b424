//go:build unix

package proxy

// proxy_pass https://: TLS to the app as nginx 1.22 speaks it by default
// (no SNI, no verification, TLSv1 to TLSv1.2, sessions reused) and as the
// proxy_ssl_* directives change that.

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/xaccel/xaccel/nginx"
)

// proxySSL is the proxy_ssl_* settings of a location.
type proxySSL struct {
	serverName bool   // proxy_ssl_server_name: send SNI
	name       string // proxy_ssl_name ("": the proxy_pass URL's host)
	verify     bool   // proxy_ssl_verify
	depth      int    // proxy_ssl_verify_depth: intermediate CAs allowed
	roots      *x509.CertPool
	minV, maxV uint16
	certs      []tls.Certificate // proxy_ssl_certificate and _key
	reuse      bool              // proxy_ssl_session_reuse
}

// tlsVersions are nginx's protocol names.
var tlsVersions = map[string]uint16{"TLSv1": tls.VersionTLS10, "TLSv1.1": tls.VersionTLS11, "TLSv1.2": tls.VersionTLS12, "TLSv1.3": tls.VersionTLS13}

// newProxySSL reads the proxy_ssl_* settings at levels; files are read
// from prefix when relative. With proxy_ssl_session_reuse (on by default)
// sessions go to and come from sessions, which every location shares: as
// nginx keeps the last session of each server of an upstream, and an
// implicit upstream serves every proxy_pass naming the same address, a
// session made by one location is resumed by another (and then no client
// certificate goes). A file that cannot be read, or a protocol nginx does
// not know, is an error with its position.
func newProxySSL(levels []*nginx.Directive, prefix string) (*proxySSL, error) {
	p := &proxySSL{serverName: flagOn(levels, "proxy_ssl_server_name"), verify: flagOn(levels, "proxy_ssl_verify"),
		minV: tls.VersionTLS10, maxV: tls.VersionTLS12, depth: 1}
	if d := nearest(levels, "proxy_ssl_verify_depth"); d != nil {
		n, err := strconv.Atoi(d.Arg(0))
		if err != nil || n < 0 {
			return nil, fmt.Errorf("%s: invalid value \"%s\" in \"proxy_ssl_verify_depth\"", d.Pos, d.Arg(0))
		}
		p.depth = n
	}
	if d := nearest(levels, "proxy_ssl_name"); d != nil {
		p.name = d.Arg(0)
	}
	if d := nearest(levels, "proxy_ssl_protocols"); d != nil {
		p.minV, p.maxV = 0, 0
		for _, a := range d.Args {
			v, ok := tlsVersions[a]
			if !ok {
				if a == "SSLv2" || a == "SSLv3" {
					continue // no longer spoken by anyone
				}
				return nil, fmt.Errorf("%s: invalid value \"%s\" in \"proxy_ssl_protocols\"", d.Pos, a)
			}
			if p.minV == 0 || v < p.minV {
				p.minV = v
			}
			p.maxV = max(p.maxV, v)
		}
	}
	p.reuse = !flagOff(levels, "proxy_ssl_session_reuse")
	file := func(d *nginx.Directive) string {
		f := d.Arg(0)
		if !filepath.IsAbs(f) {
			f = filepath.Join(prefix, f)
		}
		return f
	}
	if d := nearest(levels, "proxy_ssl_trusted_certificate"); d != nil && p.verify {
		b, err := os.ReadFile(file(d))
		if err != nil {
			return nil, fmt.Errorf("%s: proxy_ssl_trusted_certificate: %w", d.Pos, err)
		}
		p.roots = x509.NewCertPool()
		if !p.roots.AppendCertsFromPEM(b) {
			return nil, fmt.Errorf("%s: proxy_ssl_trusted_certificate %s holds no certificate", d.Pos, file(d))
		}
	}
	if c, k := nearest(levels, "proxy_ssl_certificate"), nearest(levels, "proxy_ssl_certificate_key"); c != nil {
		if k == nil {
			return nil, fmt.Errorf("%s: no \"proxy_ssl_certificate_key\" is defined for certificate \"%s\"", c.Pos, c.Arg(0))
		}
		if strings.Contains(c.Arg(0), "$") || strings.Contains(k.Arg(0), "$") {
			return nil, fmt.Errorf("%s: a proxy_ssl_certificate with variables is not emulated", c.Pos)
		}
		cert, err := tls.LoadX509KeyPair(file(c), file(k))
		if err != nil {
			return nil, fmt.Errorf("%s: proxy_ssl_certificate: %w", c.Pos, err)
		}
		p.certs = []tls.Certificate{cert}
	}
	return p, nil
}

// upstreamSessions are the TLS sessions of the upstream servers, as nginx
// keeps them: the last one each server (of an upstream block, or an
// address) gave, with the name it was made for (SNI); one whose handshake
// failed later stays.
type upstreamSessions struct {
	mu sync.Mutex
	m  map[string]upstreamSession
}

type upstreamSession struct {
	sni string
	cs  *tls.ClientSessionState
}

// peerSessions is the sessions of one server for connections that send
// sni: OpenSSL offers a session only to the name it was made for.
type peerSessions struct {
	s         *upstreamSessions
	peer, sni string
}

func (p peerSessions) Get(string) (*tls.ClientSessionState, bool) {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	e, ok := p.s.m[p.peer]
	if !ok || e.sni != p.sni {
		return nil, false
	}
	return e.cs, true
}

func (p peerSessions) Put(_ string, cs *tls.ClientSessionState) {
	if cs == nil {
		return // nginx keeps a server's session when a handshake fails
	}
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	if p.s.m == nil {
		p.s.m = map[string]upstreamSession{}
	}
	p.s.m[p.peer] = upstreamSession{p.sni, cs}
}

// forPeer is c for the upstream server peer, its sessions kept in s.
func forPeer(c *tls.Config, s *upstreamSessions, peer string) *tls.Config {
	if c.ClientSessionCache == nil {
		return c
	}
	sni := c.ServerName
	if net.ParseIP(sni) != nil {
		sni = "" // an address is never sent as SNI
	}
	c = c.Clone()
	c.ClientSessionCache = peerSessions{s, peer, sni}
	return c
}

// config is the TLS client configuration for an app whose proxy_pass host
// is host: SNI only with proxy_ssl_server_name, the certificate checked
// against proxy_ssl_trusted_certificate and the name only with
// proxy_ssl_verify (the name is proxy_ssl_name, else host).
func (p *proxySSL) config(host string) *tls.Config {
	name := p.name
	if name == "" {
		name = host
		if h, _, ok := strings.Cut(name, ":"); ok && !strings.HasPrefix(name, "[") {
			name = h
		}
	}
	c := &tls.Config{MinVersion: p.minV, MaxVersion: p.maxV, Certificates: p.certs,
		InsecureSkipVerify: true} // verified below, apart from the name sent
	if p.reuse {
		c.ClientSessionCache = noSessions{} // replaced by forPeer
	}
	if p.serverName {
		c.ServerName = name
	}
	if p.verify {
		roots, depth := p.roots, p.depth
		c.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("no certificate")
			}
			inter := x509.NewCertPool()
			for _, ic := range cs.PeerCertificates[1:] {
				inter.AddCert(ic)
			}
			chains, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, DNSName: name})
			if err != nil {
				return err
			}
			for _, ch := range chains {
				if len(ch)-2 <= depth { // OpenSSL's depth: the intermediate CAs, the trusted one aside
					return nil
				}
			}
			return fmt.Errorf("certificate chain too long for proxy_ssl_verify_depth %d", depth)
		}
	}
	return c
}

// noSessions stands for the sessions forPeer gives each server.
type noSessions struct{}

func (noSessions) Get(string) (*tls.ClientSessionState, bool) { return nil, false }
func (noSessions) Put(string, *tls.ClientSessionState)        {}
