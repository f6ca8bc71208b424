//go:build unix

package proxy

import (
	"net"
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/xaccel/xaccel/internal/realnginx"
	"github.com/xaccel/xaccel/nginx"
)

// vhostConf has server blocks on three loopback addresses: 127.0.0.1 on
// nginx's port and on a second port P2, and 127.0.0.2 on nginx's port.
// Every answer names the server, $host and $server_name.
const vhostConf = `
    server_tokens off;
    server { listen 127.0.0.1:{{PORT}}; server_name exact.test www.exact.test;
        error_page 400 /e400;
        location = /e400 { return 200 "exact error page host=$host\n"; }
        location / { return 200 "exact host=$host sn=$server_name\n"; } }
    server { listen 127.0.0.1:{{PORT}}; server_name *.wild.test;
        location / { return 200 "head host=$host sn=$server_name\n"; } }
    server { listen 127.0.0.1:{{PORT}}; server_name *.deep.wild.test;
        location / { return 200 "deep host=$host\n"; } }
    server { listen 127.0.0.1:{{PORT}}; server_name www.tail.*;
        location / { return 200 "tail host=$host\n"; } }
    server { listen 127.0.0.1:{{PORT}}; server_name www.*;
        location / { return 200 "shorttail host=$host\n"; } }
    server { listen 127.0.0.1:{{PORT}}; server_name .dot.test;
        location / { return 200 "dot host=$host sn=$server_name\n"; } }
    server { listen 127.0.0.1:{{PORT}}; server_name "~^(?<sub>[a-z0-9]+)\.re\.test$" ~^other\.;
        location / { return 200 "re sub=$sub host=$host\n"; } }
    server { listen 127.0.0.1:{{PORT}}; server_name "~^(?<sub>[a-z]+)\.(re|xx)\.test$";
        location / { return 200 "re2 sub=$sub host=$host\n"; } }
    server { listen 127.0.0.1:{{PORT}} default_server; server_name def.test;
        location / { return 200 "default host=$host sn=$server_name\n"; } }
    server { listen 127.0.0.1:{{PORT}};
        location / { return 200 "unnamed host=$host sn=$server_name\n"; } }
    server { listen 127.0.0.1:{{PORT}}; server_name exact.test conflict.test;
        location / { return 200 "conflict host=$host\n"; } }

    server { listen 127.0.0.1:{{P2}}; server_name p2first.test;
        location / { return 200 "p2first host=$host sn=$server_name\n"; } }
    server { listen 127.0.0.1:{{P2}}; server_name exact.test;
        location / { return 200 "p2exact host=$host\n"; } }

    server { listen 127.0.0.2:{{PORT}}; server_name two.test;
        location / { return 200 "two host=$host sn=$server_name\n"; } }
`

