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

// return (ngx_http_rewrite_module): a status, a text or a redirect.

// statusClose is nginx's 444 (NGX_HTTP_CLOSE): no answer, the connection
// is closed.
const statusClose = 444

// doReturn handles `return code [text|URL]` and `return URL`
// (ngx_http_rewrite_return_code): a redirect or a code >= 400 without text
// is finished like an error (error_page applies); anything else is sent by
// ngx_http_send_response, with the type of $uri's extension unless a type
// is already set.
func (h *Handler) doReturn(w http.ResponseWriter, rq *request, l *nginx.Location, d *nginx.Directive) step {
	if rq.hasBody && !rq.bodyRead && http1.MalformedBuffered(rq.r.Body) {
		// ngx_http_discard_request_body finds the body's chunks broken
		// in what has arrived: 400.
		return h.fail(w, rq, http.StatusBadRequest, l)
	}
	// ngx_http_send_response sets the status before it evaluates the text
	// or the URL: $status in them is the status being returned.
	code, err := strconv.Atoi(d.Arg(0))
	if err != nil {
		rq.status = http.StatusFound
		w.Header().Set("Location", h.absolute(rq, l, h.expand(rq, d.Arg(0))))
		return h.fail(w, rq, http.StatusFound, l)
	}
	if code == statusClose && abortResponse(w) {
		// NGX_HTTP_CLOSE: the connection closes without an answer.
		return done(statusClose)
	}
	text := ""
	if len(d.Args) > 1 {
		rq.status = code
		text = h.expand(rq, d.Args[1])
	}
	switch code {
	case 301, 302, 303, 307, 308:
		w.Header().Set("Location", h.absolute(rq, l, text))
		return h.fail(w, rq, code, l)
	}
	if len(d.Args) == 1 && code >= 400 {
		return h.fail(w, rq, code, l)
	}
	hdr := w.Header()
	addHeaders(hdr, rq.out)
	if len(hdr.Values("Content-Type")) == 0 {
		lc := h.conf(l)
		if ct := lc.types.typeFor(rq.uri, lc.defaultType); ct != "" {
			hdr.Set("Content-Type", ct)
		} else {
			hdr["Content-Type"] = nil
		}
	}
	hdr.Set("Content-Length", strconv.Itoa(len(text)))
	hw := h.hook(w, rq, l, remapErrStatus)
	hw.WriteHeader(code)
	if rq.method != http.MethodHead {
		io.WriteString(hw, text)
	}
	if rq.errStatus != 0 {
		code = rq.errStatus
	}
	return done(code)
}

// absolute is what the header filter does to a Location that starts with
// '/' in a request answered in l (absolute_redirect, server_name_in_redirect
// and port_in_redirect there).
// The target is kept as rq.location (what msie_refresh sends).
func (h *Handler) absolute(rq *request, l *nginx.Location, target string) string {
	rq.location = target
	if strings.HasPrefix(target, "/") {
		return h.redirectBase(rq, l) + target
	}
	return target
}
