//go:build unix

package proxy

// nginx's built-in error pages (ngx_http_special_response_handler):
// their titles, bodies and the MSIE padding.

import (
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/xaccel/xaccel/proxy/internal/http1"
)

// errorTail ends every built-in error page with `server_tokens off`;
// errorTailTokens with `server_tokens on` (nginx's default) or `build` (the
// same without a build name): it names the version serve's behaviour was
// checked against (nginxVersion), as that nginx would.
const (
	errorTail       = "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
	errorTailTokens = "<hr><center>nginx/" + nginxVersion + "</center>\r\n</body>\r\n</html>\r\n"
)

// pageSettings are the location's settings that change a special
// response: server_tokens (tokens) and msie_refresh. The writer h.hook
// returns carries those of its location; any other writer gets
// server_tokens off and msie_refresh off.
type pageSettings struct{ tokens, msieRefresh bool }

// specialWriter is what the handler's writer (h.hook) carries for the
// special responses: the location's pageSettings, and the Location as it
// was set before the header filter made it absolute (what msie_refresh
// sends), which setRawLocation records.
type specialWriter interface {
	pageSettings() pageSettings
	rawLocation() string
	setRawLocation(string)
}

// pageSettingsOf are the settings w carries.
func pageSettingsOf(w http.ResponseWriter) pageSettings {
	if s, ok := w.(specialWriter); ok {
		return s.pageSettings()
	}
	return pageSettings{}
}

// The page ngx_http_send_refresh sends for msie_refresh, around the
// Location escaped by escapeRefresh.
const (
	msieRefreshHead = "<html><head><meta http-equiv=\"Refresh\" content=\"0; URL="
	msieRefreshTail = "\"></head><body></body></html>\r\n"
)

// msiePadding is appended to 4xx and 5xx pages for MSIE and Chrome
// (msie_padding on), so that they do not show their own "friendly" page.
const msiePadding = "<!-- a padding to disable MSIE and Chrome friendly error page -->\r\n" +
	"<!-- a padding to disable MSIE and Chrome friendly error page -->\r\n" +
	"<!-- a padding to disable MSIE and Chrome friendly error page -->\r\n" +
	"<!-- a padding to disable MSIE and Chrome friendly error page -->\r\n" +
	"<!-- a padding to disable MSIE and Chrome friendly error page -->\r\n" +
	"<!-- a padding to disable MSIE and Chrome friendly error page -->\r\n"

// errorTitles are the statuses nginx has a built-in page for, with the
// text of the page (which is not always Go's status text).
var errorTitles = map[int]string{
	301: "301 Moved Permanently",
	302: "302 Found",
	303: "303 See Other",
	307: "307 Temporary Redirect",
	308: "308 Permanent Redirect",
	400: "400 Bad Request",
	401: "401 Authorization Required",
	402: "402 Payment Required",
	403: "403 Forbidden",
	404: "404 Not Found",
	405: "405 Not Allowed",
	406: "406 Not Acceptable",
	408: "408 Request Time-out",
	409: "409 Conflict",
	410: "410 Gone",
	411: "411 Length Required",
	412: "412 Precondition Failed",
	413: "413 Request Entity Too Large",
	414: "414 Request-URI Too Large",
	415: "415 Unsupported Media Type",
	416: "416 Requested Range Not Satisfiable",
	421: "421 Misdirected Request",
	429: "429 Too Many Requests",
	500: "500 Internal Server Error",
	501: "501 Not Implemented",
	502: "502 Bad Gateway",
	503: "503 Service Temporarily Unavailable",
	504: "504 Gateway Time-out",
	505: "505 HTTP Version Not Supported",
	507: "507 Insufficient Storage",
}

// badRequestReasons are nginx's own statuses sent as 400, each with a
// page that gives its reason.
var badRequestReasons = map[int]string{
	http1.StatusHeaderTooLarge:   "Request Header Or Cookie Too Large",
	http1.StatusCertError:        "The SSL certificate error",
	http1.StatusNoCert:           "No required SSL certificate was sent",
	http1.StatusPlainHTTPToHTTPS: "The plain HTTP request was sent to HTTPS port",
}

// ErrorPage returns the body of nginx's built-in page for status (without
// the MSIE padding) with server_tokens off, or "" when nginx has none.
func ErrorPage(status int) string {
	return errorPageBody(status, false)
}

// errorPageBody is ErrorPage with server_tokens on (tokens) or off.
func errorPageBody(status int, tokens bool) string {
	errorTail := errorTail
	if tokens {
		errorTail = errorTailTokens
	}
	if reason, ok := badRequestReasons[status]; ok {
		// ngx_http_error_494_page to ngx_http_error_497_page: 400 pages
		// with their reason.
		return "<html>\r\n<head><title>400 " + reason + "</title></head>\r\n<body>\r\n" +
			"<center><h1>400 Bad Request</h1></center>\r\n<center>" + reason + "</center>\r\n" + errorTail
	}
	title, ok := errorTitles[status]
	if !ok {
		return ""
	}
	return "<html>\r\n<head><title>" + title + "</title></head>\r\n<body>\r\n<center><h1>" +
		title + "</h1></center>\r\n" + errorTail
}

