package proxy

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

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

// uniqueUpstream are the upstream headers nginx 1.23+ keeps once: a later
// duplicate is logged ("upstream sent duplicate header line") and ignored,
// for the client and for processing alike (nginx-semantics 8). nginx 1.22
// copied the duplicates and let the last Content-Type win.
var uniqueUpstream = map[string]bool{
	"Status": true, "Content-Type": true, "Date": true, "Last-Modified": true, "Etag": true,
	"Server": true, "Location": true, "Expires": true, "Accept-Ranges": true,
	"X-Accel-Expires": true, "X-Accel-Redirect": true, "X-Accel-Limit-Rate": true,
	"X-Accel-Buffering": true, "X-Accel-Charset": true, "Content-Encoding": true,
}

// keptOnRedirect are the upstream headers X-Accel-Redirect copies into
// the response (the "redirect" column of ngx_http_upstream_headers_in[],
// nginx-semantics 1.4); the rest of the upstream response is dropped.
var keptOnRedirect = []string{"Content-Type", "Set-Cookie", "Content-Disposition", "Cache-Control", "Expires", "Accept-Ranges"}

// upstreamTimeout bounds one exchange with an upstream (nginx's
// proxy_connect_timeout, proxy_send_timeout and proxy_read_timeout all
// default to 60 s).
const upstreamTimeout = 60 * time.Second

// passTarget is the URL of a proxy_pass after variables are expanded.
type passTarget struct {
	host   string // host[:port] as written, or "unix:/path" for a socket
	uri    string // the URI part, "" when there is none
	hasURI bool
}

// parsePass splits a proxy_pass URL the way ngx_http_proxy_pass and
// ngx_parse_url do: "http://" (case-insensitive), then host[:port] up to the
// first '/', or "unix:/path" up to a ':' that starts the URI part.
func parsePass(v string) (passTarget, bool) {
	if len(v) < 7 || !strings.EqualFold(v[:7], "http://") {
		return passTarget{}, false
	}
	rest := v[7:]
	var t passTarget
	if len(rest) >= 5 && strings.EqualFold(rest[:5], "unix:") {
		path := rest[5:]
		if i := strings.IndexByte(path, ':'); i >= 0 {
			t.uri, t.hasURI = path[i+1:], true
			path = path[:i]
		}
		t.host = "unix:" + path
		return t, path != ""
	}
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		t.host, t.uri, t.hasURI = rest[:i], rest[i:], true
	} else {
		t.host = rest
	}
	return t, t.host != ""
}

// upstreamDest is where a proxy_pass connects and what it sends as Host.
type upstreamDest struct {
	network, addr string
	prefix        string // path of an Options.Upstreams URL, put before the URI
	hostHeader    string // $proxy_host
	keepalive     int    // `keepalive N` of the upstream block: idle connections kept
}

// resolveUpstream finds where proxy_pass target t connects:
// Options.Upstreams (by host[:port], then by host) wins; then an
// `upstream NAME {}` block of the http context whose name is t's host
// (case-insensitive, as ngx_http_upstream_add compares; a port in
// proxy_pass never matches a block), which connects to its first server
// that is neither `down` nor `backup` (nginx balances over all of them;
// the emulator does not); then the host and port themselves (80 by
// default). The Host header is $proxy_host: the host as written, with the
// port unless it is 80, "localhost" for a unix socket.
func (h *Handler) resolveUpstream(t passTarget) (upstreamDest, error) {
	var d upstreamDest
	name, port, hasPort := t.host, "", false
	if !strings.HasPrefix(t.host, "unix:") {
		if i := strings.LastIndexByte(t.host, ':'); i >= 0 && !strings.HasSuffix(t.host, "]") {
			name, port, hasPort = t.host[:i], t.host[i+1:], true
		}
	}
	d.hostHeader = t.host
	switch {
	case strings.HasPrefix(t.host, "unix:"):
		d.hostHeader = "localhost"
	case hasPort && port == "80":
		d.hostHeader = name
	}
	if !hasPort {
		d.keepalive = h.upstreamKeepalive(name)
	}
	mapped, ok := h.opts.Upstreams[t.host]
	if !ok {
		mapped, ok = h.opts.Upstreams[name]
	}
	if ok {
		return mappedDest(d, mapped)
	}
	if !hasPort {
		if addr := h.upstreamBlock(name); addr != "" {
			return hostDest(d, addr, "80")
		}
	}
	return hostDest(d, t.host, "80")
}

