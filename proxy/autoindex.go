//go:build unix

package proxy

// autoindex (ngx_http_autoindex_module): the listing of a directory whose
// URI ends in '/' when no index file answered, in nginx 1.22's HTML, JSON,
// JSONP or XML, byte for byte (TestAutoindexAgainstNginx).

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/xaccel/xaccel/nginx"
)

// autoindexNameLen is NGX_HTTP_AUTOINDEX_NAME_LEN: the column a name is
// padded to, or cut at (47 characters and "..>").
const autoindexNameLen = 50

// indexEntry is one listed name.
type indexEntry struct {
	name      string
	dir, file bool
	mtime     int64
	size      int64
}

// autoindexOn reports whether autoindex answers rq in l: on, a URI ending
// in '/', GET or HEAD.
func autoindexOn(rq *request, lc *locConf) bool {
	return strings.HasSuffix(rq.uri, "/") && (rq.method == http.MethodGet || rq.method == http.MethodHead) &&
		flagOn(lc.levels, "autoindex")
}

// autoindex lists the directory dir (a path ending in '/') for rq.
func (h *Handler) autoindex(w http.ResponseWriter, rq *request, l *nginx.Location, dir string) step {
	lc := h.conf(l)
	format := "html"
	if d := nearest(lc.levels, "autoindex_format"); d != nil {
		format = d.Arg(0)
	}
	callback := ""
	if format == "jsonp" {
		cb, ok := jsonpCallback(rq.args)
		if !ok {
			return h.fail(w, rq, http.StatusBadRequest, l)
		}
		if cb == "" {
			format = "json"
		}
		callback = cb
	}
	// ngx_http_autoindex_handler takes the mapped path, which ends in
	// the URI's '/', without its last byte: under an alias without a
	// trailing '/' that is a letter of the directory's name.
	if len(dir) > 1 {
		dir = dir[:len(dir)-1]
	}
	entries, err := readIndexEntries(dir)
	if err != nil {
		status, level := http.StatusInternalServerError, logCrit
		switch {
		case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENOTDIR), errors.Is(err, syscall.ENAMETOOLONG):
			status, level = http.StatusNotFound, logErr
		case errors.Is(err, fs.ErrPermission):
			status, level = http.StatusForbidden, logErr
		}
		h.logError(rq, lc, level, err, fmt.Sprintf("opendir() \"%s\" failed", dir))
		return h.fail(w, rq, status, l)
	}
	hdr := w.Header()
	addHeaders(hdr, rq.out)
	switch format {
	case "json":
		hdr.Set("Content-Type", "application/json")
	case "jsonp":
		hdr.Set("Content-Type", "application/javascript")
	case "xml":
		hdr.Set("Content-Type", "text/xml; charset=utf-8")
	default:
		hdr.Set("Content-Type", "text/html")
	}
	hdr.Del("Content-Length") // the length is not known when nginx sends the header
	hw := h.hook(w, rq, l, remapErrStatus)
	hw.WriteHeader(http.StatusOK)
	status := http.StatusOK
	if rq.errStatus != 0 {
		status = rq.errStatus
	}
	if rq.method == http.MethodHead {
		return done(status)
	}
	var body string
	switch format {
	case "json", "jsonp":
		body = autoindexJSON(entries, callback)
	case "xml":
		body = autoindexXML(entries)
	default:
		// The charset filter has run: a name counts in characters only
		// when the answer is UTF-8.
		_, cs := splitCharset(hw.Header().Get("Content-Type"))
		localtime := flagOn(lc.levels, "autoindex_localtime")
		exact := true
		if d := nearest(lc.levels, "autoindex_exact_size"); d != nil {
			exact = d.Arg(0) == "on"
		}
		body = autoindexHTML(rq.uri, entries, strings.EqualFold(cs, "utf-8"), localtime, exact)
	}
	io.WriteString(hw, body)
	return done(status)
}