// WriteErrorPage answers with status and nginx's built-in page, as
// ngx_http_special_response_handler does without error_page: header's
// fields (headers decided earlier, such as those an X-Accel-Redirect copies;
// may be nil or w.Header() itself) are added to w.Header(), then
// Content-Type becomes text/html (with the charset of the Content-Type
// decided earlier, which nginx keeps apart and appends), Content-Length is
// the page's, Last-Modified and ETag go, and so does the last Accept-Ranges
// line; Location and Content-Range already set stay. MSIE and Chrome get
// the padding on 4xx and 5xx pages. HEAD gets no body. A status nginx has
// no page for gets an empty body and no Content-Type. It returns the number
// of body bytes written.
func WriteErrorPage(w http.ResponseWriter, r *http.Request, status int, header http.Header) int64 {
	h := w.Header()
	addHeaders(h, header)
	return errorPage(w, r, status, contentTypeCharset(h.Get("Content-Type")))
}

// errorPage is WriteErrorPage for headers already in place, with the
// charset to append to text/html.
func errorPage(w http.ResponseWriter, r *http.Request, status int, charset string) int64 {
	h := w.Header()
	h.Del("Last-Modified")
	h.Del("ETag")
	dropLastAcceptRanges(h)

	settings := pageSettingsOf(w)
	if settings.msieRefresh && (status == http.StatusMovedPermanently || status == http.StatusFound) &&
		h.Get("Location") != "" && msie(r) {
		return msieRefresh(w, r, charset)
	}
	closeAfterError(w, status)
	body := errorPageBody(status, settings.tokens)
	if _, ok := badRequestReasons[status]; ok {
		// A page of its own, sent with status 400.
		status = http.StatusBadRequest
	}
	if body == "" {
		h["Content-Type"] = nil
		h.Del("Content-Length")
		w.WriteHeader(status)
		return 0
	}
	if status >= 400 && msieOrChrome(r) {
		body += msiePadding
	}
	ct := "text/html"
	if charset != "" {
		ct += "; charset=" + charset
	}
	h["Content-Type"] = []string{ct}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if r.Method == http.MethodHead {
		return 0
	}
	n, _ := io.WriteString(w, body)
	return int64(n)
}

// contentTypeCharset is the charset ngx_http_upstream_copy_content_type
// splits off a Content-Type: the value after the first "; charset="
// (case-insensitive, spaces allowed after ';'), without one leading and one
// trailing double quote.
func contentTypeCharset(ct string) string {
	_, charset := splitCharset(ct)
	return charset
}

// msieRefresh answers a 301 or 302 to MSIE as ngx_http_send_refresh does
// with msie_refresh on: status 200 and an HTML page whose Refresh meta tag
// holds the Location as it was set (before the header filter makes it
// absolute), which goes, with Accept-Ranges, Last-Modified and ETag.
func msieRefresh(w http.ResponseWriter, r *http.Request, charset string) int64 {
	h := w.Header()
	loc := h.Get("Location")
	if s, ok := w.(specialWriter); ok && s.rawLocation() != "" {
		loc = s.rawLocation()
	}
	body := msieRefreshHead + escapeRefresh(loc) + msieRefreshTail
	h.Del("Location")
	ct := "text/html"
	if charset != "" {
		ct += "; charset=" + charset
	}
	h["Content-Type"] = []string{ct}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return 0
	}
	n, _ := io.WriteString(w, body)
	return int64(n)
}

// escapeRefresh is ngx_escape_uri(NGX_ESCAPE_REFRESH): control bytes,
// space, '"', '\”, DEL and every byte >= 0x80 become %XX.
func escapeRefresh(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || c == '"' || c == '\'' {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0xf])
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// msie reports whether nginx's User-Agent sniffing
// (ngx_http_process_user_agent, first User-Agent line) marks the request as
// MSIE: "MSIE " with at least three bytes after it, and no "Opera".
func msie(r *http.Request) bool {
	ua, ok := firstHeader(r, "User-Agent")
	if !ok {
		return false
	}
	i := strings.Index(ua, "MSIE ")
	return i >= 0 && i+7 < len(ua) && !strings.Contains(ua, "Opera")
}

// msieOrChrome reports whether nginx's User-Agent sniffing marks the
// request as MSIE or Chrome.
func msieOrChrome(r *http.Request) bool {
	if msie(r) {
		return true
	}
	ua, _ := firstHeader(r, "User-Agent")
	return !strings.Contains(ua, "Opera") && !strings.Contains(ua, "Gecko/") && strings.Contains(ua, "Chrome/")
}
