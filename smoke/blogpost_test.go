package smoke_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xaccel/xaccel/internal/realnginx"
	"github.com/xaccel/xaccel/nginx"
	"github.com/xaccel/xaccel/smoke"
)

// The blog post this project started from (its two server blocks are in
// ../shared/corpus/blog-post): Django behind nginx, media served by
// `location /media { alias /home/app/web/media; }`. Reduced here to what
// matters: the app is a fixed answer, the paths live under the test's
// prefix, and the media location comes in both spellings.

var blogFiles = map[string]string{
	"web/media/uploads/invoice.pdf": "%PDF-1.4 invoice 2026-0042, confidential\n",
	"web/media/avatar.png":          "not really a PNG, but private\n",
	"web/static/app.css":            "body { margin: 0 }\n",
}

const blogConf = `server {
    listen 127.0.0.1:{{PORT}};

    location / {
        return 200 "app";
    }

    location /static/ {
        alias {{PREFIX}}/web/static/;
    }

MEDIA
}
`

var blogMedia = map[string]string{
	// The post's config, and the same with both trailing slashes.
	"public /media":  "    location /media {\n        alias {{PREFIX}}/web/media;\n    }",
	"public /media/": "    location /media/ {\n        alias {{PREFIX}}/web/media/;\n    }",
	// Fully fixed: internal, ^~, slashes on both, nosniff.
	"fixed": "    location ^~ /media/ {\n        internal;\n        alias {{PREFIX}}/web/media/;\n        add_header X-Content-Type-Options \"nosniff\" always;\n    }",
}

// TestBlogPostSmoke: smoke fails the blog post's public media location,
// spelled either way, and passes the fixed one: with -c alone, with -c and
// --prefix, and with --prefix and --files-dir, against real nginx and
// against xaccel serve.
func TestBlogPostSmoke(t *testing.T) {
	for _, srv := range []string{"nginx", "serve"} {
		t.Run(srv, func(t *testing.T) {
			if srv == "nginx" {
				realnginx.Require(t)
			}
			for name, media := range blogMedia {
				conf := strings.ReplaceAll(blogConf, "MEDIA", media)
				var addr, confPath, prefix string
				if srv == "nginx" {
					inst := realnginx.StartHTTP(t, conf, blogFiles)
					addr, confPath, prefix = inst.Addr, filepath.Join(inst.Prefix, "conf", "nginx.conf"), inst.Prefix
				} else {
					prefix = writeFiles(t, blogFiles)
					confPath = filepath.Join(prefix, "nginx.conf")
					src := strings.NewReplacer("{{PORT}}", "0", "{{PREFIX}}", prefix).Replace(conf)
					if err := os.WriteFile(confPath, []byte(src), 0o644); err != nil {
						t.Fatal(err)
					}
					addr = startServe(t, confPath)
				}
				cfg, err := nginx.Load(confPath, nginx.LoadOptions{})
				if err != nil {
					t.Fatal(err)
				}
				want := 1
				if name == "fixed" {
					want = 0
				}
				for mode, o := range map[string]smoke.Options{
					"-c":                   {Model: cfg},
					"-c --prefix":          {Model: cfg, Prefixes: []string{"/media/"}},
					"--prefix --files-dir": {Prefixes: []string{"/media/"}, FilesDir: filepath.Join(prefix, "web", "media")},
				} {
					o.Target = "http://" + addr
					rep := runSmoke(t, o)
					text := reportText(rep)
					if os.Getenv("SHOWREP") != "" {
						t.Logf("%s %s:\n%s", name, mode, text)
					}
					if rep.ExitCode() != want {
						t.Errorf("%s, %s: exit %d, want %d:\n%s", name, mode, rep.ExitCode(), want, text)
					}
					if !strings.Contains(text, "GET /media/uploads/invoice.pdf") {
						t.Errorf("%s, %s: the invoice under /media/ was not probed:\n%s", name, mode, text)
					}
					if strings.Contains(text, "/mediauploads") || strings.Contains(text, "/mediaavatar") {
						t.Errorf("%s, %s: prefix and file name joined without a slash:\n%s", name, mode, text)
					}
				}
			}
		})
	}
}