// readIndexEntries reads dir as nginx's autoindex does: names starting
// with '.' are skipped, each entry is stat()ed through symlinks (a broken
// link is described by lstat), an entry stat refuses with EACCES is left
// out; directories first, then by byte order.
func readIndexEntries(dir string) ([]indexEntry, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		return nil, err
	}
	base := strings.TrimSuffix(dir, "/") + "/"
	var out []indexEntry
	for _, n := range names {
		if strings.HasPrefix(n, ".") {
			continue
		}
		fi, err := os.Stat(base + n)
		if err != nil {
			if errors.Is(err, syscall.EACCES) {
				continue
			}
			if !errors.Is(err, syscall.ENOENT) && !errors.Is(err, syscall.ELOOP) {
				return nil, err
			}
			if fi, err = os.Lstat(base + n); err != nil {
				return nil, err
			}
		}
		out = append(out, indexEntry{
			name:  n,
			dir:   fi.IsDir(),
			file:  fi.Mode().IsRegular(),
			mtime: fi.ModTime().Unix(),
			size:  fi.Size(),
		})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].dir != out[j].dir {
			return out[i].dir
		}
		return out[i].name < out[j].name
	})
	return out, nil
}

// jsonpCallback is the callback argument of the query, checked as nginx
// does: at most 128 bytes of letters, digits, '_' and '.'. ok is false for
// one that is not (400).
func jsonpCallback(args string) (string, bool) {
	cb, found := queryArg(args, "callback")
	if !found {
		return "", true
	}
	if len(cb) > 128 {
		return "", false
	}
	for i := 0; i < len(cb); i++ {
		c := cb[i]
		if l := c | 0x20; l >= 'a' && l <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '.' {
			continue
		}
		return "", false
	}
	return cb, true
}

// queryArg is ngx_http_arg: the raw value of the first argument called
// name (case-insensitive) in args.
func queryArg(args, name string) (string, bool) {
	for _, kv := range strings.Split(args, "&") {
		k, v, _ := strings.Cut(kv, "=")
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return "", false
}

// escapeHTML is ngx_escape_html: <, >, & and " as entities.
func escapeHTML(s string) string {
	if !strings.ContainsAny(s, `<>&"`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '"':
			b.WriteString("&quot;")
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// escapeURIComponent is ngx_escape_uri(NGX_ESCAPE_URI_COMPONENT) of nginx
// 1.22: every byte but letters, digits, '-', '.', '_' and '~' as %XX.
func escapeURIComponent(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
		} else {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0xf])
		}
	}
	return b.String()
}

