package nginx

import (
	"regexp"
	"regexp/syntax"
	"sync"
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
	bytes    *regexp.Regexp // the same pattern over Latin-1 runes (see compileBytewise)
}

// CompileRegex compiles a location or alias regex as nginx would match it.
func CompileRegex(src string, caseless bool) (*Regexp, error) {
	k := regexKey{src, caseless}
	if re, ok := regexCache.Load(k); ok {
		return re.(*Regexp), nil
	}
	re, err := compileRegex(src, caseless)
	if err == nil {
		regexCache.Store(k, re)
	}
	return re, err
}

type regexKey struct {
	src      string
	caseless bool
}

// regexCache shares compiled patterns: big configs repeat the same location
// regex in every server, and a *Regexp is read-only once compiled.
var regexCache sync.Map // regexKey -> *Regexp

func compileRegex(src string, caseless bool) (*Regexp, error) {
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
	r := &Regexp{Regexp: re, Source: src, Caseless: caseless, Syntax: sx}
	r.bytes = compileBytewise(r)
	return r, nil
}
