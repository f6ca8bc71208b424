package nginx

import (
	"strings"
	"testing"

	"github.com/xaccel/xaccel/internal/realnginx"
)

// TestListenErrorsRealNginx checks that the configurations Listens refuses
// are those nginx -t refuses, and that those it accepts nginx accepts.
func TestListenErrorsRealNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	const a = "127.0.0.1:{{PORT}}"
	for _, tc := range []struct {
		body string
		ok   bool
	}{
		{`server { listen ` + a + `; listen ` + a + `; }`, false},
		{`server { listen ` + a + ` default_server; } server { listen ` + a + ` default; }`, false},
		{`server { listen ` + a + ` backlog=10; } server { listen ` + a + ` rcvbuf=64k; }`, false},
		{`server { listen ` + a + ` backlog=10; } server { listen ` + a + `; }`, true},
		{`server { listen 127.0.0.1:70000; }`, false},
		{`server { listen ` + a + ` nonsense; }`, false},
		{`server { listen ` + a + `; server_name www.*.com; } server { listen ` + a + `; }`, false},
		{`server { listen ` + a + `; server_name www.*.com; }`, true},
		{`server { listen ` + a + `; server_name a..b; } server { listen ` + a + `; }`, false},
		{`server { listen ` + a + `; server_name *.x.com .x.com x.com www.x.* "" ~^(?<s>.+)$; } server { listen ` + a + `; server_name x.com; }`, true},
		{`server { listen ` + a + `; server_name .y.com; } server { listen ` + a + `; server_name y.com *.y.com; }`, true},
	} {
		ok, out := realnginx.CheckHTTP(tc.body, nil)
		if ok != tc.ok {
			t.Errorf("%s: nginx -t ok=%v, want %v:\n%s", tc.body, ok, tc.ok, out)
		}
		src := strings.ReplaceAll(tc.body, "{{PORT}}", "8080")
		cfg := LoadBytes("l.conf", []byte("http { "+src+" }"), LoadOptions{})
		_, errs := cfg.Listens(ListenOptions{})
		if (len(errs) == 0) != tc.ok {
			t.Errorf("%s: Listens errors %v, nginx -t ok=%v", tc.body, errs, ok)
		}
	}
}
