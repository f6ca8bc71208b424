//go:build unix

package proxy

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xaccel/xaccel/internal/realnginx"
)

// This file holds a seeded random differential test of serve against
// nginx for PHP and Django deployments (its generator is in
// random_fcgi_gen_test.go): from each seed it generates a server shaped
// like a real PHP site's (Laravel, WordPress, Drupal, Nextcloud, Symfony,
// Debian's default snippet), with a front controller, a PHP location with
// or without fastcgi_split_path_info and a guard that the script exists,
// an uploads directory kept from running scripts, a blog under alias, a
// path-only front controller and a Django app behind uwsgi_pass, and
// sends requests that probe them (path info, uploads, encoded characters,
// trailing dots and slashes, missing scripts, a directory named x.php,
// symlinks) to nginx and to serve, both in front of the same scripted
// apps. The apps answer with every parameter they got and the body, so
// that what each server sent is compared byte for byte, and, when the
// query asks, with a status, headers, X-Accel-Redirect or an error.
//
// XACCEL_FCGI_SEEDS=N runs seeds 1..N (default 10); XACCEL_FCGI_SEED=K
// runs seed K alone, and with XACCEL_FCGI_SEEDS=N the seeds K..K+N-1.

// fcgiRandCommands reads the app's commands from the request's query
// string: QUERY_STRING when nginx sent one, else what follows '?' in
// REQUEST_URI. s=CODE is a status; h=LINE (repeatable) a raw header line;
// b=TEXT a body instead of the listing; e=close closes the connection
// without an answer, e=empty answers nothing but the end of the request,
// e=stderr writes to STDERR before the answer.
func fcgiRandCommands(params [][2]string) map[string][]string {
	q, haveQ := "", false
	for _, p := range params {
		if p[0] == "QUERY_STRING" {
			q, haveQ = p[1], true
		}
	}
	if !haveQ {
		for _, p := range params {
			if p[0] == "REQUEST_URI" {
				_, q, _ = strings.Cut(p[1], "?")
			}
		}
	}
	cmds := map[string][]string{}
	for _, kv := range strings.Split(q, "&") {
		k, v, _ := strings.Cut(kv, "=")
		if k != "" {
			cmds[lenientUnescape(k)] = append(cmds[lenientUnescape(k)], lenientUnescape(v))
		}
	}
	return cmds
}

// fcgiRandListing is the app's default body: its name, every parameter it
// got, sorted by name (those of one name in the order sent), and the body.
// A port is written PORT: each server has its own.
func fcgiRandListing(app string, params [][2]string, stdin []byte) string {
	sorted := append([][2]string(nil), params...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i][0] < sorted[j][0] })
	var b strings.Builder
	b.WriteString(app + " app\n")
	for _, p := range sorted {
		v := p[1]
		if (p[0] == "SERVER_PORT" || p[0] == "REMOTE_PORT") && v != "" && strings.Trim(v, "0123456789") == "" {
			v = "PORT"
		}
		if strconv.Quote(v) != `"`+v+`"` {
			v = strconv.Quote(v)
		}
		fmt.Fprintf(&b, "%s=%s\n", p[0], v)
	}
	if len(stdin) > 200 {
		fmt.Fprintf(&b, "stdin=%d bytes, sha256 %x\n", len(stdin), sha256.Sum256(stdin))
	} else {
		fmt.Fprintf(&b, "stdin=%q\n", stdin)
	}
	return b.String()
}

// fcgiRandHead is the app's header lines: X-Served-By, which marks an
// answer of the app, the status, the lines asked for, a Content-Type.
func fcgiRandHead(app string, cmds map[string][]string) []string {
	lines := []string{"X-Served-By: " + app + "-app"}
	lines = append(lines, cmds["h"]...)
	lines = append(lines, "Content-Type: text/plain")
	return lines
}

