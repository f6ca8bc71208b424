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
	"net/netip"
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
	key           string         // network + " " + addr: the connPool key
	ap            netip.AddrPort // addr when it is an IP address and port
	prefix        string         // path of an Options.Upstreams URL, put before the URI
	hostHeader    string         // $proxy_host
	keepalive     int            // `keepalive N` of the upstream block: idle connections kept
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
		d.key = d.network + " " + d.addr
		return d, nil
	}
	d.network = "tcp"
	if _, _, err := net.SplitHostPort(host); err == nil {
		d.addr = host
	} else {
		d.addr = net.JoinHostPort(strings.Trim(host, "[]"), defaultPort)
	}
	d.key = d.network + " " + d.addr
	d.ap = ipAddrPort(d.addr)
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
	key         string // http.CanonicalHeaderKey(name)
	dup         bool   // a duplicate of a unique header: ignored (nginx 1.23+)
}

// upstreamResponse is the status and header of an upstream response, with
// its body to read.
type upstreamResponse struct {
	status int
	lines  []headerLine
	body   io.Reader
	conn   upstreamConn
	br     *bufio.Reader // conn's reader, pooled
	// pool is where the connection goes back when it can be kept alive
	// (see connPool); nil closes it.
	pool     *connPool
	key      string
	keepable bool // HTTP/1.1, no Connection: close, a body with known length
	proto11  bool

	limited   io.LimitedReader // body of a response with Content-Length
	lineSpace [12]headerLine   // lines of most responses
}

// close ends the exchange: a keep-alive connection whose response was read
// to its end goes back to the pool (nginx's keepalive module drains and
// keeps it the same way); any other is closed.
func (u *upstreamResponse) close() {
	kept := false
	if u.pool != nil && u.keepable {
		if u.body == &u.limited && u.limited.N == 0 {
			kept = true // nothing (left) to read
		} else if _, err := io.CopyN(io.Discard, u.body, 64<<10+1); err == io.EOF {
			kept = true
		}
	}
	if kept {
		u.pool.put(u.key, u.conn)
	} else {
		u.conn.Close()
	}
	if u.br != nil {
		putUpstreamReader(u.br)
		u.br = nil
	}
	u.body = nil
}

// first returns the first value of the header called key (in canonical
// form, as http.CanonicalHeaderKey gives it), duplicates of unique headers
// left out.
func (u *upstreamResponse) first(key string) (string, bool) {
	for i := range u.lines {
		if hl := &u.lines[i]; !hl.dup && hl.key == key {
			return hl.value, true
		}
	}
	return "", false
}

// count returns the number of header lines called key (canonical),
// duplicates of unique headers left out.
func (u *upstreamResponse) count(key string) int {
	n := 0
	for i := range u.lines {
		if hl := &u.lines[i]; !hl.dup && hl.key == key {
			n++
		}
	}
	return n
}

// errInvalidHeader is nginx's "upstream sent invalid header" (502).
var errInvalidHeader = errors.New("upstream sent invalid header")

// errTooBigHeader is nginx's "upstream sent too big header" (502): the
// status line and header lines do not fit in proxy_buffer_size.
var errTooBigHeader = errors.New("upstream sent too big header")

// defaultBufferSize is proxy_buffer_size's default: one memory page.
const defaultBufferSize = 4096

// defaultBodyBuffer is client_body_buffer_size's default: two pages.
const defaultBodyBuffer = 8192

