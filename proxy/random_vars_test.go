//go:build unix

package proxy

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"
)

// The variables and headers part of TestServeRandomAgainstNginx: map
// blocks at the http level (exact keys, regexes with captures, default,
// hostnames, a map of a map) whose values feed if, set, return, root,
// alias, add_header and rewrite; if conditions on files (-f, -d, -e and
// their ! forms) and regexes whose captures are used afterwards;
// secure_link, secure_link_md5 and secure_link_secret; valid_referers;
// and the response headers of files and of X-Accel-Redirect answers
// (add_header with and without always at several levels, expires, types,
// default_type, charset, etag, the app's headers nginx keeps or drops,
// its X-Accel-* headers, proxy_hide_header, proxy_pass_header,
// proxy_ignore_headers, proxy_intercept_errors). Its locations live under
// /v/. Everything in it is drawn from g.v, so that the rest of a seed's
// server and requests stays what it was without it.

// randVarsSecret is the secret of secure_link_md5 and secure_link_secret.
const randVarsSecret = "s3cr3t"

// randVarsState is what the part remembers between the server and the
// requests.
type randVarsState struct {
	bases, proxied []string // paths that lead to the part's locations
	// md5Expr says how the /v/s/ location's secure_link_md5 hashes:
	// "" when it has none, else "e" (with an expiry) or "u" (without).
	md5Expr string
	ipInMD5 bool // secure_link_md5 has $remote_addr
	referer bool // a valid_referers is in the server
}

// randVarsMaps are the http-level map blocks; each one is drawn in one of
// its forms, so that the variables it sets always exist.
var randVarsMaps = [][]string{
	{
		"map $uri $v_kind {\n    default 0;\n    /v/m/a.txt 1;\n    /v/m/B.txt upper;\n    ~^/v/m/(?<vname>[a-z]+)\\.txt$ n-$vname;\n    ~*^/V/M/(.+)\\.HTML$ h-$1;\n    ~^/v/m/sub/ sub;\n}",
		"map $uri $v_kind {\n    default \"\";\n    ~^/v/m/(.*)\\.txt$ $1;\n    /v/m/a.txt exact;\n    ~*/DIR/ dir;\n}",
		"map $uri $v_kind {\n    /v/m/sub/b.txt 1;\n    ~^/v/m/(?<vname>[^/]+)$ $vname;\n}",
	},
	{
		"map $arg_d $v_dir {\n    default files;\n    w www;\n    s files/sub;\n    ~^(?<dd>[a-z]+)-x$ $dd;\n    \"\" files;\n}",
		"map $arg_d $v_dir {\n    default www;\n    f files;\n    ~^(..)$ $1;\n    up ..;\n}",
	},
	{
		"map $http_x_v $v_hdr {\n    default \"\";\n    on 1;\n    off 0;\n    ~^id-(\\d+)$ $1;\n    ~*^YES yes;\n}",
		"map $http_x_v $v_hdr {\n    default 1;\n    no \"\";\n    zero 0;\n}",
	},
	{
		"map $http_host $v_host {\n    hostnames;\n    default other;\n    localhost loc;\n    *.example.com wild;\n    .example.org org;\n    www.example.* tail;\n    ~^(?<hh>[a-z]+)\\.test$ re-$hh;\n}",
		"map $host $v_host {\n    default other;\n    localhost loc;\n    ~^(?<hh>[a-z]+)\\.test$ re-$hh;\n}",
	},
	{
		"map $v_kind $v_chain {\n    default c-$v_kind;\n    1 one;\n    \"\" empty;\n    0 zero;\n}",
	},
}

// randVarsHosts are Host headers a request sends now and then.
var randVarsHosts = []string{"localhost", "www.example.com", "a.b.example.com", "example.org", "x.example.org",
	"www.example.net", "foo.test", "FOO.TEST", "localhost:8080", "example.com", "LocalHost"}

