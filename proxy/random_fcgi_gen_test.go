//go:build unix

package proxy

import (
	"math/rand/v2"
	"net/http"
	"strings"

	"github.com/xaccel/xaccel/internal/realnginx"
)

// The generator of TestServeRandomFastCGIAgainstNginx (random_fcgi_test.go):
// the files, one server block shaped like a PHP (and now and then a
// Django) deployment, and its requests, from a seed.

func init() {
	// Debian's fastcgi_params, fastcgi.conf, uwsgi_params and PHP snippet
	// under conf/, where `include fastcgi_params;` finds them.
	for name, text := range realnginx.DebianConfFiles {
		fcgiRandFiles["conf/"+name] = text
	}
}

// fcgiRandFiles is the file tree under the prefix: a PHP site in www/ (a
// front controller, scripts in a subdirectory, an uploads directory with
// an image and a script someone uploaded, a directory named x.php), a
// WordPress-like blog served by alias, Django's static files, files
// behind an internal location, and a secret outside every root. Every
// file names itself, so that a body tells which file was sent.
var fcgiRandFiles = map[string]string{
	"secret.php":             "FILE secret.php (outside every root)\n",
	"www/index.php":          "FILE www/index.php\n",
	"www/app.php":            "FILE www/app.php\n",
	"www/update.php":         "FILE www/update.php\n",
	"www/sub/x.php":          "FILE www/sub/x.php\n",
	"www/sub/index.php":      "FILE www/sub/index.php\n",
	"www/sub/page.html":      "FILE www/sub/page.html\n",
	"www/uploads/evil.jpg":   "FILE www/uploads/evil.jpg\n",
	"www/uploads/shell.php":  "FILE www/uploads/shell.php\n",
	"www/x.php/inner.txt":    "FILE www/x.php/inner.txt\n",
	"www/x.php/index.php":    "FILE www/x.php/index.php\n",
	"www/static.txt":         "FILE www/static.txt\n",
	"www/.env":               "FILE www/.env\n",
	"www/.hidden.php":        "FILE www/.hidden.php\n",
	"www/index.html":         "FILE www/index.html\n",
	"www/a b.php":            "FILE www/a b.php\n",
	"www/errs/404.html":      "ERRPAGE errs/404.html\n",
	"www/errs/50x.html":      "ERRPAGE errs/50x.html\n",
	"blog/index.php":         "FILE blog/index.php\n",
	"blog/wp-login.php":      "FILE blog/wp-login.php\n",
	"blog/readme.html":       "FILE blog/readme.html\n",
	"blog/wp-content/up.php": "FILE blog/wp-content/up.php\n",
	"static/app.css":         "FILE static/app.css\n",
	"files/doc.txt":          "FILE files/doc.txt (internal)\n",
}

// fcgiRandSymlinks are made after the files: a script linked inside the
// root, one linked to the secret outside it ($realpath_root and
// $request_filename tell them apart).
var fcgiRandSymlinks = map[string]string{
	"current":       "www",
	"www/lnk.php":   "index.php",
	"www/out.php":   "../secret.php",
	"www/linkdir":   "sub",
	"blog/wp-admin": "../www/sub",
}

// fcgiGen generates one server from a seed.
type fcgiGen struct {
	r       *rand.Rand
	paths   []string // request paths that lead somewhere in this server
	uwsgi   bool
	errPage bool
}

func newFCGIGen(seed uint64) *fcgiGen {
	return &fcgiGen{r: rand.New(rand.NewPCG(seed^0xfc6170a5, seed*0xd6e8feb86659fd93+3))}
}

func (g *fcgiGen) chance(p float64) bool { return g.r.Float64() < p }

func fpick[T any](g *fcgiGen, xs []T) T { return xs[g.r.IntN(len(xs))] }

