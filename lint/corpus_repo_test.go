package lint_test

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/xaccel/xaccel/internal/realnginx"
	"github.com/xaccel/xaccel/lint"
)

// The repository corpus (testdata/corpus/PROJECT/) holds configurations
// modelled on the nginx files of projects that serve private or user
// files, each reduced to what matters for routing and includes and laid
// out as in its repository (repo/), with stand-ins for the files that
// exist only on a server (standins/, laid out by absolute path). Its
// manifest, corpus.txt, has one statement a line (# comments):
//
//	main: REPOPATH                   the file a user lints
//	args: FLAGS                      flags of both lint runs (--protect, --protect-dir, --public)
//	env: NAME=VALUE...               template variables of both lint runs (--env) and of the nginx run
//	place: /ABS REPOPATH             where the deployment puts a repository file on the server
//	prefix: /ABS                     nginx's configuration prefix on the server (default /etc/nginx)
//	nginx: /ABS                      the complete run's file, which real nginx includes in http{} (default: main's place)
//	paths: /ABS...                   server directories real nginx reads under its own directory
//	sub: OLD => NEW                  a text replacement for the real nginx run (an upstream's host name)
//	drop: REGEXP                     lines real nginx does not get (beyond ssl_*, user, pid, logs)
//	finding: RULE REPOPATH:LINE leak: GET [HOST] TARGET /ABSFILE
//	finding: RULE REPOPATH:LINE why: TEXT
//	laid-out: RULE REPOPATH:LINE why: TEXT   a finding of the run without stand-ins only
//	hidden: RULE REPOPATH:LINE why: TEXT     a listed finding in a file the laid-out run cannot read
//	safe: GET [HOST] TARGET /ABSFILE          real nginx does not send the file
//
// TestRepoCorpus lints each project twice: as laid out (the server-only
// includes missing: include-not-found, the rest analysed) and with the
// stand-ins and the placed files under --root. Both runs give the same
// leak findings but for the laid-out: ones; every finding at warning or
// error level of the complete run is listed with a leak that real nginx
// on loopback proves, or a reason; nothing unlisted is reported.

type corpusClaim struct {
	host, target, file string
}

type corpusFinding struct {
	rule, at string // at: REPOPATH:LINE
	leak     *corpusClaim
	why      string
	line     int // of corpus.txt
}

type corpusProject struct {
	dir, name, main, prefix, nginx string
	args                           []string
	env                            map[string]string
	place                          map[string]string // /ABS -> REPOPATH
	paths                          []string
	subs                           [][2]string
	drops                          []*regexp.Regexp
	findings, laidOut, hidden      []corpusFinding
	safe                           []corpusClaim
}

func parseClaim(s string) (corpusClaim, error) {
	f := strings.Fields(strings.TrimPrefix(s, "GET "))
	switch {
	case !strings.HasPrefix(s, "GET "):
	case len(f) == 2:
		return corpusClaim{"localhost", f[0], f[1]}, nil
	case len(f) == 3:
		return corpusClaim{f[0], f[1], f[2]}, nil
	}
	return corpusClaim{}, fmt.Errorf("want GET [HOST] TARGET /FILE, got %q", s)
}

