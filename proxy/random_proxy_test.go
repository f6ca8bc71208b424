//go:build unix

package proxy

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xaccel/xaccel/internal/realnginx"
)

// The proxy part of TestServeRandomAgainstNginx: what nginx sends to the
// app under proxy_pass and what it makes of the app's answer. Locations
// under /px/ proxy to an echo app (ECHOAPP in the config, echoBackend)
// that answers with the request line, every header line and the body it
// got, so that the URI mapping (a URI part or none, prefix, exact, nested,
// regex, named and if locations, rewrite ... break, variables in the URL)
// and the request header (proxy_set_header at several levels,
// proxy_pass_request_headers and _body, proxy_method, proxy_http_version,
// the client's hop-by-hop and odd header lines) are compared byte for
// byte. The app's answer, as the query asks, has a status, a Location or
// Refresh that proxy_redirect, absolute_redirect, port_in_redirect and
// server_name_in_redirect rewrite, errors proxy_intercept_errors takes to
// error_page, or an X-Accel-Redirect with arguments and escapes into the
// part's internal locations (alias, root, a named location, the app
// again). Everything in it is drawn from g.p, so that the rest of a seed's
// server and requests stays what it was without it.

// randProxyState is what the part remembers between the server and the
// requests.
type randProxyState struct {
	bases    []string // paths that lead to the part's locations
	xarTo    []string // X-Accel-Redirect targets of the part
	upstream bool     // a level sets proxy_http_version 1.1 or Upgrade
}

// randProxyURIs are the URI parts of proxy_pass in a prefix location.
var randProxyURIs = []string{"", "", "/", "/up/", "/up", "/a/b/"}

// randProxySetHeaders are proxy_set_header lines, one of each name.
var randProxySetHeaders = []string{"Host $host", "Host $http_host", "Host $proxy_host", "Host example.com",
	`Host ""`, "X-Real-IP $remote_addr", "X-Forwarded-For $proxy_add_x_forwarded_for",
	"X-Forwarded-Proto $scheme", `Connection ""`, `X-Drop ""`, `Cookie ""`, `User-Agent ""`, "X-Args $args",
	"X-Uri $uri", "X-Req $request_uri", "X-Empty $arg_none", "Upgrade $http_upgrade", "Connection upgrade",
	"TE $http_te", "Keep-Alive $http_keep_alive", "Expect $http_expect", "X-Proxy-Host $proxy_host",
	"X-Port $proxy_port", "X-Hdr \"a $http_x_drop b\"", "Accept-Encoding \"\"", "X-Method $request_method",
	"X-Under $http_x_under", "Content-Type text/x-set", "X-Is-Args \"$is_args|$args\"", "X-Srv-Name $server_name"}

// randProxyOthers are the other request directives of a location.
var randProxyOthers = []string{"proxy_pass_request_headers off;", "proxy_pass_request_body off;",
	"proxy_pass_request_body off; proxy_set_header Content-Length \"\";", "proxy_method POST;", "proxy_method $arg_m;",
	"proxy_http_version 1.1;", "proxy_intercept_errors on;", "proxy_hide_header X-Echo;", `proxy_set_body "b=$arg_x";`,
	"proxy_set_body fixed; proxy_pass_request_body off;", `proxy_set_body "$request_method $uri";`}

// randProxyRedirects are proxy_redirect lines (APPADDR is the app's
// host:port, written after proxy_pass as nginx wants "default").
var randProxyRedirects = []string{"proxy_redirect off;", "proxy_redirect default;",
	"proxy_redirect http://ECHOAPP/up/ /px/rd/;", "proxy_redirect http://ECHOAPP/ /;",
	"proxy_redirect http://$proxy_host/ /v/;", "proxy_redirect ~^http://[^/]+/up/(.*)$ /px/re/$1;",
	"proxy_redirect ~*/UP/ /ci/;", "proxy_redirect / /rel/;", "proxy_redirect http://ECHOAPP/ http://$host/h/;",
	"proxy_redirect http://other.example/ /o/;", "proxy_redirect default; proxy_redirect / /d/;",
	"proxy_redirect http://ECHOAPP $scheme://$http_host;"}

// randProxyLocations are the Location values the app sends ({SELF} is
// its own host:port).
var randProxyLocations = []string{"http://{SELF}/up/x", "http://{SELF}/x?a=1", "/up/rel", "/rel", "rel",
	"http://other.example/up/x", "http://{SELF}/UP/x", "http://{SELF}", "https://{SELF}/up/", "http://{SELF}/a/b/c",
	"/", "http://{SELF}/px/a/z", "//{SELF}/up/"}

