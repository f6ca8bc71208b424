//go:build unix

package proxy

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xaccel/xaccel/internal/realnginx"
	"github.com/xaccel/xaccel/nginx"
)

// staticRealConf is the http{} body. The unix-socket server is the upstream
// for /xar/: it answers 204 with an X-Accel-Redirect and the headers the
// query asks for, as nginx-tests' proxy_xar.t does.
const staticRealConf = `
    map $arg_ct $xar_ct {
        default  "";
        blah     "text/blah";
        html     "text/html; charset=utf-8";
    }
    server {
        listen unix:{{PREFIX}}/backend.sock;
        location / {
            add_header X-Accel-Redirect $arg_xar;
            add_header Content-Type $xar_ct;
            add_header Accept-Ranges $arg_ar;
            add_header Accept-Ranges $arg_ar2;
            add_header Cache-Control $arg_cc;
            add_header Set-Cookie $arg_sc;
            add_header ETag "\"from-upstream\"";
            return 204;
        }
    }
    server {
        listen 127.0.0.1:{{PORT}};
        server_tokens off;
        root {{PREFIX}}/www;
        location / {
            root {{PREFIX}}/www;
        }
        location /typed/ {
            alias {{PREFIX}}/www/;
            types {
                text/x-custom  txt;
                application/x-foo  foo FOO;
                text/x-later  txt;
            }
            default_type application/x-default;
        }
        location /emptytypes/ {
            alias {{PREFIX}}/www/;
            types { }
        }
        location /deftype/ {
            alias {{PREFIX}}/www/;
            default_type application/octet-stream;
        }
        location /notype/ {
            alias {{PREFIX}}/www/;
            default_type "";
        }
        location /mime/ {
            alias {{PREFIX}}/www/;
            include {{PREFIX}}/conf/mime.types;
        }
        location /xar/ {
            proxy_pass http://unix:{{PREFIX}}/backend.sock;
        }
    }
`

const staticRealMimeTypes = `types {
    text/css          css;
    application/json  json JSON;
    image/png         png;
    text/html         html htm;
}
`

// staticComparedHeaders are the response headers that must match.
var staticComparedHeaders = []string{
	"Content-Type", "Content-Length", "Content-Range", "ETag", "Last-Modified",
	"Accept-Ranges", "Location", "Cache-Control", "Set-Cookie",
}

// staticRealMtime is the modification time of every file in the tree.
var staticRealMtime = time.Date(2021, 3, 4, 5, 6, 7, 0, time.UTC)

// staticWeirdDir is a directory name with every byte class NGX_ESCAPE_URI treats
// specially (and some it does not).
const staticWeirdDir = "q\"<>\\^`{|}#%?~!$&'()*+,;=:@[]b"

// staticReq is one request: a name for failures, the method, the raw
// target and extra headers, or a complete raw request.
type staticReq struct {
	name   string
	method string
	target string
	header http.Header
	raw    string // if set, sent as is instead of method/target/header
}

func staticHeader(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

func staticPattern(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('A' + i%251%26)
		if i%61 == 60 {
			b[i] = '\n'
		}
	}
	return string(b)
}

func staticRealFiles() map[string]string {
	return map[string]string{
		"conf/mime.types":              staticRealMimeTypes,
		"www/empty.txt":                "",
		"www/one.txt":                  "x",
		"www/four.bin":                 staticPattern(4096),
		"www/big.dat":                  staticPattern(100 * 1024),
		"www/dir/index.html":           "<p>index</p>\n",
		"www/dir/page.html":            "<p>page</p>\n",
		"www/with space.txt":           "space\n",
		"www/ünï.txt":                  "unicode\n",
		"www/dir with space/a.js":      "a\n",
		"www/ündir/a.txt":              "a\n",
		"www/" + staticWeirdDir + "/a": "a\n",
		"www/UPPER.TXT":                "upper\n",
		"www/.hidden":                  "hidden\n",
		"www/noext":                    "noext\n",
		"www/file.":                    "dot\n",
		"www/a.tar.gz":                 "gz\n",
		"www/x.JSON":                   "{}\n",
		"www/data.json":                "[]\n",
		"www/x.foo":                    "foo\n",
		"www/y.FOO":                    "FOO\n",
		"www/style.css":                "p{}\n",
		"www/pic.PNG":                  "png\n",
		"www/photo.jpg":                "jpg\n",
		"www/anim.gif":                 "gif\n",
		"www/page.htm":                 "htm\n",
		"www/x.html":                   "<b>x</b>\n",
		"outside/secret.txt":           "secret outside the root\n",
		"wwwdir/page.html":             "<p>sibling of the root</p>\n",
	}
}

