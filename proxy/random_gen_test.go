//go:build unix

package proxy

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

// The generator of TestServeRandomAgainstNginx (random_real_test.go): the
// files, one server block and its requests, from a seed.

// randFiles is the file tree under the prefix. Every file's content names
// it, so that a body tells which file was sent. secret.txt and
// files-x/x.txt are outside every directory a location maps to (only an
// off-by-slash alias or a traversal can reach them).
var randFiles = map[string]string{
	"secret.txt":           "FILE secret.txt (outside every root)\n",
	"files-x/x.txt":        "FILE files-x/x.txt (sibling of files)\n",
	"files/a.txt":          "FILE files/a.txt\n",
	"files/a b.txt":        "FILE files/a b.txt\n",
	"files/index.html":     "FILE files/index.html\n",
	"files/.hidden":        "FILE files/.hidden\n",
	"files/sub/b.txt":      "FILE files/sub/b.txt\n",
	"files/sub/index.html": "FILE files/sub/index.html\n",
	"files/dir/c.txt":      "FILE files/dir/c.txt\n",
	"www/index.html":       "FILE www/index.html\n",
	"www/w.txt":            "FILE www/w.txt\n",
	"www/a.txt":            "FILE www/a.txt\n",
	"www/sub/index.html":   "FILE www/sub/index.html\n",
	"www/sub/s.txt":        "FILE www/sub/s.txt\n",
	"www/files/a.txt":      "FILE www/files/a.txt\n",
	"www/static/st.txt":    "FILE www/static/st.txt\n",
	"www/prot/p.txt":       "FILE www/prot/p.txt\n",
	"www/fallback.html":    "FILE www/fallback.html\n",
	"www/px/r/r.txt":       "FILE www/px/r/r.txt\n",
	"html/h.txt":           "FILE html/h.txt (nginx's default root)\n",
	"html/index.html":      "FILE html/index.html\n",
	// The user files of auth_basic (see randGoodCreds) and the pages of
	// the error_page directives the access part adds (not FILE markers:
	// an error page is no file let through).
	"auth/htpasswd":  randHtpasswd,
	"auth/htpasswd2": "alice:{PLAIN}other\nzoe:{PLAIN}zz\n",
	"errs/401.html":  "ERRPAGE errs/401.html\n",
	"errs/403.html":  "ERRPAGE errs/403.html\n",
	"errs/404.html":  "ERRPAGE errs/404.html\n",
}

// randHtpasswd holds a user for each password scheme nginx 1.22 checks
// ({PLAIN}, {SHA}, {SSHA}, apr1, and crypt(3)'s MD5, SHA-256, SHA-512 and
// DES), a second line for alice (the first one counts), a comment, a
// password field cut short by a ':' (ivan's password is "se"), and a line
// ending in CR LF.
const randHtpasswd = "# users of the random test\n" +
	"alice:{PLAIN}secret\n" +
	"bob:$apr1$xaccelA1$yv8C4z7W5F8aiDkYGqutJ/\n" +
	"carol:{SHA}G5zynyVKZeHPqXetqic75L7ZkrM=\n" +
	"dave:$6$sha512salt$Ghs6zMm31Wf93Upm69lrHJsWYZIDX4y6moj92A4K6wAHtPX1/3BL8E9oegv.5AahVB9guZwzrvumxV137oB8n0\n" +
	"eve:{SSHA}1rfxIbN/mm7HDWi6bXOVfMRkVc9OYUNsMTIzNA==\n" +
	"frank:$1$md5salt$sbstFptX5uHobgdxr82AW.\n" +
	"\n" +
	"gina:$5$sha256salt$tOZmUKgiU6LC.jb5HlMRzh5dHbiyzyf/9PUFYagNXe/\n" +
	"hank:hk0YH0WrpKBnc\n" +
	"ivan:{PLAIN}se:cret\n" +
	"alice:{PLAIN}second\n" +
	"#olga:{PLAIN}hidden\n" +
	"kate:{PLAIN}crlf\r\n"

// randGoodCreds are user:password pairs that auth/htpasswd or
// auth/htpasswd2 let in (hank's DES password counts 8 characters only);
// randBadCreds are pairs that neither lets in.
var (
	randGoodCreds = []string{"alice:secret", "bob:open1", "carol:pw-sha", "dave:pw-512", "eve:pw-ssha", "frank:pw-md5",
		"gina:pw-256", "hank:desword1", "hank:desword1-and-more", "ivan:se", "kate:crlf", "zoe:zz", "alice:other",
		"alice:secret\x00junk"}
	randBadCreds = []string{"alice:wrong", "alice:second", "olga:hidden", "#olga:hidden", "ivan:se:cret", "nobody:x",
		"alice:", ":secret", "alice", "bob:open", "kate:crlf\r", "ALICE:secret", "hank:desword2"}
)

