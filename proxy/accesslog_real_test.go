//go:build unix

package proxy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xaccel/xaccel/internal/realnginx"
	"github.com/xaccel/xaccel/nginx"
)

const accessLogConf = `
log_format cc "$uri: $sent_http_cache_control";
log_format plain '$status $body_bytes_sent "$request" a=$arg_a '
                 'ct=$sent_http_content_type';
log_format js escape=json '{"uri":"$uri","a":"$arg_a","st":$status}';
log_format raw escape=none '$arg_a|$request_method';
map $uri $loggable { /quiet 0; default 1; }
server {
    listen 127.0.0.1:{{PORT}};
    server_name localhost;
    server_tokens off;
    root {{PREFIX}}/www;
    access_log {{PREFIX}}/logs/WHO-cc.log cc;
    access_log {{PREFIX}}/logs/WHO-plain.log plain if=$loggable;
    access_log {{PREFIX}}/logs/WHO-js.log js;
    access_log {{PREFIX}}/logs/WHO-raw.log raw;

    location / { return 200 OK; }
    location /set {
        add_header Cache-Control max-age=3600;
        add_header Cache-Control private;
        return 200 OK;
    }
    location /f/ { }
    location /quiet { return 204; }
    location /nolog { access_log off; return 200 "not logged\n"; }
    location /own { access_log {{PREFIX}}/logs/WHO-own.log plain; return 200 "own\n"; }
}
`

// TestAccessLogAgainstNginx compares the lines nginx and serve write to
// their access logs for the same requests: formats with every escape,
// $sent_http_* joined, an if= condition, access_log off and a location's
// own log, a file, a 404, a bad request line target.
func TestAccessLogAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	conf := strings.ReplaceAll(accessLogConf, "WHO", "nginx")
	ng := realnginx.StartHTTP(t, conf, map[string]string{"www/f/a.txt": "a file\n"})

	src := strings.NewReplacer("{{PORT}}", "0", "{{PREFIX}}", ng.Prefix, "WHO", "serve").Replace(accessLogConf)
	cfg := nginx.LoadBytes(filepath.Join(ng.Prefix, "conf", "nginx.conf"), []byte(src), nginx.LoadOptions{})
	if len(cfg.Errors) > 0 {
		t.Fatal(cfg.Errors[0])
	}
	h, _, err := New(cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	emu := serveHandler(t, h)
	for _, target := range []string{"/", "/../bad_uri", "/set", "/f/a.txt", "/f/missing", "/quiet",
		"/nolog", "/own?a=1", "/?a=%22q%22%5C%01%C3%A9", `/?a="raw"`} {
		sendBoth(t, ng, emu, realnginx.RawRequest("GET", target, nil, ""))
	}
	ng.Stop()
	for _, name := range []string{"cc", "plain", "js", "raw", "own"} {
		want, err := os.ReadFile(ng.Path("logs/nginx-" + name + ".log"))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(ng.Path("logs/serve-" + name + ".log"))
		if err != nil {
			t.Errorf("serve wrote no %s log: %v", name, err)
			continue
		}
		if string(want) != string(got) {
			t.Errorf("%s log:\nnginx:\n%s\nserve:\n%s", name, want, got)
		}
	}
}
