package lint

import (
	"path/filepath"
	"strings"
)

var ruleIncludeNotFound = &Rule{
	Name:     "include-not-found",
	Severity: Warning,
	Summary:  "an included file is not there: the configuration is analysed without it",
	check: func(p *pass, r *Rule) {
		for _, m := range p.cfg.Missing {
			d := m.Dir
			if stockFile(d.Pos.File) {
				continue // a stand-in's own include: part of the stand-in
			}
			if m.Stock {
				p.report(r, Info, d, "`include "+m.Pattern+"` names a file packaged nginx ships, and it is not here ("+m.Path+"); xaccel read its own stand-in of that file, which holds no location, root or alias, so the analysis is complete")
				continue
			}
			how := "lint the configuration where it is complete (`nginx -T | xaccel lint -`)"
			switch {
			case filepath.IsAbs(m.Pattern):
				how += ", or give `--root DIR` so that " + m.Pattern + " is read from DIR" + m.Pattern
			default:
				how += ", or give `--prefix DIR` with the directory nginx resolves `" + m.Pattern + "` against"
			}
			p.report(r, r.Severity, d, "`include "+m.Pattern+"`: no such file ("+m.Path+"); nginx refuses to start without it, and xaccel analysed the rest without it, so whatever it holds (locations, `internal`, roots) is not checked; "+strings.TrimSpace(how))
		}
	},
}

// stockFile reports whether a file name is that of a stand-in for a stock
// file (see nginx.MissingInclude).
func stockFile(name string) bool { return strings.HasPrefix(name, "(stock) ") }
