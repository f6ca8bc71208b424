//go:build unix

package proxy

import (
	"errors"
	"fmt"
	"github.com/xaccel/xaccel/proxy/internal/http1"
	"io"
	"io/fs"
	"math"
	"net"
	"net/http"
	"os"
	"reflect"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// This file is nginx's static-file machinery as it runs for one request
// (nginx-semantics.md sections 1.5, 1.9, 5.5 and 6), checked against nginx
// 1.22.1 by static_real_test.go:
//
//   - the static handler (ngx_http_static_module.c): method check, trailing
//     slash, open(2) errors, directory redirect, regular files only;
//   - the not-modified filter (ngx_http_not_modified_filter_module.c):
//     If-Unmodified-Since and If-Match (412), If-Modified-Since and
//     If-None-Match (304);
//   - the range filter (ngx_http_range_filter_module.c): Range and If-Range,
//     206 with one or several parts, 416;
//   - the special responses (ngx_http_special_response.c): the built-in HTML
//     error pages and what they do to the headers;
//   - the header filter's part: absolute Location, Last-Modified only on
//     200/206/304.
//
// Settings that are not parameters here take nginx's defaults: etag on,
// if_modified_since exact, max_ranges unlimited, absolute_redirect on,
// port_in_redirect on, server_name_in_redirect off, msie_padding on,
// msie_refresh off, disable_symlinks off, and server_tokens off for the
// error pages (see errorTail).

// StaticParams describes one request for ServeStatic.
type StaticParams struct {
	// Path is the file system path nginx opens: root or alias + $uri, as
	// nginx.Server.MapPath returns it.
	Path string
	// URI is $uri: the decoded, normalized request path, or the decoded
	// X-Accel-Redirect path. It decides the trailing-slash decline and the
	// Location of a directory redirect.
	URI string
	// Args is $args, raw; a directory redirect appends "?" + Args when it
	// is not empty.
	Args string
	// ContentType is the type of the file (TypeFor). It is used unless
	// Header already has a non-empty Content-Type. "" sends no Content-Type.
	ContentType string
	// Header holds response headers decided before the file is served, for
	// example those an X-Accel-Redirect copies from the upstream
	// (nginx-semantics.md 1.4). They are written into the response with
	// ServeStatic's own; its Content-Type wins over ContentType. A 412 drops
	// them all; a 304 and the error pages drop the last Accept-Ranges line
	// (see ServeStatic). Header may be nil, or w.Header() itself.
	Header http.Header
	// Host is what goes between "http://" (https:// over TLS) and the path in the Location of
	// a directory redirect, "name[:port]"; "" means RedirectHost(r), which
	// is what nginx uses.
	Host string
	// symlinks is disable_symlinks for Path (see symlinks.go).
	symlinks symlinkPolicy
}

// StaticResult says how ServeStatic answered.
type StaticResult struct {
	// Status is the status sent; 0 when Declined.
	Status int
	// Declined is set when URI ends in '/': nothing was sent, and the
	// caller runs the index (or autoindex) logic, as nginx's index module
	// does before the static handler.
	Declined bool
	// Bytes is the number of body bytes written (0 for HEAD).
	Bytes int64
}

// ServeStatic answers r with the file at p.Path the way nginx's static
// handler and its header and body filters do:
//
//   - a method other than GET, HEAD or POST: 405 (before anything else);
//   - a URI ending in '/': Declined, nothing written;
//   - the file is opened read-only and non-blocking, following symlinks;
//     ENOENT, ENOTDIR, ENAMETOOLONG: 404; EACCES, ELOOP, EMLINK: 403; any
//     other error (a socket file gives ENXIO): 500;
//   - a directory: 301, Location = "http://" + Host + the URI escaped as
//     nginx's NGX_ESCAPE_URI does + "/" (+ "?" + Args); a URI that does not
//     start with '/' (a relative X-Accel-Redirect) gives a relative Location;
//   - not a regular file (a FIFO, a device): 404; POST to a file: 405;
//   - otherwise Content-Length, Last-Modified, ETag "<hex mtime>-<hex size>"
//     and the Content-Type; then If-Unmodified-Since (a date that does not
//     parse fails it) and If-Match (strong) may give 412, which drops every
//     header set so far, p.Header's included; If-Modified-Since (exact match only) and
//     If-None-Match (weak) may give 304 without Content-Type, Content-Length
//     and the last Accept-Ranges line; then Range (bytes=, with If-Range
//     comparing the ETag byte for byte or the date for equality) gives 206
//     with one part or a multipart/byteranges body, 416 with Content-Range
//     "bytes */size", or a full 200 that gets "Accept-Ranges: bytes" added.
//
// Error statuses get nginx's HTML page (see WriteErrorPage).
func ServeStatic(w http.ResponseWriter, r *http.Request, p StaticParams) StaticResult {
	// The charset nginx splits off a copied Content-Type outlives the type
	// itself and ends up on the error pages.
	charset := contentTypeCharset(p.Header.Get("Content-Type"))
	fail := func(status int) StaticResult {
		addHeaders(w.Header(), p.Header)
		return StaticResult{Status: status, Bytes: errorPage(w, r, status, charset)}
	}

	if r.Method != http.MethodGet && r.Method != http.MethodHead && r.Method != http.MethodPost {
		return fail(http.StatusMethodNotAllowed)
	}
	if strings.HasSuffix(p.URI, "/") {
		return StaticResult{Declined: true}
	}

	f, status := openFile(p.Path, p.symlinks)
	if status != 0 {
		return fail(status)
	}
	defer f.Close()

	if f.isDir() {
		host := p.Host
		if host == "" {
			host = RedirectHost(r)
		}
		h := w.Header()
		addHeaders(h, p.Header)
		h.Set("Location", directoryLocationScheme(scheme(r), host, p.URI, p.Args))
		return StaticResult{Status: http.StatusMovedPermanently,
			Bytes: errorPage(w, r, http.StatusMovedPermanently, charset)}
	}
	if !f.isRegular() {
		return fail(http.StatusNotFound)
	}
	if r.Method == http.MethodPost {
		return fail(http.StatusMethodNotAllowed)
	}

	size := f.st.Size
	mtime := statMtime(&f.st)
	// nginx keeps the mtime in last_modified_time, where -1 means "none":
	// a file whose mtime is exactly -1 gets no Last-Modified and skips the
	// date logic.
	hasMtime := mtime != -1
	stamp := stampFor(mtime, size)
	etag := stamp.etag

	if hasMtime {
		switch notModified(r, mtime, etag) {
		case http.StatusPreconditionFailed:
			// ngx_http_filter_finalize_request: ngx_http_clean_header
			// drops every header set so far, copied ones included.
			h := w.Header()
			for k := range h {
				delete(h, k)
			}
			return StaticResult{Status: http.StatusPreconditionFailed,
				Bytes: errorPage(w, r, http.StatusPreconditionFailed, "")}
		case http.StatusNotModified:
			h := w.Header()
			addHeaders(h, p.Header)
			h.Del("Content-Type")
			h.Del("Content-Length")
			dropLastAcceptRanges(h)
			h.Set("Last-Modified", stamp.lastModified)
			h.Set("ETag", etag)
			w.WriteHeader(http.StatusNotModified)
			return StaticResult{Status: http.StatusNotModified}
		}
	}

	h := w.Header()
	addHeaders(h, p.Header)
	ct := h.Get("Content-Type")
	if ct == "" {
		ct = p.ContentType
	}
	if ct != "" {
		if vs := h["Content-Type"]; len(vs) != 1 || vs[0] != ct {
			h["Content-Type"] = []string{ct}
		}
	} else {
		// Present but nil: net/http neither sends nor sniffs one.
		h["Content-Type"] = nil
	}

	ranges, res := requestedRanges(r, size, mtime, hasMtime, etag)
	switch res {
	case rangeUnsatisfiable:
		h.Set("Content-Range", "bytes */"+strconv.FormatInt(size, 10))
		return StaticResult{Status: http.StatusRequestedRangeNotSatisfiable,
			Bytes: errorPage(w, r, http.StatusRequestedRangeNotSatisfiable, charset)}
	case rangeOK:
		if hasMtime {
			h.Set("Last-Modified", stamp.lastModified)
		}
		h.Set("ETag", etag)
		if len(ranges) == 1 {
			return serveSingleRange(w, r, f, ranges[0], size)
		}
		return serveMultipart(w, r, f, ranges, size, ct)
	}

	// The four fields share one allocation (net/http's Header.Set would
	// make one per field); a field's slice has no room to grow in place.
	vals := stamp.fields()
	if hasMtime {
		h["Last-Modified"] = vals[0:1:1]
	}
	h["Etag"] = vals[1:2:2]
	h["Content-Length"] = vals[2:3:3]
	if ar := h["Accept-Ranges"]; len(ar) > 0 {
		h["Accept-Ranges"] = append(ar, "bytes")
	} else {
		h["Accept-Ranges"] = vals[3:4:4]
	}
	w.WriteHeader(http.StatusOK)
	result := StaticResult{Status: http.StatusOK}
	if r.Method != http.MethodHead {
		result.Bytes, _ = f.send(w, size)
	}
	return result
}

// staticFile is a file the static handler opened: the descriptor, with no
// *os.File around it unless it is sent with sendfile(2) (a regular file
// cannot go into the poller anyway, so an *os.File buys nothing else), and
// what fstat(2) said about it.
type staticFile struct {
	fd   int
	path string
	st   syscall.Stat_t
	os   *os.File // set once the descriptor is handed to one
}

func (f *staticFile) isDir() bool     { return f.st.Mode&syscall.S_IFMT == syscall.S_IFDIR }
func (f *staticFile) isRegular() bool { return f.st.Mode&syscall.S_IFMT == syscall.S_IFREG }

// ReadAt is pread(2), as io.ReaderAt.
func (f *staticFile) ReadAt(b []byte, off int64) (int, error) {
	n := 0
	for n < len(b) {
		m, err := syscall.Pread(f.fd, b[n:], off+int64(n))
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return n, &os.PathError{Op: "read", Path: f.path, Err: err}
		}
		if m == 0 {
			return n, io.EOF
		}
		n += m
	}
	return n, nil
}

