//go:build unix

package proxy

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xaccel/xaccel/internal/realnginx"
)

// TestSSIAgainstNginx compares server-side includes with nginx: echo
// (encodings, default, a variable without a value), set, include virtual
// (a file, a location that returns, with set=, a nested page), file,
// if/elif/else/endif, config errmsg, an unknown command and
// ssi_silent_errors, ssi_types, ssi_last_modified, and the headers SSI
// takes away.
func TestSSIAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	conf := `
map $uri $ssi_m { ~^/ret/ ret; default main; }
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    root {{PREFIX}}/html;
    ssi on;
    # An included location's add_header is not evaluated (nginx's headers
    # filter leaves subrequests alone), nor the map in it, which the page
    # (sharing its variables) would then echo.
    location /ret/ { add_header X-M $ssi_m; return 200 "ret <b>$arg_x</b>\n"; }
    location /silent/ { ssi_silent_errors on; }
    location /lm/ { ssi_last_modified on; }
    location /types/ { ssi_types text/plain; }
    location /off/ { ssi off; }
    location /denied/ { deny all; }
}
`
	page := `A<!--#echo var="arg_a" -->B<!--#echo var="arg_a" encoding="none" -->C<!--#echo var="arg_a" encoding="url" -->` +
		`D<!--#echo var="nothing_here" -->E<!--#echo var="http_x_none" default="dflt $arg_a" -->` +
		`F<!--#set var="v" value="set $arg_a" --><!--#echo var="v" -->` +
		`G<!--#include virtual="/inc.html" -->H<!--#include virtual="/ret/?x=$arg_a" -->` +
		`I<!--#include virtual="/ret/?x=2" set="r" -->[<!--#echo var="r" -->]` +
		`J<!--#if expr="$arg_a" -->yes<!--#else -->no<!--#endif -->` +
		`K<!--#if expr="$arg_a = 1" -->one<!--#elif expr="$arg_a = /^<.*/" -->lt<!--#else -->other<!--#endif -->` +
		`L<!--#if expr="!$arg_a" -->empty<!--#endif -->` +
		`M<!--#bogus x="1" -->N<!--#config errmsg="oops" --><!--#bogus -->O<!--#include file="inc.html" -->P` + "\n"
	files := map[string]string{
		"html/p.html": page, "html/silent/p.html": page, "html/lm/p.html": page, "html/off/p.html": page,
		"html/types/p.txt": page, "html/p.txt": page, "html/inc.html": "inc<!--#echo var=\"arg_a\" -->\n",
		"html/denied/s.html": "secret\n",
		"html/p2.html":       `1<!--#include virtual="/denied/s.html" -->2<!--#include virtual="/inc.html" -->3` + "\n",
		"html/p3.html":       `1<!--#include virtual="/ret/?x=3" -->2<!--#echo var="ssi_m" -->3` + "\n",
	}
	ng := realnginx.StartHTTP(t, conf, files)
	emu, _ := startEmulator(t, conf, ng.Prefix, Options{})
	for _, target := range []string{"/p.html", "/p.html?a=1", "/p.html?a=%3Cx%22%26", "/silent/p.html", "/lm/p.html",
		"/off/p.html", "/types/p.txt", "/p.txt", "/p2.html", "/p3.html"} {
		for _, method := range []string{"GET", "HEAD"} {
			want, got := sendBoth(t, ng, emu, realnginx.RawRequest(method, target, http.Header{"X-Y": {"z"}}, ""))
			if problems := diffResponses(want, got); len(problems) > 0 {
				t.Errorf("%s %s:\n  %s", method, target, strings.Join(problems, "\n  "))
			}
		}
	}
	// A subrequest has no access phase (an include reaches a location
	// that denies everyone, as in nginx) and no not-modified or range
	// filter (the main request's conditionals are not its).
	old := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := os.Chtimes(filepath.Join(ng.Prefix, "html/inc.html"), old, old); err != nil {
		t.Fatal(err)
	}
	for _, h := range []http.Header{
		{"If-Modified-Since": {old.Format(http.TimeFormat)}},
		{"Range": {"bytes=0-1"}},
	} {
		want, got := sendBoth(t, ng, emu, realnginx.RawRequest("GET", "/p2.html", h, ""))
		if problems := diffResponses(want, got); len(problems) > 0 {
			t.Errorf("/p2.html %v:\n  %s", h, strings.Join(problems, "\n  "))
		}
		if !strings.Contains(string(want.Body), "secret") {
			t.Errorf("/p2.html %v: nginx did not include the denied location: %q", h, want.Body)
		}
	}
}
