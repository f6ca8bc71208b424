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

// redirectRules are the proxy_redirect rules in effect for a location
// proxying to t: `off` gives none; `default` (and no proxy_redirect at all)
// gives the proxy_pass URL → the location name, or URL + "/" → "/" when
// proxy_pass has no URI part (ngx_http_proxy_redirect); other rules are
// literal prefixes, case-sensitive, or regular expressions (~, ~* without
// case); a regex Go cannot run is reported by New and skipped.
func (h *Handler) redirectRules(rq *request, l *nginx.Location, t passTarget, pass string) []redirectRule {
	ds := nginx.Effective(l.Levels(), "proxy_redirect")
	def := func() redirectRule {
		if t.hasURI {
			return redirectRule{pattern: pass, replacement: l.Match}
		}
		return redirectRule{pattern: pass + "/", replacement: "/"}
	}
	if len(ds) == 0 {
		return []redirectRule{def()}
	}
	var rules []redirectRule
	for _, d := range ds {
		switch {
		case len(d.Args) == 1 && d.Args[0] == "off":
			rules = nil
		case len(d.Args) == 1 && d.Args[0] == "default":
			rules = append(rules, def())
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
	return rules
}

// rewriteLocation is ngx_http_upstream_rewrite_location with the proxy
// module's rewrite: the first proxy_redirect rule whose pattern starts the
// value replaces it; a rewritten value that starts with '/' is made
// absolute by the header filter (absolute_redirect on), an untouched one is
// passed as it is.
func (h *Handler) rewriteLocation(rq *request, l *nginx.Location, t passTarget, v string) string {
	pass := h.passURL(l, rq)
	for _, rule := range h.redirectRules(rq, l, t, pass) {
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
func (h *Handler) rewriteRefresh(rq *request, l *nginx.Location, t passTarget, v string) string {
	i := strings.Index(strings.ToLower(v), "url=")
	if i < 0 {
		return v
	}
	i += 4
	pass := h.passURL(l, rq)
	for _, rule := range h.redirectRules(rq, l, t, pass) {
		if nv, ok := h.apply(rq, rule, v[i:]); ok {
			return v[:i] + nv
		}
	}
	return v
}
