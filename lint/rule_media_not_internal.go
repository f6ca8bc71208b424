package lint

import (
	"path"
	"strings"

	"github.com/xaccel/xaccel/nginx"
)

// mediaNames are path segments that mark a directory or prefix as holding
// user media.
var mediaNames = map[string]bool{
	"media": true, "uploads": true, "upload": true, "private": true, "protected": true,
	"attachments": true, "user-content": true, "usercontent": true, "documents": true,
}

var ruleMediaNotInternal = &Rule{
	Name:     "media-not-internal",
	Severity: Warning,
	Summary:  "a location serves user media to anyone: it is not internal and nothing else guards it",
	check: func(p *pass) {
		for _, s := range p.cfg.Servers {
			for _, l := range s.AllLocations() {
				if p.exposed[l.Dir] || l.Internal() != nil || !l.ServesFiles() || guard(l) != nil || p.isPublicLocation(l) {
					continue
				}
				dir, _ := servedDir(l)
				scope := p.declaredScope(l, dir)
				declared := scope != nil
				if !declared && !mediaByName(l, dir) {
					continue
				}
				cands := uris(l)
				if declared && scope.uris != nil {
					cands = scope.uris
				}
				for _, uri := range cands {
					if p.isPublic(uri) {
						continue
					}
					if _, caps, ok := routesTo(l, uri); ok {
						sev := Warning
						if declared {
							sev = Error
						}
						served := ""
						file, mapped := s.MapPath(l, uri, caps)
						if declared && scope.dirs != nil && (!mapped || !withinAny(file, scope.dirs)) {
							// Only the protected directory inside what the
							// location serves counts.
							continue
						}
						if mapped {
							served = " from " + file
						}
						fix := "add `internal;` to it and let the app hand out files with X-Accel-Redirect"
						edits := p.fixInternal(l)
						if declared && scope.uris != nil {
							// The location is the whole site; internal would
							// close it. The protected prefix needs its own.
							fix = "give the protected prefix its own `location ^~ " + protectedPrefixOf(uri, p.opts.Protect) + " { internal; ... }` and let the app hand out files with X-Accel-Redirect"
							edits = nil
						} else if l.IsPrefix() && !p.declaredPrefix(l.Match) {
							fix += ", or declare the prefix public on purpose with `--public " + l.Match + "`"
						}
						p.reportFix("media-not-internal", sev, l.Dir,
							"`GET "+uri+"` is served"+served+" by `"+l.String()+"` without `internal`, so anyone with the URL downloads user media without the app's permission check; "+fix,
							edits)
						break
					}
				}
			}
		}
	},
}

func (p *pass) declaredPrefix(pre string) bool {
	for _, pr := range p.opts.Protect {
		if underPrefix(pre, pr) || underPrefix(pr, pre) {
			return true
		}
	}
	return false
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
func (p *pass) declaredScope(l *nginx.Location, dir string) *protectScope {
	var sc protectScope
	found := false
	if l.IsPrefix() {
		for _, pr := range p.opts.Protect {
			if underPrefix(l.Match, pr) {
				return &protectScope{}
			}
			if underPrefix(pr, l.Match) {
				found = true
				base := pr
				if !strings.HasSuffix(base, "/") {
					base += "/"
				}
				for _, n := range sampleNames {
					sc.uris = append(sc.uris, base+n)
				}
			}
		}
	}
	if dir != "" {
		for _, d := range p.opts.ProtectDirs {
			if within(dir, cleanDir(d)) {
				return &protectScope{}
			}
			if within(cleanDir(d), dir) {
				found = true
				sc.dirs = append(sc.dirs, cleanDir(d))
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
		if underPrefix(uri, pr) && len(pr) > len(best) {
			best = pr
		}
	}
	return best
}

func withinAny(file string, dirs []string) bool {
	for _, d := range dirs {
		if within(file, d) {
			return true
		}
	}
	return false
}

// mediaByName reports whether the location name or the directory it serves
// has a path segment that names user media.
func mediaByName(l *nginx.Location, dir string) bool {
	names := []string{dir}
	if l.IsPrefix() || l.Modifier == "=" {
		names = append(names, l.Match)
	} else if l.IsRegex() {
		names = append(names, regexLiteralPrefix(l.Match))
	}
	if dir == "" {
		if d, _ := l.DocRoot(); d != nil && d.Name == "alias" {
			names = append(names, path.Dir(d.Arg(0)))
		}
	}
	for _, n := range names {
		for _, seg := range strings.Split(n, "/") {
			if mediaNames[strings.ToLower(seg)] {
				return true
			}
		}
	}
	return false
}

// regexLiteralPrefix returns the literal text a regex starts with after ^.
func regexLiteralPrefix(re string) string {
	re = strings.TrimPrefix(re, "^")
	for i := 0; i < len(re); i++ {
		if strings.ContainsRune(`\.[](){}*+?|$^`, rune(re[i])) {
			return re[:i]
		}
	}
	return re
}
