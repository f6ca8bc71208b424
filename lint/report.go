package lint

import (
	"errors"
	"io"
	"path/filepath"

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
	Root   string    // a directory absolute include paths are read under (--root)
	Stdin  io.Reader // read for the path "-"
	// Env are the variables of templates: $NAME and ${NAME} are replaced
	// in every file for the names it defines, as envsubst does in the
	// official nginx image (see Substitute).
	Env map[string]string
}

// loadOptions are how lint reads a configuration: a missing include is a
// finding (include-not-found), not the end of the analysis.
func (o LintOptions) loadOptions(prefix string) nginx.LoadOptions {
	root := o.Root
	if root != "" {
		if a, err := filepath.Abs(root); err == nil {
			root = a
		}
	}
	return nginx.LoadOptions{Prefix: prefix, Root: root, Stdin: o.Stdin, AllowMissing: true}
}

// LintPaths loads each path as its own configuration (see load) and lints it. An
// *nginx.InputError means an input could not be read at all.
func LintPaths(paths []string, o LintOptions) (*Report, error) {
	r := &Report{Sources: map[string][]byte{}}
	for _, p := range paths {
		cfg, err := o.load(p)
		if err != nil {
			return nil, err
		}
		if err := checkNotEmpty(p, cfg); err != nil {
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
		if f.Stock {
			continue // a stand-in, not one of the user's files
		}
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

// checkNotEmpty refuses an input without a single directive: an empty
// file, or `nginx -T 2>/dev/null | xaccel lint -` where nginx printed
// nothing (not installed, or the configuration is broken). "No findings"
// would say it was checked.
func checkNotEmpty(p string, cfg *nginx.Config) error {
	if len(cfg.Errors) > 0 || cfg.Root == nil || len(cfg.Root.Block) > 0 {
		return nil
	}
	msg := "no configuration: the input has no directive"
	if p == "-" {
		msg += "; if it comes from nginx -T, nginx printed nothing on standard output (run nginx -T alone to see why)"
	}
	return &nginx.InputError{Path: p, Err: errors.New(msg)}
}
