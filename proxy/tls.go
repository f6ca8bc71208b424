//go:build unix

package proxy

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/xaccel/xaccel/nginx"
)

// TLSOptions say how serve speaks TLS where nginx does (a listen with ssl,
// or `ssl on` in the default server of an address).
type TLSOptions struct {
	// DevCert replaces a certificate or key that cannot be read with a
	// generated self-signed certificate for the server's names (kept in
	// memory); without it such a certificate stops serve, as it stops
	// nginx.
	DevCert bool
	// Prefix is nginx's configuration prefix: relative ssl_certificate
	// and ssl_certificate_key paths are read from there.
	Prefix string
	// Hostname is what `server_name $hostname` names.
	Hostname string
}

// tlsDirectives are the ssl_* directives SetupTLS reads or that change
// nothing a client gets from serve; the handlers do not report them.
var tlsDirectives = map[string]bool{
	"ssl": true, "ssl_certificate": true, "ssl_certificate_key": true, "ssl_protocols": true,
	"ssl_ciphers": true, "ssl_prefer_server_ciphers": true, "ssl_reject_handshake": true,
	"ssl_session_cache": true, "ssl_session_timeout": true, "ssl_session_tickets": true,
	"ssl_session_ticket_key": true, "ssl_dhparam": true, "ssl_ecdh_curve": true,
	"ssl_stapling": true, "ssl_stapling_verify": true, "ssl_stapling_file": true,
	"ssl_stapling_responder": true, "ssl_trusted_certificate": true, "ssl_buffer_size": true,
	"ssl_early_data": true, "ssl_verify_client": true, "ssl_client_certificate": true,
	"ssl_verify_depth": true, "ssl_crl": true, "ssl_ocsp": true, "ssl_ocsp_cache": true,
	"ssl_ocsp_responder": true, "ssl_password_file": true,
}

// nginxDefaultCiphers is ssl_ciphers' default.
const nginxDefaultCiphers = "HIGH:!aNULL:!MD5"

// tlsOn reports whether nginx speaks TLS on g: a listen with ssl, or
// `ssl on` (deprecated, still read by nginx 1.22) in its default server,
// as ngx_http_init_connection decides.
func tlsOn(g *nginx.ListenGroup) bool {
	if g.SSL {
		return true
	}
	if g.Default == nil {
		return false
	}
	d := effective(g.Default, "ssl")
	return d != nil && d.Arg(0) == "on"
}

// effective is the last directive name in effect for server s (its own,
// else the http block's).
func effective(s *nginx.Server, name string) *nginx.Directive {
	ds := nginx.Effective(s.Levels(), name)
	if len(ds) == 0 {
		return nil
	}
	return ds[len(ds)-1]
}

// serverTLS is what one server block says about TLS.
type serverTLS struct {
	srv   *nginx.Server
	certs []tls.Certificate // none (and no dynCerts): the address's default server's
	// dynCerts are ssl_certificate and ssl_certificate_key pairs named
	// with variables, loaded at each handshake (tls_dyncert.go), with
	// the handler whose variables they use; passwords are those of
	// ssl_password_file.
	dynCerts  []certTemplate
	handler   *Handler
	passwords []string
	devCert   *tls.Certificate // --dev-cert's stand-in for dynCerts that do not load
	reject    bool             // ssl_reject_handshake on
	// versions are the TLS versions ssl_protocols allows that serve
	// speaks (1.2 and 1.3).
	versions map[uint16]bool
	// ssl_verify_client (tls_conn.go): the mode, the certificate
	// authorities and ssl_verify_depth.
	verify      int
	clientCAs   *x509.CertPool
	verifyDepth int
	// Sessions (tls_conn.go): whether one resumes, for how long, and the
	// key of the server's tickets.
	resume, tickets bool
	sessionTimeout  time.Duration
	ticketKey       [32]byte
}

