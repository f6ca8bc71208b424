//go:build unix

package proxy

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/xaccel/xaccel/nginx"
	"github.com/xaccel/xaccel/proxy/internal/fastcgi"
	"github.com/xaccel/xaccel/proxy/internal/upstream"
	"github.com/xaccel/xaccel/proxy/internal/uwsgi"
)

// fastcgiHidden are the app headers nginx's FastCGI module does not pass
// to the client (ngx_http_fastcgi_hide_headers): unlike proxy_pass, an
// app's Date and Server are passed.
var fastcgiHidden = []string{"Status", "X-Accel-Expires", "X-Accel-Redirect", "X-Accel-Limit-Rate", "X-Accel-Buffering", "X-Accel-Charset"}

// uwsgiHidden are those of the uwsgi module (ngx_http_uwsgi_hide_headers):
// an app's Status is passed.
var uwsgiHidden = fastcgiHidden[1:]

// nginxVersion is $nginx_version: the nginx whose behaviour serve was
// checked against.
const nginxVersion = "1.22.1"

// fcgiConf is the FastCGI (or uwsgi) module's settings of one location
// once inheritance is resolved (ngx_http_fastcgi_merge_loc_conf,
// ngx_http_uwsgi_merge_loc_conf): the two modules have the same
// directives, named fastcgi_* and uwsgi_*, but for those only FastCGI has
// (fastcgi_index, fastcgi_split_path_info, fastcgi_catch_stderr) and
// uwsgi's modifiers.
type fcgiConf struct {
	proto         string // "fastcgi" or "uwsgi"
	hiddenDefault []string
	// modifier1 and modifier2 are uwsgi_modifier1 and uwsgi_modifier2.
	modifier1, modifier2 byte
	// params are the fastcgi_param directives of the innermost level that
	// has any; headerParams the names (after "HTTP_", lower case, '-' as
	// '_') of those that start with "HTTP_": the client's header lines of
	// that name are not sent.
	params       []*nginx.Directive
	headerParams map[string]bool
	index        string
	split        *nginx.Regexp // fastcgi_split_path_info (nil: none)
	passHeader   []*nginx.Directive
	hideHeader   []*nginx.Directive
	// intercept is fastcgi_intercept_errors; ignoreRedirect and
	// ignoreCharset fastcgi_ignore_headers X-Accel-Redirect and
	// X-Accel-Charset.
	intercept, ignoreRedirect, ignoreCharset bool
	passHeaders, passBody                    bool // fastcgi_pass_request_headers, _body
	// requestBuffering is fastcgi_request_buffering (uwsgi_...; on by
	// default): off sends the body to the app as it arrives.
	requestBuffering bool
	bufferSize       int
	timeouts         upstream.Timeouts
	catchStderr      []string
	pass             *fcgiPass // a fastcgi_pass without variables, resolved once
	next             nextUpstream
	forceRanges      bool // fastcgi_force_ranges, uwsgi_force_ranges
	keepConn         bool // fastcgi_keep_conn
	// cacheMethods are the methods fastcgi_cache (uwsgi_cache) caches
	// (nil: no cache); see cacheClearedHeaders.
	cacheMethods map[string]bool
}

// fcgiPass is where a fastcgi_pass connects.
type fcgiPass struct {
	dest upstreamDest
	err  error
}