// randSymlinks are made after the files: links that leave their
// directory (nginx follows them unless disable_symlinks says otherwise).
var randSymlinks = map[string]string{
	"files/link-out": "../secret.txt",
	"files/dirlink":  "../www",
	"www/up":         "..",
}

// randLoc is one generated location.
type randLoc struct {
	mod   string // "" (a prefix or a named location), "^~", "=", "~" or "~*"
	name  string // the prefix, the regex or @name
	lines []string
	kids  []*randLoc
}

// randRegex is a regex location template: its source, how many captures
// it has (named ones included), and paths that it matches.
type randRegex struct {
	src     string
	caps    int
	named   string // the name of a named capture, if any
	samples []string
}

var randRegexes = []randRegex{
	{`^/re/(.*)$`, 1, "", []string{"/re/a.txt", "/re/sub/b.txt", "/re/../secret.txt", "/re/%2e%2e/secret.txt", "/re/", "/re"}},
	{`^/img/(.+\.txt)$`, 1, "", []string{"/img/a.txt", "/img/sub/b.txt", "/img/..%2fsecret.txt", "/img/.txt"}},
	{`\.txt$`, 0, "", []string{"/x/a.txt", "/files/a.txt", "/a.txt", "/w.txt", "/files/sub/b.txt"}},
	{`\.(txt|html)$`, 1, "", []string{"/files/A.TXT", "/www/index.HTML", "/files/sub/index.html", "/q.txt"}},
	{`^/(files|www)/(.*)$`, 2, "", []string{"/files/a.txt", "/www/w.txt", "/files/../secret.txt", "/www/sub/"}},
	{`^/dl(.*)$`, 1, "", []string{"/dl/a.txt", "/dl../secret.txt", "/dl", "/dlsub/b.txt", "/dl/sub/"}},
	{`/sub/`, 0, "", []string{"/files/sub/b.txt", "/sub/b.txt", "/www/sub/s.txt"}},
	{`^/cap/(?<file>[^/]+)$`, 1, "file", []string{"/cap/a.txt", "/cap/..", "/cap/%2e%2e", "/cap/w.txt"}},
	{`^/files/(.*)/b\.txt$`, 1, "", []string{"/files/sub/b.txt", "/files/x/b.txt", "/files/../files/sub/b.txt"}},
	{`^/(p|s)(/.*)$`, 2, "", []string{"/p/a.txt", "/s/sub/b.txt", "/p/../secret.txt", "/s//a.txt"}},
}

var (
	randPrefixNames = []string{"/", "/files", "/files/", "/f/", "/f", "/static/", "/www/", "/app/", "/api",
		"/prot/", "/int", "/sub/", "/dl/", "/files/sub/", "/w", "/a"}
	randExactNames = []string{"/", "/a.txt", "/files/", "/files/a.txt", "/exact", "/f", "/app/x", "/w.txt", `"/files/a b.txt"`}
	// randTails are what a request adds after a location's name.
	randTails = []string{"", "a.txt", "sub/b.txt", "sub/", "sub", "sub/index.html", ".hidden", "missing.txt",
		"index.html", "dir/", "dir", "dir/c.txt", "../secret.txt", "../../secret.txt", "..%2fsecret.txt",
		"%2e%2e/secret.txt", "%2e%2e%2fsecret.txt", "..", "../", "./a.txt", "sub/../a.txt", "sub/%2e%2e/a.txt",
		"%2fa.txt", "/a.txt", "%61.txt", "a%2etxt", "A.TXT", "a.txt/", "sub%2fb.txt", "a%20b.txt", "w.txt",
		"s.txt", "-x/x.txt", "../files-x/x.txt", "b.txt", "p.txt", "st.txt", "c.txt", "sub/s.txt", "..;/secret.txt",
		".%2e/secret.txt", "sub//b.txt", "a.txt%00", "%zz", "fallback.html", "%5c..%5csecret.txt", "..\\secret.txt",
		"a%20b.txt/", "sub/.", "sub/./b.txt", "%2e", "%2e%2e", "%2F%2E%2E%2Fsecret.txt", "a.txt?", "a.txt#frag", "sub%2F",
		"link-out", "dirlink/w.txt", "dirlink/", "up/secret.txt", "up/files/a.txt", "up/", "h.txt"}
)

