//go:build unix

package proxy

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xaccel/xaccel/proxy/internal/http1"
	"github.com/xaccel/xaccel/proxy/internal/upstream"
	"github.com/xaccel/xaccel/proxy/internal/wire"

	"github.com/xaccel/xaccel/nginx"
)

// locConf is what the settings of one location (or of the server level)
// come to once inheritance is resolved. nginx merges its configuration at
// start-up; New does the same once per location, so that a request only
// reads the result.
type locConf struct {
	levels   []*nginx.Directive // innermost first (Location.Levels)
	handler  *nginx.Directive   // Location.Handler (nil at the server level)
	tryFiles *nginx.Directive   // the location's own try_files

	// The static handler's Content-Type: the types table in effect
	// (TypeFor) and the default_type that applies when it has no entry.
	types       *Types
	defaultType string

	// The headers filter and the charset filter.
	expires   *nginx.Directive
	addHeader []*nginx.Directive
	// addTrailer are the add_trailer directives in effect (inherited as
	// add_header's are: from the nearest level that has any).
	addTrailer []*nginx.Directive
	// proxySSL is the proxy_ssl_* settings where proxy_pass may be https
	// (nil elsewhere).
	proxySSL *proxySSL
	// limitReq and limitConn are limit_req's and limit_conn's settings
	// (nil: none applies).
	limitReq  *reqLimitsConf
	limitConn *connLimitsConf
	charset   *nginx.Directive

	// client_max_body_size (0: no limit).
	maxBody int64
	// bufferSize is proxy_buffer_size: the most an app's response header
	// may take.
	bufferSize int
	// bodyBuffer is client_body_buffer_size: the part of a request body
	// kept in memory; the rest goes to a temporary file.
	bodyBuffer int
	// bodyInFile is client_body_in_file_only (on or clean): every body
	// goes to a file; bodyKeep (on) leaves the file after the request, as
	// nginx leaves it in its client_body_temp_path.
	bodyInFile, bodyKeep bool
	// requestBuffering is proxy_request_buffering (on by default): off
	// sends the body to the app as it arrives.
	requestBuffering bool
	timeouts         upstream.Timeouts

	// error_page.
	errorPages          bool // some error_page is in effect
	recursiveErrorPages bool

	// The proxy module.
	proxySetHeader []*nginx.Directive
	proxySetLower  []string // their names, lower-cased
	proxyHTTP11    bool     // proxy_http_version 1.1
	// proxyMethod is proxy_method (nil: the request's method);
	// passHeaders and passBody are proxy_pass_request_headers and
	// proxy_pass_request_body (on by default).
	proxyMethod           *nginx.Directive
	realIP                *realIPConf        // set_real_ip_from and its settings
	accessLogs            []*nginx.Directive // the access_log directives in effect
	passHeaders, passBody bool
	// setBody is proxy_set_body: the body the app gets in place of the
	// client's.
	setBody         *nginx.Directive
	interceptErrors bool
	forceRanges     bool
	ignoreRedirect  bool // proxy_ignore_headers X-Accel-Redirect
	ignoreCharset   bool // proxy_ignore_headers X-Accel-Charset
	passHeader      []*nginx.Directive
	hideHeader      []*nginx.Directive
	pass            *passConf
	// fcgi and uwsgi are the FastCGI and uwsgi modules' (fastcgi.go).
	fcgi, uwsgi *fcgiConf

	access accessConf
	// limits are the connection's timeouts and keepalive limits while the
	// location answers.
	limits http1.Limits
	// rewrites is set when the location has rewrite directives of its own.
	rewrites bool
	// limitExcept is the location's limit_except (nil: none), and
	// limitAccess the access configuration of its block.
	limitExcept *nginx.Directive
	limitAccess *accessConf
	// symlinks is the disable_symlinks in effect (nil: off).
	symlinks *nginx.Directive
	// page is server_tokens and msie_refresh.
	page pageSettings
	// next is proxy_next_upstream.
	next nextUpstream
	// ssi is the SSI filter's settings (ssi.go), sub sub_filter's
	// (subfilter.go).
	ssi ssiConf
	sub subConf
	// proxyCache is set where proxy_cache is on, with the methods it
	// caches (proxy_cache_methods; GET and HEAD always).
	proxyCache        bool
	proxyCacheMethods map[string]bool
	// referer is valid_referers (nil: none).
	referer *refererConf
	// errorLogs are the error_log targets in effect (errorlog.go), set
	// once the logs are open; logNotFound is log_not_found (on by
	// default).
	errorLogs   []errorLog
	logNotFound bool
}

