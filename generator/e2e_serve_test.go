package generator

// xaccel serve as the front: the generated nginx configuration, served by
// the xaccel binary of this checkout (built once per test run), in front of
// the same apps and with the same checks as real nginx, Caddy and Apache.
// runE2E puts each app behind real nginx and behind serve at once (the
// subtests TestE2E<Backend>/nginx and /serve).
// The configuration is generated for the test's own app address and private
// directory, so it needs no --upstream or --map-root: the app's
// X-Accel-Mapping (Rails, Laravel) must name the directory the files are
// really in, and both flags would map those paths onto themselves.

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xaccel/xaccel/internal/realnginx"
)

var (
	xaccelBinOnce sync.Once
	xaccelBinDir  string
	xaccelBin     string
	xaccelBinErr  error
)

// e2eParallel is how many tests run at once unless -parallel says
// otherwise: the end-to-end runs mostly wait for servers to start, answer
// and stop, so more of them than CPUs keep the machine busy.
const e2eParallel = 6

// TestMain raises go test's -parallel (unless it is given), runs the tests
// with their temporary files on a tmpfs where there is one
// (realnginx.ScratchInMemory), and removes the xaccel binary the serve
// tests built.
func TestMain(m *testing.M) {
	flag.Parse()
	realnginx.RaiseParallel(e2eParallel)
	code := realnginx.ScratchInMemory(m).Run()
	if xaccelBinDir != "" {
		os.RemoveAll(xaccelBinDir)
	}
	os.Exit(code)
}

// serveBinary builds xaccel once per test run and returns its path.
func serveBinary(t *testing.T) string {
	t.Helper()
	xaccelBinOnce.Do(func() {
		xaccelBinDir, xaccelBinErr = os.MkdirTemp("", "xaccel-e2e-bin-")
		if xaccelBinErr != nil {
			return
		}
		bin := filepath.Join(xaccelBinDir, "xaccel")
		out, err := exec.Command("go", "build", "-o", bin, "github.com/xaccel/xaccel").CombinedOutput()
		if err != nil {
			xaccelBinErr = fmt.Errorf("go build of xaccel: %v\n%s", err, out)
			return
		}
		xaccelBin = bin
	})
	if xaccelBinErr != nil {
		t.Fatal(xaccelBinErr)
	}
	return xaccelBin
}

// startServe runs xaccel serve on conf, on a free 127.0.0.1 port, until the
// test ends, and returns the address it listens on.
func startServe(t *testing.T, conf string) string {
	t.Helper()
	bin := serveBinary(t)
	ready := filepath.Join(t.TempDir(), "ready")
	cmd := exec.Command(bin, "serve", "-c", conf, "--listen", "127.0.0.1:0", "--ready-file", ready)
	log := startProcess(t, cmd)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(ready); err == nil && strings.HasSuffix(string(b), "\n") {
			return strings.SplitN(string(b), "\n", 2)[0]
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("xaccel serve did not write %s within 30 s; its output:\n%s", ready, log.String())
	return ""
}

func init() {
	e2eFronts["serve"] = e2eFront{
		require: func(t *testing.T) {
			if _, err := exec.LookPath("go"); err != nil {
				requireReal(t, "the go command (to build xaccel)", "Go from https://go.dev/dl/")
			}
		},
		start: func(t *testing.T, out string, d *Data) func(string) (*realnginx.Response, error) {
			addr := startServe(t, filepath.Join(out, "nginx", "xaccel.conf"))
			return func(target string) (*realnginx.Response, error) {
				return realnginx.Send(addr, "GET", target, nil)
			}
		},
		served:   "ETag",
		generate: "nginx",
	}
}
