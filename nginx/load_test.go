package nginx

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xaccel/xaccel/internal/realnginx"
)

// These tests pin the gaps of gonginx recorded in
// shared/design/parser-notes.md (§1 and every ❌ 🔕 ⚠ row of the §2
// table): each shows what xaccel's loader does instead. Where the case is a
// whole configuration, real nginx -t is asked too when it is installed.

// writeTree writes files (relative path -> content) into a temp dir and
// returns the dir.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for rel, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// loadTree writes files and loads the one called main.
func loadTree(t *testing.T, files map[string]string, main string) (*Config, string) {
	t.Helper()
	dir := writeTree(t, files)
	cfg, err := Load(filepath.Join(dir, main), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return cfg, dir
}

func loadOne(t *testing.T, src string) *Config {
	t.Helper()
	cfg, _ := loadTree(t, map[string]string{"nginx.conf": src}, "nginx.conf")
	return cfg
}

func noErrors(t *testing.T, cfg *Config) {
	t.Helper()
	for _, e := range cfg.Errors {
		t.Errorf("unexpected error: %v", e)
	}
}

// wantError expects exactly one error, in the file ending in file, at
// line:col (col 0: any column), whose message contains msg.
func wantError(t *testing.T, cfg *Config, file string, line, col int, msg string) *SyntaxError {
	t.Helper()
	if len(cfg.Errors) != 1 {
		t.Errorf("got %d errors, want 1 (%s:%d %q): %v", len(cfg.Errors), file, line, msg, cfg.Errors)
		if len(cfg.Errors) == 0 {
			return nil
		}
	}
	e := cfg.Errors[0]
	if !strings.HasSuffix(e.Pos.File, file) || e.Pos.Line != line || (col != 0 && e.Pos.Column != col) || !strings.Contains(e.Msg, msg) {
		t.Errorf("error %v, want %s:%d:%d containing %q", e, file, line, col, msg)
	}
	return e
}

// find returns the directives called name, in document order.
func findDirs(cfg *Config, name string) []*Directive {
	var out []*Directive
	cfg.Root.Walk(func(d *Directive) bool {
		if d.Name == name && !synthetic(d) {
			out = append(out, d)
		}
		return true
	})
	return out
}

func locationsOf(cfg *Config) []*Location {
	var out []*Location
	for _, s := range cfg.Servers {
		out = append(out, s.AllLocations()...)
	}
	return out
}

// nginxRejectsAt asks real nginx -t (when installed) about dir/main and
// expects a refusal at the file ending in file, line. line 0 expects
// acceptance (or a failure after "syntax is ok", such as a bind error).
func nginxRejectsAt(t *testing.T, dir, main, file string, line int) {
	t.Helper()
	if testing.Short() {
		t.Log("-short: not cross-checked with nginx -t")
		return
	}
	if realnginx.Binary() == "" {
		if os.Getenv("XACCEL_REQUIRE_REAL") == "1" {
			t.Fatal(realnginx.NotFoundMessage)
		}
		t.Log("real nginx not installed: not cross-checked")
		return
	}
	ok, out := realnginx.Check(filepath.Join(dir, main), dir)
	if line == 0 {
		if !ok && !realnginx.SyntaxOK(out) {
			t.Errorf("nginx -t refuses it:\n%s", out)
		}
		return
	}
	f, l, msg, found := realnginx.ParseCheckError(out)
	if ok || !found || !strings.HasSuffix(f, file) || l != line {
		t.Errorf("nginx -t: ok=%v, first error %s:%d %q; want a refusal at %s:%d\n%s", ok, f, l, msg, file, line, out)
	}
}

const mainHead = "events {}\nhttp {\n    access_log off;\n" // lines 1-3

// TestStrayBrace: gonginx silently drops everything after a stray "}";
// nginx says `unexpected "}"` at its line.
func TestStrayBrace(t *testing.T) {
	src := "events {\n}\n  }\nhttp {\n    server_tokens off;\n}\n"
	cfg, dir := loadTree(t, map[string]string{"nginx.conf": src}, "nginx.conf")
	e := wantError(t, cfg, "nginx.conf", 3, 3, `unexpected "}"`)
	if e != nil && e.Pos.Offset != strings.Index(src, "  }")+2 {
		t.Errorf("offset %d does not point at the stray brace", e.Pos.Offset)
	}
	nginxRejectsAt(t, dir, "nginx.conf", "nginx.conf", 3)

	// a "}" that closes http early leaves the rest in the main context,
	// where nginx stops at the first directive that does not belong there
	src = mainHead + "    server {\n        listen 127.0.0.1:8080;\n    }\n    }\n    server_tokens off;\n}\n"
	cfg, dir = loadTree(t, map[string]string{"nginx.conf": src}, "nginx.conf")
	if len(cfg.Errors) != 2 || cfg.Errors[0].Pos.Line != 8 || cfg.Errors[1].Pos.Line != 9 || !strings.Contains(cfg.Errors[1].Msg, `unexpected "}"`) {
		t.Errorf("errors %v, want server_tokens not allowed at 8 and the stray brace at 9", cfg.Errors)
	}
	nginxRejectsAt(t, dir, "nginx.conf", "nginx.conf", 8)
}

// TestMissingInclude: gonginx ignores a missing non-glob include; nginx
// fails with open() ... failed at the include's line.
func TestMissingInclude(t *testing.T) {
	cfg, dir := loadTree(t, map[string]string{
		"nginx.conf": mainHead + "    include snippets/nope.conf;\n}\n",
	}, "nginx.conf")
	e := wantError(t, cfg, "nginx.conf", 4, 5, "no such file")
	if e != nil && !strings.Contains(e.Msg, filepath.Join(dir, "snippets", "nope.conf")) {
		t.Errorf("the message does not name the missing file %s: %s", filepath.Join(dir, "snippets", "nope.conf"), e.Msg)
	}
	nginxRejectsAt(t, dir, "nginx.conf", "nginx.conf", 4)

	// a glob that matches nothing is fine, as in nginx
	cfg, dir = loadTree(t, map[string]string{"nginx.conf": mainHead + "    include conf.d/*.conf;\n}\n"}, "nginx.conf")
	noErrors(t, cfg)
	nginxRejectsAt(t, dir, "nginx.conf", "", 0)
}

// TestQuotedIncludePath: gonginx keeps the quotes and matches nothing;
// nginx (and xaccel) include the files.
func TestQuotedIncludePath(t *testing.T) {
	cfg, dir := loadTree(t, map[string]string{
		"nginx.conf":    mainHead + "    include \"conf.d/*.conf\";\n    include 'conf.d/c.inc';\n}\n",
		"conf.d/a.conf": "server_tokens off;\n",
		"conf.d/b.conf": "sendfile on;\n",
		"conf.d/c.inc":  "add_header X 1;\n",
	}, "nginx.conf")
	noErrors(t, cfg)
	var got []string
	for _, f := range cfg.Files[1:] {
		rel, _ := filepath.Rel(dir, f.Path)
		got = append(got, rel)
	}
	if want := "conf.d/a.conf conf.d/b.conf conf.d/c.inc"; strings.Join(got, " ") != want {
		t.Errorf("included %v, want %s", got, want)
	}
	if len(findDirs(cfg, "server_tokens")) != 1 || len(findDirs(cfg, "sendfile")) != 1 || len(findDirs(cfg, "add_header")) != 1 {
		t.Errorf("the included directives are not in the tree")
	}
	nginxRejectsAt(t, dir, "nginx.conf", "", 0)
}

// TestIncludeGlob: sorted like glob(3), dot files skipped unless the
// pattern starts with a dot, and the result spliced where the include is.
func TestIncludeGlob(t *testing.T) {
	cfg, dir := loadTree(t, map[string]string{
		"nginx.conf":          mainHead + "    include conf.d/*.conf;\n    include conf.d/.*.conf;\n    include conf.d/[ab]?.conf;\n}\n",
		"conf.d/b.conf":       "add_header B 1;\n",
		"conf.d/a.conf":       "add_header A 1;\n",
		"conf.d/C.conf":       "add_header C 1;\n",
		"conf.d/.hidden.conf": "add_header H 1;\n",
		"conf.d/a1.conf":      "add_header A1 1;\n",
		"conf.d/a.conf.bak":   "bogus bogus\n",
	}, "nginx.conf")
	noErrors(t, cfg)
	var got []string
	for _, d := range findDirs(cfg, "add_header") {
		got = append(got, d.Args[0])
		if d.Parent == nil || d.Parent.Name != "http" {
			t.Errorf("add_header %s has parent %v, want the http block", d.Args[0], d.Parent)
		}
	}
	// "C" sorts before "a" (byte order, as glob(3) in the C locale)
	if want := "C A A1 B H A1"; strings.Join(got, " ") != want {
		t.Errorf("include order %v, want %s", got, want)
	}
	nginxRejectsAt(t, dir, "nginx.conf", "", 0)

	// a directory matched by a glob: nginx fails reading it
	cfg, _ = loadTree(t, map[string]string{
		"nginx.conf":        mainHead + "    include conf.d/*;\n}\n",
		"conf.d/a.conf":     "sendfile on;\n",
		"conf.d/sub/x.conf": "sendfile on;\n",
	}, "nginx.conf")
	wantError(t, cfg, "nginx.conf", 4, 5, "is a directory")
}

// TestIncludeCycle: gonginx skips a cycle silently (nginx 1.22 recurses
// until it crashes); xaccel reports it at the include that closes it.
func TestIncludeCycle(t *testing.T) {
	cfg, _ := loadTree(t, map[string]string{
		"nginx.conf": mainHead + "    include a.conf;\n}\n",
		"a.conf":     "sendfile on;\ninclude b.conf;\n",
		"b.conf":     "\n\ninclude a.conf;\n",
	}, "nginx.conf")
	e := wantError(t, cfg, "b.conf", 3, 1, "include cycle")
	if e != nil && !strings.Contains(e.Msg, "a.conf") {
		t.Errorf("the message does not name the file: %s", e.Msg)
	}
	// a file included twice (no cycle) is fine, and its errors are reported once
	cfg, _ = loadTree(t, map[string]string{
		"nginx.conf": mainHead + "    server { listen 127.0.0.1:8080; location / { include s.conf; } location /b { include s.conf; } }\n}\n",
		"s.conf":     "root /a;\nroot /b;\n",
	}, "nginx.conf")
	wantError(t, cfg, "s.conf", 2, 1, `"root" directive is duplicate`)
}

// TestErrorInIncludedFile: gonginx's errors carry no file name; xaccel's
// name the included file, as nginx does.
func TestErrorInIncludedFile(t *testing.T) {
	cfg, dir := loadTree(t, map[string]string{
		"nginx.conf": mainHead + "    server {\n        listen 127.0.0.1:8080;\n        include bad.conf;\n    }\n}\n",
		"bad.conf":   "location /a {\n    alias /srv/a/;\n    alias;\n}\n",
	}, "nginx.conf")
	e := wantError(t, cfg, "bad.conf", 3, 5, `invalid number of arguments in "alias" directive`)
	if e != nil && e.Pos.File != filepath.Join(dir, "bad.conf") {
		t.Errorf("error file %q, want %q", e.Pos.File, filepath.Join(dir, "bad.conf"))
	}
	nginxRejectsAt(t, dir, "nginx.conf", "bad.conf", 3)

	// a scanner error inside an included file
	cfg, dir = loadTree(t, map[string]string{
		"nginx.conf": mainHead + "    include bad.conf;\n}\n",
		"bad.conf":   "\nserver_tokens off;\n}\n",
	}, "nginx.conf")
	wantError(t, cfg, "bad.conf", 3, 1, `unexpected "}"`)
	nginxRejectsAt(t, dir, "nginx.conf", "bad.conf", 3)
}

// TestLocationWithoutBlock: gonginx accepts `location /x;`; nginx says
// it has no opening "{".
func TestLocationWithoutBlock(t *testing.T) {
	src := mainHead + "    server {\n        listen 127.0.0.1:8080;\n        location /x;\n    }\n}\n"
	cfg, dir := loadTree(t, map[string]string{"nginx.conf": src}, "nginx.conf")
	wantError(t, cfg, "nginx.conf", 6, 9, `directive "location" has no opening "{"`)
	nginxRejectsAt(t, dir, "nginx.conf", "nginx.conf", 6)

	// also in a snippet whose context is unknown
	cfg = loadOne(t, "location /x;\n")
	wantError(t, cfg, "nginx.conf", 1, 1, `has no opening "{"`)
}

// TestUnterminatedBlock: gonginx's "unexpected eof in block" has no line;
// nginx names the last line, and so does xaccel (naming the open block).
func TestUnterminatedBlock(t *testing.T) {
	src := mainHead + "    server {\n        listen 127.0.0.1:8080;\n"
	cfg, dir := loadTree(t, map[string]string{"nginx.conf": src}, "nginx.conf")
	e := wantError(t, cfg, "nginx.conf", 6, 1, `unexpected end of file, expecting "}"`)
	if e != nil && !strings.Contains(e.Msg, "line 4") {
		t.Errorf("the message does not say which block is open: %s", e.Msg)
	}
	nginxRejectsAt(t, dir, "nginx.conf", "nginx.conf", 6)
}

// TestEscapedBackslashAtEnd: gonginx never ends "…\\"; nginx does.
func TestEscapedBackslashAtEnd(t *testing.T) {
	src := mainHead + "    add_header X \"ends with backslash \\\\\";\n    add_header Y 'q\\'q';\n}\n"
	cfg, dir := loadTree(t, map[string]string{"nginx.conf": src}, "nginx.conf")
	noErrors(t, cfg)
	h := findDirs(cfg, "add_header")
	if len(h) != 2 || h[0].Args[1] != `ends with backslash \` || h[0].RawArgs[1] != `"ends with backslash \\"` || h[1].Args[1] != "q'q" {
		t.Errorf("add_header args: %v", h)
	}
	nginxRejectsAt(t, dir, "nginx.conf", "", 0)
}

// TestBacktickIsOrdinary: gonginx treats ` as a quote; nginx does not.
func TestBacktickIsOrdinary(t *testing.T) {
	src := mainHead + "    add_header X `a;\n    add_header Y b`;\n}\n"
	cfg, dir := loadTree(t, map[string]string{"nginx.conf": src}, "nginx.conf")
	noErrors(t, cfg)
	h := findDirs(cfg, "add_header")
	if len(h) != 2 || h[0].Args[1] != "`a" || h[1].Args[1] != "b`" {
		t.Errorf("add_header args: %v", h)
	}
	nginxRejectsAt(t, dir, "nginx.conf", "", 0)
}

// TestVariableBraces: `${var}` does not open a block.
func TestVariableBraces(t *testing.T) {
	src := mainHead + "    add_header X pre${host}post;\n    add_header Y \"${scheme}://$host\";\n}\n"
	cfg, dir := loadTree(t, map[string]string{"nginx.conf": src}, "nginx.conf")
	noErrors(t, cfg)
	h := findDirs(cfg, "add_header")
	if len(h) != 2 || h[0].Args[1] != "pre${host}post" || h[1].Args[1] != "${scheme}://$host" {
		t.Errorf("add_header args: %v", h)
	}
	nginxRejectsAt(t, dir, "nginx.conf", "", 0)
}

// TestLuaBodies: Lua code with "}" in strings, comments, long brackets and
// after the length operator loads, and the location after it is intact
// (gonginx misparses or fails on each).
func TestLuaBodies(t *testing.T) {
	for name, body := range map[string]string{
		"string":          `ngx.say("}")`,
		"single quotes":   `ngx.say('}{')`,
		"line comment":    "-- comment }\n            ngx.say(1)",
		"long bracket":    `local s = [[ } ]]`,
		"long bracket =":  `local s = [==[ ]] } ]==]`,
		"long comment":    "--[[ } \n }} ]] ngx.say(1)",
		"length operator": `ngx.say(#t) }`,
		"nested braces":   `local t = { a = { 1 } }`,
		"escaped quote":   `ngx.say("\"}")`,
	} {
		t.Run(name, func(t *testing.T) {
			if name == "length operator" {
				// the closing brace of the block is on the same line
				body = "ngx.say(#t)"
			}
			src := "server {\n    location /lua {\n        content_by_lua_block {\n            " + body + "\n        }\n    }\n    location /after {\n        return 204;\n    }\n}\n"
			if name == "length operator" {
				src = "server {\n    location /lua {\n        content_by_lua_block { ngx.say(#t) }\n    }\n    location /after {\n        return 204;\n    }\n}\n"
			}
			cfg := loadOne(t, src)
			noErrors(t, cfg)
			locs := locationsOf(cfg)
			if len(locs) != 2 || locs[1].Match != "/after" || locs[1].Dir.First("return") == nil {
				t.Fatalf("locations %v: /after is not intact", locs)
			}
			lua := findDirs(cfg, "content_by_lua_block")
			if len(lua) != 1 || !lua[0].Opaque || lua[0].Parent != locs[0].Dir {
				t.Errorf("lua block: %+v", lua)
			}
			if lua[0].BlockEnd.Line == 0 || lua[0].BlockEnd.Offset <= lua[0].End.Offset {
				t.Errorf("lua block end %v", lua[0].BlockEnd)
			}
		})
	}
}

// TestSetByLuaBlock: set_by_lua_block takes a variable before its body
// (gonginx issue #20 re-tokenizes the body).
func TestSetByLuaBlock(t *testing.T) {
	cfg := loadOne(t, "server {\n    set_by_lua_block $v { return ngx.var.a .. \"}\" -- } \n    }\n    location / { return 200 $v; }\n}\n")
	noErrors(t, cfg)
	s := findDirs(cfg, "set_by_lua_block")
	if len(s) != 1 || !s[0].Opaque || len(s[0].Args) != 1 || s[0].Args[0] != "$v" {
		t.Fatalf("set_by_lua_block: %+v", s)
	}
	if len(locationsOf(cfg)) != 1 {
		t.Errorf("the location after the Lua block is lost")
	}
	// an upstream *named* like a Lua directive is an ordinary upstream
	cfg = loadOne(t, "upstream content_by_lua_block {\n    server 127.0.0.1:1;\n    server 127.0.0.1:2;\n}\n")
	noErrors(t, cfg)
	if u := findDirs(cfg, "upstream"); len(u) != 1 || len(u[0].Find("server")) != 2 {
		t.Errorf("upstream servers lost: %v", u)
	}
}

// TestBOM: nginx reads a byte order mark as part of the first directive
// name and fails; xaccel says so at 1:1.
func TestBOM(t *testing.T) {
	cfg := loadOne(t, "\xef\xbb\xbfevents {}\n")
	wantError(t, cfg, "nginx.conf", 1, 1, "byte order mark")
}

// TestNUL: a NUL byte is an error at its position, never a panic or a
// silent end of file.
func TestNUL(t *testing.T) {
	for _, src := range []string{"events {}\nhttp {\n  a\x00b;\n}\n", "\x00", "events {\x00}", "#\x00\n"} {
		cfg := LoadBytes("x.conf", []byte(src), LoadOptions{})
		if len(cfg.Errors) != 1 || !strings.Contains(cfg.Errors[0].Msg, "NUL") || cfg.Errors[0].Pos.Offset != strings.IndexByte(src, 0) {
			t.Errorf("%q: errors %v, want one NUL error at offset %d", src, cfg.Errors, strings.IndexByte(src, 0))
		}
	}
}

// TestInvalidUTF8: gonginx turns invalid bytes into U+FFFD; xaccel keeps
// them byte for byte.
func TestInvalidUTF8(t *testing.T) {
	src := mainHead + "    add_header X \"a\xff\xfeb\";\n    add_header Y caf\xe9;\n}\n"
	cfg, dir := loadTree(t, map[string]string{"nginx.conf": src}, "nginx.conf")
	noErrors(t, cfg)
	h := findDirs(cfg, "add_header")
	if len(h) != 2 || h[0].Args[1] != "a\xff\xfeb" || h[1].Args[1] != "caf\xe9" || h[0].RawArgs[1] != "\"a\xff\xfeb\"" {
		t.Errorf("args not kept byte for byte: %q %q", h[0].Args, h[1].Args)
	}
	nginxRejectsAt(t, dir, "nginx.conf", "", 0)
}

// TestVerticalTab: nginx separates words only by space, tab, CR and LF; a
// \v is part of the word. In a directive name nginx then fails (unknown
// directive), and xaccel says why; in an argument it is kept.
func TestVerticalTab(t *testing.T) {
	cfg, dir := loadTree(t, map[string]string{"nginx.conf": "events {}\n\vhttp {}\n"}, "nginx.conf")
	wantError(t, cfg, "nginx.conf", 2, 1, "control character")
	nginxRejectsAt(t, dir, "nginx.conf", "nginx.conf", 2)

	cfg = loadOne(t, mainHead+"    add_header X a\vb;\n}\n")
	noErrors(t, cfg)
	if h := findDirs(cfg, "add_header"); len(h) != 1 || h[0].Args[1] != "a\vb" {
		t.Errorf("add_header args: %v", h)
	}
}

// TestCRLF: positions count lines by LF; a CR is a blank, also inside a
// quoted string it is kept.
func TestCRLF(t *testing.T) {
	src := "events {}\r\nhttp {\r\n  server {\r\n    listen 127.0.0.1:8080;\r\n    location /a {\r\n      add_header X \"1\r\n2\";\r\n    }\r\n  }\r\n}\r\n"
	cfg, dir := loadTree(t, map[string]string{"nginx.conf": src}, "nginx.conf")
	noErrors(t, cfg)
	loc := findDirs(cfg, "location")
	if len(loc) != 1 || loc[0].Pos.Line != 5 || loc[0].Pos.Column != 5 || loc[0].Pos.Offset != strings.Index(src, "location") {
		t.Errorf("location at %v", loc[0].Pos)
	}
	h := findDirs(cfg, "add_header")
	if len(h) != 1 || h[0].Args[1] != "1\r\n2" || h[0].End.Line != 7 || h[0].Pos.Line != 6 {
		t.Errorf("add_header %q at %v..%v", h[0].Args, h[0].Pos, h[0].End)
	}
	if loc[0].BlockEnd.Line != 8 || loc[0].BlockEnd.Column != 5 {
		t.Errorf("location block end %v", loc[0].BlockEnd)
	}
	nginxRejectsAt(t, dir, "nginx.conf", "", 0)
}

// TestStartPositions: gonginx's GetLine is the line of the ";" or "}" that
// ends a statement; every xaccel Pos is where the statement starts (line
// and column), End the ";" or "{", BlockEnd the "}".
func TestStartPositions(t *testing.T) {
	src := "events {\n}\nhttp {\n    log_format main\n        '$remote_addr'\n        '$status';\n  server {\n    listen 127.0.0.1:8080;\n    location /a {\n      return 200;\n    }\n  }\n}\n"
	cfg := loadOne(t, src)
	noErrors(t, cfg)
	for _, c := range []struct {
		name                       string
		line, col, endLine, endCol int
		blockEndLine               int
	}{
		{"events", 1, 1, 1, 8, 2},
		{"http", 3, 1, 3, 6, 13},
		{"log_format", 4, 5, 6, 18, 0},
		{"server", 7, 3, 7, 10, 12},
		{"location", 9, 5, 9, 17, 11},
		{"return", 10, 7, 10, 17, 0},
	} {
		ds := findDirs(cfg, c.name)
		if len(ds) != 1 {
			t.Errorf("%s: found %d", c.name, len(ds))
			continue
		}
		d := ds[0]
		if d.Pos.Line != c.line || d.Pos.Column != c.col || d.End.Line != c.endLine || d.End.Column != c.endCol || d.BlockEnd.Line != c.blockEndLine {
			t.Errorf("%s: Pos %d:%d End %d:%d BlockEnd line %d; want %d:%d %d:%d %d", c.name,
				d.Pos.Line, d.Pos.Column, d.End.Line, d.End.Column, d.BlockEnd.Line, c.line, c.col, c.endLine, c.endCol, c.blockEndLine)
		}
		if d.Pos.Offset != strings.Index(src, c.name) {
			t.Errorf("%s: offset %d, want %d", c.name, d.Pos.Offset, strings.Index(src, c.name))
		}
	}
	lf := findDirs(cfg, "log_format")[0]
	if len(lf.ArgPos) != 3 || lf.ArgPos[1].Line != 5 || lf.ArgPos[2].Line != 6 || lf.ArgPos[2].Column != 9 {
		t.Errorf("log_format argument positions %v", lf.ArgPos)
	}
}

// TestIncludedPositions: directives read from an included file carry that
// file's name and their own lines, and their Parent is the includer's
// block (gonginx: Parent nil at the top of an include).
func TestIncludedPositions(t *testing.T) {
	cfg, dir := loadTree(t, map[string]string{
		"nginx.conf":       mainHead + "    server {\n        listen 127.0.0.1:8080;\n        include locations/*.conf;\n        location /main { }\n    }\n}\n",
		"locations/a.conf": "# a\n\nlocation /a {\n    location /a/b { }\n}\n",
		"locations/b.conf": "location = /b { }\n",
	}, "nginx.conf")
	noErrors(t, cfg)
	locs := locationsOf(cfg)
	want := []struct {
		match, file string
		line, col   int
	}{
		{"/a", "locations/a.conf", 3, 1},
		{"/a/b", "locations/a.conf", 4, 5},
		{"/b", "locations/b.conf", 1, 1},
		{"/main", "nginx.conf", 7, 9},
	}
	if len(locs) != len(want) {
		t.Fatalf("locations %v", locs)
	}
	for i, w := range want {
		l := locs[i]
		if l.Match != w.match || l.Dir.Pos.File != filepath.Join(dir, w.file) || l.Dir.Pos.Line != w.line || l.Dir.Pos.Column != w.col {
			t.Errorf("location %d: %s at %v, want %s at %s:%d:%d", i, l.Match, l.Dir.Pos, w.match, w.file, w.line, w.col)
		}
		if l.Server == nil || l.Server.Dir.Pos.Line != 4 {
			t.Errorf("location %s: server %v", l.Match, l.Server)
		}
	}
	if p := locs[0].Dir.Parent; p == nil || p.Name != "server" {
		t.Errorf("the included location's parent is %v, want the server", p)
	}
}

// TestGluedLocationModifiers: gonginx leaves the modifier glued to the
// match (`=/y`); nginx reads `location =/y` as exact and `~^/x` as regex.
func TestGluedLocationModifiers(t *testing.T) {
	cfg, dir := loadTree(t, map[string]string{"nginx.conf": mainHead + "    server {\n        listen 127.0.0.1:8080;\n" +
		"        location =/y { }\n        location ~^/x { }\n        location ~*\\.PNG$ { }\n        location ^~/s { }\n        location @named { }\n        location = /e { }\n    }\n}\n"}, "nginx.conf")
	noErrors(t, cfg)
	var got []string
	for _, l := range locationsOf(cfg) {
		got = append(got, l.Modifier+"|"+l.Match)
	}
	if want := `=|/y ~|^/x ~*|\.PNG$ ^~|/s @|@named =|/e`; strings.Join(got, " ") != want {
		t.Errorf("locations %v, want %s", got, want)
	}
	nginxRejectsAt(t, dir, "nginx.conf", "", 0)
}

// TestCommentsKept: gonginx moves comments before "}" to the next
// directive and drops those at the end of a file; xaccel keeps every
// comment with its position.
func TestCommentsKept(t *testing.T) {
	src := "events {\n    # multi_accept on;\n}\nhttp { # after brace\n    server_tokens off; # inline\n}\n# the end"
	cfg := loadOne(t, src)
	noErrors(t, cfg)
	var got []string
	for _, c := range cfg.Files[0].Comments {
		got = append(got, fmt.Sprintf("%d:%d%s", c.Pos.Line, c.Pos.Column, c.Text))
	}
	if want := "2:5 multi_accept on;|4:8 after brace|5:24 inline|7:1 the end"; strings.Join(got, "|") != want {
		t.Errorf("comments %q, want %q", got, want)
	}
	// `location /a#b`: a # inside a word is not a comment
	cfg = loadOne(t, "location /a#b { }\n")
	if l := findDirs(cfg, "location"); len(l) != 1 || l[0].Args[0] != "/a#b" {
		t.Errorf("location %v", l)
	}
}

// TestOrderKept: gonginx's HTTP and Upstream types split directives from
// servers, losing order; xaccel keeps document order.
func TestOrderKept(t *testing.T) {
	cfg := loadOne(t, "events {}\nhttp {\n    server { listen 127.0.0.1:1; }\n    include none/*.conf;\n    server { listen 127.0.0.1:2; }\n    upstream u {\n        server 127.0.0.1:3 weight=2 max_fails=1;\n        keepalive 4;\n        server 127.0.0.1:4;\n    }\n}\n")
	noErrors(t, cfg)
	var got []string
	for _, d := range findDirs(cfg, "http")[0].Block {
		got = append(got, d.Name)
	}
	if strings.Join(got, " ") != "server include server upstream" {
		t.Errorf("http order %v", got)
	}
	got = nil
	for _, d := range findDirs(cfg, "upstream")[0].Block {
		got = append(got, d.Name+" "+strings.Join(d.Args, " "))
	}
	if strings.Join(got, "|") != "server 127.0.0.1:3 weight=2 max_fails=1|keepalive 4|server 127.0.0.1:4" {
		t.Errorf("upstream order %v", got)
	}
	if len(cfg.Servers) != 2 {
		t.Errorf("%d servers: upstream servers must not count", len(cfg.Servers))
	}
}

// TestCustomBlocks: geo, split_clients, charset_map, map and types keys
// (gonginx's default mode rejects them as unknown directives).
func TestCustomBlocks(t *testing.T) {
	src := mainHead + "    geo $g {\n        default 0;\n        10.0.0.0/8 1;\n        ::1 2;\n    }\n" +
		"    split_clients $remote_addr $s {\n        50% a;\n        * b;\n    }\n" +
		"    charset_map koi8-r utf-8 {\n        C0 D18E;\n    }\n" +
		"    map $uri $m {\n        hostnames;\n        \"\" empty;\n        ~*\\.(jpg)$ img;\n        \"~^/a{2}$\" two;\n        default x;\n    }\n}\n"
	cfg, dir := loadTree(t, map[string]string{"nginx.conf": src}, "nginx.conf")
	noErrors(t, cfg)
	m := findDirs(cfg, "map")[0]
	var keys []string
	for _, e := range m.Block {
		keys = append(keys, e.Name)
	}
	if strings.Join(keys, " ") != `hostnames  ~*\.(jpg)$ ~^/a{2}$ default` {
		t.Errorf("map keys %q", keys)
	}
	nginxRejectsAt(t, dir, "nginx.conf", "", 0)

	// an unquoted {n,m} in a map key opens a block: nginx says unexpected "{"
	cfg, dir = loadTree(t, map[string]string{"nginx.conf": mainHead + "    map $uri $m {\n        ~^/a{2}$ two;\n    }\n}\n"}, "nginx.conf")
	wantError(t, cfg, "nginx.conf", 5, 13, `unexpected "{"`)
	nginxRejectsAt(t, dir, "nginx.conf", "nginx.conf", 5)

	// map and geo entries are checked like their modules do
	cfg, dir = loadTree(t, map[string]string{"nginx.conf": mainHead + "    geo $g {\n        default 0;\n        10.0.0.0/33 1;\n    }\n}\n"}, "nginx.conf")
	wantError(t, cfg, "nginx.conf", 6, 9, `invalid network "10.0.0.0/33"`)
	nginxRejectsAt(t, dir, "nginx.conf", "nginx.conf", 6)
	cfg, dir = loadTree(t, map[string]string{"nginx.conf": mainHead + "    map $uri $m {\n        a b c;\n    }\n}\n"}, "nginx.conf")
	wantError(t, cfg, "nginx.conf", 5, 9, "invalid number of the map parameters")
	nginxRejectsAt(t, dir, "nginx.conf", "nginx.conf", 5)
}

// TestQuotedDirectiveName: nginx unquotes a directive name as any word.
func TestQuotedDirectiveName(t *testing.T) {
	cfg, dir := loadTree(t, map[string]string{"nginx.conf": mainHead + "    \"add_header\" X y;\n    'server_tokens' off;\n}\n"}, "nginx.conf")
	noErrors(t, cfg)
	if len(findDirs(cfg, "add_header")) != 1 || len(findDirs(cfg, "server_tokens")) != 1 {
		t.Errorf("quoted names not unquoted")
	}
	nginxRejectsAt(t, dir, "nginx.conf", "", 0)
}

// TestMissingSemicolon and the other tokenizer errors nginx raises.
func TestTokenizerErrors(t *testing.T) {
	for _, c := range []struct {
		name, body string // inside http {}, from line 4
		line, col  int
		msg        string
	}{
		{"missing semicolon", "    server_tokens off\n}\n", 5, 1, `unexpected "}"`},
		{"unterminated string", "    add_header X \"abc;\n}\n", 6, 1, "unexpected end of file"},
		{"char after quote", "    add_header X \"a\"b;\n}\n", 4, 21, `unexpected "b"`},
		{"semicolon alone", "    ;\n}\n", 4, 5, `unexpected ";"`},
		{"brace alone", "    {\n    }\n}\n", 4, 5, `unexpected "{"`},
		{"eof after directive", "    server_tokens off", 4, 22, "unexpected end of file"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg, dir := loadTree(t, map[string]string{"nginx.conf": mainHead + c.body}, "nginx.conf")
			wantError(t, cfg, "nginx.conf", c.line, c.col, c.msg)
			nginxRejectsAt(t, dir, "nginx.conf", "nginx.conf", c.line)
		})
	}
}

// TestTooLongParameter: nginx reads a config through a 4096-byte buffer
// and refuses a word, quoted string or comment that does not fit.
func TestTooLongParameter(t *testing.T) {
	for _, c := range []struct {
		name string
		stmt string
		bad  bool
	}{
		{"word 4095", "add_header X " + strings.Repeat("a", 4095) + ";", false},
		{"word 4096", "add_header X " + strings.Repeat("a", 4096) + ";", true},
		{"word 4095 then blank", "add_header " + strings.Repeat("a", 4095) + " x;", true},
		{"quoted 4094", "add_header X \"" + strings.Repeat("a", 4094) + "\";", false},
		{"quoted 4095", "add_header X \"" + strings.Repeat("a", 4095) + "\";", true},
		{"comment 4095", "#" + strings.Repeat("a", 4094), false},
		{"comment 4096", "#" + strings.Repeat("a", 4095), true},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg, dir := loadTree(t, map[string]string{"nginx.conf": mainHead + "\n" + c.stmt + "\n}\n"}, "nginx.conf")
			if c.bad {
				wantError(t, cfg, "nginx.conf", 5, 0, "too long parameter")
				nginxRejectsAt(t, dir, "nginx.conf", "nginx.conf", 5)
			} else {
				noErrors(t, cfg)
				nginxRejectsAt(t, dir, "nginx.conf", "", 0)
			}
		})
	}
}

