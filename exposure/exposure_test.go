package exposure_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/xaccel/xaccel/exposure"
	"github.com/xaccel/xaccel/nginx"
)

func load(t *testing.T, body string) *nginx.Config {
	t.Helper()
	cfg := nginx.LoadBytes("t.conf", []byte("server {\n    listen 80;\n"+body+"}\n"), nginx.LoadOptions{})
	if len(cfg.Errors) > 0 {
		t.Fatalf("config: %v", cfg.Errors[0])
	}
	return cfg
}

// summary renders the exposures as "kind location example-uri -> file".
func summary(a *exposure.Analysis) []string {
	var out []string
	for _, e := range a.Exposures {
		loc := "server"
		if e.Loc != nil {
			loc = e.Loc.String()
		}
		out = append(out, string(e.Kind)+" "+loc+" "+e.Example.URI+" -> "+e.Example.File)
	}
	return out
}

func TestAnalyze(t *testing.T) {
	for _, tc := range []struct {
		name string
		body string
		decl exposure.Declarations
		want []string
	}{
		{
			name: "media without internal, both spellings",
			body: "location /media { alias /srv/web/media; }\nlocation /uploads/ { alias /srv/web/uploads/; }\n",
			want: []string{
				"not-internal location /media /media/example.txt -> /srv/web/media/example.txt",
				"not-internal location /uploads/ /uploads/example.txt -> /srv/web/uploads/example.txt",
				"alias-traversal location /media /media-old/example.txt -> /srv/web/media-old/example.txt",
			},
		},
		{
			name: "regex that serves wins; one that proxies only reaches the app",
			body: "location /files/ { internal; alias /srv/web/files/; }\nlocation ~ ^/files/.+\\.jpg$ { root /srv/web; }\nlocation /p/ { internal; alias /srv/p/; }\nlocation ~ \\.php$ { proxy_pass http://127.0.0.1:9; }\n",
			want: []string{
				"regex-bypass location ~ ^/files/.+\\.jpg$ /files/x.jpg -> /srv/web/files/x.jpg",
				"reaches-app location ~ \\.php$ /p/x.php -> ",
			},
		},
		{
			name: "try_files with literal parts tries no protected file",
			body: "root /srv/web;\nlocation / { try_files /$host/public$uri @app; }\nlocation @app { return 200; }\nlocation ^~ /p/ { internal; alias /srv/web/media/; }\n",
		},
		{
			name: "a root set through a variable is followed",
			body: "set $site /srv/web;\nroot $site;\nlocation / { try_files $uri @app; }\nlocation @app { return 200; }\nlocation ^~ /p/ { internal; alias /srv/web/media/; }\n",
			want: []string{"root-exposure location / /media/example.txt -> /srv/web/media/example.txt"},
		},
		{
			name: "a variable set to two values is not followed",
			body: "set $site /srv/web;\nif ($host = x) { set $site /srv/other; }\nroot $site;\nlocation / { try_files $uri @app; }\nlocation @app { return 200; }\nlocation ^~ /p/ { internal; alias /srv/web/media/; }\n",
		},
		{
			name: "an alias inside a protected directory",
			body: "location ^~ /files/ { internal; alias /srv/files/; }\nlocation /exports/ { alias /srv/files/exports/; }\n",
			want: []string{"root-exposure location /exports/ /exports/example.txt -> /srv/files/exports/example.txt"},
		},
		{
			name: "rewrite into the internal location",
			body: "location /media/ { internal; alias /srv/web/media/; }\nlocation /dl/ { rewrite ^/dl/(.*)$ /media/$1 last; }\nlocation /moved/ { rewrite ^/moved/(.*)$ /media/$1 permanent; }\n",
			want: []string{"rewrite-into-internal location /dl/ /dl/example.txt -> /srv/web/media/example.txt"},
		},
		{
			name: "declared public prefix and guarded location are not exposed",
			body: "location /media/ { alias /srv/web/media/; }\nlocation /uploads/ { auth_basic x; alias /srv/web/uploads/; }\n",
			decl: exposure.Declarations{Public: []string{"/media/"}},
		},
		{
			name: "an escape into a published tree is no exposure",
			body: "location / { root /srv/web; }\nlocation /static { alias /srv/web/static; }\n",
		},
		{
			name: "error pages are no protected area",
			body: "root /srv/web;\nerror_page 404 /404.html;\nlocation = /404.html { internal; root /srv/web; }\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := summary(exposure.Analyze(load(t, tc.body), tc.decl))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("exposures (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRequests: the requests for a real file are confirmed by the model;
// a name the exposing location does not take gets none.
func TestRequests(t *testing.T) {
	cfg := load(t, `location /media/ { internal; alias /srv/web/media/; }
location ~* \.(jpg|png)$ { root /srv/web; }
location /static { alias /srv/web/static/; }
location ~ ^/img(.*)$ { alias /srv/web/static/$1; }
location ~ (?<u>.*)/x-progress-id:(?<id>\d*) { rewrite ^ $u?X-Progress-ID=$id; }
`)
	a := exposure.Analyze(cfg, exposure.Declarations{})
	got := map[string][]string{}
	for _, e := range a.Exposures {
		for _, rel := range []string{"a.jpg", "doc.pdf", "sub/b.png"} {
			for _, ex := range e.Requests(rel) {
				key := string(e.Kind) + " " + rel
				got[key] = append(got[key], ex.URI+" -> "+ex.File)
				if !strings.HasSuffix(ex.File, rel) {
					t.Errorf("%s: %s maps to %s", key, ex.URI, ex.File)
				}
			}
		}
	}
	// a.jpg and sub/b.png through /static.. or a rewrite: the image regex
	// takes those requests, so the model confirms none. doc.pdf is in the
	// protected directory and, climbing from /srv/web/static, in the
	// directory around it.
	want := map[string][]string{
		"regex-bypass a.jpg":     {"/media/a.jpg -> /srv/web/media/a.jpg"},
		"regex-bypass sub/b.png": {"/media/sub/b.png -> /srv/web/media/sub/b.png"},
		"alias-traversal doc.pdf": {
			"/static../media/doc.pdf -> /srv/web/static/../media/doc.pdf",
			"/static../doc.pdf -> /srv/web/static/../doc.pdf",
			"/img../media/doc.pdf -> /srv/web/static/../media/doc.pdf",
			"/img../doc.pdf -> /srv/web/static/../doc.pdf",
		},
		"rewrite-into-internal doc.pdf": {
			"/media/doc.pdf/x-progress-id: -> /srv/web/media/doc.pdf",
			"/media/doc.pdf/x-progress-id:0 -> /srv/web/media/doc.pdf",
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

func TestPaths(t *testing.T) {
	for _, tc := range []struct{ prefix, rel, want string }{
		{"/media", "a.pdf", "/media/a.pdf"},
		{"/media/", "a.pdf", "/media/a.pdf"},
		{"/media/", "uploads/a.pdf", "/media/uploads/a.pdf"},
		{"/", "a.pdf", "/a.pdf"},
	} {
		if got := exposure.JoinURI(tc.prefix, tc.rel); got != tc.want {
			t.Errorf("JoinURI(%q, %q) = %q, want %q", tc.prefix, tc.rel, got, tc.want)
		}
	}
	for _, tc := range []struct {
		p, dir string
		want   bool
	}{
		{"/srv/media/a", "/srv/media", true},
		{"/srv/media", "/srv/media/", true},
		{"/srv/media-old/a", "/srv/media", false},
		{"/srv/static/../media/a", "/srv/media", true},
		{"/anything", "/", true},
		{"", "/srv", false},
		{"/srv", "", false},
	} {
		if got := exposure.Within(tc.p, tc.dir); got != tc.want {
			t.Errorf("Within(%q, %q) = %v", tc.p, tc.dir, got)
		}
	}
	for uri, want := range map[string]bool{
		"/static../media/a": true,
		"/a/../b":           false, // nginx merges the dot segment away
		"/a//b":             false,
		"/media/a b.pdf":    true,
	} {
		if got := exposure.Requestable(uri); got != want {
			t.Errorf("Requestable(%q) = %v", uri, got)
		}
	}
}
