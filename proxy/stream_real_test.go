//go:build unix

package proxy

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/xaccel/xaccel/internal/realnginx"
)

// streamApp is an app that reports, on got, each piece of request body
// it receives, and answers 200 with the whole body once it has read it.
func streamApp(t *testing.T, got chan<- string) string {
	t.Helper()
	return realnginx.ServeRaw(t, func(c net.Conn) {
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		br := bufio.NewReader(c)
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		var all []byte
		buf := make([]byte, 64)
		for {
			n, err := req.Body.Read(buf)
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
		fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(all), all)
	})
}

// TestRequestStreamingAgainstNginx: with proxy_request_buffering off, the
// app gets the first part of the body before the client sends the rest,
// from nginx and from serve alike, with a Content-Length body and with a
// chunked one (over HTTP/1.1 to the app); a client that goes away in the
// middle gets no answer, and the app sees a body cut short of its framing.
func TestRequestStreamingAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	got := make(chan string, 64)
	app := streamApp(t, got)
	conf := `
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    proxy_request_buffering off;
    location / { proxy_pass http://` + app + `; }
    location /h11/ { proxy_http_version 1.1; proxy_pass http://` + app + `; }
}
`
	ng := realnginx.StartHTTP(t, conf, nil)
	emu, _ := startEmulator(t, conf, ng.Prefix, Options{})
	wait := func(want string) error {
		var have string
		deadline := time.After(3 * time.Second)
		for have != want {
			select {
			case s := <-got:
				have += s
				if !strings.HasPrefix(want, have) {
					return fmt.Errorf("the app got %q, want %q", have, want)
				}
			case <-deadline:
				return fmt.Errorf("the app got %q before the rest was sent, want %q", have, want)
			}
		}
		return nil
	}
	for _, c := range []struct {
		name, head, first, rest, whole string
	}{
		{"Content-Length", "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nConnection: close\r\n\r\n", "01234", "56789", "0123456789"},
		{"chunked", "POST /h11/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n", "5\r\n01234\r\n", "5\r\n56789\r\n0\r\n\r\n", "0123456789"},
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
				if err := wait(c.whole[:5]); err != nil {
					t.Fatal(err)
				}
				io.WriteString(conn, c.rest)
				if err := wait(c.whole[5:]); err != nil {
					t.Fatal(err)
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
	for _, front := range []struct{ name, addr string }{{"nginx", ng.Addr}, {"serve", emu}} {
		t.Run("cut/"+front.name, func(t *testing.T) {
			conn, err := net.DialTimeout("tcp", front.addr, 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(10 * time.Second))
			io.WriteString(conn, "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n01234")
			if err := wait("01234"); err != nil {
				t.Fatal(err)
			}
			conn.(*net.TCPConn).CloseWrite()
			if err := wait("cut"); err != nil {
				t.Fatal(err)
			}
			out, _ := io.ReadAll(conn)
			if len(out) != 0 {
				t.Errorf("an answer to a client gone in the middle of its body: %q", out)
			}
		})
	}
}

// TestChunkedPrereadAgainstNginx: with proxy_request_buffering off, the
// chunks that came with the request's header go to the app with the
// header, joined into one chunk, and a last piece that ends the body goes
// with the last chunk, as nginx sends them: the app's reads are compared
// (the header's lines aside).
func TestChunkedPrereadAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	reads := make(chan []string, 4)
	app := realnginx.ServeRaw(t, func(c net.Conn) {
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		var seen []string
		var all string
		buf := make([]byte, 4096)
		for !strings.Contains(all, "\r\n0\r\n\r\n") {
			n, err := c.Read(buf)
			if err != nil {
				break
			}
			piece := string(buf[:n])
			all += piece
			if _, body, ok := strings.Cut(piece, "\r\n\r\n"); ok && len(seen) == 0 {
				piece = "HEADER" + body
			}
			seen = append(seen, piece)
			if len(seen) == 1 {
				reads <- seen[:1:1]
			}
		}
		reads <- seen
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
	})
	conf := `
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    proxy_request_buffering off;
    proxy_http_version 1.1;
    location / { proxy_pass http://` + app + `; }
}
`
	ng := realnginx.StartHTTP(t, conf, nil)
	emu, _ := startEmulator(t, conf, ng.Prefix, Options{})
	run := func(addr, first, rest string) []string {
		conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		io.WriteString(conn, "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"+first)
		select {
		case <-reads:
		case <-time.After(5 * time.Second):
			t.Fatal("the app got nothing")
		}
		io.WriteString(conn, rest)
		var seen []string
		select {
		case seen = <-reads:
		case <-time.After(5 * time.Second):
			t.Fatal("the app did not get the whole body")
		}
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return seen
	}
	for _, c := range [][2]string{
		{"5\r\n01234\r\n", "5\r\n56789\r\n0\r\n\r\n"},
		{"5\r\n01234\r\n4\r\nmany\r\n", "5\r\n56789\r\n4\r\nmany\r\n0\r\n\r\n"},
		{"", "5\r\n01234\r\n0\r\n\r\n"},
	} {
		want, got := run(ng.Addr, c[0], c[1]), run(emu, c[0], c[1])
		if strings.Join(want, "|") != strings.Join(got, "|") {
			t.Errorf("body %q then %q: the app read\n  from nginx %q\n  from serve %q", c[0], c[1], want, got)
		}
	}
}
