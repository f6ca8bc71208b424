//go:build unix

package proxy

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/xaccel/xaccel/internal/realnginx"
)

// wireConf is the config of TestWireAgainstNginx: static files, a proxied
// location on the scripted app (BACKEND), a server-level error_page for
// 400, and a location whose page is an X-Accel-Redirect.
const wireConf = `server_tokens off;
server {
    listen 127.0.0.1:{{PORT}};
    root {{PREFIX}}/www;
    error_page 400 /errors/bad.html;
    location /p/ { proxy_pass http://BACKEND; }
    location ^~ /prot/ { internal; }
    location /small/ { client_max_body_size 10; proxy_pass http://BACKEND; }
    location /unlimited/ { client_max_body_size 0; proxy_pass http://BACKEND; }
    location /t/ { proxy_read_timeout 1s; proxy_pass http://BACKEND; }
    location /close/ { return 444; }
    location /ret/ { return 200 "ret\n"; }
}
server {
    listen 127.0.0.1:{{PORT}};
    server_name under.example;
    underscores_in_headers on;
}
`

var wireFiles = map[string]string{
	"www/f.txt":           "static file\n",
	"www/errors/bad.html": "bad request page\n",
	"www/prot/a.txt":      "protected\n",
}

// wireCase is a raw exchange: what is sent on one connection, and how many
// responses to read back.
type wireCase struct {
	name  string
	raw   string
	resps int // default 1
}

