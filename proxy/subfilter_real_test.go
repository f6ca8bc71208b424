//go:build unix

package proxy

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/xaccel/xaccel/internal/realnginx"
)

// TestSubFilterAgainstNginx compares sub_filter with nginx: several
// strings, case, sub_filter_once on and off, variables, sub_filter_types,
// sub_filter_last_modified, a Range on a filtered page, SSI after it, and
// an app's body cut short (what came is sent, without a last chunk).
func TestSubFilterAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	app := realnginx.ServeRaw(t, func(c net.Conn) {
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		req, err := http.ReadRequest(bufio.NewReader(c))
		if err != nil {
			return
		}
		body := "foo FOO bar Foo baz\n"
		if strings.HasSuffix(req.URL.Path, "/cut") {
			fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100\r\n\r\n%s", body)
			return
		}
		fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(body), body)
	})
	conf := `
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    root {{PREFIX}}/html;
    sub_filter foo "[$arg_r]";
    sub_filter baz qux;
    location /many/ { sub_filter_once off; }
    location /lm/ { sub_filter_last_modified on; }
    location /txt/ { sub_filter_types text/plain; }
    location /own/ { sub_filter Bar zap; }
    location /ssi/ { ssi on; }
    location /app/ { proxy_pass http://APP; }
}
`
	conf = strings.ReplaceAll(conf, "APP", app)
	page := "foo FOO bar Foo baz <!--#echo var=\"arg_r\" -->\n"
	files := map[string]string{"html/p.html": page, "html/many/p.html": page, "html/lm/p.html": page,
		"html/txt/p.txt": page, "html/p.txt": page, "html/own/p.html": page, "html/ssi/p.html": page}
	ng := realnginx.StartHTTP(t, conf, files)
	emu, _ := startEmulator(t, conf, ng.Prefix, Options{})
	for _, c := range []struct {
		target string
		h      http.Header
	}{
		{"/p.html?r=x", nil}, {"/many/p.html?r=x", nil}, {"/lm/p.html", nil}, {"/txt/p.txt", nil}, {"/p.txt", nil},
		{"/own/p.html", nil}, {"/ssi/p.html?r=y", nil}, {"/p.html", http.Header{"Range": {"bytes=0-3"}}},
		{"/app/x?r=z", nil},
	} {
		for _, method := range []string{"GET", "HEAD"} {
			want, got := sendBoth(t, ng, emu, realnginx.RawRequest(method, c.target, c.h, ""))
			if problems := diffResponses(want, got); len(problems) > 0 {
				t.Errorf("%s %s %v:\n  %s", method, c.target, c.h, strings.Join(problems, "\n  "))
			}
		}
	}
	// The app's body cut short: the client gets what came, chunked, and
	// no last chunk.
	raw := func(addr string) string {
		conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		io.WriteString(conn, "GET /app/cut?r=c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		b, _ := io.ReadAll(conn)
		_, body, _ := strings.Cut(string(b), "\r\n\r\n")
		return body
	}
	if want, got := raw(ng.Addr), raw(emu); want != got {
		t.Errorf("a cut body: nginx %q, serve %q", want, got)
	}
}
