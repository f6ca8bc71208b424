//go:build unix

package proxy

import (
	"strings"
	"testing"

	"github.com/xaccel/xaccel/internal/realnginx"
)

// TestProxyPassURIAgainstNginx compares the request URI the app gets for
// proxy_pass forms: with a URI part and variables (sent as it is), with
// variables and no URI part, with captures of a regex location.
func TestProxyPassURIAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	app := accessApp(t)
	conf := strings.ReplaceAll(`
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    set $backend APP;
    location ^~ /var-uri/ { proxy_pass http://APP$request_uri; }
    location ^~ /var-path/ { proxy_pass http://APP/fixed$uri; }
    location ^~ /var-host/ { proxy_pass http://$backend; }
    location ~ ^/re/(.*)$ { proxy_pass http://APP/got/$1$is_args$args; }
    location /plain/ { proxy_pass http://APP/p/; }
}
`, "APP", app)
	ng := realnginx.StartHTTP(t, conf, nil)
	emu, _ := startEmulator(t, conf, ng.Prefix, Options{})
	getsAgree(t, ng, emu, "/var-uri/a%20b?x=1&y=2", "/var-path/c?q=1", "/var-host/d?q=2", "/re/e/f?z=3", "/re/g%2Fh", "/plain/i?j=1")
}

// TestProxyPassInIfAgainstNginx compares the request URI the app gets
// from a proxy_pass in an if block (without a URI part: the client's
// target as it came), the last matching if block's, and the location's
// when no if block matches or the one that does has no proxy_pass.
func TestProxyPassInIfAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	app := accessApp(t)
	conf := strings.ReplaceAll(`
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    location /if/ {
        if ($arg_i) { proxy_pass http://APP; }
        if ($arg_j) { set $x 1; }
        proxy_pass http://APP/up/;
    }
    location /ifonly/ {
        if ($arg_i) { proxy_pass http://APP; }
        return 200 "no if";
    }
}
`, "APP", app)
	ng := realnginx.StartHTTP(t, conf, nil)
	emu, warns := startEmulator(t, conf, ng.Prefix, Options{})
	for _, w := range warns {
		t.Errorf("warning: %s", w)
	}
	getsAgree(t, ng, emu, "/if/a%20b?i=1", "/if/a?i=1&j=1", "/if/a?j=1", "/if/a", "/ifonly/x?i=1", "/ifonly/x")
}
