//go:build unix

package proxy

import (
	"net/http"
	"strings"
	"testing"

	"github.com/xaccel/xaccel/internal/realnginx"
)

const rewriteConf = `
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    root {{PREFIX}}/www;

    rewrite ^/old/(.*)$ /new/$1 last;
    if ($arg_srv = deny) { return 403; }
    set $site main;

    location /new/ { add_header X-Site $site; }
    location /r/ {
        rewrite ^/r/perm/(.*)$ /new/$1 permanent;
        rewrite ^/r/red/(.*)$ /new/$1? redirect;
        rewrite ^/r/abs/(.*)$ http://example.com/$1;
        rewrite ^/r/args/(.*)$ /new/$1?x=1;
        rewrite ^/r/drop/(.*)$ /new/$1?;
        rewrite ^/r/brk/(.*)$ /new/$1 break;
        rewrite ^/r/chain/(.*)$ /r/perm/$1;
        return 404;
    }
    location /loop/ { rewrite ^ /loop/x; }
    location /int/ { rewrite ^/int/(.*)$ /prot/$1 last; }
    location /prot/ { internal; alias {{PREFIX}}/prot/; }
    location /if/ {
        if ($request_method = POST) { return 405; }
        if ($http_x_a ~* ^(yes|si)$) { return 200 "cap=$1"; }
        if (!-f $request_filename) { rewrite ^ /new/fallback.txt last; }
        if ($arg_v) { return 200 "v=$arg_v"; }
    }
    location ~ ^/re/(?<name>[a-z]+)/(\d+)$ { return 200 "name=$name num=$2"; }
    location /set/ { set $a "A-$uri"; set $args "q=1"; return 200 "$a $args"; }
    location /brkdir/ { set $x 1; break; return 200 "not reached"; }
    location /ret/ { return 302 /new/a.txt; }
    location /ret2/ { return https://example.org/x; }
    location /text/ { return 200 "hello $uri"; }
    location /cap/ { rewrite ^/cap/(.*)$ /show/$1 last; }
    location /capr/ { rewrite ^/capr/(.*)$ /to/$1 redirect; }
    location /capq/ { rewrite ^/capq/(.*)$ /to/$1?w=1 redirect; }
    location /show/ { return 200 "uri=$uri args=$args"; }
    location /seq/ {
        if ($arg_a) { set $which a; }
        if ($arg_b) { set $which "${which}b"; break; }
        return 200 "which=$which";
    }
}
`

// TestRewriteAgainstNginx sends the same requests to real nginx and to
// serve on a configuration using the rewrite module at server and location
// level: rewrite with each flag and argument rule, return in order with
// rewrites, set, break, if with each kind of condition, one after another, regex
// captures (numbered and named), a rewrite into an internal location, and
// a rewrite cycle.
func TestRewriteAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	files := map[string]string{
		"www/new/a.txt": "new a\n", "www/new/fallback.txt": "fallback\n", "www/if/real.txt": "real\n",
		"www/brkdir/f.txt": "brkdir file\n", "prot/p.txt": "protected\n",
	}
	ng := realnginx.StartHTTP(t, rewriteConf, files)
	emu, warns := startEmulator(t, rewriteConf, ng.Prefix, Options{})
	for _, w := range warns {
		t.Errorf("warning: %s", w)
	}
	reqs := []struct {
		method, target string
		header         http.Header
	}{
		{"GET", "/old/a.txt", nil}, {"GET", "/old/a.txt?srv=deny", nil}, {"GET", "/new/a.txt", nil},
		{"GET", "/r/perm/a.txt", nil}, {"GET", "/r/perm/a.txt?k=v", nil}, {"GET", "/r/red/a.txt?k=v", nil},
		{"GET", "/r/abs/x?k=v", nil}, {"GET", "/r/args/a.txt?k=v", nil}, {"GET", "/r/drop/a.txt?k=v", nil},
		{"GET", "/r/brk/a.txt", nil}, {"GET", "/r/chain/a.txt", nil}, {"GET", "/r/other", nil},
		{"GET", "/loop/y", nil}, {"GET", "/int/p.txt", nil}, {"GET", "/prot/p.txt", nil},
		{"POST", "/if/real.txt", nil}, {"GET", "/if/real.txt", http.Header{"X-A": {"SI"}}},
		{"GET", "/if/real.txt", nil}, {"GET", "/if/missing", nil}, {"GET", "/if/real.txt?v=0", nil},
		{"GET", "/if/real.txt?v=1", nil}, {"GET", "/re/abc/42", nil}, {"GET", "/re/abc/x", nil},
		{"GET", "/set/x?orig=1", nil}, {"GET", "/brkdir/f.txt", nil}, {"GET", "/ret/x?k=v", nil},
		{"GET", "/ret2/", nil}, {"GET", "/text/a%20b", nil}, {"HEAD", "/text/x", nil},
		{"GET", "/cap/a%3Fb?x=1", nil}, {"GET", "/cap/a%3F", nil}, {"GET", "/capr/a%3Fb?x=1", nil},
		{"GET", "/capq/a%3Fb?x=1", nil}, {"GET", "/capr/plain?x=1", nil},
		{"GET", "/seq/", nil}, {"GET", "/seq/?a=1", nil}, {"GET", "/seq/?a=1&b=1", nil}, {"GET", "/seq/?b=1", nil},
	}
	for _, rq := range reqs {
		raw := realnginx.RawRequest(rq.method, rq.target, rq.header, "")
		want, got := sendBoth(t, ng, emu, raw)
		if problems := diffResponses(want, got); len(problems) > 0 {
			t.Errorf("%s %s %v:\n  %s", rq.method, rq.target, rq.header, strings.Join(problems, "\n  "))
		}
	}
}
