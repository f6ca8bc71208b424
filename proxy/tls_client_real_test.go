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
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/xaccel/xaccel/internal/realnginx"
	"github.com/xaccel/xaccel/nginx"
)

// testPKI makes certificates signed by one another for the client
// certificate tests.
type testPKI struct {
	t      *testing.T
	serial int64
}

type testIdentity struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  string
}

// issue makes a certificate for subject, signed by parent (nil:
// self-signed); ca makes it a certificate authority.
func (p *testPKI) issue(subject pkix.Name, parent *testIdentity, ca bool, notBefore, notAfter time.Time, usage []x509.ExtKeyUsage) *testIdentity {
	p.t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		p.t.Fatal(err)
	}
	p.serial += 0x1f1
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(p.serial), Subject: subject, NotBefore: notBefore, NotAfter: notAfter,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: usage, BasicConstraintsValid: true, IsCA: ca,
	}
	if ca {
		tmpl.KeyUsage |= x509.KeyUsageCertSign
	}
	signer, signerKey := tmpl, key
	if parent != nil {
		signer, signerKey = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, &key.PublicKey, signerKey)
	if err != nil {
		p.t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		p.t.Fatal(err)
	}
	return &testIdentity{cert: cert, key: key, pem: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))}
}

// TestTLSClientCertAgainstNginx compares ssl_verify_client (on, optional,
// optional_no_ca, ssl_verify_depth, error_page 495 and 496) and the $ssl_*
// variables of the client certificate and the session with nginx, for
// clients that send no certificate, one a known authority signed, one
// signed through an intermediate, a self-signed one, one from another
// authority, an expired one and one for servers only.
func TestTLSClientCertAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	now := time.Now()
	pki := &testPKI{t: t, serial: 0x0fff}
	// Half a day past the whole days, so that $ssl_client_v_remain (whole
	// days left) is the same for nginx and serve however many seconds
	// apart they answer.
	valid := func(days int) (time.Time, time.Time) {
		return now.Add(-time.Hour), now.Add(time.Duration(days)*24*time.Hour + 12*time.Hour)
	}
	b, a := valid(30)
	ca := pki.issue(pkix.Name{CommonName: "test ca", Organization: []string{"xaccel"}, Country: []string{"DE"}}, nil, true, b, a, nil)
	inter := pki.issue(pkix.Name{CommonName: "inter"}, ca, true, b, a, nil)
	other := pki.issue(pkix.Name{CommonName: "other ca"}, nil, true, b, a, nil)
	client := []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	b3, a3 := valid(3)
	clients := map[string][]*testIdentity{
		"none":   nil,
		"good":   {pki.issue(pkix.Name{CommonName: "alice, \"a\"", OrganizationalUnit: []string{"dev"}, Organization: []string{"xaccel"}}, ca, false, b3, a3, client)},
		"chain":  {pki.issue(pkix.Name{CommonName: "bob"}, inter, false, b, a, client), inter},
		"self":   {pki.issue(pkix.Name{CommonName: "self"}, nil, false, b, a, client)},
		"other":  {pki.issue(pkix.Name{CommonName: "carol"}, other, false, b, a, client)},
		"old":    {pki.issue(pkix.Name{CommonName: "old"}, ca, false, now.Add(-48*time.Hour), now.Add(-24*time.Hour), client)},
		"server": {pki.issue(pkix.Name{CommonName: "srv"}, ca, false, b, a, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth})},
	}
	srvCrt, srvKey := testCert(t, "server", "on.test")
	files := map[string]string{"conf/s.crt": srvCrt, "conf/s.key": srvKey, "conf/ca.crt": ca.pem}
	const vars = `"verify=$ssl_client_verify s=$ssl_client_s_dn i=$ssl_client_i_dn sl=$ssl_client_s_dn_legacy il=$ssl_client_i_dn_legacy serial=$ssl_client_serial fp=$ssl_client_fingerprint start=$ssl_client_v_start end=$ssl_client_v_end remain=$ssl_client_v_remain raw=$ssl_client_escaped_cert proto=$ssl_protocol cipher=$ssl_cipher sni=$ssl_server_name reused=$ssl_session_reused alpn=$ssl_alpn_protocol\n"`
	conf := `
    server_tokens off;
    ssl_certificate s.crt; ssl_certificate_key s.key;
    server { listen 127.0.0.1:{{PORT}} ssl default_server; server_name on.test;
        ssl_verify_client on; ssl_client_certificate ca.crt;
        location / { return 200 ` + vars + `; }
    }
    server { listen 127.0.0.1:{{PORT}} ssl; server_name deep.test;
        ssl_verify_client on; ssl_client_certificate ca.crt; ssl_verify_depth 2;
        error_page 495 /e495; error_page 496 /e496;
        location = /e495 { return 200 "cert error $status $ssl_client_verify\n"; }
        location = /e496 { return 403 "no cert $status\n"; }
        location / { return 200 ` + vars + `; }
    }
    server { listen 127.0.0.1:{{PORT}} ssl; server_name zero.test;
        ssl_verify_client on; ssl_client_certificate ca.crt; ssl_verify_depth 0;
        location / { return 200 ` + vars + `; }
    }
    server { listen 127.0.0.1:{{PORT}} ssl; server_name opt.test;
        ssl_verify_client optional; ssl_client_certificate ca.crt;
        location / { return 200 ` + vars + `; }
    }
    server { listen 127.0.0.1:{{PORT}} ssl; server_name noca.test;
        ssl_verify_client optional_no_ca;
        location / { return 200 ` + vars + `; }
    }
    server { listen 127.0.0.1:{{PORT}} ssl; server_name off.test;
        location / { return 200 ` + vars + `; }
    }
`
	ng := realnginx.StartHTTP(t, conf, files)
	emu, ports := startTLSFront(t, ng, conf)
	for _, host := range []string{"on.test", "deep.test", "zero.test", "opt.test", "noca.test", "off.test"} {
		for name, chain := range clients {
			cc := &tls.Config{ServerName: host, InsecureSkipVerify: true, NextProtos: []string{"http/1.1"}}
			if chain != nil {
				c := tls.Certificate{PrivateKey: chain[0].key, Leaf: chain[0].cert}
				for _, id := range chain {
					c.Certificate = append(c.Certificate, id.cert.Raw)
				}
				// Sent whatever authorities the server names.
				cc.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &c, nil }
			}
			raw := "GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n"
			want := tlsDo(t, ng.Addr, cc.Clone(), raw, ports...)
			got := tlsDo(t, emu[ng.Port], cc.Clone(), raw, ports...)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s with client certificate %q: nginx (-) and serve (+) differ:\n%s", host, name, diff)
			}
		}
	}

	// A session resumes on the server that made it, and keeps its id.
	idRe := regexp.MustCompile(`id=(\w*)`)
	sessionConf := `
    server_tokens off;
    ssl_certificate s.crt; ssl_certificate_key s.key;
    server { listen 127.0.0.1:{{PORT}} ssl; server_name a.test;
        location / { return 200 "a reused=$ssl_session_reused id=$ssl_session_id\n"; }
    }
    server { listen 127.0.0.1:{{PORT}} ssl; server_name b.test; ssl_certificate s.crt; ssl_certificate_key s.key;
        location / { return 200 "b reused=$ssl_session_reused id=$ssl_session_id\n"; }
    }
    server { listen 127.0.0.1:{{P2}} ssl; server_name v13.test; ssl_protocols TLSv1.2 TLSv1.3;
        location / { return 200 "v13 reused=$ssl_session_reused id=$ssl_session_id $ssl_protocol\n"; }
    }
    server { listen 127.0.0.1:{{P3}} ssl; server_name v13off.test; ssl_protocols TLSv1.2 TLSv1.3; ssl_session_tickets off;
        location / { return 200 "v13off reused=$ssl_session_reused id=$ssl_session_id $ssl_protocol\n"; }
    }
    server { listen 127.0.0.1:{{PORT}} ssl; server_name off.test; ssl_session_tickets off;
        location / { return 200 "off reused=$ssl_session_reused id=$ssl_session_id\n"; }
    }
`
	p2, p3 := freeLoopbackPort(t), freeLoopbackPort(t)
	sessionConf = strings.NewReplacer("{{P2}}", strconv.Itoa(p2), "{{P3}}", strconv.Itoa(p3)).Replace(sessionConf)
	ng2 := realnginx.StartHTTP(t, sessionConf, files)
	emu2, ports2 := startTLSFront(t, ng2, sessionConf, p2, p3)
	run := func(addrOf func(port int) string) []string {
		var seen []string
		for _, c := range []struct {
			port  int
			hosts [2]string
		}{{ng2.Port, [2]string{"a.test", "a.test"}}, {ng2.Port, [2]string{"a.test", "b.test"}},
			{ng2.Port, [2]string{"off.test", "off.test"}}, {p2, [2]string{"v13.test", "v13.test"}},
			{p3, [2]string{"v13off.test", "v13off.test"}}} {
			addr, pair := addrOf(c.port), c.hosts
			cache := tls.NewLRUClientSessionCache(4)
			var ids []string
			for i, host := range pair {
				cc := &tls.Config{ServerName: host, InsecureSkipVerify: true, ClientSessionCache: cache}
				ex := tlsDo(t, addr, cc, "GET / HTTP/1.1\r\nHost: "+host+"\r\nConnection: close\r\n\r\n", ports2...)
				m := idRe.FindStringSubmatch(ex.Body)
				if m == nil {
					t.Fatalf("no id in %q", ex.Body)
				}
				ids = append(ids, m[1])
				shape := "empty"
				if len(m[1]) == 64 {
					shape = "64 hex"
				}
				if i == 1 {
					shape += ", same as the first: " + strconv.FormatBool(ids[0] == ids[1])
				}
				seen = append(seen, idRe.ReplaceAllString(ex.Body, "id "+shape))
			}
		}
		return seen
	}
	nginxAddr := func(port int) string { return "127.0.0.1:" + strconv.Itoa(port) }
	if diff := cmp.Diff(run(nginxAddr), run(func(port int) string { return emu2[port] })); diff != "" {
		t.Errorf("sessions: nginx (-) and serve (+) differ:\n%s", diff)
	}
}

