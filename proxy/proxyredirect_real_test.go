//go:build unix

package proxy

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/xaccel/xaccel/internal/realnginx"
)

// TestProxyRedirectRegexAgainstNginx compares Location and Refresh after
// proxy_redirect rules that are regular expressions: with captures,
// without case, anywhere in the value, and a literal rule before them.
func TestProxyRedirectRegexAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		to := r.URL.Query().Get("to")
		w.Header().Set("Location", to)
		w.Header().Set("Refresh", "5; url="+to)
		w.WriteHeader(http.StatusFound)
		io.WriteString(w, "moved\n")
	}))
	t.Cleanup(app.Close)
	conf := `
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    location / {
        proxy_pass ` + app.URL + `;
        proxy_redirect http://literal.example/ /lit/;
        proxy_redirect ~^(.+)/regex_w_([^/]+) $1/$2/test.html;
        proxy_redirect ~*re+gexp? /replaced/test.html;
    }
}
`
	ng := realnginx.StartHTTP(t, conf, nil)
	emu, _ := startEmulator(t, conf, ng.Prefix, Options{})
	for _, to := range []string{
		"http://literal.example/a", "http://h.example/one/regex_w_two", "http://h.example/x/REEEGEX",
		"/path/regexp/more", "http://nomatch.example/", "/regex_w_x",
	} {
		want, got := sendBoth(t, ng, emu, realnginx.RawRequest("GET", "/go?to="+to, nil, ""))
		for _, h := range []string{"Location", "Refresh"} {
			w, g := want.Header.Get(h), got.Header.Get(h)
			w, g = normalize(w), normalize(g) // the two listen on different ports
			if w != g {
				t.Errorf("to %s: %s nginx %q, serve %q", to, h, w, g)
			}
		}
	}
}
