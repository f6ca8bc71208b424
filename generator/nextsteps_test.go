package generator

// NEXT-STEPS.md is executable: every command of its ```console blocks runs
// here against the generated tree, and its output must show the lines the
// document says it prints. Then the generated check (xaccel-check.sh, the
// command the CI workflow runs) must pass, and fail once `internal;` is
// removed from the generated nginx file.

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/xaccel/xaccel/internal/realnginx"
)

// consoleCommand is one "$ " line of a ```console block and the lines
// shown after it ("..." inside a line stands for anything).
type consoleCommand struct {
	cmd  string
	want []string
}

// consoleBlocks reads the ```console blocks of a Markdown document.
func consoleBlocks(doc string) [][]consoleCommand {
	var blocks [][]consoleCommand
	var cur []consoleCommand
	in := false
	for _, line := range strings.Split(doc, "\n") {
		switch {
		case !in && line == "```console":
			in, cur = true, nil
		case in && line == "```":
			in = false
			blocks = append(blocks, cur)
		case in && strings.HasPrefix(line, "$ "):
			cur = append(cur, consoleCommand{cmd: line[2:]})
		case in && line != "" && len(cur) > 0:
			cur[len(cur)-1].want = append(cur[len(cur)-1].want, line)
		}
	}
	return blocks
}

// wantLines reports whether every line of want matches a line of out, in
// order.
func wantLines(out string, want []string) bool {
	lines := strings.Split(out, "\n")
	i := 0
	for _, w := range want {
		re := regexp.MustCompile("^" + strings.ReplaceAll(regexp.QuoteMeta(w), `\.\.\.`, ".*") + "$")
		for i < len(lines) && !re.MatchString(lines[i]) {
			i++
		}
		if i == len(lines) {
			return false
		}
		i++
	}
	return true
}

// buildXaccel puts the xaccel command of this checkout (built once per run,
// serveBinary) into dir, with a python3 there that is e2ePython(), and
// returns the PATH to run commands with.
func buildXaccel(t *testing.T, dir string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(serveBinary(t), filepath.Join(dir, "xaccel")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(e2ePython(), filepath.Join(dir, "python3")); err != nil {
		t.Fatal(err)
	}
	return dir + string(os.PathListSeparator) + os.Getenv("PATH")
}

// shell runs one command line of NEXT-STEPS.md in dir.
func shell(ctx context.Context, dir, path, line string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "sh", "-c", line)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PATH="+path, "GOWORK=off", "GOFLAGS=-mod=mod", "PYTHONDONTWRITEBYTECODE=1")
	// Its own process group, so that what it starts stops with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// stopGroup ends a command started by shell and everything it started.
func stopGroup(cmd *exec.Cmd, done <-chan struct{}) {
	syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
}

func TestNextStepsRun(t *testing.T) {
	realnginx.SkipShort(t)
	t.Parallel()
	for _, backend := range []string{"django", "flask", "go"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			runNextSteps(t, backend)
		})
	}
}

