package lint_test

import (
	"bytes"
	"errors"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/xaccel/xaccel/internal/golden"
	"github.com/xaccel/xaccel/internal/realnginx"
	"github.com/xaccel/xaccel/lint"
	"github.com/xaccel/xaccel/nginx"
)

// fixCase is one fixture of testdata/fix: a single NAME.conf, or a
// directory NAME/ whose one top-level .conf is the main file and whose
// other files are included. Its --diff output is NAME.diff.
type fixCase struct {
	name  string
	main  string   // relative to the repository root
	root  string   // the directory copied for writing: the case directory, or testdata/fix
	files []string // every file of the case, relative to root
}

func fixCases(t *testing.T) []fixCase {
	t.Helper()
	var out []fixCase
	singles, _ := filepath.Glob("testdata/fix/*.conf")
	for _, p := range singles {
		out = append(out, fixCase{name: strings.TrimSuffix(filepath.Base(p), ".conf"), main: p, root: "testdata/fix", files: []string{filepath.Base(p)}})
	}
	dirs, _ := filepath.Glob("testdata/fix/*")
	for _, d := range dirs {
		if st, err := os.Stat(d); err != nil || !st.IsDir() {
			continue
		}
		mains, _ := filepath.Glob(filepath.Join(d, "*.conf"))
		if len(mains) != 1 {
			t.Fatalf("%s: want exactly one top-level .conf (the main file), got %v", d, mains)
		}
		c := fixCase{name: filepath.Base(d), main: mains[0], root: d}
		err := filepath.Walk(d, func(p string, info os.FileInfo, err error) error {
			if err == nil && info.Mode().IsRegular() {
				rel, _ := filepath.Rel(d, p)
				c.files = append(c.files, rel)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	if len(out) < 6 {
		t.Fatalf("only %d fix fixtures found", len(out))
	}
	return out
}

// TestFixDiffGolden compares the --diff output of every fixture with
// testdata/fix/NAME.diff (go test ./lint -update rewrites them).
func TestFixDiffGolden(t *testing.T) {
	t.Chdir("..")
	for _, c := range fixCases(t) {
		t.Run(c.name, func(t *testing.T) {
			res, err := lint.Fix([]string{c.main}, lint.LintOptions{}, lint.FixDiff)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range res.Files {
				if f.Written {
					t.Errorf("%s written in diff mode", f.Path)
				}
			}
			// CRLF normalised, in case a checkout converted the golden file
			// (the line endings themselves are checked by TestFixFixtures)
			golden.Check(t, filepath.Join("testdata/fix", c.name+".diff"), []byte(res.Diff()))
			// the diff is a real patch: it turns the old files into the new ones
			for _, f := range res.Files {
				if got := applyPatch(t, f.Old, f.Diff); !bytes.Equal(got, f.New) {
					t.Errorf("%s: applying the diff gives\n%q\nwant\n%q", f.Path, got, f.New)
				}
			}
		})
	}
}

// TestFixFixtures writes the fixes of every fixture into a copy and checks
// that (a) real nginx accepts the result, (b) it lints without a finding
// of the fixed rules, (c) only the fixed lines changed, (d) a second fix
// changes nothing, (e) modes (and owners, as root) are kept and --backup
// keeps the originals.
func TestFixFixtures(t *testing.T) {
	t.Chdir("..")
	for _, c := range fixCases(t) {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel() // after the parent's body, in its working directory
			dir := t.TempDir()
			orig := map[string][]byte{}
			for i, rel := range c.files {
				src, err := os.ReadFile(filepath.Join(c.root, rel))
				if err != nil {
					t.Fatal(err)
				}
				orig[rel] = src
				p := filepath.Join(dir, rel)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				// distinct modes, to see that each file keeps its own
				mode := os.FileMode(0o640)
				if i%2 == 1 {
					mode = 0o604
				}
				if err := os.WriteFile(p, src, mode); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(p, mode); err != nil {
					t.Fatal(err)
				}
				if os.Geteuid() == 0 {
					if err := os.Chown(p, 4242+i, 4343+i); err != nil {
						t.Fatal(err)
					}
				}
			}
			if strings.Contains(c.name, "crlf") && !bytes.Contains(orig[filepath.Base(c.main)], []byte("\r\n")) {
				t.Fatalf("%s lost its CRLF line endings (see testdata/fix/.gitattributes)", c.main)
			}
			mainRel, _ := filepath.Rel(c.root, c.main)
			main := filepath.Join(dir, mainRel)
			before := statAll(t, dir, c.files)
			checkNginx(t, "the original", dir, mainRel, c.files)

			res, err := lint.Fix([]string{main}, lint.LintOptions{}, lint.FixWriteBackup)
			if err != nil {
				t.Fatal(err)
			}
			if c.name == "clean" {
				if res.Changed() || len(res.Fixed) != 0 {
					t.Fatalf("a clean config was changed: %+v", res.Files)
				}
			} else if !res.Changed() {
				t.Fatal("nothing was fixed")
			}
			fixedRules := map[string]bool{}
			for _, f := range res.Fixed {
				fixedRules[f.Rule] = true
			}
			changed := map[string]bool{}
			for _, f := range res.Files {
				rel, err := filepath.Rel(dir, f.Path)
				if err != nil {
					t.Fatal(err)
				}
				changed[rel] = true
				if !f.Written {
					t.Errorf("%s: not written", rel)
				}
				now, err := os.ReadFile(f.Path)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(now, f.New) {
					t.Errorf("%s: the file on disk is not the fixed text", rel)
				}
				// (c) only the fixed lines differ
				checkOnlyFixedLines(t, rel, orig[rel], now)
				// (e) --backup keeps the original, with its mode
				if f.Backup != filepath.Join(dir, rel)+".orig" {
					t.Errorf("%s: backup %q", rel, f.Backup)
				}
				bak, err := os.ReadFile(f.Backup)
				if err != nil || !bytes.Equal(bak, orig[rel]) {
					t.Errorf("%s: the backup does not hold the original (%v)", rel, err)
				}
				if st, err := os.Stat(f.Backup); err != nil || st.Mode() != before[rel].Mode() {
					t.Errorf("%s: backup mode %v, want %v", rel, st.Mode(), before[rel].Mode())
				}
			}
			if len(res.Fixed) > 0 {
				t.Logf("fixed: %v", ruleList(fixedRules))
			}
			// (e) modes and owners are kept; untouched files are untouched
			after := statAll(t, dir, c.files)
			for _, rel := range c.files {
				b, a := before[rel], after[rel]
				if a.Mode() != b.Mode() {
					t.Errorf("%s: mode %v, was %v", rel, a.Mode(), b.Mode())
				}
				if os.Geteuid() == 0 {
					bs, as := b.Sys().(*syscall.Stat_t), a.Sys().(*syscall.Stat_t)
					if as.Uid != bs.Uid || as.Gid != bs.Gid {
						t.Errorf("%s: owner %d:%d, was %d:%d", rel, as.Uid, as.Gid, bs.Uid, bs.Gid)
					}
				}
				if !changed[rel] {
					now, _ := os.ReadFile(filepath.Join(dir, rel))
					if !bytes.Equal(now, orig[rel]) {
						t.Errorf("%s: changed, but not listed as fixed", rel)
					}
					if _, err := os.Stat(filepath.Join(dir, rel) + ".orig"); err == nil {
						t.Errorf("%s: a backup of an unchanged file", rel)
					}
				}
			}
			leftovers, _ := filepath.Glob(filepath.Join(dir, "*", ".*"))
			more, _ := filepath.Glob(filepath.Join(dir, ".*"))
			if len(leftovers)+len(more) > 0 {
				t.Errorf("temporary files left: %v %v", leftovers, more)
			}

			// (b) the fixed config lints without a finding of a fixed rule,
			// and with nothing left that a fix could repair
			r, err := lint.LintPaths([]string{main}, lint.LintOptions{})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range r.Findings {
				if fixedRules[f.Rule] || len(f.Fix) > 0 || f.Rule == "syntax" {
					t.Errorf("after the fix: %s: %s: %s", f.Pos, f.Rule, f.Message)
				}
			}
			if diff := cmp.Diff(findingKeys(r.Findings), findingKeys(res.Remaining.Findings)); diff != "" {
				t.Errorf("Remaining differs from a lint of the written files (-lint +remaining):\n%s", diff)
			}

			// (d) a second fix changes nothing
			snapshot := readAll(t, dir, c.files)
			res2, err := lint.Fix([]string{main}, lint.LintOptions{}, lint.FixWriteBackup)
			if err != nil {
				t.Fatal(err)
			}
			if res2.Changed() || len(res2.Fixed) > 0 {
				t.Errorf("a second fix changed %d files:\n%s", len(res2.Files), res2.Diff())
			}
			if diff := cmp.Diff(snapshot, readAll(t, dir, c.files)); diff != "" {
				t.Errorf("a second fix changed the files:\n%s", diff)
			}

			// (a) real nginx accepts the fixed config
			checkNginx(t, "the fixed config", dir, mainRel, c.files)
		})
	}
}

func ruleList(m map[string]bool) []string {
	var out []string
	for r := range m {
		out = append(out, r)
	}
	return out
}

func findingKeys(fs []lint.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Pos.String()+" "+f.Rule)
	}
	return out
}

