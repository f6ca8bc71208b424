//go:build !unix

package cmd

import (
	"errors"
	"io"

	"github.com/spf13/cobra"
)

// newServeCmd, where serve cannot run: it opens files and sockets the way
// nginx does on Unix systems (openat, O_NOFOLLOW, non-blocking sockets,
// pread), which Windows does not have.
func newServeCmd(stdin io.Reader) *cobra.Command {
	return &cobra.Command{
		Use:   "serve (-c nginx.conf | --demo)",
		Short: "Run a stand-in for nginx that performs X-Accel-Redirect as nginx does (Linux and macOS)",
		Long: `xaccel serve runs on Linux and macOS: it opens files and sockets the way
nginx does there. On Windows, run it from the container image
(docker run --rm -v ./nginx:/etc/nginx ghcr.io/xaccel/xaccel serve ...)
or under WSL. lint, generate and smoke work here.`,
		DisableFlagParsing: true,
		RunE: func(c *cobra.Command, args []string) error {
			return &usageError{errors.New("xaccel serve runs on Linux and macOS, not on Windows: run it from the container image or under WSL (see xaccel serve --help)")}
		},
	}
}
