package cmd

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/xaccel/xaccel/lint"
	"github.com/xaccel/xaccel/nginx"
)

type lintOptions struct {
	protect     []string
	protectDirs []string
	public      []string
	prefix      string
	failOn      string
	outputs     []outputSpec // --format and --output, in command-line order
	color       string
	noSuppress  bool
	config      string
	noConfig    bool
}

func newLintCmd(stdin io.Reader) *cobra.Command {
	o := &lintOptions{}
	c := &cobra.Command{
		Use:   "lint [PATH...]",
		Short: "Find the ways an nginx configuration leaks protected files",
		Long: `Lint nginx configurations for the ways protected media leaks: a media
location without internal, a regex location that wins over an internal
prefix, an alias off by one slash, a root that reaches into the protected
directory, X-Accel headers shown to clients, nosniff missing.

PATH is a main configuration (default /etc/nginx/nginx.conf), a fragment
with server or location blocks at the top level (a sites-available file),
an 'nginx -T' dump (findings then name the original files), or - for
standard input. Includes are followed like nginx does, relative to
--prefix (default: the directory of each PATH).

Rules: syntax, media-not-internal, alias-traversal, regex-bypasses-internal,
root-exposes-protected, accel-header-exposed, media-missing-nosniff
(see docs/rules.md).

Exit codes:
  0  no finding at or above --fail-on
  1  findings at or above --fail-on (a syntax finding always counts)
  2  usage error or unreadable input`,
		Example: `  xaccel lint /etc/nginx/nginx.conf
  xaccel lint --prefix /etc/nginx sites-available/app.conf
  nginx -T 2>/dev/null | xaccel lint -
  xaccel lint --protect /media/ --format json nginx.conf
  xaccel lint --format sarif --output xaccel.sarif --format text nginx.conf`,
		RunE: func(c *cobra.Command, args []string) error {
			return runLint(c, o, args, stdin)
		},
	}
	f := c.Flags()
	f.StringArrayVar(&o.protect, "protect", nil, "declare a URL `PREFIX` that holds protected files (repeatable)")
	f.StringArrayVar(&o.protectDirs, "protect-dir", nil, "declare a `DIR` on disk that holds protected files (repeatable)")
	f.StringArrayVar(&o.public, "public", nil, "declare a URL `PREFIX` public on purpose: not reported (repeatable)")
	f.StringVar(&o.prefix, "prefix", "", "resolve relative includes against `DIR` (default: the directory of each PATH)")
	f.StringVar(&o.failOn, "fail-on", "warning", "exit 1 when a finding is at or above `LEVEL`: error, warning or info")
	f.Var(&outputsFlag{list: &o.outputs}, "format", "output `FORMAT`: "+strings.Join(formatNames, ", ")+"; repeatable, each one followed optionally by its --output")
	f.Var(&outputsFlag{list: &o.outputs, output: true}, "output", "write the --format given just before it to `FILE` instead of standard output (atomically); before any --format it applies to text")
	f.StringVar(&o.color, "color", "auto", "colour the text output: auto (on a terminal, unless NO_COLOR is set), always or never")
	f.BoolVar(&o.noSuppress, "no-suppress", false, "ignore # xaccel:ignore comments and report everything")
	f.StringVar(&o.config, "config", "", "read this `FILE` instead of looking for "+lint.ConfigFileName+" from the working directory up")
	f.BoolVar(&o.noConfig, "no-config", false, "read no "+lint.ConfigFileName)
	c.MarkFlagsMutuallyExclusive("config", "no-config")
	c.ValidArgsFunction = func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"conf"}, cobra.ShellCompDirectiveFilterFileExt
	}
	return c
}

// lintConfig returns the .xaccel.yaml to use, or nil.
func lintConfig(o *lintOptions) (*lint.ConfigFile, error) {
	path := o.config
	if o.noConfig {
		return nil, nil
	}
	if path == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil, nil
		}
		if path = lint.FindConfig(wd); path == "" {
			return nil, nil
		}
	}
	cf, err := lint.LoadConfig(path)
	if err != nil {
		return nil, usagef("%v", err)
	}
	return cf, nil
}

func runLint(c *cobra.Command, o *lintOptions, args []string, stdin io.Reader) error {
	opts := lint.LintOptions{
		Options: lint.Options{Protect: o.protect, ProtectDirs: o.protectDirs, Public: o.public, NoSuppress: o.noSuppress},
		Prefix:  o.prefix,
		Stdin:   stdin,
	}
	cf, err := lintConfig(o)
	if err != nil {
		return err
	}
	if cf != nil {
		cf.Apply(&opts)
		if cf.FailOn != "" && !c.Flags().Changed("fail-on") {
			o.failOn = cf.FailOn
		}
	}
	failOn, err := lint.ParseSeverity(o.failOn)
	if err != nil {
		return usagef("--fail-on: %v", err)
	}
	outputs, err := checkOutputs(o.outputs)
	if err != nil {
		return err
	}
	color, err := useColor(o.color, c.OutOrStdout())
	if err != nil {
		return err
	}
	if len(args) == 0 {
		args = []string{"/etc/nginx/nginx.conf"}
	}
	// A large config is one big tree that stays alive until the end; a
	// tighter GC target keeps peak memory well below nginx -t's for the
	// cost of a few percent of time (see bench/lint.sh).
	debug.SetGCPercent(50)
	report, err := lint.LintPaths(args, opts)
	if err != nil {
		var ie *nginx.InputError
		if errors.As(err, &ie) {
			return usagef("%v", err)
		}
		return err
	}
	if err := writeOutputs(c.OutOrStdout(), outputs, report, color, o.color == "always"); err != nil {
		return err
	}
	if code := report.ExitCode(failOn); code != 0 {
		return &exitError{code}
	}
	return nil
}

