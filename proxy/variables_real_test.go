//go:build unix

package proxy

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/xaccel/xaccel/internal/realnginx"
)

// TestListVariablesAgainstNginx compares the variables of headers that
// come several times with nginx: $http_cookie and $http_x_forwarded_for
// joined, another header's first value, $proxy_add_x_forwarded_for, the
// response's own headers ($sent_http_*, lists joined) and the app's
// cookies ($upstream_cookie_*).
func TestListVariablesAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	app := &httptest.Server{Listener: ln, Config: &http.Server{ReadHeaderTimeout: 5 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Add("Set-Cookie", "foo=1; Path=/")
			w.Header().Add("Set-Cookie", "bar=2")
			w.Header().Set("X-Saw-XFF", r.Header.Get("X-Forwarded-For"))
			w.WriteHeader(http.StatusNoContent)
		})}}
	app.Start()
	t.Cleanup(app.Close)
	conf := `
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    location /v {
        add_header X-Cookie $http_cookie;
        add_header X-XFF $http_x_forwarded_for;
        add_header X-Other $http_x_other;
        return 204;
    }
    location /s {
        add_header Cache-Control foo;
        add_header Cache-Control bar;
        add_header Link a;
        add_header Link b;
        add_header X-Sent-CC $sent_http_cache_control;
        add_header X-Sent-Link $sent_http_link;
        return 204;
    }
    location /u {
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        add_header X-Up-Foo $upstream_cookie_foo;
        add_header X-Up-Bar $upstream_cookie_bar;
        add_header X-Up-None "[$upstream_cookie_none]";
        proxy_pass http://` + ln.Addr().String() + `;
    }
}
`
	ng := realnginx.StartHTTP(t, conf, nil)
	emu, _ := startEmulator(t, conf, ng.Prefix, Options{})
	multi := http.Header{"Cookie": {"foo=1", "bar=2; baz=3"}, "X-Forwarded-For": {"1.1.1.1", "2.2.2.2"}, "X-Other": {"a", "b"}}
	for _, c := range []struct {
		target string
		header http.Header
	}{{"/v", multi}, {"/v", nil}, {"/s", nil}, {"/u", multi}} {
		want, got := sendBoth(t, ng, emu, realnginx.RawRequest("GET", c.target, c.header, ""))
		if problems := diffResponses(want, got); len(problems) > 0 {
			t.Errorf("GET %s %v:\n  %s", c.target, c.header, strings.Join(problems, "\n  "))
		}
	}
}
