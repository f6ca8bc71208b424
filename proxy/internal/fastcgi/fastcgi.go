//go:build unix

// Package fastcgi is xaccel serve's FastCGI client, as nginx's
// ngx_http_fastcgi_module speaks to an app (php-fpm): one request per
// connection (request id 1, the responder role, the keep-conn flag off),
// the parameters in one PARAMS record, the body in STDIN records, and the
// app's STDOUT read as a CGI response: header lines, then the body up to
// the end of STDOUT, the END_REQUEST record or the end of the connection.
// What the response means (X-Accel-Redirect, headers passed or hidden,
// error pages) is the caller's, on the *upstream.Response it gets.
package fastcgi

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/xaccel/xaccel/proxy/internal/upstream"
)

// Record types (FastCGI 1.0).
const (
	typeBeginRequest = 1
	typeEndRequest   = 3
	typeParams       = 4
	typeStdin        = 5
	typeStdout       = 6
	typeStderr       = 7
)

// headerLen is the size of a record header.
const headerLen = 8

// maxStdin is the most body a STDIN record carries (nginx sends at most
// 32 KiB a record).
const maxStdin = 32 << 10

// maxParams is the most the parameters may take: nginx puts them in one
// record and refuses more ("fastcgi request record is too big", 500).
const maxParams = 65535

// Param is one name-value pair sent to the app.
type Param struct{ Name, Value string }

// Request is what goes to the app.
type Request struct {
	Params []Param
	// Body is the request body in memory; BodyFile, when set, holds it
	// instead (spooled).
	Body     []byte
	BodyFile *io.SectionReader
	// Stream, when set, is a body sent as it is read, each read in its
	// own STDIN records (fastcgi_request_buffering off). An error reading
	// it ends the exchange with upstream.ErrClientBody wrapping that
	// error: the app has seen part of a body.
	Stream io.Reader
}

// Options bound and observe one exchange.
type Options struct {
	// Limit is fastcgi_buffer_size: the most the response header may
	// take, with the headers of the STDOUT records that carry it.
	Limit    int
	Timeouts upstream.Timeouts
	// Method is the client's: no body is read for HEAD.
	Method string
	// Stderr, when set, gets what the app writes to its STDERR, one
	// record at a time (trailing CR, LF, '.' and spaces cut, as nginx logs
	// it).
	Stderr func(string)
	// CatchStderr are fastcgi_catch_stderr's strings: a STDERR record
	// holding one of them before the header is complete makes the
	// response invalid (502).
	CatchStderr []string
	// Pool and KeepConn are the upstream block's kept connections and
	// fastcgi_keep_conn: with both, a connection is used for request
	// after request.
	Pool     *upstream.Pool
	KeepConn bool
}

// ErrTooBigParams is nginx's "fastcgi request record is too big" (500).
var ErrTooBigParams = errors.New("fastcgi request record is too big")

// ErrInvalidHeader is upstream.ErrInvalidHeader: a response nginx answers
// with 502 ("upstream sent invalid header", an unexpected record, stdout
// closed before the header ended, an invalid Status, a caught stderr).
var ErrInvalidHeader = upstream.ErrInvalidHeader

// errDone is the end of the response (END_REQUEST, or an empty STDOUT
// record before the header is whole);
// the end of the connection reads as io.EOF.
var errDone = errors.New("fastcgi: end of stdout")

// appendRecord appends a record of type typ holding data, padded to a
// multiple of 8 bytes as nginx pads.
func appendRecord(b []byte, typ byte, data []byte) []byte {
	pad := (8 - len(data)%8) % 8
	b = append(b, 1, typ, 0, 1, byte(len(data)>>8), byte(len(data)), byte(pad), 0)
	b = append(b, data...)
	return append(b, make([]byte, pad)...)
}

// appendLength appends a name-value length: one byte up to 127, else four
// with the high bit set.
func appendLength(b []byte, n int) []byte {
	if n > 127 {
		return binary.BigEndian.AppendUint32(b, uint32(n)|1<<31)
	}
	return append(b, byte(n))
}