func useColor(mode string, w io.Writer) (bool, error) {
	switch mode {
	case "always":
		return true, nil
	case "never":
		return false, nil
	case "auto":
		if os.Getenv("NO_COLOR") != "" {
			return false, nil
		}
		f, ok := w.(*os.File)
		return ok && term.IsTerminal(int(f.Fd())), nil
	}
	return false, usagef("--color: unknown value %q (want auto, always or never)", mode)
}

// formatNames are the values of --format.
var formatNames = []string{"text", "json", "sarif", "github", "checkstyle"}

// outputSpec is one --format and the --output that follows it.
type outputSpec struct {
	format string
	file   string // "" (or "-") for standard output
	hasOut bool   // an --output was given for it
}

// outputsFlag is the pflag.Value behind both --format and --output. pflag
// calls Set in command-line order, so both flags append to or complete one
// ordered list: --format starts an entry, --output completes the last one.
type outputsFlag struct {
	list   *[]outputSpec
	output bool // this is --output
}

func (f *outputsFlag) Set(v string) error {
	l := *f.list
	switch {
	case !f.output:
		*f.list = append(l, outputSpec{format: v})
	case len(l) == 0:
		*f.list = append(l, outputSpec{format: "text", file: v, hasOut: true})
	case l[len(l)-1].hasOut:
		return fmt.Errorf("format %s already goes to %q; give a --format before each --output", l[len(l)-1].format, l[len(l)-1].file)
	default:
		l[len(l)-1].file, l[len(l)-1].hasOut = v, true
	}
	return nil
}

func (f *outputsFlag) String() string {
	if f.list == nil || len(*f.list) == 0 {
		if f.output {
			return ""
		}
		return "text"
	}
	var parts []string
	for _, s := range *f.list {
		if f.output {
			parts = append(parts, s.file)
		} else {
			parts = append(parts, s.format)
		}
	}
	return strings.Join(parts, ",")
}

func (f *outputsFlag) Type() string { return "string" }

// checkOutputs validates the formats and their destinations: known formats,
// at most one of them on standard output, no file named twice. No --format
// at all means text on standard output.
func checkOutputs(specs []outputSpec) ([]outputSpec, error) {
	if len(specs) == 0 {
		return []outputSpec{{format: "text"}}, nil
	}
	stdout := ""
	files := map[string]string{}
	for i, s := range specs {
		known := false
		for _, n := range formatNames {
			known = known || s.format == n
		}
		if !known {
			return nil, usagef("--format: unknown format %q (want %s)", s.format, strings.Join(formatNames, ", "))
		}
		if s.file == "-" {
			specs[i].file = ""
		}
		if specs[i].file == "" {
			if stdout != "" {
				return nil, usagef("--format %s and --format %s both go to standard output; give one of them an --output FILE", stdout, s.format)
			}
			stdout = s.format
			continue
		}
		abs, err := filepath.Abs(s.file)
		if err != nil {
			return nil, usagef("--output %s: %v", s.file, err)
		}
		if prev, ok := files[abs]; ok {
			return nil, usagef("--output %s is given for both --format %s and --format %s", s.file, prev, s.format)
		}
		files[abs] = s.format
	}
	return specs, nil
}

// writeOutputs renders the report in every requested format, writes the
// files atomically and then standard output. Text written to a file is
// coloured only with --color always.
func writeOutputs(stdout io.Writer, specs []outputSpec, r *lint.Report, stdoutColor, alwaysColor bool) error {
	var toStdout []byte
	for _, s := range specs {
		var b bytes.Buffer
		var err error
		switch s.format {
		case "text":
			err = lint.WriteText(&b, r, s.file == "" && stdoutColor || s.file != "" && alwaysColor)
		case "json":
			err = lint.WriteJSON(&b, r)
		case "sarif":
			err = lint.WriteSARIF(&b, r, lint.SARIFOptions{BaseDir: sarifBaseDir(), Version: version()})
		case "github":
			err = lint.WriteGitHub(&b, r)
		case "checkstyle":
			err = lint.WriteCheckstyle(&b, r)
		}
		if err != nil {
			return err
		}
		if s.file == "" {
			toStdout = b.Bytes()
			continue
		}
		if err := writeFileAtomic(s.file, b.Bytes()); err != nil {
			return usagef("--output: %v", err)
		}
	}
	_, err := stdout.Write(toStdout)
	return err
}

// sarifBaseDir is the directory SARIF paths are relative to: the nearest
// directory upward from the working directory that holds .git (the
// repository root code scanning resolves paths against), else the working
// directory.
func sarifBaseDir() string {
	wd, err := os.Getwd()
	if err != nil {
		return ""
	}
	for d := wd; ; {
		if _, err := os.Stat(filepath.Join(d, ".git")); err == nil {
			return d
		}
		parent := filepath.Dir(d)
		if parent == d {
			return wd
		}
		d = parent
	}
}

// writeFileAtomic writes data to a temporary file in name's directory and
// renames it over name, so that a reader never sees a half-written file.
// An existing file keeps its permissions; a new one gets 0644.
func writeFileAtomic(name string, data []byte) (err error) {
	mode := os.FileMode(0o644)
	if st, err := os.Stat(name); err == nil {
		if !st.Mode().IsRegular() {
			return fmt.Errorf("%s is not a regular file", name)
		}
		mode = st.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Chmod(mode); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}
