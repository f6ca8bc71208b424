package nginx

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/xaccel/xaccel/internal/realnginx"
)

// TestRouteRealNginx is the differential test of the routing model
// (nginx-semantics.md sections 3, 4 and 5) against a running nginx, the
// oracle (architecture.md). For each config it starts one nginx, writes
// files whose content names their own path, sends every request target
// byte for byte, and compares nginx's status, and on 200 the body, with
// what the model predicts:
//
//	NormalizeRequestTarget (400 when it fails) -> Route -> internal? 404
//	-> `return CODE "text"`: CODE and text
//	-> MapPath, then the file system as nginx's static and index handlers
//	   see it: regular file 200 with its content, directory 301, missing
//	   404; a URI ending in / redirects internally to index.html when there
//	   is one, else 403 for an existing directory and 404 otherwise.
//
// It skips when nginx is not installed, unless XACCEL_REQUIRE_REAL=1.

// routeRealCase is one nginx config with the files it serves and the
// request targets sent to it.
type routeRealCase struct {
	name  string
	body  string   // the http{} body, with {{PORT}} and {{PREFIX}}
	files []string // paths under the prefix; each file's content is fileContent(path)
	uris  []string // raw request targets

	noMergeSlashes bool // the body sets `merge_slashes off;`
}

// fileContent is the content of a test file: it names the file, so a body
// tells which file nginx sent.
func fileContent(rel string) string { return "file:" + rel + "\n" }

// routeAnswer is what a client sees: the status and, for 200, the body.
type routeAnswer struct {
	Status int
	Body   string
}

func (a routeAnswer) String() string {
	if a.Status == 200 {
		return "200 " + strconv.Quote(a.Body)
	}
	return strconv.Itoa(a.Status)
}

