package nginx

import (
	"regexp"
	"strings"
)

type findResult int

const (
	findNone     findResult = iota // no location at this level
	findPrefix                     // a prefix location, regexes may still win
	findFinal                      // exact or regex match: final
	findRedirect                   // auto-redirect (uri + "/" names a proxying location): final
)

// Route returns the location nginx chooses for the decoded, normalized URI
// ($uri) in server s, following ngx_http_core_find_location: exact match,
// else the longest prefix, then its nested locations, then (unless the
// prefix has ^~) the regex locations of the level in config order; a regex
// that matches has its nested regexes tested (nested exact and prefix
// locations of a regex location are never chosen). Named locations are
// never chosen. Regexes match bytes and "$" also matches before a final
// newline, as in PCRE (see MatchURI). nil means no location matched and
// the server-level configuration applies. Captures holds the submatches of
// the last regex that matched, if any ($1..$9 of root and alias).
//
// When nginx answers with an auto-redirect instead (see Lookup), Route
// returns the location it redirects to; its `internal` still applies first.
func (s *Server) Route(uri string) (*Location, []string) {
	l, caps, _ := s.Lookup(uri)
	return l, caps
}

// Lookup is Route that also reports nginx's auto-redirect
// (nginx-semantics.md section 4.2): when uri + "/" is the name of a prefix
// or exact location that proxies (proxy_pass, fastcgi_pass, uwsgi_pass,
// scgi_pass, memcached_pass, grpc_pass), no exact location and no prefix
// location named uri exists at that level, nginx picks that location
// without testing any regex, checks `internal`, and answers 301 with
// Location: uri + "/" (+ "?" args). redirect is then true and l is that
// location.
func (s *Server) Lookup(uri string) (l *Location, caps []string, redirect bool) {
	l, caps, r := find(s.Locations, uri, nil, false)
	return l, caps, r == findRedirect
}

// find searches one level of locations. caps are the captures in effect
// when the level is entered (those of the regex location it is nested in);
// a regex that matches replaces them, as ngx_http_regex_exec does (a regex
// without groups leaves only $0, so $1..$9 become empty).
//
// inRegex is set for the locations nested in a regex location: nginx
// builds the tree of exact and prefix locations only under exact and
// prefix locations (ngx_http_init_static_location_trees recurses through
// them alone), so an exact or prefix location nested in a regex location
// is never chosen; only nested regexes are tested there.
func find(ls []*Location, uri string, caps []string, inRegex bool) (*Location, []string, findResult) {
	var best, redirect *Location
	auto := false
	for _, l := range ls {
		switch {
		case inRegex:
		case l.Modifier == "=" && l.Match == uri:
			return l, caps, findFinal
		case l.IsPrefix() && strings.HasPrefix(uri, l.Match):
			if best == nil || len(l.Match) > len(best.Match) {
				best = l
			}
		case (l.IsPrefix() || l.Modifier == "=") && l.Match == uri+"/":
			// An exact and a prefix location of one name are one node of
			// nginx's tree: it redirects when either passes to an app,
			// with the exact location's configuration if there is one
			// (its internal, its error_page).
			auto = auto || l.autoRedirect()
			if redirect == nil || l.Modifier == "=" {
				redirect = l
			}
		}
	}
	if !auto {
		redirect = nil
	}
	// ngx_http_core_find_static_location: a prefix location named exactly
	// uri is found before the auto-redirect one (uri + "/") can be; any
	// shorter prefix is not.
	if redirect != nil && (best == nil || best.Match != uri) {
		return redirect, caps, findRedirect
	}
	result := findNone
	noregex := false
	if best != nil {
		result = findPrefix
		noregex = best.Modifier == "^~"
		if len(best.Children) > 0 {
			nl, ncaps, nr := find(best.Children, uri, caps, false)
			if nr == findFinal || nr == findRedirect {
				return nl, ncaps, nr
			}
			if nl != nil {
				best = nl
			}
		}
	}
	if !noregex {
		for _, l := range ls {
			if !l.IsRegex() || l.Re == nil {
				continue
			}
			m := l.MatchURI(uri)
			if m == nil {
				continue
			}
			if len(l.Children) > 0 {
				if nl, ncaps, nr := find(l.Children, uri, m, true); nr != findNone {
					return nl, ncaps, findFinal
				}
			}
			return l, m, findFinal
		}
	}
	return best, caps, result
}

