//go:build unix

package proxy

import (
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xaccel/xaccel/internal/realnginx"
	"github.com/xaccel/xaccel/nginx"
)

// accessApp is the app behind the access test: /auth answers with the
// status the client asked for in X-Decide (the auth subrequest passes the
// client's headers on), with a WWW-Authenticate and an X-User header;
// /xar/NAME answers with X-Accel-Redirect to /NAME; anything else is
// "app" with the method and URI.
func accessApp(t *testing.T) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/auth", func(w http.ResponseWriter, r *http.Request) {
		status, err := strconv.Atoi(r.Header.Get("X-Decide"))
		if err != nil {
			status = http.StatusOK
		}
		w.Header().Add("WWW-Authenticate", `Bearer realm="app"`)
		w.Header().Add("WWW-Authenticate", `Basic realm="second"`)
		w.Header().Set("X-User", "user-"+r.Method)
		w.WriteHeader(status)
		w.Write([]byte("auth body"))
	})
	mux.HandleFunc("/xar/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Accel-Redirect", "/"+strings.TrimPrefix(r.URL.Path, "/xar/"))
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // a body nginx is still sending is not cut short
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte("app " + r.Method + " " + r.URL.RequestURI() + " who=" + r.Header.Get("X-Who")))
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}}
	srv.Start()
	t.Cleanup(srv.Close)
	return ln.Addr().String()
}

// accessHtpasswd holds one user per password format (the passwords are
// the user names' second half), comments, an empty line, a user without
// a password field end, and a user whose format serve does not compute.
const accessHtpasswd = `# users
apr1:$apr1$salt$Xxd1irWT9ycqoYxGFn4cb.
des:sa3tHJ3/KuYvI
md5:$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/

sha256:$5$rounds=1234$sugar$mclHRZltCxo//dTCfKCtprrDAyZ2AbUXQqmvSZZIVN4
sha512:$6$abcdefgh$ltjgWl6579NluT/Vi1nwEvcil.G5Nbc4NiXZaNGStk8PSwGfQv72N2CKPPrVACtLtip/cZ/1GM/O6IND4WQhG.:comment
ssha:{SSHA}4pJXfgnTTNyzp/SFwoAIEwhNBQBhYjEy
sha:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=
#plain:{PLAIN}commented
plain:{PLAIN}secret
last:{PLAIN}nonewline`

