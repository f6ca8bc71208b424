package nginx

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xaccel/xaccel/internal/realnginx"
)

// dumpFiles is a small prefix: a main file including conf.d/*.conf and a
// snippet, with multi-line statements, comments, nested locations and an
// upstream. {{P}} is replaced by the prefix.
var dumpFiles = map[string]string{
	"conf/nginx.conf": `# main file
events {
}
http {
    access_log off;
    client_body_temp_path {{P}}/tmp/client;
    proxy_temp_path {{P}}/tmp/proxy;
    fastcgi_temp_path {{P}}/tmp/fastcgi;
    uwsgi_temp_path {{P}}/tmp/uwsgi;
    scgi_temp_path {{P}}/tmp/scgi;
    include conf.d/*.conf;
}
`,
	"conf/conf.d/a.conf": `server {
    listen 127.0.0.1:8089;
    server_name a.example;

    include snippets/common.conf;

    location /media/ {
        alias {{P}}/media/;
        location ~ \.(png|jpg)$ { }
    }
    location = /protected {
        internal;
    }
}
`,
	"conf/conf.d/b.conf": `upstream app {
    server 127.0.0.1:8000
        max_fails=3;
}
server {
    listen 127.0.0.1:8090;
    location / {
        proxy_pass http://app;
    }
}`, // no trailing newline
	"conf/snippets/common.conf": `add_header X-Content-Type-Options nosniff always;
# a comment at the end of the snippet
`,
}