var routeRealCases = []routeRealCase{
	{
		name: "match-order",
		body: `server {
    listen 127.0.0.1:{{PORT}};
    root {{PREFIX}}/srv;
    location = /exact { return 200 "loc-exact"; }
    location /exact { return 200 "loc-exact-prefix"; }
    location /a { return 200 "loc-a"; }
    location /a/b { return 200 "loc-a-b"; }
    location /a/b/c { return 200 "loc-a-b-c"; }
    location ^~ /stop/ { return 200 "loc-stop"; }
    location /go/ { return 200 "loc-go"; }
    location /stop/go/ { return 200 "loc-stop-go"; }
    location ~ \.php$ { return 200 "loc-php"; }
    location ~ \.(php|jpg)$ { return 200 "loc-php-or-jpg"; }
    location ~ /Sens { return 200 "loc-sensitive"; }
    location ~* /insens { return 200 "loc-insensitive"; }
    location ~ ^/dot/.$ { return 200 "loc-dot-one"; }
    location ~ ^/dot/..$ { return 200 "loc-dot-two"; }
    location ~ "^/bytes/[^/]{4}$" { return 200 "loc-bytes-four"; }
    location ~ ^/caf\xC3\xA9$ { return 200 "loc-cafe-escaped"; }
    location @named { return 200 "loc-named"; }
    location = / { return 200 "loc-root-exact"; }
    location /sp%20ace { return 200 "loc-percent-name"; }
    location "/sp ace" { return 200 "loc-space-name"; }
}`,
		files: []string{"srv/plain.txt", "srv/dir/f.txt", "srv/sens", "srv/@named", "srv/named"},
		uris: []string{
			"/", "/exact", "/exact/", "/exactly", "/EXACT", "/./exact", "/exact?x=1", "/ex%61ct",
			"/a", "/ab", "/a/b", "/a/bc", "/a/b/c", "/a/b/cd.txt", "/a/b/x.php", "/a%2fb", "//a//b",
			"/stop/x.php", "/stop/x.jpg", "/stop", "/go/x.php", "/go/x.jpg", "/go/x.JPG",
			"/x.php", "/x.PHP", "/x.jpg", "/x%2ejpg", "/Sens", "/sens", "/SENS/x", "/insens", "/INSENS/x",
			"/InSens.php", "/@named", "/named", "/plain.txt", "/dir", "/dir/", "/dir/f.txt",
			"/%2e%2e/plain.txt", "/a/../plain.txt", "/a/%2e%2e/plain.txt", "/dir/./f.txt", "/dir//f.txt",
			// PCRE's "$" also matches before a final newline.
			"/x.php%0a", "/x.php%0A%0A", "/x.jpg%0a", "/go/x.php%0a", "/plain.txt%0a",
			"/stop/go/x.php", "/stop/go/",
			// nginx's PCRE works on bytes, not UTF-8, and folds only ASCII.
			"/in%C5%BFens", "/in%c5%bfens/x", "/dot/%C3%A9", "/dot/a", "/dot/%ff", "/bytes/%E2%82%AC1",
			"/bytes/abcd", "/bytes/%E2%82%AC", "/caf%C3%A9", "/INSENS%E2%84%AA",
			// names are compared with the decoded URI
			"/sp%20ace", "/sp%2520ace", "/sp%20ace/x",
		},
	},
	{
		name: "nested",
		body: `server {
    listen 127.0.0.1:{{PORT}};
    root {{PREFIX}}/srv;
    location /n/ {
        location /n/deep/ { return 200 "loc-n-deep"; }
        location = /n/exact { return 200 "loc-n-exact"; }
        location ~ \.txt$ { return 200 "loc-n-txt"; }
        location ^~ /n/stop/ { return 200 "loc-n-stop"; }
        location /n/go/ { return 200 "loc-n-go"; }
    }
    location ~ \.php$ {
        return 200 "loc-php";
        location ~ /admin/ { return 200 "loc-php-admin"; }
        location ~ /adm { return 200 "loc-php-adm-second"; }
    }
    location ~ \.(txt|jpg)$ { return 200 "loc-txt-jpg"; }
    location ~ \.html$ { return 200 "loc-html"; }
    location /int/ {
        internal;
        location /int/pub/ { return 200 "loc-int-pub"; }
        location ~ \.png$ { return 200 "loc-int-png"; }
    }
    location /pfx {
        location ~ \.gif$ { return 200 "loc-pfx-gif"; }
    }
    location ^~ /s/ {
        location ~ \.txt$ { return 200 "loc-s-txt"; }
        location = /s/exact.jpg { return 200 "loc-s-exact-jpg"; }
    }
}`,
		files: []string{"srv/s/a.jpg", "srv/n/file.dat", "srv/n/go/g.dat", "srv/int/x.dat", "srv/pfx/p.dat", "srv/other.gif"},
		uris: []string{
			"/n", "/n/", "/n/file.dat", "/n/a.txt", "/n/a.jpg", "/n/deep/a.txt", "/n/deep/a.jpg", "/n/deep/x",
			"/n/exact", "/n/exact.txt", "/n/stop/a.txt", "/n/stop/a.html", "/n/stop/x", "/n/go/a.txt",
			"/n/go/g.dat", "/a.php", "/admin/a.php", "/adm/a.php", "/x/admin/a.php", "/int/x.txt", "/int/x.dat",
			"/int/pub/x", "/int/a.png", "/int/", "/pfx/a.gif", "/pfxa.gif", "/pfx/a.txt", "/pfx/p.dat",
			"/other.gif", "/n/%2e%2e/int/x.txt", "/n/..%2fint/pub/x", "/s/a.txt", "/s/a.jpg", "/s/exact.jpg",
			"/s/exact.jpgx",
		},
	},
	{
		// nginx-semantics.md section 3.4.
		name: "internal-bypass",
		body: `server {
    listen 127.0.0.1:{{PORT}};
    root {{PREFIX}}/web;
    location /media/ { internal; alias {{PREFIX}}/web/media/; }
    location ^~ /media2/ { internal; alias {{PREFIX}}/web/media2/; }
    location ~* \.(jpg|png)$ { root {{PREFIX}}/web; }
}`,
		files: []string{
			"web/index.html", "web/pub.txt", "web/media/x.jpg", "web/media/X.JPG", "web/media/doc.txt",
			"web/media/sub/z.png", "web/media2/y.jpg",
		},
		uris: []string{
			"/", "/index.html", "/pub.txt", "/media/x.jpg", "/media/X.JPG", "/media/x.JPG", "/media/doc.txt",
			"/media2/y.jpg", "/media2/doc.txt", "/media/sub/z.png", "/media/", "/media", "/media/%78.jpg",
			"/media/x%2ejpg", "/MEDIA/x.jpg", "/x.jpg", "//media//x.jpg", "/media/./x.jpg",
			"/media/../media/x.jpg", "/media%2fx.jpg", "/media/x.jpg?y=1", "/media2/../media/doc.txt",
			"/media/sub", "/media/sub/",
		},
	},
	{
		// The blog post config: a public alias without trailing slashes.
		name: "blog-public",
		body: `server {
    listen 127.0.0.1:{{PORT}};
    root {{PREFIX}}/www;
    location /media { alias {{PREFIX}}/x/media; }
}`,
		files: []string{
			"www/index.html", "www/media-www.txt", "www/secret.txt", "x/media/a.txt", "x/media/sub/b.txt",
			"x/media-secret.txt", "x/mediafoo/bar.txt", "x/secret.txt",
		},
		uris: []string{
			"/", "/media/a.txt", "/media/sub/b.txt", "/media/sub", "/media/sub/", "/media", "/media/",
			"/media-secret.txt", "/mediafoo/bar.txt", "/media../secret.txt", "/media/../secret.txt",
			"/media%2e%2e/secret.txt", "/media/%2e%2e/secret.txt", "/media/..%2fmedia-secret.txt",
			"/Media/a.txt", "/media-www.txt", "/secret.txt", "/media/a.txt/", "/media//a.txt",
		},
	},
	{
		name: "blog-internal",
		body: `server {
    listen 127.0.0.1:{{PORT}};
    root {{PREFIX}}/www;
    location /media { internal; alias {{PREFIX}}/x/media; }
}`,
		files: []string{
			"www/index.html", "www/media-www.txt", "www/secret.txt", "x/media/a.txt", "x/media/sub/b.txt",
			"x/media-secret.txt", "x/mediafoo/bar.txt", "x/secret.txt",
		},
		uris: []string{
			"/", "/index.html", "/media/a.txt", "/media/sub/b.txt", "/media/sub", "/media", "/media/",
			"/media-secret.txt", "/mediafoo/bar.txt", "/media../secret.txt", "/media/../secret.txt",
			"/media%2e%2e/secret.txt", "/media/..%2fmedia-secret.txt", "/Media/a.txt", "/media-www.txt",
			"/secret.txt", "/MEDIA",
		},
	},
	{
		name: "alias-slash",
		body: `server {
    listen 127.0.0.1:{{PORT}};
    root {{PREFIX}}/www;
    location /m1 { alias {{PREFIX}}/data/media/; }
    location /m2/ { alias {{PREFIX}}/data/dir; }
    location /m3/ { alias {{PREFIX}}/data/media/; }
    location = /m4 { alias {{PREFIX}}/data/exact.txt; }
    location /m5 { alias {{PREFIX}}/data/media; }
}`,
		files: []string{
			"www/secret/x.txt", "data/media/a.txt", "data/media/sub/b.txt", "data/secret/x.txt",
			"data/dirfile", "data/exact.txt", "data/mediaz.txt",
		},
		uris: []string{
			"/m1/a.txt", "/m1a.txt", "/m1../secret/x.txt", "/m1%2e%2e/secret/x.txt", "/m1%2E%2E/secret/x.txt",
			"/m1.%2e/secret/x.txt", "/m1/../secret/x.txt", "/m1..%2fsecret%2fx.txt", "/m1/sub", "/m1/sub/",
			"/m2/file", "/m2/", "/m2", "/m3/a.txt", "/m3/sub", "/m3/sub/b.txt", "/m3/../m1../secret/x.txt",
			"/m4", "/m4/", "/m4?x", "/m5/a.txt", "/m5z.txt", "/m5../secret/x.txt", "/m3/%2e%2e/secret/x.txt",
		},
	},
	{
		name: "alias-regex",
		body: `server {
    listen 127.0.0.1:{{PORT}};
    root {{PREFIX}}/www;
    location ~ ^/rx/(\w+)/(.+)$ { alias {{PREFIX}}/data/$1/$2; }
    location ~* ^/ci/(.+)$ { alias {{PREFIX}}/data/ci/$1; }
    location ~ ^/whole/ { alias {{PREFIX}}/data/whole.txt; }
    location ~ ^/nr/(.*)$ {
        alias {{PREFIX}}/data/nr/$1;
        location ~ \.txt$ { }
        location ~ ^/nr/(sub)/(.*\.dat)$ { }
    }
    location ~ ^/br/(\w+)$ { alias {{PREFIX}}/data/br/$1.txt; }
    location ~ ^/ten/(\w)/ { alias {{PREFIX}}/data/ten/$10.txt; }
    location ~ ^/u/(\w+)/ { root {{PREFIX}}/home/$1/www/; }
    # A prefix nested in a regex location must start with the regex text;
    # nginx never chooses it.
    location ~ /r/(.*)$ {
        alias {{PREFIX}}/data/r/$1;
        location /r/(.*)$z/ { }
    }
}`,
		files: []string{
			"www/rx/x", "data/one/a.txt", "data/one/sub/b.txt", "data/ci/c.txt", "data/ci/C.TXT",
			"data/whole.txt", "data/nr/a.txt", "data/nr/deep/x.bin", "data/nr/sub/z.dat", "data/br/k.txt",
			"data/ten/k0.txt", "data/r/plain", "data/r/(.*)$z/f", "home/bob/www/u/bob/x.html", "www/u/ann/x.html",
		},
		uris: []string{
			"/rx/one/a.txt", "/rx/one/sub/b.txt", "/rx/one/../x", "/rx/one%2fa.txt", "/rx/one/missing",
			"/rx/one/", "/rx/one/sub", "/ci/c.txt", "/CI/c.txt", "/Ci/C.TXT", "/whole/anything", "/whole/",
			"/nr/a.txt", "/nr/deep/x.bin", "/nr/sub/z.dat", "/nr/deep", "/br/k", "/br/k.txt",
			"/rx/one/%2e%2e/%2e%2e/x", "/ten/k/", "/ten/k/x", "/r/plain", "/r/(.*)$z/f",
			"/r/(.*)$z/", "/a/r/plain", "/u/bob/x.html", "/u/ann/x.html", "/u/bob",
		},
	},
	{
		name: "roots-http",
		body: `root {{PREFIX}}/httproot;
server {
    listen 127.0.0.1:{{PORT}};
    location /loc/ {
        root {{PREFIX}}/locroot;
        location /loc/nested/ { }
        location /loc/own/ { root {{PREFIX}}/ownroot; }
        location ~ \.css$ { }
    }
    location /plain/ { }
    location /trail/ { root {{PREFIX}}/trailroot/; }
}`,
		files: []string{
			"httproot/index.html", "httproot/top.txt", "httproot/plain/p.txt", "httproot/loc/l.txt",
			"locroot/loc/l.txt", "locroot/loc/nested/n.txt", "ownroot/loc/own/o.txt", "locroot/loc/own/o.txt",
			"locroot/loc/s.css", "locroot/loc/own/s.css", "ownroot/loc/own/s.css", "trailroot/trail/t.txt",
			"httproot/trail/t.txt", "locroot/loc/index.html",
		},
		uris: []string{
			"/", "/top.txt", "/plain/p.txt", "/loc/l.txt", "/loc/nested/n.txt", "/loc/own/o.txt",
			"/loc/s.css", "/loc/own/s.css", "/trail/t.txt", "/loc/", "/loc", "/plain/", "/top.txt/",
			"/trail//t.txt", "/loc/nested/../l.txt", "/missing",
		},
	},
	{
		name: "roots-server",
		body: `root {{PREFIX}}/httproot;
server {
    listen 127.0.0.1:{{PORT}};
    root {{PREFIX}}/srvroot;
    location /a/ { }
    location /b/ { root {{PREFIX}}/broot; }
    location /c/ { return 200 "loc-c"; }
}`,
		files: []string{
			"httproot/a/x.txt", "srvroot/a/x.txt", "broot/b/y.txt", "srvroot/b/y.txt", "srvroot/z.txt",
			"httproot/z.txt", "srvroot/c/w.txt", "httproot/index.html", "srvroot/index.html",
		},
		uris: []string{
			"/", "/index.html", "/a/x.txt", "/b/y.txt", "/z.txt", "/c/w.txt", "/c", "/a", "/b/", "/a/",
			"/z.txt?q", "/a/../z.txt", "/b/x.txt", "/a/x.txt/", "/A/x.txt",
		},
	},
	{
		name: "glued",
		body: `server {
    listen 127.0.0.1:{{PORT}};
    root {{PREFIX}}/www;
    location =/g { return 200 "loc-g-exact"; }
    location /g { return 200 "loc-g-prefix"; }
    location ~^/gr { return 200 "loc-gr-regex"; }
    location ~*^/GI { return 200 "loc-gi-regex"; }
    location ^~/h { return 200 "loc-caret-glued"; }
    location ~ \.x$ { return 200 "loc-x-regex"; }
    location "=/q" { return 200 "loc-q-quoted-exact"; }
    location /q { return 200 "loc-q-prefix"; }
    location '~^/sq' { return 200 "loc-sq-quoted-regex"; }
}`,
		files: []string{"www/GR", "www/plain.txt"},
		uris: []string{
			"/g", "/g/", "/gx", "/gr", "/grx", "/GR", "/gi", "/GI/x", "/h", "/h/a.x", "/h.x", "/h/", "/^~/h",
			"/q", "/q.x", "/qq", "/g.x", "/g%2ex", "/sq", "/sqa", "/plain.txt", "/GRx",
		},
	},
	{
		name: "nested-alias",
		body: `server {
    listen 127.0.0.1:{{PORT}};
    root {{PREFIX}}/www;
    location /pub/ {
        alias {{PREFIX}}/data/public/;
        location /pub/img/ { }
        location ~ \.txt$ { }
        location /pub/other/ { root {{PREFIX}}/other; }
        location = /pub/exact { }
    }
    location /p {
        alias {{PREFIX}}/data/p;
        location /pz/ { }
    }
}`,
		files: []string{
			"data/public/a.bin", "data/public/img/i.png", "data/public/t.txt", "data/public/img/t.txt",
			"other/pub/other/o.bin", "data/public/other/o.bin", "data/public/exact", "data/pz/f.bin",
			"data/p/q.bin", "www/pz/f.bin", "data/public/other/t.txt", "other/pub/other/t.txt",
		},
		uris: []string{
			"/pub/a.bin", "/pub/img/i.png", "/pub/t.txt", "/pub/img/t.txt", "/pub/other/o.bin",
			"/pub/other/t.txt", "/pub/exact", "/pub/img", "/pz/f.bin", "/p/q.bin", "/pq.bin", "/pub/",
			"/pub/img/", "/pz/", "/pub/../pz/f.bin",
		},
	},
	{
		// nginx-semantics.md section 4.2, auto-redirect: *_pass in a location
		// whose name ends in "/". The upstreams are a closed port (502).
		name: "auto-redirect",
		body: `server {
    listen 127.0.0.1:{{PORT}};
    root {{PREFIX}}/www;
    location /api/ { proxy_pass http://127.0.0.1:1; }
    location = /exact/ { proxy_pass http://127.0.0.1:1; }
    location /both/ { proxy_pass http://127.0.0.1:1; }
    location /both { return 200 "loc-both"; }
    location ~ ^/rx { return 200 "loc-rx"; }
    location /rxa/ { proxy_pass http://127.0.0.1:1; }
    location /int/ { internal; proxy_pass http://127.0.0.1:1; }
    location /nest/ {
        location /nest/in/ { fastcgi_pass 127.0.0.1:1; }
    }
    location /noslash { proxy_pass http://127.0.0.1:1; }
    location = /eq { return 200 "loc-eq"; }
    location /eq/ { proxy_pass http://127.0.0.1:1; }
    location ^~ /caret/ { uwsgi_pass 127.0.0.1:1; }
    location /ret/ { return 200 "loc-ret"; }
    location ~ /rr/ {
        return 200 "loc-rr";
        location /rr/in/ { proxy_pass http://127.0.0.1:1; }
    }
    location /q/ { proxy_pass http://127.0.0.1:1; }
    location = /q/ { internal; }
    location = /pp/ { return 200 "loc-pp-exact"; }
    location /pp/ { internal; proxy_pass http://127.0.0.1:1; }
}`,
		files: []string{"www/api", "www/apix.txt", "www/ret", "www/nest/n.txt"},
		uris: []string{
			"/api", "/api/", "/api/x", "/api?x=1", "/exact", "/exact/", "/both", "/both/", "/rxa", "/rxa/x",
			"/rxb", "/int", "/int/", "/nest/in", "/nest/in/x", "/nest", "/nest/n.txt", "/noslash", "/noslash/",
			"/eq", "/eq/", "/caret", "/caret/x", "/apix.txt", "/ap", "/ret", "/a%70i", "//api",
			"/rr/in", "/rr/in/x", "/rr/x", "/q", "/q/", "/pp", "/pp/",
		},
	},
	{
		// A modifier with an empty name: `location ^~` is a prefix matching
		// every URI, `location ~` a regex matching every URI.
		name: "glued-empty",
		body: `server {
    listen 127.0.0.1:{{PORT}};
    root {{PREFIX}}/www;
    location /a/ { return 200 "loc-a"; }
    location ^~ { return 200 "loc-caret-empty"; }
    location ~ \.php$ { return 200 "loc-php"; }
    location ~ { return 200 "loc-regex-empty"; }
    location = { return 200 "loc-exact-empty"; }
}`,
		files: []string{"www/x.txt"},
		uris: []string{
			"/", "/a/", "/a/x", "/a/x.php", "/x", "/x.php", "/x.txt", "/ab", "/a", "/a/%2e%2e/x.php",
			"/%61/x", "//a//x.php", "/a/x.PHP", "/b/", "/a/x.php%0a",
		},
	},
}

func TestRouteRealNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	if len(routeRealCases) < 8 {
		t.Fatalf("only %d configs", len(routeRealCases))
	}
	requests := 0
	for _, tc := range routeRealCases {
		t.Run(tc.name, func(t *testing.T) {
			if len(tc.uris) < 15 {
				t.Fatalf("config %s has only %d URIs", tc.name, len(tc.uris))
			}
			requests += compareRoutes(t, tc)
		})
	}
	t.Logf("%d configs, %d requests compared", len(routeRealCases), requests)
}

// TestRouteRealNginxRandom compares Route with nginx on generated configs:
// many exact, prefix, ^~ and regex locations with shared prefixes, nested
// at random, and URIs around their names.
func TestRouteRealNginxRandom(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	// XACCEL_ROUTE_SEEDS=N tries more configs (the default, 4, keeps the
	// test fast).
	seeds := uint64(4)
	if n, err := strconv.ParseUint(os.Getenv("XACCEL_ROUTE_SEEDS"), 10, 64); err == nil && n > 0 {
		seeds = n
	}
	requests := 0
	for seed := uint64(1); seed <= seeds; seed++ {
		tc := randomRouteCase(seed)
		t.Run(tc.name, func(t *testing.T) {
			requests += compareRoutes(t, tc)
		})
	}
	t.Logf("%d generated configs, %d requests compared", seeds, requests)
}

