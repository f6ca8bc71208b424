//go:build unix

package proxy

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/xaccel/xaccel/nginx"
)

// The header filters of the final location: add_header and expires
// (ngx_http_headers_filter_module), charset (ngx_http_charset_filter_module).

// headersFilter is ngx_http_headers_filter: `expires` and `add_header`.
func (h *Handler) headersFilter(hdr http.Header, rq *request, lc *locConf, status int) {
	if rq.isSubrequest() {
		// ngx_http_headers_filter leaves subrequests alone (r != r->main):
		// their add_header and expires are not evaluated, nor the
		// variables in them, which the request would keep.
		return
	}
	rq.sent = hdr // $sent_http_*
	defer func() { rq.sent = nil }()
	if lc.expires != nil && addsHeaders(status) {
		h.applyExpires(hdr, rq, lc.expires)
		rq.added = append(rq.added, "Expires", "Cache-Control")
	}
	for _, d := range lc.addHeader {
		if len(d.Args) < 2 {
			continue
		}
		if addsHeaders(status) || (len(d.Args) > 2 && d.Args[2] == "always") {
			v := h.expand(rq, d.Args[1])
			switch {
			case strings.EqualFold(d.Args[0], "Last-Modified"), strings.EqualFold(d.Args[0], "ETag"):
				// ngx_http_set_last_modified, ngx_http_set_response_header:
				// the response's own is replaced, or removed by "".
				key := http.CanonicalHeaderKey(d.Args[0])
				if v == "" {
					delete(hdr, key)
				} else {
					hdr.Set(key, v)
				}
			case v != "":
				name := outName(d.Args[0])
				hdr[name] = append(hdr[name], v)
				rq.added = append(rq.added, name)
			}
		}
	}
	// add_trailer: when one applies to the status, the response expects
	// a trailer (its values are taken when the body ends: trailers).
	for _, d := range lc.addTrailer {
		if len(d.Args) >= 2 && (addsHeaders(status) || (len(d.Args) > 2 && d.Args[2] == "always")) {
			rq.trailerConf = lc
			break
		}
	}
}

// trailers is ngx_http_trailers_filter at the end of the body: the
// add_trailer fields of lc that apply to the response's status, with their
// values expanded; an empty value adds nothing.
func (h *Handler) trailers(rq *request, lc *locConf) [][2]string {
	var out [][2]string
	for _, d := range lc.addTrailer {
		if len(d.Args) < 2 || !(addsHeaders(rq.status) || (len(d.Args) > 2 && d.Args[2] == "always")) {
			continue
		}
		if v := h.expand(rq, d.Args[1]); v != "" {
			out = append(out, [2]string{d.Args[0], v})
		}
	}
	return out
}

// knownHeaders are the response headers serve reads or writes itself
// (framing, redirects, the conditional and range filters): they are kept
// under their canonical names. Any other keeps the spelling it was given,
// as nginx prints an add_header's name or an app's header line as written
// (X-URI stays X-URI, x-lower and cache-control stay lower case).
var knownHeaders = map[string]bool{
	"Content-Type": true, "Content-Length": true, "Location": true, "Refresh": true,
	"Last-Modified": true, "Etag": true, "Accept-Ranges": true, "Www-Authenticate": true,
	"Transfer-Encoding": true, "Connection": true, "Keep-Alive": true, "Server": true,
	"Date": true, "Status": true,
}

// setFold sets header key (canonical) to v, replacing it in whatever
// spelling the response has it, as nginx replaces the one header element.
func setFold(hdr http.Header, key, v string) {
	for k := range hdr {
		if k != key && strings.EqualFold(k, key) {
			delete(hdr, k)
		}
	}
	hdr.Set(key, v)
}

// outName is the name a response header goes out with: canonical for the
// known ones, as written for the others.
func outName(name string) string {
	key := http.CanonicalHeaderKey(name)
	if knownHeaders[key] || strings.HasPrefix(key, "X-Accel-") {
		return key
	}
	return name
}

