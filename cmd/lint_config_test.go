package cmd

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/xaccel/xaccel/generator"
	"github.com/xaccel/xaccel/lint"
)

func TestLintProtectNeedsSlash(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--protect", "media/"}, `--protect "media/": a URL prefix starts with /; write --protect /media/ (a directory on disk is --protect-dir DIR)`},
		{[]string{"--protect", "/media/", "--protect", "./uploads"}, `--protect "./uploads": a URL prefix starts with /; write --protect /uploads`},
		{[]string{"--public", "static"}, `--public "static": a URL prefix starts with /; write --public /static`},
	} {
		_, code, stdout, stderr := lintIn(t, append(tc.args, "leak.conf")...)
		if code != ExitUsage || stdout != "" || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 saying %q", tc.args, code, stdout, stderr, tc.want)
		}
	}
}

// TestLintConfigErrors: xaccel lint refuses a bad .xaccel.yaml, the
// generate: section included, naming the file and line.
func TestLintConfigErrors(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"protect:\n  - media/\n", ".xaccel.yaml:2: protect: \"media/\" is a URL prefix and must start with /"},
		{"fail_on: warning\ngenerate:\n  backend: django\n  bakend: flask\n", ".xaccel.yaml:4: generate: unknown key \"bakend\""},
		{"generate:\n  front: traefik\n", ".xaccel.yaml:2: generate.front: \"traefik\" is not one of nginx, caddy, apache"},
		{"fail_on: Warning\n", ".xaccel.yaml:1: fail_on: \"Warning\" is not one of error, warning, info (lower case: write fail_on: warning)"},
	} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "leak.conf"), []byte(leakConf), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, ".xaccel.yaml"), []byte(tc.yaml), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Chdir(dir)
		var out, errb bytes.Buffer
		code := Main([]string{"lint", "leak.conf"}, strings.NewReader(""), &out, &errb)
		if code != ExitUsage || out.Len() != 0 || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 2 saying %q", tc.yaml, code, out.String(), errb.String(), tc.want)
		}
	}
}

// TestGenerateKeysAgree: the generate: keys and values the .xaccel.yaml
// loader accepts are the generator's.
func TestGenerateKeysAgree(t *testing.T) {
	var section []lint.ConfigKey
	for _, k := range lint.ConfigKeys {
		if k.Name == "generate" {
			section = k.Section
		}
	}
	if len(section) == 0 {
		t.Fatal("no generate: section in lint.ConfigKeys")
	}
	if diff := cmp.Diff(generator.BackendNames(), lint.GenerateBackends); diff != "" {
		t.Errorf("generate: backend values differ (-generator +lint):\n%s", diff)
	}
	if diff := cmp.Diff(generator.Fronts, lint.GenerateFronts); diff != "" {
		t.Errorf("generate: front values differ (-generator +lint):\n%s", diff)
	}
	flags := newGenerateCmd().Flags()
	for _, k := range section {
		cf := &lint.ConfigFile{Path: "/x/.xaccel.yaml", Generate: []lint.ConfigEntry{{Key: k.Name, Value: "/v", KeyLine: 1, ValueLine: 1}}}
		var o generator.Options
		var out string
		if err := generator.ApplyConfig(cf, &o, &out, func(string) bool { return false }); err != nil {
			t.Errorf("generate.%s: the loader accepts it, the generator does not: %v", k.Name, err)
		}
		if flags.Lookup(strings.ReplaceAll(k.Name, "_", "-")) == nil {
			t.Errorf("generate.%s has no flag --%s", k.Name, strings.ReplaceAll(k.Name, "_", "-"))
		}
	}
	cf := &lint.ConfigFile{Path: "/x/.xaccel.yaml", Generate: []lint.ConfigEntry{{Key: "not-a-key", Value: "v", KeyLine: 1}}}
	var o generator.Options
	var out string
	if generator.ApplyConfig(cf, &o, &out, func(string) bool { return false }) == nil {
		t.Error("the generator accepts a key the loader would refuse; the key lists are out of step")
	}
}