// randProxyRefreshes are the Refresh values the app sends.
var randProxyRefreshes = []string{"5; url=http://{SELF}/up/x", "0;URL=/up/y", "3", "1; url=http://{SELF}/",
	"2;url=/rel"}

// randProxyTails are what a request adds after a base of the part.
var randProxyTails = []string{"", "x", "a.txt", "a%2Fb", "a%3Fb", "a%23b", "a%25b", "a%20b", "a+b", "a;b=1",
	"x//y", "../a", "sub/../b", "%2e%2e/x", "A%2fB%3F", "%7e", "ü", "%C3%BC", "a b", "in/", "in/x", "x?q=1&r=%2F",
	"x?a=%20+b", "x?", "x?&", "a%2F..%2Fb", "sub/./c", "%2e", "x/", "y%3bz", "a%00b"}

// randProxyClientHeaders are the client's header lines the part adds.
var randProxyClientHeaders = [][2]string{{"X-Forwarded-For", "10.0.0.1"}, {"X-Forwarded-For", "10.0.0.2, 10.0.0.3"},
	{"Cookie", "a=1"}, {"Cookie", "b=2"}, {"Connection", "keep-alive, X-Drop"}, {"Connection", "close"},
	{"Keep-Alive", "timeout=5"}, {"TE", "trailers"}, {"Upgrade", "websocket"}, {"X_Under", "1"},
	{"X-Under", "2"}, {"X-Drop", "d"}, {"x-lower", "l"}, {"X-UPPER", "U"}, {"X-Real-IP", "1.2.3.4"},
	{"X-Forwarded-Proto", "https"}, {"User-Agent", "rand/1"}, {"Accept-Encoding", "gzip"},
	{"Content-Type", "text/x-client"}, {"X-Empty", ""}, {"Proxy", "http://evil"}, {"Via", "1.1 p"},
	{"X-Dup", "1"}, {"X-Dup", "2"}, {"Host", "example.com"}, {"Host", "Other.Example:8080"}, {"Expect", "x-other"},
	{"X.Dot", "1"}, {"X@At", "2"}, {"x_under", "3"}, {"Content-Length", "0"}, {"X-Tab", "a\tb\t"},
	{"X-Tab", "\tlead"}, {"X-Sp", "v  "}, {"Host", "LOCALHOST."}, {"Host", "127.0.0.1:99"}, {"Forwarded", "for=1.2.3.4"}}

// proxyServer adds the part's server-level lines.
func (g *randGen) proxyServer(lines []string) []string {
	p := g.p
	if p.chance(0.15) {
		lines = append(lines, "proxy_set_header X-Srv s;")
		if p.chance(0.5) {
			lines = append(lines, "proxy_set_header Host $host;")
		}
	}
	for _, d := range []string{"underscores_in_headers on;", "ignore_invalid_headers off;", "port_in_redirect off;",
		"server_name_in_redirect on;", "proxy_http_version 1.1;", "proxy_redirect off;"} {
		if p.chance(0.06) {
			lines = append(lines, d)
			g.ps.upstream = g.ps.upstream || strings.HasPrefix(d, "proxy_http_version")
		}
	}
	return lines
}

// proxySets are 0 to 4 proxy_set_header lines of distinct names.
func (g *randGen) proxySets(n int) []string {
	p := g.p
	var out []string
	seen := map[string]bool{}
	for i := 0; i < n; i++ {
		s := pick(p, randProxySetHeaders)
		name, _, _ := strings.Cut(s, " ")
		if seen[strings.ToLower(name)] {
			continue
		}
		seen[strings.ToLower(name)] = true
		out = append(out, "proxy_set_header "+s+";")
	}
	return out
}

