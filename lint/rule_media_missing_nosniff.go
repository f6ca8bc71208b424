package lint

import (
	"strings"

	"github.com/xaccel/xaccel/exposure"
	"github.com/xaccel/xaccel/nginx"
)

var ruleMediaMissingNosniff = &Rule{
	Name:     "media-missing-nosniff",
	Severity: Warning,
	Summary:  "an internal location serves files without X-Content-Type-Options: nosniff",
	Leak:     true,
	check: func(p *pass, r *Rule) {
		for _, s := range p.cfg.Servers {
			for _, l := range s.AllLocations() {
				// An internal location that error_page sends requests to
				// holds error pages, not downloads.
				if l.Internal() == nil || !l.ServesFiles() || exposure.ErrorPage(l) {
					continue
				}
				added := nginx.AddedHeaders(l.Levels(), "add_header")
				headers := added.Lines
				if hasNosniff(headers) {
					continue
				}
				msg := "`" + l.String() + "` serves protected files without `X-Content-Type-Options: nosniff`; nginx keeps only Content-Type, Content-Disposition, Cache-Control, Expires, Set-Cookie and Accept-Ranges from the app's response, so a nosniff set by the app never reaches the browser, which may then run an uploaded file as HTML or script"
				switch {
				case added.Mode == "off":
					msg += " (`add_header_inherit off` at " + p.at(added.ModeDir, "add_header_inherit") + " keeps the add_header lines of the server and http levels from it)"
				case len(headers) > 0 && headers[0].Parent != l.Dir:
					msg += " (the add_header lines inherited from " + p.at(headers[0], "the inherited add_header lines") + " do not include it)"
				case len(headers) > 0 && added.Mode == "on":
					msg += " (this location has add_header lines of its own, so it inherits none from the server or http level)"
				}
				msg += "; add `add_header X-Content-Type-Options \"nosniff\" always;` to this location"
				p.reportFix(r, r.Severity, l.Dir, msg, p.fixNosniff(l, added))
			}
		}
	},
}

func hasNosniff(headers []*nginx.Directive) bool {
	for _, h := range headers {
		if strings.EqualFold(h.Arg(0), "X-Content-Type-Options") && strings.EqualFold(strings.TrimSpace(h.Arg(1)), "nosniff") {
			return true
		}
	}
	return false
}
