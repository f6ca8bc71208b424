package nginx

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/xaccel/xaccel/internal/realnginx"
)

// corpusDir returns the shared corpus (../shared/corpus seen from the
// repository root). A missing corpus skips loudly, or fails when
// XACCEL_REQUIRE_REAL=1 (CI).
func corpusDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", "shared", "corpus"))
	if err == nil {
		if st, err := os.Stat(dir); err == nil && st.IsDir() {
			return dir
		}
	}
	msg := "the shared corpus (../shared/corpus beside the repository) is missing; " +
		"this test loads every real-world config in it and compares with nginx -t"
	realnginx.SkipOrFail(t, msg)
	return ""
}

func corpusFiles(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 100 {
		t.Fatalf("expected the whole corpus in %s, found only %d files", dir, len(files))
	}
	return files
}

// loadNoPanic loads p and turns a panic into a test error.
func loadNoPanic(t *testing.T, p string, opts LoadOptions) (cfg *Config) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: Load panicked: %v", p, r)
			cfg = nil
		}
	}()
	cfg, err := Load(p, opts)
	if err != nil {
		t.Errorf("%s: Load: %v", p, err)
		return nil
	}
	return cfg
}

// checkPositions verifies that every directive and error points into the
// file it names, and that a directive's offset is where its name starts.
func checkPositions(t *testing.T, name string, cfg *Config) {
	t.Helper()
	files := map[string][]byte{}
	for _, f := range cfg.Files {
		files[f.Path] = f.Src
	}
	check := func(what string, p Pos) []byte {
		src, ok := files[p.File]
		if !ok {
			t.Errorf("%s: %s names %q, which is not among the loaded files", name, what, p.File)
			return nil
		}
		if p.Offset < 0 || p.Offset > len(src) {
			t.Errorf("%s: %s at %v: offset %d outside the file (%d bytes)", name, what, p, p.Offset, len(src))
			return nil
		}
		line := 1 + bytes.Count(src[:p.Offset], []byte{'\n'})
		col := p.Offset - (bytes.LastIndexByte(src[:p.Offset], '\n') + 1) + 1
		if line != p.Line || col != p.Column {
			t.Errorf("%s: %s at %v: offset %d is line %d column %d", name, what, p, p.Offset, line, col)
			return nil
		}
		return src
	}
	for _, e := range cfg.Errors {
		check("error "+e.Msg, e.Pos)
	}
	cfg.Root.Walk(func(d *Directive) bool {
		if synthetic(d) {
			return true
		}
		src := check("directive "+d.Name, d.Pos)
		if src != nil && d.Pos.Offset < len(src) {
			c := src[d.Pos.Offset]
			if c != '"' && c != '\'' && c != '\\' && (d.Name == "" || c != d.Name[0]) {
				t.Errorf("%s: directive %q at %v: the source there is %q", name, d.Name, d.Pos, src[d.Pos.Offset:min(len(src), d.Pos.Offset+20)])
			}
		}
		return true
	})
}

// TestCorpusLoads loads every file of the corpus (configs, but also the
// README and gixy's JSON) without panicking, and checks the positions.
func TestCorpusLoads(t *testing.T) {
	t.Parallel()
	dir := corpusDir(t)
	kinds := map[Kind]int{}
	withErrors := 0
	for _, p := range corpusFiles(t, dir) {
		cfg := loadNoPanic(t, p, LoadOptions{})
		if cfg == nil {
			continue
		}
		kinds[cfg.Kind]++
		if len(cfg.Errors) > 0 {
			withErrors++
		}
		rel, _ := filepath.Rel(dir, p)
		checkPositions(t, rel, cfg)
		// the same bytes through LoadBytes and stdin give the same result
		src, _ := os.ReadFile(p)
		cfg2 := LoadBytes(p, src, LoadOptions{})
		if len(cfg2.Errors) != len(cfg.Errors) || cfg2.Kind != cfg.Kind {
			t.Errorf("%s: LoadBytes gives %d errors (%v), Load %d (%v)", rel, len(cfg2.Errors), cfg2.Kind, len(cfg.Errors), cfg.Kind)
		}
	}
	t.Logf("kinds: %v; files with errors: %d", kinds, withErrors)
}