const accessConfText = `
map $uri $acc_m { ~^/auth authz; default main; }
server {
    listen 127.0.0.1:{{PORT}};
    root {{PREFIX}}/www;
    server_tokens off;
    add_header X-M $acc_m;

    location /deny/ { deny all; }
    location /only-local/ { allow 127.0.0.1; deny all; }
    location /not-local/ { deny 127.0.0.0/8; allow all; }
    location /masked/ { deny 127.0.0.5/8; }
    location /v6-rules/ { deny ::1; deny 2001:db8::/32; }
    location /unix/ { deny unix:; }
    location /nested/ {
        deny all;
        location /nested/own/ { allow all; }
        location /nested/inherit/ { }
    }
    location /basic/ {
        auth_basic "closed site";
        auth_basic_user_file {{PREFIX}}/conf/htpasswd;
        location /basic/off/ { auth_basic off; }
        location /basic/var/ { auth_basic $arg_realm; }
    }
    location /relative/ { auth_basic "rel"; auth_basic_user_file htpasswd; }
    location /nofile/ { auth_basic "x"; auth_basic_user_file {{PREFIX}}/conf/nope; }
    location /realm-only/ { auth_basic "x"; }
    location /any-deny/ { satisfy any; deny all; auth_basic "any"; auth_basic_user_file {{PREFIX}}/conf/htpasswd; }
    location /any-allow/ { satisfy any; allow 127.0.0.1; deny all; auth_basic "any"; auth_basic_user_file {{PREFIX}}/conf/htpasswd; }
    location /any-request/ { satisfy any; deny all; auth_request /auth; }
    location /all/ { allow 127.0.0.1; auth_basic "all"; auth_basic_user_file {{PREFIX}}/conf/htpasswd; }
    location /return/ { deny all; return 200 "returned\n"; }
    location /request/ { auth_request /auth; }
    location /request-set/ {
        auth_request /auth;
        auth_request_set $who $upstream_http_x_user;
        add_header X-Who $who always;
        proxy_set_header X-Who $who;
        proxy_pass http://{{APP}};
    }
    location /request-off/ { auth_request off; }
    location /request-file/ { auth_request /auth-file.txt; }
    location /request-missing/ { auth_request /nope.txt; }
    # The subrequest's add_header (the server's X-M) is not evaluated, nor
    # the map in it, which the request would keep.
    location /request-map/ { auth_request /auth-map; root {{PREFIX}}/www; }
    location = /auth-map { internal; return 204; }
    # satisfy any: a module that lets the request in takes out the
    # WWW-Authenticate set last; one from the location error_page came
    # from stays.
    location /www-first/ {
        satisfy any;
        auth_basic "first $uri";
        auth_basic_user_file {{PREFIX}}/conf/htpasswd;
        error_page 401 = /www-second/f.txt;
    }
    location /www-second/ {
        satisfy any;
        auth_basic "second";
        auth_basic_user_file {{PREFIX}}/conf/htpasswd;
        auth_request /auth;
    }
    # In the subrequest, $request_method is the request's (r->main).
    location /request-method/ { auth_request /auth-method; }
    location = /auth-method { internal; if ($request_method = POST) { return 403; } return 204; }
    location = /auth { internal; proxy_pass http://{{APP}}; }
    location /xar/ { proxy_pass http://{{APP}}; }
    location /prot/ { internal; deny all; }
    location /prot-basic/ { internal; auth_basic "prot"; auth_basic_user_file {{PREFIX}}/conf/htpasswd; }
    # auth_request again after an X-Accel-Redirect: an internal redirect
    # clears the module's context, so the new location asks again.
    location /prot-req/ { internal; auth_request /auth; add_header X-Who "$who" always; }
    location /xar-req/ {
        auth_request /auth;
        auth_request_set $who $upstream_http_x_user;
        proxy_pass http://{{APP}}/xar/;
    }
    location /to-denied/ { try_files /nope @denied; }
    location @denied { deny all; }
    location /err/ { error_page 404 /deny/f.txt; }
    location /lx/ { limit_except GET { deny all; } }
    location /lx-basic/ {
        limit_except GET POST { auth_basic "lx"; auth_basic_user_file {{PREFIX}}/conf/htpasswd; }
        proxy_pass http://{{APP}};
    }
    location /lx-outer/ {
        limit_except GET { deny all; }
        location /lx-outer/inner/ { allow all; }
        location /lx-outer/empty/ { }
    }
    location /lx-return/ { return 200 "returned"; limit_except GET { deny all; } }
    location /lx-return-allowed/ { return 200 "returned"; limit_except GET { allow all; } }
    location /lx-rewrite/ { set $x 1; rewrite ^/lx-rewrite/(.*)$ /lx-return/$1; limit_except GET { allow all; } }
    # r->access_code outlives the location: satisfy any refused by the
    # access module, then a 500 from a user file that is a directory, sent
    # by error_page to a location whose own access phase lets all in.
    location /stale/ {
        satisfy any;
        deny all;
        auth_basic "stale";
        auth_basic_user_file {{PREFIX}}/conf/;
        error_page 500 = @open;
    }
    location @open { root {{PREFIX}}/www; }
    # A named location runs with its own configuration, not with that of
    # the if block that sent the request there: its try_files runs.
    location /if-named/ {
        error_page 405 = @tf;
        if ($request_method = DELETE) { return 405; }
        return 200 "no if";
    }
    location @tf { root {{PREFIX}}/www; try_files $uri =404; }
}
`

