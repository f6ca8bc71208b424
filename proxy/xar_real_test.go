//go:build unix

package proxy

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xaccel/xaccel/internal/realnginx"
	"github.com/xaccel/xaccel/nginx"
)

// xarRealConf is the config of TestXAccelRulesAgainstNginx. BACKEND is the
// scripted app (scriptBackend). /p/ and its variants proxy to it; the
// other locations are X-Accel-Redirect targets with different settings.
const xarRealConf = `server_tokens off;
upstream appblock { server BACKEND; }
upstream twoblock { server 127.0.0.1:1 down; server BACKEND; }
upstream sockblock { server unix:{{PREFIX}}/app.sock; }
charset_map windows-1251 koi8-r { C0 E1; }
server {
    listen 127.0.0.1:{{PORT}};
    root {{PREFIX}}/www;

    location /p/ { proxy_pass http://BACKEND; }
    location /pbig/ { proxy_pass http://BACKEND; proxy_buffer_size 16k; proxy_buffers 8 16k; proxy_busy_buffers_size 32k; }
    location /pb/ { proxy_pass http://appblock; }
    location /pb2/ { proxy_pass http://twoblock; }
    location /pu/ { proxy_pass http://BACKEND/u/; }
    location /psock/ { proxy_pass http://sockblock; }
    location /pusock/ { proxy_pass http://unix:{{PREFIX}}/app.sock:/w/; }
    location /pign/ { proxy_pass http://BACKEND; proxy_ignore_headers X-Accel-Redirect X-Accel-Charset; }
    location /ppass/ { proxy_pass http://BACKEND; proxy_pass_header X-Accel-Redirect; proxy_pass_header X-Accel-Limit-Rate; }
    location /pignpass/ {
        proxy_pass http://BACKEND;
        proxy_ignore_headers X-Accel-Redirect;
        proxy_pass_header X-Accel-Redirect;
    }
    location /phide/ {
        proxy_pass http://BACKEND;
        proxy_hide_header Set-Cookie;
        proxy_hide_header Content-Disposition;
        proxy_hide_header Cache-Control;
        proxy_hide_header Content-Type;
    }
    location /padd/ {
        proxy_pass http://BACKEND;
        add_header X-Padd yes;
        add_header X-Padd-Always yes always;
        expires 1h;
    }
    location /pint/ {
        proxy_pass http://BACKEND;
        proxy_intercept_errors on;
        error_page 404 /errors/404.html;
        error_page 403 = @named;
        error_page 401 =200 /errors/401.txt;
        error_page 410 http://elsewhere.example/gone;
    }
    location /perr/ {
        proxy_pass http://BACKEND;
        error_page 404 /errors/404.html;
        error_page 500 = @named;
    }
    location /pnored/ { proxy_pass http://BACKEND; proxy_redirect off; }
    location /pred/ { proxy_pass http://BACKEND; proxy_redirect http://app.example/ /mapped/; }
    location /pbuf/ { proxy_pass http://BACKEND; proxy_buffering off; }
    location /pcs/ { proxy_pass http://BACKEND; charset utf-8; }
    location /loop/ { proxy_pass http://BACKEND/selfloop/; add_header X-Loop yes always; }

    location ^~ /prot/ {
        internal;
        alias {{PREFIX}}/www/;
        add_header X-Content-Type-Options nosniff;
    }
    location /exp/ { internal; alias {{PREFIX}}/www/; expires 1h; }
    location /epoch/ {
        internal;
        alias {{PREFIX}}/www/;
        expires epoch;
        add_header X-Content-Type-Options nosniff always;
    }
    location /typed/ {
        internal;
        alias {{PREFIX}}/www/;
        types { application/x-custom txt; }
        default_type application/x-def;
    }
    location /cs/ { internal; alias {{PREFIX}}/www/; charset windows-1251; }
    location /oct/ { internal; alias {{PREFIX}}/www/; default_type application/octet-stream; }
    location /csoct/ { internal; alias {{PREFIX}}/www/; default_type application/octet-stream; charset windows-1251; }
    location /tf/ { try_files /nonexist /ret/tf; }
    location /cssrc/ { internal; alias {{PREFIX}}/www/; charset koi8-r; source_charset windows-1251; }
    location /errp/ { internal; alias {{PREFIX}}/www/; error_page 404 /errors/404.html; }
    location /errret/ { internal; error_page 403 = /ret/e; return 403; }
    location /again/ { internal; proxy_pass http://BACKEND/second/; proxy_set_header X-Hop 2; }
    location /again2/ { internal; proxy_pass http://BACKEND; proxy_set_header X-Hop 2; }
    location /pdead/ { proxy_pass http://127.0.0.1:1; }
    location /ret/ { internal; return 200 "ret uri=$uri args=$args method=$request_method"; }
    location /errors/ { internal; alias {{PREFIX}}/www/errors/; }
    location /media { internal; alias {{PREFIX}}/www; }
    location /public/ { alias {{PREFIX}}/www/; }
    location @named { return 200 "named uri=$uri args=$args method=$request_method"; }
    location @namedfile { root {{PREFIX}}/www; }
    location @namedproxy { proxy_pass http://BACKEND; proxy_set_header X-Hop n; }
    location @named404 { return 404; }
}
`

// xarRealFiles is the file tree under the prefix. The server root is www;
// www-sibling and wwwa.txt are reachable through relative X-Accel values
// (root + value, no separator).
var xarRealFiles = map[string]string{
	"www/a.txt":            "file a\n",
	"www/page.html":        "<p>page</p>\n",
	"www/data.json":        "{\"k\": 1}\n",
	"www/noext":            "no extension\n",
	"www/big.bin":          strings.Repeat("0123456789", 1000),
	"www/huge.bin":         strings.Repeat("abcdefghijklmnopqrstuvwxyz0123456789", 3000),
	"www/sub/b.txt":        "sub b\n",
	"www/sub2/index.html":  "<p>index of sub2</p>\n",
	"www/dir/f.txt":        "dir f\n",
	"www/sp dir/f.txt":     "space dir f\n",
	"www/sp ace.txt":       "space\n",
	"www/q?mark.txt":       "question mark\n",
	"www/pct%41.txt":       "literal percent\n",
	"www/pctA.txt":         "decoded A\n",
	"www/hash#x.txt":       "hash\n",
	"www/plus+x.txt":       "plus\n",
	"www/errors/404.html":  "<p>custom 404</p>\n",
	"www/errors/401.txt":   "custom 401 page\n",
	"www/p/a.txt":          "named file under the original URI\n",
	"www-sibling/s.txt":    "sibling of the root\n",
	"wwwsub/b.txt":         "root + sub/b.txt without a slash\n",
	"wwwa.txt":             "root + a.txt without a slash\n",
	"www/..x":              "dot dot x\n",
	"www/dot.dir/file.txt": "dot dir\n",
}

