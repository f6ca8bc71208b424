//go:build unix

package proxy

import (
	"bytes"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/xaccel/xaccel/nginx"
	"github.com/xaccel/xaccel/proxy/internal/http1"
)

// tlsConn is what serve learns of one TLS handshake, for the $ssl_*
// variables and ssl_verify_client: the client's offer, the session's id,
// and how the client's certificate checked out against the certificate
// authorities of the server the SNI name chose.
type tlsConn struct {
	serverName string
	ciphers    []uint16
	curves     []tls.CurveID
	// sessionID is new at each handshake, resumed or not, as OpenSSL's
	// for nginx; tickets says the server issues session tickets, which
	// leaves a full TLSv1.2 handshake without an id.
	sessionID []byte
	tickets   bool
	// verify is the OpenSSL verify result (X509_V_OK: 0) and verifyText
	// its X509_verify_cert_error_string; meaningful with a peer
	// certificate.
	verify     int
	verifyText string
}

// tlsConnOf is the tlsConn of the connection r came on (nil: plain HTTP).
func tlsConnOf(r *http.Request) *tlsConn {
	ci := http1.Conn(r)
	if ci == nil {
		return nil
	}
	tc, _ := ci.TLS.(*tlsConn)
	return tc
}

// Handshaken gives the tlsConn the handshake on conn recorded (see
// http1.TLSSites).
func (v *vhosts) Handshaken(conn net.Conn) any {
	tc, _ := v.pending.LoadAndDelete(conn)
	return tc
}

// ssl_verify_client modes.
const (
	verifyOff = iota
	verifyOn
	verifyOptional
	verifyOptionalNoCA
)

// The OpenSSL verify results serve gives, with OpenSSL 3's texts.
const (
	x509OK                     = 0
	x509UnableToGetIssuer      = 2
	x509SignatureFailure       = 7
	x509NotYetValid            = 9
	x509Expired                = 10
	x509DepthZeroSelfSigned    = 18
	x509SelfSignedInChain      = 19
	x509UnableToGetIssuerLocal = 20
	x509UnableToVerifyLeaf     = 21
	x509ChainTooLong           = 22
	x509InvalidPurpose         = 26
)

var x509Texts = map[int]string{
	x509OK:                     "ok",
	x509SignatureFailure:       "certificate signature failure",
	x509NotYetValid:            "certificate is not yet valid",
	x509Expired:                "certificate has expired",
	x509DepthZeroSelfSigned:    "self-signed certificate",
	x509SelfSignedInChain:      "self-signed certificate in certificate chain",
	x509UnableToGetIssuerLocal: "unable to get local issuer certificate",
	x509ChainTooLong:           "certificate chain too long",
	x509UnableToVerifyLeaf:     "unable to verify the first certificate",
	x509InvalidPurpose:         "unsuitable certificate purpose",
}

// verifyOptionalError is ngx_ssl_verify_error_optional: the results
// `ssl_verify_client optional_no_ca` lets through (the issuer is not
// known).
func verifyOptionalError(code int) bool {
	switch code {
	case x509DepthZeroSelfSigned, x509SelfSignedInChain, x509UnableToGetIssuer,
		x509UnableToGetIssuerLocal, x509UnableToVerifyLeaf:
		return true
	}
	return false
}

// verifyChain checks a client's certificate chain as OpenSSL does for
// nginx, whose verify callback lets the check go on after an error so that
// the last error found is the result: the issuer first (against roots,
// from ssl_client_certificate and ssl_trusted_certificate, with the
// client's other certificates as intermediates), the purpose (TLS client),
// the chain's length against ssl_verify_depth, then the validity dates.
func verifyChain(chain []*x509.Certificate, roots *x509.CertPool, depth int, now time.Time) int {
	leaf := chain[0]
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	if roots == nil {
		roots = x509.NewCertPool()
	}
	// The dates are judged below, after the chain: verify within the
	// leaf's validity.
	at := leaf.NotBefore.Add(leaf.NotAfter.Sub(leaf.NotBefore) / 2)
	code := x509OK
	chains, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: at,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	var unknown x509.UnknownAuthorityError
	var invalid x509.CertificateInvalidError
	switch {
	case err == nil:
		shortest := len(chains[0])
		for _, c := range chains {
			shortest = min(shortest, len(c))
		}
		// The depth counts neither the client's certificate nor the
		// trust anchor (OpenSSL 1.1.0 and later).
		if shortest-2 > depth {
			code = x509ChainTooLong
		}
	case errors.As(err, &unknown):
		// The chain OpenSSL builds from the client's certificates: its
		// top is self-signed, or has no issuer among them.
		built := untrustedChain(chain)
		top := built[len(built)-1]
		switch {
		case len(built) == 1 && selfSigned(leaf):
			code = x509DepthZeroSelfSigned
		case len(built) == 1:
			code = x509UnableToVerifyLeaf
		case selfSigned(top):
			code = x509SelfSignedInChain
		default:
			code = x509UnableToGetIssuerLocal
		}
	case errors.As(err, &invalid) && invalid.Reason == x509.IncompatibleUsage:
		code = x509InvalidPurpose
	default:
		code = x509SignatureFailure
	}
	for _, c := range chain {
		switch {
		case now.Before(c.NotBefore):
			code = x509NotYetValid
		case now.After(c.NotAfter):
			code = x509Expired
		}
	}
	return code
}

