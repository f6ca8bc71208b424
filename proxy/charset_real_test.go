//go:build unix

package proxy

import (
	"net/http"
	"strings"
	"testing"

	"github.com/xaccel/xaccel/internal/realnginx"
)

// TestCharsetRecodeAgainstNginx compares the charset filter with nginx:
// a body recoded between two charsets of a charset_map (both ways, with
// ranges, multipart ones included, and an error page), a charset from a
// variable (known, unknown, empty).
func TestCharsetRecodeAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	conf := `
charset_map B A { 58 59; 41 61; }
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    root {{PREFIX}}/html;
    location /ba/ { charset A; source_charset B; }
    location /ab/ { charset B; source_charset A; }
    location /var/ { charset $arg_c; }
    location /missing/ { charset A; source_charset B; }
    location /known/ { charset utf-8; }
}
`
	body := strings.Repeat("XAYa-", 40)
	files := map[string]string{}
	for _, d := range []string{"ba", "ab", "var"} {
		files["html/"+d+"/f.html"] = body
	}
	ng := realnginx.StartHTTP(t, conf, files)
	emu, _ := startEmulator(t, conf, ng.Prefix, Options{})
	cases := []struct {
		target string
		h      http.Header
	}{
		{"/ba/f.html", nil}, {"/ab/f.html", nil},
		{"/ba/f.html", http.Header{"Range": {"bytes=0-9"}}},
		{"/ba/f.html", http.Header{"Range": {"bytes=0-4,10-14"}}},
		{"/missing/nx.html", nil},
		{"/var/f.html?c=utf-8", nil}, {"/var/f.html?c=A", nil}, {"/var/f.html?c=unknown", nil},
	}
	for _, c := range cases {
		want, got := sendBoth(t, ng, emu, realnginx.RawRequest("GET", c.target, c.h, ""))
		if problems := diffResponses(want, got); len(problems) > 0 {
			t.Errorf("%s %v:\n  %s", c.target, c.h, strings.Join(problems, "\n  "))
		}
	}
	// A charset variable without a value: nginx ends the connection
	// without an answer, and so does serve.
	raw := realnginx.RawRequest("GET", "/var/f.html", nil, "")
	if _, err := ng.DoRaw(raw); err == nil {
		t.Errorf("nginx answered a charset variable without a value")
	}
	if resp, err := realnginx.SendRaw(emu, raw); err == nil {
		t.Errorf("serve answered a charset variable without a value: %d", resp.Status)
	}
}