func (f *staticFile) Close() error {
	if f.os != nil {
		return f.os.Close()
	}
	return syscall.Close(f.fd)
}

// send writes the first n bytes of the file to w: a small file with one
// write from a pooled buffer, a bigger one through w's ReadFrom (net/http
// sends a file with sendfile(2)) when w has one.
func (f *staticFile) send(w io.Writer, n int64) (int64, error) {
	if rf, ok := w.(io.ReaderFrom); ok && n > copyBufSize {
		f.os = os.NewFile(uintptr(f.fd), f.path)
		return rf.ReadFrom(io.LimitReader(f.os, n))
	}
	b := getCopyBuf()
	defer putCopyBuf(b)
	var sent int64
	for sent < n {
		chunk := (*b)[:min(n-sent, int64(len(*b)))]
		m, err := f.ReadAt(chunk, sent)
		if m > 0 {
			m, werr := w.Write(chunk[:m])
			sent += int64(m)
			if werr != nil {
				return sent, werr
			}
		}
		if err != nil {
			return sent, err
		}
	}
	return sent, nil
}

// openFile opens path as ngx_open_cached_file does without a cache:
// open(O_RDONLY|O_NONBLOCK), so a FIFO does not hang, then fstat. status is
// the HTTP status for a failure, 0 on success. nginx hands the path to the
// C library, which stops at a NUL byte; so does openFile.
func openFile(path string, pol symlinkPolicy) (*staticFile, int) {
	if i := strings.IndexByte(path, 0); i >= 0 {
		path = path[:i]
	}
	fd, err := openPath(path, syscall.O_RDONLY|syscall.O_NONBLOCK, pol)
	if err != nil {
		return nil, openErrorStatus(err)
	}
	f := &staticFile{fd: fd, path: path}
	for {
		err = syscall.Fstat(fd, &f.st)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		syscall.Close(fd)
		return nil, http.StatusInternalServerError
	}
	return f, 0
}

