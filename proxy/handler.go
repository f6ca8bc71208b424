// Package proxy is the engine of `xaccel serve`: an http.Handler built from
// the nginx model that answers requests the way nginx would for one server
// block: location choice, internal, return, proxy_pass to the app, the
// X-Accel-Redirect internal redirect with the headers nginx keeps, and
// static files.
package proxy

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/xaccel/xaccel/nginx"
)

// Options configure a Handler.
type Options struct {
	// ServerName picks the server block; "" is the default server of the
	// first listen (the first server with default_server, else the first).
	ServerName string
	// Upstreams maps an upstream block name or a proxy_pass host[:port] to
	// the base URL of a local app (http://127.0.0.1:8000).
	Upstreams map[string]string
	// MapRoot rewrites filesystem path prefixes of root/alias (production
	// paths) to local ones, in order; the first match wins.
	MapRoot [][2]string
	// Trace, if set, gets one line per request: locations chosen, internal
	// redirects, the file sent, the status.
	Trace io.Writer
}

// Warning is a directive that changes nginx's behaviour and is not emulated.
type Warning struct {
	Pos  nginx.Pos
	Name string
}

func (w Warning) String() string {
	return fmt.Sprintf("%s: %q is not emulated by xaccel serve; requests it affects may be answered differently than by nginx", w.Pos, w.Name)
}

// Handler answers requests for one server block.
type Handler struct {
	srv    *nginx.Server
	opts   Options
	client *http.Client
}

// maxRedirects is nginx's limit of internal redirects (uri_changes).
const maxRedirects = 10

// emulated are the directives the handler acts on, or that do not change
// what a client gets; any other directive in the server is reported.
var emulated = map[string]bool{
	"listen": true, "server_name": true, "location": true, "root": true, "alias": true,
	"internal": true, "return": true, "proxy_pass": true, "proxy_set_header": true,
	"proxy_pass_header": true, "proxy_hide_header": true, "add_header": true, "expires": true,
	"index": true, "types": true, "default_type": true, "include": true, "try_files": true,
	"access_log": true, "error_log": true, "proxy_redirect": true, "proxy_http_version": true,
	"proxy_buffering": true, "proxy_read_timeout": true, "proxy_connect_timeout": true,
	"proxy_send_timeout": true, "client_max_body_size": true, "sendfile": true, "tcp_nopush": true,
	"tcp_nodelay": true, "keepalive_timeout": true, "gzip": true, "charset": true,
	"server_tokens": true, "ssl_certificate": true, "ssl_certificate_key": true,
}

// New builds the handler for the chosen server of cfg. The warnings list
// the directives of that server that are not emulated.
func New(cfg *nginx.Config, o Options) (*Handler, []Warning, error) {
	srv := pickServer(cfg, o.ServerName)
	if srv == nil {
		if o.ServerName != "" {
			return nil, nil, fmt.Errorf("no server block with server_name %q", o.ServerName)
		}
		return nil, nil, fmt.Errorf("the configuration has no http server block")
	}
	h := &Handler{srv: srv, opts: o, client: &http.Client{
		Timeout:       60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport:     &http.Transport{Proxy: nil, DisableCompression: true, MaxIdleConnsPerHost: 64},
	}}
	var warns []Warning
	srv.Dir.Walk(func(d *nginx.Directive) bool {
		if !emulated[d.Name] {
			warns = append(warns, Warning{Pos: d.Pos, Name: d.Name})
			return false
		}
		return true
	})
	return h, warns, nil
}

func pickServer(cfg *nginx.Config, name string) *nginx.Server {
	if len(cfg.Servers) == 0 {
		return nil
	}
	if name != "" {
		for _, s := range cfg.Servers {
			for _, n := range s.Names {
				if n == name {
					return s
				}
			}
		}
		return nil
	}
	for _, s := range cfg.Servers {
		for _, l := range s.Dir.Find("listen") {
			for _, a := range l.Args[1:] {
				if a == "default_server" || a == "default" {
					return s
				}
			}
		}
	}
	return cfg.Servers[0]
}

// request is the state of one client request across internal redirects.
type request struct {
	r         *http.Request
	body      []byte
	method    string
	uri, args string
	internal  bool
	redirects int
	out       http.Header // headers kept from an upstream by X-Accel-Redirect
	upstream  http.Header // the last upstream's response headers ($upstream_http_*)
	trace     []string
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	uri, args, err := nginx.NormalizeRequestTarget(r.RequestURI, true)
	rq := &request{r: r, method: r.Method, uri: uri, args: args, out: http.Header{}}
	status := 0
	if err != nil {
		status = h.errorPage(w, rq, http.StatusBadRequest, nil)
	} else {
		if r.Body != nil {
			rq.body, _ = io.ReadAll(io.LimitReader(r.Body, 64<<20))
		}
		status = h.process(w, rq)
	}
	if h.opts.Trace != nil {
		fmt.Fprintf(h.opts.Trace, "%s %s %s -> %d\n", r.Method, r.RequestURI, strings.Join(rq.trace, " "), status)
	}
}

