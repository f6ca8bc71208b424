//go:build unix

package proxy

import (
	"net/http"
	"strconv"
	"strings"
)

// The auth request module (ngx_http_auth_request_module): a subrequest to
// the auth_request URI decides. Its answer is never sent; its status is:
// 2xx lets the request in, 401 and 403 refuse it with that status (401
// with the subrequest's first WWW-Authenticate, as nginx 1.22 copies one),
// anything else is 500 ("auth request unexpected status"), but a 444 of
// the subrequest (`return 444` there, or in the error_page it went to)
// closes the connection as it would the request's own.
//
// The subrequest is a GET of the URI, without the client's arguments,
// with the client's headers, handled as an internal request (internal
// locations match) without an access phase of its own. nginx gives it an
// empty body but a proxied app is still told the client's length (the
// request's content_length_n: the Content-Length the client sent, or the
// size of a body read already, chunked or not); the documentation's
// `proxy_pass_request_body off; proxy_set_header Content-Length "";` is
// there for that. An app that waits for those bytes waits until one side
// gives up, and the request is refused: serve sends the same.

// authRequest runs the subrequest of ac. It returns declined when there is
// no auth_request, status 0 when the request may go on, or the status to
// refuse it with and the WWW-Authenticate values for a 401.
func (h *Handler) authRequest(rq *request, ac *accessConf) (status int, www []string, declined bool) {
	if ac.authRequest == "" {
		return 0, nil, true
	}
	sub := &request{
		r: rq.r, method: http.MethodGet, uri: ac.authRequest, internal: true, sub: true, main: rq.mainRequest(),
		bodyRead: true, uriChanges: maxURIChanges, out: http.Header{}, tracing: rq.tracing,
		vars: rq.vars, cached: rq.sharedCache(),
	}
	// The request's length ($content_length) without the body
	// (sub.body stays empty).
	if v := contentLength(rq); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			sub.hasBody, sub.bodyLen = true, n
		}
	}
	cw := &captureWriter{hdr: http.Header{}}
	got := h.process(cw, sub, step{kind: stepURI})
	rq.trace = append(rq.trace, sub.trace...)
	if cw.status != 0 {
		got = cw.status
	}
	// auth_request_set: evaluated in the subrequest (its $upstream_*,
	// $sent_http_*), set in the request, kept across its redirects.
	for _, d := range ac.authSet {
		name := strings.TrimPrefix(d.Arg(0), "$")
		v := h.expand(sub, d.Arg(1))
		if name == "args" {
			rq.args = v // the variable's set handler
			continue
		}
		if rq.vars == nil {
			rq.vars = map[string]string{}
		}
		rq.vars[name] = v
	}
	rq.note("auth request " + ac.authRequest + " -> " + statusText(got))
	switch {
	case got == statusClose:
		return statusClose, nil, false
	case got == http.StatusForbidden:
		return got, nil, false
	case got == http.StatusUnauthorized:
		if sub.upstream != nil {
			if v, ok := sub.upstream.First("Www-Authenticate"); ok {
				www = []string{v}
			}
		}
		return got, www, false
	case got >= 200 && got < 300:
		return 0, nil, false
	}
	rq.note("auth request unexpected status")
	return http.StatusInternalServerError, nil, false
}

func statusText(s int) string {
	if s == 0 {
		return "no answer"
	}
	return http.StatusText(s) + " (" + strconv.Itoa(s) + ")"
}

// captureWriter takes a subrequest's answer: the status, the header; the
// body is dropped.
type captureWriter struct {
	hdr    http.Header
	status int
}

func (c *captureWriter) Header() http.Header { return c.hdr }

func (c *captureWriter) WriteHeader(status int) {
	if c.status == 0 {
		c.status = status
	}
}

func (c *captureWriter) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	return len(b), nil
}