// compareRoutes starts nginx with tc and compares every target; it returns
// the number of requests sent.
func compareRoutes(t *testing.T, tc routeRealCase) int {
	t.Helper()
	files := map[string]string{}
	for _, f := range tc.files {
		files[f] = fileContent(f)
	}
	inst := realnginx.StartHTTP(t, tc.body, files)
	srv := loadRealServer(t, tc.name, tc.body, inst)
	trace := os.Getenv("XACCEL_ROUTE_TRACE") != ""
	if trace {
		t.Logf("config %s:\n%s", tc.name, tc.body)
	}
	for _, target := range tc.uris {
		resp, err := inst.Get(target)
		if err != nil {
			t.Errorf("config %s: GET %q: %v", tc.name, target, err)
			continue
		}
		got := routeAnswer{Status: resp.Status}
		if resp.Status == 200 {
			got.Body = string(resp.Body)
		}
		want, why := modelRequest(t, srv, target, !tc.noMergeSlashes)
		if trace {
			t.Logf("config %s: GET %q: nginx %v, model %v (%s)", tc.name, target, got, want, why)
		}
		if got != want {
			t.Errorf("config %s: GET %q: nginx %v, model %v (%s)", tc.name, target, got, want, why)
		}
	}
	return len(tc.uris)
}

