//go:build unix

package proxy

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/xaccel/xaccel/internal/realnginx"
)

// TestNextUpstreamAgainstNginx compares proxy_next_upstream with nginx: a
// server that refuses connections, then the next and the backup server;
// http_404 moving on after an answer; off; tries; a POST (not sent to the
// refusing server, so it goes on; after an answer it does not unless
// non_idempotent); and the $upstream_addr and $upstream_status lists.
func TestNextUpstreamAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	app := func(name string) string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			if strings.HasSuffix(r.URL.Path, "/nf") && name != "c" {
				w.WriteHeader(http.StatusNotFound)
			}
			fmt.Fprintf(w, "%s %s\n", name, r.Method)
		})}
		go srv.Serve(ln)
		t.Cleanup(func() { srv.Close() })
		return ln.Addr().String()
	}
	a, b, c := app("a"), app("b"), app("c")
	dl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := dl.Addr().String()
	dl.Close()
	// Each request has an upstream block of its own: nginx balances
	// among a block's servers from one request to the next and keeps
	// away from one that failed, which serve does not (see
	// upstreamServers).
	cases := []struct{ method, location, servers, next string }{
		{"GET", "/r1/x", "DEAD; server {{A}}; server {{C}} backup", ""},
		{"POST", "/r2/x", "DEAD; server {{A}}; server {{C}} backup", ""},
		{"GET", "/r3/x", "DEAD; server {{A}}", "proxy_next_upstream off;"},
		{"GET", "/a1/x", "{{A}}; server {{B}}; server {{C}} backup", "proxy_next_upstream http_404;"},
		{"GET", "/a2/nf", "{{A}}; server {{B}}; server {{C}} backup", "proxy_next_upstream http_404;"},
		{"POST", "/a3/nf", "{{A}}; server {{B}}; server {{C}} backup", "proxy_next_upstream http_404;"},
		{"GET", "/a4/nf", "{{A}}; server {{B}}; server {{C}} backup", "proxy_next_upstream http_404; proxy_next_upstream_tries 2;"},
		{"POST", "/a5/nf", "{{A}}; server {{B}}; server {{C}} backup", "proxy_next_upstream http_404 non_idempotent;"},
		{"GET", "/d1/x", "{{A}} down; server {{B}}", ""},
		{"GET", "/d2/x", "DEAD; server DEAD backup", ""},
	}
	var conf strings.Builder
	conf.WriteString("server {\n    listen 127.0.0.1:{{PORT}};\n    server_tokens off;\n" +
		"    add_header X-Addr \"$upstream_addr\" always;\n    add_header X-Status \"$upstream_status\" always;\n")
	var blocks strings.Builder
	for i, c := range cases {
		fmt.Fprintf(&blocks, "upstream u%d { server %s; }\n", i, c.servers)
		prefix := c.location[:strings.LastIndexByte(c.location, '/')+1]
		fmt.Fprintf(&conf, "    location %s { proxy_pass http://u%d; %s }\n", prefix, i, c.next)
	}
	conf.WriteString("}\n")
	src := strings.NewReplacer("DEAD", dead, "{{A}}", a, "{{B}}", b, "{{C}}", c).Replace(blocks.String() + conf.String())
	ng := realnginx.StartHTTP(t, src, nil)
	emu, _ := startEmulator(t, src, ng.Prefix, Options{})
	norm := strings.NewReplacer(dead, "DEAD", a, "A", b, "B", c, "C")
	for _, rc := range cases {
		body := ""
		if rc.method == "POST" {
			body = "data"
		}
		want, got := sendBoth(t, ng, emu, realnginx.RawRequest(rc.method, rc.location, nil, body))
		for _, resp := range []*realnginx.Response{want, got} {
			for _, k := range []string{"X-Addr", "X-Status"} {
				resp.Header.Set(k, norm.Replace(resp.Header.Get(k)))
			}
		}
		if problems := diffResponses(want, got); len(problems) > 0 {
			t.Errorf("%s %s:\n  %s", rc.method, rc.location, strings.Join(problems, "\n  "))
		}
	}
}
