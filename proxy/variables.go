//go:build unix

package proxy

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/xaccel/xaccel/nginx"
	"github.com/xaccel/xaccel/proxy/internal/http1"
)

// Variables: the values nginx gives $name in a directive's argument.

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

// hostname is $hostname: the machine's name, lower-cased, as nginx reads
// it at start.
var hostname = sync.OnceValue(func() string {
	n, _ := os.Hostname()
	return strings.ToLower(n)
})

// remoteAddr is the client address without the port.
func remoteAddr(r *http.Request) string {
	if r.RemoteAddr == "unix:" {
		return "unix:" // a client of a unix socket
	}
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
	return h.expandEach(rq, v, nil)
}

// expandEach is expand with each variable's name and value passed through
// each (when not nil) before it is written: the access log escapes them.
func (h *Handler) expandEach(rq *request, v string, each func(name, value string) string) string {
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
		if !brace && k < len(v) && v[k] >= '1' && v[k] <= '9' {
			// ngx_http_script_compile: $ and a digit 1 to 9 is that
			// capture alone, whatever follows ("$1s", "$12").
			k++
		} else {
			for k < len(v) && (v[k] == '_' || v[k] >= 'a' && v[k] <= 'z' || v[k] >= 'A' && v[k] <= 'Z' || v[k] >= '0' && v[k] <= '9') {
				k++
			}
		}
		name := v[j:k]
		if brace && k < len(v) && v[k] == '}' {
			k++
		}
		val := h.variable(rq, name)
		if each != nil {
			val = each(name, val)
		}
		b.WriteString(val)
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
	if name == "" || len(name) > 1 && v[1] >= '1' && v[1] <= '9' {
		return "", false // "$12": capture 1 and "2" (see expandEach)
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return "", false
		}
	}
	return name, true
}

// keepVariable keeps v as the value of the variable name for the rest of
// rq and returns it. nginx keeps the value of an indexed variable in
// r->variables once it is evaluated (ngx_http_get_flushed_variable reads
// it again only for a variable flagged NGX_HTTP_VAR_NOCACHEABLE), and an
// internal redirect (ngx_http_internal_redirect, a named location, an
// X-Accel-Redirect, an error_page) does not clear it: map (unless
// volatile), geo, split_clients, $secure_link, $secure_link_expires and
// $invalid_referer keep
// the value they had where they were first read, even in a location
// that would give them another.
func (rq *request) keepVariable(name, v string) string {
	if rq.cached == nil {
		rq.cached = map[string]string{}
	}
	rq.cached[name] = v
	return v
}

// sharedCache is rq's kept values for a subrequest to share (made now if
// rq has none yet, so that what the subrequest keeps, rq sees).
func (rq *request) sharedCache() map[string]string {
	if rq.cached == nil {
		rq.cached = map[string]string{}
	}
	return rq.cached
}

