//go:build unix

package proxy

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xaccel/xaccel/internal/realnginx"
)

// bodyCase is an exchange whose request body (or app response body) is cut
// or malformed: what nginx answers, if anything, is compared with serve.
type bodyCase struct {
	name      string
	raw       string
	halfClose bool          // the client shuts its sending side after raw
	quiet     time.Duration // how long a silent server is waited for (default 700 ms)
}

func bodyCases() []bodyCase {
	chunked := "POST /p/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
	return []bodyCase{
		{name: "cut Content-Length body", raw: "POST /p/x HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n0123456789", halfClose: true},
		{name: "cut chunked body", raw: chunked + "a\r\n0123456789\r\n3\r\nab", halfClose: true},
		{name: "chunk size ZZ", raw: chunked + "ZZ\r\nabc\r\n0\r\n\r\n"},
		{name: "chunk size -3", raw: chunked + "-3\r\nabc\r\n0\r\n\r\n"},
		{name: "chunk size 0x3", raw: chunked + "0x3\r\nabc\r\n0\r\n\r\n"},
		{name: "chunk size overflow", raw: chunked + "ffffffffffffffffffff\r\nabc\r\n0\r\n\r\n"},
		{name: "chunk data without CRLF", raw: chunked + "3\r\nabcX\r\n0\r\n\r\n"},
		{name: "trailer swallows a request", raw: chunked + "3\r\nabc\r\n0\r\nGET /f.txt HTTP/1.1\r\nHost: x\r\n\r\n"},
		{name: "trailer then a request", raw: chunked + "3\r\nabc\r\n0\r\nX-T: 1\r\n\r\nGET /f.txt HTTP/1.1\r\nHost: x\r\n\r\n"},
		{name: "static, trailer then a request", raw: "POST /f.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-T: 1\r\n\r\nGET /f.txt HTTP/1.1\r\nHost: x\r\n\r\n"},
		{name: "app cuts its chunked body", raw: "GET /p/cutchunk HTTP/1.1\r\nHost: x\r\n\r\n"},
		{name: "return, broken chunks in what came", raw: "GET /ret/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nSEE-THIS\r\n0\r\n\r\n"},
		{name: "return, chunks then a request", raw: "GET /ret/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nSEE-\r\n0\r\n\r\nGET /f.txt HTTP/1.1\r\nHost: x\r\n\r\n"},
		{name: "return 444", raw: "GET /close/x HTTP/1.1\r\nHost: x\r\n\r\nGET /f.txt HTTP/1.1\r\nHost: x\r\n\r\n"},
		// proxy_read_timeout 1s bounds each read, not the exchange.
		{name: "app never answers", raw: "GET /t/stall HTTP/1.1\r\nHost: x\r\n\r\n", quiet: 3 * time.Second},
		{name: "app body slower than the timeout in all", raw: "GET /t/slowbody HTTP/1.1\r\nHost: x\r\n\r\n", quiet: 3 * time.Second},
		{name: "app body stalls past the timeout", raw: "GET /t/stallbody HTTP/1.1\r\nHost: x\r\n\r\n", quiet: 3 * time.Second},
	}
}

// bodyOutcome is what came back on one connection: the status and body of
// each response, whether the last body ended short, and whether the
// server closed the connection.
type bodyOutcome struct {
	statuses []int
	bodies   []string
	cut      bool
	closed   bool
}

// answered reports whether b holds a whole answer, with a body of known
// length, to each of the requests whose methods are given.
func answered(b []byte, methods []string) bool {
	br := bufio.NewReader(bytes.NewReader(b))
	for _, m := range methods {
		resp, err := http.ReadResponse(br, &http.Request{Method: m})
		if err != nil {
			return false
		}
		if resp.ContentLength < 0 && len(resp.TransferEncoding) == 0 && m != "HEAD" && resp.StatusCode >= 200 && resp.StatusCode != 204 && resp.StatusCode != 304 {
			return false // its body ends when the connection does
		}
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			return false
		}
	}
	return true
}

func bodyExchange(addr string, c bodyCase) (bodyOutcome, error) {
	var out bodyOutcome
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return out, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(conn, c.raw); err != nil {
		return out, err
	}
	if c.halfClose {
		conn.(*net.TCPConn).CloseWrite()
	}
	// Everything the server sends until it closes or stays quiet: quiet
	// for c.quiet while an answer is missing, for a moment once every
	// request has its whole answer (a server that ends the connection
	// then does it at once).
	var all bytes.Buffer
	buf := make([]byte, 4096)
	quiet := c.quiet
	if quiet == 0 {
		quiet = 700 * time.Millisecond
	}
	methods := requestMethods(c.raw)
	for {
		wait := quiet
		if answered(all.Bytes(), methods) {
			wait = min(wait, 300*time.Millisecond)
		}
		conn.SetReadDeadline(time.Now().Add(wait))
		n, err := conn.Read(buf)
		all.Write(buf[:n])
		if err != nil {
			var ne net.Error
			out.closed = !(errors.As(err, &ne) && ne.Timeout())
			break
		}
	}
	br := bufio.NewReader(&all)
	for _, m := range methods {
		if br.Buffered() == 0 {
			if _, err := br.Peek(1); err != nil {
				break
			}
		}
		resp, err := http.ReadResponse(br, &http.Request{Method: m})
		if err != nil {
			return out, err
		}
		body, err := io.ReadAll(resp.Body)
		out.statuses = append(out.statuses, resp.StatusCode)
		out.bodies = append(out.bodies, string(body))
		if err != nil {
			out.cut = true
			break
		}
	}
	return out, nil
}

