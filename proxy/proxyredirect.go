//go:build unix

// proxy_redirect and its kin: the Location and Refresh headers of an
// app's answer rewritten as nginx does (the default rule from proxy_pass,
// the rules written, and "off").

package proxy

import (
	"strings"

	"github.com/xaccel/xaccel/nginx"
)

// redirectRule is one proxy_redirect replacement.
type redirectRule struct {
	pattern, replacement string
	// re is a regex rule's (~ or ~*): when it matches anywhere in the
	// value (a search, as PCRE runs it), the replacement, with its
	// captures, becomes the whole value.
	re  *nginx.Regexp
	raw string // a regex rule's replacement as written
}

// apply returns what rule makes of v, and whether it matched.
func (h *Handler) apply(rq *request, rule redirectRule, v string) (string, bool) {
	if rule.re == nil {
		if strings.HasPrefix(v, rule.pattern) {
			return rule.replacement + v[len(rule.pattern):], true
		}
		return v, false
	}
	m := rule.re.FindStringSubmatchIndex(v)
	if m == nil {
		return v, false
	}
	h.setCaptures(rq, rule.re, v, m)
	return h.expand(rq, rule.raw), true
}

// redirectRules are the proxy_redirect rules in effect for a location, as
// ngx_http_proxy_merge_loc_conf leaves them from the http level down to l:
// a level with proxy_redirect has its own rules (none for `off`, which the
// levels below keep unless they have rules of their own); a level without
// takes those of the level above it, and when that has none, the default
// rule of its own proxy_pass if it has one without variables: its URL →
// the location's name, or URL + "/" → "/" when the URL has no URI part (or
// the location is a regex or named one). So a nested location without
// proxy_redirect keeps its parent's default rule, made from the parent's
// proxy_pass, not one from its own. `default` written at a level is that
// level's default rule. Other rules are literal prefixes, case-sensitive,
// or regular expressions (~, ~* without case); a regex Go cannot run is
// reported by New and skipped.
func (h *Handler) redirectRules(rq *request, l *nginx.Location) []redirectRule {
	type level struct {
		dir  *nginx.Directive
		name string // plcf->location: the location's name, "" for a regex or named one
	}
	var chain []level
	if rq.ifPass != nil {
		// The if block's configuration, merged with its location's.
		chain = append(chain, level{dir: rq.ifBlock})
	}
	for x := l; x != nil; x = x.Parent {
		name := ""
		if x.IsPrefix() || x.Modifier == "=" {
			name = x.Match
		}
		chain = append(chain, level{x.Dir, name})
	}
	for _, d := range l.Server.Levels() {
		chain = append(chain, level{dir: d})
	}
	on, set := true, false // plcf->redirect, and plcf->redirects != NULL
	var rules []redirectRule
	for i := len(chain) - 1; i >= 0; i-- {
		lv := chain[i]
		if lv.dir == nil {
			continue
		}
		var def *redirectRule
		if pd := lv.dir.First("proxy_pass"); pd != nil && !strings.Contains(pd.Arg(0), "$") {
			if t, ok := parsePass(pd.Arg(0)); ok {
				r := redirectRule{pattern: pd.Arg(0) + "/", replacement: "/"}
				if t.hasURI {
					r = redirectRule{pattern: pd.Arg(0), replacement: lv.name}
				}
				def = &r
			}
		}
		ds := lv.dir.Find("proxy_redirect")
		switch {
		case len(ds) == 1 && len(ds[0].Args) == 1 && ds[0].Args[0] == "off":
			on, set, rules = false, false, nil
		case len(ds) > 0:
			on, set, rules = true, true, nil
			for _, d := range ds {
				switch {
				case len(d.Args) == 1 && d.Args[0] == "default":
					if def != nil {
						rules = append(rules, *def)
					}
				case len(d.Args) == 2 && !strings.HasPrefix(d.Args[0], "~"):
					rules = append(rules, redirectRule{pattern: h.expand(rq, d.Args[0]), replacement: h.expand(rq, d.Args[1])})
				case len(d.Args) == 2:
					pat, fold := d.Args[0][1:], false
					if strings.HasPrefix(pat, "*") {
						pat, fold = pat[1:], true
					}
					if re, err := nginx.CompileRegex(pat, fold); err == nil {
						rules = append(rules, redirectRule{re: re, raw: d.Args[1]})
					}
				}
			}
		case on && !set && def != nil:
			set, rules = true, []redirectRule{*def}
		}
	}
	if !on {
		return nil
	}
	return rules
}

// rewriteLocation is ngx_http_upstream_rewrite_location with the proxy
// module's rewrite: the first proxy_redirect rule whose pattern starts the
// value replaces it; a rewritten value that starts with '/' is made
// absolute by the header filter (absolute_redirect on), an untouched one is
// passed as it is.
func (h *Handler) rewriteLocation(rq *request, l *nginx.Location, v string) string {
	for _, rule := range h.redirectRules(rq, l) {
		if nv, ok := h.apply(rq, rule, v); ok {
			if strings.HasPrefix(nv, "/") {
				nv = h.redirectBase(rq, l) + nv
			}
			return nv
		}
	}
	return v
}

// rewriteRefresh applies the proxy_redirect rules to the URL after "url="
// in a Refresh header.
func (h *Handler) rewriteRefresh(rq *request, l *nginx.Location, v string) string {
	i := strings.Index(strings.ToLower(v), "url=")
	if i < 0 {
		return v
	}
	i += 4
	for _, rule := range h.redirectRules(rq, l) {
		if nv, ok := h.apply(rq, rule, v[i:]); ok {
			return v[:i] + nv
		}
	}
	return v
}
