//go:build unix

package proxy

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xaccel/xaccel/nginx"
)

func TestTypesLookup(t *testing.T) {
	types := &Types{byExt: map[string]string{"txt": "text/plain", "gz": "application/gzip", "": "never"}}
	tests := []struct {
		uri  string
		want string
		ok   bool
	}{
		{"/a.txt", "text/plain", true},
		{"/A.TXT", "text/plain", true},
		{"/dir/a.TxT", "text/plain", true},
		{"/a.tar.gz", "application/gzip", true},
		{"/.txt", "", false},     // a leading dot is not an extension
		{"/dir/.txt", "", false}, // nor in a deeper segment
		{"/x..txt", "text/plain", true},
		{"/file.", "", false},        // an empty extension matches nothing
		{"/noext", "", false},        // no dot
		{"/dir.txt/file", "", false}, // the dot is in another segment
		{"a.txt", "", false},         // the dot at index 1 is never examined
		{"a.b", "", false},           // index 1 is never examined
		{"ab.txt", "text/plain", true},
		{"/.", "", false},
		{"", "", false},
		{"/a.md", "", false},
	}
	for _, tt := range tests {
		got, ok := types.Lookup(tt.uri)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Lookup(%q) = %q, %v; want %q, %v", tt.uri, got, ok, tt.want, tt.ok)
		}
	}
	if _, ok := (*Types)(nil).Lookup("/a.html"); ok {
		t.Error("nil Types matched")
	}
}

func TestDefaultTypes(t *testing.T) {
	got := map[string]string{}
	for _, uri := range []string{"/a.html", "/a.gif", "/a.jpg", "/a.jpeg", "/a.htm", "/a.png", "/a.HTML"} {
		ct, _ := DefaultTypes().Lookup(uri)
		got[uri] = ct
	}
	want := map[string]string{
		"/a.html": "text/html", "/a.gif": "image/gif", "/a.jpg": "image/jpeg", "/a.HTML": "text/html",
		"/a.jpeg": "", "/a.htm": "", "/a.png": "",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("DefaultTypes (-want +got):\n%s", diff)
	}
}

func TestParseTypes(t *testing.T) {
	cfg := nginx.LoadBytes("test.conf", []byte(`http {
    types {
        text/html  html HTM;
        "text/x-quoted"  q;
        text/plain  txt;
        text/x-later  TXT;
    }
}`), nginx.LoadOptions{})
	if len(cfg.Errors) > 0 {
		t.Fatal(cfg.Errors)
	}
	types := ParseTypes(cfg.Root.First("http").First("types"))
	want := map[string]string{"html": "text/html", "htm": "text/html", "q": "text/x-quoted", "txt": "text/x-later"}
	if diff := cmp.Diff(want, types.byExt); diff != "" {
		t.Errorf("ParseTypes (-want +got):\n%s", diff)
	}
	if got := ParseTypes(nil); len(got.byExt) != 0 {
		t.Errorf("ParseTypes(nil) = %v, want empty", got.byExt)
	}
}

