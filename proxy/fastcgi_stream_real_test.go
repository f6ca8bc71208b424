//go:build unix

package proxy

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/fcgi"
	"strings"
	"testing"
	"time"

	"github.com/xaccel/xaccel/internal/realnginx"
)

// fcgiStreamApp is a FastCGI app (Go's net/http/fcgi, which hands the
// handler the body as its STDIN records arrive) that reports each piece
// of body it reads on got and answers with the whole body.
func fcgiStreamApp(t *testing.T, got chan<- string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go fcgi.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var all []byte
		buf := make([]byte, 64)
		for {
			n, err := r.Body.Read(buf)
			if n > 0 {
				all = append(all, buf[:n]...)
				got <- string(buf[:n])
			}
			if err != nil {
				if err != io.EOF {
					got <- "cut"
					return
				}
				break
			}
		}
		w.Header().Set("Content-Length", fmt.Sprint(len(all)))
		w.Write(all)
	}))
	return ln.Addr().String()
}

// TestFastCGIStreamingAgainstNginx: with fastcgi_request_buffering off,
// the FastCGI app gets the part of the body that came with the request
// header before the client sends the rest, from nginx and from serve
// alike, with a Content-Length body and with a chunked one; a
// fastcgi_request_buffering on location reads the body whole first.
func TestFastCGIStreamingAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	got := make(chan string, 64)
	app := fcgiStreamApp(t, got)
	conf := `
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    fastcgi_param REQUEST_METHOD $request_method;
    fastcgi_param SERVER_PROTOCOL $server_protocol;
    fastcgi_param REQUEST_URI $request_uri;
    fastcgi_param CONTENT_LENGTH $content_length;
    location / { fastcgi_request_buffering off; fastcgi_pass ` + app + `; }
    location /buffered/ { fastcgi_pass ` + app + `; }
}
`
	ng := realnginx.StartHTTP(t, conf, nil)
	emu, _ := startEmulator(t, conf, ng.Prefix, Options{})
	// wait collects what the app reports until it has want, or reports
	// what it had when nothing more came within the time.
	wait := func(want string, within time.Duration) (string, bool) {
		var have string
		deadline := time.After(within)
		for have != want {
			select {
			case s := <-got:
				have += s
				if !strings.HasPrefix(want, have) {
					return have, false
				}
			case <-deadline:
				return have, false
			}
		}
		return have, true
	}
	for _, c := range []struct {
		name, head, first, rest, whole string
		streamed                       bool
	}{
		{"Content-Length", "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nConnection: close\r\n\r\n", "01234", "56789", "0123456789", true},
		{"chunked", "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n", "5\r\n01234\r\n", "5\r\n56789\r\n0\r\n\r\n", "0123456789", true},
		{"buffered", "POST /buffered/x HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nConnection: close\r\n\r\n", "01234", "56789", "0123456789", false},
	} {
		for _, front := range []struct{ name, addr string }{{"nginx", ng.Addr}, {"serve", emu}} {
			t.Run(c.name+"/"+front.name, func(t *testing.T) {
				conn, err := net.DialTimeout("tcp", front.addr, 5*time.Second)
				if err != nil {
					t.Fatal(err)
				}
				defer conn.Close()
				conn.SetDeadline(time.Now().Add(10 * time.Second))
				io.WriteString(conn, c.head+c.first)
				if c.streamed {
					if have, ok := wait(c.whole[:5], 3*time.Second); !ok {
						t.Fatalf("the app got %q before the rest was sent, want %q", have, c.whole[:5])
					}
				} else if have, _ := wait(c.whole[:5], 300*time.Millisecond); have != "" {
					t.Fatalf("the app got %q before the body was whole (buffering on)", have)
				}
				io.WriteString(conn, c.rest)
				rest := c.whole[5:]
				if !c.streamed {
					rest = c.whole
				}
				if have, ok := wait(rest, 3*time.Second); !ok {
					t.Fatalf("the app got %q, want %q", have, rest)
				}
				resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				if resp.StatusCode != 200 || string(body) != c.whole {
					t.Errorf("%d %q, want 200 %q", resp.StatusCode, body, c.whole)
				}
			})
		}
	}
}