// autoRedirect reports whether nginx sets auto_redirect for l: its name
// ends in "/" and it has one of the *_pass handlers.
func (l *Location) autoRedirect() bool {
	if !strings.HasSuffix(l.Match, "/") {
		return false
	}
	for _, c := range l.Dir.Block {
		switch c.Name {
		case "proxy_pass", "fastcgi_pass", "uwsgi_pass", "scgi_pass", "memcached_pass", "grpc_pass":
			return true
		}
	}
	return false
}

// MatchURI runs the regex of location l on uri the way nginx's PCRE does
// (see compileBytewise and pcreDollar) and returns the submatches ($0, $1,
// ...), or nil when it does not match, l is not a regex location or its
// regex did not compile.
func (l *Location) MatchURI(uri string) []string {
	if !l.IsRegex() || l.Re == nil {
		return nil
	}
	if l.Re.bytes == nil {
		return pcreDollar(l.Re.Regexp, uri)
	}
	m := pcreDollar(l.Re.bytes, latin1(uri))
	for i := range m {
		m[i] = fromLatin1(m[i])
	}
	return m
}

// pcreDollar matches like PCRE's "$", which outside multiline mode also
// matches before a newline that ends the subject: `\.php$` matches
// "/x.php\n" (a client sends "/x.php%0A"). RE2 has no such "$", so when
// the subject ends in a newline and the regex fails, it is tried once more
// without that newline; a pattern that matches "/x.php" but not "/x.php\n"
// is anchored at the end (only an explicit `\z` would make PCRE disagree).
func pcreDollar(re *regexp.Regexp, s string) []string {
	if m := re.FindStringSubmatch(s); m != nil {
		return m
	}
	if strings.HasSuffix(s, "\n") {
		return re.FindStringSubmatch(s[:len(s)-1])
	}
	return nil
}

// compileBytewise compiles a location regex to run on latin1(uri). nginx
// uses PCRE without UTF mode: it matches bytes, "." is one byte, `\xC3` is
// the byte 0xC3, and caseless matching folds ASCII letters only. Go's
// regexp matches UTF-8 runes and folds Unicode, so "." eats a whole "é"
// and `~* /insens` matches "/in\u017fens". Reading every byte as the rune
// of the same value (Latin-1), in both the pattern and the URI, restores
// byte semantics; the one difference left is that a caseless pattern with
// a non-ASCII letter byte also matches its Latin-1 case pair. nil when the
// transformed pattern does not compile (the regex is then used as is).
func compileBytewise(re *Regexp) *regexp.Regexp {
	src := latin1(re.Source)
	if re.Caseless {
		src = "(?i)" + src
	}
	b, err := regexp.Compile(src)
	if err != nil {
		return nil
	}
	return b
}

// latin1 returns s with every byte turned into the rune of the same value.
func latin1(s string) string {
	i := 0
	for i < len(s) && s[i] < 0x80 {
		i++
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) * 2)
	for j := 0; j < len(s); j++ {
		b.WriteRune(rune(s[j]))
	}
	return b.String()
}

// fromLatin1 reverses latin1.
func fromLatin1(s string) string {
	i := 0
	for i < len(s) && s[i] < 0x80 {
		i++
	}
	if i == len(s) {
		return s
	}
	b := make([]byte, 0, len(s))
	for _, r := range s {
		b = append(b, byte(r))
	}
	return string(b)
}

// Levels returns the block directives whose settings apply to a request
// handled by l, innermost first: l, its enclosing locations, the server,
// http (and the main context). For l == nil, use Server.Levels.
func (l *Location) Levels() []*Directive {
	var out []*Directive
	for x := l; x != nil; x = x.Parent {
		out = append(out, x.Dir)
	}
	return append(out, l.Server.Levels()...)
}

