package nginx

import (
	"strings"
	"testing"
)

// TestAddedHeaders: add_header_inherit (nginx 1.29.3) in the model, at
// every level and in if blocks. The wanted lines are what nginx 1.29.8,
// built from its source, sent for the same blocks (serve's answers are
// compared with that nginx's recorded ones in proxy.TestAddHeaderInherit).
func TestAddedHeaders(t *testing.T) {
	cfg := loadOne(t, `events {}
http {
    add_header X-Http http;
    server {
        listen 127.0.0.1:8080;
        add_header X-Server server;
        location /plain { }
        location /merge { add_header_inherit merge; add_header X-Loc loc; }
        location /off { add_header_inherit off; }
        location /n/ {
            add_header_inherit merge;
            add_header X-L1 l1;
            location /n/m/ { add_header X-L2 l2; }
            location /n/p/ { add_header_inherit on; add_header X-L2 l2; }
        }
        location /if {
            add_header_inherit merge;
            add_header X-Loc loc;
            if ($arg_x) { add_header X-If if; }
        }
        location /if-on {
            add_header X-Loc loc;
            if ($arg_x) { add_header_inherit merge; add_header X-If if; }
        }
    }
    server {
        listen 127.0.0.1:8081;
        add_header_inherit off;
        add_header X-Server server;
        location /s { }
        location /s-on { add_header_inherit on; }
    }
}
`)
	noErrors(t, cfg)
	names := func(a Added) string {
		var out []string
		for _, d := range a.Lines {
			out = append(out, d.Arg(0))
		}
		return a.Mode + ": " + strings.Join(out, " ")
	}
	levels := func(s int, match string, inIf bool) []*Directive {
		for _, l := range cfg.Servers[s].AllLocations() {
			if l.Match == match {
				if inIf {
					return append([]*Directive{l.Dir.First("if")}, l.Levels()...)
				}
				return l.Levels()
			}
		}
		t.Fatalf("no location %s", match)
		return nil
	}
	for _, c := range []struct {
		server int
		match  string
		inIf   bool
		want   string
	}{
		{0, "/plain", false, "on: X-Server"},
		{0, "/merge", false, "merge: X-Loc X-Server"},
		{0, "/off", false, "off: "},
		{0, "/n/m/", false, "merge: X-L2 X-L1 X-Server"},
		{0, "/n/p/", false, "on: X-L2"},
		{0, "/if", true, "merge: X-If X-Loc X-Server"},
		{0, "/if", false, "merge: X-Loc X-Server"},
		{0, "/if-on", true, "merge: X-If X-Loc"},
		{1, "/s", false, "off: "},
		{1, "/s-on", false, "on: X-Server"},
	} {
		if got := names(AddedHeaders(levels(c.server, c.match, c.inIf), "add_header")); got != c.want {
			t.Errorf("%s (in its if: %v): %q, want %q", c.match, c.inIf, got, c.want)
		}
	}
	if a := AddedHeaders(cfg.Servers[0].Levels(), "add_trailer"); a.Mode != "on" || a.ModeDir != nil || len(a.Lines) != 0 {
		t.Errorf("add_trailer at the server: %+v", a)
	}
}

// TestAddHeaderInheritChecks: what nginx 1.29.8 refuses (its messages:
// `invalid value "foo"`, `"add_header_inherit" directive is duplicate`,
// `invalid number of arguments`), and a value in capitals it takes.
func TestAddHeaderInheritChecks(t *testing.T) {
	srv := func(body string) string {
		return mainHead + "    server {\n        listen 127.0.0.1:8080;\n" + body + "    }\n}\n" // body from line 6
	}
	wantError(t, loadOne(t, srv("        location / { add_header_inherit foo; }\n")), "nginx.conf", 6, 22, `invalid value "foo" in "add_header_inherit" directive, it must be "on", "off" or "merge"`)
	wantError(t, loadOne(t, srv("        add_trailer_inherit on;\n        add_trailer_inherit off;\n")), "nginx.conf", 7, 9, `"add_trailer_inherit" directive is duplicate (the first is at line 6)`)
	wantError(t, loadOne(t, srv("        location / { add_header_inherit; }\n")), "nginx.conf", 6, 22, `invalid number of arguments in "add_header_inherit" directive`)
	wantError(t, loadOne(t, srv("        if ($arg_x) { add_header_inherit off; }\n")), "nginx.conf", 6, 23, `"add_header_inherit" directive is not allowed here`)
	noErrors(t, loadOne(t, srv("        add_header_inherit MERGE;\n        location / { add_header_inherit Off; if ($arg_x) { add_header_inherit on; } }\n")))
}
