package generator

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/xaccel/xaccel/internal/golden"
	"github.com/xaccel/xaccel/internal/realnginx"
	"github.com/xaccel/xaccel/lint"
)

// goldenOptions are the options of the golden outputs: every non-default
// value set, so that each template field shows.
func goldenOptions(backend, front string) Options {
	o := Options{Backend: backend, Front: front, FilesDir: "/srv/example/private-files",
		InternalPrefix: "/_private/", DownloadPath: "/files/", ServerName: "downloads.example.com"}
	for _, b := range Backends {
		if b.Name == backend && b.FastCGI {
			o.AppRoot = "/srv/example/app"
		}
	}
	return o
}

// TestGolden renders every backend for every front and compares with
// testdata/generate/<backend>/<front>/. -update rewrites them.
func TestGolden(t *testing.T) {
	for _, b := range Backends {
		for _, front := range Fronts {
			t.Run(b.Name+"/"+front, func(t *testing.T) {
				d, err := Resolve(goldenOptions(b.Name, front))
				if err != nil {
					t.Fatal(err)
				}
				files, err := Render(d, "")
				if err != nil {
					t.Fatal(err)
				}
				got := map[string][]byte{}
				for _, f := range files {
					got[f.Path] = f.Content
				}
				golden.CheckDir(t, filepath.Join("..", "testdata", "generate", b.Name, front), got)
			})
		}
	}
}

// TestEveryBackendNginxAndLint: for every backend, the nginx files pass
// real nginx -t (the server block inside a minimal http {}, the snippet
// inside a server {}) and xaccel lint finds nothing, with defaults and
// with the golden options.
func TestEveryBackendNginxAndLint(t *testing.T) {
	realnginx.Require(t)
	t.Parallel()
	for _, b := range Backends {
		for i, o := range []Options{{Backend: b.Name}, goldenOptions(b.Name, "nginx")} {
			d, err := Resolve(o)
			if err != nil {
				t.Fatal(err)
			}
			files, err := Render(d, "")
			if err != nil {
				t.Errorf("%s: %v", b.Name, err)
				continue
			}
			if r := CheckFiles(files, d); len(r.Findings) > 0 {
				var sb strings.Builder
				lint.WriteText(&sb, r, false)
				t.Errorf("%s (options %d): xaccel lint finds:\n%s", b.Name, i, sb.String())
			}
			for _, f := range files {
				var body string
				switch f.Path {
				case "nginx/xaccel.conf":
					body = strings.Replace(string(f.Content), "listen 80;", "listen 127.0.0.1:{{PORT}};", 1)
				case "nginx/snippet.conf":
					body = "server {\n listen 127.0.0.1:{{PORT}};\n" + string(f.Content) + "\n}\n"
				default:
					continue
				}
				if ok, out := realnginx.CheckHTTP(body, nil); !ok {
					t.Errorf("%s (options %d): nginx -t rejects %s:\n%s\n%s", b.Name, i, f.Path, out, f.Content)
				}
			}
		}
	}
}

