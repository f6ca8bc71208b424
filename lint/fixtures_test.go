package lint_test

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xaccel/xaccel/internal/golden"
	"github.com/xaccel/xaccel/internal/leakfix"
	"github.com/xaccel/xaccel/internal/realnginx"
	"github.com/xaccel/xaccel/lint"
)

// fixture is one config of testdata/lint/RULE/.
type fixture struct {
	rule string // the folder: the rule the fixture is about
	path string // relative to the repository root
	kind string // "fire", "ok" or "fixed"
	args []string
}

// loadFixtures reads testdata/lint; it must be called from the repository root.
func loadFixtures(t *testing.T) []fixture {
	t.Helper()
	paths, err := filepath.Glob("testdata/lint/*/*.conf")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no fixtures found (err %v)", err)
	}
	var out []fixture
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		f := fixture{rule: filepath.Base(filepath.Dir(p)), path: p}
		base := filepath.Base(p)
		switch {
		case strings.HasSuffix(base, ".fixed.conf"):
			f.kind = "fixed"
		case strings.HasPrefix(base, "fire-"):
			f.kind = "fire"
		case strings.HasPrefix(base, "ok-"):
			f.kind = "ok"
		default:
			t.Fatalf("%s: fixture names start with fire- or ok-, or end in .fixed.conf", p)
		}
		for _, line := range strings.Split(string(src), "\n") {
			if a, ok := strings.CutPrefix(line, "# args: "); ok {
				f.args = strings.Fields(a)
			}
		}
		out = append(out, f)
	}
	return out
}

// parseArgs turns "# args:" flags into options.
func parseArgs(t *testing.T, args []string) lint.Options {
	var o lint.Options
	for i := 0; i+1 < len(args); i += 2 {
		switch args[i] {
		case "--protect":
			o.Protect = append(o.Protect, args[i+1])
		case "--protect-dir":
			o.ProtectDirs = append(o.ProtectDirs, args[i+1])
		case "--public":
			o.Public = append(o.Public, args[i+1])
		default:
			t.Fatalf("unknown fixture flag %q", args[i])
		}
	}
	return o
}

func lintFixture(t *testing.T, f fixture) *lint.Report {
	t.Helper()
	r, err := lint.LintPaths([]string{f.path}, lint.LintOptions{Options: parseArgs(t, f.args)})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestFixtures runs every fixture against its golden output, and checks
// that fire- fixtures raise their folder's rule while ok- and .fixed
// fixtures raise nothing at all.
func TestFixtures(t *testing.T) {
	t.Chdir("..")
	fixtures := loadFixtures(t)
	perRule := map[string]map[string]int{}
	for _, f := range fixtures {
		if perRule[f.rule] == nil {
			perRule[f.rule] = map[string]int{}
		}
		perRule[f.rule][f.kind]++
		t.Run(strings.TrimPrefix(f.path, "testdata/lint/"), func(t *testing.T) {
			if lint.RuleByName(f.rule) == nil {
				t.Fatalf("folder %q is not a rule name", f.rule)
			}
			r := lintFixture(t, f)
			n := 0
			for _, fd := range r.Findings {
				if fd.Rule == f.rule {
					n++
				}
			}
			switch f.kind {
			case "fire":
				if n == 0 {
					t.Errorf("expected a %s finding, got none", f.rule)
				}
			default:
				if len(r.Findings) != 0 {
					t.Errorf("expected no findings, got %d", len(r.Findings))
				}
			}
			var buf bytes.Buffer
			if err := lint.WriteText(&buf, r, false); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, strings.TrimSuffix(f.path, ".conf")+".out", buf.Bytes())
		})
	}
	for _, r := range lint.Rules {
		if perRule[r.Name]["fire"] < 2 || perRule[r.Name]["ok"] < 2 {
			t.Errorf("rule %s has %d fire and %d ok fixtures; want at least 2 of each", r.Name, perRule[r.Name]["fire"], perRule[r.Name]["ok"])
		}
	}
}

// TestLeaksAreReal starts real nginx on every fixture that makes a claim
// (see package leakfix) and proves it: an outside request really gets the
// protected file, and does not once the fix is applied; a request the
// fixture calls safe does not get the file; a file it calls public is
// served anyway.
func TestLeaksAreReal(t *testing.T) {
	t.Chdir("..")
	realnginx.Require(t)
	fixtures, err := leakfix.Load(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fixtures {
		t.Run(strings.TrimPrefix(f.Path, "testdata/lint/"), func(t *testing.T) {
			t.Parallel() // after the parent's body, in its working directory
			variants := []string{f.Path}
			if len(f.Leaks) > 0 {
				variants = append(variants, f.Fixed)
			}
			for _, variant := range variants {
				src, err := os.ReadFile(variant)
				if err != nil {
					t.Fatalf("a fixture that claims a leak needs its fixed twin: %v", err)
				}
				body := leakfix.Expand(string(src), realnginx.PrefixPlaceholder, "127.0.0.1:"+realnginx.PortPlaceholder)
				inst := realnginx.StartHTTP(t, body, leakfix.Tree())
				for _, l := range f.Leaks {
					resp, err := inst.Get(l.Target)
					if err != nil {
						t.Fatal(err)
					}
					leaked := resp.Status == 200 && string(resp.Body) == leakfix.Content(l.File)
					if variant == f.Path && !leaked {
						t.Errorf("%s: GET %s: want 200 with %s, got %d %q", variant, l.Target, l.File, resp.Status, resp.Body)
					}
					if variant == f.Fixed && leaked {
						t.Errorf("%s: GET %s still serves %s after the fix", variant, l.Target, l.File)
					}
				}
				for _, c := range append(append([]leakfix.Leak(nil), f.Safe...), f.Public...) {
					resp, err := inst.Get(c.Target)
					if err != nil {
						t.Fatal(err)
					}
					served := resp.Status == 200 && string(resp.Body) == leakfix.Content(c.File)
					if public := slices.Contains(f.Public, c); served != public {
						t.Errorf("%s: GET %s: served %s = %v, want %v (got %d %q)", variant, c.Target, c.File, served, public, resp.Status, resp.Body)
					}
				}
				inst.Stop()
			}
		})
	}
	leaks := 0
	for _, f := range fixtures {
		if len(f.Leaks) > 0 {
			leaks++
		}
	}
	if leaks < 10 {
		t.Errorf("only %d fixtures claim a leak; every exposure fixture should prove its leak", leaks)
	}
}
