//go:build unix

package proxy

import (
	"bufio"
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xaccel/xaccel/internal/realnginx"
	"github.com/xaccel/xaccel/nginx"
)

// This file holds what the differential tests against real nginx share: a
// scripted app (scriptBackend), the emulator started on the same config
// and file tree (startEmulator), raw requests with a body (rawRequest) and
// the comparison of two responses (diffResponses).

// scriptBackend starts an app on 127.0.0.1 that answers every request with
// what the request's query asks for, written byte for byte, so that one
// backend covers every header an upstream can send:
//
//   - s=CODE: the status (default 200);
//   - h=LINE (repeatable, in order): a raw header line, "Name: value"
//     exactly as it goes on the wire (spaces and tabs included);
//   - b=TEXT: the body (default: an echo of the request, see below);
//   - nocl=1: no Content-Length, the body ends with the connection.
//
// When the request has an X-Hop header (set by proxy_set_header in the
// config), the parameters read are X-Hop's value + "s", + "h", + "b"
// instead, so that a second proxying of the same request (a named
// location, or an X-Accel-Redirect target that proxies again) can be told
// to answer differently. A path starting with /selfloop/ always answers
// 200 with X-Accel-Redirect: /loop/again, a Set-Cookie and a Cache-Control
// (a redirect loop through the config's /loop/ location).
//
// A path ending in /sum answers "len=N sha=HEX" of the request body it
// read; one ending in /cutchunk answers 200 with a chunked body cut short
// (a chunk of 100 bytes announced, 50 sent, the connection closed); /stall
// never answers (2.5 s, then the connection closes); /slowbody sends a
// 50-byte body in 5 pieces 400 ms apart; /stallbody sends 10 of its 50
// bytes and then nothing for 2.5 s.
//
// The default body is "app METHOD TARGET host=HOST hop=HOP len=LEN
// ct=CONTENT-TYPE body=BODY", what nginx (or the emulator) sent.
// Values are percent-decoded leniently (a bad escape is kept as is).
func scriptBackend(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	serveScriptOn(t, ln)
	return ln.Addr().String()
}

// serveScriptOn answers the connections of ln as scriptBackend does, until
// the test ends.
func serveScriptOn(t *testing.T, ln net.Listener) {
	done := make(chan struct{})
	t.Cleanup(func() {
		close(done)
		ln.Close()
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				select {
				case <-done:
				default:
				}
				return
			}
			go serveScript(c)
		}
	}()
}

func serveScript(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	tp := textproto.NewReader(br)
	line, err := tp.ReadLine()
	if err != nil {
		return
	}
	parts := strings.SplitN(line, " ", 3)
	if len(parts) != 3 {
		return
	}
	method, target := parts[0], parts[1]
	hdr, err := tp.ReadMIMEHeader()
	if err != nil {
		return
	}
	hop := hdr.Get("X-Hop")
	path, query, _ := strings.Cut(target, "?")
	var body []byte
	if cl := hdr.Get("Content-Length"); cl != "" {
		n, _ := strconv.ParseInt(cl, 10, 64)
		if strings.HasSuffix(path, "/sum") {
			// The body's length and SHA-256 only, however large.
			h := sha256.New()
			got, _ := io.CopyN(h, br, n)
			text := fmt.Sprintf("len=%d sha=%x", got, h.Sum(nil))
			fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(text), text)
			return
		}
		// A body announced and not sent (nginx's auth_request
		// subrequest, proxy_pass_request_body off) is waited for two
		// seconds, then the app answers with what came: the same answer
		// behind both servers, and before the client gives up.
		c.SetReadDeadline(time.Now().Add(2 * time.Second))
		body = make([]byte, n)
		got, _ := io.ReadFull(br, body)
		body = body[:got]
		c.SetReadDeadline(time.Now().Add(8 * time.Second))
	}
	switch {
	case strings.HasSuffix(path, "/stall"):
		time.Sleep(2500 * time.Millisecond) // no answer at all
		return
	case strings.HasSuffix(path, "/slowbody"), strings.HasSuffix(path, "/stallbody"):
		// 50 bytes announced: 5 pieces 400 ms apart, or 10 bytes and
		// then nothing for 2.5 s.
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 50\r\nConnection: close\r\n\r\n")
		for i := 0; i < 5; i++ {
			io.WriteString(c, "0123456789")
			if strings.HasSuffix(path, "/stallbody") {
				time.Sleep(2500 * time.Millisecond)
				return
			}
			time.Sleep(400 * time.Millisecond)
		}
		return
	}
	if strings.HasSuffix(path, "/cutchunk") {
		// A chunked body that announces 100 bytes, sends 50 and ends.
		io.WriteString(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n64\r\n"+strings.Repeat("x", 50))
		return
	}
	params := map[string][]string{}
	for _, kv := range strings.Split(query, "&") {
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		params[lenientUnescape(k)] = append(params[lenientUnescape(k)], lenientUnescape(v))
	}
	status := 200
	var lines []string
	text := fmt.Sprintf("app %s %s host=%s hop=%s len=%s ct=%s body=%s", method, target, hdr.Get("Host"), hop,
		hdr.Get("Content-Length"), hdr.Get("Content-Type"), body)
	if strings.HasPrefix(path, "/selfloop/") {
		lines = []string{"X-Accel-Redirect: /loop/again", "Set-Cookie: loop=1", "Cache-Control: no-store"}
	} else {
		if s, ok := params[hop+"s"]; ok {
			status, _ = strconv.Atoi(s[0])
		}
		lines = params[hop+"h"]
		if b, ok := params[hop+"b"]; ok {
			text = b[0]
		}
	}
	var out strings.Builder
	fmt.Fprintf(&out, "HTTP/1.1 %d Scripted\r\n", status)
	for _, l := range lines {
		out.WriteString(l + "\r\n")
	}
	noBody := method == "HEAD" || status == 204 || status == 304 || status < 200
	if params["nocl"] == nil && status != 204 && status != 304 {
		fmt.Fprintf(&out, "Content-Length: %d\r\n", len(text))
	}
	out.WriteString("Connection: close\r\n\r\n")
	if !noBody {
		out.WriteString(text)
	}
	io.WriteString(c, out.String())
}