// TestAccessAgainstNginx sends the same requests to real nginx and to
// serve on one configuration using allow, deny, auth_basic (every
// password format serve computes, DES included), satisfy and auth_request, and
// compares the answers: status, body, headers (WWW-Authenticate
// included). limit_except blocks of access directives are among them, with
// the methods they name and the others (which run without the location's
// rewrite directives: its return does not answer them).
func TestAccessAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	app := accessApp(t)
	conf := strings.ReplaceAll(accessConfText, "{{APP}}", app)
	files := map[string]string{"conf/htpasswd": accessHtpasswd, "www/auth-file.txt": "auth file\n", "www/e418.html": "teapot\n"}
	for _, dir := range []string{"deny", "only-local", "not-local", "masked", "v6-rules", "unix", "nested", "nested/own", "nested/inherit",
		"basic", "basic/off", "basic/var", "relative", "nofile", "realm-only", "any-deny", "any-allow", "any-request", "all",
		"return", "request", "request-off", "request-file", "request-missing", "request-method", "request-map", "www-first", "www-second", "prot", "prot-basic", "prot-req", "to-denied", "err",
		"lx", "lx-outer", "lx-outer/inner", "lx-outer/empty", "lx-return", "lx-return-allowed", "lx-rewrite", "stale", "if-named"} {
		files["www/"+dir+"/f.txt"] = dir + " file\n"
	}
	ng := realnginx.StartHTTP(t, conf, files)
	// serve reads the same files, with the configuration where nginx has
	// it, so that relative user files resolve the same way.
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

	basic := func(user, password string) string {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
	}
	type req struct {
		target string
		header []string // name, value pairs
		method string   // GET when empty
	}
	reqs := []req{
		{"/deny/f.txt", nil, ""},
		{"/only-local/f.txt", nil, ""},
		{"/not-local/f.txt", nil, ""},
		{"/masked/f.txt", nil, ""},
		{"/v6-rules/f.txt", nil, ""},
		{"/unix/f.txt", nil, ""},
		{"/nested/f.txt", nil, ""},
		{"/nested/own/f.txt", nil, ""},
		{"/nested/inherit/f.txt", nil, ""},
		{"/basic/f.txt", nil, ""},
		{"/basic/off/f.txt", nil, ""},
		{"/basic/var/f.txt?realm=off", nil, ""},
		{"/basic/var/f.txt?realm=shown", nil, ""},
		{"/relative/f.txt", []string{"Authorization", basic("plain", "secret")}, ""},
		{"/relative/f.txt", []string{"Authorization", basic("plain", "wrong")}, ""},
		{"/nofile/f.txt", []string{"Authorization", basic("plain", "secret")}, ""},
		{"/nofile/f.txt", nil, ""},
		{"/realm-only/f.txt", nil, ""},
		{"/any-deny/f.txt", nil, ""},
		{"/any-deny/f.txt", []string{"Authorization", basic("plain", "secret")}, ""},
		{"/any-allow/f.txt", nil, ""},
		{"/any-request/f.txt", []string{"X-Decide", "204"}, ""},
		{"/any-request/f.txt", []string{"X-Decide", "401"}, ""},
		{"/any-request/f.txt", []string{"X-Decide", "403"}, ""},
		{"/all/f.txt", nil, ""},
		{"/all/f.txt", []string{"Authorization", basic("apr1", "password")}, ""},
		{"/return/f.txt", nil, ""},
		{"/request/f.txt", nil, ""},
		{"/request/f.txt", []string{"X-Decide", "401"}, ""},
		{"/request/f.txt", []string{"X-Decide", "403"}, ""},
		{"/request/f.txt", []string{"X-Decide", "404"}, ""},
		{"/request/f.txt", []string{"X-Decide", "302"}, ""},
		{"/request/f.txt", []string{"X-Decide", "500"}, ""},
		{"/request-set/x?a=1", nil, ""},
		{"/request-set/x", []string{"X-Decide", "401"}, ""},
		{"/request-off/f.txt", []string{"X-Decide", "403"}, ""},
		{"/request-file/f.txt", nil, ""},
		{"/request-missing/f.txt", nil, ""},
		// the subrequest's answer is whole: no range filter for it
		{"/request-file/f.txt", []string{"Range", "bytes=100-"}, ""},
		{"/request-method/f.txt", nil, "POST"},
		{"/request-map/f.txt", nil, ""},
		{"/www-first/f.txt", []string{"Authorization", basic("plain", "wrong")}, ""},
		{"/www-first/f.txt", []string{"Authorization", basic("plain", "wrong"), "X-Decide", "403"}, ""},
		{"/www-first/f.txt", nil, ""},
		{"/www-second/f.txt", []string{"Authorization", basic("plain", "wrong")}, ""},
		{"/request-method/f.txt", nil, "HEAD"},
		{"/xar/prot/f.txt", nil, ""},
		{"/xar/prot-basic/f.txt", nil, ""},
		{"/xar/prot-basic/f.txt", []string{"Authorization", basic("sha", "secret")}, ""},
		{"/xar/prot-req/f.txt", nil, ""},
		{"/xar/prot-req/f.txt", []string{"X-Decide", "403"}, ""},
		{"/xar/prot-req/f.txt", []string{"X-Decide", "401"}, ""},
		{"/xar-req/prot-req/f.txt", nil, ""},
		{"/xar-req/prot-req/f.txt", []string{"X-Decide", "403"}, ""},
		{"/xar-req/prot-req/f.txt", nil, "POST"},
		{"/to-denied/f.txt", nil, ""},
		{"/err/missing.txt", nil, ""},
		{"/stale/f.txt", []string{"Authorization", basic("plain", "secret")}, ""},
		{"/stale/f.txt", nil, ""},
		{"/if-named/f.txt", nil, "DELETE"},
		{"/if-named/missing.txt", nil, "DELETE"},
	}
	for _, c := range []struct{ user, password string }{
		{"apr1", "password"}, {"apr1", "Password"}, {"des", "password"}, {"des", "passwor"}, {"des", "password2"}, {"md5", "password"}, {"sha256", "password"}, {"sha512", "secret"},
		{"ssha", "secret"}, {"ssha", "secreT"}, {"sha", "secret"}, {"plain", "secret"}, {"plain", "commented"},
		{"last", "nonewline"}, {"nobody", "x"}, {"users", "x"}, {"#plain", "commented"}, {"plain", ""},
	} {
		reqs = append(reqs, req{"/basic/f.txt", []string{"Authorization", basic(c.user, c.password)}, ""})
	}
	for _, v := range []string{"Basic", "Basic ", "basic " + base64.StdEncoding.EncodeToString([]byte("plain:secret")),
		"Basic    " + base64.StdEncoding.EncodeToString([]byte("plain:secret")), "Basic cGxhaW46c2VjcmV0", "Basic cGxhaW46c2VjcmV0==",
		"Basic !!!", "Basic " + base64.StdEncoding.EncodeToString([]byte("plain")), "Basic " + base64.StdEncoding.EncodeToString([]byte(":secret")),
		"Bearer x", "Digest username=\"plain\"",
		// a password is a C string to nginx's crypt: it ends at a NUL
		"Basic " + base64.StdEncoding.EncodeToString([]byte("plain:secret\x00junk"))} {
		reqs = append(reqs, req{"/basic/f.txt", []string{"Authorization", v}, ""})
	}
	for _, target := range []string{"/lx/f.txt", "/lx-basic/x", "/lx-outer/f.txt", "/lx-outer/inner/f.txt", "/lx-outer/empty/f.txt",
		"/lx-return/f.txt", "/lx-return-allowed/f.txt", "/lx-rewrite/f.txt"} {
		for _, m := range []string{"GET", "HEAD", "POST", "PUT", "DELETE", "PROPFIND", "FOO"} {
			reqs = append(reqs, req{target: target, method: m})
		}
		reqs = append(reqs, req{target, []string{"Authorization", basic("plain", "secret")}, "PUT"})
	}
	for _, rq := range reqs {
		hdr := http.Header{}
		for i := 0; i+1 < len(rq.header); i += 2 {
			hdr.Add(rq.header[i], rq.header[i+1])
		}
		method := rq.method
		if method == "" {
			method = "GET"
		}
		raw := realnginx.RawRequest(method, rq.target, hdr, "")
		want, got := sendBoth(t, ng, emu, raw)
		if problems := diffResponses(want, got); len(problems) > 0 {
			t.Errorf("%s %s %v:\n  %s", method, rq.target, rq.header, strings.Join(problems, "\n  "))
		}
	}
}