// addsHeaders is the status list add_header and expires apply to without
// `always`.
func addsHeaders(status int) bool {
	switch status {
	case 200, 201, 204, 206, 301, 302, 303, 304, 307, 308:
		return true
	}
	return false
}

// expiresKind is how an expires value counts: from the request's time
// (access), from the file's Last-Modified (modified), to the next given
// time of day (daily), or one of the fixed values.
type expiresKind int

const (
	expiresOff expiresKind = iota
	expiresEpoch
	expiresMax
	expiresAccess
	expiresModified
	expiresDaily
)

// parseExpires is ngx_http_parse_expires for one value: epoch, max, off,
// @time of day (under 24 hours), or a signed time; after `modified`, a
// signed time only. ok is false for a
// value nginx refuses (then, from a variable, expires does nothing).
func parseExpires(v string, modified bool) (kind expiresKind, secs int, ok bool) {
	switch {
	case modified:
		// epoch, max and off are not times: with modified, invalid.
	case v == "epoch":
		return expiresEpoch, 0, true
	case v == "max":
		return expiresMax, 0, true
	case v == "off":
		return expiresOff, 0, true
	}
	kind, minus := expiresAccess, false
	switch {
	case strings.HasPrefix(v, "@"):
		if modified {
			return 0, 0, false // "daily time cannot be used with modified"
		}
		kind, v = expiresDaily, v[1:]
	case strings.HasPrefix(v, "+"):
		v = v[1:]
	case strings.HasPrefix(v, "-"):
		minus, v = true, v[1:]
	}
	if v == "" || strings.HasPrefix(v, "-") || strings.HasPrefix(v, "+") {
		return 0, 0, false
	}
	secs, ok = parseDuration(v)
	if !ok || kind == expiresDaily && secs > 24*60*60 {
		return 0, 0, false
	}
	if minus {
		secs = -secs
	}
	return kind, secs, true
}

// applyExpires is ngx_http_set_expires: Expires and Cache-Control from
// `expires [modified] TIME` (TIME may hold variables, evaluated now), as
// nginx computes them: max-age from now, from the response's
// Last-Modified (modified; without one, from now), or until the next time
// of day (@time, in the local time zone); no-cache for a time in the past.
func (h *Handler) applyExpires(hdr http.Header, rq *request, d *nginx.Directive) {
	arg, modified := d.Arg(0), false
	if arg == "modified" {
		arg, modified = d.Arg(1), true
	}
	kind, secs, ok := parseExpires(h.expand(rq, arg), modified)
	if !ok || kind == expiresOff {
		return
	}
	if modified && kind == expiresAccess {
		kind = expiresModified
	}
	switch kind {
	case expiresEpoch:
		setFold(hdr, "Expires", "Thu, 01 Jan 1970 00:00:01 GMT")
		setFold(hdr, "Cache-Control", "no-cache")
		return
	case expiresMax:
		setFold(hdr, "Expires", "Thu, 31 Dec 2037 23:55:55 GMT")
		setFold(hdr, "Cache-Control", "max-age=315360000")
		return
	}
	now := time.Now()
	var at time.Time
	switch {
	case kind == expiresDaily:
		lt := now.Local()
		at = time.Date(lt.Year(), lt.Month(), lt.Day(), secs/3600, secs%3600/60, secs%60, 0, time.Local)
		if !at.After(now) {
			at = at.AddDate(0, 0, 1)
		}
	case kind == expiresModified:
		if lm, err := http.ParseTime(hdr.Get("Last-Modified")); err == nil {
			at = lm.Add(time.Duration(secs) * time.Second)
			break
		}
		fallthrough
	default:
		at = now.Add(time.Duration(secs) * time.Second)
	}
	maxAge := int(at.Unix() - now.Unix())
	setFold(hdr, "Expires", at.UTC().Format(http.TimeFormat))
	if maxAge < 0 || secs < 0 && kind != expiresDaily {
		setFold(hdr, "Cache-Control", "no-cache")
	} else {
		setFold(hdr, "Cache-Control", "max-age="+strconv.Itoa(maxAge))
	}
}

