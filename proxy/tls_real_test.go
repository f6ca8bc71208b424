//go:build unix

package proxy

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
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

// testCert is a self-signed certificate for names, PEM-encoded.
func testCert(t *testing.T, cn string, names ...string) (certPEM, keyPEM string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: cn, Organization: []string{"xaccel test"}},
		NotBefore:    time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames: names,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}))
}

// tlsExchange is what a client saw: the handshake's outcome, the
// certificate presented and the response.
type tlsExchange struct {
	Handshake string // "ok" or "failed"
	Subject   string
	ALPN      string
	Status    int
	Close     bool // the connection closes after the response
	Header    map[string]string
	Body      string
}

// keptHeaders are the response headers compared.
var keptHeaders = []string{"Content-Type", "Content-Length", "Location", "Connection", "Server"}

// tlsDo sends raw over TLS to addr with the client's settings, and reads
// one response; port numbers of nginx and serve in it become PORT.
func tlsDo(t *testing.T, addr string, cc *tls.Config, raw string, ports ...int) tlsExchange {
	t.Helper()
	d := &net.Dialer{Timeout: 5 * time.Second}
	conn, err := tls.DialWithDialer(d, "tcp", addr, cc)
	if err != nil {
		return tlsExchange{Handshake: "failed"}
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	st := conn.ConnectionState()
	ex := tlsExchange{Handshake: "ok", Subject: st.PeerCertificates[0].Subject.CommonName, ALPN: st.NegotiatedProtocol}
	readResponse(t, conn, raw, &ex, ports)
	return ex
}

func readResponse(t *testing.T, conn net.Conn, raw string, ex *tlsExchange, ports []int) {
	t.Helper()
	if _, err := io.WriteString(conn, raw); err != nil {
		t.Fatalf("%q: %v", raw, err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("%q: %v", raw, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	ex.Status, ex.Close = resp.StatusCode, resp.Close
	ex.Header = map[string]string{}
	norm := func(s string) string {
		for _, p := range ports {
			s = strings.ReplaceAll(s, strconv.Itoa(p), "PORT")
		}
		return s
	}
	for _, k := range keptHeaders {
		if v := resp.Header.Get(k); v != "" {
			ex.Header[k] = norm(v)
		}
	}
	if resp.ContentLength >= 0 {
		ex.Header["Content-Length"] = "N" // the port in a body changes it
	}
	ex.Body = norm(string(body))
}

const tlsConf = `
    server_tokens off;
    server { listen 127.0.0.1:{{PORT}} ssl; server_name a.test;
        ssl_certificate a.crt; ssl_certificate_key a.key;
        location / { return 200 "a scheme=$scheme https=$https port=$server_port host=$host\n"; }
        location = /r { return 301 /x; }
        error_page 497 /e497;
        location = /e497 { return 200 "a plain HTTP: $status\n"; }
        error_page 400 /e400;
        location = /e400 { return 200 "a bad request\n"; }
        location /d { root {{PREFIX}}/html; }
    }
    server { listen 127.0.0.1:{{PORT}} ssl default_server; server_name b.test;
        ssl_certificate {{PREFIX}}/conf/b.crt; ssl_certificate_key {{PREFIX}}/conf/b.key;
        ssl_protocols TLSv1.2 TLSv1.3; ssl_session_cache shared:SSL:1m;
        error_page 497 https://$host:$server_port$request_uri;
        location / { return 200 "b scheme=$scheme https=$https\n"; }
    }
    server { listen 127.0.0.1:{{PORT}} ssl; server_name nocert.test;
        location / { return 200 "nocert $scheme\n"; }
    }
    server { listen 127.0.0.1:{{P2}} ssl; server_name v13.test;
        ssl_certificate a.crt; ssl_certificate_key a.key; ssl_protocols TLSv1.3;
        location / { return 200 "v13\n"; }
    }
`

// TestTLSRealNginx compares serve with nginx on listens with ssl: the
// certificate SNI chooses (the default server's without a match, or for a
// server without one), the variables and redirects over TLS, plain HTTP
// to the TLS port (nginx's 400 page, an error_page 497 to a URL, and one to
// a URI, which nginx answers with 400 although no "=400" is written), ALPN, and
// ssl_protocols.
func TestTLSRealNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	aCrt, aKey := testCert(t, "cert-a", "a.test")
	bCrt, bKey := testCert(t, "cert-b", "b.test")
	p2 := freeLoopbackPort(t)
	conf := strings.ReplaceAll(tlsConf, "{{P2}}", strconv.Itoa(p2))
	files := map[string]string{"conf/a.crt": aCrt, "conf/a.key": aKey, "conf/b.crt": bCrt, "conf/b.key": bKey, "html/d/x.txt": "x"}
	ng := realnginx.StartHTTP(t, conf, files)

	emu, ports := startTLSFront(t, ng, conf, p2)
	get := func(host, target string) string {
		return "GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n"
	}
	cases := []struct {
		port int
		sni  string
		raw  string
		cc   func(*tls.Config)
	}{
		{ng.Port, "a.test", get("a.test", "/"), nil},
		{ng.Port, "b.test", get("b.test", "/"), nil},
		{ng.Port, "", get("a.test", "/"), nil},               // no SNI: the default server's certificate
		{ng.Port, "other.test", get("other.test", "/"), nil}, // no match: the default's
		{ng.Port, "nocert.test", get("nocert.test", "/"), nil},
		{ng.Port, "a.test", get("b.test", "/"), nil}, // SNI and Host differ: Host chooses the server
		{ng.Port, "a.test", get("a.test", "/r"), nil},
		{ng.Port, "a.test", get("a.test", "/d"), nil},
		{ng.Port, "a.test", "GET /r HTTP/1.0\r\n\r\n", nil},
		// refused before Host is read, or for its Host: the server the
		// SNI name chose answers
		{ng.Port, "a.test", "GET /%00 HTTP/1.1\r\nHost: b.test\r\nConnection: close\r\n\r\n", nil},
		{ng.Port, "a.test", "GET /x HTTP/1.1\r\nHost: a..b\r\nConnection: close\r\n\r\n", nil},
		{ng.Port, "b.test", "GET /x HTTP/1.1\r\nHost: a..b\r\nConnection: close\r\n\r\n", nil},
		{ng.Port, "a.test", "GET /x HTTP/1.0\r\nHost: b.test\r\nX: \x01\r\n\r\n", nil},
		{ng.Port, "a.test", get("a.test", "/"), func(c *tls.Config) { c.NextProtos = []string{"h2", "http/1.1"} }},
		{ng.Port, "a.test", get("a.test", "/"), func(c *tls.Config) { c.NextProtos = []string{"h2"} }},
		{ng.Port, "b.test", get("b.test", "/"), func(c *tls.Config) { c.MaxVersion = tls.VersionTLS12 }},
		{p2, "v13.test", get("v13.test", "/"), nil},
		{p2, "v13.test", get("v13.test", "/"), func(c *tls.Config) { c.MaxVersion = tls.VersionTLS12 }},
	}
	for _, c := range cases {
		cc := &tls.Config{ServerName: c.sni, InsecureSkipVerify: true}
		if c.cc != nil {
			c.cc(cc)
		}
		want := tlsDo(t, "127.0.0.1:"+strconv.Itoa(c.port), cc.Clone(), c.raw, ports...)
		got := tlsDo(t, emu[c.port], cc.Clone(), c.raw, ports...)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("SNI %q %q: nginx (-) and serve (+) differ:\n%s", c.sni, firstLine([]byte(c.raw)), diff)
		}
	}

	// Plain HTTP to the TLS port: nginx's 400 page, or error_page 497.
	for _, raw := range []string{
		get("a.test", "/"), get("b.test", "/x?y"), get("other.test", "/"),
		"GET / HTTP/1.1\r\nHost: a.test\r\n\r\n", "GET / HTTP/1.0\r\n\r\n",
		"GET / HTTP/1.1\r\n\r\n", // no Host: 400 before the port is looked at
	} {
		plain := func(addr string) tlsExchange {
			conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(10 * time.Second))
			var ex tlsExchange
			readResponse(t, conn, raw, &ex, ports)
			return ex
		}
		want, got := plain(ng.Addr), plain(emu[ng.Port])
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("plain %q: nginx (-) and serve (+) differ:\n%s", firstLine([]byte(raw)), diff)
		}
	}
}