func wireCases() []wireCase {
	long := strings.Repeat("a", 9000)
	fits := "/" + strings.Repeat("b", 8100)
	xar := "/p/x?" + query("h", "X-Accel-Redirect: /prot/a.txt")
	return []wireCase{
		// Framing and keep-alive.
		{name: "1.1 keep-alive", raw: "GET /f.txt HTTP/1.1\r\nHost: x\r\n\r\n"},
		{name: "1.1 close", raw: "GET /f.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"},
		{name: "1.1 Connection lines", raw: "GET /f.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\nConnection: keep-alive\r\n\r\n"},
		{name: "1.0", raw: "GET /f.txt HTTP/1.0\r\n\r\n"},
		{name: "1.0 keep-alive", raw: "GET /f.txt HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"},
		{name: "1.5", raw: "GET /f.txt HTTP/1.5\r\nHost: x\r\n\r\n"},
		{name: "HEAD", raw: "HEAD /f.txt HTTP/1.1\r\nHost: x\r\n\r\n"},
		{name: "404 keeps", raw: "GET /none HTTP/1.1\r\nHost: x\r\n\r\n"},
		{name: "pipelined", raw: "GET /f.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /none HTTP/1.1\r\nHost: x\r\n\r\nHEAD /f.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", resps: 3},
		{name: "keep-alive then bad", raw: "GET /f.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /f.txt HTTP/7.0\r\nHost: x\r\n\r\n", resps: 2},
		{name: "proxied, length", raw: "GET /p/x?b=hello HTTP/1.1\r\nHost: x\r\n\r\n"},
		{name: "proxied, no length, 1.1 chunked", raw: "GET /p/x?b=hello&nocl=1 HTTP/1.1\r\nHost: x\r\n\r\n"},
		{name: "proxied, no length, 1.0", raw: "GET /p/x?b=hello&nocl=1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"},
		{name: "proxied HEAD, no length", raw: "HEAD /p/x?nocl=1 HTTP/1.1\r\nHost: x\r\n\r\n"},
		{name: "proxied 204", raw: "GET /p/x?s=204 HTTP/1.1\r\nHost: x\r\n\r\n"},
		{name: "proxied odd status", raw: "GET /p/x?s=299 HTTP/1.1\r\nHost: x\r\n\r\n"},
		{name: "X-Accel-Redirect keeps", raw: "GET " + xar + " HTTP/1.1\r\nHost: x\r\n\r\n"},
		{name: "POST body", raw: "POST /p/x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"},
		{name: "POST chunked", raw: "POST /p/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"},
		{name: "POST then GET", raw: "POST /p/x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET /f.txt HTTP/1.1\r\nHost: x\r\n\r\n", resps: 2},
		{name: "POST static then GET", raw: "POST /f.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET /f.txt HTTP/1.1\r\nHost: x\r\n\r\n", resps: 2},
		{name: "GET with chunked body then GET", raw: "GET /f.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nGET /none HTTP/1.1\r\nHost: x\r\n\r\n", resps: 2},
		{name: "404 with body then GET", raw: "PUT /none HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET /f.txt HTTP/1.1\r\nHost: x\r\n\r\n", resps: 2},
		{name: "Expect 100-continue, static", raw: "POST /f.txt HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhiGET /f.txt HTTP/1.1\r\nHost: x\r\n\r\n", resps: 2},
		{name: "Expect 100-continue, 404", raw: "GET /none HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi", resps: 1},
		{name: "Expect 100-continue, GET", raw: "GET /f.txt HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi", resps: 2},
		{name: "Expect 100-continue", raw: "POST /p/x HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi", resps: 2},

		// The request line.
		{name: "lower-case method", raw: "get /f.txt HTTP/1.1\r\nHost: x\r\n\r\n"},
		{name: "odd method", raw: "FOO_BAR-X /f.txt HTTP/1.1\r\nHost: x\r\n\r\n"},
		{name: "digit in method", raw: "G3T /f.txt HTTP/1.1\r\nHost: x\r\n\r\n"},
		{name: "HTTP/2.0", raw: "GET /f.txt HTTP/2.0\r\nHost: x\r\n\r\n"},
		{name: "HTTP/10.0", raw: "GET /f.txt HTTP/10.0\r\nHost: x\r\n\r\n"},
		{name: "HTTP/0.9 version", raw: "GET /f.txt HTTP/0.9\r\nHost: x\r\n\r\n"},
		{name: "HTTP/1", raw: "GET /f.txt HTTP/1\r\nHost: x\r\n\r\n"},
		{name: "HTTP/1.x", raw: "GET /f.txt HTTP/1.x\r\nHost: x\r\n\r\n"},
		{name: "lower-case version", raw: "GET /f.txt http/1.1\r\nHost: x\r\n\r\n"},
		{name: "extra word", raw: "GET /f.txt HTTP/1.1 extra\r\nHost: x\r\n\r\n"},
		{name: "space in target", raw: "GET /a b HTTP/1.1\r\nHost: x\r\n\r\n"},
		{name: "control byte in target", raw: "GET /f\x01.txt HTTP/1.1\r\nHost: x\r\n\r\n"},
		{name: "tab in target", raw: "GET /f\t.txt HTTP/1.1\r\nHost: x\r\n\r\n"},
		{name: "DEL in target", raw: "GET /f\x7f.txt HTTP/1.1\r\nHost: x\r\n\r\n"},
		{name: "high byte in target", raw: "GET /f\xe9.txt HTTP/1.1\r\nHost: x\r\n\r\n"},
		{name: "many spaces", raw: "GET   /f.txt   HTTP/1.1   \r\nHost: x\r\n\r\n"},
		{name: "empty lines first", raw: "\r\n\r\nGET /f.txt HTTP/1.1\r\nHost: x\r\n\r\n"},
		{name: "LF only", raw: "GET /f.txt HTTP/1.1\nHost: x\n\n"},
		{name: "CR alone", raw: "GET /f.txt HTTP/1.1\rX\r\nHost: x\r\n\r\n"},
		{name: "URI of 9000 bytes", raw: "GET /" + long + " HTTP/1.1\r\nHost: x\r\n\r\n"},
		{name: "URI that fits", raw: "GET " + fits + " HTTP/1.1\r\nHost: x\r\n\r\n"},
		{name: "bad target", raw: "GET /../f.txt HTTP/1.1\r\nHost: x\r\n\r\n"},
		{name: "absolute target", raw: "GET http://Abs.Example/f.txt HTTP/1.1\r\nHost: other\r\n\r\n"},
		{name: "TRACE", raw: "TRACE /f.txt HTTP/1.1\r\nHost: x\r\n\r\n"},

		// Header lines.
		{name: "no Host in 1.1", raw: "GET /f.txt HTTP/1.1\r\n\r\n"},
		{name: "empty Host", raw: "GET /f.txt HTTP/1.1\r\nHost:\r\n\r\n"},
		{name: "Host a..b", raw: "GET /f.txt HTTP/1.1\r\nHost: a..b\r\n\r\n"},
		{name: "Host with slash", raw: "GET /f.txt HTTP/1.1\r\nHost: a/b\r\n\r\n"},
		{name: "Host with backslash", raw: "GET /f.txt HTTP/1.1\r\nHost: a\\b\r\n\r\n"},
		{name: "Host IPv6", raw: "GET /f.txt HTTP/1.1\r\nHost: [::1]:80\r\n\r\n"},
		{name: "Host trailing dot", raw: "GET /f.txt HTTP/1.1\r\nHost: x.\r\n\r\n"},
		{name: "two Hosts", raw: "GET /f.txt HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n"},
		{name: "two Content-Length", raw: "GET /f.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n"},
		{name: "two If-Modified-Since", raw: "GET /f.txt HTTP/1.1\r\nHost: x\r\nIf-Modified-Since: a\r\nIf-Modified-Since: b\r\n\r\n"},
		{name: "two If-Range", raw: "GET /f.txt HTTP/1.1\r\nHost: x\r\nIf-Range: a\r\nIf-Range: b\r\n\r\n"},
		{name: "two Authorization", raw: "GET /f.txt HTTP/1.1\r\nHost: x\r\nAuthorization: a\r\nAuthorization: b\r\n\r\n"},
		{name: "two If-Match", raw: "GET /f.txt HTTP/1.1\r\nHost: x\r\nIf-Match: *\r\nIf-Match: *\r\n\r\n"},
		{name: "two If-None-Match", raw: "GET /f.txt HTTP/1.1\r\nHost: x\r\nIf-None-Match: \"a\"\r\nIf-None-Match: \"b\"\r\n\r\n"},
		{name: "header line starting with a colon", raw: "GET /f.txt HTTP/1.1\r\nHost: x\r\n: 1\r\n\r\n"},
		{name: "control byte in Host", raw: "GET /f.txt HTTP/1.1\r\nHost: localhost\x02\r\n\r\n"},
		{name: "space inside Host", raw: "GET /f.txt HTTP/1.1\r\nHost: local host\r\n\r\n"},
		{name: "DEL in Host", raw: "GET /f.txt HTTP/1.1\r\nHost: localhost\x7f\r\n\r\n"},
		{name: "two Expect", raw: "GET /f.txt HTTP/1.1\r\nHost: x\r\nExpect: a\r\nExpect: b\r\n\r\n"},
		{name: "two Range", raw: "GET /f.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=0-1\r\nRange: bytes=2-3\r\n\r\n"},
		{name: "two Cookie", raw: "GET /f.txt HTTP/1.1\r\nHost: x\r\nCookie: a=1\r\nCookie: b=2\r\n\r\n"},
		{name: "space in name", raw: "GET /f.txt HTTP/1.1\r\nHost: x\r\nBad Name: 1\r\n\r\n"},
		{name: "space before colon", raw: "GET /f.txt HTTP/1.1\r\nHost: x\r\nX-A : 1\r\n\r\n"},
		{name: "folded line", raw: "GET /f.txt HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n 2\r\n\r\n"},
		{name: "dot in name ignored", raw: "GET /f.txt HTTP/1.1\r\nHost: x\r\nX.A: 1\r\n\r\n"},
		{name: "invalid Host name ignored", raw: "GET /f.txt HTTP/1.1\r\nHo.st: a..b\r\nHost: x\r\n\r\n"},
		{name: "underscore Host ignored", raw: "GET /f.txt HTTP/1.1\r\nHost: x\r\nHost_: y\r\n\r\n"},
		{name: "no colon", raw: "GET /f.txt HTTP/1.1\r\nHost: x\r\nJustAName\r\n\r\n"},
		{name: "NUL in value", raw: "GET /f.txt HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n"},
		{name: "control byte in value", raw: "GET /f.txt HTTP/1.1\r\nHost: x\r\nX-A: a\x01b\r\n\r\n"},
		{name: "header of 9000 bytes", raw: "GET /f.txt HTTP/1.1\r\nHost: x\r\nX-Long: " + long + "\r\n\r\n"},
		{name: "bad Content-Length", raw: "POST /p/x HTTP/1.1\r\nHost: x\r\nContent-Length: 5x\r\n\r\nhello"},
		{name: "signed Content-Length", raw: "POST /p/x HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\nhello"},
		{name: "empty Content-Length", raw: "POST /p/x HTTP/1.1\r\nHost: x\r\nContent-Length:\r\n\r\n"},
		{name: "unknown Transfer-Encoding", raw: "POST /p/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n"},
		{name: "Transfer-Encoding in 1.0", raw: "POST /p/x HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"},
		{name: "Content-Length and chunked", raw: "POST /p/x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"},
		{name: "TRACE with unknown Transfer-Encoding", raw: "TRACE /f.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n"},
		{name: "body over client_max_body_size", raw: "POST /p/x HTTP/1.1\r\nHost: x\r\nContent-Length: 1100000\r\n\r\n" + strings.Repeat("x", 1100000)},
		{name: "body at client_max_body_size", raw: "POST /p/x HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576\r\n\r\n" + strings.Repeat("x", 1048576)},
		{name: "static body over client_max_body_size", raw: "POST /f.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 1100000\r\n\r\n" + strings.Repeat("x", 1100000)},
		{name: "small limit, length", raw: "POST /small/x HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world"},
		{name: "small limit, chunked", raw: "POST /small/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nhello \r\n5\r\nworld\r\n0\r\n\r\n"},
		{name: "small limit, chunked fits", raw: "POST /small/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"},
		{name: "small limit, static", raw: "POST /small/f.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world"},
		{name: "HEAD refused", raw: "HEAD /f.txt HTTP/1.1\r\nHost: a..b\r\n\r\n"},
	}
}

