//go:build unix

// Package proxy is the engine of `xaccel serve`: an http.Handler built from
// the nginx model that answers requests the way nginx would for one server
// block: location choice, internal, return, proxy_pass to the app, the
// X-Accel-Redirect internal redirect with the headers nginx keeps,
// error_page, the charset filter and static files.
package proxy

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/xaccel/xaccel/proxy/internal/upstream"

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
	// AllowUnemulated names access directives serve does not emulate
	// (auth_jwt, ..., and "if" for an if block it does not
	// emulate that refuses requests) that New accepts all the same;
	// without it, any of them makes New fail (see access.go).
	AllowUnemulated []string
	// ConfPrefix is nginx's configuration prefix, where relative
	// auth_basic_user_file paths start ("" : the main file's directory).
	ConfPrefix string

	// zones are the limit_req zones every server of the configuration
	// shares (NewFront makes them once; New alone, for its one server).
	zones *limitZones
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
	// tls is the server's TLS settings where nginx speaks TLS for it
	// (Front.SetupTLS), for ssl_verify_client.
	tls  *serverTLS
	pool *upstream.Pool // kept upstream connections (upstream keepalive)
	// charsets are the charsets nginx knows (lower-cased), charsetMaps
	// the pairs a charset_map links, both ways.
	charsets    map[string]bool
	charsetMaps map[[2]string]bool
	// charsetTables recode between two single-byte charsets of a
	// charset_map, by (source, destination).
	charsetTables map[[2]string]*[256]byte
	// confs are the settings of each location, serverConf those of the
	// server level (see locConf).
	confs      map[*nginx.Location]*locConf
	serverConf *locConf
	// underscoresInHeaders and ignoreInvalidHeaders are the server's
	// settings of those directives (defaults off and on): how Server
	// reads request header names.
	underscoresInHeaders bool
	ignoreInvalidHeaders bool
	// maxHeaders is the server's max_headers (1000 unless set).
	maxHeaders int
	// zones are the configuration's limit_req zones (Options.zones).
	zones *limitZones
	// upstreamSessions are the TLS sessions of proxy_pass https://
	// (proxy_ssl_session_reuse).
	upstreamSessions upstreamSessions
	// prefix is nginx's configuration prefix: the main file's directory.
	prefix string
	// serverRewrites is set when the server block has rewrite directives
	// of its own (the server-rewrite phase).
	serverRewrites bool
	// maps are the http level's map variables, by name.
	maps map[string]*mapDef
	// geos are the geo blocks of the http level, by variable name.
	geos map[string]*geoDef
	// splits are the split_clients blocks, by variable name.
	splits map[string]*splitDef
	// mergeSlashes is merge_slashes (on by default): how the request
	// target becomes $uri.
	mergeSlashes bool
	// logs are the access_log formats and files.
	logs *accessLogs
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
	"add_trailer": true, "add_header_inherit": true, "add_trailer_inherit": true, "chunked_transfer_encoding": true, "max_headers": true,
	"limit_req": true, "limit_req_zone": true, "limit_req_status": true, "limit_req_log_level": true,
	"limit_req_dry_run": true, "limit_conn": true, "limit_conn_zone": true, "limit_conn_status": true,
	"limit_conn_log_level": true, "limit_conn_dry_run": true, "secure_link": true, "secure_link_md5": true,
	"secure_link_secret": true, "proxy_ssl_server_name": true, "proxy_ssl_name": true, "proxy_ssl_verify": true,
	"proxy_ssl_trusted_certificate": true, "proxy_ssl_verify_depth": true, "proxy_ssl_protocols": true,
	"proxy_ssl_session_reuse": true, "stub_status": true, "proxy_ssl_certificate": true, "proxy_ssl_certificate_key": true,
	"absolute_redirect": true, "port_in_redirect": true, "server_name_in_redirect": true,
	"proxy_method": true, "proxy_pass_request_headers": true, "proxy_pass_request_body": true, "proxy_set_body": true,
	"max_ranges": true, "if_modified_since": true, "merge_slashes": true,
	"large_client_header_buffers": true, "client_header_buffer_size": true,
	"set_real_ip_from": true, "real_ip_header": true, "real_ip_recursive": true,
	"index": true, "autoindex": true, "autoindex_format": true, "autoindex_exact_size": true,
	"autoindex_localtime": true, "types": true, "default_type": true, "include": true, "try_files": true,
	"access_log": true, "error_log": true, "proxy_redirect": true, "proxy_http_version": true,
	"proxy_buffering": true, "proxy_read_timeout": true, "proxy_connect_timeout": true,
	"proxy_send_timeout": true, "client_max_body_size": true, "sendfile": true, "tcp_nopush": true,
	"tcp_nodelay": true, "keepalive_timeout": true, "gzip": true, "charset": true,
	"server_tokens": true, "msie_refresh": true, "valid_referers": true, "log_not_found": true,
	"sub_filter": true, "sub_filter_once": true, "sub_filter_types": true, "sub_filter_last_modified": true,
	"fastcgi_keep_conn": true, "proxy_force_ranges": true, "fastcgi_force_ranges": true, "uwsgi_force_ranges": true,
	"ssi": true, "ssi_types": true, "ssi_silent_errors": true, "ssi_last_modified": true,
	"ssi_value_length": true, "ssi_min_file_chunk": true,
	"proxy_next_upstream": true, "proxy_next_upstream_tries": true, "proxy_next_upstream_timeout": true,
	"fastcgi_next_upstream": true, "fastcgi_next_upstream_tries": true, "fastcgi_next_upstream_timeout": true,
	"uwsgi_next_upstream": true, "uwsgi_next_upstream_tries": true, "uwsgi_next_upstream_timeout": true, "ssl_certificate": true, "ssl_certificate_key": true,
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
	"keepalive_requests": true, "keepalive_time": true, "keepalive_disable": true, "client_header_timeout": true, "client_body_timeout": true, "send_timeout": true,
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
	"charset_map": true, "addition_types": true, "gunzip": true,
	"etag": true, "msie_padding": true,
	"userid":          true,
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
	h := &Handler{srv: srv, opts: o, pool: upstream.NewPool(), prefix: ".", zones: o.zones}
	if h.zones == nil {
		h.zones = newLimitZones()
	}
	h.collectCharsets()
	h.buildConfs()
	if err := h.buildLimits(); err != nil {
		return nil, nil, err
	}
	h.underscoresInHeaders = flagOn(h.serverConf.levels, "underscores_in_headers")
	h.mergeSlashes = !flagOff(h.serverConf.levels, "merge_slashes")
	d := nearest(h.serverConf.levels, "ignore_invalid_headers")
	h.ignoreInvalidHeaders = d == nil || d.Arg(0) != "off"
	// Debian 12's nginx 1.22.1 (with its security updates, as nginx
	// 1.29.8) refuses a request of more than 1000 header lines by default.
	h.maxHeaders = defaultMaxHeaders
	if d := nearest(h.serverConf.levels, "max_headers"); d != nil {
		if n, err := strconv.Atoi(d.Arg(0)); err == nil && n >= 0 {
			h.maxHeaders = n
		}
	}
	switch {
	case o.ConfPrefix != "":
		h.prefix = o.ConfPrefix
	case cfg.Path != "" && cfg.Path != "-":
		h.prefix = filepath.Dir(cfg.Path)
	}
	if err := h.buildProxySSL(); err != nil {
		return nil, nil, err
	}
	h.bodyFileVar = usesVariable(srv, "request_body_file")
	h.serverRewrites = rewriteScript(srv.Dir)
	maps, mapWarns := collectMaps(srv)
	h.maps = maps
	geos, err := collectGeos(srv)
	if err != nil {
		return nil, nil, err
	}
	h.geos = geos
	splits, err := collectSplits(srv)
	if err != nil {
		return nil, nil, err
	}
	h.splits = splits
	warns, err := checkAccess(srv, o.AllowUnemulated, h.prefix)
	varWarns, varRefused, varNames := h.checkVariables(srv, o.AllowUnemulated)
	if len(varRefused) > 0 {
		ue, ok := err.(*UnemulatedError)
		if err == nil {
			ue, ok = &UnemulatedError{}, true
		}
		if ok {
			for len(ue.Names) < len(ue.Directives) {
				ue.Names = append(ue.Names, "")
			}
			ue.Directives = append(ue.Directives, varRefused...)
			ue.Names = append(ue.Names, varNames...)
			err = ue
		}
	}
	if err != nil {
		return nil, nil, err
	}
	warns = append(warns, varWarns...)
	warns = append(warns, mapWarns...)
	warns = append(warns, h.collectLogFormats()...)
	warns = append(warns, h.openErrorLogs()...)
	h.serverConf.errorLogs = h.errorLogsAt(h.serverConf.levels)
	for _, c := range h.confs {
		c.errorLogs = h.errorLogsAt(c.levels)
	}
	check := func(d *nginx.Directive) bool {
		if unemulatedAccess[d.Name] || d.Name == "if" && !pureIf(d) && refuses(d) || d.Name == "limit_except" {
			return false // checkAccess has judged it
		}
		if d.Name == "if" {
			if !pureIf(d) {
				warns = append(warns, Warning{Pos: d.Pos, Name: d.Name, Detail: "an if block holding other directives than rewrite, return, set, break, if and proxy_pass is skipped"})
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
			if strings.EqualFold(d.Arg(0), "utf-8") || strings.EqualFold(d.Arg(1), "utf-8") {
				warns = append(warns, Warning{Pos: d.Pos, Name: d.Name, Detail: "a map to or from utf-8: the body is not recoded"})
			}
		}
	}
	srv.Dir.Walk(check)
	return h, warns, nil
}

