package smoke_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net"
	"net/http"
	"path"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/xaccel/xaccel/smoke"
)

// The matrix: one correct configuration and six broken ones, each run by
// real nginx (realnginx_test.go) and by xaccel serve (serve_test.go), with
// the same app and the same files. Each broken configuration must fail with
// exactly the problem it has, and the correct one must pass every probe.

// matrixFiles is the site, relative to the prefix ({{PREFIX}}): the app's
// directory is the server root, media/ holds the protected files, static/
// is public.
var matrixFiles = map[string]string{
	"app/public/index.html": "public page\n",
	"app/static/app.css":    "body { color: black }\n",
	"app/media/report.txt":  "quarterly numbers: confidential\n",
	"app/media/photo.jpg":   "not really a JPEG, but private\n",
}

// matrixConf is the configuration; the words in capitals are replaced per
// case (see confFor). BACKEND is the app's address.
const matrixConf = `server {
    listen 127.0.0.1:{{PORT}};
    root {{PREFIX}}/app;

    location / {
        try_files $uri @app;
    }
    location @app {
        proxy_pass http://BACKEND;
    }
    location /download/ {
        proxy_pass http://BACKEND;
        PASSHEADER
    }
    location STATIC {
        alias {{PREFIX}}/app/static/;
    }
    location ~* \.(jpg|png)$ {
        expires 30d;
    }
    location MEDIALOC {
        INTERNAL
        alias {{PREFIX}}/app/media/;
        NOSNIFF
    }
}
`

// matrixCase is one configuration and the problems its probes must find.
type matrixCase struct {
	name     string
	replace  map[string]string // on top of the correct configuration's words
	xar      string            // the prefix the app redirects to
	problems []string          // the problems of the failed probes, sorted
	kinds    []string          // the kinds of the failed probes, sorted
}

var correctWords = map[string]string{
	"PASSHEADER": "",
	"STATIC":     "/static/",
	"MEDIALOC":   "^~ /media/",
	"INTERNAL":   "internal;",
	"NOSNIFF":    `add_header X-Content-Type-Options "nosniff" always;`,
}

var matrix = []matrixCase{
	{name: "correct", xar: "/media/"},
	{name: "internal-missing", replace: map[string]string{"INTERNAL": ""}, xar: "/media/",
		problems: []string{smoke.ProblemNotInternal}, kinds: []string{smoke.KindDirect, smoke.KindRegex}},
	{name: "off-by-slash", replace: map[string]string{"STATIC": "/static"}, xar: "/media/",
		problems: []string{smoke.ProblemOffBySlash}, kinds: []string{smoke.KindOffBySlash}},
	{name: "regex-bypass", replace: map[string]string{"MEDIALOC": "/media/"}, xar: "/media/",
		problems: []string{smoke.ProblemRegexBypass}, kinds: []string{smoke.KindRegex}},
	{name: "root-try-files", replace: map[string]string{"MEDIALOC": "^~ /protected/"}, xar: "/protected/",
		problems: []string{smoke.ProblemRootExposure}, kinds: []string{smoke.KindRoot}},
	// proxy_pass_header X-Accel-Redirect alone shows nothing from the
	// outside: on the X-Accel-Redirect path nginx sends only the six
	// headers it copies (nginx-semantics.md 1.4, 2.1), so the download
	// passes and only xaccel lint can report the directive.
	{name: "pass-header", replace: map[string]string{"PASSHEADER": "proxy_pass_header X-Accel-Redirect;"}, xar: "/media/"},
	// With proxy_ignore_headers too (how it is usually left behind after
	// debugging), the header reaches the client, and the download is the
	// app's empty body without the internal location's nosniff.
	{name: "pass-header-ignored", replace: map[string]string{"PASSHEADER": "proxy_pass_header X-Accel-Redirect; proxy_ignore_headers X-Accel-Redirect;"}, xar: "/media/",
		problems: []string{smoke.ProblemAccelExposed, smoke.ProblemBodyMismatch, smoke.ProblemNosniff}, kinds: []string{smoke.KindVia}},
	{name: "nosniff-missing", replace: map[string]string{"NOSNIFF": ""}, xar: "/media/",
		problems: []string{smoke.ProblemNosniff}, kinds: []string{smoke.KindVia}},
}