// TestBodyFramingAgainstNginx: cut and malformed request bodies, chunked
// trailers, and an app's cut chunked body, against real nginx and serve on
// the wire configuration: the same responses (none, when the client went
// away), the app never called with a partial body, and the same end of the
// connection.
func TestBodyFramingAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	backend := scriptBackend(t)
	conf := strings.ReplaceAll(wireConf, "BACKEND", backend)
	ng := realnginx.StartHTTP(t, conf, wireFiles)
	emu, _ := startEmulator(t, conf, ng.Prefix, Options{})
	// Every exchange, with both servers, at once: the test waits for the
	// longest quiet period, not for their sum.
	cases := bodyCases()
	type outcomes struct {
		want, got       bodyOutcome
		wantErr, gotErr error
	}
	results := make([]outcomes, len(cases))
	var wg sync.WaitGroup
	for i, c := range cases {
		wg.Add(2)
		go func() {
			defer wg.Done()
			results[i].want, results[i].wantErr = bodyExchange(ng.Addr, c)
		}()
		go func() {
			defer wg.Done()
			results[i].got, results[i].gotErr = bodyExchange(emu, c)
		}()
	}
	wg.Wait()
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want, got := results[i].want, results[i].got
			if err := results[i].wantErr; err != nil {
				t.Fatalf("nginx: %v", err)
			}
			if err := results[i].gotErr; err != nil {
				t.Fatalf("serve: %v", err)
			}
			if os.Getenv("XACCEL_DUMP") != "" {
				t.Logf("nginx %v cut=%v closed=%v; serve %v cut=%v closed=%v", want.statuses, want.cut, want.closed, got.statuses, got.cut, got.closed)
			}
			if fmt.Sprint(want.statuses) != fmt.Sprint(got.statuses) {
				t.Errorf("statuses: nginx %v, serve %v (serve bodies %q)", want.statuses, got.statuses, got.bodies)
			}
			for i := range min(len(want.bodies), len(got.bodies)) {
				if strings.HasPrefix(got.bodies[i], "app ") != strings.HasPrefix(want.bodies[i], "app ") {
					t.Errorf("response %d: the app answered: nginx %q, serve %q", i+1, clip([]byte(want.bodies[i])), clip([]byte(got.bodies[i])))
				}
			}
			if want.cut != got.cut || want.closed != got.closed {
				t.Errorf("cut body / closed: nginx %v/%v, serve %v/%v", want.cut, want.closed, got.cut, got.closed)
			}
		})
	}
}

