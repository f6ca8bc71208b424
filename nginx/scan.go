package nginx

import (
	"bytes"
	"fmt"
	"strings"
)

// Pos is a position in a configuration file. Line and Column are 1-based;
// Column counts bytes. Offset is the 0-based byte offset.
type Pos struct {
	File   string
	Line   int
	Column int
	Offset int
}

func (p Pos) String() string {
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Column)
}

// SyntaxError is a configuration that nginx would refuse to read.
type SyntaxError struct {
	Pos Pos
	Msg string
}

func (e *SyntaxError) Error() string { return e.Pos.String() + ": " + e.Msg }

// Comment is a `#` comment with its position, kept for suppressions and edits.
type Comment struct {
	Pos  Pos
	Text string // without the leading '#'
}

// stmt is one statement as the scanner reads it, before the tree is built.
type stmt struct {
	name     string
	args     []string
	rawArgs  []string
	argPos   []Pos
	pos      Pos // start of the directive name
	end      Pos // the ';' or '{'
	block    bool
	blockEnd Pos // the '}' of a block
	children []*stmt
	lua      bool // *_by_lua_block: body is opaque
	luaBody  [2]int
}

// scanner follows ngx_conf_read_token: words separated by whitespace,
// `;`, `{` and `}` as terminators, `#` comments at the start of a word, quoted
// strings with nginx's escapes, and opaque `*_by_lua_block` bodies.
type scanner struct {
	file     string
	src      []byte
	off      int
	line     int
	col      int
	comments []Comment
	depth    int
}

// maxDepth bounds block nesting: nginx itself has no explicit limit, but any
// real configuration stays far below it and deep junk must not exhaust the stack.
const maxDepth = 1000

func scanFile(file string, src []byte) ([]*stmt, []Comment, *SyntaxError) {
	s := &scanner{file: file, src: src, line: 1, col: 1}
	if bytes.HasPrefix(src, []byte("\xef\xbb\xbf")) {
		return nil, nil, s.errAt(s.pos(), "the file starts with a UTF-8 byte order mark, which nginx reads as part of the first directive name; save the file without a BOM")
	}
	if i := bytes.IndexByte(src, 0); i >= 0 {
		p := s.posAtOffset(i)
		return nil, nil, s.errAt(p, "NUL byte in the configuration; this is not a text file nginx can read")
	}
	stmts, err := s.block(nil)
	return stmts, s.comments, err
}

func (s *scanner) pos() Pos { return Pos{File: s.file, Line: s.line, Column: s.col, Offset: s.off} }

func (s *scanner) posAtOffset(off int) Pos {
	line := 1 + bytes.Count(s.src[:off], []byte{'\n'})
	col := off - (bytes.LastIndexByte(s.src[:off], '\n') + 1) + 1
	return Pos{File: s.file, Line: line, Column: col, Offset: off}
}

func (s *scanner) errAt(p Pos, format string, a ...any) *SyntaxError {
	return &SyntaxError{Pos: p, Msg: fmt.Sprintf(format, a...)}
}