// randVarsAppHeaders are header lines the app sends: those nginx keeps
// on an X-Accel-Redirect answer and those it drops, and its own X-Accel-*.
var randVarsAppHeaders = []string{"Content-Type: text/x-app", "Content-Disposition: attachment; filename=\"a.txt\"",
	"Cache-Control: no-store", "Expires: Thu, 01 Jan 2037 00:00:00 GMT", "Set-Cookie: a=1", "Set-Cookie: b=2; Path=/",
	"Accept-Ranges: none", "Last-Modified: Wed, 21 Oct 2015 07:28:00 GMT", `ETag: "app"`, "X-App: 1",
	"Content-Language: de", "Link: </x>; rel=preload", "X-Accel-Buffering: no", "X-Accel-Expires: 60",
	"X-Accel-Expires: 0", "X-Accel-Expires: @1700000000", "X-Accel-Charset: utf-8", "X-Accel-Limit-Rate: 100000",
	"Refresh: 5", "Vary: X-V", "Server: app", "X-Pad: 1", "X-Powered-By: php", "Content-Type: text/html",
	"Cache-Control: max-age=5", "Location: /files/a.txt", "Pragma: no-cache", "WWW-Authenticate: Basic realm=x",
	"X-Accel-Redirect: /v/h/a.txt"}

// randVarsAddHeaders are add_header lines, with variables of every kind.
var randVarsAddHeaders = []string{"add_header X-V-Kind $v_kind;", "add_header X-V-Host $v_host always;",
	"add_header X-V-Uri \"$uri $args\";", "add_header X-V-A 1;", "add_header X-V-A 2 always;",
	"add_header Cache-Control no-transform;", "add_header X-V-Chain $v_chain always;", "add_header X-V-Empty \"\";",
	"add_header X-V-Status $status always;", "add_header Set-Cookie v=1;",
	"add_header X-V-Sl \"$secure_link\" always;", "add_header X-V-Ref $invalid_referer;",
	"add_header Last-Modified \"\";", "add_header X-V-Dir $v_dir;", "add_header X-V-Hdr $v_hdr always;",
	"add_header ETag \"\";", "add_header X-V-Ct $sent_http_content_type;", "add_header X-V-Fn $request_filename always;"}

// randVarsOthers are header directives other than add_header.
var randVarsOthers = []string{"expires epoch;", "expires max;", "expires off;", "expires -1;", "expires 1h;",
	"expires 30s;", "default_type application/x-v;", "default_type \"\";",
	"types { text/x-txt txt; application/x-h html; }", "types { }", "charset utf-8;", "charset off;",
	"charset utf-8; charset_types text/plain text/x-txt;", "expires $v_exp;"}

// vHTTP are the http-level lines of the part (the map blocks).
func (g *randGen) vHTTP() []string {
	v := g.v
	var out []string
	for _, forms := range randVarsMaps {
		out = append(out, pick(v, forms))
	}
	out = append(out, pick(v, []string{
		"map $arg_x $v_exp {\n    default off;\n    e epoch;\n    m max;\n    h 1h;\n}",
		"map $arg_x $v_exp {\n    default 1h;\n    ~^(\\d+)$ $1s;\n}",
	}))
	return out
}

// varsHeaders adds, with probability p, header directives to lines.
func (g *randGen) varsHeaders(lines []string, p float64) []string {
	v := g.v
	if !v.chance(p) {
		return lines
	}
	for i, n := 0, 1+v.r.IntN(3); i < n; i++ {
		if v.chance(0.6) {
			lines = append(lines, pick(v, randVarsAddHeaders))
			continue
		}
		d := pick(v, randVarsOthers)
		name, _, _ := strings.Cut(d, " ")
		dup := false
		for _, l := range lines {
			dup = dup || strings.HasPrefix(l, name+" ")
		}
		if !dup { // nginx refuses a directive twice at one level
			lines = append(lines, d)
		}
	}
	return lines
}

// serverVars adds the server-level lines of the part.
func (g *randGen) serverVars(lines []string) []string {
	v := g.v
	if v.chance(0.3) {
		lines = append(lines, pick(v, []string{"server_name localhost v.test;", "server_name ~^(?<sn>.+)\\.test$ localhost;",
			"server_name www.example.com;"}))
	}
	if v.chance(0.15) {
		lines = append(lines, g.validReferers())
		g.vs.referer = true
	}
	return g.varsHeaders(lines, 0.3)
}

