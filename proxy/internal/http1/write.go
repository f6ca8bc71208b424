//go:build unix

package http1

import (
	"errors"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/xaccel/xaccel/proxy/internal/wire"
)

// respWriter is the http.ResponseWriter of a Server: it frames the
// response as ngx_http_header_filter and ngx_http_chunked_filter do.
type respWriter struct {
	c           *conn
	req         *http.Request
	hdr         http.Header
	wroteHeader bool
	// keepAlive: the connection stays open after this response.
	keepAlive bool
	// closeAfter is set for the error pages after which nginx closes the
	// connection (see CloseAfter).
	closeAfter  bool
	bodyAllowed bool
	chunked     bool
	cl          int64 // the Content-Length sent, -1: none
	written     int64 // of the body
	// headerSize is the size of the status line and header;
	// bodyWire what went out after it (the body with its chunk
	// framing), the last chunk and trailer aside ($bytes_sent).
	headerSize, bodyWire int64
	// body is the request's body; when it still owes the client a
	// "100 Continue", that goes out before a 2xx response, as nginx sends
	// it when it discards the body it does not use (not before the
	// error pages seen from nginx: 405 for a POST to a file).
	body *bodyReader
	// aborted: the response ends where it is, without a last chunk, and
	// the connection closes (see Abort).
	aborted bool
	// order is the order the handler gave its header fields in (see
	// Order); the fields it does not name follow, sorted. orderSpace
	// holds the first few without an allocation of their own.
	order      []string
	orderSpace [6]string
	// expectTrailers: the body goes out chunked to an HTTP/1.1 client
	// whatever its length, and its last chunk carries trailers (see
	// ExpectTrailers and SetTrailers).
	expectTrailers bool
	trailers       [][2]string
	// statusText is the status line an app's response came with (see
	// StatusLine).
	statusText string
}

// respWriterOf finds the respWriter under w: a handler may wrap it in
// writers of its own that give it back with Unwrap.
func respWriterOf(w http.ResponseWriter) (*respWriter, bool) {
	for {
		switch x := w.(type) {
		case *respWriter:
			return x, true
		case interface{ Unwrap() http.ResponseWriter }:
			w = x.Unwrap()
		default:
			return nil, false
		}
	}
}

// errAborted is what writing to an aborted response gives.
var errAborted = errors.New("the response was aborted")

// Abort ends the response to w where it is: nothing more is sent, no last
// chunk marks a chunked body complete, and the connection closes. That is
// how nginx ends a request whose client went away in the middle of its
// body (c->error: no answer at all) and a response whose app cut its body
// short. It reports whether w could be aborted (a writer of this
// package's Server).
func Abort(w http.ResponseWriter) bool {
	rw, ok := respWriterOf(w)
	if ok {
		rw.aborted = true
		rw.keepAlive = false
		rw.c.broken = true
	}
	return ok
}

// SetLimits gives the connection of w the timeouts and keepalive limits
// of the location answering (nginx reads them from the request's location
// configuration).
func SetLimits(w http.ResponseWriter, l Limits) {
	if rw, ok := respWriterOf(w); ok {
		rw.c.limits = l
	}
}

// Order notes that the header fields keys (as the keys of w.Header())
// were set in this order: they are written in it, after the fields nginx
// writes first and before any field not noted (which follow in byte
// order), as nginx writes its header list in the order it was built.
func Order(w http.ResponseWriter, keys ...string) {
	if rw, ok := respWriterOf(w); ok {
		if rw.order == nil {
			rw.order = rw.orderSpace[:0]
		}
		rw.order = append(rw.order, keys...)
	}
}

// BodyBytesSent is what of the response went to the client after its
// header so far, chunk framing included, and the last chunk and trailer
// once the handler is done with a chunked body ($body_bytes_sent); 0 for a
// writer that is not the server's.
func BodyBytesSent(w http.ResponseWriter) int64 {
	if rw, ok := respWriterOf(w); ok {
		return rw.bodyWire + rw.lastChunkSize()
	}
	return 0
}

// BytesSent is BodyBytesSent with the status line and header
// ($bytes_sent).
func BytesSent(w http.ResponseWriter) int64 {
	if rw, ok := respWriterOf(w); ok {
		return rw.headerSize + rw.bodyWire + rw.lastChunkSize()
	}
	return 0
}

