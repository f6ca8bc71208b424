package lint

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
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
		if line, ok := sourceLine(r.Sources[f.Pos.File], f.Pos.Line); ok {
			num := strconv.Itoa(f.Pos.Line)
			pad := strings.Repeat(" ", len(num))
			fmt.Fprintf(&b, "%s |\n%s | %s\n", pad, num, line)
			fmt.Fprintf(&b, "%s | %s\n", pad, paint(ansiRed, caret(line, f.Pos.Column, f.Len)))
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

// sourceLine returns line n (1-based) without its line ending; control
// characters other than tab are shown as '?' so a snippet cannot drive the
// terminal.
func sourceLine(src []byte, n int) (string, bool) {
	if src == nil || n < 1 {
		return "", false
	}
	for i := 1; i < n; i++ {
		j := bytes.IndexByte(src, '\n')
		if j < 0 {
			return "", false
		}
		src = src[j+1:]
	}
	if j := bytes.IndexByte(src, '\n'); j >= 0 {
		src = src[:j]
	}
	src = bytes.TrimRight(src, "\r")
	return strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' || r == 0x7f {
			return '?'
		}
		return r
	}, string(src)), true
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
