package exposure

import (
	"strings"

	"github.com/xaccel/xaccel/nginx"
)

// notInternal finds the locations of s that serve protected files without
// `internal` or another guard: those the user declared protected (or that
// contain a declared prefix or directory), and those named like user media.
// The locations rootCovers found are left to it.
func (a *Analysis) notInternal(s *nginx.Server, exposed map[*nginx.Location]bool) {
	for _, l := range s.AllLocations() {
		if exposed[l] || l.Internal() != nil || !l.ServesFiles() || Guard(l) != nil || a.isPublicLocation(l) {
			continue
		}
		dir, _ := ServedDir(l)
		scope := a.declaredScope(l, dir)
		declared := scope != nil
		if !declared && !MediaByName(l, dir) {
			continue
		}
		cands := uris(l)
		if declared && scope.uris != nil {
			cands = scope.uris
		}
		for _, uri := range cands {
			if a.decl.IsPublic(uri) {
				continue
			}
			got, caps := s.Route(uri)
			if !handledBy(got, l) {
				continue
			}
			files, mapped := fileFor(s, got, uri, caps)
			file := ""
			if mapped && len(files) > 0 {
				file = files[0]
			}
			if declared && scope.dirs != nil {
				// Only the protected directory inside what the location
				// serves counts.
				if file == "" || !withinAny(file, scope.dirs) {
					continue
				}
			}
			e := &Exposure{Kind: NotInternal, Server: s, Loc: l, At: l.Dir, Declared: declared,
				WholeSite: declared && scope.uris != nil, Example: Example{URI: uri, File: file}}
			e.Area, e.base, e.baseDir = a.notInternalArea(l, dir, scope, uri, file)
			a.add(e)
			break
		}
	}
}

// notInternalArea is the area a not-internal location exposes, and the URI
// prefix of its files: the location's own files, or only the declared
// prefix or directory inside it.
func (a *Analysis) notInternalArea(l *nginx.Location, dir string, scope *protectScope, uri, file string) (*Area, string, string) {
	switch {
	case scope != nil && scope.uris != nil:
		pre := protectedPrefixOf(uri, a.decl.Protect)
		ar := &Area{Prefix: pre, Loc: l, Declared: true}
		if d, ok := mappedDir(l, pre); ok {
			ar.Dir = d
		}
		a.Areas = append(a.Areas, ar)
		return ar, pre, ar.Dir
	case scope != nil && scope.dirs != nil:
		for _, pd := range scope.dirs {
			if Within(file, pd) {
				for _, ar := range a.Areas {
					if ar.Declared && ar.Dir == pd && ar.Loc == nil {
						d, owner := l.DocRoot()
						base, _ := docRootDir(l.Server, l, d)
						pre, _ := uriPrefixFor(d, owner, base, pd)
						return ar, pre, pd
					}
				}
			}
		}
	}
	ar := &Area{Dir: dir, Loc: l, Declared: scope != nil}
	pre := ""
	if l.IsPrefix() || l.Modifier == "=" {
		ar.Prefix = l.Match
		pre = l.Match
	} else {
		pre = regexLiteralPrefix(l.Match)
		if !strings.HasPrefix(pre, "/") {
			pre = ""
		}
	}
	a.Areas = append(a.Areas, ar)
	return ar, pre, dir
}

// mappedDir is the directory location l maps the URL prefix pre to.
func mappedDir(l *nginx.Location, pre string) (string, bool) {
	p, ok := l.Server.MapFile(l, pre, nil)
	if !ok {
		return "", false
	}
	return CleanDir(p), true
}

// protectScope says which requests to a location are declared protected:
// all of them (both fields nil), only the URIs under protected prefixes
// nested in the location's prefix (uris), or only those whose file lies in
// protected directories nested in the directory it serves (dirs).
type protectScope struct {
	uris []string
	dirs []string
}

// declaredScope returns nil when --protect and --protect-dir say nothing
// about l. A location that merely contains a protected prefix or directory
// (location / with a root above everything) is judged by the requests
// that reach the protected part only: the rest of the site is not media.
func (a *Analysis) declaredScope(l *nginx.Location, dir string) *protectScope {
	var sc protectScope
	found := false
	if l.IsPrefix() {
		for _, pr := range a.decl.Protect {
			if UnderPrefix(l.Match, pr) {
				return &protectScope{}
			}
			if UnderPrefix(pr, l.Match) {
				found = true
				sc.uris = append(sc.uris, namesUnder(pr)...)
			}
		}
	}
	if dir != "" {
		for _, d := range a.decl.ProtectDirs {
			if Within(dir, CleanDir(d)) {
				return &protectScope{}
			}
			if Within(CleanDir(d), dir) {
				found = true
				sc.dirs = append(sc.dirs, CleanDir(d))
			}
		}
	}
	if !found {
		return nil
	}
	if sc.uris != nil && sc.dirs != nil {
		// Both kinds nested: the URIs under the prefixes, in any directory.
		sc.dirs = nil
	}
	return &sc
}

// protectedPrefixOf returns the --protect prefix uri is under.
func protectedPrefixOf(uri string, prefixes []string) string {
	best := ""
	for _, pr := range prefixes {
		if UnderPrefix(uri, pr) && len(pr) > len(best) {
			best = pr
		}
	}
	return best
}

func withinAny(file string, dirs []string) bool {
	for _, d := range dirs {
		if Within(file, d) {
			return true
		}
	}
	return false
}
