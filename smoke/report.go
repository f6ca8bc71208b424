package smoke

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Formats are the report formats, for --format.
var Formats = []string{"text", "json", "junit"}

// Report is the outcome of a run.
type Report struct {
	Target   string
	Results  []Result
	Notes    []string
	Requests int // requests sent
}

// Failed is the number of probes that failed.
func (r *Report) Failed() int {
	n := 0
	for _, res := range r.Results {
		if !res.Pass && !res.Untested {
			n++
		}
	}
	return n
}

// Untested is the number of exposures of the configuration that no probe
// could test.
func (r *Report) Untested() int {
	n := 0
	for _, res := range r.Results {
		if res.Untested {
			n++
		}
	}
	return n
}

// Passed is the number of probes that passed.
func (r *Report) Passed() int { return len(r.Results) - r.Failed() - r.Untested() }

// ExitCode is 1 when a probe failed, else 2 when an exposure of the
// configuration could not be tested, else 0.
func (r *Report) ExitCode() int {
	switch {
	case r.Failed() > 0:
		return 1
	case r.Untested() > 0:
		return 2
	}
	return 0
}

// CheckFormat reports an unknown format.
func CheckFormat(f string) error {
	for _, n := range Formats {
		if f == n {
			return nil
		}
	}
	return fmt.Errorf("--format: unknown format %q (want %s)", f, strings.Join(Formats, ", "))
}

// Write renders the report in one format.
func Write(w io.Writer, format string, r *Report) error {
	switch format {
	case "text":
		return WriteText(w, r)
	case "json":
		return WriteJSON(w, r)
	case "junit":
		return WriteJUnit(w, r)
	}
	return CheckFormat(format)
}

// Name is the probe's kind, with its variant unless it is plain:
// "direct", "direct/head", "via/nosniff".
func (p *Probe) Name() string {
	if p.Variant == "" || p.Variant == VariantPlain {
		return p.Kind
	}
	return p.Kind + "/" + p.Variant
}

// Sent describes the request: "GET /media/x" with its Range header.
func (p *Probe) Sent() string {
	s := p.Method + " " + p.Target
	if p.Range != "" {
		s += " (Range: " + p.Range + ")"
	}
	return s
}

// Got describes the answer: "404", "200, 1234 bytes", "no answer".
func (r *Result) Got() string {
	if r.Untested {
		return "not sent"
	}
	if r.Status == 0 {
		return "no answer"
	}
	s := strconv.Itoa(r.Status)
	switch {
	case r.Probe.Method == "HEAD" && r.Size >= 0:
		s += ", Content-Length " + strconv.FormatInt(r.Size, 10)
	case r.Probe.Method != "HEAD":
		s += ", " + strconv.FormatInt(r.Size, 10) + " bytes"
	}
	return s
}
