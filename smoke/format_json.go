package smoke

import (
	"encoding/json"
	"io"
)

type jsonProbe struct {
	Kind     string `json:"kind"`
	Variant  string `json:"variant"`
	Method   string `json:"method"`
	Target   string `json:"target"`
	Range    string `json:"range,omitempty"`
	Prefix   string `json:"prefix,omitempty"`
	Status   int    `json:"status"`
	Bytes    int64  `json:"bytes"`
	Pass     bool   `json:"pass"`
	Untested bool   `json:"untested,omitempty"`
	Problem  string `json:"problem,omitempty"`
	Reason   string `json:"reason"`
}

type jsonSummary struct {
	Probes   int `json:"probes"`
	Passed   int `json:"passed"`
	Failed   int `json:"failed"`
	Untested int `json:"untested"`
	Requests int `json:"requests"`
}

type jsonReport struct {
	Version int         `json:"version"`
	Target  string      `json:"target"`
	Probes  []jsonProbe `json:"probes"`
	Notes   []string    `json:"notes"`
	Summary jsonSummary `json:"summary"`
}

// WriteJSON prints the report as
// {"version":1,"target":URL,"probes":[{kind,variant,method,target,range,prefix,status,bytes,pass,untested,problem,reason}],
// "notes":[...],"summary":{probes,passed,failed,untested,requests}}; untested
// marks an exposure of the configuration that no probe could test. bytes is the
// Content-Length for HEAD (-1 when absent); status is 0 when nothing came back.
func WriteJSON(w io.Writer, r *Report) error {
	out := jsonReport{Version: 1, Target: r.Target, Probes: []jsonProbe{}, Notes: append([]string{}, r.Notes...)}
	for _, res := range r.Results {
		p := res.Probe
		out.Probes = append(out.Probes, jsonProbe{
			Kind: p.Kind, Variant: p.Variant, Method: p.Method, Target: p.Target, Range: p.Range, Prefix: p.Prefix,
			Status: res.Status, Bytes: res.Size, Pass: res.Pass, Untested: res.Untested, Problem: res.Problem, Reason: res.Reason,
		})
	}
	out.Summary = jsonSummary{Probes: len(r.Results), Passed: r.Passed(), Failed: r.Failed(), Untested: r.Untested(), Requests: r.Requests}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}