// SetupTLS gives every address of the configuration where nginx speaks
// TLS its TLS configuration: each server's certificate (chosen by the
// client's SNI among the servers of the address, as nginx's servername
// callback does, the default server's without a match), its ssl_protocols,
// and ALPN http/1.1 only. It returns what to announce at start-up (the
// generated certificates) and warnings; the error is a configuration
// nginx would not start with, or one serve cannot speak.
func (f *Front) SetupTLS(o TLSOptions) (notes, warns []string, err error) {
	if f.listens == nil {
		return nil, nil, nil
	}
	done := map[*nginx.Server]*serverTLS{}
	var cipherWarned bool
	for _, g := range f.listens.Groups {
		if !tlsOn(g) {
			continue
		}
		v := f.groups[g]
		for _, s := range g.Servers {
			st := done[s]
			if st == nil {
				st, err = loadServerTLS(s, o, &notes, &warns)
				if err != nil {
					return nil, nil, err
				}
				done[s] = st
				if d := effective(s, "ssl_ciphers"); d != nil && d.Arg(0) != nginxDefaultCiphers && !cipherWarned {
					cipherWarned = true
					warns = append(warns, fmt.Sprintf("%s: ssl_ciphers %s: serve's TLS (Go's) chooses its own cipher suites, which may differ from those OpenSSL takes from this list", d.Pos, d.Arg(0)))
				}
			}
		}
		def := done[g.Default]
		if !def.hasCerts() && !def.reject {
			return nil, nil, fmt.Errorf("%s: no \"ssl_certificate\" is defined for server in %s (nginx refuses to start so): give the server ssl_certificate and ssl_certificate_key", g.Default.Dir.Pos, g)
		}
		for _, s := range g.Servers {
			if h := v.by[s]; h != nil {
				h.tls = done[s]
				done[s].handler = h
			}
		}
		if def.handler == nil {
			def.handler = v.def
		}
		v.tls = v.buildTLSConfig(g, def, done)
		if v.def != nil && v.def.tls == nil {
			v.def.tls = def
		}
		if g.HTTP2 {
			warns = append(warns, fmt.Sprintf("%s: listen %s has http2: serve speaks HTTP/1.1 only, so it offers only http/1.1 by ALPN (a client that offers only h2 is refused)", firstListen(g, func(l *nginx.Listen) bool { return l.HTTP2 }).Pos(), g))
		}
	}
	return notes, warns, nil
}

func firstListen(g *nginx.ListenGroup, has func(*nginx.Listen) bool) *nginx.Listen {
	for _, l := range g.Listens {
		if has(l) {
			return l
		}
	}
	return g.Listens[0]
}

// buildTLSConfig is the TLS configuration of address g: the SNI name picks
// the server as the request's host does, a server without certificate
// presents the default server's, and the TLS versions are those both the
// default server and the chosen one allow (nginx negotiates with the
// default server's context, then switches to the chosen server's).
//
// Each handshake gets a copy of its server's configuration
// (handshakeConfig) that records what the $ssl_* variables and
// ssl_verify_client need; v keeps it until the handshake ends
// (Handshaken).
func (v *vhosts) buildTLSConfig(g *nginx.ListenGroup, def *serverTLS, all map[*nginx.Server]*serverTLS) *tls.Config {
	configs := map[*nginx.Server]*tls.Config{}
	for _, s := range g.Servers {
		st := all[s]
		certs := st.certs
		if !st.hasCerts() {
			certs = def.certs
		}
		c := &tls.Config{Certificates: certs, NextProtos: []string{"http/1.1", "http/1.0"}}
		if dyn := st.certSource(def); len(dyn.dynCerts) > 0 {
			c.Certificates = nil
			c.GetCertificate = dyn.dynamicCertificate
		}
		c.MinVersion, c.MaxVersion = versionRange(def.versions, st.versions)
		if st.verify != verifyOff {
			// nginx asks for a certificate and judges it itself (its
			// verify callback accepts any), then answers 495 or 496.
			c.ClientAuth = tls.RequestClientCert
			c.ClientCAs = st.clientCAs
		}
		c.SetSessionTicketKeys([][32]byte{st.ticketKey})
		configs[s] = c
	}
	return &tls.Config{
		NextProtos: []string{"http/1.1", "http/1.0"},
		GetConfigForClient: func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
			s, _ := g.Pick(serverName(hello.ServerName))
			st := all[s]
			if st == nil {
				s, st = g.Default, def
			}
			if st.reject || !st.hasCerts() && def.reject {
				return nil, errors.New("ssl_reject_handshake")
			}
			tc := &tlsConn{serverName: hello.ServerName, ciphers: slices.Clone(hello.CipherSuites),
				curves: slices.Clone(hello.SupportedCurves), sessionID: make([]byte, 32), tickets: st.tickets}
			if _, err := rand.Read(tc.sessionID); err != nil {
				return nil, err
			}
			v.pending.Store(hello.Conn, tc)
			return handshakeConfig(configs[s], st, tc), nil
		},
	}
}

