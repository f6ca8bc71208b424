package nginx

import (
	"net/http"
	"strconv"
	"strings"
)

// This file models what nginx does to URIs in two places (nginx-semantics.md):
//
//   - section 4.3: the request target a client sends, decoded and normalized once
//     when the request line is parsed (this is where $uri and $args come from);
//   - section 1.7: the value of an X-Accel-Redirect header, checked for unsafe
//     segments, split at the first '?', and decoded once, but never normalized.
//
// The two decoders are deliberately different, as they are in nginx: the client
// path decoder rejects malformed escapes and feeds decoded bytes back into the
// dot-segment state machine, while the X-Accel-Redirect decoder (UnescapeOnce)
// never fails and leaves everything it decodes as plain data.

// URIError is returned for request targets nginx answers with 400 and for
// unsafe X-Accel-Redirect values (nginx answers 404).
type URIError struct {
	Status int    // 400 for a client request target, 404 for an X-Accel-Redirect value
	Reason string // what nginx objects to
}

func (e *URIError) Error() string {
	return strconv.Itoa(e.Status) + " " + http.StatusText(e.Status) + ": " + e.Reason
}

func badRequest(reason string) *URIError {
	return &URIError{Status: http.StatusBadRequest, Reason: reason}
}

func unsafeURI(value string) *URIError {
	return &URIError{Status: http.StatusNotFound, Reason: "unsafe URI " + strconv.Quote(value)}
}

// NormalizeRequestTarget does what nginx does to a client request target at
// parse time (nginx-semantics.md section 4.3) and returns the decoded $uri and
// the raw, undecoded $args.
//
// The target is the second word of the request line, exactly as sent. It is
// either a path ("/p?a") or the absolute form ("http://host[:port]/p?a", whose
// path is taken). In the path, '#' ends the path and the arguments, the first
// literal '?' starts the arguments, %XX escapes are decoded and the decoded
// byte goes back into the path state machine (so %2F acts as '/' and %2e%2e as
// ".."), except that a decoded '%', '#' or '?' is a literal character. "/./"
// is removed, a trailing "/." becomes "/", "/../" and a trailing "/.." remove
// the previous segment. With mergeSlashes, runs of '/' collapse into one;
// without it, ".." removes one segment per slash ("/foo//../bar" is
// "/foo/bar", "/foo///../bar" is "/foo//bar").
//
// A *URIError with Status 400 is returned where nginx answers 400 Bad Request:
// an empty target, one that is neither a path nor an absolute URI, an invalid
// host in the absolute form, a space or control byte (< 0x20 or 0x7f)
// anywhere in the raw target, a malformed or truncated escape, a decoded NUL,
// and ".." above the root. A decoded control byte other than NUL (%02) is
// allowed and kept in $uri.
func NormalizeRequestTarget(target string, mergeSlashes bool) (uri, args string, err error) {
	if target == "" {
		return "", "", badRequest("empty request target")
	}
	for i := 0; i < len(target); i++ {
		if c := target[i]; c <= ' ' || c == 0x7f {
			return "", "", badRequest("space or control byte 0x" + strconv.FormatUint(uint64(c), 16) +
				" at offset " + strconv.Itoa(i) + " of the request target")
		}
	}

	path := target
	if target[0] != '/' {
		rest, err := stripAbsoluteForm(target)
		if err != nil {
			return "", "", err
		}
		switch {
		case rest == "":
			// "http://host" and "http://host:port": nginx uses "/".
			return "/", "", nil
		case rest[0] == '?':
			// "http://host?a": an empty path counts as "/".
			path = "/" + rest
		default:
			path = rest
		}
	}
	return normalizePath(path, mergeSlashes)
}

// stripAbsoluteForm checks the scheme and authority of an absolute-form request
// target the way nginx's request-line parser does, and returns what follows the
// authority: "", or a string that starts with '/' or '?'.
func stripAbsoluteForm(target string) (string, error) {
	if !isLetter(target[0]) {
		return "", badRequest("request target starts with neither '/' nor a scheme")
	}

	// scheme = letter *( letter / digit / "+" / "-" / "." ), then "://".
	i := 1
	for i < len(target) && (isLetter(target[i]) || isDigit(target[i]) ||
		target[i] == '+' || target[i] == '-' || target[i] == '.') {
		i++
	}
	if !strings.HasPrefix(target[i:], "://") {
		return "", badRequest("request target is neither a path nor an absolute URI")
	}
	i += len("://")
	hostStart := i

	// host: an IP literal in brackets, or letters, digits, '.' and '-'.
	if i < len(target) && target[i] == '[' {
		i++
		for {
			if i == len(target) {
				return "", badRequest("unterminated IP literal in the request target")
			}
			c := target[i]
			i++
			if c == ']' {
				break
			}
			if !isIPLiteralByte(c) {
				return "", badRequest("invalid character in the IP literal of the request target")
			}
		}
	} else {
		for i < len(target) && (isLetter(target[i]) || isDigit(target[i]) ||
			target[i] == '.' || target[i] == '-') {
			i++
		}
	}

	// optional ":port" (digits only; an empty port is accepted).
	if i < len(target) && target[i] == ':' {
		i++
		for i < len(target) && isDigit(target[i]) {
			i++
		}
	}

	if i < len(target) && target[i] != '/' && target[i] != '?' {
		return "", badRequest("invalid character in the host of the request target")
	}
	if !validHost(target[hostStart:i]) {
		return "", badRequest("invalid host in the request target")
	}
	return target[i:], nil
}

