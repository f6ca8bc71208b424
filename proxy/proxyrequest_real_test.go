//go:build unix

package proxy

import (
	"bufio"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xaccel/xaccel/internal/realnginx"
)

// recordApp records each request it gets on got, its request line, its
// header lines (in the order and case they came in, or sorted) and its
// body, and answers 200.
func recordApp(t *testing.T, got chan<- string, sorted bool) string {
	t.Helper()
	return realnginx.ServeRaw(t, func(c net.Conn) {
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		br := bufio.NewReader(c)
		first, _ := br.ReadString('\n')
		var lines []string
		length := 0
		for {
			line, err := br.ReadString('\n')
			if err != nil || line == "\r\n" {
				break
			}
			lines = append(lines, line)
			if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(k, "Content-Length") {
				length, _ = strconv.Atoi(strings.TrimSpace(v))
			}
		}
		// proxy_pass_request_body off announces a length and sends
		// nothing: what came within a moment is the body.
		c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		body := make([]byte, length)
		n, _ := io.ReadFull(br, body)
		body = body[:n]
		if sorted {
			slices.Sort(lines)
		}
		got <- first + strings.Join(lines, "") + "\r\n" + string(body)
		io.WriteString(c, "HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nok\n")
	})
}

// TestProxyRequestAgainstNginx compares the request the app gets from
// nginx and from serve under proxy_method (a constant, a variable, an
// empty one, inherited), proxy_pass_request_headers off and
// proxy_pass_request_body off.
func TestProxyRequestAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	got := make(chan string, 4)
	app := recordApp(t, got, true)
	conf := `
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    location / { proxy_pass http://` + app + `; }
    location /const { proxy_method PUT; proxy_pass http://` + app + `; }
    location /var { proxy_method $arg_m; proxy_pass http://` + app + `; }
    location /parent { proxy_method POST; location /parent/child { proxy_pass http://` + app + `; } }
    location /nohdr { proxy_pass_request_headers off; proxy_pass http://` + app + `; }
    location /nobody { proxy_pass_request_body off; proxy_pass http://` + app + `; }
    location /neither {
        proxy_pass_request_headers off;
        proxy_pass_request_body off;
        proxy_set_header X-Set yes;
        proxy_pass http://` + app + `;
    }
}
`
	ng := realnginx.StartHTTP(t, conf, nil)
	emu, _ := startEmulator(t, conf, ng.Prefix, Options{})
	for _, c := range []struct{ method, target string }{
		{"GET", "/plain"}, {"GET", "/const"}, {"GET", "/var?m=DELETE"}, {"GET", "/var?m="},
		{"GET", "/parent/child"}, {"POST", "/nohdr"}, {"POST", "/nobody"}, {"POST", "/neither"},
	} {
		raw := c.method + " " + c.target + " HTTP/1.1\r\nHost: localhost\r\nX-Client: c\r\nConnection: close\r\n"
		if c.method == "POST" {
			raw += "Content-Type: text/plain\r\nContent-Length: 4\r\n\r\nbody"
		} else {
			raw += "\r\n"
		}
		var seen [2]string
		for i, addr := range []string{ng.Addr, emu} {
			if _, err := realnginx.SendRaw(addr, []byte(raw)); err != nil {
				t.Fatal(err)
			}
			select {
			case seen[i] = <-got:
			case <-time.After(5 * time.Second):
				t.Fatalf("%s %s: the app got nothing", c.method, c.target)
			}
		}
		if seen[0] != seen[1] {
			t.Errorf("%s %s: the app got\nfrom nginx:\n%q\nfrom serve:\n%q", c.method, c.target, seen[0], seen[1])
		}
	}
}

// TestProxyRequestHeaderLinesAgainstNginx compares the request the app
// gets byte for byte: the client's header lines in their order and case
// after those of the proxy module (Content-Length among them, in its
// place), $http_ of a name with '_', $request_uri and $http_host after an
// absolute-form request target, and proxy_set_body.
func TestProxyRequestHeaderLinesAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	got := make(chan string, 4)
	app := recordApp(t, got, false)
	conf := strings.ReplaceAll(`
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    underscores_in_headers on;
    location / { proxy_pass http://APP; }
    location /vars {
        proxy_set_header X-Under $http_x_under;
        proxy_set_header X-Req $request_uri;
        proxy_set_header X-Host $http_host;
        proxy_pass http://APP;
    }
    location /setbody { proxy_set_body "b=$arg_x"; proxy_pass http://APP; }
}
`, "APP", app)
	ng := realnginx.StartHTTP(t, conf, nil)
	emu, _ := startEmulator(t, conf, ng.Prefix, Options{})
	for _, raw := range []string{
		"POST /plain HTTP/1.1\r\nHost: localhost\r\nx-lower: l\r\nZeta: 1\r\nX-UPPER: U\r\nAlpha: 2\r\nX_Under: 3\r\n" +
			"Cookie: a=1\r\nzeta: 4\r\nCookie: b=2\r\nConnection: close\r\nContent-Length: 4\r\n\r\nbody",
		"GET http://Other.Example:8080/vars?q=1 HTTP/1.1\r\nHost: localhost\r\nX_Under: u\r\nX-Under: dash\r\nConnection: close\r\n\r\n",
		"GET http://Other.Example/vars HTTP/1.1\r\nHost: localhost\r\nx-under: dash\r\nConnection: close\r\n\r\n",
		"POST /setbody?x=1 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: 6\r\n\r\nclient",
	} {
		var seen [2]string
		for i, addr := range []string{ng.Addr, emu} {
			if _, err := realnginx.SendRaw(addr, []byte(raw)); err != nil {
				t.Fatal(err)
			}
			select {
			case seen[i] = <-got:
			case <-time.After(5 * time.Second):
				t.Fatalf("%q: the app got nothing", firstLine([]byte(raw)))
			}
		}
		if seen[0] != seen[1] {
			t.Errorf("%s: the app got\nfrom nginx:\n%q\nfrom serve:\n%q", firstLine([]byte(raw)), seen[0], seen[1])
		}
	}
}