// untrustedChain is chain[0] followed by its issuers among the rest of
// chain, as far as they go.
func untrustedChain(chain []*x509.Certificate) []*x509.Certificate {
	built := chain[:1:1]
	for len(built) <= len(chain) {
		cur := built[len(built)-1]
		if selfSigned(cur) {
			break
		}
		var next *x509.Certificate
		for _, c := range chain[1:] {
			if bytes.Equal(c.RawSubject, cur.RawIssuer) && cur.CheckSignatureFrom(c) == nil {
				next = c
				break
			}
		}
		if next == nil {
			break
		}
		built = append(built, next)
	}
	return built
}

func selfSigned(c *x509.Certificate) bool {
	return bytes.Equal(c.RawIssuer, c.RawSubject) && c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) == nil
}

// clientVerify reads ssl_verify_client and what goes with it for server
// s: the mode, the certificate authorities (ssl_client_certificate and
// ssl_trusted_certificate, relative paths from the prefix) and
// ssl_verify_depth (1 by default). Revocation checks (ssl_crl, ssl_ocsp)
// are refused: serve would accept a certificate nginx rejects.
func clientVerify(s *nginx.Server, prefix string, st *serverTLS) error {
	d := effective(s, "ssl_verify_client")
	if d == nil || d.Arg(0) == "off" {
		return nil
	}
	switch d.Arg(0) {
	case "on":
		st.verify = verifyOn
	case "optional":
		st.verify = verifyOptional
	case "optional_no_ca":
		st.verify = verifyOptionalNoCA
	default:
		return fmt.Errorf("%s: invalid value \"%s\" in \"ssl_verify_client\" directive, it must be \"on\", \"off\", \"optional\" or \"optional_no_ca\"", d.Pos, d.Arg(0))
	}
	for _, name := range []string{"ssl_crl", "ssl_ocsp"} {
		if c := effective(s, name); c != nil && c.Arg(0) != "off" {
			return fmt.Errorf("%s: %s: serve does not check whether a client's certificate is revoked, so it would answer clients nginx refuses; remove it for development", c.Pos, name)
		}
	}
	st.verifyDepth = 1
	if vd := effective(s, "ssl_verify_depth"); vd != nil {
		n, ok := parseNonNegative(vd.Arg(0))
		if !ok {
			return fmt.Errorf("%s: invalid value \"%s\" in \"ssl_verify_depth\" directive", vd.Pos, vd.Arg(0))
		}
		st.verifyDepth = n
	}
	cas := effective(s, "ssl_client_certificate")
	if cas == nil && st.verify != verifyOptionalNoCA {
		return fmt.Errorf("%s: no ssl_client_certificate for ssl_verify_client (nginx refuses to start so)", d.Pos)
	}
	for _, name := range []string{"ssl_client_certificate", "ssl_trusted_certificate"} {
		c := effective(s, name)
		if c == nil {
			continue
		}
		p := c.Arg(0)
		if !filepath.IsAbs(p) {
			p = filepath.Join(prefix, p)
		}
		pem, err := os.ReadFile(p)
		if err != nil {
			return fmt.Errorf("%s: %s %s cannot be read (%v)", c.Pos, name, c.Arg(0), unwrapPathError(err))
		}
		if st.clientCAs == nil {
			st.clientCAs = x509.NewCertPool()
		}
		if !st.clientCAs.AppendCertsFromPEM(pem) {
			return fmt.Errorf("%s: %s %s holds no certificate", c.Pos, name, c.Arg(0))
		}
	}
	return nil
}

