//go:build unix

package proxy

import (
	"net/http"
	"strings"
	"testing"

	"github.com/xaccel/xaccel/internal/realnginx"
)

const mapConf = `
map $http_x_k $mk {
    default        "dflt";
    exact          "E";
    MiXeD          "M";
    ~^re-(\d+)$    "R$1";
    ~*^CI-         "CI";
    \default       "literal-default";
}
map $host $hv {
    hostnames;
    default           none;
    example.com       exact;
    *.example.com     lead;
    .sub.example.com  deeper;
    www.example.*     trail;
}
map $uri $um {
    /a     "$arg_x-A";
}
map $mk $chained {
    E      "from-E";
    default "other";
}
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    location / { return 200 "mk=$mk hv=$hv um=$um chained=$chained\n"; }
}
`

// TestMapAgainstNginx compares map variables with nginx: exact keys
// matched ignoring case, regexes in order with their captures, a default
// and an escaped "default" key, hostnames with leading and trailing
// wildcards, a value with variables, and a map of a map.
func TestMapAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	ng := realnginx.StartHTTP(t, mapConf, nil)
	emu, warns := startEmulator(t, mapConf, ng.Prefix, Options{})
	for _, w := range warns {
		t.Errorf("warning: %s", w)
	}
	var hdrs []http.Header
	for _, k := range []string{"", "exact", "EXACT", "mixed", "re-42", "re-x", "ci-yes", "CI-YES", "default", "nothing"} {
		h := http.Header{"Host": {"localhost"}}
		if k != "" {
			h.Set("X-K", k)
		}
		hdrs = append(hdrs, h)
	}
	for _, host := range []string{"example.com", "Example.COM", "a.example.com", "x.sub.example.com", "sub.example.com",
		"www.example.org", "www.example.com", "other.org", "example.com."} {
		hdrs = append(hdrs, http.Header{"Host": {host}})
	}
	for _, h := range hdrs {
		for _, target := range []string{"/", "/a?x=1"} {
			raw := realnginx.RawRequest("GET", target, h, "")
			want, got := sendBoth(t, ng, emu, raw)
			if problems := diffResponses(want, got); len(problems) > 0 {
				t.Errorf("GET %s %v:\n  %s", target, h, strings.Join(problems, "\n  "))
			}
		}
	}
}
