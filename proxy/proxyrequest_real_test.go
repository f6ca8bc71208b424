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

// captureApp records each request it gets (its request line, its header
// lines sorted, its body) on got and answers 200.
func captureApp(t *testing.T, got chan<- string) string {
	t.Helper()
	return rawApp(t, func(c net.Conn) {
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
		slices.Sort(lines)
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
	app := captureApp(t, got)
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
