//go:build unix

package proxy

import (
	"crypto/md5"
	"encoding/base64"
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
map $http_x_e $me {
    ""      "empty";
    default "other";
    x       "X";
}
map $http_x_e $mhe {
    hostnames;
    ""      "hempty";
    default "d";
}
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    location / { return 200 "mk=$mk hv=$hv um=$um chained=$chained me=$me mhe=$mhe\n"; }
}
`

// TestMapAgainstNginx compares map variables with nginx: exact keys
// matched ignoring case, regexes in order with their captures, a default
// and an escaped "default" key, hostnames with leading and trailing
// wildcards, a value with variables, a map of a map, and a `""` key that
// an empty value matches.
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
	for _, e := range []string{"x", ".", ""} {
		hdrs = append(hdrs, http.Header{"Host": {"localhost"}, "X-E": {e}})
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

const keptVarsConf = `
map $uri $deny {
    ~^/app/ 1;
    default 0;
}
map $uri $vol {
    volatile;
    ~^/app/ 1;
    default 0;
}
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    location /app/ {
        proxy_pass http://BACKEND;
        proxy_set_header X-D "$deny $vol $secure_link $invalid_referer";
    }
    location /files/ {
        valid_referers none example.com;
        if ($deny) { return 403; }
        alias {{PREFIX}}/files/;
        add_header X-Kept "deny=$deny vol=$vol sl=$secure_link ref=$invalid_referer" always;
    }
    location /s/ {
        secure_link $arg_md5;
        secure_link_md5 "$uri k";
        if ($secure_link = "") { return 403; }
        error_page 404 = /chk/;
        alias {{PREFIX}}/files/;
    }
    location /chk/ {
        return 200 "deny=$deny vol=$vol sl=$secure_link ref=$invalid_referer\n";
    }
    # The expiry is the module's context, cleared by an internal redirect:
    # read before it, $secure_link_expires keeps its value; first read
    # after it, it is empty, even with $secure_link kept.
    location /e/ {
        secure_link $arg_md5,$arg_e;
        secure_link_md5 "$uri k";
        if ($secure_link = "") { return 403; }
        error_page 404 = /exp/;
        alias {{PREFIX}}/files/;
    }
    location /e2/ {
        secure_link $arg_md5,$arg_e;
        secure_link_md5 "$secure_link_expires$uri k";
        if ($secure_link = "") { return 403; }
        error_page 404 = /exp/;
        alias {{PREFIX}}/files/;
    }
    location /exp/ {
        if ($secure_link_expires = "") { return 403; }
        return 200 "sl=$secure_link e=$secure_link_expires\n";
    }
}
`

// md5Link is secure_link's hash of s: base64url of its MD5.
func md5Link(s string) string {
	sum := md5.Sum([]byte(s))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// TestVariableKeptAcrossRedirectsAgainstNginx checks that a map, $secure_link,
// $secure_link_expires and $invalid_referer keep, after an X-Accel-Redirect or an error_page,
// the value they had where they were first read, as nginx keeps an
// evaluated variable in r->variables; a volatile map is evaluated again.
func TestVariableKeptAcrossRedirectsAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	conf := strings.ReplaceAll(keptVarsConf, "BACKEND", scriptBackend(t))
	files := map[string]string{"files/a.txt": "FILE a\n"}
	ng := realnginx.StartHTTP(t, conf, files)
	emu, _ := startEmulator(t, conf, ng.Prefix, Options{})
	good := md5Link("/s/missing k")
	for _, tc := range []struct {
		target string
		header http.Header
	}{
		{"/app/x?" + query("h", "X-Accel-Redirect: /files/a.txt"), nil},
		{"/app/x?" + query("h", "X-Accel-Redirect: /files/a.txt"), http.Header{"Referer": {"http://evil.com/"}}},
		{"/app/x?" + query("h", "X-Accel-Redirect: /chk/"), http.Header{"Referer": {"http://evil.com/"}}},
		{"/files/a.txt", http.Header{"Referer": {"http://evil.com/"}}},
		{"/s/missing?md5=" + good, nil},
		{"/s/missing?md5=" + good, http.Header{"Referer": {"http://evil.com/"}}},
		{"/chk/", nil},
		{"/e/missing?e=4102444800&md5=" + md5Link("/e/missing k"), nil},
		{"/e2/missing?e=4102444800&md5=" + md5Link("4102444800/e2/missing k"), nil},
		{"/e2/missing?e=4102444800&md5=" + md5Link("/e2/missing k"), nil},
	} {
		raw := realnginx.RawRequest("GET", tc.target, tc.header, "")
		want, got := sendBoth(t, ng, emu, raw)
		if problems := diffResponses(want, got); len(problems) > 0 {
			t.Errorf("GET %s %v:\n  %s", tc.target, tc.header, strings.Join(problems, "\n  "))
		}
	}
}
