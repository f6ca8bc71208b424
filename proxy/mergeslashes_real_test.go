//go:build unix

package proxy

import (
	"strings"
	"testing"

	"github.com/xaccel/xaccel/internal/realnginx"
)

// TestMergeSlashesAgainstNginx compares $uri and the location chosen for
// targets with repeated slashes, with merge_slashes on (the default) and
// off.
func TestMergeSlashesAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	for _, setting := range []string{"", "merge_slashes off;"} {
		conf := `
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    ` + setting + `
    location / { return 200 "root $uri\n"; }
    location /a/b { return 200 "ab $uri\n"; }
    location ~ ^/x//y { return 200 "regex $uri\n"; }
}
`
		ng := realnginx.StartHTTP(t, conf, nil)
		emu, _ := startEmulator(t, conf, ng.Prefix, Options{})
		for _, target := range []string{"/foo//../bar", "/foo///../bar", "//a//b", "/a/b", "/x//y", "/x/y", "///"} {
			want, got := sendBoth(t, ng, emu, realnginx.RawRequest("GET", target, nil, ""))
			if problems := diffResponses(want, got); len(problems) > 0 {
				t.Errorf("%q GET %s:\n  %s", setting, target, strings.Join(problems, "\n  "))
			}
		}
	}
}