// randomRouteCase generates a config of about 40 locations named with the
// letters "/ab", each answering `return 200 "loc-N"`, and about 250 URIs.
// Odd seeds set `merge_slashes off`, so that names with "//" can match.
func randomRouteCase(seed uint64) routeRealCase {
	noMerge := seed%2 == 1
	rnd := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	word := func(min, max int) string {
		n := min + rnd.IntN(max-min+1)
		b := []byte{'/'}
		for i := 1; i < n; i++ {
			b = append(b, "/ab"[rnd.IntN(3)])
		}
		return string(b)
	}
	regexes := []string{`a$`, `b/`, `^/a+b`, `/b[ab]$`, `(a)(b)?$`, `^/[ab]/`, `B$`, `//`}

	type genLoc struct {
		mod, name string
		children  []*genLoc
		names     map[string]bool // "mod name" of the children, to avoid duplicates
	}
	top := &genLoc{names: map[string]bool{}}
	var prefixes []*genLoc // locations that can hold nested exact/prefix locations
	var all []*genLoc
	key := func(mod, name string) string {
		if mod == "^~" {
			mod = "" // ^~ /x and /x are the same location name
		}
		return mod + " " + name
	}
	for len(all) < 40 {
		var l *genLoc
		switch r := rnd.IntN(10); {
		case r < 2:
			l = &genLoc{mod: "=", name: word(1, 5)}
		case r < 4:
			l = &genLoc{mod: "^~", name: word(1, 5)}
		case r < 8:
			l = &genLoc{mod: "", name: word(1, 5)}
		case r < 9:
			l = &genLoc{mod: "~", name: regexes[rnd.IntN(len(regexes))]}
		default:
			l = &genLoc{mod: "~*", name: regexes[rnd.IntN(len(regexes))]}
		}
		l.names = map[string]bool{}
		// The parent: the top level, a prefix location whose name starts
		// l's name (nginx requires it for exact and prefix locations), or
		// for a regex any prefix or regex location.
		parent := top
		if rnd.IntN(3) == 0 {
			var cands []*genLoc
			for _, p := range prefixes {
				if l.mod == "~" || l.mod == "~*" || (strings.HasPrefix(l.name, p.name) && l.name != p.name) {
					cands = append(cands, p)
				}
			}
			for _, p := range all {
				// nginx accepts an exact or prefix location in a regex
				// location when its name starts with the regex's text
				// (and never chooses it).
				if (p.mod == "~" || p.mod == "~*") && (l.mod == "~" || l.mod == "~*" || strings.HasPrefix(l.name, p.name)) {
					cands = append(cands, p)
				}
			}
			if len(cands) > 0 {
				parent = cands[rnd.IntN(len(cands))]
			}
		}
		if parent.names[key(l.mod, l.name)] {
			continue
		}
		parent.names[key(l.mod, l.name)] = true
		parent.children = append(parent.children, l)
		all = append(all, l)
		if l.mod == "" || l.mod == "^~" {
			prefixes = append(prefixes, l)
		}
	}

	var b strings.Builder
	b.WriteString("server {\n    listen 127.0.0.1:{{PORT}};\n    root {{PREFIX}}/www;\n")
	if noMerge {
		b.WriteString("    merge_slashes off;\n")
	}
	n := 0
	var write func(ls []*genLoc, indent string)
	write = func(ls []*genLoc, indent string) {
		for _, l := range ls {
			n++
			name := l.name
			if l.mod == "~" || l.mod == "~*" {
				name = strconv.Quote(name)
			}
			if l.mod != "" {
				name = l.mod + " " + name
			}
			fmt.Fprintf(&b, "%slocation %s {\n%s    return 200 \"loc-%d\";\n", indent, name, indent, n)
			write(l.children, indent+"    ")
			fmt.Fprintf(&b, "%s}\n", indent)
		}
	}
	write(top.children, "    ")
	b.WriteString("}")

	seen := map[string]bool{}
	var uris []string
	add := func(u string) {
		if !seen[u] {
			seen[u] = true
			uris = append(uris, u)
		}
	}
	for _, l := range all {
		if l.mod == "~" || l.mod == "~*" {
			continue
		}
		add(l.name)
		add(l.name + "a")
		add(l.name + "/b")
		if len(l.name) > 1 {
			add(l.name[:len(l.name)-1])
		}
	}
	for len(uris) < 250 {
		u := []byte(word(1, 7))
		for i := 1; i < len(u); i++ {
			if rnd.IntN(8) == 0 {
				u[i] = "AB"[rnd.IntN(2)]
			}
		}
		add(string(u))
	}
	return routeRealCase{name: fmt.Sprintf("random-%d", seed), body: b.String(), uris: uris, noMergeSlashes: noMerge}
}

