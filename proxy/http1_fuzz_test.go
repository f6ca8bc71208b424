//go:build unix

package proxy

import (
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/xaccel/xaccel/nginx"
)

// FuzzServeConn feeds arbitrary bytes to a connection of a Server: it must
// not panic, and whatever it answers is a sequence of responses that
// start with a status line.
func FuzzServeConn(f *testing.F) {
	for _, c := range wireCases() {
		f.Add([]byte(c.raw))
	}
	f.Add([]byte("POST /p/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"))
	f.Add([]byte("GET / HTTP/1.1\r\nHost: x\r\nRange: bytes=0-1,3-4\r\n\r\n"))
	cfg := nginx.LoadBytes("f.conf", []byte(`http { server { listen 8080; root /nonexistent;
		location /r/ { return 200 "ok"; } location /p/ { proxy_pass http://127.0.0.1:1; } } }`), nginx.LoadOptions{})
	h, _, err := New(cfg, Options{})
	if err != nil {
		f.Fatal(err)
	}
	addr := serveHandler(f, h)
	f.Fuzz(func(t *testing.T, in []byte) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		go func() {
			c.Write(in)
			c.(*net.TCPConn).CloseWrite() // the server reads EOF after in
		}()
		out, err := io.ReadAll(c)
		if err != nil && !errors.Is(err, syscall.ECONNRESET) {
			t.Fatalf("reading the answer: %v", err)
		}
		if len(out) > 0 && !strings.HasPrefix(string(out), "HTTP/1.1 ") {
			t.Fatalf("answer does not start with a status line: %q", out[:min(len(out), 80)])
		}
	})
}