// serveFCGIRand is the scripted FastCGI app: it reads one request (to its
// empty STDIN record) and answers as fcgiRandCommands says.
func serveFCGIRand(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	var rawParams, stdin []byte
	for {
		var h [8]byte
		if _, err := io.ReadFull(br, h[:]); err != nil {
			return
		}
		n, pad := int(h[4])<<8|int(h[5]), int(h[6])
		data := make([]byte, n+pad)
		if _, err := io.ReadFull(br, data); err != nil {
			return
		}
		switch h[1] {
		case 4:
			rawParams = append(rawParams, data[:n]...)
		case 5:
			stdin = append(stdin, data[:n]...)
		}
		if h[1] == 5 && n == 0 {
			break
		}
	}
	var params [][2]string
	for len(rawParams) > 0 {
		size := func() int {
			if rawParams[0] < 128 {
				v := int(rawParams[0])
				rawParams = rawParams[1:]
				return v
			}
			v := int(binary.BigEndian.Uint32(rawParams[:4]) & 0x7fffffff)
			rawParams = rawParams[4:]
			return v
		}
		kl := size()
		vl := size()
		params = append(params, [2]string{string(rawParams[:kl]), string(rawParams[kl : kl+vl])})
		rawParams = rawParams[kl+vl:]
	}
	cmds := fcgiRandCommands(params)
	var out strings.Builder
	switch e := strings.Join(cmds["e"], ""); e {
	case "close":
		return
	case "empty":
		c.Write([]byte(fcgiRecord(3, endRequest)))
		return
	case "stderr":
		out.WriteString(fcgiRecord(7, "PHP message: scripted error"))
	}
	head := fcgiRandHead("fcgi", cmds)
	if s := cmds["s"]; len(s) > 0 {
		head = append([]string{"Status: " + s[0]}, head...)
	}
	body := fcgiRandListing("fcgi", params, stdin)
	if b := cmds["b"]; len(b) > 0 {
		body = b[0]
	}
	resp := strings.Join(head, "\r\n") + "\r\n\r\n" + body
	for len(resp) > 0 {
		n := min(len(resp), 32768)
		out.WriteString(fcgiRecord(6, resp[:n]))
		resp = resp[n:]
	}
	out.WriteString(fcgiRecord(6, ""))
	out.WriteString(fcgiRecord(3, endRequest))
	c.Write([]byte(out.String()))
}

// serveUWSGIRand is the scripted uwsgi app: it reads the variables and
// CONTENT_LENGTH bytes of body and answers with a status line, as uWSGI
// running Django does, as fcgiRandCommands says.
func serveUWSGIRand(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	var h [4]byte
	if _, err := io.ReadFull(br, h[:]); err != nil {
		return
	}
	vars := make([]byte, binary.LittleEndian.Uint16(h[1:3]))
	if _, err := io.ReadFull(br, vars); err != nil {
		return
	}
	var params [][2]string
	for len(vars) >= 2 {
		kl := int(binary.LittleEndian.Uint16(vars))
		k := string(vars[2 : 2+kl])
		vars = vars[2+kl:]
		vl := int(binary.LittleEndian.Uint16(vars))
		params = append(params, [2]string{k, string(vars[2 : 2+vl])})
		vars = vars[2+vl:]
	}
	var body []byte
	for _, p := range params {
		if p[0] == "CONTENT_LENGTH" {
			if n, err := strconv.Atoi(p[1]); err == nil && n > 0 && n < 1<<20 {
				body = make([]byte, n)
				io.ReadFull(br, body)
			}
		}
	}
	params = append(params, [2]string{"uwsgi.modifiers", fmt.Sprintf("%d %d", h[0], h[3])})
	cmds := fcgiRandCommands(params)
	if e := strings.Join(cmds["e"], ""); e == "close" || e == "empty" {
		return
	}
	status := "200"
	if s := cmds["s"]; len(s) > 0 {
		status = s[0]
	}
	text := fcgiRandListing("uwsgi", params, body)
	if b := cmds["b"]; len(b) > 0 {
		text = b[0]
	}
	io.WriteString(c, "HTTP/1.1 "+status+" Scripted\r\n"+strings.Join(fcgiRandHead("uwsgi", cmds), "\r\n")+"\r\n\r\n"+text)
}

