package proxy

import (
	"flag"
	"os"
	"testing"

	"github.com/xaccel/xaccel/internal/realnginx"
)

// realParallel is how many tests run at once unless -parallel says
// otherwise: the tests against real nginx run both servers side by side and
// mostly wait for them (timeouts of a second or more among them).
const realParallel = 8

// TestMain raises -parallel and runs the tests with their temporary files
// on a tmpfs where there is one (realnginx.ScratchInMemory).
func TestMain(m *testing.M) {
	flag.Parse()
	realnginx.RaiseParallel(realParallel)
	os.Exit(realnginx.ScratchInMemory(m).Run())
}
