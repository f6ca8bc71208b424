//go:build unix

package proxy

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/xaccel/xaccel/proxy/internal/http1"
	"github.com/xaccel/xaccel/proxy/internal/upstream"
	"github.com/xaccel/xaccel/proxy/internal/wire"

	"github.com/xaccel/xaccel/nginx"
)

// hiddenByDefault are the upstream headers nginx's proxy module does not
// pass to the client (the proxy_hide_header defaults). Connection,
// Keep-Alive and Transfer-Encoding are never copied either: the upstream
// module handles them itself.
var hiddenByDefault = []string{"Date", "Server", "X-Pad", "X-Accel-Expires", "X-Accel-Redirect", "X-Accel-Limit-Rate", "X-Accel-Buffering", "X-Accel-Charset"}

// neverCopied are the upstream headers ngx_http_upstream_headers_in[]
// ignores on the way to the client, whatever proxy_pass_header says.
var neverCopied = []string{"Connection", "Keep-Alive", "Transfer-Encoding"}

// upstreamTimeout bounds one exchange with an upstream (nginx's
// proxy_connect_timeout, proxy_send_timeout and proxy_read_timeout all
// default to 60 s).
const upstreamTimeout = 60 * time.Second

// cacheClearedHeaders are the request headers nginx does not pass to an
// app for a request a cache may keep (proxy_cache, fastcgi_cache or
// uwsgi_cache other than off, a method of *_cache_methods), so that what
// it answers is the whole resource (ngx_http_proxy_cache_headers and the
// FastCGI and uwsgi modules' HTTP_ params); nginx's not-modified filter
// then judges the request's conditionals against the app's answer.
// serve does not cache (it is listed at start-up), but the app sees the
// request nginx would send and the client gets what nginx would send on
// a miss.
var cacheClearedHeaders = map[string]bool{
	"If-Modified-Since": true, "If-Unmodified-Since": true, "If-None-Match": true,
	"If-Match": true, "Range": true, "If-Range": true,
}

// relayOptions say what of nginx's filters apply to an app's answer:
// the not-modified filter (cacheable: a request a cache may keep), the
// headers sent as the app sent them once passed (passedAbsence), and the
// range filter (forceRanges: proxy_force_ranges and its kin).
type relayOptions struct {
	cacheable     bool
	passedAbsence []string
	forceRanges   bool
}

// relayRanges is the range filter on an app's 200 with
// proxy_force_ranges: a Range of one range the app left alone is answered
// from its body (several ranges are not: nginx allows one for an answer
// that does not come from a cache), a Range that asks for nothing there
// is 416, and an answer without a satisfied Range gets
// "Accept-Ranges: bytes". ok is false when
// the 200 is to go on as it is (the header may have gained
// Accept-Ranges).
func (h *Handler) relayRanges(w http.ResponseWriter, rq *request, l *nginx.Location, resp *upstream.Response, hdr http.Header) (step, bool) {
	size, ok := wire.ParseDigits(hdr.Get("Content-Length"))
	lc := h.conf(l)
	if ct := hdr.Get("Content-Type"); !ok || lc.ssi.applies(ct) || len(lc.sub.pairs) > 0 && typeListed(lc.sub.types, ct) {
		return step{}, false // no length (or SSI, sub_filter take it): the range filter stays out
	}
	lm, hasLM := int64(-1), false
	if v := hdr.Get("Last-Modified"); v != "" {
		lm = parseHTTPTime(v)
		hasLM = lm >= 0
	}
	ranges, res := requestedRanges(rq.r, size, lm, hasLM, hdr.Get("ETag"), maxRanges(lc.levels))
	switch res {
	case rangeDisabled:
		return step{}, false
	case rangeUnsatisfiable:
		hdr.Set("Content-Range", "bytes */"+strconv.FormatInt(size, 10))
		hw := h.hook(w, rq, l, remapErrStatus)
		hw.relayed = true
		errorPage(hw, rq.r, http.StatusRequestedRangeNotSatisfiable, contentTypeCharset(hdr.Get("Content-Type")))
		return done(http.StatusRequestedRangeNotSatisfiable), true
	case rangeOK:
	default:
		hdr.Set("Accept-Ranges", "bytes")
		return step{}, false
	}
	if len(ranges) > 1 {
		// proxy_force_ranges allows one range only for an answer that
		// does not come from a cache (r->single_range).
		hdr.Set("Accept-Ranges", "bytes")
		return step{}, false
	}
	rg := ranges[0]
	hdr.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", rg.start, rg.end-1, size))
	hdr.Set("Content-Length", strconv.FormatInt(rg.end-rg.start, 10))
	hw := h.hook(w, rq, l, remapErrStatus)
	hw.relayed = true
	hw.WriteHeader(http.StatusPartialContent)
	if rq.method != http.MethodHead {
		_, err := io.CopyN(io.Discard, resp.Body, rg.start)
		if err == nil {
			_, err = io.CopyN(hw, resp.Body, rg.end-rg.start)
		}
		if err != nil {
			rq.note("response body cut: " + err.Error())
			abortResponse(w)
		}
	}
	return done(http.StatusPartialContent), true
}

