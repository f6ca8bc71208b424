package lint

import (
	"strings"

	"github.com/xaccel/xaccel/nginx"
)

var ruleAccelHeaderExposed = &Rule{
	Name:     "accel-header-exposed",
	Severity: Warning,
	Summary:  "an X-Accel-* header is passed or added to client responses",
	Leak:     true,
	check: func(p *pass, r *Rule) {
		p.cfg.Root.Walk(func(d *nginx.Directive) bool {
			switch d.Name {
			case "proxy_pass_header", "fastcgi_pass_header", "uwsgi_pass_header", "scgi_pass_header", "grpc_pass_header":
				if isAccelHeader(d.Arg(0)) {
					why := "showing clients how the app steers nginx"
					if strings.EqualFold(d.Arg(0), "X-Accel-Redirect") {
						why = "whenever nginx does not act on it (with `proxy_ignore_headers X-Accel-Redirect`, a common debugging leftover, every download response shows the file's internal path)"
					}
					p.report(r, r.Severity, d,
						"`"+d.Name+" "+d.Arg(0)+"` sends the app's "+d.Arg(0)+" header on to the client, "+why+"; remove this directive")
				}
			case "add_header":
				name, val := d.Arg(0), d.Arg(1)
				if isAccelHeader(name) {
					p.report(r, r.Severity, d,
						"`add_header "+name+"` shows an X-Accel header to clients, revealing internal paths and settings; remove it")
				} else if strings.Contains(strings.ToLower(val), "$upstream_http_x_accel_") {
					p.report(r, r.Severity, d,
						"`add_header "+name+" "+val+"` copies the app's X-Accel header into the client response, revealing the internal path of protected files; remove it")
				}
			}
			return !d.Opaque
		})
	},
}

func isAccelHeader(name string) bool {
	return strings.HasPrefix(strings.ToLower(name), "x-accel-")
}
