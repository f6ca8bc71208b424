package exposure

import (
	"github.com/xaccel/xaccel/nginx"
)

// regexWins finds the internal prefix locations of s without ^~ that a
// regex location takes requests from: `internal` is checked only on the
// location finally chosen. A regex location that serves files is a leak
// (RegexWins); one that proxies, passes to FastCGI or returns only sends
// the request to the app (ReachesApp).
//
// A regex location that rewrites the request into the internal location is
// left to the rewrite analysis (rewrites).
func (a *Analysis) regexWins(s *nginx.Server, rewrites []*Exposure) {
	all := s.AllLocations()
	// The regex locations, each with the literal text an anchored match
	// starts with: a regex whose URIs cannot start under a prefix is not
	// tried there, and the samples of each are made once (a server can
	// pair thousands of regexes with thousands of prefixes).
	type regexLoc struct {
		loc  *nginx.Location
		lit  string
		fold bool
	}
	var regexes []*regexLoc
	for _, r := range all {
		if r.IsRegex() && r.Re != nil {
			lit, fold := anchoredLiteral(r.Re.Syntax)
			regexes = append(regexes, &regexLoc{loc: r, lit: lit, fold: fold || r.Modifier == "~*"})
		}
	}
	for _, l := range all {
		if l.Modifier != "" || l.Internal() == nil {
			continue
		}
		ar := a.areaOf(l)
		var app *Exposure
		found := false
		for _, rl := range regexes {
			r := rl.loc
			if handledBy(r, l) || !prefixesMeet(l.Match, rl.lit, rl.fold) {
				continue
			}
			for _, uri := range underPrefixFrom(l.Match, r, a.samplesOf(r)) {
				got, caps := s.Route(uri)
				if got == nil || handledBy(got, l) || got.Internal() != nil || !handledBy(got, r) || rewritesInto(rewrites, got, l) {
					continue
				}
				e := &Exposure{Server: s, Loc: got, At: l.Dir, Area: ar, Internal: l, Example: Example{URI: uri}}
				if ar != nil {
					e.Declared = ar.Declared
				}
				if !got.ServesFiles() {
					if app == nil && got.Handler() != nil {
						e.Kind = ReachesApp
						app = e
					}
					continue
				}
				e.Kind = RegexWins
				if files, ok := fileFor(s, got, uri, caps); ok && len(files) > 0 {
					e.Example.File = files[0]
				}
				a.add(e)
				found = true
				break
			}
			if found {
				break
			}
		}
		if !found && app != nil {
			a.add(app)
		}
	}
}

// areaOf returns the area an internal location serves; one without a
// directory the model can resolve gets an area of its prefix alone.
func (a *Analysis) areaOf(l *nginx.Location) *Area {
	if ar := a.byLoc[l]; ar != nil {
		return ar
	}
	ar := &Area{Prefix: l.Match, Loc: l, Declared: a.decl.DeclaredPrefix(l.Match)}
	a.Areas = append(a.Areas, ar)
	a.byLoc[l] = ar
	return ar
}

// rewritesInto reports whether one of the rewrite exposures leads from
// location from into the internal location to.
func rewritesInto(rewrites []*Exposure, from, to *nginx.Location) bool {
	for _, e := range rewrites {
		if e.Loc == from && e.Internal == to {
			return true
		}
	}
	return false
}
