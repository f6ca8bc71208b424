//go:build unix

package proxy

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"syscall"

	"github.com/xaccel/xaccel/nginx"
	"github.com/xaccel/xaccel/proxy/internal/http1"
)

// The request body, read when a location needs it (client_max_body_size,
// client_body_buffer_size, client_body_timeout), as nginx reads it.

// tooLarge reports whether the client's Content-Length is over the
// client_max_body_size of location l.
func (h *Handler) tooLarge(rq *request, l *nginx.Location) bool {
	max := h.conf(l).maxBody
	return max > 0 && rq.r.ContentLength > max
}

// Outcomes of readBody besides a status to answer with.
const (
	bodyOK     = 0
	bodyAbort  = -1 // the client went away mid-body: no answer (nginx: c->error)
	bodyFailed = -2 // reading failed after an abort of this request
)

// readBody reads the client's body for proxying, once, as nginx reads it
// only then: up to client_body_buffer_size in memory, the rest spooled to
// an unlinked temporary file, so memory stays bounded whatever the body
// (client_max_body_size 0 is no limit). It returns bodyOK; 413 for a
// chunked body over the client_max_body_size of the location (lc); 400 for a malformed chunked
// body; or bodyAbort when the connection ends before the body does, or the
// client sends nothing for client_body_timeout (nginx terminates such a
// request without an answer; 408 is only logged). The app is never called
// with a body that is not whole.
func (h *Handler) readBody(rq *request, lc *locConf) int {
	if rq.bodyRead {
		if rq.bodyErr != 0 {
			return bodyFailed
		}
		return bodyOK
	}
	rq.bodyRead = true
	r := rq.r
	if r.Body == nil || r.Body == http.NoBody {
		return bodyOK
	}
	n, tooLarge, err := h.spoolBody(rq, lc)
	switch {
	case tooLarge:
		rq.bodyErr = http.StatusRequestEntityTooLarge
	case err == nil:
		rq.bodyLen = n
		return bodyOK
	case isTimeout(err), errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) || errors.Is(err, syscall.ECONNRESET):
		rq.bodyErr = bodyAbort
	default:
		rq.bodyErr = http.StatusBadRequest // "client sent invalid chunked body"
	}
	if rq.tracing {
		rq.trace = append(rq.trace, "request body: "+errText(err))
	}
	return rq.bodyErr
}

// spoolBody reads the body: into rq.body when it fits in
// client_body_buffer_size and client_body_in_file_only is off, else into
// rq.bodyFile. tooLarge is set when it
// is over client_max_body_size (0: no limit).
func (h *Handler) spoolBody(rq *request, lc *locConf) (n int64, tooLarge bool, err error) {
	limit := lc.maxBody
	// nginx reads what is left of the body after the header's buffer into
	// one buffer of up to 1.25 times client_body_buffer_size; a body that
	// fits stays in memory. What came with the header (at most
	// client_header_buffer_size) is not counted here, so a body up to that
	// much longer goes to a file in serve and not in nginx.
	memLimit := int64(lc.bodyBuffer) + int64(lc.bodyBuffer)>>2
	var mem bytes.Buffer
	n, err = io.CopyN(&mem, rq.r.Body, memLimit)
	if err == io.EOF && !lc.bodyInFile {
		if limit > 0 && n > limit {
			return n, true, nil
		}
		rq.body = mem.Bytes()
		return n, false, nil
	}
	if err != nil && err != io.EOF {
		return n, false, err
	}
	if limit > 0 && n > limit {
		return n, true, nil
	}
	f, err := os.CreateTemp("", "xaccel-body-")
	if err != nil {
		return n, false, err
	}
	if lc.bodyKeep {
		rq.bodyPath, rq.bodyKept = f.Name(), true // left after the request
	} else if h.bodyFileVar {
		rq.bodyPath = f.Name() // removed when the request ends
	} else {
		os.Remove(f.Name()) // gone when closed, whatever happens
	}
	rq.bodyFile = f
	if _, err := f.Write(mem.Bytes()); err != nil {
		return n, false, err
	}
	src := rq.r.Body
	if limit > 0 {
		src = io.NopCloser(io.LimitReader(src, limit-n+1))
	}
	m, err := io.Copy(f, src)
	n += m
	if limit > 0 && n > limit {
		return n, true, nil
	}
	return n, false, err
}

// isTimeout reports a network timeout.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func errText(err error) string {
	if err == nil {
		return "larger than client_max_body_size"
	}
	return err.Error()
}

// errBodyTooLarge is a streamed body past client_max_body_size.
var errBodyTooLarge = errors.New("client intended to send too large body")

// streamBody is a body sent to the app as it is read: it stops past max
// bytes (0: no limit), and keeps what it read in rq.body while that stays
// under keep bytes, for $request_body and a later error page, as nginx
// keeps its buffers; a longer body is not kept, and cannot be sent again.
type streamBody struct {
	rq        *request
	r         io.Reader
	max, keep int64
	n         int64
	kept      []byte
	over      bool
}

func (s *streamBody) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	return s.account(p, n, err)
}

// ReadBuffered is Read of what the client has already sent, without
// waiting (http1.Preread): the part nginx sends with the request header.
func (s *streamBody) ReadBuffered(p []byte) (int, error) {
	n, err := http1.Preread(s.r, p)
	return s.account(p, n, err)
}

// account counts n bytes read into p and keeps them for $request_body
// while they fit.
func (s *streamBody) account(p []byte, n int, err error) (int, error) {
	s.n += int64(n)
	if s.max > 0 && s.n > s.max {
		return 0, errBodyTooLarge
	}
	if !s.over {
		if int64(len(s.kept)+n) > s.keep {
			s.over, s.kept = true, nil
		} else {
			s.kept = append(s.kept, p[:n]...)
		}
	}
	if err == io.EOF {
		s.rq.bodyLen = s.n
		if !s.over {
			s.rq.body = s.kept
		} else {
			// Sent and gone: a later proxy_pass of this request has no
			// body to send, and is refused rather than sent a part.
			s.rq.bodyErr = bodyFailed
		}
	} else if err != nil {
		s.rq.bodyErr = bodyFailed
	}
	return n, err
}
