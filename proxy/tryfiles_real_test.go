//go:build unix

package proxy

import (
	"strings"
	"testing"

	"github.com/xaccel/xaccel/internal/realnginx"
)

// TestTryFilesDirectoriesAgainstNginx: a try_files argument written with
// a trailing '/' tests a directory under its name without the '/' (which
// then gets the directory redirect), a variable that expands to a path
// ending in '/' does not test a directory, and in a regex location with
// alias the name found goes after the alias, for the test and the file
// sent.
func TestTryFilesDirectoriesAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	conf := `
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    root {{PREFIX}}/www;
    location /dir-dir/ { try_files /directory/ =404; }
    location /dir-file/ { try_files /directory =404; }
    location /file-dir/ { try_files /found.html/ =404; }
    location /var/ { try_files $uri $uri/ =404; }
    location /app/ { try_files $uri @fallback; }
    location @fallback { return 200 "fallback $uri\n"; }
    location ~ /alias-re.html { alias {{PREFIX}}/www/directory; try_files $uri =404; }
    location ~ ^/re-dir/ { alias {{PREFIX}}/www/directory; try_files $uri/ =404; }
}
`
	ng := realnginx.StartHTTP(t, conf, map[string]string{
		"www/directory/alias-re.html": "alias re\n",
		"www/directory/index.html":    "dir index\n",
		"www/found.html":              "found\n",
		"www/var/sub/index.html":      "sub index\n",
		"www/app/index.html":          "app index\n",
	})
	emu, _ := startEmulator(t, conf, ng.Prefix, Options{})
	for _, target := range []string{"/dir-dir/", "/dir-file/", "/file-dir/", "/var/sub", "/var/sub/", "/app/", "/app/none",
		"/alias-re.html", "/re-dir/"} {
		want, got := sendBoth(t, ng, emu, realnginx.RawRequest("GET", target, nil, ""))
		if problems := diffResponses(want, got); len(problems) > 0 {
			t.Errorf("GET %s:\n  %s", target, strings.Join(problems, "\n  "))
		}
	}
}