// fileStamp is what the header of a 200 says about a file version: its
// Last-Modified, ETag and Content-Length.
type fileStamp struct {
	mtime, size        int64
	lastModified, etag string
	length             string
}

// lastStamp is the stamp made last: the same file sent again (the common
// case) needs no formatting.
var lastStamp atomic.Pointer[fileStamp]

// stampFor returns the stamp of a file with the given mtime and size.
func stampFor(mtime, size int64) *fileStamp {
	if s := lastStamp.Load(); s != nil && s.mtime == mtime && s.size == size {
		return s
	}
	s := &fileStamp{mtime: mtime, size: size,
		lastModified: httpTime(mtime),
		etag:         fmt.Sprintf(`"%x-%x"`, mtime, size),
		length:       strconv.FormatInt(size, 10),
	}
	lastStamp.Store(s)
	return s
}

// fields returns the values of Last-Modified, ETag, Content-Length and
// "bytes" (Accept-Ranges), in one new slice.
func (s *fileStamp) fields() []string {
	return []string{s.lastModified, s.etag, s.length, "bytes"}
}

// openErrorStatus maps an open error as ngx_http_static_handler does.
func openErrorStatus(err error) int {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		switch errno {
		case syscall.ENOENT, syscall.ENOTDIR, syscall.ENAMETOOLONG:
			return http.StatusNotFound
		case syscall.EACCES, syscall.ELOOP, syscall.EMLINK:
			return http.StatusForbidden
		}
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return http.StatusNotFound
	case errors.Is(err, fs.ErrPermission):
		return http.StatusForbidden
	}
	return http.StatusInternalServerError
}

// addHeaders appends src's fields to dst (keys canonicalized), unless they
// are the same map.
func addHeaders(dst, src http.Header) {
	if len(src) == 0 || reflect.ValueOf(dst).UnsafePointer() == reflect.ValueOf(src).UnsafePointer() {
		return
	}
	for k, vs := range src {
		ck := http.CanonicalHeaderKey(k)
		dst[ck] = append(dst[ck], vs...)
	}
}