// upstreamKeepalive is the `keepalive N` of the http-level upstream block
// called name, or 0.
func (h *Handler) upstreamKeepalive(name string) int {
	if h.srv.HTTP == nil {
		return 0
	}
	for _, u := range h.srv.HTTP.Find("upstream") {
		if !strings.EqualFold(u.Arg(0), name) {
			continue
		}
		if k := u.First("keepalive"); k != nil {
			if n, err := strconv.Atoi(k.Arg(0)); err == nil && n > 0 {
				return n
			}
		}
	}
	return 0
}

// mappedDest connects to an Options.Upstreams value: a base URL
// (http://127.0.0.1:8000, possibly with a path), host:port, or unix:/path.
func mappedDest(d upstreamDest, mapped string) (upstreamDest, error) {
	if strings.HasPrefix(mapped, "unix:") {
		return hostDest(d, mapped, "80")
	}
	if !strings.Contains(mapped, "://") {
		return hostDest(d, mapped, "80")
	}
	u, err := url.Parse(mapped)
	if err != nil || u.Host == "" {
		return d, fmt.Errorf("bad upstream URL %q", mapped)
	}
	if u.Scheme != "http" {
		return d, fmt.Errorf("upstream URL %q: only http is supported", mapped)
	}
	d.prefix = strings.TrimSuffix(u.EscapedPath(), "/")
	return hostDest(d, u.Host, "80")
}

// hostDest connects to host[:port] (defaultPort when there is none) or to
// unix:/path.
func hostDest(d upstreamDest, host, defaultPort string) (upstreamDest, error) {
	if strings.HasPrefix(host, "unix:") {
		d.network, d.addr = "unix", host[5:]
		return d, nil
	}
	d.network = "tcp"
	if _, _, err := net.SplitHostPort(host); err == nil {
		d.addr = host
	} else {
		d.addr = net.JoinHostPort(strings.Trim(host, "[]"), defaultPort)
	}
	return d, nil
}

// upstreamBlock returns the address of the server an `upstream name {}`
// block of the http context connects to first, or "".
func (h *Handler) upstreamBlock(name string) string {
	if h.srv.HTTP == nil {
		return ""
	}
	for _, u := range h.srv.HTTP.Find("upstream") {
		if !u.IsBlock || !strings.EqualFold(u.Arg(0), name) {
			continue
		}
		first := ""
		for _, s := range u.Find("server") {
			if len(s.Args) == 0 {
				continue
			}
			if first == "" {
				first = s.Args[0]
			}
			usable := true
			for _, p := range s.Args[1:] {
				if p == "down" || p == "backup" {
					usable = false
				}
			}
			if usable {
				return s.Args[0]
			}
		}
		return first
	}
	return ""
}

// headerLine is one upstream response header, as received.
type headerLine struct {
	name, value string
	dup         bool // a duplicate of a unique header: ignored (nginx 1.23+)
}

// upstreamResponse is the status and header of an upstream response, with
// its body to read.
type upstreamResponse struct {
	status int
	lines  []headerLine
	header http.Header // lines without the duplicates, by canonical name
	body   io.Reader
	conn   net.Conn
	// pool is where the connection goes back when it can be kept alive
	// (see connPool); nil closes it.
	pool     *connPool
	key      string
	keepable bool // HTTP/1.1, no Connection: close, a body with known length
	proto11  bool
}

