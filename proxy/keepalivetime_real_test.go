//go:build unix

package proxy

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/xaccel/xaccel/internal/realnginx"
)

// TestClientKeepaliveLimitsAgainstNginx compares the Connection header of
// each answer on one client connection under keepalive_time (a
// connection older than it gets its last answer) and keepalive_disable
// (msie6 for a POST from an old MSIE, the default; safari), and
// $connection_time starting at 0.
func TestClientKeepaliveLimitsAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	conf := `
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    location / { return 200 "t=$connection_time\n"; }
    location /time { keepalive_time 300ms; return 200 "time\n"; }
    location /safari { keepalive_disable safari; return 200 "safari\n"; }
    location /none { keepalive_disable none; return 200 "none\n"; }
}
`
	ng := realnginx.StartHTTP(t, conf, nil)
	emu, _ := startEmulator(t, conf, ng.Prefix, Options{})
	type req struct {
		method, target, ua string
		pause              time.Duration
	}
	// run sends the requests on one connection, as long as it is kept,
	// and returns each answer's Connection header and body.
	run := func(addr string, reqs []req) []string {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		br := bufio.NewReader(c)
		var out []string
		for _, r := range reqs {
			time.Sleep(r.pause)
			raw := r.method + " " + r.target + " HTTP/1.1\r\nHost: x\r\nUser-Agent: " + r.ua + "\r\n"
			if r.method == "POST" {
				raw += "Content-Length: 0\r\n"
			}
			io.WriteString(c, raw+"\r\n")
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				out = append(out, "no answer")
				break
			}
			b, _ := io.ReadAll(resp.Body)
			body := strings.TrimSpace(string(b))
			if strings.HasPrefix(body, "t=") {
				body = "t=" + strings.SplitN(body[2:], ".", 2)[0] // whole seconds
			}
			out = append(out, resp.Header.Get("Connection")+" "+body)
			if resp.Close {
				break
			}
		}
		return out
	}
	for _, c := range []struct {
		name string
		reqs []req
	}{
		{"keepalive_time", []req{{"GET", "/time", "", 0}, {"GET", "/time", "", 400 * time.Millisecond}, {"GET", "/time", "", 0}}},
		{"msie6 POST", []req{{"GET", "/", "Mozilla/4.0 (compatible; MSIE 5.5; Windows)", 0}, {"POST", "/", "Mozilla/4.0 (compatible; MSIE 5.5; Windows)", 0}}},
		{"msie6 SV1", []req{{"POST", "/", "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1; SV1)", 0}, {"GET", "/", "", 0}}},
		{"safari", []req{{"GET", "/safari", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_7) Safari/7534.48.3", 0}}},
		{"safari elsewhere", []req{{"GET", "/", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_7) Safari/7534.48.3", 0}, {"GET", "/", "", 0}}},
		{"none", []req{{"POST", "/none", "Mozilla/4.0 (compatible; MSIE 5.5; Windows)", 0}, {"GET", "/", "", 0}}},
	} {
		want, got := run(ng.Addr, c.reqs), run(emu, c.reqs)
		if strings.Join(want, "|") != strings.Join(got, "|") {
			t.Errorf("%s:\n  nginx %q\n  serve %q", c.name, want, got)
		}
	}
}