// dropLastAcceptRanges is ngx_http_clear_accept_ranges for a response whose
// range filter has not run: r->headers_out.accept_ranges points at the last
// Accept-Ranges line copied from an upstream, and only that one goes.
func dropLastAcceptRanges(h http.Header) {
	vs := h["Accept-Ranges"]
	switch len(vs) {
	case 0:
	case 1:
		delete(h, "Accept-Ranges")
	default:
		h["Accept-Ranges"] = vs[: len(vs)-1 : len(vs)-1]
	}
}

// httpTime formats a Unix time as nginx's ngx_http_time does (for the years
// 1970 to 9999, the same as http.TimeFormat).
func httpTime(t int64) string {
	return time.Unix(t, 0).UTC().Format(http.TimeFormat)
}

// firstHeader returns the first value of a request header and whether the
// header is present at all (nginx keeps the first Range, If-Range and
// User-Agent line; duplicate If-* lines are a 400 before any handler runs).
func firstHeader(r *http.Request, name string) (string, bool) {
	vs, ok := r.Header[name]
	if !ok || len(vs) == 0 {
		return "", false
	}
	return vs[0], true
}

// notModified is the not-modified filter for a 200 response: it returns
// 412, 304, or 0 to go on.
func notModified(r *http.Request, mtime int64, etag string) int {
	if v, ok := firstHeader(r, "If-Unmodified-Since"); ok {
		if !(parseHTTPTime(v) >= mtime) {
			return http.StatusPreconditionFailed
		}
	}
	if v, ok := firstHeader(r, "If-Match"); ok {
		if !etagListMatch(v, etag, false) {
			return http.StatusPreconditionFailed
		}
	}
	ims, hasIMS := firstHeader(r, "If-Modified-Since")
	inm, hasINM := firstHeader(r, "If-None-Match")
	if !hasIMS && !hasINM {
		return 0
	}
	// if_modified_since exact: only the very same second is "not modified".
	if hasIMS && parseHTTPTime(ims) != mtime {
		return 0
	}
	if hasINM && !etagListMatch(inm, etag, true) {
		return 0
	}
	return http.StatusNotModified
}

// etagListMatch is ngx_http_test_if_match: "*" alone matches; otherwise the
// comma-separated list is scanned for an entry that is the ETag byte for
// byte, followed only by spaces or tabs up to the next comma or the end.
// With weak, a "W/" before an entry is skipped. The scan stops, failing, as
// soon as what is left of the list is shorter than the ETag.
func etagListMatch(list, etag string, weak bool) bool {
	if list == "*" {
		return true
	}
	if weak && len(etag) > 2 && strings.HasPrefix(etag, "W/") {
		etag = etag[2:]
	}
	i, n := 0, len(list)
	for i < n {
		if weak && n-i > 2 && list[i] == 'W' && list[i+1] == '/' {
			i += 2
		}
		if len(etag) > n-i {
			return false
		}
		if list[i:i+len(etag)] == etag {
			j := i + len(etag)
			for j < n && (list[j] == ' ' || list[j] == '\t') {
				j++
			}
			if j == n || list[j] == ',' {
				return true
			}
			i = j
		}
		for i < n && list[i] != ',' {
			i++
		}
		for i < n && (list[i] == ' ' || list[i] == '\t' || list[i] == ',') {
			i++
		}
	}
	return false
}

// byteRange is a half-open range [start, end) of the file.
type byteRange struct {
	start, end int64
}

// Outcomes of ngx_http_range_parse.
const (
	rangeNone          = iota // no usable Range: a full 200 with Accept-Ranges
	rangeOK                   // 206
	rangeUnsatisfiable        // 416
)

// requestedRanges is the range header filter's decision for a 200 response
// of the given size: whether Range applies (a "bytes=" value of at least 7
// bytes, case-insensitive, and If-Range satisfied) and what it asks for.
func requestedRanges(r *http.Request, size, mtime int64, hasMtime bool, etag string) ([]byteRange, int) {
	v, ok := firstHeader(r, "Range")
	if !ok || len(v) < 7 || !strings.EqualFold(v[:6], "bytes=") {
		return nil, rangeNone
	}
	if ir, ok := firstHeader(r, "If-Range"); ok {
		if len(ir) >= 2 && ir[len(ir)-1] == '"' {
			if ir != etag {
				return nil, rangeNone
			}
		} else if !hasMtime || parseHTTPTime(ir) != mtime {
			return nil, rangeNone
		}
	}
	return parseRanges(v[6:], size)
}