func loadCorpusProject(dir string) (*corpusProject, error) {
	src, err := os.ReadFile(filepath.Join(dir, "corpus.txt"))
	if err != nil {
		return nil, err
	}
	p := &corpusProject{dir: dir, name: filepath.Base(dir), prefix: "/etc/nginx", place: map[string]string{}}
	for i, line := range strings.Split(string(src), "\n") {
		n := i + 1
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, val, ok := strings.Cut(line, ": ")
		if !ok {
			return nil, fmt.Errorf("corpus.txt:%d: want KEY: VALUE", n)
		}
		bad := func(format string, a ...any) error {
			return fmt.Errorf("%s/corpus.txt:%d: %s", dir, n, fmt.Sprintf(format, a...))
		}
		switch key {
		case "main":
			p.main = val
		case "args":
			p.args = strings.Fields(val)
		case "env":
			p.env = map[string]string{}
			if err := lint.ParseEnv(p.env, strings.Fields(val)); err != nil {
				return nil, bad("%v", err)
			}
		case "prefix":
			p.prefix = val
		case "nginx":
			p.nginx = val
		case "paths":
			p.paths = strings.Fields(val)
		case "place":
			f := strings.Fields(val)
			if len(f) != 2 || !strings.HasPrefix(f[0], "/") {
				return nil, bad("want place: /ABS REPOPATH")
			}
			p.place[f[0]] = f[1]
		case "sub":
			old, new, ok := strings.Cut(val, " => ")
			if !ok {
				return nil, bad("want sub: OLD => NEW")
			}
			p.subs = append(p.subs, [2]string{old, new})
		case "drop":
			re, err := regexp.Compile(val)
			if err != nil {
				return nil, bad("%v", err)
			}
			p.drops = append(p.drops, re)
		case "safe":
			c, err := parseClaim(val)
			if err != nil {
				return nil, bad("%v", err)
			}
			p.safe = append(p.safe, c)
		case "finding", "laid-out", "hidden":
			f := strings.Fields(val)
			if len(f) < 4 {
				return nil, bad("want %s: RULE REPOPATH:LINE leak: CLAIM | why: TEXT", key)
			}
			fd := corpusFinding{rule: f[0], at: f[1], line: n}
			rest := strings.Join(f[2:], " ")
			switch {
			case strings.HasPrefix(rest, "leak: ") && key == "finding":
				c, err := parseClaim(strings.TrimPrefix(rest, "leak: "))
				if err != nil {
					return nil, bad("%v", err)
				}
				fd.leak = &c
			case strings.HasPrefix(rest, "why: ") && len(rest) > len("why: ")+20:
				fd.why = strings.TrimPrefix(rest, "why: ")
			default:
				return nil, bad("a finding is proven (leak: GET ...) or explained (why: a sentence)")
			}
			switch key {
			case "finding":
				p.findings = append(p.findings, fd)
			case "laid-out":
				p.laidOut = append(p.laidOut, fd)
			default:
				p.hidden = append(p.hidden, fd)
			}
		default:
			return nil, bad("unknown key %q", key)
		}
	}
	if p.main == "" {
		return nil, fmt.Errorf("%s/corpus.txt: no main:", dir)
	}
	return p, nil
}

// mainPlace is where the main file is on the server.
func (p *corpusProject) mainPlace() (string, error) {
	for abs, rel := range p.place {
		if rel == p.main {
			return abs, nil
		}
	}
	return "", fmt.Errorf("%s: main %s has no place:", p.name, p.main)
}

// header checks that every file of repo/ starts with a comment naming the
// project, the file it follows and the commit.
var corpusHeader = regexp.MustCompile(`^# [^\n]+: [^\n]+ at [0-9a-f]{40}\b`)

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.Walk(from, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return writeFileAll(filepath.Join(to, rel), b)
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
}

func writeFileAll(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

type corpusKey struct{ rule, at string }

// findingsAt lists the findings at warning or error level as RULE
// REPOPATH:LINE, files named by name.
func findingsAt(r *lint.Report, name func(string) string) []corpusKey {
	var out []corpusKey
	for _, f := range r.Findings {
		if f.Severity < lint.Warning {
			continue
		}
		out = append(out, corpusKey{f.Rule, name(f.Pos.File) + ":" + strconv.Itoa(f.Pos.Line)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].rule+out[i].at < out[j].rule+out[j].at })
	return out
}

func keysOf(fs []corpusFinding) []corpusKey {
	var out []corpusKey
	for _, f := range fs {
		out = append(out, corpusKey{f.rule, f.at})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].rule+out[i].at < out[j].rule+out[j].at })
	return out
}

func TestRepoCorpus(t *testing.T) {
	t.Parallel()
	dirs, _ := filepath.Glob("../testdata/corpus/*/corpus.txt")
	if len(dirs) == 0 {
		t.Fatal("no projects in testdata/corpus")
	}
	for _, m := range dirs {
		p, err := loadCorpusProject(filepath.Dir(m))
		if err != nil {
			t.Fatal(err)
		}
		t.Run(p.name, func(t *testing.T) { p.check(t) })
	}
	t.Logf("%d projects", len(dirs))
}

