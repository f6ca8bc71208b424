package lint_test

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xaccel/xaccel/internal/benchgen"
	"github.com/xaccel/xaccel/lint"
	"github.com/xaccel/xaccel/nginx"
)

// fuzzSeeds are small inputs covering what the loader has to cope with:
// valid configs, fragments, dumps, broken syntax, odd bytes.
var fuzzSeeds = []string{
	// a main config with the protected-media setup, and one that leaks
	`events {}
http {
    server {
        listen 80;
        server_name example.com;
        root /srv/web;
        location ^~ /media/ { internal; alias /srv/media/; add_header X-Content-Type-Options nosniff always; }
        location ~* \.(jpg|png|css)$ { expires 30d; }
        location / { try_files $uri @app; }
        location @app { proxy_pass http://127.0.0.1:8000; proxy_pass_header X-Accel-Redirect; }
    }
}
`,
	`http { server { root /srv/web; location /media { alias /srv/web/media/; } location ~ ^/media/(.*)$ { alias /srv/web/media/$1; } } }`,
	// fragments: server blocks, location blocks
	"server {\n  listen 80;\n  location /uploads/ { root /var/www; }\n}\n",
	"location /private/ { internal; root /data; }\nlocation ~ \\.php$ { fastcgi_pass unix:/run/php.sock; }\n",
	// an nginx -T dump with an include, and one that includes itself
	"nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\n# configuration file /etc/nginx/nginx.conf:\nhttp { include conf.d/*.conf; }\n\n# configuration file /etc/nginx/conf.d/a.conf:\nserver { location /media/ { root /srv; } }\n",
	"# configuration file /a.conf:\ninclude /a.conf;\n",
	// truncated, unbalanced, stray
	"http {\n    server {\n        location /media/ {\n            alias /srv/med",
	"http { server { } } }",
	"}",
	"{",
	";",
	"location",
	"location / { alias; root a b; internal x; }",
	"location = { }",
	"location ~ ( { root /x; }",
	"location ~* ^/(?<name>[a-z]+)/(.*)$ { alias /srv/$name/$2; }",
	"if ($request_uri ~ ^/x) { return 403; }",
	"map $uri $x { default 0; ~^/media 1; }",
	// quotes and escapes
	`server_name "a b" 'c\'d' "e\"f" \; "\\";`,
	`add_header "X-Accel-Redirect" "$upstream_http_x_accel_redirect";`,
	`root "unterminated;`,
	`root "a"b;`,
	"root 'a\\\n';",
	// odd bytes
	"\xef\xbb\xbfhttp { }",
	"http { server { root /a\x00b; } }",
	"\x00",
	"\xff\xfe\x00h\x00t\x00t\x00p\x00",
	"http {\r\n server {\r\n  location /media/ {\r\n   root /srv;\r\n  }\r\n }\r\n}\r\n",
	"#",
	"# only a comment\n",
	"http { # { } ;\n}",
	// Lua bodies: braces and quotes that are not nginx syntax
	"http { server { location / { content_by_lua_block { ngx.say(\"}\") -- }\n local t = {a = '{'} --[[ } ]] local s = [==[ } ]==] } } } }",
	"content_by_lua_block { [[",
	"access_by_lua_block { '\n' }",
	// deep nesting
	strings.Repeat("http{", 1000),
	strings.Repeat("http {", 1001) + strings.Repeat("}", 1001),
	"http { server {" + strings.Repeat("location / {", 50) + strings.Repeat("}", 52),
}

// fuzzCorpusDir is the shared corpus of real-world configs (/work/shared/corpus
// next to the checkout), if present.
func fuzzCorpusDir() string {
	if d := os.Getenv("XACCEL_CORPUS"); d != "" {
		return d
	}
	return filepath.Join("..", "..", "shared", "corpus")
}

// fuzzHang is how long one fuzz input may take before it counts as a hang.
const fuzzHang = 10 * time.Second

func FuzzLoadLint(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Add(benchgen.Config(3))
	junk := make([]byte, 512)
	x := uint32(2463534242)
	for i := range junk {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		junk[i] = byte(x)
	}
	f.Add(junk)
	// Every configuration of the shared corpus is a seed; -short takes one
	// in eight (the corpus tests read them all without -short).
	n := 0
	_ = filepath.WalkDir(fuzzCorpusDir(), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if n++; testing.Short() && n%8 != 0 {
			return nil
		}
		if info, err := d.Info(); err != nil || !info.Mode().IsRegular() || info.Size() > 1<<20 {
			return nil
		}
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
		return nil
	})

	// One empty prefix for every input (LoadBytes only reads it): a
	// directory per input made the -short run pay for the file system.
	empty := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		// A hang guard: the fuzzer has no per-input timeout, and a panic in
		// another goroutine kills the worker, so the input is kept as a crasher.
		guard := time.AfterFunc(fuzzHang, func() {
			panic(fmt.Sprintf("LoadBytes + Run still running after %v on a %d-byte input", fuzzHang, len(data)))
		})
		defer guard.Stop()
		cfg := nginx.LoadBytes("nginx.conf", data, nginx.LoadOptions{Prefix: empty, AllowMissing: true})
		files := map[string][]byte{}
		for _, fl := range cfg.Files {
			if _, ok := files[fl.Path]; !ok {
				files[fl.Path] = fl.Src
			}
		}
		for _, e := range cfg.Errors {
			if e.Msg == "" {
				t.Errorf("error at %v has no message", e.Pos)
			}
			checkPos(t, "error "+e.Msg, e.Pos, files)
		}
		for _, fd := range lint.Run(cfg, lint.Options{Protect: []string{"/media/"}}) {
			what := "finding [" + fd.Rule + "] " + fd.Message
			if lint.RuleByName(fd.Rule) == nil {
				t.Errorf("%s: unknown rule %q", what, fd.Rule)
			}
			if fd.Message == "" {
				t.Errorf("finding [%s] at %v has no message", fd.Rule, fd.Pos)
			}
			if fd.Pos.File == "" || fd.Pos.Line < 1 || fd.Pos.Column < 1 {
				t.Errorf("%s: bad position %+v", what, fd.Pos)
				continue
			}
			checkPos(t, what, fd.Pos, files)
		}
	})
}