// randGen generates one server from a seed.
type randGen struct {
	r       *rand.Rand
	used    map[string]bool // mod+name of the non-regex locations
	bases   []string        // paths that lead to the locations
	proxied []string        // paths that lead to the locations that proxy
	targets []string        // URIs for try_files fallbacks, error_page, rewrites

	// a draws the access part (allow, deny, auth_basic, satisfy,
	// limit_except, if, error_page for 401 and 403, the locations made for
	// them and what requests add for them) from a stream of its own, so
	// that the rest of a seed's server and requests stays what it was
	// without it.
	a *randGen
	// accBases are paths that lead to the locations made for the access
	// part, accProxied those of them that proxy.
	accBases, accProxied []string
	// auth is set when an auth_basic is in the server: requests then
	// carry an Authorization header more often.
	auth bool

	// v draws the variables and headers part (random_vars_test.go: map,
	// set, if on files, secure_link, valid_referers, add_header, expires,
	// the app's headers) from a stream of its own, as a does for the
	// access part; vs is what that part remembers for the requests.
	v  *randGen
	vs randVarsState

	// p draws the proxy part (random_proxy_test.go: proxy_pass URI
	// mapping, request headers, the app's redirects and errors) from a
	// stream of its own; ps is what that part remembers for the requests.
	p  *randGen
	ps randProxyState

	// q draws auth_request (random_access_test.go: an auth subrequest to
	// = /authz, which answers by the X-A request header) from a stream of
	// its own; authReq is set when a location asks it.
	q       *randGen
	authReq bool
}

func newRandGen(seed uint64) *randGen {
	return &randGen{r: rand.New(rand.NewPCG(seed, seed*0x9e3779b97f4a7c15+1)), used: map[string]bool{},
		a: &randGen{r: rand.New(rand.NewPCG(seed^0xacce55c0de, seed*0xbf58476d1ce4e5b9+7))},
		v: &randGen{r: rand.New(rand.NewPCG(seed^0x7a55e7a1, seed*0x94d049bb133111eb+11))},
		p: &randGen{r: rand.New(rand.NewPCG(seed^0x9f0c5e11, seed*0xd6e8feb86659fd93+13))},
		q: &randGen{r: rand.New(rand.NewPCG(seed^0xa7e4e57, seed*0xff51afd7ed558ccd+17))}}
}

func (g *randGen) chance(p float64) bool { return g.r.Float64() < p }

func pick[T any](g *randGen, xs []T) T { return xs[g.r.IntN(len(xs))] }

// server returns the http{} body (BACKEND stands for the app's address):
// the map blocks of the variables part, then the server block.
func (g *randGen) server() string {
	g.targets = []string{"/files/a.txt", "/www/w.txt", "/fallback.html", "/prot/p.txt", "/index.html", "/nowhere"}
	var lines []string
	lines = append(lines, "listen 127.0.0.1:{{PORT}};", "server_tokens off;")
	if g.chance(0.7) {
		lines = append(lines, "root {{PREFIX}}/www;")
	}
	if g.chance(0.15) {
		lines = append(lines, "autoindex on;")
	}
	if g.chance(0.1) {
		lines = append(lines, "merge_slashes off;")
	}
	if g.chance(0.1) {
		lines = append(lines, "absolute_redirect off;")
	}
	if g.chance(0.1) {
		lines = append(lines, pick(g, []string{"disable_symlinks on;", "disable_symlinks if_not_owner;"}))
	}
	if g.chance(0.1) {
		lines = append(lines, "recursive_error_pages on;")
	}
	if g.chance(0.1) {
		lines = append(lines, "try_files $uri $uri/ =404;")
	}
	if g.chance(0.2) {
		lines = append(lines, pick(g, []string{"index a.txt index.html;", "index missing.html;", "index w.txt;"}))
	}
	if g.chance(0.2) {
		lines = append(lines, pick(g, []string{
			`rewrite ^/old/(.*)$ /files/$1 last;`, `rewrite ^/old/(.*)$ /$1;`, `rewrite ^/old/(.*)$ /www/$1 redirect;`,
			`rewrite ^/old/(.*)$ /prot/$1 break;`,
		}))
		g.bases = append(g.bases, "/old")
	}
	if g.chance(0.15) {
		lines = append(lines, pick(g, []string{
			"error_page 404 /fallback.html;", "error_page 404 = @n1;", "error_page 403 404 /files/a.txt;",
			"error_page 404 =200 /www/w.txt;", "error_page 405 = @n2;", "error_page 500 /fallback.html;",
			"error_page 500 502 = @n1;",
		}))
	}
	n := 4 + g.r.IntN(7)
	var locs []*randLoc
	for len(locs) < n {
		if l := g.location(nil); l != nil {
			locs = append(locs, l)
		}
	}
	locs = append(locs, g.namedLoc("@n1"), g.namedLoc("@n2"))
	lines = g.serverAccess(lines)
	locs = append(locs, g.accessLocs()...)
	lines = g.serverVars(lines)
	locs = append(locs, g.varsLocs()...)
	lines = g.proxyServer(lines)
	locs = append(locs, g.proxyLocs()...)
	var b strings.Builder
	for _, l := range g.vHTTP() {
		b.WriteString(l + "\n")
	}
	b.WriteString("server {\n")
	for _, l := range lines {
		b.WriteString("    " + l + "\n")
	}
	for _, l := range locs {
		writeRandLoc(&b, l, 1)
	}
	b.WriteString("}\n")
	return b.String()
}

