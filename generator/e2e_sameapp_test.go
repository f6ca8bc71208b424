package generator

// Whether two generated trees hold the same app: the end-to-end runs start
// one app for every front whose generated app is the same code (runE2EShared),
// since the generator names the front in the apps' comments and prose only.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
)

// notApp are the top-level entries of a generated tree that are not the
// app: the fronts' configurations, the next steps, the CI check.
var notApp = map[string]bool{
	"nginx": true, "caddy": true, "apache": true,
	"NEXT-STEPS.md": true, ".github": true, "xaccel-check.sh": true,
}

// appCodeDiffers returns "" when the apps generated in the trees a and b
// are the same files with the same code (appCode), or says the first
// difference.
func appCodeDiffers(a, b string) string {
	fa, err := appFiles(a)
	if err != nil {
		return err.Error()
	}
	fb, err := appFiles(b)
	if err != nil {
		return err.Error()
	}
	for name := range fb {
		if _, ok := fa[name]; !ok {
			return name + " is only in " + b
		}
	}
	for name, ca := range fa {
		cb, ok := fb[name]
		if !ok {
			return name + " is only in " + a
		}
		if !bytes.Equal(appCode(name, ca), appCode(name, cb)) {
			return name + " differs in code"
		}
	}
	return ""
}

// appFiles reads the app's files of a generated tree, by slash path.
func appFiles(root string) (map[string][]byte, error) {
	files := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if notApp[strings.Split(rel, "/")[0]] {
			if e.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if e.IsDir() {
			return nil
		}
		b, err := os.ReadFile(p)
		files[rel] = b
		return err
	})
	return files, err
}

// appCode is a generated file without what does not run: whole-line
// comments (and Python's docstrings, block comments, XML comments), and a
// package.json's description. A comment after code on the same line stays,
// so does Ruby's magic comment; the comparison errs on the side of "differs".
func appCode(name string, b []byte) []byte {
	ext := path.Ext(name)
	if ext == ".json" {
		var v map[string]any
		if json.Unmarshal(b, &v) == nil {
			delete(v, "description")
			if out, err := json.Marshal(v); err == nil {
				return out
			}
		}
		// Not plain JSON: .NET's settings, with comments.
	}
	line := func(string) bool { return false } // reports whether a trimmed line is a comment
	block := [2]string{}                       // a comment (or docstring) block's opening and closing
	switch ext {
	case ".csproj", ".xml":
		block = [2]string{"<!--", "-->"}
	case ".go", ".js", ".java", ".cs", ".json":
		line = func(l string) bool { return strings.HasPrefix(l, "//") }
		block = [2]string{"/*", "*/"}
	case ".php":
		line = func(l string) bool {
			return strings.HasPrefix(l, "//") || strings.HasPrefix(l, "#") && !strings.HasPrefix(l, "#[")
		}
		block = [2]string{"/*", "*/"}
	case ".py":
		line = func(l string) bool { return strings.HasPrefix(l, "#") }
		block = [2]string{`"""`, `"""`}
	case ".rb", ".ru":
		line = func(l string) bool { return strings.HasPrefix(l, "#") && !strings.Contains(l, "frozen_string_literal") }
	case ".properties":
		line = func(l string) bool { return strings.HasPrefix(l, "#") || strings.HasPrefix(l, "!") }
	default:
		return b
	}
	var out bytes.Buffer
	open := false
	for _, l := range strings.Split(string(b), "\n") {
		tl := strings.TrimSpace(l)
		switch {
		case open:
			if strings.Contains(tl, block[1]) {
				if !strings.HasSuffix(tl, block[1]) {
					return b // code after the block's end: compare as written
				}
				open = false
			}
			continue
		case block[0] != "" && strings.HasPrefix(tl, block[0]):
			rest := tl[len(block[0]):]
			if i := strings.Index(rest, block[1]); i >= 0 {
				if i+len(block[1]) != len(rest) {
					return b
				}
			} else {
				open = true
			}
			continue
		case line(tl):
			continue
		}
		fmt.Fprintln(&out, l)
	}
	return out.Bytes()
}

// TestAppCodeDiffers: the comparison sees a change of code and ignores a
// change of comments, for every backend the generator writes, and every
// backend's app generated for Caddy is the nginx one's code (so the
// end-to-end runs put each of them behind both with one start).
func TestAppCodeDiffers(t *testing.T) {
	for _, be := range Backends {
		trees := map[string]string{}
		for _, front := range []string{"nginx", "caddy"} {
			out := filepath.Join(t.TempDir(), "out")
			writeTree(t, Options{Backend: be.Name, Front: front}, out)
			trees[front] = out
		}
		if why := appCodeDiffers(trees["nginx"], trees["caddy"]); why != "" {
			t.Errorf("%s: the app generated for Caddy is not the nginx one's code: %s", be.Name, why)
		}
		files, err := appFiles(trees["caddy"])
		if err != nil {
			t.Fatal(err)
		}
		changed := 0
		for name, b := range files {
			if bytes.Equal(appCode(name, b), b) {
				continue // nothing is left out of this file
			}
			c := commentFor(name)
			if c == "" {
				continue
			}
			p := filepath.Join(trees["caddy"], filepath.FromSlash(name))
			if err := os.WriteFile(p, append([]byte(c+"\n"), b...), 0o644); err != nil {
				t.Fatal(err)
			}
			changed++
		}
		if changed == 0 {
			t.Errorf("%s: no app file has a comment to leave out", be.Name)
		}
		if why := appCodeDiffers(trees["nginx"], trees["caddy"]); why != "" {
			t.Errorf("%s: an added comment counts as code: %s", be.Name, why)
		}
		for name, b := range files {
			p := filepath.Join(trees["caddy"], filepath.FromSlash(name))
			if err := os.WriteFile(p, append(b, []byte("\nx = 1\n")...), 0o644); err != nil {
				t.Fatal(err)
			}
			if why := appCodeDiffers(trees["nginx"], trees["caddy"]); why == "" {
				t.Errorf("%s: %s: a line of code added is not seen", be.Name, name)
			}
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// commentFor is a whole-line comment in the language of name ("" for
// plain JSON, which has none).
func commentFor(name string) string {
	if path.Base(name) == "package.json" {
		return ""
	}
	switch path.Ext(name) {
	case ".go", ".js", ".php", ".java", ".cs", ".json":
		return "// a comment"
	case ".csproj", ".xml":
		return "<!-- a comment -->"
	case ".py", ".rb", ".ru", ".properties":
		return "# a comment"
	}
	return ""
}
