package lint

import (
	"github.com/xaccel/xaccel/nginx"
)

var ruleRegexBypassesInternal = &Rule{
	Name:     "regex-bypasses-internal",
	Severity: Error,
	Summary:  "a regex location wins over an internal prefix location without ^~, so outside requests skip internal",
	check: func(p *pass) {
		for _, s := range p.cfg.Servers {
			all := s.AllLocations()
			for _, l := range all {
				if l.Modifier != "" || l.Internal() == nil {
					continue
				}
				if uri, r, caps, ok := bypass(l, all); ok {
					served := ""
					if r.ServesFiles() {
						if path, ok := s.MapPath(r, uri, caps); ok {
							served = ", which serves " + path
						}
					}
					p.reportFix("regex-bypasses-internal", Error, l.Dir,
						"`GET "+uri+"` from outside is handled by `"+r.String()+"` at "+rel(r.Dir)+served+", not by this internal location: a regex location wins over a prefix location without `^~`, and `internal` is checked only on the location finally chosen; write `location ^~ "+l.Match+"`",
						fixCaret(l))
				}
			}
		}
	},
}

// bypass finds a URI under l's prefix that the routing model sends to a
// regex location outside l that is not internal.
func bypass(l *nginx.Location, all []*nginx.Location) (string, *nginx.Location, []string, bool) {
	for _, r := range all {
		if !r.IsRegex() || r.Re == nil || isInside(r, l) {
			continue
		}
		for _, uri := range underPrefixMatching(l.Match, r) {
			got, caps := l.Server.Route(uri)
			if got == nil || isInside(got, l) || got.Internal() != nil {
				continue
			}
			if isInside(got, r) {
				return uri, got, caps, true
			}
		}
	}
	return "", nil, nil, false
}

func isInside(x, l *nginx.Location) bool {
	for ; x != nil; x = x.Parent {
		if x == l {
			return true
		}
	}
	return false
}