func statAll(t *testing.T, dir string, files []string) map[string]os.FileInfo {
	t.Helper()
	out := map[string]os.FileInfo{}
	for _, rel := range files {
		st, err := os.Stat(filepath.Join(dir, rel))
		if err != nil {
			t.Fatal(err)
		}
		out[rel] = st
	}
	return out
}

func readAll(t *testing.T, dir string, files []string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, rel := range append(append([]string(nil), files...), origNames(files)...) {
		b, err := os.ReadFile(filepath.Join(dir, rel))
		if err == nil {
			out[rel] = string(b)
		}
	}
	return out
}

func origNames(files []string) []string {
	var out []string
	for _, f := range files {
		out = append(out, f+".orig")
	}
	return out
}

// checkNginx runs real nginx -t on the case in dir: a whole main
// configuration as it is, a fragment inside the minimal http{} of
// realnginx.CheckHTTP (bare locations inside a server{} too), with the
// included files next to it.
func checkNginx(t *testing.T, what, dir, mainRel string, files []string) {
	t.Run("nginx -t "+strings.Fields(what)[1], func(t *testing.T) {
		realnginx.Require(t)
		main := filepath.Join(dir, mainRel)
		cfg, err := nginx.Load(main, nginx.LoadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var ok bool
		var out string
		if cfg.Kind == nginx.KindMain {
			ok, out = checkWithPort(t, main, dir)
		} else {
			src, err := os.ReadFile(main)
			if err != nil {
				t.Fatal(err)
			}
			body := strings.ReplaceAll(string(src), "127.0.0.1:8080", "127.0.0.1:"+realnginx.PortPlaceholder)
			if cfg.Kind == nginx.KindServerFragment {
				body = "server {\n    listen 127.0.0.1:" + realnginx.PortPlaceholder + ";\n" + body + "\n}\n"
			}
			others := map[string]string{}
			for _, rel := range files {
				if rel != mainRel {
					b, err := os.ReadFile(filepath.Join(dir, rel))
					if err != nil {
						t.Fatal(err)
					}
					others["conf/"+filepath.ToSlash(rel)] = string(b)
				}
			}
			ok, out = realnginx.CheckHTTP(body, others)
		}
		if !ok {
			t.Errorf("nginx -t rejects %s:\n%s", what, out)
		}
	})
}

// checkWithPort runs nginx -t on a copy of a whole main configuration whose
// listen port is replaced by a free one.
func checkWithPort(t *testing.T, main, dir string) (bool, string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cp := t.TempDir()
	err = filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || !info.Mode().IsRegular() || strings.HasSuffix(p, ".orig") {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		b = bytes.ReplaceAll(b, []byte("127.0.0.1:8080"), []byte("127.0.0.1:"+strconv.Itoa(port)))
		if err := os.MkdirAll(filepath.Join(cp, filepath.Dir(rel)), 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(cp, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	rel, _ := filepath.Rel(dir, main)
	return realnginx.Check(filepath.Join(cp, rel), cp)
}

// checkOnlyFixedLines checks that new differs from old only by the text
// the fixes insert: every line of old is in new, in order, either
// unchanged or with insertions of `^~ `, `/`, ` internal;` or
// ` add_header ...;`; the lines in between are added statements, ended like
// the file's other lines.
func checkOnlyFixedLines(t *testing.T, name string, old, new []byte) {
	t.Helper()
	ol, nl := lines(old), lines(new)
	crlf := bytes.Contains(old, []byte("\r\n"))
	touched := 0
	j := 0
	prev := func() string {
		if j > 0 {
			return nl[j-1]
		}
		return ""
	}
	for i := 0; i < len(ol); i++ {
		for j < len(nl) && nl[j] != ol[i] && addedLine(nl[j], prev(), ol) {
			if crlf != strings.HasSuffix(nl[j], "\r\n") {
				t.Errorf("%s: added line %q does not end like the file's lines", name, nl[j])
			}
			touched++
			j++
		}
		if j >= len(nl) {
			t.Errorf("%s: line %d (%q) is gone", name, i+1, ol[i])
			return
		}
		if nl[j] != ol[i] {
			if !onlyInsertions(nl[j], ol[i], 8) {
				t.Errorf("%s: line %d changed beyond the fix:\n old %q\n new %q", name, i+1, ol[i], nl[j])
			}
			touched++
		}
		j++
	}
	for ; j < len(nl); j++ {
		if !addedLine(nl[j], prev(), ol) {
			t.Errorf("%s: unexpected line at the end: %q", name, nl[j])
		}
		touched++
	}
	if touched == 0 {
		t.Errorf("%s: listed as fixed but no line changed", name)
	}
}

var (
	addedRE   = regexp.MustCompile(`^[ \t]*(internal;|add_header .*;)\r?\n$`)
	openAddRE = regexp.MustCompile(`^[ \t]*add_header [^;]*\r?\n$`)
)

// addedLine reports whether a line of the fixed text, after the line prev,
// is a statement a fix adds: internal;, an add_header, or the continuation
// of a repeated multi-line add_header (copied from a line of old).
func addedLine(l, prev string, old []string) bool {
	if addedRE.MatchString(l) || openAddRE.MatchString(l) {
		return true
	}
	if !openAddRE.MatchString(prev) {
		return false
	}
	for _, o := range old {
		if strings.TrimSpace(o) == strings.TrimSpace(l) && strings.TrimSpace(l) != "" {
			return true
		}
	}
	return false
}

var insertRE = regexp.MustCompile(`^( ?internal; ?| ?add_header [^;]*; ?|\^~ |/)`)

// onlyInsertions reports whether removing up to budget inserted chunks
// from n gives o.
func onlyInsertions(n, o string, budget int) bool {
	if n == o {
		return true
	}
	if budget == 0 || len(n) <= len(o) {
		return false
	}
	p := 0
	for p < len(o) && n[p] == o[p] {
		p++
	}
	for q := p; q >= 0 && q >= p-80; q-- {
		if n[:q] != o[:min(q, len(o))] {
			continue
		}
		if m := insertRE.FindString(n[q:]); m != "" {
			if onlyInsertions(n[:q]+n[q+len(m):], o, budget-1) {
				return true
			}
		}
	}
	return false
}

func lines(b []byte) []string {
	var out []string
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			out = append(out, string(b))
			break
		}
		out = append(out, string(b[:i+1]))
		b = b[i+1:]
	}
	return out
}

// TestApplyFixes covers combining, duplicates, ordering and conflicts.
func TestApplyFixes(t *testing.T) {
	src := map[string][]byte{"a.conf": []byte("location /x {\n    alias /d;\n}\n"), "b.conf": []byte("bbb")}
	ins := func(file string, at int, text string) lint.Edit {
		return lint.Edit{File: file, Start: at, End: at, Text: text}
	}
	fd := func(rule string, off int, es ...lint.Edit) lint.Finding {
		return lint.Finding{Rule: rule, Pos: nginx.Pos{File: "a.conf", Line: 1, Column: off + 1, Offset: off}, Fix: es}
	}
	findings := []lint.Finding{
		fd("media-missing-nosniff", 0, ins("a.conf", 13, "\n    add_header X y;")),
		fd("media-not-internal", 0, ins("a.conf", 13, "\n    internal;")),
		fd("media-not-internal", 0, ins("a.conf", 13, "\n    internal;")), // the same file included twice
		fd("alias-traversal", 17, ins("a.conf", 11, "/"), ins("a.conf", 26, "/")),
		fd("regex-bypasses-internal", 0, ins("a.conf", 9, "^~ ")),
		fd("root-exposes-protected", 0, lint.Edit{File: "a.conf", Start: 9, End: 12, Text: "/y"}), // overlaps the "/" at 11
		fd("accel-header-exposed", 0, lint.Edit{File: "b.conf", Start: 1, End: 2, Text: "X"}),
		fd("syntax", 0, ins("nope.conf", 0, "x")),
		fd("media-not-internal", 5, ins("a.conf", 99, "x")),
	}
	out, conflicts := lint.ApplyFixes(findings, src)
	if len(conflicts) != 3 {
		t.Fatalf("want 3 conflicts, got %+v", conflicts)
	}
	want := "location ^~ /x/ {\n    internal;\n    add_header X y;\n    alias /d/;\n}\n"
	if got := string(out["a.conf"]); got != want {
		t.Errorf("a.conf:\n%s\nwant\n%s", got, want)
	}
	if got := string(out["b.conf"]); got != "bXb" {
		t.Errorf("b.conf: %q", got)
	}
	if string(src["a.conf"]) != "location /x {\n    alias /d;\n}\n" {
		t.Error("sources were modified")
	}
	// one statement, two different fixes of one rule: neither is applied
	amb := []lint.Finding{
		fd("media-missing-nosniff", 0, ins("a.conf", 13, "\n    add_header A a;")),
		fd("media-missing-nosniff", 0, ins("a.conf", 13, "\n    add_header B b;")),
	}
	out, conflicts = lint.ApplyFixes(amb, src)
	if len(conflicts) != 2 || len(out) != 0 {
		t.Errorf("ambiguous fixes: %+v, %q", conflicts, out)
	}
}

// writeTree writes files (relative path -> content) under a new temp dir.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for rel, content := range files {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestFixSharedSnippet: a snippet included in two servers is one text; a
// fix is offered only when every place it is included needs the same one.
// nosniff needs different inherited add_header lines in each server, the
// alias slash is the same everywhere, and internal is needed in one server
// only (the other guards the location with auth_basic).
func TestFixSharedSnippet(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"site.conf": "server {\n    listen 80;\n    add_header A a;\n    include media.conf;\n}\n" +
			"server {\n    listen 81;\n    add_header B b;\n    auth_basic \"private\";\n    include media.conf;\n}\n",
		"media.conf": "location ^~ /media/ {\n    internal;\n    alias /srv/media/;\n}\n" +
			"location /files/ {\n    alias /srv/files;\n}\n" +
			"location /uploads/ {\n    alias /srv/uploads/;\n}\n",
	})
	t.Chdir(dir) // the diff names the file relative to the working directory
	main := filepath.Join(dir, "site.conf")
	r, err := lint.LintPaths([]string{main}, lint.LintOptions{})
	if err != nil {
		t.Fatal(err)
	}
	fixable := map[string]bool{}
	for _, f := range r.Findings {
		if len(f.Fix) > 0 {
			fixable[f.Rule] = true
		}
	}
	if diff := cmp.Diff(map[string]bool{"alias-traversal": true}, fixable); diff != "" {
		t.Errorf("fixable rules (-want +got):\n%s", diff)
	}
	res, err := lint.Fix([]string{main}, lint.LintOptions{}, lint.FixDiff)
	if err != nil {
		t.Fatal(err)
	}
	want := "--- a/media.conf\n+++ b/media.conf\n" +
		"@@ -3,7 +3,7 @@\n     alias /srv/media/;\n }\n location /files/ {\n-    alias /srv/files;\n+    alias /srv/files/;\n }\n location /uploads/ {\n     alias /srv/uploads/;\n"
	if diff := cmp.Diff(want, res.Diff()); diff != "" {
		t.Errorf("diff (-want +got):\n%s", diff)
	}

	// the same snippet read by two configurations given together
	dir = writeTree(t, map[string]string{
		"a.conf":     "server {\n    listen 80;\n    include media.conf;\n}\n",
		"b.conf":     "server {\n    listen 81;\n    auth_basic \"private\";\n    include media.conf;\n}\n",
		"media.conf": "location /uploads/ {\n    alias /srv/uploads/;\n}\n",
	})
	res, err = lint.Fix([]string{filepath.Join(dir, "a.conf"), filepath.Join(dir, "b.conf")}, lint.LintOptions{}, lint.FixDiff)
	if err != nil {
		t.Fatal(err)
	}
	if res.Changed() || len(res.Skipped) != 1 || !strings.Contains(res.Skipped[0].Reason, "b.conf") {
		t.Errorf("files %+v, skipped %+v", res.Files, res.Skipped)
	}
}

