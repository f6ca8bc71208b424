// Package leakfix reads the lint fixtures that claim a leak
// (testdata/lint/RULE/fire-*.conf with "# leak: GET TARGET FILE" lines) and
// knows the file tree they are served from, for the tests that prove each
// leak with real nginx and that check xaccel smoke finds it.
package leakfix

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Files is the tree every leak fixture is served from, relative to the
// prefix that replaces /srv/app; each file's content names it, so a
// response shows which file was sent.
var Files = []string{
	"web/media/secret.txt", "web/media/x.jpg", "web/uploads/u.txt", "web/secret/key.txt",
	"web/static/s.txt", "web/static-old/s.txt", "web/public/index.html",
}

// Content is what file name holds.
func Content(name string) string { return "content of " + name + "\n" }

// Tree returns Files with their contents.
func Tree() map[string]string {
	out := map[string]string{}
	for _, f := range Files {
		out[f] = Content(f)
	}
	return out
}

// Leak is one request a fixture claims leaks a file.
type Leak struct{ Target, File string }

// Fixture is a fire- fixture with at least one leak.
type Fixture struct {
	Rule  string // the folder: the lint rule the fixture is about
	Path  string // the fixture
	Fixed string // its fixed twin (.fixed.conf)
	Args  []string
	Leaks []Leak
}

// Load returns every fixture under root/testdata/lint that claims a leak.
func Load(root string) ([]Fixture, error) {
	paths, err := filepath.Glob(filepath.Join(root, "testdata", "lint", "*", "*.conf"))
	if err != nil {
		return nil, err
	}
	var out []Fixture
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		f := Fixture{Rule: filepath.Base(filepath.Dir(p)), Path: p, Fixed: strings.TrimSuffix(p, ".conf") + ".fixed.conf"}
		for _, line := range strings.Split(string(src), "\n") {
			if a, ok := strings.CutPrefix(line, "# args: "); ok {
				f.Args = strings.Fields(a)
			}
			if a, ok := strings.CutPrefix(line, "# leak: GET "); ok {
				parts := strings.Fields(a)
				if len(parts) != 2 {
					return nil, fmt.Errorf("%s: bad leak line %q (want '# leak: GET TARGET FILE')", p, line)
				}
				f.Leaks = append(f.Leaks, Leak{parts[0], parts[1]})
			}
		}
		if len(f.Leaks) == 0 {
			continue
		}
		if !strings.HasPrefix(filepath.Base(p), "fire-") {
			return nil, fmt.Errorf("%s: only fire- fixtures may claim a leak", p)
		}
		out = append(out, f)
	}
	return out, nil
}

// Expand puts a fixture's configuration on this machine: /srv/app becomes
// prefix and the listen address 127.0.0.1:8080 becomes addr.
func Expand(src, prefix, addr string) string {
	return strings.NewReplacer("/srv/app", prefix, "127.0.0.1:8080", addr).Replace(src)
}
