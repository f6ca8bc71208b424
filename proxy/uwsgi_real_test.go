//go:build unix

package proxy

import (
	"bytes"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/xaccel/xaccel/internal/realnginx"
	"github.com/xaccel/xaccel/nginx"
)

// uwsgiApp is a WSGI app answering by path: the environment it got, a
// status with headers, X-Accel-Redirect, a redirect, a large header, the
// length and digest of a POST body, and an exception.
const uwsgiApp = `import hashlib

def application(env, start):
    path = env.get('PATH_INFO', '')
    qs = env.get('QUERY_STRING', '')
    if path.startswith('/env'):
        body = env['wsgi.input'].read()
        lines = []
        for k in sorted(env):
            v = env[k]
            if isinstance(v, str) and k not in ('REMOTE_PORT',) and not k.startswith('uwsgi.'):
                lines.append('%s=%s' % (k, v))
        lines.append('body=' + body.decode('latin-1'))
        start('200 OK', [('Content-Type', 'text/plain')])
        return [('\n'.join(lines) + '\n').encode('latin-1')]
    if path == '/status':
        start('404 Not Here', [('Content-Type', 'text/plain'), ('X-App', 'one'), ('X-App', 'two'), ('Status', '201'), ('X-Accel-Buffering', 'no')])
        return [b'status body\n']
    if path == '/xar':
        start('500 Oops', [('Content-Type', 'application/x-app'), ('Set-Cookie', 's=1'), ('X-Dropped', '1'), ('X-Accel-Redirect', qs)])
        return [b'not sent\n']
    if path == '/loc':
        start('302 Found', [('Location', '/elsewhere')])
        return [b'moved\n']
    if path == '/big':
        start('200 OK', [('X-Big', 'b' * 5000)])
        return [b'big\n']
    if path == '/post':
        b = env['wsgi.input'].read()
        start('200 OK', [('Content-Type', 'text/plain')])
        return [('len=%d md5=%s ct=%s cl=%s\n' % (len(b), hashlib.md5(b).hexdigest(), env.get('CONTENT_TYPE', ''), env.get('CONTENT_LENGTH', ''))).encode()]
    if path == '/length':
        start('200 OK', [('Content-Length', '4')])
        return [b'0123']
    if path == '/error':
        raise Exception('failing on purpose')
    start('200 OK', [])
    return [b'default\n']
`

const uwsgiConf = `
server {
    listen 127.0.0.1:{{PORT}};
    server_name localhost;
    server_tokens off;
    root {{PREFIX}}/www;

    location / {
        include uwsgi_params;
        uwsgi_param EXTRA "" if_not_empty;
        uwsgi_param HTTP_X_OVER overridden;
        uwsgi_pass unix:SOCK;
        uwsgi_hide_header X-App;
        uwsgi_pass_header X-Accel-Buffering;
    }
    location /intercept/ {
        include uwsgi_params;
        uwsgi_param PATH_INFO /status;
        uwsgi_intercept_errors on;
        error_page 404 /errors/404.html;
        uwsgi_pass uwsgi://unix:SOCK;
    }
    location /small/ {
        include uwsgi_params;
        uwsgi_param PATH_INFO /status;
        uwsgi_buffer_size 64;
        uwsgi_pass unix:SOCK;
    }
    location /protected/ { internal; alias {{PREFIX}}/files/; }
    location /errors/ { }
}
`

