//go:build unix

package proxy

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/xaccel/xaccel/internal/realnginx"
	"github.com/xaccel/xaccel/nginx"
)

const symlinksConf = `
server {
    listen 127.0.0.1:{{PORT}};
    root {{PREFIX}}/www;
    server_tokens off;

    location /on/ { disable_symlinks on; }
    location /owner/ { disable_symlinks if_not_owner; }
    location /off/ { disable_symlinks off; }
    location /try/ { disable_symlinks on; try_files $uri $uri.html =404; }
    location /idx/ { disable_symlinks on; }
    location /from/ { disable_symlinks on from=$document_root; }
    location /alias/ { disable_symlinks on from=$document_root; alias {{PREFIX}}/dirlink/; }
    location /literal/ { disable_symlinks if_not_owner from={{PREFIX}}/www/literal; }
    location /dots/ { disable_symlinks on; alias {{PREFIX}}//./www/../www/on/; }
    location /xar/ { proxy_pass http://{{APP}}; }
    location /prot/ { internal; disable_symlinks on; alias {{PREFIX}}/www/on/; }
    location /ifon/ { disable_symlinks on; alias {{PREFIX}}/www/on/; if (-f $request_filename) { return 204; } }
    location /ifowner/ { disable_symlinks if_not_owner; alias {{PREFIX}}/www/owner/; if (-f $request_filename) { return 204; } }
}
`

// TestSymlinksAgainstNginx compares serve with real nginx on
// disable_symlinks: links to files and directories in every position of
// the path, links owned by another user, from= with $document_root and a
// literal, try_files, index, if -f, and an X-Accel-Redirect into a
// location that refuses links.
func TestSymlinksAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	conf := strings.ReplaceAll(symlinksConf, "{{APP}}", accessApp(t))
	files := map[string]string{}
	for _, dir := range []string{"on", "owner", "off", "try", "idx", "from", "literal"} {
		files["www/"+dir+"/real.txt"] = dir + " real\n"
		files["www/"+dir+"/sub/real.txt"] = dir + " sub real\n"
	}
	files["www/try/target.txt"] = "try target\n"
	files["www/try/link.html"] = "try html\n"
	files["www/idx/x.html"] = "index target\n"
	files["www/idx/plain/index.html"] = "plain index\n"
	ng := realnginx.StartHTTP(t, conf, files)
	www := ng.Path("www")
	link := func(target, name string) {
		t.Helper()
		if err := os.Symlink(target, filepath.Join(www, filepath.FromSlash(name))); err != nil {
			t.Fatal(err)
		}
	}
	for _, dir := range []string{"on", "owner", "off", "idx", "from", "literal"} {
		link("real.txt", dir+"/link")
		link("sub", dir+"/dirlink")
	}
	link("target.txt", "try/link")
	link("sub", "try/dirlink")
	link("x.html", "idx/index.html")
	if err := os.Symlink(filepath.Join(www, "from", "sub"), ng.Path("dirlink")); err != nil {
		t.Fatal(err)
	}
	// A link owned by someone else than its target: as root, a link
	// handed to nobody; otherwise a link to a file root owns.
	other := []string{"owner", "literal"}
	for _, dir := range other {
		name := filepath.Join(www, dir, "other")
		if os.Geteuid() == 0 {
			link("real.txt", dir+"/other")
			if err := os.Lchown(name, 65534, 65534); err != nil {
				t.Fatal(err)
			}
		} else {
			var st syscall.Stat_t
			if err := syscall.Stat("/etc/protocols", &st); err != nil || int(st.Uid) == os.Geteuid() {
				t.Skip("no file of another owner to link to (/etc/protocols)")
			}
			link("/etc/protocols", dir+"/other")
		}
	}

	src := strings.NewReplacer("{{PORT}}", "0", "{{PREFIX}}", ng.Prefix).Replace(conf)
	cfg := nginx.LoadBytes(filepath.Join(ng.Prefix, "conf", "nginx.conf"), []byte(src), nginx.LoadOptions{})
	if len(cfg.Errors) > 0 {
		t.Fatal(cfg.Errors[0])
	}
	h, _, err := New(cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	emu := serveHandler(t, h)

	var targets []string
	for _, dir := range []string{"on", "owner", "off", "from", "literal"} {
		for _, p := range []string{"real.txt", "link", "link/", "dirlink", "dirlink/", "dirlink/real.txt", "sub/real.txt", "other", "missing"} {
			targets = append(targets, "/"+dir+"/"+p)
		}
	}
	targets = append(targets, "/try/link", "/try/real.txt", "/try/dirlink/real.txt",
		"/idx/", "/idx/plain/", "/idx/dirlink/", "/idx/sub/", "/alias/real.txt", "/alias/missing",
		"/dots/real.txt", "/dots/link", "/xar/prot/link", "/xar/prot/real.txt", "/xar/prot/dirlink/real.txt",
		"/ifon/real.txt", "/ifon/link", "/ifon/dirlink/real.txt", "/ifowner/link", "/ifowner/other")
	for _, target := range targets {
		raw := realnginx.RawRequest("GET", target, nil, "")
		want, got := sendBoth(t, ng, emu, raw)
		if problems := diffResponses(want, got); len(problems) > 0 {
			t.Errorf("GET %s:\n  %s", target, strings.Join(problems, "\n  "))
		}
	}
}
