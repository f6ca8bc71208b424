//go:build unix

package proxy

import (
	"strings"
	"testing"

	"github.com/xaccel/xaccel/internal/realnginx"
)

const realIPTestConf = `
add_header X-IP "$remote_addr|$remote_port|$realip_remote_addr" always;
set_real_ip_from 127.0.0.1/32;
set_real_ip_from 10.0.1.0/24;
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    root {{PREFIX}}/www;
    location / { }
    location /custom { real_ip_header X-Real-IP-Custom; }
    location /xff { real_ip_header X-Forwarded-For; }
    location /rec { real_ip_header X-Forwarded-For; real_ip_recursive on; }
    location /deny { real_ip_header X-Forwarded-For; deny 192.0.2.1; allow all; }
    location /untrusted { set_real_ip_from 10.9.9.9; }
    location /ret { real_ip_header X-Forwarded-For; return 200 "the rewrite phase is before realip's\n"; }
}
`

// TestRealIPAgainstNginx compares $remote_addr, $remote_port and
// $realip_remote_addr, and allow/deny on the replaced address, for
// X-Real-IP, a custom header and X-Forwarded-For (one or several header
// lines, recursive or not, with ports, IPv6 and junk).
func TestRealIPAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	files := map[string]string{}
	for _, f := range []string{"index.html", "custom", "xff", "rec", "deny", "untrusted"} {
		files["www/"+f] = f + "\n"
	}
	ng := realnginx.StartHTTP(t, realIPTestConf, files)
	emu, _ := startEmulator(t, realIPTestConf, ng.Prefix, Options{})
	for _, c := range []struct {
		target string
		header []string
	}{
		{"/", nil},
		{"/", []string{"X-Real-IP: 192.0.2.1"}},
		{"/", []string{"X-Real-IP: 192.0.2.1:8000"}},
		{"/", []string{"X-Real-IP: junk"}},
		{"/custom", []string{"X-Real-IP-Custom: 2001:DB8::1"}},
		{"/custom", []string{"X-Real-IP: 192.0.2.1"}},
		{"/xff", []string{"X-Forwarded-For: 10.0.0.1, 192.0.2.1"}},
		{"/xff", []string{"X-Forwarded-For: 192.0.2.1, 10.0.1.1, 127.0.0.1"}},
		{"/xff", []string{"X-Forwarded-For: 192.0.2.1", "X-Forwarded-For: 127.0.0.1, 10.0.1.1"}},
		{"/xff", []string{"X-Forwarded-For: 192.0.2.1,  "}},
		{"/xff", []string{"X-Forwarded-For: [2001:db8::2]:443"}},
		{"/rec", []string{"X-Forwarded-For: 10.0.1.1, 192.0.2.1, 127.0.0.1"}},
		{"/rec", []string{"X-Forwarded-For: 10.0.1.1", "X-Forwarded-For: 192.0.2.1", "X-Forwarded-For: 127.0.0.1"}},
		{"/rec", []string{"X-Forwarded-For: 10.0.1.2, 10.0.1.1"}},
		{"/rec", []string{"X-Forwarded-For: junk, 10.0.1.1"}},
		{"/deny", []string{"X-Forwarded-For: 192.0.2.1"}},
		{"/deny", []string{"X-Forwarded-For: 192.0.2.2"}},
		{"/untrusted", []string{"X-Real-IP: 192.0.2.1"}},
		{"/ret", []string{"X-Forwarded-For: 192.0.2.1"}},
	} {
		raw := "GET " + c.target + " HTTP/1.0\r\nHost: localhost\r\n"
		for _, hl := range c.header {
			raw += hl + "\r\n"
		}
		raw += "\r\n"
		want, got := sendBoth(t, ng, emu, []byte(raw))
		// The connection's port differs between the two connections.
		ip := func(r *realnginx.Response) string {
			v := r.Header.Get("X-IP")
			f := strings.Split(v, "|")
			if len(f) == 3 && f[2] == "127.0.0.1" && f[0] == "127.0.0.1" {
				f[1] = "PORT"
			}
			return strings.Join(f, "|")
		}
		if want.Status != got.Status || ip(want) != ip(got) || string(want.Body) != string(got.Body) {
			t.Errorf("GET %s %q: nginx %d %q %q, serve %d %q %q", c.target, c.header,
				want.Status, ip(want), want.Body, got.Status, ip(got), got.Body)
		}
	}
}
