//go:build unix

package proxy

import (
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/xaccel/xaccel/nginx"
	"github.com/xaccel/xaccel/proxy/internal/http1"
)

// Errors and error_page (ngx_http_special_response_handler and
// ngx_http_send_error_page), and the writer that runs the header filters
// and catches the statuses error_page takes over.

// fail finishes the request with an error or redirect status the way
// ngx_http_special_response_handler does: r->err_status is set; an
// error_page for the status (of location l, nil: the server level) is used
// if none was used before and uri_changes are left; otherwise nginx's
// built-in page is sent, with the headers copied from an upstream
// (nginx-semantics 1.5). A Location already set in the response stays.
func (h *Handler) fail(w http.ResponseWriter, rq *request, status int, l *nginx.Location) step {
	lc := h.conf(l)
	rq.errStatus = status
	closeAfterError(w, status)
	if !rq.errorPage && rq.uriChanges != 0 {
		if lc.errorPages {
			if !lc.recursiveErrorPages {
				rq.errorPage = true
			}
			if ep := errorPageFor(lc.levels, status); ep != nil {
				// ngx_http_special_response_handler forgets the type
				// an X-Accel-Redirect kept (content_type.len = 0): the
				// error page's location gives its own. (A charset in it
				// stays apart in nginx, appended to the new type; serve
				// keeps such a type whole.)
				if contentTypeCharset(rq.out.Get("Content-Type")) == "" {
					rq.out.Del("Content-Type")
				}
				return h.sendErrorPage(w, rq, l, ep)
			}
		}
	}
	WriteErrorPage(h.hook(w, rq, l, remapNone), rq.r, status, rq.out)
	return done(status)
}

// errorPageSpec is one `error_page codes... [=[code]] uri` directive.
type errorPageSpec struct {
	codes     []int
	overwrite int // -1: none; 0: "=" (the target's status); else the code
	value     string
}

// errorPageFor returns the error_page (in effect at levels) for status, or
// nil. Without "=", nginx answers an error page for 494 (request header
// too large), 495, 496 (client certificate) and 497 (plain HTTP to an
// HTTPS port) with 400: those codes are its own, not for clients.
func errorPageFor(levels []*nginx.Directive, status int) *errorPageSpec {
	for _, d := range nginx.Effective(levels, "error_page") {
		ep := parseErrorPage(d)
		if ep == nil {
			continue
		}
		for _, c := range ep.codes {
			if c == status {
				if ep.overwrite == -1 && status >= 494 && status <= 497 {
					ep.overwrite = http.StatusBadRequest
				}
				return ep
			}
		}
	}
	return nil
}

// parseErrorPage reads an error_page directive as ngx_http_core_error_page
// does: status codes, then "=" or "=code", then the URI (nil when malformed).
func parseErrorPage(d *nginx.Directive) *errorPageSpec {
	if len(d.Args) < 2 {
		return nil
	}
	ep := &errorPageSpec{overwrite: -1, value: d.Args[len(d.Args)-1]}
	n := len(d.Args) - 1
	if a := d.Args[n-1]; strings.HasPrefix(a, "=") {
		if n-1 == 0 {
			return nil
		}
		ep.overwrite = 0
		if len(a) > 1 {
			c, err := strconv.Atoi(a[1:])
			if err != nil || c < 0 {
				return nil
			}
			ep.overwrite = c
		}
		n--
	}
	for _, a := range d.Args[:n] {
		c, err := strconv.Atoi(a)
		if err != nil {
			return nil
		}
		ep.codes = append(ep.codes, c)
	}
	return ep
}