// parseDuration reads nginx time values such as 30d, 1h30m, 60.
func parseDuration(v string) (int, bool) {
	neg := strings.HasPrefix(v, "-")
	v = strings.TrimPrefix(strings.TrimPrefix(v, "-"), "+")
	total, n, digits := 0, 0, false
	units := map[byte]int{'s': 1, 'm': 60, 'h': 3600, 'd': 86400, 'w': 604800, 'M': 2592000, 'y': 31536000}
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c >= '0' && c <= '9':
			n = n*10 + int(c-'0')
			digits = true
		case units[c] > 0 && digits:
			if c == 'm' && i+1 < len(v) && v[i+1] == 's' {
				i++ // milliseconds: below a second
				n = 0
				digits = false
				continue
			}
			total += n * units[c]
			n, digits = 0, false
		default:
			return 0, false
		}
	}
	total += n
	if neg {
		total = -total
	}
	return total, true
}

// defaultCharsetTypes is charset_types' default (text/html is always
// included, whatever charset_types says).
var defaultCharsetTypes = []string{"text/html", "text/xml", "text/plain", "text/vnd.wap.wml", "application/javascript", "application/rss+xml"}

// charsetFilter is ngx_http_charset_header_filter without recoding: the
// destination charset is X-Accel-Charset when nginx knows it (else
// nothing happens: "unknown charset to override"), or the location's
// `charset` for a Content-Type without a charset that is in charset_types
// (with a charset: only with override_charset on). The source is the
// Content-Type's charset, else source_charset. The Content-Type then gets
// "; charset=<destination>" (replacing its own charset), unless the two
// differ and no charset_map links them; 301 and 302 get none. Recoding the
// body (charset_map) is not emulated; New reports charset_map.
//
// It returns the table the body is recoded with (nil: none).
func (h *Handler) charsetFilter(hdr http.Header, rq *request, lc *locConf, status int) *[256]byte {
	vs := hdr.Values("Content-Type")
	if len(vs) == 0 || vs[0] == "" {
		return nil
	}
	ct := vs[0]
	if status == http.StatusPartialContent && strings.HasPrefix(ct, "multipart/byteranges") {
		return nil // the range filter comes after the charset filter
	}
	typeLen, cs := splitCharset(ct)
	var dst string
	if rq.charset != "" {
		if !h.charsets[strings.ToLower(rq.charset)] {
			if rq.tracing {
				rq.trace = append(rq.trace, "unknown charset to override: "+rq.charset)
			}
			return nil
		}
		dst = rq.charset
	} else {
		d := lc.charset
		if d == nil || d.Arg(0) == "off" {
			return nil
		}
		if cs != "" {
			if !flagOn(lc.levels, "override_charset") {
				return nil
			}
		} else if !charsetTypeMatch(lc.levels, ct[:typeLen]) {
			return nil
		}
		dst = d.Arg(0)
		if strings.Contains(dst, "$") {
			// Evaluated for the request: a name nginx does not know is
			// still given, but nothing is recoded to it; a variable
			// without a value is an error that ends the connection
			// without an answer, as in nginx.
			if dst = h.expand(rq, dst); dst == "" {
				rq.charsetFailed = true
				return nil
			}
		}
	}
	set := func() {
		v := ct[:typeLen]
		if status != http.StatusMovedPermanently && status != http.StatusFound {
			v += "; charset=" + dst
		}
		hdr["Content-Type"] = []string{v}
	}
	src := cs
	if src == "" {
		d := nearest(lc.levels, "source_charset")
		if d == nil || d.Arg(0) == "off" || strings.Contains(d.Arg(0), "$") {
			set()
			return nil
		}
		src = d.Arg(0)
	}
	srcKnown, dstKnown := h.charsets[strings.ToLower(src)], h.charsets[strings.ToLower(dst)]
	switch {
	case !srcKnown || !dstKnown:
		if srcKnown == dstKnown && strings.EqualFold(src, dst) {
			set()
		}
	case strings.EqualFold(src, dst):
		set()
	case len(hdr.Values("Content-Encoding")) > 0 && hdr.Get("Content-Encoding") != "":
	case h.charsetMaps[[2]string{strings.ToLower(src), strings.ToLower(dst)}]:
		set()
		// The body is recoded (a map to or from utf-8 is not).
		return h.charsetTables[[2]string{strings.ToLower(src), strings.ToLower(dst)}]
	default:
		if rq.tracing {
			rq.trace = append(rq.trace, fmt.Sprintf("no charset_map between %q and %q", src, dst))
		}
	}
	return nil
}

