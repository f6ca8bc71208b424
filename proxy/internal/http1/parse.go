//go:build unix

package http1

import (
	"bytes"
	"net/http"
	"strings"

	"github.com/xaccel/xaccel/proxy/internal/wire"
)

// This file reads a request the way nginx's HTTP core does
// (ngx_http_parse_request_line, ngx_http_parse_header_line and
// ngx_http_process_request_headers/_header of nginx 1.22), so that what
// nginx refuses is refused here with the same status, and what it accepts
// reaches the Site.

// Statuses of requests refused while they are read. StatusHeaderTooLarge
// is nginx's NGX_HTTP_REQUEST_HEADER_TOO_LARGE: an error_page may name it,
// and it is sent as 400 with its own page.
const (
	StatusHeaderTooLarge = 494
	// StatusPlainHTTPToHTTPS is NGX_HTTP_TO_HTTPS: a plain HTTP request
	// to an address where nginx speaks TLS, sent as 400 with its own page.
	StatusPlainHTTPToHTTPS = 497
	// StatusCertError and StatusNoCert are NGX_HTTPS_CERT_ERROR and
	// NGX_HTTPS_NO_CERT: the client's certificate did not check out, or
	// none came where ssl_verify_client is on; sent as 400 with their
	// own pages.
	StatusCertError = 495
	StatusNoCert    = 496
	// lineLimit is large_client_header_buffers' default size (8k): a
	// request line or a header line longer than that, CRLF included, is
	// refused (414, or 494 for a header line); see headerBuffers.
	lineLimit = 8192
)

// uniqueHeaders are the request headers nginx refuses to see twice
// (ngx_http_process_unique_header_line, and Host): 400.
var uniqueHeaders = map[string]bool{
	"Host": true, "If-Modified-Since": true, "If-Unmodified-Since": true, "Content-Length": true,
	"Content-Range": true, "If-Range": true, "Transfer-Encoding": true, "Expect": true,
	"Authorization": true, "If-Match": true, "If-None-Match": true,
}

// requestLine is a parsed request line.
type requestLine struct {
	method, target string
	minor          int // HTTP/1.minor
}

// parseRequestLine parses line (with its LF, and the CR before it if any)
// as ngx_http_parse_request_line does; status is 0 when it is valid, else
// 400 (or 505 for a major version above 1). A request line without a
// version (HTTP/0.9) is refused with 400: nginx would answer it with a
// bare body, which nothing here emulates.
func parseRequestLine(line []byte) (requestLine, int) {
	var rl requestLine
	line = trimEOL(line)
	if line == nil {
		return rl, http.StatusBadRequest
	}
	i := 0
	for i < len(line) && (line[i] >= 'A' && line[i] <= 'Z' || line[i] == '_' || line[i] == '-') {
		i++
	}
	if i == 0 || i == len(line) || line[i] != ' ' {
		return rl, http.StatusBadRequest
	}
	rl.method = string(line[:i])
	for i < len(line) && line[i] == ' ' {
		i++
	}
	start := i
	for i < len(line) && line[i] > ' ' && line[i] != 0x7f {
		i++
	}
	if i == start || i == len(line) || line[i] != ' ' {
		// No target, a control byte in it, or no version (HTTP/0.9).
		return rl, http.StatusBadRequest
	}
	rl.target = string(line[start:i])
	for i < len(line) && line[i] == ' ' {
		i++
	}
	v := line[i:]
	if !bytes.HasPrefix(v, []byte("HTTP/")) {
		return rl, http.StatusBadRequest
	}
	v = v[len("HTTP/"):]
	// The major version: a first digit 1-9, more digits; above 1 is 505
	// as soon as it is seen.
	if len(v) == 0 || v[0] < '1' || v[0] > '9' {
		return rl, http.StatusBadRequest
	}
	major := 0
	j := 0
	for ; j < len(v) && v[j] != '.'; j++ {
		if v[j] < '0' || v[j] > '9' {
			return rl, http.StatusBadRequest
		}
		major = major*10 + int(v[j]-'0')
		if major > 1 {
			return rl, http.StatusHTTPVersionNotSupported
		}
	}
	if j == len(v) {
		return rl, http.StatusBadRequest
	}
	j++ // '.'
	if j == len(v) || v[j] < '0' || v[j] > '9' {
		return rl, http.StatusBadRequest
	}
	for ; j < len(v) && v[j] >= '0' && v[j] <= '9'; j++ {
		if rl.minor > 99 {
			return rl, http.StatusBadRequest
		}
		rl.minor = rl.minor*10 + int(v[j]-'0')
	}
	for ; j < len(v); j++ {
		if v[j] != ' ' {
			return rl, http.StatusBadRequest
		}
	}
	return rl, 0
}

