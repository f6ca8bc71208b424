//go:build unix

package proxy

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/xaccel/xaccel/internal/realnginx"
	"github.com/xaccel/xaccel/nginx"
)

// fastcgiConf runs PHP scripts on php-fpm behind Debian's snippet
// (fastcgi_split_path_info, try_files $fastcgi_script_name, fastcgi.conf),
// plus locations for X-Accel-Redirect targets, intercepted errors and
// hidden or passed headers. SOCK is the php-fpm socket.
const fastcgiConf = `
server {
    listen 127.0.0.1:{{PORT}};
    server_name localhost;
    server_tokens off;
    root {{PREFIX}}/www;
    index index.php index.html;

    location ~ \.php(/|$) {
        include snippets/fastcgi-php.conf;
        fastcgi_pass unix:SOCK;
        fastcgi_hide_header X-Hidden;
        fastcgi_pass_header X-Accel-Buffering;
    }
    location /plain/ {
        include fastcgi_params;
        fastcgi_param SCRIPT_FILENAME {{PREFIX}}/www/env.php;
        fastcgi_param EMPTY_OK "" if_not_empty;
        fastcgi_param HTTP_X_OVER overridden;
        fastcgi_index index.php;
        fastcgi_pass unix:SOCK;
    }
    location /dir/ {
        fastcgi_param SCRIPT_FILENAME {{PREFIX}}/www/env.php;
        fastcgi_param SCRIPT_NAME $fastcgi_script_name;
        fastcgi_param REQUEST_METHOD $request_method;
        fastcgi_index main.php;
        fastcgi_pass unix:SOCK;
    }
    location /intercept/ {
        include fastcgi.conf;
        fastcgi_param SCRIPT_FILENAME {{PREFIX}}/www/status.php;
        fastcgi_intercept_errors on;
        error_page 404 /errors/404.html;
        fastcgi_pass unix:SOCK;
    }
    location /small/ {
        include fastcgi.conf;
        fastcgi_param SCRIPT_FILENAME {{PREFIX}}/www/status.php;
        fastcgi_buffer_size 1k;
        fastcgi_pass unix:SOCK;
    }
    location /protected/ { internal; alias {{PREFIX}}/files/; }
    location @named { return 200 "named $uri\n"; }
    location /errors/ { }
}
`

// fastcgiFiles are the scripts and files; the Debian include files are
// added from /etc/nginx.
var fastcgiFiles = map[string]string{
	"www/env.php": `<?php
$s = $_SERVER;
ksort($s);
foreach ($s as $k => $v) {
    if (!is_string($v) || in_array($k, ['REQUEST_TIME', 'REQUEST_TIME_FLOAT', 'REMOTE_PORT'])) continue;
    echo "$k=$v\n";
}
echo "body=" . file_get_contents('php://input') . "\n";
echo "post=" . json_encode($_POST) . "\n";
`,
	"www/status.php": `<?php
if (isset($_GET['s'])) header('Status: ' . $_GET['s']);
if (isset($_GET['code'])) http_response_code((int)$_GET['code']);
if (isset($_GET['loc'])) header('Location: ' . $_GET['loc']);
if (isset($_GET['big'])) header('X-Big: ' . str_repeat('b', (int)$_GET['big']));
header('X-App: one');
header('X-App: two', false);
header('X-Hidden: no');
header('X-Accel-Buffering: no');
header('Set-Cookie: a=1');
if (isset($_GET['ct'])) header('Content-Type: ' . $_GET['ct']);
echo "status body\n";
`,
	"www/xar.php": `<?php
header('Content-Type: application/x-app');
header('Set-Cookie: s=1');
header('Cache-Control: private');
header('X-Dropped: yes');
header('X-Accel-Redirect: ' . $_GET['to']);
if (isset($_GET['s'])) header('Status: ' . $_GET['s']);
echo "app body, not sent\n";
`,
	"www/post.php": `<?php
$b = file_get_contents('php://input');
echo "len=" . strlen($b) . " md5=" . md5($b) . " ct=" . ($_SERVER['CONTENT_TYPE'] ?? '') . " cl=" . ($_SERVER['CONTENT_LENGTH'] ?? '') . "\n";
echo "a=" . ($_POST['a'] ?? '') . "\n";
`,
	"www/error.php": `<?php
error_log("a message to stderr");
undefined_function_here();
`,
	"www/index.php":       "<?php echo 'index ', $_SERVER['SCRIPT_NAME'], \"\\n\";\n",
	"www/sub/index.php":   "<?php echo 'sub index ', $_SERVER['SCRIPT_NAME'], \"\\n\";\n",
	"www/static.txt":      "static\n",
	"files/doc.txt":       "protected document\n",
	"www/errors/404.html": "custom 404\n",
}

