//go:build unix

package proxy

import (
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/xaccel/xaccel/internal/realnginx"
	"github.com/xaccel/xaccel/nginx"
)

const redirectConf = `
server {
    listen 127.0.0.1:{{PORT}};
    server_name Main.example *.example;
    server_tokens off;
    root {{PREFIX}}/www;

    location /on/ { }
    location /r/ { return 301 /target; }
    location /rw/ { rewrite ^/rw/(.*)$ /moved/$1 redirect; }
    location /auto/ { proxy_pass http://127.0.0.1:9; }

    location /off/ {
        absolute_redirect off;
        location /off/r/ { return 302 /target?x; }
        location /off/rw/ { rewrite ^ /moved permanent; }
    }
    location /offauto/ { absolute_redirect off; proxy_pass http://127.0.0.1:9; }
    location /name/ {
        server_name_in_redirect on;
        location /name/r/ { return 301 /target; }
    }
    location /noport/ {
        port_in_redirect off;
        location /noport/r/ { return 301 /target; }
    }
    location /both/ {
        server_name_in_redirect on;
        port_in_redirect off;
    }
}
`

// TestRedirectsAgainstNginx compares the Location of every kind of
// redirect (a directory, return, rewrite, a location's own slash) under
// absolute_redirect, server_name_in_redirect and port_in_redirect.
func TestRedirectsAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	files := map[string]string{}
	for _, d := range []string{"on", "off", "name", "noport", "both"} {
		files["www/"+d+"/dir/f.txt"] = "f\n"
		files["www/"+d+"/dir sp/f.txt"] = "f\n"
	}
	ng := realnginx.StartHTTP(t, redirectConf, files)
	src := strings.NewReplacer("{{PORT}}", "0", "{{PREFIX}}", ng.Prefix).Replace(redirectConf)
	cfg := nginx.LoadBytes(filepath.Join(ng.Prefix, "conf", "nginx.conf"), []byte(src), nginx.LoadOptions{})
	if len(cfg.Errors) > 0 {
		t.Fatal(cfg.Errors[0])
	}
	h, warns, err := New(cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range warns {
		if strings.HasSuffix(w.Name, "_redirect") {
			t.Errorf("warning for an emulated directive: %v", w)
		}
	}
	emu := serveHandler(t, h)
	_, emuPort, _ := net.SplitHostPort(emu)
	for _, target := range []string{
		"/on/dir", "/on/dir%20sp?a=b", "/r/", "/rw/x?q", "/auto",
		"/off/dir", "/off/dir%20sp?a=b", "/off/r/", "/off/rw/x", "/offauto",
		"/name/dir", "/name/r/", "/noport/dir", "/noport/r/", "/both/dir?k",
	} {
		for _, host := range []string{"Other.Example", ""} {
			raw := realnginx.RawRequest("GET", target, nil, "")
			if host != "" {
				raw = []byte(strings.Replace(string(raw), "Host: localhost", "Host: "+host, 1))
			} else {
				raw = []byte(strings.Replace(strings.Replace(string(raw), "Host: localhost\r\n", "", 1), "HTTP/1.1", "HTTP/1.0", 1))
			}
			want, got := sendBoth(t, ng, emu, raw)
			// The two listen on different ports: nginx's goes in serve's place.
			if loc := got.Header.Get("Location"); loc != "" {
				got.Header.Set("Location", strings.Replace(loc, ":"+emuPort+"/", ":"+strconv.Itoa(ng.Port)+"/", 1))
			}
			if problems := diffResponses(want, got); len(problems) > 0 {
				t.Errorf("GET %s (Host %q):\n  %s", target, host, strings.Join(problems, "\n  "))
			}
		}
	}
}

// TestRedirectNoServerNameAgainstNginx compares a directory's redirect
// under server_name_in_redirect in a server without server_name: nginx
// writes the empty name ("http:///dir/" with port_in_redirect off); and
// a location's redirect to its name with a slash that an error_page takes
// over, made absolute with the settings of the location that answers.
func TestRedirectNoServerNameAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	conf := `
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    root {{PREFIX}}/www;
    server_name_in_redirect on;
    location /noport/ { port_in_redirect off; }
    location /pp/ {
        proxy_pass http://127.0.0.1:9;
        server_name_in_redirect off;
        error_page 301 =200 /noport/dir/f.txt;
    }
}
`
	ng := realnginx.StartHTTP(t, conf, map[string]string{"www/dir/f.txt": "f\n", "www/noport/dir/f.txt": "f\n"})
	emu, _ := startEmulator(t, conf, ng.Prefix, Options{})
	_, emuPort, _ := net.SplitHostPort(emu)
	for _, target := range []string{"/dir", "/noport/dir?a=1", "/pp", "/pp?b=2"} {
		want, got := sendBoth(t, ng, emu, realnginx.RawRequest("GET", target, nil, ""))
		if loc := got.Header.Get("Location"); loc != "" {
			got.Header.Set("Location", strings.Replace(loc, ":"+emuPort+"/", ":"+strconv.Itoa(ng.Port)+"/", 1))
		}
		if problems := diffResponses(want, got); len(problems) > 0 {
			t.Errorf("GET %s:\n  %s", target, strings.Join(problems, "\n  "))
		}
	}
}