// validReferers is a valid_referers line.
func (g *randGen) validReferers() string {
	v := g.v
	all := []string{"none", "blocked", "server_names", "*.example.com", "example.org/galleries/", "~\\.goo\\w+\\.",
		"www.example.*", ".example.net", "localhost", "~^(www\\.)?evil"}
	var args []string
	// nginx refuses none and blocked without a name (a regex does not
	// count), and a name twice (server_names may have localhost).
	names, serverNames := false, false
	for _, a := range all {
		if !v.chance(0.4) || a == "localhost" && serverNames {
			continue
		}
		args = append(args, a)
		serverNames = serverNames || a == "server_names"
		names = names || a != "none" && a != "blocked" && a != "server_names" && !strings.HasPrefix(a, "~")
	}
	if !names {
		args = append(args, "*.example.com")
	}
	return "valid_referers " + strings.Join(args, " ") + ";"
}

// varsLocs are the locations of the part, under /v/.
func (g *randGen) varsLocs() []*randLoc {
	v := g.v
	var locs []*randLoc
	add := func(l *randLoc, base string, proxied bool) {
		l.lines = g.varsHeaders(l.lines, 0.4)
		locs = append(locs, l)
		g.vs.bases = append(g.vs.bases, base)
		if proxied {
			g.vs.proxied = append(g.vs.proxied, base)
		}
	}

	// /v/m/: the maps' values in if, set, return, alias, root, rewrite.
	m := &randLoc{name: "/v/m/", lines: []string{"set $vs -;"}}
	if v.chance(0.2) {
		m.mod = "^~"
	}
	for i, n := 0, 1+v.r.IntN(3); i < n; i++ {
		m.lines = append(m.lines, pick(v, []string{
			"if ($v_kind) { return 200 \"kind=$v_kind chain=$v_chain\"; }",
			"if ($v_kind = 1) { rewrite ^ /files/a.txt last; }",
			"if ($v_kind = upper) { return 302 /v/m/$v_kind; }",
			"if ($v_hdr) { return 200 \"hdr=$v_hdr\"; }",
			"if ($v_hdr = 0) { return 403; }",
			"if ($v_host = loc) { set $vs local; }",
			"if ($v_host ~ ^re-(.*)$) { return 200 \"host re $1 $hh\"; }",
			"set $vs \"$v_kind-$v_hdr-$v_dir\";",
			"if ($v_chain = empty) { return 404; }",
			"rewrite ^/v/m/(.*)$ /$v_dir/$1 last;",
			"rewrite ^/v/m/(.*)$ /v/h/$v_kind break;",
			"if ($v_dir = www) { rewrite ^/v/m/(.*)$ /www/$1 last; }",
		}))
	}
	m.lines = append(m.lines, pick(v, []string{
		"return 200 \"kind=$v_kind chain=$v_chain host=$v_host dir=$v_dir hdr=$v_hdr vs=$vs\";",
		"alias {{PREFIX}}/$v_dir/;", "alias {{PREFIX}}/files/$v_kind;", "root {{PREFIX}}/$v_dir;",
		"alias {{PREFIX}}/files/;", "proxy_pass http://BACKEND;",
	}))
	add(m, "/v/m", strings.Contains(m.lines[len(m.lines)-1], "proxy_pass"))
	if v.chance(0.4) {
		re := &randLoc{mod: pick(v, []string{"~", "~*"}), name: `^/v/mr/(?<vf>[^/]+)/(.*)$`}
		re.lines = append(re.lines, pick(v, []string{
			"alias {{PREFIX}}/$vf/$2;", "alias {{PREFIX}}/files/$2;", "root {{PREFIX}}/$v_dir;",
			"return 200 \"vf=$vf two=$2 kind=$v_kind one=$1\";", "rewrite ^ /$vf/$2 last;",
		}))
		add(re, "/v/mr/files", false)
		g.vs.bases = append(g.vs.bases, "/v/mr/www", "/v/mr/..", "/v/mr/%2e%2e")
	}

	// /v/f/: if on files, and regexes with captures used afterwards.
	f := &randLoc{name: "/v/f/", lines: []string{"set $vf -;", "set $vtail -;", "set $vd -;", "set $ve -;", "set $vtxt -;", "set $vq -;"}}
	f.lines = append(f.lines, pick(v, []string{"root {{PREFIX}};", "alias {{PREFIX}}/files/;", "alias {{PREFIX}}/www/;", "root {{PREFIX}}/www;"}))
	for i, n := 0, 1+v.r.IntN(3); i < n; i++ {
		f.lines = append(f.lines, pick(v, []string{
			"if (-f $request_filename) { return 200 \"file $request_filename\"; }",
			"if (!-f $request_filename) { return 404; }",
			"if (!-f $request_filename) { rewrite ^ /v/f/a.txt; }",
			"if (-d $request_filename) { return 200 \"dir $request_filename\"; }",
			"if (!-d $request_filename) { set $vd no; }",
			"if (-e $request_filename) { set $ve yes; }",
			"if (!-e $request_filename) { return 410; }",
			"if (-e {{PREFIX}}/files/$arg_n) { return 200 \"exists $arg_n\"; }",
			"if (-d {{PREFIX}}/$arg_n) { return 200 \"isdir $arg_n\"; }",
			"if (!-f {{PREFIX}}/www/$arg_n) { return 403; }",
			"if ($uri ~ ^/v/f/(?<vf>[^/]+)/(.*)$) { set $vtail $2; }",
			"if ($uri ~* \\.TXT$) { set $vtxt 1; }",
			"if ($request_uri ~ \"\\?n=(\\w+)\") { return 200 \"n is $1\"; }",
			"if ($arg_n !~ ^[a-z.]*$) { return 403; }",
			"if ($arg_n !~* ^[A-Z]) { set $vq lower; }",
			"if ($uri ~ /(sub)/) { rewrite ^ /v/f/$1/b.txt break; }",
			"if (-x $request_filename) { return 403; }",
		}))
	}
	f.lines = append(f.lines, pick(v, []string{
		"", "", "return 200 \"vf=$vf tail=$vtail vd=$vd ve=$ve vtxt=$vtxt vq=$vq\";", "try_files $uri $uri/ =404;",
		"autoindex on;", "index index.html;",
	}))
	if f.lines[len(f.lines)-1] == "" {
		f.lines = f.lines[:len(f.lines)-1]
	}
	add(f, "/v/f", false)

	// /v/s/: secure_link with secure_link_md5, or secure_link_secret.
	s := &randLoc{name: "/v/s/"}
	switch v.r.IntN(4) {
	case 0, 1:
		s.lines = append(s.lines, "secure_link $arg_md5,$arg_e;")
		g.vs.md5Expr = "e"
		if v.chance(0.3) {
			s.lines = append(s.lines, "secure_link_md5 \"$secure_link_expires$uri$remote_addr "+randVarsSecret+"\";")
			g.vs.ipInMD5 = true
		} else {
			s.lines = append(s.lines, "secure_link_md5 \"$secure_link_expires$uri "+randVarsSecret+"\";")
		}
	case 2:
		s.lines = append(s.lines, "secure_link $arg_md5;", "secure_link_md5 \"$uri "+randVarsSecret+"\";")
		g.vs.md5Expr = "u"
	default:
		s.lines = append(s.lines, "secure_link_secret "+randVarsSecret+";")
	}
	if v.chance(0.9) {
		s.lines = append(s.lines, "if ($secure_link = \"\") { return 403; }")
	}
	if v.chance(0.7) {
		s.lines = append(s.lines, "if ($secure_link = \"0\") { return 410; }")
	}
	if g.vs.md5Expr == "" {
		s.lines = append(s.lines, pick(v, []string{"rewrite ^ /v/sl/$secure_link last;", "return 200 \"link=$secure_link\";"}))
		sl := &randLoc{name: "/v/sl/", lines: []string{"alias {{PREFIX}}/files/;"}}
		if v.chance(0.8) {
			sl.lines = append(sl.lines, "internal;")
		}
		add(sl, "/v/sl", false)
	} else {
		s.lines = append(s.lines, pick(v, []string{"alias {{PREFIX}}/files/;", "alias {{PREFIX}}/files/;",
			"return 200 \"sl=$secure_link exp=$secure_link_expires\";", "proxy_pass http://BACKEND;"}))
	}
	add(s, "/v/s", strings.Contains(s.lines[len(s.lines)-1], "proxy_pass"))

	// /v/r/: valid_referers and $invalid_referer.
	r := &randLoc{name: "/v/r/"}
	if v.chance(0.85) {
		r.lines = append(r.lines, g.validReferers())
	}
	r.lines = append(r.lines, pick(v, []string{"if ($invalid_referer) { return 403; }", "if ($invalid_referer) { return 403; }",
		"if ($invalid_referer) { rewrite ^ /v/h/a.txt last; }", "if ($invalid_referer = \"\") { return 200 \"ok ref\"; }"}))
	r.lines = append(r.lines, pick(v, []string{"alias {{PREFIX}}/files/;", "return 200 \"ref=$invalid_referer\";", "alias {{PREFIX}}/www/;"}))
	add(r, "/v/r", false)

	// /v/h/: a file with headers of every kind.
	h := &randLoc{name: "/v/h/", lines: []string{"alias {{PREFIX}}/files/;"}}
	h.lines = g.varsHeaders(h.lines, 0.8)
	if v.chance(0.3) {
		h.lines = append(h.lines, "internal;")
	}
	add(h, "/v/h", false)

	// /v/x/: the app, whose headers are kept, hidden or passed.
	x := &randLoc{name: "/v/x/", lines: []string{"proxy_pass http://BACKEND;"}}
	for i, n := 0, v.r.IntN(4); i < n; i++ {
		d := pick(v, []string{
			"proxy_hide_header X-App;", "proxy_hide_header Set-Cookie;", "proxy_hide_header Content-Type;",
			"proxy_pass_header Server;", "proxy_pass_header X-Accel-Expires;", "proxy_pass_header X-Pad;",
			"proxy_pass_header X-Accel-Redirect;", "proxy_ignore_headers X-Accel-Redirect;",
			"proxy_ignore_headers X-Accel-Expires X-Accel-Limit-Rate;", "proxy_ignore_headers X-Accel-Charset;",
			"proxy_intercept_errors on; error_page 404 /v/h/a.txt;", "proxy_intercept_errors on; error_page 403 404 = /v/h/sub/b.txt;",
			"proxy_intercept_errors on;", "proxy_hide_header Cache-Control;", "proxy_ignore_headers Set-Cookie Cache-Control Expires;",
		})
		if strings.HasPrefix(d, "proxy_intercept_errors") && strings.Contains(strings.Join(x.lines, " "), "proxy_intercept_errors") {
			continue // nginx refuses it twice
		}
		x.lines = append(x.lines, d)
	}
	add(x, "/v/x", true)
	return locs
}

