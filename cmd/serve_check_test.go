//go:build unix

package cmd

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeRefusesFlagsThatCannotWork: an --upstream name the
// configuration does not use and a --map-root directory that does not
// exist stop serve before it listens, with exit 2 and a message that says
// what to give.
func TestServeRefusesFlagsThatCannotWork(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "site.conf")
	src := "server {\n    listen 127.0.0.1:8080;\n    location / { proxy_pass http://127.0.0.1:8000; }\n    location ^~ /_protected/ { internal; alias /srv/app/private/; }\n}\n"
	if err := os.WriteFile(conf, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"--upstream", "app=http://127.0.0.1:1"}, []string{
			`--upstream app=http://127.0.0.1:1: the configuration sends no request to "app"`,
			conf + ":3:18: proxy_pass 127.0.0.1:8000",
		}},
		{[]string{"--map-root", "/srv/app/private=" + filepath.Join(dir, "nope")}, []string{
			"nope does not exist; give --map-root /srv/app/private=DIR",
		}},
		{[]string{"--map-root", "/srv/app/private=" + conf}, []string{"is not a directory"}},
		{[]string{"--via", "/download/x"}, []string{"--via is checked by the smoke probes: add --smoke"}},
	} {
		var stdout, stderr bytes.Buffer
		args := append([]string{"serve", "-c", conf, "--listen", "127.0.0.1:0"}, tc.args...)
		code := Main(args, strings.NewReader(""), &stdout, &stderr)
		if code != ExitUsage {
			t.Errorf("%v: exit %d, want %d (stderr %q)", tc.args, code, ExitUsage, stderr.String())
		}
		for _, w := range tc.want {
			if !strings.Contains(stderr.String(), w) {
				t.Errorf("%v: stderr %q\nwant it to contain %q", tc.args, stderr.String(), w)
			}
		}
		if strings.Contains(stdout.String(), "http://") {
			t.Errorf("%v: serve started: %q", tc.args, stdout.String())
		}
	}
}
