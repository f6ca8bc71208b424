package proxy

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/xaccel/xaccel/nginx"
)

// hopHeaders are not passed to the app (RFC 9110 connection-specific
// fields); nginx sends its own Connection: close.
var hopHeaders = []string{"Connection", "Keep-Alive", "Proxy-Connection", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

// hiddenByDefault are the upstream headers nginx's proxy module does not
// pass to the client (proxy_hide_header defaults).
var hiddenByDefault = []string{"Date", "Server", "X-Pad", "X-Accel-Expires", "X-Accel-Redirect", "X-Accel-Limit-Rate", "X-Accel-Buffering", "X-Accel-Charset"}

// keptOnRedirect are the upstream headers X-Accel-Redirect copies into
// the response (nginx-semantics 1.4); the rest of the upstream response is
// dropped.
var keptOnRedirect = []string{"Content-Type", "Set-Cookie", "Content-Disposition", "Cache-Control", "Expires", "Accept-Ranges"}

// doProxy sends the request to the app. next is true when the app answered
// with X-Accel-Redirect and processing goes on with the new URI.
func (h *Handler) doProxy(w http.ResponseWriter, rq *request, l *nginx.Location, d *nginx.Directive) (next bool, status int) {
	target, err := url.Parse(h.expand(rq, d.Arg(0)))
	if err != nil || target.Host == "" {
		return false, h.errorPage(w, rq, http.StatusInternalServerError, l)
	}
	base := "http://" + target.Host
	if mapped, ok := h.opts.Upstreams[target.Host]; ok {
		base = strings.TrimSuffix(mapped, "/")
	} else if mapped, ok := h.opts.Upstreams[target.Hostname()]; ok {
		base = strings.TrimSuffix(mapped, "/")
	}
	reqURI := h.upstreamURI(rq, l, target)
	req, err := http.NewRequest(rq.method, base+reqURI, bytes.NewReader(rq.body))
	if err != nil {
		return false, h.errorPage(w, rq, http.StatusInternalServerError, l)
	}
	req.URL.Opaque = "" // keep the path as built, escapes included
	req.URL, _ = url.Parse(base + reqURI)
	for k, vs := range rq.r.Header {
		req.Header[k] = append([]string(nil), vs...)
	}
	for _, hh := range hopHeaders {
		req.Header.Del(hh)
	}
	req.Host = target.Host
	if target.Port() == "80" {
		req.Host = target.Hostname()
	}
	for _, s := range nginx.Effective(l.Levels(), "proxy_set_header") {
		v := h.expand(rq, s.Arg(1))
		if strings.EqualFold(s.Arg(0), "Host") {
			req.Host = v
			continue
		}
		if v == "" {
			req.Header.Del(s.Arg(0))
		} else {
			req.Header.Set(s.Arg(0), v)
		}
	}
	req.Close = true
	req.ContentLength = int64(len(rq.body))
	resp, err := h.client.Do(req)
	if err != nil {
		rq.trace = append(rq.trace, "upstream error: "+err.Error())
		return false, h.errorPage(w, rq, http.StatusBadGateway, l)
	}
	defer resp.Body.Close()
	rq.upstream = resp.Header
	levels := l.Levels()
	if xar, ok := firstValue(resp.Header, "X-Accel-Redirect"); ok && !ignored(levels, "X-Accel-Redirect") {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		return h.accelRedirect(w, rq, l, resp.Header, strings.Trim(xar, " "))
	}
	hdr := w.Header()
	for k, vs := range resp.Header {
		if hidden(levels, k) {
			continue
		}
		hdr[k] = append([]string(nil), vs...)
	}
	status = resp.StatusCode
	h.finish(w, rq, l, status)
	if rq.method != http.MethodHead {
		io.Copy(w, resp.Body)
	}
	rq.trace = append(rq.trace, "proxied "+reqURI)
	return false, status
}

// upstreamURI is the request URI nginx sends to the app: with a URI part in
// proxy_pass, the location's prefix of $uri is replaced by it; without one,
// the client's original request URI (or, after an internal redirect, $uri
// escaped plus $args).
func (h *Handler) upstreamURI(rq *request, l *nginx.Location, target *url.URL) string {
	if target.Path == "" && target.RawPath == "" {
		if !rq.internal {
			return rq.r.RequestURI
		}
		u := escapeURI(rq.uri)
		if rq.args != "" {
			u += "?" + rq.args
		}
		return u
	}
	rest := rq.uri
	if l.IsPrefix() || l.Modifier == "=" {
		if strings.HasPrefix(rest, l.Match) {
			rest = rest[len(l.Match):]
		}
	}
	u := target.EscapedPath() + escapeURI(rest)
	if rest == "" {
		u = target.EscapedPath()
	}
	if rq.args != "" {
		u += "?" + rq.args
	}
	return u
}

// accelRedirect does what nginx does with X-Accel-Redirect: keep six
// headers, then an internal redirect to the URI or named location.
func (h *Handler) accelRedirect(w http.ResponseWriter, rq *request, l *nginx.Location, up http.Header, value string) (bool, int) {
	for _, k := range keptOnRedirect {
		vs := up.Values(k)
		if len(vs) == 0 {
			continue
		}
		switch k {
		case "Content-Type", "Expires":
			rq.out.Set(k, vs[0])
		case "Set-Cookie":
			for _, v := range vs {
				rq.out.Add(k, v)
			}
		default:
			rq.out[k] = append([]string(nil), vs...)
		}
	}
	rq.trace = append(rq.trace, "X-Accel-Redirect: "+value)
	if strings.HasPrefix(value, "@") {
		named := h.named(value)
		if named == nil {
			return false, h.errorPage(w, rq, http.StatusInternalServerError, nil)
		}
		rq.internal = true
		return h.runNamed(w, rq, named)
	}
	uri, args, _, err := nginx.ParseAccelRedirect(value)
	if err != nil {
		return false, h.errorPage(w, rq, http.StatusNotFound, l)
	}
	rq.uri, rq.args, rq.internal = uri, args, true
	if rq.method != http.MethodHead {
		rq.method = http.MethodGet
	}
	return true, 0
}

// named finds a named location of the server.
func (h *Handler) named(name string) *nginx.Location {
	for _, l := range h.srv.Locations {
		if l.Modifier == "@" && l.Match == name {
			return l
		}
	}
	return nil
}

// runNamed processes a request in a named location: $uri and the method
// stay as they are.
func (h *Handler) runNamed(w http.ResponseWriter, rq *request, l *nginx.Location) (bool, int) {
	rq.redirects++
	if rq.redirects > maxRedirects {
		return false, h.errorPage(w, rq, http.StatusInternalServerError, nil)
	}
	rq.trace = append(rq.trace, "["+l.String()+"]")
	handler := l.Handler()
	switch {
	case handler != nil && handler.Name == "return":
		return false, h.doReturn(w, rq, l, handler)
	case handler != nil && handler.Name == "proxy_pass":
		return h.doProxy(w, rq, l, handler)
	case handler != nil:
		return false, h.errorPage(w, rq, http.StatusBadGateway, l)
	}
	return h.doFiles(w, rq, l, nil)
}

func firstValue(hdr http.Header, name string) (string, bool) {
	vs := hdr.Values(name)
	if len(vs) == 0 {
		return "", false
	}
	return vs[0], true
}

// ignored reports whether proxy_ignore_headers switches off the processing
// of header name.
func ignored(levels []*nginx.Directive, name string) bool {
	for _, d := range nginx.Effective(levels, "proxy_ignore_headers") {
		for _, a := range d.Args {
			if strings.EqualFold(a, name) {
				return true
			}
		}
	}
	return false
}

// hidden reports whether an upstream header is kept from the client:
// nginx's default list and proxy_hide_header, unless proxy_pass_header
// lets it through.
func hidden(levels []*nginx.Directive, name string) bool {
	for _, d := range nginx.Effective(levels, "proxy_pass_header") {
		if strings.EqualFold(d.Arg(0), name) {
			return false
		}
	}
	for _, hname := range hiddenByDefault {
		if strings.EqualFold(hname, name) {
			return true
		}
	}
	for _, d := range nginx.Effective(levels, "proxy_hide_header") {
		if strings.EqualFold(d.Arg(0), name) {
			return true
		}
	}
	for _, hh := range hopHeaders {
		if strings.EqualFold(hh, name) {
			return true
		}
	}
	return false
}