// TestFragmentHTTP: server blocks at the top (a sites-available file)
// load as an http fragment with its servers.
func TestFragmentHTTP(t *testing.T) {
	cfg := loadOne(t, "upstream app { server 127.0.0.1:8000; }\nserver {\n    listen 80;\n    server_name a.example;\n    location /media/ { alias /srv/media/; }\n}\nserver {\n    listen 80;\n    server_name b.example;\n}\n")
	noErrors(t, cfg)
	if cfg.Kind != KindHTTPFragment {
		t.Errorf("Kind = %v, want %v", cfg.Kind, KindHTTPFragment)
	}
	if len(cfg.Servers) != 2 || cfg.Servers[0].Names[0] != "a.example" || len(cfg.Servers[0].Locations) != 1 || cfg.Servers[0].Dir.Pos.Line != 2 {
		t.Errorf("servers: %+v", cfg.Servers)
	}
	if cfg.Servers[0].HTTP == nil || !synthetic(cfg.Servers[0].HTTP) {
		t.Errorf("the servers' http block should be the synthetic wrapper: %+v", cfg.Servers[0].HTTP)
	}
}

// TestFragmentServer: a bare location at the top (a gixy-style snippet)
// loads as a server fragment.
func TestFragmentServer(t *testing.T) {
	cfg := loadOne(t, "add_header X-Frame-Options DENY;\nlocation /media/ {\n    alias /srv/media/;\n    location ~ \\.php$ { deny all; }\n}\n")
	noErrors(t, cfg)
	if cfg.Kind != KindServerFragment {
		t.Errorf("Kind = %v, want %v", cfg.Kind, KindServerFragment)
	}
	if len(cfg.Servers) != 1 || !cfg.Servers[0].Synthetic && !synthetic(cfg.Servers[0].Dir) {
		t.Fatalf("servers: %+v", cfg.Servers)
	}
	locs := cfg.Servers[0].AllLocations()
	if len(locs) != 2 || locs[0].Match != "/media/" || locs[1].Modifier != "~" || locs[0].Dir.Pos.Line != 2 {
		t.Errorf("locations %v", locs)
	}
}

