package lint

import (
	"bytes"
	"encoding/json"
	"io"
	"path/filepath"
)

type rdjsonResult struct {
	Source      rdjsonSource       `json:"source"`
	Diagnostics []rdjsonDiagnostic `json:"diagnostics"`
}

type rdjsonSource struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

type rdjsonDiagnostic struct {
	Message     string             `json:"message"`
	Location    rdjsonLocation     `json:"location"`
	Severity    string             `json:"severity"`
	Code        rdjsonCode         `json:"code"`
	Suggestions []rdjsonSuggestion `json:"suggestions,omitempty"`
}

type rdjsonLocation struct {
	Path  string      `json:"path"`
	Range rdjsonRange `json:"range"`
}

type rdjsonRange struct {
	Start rdjsonPosition  `json:"start"`
	End   *rdjsonPosition `json:"end,omitempty"`
}

// rdjsonPosition is 1-based; the column counts bytes (UTF-8), as reviewdog
// defines it.
type rdjsonPosition struct {
	Line   int `json:"line"`
	Column int `json:"column"`
}

type rdjsonCode struct {
	Value string `json:"value"`
	URL   string `json:"url,omitempty"`
}

type rdjsonSuggestion struct {
	Range rdjsonRange `json:"range"`
	Text  string      `json:"text"`
}

// WriteRDJSON prints the report in reviewdog's Diagnostic Format (rdjson):
//
//	{"source":{"name":"xaccel","url":...},"diagnostics":[{"message":...,
//	  "location":{"path":F,"range":{"start":{"line":L,"column":C},"end":...}},
//	  "severity":"ERROR","code":{"value":RULE,"url":...},"suggestions":[...]}]}
//
// Severity is ERROR, WARNING or INFO. The range is the statement head, its
// end exclusive. suggestions are the edits --fix would make for the
// finding (in its file), each a range of the text as linted and its
// replacement, so that reviewdog can offer them on a pull request.
func WriteRDJSON(w io.Writer, r *Report) error {
	r = r.displayed() // see paths.go
	out := rdjsonResult{
		Source:      rdjsonSource{Name: "xaccel", URL: informationURI},
		Diagnostics: []rdjsonDiagnostic{},
	}
	for _, f := range r.Findings {
		d := rdjsonDiagnostic{
			Message:  f.Message,
			Location: rdjsonLocation{Path: filepath.ToSlash(f.Pos.File), Range: rdjsonRange{Start: rdjsonPosition{Line: f.Pos.Line, Column: max(f.Pos.Column, 1)}}},
			Severity: rdjsonSeverity(f.Severity),
			Code:     rdjsonCode{Value: f.Rule, URL: DocFor(f.Rule).HelpURI},
		}
		if end := f.End; end.Line > f.Pos.Line || end.Line == f.Pos.Line && end.Column >= f.Pos.Column {
			d.Location.Range.End = &rdjsonPosition{Line: end.Line, Column: end.Column + 1}
		}
		src := r.Sources[f.Pos.File]
		for _, e := range f.Fix {
			if e.File != f.Pos.File {
				continue // reviewdog suggests edits in the diagnostic's file only
			}
			start, ok1 := positionAt(src, e.Start)
			end, ok2 := positionAt(src, e.End)
			if !ok1 || !ok2 {
				continue
			}
			d.Suggestions = append(d.Suggestions, rdjsonSuggestion{Range: rdjsonRange{Start: start, End: &end}, Text: e.Text})
		}
		out.Diagnostics = append(out.Diagnostics, d)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

func rdjsonSeverity(s Severity) string {
	switch s {
	case Error:
		return "ERROR"
	case Warning:
		return "WARNING"
	}
	return "INFO"
}

// positionAt is the line and byte column (both 1-based) of offset off in
// src; off may be len(src), the end of the text.
func positionAt(src []byte, off int) (rdjsonPosition, bool) {
	if src == nil || off < 0 || off > len(src) {
		return rdjsonPosition{}, false
	}
	before := src[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := off - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return rdjsonPosition{Line: line, Column: col}, true
}
