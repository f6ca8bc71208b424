package nginx

// The checks nginx -t makes while it reads directives (check.go): context,
// arguments, and the location, root/alias and proxy_pass rules.

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/xaccel/xaccel/internal/realnginx"
)

// TestDirectiveChecks: context, block and argument-count errors from the
// directive table, and the location, root/alias and proxy_pass rules, each
// cross-checked with nginx.
func TestDirectiveChecks(t *testing.T) {
	t.Parallel()
	srv := func(body string) string {
		return mainHead + "    server {\n        listen 127.0.0.1:8080;\n" + body + "    }\n}\n" // body from line 6
	}
	for _, c := range []struct {
		name, src string
		line      int // 0: no error
		msg       string
	}{
		{"user without argument", "user;\nevents {}\n", 1, `invalid number of arguments in "user" directive`},
		{"worker_processes in events", "events {\n    worker_processes 1;\n}\n", 2, `"worker_processes" directive is not allowed here`},
		{"if in http", mainHead + "    if ($host) { }\n}\n", 4, `"if" directive is not allowed here`},
		{"internal in server", srv("        internal;\n"), 6, `"internal" directive is not allowed here`},
		{"internal with argument", srv("        location /a { internal on; }\n"), 6, `invalid number of arguments in "internal" directive`},
		{"root with a block", srv("        root /a { }\n"), 6, `directive "root" is not terminated by ";"`},
		{"location with three arguments", srv("        location = /a /b { }\n"), 6, `invalid number of arguments in "location" directive`},
		{"bad location modifier", srv("        location ~~ /a { }\n"), 6, `invalid location modifier "~~"`},
		{"location outside parent", srv("        location /a/ {\n            location /b/ { }\n        }\n"), 7, `location "/b/" is outside location "/a/"`},
		{"location inside exact", srv("        location = /a {\n            location /a { }\n        }\n"), 7, `cannot be inside the exact location`},
		{"location inside named", srv("        location @a {\n            location /a { }\n        }\n"), 7, `cannot be inside the named location`},
		{"nested named location", srv("        location /a {\n            location @b { }\n        }\n"), 7, `named location "@b" can be on the server level only`},
		{"regex inside prefix", srv("        location /a/ {\n            location ~ \\.php$ { }\n        }\n"), 0, ""},
		{"duplicate location", srv("        location /a { }\n        location ^~ /a { }\n"), 7, `duplicate location "/a"`},
		{"duplicate exact location", srv("        location = /a { }\n        location =/a { }\n"), 7, `duplicate location "/a"`},
		{"exact and prefix", srv("        location = /a { }\n        location /a { }\n"), 0, ""},
		{"root twice", srv("        location /a {\n            root /x;\n            root /y;\n        }\n"), 8, `"root" directive is duplicate`},
		{"alias after root", srv("        location /a {\n            root /x;\n            alias /y;\n        }\n"), 8, `"alias" directive is duplicate, "root" directive was specified earlier`},
		{"root in if and location", srv("        location /a {\n            root /x;\n            if ($host) { root /y; }\n        }\n"), 0, ""},
		{"alias in named location", srv("        location @a {\n            alias /y/;\n        }\n"), 7, `the "alias" directive cannot be used inside the named location`},
		{"document_root in root", srv("        root $document_root/x;\n"), 6, `$document_root variable cannot be used`},
		{"proxy_pass URI in regex location", srv("        location ~ /a {\n            proxy_pass http://127.0.0.1:1/x;\n        }\n"), 7, `"proxy_pass" cannot have URI part`},
		{"proxy_pass URI in if", srv("        location /a {\n            if ($host) { proxy_pass http://127.0.0.1:1/; }\n        }\n"), 7, `"proxy_pass" cannot have URI part`},
		{"proxy_pass without URI in regex location", srv("        location ~ /a {\n            proxy_pass http://127.0.0.1:1;\n        }\n"), 0, ""},
		{"proxy_pass with variables", srv("        location ~ /a {\n            proxy_pass http://127.0.0.1:1/$uri;\n        }\n"), 0, ""},
		{"proxy_pass bad prefix", srv("        location /a {\n            proxy_pass 127.0.0.1:1;\n        }\n"), 7, "invalid URL prefix"},
		{"multi-line statement", srv("        location /a {\n            alias\n                /x/\n                /y/;\n        }\n"), 7, `invalid number of arguments in "alias" directive`},
		{"set a built-in variable", srv("        location / { set $uri /x; }\n"), 6, `the duplicate "uri" variable`},
		{"set changeable variables", srv("        location / { set $args a; set $http_x_y b; set $mine c; }\n"), 0, ""},
		{"map to a built-in variable", mainHead + "    map $uri $Host { default x; }\n}\n", 4, `the duplicate "Host" variable`},
		{"fastcgi_pass to a path", srv("        location / { fastcgi_pass /run/php.sock; }\n"), 6, `invalid host in upstream "/run/php.sock"`},
		{"fastcgi_pass to a unix socket", srv("        location / { fastcgi_pass unix:/run/php.sock; }\n"), 0, ""},
		{"module directive", srv("        more_set_headers \"Server: x\";\n"), -1, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg, dir := loadTree(t, map[string]string{"nginx.conf": c.src}, "nginx.conf")
			switch c.line {
			case -1: // a module nginx does not have here: xaccel accepts it
				noErrors(t, cfg)
			case 0:
				noErrors(t, cfg)
				nginxRejectsAt(t, dir, "nginx.conf", "", 0)
			default:
				e := wantError(t, cfg, "nginx.conf", c.line, 0, c.msg)
				// nginx names the line of the ";" or "{"
				nginxLine := c.line
				if d := directiveAt(cfg, filepath.Join(dir, "nginx.conf"), c.line); d != nil && e != nil && d.Pos == e.Pos {
					nginxLine = d.End.Line
				}
				nginxRejectsAt(t, dir, "nginx.conf", "nginx.conf", nginxLine)
			}
		})
	}
}