// TestWireAgainstNginx sends requests as bytes, malformed ones among them,
// to real nginx and to Server on the same config and compares every
// response on the connection (status, body, headers with Connection and
// Transfer-Encoding) and whether the connection ends after them.
func TestWireAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	backend := scriptBackend(t)
	conf := strings.ReplaceAll(wireConf, "BACKEND", backend)
	ng := realnginx.StartHTTP(t, conf, wireFiles)
	emu, _ := startEmulator(t, conf, ng.Prefix, Options{})
	t.Run("cases", func(t *testing.T) {
		for _, c := range wireCases() {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				n := max(c.resps, 1)
				want, wantClosed, err := wireExchange(ng.Addr, c.raw, n)
				if err != nil {
					t.Fatalf("nginx: %v", err)
				}
				got, gotClosed, err := wireExchange(emu, c.raw, n)
				if err != nil {
					t.Fatalf("emulator: %v", err)
				}
				if os.Getenv("XACCEL_DUMP") != "" {
					for _, r := range want {
						t.Logf("nginx %d %v %q", r.Status, r.Header, clip(r.Body))
					}
				}
				for i := range want {
					for _, p := range diffResponses(want[i], got[i]) {
						t.Errorf("response %d: %s", i+1, p)
					}
				}
				if wantClosed != gotClosed {
					t.Errorf("nginx closes the connection: %v, emulator: %v", wantClosed, gotClosed)
				}
			})
		}
	})
}

