//go:build unix

// Package proxy is the engine of `xaccel serve`: an http.Handler built from
// the nginx model that answers requests the way nginx would for one server
// block: location choice, internal, return, proxy_pass to the app, the
// X-Accel-Redirect internal redirect with the headers nginx keeps,
// error_page, the charset filter and static files.
package proxy

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/xaccel/xaccel/proxy/internal/upstream"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/xaccel/xaccel/nginx"
)

// Options configure a Handler.
type Options struct {
	// ServerName picks the server block; "" is the default server of the
	// first listen (the first server with default_server, else the first).
	ServerName string
	// Upstreams maps an upstream block name or a proxy_pass host[:port] to
	// the base URL of a local app (http://127.0.0.1:8000). It wins over the
	// configuration's `upstream` blocks.
	Upstreams map[string]string
	// MapRoot rewrites filesystem path prefixes of root/alias (production
	// paths) to local ones, in order; the first match wins.
	MapRoot [][2]string
	// Trace, if set, gets one line per request: locations chosen, internal
	// redirects, the file sent, the status.
	Trace io.Writer
	// AllowUnemulated names access directives (deny, auth_basic, ..., and
	// "if" for an if block that refuses requests) that New accepts although
	// serve does not emulate them; without it, any of them makes New fail
	// (see access.go).
	AllowUnemulated []string
	// ConfPrefix is nginx's configuration prefix, where relative
	// auth_basic_user_file paths start ("" : the main file's directory).
	ConfPrefix string
}

// Warning is a directive that changes nginx's behaviour and is not emulated.
type Warning struct {
	Pos  nginx.Pos
	Name string
	// Detail says what is not emulated when the directive is only in part
	// ("" for the whole directive).
	Detail string
}

func (w Warning) String() string {
	if w.Detail != "" {
		return fmt.Sprintf("%s: %q is not emulated by xaccel serve (%s); requests it affects may be answered differently than by nginx", w.Pos, w.Name, w.Detail)
	}
	return fmt.Sprintf("%s: %q is not emulated by xaccel serve; requests it affects may be answered differently than by nginx", w.Pos, w.Name)
}

// Handler answers requests for one server block.
type Handler struct {
	srv  *nginx.Server
	opts Options
	pool *upstream.Pool // kept upstream connections (upstream keepalive)
	// charsets are the charsets nginx knows (lower-cased), charsetMaps
	// the pairs a charset_map links, both ways.
	charsets    map[string]bool
	charsetMaps map[[2]string]bool
	// confs are the settings of each location, serverConf those of the
	// server level (see locConf).
	confs      map[*nginx.Location]*locConf
	serverConf *locConf
	// underscoresInHeaders and ignoreInvalidHeaders are the server's
	// settings of those directives (defaults off and on): how Server
	// reads request header names.
	underscoresInHeaders bool
	ignoreInvalidHeaders bool
	// prefix is nginx's configuration prefix: the main file's directory.
	prefix string
	// serverRewrites is set when the server block has rewrite directives
	// of its own (the server-rewrite phase).
	serverRewrites bool
	// maps are the http level's map variables, by name.
	maps map[string]*mapDef
	// bodyFileVar is set when the configuration uses $request_body_file:
	// a spooled body then keeps its file name until the request ends.
	bodyFileVar bool
}

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
	"error_page": true, "recursive_error_pages": true, "proxy_intercept_errors": true,
	"proxy_ignore_headers": true, "charset_types": true, "override_charset": true,
	"source_charset": true, "proxy_buffer_size": true, "proxy_buffers": true,
	"proxy_busy_buffers_size": true, "proxy_max_temp_file_size": true, "proxy_temp_path": true,
	"proxy_temp_file_write_size": true, "proxy_request_buffering": true,
	"proxy_headers_hash_max_size": true, "proxy_headers_hash_bucket_size": true,
	"proxy_cache_path": true, "proxy_ignore_client_abort": true, "log_format": true,
	"underscores_in_headers": true, "ignore_invalid_headers": true,
	"allow": true, "deny": true, "satisfy": true, "auth_basic": true, "auth_basic_user_file": true,
	"auth_request": true, "auth_request_set": true, "disable_symlinks": true, "limit_except": true,
	"client_body_buffer_size": true, "client_body_in_file_only": true, "client_body_in_single_buffer": true,
	"rewrite": true, "set": true, "break": true, "rewrite_log": true, "uninitialized_variable_warn": true,
	"keepalive_requests": true, "client_header_timeout": true, "client_body_timeout": true, "send_timeout": true,
	// The FastCGI module (fastcgi.go); the buffering and temporary file
	// settings change how nginx holds a response, not what a client gets.
	"fastcgi_pass": true, "fastcgi_param": true, "fastcgi_index": true, "fastcgi_split_path_info": true,
	"fastcgi_pass_header": true, "fastcgi_hide_header": true, "fastcgi_intercept_errors": true,
	"fastcgi_ignore_headers": true, "fastcgi_read_timeout": true, "fastcgi_connect_timeout": true,
	"fastcgi_send_timeout": true, "fastcgi_buffer_size": true, "fastcgi_buffers": true,
	"fastcgi_busy_buffers_size": true, "fastcgi_buffering": true, "fastcgi_request_buffering": true,
	"fastcgi_temp_path": true, "fastcgi_max_temp_file_size": true, "fastcgi_temp_file_write_size": true,
	"fastcgi_ignore_client_abort": true, "fastcgi_catch_stderr": true, "fastcgi_pass_request_headers": true,
	"fastcgi_pass_request_body": true, "fastcgi_socket_keepalive": true,
	// The uwsgi module, the same way.
	"uwsgi_pass": true, "uwsgi_param": true, "uwsgi_modifier1": true, "uwsgi_modifier2": true,
	"uwsgi_pass_header": true, "uwsgi_hide_header": true, "uwsgi_intercept_errors": true,
	"uwsgi_ignore_headers": true, "uwsgi_read_timeout": true, "uwsgi_connect_timeout": true,
	"uwsgi_send_timeout": true, "uwsgi_buffer_size": true, "uwsgi_buffers": true,
	"uwsgi_busy_buffers_size": true, "uwsgi_buffering": true, "uwsgi_request_buffering": true,
	"uwsgi_temp_path": true, "uwsgi_max_temp_file_size": true, "uwsgi_temp_file_write_size": true,
	"uwsgi_ignore_client_abort": true, "uwsgi_pass_request_headers": true,
	"uwsgi_pass_request_body": true, "uwsgi_socket_keepalive": true,
}