// close ends the exchange: a keep-alive connection whose response was read
// to its end goes back to the pool (nginx's keepalive module drains and
// keeps it the same way); any other is closed.
func (u *upstreamResponse) close() {
	if u.pool != nil && u.keepable {
		if _, err := io.CopyN(io.Discard, u.body, 64<<10+1); err == io.EOF {
			u.pool.put(u.key, u.conn)
			return
		}
	}
	u.conn.Close()
}

// first returns the first value of header name (any case).
func (u *upstreamResponse) first(name string) (string, bool) {
	vs := u.header.Values(name)
	if len(vs) == 0 {
		return "", false
	}
	return vs[0], true
}

// errInvalidHeader is nginx's "upstream sent invalid header" (502).
var errInvalidHeader = errors.New("upstream sent invalid header")

// roundTrip sends the request nginx's proxy module would build
// (ngx_http_proxy_create_request) and reads the response header the way
// ngx_http_proxy_process_status_line and ngx_http_parse_header_line do.
func roundTrip(d upstreamDest, method, uri string, header []string, body []byte, sendLength bool, version string, pool *connPool, mayKeep bool) (*upstreamResponse, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/%s\r\n", method, uri, version)
	for _, line := range header {
		b.WriteString(line)
		b.WriteString("\r\n")
	}
	if sendLength {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(body))
	}
	b.WriteString("\r\n")
	b.Write(body)
	key := d.network + " " + d.addr
	// A kept connection the app has closed in the meantime fails at once:
	// then the request goes once more on a new connection, as nginx retries
	// a cached keepalive connection.
	for attempt := 0; ; attempt++ {
		conn, reused := pool.get(key)
		if conn == nil {
			var err error
			conn, err = net.DialTimeout(d.network, d.addr, upstreamTimeout)
			if err != nil {
				return nil, err
			}
		}
		conn.SetDeadline(time.Now().Add(upstreamTimeout))
		resp, err := exchange(conn, b.Bytes(), method)
		if err != nil {
			conn.Close()
			if reused && attempt == 0 {
				continue
			}
			return nil, err
		}
		if pool != nil && mayKeep {
			resp.pool, resp.key = pool, key
		}
		return resp, nil
	}
}

// exchange writes one request on conn and reads the response header.
func exchange(conn net.Conn, req []byte, method string) (*upstreamResponse, error) {
	if _, err := conn.Write(req); err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(conn, 16<<10)
	resp, err := readUpstreamHeader(br)
	if err != nil {
		return nil, err
	}
	resp.conn = conn
	resp.body = upstreamBody(br, resp, method)
	resp.keepable = resp.proto11 && !strings.EqualFold(strings.TrimSpace(resp.header.Get("Connection")), "close") && framed(resp, method)
	return resp, nil
}

// emptyBody reports whether the response has no body: HEAD, 1xx, 204,
// 304 or Content-Length: 0.
func emptyBody(resp *upstreamResponse, method string) bool {
	if method == http.MethodHead || resp.status == 204 || resp.status == 304 || resp.status < 200 {
		return true
	}
	cl, ok := resp.first("Content-Length")
	return ok && strings.TrimSpace(cl) == "0"
}

// framed reports whether the end of the body is known without the end of
// the connection.
func framed(resp *upstreamResponse, method string) bool {
	if method == http.MethodHead || resp.status == 204 || resp.status == 304 || resp.status < 200 {
		return true
	}
	if _, ok := resp.first("Transfer-Encoding"); ok {
		return true
	}
	_, ok := resp.first("Content-Length")
	return ok
}

// connPool keeps idle upstream connections for upstream blocks with
// `keepalive N`, used when the location sends HTTP/1.1 without a
// Connection header (proxy_http_version 1.1; proxy_set_header Connection "").
type connPool struct {
	mu   sync.Mutex
	idle map[string][]net.Conn
	max  map[string]int
}

func newConnPool() *connPool {
	return &connPool{idle: map[string][]net.Conn{}, max: map[string]int{}}
}