// TestTLSDynamicCertificatesAgainstNginx compares certificates named with
// variables ($ssl_server_name, a geo variable), loaded at each handshake,
// and keys encrypted with a password from ssl_password_file (PKCS#8 as
// OpenSSL 3 writes them, and the older PEM form), with nginx.
func TestTLSDynamicCertificatesAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		realnginx.SkipOrFail(t, "openssl is not installed: the encrypted keys of this test are made with it")
	}
	dir := t.TempDir()
	files := map[string]string{"conf/passwords": "wrong\npass\n"}
	for _, name := range []string{"a.test", "b.test", "geo"} {
		crt, key := testCert(t, "cert-"+name, name)
		files["conf/"+name+".crt"], files["conf/"+name+".key"] = crt, key
	}
	for _, form := range []string{"pkcs8", "traditional"} {
		key := filepath.Join(dir, form+".key")
		args := []string{"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-aes128", "-pass", "pass:pass", "-out", key}
		if form == "traditional" {
			args = []string{"genrsa", "-traditional", "-aes128", "-passout", "pass:pass", "-out", key, "2048"}
		}
		if out, err := exec.Command(openssl, args...).CombinedOutput(); err != nil {
			t.Fatalf("openssl %v: %v\n%s", args, err, out)
		}
		crtPath := filepath.Join(dir, form+".crt")
		if out, err := exec.Command(openssl, "req", "-x509", "-new", "-key", key, "-passin", "pass:pass",
			"-subj", "/CN=cert-"+form, "-days", "2", "-out", crtPath).CombinedOutput(); err != nil {
			t.Fatalf("openssl req: %v\n%s", err, out)
		}
		for path, name := range map[string]string{key: form + ".key", crtPath: form + ".crt"} {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			files["conf/"+name] = string(b)
		}
	}
	if !strings.Contains(files["conf/pkcs8.key"], "ENCRYPTED PRIVATE KEY") || !strings.Contains(files["conf/traditional.key"], "Proc-Type: 4,ENCRYPTED") {
		t.Fatalf("openssl did not write the encrypted key forms this test is about")
	}
	conf := `
    server_tokens off;
    geo $which { default geo; }
    ssl_password_file passwords;
    server { listen 127.0.0.1:{{PORT}} ssl default_server; server_name a.test b.test nx.test;
        ssl_certificate $ssl_server_name.crt; ssl_certificate_key $ssl_server_name.key;
        location / { return 200 "dyn $ssl_server_name\n"; }
    }
    server { listen 127.0.0.1:{{PORT}} ssl; server_name geo.test;
        ssl_certificate $which.crt; ssl_certificate_key $which.key;
        location / { return 200 "geo\n"; }
    }
    server { listen 127.0.0.1:{{PORT}} ssl; server_name pkcs8.test;
        ssl_certificate pkcs8.crt; ssl_certificate_key pkcs8.key;
        location / { return 200 "pkcs8\n"; }
    }
    server { listen 127.0.0.1:{{PORT}} ssl; server_name traditional.test;
        ssl_certificate traditional.crt; ssl_certificate_key traditional.key;
        location / { return 200 "traditional\n"; }
    }
`
	ng := realnginx.StartHTTP(t, conf, files)
	emu, ports := startTLSFront(t, ng, conf)
	for _, host := range []string{"a.test", "b.test", "nx.test", "", "geo.test", "pkcs8.test", "traditional.test"} {
		cc := &tls.Config{ServerName: host, InsecureSkipVerify: true}
		raw := "GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n"
		want := tlsDo(t, ng.Addr, cc.Clone(), raw, ports...)
		got := tlsDo(t, emu[ng.Port], cc.Clone(), raw, ports...)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("SNI %q: nginx (-) and serve (+) differ:\n%s", host, diff)
		}
	}
}

