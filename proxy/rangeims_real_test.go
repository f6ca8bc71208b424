//go:build unix

package proxy

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xaccel/xaccel/internal/realnginx"
	"github.com/xaccel/xaccel/nginx"
)

const rangeIMSConf = `
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    root {{PREFIX}}/www;
    location /none/ { max_ranges 0; }
    location /one/ { max_ranges 1; }
    location /two/ { max_ranges 2; }
    location /off/ { if_modified_since off; }
    location /before/ { if_modified_since before; }
    location /exact/ { if_modified_since exact; }
    location /st/ { add_header X-St "$status $sent_http_content_range $sent_http_accept_ranges $sent_http_content_type" always; }
}
`

// TestRangesAndIMSAgainstNginx compares max_ranges (0, 1, 2 against one,
// two and three ranges) and if_modified_since (off, exact, before against
// an If-Modified-Since equal to, after and before the file's time, alone
// and with a matching If-None-Match), and the $status add_header sees: 200
// for a 206 (the range filter runs after the headers filter), 304 (the
// not-modified filter runs before it).
func TestRangesAndIMSAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	files := map[string]string{}
	for _, d := range []string{"none", "one", "two", "off", "before", "exact", "st"} {
		files["www/"+d+"/f.txt"] = "0123456789abcdef\n"
	}
	ng := realnginx.StartHTTP(t, rangeIMSConf, files)
	mtime := time.Date(2022, 5, 1, 10, 0, 0, 0, time.UTC)
	for _, d := range []string{"none", "one", "two", "off", "before", "exact", "st"} {
		if err := os.Chtimes(ng.Path("www/"+d+"/f.txt"), mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	src := strings.NewReplacer("{{PORT}}", "0", "{{PREFIX}}", ng.Prefix).Replace(rangeIMSConf)
	cfg := nginx.LoadBytes(filepath.Join(ng.Prefix, "conf", "nginx.conf"), []byte(src), nginx.LoadOptions{})
	if len(cfg.Errors) > 0 {
		t.Fatal(cfg.Errors[0])
	}
	h, warns, err := New(cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range warns {
		t.Errorf("warning: %v", w)
	}
	emu := serveHandler(t, h)
	etag := `"626e5a20-11"`
	type hdrs = map[string]string
	var cases []hdrs
	for _, r := range []string{"bytes=0-1", "bytes=0-1,4-5", "bytes=0-1,4-5,8-9", "bytes=100-"} {
		cases = append(cases, hdrs{"Range": r})
	}
	for _, when := range []time.Time{mtime, mtime.Add(time.Hour), mtime.Add(-time.Hour)} {
		ims := when.Format(http.TimeFormat)
		cases = append(cases, hdrs{"If-Modified-Since": ims}, hdrs{"If-Modified-Since": ims, "If-None-Match": etag})
	}
	for _, d := range []string{"none", "one", "two", "off", "before", "exact", "st"} {
		for _, c := range cases {
			hd := http.Header{}
			for k, v := range c {
				hd.Set(k, v)
			}
			raw := realnginx.RawRequest("GET", "/"+d+"/f.txt", hd, "")
			want, got := sendBoth(t, ng, emu, raw)
			if problems := diffResponses(want, got); len(problems) > 0 {
				t.Errorf("GET /%s/f.txt %v:\n  %s", d, c, strings.Join(problems, "\n  "))
			}
		}
	}
}

// TestIfRangeAddedValidatorsAgainstNginx: If-Range is compared with the
// Last-Modified and ETag add_header gives a file (the headers filter runs
// before the range filter), If-Modified-Since with the file's own (the
// not-modified filter runs first), as in nginx.
func TestIfRangeAddedValidatorsAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	conf := `
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    root {{PREFIX}}/html;
    location /lm/ { add_header Last-Modified "Mon, 28 Sep 1970 06:00:00 GMT"; }
    location /et/ { add_header ETag '"tag"'; }
    location /none/ { add_header Last-Modified ""; add_header ETag ""; }
    location /bad/ { add_header Last-Modified "yesterday"; }
}
`
	files := map[string]string{}
	for _, d := range []string{"lm", "et", "none", "bad"} {
		files["html/"+d+"/f.txt"] = "0123456789abcdefghij"
	}
	ng := realnginx.StartHTTP(t, conf, files)
	emu, _ := startEmulator(t, conf, ng.Prefix, Options{})
	lm, err := os.Stat(filepath.Join(ng.Prefix, "html/lm/f.txt"))
	if err != nil {
		t.Fatal(err)
	}
	fileDate := lm.ModTime().UTC().Format(http.TimeFormat)
	for _, d := range []string{"lm", "et", "none", "bad"} {
		for _, h := range []http.Header{
			{"Range": {"bytes=0-4"}, "If-Range": {"Mon, 28 Sep 1970 06:00:00 GMT"}},
			{"Range": {"bytes=0-4"}, "If-Range": {fileDate}},
			{"Range": {"bytes=0-4"}, "If-Range": {`"tag"`}},
			{"Range": {"bytes=0-4,6-8"}, "If-Range": {"Mon, 28 Sep 1970 06:00:00 GMT"}},
			{"If-Modified-Since": {fileDate}},
			{"If-Modified-Since": {"Mon, 28 Sep 1970 06:00:00 GMT"}},
		} {
			want, got := sendBoth(t, ng, emu, realnginx.RawRequest("GET", "/"+d+"/f.txt", h, ""))
			if problems := diffResponses(want, got); len(problems) > 0 {
				t.Errorf("/%s/f.txt %v:\n  %s", d, h, strings.Join(problems, "\n  "))
			}
		}
	}
}
