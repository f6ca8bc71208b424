//go:build unix

package proxy

import (
	"strings"
	"testing"

	"github.com/xaccel/xaccel/internal/realnginx"
)

// TestHeaderBuffersAgainstNginx compares the answers to a long cookie, a
// long request line and a header of several long lines under
// large_client_header_buffers larger and smaller than the default.
func TestHeaderBuffersAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	long := func(n int) string { return strings.Repeat("a", n) }
	for _, setting := range []string{"large_client_header_buffers 4 16k;", "large_client_header_buffers 2 1k;", "",
		"client_header_buffer_size 2k; large_client_header_buffers 2 1k;"} {
		conf := `
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    ` + setting + `
    location / { return 200 "ok\n"; }
}
`
		ng := realnginx.StartHTTP(t, conf, nil)
		emu, _ := startEmulator(t, conf, ng.Prefix, Options{})
		for name, raw := range map[string]string{
			"12k cookie":      "GET / HTTP/1.1\r\nHost: x\r\nCookie: c=" + long(12000) + "\r\nConnection: close\r\n\r\n",
			"1.5k target":     "GET /" + long(1500) + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
			"10k target":      "GET /" + long(10000) + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
			"3 x 700 headers": "GET / HTTP/1.1\r\nHost: x\r\nX-A: " + long(700) + "\r\nX-B: " + long(700) + "\r\nX-C: " + long(700) + "\r\nConnection: close\r\n\r\n",
			"short":           "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
			"4 x 700 headers": "GET / HTTP/1.1\r\nHost: x\r\nX-A: " + long(700) + "\r\nX-B: " + long(700) + "\r\nX-C: " + long(700) + "\r\nX-D: " + long(700) + "\r\nConnection: close\r\n\r\n",
			"1018 line":       "GET / HTTP/1.1\r\nHost: x\r\nX-A: " + long(1018) + "\r\nConnection: close\r\n\r\n",
			"1019 line":       "GET / HTTP/1.1\r\nHost: x\r\nX-A: " + long(1019) + "\r\nConnection: close\r\n\r\n",
			"1020 line":       "GET / HTTP/1.1\r\nHost: x\r\nX-A: " + long(1020) + "\r\nConnection: close\r\n\r\n",
			"1010 target":     "GET /" + long(1010) + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
			"1011 target":     "GET /" + long(1011) + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
		} {
			want, got := sendBoth(t, ng, emu, []byte(raw))
			if problems := diffResponses(want, got); len(problems) > 0 {
				t.Errorf("%q, %s:\n  %s", setting, name, strings.Join(problems, "\n  "))
			}
		}
	}
}
