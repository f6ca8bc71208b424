package nginx

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// addHeaders lists the first arguments of the add_header statements in
// document order, with the base name of the file each comes from.
func addHeaders(cfg *Config) []string {
	var out []string
	for _, d := range findDirs(cfg, "add_header") {
		out = append(out, d.Args[0]+"@"+filepath.Base(d.Pos.File))
	}
	return out
}

// TestOverlayReplacesFiles: a file of the overlay is read instead of the
// one on disk, the main file included, under the name it has on disk; the
// disk is not touched.
func TestOverlayReplacesFiles(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"nginx.conf":      mainHead + "    include snippets/h.conf;\n    add_header Main 1;\n}\n",
		"snippets/h.conf": "add_header Disk 1;\n",
	})
	main := filepath.Join(dir, "nginx.conf")
	cfg, err := Load(main, LoadOptions{Overlay: map[string][]byte{
		filepath.Join(dir, "snippets/h.conf"): []byte("add_header Edited 1;\n"),
		main:                                  []byte(mainHead + "    include snippets/h.conf;\n    add_header MainEdited 1;\n}\n"),
	}})
	if err != nil {
		t.Fatal(err)
	}
	noErrors(t, cfg)
	if diff := cmp.Diff([]string{"Edited@h.conf", "MainEdited@nginx.conf"}, addHeaders(cfg)); diff != "" {
		t.Errorf("add_header (-want +got):\n%s", diff)
	}
	if got := cfg.Files[1].Path; got != filepath.Join(dir, "snippets/h.conf") {
		t.Errorf("the overlaid include is named %s", got)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "snippets/h.conf")); string(b) != "add_header Disk 1;\n" {
		t.Errorf("the file on disk changed: %q", b)
	}
}

// TestOverlayRelativeNames: overlay names and prefixes relative to the
// working directory name the same files as absolute ones, and a file the
// overlay adds is matched by a glob in glob(3)'s order among the files of
// the disk (not when a wildcard would match its leading dot).
func TestOverlayRelativeNames(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"conf/nginx.conf":      mainHead + "    include conf.d/*.conf;\n    include conf.d/x.inc;\n}\n",
		"conf/conf.d/a.conf":   "add_header A 1;\n",
		"conf/conf.d/c.conf":   "add_header C 1;\n",
		"conf/conf.d/x.inc":    "add_header X 1;\n",
		"conf/conf.d/keep.txt": "",
	})
	t.Chdir(dir)
	cfg, err := Load("conf/nginx.conf", LoadOptions{Overlay: map[string][]byte{
		"./conf/conf.d/b.conf":                     []byte("add_header B 1;\n"),
		"conf/conf.d/.hidden.conf":                 []byte("add_header Hidden 1;\n"),
		filepath.Join(dir, "conf/conf.d/x.inc"):    []byte("add_header Xedited 1;\n"),
		filepath.Join(dir, "conf/conf.d/c.conf"):   []byte("add_header Cedited 1;\n"),
		filepath.Join(dir, "elsewhere/other.conf"): []byte("add_header Other 1;\n"),
	}})
	if err != nil {
		t.Fatal(err)
	}
	noErrors(t, cfg)
	want := []string{"A@a.conf", "B@b.conf", "Cedited@c.conf", "Xedited@x.inc"}
	if diff := cmp.Diff(want, addHeaders(cfg)); diff != "" {
		t.Errorf("add_header (-want +got):\n%s", diff)
	}
	var names []string
	for _, f := range cfg.Files {
		names = append(names, filepath.ToSlash(f.Path))
	}
	if diff := cmp.Diff([]string{"conf/nginx.conf", "conf/conf.d/a.conf", "conf/conf.d/b.conf", "conf/conf.d/c.conf", "conf/conf.d/x.inc"}, names); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
}

// TestOverlayDump: for an nginx -T dump the overlay names the dump's files
// and replaces their content, the main file's too.
func TestOverlayDump(t *testing.T) {
	dump := "# configuration file /etc/nginx/nginx.conf:\n" +
		"events {}\nhttp {\n    include /etc/nginx/x.conf;\n    add_header Main 1;\n}\n\n" +
		"# configuration file /etc/nginx/x.conf:\n" +
		"add_header X 1;\n\n"
	cfg := LoadBytes("-", []byte(dump), LoadOptions{Overlay: map[string][]byte{
		"/etc/nginx/x.conf":     []byte("add_header Xedited 1;\n"),
		"/etc/nginx/nginx.conf": []byte("events {}\nhttp {\n    add_header MainEdited 1;\n    include /etc/nginx/x.conf;\n}\n"),
	}})
	noErrors(t, cfg)
	if cfg.Kind != KindDump {
		t.Errorf("Kind %v, want a dump", cfg.Kind)
	}
	if diff := cmp.Diff([]string{"MainEdited@nginx.conf", "Xedited@x.conf"}, addHeaders(cfg)); diff != "" {
		t.Errorf("add_header (-want +got):\n%s", diff)
	}
}

// TestOverlayErrors: the overlaid text is what syntax errors point into,
// and a file of the overlay that is too large is not read.
func TestOverlayErrors(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"nginx.conf":  mainHead + "    include big.conf;\n    include bad.conf;\n}\n",
		"big.conf":    "",
		"bad.conf":    "sendfile on;\n",
		"unused.conf": "",
	})
	big := make([]byte, maxIncludeSize+1)
	cfg, err := Load(filepath.Join(dir, "nginx.conf"), LoadOptions{Overlay: map[string][]byte{
		filepath.Join(dir, "big.conf"): big,
		filepath.Join(dir, "bad.conf"): []byte("sendfile on;\n}\n"),
	}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range cfg.Errors {
		got = append(got, filepath.Base(e.Pos.File)+":"+e.Msg)
	}
	if len(got) != 2 || !strings.HasPrefix(got[0], "bad.conf:unexpected \"}\"") || !strings.Contains(got[1], "larger than 128 MiB") {
		t.Errorf("errors %q, want the stray brace of bad.conf and big.conf's size", got)
	}
	// the main file from the overlay is bounded as a file on disk is
	_, err = Load(filepath.Join(dir, "unused.conf"), LoadOptions{Overlay: map[string][]byte{filepath.Join(dir, "unused.conf"): big}})
	var ie *InputError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "larger than 128 MiB") {
		t.Errorf("Load of a too large overlaid main file: %v", err)
	}
}

// TestLoadRefusesSpecialFiles: without an overlay, the disk is read as
// before: a FIFO or a device is refused as the main file (it would block
// or never end) and as an include.
func TestLoadRefusesSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.conf")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("cannot make a FIFO here: %v", err)
	}
	for _, c := range []struct{ path, want string }{
		{fifo, "a FIFO, not a regular file"},
		{os.DevNull, "a device, not a regular file"},
	} {
		_, err := Load(c.path, LoadOptions{})
		var ie *InputError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Load(%s): %v, want an InputError saying %q", c.path, err, c.want)
		}
		cfg := LoadBytes(filepath.Join(dir, "nginx.conf"), []byte("events {}\nhttp {\n    include "+c.path+";\n}\n"), LoadOptions{})
		wantError(t, cfg, "nginx.conf", 3, 5, "is not a regular file")
	}
	// an overlay entry of the same name is read instead
	cfg, err := Load(fifo, LoadOptions{Overlay: map[string][]byte{fifo: []byte("events {}\n")}})
	if err != nil {
		t.Fatal(err)
	}
	noErrors(t, cfg)
}
