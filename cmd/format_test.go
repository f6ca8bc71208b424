package cmd

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const leakConf = `server {
    listen 80;
    location /media {
        alias /srv/app/media;
    }
}
`

// lintIn runs `xaccel lint ARGS...` in a new directory holding leak.conf
// (and a .git, so that it is the SARIF base directory).
func lintIn(t *testing.T, args ...string) (dir string, code int, stdout, stderr string) {
	t.Helper()
	dir = t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "conf"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "conf", "leak.conf"), []byte(leakConf), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(filepath.Join(dir, "conf"))
	var out, errb bytes.Buffer
	code = Main(append([]string{"lint"}, args...), strings.NewReader(""), &out, &errb)
	return dir, code, out.String(), errb.String()
}

func TestFormatOutputs(t *testing.T) {
	dir, code, stdout, stderr := lintIn(t, "--format", "sarif", "--output", "x.sarif", "--format", "text", "--color", "always", "leak.conf")
	if code != ExitFindings {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, ExitFindings, stderr)
	}
	if !strings.Contains(stdout, "leak.conf:3:5\x1b[0m: \x1b[33m\x1b[1mwarning") || !strings.Contains(stdout, "[media-not-internal]") {
		t.Errorf("stdout is not the coloured text format:\n%s", stdout)
	}
	data, err := os.ReadFile(filepath.Join(dir, "conf", "x.sarif"))
	if err != nil {
		t.Fatal(err)
	}
	var log struct {
		Version string
		Runs    []struct {
			OriginalURIBaseIDs map[string]struct{ URI string } `json:"originalUriBaseIds"`
			Results            []struct {
				RuleID    string
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI, URIBaseID string }
					}
				}
			}
		}
	}
	if err := json.Unmarshal(data, &log); err != nil {
		t.Fatalf("x.sarif: %v\n%s", err, data)
	}
	if log.Version != "2.1.0" || len(log.Runs) != 1 || len(log.Runs[0].Results) == 0 {
		t.Fatalf("x.sarif is not a SARIF log with results:\n%s", data)
	}
	// Paths are relative to the directory holding .git, not to the working directory.
	loc := log.Runs[0].Results[0].Locations[0].PhysicalLocation.ArtifactLocation
	if loc.URI != "conf/leak.conf" || loc.URIBaseID != "%SRCROOT%" {
		t.Errorf("artifactLocation = %+v, want conf/leak.conf relative to %%SRCROOT%%", loc)
	}
	if root := log.Runs[0].OriginalURIBaseIDs["%SRCROOT%"].URI; !strings.HasSuffix(root, filepath.ToSlash(dir)+"/") {
		t.Errorf("%%SRCROOT%% = %q, want the directory holding .git (%s)", root, dir)
	}
	if bytes.Contains(data, []byte("\x1b[")) {
		t.Error("x.sarif has colour codes")
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, "conf", ".x.sarif*"))
	if len(leftovers) != 0 {
		t.Errorf("temporary files left behind: %v", leftovers)
	}
}

func TestFormatOutputBeforeFormat(t *testing.T) {
	dir, code, stdout, stderr := lintIn(t, "--output", "lint.txt", "--format", "github", "--format", "checkstyle", "--output", "cs.xml", "leak.conf")
	if code != ExitFindings {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, ExitFindings, stderr)
	}
	if !strings.HasPrefix(stdout, "::warning file=leak.conf,line=3,") {
		t.Errorf("stdout is not the github format:\n%s", stdout)
	}
	text, err := os.ReadFile(filepath.Join(dir, "conf", "lint.txt"))
	if err != nil || !strings.Contains(string(text), "leak.conf:3:5: warning:") || strings.Contains(string(text), "\x1b[") {
		t.Errorf("lint.txt is not the plain text format (err %v):\n%s", err, text)
	}
	cs, err := os.ReadFile(filepath.Join(dir, "conf", "cs.xml"))
	if err != nil || !strings.Contains(string(cs), `<file name="leak.conf">`) {
		t.Errorf("cs.xml is not the checkstyle format (err %v):\n%s", err, cs)
	}
}

func TestFormatUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--format", "json", "--format", "text"}, "both go to standard output"},
		{[]string{"--format", "sarif"}, ""}, // valid: one format on stdout
		{[]string{"--format", "sarif", "--output", "-", "--format", "github"}, "both go to standard output"},
		{[]string{"--format", "yaml"}, `unknown format "yaml"`},
		{[]string{"--format", "json", "--output", "a", "--output", "b"}, "give a --format before each --output"},
		{[]string{"--format", "json", "--output", "a", "--format", "sarif", "--output", "a"}, "is given for both"},
		{[]string{"--output", "no/such/dir/x.txt"}, "--output"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			dir, code, stdout, stderr := lintIn(t, append(tc.args, "leak.conf")...)
			if tc.want == "" {
				if code != ExitFindings {
					t.Errorf("exit %d, want %d; stderr:\n%s", code, ExitFindings, stderr)
				}
				return
			}
			if code != ExitUsage {
				t.Errorf("exit %d, want %d (usage error)", code, ExitUsage)
			}
			if !strings.Contains(stderr, tc.want) {
				t.Errorf("stderr does not say %q:\n%s", tc.want, stderr)
			}
			if strings.Contains(tc.want, "standard output") && stdout != "" {
				t.Errorf("a usage error printed findings:\n%s", stdout)
			}
			if entries, _ := os.ReadDir(filepath.Join(dir, "conf")); len(entries) != 1 && !strings.HasPrefix(tc.args[0], "--output") {
				t.Errorf("a usage error wrote files: %v", entries)
			}
		})
	}
}
