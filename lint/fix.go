package lint

// Mechanical fixes (--fix, --diff). A rule that knows the repair attaches
// text edits to its finding: byte ranges of the file that holds the
// statement, computed from the positions the scanner recorded. The config
// is never printed again from the tree; comments, blank lines, indentation
// and line endings stay as they are. Fix applies the edits, loads and lints
// the result again and refuses to write when the fixed text has a syntax
// error or still has a finding of a fixed rule at a fixed statement.

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/xaccel/xaccel/internal/atomicfile"
	"github.com/xaccel/xaccel/nginx"
)

// ---------------------------------------------------------------------------
// Edits, as the rules build them.

// nosniffHeader is the statement the media-missing-nosniff fix adds.
const nosniffHeader = `add_header X-Content-Type-Options "nosniff" always;`

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

// fixInternal adds `internal;` to location l, right after its '{'.
func (p *pass) fixInternal(l *nginx.Location) []Edit {
	src := p.source(l.Dir.Pos.File)
	if src == nil {
		return nil
	}
	indent := func() string { return p.childIndent(src, l.Dir) }
	e, ok := insertAfter(src, l.Dir.Pos.File, l.Dir.End.Offset, '{', indent, []statement{{text: "internal;"}})
	if !ok {
		return nil
	}
	return []Edit{e}
}

// fixCaret writes `^~ ` before the name of a plain prefix location.
func fixCaret(l *nginx.Location) []Edit {
	d := l.Dir
	if l.Modifier != "" || len(d.ArgPos) != 1 {
		return nil
	}
	return []Edit{{File: d.Pos.File, Start: d.ArgPos[0].Offset, End: d.ArgPos[0].Offset, Text: "^~ "}}
}

// fixAliasSlash makes the trailing slashes of a prefix location and its
// alias agree, by adding a "/" to the location name, the alias or both.
// There is no fix when the new name would clash with another location of
// the same level or leave a nested location outside it.
func fixAliasSlash(l *nginx.Location, alias *nginx.Directive, toName, toAlias bool) []Edit {
	d := l.Dir
	if !l.IsPrefix() || len(d.ArgPos) == 0 || len(d.ArgPos) != len(d.RawArgs) || len(alias.ArgPos) != 1 || len(alias.RawArgs) != 1 {
		return nil
	}
	var out []Edit
	if toName {
		if !renameOK(l, l.Match+"/") {
			return nil
		}
		i := len(d.ArgPos) - 1
		off := appendOffset(d.RawArgs[i], d.ArgPos[i].Offset)
		out = append(out, Edit{File: d.Pos.File, Start: off, End: off, Text: "/"})
	}
	if toAlias {
		off := appendOffset(alias.RawArgs[0], alias.ArgPos[0].Offset)
		out = append(out, Edit{File: alias.Pos.File, Start: off, End: off, Text: "/"})
	}
	return out
}

// renameOK reports whether prefix location l can be renamed to name: no
// other prefix location of its level has that name (nginx: "duplicate
// location"), and every nested exact or prefix location still starts with it.
func renameOK(l *nginx.Location, name string) bool {
	siblings := l.Server.Locations
	if l.Parent != nil {
		siblings = l.Parent.Children
	}
	for _, s := range siblings {
		if s != l && s.IsPrefix() && s.Match == name {
			return false
		}
	}
	for _, c := range l.Children {
		if (c.IsPrefix() || c.Modifier == "=") && !strings.HasPrefix(c.Match, name) {
			return false
		}
	}
	return true
}

// appendOffset is where a character appended to an argument written as raw
// at off goes: before the closing quote of a quoted argument, else after it.
func appendOffset(raw string, off int) int {
	if n := len(raw); n >= 2 && (raw[0] == '"' || raw[0] == '\'') && raw[n-1] == raw[0] {
		return off + n - 1
	}
	return off + len(raw)
}

