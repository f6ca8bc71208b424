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

// scanner follows ngx_conf_read_token: words separated by whitespace,
// `;`, `{` and `}` as terminators, `#` comments at the start of a word, quoted
// strings with nginx's escapes, and opaque `*_by_lua_block` bodies.
type scanner struct {
	names map[string]string
	file  string
	src   []byte
	text  string // src as a string, once: words and comments are its substrings

	// Directives and their argument slices are cut from shared chunks,
	// a few allocations per thousand statements instead of several each.
	dirs     []Directive
	strs     []string
	poss     []Pos
	args     []string // the statement being read, reused
	raws     []string
	argPos   []Pos
	off      int
	line     int
	col      int
	comments []Comment
	depth    int
}

// maxDepth bounds block nesting: nginx itself has no explicit limit, but any
// real configuration stays far below it and deep junk must not exhaust the stack.
const maxDepth = 1000

// scanFile reads one file into directives. It alone builds the tree;
// gonginx only checks it, in tests (oracle_test.go).
func scanFile(file string, src []byte) ([]*Directive, []Comment, *SyntaxError) {
	s := &scanner{file: file, src: src, text: string(src), line: 1, col: 1}
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

// intern returns one shared copy of each directive name: a big config
// repeats a few dozen names hundreds of thousands of times.
func (s *scanner) intern(name string) string {
	if v, ok := s.names[name]; ok {
		return v
	}
	if s.names == nil {
		s.names = map[string]string{}
	}
	s.names[name] = name
	return name
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
func (s *scanner) block(parent *Directive) ([]*Directive, *SyntaxError) {
	var out []*Directive
	for {
		st, term, tpos, err := s.statement()
		if err != nil {
			return out, err
		}
		switch term {
		case 0: // EOF
			if parent != nil {
				return out, s.errAt(s.pos(), "unexpected end of file, expecting \"}\" to close %q opened at line %d", parent.Name, parent.End.Line)
			}
			return out, nil
		case '}':
			if parent == nil {
				return out, s.errAt(tpos, "unexpected \"}\": there is no block to close here (a stray brace; nginx refuses the file)")
			}
			parent.BlockEnd = tpos
			return out, nil
		case ';':
			if err := s.checkName(st, parent); err != nil {
				return out, err
			}
			out = append(out, st)
		case '{':
			if parent != nil && customHandlerBlocks[parent.Name] {
				// ngx_conf_parse refuses any block inside a block whose
				// lines are read by a custom handler (map, geo, types, ...).
				return out, s.errAt(tpos, "unexpected \"{\": inside %q every line is an entry and cannot open a block (a regex with {n,m} must be quoted, e.g. \"~^a{2}$\")", parent.Name)
			}
			if err := s.checkName(st, parent); err != nil {
				return out, err
			}
			st.IsBlock = true
			out = append(out, st)
			if strings.HasSuffix(st.Name, "_by_lua_block") {
				st.Opaque = true
				if err := s.luaBody(st); err != nil {
					return out, err
				}
				continue
			}
			s.depth++
			if s.depth > maxDepth {
				return out, s.errAt(st.Pos, "blocks nested more than %d deep", maxDepth)
			}
			children, err := s.block(st)
			s.depth--
			st.Block = children
			if err != nil {
				return out, err
			}
		}
	}
}

// customHandlerBlocks are the blocks nginx reads with a custom handler
// (cf->handler): their lines are entries, not directives, and a "{" inside
// them is an error.
var customHandlerBlocks = map[string]bool{
	"map": true, "geo": true, "types": true, "split_clients": true, "charset_map": true,
}

// checkName refuses a directive name containing a control character: nginx
// reads a vertical tab, a form feed or a NUL as part of the name, so no
// module can ever know the directive ("unknown directive"). Entries of map,
// geo and the like are keys, not directive names, and are not checked.
func (s *scanner) checkName(st *Directive, parent *Directive) *SyntaxError {
	if parent != nil && (customHandlerBlocks[parent.Name] || parent.Opaque) {
		return nil
	}
	for i := 0; i < len(st.Name); i++ {
		if c := st.Name[i]; c < 0x20 || c == 0x7f {
			return s.errAt(st.Pos, "unknown directive %q: the name contains the control character %q, which nginx reads as part of the name (only space, tab, CR and LF separate words)", st.Name, string(c))
		}
	}
	return nil
}

// statement reads words up to a terminator. It returns the terminator
// (';', '{', '}' or 0 for EOF) and its position.
func (s *scanner) statement() (*Directive, byte, Pos, *SyntaxError) {
	var st *Directive
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
				if err := s.checkLength(p, s.off, false, false); err != nil {
					return nil, 0, Pos{}, err
				}
				s.comments = append(s.comments, Comment{Pos: p, Text: strings.TrimRight(s.text[start:s.off], "\r")})
				continue
			}
			break
		}
		if s.off >= len(s.src) {
			if st != nil {
				return nil, 0, Pos{}, s.errAt(s.pos(), "unexpected end of file, expecting \";\" or \"}\" after %q", st.Name)
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
			st.End = p
			s.finish(st)
			return st, c, p, nil
		case '}':
			s.next()
			if st != nil {
				return nil, 0, Pos{}, s.errAt(p, "unexpected \"}\": the directive %q is not terminated by \";\"", st.Name)
			}
			return nil, '}', p, nil
		}
		raw, val, err := s.word()
		if err != nil {
			return nil, 0, Pos{}, err
		}
		if st == nil {
			st = s.newDirective()
			st.Name, st.Pos = s.intern(val), p
			s.args, s.raws, s.argPos = s.args[:0], s.raws[:0], s.argPos[:0]
			continue
		}
		s.args = append(s.args, val)
		s.raws = append(s.raws, raw)
		s.argPos = append(s.argPos, p)
	}
}

