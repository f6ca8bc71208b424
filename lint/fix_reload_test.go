package lint_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/xaccel/xaccel/lint"
)

// TestFixChecksIncludedFiles: the fixed text of included files is loaded
// again through an overlay of the disk, so it is read exactly as written:
// a comment that looks like the header of an nginx -T dump stays a
// comment, a fragment needs no wrapping, absolute includes under --root
// and includes of standard input resolve as they did, and the remaining
// findings name the files as the user does.
func TestFixChecksIncludedFiles(t *testing.T) {
	const snippet = "# configuration file /etc/nginx/other.conf:\n" +
		"location /media/ {\n    alias /srv/media/;\n}\n"
	const fixed = "# configuration file /etc/nginx/other.conf:\n" +
		"location /media/ {\n    internal;\n    add_header X-Content-Type-Options \"nosniff\" always;\n    alias /srv/media/;\n}\n"
	dir := writeTree(t, map[string]string{
		"site.conf":                     "server {\n    listen 80;\n    include media.conf;\n}\n",
		"media.conf":                    snippet,
		"root/etc/nginx/nginx.conf":     "events {}\nhttp {\n    server {\n        listen 80;\n        include /etc/nginx/media.conf;\n    }\n}\n",
		"root/etc/nginx/media.conf":     snippet,
		"stdin/snippets/media.conf":     snippet,
		"fragment/sites/example.conf":   "location /files/ {\n    root /srv;\n}\ninclude media.conf;\n",
		"fragment/sites/media.conf":     snippet,
		"fragment/sites/unrelated.conf": "}\n", // never included: must not be read
	})
	t.Chdir(dir)
	for _, c := range []struct {
		name  string
		paths []string
		opts  lint.LintOptions
		file  string
	}{
		{"relative include", []string{"site.conf"}, lint.LintOptions{}, "media.conf"},
		{"absolute include under --root", []string{"root/etc/nginx/nginx.conf"}, lint.LintOptions{Root: "root"}, "root/etc/nginx/media.conf"},
		{"standard input", []string{"-"}, lint.LintOptions{Prefix: "stdin", Stdin: strings.NewReader("server {\n    listen 80;\n    include snippets/media.conf;\n}\n")}, "stdin/snippets/media.conf"},
		{"server fragment", []string{"fragment/sites/example.conf"}, lint.LintOptions{}, "fragment/sites/media.conf"},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, err := lint.Fix(c.paths, c.opts, lint.FixDiff)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Files) != 1 {
				t.Fatalf("changed %d files, want %s:\n%s", len(res.Files), c.file, res.Diff())
			}
			f := res.Files[0]
			if !strings.HasSuffix(filepath.ToSlash(f.Path), c.file) {
				t.Errorf("changed %s, want %s", f.Path, c.file)
			}
			if diff := cmp.Diff(fixed, string(f.New)); diff != "" {
				t.Errorf("fixed text (-want +got):\n%s", diff)
			}
			for _, g := range res.Remaining.Findings {
				if _, read := res.Remaining.Sources[g.Pos.File]; g.Rule == "media-not-internal" || !read {
					t.Errorf("remaining finding %s: %s", g.Pos, g.Message)
				}
			}
			if got := string(res.Remaining.Sources[f.Path]); got != fixed {
				t.Errorf("Remaining.Sources[%s] = %q, want the fixed text", f.Path, got)
			}
			if b, _ := os.ReadFile(c.file); string(b) != snippet {
				t.Errorf("%s was written in diff mode", c.file)
			}
		})
	}
}
