package lint

// Text edits: what a fix is made of. A rule that knows the repair attaches
// edits to its finding: byte ranges of the file that holds the statement,
// computed from the positions the scanner recorded (the helpers here
// insert statements with the file's own indentation and line ends).
// ApplyFixes applies the edits of many findings at once.

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/xaccel/xaccel/nginx"
)

// source returns the content of a file of the configuration being linted.
func (p *pass) source(file string) []byte {
	for _, f := range p.cfg.Files {
		if f.Path == file {
			return f.Src
		}
	}
	return nil
}

// A file included more than once puts the same text in several places of
// the tree (a snippet in the http and the https server). An edit of that
// text changes every place, so a fix is attached only when the rule reports
// every copy of the statement with the same fix; a copy it does not report
// (guarded there, say) or fixes differently drops the fix from all of them.
// The bookkeeping lives in pass.sharedFixes.

type sharedState struct {
	copies  map[stmtPos]int // statements that occur more than once: how often
	reports map[sharedKey]*sharedReport
}

type stmtPos struct {
	file string
	off  int
}

type sharedKey struct {
	rule string
	at   stmtPos
}

type sharedReport struct {
	n      int
	fix    []Edit
	differ bool
}

// attachFix sets fix on the finding just reported about statement d.
func (p *pass) attachFix(d *nginx.Directive, fix []Edit) {
	last := len(p.findings) - 1
	p.findings[last].Fix = fix
	st := p.shared()
	at := stmtPos{d.Pos.File, d.Pos.Offset}
	k := st.copies[at]
	if k < 2 {
		return
	}
	rule := p.findings[last].Rule
	r := st.reports[sharedKey{rule, at}]
	if r == nil {
		r = &sharedReport{fix: fix}
		st.reports[sharedKey{rule, at}] = r
	} else if !sameEdits(r.fix, fix) {
		r.differ = true
	}
	r.n++
	var final []Edit
	if r.n == k && !r.differ {
		final = r.fix
	}
	for i := range p.findings {
		if f := &p.findings[i]; f.Rule == rule && f.Pos.File == at.file && f.Pos.Offset == at.off {
			f.Fix = final
		}
	}
}

// shared returns the pass's table of repeated statements, built on first
// use: the locations and their aliases that occur more than once.
func (p *pass) shared() *sharedState {
	if p.sharedFixes != nil {
		return p.sharedFixes
	}
	count := map[stmtPos]int{}
	for _, s := range p.cfg.Servers {
		for _, l := range s.AllLocations() {
			count[stmtPos{l.Dir.Pos.File, l.Dir.Pos.Offset}]++
			for _, a := range l.Dir.Find("alias") {
				count[stmtPos{a.Pos.File, a.Pos.Offset}]++
			}
		}
	}
	st := &sharedState{copies: map[stmtPos]int{}, reports: map[sharedKey]*sharedReport{}}
	for at, n := range count {
		if n > 1 {
			st.copies[at] = n
		}
	}
	p.sharedFixes = st
	return st
}

// statement is a statement to insert: new text, or one copied from a line
// indented with indent.
type statement struct {
	text, indent string
}