// versionRange is the TLS versions allowed by both a and b, as Go's
// minimum and maximum (an empty intersection gives a minimum above the
// maximum: every handshake fails).
func versionRange(a, b map[uint16]bool) (lo, hi uint16) {
	lo, hi = tls.VersionTLS13+1, tls.VersionTLS12-1
	for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		if a[v] && b[v] {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	if lo > hi {
		return tls.VersionTLS13, tls.VersionTLS12
	}
	return lo, hi
}

// loadServerTLS reads the TLS settings of server s.
func loadServerTLS(s *nginx.Server, o TLSOptions, notes, warns *[]string) (*serverTLS, error) {
	// ssl_protocols' default in nginx 1.22 is TLSv1 TLSv1.1 TLSv1.2
	// (TLSv1.3 joined it in 1.23.4): of those serve speaks TLSv1.2.
	st := &serverTLS{srv: s, versions: map[uint16]bool{tls.VersionTLS12: true}}
	if d := effective(s, "ssl_reject_handshake"); d != nil && d.Arg(0) == "on" {
		st.reject = true
	}
	if err := clientVerify(s, o.Prefix, st); err != nil {
		return nil, err
	}
	if err := sessions(s, st); err != nil {
		return nil, err
	}
	if d := effective(s, "ssl_protocols"); d != nil {
		st.versions = map[uint16]bool{}
		for _, a := range d.Args {
			switch a {
			case "TLSv1.2":
				st.versions[tls.VersionTLS12] = true
			case "TLSv1.3":
				st.versions[tls.VersionTLS13] = true
			case "SSLv2", "SSLv3", "TLSv1", "TLSv1.1":
				// Refused by serve, as by current OpenSSL builds at
				// their default security level.
			default:
				return nil, fmt.Errorf("%s: invalid value \"%s\" in \"ssl_protocols\" directive", d.Pos, a)
			}
		}
		if len(st.versions) == 0 {
			return nil, fmt.Errorf("%s: ssl_protocols %s allows no TLS version serve speaks (TLSv1.2, TLSv1.3)", d.Pos, strings.Join(d.Args, " "))
		}
	}
	if d := effective(s, "ssl_password_file"); d != nil {
		pw, err := readPasswords(d.Arg(0), o.Prefix)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", d.Pos, err)
		}
		st.passwords = pw
	}
	certs := nginx.Effective(s.Levels(), "ssl_certificate")
	keys := nginx.Effective(s.Levels(), "ssl_certificate_key")
	devAdded := false // one generated certificate stands for those not read
	for i, cd := range certs {
		if i >= len(keys) {
			return nil, fmt.Errorf("%s: no \"ssl_certificate_key\" is defined for certificate \"%s\"", cd.Pos, cd.Arg(0))
		}
		kd := keys[i]
		if strings.Contains(cd.Arg(0), "$") || strings.Contains(kd.Arg(0), "$") {
			// nginx loads it at each handshake (1.15.9 and later).
			st.dynCerts = append(st.dynCerts, certTemplate{cert: cd.Arg(0), key: kd.Arg(0), prefix: o.Prefix})
			continue
		}
		cert, err := loadPair(cd.Arg(0), kd.Arg(0), o.Prefix, st.passwords)
		if err == nil {
			st.certs = append(st.certs, cert)
			continue
		}
		if !o.DevCert {
			return nil, fmt.Errorf("%s: %v; give --dev-cert to serve with a generated development certificate instead", cd.Pos, err)
		}
		if devAdded {
			continue
		}
		devAdded = true
		dev, names, err := devCertificate(s, o.Hostname)
		if err != nil {
			return nil, err
		}
		st.certs = append(st.certs, dev)
		*notes = append(*notes, fmt.Sprintf("%s: %v: server %s is served with a generated development certificate (self-signed ECDSA P-256 for %s), SHA-256 %s; browsers will warn that it is not trusted",
			cd.Pos, err, serverLabel(s), strings.Join(names, ", "), fingerprint(dev.Certificate[0])))
	}
	if len(st.dynCerts) > 0 && o.DevCert {
		dev, names, err := devCertificate(s, o.Hostname)
		if err != nil {
			return nil, err
		}
		st.devCert = &dev
		*notes = append(*notes, fmt.Sprintf("%s: server %s: a certificate named with variables that cannot be loaded at a handshake is replaced by a generated development certificate (self-signed ECDSA P-256 for %s), SHA-256 %s",
			certs[0].Pos, serverLabel(s), strings.Join(names, ", "), fingerprint(dev.Certificate[0])))
	}
	return st, nil
}