// loadRealServer loads the config nginx runs (the http{} body as StartHTTP
// wraps it, placeholders replaced) and returns its only server.
func loadRealServer(t *testing.T, name, body string, inst *realnginx.Instance) *Server {
	t.Helper()
	r := strings.NewReplacer(realnginx.PortPlaceholder, strconv.Itoa(inst.Port), realnginx.PrefixPlaceholder, inst.Prefix)
	src := "events {\n}\nhttp {\n" + r.Replace(body) + "\n}\n"
	cfg := LoadBytes(name+".conf", []byte(src), LoadOptions{Prefix: inst.Prefix})
	if len(cfg.Errors) > 0 {
		t.Fatalf("config %s: the model rejects a config nginx runs: %v", name, cfg.Errors)
	}
	if len(cfg.Servers) != 1 {
		t.Fatalf("config %s: %d servers, want 1", name, len(cfg.Servers))
	}
	for _, l := range cfg.Servers[0].AllLocations() {
		if l.ReErr != nil {
			t.Fatalf("config %s: %s: %v", name, l, l.ReErr)
		}
	}
	return cfg.Servers[0]
}

// modelRequest predicts nginx's answer to GET target; why says how.
func modelRequest(t *testing.T, s *Server, target string, mergeSlashes bool) (routeAnswer, string) {
	t.Helper()
	uri, _, err := NormalizeRequestTarget(target, mergeSlashes)
	if err != nil {
		var ue *URIError
		if !errors.As(err, &ue) {
			t.Fatalf("NormalizeRequestTarget(%q): %v is not a *URIError", target, err)
		}
		return routeAnswer{Status: ue.Status}, err.Error()
	}
	return modelURI(t, s, uri, false, 0)
}

