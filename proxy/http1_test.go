//go:build unix

package proxy

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xaccel/xaccel/nginx"
	"github.com/xaccel/xaccel/proxy/internal/http1"
)

// slowApp answers every request after delay with "slow".
func slowApp(t *testing.T, delay time.Duration) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(delay)
		io.WriteString(w, "slow")
	}), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

func testServer(t *testing.T, conf string) (*Server, string) {
	return testServerWith(t, conf, Options{})
}

func testServerWith(t *testing.T, conf string, o Options) (*Server, string) {
	t.Helper()
	cfg := nginx.LoadBytes("t.conf", []byte(conf), nginx.LoadOptions{})
	if len(cfg.Errors) > 0 {
		t.Fatal(cfg.Errors[0])
	}
	h, _, err := New(cfg, o)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(h)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		srv.Close()
		if err := <-done; err != ErrServerClosed {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
	})
	return srv, ln.Addr().String()
}

// TestShutdown: an idle connection is closed at once, a request in
// progress is answered in full, and no new connection is accepted.
func TestShutdown(t *testing.T) {
	t.Parallel() // waits for a slow app
	app := slowApp(t, 300*time.Millisecond)
	srv, addr := testServer(t, "http { server { listen 8080; location / { proxy_pass http://"+app+"; } } }")

	idle, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	busy, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	busy.SetDeadline(time.Now().Add(5 * time.Second))
	idle.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(busy, "GET /x HTTP/1.1\r\nHost: a\r\n\r\n")
	time.Sleep(100 * time.Millisecond) // the request is with the app

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Errorf("Shutdown returned after %v, before the request in progress was answered", d)
	}
	resp, err := http.ReadResponse(bufio.NewReader(busy), nil)
	if err != nil {
		t.Fatalf("the request in progress got no answer: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(body) != "slow" {
		t.Errorf("request in progress: %d %q", resp.StatusCode, body)
	}
	if n, err := idle.Read(make([]byte, 1)); err == nil {
		t.Errorf("the idle connection got %d bytes instead of being closed", n)
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Errorf("a connection was accepted after Shutdown")
	}
}

// TestKeepaliveRequests: the 1000th request on a connection is answered
// with Connection: close and the connection ends (keepalive_requests).
func TestKeepaliveRequests(t *testing.T) {
	_, addr := testServer(t, `http { server { listen 8080; location / { return 200 "ok"; } } }`)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	go io.WriteString(c, strings.Repeat("GET / HTTP/1.1\r\nHost: a\r\n\r\n", http1.DefaultLimits.KeepaliveRequests))
	br := bufio.NewReader(c)
	for i := 1; i <= http1.DefaultLimits.KeepaliveRequests; i++ {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("response %d: %v", i, err)
		}
		io.Copy(io.Discard, resp.Body)
		if want := i == http1.DefaultLimits.KeepaliveRequests; resp.Close != want {
			t.Fatalf("response %d: Connection: close is %v", i, resp.Close)
		}
	}
	if _, err := br.ReadByte(); err != io.EOF {
		t.Errorf("after the last response: %v, want the connection closed", err)
	}
}

// TestLingeringClose: after refusing a request whose body is still
// coming, the server reads and drops the rest instead of resetting the
// connection, so the client can finish sending and read the answer.
func TestLingeringClose(t *testing.T) {
	_, addr := testServer(t, `http { server { listen 8080; location / { return 200 "ok"; } } }`)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(c, "POST / HTTP/1.1\r\nHost: a\r\nBad Name: 1\r\nContent-Length: 4000000\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no response: %v", err)
	}
	if resp.StatusCode != http.StatusBadRequest || !resp.Close {
		t.Errorf("got %d, Connection: close %v; want 400 and close", resp.StatusCode, resp.Close)
	}
	chunk := strings.Repeat("x", 64<<10)
	for i := 0; i < 60; i++ {
		if _, err := io.WriteString(c, chunk); err != nil {
			t.Fatalf("sending the rest of the body, after %d KiB: %v", i*64, err)
		}
		time.Sleep(time.Millisecond)
	}
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestTraceRefused: --trace tells a request refused while it was read,
// and the error_page that answered it. As in nginx, an error_page to a
// named location needs the request's URI: when the request line itself
// could not be read there is none, and the answer is 500 ("empty URI in
// redirect to named location").
func TestTraceRefused(t *testing.T) {
	var trace syncBuffer
	_, addr := testServerWith(t, `http { server { listen 8080; error_page 400 =200 @bad; location @bad { return 200 "bad"; } } }`, Options{Trace: &trace})
	for _, c := range []struct {
		raw    string
		status int
		body   string
	}{
		{"GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", 500, ""},
		{"GET /ok HTTP/1.1\r\nHost: a..b\r\n\r\n", 200, "bad"},
	} {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		io.WriteString(conn, c.raw)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		conn.Close()
		if resp.StatusCode != c.status || c.body != "" && string(body) != c.body {
			t.Errorf("%q: %d %q, want %d %q", c.raw, resp.StatusCode, body, c.status, c.body)
		}
	}
	want := "(request line not readable) refused while reading the request (400) error_page @bad -> 500\n" +
		"GET /ok refused while reading the request (400) error_page @bad [location @bad] -> 200\n"
	if got := trace.String(); got != want {
		t.Errorf("trace:\n%s\nwant:\n%s", got, want)
	}
}
