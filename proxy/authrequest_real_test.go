//go:build unix

package proxy

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xaccel/xaccel/internal/realnginx"
)

// TestAuthRequestProxiedAgainstNginx compares what an app behind the
// auth_request location gets from nginx and from serve when the client's
// request has a body: nginx gives the subrequest an empty body but its
// proxy_pass still announces the request's length (the reason the
// documentation's example sets proxy_pass_request_body off and an empty
// Content-Length), so an app that waits for that body waits until it gives
// up, and the request is refused. serve announced no length, and such an
// app let the request in.
func TestAuthRequestProxiedAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	script := scriptBackend(t)
	conf := func(app string) string {
		return `
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    location /p/ { auth_request /auth; proxy_pass http://` + app + `; }
    location /doc/ { auth_request /auth-doc; proxy_pass http://` + app + `; }
    location /xa/ { proxy_pass http://` + script + `; }
    location = /auth { internal; proxy_pass http://` + app + `; proxy_set_header X-Sub "auth $request_uri"; }
    location = /auth-doc {
        internal;
        proxy_pass http://` + app + `;
        proxy_pass_request_body off;
        proxy_set_header Content-Length "";
        proxy_set_header X-Sub "doc $request_uri";
    }
}
`
	}
	type side struct {
		addr, app string
		got       chan string
	}
	ngGot, emuGot := make(chan string, 64), make(chan string, 64)
	ngApp, emuApp := recordApp(t, ngGot, false), recordApp(t, emuGot, false)
	ng := realnginx.StartHTTP(t, conf(ngApp), nil)
	emu, _ := startEmulator(t, conf(emuApp), ng.Prefix, Options{})
	sides := []side{{ng.Addr, ngApp, ngGot}, {emu, emuApp, emuGot}}

	// Each case's path names it (cN): the app's records, the subrequest's
	// ($request_uri in X-Sub) and the request's, are told apart by it.
	xar := func(to string) string { return "?" + query("h", "X-Accel-Redirect: "+to) }
	cases := []string{
		"POST /p/c0 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\nb=1",
		"POST /p/c1 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nb=1\r\n0\r\n\r\n",
		"POST /p/c2 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
		"GET /p/c3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
		"POST /doc/c4 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\nb=1",
		// after the body was read for an app that answers X-Accel-Redirect
		"POST /xa/c5" + xar("/p/c5") + " HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\nb=1",
		"POST /xa/c6" + xar("/p/c6") + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nb=1\r\n0\r\n\r\n",
	}
	caseOf := regexp.MustCompile(`/(c\d+)`)
	type outcome struct {
		answer  string
		records map[string][]string // by case
	}
	results := make([]outcome, len(sides))
	var wg sync.WaitGroup
	for i, s := range sides {
		results[i].records = map[string][]string{}
		answers := make([]string, len(cases))
		var sent sync.WaitGroup
		for j, raw := range cases {
			sent.Add(1)
			go func() {
				defer sent.Done()
				r, err := realnginx.SendRaw(s.addr, []byte(raw))
				if err != nil {
					answers[j] = "error: " + err.Error()
					return
				}
				answers[j] = fmt.Sprintf("%d %q", r.Status, r.Body)
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			// two records a case: the subrequest's and the request's
			for n, deadline := 0, time.After(10*time.Second); n < 2*len(cases); n++ {
				select {
				case r := <-s.got:
					m := caseOf.FindStringSubmatch(r)
					key := "?"
					if m != nil {
						key = m[1]
					}
					results[i].records[key] = append(results[i].records[key], strings.ReplaceAll(r, s.app, "APP"))
				case <-deadline:
					n = 2 * len(cases)
				}
			}
			sent.Wait()
			results[i].answer = strings.Join(answers, "\n")
		}()
	}
	wg.Wait()
	want, got := results[0], results[1]
	if want.answer != got.answer {
		t.Errorf("answers:\nnginx:\n%s\nserve:\n%s", want.answer, got.answer)
	}
	for j, raw := range cases {
		first, _, _ := strings.Cut(raw, "\r\n")
		key := fmt.Sprintf("c%d", j)
		w, g := want.records[key], got.records[key]
		// the order in which the two reached the app is not compared
		if len(w) == 2 && !strings.HasPrefix(w[0], "GET /auth") {
			w[0], w[1] = w[1], w[0]
		}
		if len(g) == 2 && !strings.HasPrefix(g[0], "GET /auth") {
			g[0], g[1] = g[1], g[0]
		}
		if len(w) != 2 {
			t.Errorf("%s: the app got %d requests from nginx, not the subrequest and the request", first, len(w))
		}
		if strings.Join(w, "\n--\n") != strings.Join(g, "\n--\n") {
			t.Errorf("%s: the app got from nginx:\n%s\nfrom serve:\n%s", first, strings.Join(w, "\n--\n"), strings.Join(g, "\n--\n"))
		}
	}
}

// TestAuthRequestCloseAgainstNginx: a subrequest that ends with 444 (here
// through the server's error_page, whose target the server's if answers
// with 444) closes the request's connection without an answer, as nginx
// terminates the request; serve answered 500 ("unexpected status").
func TestAuthRequestCloseAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	conf := `
server {
    listen 127.0.0.1:{{PORT}};
    root {{PREFIX}}/www;
    if ($uri ~ \.txt$) { return 444; }
    error_page 401 403 = /err/page.txt;
    location = /app/x { auth_request /authz; }
    location = /authz { internal; if ($http_x_a = who) { return 401; } if ($http_x_a = close) { return 444; } return 204; }
}
`
	ng := realnginx.StartHTTP(t, conf, map[string]string{"www/app/x": "x\n"})
	emu, _ := startEmulator(t, conf, ng.Prefix, Options{})
	for _, a := range []string{"who", "close", "yes"} {
		for _, m := range []string{"GET", "HEAD"} {
			raw := realnginx.RawRequest(m, "/app/x", http.Header{"X-A": {a}}, "")
			show := func(r *realnginx.Response, err error) string {
				if err != nil {
					return "no answer"
				}
				return fmt.Sprintf("%d %q", r.Status, r.Body)
			}
			want, got := show(ng.DoRaw(raw)), show(realnginx.SendRaw(emu, raw))
			if want != got {
				t.Errorf("%s /app/x (X-A: %s): nginx %s, serve %s", m, a, want, got)
			}
			if a != "yes" && want != "no answer" {
				t.Errorf("%s /app/x (X-A: %s): nginx answered %s; the test expects no answer", m, a, want)
			}
		}
	}
}
