package nginx

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Unit tests of Route, Lookup and MapPath (nginx-semantics.md sections 3, 4
// and 5). Every expectation here is also checked against a running nginx by
// TestRouteRealNginx (route_real_test.go) on configs built the same way.

// loadServers loads an http{} body and returns its servers.
func loadServers(t *testing.T, httpBody string) []*Server {
	t.Helper()
	cfg := LoadBytes("test.conf", []byte("events {}\nhttp {\n"+httpBody+"\n}\n"), LoadOptions{})
	if len(cfg.Errors) > 0 {
		t.Fatalf("config errors: %v", cfg.Errors)
	}
	if len(cfg.Servers) == 0 {
		t.Fatal("no server")
	}
	for _, l := range cfg.Servers[0].AllLocations() {
		if l.ReErr != nil {
			t.Fatalf("%s: %v", l, l.ReErr)
		}
	}
	return cfg.Servers
}

const routeConf = `server {
    root /srv;
    location = /exact { }
    location /exact { }
    location /a { }
    location /a/b { }
    location /a/b/c { }
    location ^~ /stop/ { }
    location /stop/go/ { }
    location /go/ { }
    location ~ \.php$ { }
    location ~ \.(php|jpg)$ { }
    location ~ /Sens { }
    location ~* /insens { }
    location @named { }
    location = / { }
    location =/glued { }
    location ~^/gr { }
    location ~*^/GI { }
    location ^~/h { }
    location "=/q" { }
    location '~^/sq' { }
    location /n/ {
        location /n/deep/ { }
        location = /n/exact { }
        location ~ \.txt$ { }
        location ^~ /n/stop/ { }
    }
    location ~ \.(txt|dat)$ { }
    location ~ /rx/(\w+) {
        location ~ /rx/admin/ { }
        location ~ /rx/(sub)/(\w+) { }
    }
    location /int/ {
        internal;
        location /int/pub/ { }
        location ~ \.png$ { }
    }
    location ~ "^/dot/.$" { }
    location ~ "^/bytes/[^/]{4}$" { }
    location /api/ { proxy_pass http://127.0.0.1:1; }
    location = /exact-api/ { proxy_pass http://127.0.0.1:1; }
    location /both/ { proxy_pass http://127.0.0.1:1; }
    location /both { }
    location = /eq { }
    location /eq/ { proxy_pass http://127.0.0.1:1; }
    location /rxa/ { proxy_pass http://127.0.0.1:1; }
    location ~ ^/rxa { }
    location /noslash { proxy_pass http://127.0.0.1:1; }
    location /nest/ {
        location /nest/in/ { fastcgi_pass 127.0.0.1:1; }
    }
    location ~ /rr/ {
        location /rr/in/ { proxy_pass http://127.0.0.1:1; }
    }
}`

// routeGot is what Lookup returns, flattened for cmp.Diff: the location as
// written ("" for the server level), the captures and the auto-redirect.
type routeGot struct {
	Loc      string
	Caps     []string
	Redirect bool
}

func loc(s string, caps ...string) routeGot { return routeGot{Loc: s, Caps: caps} }

func redirectTo(s string) routeGot { return routeGot{Loc: s, Redirect: true} }

var routeCases = []struct {
	name string
	uri  string
	want routeGot
}{
	// exact beats prefix, longest prefix
	{"exact beats prefix", "/exact", loc("location = /exact")},
	{"prefix of the exact name", "/exact/", loc("location /exact")},
	{"longer than exact", "/exactly", loc("location /exact")},
	{"exact root", "/", loc("location = /")},
	{"shortest prefix", "/a", loc("location /a")},
	{"prefix without slash", "/ab", loc("location /a")},
	{"longer prefix", "/a/b", loc("location /a/b")},
	{"longest prefix", "/a/b/c/d", loc("location /a/b/c")},
	{"case-sensitive prefix", "/A/b", loc("")},
	{"no match: server level", "/nothing", loc("")},

	// regexes: ^~ stops them, config order, case
	{"regex beats prefix", "/a/b/x.php", loc(`location ~ \.php$`, ".php")},
	{"^~ stops regexes", "/stop/x.php", loc("location ^~ /stop/")},
	{"longer plain prefix under ^~ lets regexes run", "/stop/go/x.php", loc(`location ~ \.php$`, ".php")},
	{"first regex in config order", "/x.php", loc(`location ~ \.php$`, ".php")},
	{"second regex", "/x.jpg", loc(`location ~ \.(php|jpg)$`, ".jpg", "jpg")},
	{"~ is case-sensitive", "/x.PHP", loc("")},
	{"~ matches its case", "/Sens", loc("location ~ /Sens", "/Sens")},
	{"~ other case", "/sens", loc("")},
	{"~* ignores case", "/INSENS/x", loc("location ~* /insens", "/INSENS")},
	{"regex runs on decoded uri", "/go/x.php", loc(`location ~ \.php$`, ".php")},

	// named locations are never matched by a URI
	{"named", "@named", loc("")},
	{"slash named", "/@named", loc("")},

	// modifiers glued to the name
	{"=/x", "/glued", loc("location = /glued")},
	{"=/x is exact", "/glued/", loc("")},
	{"~^/x", "/grx", loc("location ~ ^/gr", "/gr")},
	{"~*^/x", "/gi", loc("location ~* ^/GI", "/gi")},
	{"^~/x", "/h/x.php", loc("location ^~ /h")},
	{"quoted =/x is exact", "/q", loc("location = /q")},
	{"quoted ~^/x is a regex", "/sqa", loc("location ~ ^/sq", "/sq")},

	// nested locations
	{"nested prefix", "/n/deep/x", loc("location /n/deep/")},
	{"nested exact", "/n/exact", loc("location = /n/exact")},
	{"nested regex beats outer regex", "/n/a.txt", loc(`location ~ \.txt$`, ".txt")},
	{"nested regex after nested prefix", "/n/deep/a.txt", loc(`location ~ \.txt$`, ".txt")},
	{"outer regex when no nested one matches", "/n/a.dat", loc(`location ~ \.(txt|dat)$`, ".dat", "dat")},
	{"nested ^~ stops nested regexes only", "/n/stop/a.txt", loc(`location ~ \.(txt|dat)$`, ".txt", "txt")},
	{"nested ^~", "/n/stop/x", loc("location ^~ /n/stop/")},
	{"parent prefix", "/n/x", loc("location /n/")},
	{"regex inside regex", "/rx/admin/x", loc("location ~ /rx/admin/", "/rx/admin/")},
	{"regex inside regex with groups", "/rx/sub/y", loc(`location ~ /rx/(sub)/(\w+)`, "/rx/sub/y", "sub", "y")},
	{"outer regex keeps its captures", "/rx/zz", loc(`location ~ /rx/(\w+)`, "/rx/zz", "zz")},
	{"internal prefix", "/int/x", loc("location /int/")},
	{"nested in internal", "/int/pub/x", loc("location /int/pub/")},
	{"regex in internal", "/int/a.png", loc(`location ~ \.png$`, ".png")},
	{"outer regex bypasses internal", "/int/a.txt", loc(`location ~ \.(txt|dat)$`, ".txt", "txt")},

	// PCRE: "$" matches before a final newline; bytes, not UTF-8
	{"$ before final newline", "/x.php\n", loc(`location ~ \.php$`, ".php")},
	{"$ not before two newlines", "/x.php\n\n", loc("")},
	{". is one byte", "/dot/\xc3\xa9", loc("")},
	{". on an ASCII byte", "/dot/a", loc(`location ~ ^/dot/.$`, "/dot/a")},
	{"a 3-byte character is 3 bytes", "/bytes/\xe2\x82\xac1", loc(`location ~ ^/bytes/[^/]{4}$`, "/bytes/\xe2\x82\xac1")},
	{"caseless folds ASCII only", "/in\xc5\xbfens", loc("")},

	// auto-redirect (section 4.2)
	{"auto-redirect", "/api", redirectTo("location /api/")},
	{"auto-redirect beats shorter prefix", "/exact-api", redirectTo("location = /exact-api/")},
	{"proxied location itself", "/api/x", loc("location /api/")},
	{"prefix named uri beats auto-redirect", "/both", loc("location /both")},
	{"exact beats auto-redirect", "/eq", loc("location = /eq")},
	{"auto-redirect skips regexes", "/rxa", redirectTo("location /rxa/")},
	{"regex without auto-redirect", "/rxab", loc("location ~ ^/rxa", "/rxa")},
	{"no auto-redirect without slash", "/noslash", loc("location /noslash")},
	{"nested auto-redirect", "/nest/in", redirectTo("location /nest/in/")},
	{"prefix nested in a regex is never chosen", "/rr/in/x", loc("location ~ /rr/", "/rr/")},
	{"nor auto-redirects", "/rr/in", loc("location ~ /rr/", "/rr/")},
}

func TestRoute(t *testing.T) {
	s := loadServers(t, routeConf)[0]
	for _, tc := range routeCases {
		t.Run(tc.name, func(t *testing.T) {
			l, caps, redirect := s.Lookup(tc.uri)
			got := routeGot{Caps: caps, Redirect: redirect}
			if l != nil {
				got.Loc = l.String()
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Lookup(%q) (-want +got):\n%s", tc.uri, diff)
			}
			rl, rcaps := s.Route(tc.uri)
			if rl != l || !cmp.Equal(rcaps, caps) {
				t.Errorf("Route(%q) = %v, %q; Lookup gave %v, %q", tc.uri, rl, rcaps, l, caps)
			}
		})
	}
}

func TestRouteInternal(t *testing.T) {
	s := loadServers(t, routeConf)[0]
	for uri, want := range map[string]bool{
		"/int/x":     true,  // internal itself
		"/int/pub/x": true,  // nested prefix inherits it
		"/int/a.png": true,  // nested regex inherits it
		"/int/a.txt": false, // an outer regex wins: the flag is lost (section 3.4)
		"/a/b":       false,
	} {
		l, _ := s.Route(uri)
		if l == nil {
			t.Fatalf("Route(%q) = nil", uri)
		}
		if got := l.Internal() != nil; got != want {
			t.Errorf("Route(%q) = %s, Internal() %v, want %v", uri, l, got, want)
		}
	}
}

const mapConf = `root /http;
server {
    root /srv/;
    location /loc/ {
        root /locroot;
        location /loc/nested/ { }
        location ~ \.css$ { }
        location /loc/own/ { root /ownroot; }
    }
    location /m1 { alias /data/media/; }
    location /m2/ { alias /data/dir; }
    location /m3/ { alias /data/media/; }
    location = /m4 { alias /data/exact.txt; }
    location /m5 { alias /data/media; }
    location /pub/ {
        alias /data/public/;
        location /pub/img/ { }
        location ~ \.txt$ { }
        location = /pub/exact { }
        location /pub/other/ { root /other; }
    }
    location /p {
        alias /data/p;
        location /pz/ { }
    }
    location ~ ^/rx/(\w+)/(.+)$ { alias /data/$1/$2; }
    location ~* ^/ci/(.+)$ { alias /data/ci/$1; }
    location ~ ^/ten/(\w)/ { alias /data/ten/$10.txt; }
    location ~ ^/whole/ { alias /data/whole.txt; }
    location ~ ^/nr/(.*)$ {
        alias /data/nr/$1;
        location ~ \.txt$ { }
        location ~ ^/nr/(sub)/(.*\.dat)$ { }
    }
    location ~ ^/u/(\w+)/ { root /home/$1/www/; }
    location /var/ { alias /data/$host/; }
    location ~ ^/br/(\w+)$ { alias /data/${1}.txt; }
    location ~ ^/zero/(\w+)$ { alias /data/$0; }
    location /ret/ { return 200 "x"; }
}
server {
    location /x/ { }
}`

func TestMapPath(t *testing.T) {
	servers := loadServers(t, mapConf)
	type mapped struct {
		Path string
		OK   bool
	}
	cases := []struct {
		name   string
		server int
		uri    string
		want   mapped
	}{
		// root at http, server and location level
		{"server root, trailing slash dropped", 0, "/zz/f", mapped{"/srv/zz/f", true}},
		{"location root", 0, "/loc/a", mapped{"/locroot/loc/a", true}},
		{"nested inherits root", 0, "/loc/nested/b", mapped{"/locroot/loc/nested/b", true}},
		{"nested regex inherits root", 0, "/loc/x.css", mapped{"/locroot/loc/x.css", true}},
		{"nested root", 0, "/loc/own/o", mapped{"/ownroot/loc/own/o", true}},
		{"nested regex after nested root", 0, "/loc/own/x.css", mapped{"/locroot/loc/own/x.css", true}},
		{"http root", 1, "/x/y", mapped{"/http/x/y", true}},
		{"http root, server level", 1, "/z", mapped{"/http/z", true}},
		{"return still maps", 0, "/ret/f", mapped{"/srv/ret/f", true}},

		// alias with and without trailing slash (section 5.2)
		{"alias slash, name without", 0, "/m1/a.txt", mapped{"/data/media//a.txt", true}},
		{"off-by-slash", 0, "/m1../secret/x", mapped{"/data/media/../secret/x", true}},
		{"alias glued remainder", 0, "/m1a.txt", mapped{"/data/media/a.txt", true}},
		{"name slash, alias without", 0, "/m2/file", mapped{"/data/dirfile", true}},
		{"both slashes", 0, "/m3/a.txt", mapped{"/data/media/a.txt", true}},
		{"exact alias", 0, "/m4", mapped{"/data/exact.txt", true}},
		{"neither slash", 0, "/m5/a.txt", mapped{"/data/media/a.txt", true}},
		{"neither slash, sibling", 0, "/m5-secret.txt", mapped{"/data/media-secret.txt", true}},
		{"neither slash, dots", 0, "/m5../x", mapped{"/data/media../x", true}},

		// nested locations inherit the alias and its length
		{"nested prefix, parent alias", 0, "/pub/img/i.png", mapped{"/data/public/img/i.png", true}},
		{"nested regex, parent alias", 0, "/pub/img/t.txt", mapped{"/data/public/img/t.txt", true}},
		{"nested exact, parent alias", 0, "/pub/exact", mapped{"/data/public/exact", true}},
		{"nested root replaces alias", 0, "/pub/other/o", mapped{"/other/pub/other/o", true}},
		{"short name, longer nested", 0, "/pz/f", mapped{"/data/pz/f", true}},

		// alias in a regex location: the evaluated alias alone (section 5.3)
		{"regex alias captures", 0, "/rx/one/a/b.txt", mapped{"/data/one/a/b.txt", true}},
		{"caseless regex alias", 0, "/CI/c.txt", mapped{"/data/ci/c.txt", true}},
		{"$10 is $1 then 0", 0, "/ten/k/x", mapped{"/data/ten/k0.txt", true}},
		{"regex alias without captures", 0, "/whole/anything", mapped{"/data/whole.txt", true}},
		{"nested regex without groups empties $1", 0, "/nr/a.txt", mapped{"/data/nr/", true}},
		{"nested regex with groups", 0, "/nr/sub/z.dat", mapped{"/data/nr/sub", true}},
		{"outer regex alias", 0, "/nr/deep/x", mapped{"/data/nr/deep/x", true}},
		{"root with captures", 0, "/u/bob/x.html", mapped{"/home/bob/www/u/bob/x.html", true}},

		// variables the model cannot resolve
		{"named variable", 0, "/var/x", mapped{"", false}},
		{"${1} is a variable, not a capture", 0, "/br/k", mapped{"", false}},
		{"$0 is a variable", 0, "/zero/k", mapped{"", false}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := servers[tc.server]
			l, caps := s.Route(tc.uri)
			p, ok := s.MapPath(l, tc.uri, caps)
			if diff := cmp.Diff(tc.want, mapped{p, ok}); diff != "" {
				t.Errorf("MapPath(Route(%q)) (-want +got):\n%s", tc.uri, diff)
			}
		})
	}
}

