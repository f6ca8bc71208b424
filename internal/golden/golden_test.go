package golden

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recorder is a testing.TB that keeps what the helper reports.
type recorder struct {
	testing.TB
	msgs  []string
	fatal bool
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, a ...any) {
	r.msgs = append(r.msgs, fmt.Sprintf(format, a...))
}
func (r *recorder) Fatalf(format string, a ...any) {
	r.Errorf(format, a...)
	r.fatal = true
}
func (r *recorder) Fatal(a ...any) { r.Fatalf("%s", fmt.Sprint(a...)) }

func setUpdate(t *testing.T, v bool) {
	old := *update
	*update = v
	t.Cleanup(func() { *update = old })
}

func TestCheck(t *testing.T) {
	setUpdate(t, false)
	dir := t.TempDir()
	p := filepath.Join(dir, "a.golden")
	if err := os.WriteFile(p, []byte("one\r\ntwo\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := &recorder{TB: t}
	Check(r, p, []byte("one\ntwo\n"))
	if len(r.msgs) != 0 {
		t.Errorf("equal up to CRLF: %q", r.msgs)
	}
	r = &recorder{TB: t}
	Check(r, p, []byte("one\nthree\n"))
	if len(r.msgs) != 1 || !strings.Contains(r.msgs[0], "two") || !strings.Contains(r.msgs[0], "three") {
		t.Errorf("a difference reported as %q", r.msgs)
	}
	r = &recorder{TB: t}
	Check(r, filepath.Join(dir, "missing.golden"), nil)
	if !r.fatal || !strings.Contains(r.msgs[0], "-update") {
		t.Errorf("a missing golden file reported as %q", r.msgs)
	}

	setUpdate(t, true)
	q := filepath.Join(dir, "new", "b.golden")
	Check(t, q, []byte("written"))
	if b, err := os.ReadFile(q); err != nil || string(b) != "written" {
		t.Errorf("-update wrote %q, %v", b, err)
	}
}

func TestCheckDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	files := map[string][]byte{"a.txt": []byte("a\n"), "sub/b.txt": []byte("b\n")}

	setUpdate(t, true)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "stale.txt"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	CheckDir(t, dir, files)
	if _, err := os.Stat(filepath.Join(dir, "stale.txt")); err == nil {
		t.Error("-update kept a file that is no longer produced")
	}

	setUpdate(t, false)
	r := &recorder{TB: t}
	CheckDir(r, dir, files)
	if len(r.msgs) != 0 {
		t.Errorf("the written directory differs: %q", r.msgs)
	}
	r = &recorder{TB: t}
	CheckDir(r, dir, map[string][]byte{"a.txt": []byte("a\n"), "c.txt": nil})
	if len(r.msgs) != 1 || !strings.Contains(r.msgs[0], "sub/b.txt") || !strings.Contains(r.msgs[0], "c.txt") {
		t.Errorf("missing and extra files reported as %q", r.msgs)
	}
}
