package lint_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xaccel/xaccel/lint"
)

// repoCopy lays out a repository that keeps the server's /etc/nginx under
// deploy/: the main file includes the stock mime.types (not in the
// repository) and conf.d/*.conf by absolute paths, and a snippet that
// lives only on the server.
func repoCopy(t *testing.T) (dir, main string) {
	t.Helper()
	dir = t.TempDir()
	files := map[string]string{
		"deploy/etc/nginx/nginx.conf": "events {}\nhttp {\n    include /etc/nginx/mime.types;\n    include /etc/nginx/conf.d/*.conf;\n}\n",
		"deploy/etc/nginx/conf.d/app.conf": "server {\n    listen 80;\n    include /etc/nginx/snippets/ssl.conf;\n" +
			"    location /media/ {\n        alias /srv/media/;\n    }\n}\n",
	}
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir, filepath.Join(dir, "deploy", "etc", "nginx", "nginx.conf")
}

// TestRepositoryCopy: with --root, absolute includes are read from the
// repository; a missing snippet is a warning and the leak next to it is
// still found; a missing stock file is read from its stand-in (info); and
// --fix re-checks its edit through the same reading.
func TestRepositoryCopy(t *testing.T) {
	dir, main := repoCopy(t)
	o := lint.LintOptions{Root: filepath.Join(dir, "deploy")}
	r, err := lint.LintPaths([]string{main}, o)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range r.Findings {
		got[f.Rule+" "+f.Severity.String()] = f.Message
	}
	for _, want := range []string{"include-not-found warning", "include-not-found info", "media-not-internal warning"} {
		if _, ok := got[want]; !ok {
			t.Errorf("no %s finding; got %v", want, got)
		}
	}
	if m := got["include-not-found warning"]; !strings.Contains(m, "/etc/nginx/snippets/ssl.conf") || !strings.Contains(m, filepath.Join(dir, "deploy")) {
		t.Errorf("the missing snippet's message does not name the pattern and the path tried: %s", m)
	}
	if r.Files != 2 {
		t.Errorf("%d files counted, want the 2 of the repository (a stand-in is not one)", r.Files)
	}

	res, err := lint.Fix([]string{main}, o, lint.FixDiff)
	if err != nil {
		t.Fatalf("fix: %v", err)
	}
	if d := res.Diff(); !strings.Contains(d, "+        internal;") {
		t.Errorf("the fix does not add internal:\n%s", d)
	}
}
