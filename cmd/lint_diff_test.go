package cmd

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestLintDiffGitApply: what --diff prints is a patch git accepts, run
// from the repository root or from a subdirectory (the paths are relative
// to the working directory, with git's a/ and b/ prefixes), and applying
// it gives the text --fix writes.
func TestLintDiffGitApply(t *testing.T) {
	git, err := exec.LookPath("git")
	if err != nil {
		if os.Getenv("XACCEL_REQUIRE_REAL") != "" {
			t.Fatal("git is needed (XACCEL_REQUIRE_REAL is set)")
		}
		t.Skip("git is not installed")
	}
	files := map[string]string{
		"deploy/nginx.conf":          "server {\n    listen 80;\n    include conf.d/*.conf;\n    location /media {\n        alias /srv/media;\n    }\n}\n",
		"deploy/conf.d/uploads.conf": "location /uploads/ {\r\n\talias /srv/uploads/;\r\n}\r\n",
	}
	for _, sub := range []string{".", "deploy"} {
		t.Run(sub, func(t *testing.T) {
			repo := t.TempDir()
			run := func(dir string, args ...string) string {
				t.Helper()
				cmd := exec.Command(git, args...)
				cmd.Dir = dir
				out, err := cmd.CombinedOutput()
				if err != nil {
					t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
				}
				return string(out)
			}
			run(repo, "init", "-q")
			for name, body := range files {
				p := filepath.Join(repo, name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			cwd := filepath.Join(repo, sub)
			conf, _ := filepath.Rel(cwd, filepath.Join(repo, "deploy", "nginx.conf"))
			t.Chdir(cwd)
			var diff, errb bytes.Buffer
			code := Main([]string{"lint", "--diff", "--no-config", conf}, strings.NewReader(""), &diff, &errb)
			if code != ExitFindings {
				t.Fatalf("--diff exited %d, want %d (something to change); stderr:\n%s", code, ExitFindings, errb.String())
			}
			for _, line := range strings.Split(diff.String(), "\n") {
				if strings.HasPrefix(line, "--- ") && !strings.HasPrefix(line, "--- a/") || strings.HasPrefix(line, "+++ ") && !strings.HasPrefix(line, "+++ b/") {
					t.Errorf("header without git's prefix: %q", line)
				}
			}
			patch := filepath.Join(t.TempDir(), "fix.patch")
			if err := os.WriteFile(patch, diff.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			run(cwd, "apply", "--check", "--verbose", patch)
			run(cwd, "apply", patch)

			// --fix on a second copy writes the same text.
			fixed := t.TempDir()
			for name, body := range files {
				p := filepath.Join(fixed, name)
				os.MkdirAll(filepath.Dir(p), 0o755)
				if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			var out bytes.Buffer
			Main([]string{"lint", "--fix", "--quiet", "--no-config", filepath.Join(fixed, "deploy", "nginx.conf")}, strings.NewReader(""), &out, &errb)
			changed := 0
			for name, body := range files {
				got, _ := os.ReadFile(filepath.Join(repo, name))
				want, _ := os.ReadFile(filepath.Join(fixed, name))
				if string(got) != string(want) {
					t.Errorf("%s: git apply gives\n%q\n--fix writes\n%q", name, got, want)
				}
				if string(got) != body {
					changed++
				}
			}
			if changed != 2 {
				t.Errorf("%d files changed by the patch, want both", changed)
			}
		})
	}
}
