package smoke

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/xaccel/xaccel/nginx"
)

// probeLines renders a plan as "kind/variant METHOD target [range]".
func probeLines(p *Plan) []string {
	var out []string
	for _, pr := range p.Probes {
		out = append(out, pr.Name()+" "+pr.Sent())
	}
	return out
}

func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestPlan(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"app/media/a.txt":   "a",
		"app/media/b.jpg":   "b",
		"app/media/sub/c":   "c",
		"app/static/s.css":  "s",
		"app/media/.hidden": "h",
	})
	conf := func(body string) *nginx.Config {
		src := strings.ReplaceAll("server {\n    listen 127.0.0.1:8080;\n"+body+"}\n", "DIR", dir)
		return nginx.LoadBytes("t.conf", []byte(src), nginx.LoadOptions{})
	}
	for _, tc := range []struct {
		name string
		in   PlanInput
		want []string
	}{
		{
			name: "prefix only, one sample",
			in:   PlanInput{Prefixes: []string{"/media"}, Samples: []string{"x.pdf"}},
			want: []string{
				"prefix GET /media/",
				"direct GET /media/x.pdf",
				"direct/head HEAD /media/x.pdf",
				"direct/range GET /media/x.pdf (Range: bytes=0-15)",
				"direct/encoded GET /%6Dedia/x.pdf",
				"direct/encoded GET /media%2Fx.pdf",
				"direct/double-encoded GET /media%252Fx.pdf",
				"direct/case GET /MEDIA/x.pdf",
				"direct/encoded GET /xaccel-smoke/%2e%2e/media/x.pdf",
				"direct/double-encoded GET /xaccel-smoke/%252e%252e/media/x.pdf",
				"off-by-slash GET /media../media/x.pdf",
				"off-by-slash/encoded GET /media%2e%2e/media/x.pdf",
			},
		},
		{
			name: "prefix only, no sample: the prefix alone",
			in:   PlanInput{Prefixes: []string{"/private/"}},
			want: []string{"prefix GET /private/"},
		},
		{
			name: "config: internal alias, a regex, a public alias next to it, a root above it",
			in: PlanInput{Config: conf(`    root DIR/app;
    location /static/ { alias DIR/app/static/; }
    location ~* \.(jpg|png)$ { expires 1d; }
    location ^~ /protected/ { internal; alias DIR/app/media/; }
`)},
			want: []string{
				"prefix GET /protected/",
				"direct GET /protected/a.txt",
				"regex-bypass GET /protected/b.jpg",
				"direct GET /protected/sub/c",
				"direct/head HEAD /protected/a.txt",
				"direct/range GET /protected/a.txt (Range: bytes=0-15)",
				"direct/encoded GET /%70rotected/a.txt",
				"direct/encoded GET /protected%2Fa.txt",
				"direct/double-encoded GET /protected%252Fa.txt",
				"direct/case GET /PROTECTED/a.txt",
				"direct/encoded GET /xaccel-smoke/%2e%2e/protected/a.txt",
				"direct/double-encoded GET /xaccel-smoke/%252e%252e/protected/a.txt",
				"off-by-slash GET /protected../media/a.txt",
				"off-by-slash GET /protected../media/b.jpg",
				"off-by-slash/encoded GET /protected%2e%2e/media/a.txt",
				"root-exposure GET /media/a.txt",
				"root-exposure GET /media/b.jpg",
				"root-exposure GET /media/sub/c",
			},
		},
		{
			name: "config: a media location without internal is probed; a public one is not",
			in: PlanInput{Config: conf(`    location /uploads/ { alias DIR/nowhere/uploads/; }
    location /assets/ { alias DIR/app/static/; }
`), Samples: []string{"/uploads/x.png"}},
			want: []string{
				"prefix GET /uploads/",
				"direct GET /uploads/x.png",
				"direct/head HEAD /uploads/x.png",
				"direct/range GET /uploads/x.png (Range: bytes=0-15)",
				"direct/encoded GET /%75ploads/x.png",
				"direct/encoded GET /uploads%2Fx.png",
				"direct/double-encoded GET /uploads%252Fx.png",
				"direct/case GET /UPLOADS/x.png",
				"direct/encoded GET /xaccel-smoke/%2e%2e/uploads/x.png",
				"direct/double-encoded GET /xaccel-smoke/%252e%252e/uploads/x.png",
				"off-by-slash GET /uploads../uploads/x.png",
				"off-by-slash/encoded GET /uploads%2e%2e/uploads/x.png",
			},
		},
		{
			name: "names with spaces and percent signs are escaped",
			in:   PlanInput{Prefixes: []string{"/m/"}, Samples: []string{"100% sure.txt"}},
			want: []string{
				"prefix GET /m/",
				"direct GET /m/100%25%20sure.txt",
				"direct/head HEAD /m/100%25%20sure.txt",
				"direct/range GET /m/100%25%20sure.txt (Range: bytes=0-15)",
				"direct/encoded GET /%6D/100%25%20sure.txt",
				"direct/encoded GET /m%2F100%25%20sure.txt",
				"direct/double-encoded GET /m%252F100%25%20sure.txt",
				"direct/case GET /M/100%25%20sure.txt",
				"direct/encoded GET /xaccel-smoke/%2e%2e/m/100%25%20sure.txt",
				"direct/double-encoded GET /xaccel-smoke/%252e%252e/m/100%25%20sure.txt",
				"off-by-slash GET /m../m/100%25%20sure.txt",
				"off-by-slash/encoded GET /m%2e%2e/m/100%25%20sure.txt",
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := NewPlan(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, probeLines(p)); diff != "" {
				t.Errorf("probes (-want +got):\n%s", diff)
			}
		})
	}
}