// EncodeParams is the content of the PARAMS record.
func EncodeParams(params []Param) ([]byte, error) {
	var b []byte
	for _, p := range params {
		b = appendLength(b, len(p.Name))
		b = appendLength(b, len(p.Value))
		b = append(b, p.Name...)
		b = append(b, p.Value...)
	}
	if len(b) > maxParams {
		return nil, ErrTooBigParams
	}
	return b, nil
}

// encodeHead is BEGIN_REQUEST (responder, with the keep-conn flag when
// the connection may be kept), the PARAMS record and the empty one that
// ends them.
func encodeHead(params []byte, keep bool) []byte {
	b := make([]byte, 0, 3*headerLen+8+len(params)+8+len(params)/maxStdin)
	flags := byte(0)
	if keep {
		flags = 1 // FCGI_KEEP_CONN
	}
	b = appendRecord(b, typeBeginRequest, []byte{0, 1, flags, 0, 0, 0, 0, 0})
	if len(params) > 0 {
		b = appendRecord(b, typeParams, params)
	}
	return appendRecord(b, typeParams, nil)
}

// appendStdin appends body in STDIN records.
func appendStdin(b, body []byte) []byte {
	for len(body) > 0 {
		n := min(len(body), maxStdin)
		b = appendRecord(b, typeStdin, body[:n])
		body = body[n:]
	}
	return b
}

// RoundTrip sends req to the app at d and reads the response header. The
// status is the Status header's three digits, else 302 with a Location,
// else 200.
func RoundTrip(d upstream.Dest, req Request, o Options) (*upstream.Response, error) {
	params, err := EncodeParams(req.Params)
	if err != nil {
		return nil, err
	}
	keep := o.Pool != nil && o.KeepConn
	first := encodeHead(params, keep)
	if req.BodyFile == nil && req.Stream == nil {
		first = appendStdin(first, req.Body)
		first = appendRecord(first, typeStdin, nil)
	}
	if pr, ok := req.Stream.(BufferedReader); ok {
		// What has arrived goes with the header, as nginx sends it.
		buf := make([]byte, maxStdin)
		n, err := pr.ReadBuffered(buf)
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("%w: %w", upstream.ErrClientBody, err)
		}
		first = appendStdin(first, buf[:n])
	}
	var conn, raw upstream.Conn
	var counts *upstream.Counts
	var rr *recordReader
	var br *bufio.Reader
	var lines []upstream.HeaderLine
	for attempt := 0; ; attempt++ {
		reused := false
		if keep {
			// fastcgi_keep_conn with upstream keepalive: an idle
			// connection first (ngx_http_upstream_keepalive_module).
			conn, raw, reused, err = upstream.ConnectKept(d, first, o.Timeouts, o.Pool, attempt > 0)
		} else {
			conn, err = upstream.Connect(d, first, o.Timeouts)
			raw = conn
		}
		if err != nil {
			return nil, err
		}
		// What goes through conn is counted ($upstream_bytes_*), the
		// records sent with the connection too.
		counts = &upstream.Counts{Conn: conn, Sent: int64(len(first))}
		conn = counts
		drop := func() {
			if keep {
				o.Pool.Forget(raw)
			} else {
				conn.Close()
			}
		}
		if req.BodyFile != nil {
			if err := sendFile(conn, req.BodyFile); err != nil {
				drop()
				return nil, err
			}
		}
		if req.Stream != nil {
			if err := sendStream(conn, req.Stream); err != nil {
				drop()
				return nil, err
			}
		}
		rr = &recordReader{r: bufio.NewReaderSize(conn, 16<<10), o: &o, header: true}
		br = bufio.NewReaderSize(rr, 16<<10)
		limit := o.Limit
		if limit <= 0 {
			limit = 4096
		}
		lines, err = upstream.ReadHeaderLines(br, limit)
		if err == nil && rr.overhead+rr.headerData-br.Buffered() > limit {
			err = upstream.ErrTooBigHeader
		}
		if err != nil {
			drop()
			if reused && attempt == 0 && req.Stream == nil && rr.headerData == 0 && rr.overhead == 0 {
				// A kept connection the app closed in the meantime: once
				// more on a new one, as nginx does.
				continue
			}
			return nil, headerError(err)
		}
		break
	}
	rr.header = false
	status := 200
	resp := upstream.Wrap(0, lines, nil, raw)
	// Where the header ended in what came: what the records' reader took
	// from the connection, less the data read past the header's end (all
	// from the record the header ended in).
	resp.Counted(counts, counts.Received-int64(rr.r.Buffered())-int64(br.Buffered()))
	if v, ok := resp.First("Status"); ok {
		if len(v) < 3 || !digit(v[0]) || !digit(v[1]) || !digit(v[2]) {
			if keep {
				o.Pool.Forget(raw)
			} else {
				raw.Close()
			}
			return nil, ErrInvalidHeader // "upstream sent invalid status"
		}
		status = int(v[0]-'0')*100 + int(v[1]-'0')*10 + int(v[2]-'0')
		resp.StatusText = v // ngx_http_fastcgi_process_header: the value as it is
	} else if _, ok := resp.First("Location"); ok {
		status = http.StatusFound
		resp.StatusText = "302 Moved Temporarily"
	} else {
		resp.StatusText = "200 OK"
	}
	resp.Status = status
	resp.Body = newBody(br, resp, o.Method)
	if keep && o.Method != http.MethodHead {
		// Kept once the body was read to END_REQUEST; after HEAD, whose
		// body nginx does not read, the connection is not kept.
		resp.KeepIn(o.Pool, d)
	}
	return resp, nil
}

