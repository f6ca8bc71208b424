//go:build unix

package proxy

import (
	"bufio"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xaccel/xaccel/internal/realnginx"
	"github.com/xaccel/xaccel/nginx"
)

// TestUnixListenAgainstNginx compares a server on `listen unix:PATH` with
// nginx: reached through proxy_pass to the socket and directly, with
// $remote_addr and $remote_port of such a client, and `allow`/`deny unix:`.
func TestUnixListenAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	conf := `
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    location /via/ { proxy_pass http://unix:{{SOCK}}:/; }
}
server {
    listen unix:{{SOCK}};
    server_tokens off;
    location / { return 200 "addr=[$remote_addr] port=[$remote_port] host=$host\n"; }
    location /deny_unix { deny unix:; }
    location /deny_all { deny all; }
    location /allow_unix { allow unix:; deny all; return 200 "in\n"; }
    location /deny_inet { deny 127.0.0.1; return 200 "in\n"; }
}
`
	dir, err := os.MkdirTemp("/tmp", "xaccel-unix-") // short: socket paths are limited to 107 bytes
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	ngSock, emuSock := filepath.Join(dir, "n.sock"), filepath.Join(dir, "e.sock")
	ng := realnginx.StartHTTP(t, strings.ReplaceAll(conf, "{{SOCK}}", ngSock), nil)

	src := strings.NewReplacer("{{PORT}}", strconv.Itoa(ng.Port), "{{SOCK}}", emuSock).Replace(conf)
	cfg := nginx.LoadBytes(filepath.Join(dir, "u.conf"), []byte("http {"+src+"}"), nginx.LoadOptions{})
	if len(cfg.Errors) > 0 {
		t.Fatal(cfg.Errors[0])
	}
	front, _, err := NewFront(cfg, Options{}, FrontOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseListenMap(strconv.Itoa(ng.Port) + "=127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	binds, _, err := PlanBinds(front.Listens(), BindOptions{Map: []ListenMap{m}})
	if err != nil {
		t.Fatal(err)
	}
	srv := NewFrontServer(front)
	t.Cleanup(func() { srv.Close() })
	var emuTCP string
	for _, b := range binds {
		var ln net.Listener
		if b.Unix != "" {
			ln, err = listenUnix(b.Unix)
		} else {
			ln, err = net.Listen("tcp", b.Addr.String())
			if err == nil {
				emuTCP = ln.Addr().String()
			}
		}
		if err != nil {
			t.Fatal(err)
		}
		go srv.ServeAs(ln, b.Group)
	}
	if fi, err := os.Stat(emuSock); err != nil || fi.Mode().Perm() != 0o666 {
		t.Errorf("serve's socket: %v, mode %v; want 0666 as nginx makes it", err, fi.Mode())
	}
	direct := func(sock, target string) *realnginx.Response {
		c, err := net.DialTimeout("unix", sock, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		c.Write(realnginx.RawRequest("GET", target, nil, ""))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body := new(strings.Builder)
		bufio.NewReader(resp.Body).WriteTo(body)
		return &realnginx.Response{Status: resp.StatusCode, Header: resp.Header, Body: []byte(body.String())}
	}
	for _, target := range []string{"/", "/deny_unix", "/deny_all", "/allow_unix", "/deny_inet"} {
		want, got := sendBoth(t, ng, emuTCP, realnginx.RawRequest("GET", "/via"+target, nil, ""))
		if problems := diffResponses(want, got); len(problems) > 0 {
			t.Errorf("through proxy_pass %s:\n  %s", target, strings.Join(problems, "\n  "))
		}
		if problems := diffResponses(direct(ngSock, target), direct(emuSock, target)); len(problems) > 0 {
			t.Errorf("on the socket %s:\n  %s", target, strings.Join(problems, "\n  "))
		}
	}
}

// TestListenUnixLeavesOthersAlone: a stale socket file is replaced, as
// nginx replaces it; a socket another server answers on, or a file that is
// not a socket, is left alone and the listen fails.
func TestListenUnixLeavesOthersAlone(t *testing.T) {
	t.Parallel()
	dir, err := os.MkdirTemp("/tmp", "xaccel-unix-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	stale := filepath.Join(dir, "stale.sock")
	l, err := net.Listen("unix", stale)
	if err != nil {
		t.Fatal(err)
	}
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	l.Close()
	ln, err := listenUnix(stale)
	if err != nil {
		t.Fatalf("a stale socket: %v", err)
	}
	// Now in use.
	if _, err := listenUnix(stale); err == nil || !strings.Contains(err.Error(), "another server") {
		t.Errorf("a socket in use: %v", err)
	}
	ln.Close()
	file := filepath.Join(dir, "file")
	os.WriteFile(file, []byte("keep"), 0o644)
	if _, err := listenUnix(file); err == nil {
		t.Errorf("a regular file was taken for a socket")
	}
	if b, _ := os.ReadFile(file); string(b) != "keep" {
		t.Errorf("the file was changed: %q", b)
	}
}
