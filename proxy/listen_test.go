//go:build unix

package proxy

import (
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/xaccel/xaccel/nginx"
)

func TestParseListenMap(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"80=8080", "any:80 -> same:8080"},
		{"127.0.0.1:80=8080", "127.0.0.1:80 -> same:8080"},
		{"*:80=127.0.0.1:0", "0.0.0.0:80 -> 127.0.0.1:0"},
		{"[::]:443=[::1]:8443", ":::443 -> ::1:8443"},
		{"80", "error"}, {"80=", "error"}, {"0=80", "error"}, {"80=70000", "error"}, {"x:80=1", "error"}, {"+80=1", "error"},
	} {
		m, err := ParseListenMap(tc.in)
		got := "error"
		if err == nil {
			side := func(a interface{ IsValid() bool }, s string) string {
				if !a.IsValid() {
					return s
				}
				return ""
			}
			from := side(m.FromAddr, "any") + strings.TrimSuffix(m.FromAddr.String(), "invalid IP")
			to := side(m.ToAddr, "same") + strings.TrimSuffix(m.ToAddr.String(), "invalid IP")
			got = from + ":" + itoa(int(m.FromPort)) + " -> " + to + ":" + itoa(int(m.ToPort))
		} else if !strings.Contains(err.Error(), "want FROM=TO") {
			t.Errorf("%s: error %q does not say what to write", tc.in, err)
		}
		if got != tc.want {
			t.Errorf("ParseListenMap(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestPlanBinds(t *testing.T) {
	plan := func(src string, o BindOptions) ([]string, []string, error) {
		cfg := nginx.LoadBytes("b.conf", []byte("http {"+src+"}"), nginx.LoadOptions{})
		ls, errs := cfg.Listens(nginx.ListenOptions{})
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		binds, warns, err := PlanBinds(ls, o)
		var out []string
		for _, b := range binds {
			at := b.Addr.String()
			if b.Unix != "" {
				at = "unix:" + b.Unix
			}
			s := at + " for " + b.Group.String()
			for _, a := range b.Also {
				s += " + " + a.String()
			}
			out = append(out, s)
		}
		return out, warns, err
	}
	maps := func(ss ...string) []ListenMap {
		var out []ListenMap
		for _, s := range ss {
			m, err := ParseListenMap(s)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, m)
		}
		return out
	}
	for _, tc := range []struct {
		name, src string
		o         BindOptions
		want      []string
		warn, err string
	}{
		{"wildcards on loopback", `server { listen 80; listen [::]:80; } server { listen 127.0.0.2:81; }`, BindOptions{},
			[]string{"127.0.0.1:80 for 0.0.0.0:80", "[::1]:80 for [::]:80", "127.0.0.2:81 for 127.0.0.2:81"}, "", ""},
		{"offset and maps", `server { listen 80; listen 127.0.0.2:80; listen 81; }`, BindOptions{PortOffset: 8000, Map: maps("127.0.0.2:80=9000", "81=127.0.0.3:7000")},
			[]string{"127.0.0.1:8080 for 0.0.0.0:80", "127.0.0.2:9000 for 127.0.0.2:80", "127.0.0.3:7000 for 0.0.0.0:81"}, "", ""},
		{"as configured", `server { listen 80; listen 127.0.0.1:80; listen 10.1.2.3:81; }`, BindOptions{AsConfigured: true},
			[]string{"0.0.0.0:80 for 0.0.0.0:80 + 127.0.0.1:80", "10.1.2.3:81 for 10.1.2.3:81"}, "", ""},
		{"wildcard hidden by loopback", `server { listen 127.0.0.1:80; } server { listen 80; }`, BindOptions{},
			[]string{"127.0.0.1:80 for 0.0.0.0:80 + 127.0.0.1:80"}, "the servers of listen 0.0.0.0:80 cannot be reached", ""},
		{"non-loopback refused", `server { listen 10.1.2.3:80; }`, BindOptions{}, nil, "", "b.conf:1:16: listen 10.1.2.3:80 is not a loopback address"},
		{"non-loopback moved", `server { listen 10.1.2.3:80; }`, BindOptions{Map: maps("10.1.2.3:80=127.0.0.1:8080")}, []string{"127.0.0.1:8080 for 10.1.2.3:80"}, "", ""},
		{"ssl served", `server { listen 80; } server { listen 443 ssl; }`, BindOptions{},
			[]string{"127.0.0.1:80 for 0.0.0.0:80", "127.0.0.1:443 for 0.0.0.0:443"}, "", ""},
		{"ssl and http2 served", `server { listen 443 ssl http2; }`, BindOptions{}, []string{"127.0.0.1:443 for 0.0.0.0:443"}, "", ""},
		{"http2 without ssl refused", `server { listen 80; } server { listen 81 http2; }`, BindOptions{}, nil, "", "b.conf:1:38: listen 0.0.0.0:81 uses http2 without ssl"},
		{"http2 with ssl on another listen of the address", `server { listen 443 http2; } server { listen 443 ssl; }`, BindOptions{}, []string{"127.0.0.1:443 for 0.0.0.0:443"}, "", ""},
		{"ssl on in the default server", `server { listen 443 http2; ssl on; }`, BindOptions{}, []string{"127.0.0.1:443 for 0.0.0.0:443"}, "", ""},
		{"unsupported skipped", `server { listen 80; listen unix:/x.sock; listen 81 quic; }`, BindOptions{SkipUnsupported: true},
			[]string{"127.0.0.1:80 for 0.0.0.0:80", "unix:/x.sock for unix:/x.sock"}, "listen 0.0.0.0:81 (quic) is not served", ""},
		{"proxy_protocol served", `server { listen 80; listen 81 proxy_protocol; }`, BindOptions{},
			[]string{"127.0.0.1:80 for 0.0.0.0:80", "127.0.0.1:81 for 0.0.0.0:81"}, "", ""},
		{"same socket twice", `server { listen 80; listen 81; }`, BindOptions{Map: maps("80=9000", "81=9000")}, nil, "", "would both be bound on 127.0.0.1:9000"},
		{"offset too far", `server { listen 65000; }`, BindOptions{PortOffset: 1000}, nil, "", "--port-offset 1000 gives port 66000"},
	} {
		got, warns, err := plan(tc.src, tc.o)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: error %v, want %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, d)
		}
		if w := strings.Join(warns, "\n"); tc.warn == "" && w != "" || !strings.Contains(w, tc.warn) {
			t.Errorf("%s: warnings %q, want %q", tc.name, w, tc.warn)
		}
	}
}