// proxyExtras adds to l request headers, other directives and, after its
// proxy_pass, proxy_redirect (variables is set for a proxy_pass with
// variables, where "default" is refused).
func (g *randGen) proxyExtras(l *randLoc, variables bool) {
	p := g.p
	if p.chance(0.6) {
		l.lines = append(l.lines, g.proxySets(1+p.r.IntN(4))...)
	}
	seen := map[string]bool{}
	for i, n := 0, p.r.IntN(3); i < n; i++ {
		d := pick(p, randProxyOthers)
		var names []string // nginx refuses most of them twice
		dup := strings.Contains(d, "Content-Length") && strings.Contains(strings.Join(l.lines, " "), "Content-Length")
		for _, part := range strings.Split(strings.TrimSuffix(d, ";"), ";") {
			name, _, _ := strings.Cut(strings.TrimSpace(part), " ")
			dup = dup || seen[name]
			names = append(names, name)
		}
		if dup {
			continue
		}
		for _, name := range names {
			seen[name] = true
		}
		l.lines = append(l.lines, d)
		g.ps.upstream = g.ps.upstream || strings.HasPrefix(d, "proxy_http_version")
	}
	if p.chance(0.35) {
		r := pick(p, randProxyRedirects)
		if !variables || !strings.Contains(r, "default") {
			l.lines = append(l.lines, r)
		}
	}
	if p.chance(0.1) {
		l.lines = append(l.lines, pick(p, []string{"absolute_redirect off;", "port_in_redirect off;", "server_name_in_redirect on;"}))
	}
	if p.chance(0.15) {
		l.lines = append(l.lines, pick(p, []string{"error_page 404 /px/www/a.txt;", "error_page 500 502 = @px;",
			"error_page 301 302 =200 /px/www/w.txt;", "error_page 403 = /px/int/e;"}))
	}
}

// proxyLocs are the part's locations, under /px/.
func (g *randGen) proxyLocs() []*randLoc {
	p := g.p
	var locs []*randLoc
	add := func(l *randLoc, bases ...string) {
		locs = append(locs, l)
		g.ps.bases = append(g.ps.bases, bases...)
	}
	// Prefix locations, with and without a trailing slash and a URI part.
	names := []string{"/px/a/", "/px/a", "/px/b/", "/px/c", "/px/d/"}
	for i, n := 0, 1+p.r.IntN(3); i < n; i++ {
		k := p.r.IntN(len(names))
		name := names[k]
		names = append(names[:k], names[k+1:]...)
		l := &randLoc{name: name, mod: pick(p, []string{"^~", "^~", ""})}
		l.lines = append(l.lines, "proxy_pass http://ECHOAPP"+pick(p, randProxyURIs)+";")
		g.proxyExtras(l, false)
		add(l, strings.TrimSuffix(name, "/"), name)
	}
	if p.chance(0.4) {
		l := &randLoc{mod: "=", name: "/px/e", lines: []string{"proxy_pass http://ECHOAPP" + pick(p, randProxyURIs) + ";"}}
		g.proxyExtras(l, false)
		add(l, "/px/e\x00exact")
	}
	// Nested: the inner location inherits the outer proxy_set_header
	// lines unless it has its own.
	if p.chance(0.5) {
		out := &randLoc{mod: "^~", name: "/px/n/"}
		out.lines = append(out.lines, g.proxySets(1+p.r.IntN(3))...)
		out.lines = append(out.lines, "proxy_pass http://ECHOAPP"+pick(p, randProxyURIs)+";")
		in := &randLoc{name: pick(p, []string{"/px/n/in/", "/px/n/in"})}
		in.lines = append(in.lines, "proxy_pass http://ECHOAPP"+pick(p, randProxyURIs)+";")
		g.proxyExtras(in, false)
		out.kids = append(out.kids, in)
		add(out, "/px/n/", "/px/n/in", "/px/n/in/")
	}
	// Regex locations: no URI part, or variables.
	if p.chance(0.5) {
		l := &randLoc{mod: pick(p, []string{"~", "~*"}), name: `^/px/re/(.*)$`}
		pass := pick(p, []string{"http://ECHOAPP", "http://ECHOAPP$request_uri", "http://ECHOAPP/x$uri$is_args$args",
			"http://ECHOAPP/c/$1", "http://ECHOAPP/c/$1$is_args$args", "http://ECHOAPP$uri"})
		l.lines = append(l.lines, "proxy_pass "+pass+";")
		g.proxyExtras(l, strings.Contains(pass, "$"))
		add(l, "/px/re/", "/PX/RE/")
	}
	// A named location, reached by try_files, error_page and
	// X-Accel-Redirect.
	named := &randLoc{name: "@px", lines: []string{"proxy_pass http://ECHOAPP;", "proxy_set_header X-Hop q;"}}
	g.proxyExtras(named, false)
	locs = append(locs, named)
	to := &randLoc{mod: "^~", name: "/px/to/", lines: []string{pick(p, []string{"try_files /nowhere @px;",
		"error_page 404 = @px; return 404;", "error_page 418 = @px; return 418;", "rewrite ^ /px/a/from-to last;"})}}
	add(to, "/px/to/")
	// if blocks: proxy_pass inside one, without a URI part.
	if p.chance(0.4) {
		l := &randLoc{mod: "^~", name: "/px/if/", lines: []string{"if ($arg_i) { proxy_pass http://ECHOAPP; }"}}
		if p.chance(0.5) {
			l.lines = append(l.lines, "if ($http_x_drop) { set $pi 1; proxy_pass http://ECHOAPP; }")
		}
		l.lines = append(l.lines, "proxy_pass http://ECHOAPP"+pick(p, randProxyURIs)+";")
		g.proxyExtras(l, false)
		add(l, "/px/if/", "/px/if/?i=1", "/px/if")
	}
	// rewrite ... break: the rewritten URI goes as it is.
	if p.chance(0.5) {
		l := &randLoc{mod: "^~", name: "/px/rw/"}
		l.lines = append(l.lines, pick(p, []string{"rewrite ^/px/rw/(.*)$ /new/$1 break;", "rewrite ^/px/rw/(.*)$ /new/$1?n=1 break;",
			"rewrite ^ /fixed break;", "rewrite ^/px/rw/(.*)$ /px/a/$1 last;", "rewrite ^/px/rw/(.*)$ /new/$1? break;",
			"rewrite ^/px/rw(.*)$ $1 break;"}))
		l.lines = append(l.lines, "proxy_pass http://ECHOAPP"+pick(p, randProxyURIs)+";")
		g.proxyExtras(l, false)
		add(l, "/px/rw/")
	}
	// Internal locations the app's X-Accel-Redirect leads to: files by
	// alias and root, and the app again.
	add(&randLoc{mod: "^~", name: "/px/www/", lines: []string{"internal;", "alias {{PREFIX}}/www/;"}}, "/px/www/")
	add(&randLoc{mod: "^~", name: "/px/r/", lines: []string{"internal;", "root {{PREFIX}}/www;"}}, "/px/r/")
	in := &randLoc{mod: "^~", name: "/px/int/", lines: []string{"internal;", "proxy_pass http://ECHOAPP" + pick(p, []string{"", "/i/"}) + ";", "proxy_set_header X-Hop i;"}}
	g.proxyExtras(in, false)
	add(in, "/px/int/")
	g.ps.xarTo = []string{"/px/www/a.txt", "/px/www/w.txt", "/px/www/sub/s.txt", "/px/www/a.txt?x=1", "/px/www/%61.txt",
		"/px/www/a%2Etxt", "/px/www/../secret.txt", "/px/www/%2e%2e/secret.txt", "/px/www/sub%2Fs.txt", "/px/r/r.txt",
		"/px/r/r.txt?a=%20", "/px/r/", "@px", "/px/int/a?b=1", "/px/int/a%20b?c=%2F", "/px/int/x%3Fy", "/px/a/xar",
		"/px/int/q?ih=" + pct("X-Accel-Redirect: /px/www/w.txt"), "/px/int/q?ih=" + pct("X-Accel-Redirect: @px"),
		"/px/www/a b.txt", "/px/www/a.txt#f", "/px/www/", "/px/r/r.txt%00", "/px/n/in/x?y=1", "/px/re/r?z"}
	return locs
}

