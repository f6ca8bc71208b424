//go:build unix

package proxy

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xaccel/xaccel/internal/realnginx"
)

// heldBackend answers each request once release is closed, and reports
// every request it has received on arrived.
func heldBackend(t *testing.T) (addr string, arrived chan struct{}, release func()) {
	t.Helper()
	arrived = make(chan struct{}, 64)
	gate := make(chan struct{})
	var once sync.Once
	release = func() { once.Do(func() { close(gate) }) }
	addr = realnginx.ServeRaw(t, func(c net.Conn) {
		defer c.Close()
		if _, err := http.ReadRequest(bufio.NewReader(c)); err != nil {
			return
		}
		arrived <- struct{}{}
		<-gate
		fmt.Fprint(c, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nheld\n")
	})
	t.Cleanup(release) // before ServeRaw's cleanup closes the port, as before
	return addr, arrived, release
}

const limitConnConf = `
limit_conn_zone $binary_remote_addr zone=per_ip:1m;
limit_conn_zone $arg_k zone=per_k:1m;
server {
    listen 127.0.0.1:{{PORT}};
    server_name localhost;
    root {{PREFIX}}/www;
    add_header X-C "$limit_conn_status" always;
    location /held/ { limit_conn per_ip 2; proxy_pass http://BACKEND; }
    location /f/ { limit_conn per_ip 2; }
    location /k/ { limit_conn per_k 1; limit_conn_status 429; }
    location /dry/ { limit_conn per_ip 1; limit_conn_dry_run on; }
    location /ret { limit_conn per_ip 1; return 200 "return first\n"; }
}
`

// TestLimitConnAgainstNginx holds two requests at an app behind a
// location with `limit_conn per_ip 2`, then sends more to real nginx and
// to serve: while the two run, a third to a location of the same zone is
// refused (503, $limit_conn_status REJECTED), as is one in dry run's
// location (served, REJECTED_DRY_RUN); a `return` answers before
// limit_conn; a key of its own zone (429) and an empty one are not held
// back; once the two end, the zone has room again.
func TestLimitConnAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	files := map[string]string{"www/f/a.txt": "f\n", "www/k/a.txt": "k\n", "www/dry/a.txt": "d\n"}
	run := func(start func(conf string) string) []string {
		backend, arrived, release := heldBackend(t)
		addr := start(strings.ReplaceAll(limitConnConf, "BACKEND", backend))
		get := func(target string) string {
			r, err := realnginx.SendRaw(addr, []byte("GET "+target+" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"))
			if err != nil {
				return "error: " + err.Error()
			}
			return fmt.Sprintf("%s %d %s", target, r.Status, r.Header.Get("X-C"))
		}
		held := make(chan string, 2)
		for range 2 {
			go func() { held <- get("/held/x") }()
		}
		for range 2 {
			select {
			case <-arrived:
			case <-time.After(10 * time.Second):
				t.Fatal("the held requests never reached the app")
			}
		}
		var out []string
		for _, target := range []string{"/held/x", "/f/a.txt", "/dry/a.txt", "/ret", "/k/a.txt?k=1", "/k/a.txt"} {
			out = append(out, get(target))
		}
		release()
		out = append(out, <-held, <-held, get("/f/a.txt"))
		return out
	}
	want := run(func(conf string) string { return realnginx.StartHTTP(t, conf, files).Addr })
	got := run(func(conf string) string {
		prefix := t.TempDir()
		for name, body := range files {
			writeTestFile(t, prefix, name, body)
		}
		return serveFrontConf(t, strings.ReplaceAll(conf, "{{PREFIX}}", prefix))
	})
	if os.Getenv("XACCEL_DUMP") != "" {
		t.Logf("nginx:\n%s", strings.Join(want, "\n"))
	}
	if strings.Join(want, "\n") != strings.Join(got, "\n") {
		t.Errorf("nginx:\n%s\nserve:\n%s", strings.Join(want, "\n"), strings.Join(got, "\n"))
	}
	if !strings.Contains(strings.Join(want, "\n"), "/f/a.txt 503 REJECTED") {
		t.Errorf("nginx refused nothing: the test checks less than it says\n%s", strings.Join(want, "\n"))
	}
}

// writeTestFile writes body to name under dir, with its directories.
func writeTestFile(t *testing.T, dir, name, body string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}
