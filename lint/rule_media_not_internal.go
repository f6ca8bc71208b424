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
				declared := p.declaredProtected(l, dir)
				if !declared && !mediaByName(l, dir) {
					continue
				}
				for _, uri := range uris(l) {
					if p.isPublic(uri) {
						continue
					}
					if _, caps, ok := routesTo(l, uri); ok {
						sev := Warning
						if declared {
							sev = Error
						}
						served := ""
						if file, ok := s.MapPath(l, uri, caps); ok {
							served = " from " + file
						}
						fix := "add `internal;` to it and let the app hand out files with X-Accel-Redirect"
						if l.IsPrefix() && !p.declaredPrefix(l.Match) {
							fix += ", or declare the prefix public on purpose with `--public " + l.Match + "`"
						}
						p.reportFix("media-not-internal", sev, l.Dir,
							"`GET "+uri+"` is served"+served+" by `"+l.String()+"` without `internal`, so anyone with the URL downloads user media without the app's permission check; "+fix,
							p.fixInternal(l))
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

func (p *pass) declaredProtected(l *nginx.Location, dir string) bool {
	if l.IsPrefix() && p.declaredPrefix(l.Match) {
		return true
	}
	if dir != "" {
		for _, d := range p.opts.ProtectDirs {
			if within(dir, cleanDir(d)) || within(cleanDir(d), dir) {
				return true
			}
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