// startTLSFront serves conf (as started in ng, whose prefix holds the
// certificates) with a Front, each of nginx's ports (ng.Port and extra)
// moved to a free one; it returns serve's address for each of nginx's
// ports, and every port in play (for tlsDo).
func startTLSFront(t *testing.T, ng *realnginx.Instance, conf string, extra ...int) (map[int]string, []int) {
	t.Helper()
	src := strings.ReplaceAll(strings.ReplaceAll(conf, "{{PORT}}", strconv.Itoa(ng.Port)), "{{PREFIX}}", ng.Prefix)
	cfg := nginx.LoadBytes(filepath.Join(ng.Prefix, "conf", "tls.conf"), []byte("http {"+src+"}"), nginx.LoadOptions{})
	if len(cfg.Errors) > 0 {
		t.Fatal(cfg.Errors[0])
	}
	front, warns, err := NewFront(cfg, Options{}, FrontOptions{})
	if err != nil || len(warns) > 0 {
		t.Fatal(err, warns)
	}
	notes, twarns, err := front.SetupTLS(TLSOptions{Prefix: filepath.Join(ng.Prefix, "conf")})
	if err != nil || len(notes) > 0 || len(twarns) > 0 {
		t.Fatal(err, notes, twarns)
	}
	var maps []ListenMap
	for _, p := range append([]int{ng.Port}, extra...) {
		m, err := ParseListenMap(strconv.Itoa(p) + "=127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		maps = append(maps, m)
	}
	binds, bwarns, err := PlanBinds(front.Listens(), BindOptions{Map: maps})
	if err != nil || len(bwarns) > 0 {
		t.Fatal(err, bwarns)
	}
	srv := NewFrontServer(front)
	t.Cleanup(func() { srv.Close() })
	emu := map[int]string{}
	ports := append([]int{ng.Port}, extra...)
	for _, b := range binds {
		ln, err := net.Listen("tcp", b.Addr.String())
		if err != nil {
			t.Fatal(err)
		}
		go srv.ServeAs(ln, b.Group)
		emu[int(b.Group.Addr.Port())] = ln.Addr().String()
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return emu, ports
}

// TestTLSDevCert: a certificate that cannot be read stops serve, unless
// --dev-cert, which serves a generated one, announced with its
// fingerprint.
func TestTLSDevCert(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	conf := filepath.Join(dir, "nginx.conf")
	src := `events {} http { server { listen 127.0.0.1:44321 ssl; server_name dev.test .wild.test;
        ssl_certificate /nonexistent/dev.crt; ssl_certificate_key /nonexistent/dev.key;
        location / { return 200 "dev $scheme $https\n"; } } }`
	if err := os.WriteFile(conf, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := ParseListenMap("44321=127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// serve writes these while the test reads them.
	var out, errs syncBuffer
	o := ServeOptions{Config: conf, Bind: BindOptions{Map: []ListenMap{m}}, Stdout: &out, Stderr: &errs}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err = Serve(ctx, o)
	var ce *ConfigError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "/nonexistent/dev.crt cannot be read") || !strings.Contains(err.Error(), "--dev-cert") {
		t.Fatalf("without --dev-cert: %v, want a ConfigError naming the file and --dev-cert", err)
	}

	o.DevCert = true
	ready := make(chan string, 1)
	o.Ready = func(addr string, _ *nginx.Config) { ready <- addr }
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, o) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("serve stopped: %v\n%s", err, errs.String())
	case <-ctx.Done():
		t.Fatal("serve did not start")
	}
	defer func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("serve did not stop")
		}
	}()
	ex := tlsDo(t, addr, &tls.Config{ServerName: "dev.test", InsecureSkipVerify: true}, "GET / HTTP/1.1\r\nHost: dev.test\r\nConnection: close\r\n\r\n")
	if ex.Handshake != "ok" || ex.Status != 200 || ex.Body != "dev https on\n" || ex.Subject != "dev.test" {
		t.Errorf("over TLS: %+v", ex)
	}
	// The certificate verifies for the server's names with itself as root.
	conn, err := tls.Dial("tcp", addr, &tls.Config{ServerName: "x.wild.test", InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	leaf := conn.ConnectionState().PeerCertificates[0]
	conn.Close()
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	for _, name := range []string{"dev.test", "wild.test", "x.wild.test", "localhost", "127.0.0.1"} {
		if _, err := leaf.Verify(x509.VerifyOptions{DNSName: name, Roots: pool}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	announced := out.String()
	if !strings.Contains(announced, "SHA-256 "+fingerprint(leaf.Raw)) || !strings.Contains(announced, "browsers will warn") ||
		!regexp.MustCompile(`on https://127\.0\.0\.1:\d+/ for listen`).MatchString(announced) {
		t.Errorf("start-up messages:\n%s", announced)
	}
}
