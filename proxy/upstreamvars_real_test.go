//go:build unix

package proxy

import (
	"bufio"
	"io"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xaccel/xaccel/internal/realnginx"
)

// pausingApp answers after a pause before its header (/slow-header) or in
// the middle of its body (/slow-body).
func pausingApp(t *testing.T) string {
	t.Helper()
	return realnginx.ServeRaw(t, func(c net.Conn) {
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		br := bufio.NewReader(c)
		first, _ := br.ReadString('\n')
		for {
			line, err := br.ReadString('\n')
			if err != nil || line == "\r\n" {
				break
			}
		}
		if strings.Contains(first, "/slow-header") {
			time.Sleep(400 * time.Millisecond)
		}
		io.WriteString(c, "HTTP/1.0 201 Created\r\nContent-Length: 4\r\n\r\nab")
		if strings.Contains(first, "/slow-body") {
			time.Sleep(400 * time.Millisecond)
		}
		io.WriteString(c, "c\n")
	})
}

// TestUpstreamVariablesAgainstNginx compares $upstream_addr,
// $upstream_status and the three _time variables, in add_header (while
// the response is under way: no response time yet) and in an access log
// (after it), for an app slow to answer, one slow in its body, and one
// that is not there.
func TestUpstreamVariablesAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	app := pausingApp(t)
	conf := `
log_format up '$upstream_addr $upstream_status $upstream_connect_time $upstream_header_time $upstream_response_time';
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    access_log {{PREFIX}}/logs/WHO.log up;
    add_header X-Up "$upstream_addr $upstream_status $upstream_connect_time $upstream_header_time $upstream_response_time" always;
    location / { proxy_pass http://` + app + `; }
    location /gone { proxy_pass http://127.0.0.1:9; }
    location /none { return 200 "x\n"; }
}
`
	ng := realnginx.StartHTTP(t, strings.ReplaceAll(conf, "WHO", "nginx"), nil)
	emu, _ := startEmulator(t, strings.ReplaceAll(conf, "WHO", "serve"), ng.Prefix, Options{})
	// Times become classes: "-", "short" (under 0.3 s) or "long"; the
	// rest must be equal.
	num := regexp.MustCompile(`\b\d+\.\d{3}\b`)
	class := func(s string) string {
		return num.ReplaceAllStringFunc(s, func(v string) string {
			if f, _ := strconv.ParseFloat(v, 64); f >= 0.3 {
				return "long"
			}
			return "short"
		})
	}
	targets := []string{"/slow-header", "/slow-body", "/gone", "/none"}
	for _, target := range targets {
		want, got := sendBoth(t, ng, emu, realnginx.RawRequest("GET", target, nil, ""))
		w, g := class(want.Header.Get("X-Up")), class(got.Header.Get("X-Up"))
		w = strings.ReplaceAll(w, app, "APP")
		g = strings.ReplaceAll(g, app, "APP")
		if w != g {
			t.Errorf("GET %s: X-Up nginx %q, serve %q", target, w, g)
		}
	}
	ng.Stop()
	time.Sleep(100 * time.Millisecond)
	want, err := os.ReadFile(ng.Path("logs/nginx.log"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(ng.Path("logs/serve.log"))
	if err != nil {
		t.Fatal(err)
	}
	if w, g := class(string(want)), class(string(got)); w != g {
		t.Errorf("access log:\nnginx:\n%s\nserve:\n%s", w, g)
	}
}
