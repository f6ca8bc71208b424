package nginx

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func loadListens(t *testing.T, src string, o ListenOptions) (*Listens, []error) {
	t.Helper()
	cfg := LoadBytes("l.conf", []byte(src), LoadOptions{})
	if len(cfg.Errors) > 0 {
		t.Fatal(cfg.Errors[0])
	}
	return cfg.Listens(o)
}

func firstName(s *Server) string {
	if s == nil {
		return "<nil>"
	}
	if len(s.Names) == 0 {
		return "<unnamed>"
	}
	return s.Names[0]
}

func TestListensGroups(t *testing.T) {
	src := `http {
    server { server_name implicit; }
    server { listen 80; server_name a; }
    server { listen *:80 default_server; listen 127.0.0.1:8080; server_name b; }
    server { listen 127.0.0.1:80; listen [::]:80; server_name c; }
    server { listen localhost:81 ssl; server_name d; }
    server { listen unix:/run/x.sock proxy_protocol; listen 127.0.0.2 http2; server_name e; }
}`
	resolve := func(h string) ([]netip.Addr, error) {
		return []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("::1")}, nil
	}
	ls, errs := loadListens(t, src, ListenOptions{Resolve: resolve})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	type group struct {
		Addr, Default, Unsupported string
		Servers                    []string
	}
	var got []group
	for _, g := range ls.Groups {
		var names []string
		for _, s := range g.Servers {
			names = append(names, firstName(s))
		}
		u, _ := g.Unsupported()
		got = append(got, group{g.String(), firstName(g.Default), u, names})
	}
	want := []group{
		// the implicit listen of a server without one comes last
		{"0.0.0.0:80", "b", "", []string{"a", "b", "implicit"}},
		{"127.0.0.1:8080", "b", "", []string{"b"}},
		{"127.0.0.1:80", "c", "", []string{"c"}},
		{"[::]:80", "c", "", []string{"c"}},
		{"127.0.0.1:81", "d", "ssl", []string{"d"}},
		{"[::1]:81", "d", "ssl", []string{"d"}},
		{"unix:/run/x.sock", "e", "a unix socket, proxy_protocol", []string{"e"}},
		{"127.0.0.2:80", "e", "http2", []string{"e"}},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("groups (-want +got):\n%s", d)
	}
	for _, tc := range []struct{ local, want string }{
		{"127.0.0.1:80", "127.0.0.1:80"}, // the explicit address hides the wildcard
		{"127.0.0.3:80", "0.0.0.0:80"},
		{"[::ffff:127.0.0.3]:80", "0.0.0.0:80"},
		{"[::1]:80", "[::]:80"},
		{"127.0.0.1:8080", "127.0.0.1:8080"},
		{"127.0.0.2:8080", "<nil>"},
	} {
		g := ls.Group(netip.MustParseAddrPort(tc.local))
		got := "<nil>"
		if g != nil {
			got = g.String()
		}
		if got != tc.want {
			t.Errorf("Group(%s) = %s, want %s", tc.local, got, tc.want)
		}
	}
}

func TestListenDefaultPort(t *testing.T) {
	ls, _ := loadListens(t, `http { server { } }`, ListenOptions{DefaultPort: 8000})
	if got := ls.Groups[0].String(); got != "0.0.0.0:8000" {
		t.Errorf("got %s, want 0.0.0.0:8000", got)
	}
	ls, _ = loadListens(t, `http { server { } }`, ListenOptions{})
	if got := ls.Groups[0].String(); got != "0.0.0.0:80" {
		t.Errorf("got %s, want 0.0.0.0:80", got)
	}
}

func TestListenErrors(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{`server { listen 80; listen *:80; }`, "l.conf:1:28: a duplicate listen 0.0.0.0:80"},
		{`server { listen 80 default_server; } server { listen 80 default; }`, "l.conf:1:54: a duplicate default server for 0.0.0.0:80 (first at l.conf:1:17)"},
		{`server { listen 80 bind; } server { listen 80 backlog=10; }`, "duplicate listen options for 0.0.0.0:80"},
		{`server { listen 70000; }`, `invalid port in "70000"`},
		{`server { listen 80 nonsense; }`, `invalid parameter "nonsense"`},
		{`server { listen example.invalid:80; }`, `host not found in "example.invalid:80"`},
		{`server { listen 80; server_name www.*.com; } server { listen 80; }`, `invalid server name or wildcard "www.*.com" on 0.0.0.0:80`},
		{`server { listen 80; server_name a..b; } server { listen 80; }`, `invalid server name or wildcard "a..b"`},
		{`server { listen 80; server_name "~(?<x"; } server { listen 80; }`, `the regular expression cannot be used`},
	} {
		_, errs := loadListens(t, "http { "+tc.src+" }", ListenOptions{})
		if len(errs) != 1 || !strings.Contains(errs[0].Error(), tc.want) {
			t.Errorf("%s: errors %v, want one with %q", tc.src, errs, tc.want)
		}
	}
	// nginx looks at the names of an address only when several servers
	// share it.
	if _, errs := loadListens(t, `http { server { listen 80; server_name www.*.com; } }`, ListenOptions{}); len(errs) > 0 {
		t.Errorf("one server: %v", errs)
	}
}