// utf8Prefix is ngx_utf8_cpystrn for n-1 characters: the longest start of
// s with at most n characters, stopping before a byte sequence that is
// not UTF-8.
func utf8Prefix(s string, n int) string {
	i := 0
	for k := 0; k < n && i < len(s); k++ {
		if s[i] < 0x80 {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 {
			break
		}
		i += size
	}
	return s[:i]
}

var months = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// autoindexHTML is ngx_http_autoindex_html as nginx 1.22 writes it.
func autoindexHTML(uri string, entries []indexEntry, utf8Names, localtime, exact bool) string {
	var b strings.Builder
	title := escapeHTML(uri)
	b.WriteString("<html>\r\n<head><title>Index of " + title + "</title></head>\r\n<body>\r\n<h1>Index of " + title +
		"</h1><hr><pre><a href=\"../\">../</a>\r\n")
	var offset time.Duration
	if localtime {
		_, off := time.Now().Zone()
		offset = time.Duration(off) * time.Second
	}
	for _, e := range entries {
		b.WriteString(`<a href="`)
		b.WriteString(escapeURIComponent(e.name))
		if e.dir {
			b.WriteByte('/')
		}
		b.WriteString(`">`)
		n := len(e.name)
		if utf8Names {
			n = utf8Length(e.name)
		}
		switch {
		case n != len(e.name):
			keep := autoindexNameLen
			if n > autoindexNameLen {
				keep = autoindexNameLen - 3
			}
			b.WriteString(escapeHTML(utf8Prefix(e.name, keep)))
		case n > autoindexNameLen:
			b.WriteString(escapeHTML(e.name[:autoindexNameLen-3]))
		default:
			b.WriteString(escapeHTML(e.name))
		}
		if n > autoindexNameLen {
			b.WriteString("..&gt;</a>")
		} else {
			if e.dir && n < autoindexNameLen {
				b.WriteByte('/')
				n++
			}
			b.WriteString("</a>")
			b.WriteString(strings.Repeat(" ", autoindexNameLen-n))
		}
		t := time.Unix(e.mtime, 0).UTC().Add(offset)
		fmt.Fprintf(&b, " %02d-%s-%d %02d:%02d ", t.Day(), months[t.Month()-1], t.Year(), t.Hour(), t.Minute())
		switch {
		case e.dir && exact:
			b.WriteString("                  -")
		case e.dir:
			b.WriteString("      -")
		case exact:
			fmt.Fprintf(&b, "%19d", e.size)
		default:
			b.WriteString(humanSize(e.size))
		}
		b.WriteString("\r\n")
	}
	b.WriteString("</pre><hr></body>\r\n</html>\r\n")
	return b.String()
}

// utf8Length is ngx_utf8_length: characters when s is UTF-8, else its
// length in bytes.
func utf8Length(s string) int {
	if !utf8.ValidString(s) {
		return len(s)
	}
	return utf8.RuneCountInString(s)
}

// humanSize is autoindex_exact_size off: K above 9999 bytes, M and G from
// a whole unit, rounded half up, in 7 columns.
func humanSize(n int64) string {
	const k, m, g = 1024, 1024 * 1024, 1024 * 1024 * 1024
	round := func(unit int64) int64 {
		v := n / unit
		if n%unit > unit/2-1 {
			v++
		}
		return v
	}
	switch {
	case n > g-1:
		return fmt.Sprintf("%6d%c", round(g), 'G')
	case n > m-1:
		return fmt.Sprintf("%6d%c", round(m), 'M')
	case n > 9999:
		return fmt.Sprintf("%6d%c", round(k), 'K')
	}
	return fmt.Sprintf(" %6d", n)
}

// autoindexJSON is ngx_http_autoindex_json, wrapped in callback when one
// is given (JSONP).
func autoindexJSON(entries []indexEntry, callback string) string {
	var b strings.Builder
	if callback != "" {
		b.WriteString("/* callback */\r\n" + callback + "(")
	}
	b.WriteByte('[')
	for i, e := range entries {
		b.WriteString("\r\n{ \"name\":\"" + escapeJSON(e.name) + "\", \"type\":\"" + entryType(e) + "\", \"mtime\":\"" + httpTime(e.mtime))
		if e.file {
			b.WriteString("\", \"size\":" + strconv.FormatInt(e.size, 10))
		} else {
			b.WriteByte('"')
		}
		b.WriteString(" }")
		if i < len(entries)-1 {
			b.WriteByte(',')
		}
	}
	b.WriteString("\r\n]")
	if callback != "" {
		b.WriteString(");")
	}
	return b.String()
}

// autoindexXML is ngx_http_autoindex_xml.
func autoindexXML(entries []indexEntry) string {
	var b strings.Builder
	b.WriteString("<?xml version=\"1.0\"?>\r\n<list>\r\n")
	for _, e := range entries {
		typ := entryType(e)
		t := time.Unix(e.mtime, 0).UTC()
		fmt.Fprintf(&b, "<%s mtime=\"%04d-%02d-%02dT%02d:%02d:%02dZ\"", typ, t.Year(), int(t.Month()), t.Day(), t.Hour(), t.Minute(), t.Second())
		if e.file {
			fmt.Fprintf(&b, " size=\"%d\"", e.size)
		}
		b.WriteString(">" + escapeHTML(e.name) + "</" + typ + ">\r\n")
	}
	b.WriteString("</list>\r\n")
	return b.String()
}

func entryType(e indexEntry) string {
	switch {
	case e.dir:
		return "directory"
	case e.file:
		return "file"
	}
	return "other"
}

// escapeJSON is ngx_escape_json: '"' and '\' behind a backslash, bytes
// below 0x20 as \n, \r, \t, \b, \f or \u00XX (upper-case hex).
func escapeJSON(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\b':
			b.WriteString(`\b`)
		case c == '\f':
			b.WriteString(`\f`)
		case c < 0x20:
			fmt.Fprintf(&b, `\u%04X`, c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
