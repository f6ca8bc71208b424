package exposure

import (
	"regexp/syntax"
	"strings"
	"unicode"

	"github.com/xaccel/xaccel/nginx"
)

// samples returns strings that regex location l matches, built from its
// structure (alternatives expanded, optional parts both left out and taken
// once) and each confirmed the way nginx matches. At most max are returned.
func samples(l *nginx.Location, max int) []string {
	gen := generate(l.Re.Syntax, max)
	var out []string
	seen := map[string]bool{}
	for _, s := range gen {
		if !seen[s] && l.MatchURI(s) != nil {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func generate(re *syntax.Regexp, max int) []string {
	switch re.Op {
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			return []string{strings.ToLower(string(re.Rune))}
		}
		return []string{string(re.Rune)}
	case syntax.OpCharClass:
		return []string{string(pickRune(re.Rune))}
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return []string{"x"}
	case syntax.OpCapture:
		return generate(re.Sub[0], max)
	case syntax.OpStar, syntax.OpQuest:
		return capped(append([]string{""}, generate(re.Sub[0], max)...), max)
	case syntax.OpPlus:
		return generate(re.Sub[0], max)
	case syntax.OpRepeat:
		if re.Min == 0 {
			return capped(append([]string{""}, generate(re.Sub[0], max)...), max)
		}
		one := generate(re.Sub[0], max)
		out := make([]string, len(one))
		for i, s := range one {
			out[i] = strings.Repeat(s, re.Min)
		}
		return out
	case syntax.OpConcat:
		acc := []string{""}
		for _, sub := range re.Sub {
			parts := generate(sub, max)
			var next []string
			for _, a := range acc {
				for _, b := range parts {
					next = append(next, a+b)
					if len(next) >= max {
						break
					}
				}
			}
			acc = next
		}
		return acc
	case syntax.OpAlternate:
		var out []string
		for _, sub := range re.Sub {
			out = append(out, generate(sub, max)...)
		}
		return capped(out, max)
	}
	return []string{""}
}

func capped(s []string, max int) []string {
	if len(s) > max {
		return s[:max]
	}
	return s
}

// pickRune chooses a representative character of a class: a letter or
// digit when possible, never a character with meaning in a URI path.
func pickRune(ranges []rune) rune {
	var fallback rune = -1
	for i := 0; i+1 < len(ranges); i += 2 {
		for r := ranges[i]; r <= ranges[i+1] && r < ranges[i]+256; r++ {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				return r
			}
			if fallback < 0 && r > ' ' && r != '/' && r != '?' && r != '#' && r != '%' && r < 0x7f {
				fallback = r
			}
		}
	}
	if fallback >= 0 {
		return fallback
	}
	if len(ranges) > 0 {
		return ranges[0]
	}
	return 'x'
}

// regexLiteralPrefix returns the literal text a regex starts with after ^.
func regexLiteralPrefix(re string) string {
	re = strings.TrimPrefix(re, "^")
	for i := 0; i < len(re); i++ {
		if strings.ContainsRune(`\.[](){}*+?|$^`, rune(re[i])) {
			return re[:i]
		}
	}
	return re
}

// SampleNames are file names tried under a prefix; several extensions, so
// that a regex location for one type does not hide the prefix location.
var SampleNames = []string{"example.txt", "example.pdf", "example.jpg", "example"}

// uris returns URIs that may be routed to l: files under a prefix, the
// exact name, or strings the regex matches. The caller confirms each one
// with the routing model.
func uris(l *nginx.Location) []string {
	switch {
	case l.Modifier == "=":
		return []string{l.Match}
	case l.IsPrefix():
		return namesUnder(l.Match)
	case l.IsRegex() && l.Re != nil:
		return samples(l, 16)
	}
	return nil
}

// namesUnder returns the sample names under a URL prefix.
func namesUnder(pre string) []string {
	var out []string
	for _, n := range SampleNames {
		out = append(out, JoinURI(pre, n))
	}
	return out
}

// underPrefixMatching returns URIs that start with pre and that regex
// location r matches, built from the regex's own samples.
func underPrefixMatching(pre string, r *nginx.Location) []string {
	if r.Re == nil {
		return nil
	}
	return underPrefixFrom(pre, r, samples(r, 32))
}

// samplesOf is samples(l, 32), made once per location.
func (a *Analysis) samplesOf(l *nginx.Location) []string {
	if ss, ok := a.sampleCache[l]; ok {
		return ss
	}
	ss := samples(l, 32)
	if a.sampleCache == nil {
		a.sampleCache = map[*nginx.Location][]string{}
	}
	a.sampleCache[l] = ss
	return ss
}

// underPrefixFrom is underPrefixMatching with r's samples already made.
func underPrefixFrom(pre string, r *nginx.Location, samples []string) []string {
	if r.Re == nil {
		return nil
	}
	if !strings.HasSuffix(pre, "/") {
		pre += "/"
	}
	var out []string
	seen := map[string]bool{}
	add := func(u string) {
		if !seen[u] && strings.HasPrefix(u, pre) && r.MatchURI(u) != nil {
			seen[u] = true
			out = append(out, u)
		}
	}
	for _, s := range samples {
		switch {
		case strings.HasPrefix(s, pre):
			add(s)
		case strings.HasPrefix(s, "/"):
			add(pre + s[1:])
			add(pre + "x" + s)
		default:
			add(pre + "x" + s)
			add(pre + s)
			add(pre + "x/x" + s)
		}
	}
	return out
}

// anchoredLiteral is the literal text every match of re starts with at the
// start of the URI ("/r1/" for ^/r1/(.*)), "" when re is not anchored or
// starts with no literal; fold is set when the literal ignores case.
func anchoredLiteral(re *syntax.Regexp) (lit string, fold bool) {
	if re == nil || re.Op != syntax.OpConcat || len(re.Sub) == 0 || re.Sub[0].Op != syntax.OpBeginText {
		return "", false
	}
	var b strings.Builder
	for _, sub := range re.Sub[1:] {
		if sub.Op != syntax.OpLiteral {
			break
		}
		fold = fold || sub.Flags&syntax.FoldCase != 0
		b.WriteString(string(sub.Rune))
	}
	return b.String(), fold
}

// prefixesMeet reports whether a URI under the prefix pre can start with
// lit (one of them begins the other); an empty lit meets every prefix.
func prefixesMeet(pre, lit string, fold bool) bool {
	if lit == "" {
		return true
	}
	if fold {
		pre, lit = strings.ToLower(pre), strings.ToLower(lit)
	}
	return strings.HasPrefix(pre, lit) || strings.HasPrefix(lit, pre) || strings.HasPrefix(lit, strings.TrimSuffix(pre, "/"))
}