// sendErrorPage is ngx_http_send_error_page: with "=code" the status
// becomes code ("=" alone: the target's status); a URI is an internal
// redirect (the method becomes GET unless it is HEAD), @name a named one,
// anything else a 302 (or the =code given, if it is a redirect) to it.
func (h *Handler) sendErrorPage(w http.ResponseWriter, rq *request, l *nginx.Location, ep *errorPageSpec) step {
	if ep.overwrite >= 0 {
		rq.errStatus = ep.overwrite
	}
	if ep.overwrite != 0 && ep.overwrite != http.StatusOK {
		// ngx_http_send_error_page sets r->expect_tested: a client
		// that waits for "100 Continue" gets none, even from the
		// location that then reads its body (fastcgi_pass after
		// `error_page 404 /index.php`).
		noContinue(w)
	}
	v := h.expand(rq, ep.value)
	if rq.tracing {
		rq.trace = append(rq.trace, "error_page "+v)
	}
	switch {
	case strings.HasPrefix(v, "/"):
		uri, args, _ := strings.Cut(v, "?")
		if rq.method != http.MethodHead {
			rq.method = http.MethodGet
		}
		return h.redirectURI(w, rq, l, uri, args)
	case strings.HasPrefix(v, "@"):
		return h.redirectNamed(w, rq, l, v)
	}
	status := http.StatusFound
	switch ep.overwrite {
	case 301, 302, 303, 307, 308:
		status = ep.overwrite
	}
	rq.errStatus = status
	w.Header().Set("Location", v)
	rq.location = v
	hw := h.hook(w, rq, l, remapNone)
	// ngx_http_send_error_page sends the MSIE refresh for a 302 only.
	hw.noRefresh = status != http.StatusFound
	WriteErrorPage(hw, rq.r, status, rq.out)
	return done(status)
}

// How a hookWriter turns the status written into the one sent.
const (
	remapNone      = iota // as written
	remapErrStatus        // r->err_status when set (an error page's content)
	remapStatic           // the static handler's (see Handler.static)
)

// serverNginx is the value of the Server header with server_tokens off,
// serverTokens with server_tokens on or build (see errorTailTokens). The
// slices are shared by every response: header values are replaced or
// appended to (their capacity is 1, so an append copies), never written in
// place.
var (
	serverNginx  = []string{"nginx"}[:1:1]
	serverTokens = []string{"nginx/" + nginxVersion}[:1:1]
)

// hookWriter applies the final location's header filters when the status
// is written, whoever writes it. For the static handler it can also hold
// back an error status that an error_page handles, and the page that goes
// with it (intercept).
type hookWriter struct {
	http.ResponseWriter
	h     *Handler
	rq    *request
	lc    *locConf
	remap int
	// staticErr is the err_status the static handler sends a file with
	// (remapStatic).
	staticErr int
	done      bool
	// intercept, when set, catches a status >= 300 (but 304) that an
	// error_page of the location handles, while no error page was used
	// and uri_changes are left; caught is that status.
	intercept bool
	caught    int
	// noRefresh keeps msie_refresh from a redirect that nginx sends
	// without it (an error_page redirect other than 302).
	noRefresh bool
	// relayed is set when the response is an app's (relay).
	relayed bool
	// recode is the charset filter's table for the body (nil: none);
	// multipartRecode the one found for a file before the range filter
	// made its answer multipart.
	recode, multipartRecode *[256]byte
	// held holds the body for sub_filter and SSI (nil: none).
	held *heldBody
}

// pageSettings are those of the location: the special responses written
// through hw read them.
func (hw *hookWriter) pageSettings() pageSettings {
	s := hw.lc.page
	if hw.noRefresh {
		s.msieRefresh = false
	}
	return s
}

func (hw *hookWriter) rawLocation() string       { return hw.rq.location }
func (hw *hookWriter) setRawLocation(loc string) { hw.rq.location = loc }

// Unwrap gives the writer below, for the client side to find its own
// (http1.Abort, CloseAfter, SetLimits).
func (hw *hookWriter) Unwrap() http.ResponseWriter { return hw.ResponseWriter }