// xarCase is one request of TestXAccelRulesAgainstNginx.
type xarCase struct {
	rule   string // the nginx-semantics rule it checks
	method string
	target string
	header http.Header
	body   string
	// v123, when set, marks a known nginx 1.22 / 1.23+ difference
	// (nginx-semantics 8): the headers listed in skip are not compared
	// with the nginx at hand, and v123 checks the emulator's 1.23+
	// answer instead.
	skip []string
	v123 func(got *realnginx.Response) error
	// only123: nginx 1.22 answers differently as a whole (a status, a
	// broken response); the request goes to the emulator only and v123
	// checks it.
	only123 bool
}

// xar is the query that makes the backend answer with X-Accel-Redirect:
// value (written as "X-Accel-Redirect: " + value) and the extra header
// lines.
func xar(value string, lines ...string) string {
	kv := []string{"h", "X-Accel-Redirect: " + value}
	for _, l := range lines {
		kv = append(kv, "h", l)
	}
	return query(kv...)
}

// hl is the query for raw header lines only.
func hl(lines ...string) string {
	var kv []string
	for _, l := range lines {
		kv = append(kv, "h", l)
	}
	return query(kv...)
}

func hdrs(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

// allCopied are the six kept headers (two of the multi-valued ones), the
// dropped ones around them, and hidden X-Accel-* headers.
var allCopied = []string{
	"Content-Type: text/x-app; charset=utf-8",
	"Set-Cookie: a=1; Path=/",
	"Content-Disposition: attachment; filename=\"a.txt\"",
	"Cache-Control: private",
	"Expires: Thu, 01 Jan 2032 00:00:00 GMT",
	"Accept-Ranges: none",
	"Set-Cookie: b=2; Path=/",
	"Content-Disposition: inline",
	"Cache-Control: no-store",
	"Last-Modified: Mon, 01 Jan 2001 00:00:00 GMT",
	"ETag: \"upstream\"",
	"Content-Language: fr",
	"Vary: Cookie",
	"Link: </x>; rel=preload",
	"Location: /elsewhere",
	"Refresh: 5; url=/x",
	"WWW-Authenticate: Basic realm=x",
	"Pragma: no-cache",
	"Content-Range: bytes 0-1/2",
	"X-Other: dropped",
	"X-Accel-Foo: dropped too",
	"X-Accel-Limit-Rate: 10000000",
	"X-Accel-Buffering: no",
	"X-Accel-Expires: 60",
	"X-Pad: pad",
	"Strict-Transport-Security: max-age=1",
}

func xarCases() []xarCase {
	var cs []xarCase
	add := func(rule, method, target string, header http.Header, body string) {
		cs = append(cs, xarCase{rule: rule, method: method, target: target, header: header, body: body})
	}
	get := func(rule, target string) { add(rule, "GET", target, nil, "") }
	v123 := func(rule, target string, skip []string, check func(*realnginx.Response) error) {
		cs = append(cs, xarCase{rule: rule, method: "GET", target: target, skip: skip, v123: check})
	}

	// 1.1: honoured whatever the upstream status.
	for _, s := range []string{"200", "201", "204", "302", "304", "404", "500", "503"} {
		get("1.1 status "+s, "/p/x?s="+s+"&"+xar("/prot/a.txt", "Set-Cookie: s="+s, "Location: /nowhere"))
	}
	// 4: header lines nginx's parser refuses (ngx_http_parse_header_line,
	// nginx 1.21.1+: a space or control byte in a name, a line starting
	// with ":" or a space) are "upstream sent invalid header": 502, and
	// nothing of the app's answer reaches the client.
	for _, line := range []string{"X-Foo : bar", "X Foo: bar", ": empty", " folded", "\tfolded", "X-A: a\rb", "X-Accel-Redirect : /prot/a.txt", "X-\x01: ctl", "X-A\x7f: del"} {
		get("4 invalid app header "+strconv.Quote(line), "/p/x?"+hl("X-Before: 1", line))
	}
	// The whole header must fit in proxy_buffer_size (one page, 4k, by
	// default; 16k in /pbig/): "upstream sent too big header", 502.
	get("4 app header over proxy_buffer_size", "/p/x?"+hl("X-Big: "+strings.Repeat("b", 5000)))
	get("4 many app headers over proxy_buffer_size", "/p/x?"+hl(slices.Repeat([]string{"X-Many: 0123456789012345678901234567890123456789"}, 100)...))
	get("4 app header under proxy_buffer_size", "/p/x?"+hl("X-Big: "+strings.Repeat("b", 2000)))
	get("4 app header under a larger proxy_buffer_size", "/pbig/x?"+hl("X-Big: "+strings.Repeat("b", 5000)))
	// A second status line and other odd but accepted names.
	for _, line := range []string{"HTTP/1.1 200 OK", "X_Under: 1", "X.Dot: 1", "X-CR: a\r", "NoValue\r"} {
		get("4 odd app header "+strconv.Quote(line), "/p/x?"+hl("X-Before: 1", line))
	}
	get("1.1 name case", "/p/x?"+query("h", "x-accel-redirect: /prot/a.txt"))
	get("1.1 name case", "/p/x?"+query("h", "X-ACCEL-REDIRECT: /prot/page.html", "h", "content-type: text/lower"))
	get("1.1 ignore_headers", "/pign/x?"+xar("/prot/a.txt", "Content-Type: text/x-app", "Set-Cookie: i=1"))
	get("1.1 ignore_headers 404", "/pign/x?s=404&"+xar("/prot/a.txt"))
	get("1.1 intercept 404 wins", "/pint/x?s=404&"+xar("/prot/a.txt", "Set-Cookie: lost=1", "Content-Type: text/x-lost"))
	add("1.1 intercept 404 HEAD", "HEAD", "/pint/x?s=404&"+xar("/prot/a.txt"), nil, "")
	add("1.1 intercept 404 POST", "POST", "/pint/x?s=404&"+xar("/prot/a.txt"), nil, "posted")
	get("1.1 intercept 403 = @named", "/pint/x?s=403&"+xar("/prot/a.txt"))
	get("1.1 intercept 401 =200", "/pint/x?s=401&"+hl("WWW-Authenticate: Basic realm=app"))
	get("1.1 intercept 410 URL", "/pint/x?s=410&"+xar("/prot/a.txt"))
	get("1.1 intercept: 500 has no error_page", "/pint/x?s=500&"+xar("/prot/a.txt"))
	get("1.1 intercept: 302 has no error_page", "/pint/x?s=302&"+xar("/prot/a.txt"))
	get("1.1 intercept: 200", "/pint/x?"+xar("/prot/a.txt"))
	get("1.1 intercept 404 no XAR", "/pint/x?s=404")
	get("1.1 intercept: XAR target 404 (error_page used once)", "/pint/x?"+xar("/prot/missing.txt"))
	get("1.1 error_page of the proxying location for the unsafe 404", "/perr/x?"+xar("../x", "Set-Cookie: e=1"))
	get("1.1 error_page of the proxying location for unknown @name", "/perr/x?"+xar("@nowhere", "Set-Cookie: e=1"))
	get("1.1 no intercept: upstream 404 passed", "/perr/x?s=404&b=upstream404")
	get("1.1 target's error_page", "/p/x?"+xar("/errp/missing.txt", "Set-Cookie: t=1"))
	get("1.1 target's error_page, found", "/p/x?"+xar("/errp/a.txt"))

	// 1.2: the value.
	get("1.2 spaces", "/p/x?"+query("h", "X-Accel-Redirect:    /prot/a.txt    "))
	get("1.2 no space", "/p/x?"+query("h", "X-Accel-Redirect:/prot/a.txt"))
	get("1.2 first wins", "/p/x?"+xar("/prot/a.txt", "X-Accel-Redirect: /prot/page.html"))
	get("1.2 first wins (unsafe first)", "/p/x?"+xar("/prot/../a", "X-Accel-Redirect: /prot/page.html"))
	get("1.2 empty", "/p/x?"+query("h", "X-Accel-Redirect:", "h", "Set-Cookie: empty=1"))
	get("1.2 only spaces", "/p/x?"+query("h", "X-Accel-Redirect:     "))
	get("1.2 leading tab (kept: relative value)", "/p/x?"+query("h", "X-Accel-Redirect: \t/prot/a.txt"))
	get("1.2 trailing tab", "/p/x?"+query("h", "X-Accel-Redirect: /ret/a\t"))

	// 1.3/1.4: what is kept.
	get("1.4 copy to file", "/p/x?"+xar("/prot/a.txt", allCopied...))
	add("1.4 copy to file HEAD", "HEAD", "/p/x?"+xar("/prot/a.txt", allCopied...), nil, "")
	get("1.4 copy to return", "/p/x?"+xar("/ret/r?a=1", allCopied...))
	get("1.4 copy to missing file", "/p/x?"+xar("/prot/missing.txt", allCopied...))
	get("1.4 copy on unsafe 404", "/p/x?"+xar("/prot/../a.txt", allCopied...))
	get("1.4 copy on unknown @name 500", "/p/x?"+xar("@nowhere", allCopied...))
	// An error_page forgets the kept type (ngx_http_special_response_handler).
	get("1.4 type dropped by error_page to a file", "/p/x?"+xar("/errp/missing.txt", "Content-Type: text/x-app", "Set-Cookie: e=1"))
	get("1.4 type dropped by error_page to a return", "/p/x?"+xar("/errret/x", "Content-Type: text/x-app", "Set-Cookie: e=1"))
	get("1.4 copy on directory 301", "/p/x?"+xar("/prot/sub", allCopied...))
	get("1.4 copy on no-index 403", "/p/x?"+xar("/prot/dir/", allCopied...))
	get("1.4 copy on internal 404", "/p/x?"+xar("/prot-x", allCopied...))
	get("1.4 copy to named return", "/p/x?"+xar("@named", allCopied...))
	get("1.4 copy to named 404", "/p/x?"+xar("@named404", allCopied...))
	v123("1.4/8 two Content-Type: the first (1.23+)", "/p/x?"+xar("/prot/a.txt", "Content-Type: text/first", "Content-Type: text/second"),
		[]string{"Content-Type"}, wantHeader("Content-Type", "text/first"))
	v123("1.4/8 two Expires: the first (1.23+)", "/p/x?"+xar("/prot/a.txt", "Expires: Thu, 01 Jan 2032 00:00:00 GMT", "Expires: Fri, 02 Jan 2032 00:00:00 GMT"),
		[]string{"Expires"}, wantHeader("Expires", "Thu, 01 Jan 2032 00:00:00 GMT"))
	v123("1.4/8 two Accept-Ranges: the first (1.23+)", "/p/x?"+xar("/prot/a.txt", "Accept-Ranges: none", "Accept-Ranges: other"),
		[]string{"Accept-Ranges"}, wantHeader("Accept-Ranges", "none", "bytes"))
	get("1.5 Accept-Ranges: upstream + bytes on 200", "/p/x?"+xar("/prot/big.bin", "Accept-Ranges: parrots"))
	add("1.5 Accept-Ranges: only upstream's on 206", "GET", "/p/x?"+xar("/prot/big.bin", "Accept-Ranges: parrots"), hdrs("Range", "bytes=0-9"), "")
	add("1.5 Accept-Ranges on 416", "GET", "/p/x?"+xar("/prot/big.bin", "Accept-Ranges: parrots"), hdrs("Range", "bytes=99999-"), "")
	get("1.5 a file bigger than the copy buffer", "/p/x?"+xar("/prot/huge.bin", "Content-Type: application/octet-stream"))
	add("1.5 a file bigger than the copy buffer, HEAD", "HEAD", "/p/x?"+xar("/prot/huge.bin"), nil, "")
	add("1.5 a range of a file bigger than the copy buffer", "GET", "/p/x?"+xar("/prot/huge.bin"), hdrs("Range", "bytes=1000-90000"), "")
	get("1.5 a file bigger than the copy buffer, error_page location", "/p/x?"+xar("/errp/huge.bin"))
	get("1.4 hidden on a normal response", "/phide/x?"+hl("Set-Cookie: h=1", "Content-Disposition: inline", "Cache-Control: private", "Content-Type: text/x-hidden", "X-Kept: yes"))
	get("1.4 hide_header not consulted on XAR", "/phide/x?"+xar("/prot/a.txt", "Set-Cookie: h=1", "Content-Disposition: inline", "Cache-Control: private", "Content-Type: text/x-hidden"))
	get("1.4 hide_header not consulted on unsafe 404", "/phide/x?"+xar("..", "Set-Cookie: h=1", "Content-Disposition: inline", "Cache-Control: private", "Content-Type: text/x-hidden"))
	get("1.4 hide_header not consulted on @unknown", "/phide/x?"+xar("@unknown", "Set-Cookie: h=1", "Cache-Control: private", "Content-Type: text/x-hidden"))

	// 1.5: what the copied headers become.
	get("1.5 upstream type wins", "/p/x?"+xar("/prot/page.html", "Content-Type: text/plain"))
	get("1.5 no type: html", "/p/x?"+xar("/prot/page.html"))
	get("1.5 no type: json (default_type)", "/p/x?"+xar("/prot/data.json"))
	get("1.5 no type: no extension", "/p/x?"+xar("/prot/noext"))
	get("1.5 target types", "/p/x?"+xar("/typed/a.txt"))
	get("1.5 target default_type", "/p/x?"+xar("/typed/page.html"))
	get("1.5 target types, upstream type wins", "/p/x?"+xar("/typed/a.txt", "Content-Type: text/up"))
	get("1.5 extension of the redirected URI", "/p/x.html?"+xar("/prot/noext"))
	get("1.5 target expires replaces", "/p/x?"+xar("/exp/a.txt", "Cache-Control: private", "Cache-Control: no-store", "Expires: Thu, 01 Jan 2032 00:00:00 GMT"))
	get("1.5 target expires epoch", "/p/x?"+xar("/epoch/a.txt", "Cache-Control: private", "Expires: Thu, 01 Jan 2032 00:00:00 GMT"))
	get("1.5 target expires not on 404", "/p/x?"+xar("/exp/missing.txt", "Cache-Control: private"))
	get("1.5 target add_header always on 404", "/p/x?"+xar("/epoch/missing.txt", "Cache-Control: private"))
	get("1.5 proxying location's add_header/expires do not apply", "/padd/x?"+xar("/prot/a.txt", "Cache-Control: private"))
	get("1.5 proxying location's add_header always on the unsafe 404", "/padd/x?"+xar("/prot/../x", "Cache-Control: private"))
	get("1.5 proxying location's add_header on a normal response", "/padd/x?"+hl("Cache-Control: private", "Expires: Thu, 01 Jan 2032 00:00:00 GMT"))
	get("1.5 target proxies again", "/p/x?"+xar("/again/y?"+query("2h", "Content-Type: text/second", "2h", "Set-Cookie: c=3", "2h", "Cache-Control: second"),
		"Content-Type: text/first", "Set-Cookie: a=1", "Cache-Control: first", "Content-Disposition: attachment"))
	get("1.5 target proxies again, no type", "/p/x?"+xar("/again/y?"+query("2h", "Set-Cookie: c=3"), "Content-Type: text/first", "Set-Cookie: a=1"))
	get("1.5 chain of two XAR", "/p/x?"+xar("/again/y?"+query("2h", "X-Accel-Redirect: /prot/a.txt", "2h", "Set-Cookie: c=3", "2h", "Content-Type: text/second"),
		"Content-Type: text/first", "Set-Cookie: a=1"))
	add("1.7.6 POST body goes to the second upstream with GET", "POST", "/p/x?"+xar("/again/y"), hdrs("Content-Type", "text/plain"), "the body")
	for _, h := range []http.Header{
		hdrs("If-None-Match", "*"),
		hdrs("If-Modified-Since", "{{MTIME}}"),
		hdrs("If-Match", `"nope"`),
		hdrs("If-Unmodified-Since", "Thu, 01 Jan 1998 00:00:00 GMT"),
		hdrs("Range", "bytes=0-3"),
		hdrs("Range", "bytes=0-1,4-5"),
		hdrs("Range", "bytes=0-3", "If-Range", `"nope"`),
	} {
		add("1.5/6 conditionals and ranges keep the copied headers", "GET", "/p/x?"+xar("/prot/a.txt", allCopied[:6]...), h, "")
	}

	// 1.7: validation and parsing.
	for _, v := range []string{"..", "../x", "/prot/..", "/prot/../a.txt", "?x", "/prot/%2e%2e/a.txt", "/prot/.%2e",
		"%2e%2e/x", "/prot/a%00.txt", "/prot/%2E%2E", "/ret/..%2F..", "/ret/%2e%2e%2fx", "..%2fx", "/prot/..?x=1/../"} {
		get("1.7.1 reject "+v, "/p/x?"+xar(v, "Set-Cookie: r=1"))
	}
	for _, v := range []string{"/prot/a.txt?x=1", "/ret/x?a=1&b=2", "/ret/x?", "/ret/x?a?b", "/ret/x%3Fy", "/ret/a%2Fb", "/ret/a%25b",
		"/ret/a%zz", "/ret/a%4", "/ret/a%", "/ret/%%41", "/ret/a%4gz", "/ret/a+b", "/ret/a%20b", "/ret/a%23b#frag",
		"/prot/sp%20ace.txt", "/prot/sp ace.txt", "/prot/q%3Fmark.txt", "/prot/q?mark.txt", "/prot/pct%2541.txt", "/prot/pct%41.txt",
		"/prot/hash%23x.txt", "/prot/hash#x.txt", "/prot/plus+x.txt", "/prot/plus%2Bx.txt", "/ret/..?x=1", "/prot/..?x",
		"/prot/sub/..", "/prot/..x", "/prot/sub/.", "/ret/a/./b", "/ret//a", "/prot/./a.txt", "/prot//a.txt", "/prot/dot.dir/file.txt",
		"/ret/A%2e%2e", "/ret/%C3%A9", "/ret/\xc3\xa9", "/ret/a\\..\\b"} {
		get("1.7.2-4 "+v, "/p/x?"+xar(v))
	}
	for _, v := range []string{"a.txt", "-sibling/s.txt", "sub/b.txt", "prot/a.txt", "http://host/x", "..?x", "ret/x", "@"} {
		get("1.7.4 relative "+v, "/p/x?"+xar(v))
	}
	for _, m := range []string{"POST", "PUT", "DELETE", "OPTIONS", "PATCH"} {
		add("1.7.5 "+m+" becomes GET", m, "/p/x?"+xar("/ret/m"), nil, "")
	}
	add("1.7.5 HEAD stays HEAD", "HEAD", "/p/x?"+xar("/ret/m"), nil, "")
	add("1.7.5 POST to a file becomes GET", "POST", "/p/x?"+xar("/prot/a.txt"), nil, "data")
	get("1.7.7 original query dropped", "/p/x?extra=1&"+xar("/ret/q"))
	get("1.7.8 redirect limit", "/loop/start")
	add("1.7.8 redirect limit HEAD", "HEAD", "/loop/start", nil, "")
	get("1.7.8 named redirect limit", "/p/x?"+xar("@namedproxy", "Set-Cookie: first=1")+"&"+query("nh", "X-Accel-Redirect: @namedproxy", "nh", "Set-Cookie: n=1"))
	get("1.7 XAR to a location that is not internal", "/p/x?"+xar("/public/a.txt"))
	get("1.7 XAR to the off-by-slash alias", "/p/x?"+xar("/media/a.txt"))
	get("1.7 XAR to the off-by-slash alias, sibling", "/p/x?"+xar("/media-sibling/s.txt"))
	get("1.7 XAR to a proxying location with auto-redirect", "/p/x?"+xar("/pu"))

	// 1.9: directories.
	get("1.9 directory without slash", "/p/x?"+xar("/prot/sub"))
	get("1.9 directory without slash, args", "/p/x?"+xar("/prot/sub?a=1&b"))
	get("1.9 directory with slash: index", "/p/x?"+xar("/prot/sub2/"))
	get("1.9 directory with slash: index, args", "/p/x?"+xar("/prot/sub2/?z=1"))
	get("1.9 directory with slash: no index", "/p/x?"+xar("/prot/sub/"))
	get("1.9 missing directory", "/p/x?"+xar("/prot/nodir/"))
	get("1.9 directory with a space", "/p/x?"+xar("/prot/sp%20dir"))
	get("1.9 off-by-slash directory", "/p/x?"+xar("/media"))

	// 1.10: named locations.
	get("1.10 @named keeps $uri and $args", "/p/x%41?a=1&"+xar("@named"))
	add("1.10 @named keeps POST", "POST", "/p/x?"+xar("@named"), nil, "")
	add("1.10 @named keeps HEAD", "HEAD", "/p/x?"+xar("@named"), nil, "")
	get("1.10 @namedfile maps the original URI", "/p/a.txt?"+xar("@namedfile"))
	add("1.10 @namedfile POST: 405", "POST", "/p/a.txt?"+xar("@namedfile"), nil, "data")
	get("1.10 @namedfile missing", "/p/b.txt?"+xar("@namedfile"))
	get("1.10 unknown", "/p/x?"+xar("@nowhere"))
	get("1.10 @ alone", "/p/x?"+xar("@"))
	get("1.10 trailing space trimmed", "/p/x?"+query("h", "X-Accel-Redirect: @named   "))
	get("1.10 no decoding", "/p/x?"+xar("@name%64"))
	get("1.10 no ? split", "/p/x?"+xar("@named?x=1"))
	get("1.10 @named404 (return 404)", "/p/x?"+xar("@named404"))
	get("1.10 @namedproxy gets the original request", "/p/%41x?"+xar("@namedproxy")+"&"+query("nh", "X-Other: second", "nb", "second body"))

	// 2.1: hiding.
	get("2.1 hidden on a normal response", "/p/x?"+hl("X-Accel-Foo: 1", "X-Accel-Limit-Rate: 10", "X-Accel-Buffering: no", "X-Accel-Charset: utf-8",
		"X-Accel-Expires: 10", "X-Pad: x", "X-Other: y", "Server: app", "Date: Mon, 01 Jan 2001 00:00:00 GMT", "Keep-Alive: timeout=5"))
	get("2.1 pass_header: still processed", "/ppass/x?"+xar("/prot/a.txt", "X-Accel-Limit-Rate: 5000000"))
	get("2.1 pass_header, normal response", "/ppass/x?"+hl("X-Accel-Limit-Rate: 5000000", "X-Accel-Buffering: no"))
	get("2.1 ignore + pass_header: visible", "/pignpass/x?"+xar("/prot/a.txt"))
	get("2.1 ignore alone: hidden", "/pign/x?"+xar("/prot/a.txt"))

	// 2.3 / 2.4: no visible effect.
	get("2.3 X-Accel-Limit-Rate on a normal response", "/p/x?"+hl("X-Accel-Limit-Rate: 100000"))
	get("2.3 X-Accel-Limit-Rate with XAR", "/p/x?"+xar("/prot/big.bin", "X-Accel-Limit-Rate: 1000000"))
	for _, v := range []string{"no", "yes", "off", "NO"} {
		get("2.4 X-Accel-Buffering "+v, "/p/x?"+hl("X-Accel-Buffering: "+v))
	}
	get("2.4 proxy_buffering off", "/pbuf/x?"+hl("X-Accel-Buffering: yes"))
	get("2.4 X-Accel-Buffering with XAR", "/p/x?"+xar("/prot/a.txt", "X-Accel-Buffering: no"))

	// 2.5: X-Accel-Charset and the charset filter.
	get("2.5 unknown charset: nothing", "/p/x?"+xar("/prot/a.txt", "X-Accel-Charset: x-unknown"))
	get("2.5 unknown charset, normal response", "/p/x?"+hl("X-Accel-Charset: x-unknown", "Content-Type: text/plain"))
	get("2.5 known charset on a file", "/p/x?"+xar("/prot/a.txt", "X-Accel-Charset: koi8-r"))
	get("2.5 known charset, octet-stream too", "/p/x?"+xar("/oct/big.bin", "X-Accel-Charset: windows-1251"))
	get("2.5 known charset, case", "/p/x?"+xar("/prot/a.txt", "X-Accel-Charset: KOI8-R"))
	get("2.5 known charset, upstream type", "/p/x?"+xar("/prot/a.txt", "X-Accel-Charset: koi8-r", "Content-Type: text/x-up"))
	get("2.5 known charset, upstream charset differs, map", "/p/x?"+xar("/prot/a.txt", "X-Accel-Charset: koi8-r", "Content-Type: text/plain; charset=windows-1251"))
	get("2.5 known charset, upstream charset differs, no map", "/p/x?"+xar("/prot/a.txt", "X-Accel-Charset: koi8-r", "Content-Type: text/plain; charset=utf-8"))
	get("2.5 known charset, same as upstream's", "/p/x?"+xar("/prot/a.txt", "X-Accel-Charset: koi8-r", "Content-Type: text/plain; charset=KOI8-R"))
	get("2.5 known charset, on the 404", "/p/x?"+xar("/prot/missing.txt", "X-Accel-Charset: koi8-r"))
	get("2.5 known charset, not on a 301", "/p/x?"+xar("/prot/sub", "X-Accel-Charset: koi8-r"))
	get("2.5 known charset, normal response", "/p/x?"+hl("X-Accel-Charset: koi8-r", "Content-Type: application/json"))
	get("2.5 known charset, normal response without type", "/p/x?"+hl("X-Accel-Charset: koi8-r"))
	get("2.5 ignored X-Accel-Charset", "/pign/x?"+hl("X-Accel-Charset: koi8-r", "Content-Type: text/plain"))
	get("2.5 charset directive on the target", "/p/x?"+xar("/cs/a.txt"))
	get("2.5 charset directive, html", "/p/x?"+xar("/cs/page.html"))
	get("2.5 charset directive, not in charset_types", "/p/x?"+xar("/csoct/big.bin"))
	get("2.5 charset directive, upstream charset kept", "/p/x?"+xar("/cs/a.txt", "Content-Type: text/plain; charset=utf-8"))
	get("2.5 charset directive, upstream type without charset", "/p/x?"+xar("/cs/a.txt", "Content-Type: text/html"))
	get("2.5 charset directive, error page", "/p/x?"+xar("/cs/missing.txt"))
	get("2.5 charset + source_charset with a map", "/p/x?"+xar("/cssrc/a.txt"))
	add("2.5 X-Accel-Charset, multipart ranges", "GET", "/p/x?"+xar("/prot/a.txt", "X-Accel-Charset: koi8-r"), hdrs("Range", "bytes=0-1,3-4"), "")
	add("2.5 charset directive, multipart ranges", "GET", "/p/x?"+xar("/cs/a.txt"), hdrs("Range", "bytes=0-1,3-4"), "")
	add("2.5 charset directive, one range", "GET", "/p/x?"+xar("/cs/a.txt"), hdrs("Range", "bytes=0-1"), "")
	add("2.5 X-Accel-Charset, 304", "GET", "/p/x?"+xar("/prot/a.txt", "X-Accel-Charset: koi8-r"), hdrs("If-None-Match", "*"), "")
	get("2.5 charset on a normal response", "/pcs/x?"+hl("Content-Type: text/html"))
	get("2.5 charset on a normal response, json", "/pcs/x?"+hl("Content-Type: application/json"))
	get("2.5 charset on a normal response, has one", "/pcs/x?"+hl("Content-Type: text/html; charset=iso-8859-1"))

	// Upstream blocks, proxy_pass with a URI, redirects of a normal response.
	get("upstream block: Host is the name", "/pb/x?q=1")
	get("upstream block: default body", "/pb/x")
	get("upstream block, XAR", "/pb/x?"+xar("/prot/a.txt"))
	get("upstream block: first usable server", "/pb2/x")
	get("upstream block with a unix socket", "/psock/x?q=1")
	get("upstream block with a unix socket, XAR", "/psock/x?"+xar("/prot/a.txt", "Set-Cookie: u=1"))
	get("proxy_pass to a unix socket with a URI", "/pusock/x%41?q=1")
	get("proxy_pass with URI", "/pu/x%41?q=1")
	get("proxy_pass with URI, XAR", "/pu/x?"+xar("/prot/sub/b.txt"))
	get("normal: Location rewritten (default)", "/p/x?s=302&"+hl("Location: http://BACKEND/foo?x=1"))
	get("normal: Location relative", "/p/x?s=302&"+hl("Location: /foo"))
	get("normal: Location elsewhere", "/p/x?s=301&"+hl("Location: http://other.example/foo"))
	get("normal: Location with URI part", "/pu/x?s=302&"+hl("Location: http://BACKEND/u/foo"))
	get("normal: proxy_redirect off", "/pnored/x?s=302&"+hl("Location: http://BACKEND/foo"))
	get("normal: proxy_redirect literal", "/pred/x?s=302&"+hl("Location: http://app.example/foo", "Refresh: 3; url=http://app.example/bar"))
	get("normal: Refresh rewritten", "/p/x?"+hl("Refresh: 0; URL=http://BACKEND/r"))
	get("normal: upstream Last-Modified kept on 404", "/p/x?s=404&"+hl("Last-Modified: Mon, 01 Jan 2001 00:00:00 GMT", "ETag: \"e\""))
	get("normal: Last-Modified kept on 200", "/p/x?"+hl("Last-Modified: Mon, 01 Jan 2001 00:00:00 GMT", "ETag: \"e\""))
	get("normal: status and many headers", "/p/x?s=418&"+hl(allCopied...))
	get("normal: no Content-Length", "/p/x?nocl=1&b=streamed")
	get("normal: 204", "/p/x?s=204")
	v123("normal/8 two Content-Type: the first (1.23+)", "/p/x?"+hl("Content-Type: text/first", "Content-Type: text/second"),
		[]string{"Content-Type"}, wantHeader("Content-Type", "text/first"))
	add("normal: POST body passed", "POST", "/p/x", hdrs("Content-Type", "application/x-www-form-urlencoded"), "a=1&b=2")
	add("normal: HEAD", "HEAD", "/p/x?"+hl("X-Other: h"), nil, "")
	get("normal: X-Accel-Redirect hidden with a 5xx", "/p/x?s=502&b=bad")
	get("try_files fallback: no args without '?'", "/tf/x?a=1")
	add("1.7.5 HEAD goes to the second upstream as HEAD", "HEAD", "/p/x?"+xar("/again/y"), nil, "")
	add("1.10 POST and its body go to a named proxy", "POST", "/p/x?"+xar("@namedproxy"), hdrs("Content-Type", "text/plain"), "named body")
	get("1.7 second upstream gets $uri escaped + the X-Accel args", "/p/x?"+xar("/again2/a%20b%3Fc%22d?x=1&y"))
	get("1.7 second upstream, no args", "/p/x?"+xar("/again2/plain"))
	get("client URI with escapes, proxy_pass with URI", "/pu/a%20b%2Fc?q")
	get("client URI with a raw quote, proxy_pass with URI", "/pu/a\"b")
	get("client URI with a raw quote, proxy_pass without URI", "/p/a\"b%41")
	get("upstream down: 502", "/pdead/x")
	get("upstream invalid header (NUL): 502", "/p/x?"+hl("X-Bad: a\x00b"))
	get("upstream header line without a colon", "/p/x?"+hl("NoColonHere", "X-After: 1"))
	get("upstream header with underscore", "/p/x?"+hl("X_Accel_Redirect: /prot/a.txt", "X_Other: 1"))
	cs = append(cs,
		xarCase{rule: "upstream duplicate Content-Length: 502 (1.23+)", method: "GET", target: "/p/x?" + hl("Content-Length: 3"),
			only123: true, v123: wantStatus(502)},
		xarCase{rule: "upstream invalid Content-Length: 502 (1.23+)", method: "GET", target: "/p/x?nocl=1&" + hl("Content-Length: abc"),
			only123: true, v123: wantStatus(502)},
		xarCase{rule: "upstream Content-Length and Transfer-Encoding: 502 (1.23+)", method: "GET", target: "/p/x?" + hl("Transfer-Encoding: chunked"),
			only123: true, v123: wantStatus(502)},
		xarCase{rule: "upstream unknown Transfer-Encoding: 502 (1.23+)", method: "GET", target: "/p/x?nocl=1&" + hl("Transfer-Encoding: gzip"),
			only123: true, v123: wantStatus(502)})
	get("upstream chunked body", "/p/x?nocl=1&b="+pct("4\r\nabcd\r\n0\r\n\r\n")+"&"+hl("Transfer-Encoding: chunked"))
	get("try_files fallback after XAR", "/p/x?"+xar("/tf/y?b=2"))
	return cs
}

// wantStatus checks the emulator's status (the body is then not
// compared with nginx 1.22's).
func wantStatus(status int) func(*realnginx.Response) error {
	return func(got *realnginx.Response) error {
		if got.Status != status {
			return fmt.Errorf("emulator %d, nginx 1.23+ would answer %d", got.Status, status)
		}
		return nil
	}
}

// wantHeader checks that the emulator sent exactly the values given.
func wantHeader(name string, values ...string) func(*realnginx.Response) error {
	return func(got *realnginx.Response) error {
		if g := got.Header.Values(name); strings.Join(g, " | ") != strings.Join(values, " | ") {
			return fmt.Errorf("%s: emulator %q, nginx 1.23+ would send %q", name, g, values)
		}
		return nil
	}
}

// TestXAccelRulesAgainstNginx sends the same requests to real nginx and to
// the emulator, on the same config, file tree and scripted backend, and
// compares status, body and every client-visible header; it covers the
// rules of nginx-semantics sections 1 and 2 that apply to proxy_pass.
func TestXAccelRulesAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	backend := scriptBackend(t)
	conf := strings.ReplaceAll(xarRealConf, "BACKEND", backend)
	ng := realnginx.StartHTTP(t, conf, xarRealFiles)
	ul, err := net.Listen("unix", filepath.Join(ng.Prefix, "app.sock"))
	if err != nil {
		t.Fatal(err)
	}
	serveScriptOn(t, ul)
	emu, warns := startEmulator(t, conf, ng.Prefix, Options{})
	for _, w := range warns {
		t.Logf("warning: %s", w)
	}
	mtime := ""
	if resp, err := ng.Do("GET", "/p/x?"+xar("/prot/a.txt"), nil); err == nil {
		mtime = resp.Header.Get("Last-Modified")
	}
	cases := xarCases()
	diffs := 0
	for _, c := range cases {
		target := strings.ReplaceAll(c.target, "BACKEND", pct(backend))
		target = strings.ReplaceAll(target, pct("BACKEND"), pct(backend))
		h := c.header.Clone()
		for k, vs := range h {
			for i, v := range vs {
				h[k][i] = strings.ReplaceAll(v, "{{MTIME}}", mtime)
			}
		}
		raw := realnginx.RawRequest(c.method, target, h, c.body)
		if c.only123 {
			// nginx 1.22 answers differently as a whole (or breaks the
			// connection): only the 1.23+ expectation is checked.
			got, err := realnginx.SendRaw(emu, raw)
			if err != nil {
				t.Fatalf("emulator %q: %v", firstLine(raw), err)
			}
			if err := c.v123(got); err != nil {
				diffs++
				t.Errorf("%s: %s %s\n  %v", c.rule, c.method, clip([]byte(target)), err)
			}
			continue
		}
		want, got := sendBoth(t, ng, emu, raw)
		if os.Getenv("XACCEL_DUMP") != "" {
			t.Logf("%s: nginx %d %q %q", c.rule, want.Status, want.Header.Get("Content-Type"), clip(want.Body))
		}
		problems := diffResponses(want, got, c.skip...)
		if c.v123 != nil {
			if err := c.v123(got); err != nil {
				problems = append(problems, err.Error())
			}
		}
		if len(problems) > 0 {
			diffs++
			t.Errorf("%s: %s %s\n  %s", c.rule, c.method, clip([]byte(target)), strings.Join(problems, "\n  "))
		}
	}
	only := 0
	for _, c := range cases {
		if c.only123 {
			only++
		}
	}
	t.Logf("%d requests compared with nginx and %d checked against nginx 1.23+ behaviour only: %d differ",
		len(cases)-only, only, diffs)
	if len(cases)-only < 120 {
		t.Errorf("only %d requests compared", len(cases)-only)
	}
}