// confFor is the configuration of a case, with BACKEND filled in.
func confFor(c matrixCase, backend string) string {
	words := map[string]string{}
	for k, v := range correctWords {
		words[k] = v
	}
	for k, v := range c.replace {
		words[k] = v
	}
	s := strings.ReplaceAll(matrixConf, "BACKEND", backend)
	for k, v := range words {
		s = strings.ReplaceAll(s, k, v)
	}
	return s
}

// startApp starts the app on a free loopback port until the test ends:
// GET /download/NAME answers with X-Accel-Redirect: XAR+NAME and the
// headers a download needs; anything else is 404.
func startApp(t *testing.T, xar string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		name, ok := strings.CutPrefix(r.URL.Path, "/download/")
		if !ok || name == "" || strings.Contains(name, "/") || name != path.Base(name) {
			http.Error(w, "app: not found", http.StatusNotFound)
			return
		}
		h := w.Header()
		h.Set("X-Accel-Redirect", xar+name)
		h.Set("Content-Type", "application/octet-stream")
		h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
		h.Set("Cache-Control", "private, no-store")
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// via is the --via of the matrix: the app's download of report.txt with the
// file's SHA-256.
func via() string {
	sum := sha256.Sum256([]byte(matrixFiles["app/media/report.txt"]))
	return "/download/report.txt=" + hex.EncodeToString(sum[:])
}

// runSmoke runs the probes and returns the report; a run error is fatal.
func runSmoke(t *testing.T, o smoke.Options) *smoke.Report {
	t.Helper()
	if o.Timeout == 0 {
		o.Timeout = 10 * time.Second
	}
	rep, err := smoke.Run(context.Background(), o)
	if err != nil {
		t.Fatalf("smoke.Run: %v", err)
	}
	return rep
}

// checkCase compares the failed probes with what the case expects.
func checkCase(t *testing.T, c matrixCase, rep *smoke.Report) {
	t.Helper()
	problems, kinds := map[string]bool{}, map[string]bool{}
	for _, r := range rep.Results {
		if !r.Pass {
			problems[r.Problem] = true
			kinds[r.Probe.Kind] = true
		}
	}
	var text bytes.Buffer
	smoke.WriteText(&text, rep)
	if diff := cmp.Diff(c.problems, sortedKeys(problems)); diff != "" {
		t.Errorf("%s: problems of the failed probes (-want +got):\n%s\nreport:\n%s", c.name, diff, text.String())
	}
	if diff := cmp.Diff(c.kinds, sortedKeys(kinds)); diff != "" {
		t.Errorf("%s: kinds of the failed probes (-want +got):\n%s\nreport:\n%s", c.name, diff, text.String())
	}
	if want := len(c.problems) > 0; (rep.ExitCode() == 1) != want {
		t.Errorf("%s: exit code %d", c.name, rep.ExitCode())
	}
	// Every failure names its problem in words a reader can act on.
	words := map[string]string{
		smoke.ProblemNotInternal:  "has no `internal;`",
		smoke.ProblemOffBySlash:   "off-by-slash: `location /static`",
		smoke.ProblemRegexBypass:  "wins over the internal `location /media/`",
		smoke.ProblemRootExposure: "inside the protected directory",
		smoke.ProblemAccelExposed: "X-Accel-Redirect: /media/report.txt",
		smoke.ProblemNosniff:      "X-Content-Type-Options",
		smoke.ProblemBodyMismatch: "not the expected file",
	}
	for _, r := range rep.Results {
		if !r.Pass && !strings.Contains(r.Reason, words[r.Problem]) {
			t.Errorf("%s: %s %s: reason %q does not say %q", c.name, r.Probe.Name(), r.Probe.Sent(), r.Reason, words[r.Problem])
		}
	}
	if len(rep.Results) < 15 {
		t.Errorf("%s: only %d probes:\n%s", c.name, len(rep.Results), text.String())
	}
}

func sortedKeys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
