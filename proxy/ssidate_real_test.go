//go:build unix

package proxy

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/xaccel/xaccel/internal/realnginx"
)

// TestSSIDatesAgainstNginx compares $date_gmt and $date_local with nginx:
// echoed by an SSI page in a `config timefmt` of (almost) every strftime
// conversion, in the default format (which a `return` outside SSI gets
// too), and as seconds since the epoch (timefmt "%s"). The clock's time of
// day is left out of the comparison, and the seconds may be apart by
// one or two: the two servers answer at different moments.
func TestSSIDatesAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	conf := `
server {
    listen 127.0.0.1:{{PORT}};
    server_name localhost;
    root {{PREFIX}}/www;
    location /s/ { ssi on; }
    location = /plain { return 200 "$date_gmt $date_local\n"; }
}
`
	files := map[string]string{
		"www/s/fmt.html": `<!--#config timefmt="%Y-%m-%d|%a|%A|%b|%B|%C|%D|%e|%F|%j|%u|%w|%y|%Z|%p|%P|%I|%l|%k|%H|%%|%U|%W|%V|%G|%g|%h|%z|%n|%t|%q" -->` +
			`gmt=<!--#echo var="date_gmt" --> local=<!--#echo var="date_local" -->` + "\n",
		"www/s/default.html": `gmt=<!--#echo var="date_gmt" --> local=<!--#echo var="date_local" -->` + "\n",
		"www/s/secs.html":    `<!--#config timefmt="%s" -->gmt=<!--#echo var="date_gmt" -->` + "\n",
	}
	ng := realnginx.StartHTTP(t, conf, files)
	emu, _ := startEmulator(t, conf, ng.Prefix, Options{})
	clock := regexp.MustCompile(`\d\d:\d\d:\d\d`)
	for _, target := range []string{"/s/fmt.html", "/s/default.html", "/plain"} {
		want, got := sendBoth(t, ng, emu, realnginx.RawRequest("GET", target, nil, ""))
		w, g := clock.ReplaceAllString(string(want.Body), "HH:MM:SS"), clock.ReplaceAllString(string(got.Body), "HH:MM:SS")
		if want.Status != 200 || w != g {
			t.Errorf("GET %s:\nnginx %d %q\nserve %d %q", target, want.Status, w, got.Status, g)
		}
	}
	near := func(a, b string) bool {
		x, err1 := strconv.ParseInt(a, 10, 64)
		y, err2 := strconv.ParseInt(b, 10, 64)
		return err1 == nil && err2 == nil && x-y <= 2 && y-x <= 2
	}
	for _, target := range []string{"/s/secs.html"} {
		want, got := sendBoth(t, ng, emu, realnginx.RawRequest("GET", target, nil, ""))
		wf, gf := strings.Fields(strings.TrimPrefix(string(want.Body), "gmt=")), strings.Fields(strings.TrimPrefix(string(got.Body), "gmt="))
		if len(wf) == 0 || len(wf) != len(gf) {
			t.Errorf("GET %s: nginx %q, serve %q", target, want.Body, got.Body)
			continue
		}
		for i := range wf {
			if !near(wf[i], gf[i]) {
				t.Errorf("GET %s: nginx %q, serve %q", target, want.Body, got.Body)
			}
		}
	}
}