// wireExchange sends raw on a new connection, reads n responses (a 1xx counts
// as one) and reports whether the server then closes the connection
// (connClosed).
func wireExchange(addr, raw string, n int) ([]*realnginx.Response, bool, error) {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, false, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(conn, raw); err != nil {
		return nil, false, err
	}
	br := bufio.NewReader(conn)
	methods := requestMethods(raw)
	var out []*realnginx.Response
	var last *http.Response
	for i := 0; i < n; i++ {
		method := "GET"
		if i < len(methods) {
			method = methods[i]
		}
		resp, err := http.ReadResponse(br, &http.Request{Method: method})
		if err != nil {
			return nil, false, fmt.Errorf("response %d: %w", i+1, err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, false, fmt.Errorf("response %d body: %w", i+1, err)
		}
		if len(resp.TransferEncoding) > 0 {
			resp.Header["Transfer-Encoding"] = resp.TransferEncoding
		}
		out = append(out, &realnginx.Response{Status: resp.StatusCode, Header: resp.Header, Body: body})
		if resp.StatusCode == http.StatusContinue {
			methods = append([]string{method}, methods...)
		}
		last = resp
	}
	return out, connClosed(conn, br, last), nil
}

// probeRequest is sent on a connection the server should have kept open:
// an answer to it proves that it did.
const probeRequest = "GET /f.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"

// connClosed reports whether the server closed conn after its responses,
// the last of which is last (nil if none was read), without waiting a
// fixed time. When the last response announces the end of the connection
// (Connection: close, or HTTP/1.0 without keep-alive), the connection
// must end: it is read until the server closes it (a server that keeps it
// open shows as one after the 5-second deadline). Otherwise the server
// should keep it: a probe request is sent, and an answer to it means the
// connection was open; an end of file or a reset means it was closed.
// Bytes the server sends before the probe's answer, unasked, count as
// "closed" (not idle), as the fixed wait did.
func connClosed(conn net.Conn, br *bufio.Reader, last *http.Response) bool {
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	if last == nil || last.Close {
		_, err := br.ReadByte()
		var ne net.Error
		return !(errors.As(err, &ne) && ne.Timeout())
	}
	if br.Buffered() > 0 {
		return true
	}
	if _, err := io.WriteString(conn, probeRequest); err != nil {
		return true
	}
	resp, err := http.ReadResponse(br, &http.Request{Method: "GET"})
	if err != nil {
		return true
	}
	resp.Body.Close()
	return false
}

// requestMethods is the method of each request line in raw (a rough cut:
// the first word after an empty line or at the start).
func requestMethods(raw string) []string {
	var ms []string
	for _, part := range strings.SplitAfter(raw, "\r\n\r\n") {
		part = strings.TrimLeft(part, "\r\n")
		if m, _, ok := strings.Cut(part, " "); ok && m != "" && !strings.ContainsAny(m, "\r\n:") {
			ms = append(ms, m)
		}
	}
	return ms
}

// TestConnLimitsAgainstNginx: keepalive_timeout (0, and a second value
// sent as Keep-Alive), keepalive_requests and client_body_timeout are
// read from the configuration, per location, and give nginx's answers and
// connection handling.
func TestConnLimitsAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	backend := scriptBackend(t)
	conf := strings.ReplaceAll(`
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    root {{PREFIX}}/www;
    keepalive_requests 3;
    location /ka0/ { keepalive_timeout 0; }
    location /kah/ { keepalive_timeout 30s 20s; }
    location /kat/ { keepalive_timeout 1s; }
    location /slow/ { client_body_timeout 1s; proxy_pass http://BACKEND; }
}
`, "BACKEND", backend)
	files := map[string]string{"www/ka0/f.txt": "a\n", "www/kah/f.txt": "b\n", "www/kat/f.txt": "c\n", "www/f.txt": "d\n"}
	ng := realnginx.StartHTTP(t, conf, files)
	emu, _ := startEmulator(t, conf, ng.Prefix, Options{})
	get := func(path string) string { return "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n" }
	cases := []struct {
		name string
		raw  string
		n    int
		wait time.Duration // idle time before checking whether the connection is open
	}{
		{"keepalive_timeout 0", get("/ka0/f.txt") + get("/f.txt"), 1, 0},
		{"keepalive_timeout with a header value", get("/kah/f.txt"), 1, 0},
		{"keepalive_requests 3", get("/f.txt") + get("/f.txt") + get("/f.txt") + get("/f.txt"), 3, 0},
		{"HTTP/1.0 keep-alive with a header value", "GET /kah/f.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", 1, 0},
		{"keepalive_timeout 1s, idle past it", get("/kat/f.txt"), 1, 1500 * time.Millisecond},
		// No response: the connection is read until it ends (5 s at most).
		{"client_body_timeout 1s, body stalls", "POST /slow/x HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n01234", 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			run := func(addr string) ([]*realnginx.Response, bool, error) {
				conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
				if err != nil {
					return nil, false, err
				}
				defer conn.Close()
				conn.SetDeadline(time.Now().Add(5 * time.Second))
				io.WriteString(conn, c.raw)
				br := bufio.NewReader(conn)
				var out []*realnginx.Response
				var last *http.Response
				for i := 0; i < c.n; i++ {
					resp, err := http.ReadResponse(br, nil)
					if err != nil {
						return nil, false, fmt.Errorf("%s response %d: %v", addr, i+1, err)
					}
					body, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					out = append(out, &realnginx.Response{Status: resp.StatusCode, Header: resp.Header, Body: body})
					last = resp
				}
				time.Sleep(c.wait)
				return out, connClosed(conn, br, last), nil
			}
			// Both servers at once: the waits overlap.
			var want, got []*realnginx.Response
			var wantClosed, gotClosed bool
			var wantErr, gotErr error
			done := make(chan struct{})
			go func() {
				defer close(done)
				want, wantClosed, wantErr = run(ng.Addr)
			}()
			got, gotClosed, gotErr = run(emu)
			<-done
			if wantErr != nil || gotErr != nil {
				t.Fatalf("nginx: %v; serve: %v", wantErr, gotErr)
			}
			for i := range want {
				for _, p := range diffResponses(want[i], got[i]) {
					t.Errorf("response %d: %s", i+1, p)
				}
				if w, g := want[i].Header.Get("Keep-Alive"), got[i].Header.Get("Keep-Alive"); w != g {
					t.Errorf("response %d: Keep-Alive nginx %q, serve %q", i+1, w, g)
				}
			}
			if wantClosed != gotClosed {
				t.Errorf("nginx closes the connection: %v, serve: %v", wantClosed, gotClosed)
			}
		})
	}
}
