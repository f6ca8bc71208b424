package lint

import (
	"io"

	"github.com/xaccel/xaccel/nginx"
)

// Report is the result of linting one or more inputs.
type Report struct {
	Findings []Finding
	Files    int               // configuration files read
	Sources  map[string][]byte // file name -> content, for source snippets
}

// LintOptions are the inputs of LintPaths.
type LintOptions struct {
	Options
	Prefix string    // include prefix; default: each main file's directory
	Stdin  io.Reader // read for the path "-"
}

// LintPaths loads each path as its own configuration and lints it. An
// *nginx.InputError means an input could not be read at all.
func LintPaths(paths []string, o LintOptions) (*Report, error) {
	r := &Report{Sources: map[string][]byte{}}
	for _, p := range paths {
		cfg, err := nginx.Load(p, nginx.LoadOptions{Prefix: o.Prefix, Stdin: o.Stdin})
		if err != nil {
			return nil, err
		}
		r.Add(cfg, Run(cfg, o.Options))
	}
	r.Findings = Sort(r.Findings)
	return r, nil
}

// Add records a linted configuration.
func (r *Report) Add(cfg *nginx.Config, fs []Finding) {
	for _, f := range cfg.Files {
		if _, ok := r.Sources[f.Path]; !ok {
			r.Files++
			r.Sources[f.Path] = f.Src
		}
	}
	r.Findings = append(r.Findings, fs...)
}

// Count returns how many findings have each severity.
func (r *Report) Count() (errors, warnings, infos int) {
	for _, f := range r.Findings {
		switch f.Severity {
		case Error:
			errors++
		case Warning:
			warnings++
		case Info:
			infos++
		}
	}
	return
}

// ExitCode is 1 when any finding is at or above failOn, else 0.
func (r *Report) ExitCode(failOn Severity) int {
	for _, f := range r.Findings {
		if f.Severity >= failOn {
			return 1
		}
	}
	return 0
}
