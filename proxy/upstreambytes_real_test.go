//go:build unix

package proxy

import (
	"io"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/xaccel/xaccel/internal/realnginx"
)

const upstreamBytesConf = `
log_format up '$request_method $uri $status url=$upstream_response_length '
              'ubr=$upstream_bytes_received ubs=$upstream_bytes_sent st=$upstream_status';
upstream two { server 127.0.0.1:DEAD; server BACKEND; }
server {
    listen 127.0.0.1:{{PORT}};
    server_name localhost;
    root {{PREFIX}}/www;
    access_log {{PREFIX}}/logs/WHO.log up;
    location /p/ { proxy_pass http://BACKEND; }
    location /nb/ { proxy_pass http://BACKEND; proxy_buffering off; }
    location /c/ { proxy_pass http://CHUNKED; }
    location /two/ { proxy_pass http://two; }
    location /f/ { }
}
`

// TestUpstreamBytesAgainstNginx compares, through the access log,
// $upstream_response_length, $upstream_bytes_received and
// $upstream_bytes_sent for proxied requests: a body with a length, one the
// connection ends, a chunked one, with and without proxy_buffering, a HEAD,
// a 204, a request body, an X-Accel-Redirect, and a second server after a
// refused connection (the values of each server tried, in order).
func TestUpstreamBytesAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	backend := scriptBackend(t)
	chunked := chunkedBackend(t)
	dead := strconv.Itoa(freeLoopbackPort(t))
	r := strings.NewReplacer("BACKEND", backend, "CHUNKED", chunked, "DEAD", dead)
	conf := strings.ReplaceAll(r.Replace(upstreamBytesConf), "WHO", "nginx")
	files := map[string]string{"www/f/a.txt": "a file\n"}
	ng := realnginx.StartHTTP(t, conf, files)
	emu, _ := startEmulator(t, strings.NewReplacer("WHO", "serve").Replace(r.Replace(upstreamBytesConf)), ng.Prefix, Options{})

	closing := "Host: localhost\r\nConnection: close\r\n"
	requests := []string{
		"GET /p/x HTTP/1.1\r\n" + closing + "\r\n",
		"GET /p/x?nocl=1 HTTP/1.1\r\n" + closing + "\r\n",
		"HEAD /p/x HTTP/1.1\r\n" + closing + "\r\n",
		"GET /p/x?s=204 HTTP/1.1\r\n" + closing + "\r\n",
		"POST /p/x HTTP/1.1\r\n" + closing + "Content-Length: 5\r\n\r\nhello",
		"GET /p/x?h=X-Accel-Redirect:%20/f/a.txt HTTP/1.1\r\n" + closing + "\r\n",
		"GET /nb/x HTTP/1.1\r\n" + closing + "\r\n",
		"GET /nb/x?nocl=1 HTTP/1.1\r\n" + closing + "\r\n",
		"GET /c/x HTTP/1.1\r\n" + closing + "\r\n",
		"GET /two/x HTTP/1.1\r\n" + closing + "\r\n",
	}
	logsAgree(t, ng, emu, requests, len(requests))
}

// chunkedBackend answers every request on a new 127.0.0.1 port with a
// chunked body of two chunks, then closes the connection.
func chunkedBackend(t *testing.T) string {
	t.Helper()
	return realnginx.ServeRaw(t, func(c net.Conn) {
		defer c.Close()
		buf := make([]byte, 4096)
		n, _ := c.Read(buf)
		if n == 0 {
			return
		}
		io.WriteString(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n7\r\n world\n\r\n0\r\n\r\n")
	})
}

// TestUpstreamBytesFastCGIAndUWSGIAgainstNginx is TestUpstreamBytesAgainstNginx
// for php-fpm and uWSGI apps: what nginx counts there is the protocol's
// bytes (FastCGI records with their headers and padding, uwsgi's request
// packet), and the body's length from where the app's header ended.
func TestUpstreamBytesFastCGIAndUWSGIAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	fpm := phpFPMBinary()
	if fpm == "" {
		realnginx.SkipOrFail(t, "php-fpm not found (apt-get install php-fpm)")
	}
	uw, err := exec.LookPath("uwsgi")
	if err != nil || !fileExists("/usr/lib/uwsgi/plugins/python3_plugin.so") {
		realnginx.SkipOrFail(t, "uwsgi or its python3 plugin not found (apt-get install uwsgi-core uwsgi-plugin-python3)")
	}
	fsock := startPHPFPM(t, fpm)
	usock := startUWSGI(t, uw, `def application(env, start):
    n = int(env.get('QUERY_STRING') or '100')
    start('200 OK', [('Content-Type', 'text/plain')])
    return [b'u' * n]
`)
	const confTmpl = `
log_format up '$request_method $uri $status url=$upstream_response_length '
              'ubr=$upstream_bytes_received ubs=$upstream_bytes_sent';
server {
    listen 127.0.0.1:{{PORT}};
    server_name localhost;
    root {{PREFIX}}/www;
    access_log {{PREFIX}}/logs/WHO.log up;
    location /php/ {
        fastcgi_param SCRIPT_FILENAME {{PREFIX}}/www/body.php;
        fastcgi_param QUERY_STRING $query_string;
        fastcgi_param REQUEST_METHOD $request_method;
        fastcgi_pass unix:FSOCK;
    }
    location /py/ {
        uwsgi_param QUERY_STRING $query_string;
        uwsgi_param REQUEST_METHOD $request_method;
        uwsgi_pass unix:USOCK;
    }
}
`
	r := strings.NewReplacer("FSOCK", fsock, "USOCK", usock)
	files := map[string]string{"www/body.php": `<?php
if (($_GET['s'] ?? '') !== '') { header('Status: ' . $_GET['s']); }
echo str_repeat('p', (int)($_GET['n'] ?? 100));
`}
	ng := realnginx.StartHTTP(t, strings.ReplaceAll(r.Replace(confTmpl), "WHO", "nginx"), files)
	emu, _ := startEmulator(t, strings.NewReplacer("WHO", "serve").Replace(r.Replace(confTmpl)), ng.Prefix, Options{})
	closing := "Host: localhost\r\nConnection: close\r\n"
	requests := []string{
		"GET /php/?n=100 HTTP/1.1\r\n" + closing + "\r\n",
		"GET /php/?n=70000 HTTP/1.1\r\n" + closing + "\r\n",
		"GET /php/?n=5&s=404%20Gone HTTP/1.1\r\n" + closing + "\r\n",
		"HEAD /php/?n=100 HTTP/1.1\r\n" + closing + "\r\n",
		"POST /php/?n=3 HTTP/1.1\r\n" + closing + "Content-Length: 5\r\n\r\nhello",
		"GET /py/?100 HTTP/1.1\r\n" + closing + "\r\n",
		"GET /py/?70000 HTTP/1.1\r\n" + closing + "\r\n",
		"POST /py/?3 HTTP/1.1\r\n" + closing + "Content-Length: 5\r\n\r\nhello",
	}
	logsAgree(t, ng, emu, requests, len(requests))
}
