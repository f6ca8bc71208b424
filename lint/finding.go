// Package lint checks a loaded nginx configuration for ways protected
// media leaks, by asking the routing model of package nginx what an
// outside request can reach.
package lint

import (
	"fmt"
	"sort"
	"strconv"

	"github.com/xaccel/xaccel/nginx"
)

// Severity of a finding.
type Severity int

const (
	Info Severity = iota + 1
	Warning
	Error
)

func (s Severity) String() string {
	switch s {
	case Info:
		return "info"
	case Warning:
		return "warning"
	case Error:
		return "error"
	}
	return "unknown"
}

// ParseSeverity reads "info", "warning" or "error", in lower case (as
// .xaccel.yaml and its JSON Schema spell them).
func ParseSeverity(s string) (Severity, error) {
	switch s {
	case "info":
		return Info, nil
	case "warning":
		return Warning, nil
	case "error":
		return Error, nil
	}
	return 0, fmt.Errorf("unknown severity %q (want error, warning or info, in lower case)", s)
}

// Finding is one problem, at the start of the statement it is about.
type Finding struct {
	Rule     string
	Severity Severity
	Pos      nginx.Pos
	Message  string
	// Len is how many bytes of the source line to underline (the directive
	// name); 1 when unknown.
	Len int
	// End is where the statement head ends (its ';' or '{'); equal to Pos
	// when the finding points at a single token.
	End nginx.Pos
	// Fix holds the text edits that repair the finding mechanically, if
	// there are any (applied by --fix).
	Fix []Edit
	// Related are the other statements the message names ("at FILE:LINE"),
	// in the order it names them: SARIF's relatedLocations, and what the
	// formats rename when they show paths relative to the working directory.
	Related []Related
}

// Related is another statement a finding's message names.
type Related struct {
	Pos nginx.Pos
	// What it is, for a reader of the related location alone: "the
	// location that handles the request".
	What string
}

// Ref is how a message names the statement: FILE:LINE.
func (r Related) Ref() string { return r.Pos.File + ":" + strconv.Itoa(r.Pos.Line) }

// Edit replaces the bytes [Start, End) of File with Text. Start == End
// inserts.
type Edit struct {
	File       string
	Start, End int
	Text       string
}

// Sort orders findings by file, line, column and rule, and drops exact
// duplicates (the same file included twice reports once).
func Sort(fs []Finding) []Finding {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Pos.File != b.Pos.File {
			return a.Pos.File < b.Pos.File
		}
		if a.Pos.Line != b.Pos.Line {
			return a.Pos.Line < b.Pos.Line
		}
		if a.Pos.Column != b.Pos.Column {
			return a.Pos.Column < b.Pos.Column
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		return a.Message < b.Message
	})
	out := fs[:0]
	for i, f := range fs {
		if i > 0 {
			p := out[len(out)-1]
			if p.Rule == f.Rule && p.Pos == f.Pos && p.Message == f.Message {
				continue
			}
		}
		out = append(out, f)
	}
	return out
}