// roundTrip sends req, the request nginx's proxy module would build
// (ngx_http_proxy_create_request, see Handler.doProxy), and reads the
// response header the way ngx_http_proxy_process_status_line and
// ngx_http_parse_header_line do.
//
// body, when set, is a spooled request body sent after req (from its start
// on every attempt).
func roundTrip(d upstreamDest, req []byte, body *io.SectionReader, method string, limit int, to upTimeouts, pool *connPool, mayKeep bool) (*upstreamResponse, error) {
	key := d.key
	// A kept connection the app has closed in the meantime fails at once:
	// then the request goes once more on a new connection, as nginx retries
	// a cached keepalive connection.
	for attempt := 0; ; attempt++ {
		conn, reused := pool.get(key)
		send := req
		if conn == nil {
			var err error
			conn, err = connectSend(d, req, to) // sets the deadline
			if err != nil {
				return nil, err
			}
			send = nil
		}
		resp, err := exchange(conn, send, body, method, limit, to)
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

// exchange writes req (unless it is nil: already sent) on conn and reads
// the response header, of at most limit bytes.
func exchange(conn upstreamConn, req []byte, body *io.SectionReader, method string, limit int, to upTimeouts) (*upstreamResponse, error) {
	tc := timedConn{conn, to}
	if req != nil {
		if _, err := tc.Write(req); err != nil {
			return nil, err
		}
	}
	if body != nil {
		if _, err := io.Copy(tc, io.NewSectionReader(body, 0, body.Size())); err != nil {
			return nil, err
		}
	}
	br := getUpstreamReader(tc)
	resp, err := readUpstreamHeader(br, limit)
	if err != nil {
		putUpstreamReader(br)
		return nil, err
	}
	resp.conn, resp.br = conn, br
	resp.body = upstreamBody(br, resp, method)
	conn0, _ := resp.first("Connection")
	resp.keepable = resp.proto11 && !strings.EqualFold(strings.TrimSpace(conn0), "close") && framed(resp, method)
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
	idle map[string][]upstreamConn
	max  map[string]int
}

func newConnPool() *connPool {
	return &connPool{idle: map[string][]upstreamConn{}, max: map[string]int{}}
}

// get returns an idle connection for key, or nil; a nil pool has none.
func (p *connPool) get(key string) (upstreamConn, bool) {
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

// put keeps conn for key unless the pool for key is full. Its deadline
// stays: a deadline that passes while the connection is idle does nothing,
// and roundTrip sets a new one before using it again.
func (p *connPool) put(key string, conn upstreamConn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.idle[key]) >= p.max[key] {
		conn.Close()
		return
	}
	p.idle[key] = append(p.idle[key], conn)
}

// use returns the pool for a request to d (nil without `keepalive` in its
// upstream block: then every request has a connection of its own), and
// whether the connection may be kept afterwards: only for HTTP/1.1 without
// a Connection header in the request. Like nginx's keepalive module, a
// cached connection is taken for any request to the block.
func (p *connPool) use(d upstreamDest, version string, hasConnection bool) (*connPool, bool) {
	if d.keepalive <= 0 {
		return nil, false
	}
	p.mu.Lock()
	if p.max[d.key] != d.keepalive {
		p.max[d.key] = d.keepalive
	}
	p.mu.Unlock()
	if version != "1.1" || hasConnection {
		return p, false
	}
	return p, true
}

// readLine returns the next line of br without its "\n" and one "\r"
// before it, and subtracts its length from *room: a line that does not fit
// in what is left is errTooBigHeader, read no further. The bytes are br's
// (or *long's, for a line longer than br's buffer) and valid until the
// next read.
func readLine(br *bufio.Reader, long *[]byte, room *int) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		*long = append((*long)[:0], line...)
		for err == bufio.ErrBufferFull {
			if len(*long) > *room {
				return nil, errTooBigHeader
			}
			line, err = br.ReadSlice('\n')
			*long = append(*long, line...)
		}
		line = *long
	}
	if len(line) > *room {
		return nil, errTooBigHeader
	}
	*room -= len(line)
	if err != nil {
		return nil, err
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, nil
}

// uniqueBits numbers the uniqueUpstream headers, for the set of those seen.
var uniqueBits = func() map[string]uint32 {
	m := map[string]uint32{}
	for k := range uniqueUpstream {
		m[k] = 1 << len(m)
	}
	return m
}()

// knownKeys are header names that are their own canonical form, so that
// the key of a line that has one is found without allocating.
var knownKeys = func() map[string]string {
	m := map[string]string{}
	for _, k := range []string{
		"Status", "Content-Type", "Date", "Last-Modified", "Etag", "Server", "Location", "Expires",
		"Accept-Ranges", "X-Accel-Expires", "X-Accel-Redirect", "X-Accel-Limit-Rate",
		"X-Accel-Buffering", "X-Accel-Charset", "Content-Encoding", "Content-Length",
		"Transfer-Encoding", "Connection", "Keep-Alive", "Set-Cookie", "Content-Disposition",
		"Cache-Control", "Vary", "X-Pad", "Refresh", "Www-Authenticate", "Pragma",
		"X-Content-Type-Options", "X-Frame-Options", "Content-Language",
	} {
		m[k] = k
	}
	return m
}()

// canonicalKey is http.CanonicalHeaderKey(string(name)).
func canonicalKey(name []byte) string {
	if k, ok := knownKeys[string(name)]; ok {
		return k
	}
	return http.CanonicalHeaderKey(string(name))
}

// parseLength is strconv.ParseInt(string(b), 10, 64) for a Content-Length:
// ok is false when that fails or gives a negative number.
func parseLength(b []byte) (int64, bool) {
	neg := false
	if len(b) > 0 && (b[0] == '+' || b[0] == '-') {
		neg = b[0] == '-'
		b = b[1:]
	}
	n, ok := parseDigits(b)
	if !ok || neg && n != 0 {
		return 0, false // not digits, out of range, or negative
	}
	return n, true
}

// trimSpaces is strings.Trim(s, " ") for bytes.
func trimSpaces(b []byte) []byte {
	for len(b) > 0 && b[0] == ' ' {
		b = b[1:]
	}
	for len(b) > 0 && b[len(b)-1] == ' ' {
		b = b[:len(b)-1]
	}
	return b
}

// What appHeaderLine makes of an app's header line.
const (
	lineOK      = iota
	lineInvalid // "upstream sent invalid header": 502
	lineIgnored // a status line where a header line should be
)

// appHeaderLine judges a header line of an app's response (without its
// LF and one CR) as ngx_http_parse_header_line does for upstreams (nginx
// 1.21.1+, underscores allowed): a name that starts with ":" or holds a
// space or control byte (a folded line, "X-Foo : bar", "X Foo: bar"), a
// NUL anywhere, or a CR followed by anything but CRs makes the header
// invalid; "HTTP/..." where a name should be is skipped; other odd bytes
// in a name ("X.Dot", "X@At") are accepted.
func appHeaderLine(line []byte) int {
	if len(line) > 0 && line[0] == ':' {
		return lineInvalid
	}
	i := 0
	for ; i < len(line) && line[i] != ':'; i++ {
		c := line[i]
		switch {
		case c == '\r':
			if i == 0 || len(bytes.Trim(line[i:], "\r")) > 0 {
				return lineInvalid
			}
			return lineOK // a name without a value
		case c <= 0x20 || c == 0x7f:
			return lineInvalid
		case c == '/' && i == 4 && string(line[:4]) == "HTTP":
			return lineIgnored
		}
	}
	value := line[min(i+1, len(line)):]
	if bytes.IndexByte(value, 0) >= 0 {
		return lineInvalid
	}
	if j := bytes.IndexByte(value, '\r'); j >= 0 && len(bytes.Trim(value[j:], "\r")) > 0 {
		return lineInvalid
	}
	return lineOK
}

// readUpstreamHeader parses the status line and the header lines, limit
// bytes at most (proxy_buffer_size): only spaces (not tabs) around a value
// are dropped, a line nginx's parser refuses makes the header invalid
// (appHeaderLine), names are matched case-insensitively later on.
func readUpstreamHeader(br *bufio.Reader, limit int) (*upstreamResponse, error) {
	var long []byte
	room := limit
	for {
		line, err := readLine(br, &long, &room)
		if err != nil {
			return nil, err
		}
		// "HTTP/1.1 200 OK": the status is the three digits after the
		// first space.
		if !bytes.HasPrefix(line, []byte("HTTP/")) || len(line) < 12 || line[8] != ' ' {
			return nil, errInvalidHeader
		}
		d0, d1, d2 := line[9]-'0', line[10]-'0', line[11]-'0'
		if d0 > 9 || d1 > 9 || d2 > 9 || d0 == 0 {
			// strconv.Atoi of the three bytes fails, or (with a sign or
			// a leading zero) gives less than 100.
			return nil, errInvalidHeader
		}
		status := int(d0)*100 + int(d1)*10 + int(d2)
		resp := &upstreamResponse{status: status, proto11: bytes.HasPrefix(line, []byte("HTTP/1.1 "))}
		resp.lines = resp.lineSpace[:0]
		// The names and values are collected in text and made strings
		// with one allocation once the header is complete.
		type span struct{ name, value [2]int }
		var spaceSpans [len(resp.lineSpace)]span
		spans := spaceSpans[:0]
		textBuf := getCopyBuf()
		text := (*textBuf)[:0]
		var seen uint32
		hasLength := false
		for {
			line, err := readLine(br, &long, &room)
			if err != nil {
				putCopyBuf(textBuf)
				return nil, err
			}
			if len(line) == 0 {
				break
			}
			switch appHeaderLine(line) {
			case lineInvalid:
				putCopyBuf(textBuf)
				return nil, errInvalidHeader
			case lineIgnored:
				continue
			}
			name, value, found := bytes.Cut(line, []byte(":"))
			if !found {
				name = bytes.TrimRight(name, "\r") // a name without a value
			}
			if i := bytes.IndexByte(value, '\r'); i >= 0 {
				value = value[:i] // only CRs follow (appHeaderLine)
			}
			value = trimSpaces(value)
			key := canonicalKey(name)
			hl := headerLine{key: key}
			if bit := uniqueBits[key]; bit != 0 {
				hl.dup = seen&bit != 0
				seen |= bit
			}
			if key == "Content-Length" {
				// nginx 1.23+: a duplicate or invalid Content-Length is
				// an invalid header (nginx 1.22 used the last one).
				if _, ok := parseLength(value); !ok || hasLength {
					putCopyBuf(textBuf)
					return nil, errInvalidHeader
				}
				hasLength = true
			}
			var sp span
			sp.name[0] = len(text)
			text = append(text, name...)
			sp.name[1] = len(text)
			text = append(text, value...)
			sp.value = [2]int{sp.name[1], len(text)}
			spans = append(spans, sp)
			resp.lines = append(resp.lines, hl)
		}
		all := string(text)
		putCopyBuf(textBuf)
		for i, sp := range spans {
			resp.lines[i].name = all[sp.name[0]:sp.name[1]]
			resp.lines[i].value = all[sp.value[0]:sp.value[1]]
		}
		if status >= 100 && status < 200 && status != 101 {
			continue // an interim response; the real one follows
		}
		// nginx 1.23+ (ngx_http_upstream_process_transfer_encoding): a
		// Transfer-Encoding other than one "chunked", or together with a
		// Content-Length, is an invalid header.
		if te, ok := resp.first("Transfer-Encoding"); ok {
			if resp.count("Transfer-Encoding") > 1 || !strings.EqualFold(te, "chunked") || hasLength {
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
		return http.NoBody
	}
	if _, ok := resp.first("Transfer-Encoding"); ok {
		// Read up to the empty line after the trailer, as nginx's chunked
		// parser does: a connection kept alive starts clean at the next
		// response, and one closed before that line has cut its body.
		return &chunkedBody{br: br, r: httputil.NewChunkedReader(br)}
	}
	if cl, ok := resp.first("Content-Length"); ok {
		if n, err := strconv.ParseInt(strings.TrimSpace(cl), 10, 64); err == nil && n >= 0 {
			resp.limited = io.LimitedReader{R: br, N: n}
			return &resp.limited
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
	lc := h.conf(l)
	var t passTarget
	var dest upstreamDest
	var ok bool
	var err error
	if p := lc.pass; p != nil && d == lc.handler {
		t, ok, dest, err = p.target, p.ok, p.dest, p.err
	} else {
		t, ok = parsePass(h.expand(rq, d.Arg(0)))
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
	// (ngx_http_read_client_request_body, then ngx_http_upstream_init).
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
	if err != nil {
		if rq.tracing {
			rq.trace = append(rq.trace, "upstream: "+err.Error())
		}
		return h.fail(w, rq, http.StatusBadGateway, l)
	}
	reqURI := dest.prefix + h.upstreamURI(rq, l, t)
	rq.proxyHost = dest.hostHeader
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
	b := append((*bp)[:0], rq.method...)
	b = append(b, ' ')
	b = append(b, reqURI...)
	b = append(b, " HTTP/"...)
	b = append(b, version...)
	b = append(b, "\r\n"...)
	// The request header: proxy_set_header values (config order), the
	// defaults they do not replace, then the client's header lines that
	// none of them names.
	sendLength, hasConnection := false, false
	add := func(name, value string) {
		if strings.EqualFold(name, "Content-Length") {
			// $proxy_internal_body_length: the client's body length, when
			// it sent one.
			sendLength = value != "" && rq.hasBody
			return
		}
		v := h.expand(rq, value)
		if v != "" {
			b = append(b, name...)
			b = append(b, ": "...)
			b = append(b, v...)
			b = append(b, "\r\n"...)
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
		if ph[0] == "Content-Length" {
			add(ph[0], "$proxy_internal_body_length")
			continue
		}
		add(ph[0], ph[1])
	}
	for k, vs := range rq.r.Header {
		if isProxyHeader(k) || lc.proxySets(k) {
			continue
		}
		for _, v := range vs {
			b = append(b, k...)
			b = append(b, ": "...)
			b = append(b, v...)
			b = append(b, "\r\n"...)
		}
	}
	if sendLength {
		b = append(b, "Content-Length: "...)
		b = strconv.AppendInt(b, rq.bodyLen, 10)
		b = append(b, "\r\n"...)
	}
	b = append(b, "\r\n"...)
	b = append(b, rq.body...)
	*bp = b
	var spooled *io.SectionReader
	if rq.bodyFile != nil {
		spooled = io.NewSectionReader(rq.bodyFile, 0, rq.bodyLen)
	}
	pool, mayKeep := h.pool.use(dest, version, hasConnection)
	resp, err := roundTrip(dest, b, spooled, rq.method, lc.bufferSize, lc.timeouts, pool, mayKeep)
	if err != nil {
		if rq.tracing {
			rq.trace = append(rq.trace, "upstream error: "+err.Error())
		}
		status := http.StatusBadGateway
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			status = http.StatusGatewayTimeout
		}
		return h.fail(w, rq, status, l)
	}
	defer resp.close()
	rq.upstream = resp
	if rq.tracing {
		rq.trace = append(rq.trace, fmt.Sprintf("proxied %s %s -> %d", rq.method, reqURI, resp.status))
	}

	// ngx_http_upstream_intercept_errors runs first, for status >= 300.
	if resp.status >= 300 && lc.interceptErrors && errorPageFor(lc.levels, resp.status) != nil {
		if resp.status == http.StatusUnauthorized {
			if v, ok := resp.first("Www-Authenticate"); ok {
				rq.out.Add("WWW-Authenticate", v)
			}
		}
		return h.fail(w, rq, resp.status, l)
	}
	// X-Accel-Charset is processed while the header is parsed, also on the
	// X-Accel-Redirect path, where it survives the redirect.
	if v, ok := resp.first("X-Accel-Charset"); ok && !lc.ignoreCharset {
		rq.charset = v
	}
	if xar, ok := resp.first("X-Accel-Redirect"); ok && !lc.ignoreRedirect {
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
		key := hl.key
		if hl.dup || lc.hidden(key) {
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
	hw := h.hook(w, rq, l, remapErrStatus)
	hw.WriteHeader(resp.status)
	if rq.method != http.MethodHead && !rq.sub {
		if _, err := copyBody(hw, resp.body); err != nil {
			// The app cut its body short (or the client went away):
			// nginx ends the connection without completing the
			// response, so a chunked one has no last chunk.
			if rq.tracing {
				rq.trace = append(rq.trace, "response body cut: "+err.Error())
			}
			abortResponse(w)
		}
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
	forceRanges := h.conf(l).forceRanges
	for _, hl := range resp.lines {
		key := hl.key
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
func (c *locConf) hidden(name string) bool {
	for _, hh := range neverCopied {
		if strings.EqualFold(hh, name) {
			return true
		}
	}
	for _, d := range c.passHeader {
		if strings.EqualFold(d.Arg(0), name) {
			return false
		}
	}
	for _, hname := range hiddenByDefault {
		if strings.EqualFold(hname, name) {
			return true
		}
	}
	for _, d := range c.hideHeader {
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
