package nginx

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// uriResult is what the URI functions return, flattened for cmp.Diff. Status
// is 0 when there is no error.
type uriResult struct {
	URI    string
	Args   string
	Named  bool
	Status int
}

func statusOf(t *testing.T, err error) int {
	t.Helper()
	if err == nil {
		return 0
	}
	var ue *URIError
	if !errors.As(err, &ue) {
		t.Fatalf("error %v (%T) is not a *URIError", err, err)
	}
	if ue.Reason == "" {
		t.Errorf("URIError %+v has no reason", ue)
	}
	return ue.Status
}

func ok(uri, args string) uriResult { return uriResult{URI: uri, Args: args} }

func fail(status int) uriResult { return uriResult{Status: status} }

// normalizeCases are section 4.3 of nginx-semantics.md and the URI cases of
// nginx-tests (http_uri.t), with merge_slashes on.
var normalizeCases = []struct {
	name   string
	target string
	want   uriResult
}{
	// plain paths and args
	{"root", "/", ok("/", "")},
	{"plain", "/foo/bar.html", ok("/foo/bar.html", "")},
	{"args raw", "/foo?a=1&b=%20%zz", ok("/foo", "a=1&b=%20%zz")},
	{"empty args", "/foo?", ok("/foo", "")},
	{"second ? is in args", "/foo?a?b", ok("/foo", "a?b")},
	{"dots in args untouched", "/foo?/../x", ok("/foo", "/../x")},
	{"plus kept", "/a+b?c+d", ok("/a+b", "c+d")},
	{"backslash ordinary", `/a\..\b`, ok(`/a\..\b`, "")},
	{"high bytes", "/\xc3\xa9t\xc3\xa9", ok("/\xc3\xa9t\xc3\xa9", "")},
	{"long segment", "/" + strings.Repeat("a", 5000), ok("/"+strings.Repeat("a", 5000), "")},

	// fragments
	{"fragment", "/foo#bar", ok("/foo", "")},
	{"fragment ends args", "/a?b#c", ok("/a", "b")},
	{"fragment right after ?", "/foo/bar/?#frag", ok("/foo/bar/", "")},
	{"? in fragment", "/a#b?c", ok("/a", "")},
	{"bad escape in fragment", "/a#%zz", ok("/a", "")},
	{"just fragment", "#frag", fail(400)},

	// escapes
	{"decoded", "/foo%20bar", ok("/foo bar", "")},
	{"decoded either case", "/%4a%4B", ok("/JK", "")},
	{"%2F is a slash", "/a%2Fb", ok("/a/b", "")},
	{"%2F merged", "/a/%2F/b", ok("/a/b", "")},
	{"%2e%2e is dotdot", "/a/b/%2e%2e/c", ok("/a/c", "")},
	{"%2E%2E upper", "/a/b/%2E%2E", ok("/a/", "")},
	{".%2e mixed", "/a/b/.%2e/c", ok("/a/c", "")},
	{"%2e alone", "/%2e", ok("/", "")},
	{"%2e segment", "/a/%2e/b", ok("/a/b", "")},
	{"%252e stays", "/a/%252e%252e/b", ok("/a/%2e%2e/b", "")},
	{"%25 literal", "/100%25", ok("/100%", "")},
	{"%25 then hex stays", "/%2541", ok("/%41", "")},
	{"%23 literal", "/a%23b", ok("/a#b", "")},
	{"%3F literal", "/a%3Fb?c", ok("/a?b", "c")},
	{"%3f literal lower", "/a%3fb", ok("/a?b", "")},
	{"%3F after slash", "/%3F", ok("/?", "")},
	{"/.%3F", "/.%3F", ok("/.?", "")},
	{"/..%23", "/..%23", ok("/..#", "")},
	{"/.%25", "/.%25", ok("/.%", "")},
	{"%2B", "/a%2Bb", ok("/a+b", "")},
	{"%02 allowed", "/%02", ok("/\x02", "")},
	{"%0A allowed", "/a%0Ab", ok("/a\nb", "")},
	{"%20 allowed", "/%20", ok("/ ", "")},
	{"%7F allowed", "/%7F", ok("/\x7f", "")},
	{"%FF", "/%ff", ok("/\xff", "")},
	{"%00", "/a%00b", fail(400)},
	{"percent", "/foo/bar%", fail(400)},
	{"percent digit", "/foo/bar%1", fail(400)},
	{"%zz", "/%zz", fail(400)},
	{"%1z", "/%1z", fail(400)},
	{"%z1", "/%z1", fail(400)},
	{"% before ?", "/a%?b", fail(400)},
	{"% before #", "/a%#b", fail(400)},
	{"%% ", "/%%41", fail(400)},
	{"bad escape in args ok", "/a?%", ok("/a", "%")},

	// dot segments
	{"dot slash", "/a/./b", ok("/a/b", "")},
	{"dot dot slash", "/a/b/../c", ok("/a/c", "")},
	{"trailing dot", "/foo/bar/.", ok("/foo/bar/", "")},
	{"trailing dot dot", "/foo/bar/..", ok("/foo/", "")},
	{"dot args", "/foo/bar/.?args", ok("/foo/bar/", "args")},
	{"dot dot args", "/foo/bar/..?args", ok("/foo/", "args")},
	{"dot frag", "/foo/bar/.#frag", ok("/foo/bar/", "")},
	{"dot dot frag", "/foo/bar/..#frag", ok("/foo/", "")},
	{"/.?x", "/.?x", ok("/", "x")},
	{"/a/..", "/a/..", ok("/", "")},
	{"/a/../", "/a/../", ok("/", "")},
	{"/..", "/..", fail(400)},
	{"/../", "/../", fail(400)},
	{"/../a", "/../a", fail(400)},
	{"/a/../..", "/a/../..", fail(400)},
	{"/..?x", "/..?x", fail(400)},
	{"/..#x", "/..#x", fail(400)},
	{"/.%2e/", "/.%2e/", fail(400)},
	{"/%2e%2e", "/%2e%2e", fail(400)},
	{"/%2e%2e%2f", "/%2e%2e%2f", fail(400)},
	{"several up", "/a/b/c/../../d", ok("/a/d", "")},
	{"dot dot x", "/a/..x", ok("/a/..x", "")},
	{"x dot dot", "/a/x..", ok("/a/x..", "")},
	{"three dots", "/a/...", ok("/a/...", "")},
	{"three dots slash", "/a/.../b", ok("/a/.../b", "")},
	{"hidden", "/a/.hidden", ok("/a/.hidden", "")},
	{"dot dot hidden", "/a/..hidden/../b", ok("/a/b", "")},
	{"dotdot then %2f", "/a/b/..%2fc", ok("/a/c", "")},
	{"dotdot escaped slash up", "/a/%2e%2e%2fb", ok("/b", "")},
	{"dot in middle", "/a.b/c.d", ok("/a.b/c.d", "")},

	// slashes (merge_slashes on)
	{"double slash", "//a//b", ok("/a/b", "")},
	{"many slashes", "/a////b/", ok("/a/b/", "")},
	{"slash dot slash slash", "/a/.//b", ok("/a/b", "")},
	{"dotdot after merged", "/foo//../bar", ok("/bar", "")},
	{"//..", "//..", fail(400)},

	// absolute form
	{"absolute", "http://localhost", ok("/", "")},
	{"absolute slash", "http://localhost/", ok("/", "")},
	{"absolute args", "http://localhost?args", ok("/", "args")},
	{"port", "http://localhost:8080", ok("/", "")},
	{"port slash", "http://localhost:8080/", ok("/", "")},
	{"port args", "http://localhost:8080?args", ok("/", "args")},
	{"absolute path", "http://example.com/a/../b%20c?x=1", ok("/b c", "x=1")},
	{"absolute https", "https://example.com/p", ok("/p", "")},
	{"absolute any scheme", "Foo+bar.1-x://h/p", ok("/p", "")},
	{"absolute ip literal", "http://[::1]:80/p", ok("/p", "")},
	{"absolute empty port", "http://h:/p", ok("/p", "")},
	{"absolute trailing dot host", "http://h./p", ok("/p", "")},
	{"absolute leading dot host", "http://.h/p", ok("/p", "")},
	{"absolute args frag", "http://localhost:8080?a#frag", ok("/", "a")},
	{"absolute frag", "http://localhost:8080#frag", fail(400)},
	{"absolute no host", "http:///p", fail(400)},
	{"absolute dot host", "http://./p", fail(400)},
	{"absolute dot dot host", "http://a..b/p", fail(400)},
	{"absolute port only", "http://:80/p", fail(400)},
	{"absolute underscore host", "http://a_b/p", fail(400)},
	{"absolute bad port", "http://h:8x/p", fail(400)},
	{"absolute ip literal bad", "http://[::1/p", fail(400)},
	{"absolute ip literal trailing", "http://[::1]x/p", fail(400)},
	{"absolute one slash", "http:/h/p", fail(400)},
	{"absolute bad scheme", "ht~tp://h/p", fail(400)},
	{"absolute path bad escape", "http://h/%", fail(400)},
	{"absolute above root", "http://h/..", fail(400)},

	// other bad targets
	{"empty", "", fail(400)},
	{"relative", "foo", fail(400)},
	{"relative dot", "./foo", fail(400)},
	{"star", "*", fail(400)},
	{"space", "/ /", fail(400)},
	{"space in args", "/a?b c", fail(400)},
	{"tab", "/a\tb", fail(400)},
	{"control", "/\x02", fail(400)},
	{"control in args", "/a?\x02", fail(400)},
	{"control in fragment", "/a#\x02", fail(400)},
	{"del", "/\x7f", fail(400)},
	{"nul", "/a\x00", fail(400)},
	{"newline", "/a\nb", fail(400)},
}

