package nginx

import (
	"regexp"
	"regexp/syntax"
)

// Regexp is a location regex. nginx uses PCRE; Go's RE2 syntax covers what
// location patterns use in practice (no look-around or back-references:
// such a pattern fails to compile and the location is reported as not
// understood rather than guessed at).
type Regexp struct {
	*regexp.Regexp
	Source   string
	Caseless bool
	Syntax   *syntax.Regexp
}

// CompileRegex compiles a location or alias regex as nginx would match it.
func CompileRegex(src string, caseless bool) (*Regexp, error) {
	expr := src
	if caseless {
		expr = "(?i)" + expr
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, err
	}
	flags := syntax.Perl
	if caseless {
		flags |= syntax.FoldCase
	}
	sx, err := syntax.Parse(src, flags)
	if err != nil {
		return nil, err
	}
	return &Regexp{Regexp: re, Source: src, Caseless: caseless, Syntax: sx}, nil
}