// httpLevelChecked are the directives of the http context (outside the
// server) that change what a proxied or X-Accel-Redirect response looks
// like; New reports them when they are not emulated. Every proxy_*
// directive is checked too.
var httpLevelChecked = map[string]bool{
	"charset_map": true, "ssi": true, "sub_filter": true, "addition_types": true, "gunzip": true,
	"etag": true, "if_modified_since": true, "max_ranges": true, "absolute_redirect": true,
	"port_in_redirect": true, "server_name_in_redirect": true, "msie_padding": true,
	"msie_refresh": true, "merge_slashes": true, "userid": true,
	"xslt_stylesheet": true, "image_filter": true,
}

// New builds the handler for the chosen server of cfg. The warnings list
// the directives of that server, and those of the http context that matter
// to it, that are not emulated (in whole or in part).
//
// The process is taken to be a server from then on: the garbage collector
// is set for one (see serveGCPercent) unless GOGC is set.
func New(cfg *nginx.Config, o Options) (*Handler, []Warning, error) {
	srv := cfg.PickServer(o.ServerName)
	if srv == nil {
		if o.ServerName != "" {
			return nil, nil, fmt.Errorf("no server block with server_name %q", o.ServerName)
		}
		return nil, nil, fmt.Errorf("the configuration has no http server block")
	}
	if err := checkOptions(cfg, o); err != nil {
		return nil, nil, err
	}
	h := &Handler{srv: srv, opts: o, pool: upstream.NewPool(), prefix: "."}
	h.collectCharsets()
	h.buildConfs()
	h.underscoresInHeaders = flagOn(h.serverConf.levels, "underscores_in_headers")
	d := nearest(h.serverConf.levels, "ignore_invalid_headers")
	h.ignoreInvalidHeaders = d == nil || d.Arg(0) != "off"
	switch {
	case o.ConfPrefix != "":
		h.prefix = o.ConfPrefix
	case cfg.Path != "" && cfg.Path != "-":
		h.prefix = filepath.Dir(cfg.Path)
	}
	h.bodyFileVar = usesVariable(srv, "request_body_file")
	h.serverRewrites = rewriteScript(srv.Dir)
	maps, mapWarns := collectMaps(srv)
	h.maps = maps
	warns, err := checkAccess(srv, o.AllowUnemulated, h.prefix)
	if err != nil {
		return nil, nil, err
	}
	warns = append(warns, mapWarns...)
	check := func(d *nginx.Directive) bool {
		if unemulatedAccess[d.Name] || d.Name == "if" && !pureIf(d) && refuses(d) || d.Name == "limit_except" {
			return false // checkAccess has judged it
		}
		if d.Name == "if" {
			if !pureIf(d) {
				warns = append(warns, Warning{Pos: d.Pos, Name: d.Name, Detail: "an if block holding other directives than rewrite, return, set, break and if is skipped"})
				return false
			}
			return true
		}
		if w, ok := partlyEmulated(d); ok {
			warns = append(warns, w)
		}
		if !emulated[d.Name] {
			warns = append(warns, Warning{Pos: d.Pos, Name: d.Name})
			return false
		}
		return d.Name != "types" // its entries are MIME types, not directives
	}
	if srv.HTTP != nil {
		for _, d := range srv.HTTP.Block {
			if d.IsBlock || d.Name == "include" {
				continue
			}
			if !emulated[d.Name] && (httpLevelChecked[d.Name] || strings.HasPrefix(d.Name, "proxy_") || strings.HasPrefix(d.Name, "fastcgi_") || strings.HasPrefix(d.Name, "uwsgi_")) {
				warns = append(warns, Warning{Pos: d.Pos, Name: d.Name})
				continue
			}
			if w, ok := partlyEmulated(d); ok {
				warns = append(warns, w)
			}
		}
		for _, d := range srv.HTTP.Find("charset_map") {
			warns = append(warns, Warning{Pos: d.Pos, Name: d.Name, Detail: "the body is not recoded"})
		}
	}
	srv.Dir.Walk(check)
	return h, warns, nil
}