// TestPlanKnowsBytes: files read from the configuration's directory (or
// --files-dir) have known bytes; names from --sample without a directory
// do not, and the plan says so and budgets a comparison request for them.
func TestPlanKnowsBytes(t *testing.T) {
	dir := writeTree(t, map[string]string{"media/a.txt": "secret"})
	cfg := nginx.LoadBytes("t.conf", []byte("server { location ^~ /m/ { internal; alias "+dir+"/media/; } }"), nginx.LoadOptions{})
	p, err := NewPlan(PlanInput{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	s := p.Targets[0].Samples[0]
	if !s.Known || s.Size != 6 || string(s.Head) != "secret" {
		t.Errorf("sample %+v: want the bytes of media/a.txt", s)
	}
	if p.Requests() != len(p.Probes) {
		t.Errorf("Requests() = %d, want %d (no comparison needed)", p.Requests(), len(p.Probes))
	}
	p, err = NewPlan(PlanInput{Prefixes: []string{"/m/"}, Samples: []string{"a.txt"}})
	if err != nil {
		t.Fatal(err)
	}
	if p.Targets[0].Samples[0].Known || p.Requests() != 2*len(p.Probes)-1 || len(p.Notes) != 1 {
		t.Errorf("unknown bytes: requests %d for %d probes, notes %q", p.Requests(), len(p.Probes), p.Notes)
	}
	p, err = NewPlan(PlanInput{Prefixes: []string{"/m/"}, Samples: []string{"a.txt"}, FilesDir: filepath.Join(dir, "media")})
	if err != nil {
		t.Fatal(err)
	}
	if !p.Targets[0].Samples[0].Known {
		t.Errorf("--files-dir: the bytes of a.txt are not known")
	}
}

func TestPlanErrors(t *testing.T) {
	public := nginx.LoadBytes("t.conf", []byte("server { location / { root /srv/www; } }"), nginx.LoadOptions{})
	for _, tc := range []struct {
		in   PlanInput
		want string
	}{
		{PlanInput{}, "give -c nginx.conf, or the protected URL prefixes with --prefix"},
		{PlanInput{Config: public}, "nothing to probe: the configuration has no internal location"},
		{PlanInput{Config: public, ServerName: "x.example"}, `no server block with server_name "x.example"`},
		{PlanInput{Prefixes: []string{"media"}}, `--prefix "media": want a URL path prefix`},
		{PlanInput{Prefixes: []string{"/m/"}, Samples: []string{"../etc/passwd"}}, `--sample "../etc/passwd": want a file name`},
		{PlanInput{Prefixes: []string{"/m/"}, Samples: []string{"/other/x"}}, "--sample /other/x is not under a protected prefix (/m/)"},
		{PlanInput{Prefixes: []string{"/m/"}, FilesDir: "/nonexistent/xaccel"}, "--files-dir /nonexistent/xaccel: not a directory"},
	} {
		_, err := NewPlan(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want %q", tc.in, err, tc.want)
		}
	}
}

func TestParseVia(t *testing.T) {
	base := &url.URL{Scheme: "https", Host: "files.example.com"}
	file := filepath.Join(t.TempDir(), "f")
	os.WriteFile(file, []byte("abc"), 0o644)
	const abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
	for _, tc := range []struct {
		arg  string
		want *Via
		err  string
	}{
		{arg: "/download/7", want: &Via{Arg: "/download/7", Target: "/download/7"}},
		{arg: "/download?id=7&x=1", want: &Via{Arg: "/download?id=7&x=1", Target: "/download?id=7&x=1"}},
		{arg: "/d/7=" + abc, want: &Via{Arg: "/d/7=" + abc, Target: "/d/7", SHA256: abc}},
		{arg: "/d?id=7=@" + file, want: &Via{Arg: "/d?id=7=@" + file, Target: "/d?id=7", SHA256: abc, File: file}},
		{arg: "https://files.example.com:443/d/%C3%A9", want: &Via{Arg: "https://files.example.com:443/d/%C3%A9", Target: "/d/%C3%A9"}},
		{arg: "https://evil.example/d/7", err: "not on the target"},
		{arg: "http://files.example.com/d/7", err: "not on the target"},
		{arg: "download/7", err: "a path must start with /"},
		{arg: "/d=@/nonexistent/xaccel", err: "--via /d=@/nonexistent/xaccel"},
	} {
		got, err := parseVia(tc.arg, base)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: error %v, want %q", tc.arg, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.arg, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.arg, diff)
		}
	}
}

func TestSessionHeader(t *testing.T) {
	h, err := sessionHeader([]string{"Authorization: Bearer x", "X-A:1"}, []string{"sid=abc", "csrftoken=z"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{"Authorization": {"Bearer x"}, "X-A": {"1"}, "Cookie": {"sid=abc; csrftoken=z"}}
	if diff := cmp.Diff(want, map[string][]string(h)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for _, bad := range [][2][]string{{{"NoColon"}, nil}, {{"Host: x"}, nil}, {nil, {"novalue"}}, {nil, {"a=b; c=d"}}} {
		if _, err := sessionHeader(bad[0], bad[1]); err == nil {
			t.Errorf("%q %q: no error", bad[0], bad[1])
		}
	}
}

func TestParseTarget(t *testing.T) {
	for _, ok := range []string{"http://127.0.0.1:8080", "https://files.example.com/"} {
		if _, err := parseTarget(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "files.example.com", "ftp://x", "http://x/app", "http://u:p@x", "http://x/?a=1", "http://"} {
		if _, err := parseTarget(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestDispositionName(t *testing.T) {
	for in, want := range map[string]string{
		`attachment; filename="report.txt"`:                                "report.txt",
		`attachment; filename="a.txt"; filename*=UTF-8''%C3%A9t%C3%A9.txt`: "été.txt",
		`attachment; filename="../../etc/passwd"`:                          "passwd",
		`attachment`: "",
		`;;;`:        "",
	} {
		if got := dispositionName(in); got != want {
			t.Errorf("%s: %q, want %q", in, got, want)
		}
	}
}

// TestPlanAnyConfig builds a plan for every configuration under testdata
// (broken ones included), with and without samples: no panic, and every
// probe is a request target that starts with "/" and has no raw space or
// control byte.
func TestPlanAnyConfig(t *testing.T) {
	t.Parallel() // plans every configuration under testdata
	paths, _ := filepath.Glob("../testdata/*/*/*.conf")
	more, _ := filepath.Glob("../testdata/*/*.conf")
	paths = append(paths, more...)
	if len(paths) < 20 {
		t.Fatalf("only %d configurations found", len(paths))
	}
	for _, p := range paths {
		cfg, err := nginx.Load(p, nginx.LoadOptions{})
		if err != nil {
			continue
		}
		for _, in := range []PlanInput{
			{Config: cfg},
			{Config: cfg, Prefixes: []string{"/", "/m"}, Samples: []string{"a b/ü.txt", "/m/x"}, FilesDir: ".."},
		} {
			plan, err := NewPlan(in)
			if err != nil {
				continue
			}
			for _, pr := range plan.Probes {
				if !strings.HasPrefix(pr.Target, "/") || strings.ContainsFunc(pr.Target, func(r rune) bool { return r <= ' ' || r >= 0x7f }) {
					t.Errorf("%s: bad request target %q", p, pr.Target)
				}
			}
		}
	}
}