// chunk is how many directives (or argument slots) one shared allocation
// holds.
const chunk = 256

// newDirective returns a zero Directive from the current chunk.
func (s *scanner) newDirective() *Directive {
	if len(s.dirs) == 0 {
		s.dirs = make([]Directive, chunk)
	}
	d := &s.dirs[0]
	s.dirs = s.dirs[1:]
	return d
}

// finish gives st its arguments, read into the scanner's scratch slices,
// as slices of the shared chunks whose capacity ends with them (an append
// by a later user copies instead of overwriting a neighbour's).
func (s *scanner) finish(st *Directive) {
	n := len(s.args)
	if n == 0 {
		return
	}
	if len(s.strs) < 2*n {
		s.strs = make([]string, max(chunk, 2*n))
	}
	if len(s.poss) < n {
		s.poss = make([]Pos, max(chunk, n))
	}
	st.Args = s.strs[:n:n]
	st.RawArgs = s.strs[n : 2*n : 2*n]
	st.ArgPos = s.poss[:n:n]
	copy(st.Args, s.args)
	copy(st.RawArgs, s.raws)
	copy(st.ArgPos, s.argPos)
	s.strs = s.strs[2*n:]
	s.poss = s.poss[n:]
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
				if err := s.checkLength(startPos, s.off, true, true); err != nil {
					return "", "", err
				}
				return "", "", s.errAt(s.pos(), "unexpected end of file: the quoted string opened with %c at line %d, column %d is never closed", q, startPos.Line, startPos.Column)
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
		raw := s.text[start:s.off]
		// nginx's token start stays after the opening quote until the
		// character after the closing quote (and a blank there) is read.
		limit := s.off
		if limit < len(s.src) && isSpace(s.src[limit]) {
			limit++
		}
		if err := s.checkLength(startPos, limit, true, false); err != nil {
			return "", "", err
		}
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
	raw := s.text[start:s.off]
	limit := s.off
	if limit < len(s.src) && isSpace(s.src[limit]) {
		limit++ // nginx reads the blank that ends the word before it moves its token start
	}
	if err := s.checkLength(startPos, limit, false, false); err != nil {
		return "", "", err
	}
	return raw, unescape(raw), nil
}

// ngxConfBuffer is NGX_CONF_BUFFER, the size of the buffer nginx reads a
// configuration file through: one token (a word, a quoted string with the
// character after it, or a comment) must fit in it.
const ngxConfBuffer = 4096

// checkLength reproduces ngx_conf_read_token's "too long parameter" error.
// nginx keeps the current token from its start in a 4096-byte buffer; when
// the buffer is full and more of the file remains, it gives up. start is
// where the token begins (the opening quote for quoted strings, whose
// content nginx counts from the next byte; the '#' of a comment) and limit is
// the offset after the last byte nginx reads before it moves its token
// start or returns. unterminated says the closing quote was never found.
func (s *scanner) checkLength(start Pos, limit int, quoted, unterminated bool) *SyntaxError {
	from := start.Offset
	if quoted {
		from++
	}
	if limit-from < ngxConfBuffer || from+ngxConfBuffer >= len(s.src) {
		return nil
	}
	if quoted && (unterminated || from+ngxConfBuffer <= s.quoteEnd(from)) {
		return s.errAt(start, "too long parameter, probably missing terminating %q character: nginx reads at most %d bytes of one quoted string", string(s.src[start.Offset]), ngxConfBuffer-1)
	}
	head := s.src[from:min(from+10, len(s.src))]
	return s.errAt(start, "too long parameter %q started: nginx reads at most %d bytes of one word, quoted string or comment", string(head)+"...", ngxConfBuffer-1)
}

// quoteEnd returns the offset of the quote closing the string whose content
// starts at from (the quote character is src[from-1]), or len(src).
func (s *scanner) quoteEnd(from int) int {
	q := s.src[from-1]
	for i := from; i < len(s.src); i++ {
		switch s.src[i] {
		case '\\':
			i++
		case q:
			return i
		}
	}
	return len(s.src)
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
func (s *scanner) luaBody(st *Directive) *SyntaxError {
	depth := 1
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
					return s.errAt(p, "unterminated string in Lua code of %q", st.Name)
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
				st.BlockEnd = s.pos()
				s.next()
				return nil
			}
			s.next()
		default:
			s.next()
		}
	}
	return s.errAt(st.Pos, "unexpected end of file in the Lua code of %q: its closing \"}\" is missing", st.Name)
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