// usesVariable reports whether a directive of the server or of the http
// level names variable name.
func usesVariable(srv *nginx.Server, name string) bool {
	found := false
	check := func(d *nginx.Directive) bool {
		for _, a := range d.Args {
			if strings.Contains(a, "$"+name) || strings.Contains(a, "${"+name+"}") {
				found = true
			}
		}
		return !found
	}
	if srv.HTTP != nil {
		srv.HTTP.Walk(check)
	} else {
		srv.Dir.Walk(check)
	}
	return found
}

// partlyEmulated reports the forms of emulated directives that are not.
func partlyEmulated(d *nginx.Directive) (Warning, bool) {
	switch d.Name {
	case "rewrite":
		if _, err := nginx.CompileRegex(d.Arg(0), false); err != nil {
			return Warning{Pos: d.Pos, Name: d.Name, Detail: "a regular expression Go cannot run (look-around, back-references): requests reaching it get 500"}, true
		}
	case "proxy_redirect":
		if strings.HasPrefix(d.Arg(0), "~") {
			return Warning{Pos: d.Pos, Name: d.Name, Detail: "regular expressions"}, true
		}
	case "charset", "source_charset":
		if strings.Contains(d.Arg(0), "$") {
			return Warning{Pos: d.Pos, Name: d.Name, Detail: "a charset from a variable"}, true
		}
	case "expires":
		if v := d.Arg(0); v == "modified" || strings.HasPrefix(v, "@") || strings.Contains(v, "$") {
			return Warning{Pos: d.Pos, Name: d.Name, Detail: "modified, @time and variables"}, true
		}
	case "proxy_pass":
		if v := d.Arg(0); len(v) < 7 || !strings.EqualFold(v[:7], "http://") {
			return Warning{Pos: d.Pos, Name: d.Name, Detail: "only http:// upstreams"}, true
		}
	case "fastcgi_split_path_info":
		if _, err := nginx.CompileRegex(d.Arg(0), false); err != nil {
			return Warning{Pos: d.Pos, Name: d.Name, Detail: "a regular expression Go cannot run: $uri is not split"}, true
		}
	case "uwsgi_pass":
		if v := d.Arg(0); len(v) >= 9 && strings.EqualFold(v[:9], "suwsgi://") {
			return Warning{Pos: d.Pos, Name: d.Name, Detail: "suwsgi:// (uwsgi over TLS): requests answer 502"}, true
		}
	case "fastcgi_request_buffering", "uwsgi_request_buffering":
		if d.Arg(0) == "off" {
			return Warning{Pos: d.Pos, Name: d.Name, Detail: "off: the body is read whole before the app is called, as with on"}, true
		}
	case "fastcgi_ignore_headers", "uwsgi_ignore_headers":
		for _, a := range d.Args {
			if !strings.EqualFold(a, "X-Accel-Redirect") && !strings.EqualFold(a, "X-Accel-Charset") {
				return Warning{Pos: d.Pos, Name: d.Name, Detail: "only X-Accel-Redirect and X-Accel-Charset"}, true
			}
		}
	}
	return Warning{}, false
}

// request is the state of one client request across internal redirects.
type request struct {
	r        *http.Request
	body     []byte
	hasBody  bool // the client sent a body (Content-Length or chunked)
	bodyRead bool // body holds the client's body (readBody)
	bodyErr  int  // what reading the body ended with: a status, or bodyAbort
	// bodyFile holds a body larger than client_body_buffer_size (body is
	// then nil), unlinked as soon as it is made; bodyLen is the body's
	// length either way.
	bodyFile *os.File
	// bodyPath is bodyFile's name while the request lasts, for
	// $request_body_file ("" when the file was unlinked at once).
	bodyPath  string
	bodyLen   int64
	method    string
	uri, args string
	internal  bool
	// unparsed is r->valid_unparsed_uri: no internal redirect (but maybe
	// named ones) happened, so proxy_pass without a URI part sends the
	// client's request target as received.
	unparsed bool
	// quoted is r->quoted_uri: the client's path had %-escapes.
	quoted bool
	// uriChanges is r->uri_changes: 11 at the start; internal and named
	// redirects use one each (nginx-semantics 1.7.8).
	uriChanges int
	// errorPage is r->error_page: an error_page was used (without
	// recursive_error_pages, no second one is).
	errorPage bool
	// errStatus is r->err_status: the status of the error being answered,
	// which replaces whatever status the error page's content has.
	errStatus int
	out       http.Header        // headers kept from an upstream by X-Accel-Redirect
	charset   string             // X-Accel-Charset (r->headers_out.override_charset)
	upstream  *upstream.Response // the last upstream's response ($upstream_http_*)
	proxyHost string             // $proxy_host of the request being proxied
	// tracing is set when Options.Trace is: only then are the steps of
	// the request noted in trace.
	tracing bool
	trace   []string
	// sub marks a subrequest (auth_request's): no access phase, no body
	// sent.
	sub bool
	// vars are the variables set by set, auth_request_set and named
	// captures.
	vars map[string]string
	// caps are the groups of the last regex that matched (a location's,
	// an if's, a rewrite's): $0..$9.
	caps []string
	// loc is the location the request is in ($request_filename,
	// $document_root).
	loc *nginx.Location
	// fcgiScript and fcgiInfo are $uri split by fastcgi_split_path_info,
	// kept from the first use until an internal redirect (fcgiSplit).
	fcgiScript, fcgiInfo string
	// mapDepth counts the map variables being evaluated (a cycle stops).
	mapDepth int
}