// relayedNotModified is ngx_http_not_modified_header_filter for an app's
// 200 with the header hdr: 412 or 304 as the client's conditionals
// decide against its Last-Modified and ETag (none: a date precondition
// fails, an If-Match fails, If-Modified-Since and If-None-Match do not
// match), 0 to send it.
func (h *Handler) relayedNotModified(rq *request, l *nginx.Location, hdr http.Header) int {
	r := rq.r
	lm, hasLM := int64(-1), false
	if v := hdr.Get("Last-Modified"); v != "" {
		lm = parseHTTPTime(v)
		hasLM = lm >= 0
	}
	etag := hdr.Get("ETag")
	if _, ok := firstHeader(r, "If-Unmodified-Since"); ok && !hasLM {
		return http.StatusPreconditionFailed
	}
	if v, ok := firstHeader(r, "If-Match"); ok && etag == "" && v != "*" {
		return http.StatusPreconditionFailed
	}
	ims := ""
	if d := nearest(h.conf(l).levels, "if_modified_since"); d != nil {
		ims = d.Arg(0)
	}
	if _, ok := firstHeader(r, "If-Modified-Since"); ok && !hasLM {
		return 0 // without a Last-Modified nginx takes it as modified
	}
	if etag == "" {
		etag = "\x00" // no ETag: nothing matches it
	}
	return notModified(r, lm, etag, ims)
}

// upstreamErrorStatus is what a failed exchange answers: 504 for a
// timeout, else 502.
func upstreamErrorStatus(err error) int {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return http.StatusGatewayTimeout
	}
	return http.StatusBadGateway
}

// cacheMethods reads *_cache_methods at levels: GET and HEAD always,
// and those named.
func cacheMethods(levels []*nginx.Directive, name string) map[string]bool {
	m := map[string]bool{http.MethodGet: true, http.MethodHead: true}
	if d := nearest(levels, name); d != nil {
		for _, a := range d.Args {
			m[strings.ToUpper(a)] = true
		}
	}
	return m
}

// defaultBufferSize is proxy_buffer_size's default: one memory page.
const defaultBufferSize = 4096

// defaultBodyBuffer is client_body_buffer_size's default: two pages.
const defaultBodyBuffer = 8192

// proxyHeaders are the request headers nginx's proxy module sets itself
// (ngx_http_proxy_headers) unless proxy_set_header names them; an empty
// value is not sent. Content-Length is added by roundTrip.
var proxyHeaders = [][2]string{
	{"Host", "$proxy_host"}, {"Connection", "close"}, {"Content-Length", ""},
	{"Transfer-Encoding", ""}, {"TE", ""}, {"Keep-Alive", ""}, {"Expect", ""}, {"Upgrade", ""},
}