func TestPickServerName(t *testing.T) {
	src := `http {
    server { listen 80; server_name first; }
    server { listen 80; server_name example.com www.example.com; }
    server { listen 80; server_name *.example.com; }
    server { listen 80; server_name *.www.example.com; }
    server { listen 80; server_name www.example.*; }
    server { listen 80; server_name www.*; }
    server { listen 80; server_name .dot.org; }
    server { listen 80; server_name "~^(?<sub>[a-z]+)\.re\.net$"; }
    server { listen 80; server_name ~^X\.re\.net$ ~^y\.; }
    server { listen 80 default_server; server_name def; }
    server { listen 80; server_name example.com conflict; }
    server { listen 80; }
}`
	ls, errs := loadListens(t, src, ListenOptions{})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	g := ls.Groups[0]
	for _, tc := range []struct{ host, want, vars string }{
		{"example.com", "example.com", ""},
		{"www.example.com", "example.com", ""},              // exact beats wildcards
		{"a.example.com", "*.example.com", ""},              // leading wildcard
		{"a.www.example.com", "*.www.example.com", ""},      // the longest leading wildcard
		{"b.a.www.example.com", "*.www.example.com", ""},    // any depth
		{"www.example.org", "www.example.*", ""},            // trailing wildcard
		{"www.example.co.uk", "www.example.*", ""},          // any depth
		{"www.other.org", "www.*", ""},                      // the shorter trailing wildcard
		{"www", "def", ""},                                  // a trailing wildcard needs a label after
		{"dot.org", ".dot.org", ""},                         // .name matches the name itself
		{"x.y.dot.org", ".dot.org", ""},                     // and below it
		{"abc.re.net", `~^(?<sub>[a-z]+)\.re\.net$`, "abc"}, // regex, with its capture
		{"x.re.net", `~^(?<sub>[a-z]+)\.re\.net$`, "x"},     // the first regex in order
		{"y.net", `~^X\.re\.net$`, ""},                      // the second regex of a server
		{"1.re.net", "def", ""},
		{"conflict", "example.com", ""}, // the other names of a server keep working
		{"nowhere", "def", ""},
		{"", "<unnamed>", ""}, // no host: the server with the empty name
	} {
		s, vars := g.Pick(tc.host)
		if got := firstName(s); got != tc.want {
			t.Errorf("Pick(%q) = %s, want %s", tc.host, got, tc.want)
		}
		if vars["sub"] != tc.vars {
			t.Errorf("Pick(%q): $sub = %q, want %q", tc.host, vars["sub"], tc.vars)
		}
	}
}

func TestPickNameConflicts(t *testing.T) {
	src := `http {
    server { listen 80; server_name exact.com *.wild.com; }
    server { listen 80; server_name .exact.com .wild.com; }
    server { listen 80 default_server; server_name def; }
}`
	ls, _ := loadListens(t, src, ListenOptions{})
	g := ls.Groups[0]
	for _, tc := range []struct{ host, want string }{
		{"exact.com", "exact.com"},
		{"a.exact.com", "def"},      // .exact.com conflicts with exact.com: all of it is dropped
		{"a.wild.com", "exact.com"}, // .wild.com conflicts with *.wild.com
		{"wild.com", "def"},
	} {
		if s, _ := g.Pick(tc.host); firstName(s) != tc.want {
			t.Errorf("Pick(%q) = %s, want %s", tc.host, firstName(s), tc.want)
		}
	}
}

func TestOneGroupAndNameOf(t *testing.T) {
	cfg := LoadBytes("o.conf", []byte(`http {
    server { listen 80; server_name a; }
    server { listen 8080 default_server; server_name .b.org; }
    server { listen 81; server_name a c; }
}`), LoadOptions{})
	g, errs := cfg.OneGroup(cfg.PickServer(""), ListenOptions{})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	for _, tc := range []struct{ host, want string }{{"a", "a"}, {"c", "a"}, {"x.b.org", ".b.org"}, {"zzz", ".b.org"}} {
		if s, _ := g.Pick(tc.host); firstName(s) != tc.want {
			t.Errorf("Pick(%q) = %s, want %s", tc.host, firstName(s), tc.want)
		}
	}
	if got := cfg.Servers[1].NameOf("h"); got != "b.org" {
		t.Errorf("NameOf = %q, want b.org", got)
	}
}