// get returns an idle connection for key, or nil; a nil pool has none.
func (p *connPool) get(key string) (net.Conn, bool) {
	if p == nil {
		return nil, false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	l := p.idle[key]
	if len(l) == 0 {
		return nil, false
	}
	c := l[len(l)-1]
	p.idle[key] = l[:len(l)-1]
	return c, true
}

// put keeps conn for key unless the pool for key is full.
func (p *connPool) put(key string, conn net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.idle[key]) >= p.max[key] {
		conn.Close()
		return
	}
	conn.SetDeadline(time.Time{})
	p.idle[key] = append(p.idle[key], conn)
}

// use returns the pool for a request to d (nil without `keepalive` in its
// upstream block: then every request has a connection of its own), and
// whether the connection may be kept afterwards: only for HTTP/1.1 without
// a Connection header in the request. Like nginx's keepalive module, a
// cached connection is taken for any request to the block.
func (p *connPool) use(d upstreamDest, version string, header []string) (*connPool, bool) {
	if d.keepalive <= 0 {
		return nil, false
	}
	p.mu.Lock()
	p.max[d.network+" "+d.addr] = d.keepalive
	p.mu.Unlock()
	if version != "1.1" {
		return p, false
	}
	for _, l := range header {
		if len(l) > 11 && strings.EqualFold(l[:11], "connection:") {
			return p, false
		}
	}
	return p, true
}

// readUpstreamHeader parses the status line and the header lines: only
// spaces (not tabs) around a value are dropped, a NUL byte makes the header
// invalid, names are matched case-insensitively later on.
func readUpstreamHeader(br *bufio.Reader) (*upstreamResponse, error) {
	readLine := func() (string, error) {
		line, err := br.ReadString('\n')
		if err != nil {
			return "", err
		}
		line = strings.TrimSuffix(line, "\n")
		return strings.TrimSuffix(line, "\r"), nil
	}
	for {
		line, err := readLine()
		if err != nil {
			return nil, err
		}
		// "HTTP/1.1 200 OK": the status is the three digits after the
		// first space.
		if !strings.HasPrefix(line, "HTTP/") || len(line) < 12 || line[8] != ' ' {
			return nil, errInvalidHeader
		}
		status, err := strconv.Atoi(line[9:12])
		if err != nil || status < 100 {
			return nil, errInvalidHeader
		}
		resp := &upstreamResponse{status: status, header: http.Header{}, proto11: strings.HasPrefix(line, "HTTP/1.1 ")}
		seen := map[string]bool{}
		for {
			line, err := readLine()
			if err != nil {
				return nil, err
			}
			if line == "" {
				break
			}
			if strings.IndexByte(line, 0) >= 0 {
				return nil, errInvalidHeader
			}
			name, value, _ := strings.Cut(line, ":")
			value = strings.Trim(value, " ")
			key := http.CanonicalHeaderKey(name)
			hl := headerLine{name: name, value: value}
			if uniqueUpstream[key] {
				hl.dup = seen[key]
				seen[key] = true
			}
			if key == "Content-Length" {
				// nginx 1.23+: a duplicate or invalid Content-Length is
				// an invalid header (nginx 1.22 used the last one).
				if n, err := strconv.ParseInt(value, 10, 64); err != nil || n < 0 || len(resp.header[key]) > 0 {
					return nil, errInvalidHeader
				}
			}
			resp.lines = append(resp.lines, hl)
			if !hl.dup {
				resp.header[key] = append(resp.header[key], value)
			}
		}
		if status >= 100 && status < 200 && status != 101 {
			continue // an interim response; the real one follows
		}
		// nginx 1.23+ (ngx_http_upstream_process_transfer_encoding): a
		// Transfer-Encoding other than one "chunked", or together with a
		// Content-Length, is an invalid header.
		if te := resp.header["Transfer-Encoding"]; len(te) > 0 {
			if len(te) > 1 || !strings.EqualFold(te[0], "chunked") || len(resp.header["Content-Length"]) > 0 {
				return nil, errInvalidHeader
			}
		}
		return resp, nil
	}
}