// doProxy sends the request to the app and handles its answer: an
// intercepted error, an X-Accel-Redirect, or a response passed to the
// client.
func (h *Handler) doProxy(w http.ResponseWriter, rq *request, l *nginx.Location, d *nginx.Directive) step {
	lc := h.conf(l)
	var t passTarget
	var dest upstreamDest
	var ok bool
	var err error
	if p := lc.pass; p != nil && d == lc.handler {
		t, ok, dest, err = p.target, p.ok, p.dest, p.err
	} else {
		t, ok = parsePass(h.expand(rq, d.Arg(0)))
		t.vars = strings.Contains(d.Arg(0), "$")
		if ok {
			dest, err = h.resolveUpstream(t)
		}
	}
	if !ok {
		if rq.tracing {
			rq.trace = append(rq.trace, "invalid proxy_pass URL")
		}
		return h.fail(w, rq, http.StatusInternalServerError, l)
	}
	// The body is read before the upstream is connected to
	// (ngx_http_read_client_request_body, then ngx_http_upstream_init),
	// unless proxy_request_buffering is off: then it goes to the app as
	// it arrives (a chunked one only over HTTP/1.1, which can carry it).
	var stream *upstream.Stream
	if !lc.requestBuffering && lc.passBody && lc.setBody == nil && rq.hasBody && !rq.bodyRead && rq.r.Body != nil && rq.r.Body != http.NoBody &&
		(rq.r.ContentLength >= 0 || lc.proxyHTTP11) && err == nil {
		rq.bodyRead = true
		stream = &upstream.Stream{R: &streamBody{rq: rq, r: rq.r.Body, max: lc.maxBody, keep: int64(lc.bodyBuffer) + int64(lc.bodyBuffer)>>2},
			Chunked: rq.r.ContentLength < 0}
	} else {
		switch st := h.readBody(rq, lc); st {
		case bodyOK:
		case bodyAbort, bodyFailed:
			if abortResponse(w) {
				return done(0)
			}
			return h.fail(w, rq, http.StatusBadRequest, l)
		default:
			return h.fail(w, rq, st, l)
		}
	}
	if err != nil {
		if rq.tracing {
			rq.trace = append(rq.trace, "upstream: "+err.Error())
		}
		return h.fail(w, rq, http.StatusBadGateway, l)
	}
	reqURI := dest.prefix + h.upstreamURI(rq, l, t)
	rq.proxyHost, rq.proxyPort = dest.hostHeader, passPort(t)
	if t.https && !dest.mapped {
		// TLS to each server (a --upstream app is plain HTTP).
		ps := lc.proxySSL
		if ps == nil {
			ps = &proxySSL{minV: tls.VersionTLS10, maxV: tls.VersionTLS12}
		}
		conf := ps.config(t.host)
		tlsDest := func(d upstream.Dest) upstream.Dest {
			d.TLS, d.Key = forPeer(conf, &h.upstreamSessions, d.Key), d.Key+" tls "+conf.ServerName
			return d
		}
		dest.Dest = tlsDest(dest.Dest)
		next := make([]upstream.Dest, len(dest.next))
		for i, d := range dest.next {
			next[i] = tlsDest(d)
		}
		dest.next = next
	}
	version := "1.0"
	if lc.proxyHTTP11 {
		version = "1.1"
	}

	bp := reqBufPool.Get().(*[]byte)
	defer func() {
		if cap(*bp) <= 64<<10 {
			reqBufPool.Put(bp)
		}
	}()
	// proxy_method, as evaluated (nginx sends an empty one as it is).
	method := rq.method
	if lc.proxyMethod != nil {
		method = h.expand(rq, lc.proxyMethod.Arg(0))
	}
	b := append((*bp)[:0], method...)
	b = append(b, ' ')
	b = append(b, reqURI...)
	b = append(b, " HTTP/"...)
	b = append(b, version...)
	b = append(b, "\r\n"...)
	// The request header: proxy_set_header values (config order), the
	// defaults they do not replace (ngx_http_proxy_init_headers merges
	// them in this order), then the client's header lines that none of
	// them names, in the client's order and case.
	hasConnection := false
	// proxy_set_body: its value is the body, and its length the
	// Content-Length (ctx->internal_body_length), whatever the client
	// sent; the client's body is read and dropped.
	var setBody []byte
	if lc.setBody != nil {
		setBody = []byte(h.expand(rq, lc.setBody.Arg(0)))
	}
	line := func(name, v string) {
		b = append(b, name...)
		b = append(b, ": "...)
		b = append(b, v...)
		b = append(b, "\r\n"...)
	}
	add := func(name, value string) {
		switch {
		case strings.EqualFold(name, "Content-Length"):
			// $proxy_internal_body_length: the client's body length,
			// when it sent one and it does not go in chunks.
			if value != "" && lc.setBody != nil {
				line(name, strconv.Itoa(len(setBody)))
			} else if value != "" && rq.hasBody && (stream == nil || !stream.Chunked) {
				n := rq.bodyLen
				if stream != nil {
					n = rq.r.ContentLength
				}
				line(name, strconv.FormatInt(n, 10))
			}
			return
		case strings.EqualFold(name, "Transfer-Encoding") && value == "$proxy_internal_chunked":
			if stream != nil && stream.Chunked {
				line(name, "chunked")
			}
			return
		}
		if v := h.expand(rq, value); v != "" {
			line(name, v)
			hasConnection = hasConnection || strings.EqualFold(name, "Connection")
		}
	}
	for _, s := range lc.proxySetHeader {
		add(s.Arg(0), s.Arg(1))
	}
	for _, ph := range proxyHeaders {
		if lc.proxySets(ph[0]) {
			continue
		}
		switch ph[0] {
		case "Content-Length":
			add(ph[0], "$proxy_internal_body_length")
		case "Transfer-Encoding":
			add(ph[0], "$proxy_internal_chunked")
		default:
			add(ph[0], ph[1])
		}
	}
	if lc.passHeaders {
		pass := func(k string) bool {
			return !isProxyHeader(k) && !lc.proxySets(k) && !(lc.proxyCacheMethods[rq.method] && cacheClearedHeaders[http.CanonicalHeaderKey(k)])
		}
		if lines, ok := http1.HeaderLines(rq.r); ok {
			for _, hl := range lines {
				// (a header taken away since, as for a target refused
				// before the header was read, is not sent)
				if _, kept := rq.r.Header[http.CanonicalHeaderKey(hl.Name)]; kept && pass(hl.Name) {
					line(hl.Name, hl.Value)
				}
			}
		} else {
			for _, k := range slices.Sorted(maps.Keys(rq.r.Header)) {
				if pass(k) {
					for _, v := range rq.r.Header[k] {
						line(k, v)
					}
				}
			}
		}
	}
	b = append(b, "\r\n"...)
	// proxy_pass_request_body off: the body is read, its length sent
	// (nginx 1.22 does), the body not.
	switch {
	case lc.setBody != nil:
		b = append(b, setBody...)
	case stream == nil && lc.passBody:
		b = append(b, rq.body...)
	}
	if stream != nil {
		// What of the body came with the request's header goes with the
		// request's header to the app, as nginx sends its preread part
		// (in one chunk when the body goes in chunks, with the last one
		// when the client's body ended there).
		if sb, ok := stream.R.(*streamBody); ok {
			var pre [16 << 10]byte
			n, err := sb.ReadBuffered(pre[:])
			if err != nil && err != io.EOF {
				return h.clientBodyFailed(w, rq, l, err)
			}
			if stream.Chunked {
				b = stream.AppendChunk(b, pre[:n], err == io.EOF)
			} else {
				b = append(b, pre[:n]...)
			}
		}
	}
	*bp = b
	var spooled *io.SectionReader
	if rq.bodyFile != nil && lc.passBody && lc.setBody == nil {
		spooled = io.NewSectionReader(rq.bodyFile, 0, rq.bodyLen)
	}
	var resp *upstream.Response
	defer rq.upDone()
	servers := append([]upstream.Dest{dest.Dest}, dest.next...)
	begun := time.Now()
	for i, dd := range servers {
		pool, mayKeep := h.pool.Use(dd, version, hasConnection)
		to := rq.upTimes(dd.Addr, lc.timeouts)
		if stream != nil {
			// A body sent as it arrives cannot be sent again.
			resp, err = upstream.RoundTripStream(dd, b, stream, rq.method, lc.bufferSize, to, pool, mayKeep)
			if errors.Is(err, upstream.ErrClientBody) {
				return h.clientBodyFailed(w, rq, l, stream.ClientErr)
			}
			rq.upHeader(resp)
			break
		}
		if spooled != nil {
			spooled.Seek(0, io.SeekStart)
		}
		resp, err = upstream.RoundTrip(dd, b, spooled, rq.method, lc.bufferSize, to, pool, mayKeep)
		rq.upHeader(resp)
		if lc.next.last(i, len(servers), begun) || !lc.next.retry(err, resp, rq.method) {
			break
		}
		// ngx_http_upstream_next: this server is done with; the next.
		if rq.tracing {
			rq.trace = append(rq.trace, "next upstream after "+dd.Addr)
		}
		if err != nil {
			rq.up.status = upstreamErrorStatus(err)
		} else {
			resp.Close()
		}
		rq.upDone()
		rq.upPast = append(rq.upPast, rq.up)
	}
	if err != nil {
		if rq.tracing {
			rq.trace = append(rq.trace, "upstream error: "+err.Error())
		}
		status := upstreamErrorStatus(err)
		rq.up.status = status
		rq.upDone() // nginx ends the exchange before its error page
		return h.fail(w, rq, status, l)
	}
	defer resp.Close()
	rq.upstream = resp
	if rq.tracing {
		rq.trace = append(rq.trace, fmt.Sprintf("proxied %s %s -> %d", rq.method, reqURI, resp.Status))
	}

	// ngx_http_upstream_intercept_errors runs first, for status >= 300.
	if resp.Status >= 300 && lc.interceptErrors && errorPageFor(lc.levels, resp.Status) != nil {
		if resp.Status == http.StatusUnauthorized {
			if v, ok := resp.First("Www-Authenticate"); ok {
				rq.setWWWAuthenticate(v)
			}
		}
		return h.fail(w, rq, resp.Status, l)
	}
	// X-Accel-Charset is processed while the header is parsed, also on the
	// X-Accel-Redirect path, where it survives the redirect.
	if v, ok := resp.First("X-Accel-Charset"); ok && !lc.ignoreCharset {
		rq.charset = v
	}
	if xar, ok := resp.First("X-Accel-Redirect"); ok && !lc.ignoreRedirect {
		// nginx leaves the body of an X-Accel-Redirect response unread, so
		// it keeps the connection only when there is no body to read.
		resp.Keepable = resp.Keepable && upstream.EmptyBody(resp, rq.method)
		return h.accelRedirect(w, rq, l, resp, xar)
	}

	return h.relay(w, rq, l, resp, relayOptions{cacheable: lc.proxyCacheMethods[rq.method], passedAbsence: []string{"Date", "Server"},
		forceRanges: lc.forceRanges}, lc.hidden, func(key, v string) string {
		switch key {
		case "Location":
			return h.rewriteLocation(rq, l, v)
		case "Refresh":
			return h.rewriteRefresh(rq, l, v)
		}
		return v
	})
}

