//go:build unix

package proxy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xaccel/xaccel/internal/realnginx"
	"github.com/xaccel/xaccel/nginx"
)

const autoindexConf = `
server {
    listen 127.0.0.1:{{PORT}};
    server_name localhost;
    server_tokens off;
    root {{PREFIX}}/www;

    location / { autoindex on; }
    location /utf8/ { autoindex on; charset utf-8; }
    location /approx/ { autoindex on; autoindex_exact_size off; alias {{PREFIX}}/www/sizes/; }
    location /local/ { autoindex on; autoindex_localtime on; alias {{PREFIX}}/www/sizes/; }
    location /json/ { autoindex on; autoindex_format json; alias {{PREFIX}}/www/; }
    location /jsonp/ { autoindex on; autoindex_format jsonp; alias {{PREFIX}}/www/; }
    location /xml/ { autoindex on; autoindex_format xml; alias {{PREFIX}}/www/; }
    location /withindex/ { autoindex on; }
    location /off/ { autoindex off; }
    location /hdr/ { autoindex on; add_header X-Listing yes; alias {{PREFIX}}/www/sizes/; }
}
`

// TestAutoindexAgainstNginx compares directory listings byte for byte:
// awkward names (every byte that gets escaped, long names cut at 50
// columns, UTF-8 counted in characters only with charset utf-8), symlinks
// to files and directories and a broken one, dotfiles, the sizes of
// autoindex_exact_size off, the four formats, HEAD, POST and a missing
// directory.
func TestAutoindexAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	files := map[string]string{
		"www/withindex/index.html":                                 "index\n",
		"www/off/f.txt":                                            "f\n",
		"www/.hidden":                                              "",
		"www/test-file":                                            "",
		"www/test-colon:blah":                                      "",
		"www/test-long-" + strings.Repeat("0", 50):                 "",
		"www/test-long-" + strings.Repeat(">", 50):                 "",
		"www/test-escape-url-%":                                    "",
		"www/test-escape-url2-?":                                   "",
		"www/test-escape-html-<>&\"":                               "",
		"www/sp ace+plus;semi=eq'q(p)*!$,@~_.-":                    "",
		"www/exactly-fifty-" + strings.Repeat("x", 32):             "",
		"www/exactly-fiftyone-" + strings.Repeat("x", 29):          "",
		"www/utf8/test-utf8-" + strings.Repeat("\xd1\x84", 3):      "",
		"www/utf8/test-utf8-" + strings.Repeat("\xd1\x84", 45):     "",
		"www/utf8/test-utf8-<>&-\xd1\x84":                          "",
		"www/utf8/test-utf8-<>&-" + strings.Repeat("\xd1\x84", 45): "",
		"www/utf8/test-utf8-" + strings.Repeat("\xd1\x84", 3) + "-" + strings.Repeat(">", 45): "",
		"www/utf8/bad-\xff\xfe":                                   "",
		"www/latin/caf\xc3\xa9-" + strings.Repeat("\xc3\xa9", 40): "",
		"www/ctl-\x01\x1f\t\n\r\b\f\x7f":                          "",
		"www/back\\slash":                                         "",
		"www/sizes/zero":                                          "",
		"www/sizes/9999":                                          strings.Repeat("x", 9999),
		"www/sizes/10000":                                         strings.Repeat("x", 10000),
		"www/sizes/10751":                                         strings.Repeat("x", 10751),
		"www/sizes/10752":                                         strings.Repeat("x", 10752),
		"www/sizes/1m":                                            strings.Repeat("x", 1024*1024-1),
		"www/sizes/1.5m":                                          strings.Repeat("x", 1024*1024+512*1024),
	}
	ng := realnginx.StartHTTP(t, autoindexConf, files)
	www := ng.Path("www")
	for _, d := range []string{"test-dir", "test-dir-escape-<>&", "a-directory-with-a-name-longer-than-fifty-characters-x"} {
		if err := os.Mkdir(filepath.Join(www, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for target, name := range map[string]string{"test-file": "test-file-link", "test-dir": "test-dir-link", "missing": "broken-link"} {
		if err := os.Symlink(filepath.Join(www, target), filepath.Join(www, name)); err != nil {
			t.Fatal(err)
		}
	}
	// Fixed times, one of them in another year, so the listing does not
	// depend on when the files were written.
	stamp := time.Date(2021, 3, 7, 9, 5, 59, 0, time.UTC)
	filepath.Walk(www, func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode()&os.ModeSymlink == 0 {
			os.Chtimes(p, stamp, stamp)
			stamp = stamp.Add(37 * time.Hour)
		}
		return nil
	})

	src := strings.NewReplacer("{{PORT}}", "0", "{{PREFIX}}", ng.Prefix).Replace(autoindexConf)
	cfg := nginx.LoadBytes(filepath.Join(ng.Prefix, "conf", "nginx.conf"), []byte(src), nginx.LoadOptions{})
	if len(cfg.Errors) > 0 {
		t.Fatal(cfg.Errors[0])
	}
	h, warns, err := New(cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range warns {
		if strings.HasPrefix(w.Name, "autoindex") {
			t.Errorf("warning for an emulated directive: %v", w)
		}
	}
	emu := serveHandler(t, h)
	for _, c := range []struct{ method, target, version string }{
		{"GET", "/", ""},
		{"GET", "/", "HTTP/1.0"},
		{"HEAD", "/", ""},
		{"POST", "/", ""},
		{"GET", "/utf8/", ""},
		{"GET", "/latin/", ""},
		{"GET", "/test-dir-escape-%3C%3E&/", ""},
		{"GET", "/test-dir-link/", ""},
		{"GET", "/approx/", ""},
		{"GET", "/local/", ""},
		{"GET", "/json/", ""},
		{"GET", "/jsonp/", ""},
		{"GET", "/jsonp/?callback=cb.x_1", ""},
		{"GET", "/jsonp/?a=1&CALLBACK=Q", ""},
		{"GET", "/jsonp/?callback=bad(", ""},
		{"GET", "/xml/", ""},
		{"GET", "/withindex/", ""},
		{"GET", "/off/", ""},
		{"GET", "/hdr/", ""},
		{"GET", "/nothere/", ""},
		{"GET", "/test-file/", ""},
	} {
		raw := realnginx.RawRequest(c.method, c.target, nil, "")
		if c.version != "" {
			raw = []byte(strings.Replace(string(raw), "HTTP/1.1", c.version, 1))
		}
		want, got := sendBoth(t, ng, emu, raw)
		if problems := diffResponses(want, got); len(problems) > 0 {
			t.Errorf("%s %s %s:\n  %s", c.method, c.target, c.version, strings.Join(problems, "\n  "))
		}
	}
}