func TestNormalizeRequestTarget(t *testing.T) {
	for _, tc := range normalizeCases {
		t.Run(tc.name, func(t *testing.T) {
			uri, args, err := NormalizeRequestTarget(tc.target, true)
			got := uriResult{URI: uri, Args: args, Status: statusOf(t, err)}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("NormalizeRequestTarget(%q, true) mismatch (-want +got):\n%s", tc.target, diff)
			}
		})
	}
}

// TestNormalizeRequestTargetNoMerge is merge_slashes off (merge_slashes.t and
// section 4.3): slashes are kept, and ".." removes one segment per slash.
func TestNormalizeRequestTargetNoMerge(t *testing.T) {
	cases := []struct {
		target string
		want   uriResult
	}{
		{"/foo//../bar", ok("/foo/bar", "")},
		{"/foo///../bar", ok("/foo//bar", "")},
		{"//a//b//", ok("//a//b//", "")},
		{"/a/%2F/b", ok("/a///b", "")},
		{"//..", ok("/", "")},
		{"///..", ok("//", "")},
		{"/a//..", ok("/a/", "")},
		{"/a/..//b", ok("//b", "")},
		{"/a/.//b", ok("/a//b", "")},
		{"//./a", ok("//a", "")},
		{"/..", fail(400)},
		{"/a/../..", fail(400)},
		{"/foo/bar/..?x", ok("/foo/", "x")},
		{"http://h//a", ok("//a", "")},
	}
	for _, tc := range cases {
		uri, args, err := NormalizeRequestTarget(tc.target, false)
		got := uriResult{URI: uri, Args: args, Status: statusOf(t, err)}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("NormalizeRequestTarget(%q, false) mismatch (-want +got):\n%s", tc.target, diff)
		}
	}
}