// upstreamBody is the body of resp: none for HEAD, 1xx, 204 and 304,
// chunked, Content-Length bytes, or up to the end of the connection.
func upstreamBody(br *bufio.Reader, resp *upstreamResponse, method string) io.Reader {
	if method == http.MethodHead || resp.status == 204 || resp.status == 304 || resp.status < 200 {
		return bytes.NewReader(nil)
	}
	if _, ok := resp.first("Transfer-Encoding"); ok {
		return httputil.NewChunkedReader(br)
	}
	if cl, ok := resp.first("Content-Length"); ok {
		if n, err := strconv.ParseInt(strings.TrimSpace(cl), 10, 64); err == nil && n >= 0 {
			return io.LimitReader(br, n)
		}
	}
	return br
}

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
	levels := l.Levels()
	t, ok := parsePass(h.expand(rq, d.Arg(0)))
	if !ok {
		rq.trace = append(rq.trace, "invalid proxy_pass URL")
		return h.fail(w, rq, http.StatusInternalServerError, l)
	}
	dest, err := h.resolveUpstream(t)
	if err != nil {
		rq.trace = append(rq.trace, "upstream: "+err.Error())
		return h.fail(w, rq, http.StatusBadGateway, l)
	}
	reqURI := dest.prefix + h.upstreamURI(rq, l, t)
	rq.proxyHost = dest.hostHeader

	// The request header: proxy_set_header values (config order), the
	// defaults they do not replace, then the client's header lines that
	// none of them names.
	var lines []string
	set := map[string]bool{}
	sendLength := false
	add := func(name, value string) {
		set[strings.ToLower(name)] = true
		if strings.EqualFold(name, "Content-Length") {
			// $proxy_internal_body_length: the client's body length, when
			// it sent one.
			sendLength = value != "" && rq.hasBody
			return
		}
		v := h.expand(rq, value)
		if v != "" {
			lines = append(lines, name+": "+v)
		}
	}
	for _, s := range nginx.Effective(levels, "proxy_set_header") {
		add(s.Arg(0), s.Arg(1))
	}
	for _, ph := range proxyHeaders {
		if set[strings.ToLower(ph[0])] {
			continue
		}
		if ph[0] == "Content-Length" {
			add(ph[0], "$proxy_internal_body_length")
			continue
		}
		add(ph[0], ph[1])
	}
	for k, vs := range rq.r.Header {
		if set[strings.ToLower(k)] {
			continue
		}
		for _, v := range vs {
			lines = append(lines, k+": "+v)
		}
	}
	version := "1.0"
	if ds := nearest(levels, "proxy_http_version"); ds != nil && ds.Arg(0) == "1.1" {
		version = "1.1"
	}
	pool, mayKeep := h.pool.use(dest, version, lines)
	resp, err := roundTrip(dest, rq.method, reqURI, lines, rq.body, sendLength, version, pool, mayKeep)
	if err != nil {
		rq.trace = append(rq.trace, "upstream error: "+err.Error())
		status := http.StatusBadGateway
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			status = http.StatusGatewayTimeout
		}
		return h.fail(w, rq, status, l)
	}
	defer resp.close()
	rq.upstream = resp.header
	rq.trace = append(rq.trace, fmt.Sprintf("proxied %s %s -> %d", rq.method, reqURI, resp.status))

	// ngx_http_upstream_intercept_errors runs first, for status >= 300.
	if resp.status >= 300 && flagOn(levels, "proxy_intercept_errors") && errorPageFor(levels, resp.status) != nil {
		if resp.status == http.StatusUnauthorized {
			if v, ok := resp.first("WWW-Authenticate"); ok {
				rq.out.Add("WWW-Authenticate", v)
			}
		}
		return h.fail(w, rq, resp.status, l)
	}
	// X-Accel-Charset is processed while the header is parsed, also on the
	// X-Accel-Redirect path, where it survives the redirect.
	if v, ok := resp.first("X-Accel-Charset"); ok && !ignored(levels, "X-Accel-Charset") {
		rq.charset = v
	}
	if xar, ok := resp.first("X-Accel-Redirect"); ok && !ignored(levels, "X-Accel-Redirect") {
		// nginx leaves the body of an X-Accel-Redirect response unread, so
		// it keeps the connection only when there is no body to read.
		resp.keepable = resp.keepable && emptyBody(resp, rq.method)
		return h.accelRedirect(w, rq, l, resp, xar)
	}

	// A normal response: the headers copied by an earlier X-Accel-Redirect
	// come first, then the upstream's own, unless hidden.
	hdr := w.Header()
	addHeaders(hdr, rq.out)
	for _, hl := range resp.lines {
		key := http.CanonicalHeaderKey(hl.name)
		if hl.dup || hidden(levels, key) {
			continue
		}
		switch key {
		case "Content-Type":
			hdr.Set(key, hl.value)
		case "Content-Length":
			hdr.Set(key, hl.value)
		case "Location":
			hdr.Set(key, h.rewriteLocation(rq, l, t, hl.value))
		case "Refresh":
			hdr.Add(key, h.rewriteRefresh(rq, l, t, hl.value))
		default:
			hdr[key] = append(hdr[key], hl.value)
		}
	}
	if len(hdr.Values("Content-Type")) == 0 {
		hdr["Content-Type"] = nil // present but nil: net/http does not sniff one
	}
	hw := h.hook(w, rq, l, func(int) int {
		if rq.errStatus != 0 {
			return rq.errStatus
		}
		return resp.status
	})
	hw.WriteHeader(resp.status)
	if rq.method != http.MethodHead {
		io.Copy(hw, resp.body)
	}
	status := resp.status
	if rq.errStatus != 0 {
		status = rq.errStatus
	}
	return done(status)
}