func TestTypeFor(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "mime.types"), []byte("types { application/json json; }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	src := `http {
    types { text/css css; }
    server {
        listen 80;
        location /plain/ { }
        location /typed/ {
            types { application/x-a a; }
            types { application/x-b b; }
            default_type application/x-default;
            location /typed/nested/ { default_type application/x-nested; }
        }
        location /empty/ { types { } }
        location /notype/ { default_type ""; }
        location /included/ { include ` + filepath.Join(dir, "mime.types") + `; }
    }
    server {
        listen 81;
        default_type application/x-server;
        location / { }
    }
}
events {}
`
	cfg := nginx.LoadBytes(filepath.Join(dir, "nginx.conf"), []byte(src), nginx.LoadOptions{})
	if len(cfg.Errors) > 0 {
		t.Fatal(cfg.Errors)
	}
	levels := func(s *nginx.Server, uri string) []*nginx.Directive {
		l, _ := s.Route(uri)
		if l == nil {
			return s.Levels()
		}
		return l.Levels()
	}
	tests := []struct {
		server int
		uri    string
		want   string
	}{
		{0, "/plain/a.css", "text/css"},      // http-level types
		{0, "/plain/a.html", "text/plain"},   // a types block replaces the defaults
		{0, "/typed/x.a", "application/x-a"}, // two blocks at one level add up
		{0, "/typed/x.B", "application/x-b"},
		{0, "/typed/x.css", "application/x-default"},
		{0, "/typed/nested/x.a", "application/x-a"},
		{0, "/typed/nested/x.css", "application/x-nested"},
		{0, "/empty/a.css", "text/plain"},
		{0, "/notype/a.bin", ""},
		{0, "/included/a.json", "application/json"},
		{0, "/included/a.css", "text/plain"},
		{0, "/elsewhere.css", "text/css"},      // no location: server level
		{1, "/a.html", "application/x-server"}, // http-level types, server-level default_type
		{1, "/a.css", "text/css"},
	}
	for _, tt := range tests {
		s := cfg.Servers[tt.server]
		if got := TypeFor(levels(s, tt.uri), tt.uri); got != tt.want {
			t.Errorf("server %d: TypeFor(%q) = %q, want %q", tt.server, tt.uri, got, tt.want)
		}
	}
	if got := TypeFor(nil, "/a.html"); got != "text/html" {
		t.Errorf("TypeFor(nil levels) = %q, want text/html", got)
	}
	if got := TypeFor(nil, "/a.txt"); got != "text/plain" {
		t.Errorf("TypeFor(nil levels) = %q, want text/plain", got)
	}
}

func TestParseHTTPTime(t *testing.T) {
	t1994 := time.Date(1994, 11, 6, 8, 49, 37, 0, time.UTC).Unix()
	tests := []struct {
		in   string
		want int64
	}{
		{"Sun, 06 Nov 1994 08:49:37 GMT", t1994},
		{"Sunday, 06-Nov-94 08:49:37 GMT", t1994},
		{"Sun Nov  6 08:49:37 1994", t1994},
		{"Sun Nov 06 08:49:37 1994", t1994},
		{"Xyz, 06 Nov 1994 08:49:37 GMT", t1994}, // the weekday is not checked
		{"Sun, 06 Nov 1994 08:49:37", t1994},     // nor what follows the time
		{"Sun, 06 Nov 1994 08:49:37 PST", t1994},
		{"Sun,   06 Nov 1994 08:49:37 GMT", t1994},
		{"Sun, 06 Nxx 1994 08:49:37 GMT", t1994}, // N is November
		{"Thu, 01 Jan 1970 00:00:00 GMT", 0},
		{"Thursday, 01-Jan-70 00:00:00 GMT", 0},
		{"Tue, 01 Jan 2069 00:00:00 GMT", time.Date(2069, 1, 1, 0, 0, 0, 0, time.UTC).Unix()},  // four digits are taken as they are
		{"Monday, 01-Jan-69 00:00:00 GMT", time.Date(2069, 1, 1, 0, 0, 0, 0, time.UTC).Unix()}, // two digits: < 70 is 20xx
		{"Sat, 29 Feb 2020 12:00:00 GMT", time.Date(2020, 2, 29, 12, 0, 0, 0, time.UTC).Unix()},
		{"Thu, 29 Feb 2100 12:00:00 GMT", -1},
		{"Tue, 31 Apr 2021 00:00:00 GMT", -1},
		{"Tue, 30 Apr 2021 24:00:00 GMT", -1},
		{"Tue, 30 Apr 2021 23:60:00 GMT", -1},
		{"Tue, 30 Apr 2021 23:59:60 GMT", -1},
		{"Tue, 3 Apr 2021 23:59:59 GMT", -1},
		{"garbage", -1},
		{"", -1},
		{"Sun, 06 Nov 1994", -1},
		{"1994-11-06T08:49:37Z", -1},
		{"Sun Nov  6 08:49:37", -1},
	}
	for _, tt := range tests {
		if got := parseHTTPTime(tt.in); got != tt.want {
			t.Errorf("parseHTTPTime(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
	// Every second of a few days round-trips through http.TimeFormat.
	for ts := int64(1600000000); ts < 1600000000+3*86400; ts += 997 {
		if got := parseHTTPTime(httpTime(ts)); got != ts {
			t.Fatalf("parseHTTPTime(%q) = %d, want %d", httpTime(ts), got, ts)
		}
	}
}

func TestParseRanges(t *testing.T) {
	type rg = byteRange
	tests := []struct {
		spec   string
		size   int64
		want   []byteRange
		result int
	}{
		{"0-0", 100, []rg{{0, 1}}, rangeOK},
		{"0-99", 100, []rg{{0, 100}}, rangeOK},
		{"0-1000", 100, []rg{{0, 100}}, rangeOK},
		{"10-", 100, []rg{{10, 100}}, rangeOK},
		{"-10", 100, []rg{{90, 100}}, rangeOK},
		{"-1000", 100, []rg{{0, 100}}, rangeOK},
		{" 1 - 2 , 4 - 5 ", 100, []rg{{1, 3}, {4, 6}}, rangeOK},
		{"50-59,0-9", 100, []rg{{50, 60}, {0, 10}}, rangeOK},
		{"0-9,5-14", 100, []rg{{0, 10}, {5, 15}}, rangeOK},
		{"0-99,0-0", 100, nil, rangeNone}, // more than the size in total
		{"0-,0-", 100, nil, rangeNone},
		{"5-1,0-0", 100, []rg{{0, 1}}, rangeOK}, // an empty range not at 0 is skipped
		{"-0", 100, nil, rangeUnsatisfiable},
		{"100-", 100, nil, rangeUnsatisfiable},
		{"100-200", 100, nil, rangeUnsatisfiable},
		{"200-,0-1", 100, []rg{{0, 2}}, rangeOK},
		{"0-1,", 100, nil, rangeUnsatisfiable}, // a trailing comma
		{"0-1,x", 100, nil, rangeUnsatisfiable},
		{"x", 100, nil, rangeUnsatisfiable},
		{"5", 100, nil, rangeUnsatisfiable},
		{"\t0-1", 100, nil, rangeUnsatisfiable},
		{"0-1 x", 100, nil, rangeUnsatisfiable},
		{"1-0", 100, nil, rangeUnsatisfiable},
		{"0-9223372036854775807", 100, []rg{{0, 100}}, rangeOK},
		{"0-9223372036854775808", 100, nil, rangeUnsatisfiable},
		{"9223372036854775808-", 100, nil, rangeUnsatisfiable},
		{"0-0", 0, nil, rangeNone}, // an empty file: a range at 0 is ignored
		{"0-", 0, nil, rangeNone},
		{"-1", 0, nil, rangeNone},
		{"-0", 0, nil, rangeNone},
		{"1-2", 0, nil, rangeUnsatisfiable},
		{"0-0", 1, []rg{{0, 1}}, rangeOK},
		{"1-", 1, nil, rangeUnsatisfiable},
	}
	for _, tt := range tests {
		got, res := parseRanges(tt.spec, tt.size)
		if res != tt.result || !cmp.Equal(got, tt.want, cmp.AllowUnexported(byteRange{})) {
			t.Errorf("parseRanges(%q, %d) = %v, %d; want %v, %d", tt.spec, tt.size, got, res, tt.want, tt.result)
		}
	}
}

func TestEtagListMatch(t *testing.T) {
	const etag = `"5e0d5da5-19000"`
	tests := []struct {
		list string
		weak bool
		want bool
	}{
		{etag, false, true},
		{"*", false, true},
		{"*", true, true},
		{`"a", *`, true, false},
		{`"a", ` + etag, false, true},
		{`"a",` + etag + `,"b"`, false, true},
		{etag + " \t, \"b\"", false, true},
		{etag + "x", true, false},
		{"W/" + etag, false, false},
		{"W/" + etag, true, true},
		{`W/"a", W/` + etag, true, true},
		{`"5e0d5da5-1900"`, true, false},
		{`"x"`, true, false},
		{`"a", "b"` + etag, true, false},
		{"", true, false},
	}
	for _, tt := range tests {
		if got := etagListMatch(tt.list, etag, tt.weak); got != tt.want {
			t.Errorf("etagListMatch(%q, weak=%v) = %v, want %v", tt.list, tt.weak, got, tt.want)
		}
	}
}

func TestDirectoryLocation(t *testing.T) {
	tests := []struct {
		host, uri, args, want string
	}{
		{"example.com:8080", "/dir", "", "http://example.com:8080/dir/"},
		{"example.com", "/dir", "a=1&b=%20", "http://example.com/dir/?a=1&b=%20"},
		{"h", "/my dir", "", "http://h/my%20dir/"},
		{"h", "/ü", "", "http://h/%C3%BC/"},
		{"h", "/q\"<>\\^`{|}#%?~!$&'()*+,;=:@[]\x01\x7fb", "", "http://h/q%22%3C%3E%5C%5E%60%7B%7C%7D%23%25%3F~!$&'()*+,;=:@[]%01%7Fb/"},
		{"h", "dir", "x", "dir/?x"}, // a relative URI stays relative
		{"h", "", "", "http://h/"},
	}
	for _, tt := range tests {
		if got := directoryLocation(tt.host, tt.uri, tt.args); got != tt.want {
			t.Errorf("directoryLocation(%q, %q, %q) = %q, want %q", tt.host, tt.uri, tt.args, got, tt.want)
		}
	}
}

