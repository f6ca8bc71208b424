//go:build unix

package proxy

import (
	"strconv"
	"strings"
	"testing"

	"github.com/xaccel/xaccel/internal/realnginx"
)

// TestExpiresAgainstNginx compares expires with nginx: a time, a negative
// one, modified (from the file's Last-Modified), a time of day, epoch and
// max, values from a variable, valid or not, and add_header replacing
// Last-Modified (which expires modified then counts from) and removing ETag. Expires may differ by a
// few seconds between the two servers, and max-age by as much.
func TestExpiresAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	conf := `
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    root {{PREFIX}}/www;
    location /access/ { expires 1h; }
    location /negative/ { expires -1h; }
    location /modified/ { expires modified +2h; }
    location /daily/ { expires @3h30m; }
    location /epoch/ { expires epoch; }
    location /max/ { expires max; }
    location /off/ { expires off; }
    location /var/ { expires $arg_e; }
    location /varmod/ { expires modified $arg_e; }
    location /lm/ { add_header Last-Modified "Mon, 28 Sep 1970 06:00:00 GMT"; add_header ETag ""; expires modified 2048; }
}
`
	files := map[string]string{}
	for _, d := range []string{"access", "negative", "modified", "daily", "epoch", "max", "off", "var", "varmod", "lm"} {
		files["www/"+d+"/f.txt"] = d + "\n"
	}
	ng := realnginx.StartHTTP(t, conf, files)
	emu, warns := startEmulator(t, conf, ng.Prefix, Options{})
	for _, w := range warns {
		t.Errorf("warning: %s", w)
	}
	maxAge := func(v string) (int, bool) {
		n, err := strconv.Atoi(strings.TrimPrefix(v, "max-age="))
		return n, err == nil && strings.HasPrefix(v, "max-age=")
	}
	for _, target := range []string{"/access/f.txt", "/negative/f.txt", "/modified/f.txt", "/daily/f.txt", "/epoch/f.txt",
		"/max/f.txt", "/off/f.txt", "/var/f.txt?e=2048", "/var/f.txt?e=-2048", "/var/f.txt?e=epoch", "/var/f.txt?e=max",
		"/var/f.txt?e=off", "/var/f.txt?e=@33s", "/var/f.txt?e=bogus", "/var/f.txt?e=@25h", "/varmod/f.txt?e=3600", "/varmod/f.txt?e=epoch", "/varmod/f.txt?e=@1h", "/lm/f.txt", "/var/missing"} {
		want, got := sendBoth(t, ng, emu, realnginx.RawRequest("GET", target, nil, ""))
		if problems := diffResponses(want, got, "Cache-Control"); len(problems) > 0 {
			t.Errorf("GET %s:\n  %s", target, strings.Join(problems, "\n  "))
		}
		w, g := want.Header.Get("Cache-Control"), got.Header.Get("Cache-Control")
		wn, wok := maxAge(w)
		gn, gok := maxAge(g)
		if w != g && !(wok && gok && wn-gn <= 3 && gn-wn <= 3) {
			t.Errorf("GET %s: Cache-Control nginx %q, serve %q", target, w, g)
		}
	}
}