// proxyRequest is a request for the part's locations.
func (g *randGen) proxyRequest() randRequest {
	p := g.p
	base := pick(p, g.ps.bases)
	target := base
	if exact, ok := strings.CutSuffix(base, "\x00exact"); ok {
		target = exact
	} else if !strings.Contains(base, "?") {
		target = base + pick(p, randProxyTails)
		if strings.Contains(target, "%00") {
			target = base + "x"
			if p.chance(0.3) {
				target = base + "a%00b" // refused by nginx as it reads it
			}
		}
	}
	var kv []string
	switch k := p.r.IntN(100); {
	case k < 30:
		kv = append(kv, "h", "X-Accel-Redirect: "+pick(p, g.ps.xarTo))
	case k < 45:
		kv = append(kv, "s", pick(p, []string{"301", "302", "303", "307", "201"}), "h", "Location: "+pick(p, randProxyLocations))
	case k < 52:
		kv = append(kv, "s", "200", "h", "Refresh: "+pick(p, randProxyRefreshes))
	case k < 62:
		kv = append(kv, "s", pick(p, []string{"204", "304", "404", "500", "403", "502", "418", "101", "100"}))
	}
	if len(kv) > 0 && p.chance(0.2) {
		kv = append(kv, "qs", pick(p, []string{"200", "404", "302"}), "qh", "Location: "+pick(p, randProxyLocations))
	}
	if len(kv) > 0 {
		sep := "?"
		if strings.Contains(target, "?") {
			sep = "&"
		}
		target += sep + query(kv...)
	}
	if p.chance(0.08) {
		target = pick(p, []string{"http://localhost", "http://Other.Example:8080", "http://127.0.0.1"}) + target
	}
	rq := randRequest{method: "GET", target: target}
	switch k := p.r.IntN(100); {
	case k < 10:
		rq.method = "HEAD"
	case k < 25:
		rq.method, rq.body = "POST", "b=1&c=2"
	case k < 28:
		rq.method = pick(p, []string{"PUT", "DELETE", "OPTIONS"})
	}
	if p.chance(0.6) {
		rq.header = http.Header{}
		for i, n := 0, 1+p.r.IntN(4); i < n; i++ {
			kv := pick(p, randProxyClientHeaders)
			rq.header[kv[0]] = append(rq.header[kv[0]], kv[1])
		}
		if v := rq.header["Connection"]; len(v) > 1 {
			rq.header["Connection"] = v[:1]
		}
		if v := rq.header["Host"]; len(v) > 1 {
			rq.header["Host"] = v[:1] // a second Host is a 400 before anything
		}
		if rq.header["Content-Length"] != nil && rq.body != "" || len(rq.header["Content-Length"]) > 1 {
			delete(rq.header, "Content-Length") // only "Content-Length: 0" without a body
		}
		if rq.header["Upgrade"] != nil && p.chance(0.5) {
			rq.header["Connection"] = []string{"Upgrade"}
		}
	}
	if p.chance(0.1) {
		sep := "?"
		if strings.Contains(rq.target, "?") {
			sep = "&"
		}
		rq.target += sep + "m=" + pick(p, []string{"PATCH", "", "get"})
	}
	return rq
}