// TestNormalizeRequestTargetMergeOnly checks that merge_slashes changes only
// targets with repeated slashes.
func TestNormalizeRequestTargetMergeOnly(t *testing.T) {
	for _, tc := range normalizeCases {
		if strings.Contains(tc.target, "//") || strings.Contains(strings.ToLower(tc.target), "%2f") ||
			strings.Contains(tc.target, ".//") {
			continue
		}
		u1, a1, e1 := NormalizeRequestTarget(tc.target, true)
		u2, a2, e2 := NormalizeRequestTarget(tc.target, false)
		r1 := uriResult{URI: u1, Args: a1, Status: statusOf(t, e1)}
		r2 := uriResult{URI: u2, Args: a2, Status: statusOf(t, e2)}
		if diff := cmp.Diff(r1, r2); diff != "" {
			t.Errorf("%q: merge_slashes on vs off (-on +off):\n%s", tc.target, diff)
		}
	}
}

// accelCases are section 1.7 of nginx-semantics.md and proxy_xar.t tests
// 10-16.
var accelCases = []struct {
	name  string
	value string
	want  uriResult
}{
	// proxy_xar.t
	{"xar works", "/index.html", ok("/index.html", "")},
	{"xar value unchanged", "/foo?bar", ok("/foo", "bar")},
	{"xar unsafe dotdot", "..", fail(404)},
	{"xar unsafe dotdotsep", "../foo", fail(404)},
	{"xar unsafe sepdotdot", "/foo/..", fail(404)},
	{"xar unsafe unescaped", "/foo/.%2e", fail(404)},
	{"xar unescaped", "/foo%20bar", ok("/foo bar", "")},
	{"xar named", "@named", uriResult{URI: "@named", Named: true}},

	// 1.7.1 rejections
	{"empty", "", fail(404)},
	{"only spaces", "   ", fail(404)},
	{"tab is not trimmed", "  \t ", ok("\t", "")},
	{"first ?", "?a=1", fail(404)},
	{"just ?", "?", fail(404)},
	{"leading ../", "../x", fail(404)},
	{"/../ inside", "/a/../b", fail(404)},
	{"/.. at end", "/a/..", fail(404)},
	{"/..", "/..", fail(404)},
	{"nul", "/a\x00b", fail(404)},
	{"nul at start", "\x00", fail(404)},
	{"//../", "//../x", fail(404)},

	// 1.7.2 split and look-ahead
	{"empty args", "/x?", ok("/x", "")},
	{"second ? in args", "/x?a?b", ok("/x", "a?b")},
	{"dotdot then ?", "/dump/..?x=1", ok("/dump/..", "x=1")},
	{"leading dotdot then ?", "..?x", ok("..", "x")},
	{"args not decoded", "/x?a=%41%zz&b", ok("/x", "a=%41%zz&b")},
	{"args not checked", "/x?/../..", ok("/x", "/../..")},
	{"args nul not checked", "/x?a\x00", ok("/x", "a\x00")},
	{"path with ? after escape", "/a%20b?c%20d", ok("/a b", "c%20d")},

	// 1.7.3 decoding
	{"%2F", "/a%2Fb", ok("/a/b", "")},
	{"%3F no second split", "/a%3Fb?c", ok("/a?b", "c")},
	{"%23", "/a%23b", ok("/a#b", "")},
	{"%25", "/a%25b", ok("/a%b", "")},
	{"%2525", "/a%252e%252e/b", ok("/a%2e%2e/b", "")},
	{"lowercase hex", "/%c3%a9", ok("/\xc3\xa9", "")},
	{"plus kept", "/a+b%2B", ok("/a+b+", "")},
	{"%00", "/a%00", fail(404)},
	{"%2e%2e", "/%2e%2e/x", fail(404)},
	{"%2e%2e at end", "/a/%2E%2E", fail(404)},
	{"..%2f", "..%2fx", fail(404)},
	{"%2e%2e leading", "%2e%2e", fail(404)},
	{"%2e%2e%2f leading", "%2e%2e%2fx", fail(404)},
	{"/%2e%2e?", "/%2e%2e?x", fail(404)},
	{"decoded ..? is fine", "/a/..%3Fx", ok("/a/..?x", "")},
	{"%zz", "/%zz", ok("/zz", "")},
	{"%+nonhex", "/a%gb", ok("/agb", "")},
	{"%hex+nonhex", "/a%4gb", ok("/ab", "")},
	{"trailing %", "/a%", ok("/a", "")},
	{"trailing %X", "/a%4", ok("/a", "")},
	{"%%41", "/%%41", ok("/%41", "")},
	{"%/ keeps slash", "/a%/..", fail(404)},
	{"% only", "%", ok("", "")},
	{"% then ?", "%?x", ok("", "x")},
	{"lenient makes dotdot", "/a/.%.", fail(404)},
	{"lenient makes dotdot 2", "/a/.%4g.", fail(404)},

	// 1.7.4 no normalization
	{"dot segment kept", "/a/./b", ok("/a/./b", "")},
	{"double slash kept", "/a//b", ok("/a//b", "")},
	{"..x", "/a/..x", ok("/a/..x", "")},
	{"...", "/a/...", ok("/a/...", "")},
	{"x..", "/a/x..", ok("/a/x..", "")},
	{"backslash", `/a\..\x`, ok(`/a\..\x`, "")},
	{"no leading slash", "dump/x", ok("dump/x", "")},
	{"sibling", "-sibling/s.txt", ok("-sibling/s.txt", "")},
	{"absolute URL", "http://host/x", ok("http://host/x", "")},
	{"fragment kept", "/a#b", ok("/a#b", "")},
	{"trailing dot kept", "/a/.", ok("/a/.", "")},
	{"dot only", ".", ok(".", "")},
	{"...", "...", ok("...", "")},
	{"control bytes kept", "/a\x01b", ok("/a\x01b", "")},

	// 1.2 trimming and 1.10 named locations
	{"trimmed", "  /x?y  ", ok("/x", "y")},
	{"tabs kept", " \t/x?y \t", ok("\t/x", "y \t")},
	{"inner space kept", "/a b", ok("/a b", "")},
	{"named not decoded", "@a%20b?c", uriResult{URI: "@a%20b?c", Named: true}},
	{"named alone", "@", uriResult{URI: "@", Named: true}},
	{"named with dotdot", "@/../x", uriResult{URI: "@/../x", Named: true}},
	{"named trimmed", "  @n  ", uriResult{URI: "@n", Named: true}},
}