// fcgiRandPermissive is randPermissive (a file nginx does not send, a
// success where nginx fails) and an answer of an app nginx does not pass.
func fcgiRandPermissive(want, got *realnginx.Response) []string {
	why := randPermissive(want, got)
	for _, app := range []string{"fcgi", "uwsgi"} {
		mark := app + "-app"
		if got.Header.Get("X-Served-By") == mark && want.Header.Get("X-Served-By") != mark ||
			strings.HasPrefix(string(got.Body), app+" app\n") && !strings.HasPrefix(string(want.Body), app+" app\n") {
			why = append(why, "serve passes the "+app+" app's answer")
		}
	}
	return why
}

// fcgiBodyDiff lists the lines of two app listings that differ.
func fcgiBodyDiff(want, got []byte) string {
	w, g := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	in := func(xs []string, x string) bool {
		for _, y := range xs {
			if y == x {
				return true
			}
		}
		return false
	}
	var b strings.Builder
	for _, x := range w {
		if !in(g, x) {
			fmt.Fprintf(&b, "\n    nginx only: %s", x)
		}
	}
	for _, x := range g {
		if !in(w, x) {
			fmt.Fprintf(&b, "\n    serve only: %s", x)
		}
	}
	return b.String()
}

// TestServeRandomFastCGIAgainstNginx generates, from each seed, a PHP
// site's server (see fcgiGen.server) and 40 to 70 requests (GET, HEAD,
// POST with a form body, now and then PUT, DELETE, OPTIONS or PATCH; a
// Proxy header, X-Forwarded-For, a Cookie, a Range, another Host, a
// header sent twice; a query telling the app what to answer), and
// compares serve's answers with real nginx's, both in front of the same
// scripted FastCGI and uwsgi apps: status, headers and body, the app's
// listing of what it got included. An answer of serve that passes the
// app's answer, or sends a file, nginx does not, or succeeds where nginx
// fails, is marked MORE PERMISSIVE and listed first.
func TestServeRandomFastCGIAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	runRandomSeeds(t, "XACCEL_FCGI", runFCGIRandomSeed)
}

// runFCGIRandomSeed generates the server and requests of seed, runs nginx
// and serve on them, and reports every request they answer differently.
func runFCGIRandomSeed(t *testing.T, seed uint64, stats *randStats) {
	g := newFCGIGen(seed)
	tmpl := g.server()
	reqs := g.requests(40 + g.r.IntN(31))
	runRandomCase(t, stats, randCase{
		seed: seed, rerun: "XACCEL_FCGI_SEED", tmpl: tmpl,
		conf:       strings.NewReplacer("FCGI", realnginx.ServeRaw(t, serveFCGIRand), "UWSGI", realnginx.ServeRaw(t, serveUWSGIRand)).Replace(tmpl),
		legend:     "FCGI and UWSGI are the scripted apps, serveFCGIRand and serveUWSGIRand; files: fcgiRandFiles and fcgiRandSymlinks under {{PREFIX}}",
		files:      fcgiRandFiles,
		symlinks:   fcgiRandSymlinks,
		confDir:    "conf", // its includes (fastcgi_params ...) where nginx reads them
		reqs:       reqs,
		permissive: fcgiRandPermissive,
		explain: func(want, got *realnginx.Response, prefix string) string {
			if !strings.Contains(string(want.Body), " app\n") || !strings.Contains(string(got.Body), " app\n") {
				return ""
			}
			return "\n  listings differ:" + strings.ReplaceAll(fcgiBodyDiff(want.Body, got.Body), prefix, "{{PREFIX}}")
		},
	})
}
