package cmd

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xaccel/xaccel/internal/golden"
)

// docBlock is a fenced code block of a Markdown file.
type docBlock struct {
	lang       string
	lines      []string
	start, end int // line indexes of the fences
}

func docBlocks(lines []string) []docBlock {
	var out []docBlock
	for i := 0; i < len(lines); i++ {
		lang, ok := strings.CutPrefix(lines[i], "```")
		if !ok || lang == "" {
			continue
		}
		b := docBlock{lang: lang, start: i}
		for i++; i < len(lines) && lines[i] != "```"; i++ {
			b.lines = append(b.lines, lines[i])
		}
		b.end = i
		out = append(out, b)
	}
	return out
}

// TestDocs runs the examples of the docs: a ```nginx block whose first
// line is `# NAME` is written to NAME, and a ```console block starting with
// `$ xaccel ...` must show exactly what that command prints (an
// `xaccel generate` example runs in an empty directory of its own). With
// -update the outputs are rewritten instead (golden.Check of the whole doc).
func TestDocs(t *testing.T) {
	for _, doc := range []string{"../docs/rules.md", "../README.md"} {
		t.Run(filepath.Base(doc), func(t *testing.T) { checkDoc(t, doc) })
	}
}

func checkDoc(t *testing.T, doc string) {
	src, err := os.ReadFile(doc)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.ReplaceAll(string(src), "\r\n", "\n"), "\n")
	dir := t.TempDir()
	var rewritten []string
	last := 0
	commands := 0
	for _, b := range docBlocks(lines) {
		switch {
		case b.lang == "nginx" && len(b.lines) > 0 && strings.HasPrefix(b.lines[0], "# "):
			name := strings.TrimPrefix(b.lines[0], "# ")
			body := strings.Join(b.lines[1:], "\n") + "\n"
			if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		case b.lang == "console" && len(b.lines) > 0 && strings.HasPrefix(b.lines[0], "$ xaccel "):
			commands++
			args := strings.Fields(strings.TrimPrefix(b.lines[0], "$ xaccel "))
			var stdout, stderr bytes.Buffer
			cwd := dir
			if args[0] == "generate" {
				// Each backend's example writes its own setup, in a
				// directory of its own.
				cwd = t.TempDir()
			}
			func() {
				wd, _ := os.Getwd()
				if err := os.Chdir(cwd); err != nil {
					t.Fatal(err)
				}
				defer os.Chdir(wd)
				Main(args, strings.NewReader(""), &stdout, &stderr)
			}()
			// the doc as it should be: each command followed by its output
			got := strings.TrimSuffix(stdout.String(), "\n")
			rewritten = append(rewritten, lines[last:b.start+2]...)
			if got != "" {
				rewritten = append(rewritten, strings.Split(got, "\n")...)
			}
			last = b.end
		}
	}
	if commands == 0 {
		t.Fatalf("%s has no examples to check", doc)
	}
	rewritten = append(rewritten, lines[last:]...)
	golden.Check(t, doc, []byte(strings.Join(rewritten, "\n")))
}