func digit(c byte) bool { return c >= '0' && c <= '9' }

// headerError is what an error while reading the header means: the app
// ending its STDOUT, or the connection, before the header did is an
// invalid header, as nginx has it; timeouts and the rest stay as they are.
func headerError(err error) error {
	if errors.Is(err, errDone) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, errRecord) {
		return ErrInvalidHeader
	}
	return err
}

// sendFile sends a spooled body in STDIN records, then the empty one.
func sendFile(w io.Writer, f *io.SectionReader) error {
	buf := make([]byte, maxStdin)
	var rec []byte
	r := io.NewSectionReader(f, 0, f.Size())
	for {
		n, err := io.ReadFull(r, buf)
		if n > 0 {
			rec = appendRecord(rec[:0], typeStdin, buf[:n])
			if _, werr := w.Write(rec); werr != nil {
				return werr
			}
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			return err
		}
	}
	_, err := w.Write(appendRecord(rec[:0], typeStdin, nil))
	return err
}

// BufferedReader is a Stream that can give what it holds without waiting.
type BufferedReader interface {
	ReadBuffered(p []byte) (int, error)
}

// sendStream sends r's reads as they come in STDIN records, then the
// empty one.
func sendStream(w io.Writer, r io.Reader) error {
	buf := make([]byte, maxStdin)
	var rec []byte
	for {
		n, rerr := r.Read(buf)
		if n > 0 {
			rec = appendRecord(rec[:0], typeStdin, buf[:n])
			if _, err := w.Write(rec); err != nil {
				return err
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return fmt.Errorf("%w: %w", upstream.ErrClientBody, rerr)
		}
	}
	_, err := w.Write(appendRecord(rec[:0], typeStdin, nil))
	return err
}

// errRecord is a record nginx does not accept: another version than 1,
// another request id than 1, an unknown type, or (before the header is
// complete) anything but STDOUT and STDERR.
var errRecord = errors.New("upstream sent an invalid FastCGI record")

// recordReader reads the data of the STDOUT records of one response,
// passing STDERR to Options.Stderr. It returns errDone at the end of the
// response (END_REQUEST; an empty STDOUT record before the header is
// whole) and io.EOF when the connection ends, wherever it ends.
type recordReader struct {
	r      *bufio.Reader
	o      *Options
	header bool // the response header is not complete yet
	left   int  // data left in the current STDOUT record
	pad    int  // its padding, skipped after the data
	err    error
	// overhead counts the headers and padding of the STDOUT records read
	// while header is set, headerData their data: what nginx's buffer
	// holds.
	overhead, headerData int
}

func (rr *recordReader) Read(p []byte) (int, error) {
	for rr.left == 0 {
		if rr.err != nil {
			return 0, rr.err
		}
		if rr.pad > 0 {
			if _, err := rr.r.Discard(rr.pad); err != nil {
				rr.err = err
				return 0, err
			}
			rr.pad = 0
		}
		rr.err = rr.next()
	}
	n, err := rr.r.Read(p[:min(len(p), rr.left)])
	rr.left -= n
	if rr.header {
		rr.headerData += n
	}
	if err != nil {
		rr.err = err // io.EOF: the connection ended within the record
		rr.left = 0
	}
	return n, err
}

// next reads record headers up to one with STDOUT data (nil, with left
// set), the end of STDOUT or an error.
func (rr *recordReader) next() error {
	var h [headerLen]byte
	for {
		if _, err := io.ReadFull(rr.r, h[:]); err != nil {
			if err == io.ErrUnexpectedEOF {
				err = io.EOF // the connection ended, within a record header
			}
			return err
		}
		if h[0] != 1 || h[2] != 0 || h[3] != 1 {
			return errRecord
		}
		length := int(h[4])<<8 | int(h[5])
		pad := int(h[6])
		switch h[1] {
		case typeStdout:
			if length == 0 && rr.header {
				return errDone // "upstream prematurely closed FastCGI stdout"
			}
			if length == 0 {
				// "http fastcgi closed stdout": nginx reads on to
				// END_REQUEST (an app that writes it after a pause is
				// not cut off).
				if _, err := rr.r.Discard(pad); err != nil {
					return err
				}
				continue
			}
			if rr.header {
				rr.overhead += headerLen + pad
			}
			rr.left, rr.pad = length, pad
			return nil
		case typeStderr:
			data := make([]byte, length+pad)
			if _, err := io.ReadFull(rr.r, data); err != nil {
				if err == io.ErrUnexpectedEOF {
					err = io.EOF
				}
				return err
			}
			msg := strings.TrimRight(string(data[:length]), "\r\n. ")
			if rr.o.Stderr != nil && length > 0 {
				rr.o.Stderr(msg)
			}
			if rr.header {
				for _, c := range rr.o.CatchStderr {
					if strings.Contains(string(data[:length]), c) {
						return errRecord
					}
				}
			}
		case typeEndRequest:
			if rr.header {
				return errRecord // "upstream sent unexpected FastCGI record"
			}
			// Its content read too: a kept connection starts clean.
			if _, err := rr.r.Discard(length + pad); err != nil {
				return err
			}
			return errDone
		default:
			return errRecord
		}
	}
}

// body is the response body: STDOUT data after the header, up to
// Content-Length when the app sent one (more is dropped, as nginx does).
// The end of STDOUT before Content-Length bytes is a cut body
// (io.ErrUnexpectedEOF), as is an invalid record; the end of the
// connection is the end of the body, as nginx reads it without
// fastcgi_keep_conn.
type body struct {
	r    io.Reader
	rest int64 // bytes of Content-Length left; -1 without one
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
	}
	switch {
	case err == errDone && b.rest > 0:
		err = io.ErrUnexpectedEOF // "upstream prematurely closed FastCGI stdout"
	case err == errDone, err == io.EOF:
		err = io.EOF
	case errors.Is(err, errRecord):
		err = io.ErrUnexpectedEOF
	}
	return n, err
}