func parseNonNegative(s string) (int, bool) {
	n := 0
	if s == "" || len(s) > 9 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

// sessions reads ssl_session_tickets, ssl_session_cache and
// ssl_session_timeout for server s. nginx resumes a session from a ticket
// (tickets on, the default) or from its session cache (shared or builtin);
// serve resumes both the same way, with tickets encrypted by a key of the
// server's own made at start-up, as nginx makes one per server without
// ssl_session_ticket_key, so that a session resumes only on the server
// that made it, within the timeout (5m by default).
func sessions(s *nginx.Server, st *serverTLS) error {
	tickets := true
	if d := effective(s, "ssl_session_tickets"); d != nil && d.Arg(0) == "off" {
		tickets = false
	}
	cache := false
	if d := effective(s, "ssl_session_cache"); d != nil {
		for _, a := range d.Args {
			if a != "off" && a != "none" {
				cache = true
			}
		}
	}
	st.tickets, st.resume = tickets, tickets || cache
	st.sessionTimeout = 5 * time.Minute
	if d := effective(s, "ssl_session_timeout"); d != nil {
		t, ok := parseTime(d.Arg(0))
		if !ok {
			return fmt.Errorf("%s: invalid value \"%s\" in \"ssl_session_timeout\" directive", d.Pos, d.Arg(0))
		}
		st.sessionTimeout = t
	}
	if _, err := rand.Read(st.ticketKey[:]); err != nil {
		return err
	}
	return nil
}

// sessionExtraTag starts serve's entry in a session's Extra: the time the
// session began follows.
var sessionExtraTag = []byte("xaccel-session-1")

// handshakeConfig is the configuration of one handshake on server st
// (base is its configuration): it records the session and the client's
// certificate check in tc.
func handshakeConfig(base *tls.Config, st *serverTLS, tc *tlsConn) *tls.Config {
	c := base.Clone()
	created := time.Now()
	if st.verify != verifyOff {
		c.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) > 0 {
				tc.verify = verifyChain(cs.PeerCertificates, st.clientCAs, st.verifyDepth, time.Now())
				tc.verifyText = x509Texts[tc.verify]
			}
			return nil
		}
	}
	if !st.resume {
		c.SessionTicketsDisabled = true
		return c
	}
	c.WrapSession = func(cs tls.ConnectionState, ss *tls.SessionState) ([]byte, error) {
		ss.Extra = slices.DeleteFunc(ss.Extra, func(e []byte) bool { return bytes.HasPrefix(e, sessionExtraTag) })
		ss.Extra = append(ss.Extra, binary.BigEndian.AppendUint64(slices.Clip(sessionExtraTag), uint64(created.UnixNano())))
		return c.EncryptTicket(cs, ss)
	}
	c.UnwrapSession = func(identity []byte, cs tls.ConnectionState) (*tls.SessionState, error) {
		ss, err := c.DecryptTicket(identity, cs)
		if err != nil || ss == nil {
			return nil, nil
		}
		for _, e := range ss.Extra {
			rest, ok := bytes.CutPrefix(e, sessionExtraTag)
			if !ok || len(rest) != 8 {
				continue
			}
			began := time.Unix(0, int64(binary.BigEndian.Uint64(rest)))
			if time.Since(began) > st.sessionTimeout {
				return nil, nil
			}
			created = began
			return ss, nil
		}
		return nil, nil
	}
	return c
}

// clientCertStatus is what ngx_http_process_request answers a request on
// a TLS connection to a server with ssl_verify_client: 495 when the
// client's certificate did not check out (but for an unknown issuer with
// optional_no_ca), 496 when `on` and the client sent none; 0 lets the
// request in.
func (h *Handler) clientCertStatus(r *http.Request) int {
	if r.TLS == nil || h.tls == nil || h.tls.verify == verifyOff {
		return 0
	}
	tc := tlsConnOf(r)
	if tc == nil {
		return 0
	}
	if len(r.TLS.PeerCertificates) > 0 && tc.verify != x509OK &&
		(h.tls.verify != verifyOptionalNoCA || !verifyOptionalError(tc.verify)) {
		return http1.StatusCertError
	}
	if h.tls.verify == verifyOn && len(r.TLS.PeerCertificates) == 0 {
		return http1.StatusNoCert
	}
	return 0
}