// TestUpstreamBlocks checks that proxy_pass http://NAME connects to the
// first usable server of `upstream NAME {}`, with Host: NAME, and that
// Options.Upstreams wins over the block.
func TestUpstreamBlocks(t *testing.T) {
	t.Parallel()
	backend := scriptBackend(t)
	// A port nothing listens on.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close()
	sock := filepath.Join(t.TempDir(), "app.sock")
	ul, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	serveScriptOn(t, ul)
	conf := `upstream app { server BACKEND weight=2; server 127.0.0.1:1 backup; }
upstream Mapped { server DEAD; }
upstream firstdown { server DEAD down; server BACKEND; }
upstream sockblock { server unix:SOCK; }
server {
    listen 127.0.0.1:8080;
    location /a/ { proxy_pass http://app; }
    location /A/ { proxy_pass http://APP; }
    location /m/ { proxy_pass http://mapped; }
    location /d/ { proxy_pass http://firstdown; }
    location /s/ { proxy_pass http://app/sub/; }
    location /h/ { proxy_pass http://app; proxy_set_header Host $proxy_host:1; }
    location /u/ { proxy_pass http://sockblock; }
    location /v/ { proxy_pass http://unix:SOCK:/w/; }
    location /x/ { proxy_pass http://127.0.0.1:80/; }
}`
	conf = strings.NewReplacer("BACKEND", backend, "DEAD", dead, "SOCK", sock).Replace(conf)
	cfg := nginx.LoadBytes("u.conf", []byte(conf), nginx.LoadOptions{})
	if len(cfg.Errors) > 0 {
		t.Fatal(cfg.Errors[0])
	}
	h, _, err := New(cfg, Options{Upstreams: map[string]string{"mapped": "http://" + backend, "127.0.0.1:80": "http://" + backend + "/base"}})
	if err != nil {
		t.Fatal(err)
	}
	emuAddr := serveHandler(t, h)
	for _, c := range []struct{ target, want string }{
		{"/a/x", "app GET /a/x host=app "},
		{"/A/x", "app GET /A/x host=APP "},
		{"/m/x", "app GET /m/x host=mapped "},
		{"/d/x", "app GET /d/x host=firstdown "},
		{"/s/x?q=1", "app GET /sub/x?q=1 host=app "},
		{"/h/x", "app GET /h/x host=app:1 "},
		{"/u/x", "app GET /u/x host=sockblock "},
		{"/v/x", "app GET /w/x host=localhost "},
		{"/x/y?z", "app GET /base/y?z host=127.0.0.1 "},
	} {
		resp, err := realnginx.Send(emuAddr, "GET", c.target, nil)
		if err != nil {
			t.Fatal(err)
		}
		if resp.Status != 200 || !strings.HasPrefix(string(resp.Body), c.want) {
			t.Errorf("%s: %d %q, want 200 %q...", c.target, resp.Status, resp.Body, c.want)
		}
	}
}