// fcgiFronts are the `location /` blocks of PHP front controllers: shaped
// like Laravel's documented config, WordPress's (nginx wiki), Symfony's,
// Drupal 7's named location, a static site's, and none at all.
var fcgiFronts = [][]string{
	{"try_files $uri $uri/ /index.php?$query_string;"},
	{"try_files $uri $uri/ /index.php?$args;"},
	{"try_files $uri /index.php$is_args$args;"},
	{"try_files $uri $uri/ @rewrite;"},
	{"try_files $uri $uri/ =404;"},
	{"try_files $uri /index.php;"},
	{},
	nil, // no location /
}

// fcgiPHPRegexes are the PHP locations' regexes: the nginx wiki's, its
// stricter [^/] form, the capture form, Debian's default site, Nextcloud's,
// Drupal's (update.php without an extension check), a caseless one.
var fcgiPHPRegexes = []string{
	`~ \.php$`, `~ [^/]\.php(/|$)`, `~ ^(.+\.php)(.*)$`, `~ \.php(/|$)`, `~ \.php(?:$|/)`,
	`~ '\.php$|^/update.php'`, `~* \.php$`, `~ ^/index\.php(/|$)`,
}

var fcgiSplits = []string{
	`fastcgi_split_path_info ^(.+\.php)(/.+)$;`, `fastcgi_split_path_info ^(.+?\.php)(/.*)$;`,
	`fastcgi_split_path_info ^(.+\.php)(.*)$;`, `fastcgi_split_path_info ^(.+?\.php)(|/.*)$;`,
	`fastcgi_split_path_info ^(.+?\.php)(.*)$;`,
}

// fcgiGuards are the checks that the script exists, the classic guard
// against cgi.fix_pathinfo running an upload as PHP.
var fcgiGuards = []string{
	"try_files $uri =404;", "try_files $fastcgi_script_name =404;",
	"if (!-f $document_root$fastcgi_script_name) { return 404; }", "try_files $uri $uri/ =404;",
	"try_files $uri /index.php?$args;",
}