// TestLargeBodyAgainstNginx sends a body larger than the 64 MB serve used
// to cap bodies at through `client_max_body_size 0` (no limit) to real
// nginx and to serve: the app gets every byte in both cases, and serve
// keeps no temporary file behind.
func TestLargeBodyAgainstNginx(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 70 MB twice")
	}
	realnginx.Require(t)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	backend := scriptBackend(t)
	conf := strings.ReplaceAll(wireConf, "BACKEND", backend)
	ng := realnginx.StartHTTP(t, conf, wireFiles)
	emu, _ := startEmulator(t, conf, ng.Prefix, Options{})
	const size = 70 << 20
	body := bytes.Repeat([]byte("0123456789abcdef"), size/16)
	sum := sha256.Sum256(body)
	want := fmt.Sprintf("len=%d sha=%x", size, sum)
	for name, addr := range map[string]string{"nginx": ng.Addr, "serve": emu} {
		req, _ := http.NewRequest("POST", "http://"+addr+"/unlimited/sum", bytes.NewReader(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(got) != want {
			t.Errorf("%s: %d %q, want 200 %q", name, resp.StatusCode, got, want)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(tmp, "xaccel-body-*")); len(left) > 0 {
		t.Errorf("serve left temporary files: %v", left)
	}
}

// TestRequestBodyVariables: $request_body holds a body kept in memory
// (within client_body_buffer_size) and is empty for one in a file, where
// $request_body_file names the file; client_body_in_file_only sends every
// body to a file. The file's name differs between the two servers, so only
// whether there is one is compared.
func TestRequestBodyVariables(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	app := accessApp(t)
	conf := `
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    client_body_buffer_size 2k;
    location / {
        add_header X-Body "$request_body";
        add_header X-Has-File "${request_body_file}x";
        proxy_pass http://` + app + `;
    }
    location /file/ {
        client_body_in_file_only clean;
        add_header X-Body "$request_body";
        add_header X-Has-File "${request_body_file}x";
        proxy_pass http://` + app + `;
    }
}
`
	ng := realnginx.StartHTTP(t, conf, nil)
	emu, _ := startEmulator(t, conf, ng.Prefix, Options{})
	for _, c := range []struct {
		target string
		size   int
	}{{"/x", 10}, {"/x", 1280}, {"/x", 2048}, {"/x", 2049}, {"/x", 5120}, {"/file/x", 10}, {"/x", 0}} {
		body := strings.Repeat("0123456789", c.size/10+1)[:c.size]
		raw := realnginx.RawRequest("POST", c.target, http.Header{"Content-Length": {fmt.Sprint(c.size)}}, body)
		want, got := sendBoth(t, ng, emu, raw)
		fileOf := func(r *realnginx.Response) bool { return r.Header.Get("X-Has-File") != "x" }
		if fileOf(want) != fileOf(got) {
			t.Errorf("POST %s with %d bytes: $request_body_file set by nginx %v, by serve %v", c.target, c.size, fileOf(want), fileOf(got))
		}
		if problems := diffResponses(want, got, "X-Has-File"); len(problems) > 0 {
			t.Errorf("POST %s with %d bytes:\n  %s", c.target, c.size, strings.Join(problems, "\n  "))
		}
	}
}

// TestBodyFileKeptAgainstNginx: with client_body_in_file_only on, the
// body's file ($request_body_file) is still there after the request, in
// nginx and in serve; with clean it is gone.
func TestBodyFileKeptAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	app := accessApp(t)
	conf := `
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    location /on/ { client_body_in_file_only on; add_header X-File $request_body_file; proxy_pass http://` + app + `; }
    location /clean/ { client_body_in_file_only clean; add_header X-File $request_body_file; proxy_pass http://` + app + `; }
}
`
	ng := realnginx.StartHTTP(t, conf, nil)
	emu, _ := startEmulator(t, conf, ng.Prefix, Options{})
	for _, target := range []string{"/on/x", "/clean/x"} {
		raw := realnginx.RawRequest("POST", target, http.Header{"Content-Length": {"5"}}, "hello")
		want, got := sendBoth(t, ng, emu, raw)
		for _, r := range []struct {
			name string
			resp *realnginx.Response
		}{{"nginx", want}, {"serve", got}} {
			path := r.resp.Header.Get("X-File")
			if path == "" {
				t.Fatalf("%s POST %s: no $request_body_file", r.name, target)
			}
			b, err := os.ReadFile(path)
			kept := err == nil
			// A file removed when the request ends may outlive the last
			// byte of the answer by a moment.
			for i := 0; kept && target != "/on/x" && i < 20; i++ {
				time.Sleep(25 * time.Millisecond)
				_, err := os.Stat(path)
				kept = err == nil
			}
			if kept != (target == "/on/x") {
				t.Errorf("%s POST %s: the body's file %s is there after the request: %v", r.name, target, path, kept)
			}
			if kept {
				if string(b) != "hello" {
					t.Errorf("%s: the kept file holds %q", r.name, b)
				}
				os.Remove(path)
			}
		}
	}
}

// TestMaxBodyOnInternalRedirectAgainstNginx: client_max_body_size is
// checked against the client's Content-Length at every location search,
// an error_page's and an X-Accel-Redirect's included: nginx answers 413
// where the location the request is sent to allows less than the body.
func TestMaxBodyOnInternalRedirectAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	app := scriptBackend(t)
	conf := `
server {
    listen 127.0.0.1:{{PORT}};
    server_tokens off;
    root {{PREFIX}}/www;
    client_max_body_size 1m;
    location /prot/ { internal; client_max_body_size 10; }
    location /small/ { internal; client_max_body_size 10; }
    location /wide/ { internal; }
    location /e/ { error_page 404 = /small/page.txt; }
    location /e2/ { error_page 404 = /wide/page.txt; }
    location /p/ { proxy_pass http://` + app + `; }
}
`
	files := map[string]string{"www/prot/a.txt": "a\n", "www/small/page.txt": "page\n", "www/wide/page.txt": "wide\n"}
	ng := realnginx.StartHTTP(t, conf, files)
	emu, _ := startEmulator(t, conf, ng.Prefix, Options{})
	body := strings.Repeat("x", 22)
	for _, target := range []string{"/e/missing", "/e2/missing", "/p/x?" + query("h", "X-Accel-Redirect: /prot/a.txt"), "/p/x?" + query("h", "X-Accel-Redirect: /wide/page.txt")} {
		for _, b := range []string{body, "short"} {
			raw := realnginx.RawRequest("POST", target, http.Header{"Content-Type": {"text/plain"}}, b)
			want, got := sendBoth(t, ng, emu, raw)
			if problems := diffResponses(want, got); len(problems) > 0 {
				t.Errorf("POST %s (%d bytes):\n  %s", target, len(b), strings.Join(problems, "\n  "))
			}
		}
	}
}