// RequestLength is how many bytes of the request came in so far: the
// request line, the header (ignored lines included) and what was read of
// the body, chunk framing included ($request_length); 0 for a writer that
// is not the server's.
func RequestLength(w http.ResponseWriter) int64 {
	if rw, ok := respWriterOf(w); ok {
		return rw.c.consumed() - rw.c.reqStart
	}
	return 0
}

// Pipelined reports whether the request was read together with the one
// before it on its connection ($pipe).
func Pipelined(w http.ResponseWriter) bool {
	rw, ok := respWriterOf(w)
	return ok && rw.c.pipelined
}

// Completed reports whether the response has gone, or is going, out whole
// ($request_completion): not aborted, no write failed.
func Completed(w http.ResponseWriter) bool {
	rw, ok := respWriterOf(w)
	return ok && !rw.aborted && !rw.c.broken
}

// lastChunkSize is the size of the last chunk and trailer finish writes
// (0 unless the body goes out chunked).
func (w *respWriter) lastChunkSize() int64 {
	if !w.chunked || w.aborted {
		return 0
	}
	n := int64(len("0\r\n\r\n"))
	for _, f := range w.trailers {
		n += int64(len(f[0]) + len(": ") + len(f[1]) + len("\r\n"))
	}
	return n
}

// NoContinue marks w's request so that no "100 Continue" goes to its
// client any more, whether its body is read or not: nginx sets
// r->expect_tested when ngx_http_send_error_page changes the status.
func NoContinue(w http.ResponseWriter) {
	if rw, ok := respWriterOf(w); ok && rw.body != nil {
		rw.body.expect = false
	}
}

// CloseAfter marks w so that the connection closes after an error page for
// status, as ngx_http_special_response_handler turns keep-alive off for
// 400, 413, 414, 494, 497, 500 and 501.
func CloseAfter(w http.ResponseWriter, status int) {
	switch status {
	case 400, 413, 414, StatusHeaderTooLarge, StatusCertError, StatusNoCert, StatusPlainHTTPToHTTPS, 500, 501:
	default:
		return
	}
	if rw, ok := respWriterOf(w); ok {
		rw.closeAfter = true
	}
}

// ExpectTrailers marks the response to w as one that ends with a trailer
// (nginx's r->expect_trailers, which add_trailer sets): to an HTTP/1.1
// client its body goes out chunked, without Content-Length, even when its
// length is known, unless chunked_transfer_encoding is off. Call it before
// the header is written.
func ExpectTrailers(w http.ResponseWriter) {
	if rw, ok := respWriterOf(w); ok && !rw.wroteHeader {
		rw.expectTrailers = true
	}
}

// SetTrailers gives the fields the last chunk of w's response carries,
// name and value, in order. They are sent only when the body went out
// chunked; call it before the handler returns.
func SetTrailers(w http.ResponseWriter, fields [][2]string) {
	if rw, ok := respWriterOf(w); ok {
		rw.trailers = fields
	}
}

// StatusLine gives the status line nginx passes on with an app's response
// ("200 OK", an app's own reason phrase, a bare "404"): it goes out
// instead of nginx's own when the response's status is still the one it
// names (a range or not-modified answer, an error page, have their own).
func StatusLine(w http.ResponseWriter, text string) {
	if rw, ok := respWriterOf(w); ok && !rw.wroteHeader {
		rw.statusText = text
	}
}

func (w *respWriter) Header() http.Header { return w.hdr }

// statusLines are nginx's status lines (ngx_http_status_lines); another
// status is sent as "NNN " with an empty reason.
var statusLines = map[int]string{
	200: "200 OK", 201: "201 Created", 202: "202 Accepted", 204: "204 No Content",
	206: "206 Partial Content", 301: "301 Moved Permanently", 302: "302 Moved Temporarily",
	303: "303 See Other", 304: "304 Not Modified", 307: "307 Temporary Redirect",
	308: "308 Permanent Redirect", 400: "400 Bad Request", 401: "401 Unauthorized",
	402: "402 Payment Required", 403: "403 Forbidden", 404: "404 Not Found",
	405: "405 Not Allowed", 406: "406 Not Acceptable", 408: "408 Request Time-out",
	409: "409 Conflict", 410: "410 Gone", 411: "411 Length Required",
	412: "412 Precondition Failed", 413: "413 Request Entity Too Large",
	414: "414 Request-URI Too Large", 415: "415 Unsupported Media Type",
	416: "416 Requested Range Not Satisfiable", 421: "421 Misdirected Request",
	429: "429 Too Many Requests", 500: "500 Internal Server Error", 501: "501 Not Implemented",
	502: "502 Bad Gateway", 503: "503 Service Temporarily Unavailable",
	504: "504 Gateway Time-out", 505: "505 HTTP Version Not Supported",
	507: "507 Insufficient Storage",
}

