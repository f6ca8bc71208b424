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
// {"version":1,"findings":[{rule,severity,file,line,column,message}],"summary":{...}}.
func WriteJSON(w io.Writer, r *Report) error {
	out := jsonReport{Version: 1, Findings: []jsonFinding{}}
	for _, f := range r.Findings {
		out.Findings = append(out.Findings, jsonFinding{
			Rule: f.Rule, Severity: f.Severity.String(), File: f.Pos.File,
			Line: f.Pos.Line, Column: f.Pos.Column, Message: f.Message,
		})
	}
	e, wn, in := r.Count()
	out.Summary = jsonSummary{Files: r.Files, Findings: len(r.Findings), Errors: e, Warnings: wn, Infos: in}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}
