package cmd

import (
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

func newDocsCmd() *cobra.Command {
	var manDir string
	c := &cobra.Command{
		Use:   "docs --man DIR",
		Short: "Generate man pages for every command",
		Long: `Generate a man page (section 1) for xaccel and each of its commands into
DIR, which is created if needed.

Exit codes: 0 written, 2 usage error or DIR cannot be written.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if manDir == "" {
				return usagef("docs: give --man DIR")
			}
			if err := os.MkdirAll(manDir, 0o755); err != nil {
				return usagef("docs: %v", err)
			}
			root := c.Root()
			root.DisableAutoGenTag = true
			header := &doc.GenManHeader{Title: "XACCEL", Section: "1", Source: "xaccel " + version()}
			if err := doc.GenManTree(root, header, manDir); err != nil {
				return usagef("docs: %v", err)
			}
			return nil
		},
	}
	c.Flags().StringVar(&manDir, "man", "", "write man pages into `DIR`")
	return c
}