// newFCGIConf reads the FastCGI settings in effect at levels; handler is
// the location's content handler.
func (h *Handler) newFCGIConf(levels []*nginx.Directive, handler *nginx.Directive, proto string) *fcgiConf {
	c := &fcgiConf{proto: proto, passHeaders: true, passBody: true, headerParams: map[string]bool{}, hiddenDefault: fastcgiHidden}
	if proto == "uwsgi" {
		c.hiddenDefault = uwsgiHidden
		c.modifier1 = modifier(levels, "uwsgi_modifier1")
		c.modifier2 = modifier(levels, "uwsgi_modifier2")
	}
	pre := proto + "_"
	c.params = nginx.Effective(levels, pre+"param")
	for _, d := range c.params {
		if name := d.Arg(0); len(name) > 5 && strings.HasPrefix(name, "HTTP_") {
			c.headerParams[strings.ToLower(name[5:])] = true
		}
	}
	if d := nearest(levels, pre+"cache"); d != nil && d.Arg(0) != "off" {
		c.cacheMethods = cacheMethods(levels, pre+"cache_methods")
	}
	if d := nearest(levels, "fastcgi_index"); d != nil {
		c.index = d.Arg(0)
	}
	if d := nearest(levels, "fastcgi_split_path_info"); d != nil {
		if re, err := nginx.CompileRegex(d.Arg(0), false); err == nil {
			c.split = re
		}
	}
	c.next = nextUpstreamAt(levels, pre)
	c.forceRanges = flagOn(levels, pre+"force_ranges")
	c.keepConn = proto == "fastcgi" && flagOn(levels, "fastcgi_keep_conn")
	c.passHeader = nginx.Effective(levels, pre+"pass_header")
	c.hideHeader = nginx.Effective(levels, pre+"hide_header")
	c.intercept = flagOn(levels, pre+"intercept_errors")
	for _, d := range nginx.Effective(levels, pre+"ignore_headers") {
		for _, a := range d.Args {
			c.ignoreRedirect = c.ignoreRedirect || strings.EqualFold(a, "X-Accel-Redirect")
			c.ignoreCharset = c.ignoreCharset || strings.EqualFold(a, "X-Accel-Charset")
		}
	}
	if d := nearest(levels, pre+"pass_request_headers"); d != nil && d.Arg(0) == "off" {
		c.passHeaders = false
	}
	if d := nearest(levels, pre+"pass_request_body"); d != nil && d.Arg(0) == "off" {
		c.passBody = false
	}
	c.requestBuffering = true
	if d := nearest(levels, pre+"request_buffering"); d != nil && d.Arg(0) == "off" {
		c.requestBuffering = false
	}
	c.bufferSize = defaultBufferSize
	if d := nearest(levels, pre+"buffer_size"); d != nil {
		if n, ok := parseSize(d.Arg(0)); ok && n > 0 && n < 1<<30 {
			c.bufferSize = int(n)
		}
	}
	c.timeouts = upstream.Timeouts{
		Connect: timeoutOf(levels, pre+"connect_timeout", upstreamTimeout),
		Send:    timeoutOf(levels, pre+"send_timeout", upstreamTimeout),
		Read:    timeoutOf(levels, pre+"read_timeout", upstreamTimeout),
	}
	for _, d := range nginx.Effective(levels, "fastcgi_catch_stderr") {
		c.catchStderr = append(c.catchStderr, d.Arg(0))
	}
	if handler != nil && handler.Name == pre+"pass" && !strings.Contains(handler.Arg(0), "$") {
		p := &fcgiPass{}
		p.dest, p.err = h.resolveFCGI(handler.Arg(0), proto)
		c.pass = p
	}
	return c
}

// modifier is the value of uwsgi_modifier1 or uwsgi_modifier2 (0 to 255,
// default 0).
func modifier(levels []*nginx.Directive, name string) byte {
	if d := nearest(levels, name); d != nil {
		if n, err := strconv.Atoi(d.Arg(0)); err == nil && n >= 0 && n <= 255 {
			return byte(n)
		}
	}
	return 0
}

// resolveFCGI finds where `fastcgi_pass addr` (or uwsgi_pass) connects:
// addr is host:port, unix:/path or the name of an upstream block, looked
// up as proxy_pass looks up its host (Options.Upstreams first); uwsgi_pass
// may start with "uwsgi://".
func (h *Handler) resolveFCGI(addr, proto string) (upstreamDest, error) {
	if proto == "uwsgi" && len(addr) > 8 && strings.EqualFold(addr[:8], "uwsgi://") {
		addr = addr[8:]
	}
	if addr == "" || strings.Contains(addr, "://") {
		return upstreamDest{}, fmt.Errorf("invalid fastcgi_pass address %q", addr)
	}
	d, err := h.resolveUpstream(passTarget{host: addr})
	if err == nil && d.prefix != "" {
		err = fmt.Errorf("upstream %q: a FastCGI app is an address, not a URL with a path", addr)
	}
	return d, err
}