// TestSnippetContext: a snippet's own context is unknown, so directives
// that are fine somewhere are not refused at its top; inside blocks whose
// context is certain (location, if) they are.
// TestValidReferersWithoutName: nginx refuses a valid_referers with none or
// blocked and no name (regexes do not count), when it merges the
// configuration, with no line in its message; xaccel gives the
// directive's.
func TestValidReferersWithoutName(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args   string
		refuse bool
	}{
		{"none", true}, {"blocked", true}, {"none blocked ~foo", true}, {"none ~foo example.com", false},
		{"blocked server_names", false}, {"none *.example.com", false}, {"~foo", false}, {"example.com", false},
	} {
		t.Run(c.args, func(t *testing.T) {
			src := mainHead + "    server {\n        listen 127.0.0.1:8080;\n        location / { valid_referers " + c.args + "; }\n    }\n}\n"
			cfg, dir := loadTree(t, map[string]string{"nginx.conf": src}, "nginx.conf")
			if c.refuse {
				wantError(t, cfg, "nginx.conf", 6, 0, "without any valid referer")
			} else {
				noErrors(t, cfg)
			}
			if testing.Short() {
				return
			}
			realnginx.Require(t)
			ok, out := realnginx.Check(filepath.Join(dir, "nginx.conf"), dir)
			if refused := !ok && strings.Contains(out, "without any valid referer"); refused != c.refuse {
				t.Errorf("nginx -t (ok=%v) refuses it: %v, want %v:\n%s", ok, refused, c.refuse, out)
			}
		})
	}
}

func TestSnippetContext(t *testing.T) {
	cfg := loadOne(t, "internal;\nalias /x/;\nfastcgi_param A b;\nserver \"some\";\n")
	noErrors(t, cfg)
	cfg = loadOne(t, "location /a {\n    listen 80;\n}\n")
	wantError(t, cfg, "nginx.conf", 2, 5, `"listen" directive is not allowed here`)
	// a sites-available file: a location outside any server is refused
	cfg = loadOne(t, "server {\n    listen 80;\n}\nlocation /a { }\n")
	wantError(t, cfg, "nginx.conf", 4, 1, `"location" directive is not allowed here`)
}
