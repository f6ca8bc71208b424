package cmd

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/pflag"
	"go.yaml.in/yaml/v3"
)

var flagRow = regexp.MustCompile("^\\| `(--[a-z-]+)")

// usageSections maps each "## xaccel CMD" (and "## Global flags") section
// of docs/usage.md to the flags its tables list.
func usageSections(t *testing.T) map[string][]string {
	src, err := os.ReadFile("../docs/usage.md")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	section := ""
	for _, line := range strings.Split(string(src), "\n") {
		if h, ok := strings.CutPrefix(line, "## "); ok {
			section = h
			if _, ok := out[section]; !ok {
				out[section] = nil // a command without flags has a section too
			}
			continue
		}
		if m := flagRow.FindStringSubmatch(line); m != nil && section != "" {
			out[section] = append(out[section], m[1])
		}
	}
	return out
}

func flagNames(fs *pflag.FlagSet) []string {
	var out []string
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Name != "help" {
			out = append(out, "--"+f.Name)
		}
	})
	sort.Strings(out)
	return out
}

// TestUsageDoc: the flags docs/usage.md lists for each command are exactly
// the flags the command has.
func TestUsageDoc(t *testing.T) {
	root := newRoot(strings.NewReader(""))
	root.InitDefaultHelpFlag()
	root.InitDefaultVersionFlag()
	doc := usageSections(t)
	checked := 0
	for _, c := range root.Commands() {
		if c.Name() == "completion" || c.Name() == "help" {
			continue
		}
		listed, ok := doc["xaccel "+c.Name()]
		if !ok {
			t.Errorf("docs/usage.md has no section \"## xaccel %s\"", c.Name())
			continue
		}
		sort.Strings(listed)
		if diff := cmp.Diff(flagNames(c.LocalFlags()), listed); diff != "" {
			t.Errorf("xaccel %s: flags differ (-binary +docs/usage.md):\n%s", c.Name(), diff)
		}
		checked++
	}
	global := doc["Global flags"]
	sort.Strings(global)
	want := append(flagNames(root.PersistentFlags()), "--help")
	root.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Name == "version" {
			want = append(want, "--version")
		}
	})
	sort.Strings(want)
	if diff := cmp.Diff(want, global); diff != "" {
		t.Errorf("global flags differ (-binary +docs/usage.md):\n%s", diff)
	}
	if checked < 3 {
		t.Errorf("only %d commands checked", checked)
	}
}

// TestCIExamples runs the xaccel command lines of the CI examples on a
// small config: they must be valid (not a usage error) and write the
// files they name.
func TestCIExamples(t *testing.T) {
	files, _ := filepath.Glob("../docs/examples/*.yml")
	if len(files) < 2 {
		t.Fatalf("expected the GitHub and GitLab examples, found %v", files)
	}
	ran := 0
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(src), "\n") {
			i := strings.Index(line, "xaccel lint ")
			if i < 0 {
				continue
			}
			args := strings.Fields(line[i+len("xaccel "):])
			dir := t.TempDir()
			conf := filepath.Join(dir, "deploy", "nginx", "nginx.conf")
			if err := os.MkdirAll(filepath.Dir(conf), 0o755); err != nil {
				t.Fatal(err)
			}
			body := "events {}\nhttp {\n    server {\n        location /media/ { alias /srv/media/; }\n    }\n}\n"
			if err := os.WriteFile(conf, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
			var stdout, stderr bytes.Buffer
			code := func() int {
				wd, _ := os.Getwd()
				if err := os.Chdir(dir); err != nil {
					t.Fatal(err)
				}
				defer os.Chdir(wd)
				return Main(args, strings.NewReader(""), &stdout, &stderr)
			}()
			if code != 1 {
				t.Errorf("%s: `xaccel %s` exited %d, want 1 (one finding); stderr: %s", f, strings.Join(args, " "), code, stderr.String())
			}
			for j, a := range args {
				if a == "--output" && j+1 < len(args) {
					if st, err := os.Stat(filepath.Join(dir, args[j+1])); err != nil || st.Size() == 0 {
						t.Errorf("%s: %s was not written", f, args[j+1])
					}
				}
			}
			if stdout.Len() == 0 {
				t.Errorf("%s: nothing on standard output", f)
			}
			ran++
		}
	}
	if ran < 2 {
		t.Errorf("ran %d example commands, want at least 2", ran)
	}
}

