package cmd

import (
	"errors"
	"fmt"
	"io"
	"os"
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
	root        string
	failOn      string
	outputs     []outputSpec // --format and --output, in command-line order
	color       string
	noSuppress  bool
	config      string
	noConfig    bool
	fix         bool
	diff        bool
	backup      bool
	disable     []string
	enable      []string
	quiet       bool
	env         []string
	envFiles    []string
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
--prefix (default: the directory of each PATH); one that is missing (a
server-only file of a repository copy) is an include-not-found finding
and the rest is analysed; --root DIR reads absolute includes under DIR.
Templates: --env NAME=VALUE and --env-file FILE substitute $NAME and
${NAME} in every file as envsubst does for the official nginx image's
*.template files (nginx's own $host stays); Jinja, ERB or Go template
markup is a syntax finding that says how to render the file first.

Rules: syntax, media-not-internal, alias-traversal, regex-bypasses-internal,
root-exposes-protected, accel-header-exposed, media-missing-nosniff,
unused-suppression, suppression-missing-reason (see docs/rules.md).

Formats: text, json, sarif, github, checkstyle, gitlab, rdjson. A
deliberate exception is a comment: '# xaccel:ignore RULE -- reason' on the
line before the statement or at the end of its line,
'# xaccel:ignore-file RULE -- reason' for a file.
Settings can live in .xaccel.yaml (xaccel init writes one). All flags, the
formats and the config keys: docs/usage.md.

Exit codes:
  0  no finding at or above --fail-on (with --diff: nothing would change)
  1  findings at or above --fail-on (a syntax finding always counts), or
     --diff would change something
  2  usage error, unreadable input, a bad .xaccel.yaml, or a fix that could
     not be applied safely`,
		Example: `  xaccel lint /etc/nginx/nginx.conf
  xaccel lint --prefix /etc/nginx sites-available/app.conf
  xaccel lint --env NGINX_HOST=example.com templates/default.conf.template
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
	f.StringVar(&o.root, "root", "", "read absolute include paths under `DIR`, as a chroot would: /etc/nginx/x.conf is DIR/etc/nginx/x.conf")
	f.StringVar(&o.failOn, "fail-on", "warning", "exit 1 when a finding is at or above `LEVEL`: error, warning or info")
	f.Var(&outputsFlag{list: &o.outputs}, "format", "output `FORMAT`: "+strings.Join(lint.Formats, ", ")+"; repeatable, each one followed optionally by its --output")
	f.Var(&outputsFlag{list: &o.outputs, output: true}, "output", "write the --format given just before it to `FILE` instead of standard output (atomically); before any --format it applies to text")
	f.StringVar(&o.color, "color", "auto", "colour the text output: auto (on a terminal, unless NO_COLOR is set), always or never")
	f.BoolVar(&o.noSuppress, "no-suppress", false, "ignore # xaccel:ignore comments and report everything")
	f.StringVar(&o.config, "config", "", "read this `FILE` instead of looking for "+lint.ConfigFileName+" from the working directory up")
	f.BoolVar(&o.noConfig, "no-config", false, "read no "+lint.ConfigFileName)
	f.BoolVar(&o.fix, "fix", false, "apply the mechanical fixes to the files in place (atomically), then report what remains")
	f.BoolVar(&o.diff, "diff", false, "print the fixes as a unified diff instead of applying them; exit 1 when anything would change")
	f.BoolVar(&o.backup, "backup", false, "with --fix, keep each changed file's previous content as FILE.orig")
	f.StringArrayVar(&o.disable, "disable", nil, "switch off the rule `RULE` (repeatable); over its level in "+lint.ConfigFileName)
	f.StringArrayVar(&o.enable, "enable", nil, "switch on the rule `RULE` at its default severity (repeatable), although "+lint.ConfigFileName+" switches it off or sets another level")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "print only the findings: no summary line, nothing at all on a clean run")
	f.StringArrayVar(&o.env, "env", nil, "substitute `NAME=VALUE` for $NAME and ${NAME} in every file, as envsubst does for *.template files (repeatable; over --env-file)")
	f.StringArrayVar(&o.envFiles, "env-file", nil, "read template variables from `FILE`: NAME=VALUE lines, # comments (repeatable; over env: of "+lint.ConfigFileName+")")
	c.MarkFlagsMutuallyExclusive("config", "no-config")
	c.MarkFlagsMutuallyExclusive("fix", "diff")
	c.ValidArgsFunction = func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"conf"}, cobra.ShellCompDirectiveFilterFileExt
	}
	registerLintCompletions(c)
	return c
}