// staticRealTree adds what the files map cannot express (directories,
// symlinks, a FIFO, a socket) and sets every mtime to staticRealMtime.
func staticRealTree(t *testing.T, prefix string) {
	t.Helper()
	www := filepath.Join(prefix, "www")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Mkdir(filepath.Join(www, "emptydir"), 0o755))
	must(os.Symlink("../outside/secret.txt", filepath.Join(www, "link.txt")))
	must(os.Symlink("../outside", filepath.Join(www, "dirlink")))
	must(os.Symlink("loop", filepath.Join(www, "loop")))
	must(os.Symlink("nowhere", filepath.Join(www, "dangling")))
	must(syscall.Mkfifo(filepath.Join(www, "fifo"), 0o644))
	l, err := net.Listen("unix", filepath.Join(www, "sock"))
	must(err)
	t.Cleanup(func() { l.Close() })
	must(filepath.Walk(prefix, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if fi.Mode().IsRegular() || fi.IsDir() {
			return os.Chtimes(p, staticRealMtime, staticRealMtime)
		}
		return nil
	}))
}

func staticRealRequests(t *testing.T, www string) []staticReq {
	etagOf := func(rel string) string {
		fi, err := os.Stat(filepath.Join(www, rel))
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf(`"%x-%x"`, fi.ModTime().Unix(), fi.Size())
	}
	etag := etagOf("big.dat")
	lm := staticRealMtime.Format(http.TimeFormat)
	lm850 := staticRealMtime.Format("Monday, 02-Jan-06 15:04:05 GMT")
	lmAsc := staticRealMtime.Format("Mon Jan _2 15:04:05 2006")
	later := staticRealMtime.Add(time.Hour).Format(http.TimeFormat)
	earlier := staticRealMtime.Add(-time.Hour).Format(http.TimeFormat)

	var many, tooMany []string
	for i := 0; i < 100; i++ {
		many = append(many, fmt.Sprintf("%d-%d", 2*i, 2*i))
	}
	for i := 0; i < 400; i++ {
		tooMany = append(tooMany, fmt.Sprintf("%d-%d", 3*i, 3*i+1))
	}

	get := func(name, target string, kv ...string) staticReq {
		return staticReq{name: name, method: "GET", target: target, header: staticHeader(kv...)}
	}
	m := func(method, name, target string, kv ...string) staticReq {
		return staticReq{name: name, method: method, target: target, header: staticHeader(kv...)}
	}
	rng := func(name, spec string, kv ...string) staticReq {
		return get(name, "/big.dat", append([]string{"Range", spec}, kv...)...)
	}

	reqs := []staticReq{
		// Plain files of several sizes.
		get("empty file", "/empty.txt"),
		get("1-byte file", "/one.txt"),
		get("4 KiB file", "/four.bin"),
		get("100 KiB file", "/big.dat"),
		get("args ignored", "/one.txt?a=1&b=2"),
		m("HEAD", "HEAD file", "/big.dat"),
		m("HEAD", "HEAD empty", "/empty.txt"),

		// Methods.
		m("POST", "POST file", "/one.txt"),
		m("PUT", "PUT file", "/one.txt"),
		m("DELETE", "DELETE file", "/one.txt"),
		m("OPTIONS", "OPTIONS file", "/one.txt"),
		m("POST", "POST missing", "/missing.txt"),
		m("POST", "POST directory", "/dir"),
		m("PUT", "PUT directory slash", "/dir/"),
		m("DELETE", "DELETE missing", "/missing.txt"),
		m("HEAD", "HEAD missing", "/missing.txt"),
		m("POST", "POST index", "/dir/"),
		m("PATCH", "PATCH file", "/one.txt"),

		// Directories, missing files, odd file types.
		get("dir no slash", "/dir"),
		get("dir no slash args", "/dir?x=1&y=%20z"),
		get("dir empty args", "/dir?"),
		get("dir slash index", "/dir/"),
		get("dir slash index args", "/dir/?a=b"),
		get("empty dir no slash", "/emptydir"),
		get("empty dir slash", "/emptydir/"),
		get("missing dir slash", "/missing/"),
		get("missing", "/missing.txt"),
		get("file as dir", "/one.txt/x"),
		get("long name", "/"+strings.Repeat("n", 300)),
		get("symlink out of root", "/link.txt"),
		get("symlinked dir file", "/dirlink/secret.txt"),
		get("symlinked dir", "/dirlink"),
		get("symlink loop", "/loop"),
		get("dangling symlink", "/dangling"),
		get("fifo", "/fifo"),
		get("socket", "/sock"),
		get("space name", "/with%20space.txt"),
		get("unicode name", "/%C3%BCn%C3%AF.txt"),
		get("space dir", "/dir%20with%20space"),
		get("unicode dir", "/%C3%BCndir"),
		get("unicode dir args", "/%C3%BCndir?q=%C3%BC"),
		get("weird dir", "/q%22%3C%3E%5C%5E%60%7B%7C%7D%23%25%3F~!$&'()*+,;=:@[]b"),
		get("weird dir file", "/q%22%3C%3E%5C%5E%60%7B%7C%7D%23%25%3F~!$&'()*+,;=:@[]b/a"),
		get("alias dir", "/typed/dir"),
		get("host with port", "/dir", "Host", "Example.COM:8080"),
		get("host trailing dot", "/dir", "Host", "www.Example.org."),
		get("host ipv6", "/dir", "Host", "[::1]:99"),
		{name: "HTTP/1.0 without host", raw: "GET /dir HTTP/1.0\r\n\r\n"},
		{name: "absolute-form target", raw: "GET http://Abs.Example/dir?z HTTP/1.1\r\nHost: other\r\nConnection: close\r\n\r\n"},

		// Content types.
		get("type html default", "/x.html"),
		get("type jpg default", "/photo.jpg"),
		get("type gif default", "/anim.gif"),
		get("type txt default", "/one.txt"),
		get("type upper", "/UPPER.TXT"),
		get("type hidden", "/.hidden"),
		get("type noext", "/noext"),
		get("type trailing dot", "/file."),
		get("type tar.gz", "/a.tar.gz"),
		get("typed txt (later wins)", "/typed/one.txt"),
		get("typed upper", "/typed/UPPER.TXT"),
		get("typed foo", "/typed/x.foo"),
		get("typed FOO", "/typed/y.FOO"),
		get("typed html not listed", "/typed/x.html"),
		get("typed hidden", "/typed/.hidden"),
		get("empty types html", "/emptytypes/x.html"),
		get("default_type", "/deftype/x.JSON"),
		get("default_type keeps html", "/deftype/x.html"),
		get("default_type empty", "/notype/noext"),
		get("default_type empty range", "/notype/big.dat", "Range", "bytes=0-1,5-6"),
		get("mime json", "/mime/x.JSON"),
		get("mime json lower", "/mime/data.json"),
		get("mime png upper", "/mime/pic.PNG"),
		get("mime css", "/mime/style.css"),
		get("mime htm", "/mime/page.htm"),
		get("mime jpg not listed", "/mime/photo.jpg"),
		get("mime index", "/mime/dir/"),

		// Ranges.
		rng("range first byte", "bytes=0-0"),
		rng("range 100", "bytes=0-99"),
		rng("range open", "bytes=100-"),
		rng("range suffix", "bytes=-500"),
		rng("range suffix too long", "bytes=-200000"),
		rng("range suffix zero", "bytes=-0"),
		rng("range end clipped", "bytes=102000-999999"),
		rng("range last byte", "bytes=102399-102399"),
		rng("range two", "bytes=0-99,200-299"),
		rng("range byte and suffix", "bytes=0-0,-1"),
		rng("range reversed", "bytes=500-400"),
		rng("range beyond", "bytes=200000-"),
		rng("range beyond closed", "bytes=200000-300000"),
		rng("range beyond and valid", "bytes=200000-300000,0-1"),
		rng("range letters", "bytes=abc"),
		rng("range other unit", "foo=0-1"),
		rng("range empty spec", "bytes="),
		rng("range upper unit", "BYTES=0-1"),
		rng("range trailing comma", "bytes=0-1,"),
		rng("range spaces", "bytes= 0 - 1 , 3 - 4 "),
		rng("range overflow", "bytes=0-99999999999999999999"),
		rng("range many", "bytes="+strings.Join(many, ",")),
		rng("range very many", "bytes="+strings.Join(tooMany, ",")),
		rng("range overlap > size", "bytes=0-102399,0-0"),
		rng("range overlap <= size", "bytes=0-9,5-14"),
		rng("range unordered", "bytes=100-199,0-9"),
		rng("range two open", "bytes=0-,0-"),
		rng("range valid then junk", "bytes=0-1,x"),
		rng("range skipped then valid", "bytes=5-1,0-0"),
		rng("range valid then skipped", "bytes=0-0,500-1"),
		rng("range no dash", "bytes=5"),
		rng("range tab", "bytes=\t0-1"),
		get("range empty file 0-0", "/empty.txt", "Range", "bytes=0-0"),
		get("range empty file suffix", "/empty.txt", "Range", "bytes=-1"),
		get("range empty file beyond", "/empty.txt", "Range", "bytes=1-2"),
		get("range empty file open", "/empty.txt", "Range", "bytes=0-"),
		get("range 1-byte 0-0", "/one.txt", "Range", "bytes=0-0"),
		get("range 1-byte 1-", "/one.txt", "Range", "bytes=1-"),
		get("range 1-byte 0-5", "/one.txt", "Range", "bytes=0-5"),
		get("range 4k multi", "/four.bin", "Range", "bytes=0-0,4095-4095,-2"),
		get("range html multi", "/x.html", "Range", "bytes=0-1,3-4"),
		m("HEAD", "HEAD range", "/big.dat", "Range", "bytes=0-99"),
		m("HEAD", "HEAD multi range", "/big.dat", "Range", "bytes=0-9,20-29"),
		m("HEAD", "HEAD unsatisfiable", "/big.dat", "Range", "bytes=200000-"),
		m("POST", "POST range", "/big.dat", "Range", "bytes=0-1"),
		get("range on missing", "/missing.txt", "Range", "bytes=0-1"),
		get("range on dir", "/dir", "Range", "bytes=0-1"),

		// If-Range.
		rng("if-range etag", "bytes=0-9", "If-Range", etag),
		rng("if-range stale etag", "bytes=0-9", "If-Range", `"1-2"`),
		rng("if-range weak etag", "bytes=0-9", "If-Range", "W/"+etag),
		rng("if-range date", "bytes=0-9", "If-Range", lm),
		rng("if-range other date", "bytes=0-9", "If-Range", later),
		rng("if-range garbage", "bytes=0-9", "If-Range", "yesterday"),
		rng("if-range etag multi", "bytes=0-9,20-29", "If-Range", etag),
		rng("if-range etag unsatisfiable", "bytes=200000-", "If-Range", etag),
		rng("if-range stale unsatisfiable", "bytes=200000-", "If-Range", `"x"`),

		// If-None-Match / If-Modified-Since.
		get("inm match", "/big.dat", "If-None-Match", etag),
		get("inm star", "/big.dat", "If-None-Match", "*"),
		get("inm list", "/big.dat", "If-None-Match", `"a", `+etag+`, "b"`),
		get("inm weak", "/big.dat", "If-None-Match", "W/"+etag),
		get("inm weak list", "/big.dat", "If-None-Match", `W/"a",W/`+etag),
		get("inm other", "/big.dat", "If-None-Match", `"other"`),
		get("inm junk after", "/big.dat", "If-None-Match", etag+"x"),
		get("inm space after", "/big.dat", "If-None-Match", etag+"  , \"z\""),
		get("inm star in list", "/big.dat", "If-None-Match", `"a", *`),
		get("inm short then match", "/big.dat", "If-None-Match", `"a",`+etag),
		get("ims exact", "/big.dat", "If-Modified-Since", lm),
		get("ims rfc850", "/big.dat", "If-Modified-Since", lm850),
		get("ims asctime", "/big.dat", "If-Modified-Since", lmAsc),
		get("ims later", "/big.dat", "If-Modified-Since", later),
		get("ims earlier", "/big.dat", "If-Modified-Since", earlier),
		get("ims garbage", "/big.dat", "If-Modified-Since", "garbage"),
		get("ims exact inm other", "/big.dat", "If-Modified-Since", lm, "If-None-Match", `"other"`),
		get("ims later inm match", "/big.dat", "If-Modified-Since", later, "If-None-Match", etag),
		get("ims exact inm match", "/big.dat", "If-Modified-Since", lm, "If-None-Match", etag),
		m("HEAD", "HEAD inm match", "/big.dat", "If-None-Match", etag),
		get("inm match with range", "/big.dat", "If-None-Match", etag, "Range", "bytes=0-1"),
		get("inm on missing", "/missing.txt", "If-None-Match", "*"),
		get("ims on dir", "/dir", "If-Modified-Since", lm),
		get("inm empty file", "/empty.txt", "If-None-Match", etagOf("empty.txt")),

		// If-Match / If-Unmodified-Since.
		get("if-match", "/big.dat", "If-Match", etag),
		get("if-match other", "/big.dat", "If-Match", `"other"`),
		get("if-match star", "/big.dat", "If-Match", "*"),
		get("if-match weak", "/big.dat", "If-Match", "W/"+etag),
		get("if-match list", "/big.dat", "If-Match", `"x", `+etag),
		get("ius exact", "/big.dat", "If-Unmodified-Since", lm),
		get("ius earlier", "/big.dat", "If-Unmodified-Since", earlier),
		get("ius later", "/big.dat", "If-Unmodified-Since", later),
		get("ius garbage", "/big.dat", "If-Unmodified-Since", "garbage"),
		get("if-match fail with range", "/big.dat", "If-Match", `"x"`, "Range", "bytes=0-1"),
		get("if-match fail with inm", "/big.dat", "If-Match", `"x"`, "If-None-Match", etag),
		m("HEAD", "HEAD if-match fail", "/big.dat", "If-Match", `"x"`),
		get("ius ok inm match", "/big.dat", "If-Unmodified-Since", later, "If-None-Match", etag),

		// Error pages and user agents.
		get("chrome 404", "/missing.txt", "User-Agent", "Mozilla/5.0 (X11) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"),
		get("chrome 301", "/dir", "User-Agent", "Mozilla/5.0 Chrome/120.0"),
		m("PUT", "msie 405", "/one.txt", "User-Agent", "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)"),
		get("opera msie 404", "/missing.txt", "User-Agent", "Opera/9.80 (MSIE 6.0)"),
		get("firefox 404", "/missing.txt", "User-Agent", "Mozilla/5.0 Gecko/20100101 Firefox/120.0 Chrome/1"),
		get("msie short 404", "/missing.txt", "User-Agent", "MSIE 6"),
		get("chrome 416", "/big.dat", "Range", "bytes=200000-", "User-Agent", "Chrome/1"),
		get("chrome 412", "/big.dat", "If-Match", `"x"`, "User-Agent", "Chrome/1"),

		// X-Accel-Redirect: copied headers on every kind of answer.
		get("xar file", "/xar/?xar=/one.txt"),
		get("xar content type wins", "/xar/?xar=/x.html&ct=blah"),
		get("xar charset type", "/xar/?xar=/big.dat&ct=html"),
		get("xar accept-ranges", "/xar/?xar=/big.dat&ar=parrots"),
		get("xar two accept-ranges", "/xar/?xar=/big.dat&ar=parrots&ar2=none"),
		get("xar all headers", "/xar/?xar=/big.dat&ct=blah&ar=parrots&cc=no-cache&sc=a%3Db"),
		get("xar range", "/xar/?xar=/big.dat&ct=blah&ar=parrots&cc=no-cache", "Range", "bytes=0-9"),
		get("xar multi range", "/xar/?xar=/big.dat&ct=html&ar=parrots", "Range", "bytes=0-9,20-29"),
		get("xar 416", "/xar/?xar=/big.dat&ct=html&ar=parrots&ar2=b&cc=no-cache", "Range", "bytes=200000-"),
		get("xar 304", "/xar/?xar=/big.dat&ct=html&ar=parrots&ar2=b&cc=no-cache&sc=s%3D1", "If-None-Match", etag),
		get("xar 412", "/xar/?xar=/big.dat&ct=html&ar=parrots&cc=no-cache&sc=s%3D1", "If-Match", `"x"`),
		get("xar 404", "/xar/?xar=/missing.txt&ct=html&ar=parrots&cc=no-cache"),
		get("xar 404 blah", "/xar/?xar=/missing.txt&ct=blah&ar=parrots&ar2=b"),
		get("xar 403", "/xar/?xar=/loop&ct=html"),
		get("xar 500", "/xar/?xar=/sock&ct=blah"),
		get("xar dir 301", "/xar/?xar=/dir&ct=html&ar=parrots"),
		get("xar dir 301 args", "/xar/?xar=/dir?a=b&cc=x"),
		get("xar dir 301 empty args", "/xar/?xar=/dir?"),
		get("xar decoded question mark", "/xar/?xar=/dir%3Fa%3Db&cc=x"),
		get("xar dir escaped", "/xar/?xar=/dir%20with%20space"),
		get("xar file double-escaped", "/xar/?xar=/with%2520space.txt"),
		get("xar dir slash index", "/xar/?xar=/dir/&ct=blah"),
		get("xar relative dir", "/xar/?xar=dir"),
		get("xar relative dir args", "/xar/?xar=dir?x=%20"),
		get("xar relative file", "/xar/?xar=dir/page.html"),
		get("xar typed", "/xar/?xar=/typed/one.txt"),
		get("xar unsafe", "/xar/?xar=/../x&ct=html&cc=no-cache"),
		m("POST", "xar POST", "/xar/?xar=/one.txt"),
		m("PUT", "xar PUT", "/xar/?xar=/one.txt&ct=blah"),
		m("HEAD", "xar HEAD", "/xar/?xar=/big.dat&ct=blah&ar=p"),
		m("HEAD", "xar HEAD 404", "/xar/?xar=/nothing&ct=html"),
		get("xar chrome 404", "/xar/?xar=/nothing&ct=html", "User-Agent", "Chrome/1"),
	}
	return reqs
}

