//go:build unix

package proxy

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xaccel/xaccel/internal/realnginx"
	"github.com/xaccel/xaccel/nginx"
)

// xarBackend is a small app behind both nginx and the emulator: it answers
// /download/NAME with X-Accel-Redirect to the value of ?to= (or
// /protected/NAME) and the headers a Django-style view sends.
func xarBackend(t *testing.T) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/download/", func(w http.ResponseWriter, r *http.Request) {
		to := "/protected/" + strings.TrimPrefix(r.URL.Path, "/download/")
		if v, ok := r.URL.Query()["to"]; ok {
			to = v[0]
		}
		h := w.Header()
		h.Set("X-Accel-Redirect", to)
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Disposition", `attachment; filename="report.txt"`)
		h.Set("Cache-Control", "private, no-store")
		h.Add("Set-Cookie", "a=1; Path=/")
		h.Add("Set-Cookie", "b=2; Path=/")
		h.Set("X-Other", "dropped")
		h.Set("ETag", `"upstream"`)
		if r.URL.Query().Get("plain") == "1" {
			h.Del("Content-Type")
			h["Content-Type"] = nil
		}
		w.WriteHeader(http.StatusOK)
		fmt.Fprintf(w, "app body for %s %s", r.Method, r.URL.RequestURI())
	})
	mux.HandleFunc("/app/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("X-Accel-Expires", "60")
		w.Header().Set("X-Kept", "yes")
		fmt.Fprintf(w, "app %s %s host=%s", r.Method, r.URL.RequestURI(), r.Host)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}}
	srv.Start()
	t.Cleanup(srv.Close)
	return ln.Addr().String()
}

// server_tokens off: the emulator's error pages name no nginx version.
const xarConfig = `server_tokens off;
server {
    listen 127.0.0.1:{{PORT}};
    location / {
        proxy_pass http://BACKEND;
    }
    location /app/ {
        proxy_pass http://BACKEND/app/;
    }
    location ^~ /protected/ {
        internal;
        alias {{PREFIX}}/files/;
        add_header X-Content-Type-Options "nosniff" always;
    }
    location /media {
        internal;
        alias {{PREFIX}}/files;
    }
    location = /ret {
        return 200 "uri=$uri args=$args method=$request_method";
    }
    location @named {
        return 200 "named uri=$uri args=$args";
    }
}
`