func TestRedirectHost(t *testing.T) {
	local := func(addr string) context.Context {
		a, err := net.ResolveTCPAddr("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		return context.WithValue(context.Background(), http.LocalAddrContextKey, net.Addr(a))
	}
	tests := []struct {
		host, local, want string
	}{
		{"Example.COM:8080", "127.0.0.1:9000", "example.com:9000"},
		{"example.com", "127.0.0.1:80", "example.com"},
		{"www.example.org.", "127.0.0.1:81", "www.example.org:81"},
		{"[::1]:99", "127.0.0.1:81", "[::1]:81"},
		{"[::1]", "127.0.0.1:80", "[::1]"},
		{"", "127.0.0.1:81", "127.0.0.1:81"},
		{"", "[::1]:81", "::1:81"}, // nginx prints the local IPv6 address without brackets
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", "/", nil).WithContext(local(tt.local))
		r.Host = tt.host
		if got := RedirectHost(r); got != tt.want {
			t.Errorf("RedirectHost(Host %q, local %s) = %q, want %q", tt.host, tt.local, got, tt.want)
		}
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.Host = "NoPort"
	if got := RedirectHost(r); got != "noport" {
		t.Errorf("RedirectHost without a local address = %q, want noport", got)
	}
}

func TestContentTypeCharset(t *testing.T) {
	tests := map[string]string{
		"text/html; charset=utf-8":        "utf-8",
		"text/html;charset=UTF-8":         "UTF-8",
		`text/html;  CharSet="koi8-r"`:    "koi8-r",
		"text/html; q=1; charset=x; y=2":  "x; y=2",
		"text/html":                       "",
		"text/html; ":                     "",
		"text/html; format=flowed":        "",
		"":                                "",
		"text/plain; charset=":            "",
		`text/plain; charset="`:           "",
		"application/json;charset=utf-8;": "utf-8;",
	}
	for in, want := range tests {
		if got := contentTypeCharset(in); got != want {
			t.Errorf("contentTypeCharset(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestErrorPage(t *testing.T) {
	want := "<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n" +
		"<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
	if got := ErrorPage(404); got != want {
		t.Errorf("ErrorPage(404) = %q, want %q", got, want)
	}
	if got := ErrorPage(299); got != "" {
		t.Errorf("ErrorPage(299) = %q, want none", got)
	}
}

// staticRecorded is the comparable part of a recorded response.
type staticRecorded struct {
	Status int
	Header http.Header
	Body   string
}

var staticBoundaryDigits = regexp.MustCompile(`[0-9]{20}`)

func staticRecord(t *testing.T, method, target string, reqHeader http.Header, p StaticParams) (staticRecorded, StaticResult) {
	t.Helper()
	r := httptest.NewRequest(method, target, nil)
	for k, vs := range reqHeader {
		r.Header[k] = vs
	}
	w := httptest.NewRecorder()
	res := ServeStatic(w, r, p)
	h := http.Header{}
	for k, vs := range w.Header() {
		if vs != nil {
			h[k] = vs
		}
	}
	if ct := h.Get("Content-Type"); strings.HasPrefix(ct, "multipart/") {
		h.Set("Content-Type", staticBoundaryDigits.ReplaceAllString(ct, "B"))
	}
	body := staticBoundaryDigits.ReplaceAllString(w.Body.String(), "B")
	if res.Declined {
		return staticRecorded{Header: h, Body: body}, res
	}
	return staticRecorded{Status: w.Code, Header: h, Body: body}, res
}

func TestServeStatic(t *testing.T) {
	dir := t.TempDir()
	mtime := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	write := func(name, content string, mt time.Time) {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mt, mt); err != nil {
			t.Fatal(err)
		}
	}
	write("f.txt", "0123456789", mtime)
	write("empty", "", mtime)
	write("sub/x", "x", mtime)
	write("minus", "m", time.Unix(-1, 0))
	lm := mtime.Format(http.TimeFormat)
	etag := fmt.Sprintf(`"%x-a"`, mtime.Unix())
	page := func(status int) string { return ErrorPage(status) }
	h := func(kv ...string) http.Header {
		out := http.Header{}
		for i := 0; i+1 < len(kv); i += 2 {
			out.Add(kv[i], kv[i+1])
		}
		return out
	}
	file := StaticParams{Path: filepath.Join(dir, "f.txt"), URI: "/f.txt", ContentType: "text/plain", Host: "h"}
	with := func(p StaticParams, f func(*StaticParams)) StaticParams {
		f(&p)
		return p
	}
	upstream := h("Content-Type", "text/html; charset=utf-8", "Accept-Ranges", "a", "Accept-Ranges", "b",
		"Cache-Control", "no-cache", "Set-Cookie", "s=1")
	okHeaders := func(kv ...string) http.Header {
		base := h("Content-Type", "text/plain", "Content-Length", "10", "Last-Modified", lm, "ETag", etag, "Accept-Ranges", "bytes")
		for i := 0; i+1 < len(kv); i += 2 {
			base.Set(kv[i], kv[i+1])
		}
		return base
	}

	tests := []struct {
		name      string
		method    string
		reqHeader http.Header
		p         StaticParams
		want      staticRecorded
		bytes     int64
	}{
		{
			name: "200", method: "GET", p: file,
			want:  staticRecorded{200, okHeaders(), "0123456789"},
			bytes: 10,
		},
		{
			name: "HEAD", method: "HEAD", p: file,
			want: staticRecorded{200, okHeaders(), ""},
		},
		{
			name: "405 comes before the trailing slash", method: "PUT", p: with(file, func(p *StaticParams) { p.URI = "/sub/" }),
			want:  staticRecorded{405, h("Content-Type", "text/html", "Content-Length", "150"), page(405)},
			bytes: 150,
		},
		{
			name: "declined", method: "GET", p: with(file, func(p *StaticParams) { p.URI = "/sub/"; p.Header = upstream }),
			want: staticRecorded{0, http.Header{}, ""},
		},
		{
			name: "POST to a file", method: "POST", p: file,
			want:  staticRecorded{405, h("Content-Type", "text/html", "Content-Length", "150"), page(405)},
			bytes: 150,
		},
		{
			name: "missing", method: "GET", p: with(file, func(p *StaticParams) { p.Path += ".no" }),
			want:  staticRecorded{404, h("Content-Type", "text/html", "Content-Length", "146"), page(404)},
			bytes: 146,
		},
		{
			name: "not a directory", method: "GET", p: with(file, func(p *StaticParams) { p.Path += "/x" }),
			want:  staticRecorded{404, h("Content-Type", "text/html", "Content-Length", "146"), page(404)},
			bytes: 146,
		},
		{
			name: "directory", method: "POST", p: StaticParams{Path: filepath.Join(dir, "sub"), URI: "/a b", Args: "x=1", Host: "h:1"},
			want:  staticRecorded{301, h("Content-Type", "text/html", "Content-Length", "162", "Location", "http://h:1/a%20b/?x=1"), page(301)},
			bytes: 162,
		},
		{
			name: "directory keeps copied headers", method: "HEAD",
			p: StaticParams{Path: filepath.Join(dir, "sub"), URI: "/sub", Host: "h", Header: upstream},
			want: staticRecorded{301, h("Content-Type", "text/html; charset=utf-8", "Content-Length", "162", "Location", "http://h/sub/",
				"Accept-Ranges", "a", "Cache-Control", "no-cache", "Set-Cookie", "s=1"), ""},
		},
		{
			name: "no content type", method: "GET", p: with(file, func(p *StaticParams) { p.ContentType = "" }),
			want:  staticRecorded{200, h("Content-Length", "10", "Last-Modified", lm, "ETag", etag, "Accept-Ranges", "bytes"), "0123456789"},
			bytes: 10,
		},
		{
			name: "copied headers", method: "GET", p: with(file, func(p *StaticParams) { p.Header = upstream }),
			want: staticRecorded{200, func() http.Header {
				h := okHeaders("Content-Type", "text/html; charset=utf-8", "Cache-Control", "no-cache", "Set-Cookie", "s=1")
				h["Accept-Ranges"] = []string{"a", "b", "bytes"}
				return h
			}(), "0123456789"},
			bytes: 10,
		},
		{
			name: "empty copied content type", method: "GET", p: with(file, func(p *StaticParams) { p.Header = h("Content-Type", "") }),
			want:  staticRecorded{200, okHeaders(), "0123456789"},
			bytes: 10,
		},
		{
			name: "single range", method: "GET", reqHeader: h("Range", "bytes=2-4"), p: file,
			want:  staticRecorded{206, h("Content-Type", "text/plain", "Content-Length", "3", "Content-Range", "bytes 2-4/10", "Last-Modified", lm, "ETag", etag), "234"},
			bytes: 3,
		},
		{
			name: "range keeps copied accept-ranges", method: "GET", reqHeader: h("Range", "bytes=-2"),
			p: with(file, func(p *StaticParams) { p.Header = h("Accept-Ranges", "parrots") }),
			want: staticRecorded{206, h("Content-Type", "text/plain", "Content-Length", "2", "Content-Range", "bytes 8-9/10",
				"Last-Modified", lm, "ETag", etag, "Accept-Ranges", "parrots"), "89"},
			bytes: 2,
		},
		{
			name: "multipart", method: "GET", reqHeader: h("Range", "bytes=0-0,8-"), p: file,
			want: staticRecorded{206, h("Content-Type", "multipart/byteranges; boundary=B", "Content-Length", "197",
				"Last-Modified", lm, "ETag", etag),
				"\r\n--B\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-0/10\r\n\r\n0" +
					"\r\n--B\r\nContent-Type: text/plain\r\nContent-Range: bytes 8-9/10\r\n\r\n89" +
					"\r\n--B--\r\n"},
			bytes: 197,
		},
		{
			name: "multipart without a type", method: "HEAD", reqHeader: h("Range", "bytes=0-0,8-"),
			p: with(file, func(p *StaticParams) { p.ContentType = "" }),
			want: staticRecorded{206, h("Content-Type", "multipart/byteranges; boundary=B", "Content-Length", "145",
				"Last-Modified", lm, "ETag", etag), ""},
		},
		{
			name: "416", method: "GET", reqHeader: h("Range", "bytes=10-"),
			p: with(file, func(p *StaticParams) {
				p.Header = h("Content-Type", "text/x; charset=k", "Accept-Ranges", "a", "Accept-Ranges", "b")
			}),
			want: staticRecorded{416, h("Content-Type", "text/html; charset=k", "Content-Length", "190", "Content-Range", "bytes */10",
				"Accept-Ranges", "a"), page(416)},
			bytes: 190,
		},
		{
			name: "if-range etag", method: "GET", reqHeader: h("Range", "bytes=0-0", "If-Range", etag), p: file,
			want:  staticRecorded{206, h("Content-Type", "text/plain", "Content-Length", "1", "Content-Range", "bytes 0-0/10", "Last-Modified", lm, "ETag", etag), "0"},
			bytes: 1,
		},
		{
			name: "if-range stale", method: "GET", reqHeader: h("Range", "bytes=0-0", "If-Range", `"x"`), p: file,
			want:  staticRecorded{200, okHeaders(), "0123456789"},
			bytes: 10,
		},
		{
			name: "if-range date", method: "GET", reqHeader: h("Range", "bytes=0-0", "If-Range", lm), p: file,
			want:  staticRecorded{206, h("Content-Type", "text/plain", "Content-Length", "1", "Content-Range", "bytes 0-0/10", "Last-Modified", lm, "ETag", etag), "0"},
			bytes: 1,
		},
		{
			name: "304", method: "GET", reqHeader: h("If-None-Match", "W/"+etag), p: with(file, func(p *StaticParams) { p.Header = upstream }),
			want: staticRecorded{304, h("Last-Modified", lm, "ETag", etag, "Accept-Ranges", "a", "Cache-Control", "no-cache", "Set-Cookie", "s=1"), ""},
		},
		{
			name: "304 by date", method: "GET", reqHeader: h("If-Modified-Since", lm), p: file,
			want: staticRecorded{304, h("Last-Modified", lm, "ETag", etag), ""},
		},
		{
			name: "later date is not 304", method: "GET", reqHeader: h("If-Modified-Since", mtime.Add(time.Second).Format(http.TimeFormat)), p: file,
			want:  staticRecorded{200, okHeaders(), "0123456789"},
			bytes: 10,
		},
		{
			name: "412 drops everything", method: "GET", reqHeader: h("If-Match", `"x"`, "Range", "bytes=0-0"),
			p:     with(file, func(p *StaticParams) { p.Header = upstream }),
			want:  staticRecorded{412, h("Content-Type", "text/html", "Content-Length", "166"), page(412)},
			bytes: 166,
		},
		{
			name: "bad If-Unmodified-Since is 412", method: "HEAD", reqHeader: h("If-Unmodified-Since", "soon"), p: file,
			want: staticRecorded{412, h("Content-Type", "text/html", "Content-Length", "166"), ""},
		},
		{
			name: "If-Unmodified-Since later passes", method: "GET", reqHeader: h("If-Unmodified-Since", mtime.Add(time.Hour).Format(http.TimeFormat)), p: file,
			want:  staticRecorded{200, okHeaders(), "0123456789"},
			bytes: 10,
		},
		{
			name: "empty file ignores a range at 0", method: "GET", reqHeader: h("Range", "bytes=0-0"),
			p: StaticParams{Path: filepath.Join(dir, "empty"), URI: "/empty", ContentType: "text/plain"},
			want: staticRecorded{200, h("Content-Type", "text/plain", "Content-Length", "0", "Last-Modified", lm,
				"ETag", fmt.Sprintf(`"%x-0"`, mtime.Unix()), "Accept-Ranges", "bytes"), ""},
		},
		{
			name: "mtime -1 has no Last-Modified and no 304", method: "GET", reqHeader: h("If-None-Match", "*"),
			p: StaticParams{Path: filepath.Join(dir, "minus"), URI: "/minus", ContentType: "text/plain"},
			want: staticRecorded{200, h("Content-Type", "text/plain", "Content-Length", "1", "ETag", `"-1-1"`,
				"Accept-Ranges", "bytes"), "m"},
			bytes: 1,
		},
		{
			name: "chrome gets padding", method: "GET", reqHeader: h("User-Agent", "Chrome/1"),
			p:     with(file, func(p *StaticParams) { p.Path += ".no" }),
			want:  staticRecorded{404, h("Content-Type", "text/html", "Content-Length", "548"), page(404) + msiePadding},
			bytes: 548,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, res := staticRecord(t, tt.method, "/", tt.reqHeader, tt.p)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if res.Bytes != tt.bytes || res.Status != tt.want.Status || res.Declined != (tt.want.Status == 0) {
				t.Errorf("result %+v, want status %d, %d bytes", res, tt.want.Status, tt.bytes)
			}
		})
	}
}

// TestServeStaticSameHeader passes w.Header() itself as Header: nothing may
// be doubled.
func TestServeStaticSameHeader(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a")
	if err := os.WriteFile(p, []byte("abc"), 0o644); err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	w.Header().Set("Content-Type", "text/blah")
	w.Header().Add("Accept-Ranges", "x")
	ServeStatic(w, httptest.NewRequest("GET", "/a", nil), StaticParams{Path: p, URI: "/a", ContentType: "text/plain", Header: w.Header()})
	if diff := cmp.Diff([]string{"text/blah"}, w.Header()["Content-Type"]); diff != "" {
		t.Errorf("Content-Type (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"x", "bytes"}, w.Header()["Accept-Ranges"]); diff != "" {
		t.Errorf("Accept-Ranges (-want +got):\n%s", diff)
	}
}

func TestWriteErrorPage(t *testing.T) {
	w := httptest.NewRecorder()
	r := httptest.NewRequest("HEAD", "/", nil)
	n := WriteErrorPage(w, r, 403, http.Header{"Content-Type": {"text/x; charset=a"}, "Last-Modified": {"x"}, "Accept-Ranges": {"bytes"}})
	want := http.Header{"Content-Type": {"text/html; charset=a"}, "Content-Length": {"146"}}
	if diff := cmp.Diff(want, w.Header()); diff != "" || n != 0 || w.Body.Len() != 0 || w.Code != 403 {
		t.Errorf("HEAD 403: code %d, %d bytes, body %q, headers (-want +got):\n%s", w.Code, n, w.Body, diff)
	}

	w = httptest.NewRecorder()
	r = httptest.NewRequest("GET", "/", nil)
	r.Header.Set("User-Agent", "Mozilla/4.0 (compatible; MSIE 8.0)")
	n = WriteErrorPage(w, r, 301, nil)
	if w.Body.String() != ErrorPage(301) || n != int64(len(ErrorPage(301))) {
		t.Errorf("301 for MSIE: %d bytes %q; redirects get no padding", n, w.Body)
	}
}

func TestMSIEOrChrome(t *testing.T) {
	tests := map[string]bool{
		"Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)": true,
		"MSIE 6":                false, // too short after "MSIE "
		"MSIE 6.0":              true,
		"Opera/9.80 (MSIE 6.0)": false,
		"Mozilla/5.0 (X11) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120 Safari": true,
		"Mozilla/5.0 Gecko/20100101 Firefox/120.0 Chrome/1":                          false,
		"curl/8.0": false,
	}
	for ua, want := range tests {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("User-Agent", ua)
		if got := msieOrChrome(r); got != want {
			t.Errorf("msieOrChrome(%q) = %v, want %v", ua, got, want)
		}
	}
}
