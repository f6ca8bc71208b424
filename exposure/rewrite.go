package exposure

import (
	"regexp"
	"strings"

	"github.com/xaccel/xaccel/nginx"
)

// rewriteInto finds the locations that outside requests reach and whose
// `rewrite` sends them on to an internal location that serves a protected
// area. nginx marks a rewritten request internal (ngx_http_script_regex_end_code
// sets r->internal), so `internal` does not stop it: the file is served.
// Server-level rewrites (outside any location) are not followed.
func (a *Analysis) rewriteInto(s *nginx.Server) []*Exposure {
	var found []*Exposure
	all := s.AllLocations()
	var areas []*Area
	for _, l := range all {
		if ar := a.byLoc[l]; ar != nil && ar.Prefix != "" {
			areas = append(areas, ar)
		}
	}
	if len(areas) == 0 {
		return nil
	}
	for _, r := range all {
		if r.Internal() != nil || Guard(r) != nil || r.Modifier == "@" || len(r.Dir.Find("rewrite")) == 0 {
			continue
		}
		for _, ar := range areas {
			if handledBy(ar.Loc, r) || handledBy(r, ar.Loc) || !rewriteMayReach(r, ar.Prefix) {
				continue
			}
			e := &Exposure{Kind: RewriteInto, Server: s, Loc: r, At: r.Dir, Area: ar, Internal: ar.Loc, Declared: ar.Declared, a: a}
			ex, ok := e.firstRequest(SampleNames)
			if !ok {
				continue
			}
			e.Example = ex
			e.Rewrite = ex.rewrite
			found = append(found, a.add(e))
		}
	}
	return found
}

// rewriteMayReach reports whether a rewrite of location r can produce a URI
// under prefix: a replacement's literal start (up to its first variable)
// and the prefix meet, or the replacement starts with a variable. It only
// spares the search pairs that cannot meet.
func rewriteMayReach(r *nginx.Location, prefix string) bool {
	for _, rw := range r.Dir.Find("rewrite") {
		if len(rw.Args) < 2 {
			continue
		}
		lit := rw.Args[1]
		if i := strings.IndexAny(lit, "$?"); i >= 0 {
			lit = lit[:i]
		}
		if lit == "" || prefixesMeet(prefix, lit, false) {
			return true
		}
	}
	return false
}

// rewriteCandidates proposes outside URIs that the location's rewrites may
// turn into the URI of the area's file rel: that URI followed by what the
// location's regex needs after it, and the inverse of simple rules
// (`rewrite ^/files/(.*)$ /private/$1`).
func (e *Exposure) rewriteCandidates(rel string) []string {
	target := JoinURI(e.Area.Prefix, rel)
	var out []string
	if e.Loc.IsRegex() && e.Loc.Re != nil {
		if lit, fold := anchoredLiteral(e.Loc.Re.Syntax); prefixesMeet(target, lit, fold || e.Loc.Modifier == "~*") {
			out = append(out, underPrefixFrom(target, e.Loc, e.a.samplesOf(e.Loc))...)
		}
		if e.Loc.MatchURI(target) != nil {
			out = append(out, target)
		}
	}
	for _, rw := range e.Loc.Dir.Find("rewrite") {
		if len(rw.Args) < 2 {
			continue
		}
		lit := regexLiteralPrefix(rw.Args[0])
		repl, _, _ := strings.Cut(rw.Args[1], "?")
		i := strings.Index(repl, "$")
		if i < 0 || !strings.HasPrefix(lit, "/") {
			continue
		}
		if rest, ok := strings.CutPrefix(target, repl[:i]); ok {
			out = append(out, lit+rest)
		}
	}
	if e.Loc.IsPrefix() && UnderPrefix(target, e.Loc.Match) {
		out = append(out, target)
	}
	return out
}

// confirmRewrite checks that uri, sent from outside, reaches the exposing
// location, that its rewrites turn it into a URI of the internal location,
// and that this URI opens the file want.
func (e *Exposure) confirmRewrite(uri, want string) (Example, bool) {
	s := e.Server
	got, caps, redirect := s.Lookup(uri)
	if redirect || got == nil || got.Internal() != nil || !handledBy(got, e.Loc) {
		return Example{}, false
	}
	var names []string
	if got.IsRegex() && got.Re != nil {
		names = got.Re.SubexpNames()
	}
	cur := uri
	var used *nginx.Directive
	for _, rw := range got.Dir.Find("rewrite") {
		if len(rw.Args) < 2 {
			continue
		}
		re, err := regexp.Compile(rw.Args[0])
		if err != nil {
			return Example{}, false
		}
		m := re.FindStringSubmatch(cur)
		if m == nil {
			continue
		}
		flag := rw.Arg(2)
		repl := rw.Args[1]
		if flag == "redirect" || flag == "permanent" || strings.HasPrefix(repl, "http://") || strings.HasPrefix(repl, "https://") || strings.HasPrefix(repl, "$scheme") {
			return Example{}, false
		}
		next, ok := expandRewrite(repl, m, re.SubexpNames(), caps, names, cur)
		if !ok {
			return Example{}, false
		}
		next, _, _ = strings.Cut(next, "?")
		cur, used = next, rw
		if flag == "last" || flag == "break" {
			if flag == "break" {
				return Example{}, false // stays in this location, which is not internal
			}
			break
		}
	}
	if used == nil || !strings.HasPrefix(cur, "/") {
		return Example{}, false
	}
	to, caps2 := s.Route(cur)
	if to == nil || !handledBy(to, e.Internal) {
		return Example{}, false
	}
	files, _ := fileFor(s, to, cur, caps2)
	if f, ok := fileAmong(files, want); ok {
		return Example{URI: uri, File: f, rewrite: used}, true
	}
	return Example{}, false
}

// expandRewrite evaluates a rewrite replacement: $1..$9 and named groups
// of the rewrite's regex (m), the named groups of the location regex
// (locCaps), and $uri; any other variable makes it unknown.
func expandRewrite(repl string, m, mNames, locCaps, locNames []string, uri string) (string, bool) {
	return nginx.Expand(repl, m, func(name string) (string, bool) {
		if v, ok := namedGroup(name, m, mNames); ok {
			return v, true
		}
		if v, ok := namedGroup(name, locCaps, locNames); ok {
			return v, true
		}
		if name == "uri" || name == "document_uri" {
			return uri, true
		}
		return "", false
	})
}

func namedGroup(name string, m, names []string) (string, bool) {
	for i, n := range names {
		if n == name && i < len(m) {
			return m[i], true
		}
	}
	return "", false
}
