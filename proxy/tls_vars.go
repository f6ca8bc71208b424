//go:build unix

package proxy

// The $ssl_* variables of ngx_http_ssl_module, from the connection's TLS
// state and what the handshake recorded (tlsConn).

import (
	"crypto/sha1"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// sslVariable is $ssl_<name> for r; ok is false for a name serve does not
// know (it is then empty, as on a plain HTTP connection).
func sslVariable(r *http.Request, name string) (string, bool) {
	cs := r.TLS
	if cs == nil {
		return "", true
	}
	tc := tlsConnOf(r)
	if tc == nil {
		tc = &tlsConn{}
	}
	var leaf *x509.Certificate
	if len(cs.PeerCertificates) > 0 {
		leaf = cs.PeerCertificates[0]
	}
	switch name {
	case "protocol":
		return tlsVersionName(cs.Version), true
	case "cipher":
		return cipherName(cs.CipherSuite), true
	case "ciphers":
		names := make([]string, len(tc.ciphers))
		for i, c := range tc.ciphers {
			names[i] = cipherName(c)
		}
		return strings.Join(names, ":"), true
	case "curve":
		return curveName(cs.CurveID), true
	case "curves":
		names := make([]string, len(tc.curves))
		for i, c := range tc.curves {
			names[i] = curveName(c)
		}
		return strings.Join(names, ":"), true
	case "session_id":
		if cs.Version == tls.VersionTLS12 && tc.tickets && !cs.DidResume {
			return "", true
		}
		return hex.EncodeToString(tc.sessionID), true
	case "session_reused":
		if cs.DidResume {
			return "r", true
		}
		return ".", true
	case "server_name":
		return cs.ServerName, true
	case "alpn_protocol":
		return cs.NegotiatedProtocol, true
	case "early_data":
		return "", true
	case "client_verify":
		switch {
		case leaf == nil:
			return "NONE", true
		case tc.verify == x509OK:
			return "SUCCESS", true
		}
		return "FAILED:" + tc.verifyText, true
	}
	if !strings.HasPrefix(name, "client_") {
		return "", false
	}
	if leaf == nil {
		return "", true
	}
	switch name {
	case "client_s_dn":
		return rfc2253(leaf.Subject.ToRDNSequence()), true
	case "client_i_dn":
		return rfc2253(leaf.Issuer.ToRDNSequence()), true
	case "client_s_dn_legacy":
		return oneline(leaf.Subject.ToRDNSequence()), true
	case "client_i_dn_legacy":
		return oneline(leaf.Issuer.ToRDNSequence()), true
	case "client_serial":
		b := leaf.SerialNumber.Bytes()
		if len(b) == 0 {
			b = []byte{0}
		}
		return strings.ToUpper(hex.EncodeToString(b)), true
	case "client_fingerprint":
		sum := sha1.Sum(leaf.Raw)
		return hex.EncodeToString(sum[:]), true
	case "client_v_start":
		return asn1Time(leaf.NotBefore), true
	case "client_v_end":
		return asn1Time(leaf.NotAfter), true
	case "client_v_remain":
		// ngx_ssl_get_client_v_remain: whole days left, in seconds as
		// nginx counts them, 0 within the last.
		left := leaf.NotAfter.Unix() - time.Now().Unix()
		if left < 86400 {
			return "0", true
		}
		return strconv.FormatInt(left/86400, 10), true
	case "client_raw_cert":
		return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leaf.Raw})), true
	case "client_cert":
		// The deprecated form: a tab after every line break but the last.
		raw := strings.TrimSuffix(string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leaf.Raw})), "\n")
		return strings.ReplaceAll(raw, "\n", "\n\t"), true
	case "client_escaped_cert":
		return escapeComponent(string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leaf.Raw}))), true
	}
	return "", false
}

// tlsVersionName is SSL_get_version's name.
func tlsVersionName(v uint16) string {
	switch v {
	case tls.VersionTLS13:
		return "TLSv1.3"
	case tls.VersionTLS12:
		return "TLSv1.2"
	case tls.VersionTLS11:
		return "TLSv1.1"
	case tls.VersionTLS10:
		return "TLSv1"
	}
	return "unknown"
}