func runNextSteps(t *testing.T, backend string) {
	b := e2eBackends[backend]
	b.require(t)
	if _, err := exec.LookPath("curl"); err != nil {
		requireReal(t, "curl", "apt-get install curl")
	}
	base := t.TempDir()
	path := buildXaccel(t, filepath.Join(base, "bin"))
	files := filepath.Join(base, "private")
	if err := os.MkdirAll(files, 0o755); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(base, "out")
	d := writeTree(t, Options{Backend: backend, FilesDir: files, App: b.app(t, base)}, out)
	if !d.Check {
		t.Fatalf("%s: no generated check", backend)
	}
	// Step 2 of NEXT-STEPS.md: the permission check is the user's own.
	b.allow(t, out)

	doc, err := os.ReadFile(filepath.Join(out, "NEXT-STEPS.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := consoleBlocks(string(doc))
	var ran []string
	for _, block := range blocks {
		// A command ending in " &" runs in the background until the end
		// of its block.
		var stops []func()
		for _, c := range block {
			ran = append(ran, c.cmd)
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			if bg, ok := strings.CutSuffix(c.cmd, " &"); ok {
				cmd := shell(context.Background(), out, path, bg)
				var log bytes.Buffer
				cmd.Stdout, cmd.Stderr = &log, &log
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				done := make(chan struct{})
				go func() { cmd.Wait(); close(done) }()
				stops = append(stops, func() { stopGroup(cmd, done) })
				t.Cleanup(func() { stopGroup(cmd, done) })
				cancel()
				continue
			}
			cmd := shell(ctx, out, path, c.cmd)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			stdout, err := cmd.Output()
			cancel()
			if err != nil {
				t.Fatalf("NEXT-STEPS.md: $ %s: %v\nstdout:\n%s\nstderr:\n%s", c.cmd, err, stdout, stderr.String())
			}
			if !wantLines(string(stdout), c.want) {
				t.Errorf("NEXT-STEPS.md: $ %s printed:\n%s\nwant the lines:\n%s\n(stderr:\n%s)", c.cmd, stdout, strings.Join(c.want, "\n"), stderr.String())
			}
		}
		for _, stop := range stops {
			stop()
		}
	}
	for _, want := range []string{"xaccel lint nginx/xaccel.conf", "sh xaccel-check.sh"} {
		if !strings.Contains(strings.Join(ran, "\n"), want) {
			t.Errorf("NEXT-STEPS.md has no command %q; it ran:\n%s", want, strings.Join(ran, "\n"))
		}
	}
	for _, want := range []string{"XACCEL_ENABLED=0", "no findings in 1 file"} {
		if !bytes.Contains(doc, []byte(want)) {
			t.Errorf("NEXT-STEPS.md does not say %q", want)
		}
	}
	if backend == "django" && !bytes.Contains(doc, []byte("INSTALLED_APPS")) {
		t.Errorf("NEXT-STEPS.md does not say what to add to INSTALLED_APPS")
	}

	// The CI workflow runs the same commands.
	wf, err := os.ReadFile(filepath.Join(out, ".github", "workflows", "xaccel.yml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"- run: xaccel lint nginx/xaccel.conf\n", "- run: sh xaccel-check.sh\n"} {
		if !bytes.Contains(wf, []byte(want)) {
			t.Errorf(".github/workflows/xaccel.yml has no %q:\n%s", want, wf)
		}
	}

	// The check fails once the internal location is public.
	conf := filepath.Join(out, "nginx", "xaccel.conf")
	src, err := os.ReadFile(conf)
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(string(src), "        internal;\n", "", 1)
	if broken == string(src) {
		t.Fatalf("nginx/xaccel.conf has no internal; line:\n%s", src)
	}
	if err := os.WriteFile(conf, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := shell(ctx, out, path, "sh xaccel-check.sh")
	stdout, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Errorf("xaccel-check.sh without internal;: %v, want exit 1\n%s", err, stdout)
	}
	if want := "FAIL direct GET " + d.InternalPrefix + "xaccel-check.txt -> 200"; !bytes.Contains(stdout, []byte(want)) {
		t.Errorf("xaccel-check.sh without internal; printed:\n%s\nwant a line starting %q", stdout, want)
	}
}

func TestConsoleBlocks(t *testing.T) {
	doc := "text\n```console\n$ a &\n$ b\nline 1\nline ... 3\n```\n```\n$ not run\n```\n"
	got := consoleBlocks(doc)
	if len(got) != 1 || len(got[0]) != 2 || got[0][0].cmd != "a &" || strings.Join(got[0][1].want, "|") != "line 1|line ... 3" {
		t.Errorf("consoleBlocks = %+v", got)
	}
	if !wantLines("x\nline 1\ny\nline 2 3\n", got[0][1].want) || wantLines("line 2 3\nline 1\n", got[0][1].want) {
		t.Error("wantLines does not match in order")
	}
}
