// Command xaccel checks, serves and generates nginx setups that protect
// private files with X-Accel-Redirect.
package main

import (
	"os"

	"github.com/xaccel/xaccel/cmd"
)

func main() {
	os.Exit(cmd.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