// fcgi returns the FastCGI settings of location l (nil: the server level).
func (h *Handler) fcgi(l *nginx.Location) *fcgiConf { return h.conf(l).fcgi }

// fcgiSplit is ngx_http_fastcgi_split: $uri split by the location's
// fastcgi_split_path_info into the script name and the path info (the
// whole $uri, and no path info, without it or when it does not match).
// A non-empty script name is kept, as nginx keeps it in the module's
// context, until an internal redirect or the content handler (doFastCGI)
// clears it.
func (h *Handler) fcgiSplit(rq *request) (script, info string) {
	if rq.fcgiScript != "" {
		return rq.fcgiScript, rq.fcgiInfo
	}
	fc := h.fcgi(rq.loc)
	if fc.split == nil {
		rq.fcgiScript, rq.fcgiInfo = rq.uri, ""
		return rq.uri, ""
	}
	m := fc.split.FindStringSubmatchIndex(rq.uri)
	if m == nil {
		rq.fcgiScript, rq.fcgiInfo = rq.uri, ""
		return rq.uri, ""
	}
	group := func(i int) string {
		if 2*i+1 < len(m) && m[2*i] >= 0 {
			return rq.uri[m[2*i]:m[2*i+1]]
		}
		return ""
	}
	rq.fcgiScript, rq.fcgiInfo = group(1), group(2)
	return rq.fcgiScript, rq.fcgiInfo
}

// fcgiVariable is $fastcgi_script_name (with fastcgi_index appended when
// it ends in '/') or $fastcgi_path_info.
func (h *Handler) fcgiVariable(rq *request, name string) string {
	script, info := h.fcgiSplit(rq)
	if name == "fastcgi_path_info" {
		return info
	}
	if strings.HasSuffix(script, "/") {
		return script + h.fcgi(rq.loc).index
	}
	return script
}

// fcgiParams are the parameters sent to the app: the fastcgi_param
// directives in effect (an empty value left out for if_not_empty, an
// HTTP_ one written with an empty value never sent), then,
// unless fastcgi_pass_request_headers is off, each client header as
// HTTP_NAME (upper case, '-' as '_'), the lines of one name joined with
// ", " ("; " for Cookie) as nginx 1.23+ joins them, but those a
// fastcgi_param HTTP_NAME sets.
func (h *Handler) fcgiParams(rq *request, fc *fcgiConf) []fastcgi.Param {
	params := make([]fastcgi.Param, 0, len(fc.params)+len(rq.r.Header))
	for _, d := range fc.params {
		if name := d.Arg(0); len(name) > 5 && strings.HasPrefix(name, "HTTP_") && d.Arg(1) == "" {
			// `fastcgi_param HTTP_PROXY "";` only keeps the client's
			// Proxy header from the app: ngx_http_fastcgi_init_params
			// (and ngx_http_uwsgi_init_params) adds the name to the
			// headers not sent and writes no parameter for an HTTP_ one
			// whose value, as written, is empty.
			continue
		}
		v := h.expand(rq, d.Arg(1))
		if v == "" && d.Arg(2) == "if_not_empty" {
			continue
		}
		params = append(params, fastcgi.Param{Name: d.Arg(0), Value: v})
	}
	if !fc.passHeaders {
		return params
	}
	names := make([]string, 0, len(rq.r.Header))
	for k := range rq.r.Header {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		name := strings.ToUpper(strings.ReplaceAll(k, "-", "_"))
		if fc.headerParams[strings.ToLower(name)] || fc.cacheMethods[rq.method] && cacheClearedHeaders[k] {
			continue
		}
		sep := ", "
		if strings.EqualFold(k, "Cookie") {
			sep = "; "
		}
		params = append(params, fastcgi.Param{Name: "HTTP_" + name, Value: strings.Join(rq.r.Header[k], sep)})
	}
	return params
}