// echoBackend starts the part's app on 127.0.0.1: it answers as
// scriptBackend does (s, h, b and the X-Hop prefix), but its default body
// is "app echo", the request line and every header line as it got them,
// in order, and the body; {SELF} in a header line it sends is its own
// host:port.
func echoBackend(t *testing.T) string {
	t.Helper()
	var self string
	self = realnginx.ServeRaw(t, func(c net.Conn) { serveEcho(c, self) })
	return self
}

func serveEcho(c net.Conn, self string) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	first, err := br.ReadString('\n')
	if err != nil {
		return
	}
	first = strings.TrimRight(first, "\r\n")
	parts := strings.SplitN(first, " ", 3)
	if len(parts) != 3 {
		return
	}
	method, target := parts[0], parts[1]
	var lines []string
	var hop string
	length, chunked := 0, false
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			break
		}
		lines = append(lines, line)
		k, v, _ := strings.Cut(line, ":")
		v = strings.TrimSpace(v)
		switch strings.ToLower(k) {
		case "x-hop":
			hop = v
		case "content-length":
			length, _ = strconv.Atoi(v)
		case "transfer-encoding":
			chunked = strings.EqualFold(v, "chunked")
		}
	}
	var body []byte
	if chunked {
		body, _ = io.ReadAll(httputil.NewChunkedReader(br))
	} else if length > 0 {
		// proxy_pass_request_body off announces a length and sends
		// nothing: what came within a moment is the body.
		c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		body = make([]byte, length)
		n, _ := io.ReadFull(br, body)
		body = body[:n]
	}
	_, query, _ := strings.Cut(target, "?")
	params := map[string][]string{}
	for _, kv := range strings.Split(query, "&") {
		k, v, _ := strings.Cut(kv, "=")
		params[lenientUnescape(k)] = append(params[lenientUnescape(k)], lenientUnescape(v))
	}
	status := 200
	if s, ok := params[hop+"s"]; ok {
		status, _ = strconv.Atoi(s[0])
	}
	text := fmt.Sprintf("app echo %s\n%s\nbody=%s\n", first, strings.Join(lines, "\n"), body)
	if b, ok := params[hop+"b"]; ok {
		text = b[0]
	}
	var out strings.Builder
	fmt.Fprintf(&out, "HTTP/1.1 %d Echoed\r\n", status)
	for _, l := range params[hop+"h"] {
		out.WriteString(strings.ReplaceAll(l, "{SELF}", self) + "\r\n")
	}
	out.WriteString("X-Echo: 1\r\n")
	if status != 204 && status != 304 && status >= 200 {
		fmt.Fprintf(&out, "Content-Length: %d\r\n", len(text))
	}
	out.WriteString("Connection: close\r\n\r\n")
	if method != "HEAD" && status != 204 && status != 304 && status >= 200 {
		out.WriteString(text)
	}
	c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c, out.String())
}