func serverLabel(s *nginx.Server) string {
	if n := s.NameOf(""); n != "" {
		return n
	}
	return fmt.Sprintf("at %s", s.Dir.Pos)
}

// loadPair reads a certificate and its key as nginx does: a path relative
// to the configuration prefix, or data:PEM; an encrypted key is tried with
// each of passwords (ssl_password_file).
func loadPair(cert, key, prefix string, passwords []string) (tls.Certificate, error) {
	read := func(what, v string) ([]byte, error) {
		if rest, ok := strings.CutPrefix(v, "data:"); ok {
			return []byte(rest), nil
		}
		if strings.HasPrefix(v, "engine:") {
			return nil, fmt.Errorf("%s %s is held by an OpenSSL engine, which serve cannot use", what, v)
		}
		p := v
		if !filepath.IsAbs(p) {
			p = filepath.Join(prefix, p)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("%s %s cannot be read (%v)", what, v, unwrapPathError(err))
		}
		return b, nil
	}
	cb, err := read("ssl_certificate", cert)
	if err != nil {
		return tls.Certificate{}, err
	}
	kb, err := read("ssl_certificate_key", key)
	if err != nil {
		return tls.Certificate{}, err
	}
	if kb, err = decryptKey(kb, passwords); err != nil {
		return tls.Certificate{}, fmt.Errorf("ssl_certificate_key %s: %v", key, err)
	}
	c, err := tls.X509KeyPair(cb, kb)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("ssl_certificate %s with key %s cannot be used (%v)", cert, key, err)
	}
	return c, nil
}

func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

var dnsName = regexp.MustCompile(`^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$`)

// devCertificate is a self-signed certificate for the names of s (exact
// names and leading wildcards; .example.com gives example.com and
// *.example.com), localhost, 127.0.0.1 and ::1, valid for 30 days.
func devCertificate(s *nginx.Server, hostname string) (tls.Certificate, []string, error) {
	var names []string
	seen := map[string]bool{}
	add := func(n string) {
		if dnsName.MatchString(n) && !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	for _, n := range s.Names {
		n = strings.ToLower(n)
		switch {
		case n == "$hostname":
			add(strings.ToLower(hostname))
		case strings.HasPrefix(n, "."):
			add(n[1:])
			add("*" + n)
		default:
			add(n)
		}
	}
	add("localhost")
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	cn := names[0]
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: cn, Organization: []string{"xaccel serve development certificate"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(30 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		DNSNames:              names,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, append(names, "127.0.0.1", "::1"), nil
}

// fingerprint is a certificate's SHA-256 as browsers show it.
func fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(parts, ":")
}

// TLSConfig is the TLS configuration of the address (nil: plain HTTP).
func (v *vhosts) TLSConfig() *tls.Config { return v.tls }

// scheme is $scheme: https over TLS.
func scheme(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	return "http"
}
