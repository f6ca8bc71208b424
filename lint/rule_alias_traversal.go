package lint

import (
	"path"
	"strconv"
	"strings"

	"github.com/xaccel/xaccel/exposure"
	"github.com/xaccel/xaccel/nginx"
)

var ruleAliasTraversal = &Rule{
	Name:     "alias-traversal",
	Severity: Error,
	Summary:  "an alias and its location disagree about trailing slashes, or a regex capture can climb out of the alias",
	Leak:     true,
	check: func(p *pass, r *Rule) {
		for _, s := range p.cfg.Servers {
			for _, l := range s.AllLocations() {
				for _, a := range l.Dir.Find("alias") {
					if len(a.Args) != 1 {
						continue
					}
					if l.IsPrefix() {
						checkPrefixAlias(p, r, l, a)
					} else if l.IsRegex() && l.Re != nil {
						checkRegexAlias(p, r, l, a)
					}
				}
			}
		}
	},
}

func checkPrefixAlias(p *pass, r *Rule, l *nginx.Location, a *nginx.Directive) {
	name, alias := l.Match, a.Args[0]
	if strings.Contains(alias, "$") {
		return
	}
	nameSlash, aliasSlash := strings.HasSuffix(name, "/"), strings.HasSuffix(alias, "/")
	switch {
	case !nameSlash && aliasSlash:
		p.reportFix(r, Error, a,
			"`"+l.String()+"` has no trailing slash but its alias `"+alias+"` has one, so `GET "+name+"../secret` maps to "+alias+"../secret, outside the aliased directory (this holds for internal locations too, since X-Accel-Redirect values are often built from input); write `location "+name+"/` or drop the slash from the alias",
			fixAliasSlash(l, a, true, false))
	case nameSlash && !aliasSlash:
		p.reportFix(r, p.siblingLevel(l, alias), a,
			"`"+l.String()+"` ends in a slash but its alias `"+alias+"` does not, so `"+name+"-old/f` maps to "+alias+"-old/f, a sibling of the aliased directory, and `"+name+"f` to "+alias+"f; write `alias "+alias+"/;`",
			fixAliasSlash(l, a, false, true))
	case !nameSlash && !aliasSlash && l.Internal() == nil:
		p.reportFix(r, p.siblingLevel(l, alias), a,
			"`"+l.String()+"` and its alias `"+alias+"` both lack a trailing slash, so `GET "+name+"-old/f` is served from "+alias+"-old/f, a sibling directory of the alias; write `location "+name+"/ { alias "+alias+"/; }`",
			fixAliasSlash(l, a, true, true))
	}
}

func checkRegexAlias(p *pass, r *Rule, l *nginx.Location, a *nginx.Directive) {
	alias := a.Args[0]
	for i := 0; i < len(alias); i++ {
		if alias[i] != '$' {
			continue
		}
		n, end := captureRef(l, alias, i+1)
		if n == 0 {
			continue
		}
		group := capture(l.Re.Syntax, n)
		if group == nil {
			continue
		}
		fs := first(group.Sub[0])
		ref := alias[i:end]
		before, _ := charBeforeGroup(l.Match, n)
		slashBefore := strings.HasSuffix(before, "/")
		switch {
		case i > 0 && alias[i-1] == '/':
			if fs.has('.') && !slashBefore {
				p.report(r, Error, a,
					"in `"+l.String()+"`, the alias puts capture "+ref+" right after a slash and the capture can begin with `..` (nothing in the pattern puts a `/` before it), so a request whose captured part is `../secret` reads "+alias[:i]+"../secret, outside the aliased directory; put a `/` before the group in the pattern, or make the group unable to start with a dot")
			}
		case i > 0:
			if fs.hasOther('/') {
				p.report(r, p.siblingLevel(l, alias[:i]), a,
					"in `"+l.String()+"`, the alias glues capture "+ref+" onto `"+alias[:i]+"`, and the capture can begin with something other than `/`, so it can reach siblings of that directory (`"+alias[:i]+"-other/...`); put the `/` in the alias (`"+alias[:i]+"/"+ref+"`) and keep the slash before the group in the pattern")
			}
		}
		i = end - 1
	}
}

// captureRef reads $N, ${N} or $name at alias[i:] and returns the group number.
func captureRef(l *nginx.Location, alias string, i int) (int, int) {
	name, end := nginx.VarName(alias, i)
	if name == "" {
		return 0, end
	}
	if n, err := strconv.Atoi(name); err == nil {
		return n, end
	}
	return captureByName(l.Re.Syntax, name), end
}

// siblingLevel is the severity of an alias that reaches the directories
// next to dir (named like it, or through "-old/..."): a warning, or info
// when those directories are inside a tree the server publishes anyway and
// no protected area is among them, so nothing private is reached.
func (p *pass) siblingLevel(l *nginx.Location, dir string) Severity {
	dir = exposure.CleanDir(dir)
	if dir == "" || dir == "/" || l.Internal() != nil {
		return Warning
	}
	for _, e := range p.exposure.In(l.Server) {
		if e.Kind == exposure.AliasTraversal && e.Loc == l {
			return Warning
		}
	}
	if p.exposure.PublicTree(l.Server, path.Dir(dir)) == nil {
		return Warning
	}
	return Info
}
