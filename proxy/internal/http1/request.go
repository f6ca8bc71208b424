//go:build unix

package http1

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/xaccel/xaccel/nginx"
	"github.com/xaccel/xaccel/proxy/internal/wire"
)

// Reading one request off a connection: the request line and the header
// as nginx stores them (its header buffers), and the body as the handler
// reads it (by length, chunked, with what came with the header first).

// readRequest reads the request line and the header. It returns nil when
// the connection is to be closed without an answer, or the request with a
// status to refuse it with (0: none), the body's length (-1: none given)
// and whether the body is chunked.
func (c *conn) readRequest() (req *http.Request, length int64, chunked bool, status int) {
	r := &http.Request{Method: "", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{}, Body: http.NoBody, RemoteAddr: c.remote, ContentLength: -1}
	// The request's context (the server chosen, the header lines) is
	// set once, as it returns: WithContext copies the request.
	ctx := c.ctx
	defer func() {
		if req != nil {
			req = req.WithContext(ctx)
		}
	}()
	r.TLS = c.tlsState
	c.cur = c.vh.Default()
	if c.tlsState != nil && c.tlsState.ServerName != "" {
		// ngx_http_ssl_servername: the TLS server name chose the
		// connection's server, which answers until the request's Host
		// chooses one (a request refused before, or for, its Host).
		c.cur, _ = c.vh.Pick(c.ctx, c.tlsState.ServerName)
	}
	c.reading = c.cur.Reading()
	picked := false
	pick := func(host string) {
		picked = true
		c.cur, ctx = c.vh.Pick(c.ctx, host)
		c.reading = c.cur.Reading()
	}
	// Empty lines before the request line are skipped.
	var line []byte
	for {
		var err error
		line, err = c.br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			return r, 0, false, http.StatusRequestURITooLong
		}
		if err != nil {
			return nil, 0, false, 0
		}
		if len(line) > 2 || (len(line) == 2 && line[0] != '\r') {
			break
		}
	}
	c.reqStart = c.consumed() - int64(len(line))
	hb := headerBuffers{}
	if !hb.fit(len(line), &c.reading.Limits) {
		return r, 0, false, http.StatusRequestURITooLong
	}
	rl, status := parseRequestLine(line)
	if status != 0 {
		return r, 0, false, status
	}
	r.Method, r.RequestURI, r.ProtoMinor = rl.method, rl.target, rl.minor
	if rl.minor == 0 {
		r.Proto = "HTTP/1.0"
	}
	if !plainTarget(rl.target) {
		if _, _, err := nginx.NormalizeRequestTarget(rl.target, c.reading.MergeSlashes); err != nil {
			// nginx refuses such a target as it reads the request
			// line (ngx_http_process_request_uri), before the header:
			// the connection's default server answers, whatever Host
			// says.
			return r, 0, false, http.StatusBadRequest
		}
	}
	if u, err := url.ParseRequestURI(rl.target); err == nil {
		r.URL = u
		r.Host = u.Host
	} else {
		r.URL = &url.URL{}
	}
	if r.Host == "" {
		// An authority Go's URL parser refuses and nginx's request line
		// takes (an IPvFuture literal with sub-delims).
		r.Host = targetAuthority(rl.target)
	}
	if r.Host != "" {
		pick(r.Host)
	}
	headers := 0
	// Room for a browser's header lines in one allocation each; the values
	// of a name seen once share one block, as net/textproto does.
	taken := make([]HeaderLine, 0, 16)
	values := make([]string, 0, 16)
	for {
		underscores, ignoreInvalid := c.reading.Underscores, c.reading.IgnoreInvalid
		line, err := c.br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			return r, 0, false, StatusHeaderTooLarge
		}
		if err != nil {
			return nil, 0, false, 0
		}
		if !hb.fit(len(line), &c.reading.Limits) {
			return r, 0, false, StatusHeaderTooLarge
		}
		if len(line) == 1 || (len(line) == 2 && line[0] == '\r') {
			break
		}
		hl, ok := parseHeaderLine(line, underscores)
		if !ok {
			return r, 0, false, http.StatusBadRequest
		}
		if hl.invalid && ignoreInvalid {
			continue
		}
		// ngx_http_process_request_headers: counted once the line is
		// taken, against the server chosen so far.
		if headers++; c.reading.LimitHeaders && headers > c.reading.MaxHeaders {
			return r, 0, false, StatusHeaderTooLarge
		}
		if uniqueHeaders[hl.name] && len(r.Header[hl.name]) > 0 {
			return r, 0, false, http.StatusBadRequest
		}
		if hl.name == "Host" {
			if !nginx.ValidHostHeader(hl.value) {
				return r, 0, false, http.StatusBadRequest
			}
			if r.Host == "" {
				r.Host = hl.value
				pick(r.Host)
			}
		}
		if vv := r.Header[hl.name]; vv != nil || len(values) == cap(values) {
			r.Header[hl.name] = append(vv, hl.value)
		} else {
			values = append(values, hl.value)
			r.Header[hl.name] = values[len(values)-1 : len(values) : len(values)]
		}
		taken = append(taken, HeaderLine{Name: hl.raw, Value: hl.value})
	}
	if !picked {
		pick("")
	}
	ctx = context.WithValue(ctx, headerLinesKey{}, taken)
	length, chunked, status = checkRequestHeader(rl, r.Header)
	r.ContentLength = length
	if chunked {
		r.TransferEncoding = []string{"chunked"}
	}
	return r, length, chunked, status
}

// HeaderLine is one request header line nginx keeps in its list
// (r->headers_in.headers): the name as the client wrote it, and the value.
type HeaderLine struct{ Name, Value string }

type headerLinesKey struct{}