// checkPos reports a position that does not lie inside its file or whose
// line and column disagree with its offset.
func checkPos(t *testing.T, what string, p nginx.Pos, files map[string][]byte) {
	t.Helper()
	src, ok := files[p.File]
	if !ok {
		t.Errorf("%s: position %+v is in a file that was not read", what, p)
		return
	}
	if p.Offset < 0 || p.Offset > len(src) {
		t.Errorf("%s: offset %d outside the file (%d bytes)", what, p.Offset, len(src))
		return
	}
	line := 1 + bytes.Count(src[:p.Offset], []byte{'\n'})
	col := p.Offset - bytes.LastIndexByte(src[:p.Offset], '\n')
	if p.Line != line || p.Column != col {
		t.Errorf("%s: position %d:%d does not match offset %d (which is %d:%d)", what, p.Line, p.Column, p.Offset, line, col)
	}
}

// TestHugeNesting loads and lints absurdly deep nesting: it must neither
// panic nor overflow the stack, and must report a syntax error (the
// scanner stops at its depth limit; unclosed blocks are an error anyway).
func TestHugeNesting(t *testing.T) {
	t.Parallel()
	const n = 100000
	cases := map[string]string{
		"locations":          "http { server {" + strings.Repeat("location / {", n) + strings.Repeat("}", n+2),
		"http":               strings.Repeat("http {", n) + strings.Repeat("}", n),
		"unclosed braces":    strings.Repeat("{", n),
		"unclosed locations": "http { server {" + strings.Repeat("location / {", n),
		"unclosed lua":       strings.Repeat("content_by_lua_block {", n),
	}
	for name, src := range cases {
		t.Run(name, func(t *testing.T) {
			done := make(chan []lint.Finding, 1)
			start := time.Now()
			go func() {
				cfg := nginx.LoadBytes("deep.conf", []byte(src), nginx.LoadOptions{Prefix: t.TempDir()})
				done <- lint.Run(cfg, lint.Options{Protect: []string{"/media/"}})
			}()
			select {
			case fs := <-done:
				t.Logf("%d bytes: %d findings in %v", len(src), len(fs), time.Since(start))
				syntax := 0
				for _, f := range fs {
					if f.Rule == "syntax" {
						syntax++
					}
				}
				if syntax == 0 {
					t.Errorf("no syntax finding; got %v", fs)
				}
			case <-time.After(60 * time.Second):
				// a hang guard, not a performance target
				t.Fatalf("not done after 60s")
			}
		})
	}
}

// FuzzFix checks that computing and applying fixes never panics, that every
// edit lies inside its file, and that the fixes of a configuration nginx
// would read never make it unreadable.
func FuzzFix(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	paths, _ := filepath.Glob("../testdata/fix/*.conf")
	more, _ := filepath.Glob("../testdata/lint/*/*.conf")
	for _, p := range append(paths, more...) {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	empty := f.TempDir() // one empty prefix for every input, as FuzzLoadLint
	f.Fuzz(func(t *testing.T, data []byte) {
		guard := time.AfterFunc(fuzzHang, func() {
			panic(fmt.Sprintf("fixing still running after %v on a %d-byte input", fuzzHang, len(data)))
		})
		defer guard.Stop()
		cfg := nginx.LoadBytes("nginx.conf", data, nginx.LoadOptions{Prefix: empty})
		sources := map[string][]byte{}
		for _, fl := range cfg.Files {
			sources[fl.Path] = fl.Src
		}
		fs := lint.Run(cfg, lint.Options{Protect: []string{"/media/"}})
		for _, fd := range fs {
			for _, e := range fd.Fix {
				if src, ok := sources[e.File]; !ok || e.Start < 0 || e.Start > e.End || e.End > len(src) {
					t.Fatalf("[%s] at %s: edit %+v outside its file", fd.Rule, fd.Pos, e)
				}
			}
		}
		fixed, _ := lint.ApplyFixes(fs, sources)
		if len(cfg.Errors) > 0 || len(fixed) == 0 || len(cfg.Files) != 1 {
			return
		}
		again := nginx.LoadBytes("nginx.conf", fixed["nginx.conf"], nginx.LoadOptions{Prefix: empty})
		for _, e := range again.Errors {
			t.Errorf("the fixed text does not parse: %s: %s\n--- before\n%s\n--- after\n%s", e.Pos, e.Msg, data, fixed["nginx.conf"])
		}
	})
}
