package lint

var ruleSyntax = &Rule{
	Name:     "syntax",
	Severity: Error,
	Summary:  "the configuration cannot be read as nginx would read it",
	check: func(p *pass, r *Rule) {
		for _, e := range p.cfg.Errors {
			p.findings = append(p.findings, Finding{
				Rule: r.Name, Severity: r.Severity, Pos: e.Pos, End: e.Pos, Len: 1,
				Message: e.Msg,
			})
		}
	},
}
