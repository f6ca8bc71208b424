//go:build unix

package uwsgi

import (
	"bufio"
	"errors"
	"io"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xaccel/xaccel/proxy/internal/upstream"
)

func TestEncode(t *testing.T) {
	b, err := Encode(Request{Params: []Param{{"A", "bc"}}, Modifier1: 5, Modifier2: 7})
	if err != nil {
		t.Fatal(err)
	}
	if want := "\x05\x07\x00\x07\x01\x00A\x02\x00bc"; string(b) != want {
		t.Errorf("got %q, want %q", b, want)
	}
	if _, err := Encode(Request{Params: []Param{{"X", strings.Repeat("v", 40000)}, {"Y", strings.Repeat("v", 40000)}}}); !errors.Is(err, ErrTooBig) {
		t.Errorf("variables over 65535 bytes: %v, want ErrTooBig", err)
	}
}

func TestStatusLine(t *testing.T) {
	type result struct {
		status int
		text   string
	}
	for in, want := range map[string]result{
		"HTTP/1.1 404 Not Found\r\n": {404, "404 Not Found"}, "HTTP/1.0 200\r\n": {200, "200"}, "HTTP/1.1 20x\r\n": {},
		"Status: 201\r\n": {}, "HTTP/x 200\r\n": {}, "HTTP/1.1 2000\r\n": {}, "HTTP/1.1 201 Made\n": {201, "201 Made"},
	} {
		status, text, _ := statusLine(bufio.NewReader(strings.NewReader(in + "\r\n")))
		if got := (result{status, text}); got != want {
			t.Errorf("%q: %v, want %v", in, got, want)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	to := upstream.Timeouts{Connect: 5 * time.Second, Send: 5 * time.Second, Read: 5 * time.Second}
	cases := []struct {
		out, body string
		status    int
		err       error
		bodyErr   bool
	}{
		{out: "HTTP/1.1 201 Created\r\nStatus: 404\r\n\r\nmade", status: 201, body: "made"},
		{out: "Status: 404 Gone\r\n\r\n", status: 404},
		{out: "Location: /x\r\n\r\n", status: 302},
		{out: "X-A: 1\r\n\r\nplain", status: 200, body: "plain"},
		{out: "Status: x\r\n\r\n", err: upstream.ErrInvalidHeader},
		{out: "X-A: 1\r\n", err: upstream.ErrInvalidHeader},
		{out: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nabcd", status: 200, body: "ab"},
		{out: "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc", status: 200, body: "abc", bodyErr: true},
	}
	for _, c := range cases {
		sock := filepath.Join(t.TempDir(), "app.sock")
		ln, err := net.Listen("unix", sock)
		if err != nil {
			t.Fatal(err)
		}
		go func(out string) {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(5 * time.Second))
			var h [4]byte
			io.ReadFull(conn, h[:])
			io.CopyN(io.Discard, conn, int64(h[1])|int64(h[2])<<8+4) // the variables and the body
			conn.Write([]byte(out))
		}(c.out)
		resp, err := RoundTrip(upstream.HostDest("unix:"+sock, "", 0), Request{Params: []Param{{"A", "1"}}, Body: []byte("body")}, Options{Timeouts: to, Method: "GET"})
		ln.Close()
		if c.err != nil || err != nil {
			if !errors.Is(err, c.err) {
				t.Errorf("%q: error %v, want %v", c.out, err, c.err)
			}
			continue
		}
		body, err := io.ReadAll(resp.Body)
		resp.Close()
		if resp.Status != c.status || string(body) != c.body || (err != nil) != c.bodyErr {
			t.Errorf("%q: %d %q (%v), want %d %q", c.out, resp.Status, body, err, c.status, c.body)
		}
	}
}
