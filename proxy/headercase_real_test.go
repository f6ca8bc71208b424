//go:build unix

package proxy

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/xaccel/xaccel/internal/realnginx"
)

// rawHeaderNames sends raw to addr and returns the names of the response's
// header lines as they were written, sorted, Date and Connection aside.
func rawHeaderNames(t *testing.T, addr, raw string) []string {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c, raw)
	br := bufio.NewReader(c)
	if _, err := br.ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	var names []string
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			break
		}
		name, _, _ := strings.Cut(line, ":")
		if name != "Date" && name != "Connection" {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

// TestHeaderNameCaseAgainstNginx: an add_header name and an app's header
// name go out spelled as written (X-URI, x-lower), the headers nginx
// writes itself in its own spelling, in serve as in nginx.
func TestHeaderNameCaseAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	app := realnginx.ServeRaw(t, func(c net.Conn) {
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		bufio.NewReader(c).ReadString('\n')
		fmt.Fprint(c, "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nx-lower: 1\r\nX-MiXeD: 2\r\ncache-control: no-store\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok")
	})
	conf := `
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    root {{PREFIX}}/www;
    location /f/ { add_header X-URI $uri; add_header x-small a; }
    location /p/ { proxy_pass http://` + app + `; add_header X-URI $uri; }
}
`
	ng := realnginx.StartHTTP(t, conf, map[string]string{"www/f/a.txt": "a\n"})
	emu, _ := startEmulator(t, conf, ng.Prefix, Options{})
	for _, target := range []string{"/f/a.txt", "/p/x"} {
		raw := "GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
		want, got := rawHeaderNames(t, ng.Addr, raw), rawHeaderNames(t, emu, raw)
		if strings.Join(want, " ") != strings.Join(got, " ") {
			t.Errorf("GET %s: header names nginx %q, serve %q", target, want, got)
		}
	}
}