// registerLintCompletions offers the values of the enumerated flags, and
// directories or YAML files where a flag takes one.
func registerLintCompletions(c *cobra.Command) {
	values := func(vs ...string) cobra.CompletionFunc {
		return func(_ *cobra.Command, _ []string, prefix string) ([]string, cobra.ShellCompDirective) {
			var out []string
			for _, v := range vs {
				if strings.HasPrefix(v, prefix) {
					out = append(out, v)
				}
			}
			return out, cobra.ShellCompDirectiveNoFileComp
		}
	}
	dirs := func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return nil, cobra.ShellCompDirectiveFilterDirs
	}
	for name, fn := range map[string]cobra.CompletionFunc{
		"format":  values(lint.Formats...),
		"fail-on": values("error", "warning", "info"),
		"color":   values("auto", "always", "never"),
		"disable": values(lint.ConfigurableRules()...),
		"enable":  values(lint.ConfigurableRules()...),
		"prefix":  dirs,
		"root":    dirs,
		"env": func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return nil, cobra.ShellCompDirectiveNoFileComp
		},
		"config": func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return []string{"yaml", "yml"}, cobra.ShellCompDirectiveFilterFileExt
		},
	} {
		// Registering on a flag that exists cannot fail.
		_ = c.RegisterFlagCompletionFunc(name, fn)
	}
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

// lintEnv gathers the template variables: env_file: and env: of
// .xaccel.yaml, then each --env-file, then --env, each over the ones
// before. nil when there are none.
func lintEnv(o *lintOptions, cf *lint.ConfigFile) (map[string]string, error) {
	env := map[string]string{}
	if cf != nil {
		if err := cf.LoadEnv(env); err != nil {
			return nil, usagef("%v", err)
		}
	}
	for _, f := range o.envFiles {
		if err := lint.ReadEnvFile(env, f); err != nil {
			return nil, usagef("--env-file: %v", err)
		}
	}
	if err := lint.ParseEnv(env, o.env); err != nil {
		return nil, usagef("%v", err)
	}
	if len(env) == 0 {
		return nil, nil
	}
	return env, nil
}