// TestServeStaticRealNginx is the differential test of the static-file
// layer (nginx-semantics.md 1.5, 1.9, 5.5, 6): one real nginx serves a tree
// of files, an httptest.Server on 127.0.0.1 serves the same tree with
// ServeStatic, and every request of staticRealRequests goes byte for byte to
// both. Status, body (multipart boundaries normalized) and the headers in
// staticComparedHeaders (the Location port normalized) must be equal.
//
// The emulator side does what the rest of `xaccel serve` does around
// ServeStatic: NormalizeRequestTarget, Route, MapPath and TypeFor on the
// same config loaded with nginx.LoadBytes; a declined URI gets the index
// module's logic (index.html, else 403 for a directory, else 404); /xar/
// stands for the unix-socket upstream of staticRealConf and applies its
// X-Accel-Redirect (ParseAccelRedirect, the copied headers, GET unless
// HEAD).
//
// It skips when nginx is not installed, unless XACCEL_REQUIRE_REAL=1.
func TestServeStaticRealNginx(t *testing.T) {
	t.Parallel()
	realnginx.Require(t)
	inst := realnginx.StartHTTP(t, staticRealConf, staticRealFiles())
	staticRealTree(t, inst.Prefix)

	// The same config, as `xaccel serve` would load it.
	src := "events {}\nhttp {\n" + strings.NewReplacer(
		realnginx.PrefixPlaceholder, inst.Prefix,
		realnginx.PortPlaceholder, strconv.Itoa(inst.Port),
	).Replace(staticRealConf) + "\n}\n"
	cfg := nginx.LoadBytes(filepath.Join(inst.Prefix, "conf", "emulated.conf"), []byte(src), nginx.LoadOptions{})
	if len(cfg.Errors) > 0 {
		t.Fatalf("config: %v", cfg.Errors)
	}
	var srv *nginx.Server
	for _, s := range cfg.Servers {
		for _, l := range s.Dir.Find("listen") {
			if strings.HasPrefix(l.Arg(0), "127.0.0.1:") {
				srv = s
			}
		}
	}
	if srv == nil {
		t.Fatal("no 127.0.0.1 server in the config")
	}

	emu := httptest.NewServer(staticEmulator(srv))
	defer emu.Close()
	emuAddr := emu.Listener.Addr().String()
	_, emuPort, _ := net.SplitHostPort(emuAddr)

	reqs := staticRealRequests(t, filepath.Join(inst.Prefix, "www"))
	compared := 0
	for _, rq := range reqs {
		raw := rq.raw
		if raw == "" {
			raw = string(realnginx.RawRequest(rq.method, rq.target, rq.header, ""))
		}
		want, err := inst.DoRaw([]byte(raw))
		if err != nil {
			t.Errorf("%s: nginx: %v", rq.name, err)
			continue
		}
		got, err := realnginx.SendRaw(emuAddr, []byte(raw))
		if err != nil {
			t.Errorf("%s: emulator: %v", rq.name, err)
			continue
		}
		compared++
		if os.Getenv("XACCEL_STATIC_DUMP") != "" {
			t.Logf("%s: nginx %d %v %q", rq.name, want.Status, want.Header, want.Body)
		}
		w := staticNormalize(want, "")
		g := staticNormalize(got, ":"+emuPort+"/=:"+strconv.Itoa(inst.Port)+"/")
		if diff := cmp.Diff(w, g); diff != "" {
			t.Errorf("%s: %q: emulator differs from nginx (-nginx +emulator):\n%s", rq.name, staticFirstLine(raw), diff)
		}
	}
	t.Logf("compared %d requests with nginx", compared)
	if compared < 80 {
		t.Errorf("only %d requests compared, want at least 80", compared)
	}
}

