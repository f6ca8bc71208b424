//go:build unix

// Package wire holds what both sides of xaccel serve read the same way:
// the numbers and the chunked bodies of HTTP/1.x messages (a client's
// request, an app's response), and the buffers they are copied with.
package wire

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"math"
	"net/http/httputil"
	"strconv"
	"sync"
)

// ParseDigits is ngx_atoof: one or more decimal digits, no sign, no
// overflow.
func ParseDigits[T string | []byte](s T) (int64, bool) {
	if len(s) == 0 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		d := int64(c - '0')
		if n > (math.MaxInt64-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, true
}

// Chunked is a chunked body whose trailer is read up to the empty line
// that ends it, as nginx's chunked parser reads it: the trailer is part of
// the message, not the start of the next one, and a connection that ends
// before that line has cut the body (io.ErrUnexpectedEOF).
type Chunked struct {
	br         *bufio.Reader
	r          io.Reader // httputil's chunked reader: EOF after the last chunk's size line
	maxTrailer int
	trailer    bool
	started    bool // Read was called
}

// Malformed reports whether the chunks br holds already, before anything
// was read, break the framing nginx's chunked parser expects (a size line
// that is not hex, data not followed by CRLF): what nginx finds while it
// discards a body it does not read, and answers 400.
func (b *Chunked) Malformed() bool {
	if b.started {
		return false
	}
	buf, _ := b.br.Peek(b.br.Buffered())
	for len(buf) > 0 {
		i := bytes.IndexByte(buf, '\n')
		if i < 0 {
			return false
		}
		line := bytes.TrimRight(buf[:i], "\r")
		if j := bytes.IndexByte(line, ';'); j >= 0 {
			line = line[:j]
		}
		size, err := strconv.ParseUint(string(bytes.TrimSpace(line)), 16, 62)
		if err != nil {
			return true
		}
		buf = buf[i+1:]
		if size == 0 {
			return false // the trailer follows
		}
		if uint64(len(buf)) < size+1 {
			return false
		}
		rest := buf[size:]
		switch {
		case rest[0] == '\n':
			buf = rest[1:]
		case rest[0] == '\r' && len(rest) == 1:
			return false
		case rest[0] == '\r' && rest[1] == '\n':
			buf = rest[2:]
		default:
			return true
		}
	}
	return false
}

// Available is how many bytes of the body Read can give from what br
// holds already, without waiting for the connection, before anything was
// read: the data of the whole chunks buffered, and what is buffered of the
// chunk after them once its size line is whole. done says the last chunk
// and the trailer are buffered too. (0, false) once Read was called.
func (b *Chunked) Available() (n int, done bool) {
	if b.started {
		return 0, false
	}
	buf, _ := b.br.Peek(b.br.Buffered())
	for {
		i := bytes.IndexByte(buf, '\n')
		if i < 0 {
			return n, false
		}
		line := bytes.TrimRight(buf[:i], "\r")
		if j := bytes.IndexByte(line, ';'); j >= 0 {
			line = line[:j]
		}
		size, err := strconv.ParseUint(string(bytes.TrimSpace(line)), 16, 31)
		if err != nil {
			return n, false
		}
		buf = buf[i+1:]
		if size == 0 {
			// The trailer's empty line ends the body. Until it is
			// buffered, the last byte of data is left out: reading it
			// would read on into the trailer and wait.
			for {
				k := bytes.IndexByte(buf, '\n')
				if k < 0 {
					return max(n-1, 0), false
				}
				if len(bytes.TrimRight(buf[:k], "\r")) == 0 {
					return n, true
				}
				buf = buf[k+1:]
			}
		}
		if uint64(len(buf)) < size+2 {
			return n + min(len(buf), int(size)), false
		}
		n += int(size)
		buf = buf[size+2:]
	}
}

// NewChunked reads a chunked body from br, with a trailer of at most
// maxTrailer bytes.
func NewChunked(br *bufio.Reader, maxTrailer int) *Chunked {
	return &Chunked{br: br, r: httputil.NewChunkedReader(br), maxTrailer: maxTrailer}
}

func (b *Chunked) Read(p []byte) (int, error) {
	b.started = true
	if b.trailer {
		return 0, io.EOF
	}
	n, err := b.r.Read(p)
	if err != io.EOF {
		return n, err
	}
	read := 0
	for {
		line, err := b.br.ReadSlice('\n')
		read += len(line)
		if err == bufio.ErrBufferFull || read > b.maxTrailer {
			return n, errors.New("chunked body trailer too large")
		}
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return n, err
		}
		if len(bytes.TrimRight(line, "\r\n")) == 0 {
			b.trailer = true
			return n, io.EOF
		}
	}
}

// CopyBufSize is the size of the buffers GetBuf hands out.
const CopyBufSize = 32 << 10

var copyBufPool = sync.Pool{New: func() any { b := make([]byte, CopyBufSize); return &b }}

// writerOnly hides the ReadFrom of a writer from io.Copy.
type writerOnly struct{ io.Writer }

// Copy copies src to w with a pooled buffer, never through w's ReadFrom
// (a writer that sends files with sendfile falls back on Copy itself).
func Copy(w io.Writer, src io.Reader) (int64, error) {
	b := GetBuf()
	defer PutBuf(b)
	return io.CopyBuffer(writerOnly{w}, src, *b)
}

// GetBuf returns a buffer of CopyBufSize bytes; PutBuf gives it back.
func GetBuf() *[]byte  { return copyBufPool.Get().(*[]byte) }
func PutBuf(b *[]byte) { copyBufPool.Put(b) }