// parseRanges is ngx_http_range_parse over the value after "bytes=", with
// max_ranges unlimited. Spaces (not tabs) may surround numbers, '-' and ','.
// "a-b" is clipped to the size; "a-" runs to the end; "-n" is the last n
// bytes. A range that starts beyond the end is skipped, but one that is
// empty because it starts at 0 (any range of an empty file, "-0" of an
// empty file) makes the whole header ignored (200). A syntax error anywhere,
// an overflowing number, a trailing comma, or no range left gives 416.
// Ranges are kept as sent (unsorted, overlapping), but when they add up to
// more than the size the header is ignored (200).
func parseRanges(s string, size int64) ([]byteRange, int) {
	// nginx reads the NUL-terminated header value; at returns 0 past the end.
	at := func(i int) byte {
		if i < len(s) {
			return s[i]
		}
		return 0
	}
	digit := func(c byte) bool { return '0' <= c && c <= '9' }
	const cutoff, cutlim = math.MaxInt64 / 10, math.MaxInt64 % 10

	var ranges []byteRange
	var total int64
	p := 0
	for {
		var start, end int64
		suffix := false
		for at(p) == ' ' {
			p++
		}
		if at(p) != '-' {
			if !digit(at(p)) {
				return nil, rangeUnsatisfiable
			}
			for digit(at(p)) {
				d := int64(at(p) - '0')
				if start >= cutoff && (start > cutoff || d > cutlim) {
					return nil, rangeUnsatisfiable
				}
				start = start*10 + d
				p++
			}
			for at(p) == ' ' {
				p++
			}
			if at(p) != '-' {
				return nil, rangeUnsatisfiable
			}
			p++
			for at(p) == ' ' {
				p++
			}
			if at(p) == ',' || at(p) == 0 {
				end = size
				goto found
			}
		} else {
			suffix = true
			p++
		}
		if !digit(at(p)) {
			return nil, rangeUnsatisfiable
		}
		for digit(at(p)) {
			d := int64(at(p) - '0')
			if end >= cutoff && (end > cutoff || d > cutlim) {
				return nil, rangeUnsatisfiable
			}
			end = end*10 + d
			p++
		}
		for at(p) == ' ' {
			p++
		}
		if at(p) != ',' && at(p) != 0 {
			return nil, rangeUnsatisfiable
		}
		if suffix {
			if end < size {
				start = size - end
			} else {
				start = 0
			}
			end = size - 1
		}
		if end >= size {
			end = size
		} else {
			end++
		}
	found:
		if start < end {
			ranges = append(ranges, byteRange{start, end})
			if total > math.MaxInt64-(end-start) {
				return nil, rangeUnsatisfiable
			}
			total += end - start
		} else if start == 0 {
			return nil, rangeNone
		}
		c := at(p)
		p++
		if c != ',' {
			break
		}
	}
	if len(ranges) == 0 {
		return nil, rangeUnsatisfiable
	}
	if total > size {
		return nil, rangeNone
	}
	return ranges, rangeOK
}

// serveSingleRange sends a 206 with one range (headers already set).
func serveSingleRange(w http.ResponseWriter, r *http.Request, f io.ReaderAt, rg byteRange, size int64) StaticResult {
	h := w.Header()
	h.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", rg.start, rg.end-1, size))
	h.Set("Content-Length", strconv.FormatInt(rg.end-rg.start, 10))
	w.WriteHeader(http.StatusPartialContent)
	res := StaticResult{Status: http.StatusPartialContent}
	if r.Method != http.MethodHead {
		res.Bytes, _ = copyBody(w, io.NewSectionReader(f, rg.start, rg.end-rg.start))
	}
	return res
}

// boundaryCounter stands in for ngx_next_temp_number, which numbers the
// multipart boundaries of a worker.
var boundaryCounter atomic.Uint64

// serveMultipart sends a 206 multipart/byteranges body laid out exactly as
// nginx does: each part is CRLF "--" boundary CRLF, "Content-Type: " ct CRLF
// (only when there is a type), "Content-Range: bytes a-b/size" CRLF CRLF and
// the data; the body ends with CRLF "--" boundary "--" CRLF. The boundary is
// 20 digits.
func serveMultipart(w http.ResponseWriter, r *http.Request, f io.ReaderAt, ranges []byteRange, size int64, ct string) StaticResult {
	boundary := fmt.Sprintf("%020d", boundaryCounter.Add(1))
	head := "\r\n--" + boundary + "\r\n"
	if ct != "" {
		head += "Content-Type: " + ct + "\r\n"
	}
	head += "Content-Range: bytes "
	tail := "\r\n--" + boundary + "--\r\n"

	parts := make([]string, len(ranges))
	length := int64(len(tail))
	for i, rg := range ranges {
		parts[i] = fmt.Sprintf("%d-%d/%d\r\n\r\n", rg.start, rg.end-1, size)
		length += int64(len(head)+len(parts[i])) + rg.end - rg.start
	}

	h := w.Header()
	h["Content-Type"] = []string{"multipart/byteranges; boundary=" + boundary}
	h.Set("Content-Length", strconv.FormatInt(length, 10))
	w.WriteHeader(http.StatusPartialContent)
	res := StaticResult{Status: http.StatusPartialContent}
	if r.Method == http.MethodHead {
		return res
	}
	for i, rg := range ranges {
		n, err := io.WriteString(w, head+parts[i])
		res.Bytes += int64(n)
		if err != nil {
			return res
		}
		m, err := copyBody(w, io.NewSectionReader(f, rg.start, rg.end-rg.start))
		res.Bytes += m
		if err != nil {
			return res
		}
	}
	n, _ := io.WriteString(w, tail)
	res.Bytes += int64(n)
	return res
}

