//go:build unix

// Package uwsgi is xaccel serve's uwsgi client, as nginx's
// ngx_http_uwsgi_module speaks to an app (uWSGI running Django or Flask):
// one request per connection, a 4-byte header (modifier1, the size of the
// variables as a little-endian uint16, modifier2), the variables as
// length-prefixed pairs, then the body as it is. The answer is HTTP-like:
// a status line when the app sends one, else a CGI header whose Status
// (or Location: 302) gives the status, then the body up to the end of the
// connection or its Content-Length.
package uwsgi

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/xaccel/xaccel/proxy/internal/upstream"
)

// Param is one variable sent to the app.
type Param struct{ Name, Value string }

// Request is what goes to the app.
type Request struct {
	Params []Param
	// Body is the request body in memory; BodyFile, when set, holds it
	// instead (spooled).
	Body     []byte
	BodyFile *io.SectionReader
	// Stream, when set, is a body with a known length (the client's
	// Content-Length) sent as it is read (uwsgi_request_buffering off).
	// An error reading it ends the exchange with upstream.ErrClientBody
	// wrapping that error.
	Stream io.Reader
	// Modifier1 and Modifier2 are uwsgi_modifier1 and uwsgi_modifier2.
	Modifier1, Modifier2 byte
}

// Options bound one exchange.
type Options struct {
	// Limit is uwsgi_buffer_size: the most the response header may take.
	Limit    int
	Timeouts upstream.Timeouts
	// Method is the client's: no body is read for HEAD.
	Method string
}

// ErrTooBig is nginx's "uwsgi request is too big" (500): the variables
// take more than 65535 bytes.
var ErrTooBig = errors.New("uwsgi request is too big")

// Encode is the request's header and variables.
func Encode(req Request) ([]byte, error) {
	b := make([]byte, 4, 4+64*len(req.Params))
	for _, p := range req.Params {
		if len(p.Name) > 0xffff || len(p.Value) > 0xffff {
			return nil, ErrTooBig
		}
		b = binary.LittleEndian.AppendUint16(b, uint16(len(p.Name)))
		b = append(b, p.Name...)
		b = binary.LittleEndian.AppendUint16(b, uint16(len(p.Value)))
		b = append(b, p.Value...)
	}
	size := len(b) - 4
	if size > 0xffff {
		return nil, ErrTooBig
	}
	b[0] = req.Modifier1
	binary.LittleEndian.PutUint16(b[1:3], uint16(size))
	b[3] = req.Modifier2
	return b, nil
}

// RoundTrip sends req to the app at d and reads the response header.
func RoundTrip(d upstream.Dest, req Request, o Options) (*upstream.Response, error) {
	first, err := Encode(req)
	if err != nil {
		return nil, err
	}
	if req.BodyFile == nil && req.Stream == nil {
		first = append(first, req.Body...)
	}
	raw, err := upstream.Connect(d, first, o.Timeouts)
	if err != nil {
		return nil, err
	}
	// What goes through conn is counted ($upstream_bytes_*), the
	// request's first packet too.
	conn := &upstream.Counts{Conn: raw, Sent: int64(len(first))}
	if req.BodyFile != nil {
		if _, err := io.Copy(conn, io.NewSectionReader(req.BodyFile, 0, req.BodyFile.Size())); err != nil {
			conn.Close()
			return nil, err
		}
	}
	if req.Stream != nil {
		if err := sendStream(conn, req.Stream); err != nil {
			conn.Close()
			return nil, err
		}
	}
	limit := o.Limit
	if limit <= 0 {
		limit = 4096
	}
	br := bufio.NewReaderSize(conn, 16<<10)
	// ngx_http_parse_status_line: a line that is not a status line is
	// read as a header line (and one starting "HTTP/" is skipped there).
	status, text, used := statusLine(br)
	lines, err := upstream.ReadHeaderLines(br, limit-used)
	if err != nil {
		conn.Close()
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			err = upstream.ErrInvalidHeader // "upstream prematurely closed connection"
		}
		return nil, err
	}
	resp := upstream.Wrap(0, lines, nil, raw)
	resp.Counted(conn, conn.Received-int64(br.Buffered()))
	resp.StatusText = text
	if status == 0 {
		// ngx_http_uwsgi_process_header, as FastCGI's: the Status
		// header's value as it is, or nginx's line for 302 or 200.
		status, resp.StatusText = http.StatusOK, "200 OK"
		if v, ok := resp.First("Status"); ok {
			if len(v) < 3 || !digit(v[0]) || !digit(v[1]) || !digit(v[2]) {
				conn.Close()
				return nil, upstream.ErrInvalidHeader // "upstream sent invalid status"
			}
			status = int(v[0]-'0')*100 + int(v[1]-'0')*10 + int(v[2]-'0')
			resp.StatusText = v
		} else if _, ok := resp.First("Location"); ok {
			status, resp.StatusText = http.StatusFound, "302 Moved Temporarily"
		}
	}
	resp.Status = status
	resp.Body = newBody(br, resp, o.Method)
	return resp, nil
}

