package nginx

import (
	"bufio"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xaccel/xaccel/internal/realnginx"
)

// These tests compare NormalizeRequestTarget and ParseAccelRedirect with a
// running nginx (the oracle, see architecture.md). They skip when nginx is
// not installed, unless XACCEL_REQUIRE_REAL=1.

// realOutcome is what a client sees: the status and, for 200, the body
// "[$uri][$args]" written by `return`.
type realOutcome struct {
	Status int
	Body   string
}

func outcomeOf(t *testing.T, uri, args string, err error) realOutcome {
	t.Helper()
	if err != nil {
		var ue *URIError
		if !errors.As(err, &ue) {
			t.Fatalf("error %v (%T) is not a *URIError", err, err)
		}
		return realOutcome{Status: ue.Status}
	}
	return realOutcome{Status: 200, Body: "[" + uri + "][" + args + "]"}
}

func responseOutcome(resp *realnginx.Response) realOutcome {
	if resp.Status != 200 {
		return realOutcome{Status: resp.Status}
	}
	return realOutcome{Status: 200, Body: string(resp.Body)}
}

// realTargets are request targets sent byte for byte to nginx. Targets with CR
// or LF are left out: they end the request line (nginx would then parse an
// HTTP/0.9 request), so they cannot be sent as a target.
func realTargets() []string {
	extra := []string{
		// encoded dots and slashes
		"/%2e%2e/", "/a/%2e%2e/", "/a/%2E%2e", "/a/.%2E", "/a/%2e.", "/a/%2e/b", "/%2e", "/%2e/",
		"/%2e%2e%2f", "/a/%2e%2e%2fb", "/a/b/%2e%2e%2f%2e%2e%2fc", "/a/%2e%2e%2e", "/a/..%2e", "/a/...%2f",
		"/a%2fb", "/a%2F%2Fb", "/%2f", "/%2f%2e%2e", "/a/%2F..%2F", "/a/b/%2e%2e%2F%2e%2e%2F%2e%2e",
		"/x/.%2e%2f..",
		// double encoding
		"/%252e%252e/", "/%252f", "/%25", "/%2525", "/%25%32%65", "/%25zz",
		// literal %, #, ? after decoding
		"/%23", "/%3F", "/%3f%3f?%3f", "/a/.%23", "/a/..%3f", "/a/.%3F/b", "/a/%2e%2e%23", "/a/%2e%25",
		// backslashes
		`/a\..\b`, `/\..\`, "/%5c..%5c", `/a/..\`, `/a\/..`,
		// bad escapes
		"/%", "/a%", "/a%2", "/%G0", "/%0G", "/%zz", "/a%%", "/%-1", "/%00", "/a%00b", "/%2e%00",
		"/a?%", "/a?%zz%00",
		// dot segments
		"/..", "/../", "/../a", "/a/../../", "/a/b/c/d/../../../../", "/a/b/c/d/../../../../..",
		"/a/./././b", "/./", "/.", "/a/.", "/a/..", "/.../", "/..../", "/..a", "/a..", "/.a/..",
		"/..;/x", "/;/../x", "/a/...?x", "/a/..?x/../..",
		// slashes
		"//", "///", "//a", "/a//", "/a//../b", "/a///../../b", "/a//b//../../c", "//..", "///..",
		"//%2e%2e", "/a/%2f/../b",
		// fragments and args
		"/?", "/#", "/?#", "/a#?b", "/a?b?c#d", "/a?#", "/a?b=c&d=%20#e", "/%41?%41", "/a/.?", "/a/..?",
		"/?a/../b", "/a#/../..",
		// absolute form
		"http://localhost", "http://localhost/", "http://localhost?x", "http://localhost:1/a/../b",
		"HTTP://LOCALHOST/A", "http://127.0.0.1/p?q", "http://[::1]/p", "http://[::1]:80?q",
		"https://x.example/p", "x://h/p", "http://h./p", "http://.h/p", "http://h:/p", "http://h/%2e%2e",
		"http://h//a", "http:///p", "http://./p", "http://h..i/p", "http://:80/p", "http://a_b/p",
		"http://h:8x/p", "http://[::1/p", "http://[::1]x/p", "http:/h/p", "http://h#f", "http://h/#f",
		"ht~tp://h/p", "foo", "./foo", "*", "",
		// spaces and control bytes
		"/ /", "/a?b c", "/a\tb", "/\x02", "/a?\x02", "/a#\x02", "/\x7f", "/a\x00", "/\x1f",
		"/%02", "/%01%1f%7f", "/%20", "/%09", "/%0a", "/%0D%0A",
		// non-ASCII
		"/%C3%A9t%C3%A9", "/%e9", "/%ff%fe", "/\xc3\xa9t\xc3\xa9", "/\xff", "/%E2%80%AE",
		// long
		"/" + strings.Repeat("a", 5000), "/" + strings.Repeat("%2e", 1000), "/" + strings.Repeat("a/", 1000) +
			strings.Repeat("../", 1000), "/" + strings.Repeat("a/", 1000) + strings.Repeat("../", 1001),
		"/" + strings.Repeat("./", 2000) + "x",
	}

	seen := map[string]bool{}
	var targets []string
	add := func(s string) {
		if !seen[s] && !strings.ContainsAny(s, "\r\n") {
			seen[s] = true
			targets = append(targets, s)
		}
	}
	for _, tc := range normalizeCases {
		add(tc.target)
	}
	for _, s := range extra {
		add(s)
	}
	for _, s := range randomStrings(1, 400, "/", "/.%2eEfF5aA0?#\\") {
		add(s)
	}
	return targets
}

// randomStrings returns n pseudo-random strings (always the same ones for a
// seed) that start with prefix and continue with up to 14 bytes from
// alphabet, biased towards the pieces that matter: "/", "..", "%2e", "%2f".
func randomStrings(seed uint64, n int, prefix, alphabet string) []string {
	rng := rand.New(rand.NewPCG(seed, seed))
	pieces := []string{"/", "/", ".", "..", "%2e", "%2E", "%2f", "%25", "%", "?", "#", "a"}
	out := make([]string, 0, n)
	for range n {
		var b strings.Builder
		b.WriteString(prefix)
		for k := rng.IntN(9); k >= 0; k-- {
			if rng.IntN(3) == 0 {
				b.WriteByte(alphabet[rng.IntN(len(alphabet))])
			} else {
				b.WriteString(pieces[rng.IntN(len(pieces))])
			}
		}
		out = append(out, b.String())
	}
	return out
}

func TestNormalizeRequestTargetRealNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	const server = `server {
    listen 127.0.0.1:{{PORT}};
    %s
    location / {
        return 200 "[$uri][$args]";
    }
}`
	instances := []struct {
		merge bool
		inst  *realnginx.Instance
	}{
		{true, realnginx.StartHTTP(t, fmt.Sprintf(server, ""), nil)},
		{false, realnginx.StartHTTP(t, fmt.Sprintf(server, "merge_slashes off;"), nil)},
	}

	targets := realTargets()
	if len(targets) < 80 {
		t.Fatalf("only %d targets", len(targets))
	}
	compared := 0
	for _, target := range targets {
		for _, in := range instances {
			resp, err := in.inst.Get(target)
			if err != nil {
				t.Errorf("GET %q (merge_slashes %v): %v", target, in.merge, err)
				continue
			}
			uri, args, nerr := NormalizeRequestTarget(target, in.merge)
			want := responseOutcome(resp)
			got := outcomeOf(t, uri, args, nerr)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("target %q (merge_slashes %v): nginx (-) vs NormalizeRequestTarget (+):\n%s",
					target, in.merge, diff)
			}
			compared++
		}
	}
	t.Logf("compared %d targets x 2 merge_slashes settings = %d requests", len(targets), compared)
}

// accelBackend is an upstream that answers every request with an
// X-Accel-Redirect header whose value is hex-encoded in the "v" query
// parameter, written byte for byte (so the value may hold spaces, tabs, '#',
// '&' and control bytes that a URL query could not carry).
func accelBackend(t *testing.T) string {
	t.Helper()
	return realnginx.ServeRaw(t, serveAccel)
}

func serveAccel(conn net.Conn) {
	defer conn.Close()
	r := bufio.NewReader(conn)
	line, err := r.ReadString('\n')
	if err != nil {
		return
	}
	for { // skip the request headers
		h, err := r.ReadString('\n')
		if err != nil {
			return
		}
		if h == "\r\n" || h == "\n" {
			break
		}
	}
	var value []byte
	if fields := strings.Fields(line); len(fields) >= 2 {
		if u, err := url.Parse(fields[1]); err == nil {
			value, _ = hex.DecodeString(u.Query().Get("v"))
		}
	}
	fmt.Fprintf(conn, "HTTP/1.1 200 OK\r\nX-Accel-Redirect: %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", value)
}

// realAccelValues are X-Accel-Redirect values sent by the backend.
func realAccelValues() []string {
	extra := []string{
		"/index.html", "/a%2fb%3fc?d", "  /spaced  ", "\t/tab\t", "/a b", "/%e9t%C3%A9", "/\xc3\xa9",
		"/x/%2e%2e", "/x/%2E%2e/", "/x/.%2e", "/x/..%2f", "/x/%2e.", "/x/%2e", "/x/./%2e/",
		"..", "..?", "../", `..\x`, `/\..\`, "/..%5c", ".", "./x", "x/..", "x/../y", "/x/..y", "/x/...",
		"@named", "@nope", "@", "@named?x", " @named", "@named ", "@ named",
		"/a#b", "/a?b#c", "/a&b=c", "%", "%?x", "%%41", "%4", "/a%gb", "/a%4gb", "/a%", "/%00x", "/a?%00",
		"/%0ax", "/%0d%0a", "/%01", "/a\x01b", "/a\x7fb", "/%2e%2e", "%2e%2e", "%2e%2e%2f", "/%252e%252e/",
		"0", "x", "-sibling/s.txt", "http://host/x", "/a/./b", "/a//b", "/..?x", "..?x", "/x?", "?x", "?",
		"/x?a?b", "/x?%41", "/x?/../..", "/x?a b", "/a/.%.", "/a/.%4g.", "/a%/..",
		"/" + strings.Repeat("b", 3000), "/" + strings.Repeat("%41", 1000),
	}
	seen := map[string]bool{}
	var values []string
	add := func(s string) {
		// NUL, CR and LF cannot be sent in an upstream header value (see
		// TestAccelRedirectNULRealNginx).
		if !seen[s] && !strings.ContainsAny(s, "\x00\r\n") {
			seen[s] = true
			values = append(values, s)
		}
	}
	for _, tc := range accelCases {
		add(tc.value)
	}
	for _, s := range extra {
		add(s)
	}
	for _, s := range randomStrings(2, 200, "", "/.%2eEfF5aA0?#@ \\") {
		add(s)
	}
	for _, s := range randomStrings(3, 200, "/", "/.%2eEfF5aA0?#") {
		add(s)
	}
	return values
}

const accelServer = `server {
    listen 127.0.0.1:{{PORT}};

    # Reached again after an internal redirect (server rewrites re-run),
    # bypassed by a redirect to a named location: nginx-tests proxy_xar.t.
    # A regex, not a plain test: "if" takes the value "0" as false.
    if ($upstream_http_x_accel_redirect ~ .) {
        return 200 "[$uri][$args]";
    }

    location /x {
        proxy_pass http://%s;
    }

    location @named {
        return 200 "named[$uri][$args]";
    }
}`

func TestParseAccelRedirectRealNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	inst := realnginx.StartHTTP(t, fmt.Sprintf(accelServer, accelBackend(t)), nil)

	values := realAccelValues()
	if len(values) < 40 {
		t.Fatalf("only %d values", len(values))
	}
	for _, value := range values {
		query := "v=" + hex.EncodeToString([]byte(value))
		resp, err := inst.Get("/x?" + query)
		if err != nil {
			t.Errorf("X-Accel-Redirect %q: %v", value, err)
			continue
		}

		uri, args, named, perr := ParseAccelRedirect(value)
		var got realOutcome
		switch {
		case perr != nil || !named:
			got = outcomeOf(t, uri, args, perr)
		case uri == "@named":
			// A named location keeps the original $uri and $args.
			got = realOutcome{Status: 200, Body: "named[/x][" + query + "]"}
		default:
			got = realOutcome{Status: 500} // could not find named location
		}
		if diff := cmp.Diff(responseOutcome(resp), got); diff != "" {
			t.Errorf("X-Accel-Redirect %q: nginx (-) vs ParseAccelRedirect (+):\n%s", value, diff)
		}
	}
	t.Logf("compared %d X-Accel-Redirect values", len(values))
}

// TestAccelRedirectNULRealNginx shows why ParseAccelRedirect need not care
// about NUL bytes after the '?': nginx refuses an upstream header with a NUL
// in it before X-Accel-Redirect is looked at (502 Bad Gateway).
func TestAccelRedirectNULRealNginx(t *testing.T) {
	realnginx.Require(t)
	inst := realnginx.StartHTTP(t, fmt.Sprintf(accelServer, accelBackend(t)), nil)
	for _, value := range []string{"/a\x00b", "/x?a\x00"} {
		resp, err := inst.Get("/x?v=" + hex.EncodeToString([]byte(value)))
		if err != nil {
			t.Fatalf("X-Accel-Redirect %q: %v", value, err)
		}
		if resp.Status != 502 {
			t.Errorf("X-Accel-Redirect %q: status %d, want 502", value, resp.Status)
		}
	}
}