// HeaderLines returns the header lines of a request read by this package,
// in the client's order and case, as nginx's proxy module sends them to an
// app (ngx_http_proxy_create_request walks r->headers_in.headers); ok is
// false for a request read elsewhere.
func HeaderLines(r *http.Request) (lines []HeaderLine, ok bool) {
	lines, ok = r.Context().Value(headerLinesKey{}).([]HeaderLine)
	return lines, ok
}

// bodyReader is a request body; with Expect: 100-continue, the interim
// response goes out when the handler starts reading it, as nginx sends it
// when it starts reading the body.
type bodyReader struct {
	c      *conn
	r      io.Reader
	expect bool
	done   bool
}

func (b *bodyReader) Read(p []byte) (int, error) {
	if b.done {
		return 0, io.EOF
	}
	if b.expect {
		b.expect = false
		if _, err := b.c.nc.Write([]byte("HTTP/1.1 100 Continue\r\n\r\n")); err != nil {
			return 0, err
		}
	}
	b.c.nc.SetReadDeadline(time.Now().Add(b.c.limits.Body))
	n, err := b.r.Read(p)
	if err == io.EOF {
		b.done = true
	}
	return n, err
}

// targetAuthority is the authority (host[:port]) of an absolute-form
// request target, "" for a path.
func targetAuthority(target string) string {
	if strings.HasPrefix(target, "/") {
		return ""
	}
	_, rest, ok := strings.Cut(target, "://")
	if !ok {
		return ""
	}
	if i := strings.IndexAny(rest, "/?"); i >= 0 {
		rest = rest[:i]
	}
	return rest
}

// MalformedBuffered reports whether what of a chunked request body has
// arrived already breaks its framing (see wire.Chunked.Malformed).
func MalformedBuffered(body io.Reader) bool {
	b, ok := body.(*bodyReader)
	if !ok || b.done {
		return false
	}
	cb, ok := b.r.(*wire.Chunked)
	return ok && cb.Malformed()
}

// Preread reads into p what of a request body has already arrived with
// its header (or since), without waiting for more: nginx sends that part to
// the app together with the request's header. For a chunked body, that is
// the data of what is buffered (io.EOF when the last chunk is there too).
// 0 for a body whose client waits for "100 Continue", or a body that is
// not the server's.
func Preread(body io.Reader, p []byte) (int, error) {
	b, ok := body.(*bodyReader)
	if !ok || b.done || b.expect {
		return 0, nil
	}
	if cb, ok := b.r.(*wire.Chunked); ok {
		n, done := cb.Available()
		if n > len(p) {
			n, done = len(p), false
		}
		if n == 0 && !done {
			return 0, nil
		}
		got, err := b.Read(p[:n])
		if err == nil && done && got == n {
			// The last chunk and the trailer are buffered: reading them
			// does not wait.
			var none [1]byte
			var m int
			m, err = b.Read(none[:0])
			got += m
		}
		return got, err
	}
	eb, ok := b.r.(*exactBody)
	if !ok {
		return 0, nil
	}
	n := b.c.br.Buffered()
	if n == 0 || eb.n <= 0 {
		return 0, nil
	}
	return b.Read(p[:min(len(p), n)])
}

// exactBody reads a body of n bytes (Content-Length): a connection that
// ends before them is io.ErrUnexpectedEOF, never a shorter body.
type exactBody struct {
	r io.Reader
	n int64
}

func (b *exactBody) Read(p []byte) (int, error) {
	if b.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > b.n {
		p = p[:b.n]
	}
	n, err := b.r.Read(p)
	b.n -= int64(n)
	if err == io.EOF && b.n > 0 {
		err = io.ErrUnexpectedEOF
	}
	if err == io.EOF {
		err = nil
	}
	return n, err
}

// maxTrailer bounds the trailer of a chunked request body.
const maxTrailer = 4 * lineLimit

func (b *bodyReader) Close() error { return nil }

// headerBuffers follows how nginx stores a request's header: in the
// client_header_buffer_size buffer first; a line that does not fit in the
// buffer being filled moves whole to a new large buffer
// (ngx_http_alloc_large_header_buffer), which fails when the line is
// longer than a large buffer or all large_client_header_buffers are taken.
type headerBuffers struct {
	started   bool
	cap, used int
	busy      int
}

// fit takes a line of n bytes under l, or reports that nginx would refuse
// the header.
func (b *headerBuffers) fit(n int, l *Limits) bool {
	if !b.started {
		b.started, b.cap = true, l.HeaderFirst
		if b.cap <= 0 {
			b.cap = 1024
		}
	}
	if b.used+n <= b.cap {
		b.used += n
		return true
	}
	size, count := l.HeaderLine, l.HeaderBuffers
	if size <= 0 {
		size = lineLimit
	}
	if count <= 0 {
		count = 4
	}
	if n > size || b.busy >= count {
		return false
	}
	b.busy++
	b.cap, b.used = size, n
	return true
}

// plainTarget reports whether target is a path that nginx's request-line
// parser takes as it is, which NormalizeRequestTarget cannot refuse: it
// starts with '/', has no escape, no segment starting with '.', no "//"
// and nothing but unreserved and sub-delimiter characters, ':', '@', '/'
// and '?'. (Checking it is cheaper than normalizing it.)
func plainTarget(target string) bool {
	if target == "" || target[0] != '/' {
		return false
	}
	for i := 0; i < len(target); i++ {
		c := target[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '/':
			if i+1 < len(target) && (target[i+1] == '/' || target[i+1] == '.') {
				return false
			}
		case strings.IndexByte("-._~!$&'()*+,;=:@?", c) >= 0:
		default:
			return false
		}
	}
	return true
}