// maxURIChanges is nginx's NGX_HTTP_MAX_URI_CHANGES + 1: a request may be
// redirected internally 10 times; the 11th redirect fails with 500.
const maxURIChanges = 11

// step is what a content handler did: answered (stepDone, with the status
// sent), or redirected internally to rq.uri (stepURI) or to a named
// location (stepNamed).
type step struct {
	kind   int
	status int
	named  *nginx.Location
}

const (
	stepDone = iota
	stepURI
	stepNamed
)

func done(status int) step { return step{kind: stepDone, status: status} }

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	uri, args, err := nginx.NormalizeRequestTarget(r.RequestURI, true)
	rq := &request{r: r, method: r.Method, uri: uri, args: args, out: http.Header{},
		unparsed: true, uriChanges: maxURIChanges, tracing: h.opts.Trace != nil}
	path, _, _ := strings.Cut(unparsedURI(r), "?")
	rq.quoted = strings.Contains(path, "%")
	_, hasLength := r.Header["Content-Length"]
	rq.hasBody = hasLength || len(r.TransferEncoding) > 0
	var first step
	if err != nil {
		// A target nginx rejects: 400, through a server-level error_page
		// if there is one.
		rq.uri, rq.args = "", ""
		first = h.fail(w, rq, http.StatusBadRequest, nil)
	} else {
		first = step{kind: stepURI}
	}
	status := h.process(w, rq, first)
	if rq.bodyFile != nil {
		rq.bodyFile.Close()
		if rq.bodyPath != "" {
			os.Remove(rq.bodyPath)
		}
	}
	if h.opts.Trace != nil {
		fmt.Fprintf(h.opts.Trace, "%s %s %s -> %d\n", r.Method, r.RequestURI, strings.Join(rq.trace, " "), status)
	}
}

// reject answers a request that nginx refuses while reading it (see
// Server): status through an error_page of the server level, as
// ngx_http_finalize_request does then. r has what was read of the request
// (no method when the request line itself was refused).
func (h *Handler) reject(w http.ResponseWriter, r *http.Request, status int) {
	rq := &request{r: r, method: r.Method, out: http.Header{}, uriChanges: maxURIChanges,
		tracing: h.opts.Trace != nil}
	final := h.process(w, rq, h.fail(w, rq, status, nil))
	if h.opts.Trace != nil {
		what := strings.TrimSpace(r.Method + " " + r.RequestURI)
		if what == "" {
			what = "(request line not readable)"
		}
		steps := strings.Join(rq.trace, " ")
		if steps != "" {
			steps = " " + steps
		}
		fmt.Fprintf(h.opts.Trace, "%s refused while reading the request (%d)%s -> %d\n", what, status, steps, final)
	}
}

