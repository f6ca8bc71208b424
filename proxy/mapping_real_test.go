//go:build unix

package proxy

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/xaccel/xaccel/internal/realnginx"
)

// TestPathMappingEdgesAgainstNginx: the edges of mapping a URI to a file
// that the random differential test (TestServeRandomAgainstNginx) found,
// each of which let serve answer more than nginx:
//   - a server without root serves nginx's default root, html under the
//     prefix, and a relative root starts at the prefix (serve mapped
//     nothing: 404, which an error_page sent on to the app, even for a
//     PUT nginx refuses with 405);
//   - a rewrite whose URI comes out empty answers 500 ("the rewritten URI
//     has a zero length"), even with break and proxy_pass, and an
//     error_page cannot take the empty URI to a named location;
//   - try_files strips an alias location's name only from a value that
//     starts with it (serve found /nonexist as the aliased file itself);
//   - the index module under a root or alias that names a file answers
//     500 with nginx's alert (serve answered 404, which error_page takes
//     elsewhere);
//   - autoindex under an alias without a trailing '/' lists the path
//     without its last byte, as nginx does (serve listed the directory);
//   - the server's own try_files runs for a request no location matches;
//   - the named captures of a regex location stay set in the regex
//     location nested in it (an alias with one mapped the directory);
//   - (the random test extended to access control) a location's rewrite
//     with last searches the locations again without the server's
//     rewrites (serve ran them again: a request nginx refuses with 403
//     got a file); a matched if and a limit_except block (for the methods
//     it does not name) run without the location's try_files; a regex of
//     the rewrite module that fails leaves no $1..$9; $status in a return's
//     text is the status returned; under satisfy any, a module that lets
//     the request in drops a WWW-Authenticate set before.
//
// Responses are compared, and so are the error log lines at error level
// and above.
func TestPathMappingEdgesAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	backend := scriptBackend(t)
	confs := map[string]string{
		"defaultroot": `
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    error_log {{LOGS}}/error.log;
    error_page 404 = @app;
    location @app { proxy_pass http://BACKEND; }
    location / { }
    location /rel/ { root www; }
    location /v/ { return 200 "dr=$document_root fn=$request_filename"; }
}
`,
		"edges": `
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    error_log {{LOGS}}/error.log;
    root {{PREFIX}}/www;
    try_files $uri /w.txt;
    rewrite ^/srv(.*)$ $1;
    location /e1 { rewrite ^/e1(.*)$ $1 last; }
    location /e2 { rewrite ^/e2(.*)$ $1?q=1 break; proxy_pass http://BACKEND; }
    location /e3 { error_page 500 = /w.txt; rewrite ^/e3(.*)$ $1; }
    location /e4 { error_page 500 = @app; rewrite ^/e4(.*)$ $1; }
    location = /t/ { alias {{PREFIX}}/files/a.txt; try_files /nonexist $uri =403; }
    location /u/ { alias {{PREFIX}}/files/; try_files /sub/b.txt =404; }
    location /f/ { alias {{PREFIX}}/www/w.txt; }
    location /g/ { alias {{PREFIX}}/www/w.txt; error_page 404 = @app; }
    location @app { proxy_pass http://BACKEND; }
    location /h/ { alias {{PREFIX}}/files/sub; autoindex on; }
    location /i/ { alias {{PREFIX}}/files/sub; }
    location ~ ^/re/ { alias {{PREFIX}}/files; autoindex on; }
    location /x/ { }
}
`,
		"nestedcaptures": `
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    error_log {{LOGS}}/error.log;
    location ~ ^/cap/(?<file>[^/]+)$ { return 200 "outer"; location ~ \.txt$ { return 200 "file=$file one=$1"; } }
    location ~ ^/al/(?<f>[^/]+)$ { location ~ \.txt$ { alias {{PREFIX}}/files/$f; } }
    location ~ ^/two/(?<a>[^/]+)/(?<b>[^/]+)$ { location ~ ^/two/(?<b>x)/ { return 200 "a=$a b=$b"; } }
}
`,
		"phases": `
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    error_log {{LOGS}}/error.log;
    root {{PREFIX}}/www;
    rewrite ^/private/(.*)$ /public/$1;
    location /x { rewrite ^ /private/w.txt last; }
    location /private/ { deny all; }
    location /public/ { alias {{PREFIX}}/www/; }
    location /t/ { try_files $uri @app; limit_except POST { allow all; } }
    location /u/ { try_files $uri @app; if ($arg_k) { set $x 1; } }
    location @app { proxy_pass http://BACKEND; }
    location ~ ^/c1/(.*)$ { if ($args ~ nomatch) { set $x 1; } return 200 "one=[$1]"; }
    location ~ ^/c2/(.*)$ { rewrite ^/nomatch /x; return 200 "one=[$1]"; }
    location ~ ^/c3/(.*)$ { alias {{PREFIX}}/files/$1; if ($args ~ nomatch) { set $x 1; } }
    location /s1 { return 200 "s=$status"; }
    location /s2 { return 302 "/x?s=$status"; }
    location /s3 { error_page 404 = @s; return 404; }
    location @s { return 200 "s=$status"; }
    location /r/ { auth_basic "x"; auth_basic_user_file {{PREFIX}}/htpasswd; error_page 401 /e/w.txt; }
    location /e/ { alias {{PREFIX}}/www/; satisfy any; allow all; }
}
`,
	}
	files := map[string]string{
		"html/index.html": "default root\n", "html/p.txt": "p\n", "www/w.txt": "w\n", "www/rel/r.txt": "r\n",
		"files/sub/b.txt": "b\n", "files/su/s.txt": "s\n", "files/a.txt": "a\n", "htpasswd": "u:{PLAIN}p\n",
	}
	requests := map[string][][2]string{
		"defaultroot": {{"GET", "/"}, {"GET", "/p.txt"}, {"PUT", "/p.txt"}, {"DELETE", "/x"}, {"GET", "/missing"},
			{"GET", "/rel/r.txt"}, {"GET", "/v/"}},
		"edges": {{"GET", "/e1"}, {"GET", "/e1?z=1"}, {"GET", "/e2?x=1"}, {"GET", "/e3"}, {"GET", "/e4"}, {"GET", "/srv"},
			{"GET", "/t/"}, {"GET", "/u/x"},
			{"GET", "/f/"}, {"POST", "/f/"}, {"GET", "/g/"}, {"GET", "/h/"}, {"GET", "/h/b.txt"}, {"GET", "/i/"},
			{"GET", "/re/"}, {"GET", "/re/x/"}, {"GET", "/missing"}, {"DELETE", "/missing"}, {"OPTIONS", "/nope"},
			{"GET", "/x/w.txt"}},
		"nestedcaptures": {{"GET", "/cap/w.txt"}, {"GET", "/cap/w.bin"}, {"GET", "/al/a.txt"}, {"GET", "/two/x/y"}},
		"phases": {{"GET", "/x"}, {"GET", "/private/w.txt"}, {"GET", "/t/missing"}, {"POST", "/t/missing"},
			{"GET", "/u/missing"}, {"GET", "/u/missing?k=1"}, {"GET", "/c1/x"}, {"GET", "/c2/x"}, {"GET", "/c3/a.txt"},
			{"GET", "/s1"}, {"GET", "/s2"}, {"GET", "/s3"}, {"GET", "/r/"}},
	}
	for name, conf := range confs {
		t.Run(name, func(t *testing.T) {
			conf = strings.ReplaceAll(conf, "BACKEND", backend)
			ngLogs, emuLogs := t.TempDir(), t.TempDir()
			ng := realnginx.StartHTTP(t, strings.ReplaceAll(conf, "{{LOGS}}", ngLogs), files)
			emu, warns := startEmulator(t, strings.ReplaceAll(conf, "{{LOGS}}", emuLogs), ng.Prefix, Options{})
			for _, w := range warns {
				t.Errorf("warning: %s", w)
			}
			for _, rq := range requests[name] {
				want, got := sendBoth(t, ng, emu, realnginx.RawRequest(rq[0], rq[1], nil, ""))
				if problems := diffResponses(want, got); len(problems) > 0 {
					t.Errorf("%s %s:\n  %s", rq[0], rq[1], strings.Join(problems, "\n  "))
				}
			}
			ng.Stop()
			want, got := errorLines(t, ngLogs, ng.Prefix), errorLines(t, emuLogs, ng.Prefix)
			if want != got {
				t.Errorf("error log lines:\nnginx:\n%s\nserve:\n%s", want, got)
			}
			if want == "" && name == "edges" {
				t.Error("nginx logged nothing: the log comparison compared nothing")
			}
		})
	}
}