// TestFixNoDuplicateLocation: adding the slash would duplicate a location.
func TestFixNoDuplicateLocation(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"a.conf": "server {\n    listen 80;\n    location /files {\n        internal;\n        alias /srv/files/;\n    }\n    location /files/ {\n        return 404;\n    }\n}\n",
	})
	r, err := lint.LintPaths([]string{filepath.Join(dir, "a.conf")}, lint.LintOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range r.Findings {
		if f.Rule == "alias-traversal" && len(f.Fix) > 0 {
			t.Errorf("fix offered that duplicates location /files/: %+v", f.Fix)
		}
	}
}

// TestFixInputs: standard input and nginx -T dumps can be diffed, not written.
func TestFixInputs(t *testing.T) {
	conf := "server {\n    listen 80;\n    location /media/ {\n        alias /srv/media/;\n    }\n}\n"
	res, err := lint.Fix([]string{"-"}, lint.LintOptions{Stdin: strings.NewReader(conf)}, lint.FixDiff)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Diff(), "+        internal;\n") {
		t.Errorf("stdin diff:\n%s", res.Diff())
	}
	if _, err := lint.Fix([]string{"-"}, lint.LintOptions{Stdin: strings.NewReader(conf)}, lint.FixWrite); err == nil {
		t.Error("writing standard input succeeded")
	}
	dump := "nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\n" +
		"# configuration file /etc/nginx/nginx.conf:\nevents {}\nhttp {\n    include /etc/nginx/conf.d/*.conf;\n}\n\n" +
		"# configuration file /etc/nginx/conf.d/media.conf:\n" + conf + "\n"
	dir := writeTree(t, map[string]string{"dump.txt": dump})
	res, err = lint.Fix([]string{filepath.Join(dir, "dump.txt")}, lint.LintOptions{}, lint.FixDiff)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Files) != 1 || res.Files[0].Path != "/etc/nginx/conf.d/media.conf" || len(res.Remaining.Findings) != 0 {
		t.Errorf("dump: %+v\n%s", res.Files, res.Diff())
	}
	if _, err := lint.Fix([]string{filepath.Join(dir, "dump.txt")}, lint.LintOptions{}, lint.FixWrite); err == nil {
		t.Error("writing a dump succeeded")
	}
}