// isWholeConfig says whether a loaded file is a whole main configuration:
// an events or http block at its top level.
func isWholeConfig(cfg *Config) bool {
	if cfg.Kind != KindMain {
		return false
	}
	for _, d := range cfg.Root.Block {
		if d.Name == "events" || d.Name == "http" {
			return true
		}
	}
	return false
}

// copyTrees returns copyTree made once per directory for the test: the
// files of a corpus folder share one copy (nginx -t only reads them).
func copyTrees(t *testing.T) func(dir string) string {
	made := map[string]string{}
	return func(dir string) string {
		if _, ok := made[dir]; !ok {
			made[dir] = copyTree(t, dir)
		}
		return made[dir]
	}
}

// copyTree copies dir into a new temp dir, rewriting the absolute
// /etc/nginx/ include paths of Debian's nginx.conf to the copy, so that both
// nginx and xaccel read the corpus files and not the machine's /etc/nginx.
// Nothing else is changed (listen ports included).
func copyTree(t *testing.T, dir string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(out, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		b = bytes.ReplaceAll(b, []byte("/etc/nginx/"), []byte(dst+"/"))
		return os.WriteFile(out, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// The corpus README: a file nginx rejects only because a third-party module
// is not loaded, a host does not resolve, or a referenced file (certificate,
// log directory, user) is absent on this machine counts as valid. These are
// nginx's messages for those cases.
var validPerReadme = []struct {
	re  *regexp.Regexp
	why string
}{
	{regexp.MustCompile(`^unknown directive "`), "a module directive (xaccel accepts directives it does not know)"},
	{regexp.MustCompile(`^host not found in `), "a host name that does not resolve here"},
	{regexp.MustCompile(`^no resolver defined to resolve `), "a host name that does not resolve here"},
	{regexp.MustCompile(`^get(pw|gr)nam\(`), "a user or group absent on this machine"},
	{regexp.MustCompile(`^cannot load certificate|^cannot load certificate key|BIO_new_file|PEM_read_bio`), "a certificate absent on this machine"},
	{regexp.MustCompile(`^dlopen\(\) `), "a dynamic module absent on this machine"},
	{regexp.MustCompile(`^mkdir\(\) |^chown\(\) |^opendir\(\) `), "a directory absent on this machine"},
	{regexp.MustCompile(`^(bind|socket)\(\) `), "a listen address this machine cannot bind"},
	// open() of anything but an include (a log file, a map include of a
	// data file...) is classified in nginxVerdict, which looks at the
	// directive.
}

// deliberate lists the nginx -t messages xaccel does not reproduce on
// purpose. Each entry says why; the corpus files concerned are printed in
// the comparison table.
var deliberate = []struct {
	re  *regexp.Regexp
	why string
}{
	// A file with http {} but no events {} at its top is read as a part of
	// a bigger configuration (crossplane's includes-globbed/http.conf is
	// exactly that: nginx.conf includes it), not refused: xaccel cannot
	// know that no other file supplies events {}.
	{regexp.MustCompile(`^no "events" section in configuration$`), "http{} without events{}: read as part of a bigger configuration"},
	// Variables come from modules too (like directives), so xaccel does
	// not refuse a variable it does not know; $arg alone (crossplane's
	// empty-value-map) is one nginx refuses.
	{regexp.MustCompile(`^unknown ".*" variable$`), "variables are not resolved (modules define their own)"},
	// server ... resolve in an upstream needs nginx 1.27.3; xaccel accepts
	// what a newer nginx accepts (gixy's stale_dns_cache files).
	{regexp.MustCompile(`^invalid parameter "resolve"$`), "upstream server resolve (nginx 1.27.3+)"},
}

type verdict struct {
	ok        bool   // nginx accepted, or refused only for a reason that counts as valid
	why       string // for ok: why a refusal counts as valid; for !ok: nginx's message
	file      string // where nginx stopped, if it said
	line      int
	deliberte bool // nginx refused, xaccel accepts on purpose
}

func (v verdict) String() string {
	switch {
	case v.deliberte:
		return "rejected (deliberately accepted: " + v.why + ")"
	case v.ok && v.why != "":
		return "valid per README: " + v.why
	case v.ok:
		return "ok"
	case v.file != "":
		return fmt.Sprintf("rejected at %s:%d: %s", filepath.Base(v.file), v.line, v.why)
	}
	return "rejected: " + v.why
}

var nginxMsgRE = regexp.MustCompile(`(?m)^nginx: \[(?:emerg|alert|crit)\] (.*)$`)

// nginxVerdict classifies nginx -t's output for cfg (xaccel's load of the
// same file, used to tell an include from other directives).
func nginxVerdict(ok bool, out string, cfg *Config) verdict {
	if ok {
		return verdict{ok: true}
	}
	file, line, msg, located := realnginx.ParseCheckError(out)
	if !located {
		m := nginxMsgRE.FindStringSubmatch(out)
		if m == nil {
			return verdict{why: strings.TrimSpace(out)}
		}
		msg = m[1]
	}
	for _, d := range deliberate {
		if d.re.MatchString(msg) {
			return verdict{deliberte: true, why: d.why + ` ("` + msg + `")`, file: file, line: line}
		}
	}
	for _, v := range validPerReadme {
		if v.re.MatchString(msg) {
			return verdict{ok: true, why: v.why + ` ("` + msg + `")`, file: file, line: line}
		}
	}
	if strings.HasPrefix(msg, "open() ") && located {
		if d := directiveAt(cfg, file, line); d == nil || d.Name != "include" {
			return verdict{ok: true, why: `a referenced file absent on this machine ("` + msg + `")`, file: file, line: line}
		}
	}
	if !located && realnginx.SyntaxOK(out) {
		return verdict{ok: true, why: `the syntax is ok; nginx failed afterwards ("` + msg + `")`}
	}
	return verdict{why: msg, file: file, line: line}
}

// directiveAt returns the directive of file whose statement spans line
// (nginx names the line of a statement's ";" or "{").
func directiveAt(cfg *Config, file string, line int) *Directive {
	var found *Directive
	cfg.Root.Walk(func(d *Directive) bool {
		if !synthetic(d) && sameFile(d.Pos.File, file) && d.Pos.Line <= line && line <= d.End.Line {
			found = d
		}
		return true
	})
	return found
}

func sameFile(a, b string) bool {
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && aa == bb
}

// errorAt reports whether one of cfg's errors is at file:line as nginx
// names it: the same line, or a statement starting at the error whose
// ";" or "{" is on that line.
func errorAt(cfg *Config, file string, line int) bool {
	for _, e := range cfg.Errors {
		if !sameFile(e.Pos.File, file) {
			continue
		}
		if e.Pos.Line == line {
			return true
		}
		if d := directiveAt(cfg, file, line); d != nil && d.Pos == e.Pos {
			return true
		}
	}
	return false
}

type corpusRow struct{ file, nginx, ours, status string }

// compareWithNginx checks xaccel's errors for one file against nginx's
// verdict and returns the comparison table's row.
func compareWithNginx(t *testing.T, rel, root string, cfg *Config, ok bool, out string) corpusRow {
	t.Helper()
	v := nginxVerdict(ok, out, cfg)
	ours := "ok"
	if len(cfg.Errors) > 0 {
		e := cfg.Errors[0]
		rf, _ := filepath.Rel(root, e.Pos.File)
		ours = fmt.Sprintf("%d error(s), first %s:%d: %s", len(cfg.Errors), rf, e.Pos.Line, e.Msg)
	}
	status := "agree"
	switch {
	case v.deliberte:
		status = "deliberate"
		if len(cfg.Errors) > 0 {
			status = "MISMATCH"
			t.Errorf("%s: nginx refuses it for a reason xaccel deliberately accepts (%s), yet xaccel reports: %s", rel, v.why, ours)
		}
	case v.ok && len(cfg.Errors) > 0:
		if v.file != "" && sameFile(cfg.Errors[0].Pos.File, v.file) && cfg.Errors[0].Pos.Line > v.line {
			// nginx stopped early on something that counts as valid;
			// what comes after it was never read by nginx.
			status = "unverified (nginx stopped before our error)"
			break
		}
		status = "MISMATCH"
		t.Errorf("%s: nginx accepts it (%s), xaccel reports: %s\n%v", rel, v, ours, cfg.Errors)
	case !v.ok && len(cfg.Errors) == 0:
		status = "MISMATCH"
		t.Errorf("%s: nginx refuses it (%s), xaccel reports nothing\nnginx output:\n%s", rel, v, out)
	case !v.ok && v.file != "" && !errorAt(cfg, v.file, v.line):
		status = "MISMATCH"
		t.Errorf("%s: nginx refuses it at %s:%d (%s); xaccel has no error there: %v", rel, v.file, v.line, v.why, cfg.Errors)
	}
	return corpusRow{rel, v.String(), ours, status}
}

func logTable(t *testing.T, title string, rows []corpusRow) {
	sort.Slice(rows, func(i, j int) bool { return rows[i].file < rows[j].file })
	var b strings.Builder
	fmt.Fprintf(&b, "%s:\n| file | nginx -t | xaccel | |\n|---|---|---|---|\n", title)
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", r.file, strings.ReplaceAll(r.nginx, "|", `\|`), strings.ReplaceAll(r.ours, "|", `\|`), r.status)
	}
	t.Log(b.String())
}

// TestCorpusMatchesNginx runs real nginx -t on every whole configuration
// of the corpus (a copy of its folder) and checks that xaccel reports a
// syntax error exactly when nginx refuses the file, at the file and line
// nginx names.
func TestCorpusMatchesNginx(t *testing.T) {
	t.Parallel()
	dir := corpusDir(t)
	realnginx.Require(t)
	var rows []corpusRow
	copies, scratch := copyTrees(t), t.TempDir()
	for _, p := range corpusFiles(t, dir) {
		rel, _ := filepath.Rel(dir, p)
		probe := loadNoPanic(t, p, LoadOptions{})
		if probe == nil || !isWholeConfig(probe) {
			continue
		}
		copyDir := copies(filepath.Dir(p))
		main := filepath.Join(copyDir, filepath.Base(p))
		cfg := loadNoPanic(t, main, LoadOptions{})
		if cfg == nil {
			continue
		}
		ok, out := realnginx.CheckIn(scratch, main, copyDir)
		rows = append(rows, compareWithNginx(t, rel, copyDir, cfg, ok, out))
	}
	if len(rows) < 40 {
		t.Errorf("only %d whole configurations found in the corpus; expected the crossplane, debian, nginx-conf and gixy ones", len(rows))
	}
	logTable(t, fmt.Sprintf("%d whole configurations compared with nginx -t", len(rows)), rows)
}

// TestCorpusFragmentsMatchNginx does the same for the fragments: a file
// with server blocks at its top is included in http {}, one with bare
// locations in a server {}, and nginx -t reads that wrapper. (Snippets
// without either have no known context and are not compared.)
func TestCorpusFragmentsMatchNginx(t *testing.T) {
	t.Parallel()
	dir := corpusDir(t)
	realnginx.Require(t)
	var rows []corpusRow
	copies, scratch := copyTrees(t), t.TempDir()
	for _, p := range corpusFiles(t, dir) {
		rel, _ := filepath.Rel(dir, p)
		probe := loadNoPanic(t, p, LoadOptions{})
		if probe == nil || (probe.Kind != KindHTTPFragment && probe.Kind != KindServerFragment) {
			continue
		}
		copyDir := copies(filepath.Dir(p))
		frag := filepath.Join(copyDir, filepath.Base(p))
		wrapper := "events {}\nhttp {\n    include " + frag + ";\n}\n"
		if probe.Kind == KindServerFragment {
			wrapper = "events {}\nhttp {\n    server {\n        include " + frag + ";\n    }\n}\n"
		}
		main := filepath.Join(copyDir, "xaccel-wrapper.conf")
		if err := os.WriteFile(main, []byte(wrapper), 0o644); err != nil {
			t.Fatal(err)
		}
		cfg := loadNoPanic(t, frag, LoadOptions{})
		if cfg == nil {
			continue
		}
		ok, out := realnginx.CheckIn(scratch, main, copyDir)
		rows = append(rows, compareWithNginx(t, rel, copyDir, cfg, ok, out))
	}
	if len(rows) < 100 {
		t.Errorf("only %d fragments found in the corpus", len(rows))
	}
	logTable(t, fmt.Sprintf("%d fragments compared with nginx -t (wrapped in http {} or server {})", len(rows)), rows)
}

// TestDebianLoadsWithIncludes loads Debian's nginx.conf with its includes
// (mime.types, sites-enabled/default) and expects no error at all.
func TestDebianLoadsWithIncludes(t *testing.T) {
	dir := copyTree(t, filepath.Join(corpusDir(t), "debian"))
	cfg, err := Load(filepath.Join(dir, "nginx.conf"), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range cfg.Errors {
		t.Errorf("unexpected error: %v", e)
	}
	if cfg.Kind != KindMain {
		t.Errorf("Kind = %v, want main", cfg.Kind)
	}
	read := map[string]bool{}
	for _, f := range cfg.Files {
		rel, _ := filepath.Rel(dir, f.Path)
		read[rel] = true
	}
	for _, want := range []string{"nginx.conf", "mime.types", "sites-enabled/default"} {
		if !read[want] {
			t.Errorf("%s was not read; files read: %v", want, read)
		}
	}
	if len(cfg.Servers) != 1 {
		t.Fatalf("got %d servers, want the default site's one", len(cfg.Servers))
	}
	srv := cfg.Servers[0]
	if rel, _ := filepath.Rel(dir, srv.Dir.Pos.File); rel != "sites-enabled/default" || srv.Dir.Pos.Line != 21 || srv.Dir.Pos.Column != 1 {
		t.Errorf("server at %v, want sites-enabled/default:21:1", srv.Dir.Pos)
	}
	if srv.HTTP == nil || srv.HTTP.Pos.Line != 12 || !strings.HasSuffix(srv.HTTP.Pos.File, "nginx.conf") {
		t.Errorf("the server's http block is at %v, want nginx.conf:12", srv.HTTP.Pos)
	}
	var types *Directive
	cfg.Root.Walk(func(d *Directive) bool {
		if d.Name == "types" {
			types = d
		}
		return true
	})
	if types == nil || !strings.HasSuffix(types.Pos.File, "mime.types") || len(types.Block) < 50 || types.Parent == nil || types.Parent.Name != "http" {
		t.Errorf("mime.types' types{} not spliced into http: %+v", types)
	}
}

// TestNginxConfLoads loads nginx's own conf/nginx.conf with mime.types.
func TestNginxConfLoads(t *testing.T) {
	dir := filepath.Join(corpusDir(t), "nginx-conf")
	cfg, err := Load(filepath.Join(dir, "nginx.conf"), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Errors) != 0 || len(cfg.Files) != 2 || len(cfg.Servers) != 1 {
		t.Errorf("errors %v, %d files, %d servers; want none, 2 (nginx.conf, mime.types), 1", cfg.Errors, len(cfg.Files), len(cfg.Servers))
	}
}

// Contexts of the directive table and a config that puts one directive
// (@@) in each.
var probeContexts = []struct {
	c   ctxMask
	tpl string
}{
	{cMain, "@@\nevents {}\n"},
	{cEvents, "events {\n@@\n}\n"},
	{cHTTP, "events {}\nhttp {\n@@\n}\n"},
	{cServer, "events {}\nhttp {\nserver {\n@@\n}\n}\n"},
	{cLoc, "events {}\nhttp {\nserver {\nlocation / {\n@@\n}\n}\n}\n"},
	{cSIf, "events {}\nhttp {\nserver {\nif ($host) {\n@@\n}\n}\n}\n"},
	{cLIf, "events {}\nhttp {\nserver {\nlocation / {\nif ($host) {\n@@\n}\n}\n}\n}\n"},
	{cLmt, "events {}\nhttp {\nserver {\nlocation / {\nlimit_except GET {\n@@\n}\n}\n}\n}\n"},
	{cUps, "events {}\nhttp {\nupstream u {\nserver 127.0.0.1;\n@@\n}\n}\n"},
}

// directiveTableVersion is the nginx the directive table was read from.
const directiveTableVersion = "1.22.1"

// tableVersionMismatch says why nginx binary bin cannot check the directive
// table, or "" when it can: its version must be the table's.
func tableVersionMismatch(bin string) string {
	v, err := realnginx.Version(bin)
	if err != nil {
		return fmt.Sprintf("the directive table cannot be checked: the version of %s is unknown: %v", bin, err)
	}
	if v != directiveTableVersion {
		return fmt.Sprintf("the directive table comes from nginx %s; %s is nginx %s, whose directives and numbers of arguments may differ, so it is not checked against it", directiveTableVersion, bin, v)
	}
	return ""
}

// TestDirectiveTableMatchesNginx re-checks directiveSpecs against the real
// nginx (the table was generated from Debian 12's nginx 1.22.1): for every
// directive, nginx must refuse it in a context the table leaves out,
// accept the table's minimum number of arguments in every context the
// table allows, and in the first of them accept the maximum and refuse
// one fewer than the minimum and one more than the maximum. Without nginx, or with another version,
// the test skips and says why; with XACCEL_REQUIRE_REAL=1 it fails instead.
func TestDirectiveTableMatchesNginx(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("SKIP: -short: the table check has nginx parse some 2000 configurations")
	}
	bin := realnginx.Require(t)
	if why := tableVersionMismatch(bin); why != "" {
		realnginx.SkipOrFail(t, why)
	}
	// the table's additions for versions after 1.22 and for dynamic modules
	added := map[string]ctxMask{"resolver": cUps, "resolver_timeout": cUps, "stream": cMain, "mail": cMain,
		"add_header_inherit": cHTTP | cServer | cLoc | cLIf, "add_trailer_inherit": cHTTP | cServer | cLoc | cLIf}

	type job struct {
		name, conf string
		line       int
		want       string // "not allowed", "arity", "fine"
	}
	var jobs []job
	stmt := func(name string, block bool, n int) string {
		s := name + strings.Repeat(" a", n)
		if block {
			return s + " {\n}"
		}
		return s + ";"
	}
	for name, specs := range directiveSpecs {
		var all ctxMask
		for _, s := range specs {
			all |= s.ctx
		}
		all &^= added[name]
		if all == 0 {
			continue
		}
		for _, pc := range probeContexts {
			line := strings.Count(pc.tpl[:strings.Index(pc.tpl, "@@")], "\n") + 1
			if all&pc.c == 0 {
				jobs = append(jobs, job{name, strings.Replace(pc.tpl, "@@", name+" a;", 1), line, "not allowed"})
				break
			}
		}
		for _, s := range specs {
			ctx := s.ctx &^ added[name]
			first := true
			for _, pc := range probeContexts {
				if ctx&pc.c == 0 {
					continue
				}
				line := strings.Count(pc.tpl[:strings.Index(pc.tpl, "@@")], "\n") + 1
				jobs = append(jobs, job{name, strings.Replace(pc.tpl, "@@", stmt(name, s.block, s.min), 1), line, "fine"})
				if !first {
					continue // every context takes it; the numbers are checked in one
				}
				first = false
				if s.min > 0 {
					jobs = append(jobs, job{name, strings.Replace(pc.tpl, "@@", stmt(name, s.block, s.min-1), 1), line, "arity"})
				}
				if s.max > s.min {
					jobs = append(jobs, job{name, strings.Replace(pc.tpl, "@@", stmt(name, s.block, s.max), 1), line, "fine"})
				}
				if s.max >= 0 {
					jobs = append(jobs, job{name, strings.Replace(pc.tpl, "@@", stmt(name, s.block, s.max+1), 1), line, "arity"})
				}
			}
		}
	}
	// Each worker asks one nginx that re-reads its configuration file
	// (realnginx.Parser): starting nginx -t for each of some 2,000 jobs
	// cost more CPU than the rest of the package's tests together.
	var mu sync.Mutex
	var wg sync.WaitGroup
	ch := make(chan job)
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dir, err := os.MkdirTemp("", "xaccel-table-")
			if err != nil {
				t.Error(err)
				return
			}
			defer os.RemoveAll(dir)
			p, err := realnginx.StartParser(dir)
			if err != nil {
				t.Error(err)
				for range ch {
				}
				return
			}
			defer p.Close()
			for j := range ch {
				line, msg, err := p.FirstError(j.conf)
				if err != nil {
					t.Errorf("%s:\n%s\n%v", j.name, j.conf, err)
					continue
				}
				got := "fine"
				switch {
				case line != j.line && line != j.line+1:
				case msg == fmt.Sprintf("%q directive is not allowed here", j.name):
					got = "not allowed"
				case msg == fmt.Sprintf("invalid number of arguments in %q directive", j.name):
					got = "arity"
				case strings.HasPrefix(msg, "unknown directive"), strings.Contains(msg, "has no opening"), strings.Contains(msg, "is not terminated"):
					got = msg
				}
				if got != j.want {
					mu.Lock()
					t.Errorf("%s: table says %s, nginx says %q for:\n%s", j.name, j.want, msg, j.conf)
					mu.Unlock()
				}
			}
		}()
	}
	for _, j := range jobs {
		ch <- j
	}
	close(ch)
	wg.Wait()
	t.Logf("%d directives, %d configurations parsed by nginx", len(directiveSpecs), len(jobs))
}
