package nginx

import "testing"

func TestPickServer(t *testing.T) {
	src := `http {
    server { listen 80; server_name a.example; }
    server { listen 80 default_server; server_name b.example; }
    server { listen 81; server_name c.example www.c.example; }
}`
	cfg := LoadBytes("p.conf", []byte(src), LoadOptions{})
	name := func(s *Server) string {
		if s == nil {
			return "<nil>"
		}
		return s.Names[0]
	}
	for _, tc := range []struct{ arg, want string }{
		{"", "b.example"},
		{"a.example", "a.example"},
		{"www.c.example", "c.example"},
		{"nope.example", "<nil>"},
	} {
		if got := name(cfg.PickServer(tc.arg)); got != tc.want {
			t.Errorf("PickServer(%q) = %s, want %s", tc.arg, got, tc.want)
		}
	}
	plain := LoadBytes("q.conf", []byte("http { server { server_name x; } server { server_name y; } }"), LoadOptions{})
	if got := name(plain.PickServer("")); got != "x" {
		t.Errorf("no default_server: got %s, want the first", got)
	}
	if (&Config{}).PickServer("") != nil {
		t.Errorf("no servers: want nil")
	}
}
