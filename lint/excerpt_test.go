package lint_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/xaccel/xaccel/lint"
)

// TestExcerptOfLongLine: a configuration on one line of 100 KB with 2,000
// findings prints each finding with a short excerpt cut around its column,
// not the whole line 2,000 times (200 MB).
func TestExcerptOfLongLine(t *testing.T) {
	t.Parallel() // the longest of the package's tests
	var b strings.Builder
	b.WriteString("server { listen 80; ")
	for i := 0; i < 2000 || b.Len() < 100<<10; i++ {
		fmt.Fprintf(&b, "location /media%d/ { alias /srv/media/%d/; } ", i, i)
	}
	b.WriteString("}\n")
	src := b.String()
	p := filepath.Join(t.TempDir(), "one-line.conf")
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := lint.LintPaths([]string{p}, lint.LintOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Findings) < 2000 {
		t.Fatalf("got %d findings, want at least 2000 (one per location)", len(r.Findings))
	}
	var out bytes.Buffer
	if err := lint.WriteText(&out, r, false); err != nil {
		t.Fatal(err)
	}
	// Each finding: its message (a few hundred bytes) and an excerpt of
	// at most about 120 columns, with its marker line.
	if max := len(r.Findings) * 2048; out.Len() > max {
		t.Fatalf("text output is %d bytes for %d findings; want at most %d", out.Len(), len(r.Findings), max)
	}
	lines := strings.Split(out.String(), "\n")
	excerpts := 0
	for i, line := range lines {
		src, ok := strings.CutPrefix(line, "1 | ")
		if !ok {
			continue
		}
		excerpts++
		if n := utf8.RuneCountInString(src); n > 122 {
			t.Fatalf("excerpt of %d columns: %q", n, src)
		}
		if !strings.HasPrefix(src, "…") && !strings.HasPrefix(src, "server") || !strings.HasSuffix(src, "…") && !strings.HasSuffix(src, "} }") {
			t.Errorf("excerpt not marked where it is cut: %q", src)
		}
		// The caret stands under the statement it points at.
		if i+1 >= len(lines) {
			t.Fatal("excerpt without its marker line")
		}
		mark := strings.TrimPrefix(lines[i+1], "  | ")
		col := strings.IndexByte(mark, '^')
		runes := []rune(src)
		if col < 0 || col >= len(runes) {
			t.Fatalf("marker %q does not point into %q", mark, src)
		}
		if !strings.HasPrefix(string(runes[col:]), "location /media") && !strings.HasPrefix(string(runes[col:]), "alias /srv/media") {
			t.Errorf("the caret points at %q, want a location or an alias", string(runes[col:min(col+20, len(runes))]))
		}
	}
	if excerpts != len(r.Findings) {
		t.Errorf("%d excerpts for %d findings", excerpts, len(r.Findings))
	}
}

// TestExcerptShortLine: a line within the width is shown whole, unmarked.
func TestExcerptShortLine(t *testing.T) {
	p := filepath.Join(t.TempDir(), "short.conf")
	if err := os.WriteFile(p, []byte("server { listen 80; location /media/ { root /srv/app; } }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := lint.LintPaths([]string{p}, lint.LintOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := lint.WriteText(&out, r, false); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "1 | server { listen 80; location /media/ { root /srv/app; } }\n  |                     ^~~~~~~~\n") {
		t.Errorf("short line not shown whole with its caret:\n%s", out.String())
	}
	if strings.Contains(out.String(), "…") {
		t.Errorf("a short line is marked as cut:\n%s", out.String())
	}
}
