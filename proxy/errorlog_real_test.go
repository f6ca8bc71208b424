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

// TestErrorLogAgainstNginx compares the error log lines nginx and serve
// write for files and directories that cannot be served: a missing file,
// a directory without index, a missing directory, a file taken for a
// directory, with log_not_found off and a level that leaves them out;
// the files are created at start-up, as nginx creates them.
func TestErrorLogAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	conf := `
server {
    listen 127.0.0.1:{{PORT}};
    server_name localhost;
    server_tokens off;
    root {{PREFIX}}/html;
    location /a/ { error_log {{LOGS}}/a.log; }
    location /off/ { error_log {{LOGS}}/off.log; log_not_found off; }
    location /crit/ { error_log {{LOGS}}/crit.log crit; }
    location /two/ { error_log {{LOGS}}/two1.log; error_log {{LOGS}}/two2.log warn; }
}
`
	files := map[string]string{"html/a/x.txt": "x", "html/off/x.txt": "x", "html/crit/x.txt": "x", "html/two/x.txt": "x"}
	ngLogs, emuLogs := t.TempDir(), t.TempDir()
	ng := realnginx.StartHTTP(t, strings.ReplaceAll(conf, "{{LOGS}}", ngLogs), files)
	emu, _ := startEmulator(t, strings.ReplaceAll(conf, "{{LOGS}}", emuLogs), ng.Prefix, Options{})
	for _, d := range []string{"a", "off", "crit", "two"} {
		for _, target := range []string{"/missing.txt", "/", "/nodir/", "/x.txt/", "/x.txt"} {
			want, got := sendBoth(t, ng, emu, realnginx.RawRequest("GET", "/"+d+target, nil, ""))
			if problems := diffResponses(want, got); len(problems) > 0 {
				t.Errorf("/%s%s:\n  %s", d, target, strings.Join(problems, "\n  "))
			}
		}
	}
	ng.Stop()
	stamp := regexp.MustCompile(`(?m)^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d (\[\w+\]) \d+#\d+: \*\d+ `)
	for _, name := range []string{"a.log", "off.log", "crit.log", "two1.log", "two2.log"} {
		read := func(dir string) string {
			b, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Errorf("%s: %v", name, err)
			}
			// nginx's own lines about starting and stopping are not
			// about requests.
			var lines []string
			for _, l := range strings.Split(stamp.ReplaceAllString(string(b), "$1 "), "\n") {
				if strings.HasPrefix(l, "[") && strings.Contains(l, "client:") {
					lines = append(lines, l)
				}
			}
			return strings.Join(lines, "\n")
		}
		if want, got := read(ngLogs), read(emuLogs); want != got {
			t.Errorf("%s:\nnginx:\n%s\nserve:\n%s", name, want, got)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(ngLogs, "a.log")); !strings.Contains(string(b), "is not found") {
		t.Errorf("nginx wrote no not-found line: the comparison compared nothing:\n%s", b)
	}
}