// Levels returns the server block and the blocks enclosing it.
func (s *Server) Levels() []*Directive {
	var out []*Directive
	for d := s.Dir; d != nil; d = d.Parent {
		out = append(out, d)
	}
	if s.HTTP != nil && (len(out) == 0 || out[len(out)-1] != s.HTTP) {
		out = append(out, s.HTTP)
	}
	return out
}

// Internal reports whether l or an enclosing location has `internal;`
// (nested locations inherit it).
func (l *Location) Internal() *Directive {
	return l.internal
}

// Effective returns the directives called name at the innermost level that
// has any, which is how nginx inherits array-valued settings such as
// add_header: a level with one of its own inherits none from outside.
func Effective(levels []*Directive, name string) []*Directive {
	for _, lv := range levels {
		if ds := lv.Find(name); len(ds) > 0 {
			return ds
		}
	}
	return nil
}

// DocRoot returns the root or alias directive that maps files for l, and the
// location that holds it (nil when it comes from server or http level).
func (l *Location) DocRoot() (*Directive, *Location) {
	for x := l; x != nil; x = x.Parent {
		for _, c := range x.Dir.Block {
			if c.Name == "root" || c.Name == "alias" {
				return c, x
			}
		}
	}
	for _, lv := range l.Server.Levels() {
		if d := lv.First("root"); d != nil {
			return d, nil
		}
	}
	return nil, nil
}

// ServerRoot returns the server- or http-level root, or nil.
func (s *Server) ServerRoot() *Directive {
	for _, lv := range s.Levels() {
		if d := lv.First("root"); d != nil {
			return d
		}
	}
	return nil
}

// Handlers that make a location answer by itself instead of serving files.
var contentHandlers = []string{"proxy_pass", "fastcgi_pass", "uwsgi_pass", "scgi_pass", "grpc_pass", "memcached_pass", "return", "stub_status"}

// Handler returns the directive that makes l produce content by other means
// than static files (proxy_pass, fastcgi_pass, ..., return, stub_status), or nil.
func (l *Location) Handler() *Directive {
	for _, c := range l.Dir.Block {
		for _, h := range contentHandlers {
			if c.Name == h {
				return c
			}
		}
	}
	return nil
}

// ServesFiles reports whether l serves files: it has a root or alias after
// inheritance and no proxy/fastcgi/.../return of its own.
func (l *Location) ServesFiles() bool {
	if l.Modifier == "@" || l.Handler() != nil {
		return false
	}
	d, _ := l.DocRoot()
	return d != nil
}

// MapPath maps $uri to the file nginx opens for a request handled by l
// (nil: the server level), per nginx-semantics section 5 and
// ngx_http_map_uri_to_path:
//
//   - root: the root (one trailing "/" dropped) + uri;
//   - alias in a prefix or exact location, or inherited from one by a
//     nested location: the alias verbatim + uri without the first
//     len(name of the location that holds the alias) bytes;
//   - alias in a regex location (or inherited from one): the alias alone.
//
// $1..$9 in root or alias are replaced with caps, the captures Route
// returned (nginx: a single digit, so "$10" is $1 followed by "0"). ok is
// false when there is no root or alias, or when it uses any other variable
// ($host, ${1}, $0...), which cannot be resolved statically. A relative
// root or alias is returned as written; nginx resolves it against its
// prefix (-p), which the model does not know.
func (s *Server) MapPath(l *Location, uri string, caps []string) (string, bool) {
	return s.mapPath(l, uri, caps, nil)
}

// MapPathWith is MapPath with the variables of a request: vars gives the
// value of a named variable in a root or alias (`root $site;`), as a
// server emulating nginx knows them.
func (s *Server) MapPathWith(l *Location, uri string, caps []string, vars func(string) (string, bool)) (string, bool) {
	return s.mapPath(l, uri, caps, vars)
}