// insertAfter returns the edit that adds stmts right after the byte at
// anchor, which must be term (a block's '{' or a statement's ';'). When only
// blanks or a comment follow the anchor on its line, the statements go on
// lines of their own after that line, indented with indent() and ended like
// it (\n or \r\n), so that the line itself stays as it was; the
// continuation lines of a copied multi-line statement keep their indentation
// relative to its first line. Otherwise (a block on one line) they go on the
// anchor's line, after a space.
func insertAfter(src []byte, file string, anchor int, term byte, indent func() string, stmts []statement) (Edit, bool) {
	if anchor < 0 || anchor >= len(src) || src[anchor] != term {
		return Edit{}, false
	}
	i := anchor + 1
	for i < len(src) && (src[i] == ' ' || src[i] == '\t') {
		i++
	}
	ownLine := i < len(src) && (src[i] == '\n' || src[i] == '#' || src[i] == '\r' && i+1 < len(src) && src[i+1] == '\n')
	if !ownLine {
		var b strings.Builder
		for _, s := range stmts {
			b.WriteString(" " + s.text)
		}
		if anchor+1 < len(src) && !isBlank(src[anchor+1]) {
			b.WriteString(" ") // `{}` becomes `{ internal; }`, `{alias x;}` becomes `{ internal; alias x;}`
		}
		return Edit{File: file, Start: anchor + 1, End: anchor + 1, Text: b.String()}, true
	}
	end := bytes.IndexByte(src[anchor:], '\n')
	if end < 0 {
		return Edit{}, false // a comment running to the end of the file: no block closes after it
	}
	end += anchor
	eol := "\n"
	if end > anchor && src[end-1] == '\r' {
		end--
		eol = "\r\n"
	}
	ind := indent()
	var b strings.Builder
	for _, s := range stmts {
		b.WriteString(eol)
		b.WriteString(ind)
		b.WriteString(reindent(s.text, s.indent, ind, eol))
	}
	return Edit{File: file, Start: end, End: end, Text: b.String()}, true
}