// splitCharset is what ngx_http_upstream_copy_content_type keeps apart: the
// length of the type before the ';' that starts "charset=" (after spaces),
// and the charset without one leading and one trailing double quote. Without
// a charset, typeLen is len(ct).
func splitCharset(ct string) (typeLen int, charset string) {
	for i := 0; i < len(ct); i++ {
		if ct[i] != ';' {
			continue
		}
		j := i + 1
		for j < len(ct) && ct[j] == ' ' {
			j++
		}
		if j == len(ct) {
			break
		}
		if len(ct)-j < 8 || !strings.EqualFold(ct[j:j+8], "charset=") {
			continue
		}
		v := ct[j+8:]
		v = strings.TrimPrefix(v, `"`)
		v = strings.TrimSuffix(v, `"`)
		return i, v
	}
	return len(ct), ""
}

// charsetTypeMatch reports whether typ (lower-cased) is in charset_types.
func charsetTypeMatch(levels []*nginx.Directive, typ string) bool {
	typ = strings.ToLower(typ)
	if typ == "text/html" {
		return true
	}
	types := defaultCharsetTypes
	if d := nearest(levels, "charset_types"); d != nil {
		types = d.Args
	}
	for _, t := range types {
		if t == "*" || strings.ToLower(t) == typ {
			return true
		}
	}
	return false
}

// charsetTable is the table recoding from charset a to b, identity until
// charset_map lines change it.
func (h *Handler) charsetTable(a, b string) *[256]byte {
	if h.charsetTables == nil {
		h.charsetTables = map[[2]string]*[256]byte{}
	}
	t := h.charsetTables[[2]string{a, b}]
	if t == nil {
		t = new([256]byte)
		for i := range t {
			t[i] = byte(i)
		}
		h.charsetTables[[2]string{a, b}] = t
	}
	return t
}

// collectCharsets finds the charsets nginx knows (named by charset,
// source_charset or charset_map anywhere in http{}) and the charset_map
// pairs.
func (h *Handler) collectCharsets() {
	h.charsets = map[string]bool{}
	h.charsetMaps = map[[2]string]bool{}
	root := h.srv.HTTP
	if root == nil {
		root = h.srv.Dir
	}
	visit := func(d *nginx.Directive) bool {
		switch d.Name {
		case "charset", "source_charset":
			if v := d.Arg(0); v != "off" && v != "" && !strings.Contains(v, "$") {
				h.charsets[strings.ToLower(v)] = true
			}
		case "charset_map":
			a, b := strings.ToLower(d.Arg(0)), strings.ToLower(d.Arg(1))
			h.charsets[a], h.charsets[b] = true, true
			h.charsetMaps[[2]string{a, b}] = true
			h.charsetMaps[[2]string{b, a}] = true
			if a != "utf-8" && b != "utf-8" {
				fwd, rev := h.charsetTable(a, b), h.charsetTable(b, a)
				for _, e := range d.Block {
					src, err1 := strconv.ParseUint(e.Name, 16, 8)
					dst, err2 := strconv.ParseUint(e.Arg(0), 16, 8)
					if err1 == nil && err2 == nil {
						fwd[src], rev[dst] = byte(dst), byte(src)
					}
				}
			}
			return false
		}
		return true
	}
	root.Walk(visit)
}