func writeRandLoc(b *strings.Builder, l *randLoc, depth int) {
	ind := strings.Repeat("    ", depth)
	head := "location "
	if l.mod != "" {
		head += l.mod + " "
	}
	fmt.Fprintf(b, "%s%s%s {\n", ind, head, l.name)
	for _, line := range l.lines {
		b.WriteString(ind + "    " + line + "\n")
	}
	for _, k := range l.kids {
		writeRandLoc(b, k, depth+1)
	}
	b.WriteString(ind + "}\n")
}

// namedLoc is a server-level named location.
func (g *randGen) namedLoc(name string) *randLoc {
	l := &randLoc{name: name}
	switch g.r.IntN(4) {
	case 0:
		l.lines = []string{fmt.Sprintf(`return 200 "named %s uri=$uri args=$args";`, name)}
	case 1:
		l.lines = []string{"root {{PREFIX}}/www;"}
	case 2:
		l.lines = []string{"proxy_pass http://BACKEND;", "proxy_set_header X-Hop n;"}
	default:
		l.lines = []string{"root {{PREFIX}}/files;", "try_files $uri $uri/index.html =404;"}
	}
	return l
}

// location generates a location (inside parent when it is not nil), or nil
// when the name drawn is taken.
func (g *randGen) location(parent *randLoc) *randLoc {
	l := &randLoc{}
	var re *randRegex
	switch k := g.r.IntN(10); {
	case k < 4:
		l.name = pick(g, randPrefixNames)
	case k < 5:
		l.mod, l.name = "^~", pick(g, randPrefixNames)
	case k < 7:
		l.mod, l.name = "=", pick(g, randExactNames)
	default:
		x := pick(g, randRegexes)
		re = &x
		l.mod, l.name = "~", x.src
		if g.chance(0.3) {
			l.mod = "~*"
		}
	}
	if parent != nil && re == nil && parent.mod != "" && parent.mod != "^~" {
		return nil // a regex location holds regex locations only
	}
	if parent != nil && re == nil {
		// A nested prefix location must start with its parent's name.
		p := strings.Trim(parent.name, `"`)
		if !strings.HasSuffix(p, "/") && g.chance(0.5) {
			p += "/"
		}
		l.name = p + pick(g, []string{"sub/", "sub", "a.txt", "dir/", "x/"})
	}
	var mine []string // paths that reach l
	if re == nil {
		key := strings.TrimPrefix(l.mod, "^~") + " " + l.name
		if g.used[key] {
			return nil
		}
		g.used[key] = true
		name := strings.ReplaceAll(strings.Trim(l.name, `"`), " ", "%20")
		mine = append(mine, strings.TrimSuffix(name, "/"))
		if l.mod == "=" {
			mine = append(mine, name+"\x00exact")
		}
		g.targets = append(g.targets, name)
	} else {
		mine = append(mine, re.samples...)
		g.targets = append(g.targets, pick(g, re.samples))
	}
	g.bases = append(g.bases, mine...)
	if g.chance(0.25) {
		l.lines = append(l.lines, "internal;")
	}
	if g.chance(0.25) {
		l.lines = append(l.lines, g.rewrite(l, re))
	}
	if g.handler(l, re) {
		g.proxied = append(g.proxied, mine...)
	}
	if g.chance(0.1) {
		l.lines = append(l.lines, pick(g, []string{
			"error_page 404 /fallback.html;", "error_page 404 = @n1;", "error_page 404 =200 /files/a.txt;",
			"error_page 403 = @n2;", "error_page 500 /www/w.txt;",
		}))
	}
	g.access(l, 0.35)
	l.lines = g.varsHeaders(l.lines, 0.15)
	if parent == nil && l.mod != "=" && g.chance(0.25) {
		for i, n := 0, 1+g.r.IntN(2); i < n; i++ {
			if k := g.location(l); k != nil {
				l.kids = append(l.kids, k)
			}
		}
	}
	return l
}