// relay sends an app's response (proxied, FastCGI or uwsgi) on to the
// client: the headers an earlier X-Accel-Redirect kept come first, then
// the app's own unless hidden, with Location and Refresh as rewrite gives
// them (proxy_redirect), then the body. A body the app cuts short ends the
// client's connection without completing the response, as nginx ends it,
// so a chunked one has no last chunk.
//
// cacheable is set for a request a cache may keep: nginx's not-modified
// filter then judges the client's conditionals against the app's 200.
//
// passedAbsence are the headers nginx sends as the app sent them, none
// when it sent none, once they are passed (the proxy module's Date and
// Server under proxy_pass_header).
func (h *Handler) relay(w http.ResponseWriter, rq *request, l *nginx.Location, resp *upstream.Response,
	o relayOptions, hidden func(string) bool, rewrite func(key, value string) string) step {
	cacheable, passedAbsence := o.cacheable, o.passedAbsence
	hdr := w.Header()
	addHeaders(hdr, rq.out)
	for _, hl := range resp.Lines {
		key := hl.Key
		if hl.Dup || hidden(key) || o.forceRanges && key == "Accept-Ranges" {
			continue
		}
		switch key {
		case "Content-Type", "Content-Length", "Location":
			hdr.Set(key, rewrite(key, hl.Value))
		case "Refresh":
			hdr.Add(key, rewrite(key, hl.Value))
			http1.Order(w, key)
		default:
			name := outName(hl.Name)
			hdr[name] = append(hdr[name], hl.Value)
			http1.Order(w, name) // the app's order, as nginx keeps it
		}
	}
	if len(hdr.Values("Content-Type")) == 0 {
		hdr["Content-Type"] = nil // present but nil: net/http does not sniff one
	}
	for _, key := range passedAbsence {
		if len(hdr[key]) == 0 && !hidden(key) {
			// proxy_pass_header Date or Server: the app's, or none when
			// it sent none (present but nil), never nginx's own.
			hdr[key] = nil
		}
	}
	if cacheable && resp.Status == http.StatusOK && !rq.isSubrequest() {
		switch h.relayedNotModified(rq, l, hdr) {
		case http.StatusPreconditionFailed:
			// ngx_http_filter_finalize_request: a clean header, then the
			// special response.
			for k := range hdr {
				delete(hdr, k)
			}
			return h.fail(w, rq, http.StatusPreconditionFailed, l)
		case http.StatusNotModified:
			for _, k := range []string{"Content-Type", "Content-Length", "Accept-Ranges", "Content-Encoding"} {
				delete(hdr, k)
			}
			hw := h.hook(w, rq, l, remapErrStatus)
			hw.relayed = true
			hw.WriteHeader(http.StatusNotModified)
			return done(http.StatusNotModified)
		}
	}
	if o.forceRanges && resp.Status == http.StatusOK && !rq.isSubrequest() {
		if st, ok := h.relayRanges(w, rq, l, resp, hdr); ok {
			return st
		}
	}
	hw := h.hook(w, rq, l, remapErrStatus)
	hw.relayed = true
	if !rq.isSubrequest() {
		statusLine(w, resp.StatusText) // the app's, as nginx passes it on
	}
	hw.WriteHeader(resp.Status)
	if rq.method != http.MethodHead && !rq.sub {
		rq.up.relayed = true
		if _, err := copyBody(hw, resp.Body); err != nil {
			rq.note("response body cut: " + err.Error())
			h.finishHeld(rq) // what came goes out, then the connection ends
			abortResponse(w)
		}
	}
	status := resp.Status
	if rq.errStatus != 0 {
		status = rq.errStatus
	}
	return done(status)
}

