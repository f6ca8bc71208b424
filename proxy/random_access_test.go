//go:build unix

package proxy

import (
	"encoding/base64"
	"net/http"
	"strings"
)

// The access part: allow and deny for the client (127.0.0.1), auth_basic
// with the user files of randFiles, auth_request (drawn from g.q, with
// = /authz made for it), satisfy, limit_except, if blocks of
// rewrite directives that refuse or redirect, error_page for 401 and 403,
// and locations made for them (/acc/ and /acc/in/, = /acc-x, the proxied
// /pacc/, @acc, the error pages under /errs/). Everything in it is drawn
// from g.a.

// randRuleSets are allow and deny lines: some refuse the client, some let
// it in, some decide nothing for it (another address, IPv6 only).
var randRuleSets = [][]string{
	{"deny 127.0.0.1;"},
	{"allow 127.0.0.0/8;", "deny all;"},
	{"deny all;"},
	{"allow all;"},
	{"allow 127.0.0.1;", "deny all;"},
	{"allow 10.0.0.0/8;", "deny all;"},
	{"deny 10.1.2.3;", "allow all;"},
	{"allow ::1;", "deny all;"},
	{"allow ::1;"},
	{"deny 127.0.0.2/31;"},
	{"deny ::ffff:127.0.0.1;", "allow 127.0.0.1;"},
	{"allow unix:;", "deny all;"},
	{"deny 127.0.0.1;", "allow all;"},
}

var (
	randRealms = []string{`auth_basic "closed";`, `auth_basic "closed";`, `auth_basic "Restricted area";`,
		`auth_basic off;`, `auth_basic "realm $uri";`, `auth_basic $arg_realm;`}
	randUserFiles = []string{"auth_basic_user_file {{PREFIX}}/auth/htpasswd;", "auth_basic_user_file {{PREFIX}}/auth/htpasswd;",
		"auth_basic_user_file {{PREFIX}}/auth/htpasswd;", "auth_basic_user_file {{PREFIX}}/auth/htpasswd2;",
		"auth_basic_user_file {{PREFIX}}/auth/$arg_f;"}
	// randLimitMethods and randLimitBodies are the methods and the block
	// of a limit_except.
	randLimitMethods = []string{"GET", "GET", "GET POST", "POST", "PUT DELETE", "HEAD", "GET PUT", "DELETE", "GET HEAD"}
	randLimitBodies  = []string{"deny all;", "deny all;", "allow 127.0.0.1; deny all;", "allow 10.0.0.0/8; deny all;",
		"allow all;", `auth_basic "le"; auth_basic_user_file {{PREFIX}}/auth/htpasswd;`, `auth_basic "le";`,
		"deny 127.0.0.1;", "auth_basic off;", "allow ::1;", `deny all; auth_basic "le";`}
	randIfConds = []string{`$request_method = POST`, `$request_method != GET`, `$arg_k`, `$http_x_k = 1`,
		`$args ~ deny`, `$remote_user = alice`, `$remote_user`, `$http_authorization`, `$uri ~ \.txt$`,
		`$remote_addr = 127.0.0.1`, `$request_method = DELETE`, `$arg_k = 2`, `$http_x_k ~* ^y`, `$request_method = HEAD`}
	randIfBodies = []string{"return 403;", "return 403;", "return 401;", "return 444;", "return 302 /files/a.txt;",
		`return 200 "if uri=$uri user=$remote_user";`, "rewrite ^ /acc/a.txt last;", "rewrite ^ /errs/403.html break;",
		"set $x 1;", "break;", "return 301 http://example.com$request_uri;", "return 405;", "rewrite ^ /pacc/if last;",
		"set $x 1; break;", `return 403 "if refused";`, "rewrite ^ /acc/in/a.txt;", "return 404;"}
	randAccessErrorPages = []string{"error_page 401 403 404 = @acc;", "error_page 403 /errs/403.html;",
		"error_page 401 /errs/401.html;", "error_page 401 403 =200 /errs/404.html;", "error_page 403 = /acc-x;",
		"error_page 403 =404 /errs/404.html;", "error_page 401 = /pacc/e401;", "error_page 403 http://example.com/forbidden;",
		"error_page 401 403 = /acc/in/a.txt;", "error_page 403 = @n1;", "error_page 405 = @acc;",
		"error_page 403 =301 /files/a.txt;", "error_page 401 /acc/a.txt;", "error_page 403 /pacc/e403;"}
)