// server returns the http{} body: FCGI and UWSGI stand for the apps'
// addresses.
func (g *fcgiGen) server() string {
	var b strings.Builder
	b.WriteString("server {\n")
	w := func(ind int, s string) { b.WriteString(strings.Repeat("    ", ind) + s + "\n") }
	w(1, "listen 127.0.0.1:{{PORT}};")
	w(1, "server_name localhost;")
	w(1, "server_tokens off;")
	w(1, fpick(g, []string{"root {{PREFIX}}/www;", "root {{PREFIX}}/www;", "root {{PREFIX}}/www/;", "root {{PREFIX}}/current;"}))
	if ix := fpick(g, []string{"index index.php;", "index index.php index.html;", "index index.html index.php;", ""}); ix != "" {
		w(1, ix)
	}
	if g.chance(0.1) {
		w(1, fpick(g, []string{"merge_slashes off;", "client_max_body_size 10;", "client_body_buffer_size 1k;"}))
	}
	if g.chance(0.3) {
		// Laravel's documented config: its headers, charset and the
		// quiet favicon and robots locations.
		w(1, `add_header X-Frame-Options "SAMEORIGIN";`)
		w(1, `add_header X-Content-Type-Options "nosniff";`)
		w(1, "charset utf-8;")
		w(1, "location = /favicon.ico { access_log off; log_not_found off; }")
		w(1, "location = /robots.txt  { access_log off; log_not_found off; }")
		g.paths = append(g.paths, "/favicon.ico", "/robots.txt")
	}
	if g.chance(0.2) {
		g.errPage = true
		w(1, fpick(g, []string{"error_page 404 /errs/404.html;", "error_page 500 502 503 504 /errs/50x.html;",
			"error_page 404 /index.php;", "error_page 403 404 = /errs/404.html;"}))
	}
	g.paths = append(g.paths, "/", "/index.php", "/app.php", "/app.php/extra/path", "/sub/x.php", "/sub/", "/sub",
		"/x.php/", "/x.php", "/x.php/inner.txt", "/x.php/index.php", "/uploads/evil.jpg", "/uploads/evil.jpg/x.php",
		"/uploads/shell.php", "/uploads/shell.php/", "/uploads/SHELL.PHP", "/uploads/evil.jpg/.php", "/nonexistent.php",
		"/index.php%00.jpg", "/index.php%2fx", "/../secret.php", "/sub/..%2findex.php", "/index%2ephp", "/index.php.",
		"/index.php/", "/index.php//x", "/index.php%20", "/static.txt", "/static.txt/x.php", "/.env", "/.hidden.php",
		"/lnk.php", "/out.php", "/linkdir/x.php", "/INDEX.PHP", "/index.phps", "/update.php", "/update.php/x",
		"/a%20b.php", "/sub/x.php/../../secret.php", "/sub/%2e%2e/index.php", "/index.php/%2e%2e/x", "/missing/",
		"/x.php/nothing.php", "/sub/page.html", "/protected/doc.txt", "/errs/404.html", "/static.txt%00.php",
		"/index.php%3Fx=1", "/sub/x.php%2f", "/index.php/%3F", "/index.php?", "/index.php/a%2fb", "/sub//x.php",
		"/uploads/../index.php", "/index.php/../uploads/shell.php", "/current/index.php")

	uploadsFirst := g.chance(0.7)
	uploads := g.uploads()
	if uploadsFirst {
		writeFCGILocs(w, uploads)
	}
	re := fpick(g, fcgiPHPRegexes)
	nested := false
	if front := fpick(g, fcgiFronts); front != nil {
		loc := append([]string{"location / {"}, front...)
		if g.chance(0.2) {
			// The PHP location nested in location /, as some guides
			// write it.
			nested = true
			php := g.phpLocation(re)
			loc = append(loc, php[0])
			for _, x := range php[1:] {
				loc = append(loc, "    "+x)
			}
			loc = append(loc, "}")
		}
		writeFCGILocs(w, [][]string{loc})
		if len(front) > 0 && strings.Contains(front[0], "@rewrite") {
			writeFCGILocs(w, [][]string{{"location @rewrite {", "rewrite ^/(.*)$ /index.php?q=$1;"}})
		}
	}
	if g.chance(0.3) {
		// Hidden files, as most PHP deployment guides deny them.
		writeFCGILocs(w, [][]string{{"location ~ /\\. {", fpick(g, []string{"deny all;", "return 404;", "return 403;"})}})
	}
	if !nested {
		writeFCGILocs(w, [][]string{g.phpLocation(re)})
	}
	if strings.HasPrefix(re, "~ ^/index") {
		// Symfony's documented config: the front controller alone runs,
		// any other script is refused.
		writeFCGILocs(w, [][]string{{`location ~ \.php$ {`, "return 404;"}})
	}
	if !uploadsFirst {
		writeFCGILocs(w, uploads)
	}
	if g.chance(0.4) {
		g.blog(w)
	}
	if g.chance(0.3) {
		// A front controller for a path, without a file behind it.
		loc := []string{fpick(g, []string{"location /api/ {", "location ^~ /api/ {", "location = /api/ping {"}),
			"include fastcgi_params;", "fastcgi_param SCRIPT_FILENAME $document_root/index.php;",
			"fastcgi_param SCRIPT_NAME /index.php;", "fastcgi_pass FCGI;"}
		if g.chance(0.3) {
			loc = append(loc, "fastcgi_pass_request_headers off;")
		}
		if g.chance(0.3) {
			loc = append(loc, "fastcgi_index index.php;", "fastcgi_param SCRIPT_NAME $fastcgi_script_name;", "fastcgi_param HTTP_HOST $http_host;")
		}
		writeFCGILocs(w, [][]string{loc})
		g.paths = append(g.paths, "/api/users", "/api/ping", "/api/", "/api/x.php", "/api/../index.php")
	}
	if g.chance(0.35) {
		g.uwsgi = true
		g.django(w)
	}
	w(1, `location @fb { return 200 "fallback uri=$uri args=$args"; }`)
	w(1, "location /protected/ {")
	w(2, "internal;")
	w(2, fpick(g, []string{"alias {{PREFIX}}/files/;", "alias {{PREFIX}}/files/;", "root {{PREFIX}}/;"}))
	w(1, "}")
	if g.chance(0.3) {
		w(1, "location = /protected/doc.txt { return 200 \"exact doc\"; }")
	}
	b.WriteString("}\n")
	return b.String()
}

