package nginx

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestGonginxConfirms: gonginx's independent reading confirms ordinary
// configs, big ones included (checked chunk by chunk while scanning).
func TestGonginxConfirms(t *testing.T) {
	var b strings.Builder
	b.WriteString("events {}\nhttp {\n    sendfile on;\n    upstream app { server 127.0.0.1:8000; keepalive 4; }\n")
	for i := 0; i < 200; i++ {
		fmt.Fprintf(&b, "    server {\n        server_name s%d;\n        location ^~ /media/ { internal; alias /srv/%d/; }\n        location ~* \\.(png)$ { expires 1d; }\n        location / { content_by_lua_block { ngx.say(\"}\") } }\n    }\n", i, i)
	}
	b.WriteString("}\n")
	cfg := LoadBytes("big.conf", []byte(b.String()), LoadOptions{Prefix: t.TempDir()})
	if len(cfg.Errors) != 0 {
		t.Fatalf("errors: %v", cfg.Errors[0])
	}
	if len(cfg.Unconfirmed) != 0 {
		t.Errorf("gonginx did not confirm %v", cfg.Unconfirmed)
	}
	if len(cfg.Servers) != 200 {
		t.Errorf("%d servers, want 200", len(cfg.Servers))
	}
}

// TestGonginxGapFallsBack: where gonginx misreads valid input (a quoted
// string ending in an escaped backslash never terminates for it), the file
// is listed as unconfirmed and the scanner's reading is used.
func TestGonginxGapFallsBack(t *testing.T) {
	src := "events {}\nhttp {\n    server {\n        add_header X-A \"ends with \\\\\";\n        location /m/ { internal; }\n    }\n}\n"
	cfg := LoadBytes("gap.conf", []byte(src), LoadOptions{Prefix: t.TempDir()})
	if len(cfg.Errors) != 0 {
		t.Fatalf("errors: %v", cfg.Errors[0])
	}
	if diff := cmp.Diff([]string{"gap.conf"}, cfg.Unconfirmed); diff != "" {
		t.Errorf("unconfirmed (-want +got):\n%s", diff)
	}
	h := cfg.Servers[0].Dir.Find("add_header")
	if len(h) != 1 || h[0].Args[1] != `ends with \` {
		t.Errorf("add_header read as %v", h)
	}
	if len(cfg.Servers[0].Locations) != 1 || cfg.Servers[0].Locations[0].Internal() == nil {
		t.Errorf("the location after the gap was lost")
	}
}
