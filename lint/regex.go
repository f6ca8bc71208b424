package lint

import (
	"regexp/syntax"
	"strings"
	"unicode"
)

// firstSet describes the characters a regex can start with.
type firstSet struct {
	ranges   [][2]rune
	any      bool
	nullable bool
}

func (f *firstSet) has(r rune) bool {
	if f.any {
		return true
	}
	for _, rg := range f.ranges {
		if r >= rg[0] && r <= rg[1] {
			return true
		}
	}
	return false
}

// hasOther reports whether the set holds some character other than r.
func (f *firstSet) hasOther(r rune) bool {
	if f.any {
		return true
	}
	for _, rg := range f.ranges {
		if rg[0] != r || rg[1] != r {
			return true
		}
	}
	return false
}

func first(re *syntax.Regexp) firstSet {
	switch re.Op {
	case syntax.OpLiteral:
		if len(re.Rune) == 0 {
			return firstSet{nullable: true}
		}
		r := re.Rune[0]
		fs := firstSet{ranges: [][2]rune{{r, r}}}
		if re.Flags&syntax.FoldCase != 0 {
			for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
				fs.ranges = append(fs.ranges, [2]rune{f, f})
			}
		}
		return fs
	case syntax.OpCharClass:
		var fs firstSet
		for i := 0; i+1 < len(re.Rune); i += 2 {
			fs.ranges = append(fs.ranges, [2]rune{re.Rune[i], re.Rune[i+1]})
		}
		return fs
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return firstSet{any: true}
	case syntax.OpCapture, syntax.OpPlus:
		return first(re.Sub[0])
	case syntax.OpStar, syntax.OpQuest:
		fs := first(re.Sub[0])
		fs.nullable = true
		return fs
	case syntax.OpRepeat:
		fs := first(re.Sub[0])
		if re.Min == 0 {
			fs.nullable = true
		}
		return fs
	case syntax.OpConcat:
		out := firstSet{nullable: true}
		for _, sub := range re.Sub {
			fs := first(sub)
			out.ranges = append(out.ranges, fs.ranges...)
			out.any = out.any || fs.any
			if !fs.nullable {
				out.nullable = false
				break
			}
		}
		return out
	case syntax.OpAlternate:
		var out firstSet
		for _, sub := range re.Sub {
			fs := first(sub)
			out.ranges = append(out.ranges, fs.ranges...)
			out.any = out.any || fs.any
			out.nullable = out.nullable || fs.nullable
		}
		return out
	}
	return firstSet{nullable: true}
}

// capture finds capture group n (1-based) in the tree.
func capture(re *syntax.Regexp, n int) *syntax.Regexp {
	if re.Op == syntax.OpCapture && re.Cap == n {
		return re
	}
	for _, s := range re.Sub {
		if c := capture(s, n); c != nil {
			return c
		}
	}
	return nil
}

// captureByName returns the index of the named group, or 0.
func captureByName(re *syntax.Regexp, name string) int {
	if re.Op == syntax.OpCapture && re.Name == name {
		return re.Cap
	}
	for _, s := range re.Sub {
		if n := captureByName(s, name); n != 0 {
			return n
		}
	}
	return 0
}

// charBeforeGroup returns the pattern text that comes right before the
// opening parenthesis of capture group n ("" when the group opens the
// pattern), skipping escapes and character classes.
func charBeforeGroup(src string, n int) (string, bool) {
	count := 0
	inClass := false
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '\\':
			i++
		case inClass:
			if c == ']' {
				inClass = false
			}
		case c == '[':
			inClass = true
			if i+1 < len(src) && src[i+1] == ']' {
				i++
			}
		case c == '(':
			capturing := i+1 >= len(src) || src[i+1] != '?' ||
				strings.HasPrefix(src[i+1:], "?P<") || strings.HasPrefix(src[i+1:], "?<") && !strings.HasPrefix(src[i+1:], "?<=") && !strings.HasPrefix(src[i+1:], "?<!") || strings.HasPrefix(src[i+1:], "?'")
			if capturing {
				count++
				if count == n {
					return src[:i], true
				}
			}
		}
	}
	return "", false
}
