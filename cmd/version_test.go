package cmd

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestBuildString(t *testing.T) {
	cases := []struct {
		b    build
		want string
	}{
		{build{Version: "dev"}, "dev"},
		{build{Version: "1.2.3", Commit: "0123456789abcdef0123", Date: "2026-01-02T03:04:05Z"}, "1.2.3 (0123456789ab, 2026-01-02T03:04:05Z)"},
		{build{Version: "dev", Commit: "abc"}, "dev (abc)"},
		{build{Version: "v0.1.0", Date: "2026-01-02T03:04:05Z"}, "v0.1.0 (2026-01-02T03:04:05Z)"},
	}
	for _, c := range cases {
		if diff := cmp.Diff(c.want, c.b.String()); diff != "" {
			t.Errorf("%+v (-want +got):\n%s", c.b, diff)
		}
	}
}

// TestVersionStamped: the values a release build links in are what
// `xaccel version` and `xaccel --version` print.
func TestVersionStamped(t *testing.T) {
	defer func(v, c, d string) { buildVersion, buildCommit, buildDate = v, c, d }(buildVersion, buildCommit, buildDate)
	buildVersion, buildCommit, buildDate = "1.2.3", "0123456789abcdef0123456789abcdef01234567", "2026-01-02T03:04:05Z"
	var out, errb bytes.Buffer
	if code := Main([]string{"version"}, strings.NewReader(""), &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	want := "xaccel 1.2.3\ncommit: 0123456789abcdef0123456789abcdef01234567\nbuilt:  2026-01-02T03:04:05Z\n"
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("xaccel version (-want +got):\n%s", diff)
	}
	out.Reset()
	if code := Main([]string{"--version"}, strings.NewReader(""), &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if diff := cmp.Diff("xaccel 1.2.3 (0123456789ab, 2026-01-02T03:04:05Z)\n", out.String()); diff != "" {
		t.Errorf("xaccel --version (-want +got):\n%s", diff)
	}
	if code := Main([]string{"version", "extra"}, strings.NewReader(""), &out, &errb); code != ExitUsage {
		t.Errorf("xaccel version extra: exit %d, want %d", code, ExitUsage)
	}
}

// TestVersionDefault: a test binary has no stamp and no module version,
// so it is "dev".
func TestVersionDefault(t *testing.T) {
	if got := currentBuild().Version; got != "dev" {
		t.Errorf("version %q, want dev", got)
	}
}

// TestVersionLdflags links a binary the way .goreleaser.yaml does and runs
// it, so a renamed variable cannot silently drop the stamp.
func TestVersionLdflags(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary; skipped with -short")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH to build a stamped binary")
	}
	bin := filepath.Join(t.TempDir(), "xaccel")
	ldflags := "-s -w -X github.com/xaccel/xaccel/cmd.buildVersion=9.8.7" +
		" -X github.com/xaccel/xaccel/cmd.buildCommit=feedface" +
		" -X github.com/xaccel/xaccel/cmd.buildDate=2026-02-03T04:05:06Z"
	build := exec.Command(goBin, "build", "-trimpath", "-ldflags", ldflags, "-o", bin, "..")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version").CombinedOutput()
	if err != nil {
		t.Fatalf("xaccel version: %v\n%s", err, out)
	}
	want := "xaccel 9.8.7\ncommit: feedface\nbuilt:  2026-02-03T04:05:06Z\n"
	if diff := cmp.Diff(want, string(out)); diff != "" {
		t.Errorf("stamped xaccel version (-want +got):\n%s", diff)
	}
}