// MapFile is MapPath for static analysis: besides $1..$9 it follows a
// variable that the configuration sets to one literal value (`set $public
// /srv/app/public;` before `root $public;`): every `set` of that name in
// the server must give the same text without variables. xaccel serve keeps
// MapPath, which resolves captures only.
func (s *Server) MapFile(l *Location, uri string, caps []string) (string, bool) {
	return s.mapPath(l, uri, caps, s.LiteralVar)
}

// LiteralVar returns the value every `set $name VALUE;` of the server (in
// any of its locations and if blocks; `set` has no http context) gives
// name, when there is at least one and they all agree on a value without
// variables.
func (s *Server) LiteralVar(name string) (string, bool) {
	val, found, ok := "", false, true
	check := func(d *Directive) bool {
		if d.Name != "set" || len(d.Args) != 2 || d.Args[0] != "$"+name {
			return true
		}
		v := d.Args[1]
		if strings.Contains(v, "$") || found && v != val {
			ok = false
			return false
		}
		val, found = v, true
		return true
	}
	if s.Dir != nil {
		s.Dir.Walk(check)
	}
	return val, found && ok
}

func (s *Server) mapPath(l *Location, uri string, caps []string, vars func(string) (string, bool)) (string, bool) {
	var d *Directive
	var owner *Location
	if l == nil {
		d = s.ServerRoot()
	} else {
		d, owner = l.DocRoot()
	}
	if d == nil || len(d.Args) != 1 {
		return "", false
	}
	val := d.Args[0]
	if d.Name == "root" {
		p, ok := Expand(strings.TrimSuffix(val, "/"), caps, vars)
		if !ok {
			return "", false
		}
		return p + uri, true
	}
	// alias
	p, ok := Expand(val, caps, vars)
	if !ok || owner == nil {
		return "", false
	}
	if owner.IsRegex() {
		return p, true
	}
	n := len(owner.Match)
	if n > len(uri) {
		n = len(uri)
	}
	return p + uri[n:], true
}

// Expand substitutes the captures $1..$9 in a value (root, alias,
// try_files, a rewrite's replacement) the way ngx_http_script_compile reads
// them: "$" and one digit 1-9; a capture that did not take part in the
// match, or beyond the regex's groups, is empty. A named variable ($name or
// ${name}) is looked up with vars when it is given; any other "$" ($0, a
// "$" at the end, a variable vars does not know) makes the value
// unresolvable: ok is false.
func Expand(val string, caps []string, vars func(string) (string, bool)) (string, bool) {
	if !strings.Contains(val, "$") {
		return val, true
	}
	var b strings.Builder
	for i := 0; i < len(val); i++ {
		if val[i] != '$' {
			b.WriteByte(val[i])
			continue
		}
		if i+1 < len(val) && val[i+1] >= '1' && val[i+1] <= '9' {
			if n := int(val[i+1] - '0'); n < len(caps) {
				b.WriteString(caps[n])
			}
			i++
			continue
		}
		if vars == nil {
			return "", false
		}
		name, end := VarName(val, i+1)
		if name == "" {
			return "", false
		}
		v, ok := vars(name)
		if !ok {
			return "", false
		}
		b.WriteString(v)
		i = end - 1
	}
	return b.String(), true
}

// VarName reads a variable name at val[i:] ($name or ${name}, the "$"
// already consumed) and returns it with the index after it; "" when there
// is none.
func VarName(val string, i int) (string, int) {
	brace := i < len(val) && val[i] == '{'
	j := i
	if brace {
		j++
	}
	k := j
	for k < len(val) && (val[k] == '_' || val[k] >= '0' && val[k] <= '9' || val[k] >= 'a' && val[k] <= 'z' || val[k] >= 'A' && val[k] <= 'Z') {
		k++
	}
	if k == j {
		return "", i
	}
	if brace {
		if k >= len(val) || val[k] != '}' {
			return "", i
		}
		return val[j:k], k + 1
	}
	return val[j:k], k
}
