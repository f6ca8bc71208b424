package cmd

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/xaccel/xaccel/lint"
)

func TestLintDisableEnable(t *testing.T) {
	// leak.conf has a media-not-internal and an alias-traversal finding.
	_, code, stdout, stderr := lintIn(t, "--disable", "media-not-internal", "--disable", "alias-traversal", "--no-config", "leak.conf")
	if code != ExitOK || strings.Contains(stdout, "[media-not-internal]") || strings.Contains(stdout, "[alias-traversal]") {
		t.Errorf("--disable: exit %d, stdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	_, code, stdout, _ = lintIn(t, "--disable", "alias-traversal", "--no-config", "leak.conf")
	if code != ExitFindings || !strings.Contains(stdout, "[media-not-internal]") || strings.Contains(stdout, "[alias-traversal]") {
		t.Errorf("--disable one rule: exit %d, stdout:\n%s", code, stdout)
	}
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"--disable", "media-not-intrenal"}, append([]string{"--disable media-not-intrenal: no such rule; the rules are "}, lint.ConfigurableRules()...)},
		{[]string{"--enable", "nope"}, []string{"--enable nope: no such rule"}},
		{[]string{"--disable", "syntax"}, []string{"cannot be switched off"}},
		{[]string{"--disable", "alias-traversal", "--enable", "alias-traversal"}, []string{"give one of them"}},
	} {
		_, code, stdout, stderr := lintIn(t, append(tc.args, "leak.conf")...)
		if code != ExitUsage || stdout != "" {
			t.Errorf("%v: exit %d, want %d and nothing on standard output:\n%s", tc.args, code, ExitUsage, stdout)
		}
		for _, w := range tc.want {
			if !strings.Contains(stderr, w) {
				t.Errorf("%v: stderr does not say %q:\n%s", tc.args, w, stderr)
			}
		}
	}
}

// TestLintEnableOverConfig: --enable switches on a rule .xaccel.yaml
// switches off, at its default severity.
func TestLintEnableOverConfig(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "leak.conf"), []byte(leakConf), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".xaccel.yaml"), []byte("rules:\n  alias-traversal: off\n  media-not-internal: info\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	var out, errb bytes.Buffer
	code := Main([]string{"lint", "--color", "never", "leak.conf"}, strings.NewReader(""), &out, &errb)
	if code != ExitOK || strings.Contains(out.String(), "[alias-traversal]") {
		t.Fatalf("with the file alone: exit %d\n%s%s", code, out.String(), errb.String())
	}
	out.Reset()
	code = Main([]string{"lint", "--color", "never", "--enable", "alias-traversal", "--enable", "media-not-internal", "leak.conf"}, strings.NewReader(""), &out, &errb)
	if code != ExitFindings || !strings.Contains(out.String(), "[alias-traversal]") || !strings.Contains(out.String(), "warning: `GET /media") {
		t.Errorf("--enable: exit %d, stdout:\n%s", code, out.String())
	}
}

func TestLintQuiet(t *testing.T) {
	_, code, stdout, _ := lintIn(t, "--quiet", "--color", "never", "leak.conf")
	if code != ExitFindings || !strings.Contains(stdout, "[media-not-internal]") || strings.Contains(stdout, "finding") && strings.Contains(stdout, " in 1 file") {
		t.Errorf("--quiet with findings: exit %d, stdout:\n%s", code, stdout)
	}
	_, code, stdout, stderr := lintIn(t, "-q", "--disable", "media-not-internal", "--disable", "alias-traversal", "leak.conf")
	if code != ExitOK || stdout != "" || stderr != "" {
		t.Errorf("-q on a clean run: exit %d, stdout %q, stderr %q; want nothing", code, stdout, stderr)
	}
	_, _, stdout, _ = lintIn(t, "--disable", "media-not-internal", "--disable", "alias-traversal", "leak.conf")
	if !strings.Contains(stdout, "no findings in 1 file") {
		t.Errorf("without --quiet a clean run says so: %q", stdout)
	}
}

// complete runs cobra's completion request for `xaccel ARGS...` and returns
// the candidates and the directive line.
func complete(t *testing.T, args ...string) ([]string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	Main(append([]string{"__complete"}, args...), strings.NewReader(""), &out, &errb)
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) == 0 || !strings.HasPrefix(lines[len(lines)-1], ":") {
		t.Fatalf("no completion for %v: %q %s", args, out.String(), errb.String())
	}
	var cands []string
	for _, l := range lines[:len(lines)-1] {
		cands = append(cands, strings.SplitN(l, "\t", 2)[0])
	}
	return cands, lines[len(lines)-1]
}

// TestLintCompletion: every enumerated flag of xaccel lint completes its
// values.
func TestLintCompletion(t *testing.T) {
	for _, tc := range []struct {
		flag string
		want []string
	}{
		{"--format", lint.Formats},
		{"--fail-on", []string{"error", "warning", "info"}},
		{"--color", []string{"auto", "always", "never"}},
		{"--disable", lint.ConfigurableRules()},
		{"--enable", lint.ConfigurableRules()},
	} {
		got, directive := complete(t, "lint", tc.flag, "")
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s completes (-want +got):\n%s", tc.flag, diff)
		}
		if directive != ":4" { // ShellCompDirectiveNoFileComp
			t.Errorf("%s: directive %s, want :4 (no file names)", tc.flag, directive)
		}
	}
	if got, _ := complete(t, "lint", "--format", "sa"); len(got) != 1 || got[0] != "sarif" {
		t.Errorf("--format sa completes %v, want [sarif]", got)
	}
	if _, directive := complete(t, "lint", "--prefix", ""); directive != ":16" { // ShellCompDirectiveFilterDirs
		t.Errorf("--prefix: directive %s, want :16 (directories)", directive)
	}
	if got, directive := complete(t, "lint", "--config", ""); directive != ":8" || !cmp.Equal(got, []string{"yaml", "yml"}) { // ShellCompDirectiveFilterFileExt
		t.Errorf("--config: %v %s, want YAML files", got, directive)
	}
}