// phpFPMBinary finds Debian's versioned php-fpm (php-fpm8.2) or a plain
// php-fpm, on PATH or in /usr/sbin.
func phpFPMBinary() string {
	for _, name := range []string{"php-fpm", "php-fpm8.4", "php-fpm8.3", "php-fpm8.2", "php-fpm8.1", "php-fpm8.0", "php-fpm7.4"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
		if p := filepath.Join("/usr/sbin", name); fileExists(p) {
			return p
		}
	}
	return ""
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// startPHPFPM runs a php-fpm pool of its own on a unix socket in a new
// temporary directory, in the foreground and without php.ini (-n), and
// returns the socket's path once it accepts connections (at most 10 s).
// The test's cleanup stops it by its pid (SIGQUIT, then SIGKILL).
func startPHPFPM(t *testing.T, bin string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "xaccel-fpm-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "php.sock")
	conf := fmt.Sprintf(`[global]
pid = %[1]s/php-fpm.pid
error_log = %[1]s/php-fpm.log
daemonize = no

[www]
listen = %[2]s
listen.mode = 0666
pm = static
pm.max_children = 2
clear_env = yes
`, dir, sock)
	confPath := filepath.Join(dir, "php-fpm.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"-F", "-n", "-y", confPath, "-d", "display_errors=0", "-d", "log_errors=1"}
	if os.Geteuid() == 0 {
		args = append(args, "-R")
	}
	cmd := exec.Command(bin, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("php-fpm: %v", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGQUIT)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			log, _ := os.ReadFile(filepath.Join(dir, "php-fpm.log"))
			t.Logf("php-fpm output:\n%s%s", out.String(), log)
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
			t.Fatalf("php-fpm exited: %s", out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("php-fpm did not listen on %s within 10 s: %v", sock, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestFastCGIAgainstNginx sends the same requests to nginx and to serve,
// both in front of one php-fpm pool, on a configuration built on Debian's
// fastcgi-php.conf snippet: the CGI parameters PHP sees, path info and
// fastcgi_index, Status and Location, headers hidden and passed, POST
// bodies (in memory and spooled), X-Accel-Redirect to a file, a named
// location and an unsafe URI, intercepted errors, a header too big for
// fastcgi_buffer_size, a PHP fatal error, and try_files' 404.
func TestFastCGIAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	fpm := phpFPMBinary()
	if fpm == "" {
		realnginx.SkipOrFail(t, "php-fpm not found (apt-get install php-fpm)")
	}
	files := map[string]string{}
	for k, v := range fastcgiFiles {
		files[k] = v
	}
	for _, name := range []string{"fastcgi_params", "fastcgi.conf", "snippets/fastcgi-php.conf"} {
		b, err := os.ReadFile(filepath.Join("/etc/nginx", name))
		if err != nil {
			realnginx.SkipOrFail(t, "Debian's /etc/nginx/"+name+" is missing (apt-get install nginx-common)")
		}
		files["conf/"+name] = string(b)
	}
	sock := startPHPFPM(t, fpm)
	conf := strings.ReplaceAll(fastcgiConf, "SOCK", sock)
	ng := realnginx.StartHTTP(t, conf, files)

	// The emulator reads the same files, relative includes from the
	// configuration's directory as nginx does.
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

	big := strings.Repeat("x", 100<<10)
	form := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	type fcase struct {
		method, target string
		header         http.Header
		body           string
		skip           []string
	}
	cases := []fcase{
		{method: "GET", target: "/env.php?a=1&b=%20x"},
		{method: "GET", target: "/env.php/path/info?q"},
		{method: "GET", target: "/sub/"},
		{method: "GET", target: "/"},
		{method: "GET", target: "/missing.php"},
		{method: "GET", target: "/static.txt"},
		{method: "GET", target: "/env.php", header: http.Header{"X-Custom": {"v"}, "Cookie": {"c=1"}, "X-Over": {"client"}}},
		{method: "GET", target: "/plain/x?y=1", header: http.Header{"X-Over": {"client"}}},
		{method: "GET", target: "/dir/"},
		{method: "GET", target: "/dir/a/"},
		{method: "HEAD", target: "/env.php"},
		{method: "POST", target: "/env.php", header: form, body: "a=1&b=2"},
		{method: "POST", target: "/post.php", header: form, body: "a=" + big[:2000]},
		{method: "POST", target: "/post.php", header: http.Header{"Content-Type": {"text/plain"}}, body: big},
		{method: "PUT", target: "/post.php", body: ""},
		{method: "GET", target: "/status.php"},
		{method: "GET", target: "/status.php?s=404%20Not%20Here"},
		{method: "GET", target: "/status.php?code=201"},
		{method: "GET", target: "/status.php?code=503&ct=text/plain"},
		{method: "GET", target: "/status.php?loc=/elsewhere"},
		{method: "GET", target: "/status.php?loc=http://example.com/x&code=301"},
		{method: "GET", target: "/status.php?s=abc"},
		{method: "GET", target: "/status.php?big=5000"},
		{method: "GET", target: "/small/?big=1500"},
		{method: "GET", target: "/small/?big=100"},
		{method: "HEAD", target: "/status.php?code=404"},
		{method: "GET", target: "/xar.php?to=/protected/doc.txt"},
		{method: "GET", target: "/xar.php?to=/protected/doc.txt&s=404"},
		{method: "GET", target: "/xar.php?to=/protected/none.txt"},
		{method: "GET", target: "/xar.php?to=@named"},
		{method: "GET", target: "/xar.php?to=/protected/../doc.txt"},
		{method: "GET", target: "/xar.php?to=/static.txt%3Fq"},
		{method: "HEAD", target: "/xar.php?to=/protected/doc.txt"},
		{method: "POST", target: "/xar.php?to=/protected/doc.txt", header: form, body: "a=1"},
		{method: "GET", target: "/intercept/?code=404"},
		{method: "GET", target: "/intercept/?code=500"},
		{method: "GET", target: "/intercept/?code=200"},
		{method: "GET", target: "/error.php"},
	}
	diffs := 0
	for _, c := range cases {
		hd := c.header.Clone()
		if hd == nil {
			hd = http.Header{}
		}
		hd.Set("Host", "localhost")
		raw := realnginx.RawRequest(c.method, c.target, hd, c.body)
		want, got := sendBoth(t, ng, emu, raw)
		// SERVER_PORT is each server's own.
		got.Body = bytes.ReplaceAll(got.Body, []byte("SERVER_PORT="+emuPort), []byte("SERVER_PORT="+ngPort))
		if problems := diffResponses(want, got, append(c.skip, "Content-Length")...); len(problems) > 0 {
			diffs++
			t.Errorf("%s %s\n  %s", c.method, c.target, strings.Join(problems, "\n  "))
		} else if os.Getenv("XACCEL_DUMP") != "" {
			t.Logf("%s %s: %d %q", c.method, c.target, want.Status, clip(want.Body))
		}
	}
	t.Logf("%d requests compared with nginx: %d differ", len(cases), diffs)
	if len(cases) < 38 {
		t.Errorf("only %d requests compared", len(cases))
	}
}

// fcgiRecord is one FastCGI record of request 1 (for the scripted app).
func fcgiRecord(typ byte, data string) string {
	pad := (8 - len(data)%8) % 8
	return string([]byte{1, typ, 0, 1, byte(len(data) >> 8), byte(len(data)), byte(pad), 0}) + data + strings.Repeat("\x00", pad)
}

const endRequest = "\x00\x00\x00\x00\x00\x00\x00\x00"

// fcgiScripts are the scripted app's answers by REQUEST_URI: the raw
// bytes it writes before closing the connection.
var fcgiScripts = map[string]string{
	"/loc":       fcgiRecord(6, "Location: /elsewhere\r\nContent-Type: text/plain\r\n\r\nmoved") + fcgiRecord(6, "") + fcgiRecord(3, endRequest),
	"/status":    fcgiRecord(6, "Status: 404\r\nX-A: 1\r\n\r\nnot here") + fcgiRecord(3, endRequest),
	"/badstatus": fcgiRecord(6, "Status: 20\r\n\r\nx") + fcgiRecord(3, endRequest),
	"/early":     fcgiRecord(3, endRequest),
	"/stdout0":   fcgiRecord(6, "X-A: 1\r\n") + fcgiRecord(6, ""),
	"/split":     fcgiRecord(6, "X-Long-Hea") + fcgiRecord(6, "der: value\r\nContent-Type: text/x\r") + fcgiRecord(6, "\n\r\nsplit body") + fcgiRecord(3, endRequest),
	"/stderr":    fcgiRecord(7, strings.Repeat("warning ", 2000)) + fcgiRecord(6, "Content-Type: text/plain\r\n\r\nafter stderr") + fcgiRecord(7, "late") + fcgiRecord(3, endRequest),
	"/cut":       fcgiRecord(6, "Content-Length: 100\r\n\r\n0123456789") + fcgiRecord(6, "") + fcgiRecord(3, endRequest),
	"/extra":     fcgiRecord(6, "Content-Length: 4\r\n\r\n0123456789") + fcgiRecord(3, endRequest),
	"/close":     fcgiRecord(6, "Content-Type: text/plain\r\n\r\n0123456789"),
	"/closemid":  fcgiRecord(6, "Content-Type: text/plain\r\n\r\n0123456789")[:30],
	"/closehdr":  fcgiRecord(6, "Content-Type: text/plain\r\n"),
	"/badrec":    fcgiRecord(6, "Content-Type: text/plain\r\n\r\nok") + "\x02\x06\x00\x01\x00\x01\x00\x00x",
	"/badrec0":   "\x01\x09\x00\x01\x00\x00\x00\x00",
	"/badline":   fcgiRecord(6, "X Bad: 1\r\n\r\nx") + fcgiRecord(3, endRequest),
	"/server":    fcgiRecord(6, "Server: app/1\r\nX-Accel-Expires: 10\r\nContent-Type: text/plain\r\n\r\nserver") + fcgiRecord(3, endRequest),
	"/noct":      fcgiRecord(6, "X-A: 1\r\n\r\nno type") + fcgiRecord(3, endRequest),
	"/xar":       fcgiRecord(6, "X-Accel-Redirect: /protected/doc.txt\r\nStatus: 500 Oops\r\nContent-Type: text/x-app\r\nX-Dropped: 1\r\n\r\nignored") + fcgiRecord(3, endRequest),
	"/lf":        fcgiRecord(6, "Content-Type: text/plain\nX-A: 1\n\nlf only") + fcgiRecord(3, endRequest),
}

// serveFCGIScript answers each connection of ln with the script of its
// REQUEST_URI parameter, after reading the request to its empty STDIN
// record, then closes it.
func serveFCGIScript(t *testing.T, ln net.Listener) {
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				defer c.Close()
				c.SetDeadline(time.Now().Add(5 * time.Second))
				uri := ""
				var params []byte
				for {
					var h [8]byte
					if _, err := io.ReadFull(c, h[:]); err != nil {
						return
					}
					n, pad := int(h[4])<<8|int(h[5]), int(h[6])
					data := make([]byte, n+pad)
					if _, err := io.ReadFull(c, data); err != nil {
						return
					}
					if h[1] == 4 {
						params = append(params, data[:n]...)
					}
					if h[1] == 5 && n == 0 {
						break
					}
				}
				for len(params) > 0 {
					ln := func() int {
						if params[0] < 128 {
							v := int(params[0])
							params = params[1:]
							return v
						}
						v := int(params[0]&0x7f)<<24 | int(params[1])<<16 | int(params[2])<<8 | int(params[3])
						params = params[4:]
						return v
					}
					kl := ln()
					vl := ln()
					if k := string(params[:kl]); k == "REQUEST_URI" {
						uri = string(params[kl : kl+vl])
					}
					params = params[kl+vl:]
				}
				c.Write([]byte(fcgiScripts[uri]))
			}(c)
		}
	}()
}

// TestFastCGIScriptedAgainstNginx sends requests to nginx and serve in
// front of a scripted FastCGI app that answers what php-fpm never does: a
// Location without Status, a Status without reason or invalid, END_REQUEST
// or the end of STDOUT before the header's end, header lines split across
// records, large STDERR before the header, a body cut short of its
// Content-Length or longer, the connection closed without END_REQUEST
// (between records, within one, within the header), invalid records, an
// invalid header line, the app's Server, no Content-Type, X-Accel-Redirect
// with a status, and bare LF line ends. A response one server cuts off
// must be cut off by the other.
func TestFastCGIScriptedAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	conf := `
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    location / {
        fastcgi_param REQUEST_URI $uri;
        fastcgi_pass unix:{{PREFIX}}/app.sock;
    }
    location /protected/ { internal; alias {{PREFIX}}/files/; }
}
`
	ng := realnginx.StartHTTP(t, conf, map[string]string{"files/doc.txt": "protected document\n"})
	ln, err := net.Listen("unix", filepath.Join(ng.Prefix, "app.sock"))
	if err != nil {
		t.Fatal(err)
	}
	serveFCGIScript(t, ln)
	emu, warns := startEmulator(t, conf, ng.Prefix, Options{})
	for _, w := range warns {
		t.Errorf("warning: %s", w)
	}
	var uris []string
	for u := range fcgiScripts {
		uris = append(uris, u)
	}
	sort.Strings(uris)
	for _, u := range uris {
		for _, method := range []string{"GET", "HEAD"} {
			raw := realnginx.RawRequest(method, u, nil, "")
			want, werr := ng.DoRaw(raw)
			got, gerr := realnginx.SendRaw(emu, raw)
			switch {
			case werr != nil || gerr != nil:
				if (werr == nil) != (gerr == nil) {
					t.Errorf("%s %s: nginx %v, emulator %v", method, u, werr, gerr)
				}
			default:
				if problems := diffResponses(want, got); len(problems) > 0 {
					t.Errorf("%s %s\n  %s", method, u, strings.Join(problems, "\n  "))
				}
			}
			if os.Getenv("XACCEL_DUMP") != "" {
				if werr != nil {
					t.Logf("%s %s: nginx %v", method, u, werr)
				} else {
					t.Logf("%s %s: nginx %d %v %q", method, u, want.Status, want.Header, clip(want.Body))
				}
			}
		}
	}
}

// TestFastCGIUpstreamOption moves a production fastcgi_pass address to a
// local app with Options.Upstreams, and checks that a name no
// fastcgi_pass uses is refused.
func TestFastCGIUpstreamOption(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	sock := filepath.Join(dir, "app.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	serveFCGIScript(t, ln)
	conf := `
server {
    listen 127.0.0.1:{{PORT}};
    location / {
        fastcgi_param REQUEST_URI $uri;
        fastcgi_pass php-prod:9000;
    }
}
`
	emu, _ := startEmulator(t, conf, dir, Options{Upstreams: map[string]string{"php-prod:9000": "unix:" + sock}})
	got, err := realnginx.SendRaw(emu, realnginx.RawRequest("GET", "/loc", nil, ""))
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != http.StatusFound || got.Header.Get("Location") != "/elsewhere" || string(got.Body) != "moved" {
		t.Errorf("got %d %v %q, want 302 to /elsewhere", got.Status, got.Header, got.Body)
	}
	cfg := nginx.LoadBytes("x.conf", []byte(strings.ReplaceAll(conf, "{{PORT}}", "0")), nginx.LoadOptions{})
	if _, _, err := New(cfg, Options{Upstreams: map[string]string{"php-other": "unix:" + sock}}); err == nil {
		t.Errorf("an --upstream name no fastcgi_pass uses was accepted")
	}
}

// TestFastCGIEmptyHTTPParamAgainstNginx checks the httpoxy guard of most
// PHP guides, `fastcgi_param HTTP_PROXY "";`, and its uwsgi twin against
// nginx: ngx_http_fastcgi_init_params (ngx_http_uwsgi_init_params) keeps
// the client's Proxy header from the app and sends no HTTP_PROXY at all,
// where an HTTP_ parameter whose value is a variable that turns out empty
// is sent empty.
func TestFastCGIEmptyHTTPParamAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	conf := `
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    location / {
        fastcgi_param REQUEST_URI $request_uri;
        fastcgi_param HTTP_PROXY "";
        fastcgi_param HTTP_X_EMPTY $arg_none;
        fastcgi_param HTTP_ "";
        fastcgi_pass FCGI;
    }
    location /dj/ {
        uwsgi_param REQUEST_URI $request_uri;
        uwsgi_param HTTP_PROXY "";
        uwsgi_param HTTP_X_EMPTY "" if_not_empty;
        uwsgi_pass UWSGI;
    }
}
`
	conf = strings.NewReplacer("FCGI", realnginx.ServeRaw(t, serveFCGIRand), "UWSGI", realnginx.ServeRaw(t, serveUWSGIRand)).Replace(conf)
	ng := realnginx.StartHTTP(t, conf, nil)
	emu, _ := startEmulator(t, conf, ng.Prefix, Options{})
	for _, target := range []string{"/index.php", "/dj/view"} {
		raw := realnginx.RawRequest("GET", target, http.Header{"Proxy": {"http://evil.example"}, "X-Empty": {"client"}}, "")
		want, got := sendBoth(t, ng, emu, raw)
		if problems := diffResponses(want, got); len(problems) > 0 {
			t.Errorf("GET %s\n  %s%s", target, strings.Join(problems, "\n  "), fcgiBodyDiff(want.Body, got.Body))
		}
	}
}

// TestFastCGIPathInfoAfterTryFilesAgainstNginx checks $fastcgi_path_info
// after try_files against nginx: ngx_http_fastcgi_handler starts the
// module's context afresh, so the split try_files $fastcgi_script_name
// made is forgotten and the params split $uri as try_files left it (the
// script alone: PATH_INFO is empty, the reason Debian's snippet saves it
// with set), while an if on the script keeps $uri and so the path info.
func TestFastCGIPathInfoAfterTryFilesAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	conf := `
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    root {{PREFIX}}/www;
    location ~ ^/t/.+\.php(/|$) {
        fastcgi_split_path_info ^(.+?\.php)(/.*)$;
        try_files $fastcgi_script_name =404;
        set $saved $fastcgi_path_info;
        fastcgi_param SCRIPT_NAME $fastcgi_script_name;
        fastcgi_param PATH_INFO $fastcgi_path_info;
        fastcgi_param SAVED $saved;
        fastcgi_pass FCGI;
    }
    location ~ ^/i/.+\.php(/|$) {
        fastcgi_split_path_info ^(.+\.php)(.*)$;
        if (!-f $document_root$fastcgi_script_name) { return 404; }
        fastcgi_param SCRIPT_NAME $fastcgi_script_name;
        fastcgi_param PATH_INFO $fastcgi_path_info;
        fastcgi_pass FCGI;
    }
}
`
	conf = strings.ReplaceAll(conf, "FCGI", realnginx.ServeRaw(t, serveFCGIRand))
	files := map[string]string{"www/t/app.php": "t", "www/i/app.php": "i"}
	ng := realnginx.StartHTTP(t, conf, files)
	emu, _ := startEmulator(t, conf, ng.Prefix, Options{})
	for _, target := range []string{"/t/app.php/extra/path", "/t/app.php", "/t/app.php/", "/t/none.php/x", "/i/app.php/extra", "/i/app.php."} {
		want, got := sendBoth(t, ng, emu, realnginx.RawRequest("GET", target, nil, ""))
		if problems := diffResponses(want, got); len(problems) > 0 {
			t.Errorf("GET %s\n  %s%s", target, strings.Join(problems, "\n  "), fcgiBodyDiff(want.Body, got.Body))
		}
	}
}
