//go:build unix

package proxy

import (
	"net/http"
	"strings"
	"testing"

	"github.com/xaccel/xaccel/internal/realnginx"
)

// TestTokensAndRefreshAgainstNginx compares the Server header and the
// built-in pages under server_tokens (default, on, off, build), and the
// page msie_refresh sends MSIE for a 301 or 302 (escaped Location, status
// 200, not for other browsers or other statuses, through error_page, from
// the static handler's directory redirect). serve names the nginx version
// it was checked against: where the nginx here is another version, its
// answers are compared with that version put in their place.
func TestTokensAndRefreshAgainstNginx(t *testing.T) {
	t.Parallel()
	bin := realnginx.Require(t)
	version, err := realnginx.Version(bin)
	if err != nil {
		t.Fatal(err)
	}
	conf := `
server {
    listen 127.0.0.1:{{PORT}};
    root {{PREFIX}}/html;
    location /off/ { server_tokens off; return 404; }
    location /on/ { server_tokens on; return 404; }
    location /b/ { server_tokens build; return 200 "x\n"; }
    location /def/ { return 500; }
    location /r/ {
        msie_refresh on;
        location /r/text { return 301 text; }
        location /r/space { return 302 "/a b\"c'd%e?f#g"; }
        location /r/abs { return 301 http://example.com/x; }
        location /r/307 { return 307 /y; }
        location /r/ep { return 301; error_page 301 text; }
        location /r/ep301 { return 404; error_page 404 =301 /abs; }
        location /r/ep302 { return 404; error_page 404 =302 "/a b"; }
        location /r/epuri { return 404; error_page 404 http://example.com/; }
        location /r/dir { }
        location /r/off { msie_refresh off; return 301 /off; }
    }
}
`
	files := map[string]string{"html/r/dir/index.html": "d\n", "html/r/dir sp/index.html": "d\n"}
	ng := realnginx.StartHTTP(t, conf, files)
	emu, _ := startEmulator(t, conf, ng.Prefix, Options{})
	agents := []string{"", "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)", "MSIE foo", "Opera/9.80 MSIE 7.0",
		"Mozilla/5.0 Chrome/120.0 Safari/537.36"}
	for _, target := range []string{"/off/", "/on/", "/b/", "/def/", "/r/text", "/r/space", "/r/abs", "/r/307", "/r/ep", "/r/ep301", "/r/ep302", "/r/epuri", "/r/dir", "/r/dir%20sp", "/r/dir?a=b", "/r/off", "/nx"} {
		for _, ua := range agents {
			for _, method := range []string{"GET", "HEAD"} {
				h := http.Header{}
				if ua != "" {
					h.Set("User-Agent", ua)
				}
				want, got := sendBoth(t, ng, emu, realnginx.RawRequest(method, target, h, ""))
				if version != nginxVersion {
					for i, v := range want.Header["Server"] {
						want.Header["Server"][i] = strings.Replace(v, "nginx/"+version, "nginx/"+nginxVersion, 1)
					}
					want.Body = []byte(strings.Replace(string(want.Body), "nginx/"+version, "nginx/"+nginxVersion, 1))
				}
				if problems := diffResponses(want, got); len(problems) > 0 {
					t.Errorf("%s %s (User-Agent %q):\n  %s", method, target, ua, strings.Join(problems, "\n  "))
				}
			}
		}
	}
}