// TestNotEmulatedWarnings checks what New reports: directives of the
// server that are not emulated, the forms of emulated ones that are not,
// and the http-level directives that change proxied responses.
func TestNotEmulatedWarnings(t *testing.T) {
	t.Parallel()
	conf := `proxy_cookie_path / /app/;
charset_map koi8-r utf-8 { C0 D0B0; }
log_format main "$uri";
proxy_temp_path /tmp/x;
upstream app { server 127.0.0.1:8000; }
server {
    listen 127.0.0.1:8080;
    proxy_cookie_domain example.com example.org;
    location / {
        proxy_pass http://app;
        proxy_redirect ~^http://x(.*)$ /$1;
        proxy_redirect ~(?<=x)y /z;
        proxy_next_upstream http_404;
        types { text/x-a a; }
        expires modified 1h;
        set $cs koi8-r;
        charset $cs;
        limit_rate 10k;
        error_page 404 /404.html;
        proxy_intercept_errors on;
    }
}`
	cfg := nginx.LoadBytes("w.conf", []byte(conf), nginx.LoadOptions{})
	if len(cfg.Errors) > 0 {
		t.Fatal(cfg.Errors[0])
	}
	_, warns, err := New(cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range warns {
		s := w.Name
		if w.Detail != "" {
			s += " (" + w.Detail + ")"
		}
		got = append(got, s)
	}
	want := []string{
		"proxy_cookie_path", "charset_map (a map to or from utf-8: the body is not recoded)", "proxy_cookie_domain",
		"proxy_redirect (a regular expression Go cannot run: the header is not rewritten)",
		"limit_rate",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestInterimAnswerAgainstNginx compares what the client gets when the
// app answers with a 1xx: nginx 1.22 takes it as the answer (the proxy
// module skips no 1xx), with what follows as its body, so an
// X-Accel-Redirect in a second answer after a "100 Continue" is not acted
// on; a 101 says "Connection: upgrade".
func TestInterimAnswerAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	app := realnginx.ServeRaw(t, func(c net.Conn) {
		defer c.Close()
		buf := make([]byte, 4096)
		n, _ := c.Read(buf)
		switch target := strings.Fields(string(buf[:n]) + " x x")[1]; {
		case strings.HasSuffix(target, "/two"):
			c.Write([]byte("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nX-Accel-Redirect: /int/a.txt\r\nContent-Length: 3\r\n\r\nabc"))
		case strings.HasSuffix(target, "/xar"):
			c.Write([]byte("HTTP/1.1 100 Continue\r\nX-Accel-Redirect: /int/a.txt\r\n\r\n"))
		default:
			c.Write([]byte("HTTP/1.1 101 Switching\r\nX-A: 1\r\n\r\nrest"))
		}
	})
	conf := `
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    location / { proxy_pass http://` + app + `; }
    location /int/ { internal; alias {{PREFIX}}/files/; }
}
`
	ng := realnginx.StartHTTP(t, conf, map[string]string{"files/a.txt": "FILE a.txt\n"})
	emu, _ := startEmulator(t, conf, ng.Prefix, Options{})
	for _, target := range []string{"/two", "/xar", "/up"} {
		for _, h := range []http.Header{nil, {"Upgrade": {"x"}, "Connection": {"upgrade"}}} {
			want, got := sendBoth(t, ng, emu, realnginx.RawRequest("GET", target, h, ""))
			if problems := diffResponses(want, got); len(problems) > 0 {
				t.Errorf("GET %s %v:\n  %s", target, h, strings.Join(problems, "\n  "))
			}
		}
	}
}
