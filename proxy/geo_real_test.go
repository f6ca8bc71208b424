//go:build unix

package proxy

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/xaccel/xaccel/internal/realnginx"
	"github.com/xaccel/xaccel/nginx"
)

// TestGeoAgainstNginx compares geo variables with nginx: networks by
// longest prefix (IPv4, IPv6, an IPv4-mapped client), delete, default and
// its absence, an address from a variable (one that does not parse), the
// ranges form (nested, split, crossing a /16, deleted), proxy and
// proxy_recursive with X-Forwarded-For, and an `if` on a geo value that
// refuses the client, as access lists written with geo do.
func TestGeoAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	conf := `
geo $g1 { default d; 127.0.0.0/8 lo; 127.0.0.1 one; 10.0.0.0/8 ten; delete 127.0.0.1; ::1 v6; }
geo $arg_ip $g2 {
    default none; 192.168.0.0/16 lan; 192.168.1.0/24 lan1; 2001:db8::/32 doc; 255.255.255.255 bad;
    ::ffff:1.2.3.0/120 mapped; 1.2.3.0/24 v4; 0.0.0.0/1 low;
}
geo $arg_ip $g3 {
    ranges; default r0; 10.0.0.0-10.0.255.255 a; 10.0.1.0-10.0.1.255 b; 10.0.0.0-10.0.0.255 c;
    10.1.255.0-10.2.0.255 cross; delete 10.0.0.0-10.0.0.255; 10.0.3.0-10.0.3.9 d; 10.0.3.0-10.0.3.9 d2;
    255.255.255.0-255.255.255.254 top;
}
geo $g4 { proxy 127.0.0.0/8; default d; 203.0.113.0/24 doc; 198.51.100.7 x; }
geo $g5 { proxy 127.0.0.1; proxy_recursive; default d; 203.0.113.0/24 doc; 10.0.0.0/8 inner; }
geo $nodef { 1.2.3.4 x; }
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    location / { return 200 "g1=$g1 g2=$g2 g3=$g3 g4=$g4 g5=$g5 nodef=$nodef\n"; }
    location /deny { if ($g1 = lo) { return 403; } return 200 "in\n"; }
}
`
	ng := realnginx.StartHTTP(t, conf, nil)
	emu, _ := startEmulator(t, conf, ng.Prefix, Options{})
	ips := []string{"", "garbage", "127.0.0.1", "10.1.2.3", "192.168.1.5", "192.168.2.5", "2001:db8::1", "::ffff:1.2.3.4",
		"1.2.3.4", "255.255.255.255", "10.0.0.5", "10.0.1.7", "10.0.2.1", "10.0.3.5", "10.1.255.3", "10.2.0.9",
		"10.2.1.0", "::1", "fe80::1%eth0", "200.1.1.1"}
	xffs := []string{"", "203.0.113.5", "10.1.1.1, 203.0.113.9", "198.51.100.7, 10.0.0.1", "203.0.113.1, 127.0.0.1", "junk"}
	for _, ip := range ips {
		for _, xff := range xffs {
			h := http.Header{}
			if xff != "" {
				h.Set("X-Forwarded-For", xff)
			}
			target := "/?ip=" + url.QueryEscape(ip)
			want, got := sendBoth(t, ng, emu, realnginx.RawRequest("GET", target, h, ""))
			if problems := diffResponses(want, got); len(problems) > 0 {
				t.Errorf("%s (X-Forwarded-For %q):\n  %s", target, xff, strings.Join(problems, "\n  "))
			}
		}
	}
	want, got := sendBoth(t, ng, emu, realnginx.RawRequest("GET", "/deny", nil, ""))
	if problems := diffResponses(want, got); len(problems) > 0 || got.Status != http.StatusForbidden {
		t.Errorf("/deny from 127.0.0.1: %d\n  %s", got.Status, strings.Join(problems, "\n  "))
	}
}

// TestGeoRefused: a geo block nginx refuses stops serve too, with its
// position.
func TestGeoRefused(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ geo, want string }{
		{"geo $x { ranges; 10.0.0.0-10.0.0.9 a; 10.0.0.5-10.0.0.20 b; }", `range "10.0.0.5-10.0.0.20" overlaps "10.0.0.0-10.0.0.9"`},
		{"geo $x { 10.0.0.1/33 a; }", `invalid network "10.0.0.1/33"`},
		{"geo $x { default a; ranges; }", `the "ranges" directive must be the first`},
		{"geo $x { ranges; 10.0.0.9-10.0.0.1 a; }", `invalid range "10.0.0.9-10.0.0.1"`},
		{"geo $x { ranges; 10.0.0.0-255.255.255.255 a; }", `invalid range "10.0.0.0-255.255.255.255"`},
	} {
		src := "http { " + c.geo + " server { listen 127.0.0.1:8080; location / { return 200 $x; } } }"
		// The loader's checks or New's: either way serve does not start.
		cfg := nginx.LoadBytes("geo.conf", []byte(src), nginx.LoadOptions{})
		var err error
		if len(cfg.Errors) > 0 {
			err = cfg.Errors[0]
		} else {
			_, _, err = New(cfg, Options{})
		}
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "geo.conf:1:") {
			t.Errorf("%s: error %v, want %q with its position", c.geo, err, c.want)
		}
		if ok, out := realnginx.CheckHTTP(c.geo+" server { listen 127.0.0.1:8080; location / { return 200 $x; } }", nil); ok {
			t.Errorf("%s: nginx accepts it (%s)", c.geo, out)
		}
	}
}

// TestSplitClientsAgainstNginx compares split_clients with nginx over
// many strings: parts with decimals, `*`, a total under 100%.
func TestSplitClientsAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	conf := `
split_clients "${arg_k}AAA" $a { 0.5% one; 2.25% two; 50% half; * rest; }
split_clients $arg_k $b { 10% ten; 20% twenty; }
split_clients "x$arg_k" $c { 33.33% p1; 33.33% p2; 33.34% p3; }
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    location / { return 200 "a=$a b=$b c=$c\n"; }
}
`
	ng := realnginx.StartHTTP(t, conf, nil)
	emu, _ := startEmulator(t, conf, ng.Prefix, Options{})
	seen := map[string]bool{}
	for i := 0; i < 300; i++ {
		target := "/?k=" + strings.Repeat("z", i%7) + url.QueryEscape(string(rune('a'+i%26))) + strings.Repeat("9", i/26)
		want, got := sendBoth(t, ng, emu, realnginx.RawRequest("GET", target, nil, ""))
		if problems := diffResponses(want, got); len(problems) > 0 {
			t.Errorf("%s:\n  %s", target, strings.Join(problems, "\n  "))
		}
		for _, f := range strings.Fields(string(got.Body)) {
			seen[f] = true
		}
	}
	// Every part was reached, so that each was compared.
	for _, v := range []string{"a=two", "a=half", "a=rest", "b=ten", "b=twenty", "b=", "c=p1", "c=p2", "c=p3"} {
		if !seen[v] {
			t.Errorf("no key gave %s", v)
		}
	}
}