// partlyEmulated reports the forms of emulated directives that are not.
func partlyEmulated(d *nginx.Directive) (Warning, bool) {
	switch d.Name {
	case "rewrite":
		if _, err := nginx.CompileRegex(d.Arg(0), false); err != nil {
			return Warning{Pos: d.Pos, Name: d.Name, Detail: "a regular expression Go cannot run (look-around, back-references): requests reaching it get 500"}, true
		}
	case "proxy_redirect":
		if p := strings.TrimPrefix(strings.TrimPrefix(d.Arg(0), "~"), "*"); strings.HasPrefix(d.Arg(0), "~") {
			if _, err := nginx.CompileRegex(p, false); err != nil {
				return Warning{Pos: d.Pos, Name: d.Name, Detail: "a regular expression Go cannot run: the header is not rewritten"}, true
			}
		}
	case "source_charset":
		if strings.Contains(d.Arg(0), "$") {
			return Warning{Pos: d.Pos, Name: d.Name, Detail: "a charset from a variable"}, true
		}
	case "proxy_pass":
		if v := strings.ToLower(d.Arg(0)); !strings.HasPrefix(v, "http://") && !strings.HasPrefix(v, "https://") {
			return Warning{Pos: d.Pos, Name: d.Name, Detail: "only http:// and https:// upstreams"}, true
		}
	case "set_real_ip_from", "real_ip_header":
		if !realIPEmulated(d) {
			return Warning{Pos: d.Pos, Name: d.Name, Detail: "a host name: this one does not change the client's address"}, true
		}
	case "fastcgi_split_path_info":
		if _, err := nginx.CompileRegex(d.Arg(0), false); err != nil {
			return Warning{Pos: d.Pos, Name: d.Name, Detail: "a regular expression Go cannot run: $uri is not split"}, true
		}
	case "uwsgi_pass":
		if v := d.Arg(0); len(v) >= 9 && strings.EqualFold(v[:9], "suwsgi://") {
			return Warning{Pos: d.Pos, Name: d.Name, Detail: "suwsgi:// (uwsgi over TLS): requests answer 502"}, true
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
	// stepSearch is the location search again after a location's rewrite
	// changed the URI (NGX_HTTP_POST_REWRITE_PHASE goes to the find-config
	// phase): the server's rewrite directives do not run again.
	stepSearch
)

func done(status int) step { return step{kind: stepDone, status: status} }

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	uri, args, err := nginx.NormalizeRequestTarget(r.RequestURI, h.mergeSlashes)
	rq := &request{r: r, method: r.Method, uri: uri, args: args, out: http.Header{},
		unparsed: true, uriChanges: maxURIChanges, tracing: h.opts.Trace != nil, start: time.Now(), client: w}
	path, _, _ := strings.Cut(unparsedURI(r), "?")
	rq.quoted = strings.Contains(path, "%")
	rq.plus = strings.Contains(path, "+")
	_, hasLength := r.Header["Content-Length"]
	rq.hasBody = hasLength || len(r.TransferEncoding) > 0
	if err != nil {
		// nginx refuses such a target in ngx_http_process_request_uri,
		// while it reads the request line, before the header: the error
		// page and its variables ($http_*, $host) see no header field.
		rq.r = r.Clone(r.Context())
		rq.r.Header, rq.r.Host = http.Header{}, ""
	}
	h.applyRealIP(rq, h.serverConf.realIP) // NGX_HTTP_POST_READ_PHASE
	var first step
	if err != nil {
		// A target nginx rejects: 400, through a server-level error_page
		// if there is one.
		rq.uri, rq.args = "", ""
		first = h.fail(w, rq, http.StatusBadRequest, nil)
	} else if status := h.clientCertStatus(r); status != 0 {
		// ngx_http_process_request: the client's certificate, before
		// any phase.
		first = h.fail(w, rq, status, nil)
	} else {
		first = step{kind: stepURI}
	}
	status := h.process(w, rq, first)
	defer h.releaseConns(rq) // when the request's pool goes, after the log
	h.finishHeld(rq)
	if rq.trailerConf != nil {
		rq.trailers = h.trailers(rq, rq.trailerConf)
		setTrailers(w, rq.trailers)
	}
	h.logRequest(w, rq, status)
	if rq.bodyFile != nil {
		rq.bodyFile.Close()
		if rq.bodyPath != "" && !rq.bodyKept {
			os.Remove(rq.bodyPath)
		}
	}
	if h.opts.Trace != nil {
		fmt.Fprintf(h.opts.Trace, "%s %s %s -> %d\n", r.Method, r.RequestURI, strings.Join(rq.trace, " "), status)
	}
}

// defaultMaxHeaders is max_headers' default.
const defaultMaxHeaders = 1000

// reject answers a request that nginx refuses while reading it (see
// Server): status through an error_page of the server level, as
// ngx_http_finalize_request does then. r has what was read of the request
// (no method when the request line itself was refused).
func (h *Handler) reject(w http.ResponseWriter, r *http.Request, status int) {
	rq := &request{r: r, method: r.Method, out: http.Header{}, uriChanges: maxURIChanges,
		tracing: h.opts.Trace != nil, start: time.Now(), client: w}
	if r.RequestURI != "" {
		// The request line was read: nginx processed its URI before the
		// header (an error_page to a named location needs it).
		if uri, args, err := nginx.NormalizeRequestTarget(r.RequestURI, h.mergeSlashes); err == nil {
			rq.uri, rq.args = uri, args
		} else {
			// Refused with the request line, before the header was
			// read, whatever the header then had (see ServeHTTP).
			rq.r = r.Clone(r.Context())
			rq.r.Header, rq.r.Host = http.Header{}, ""
		}
	}
	final := h.process(w, rq, h.fail(w, rq, status, nil))
	h.logRequest(w, rq, final)
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
			// $uri, $args and the method stay; the configuration is the
			// named location's (r->loc_conf), not a matched if block's.
			l := s.named
			rq.inIf, rq.ifPass, rq.ifBlock = false, nil, nil
			if rq.tracing {
				rq.trace = append(rq.trace, "["+l.String()+"]")
			}
			s = h.content(w, rq, l)
			continue
		}
		rq.loc = nil
		if s.kind != stepSearch {
			// r->valid_location is set again by an internal redirect, not
			// by the search after a location's rewrite
			rq.invalidLocation = false
		}
		rq.addURIToAlias, rq.inIf, rq.ifPass, rq.ifBlock = false, false, nil, nil
		if h.serverRewrites && s.kind != stepSearch {
			// NGX_HTTP_SERVER_REWRITE_PHASE: the server block's own
			// rewrite directives, before the location search.
			out, st := h.rewritePhase(w, rq, h.srv.Dir, nil)
			if out == rewriteDone {
				s = st
				continue
			}
		}
		// NGX_HTTP_FIND_CONFIG_PHASE: r->uri_changed = 0
		rq.uriChanged = false
		l, caps, redirect := h.srv.Lookup(rq.uri)
		if caps != nil {
			rq.caps = caps
			outerNamedCaptures(rq, l)
			if l != nil && l.Re != nil && len(l.Re.SubexpNames()) == len(caps) {
				nameCaptures(rq, l.Re, caps)
			}
		}
		if rq.tracing {
			rq.trace = append(rq.trace, "["+locName(l)+"]")
		}
		// The location's configuration is the request's from here
		// (ngx_http_update_location_config, before the checks below):
		// the answers they give see its variables ($request_filename).
		rq.loc = l
		switch {
		case l != nil && l.Internal() != nil && !rq.internal:
			s = h.fail(w, rq, http.StatusNotFound, l)
		case h.tooLarge(rq, l):
			// ngx_http_core_find_config_phase: the Content-Length
			// against the location's client_max_body_size, at every
			// search, internal redirects (error_page, X-Accel-Redirect)
			// included: nginx 1.22 checks the length the client gave
			// until the body is discarded, which only a final answer
			// does.
			s = h.fail(w, rq, http.StatusRequestEntityTooLarge, l)
		case redirect:
			target := escapeURI(rq.uri) + "/"
			if rq.args != "" {
				target += "?" + rq.args
			}
			if errorPageFor(h.conf(l).levels, http.StatusMovedPermanently) != nil {
				rq.relLocation = target
				w.Header().Set("Location", target)
			} else {
				w.Header().Set("Location", h.redirectBase(rq, l)+target)
			}
			s = h.fail(w, rq, http.StatusMovedPermanently, l)
		default:
			s = h.content(w, rq, l)
		}
	}
}