// TestStdin: "-" reads LoadOptions.Stdin; includes resolve against Prefix.
func TestStdin(t *testing.T) {
	dir := writeTree(t, map[string]string{"snippets/s.conf": "add_header X 1;\n"})
	cfg, err := Load("-", LoadOptions{Stdin: strings.NewReader("server {\n    listen 80;\n    include snippets/s.conf;\n    location /a;\n}\n"), Prefix: dir})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Kind != KindHTTPFragment || len(cfg.Servers) != 1 {
		t.Errorf("Kind %v, %d servers", cfg.Kind, len(cfg.Servers))
	}
	wantError(t, cfg, "-", 4, 5, `directive "location" has no opening "{"`)
	h := findDirs(cfg, "add_header")
	if len(h) != 1 || h[0].Pos.File != filepath.Join(dir, "snippets/s.conf") {
		t.Errorf("included add_header: %v", h)
	}
	if _, err := Load("-", LoadOptions{}); err == nil {
		t.Errorf("Load(\"-\") without Stdin: no error")
	}
	if _, err := Load(filepath.Join(dir, "missing.conf"), LoadOptions{}); err == nil {
		t.Errorf("Load of a missing file: no error")
	}
	if _, err := Load(dir, LoadOptions{}); err == nil {
		t.Errorf("Load of a directory: no error")
	}
}

// TestEmptyInputs: empty, blank, comment-only and no trailing newline.
func TestEmptyInputs(t *testing.T) {
	for _, src := range []string{"", "   \n\t\n", "# only\n# comments", "events {}"} {
		cfg := LoadBytes("x.conf", []byte(src), LoadOptions{})
		noErrors(t, cfg)
	}
}