// nginxDump writes dumpFiles into a temp prefix and runs nginx -T on it.
// It returns the prefix, the dump (stdout only) and stdout+stderr as one
// stream (nginx prints "syntax is ok" on stderr before the dump).
func nginxDump(t *testing.T) (prefix string, stdout, combined []byte) {
	t.Helper()
	bin := realnginx.Require(t)
	prefix = t.TempDir()
	for rel, content := range dumpFiles {
		p := filepath.Join(prefix, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(strings.ReplaceAll(content, "{{P}}", prefix)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(prefix, "tmp"), 0o755); err != nil {
		t.Fatal(err)
	}
	args := []string{"-T", "-p", prefix + "/", "-c", filepath.Join(prefix, "conf", "nginx.conf"),
		"-e", filepath.Join(prefix, "error.log"), "-g", "pid " + filepath.Join(prefix, "nginx.pid") + ";"}
	run := func(combine bool) []byte {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Dir = prefix
		var out, errb bytes.Buffer
		cmd.Stdout = &out
		if combine {
			cmd.Stderr = &out
		} else {
			cmd.Stderr = &errb
		}
		if err := cmd.Run(); err != nil {
			t.Fatalf("nginx -T: %v\n%s%s", err, out.String(), errb.String())
		}
		return out.Bytes()
	}
	return prefix, run(false), run(true)
}

// TestLoadRealDump loads a real nginx -T dump and checks that every
// directive keeps the path nginx read it from and its own line and column.
func TestLoadRealDump(t *testing.T) {
	prefix, dump, combined := nginxDump(t)
	conf := filepath.Join(prefix, "conf")
	if !bytes.HasPrefix(dump, []byte("# configuration file "+filepath.Join(conf, "nginx.conf")+":\n")) {
		t.Fatalf("unexpected dump:\n%s", dump)
	}
	if !bytes.HasPrefix(combined, []byte("nginx: ")) {
		t.Fatalf("the combined output does not start with nginx's messages:\n%s", combined)
	}
	for name, src := range map[string][]byte{"stdout": dump, "stdout+stderr": combined} {
		t.Run(name, func(t *testing.T) {
			cfg := LoadBytes("-", src, LoadOptions{})
			noErrors(t, cfg)
			if cfg.Kind != KindDump {
				t.Fatalf("Kind = %v, want %v", cfg.Kind, KindDump)
			}
			var files []string
			for _, f := range cfg.Files {
				files = append(files, f.Path)
			}
			want := []string{
				filepath.Join(conf, "nginx.conf"), filepath.Join(conf, "conf.d/a.conf"),
				filepath.Join(conf, "snippets/common.conf"), filepath.Join(conf, "conf.d/b.conf"),
			}
			if strings.Join(files, " ") != strings.Join(want, " ") {
				t.Errorf("files %v, want %v", files, want)
			}
			// each file's content is exactly what is on disk (nginx -T adds a
			// line feed after each file; it is not part of the file)
			for _, f := range cfg.Files {
				disk, err := os.ReadFile(f.Path)
				if err != nil || !bytes.Equal(disk, f.Src) {
					t.Errorf("%s: content from the dump differs from the file (%v):\n%q\n%q", f.Path, err, f.Src, disk)
				}
			}
			for _, c := range []struct {
				name, file string
				line, col  int
				endLine    int
			}{
				{"http", "nginx.conf", 4, 1, 4},
				{"include", "nginx.conf", 11, 5, 11},
				{"listen", "conf.d/a.conf", 2, 5, 2},
				{"add_header", "snippets/common.conf", 1, 1, 1},
				{"alias", "conf.d/a.conf", 8, 9, 8},
				{"internal", "conf.d/a.conf", 12, 9, 12},
				{"upstream", "conf.d/b.conf", 1, 1, 1},
				{"proxy_pass", "conf.d/b.conf", 8, 9, 8},
			} {
				ds := findDirs(cfg, c.name)
				if len(ds) == 0 {
					t.Errorf("%s not found", c.name)
					continue
				}
				d := ds[0]
				if d.Pos.File != filepath.Join(conf, c.file) || d.Pos.Line != c.line || d.Pos.Column != c.col || d.End.Line != c.endLine {
					t.Errorf("%s at %v (end line %d), want %s:%d:%d (end line %d)", c.name, d.Pos, d.End.Line, c.file, c.line, c.col, c.endLine)
				}
			}
			// the multi-line upstream server starts on line 2 and ends on 3
			srv := findDirs(cfg, "upstream")[0].Block[0]
			if srv.Pos.Line != 2 || srv.End.Line != 3 || srv.Args[1] != "max_fails=3" {
				t.Errorf("upstream server %v..%v %v", srv.Pos, srv.End, srv.Args)
			}
			// the tree: the snippet's add_header sits in a.conf's server
			if len(cfg.Servers) != 2 {
				t.Fatalf("%d servers, want 2", len(cfg.Servers))
			}
			a := cfg.Servers[0]
			if a.Names[0] != "a.example" || a.Dir.Pos.File != filepath.Join(conf, "conf.d/a.conf") || a.Dir.First("add_header") == nil {
				t.Errorf("server a: %+v", a.Dir)
			}
			locs := a.AllLocations()
			if len(locs) != 3 || locs[1].Modifier != "~" || locs[1].Dir.Pos.Line != 9 || locs[2].Modifier != "=" {
				t.Errorf("locations of a: %v", locs)
			}
			// the comment at the end of the snippet is kept, in its file
			var snippet *File
			for _, f := range cfg.Files {
				if strings.HasSuffix(f.Path, "common.conf") {
					snippet = f
				}
			}
			if snippet == nil || len(snippet.Comments) != 1 || snippet.Comments[0].Pos.Line != 2 {
				t.Errorf("snippet comments: %+v", snippet)
			}
		})
	}
}

// TestDumpErrorsNameTheOriginalFile edits one file's part of a real dump
// and checks that errors name that file and its own lines.
func TestDumpErrorsNameTheOriginalFile(t *testing.T) {
	prefix, dump, _ := nginxDump(t)
	conf := filepath.Join(prefix, "conf")
	for _, c := range []struct {
		name, old, new string
		file           string
		line, col      int
		msg            string
	}{
		{"location without block", "    location = /protected {\n        internal;\n    }\n", "    location = /protected;\n\n\n", "conf.d/a.conf", 11, 5, `directive "location" has no opening "{"`},
		{"stray brace in snippet", "# a comment at the end", "}", "snippets/common.conf", 2, 1, `unexpected "}"`},
		{"internal in server", "    listen 127.0.0.1:8090;\n", "    listen 127.0.0.1:8090; internal;\n", "conf.d/b.conf", 6, 28, `"internal" directive is not allowed here`},
		{"unterminated block at the end of a file", "        proxy_pass http://app;\n    }\n}", "        proxy_pass http://app;\n    }\n", "conf.d/b.conf", 10, 1, `unexpected end of file, expecting "}"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			if !bytes.Contains(dump, []byte(c.old)) {
				t.Fatalf("the dump lacks %q", c.old)
			}
			edited := bytes.Replace(dump, []byte(c.old), []byte(c.new), 1)
			cfg := LoadBytes("dump.txt", edited, LoadOptions{})
			if cfg.Kind != KindDump {
				t.Fatalf("Kind = %v", cfg.Kind)
			}
			e := wantError(t, cfg, c.file, c.line, c.col, c.msg)
			if e != nil && e.Pos.File != filepath.Join(conf, c.file) {
				t.Errorf("error names %q, want the absolute %q", e.Pos.File, filepath.Join(conf, c.file))
			}
		})
	}
}

// TestDumpWithoutNginx: the dump format alone (no nginx needed), with the
// "nginx: ..." lines first, CRLF line ends and a file listed twice.
func TestDumpWithoutNginx(t *testing.T) {
	dump := "nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\n" +
		"nginx: configuration file /etc/nginx/nginx.conf test is successful\n" +
		"# configuration file /etc/nginx/nginx.conf:\n" +
		"events {}\nhttp {\n    include sites/*;\n    include /etc/nginx/x.conf;\n}\n\n" +
		"# configuration file /etc/nginx/sites/a:\n" +
		"server {\r\n    listen 80;\r\n    location /a;\r\n}\r\n\n" +
		"# configuration file /etc/nginx/x.conf:\n" +
		"server_tokens off;\n\n"
	cfg := LoadBytes("-", []byte(dump), LoadOptions{})
	if cfg.Kind != KindDump || len(cfg.Files) != 3 {
		t.Fatalf("Kind %v, %d files", cfg.Kind, len(cfg.Files))
	}
	wantError(t, cfg, "/etc/nginx/sites/a", 3, 5, `has no opening "{"`)
	if st := findDirs(cfg, "server_tokens"); len(st) != 1 || st[0].Pos.File != "/etc/nginx/x.conf" || st[0].Pos.Line != 1 {
		t.Errorf("server_tokens: %v", st)
	}
	// a dump whose include names a file it does not contain
	cfg = LoadBytes("-", []byte("# configuration file /c/nginx.conf:\nevents {}\nhttp {\n    include missing.conf;\n}\n\n"), LoadOptions{})
	wantError(t, cfg, "/c/nginx.conf", 3, 5, "not in the nginx -T dump")
}
