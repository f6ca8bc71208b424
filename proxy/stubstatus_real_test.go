//go:build unix

package proxy

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xaccel/xaccel/internal/realnginx"
)

var stubStatusRE = regexp.MustCompile(`^Active connections: (\d+) \nserver accepts handled requests\n (\d+) (\d+) (\d+) \nReading: (\d+) Writing: (\d+) Waiting: (\d+) \n$`)

// TestStubStatusAgainstNginx reads stub_status from real nginx and from
// serve while connections are in each state (one waiting after a
// keep-alive response, one opened without a request yet, one in the middle
// of its header) and after they close: the same page (the counts of
// connections by state as they are; those since the start as differences,
// since nginx's start-up check connected to it), 405 for a POST, the
// header alone for HEAD.
func TestStubStatusAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	conf := `
server {
    listen 127.0.0.1:{{PORT}};
    server_name localhost;
    root {{PREFIX}}/www;
    location = /status { stub_status; add_header X-W "$connections_writing" always; }
}
`
	ng := realnginx.StartHTTP(t, conf, map[string]string{"www/a.txt": "a\n"})
	emu, _ := startEmulator(t, conf, ng.Prefix, Options{})
	run := func(addr string) []string {
		var out []string
		var base []int64
		status := func(method string) {
			// Read until the server closes: it counts the connection as
			// writing until it has sent the answer, and both servers
			// stop counting it before they close it.
			raw, err := rawExchange(addr, method+" /status HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(raw)), &http.Request{Method: method})
			if err != nil {
				t.Fatalf("%s: %v in %q", addr, err, raw)
			}
			body, _ := io.ReadAll(resp.Body)
			r := &realnginx.Response{Status: resp.StatusCode, Header: resp.Header, Body: body}
			line := fmt.Sprintf("%s %d %s X-W=%s", method, r.Status, r.Header.Get("Content-Type"), r.Header.Get("X-W"))
			if m := stubStatusRE.FindStringSubmatch(string(r.Body)); m != nil {
				var n []int64
				for _, s := range m[1:] {
					v, _ := strconv.ParseInt(s, 10, 64)
					n = append(n, v)
				}
				if base == nil {
					base = n
				}
				line += fmt.Sprintf(" active=%d +accepts=%d +handled=%d +requests=%d reading=%d writing=%d waiting=%d",
					n[0], n[1]-base[1], n[2]-base[2], n[3]-base[3], n[4], n[5], n[6])
			} else if r.Status == 200 && method == "GET" {
				line += fmt.Sprintf(" body %q", r.Body)
			}
			out = append(out, line)
		}
		dial := func(send string) net.Conn {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { c.Close() })
			io.WriteString(c, send)
			return c
		}
		// Closed connections are counted once the server has seen them
		// close: give a loaded machine time.
		settle := func() { time.Sleep(300 * time.Millisecond) }
		status("GET")
		kept := dial("GET /a.txt HTTP/1.1\r\nHost: localhost\r\n\r\n")
		buf := make([]byte, 4096)
		kept.SetReadDeadline(time.Now().Add(5 * time.Second))
		kept.Read(buf)
		silent := dial("")
		partial := dial("GET /a.txt HTTP/1.1\r\nHo")
		settle()
		status("GET")
		status("HEAD")
		kept.Close()
		silent.Close()
		partial.Close()
		settle()
		status("GET")
		status("POST")
		return out
	}
	want, got := run(ng.Addr), run(emu)
	if os.Getenv("XACCEL_DUMP") != "" {
		t.Logf("nginx: %q\nserve: %q", want, got)
	}
	for i := range want {
		if i >= len(got) || want[i] != got[i] {
			t.Errorf("reading %d:\nnginx: %s\nserve: %v", i+1, want[i], got[i:min(i+1, len(got))])
		}
	}
	if len(want) < 5 || !regexp.MustCompile(`reading=1 writing=1 waiting=2`).MatchString(want[1]) {
		t.Errorf("nginx's counts are not the ones the test sets up: %q", want)
	}
}