// writeFCGILocs writes locations: each is its head line ("location ... {")
// then its lines, closed.
func writeFCGILocs(w func(int, string), locs [][]string) {
	for _, l := range locs {
		w(1, l[0])
		for _, line := range l[1:] {
			w(2, line)
		}
		w(1, "}")
	}
}

// uploads are the locations that keep uploaded scripts from running.
func (g *fcgiGen) uploads() [][]string {
	switch g.r.IntN(6) {
	case 0:
		return [][]string{{`location ~* /uploads/.*\.php$ {`, "deny all;"}}
	case 1:
		return [][]string{{`location ~* /(?:uploads|files)/.*\.php$ {`, "return 403;"}}
	case 2:
		return [][]string{{"location ^~ /uploads/ {"}}
	case 3:
		return [][]string{{"location /uploads/ {", `location ~ \.php$ { return 403; }`}}
	case 4:
		return [][]string{{`location ~ ^/uploads/.*\.(php|phtml)$ {`, "return 404;"}}
	}
	return nil
}

// phpLocation is the PHP location: the regex, the split, the guard, the
// params, fastcgi_index and the handling of the app's answer, each drawn.
func (g *fcgiGen) phpLocation(re string) []string {
	l := []string{"location " + re + " {"}
	snippet := g.chance(0.15)
	split := ""
	if snippet {
		l = append(l, "include snippets/fastcgi-php.conf;")
	} else {
		if g.chance(0.6) {
			split = fpick(g, fcgiSplits)
			l = append(l, split)
		}
		if g.chance(0.6) {
			l = append(l, fpick(g, fcgiGuards))
		}
		if split != "" && g.chance(0.3) {
			l = append(l, "set $path_info $fastcgi_path_info;")
		}
		switch g.r.IntN(4) {
		case 0:
			l = append(l, "include fastcgi_params;")
		case 1:
			l = append(l, "include fastcgi.conf;")
		case 2:
			l = append(l, "fastcgi_param SCRIPT_NAME $fastcgi_script_name;", "fastcgi_param QUERY_STRING $query_string;",
				"fastcgi_param REQUEST_METHOD $request_method;", "fastcgi_param DOCUMENT_URI $document_uri;")
		default:
			// the params after the ones below, as some guides write them
		}
		if g.chance(0.8) {
			l = append(l, "fastcgi_param SCRIPT_FILENAME "+fpick(g, []string{"$document_root$fastcgi_script_name",
				"$document_root$fastcgi_script_name", "$request_filename", "$realpath_root$fastcgi_script_name"})+";")
		}
		if g.chance(0.5) {
			v := "$fastcgi_path_info"
			for _, x := range l {
				if strings.HasPrefix(x, "set $path_info") && g.chance(0.7) {
					v = "$path_info"
				}
			}
			l = append(l, "fastcgi_param PATH_INFO "+v+";")
		}
		if g.chance(0.5) {
			l = append(l, "fastcgi_index index.php;")
		}
		if g.chance(0.1) {
			l = append(l, "fastcgi_param PATH_TRANSLATED $document_root$fastcgi_path_info;")
		}
		if l[len(l)-1] != "include fastcgi_params;" && g.chance(0.25) {
			l = append(l, fpick(g, []string{"include fastcgi_params;", "include fastcgi.conf;"}))
		}
	}
	if g.chance(0.4) {
		l = append(l, `fastcgi_param HTTP_PROXY "";`)
	}
	if g.chance(0.2) {
		l = append(l, "fastcgi_param HTTPS on;", "fastcgi_param front_controller_active true;")
	}
	if g.chance(0.25) {
		l = append(l, "fastcgi_intercept_errors on;")
		if g.chance(0.7) {
			l = append(l, fpick(g, []string{"error_page 404 /errs/404.html;", "error_page 500 502 /errs/50x.html;",
				"error_page 403 404 = @fb;", "error_page 404 =200 /static.txt;"}))
		}
	}
	if g.chance(0.3) {
		l = append(l, fpick(g, []string{"fastcgi_hide_header X-Powered-By;", "fastcgi_pass_header X-Accel-Buffering;",
			"fastcgi_hide_header X-App;", "fastcgi_pass_header X-Accel-Expires;", "fastcgi_hide_header Set-Cookie;"}))
	}
	if g.chance(0.1) {
		l = append(l, "fastcgi_pass_request_headers off;")
	}
	if g.chance(0.05) {
		l = append(l, "fastcgi_pass_request_body off;")
	}
	if g.chance(0.1) {
		l = append(l, "fastcgi_request_buffering off;")
	}
	if g.chance(0.05) {
		l = append(l, "fastcgi_ignore_headers X-Accel-Redirect;")
	}
	if g.chance(0.05) {
		l = append(l, "internal;")
	}
	return append(l, "fastcgi_pass FCGI;")
}

