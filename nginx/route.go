package nginx

import (
	"strconv"
	"strings"
)

type findResult int

const (
	findNone   findResult = iota // no location at this level
	findPrefix                   // a prefix location, regexes may still win
	findFinal                    // exact or regex match: final
)

// Route returns the location nginx chooses for the decoded, normalized URI
// ($uri) in server s, following ngx_http_core_find_location: exact match,
// else the longest prefix, then its nested locations, then (unless the
// prefix has ^~) the regex locations of the level in config order. Named
// locations are never chosen. nil means no location matched and the
// server-level configuration applies. Captures holds the submatches of the
// regex that decided, if any.
func (s *Server) Route(uri string) (*Location, []string) {
	l, caps, _ := find(s.Locations, uri)
	return l, caps
}

func find(ls []*Location, uri string) (*Location, []string, findResult) {
	for _, l := range ls {
		if l.Modifier == "=" && l.Match == uri {
			return l, nil, findFinal
		}
	}
	var best *Location
	for _, l := range ls {
		if l.IsPrefix() && strings.HasPrefix(uri, l.Match) && (best == nil || len(l.Match) > len(best.Match)) {
			best = l
		}
	}
	result := findNone
	var caps []string
	noregex := false
	if best != nil {
		result = findPrefix
		noregex = best.Modifier == "^~"
		if len(best.Children) > 0 {
			nl, ncaps, nr := find(best.Children, uri)
			if nr == findFinal {
				return nl, ncaps, findFinal
			}
			if nl != nil {
				best, caps = nl, ncaps
			}
		}
	}
	if !noregex {
		for _, l := range ls {
			if !l.IsRegex() || l.Re == nil {
				continue
			}
			m := l.Re.FindStringSubmatch(uri)
			if m == nil {
				continue
			}
			if len(l.Children) > 0 {
				if nl, ncaps, nr := find(l.Children, uri); nr != findNone {
					return nl, ncaps, findFinal
				}
			}
			return l, m, findFinal
		}
	}
	return best, caps, result
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
	for x := l; x != nil; x = x.Parent {
		if d := x.Dir.First("internal"); d != nil {
			return d
		}
	}
	return nil
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
var contentHandlers = []string{"proxy_pass", "fastcgi_pass", "uwsgi_pass", "scgi_pass", "grpc_pass", "memcached_pass", "return"}

// Handler returns the directive that makes l produce content by other means
// than static files (proxy_pass, fastcgi_pass, ..., return), or nil.
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
// (nil: the server level), per nginx-semantics section 5. caps are the
// regex submatches from Route. ok is false when the root or alias uses a
// variable that cannot be resolved statically or there is no root.
func (s *Server) MapPath(l *Location, uri string, caps []string) (string, bool) {
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
		if strings.Contains(val, "$") {
			return "", false
		}
		return strings.TrimSuffix(val, "/") + uri, true
	}
	// alias
	if owner != nil && owner.IsRegex() {
		p, ok := expandCaptures(val, caps)
		return p, ok
	}
	if strings.Contains(val, "$") {
		return "", false
	}
	n := len(owner.Match)
	if n > len(uri) {
		n = len(uri)
	}
	return val + uri[n:], true
}

// expandCaptures substitutes $1..$9 and ${N} in an alias of a regex location.
func expandCaptures(val string, caps []string) (string, bool) {
	var b strings.Builder
	for i := 0; i < len(val); i++ {
		if val[i] != '$' {
			b.WriteByte(val[i])
			continue
		}
		j := i + 1
		brace := j < len(val) && val[j] == '{'
		if brace {
			j++
		}
		k := j
		for k < len(val) && val[k] >= '0' && val[k] <= '9' {
			k++
		}
		if k == j {
			return "", false // a named variable
		}
		n, _ := strconv.Atoi(val[j:k])
		if brace {
			if k >= len(val) || val[k] != '}' {
				return "", false
			}
			k++
		}
		if n < len(caps) {
			b.WriteString(caps[n])
		}
		i = k - 1
	}
	return b.String(), true
}
