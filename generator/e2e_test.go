package generator

// End-to-end tests: a generated app behind real nginx (or php-fpm behind
// real nginx) serves twelve awkward file names, once with X-Accel on and
// once with it off, and the two must agree. Each backend registers an
// e2eBackend in its own e2e_<backend>_test.go file.

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"mime"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xaccel/xaccel/internal/realnginx"
)

// e2eBackend runs one backend's generated app.
type e2eBackend struct {
	// require skips the test (or fails it under XACCEL_REQUIRE_REAL=1)
	// when the runtime is missing; it returns whatever start needs.
	require func(t *testing.T)
	// app returns the --app value for a new instance whose scratch
	// directory is dir (a free 127.0.0.1 port, or a socket under dir).
	app func(t *testing.T, dir string) string
	// allow replaces the generated permission hook (out/<backend>/...) by
	// one that allows every file but "denied.txt".
	allow func(t *testing.T, out string)
	// start runs the app generated in out with XACCEL_ENABLED=1 or 0 and
	// returns once it accepts requests; t.Cleanup stops it.
	start func(t *testing.T, out string, d *Data, accel bool)
	// generate is the --backend to generate, when it is not the runner's
	// name (django-uwsgi runs the django code under uWSGI).
	generate string
	// fronts, when set, are the only fronts the runner goes behind.
	fronts []string
}

var e2eBackends = map[string]e2eBackend{}

// awkwardNames are the files every generated app must serve.
var awkwardNames = []string{
	"with space.txt",
	"ünïcödé.txt",
	"100%.txt",
	"q?.txt",
	"hash#.txt",
	"a+b.txt",
	"literal%20x.txt",
	`a"b.txt`,
	"semi;colon.txt",
	"sub/deep.txt",
	"evil.html",
	"evil.svg",
}

func wantType(name string) string {
	switch path.Ext(name) {
	case ".html":
		return "text/html"
	case ".svg":
		return "image/svg+xml"
	}
	return "text/plain"
}

// requireReal skips, or fails under XACCEL_REQUIRE_REAL=1, with a message
// that says what to install.
func requireReal(t *testing.T, what, install string) {
	t.Helper()
	realnginx.SkipOrFail(t, fmt.Sprintf("%s is missing (install: %s); this end-to-end test did not run", what, install))
}

// probes remembers whether a command that checks an interpreter for a
// framework succeeded: each backend is required once per front it runs
// behind, and starting Ruby with Rails or Python with FastAPI costs
// a noticeable part of a second.
var probes sync.Map // the command line -> bool

// probeOK runs name with args once per test binary and reports whether it
// exited 0.
func probeOK(name string, args ...string) bool {
	key := strings.Join(append([]string{name}, args...), "\x00")
	if ok, found := probes.Load(key); found {
		return ok.(bool)
	}
	ok := exec.Command(name, args...).Run() == nil
	probes.Store(key, ok)
	return ok
}

// loopbackApp is the --app of an app that listens on a free 127.0.0.1
// port.
func loopbackApp(t *testing.T, dir string) string {
	return fmt.Sprintf("127.0.0.1:%d", freePort(t))
}

// accelEnv is the environment entry that switches a generated app's
// X-Accel mode on or off.
func accelEnv(accel bool) string {
	if accel {
		return "XACCEL_ENABLED=1"
	}
	return "XACCEL_ENABLED=0"
}

// freePort returns a port free on 127.0.0.1 for an app or front that is
// told its port in a configuration (and cannot be given a listener).
// The port is taken below the kernel's ephemeral range, never twice in a
// run: a port the kernel hands out for ":0" was once taken by another
// test's server between the check and the app's start ("address already
// in use"), and outgoing connections take their local ports from that
// range too.
func freePort(t *testing.T) int {
	t.Helper()
	lo, hi := ephemeralLow()-12000, ephemeralLow()
	if lo < 10000 {
		lo = 10000
	}
	portsMu.Lock()
	defer portsMu.Unlock()
	for tries := 0; tries < 500 && hi > lo; tries++ {
		p := lo + rand.IntN(hi-lo)
		if portsGiven[p] {
			continue
		}
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err != nil {
			continue
		}
		ln.Close()
		portsGiven[p] = true
		return p
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

var (
	portsMu    sync.Mutex
	portsGiven = map[int]bool{}
)

// ephemeralLow is the first port of the kernel's ephemeral range (Linux's
// ip_local_port_range; 32768 where it cannot be read).
func ephemeralLow() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if n, err := strconv.Atoi(f[0]); err == nil && n > 1024 {
				return n
			}
		}
	}
	return 32768
}