// blog is a WordPress-like blog under /blog/ served by alias, its scripts
// by a nested PHP location whose SCRIPT_FILENAME is $request_filename (as
// the nginx wiki's WordPress page shows for a subdirectory).
func (g *fcgiGen) blog(w func(int, string)) {
	w(1, fpick(g, []string{"location ^~ /blog/ {", "location /blog/ {", "location /blog {"}))
	w(2, fpick(g, []string{"alias {{PREFIX}}/blog/;", "alias {{PREFIX}}/blog/;", "alias {{PREFIX}}/blog;"}))
	if g.chance(0.6) {
		w(2, "index index.php;")
	}
	if g.chance(0.5) {
		w(2, fpick(g, []string{"try_files $uri $uri/ /blog/index.php?$args;", "try_files $uri $uri/ /blog/index.php;",
			"try_files $uri $uri/ =404;"}))
	}
	w(2, fpick(g, []string{`location ~ \.php$ {`, `location ~ \.php(/|$) {`, `location ~ /blog/(.+\.php)$ {`}))
	if g.chance(0.5) {
		w(3, fpick(g, []string{"try_files $uri =404;", "if (!-f $request_filename) { return 404; }", "try_files $fastcgi_script_name =404;"}))
	}
	if g.chance(0.3) {
		w(3, `fastcgi_split_path_info ^(.+?\.php)(/.*)$;`)
	}
	w(3, fpick(g, []string{"include fastcgi_params;", "include fastcgi.conf;"}))
	w(3, "fastcgi_param SCRIPT_FILENAME "+fpick(g, []string{"$request_filename", "$request_filename", "$document_root$fastcgi_script_name"})+";")
	w(3, "fastcgi_pass FCGI;")
	w(2, "}")
	w(1, "}")
	g.paths = append(g.paths, "/blog/", "/blog", "/blog/index.php", "/blog/wp-login.php", "/blog/x.php/y",
		"/blog/../secret.php", "/blog/readme.html", "/blog/wp-content/up.php", "/blog/wp-admin/x.php",
		"/blog/nothing.php", "/blog/index.php/extra", "/blog/%2e%2e/secret.php", "/blogindex.php", "/blog/?p=1")
}

// django is a Django app under /django/ behind uwsgi_pass, with its static
// files by alias, shaped like uWSGI's documented nginx config.
func (g *fcgiGen) django(w func(int, string)) {
	w(1, fpick(g, []string{"location /django/ {", "location ^~ /django/ {", "location /django {"}))
	w(2, "include uwsgi_params;")
	if g.chance(0.4) {
		w(2, "uwsgi_param SCRIPT_NAME /django;")
	}
	if g.chance(0.3) {
		w(2, fpick(g, []string{"uwsgi_intercept_errors on;", "uwsgi_hide_header X-App;", "uwsgi_pass_header X-Accel-Expires;",
			"uwsgi_pass_request_headers off;", `uwsgi_param HTTP_PROXY "";`}))
	}
	w(2, "uwsgi_pass UWSGI;")
	w(1, "}")
	w(1, "location /static/ { alias {{PREFIX}}/static/; }")
	g.paths = append(g.paths, "/django/", "/django/admin/", "/django", "/django/x.php", "/django/../secret.php",
		"/static/app.css", "/static/../secret.php", "/django/%2e%2e/x", "/djangox")
}