// TestTLSDynamicCertificateDevCert: with --dev-cert, a certificate named
// with variables that cannot be loaded at a handshake is replaced by the
// announced development certificate; without it the handshake fails.
func TestTLSDynamicCertificateDevCert(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := `http { server { listen 127.0.0.1:8443 ssl; server_name a.test;
        ssl_certificate $ssl_server_name.crt; ssl_certificate_key $ssl_server_name.key; } }`
	for _, dev := range []bool{false, true} {
		cfg := nginx.LoadBytes(filepath.Join(dir, "d.conf"), []byte(src), nginx.LoadOptions{})
		if len(cfg.Errors) > 0 {
			t.Fatal(cfg.Errors[0])
		}
		front, _, err := NewFront(cfg, Options{}, FrontOptions{})
		if err != nil {
			t.Fatal(err)
		}
		notes, _, err := front.SetupTLS(TLSOptions{Prefix: dir, DevCert: dev})
		if err != nil {
			t.Fatal(err)
		}
		if dev != (len(notes) == 1 && strings.Contains(notes[0], "development certificate")) {
			t.Errorf("--dev-cert %v: notes %q", dev, notes)
		}
		g := front.Listens().Groups[0]
		conf := front.groups[g].tls
		hc, err := conf.GetConfigForClient(&tls.ClientHelloInfo{ServerName: "a.test"})
		if err != nil {
			t.Fatal(err)
		}
		cert, err := hc.GetCertificate(&tls.ClientHelloInfo{ServerName: "a.test"})
		if dev && (err != nil || cert == nil) {
			t.Errorf("--dev-cert: %v, no stand-in", err)
		}
		if !dev && err == nil {
			t.Errorf("a certificate that cannot be loaded gave %v", cert)
		}
	}
}
