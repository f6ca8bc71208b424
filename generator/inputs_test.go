package generator

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestServerNames: each --server-name value is checked on its own, the
// way nginx's server_name reads it.
func TestServerNames(t *testing.T) {
	for _, tc := range []struct {
		v, front string
		want     []string
	}{
		{"", "nginx", []string{"localhost"}},
		{"example.com www.example.com", "nginx", []string{"example.com", "www.example.com"}},
		{"example.com  Example.com", "nginx", []string{"example.com"}},
		{"*.example.com .example.org example.* _", "nginx", []string{"*.example.com", ".example.org", "example.*", "_"}},
		{"*.example.com a-b.example.com", "caddy", []string{"*.example.com", "a-b.example.com"}},
	} {
		got, err := serverNames(tc.v, tc.front)
		if err != nil {
			t.Errorf("%q (%s): %v", tc.v, tc.front, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%q (%s): (-want +got)\n%s", tc.v, tc.front, diff)
		}
	}
	for _, tc := range []struct{ v, front, want string }{
		{"x.com\ny.com", "nginx", `--server-name "x.com\ny.com": a newline at byte 5; give the names on one line, separated by single spaces`},
		{"x.com\ty.com", "nginx", "a tab at byte 5"},
		{"x.com\r", "nginx", "a carriage return at byte 5"},
		{"x.com\u2028y.com", "nginx", "U+2028"},
		{"x.com\x00", "nginx", "U+0000"},
		{"a;b", "nginx", `the label "a;b" is not a host name label`},
		{"-a.com", "nginx", `the label "-a" is not`},
		{"a..com", "nginx", "empty label"},
		{"a.com.", "nginx", "empty label"},
		{"a.*.com", "nginx", "a wildcard may only be the first label"},
		{"~^www\\.", "nginx", "is a regular expression"},
		{".example.com", "apache", "the leading-dot form is nginx's own; apache needs *.example.com"},
		{"example.*", "caddy", "a trailing wildcard is nginx's own"},
		{"   ", "nginx", "no name given"},
		{strings.Repeat("a", 64) + ".com", "nginx", "longer than 63"},
	} {
		_, err := Resolve(Options{Backend: "django", Front: tc.front, ServerName: tc.v})
		var ue *UsageError
		if err == nil || !errors.As(err, &ue) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("--server-name %q (%s): %v, want a usage error containing %q", tc.v, tc.front, err, tc.want)
		}
	}
}

// TestNoControlCharacters: no option that reaches a generated file may
// hold a newline or another control character.
func TestNoControlCharacters(t *testing.T) {
	for _, o := range []Options{
		{Backend: "django", InternalPrefix: "/p/\n"},
		{Backend: "django", DownloadPath: "/d/\r\n"},
		{Backend: "django", FilesDir: "/srv/x\n/y"},
		{Backend: "django", App: "127.0.0.1:8000\n"},
		{Backend: "php", AppRoot: "/srv/app\x1b"},
		{Backend: "django\n"},
		{Backend: "django", Front: "nginx\x7f"},
		{Backend: "django", FilesDir: "/srv/\xff"},
	} {
		_, err := Resolve(o)
		if err == nil || !strings.Contains(err.Error(), "give the value on one line, without control characters") {
			t.Errorf("Resolve(%+v) = %v, want a refusal of the control character", o, err)
		}
	}
}

// TestApacheServerAlias: Apache's ServerName takes one name; the others
// become ServerAlias.
func TestApacheServerAlias(t *testing.T) {
	d, err := Resolve(Options{Backend: "flask", Front: "apache", ServerName: "example.com www.example.com *.example.org"})
	if err != nil {
		t.Fatal(err)
	}
	files, err := Render(d, "")
	if err != nil {
		t.Fatal(err)
	}
	conf := string(files[0].Content)
	if !strings.Contains(conf, "    ServerName example.com\n    ServerAlias www.example.com *.example.org\n") {
		t.Errorf("apache/xaccel.conf:\n%s", conf)
	}
}

// TestWriteRefusesLinksOutside: a symbolic link under --out that leads
// outside it (a folder or a file) is never written through, and nothing
// is written; a link that stays inside is followed.
func TestWriteRefusesLinksOutside(t *testing.T) {
	d, err := Resolve(Options{Backend: "flask"})
	if err != nil {
		t.Fatal(err)
	}
	files, err := Render(d, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, out, outside string)
	}{
		{"folder", func(t *testing.T, out, outside string) {
			must(t, os.Symlink(outside, filepath.Join(out, "nginx")))
		}},
		{"file", func(t *testing.T, out, outside string) {
			must(t, os.MkdirAll(filepath.Join(out, "nginx"), 0o755))
			must(t, os.Symlink(filepath.Join(outside, "xaccel.conf"), filepath.Join(out, "nginx", "xaccel.conf")))
		}},
		{"relative", func(t *testing.T, out, outside string) {
			must(t, os.Symlink("../outside", filepath.Join(out, "flask")))
		}},
		{"dangling", func(t *testing.T, out, outside string) {
			must(t, os.Symlink(filepath.Join(outside, "new"), filepath.Join(out, "NEXT-STEPS.md")))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := t.TempDir()
			out, outside := filepath.Join(base, "out"), filepath.Join(base, "outside")
			must(t, os.MkdirAll(out, 0o755))
			must(t, os.MkdirAll(outside, 0o755))
			must(t, os.WriteFile(filepath.Join(outside, "xaccel.conf"), []byte("mine\n"), 0o644))
			tc.setup(t, out, outside)
			for _, force := range []bool{false, true} {
				_, err := Write(out, files, force, false)
				var le *LinkError
				if !errors.As(err, &le) || !strings.Contains(err.Error(), "outside "+out+"; nothing was written") {
					t.Errorf("force %v: %v, want a LinkError", force, err)
				}
			}
			entries, _ := os.ReadDir(outside)
			if len(entries) != 1 {
				t.Errorf("files appeared outside --out: %v", entries)
			}
			if b, _ := os.ReadFile(filepath.Join(outside, "xaccel.conf")); string(b) != "mine\n" {
				t.Errorf("the file outside was changed: %q", b)
			}
			if _, err := os.Stat(filepath.Join(out, "flask", "app.py")); err == nil && tc.name != "relative" {
				t.Errorf("a file was written although a link was refused")
			}
		})
	}
	// A link that stays inside --out is fine.
	out := filepath.Join(t.TempDir(), "out")
	must(t, os.MkdirAll(filepath.Join(out, "real"), 0o755))
	must(t, os.Symlink("real", filepath.Join(out, "nginx")))
	if _, err := Write(out, files, false, false); err != nil {
		t.Fatalf("a link inside --out: %v", err)
	}
	if _, err := os.Stat(filepath.Join(out, "real", "xaccel.conf")); err != nil {
		t.Errorf("the file was not written through the link inside --out: %v", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
