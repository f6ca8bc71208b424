//go:build unix

package proxy

import (
	"errors"
	"strings"
	"testing"

	"github.com/xaccel/xaccel/internal/realnginx"
	"github.com/xaccel/xaccel/nginx"
)

// unemulatedCases are configurations with an access directive serve does
// not emulate, where it sits, and the status real nginx answers GET /f.txt
// with (the file exists and would be served without the directive).
var unemulatedCases = []struct {
	name, http, server, location string
	directive                    string
	status                       int
}{
	{"real IP from a host name with rules", "", "set_real_ip_from localhost; real_ip_header X-Real-IP;", "deny 10.0.0.1; allow all;", "set_real_ip_from", 200},
	{"if with add_header that returns 403", "", "", "if ($request_method = GET) { add_header X-A 1; return 403; }", "if", 403},
	{"limit_except with proxy_pass", "", "", "limit_except POST { deny all; proxy_pass http://127.0.0.1:9; }", "limit_except", 403},
}

func unemulatedConf(http, server, location string) string {
	return http + "\nserver {\n    listen 127.0.0.1:{{PORT}};\n    root {{PREFIX}}/www;\n    " + server + "\n    location / {\n        " + location + "\n    }\n}\n"
}

// TestAccessRefused: serve refuses to start on every access directive it
// does not emulate, naming it with its position, and starts when the user
// allows it by name; real nginx proves that each one refuses the request
// (those with 200 refuse only some: a second request within the minute,
// an address from the header).
func TestAccessRefused(t *testing.T) {
	files := map[string]string{"www/f.txt": "file\n", "conf/htpasswd": "u:$apr1$abcdefgh$0123456789abcdefghijkl\n"}
	for _, c := range unemulatedCases {
		t.Run(c.name, func(t *testing.T) {
			src := strings.NewReplacer("{{PORT}}", "8080", "{{PREFIX}}", "/srv").Replace(unemulatedConf(c.http, c.server, c.location))
			cfg := nginx.LoadBytes("nginx.conf", []byte("http {\n"+src+"}\n"), nginx.LoadOptions{})
			if len(cfg.Errors) > 0 {
				t.Fatal(cfg.Errors[0])
			}
			_, _, err := New(cfg, Options{})
			var ue *UnemulatedError
			if !errors.As(err, &ue) {
				t.Fatalf("New: %v, want an UnemulatedError", err)
			}
			if msg := err.Error(); !strings.Contains(msg, "nginx.conf:") || !strings.Contains(msg, "`"+c.directive) || !strings.Contains(msg, "--allow-unemulated "+c.directive) {
				t.Errorf("message does not name %s with its position and the flag:\n%s", c.directive, msg)
			}
			var names []string
			for i, d := range ue.Directives {
				if i < len(ue.Names) && ue.Names[i] != "" {
					names = append(names, ue.Names[i])
				} else {
					names = append(names, d.Name)
				}
			}
			_, warns, err := New(cfg, Options{AllowUnemulated: names})
			if err != nil {
				t.Fatalf("New with --allow-unemulated %v: %v", names, err)
			}
			if len(warns) == 0 {
				t.Errorf("allowed directives are not listed as warnings")
			}

			realnginx.Require(t)
			inst := realnginx.StartHTTP(t, unemulatedConf(c.http, c.server, c.location), files)
			resp, err := inst.Get("/f.txt")
			if err != nil {
				t.Fatal(err)
			}
			if resp.Status != c.status {
				t.Errorf("nginx answers GET /f.txt with %d, want %d", resp.Status, c.status)
			}
		})
	}
}

// TestAccessOff: an access directive switched off refuses nothing, and
// serve starts.
func TestAccessOff(t *testing.T) {
	cfg := nginx.LoadBytes("nginx.conf", []byte("http {\nauth_basic off;\nserver {\n listen 80;\n location / { auth_request off; disable_symlinks off; if ($arg_x) { return 301 /y; } }\n}\n}\n"), nginx.LoadOptions{})
	if _, _, err := New(cfg, Options{}); err != nil {
		t.Fatalf("New: %v", err)
	}
}