// varsRequest is a request for the part's locations, or an
// X-Accel-Redirect into them with the app's headers.
func (g *randGen) varsRequest() randRequest {
	v := g.v
	rq := randRequest{method: "GET", target: v.path(g.vs.bases)}
	if v.chance(0.1) {
		rq.target = pick(v, []string{"/v/m/a.txt", "/v/m/B.txt", "/v/m/b.txt", "/V/M/x.HTML", "/v/m/sub/b.txt",
			"/v/m/DIR/x", "/v/mr/files/a.txt", "/v/mr/www/w.txt", "/v/f/sub/b.txt", "/v/f/dir/"})
	}
	switch k := v.r.IntN(100); {
	case k < 18 && len(g.vs.md5Expr)+len(g.vs.bases) > 0:
		rq.target = g.secureTarget()
	case k < 45:
		// the app answers with headers, an X-Accel-Redirect now and then
		proxied := append(append([]string{}, g.vs.proxied...), g.proxied...)
		target := v.path(proxied)
		var kv []string
		if v.chance(0.6) {
			to := v.path(g.vs.bases)
			if v.chance(0.2) {
				to = g.secureTarget()
			}
			kv = append(kv, "h", "X-Accel-Redirect: "+to)
		}
		// one X-Accel-Redirect at most: the app's repeated fields are left
		// out (serve keeps the first, as nginx 1.23+ does)
		seen := map[string]bool{"X-Accel-Redirect": len(kv) > 0}
		for i, n := 0, v.r.IntN(4); i < n; i++ {
			// one line of each name: the app's repeated fields are
			// left out (see the report of this part)
			hl := pick(v, randVarsAppHeaders)
			if name, _, _ := strings.Cut(hl, ":"); !seen[name] {
				seen[name] = true
				kv = append(kv, "h", hl)
			}
		}
		if v.chance(0.15) {
			kv = append(kv, "s", pick(v, []string{"404", "403", "500", "201", "302"}))
		}
		if len(kv) > 0 {
			target += "?" + query(kv...)
		}
		rq.target = target
	}
	g.varsDecorate(&rq)
	return rq
}