func (p *corpusProject) check(t *testing.T) {
	repo, err := filepath.Abs(filepath.Join(p.dir, "repo"))
	if err != nil {
		t.Fatal(err)
	}
	filepath.Walk(repo, func(path string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			b, _ := os.ReadFile(path)
			if !corpusHeader.Match(b) {
				t.Errorf("%s: the first line must name the project, the file it follows and the commit: '# PROJECT: PATH at COMMIT'", path)
			}
		}
		return nil
	})
	opts := parseArgs(t, p.args)

	// 1. As laid out in the repository.
	r1, err := lint.LintPaths([]string{filepath.Join(repo, p.main)}, lint.LintOptions{Options: opts, Env: p.env})
	if err != nil {
		t.Fatal(err)
	}
	inRepo := func(f string) string {
		if rel, err := filepath.Rel(repo, f); err == nil && !strings.HasPrefix(rel, "..") {
			return filepath.ToSlash(rel)
		}
		return f
	}
	missing := 0
	for _, f := range r1.Findings {
		if f.Rule == "include-not-found" {
			missing++ // a stock file's stand-in (info) counts
		}
	}
	var leaks1 []corpusKey
	for _, k := range findingsAt(r1, inRepo) {
		switch k.rule {
		case "include-not-found":
		case "syntax":
			t.Errorf("as laid out: a syntax finding at %s", k.at)
		default:
			leaks1 = append(leaks1, k)
		}
	}
	if _, err := os.Stat(filepath.Join(p.dir, "standins")); err == nil && missing == 0 {
		t.Errorf("as laid out, no include is missing: a repository copy of this project misses its server-only includes")
	}

	// 2. With the placed files and the stand-ins under --root.
	root := t.TempDir()
	back := map[string]string{}
	for abs, rel := range p.place {
		b, err := os.ReadFile(filepath.Join(repo, rel))
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(root, abs)
		if err := writeFileAll(dst, b); err != nil {
			t.Fatal(err)
		}
		back[dst] = rel
	}
	copyTree(t, filepath.Join(p.dir, "standins"), root)
	mainAbs, err := p.mainPlace()
	if err != nil {
		t.Fatal(err)
	}
	if p.nginx != "" {
		mainAbs = p.nginx // the complete configuration holds the main file
	}
	r2, err := lint.LintPaths([]string{filepath.Join(root, mainAbs)}, lint.LintOptions{Options: opts, Env: p.env, Root: root, Prefix: filepath.Join(root, p.prefix)})
	if err != nil {
		t.Fatal(err)
	}
	placed := func(f string) string {
		if rel, ok := back[f]; ok {
			return rel
		}
		if rel, err := filepath.Rel(root, f); err == nil && !strings.HasPrefix(rel, "..") {
			return "standin:/" + filepath.ToSlash(rel)
		}
		return f
	}
	got2 := findingsAt(r2, placed)
	for _, k := range got2 {
		if k.rule == "include-not-found" || k.rule == "syntax" {
			t.Errorf("with the stand-ins: %s at %s", k.rule, k.at)
		}
	}
	if diff := cmp.Diff(keysOf(p.findings), got2, cmp.AllowUnexported(corpusKey{})); diff != "" {
		t.Errorf("with the stand-ins, the findings are not the ones corpus.txt lists (-listed +got):\n%s", diff)
	}
	hidden := map[corpusKey]bool{}
	for _, k := range keysOf(p.hidden) {
		hidden[k] = true
	}
	var want1 []corpusKey
	for _, k := range append(keysOf(p.findings), keysOf(p.laidOut)...) {
		if !hidden[k] {
			want1 = append(want1, k)
		}
	}
	sort.Slice(want1, func(i, j int) bool { return want1[i].rule+want1[i].at < want1[j].rule+want1[j].at })
	if diff := cmp.Diff(want1, leaks1, cmp.AllowUnexported(corpusKey{})); diff != "" {
		t.Errorf("as laid out, the leak findings differ from the complete run's (with the laid-out: ones) (-want +got):\n%s", diff)
	}
	if t.Failed() {
		return
	}
	p.proveWithNginx(t, root)
}