// authLines are an auth_basic and, now and then, its user file.
func (g *randGen) authLines(withFile float64) []string {
	realm := pick(g.a, randRealms)
	out := []string{realm}
	if realm != "auth_basic off;" {
		g.auth = true
	}
	if g.a.chance(withFile) {
		out = append(out, pick(g.a, randUserFiles))
	}
	return out
}

// ifBlock is an if block of rewrite directives, on one line.
func (g *randGen) ifBlock(bodies []string) string {
	return "if (" + pick(g.a, randIfConds) + ") { " + pick(g.a, bodies) + " }"
}

// access adds, with probability p, access directives to l: rules,
// auth_basic, satisfy, limit_except, error_page for 401 and 403, and if
// blocks among its lines.
func (g *randGen) access(l *randLoc, p float64) {
	g.authRequest(l, p/2)
	a := g.a
	if !a.chance(p) {
		return
	}
	if a.chance(0.5) {
		l.lines = append(l.lines, pick(a, randRuleSets)...)
	}
	if a.chance(0.4) {
		l.lines = append(l.lines, g.authLines(0.6)...)
	} else if a.chance(0.1) {
		l.lines = append(l.lines, pick(a, randUserFiles))
	}
	if a.chance(0.2) {
		l.lines = append(l.lines, pick(a, []string{"satisfy any;", "satisfy all;", "satisfy any;"}))
	}
	if a.chance(0.25) {
		l.lines = append(l.lines, "limit_except "+pick(a, randLimitMethods)+" { "+pick(a, randLimitBodies)+" }")
	}
	if a.chance(0.2) {
		l.lines = append(l.lines, pick(a, randAccessErrorPages))
	}
	if a.chance(0.35) {
		i := a.r.IntN(len(l.lines) + 1)
		l.lines = append(l.lines[:i], append([]string{g.ifBlock(randIfBodies)}, l.lines[i:]...)...)
	}
}

// randAuthRequests are the auth_request lines: the subrequest locations
// made for them (= /authz, = /authz-file), off. (Not a location that
// proxies: nginx tells the app the client's body comes and sends none, and
// the app waits for it until one side gives up; TestAuthRequestProxiedAgainstNginx.)
var randAuthRequests = []string{"auth_request /authz;", "auth_request /authz;", "auth_request /authz;",
	"auth_request /authz-file;", "auth_request off;"}

// authRequest adds, with probability p drawn from g.q, an auth_request
// line somewhere among l's lines.
func (g *randGen) authRequest(l *randLoc, p float64) {
	q := g.q
	if !q.chance(p) {
		return
	}
	line := pick(q, randAuthRequests)
	if line != "auth_request off;" {
		g.authReq = true
	}
	i := q.r.IntN(len(l.lines) + 1)
	l.lines = append(l.lines[:i], append([]string{line}, l.lines[i:]...)...)
}

// authzLoc is = /authz, which auth_request asks: it answers by the X-A
// request header the subrequest inherits (2xx lets the request in, 401
// and 403 refuse it, anything else is an error).
func (g *randGen) authzLoc() *randLoc {
	q := g.q
	l := &randLoc{mod: "=", name: "/authz", lines: []string{
		`if ($http_x_a = no) { return 403; }`, `if ($http_x_a = who) { return 401; }`,
		`if ($http_x_a = err) { return 500; }`, `if ($http_x_a = gone) { return 404; }`,
		`if ($http_x_a = moved) { return 302 /files/a.txt; }`,
		pick(q, []string{"return 204;", `return 200 "authz";`, "alias {{PREFIX}}/files/a.txt;", "return 201;"})}}
	if q.chance(0.6) {
		l.lines = append([]string{"internal;"}, l.lines...)
	}
	if q.chance(0.2) {
		l.lines = append(l.lines, pick(q, randRuleSets)...)
	}
	return l
}

