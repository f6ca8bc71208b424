//go:build unix

package proxy

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/xaccel/xaccel/internal/realnginx"
)

// certSigned is a certificate for cn (and names), signed by parent (nil:
// self-signed), a certificate authority when ca; its PEM, its key's PEM and
// what signing with it takes.
type certSigned struct {
	cert            *x509.Certificate
	key             *ecdsa.PrivateKey
	certPEM, keyPEM string
}

func signCert(t *testing.T, cn string, parent *certSigned, ca bool, names ...string) *certSigned {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(48 * time.Hour), DNSNames: names,
		KeyUsage: x509.KeyUsageDigitalSignature, BasicConstraintsValid: true, IsCA: ca,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}}
	if ca {
		tmpl.KeyUsage |= x509.KeyUsageCertSign
		tmpl.ExtKeyUsage = nil
	}
	signer, signerKey := tmpl, key
	if parent != nil {
		signer, signerKey = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, &key.PublicKey, signerKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return &certSigned{cert: cert, key: key, certPEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		keyPEM: string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}))}
}

// tlsApp serves HTTPS on a new 127.0.0.1 port with chain (the leaf first)
// and answers every request with what it saw of it: the SNI, the Host
// header, the TLS version and the client certificate's name.
func tlsApp(t *testing.T, chain ...*certSigned) string {
	t.Helper()
	var c tls.Certificate
	for _, s := range chain {
		c.Certificate = append(c.Certificate, s.cert.Raw)
	}
	c.PrivateKey = chain[0].key
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{c}, ClientAuth: tls.RequestClientCert})
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cc := "-"
		if len(r.TLS.PeerCertificates) > 0 {
			cc = r.TLS.PeerCertificates[0].Subject.CommonName
		}
		fmt.Fprintf(w, "sni=%q host=%s ver=%x cc=%s resumed=%v uri=%s\n", r.TLS.ServerName, r.Host, r.TLS.Version, cc, r.TLS.DidResume, r.RequestURI)
	}), ErrorLog: nil}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// TestUpstreamTLSAgainstNginx puts an HTTPS app behind proxy_pass https://
// in real nginx and in serve: what the app sees (no SNI by default, SNI
// with proxy_ssl_server_name and proxy_ssl_name, the Host header, TLS 1.2
// at most, proxy_ssl_protocols, a client certificate) and what the client
// gets (502 where proxy_ssl_verify refuses the app's certificate: an
// unknown authority, another name, a chain longer than
// proxy_ssl_verify_depth allows) are the same.
func TestUpstreamTLSAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	root := signCert(t, "root", nil, true)
	inter := signCert(t, "inter", root, true)
	other := signCert(t, "other root", nil, true)
	leaf := signCert(t, "app", root, false, "app.test")
	deep := signCert(t, "deep", inter, false, "app.test")
	client := signCert(t, "client one", root, false)
	app := tlsApp(t, leaf)
	deepApp := tlsApp(t, deep, inter)
	_, port, _ := net.SplitHostPort(app)
	conf := strings.NewReplacer("APP", app, "DEEP", deepApp, "PORT_APP", port).Replace(`
upstream named { server APP; }
server {
    listen 127.0.0.1:{{PORT}};
    server_name localhost;
    location /plain/ { proxy_pass https://APP; }
    location /named/ { proxy_pass https://named; }
    location /sni/ { proxy_pass https://APP; proxy_ssl_server_name on; }
    location /sniname/ { proxy_pass https://APP; proxy_ssl_server_name on; proxy_ssl_name app.test; }
    location /v10/ { proxy_pass https://APP; proxy_ssl_protocols TLSv1.2 TLSv1.3; }
    location /verify/ { proxy_pass https://APP; proxy_ssl_verify on; proxy_ssl_name app.test; proxy_ssl_trusted_certificate root.pem; }
    location /badname/ { proxy_pass https://APP; proxy_ssl_verify on; proxy_ssl_name other.test; proxy_ssl_trusted_certificate root.pem; }
    location /badroot/ { proxy_pass https://APP; proxy_ssl_verify on; proxy_ssl_name app.test; proxy_ssl_trusted_certificate other.pem; }
    location /deep1/ { proxy_pass https://DEEP; proxy_ssl_verify on; proxy_ssl_name app.test; proxy_ssl_trusted_certificate root.pem; }
    location /deep2/ { proxy_pass https://DEEP; proxy_ssl_verify on; proxy_ssl_verify_depth 2; proxy_ssl_name app.test; proxy_ssl_trusted_certificate root.pem; }
    location /client/ { proxy_pass https://APP; proxy_ssl_certificate client.pem; proxy_ssl_certificate_key client.key; }
}
`)
	files := map[string]string{"conf/root.pem": root.certPEM, "conf/other.pem": other.certPEM,
		"conf/client.pem": client.certPEM, "conf/client.key": client.keyPEM}
	ng := realnginx.StartHTTP(t, conf, files)
	emu, _ := startEmulator(t, conf, ng.Prefix, Options{ConfPrefix: ng.Prefix + "/conf"})
	passed := 0
	for _, target := range []string{"/plain/x", "/named/x", "/sni/x", "/sniname/x", "/v10/x", "/verify/x", "/badname/x",
		"/badroot/x", "/deep1/x", "/deep2/x", "/client/x"} {
		want, got := sendBoth(t, ng, emu, realnginx.RawRequest("GET", target, nil, ""))
		w := fmt.Sprintf("%d %s", want.Status, want.Body)
		g := fmt.Sprintf("%d %s", got.Status, got.Body)
		if want.Status != 200 {
			w, g = fmt.Sprint(want.Status), fmt.Sprint(got.Status) // nginx's and serve's error pages
		}
		if os.Getenv("XACCEL_DUMP") != "" {
			t.Logf("GET %s:\nnginx: %s\nserve: %s", target, w, g)
		}
		if w != g {
			t.Errorf("GET %s:\nnginx: %s\nserve: %s", target, w, g)
		}
		if want.Status == 200 {
			passed++
		}
	}
	if passed < 6 {
		t.Errorf("nginx reached the app %d times: the test checks less than it says", passed)
	}
}