// staticEmulator is the emulator side: what `xaccel serve` does around
// ServeStatic for this config.
func staticEmulator(srv *nginx.Server) http.Handler {
	var serveURI func(w http.ResponseWriter, r *http.Request, uri, args string, header http.Header)
	serveURI = func(w http.ResponseWriter, r *http.Request, uri, args string, header http.Header) {
		l, caps := srv.Route(uri)
		path, ok := srv.MapPath(l, uri, caps)
		if !ok {
			WriteErrorPage(w, r, http.StatusInternalServerError, header)
			return
		}
		levels := srv.Levels()
		if l != nil {
			levels = l.Levels()
		}
		res := ServeStatic(w, r, StaticParams{
			Path: path, URI: uri, Args: args,
			ContentType: TypeFor(levels, uri),
			Header:      header,
		})
		if !res.Declined {
			return
		}
		// The index module: an internal redirect to index.html when it
		// exists, else 403 for a directory and 404 otherwise.
		if _, err := os.Stat(path + "index.html"); err == nil {
			serveURI(w, r, uri+"index.html", args, header)
			return
		}
		if fi, err := os.Stat(path); err == nil && fi.IsDir() {
			WriteErrorPage(w, r, http.StatusForbidden, header)
			return
		}
		WriteErrorPage(w, r, http.StatusNotFound, header)
	}

	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		uri, args, err := nginx.NormalizeRequestTarget(r.RequestURI, true)
		if err != nil {
			WriteErrorPage(w, r, http.StatusBadRequest, nil)
			return
		}
		if !strings.HasPrefix(uri, "/xar/") {
			serveURI(w, r, uri, args, nil)
			return
		}
		// What staticRealConf's upstream answers, and what nginx copies
		// from it (nginx-semantics.md 1.4).
		copied := http.Header{}
		switch staticArg(args, "ct") {
		case "blah":
			copied.Add("Content-Type", "text/blah")
		case "html":
			copied.Add("Content-Type", "text/html; charset=utf-8")
		}
		for _, kv := range [][2]string{{"ar", "Accept-Ranges"}, {"ar2", "Accept-Ranges"}, {"cc", "Cache-Control"}, {"sc", "Set-Cookie"}} {
			if v := staticArg(args, kv[0]); v != "" {
				copied.Add(kv[1], v)
			}
		}
		target, targs, named, err := nginx.ParseAccelRedirect(staticArg(args, "xar"))
		if err != nil || named {
			WriteErrorPage(w, r, http.StatusNotFound, copied)
			return
		}
		r2 := r.Clone(r.Context())
		if r.Method != http.MethodHead {
			r2.Method = http.MethodGet
		}
		serveURI(w, r2, target, targs, copied)
	})
}