// validHost reports whether nginx accepts host (with its optional port) as a
// server name: no empty label made of two dots in a row, and something left once
// the port and one trailing dot are removed.
func validHost(host string) bool {
	end := len(host) // end of the name, before any port
	lastDot := -2    // index of the last '.', -2 when none yet
	literal := false
	rest := false
	for i := 0; i < len(host); i++ {
		switch host[i] {
		case '.':
			if lastDot == i-1 {
				return false
			}
			lastDot = i
		case ':':
			if !literal && !rest {
				end = i
				rest = true
			}
		case '[':
			if i == 0 {
				literal = true
			}
		case ']':
			if literal {
				end = i + 1
				literal = false
				rest = true
			}
		}
	}
	if lastDot == end-1 {
		end--
	}
	return end > 0
}

// pathState is where normalizePath is in the current path segment.
type pathState int

const (
	inSegment   pathState = iota // within an ordinary segment
	afterSlash                   // just after a '/'
	afterDot                     // after "/."
	afterDotDot                  // after "/.."
)

// normalizePath decodes and normalizes a request path that starts with '/'.
func normalizePath(p string, mergeSlashes bool) (uri, args string, err error) {
	out := make([]byte, 0, len(p))
	state := inSegment

	// popSegment handles "/.." at the end of out: it removes it together with
	// the segment before it, and keeps the '/' that preceded that segment.
	popSegment := func() error {
		j := len(out) - 4
		for j >= 0 && out[j] != '/' {
			j--
		}
		if j < 0 {
			return badRequest("\"..\" goes above the root of the request path")
		}
		out = out[:j+1]
		return nil
	}

	i := 0
	for i < len(p) {
		c := p[i]
		i++

		if c == '%' {
			if i+2 > len(p) {
				return "", "", badRequest("truncated %-escape in the request path")
			}
			hi, ok1 := unhex(p[i])
			lo, ok2 := unhex(p[i+1])
			if !ok1 || !ok2 {
				return "", "", badRequest("malformed %-escape " + strconv.Quote(p[i-1:i+2]) + " in the request path")
			}
			i += 2
			c = hi<<4 | lo
			switch c {
			case 0:
				return "", "", badRequest("%00 in the request path")
			case '%', '#', '?':
				// Kept as plain characters: they neither start an escape, nor
				// end the path, nor start the arguments.
				out = append(out, c)
				state = inSegment
				continue
			}
			// Any other decoded byte, '/' and '.' included, is handled
			// exactly as if it had been sent literally.
		}

		// From here on, a '?' or '#' is always a literal one.
		switch state {
		case inSegment:
			switch c {
			case '/':
				out = append(out, c)
				state = afterSlash
			case '?':
				return string(out), rawArgs(p[i:]), nil
			case '#':
				return string(out), "", nil
			default:
				out = append(out, c)
			}

		case afterSlash:
			switch c {
			case '/':
				if !mergeSlashes {
					out = append(out, c)
				}
			case '.':
				out = append(out, c)
				state = afterDot
			case '?':
				return string(out), rawArgs(p[i:]), nil
			case '#':
				return string(out), "", nil
			default:
				out = append(out, c)
				state = inSegment
			}

		case afterDot:
			switch c {
			case '/':
				out = out[:len(out)-1] // "/./" -> "/"
				state = afterSlash
			case '.':
				out = append(out, c)
				state = afterDotDot
			case '?':
				return string(out[:len(out)-1]), rawArgs(p[i:]), nil
			case '#':
				return string(out[:len(out)-1]), "", nil
			default:
				out = append(out, c) // ".hidden"
				state = inSegment
			}

		case afterDotDot:
			switch c {
			case '/', '?', '#':
				if err := popSegment(); err != nil {
					return "", "", err
				}
				switch c {
				case '?':
					return string(out), rawArgs(p[i:]), nil
				case '#':
					return string(out), "", nil
				}
				state = afterSlash
			default:
				out = append(out, c) // "..x", "..."
				state = inSegment
			}
		}
	}

	switch state {
	case afterDot:
		out = out[:len(out)-1] // trailing "/." -> "/"
	case afterDotDot:
		if err := popSegment(); err != nil {
			return "", "", err
		}
	}
	return string(out), "", nil
}

