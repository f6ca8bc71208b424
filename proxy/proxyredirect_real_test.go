//go:build unix

package proxy

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/xaccel/xaccel/internal/realnginx"
)

// TestProxyRedirectRegexAgainstNginx compares Location and Refresh after
// proxy_redirect rules that are regular expressions: with captures,
// without case, anywhere in the value, and a literal rule before them.
func TestProxyRedirectRegexAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		to := r.URL.Query().Get("to")
		w.Header().Set("Location", to)
		w.Header().Set("Refresh", "5; url="+to)
		w.WriteHeader(http.StatusFound)
		io.WriteString(w, "moved\n")
	}))
	t.Cleanup(app.Close)
	conf := `
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    location / {
        proxy_pass ` + app.URL + `;
        proxy_redirect http://literal.example/ /lit/;
        proxy_redirect ~^(.+)/regex_w_([^/]+) $1/$2/test.html;
        proxy_redirect ~*re+gexp? /replaced/test.html;
    }
}
`
	ng := realnginx.StartHTTP(t, conf, nil)
	emu, _ := startEmulator(t, conf, ng.Prefix, Options{})
	for _, to := range []string{
		"http://literal.example/a", "http://h.example/one/regex_w_two", "http://h.example/x/REEEGEX",
		"/path/regexp/more", "http://nomatch.example/", "/regex_w_x",
	} {
		want, got := sendBoth(t, ng, emu, realnginx.RawRequest("GET", "/go?to="+to, nil, ""))
		for _, h := range []string{"Location", "Refresh"} {
			w, g := want.Header.Get(h), got.Header.Get(h)
			w, g = normalize(w), normalize(g) // the two listen on different ports
			if w != g {
				t.Errorf("to %s: %s nginx %q, serve %q", to, h, w, g)
			}
		}
	}
}

// TestProxyRedirectInheritedAgainstNginx compares Location and Refresh
// where the rules come from another level (ngx_http_proxy_merge_loc_conf):
// a nested location without proxy_redirect keeps the default rule of its
// parent's proxy_pass, not one of its own; an if block's proxy_pass keeps
// its location's; proxy_redirect off stays off below.
func TestProxyRedirectInheritedAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	var self string
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		to := strings.ReplaceAll(r.URL.Query().Get("to"), "SELF", self)
		w.Header().Set("Location", to)
		w.Header().Set("Refresh", "5; url="+to)
		w.WriteHeader(http.StatusFound)
	}))
	t.Cleanup(app.Close)
	self = strings.TrimPrefix(app.URL, "http://")
	conf := strings.ReplaceAll(`
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    location /outer/ {
        proxy_pass http://APP/;
        location /outer/in/ { proxy_pass http://APP/up/; }
    }
    location /iff/ {
        proxy_pass http://APP/up/;
        if ($arg_i) { proxy_pass http://APP; }
    }
    location /ifonly/ {
        if ($arg_i) { proxy_pass http://APP; }
        return 404;
    }
    location /off/ {
        proxy_redirect off;
        location /off/in/ { proxy_pass http://APP/x/; }
    }
}
`, "APP", self)
	ng := realnginx.StartHTTP(t, conf, nil)
	emu, _ := startEmulator(t, conf, ng.Prefix, Options{})
	for _, c := range []struct{ path, to string }{
		{"/outer/in/go", "http://SELF/up/a"}, {"/outer/in/go", "http://SELF/b"}, {"/outer/go", "http://SELF/c"},
		{"/iff/go?i=1", "http://SELF/up/d"}, {"/iff/go?i=1", "http://SELF/e"}, {"/iff/go", "http://SELF/up/f"},
		{"/ifonly/go?i=1", "http://SELF/g"}, {"/off/in/go", "http://SELF/x/h"},
	} {
		sep := "?"
		if strings.Contains(c.path, "?") {
			sep = "&"
		}
		target := c.path + sep + "to=" + url.QueryEscape(c.to)
		want, got := sendBoth(t, ng, emu, realnginx.RawRequest("GET", target, nil, ""))
		for _, h := range []string{"Location", "Refresh"} {
			if w, g := normalize(want.Header.Get(h)), normalize(got.Header.Get(h)); w != g {
				t.Errorf("%s: %s nginx %q, serve %q", target, h, w, g)
			}
		}
	}
}
