package cmd

import (
	"errors"
	"io"
	"os"
	"runtime/debug"

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
	format      string
	color       string
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
  xaccel lint --protect /media/ --format json nginx.conf`,
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
	f.StringVar(&o.format, "format", "text", "output `FORMAT`: text or json")
	f.StringVar(&o.color, "color", "auto", "colour the text output: auto (on a terminal, unless NO_COLOR is set), always or never")
	return c
}

func runLint(c *cobra.Command, o *lintOptions, args []string, stdin io.Reader) error {
	failOn, err := lint.ParseSeverity(o.failOn)
	if err != nil {
		return usagef("--fail-on: %v", err)
	}
	if o.format != "text" && o.format != "json" {
		return usagef("--format: unknown format %q (want text or json)", o.format)
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
	report, err := lint.LintPaths(args, lint.LintOptions{
		Options: lint.Options{Protect: o.protect, ProtectDirs: o.protectDirs, Public: o.public},
		Prefix:  o.prefix,
		Stdin:   stdin,
	})
	if err != nil {
		var ie *nginx.InputError
		if errors.As(err, &ie) {
			return usagef("%v", err)
		}
		return err
	}
	out := c.OutOrStdout()
	if o.format == "json" {
		err = lint.WriteJSON(out, report)
	} else {
		err = lint.WriteText(out, report, color)
	}
	if err != nil {
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