// TestWriteFixed: atomic replacement through a symbolic link, mode kept,
// backup kept, and a backup that nginx would include is refused by Fix.
func TestWriteFixed(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "available", "app.conf")
	os.MkdirAll(filepath.Dir(real), 0o755)
	os.MkdirAll(filepath.Join(dir, "enabled"), 0o755)
	if err := os.WriteFile(real, []byte("old\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "enabled", "app.conf")
	if err := os.Symlink("../available/app.conf", link); err != nil {
		t.Fatal(err)
	}
	if err := lint.WriteFixed(link, []byte("new\n"), true); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v %v", fi, err)
	}
	if b, _ := os.ReadFile(real); string(b) != "new\n" {
		t.Errorf("content %q", b)
	}
	if st, _ := os.Stat(real); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", st.Mode())
	}
	if b, _ := os.ReadFile(real + ".orig"); string(b) != "old\n" {
		t.Errorf("backup %q", b)
	}
	if err := lint.WriteFixed(real, []byte("newer\n"), true); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(real + ".orig"); string(b) != "new\n" {
		t.Errorf("second backup %q", b)
	}
	if err := lint.WriteFixed(filepath.Join(dir, "missing.conf"), []byte("x"), false); err == nil {
		t.Error("writing a missing file succeeded")
	}

	// sites-enabled/* would read app.conf.orig as configuration
	site := writeTree(t, map[string]string{
		"nginx.conf":         "events {}\nhttp {\n    include sites/*;\n}\n",
		"sites/app.conf":     "server {\n    listen 80;\n    location /media/ {\n        alias /srv/media/;\n    }\n}\n",
		"sites/.hidden.conf": "",
	})
	_, err := lint.Fix([]string{filepath.Join(site, "nginx.conf")}, lint.LintOptions{}, lint.FixWriteBackup)
	if err == nil || !strings.Contains(err.Error(), "would be read by nginx") {
		t.Errorf("backup inside an include glob: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(site, "sites/app.conf")); strings.Contains(string(b), "internal") {
		t.Error("written although refused")
	}
	if _, err := lint.Fix([]string{filepath.Join(site, "nginx.conf")}, lint.LintOptions{}, lint.FixWrite); err != nil {
		t.Errorf("without backup: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(site, "sites/app.conf")); !strings.Contains(string(b), "internal;") {
		t.Errorf("not fixed:\n%s", b)
	}
}

// TestFixLintFixtures fixes every lint fixture and the shared corpus in
// diff mode: no fix is refused, nothing fixable is left (so a second fix
// would change nothing), and real nginx accepts every fixed fixture that
// it accepted before.
func TestFixLintFixtures(t *testing.T) {
	t.Chdir("..")
	paths, _ := filepath.Glob("testdata/lint/*/*.conf")
	fixed := 0
	for _, p := range paths {
		res, err := lint.Fix([]string{p}, lint.LintOptions{}, lint.FixDiff)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		checkSettled(t, p, res)
		if !res.Changed() {
			continue
		}
		fixed++
		if len(res.Files) != 1 || bytes.Contains(res.Files[0].Old, []byte("include")) {
			continue
		}
		t.Run("nginx -t "+strings.TrimPrefix(p, "testdata/lint/"), func(t *testing.T) {
			t.Parallel()
			realnginx.Require(t)
			body := func(b []byte) string {
				return strings.ReplaceAll(string(b), "127.0.0.1:8080", "127.0.0.1:"+realnginx.PortPlaceholder)
			}
			if ok, _ := realnginx.CheckHTTP(body(res.Files[0].Old), nil); !ok {
				t.Skip("nginx -t rejects the original fixture")
			}
			if ok, out := realnginx.CheckHTTP(body(res.Files[0].New), nil); !ok {
				t.Errorf("nginx -t rejects the fixed config:\n%s\n%s", res.Files[0].New, out)
			}
		})
	}
	if fixed < 10 {
		t.Errorf("only %d lint fixtures have fixes", fixed)
	}
	t.Run("corpus", func(t *testing.T) {
		t.Chdir("lint") // corpusDir looks from the package directory
		dir := corpusDir(t)
		n := 0
		_ = filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
			if err != nil || !info.Mode().IsRegular() {
				return nil
			}
			res, err := lint.Fix([]string{p}, lint.LintOptions{}, lint.FixDiff)
			if err != nil {
				var ie *nginx.InputError
				if !errors.As(err, &ie) {
					t.Errorf("%s: %v", p, err)
				}
				return nil
			}
			checkSettled(t, p, res)
			if res.Changed() {
				n++
			}
			return nil
		})
		t.Logf("%d corpus files fixed", n)
	})
}

// checkSettled reports fixable findings left after a fix.
func checkSettled(t *testing.T, p string, res *lint.FixResult) {
	t.Helper()
	for _, s := range res.Skipped {
		t.Errorf("%s: fix skipped: %s %s: %s", p, s.Finding.Pos, s.Finding.Rule, s.Reason)
	}
	for _, f := range res.Remaining.Findings {
		if len(f.Fix) > 0 {
			t.Errorf("%s: still fixable after the fix: %s %s", p, f.Pos, f.Rule)
		}
	}
}