// fixNosniff adds the nosniff add_header to location l: after its own
// `internal;` if it has one in the same file, else right after its '{'.
// When l has no add_header of its own but inherits some, they are repeated
// first (copied from their source text): a level with an add_header of its
// own inherits none, so adding one line must not drop the others.
func (p *pass) fixNosniff(l *nginx.Location, headers []*nginx.Directive) []Edit {
	file := l.Dir.Pos.File
	src := p.source(file)
	if src == nil {
		return nil
	}
	var stmts []statement
	if len(headers) > 0 && headers[0].Parent != l.Dir {
		for _, h := range headers {
			hs := p.source(h.Pos.File)
			if hs == nil || h.End.Offset < h.Pos.Offset || h.End.Offset >= len(hs) {
				return nil
			}
			from, _ := indentOf(hs, h.Pos.Offset)
			stmts = append(stmts, statement{string(hs[h.Pos.Offset : h.End.Offset+1]), from})
		}
	}
	stmts = append(stmts, statement{text: nosniffHeader})
	anchor, term := l.Dir.End.Offset, byte('{')
	indent := func() string { return p.childIndent(src, l.Dir) }
	if in := l.Dir.First("internal"); in != nil && in.Parent == l.Dir && in.Pos.File == file {
		anchor, term = in.End.Offset, ';'
		if ind, first := indentOf(src, in.Pos.Offset); first {
			indent = func() string { return ind }
		}
	}
	e, ok := insertAfter(src, file, anchor, term, indent, stmts)
	if !ok {
		return nil
	}
	return []Edit{e}
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

// ConflictError is returned by ApplyFixes, together with the contents it
// could fix, when some findings' fixes were left out.
type ConflictError struct {
	Conflicts []FixConflict
}

func (e *ConflictError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s not applied:", len(e.Conflicts), plural(len(e.Conflicts), "fix"))
	for _, c := range e.Conflicts {
		fmt.Fprintf(&b, "\n  %s: %s: %s", c.Finding.Pos, c.Finding.Rule, c.Reason)
	}
	return b.String()
}

// ApplyFixes applies the Fix edits of findings to sources (file name ->
// content) and returns the new content of every file that changes; sources
// is not modified. A finding's edits are applied all together or not at
// all. Identical edits (the same file included twice, a statement reported
// twice) are applied once; insertions at the same offset by different rules
// are all applied, in the order of the catalog. A finding whose edits
// overlap edits already accepted from an earlier finding (in the order
// given), or whose statement other findings of the same rule want to fix
// differently, is skipped: the error is then a *ConflictError listing them,
// and the returned contents hold everything else.
func ApplyFixes(findings []Finding, sources map[string][]byte) (map[string][]byte, error) {
	out, _, _, conflicts := applyFixes(findings, sources)
	if len(conflicts) > 0 {
		return out, &ConflictError{Conflicts: conflicts}
	}
	return out, nil
}

// acceptedEdit is an edit with the rank that orders insertions at one offset.
type acceptedEdit struct {
	Edit
	rank int
	seq  int
}

// applyFixes is ApplyFixes that also returns the findings it applied and the
// accepted edits of each file, sorted by offset.
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

// ---------------------------------------------------------------------------
// Fix: lint, edit, check, write.

// FixMode says what Fix does with the fixed text.
type FixMode int

const (
	// FixDiff computes the fixes and their diffs and writes nothing (--diff).
	FixDiff FixMode = iota
	// FixWrite also writes each changed file atomically (--fix).
	FixWrite
	// FixWriteBackup is FixWrite that keeps each original as PATH.orig (--fix --backup).
	FixWriteBackup
)

// FixedFile is one file the fixes change.
type FixedFile struct {
	Path string // as findings name it
	Old  []byte
	New  []byte
	Diff string // unified diff from Old to New
	// Written is set when the file was written; Backup is then the PATH.orig
	// that keeps the original (FixWriteBackup), or "".
	Written bool
	Backup  string
}

// FixResult is what Fix did, or would do with FixDiff.
type FixResult struct {
	Files []FixedFile // the changed files, sorted by path
	// Fixed are the findings whose fixes were applied (positions in the text
	// they were found in: fixes that only become possible after a first
	// round, such as nosniff on a location that was just made internal,
	// are found in the text of that round).
	Fixed []Finding
	// Skipped are fixable findings that were left alone, with the reason.
	Skipped []FixConflict
	// Remaining is the lint of the fixed configuration; its Sources hold
	// the fixed text.
	Remaining *Report
}

// Changed reports whether the fixes change any file.
func (r *FixResult) Changed() bool { return len(r.Files) > 0 }

// Diff returns the unified diffs of all changed files, in path order.
func (r *FixResult) Diff() string {
	var b strings.Builder
	for _, f := range r.Files {
		b.WriteString(f.Diff)
	}
	return b.String()
}

// RefusedError says that the fixed text did not pass the checks that run
// before anything is written; nothing was written.
type RefusedError struct {
	Problems []string
}

func (e *RefusedError) Error() string {
	return "refusing to apply the fixes, nothing was written: " + strings.Join(e.Problems, "; ")
}

// maxFixRounds bounds the fix rounds: a fix can make another one possible
// (a location made internal then needs nosniff and, next to a regex
// location, ^~); each round lints the result of the one before.
const maxFixRounds = 4

// fixInput is one configuration given to Fix.
type fixInput struct {
	path     string
	src      []byte // the text read from path
	kind     nginx.Kind
	names    []string // its files, main first, as findings name them
	prefix   string   // the include prefix in effect, absolute
	includes []string // the include patterns, absolute (for the backup check)
	findings []Finding
}

// Fix lints each path like LintPaths, applies the fixes of the findings
// (in several rounds when a fix makes another one possible, so that a second
// Fix changes nothing), loads and lints the fixed text again, and refuses
// (*RefusedError, nothing written) when the fixed configuration has a syntax
// error or a fixed rule still fires at a fixed statement. Files that are
// only included are fixed as well. With FixWrite and FixWriteBackup it then
// writes every changed file with WriteFixed; standard input and `nginx -T`
// dumps can only be diffed. An *nginx.InputError means an input could not
// be read at all.
func Fix(paths []string, o LintOptions, mode FixMode) (*FixResult, error) {
	write := mode == FixWrite || mode == FixWriteBackup
	orig := map[string][]byte{}
	var inputs []*fixInput
	for _, p := range paths {
		// the input's text is kept: a dump is read again from it
		opts := o.loadOptions(o.Prefix)
		src, err := nginx.ReadInput(p, opts)
		if err != nil {
			return nil, err
		}
		cfg := nginx.LoadBytes(p, src, opts)
		if err := checkNotEmpty(p, cfg); err != nil {
			return nil, err
		}
		if write && p == "-" {
			return nil, errors.New("cannot fix standard input in place; use --diff to see the fixes")
		}
		if write && cfg.Kind == nginx.KindDump {
			return nil, fmt.Errorf("%s is an nginx -T dump: the files it names are fixed in place only from the files themselves; use --diff, or run the fix on the main configuration file", p)
		}
		in := &fixInput{path: p, src: src, kind: cfg.Kind, findings: Run(cfg, o.Options)}
		in.prefix, err = loadPrefix(p, o.Prefix, cfg.Kind)
		if err != nil {
			return nil, err
		}
		for _, f := range cfg.Files {
			if f.Stock {
				continue // a stand-in: nothing on disk to fix
			}
			in.names = append(in.names, f.Path)
			if _, ok := orig[f.Path]; !ok {
				orig[f.Path] = f.Src
			}
		}
		cfg.Root.Walk(func(d *nginx.Directive) bool {
			if d.Name == "include" && !d.IsBlock && len(d.Args) == 1 {
				pat := d.Args[0]
				if !filepath.IsAbs(pat) {
					pat = filepath.Join(in.prefix, pat)
				}
				in.includes = append(in.includes, pat)
			}
			return !d.Opaque
		})
		inputs = append(inputs, in)
	}

	cur := make(map[string][]byte, len(orig))
	for k, v := range orig {
		cur[k] = v
	}
	res := &FixResult{}
	for round := 0; ; round++ {
		var fixable []Finding
		for _, in := range inputs {
			for _, f := range in.findings {
				if len(f.Fix) > 0 {
					fixable = append(fixable, f)
				}
			}
		}
		fixable, split := agreedFixes(Sort(fixable), inputs)
		if len(fixable) == 0 {
			res.Skipped = split
			break
		}
		if round == maxFixRounds {
			for _, f := range fixable {
				res.Skipped = append(res.Skipped, FixConflict{f, fmt.Sprintf("still fixable after %d rounds of fixes", maxFixRounds)})
			}
			break
		}
		changed, applied, edits, conflicts := applyFixes(fixable, cur)
		if len(changed) == 0 {
			res.Skipped = append(split, conflicts...)
			break
		}
		next := make(map[string][]byte, len(cur))
		for k, v := range cur {
			next[k] = v
		}
		for k, v := range changed {
			next[k] = v
		}
		var problems []string
		var all []Finding
		for _, in := range inputs {
			cfg, fs := in.reload(next, o)
			for _, e := range cfg.Errors {
				problems = append(problems, fmt.Sprintf("the fixed text does not parse: %s: %s", e.Pos, e.Msg))
			}
			in.findings = fs
			all = append(all, fs...)
		}
		for _, f := range applied {
			at := shiftOffset(edits[f.Pos.File], f.Pos.Offset)
			for _, g := range all {
				if g.Rule == f.Rule && g.Pos.File == f.Pos.File && g.Pos.Offset == at {
					problems = append(problems, fmt.Sprintf("%s still fires at %s after its fix", f.Rule, g.Pos))
					break
				}
			}
		}
		if len(problems) > 0 {
			sort.Strings(problems)
			return nil, &RefusedError{Problems: slices.Compact(problems)}
		}
		res.Fixed = append(res.Fixed, applied...)
		cur = next
	}

	rep := &Report{Sources: map[string][]byte{}}
	for _, in := range inputs {
		for _, n := range in.names {
			if _, ok := rep.Sources[n]; !ok {
				rep.Files++
				rep.Sources[n] = cur[n]
			}
		}
		rep.Findings = append(rep.Findings, in.findings...)
	}
	rep.Findings = Sort(rep.Findings)
	res.Remaining = rep

	names := newPathNamer() // the diff names files as the formats do
	for name, content := range cur {
		if !bytes.Equal(content, orig[name]) {
			res.Files = append(res.Files, FixedFile{Path: name, Old: orig[name], New: content, Diff: UnifiedDiff(filepath.ToSlash(names.name(name)), orig[name], content)})
		}
	}
	sort.Slice(res.Files, func(i, j int) bool { return res.Files[i].Path < res.Files[j].Path })
	if write && len(res.Files) > 0 {
		if err := writeAll(res, inputs, mode == FixWriteBackup); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// agreedFixes keeps the fixes that every configuration reading the file
// agrees on: a file shared by two of the paths given is fixed only when
// each of them reports the statement with the same fix (within one
// configuration, attachFix does the same for a file included twice).
func agreedFixes(fixable []Finding, inputs []*fixInput) ([]Finding, []FixConflict) {
	if len(inputs) < 2 {
		return fixable, nil
	}
	type key struct {
		rule, file string
		off        int
	}
	reads := make([]map[string]bool, len(inputs))
	fixes := make([]map[key][]Edit, len(inputs))
	for i, in := range inputs {
		reads[i] = map[string]bool{}
		for _, n := range in.names {
			reads[i][n] = true
		}
		fixes[i] = map[key][]Edit{}
		for _, f := range in.findings {
			k := key{f.Rule, f.Pos.File, f.Pos.Offset}
			if _, ok := fixes[i][k]; !ok {
				fixes[i][k] = f.Fix
			}
		}
	}
	var out []Finding
	var split []FixConflict
next:
	for _, f := range fixable {
		k := key{f.Rule, f.Pos.File, f.Pos.Offset}
		for i, in := range inputs {
			if !reads[i][f.Pos.File] {
				continue
			}
			if g, ok := fixes[i][k]; !ok || !sameEdits(g, f.Fix) {
				split = append(split, FixConflict{f, "the file is also read by " + in.path + ", which does not need this fix"})
				continue next
			}
		}
		out = append(out, f)
	}
	return out, split
}

// loadPrefix is the include prefix nginx.Load uses for path, made absolute.
func loadPrefix(p, prefix string, kind nginx.Kind) (string, error) {
	if prefix == "" {
		if kind == nginx.KindDump {
			return "", nil // the dump's own names are used
		}
		if p == "-" {
			return os.Getwd()
		}
		prefix = filepath.Dir(p)
	}
	if kind == nginx.KindDump {
		return prefix, nil
	}
	return filepath.Abs(prefix)
}

// reload loads and lints the input again with the files' contents taken
// from contents: the main file's text is given to nginx.LoadBytes under its
// own name, and every file is laid over the disk (nginx.LoadOptions.Overlay),
// so includes resolve exactly as the first load resolved them and the
// findings name the files as before. A dump is read again from its own
// text, its files replaced by name.
func (in *fixInput) reload(contents map[string][]byte, o LintOptions) (*nginx.Config, []Finding) {
	opts := o.loadOptions(o.Prefix)
	opts.Stdin = nil
	opts.Overlay = map[string][]byte{}
	for _, n := range in.names {
		if n != "-" {
			opts.Overlay[n] = contents[n]
		}
	}
	src := in.src
	if in.kind != nginx.KindDump {
		src = contents[in.names[0]]
	}
	cfg := nginx.LoadBytes(in.path, src, opts)
	return cfg, Run(cfg, o.Options)
}

// writeAll writes the changed files after checking that each is still what
// was read, and that a backup would not be read by nginx itself.
func writeAll(res *FixResult, inputs []*fixInput, backup bool) error {
	byTarget := map[string]string{}
	targets := make([]string, len(res.Files))
	for i, f := range res.Files {
		t, err := filepath.EvalSymlinks(f.Path)
		if err != nil {
			return err
		}
		if t, err = filepath.Abs(t); err != nil {
			return err
		}
		if other, ok := byTarget[t]; ok {
			return fmt.Errorf("%s and %s are the same file, named two ways; fix one configuration at a time", other, f.Path)
		}
		byTarget[t] = f.Path
		targets[i] = t
		now, err := os.ReadFile(t)
		if err != nil {
			return err
		}
		if !bytes.Equal(now, f.Old) {
			return fmt.Errorf("%s changed on disk while it was being fixed; nothing was written", f.Path)
		}
		if backup {
			orig := t + ".orig"
			for _, in := range inputs {
				for _, pat := range in.includes {
					if includedBy(pat, orig) {
						return fmt.Errorf("the backup %s would be read by nginx through `include %s`; fix without --backup (or move the file out of the included directory)", orig, pat)
					}
				}
			}
		}
	}
	var written []string
	for i := range res.Files {
		f := &res.Files[i]
		if err := WriteFixed(f.Path, f.New, backup); err != nil {
			if len(written) > 0 {
				return fmt.Errorf("%v (already written: %s)", err, strings.Join(written, ", "))
			}
			return err
		}
		f.Written = true
		if backup {
			f.Backup = targets[i] + ".orig"
		}
		written = append(written, f.Path)
	}
	return nil
}

// includedBy reports whether the include pattern pat (absolute) matches
// file (absolute, symbolic links resolved), also when the directory of pat
// is reached through a symbolic link.
func includedBy(pat, file string) bool {
	if ok, _ := filepath.Match(pat, file); ok || pat == file {
		return true
	}
	if dir, err := filepath.EvalSymlinks(filepath.Dir(pat)); err == nil {
		if ok, _ := filepath.Match(filepath.Join(dir, filepath.Base(pat)), file); ok {
			return true
		}
	}
	return false
}

// ---------------------------------------------------------------------------
// Writing.

// WriteFixed replaces the content of the file at path atomically: a
// temporary file in the same directory gets the content, the file's
// permissions (and owner, where the process may set it: as root), is
// synced and renamed over the file. A symbolic link is followed: the file
// it points to is replaced, the link stays. With backup the original is
// kept as PATH.orig next to the file written (a hard link to the old
// content where possible, so it keeps its mode, owner and times).
func WriteFixed(path string, content []byte, backup bool) error {
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		return err
	}
	st, err := os.Stat(target)
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", path)
	}
	if backup {
		if err := keepBackup(target, st); err != nil {
			return fmt.Errorf("keeping a backup of %s: %w", path, err)
		}
	}
	if err := atomicfile.WriteFile(target, content, st.Mode().Perm()); err != nil {
		return err
	}
	syncDir(filepath.Dir(target))
	return nil
}

// keepBackup makes target.orig a copy of target, replacing an older one.
func keepBackup(target string, st os.FileInfo) error {
	orig := target + ".orig"
	tmp := filepath.Join(filepath.Dir(target), "."+filepath.Base(orig)+".tmp-"+strconv.Itoa(os.Getpid())+"-"+strconv.FormatInt(time.Now().UnixNano(), 36))
	if err := os.Link(target, tmp); err == nil {
		if err := os.Rename(tmp, orig); err != nil {
			os.Remove(tmp)
			return err
		}
		return nil
	}
	old, err := os.ReadFile(target)
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(orig, old, st.Mode().Perm())
}

// syncDir makes a rename in dir durable; failures are ignored (some file
// systems cannot sync a directory).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// ---------------------------------------------------------------------------
// Unified diff.

// diffContext is the number of unchanged lines around each change.
const diffContext = 3

// UnifiedDiff returns the unified diff (diff -u, 3 lines of context) that
// turns old into new, headed `--- a/path` / `+++ b/path` as git writes it
// (apply it with `git apply` or `patch -p1` in the directory path is
// relative to); "" when they are equal. A last line without a line feed is
// marked `\ No newline at end of file`; carriage returns are kept.
func UnifiedDiff(path string, old, new []byte) string {
	if bytes.Equal(old, new) {
		return ""
	}
	a, b := splitLines(old), splitLines(new)
	ops := diffLines(a, b)
	var out strings.Builder
	out.WriteString("--- a/" + path + "\n+++ b/" + path + "\n")
	// apos[i], bpos[i]: lines of old and new before ops[i]
	apos := make([]int, len(ops)+1)
	bpos := make([]int, len(ops)+1)
	for i, op := range ops {
		apos[i+1], bpos[i+1] = apos[i], bpos[i]
		if op != '+' {
			apos[i+1]++
		}
		if op != '-' {
			bpos[i+1]++
		}
	}
	for i := 0; i < len(ops); {
		if ops[i] == ' ' {
			i++
			continue
		}
		start := max(0, i-diffContext)
		last := i
		j := i
		for ; j < len(ops); j++ {
			if ops[j] != ' ' {
				last = j
			} else if j-last > 2*diffContext {
				break
			}
		}
		end := min(len(ops), last+diffContext+1)
		out.WriteString("@@ -" + hunkRange(apos[start], apos[end]-apos[start]) + " +" + hunkRange(bpos[start], bpos[end]-bpos[start]) + " @@\n")
		for k := start; k < end; k++ {
			var line []byte
			if ops[k] == '+' {
				line = b[bpos[k]]
			} else {
				line = a[apos[k]]
			}
			out.WriteByte(ops[k])
			out.Write(line)
			if !bytes.HasSuffix(line, []byte("\n")) {
				out.WriteString("\n\\ No newline at end of file\n")
			}
		}
		i = end
	}
	return out.String()
}

// hunkRange writes a hunk's start and length the way diff -u does: the
// length is left out when it is 1, and an empty range starts at the line
// before it.
func hunkRange(before, n int) string {
	switch n {
	case 0:
		return strconv.Itoa(before) + ",0"
	case 1:
		return strconv.Itoa(before + 1)
	}
	return strconv.Itoa(before+1) + "," + strconv.Itoa(n)
}

// splitLines splits s after each line feed; the last line may lack one.
func splitLines(s []byte) [][]byte {
	var out [][]byte
	for len(s) > 0 {
		i := bytes.IndexByte(s, '\n')
		if i < 0 {
			out = append(out, s)
			break
		}
		out = append(out, s[:i+1])
		s = s[i+1:]
	}
	return out
}

// diffLines returns the edit script from a to b, one op per line: ' '
// (kept), '-' (deleted from a) or '+' (added from b), deletions before
// insertions within a change. Lines that occur once in each side anchor the
// match (patience diff); the stretches between anchors are diffed with
// Myers' algorithm.
func diffLines(a, b [][]byte) []byte {
	ids := map[string]int{}
	id := func(ls [][]byte) []int {
		out := make([]int, len(ls))
		for i, l := range ls {
			n, ok := ids[string(l)]
			if !ok {
				n = len(ids)
				ids[string(l)] = n
			}
			out[i] = n
		}
		return out
	}
	d := &differ{a: id(a), b: id(b)}
	d.diff(0, len(a), 0, len(b))
	return d.ops
}

type differ struct {
	a, b []int
	ops  []byte
}

func (d *differ) emit(op byte, n int) {
	for ; n > 0; n-- {
		d.ops = append(d.ops, op)
	}
}

func (d *differ) diff(a0, a1, b0, b1 int) {
	for a0 < a1 && b0 < b1 && d.a[a0] == d.b[b0] {
		d.ops = append(d.ops, ' ')
		a0++
		b0++
	}
	suffix := 0
	for a1-suffix > a0 && b1-suffix > b0 && d.a[a1-suffix-1] == d.b[b1-suffix-1] {
		suffix++
	}
	a1 -= suffix
	b1 -= suffix
	switch {
	case a0 == a1:
		d.emit('+', b1-b0)
	case b0 == b1:
		d.emit('-', a1-a0)
	default:
		anchors := d.anchors(a0, a1, b0, b1)
		if len(anchors) == 0 {
			d.myers(a0, a1, b0, b1)
			break
		}
		pa, pb := a0, b0
		for _, an := range anchors {
			d.diff(pa, an[0], pb, an[1])
			d.ops = append(d.ops, ' ')
			pa, pb = an[0]+1, an[1]+1
		}
		d.diff(pa, a1, pb, b1)
	}
	d.emit(' ', suffix)
}

// anchors returns the longest increasing run of line pairs (i, j) whose
// line occurs exactly once in a[a0:a1] and once in b[b0:b1].
func (d *differ) anchors(a0, a1, b0, b1 int) [][2]int {
	type count struct{ na, nb, j int }
	counts := map[int]*count{}
	for i := a0; i < a1; i++ {
		c := counts[d.a[i]]
		if c == nil {
			c = &count{}
			counts[d.a[i]] = c
		}
		c.na++
	}
	for j := b0; j < b1; j++ {
		if c := counts[d.b[j]]; c != nil {
			c.nb++
			c.j = j
		}
	}
	var pairs [][2]int
	for i := a0; i < a1; i++ {
		if c := counts[d.a[i]]; c.na == 1 && c.nb == 1 {
			pairs = append(pairs, [2]int{i, c.j})
		}
	}
	if len(pairs) == 0 {
		return nil
	}
	// patience sorting: tails[k] is the pair ending the best run of length k+1
	var tails []int
	prev := make([]int, len(pairs))
	for p := range pairs {
		k := sort.Search(len(tails), func(k int) bool { return pairs[tails[k]][1] >= pairs[p][1] })
		if k > 0 {
			prev[p] = tails[k-1]
		} else {
			prev[p] = -1
		}
		if k == len(tails) {
			tails = append(tails, p)
		} else {
			tails[k] = p
		}
	}
	out := make([][2]int, len(tails))
	for k, p := len(tails)-1, tails[len(tails)-1]; k >= 0; k, p = k-1, prev[p] {
		out[k] = pairs[p]
	}
	return out
}

// myersLimit bounds the edit distance searched by myers; a bigger change is
// written as a deletion of the whole stretch followed by its replacement.
const myersLimit = 4000

// myers diffs a[a0:a1] with b[b0:b1] (Myers 1986, forward greedy search,
// keeping the frontier of each step for the way back).
func (d *differ) myers(a0, a1, b0, b1 int) {
	n, m := a1-a0, b1-b0
	maxD := min(n+m, myersLimit)
	off := maxD + 1
	v := make([]int, 2*maxD+3)
	var trace [][]int
	found := -1
	for step := 0; step <= maxD && found < 0; step++ {
		for k := -step; k <= step; k += 2 {
			var x int
			if k == -step || k != step && v[off+k-1] < v[off+k+1] {
				x = v[off+k+1]
			} else {
				x = v[off+k-1] + 1
			}
			y := x - k
			for x < n && y < m && d.a[a0+x] == d.b[b0+y] {
				x++
				y++
			}
			v[off+k] = x
			if x >= n && y >= m {
				found = step
			}
		}
		trace = append(trace, append([]int(nil), v[off-step:off+step+1]...))
	}
	if found < 0 {
		d.emit('-', n)
		d.emit('+', m)
		return
	}
	var rev []byte
	x, y := n, m
	for step := found; step > 0; step-- {
		prev := trace[step-1] // index k+(step-1)
		at := func(k int) int { return prev[k+step-1] }
		k := x - y
		var pk int
		if k == -step || k != step && at(k-1) < at(k+1) {
			pk = k + 1
		} else {
			pk = k - 1
		}
		px := at(pk)
		py := px - pk
		for x > px && y > py {
			rev = append(rev, ' ')
			x--
			y--
		}
		if pk == k+1 {
			rev = append(rev, '+')
			y--
		} else {
			rev = append(rev, '-')
			x--
		}
	}
	for x > 0 && y > 0 {
		rev = append(rev, ' ')
		x--
		y--
	}
	// Within each change, put deletions before insertions, as diff -u does.
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	for i := 0; i < len(rev); {
		if rev[i] == ' ' {
			d.ops = append(d.ops, ' ')
			i++
			continue
		}
		j := i
		dels, adds := 0, 0
		for ; j < len(rev) && rev[j] != ' '; j++ {
			if rev[j] == '-' {
				dels++
			} else {
				adds++
			}
		}
		d.emit('-', dels)
		d.emit('+', adds)
		i = j
	}
}
