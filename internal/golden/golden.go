// Package golden compares test output with golden files kept in the
// repository, and rewrites them when the test binary is run with -update:
//
//	go test ./lint -update
//
// Every golden test uses it, so a package has one -update flag that
// rewrites all of its golden files. Line ends are compared with CRLF read
// as LF, in case a checkout converted the files.
package golden

import (
	"bytes"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files with what the tests produce")

// Update reports whether the test binary runs with -update.
func Update() bool { return *update }

// Check compares got with the content of the file at path; the test fails
// with a diff (-want +got) when they differ. With -update it writes got to
// path instead (creating its directory), unless the file already holds it:
// a file that two packages' tests check (a doc) is then written only by
// the one that changes it.
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, got) {
			return
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update writes it)", err)
	}
	if diff := cmp.Diff(string(normalize(want)), string(normalize(got))); diff != "" {
		t.Errorf("%s differs (-want +got; go test -update rewrites it):\n%s", path, diff)
	}
}

// CheckDir compares files (slash-separated paths relative to dir ->
// content) with the regular files under dir, all of them: a file missing
// on either side is a difference. With -update it replaces dir by files.
func CheckDir(t testing.TB, dir string, files map[string][]byte) {
	t.Helper()
	if *update {
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		names := make([]string, 0, len(files))
		for name := range files {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			p := filepath.Join(dir, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, files[name], 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	want := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || !e.Type().IsRegular() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		want[filepath.ToSlash(rel)] = string(normalize(b))
		return err
	})
	if err != nil {
		t.Fatalf("%v (go test -update writes %s)", err, dir)
	}
	got := make(map[string]string, len(files))
	for name, b := range files {
		got[name] = string(normalize(b))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s differs (-want +got; go test -update rewrites it):\n%s", dir, diff)
	}
}

func normalize(b []byte) []byte {
	return bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
}