// errorLines are the lines at error level and above of dir/error.log, with
// the date, pid and connection left out and the prefix written {{PREFIX}}.
func errorLines(t *testing.T, dir, prefix string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "error.log"))
	if err != nil {
		t.Error(err)
	}
	stamp := regexp.MustCompile(`(?m)^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d (\[\w+\]) \d+#\d+: \*\d+ `)
	var lines []string
	for _, l := range strings.Split(stamp.ReplaceAllString(string(b), "$1 "), "\n") {
		if strings.HasPrefix(l, "[error]") || strings.HasPrefix(l, "[crit]") || strings.HasPrefix(l, "[alert]") {
			lines = append(lines, strings.ReplaceAll(l, prefix, "{{PREFIX}}"))
		}
	}
	return strings.Join(lines, "\n")
}

// TestRefusedToNamedAgainstNginx: a request refused while it is read goes
// to a server-level error_page; a named location needs its URI, so one
// whose request line could not be read ends in 500 ("empty URI in
// redirect to named location"), one refused later (a bad Host) gets the
// named location's answer. Before, serve answered both from it.
func TestRefusedToNamedAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	conf := `
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    error_page 400 =200 @bad;
    location @bad { return 200 "bad uri=[$uri]"; }
}
`
	ng := realnginx.StartHTTP(t, conf, nil)
	emu, _ := startEmulator(t, conf, ng.Prefix, Options{})
	for _, raw := range []string{
		"GET /a b HTTP/1.1\r\nHost: a\r\n\r\n",
		"GET /ok HTTP/1.1\r\nHost: a..b\r\n\r\n",
		"GET /x%2Fy?q=1 HTTP/1.1\r\nHost: a..b\r\n\r\n",
	} {
		want, got := sendBoth(t, ng, emu, []byte(raw))
		if problems := diffResponses(want, got); len(problems) > 0 {
			t.Errorf("%q:\n  %s", raw, strings.Join(problems, "\n  "))
		}
	}
}
