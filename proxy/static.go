//go:build unix

package proxy

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"reflect"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"

	"github.com/xaccel/xaccel/proxy/internal/http1"
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
// if_modified_since exact, max_ranges unlimited, msie_padding on,
// disable_symlinks off; server_tokens and msie_refresh are those the writer
// carries (see pageSettings), off for a writer other than the handler's.

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
	// is what nginx uses, unless HostSet says "" is the host (a server
	// without server_name under server_name_in_redirect on, with
	// port_in_redirect off: nginx writes "http:///dir/").
	Host    string
	HostSet bool
	// IfModifiedSince is if_modified_since ("" is exact); Ranges is
	// max_ranges.
	IfModifiedSince string
	Ranges          rangeLimit
	// RelativeRedirect leaves the Location of a directory redirect
	// without scheme and host (absolute_redirect off).
	RelativeRedirect bool
	// symlinks is disable_symlinks for Path (see symlinks.go).
	symlinks symlinkPolicy
	// rangeLM and rangeETag, when set, are the Last-Modified and ETag
	// the location's add_header gives the file: nginx's headers filter
	// runs after the not-modified filter and before the range filter, so
	// If-Range is compared with them.
	rangeLM, rangeETag *string
}

// rangeValidators are the Last-Modified time and ETag If-Range is
// compared with: the file's, or those add_header gives it (a date that
// does not parse, or an empty value, matches no If-Range).
func (p *StaticParams) rangeValidators(mtime int64, hasMtime bool, etag string) (int64, bool, string) {
	if p.rangeLM != nil {
		mtime = parseHTTPTime(*p.rangeLM)
		hasMtime = *p.rangeLM != "" && mtime >= 0
	}
	if p.rangeETag != nil {
		etag = *p.rangeETag
		if etag == "" {
			etag = "\x00" // no ETag: no If-Range value equals it
		}
	}
	return mtime, hasMtime, etag
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
	// OpenErr is why the file could not be opened, when it could not.
	OpenErr error
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

	f, status, err := openFile(p.Path, p.symlinks)
	if status != 0 {
		res := fail(status)
		res.OpenErr = err
		return res
	}
	defer f.Close()

	if f.isDir() {
		host := p.Host
		if host == "" && !p.HostSet {
			host = RedirectHost(r)
		}
		h := w.Header()
		addHeaders(h, p.Header)
		loc := escapeURI(p.URI) + "/"
		if p.Args != "" {
			loc += "?" + p.Args
		}
		if s, ok := w.(specialWriter); ok {
			s.setRawLocation(loc)
		}
		if p.RelativeRedirect {
			h.Set("Location", loc)
		} else {
			h.Set("Location", directoryLocationScheme(scheme(r), host, p.URI, p.Args))
		}
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
		switch notModified(r, mtime, etag, p.IfModifiedSince) {
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

	rmtime, rhas, retag := p.rangeValidators(mtime, hasMtime, etag)
	ranges, res := requestedRanges(r, size, rmtime, rhas, retag, p.Ranges)
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
		// Before add_header's fields and the range filter's
		// Content-Range, as nginx's header list has them.
		http1.Order(w, "Etag")
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
	http1.Order(w, "Etag")
	h["Content-Length"] = vals[2:3:3]
	switch ar := h["Accept-Ranges"]; {
	case res == rangeDisabled:
	case len(ar) > 0:
		h["Accept-Ranges"] = append(ar, "bytes")
	default:
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
func openFile(path string, pol symlinkPolicy) (*staticFile, int, error) {
	if i := strings.IndexByte(path, 0); i >= 0 {
		path = path[:i]
	}
	fd, err := openPath(path, syscall.O_RDONLY|syscall.O_NONBLOCK, pol)
	if err != nil {
		return nil, openErrorStatus(err), err
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
		return nil, http.StatusInternalServerError, err
	}
	return f, 0, nil
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