// TestXAccelAgainstNginx sends the same requests to real nginx and to the
// emulator on the same config and backend, and compares what a client
// sees.
func TestXAccelAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	backend := xarBackend(t)
	conf := strings.ReplaceAll(xarConfig, "BACKEND", backend)
	files := map[string]string{
		"files/a.txt":         "protected a\n",
		"files/big.bin":       strings.Repeat("0123456789", 1000),
		"files/sub/b.txt":     "nested b\n",
		"files/sp ace.txt":    "space\n",
		"files/q?mark.txt":    "question\n",
		"files/page.html":     "<p>html</p>\n",
		"files/sub/x/c.txt":   "deep\n",
		"files-sibling/s.txt": "sibling\n",
	}
	ng := realnginx.StartHTTP(t, conf, files)

	// The emulator serves the same files from its own copy of the tree.
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		// same mtime as nginx's copy, so ETag and Last-Modified agree
		st, err := os.Stat(ng.Path(name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, st.ModTime(), st.ModTime()); err != nil {
			t.Fatal(err)
		}
	}
	cfg := nginx.LoadBytes("xar.conf", []byte(strings.NewReplacer("{{PORT}}", "0", "{{PREFIX}}", dir).Replace(conf)), nginx.LoadOptions{Prefix: dir})
	if len(cfg.Errors) > 0 {
		t.Fatalf("config: %v", cfg.Errors[0])
	}
	h, _, err := New(cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	emuAddr := serveHandler(t, h)

	type req struct {
		method, target string
		header         http.Header
	}
	hdr := func(kv ...string) http.Header {
		h := http.Header{}
		for i := 0; i+1 < len(kv); i += 2 {
			h.Set(kv[i], kv[i+1])
		}
		return h
	}
	reqs := []req{
		{"GET", "/download/a.txt", nil},
		{"HEAD", "/download/a.txt", nil},
		{"POST", "/download/a.txt", hdr("Content-Type", "text/plain", "Content-Length", "0")},
		{"GET", "/download/a.txt?plain=1", nil},
		{"GET", "/download/missing.txt", nil},
		{"GET", "/download/sub/b.txt", nil},
		{"GET", "/download/x?to=/protected/sp%20ace.txt", nil},
		{"GET", "/download/x?to=/protected/q%3Fmark.txt", nil},
		{"GET", "/download/x?to=/protected/q?mark.txt", nil},
		{"GET", "/download/x?to=/protected/sub", nil},
		{"GET", "/download/x?to=/protected/sub/", nil},
		{"GET", "/download/x?to=/protected/../files/a.txt", nil},
		{"GET", "/download/x?to=/protected/%2e%2e/a.txt", nil},
		{"GET", "/download/x?to=", nil},
		{"GET", "/download/x?to=@named", nil},
		{"GET", "/download/x?to=@nowhere", nil},
		{"GET", "/download/x?to=/ret?a=1", nil},
		{"POST", "/download/x?to=/ret", hdr("Content-Length", "0")},
		{"GET", "/download/x?to=/media/a.txt", nil},
		{"GET", "/download/x?to=/media-sibling/s.txt", nil},
		{"GET", "/download/x?to=/protected/page.html", nil},
		{"GET", "/download/x?to=/protected/page.html&plain=1", nil},
		{"GET", "/download/big.bin", hdr("Range", "bytes=0-9")},
		{"GET", "/download/big.bin", hdr("Range", "bytes=5-")},
		{"GET", "/download/big.bin", hdr("Range", "bytes=99999-")},
		{"GET", "/download/a.txt", hdr("If-None-Match", "*")},
		{"GET", "/protected/a.txt", nil},
		{"GET", "/media/a.txt", nil},
		{"GET", "/ret?x=1", nil},
		{"GET", "/app/path?q=1", nil},
		{"HEAD", "/app/path", nil},
		{"GET", "/app", nil},
		{"GET", "/%2e%2e/x", nil},
		{"GET", "/download/a.txt", hdr("If-Match", `"nope"`)},
	}
	// Headers a client relies on; Date, Expires and Server are nginx's own.
	compared := []string{"Content-Type", "Content-Disposition", "Cache-Control", "Set-Cookie", "Content-Range",
		"Content-Length", "ETag", "Last-Modified", "X-Content-Type-Options", "Accept-Ranges", "X-Kept", "X-Other"}
	diffs := 0
	for _, rq := range reqs {
		want, err := ng.Do(rq.method, rq.target, rq.header)
		if err != nil {
			t.Fatalf("nginx %s %s: %v", rq.method, rq.target, err)
		}
		got, err := realnginx.Send(emuAddr, rq.method, rq.target, rq.header)
		if err != nil {
			t.Fatalf("emulator %s %s: %v", rq.method, rq.target, err)
		}
		var problems []string
		if want.Status != got.Status {
			problems = append(problems, fmt.Sprintf("status nginx %d, emulator %d", want.Status, got.Status))
		}
		if string(want.Body) != string(got.Body) {
			problems = append(problems, fmt.Sprintf("body nginx %q, emulator %q", clip(want.Body), clip(got.Body)))
		}
		for _, k := range compared {
			if w, g := strings.Join(want.Header.Values(k), " | "), strings.Join(got.Header.Values(k), " | "); w != g {
				problems = append(problems, fmt.Sprintf("%s nginx %q, emulator %q", k, w, g))
			}
		}
		if w, g := locationPath(want.Header.Get("Location")), locationPath(got.Header.Get("Location")); w != g {
			problems = append(problems, fmt.Sprintf("Location nginx %q, emulator %q", w, g))
		}
		for k := range got.Header {
			if strings.HasPrefix(strings.ToLower(k), "x-accel-") {
				problems = append(problems, "emulator shows "+k)
			}
		}
		if len(problems) > 0 {
			diffs++
			t.Errorf("%s %s:\n  %s", rq.method, rq.target, strings.Join(problems, "\n  "))
		}
	}
	t.Logf("%d requests compared, %d differ", len(reqs), diffs)
}

func clip(b []byte) string {
	if len(b) > 120 {
		return string(b[:120]) + "..."
	}
	return string(b)
}

// locationPath is the path and query of a Location (the host and port
// differ between the two servers).
func locationPath(loc string) string {
	if i := strings.Index(loc, "://"); i >= 0 {
		rest := loc[i+3:]
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			return rest[j:]
		}
		return ""
	}
	return loc
}