// rawArgs returns the arguments that follow a literal '?': everything up to
// the first '#', undecoded.
func rawArgs(s string) string {
	if i := strings.IndexByte(s, '#'); i >= 0 {
		return s[:i]
	}
	return s
}

// ParseAccelRedirect parses an X-Accel-Redirect header value the way nginx's
// upstream module does (nginx-semantics.md section 1.7).
//
// Surrounding spaces are trimmed first, as nginx's header parser does. Tabs
// are not: nginx 1.22 keeps them in the value, so " \t/x" is the relative URI
// "\t/x". A value that then starts with '@' names a named location: it is
// returned whole as uri, with named set, and nothing else is done to it.
//
// Anything else is a URI. It is unsafe, and a *URIError with Status 404 is
// returned, when it is empty, starts with '?', starts with ".." followed by
// '/' or the end, has a '/' followed by ".." and then '/' or the end, or has a
// NUL byte before the first '?'. The first literal '?' splits the value into
// the path and the raw args (so "/a/..?x" is safe). If the path contains '%',
// it is decoded once with UnescapeOnce and the decoded path is checked again
// (leading "..", "/.." followed by '/' or the end, NUL); it may decode to "",
// which nginx accepts. Nothing else is done: no dot-segment removal, no slash
// merging, no leading '/' required.
func ParseAccelRedirect(value string) (uri, args string, named bool, err error) {
	v := strings.Trim(value, " ")
	if v != "" && v[0] == '@' {
		return v, "", true, nil
	}

	if v == "" || v[0] == '?' || isDotDotSegment(v) {
		return "", "", false, unsafeURI(v)
	}
	path, quoted := v, false
scan:
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '%':
			quoted = true
		case '?':
			path, args = v[:i], v[i+1:]
			break scan
		case 0:
			return "", "", false, unsafeURI(v)
		case '/':
			if isDotDotSegment(v[i+1:]) {
				return "", "", false, unsafeURI(v)
			}
		}
	}

	if quoted {
		path = UnescapeOnce(path)
		if !safeDecodedPath(path) {
			return "", "", false, unsafeURI(v)
		}
	}
	return path, args, false, nil
}

// safeDecodedPath is the check nginx repeats on a decoded X-Accel-Redirect
// path: no leading "..", no "/.." followed by '/' or the end, no NUL.
func safeDecodedPath(path string) bool {
	if isDotDotSegment(path) {
		return false
	}
	for i := 0; i < len(path); i++ {
		switch path[i] {
		case 0:
			return false
		case '/':
			if isDotDotSegment(path[i+1:]) {
				return false
			}
		}
	}
	return true
}

// isDotDotSegment reports whether s (a whole value, or the text after a '/')
// is ".." or starts with "../".
func isDotDotSegment(s string) bool {
	return s == ".." || strings.HasPrefix(s, "../")
}

// UnescapeOnce decodes %XX escapes once, with the leniency of nginx's
// ngx_unescape_uri in its plain mode, which is what nginx applies to the path of
// an X-Accel-Redirect value. It never fails:
//
//   - %XX with two hex digits (either case) becomes that byte, whatever it is
//     ('/', '?', '%', NUL and control bytes included); '+' is left alone;
//   - '%' followed by a non-hex character c gives c (the '%' is dropped), so
//     "%%41" gives "%41";
//   - '%', a hex digit and a non-hex character are all three dropped;
//   - a '%' or a '%' and one hex digit at the end are dropped.
func UnescapeOnce(s string) string {
	if strings.IndexByte(s, '%') < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b.WriteByte(s[i])
			continue
		}
		if i+1 == len(s) {
			break // a lone '%' at the end
		}
		hi, ok := unhex(s[i+1])
		if !ok {
			b.WriteByte(s[i+1])
			i++
			continue
		}
		if i+2 == len(s) {
			break // '%' and one hex digit at the end
		}
		if lo, ok := unhex(s[i+2]); ok {
			b.WriteByte(hi<<4 | lo)
		}
		i += 2
	}
	return b.String()
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func isLetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// isIPLiteralByte reports whether nginx accepts c between '[' and ']' in the
// host of an absolute-form request target: unreserved and sub-delims
// characters, and ':'.
func isIPLiteralByte(c byte) bool {
	if isLetter(c) || isDigit(c) {
		return true
	}
	return strings.IndexByte(":-._~!$&'()*+,;=", c) >= 0
}

// ValidHostHeader reports whether nginx accepts the value of a Host header
// (ngx_http_validate_host): validHost, and no "/", space or control byte
// (NUL included) anywhere.
func ValidHostHeader(host string) bool {
	for i := 0; i < len(host); i++ {
		// ngx_http_validate_host (nginx 1.21.1+): a path separator, a
		// space or a control byte.
		if c := host[i]; c == '/' || c <= ' ' || c == 0x7f {
			return false
		}
	}
	return validHost(host)
}
