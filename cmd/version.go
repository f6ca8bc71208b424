package cmd

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Stamped at link time by release builds (.goreleaser.yaml):
//
//	-X github.com/xaccel/xaccel/cmd.buildVersion=1.2.3
//	-X github.com/xaccel/xaccel/cmd.buildCommit=<full commit>
//	-X github.com/xaccel/xaccel/cmd.buildDate=<RFC 3339 time>
//
// Without them, `go install github.com/xaccel/xaccel@v1.2.3` still reports
// its module version, and a build from a checkout the commit and time Go
// records from version control.
var (
	buildVersion = ""
	buildCommit  = ""
	buildDate    = ""
)

// build is what a binary knows of where it came from.
type build struct {
	Version string // "dev" when nothing says otherwise
	Commit  string // "" when unknown
	Date    string // "" when unknown
}

// currentBuild combines the stamped values with Go's build information;
// stamped values win.
func currentBuild() build {
	b := build{Version: buildVersion, Commit: buildCommit, Date: buildDate}
	if info, ok := debug.ReadBuildInfo(); ok {
		if b.Version == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			b.Version = info.Main.Version
		}
		for _, s := range info.Settings {
			switch {
			case s.Key == "vcs.revision" && b.Commit == "":
				b.Commit = s.Value
			case s.Key == "vcs.time" && b.Date == "":
				b.Date = s.Value
			}
		}
	}
	if b.Version == "" {
		b.Version = "dev"
	}
	return b
}

// String is the one-line form used by --version, man pages and SARIF
// output: "1.2.3 (abcdef123456, 2026-01-02T03:04:05Z)".
func (b build) String() string {
	commit := b.Commit
	if len(commit) > 12 {
		commit = commit[:12]
	}
	switch {
	case commit != "" && b.Date != "":
		return fmt.Sprintf("%s (%s, %s)", b.Version, commit, b.Date)
	case commit != "":
		return fmt.Sprintf("%s (%s)", b.Version, commit)
	case b.Date != "":
		return fmt.Sprintf("%s (%s)", b.Version, b.Date)
	}
	return b.Version
}

// version is the one-line version of this binary.
func version() string { return currentBuild().String() }

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and build date of this binary",
		Long: `Print the version, commit and build date of this binary.

Release binaries and images are stamped at build time; a binary from
'go install' reports its module version, and a build from a checkout
reports "dev" with the commit it was built from.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			b := currentBuild()
			orUnknown := func(s string) string {
				if s == "" {
					return "unknown"
				}
				return s
			}
			fmt.Fprintf(c.OutOrStdout(), "xaccel %s\ncommit: %s\nbuilt:  %s\n", b.Version, orUnknown(b.Commit), orUnknown(b.Date))
			return nil
		},
	}
}
