package lint

import (
	"github.com/xaccel/xaccel/exposure"
)

var ruleRegexBypassesInternal = &Rule{
	Name:     "regex-bypasses-internal",
	Severity: Error,
	Summary:  "a regex location wins over an internal prefix location without ^~, so outside requests skip internal",
	Leak:     true,
	check: func(p *pass, r *Rule) {
		for _, e := range p.exposures(exposure.RegexWins, exposure.ReachesApp, exposure.RewriteInto) {
			l, got := e.Internal, e.Loc
			caret := "write `location ^~ " + l.Match + "`"
			switch e.Kind {
			case exposure.RegexWins:
				served := ""
				if e.Example.File != "" {
					served = ", which serves " + e.Example.File
				}
				p.reportFix(r, r.Severity, l.Dir,
					"`GET "+e.Example.URI+"` from outside is handled by `"+got.String()+"` at "+p.at(got.Dir, "the regex location that handles the request")+served+", not by this internal location: a regex location wins over a prefix location without `^~`, and `internal` is checked only on the location finally chosen; "+caret,
					fixCaret(l))
			case exposure.ReachesApp:
				// No protected byte is served: the request goes to the app,
				// which decides. Worth knowing, not a leak.
				p.reportFix(r, Info, l.Dir,
					"`GET "+e.Example.URI+"` from outside is handled by `"+got.String()+"` at "+p.at(got.Dir, "the regex location that handles the request")+", which hands it to `"+got.Handler().Name+"`, not by this internal location: no file is served from here, but the request skips `internal` because a regex location wins over a prefix location without `^~`; "+caret+" if these requests should never reach the app",
					fixCaret(l))
			case exposure.RewriteInto:
				msg := "`GET " + e.Example.URI + "` from outside is handled by `" + got.String() + "` at " + p.at(got.Dir, "the location that handles the request") + ", whose `rewrite` at " + p.at(e.Rewrite, "the rewrite into the internal location") + " sends it on to "
				why := ", which serves " + e.Example.File + ": a rewritten request counts as internal, so `internal` does not stop it"
				if got.IsRegex() && l.Modifier == "" {
					p.reportFix(r, r.Severity, l.Dir, msg+"this internal location"+why+"; "+caret+", so that regex locations never see these requests", fixCaret(l))
				} else {
					p.report(r, r.Severity, got.Dir, msg+"the internal `"+l.String()+"` at "+p.at(l.Dir, "the internal location")+why+"; make the rewrite target a path outside it, or check the permission in the app and answer with X-Accel-Redirect")
				}
			}
		}
	},
}