// directoryLocation is the Location of the static handler's directory
// redirect after the header filter: the escaped URI + "/" (+ "?" + args),
// made absolute with host when it starts with '/'.
func directoryLocation(host, uri, args string) string {
	return directoryLocationScheme("http", host, uri, args)
}

// directoryLocationScheme is directoryLocation for a request over scheme
// (https on a TLS connection).
func directoryLocationScheme(scheme, host, uri, args string) string {
	loc := escapeURI(uri) + "/"
	if args != "" {
		loc += "?" + args
	}
	if strings.HasPrefix(loc, "/") {
		loc = scheme + "://" + host + loc
	}
	return loc
}

// escapeURI is ngx_escape_uri(NGX_ESCAPE_URI) of nginx 1.21.1 and later:
// control bytes, space, '"', '#', '%', '<', '>', '?', '\', '^', '`', '{',
// '|', '}', DEL and every byte >= 0x80 become %XX (upper-case hex).
func escapeURI(s string) string {
	const hex = "0123456789ABCDEF"
	n := 0
	for i := 0; i < len(s); i++ {
		if uriEscaped(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if uriEscaped(c) {
			b = append(b, '%', hex[c>>4], hex[c&0xf])
		} else {
			b = append(b, c)
		}
	}
	return string(b)
}

func uriEscaped(c byte) bool {
	if c <= ' ' || c >= 0x7f {
		return true
	}
	return strings.IndexByte("\"#%<>?\\^`{|}", c) >= 0
}

// RedirectHost returns the "name[:port]" nginx puts in an absolute redirect
// (ngx_http_header_filter with server_name_in_redirect off and
// port_in_redirect on): the host of the request (r.Host, which net/http takes
// from an absolute-form target before the Host header, as nginx does)
// lower-cased, without its port and without one trailing dot; without a
// host (HTTP/1.0), the local address the request came in on, an IPv6 one
// without brackets as nginx prints it. Then ":" and the local port the
// request came in on (not the port in the Host header), unless it is 80
// (443 over TLS).
func RedirectHost(r *http.Request) string {
	var local *net.TCPAddr
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		local, _ = a.(*net.TCPAddr)
	}
	host := serverName(r.Host)
	if host == "" && local != nil {
		host = local.IP.String()
	}
	std := 80
	if r.TLS != nil {
		std = 443
	}
	if local != nil && local.Port != std && local.Port != 0 {
		host += ":" + strconv.Itoa(local.Port)
	}
	return host
}

// serverName is what ngx_http_validate_host keeps of a valid host: the part
// before the port (a bracketed IPv6 literal is kept whole), minus one
// trailing dot, lower-cased.
func serverName(host string) string {
	n := len(host)
	literal := false
	for i := 0; i < len(host); i++ {
		switch c := host[i]; {
		case c == '[' && i == 0:
			literal = true
		case c == ']' && literal:
			n = i + 1
			i = len(host)
		case c == ':' && !literal:
			n = i
			i = len(host)
		}
	}
	return lowerASCII(strings.TrimSuffix(host[:n], "."))
}

// errorTail ends every built-in error page. It is nginx's tail for
// `server_tokens off`; with the default `server_tokens on` nginx prints its
// version instead ("<center>nginx/1.22.1</center>"), which an emulator has
// no business claiming.
const errorTail = "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"

// msiePadding is appended to 4xx and 5xx pages for MSIE and Chrome
// (msie_padding on), so that they do not show their own "friendly" page.
const msiePadding = "<!-- a padding to disable MSIE and Chrome friendly error page -->\r\n" +
	"<!-- a padding to disable MSIE and Chrome friendly error page -->\r\n" +
	"<!-- a padding to disable MSIE and Chrome friendly error page -->\r\n" +
	"<!-- a padding to disable MSIE and Chrome friendly error page -->\r\n" +
	"<!-- a padding to disable MSIE and Chrome friendly error page -->\r\n" +
	"<!-- a padding to disable MSIE and Chrome friendly error page -->\r\n"

