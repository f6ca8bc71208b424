//go:build unix

package proxy

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xaccel/xaccel/internal/realnginx"
	"github.com/xaccel/xaccel/nginx"
)

// countingApp serves h on a 127.0.0.1 port until the test ends and counts
// the connections it accepts.
func countingApp(t *testing.T, h http.Handler) (addr string, conns *atomic.Int64) {
	t.Helper()
	conns = new(atomic.Int64)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &httptest.Server{Listener: ln, Config: &http.Server{
		ReadHeaderTimeout: 5 * time.Second,
		ConnState: func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				conns.Add(1)
			}
		},
		Handler: h,
	}}
	srv.Start()
	t.Cleanup(srv.Close)
	return ln.Addr().String(), conns
}

// TestUpstreamKeepalive: with `upstream { keepalive N; }`, HTTP/1.1 and the
// Connection header cleared, the emulator keeps connections to the app as
// nginx does, and clients see the same answers; without keepalive every
// request opens a new connection.
func TestUpstreamKeepalive(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	appAddr, conns := countingApp(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Accel-Redirect", "/protected/a.txt")
		w.Header().Set("Cache-Control", "private")
		if r.URL.Query().Get("body") == "1" {
			// nginx does not read the body of an X-Accel-Redirect
			// response, so it cannot keep this connection
			fmt.Fprint(w, "a body nginx never reads")
		}
	}))
	conf := `upstream app {
    server ` + appAddr + `;
    keepalive 4;
}
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    location /ka/ {
        proxy_pass http://app;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
    }
    location /close/ {
        proxy_pass http://app;
    }
    location ^~ /protected/ {
        internal;
        alias {{PREFIX}}/files/;
    }
}
`
	ng := realnginx.StartHTTP(t, conf, map[string]string{"files/a.txt": "a\n"})
	cfg := nginx.LoadBytes("ka.conf", []byte(strings.NewReplacer("{{PORT}}", "0", "{{PREFIX}}", ng.Prefix).Replace(conf)), nginx.LoadOptions{Prefix: ng.Prefix})
	if len(cfg.Errors) > 0 {
		t.Fatal(cfg.Errors[0])
	}
	h, _, err := New(cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	emuAddr := serveHandler(t, h)

	const n = 20
	for _, path := range []string{"/close/x", "/ka/x", "/ka/x?body=1"} {
		before := conns.Load()
		for i := 0; i < n; i++ {
			want, err := ng.Get(path)
			if err != nil {
				t.Fatal(err)
			}
			got, err := realnginx.Send(emuAddr, "GET", path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if want.Status != got.Status || string(want.Body) != string(got.Body) || want.Header.Get("Cache-Control") != got.Header.Get("Cache-Control") {
				t.Fatalf("%s: nginx %d %q, emulator %d %q", path, want.Status, want.Body, got.Status, got.Body)
			}
		}
		opened := conns.Load() - before
		if path == "/ka/x" && opened > 4 {
			t.Errorf("%s: %d connections to the app for %d requests from both servers; keepalive should reuse them", path, opened, 2*n)
		}
		if path == "/close/x" && opened != 2*n {
			t.Errorf("%s: %d connections to the app for %d requests; each request should open one", path, opened, 2*n)
		}
		// each server may take the one connection cached by /ka/ first
		if path == "/ka/x?body=1" && opened < 2*n-2 {
			t.Errorf("%s: %d connections to the app for %d requests; a connection with an unread body cannot be kept", path, opened, 2*n)
		}
	}
}

// TestUpstreamKeepaliveChunkedEnd: an app whose chunked bodies end with a
// trailer line, or with the empty line after the last chunk sent late,
// keeps its connection with nginx and with serve alike: the next response
// comes on the same connection and is read whole. An app that closes
// before that empty line has cut its body: both servers end the client's
// connection without a last chunk.
func TestUpstreamKeepaliveChunkedEnd(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var connID atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			id := connID.Add(1)
			go func(c net.Conn) {
				defer c.Close()
				c.SetDeadline(time.Now().Add(10 * time.Second))
				buf := make([]byte, 4096)
				for {
					n, err := c.Read(buf)
					if err != nil {
						return
					}
					req := string(buf[:n])
					head := fmt.Sprintf("HTTP/1.1 200 OK\r\nX-Connection: %d\r\nTransfer-Encoding: chunked\r\n\r\n", id)
					switch {
					case strings.Contains(req, "/late"):
						fmt.Fprint(c, head+"5\r\nhello\r\n0\r\n")
						time.Sleep(50 * time.Millisecond)
						fmt.Fprint(c, "\r\n")
					case strings.Contains(req, "/trailer"):
						fmt.Fprint(c, head+"5\r\nhello\r\n0\r\nX-Trailer: 1\r\n\r\n")
					case strings.Contains(req, "/cut"):
						fmt.Fprint(c, head+"5\r\nhello\r\n0\r\n")
						return
					}
				}
			}(c)
		}
	}()
	conf := `upstream app {
    server ` + ln.Addr().String() + `;
    keepalive 1;
}
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    location / { proxy_pass http://app; }
}
`
	ng := realnginx.StartHTTP(t, conf, nil)
	cfg := nginx.LoadBytes("ka.conf", []byte(strings.NewReplacer("{{PORT}}", "0", "{{PREFIX}}", ng.Prefix).Replace(conf)), nginx.LoadOptions{Prefix: ng.Prefix})
	if len(cfg.Errors) > 0 {
		t.Fatal(cfg.Errors[0])
	}
	h, _, err := New(cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	emu := serveHandler(t, h)
	for _, front := range []struct{ name, addr string }{{"nginx", ng.Addr}, {"serve", emu}} {
		for _, path := range []string{"/late", "/trailer"} {
			first, err := realnginx.Send(front.addr, "GET", path+"1", nil)
			if err != nil {
				t.Fatal(err)
			}
			second, err := realnginx.Send(front.addr, "GET", path+"2", nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range []*realnginx.Response{first, second} {
				if r.Status != 200 || string(r.Body) != "hello" {
					t.Errorf("%s %s: %d %q, want 200 \"hello\"", front.name, path, r.Status, r.Body)
				}
			}
			if a, b := first.Header.Get("X-Connection"), second.Header.Get("X-Connection"); a == "" || a != b {
				t.Errorf("%s %s: app connections %q then %q, want the same one kept", front.name, path, a, b)
			}
		}
		raw := realnginx.RawRequest("GET", "/cut", nil, "")
		if _, err := realnginx.SendRaw(front.addr, raw); err == nil {
			t.Errorf("%s /cut: a complete response, want the client's connection ended without a last chunk", front.name)
		}
	}
}

// TestUpstreamKeepaliveLimitsAgainstNginx counts the connections an app
// gets from nginx and from serve for the same sequence of requests: the
// upstream block's keepalive_requests closes a connection after that many
// requests, keepalive_timeout one idle that long, keepalive_time one in
// use that long, and two blocks naming the same server keep connections
// of their own.
func TestUpstreamKeepaliveLimitsAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	// One app for each front, which counts the connections it gets: the
	// two fronts run side by side.
	app := func() (string, *atomic.Int64) {
		return countingApp(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok\n") }))
	}
	conf := func(addr string) string {
		return `
upstream reqs { server ` + addr + `; keepalive 1; keepalive_requests 2; }
upstream idle { server ` + addr + `; keepalive 1; keepalive_timeout 300ms; }
upstream life { server ` + addr + `; keepalive 1; keepalive_time 300ms; }
upstream other { server ` + addr + `; keepalive 1; }
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    location /reqs { proxy_pass http://reqs; }
    location /idle { proxy_pass http://idle; }
    location /life { proxy_pass http://life; }
    location /other { proxy_pass http://other; }
}
`
	}
	ngApp, ngConns := app()
	emuApp, emuConns := app()
	ng := realnginx.StartHTTP(t, conf(ngApp), nil)
	emu, _ := startEmulator(t, conf(emuApp), ng.Prefix, Options{})
	type req struct {
		target string
		pause  time.Duration
	}
	cases := []struct {
		name string
		reqs []req
	}{
		{"keepalive_requests", []req{{"/reqs", 0}, {"/reqs", 0}, {"/reqs", 0}, {"/reqs", 0}, {"/reqs", 0}}},
		{"keepalive_timeout", []req{{"/idle", 0}, {"/idle", 0}, {"/idle", 500 * time.Millisecond}, {"/idle", 0}}},
		{"keepalive_time", []req{{"/life", 0}, {"/life", 200 * time.Millisecond}, {"/life", 200 * time.Millisecond}, {"/life", 0}}},
		{"two blocks", []req{{"/reqs", 0}, {"/other", 0}, {"/reqs", 0}, {"/other", 0}}},
	}
	// counts runs the cases through one front, one after the other, and
	// returns how many connections its app got in each.
	counts := func(addr string, conns *atomic.Int64) ([]int64, error) {
		var out []int64
		for _, c := range cases {
			// Whatever the last case left idle does not count.
			time.Sleep(50 * time.Millisecond)
			before := conns.Load()
			for _, r := range c.reqs {
				time.Sleep(r.pause)
				resp, err := realnginx.Send(addr, "GET", r.target, nil)
				if err != nil || resp.Status != 200 {
					return nil, fmt.Errorf("%s: GET %s: %v %v", c.name, r.target, resp, err)
				}
			}
			out = append(out, conns.Load()-before)
		}
		return out, nil
	}
	var want, got []int64
	var wantErr, gotErr error
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); want, wantErr = counts(ng.Addr, ngConns) }()
	go func() { defer wg.Done(); got, gotErr = counts(emu, emuConns) }()
	wg.Wait()
	if wantErr != nil || gotErr != nil {
		t.Fatalf("nginx: %v; serve: %v", wantErr, gotErr)
	}
	for i, c := range cases {
		if want[i] != got[i] {
			t.Errorf("%s: the app got %d connections from nginx, %d from serve", c.name, want[i], got[i])
		}
	}
}
