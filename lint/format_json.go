package lint

import (
	"encoding/json"
	"io"
)

type jsonFinding struct {
	Rule     string `json:"rule"`
	Severity string `json:"severity"`
	File     string `json:"file"`
	Line     int    `json:"line"`
	Column   int    `json:"column"`
	Message  string `json:"message"`
	// Related are the other statements the message names.
	Related []jsonRelated `json:"related,omitempty"`
}

type jsonRelated struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Column int    `json:"column"`
	What   string `json:"what"`
}

type jsonSummary struct {
	Files    int `json:"files"`
	Findings int `json:"findings"`
	Errors   int `json:"errors"`
	Warnings int `json:"warnings"`
	Infos    int `json:"infos"`
}

type jsonReport struct {
	Version  int           `json:"version"`
	Findings []jsonFinding `json:"findings"`
	Summary  jsonSummary   `json:"summary"`
}

// WriteJSON prints the report as
// {"version":1,"findings":[{rule,severity,file,line,column,message,related}],"summary":{...}},
// related (the statements the message names: file, line, column, what)
// only when there are any.
func WriteJSON(w io.Writer, r *Report) error {
	r = r.displayed() // see paths.go
	out := jsonReport{Version: 1, Findings: []jsonFinding{}}
	for _, f := range r.Findings {
		out.Findings = append(out.Findings, jsonFinding{
			Rule: f.Rule, Severity: f.Severity.String(), File: f.Pos.File,
			Line: f.Pos.Line, Column: f.Pos.Column, Message: f.Message,
			Related: jsonRelatedOf(f.Related),
		})
	}
	e, wn, in := r.Count()
	out.Summary = jsonSummary{Files: r.Files, Findings: len(r.Findings), Errors: e, Warnings: wn, Infos: in}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

func jsonRelatedOf(rs []Related) []jsonRelated {
	var out []jsonRelated
	for _, r := range rs {
		out = append(out, jsonRelated{File: r.Pos.File, Line: r.Pos.Line, Column: r.Pos.Column, What: r.What})
	}
	return out
}
