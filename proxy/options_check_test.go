//go:build unix

package proxy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xaccel/xaccel/nginx"
)

const checkConf = `upstream app { server 127.0.0.1:9; }
server {
    listen 127.0.0.1:8080;
    location / { proxy_pass http://app; }
    location /api/ { proxy_pass http://127.0.0.1:8000/v1/; }
    location ^~ /_protected/ { internal; alias /srv/app/private/; }
}
`

func TestCheckOptionsUpstreams(t *testing.T) {
	cfg := nginx.LoadBytes("site.conf", []byte(checkConf), nginx.LoadOptions{})
	if len(cfg.Errors) > 0 {
		t.Fatal(cfg.Errors[0])
	}
	for _, name := range []string{"app", "127.0.0.1:8000", "127.0.0.1"} {
		if _, _, err := New(cfg, Options{Upstreams: map[string]string{name: "http://127.0.0.1:1"}}); err != nil {
			t.Errorf("--upstream %s: %v, want it accepted", name, err)
		}
	}
	for _, tc := range []struct {
		name string
		want []string
	}{
		{"web", []string{
			`--upstream web=http://127.0.0.1:1: the configuration sends no request to "web"`,
			"site.conf:1:1: upstream block app",
			"site.conf:5:22: proxy_pass 127.0.0.1:8000",
			"give one of them before the =",
		}},
		{"APP", []string{`site.conf:1:1: upstream block names "app": names are matched as written, give --upstream app=...`}},
	} {
		_, _, err := New(cfg, Options{Upstreams: map[string]string{tc.name: "http://127.0.0.1:1"}})
		if err == nil {
			t.Errorf("--upstream %s: accepted, want a refusal", tc.name)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("--upstream %s: %v\nwant it to contain %q", tc.name, err, w)
			}
		}
	}
	// A proxy_pass host from a variable can be any name at run time.
	dyn := nginx.LoadBytes("dyn.conf", []byte("server { listen 127.0.0.1:8080; location / { proxy_pass http://$target; } }\n"), nginx.LoadOptions{})
	if _, _, err := New(dyn, Options{Upstreams: map[string]string{"anything": "http://127.0.0.1:1"}}); err != nil {
		t.Errorf("a proxy_pass with a variable host: %v, want any name accepted", err)
	}
	// No proxy_pass at all: say so.
	static := nginx.LoadBytes("static.conf", []byte("server { listen 127.0.0.1:8080; root /srv/www; }\n"), nginx.LoadOptions{})
	if _, _, err := New(static, Options{Upstreams: map[string]string{"app": "http://127.0.0.1:1"}}); err == nil || !strings.Contains(err.Error(), "no proxy_pass http:// and no upstream block: drop --upstream") {
		t.Errorf("no proxy_pass: %v, want a refusal that says to drop --upstream", err)
	}
}

func TestCheckOptionsMapRoot(t *testing.T) {
	cfg := nginx.LoadBytes("site.conf", []byte(checkConf), nginx.LoadOptions{})
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := New(cfg, Options{MapRoot: [][2]string{{"/srv/app", dir}}}); err != nil {
		t.Errorf("an existing directory: %v", err)
	}
	for _, tc := range []struct{ to, want string }{
		{filepath.Join(dir, "missing"), "missing does not exist; give --map-root /srv/app=DIR"},
		{file, "file is not a directory; give --map-root /srv/app=DIR"},
	} {
		_, _, err := New(cfg, Options{MapRoot: [][2]string{{"/srv/app", dir}, {"/srv/app", tc.to}}})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("--map-root /srv/app=%s: %v, want an error containing %q", tc.to, err, tc.want)
		}
	}
}