// passConf is a proxy_pass whose URL has no variables, parsed and
// resolved once (ngx_http_proxy_pass does it while reading the
// configuration in that case).
type passConf struct {
	target passTarget
	ok     bool // the URL parsed
	dest   upstreamDest
	err    error // from resolveUpstream
}

// limited reports whether a request with method runs with the
// configuration of the location's limit_except block (a method it does not
// name), as ngx_http_update_location_config switches to it.
func (c *locConf) limited(method string) bool {
	return c.limitExcept != nil && !methodAllowed(c.limitExcept, method)
}

// newLocConf computes the settings for requests handled by l (nil: the
// server level).
func (h *Handler) newLocConf(l *nginx.Location) *locConf {
	c := &locConf{}
	if l == nil {
		c.levels = h.srv.Levels()
		// A request no location matches runs the server's own
		// configuration, try_files included (locations do not inherit it).
		c.tryFiles = h.srv.Dir.First("try_files")
	} else {
		c.levels = l.Levels()
		c.handler = l.Handler()
		c.tryFiles = l.Dir.First("try_files")
	}
	c.types, c.defaultType = typeTable(c.levels)
	c.expires = nearest(c.levels, "expires")
	c.addHeader = nginx.AddedHeaders(c.levels, "add_header").Lines
	c.addTrailer = nginx.AddedHeaders(c.levels, "add_trailer").Lines
	c.charset = nearest(c.levels, "charset")
	c.errorPages = len(nginx.Effective(c.levels, "error_page")) > 0
	c.recursiveErrorPages = flagOn(c.levels, "recursive_error_pages")
	c.maxBody = defaultMaxBody
	if d := nearest(c.levels, "client_max_body_size"); d != nil {
		if n, ok := parseSize(d.Arg(0)); ok {
			c.maxBody = n
		}
	}
	c.timeouts = upstream.Timeouts{
		Connect: timeoutOf(c.levels, "proxy_connect_timeout", upstreamTimeout),
		Send:    timeoutOf(c.levels, "proxy_send_timeout", upstreamTimeout),
		Read:    timeoutOf(c.levels, "proxy_read_timeout", upstreamTimeout),
	}
	c.bodyBuffer = defaultBodyBuffer
	if d := nearest(c.levels, "client_body_buffer_size"); d != nil {
		if n, ok := parseSize(d.Arg(0)); ok && n > 0 && n < 1<<30 {
			c.bodyBuffer = int(n)
		}
	}
	if d := nearest(c.levels, "client_body_in_file_only"); d != nil && d.Arg(0) != "off" {
		c.bodyInFile = true
		c.bodyKeep = d.Arg(0) == "on"
	}
	c.requestBuffering = true
	if d := nearest(c.levels, "proxy_request_buffering"); d != nil && d.Arg(0) == "off" {
		c.requestBuffering = false
	}
	c.realIP = realIPAt(c.levels)
	c.accessLogs = nginx.Effective(c.levels, "access_log")
	c.proxyMethod = nearest(c.levels, "proxy_method")
	c.passHeaders = !flagOff(c.levels, "proxy_pass_request_headers")
	c.passBody = !flagOff(c.levels, "proxy_pass_request_body")
	c.setBody = nearest(c.levels, "proxy_set_body")
	c.bufferSize = defaultBufferSize
	if d := nearest(c.levels, "proxy_buffer_size"); d != nil {
		if n, ok := parseSize(d.Arg(0)); ok && n > 0 && n < 1<<30 {
			c.bufferSize = int(n)
		}
	}
	c.access = newAccessConf(c.levels)
	c.limits = newConnLimits(c.levels)
	if l != nil {
		c.rewrites = rewriteScript(l.Dir)
	}
	if l != nil {
		// Only the location that holds it: nested locations do not
		// inherit a limit_except (checked with nginx 1.22).
		if d := l.Dir.First("limit_except"); d != nil {
			c.limitExcept = d
			ac := newAccessConf(append([]*nginx.Directive{d}, c.levels...))
			c.limitAccess = &ac
		}
	}
	c.symlinks = nearest(c.levels, "disable_symlinks")
	c.referer = refererAt(c.levels, h.srv)
	c.next = nextUpstreamAt(c.levels, "proxy_")
	c.ssi = ssiAt(c.levels)
	c.sub = subAt(c.levels)
	if d := nearest(c.levels, "proxy_cache"); d != nil && d.Arg(0) != "off" {
		c.proxyCache = true
		c.proxyCacheMethods = cacheMethods(c.levels, "proxy_cache_methods")
	}
	c.logNotFound = !flagOff(c.levels, "log_not_found")
	c.page = pageSettings{tokens: !flagOff(c.levels, "server_tokens"), msieRefresh: flagOn(c.levels, "msie_refresh")}
	c.proxySetHeader = nginx.Effective(c.levels, "proxy_set_header")
	for _, s := range c.proxySetHeader {
		c.proxySetLower = append(c.proxySetLower, strings.ToLower(s.Arg(0)))
	}
	if d := nearest(c.levels, "proxy_http_version"); d != nil && d.Arg(0) == "1.1" {
		c.proxyHTTP11 = true
	}
	c.interceptErrors = flagOn(c.levels, "proxy_intercept_errors")
	c.forceRanges = flagOn(c.levels, "proxy_force_ranges")
	c.ignoreRedirect = ignored(c.levels, "X-Accel-Redirect")
	c.ignoreCharset = ignored(c.levels, "X-Accel-Charset")
	c.passHeader = nginx.Effective(c.levels, "proxy_pass_header")
	c.hideHeader = nginx.Effective(c.levels, "proxy_hide_header")
	if d := c.handler; d != nil && d.Name == "proxy_pass" && !strings.Contains(d.Arg(0), "$") {
		p := &passConf{}
		p.target, p.ok = parsePass(d.Arg(0))
		if p.ok {
			p.dest, p.err = h.resolveUpstream(p.target)
		}
		c.pass = p
	}
	c.fcgi = h.newFCGIConf(c.levels, c.handler, "fastcgi")
	c.uwsgi = h.newFCGIConf(c.levels, c.handler, "uwsgi")
	return c
}

