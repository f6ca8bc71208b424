package cmd

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/xaccel/xaccel/lint"
)

func newInitCmd() *cobra.Command {
	var force bool
	c := &cobra.Command{
		Use:   "init",
		Short: "Write a commented default " + lint.ConfigFileName + " in the working directory",
		Long: `Write a commented default ` + lint.ConfigFileName + ` in the working directory.
xaccel lint finds it by walking up from the working directory; every key is
documented in docs/usage.md.

Exit codes: 0 written, 2 the file exists (without --force) or cannot be written.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if err := lint.WriteDefaultConfig(lint.ConfigFileName, force); err != nil {
				return usagef("init: %v", err)
			}
			fmt.Fprintf(c.OutOrStdout(), "wrote %s\n", lint.ConfigFileName)
			return nil
		},
	}
	c.Flags().BoolVar(&force, "force", false, "replace an existing "+lint.ConfigFileName)
	return c
}
