package lint_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xaccel/xaccel/lint"
)

// TestPathsOneBase: every format names a file by the path of the file that
// holds its text (a symbolic link resolved), relative to the working
// directory, with .. when outside it; the FILE:LINE references of the
// messages follow. SARIF names the same file relative to its base.
func TestPathsOneBase(t *testing.T) {
	dir := t.TempDir()
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real
	}
	for _, d := range []string{"real", "work"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	const conf = "server {\n    add_header X-Frame-Options DENY;\n    location /media/ {\n        internal;\n        alias /srv/media/;\n    }\n    location ~ \\.jpg$ {\n        root /srv;\n    }\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "real", "site.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.conf")
	if err := os.Symlink(filepath.Join(dir, "real", "site.conf"), link); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
	t.Chdir(filepath.Join(dir, "work"))
	// The same file twice: through the link, and by its own name.
	r, err := lint.LintPaths([]string{link, "../real/./site.conf"}, lint.LintOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Findings) < 4 {
		t.Fatalf("want the nosniff and regex findings twice before naming, got %d", len(r.Findings))
	}
	for _, format := range lint.Formats {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			if err := lint.Render(&buf, format, r, lint.RenderOptions{BaseDir: dir, Version: "test"}, false); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			want := "../real/site.conf"
			if format == "sarif" {
				want = `"real/site.conf"`
			}
			if !strings.Contains(out, want) {
				t.Errorf("%s does not name the file %s:\n%s", format, want, out)
			}
			if strings.Contains(out, "link.conf") || strings.Contains(out, "/./") {
				t.Errorf("%s names the link or an uncleaned path:\n%s", format, out)
			}
			if format != "sarif" && strings.Contains(out, dir) {
				t.Errorf("%s has an absolute path:\n%s", format, out)
			}
			if format != "sarif" && !strings.Contains(out, "inherited from ../real/site.conf:2 ") {
				t.Errorf("%s: the message's reference is not renamed:\n%s", format, out)
			}
			if n := strings.Count(out, "media-missing-nosniff"); format == "text" && n != 1 {
				t.Errorf("the finding in the file read twice is shown %d times:\n%s", n, out)
			}
		})
	}
}
