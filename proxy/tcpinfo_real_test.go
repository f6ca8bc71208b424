//go:build linux

package proxy

import (
	"regexp"
	"strconv"
	"testing"

	"github.com/xaccel/xaccel/internal/realnginx"
)

// TestTCPInfoAgainstNginx reads the $tcpinfo_* variables from real nginx
// and from serve on a new loopback connection: numbers from TCP_INFO, the
// same congestion window (the kernel's initial one), a round-trip time
// and a receive space above zero. The times themselves belong to each
// connection and are not compared.
func TestTCPInfoAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	conf := `
server {
    listen 127.0.0.1:{{PORT}};
    location / { return 200 "rtt=$tcpinfo_rtt rttvar=$tcpinfo_rttvar cwnd=$tcpinfo_snd_cwnd space=$tcpinfo_rcv_space\n"; }
}
`
	ng := realnginx.StartHTTP(t, conf, nil)
	emu, _ := startEmulator(t, conf, ng.Prefix, Options{})
	re := regexp.MustCompile(`^rtt=(\d+) rttvar=(\d+) cwnd=(\d+) space=(\d+)\n$`)
	want, got := sendBoth(t, ng, emu, realnginx.RawRequest("GET", "/", nil, ""))
	w, g := re.FindStringSubmatch(string(want.Body)), re.FindStringSubmatch(string(got.Body))
	if w == nil || g == nil {
		t.Fatalf("nginx %q, serve %q", want.Body, got.Body)
	}
	if w[3] != g[3] {
		t.Errorf("congestion window: nginx %s, serve %s", w[3], g[3])
	}
	for i, name := range []string{"rtt", "rttvar", "cwnd", "space"} {
		if n, _ := strconv.Atoi(g[i+1]); n <= 0 && name != "rttvar" {
			t.Errorf("serve's %s is %s", name, g[i+1])
		}
	}
}
