package lint

import (
	"github.com/xaccel/xaccel/exposure"
)

var ruleMediaNotInternal = &Rule{
	Name:     "media-not-internal",
	Severity: Warning,
	Summary:  "a location serves user media to anyone: it is not internal and nothing else guards it",
	Leak:     true,
	check: func(p *pass, r *Rule) {
		for _, e := range p.exposures(exposure.NotInternal) {
			l := e.Loc
			// Named like media: a warning; declared protected: an error.
			sev := r.Severity
			if e.Declared {
				sev = Error
			}
			served := ""
			if e.Example.File != "" {
				served = " from " + e.Example.File
			}
			fix := "add `internal;` to it and let the app hand out files with X-Accel-Redirect"
			edits := p.fixInternal(l)
			if e.WholeSite {
				// The location is the whole site; internal would close
				// it. The protected prefix needs its own.
				fix = "give the protected prefix its own `location ^~ " + e.Area.Prefix + " { internal; ... }` and let the app hand out files with X-Accel-Redirect"
				edits = nil
			} else if l.IsPrefix() && !p.opts.declarations().DeclaredPrefix(l.Match) {
				fix += ", or declare the prefix public on purpose with `--public " + l.Match + "`"
			}
			p.reportFix(r, sev, l.Dir,
				"`GET "+e.Example.URI+"` is served"+served+" by `"+l.String()+"` without `internal`, so anyone with the URL downloads user media without the app's permission check; "+fix,
				edits)
		}
	},
}
