//go:build unix

package proxy

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/xaccel/xaccel/internal/realnginx"
)

// statusLines sends raw to addr and returns the status lines of what
// comes back (a "100 Continue" before the answer counts) and the names of
// the final answer's header fields as written.
func statusLines(t *testing.T, addr, raw string) []string {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c, raw)
	br := bufio.NewReader(c)
	var out []string
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return out
		}
		out = append(out, strings.TrimSpace(line))
		if !strings.Contains(line, " 100 ") {
			break
		}
		br.ReadString('\n') // the empty line after 100 Continue
	}
	for {
		line, err := br.ReadString('\n')
		if err != nil || line == "\r\n" {
			return out
		}
		if name, _, ok := strings.Cut(line, ":"); ok && name != "Date" {
			out = append(out, name)
		}
	}
}

// TestExpectAndAuthHeaderAgainstNginx: "Expect: 100-continue" gets its
// 100 when the body is read or discarded, even an empty one (not from an
// HTTP/1.0 client), and nginx's own WWW-Authenticate is spelled as nginx
// spells it.
func TestExpectAndAuthHeaderAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "app\n") }))
	t.Cleanup(app.Close)
	conf := `
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    root {{PREFIX}}/www;
    location /app { proxy_pass ` + app.URL + `; }
    location /auth { auth_basic "realm"; auth_basic_user_file {{PREFIX}}/htpasswd; }
}
`
	ng := realnginx.StartHTTP(t, conf, map[string]string{"www/index.html": "i\n", "htpasswd": "u:{PLAIN}p\n"})
	emu, _ := startEmulator(t, conf, ng.Prefix, Options{})
	for _, raw := range []string{
		"POST /app HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
		"POST /app HTTP/1.1\r\nHost: x\r\nExpect: 100-Continue\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
		"POST /app HTTP/1.0\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 0\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n",
		"GET /auth HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
	} {
		want, got := statusLines(t, ng.Addr, raw), statusLines(t, emu, raw)
		if strings.Join(want, "|") != strings.Join(got, "|") {
			t.Errorf("%q:\n  nginx %q\n  serve %q", raw, want, got)
		}
	}
}

// TestExpectAfterErrorPageAgainstNginx: ngx_http_send_error_page sets
// r->expect_tested unless the error_page keeps the target's status ("=")
// or makes it 200, so a PHP front controller reached through
// `error_page 404 /index.php` reads the body without a "100 Continue",
// and one reached through `error_page 404 = /index.php` sends it.
func TestExpectAfterErrorPageAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		io.WriteString(w, "app "+string(b)+"\n")
	}))
	t.Cleanup(app.Close)
	conf := `
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    root {{PREFIX}}/www;
    location /plain/ { error_page 404 /app; }
    location /keep/ { error_page 404 = /app; }
    location /ok/ { error_page 404 =200 /app; }
    location /code/ { error_page 404 =410 /app; }
    location /named/ { error_page 404 @app; }
    location /app { proxy_pass ` + app.URL + `; }
    location @app { proxy_pass ` + app.URL + `; }
}
`
	ng := realnginx.StartHTTP(t, conf, map[string]string{"www/index.html": "i\n"})
	emu, _ := startEmulator(t, conf, ng.Prefix, Options{})
	for _, dir := range []string{"plain", "keep", "ok", "code", "named"} {
		raw := "POST /" + dir + "/none HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc"
		want, got := statusLines(t, ng.Addr, raw), statusLines(t, emu, raw)
		if strings.Join(want, "\n") != strings.Join(got, "\n") {
			t.Errorf("POST /%s/none:\n  nginx %q\n  serve %q", dir, want, got)
		}
	}
}