// varsDecorate adds the part's headers and query parameters to rq now and
// then: Host, X-V, Referer, ?d, ?n, ?x.
func (g *randGen) varsDecorate(rq *randRequest) {
	v := g.v
	set := func(k, val string) {
		if rq.header == nil {
			rq.header = http.Header{}
		}
		rq.header.Set(k, val)
	}
	if v.chance(0.15) {
		set("Host", pick(v, randVarsHosts))
	}
	if v.chance(0.2) {
		set("X-V", pick(v, []string{"on", "off", "id-42", "yes", "YES!", "no", "zero", "", "id-x"}))
	}
	p := 0.15
	if g.vs.referer || strings.HasPrefix(rq.target, "/v/r") {
		p = 0.7
	}
	if v.chance(p) {
		set("Referer", pick(v, []string{"", "http://localhost/x", "https://www.example.com/p", "http://example.org/galleries/x",
			"http://example.org/other", "http://images.google.com/", "blocked-value", "http://evil.com/", "ftp://example.com/",
			"http://LOCALHOST/", "http://v.test/", "http://localhost:8080/a", "https://a.example.net", "http://www.example.de/",
			"http://www.evil.org/", "http://i.ru", "http://x", "https://foo.test/", "http://example.org/galleries",
			"http://sub.example.com:80/z", "HTTP://WWW.EXAMPLE.COM/"}))
	}
	if v.chance(0.25) {
		sep := "?"
		if strings.Contains(rq.target, "?") {
			sep = "&"
		}
		rq.target += sep + pick(v, []string{"d=w", "d=s", "d=ab-x", "d=up", "d=f", "d=xy", "n=a.txt", "n=sub", "n=../secret.txt",
			"n=Q", "n=files", "x=e", "x=m", "x=h", "x=90", "d=", "n=missing"})
	}
	if v.chance(0.1) {
		rq.method = pick(v, []string{"HEAD", "POST"})
		if rq.method == "POST" {
			rq.body = "b=1"
		}
	}
	if v.chance(0.06) {
		set("Range", pick(v, []string{"bytes=0-3", "bytes=-4"}))
	}
}