// fcgiCommands are queries that tell the app what to answer (see
// fcgiRandApp): a status, headers, X-Accel-Redirect, an error.
var fcgiCommands = []string{
	"s=404", "s=500", "s=403", "s=201", "s=302&h=" + pct("Location: /elsewhere"),
	"h=" + pct("X-Accel-Redirect: /protected/doc.txt"), "h=" + pct("X-Accel-Redirect: /protected/doc.txt?done=1"),
	"h=" + pct("X-Accel-Redirect: /protected/../secret.php"), "h=" + pct("X-Accel-Redirect: /protected/missing.txt?x"),
	"h=" + pct("X-Accel-Redirect: /static.txt?x"), "h=" + pct("X-Accel-Redirect: /index.php?again"),
	"h=" + pct("X-Accel-Redirect: /protected/%2e%2e/secret.php?x"), "h=" + pct("X-Accel-Redirect: @fb"),
	"s=404&h=" + pct("X-Accel-Redirect: /protected/doc.txt?x"),
	"h=" + pct("X-Powered-By: PHP/8.2") + "&h=" + pct("X-App: 1"), "h=" + pct("X-Accel-Buffering: no"),
	"h=" + pct("Set-Cookie: a=1") + "&h=" + pct("X-Accel-Expires: 10"), "e=close", "e=empty", "e=stderr",
	"b=hello", "q=1", "x=%2e%2e%2f&y=a%00b",
}

// requests generates n requests for the server g generated.
func (g *fcgiGen) requests(n int) []randRequest {
	var reqs []randRequest
	for len(reqs) < n {
		target := fpick(g, g.paths)
		if g.chance(0.4) {
			sep := "?"
			if strings.Contains(target, "?") {
				sep = "&"
			}
			target += sep + fpick(g, fcgiCommands)
		}
		rq := randRequest{method: "GET", target: target, header: http.Header{}}
		switch k := g.r.IntN(100); {
		case k < 12:
			rq.method = "HEAD"
		case k < 32:
			rq.method, rq.body = "POST", fpick(g, []string{"a=1&b=2", "x", "name=%2e%2e&file=..%2f"})
			rq.header.Set("Content-Type", "application/x-www-form-urlencoded")
		case k < 36:
			rq.method = fpick(g, []string{"PUT", "DELETE", "OPTIONS", "PATCH", "TRACE"})
		case k < 38:
			// A body larger than client_body_buffer_size, spooled. No
			// command goes with it: after fastcgi_request_buffering off
			// sent it, nginx passes a second app (X-Accel-Redirect,
			// error_page) what is left of it, which serve does not
			// emulate (it ends the connection).
			rq.method, rq.body = "POST", strings.Repeat("0123456789abcdef", 1200)
			rq.target, _, _ = strings.Cut(target, "?")
		}
		if rq.body != "" && g.chance(0.1) {
			rq.header.Set("Expect", "100-continue")
		}
		if g.chance(0.15) {
			rq.header.Set("Proxy", "http://evil.example:8080")
		}
		if g.chance(0.1) {
			rq.header.Set("X-Forwarded-For", "10.0.0.1, 10.0.0.2")
		}
		if g.chance(0.1) {
			rq.header.Set("Cookie", "sid=1")
		}
		if g.chance(0.08) {
			rq.header.Set("Range", fpick(g, []string{"bytes=0-3", "bytes=5-", "bytes=-4"}))
		}
		if g.chance(0.05) {
			rq.header.Set("Host", fpick(g, []string{"other.example", "localhost:8080", "LOCALHOST"}))
		}
		if g.chance(0.05) {
			// nginx drops a header line with '_' in its name
			// (underscores_in_headers off).
			rq.header.Set("X_Under", "u")
		}
		if g.chance(0.05) {
			rq.header.Set("X-App", "client")
		}
		reqs = append(reqs, rq)
	}
	return reqs
}
