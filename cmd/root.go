// Package cmd is the command-line layer: flags into option structs, one
// call into a package, and exit codes. It holds no logic of its own.
package cmd

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// Exit codes, documented in --help and docs/usage.md.
const (
	ExitOK       = 0
	ExitFindings = 1
	ExitUsage    = 2
)

// exitError carries an exit code out of a command without printing anything more.
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

// usageError is a problem with the command line or an unreadable input (exit 2).
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }

func usagef(format string, a ...any) error { return &usageError{fmt.Errorf(format, a...)} }

// Main runs xaccel with args and returns the exit code.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRoot(stdin)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	fmt.Fprintf(stderr, "xaccel: %v\n", err)
	var ue *usageError
	if !errors.As(err, &ue) {
		// cobra's own errors (unknown flag, bad value) are usage errors too
		fmt.Fprintln(stderr, "Run 'xaccel --help' for usage.")
	}
	return ExitUsage
}

func newRoot(stdin io.Reader) *cobra.Command {
	root := &cobra.Command{
		Use:   "xaccel",
		Short: "Check and prove nginx X-Accel-Redirect setups that protect private files",
		Long: `xaccel checks nginx configurations that serve private files through
X-Accel-Redirect: the app decides who may download a file, and nginx sends
the bytes from an internal location.

Exit codes: 0 success, 1 findings (or failed checks), 2 usage error or
unreadable input.`,
		Version:       version(),
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetVersionTemplate("xaccel {{.Version}}\n")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usagef("%v (see 'xaccel %s --help')", err, c.Name())
	})
	root.AddCommand(newLintCmd(stdin), newServeCmd(stdin), newSmokeCmd(stdin), newGenerateCmd(), newInitCmd(), newDocsCmd(), newVersionCmd())
	return root
}