// secureTarget is a request for /v/s/ with a right, wrong, expired or
// malformed link.
func (g *randGen) secureTarget() string {
	v := g.v
	tail := pick(v, []string{"a.txt", "sub/b.txt", "missing.txt", "dir/c.txt", "a%20b.txt", ".hidden", "sub/", "../secret.txt"})
	uri := "/v/s/" + strings.ReplaceAll(tail, "%20", " ")
	if tail == "../secret.txt" {
		uri = "/v/secret.txt" // $uri once nginx has normalised the path
	}
	if g.vs.md5Expr == "" {
		// secure_link_secret: /v/s/<md5 hex of link and secret>/link
		link := tail
		if v.chance(0.2) {
			link += "?q=1"
		}
		sum := md5.Sum([]byte(link + randVarsSecret))
		hash := hex.EncodeToString(sum[:])
		switch v.r.IntN(6) {
		case 0:
			hash = strings.ToUpper(hash)
		case 1:
			hash = hash[:31]
		case 2:
			sum := md5.Sum([]byte(link + "wrong"))
			hash = hex.EncodeToString(sum[:])
		}
		return "/v/s/" + hash + "/" + link
	}
	expires := pick(v, []string{"4102444800", "1000000000", "4102444800", "0", "-5", "x1", "", "4102444800x"})
	src := expires + uri
	if g.vs.md5Expr == "u" {
		src = uri
	}
	if g.vs.ipInMD5 {
		src += "127.0.0.1"
	}
	src += " " + randVarsSecret
	if v.chance(0.15) {
		src += "x" // a wrong hash
	}
	sum := md5.Sum([]byte(src))
	tok := base64.RawURLEncoding.EncodeToString(sum[:])
	switch v.r.IntN(10) {
	case 0:
		tok = base64.URLEncoding.EncodeToString(sum[:]) // with padding
	case 1:
		tok = base64.StdEncoding.EncodeToString(sum[:]) // + and /
	case 2:
		tok = tok[:len(tok)-1]
	case 3:
		tok += "AAAA"
	}
	q := "md5=" + strings.NewReplacer("+", "%2B", "/", "%2F", "=", "%3D").Replace(tok)
	if v.chance(0.9) {
		q += "&e=" + expires
	}
	return "/v/s/" + tail + "?" + q + pick(v, []string{"", "", "&e=1", "&md5=x"})
}