// hidden reports whether the app's header name is kept from the client:
// Status and X-Accel-* and fastcgi_hide_header, unless
// fastcgi_pass_header lets it through; Connection, Keep-Alive and
// Transfer-Encoding never go.
func (fc *fcgiConf) hidden(name string) bool {
	for _, hh := range neverCopied {
		if strings.EqualFold(hh, name) {
			return true
		}
	}
	for _, d := range fc.passHeader {
		if strings.EqualFold(d.Arg(0), name) {
			return false
		}
	}
	for _, hname := range fc.hiddenDefault {
		if strings.EqualFold(hname, name) {
			return true
		}
	}
	for _, d := range fc.hideHeader {
		if strings.EqualFold(d.Arg(0), name) {
			return true
		}
	}
	return false
}

// doFastCGI is the content handler of fastcgi_pass: the body is read, the
// request goes to the app, and its answer is handled as nginx's upstream
// module handles any (fastcgi_intercept_errors, X-Accel-Redirect,
// X-Accel-Charset, the headers passed, the body).
func (h *Handler) doFastCGI(w http.ResponseWriter, rq *request, l *nginx.Location, d *nginx.Directive) step {
	lc := h.conf(l)
	fc := lc.fcgi
	if d.Name == "uwsgi_pass" {
		fc = lc.uwsgi
	} else {
		// ngx_http_fastcgi_handler gives the request a new module
		// context: the split an earlier phase made (try_files
		// $fastcgi_script_name, if, set) is forgotten, and the params
		// split $uri as try_files left it. So after try_files has made
		// $uri the script, $fastcgi_path_info is empty, which is why
		// Debian's snippet saves it with set first.
		rq.fcgiScript, rq.fcgiInfo = "", ""
	}
	var dest upstreamDest
	var err error
	if fc.pass != nil && d == lc.handler {
		dest, err = fc.pass.dest, fc.pass.err
	} else {
		dest, err = h.resolveFCGI(h.expand(rq, d.Arg(0)), fc.proto)
	}
	// With fastcgi_request_buffering off the body goes to the app as it
	// arrives (ngx_http_fastcgi_handler); uwsgi does so only for a body
	// with a Content-Length, its protocol has no chunks.
	var stream io.Reader
	if !fc.requestBuffering && fc.passBody && rq.hasBody && !rq.bodyRead && rq.r.Body != nil && rq.r.Body != http.NoBody &&
		(fc.proto != "uwsgi" || rq.r.ContentLength >= 0) && err == nil {
		rq.bodyRead = true
		stream = &streamBody{rq: rq, r: rq.r.Body, max: lc.maxBody, keep: int64(lc.bodyBuffer) + int64(lc.bodyBuffer)>>2}
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
	var resp *upstream.Response
	servers := append([]upstream.Dest{dest.Dest}, dest.next...)
	begun := time.Now()
	for i, dd := range servers {
		cur := dest
		cur.Dest = dd
		resp, err = h.cgiRoundTrip(rq, fc, cur, stream)
		rq.upHeader(resp)
		// A body sent as it arrives cannot be sent again.
		if stream != nil || fc.next.last(i, len(servers), begun) || !fc.next.retry(err, resp, rq.method) {
			break
		}
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
	defer rq.upDone()
	if errors.Is(err, upstream.ErrClientBody) {
		return h.clientBodyFailed(w, rq, l, err)
	}
	if err != nil {
		if rq.tracing {
			rq.trace = append(rq.trace, "upstream error: "+err.Error())
		}
		status := http.StatusBadGateway
		var ne net.Error
		switch {
		case errors.Is(err, fastcgi.ErrTooBigParams), errors.Is(err, uwsgi.ErrTooBig):
			status = http.StatusInternalServerError
		case errors.As(err, &ne) && ne.Timeout():
			status = http.StatusGatewayTimeout
		}
		rq.up.status = status
		rq.upDone() // nginx ends the exchange before its error page
		return h.fail(w, rq, status, l)
	}
	defer resp.Close()
	rq.upstream = resp
	if rq.tracing {
		rq.trace = append(rq.trace, fmt.Sprintf("%s %s %s -> %d", fc.proto, rq.method, dest.Addr, resp.Status))
	}
	if resp.Status >= 300 && fc.intercept && errorPageFor(lc.levels, resp.Status) != nil {
		if resp.Status == http.StatusUnauthorized {
			if v, ok := resp.First("Www-Authenticate"); ok {
				rq.setWWWAuthenticate(v)
			}
		}
		return h.fail(w, rq, resp.Status, l)
	}
	if v, ok := resp.First("X-Accel-Charset"); ok && !fc.ignoreCharset {
		rq.charset = v
	}
	if xar, ok := resp.First("X-Accel-Redirect"); ok && !fc.ignoreRedirect {
		return h.accelRedirect(w, rq, l, resp, xar)
	}
	// A Location is passed as the app wrote it: nginx makes only a
	// rewritten one absolute (proxy_redirect), and these modules have none.
	return h.relay(w, rq, l, resp, relayOptions{cacheable: fc.cacheMethods[rq.method], forceRanges: fc.forceRanges},
		fc.hidden, func(_, v string) string { return v })
}

// cgiRoundTrip sends the request to a FastCGI or uwsgi app and reads the
// answer's header.
func (h *Handler) cgiRoundTrip(rq *request, fc *fcgiConf, dest upstreamDest, stream io.Reader) (*upstream.Response, error) {
	params := h.fcgiParams(rq, fc)
	var body []byte
	var file *io.SectionReader
	if fc.passBody {
		body = rq.body
		if rq.bodyFile != nil {
			file = io.NewSectionReader(rq.bodyFile, 0, rq.bodyLen)
		}
	}
	if fc.proto == "uwsgi" {
		req := uwsgi.Request{Body: body, BodyFile: file, Stream: stream, Modifier1: fc.modifier1, Modifier2: fc.modifier2}
		for _, p := range params {
			req.Params = append(req.Params, uwsgi.Param(p))
		}
		return uwsgi.RoundTrip(dest.Dest, req, uwsgi.Options{Limit: fc.bufferSize, Timeouts: rq.upTimes(dest.Addr, fc.timeouts), Method: rq.method})
	}
	o := fastcgi.Options{Limit: fc.bufferSize, Timeouts: rq.upTimes(dest.Addr, fc.timeouts), Method: rq.method, CatchStderr: fc.catchStderr}
	if fc.keepConn {
		o.Pool, _ = h.pool.Use(dest.Dest, "1.1", false)
		o.KeepConn = true
	}
	if rq.tracing {
		o.Stderr = func(msg string) {
			if len(msg) > 200 {
				msg = msg[:200] + "..."
			}
			rq.trace = append(rq.trace, fmt.Sprintf("FastCGI sent in stderr: %q", msg))
		}
	}
	return fastcgi.RoundTrip(dest.Dest, fastcgi.Request{Params: params, Body: body, BodyFile: file, Stream: stream}, o)
}

// tryFilesFirst is the try-files phase of a location whose content comes
// from a handler (fastcgi_pass): the first file or directory of
// try_files that exists becomes $uri and the handler runs (ok set);
// otherwise the last argument is a code, a named location or a URI, as
// for static files.
func (h *Handler) tryFilesFirst(w http.ResponseWriter, rq *request, l *nginx.Location, tf *nginx.Directive) (step, bool) {
	if h.tryFilesFind(rq, l, rq.caps, tf) {
		return step{}, true
	}
	return h.tryFilesLast(w, rq, l, tf), false
}

// serverAddrPort is $server_addr and $server_port: the address a request
// came in on.
func serverAddrPort(r *http.Request) (addr, port string) {
	local, _ := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if local == nil {
		return "", ""
	}
	host, p, err := net.SplitHostPort(local.String())
	if err != nil {
		return local.String(), ""
	}
	return host, p
}

// remotePort is $remote_port.
func remotePort(r *http.Request) string {
	_, p, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil || p == "0" {
		return "" // no port: a unix socket, or an address realip put in
	}
	return p
}

// contentLength is $content_length: the client's Content-Length, or, for
// a chunked body nginx has read, its length.
func contentLength(rq *request) string {
	if v := rq.r.Header.Get("Content-Length"); v != "" {
		return v
	}
	if rq.bodyRead && rq.bodyErr == 0 && len(rq.r.TransferEncoding) > 0 {
		return strconv.FormatInt(rq.bodyLen, 10)
	}
	return ""
}
