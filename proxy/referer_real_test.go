//go:build unix

package proxy

import (
	"net/http"
	"strings"
	"testing"

	"github.com/xaccel/xaccel/internal/realnginx"
)

// TestRefererAgainstNginx compares valid_referers and $invalid_referer
// with nginx: none, blocked, server_names, exact names with and without a
// path part, leading and trailing wildcards, regexes, the scheme, a port,
// case, inheritance, and hotlink protection that refuses a file.
func TestRefererAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	conf := `
server {
    listen 127.0.0.1:{{PORT}};
    server_name site.test *.site.test ~^cdn\d+\.example$;
    server_tokens off;
    root {{PREFIX}}/html;
    valid_referers none blocked server_names example.com/gallery/ *.example.org .example.net www.example.* ~\.search\.;
    location / { return 200 "[$invalid_referer]\n"; }
    location /strict/ {
        valid_referers example.com;
        return 200 "[$invalid_referer]\n";
    }
    location /media/ {
        valid_referers none site.test;
        if ($invalid_referer) { return 403; }
    }
    location /off/ {
        valid_referers ~^$;
        return 200 "[$invalid_referer]\n";
    }
}
`
	ng := realnginx.StartHTTP(t, conf, map[string]string{"html/media/a.mp4": "video"})
	emu, _ := startEmulator(t, conf, ng.Prefix, Options{})
	referers := []string{"-", "", "x", "http://i.r", "http://i.ru", "ftp://example.com/", "example.com",
		"http://example.com/", "http://example.com/gallery/x.jpg", "http://EXAMPLE.com/gallery/", "http://example.com:8080/gallery/a",
		"https://example.com/galleryx", "http://example.com", "http://a.example.org/", "http://example.org/", "http://example.net/",
		"http://b.example.net/p", "http://www.example.co.uk/", "http://www.example/", "http://www.search.test/q",
		"http://site.test/", "http://a.site.test/", "http://cdn7.example/", "http://cdn.example/", "HTTPS://site.test",
		"http://site.test.evil/", "http://evil/site.test/", "http://" + strings.Repeat("a", 300) + ".example.org/"}
	for _, target := range []string{"/", "/strict/", "/media/a.mp4", "/off/"} {
		for _, ref := range referers {
			h := http.Header{}
			if ref != "-" {
				h.Set("Referer", ref)
			}
			want, got := sendBoth(t, ng, emu, realnginx.RawRequest("GET", target, h, ""))
			if problems := diffResponses(want, got); len(problems) > 0 {
				t.Errorf("%s with Referer %q:\n  %s", target, ref, strings.Join(problems, "\n  "))
			}
		}
	}
}
