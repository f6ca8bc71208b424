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
// response's own headers ($sent_http_*, lists joined; the type of a 204,
// which nginx drops after add_header has seen it) and the app's
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
        add_header X-Sent-CT $sent_http_content_type;
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

// TestBadTargetVariablesAgainstNginx: a request target nginx refuses while
// it reads the request line (%00, a bad escape, a path above the root) is
// answered before the header is read, so the 400 page's add_header and
// error_page see no $http_* and no $host from the request.
func TestBadTargetVariablesAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	conf := `
map $http_host $mh {
    default other;
    localhost loc;
}
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    add_header X-Vars "host=$host hh=$http_host ua=$http_user_agent mh=$mh" always;
    location / { return 200 "ok\n"; }
    location /e { return 200 "e host=$host hh=$http_host ua=$http_user_agent mh=$mh\n"; }
    error_page 400 = /e;
}
`
	ng := realnginx.StartHTTP(t, conf, nil)
	emu, _ := startEmulator(t, conf, ng.Prefix, Options{})
	for _, target := range []string{"/a%00", "/a%zz", "/../x", "/ok"} {
		raw := realnginx.RawRequest("GET", target, http.Header{"User-Agent": {"ua1"}}, "")
		want, got := sendBoth(t, ng, emu, raw)
		if problems := diffResponses(want, got); len(problems) > 0 {
			t.Errorf("GET %s:\n  %s", target, strings.Join(problems, "\n  "))
		}
	}
}

// TestCaptureDigitAgainstNginx: "$" and a digit 1 to 9 is that capture
// alone, whatever follows ("$12" is capture 1 and "2", "$1s" capture 1 and
// "s"), in return, add_header, a map's value and expires.
func TestCaptureDigitAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	conf := `
map $arg_x $exp {
    default off;
    ~^(\d+)$ $1s;
}
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    location ~ ^/cap/(\w)(\w)$ {
        add_header X-C "$1s-$12-$2_x";
        return 200 "a=$12 b=$1s c=$2_x\n";
    }
    location /e/ {
        expires $exp;
        return 200 "d=$exp\n";
    }
}
`
	ng := realnginx.StartHTTP(t, conf, nil)
	emu, _ := startEmulator(t, conf, ng.Prefix, Options{})
	getsAgree(t, ng, emu, "/cap/ab", "/e/?x=30", "/e/?x=y")
}

// TestRequestFilenameInAddHeaderAgainstNginx: $request_filename as
// add_header sees it on answers made before the content phase: the
// location found is the request's already when its internal check refuses
// it (its root, inherited from the location around it), and a rewrite
// with redirect marks the URI changed, so an alias no longer maps it.
func TestRequestFilenameInAddHeaderAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	conf := `
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    add_header X-Fn $request_filename always;
    location /in/ {
        root {{PREFIX}}/www;
        location ~ \.txt$ { internal; }
    }
    location /re/ {
        alias {{PREFIX}}/www/;
        rewrite ^/re/(.*)$ /x/$1 redirect;
    }
    location /rp/ {
        root {{PREFIX}}/www;
        rewrite ^/rp/(.*)$ http://example.com/$1 permanent;
    }
}
`
	ng := realnginx.StartHTTP(t, conf, map[string]string{"www/in/a.txt": "a\n"})
	emu, _ := startEmulator(t, conf, ng.Prefix, Options{})
	getsAgree(t, ng, emu, "/in/a.txt", "/in/b.html", "/re/a.txt", "/rp/a.txt")
}

// TestStatusAfterErrorPageAgainstNginx: $status in add_header when the
// page an error_page with "=200" names is missing too, and nginx answers
// its own 404: the error being answered, not the code "=200" gave.
func TestStatusAfterErrorPageAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	conf := `
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    root {{PREFIX}}/www;
    add_header X-S $status always;
    location /a/ { error_page 404 =200 /missing.html; }
    location /b/ { error_page 404 =200 /b/found.txt; }
    location /c/ { error_page 404 = /missing.html; }
}
`
	ng := realnginx.StartHTTP(t, conf, map[string]string{"www/b/found.txt": "found\n"})
	emu, _ := startEmulator(t, conf, ng.Prefix, Options{})
	getsAgree(t, ng, emu, "/a/x.txt", "/b/x.txt", "/c/x.txt")
}