func (h *Handler) variable(rq *request, name string) string {
	r := rq.r
	if v, ok := rq.vars[name]; ok {
		return v
	}
	if v, ok := captureVar(rq, name); ok {
		return v
	}
	if v, ok := rq.cached[name]; ok {
		return v
	}
	if m, ok := h.maps[name]; ok {
		v := h.mapValue(rq, m)
		if !m.volatile {
			rq.keepVariable(name, v)
		}
		return v
	}
	if g, ok := h.geos[name]; ok {
		return rq.keepVariable(name, h.geoValue(rq, g))
	}
	if s, ok := h.splits[name]; ok {
		return rq.keepVariable(name, h.splitValue(rq, s))
	}
	if vv, ok := r.Context().Value(vhostKey{}).(*vhostVars); ok {
		if v, ok := vv.vars[name]; ok {
			return v
		}
	}
	if v, ok := logTime(name, time.Now()); ok {
		return v
	}
	if v, ok := rq.upVar(name); ok {
		return v
	}
	switch name {
	case "body_bytes_sent":
		if rq.client != nil {
			return strconv.FormatInt(bodyBytesSent(rq.client), 10)
		}
		return strconv.FormatInt(rq.bodySent, 10)
	case "bytes_sent":
		if rq.client != nil {
			return strconv.FormatInt(bytesSent(rq.client), 10)
		}
		return "0"
	case "request_length":
		if rq.client != nil {
			return strconv.FormatInt(requestLength(rq.client), 10)
		}
		return "0"
	case "pipe":
		if rq.client != nil && pipelined(rq.client) {
			return "p"
		}
		return "."
	case "connections_active", "connections_reading", "connections_writing", "connections_waiting":
		return connectionsVariable(r, name)
	case "tcpinfo_rtt", "tcpinfo_rttvar", "tcpinfo_snd_cwnd", "tcpinfo_rcv_space":
		// TCP_INFO of the client's connection, read now.
		if rq.client == nil {
			return ""
		}
		ti, ok := connTCPInfo(rq.client)
		if !ok {
			return ""
		}
		v := map[string]uint32{"tcpinfo_rtt": ti.RTT, "tcpinfo_rttvar": ti.RTTVar,
			"tcpinfo_snd_cwnd": ti.SndCwnd, "tcpinfo_rcv_space": ti.RcvSpace}[name]
		return strconv.FormatUint(uint64(v), 10)
	case "date_local", "date_gmt":
		return ssiDate(rq, name == "date_gmt")
	case "limit_req_status":
		return rq.mainRequest().limitReqStatus
	case "limit_conn_status":
		return rq.mainRequest().limitConnStatus
	case "request_completion":
		// "OK" once the request is done (the access log), when its
		// response went out whole.
		if rq.completed {
			return "OK"
		}
		return ""
	case "request":
		if r.Method == "" {
			return ""
		}
		return r.Method + " " + r.RequestURI + " " + r.Proto
	case "request_time":
		if rq.start.IsZero() {
			return "0.000"
		}
		d := time.Since(rq.start)
		return fmt.Sprintf("%d.%03d", d/time.Second, d%time.Second/time.Millisecond)
	case "status":
		// ngx_http_variable_status: the error being answered, else the
		// status being sent, else 000 (nothing decided yet).
		st := rq.errStatus
		if st == 0 {
			st = rq.status
		}
		return fmt.Sprintf("%03d", st)
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
		return requestURIVar(r)
	case "request_method":
		// The main request's (ngx_http_variable_request_method reads
		// r->main->method_name): a subrequest's GET is not it.
		return rq.mainRequest().method
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
		// The Host header line (r->headers_in.host), not the host of an
		// absolute-form request target, which only picks the server.
		if v, ok := r.Header["Host"]; ok {
			return v[0]
		}
		if !strings.HasPrefix(r.RequestURI, "/") && strings.Contains(r.RequestURI, "://") {
			return ""
		}
		return r.Host
	case "scheme":
		return scheme(r)
	case "server_name":
		return h.srv.NameOf("")
	case "remote_addr":
		return remoteAddr(r)
	case "proxy_host":
		return rq.proxyHost
	case "proxy_port":
		return rq.proxyPort
	case "limit_rate":
		return strconv.FormatInt(rq.limitRate, 10)
	case "proxy_add_x_forwarded_for":
		if xff := strings.Join(r.Header["X-Forwarded-For"], ", "); xff != "" {
			return xff + ", " + remoteAddr(r)
		}
		return remoteAddr(r)
	case "http_cookie":
		// nginx joins the headers it knows to be lists (1.22: Cookie
		// with "; ", X-Forwarded-For with ", "); any other gives its first.
		return strings.Join(r.Header["Cookie"], "; ")
	case "http_x_forwarded_for":
		return strings.Join(r.Header["X-Forwarded-For"], ", ")
	case "request_body":
		// In memory only, as nginx has it (not_found for a body in a file).
		if rq.bodyRead && rq.bodyFile == nil {
			return string(rq.body)
		}
		return ""
	case "request_body_file":
		return rq.bodyPath
	case "request_filename":
		if h.aliasRewritten(rq, rq.loc) {
			return "" // ngx_http_map_uri_to_path refuses, and says so
		}
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
	case "connection", "connection_requests", "connection_time":
		ci := http1.Conn(r)
		switch {
		case ci == nil:
			return ""
		case name == "connection":
			return strconv.FormatUint(ci.Serial, 10)
		case name == "connection_time":
			d := time.Since(ci.Start)
			return fmt.Sprintf("%d.%03d", d/time.Second, d%time.Second/time.Millisecond)
		}
		return strconv.Itoa(ci.Requests)
	case "proxy_protocol_addr", "proxy_protocol_port", "proxy_protocol_server_addr", "proxy_protocol_server_port":
		// What the PROXY protocol header said (listen ... proxy_protocol).
		ci := http1.Conn(r)
		if ci == nil || ci.Proxy == nil {
			return ""
		}
		port := func(p string) string {
			if p == "0" {
				return "" // a port only from 1 to 65535
			}
			return p
		}
		switch name {
		case "proxy_protocol_addr":
			return ci.Proxy.SrcAddr
		case "proxy_protocol_port":
			return port(ci.Proxy.SrcPort)
		case "proxy_protocol_server_addr":
			return ci.Proxy.DstAddr
		}
		return port(ci.Proxy.DstPort)
	case "realip_remote_addr", "realip_remote_port":
		orig := r.RemoteAddr
		if rq.realIP != "" {
			orig = rq.realIP
		}
		host, port, err := net.SplitHostPort(orig)
		if err != nil {
			host, port = orig, ""
		}
		if name == "realip_remote_port" {
			return port
		}
		return host
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
	case "hostname":
		return hostname()
	case "http2":
		return "" // serve speaks HTTP/1.x only: never "h2"

	case "pid":
		return strconv.Itoa(os.Getpid())
	case "binary_remote_addr":
		// The address's bytes, 4 for IPv4 and 16 for IPv6.
		if a, err := netip.ParseAddr(remoteAddr(r)); err == nil {
			return string(a.Unmap().AsSlice())
		}
		return ""
	case "request_id":
		if rq.requestID == "" {
			var b [16]byte
			rand.Read(b[:])
			rq.requestID = hex.EncodeToString(b[:])
		}
		return rq.requestID
	case "secure_link":
		return rq.keepVariable(name, h.secureLink(rq))
	case "secure_link_expires":
		// The expiry the module's context holds (set when $secure_link
		// was evaluated with one, since the last internal redirect), kept
		// from its first read, empty included, as $secure_link is.
		return rq.keepVariable(name, rq.secureLinkExpires)
	case "realpath_root":
		p, err := filepath.EvalSymlinks(h.docRoot(rq, rq.loc, rq.caps))
		if err != nil {
			return ""
		}
		return p
	case "invalid_referer":
		ref, ok := firstHeader(r, "Referer")
		if h.conf(rq.loc).referer.invalid(ref, ok) {
			return rq.keepVariable(name, "1")
		}
		return rq.keepVariable(name, "")
	}
	switch {
	case strings.HasPrefix(name, "ssl_"):
		v, _ := sslVariable(r, name[4:])
		return v
	case strings.HasPrefix(name, "http_"):
		return headerVar(r, name[5:])
	case strings.HasPrefix(name, "sent_http_"):
		// The response header being sent (while the header filters run).
		key := http.CanonicalHeaderKey(strings.ReplaceAll(name[10:], "_", "-"))
		if key == "Content-Type" && rq.sentType != "" {
			return rq.sentType
		}
		if vs := rq.sent[key]; len(vs) > 0 && !slices.Contains(rq.notYet, key) {
			if key == "Cache-Control" || key == "Link" {
				return strings.Join(vs, ", ")
			}
			return vs[0]
		}
		return ""
	case strings.HasPrefix(name, "sent_trailer_"):
		// The trailer add_trailer gives the response, sent or not (an
		// HTTP/1.0 client gets none).
		key := strings.ReplaceAll(name[len("sent_trailer_"):], "_", "-")
		for _, f := range rq.trailers {
			if strings.EqualFold(f[0], key) {
				return f[1]
			}
		}
		return ""
	case strings.HasPrefix(name, "upstream_cookie_") && rq.upstream != nil:
		for _, hl := range rq.upstream.Lines {
			if hl.Key != "Set-Cookie" || hl.Dup {
				continue
			}
			if k, v, ok := strings.Cut(strings.SplitN(hl.Value, ";", 2)[0], "="); ok && strings.TrimSpace(k) == name[16:] {
				return strings.TrimSpace(v)
			}
		}
		return ""
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

// knownHeaderVars are the $http_ variables nginx reads from
// r->headers_in by name (ngx_http_core_variables): a line whose name
// differs from the header's in '-' and '_' is not one of them.
var knownHeaderVars = map[string]bool{"user_agent": true, "referer": true, "via": true}

// headerVar is $http_NAME for a header other than those variables.go
// names: the first line whose name, lower-cased and with '-' read as
// '_', is NAME (ngx_http_variable_unknown_header), so "X_Foo" and
// "X-Foo" both give $http_x_foo.
func headerVar(r *http.Request, name string) string {
	if lines, ok := http1.HeaderLines(r); ok && !knownHeaderVars[name] {
		for _, hl := range lines {
			if _, kept := r.Header[http.CanonicalHeaderKey(hl.Name)]; !kept || len(hl.Name) != len(name) {
				continue
			}
			i := 0
			for ; i < len(name); i++ {
				c := hl.Name[i]
				if c >= 'A' && c <= 'Z' {
					c |= 0x20
				} else if c == '-' {
					c = '_'
				}
				if c != name[i] {
					break
				}
			}
			if i == len(name) {
				return hl.Value
			}
		}
		return ""
	}
	return r.Header.Get(strings.ReplaceAll(name, "_", "-"))
}