// process runs the location phase until a response is written, following
// internal and named redirects, from the step s that has been taken.
func (h *Handler) process(w http.ResponseWriter, rq *request, s step) int {
	for {
		switch s.kind {
		case stepDone:
			return s.status
		case stepNamed:
			// A named location: no location search and no internal check;
			// $uri, $args and the method stay.
			l := s.named
			if rq.tracing {
				rq.trace = append(rq.trace, "["+l.String()+"]")
			}
			s = h.content(w, rq, l)
			continue
		}
		rq.loc = nil
		if h.serverRewrites {
			// NGX_HTTP_SERVER_REWRITE_PHASE: the server block's own
			// rewrite directives, before the location search.
			out, st := h.rewritePhase(w, rq, h.srv.Dir, nil)
			if out == rewriteDone {
				s = st
				continue
			}
		}
		l, caps, redirect := h.srv.Lookup(rq.uri)
		if caps != nil {
			rq.caps = caps
			if l != nil && l.Re != nil && len(l.Re.SubexpNames()) == len(caps) {
				nameCaptures(rq, l.Re, caps)
			}
		}
		if rq.tracing {
			rq.trace = append(rq.trace, "["+locName(l)+"]")
		}
		switch {
		case l != nil && l.Internal() != nil && !rq.internal:
			s = h.fail(w, rq, http.StatusNotFound, l)
		case !rq.internal && h.tooLarge(rq, l):
			// ngx_http_core_find_config_handler: the Content-Length
			// against the location's client_max_body_size.
			s = h.fail(w, rq, http.StatusRequestEntityTooLarge, l)
		case redirect:
			target := escapeURI(rq.uri) + "/"
			if rq.args != "" {
				target += "?" + rq.args
			}
			w.Header().Set("Location", absoluteBase(rq.r)+target)
			s = h.fail(w, rq, http.StatusMovedPermanently, l)
		default:
			s = h.content(w, rq, l)
		}
	}
}

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
	if h.bodyFileVar {
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

// content runs the content handler of location l (nil: the server level).
func (h *Handler) content(w http.ResponseWriter, rq *request, l *nginx.Location) step {
	lc := h.conf(l)
	rq.loc = l
	setLimits(w, &lc.limits)
	if lc.rewrites {
		// NGX_HTTP_REWRITE_PHASE: the location's own rewrite directives
		// (return among them); then, if the URI changed, the location is
		// searched again (NGX_HTTP_POST_REWRITE_PHASE).
		switch out, st := h.rewritePhase(w, rq, l.Dir, l); out {
		case rewriteDone:
			return st
		case rewriteSearch:
			rq.uriChanges--
			if rq.uriChanges == 0 {
				rq.note("rewrite or internal redirection cycle")
				return h.fail(w, rq, http.StatusInternalServerError, l)
			}
			return step{kind: stepURI}
		}
	}
	if s, refused := h.accessPhase(w, rq, l); refused {
		return s
	}
	handler := lc.handler
	if handler != nil && handler.Name == "return" {
		handler = nil // a return the rewrite phase did not reach
	}
	switch {
	case handler == nil:
		return h.doFiles(w, rq, l, rq.caps)
	case handler.Name == "proxy_pass":
		return h.doProxy(w, rq, l, handler)
	case handler.Name == "fastcgi_pass", handler.Name == "uwsgi_pass":
		// NGX_HTTP_TRY_FILES_PHASE runs before the content handler.
		if tf := lc.tryFiles; tf != nil && len(tf.Args) >= 2 {
			if s, found := h.tryFilesFirst(w, rq, l, tf); !found {
				return s
			}
		}
		return h.doFastCGI(w, rq, l, handler)
	}
	if rq.tracing {
		rq.trace = append(rq.trace, handler.Name+" is not emulated")
	}
	return h.fail(w, rq, http.StatusBadGateway, l)
}

// redirectURI is ngx_http_internal_redirect: one of the uri_changes is
// used (none left: 500, "rewrite or internal redirection cycle"), then the
// location search starts again with uri and args, as an internal request.
// l is the location the request is in.
func (h *Handler) redirectURI(w http.ResponseWriter, rq *request, l *nginx.Location, uri, args string) step {
	rq.uriChanges--
	if rq.uriChanges == 0 {
		if rq.tracing {
			rq.trace = append(rq.trace, "rewrite or internal redirection cycle")
		}
		return h.fail(w, rq, http.StatusInternalServerError, l)
	}
	rq.uri, rq.args = uri, args
	rq.internal, rq.unparsed = true, false
	rq.fcgiScript, rq.fcgiInfo = "", "" // the modules' contexts are cleared
	return step{kind: stepURI}
}

// redirectNamed is ngx_http_named_location: one of the uri_changes is used
// (none left: 500), then the named location is looked up (not found: 500,
// "could not find named location"). $uri, $args and the method stay.
func (h *Handler) redirectNamed(w http.ResponseWriter, rq *request, l *nginx.Location, name string) step {
	rq.uriChanges--
	if rq.uriChanges == 0 {
		if rq.tracing {
			rq.trace = append(rq.trace, "rewrite or internal redirection cycle")
		}
		return h.fail(w, rq, http.StatusInternalServerError, l)
	}
	named := h.named(name)
	if named == nil {
		if rq.tracing {
			rq.trace = append(rq.trace, "could not find named location "+name)
		}
		return h.fail(w, rq, http.StatusInternalServerError, l)
	}
	rq.internal = true
	rq.fcgiScript, rq.fcgiInfo = "", "" // the modules' contexts are cleared
	return step{kind: stepNamed, named: named}
}

// named finds a named location of the server.
func (h *Handler) named(name string) *nginx.Location {
	for _, l := range h.srv.Locations {
		if l.Modifier == "@" && l.Match == name {
			return l
		}
	}
	return nil
}

func locName(l *nginx.Location) string {
	if l == nil {
		return "server"
	}
	return l.String()
}

// fail finishes the request with an error or redirect status the way
// ngx_http_special_response_handler does: r->err_status is set; an
// error_page for the status (of location l, nil: the server level) is used
// if none was used before and uri_changes are left; otherwise nginx's
// built-in page is sent, with the headers copied from an upstream
// (nginx-semantics 1.5). A Location already set in the response stays.
func (h *Handler) fail(w http.ResponseWriter, rq *request, status int, l *nginx.Location) step {
	lc := h.conf(l)
	rq.errStatus = status
	closeAfterError(w, status)
	if !rq.errorPage && rq.uriChanges != 0 {
		if lc.errorPages {
			if !lc.recursiveErrorPages {
				rq.errorPage = true
			}
			if ep := errorPageFor(lc.levels, status); ep != nil {
				return h.sendErrorPage(w, rq, l, ep)
			}
		}
	}
	WriteErrorPage(h.hook(w, rq, l, remapNone), rq.r, status, rq.out)
	return done(status)
}

// errorPageSpec is one `error_page codes... [=[code]] uri` directive.
type errorPageSpec struct {
	codes     []int
	overwrite int // -1: none; 0: "=" (the target's status); else the code
	value     string
}

// errorPageFor returns the error_page (in effect at levels) for status, or
// nil.
func errorPageFor(levels []*nginx.Directive, status int) *errorPageSpec {
	for _, d := range nginx.Effective(levels, "error_page") {
		ep := parseErrorPage(d)
		if ep == nil {
			continue
		}
		for _, c := range ep.codes {
			if c == status {
				return ep
			}
		}
	}
	return nil
}

// parseErrorPage reads an error_page directive as ngx_http_core_error_page
// does: status codes, then "=" or "=code", then the URI (nil when malformed).
func parseErrorPage(d *nginx.Directive) *errorPageSpec {
	if len(d.Args) < 2 {
		return nil
	}
	ep := &errorPageSpec{overwrite: -1, value: d.Args[len(d.Args)-1]}
	n := len(d.Args) - 1
	if a := d.Args[n-1]; strings.HasPrefix(a, "=") {
		if n-1 == 0 {
			return nil
		}
		ep.overwrite = 0
		if len(a) > 1 {
			c, err := strconv.Atoi(a[1:])
			if err != nil || c < 0 {
				return nil
			}
			ep.overwrite = c
		}
		n--
	}
	for _, a := range d.Args[:n] {
		c, err := strconv.Atoi(a)
		if err != nil {
			return nil
		}
		ep.codes = append(ep.codes, c)
	}
	return ep
}

// sendErrorPage is ngx_http_send_error_page: with "=code" the status
// becomes code ("=" alone: the target's status); a URI is an internal
// redirect (the method becomes GET unless it is HEAD), @name a named one,
// anything else a 302 (or the =code given, if it is a redirect) to it.
func (h *Handler) sendErrorPage(w http.ResponseWriter, rq *request, l *nginx.Location, ep *errorPageSpec) step {
	if ep.overwrite >= 0 {
		rq.errStatus = ep.overwrite
	}
	v := h.expand(rq, ep.value)
	if rq.tracing {
		rq.trace = append(rq.trace, "error_page "+v)
	}
	switch {
	case strings.HasPrefix(v, "/"):
		uri, args, _ := strings.Cut(v, "?")
		if rq.method != http.MethodHead {
			rq.method = http.MethodGet
		}
		return h.redirectURI(w, rq, l, uri, args)
	case strings.HasPrefix(v, "@"):
		return h.redirectNamed(w, rq, l, v)
	}
	status := http.StatusFound
	switch ep.overwrite {
	case 301, 302, 303, 307, 308:
		status = ep.overwrite
	}
	rq.errStatus = status
	w.Header().Set("Location", v)
	WriteErrorPage(h.hook(w, rq, l, remapNone), rq.r, status, rq.out)
	return done(status)
}

// How a hookWriter turns the status written into the one sent.
const (
	remapNone      = iota // as written
	remapErrStatus        // r->err_status when set (an error page's content)
	remapStatic           // the static handler's (see Handler.static)
)

// serverNginx is the value of the Server header. The slice is shared by
// every response: header values are replaced or appended to (its capacity
// is 1, so an append copies), never written in place.
var serverNginx = []string{"nginx"}[:1:1]

// hookWriter applies the final location's header filters when the status
// is written, whoever writes it. For the static handler it can also hold
// back an error status that an error_page handles, and the page that goes
// with it (intercept).
type hookWriter struct {
	http.ResponseWriter
	h     *Handler
	rq    *request
	lc    *locConf
	remap int
	// staticErr is the err_status the static handler sends a file with
	// (remapStatic).
	staticErr int
	done      bool
	// intercept, when set, catches a status >= 300 (but 304) that an
	// error_page of the location handles, while no error page was used
	// and uri_changes are left; caught is that status.
	intercept bool
	caught    int
}

func (hw *hookWriter) WriteHeader(status int) {
	if hw.caught != 0 {
		return
	}
	if hw.intercept && hw.interceptable(status) {
		hw.caught = status
		return
	}
	if !hw.done {
		hw.done = true
		status = hw.before(status)
	}
	hw.ResponseWriter.WriteHeader(status)
}

func (hw *hookWriter) Write(b []byte) (int, error) {
	if hw.caught != 0 {
		return len(b), nil
	}
	if !hw.done {
		hw.WriteHeader(http.StatusOK)
	}
	return hw.ResponseWriter.Write(b)
}

// ReadFrom sends src after the header, with the writer below's ReadFrom
// when it has one (net/http's uses sendfile(2) for a file).
func (hw *hookWriter) ReadFrom(src io.Reader) (int64, error) {
	if !hw.done {
		hw.WriteHeader(http.StatusOK)
	}
	if hw.caught != 0 {
		return io.Copy(io.Discard, src)
	}
	if rf, ok := hw.ResponseWriter.(io.ReaderFrom); ok {
		return rf.ReadFrom(src)
	}
	return copyBody(hw.ResponseWriter, src)
}

func (hw *hookWriter) interceptable(status int) bool {
	rq := hw.rq
	return status >= 300 && status != http.StatusNotModified && !rq.errorPage &&
		rq.uriChanges != 0 && errorPageFor(hw.lc.levels, status) != nil
}

// hook wraps w so that writing the status runs what nginx's header filters
// do for a request finally handled in location l (nil: the server level):
// remap says how the status written becomes the one sent (remapErrStatus:
// the err_status of an error page); the headers filter adds `expires` and
// `add_header`; the charset filter may append a charset to the
// Content-Type; Server is nginx's.
func (h *Handler) hook(w http.ResponseWriter, rq *request, l *nginx.Location, remap int) *hookWriter {
	if hw, ok := w.(*hookWriter); ok {
		w = hw.ResponseWriter
	}
	return &hookWriter{ResponseWriter: w, h: h, rq: rq, lc: h.conf(l), remap: remap}
}

// before runs the header filters for status and returns the status sent.
func (hw *hookWriter) before(status int) int {
	rq, lc := hw.rq, hw.lc
	hdr := hw.ResponseWriter.Header()
	switch hw.remap {
	case remapErrStatus:
		if rq.errStatus != 0 {
			status = rq.errStatus
		}
	case remapStatic:
		if errStatus := hw.staticErr; status == http.StatusOK && errStatus != 0 && errStatus != http.StatusOK {
			// The range filter did not run, and the header filter sends
			// the file's Last-Modified with 200, 206 and 304 only.
			dropLastAcceptRanges(hdr)
			if errStatus != http.StatusPartialContent && errStatus != http.StatusNotModified {
				hdr.Del("Last-Modified")
			}
			status = errStatus
		}
	}
	if status == http.StatusRequestedRangeNotSatisfiable {
		// nginx's range filter turns a 200 already through the
		// headers filter into a 416 that goes through it again: the
		// headers added for 200 stay and the `always` ones come twice.
		hw.h.headersFilter(hdr, rq, lc, http.StatusOK)
	}
	hw.h.headersFilter(hdr, rq, lc, status)
	hw.h.charsetFilter(hdr, rq, lc, status)
	if len(hdr["Server"]) == 0 {
		hdr["Server"] = serverNginx
	}
	return status
}

// headersFilter is ngx_http_headers_filter: `expires` and `add_header`.
func (h *Handler) headersFilter(hdr http.Header, rq *request, lc *locConf, status int) {
	if lc.expires != nil && addsHeaders(status) {
		applyExpires(hdr, lc.expires)
	}
	for _, d := range lc.addHeader {
		if len(d.Args) < 2 {
			continue
		}
		if addsHeaders(status) || (len(d.Args) > 2 && d.Args[2] == "always") {
			if v := h.expand(rq, d.Args[1]); v != "" {
				hdr.Add(d.Args[0], v)
			}
		}
	}
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

// applyExpires is ngx_http_set_expires: Expires and Cache-Control are
// replaced. `expires modified`, `@time` and variables are not emulated
// (New reports them) and do nothing here.
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

// doReturn handles `return code [text|URL]` and `return URL`
// (ngx_http_rewrite_return_code): a redirect or a code >= 400 without text
// is finished like an error (error_page applies); anything else is sent by
// ngx_http_send_response, with the type of $uri's extension unless a type
// is already set.
func (h *Handler) doReturn(w http.ResponseWriter, rq *request, l *nginx.Location, d *nginx.Directive) step {
	code, err := strconv.Atoi(d.Arg(0))
	if err != nil {
		w.Header().Set("Location", h.absolute(rq, h.expand(rq, d.Arg(0))))
		return h.fail(w, rq, http.StatusFound, l)
	}
	if code == 444 && abortResponse(w) {
		// NGX_HTTP_CLOSE: the connection closes without an answer.
		return done(444)
	}
	text := ""
	if len(d.Args) > 1 {
		text = h.expand(rq, d.Args[1])
	}
	switch code {
	case 301, 302, 303, 307, 308:
		w.Header().Set("Location", h.absolute(rq, text))
		return h.fail(w, rq, code, l)
	}
	if len(d.Args) == 1 && code >= 400 {
		return h.fail(w, rq, code, l)
	}
	hdr := w.Header()
	addHeaders(hdr, rq.out)
	if len(hdr.Values("Content-Type")) == 0 {
		lc := h.conf(l)
		if ct := lc.types.typeFor(rq.uri, lc.defaultType); ct != "" {
			hdr.Set("Content-Type", ct)
		} else {
			hdr["Content-Type"] = nil
		}
	}
	hdr.Set("Content-Length", strconv.Itoa(len(text)))
	hw := h.hook(w, rq, l, remapErrStatus)
	hw.WriteHeader(code)
	if rq.method != http.MethodHead {
		io.WriteString(hw, text)
	}
	if rq.errStatus != 0 {
		code = rq.errStatus
	}
	return done(code)
}

// absolute is what the header filter does to a Location that starts with
// '/' (absolute_redirect on).
func (h *Handler) absolute(rq *request, target string) string {
	if strings.HasPrefix(target, "/") {
		return absoluteBase(rq.r) + target
	}
	return target
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
func (h *Handler) charsetFilter(hdr http.Header, rq *request, lc *locConf, status int) {
	vs := hdr.Values("Content-Type")
	if len(vs) == 0 || vs[0] == "" {
		return
	}
	ct := vs[0]
	if status == http.StatusPartialContent && strings.HasPrefix(ct, "multipart/byteranges") {
		return // the range filter comes after the charset filter
	}
	typeLen, cs := splitCharset(ct)
	var dst string
	if rq.charset != "" {
		if !h.charsets[strings.ToLower(rq.charset)] {
			if rq.tracing {
				rq.trace = append(rq.trace, "unknown charset to override: "+rq.charset)
			}
			return
		}
		dst = rq.charset
	} else {
		d := lc.charset
		if d == nil || d.Arg(0) == "off" || strings.Contains(d.Arg(0), "$") {
			return
		}
		if cs != "" {
			if !flagOn(lc.levels, "override_charset") {
				return
			}
		} else if !charsetTypeMatch(lc.levels, ct[:typeLen]) {
			return
		}
		dst = d.Arg(0)
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
			return
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
		set() // and nginx recodes the body, which is not emulated
	default:
		if rq.tracing {
			rq.trace = append(rq.trace, fmt.Sprintf("no charset_map between %q and %q", src, dst))
		}
	}
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
			return false
		}
		return true
	}
	root.Walk(visit)
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
	if name, ok := onlyVariable(v); ok {
		return h.variable(rq, name)
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

// onlyVariable reports whether v is one variable and nothing else ("$name"
// or "${name}"), and returns its name.
func onlyVariable(v string) (string, bool) {
	if len(v) < 2 || v[0] != '$' {
		return "", false
	}
	name := v[1:]
	if name[0] == '{' {
		if name[len(name)-1] != '}' {
			return "", false
		}
		name = name[1 : len(name)-1]
	}
	if name == "" {
		return "", false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return "", false
		}
	}
	return name, true
}

func (h *Handler) variable(rq *request, name string) string {
	r := rq.r
	if v, ok := rq.vars[name]; ok {
		return v
	}
	if v, ok := captureVar(rq, name); ok {
		return v
	}
	if m, ok := h.maps[name]; ok {
		return h.mapValue(rq, m)
	}
	if vv, ok := r.Context().Value(vhostKey{}).(*vhostVars); ok {
		if v, ok := vv.vars[name]; ok {
			return v
		}
	}
	switch name {
	case "remote_user":
		user, _, _ := basicCredentials(r)
		return user
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
		// The host as nginx keeps it (lower case, no port, no trailing
		// dot), else the chosen server's name.
		if host := serverName(r.Host); host != "" {
			return host
		}
		if vv, ok := r.Context().Value(vhostKey{}).(*vhostVars); ok {
			return vv.name
		}
		return h.srv.NameOf("")
	case "http_host":
		return r.Host
	case "scheme":
		return scheme(r)
	case "server_name":
		return h.srv.NameOf("")
	case "remote_addr":
		return remoteAddr(r)
	case "proxy_host":
		return rq.proxyHost
	case "proxy_add_x_forwarded_for":
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			return xff + ", " + remoteAddr(r)
		}
		return remoteAddr(r)
	case "request_body":
		// In memory only, as nginx has it (not_found for a body in a file).
		if rq.bodyRead && rq.bodyFile == nil {
			return string(rq.body)
		}
		return ""
	case "request_body_file":
		return rq.bodyPath
	case "request_filename":
		p, _ := h.path(rq, rq.loc, rq.uri, rq.caps)
		return p
	case "document_root":
		return h.docRoot(rq, rq.loc, rq.caps)
	case "content_type":
		return r.Header.Get("Content-Type")
	case "content_length":
		return contentLength(rq)
	case "fastcgi_script_name", "fastcgi_path_info":
		return h.fcgiVariable(rq, name)
	case "server_protocol":
		return r.Proto
	case "remote_port":
		return remotePort(r)
	case "server_addr":
		a, _ := serverAddrPort(r)
		return a
	case "server_port":
		_, p := serverAddrPort(r)
		return p
	case "https":
		if r.TLS != nil {
			return "on"
		}
		return ""
	case "nginx_version":
		return nginxVersion
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
		v, _ := rq.upstream.First(http.CanonicalHeaderKey(strings.ReplaceAll(name[14:], "_", "-")))
		return v
	case strings.HasPrefix(name, "cookie_"):
		if c, err := r.Cookie(name[7:]); err == nil {
			return c.Value
		}
	}
	return ""
}