// errorTitles are the statuses nginx has a built-in page for, with the
// text of the page (which is not always Go's status text).
var errorTitles = map[int]string{
	301: "301 Moved Permanently",
	302: "302 Found",
	303: "303 See Other",
	307: "307 Temporary Redirect",
	308: "308 Permanent Redirect",
	400: "400 Bad Request",
	401: "401 Authorization Required",
	402: "402 Payment Required",
	403: "403 Forbidden",
	404: "404 Not Found",
	405: "405 Not Allowed",
	406: "406 Not Acceptable",
	408: "408 Request Time-out",
	409: "409 Conflict",
	410: "410 Gone",
	411: "411 Length Required",
	412: "412 Precondition Failed",
	413: "413 Request Entity Too Large",
	414: "414 Request-URI Too Large",
	415: "415 Unsupported Media Type",
	416: "416 Requested Range Not Satisfiable",
	421: "421 Misdirected Request",
	429: "429 Too Many Requests",
	500: "500 Internal Server Error",
	501: "501 Not Implemented",
	502: "502 Bad Gateway",
	503: "503 Service Temporarily Unavailable",
	504: "504 Gateway Time-out",
	505: "505 HTTP Version Not Supported",
	507: "507 Insufficient Storage",
}

// ErrorPage returns the body of nginx's built-in page for status (without
// the MSIE padding), or "" when nginx has none.
func ErrorPage(status int) string {
	if status == http1.StatusHeaderTooLarge {
		// ngx_http_error_494_page: a 400 page with the reason below.
		return "<html>\r\n<head><title>400 Request Header Or Cookie Too Large</title></head>\r\n<body>\r\n" +
			"<center><h1>400 Bad Request</h1></center>\r\n<center>Request Header Or Cookie Too Large</center>\r\n" + errorTail
	}
	if status == http1.StatusPlainHTTPToHTTPS {
		// ngx_http_error_497_page, sent with status 400 too.
		return "<html>\r\n<head><title>400 The plain HTTP request was sent to HTTPS port</title></head>\r\n<body>\r\n" +
			"<center><h1>400 Bad Request</h1></center>\r\n<center>The plain HTTP request was sent to HTTPS port</center>\r\n" + errorTail
	}
	title, ok := errorTitles[status]
	if !ok {
		return ""
	}
	return "<html>\r\n<head><title>" + title + "</title></head>\r\n<body>\r\n<center><h1>" +
		title + "</h1></center>\r\n" + errorTail
}

// WriteErrorPage answers with status and nginx's built-in page, as
// ngx_http_special_response_handler does without error_page: header's
// fields (headers decided earlier, such as those an X-Accel-Redirect copies;
// may be nil or w.Header() itself) are added to w.Header(), then
// Content-Type becomes text/html (with the charset of the Content-Type
// decided earlier, which nginx keeps apart and appends), Content-Length is
// the page's, Last-Modified and ETag go, and so does the last Accept-Ranges
// line; Location and Content-Range already set stay. MSIE and Chrome get
// the padding on 4xx and 5xx pages. HEAD gets no body. A status nginx has
// no page for gets an empty body and no Content-Type. It returns the number
// of body bytes written.
func WriteErrorPage(w http.ResponseWriter, r *http.Request, status int, header http.Header) int64 {
	h := w.Header()
	addHeaders(h, header)
	return errorPage(w, r, status, contentTypeCharset(h.Get("Content-Type")))
}

// errorPage is WriteErrorPage for headers already in place, with the
// charset to append to text/html.
func errorPage(w http.ResponseWriter, r *http.Request, status int, charset string) int64 {
	h := w.Header()
	h.Del("Last-Modified")
	h.Del("ETag")
	dropLastAcceptRanges(h)

	closeAfterError(w, status)
	body := ErrorPage(status)
	if status == http1.StatusHeaderTooLarge || status == http1.StatusPlainHTTPToHTTPS {
		// A page of its own, sent with status 400.
		status = http.StatusBadRequest
	}
	if body == "" {
		h["Content-Type"] = nil
		h.Del("Content-Length")
		w.WriteHeader(status)
		return 0
	}
	if status >= 400 && msieOrChrome(r) {
		body += msiePadding
	}
	ct := "text/html"
	if charset != "" {
		ct += "; charset=" + charset
	}
	h["Content-Type"] = []string{ct}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if r.Method == http.MethodHead {
		return 0
	}
	n, _ := io.WriteString(w, body)
	return int64(n)
}

// contentTypeCharset is the charset ngx_http_upstream_copy_content_type
// splits off a Content-Type: the value after the first "; charset="
// (case-insensitive, spaces allowed after ';'), without one leading and one
// trailing double quote.
func contentTypeCharset(ct string) string {
	_, charset := splitCharset(ct)
	return charset
}

// msieOrChrome reports whether nginx's User-Agent sniffing
// (ngx_http_process_user_agent, first User-Agent line) marks the request as
// MSIE or Chrome.
func msieOrChrome(r *http.Request) bool {
	ua, ok := firstHeader(r, "User-Agent")
	if !ok {
		return false
	}
	i := strings.Index(ua, "MSIE ")
	msie := i >= 0 && i+7 < len(ua)
	opera := strings.Contains(ua, "Opera")
	if opera {
		return false
	}
	if msie {
		return true
	}
	return !strings.Contains(ua, "Gecko/") && strings.Contains(ua, "Chrome/")
}