// modelURI routes uri (internal: after an internal redirect) and serves it.
func modelURI(t *testing.T, s *Server, uri string, internal bool, depth int) (routeAnswer, string) {
	t.Helper()
	l, caps, redirect := s.Lookup(uri)
	where := "server level"
	if l != nil {
		where = l.String()
	}
	why := fmt.Sprintf("uri %q -> %s", uri, where)
	if l != nil && l.Internal() != nil && !internal {
		return routeAnswer{Status: 404}, why + ", internal"
	}
	if redirect {
		return routeAnswer{Status: 301}, why + ", auto-redirect"
	}
	if l != nil {
		if h := l.Handler(); h != nil {
			if strings.HasSuffix(h.Name, "_pass") {
				// The test configs pass to a closed port.
				return routeAnswer{Status: 502}, why + ", " + h.Name
			}
			if h.Name != "return" || len(h.Args) != 2 {
				t.Fatalf("%s: the test models only `return CODE TEXT` and *_pass, not %s %v", l, h.Name, h.Args)
			}
			code, err := strconv.Atoi(h.Args[0])
			if err != nil {
				t.Fatalf("%s: return %v", l, h.Args)
			}
			return routeAnswer{Status: code, Body: h.Args[1]}, why + ", return"
		}
	}
	p, ok := s.MapPath(l, uri, caps)
	if !ok {
		t.Fatalf("uri %q: MapPath(%s) cannot map the path", uri, where)
	}
	why += fmt.Sprintf(", path %q", p)
	if strings.HasSuffix(uri, "/") {
		// The index module: index.html (the default `index`) found means an
		// internal redirect to uri + "index.html"; else 403 for an existing
		// directory and 404 for a missing one.
		fi, err := os.Stat(p + "index.html")
		switch {
		case err == nil && fi.Mode().IsRegular():
			if depth > 10 {
				t.Fatalf("uri %q: index redirect loop", uri)
			}
			a, w := modelURI(t, s, uri+"index.html", true, depth+1)
			return a, why + ", index -> " + w
		case err != nil && errors.Is(err, syscall.ENOTDIR):
			return routeAnswer{Status: 404}, why + ", index: not a directory"
		}
		fi, err = os.Stat(p)
		switch {
		case err == nil && fi.IsDir():
			return routeAnswer{Status: 403}, why + ", directory without index"
		case err == nil:
			// ngx_http_index_test_dir: "... is not a directory".
			return routeAnswer{Status: 500}, why + ", index: the path is a file"
		}
		return routeAnswer{Status: statStatus(err)}, why + ", " + err.Error()
	}
	fi, err := os.Stat(p)
	switch {
	case err != nil:
		return routeAnswer{Status: statStatus(err)}, why + ", " + err.Error()
	case fi.IsDir():
		return routeAnswer{Status: 301}, why + ", directory"
	case !fi.Mode().IsRegular():
		return routeAnswer{Status: 404}, why + ", not a regular file"
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("reading %s: %v", p, err)
	}
	return routeAnswer{Status: 200, Body: string(b)}, why
}

// statStatus is the status nginx's static handler answers for an open error
// (nginx-semantics.md section 5.5).
func statStatus(err error) int {
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENOTDIR), errors.Is(err, syscall.ENAMETOOLONG):
		return 404
	case errors.Is(err, fs.ErrPermission), errors.Is(err, syscall.ELOOP):
		return 403
	}
	return 500
}

// TestRouteRealCasesWellFormed keeps the differential cases honest without
// nginx: every file is under the prefix and no target is listed twice.
func TestRouteRealCasesWellFormed(t *testing.T) {
	names := map[string]bool{}
	for _, tc := range routeRealCases {
		if names[tc.name] {
			t.Errorf("config name %q used twice", tc.name)
		}
		names[tc.name] = true
		seen := map[string]bool{}
		for _, u := range tc.uris {
			if seen[u] {
				t.Errorf("config %s: target %q listed twice", tc.name, u)
			}
			seen[u] = true
		}
		fs := append([]string(nil), tc.files...)
		sort.Strings(fs)
		for i := 1; i < len(fs); i++ {
			if fs[i] == fs[i-1] {
				t.Errorf("config %s: file %q listed twice", tc.name, fs[i])
			}
		}
	}
}