// proveWithNginx runs the complete configuration on real nginx: the
// server directories of paths: are moved under a temporary directory,
// every listen is on loopback (port 80 and 443 on two free ports), a
// relative include is read from the server's prefix under it, the
// TLS, user, pid and log directives are dropped, and the file each claim
// names is created with content naming it.
func (p *corpusProject) proveWithNginx(t *testing.T, root string) {
	var leaks []corpusClaim
	for _, f := range p.findings {
		if f.leak != nil {
			leaks = append(leaks, *f.leak)
		}
	}
	if len(leaks)+len(p.safe) == 0 {
		return
	}
	realnginx.Require(t)
	run := t.TempDir()
	ports := map[string]int{}
	for _, p := range []string{"80", "443"} {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ports[p] = l.Addr().(*net.TCPAddr).Port
		l.Close()
	}
	listen := regexp.MustCompile(`^(\s*)listen\s+([^;]*);`)
	relInclude := regexp.MustCompile(`^(\s*)include\s+([^/\s][^;]*);`)
	drop := append([]*regexp.Regexp{regexp.MustCompile(`^\s*(ssl_\w+|ssl|http2|user|pid|error_log|access_log|resolver|resolver_timeout)\s`)}, p.drops...)
	var reps []string
	for _, s := range p.subs {
		reps = append(reps, s[0], s[1])
	}
	for _, d := range p.paths {
		reps = append(reps, d, filepath.Join(run, d))
	}
	rewrite := strings.NewReplacer(reps...)
	err := filepath.Walk(root, func(name string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		b, err := os.ReadFile(name)
		if err != nil {
			return err
		}
		b, _ = lint.Substitute(b, p.env)
		var out []string
		for _, line := range strings.Split(string(b), "\n") {
			if m := listen.FindStringSubmatch(line); m != nil {
				port := ports["80"]
				if strings.Contains(m[2], "[::]") {
					continue // one loopback address per server
				}
				if strings.Contains(m[2], "443") {
					port = ports["443"]
				}
				line = fmt.Sprintf("%slisten 127.0.0.1:%d;", m[1], port)
			}
			if m := relInclude.FindStringSubmatch(line); m != nil {
				// relative to the server's prefix, not real nginx's conf/
				line = m[1] + "include " + path.Join(p.prefix, m[2]) + ";"
			}
			dropped := false
			for _, re := range drop {
				dropped = dropped || re.MatchString(line)
			}
			if !dropped {
				out = append(out, rewrite.Replace(line))
			}
		}
		rel, _ := filepath.Rel(root, name)
		return writeFileAll(filepath.Join(run, rel), []byte(strings.Join(out, "\n")))
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range append(leaks, p.safe...) {
		if err := writeFileAll(filepath.Join(run, c.file), []byte("content of "+c.file+"\n")); err != nil {
			t.Fatal(err)
		}
	}
	include := p.nginx
	if include == "" {
		include, _ = p.mainPlace()
	}
	body := "    server { listen 127.0.0.1:{{PORT}}; return 404; }\n    include " + filepath.Join(run, include) + ";\n"
	inst := realnginx.StartHTTP(t, body, nil)
	get := func(c corpusClaim) bool { // on either port
		answered := false
		for _, port := range ports {
			resp, err := realnginx.Send(net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), "GET", c.target, http.Header{"Host": {c.host}})
			if err != nil {
				continue // no server listens on this port
			}
			answered = true
			if resp.Status == 200 && string(resp.Body) == "content of "+c.file+"\n" {
				return true
			}
		}
		if !answered {
			t.Fatalf("GET %s: nginx answers on neither port", c.target)
		}
		return false
	}
	for _, f := range p.findings {
		if f.leak == nil {
			continue
		}
		if !get(*f.leak) {
			t.Errorf("corpus.txt:%d: %s %s: real nginx does not answer GET %s (Host %s) with %s", f.line, f.rule, f.at, f.leak.target, f.leak.host, f.leak.file)
		}
	}
	for _, c := range p.safe {
		if get(c) {
			t.Errorf("safe: real nginx answers GET %s (Host %s) with %s", c.target, c.host, c.file)
		}
	}
	inst.Stop()
}