// upstreamURI is the request URI nginx sends to the app
// (ngx_http_proxy_create_request): without a URI part in proxy_pass, the
// client's request target as received while it is still valid (no
// internal redirect but a named one happened), otherwise $uri escaped plus
// $args; with a URI part, the location's prefix of $uri replaced by it, or,
// when the URL has variables, that URI part as it is. $uri is escaped only
// after an internal redirect or when the client's target had %-escapes
// (r->quoted_uri), as nginx does.
func (h *Handler) upstreamURI(rq *request, l *nginx.Location, t passTarget) string {
	if t.vars && t.hasURI {
		return t.uri
	}
	if !t.hasURI && rq.unparsed {
		return unparsedURI(rq.r)
	}
	rest := rq.uri
	prefix := ""
	if t.hasURI && !rq.invalidLocation {
		prefix = t.uri
		if l.IsPrefix() || l.Modifier == "=" {
			if len(l.Match) <= len(rest) {
				rest = rest[len(l.Match):]
			} else {
				rest = ""
			}
		}
	}
	if rq.internal || rq.quoted {
		rest = escapeURI(rest)
	}
	u := prefix + rest
	if rq.args != "" {
		u += "?" + rq.args
	}
	return u
}

// unparsedURI is r->unparsed_uri: the request target as the client sent it,
// from the path on for an absolute-form target.
func unparsedURI(r *http.Request) string {
	u := r.RequestURI
	if !strings.HasPrefix(u, "/") {
		if i := strings.Index(u, "://"); i >= 0 {
			rest := u[i+3:]
			if j := strings.IndexAny(rest, "/?"); j >= 0 {
				u = rest[j:]
				if strings.HasPrefix(u, "?") {
					u = "/" + u
				}
			} else {
				u = "/"
			}
		}
	}
	return u
}