func runLint(c *cobra.Command, o *lintOptions, args []string, stdin io.Reader) error {
	levels, err := lint.RuleFlags(o.disable, o.enable)
	if err != nil {
		return usagef("%v", err)
	}
	if err := lint.CheckURLPrefixes("--protect", o.protect); err != nil {
		return usagef("%v", err)
	}
	if err := lint.CheckURLPrefixes("--public", o.public); err != nil {
		return usagef("%v", err)
	}
	opts := lint.LintOptions{
		Options: lint.Options{Protect: o.protect, ProtectDirs: o.protectDirs, Public: o.public, NoSuppress: o.noSuppress, Levels: levels},
		Prefix:  o.prefix,
		Root:    o.root,
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
	if opts.Env, err = lintEnv(o, cf); err != nil {
		return err
	}
	if len(opts.Env) > 0 && (o.fix || o.diff) {
		return usagef("--fix and --diff edit the files as written, and template variables (--env, --env-file, env: of %s) change what is read; run them without the variables (--no-config skips %s)", lint.ConfigFileName, lint.ConfigFileName)
	}
	failOn, err := lint.ParseSeverity(o.failOn)
	if err != nil {
		return usagef("--fail-on: %v", err)
	}
	var requested []lint.Output
	for _, s := range o.outputs {
		requested = append(requested, s.Output)
	}
	outputs, err := lint.CheckOutputs(requested)
	if err != nil {
		return usagef("%v", err)
	}
	color, err := useColor(o.color, c.OutOrStdout())
	if err != nil {
		return err
	}
	if len(args) == 0 {
		args = []string{"/etc/nginx/nginx.conf"}
	}
	if o.backup && !o.fix {
		return usagef("--backup only works with --fix")
	}
	if o.diff {
		return runDiff(c, args, opts, failOn, o.quiet)
	}
	var report *lint.Report
	if o.fix {
		report, err = runFix(c, args, opts, o.backup, o.quiet)
	} else {
		report, err = lint.LintPaths(args, opts)
	}
	if err != nil {
		var ie *nginx.InputError
		if errors.As(err, &ie) {
			return usagef("%v", err)
		}
		return err
	}
	wd, _ := os.Getwd()
	ro := lint.RenderOptions{Color: color, ColorFiles: o.color == "always", BaseDir: lint.RepoRoot(wd), Version: version(), Quiet: o.quiet}
	if err := lint.WriteOutputs(c.OutOrStdout(), outputs, report, ro); err != nil {
		return usagef("%v", err)
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

// outputSpec is one --format and the --output that follows it.
type outputSpec struct {
	lint.Output
	hasOut bool // an --output was given for it
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
		*f.list = append(l, outputSpec{Output: lint.Output{Format: v}})
	case len(l) == 0:
		*f.list = append(l, outputSpec{Output: lint.Output{Format: "text", File: v}, hasOut: true})
	case l[len(l)-1].hasOut:
		return fmt.Errorf("format %s already goes to %q; give a --format before each --output", l[len(l)-1].Format, l[len(l)-1].File)
	default:
		l[len(l)-1].File, l[len(l)-1].hasOut = v, true
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
			parts = append(parts, s.File)
		} else {
			parts = append(parts, s.Format)
		}
	}
	return strings.Join(parts, ",")
}

func (f *outputsFlag) Type() string { return "string" }

// runFix applies the fixes and returns the findings that remain.
func runFix(c *cobra.Command, args []string, opts lint.LintOptions, backup, quiet bool) (*lint.Report, error) {
	mode := lint.FixWrite
	if backup {
		mode = lint.FixWriteBackup
	}
	res, err := lint.Fix(args, opts, mode)
	if err != nil {
		return nil, err
	}
	reportFixes(c.ErrOrStderr(), res, quiet)
	return res.Remaining, nil
}

// runDiff prints the fixes as a unified diff: exit 1 when anything would
// change, else the exit code of the findings.
func runDiff(c *cobra.Command, args []string, opts lint.LintOptions, failOn lint.Severity, quiet bool) error {
	res, err := lint.Fix(args, opts, lint.FixDiff)
	if err != nil {
		var ie *nginx.InputError
		if errors.As(err, &ie) {
			return usagef("%v", err)
		}
		return err
	}
	reportFixes(c.ErrOrStderr(), res, quiet)
	if _, err := io.WriteString(c.OutOrStdout(), res.Diff()); err != nil {
		return err
	}
	if res.Changed() {
		return &exitError{ExitFindings}
	}
	if n := len(res.Remaining.Findings); n > 0 && !quiet {
		fmt.Fprintf(c.ErrOrStderr(), "xaccel: nothing to fix; %d finding(s) need a change by hand (run xaccel lint without --diff to see them)\n", n)
	}
	if code := res.Remaining.ExitCode(failOn); code != 0 {
		return &exitError{code}
	}
	return nil
}

// reportFixes tells, on standard error, which files were changed (unless
// quiet) and which fixes were left out.
func reportFixes(w io.Writer, res *lint.FixResult, quiet bool) {
	for _, f := range res.Files {
		if f.Written && !quiet {
			msg := "xaccel: fixed " + f.Path
			if f.Backup != "" {
				msg += " (previous content in " + f.Backup + ")"
			}
			fmt.Fprintln(w, msg)
		}
	}
	for _, s := range res.Skipped {
		fmt.Fprintf(w, "xaccel: not fixed: %s: [%s] %s\n", s.Finding.Pos, s.Finding.Rule, s.Reason)
	}
}
