package realnginx

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// echoBody answers every request with its $uri and $args, and echoes the
// request-target as nginx received it in X-Request-URI.
const echoBody = `
    server {
        listen 127.0.0.1:{{PORT}};
        location / {
            add_header X-Request-URI $request_uri always;
            return 200 "uri=$uri args=$args";
        }
    }
`

func TestBinaryFromEnv(t *testing.T) {
	t.Setenv("XACCEL_NGINX", "/some/where/nginx")
	if got := Binary(); got != "/some/where/nginx" {
		t.Errorf("Binary() with XACCEL_NGINX set = %q, want %q", got, "/some/where/nginx")
	}
}

func TestVersion(t *testing.T) {
	bin := Require(t)
	v, err := Version(bin)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(v, ".") {
		t.Errorf("Version(%q) = %q, want a dotted version", bin, v)
	}
	t.Logf("nginx %s at %s", v, bin)
}

// TestRawTargets checks that request-targets reach nginx byte for byte
// ($request_uri) and that nginx, not the client, normalizes them ($uri).
func TestRawTargets(t *testing.T) {
	t.Parallel()
	inst := StartHTTP(t, echoBody, nil)
	tests := []struct {
		target     string
		wantStatus int
		wantBody   string // checked when wantStatus is 200
	}{
		{"/", 200, "uri=/ args="},
		{"/a/./b/../c?x=1", 200, "uri=/a/c args=x=1"},
		{"/a//b", 200, "uri=/a/b args="},
		{"/media../x", 200, "uri=/media../x args="},
		{"/a/%2e%2e/b", 200, "uri=/b args="},
		{"/x%2Fy", 200, "uri=/x/y args="},
		{"/x%2ey?a=%2e", 200, "uri=/x.y args=a=%2e"},
		{"/a/b/..", 200, "uri=/a/ args="},
		{"/%2e%2e/", 400, ""},
		{"/../x", 400, ""},
		{"/bad%zz", 400, ""},
	}
	for _, tt := range tests {
		resp, err := inst.Get(tt.target)
		if err != nil {
			t.Errorf("GET %s: %v", tt.target, err)
			continue
		}
		if resp.Status != tt.wantStatus {
			t.Errorf("GET %s: status %d, want %d (body %q)", tt.target, resp.Status, tt.wantStatus, resp.Body)
			continue
		}
		if tt.wantStatus != 200 {
			continue
		}
		if got := resp.Header.Get("X-Request-URI"); got != tt.target {
			t.Errorf("GET %s: nginx received request-target %q", tt.target, got)
		}
		if string(resp.Body) != tt.wantBody {
			t.Errorf("GET %s: body %q, want %q", tt.target, resp.Body, tt.wantBody)
		}
	}
}

