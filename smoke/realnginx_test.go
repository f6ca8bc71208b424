package smoke_test

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xaccel/xaccel/internal/realnginx"
	"github.com/xaccel/xaccel/smoke"
)

// TestMatrixAgainstNginx runs the probes against real nginx on loopback
// with each configuration of the matrix; the plan is derived from the very
// file nginx runs.
func TestMatrixAgainstNginx(t *testing.T) {
	realnginx.Require(t)
	for _, c := range matrix {
		t.Run(c.name, func(t *testing.T) {
			backend := startApp(t, c.xar)
			inst := realnginx.StartHTTP(t, confFor(c, backend), matrixFiles)
			rep := runSmoke(t, smoke.Options{
				Target: "http://" + inst.Addr,
				Config: filepath.Join(inst.Prefix, "conf", "nginx.conf"),
				Via:    []string{via()},
			})
			checkCase(t, c, rep)
		})
	}
}

// TestPrefixOnlyAgainstNginx probes without a configuration: --prefix and
// --files-dir only. A missing `internal;` is seen as an exposed prefix; the
// correct configuration passes.
func TestPrefixOnlyAgainstNginx(t *testing.T) {
	realnginx.Require(t)
	for _, c := range []struct {
		name   string
		words  map[string]string
		failed bool
	}{
		{"correct", nil, false},
		{"internal-missing", map[string]string{"INTERNAL": ""}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			backend := startApp(t, "/media/")
			inst := realnginx.StartHTTP(t, confFor(matrixCase{replace: c.words}, backend), matrixFiles)
			rep := runSmoke(t, smoke.Options{
				Target:   "http://" + inst.Addr,
				Prefixes: []string{"/media/"},
				FilesDir: filepath.Join(inst.Prefix, "app", "media"),
			})
			var text bytes.Buffer
			smoke.WriteText(&text, rep)
			failed := 0
			for _, r := range rep.Results {
				if !r.Pass {
					failed++
					if r.Problem != smoke.ProblemExposed {
						t.Errorf("%s %s: problem %s, want %s", r.Probe.Name(), r.Probe.Sent(), r.Problem, smoke.ProblemExposed)
					}
				}
			}
			if (failed > 0) != c.failed {
				t.Errorf("%d probes failed, want failures: %v\n%s", failed, c.failed, text.String())
			}
			if !strings.Contains(text.String(), "GET /media/report.txt") {
				t.Errorf("the listed file was not probed:\n%s", text.String())
			}
		})
	}
}