func (hw *hookWriter) WriteHeader(status int) {
	if hw.caught != 0 {
		return
	}
	if hw.intercept && hw.interceptable(status) {
		hw.caught = status
		return
	}
	if !hw.done {
		hw.done = true
		status = hw.before(status)
	}
	hw.ResponseWriter.WriteHeader(status)
}

func (hw *hookWriter) Write(b []byte) (int, error) {
	if hw.caught != 0 {
		return len(b), nil
	}
	if !hw.done {
		hw.WriteHeader(http.StatusOK)
	}
	if hw.held != nil {
		return hw.held.hold(b)
	}
	if hw.recode != nil {
		out := make([]byte, len(b))
		for i, c := range b {
			out[i] = hw.recode[c]
		}
		return hw.ResponseWriter.Write(out)
	}
	return hw.ResponseWriter.Write(b)
}

// ReadFrom sends src after the header, with the writer below's ReadFrom
// when it has one (net/http's uses sendfile(2) for a file).
func (hw *hookWriter) ReadFrom(src io.Reader) (int64, error) {
	if !hw.done {
		hw.WriteHeader(http.StatusOK)
	}
	if hw.caught != 0 {
		return io.Copy(io.Discard, src)
	}
	if hw.recode != nil || hw.held != nil {
		return copyBody(hw, src) // through Write (never ReadFrom): recoded, held
	}
	if rf, ok := hw.ResponseWriter.(io.ReaderFrom); ok {
		return rf.ReadFrom(src)
	}
	return copyBody(hw.ResponseWriter, src)
}

func (hw *hookWriter) interceptable(status int) bool {
	rq := hw.rq
	return status >= 300 && status != http.StatusNotModified && !rq.errorPage &&
		rq.uriChanges != 0 && errorPageFor(hw.lc.levels, status) != nil
}

// hook wraps w so that writing the status runs what nginx's header filters
// do for a request finally handled in location l (nil: the server level):
// remap says how the status written becomes the one sent (remapErrStatus:
// the err_status of an error page); the headers filter adds `expires` and
// `add_header`; the charset filter may append a charset to the
// Content-Type; Server is nginx's.
func (h *Handler) hook(w http.ResponseWriter, rq *request, l *nginx.Location, remap int) *hookWriter {
	if hw, ok := w.(*hookWriter); ok {
		w = hw.ResponseWriter
	}
	return &hookWriter{ResponseWriter: w, h: h, rq: rq, lc: h.conf(l), remap: remap}
}

// rangeFilterFields are the fields of a file's answer that nginx's range
// filter adds, after the headers filter.
var rangeFilterFields = []string{"Content-Range", "Accept-Ranges"}

