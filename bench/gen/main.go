// Command gen writes a large nginx configuration for benchmarks:
//
//	go run ./bench/gen -servers 10000 -o /tmp/10k.conf
//
// See internal/benchgen for what the configuration holds.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/xaccel/xaccel/internal/benchgen"
)

func main() {
	servers := flag.Int("servers", 1000, "number of server blocks")
	out := flag.String("o", "-", "output `FILE` (- for standard output)")
	flag.Parse()
	if flag.NArg() != 0 || *servers < 0 {
		flag.Usage()
		os.Exit(2)
	}
	data := benchgen.Config(*servers)
	var err error
	if *out == "-" {
		_, err = os.Stdout.Write(data)
	} else {
		err = os.WriteFile(*out, data, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