// serverAccess adds the access part of the server level to lines.
func (g *randGen) serverAccess(lines []string) []string {
	if g.q.chance(0.1) {
		srv := &randLoc{}
		g.authRequest(srv, 1)
		lines = append(lines, srv.lines...)
	}
	a := g.a
	if a.chance(0.2) {
		lines = append(lines, pick(a, randRuleSets)...)
	}
	if a.chance(0.2) {
		lines = append(lines, g.authLines(0.8)...)
	} else if a.chance(0.2) {
		lines = append(lines, pick(a, randUserFiles))
	}
	if a.chance(0.1) {
		lines = append(lines, pick(a, []string{"satisfy any;", "satisfy all;"}))
	}
	if a.chance(0.2) {
		lines = append(lines, pick(a, randAccessErrorPages))
	}
	if a.chance(0.25) {
		// after listen and server_tokens: before or after a rewrite
		i := 2 + a.r.IntN(len(lines)-1)
		b := g.ifBlock([]string{"return 403;", "return 401;", "return 444;", "return 302 /files/a.txt;",
			`return 200 "server if uri=$uri";`, "rewrite ^ /acc/a.txt last;", "set $x 1;", "break;",
			"rewrite ^/(.*)$ /acc/$1;", "rewrite ^ /pacc/sif break;"})
		lines = append(lines[:i], append([]string{b}, lines[i:]...)...)
	}
	return lines
}

// accessLocs are the locations made for the access part.
func (g *randGen) accessLocs() []*randLoc {
	a := g.a
	var locs []*randLoc
	acc := &randLoc{name: "/acc/"}
	if a.chance(0.3) {
		acc.mod = "^~"
	}
	proxied := false
	switch a.r.IntN(5) {
	case 0, 1:
		acc.lines = []string{"alias {{PREFIX}}/files/;"}
	case 2:
		acc.lines = []string{`return 200 "acc uri=$uri user=$remote_user";`}
	case 3:
		acc.lines = []string{"proxy_pass http://BACKEND;"}
		proxied = true
	default:
		acc.lines = []string{"alias {{PREFIX}}/www/;"}
	}
	g.access(acc, 0.9)
	g.accBases = append(g.accBases, "/acc")
	if proxied {
		g.accProxied = append(g.accProxied, "/acc")
	}
	if a.chance(0.6) {
		in := &randLoc{name: "/acc/in/"}
		if a.chance(0.4) {
			in.lines = append(in.lines, pick(a, []string{`return 200 "acc/in uri=$uri user=$remote_user";`,
				"alias {{PREFIX}}/files/sub/;", "proxy_pass http://BACKEND;", "root {{PREFIX}}/files;"}))
		}
		g.access(in, 0.8)
		acc.kids = append(acc.kids, in)
		g.accBases = append(g.accBases, "/acc/in")
	}
	if a.chance(0.25) {
		re := &randLoc{mod: "~", name: `\.txt$`}
		g.access(re, 0.8)
		acc.kids = append(acc.kids, re)
	}
	locs = append(locs, acc)

	x := &randLoc{mod: "=", name: "/acc-x", lines: []string{pick(a, []string{
		`return 200 "acc-x uri=$uri user=$remote_user";`, "alias {{PREFIX}}/files/a.txt;", "proxy_pass http://BACKEND;"})}}
	if a.chance(0.2) {
		x.lines = append(x.lines, "internal;")
	}
	g.access(x, 0.8)
	g.accBases = append(g.accBases, "/acc-x\x00exact")
	locs = append(locs, x)

	pacc := &randLoc{name: "/pacc/", lines: []string{"proxy_pass http://BACKEND;"}}
	if a.chance(0.3) {
		pacc.lines = append(pacc.lines, "proxy_intercept_errors on;")
	}
	g.access(pacc, 0.5)
	g.accBases = append(g.accBases, "/pacc")
	g.accProxied = append(g.accProxied, "/pacc")
	locs = append(locs, pacc)

	named := &randLoc{name: "@acc", lines: []string{pick(a, []string{
		`return 200 "named acc uri=$uri status=$status user=$remote_user";`,
		"root {{PREFIX}}/errs; try_files /$status.html =404;",
		"proxy_pass http://BACKEND; proxy_set_header X-Hop acc;", "root {{PREFIX}}/files; try_files /a.txt =404;"})}}
	g.access(named, 0.4)
	locs = append(locs, named)

	errs := &randLoc{name: "/errs/", lines: []string{"root {{PREFIX}};"}}
	if a.chance(0.8) {
		errs.lines = append(errs.lines, "internal;")
	}
	if a.chance(0.2) {
		errs.lines = append(errs.lines, pick(a, randRuleSets)...)
	}
	g.accBases = append(g.accBases, "/errs/403.html", "/errs")
	locs = append(locs, errs)
	if g.authReq {
		file := &randLoc{mod: "=", name: "/authz-file", lines: []string{"internal;", "alias {{PREFIX}}/files/a.txt;"}}
		locs = append(locs, g.authzLoc(), file)
		g.accBases = append(g.accBases, "/authz\x00exact")
	}
	return locs
}

