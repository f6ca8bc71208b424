//go:build unix

package proxy

import (
	"fmt"
	"net"
	"net/http"
	"net/http/fcgi"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xaccel/xaccel/internal/realnginx"
)

// countingListener counts the connections it accepts, and closes one that
// stays idle past idle (0: never).
type countingListener struct {
	net.Listener
	n    atomic.Int64
	idle time.Duration
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.n.Add(1)
		if l.idle > 0 {
			c = &idleConn{Conn: c, idle: l.idle}
		}
	}
	return c, err
}

type idleConn struct {
	net.Conn
	idle time.Duration
}

func (c *idleConn) Read(p []byte) (int, error) {
	c.SetReadDeadline(time.Now().Add(c.idle))
	return c.Conn.Read(p)
}

// fcgiCountingApp is a FastCGI app (Go's net/http/fcgi, which honours
// FCGI_KEEP_CONN) that answers with the number of connections it has
// accepted.
func fcgiCountingApp(t *testing.T, idle time.Duration) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cl := &countingListener{Listener: ln, idle: idle}
	t.Cleanup(func() { ln.Close() })
	go fcgi.Serve(cl, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "connections: %d\n", cl.n.Load())
	}))
	return ln.Addr().String()
}

// TestFastCGIKeepConnAgainstNginx compares fastcgi_keep_conn with an
// upstream block's keepalive with nginx: requests share one connection,
// a HEAD (whose body is not read) leaves it, a connection the app closed
// while idle is replaced, and without fastcgi_keep_conn each request has
// its own.
func TestFastCGIKeepConnAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	conf := `
upstream keep { server KEEP; keepalive 1; }
upstream idle { server IDLE; keepalive 1; }
upstream plain { server PLAIN; keepalive 1; }
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    fastcgi_param REQUEST_METHOD $request_method;
    fastcgi_param SERVER_PROTOCOL $server_protocol;
    fastcgi_param REQUEST_URI $request_uri;
    location /keep/ { fastcgi_pass keep; fastcgi_keep_conn on; }
    location /idle/ { fastcgi_pass idle; fastcgi_keep_conn on; }
    location /plain/ { fastcgi_pass plain; }
}
`
	apps := func() string {
		return strings.NewReplacer("KEEP", fcgiCountingApp(t, 0), "IDLE", fcgiCountingApp(t, 300*time.Millisecond),
			"PLAIN", fcgiCountingApp(t, 0)).Replace(conf)
	}
	ngConf, emuConf := apps(), apps()
	ng := realnginx.StartHTTP(t, ngConf, nil)
	emu, _ := startEmulator(t, emuConf, ng.Prefix, Options{})
	steps := []struct {
		method, target string
		pause          time.Duration
	}{
		{"GET", "/keep/", 0}, {"GET", "/keep/", 0}, {"HEAD", "/keep/", 0}, {"GET", "/keep/", 0}, {"GET", "/keep/", 0},
		{"GET", "/idle/", 0}, {"GET", "/idle/", 600 * time.Millisecond}, {"GET", "/idle/", 0},
		{"GET", "/plain/", 0}, {"GET", "/plain/", 0},
	}
	for _, s := range steps {
		time.Sleep(s.pause)
		want, got := sendBoth(t, ng, emu, realnginx.RawRequest(s.method, s.target, nil, ""))
		if s.method == "GET" && !strings.HasPrefix(string(want.Body), "connections: ") {
			t.Fatalf("%s %s: the app did not answer through nginx: %q", s.method, s.target, want.Body)
		}
		if problems := diffResponses(want, got); len(problems) > 0 {
			t.Errorf("%s %s:\n  %s", s.method, s.target, strings.Join(problems, "\n  "))
		}
	}
}