func TestResolveErrors(t *testing.T) {
	for _, tc := range []struct {
		o    Options
		want string
	}{
		{Options{}, "--backend is required"},
		{Options{Backend: "cobol"}, `unknown backend "cobol"`},
		{Options{Backend: "go", Front: "traefik"}, "Traefik cannot serve files"},
		{Options{Backend: "go", Front: "haproxy"}, "HAProxy cannot serve files"},
		{Options{Backend: "go", Front: "iis"}, "want one of nginx, caddy, apache"},
		{Options{Backend: "go", InternalPrefix: "_p/"}, "want a URL path"},
		{Options{Backend: "go", InternalPrefix: "/a b/"}, "want a URL path"},
		{Options{Backend: "go", InternalPrefix: "/x/../y/"}, `a path segment is ".."`},
		{Options{Backend: "go", InternalPrefix: "/"}, "not just /"},
		{Options{Backend: "go", InternalPrefix: "/dl/", DownloadPath: "/dl/"}, "overlap"},
		{Options{Backend: "go", InternalPrefix: "/dl/x/", DownloadPath: "/dl/"}, "overlap"},
		{Options{Backend: "go", FilesDir: "private"}, "want an absolute path"},
		{Options{Backend: "go", FilesDir: "/srv/my files"}, "only letters"},
		{Options{Backend: "go", FilesDir: "/srv/a;b"}, "only letters"},
		{Options{Backend: "go", FilesDir: "/"}, "the whole filesystem"},
		{Options{Backend: "go", FilesDir: "/srv/.."}, "the whole filesystem"},
		{Options{Backend: "go", App: "localhost"}, "want HOST:PORT"},
		{Options{Backend: "go", App: "127.0.0.1:99999"}, "want HOST:PORT"},
		{Options{Backend: "go", App: "https://127.0.0.1:8443"}, "want HOST:PORT"},
		{Options{Backend: "php", App: "9000"}, "php-fpm socket"},
		{Options{Backend: "php", App: "unix:run/php.sock"}, "unix:/absolute/path.sock"},
		{Options{Backend: "go", AppRoot: "/srv/app"}, "only for the php and laravel"},
		{Options{Backend: "laravel", AppRoot: "/srv/app", FilesDir: "/srv/app/public/files"}, "inside the Laravel public directory"},
		{Options{Backend: "go", ServerName: "a;b"}, "--server-name"},
	} {
		_, err := Resolve(tc.o)
		var ue *UsageError
		if err == nil || !errors.As(err, &ue) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Resolve(%+v) = %v, want a usage error containing %q", tc.o, err, tc.want)
		}
	}
}