// process runs the location phase until a response is written, following
// internal redirects.
func (h *Handler) process(w http.ResponseWriter, rq *request) int {
	for {
		loc, caps, redirect := h.srv.Lookup(rq.uri)
		rq.trace = append(rq.trace, "["+locName(loc)+"]")
		if loc != nil && loc.Internal() != nil && !rq.internal {
			return h.errorPage(w, rq, http.StatusNotFound, loc)
		}
		if redirect {
			target := escapeURI(rq.uri) + "/"
			if rq.args != "" {
				target += "?" + rq.args
			}
			return h.redirect(w, rq, http.StatusMovedPermanently, target, loc)
		}
		var handler *nginx.Directive
		if loc != nil {
			handler = loc.Handler()
		}
		switch {
		case handler != nil && handler.Name == "return":
			return h.doReturn(w, rq, loc, handler)
		case handler != nil && handler.Name == "proxy_pass":
			next, status := h.doProxy(w, rq, loc, handler)
			if !next {
				return status
			}
		case handler != nil:
			return h.errorPage(w, rq, http.StatusBadGateway, loc)
		default:
			next, status := h.doFiles(w, rq, loc, caps)
			if !next {
				return status
			}
		}
		rq.redirects++
		if rq.redirects > maxRedirects {
			return h.errorPage(w, rq, http.StatusInternalServerError, nil)
		}
	}
}

func locName(l *nginx.Location) string {
	if l == nil {
		return "server"
	}
	return l.String()
}

// levels are the blocks whose settings apply to a request handled by l.
func (h *Handler) levels(l *nginx.Location) []*nginx.Directive {
	if l == nil {
		return h.srv.Levels()
	}
	return l.Levels()
}

// finish adds the copied headers and the final location's add_header and
// expires, then writes the status line.
func (h *Handler) finish(w http.ResponseWriter, rq *request, l *nginx.Location, status int) {
	addMissing(w.Header(), rq.out)
	h.hook(w, rq, l).WriteHeader(status)
}

func addMissing(dst, src http.Header) {
	for k, vs := range src {
		if dst.Get(k) == "" {
			dst[k] = append([]string(nil), vs...)
		}
	}
}

// hookWriter applies the final location's add_header and expires when the
// status is written, whoever writes it.
type hookWriter struct {
	http.ResponseWriter
	before func(status int)
	done   bool
}

func (hw *hookWriter) WriteHeader(status int) {
	if !hw.done {
		hw.done = true
		hw.before(status)
	}
	hw.ResponseWriter.WriteHeader(status)
}

func (hw *hookWriter) Write(b []byte) (int, error) {
	if !hw.done {
		hw.WriteHeader(http.StatusOK)
	}
	return hw.ResponseWriter.Write(b)
}

