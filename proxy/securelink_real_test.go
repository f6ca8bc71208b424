//go:build unix

package proxy

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xaccel/xaccel/internal/realnginx"
)

const secureLinkConf = `
server {
    listen 127.0.0.1:{{PORT}};
    server_name localhost;
    root {{PREFIX}}/www;
    location /s/ {
        secure_link $arg_md5,$arg_expires;
        secure_link_md5 "$secure_link_expires$uri secret";
        if ($secure_link = "") { return 403; }
        if ($secure_link = "0") { return 410; }
    }
    location /n/ {
        secure_link $arg_md5;
        secure_link_md5 "$uri secret";
        if ($secure_link = "") { return 403; }
    }
    location /v/ {
        secure_link $arg_md5,$arg_expires;
        secure_link_md5 "$arg_expires$uri secret";
        return 200 "sl=$secure_link sle=$secure_link_expires\n";
    }
    location /p/ {
        secure_link_secret sEcReT;
        if ($secure_link = "") { return 403; }
        rewrite ^ /files/$secure_link break;
    }
    location /files/ { internal; }
}
`

// TestSecureLinkAgainstNginx compares signed links under secure_link and
// secure_link_md5 (a hash with and without an expiry, expired, wrong,
// missing, padded, an expiry that is not a number), the variables as a
// `return` reads them, and secure_link_secret's /prefix/<md5>/link form,
// between real nginx and serve.
func TestSecureLinkAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	files := map[string]string{"www/s/a.txt": "s\n", "www/n/a.txt": "n\n", "www/files/a.txt": "protected\n"}
	ng := realnginx.StartHTTP(t, secureLinkConf, files)
	emu, _ := startEmulator(t, secureLinkConf, ng.Prefix, Options{})
	sign := func(s string) string {
		sum := md5.Sum([]byte(s))
		return base64.RawURLEncoding.EncodeToString(sum[:])
	}
	future := strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10)
	past := strconv.FormatInt(time.Now().Add(-time.Hour).Unix(), 10)
	old := md5.Sum([]byte("a.txt" + "sEcReT"))
	targets := []string{
		"/s/a.txt?md5=" + sign(future+"/s/a.txt secret") + "&expires=" + future,
		"/s/a.txt?md5=" + sign(past+"/s/a.txt secret") + "&expires=" + past,
		"/s/a.txt?md5=" + sign(future+"/s/b.txt secret") + "&expires=" + future,
		"/s/a.txt?md5=" + sign(future+"/s/a.txt secret") + "==&expires=" + future,
		"/s/a.txt?md5=" + sign("x/s/a.txt secret") + "&expires=x",
		"/s/a.txt?expires=" + future,
		"/s/a.txt",
		"/n/a.txt?md5=" + sign("/n/a.txt secret"),
		"/n/a.txt?md5=" + sign("/n/a.txt secret") + "&expires=" + past,
		"/n/a.txt?md5=!!",
		"/v/x?md5=" + sign(future+"/v/x secret") + "&expires=" + future,
		"/v/x?md5=" + sign(past+"/v/x secret") + "&expires=" + past,
		"/v/x?md5=" + sign("/v/x secret"),
		"/v/x?md5=bad&expires=" + future,
		"/p/" + hex.EncodeToString(old[:]) + "/a.txt",
		"/p/" + strings.ToUpper(hex.EncodeToString(old[:])) + "/a.txt",
		"/p/" + hex.EncodeToString(old[:]) + "/b.txt",
		"/p/short/a.txt",
	}
	for _, target := range targets {
		want, got := sendBoth(t, ng, emu, realnginx.RawRequest("GET", target, nil, ""))
		w := fmt.Sprintf("%d %q", want.Status, want.Body)
		g := fmt.Sprintf("%d %q", got.Status, got.Body)
		if w != g {
			t.Errorf("GET %s: nginx %s, serve %s", target, w, g)
		}
	}
	if want, _ := sendBoth(t, ng, emu, realnginx.RawRequest("GET", targets[0], nil, "")); want.Status != 200 {
		t.Errorf("nginx refused a signed link (%d): the test checks less than it says", want.Status)
	}
}