// reindent moves the continuation lines of a statement copied from a line
// indented with from to a line indented with to, and ends them with eol.
// A line break inside a quoted string is part of a value and stays as it is.
func reindent(stmt, from, to, eol string) string {
	if !strings.Contains(stmt, "\n") {
		return stmt
	}
	var b strings.Builder
	var quote byte
	for i := 0; i < len(stmt); i++ {
		c := stmt[i]
		switch {
		case quote != 0:
			if c == '\\' && i+1 < len(stmt) {
				b.WriteByte(c)
				i++
				c = stmt[i]
			} else if c == quote {
				quote = 0
			}
		case (c == '"' || c == '\'') && (i == 0 || isBlank(stmt[i-1])):
			quote = c // nginx opens a quoted string only at the start of a word
		case c == '#' && i > 0 && isBlank(stmt[i-1]):
			j := strings.IndexByte(stmt[i:], '\n')
			if j < 0 {
				j = len(stmt) - i
			}
			b.WriteString(strings.TrimSuffix(stmt[i:i+j], "\r"))
			i += j - 1
			continue
		case c == '\r' && i+1 < len(stmt) && stmt[i+1] == '\n':
			continue
		case c == '\n':
			b.WriteString(eol)
			if strings.HasPrefix(stmt[i+1:], from) {
				b.WriteString(to)
				i += len(from)
			}
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// indentOf returns the blanks that start the line holding off, and whether
// nothing else comes before off on that line.
func indentOf(src []byte, off int) (string, bool) {
	if off > len(src) {
		return "", false
	}
	start := bytes.LastIndexByte(src[:off], '\n') + 1
	i := start
	for i < off && (src[i] == ' ' || src[i] == '\t') {
		i++
	}
	return string(src[start:i]), i == off
}

// childIndent is the indentation of a new line inside block d: that of a
// child that starts a line of its own, else d's own line indented one unit
// deeper.
func (p *pass) childIndent(src []byte, d *nginx.Directive) string {
	for _, c := range d.Block {
		if c.Pos.File == d.Pos.File && c.Pos.Line > d.End.Line {
			if ind, first := indentOf(src, c.Pos.Offset); first {
				return ind
			}
		}
	}
	own, _ := indentOf(src, d.Pos.Offset)
	return own + p.indentUnit(src, d)
}

// indentUnit guesses the file's indentation step: from d and the block
// holding it, else from the first block of the file whose child starts a
// line of its own, else a tab when d is indented with tabs, else 4 spaces.
func (p *pass) indentUnit(src []byte, d *nginx.Directive) string {
	if u, ok := stepBetween(src, d.Parent, d); ok {
		return u
	}
	// a bounded look, in document order: a file written on one line has no
	// step to find
	budget := 5000
	var find func(b *nginx.Directive) (string, bool)
	find = func(b *nginx.Directive) (string, bool) {
		for _, c := range b.Block {
			if budget--; budget < 0 {
				return "", false
			}
			if b.Pos.File == d.Pos.File {
				if u, ok := stepBetween(src, b, c); ok {
					return u, true
				}
			}
			if c.IsBlock && !c.Opaque {
				if u, ok := find(c); ok || budget < 0 {
					return u, ok
				}
			}
		}
		return "", false
	}
	if u, ok := find(p.cfg.Root); ok {
		return u
	}
	if own, _ := indentOf(src, d.Pos.Offset); own != "" && strings.Trim(own, "\t") == "" {
		return "\t"
	}
	return "    "
}

// stepBetween is the indentation that child c adds to its parent b, when
// both start lines of their own in the same file.
func stepBetween(src []byte, b, c *nginx.Directive) (string, bool) {
	if b == nil || c == nil || b.Pos.Line == 0 || b.Pos.File != c.Pos.File || c.Pos.Line <= b.End.Line {
		return "", false
	}
	bi, bFirst := indentOf(src, b.Pos.Offset)
	ci, cFirst := indentOf(src, c.Pos.Offset)
	if !bFirst || !cFirst || len(ci) <= len(bi) || !strings.HasPrefix(ci, bi) {
		return "", false
	}
	return ci[len(bi):], true
}

// ---------------------------------------------------------------------------
// Applying edits.

// FixConflict is a finding whose fix was not applied, and why.
type FixConflict struct {
	Finding Finding
	Reason  string
}

// acceptedEdit is an edit with the rank that orders insertions at one offset.
type acceptedEdit struct {
	Edit
	rank int
	seq  int
}

// applyFixes applies the Fix edits of findings to sources (file name ->
// content) and returns the new content of every file that changes, the
// findings it applied, the accepted edits of each file sorted by offset,
// and the findings it left out; sources is not modified. A finding's edits
// are applied all together or not at all. Identical edits (the same file
// included twice, a statement reported twice) are applied once; insertions
// at the same offset by different rules are all applied, in the order of
// the catalog. A finding whose edits overlap edits already accepted from an
// earlier finding (in the order given), or whose statement other findings
// of the same rule want to fix differently, is left out with the reason,
// and the returned contents hold everything else.
func applyFixes(findings []Finding, sources map[string][]byte) (map[string][]byte, []Finding, map[string][]acceptedEdit, []FixConflict) {
	// A statement fixed differently by the same rule in different contexts
	// (a file included in two servers with different add_header lines)
	// has no single right fix.
	type stmtKey struct {
		rule, file string
		off        int
	}
	byStmt := map[stmtKey][]Edit{}
	ambiguous := map[stmtKey]bool{}
	for _, f := range findings {
		if len(f.Fix) == 0 {
			continue
		}
		k := stmtKey{f.Rule, f.Pos.File, f.Pos.Offset}
		if prev, ok := byStmt[k]; ok && !sameEdits(prev, f.Fix) {
			ambiguous[k] = true
		}
		byStmt[k] = f.Fix
	}
	rank := map[string]int{}
	for i, r := range Rules {
		rank[r.Name] = i
	}
	accepted := map[string][]acceptedEdit{}
	have := map[Edit]bool{}             // accepted edits, for duplicates
	replacements := map[string][]Edit{} // accepted edits that replace bytes
	var applied []Finding
	var conflicts []FixConflict
	seq := 0
findings:
	for _, f := range findings {
		if len(f.Fix) == 0 {
			continue
		}
		if ambiguous[stmtKey{f.Rule, f.Pos.File, f.Pos.Offset}] {
			conflicts = append(conflicts, FixConflict{f, "the statement is reached in more than one context (a file included more than once) and needs a different fix in each"})
			continue
		}
		var add []acceptedEdit
		for i, e := range f.Fix {
			src, ok := sources[e.File]
			if !ok {
				conflicts = append(conflicts, FixConflict{f, "the fix edits " + e.File + ", which is not among the files read"})
				continue findings
			}
			if e.Start < 0 || e.Start > e.End || e.End > len(src) {
				conflicts = append(conflicts, FixConflict{f, fmt.Sprintf("the fix edits bytes %d-%d of %s, which has %d", e.Start, e.End, e.File, len(src))})
				continue findings
			}
			for _, o := range f.Fix[:i] {
				if o.File == e.File && overlaps(o, e) {
					conflicts = append(conflicts, FixConflict{f, "the fix's own edits overlap"})
					continue findings
				}
			}
			if have[e] {
				continue
			}
			// insertions never overlap each other: only replacements
			// need a look at what was accepted
			against := replacements[e.File]
			if e.Start != e.End {
				against = nil
				for _, a := range accepted[e.File] {
					against = append(against, a.Edit)
				}
			}
			for _, a := range against {
				if overlaps(a, e) {
					conflicts = append(conflicts, FixConflict{f, fmt.Sprintf("its edit at %s overlaps the fix of an earlier finding", posAt(e.File, src, e.Start))})
					continue findings
				}
			}
			add = append(add, acceptedEdit{Edit: e, rank: rank[f.Rule], seq: seq})
			seq++
		}
		for _, a := range add {
			if have[a.Edit] {
				continue // the finding itself repeats an edit
			}
			have[a.Edit] = true
			accepted[a.File] = append(accepted[a.File], a)
			if a.Start != a.End {
				replacements[a.File] = append(replacements[a.File], a.Edit)
			}
		}
		applied = append(applied, f)
	}
	out := map[string][]byte{}
	for file, es := range accepted {
		sort.SliceStable(es, func(i, j int) bool {
			a, b := es[i], es[j]
			if a.Start != b.Start {
				return a.Start < b.Start
			}
			if (a.Start == a.End) != (b.Start == b.End) {
				return a.Start == a.End // an insertion before a replacement starting there
			}
			if a.rank != b.rank {
				return a.rank < b.rank
			}
			return a.seq < b.seq
		})
		accepted[file] = es
		src := sources[file]
		grow := 0
		for _, e := range es {
			grow += len(e.Text) - (e.End - e.Start)
		}
		buf := make([]byte, 0, len(src)+max(grow, 0))
		at := 0
		for _, e := range es {
			buf = append(buf, src[at:e.Start]...)
			buf = append(buf, e.Text...)
			at = e.End
		}
		buf = append(buf, src[at:]...)
		if !bytes.Equal(buf, src) {
			out[file] = buf
		}
	}
	return out, applied, accepted, conflicts
}

// overlaps reports whether two edits of one file touch the same bytes.
// Insertions at one offset do not overlap each other, nor a replacement
// that starts or ends there.
func overlaps(a, b Edit) bool {
	switch {
	case a.Start == a.End && b.Start == b.End:
		return false
	case a.Start == a.End:
		return b.Start < a.Start && a.Start < b.End
	case b.Start == b.End:
		return a.Start < b.Start && b.Start < a.End
	}
	return a.Start < b.End && b.Start < a.End
}

func sameEdits(a, b []Edit) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// posAt formats file:line:col for a byte offset.
func posAt(file string, src []byte, off int) string {
	line := 1 + bytes.Count(src[:off], []byte{'\n'})
	col := off - bytes.LastIndexByte(src[:off], '\n')
	return file + ":" + strconv.Itoa(line) + ":" + strconv.Itoa(col)
}

// shiftOffset maps an offset of the text before the edits es (sorted) to
// the text after them.
func shiftOffset(es []acceptedEdit, off int) int {
	// An insertion at off itself goes before the statement that starts there.
	n := off
	for _, e := range es {
		if e.End > off {
			break
		}
		n += len(e.Text) - (e.End - e.Start)
	}
	return n
}
