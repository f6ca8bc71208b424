//go:build unix

package proxy

import (
	"os"
	"runtime/debug"
	"sync"
)

// serveGCPercent is the garbage collector setting of a process that serves
// with a Handler. Serving keeps little alive (the configuration, buffers
// for the requests in flight) and allocates a few kilobytes per request,
// so with Go's default of 100 the collector runs many times a second for
// a heap of a few megabytes; 400 lets the heap grow to about five times
// what is live (a few tens of megabytes) between collections and takes
// several percent of the CPU time per request off (bench/serve.sh).
const serveGCPercent = 400

var tuneOnce sync.Once

// tuneRuntime raises the GC percent to serveGCPercent, once per process,
// unless GOGC is set in the environment (then the user's choice stands) or
// the setting is already higher (or off).
func tuneRuntime() {
	tuneOnce.Do(func() {
		if _, set := os.LookupEnv("GOGC"); set {
			return
		}
		if old := debug.SetGCPercent(serveGCPercent); old < 0 || old > serveGCPercent {
			debug.SetGCPercent(old)
		}
	})
}
