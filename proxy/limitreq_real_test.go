//go:build unix

package proxy

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/xaccel/xaccel/internal/realnginx"
)

const limitReqConf = `
limit_req_zone $binary_remote_addr zone=za:1m rate=1r/m;
limit_req_zone $binary_remote_addr zone=zb:1m rate=1r/m;
limit_req_zone $binary_remote_addr zone=zd:1m rate=1r/m;
limit_req_zone $binary_remote_addr zone=ze:1m rate=1r/m;
limit_req_zone $arg_k zone=zk:1m rate=1r/m;
limit_req_zone $binary_remote_addr zone=g1:1m rate=1r/m;
limit_req_zone $arg_k zone=g2:1m rate=1r/m;
limit_req_zone $binary_remote_addr zone=zs:1m rate=1r/m;
limit_req_zone $binary_remote_addr zone=zr:1m rate=1r/m;
limit_req_zone $binary_remote_addr zone=zf:1m rate=1r/m;
server {
    listen 127.0.0.1:{{PORT}};
    server_name localhost;
    root {{PREFIX}}/www;
    add_header X-L "$limit_req_status" always;
    limit_req zone=zs burst=1 nodelay;
    location /a/ { limit_req zone=za; }
    location /b/ { limit_req zone=zb burst=2 nodelay; }
    location /d/ { limit_req zone=zd; limit_req_dry_run on; }
    location /e/ { limit_req zone=ze; limit_req_status 429; error_page 429 /errors/429.txt; }
    location /k/ { limit_req zone=zk; }
    location /g/ { limit_req zone=g1 burst=1 nodelay; limit_req zone=g2 burst=2 nodelay; }
    location /s/ { }
    location /r/ { limit_req zone=zr; try_files /nothing /f/a.txt; }
    location /f/ { limit_req zone=zf; }
    location /errors/ { }
    location = /ret { limit_req zone=za; return 200 "return before the limit\n"; }
}
`

// TestLimitReqAgainstNginx sends the same sequence of requests to real
// nginx and to serve with limit_req zones of one request a minute (so that
// nothing drains while the test runs): the same statuses and
// $limit_req_status for no burst, a burst with nodelay, dry run, another
// limit_req_status with its error_page, a key that is sometimes empty, two
// limits in one location, the server level's limit inherited, once per
// request across an internal redirect, and a `return`, which answers
// before limit_req.
func TestLimitReqAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	files := map[string]string{"www/errors/429.txt": "slow down\n"}
	for _, d := range []string{"a", "b", "d", "e", "k", "g", "s", "f"} {
		files["www/"+d+"/a.txt"] = d + "\n"
	}
	ng := realnginx.StartHTTP(t, limitReqConf, files)
	emu := serveFrontConf(t, strings.ReplaceAll(limitReqConf, "{{PREFIX}}", ng.Prefix))
	var targets []string
	for _, seq := range []struct {
		path string
		n    int
	}{
		{"/a/a.txt", 3}, {"/b/a.txt", 5}, {"/d/a.txt", 3}, {"/e/a.txt", 2}, {"/k/a.txt", 2}, {"/k/a.txt?k=x", 3},
		{"/k/a.txt?k=y", 1}, {"/g/a.txt?k=1", 3}, {"/g/a.txt?k=2", 2}, {"/s/a.txt", 3}, {"/r/x", 1}, {"/f/a.txt", 1},
		{"/ret", 2},
	} {
		for range seq.n {
			targets = append(targets, seq.path)
		}
	}
	limited := 0
	for _, target := range targets {
		raw := "GET " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
		want, err := realnginx.SendRaw(ng.Addr, []byte(raw))
		if err != nil {
			t.Fatalf("nginx %s: %v", target, err)
		}
		got, err := realnginx.SendRaw(emu, []byte(raw))
		if err != nil {
			t.Fatalf("serve %s: %v", target, err)
		}
		w := fmt.Sprintf("%d %q %q", want.Status, want.Header.Get("X-L"), want.Body)
		g := fmt.Sprintf("%d %q %q", got.Status, got.Header.Get("X-L"), got.Body)
		if os.Getenv("XACCEL_DUMP") != "" {
			t.Logf("GET %s: nginx %s, serve %s", target, w, g)
		}
		if w != g {
			t.Errorf("GET %s: nginx %s, serve %s", target, w, g)
		}
		if want.Status >= 400 {
			limited++
		}
	}
	if limited < 5 {
		t.Errorf("nginx refused only %d requests: the test checks less than it says", limited)
	}
}

// TestLimitReqDelayAgainstNginx: over the delay threshold a request waits
// until its zone's bucket has drained that far, then is served
// ($limit_req_status DELAYED), as in nginx: with 10 requests a second,
// the second and third of three at once wait about 100 ms each.
func TestLimitReqDelayAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	conf := `
limit_req_zone $binary_remote_addr zone=fast:1m rate=10r/s;
server {
    listen 127.0.0.1:{{PORT}};
    server_name localhost;
    root {{PREFIX}}/www;
    add_header X-L "$limit_req_status" always;
    location / { limit_req zone=fast burst=5; }
}
`
	ng := realnginx.StartHTTP(t, conf, map[string]string{"www/a.txt": "a\n"})
	emu := serveFrontConf(t, strings.ReplaceAll(conf, "{{PREFIX}}", ng.Prefix))
	raw := []byte("GET /a.txt HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
	run := func(addr string) (string, time.Duration) {
		start := time.Now()
		var out []string
		for range 3 {
			r, err := realnginx.SendRaw(addr, raw)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprintf("%d %s", r.Status, r.Header.Get("X-L")))
		}
		return strings.Join(out, ", "), time.Since(start)
	}
	want, wantTook := run(ng.Addr)
	got, took := run(emu)
	if want != got {
		t.Errorf("nginx %s, serve %s", want, got)
	}
	if wantTook < 150*time.Millisecond || took < 150*time.Millisecond {
		t.Errorf("three requests took %v in nginx and %v in serve, want at least 150 ms each (two delays of about 100 ms)", wantTook, took)
	}
}