// newConnLimits are the client connection's timeouts and limits at
// levels (nginx's defaults unless the configuration sets them):
// client_header_timeout (taken from the address's default server),
// client_body_timeout between two reads of a body, send_timeout between two
// writes, keepalive_timeout (0: no keep-alive; a second value is sent as
// "Keep-Alive: timeout=N") and keepalive_requests.
func newConnLimits(levels []*nginx.Directive) http1.Limits {
	def := http1.DefaultLimits
	l := http1.Limits{
		Header:            timeoutOf(levels, "client_header_timeout", def.Header),
		Body:              timeoutOf(levels, "client_body_timeout", def.Body),
		Send:              timeoutOf(levels, "send_timeout", def.Send),
		Keepalive:         def.Keepalive,
		KeepaliveRequests: def.KeepaliveRequests,
	}
	if d := nearest(levels, "keepalive_timeout"); d != nil {
		if t, ok := parseTime(d.Arg(0)); ok {
			l.Keepalive = t
		}
		if t, ok := parseTime(d.Arg(1)); ok {
			l.KeepaliveHeader = t
		}
	}
	if d := nearest(levels, "keepalive_requests"); d != nil {
		if n, err := strconv.Atoi(d.Arg(0)); err == nil && n >= 0 {
			l.KeepaliveRequests = n
		}
	}
	l.KeepaliveTime = timeoutOf(levels, "keepalive_time", def.KeepaliveTime)
	l.HeaderFirst, l.HeaderLine, l.HeaderBuffers = def.HeaderFirst, def.HeaderLine, def.HeaderBuffers
	if d := nearest(levels, "client_header_buffer_size"); d != nil {
		if size, ok := parseSize(d.Arg(0)); ok && size > 0 && size <= 1<<20 {
			l.HeaderFirst = int(size)
		}
	}
	if d := nearest(levels, "large_client_header_buffers"); d != nil && len(d.Args) == 2 {
		n, err := strconv.Atoi(d.Arg(0))
		size, ok := parseSize(d.Arg(1))
		if err == nil && n > 0 && ok && size > 0 && size <= 1<<20 {
			l.HeaderLine, l.HeaderBuffers = int(size), n
		}
	}
	l.NoKeepaliveMSIE6, l.NoKeepaliveSafari = def.NoKeepaliveMSIE6, def.NoKeepaliveSafari
	if d := nearest(levels, "keepalive_disable"); d != nil {
		l.NoKeepaliveMSIE6, l.NoKeepaliveSafari = false, false
		for _, a := range d.Args {
			switch a {
			case "msie6":
				l.NoKeepaliveMSIE6 = true
			case "safari":
				l.NoKeepaliveSafari = true
			}
		}
	}
	l.NoChunked = flagOff(levels, "chunked_transfer_encoding")
	return l
}

