package exposure

import (
	"strings"

	"github.com/xaccel/xaccel/nginx"
)

// rootCovers finds the public locations of s (and its server level) whose
// root or alias holds a protected directory, so that a request for the
// directory's files under their path in that root gets them. It returns
// the locations it found, which the not-internal analysis leaves alone.
func (a *Analysis) rootCovers(s *nginx.Server) map[*nginx.Location]bool {
	exposed := map[*nginx.Location]bool{}
	if len(a.protected) == 0 {
		return exposed
	}
	for _, l := range s.AllLocations() {
		if l.Internal() != nil || !l.ServesFiles() || Guard(l) != nil || a.isPublicLocation(l) {
			continue
		}
		if e := a.rootExposure(s, l); e != nil {
			exposed[l] = true
			a.add(e)
		}
	}
	if root := s.ServerRoot(); root != nil {
		if e := a.rootExposure(s, nil); e != nil {
			a.add(e)
		}
	}
	return exposed
}

// rootExposure looks for a URI that the routing model sends to l (nil: the
// server level) and that maps into a protected directory.
func (a *Analysis) rootExposure(s *nginx.Server, l *nginx.Location) *Exposure {
	var d *nginx.Directive
	var owner *nginx.Location
	if l == nil {
		d = s.ServerRoot()
	} else {
		d, owner = l.DocRoot()
	}
	if d == nil || len(d.Args) != 1 {
		return nil
	}
	base, ok := docRootDir(s, l, d)
	if !ok {
		return nil
	}
	// The protected directories inside the root, and those around it (a
	// root or alias inside a protected directory serves part of it).
	areas := append(a.protectedUnder(base), a.protectedAbove(base)...)
	for _, ar := range areas {
		if ar.Loc != nil && l != nil && (handledBy(l, ar.Loc) || handledBy(ar.Loc, l)) {
			continue
		}
		prefix, baseDir, ok := "", ar.Dir, false
		if Within(ar.Dir, base) {
			prefix, ok = uriPrefixFor(d, owner, base, ar.Dir)
		} else {
			prefix, ok = ownPrefix(d, owner, l)
			baseDir = base
		}
		if !ok {
			continue
		}
		cands := namesUnder(prefix)
		if l != nil && l.IsPrefix() && baseDir == base {
			cands = append(cands, namesUnder(l.Match)...)
		}
		if l != nil && l.IsRegex() {
			cands = append(cands, underPrefixMatching(prefix, l)...)
		}
		for _, uri := range cands {
			if a.decl.IsPublic(uri) || coveredByInternalPrefix(s, uri) {
				continue
			}
			got, caps := s.Route(uri)
			if got != l {
				continue
			}
			files, _ := fileFor(s, l, uri, caps)
			for _, f := range files {
				if Within(f, ar.Dir) {
					at := d
					if l != nil {
						at = l.Dir
					}
					return &Exposure{Kind: RootCovers, Server: s, Loc: l, At: at, Area: ar, Declared: ar.Declared,
						Example: Example{URI: uri, File: f}, base: prefix, baseDir: baseDir}
				}
			}
		}
	}
	return nil
}

// docRootDir is the directory a root or alias names, with literally set
// variables resolved (captures are not: ok is false).
func docRootDir(s *nginx.Server, l *nginx.Location, d *nginx.Directive) (string, bool) {
	val := d.Args[0]
	if !strings.Contains(val, "$") {
		return CleanDir(val), true
	}
	if hasCapture(val) {
		return "", false
	}
	if d.Name == "root" {
		p, ok := s.MapFile(l, "", nil)
		return CleanDir(p), ok
	}
	_, owner := l.DocRoot()
	if owner == nil {
		return "", false
	}
	p, ok := s.MapFile(owner, owner.Match, nil)
	return CleanDir(p), ok
}

// uriPrefixFor is the URL prefix whose files the root or alias d (held by
// owner for an alias) maps into dir, a directory inside base, the
// directory d names.
func uriPrefixFor(d *nginx.Directive, owner *nginx.Location, base, dir string) (string, bool) {
	if !Within(dir, base) {
		return "", false
	}
	sub := strings.TrimPrefix(strings.TrimPrefix(dir, base), "/")
	var prefix string
	if d.Name == "root" {
		prefix = "/" + sub
	} else {
		if owner == nil || !owner.IsPrefix() {
			return "", false
		}
		prefix = strings.TrimSuffix(owner.Match, "/") + "/" + sub
	}
	if !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	return prefix, true
}

// ownPrefix is the URL prefix whose files the root or alias d maps to the
// directory d names: the alias's location name, or / for a root (any URI
// of the location; its name is then part of the path).
func ownPrefix(d *nginx.Directive, owner, l *nginx.Location) (string, bool) {
	if d.Name == "alias" {
		if owner == nil || !owner.IsPrefix() {
			return "", false
		}
		return owner.Match, true
	}
	return "/", true
}

// coveredByInternalPrefix reports whether uri falls under an internal
// prefix location without ^~: when a regex location takes such a request
// instead, the regex-bypass analysis reports it at the internal location.
func coveredByInternalPrefix(s *nginx.Server, uri string) bool {
	for _, l := range s.AllLocations() {
		if l.Modifier == "" && l.Internal() != nil && strings.HasPrefix(uri, l.Match) {
			return true
		}
	}
	return false
}
