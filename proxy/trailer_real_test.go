//go:build unix

package proxy

import (
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xaccel/xaccel/internal/realnginx"
)

// TestTrailersAgainstNginx compares whole responses, byte for byte but the
// Date line, under add_trailer (a response that expects a trailer goes
// out chunked to HTTP/1.1 even with a known length; the fields that apply
// to the status, with non-empty values, end it; inheritance as add_header;
// `always`; HEAD, 304 and HTTP/1.0 left alone) and chunked_transfer_encoding
// off (a body of unknown length ends with the connection, a trailer is
// never sent).
func TestTrailersAgainstNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	backend := scriptBackend(t)
	conf := strings.ReplaceAll(`
server {
    listen 127.0.0.1:{{PORT}};
    root {{PREFIX}}/html;
    location /f/ { add_trailer X-T "v-$uri"; add_trailer X-Empty ""; add_trailer X-Always "a$status" always; }
    location /inherit/ { add_trailer X-Server srv; location /inherit/in/ { } }
    location /plain/ { }
    location /none/ { add_trailer X-E ""; }
    location /p/ { proxy_pass http://BACKEND; add_trailer X-P p; }
    location /off/ { chunked_transfer_encoding off; add_trailer X-O o; }
    location /offp/ { chunked_transfer_encoding off; proxy_pass http://BACKEND; }
    location /r/ { add_trailer X-R r; return 200 "text\n"; }
    location /e/ { add_trailer X-E e; add_trailer X-EA ea always; return 404; }
    location /redir/ { add_trailer X-D d; return 302 /f/a.txt; }
}
`, "BACKEND", backend)
	files := map[string]string{"html/f/a.txt": "0123456789\n", "html/inherit/in/a.txt": "i\n", "html/plain/a.txt": "0123456789\n", "html/none/a.txt": "n\n", "html/off/a.txt": "o\n"}
	ng := realnginx.StartHTTP(t, conf, files)
	emu, _ := startEmulator(t, conf, ng.Prefix, Options{})

	get := func(target, proto string, extra ...string) string {
		return "GET " + target + " " + proto + "\r\nHost: x\r\nConnection: close\r\n" + strings.Join(extra, "") + "\r\n"
	}
	requests := []string{
		get("/f/a.txt", "HTTP/1.1"),
		get("/f/a.txt", "HTTP/1.0"),
		"HEAD /f/a.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
		get("/f/missing", "HTTP/1.1"),
		get("/f/a.txt", "HTTP/1.1", "Range: bytes=2-4\r\n"),
		get("/f/a.txt", "HTTP/1.1", "Range: bytes=0-1,4-5\r\n"),
		get("/f/a.txt", "HTTP/1.1", "If-Modified-Since: Fri, 01 Jan 2100 00:00:00 GMT\r\n"),
		get("/inherit/in/a.txt", "HTTP/1.1"),
		get("/plain/a.txt", "HTTP/1.1", "Range: bytes=2-4\r\n"),
		get("/none/a.txt", "HTTP/1.1"),
		get("/p/x", "HTTP/1.1"),
		get("/p/x?nocl=1", "HTTP/1.1"),
		get("/p/x?s=404", "HTTP/1.1"),
		get("/p/x?s=204", "HTTP/1.1"),
		get("/p/x?nocl=1", "HTTP/1.0"),
		get("/off/a.txt", "HTTP/1.1"),
		get("/offp/x?nocl=1", "HTTP/1.1"),
		get("/offp/x", "HTTP/1.1"),
		get("/r/x", "HTTP/1.1"),
		get("/e/x", "HTTP/1.1"),
		get("/redir/x", "HTTP/1.1"),
		// Two on one connection: the chunked one keeps it open.
		"GET /f/a.txt HTTP/1.1\r\nHost: x\r\n\r\n" + get("/r/x", "HTTP/1.1"),
	}
	dates := regexp.MustCompile(`(?m)^Date: [^\r]*\r\n`)
	// The app's reason phrase, which nginx relays and serve does not.
	reasons := regexp.MustCompile(`(?m)^(HTTP/1\.1 \d{3}) [^\r]*\r\n`)
	ports := regexp.MustCompile(`http://x:\d+/`)
	chunkedSeen, trailerSeen := false, false
	for _, raw := range requests {
		want, err := rawExchange(ng.Addr, raw)
		if err != nil {
			t.Fatalf("nginx: %v", err)
		}
		got, err := rawExchange(emu, raw)
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
		want, got = dates.ReplaceAllString(want, ""), dates.ReplaceAllString(got, "")
		want, got = reasons.ReplaceAllString(want, "$1\r\n"), reasons.ReplaceAllString(got, "$1\r\n")
		want, got = ports.ReplaceAllString(want, "http://x:PORT/"), ports.ReplaceAllString(got, "http://x:PORT/")
		want, got = normalize(unchunk(want)), normalize(unchunk(got)) // multipart boundaries
		if want != got {
			t.Errorf("%q:\nnginx:\n%s\nserve:\n%s", raw, want, got)
		}
		chunkedSeen = chunkedSeen || strings.Contains(want, "Transfer-Encoding: chunked")
		trailerSeen = trailerSeen || strings.Contains(want, "\n[trailer]\nX-T: v-/f/a.txt\r\n")
	}
	if !chunkedSeen || !trailerSeen {
		t.Errorf("nginx sent no chunked response (%v) or no trailer (%v): the test checks nothing", chunkedSeen, trailerSeen)
	}
}

// rawExchange sends raw on a new connection and returns all the server
// sends until it closes the connection (5 s at most).
func rawExchange(addr, raw string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, raw); err != nil {
		return "", err
	}
	b, err := io.ReadAll(c)
	return string(b), err
}

// unchunk rewrites the chunked bodies in the responses of raw as their
// bytes, each followed by "[trailer]" and the trailer's lines: where a
// body's chunks begin and end is the writer's business, not the client's.
// A body that does not parse as chunks is left as it is.
func unchunk(raw string) string {
	var out strings.Builder
	for raw != "" {
		head, rest, ok := strings.Cut(raw, "\r\n\r\n")
		out.WriteString(head + "\r\n\r\n")
		if !ok || !strings.Contains(head, "\r\nTransfer-Encoding: chunked\r\n") {
			out.WriteString(rest)
			return out.String()
		}
		for {
			line, after, ok := strings.Cut(rest, "\r\n")
			n, err := strconv.ParseInt(line, 16, 64)
			if !ok || err != nil || n < 0 || int64(len(after)) < n+2 {
				out.WriteString(rest)
				return out.String()
			}
			if n == 0 {
				trailer, next, _ := strings.Cut(after, "\r\n\r\n")
				if after == "\r\n" || strings.HasPrefix(after, "\r\n") {
					trailer, next = "", after[2:]
				}
				out.WriteString("\n[trailer]\n" + trailer + "\r\n[end]\n")
				raw = next
				break
			}
			out.WriteString(after[:n])
			rest = after[n+2:]
		}
	}
	return out.String()
}