// staticArg is $arg_name: the raw value of the first name= in args.
func staticArg(args, name string) string {
	for _, kv := range strings.Split(args, "&") {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// staticAnswer is the comparable part of a response.
type staticAnswer struct {
	Status  int
	Headers map[string][]string
	Body    string
}

var staticBoundaryRE = regexp.MustCompile(`^multipart/byteranges; boundary=([0-9]{20})$`)

// staticNormalize keeps staticComparedHeaders, replaces a multipart boundary
// (20 digits) with "BOUNDARY" in the Content-Type and the body, and applies
// port ("from=to") to the Location.
func staticNormalize(r *realnginx.Response, port string) staticAnswer {
	a := staticAnswer{Status: r.Status, Headers: map[string][]string{}, Body: string(r.Body)}
	for _, k := range staticComparedHeaders {
		if vs := r.Header.Values(k); len(vs) > 0 {
			a.Headers[k] = append([]string(nil), vs...)
		}
	}
	if cts := a.Headers["Content-Type"]; len(cts) == 1 {
		if m := staticBoundaryRE.FindStringSubmatch(cts[0]); m != nil {
			a.Headers["Content-Type"] = []string{"multipart/byteranges; boundary=BOUNDARY"}
			a.Body = strings.ReplaceAll(a.Body, m[1], "BOUNDARY")
		}
	}
	if from, to, ok := strings.Cut(port, "="); ok {
		for i, l := range a.Headers["Location"] {
			a.Headers["Location"][i] = strings.Replace(l, from, to, 1)
		}
	}
	return a
}

func staticFirstLine(raw string) string {
	l, _, _ := strings.Cut(raw, "\r\n")
	return l
}