// requestURIVar is $request_uri, r->unparsed_uri: the request target as
// the client sent it, from the path on for an absolute-form target
// (ngx_http_parse_request_line starts it at the path's slash, at the '?'
// of an empty path, or at the second slash of "://" without either).
func requestURIVar(r *http.Request) string {
	u := r.RequestURI
	if strings.HasPrefix(u, "/") {
		return u
	}
	i := strings.Index(u, "://")
	if i < 0 {
		return u
	}
	if j := strings.IndexAny(u[i+3:], "/?"); j >= 0 {
		return u[i+3+j:]
	}
	return "/"
}

// accelRedirect does what nginx does with X-Accel-Redirect
// (ngx_http_upstream_process_headers): copy the six kept headers, then an
// internal redirect to the URI or a named location.
func (h *Handler) accelRedirect(w http.ResponseWriter, rq *request, l *nginx.Location, resp *upstream.Response, value string) step {
	rq.upDone() // the exchange ends before the redirect, as nginx finalizes it
	forceRanges := h.conf(l).forceRanges
	// The headers X-Accel-Redirect keeps (the "redirect" column of
	// ngx_http_upstream_headers_in[], nginx-semantics 1.4); the rest of
	// the app's response is dropped.
	for _, hl := range resp.Lines {
		key := hl.Key
		if hl.Dup {
			continue
		}
		switch key {
		case "Content-Type":
			rq.out.Set(key, hl.Value)
		case "Accept-Ranges":
			if !forceRanges {
				rq.out.Add(key, hl.Value)
			}
		case "Set-Cookie", "Content-Disposition", "Cache-Control", "Expires":
			rq.out.Add(key, hl.Value)
			rq.outOrder = append(rq.outOrder, key)
		}
	}
	if rq.tracing {
		rq.trace = append(rq.trace, "X-Accel-Redirect: "+value)
	}
	if strings.HasPrefix(value, "@") {
		return h.redirectNamed(w, rq, l, value)
	}
	uri, args, _, err := nginx.ParseAccelRedirect(value)
	if err != nil {
		if rq.tracing {
			rq.trace = append(rq.trace, "unsafe URI")
		}
		return h.fail(w, rq, http.StatusNotFound, l)
	}
	if rq.method != http.MethodHead {
		rq.method = http.MethodGet
	}
	return h.redirectURI(w, rq, l, uri, args)
}

// clientBodyFailed ends a request whose body, streamed to the app, failed
// on the client's side with part of it at the app (whose framing tells it
// the body is not whole). nginx ends the request as when it reads a body:
// no answer to a client gone or too slow, 413 past client_max_body_size,
// 400 for a malformed chunk.
func (h *Handler) clientBodyFailed(w http.ResponseWriter, rq *request, l *nginx.Location, cerr error) step {
	rq.note("request body: " + errText(cerr))
	switch {
	case errors.Is(cerr, errBodyTooLarge):
		rq.bodyErr = http.StatusRequestEntityTooLarge
		return h.fail(w, rq, http.StatusRequestEntityTooLarge, l)
	case isTimeout(cerr), errors.Is(cerr, io.ErrUnexpectedEOF), errors.Is(cerr, net.ErrClosed), errors.Is(cerr, syscall.ECONNRESET):
		rq.bodyErr = bodyAbort
		if abortResponse(w) {
			return done(0)
		}
	default:
		rq.bodyErr = http.StatusBadRequest
	}
	return h.fail(w, rq, http.StatusBadRequest, l)
}
