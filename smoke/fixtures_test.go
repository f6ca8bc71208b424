//go:build unix

package smoke_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xaccel/xaccel/internal/leakfix"
	"github.com/xaccel/xaccel/internal/realnginx"
	"github.com/xaccel/xaccel/nginx"
	"github.com/xaccel/xaccel/proxy"
	"github.com/xaccel/xaccel/smoke"
)

// fixtureKinds are the probe kinds that name the exposure each lint rule's
// leak fixtures have.
var fixtureKinds = map[string][]string{
	"media-not-internal":      {smoke.KindDirect},
	"regex-bypasses-internal": {smoke.KindRegex, smoke.KindRewrite},
	"root-exposes-protected":  {smoke.KindRoot},
	"alias-traversal":         {smoke.KindOffBySlash},
}

// server runs a configuration with the fixtures' files and returns its
// address and the configuration file as it runs.
type server func(t *testing.T, src string) (addr, conf string)

// nginxServer runs src with real nginx.
func nginxServer(t *testing.T, src string) (string, string) {
	body := leakfix.Expand(src, realnginx.PrefixPlaceholder, "127.0.0.1:"+realnginx.PortPlaceholder)
	inst := realnginx.StartHTTP(t, body, leakfix.Tree())
	return inst.Addr, filepath.Join(inst.Prefix, "conf", "nginx.conf")
}

// serveServer returns a server that runs src with xaccel serve's handler
// over the fixtures' files, written once for all its servers (serve only
// reads them) to tree, each configuration under its own name there.
func serveServer(tree string) server {
	var n atomic.Int64
	return func(t *testing.T, src string) (string, string) {
		return serveConf(t, tree, filepath.Join(tree, fmt.Sprintf("nginx-%d.conf", n.Add(1))), src)
	}
}

func serveConf(t *testing.T, prefix, conf, src string) (string, string) {
	if err := os.WriteFile(conf, []byte(leakfix.Expand(src, prefix, "127.0.0.1:0")), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := nginx.Load(conf, nginx.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, warns, err := proxy.New(cfg, proxy.Options{}); err == nil && len(warns) > 0 {
		t.Skipf("xaccel serve does not emulate `%s` (%s), so it cannot stand in for nginx here; this fixture is checked against real nginx only", warns[0].Name, warns[0].Pos)
	}
	return startServe(t, conf), conf
}

// TestLeakFixtures runs smoke on every lint fixture that claims a leak,
// against real nginx and against xaccel serve: the plan derived from the
// configuration must find the leak with a probe of the exposure's kind,
// and the same plan must pass once the server runs the fixed twin (whose
// own plan passes too). A new fixture is covered without touching this
// test.
func TestLeakFixtures(t *testing.T) {
	t.Parallel() // starts two servers per fixture
	fixtures, err := leakfix.Load("..")
	if err != nil {
		t.Fatal(err)
	}
	fixtures = slices.DeleteFunc(fixtures, func(f leakfix.Fixture) bool { return len(f.Leaks) == 0 })
	if len(fixtures) < 10 {
		t.Fatalf("only %d leak fixtures found", len(fixtures))
	}
	for _, srv := range []struct {
		name  string
		start server
		real  bool
	}{{"nginx", nginxServer, true}, {"serve", serveServer(writeFiles(t, leakfix.Tree())), false}} {
		t.Run(srv.name, func(t *testing.T) {
			if srv.real {
				realnginx.Require(t)
			}
			for _, f := range fixtures {
				t.Run(strings.TrimPrefix(filepath.ToSlash(f.Path), "../testdata/lint/"), func(t *testing.T) {
					kinds, ok := fixtureKinds[f.Rule]
					if !ok {
						t.Fatalf("no probe kind is known for the leaks of rule %s: add it to fixtureKinds", f.Rule)
					}
					broken, err := os.ReadFile(f.Path)
					if err != nil {
						t.Fatal(err)
					}
					fixed, err := os.ReadFile(f.Fixed)
					if err != nil {
						t.Fatalf("a fixture that claims a leak needs its fixed twin: %v", err)
					}
					prefixes := fixtureProtect(f.Args)

					addr, conf := srv.start(t, string(broken))
					rep := smokeFixture(t, addr, conf, prefixes)
					text := reportText(rep)
					if rep.ExitCode() != 1 {
						t.Fatalf("smoke exits %d on the leaking server, want 1:\n%s", rep.ExitCode(), text)
					}
					named := false
					for _, r := range rep.Results {
						if !r.Pass && !r.Untested {
							if r.Problem == smoke.ProblemUnexplained {
								t.Errorf("%s %s failed without an explanation from the configuration: %s", r.Probe.Name(), r.Probe.Sent(), r.Reason)
							}
							for _, k := range kinds {
								named = named || r.Probe.Kind == k
							}
						}
					}
					if !named {
						t.Errorf("no failed probe of kind %v names the exposure:\n%s", kinds, text)
					}

					// The fix closes what the broken configuration's plan
					// found, and the fixed configuration's own plan passes.
					faddr, fconf := srv.start(t, string(fixed))
					if rep := smokeFixture(t, faddr, conf, prefixes); rep.ExitCode() != 0 {
						t.Errorf("the broken configuration's probes against the fixed server exit %d, want 0:\n%s", rep.ExitCode(), reportText(rep))
					}
					rep, err = smoke.Run(context.Background(), smoke.Options{Target: "http://" + faddr, Config: fconf, Prefixes: prefixes, Timeout: 10 * time.Second})
					var ue *smoke.UsageError
					switch {
					case errors.As(err, &ue) && strings.Contains(err.Error(), "nothing to probe"):
						// A fixed alias next to nothing protected: no area.
					case err != nil:
						t.Errorf("smoke on the fixed configuration: %v", err)
					case rep.ExitCode() != 0:
						t.Errorf("smoke on the fixed configuration exits %d, want 0:\n%s", rep.ExitCode(), reportText(rep))
					}
				})
			}
		})
	}
}

// fixtureProtect turns a fixture's "# args: --protect P" into --prefix.
func fixtureProtect(args []string) []string {
	var out []string
	for i := 0; i+1 < len(args); i++ {
		if args[i] == "--protect" {
			out = append(out, args[i+1])
		}
	}
	return out
}

func smokeFixture(t *testing.T, addr, conf string, prefixes []string) *smoke.Report {
	t.Helper()
	cfg, err := nginx.Load(conf, nginx.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return runSmoke(t, smoke.Options{Target: "http://" + addr, Model: cfg, Prefixes: prefixes})
}

func reportText(rep *smoke.Report) string {
	var b bytes.Buffer
	smoke.WriteText(&b, rep)
	return b.String()
}