// TestGitLabExample: the GitLab CI example publishes the report its
// xaccel command writes in the gitlab format as a Code Quality report.
func TestGitLabExample(t *testing.T) {
	src, err := os.ReadFile("../docs/examples/gitlab-ci.yml")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]struct {
		Script    []string `yaml:"script"`
		Artifacts struct {
			Reports struct {
				CodeQuality string `yaml:"codequality"`
			} `yaml:"reports"`
		} `yaml:"artifacts"`
	}
	if err := yaml.Unmarshal(src, &doc); err != nil {
		t.Fatal(err)
	}
	found := false
	for name, job := range doc {
		for _, line := range job.Script {
			args := strings.Fields(line)
			for i := 0; i+3 < len(args); i++ {
				if args[i] == "--format" && args[i+1] == "gitlab" && args[i+2] == "--output" {
					found = true
					if got := job.Artifacts.Reports.CodeQuality; got != args[i+3] {
						t.Errorf("job %s writes the gitlab format to %s but publishes %q as artifacts: reports: codequality:", name, args[i+3], got)
					}
				}
			}
		}
	}
	if !found {
		t.Error("the GitLab example runs no `xaccel lint --format gitlab --output FILE`")
	}
}

// TestPreCommitHook: the hook lints the main configuration named in its
// args (file names are not passed), and its command line works.
func TestPreCommitHook(t *testing.T) {
	src, err := os.ReadFile("../.pre-commit-hooks.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var hooks []struct {
		ID            string   `yaml:"id"`
		Entry         string   `yaml:"entry"`
		Args          []string `yaml:"args"`
		PassFilenames *bool    `yaml:"pass_filenames"`
		Files         string   `yaml:"files"`
	}
	if err := yaml.Unmarshal(src, &hooks); err != nil {
		t.Fatal(err)
	}
	if len(hooks) != 1 || hooks[0].ID != "xaccel-lint" {
		t.Fatalf("want the one hook xaccel-lint, got %+v", hooks)
	}
	h := hooks[0]
	if h.PassFilenames == nil || *h.PassFilenames {
		t.Error("pass_filenames must be false: the hook lints the main configuration, not each changed file")
	}
	if len(h.Args) == 0 {
		t.Fatal("no default args naming the configuration")
	}
	files := regexp.MustCompile(h.Files)
	for _, name := range []string{"nginx.conf", "deploy/nginx/conf.d/app.conf", ".xaccel.yaml", "sub/.xaccel.yaml"} {
		if !files.MatchString(name) {
			t.Errorf("a change of %s does not run the hook (files: %s)", name, h.Files)
		}
	}
	if files.MatchString("README.md") {
		t.Errorf("files: %s matches README.md", h.Files)
	}
	entry := strings.Fields(h.Entry)
	if len(entry) < 2 || entry[0] != "xaccel" {
		t.Fatalf("entry %q does not run xaccel", h.Entry)
	}
	dir := t.TempDir()
	conf := filepath.Join(dir, h.Args[len(h.Args)-1])
	if err := os.MkdirAll(filepath.Dir(conf), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(conf, []byte("server {\n    location /media/ { alias /srv/media/; }\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	var stdout, stderr bytes.Buffer
	if code := Main(append(entry[1:], h.Args...), strings.NewReader(""), &stdout, &stderr); code != ExitFindings {
		t.Errorf("`%s %s` exited %d, want %d on a leaking configuration; stderr:\n%s", h.Entry, strings.Join(h.Args, " "), code, ExitFindings, stderr.String())
	}
}