func TestResolveDefaults(t *testing.T) {
	d, err := Resolve(Options{Backend: "django", InternalPrefix: "/p", DownloadPath: "/dl", FilesDir: "/srv/x//files/"})
	if err != nil {
		t.Fatal(err)
	}
	got := []string{d.Front, d.InternalPrefix, d.DownloadPath, d.FilesDir, d.FilesDirNoSlash, d.ServerName, d.App.URL, d.Sendfile.Header, d.Command}
	want := []string{"nginx", "/p/", "/dl/", "/srv/x/files/", "/srv/x/files", "localhost", "http://127.0.0.1:8000", "X-Accel-Redirect",
		"xaccel generate --backend django --internal-prefix /p/ --files-dir /srv/x/files --download-path /dl/"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
	d, err = Resolve(Options{Backend: "php", App: "unix:/run/php/php8.2-fpm.sock", Front: "Apache"})
	if err != nil {
		t.Fatal(err)
	}
	if d.App.Socket != "/run/php/php8.2-fpm.sock" || d.AppRoot != "/srv/app" || d.Front != "apache" || d.Sendfile.Header != "X-Sendfile" || d.Sendfile.URI {
		t.Errorf("php defaults: %+v", d)
	}
}

func TestWriteConflictsForceAndDryRun(t *testing.T) {
	dir := t.TempDir()
	d, err := Resolve(Options{Backend: "go"})
	if err != nil {
		t.Fatal(err)
	}
	files, err := Render(d, "")
	if err != nil {
		t.Fatal(err)
	}
	statuses := func(rs []Result) []string {
		var out []string
		for _, r := range rs {
			out = append(out, string(r.Status))
		}
		return out
	}
	all := func(s Status) []string {
		var out []string
		for range files {
			out = append(out, string(s))
		}
		return out
	}
	rs, err := Write(dir, files, false, true)
	if err != nil || !cmp.Equal(statuses(rs), all(Created)) {
		t.Fatalf("dry run on an empty dir: %v %v", statuses(rs), err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("dry run wrote %d entries", len(entries))
	}
	if rs, err = Write(dir, files, false, false); err != nil || !cmp.Equal(statuses(rs), all(Created)) {
		t.Fatalf("first write: %v %v", statuses(rs), err)
	}
	if rs, err = Write(dir, files, false, false); err != nil || !cmp.Equal(statuses(rs), all(Unchanged)) {
		t.Fatalf("second write: %v %v", statuses(rs), err)
	}
	// The user edits one file: it is not replaced, and nothing else is written.
	conf := filepath.Join(dir, "nginx", "xaccel.conf")
	os.WriteFile(conf, []byte("# mine\n"), 0o644)
	os.Remove(filepath.Join(dir, "NEXT-STEPS.md"))
	_, err = Write(dir, files, false, false)
	var ce *ConflictError
	if !errors.As(err, &ce) || len(ce.Paths) != 1 || ce.Paths[0] != conf {
		t.Fatalf("write over an edited file: %v", err)
	}
	if b, _ := os.ReadFile(conf); string(b) != "# mine\n" {
		t.Errorf("the edited file was replaced")
	}
	if _, err := os.Stat(filepath.Join(dir, "NEXT-STEPS.md")); err == nil {
		t.Errorf("a conflict still wrote other files")
	}
	if rs, err = Write(dir, files, true, false); err != nil || rs[0].Status != Overwritten {
		t.Fatalf("--force: %v %v", statuses(rs), err)
	}
	if b, _ := os.ReadFile(conf); string(b) != string(files[0].Content) {
		t.Errorf("--force did not replace the edited file")
	}
}

func TestTemplateDir(t *testing.T) {
	d, err := Resolve(Options{Backend: "go"})
	if err != nil {
		t.Fatal(err)
	}
	tdir := t.TempDir()
	os.MkdirAll(filepath.Join(tdir, "docs"), 0o755)
	os.WriteFile(filepath.Join(tdir, "docs", "NEXT-STEPS.md.tmpl"), []byte("ours for {{.Backend.Name}}\n"), 0o644)
	files, err := Render(d, tdir)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(files[len(files)-1].Content); got != "ours for go\n" {
		t.Errorf("override not used: %q", got)
	}
	// A field that does not exist is an error, not an empty string.
	os.WriteFile(filepath.Join(tdir, "docs", "NEXT-STEPS.md.tmpl"), []byte("{{.Nope}}\n"), 0o644)
	if _, err := Render(d, tdir); err == nil || !strings.Contains(err.Error(), "Nope") {
		t.Errorf("unknown field: %v", err)
	}
	// A name that matches no template is refused.
	os.WriteFile(filepath.Join(tdir, "docs", "NEXT-STEP.md.tmpl"), []byte("x"), 0o644)
	if _, err := Render(d, tdir); err == nil || !strings.Contains(err.Error(), "matches no built-in template") {
		t.Errorf("typo in a template name: %v", err)
	}
	// An override that breaks the nginx file is caught by the self-check.
	tdir = t.TempDir()
	os.MkdirAll(filepath.Join(tdir, "nginx"), 0o755)
	os.WriteFile(filepath.Join(tdir, "nginx", "xaccel.conf.tmpl"), []byte("server {\n location /_protected/ { alias {{.FilesDir}}; }\n}\n"), 0o644)
	files, err = Render(d, tdir)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	if _, err := Write(out, files, false, false); err != nil {
		t.Fatal(err)
	}
	r, err := SelfCheck(out, d)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Findings) == 0 {
		t.Errorf("self-check of an override that makes the files public found nothing")
	}
}

func TestApplyConfig(t *testing.T) {
	src := "generate:\n  backend: flask\n  files_dir: /srv/f\n  out: deploy\n  front: caddy\n"
	cf, err := lint.ParseConfig("/repo/.xaccel.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	var o Options
	out := "default"
	given := func(flag string) bool { return flag == "front" }
	if err := ApplyConfig(cf, &o, &out, given); err != nil {
		t.Fatal(err)
	}
	if o.Backend != "flask" || o.FilesDir != "/srv/f" || out != "/repo/deploy" || o.Front != "" {
		t.Errorf("got %+v out %q", o, out)
	}
	// An unknown key is refused with its file:line, by the loader (which
	// checks the generate: keys too) or by ApplyConfig.
	cf, err = lint.ParseConfig("/repo/.xaccel.yaml", []byte("generate:\n  backend: go\n  filesdir: /x\n"))
	if err == nil {
		err = ApplyConfig(cf, &o, &out, func(string) bool { return false })
	}
	if err == nil || !strings.Contains(err.Error(), `/repo/.xaccel.yaml:3: generate: unknown key "filesdir"`) {
		t.Errorf("unknown key: %v", err)
	}
	if _, err := lint.ParseConfig("x.yaml", []byte("generate:\n  backend: [a]\n")); err == nil || !strings.Contains(err.Error(), "x.yaml:2") {
		t.Errorf("list value: %v", err)
	}
}