// lenientUnescape decodes %XX; anything else is kept.
func lenientUnescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				b.WriteByte(byte(v))
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// pct percent-encodes every byte but the unreserved ones, so that a value
// reaches the backend's query byte for byte through nginx and the emulator.
func pct(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// query builds "k=v&k=v" from name/value pairs, the values encoded by pct.
func query(kv ...string) string {
	var parts []string
	for i := 0; i+1 < len(kv); i += 2 {
		parts = append(parts, kv[i]+"="+pct(kv[i+1]))
	}
	return strings.Join(parts, "&")
}

// startEmulator loads the http{} body conf (as realnginx.StartHTTP got it)
// with {{PREFIX}} replaced by prefix, and serves the default server on a
// 127.0.0.1 port. It returns the address and New's warnings.
func startEmulator(t *testing.T, conf, prefix string, o Options) (string, []Warning) {
	t.Helper()
	src := strings.NewReplacer("{{PORT}}", "0", "{{PREFIX}}", prefix).Replace(conf)
	cfg := nginx.LoadBytes("emulated.conf", []byte(src), nginx.LoadOptions{Prefix: prefix})
	if len(cfg.Errors) > 0 {
		t.Fatalf("config: %v", cfg.Errors[0])
	}
	if o.ConfPrefix == "" {
		o.ConfPrefix = prefix // nginx's -p: relative roots and the default one
	}
	h, warns, err := New(cfg, o)
	if err != nil {
		t.Fatal(err)
	}
	return serveHandler(t, h), warns
}

// serveHandler serves h with a Server, as `xaccel serve` does, on a
// 127.0.0.1 port until the test ends, and returns the address.
func serveHandler(t testing.TB, h *Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(h)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// notCompared are the response headers that legitimately differ between
// nginx and the emulator: the date, and how the body is framed.
var notCompared = map[string]bool{"Date": true}

var (
	boundaryRe = regexp.MustCompile(`\b\d{20}\b`)
	hostPortRe = regexp.MustCompile(`http://localhost:\d+`)
)

// normalize replaces what differs by construction between the two servers:
// the multipart boundary counter and the port in absolute redirects to
// localhost.
func normalize(s string) string {
	s = boundaryRe.ReplaceAllString(s, "BOUNDARY")
	return hostPortRe.ReplaceAllString(s, "http://localhost:PORT")
}

// diffResponses lists how got (the emulator) differs from want (nginx):
// status, body, and every header but those in notCompared and skip, all
// lines in order. Content-Length is compared when both have one; Expires
// values that are dates may differ by up to 5 s.
func diffResponses(want, got *realnginx.Response, skip ...string) []string {
	var problems []string
	if want.Status != got.Status {
		problems = append(problems, fmt.Sprintf("status nginx %d, emulator %d", want.Status, got.Status))
	}
	if w, g := normalize(string(want.Body)), normalize(string(got.Body)); w != g {
		problems = append(problems, fmt.Sprintf("body nginx %q, emulator %q", clip([]byte(w)), clip([]byte(g))))
	}
	skipped := map[string]bool{}
	for _, k := range skip {
		skipped[http.CanonicalHeaderKey(k)] = true
	}
	keys := map[string]bool{}
	for k := range want.Header {
		keys[k] = true
	}
	for k := range got.Header {
		keys[k] = true
	}
	var names []string
	for k := range keys {
		if !notCompared[k] && !skipped[k] {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	for _, k := range names {
		w, g := want.Header.Values(k), got.Header.Values(k)
		if k == "Content-Length" && (len(w) == 0 || len(g) == 0) {
			continue
		}
		if k == "Expires" && len(w) == 1 && len(g) == 1 {
			tw, err1 := http.ParseTime(w[0])
			tg, err2 := http.ParseTime(g[0])
			if err1 == nil && err2 == nil && tw.Sub(tg) < 5*time.Second && tg.Sub(tw) < 5*time.Second {
				continue
			}
		}
		ws, gs := normalize(strings.Join(w, " | ")), normalize(strings.Join(g, " | "))
		if ws != gs || len(w) != len(g) {
			problems = append(problems, fmt.Sprintf("%s nginx %q, emulator %q", k, ws, gs))
		}
	}
	return problems
}

// sendBoth sends raw to nginx and to the emulator.
func sendBoth(t *testing.T, ng *realnginx.Instance, emu string, raw []byte) (want, got *realnginx.Response) {
	t.Helper()
	want, err := ng.DoRaw(raw)
	if err != nil {
		t.Fatalf("nginx %q: %v", firstLine(raw), err)
	}
	got, err = realnginx.SendRaw(emu, raw)
	if err != nil {
		t.Fatalf("emulator %q: %v", firstLine(raw), err)
	}
	return want, got
}

// getsAgree sends GET for each target to nginx and to serve and reports
// every difference between their answers.
func getsAgree(t *testing.T, ng *realnginx.Instance, emu string, targets ...string) {
	t.Helper()
	for _, target := range targets {
		want, got := sendBoth(t, ng, emu, realnginx.RawRequest("GET", target, nil, ""))
		if problems := diffResponses(want, got); len(problems) > 0 {
			t.Errorf("GET %s:\n  %s", target, strings.Join(problems, "\n  "))
		}
	}
}

func firstLine(raw []byte) string {
	s, _, _ := strings.Cut(string(raw), "\r\n")
	return s
}

// logsAgree sends each raw request on a connection of its own to nginx and
// to serve, waits until nginx's logs/nginx.log has lines lines, stops
// nginx, and reports each line where serve's logs/serve.log differs. It
// returns nginx's log.
func logsAgree(t *testing.T, ng *realnginx.Instance, emu string, requests []string, lines int) string {
	t.Helper()
	// Each request's line is waited for before the next request is sent:
	// a request whose connection ends in a lingering close is logged when
	// the client has closed too, and the next one, on a new connection,
	// could be logged first.
	logged := func(path string) int {
		b, _ := os.ReadFile(path)
		return strings.Count(string(b), "\n")
	}
	for _, raw := range requests {
		for _, side := range []struct{ name, addr, log string }{
			{"nginx", ng.Addr, ng.Path("logs/nginx.log")}, {"serve", emu, ng.Path("logs/serve.log")},
		} {
			n := logged(side.log)
			if _, err := rawExchange(side.addr, raw); err != nil {
				t.Fatalf("%s %q: %v", side.name, raw, err)
			}
			waitLogLines(t, side.log, n+1)
		}
	}
	waitLogLines(t, ng.Path("logs/nginx.log"), lines)
	ng.Stop()
	want, err := os.ReadFile(ng.Path("logs/nginx.log"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(ng.Path("logs/serve.log"))
	if err != nil {
		t.Fatal(err)
	}
	wl, gl := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	if len(wl) != len(gl) {
		t.Fatalf("nginx logged %d lines, serve %d:\nnginx:\n%s\nserve:\n%s", len(wl), len(gl), want, got)
	}
	for i := range wl {
		if wl[i] != gl[i] {
			t.Errorf("line %d:\nnginx: %s\nserve: %s", i+1, wl[i], gl[i])
		}
	}
	return string(want)
}

// waitLogLines waits (5 s at most) until the access log at path has n
// lines: after a request with a body nginx closes its side of the
// connection first (lingering close) and logs the request when the client
// has closed too, so the client is done before the line is written.
func waitLogLines(t *testing.T, path string, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if b, err := os.ReadFile(path); err == nil && strings.Count(string(b), "\n") >= n {
			return
		}
	}
	b, _ := os.ReadFile(path)
	t.Fatalf("%s has not got %d lines after 5 s:\n%s", path, n, b)
}
