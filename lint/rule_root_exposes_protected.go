package lint

import (
	"github.com/xaccel/xaccel/exposure"
)

var ruleRootExposesProtected = &Rule{
	Name:     "root-exposes-protected",
	Severity: Error,
	Summary:  "a public location's root or alias reaches into a protected directory",
	Leak:     true,
	check: func(p *pass, r *Rule) {
		for _, e := range p.exposures(exposure.RootCovers) {
			who := "the server-level `root " + e.At.Arg(0) + "` (no location matches the request)"
			if e.Loc != nil {
				who = "`" + e.Loc.String() + "`"
			}
			why := "declared protected"
			if e.Area.Loc != nil {
				why = "served only through the internal `" + e.Area.Loc.String() + "` at " + p.at(e.Area.Loc.Dir, "the internal location that serves the protected files")
			}
			p.report(r, r.Severity, e.At, "`GET "+e.Example.URI+"` from outside is answered by "+who+" with "+e.Example.File+", a file in "+e.Area.Dir+" ("+why+"); anyone can download protected files without the app's permission check: move the protected files out of this root, or add a location for them that is `internal`")
		}
	},
}
