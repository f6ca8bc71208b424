package cmd

import (
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"xaccel": func() { os.Exit(Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
	})
}

// TestScripts drives the xaccel binary end to end with the scripts in
// testdata/script (see testscript's documentation for the syntax).
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{Dir: "../testdata/script"})
}
