package lint

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[31m"
	ansiYellow = "\x1b[33m"
	ansiCyan   = "\x1b[36m"
	ansiGray   = "\x1b[90m"
)

// TextOptions are the settings of the text format.
type TextOptions struct {
	Color bool // colour the output
	Quiet bool // no summary line: only the findings, nothing on a clean run
}

// WriteText prints each finding as `file:line:col: severity: message [rule]`
// followed by the source line and a caret under the statement, then a
// summary line. Colour is used only when color is true.
func WriteText(w io.Writer, r *Report, color bool) error {
	return WriteTextWith(w, r, TextOptions{Color: color})
}

// WriteTextWith is WriteText with all of its settings.
func WriteTextWith(w io.Writer, r *Report, o TextOptions) error {
	r = r.displayed() // see paths.go
	color := o.Color
	paint := func(code, s string) string {
		if !color {
			return s
		}
		return code + s + ansiReset
	}
	var b bytes.Buffer
	for _, f := range r.Findings {
		sev := f.Severity.String()
		switch f.Severity {
		case Error:
			sev = paint(ansiRed+ansiBold, sev)
		case Warning:
			sev = paint(ansiYellow+ansiBold, sev)
		default:
			sev = paint(ansiCyan, sev)
		}
		fmt.Fprintf(&b, "%s: %s: %s %s\n", paint(ansiBold, f.Pos.String()), sev, f.Message, paint(ansiGray, "["+f.Rule+"]"))
		if line, marker, ok := excerpt(r.Sources[f.Pos.File], f.Pos.Line, f.Pos.Column, f.Len); ok {
			num := strconv.Itoa(f.Pos.Line)
			pad := strings.Repeat(" ", len(num))
			fmt.Fprintf(&b, "%s |\n%s | %s\n", pad, num, line)
			fmt.Fprintf(&b, "%s | %s\n", pad, paint(ansiRed, marker))
		}
	}
	e, wn, in := r.Count()
	if o.Quiet {
		// nothing more
	} else if len(r.Findings) == 0 {
		fmt.Fprintf(&b, "no findings in %d %s\n", r.Files, plural(r.Files, "file"))
	} else {
		fmt.Fprintf(&b, "%d %s (%d %s, %d %s, %d info) in %d %s\n", len(r.Findings), plural(len(r.Findings), "finding"),
			e, plural(e, "error"), wn, plural(wn, "warning"), in, r.Files, plural(r.Files, "file"))
	}
	_, err := w.Write(b.Bytes())
	return err
}

func plural(n int, s string) string {
	if n == 1 {
		return s
	}
	return s + "s"
}

// A source line longer than excerptCut bytes (a minified or generated
// configuration on one line) is shown as an excerpt of excerptWidth bytes
// around the column, so that thousands of findings on one line do not
// print the line thousands of times.
const (
	excerptCut   = 160
	excerptWidth = 120
)

// excerptMark stands for the part of a line an excerpt leaves out.
const excerptMark = "…"

// excerpt returns line n (1-based) of src for display, cut to
// excerptWidth bytes around col (with excerptMark where it is cut) when it
// is longer than excerptCut, and the marker line with a caret under col
// and length-1 tildes, cut likewise.
func excerpt(src []byte, n, col, length int) (line, marker string, ok bool) {
	raw, ok := sourceLine(src, n)
	if !ok {
		return "", "", false
	}
	if col < 1 {
		col = 1
	}
	if len(raw) <= excerptCut {
		text := displayable(raw)
		return text, caret(text, col, length), true
	}
	// Keep a third of the width before the column, the rest after it.
	start := col - 1 - excerptWidth/3
	if start < 0 {
		start = 0
	}
	if start > len(raw) {
		start = len(raw)
	}
	for start > 0 && !utf8.RuneStart(raw[start]) {
		start--
	}
	end := start + excerptWidth
	if end >= len(raw) {
		end = len(raw)
	} else {
		for end > start && !utf8.RuneStart(raw[end]) {
			end--
		}
	}
	text := displayable(raw[start:end])
	if length > end-(col-1) {
		length = end - (col - 1)
	}
	mark := caret(text, col-start, length)
	if start > 0 {
		text = excerptMark + text
		mark = " " + mark // the mark is one column wide
	}
	if end < len(raw) {
		text += excerptMark
	}
	return text, mark, true
}

// sourceLine returns line n (1-based) without its line ending.
func sourceLine(src []byte, n int) ([]byte, bool) {
	if src == nil || n < 1 {
		return nil, false
	}
	for i := 1; i < n; i++ {
		j := bytes.IndexByte(src, '\n')
		if j < 0 {
			return nil, false
		}
		src = src[j+1:]
	}
	if j := bytes.IndexByte(src, '\n'); j >= 0 {
		src = src[:j]
	}
	return bytes.TrimRight(src, "\r"), true
}

// displayable shows control characters other than tab as '?', so a
// snippet cannot drive the terminal.
func displayable(b []byte) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' || r == 0x7f {
			return '?'
		}
		return r
	}, string(b))
}

// caret builds the marker line: the whitespace of the source line up to
// the column (tabs kept, so it lines up), then ^ and ~ under the token.
func caret(line string, col, n int) string {
	var b strings.Builder
	for i := 0; i < col-1 && i < len(line); i++ {
		if line[i] == '\t' {
			b.WriteByte('\t')
		} else {
			b.WriteByte(' ')
		}
	}
	b.WriteByte('^')
	if n > 1 {
		b.WriteString(strings.Repeat("~", n-1))
	}
	return b.String()
}