// rewrite is a rewrite line for l.
func (g *randGen) rewrite(l *randLoc, re *randRegex) string {
	src := `^(.*)$`
	if re == nil && l.name != "/" && !strings.ContainsAny(l.name, `" `) {
		src = "^" + regexp.QuoteMeta(l.name) + "(.*)$"
	}
	to := pick(g, []string{"/files/", "/www/", "/prot/", "/static/", "/re/", "/", "/app/", "/dl", "/cap/", "/sub/"})
	if g.a.chance(0.12) {
		// Into the server's rewrite of /old/ (run again only after an
		// internal redirect, not after a location's rewrite) or into the
		// access part's /acc/.
		to = pick(g.a, []string{"/old/", "/acc/", "/acc/in/"})
	}
	repl := to + "$1"
	if strings.HasSuffix(to, "/") && src != `^(.*)$` && !strings.HasSuffix(l.name, "/") {
		repl = strings.TrimSuffix(to, "/") + "$1"
	}
	if g.chance(0.15) {
		repl += "?"
	}
	flag := pick(g, []string{" last", " break", "", " redirect", " permanent", " last", " break"})
	return "rewrite " + src + " " + repl + flag + ";"
}

// handler adds l's content directives and reports whether l proxies.
func (g *randGen) handler(l *randLoc, re *randRegex) bool {
	k := g.r.IntN(100)
	switch {
	case k < 30:
		// alias
		var dir string
		switch {
		case re != nil && re.caps > 0:
			c := "$" + strconv.Itoa(re.caps)
			if re.named != "" && g.chance(0.5) {
				c = "$" + re.named
			}
			dir = pick(g, []string{"{{PREFIX}}/files/", "{{PREFIX}}/www/", "{{PREFIX}}/files/sub/", "{{PREFIX}}/files"}) + c
		case re != nil:
			dir = pick(g, []string{"{{PREFIX}}/files/a.txt", "{{PREFIX}}/files/", "{{PREFIX}}/www"})
		case l.mod == "=":
			dir = pick(g, []string{"{{PREFIX}}/files/a.txt", "{{PREFIX}}/files/", "{{PREFIX}}/www/w.txt", "{{PREFIX}}/files/sub/"})
		default:
			dir = pick(g, []string{"{{PREFIX}}/files/", "{{PREFIX}}/files", "{{PREFIX}}/files/sub/", "{{PREFIX}}/files/sub",
				"{{PREFIX}}/www/", "{{PREFIX}}/www", "{{PREFIX}}/files/dir/"})
		}
		l.lines = append(l.lines, "alias "+dir+";")
		if g.chance(0.1) {
			// how the URI maps to a file, without a file
			l.lines = append(l.lines, `return 200 "fn=$request_filename root=$document_root uri=$uri";`)
			break
		}
		g.staticExtras(l)
	case k < 55:
		if g.chance(0.85) {
			l.lines = append(l.lines, "root "+pick(g, []string{"{{PREFIX}}/www", "{{PREFIX}}/files", "{{PREFIX}}", "{{PREFIX}}/www/", "html"})+";")
		}
		if g.chance(0.08) {
			l.lines = append(l.lines, `return 200 "fn=$request_filename root=$document_root uri=$uri";`)
			break
		}
		g.staticExtras(l)
	case k < 72:
		l.lines = append(l.lines, pick(g, []string{
			fmt.Sprintf(`return 200 "loc %s uri=$uri args=$args";`, strings.NewReplacer(`"`, "", "$", "", `\`, "", "{", "", "}", "").Replace(l.name)),
			"return 403;", "return 404;", `return 410 "gone $request_uri";`, "return 204;",
			"return 301 /files/a.txt;", "return 302 http://example.com/x;", "return 307 $uri/;", `return 418 "tea";`,
		}))
	case k < 92:
		if re == nil && g.chance(0.5) {
			l.lines = append(l.lines, "proxy_pass http://BACKEND"+pick(g, []string{"/", "/up/", "/up"})+";")
		} else {
			l.lines = append(l.lines, "proxy_pass http://BACKEND;")
		}
		if g.chance(0.2) {
			l.lines = append(l.lines, "proxy_intercept_errors on;")
		}
		return true
	default:
		// nothing: the server's root and the static handlers
	}
	return false
}

// staticExtras adds index, autoindex and try_files to a static location.
func (g *randGen) staticExtras(l *randLoc) {
	if g.chance(0.25) {
		l.lines = append(l.lines, pick(g, []string{"index a.txt index.html;", "index missing.html;", "index b.txt;", "index index.html;", "index missing.html /fallback.html;"}))
	}
	if g.chance(0.2) {
		l.lines = append(l.lines, "autoindex on;")
		if g.chance(0.3) {
			l.lines = append(l.lines, pick(g, []string{"autoindex_format json;", "autoindex_format xml;", "autoindex_exact_size off;"}))
		}
	}
	if g.chance(0.08) {
		l.lines = append(l.lines, "disable_symlinks on;")
	}
	if g.chance(0.35) {
		fb := pick(g, g.targets)
		l.lines = append(l.lines, "try_files "+pick(g, []string{
			"$uri =404", "$uri $uri/ =404", "$uri $uri/ " + fb, "$uri @n1", "$uri " + fb, "/nonexist $uri =403",
			"$uri $uri/index.html =410", "$uri/ $uri @n2", "$uri/ =404", "$uri.txt $uri =404",
		})+";")
	}
}

// request is one generated request.
type randRequest struct {
	method, target, body string
	header               http.Header
}

// requests generates n requests for the server g generated.
func (g *randGen) requests(n int) []randRequest {
	bases := append([]string{"/", "/files", "/www", "/nope", "/secret.txt"}, g.bases...)
	var reqs []randRequest
	for len(reqs) < n {
		target := g.path(bases)
		if len(g.proxied) > 0 && g.chance(0.25) {
			target = g.path(g.proxied)
		}
		if g.chance(0.3) {
			v := pick(g, []string{"@n1", "@n2", "/secret.txt", "/../secret.txt"})
			if g.chance(0.8) {
				v = g.path(bases)
			}
			target += "?" + query("h", "X-Accel-Redirect: "+v)
		} else if g.chance(0.1) {
			target += "?" + pick(g, []string{"x=1&y=%2e%2e", "s=404", "s=500", "s=403&b=denied", "s=302&h=Location%3A%20%2Ffiles%2Fa.txt"})
		}
		rq := randRequest{method: "GET", target: target}
		switch k := g.r.IntN(100); {
		case k < 12:
			rq.method = "HEAD"
		case k < 24:
			rq.method, rq.body = "POST", "b=1"
		case k < 27:
			rq.method = pick(g, []string{"DELETE", "OPTIONS", "PUT"})
		}
		if g.chance(0.08) {
			rq.header = http.Header{"Range": {pick(g, []string{"bytes=0-3", "bytes=5-", "bytes=-4", "bytes=0-1,3-4", "bytes=100-"})}}
		}
		g.decorate(&rq)
		reqs = append(reqs, rq)
	}
	for i, m := 0, 10+g.a.r.IntN(15); i < m; i++ {
		reqs = append(reqs, g.accessRequest())
	}
	for i, m := 0, 10+g.v.r.IntN(15); i < m; i++ {
		reqs = append(reqs, g.varsRequest())
	}
	for i, m := 0, 10+g.p.r.IntN(15); i < m; i++ {
		reqs = append(reqs, g.proxyRequest())
	}
	return reqs
}

// path is a request path: a location's name with a tail.
func (g *randGen) path(bases []string) string {
	base := pick(g, bases)
	if exact, ok := strings.CutSuffix(base, "\x00exact"); ok {
		return exact
	}
	if strings.HasPrefix(base, "/") && strings.Count(base, "/") > 1 && g.chance(0.25) {
		// a regex sample or a longer name, as is
		return base
	}
	tail := pick(g, randTails)
	join := "/"
	if strings.HasSuffix(base, "/") || tail == "" || g.chance(0.2) {
		join = ""
	}
	p := base + join + tail
	if p == "" {
		p = "/"
	}
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return p
}
