//go:build unix

package proxy

import (
	"strings"
	"testing"

	"github.com/xaccel/xaccel/internal/realnginx"
)

// TestRewriteEscapingAgainstNginx compares how rewrite escapes and
// unescapes: a redirect to a variable holding escapes (decoded but for
// control bytes and what comes after a '?'), captures in the arguments
// of a replacement (escaped when the client's URI had escapes or a '+'),
// and a rewrite with break in a location that proxies with a URI (the
// changed URI goes whole).
func TestRewriteEscapingAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	conf := `
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    location /t1 { rewrite ^ $arg_r? redirect; }
    location /t2 { rewrite ^ http://example.com$request_uri? redirect; }
    location /t3 { rewrite ^(.*) http://example.com$1 redirect; }
    location /cap { rewrite ^(.*) $1?c=$1; return 200 "uri:$uri args:$args\n"; }
    location /capuri { rewrite ^/capuri(.*) /shown$1 last; }
    location /shown { return 200 "shown uri:$uri args:$args\n"; }
    location /brk { rewrite ^ /ret200; break; proxy_pass http://127.0.0.1:{{PORT}}/ret204; }
    location /ret200 { return 200 "200 $uri\n"; }
    location /ret204 { return 200 "204 $uri\n"; }
}
`
	ng := realnginx.StartHTTP(t, conf, nil)
	// serve's /brk proxies to nginx too: both answers show the URI sent.
	emu, _ := startEmulator(t, strings.ReplaceAll(conf, "http://127.0.0.1:{{PORT}}", "http://"+ng.Addr), ng.Prefix, Options{})
	getsAgree(t, ng, emu,
		"/t1?r=http%3A%2F%2Fexample.com%2F%3Ffrom",
		"/t1?r=http%3A%2F%2Fexample.com%0D%0Asplit",
		"/t1?r=%2Fa%3Fb%3Dc%2520d",
		"/t1?r=%zz%4",
		"/t2/a%20b?x=y", "/t3/a%20b%3F",
		"/cap/%25?a=b", "/cap/a+b%26c;d", "/cap/plain&x?q=1",
		"/capuri/a%2Fb?k=v",
		"/brk",
	)
}