// TestVhostsRealNginx compares the server nginx and serve choose, request
// by request, on three addresses: names of every kind, no Host, invalid
// hosts, absolute request targets.
func TestVhostsRealNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	if ln, err := net.Listen("tcp", "127.0.0.2:0"); err != nil {
		t.Skipf("127.0.0.2 cannot be bound here: %v", err)
	} else {
		ln.Close()
	}
	p2 := freeLoopbackPort(t)
	conf := strings.ReplaceAll(vhostConf, "{{P2}}", strconv.Itoa(p2))
	ng := realnginx.StartHTTP(t, conf, nil)

	// serve on other ports, each standing for nginx's address.
	src := strings.ReplaceAll(conf, "{{PORT}}", strconv.Itoa(ng.Port))
	cfg := nginx.LoadBytes("vhosts.conf", []byte("http {"+src+"}"), nginx.LoadOptions{})
	if len(cfg.Errors) > 0 {
		t.Fatal(cfg.Errors[0])
	}
	front, _, err := NewFront(cfg, Options{}, FrontOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var maps []ListenMap
	for _, a := range []string{"127.0.0.1:" + strconv.Itoa(ng.Port), "127.0.0.1:" + strconv.Itoa(p2), "127.0.0.2:" + strconv.Itoa(ng.Port)} {
		host, _, _ := net.SplitHostPort(a)
		m, err := ParseListenMap(a + "=" + host + ":0")
		if err != nil {
			t.Fatal(err)
		}
		maps = append(maps, m)
	}
	binds, warns, err := PlanBinds(front.Listens(), BindOptions{Map: maps})
	if err != nil || len(warns) > 0 {
		t.Fatal(err, warns)
	}
	srv := NewFrontServer(front)
	t.Cleanup(func() { srv.Close() })
	emu := map[string]string{} // nginx's address -> serve's
	for _, b := range binds {
		ln, err := net.Listen("tcp", b.Addr.String())
		if err != nil {
			t.Fatal(err)
		}
		go srv.ServeAs(ln, b.Group)
		emu[b.Group.Addr.String()] = ln.Addr().String()
	}
	one := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(ng.Port)).String()
	p2a := "127.0.0.1:" + strconv.Itoa(p2)
	two := "127.0.0.2:" + strconv.Itoa(ng.Port)

	h11 := func(host string) string {
		return "GET /x HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n"
	}
	reqs := []string{
		h11("exact.test"), h11("EXACT.Test"), h11("exact.test."), h11("exact.test:8080"), h11("www.exact.test"),
		h11("a.wild.test"), h11("a.b.wild.test"), h11("wild.test"), h11("x.deep.wild.test"), h11("deep.wild.test"),
		h11("www.tail.org"), h11("www.tail.co.uk"), h11("www.tail"), h11("www.other.org"), h11("www"),
		h11("dot.test"), h11("a.dot.test"), h11("Dot.Test:1"),
		h11("abc.re.test"), h11("ABC.re.test"), h11("a-b.re.test"), h11("xyz.xx.test"), h11("other.z"),
		h11("conflict.test"), h11("nowhere.test"), h11("p2first.test"), h11("two.test"),
		h11("127.0.0.1"), h11("[::1]:80"), h11("a_b.test"), h11("a\\b.test"), h11("x:y:z"),
		// invalid hosts: 400, from the default server
		h11(""), h11("a..b"), h11("."), h11(":80"), h11("a/b"), h11("[::1"),
		"GET /x HTTP/1.1\r\nHost: exact.test\r\nHost: a.wild.test\r\nConnection: close\r\n\r\n",
		// a request target nginx refuses before it reads Host: the
		// address's default server answers
		"GET /%00 HTTP/1.1\r\nHost: exact.test\r\nConnection: close\r\n\r\n",
		"GET /../x HTTP/1.1\r\nHost: exact.test\r\nConnection: close\r\n\r\n",
		"GET /a%zz HTTP/1.1\r\nHost: exact.test\r\nConnection: close\r\n\r\n",
		"GET /x HTTP/1.1\r\nHost: exact.test\r\nX: \x01\r\nConnection: close\r\n\r\n",
		// no Host
		"GET /x HTTP/1.0\r\n\r\n",
		"GET /x HTTP/1.1\r\nConnection: close\r\n\r\n",
		// the request target's host wins over Host
		"GET http://a.wild.test/x HTTP/1.1\r\nHost: exact.test\r\nConnection: close\r\n\r\n",
		"GET http://Exact.Test.:99/x HTTP/1.0\r\n\r\n",
		"GET http://abc.re.test/x HTTP/1.0\r\nHost: nowhere\r\n\r\n",
		"GET http://a..b/x HTTP/1.0\r\nHost: exact.test\r\n\r\n",
		// an IPvFuture literal Go's URL parser refuses
		"GET http://[v1F.a!$&'()*+,;=-._~Z:]/x HTTP/1.0\r\nHost: exact.test\r\n\r\n",
		"GET http://[v1F.a!$&'()*+,;=-._~Z:]:8080?q HTTP/1.0\r\nHost: exact.test\r\n\r\n",
	}
	n := 0
	for _, addr := range []string{one, p2a, two} {
		for _, raw := range reqs {
			want, err := realnginx.SendRaw(addr, []byte(raw))
			if err != nil {
				t.Fatalf("nginx %s %q: %v", addr, raw, err)
			}
			got, err := realnginx.SendRaw(emu[addr], []byte(raw))
			if err != nil {
				t.Fatalf("serve %s %q: %v", addr, raw, err)
			}
			if d := diffResponses(want, got, "Server", "Connection"); len(d) > 0 {
				t.Errorf("%s %q:\n  %s", addr, raw, strings.Join(d, "\n  "))
			}
			n++
		}
	}
	// The answers differ by server: a few, spelled out.
	for raw, body := range map[string]string{
		h11("abc.re.test"):        "re sub=abc host=abc.re.test\n",
		h11("x.deep.wild.test"):   "deep host=x.deep.wild.test\n",
		"GET /x HTTP/1.0\r\n\r\n": "unnamed host= sn=\n",
		h11("www.tail.co.uk"):     "tail host=www.tail.co.uk\n",
		h11("a.dot.test"):         "dot host=a.dot.test sn=dot.test\n",
		h11("nowhere.test"):       "default host=nowhere.test sn=def.test\n",
	} {
		got, err := realnginx.SendRaw(emu[one], []byte(raw))
		if err != nil || string(got.Body) != body {
			t.Errorf("serve %q: %v %q, want %q", raw, err, got.Body, body)
		}
	}
	t.Logf("%d requests compared", n)
}

// freeLoopbackPort is a port free on 127.0.0.1 and 127.0.0.2 a moment ago.
func freeLoopbackPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