// content runs the content handler of location l (nil: the server level).
func (h *Handler) content(w http.ResponseWriter, rq *request, l *nginx.Location) step {
	lc := h.conf(l)
	rq.loc = l
	setLimits(w, &lc.limits)
	// A method limit_except does not name runs with the limit_except
	// block's configuration (ngx_http_update_location_config), which has
	// no rewrite directives of its own: the location's return, rewrite,
	// set and if do not run for it (serve takes only access directives in
	// the block).
	if lc.rewrites && !lc.limited(rq.method) {
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
			return step{kind: stepSearch}
		}
	}
	h.applyRealIP(rq, lc.realIP) // NGX_HTTP_PREACCESS_PHASE
	if s, refused := h.limitReq(w, rq, l, lc); refused {
		return s
	}
	if s, refused := h.limitConn(w, rq, l, lc); refused {
		return s
	}
	if s, refused := h.accessPhase(w, rq, l); refused {
		return s
	}
	handler := lc.handler
	if rq.ifPass != nil {
		handler = rq.ifPass
	}
	if handler != nil && handler.Name == "return" {
		handler = nil // a return the rewrite phase did not reach
	}
	switch {
	case handler == nil:
		return h.doFiles(w, rq, l, rq.caps)
	case handler.Name == "proxy_pass":
		return h.doProxy(w, rq, l, handler)
	case handler.Name == "stub_status":
		return h.stubStatus(w, rq, l)
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
	rq.clearModuleContexts()
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
	if rq.uri == "" {
		// ngx_http_named_location, after a rewrite to an empty URI
		h.logError(rq, h.conf(l), logErr, nil, fmt.Sprintf("empty URI in redirect to named location \"%s\"", name))
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
	rq.clearModuleContexts()
	return step{kind: stepNamed, named: named}
}

// clearModuleContexts forgets what the modules keep for a request until an
// internal redirect (ngx_http_internal_redirect and
// ngx_http_named_location clear r->ctx): fastcgi_split_path_info's split
// and secure_link's expiry.
func (rq *request) clearModuleContexts() {
	rq.fcgiScript, rq.fcgiInfo = "", ""
	rq.secureLinkExpires = ""
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