// before runs the header filters for status and returns the status sent.
func (hw *hookWriter) before(status int) int {
	rq, lc := hw.rq, hw.lc
	hdr := hw.ResponseWriter.Header()
	if rq.relLocation != "" {
		if v := hdr["Location"]; len(v) == 1 && v[0] == rq.relLocation {
			if d := nearest(lc.levels, "absolute_redirect"); d == nil || d.Arg(0) != "off" {
				hdr["Location"] = []string{scheme(rq.r) + "://" + hw.h.redirectHost(rq.r, lc.levels) + v[0]}
			}
		}
		rq.relLocation = ""
	}
	switch hw.remap {
	case remapErrStatus:
		if rq.errStatus != 0 {
			status = rq.errStatus
		}
	case remapStatic:
		if errStatus := hw.staticErr; status == http.StatusOK && errStatus != 0 && errStatus != http.StatusOK {
			// The range filter did not run, and the header filter sends
			// the file's Last-Modified with 200, 206 and 304 only.
			dropLastAcceptRanges(hdr)
			if errStatus != http.StatusPartialContent && errStatus != http.StatusNotModified {
				hdr.Del("Last-Modified")
			}
			status = errStatus
		} else if status >= 300 && status != http.StatusNotModified && status != http.StatusRequestedRangeNotSatisfiable && rq.errStatus != 0 {
			// An error the static handler answers itself after an
			// error_page (no other one left) goes through
			// ngx_http_special_response_handler, which makes it
			// r->err_status: $status is it, not the code "=200" gave.
			rq.errStatus = status
		}
	}
	if hw.remap == remapStatic {
		// A file's Content-Range and Accept-Ranges come from nginx's
		// range filter, after the headers filter: add_header's
		// $sent_http_* does not see them.
		rq.notYet = rangeFilterFields
		defer func() { rq.notYet = nil }()
		// The range filter also makes the multipart type, and a 416 goes
		// through the headers filter first as the file's 200: both
		// passes see the file's type ($sent_http_* keeps what it read).
		if status == http.StatusRequestedRangeNotSatisfiable ||
			status == http.StatusPartialContent && strings.HasPrefix(hdr.Get("Content-Type"), "multipart/byteranges") {
			rq.sentType = rq.fileType
			defer func() { rq.sentType = "" }()
		}
	}
	if status == http.StatusRequestedRangeNotSatisfiable {
		// nginx's range filter turns a 200 already through the
		// headers filter into a 416 that goes through it again: the
		// headers added for 200 stay and the `always` ones come twice.
		rq.status = http.StatusOK
		hw.h.headersFilter(hdr, rq, lc, http.StatusOK)
	}
	// A file's 206 is made by nginx's range filter, which runs after the
	// headers filter (ngx_http_range_header_filter comes later in the
	// chain than ngx_http_headers_filter): add_header's $status is 200.
	filterStatus := status
	if hw.remap == remapStatic && status == http.StatusPartialContent {
		filterStatus = http.StatusOK
	}
	rq.status = filterStatus
	// A 204 of nginx's own (not an app's, whose status line nginx
	// keeps): no type (ngx_http_special_response_handler), and no length
	// or date (ngx_http_header_filter, after add_header, whose
	// Content-Type line stays).
	own204 := status == http.StatusNoContent && !hw.relayed
	owned := len(hdr["Content-Type"])
	hw.h.headersFilter(hdr, rq, lc, filterStatus)
	if own204 {
		// add_header saw the type ($sent_http_content_type); the
		// header filter drops it, not the lines add_header gave.
		if ct := hdr["Content-Type"][owned:]; len(ct) > 0 {
			hdr["Content-Type"] = ct
		} else {
			delete(hdr, "Content-Type")
		}
	}
	rq.status = status
	if rq.trailerConf != nil {
		expectTrailers(hw.ResponseWriter)
	}
	if own204 {
		delete(hdr, "Content-Length")
		delete(hdr, "Last-Modified")
	}
	// expires' and add_header's fields after what was there, and the
	// range filter's Accept-Ranges after them.
	http1.Order(hw.ResponseWriter, rq.added...)
	http1.Order(hw.ResponseWriter, "Accept-Ranges")
	subCT := hdr.Get("Content-Type") // as sub_filter's header filter sees it
	hw.recode = hw.h.charsetFilter(hdr, rq, lc, status)
	if hw.multipartRecode != nil && status == http.StatusPartialContent {
		hw.recode = hw.multipartRecode
	}
	if rq.charsetFailed {
		abortResponse(hw.ResponseWriter)
	}
	// sub_filter's header filter runs before the charset filter's, SSI's
	// after it; their body filters need the body whole.
	sub, ssi := hw.subHeader(hdr, subCT), hw.ssiHeader(hdr)
	if sub || ssi {
		hb := &heldBody{w: hw.ResponseWriter, recode: hw.recode}
		if sub {
			hb.sub = &lc.sub
		}
		if ssi {
			hb.ssi = &lc.ssi
		}
		hw.held, rq.held = hb, hb
	}
	if _, set := hdr["Server"]; !set {
		hdr["Server"] = serverNginx
		if lc.page.tokens {
			hdr["Server"] = serverTokens
		}
	}
	return status
}
