//go:build unix

package fastcgi

import (
	"bytes"
	"errors"
	"io"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xaccel/xaccel/proxy/internal/upstream"
)

func TestEncodeParams(t *testing.T) {
	long := strings.Repeat("v", 200)
	b, err := EncodeParams([]Param{{"A", "bc"}, {"LONG", long}})
	if err != nil {
		t.Fatal(err)
	}
	want := "\x01\x02Abc" + "\x04\x80\x00\x00\xc8LONG" + long
	if string(b) != want {
		t.Errorf("got %q, want %q", b, want)
	}
	if _, err := EncodeParams([]Param{{"X", strings.Repeat("v", 70000)}}); !errors.Is(err, ErrTooBigParams) {
		t.Errorf("params over 65535 bytes: %v, want ErrTooBigParams", err)
	}
	head := encodeHead(b, false)
	if head[1] != typeBeginRequest || head[8+1] != 1 || head[8+2] != 0 {
		t.Errorf("BEGIN_REQUEST %q: want the responder role without keep-conn", head[:16])
	}
	if len(head)%8 != 0 {
		t.Errorf("records not padded to 8 bytes: %d", len(head))
	}
}

func record(typ byte, data string) string {
	return string(appendRecord(nil, typ, []byte(data)))
}

// answer serves one connection with out after reading the request up to
// its empty STDIN record, and returns the address and what was read.
func answer(t *testing.T, out string) (upstream.Dest, chan []byte) {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "app.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	got := make(chan []byte, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		var in bytes.Buffer
		for {
			var h [8]byte
			if _, err := io.ReadFull(c, h[:]); err != nil {
				break
			}
			n := int(h[4])<<8 | int(h[5]) + int(h[6])
			data := make([]byte, n)
			io.ReadFull(c, data)
			in.Write(h[:])
			in.Write(data)
			if h[1] == typeStdin && h[4] == 0 && h[5] == 0 {
				break
			}
		}
		got <- in.Bytes()
		c.Write([]byte(out))
	}()
	return upstream.HostDest("unix:"+sock, "", 0), got
}

func TestRoundTrip(t *testing.T) {
	to := upstream.Timeouts{Connect: 5 * time.Second, Send: 5 * time.Second, Read: 5 * time.Second}
	end := record(typeEndRequest, "\x00\x00\x00\x00\x00\x00\x00\x00")
	cases := []struct {
		name, out string
		status    int
		body      string
		err       error
		bodyErr   bool
	}{
		{name: "no status", out: record(typeStdout, "X-A: 1\r\n\r\nhello") + end, status: 200, body: "hello"},
		{name: "status", out: record(typeStdout, "Status: 404 Gone\r\n\r\n") + end, status: 404},
		{name: "location", out: record(typeStdout, "Location: /x\r\n\r\n") + end, status: 302},
		{name: "bad status", out: record(typeStdout, "Status: 4x\r\n\r\n") + end, err: ErrInvalidHeader},
		{name: "end first", out: end, err: ErrInvalidHeader},
		{name: "stdout closed", out: record(typeStdout, "X: 1\r\n") + record(typeStdout, ""), err: ErrInvalidHeader},
		{name: "caught", out: record(typeStderr, "xx FATAL yy") + record(typeStdout, "\r\n") + end, err: ErrInvalidHeader},
		{name: "too big", out: record(typeStdout, "X: "+strings.Repeat("a", 5000)+"\r\n\r\n") + end, err: upstream.ErrTooBigHeader},
		{name: "split", out: record(typeStdout, "X-Lo") + record(typeStderr, "note") + record(typeStdout, "ng: v\r\n\r\nbo") + record(typeStdout, "dy") + end, status: 200, body: "body"},
		{name: "extra", out: record(typeStdout, "Content-Length: 2\r\n\r\nabcdef") + end, status: 200, body: "ab"},
		{name: "short", out: record(typeStdout, "Content-Length: 9\r\n\r\nabc") + record(typeStdout, "") + end, status: 200, body: "abc", bodyErr: true},
		{name: "closed", out: record(typeStdout, "\r\nuntil the end"), status: 200, body: "until the end"},
		{name: "bad record", out: record(typeStdout, "\r\nok") + "\x01\x0b\x00\x01\x00\x00\x00\x00", status: 200, body: "ok", bodyErr: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, in := answer(t, c.out)
			var stderr []string
			resp, err := RoundTrip(d, Request{Params: []Param{{"A", "1"}}, Body: []byte("req body")},
				Options{Limit: 4096, Timeouts: to, Method: "GET", CatchStderr: []string{"FATAL"}, Stderr: func(s string) { stderr = append(stderr, s) }})
			if sent := <-in; !bytes.Contains(sent, []byte("req body")) || !bytes.Contains(sent, []byte("\x01\x01A1")) {
				t.Errorf("request %q lacks the parameter or the body", sent)
			}
			if c.err != nil || err != nil {
				if !errors.Is(err, c.err) {
					t.Fatalf("error %v, want %v", err, c.err)
				}
				return
			}
			defer resp.Close()
			if resp.Status != c.status {
				t.Errorf("status %d, want %d", resp.Status, c.status)
			}
			body, err := io.ReadAll(resp.Body)
			if string(body) != c.body || (err != nil) != c.bodyErr {
				t.Errorf("body %q (%v), want %q (error: %v)", body, err, c.body, c.bodyErr)
			}
		})
	}
}
