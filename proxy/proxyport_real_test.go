//go:build unix

package proxy

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/xaccel/xaccel/internal/realnginx"
)

// TestProxyPortAndLimitRateAgainstNginx compares $proxy_port (a port
// written, an upstream block's name, no proxy_pass) and $limit_rate set
// from a size, a bad size and nothing, with nginx (sizes that nginx would
// take long to send at are left out: serve does not throttle), and the
// Content-Type of a 204: its own dropped, an add_header's kept.
func TestProxyPortAndLimitRateAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	stub, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/204" {
			w.Header().Set("Content-Type", "text/app")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		io.WriteString(w, "stub\n")
	})}
	go srv.Serve(stub)
	t.Cleanup(func() { srv.Close() })
	conf := `
upstream app { server STUB; }
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    location /stub { return 200 "stub\n"; }
    location /port/ { proxy_pass http://STUB/stub; add_header X-Port "[$proxy_port]"; }
    location /block/ { proxy_pass http://app/stub; add_header X-Port "[$proxy_port]"; }
    location /none/ { add_header X-Port "[$proxy_port]"; return 200 "none\n"; }
    location /rate {
        set $limit_rate $arg_l;
        return 200 "rate=$limit_rate\n";
    }
    location /rate-none { return 200 "rate=$limit_rate\n"; }
    location /nc/own { return 204; }
    location /nc/added { add_header Content-Type text/blah; return 204; }
    location /nc/app { proxy_pass http://STUB/204; }
    location /nc/app-added { proxy_pass http://STUB/204; add_header Content-Type text/blah; }
}
`
	conf = strings.ReplaceAll(conf, "STUB", stub.Addr().String())
	ng := realnginx.StartHTTP(t, conf, nil)
	emu, _ := startEmulator(t, conf, ng.Prefix, Options{Upstreams: map[string]string{}})
	for _, target := range []string{"/port/", "/block/", "/none/", "/rate?l=40k", "/rate?l=2M", "/rate?l=x1", "/rate", "/rate-none", "/nc/own", "/nc/added", "/nc/app", "/nc/app-added"} {
		want, got := sendBoth(t, ng, emu, realnginx.RawRequest("GET", target, nil, ""))
		if problems := diffResponses(want, got); len(problems) > 0 {
			t.Errorf("%s:\n  %s", target, strings.Join(problems, "\n  "))
		}
	}
}