// openSSLCiphers are OpenSSL's names of the cipher suites clients commonly
// offer; another is shown as nginx shows a suite OpenSSL does not know,
// "0x" and its two bytes in hex.
var openSSLCiphers = map[uint16]string{
	0x1301: "TLS_AES_128_GCM_SHA256", 0x1302: "TLS_AES_256_GCM_SHA384",
	0x1303: "TLS_CHACHA20_POLY1305_SHA256", 0x1304: "TLS_AES_128_CCM_SHA256",
	0x1305: "TLS_AES_128_CCM_8_SHA256",
	0xc02b: "ECDHE-ECDSA-AES128-GCM-SHA256", 0xc02c: "ECDHE-ECDSA-AES256-GCM-SHA384",
	0xc02f: "ECDHE-RSA-AES128-GCM-SHA256", 0xc030: "ECDHE-RSA-AES256-GCM-SHA384",
	0xcca9: "ECDHE-ECDSA-CHACHA20-POLY1305", 0xcca8: "ECDHE-RSA-CHACHA20-POLY1305",
	0xccaa: "DHE-RSA-CHACHA20-POLY1305", 0x009e: "DHE-RSA-AES128-GCM-SHA256",
	0x009f: "DHE-RSA-AES256-GCM-SHA384", 0xc023: "ECDHE-ECDSA-AES128-SHA256",
	0xc024: "ECDHE-ECDSA-AES256-SHA384", 0xc027: "ECDHE-RSA-AES128-SHA256",
	0xc028: "ECDHE-RSA-AES256-SHA384", 0x0067: "DHE-RSA-AES128-SHA256",
	0x006b: "DHE-RSA-AES256-SHA256", 0xc009: "ECDHE-ECDSA-AES128-SHA",
	0xc00a: "ECDHE-ECDSA-AES256-SHA", 0xc013: "ECDHE-RSA-AES128-SHA", 0xc014: "ECDHE-RSA-AES256-SHA",
	0x0033: "DHE-RSA-AES128-SHA", 0x0039: "DHE-RSA-AES256-SHA", 0x009c: "AES128-GCM-SHA256",
	0x009d: "AES256-GCM-SHA384", 0x003c: "AES128-SHA256", 0x003d: "AES256-SHA256",
	0x002f: "AES128-SHA", 0x0035: "AES256-SHA", 0x000a: "DES-CBC3-SHA",
	0xc012: "ECDHE-RSA-DES-CBC3-SHA", 0xc008: "ECDHE-ECDSA-DES-CBC3-SHA",
	0x00ff: "TLS_EMPTY_RENEGOTIATION_INFO_SCSV",
}

func cipherName(id uint16) string {
	if n, ok := openSSLCiphers[id]; ok {
		return n
	}
	return fmt.Sprintf("0x%04x", id)
}

// curveName is OpenSSL's name of a group, or "0x" and its number in hex,
// as nginx shows one OpenSSL does not name.
func curveName(id tls.CurveID) string {
	switch id {
	case tls.X25519:
		return "X25519"
	case tls.CurveP256:
		return "prime256v1"
	case tls.CurveP384:
		return "secp384r1"
	case tls.CurveP521:
		return "secp521r1"
	case 0x001e:
		return "X448"
	case 0:
		return ""
	}
	return fmt.Sprintf("0x%04x", uint16(id))
}

// asn1Time is ASN1_TIME_print's form of t: "Dec  6 05:00:00 2026 GMT".
func asn1Time(t time.Time) string { return t.UTC().Format("Jan _2 15:04:05 2006 GMT") }

// attributeNames are OpenSSL's short names of the distinguished name
// attributes certificates commonly carry.
var attributeNames = map[string]string{
	"2.5.4.3": "CN", "2.5.4.6": "C", "2.5.4.7": "L", "2.5.4.8": "ST", "2.5.4.9": "street",
	"2.5.4.10": "O", "2.5.4.11": "OU", "2.5.4.5": "serialNumber", "2.5.4.17": "postalCode",
	"2.5.4.4": "SN", "2.5.4.42": "GN", "2.5.4.12": "title", "2.5.4.46": "dnQualifier",
	"1.2.840.113549.1.9.1": "emailAddress", "0.9.2342.19200300.100.1.25": "DC",
	"0.9.2342.19200300.100.1.1": "UID",
}

func attributeName(t asn1.ObjectIdentifier) string {
	if n, ok := attributeNames[t.String()]; ok {
		return n
	}
	return t.String()
}

// rfc2253 is X509_NAME_print_ex with XN_FLAG_RFC2253, as $ssl_client_s_dn
// gives a name: the last RDN first, joined by ",", multi-valued RDNs by
// "+", RFC 2253 escapes.
func rfc2253(seq pkix.RDNSequence) string {
	var b strings.Builder
	for i := len(seq) - 1; i >= 0; i-- {
		if i != len(seq)-1 {
			b.WriteByte(',')
		}
		for j, a := range seq[i] {
			if j > 0 {
				b.WriteByte('+')
			}
			b.WriteString(attributeName(a.Type))
			b.WriteByte('=')
			b.WriteString(escape2253(fmt.Sprint(a.Value)))
		}
	}
	return b.String()
}

func escape2253(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case strings.IndexByte(",+\"\\<>;", c) >= 0,
			(c == '#' || c == ' ') && i == 0, c == ' ' && i == len(v)-1:
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&b, "\\%02X", c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// oneline is X509_NAME_oneline, as the _legacy variables give a name:
// "/C=../O=../CN=.." in the certificate's order.
func oneline(seq pkix.RDNSequence) string {
	var b strings.Builder
	for _, rdn := range seq {
		for j, a := range rdn {
			if j == 0 {
				b.WriteByte('/')
			} else {
				b.WriteByte('+')
			}
			b.WriteString(attributeName(a.Type))
			b.WriteByte('=')
			v := fmt.Sprint(a.Value)
			for i := 0; i < len(v); i++ {
				if c := v[i]; c < 0x20 || c >= 0x7f {
					fmt.Fprintf(&b, "\\x%02X", c)
				} else {
					b.WriteByte(c)
				}
			}
		}
	}
	return b.String()
}

// escapeComponent is ngx_escape_uri(NGX_ESCAPE_URI_COMPONENT): every byte
// but letters, digits and "-._~" becomes %XX.
func escapeComponent(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&0xf])
	}
	return b.String()
}