// defaultMaxBody is client_max_body_size's default, 1m.
const defaultMaxBody = 1 << 20

// parseTime is ngx_parse_time for the usual forms: a number of seconds, or
// numbers with ms, s, m, h, d units in a row ("1m30s", "500ms").
func parseTime(s string) (time.Duration, bool) {
	if s == "" {
		return 0, false
	}
	var total time.Duration
	for s != "" {
		i := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		n, ok := wire.ParseDigits(s[:i])
		if !ok || n > 1<<31 {
			return 0, false
		}
		s = s[i:]
		unit := time.Second
		switch {
		case strings.HasPrefix(s, "ms"):
			unit, s = time.Millisecond, s[2:]
		case s == "":
		case s[0] == 's':
			s = s[1:]
		case s[0] == 'm':
			unit, s = time.Minute, s[1:]
		case s[0] == 'h':
			unit, s = time.Hour, s[1:]
		case s[0] == 'd':
			unit, s = 24*time.Hour, s[1:]
		default:
			return 0, false
		}
		total += time.Duration(n) * unit
	}
	return total, true
}

// timeoutOf is the duration of directive name at levels, or def.
func timeoutOf(levels []*nginx.Directive, name string, def time.Duration) time.Duration {
	if d := nearest(levels, name); d != nil {
		if t, ok := parseTime(d.Arg(0)); ok && t > 0 {
			return t
		}
	}
	return def
}

// parseSize is ngx_parse_size: a number of bytes, or of kilobytes,
// megabytes or gigabytes with k, m or g (either case).
func parseSize(s string) (int64, bool) {
	mult := int64(1)
	if n := len(s); n > 0 {
		switch s[n-1] {
		case 'k', 'K':
			mult, s = 1<<10, s[:n-1]
		case 'm', 'M':
			mult, s = 1<<20, s[:n-1]
		case 'g', 'G':
			mult, s = 1<<30, s[:n-1]
		}
	}
	n, ok := wire.ParseDigits(s)
	if !ok || n > (1<<62)/mult {
		return 0, false
	}
	return n * mult, true
}

// buildConfs computes the settings of every location of the server and of
// the server level.
func (h *Handler) buildConfs() {
	h.serverConf = h.newLocConf(nil)
	h.confs = map[*nginx.Location]*locConf{}
	for _, l := range h.srv.AllLocations() {
		h.confs[l] = h.newLocConf(l)
	}
}