func TestMapPathNoRoot(t *testing.T) {
	s := loadServers(t, `server { location /a/ { } }`)[0]
	l, caps := s.Route("/a/x")
	if p, ok := s.MapPath(l, "/a/x", caps); ok {
		t.Errorf("MapPath with no root anywhere = %q, true; want false (nginx's default root is relative to its prefix)", p)
	}
	if p, ok := s.MapPath(nil, "/b", nil); ok {
		t.Errorf("MapPath(nil) with no root = %q, true; want false", p)
	}
}

func TestExpandCaptures(t *testing.T) {
	caps := []string{"/whole", "one", "two"}
	for _, tc := range []struct {
		val  string
		want string
		ok   bool
	}{
		{"/plain", "/plain", true},
		{"/a/$1/$2", "/a/one/two", true},
		{"/a/$12", "/a/one2", true},
		{"/a/$3", "/a/", true}, // beyond the regex's groups: empty
		{"/a/$9x", "/a/x", true},
		{"/a/$0", "", false},
		{"/a/${1}", "", false},
		{"/a/$host", "", false},
		{"/a/$", "", false},
	} {
		got, ok := Expand(tc.val, caps, nil)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Expand(%q) = %q, %v; want %q, %v", tc.val, got, ok, tc.want, tc.ok)
		}
	}
}

func TestNewLocationModifiers(t *testing.T) {
	s := loadServers(t, `server {
    location = /a { }
    location =/b { }
    location ^~ /c { }
    location ^~/d { }
    location ~ /e { }
    location ~/f { }
    location ~* /g { }
    location ~*/h { }
    location @i { }
    location "=/j" { }
    location "/k" { }
    location ~ { }
    location ^~ { }
}`)[0]
	type mod struct{ Modifier, Match string }
	var got []mod
	for _, l := range s.Locations {
		got = append(got, mod{l.Modifier, l.Match})
	}
	want := []mod{
		{"=", "/a"}, {"=", "/b"}, {"^~", "/c"}, {"^~", "/d"}, {"~", "/e"}, {"~", "/f"},
		{"~*", "/g"}, {"~*", "/h"}, {"@", "@i"}, {"=", "/j"}, {"", "/k"}, {"~", ""}, {"^~", ""},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("modifiers (-want +got):\n%s", diff)
	}
}
