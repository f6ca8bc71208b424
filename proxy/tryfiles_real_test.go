//go:build unix

package proxy

import (
	"testing"

	"github.com/xaccel/xaccel/internal/realnginx"
)

// TestTryFilesDirectoriesAgainstNginx: a try_files argument written with
// a trailing '/' tests a directory under its name without the '/' (which
// then gets the directory redirect), a variable that expands to a path
// ending in '/' does not test a directory, and in a regex location with
// alias the name found goes after the alias, for the test and the file
// sent.
func TestTryFilesDirectoriesAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	conf := `
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    root {{PREFIX}}/www;
    location /dir-dir/ { try_files /directory/ =404; }
    location /dir-file/ { try_files /directory =404; }
    location /file-dir/ { try_files /found.html/ =404; }
    location /var/ { try_files $uri $uri/ =404; }
    location /app/ { try_files $uri @fallback; }
    location @fallback { return 200 "fallback $uri\n"; }
    location ~ /alias-re.html { alias {{PREFIX}}/www/directory; try_files $uri =404; }
    location ~ ^/re-dir/ { alias {{PREFIX}}/www/directory; try_files $uri/ =404; }
}
`
	ng := realnginx.StartHTTP(t, conf, map[string]string{
		"www/directory/alias-re.html": "alias re\n",
		"www/directory/index.html":    "dir index\n",
		"www/found.html":              "found\n",
		"www/var/sub/index.html":      "sub index\n",
		"www/app/index.html":          "app index\n",
	})
	emu, _ := startEmulator(t, conf, ng.Prefix, Options{})
	getsAgree(t, ng, emu, "/dir-dir/", "/dir-file/", "/file-dir/", "/var/sub", "/var/sub/", "/app/", "/app/none",
		"/alias-re.html", "/re-dir/")
}

// TestTryFilesAliasFallbackAgainstNginx: in a prefix location with alias,
// ngx_http_try_files_handler strips the location's name from an argument
// with variables that starts with it, the last one (the fallback URI)
// included, and from no argument written without variables. So the
// WordPress-in-a-subdirectory line `try_files $uri $uri/ /blog/index.php?$args;`
// under `location /blog/ { alias ...; }` redirects to "index.php", which
// only a regex location matches (PHP at the server's root here, the app's
// answer nginx gives), and under `location /blog` to /index.php.
func TestTryFilesAliasFallbackAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	conf := `
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    root {{PREFIX}}/www;
    location ^~ /blog/ {
        alias {{PREFIX}}/blog/;
        try_files $uri $uri/ /blog/index.php?$args;
        location ~ \.php$ { return 200 "blog php uri=$uri args=$args fn=$request_filename\n"; }
    }
    location /b2 {
        alias {{PREFIX}}/blog;
        try_files $uri /b2/index.php$is_args$args;
    }
    location /b3/ {
        alias {{PREFIX}}/blog/;
        try_files /b3/page.html $uri /b3/index.html;
    }
    location /b4/ {
        alias {{PREFIX}}/blog/;
        try_files /b4/page.html $uri /b3/page.html;
    }
    location ~ \.php$ { return 200 "root php uri=$uri args=$args fn=$request_filename\n"; }
    location / { return 200 "root uri=$uri\n"; }
}
`
	ng := realnginx.StartHTTP(t, conf, map[string]string{
		"blog/index.php":      "blog index\n",
		"blog/page.html":      "blog page\n",
		"blog/b3/page.html":   "blog b3 page\n",
		"www/b3/index.html":   "www b3 index\n",
		"www/b3/page.html":    "www b3 page\n",
		"www/index.php":       "www index\n",
		"blog/b4/page.html":   "blog b4 page\n",
		"blog/sub/index.html": "blog sub\n",
	})
	emu, _ := startEmulator(t, conf, ng.Prefix, Options{})
	getsAgree(t, ng, emu, "/blog/none/x?a=1", "/blog/page.html", "/blog/index.php/extra", "/b2/none", "/b2/none?q=1",
		"/b3/none", "/b3/page.html", "/b4/none", "/b4/x")
}
