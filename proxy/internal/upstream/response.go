//go:build unix

package upstream

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/xaccel/xaccel/proxy/internal/wire"
)

// maxTrailer bounds the trailer of an app's chunked body.
const maxTrailer = 16 << 10

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

// HeaderLine is one upstream response header, as received.
type HeaderLine struct {
	Name, Value string
	Key         string // http.CanonicalHeaderKey(Name)
	Dup         bool   // a duplicate of a unique header: ignored (nginx 1.23+)
}

// Response is the status and header of an upstream response, with
// its body to read.
type Response struct {
	Status int
	// StatusText is the status line nginx sends the client for this
	// response when it passes it on ("200 OK", "404 Not Found", an app's
	// own reason phrase, or the bare code): what follows "HTTP/1.x " in an
	// app's status line, a FastCGI app's Status header, or nginx's
	// default for it.
	StatusText string
	Lines      []HeaderLine
	Body       io.Reader
	conn       Conn
	br         *bufio.Reader // conn's reader, pooled
	// pool is where the connection goes back when it can be kept alive
	// (see Pool); nil closes it.
	pool *Pool
	dest Dest
	// Keepable: HTTP/1.1, no Connection: close, a body with known length;
	// the caller clears it for a body it leaves unread.
	Keepable bool
	proto11  bool

	// counts are the bytes the exchange sent and received
	// ($upstream_bytes_sent, _received); header is the size of the
	// response's header as it came (interim responses included).
	counts *Counts
	header int64

	limited   io.LimitedReader // body of a response with Content-Length
	cut       cutReader        // limited, cut short when the connection ends early
	lineSpace [12]HeaderLine   // lines of most responses
}

// cutReader reads the Content-Length bytes of a body: one whose
// connection ends before them is io.ErrUnexpectedEOF (a cut body), never
// a shorter whole one.
type cutReader struct{ l *io.LimitedReader }

