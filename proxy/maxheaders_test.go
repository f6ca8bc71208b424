//go:build unix

package proxy

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/xaccel/xaccel/internal/realnginx"
	"github.com/xaccel/xaccel/nginx"
)

// TestMaxHeaders: max_headers (Debian 12's nginx 1.22.1, nginx 1.29.8; nginx-tests'
// http_max_headers.t) refuses a request with more header lines than it
// allows with nginx's "Request Header Or Cookie Too Large" 400 and closes
// the connection; a line ignore_invalid_headers drops does not count; each
// line counts against the server chosen before it is read (nginx fetches
// the server's configuration again for every line: the Host line counts
// against the default server, the lines after it against the one it
// chose); without max_headers the limit is 1000 (TestMaxHeadersAgainstNginx
// checks that one against the nginx here).
func TestMaxHeaders(t *testing.T) {
	t.Parallel()
	prefix := t.TempDir()
	if err := os.WriteFile(filepath.Join(prefix, "index.html"), []byte("i\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	conf := `
server { listen 127.0.0.1:{{PORT}}; server_name localhost; root {{PREFIX}}; max_headers 5; location / { } }
server { listen 127.0.0.1:{{PORT}}; server_name zero; root {{PREFIX}}; max_headers 0; location / { } }
server { listen 127.0.0.1:{{PORT}}; server_name free; root {{PREFIX}}; location / { } }
`
	emu := serveFrontConf(t, strings.ReplaceAll(conf, "{{PREFIX}}", prefix))
	get := func(host string, lines ...string) string {
		raw := "GET / HTTP/1.0\r\n"
		if host != "" {
			raw += "Host: " + host + "\r\n"
		}
		return raw + strings.Join(lines, "") + "\r\n"
	}
	blah := func(n int) []string {
		var out []string
		for i := range n {
			out = append(out, fmt.Sprintf("X-Blah: %d\r\n", i))
		}
		return out
	}
	for _, c := range []struct {
		name, raw string
		status    int
	}{
		{"at the limit", get("localhost", blah(4)...), 200},
		{"over the limit", get("localhost", blah(5)...), 400},
		{"ignored invalid lines do not count", get("localhost", append(blah(4), "X@Bad: 1\r\n", "X@Bad: 2\r\n")...), 200},
		// The Host line is counted against the server chosen before it
		// (the default), the lines after it against its own.
		{"max_headers 0, Host alone", get("zero"), 200},
		{"max_headers 0, a line after Host", get("zero", blah(1)...), 400},
		{"no max_headers", get("free", blah(200)...), 200},
		{"no max_headers: 1000", get("free", blah(999)...), 200},
		{"no max_headers: over 1000", get("free", blah(1000)...), 400},
		{"no max_headers, few", get("free", blah(3)...), 200},
	} {
		resp, err := rawExchange(emu, c.raw)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !strings.HasPrefix(resp, fmt.Sprintf("HTTP/1.1 %d ", c.status)) {
			t.Errorf("%s: %.120q, want status %d", c.name, resp, c.status)
		}
		if c.status == 400 && !strings.Contains(resp, "Request Header Or Cookie Too Large") {
			t.Errorf("%s: %.300q, want nginx's page for a header too large", c.name, resp)
		}
	}
}

// serveFrontConf serves the http{} body conf, whose servers listen on
// 127.0.0.1:{{PORT}}, as xaccel serve does (server choice included), on a
// free 127.0.0.1 port until the test ends, and returns its address.
func serveFrontConf(t *testing.T, conf string) string {
	t.Helper()
	port := strconv.Itoa(freeLoopbackPort(t))
	cfg := nginx.LoadBytes("front.conf", []byte("http {"+strings.ReplaceAll(conf, "{{PORT}}", port)+"}"), nginx.LoadOptions{})
	if len(cfg.Errors) > 0 {
		t.Fatal(cfg.Errors[0])
	}
	front, _, err := NewFront(cfg, Options{}, FrontOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseListenMap("127.0.0.1:" + port + "=127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	binds, warns, err := PlanBinds(front.Listens(), BindOptions{Map: []ListenMap{m}})
	if err != nil || len(warns) > 0 || len(binds) != 1 {
		t.Fatal(err, warns, binds)
	}
	srv := NewFrontServer(front)
	t.Cleanup(func() { srv.Close() })
	ln, err := net.Listen("tcp", binds[0].Addr.String())
	if err != nil {
		t.Fatal(err)
	}
	go srv.ServeAs(ln, binds[0].Group)
	return ln.Addr().String()
}

// TestMaxHeadersAgainstNginx: without max_headers, nginx as Debian 12
// builds it (1.22.1 with its security updates) refuses a request of more
// than 1000 header lines, and so does serve.
func TestMaxHeadersAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	conf := `server { listen 127.0.0.1:{{PORT}}; location / { return 200 "ok\n"; } }`
	ng := realnginx.StartHTTP(t, conf, nil)
	emu, _ := startEmulator(t, conf, ng.Prefix, Options{})
	for _, n := range []int{999, 1000, 1001, 1500} {
		raw := "GET / HTTP/1.0\r\nHost: x\r\n"
		for i := range n - 1 {
			raw += fmt.Sprintf("X-%d: 1\r\n", i)
		}
		want, got := sendBoth(t, ng, emu, []byte(raw+"\r\n"))
		if want.Status != got.Status || string(want.Body) != string(got.Body) {
			t.Errorf("%d header lines: nginx %d %q, serve %d %q", n, want.Status, want.Body, got.Status, got.Body)
		}
	}
}