// waitDial waits until network/addr accepts connections (at most 30 s)
// and, for TCP where /proc tells, until the listening socket is cmd's (or
// a child's): another test's server on a reused port does not count. log
// is the server's output, shown when it never does.
func waitDial(t *testing.T, cmd *exec.Cmd, network, addr, what string, log *bytes.Buffer) {
	t.Helper()
	port := 0
	if network == "tcp" {
		if _, p, err := net.SplitHostPort(addr); err == nil {
			port, _ = strconv.Atoi(p)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout(network, addr, time.Second)
		if err == nil {
			c.Close()
			if port == 0 {
				return
			}
			if owned, ok := listenerOwned(cmd.Process.Pid, port); owned || !ok {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s did not accept connections on %s within 30 s; its output:\n%s", what, addr, log.String())
}

// startProcess runs cmd until the test ends (SIGTERM, then SIGKILL after
// 5 s, by its PID) and returns its combined output buffer.
func startProcess(t *testing.T, cmd *exec.Cmd) *bytes.Buffer {
	t.Helper()
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", cmd.Path, err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("output of %s:\n%s", cmd.Path, out.String())
		}
	})
	return &out
}

// e2eFetch is what one request returned.
type e2eFetch struct {
	status int
	header http.Header
	body   []byte
}

// e2eFront runs one front server's generated configuration.
type e2eFront struct {
	// require skips the test (or fails it under XACCEL_REQUIRE_REAL=1)
	// when the server is missing.
	require func(t *testing.T)
	// start runs the front server generated in out until the test ends
	// and returns how to send it a GET for a raw request target.
	start func(t *testing.T, out string, d *Data) func(target string) (*realnginx.Response, error)
	// served is a header the front puts on a file it sends itself and
	// the apps do not send when they stream one: with X-Accel on, its
	// absence means the app streamed the file and the front only relayed
	// it (a mapping that did not match, say).
	served string
	// generate is the --front whose files it runs, when that is not its
	// own name (xaccel serve runs the nginx configuration).
	generate string
}

var e2eFronts = map[string]e2eFront{
	"nginx": {
		require: func(t *testing.T) { realnginx.Require(t) },
		start: func(t *testing.T, out string, d *Data) func(string) (*realnginx.Response, error) {
			conf, err := os.ReadFile(filepath.Join(out, "nginx", "xaccel.conf"))
			if err != nil {
				t.Fatal(err)
			}
			body := strings.Replace(string(conf), "listen 80;", "listen 127.0.0.1:{{PORT}};", 1)
			return realnginx.StartHTTP(t, body, nil).Get
		},
		served: "ETag",
	},
}

// runE2E generates the backend twice (X-Accel on and off) and runs each app
// behind real nginx, xaccel serve (which runs the generated nginx
// configuration) and Caddy, and checks the twelve names through each.
func runE2E(t *testing.T, backend string) { runE2EShared(t, backend, "nginx", "serve", "caddy") }

// runE2EFront is runE2E behind one front server (apache, whose generated
// app hands files over with X-Sendfile).
func runE2EFront(t *testing.T, backend, front string) { runE2EShared(t, backend, front) }

// runE2EShared runs the backend's app once per X-Accel mode behind each of
// the fronts it goes behind, and checks every front's answers in a subtest
// named after it (or in t itself for a single front).
//
// Starting the apps is most of the suite's time, so fronts share an app
// where they can: every front that runs the same generated files (nginx
// and serve), and a front whose generated app is the same code apart from
// comments and prose (appCodeDiffers: Caddy's app says "caddy" where nginx's
// says "nginx"), which is then generated with the same app address and
// app root and runs its own front configuration in front of the first
// front's app. A front whose app differs in code gets an app of its own.
//
// Every run has its own directories, free ports and server processes, so
// the runs go in parallel (TestMain raises go test's -parallel), and so do
// the two X-Accel modes of one run (subtests x-accel/on and x-accel/off).
func runE2EShared(t *testing.T, backend string, fronts ...string) {
	realnginx.SkipShort(t)
	t.Parallel()
	b, ok := e2eBackends[backend]
	if !ok {
		t.Fatalf("no end-to-end runner for %s", backend)
	}
	if b.fronts != nil {
		fronts = slices.DeleteFunc(slices.Clone(fronts), func(f string) bool { return !slices.Contains(b.fronts, f) })
	}
	if len(fronts) == 0 {
		t.Fatalf("%s goes behind none of the fronts asked for", backend)
	}
	var gens []string // the --front values to generate, in order
	genOf := map[string]string{}
	for _, name := range fronts {
		f, ok := e2eFronts[name]
		if !ok {
			t.Fatalf("no end-to-end runner for the front %s", name)
		}
		g := name
		if f.generate != "" {
			g = f.generate
		}
		genOf[name] = g
		if !slices.Contains(gens, g) {
			gens = append(gens, g)
		}
		f.require(t)
	}
	b.require(t)
	gb := backend
	if b.generate != "" {
		gb = b.generate
	}

	base := t.TempDir()
	files := filepath.Join(base, "private")
	contents := map[string]string{}
	for i, n := range append(append([]string(nil), awkwardNames...), "denied.txt") {
		p := filepath.Join(files, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		c := fmt.Sprintf("file %d: %s\n", i, n)
		if strings.HasSuffix(n, ".html") {
			c = "<script>alert(document.cookie)</script>\n"
		} else if strings.HasSuffix(n, ".svg") {
			c = `<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>` + "\n"
		}
		if err := os.WriteFile(p, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
		contents[n] = c
	}
	// A secret next to the private directory: no request may reach it.
	if err := os.WriteFile(filepath.Join(base, "secret.txt"), []byte("TOP SECRET\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	// generate writes the files for front gen with options o into out.
	generate := func(t *testing.T, o Options, gen, out string) *Data {
		o.Backend, o.Front = gb, gen
		return writeTree(t, o, out)
	}
	// options are those of a new app whose scratch directory is dir.
	options := func(t *testing.T, dir string) Options {
		o := Options{FilesDir: files, App: b.app(t, dir)}
		if e2eAppRoot[backend] {
			o.AppRoot = filepath.Join(dir, "out", gb)
		}
		return o
	}

	results := map[string]map[bool]map[string]e2eFetch{}
	for _, front := range fronts {
		results[front] = map[bool]map[string]e2eFetch{}
	}
	var mu sync.Mutex // results
	// The two modes side by side: each has its own apps, fronts and
	// directories (the apps are most of the time, and wait to start).
	t.Run("x-accel", func(t *testing.T) {
		for _, accel := range []bool{true, false} {
			t.Run(map[bool]string{true: "on", false: "off"}[accel], func(t *testing.T) {
				t.Parallel()
				type run struct {
					out string
					d   *Data
				}
				runs := map[string]run{} // by generated front
				var first run
				var firstOpts Options
				var apps []run // to start, once every front's files are compared
				for i, gen := range gens {
					dir := filepath.Join(base, fmt.Sprintf("accel-%v", accel), gen)
					if err := os.MkdirAll(dir, 0o755); err != nil {
						t.Fatal(err)
					}
					out := filepath.Join(dir, "out")
					if i > 0 {
						// The first app, if this front's app is the same code.
						d := generate(t, firstOpts, gen, out)
						why := appCodeDiffers(first.out, out)
						if why == "" {
							runs[gen] = run{out, d}
							continue
						}
						t.Logf("the app generated for %s differs from the one for %s (%s): it gets an app of its own", gen, gens[0], why)
						if err := os.RemoveAll(out); err != nil {
							t.Fatal(err)
						}
					}
					o := options(t, dir)
					d := generate(t, o, gen, out)
					r := run{out, d}
					if i == 0 {
						first, firstOpts = r, o
					}
					runs[gen] = r
					apps = append(apps, r)
				}
				for _, r := range apps {
					b.allow(t, r.out)
					b.start(t, r.out, r.d, accel)
				}
				for _, front := range fronts {
					r := runs[genOf[front]]
					send := e2eFronts[front].start(t, r.out, r.d)
					got := map[string]e2eFetch{}
					get := func(key, target string) {
						resp, err := send(target)
						if err != nil {
							t.Fatalf("%s: GET %s: %v", front, target, err)
						}
						got[key] = e2eFetch{resp.Status, resp.Header, resp.Body}
					}
					d := r.d
					for _, n := range awkwardNames {
						get(n, d.DownloadPathNoSlash+escapeSegments(n))
						get("direct:"+n, d.InternalPrefixNoSlash+escapeSegments(n))
					}
					get("denied", d.DownloadPath+"denied.txt")
					get("missing", d.DownloadPath+"missing.txt")
					get("traversal", d.DownloadPath+"..%2fsecret.txt")
					get("traversal2", d.DownloadPath+"sub/..%2f..%2fsecret.txt")
					get("off-by-slash", d.InternalPrefixNoSlash+"../secret.txt")
					mu.Lock()
					results[front][accel] = got
					mu.Unlock()
				}
			})
		}
	})
	if t.Failed() {
		return // a mode did not run through
	}
	for _, front := range fronts {
		if len(fronts) == 1 {
			checkE2E(t, front, results[front], contents)
			continue
		}
		t.Run(front, func(t *testing.T) { checkE2E(t, front, results[front], contents) })
	}
}

// checkE2E checks what one front answered for the twelve names and the
// requests that must fail, with X-Accel on and off.
func checkE2E(t *testing.T, front string, results map[bool]map[string]e2eFetch, contents map[string]string) {
	f := e2eFronts[front]
	for _, accel := range []bool{true, false} {
		mode := map[bool]string{true: "X-Accel on", false: "X-Accel off"}[accel]
		got := results[accel]
		for _, n := range awkwardNames {
			r := got[n]
			if r.status != 200 {
				t.Errorf("%s: %s: status %d, want 200 (body %.200q)", mode, n, r.status, r.body)
				continue
			}
			if string(r.body) != contents[n] {
				t.Errorf("%s: %s: body %q, want %q", mode, n, r.body, contents[n])
			}
			mt, _, err := mime.ParseMediaType(r.header.Get("Content-Type"))
			if err != nil || mt != wantType(n) {
				t.Errorf("%s: %s: Content-Type %q, want %s", mode, n, r.header.Get("Content-Type"), wantType(n))
			}
			disp, params, err := mime.ParseMediaType(r.header.Get("Content-Disposition"))
			if err != nil || disp != "attachment" || params["filename"] != path.Base(n) {
				t.Errorf("%s: %s: Content-Disposition %q reads as %q %q (%v), want attachment of %q",
					mode, n, r.header.Get("Content-Disposition"), disp, params["filename"], err, path.Base(n))
			}
			if v := r.header.Values("X-Content-Type-Options"); len(v) != 1 || v[0] != "nosniff" {
				t.Errorf("%s: %s: X-Content-Type-Options %q, want one nosniff", mode, n, v)
			}
			if v := r.header.Values("Cache-Control"); len(v) != 1 || !strings.Contains(v[0], "private") {
				t.Errorf("%s: %s: Cache-Control %q, want one value with private", mode, n, v)
			}
			if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "sandbox") {
				t.Errorf("%s: %s: Content-Security-Policy %q, want a sandbox", mode, n, csp)
			}
			for k := range r.header {
				if strings.HasPrefix(strings.ToLower(k), "x-accel-") || strings.EqualFold(k, "X-Sendfile") {
					t.Errorf("%s: %s: %s reached the client", mode, n, k)
				}
			}
			if accel && r.header.Get(f.served) == "" {
				t.Errorf("%s: %s: no %s header: the app streamed the file and %s only relayed it", mode, n, f.served, front)
			}
			if d := got["direct:"+n]; d.status != 404 {
				t.Errorf("%s: direct request for %s: status %d, want 404", mode, n, d.status)
			}
		}
		for _, k := range []string{"denied", "missing", "traversal", "traversal2", "off-by-slash"} {
			r := got[k]
			if r.status != 404 && (r.status < 400 || r.status > 499) {
				t.Errorf("%s: %s request: status %d, want 404 (or another 4xx)", mode, k, r.status)
			}
			if bytes.Contains(r.body, []byte("TOP SECRET")) || (k == "denied" && r.status != 404) {
				t.Errorf("%s: %s request: status %d, body %.100q", mode, k, r.status, r.body)
			}
		}
	}
	// The switch changes how the file travels, not what the client gets.
	for _, n := range awkwardNames {
		on, off := results[true][n], results[false][n]
		if !bytes.Equal(on.body, off.body) {
			t.Errorf("%s: bodies differ between X-Accel on and off", n)
		}
		for _, h := range []string{"Content-Type", "Content-Disposition", "Cache-Control", "X-Content-Type-Options", "Content-Security-Policy"} {
			if a, b := on.header.Values(h), off.header.Values(h); strings.Join(a, "\n") != strings.Join(b, "\n") {
				t.Errorf("%s: %s differs: X-Accel on %q, off %q", n, h, a, b)
			}
		}
	}
}

// writeTree resolves o and writes what the generator renders for it into
// out, as `xaccel generate` does.
func writeTree(t *testing.T, o Options, out string) *Data {
	t.Helper()
	d, err := Resolve(o)
	if err != nil {
		t.Fatal(err)
	}
	rendered, err := Render(d, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Write(out, rendered, false, false); err != nil {
		t.Fatal(err)
	}
	return d
}

// e2eAppRoot marks backends whose code php-fpm runs from --app-root.
var e2eAppRoot = map[string]bool{"php": true, "laravel": true}

// escapeSegments percent-encodes each segment of a relative name, the way a
// browser sends a link to it, with a leading slash.
func escapeSegments(name string) string {
	var b strings.Builder
	for _, seg := range strings.Split(name, "/") {
		b.WriteString("/")
		b.WriteString(url.PathEscape(seg))
	}
	return b.String()
}