func (c *cutReader) Read(p []byte) (int, error) {
	n, err := c.l.Read(p)
	if err == io.EOF && c.l.N > 0 {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

// Close ends the exchange: a keep-alive connection whose response was read
// to its end goes back to the pool (nginx's keepalive module drains and
// keeps it the same way); any other is closed.
func (u *Response) Close() {
	kept := false
	if u.pool != nil && u.Keepable {
		if u.Body == &u.cut && u.limited.N == 0 {
			kept = true // nothing (left) to read
		} else if _, err := io.CopyN(io.Discard, u.Body, 64<<10+1); err == io.EOF {
			kept = true
		}
	}
	if kept {
		u.pool.put(u.dest, u.conn)
	} else {
		u.pool.forget(u.conn)
		u.conn.Close()
	}
	if u.br != nil {
		putReader(u.br)
		u.br = nil
	}
	u.Body = nil
}

// First returns the first value of the header called key (in canonical
// form, as http.CanonicalHeaderKey gives it), duplicates of unique headers
// left out.
func (u *Response) First(key string) (string, bool) {
	for i := range u.Lines {
		if hl := &u.Lines[i]; !hl.Dup && hl.Key == key {
			return hl.Value, true
		}
	}
	return "", false
}

// Count returns the number of header lines called key (canonical),
// duplicates of unique headers left out.
func (u *Response) Count(key string) int {
	n := 0
	for i := range u.Lines {
		if hl := &u.Lines[i]; !hl.Dup && hl.Key == key {
			n++
		}
	}
	return n
}

// ErrInvalidHeader is nginx's "upstream sent invalid header" (502).
var ErrInvalidHeader = errors.New("upstream sent invalid header")

// ErrTooBigHeader is nginx's "upstream sent too big header" (502): the
// status line and header lines do not fit in proxy_buffer_size.
var ErrTooBigHeader = errors.New("upstream sent too big header")

// EmptyBody reports whether the response has no body: HEAD, 204, 304
// or Content-Length: 0 (a 1xx has one, as ngx_http_proxy_input_filter_init
// reads it).
func EmptyBody(resp *Response, method string) bool {
	if method == http.MethodHead || resp.Status == 204 || resp.Status == 304 {
		return true
	}
	cl, ok := resp.First("Content-Length")
	return ok && strings.TrimSpace(cl) == "0"
}

// framed reports whether the end of the body is known without the end of
// the connection.
func framed(resp *Response, method string) bool {
	if method == http.MethodHead || resp.Status == 204 || resp.Status == 304 {
		return true
	}
	if _, ok := resp.First("Transfer-Encoding"); ok {
		return true
	}
	_, ok := resp.First("Content-Length")
	return ok
}

// readLine returns the next line of br without its "\n" and one "\r"
// before it, and subtracts its length from *room: a line that does not fit
// in what is left is ErrTooBigHeader, read no further. The bytes are br's
// (or *long's, for a line longer than br's buffer) and valid until the
// next read.
func readLine(br *bufio.Reader, long *[]byte, room *int) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		*long = append((*long)[:0], line...)
		for err == bufio.ErrBufferFull {
			if len(*long) > *room {
				return nil, ErrTooBigHeader
			}
			line, err = br.ReadSlice('\n')
			*long = append(*long, line...)
		}
		line = *long
	}
	if len(line) > *room {
		return nil, ErrTooBigHeader
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
	n, ok := wire.ParseDigits(b)
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

// readHeader parses the status line and the header lines, limit
// bytes at most (proxy_buffer_size): only spaces (not tabs) around a value
// are dropped, a line nginx's parser refuses makes the header invalid
// (appHeaderLine), names are matched case-insensitively later on. A 1xx
// is the answer, as nginx 1.22's proxy module takes it (it skips none:
// what follows it is its body, a second status line included).
func readHeader(br *bufio.Reader, limit int) (*Response, error) {
	var long []byte
	room := limit
	line, err := readLine(br, &long, &room)
	if err != nil {
		return nil, err
	}
	// "HTTP/1.1 200 OK": the status is the three digits after the
	// first space.
	if !bytes.HasPrefix(line, []byte("HTTP/")) || len(line) < 12 || line[8] != ' ' {
		return nil, ErrInvalidHeader
	}
	d0, d1, d2 := line[9]-'0', line[10]-'0', line[11]-'0'
	if d0 > 9 || d1 > 9 || d2 > 9 || d0 == 0 {
		// strconv.Atoi of the three bytes fails, or (with a sign or
		// a leading zero) gives less than 100.
		return nil, ErrInvalidHeader
	}
	status := int(d0)*100 + int(d1)*10 + int(d2)
	resp := &Response{Status: status, proto11: bytes.HasPrefix(line, []byte("HTTP/1.1 "))}
	if text := line[9:]; string(text) == "200 OK" {
		resp.StatusText = "200 OK" // no copy for the usual one
	} else {
		resp.StatusText = string(text)
	}
	var hasLength bool
	resp.Lines, hasLength, err = readLines(br, &long, &room, resp.lineSpace[:0])
	if err != nil {
		return nil, err
	}
	// nginx 1.23+ (ngx_http_upstream_process_transfer_encoding): a
	// Transfer-Encoding other than one "chunked", or together with a
	// Content-Length, is an invalid header.
	if te, ok := resp.First("Transfer-Encoding"); ok {
		if resp.Count("Transfer-Encoding") > 1 || !strings.EqualFold(te, "chunked") || hasLength {
			return nil, ErrInvalidHeader
		}
	}
	return resp, nil
}

// ReadHeaderLines reads header lines up to the empty line that ends them,
// limit bytes at most, as readHeader reads those after the status line: a
// FastCGI or uwsgi app's header, which has no status line.
func ReadHeaderLines(br *bufio.Reader, limit int) ([]HeaderLine, error) {
	var long []byte
	room := limit
	lines, _, err := readLines(br, &long, &room, nil)
	return lines, err
}

// readLines reads the header lines after the status line into lines (see
// readHeader), and reports whether one is a Content-Length.
func readLines(br *bufio.Reader, long *[]byte, room *int, lines []HeaderLine) ([]HeaderLine, bool, error) {
	// The names and values are collected in text and made strings
	// with one allocation once the header is complete.
	type span struct{ name, value [2]int }
	var spaceSpans [12]span
	spans := spaceSpans[:0]
	textBuf := wire.GetBuf()
	defer wire.PutBuf(textBuf)
	text := (*textBuf)[:0]
	var seen uint32
	hasLength := false
	for {
		line, err := readLine(br, long, room)
		if err != nil {
			return nil, false, err
		}
		if len(line) == 0 {
			break
		}
		switch appHeaderLine(line) {
		case lineInvalid:
			return nil, false, ErrInvalidHeader
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
		hl := HeaderLine{Key: key}
		if bit := uniqueBits[key]; bit != 0 {
			hl.Dup = seen&bit != 0
			seen |= bit
		}
		if key == "Content-Length" {
			// nginx 1.23+: a duplicate or invalid Content-Length is
			// an invalid header (nginx 1.22 used the last one).
			if _, ok := parseLength(value); !ok || hasLength {
				return nil, false, ErrInvalidHeader
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
		lines = append(lines, hl)
	}
	all := string(text)
	for i, sp := range spans {
		lines[i].Name = all[sp.name[0]:sp.name[1]]
		lines[i].Value = all[sp.value[0]:sp.value[1]]
	}
	return lines, hasLength, nil
}

// bodyOf is the body of resp: none for HEAD, 204 and 304,
// chunked, Content-Length bytes, or up to the end of the connection.
func bodyOf(br *bufio.Reader, resp *Response, method string) io.Reader {
	if method == http.MethodHead || resp.Status == 204 || resp.Status == 304 {
		return http.NoBody
	}
	if _, ok := resp.First("Transfer-Encoding"); ok {
		// Read up to the empty line after the trailer, as nginx's chunked
		// parser does: a connection kept alive starts clean at the next
		// response, and one closed before that line has cut its body.
		return wire.NewChunked(br, maxTrailer)
	}
	if cl, ok := resp.First("Content-Length"); ok {
		if n, err := strconv.ParseInt(strings.TrimSpace(cl), 10, 64); err == nil && n >= 0 {
			resp.limited = io.LimitedReader{R: br, N: n}
			resp.cut = cutReader{&resp.limited}
			return &resp.cut
		}
	}
	return br
}