// startUWSGI runs uWSGI with the python3 plugin on a unix socket in a new
// temporary directory, serving app, in the foreground; it is stopped by
// its pid when the test ends.
func startUWSGI(t *testing.T, bin, app string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "xaccel-uwsgi-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "app.sock")
	appPath := filepath.Join(dir, "app.py")
	if err := os.WriteFile(appPath, []byte(app), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--plugin", "python3", "--socket", sock, "--chmod-socket=666",
		"--wsgi-file", appPath, "--processes", "1", "--die-on-term", "--disable-logging")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("uwsgi: %v", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("uwsgi output:\n%s", out.String())
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("unix", sock, time.Second)
		if err == nil {
			c.Close()
			return sock
		}
		select {
		case <-exited:
			t.Fatalf("uwsgi exited: %s", out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("uwsgi did not listen on %s within 10 s: %v", sock, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestUWSGIAgainstNginx sends the same requests to nginx and to serve,
// both in front of one uWSGI running a WSGI app, with Debian's
// uwsgi_params: the variables the app sees, status lines and headers,
// hidden and passed headers, POST bodies (in memory and spooled),
// X-Accel-Redirect, intercepted errors, a header too big for
// uwsgi_buffer_size, and an exception.
func TestUWSGIAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	bin, err := exec.LookPath("uwsgi")
	if err != nil {
		realnginx.SkipOrFail(t, "uwsgi not found (apt-get install uwsgi-core uwsgi-plugin-python3)")
	}
	if !fileExists("/usr/lib/uwsgi/plugins/python3_plugin.so") {
		realnginx.SkipOrFail(t, "uWSGI's python3 plugin not found (apt-get install uwsgi-plugin-python3)")
	}
	params, err := os.ReadFile("/etc/nginx/uwsgi_params")
	if err != nil {
		realnginx.SkipOrFail(t, "Debian's /etc/nginx/uwsgi_params is missing (apt-get install nginx-common)")
	}
	sock := startUWSGI(t, bin, uwsgiApp)
	conf := strings.ReplaceAll(uwsgiConf, "SOCK", sock)
	ng := realnginx.StartHTTP(t, conf, map[string]string{
		"conf/uwsgi_params":   string(params),
		"files/doc.txt":       "protected document\n",
		"www/errors/404.html": "custom 404\n",
	})
	src := strings.NewReplacer("{{PORT}}", "0", "{{PREFIX}}", ng.Prefix).Replace(conf)
	cfg := nginx.LoadBytes(filepath.Join(ng.Prefix, "conf", "emulated.conf"), []byte(src), nginx.LoadOptions{Prefix: filepath.Join(ng.Prefix, "conf")})
	if len(cfg.Errors) > 0 {
		t.Fatalf("config: %v", cfg.Errors[0])
	}
	h, warns, err := New(cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range warns {
		t.Errorf("warning: %s", w)
	}
	emu := serveHandler(t, h)
	_, ngPort, _ := net.SplitHostPort(ng.Addr)
	_, emuPort, _ := net.SplitHostPort(emu)
	big := strings.Repeat("y", 100<<10)
	form := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	cases := []struct {
		method, target string
		header         http.Header
		body           string
	}{
		{method: "GET", target: "/env?a=1&b=%20x"},
		{method: "GET", target: "/env/x", header: http.Header{"X-Custom": {"v"}, "X-Over": {"client"}, "Cookie": {"c=1"}}},
		{method: "HEAD", target: "/env"},
		{method: "POST", target: "/env", header: form, body: "a=1&b=2"},
		{method: "POST", target: "/post", header: http.Header{"Content-Type": {"text/plain"}}, body: big},
		{method: "PUT", target: "/post"},
		{method: "GET", target: "/status"},
		{method: "HEAD", target: "/status"},
		{method: "GET", target: "/xar?/protected/doc.txt"},
		{method: "GET", target: "/xar?/protected/none.txt"},
		{method: "GET", target: "/xar?/protected/../doc.txt"},
		{method: "HEAD", target: "/xar?/protected/doc.txt"},
		{method: "GET", target: "/loc"},
		{method: "GET", target: "/big"},
		{method: "GET", target: "/length"},
		{method: "GET", target: "/error"},
		{method: "GET", target: "/intercept/"},
		{method: "GET", target: "/small/"},
		{method: "GET", target: "/other"},
	}
	diffs := 0
	for _, c := range cases {
		hd := c.header.Clone()
		if hd == nil {
			hd = http.Header{}
		}
		raw := realnginx.RawRequest(c.method, c.target, hd, c.body)
		want, got := sendBoth(t, ng, emu, raw)
		got.Body = bytes.ReplaceAll(got.Body, []byte("SERVER_PORT="+emuPort), []byte("SERVER_PORT="+ngPort))
		if problems := diffResponses(want, got, "Content-Length"); len(problems) > 0 {
			diffs++
			t.Errorf("%s %s\n  %s", c.method, c.target, strings.Join(problems, "\n  "))
		} else if os.Getenv("XACCEL_DUMP") != "" {
			t.Logf("%s %s: %d %v %q", c.method, c.target, want.Status, want.Header, clip(want.Body))
		}
	}
	t.Logf("%d requests compared with nginx: %d differ", len(cases), diffs)
	if len(cases) < 19 {
		t.Errorf("only %d requests compared", len(cases))
	}
}
