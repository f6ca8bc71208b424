// Package leakfix reads the lint fixtures that make claims about what real
// nginx serves, and knows the file tree they are served from, for the tests
// that prove each claim with real nginx and that check xaccel smoke finds
// each leak. A fixture claims with comment lines:
//
//	# leak: GET TARGET FILE     nginx answers TARGET with FILE; its .fixed.conf twin does not
//	# safe: GET TARGET FILE     nginx does not answer TARGET with FILE
//	# public: GET TARGET FILE   nginx answers TARGET with FILE without any exposure:
//	                            the file is published anyway
//
// Only fire- fixtures may claim a leak.
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

// Leak is one request and the file a fixture claims about it.
type Leak struct{ Target, File string }

// Fixture is a fixture with at least one claim.
type Fixture struct {
	Rule   string // the folder: the lint rule the fixture is about
	Path   string // the fixture
	Fixed  string // its fixed twin (.fixed.conf), needed when it claims a leak
	Args   []string
	Leaks  []Leak
	Safe   []Leak
	Public []Leak
}

// Load returns every fixture under root/testdata/lint that makes a claim.
func Load(root string) ([]Fixture, error) {
	paths, err := filepath.Glob(filepath.Join(root, "testdata", "lint", "*", "*.conf"))
	if err != nil {
		return nil, err
	}
	var out []Fixture
	for _, p := range paths {
		if strings.HasSuffix(p, ".fixed.conf") {
			continue // a twin: its fixture makes the claims
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		f := Fixture{Rule: filepath.Base(filepath.Dir(p)), Path: p, Fixed: strings.TrimSuffix(p, ".conf") + ".fixed.conf"}
		for _, line := range strings.Split(string(src), "\n") {
			if a, ok := strings.CutPrefix(line, "# args: "); ok {
				f.Args = strings.Fields(a)
			}
			for _, c := range []struct {
				word string
				to   *[]Leak
			}{{"leak", &f.Leaks}, {"safe", &f.Safe}, {"public", &f.Public}} {
				a, ok := strings.CutPrefix(line, "# "+c.word+": GET ")
				if !ok {
					continue
				}
				parts := strings.Fields(a)
				if len(parts) != 2 {
					return nil, fmt.Errorf("%s: bad claim %q (want '# %s: GET TARGET FILE')", p, line, c.word)
				}
				*c.to = append(*c.to, Leak{parts[0], parts[1]})
			}
		}
		if len(f.Leaks)+len(f.Safe)+len(f.Public) == 0 {
			continue
		}
		if len(f.Leaks) > 0 && !strings.HasPrefix(filepath.Base(p), "fire-") {
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