// authHeader is an Authorization header value: right and wrong user and
// password pairs, and headers nginx does not read as basic credentials.
func (g *randGen) authHeader() string {
	a := g.a
	cred := pick(a, randBadCreds)
	if a.chance(0.55) {
		cred = pick(a, randGoodCreds)
	}
	enc := base64.StdEncoding.EncodeToString([]byte(cred))
	switch k := a.r.IntN(24); {
	case k < 16:
		return "Basic " + enc
	case k == 16:
		return "basic " + enc
	case k == 17:
		return "BASIC   " + enc
	case k == 18:
		return "Basic " + base64.RawStdEncoding.EncodeToString([]byte(cred))
	case k == 19:
		return "Bearer " + enc
	case k == 20:
		return "Basic " + enc + "=junk"
	case k == 21:
		return "Basic\t" + enc
	default:
		return pick(a, []string{"Basic", "Basic !!!!", "Basic YWxpY2U6c2VjcmV0!", "Basic YQ", "Digest username=alice", "Basic =YWxp"})
	}
}

// decorate adds to rq, now and then, what the access part reads: an
// Authorization header, an X-K header, a query parameter its if blocks,
// realms and user files read, another method.
func (g *randGen) decorate(rq *randRequest) {
	a := g.a
	p := 0.1
	if g.auth {
		p = 0.5
	}
	if a.chance(p) {
		if rq.header == nil {
			rq.header = http.Header{}
		}
		rq.header.Set("Authorization", g.authHeader())
		if a.chance(0.05) {
			rq.header.Add("Authorization", g.authHeader())
		}
	}
	if a.chance(0.1) {
		if rq.header == nil {
			rq.header = http.Header{}
		}
		rq.header.Set("X-K", pick(a, []string{"1", "y", "yes", "0"}))
	}
	if g.authReq && g.q.chance(0.6) {
		if rq.header == nil {
			rq.header = http.Header{}
		}
		rq.header.Set("X-A", pick(g.q, []string{"no", "who", "err", "gone", "moved", "yes"}))
	}
	if a.chance(0.15) {
		sep := "?"
		if strings.Contains(rq.target, "?") {
			sep = "&"
		}
		rq.target += sep + pick(a, []string{"k=1", "k=2", "realm=off", "realm=R", "f=htpasswd2", "f=missing", "f=", "f=htpasswd", "deny=1", "k="})
	}
	if a.chance(0.15) {
		rq.method = pick(a, []string{"GET", "HEAD", "POST", "PUT", "DELETE"})
		rq.body = ""
		if rq.method == "POST" || rq.method == "PUT" {
			rq.body = "b=1"
		}
	}
}

// accessRequest is a request for the locations of the access part, or an
// X-Accel-Redirect into them.
func (g *randGen) accessRequest() randRequest {
	a := g.a
	target := a.path(g.accBases)
	proxied := append(append([]string{}, g.proxied...), g.accProxied...)
	if a.chance(0.3) {
		to := a.path(g.accBases)
		if a.chance(0.15) {
			to = "@acc"
		}
		target = a.path(proxied) + "?" + query("h", "X-Accel-Redirect: "+to)
	}
	rq := randRequest{method: "GET", target: target}
	g.decorate(&rq)
	return rq
}