// hook wraps w so that writing the status adds the headers of location l
// (nil: the server level) the way nginx's headers filter does.
func (h *Handler) hook(w http.ResponseWriter, rq *request, l *nginx.Location) http.ResponseWriter {
	if hw, ok := w.(*hookWriter); ok {
		w = hw.ResponseWriter
	}
	levels := h.levels(l)
	apply := func(hdr http.Header, status int) {
		if ds := nginx.Effective(levels, "expires"); len(ds) > 0 && addsHeaders(status) {
			applyExpires(hdr, ds[0])
		}
		for _, d := range nginx.Effective(levels, "add_header") {
			if len(d.Args) < 2 || d.Args[1] == "" {
				continue
			}
			if addsHeaders(status) || (len(d.Args) > 2 && d.Args[2] == "always") {
				hdr.Add(d.Args[0], h.expand(rq, d.Args[1]))
			}
		}
	}
	return &hookWriter{ResponseWriter: w, before: func(status int) {
		hdr := w.Header()
		if status == http.StatusRequestedRangeNotSatisfiable {
			// nginx's range filter turns a 200 already through the
			// headers filter into a 416 that goes through it again: the
			// headers added for 200 stay and the `always` ones come twice.
			apply(hdr, http.StatusOK)
		}
		apply(hdr, status)
		hdr.Set("Server", "nginx")
	}}
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

func applyExpires(hdr http.Header, d *nginx.Directive) {
	v := d.Arg(0)
	if v == "off" || v == "" {
		return
	}
	if v == "epoch" {
		hdr.Set("Expires", "Thu, 01 Jan 1970 00:00:01 GMT")
		hdr.Set("Cache-Control", "no-cache")
		return
	}
	if v == "max" {
		hdr.Set("Expires", "Thu, 31 Dec 2037 23:55:55 GMT")
		hdr.Set("Cache-Control", "max-age=315360000")
		return
	}
	secs, ok := parseDuration(v)
	if !ok {
		return
	}
	hdr.Set("Expires", time.Now().Add(time.Duration(secs)*time.Second).UTC().Format(http.TimeFormat))
	if secs < 0 {
		hdr.Set("Cache-Control", "no-cache")
	} else {
		hdr.Set("Cache-Control", "max-age="+strconv.Itoa(secs))
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

// errorPage answers with nginx's default error page for status; the
// headers copied from an upstream stay (nginx-semantics 1.5).
func (h *Handler) errorPage(w http.ResponseWriter, rq *request, status int, l *nginx.Location) int {
	WriteErrorPage(h.hook(w, rq, l), rq.r, status, rq.out)
	return status
}

// redirect answers 301/302/303/307/308 with an absolute Location.
func (h *Handler) redirect(w http.ResponseWriter, rq *request, status int, target string, l *nginx.Location) int {
	if strings.HasPrefix(target, "/") {
		target = "http://" + RedirectHost(rq.r) + target
	}
	w.Header().Set("Location", target)
	return h.errorPage(w, rq, status, l)
}

// doReturn handles `return code [text|URL]` and `return URL`.
func (h *Handler) doReturn(w http.ResponseWriter, rq *request, l *nginx.Location, d *nginx.Directive) int {
	code, err := strconv.Atoi(d.Arg(0))
	if err != nil {
		return h.redirect(w, rq, http.StatusFound, h.expand(rq, d.Arg(0)), l)
	}
	text := ""
	if len(d.Args) > 1 {
		text = h.expand(rq, d.Args[1])
	}
	switch code {
	case 301, 302, 303, 307, 308:
		return h.redirect(w, rq, code, text, l)
	}
	if len(d.Args) == 1 && code >= 400 {
		return h.errorPage(w, rq, code, l)
	}
	hdr := w.Header()
	if rq.out.Get("Content-Type") == "" {
		hdr.Set("Content-Type", TypeFor(h.levels(l), rq.uri))
	}
	hdr.Set("Content-Length", strconv.Itoa(len(text)))
	h.finish(w, rq, l, code)
	if rq.method != http.MethodHead {
		io.WriteString(w, text)
	}
	return code
}

// remoteAddr is the client address without the port.
func remoteAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// expand substitutes the nginx variables the emulator knows in v.
func (h *Handler) expand(rq *request, v string) string {
	if !strings.Contains(v, "$") {
		return v
	}
	var b bytes.Buffer
	for i := 0; i < len(v); i++ {
		if v[i] != '$' {
			b.WriteByte(v[i])
			continue
		}
		j := i + 1
		brace := j < len(v) && v[j] == '{'
		if brace {
			j++
		}
		k := j
		for k < len(v) && (v[k] == '_' || v[k] >= 'a' && v[k] <= 'z' || v[k] >= 'A' && v[k] <= 'Z' || v[k] >= '0' && v[k] <= '9') {
			k++
		}
		name := v[j:k]
		if brace && k < len(v) && v[k] == '}' {
			k++
		}
		b.WriteString(h.variable(rq, name))
		i = k - 1
	}
	return b.String()
}

func (h *Handler) variable(rq *request, name string) string {
	r := rq.r
	switch name {
	case "uri", "document_uri":
		return rq.uri
	case "args", "query_string":
		return rq.args
	case "is_args":
		if rq.args != "" {
			return "?"
		}
		return ""
	case "request_uri":
		return r.RequestURI
	case "request_method":
		return rq.method
	case "host":
		host := r.Host
		if i := strings.LastIndexByte(host, ':'); i > 0 && !strings.HasSuffix(host, "]") {
			host = host[:i]
		}
		return strings.ToLower(host)
	case "http_host":
		return r.Host
	case "scheme":
		return "http"
	case "server_name":
		if len(h.srv.Names) > 0 {
			return h.srv.Names[0]
		}
		return ""
	case "remote_addr":
		return remoteAddr(r)
	case "proxy_add_x_forwarded_for":
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			return xff + ", " + remoteAddr(r)
		}
		return remoteAddr(r)
	case "content_type":
		return r.Header.Get("Content-Type")
	case "content_length":
		return r.Header.Get("Content-Length")
	}
	switch {
	case strings.HasPrefix(name, "http_"):
		return r.Header.Get(strings.ReplaceAll(name[5:], "_", "-"))
	case strings.HasPrefix(name, "arg_"):
		for _, kv := range strings.Split(rq.args, "&") {
			k, v, _ := strings.Cut(kv, "=")
			if strings.EqualFold(k, name[4:]) {
				return v
			}
		}
	case strings.HasPrefix(name, "upstream_http_") && rq.upstream != nil:
		return rq.upstream.Get(strings.ReplaceAll(name[14:], "_", "-"))
	case strings.HasPrefix(name, "cookie_"):
		if c, err := r.Cookie(name[7:]); err == nil {
			return c.Value
		}
	}
	return ""
}
