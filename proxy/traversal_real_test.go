//go:build unix

package proxy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xaccel/xaccel/internal/realnginx"
)

// traversalConf has the shapes that path traversal goes through: an
// internal alias location, an off-by-slash alias location (internal and
// public), a root location, the server root, and an app (the scripted
// backend) that answers with the X-Accel-Redirect value it is given.
const traversalConf = `server_tokens off;
server {
    listen 127.0.0.1:{{PORT}};
    root {{PREFIX}}/site/public;
    error_page 400 /errors/400.html;
    location /errors/ { internal; root {{PREFIX}}/site; }
    location /app/ { proxy_pass http://BACKEND; }
    location ^~ /protected/ { internal; alias {{PREFIX}}/site/protected/; }
    location /media { internal; alias {{PREFIX}}/site/media/; }
    location /pub { alias {{PREFIX}}/site/pub/; }
    location /static/ { root {{PREFIX}}/site; }
    location / { }
}
`

// traversalFiles: every file's content names it, so a body tells which
// file was served. secret/ is outside every root and alias; site/ holds
// the document trees and one file outside them (site/secret-in-site.txt).
var traversalFiles = map[string]string{
	"secret/secret.txt":             "FILE secret/secret.txt\n",
	"secret/sub/deep.txt":           "FILE secret/sub/deep.txt\n",
	"site/secret-in-site.txt":       "FILE site/secret-in-site.txt\n",
	"site/public/index.html":        "FILE site/public/index.html\n",
	"site/public/p.txt":             "FILE site/public/p.txt\n",
	"site/protected/doc.txt":        "FILE site/protected/doc.txt\n",
	"site/protected/sub/d.txt":      "FILE site/protected/sub/d.txt\n",
	"site/protected/..x":            "FILE site/protected/..x\n",
	"site/protected/doc.txt.":       "FILE site/protected/doc.txt.\n",
	"site/protected/doc.txt ":       "FILE site/protected/doc.txt-space\n",
	"site/protected/a\\b.txt":       "FILE site/protected/a-backslash-b.txt\n",
	"site/protected/sub;x/e.txt":    "FILE site/protected/sub;x/e.txt\n",
	"site/protected-sibling/ps.txt": "FILE site/protected-sibling/ps.txt\n",
	"site/media/m.txt":              "FILE site/media/m.txt\n",
	"site/media-x/mx.txt":           "FILE site/media-x/mx.txt\n",
	"site/pub/pub.txt":              "FILE site/pub/pub.txt\n",
	"site/static/s.txt":             "FILE site/static/s.txt\n",
	"site/publicx.txt":              "FILE site/publicx.txt\n",
	"site/errors/400.html":          "custom 400 page\n",
}

// traversalSymlinks are created after the files: links that leave their
// root (nginx follows them: disable_symlinks off).
var traversalSymlinks = map[string]string{
	"site/protected/link-out":        "../../secret",
	"site/protected/link-secret.txt": "../../secret/secret.txt",
	"site/pub/link-out":              "../../secret",
	"site/public/link-up":            "..",
	"site/media/loop":                "loop",
}

// dotdots are ways of writing a "../" segment (or of trying to).
var dotdots = []string{
	"../", "..%2f", "..%2F", "%2e%2e/", "%2E%2E%2F", ".%2e/", "%2e./", "%252e%252e/", "..%252f",
	"%252e%252e%252f", "..\\", "..%5c", "%2e%2e%5c", "..;/", "..%00/", "%00../", "..%c0%af", "%c0%ae%c0%ae/",
	"\xef\xbc\x8e\xef\xbc\x8e/", "%ef%bc%8e%ef%bc%8e/", "%e2%80%a4%e2%80%a4/", "....//", ".../", ". ./", "..%20/",
	"..%09/", "../ ", "..//", "/../", "%2e%2e%2f%2e%2e%2f",
}

