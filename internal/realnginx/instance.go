package realnginx

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	// startTimeout bounds the wait for nginx to accept connections.
	startTimeout = 10 * time.Second
	// stopTimeout is how long Stop waits after SIGQUIT before SIGKILL.
	stopTimeout = 5 * time.Second
	// requestTimeout bounds one Do / DoRaw round trip.
	requestTimeout = 10 * time.Second
	// startAttempts is how often Start tries a new port when bind fails.
	startAttempts = 3
)

// Placeholders replaced in the configs given to Start and StartHTTP.
const (
	PortPlaceholder   = "{{PORT}}"   // the chosen 127.0.0.1 port, e.g. 40123
	PrefixPlaceholder = "{{PREFIX}}" // Instance.Prefix, absolute, no trailing slash
)

// Instance is a running nginx, started by Start or StartHTTP.
type Instance struct {
	Addr   string // 127.0.0.1:port
	Port   int
	Prefix string // temp dir used as the -p prefix; holds conf/, logs/, nginx.pid and the caller's files

	cmd      *exec.Cmd
	out      *bytes.Buffer // nginx stdout+stderr; read only after done is closed
	done     chan struct{} // closed when the process has been waited for
	waitErr  error         // set before done is closed
	stopOnce sync.Once
}

// Response is a parsed HTTP response.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// httpMainConf wraps an http{} body in the minimal main config used by
// StartHTTP and CheckHTTP.
func httpMainConf(httpBody string) string {
	return `events {
}
http {
    access_log off;
    client_body_temp_path {{PREFIX}}/client_body_temp;
    proxy_temp_path {{PREFIX}}/proxy_temp;
    fastcgi_temp_path {{PREFIX}}/fastcgi_temp;
    uwsgi_temp_path {{PREFIX}}/uwsgi_temp;
    scgi_temp_path {{PREFIX}}/scgi_temp;
` + httpBody + `
}
`
}

// StartHTTP is Start with httpBody wrapped in a minimal main config:
//
//	events {}
//	http {
//	    access_log off;
//	    client_body_temp_path {{PREFIX}}/client_body_temp;
//	    proxy_temp_path {{PREFIX}}/proxy_temp; (fastcgi, uwsgi, scgi likewise)
//	    <httpBody>
//	}
//
// httpBody must contain the server{} blocks, listening on
// 127.0.0.1:{{PORT}}.
func StartHTTP(t testing.TB, httpBody string, files map[string]string) *Instance {
	t.Helper()
	return Start(t, httpMainConf(httpBody), files)
}

// Start runs nginx with a whole main config (with events{} and http{}) on a
// free 127.0.0.1 port and returns once it accepts connections (at most
// 10 s); any failure is fatal to the test.
//
// mainConf is written to Prefix/conf/nginx.conf with every {{PORT}} replaced
// by the port and every {{PREFIX}} by the prefix directory (a fresh
// os.MkdirTemp directory, "$TMPDIR/xaccel-nginx-*"). files (relative
// path under Prefix -> content) are written verbatim before the start,
// creating directories as needed.
//
// The only things added to the caller's config are command-line options:
// -p Prefix/ -c conf/nginx.conf -e Prefix/logs/error.log and
// -g "daemon off; master_process off; pid Prefix/nginx.pid;", so mainConf
// must not set daemon, master_process or pid. Note that compiled-in http
// defaults (access log, *_temp_path under /var) apply unless mainConf
// overrides them; StartHTTP does.
//
// nginx runs in the foreground as a single process. t.Cleanup stops it by
// its PID (SIGQUIT, then SIGKILL after 5 s), logs the error log if the test
// failed, and removes the prefix. On Linux nginx also gets SIGKILL if the
// test binary dies without running cleanups (Pdeathsig).
func Start(t testing.TB, mainConf string, files map[string]string) *Instance {
	t.Helper()
	return StartWith(t, Require(t), mainConf, files)
}

// StartHTTPWith is StartHTTP with the nginx binary bin: another version
// than the one found on the machine.
func StartHTTPWith(t testing.TB, bin, httpBody string, files map[string]string) *Instance {
	t.Helper()
	return StartWith(t, bin, httpMainConf(httpBody), files)
}