func digit(c byte) bool { return c >= '0' && c <= '9' }

// statusLine reads "HTTP/d.d NNN ..." when the response starts with one,
// and returns the status, what follows "HTTP/d.d " (the status line nginx
// passes on) and the bytes it took; otherwise nothing is read.
func statusLine(br *bufio.Reader) (int, string, int) {
	head, _ := br.Peek(5)
	if string(head) != "HTTP/" {
		return 0, "", 0
	}
	var line []byte
	end := -1
	for n := 5; end < 0; n++ {
		buf, err := br.Peek(n)
		if end = bytes.IndexByte(buf, '\n'); end >= 0 {
			line = buf
			break
		}
		if err != nil || len(buf) >= 1024 {
			return 0, "", 0
		}
		n = max(n, br.Buffered())
	}
	l := line[:end]
	// HTTP/ digits '.' digits ' ' NNN (then a space, CR or the end)
	i := 5
	for i < len(l) && digit(l[i]) {
		i++
	}
	if i == 5 || i >= len(l) || l[i] != '.' {
		return 0, "", 0
	}
	i++
	j := i
	for i < len(l) && digit(l[i]) {
		i++
	}
	if i == j || i+4 > len(l) || l[i] != ' ' || !digit(l[i+1]) || !digit(l[i+2]) || !digit(l[i+3]) {
		return 0, "", 0
	}
	if i+4 < len(l) && l[i+4] != ' ' && l[i+4] != '\r' {
		return 0, "", 0
	}
	status := int(l[i+1]-'0')*100 + int(l[i+2]-'0')*10 + int(l[i+3]-'0')
	text := string(bytes.TrimSuffix(l[i+1:], []byte("\r")))
	br.Discard(end + 1)
	return status, text, end + 1
}

// body is the response body: up to the end of the connection, or
// Content-Length bytes (the end of the connection before them is a cut
// body, io.ErrUnexpectedEOF).
type body struct {
	r    io.Reader
	rest int64 // -1: no Content-Length
}

func newBody(br *bufio.Reader, resp *upstream.Response, method string) io.Reader {
	if method == http.MethodHead {
		return http.NoBody
	}
	b := &body{r: br, rest: -1}
	if resp.Status == http.StatusNoContent || resp.Status == http.StatusNotModified {
		b.rest = 0
	} else if v, ok := resp.First("Content-Length"); ok {
		var n int64
		for i := 0; i < len(v); i++ {
			n = n*10 + int64(v[i]-'0') // digits only (ReadHeaderLines)
		}
		b.rest = n
	}
	return b
}

func (b *body) Read(p []byte) (int, error) {
	if b.rest == 0 {
		return 0, io.EOF
	}
	if b.rest > 0 && int64(len(p)) > b.rest {
		p = p[:b.rest]
	}
	n, err := b.r.Read(p)
	if b.rest > 0 {
		b.rest -= int64(n)
		if err == io.EOF && b.rest > 0 {
			err = io.ErrUnexpectedEOF
		}
	}
	return n, err
}

// sendStream copies r to w, each read going out as it comes.
func sendStream(w io.Writer, r io.Reader) error {
	buf := make([]byte, 32<<10)
	for {
		n, rerr := r.Read(buf)
		if n > 0 {
			if _, err := w.Write(buf[:n]); err != nil {
				return err
			}
		}
		if rerr == io.EOF {
			return nil
		}
		if rerr != nil {
			return fmt.Errorf("%w: %w", upstream.ErrClientBody, rerr)
		}
	}
}
