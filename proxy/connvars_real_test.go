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

// TestConnectionVariablesAgainstNginx: $connection_requests counts the
// requests of a keep-alive connection as nginx counts them, and
// $connection stays the same on one connection and differs on the next.
func TestConnectionVariablesAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	conf := `
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    location / { return 200 "$connection $connection_requests\n"; }
}
`
	ng := realnginx.StartHTTP(t, conf, nil)
	emu, _ := startEmulator(t, conf, ng.Prefix, Options{})
	// run sends three requests on one connection, then one on another,
	// and returns the four answers.
	run := func(addr string) []string {
		var out []string
		for _, n := range []int{3, 1} {
			c, err := net.DialTimeout("tcp", addr, 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			c.SetDeadline(time.Now().Add(5 * time.Second))
			br := bufio.NewReader(c)
			for i := 0; i < n; i++ {
				io.WriteString(c, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				out = append(out, strings.TrimSpace(string(b)))
			}
			c.Close()
		}
		return out
	}
	for _, front := range []struct{ name, addr string }{{"nginx", ng.Addr}, {"serve", emu}} {
		got := run(front.addr)
		var conn, reqs []string
		for _, g := range got {
			f := strings.Fields(g)
			if len(f) != 2 {
				t.Fatalf("%s: answer %q", front.name, g)
			}
			conn, reqs = append(conn, f[0]), append(reqs, f[1])
		}
		if strings.Join(reqs, ",") != "1,2,3,1" || conn[0] != conn[1] || conn[1] != conn[2] || conn[2] == conn[3] {
			t.Errorf("%s: $connection $connection_requests = %q, want one connection counting 1,2,3 and another at 1", front.name, got)
		}
	}
}