// trimEOL drops the LF ending line and a CR right before it; nil when
// another CR is left (nginx wants LF after CR).
func trimEOL(line []byte) []byte {
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	if bytes.IndexByte(line, '\r') >= 0 {
		return nil
	}
	return line
}

// reqHeaderLine is one parsed header line; invalid is set for a name nginx
// ignores (ignore_invalid_headers on): a byte other than a letter, digit
// or '-', or '_' without underscores_in_headers.
type reqHeaderLine struct {
	name, value string
	raw         string // the name as the client wrote it
	invalid     bool
}

// parseHeaderLine parses one header line (not the empty one ending the
// header) as ngx_http_parse_header_line does. ok is false for a line nginx
// refuses with 400: a space, control byte or ':' at the start, a space or
// control byte in the name, a NUL, or a CR not followed by LF. A line without ':' is a header with an
// empty value.
func parseHeaderLine(line []byte, underscores bool) (reqHeaderLine, bool) {
	var hl reqHeaderLine
	line = trimEOL(line)
	if line == nil || bytes.IndexByte(line, 0) >= 0 {
		return hl, false
	}
	i := 0
	for ; i < len(line) && line[i] != ':'; i++ {
		c := line[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-':
		case c == '_':
			hl.invalid = hl.invalid || !underscores
		case c <= ' ' || c == 0x7f:
			return hl, false
		default:
			hl.invalid = true
		}
	}
	if i == 0 {
		// ':' first: refused like a space (nginx 1.21.1+).
		return hl, false
	}
	hl.raw = string(line[:i])
	hl.name = http.CanonicalHeaderKey(hl.raw)
	if i < len(line) {
		v := line[i+1:]
		for len(v) > 0 && v[0] == ' ' {
			v = v[1:]
		}
		for len(v) > 0 && v[len(v)-1] == ' ' {
			v = v[:len(v)-1]
		}
		hl.value = string(v)
	}
	return hl, true
}

// checkRequestHeader is ngx_http_process_request_header: what nginx checks
// once the whole header is read. It returns 0, or the status to refuse the
// request with. chunked reports a body in chunked encoding; length is the
// Content-Length (-1 when none).
func checkRequestHeader(rl requestLine, h http.Header) (length int64, chunked bool, status int) {
	length = -1
	if _, ok := h["Host"]; !ok && rl.minor > 0 {
		return length, false, http.StatusBadRequest
	}
	if v, ok := h["Content-Length"]; ok {
		n, ok := wire.ParseDigits(v[0])
		if !ok {
			return length, false, http.StatusBadRequest
		}
		length = n
	}
	if v, ok := h["Transfer-Encoding"]; ok {
		if rl.minor == 0 {
			return length, false, http.StatusBadRequest
		}
		if !strings.EqualFold(v[0], "chunked") {
			return length, false, http.StatusNotImplemented
		}
		if length >= 0 {
			return length, false, http.StatusBadRequest
		}
		chunked = true
	}
	if rl.method == http.MethodTrace {
		return length, false, http.StatusMethodNotAllowed
	}
	return length, chunked, 0
}

// wantsKeepAlive is r->keepalive as ngx_http_handler sets it: a Connection
// header naming "close" ends the connection, one naming "keep-alive" keeps
// it; without either, HTTP/1.1 keeps it and HTTP/1.0 does not.
// Each Connection line that names one of them decides anew.
func wantsKeepAlive(minor int, h http.Header) bool {
	keep := minor > 0
	for _, v := range h["Connection"] {
		if containsFold(v, "close") {
			keep = false
		} else if containsFold(v, "keep-alive") {
			keep = true
		}
	}
	return keep
}

// containsFold reports whether s contains sub, ignoring ASCII case.
func containsFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}