// buildProxySSL reads the proxy_ssl_* settings of every location whose
// proxy_pass is https:// or has variables (it may be https then); a file
// nginx could not read stops serve as it stops nginx.
func (h *Handler) buildProxySSL() error {
	for _, c := range append([]*locConf{h.serverConf}, slices.Collect(maps.Values(h.confs))...) {
		d := c.handler
		if d == nil || d.Name != "proxy_pass" {
			continue
		}
		if v := d.Arg(0); !strings.Contains(v, "$") && (len(v) < 8 || !strings.EqualFold(v[:8], "https://")) {
			continue
		}
		p, err := newProxySSL(c.levels, h.prefix)
		if err != nil {
			return err
		}
		c.proxySSL = p
	}
	return nil
}

// buildLimits reads the limit_req and limit_conn zones of the http level
// and each location's settings of both; one nginx would refuse is an error.
func (h *Handler) buildLimits() error {
	if err := h.zones.readReqZones(h.serverConf.levels); err != nil {
		return err
	}
	if err := h.zones.readConnZones(h.serverConf.levels); err != nil {
		return err
	}
	for _, c := range append([]*locConf{h.serverConf}, slices.Collect(maps.Values(h.confs))...) {
		lr, err := h.zones.reqLimitsAt(c.levels)
		if err != nil {
			return err
		}
		c.limitReq = lr
		if c.limitConn, err = h.zones.connLimitsAt(c.levels); err != nil {
			return err
		}
	}
	return nil
}

// conf returns the settings for a request handled by l (nil: the server
// level).
func (h *Handler) conf(l *nginx.Location) *locConf {
	if l == nil {
		if h.serverConf != nil {
			return h.serverConf
		}
		return h.newLocConf(nil)
	}
	if c, ok := h.confs[l]; ok {
		return c
	}
	return h.newLocConf(l) // not a location of the server: not cached
}

// proxySets reports whether proxy_set_header names the header name (any
// case).
func (c *locConf) proxySets(name string) bool {
	for _, n := range c.proxySetLower {
		if strings.EqualFold(n, name) {
			return true
		}
	}
	return false
}

// isProxyHeader reports whether name (any case) is one of the request
// headers the proxy module sets itself (proxyHeaders); the client's are
// never passed.
func isProxyHeader(name string) bool {
	for _, ph := range proxyHeaders {
		if strings.EqualFold(ph[0], name) {
			return true
		}
	}
	return false
}

// ignored reports whether proxy_ignore_headers switches off the processing
// of header name.
func ignored(levels []*nginx.Directive, name string) bool {
	for _, d := range nginx.Effective(levels, "proxy_ignore_headers") {
		for _, a := range d.Args {
			if strings.EqualFold(a, name) {
				return true
			}
		}
	}
	return false
}

// hidden reports whether an upstream header is kept from the client:
// nginx's default list and proxy_hide_header, unless proxy_pass_header
// lets it through; Connection, Keep-Alive and Transfer-Encoding never go.
func (c *locConf) hidden(name string) bool {
	for _, hh := range neverCopied {
		if strings.EqualFold(hh, name) {
			return true
		}
	}
	for _, d := range c.passHeader {
		if strings.EqualFold(d.Arg(0), name) {
			return false
		}
	}
	for _, hname := range hiddenByDefault {
		if strings.EqualFold(hname, name) {
			return true
		}
	}
	for _, d := range c.hideHeader {
		if strings.EqualFold(d.Arg(0), name) {
			return true
		}
	}
	return false
}

// nearest returns the directive called name at the innermost level that
// has one (how nginx inherits single-value settings), or nil.
func nearest(levels []*nginx.Directive, name string) *nginx.Directive {
	for _, lv := range levels {
		if lv == nil {
			continue
		}
		if d := lv.First(name); d != nil {
			return d
		}
	}
	return nil
}

// flagOn reports whether the on|off directive name is on where levels
// apply.
func flagOn(levels []*nginx.Directive, name string) bool {
	d := nearest(levels, name)
	return d != nil && d.Arg(0) == "on"
}

// flagOff reports whether the on|off directive name is off where levels
// apply.
func flagOff(levels []*nginx.Directive, name string) bool {
	d := nearest(levels, name)
	return d != nil && d.Arg(0) == "off"
}