func TestParseAccelRedirect(t *testing.T) {
	for _, tc := range accelCases {
		t.Run(tc.name, func(t *testing.T) {
			uri, args, named, err := ParseAccelRedirect(tc.value)
			got := uriResult{URI: uri, Args: args, Named: named, Status: statusOf(t, err)}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("ParseAccelRedirect(%q) mismatch (-want +got):\n%s", tc.value, diff)
			}
		})
	}
}

func TestUnescapeOnce(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", ""},
		{"plain/path", "plain/path"},
		{"%41%42", "AB"},
		{"%4a%4B", "JK"},
		{"%2F%3f%23%25%00", "/?#%\x00"},
		{"a+b", "a+b"},
		{"%", ""},
		{"a%", "a"},
		{"a%4", "a"},
		{"a%g", "ag"},
		{"a%gh", "agh"},
		{"a%4g", "a"},
		{"a%4gh", "ah"},
		{"%%41", "%41"},
		{"%%", "%"},
		{"%%%", "%"},
		{"%4%41", "41"},
		{"%252e", "%2e"},
		{"%e9t%C3%A9", "\xe9t\xc3\xa9"},
	}
	for _, tc := range cases {
		if diff := cmp.Diff(tc.want, UnescapeOnce(tc.in)); diff != "" {
			t.Errorf("UnescapeOnce(%q) mismatch (-want +got):\n%s", tc.in, diff)
		}
	}
}

func TestURIErrorMessage(t *testing.T) {
	_, _, err := NormalizeRequestTarget("/%zz", true)
	if err == nil || !strings.HasPrefix(err.Error(), "400 Bad Request: ") {
		t.Errorf("NormalizeRequestTarget error = %v, want a 400 Bad Request message", err)
	}
	_, _, _, err = ParseAccelRedirect("/../x")
	if err == nil || !strings.HasPrefix(err.Error(), "404 Not Found: unsafe URI ") {
		t.Errorf("ParseAccelRedirect error = %v, want a 404 Not Found message", err)
	}
}