// parseHTTPTime is ngx_parse_http_time: RFC 1123 ("Sun, 06 Nov 1994
// 08:49:37 GMT"), RFC 850 ("Sunday, 06-Nov-94 08:49:37 GMT") and asctime
// ("Sun Nov  6 08:49:37 1994") dates, with nginx's leniency (the weekday and
// what follows the time are not checked, a month is known by one to three
// letters) and -1 (NGX_ERROR) for anything it rejects.
func parseHTTPTime(s string) int64 {
	const (
		fmtNone = iota
		fmtRFC822
		fmtRFC850
		fmtISOC
	)
	at := func(i int) byte {
		if i >= 0 && i < len(s) {
			return s[i]
		}
		return 0
	}
	digit := func(i int) bool { return '0' <= at(i) && at(i) <= '9' }
	num := func(i, n int) uint64 {
		var v uint64
		for k := 0; k < n; k++ {
			v = v*10 + uint64(at(i+k)-'0')
		}
		return v
	}
	end := len(s)
	format := fmtNone
	p := 0
	for ; p < end; p++ {
		if s[p] == ',' {
			break
		}
		if s[p] == ' ' {
			format = fmtISOC
			break
		}
	}
	for p++; p < end; p++ {
		if s[p] != ' ' {
			break
		}
	}
	if end-p < 18 {
		return -1
	}
	var day, year, hour, min, sec uint64
	if format != fmtISOC {
		if !digit(p) || !digit(p+1) {
			return -1
		}
		day = num(p, 2)
		p += 2
		switch at(p) {
		case ' ':
			if end-p < 18 {
				return -1
			}
			format = fmtRFC822
		case '-':
			format = fmtRFC850
		default:
			return -1
		}
		p++
	}

	var month int64
	switch at(p) {
	case 'J':
		switch {
		case at(p+1) == 'a':
			month = 0
		case at(p+2) == 'n':
			month = 5
		default:
			month = 6
		}
	case 'F':
		month = 1
	case 'M':
		if at(p+2) == 'r' {
			month = 2
		} else {
			month = 4
		}
	case 'A':
		if at(p+1) == 'p' {
			month = 3
		} else {
			month = 7
		}
	case 'S':
		month = 8
	case 'O':
		month = 9
	case 'N':
		month = 10
	case 'D':
		month = 11
	default:
		return -1
	}
	p += 3
	if (format == fmtRFC822 && at(p) != ' ') || (format == fmtRFC850 && at(p) != '-') {
		return -1
	}
	p++

	switch format {
	case fmtRFC822:
		if !digit(p) || !digit(p+1) || !digit(p+2) || !digit(p+3) {
			return -1
		}
		year = num(p, 4)
		p += 4
	case fmtRFC850:
		if !digit(p) || !digit(p+1) {
			return -1
		}
		year = num(p, 2)
		if year < 70 {
			year += 2000
		} else {
			year += 1900
		}
		p += 2
	case fmtISOC:
		if at(p) == ' ' {
			p++
		}
		if !digit(p) {
			return -1
		}
		day = num(p, 1)
		p++
		if at(p) != ' ' {
			if !digit(p) {
				return -1
			}
			day = day*10 + num(p, 1)
			p++
		}
		if end-p < 14 {
			return -1
		}
	}

	if at(p) != ' ' {
		return -1
	}
	p++
	if !digit(p) || !digit(p+1) {
		return -1
	}
	hour = num(p, 2)
	p += 2
	if at(p) != ':' {
		return -1
	}
	p++
	if !digit(p) || !digit(p+1) {
		return -1
	}
	min = num(p, 2)
	p += 2
	if at(p) != ':' {
		return -1
	}
	p++
	if !digit(p) || !digit(p+1) {
		return -1
	}
	sec = num(p, 2)
	if format == fmtISOC {
		p += 2
		if at(p) != ' ' {
			return -1
		}
		p++
		if !digit(p) || !digit(p+1) || !digit(p+2) || !digit(p+3) {
			return -1
		}
		year = num(p, 4)
	}

	if hour > 23 || min > 59 || sec > 59 {
		return -1
	}
	mdays := [12]uint64{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}
	if day == 29 && month == 1 {
		if year&3 != 0 || (year%100 == 0 && year%400 != 0) {
			return -1
		}
	} else if day > mdays[month] {
		return -1
	}

	// Gauss' formula, with the year starting on March 1st, in nginx's
	// unsigned arithmetic.
	month--
	if month <= 0 {
		month += 12
		year--
	}
	days := 365*year + year/4 - year/100 + year/400 + uint64(367*month/12) - 30 + day - 1 - 719527 + 31 + 28
	return int64(days*86400 + hour*3600 + min*60 + sec)
}
