package cmd

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/xaccel/xaccel/internal/realnginx"
)

func TestMain(m *testing.M) {
	// The tests' temporary files go on a tmpfs where there is one
	// (realnginx.ScratchInMemory).
	testscript.Main(realnginx.ScratchInMemory(m), map[string]func(){
		"xaccel": func() { os.Exit(Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
	})
}

// TestScripts drives the xaccel binary end to end with the scripts in
// testdata/script (see testscript's documentation for the syntax).
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:  "../testdata/script",
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){"fetch": fetch},
	})
}

// fetch READYFILE PATH waits (up to 10 s) for a server started with
// --ready-file to write its address, GETs PATH from it and prints the
// status, the headers (sorted) and the body.
func fetch(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: fetch READYFILE PATH")
	}
	var addr string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if b, err := os.ReadFile(ts.MkAbs(args[0])); err == nil && strings.HasSuffix(string(b), "\n") {
			addr = strings.TrimSpace(string(b))
			break
		}
	}
	if addr == "" {
		ts.Fatalf("no address in %s after 10 s", args[0])
	}
	client := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get("http://" + addr + args[1])
	if err != nil {
		ts.Fatalf("GET %s: %v", args[1], err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var keys []string
	for k := range resp.Header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Fprintf(ts.Stdout(), "status %d\n", resp.StatusCode)
	for _, k := range keys {
		for _, v := range resp.Header[k] {
			fmt.Fprintf(ts.Stdout(), "%s: %s\n", k, v)
		}
	}
	fmt.Fprintf(ts.Stdout(), "\n%s", body)
	if neg {
		ts.Fatalf("fetch does not support !")
	}
}