// upstreamURI is the request URI nginx sends to the app
// (ngx_http_proxy_create_request): without a URI part in proxy_pass, the
// client's request target as received while it is still valid (no
// internal redirect but a named one happened), otherwise $uri escaped plus
// $args; with a URI part, the location's prefix of $uri replaced by it. $uri
// is escaped only after an internal redirect or when the client's target had
// %-escapes (r->quoted_uri), as nginx does.
func (h *Handler) upstreamURI(rq *request, l *nginx.Location, t passTarget) string {
	if !t.hasURI && rq.unparsed {
		return unparsedURI(rq.r)
	}
	rest := rq.uri
	prefix := ""
	if t.hasURI {
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

// redirectRule is one proxy_redirect replacement.
type redirectRule struct{ pattern, replacement string }

// redirectRules are the proxy_redirect rules in effect for a location
// proxying to t: `off` gives none; `default` (and no proxy_redirect at all)
// gives the proxy_pass URL → the location name, or URL + "/" → "/" when
// proxy_pass has no URI part (ngx_http_proxy_redirect); other rules are
// literal prefixes, case-sensitive. Regex rules are reported by New as not
// emulated and skipped.
func (h *Handler) redirectRules(rq *request, l *nginx.Location, t passTarget, pass string) []redirectRule {
	ds := nginx.Effective(l.Levels(), "proxy_redirect")
	def := func() redirectRule {
		if t.hasURI {
			return redirectRule{pass, l.Match}
		}
		return redirectRule{pass + "/", "/"}
	}
	if len(ds) == 0 {
		return []redirectRule{def()}
	}
	var rules []redirectRule
	for _, d := range ds {
		switch {
		case len(d.Args) == 1 && d.Args[0] == "off":
			rules = nil
		case len(d.Args) == 1 && d.Args[0] == "default":
			rules = append(rules, def())
		case len(d.Args) == 2 && !strings.HasPrefix(d.Args[0], "~"):
			rules = append(rules, redirectRule{h.expand(rq, d.Args[0]), h.expand(rq, d.Args[1])})
		}
	}
	return rules
}

// rewriteLocation is ngx_http_upstream_rewrite_location with the proxy
// module's rewrite: the first proxy_redirect rule whose pattern starts the
// value replaces it; a rewritten value that starts with '/' is made
// absolute by the header filter (absolute_redirect on), an untouched one is
// passed as it is.
func (h *Handler) rewriteLocation(rq *request, l *nginx.Location, t passTarget, v string) string {
	pass := h.passURL(l, rq)
	for _, rule := range h.redirectRules(rq, l, t, pass) {
		if strings.HasPrefix(v, rule.pattern) {
			v = rule.replacement + v[len(rule.pattern):]
			if strings.HasPrefix(v, "/") {
				v = "http://" + RedirectHost(rq.r) + v
			}
			return v
		}
	}
	return v
}

// rewriteRefresh applies the proxy_redirect rules to the URL after "url="
// in a Refresh header.
func (h *Handler) rewriteRefresh(rq *request, l *nginx.Location, t passTarget, v string) string {
	i := strings.Index(strings.ToLower(v), "url=")
	if i < 0 {
		return v
	}
	i += 4
	pass := h.passURL(l, rq)
	for _, rule := range h.redirectRules(rq, l, t, pass) {
		if strings.HasPrefix(v[i:], rule.pattern) {
			return v[:i] + rule.replacement + v[i+len(rule.pattern):]
		}
	}
	return v
}

// passURL is the proxy_pass URL as written (plcf->url).
func (h *Handler) passURL(l *nginx.Location, rq *request) string {
	if d := l.Handler(); d != nil && d.Name == "proxy_pass" {
		return d.Arg(0)
	}
	return ""
}

// accelRedirect does what nginx does with X-Accel-Redirect
// (ngx_http_upstream_process_headers): copy the six kept headers, then an
// internal redirect to the URI or a named location.
func (h *Handler) accelRedirect(w http.ResponseWriter, rq *request, l *nginx.Location, resp *upstreamResponse, value string) step {
	forceRanges := flagOn(l.Levels(), "proxy_force_ranges")
	for _, hl := range resp.lines {
		key := http.CanonicalHeaderKey(hl.name)
		if hl.dup {
			continue
		}
		switch key {
		case "Content-Type":
			rq.out.Set(key, hl.value)
		case "Accept-Ranges":
			if !forceRanges {
				rq.out.Add(key, hl.value)
			}
		case "Set-Cookie", "Content-Disposition", "Cache-Control", "Expires":
			rq.out.Add(key, hl.value)
		}
	}
	rq.trace = append(rq.trace, "X-Accel-Redirect: "+value)
	if strings.HasPrefix(value, "@") {
		return h.redirectNamed(w, rq, l, value)
	}
	uri, args, _, err := nginx.ParseAccelRedirect(value)
	if err != nil {
		rq.trace = append(rq.trace, "unsafe URI")
		return h.fail(w, rq, http.StatusNotFound, l)
	}
	if rq.method != http.MethodHead {
		rq.method = http.MethodGet
	}
	return h.redirectURI(w, rq, l, uri, args)
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
// lets it through; Connection, Keep-Alive and Transfer-Encoding never go.
func hidden(levels []*nginx.Directive, name string) bool {
	for _, hh := range neverCopied {
		if strings.EqualFold(hh, name) {
			return true
		}
	}
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
	return false
}

// nearest returns the directive called name at the innermost level that
// has one (how nginx inherits single-value settings), or nil.
func nearest(levels []*nginx.Directive, name string) *nginx.Directive {
	for _, lv := range levels {
		if lv == nil {
			continue
		}
		if d := lv.First(name); d != nil {
			return d
		}
	}
	return nil
}

// flagOn reports whether the on|off directive name is on where levels
// apply.
func flagOn(levels []*nginx.Directive, name string) bool {
	d := nearest(levels, name)
	return d != nil && d.Arg(0) == "on"
}
