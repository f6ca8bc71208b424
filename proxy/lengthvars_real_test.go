//go:build unix

package proxy

import (
	"strings"
	"testing"

	"github.com/xaccel/xaccel/internal/realnginx"
)

const lengthVarsConf = `
log_format lengths '$request_method $uri $status rl=$request_length bs=$bytes_sent bbs=$body_bytes_sent '
                   'pipe=$pipe done=$request_completion tr=$sent_trailer_x_t';
server {
    listen 127.0.0.1:{{PORT}};
    server_name localhost;
    root {{PREFIX}}/www;
    access_log {{PREFIX}}/logs/WHO.log lengths;
    location /f/ { }
    location /t/ { add_trailer X-T "tv"; }
    location /r/ { return 200 "returned\n"; }
    location /p/ { proxy_pass http://BACKEND; }
    location /pt/ { proxy_pass http://BACKEND; add_trailer X-T "pt"; }
}
`

// TestLengthVariablesAgainstNginx compares, through the access log, the
// variables that count a request's bytes and say how it went: $request_length
// (the request line, the header and the body as they came in, chunked framing
// and ignored lines included), $bytes_sent (the whole response, header, chunk
// framing and trailer; the app's own reason phrase, which nginx passes on,
// included), $pipe, $request_completion and $sent_trailer_*.
func TestLengthVariablesAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	backend := scriptBackend(t)
	conf := strings.NewReplacer("BACKEND", backend, "WHO", "nginx").Replace(lengthVarsConf)
	files := map[string]string{"www/f/a.txt": "a file\n", "www/t/a.txt": "trailed\n"}
	ng := realnginx.StartHTTP(t, conf, files)
	emu, _ := startEmulator(t, strings.NewReplacer("BACKEND", backend, "WHO", "serve").Replace(lengthVarsConf), ng.Prefix, Options{})

	closing := "Host: localhost\r\nConnection: close\r\n"
	requests := []string{
		"GET /f/a.txt HTTP/1.1\r\n" + closing + "\r\n",
		"\r\n\r\nGET /f/a.txt HTTP/1.1\r\n" + closing + "\r\n", // empty lines first
		"GET /f/a.txt HTTP/1.0\r\n\r\n",
		"HEAD /f/a.txt HTTP/1.1\r\n" + closing + "\r\n",
		"GET /f/missing HTTP/1.1\r\n" + closing + "X-Long: " + strings.Repeat("l", 1500) + "\r\n\r\n",
		"GET /f/a.txt HTTP/1.1\r\n" + closing + "X@Bad: ignored\r\n\r\n",
		"GET /t/a.txt HTTP/1.1\r\n" + closing + "\r\n",
		"GET /t/a.txt HTTP/1.0\r\n\r\n",
		"GET /r/x HTTP/1.1\r\n" + closing + "\r\n",
		"POST /r/x HTTP/1.1\r\n" + closing + "Content-Length: 5\r\n\r\nhello",
		"POST /p/x HTTP/1.1\r\n" + closing + "Content-Length: 5\r\n\r\nhello",
		"POST /p/x HTTP/1.1\r\n" + closing + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n3\r\nabc\r\n0\r\n\r\n",
		"GET /p/x?nocl=1 HTTP/1.1\r\n" + closing + "\r\n",
		"GET /p/x?s=404 HTTP/1.1\r\n" + closing + "\r\n",
		"GET /pt/x HTTP/1.1\r\n" + closing + "\r\n",
		"POST /f/a.txt HTTP/1.1\r\n" + closing + "Content-Length: 3\r\n\r\nabc",
		// Pipelined: the second request was read with the first.
		"GET /f/a.txt HTTP/1.1\r\nHost: localhost\r\n\r\nGET /r/x HTTP/1.1\r\n" + closing + "\r\n",
	}
	want := logsAgree(t, ng, emu, requests, len(requests)+1) // the pipelined pair logs two
	if !strings.Contains(want, "tr=tv") || !strings.Contains(want, "pipe=p") {
		t.Errorf("nginx's log has no trailer or no pipelined request: the test checks less than it says\n%s", want)
	}
}