func (s *scanner) next() byte {
	c := s.src[s.off]
	s.off++
	if c == '\n' {
		s.line++
		s.col = 1
	} else {
		s.col++
	}
	return c
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// block reads statements until the matching `}` (parent != nil) or EOF.
func (s *scanner) block(parent *stmt) ([]*stmt, *SyntaxError) {
	var out []*stmt
	for {
		st, term, tpos, err := s.statement()
		if err != nil {
			return out, err
		}
		switch term {
		case 0: // EOF
			if parent != nil {
				return out, s.errAt(s.pos(), "unexpected end of file, expecting \"}\" to close %q opened at line %d", parent.name, parent.end.Line)
			}
			return out, nil
		case '}':
			if parent == nil {
				return out, s.errAt(tpos, "unexpected \"}\": there is no block to close here (a stray brace; nginx refuses the file)")
			}
			parent.blockEnd = tpos
			return out, nil
		case ';':
			out = append(out, st)
		case '{':
			st.block = true
			out = append(out, st)
			if strings.HasSuffix(st.name, "_by_lua_block") {
				st.lua = true
				if err := s.luaBody(st); err != nil {
					return out, err
				}
				continue
			}
			s.depth++
			if s.depth > maxDepth {
				return out, s.errAt(st.pos, "blocks nested more than %d deep", maxDepth)
			}
			children, err := s.block(st)
			s.depth--
			st.children = children
			if err != nil {
				return out, err
			}
		}
	}
}

// statement reads words up to a terminator. It returns the terminator
// (';', '{', '}' or 0 for EOF) and its position.
func (s *scanner) statement() (*stmt, byte, Pos, *SyntaxError) {
	var st *stmt
	for {
		// skip whitespace and comments
		for s.off < len(s.src) {
			c := s.src[s.off]
			if isSpace(c) {
				s.next()
				continue
			}
			if c == '#' {
				p := s.pos()
				start := s.off + 1
				for s.off < len(s.src) && s.src[s.off] != '\n' {
					s.next()
				}
				s.comments = append(s.comments, Comment{Pos: p, Text: strings.TrimRight(string(s.src[start:s.off]), "\r")})
				continue
			}
			break
		}
		if s.off >= len(s.src) {
			if st != nil {
				return nil, 0, Pos{}, s.errAt(s.pos(), "unexpected end of file, expecting \";\" or \"}\" after %q", st.name)
			}
			return nil, 0, s.pos(), nil
		}
		p := s.pos()
		c := s.src[s.off]
		switch c {
		case ';', '{':
			s.next()
			if st == nil {
				return nil, 0, Pos{}, s.errAt(p, "unexpected %q with no directive before it", string(c))
			}
			st.end = p
			return st, c, p, nil
		case '}':
			s.next()
			if st != nil {
				return nil, 0, Pos{}, s.errAt(p, "unexpected \"}\": the directive %q is not terminated by \";\"", st.name)
			}
			return nil, '}', p, nil
		}
		raw, val, err := s.word()
		if err != nil {
			return nil, 0, Pos{}, err
		}
		if st == nil {
			st = &stmt{name: val, pos: p}
			continue
		}
		st.args = append(st.args, val)
		st.rawArgs = append(st.rawArgs, raw)
		st.argPos = append(st.argPos, p)
	}
}

// word reads one token starting at the current offset and returns its raw
// text and its value after nginx's unescaping.
func (s *scanner) word() (string, string, *SyntaxError) {
	start := s.off
	startPos := s.pos()
	c := s.src[s.off]
	if c == '"' || c == '\'' {
		q := c
		s.next()
		for {
			if s.off >= len(s.src) {
				return "", "", s.errAt(startPos, "unterminated quoted string (opened with %c)", q)
			}
			c := s.next()
			if c == '\\' {
				if s.off < len(s.src) {
					s.next()
				}
				continue
			}
			if c == q {
				break
			}
		}
		raw := string(s.src[start:s.off])
		// after a closing quote nginx needs a space, ';', '{' or ')'
		if s.off < len(s.src) {
			n := s.src[s.off]
			if !isSpace(n) && n != ';' && n != '{' && n != ')' {
				return "", "", s.errAt(s.pos(), "unexpected %q right after a quoted string; put a space between the tokens", string(n))
			}
		}
		return raw, unescape(raw[1 : len(raw)-1]), nil
	}
	variable := false
	for s.off < len(s.src) {
		c := s.src[s.off]
		if c == '{' && variable {
			s.next()
			continue
		}
		variable = false
		if isSpace(c) || c == ';' || c == '{' {
			break
		}
		if c == '\\' {
			s.next()
			if s.off < len(s.src) {
				s.next()
			}
			continue
		}
		if c == '$' {
			variable = true
		}
		s.next()
	}
	raw := string(s.src[start:s.off])
	return raw, unescape(raw), nil
}

// unescape applies the escapes nginx resolves in every token:
// \" \' \\ become the character, \t \r \n become control characters,
// and any other backslash is kept.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			switch s[i+1] {
			case '"', '\'', '\\':
				b.WriteByte(s[i+1])
				i++
				continue
			case 't':
				b.WriteByte('\t')
				i++
				continue
			case 'r':
				b.WriteByte('\r')
				i++
				continue
			case 'n':
				b.WriteByte('\n')
				i++
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// luaBody skips the Lua code of a *_by_lua_block up to its closing brace,
// honouring Lua strings, long brackets and comments.
func (s *scanner) luaBody(st *stmt) *SyntaxError {
	depth := 1
	st.luaBody[0] = s.off
	for s.off < len(s.src) {
		c := s.src[s.off]
		switch {
		case c == '-' && s.off+1 < len(s.src) && s.src[s.off+1] == '-':
			s.next()
			s.next()
			if lvl, ok := s.longBracketLevel(); ok {
				if err := s.skipLongBracket(lvl); err != nil {
					return err
				}
				continue
			}
			for s.off < len(s.src) && s.src[s.off] != '\n' {
				s.next()
			}
		case c == '[':
			if lvl, ok := s.longBracketLevel(); ok {
				if err := s.skipLongBracket(lvl); err != nil {
					return err
				}
				continue
			}
			s.next()
		case c == '"' || c == '\'':
			p := s.pos()
			s.next()
			for {
				if s.off >= len(s.src) || s.src[s.off] == '\n' {
					return s.errAt(p, "unterminated string in Lua code of %q", st.name)
				}
				d := s.next()
				if d == '\\' && s.off < len(s.src) {
					s.next()
					continue
				}
				if d == c {
					break
				}
			}
		case c == '{':
			depth++
			s.next()
		case c == '}':
			depth--
			if depth == 0 {
				st.luaBody[1] = s.off
				st.blockEnd = s.pos()
				s.next()
				return nil
			}
			s.next()
		default:
			s.next()
		}
	}
	return s.errAt(st.pos, "unexpected end of file in the Lua code of %q: its closing \"}\" is missing", st.name)
}

func (s *scanner) longBracketLevel() (int, bool) {
	if s.off >= len(s.src) || s.src[s.off] != '[' {
		return 0, false
	}
	i := s.off + 1
	for i < len(s.src) && s.src[i] == '=' {
		i++
	}
	if i < len(s.src) && s.src[i] == '[' {
		return i - s.off - 1, true
	}
	return 0, false
}

func (s *scanner) skipLongBracket(level int) *SyntaxError {
	p := s.pos()
	closer := "]" + strings.Repeat("=", level) + "]"
	for i := 0; i < level+2; i++ {
		s.next()
	}
	idx := bytes.Index(s.src[s.off:], []byte(closer))
	if idx < 0 {
		return s.errAt(p, "unterminated Lua long string or comment")
	}
	for end := s.off + idx + len(closer); s.off < end; {
		s.next()
	}
	return nil
}