// traversalTargets are the client request targets.
func traversalTargets() []string {
	var ts []string
	for _, prefix := range []string{"/protected/", "/pub/", "/pub", "/static/", "/", "/media"} {
		for _, dd := range dotdots {
			ts = append(ts, prefix+dd+"secret-in-site.txt")
		}
	}
	for _, dd := range dotdots[:10] {
		ts = append(ts, "/pub"+dd+dd+"secret/secret.txt", "/static/"+dd+dd+"secret/secret.txt")
	}
	long := strings.Repeat("a", 300)
	ts = append(ts,
		"/pub../secret-in-site.txt", "/pub../../secret/secret.txt", "/pub/link-out/secret.txt", "/pub/link-out/sub/deep.txt",
		"/pub/link-out/../secret.txt", "/pub%2e%2e/secret-in-site.txt", "/publicx.txt", "/link-up/secret-in-site.txt",
		"/link-up/protected/doc.txt", "/link-up/../secret/secret.txt", "//secret-in-site.txt", "/static//s.txt",
		"/static/s.txt", "/static/s.txt.", "/static/s.txt%20", "/static/s.txt%00", "/static/s.txt%00.jpg", "/static/s.txt::$DATA",
		"/static/"+long+"/../s.txt", "/static/"+long, "/pub/"+long+"/../pub.txt", "/"+strings.Repeat("../", 120)+"secret/secret.txt",
		"/static/./s.txt", "/static/s.txt/.", "/static/s.txt/..", "/static/%2e/s.txt", "/static%2fs.txt", "/static%2F..%2Fsecret-in-site.txt",
		"/protected/doc.txt", "/protected/link-secret.txt", "/media/m.txt", "/media../secret-in-site.txt", "/pub/pub.txt",
		"/p.txt", "/p.txt.", "/P.TXT", "/p.txt?x=../../secret", "/p.txt#/../../secret-in-site.txt",
		"http://localhost/../secret-in-site.txt", "http://localhost/pub../secret-in-site.txt", "/%2e%2e", "/..", "/.", "/%",
		"/%zz", "/a%", "/%2", "/\\..\\secret-in-site.txt", "/pub\\..\\secret-in-site.txt", "/static/\x7f",
	)
	return ts
}

// traversalValues are the X-Accel-Redirect values the app answers with.
func traversalValues() []string {
	var vs []string
	for _, prefix := range []string{"/protected/", "/media", "/media/", "/static/", "/", ""} {
		for _, dd := range dotdots {
			vs = append(vs, prefix+dd+"secret-in-site.txt")
		}
	}
	for _, dd := range dotdots[:10] {
		vs = append(vs, "/protected/"+dd+dd+"secret/secret.txt", "/media"+dd+dd+"secret/secret.txt")
	}
	long := strings.Repeat("b", 300)
	vs = append(vs,
		"/protected/doc.txt", "/protected/doc.txt.", "/protected/doc.txt ", "/protected/doc.txt%20", "/protected/doc.txt%2e",
		"/protected/doc.txt%00", "/protected/doc.txt%00.jpg", "/protected/a\\b.txt", "/protected/a%5cb.txt", "/protected/sub;x/e.txt",
		"/protected/sub%3bx/e.txt", "/protected/..x", "/protected/..", "/protected/...", "/protected/..%2e", "/protected/%2e%2e",
		"/protected/link-out/secret.txt", "/protected/link-out/sub/deep.txt", "/protected/link-secret.txt", "/protected/link-out/../secret.txt",
		"/protected//doc.txt", "/protected///sub//d.txt", "//protected/doc.txt", "/protected/./doc.txt", "/protected/sub/./d.txt",
		"/protected-sibling/ps.txt", "/protected../protected-sibling/ps.txt", "/media../secret-in-site.txt", "/media-x/mx.txt",
		"/media../media-x/mx.txt", "/media..%2fsecret-in-site.txt", "/media%2e%2e/secret-in-site.txt", "/media/loop", "/media/loop/x",
		"/media"+long, "/protected/"+long, "/protected/"+long+"/../doc.txt", "/protected/"+strings.Repeat("../", 120),
		"-sibling/ps.txt", "/../secret-in-site.txt", "..", "../", "../secret-in-site.txt", "..?x", "/protected/..?x",
		"%2e%2e/secret-in-site.txt", "/protected/%252e%252e/secret-in-site.txt", "/static/s.txt", "/static/..%2fsecret-in-site.txt",
		"/p.txt", "p.txt", "/public/../secret-in-site.txt", "@", "@/../secret", "/protected/\x01doc.txt", "/protected/doc\x7f.txt",
		"/protected/\xff", "/protected/%ff", "/protected/%c0%ae%c0%ae/", "/protected/%u002e%u002e/secret-in-site.txt",
		"/protected/.%00./secret-in-site.txt", "/protected/..\x00/secret-in-site.txt",
	)
	return vs
}