func TestDoHeadersAndRaw(t *testing.T) {
	t.Parallel()
	inst := StartHTTP(t, `
    server {
        listen 127.0.0.1:{{PORT}};
        location / {
            return 200 "host=$host x=$http_x_test method=$request_method";
        }
    }
`, nil)
	resp, err := inst.Do("POST", "/p", http.Header{"X-Test": {"v1"}, "Host": {"example.test"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := "host=example.test x=v1 method=POST"; resp.Status != 200 || string(resp.Body) != want {
		t.Errorf("Do POST: %d %q, want 200 %q", resp.Status, resp.Body, want)
	}

	resp, err = inst.Do("HEAD", "/", nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 200 || len(resp.Body) != 0 {
		t.Errorf("HEAD: %d with %d body bytes, want 200 and none", resp.Status, len(resp.Body))
	}

	// No Host header in an HTTP/1.1 request is a client error.
	resp, err = inst.DoRaw([]byte("GET / HTTP/1.1\r\nConnection: close\r\n\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 400 {
		t.Errorf("request without Host: status %d, want 400", resp.Status)
	}
}

func TestStaticFilesInPrefix(t *testing.T) {
	t.Parallel()
	inst := StartHTTP(t, `
    server {
        listen 127.0.0.1:{{PORT}};
        location / {
            root {{PREFIX}}/html;
        }
        location /media {
            alias {{PREFIX}}/data/media/;
        }
    }
`, map[string]string{
		"html/hello.txt":       "hello\n",
		"data/media/a.txt":     "media a\n",
		"data/secret/key.txt":  "secret\n",
		"html/sub/index.html":  "<p>index</p>\n",
		"data/media/mediax.no": "unused\n",
	})
	tests := []struct {
		target     string
		wantStatus int
		wantBody   string
	}{
		{"/hello.txt", 200, "hello\n"},
		{"/missing.txt", 404, ""},
		{"/sub/", 200, "<p>index</p>\n"},
		{"/media/a.txt", 200, "media a\n"},
		// The off-by-slash alias traversal: only visible when the client
		// sends the target unchanged.
		{"/media../secret/key.txt", 200, "secret\n"},
		{"/media%2e%2e/secret/key.txt", 200, "secret\n"},
	}
	for _, tt := range tests {
		resp, err := inst.Get(tt.target)
		if err != nil {
			t.Errorf("GET %s: %v", tt.target, err)
			continue
		}
		if resp.Status != tt.wantStatus {
			t.Errorf("GET %s: status %d, want %d", tt.target, resp.Status, tt.wantStatus)
			continue
		}
		if tt.wantStatus == 200 && string(resp.Body) != tt.wantBody {
			t.Errorf("GET %s: body %q, want %q", tt.target, resp.Body, tt.wantBody)
		}
	}
	resp, err := inst.Get("/sub")
	if err != nil {
		t.Fatal(err)
	}
	if want := "http://localhost:" + strconv.Itoa(inst.Port) + "/sub/"; resp.Status != 301 || resp.Header.Get("Location") != want {
		t.Errorf("GET /sub: %d Location %q, want 301 %q", resp.Status, resp.Header.Get("Location"), want)
	}
}

// TestStartMainConf starts a whole main config and checks where the
// placeholders, pid file and error log ended up.
func TestStartMainConf(t *testing.T) {
	t.Parallel()
	inst := Start(t, `
events {
    worker_connections 64;
}
http {
    access_log {{PREFIX}}/logs/access.log;
    client_body_temp_path {{PREFIX}}/client_body_temp;
    proxy_temp_path {{PREFIX}}/proxy_temp;
    fastcgi_temp_path {{PREFIX}}/fastcgi_temp;
    uwsgi_temp_path {{PREFIX}}/uwsgi_temp;
    scgi_temp_path {{PREFIX}}/scgi_temp;
    server {
        listen 127.0.0.1:{{PORT}};
        location / {
            return 200 "port={{PORT}} file=$request_filename";
        }
        root {{PREFIX}}/www;
    }
}
`, nil)
	if host, _, err := net.SplitHostPort(inst.Addr); err != nil || host != "127.0.0.1" {
		t.Errorf("Addr = %q, want 127.0.0.1:port", inst.Addr)
	}
	resp, err := inst.Get("/f")
	if err != nil {
		t.Fatal(err)
	}
	want := "port=" + strconv.Itoa(inst.Port) + " file=" + inst.Prefix + "/www/f"
	if resp.Status != 200 || string(resp.Body) != want {
		t.Errorf("GET /f: %d %q, want 200 %q", resp.Status, resp.Body, want)
	}
	conf, err := os.ReadFile(inst.Path("conf/nginx.conf"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(conf), "{{") {
		t.Errorf("conf/nginx.conf still has placeholders:\n%s", conf)
	}
	pid, err := os.ReadFile(inst.Path("nginx.pid"))
	if err != nil || strings.TrimSpace(string(pid)) != strconv.Itoa(inst.PID()) {
		t.Errorf("pid file: %q, %v; want %d", pid, err, inst.PID())
	}
	if _, err := os.Stat(inst.ErrorLogPath()); err != nil {
		t.Errorf("error log: %v", err)
	}
	if _, err := os.Stat(inst.Path("logs/access.log")); err != nil {
		t.Errorf("access log: %v", err)
	}
}

// TestCleanupStopsNginx checks that the cleanup registered by Start stops
// the process, frees the port and removes the prefix.
func TestCleanupStopsNginx(t *testing.T) {
	SkipShort(t)
	t.Parallel()
	var inst *Instance
	t.Run("run", func(t *testing.T) {
		inst = StartHTTP(t, echoBody, nil)
		if _, err := inst.Get("/"); err != nil {
			t.Fatal(err)
		}
	})
	if inst == nil {
		t.Fatal("subtest did not start nginx")
	}
	select {
	case <-inst.done:
	default:
		t.Fatalf("nginx (pid %d) still running after cleanup", inst.PID())
	}
	if err := syscall.Kill(inst.PID(), 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("kill(%d, 0) after cleanup = %v, want ESRCH", inst.PID(), err)
	}
	if c, err := net.DialTimeout("tcp", inst.Addr, time.Second); err == nil {
		c.Close()
		t.Errorf("%s still accepts connections after cleanup", inst.Addr)
	}
	if _, err := os.Stat(inst.Prefix); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("prefix %s not removed: %v", inst.Prefix, err)
	}
	if err := inst.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
}

// fatalRecorder is a testing.TB whose Fatalf records the message and ends
// the goroutine, so failures of the helpers themselves can be tested.
type fatalRecorder struct {
	testing.TB
	msg string
}

func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func (r *fatalRecorder) Helper() {}

func TestStartReportsNginxError(t *testing.T) {
	t.Parallel()
	Require(t)
	rec := &fatalRecorder{TB: t}
	done := make(chan *Instance)
	go func() {
		defer close(done)
		done <- StartHTTP(rec, "server { listen 127.0.0.1:{{PORT}}; bogus_directive on; }", nil)
	}()
	if inst, ok := <-done; ok || inst != nil {
		t.Fatalf("StartHTTP with a bad config returned %+v", inst)
	}
	if !strings.Contains(rec.msg, `unknown directive "bogus_directive"`) {
		t.Errorf("Start failure message does not show nginx's error:\n%s", rec.msg)
	}
}

func TestStartWantsMainConf(t *testing.T) {
	t.Parallel()
	Require(t)
	rec := &fatalRecorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		Start(rec, "server { listen 127.0.0.1:{{PORT}}; }", nil)
	}()
	<-done
	if !strings.Contains(rec.msg, "StartHTTP") {
		t.Errorf("Start without events/http: message %q, want a hint to use StartHTTP", rec.msg)
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	Require(t)
	dir := t.TempDir()
	write := func(name, content string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	const head = "events {\n}\nhttp {\n    access_log off;\n" +
		"    client_body_temp_path cb_temp;\n    proxy_temp_path p_temp;\n    fastcgi_temp_path f_temp;\n" +
		"    uwsgi_temp_path u_temp;\n    scgi_temp_path s_temp;\n"
	// head is 9 lines long.
	// nginx -t binds the listen sockets (ignoring "address in use"), so
	// use an unprivileged port.
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	good := write("good.conf", head+"    server {\n        listen 127.0.0.1:"+strconv.Itoa(port)+";\n        location / { return 200; }\n    }\n}\n")
	// Line 12 closes server and http, so line 13 is one "}" too many.
	bad := write("bad.conf", head+"    server {\n        location / { return 200; }\n    }}\n}\n")
	write("inc.conf", "server {\n    location / {\n        alias;\n    }\n}\n")
	included := write("included.conf", head+"    include inc.conf;\n}\n")
	ownPid := write("ownpid.conf", "pid logs/own.pid;\n"+head+"}\n")
	if err := os.Mkdir(filepath.Join(dir, "logs"), 0o755); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		conf     string
		wantOK   bool
		wantFile string
		wantLine int
		wantMsg  string
	}{
		{conf: good, wantOK: true},
		{conf: ownPid, wantOK: true},
		{conf: bad, wantFile: bad, wantLine: 13, wantMsg: `unexpected "}"`},
		{conf: included, wantFile: filepath.Join(dir, "inc.conf"), wantLine: 3, wantMsg: `invalid number of arguments in "alias" directive`},
	}
	for _, tt := range tests {
		ok, out := Check(tt.conf, dir)
		if ok != tt.wantOK {
			t.Errorf("Check(%s) ok = %v, want %v; output:\n%s", filepath.Base(tt.conf), ok, tt.wantOK, out)
			continue
		}
		if ok {
			if !SyntaxOK(out) {
				t.Errorf("Check(%s): output lacks \"syntax is ok\":\n%s", filepath.Base(tt.conf), out)
			}
			continue
		}
		file, line, msg, found := ParseCheckError(out)
		if !found || file != tt.wantFile || line != tt.wantLine || msg != tt.wantMsg {
			t.Errorf("ParseCheckError(Check(%s)) = %q, %d, %q, %v; want %q, %d, %q; output:\n%s",
				filepath.Base(tt.conf), file, line, msg, found, tt.wantFile, tt.wantLine, tt.wantMsg, out)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "logs", "own.pid")); err != nil {
		t.Errorf("Check of a config with its own pid did not use it: %v", err)
	}
}

func TestCheckHTTP(t *testing.T) {
	t.Parallel()
	Require(t)
	ok, out := CheckHTTP("server {\n    listen 127.0.0.1:{{PORT}};\n    root {{PREFIX}}/html;\n}\n", nil)
	if !ok {
		t.Errorf("CheckHTTP(good) failed:\n%s", out)
	}
	ok, out = CheckHTTP("server {\n    listen 127.0.0.1:{{PORT}};\n    location @named {\n        alias /x/;\n    }\n}\n", nil)
	if ok {
		t.Fatalf("CheckHTTP(alias in named location) succeeded:\n%s", out)
	}
	file, line, msg, found := ParseCheckError(out)
	if !found || !strings.HasSuffix(file, "/conf/http.conf") || line != 4 || !strings.Contains(msg, `"alias" directive`) {
		t.Errorf("ParseCheckError = %q, %d, %q, %v; want .../conf/http.conf:4 about alias; output:\n%s", file, line, msg, found, out)
	}
}

func TestParseCheckError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		in       string
		wantFile string
		wantLine int
		wantMsg  string
		wantOK   bool
	}{
		{
			name:     "emerg",
			in:       "nginx: [emerg] unexpected \"}\" in /path/file.conf:12\nnginx: configuration file /path/file.conf test failed\n",
			wantFile: "/path/file.conf", wantLine: 12, wantMsg: `unexpected "}"`, wantOK: true,
		},
		{
			name:     "warning first",
			in:       "nginx: [warn] the \"user\" directive makes sense only if the master process runs with super-user privileges, ignored in /a.conf:1\r\nnginx: [emerg] unknown directive \"foo\" in /my dir/b.conf:7\r\n",
			wantFile: "/my dir/b.conf", wantLine: 7, wantMsg: `unknown directive "foo"`, wantOK: true,
		},
		{
			name:   "no location",
			in:     "nginx: the configuration file /x.conf syntax is ok\nnginx: [emerg] open() \"/var/log/nginx/access.log\" failed (13: Permission denied)\n",
			wantOK: false,
		},
		{name: "empty", in: "", wantOK: false},
		{
			name:     "unexpected end of file",
			in:       "nginx: [emerg] unexpected end of file, expecting \"}\" in /c.conf:30",
			wantFile: "/c.conf", wantLine: 30, wantMsg: `unexpected end of file, expecting "}"`, wantOK: true,
		},
	}
	for _, tt := range tests {
		file, line, msg, ok := ParseCheckError(tt.in)
		if file != tt.wantFile || line != tt.wantLine || msg != tt.wantMsg || ok != tt.wantOK {
			t.Errorf("%s: ParseCheckError = %q, %d, %q, %v; want %q, %d, %q, %v",
				tt.name, file, line, msg, ok, tt.wantFile, tt.wantLine, tt.wantMsg, tt.wantOK)
		}
	}
}
