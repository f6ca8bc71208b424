//go:build unix

package proxy

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/xaccel/xaccel/internal/realnginx"
)

// TestCacheConfiguredHeadersAgainstNginx: where proxy_cache is on, a GET
// or HEAD reaches the app without its conditional and range headers (a
// POST, or proxy_cache off, with them), and nginx's not-modified filter
// judges them against the app's answer (304, 412); proxy_pass_header
// Date and Server give the app's, or none when it sent none. Compared
// with nginx.
func TestCacheConfiguredHeadersAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	app := realnginx.ServeRaw(t, func(c net.Conn) {
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		req, err := http.ReadRequest(bufio.NewReader(c))
		if err != nil {
			return
		}
		if strings.Contains(req.URL.Path, "nodate") {
			fmt.Fprint(c, "HTTP/1.0 200 OK\r\n\r\nno date\n")
			return
		}
		if strings.HasPrefix(req.URL.Path, "/lm/") {
			fmt.Fprint(c, "HTTP/1.0 200 OK\r\nLast-Modified: Mon, 28 Sep 1970 06:00:00 GMT\r\nETag: \"v1\"\r\nContent-Length: 3\r\n\r\nlm\n")
			return
		}
		var seen []string
		for _, k := range []string{"If-Modified-Since", "If-Unmodified-Since", "If-None-Match", "If-Match", "Range", "If-Range"} {
			seen = append(seen, k+"="+req.Header.Get(k))
		}
		body := strings.Join(seen, " ") + "\n"
		fmt.Fprintf(c, "HTTP/1.0 200 OK\r\nDate: app-date\r\nServer: app\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
	})
	conf := `
proxy_cache_path {{PREFIX}}/cache keys_zone=one:1m;
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    proxy_cache one;
    location / {
        proxy_pass http://APP;
        location /off/ { proxy_pass http://APP; proxy_cache off; }
    }
    location /pass/ {
        proxy_pass http://APP;
        proxy_pass_header Date;
        proxy_pass_header Server;
        location /pass/nodate/ { proxy_pass http://APP; }
    }
    location /nodate/ { proxy_pass http://APP; }
}
`
	conf = strings.ReplaceAll(conf, "APP", app)
	ng := realnginx.StartHTTP(t, conf, nil)
	emu, _ := startEmulator(t, conf, ng.Prefix, Options{})
	all := http.Header{"If-Modified-Since": {"Mon, 28 Sep 1970 06:00:00 GMT"}, "If-Unmodified-Since": {"x"},
		"If-None-Match": {`"a"`}, "If-Match": {`"b"`}, "Range": {"bytes=0-1"}, "If-Range": {`"c"`}}
	for _, c := range []struct {
		method, target string
		h              http.Header
	}{
		{"GET", "/x", all}, {"POST", "/x", all}, {"GET", "/off/x", all}, {"GET", "/pass/x", all},
		{"GET", "/pass/nodate/", nil}, {"GET", "/nodate/", nil},
		{"GET", "/x", http.Header{"Range": {"bytes=0-1"}}},
		{"GET", "/x", http.Header{"If-Modified-Since": {"Mon, 28 Sep 1970 06:00:00 GMT"}}},
		{"GET", "/x", http.Header{"If-None-Match": {"*"}}},
		{"HEAD", "/x", http.Header{"If-None-Match": {"*"}}},
		{"GET", "/x", http.Header{"If-Match": {"*"}}},
		{"GET", "/lm/x", http.Header{"If-Modified-Since": {"Mon, 28 Sep 1970 06:00:00 GMT"}}},
		{"GET", "/lm/x", http.Header{"If-Unmodified-Since": {"Mon, 28 Sep 1970 05:00:00 GMT"}}},
		{"GET", "/lm/x", http.Header{"If-None-Match": {`"v1"`}}},
	} {
		want, got := sendBoth(t, ng, emu, realnginx.RawRequest(c.method, c.target, c.h, ""))
		if problems := diffResponses(want, got, "Date"); len(problems) > 0 {
			t.Errorf("%s %s:\n  %s", c.method, c.target, strings.Join(problems, "\n  "))
		}
		if _, w := want.Header["Date"]; true {
			if _, g := got.Header["Date"]; w != g || want.Header.Get("Date") == "app-date" && got.Header.Get("Date") != "app-date" {
				t.Errorf("%s %s: Date nginx %q, serve %q", c.method, c.target, want.Header.Get("Date"), got.Header.Get("Date"))
			}
		}
	}
}

// TestForceRangesAgainstNginx compares proxy_force_ranges with nginx: the
// range filter on an app's 200 that ignores Range (one range, a suffix,
// several, none satisfiable, If-Range by date and by tag, HEAD,
// max_ranges), Accept-Ranges, and an answer without a length.
func TestForceRangesAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	app := realnginx.ServeRaw(t, func(c net.Conn) {
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		req, err := http.ReadRequest(bufio.NewReader(c))
		if err != nil {
			return
		}
		body := "0123456789abcdefghij"
		if strings.Contains(req.URL.Path, "nolen") {
			fmt.Fprintf(c, "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n%s", body)
			return
		}
		fmt.Fprintf(c, "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nAccept-Ranges: none\r\nLast-Modified: Mon, 28 Sep 1970 06:00:00 GMT\r\nETag: \"v1\"\r\nContent-Length: %d\r\n\r\n", len(body))
		if req.Method != http.MethodHead {
			fmt.Fprint(c, body)
		}
	})
	conf := `
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    location /plain/ { proxy_pass http://APP; }
    location /force/ { proxy_pass http://APP; proxy_force_ranges on; }
    location /max1/ { proxy_pass http://APP; proxy_force_ranges on; max_ranges 1; }
    location /max0/ { proxy_pass http://APP; proxy_force_ranges on; max_ranges 0; }
}
`
	conf = strings.ReplaceAll(conf, "APP", app)
	ng := realnginx.StartHTTP(t, conf, nil)
	emu, _ := startEmulator(t, conf, ng.Prefix, Options{})
	for _, target := range []string{"/plain/x", "/force/x", "/max1/x", "/max0/x", "/force/nolen"} {
		for _, h := range []http.Header{
			nil,
			{"Range": {"bytes=2-5"}},
			{"Range": {"bytes=-3"}},
			{"Range": {"bytes=0-1,4-6"}},
			{"Range": {"bytes=50-60"}},
			{"Range": {"bytes=2-5"}, "If-Range": {"Mon, 28 Sep 1970 06:00:00 GMT"}},
			{"Range": {"bytes=2-5"}, "If-Range": {`"v1"`}},
			{"Range": {"bytes=2-5"}, "If-Range": {`"v2"`}},
		} {
			for _, method := range []string{"GET", "HEAD"} {
				want, got := sendBoth(t, ng, emu, realnginx.RawRequest(method, target, h, ""))
				if problems := diffResponses(want, got); len(problems) > 0 {
					t.Errorf("%s %s %v:\n  %s", method, target, h, strings.Join(problems, "\n  "))
				}
			}
		}
	}
}