// goBadRequest is the body net/http answers a malformed request line with.
const goBadRequest = "400 Bad Request"

// TestTraversalAgainstNginx sends a corpus of path-traversal attempts, as
// client request targets and as X-Accel-Redirect values, to real nginx and
// to the emulator. The emulator must never serve a file nginx does not
// serve for the same request; it should answer exactly like nginx.
func TestTraversalAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	backend := scriptBackend(t)
	conf := strings.ReplaceAll(traversalConf, "BACKEND", backend)
	ng := realnginx.StartHTTP(t, conf, traversalFiles)
	for link, to := range traversalSymlinks {
		if err := os.Symlink(to, filepath.Join(ng.Prefix, filepath.FromSlash(link))); err != nil {
			t.Fatal(err)
		}
	}
	emu, _ := startEmulator(t, conf, ng.Prefix, Options{})

	type req struct{ kind, what string }
	var reqs []req
	targets, values := traversalTargets(), traversalValues()
	for _, tg := range targets {
		reqs = append(reqs, req{"target", tg})
	}
	for _, v := range values {
		reqs = append(reqs, req{"X-Accel-Redirect", v})
	}
	if len(targets) < 100 || len(values) < 100 {
		t.Fatalf("%d targets and %d values: the corpus is too small", len(targets), len(values))
	}
	leaks, mismatches, frontRejects, outside := 0, 0, 0, 0
	for _, rq := range reqs {
		var raw []byte
		if rq.kind == "target" {
			raw = realnginx.RawRequest("GET", rq.what, nil, "")
		} else {
			raw = realnginx.RawRequest("GET", "/app/x?"+query("h", "X-Accel-Redirect: "+rq.what), nil, "")
		}
		want, got := sendBoth(t, ng, emu, raw)
		if strings.Contains(string(want.Body), "FILE secret/") || strings.Contains(string(want.Body), "FILE site/secret-in-site") {
			outside++
		}
		// A leak: the emulator's body shows a file that nginx's does not.
		for _, content := range traversalFiles {
			marker := strings.TrimSuffix(content, "\n")
			if strings.Contains(string(got.Body), marker) && !strings.Contains(string(want.Body), marker) {
				leaks++
				t.Errorf("LEAK %s %q: the emulator serves %q (%d), nginx answers %d %q", rq.kind, rq.what, marker, got.Status, want.Status, clip(want.Body))
			}
		}
		problems := diffResponses(want, got)
		switch {
		case len(problems) == 0:
		case want.Status == 400 && got.Status == 400 && string(got.Body) == goBadRequest:
			// net/http rejects the request line (a raw space or control
			// byte, a bad %-escape) before the handler runs, with its own
			// page: same status, not nginx's HTML.
			frontRejects++
		default:
			mismatches++
			t.Errorf("%s %q:\n  %s", rq.kind, rq.what, strings.Join(problems, "\n  "))
		}
	}
	t.Logf("%d client targets and %d X-Accel-Redirect values compared with nginx: %d leaks, %d mismatches, "+
		"%d rejected with 400 by net/http before the handler (nginx: 400 too, with its HTML page); "+
		"nginx itself served a file outside the document roots %d times",
		len(targets), len(values), leaks, mismatches, frontRejects, outside)
}
