//go:build unix

package proxy

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/xaccel/xaccel/internal/realnginx"
)

// TestAliasAfterRewriteAgainstNginx: a location that maps files with alias
// (its own, or an enclosing location's) while a rewrite changed the URI and
// a break kept the request there answers 500 and logs an alert, for the
// static, index and try_files handlers, as nginx does; before, serve sent
// the file the rewritten URI names under the alias. So does a rewrite
// without flag before the location is searched again: $request_filename
// after it is empty (Debian's fix for CVE-2026-15176). A server-level
// break counts in the location found after a location's rewrite without
// flag too: searching again does not make the location valid. Once the
// location is searched again after a rewrite without break (no flag, last,
// or at the server level), in a root location, for a method the handlers
// refuse, or when the if around the rewrite does not match, the answer is
// the usual one.
func TestAliasAfterRewriteAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	conf := `
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    error_log {{LOGS}}/error.log;
    location /rb/ { alias {{PREFIX}}/files/; rewrite ^/rb/(.*)$ /rb/sub/$1 break; }
    location /rb2/ { rewrite ^/rb2/(.*)$ /rb2/sub/$1; break; alias {{PREFIX}}/files/; }
    location /if/ { alias {{PREFIX}}/files/; if ($arg_x) { rewrite ^/if/(.*)$ /if/sub/$1 break; } }
    location /same/ { alias {{PREFIX}}/files/; rewrite ^ $uri break; }
    location /again/ { alias {{PREFIX}}/files/; rewrite ^/again/(.*)$ /sub/$1; }
    location /sub/ { alias {{PREFIX}}/files/sub/; }
    location /last/ { rewrite ^/last/(.*)$ /sub/$1 last; }
    location ~ ^/re/(.*)$ { alias {{PREFIX}}/files/$1; rewrite ^ /re/sub/b.txt break; }
    location /tf/ { alias {{PREFIX}}/files/; rewrite ^/tf/(.*)$ /tf/sub/$1 break; try_files $uri =404; }
    location /nest/ { alias {{PREFIX}}/files/; location /nest/sub/ { rewrite ^/nest/sub/(.*)$ /nest/$1 break; } }
    location /idx/ { alias {{PREFIX}}/files/; index a.txt; rewrite ^/idx/x$ /idx/ break; }
    location /root/ { root {{PREFIX}}/files; rewrite ^/root/(.*)$ /sub/$1 break; }
    location /ep/ { alias {{PREFIX}}/files/; rewrite ^ /ep/a.txt break; error_page 500 = /sub/b.txt; }
    location /nf/ { alias {{PREFIX}}/files/; set $f $request_filename; rewrite ^/nf/(.*)$ /nf/sub/$1; return 200 "f=$f g=$request_filename"; }
    location /nfif/ { alias {{PREFIX}}/files/; if ($arg_x) { rewrite ^/nfif/(.*)$ /nfif/sub/$1; } return 200 "fn=$request_filename"; }
    location /nfroot/ { root {{PREFIX}}/files; rewrite ^/nfroot/(.*)$ /nfroot/sub/$1; return 200 "fn=$request_filename"; }
    location /srvdone/ { alias {{PREFIX}}/files/; return 200 "fn=$request_filename"; }
    rewrite ^/srv/(.*)$ /srvdone/$1;
    rewrite ^/srvbrk/(.*)$ /rsa/$1 break;
    location /rsa/ { rewrite ^/rsa/(.*)$ /rsb/$1; }
    location /rsb/ { alias {{PREFIX}}/files/; }
}
`
	files := map[string]string{"files/a.txt": "A\n", "files/sub/b.txt": "B\n"}
	ngLogs, emuLogs := t.TempDir(), t.TempDir()
	ng := realnginx.StartHTTP(t, strings.ReplaceAll(conf, "{{LOGS}}", ngLogs), files)
	emu, warns := startEmulator(t, strings.ReplaceAll(conf, "{{LOGS}}", emuLogs), ng.Prefix, Options{})
	for _, w := range warns {
		t.Errorf("warning: %s", w)
	}
	served := 0
	for _, rq := range []struct{ method, target string }{
		{"GET", "/rb/b.txt"}, {"HEAD", "/rb/b.txt"}, {"POST", "/rb/b.txt"}, {"DELETE", "/rb/b.txt"},
		{"GET", "/rb2/b.txt"}, {"GET", "/if/b.txt?x=1"}, {"GET", "/if/a.txt"}, {"GET", "/same/a.txt"},
		{"GET", "/again/b.txt"}, {"GET", "/last/b.txt"}, {"GET", "/re/a.txt"}, {"GET", "/tf/b.txt"},
		{"GET", "/nest/sub/a.txt"}, {"GET", "/idx/x"}, {"GET", "/root/b.txt"}, {"GET", "/ep/x"},
		{"GET", "/nf/a.txt"}, {"GET", "/nfif/a.txt?x=1"}, {"GET", "/nfif/a.txt"}, {"GET", "/nfroot/a.txt"},
		{"GET", "/srv/a.txt"}, {"GET", "/srvbrk/a.txt"}, {"GET", "/rsa/a.txt"},
	} {
		want, got := sendBoth(t, ng, emu, realnginx.RawRequest(rq.method, rq.target, nil, ""))
		if problems := diffResponses(want, got); len(problems) > 0 {
			t.Errorf("%s %s:\n  %s", rq.method, rq.target, strings.Join(problems, "\n  "))
		}
		if want.Status == 200 {
			served++
		}
	}
	if served < 4 {
		t.Errorf("nginx served %d of the requests: the ones that must not fail compared nothing", served)
	}
	ng.Stop()
	stamp := regexp.MustCompile(`(?m)^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d (\[\w+\]) \d+#\d+: \*\d+ `)
	read := func(dir string) string {
		b, err := os.ReadFile(filepath.Join(dir, "error.log"))
		if err != nil {
			t.Error(err)
		}
		var lines []string
		for _, l := range strings.Split(stamp.ReplaceAllString(string(b), "$1 "), "\n") {
			if strings.HasPrefix(l, "[alert]") {
				lines = append(lines, l)
			}
		}
		return strings.Join(lines, "\n")
	}
	want, got := read(ngLogs), read(emuLogs)
	if want != got {
		t.Errorf("alert lines:\nnginx:\n%s\nserve:\n%s", want, got)
	}
	if !strings.Contains(want, `"alias" cannot be used in location "/rb/" where URI was rewritten`) {
		t.Errorf("nginx logged no alert for /rb/: the comparison compared nothing:\n%s", want)
	}
}