// firstHeaders are the fields ngx_http_header_filter writes first, in its
// order; the others follow sorted by name.
var firstHeaders = []string{"Server", "Date", "Content-Type", "Content-Length", "Last-Modified", "Location"}

// notSorted are the fields that do not go in the sorted part: the first
// ones, and those the writer decides itself (framing).
var notSorted = map[string]bool{
	"Server": true, "Date": true, "Content-Type": true, "Content-Length": true, "Last-Modified": true,
	"Location": true, "Connection": true, "Transfer-Encoding": true, "Keep-Alive": true,
}

func (w *respWriter) WriteHeader(status int) {
	if w.wroteHeader || w.aborted {
		return
	}
	if status < 100 || status > 999 {
		status = http.StatusInternalServerError
	}
	w.wroteHeader = true
	hdr := w.hdr
	method := w.req.Method
	// A 1xx an app answered with goes out as nginx 1.22 passes it on,
	// with what followed it as its body, never chunked
	// (ngx_http_chunked_header_filter leaves a status under 200 alone).
	w.bodyAllowed = method != http.MethodHead && status != 204 && status != 304
	w.cl = -1
	if v, ok := hdr["Content-Length"]; ok && len(v) > 0 {
		if n, ok := wire.ParseDigits(v[0]); ok {
			w.cl = n
		}
	}
	// ngx_http_chunked_header_filter: chunked for a body of unknown
	// length, or one a trailer follows, to HTTP/1.1 when
	// chunked_transfer_encoding allows it; otherwise a body of unknown
	// length ends with the connection.
	if w.bodyAllowed && status >= 200 && (w.cl < 0 || w.expectTrailers) {
		if w.req.ProtoMinor > 0 && !w.c.limits.NoChunked {
			w.chunked = true
			if w.cl >= 0 {
				delete(hdr, "Content-Length")
				w.cl = -1
			}
		} else if w.cl < 0 {
			w.keepAlive = false // the body ends with the connection
		}
	}
	if w.closeAfter {
		w.keepAlive = false
	}

	b := w.c.out
	if w.body != nil && w.body.expect {
		// Once the response is on its way, no 100 is sent any more.
		w.body.expect = false
		if status < 300 {
			b = append(b, "HTTP/1.1 100 Continue\r\n\r\n"...)
		}
	}
	hstart := len(b)
	b = append(b, "HTTP/1.1 "...)
	if st := w.statusText; len(st) >= 3 && int(st[0]-'0')*100+int(st[1]-'0')*10+int(st[2]-'0') == status {
		b = append(b, st...)
	} else if sl, ok := statusLines[status]; ok {
		b = append(b, sl...)
	} else {
		b = strconv.AppendInt(b, int64(status), 10)
		b = append(b, ' ')
	}
	b = append(b, "\r\n"...)
	for _, k := range firstHeaders {
		vs, ok := hdr[k]
		if !ok && k == "Date" {
			b = append(b, "Date: "...)
			b = append(b, httpDate()...)
			b = append(b, "\r\n"...)
			continue
		}
		b = appendField(b, k, vs)
	}
	if w.chunked {
		b = append(b, "Transfer-Encoding: chunked\r\n"...)
	}
	if lim := &w.c.limits; w.keepAlive && (lim.Keepalive <= 0 || w.c.requests >= lim.KeepaliveRequests ||
		lim.KeepaliveTime > 0 && time.Since(w.c.start) > lim.KeepaliveTime || keepaliveDisabled(w.req, lim)) {
		// ngx_http_update_location_config: keepalive_timeout 0,
		// keepalive_requests or keepalive_time reached, keepalive_disable
		w.keepAlive = false
	}
	if status == http.StatusSwitchingProtocols {
		// ngx_http_header_filter says "upgrade" for a 101, whatever
		// becomes of the connection.
		b = append(b, "Connection: upgrade\r\n"...)
	} else if w.keepAlive {
		b = append(b, "Connection: keep-alive\r\n"...)
		if t := w.c.limits.KeepaliveHeader; t > 0 {
			b = append(b, "Keep-Alive: timeout="...)
			b = strconv.AppendInt(b, int64(t/time.Second), 10)
			b = append(b, "\r\n"...)
		}
	} else {
		b = append(b, "Connection: close\r\n"...)
	}
	keys := w.c.keys[:0]
	for k := range hdr {
		if !notSorted[k] && !slices.Contains(w.order, k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	field := func(k string, vs []string) {
		name := k
		switch k {
		case "Etag":
			name = "ETag" // as nginx's static module writes it
		case "Www-Authenticate":
			name = "WWW-Authenticate" // as nginx writes it (auth_basic, an intercepted 401)
		}
		b = appendField(b, name, vs)
	}
	// Each noted key is one value, in turn: an app's Set-Cookie lines
	// stay where they were among its other fields. Values noted fewer
	// times than they are follow the key's last noted place.
	for i, k := range w.order {
		vs, ok := hdr[k]
		if !ok || notSorted[k] {
			continue
		}
		n := 0 // the times k was noted before
		for _, o := range w.order[:i] {
			if o == k {
				n++
			}
		}
		if n >= len(vs) {
			continue
		}
		if slices.Contains(w.order[i+1:], k) {
			field(k, vs[n:n+1])
		} else {
			field(k, vs[n:])
		}
	}
	for _, k := range keys {
		field(k, hdr[k])
	}
	w.c.keys = keys[:0]
	b = append(b, "\r\n"...)
	w.headerSize = int64(len(b) - hstart)
	w.c.out = b
}

// appendField appends "k: v\r\n" for each value; a CR or LF in a value
// becomes a space.
func appendField(b []byte, k string, vs []string) []byte {
	for _, v := range vs {
		b = append(b, k...)
		b = append(b, ": "...)
		if strings.ContainsAny(v, "\r\n") {
			v = strings.NewReplacer("\r", " ", "\n", " ").Replace(v)
		}
		b = append(b, v...)
		b = append(b, "\r\n"...)
	}
	return b
}

func (w *respWriter) Write(p []byte) (int, error) {
	if w.aborted {
		return 0, errAborted
	}
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if !w.bodyAllowed || len(p) == 0 {
		return len(p), nil
	}
	n := len(p)
	if w.cl >= 0 && w.written+int64(n) > w.cl {
		// More than the Content-Length said: what is over is dropped
		// and the connection ends after the response.
		p = p[:w.cl-w.written]
		w.c.broken = true
	}
	w.written += int64(len(p))
	w.bodyWire += int64(len(p))
	c := w.c
	if w.chunked {
		l := len(c.out)
		c.out = strconv.AppendInt(c.out, int64(len(p)), 16)
		c.out = append(c.out, "\r\n"...)
		w.bodyWire += int64(len(c.out) - l + len("\r\n"))
	}
	if len(c.out)+len(p) <= outBufSize {
		c.out = append(c.out, p...)
	} else if err := c.writev(p); err != nil {
		return 0, err
	}
	if w.chunked {
		c.out = append(c.out, "\r\n"...)
	}
	return n, nil
}

// ReadFrom sends src: after what is buffered, with sendfile(2) when src is
// a file (or a LimitedReader of one) and the body is not chunked.
func (w *respWriter) ReadFrom(src io.Reader) (int64, error) {
	if w.aborted {
		return 0, errAborted
	}
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if !w.bodyAllowed || w.chunked || w.c.tc == nil || w.c.tlsConf != nil || w.cl < 0 {
		return wire.Copy(w, src)
	}
	if err := w.c.flush(); err != nil {
		return 0, err
	}
	if lr, ok := src.(*io.LimitedReader); ok && lr.N > w.cl-w.written {
		lr.N = w.cl - w.written
	}
	// send_timeout bounds the time between two writes, not the whole
	// body: the file goes out in pieces, each with its own deadline.
	// One level of *io.LimitedReader around an *os.File is what
	// TCPConn.ReadFrom turns into sendfile(2), so a limit of src's own is
	// carried over rather than wrapped.
	base, remain := src, int64(-1)
	lr, limited := src.(*io.LimitedReader)
	if limited {
		base, remain = lr.R, lr.N
	}
	var total int64
	for {
		piece := int64(sendPiece)
		if limited && remain < piece {
			piece = remain
		}
		if piece <= 0 {
			return total, nil
		}
		w.c.nc.SetWriteDeadline(time.Now().Add(w.c.limits.Send))
		n, err := w.c.tc.ReadFrom(&io.LimitedReader{R: base, N: piece})
		total += n
		w.written += n
		w.bodyWire += n
		if limited {
			remain -= n
			lr.N = remain
		}
		if err != nil {
			w.c.broken = true
			return total, err
		}
		if n < piece {
			return total, nil
		}
	}
}

// sendPiece is how much of a file goes out under one send_timeout.
const sendPiece = 1 << 20

// Flush sends what is buffered.
func (w *respWriter) Flush() {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	w.c.flush()
}

// finish ends the response once the handler is done: the last chunk, or
// the end of the connection when the body came out shorter than its
// Content-Length.
func (w *respWriter) finish() {
	if w.aborted {
		if w.wroteHeader {
			w.c.flush() // what was written of the response, and no more
		}
		return
	}
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if w.chunked {
		// ngx_http_chunked_create_trailers: the last chunk, the trailer
		// fields, the empty line.
		w.c.out = append(w.c.out, "0\r\n"...)
		for _, f := range w.trailers {
			w.c.out = append(w.c.out, f[0]...)
			w.c.out = append(w.c.out, ": "...)
			w.c.out = append(w.c.out, f[1]...)
			w.c.out = append(w.c.out, "\r\n"...)
		}
		w.c.out = append(w.c.out, "\r\n"...)
	}
	if w.bodyAllowed && w.cl >= 0 && w.written < w.cl {
		w.c.broken = true
	}
	w.c.flush()
}

// flush writes the buffered response.
func (c *conn) flush() error {
	if len(c.out) == 0 {
		return nil
	}
	c.nc.SetWriteDeadline(time.Now().Add(c.limits.Send))
	_, err := c.nc.Write(c.out)
	c.out = c.out[:0]
	if err != nil {
		c.broken = true
	}
	return err
}

// writev writes the buffered response and p in one system call.
func (c *conn) writev(p []byte) error {
	bufs := net.Buffers{c.out, p}
	c.nc.SetWriteDeadline(time.Now().Add(c.limits.Send))
	_, err := bufs.WriteTo(c.nc)
	c.out = c.out[:0]
	if err != nil {
		c.broken = true
	}
	return err
}

// dateCache holds the Date value of the current second.
var dateCache atomic.Pointer[cachedDate]

type cachedDate struct {
	sec  int64
	text string
}

// httpDate is the current time as an HTTP date, formatted once a second.
func httpDate() string {
	now := time.Now()
	if d := dateCache.Load(); d != nil && d.sec == now.Unix() {
		return d.text
	}
	d := &cachedDate{sec: now.Unix(), text: now.UTC().Format(http.TimeFormat)}
	dateCache.Store(d)
	return d.text
}

// keepaliveDisabled is keepalive_disable for r: msie6 for a POST from
// MSIE 4, 5 or 6 (not 6 with SV1), safari for Safari on Mac OS X, as
// ngx_http_process_user_agent reads the User-Agent.
func keepaliveDisabled(r *http.Request, lim *Limits) bool {
	if !lim.NoKeepaliveMSIE6 && !lim.NoKeepaliveSafari {
		return false
	}
	ua := r.Header.Get("User-Agent")
	msie, opera := false, strings.Contains(ua, "Opera")
	if i := strings.Index(ua, "MSIE "); i >= 0 && i+7 < len(ua) && !opera {
		msie = true
		if lim.NoKeepaliveMSIE6 && r.Method == http.MethodPost && ua[i+6] == '.' {
			switch ua[i+5] {
			case '4', '5':
				return true
			case '6':
				if !strings.Contains(ua[i+8:], "SV1") {
					return true
				}
			}
		}
	}
	if lim.NoKeepaliveSafari && !msie && !opera && !strings.Contains(ua, "Gecko/") && !strings.Contains(ua, "Chrome/") &&
		strings.Contains(ua, "Safari/") && strings.Contains(ua, "Mac OS X") {
		return true
	}
	return false
}
