//go:build unix

package proxy

import (
	"bufio"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/xaccel/xaccel/internal/realnginx"
)

// orderApp answers every request with header fields in an order that is
// not alphabetical, and closes.
func orderApp(t *testing.T) string {
	t.Helper()
	return realnginx.ServeRaw(t, func(c net.Conn) {
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		br := bufio.NewReader(c)
		first, _ := br.ReadString('\n')
		for {
			line, err := br.ReadString('\n')
			if err != nil || line == "\r\n" {
				break
			}
		}
		if strings.Contains(first, "/xar") {
			io.WriteString(c, "HTTP/1.0 200 OK\r\nContent-Disposition: attachment\r\nSet-Cookie: s=1\r\n"+
				"Cache-Control: private\r\nX-Accel-Redirect: /internal/a.txt\r\nSet-Cookie: t=2\r\nContent-Length: 0\r\n\r\n")
			return
		}
		io.WriteString(c, "HTTP/1.0 200 OK\r\nX-Zeta: 1\r\nCache-Control: no-store\r\nX-Alpha: 2\r\n"+
			"Set-Cookie: a=1\r\nX-Mid: 3\r\nSet-Cookie: b=2\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nok\n")
	})
}

// headerNames sends raw to addr and returns the names of the response's
// header fields in the order they came, without Date.
func headerNames(t *testing.T, addr, raw string) []string {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c, raw)
	br := bufio.NewReader(c)
	br.ReadString('\n') // status line
	var names []string
	for {
		line, err := br.ReadString('\n')
		if err != nil || line == "\r\n" {
			break
		}
		if name, _, ok := strings.Cut(line, ":"); ok && name != "Date" {
			names = append(names, name)
		}
	}
	return names
}

// TestHeaderOrderAgainstNginx: the fields of a response come in nginx's
// order: its own first, then the app's in the app's order, then
// add_header's in the configuration's order; for a file, ETag, expires'
// fields, add_header's and Accept-Ranges last; after X-Accel-Redirect,
// the app's fields nginx keeps, in the app's order, first.
func TestHeaderOrderAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	app := orderApp(t)
	conf := `
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    location / {
        proxy_pass http://` + app + `;
        add_header X-Yes yes;
        add_header X-Added added;
    }
    location /ret { add_header X-B b; add_header X-A a; return 200 "r\n"; }
    location /xar { proxy_pass http://` + app + `; }
    location /internal/ { internal; alias {{PREFIX}}/www/f/; add_header X-Last last; }
    location /f/ { root {{PREFIX}}/www; expires 1h; add_header X-Z z; add_header Cache-Control extra; }
}
`
	ng := realnginx.StartHTTP(t, conf, map[string]string{"www/f/a.txt": "a\n"})
	emu, _ := startEmulator(t, conf, ng.Prefix, Options{})
	for _, target := range []string{"/x", "/ret", "/f/a.txt", "/f", "/xar"} {
		raw := "GET " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
		want, got := headerNames(t, ng.Addr, raw), headerNames(t, emu, raw)
		if strings.Join(want, ",") != strings.Join(got, ",") {
			t.Errorf("GET %s: header order\n  nginx %v\n  serve %v", target, want, got)
		}
	}
}
