package generator

// xaccel serve as the front: the generated nginx configuration, served by
// the xaccel binary of this checkout (built once per test run), in front of
// the same apps and with the same checks as real nginx, Caddy and Apache.
// The configuration is generated for the test's own app address and private
// directory, so it needs no --upstream or --map-root: the app's
// X-Accel-Mapping (Rails, Laravel) must name the directory the files are
// really in, and both flags would map those paths onto themselves.

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xaccel/xaccel/internal/realnginx"
)

var (
	xaccelBinOnce sync.Once
	xaccelBinDir  string
	xaccelBin     string
	xaccelBinErr  error
)

// e2eParallel is how many tests run at once unless -parallel says
// otherwise: the end-to-end runs mostly wait for servers to start, answer
// and stop, so more of them than CPUs keep the machine busy.
const e2eParallel = 6

// TestMain raises go test's -parallel (unless it is given) and removes the
// xaccel binary the serve tests built.
func TestMain(m *testing.M) {
	flag.Parse()
	explicit := false
	flag.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "test.parallel" })
	if !explicit && runtime.GOMAXPROCS(0) < e2eParallel {
		flag.Set("test.parallel", strconv.Itoa(e2eParallel))
	}
	code := m.Run()
	if xaccelBinDir != "" {
		os.RemoveAll(xaccelBinDir)
	}
	os.Exit(code)
}

// serveBinary builds xaccel once per test run and returns its path.
func serveBinary(t *testing.T) string {
	t.Helper()
	xaccelBinOnce.Do(func() {
		xaccelBinDir, xaccelBinErr = os.MkdirTemp("", "xaccel-e2e-bin-")
		if xaccelBinErr != nil {
			return
		}
		bin := filepath.Join(xaccelBinDir, "xaccel")
		out, err := exec.Command("go", "build", "-o", bin, "github.com/xaccel/xaccel").CombinedOutput()
		if err != nil {
			xaccelBinErr = fmt.Errorf("go build of xaccel: %v\n%s", err, out)
			return
		}
		xaccelBin = bin
	})
	if xaccelBinErr != nil {
		t.Fatal(xaccelBinErr)
	}
	return xaccelBin
}

// startServe runs xaccel serve on conf, on a free 127.0.0.1 port, until the
// test ends, and returns the address it listens on.
func startServe(t *testing.T, conf string) string {
	t.Helper()
	bin := serveBinary(t)
	ready := filepath.Join(t.TempDir(), "ready")
	cmd := exec.Command(bin, "serve", "-c", conf, "--listen", "127.0.0.1:0", "--ready-file", ready)
	log := startProcess(t, cmd)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(ready); err == nil && strings.HasSuffix(string(b), "\n") {
			return strings.SplitN(string(b), "\n", 2)[0]
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("xaccel serve did not write %s within 30 s; its output:\n%s", ready, log.String())
	return ""
}

func init() {
	e2eFronts["serve"] = e2eFront{
		require: func(t *testing.T) {
			if _, err := exec.LookPath("go"); err != nil {
				requireReal(t, "the go command (to build xaccel)", "Go from https://go.dev/dl/")
			}
		},
		start: func(t *testing.T, out string, d *Data, httpApp string) func(string) (*realnginx.Response, error) {
			conf := filepath.Join(out, "nginx", "xaccel.conf")
			if httpApp != "" {
				conf = fastCGIToHTTP(t, conf, httpApp)
			}
			addr := startServe(t, conf)
			return func(target string) (*realnginx.Response, error) {
				return realnginx.Send(addr, "GET", target, nil)
			}
		},
		served:   "ETag",
		httpOnly: true,
		generate: "nginx",
	}
}

// fastCGIToHTTP writes, next to the generated configuration conf, the
// same configuration with its php-fpm upstream replaced by the app's code
// under PHP's built-in server at addr, since xaccel serve speaks only HTTP
// to an app: fastcgi_pass becomes proxy_pass, each fastcgi_param
// HTTP_<NAME> becomes proxy_set_header <Name>, and the other fastcgi_params
// (CGI variables that PHP's server sets itself) go. php-fpm is given
// REQUEST_URI $request_uri; proxy_pass without a URI part sends the same
// while the URI is unchanged (the plain-PHP location), and after Laravel's
// try_files to /index.php, proxy_pass http://ADDR$request_uri sends it.
// Every location, alias and header of the generated file stays as it is.
func fastCGIToHTTP(t *testing.T, conf, addr string) string {
	t.Helper()
	src, err := os.ReadFile(conf)
	if err != nil {
		t.Fatal(err)
	}
	uri := ""
	if strings.Contains(string(src), "try_files") {
		uri = "$request_uri"
	}
	var b strings.Builder
	passes := 0
	for _, line := range strings.SplitAfter(string(src), "\n") {
		fields := strings.Fields(strings.TrimSuffix(strings.TrimSpace(line), ";"))
		indent := line[:len(line)-len(strings.TrimLeft(line, " \t"))]
		switch {
		case len(fields) == 2 && fields[0] == "fastcgi_pass":
			passes++
			fmt.Fprintf(&b, "%sproxy_pass http://%s%s;\n", indent, addr, uri)
		case len(fields) >= 2 && fields[0] == "fastcgi_param" && strings.HasPrefix(fields[1], "HTTP_"):
			var words []string
			for _, w := range strings.Split(strings.TrimPrefix(fields[1], "HTTP_"), "_") {
				words = append(words, w[:1]+strings.ToLower(w[1:]))
			}
			fmt.Fprintf(&b, "%sproxy_set_header %s %s;\n", indent, strings.Join(words, "-"), strings.Join(fields[2:], " "))
		case len(fields) >= 1 && fields[0] == "fastcgi_param":
		default:
			b.WriteString(line)
		}
	}
	if passes == 0 {
		t.Fatalf("%s has no fastcgi_pass to replace", conf)
	}
	p := filepath.Join(filepath.Dir(conf), "xaccel-http.conf")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestE2EServe runs every backend that has an end-to-end runner behind
// xaccel serve.
func TestE2EServe(t *testing.T) { runE2EFronts(t, "serve") }