// StartWith is Start with the nginx binary bin.
func StartWith(t testing.TB, bin, mainConf string, files map[string]string) *Instance {
	t.Helper()
	if !strings.Contains(mainConf, "events") || !strings.Contains(mainConf, "http") {
		t.Fatalf("realnginx.Start needs a whole main config with events {} and http {}; use StartHTTP for an http{} body")
	}
	prefix, err := os.MkdirTemp("", "xaccel-nginx-")
	if err != nil {
		t.Fatalf("realnginx: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(prefix) })
	if err := writeFiles(prefix, files); err != nil {
		t.Fatalf("realnginx: %v", err)
	}
	for _, dir := range []string{"conf", "logs"} {
		if err := os.MkdirAll(filepath.Join(prefix, dir), 0o755); err != nil {
			t.Fatalf("realnginx: %v", err)
		}
	}

	for attempt := 1; ; attempt++ {
		port, err := freePort()
		if err != nil {
			t.Fatalf("realnginx: %v", err)
		}
		if err := writeFile(prefix, "conf/nginx.conf", expand(mainConf, prefix, port)); err != nil {
			t.Fatalf("realnginx: %v", err)
		}
		inst, bindFailed, err := launch(bin, prefix, port)
		if err == nil {
			t.Cleanup(func() {
				if err := inst.Stop(); err != nil {
					t.Errorf("realnginx: stopping nginx (pid %d): %v", inst.PID(), err)
				}
				if t.Failed() {
					t.Logf("nginx error log %s:\n%s", inst.ErrorLogPath(), inst.ErrorLog())
				}
			})
			return inst
		}
		if bindFailed && attempt < startAttempts {
			t.Logf("realnginx: port %d was taken, retrying: %v", port, err)
			continue
		}
		t.Fatalf("realnginx: nginx failed to start (attempt %d): %v\nnginx error log %s:\n%s",
			attempt, err, filepath.Join(prefix, "logs", "error.log"), readFile(filepath.Join(prefix, "logs", "error.log")))
	}
}

// launch starts nginx on an already written prefix and waits until it is
// ready. bindFailed reports an "Address already in use" failure, or a
// "duplicate listen" of the port picked for it.
func launch(bin, prefix string, port int) (inst *Instance, bindFailed bool, err error) {
	errorLog := filepath.Join(prefix, "logs", "error.log")
	pidFile := filepath.Join(prefix, "nginx.pid")
	os.Remove(errorLog)
	os.Remove(pidFile)

	cmd := exec.Command(bin,
		"-p", prefix+"/",
		"-c", "conf/nginx.conf",
		"-e", errorLog,
		"-g", "daemon off; master_process off; pid "+quote(pidFile)+";",
	)
	cmd.Dir = prefix
	out := new(bytes.Buffer)
	cmd.Stdout = out
	cmd.Stderr = out
	cmd.WaitDelay = stopTimeout
	setSysProcAttr(cmd)
	inst = &Instance{
		Addr:   net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		Port:   port,
		Prefix: prefix,
		cmd:    cmd,
		out:    out,
		done:   make(chan struct{}),
	}
	if err := cmd.Start(); err != nil {
		return nil, false, err
	}
	go func() {
		inst.waitErr = cmd.Wait()
		close(inst.done)
	}()

	// nginx writes its pid file only after it has bound its listening
	// sockets, so a pid file with our child's pid means the port is
	// nginx's and not someone else's; then wait until it accepts.
	deadline := time.Now().Add(startTimeout)
	for {
		select {
		case <-inst.done:
			logText := readFile(errorLog) + inst.out.String()
			// A port taken since it was picked, or one the configuration
			// already names (picked for it the same way, and handed out
			// again): another port may do.
			return nil, strings.Contains(logText, "Address already in use") || strings.Contains(logText, "a duplicate listen"),
				fmt.Errorf("nginx exited early (%v); output: %s", inst.waitErr, strings.TrimSpace(inst.out.String()))
		default:
		}
		if pid, err := os.ReadFile(pidFile); err == nil && strings.TrimSpace(string(pid)) == strconv.Itoa(cmd.Process.Pid) {
			c, err := net.DialTimeout("tcp", inst.Addr, 200*time.Millisecond)
			if err == nil {
				c.Close()
				return inst, false, nil
			}
		}
		if time.Now().After(deadline) {
			inst.Stop()
			return nil, false, fmt.Errorf("nginx did not accept connections on %s within %v", inst.Addr, startTimeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// PID returns the process id of nginx.
func (i *Instance) PID() int { return i.cmd.Process.Pid }

// Path returns the absolute path of rel under the prefix.
func (i *Instance) Path(rel string) string { return filepath.Join(i.Prefix, filepath.FromSlash(rel)) }

// ErrorLogPath returns the path of the error log (Prefix/logs/error.log).
func (i *Instance) ErrorLogPath() string { return i.Path("logs/error.log") }

// ErrorLog returns the current content of the error log.
func (i *Instance) ErrorLog() string { return readFile(i.ErrorLogPath()) }

// Stop stops nginx: SIGQUIT, then SIGKILL if it has not exited after 5 s.
// It waits for the process and is safe to call more than once; the cleanup
// registered by Start calls it. It returns an error if nginx had already
// exited on its own or had to be killed.
func (i *Instance) Stop() error {
	var err error
	i.stopOnce.Do(func() {
		select {
		case <-i.done:
			err = fmt.Errorf("nginx had exited on its own: %v", i.waitErr)
			return
		default:
		}
		if e := i.cmd.Process.Signal(syscall.SIGQUIT); e != nil {
			err = e
		}
		select {
		case <-i.done:
			return
		case <-time.After(stopTimeout):
		}
		i.cmd.Process.Kill()
		select {
		case <-i.done:
		case <-time.After(stopTimeout):
		}
		err = fmt.Errorf("nginx did not exit within %v of SIGQUIT; killed", stopTimeout)
	})
	return err
}

// Get is Do("GET", target, nil).
func (i *Instance) Get(target string) (*Response, error) {
	return i.Do(http.MethodGet, target, nil)
}

// Do sends one HTTP/1.1 request and returns the response. The request line
// is method, target and "HTTP/1.1" exactly as given: the target reaches
// nginx byte for byte ("/media../x", "/%2e%2e/", "/a//b" are not
// normalized). The headers are "Host: localhost" and "Connection: close"
// unless header sets Host or Connection (canonical keys), then header in
// sorted key order.
// The whole exchange is bounded by 10 s.
func (i *Instance) Do(method, target string, header http.Header) (*Response, error) {
	return Send(i.Addr, method, target, header)
}

// Send is Do for any server at addr (an emulator compared with nginx, say).
func Send(addr, method, target string, header http.Header) (*Response, error) {
	return SendRaw(addr, RawRequest(method, target, header, ""))
}

// RawRequest formats the request Do sends: the request line as given,
// "Host: localhost" and "Connection: close" unless header sets Host or
// Connection (canonical keys), header in sorted key order, and body with
// its Content-Length when it is not empty and header sets none.
func RawRequest(method, target string, header http.Header, body string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\n", method, target)
	if _, ok := header["Host"]; !ok {
		b.WriteString("Host: localhost\r\n")
	}
	if _, ok := header["Connection"]; !ok {
		b.WriteString("Connection: close\r\n")
	}
	keys := make([]string, 0, len(header))
	for k := range header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range header[k] {
			fmt.Fprintf(&b, "%s: %s\r\n", k, v)
		}
	}
	if body != "" && header.Get("Content-Length") == "" {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(body))
	}
	b.WriteString("\r\n")
	b.WriteString(body)
	return []byte(b.String())
}

// DoRaw writes raw bytes (a complete request, possibly malformed) to a new
// connection and parses the response. The method, for the HEAD rule, is
// taken from the first word of raw. Bounded by 10 s.
func (i *Instance) DoRaw(raw []byte) (*Response, error) {
	return SendRaw(i.Addr, raw)
}

// SendRaw is DoRaw for any server at addr.
func SendRaw(addr string, raw []byte) (*Response, error) {
	conn, err := net.DialTimeout("tcp", addr, requestTimeout)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(requestTimeout)); err != nil {
		return nil, err
	}
	if _, err := conn.Write(raw); err != nil {
		return nil, err
	}
	method, _, _ := bytes.Cut(raw, []byte(" "))
	resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: string(method)})
	if err != nil {
		return nil, fmt.Errorf("reading response: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("reading response body: %w", err)
	}
	if len(resp.TransferEncoding) > 0 {
		// Go's reader takes it out of the header; put back, it is
		// part of what a server answers.
		resp.Header["Transfer-Encoding"] = resp.TransferEncoding
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: body}, nil
}

// expand replaces the placeholders in conf.
func expand(conf, prefix string, port int) string {
	return strings.NewReplacer(PortPlaceholder, strconv.Itoa(port), PrefixPlaceholder, prefix).Replace(conf)
}

// freePort returns a 127.0.0.1 port that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// writeFiles writes files (relative path -> content) under prefix.
func writeFiles(prefix string, files map[string]string) error {
	for rel, content := range files {
		if err := writeFile(prefix, rel, content); err != nil {
			return err
		}
	}
	return nil
}

func writeFile(prefix, rel, content string) error {
	rel = filepath.FromSlash(rel)
	if !filepath.IsLocal(rel) {
		return errors.New("file path must be relative and stay inside the prefix: " + rel)
	}
	p := filepath.Join(prefix, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, []byte(content), 0o644)
}

func readFile(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(" + err.Error() + ")"
	}
	return string(b)
}
