package nginx

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// ctxMask is the set of configuration contexts a directive may be read in
// (the NGX_*_CONF bits of a command's type). When the set holds cUnknown
// (the top of an include snippet) or cOther (a stream or mail block, a
// third-party block), only the checks that hold in every context are made.
type ctxMask uint16

const (
	cMain    ctxMask = 1 << iota // top of nginx.conf (NGX_MAIN_CONF)
	cEvents                      // events {}
	cHTTP                        // http {}
	cServer                      // http server {}
	cLoc                         // location {}
	cSIf                         // if {} in a server
	cLIf                         // if {} in a location
	cLmt                         // limit_except {}
	cUps                         // http upstream {}
	cOther                       // a context the table does not model: stream, mail, a third-party block
	cUnknown                     // any context at all: the top of an include snippet
)

// dirSpec is where a directive may appear and what shape it takes: the
// contexts, whether it opens a block, and the number of arguments
// (max -1: no upper bound).
type dirSpec struct {
	ctx      ctxMask
	block    bool
	min, max int
}

func (s dirSpec) argsOK(n int) bool { return n >= s.min && (s.max < 0 || n <= s.max) }

func (s dirSpec) argsText() string {
	switch {
	case s.max < 0:
		return fmt.Sprintf("at least %d", s.min)
	case s.min == s.max:
		return strconv.Itoa(s.min)
	case s.max == s.min+1:
		return fmt.Sprintf("%d or %d", s.min, s.max)
	}
	return fmt.Sprintf("%d to %d", s.min, s.max)
}

// httpOnly are directives no stream, mail or third-party module defines
// under the same name, so their shape can be checked even where the
// context is unknown (the top of an include snippet).
var httpOnly = map[string]bool{
	"location": true, "alias": true, "root": true, "internal": true, "try_files": true,
	"if": true, "limit_except": true, "rewrite": true, "add_header": true, "expires": true,
	"index": true, "autoindex": true, "default_type": true,
}

var locationModifiers = map[string]bool{"=": true, "^~": true, "~": true, "~*": true}

// check reports the errors nginx -t raises while it reads the directives
// (ngx_conf_handler and the handlers of the core modules) that the scanner
// cannot see on its own: a directive in the wrong context, a block where
// none belongs or a missing one, a wrong number of arguments, and the
// location, root/alias, proxy_pass, map and geo rules.
func (l *loader) check() {
	top := cUnknown // an include snippet: it may be read anywhere
	if l.cfg.Kind == KindDump {
		top = cMain
	} else if l.cfg.Kind == KindMain {
		for _, d := range l.cfg.Root.Block {
			if d.Name == "http" || d.Name == "events" {
				top = cMain
			}
		}
	}
	l.checkBlock(l.cfg.Root, top)
}

func synthetic(d *Directive) bool { return d.Pos.Line == 0 }

func (l *loader) checkBlock(b *Directive, ctx ctxMask) {
	var rootOrAlias, internal *Directive
	static := map[string]*Directive{} // exact ("=") and prefix locations of this level
	for _, d := range b.Block {
		if synthetic(d) {
			// the wrapper of a fragment: server blocks at the top of a
			// sites-available file are http servers (or stream servers);
			// bare locations are read in a server or a location.
			child := cHTTP | cOther
			if d.Name == "server" {
				child = cServer | cLoc
			}
			l.checkBlock(d, child)
			continue
		}
		// a directive nginx would stop at is not counted as the first root,
		// alias, internal or location of the block
		if l.checkDirective(d, b, ctx) {
			switch d.Name {
			case "root", "alias":
				if rootOrAlias == nil {
					rootOrAlias = d
				} else if rootOrAlias.Name == d.Name {
					l.errorf(d.Pos, "%q directive is duplicate (the first is at line %d)", d.Name, rootOrAlias.Pos.Line)
				} else {
					l.errorf(d.Pos, "%q directive is duplicate, %q directive was specified earlier (line %d); a block takes one of root or alias", d.Name, rootOrAlias.Name, rootOrAlias.Pos.Line)
				}
			case "internal":
				if internal == nil {
					internal = d
				} else {
					l.errorf(d.Pos, "\"internal\" directive is duplicate (the first is at line %d)", internal.Pos.Line)
				}
			case "location":
				mod, name, ok := locationName(d)
				if !d.IsBlock || !ok || (mod != "" && mod != "=" && mod != "^~") {
					break
				}
				key := "prefix:" + name
				if mod == "=" {
					key = "exact:" + name
				}
				if first, dup := static[key]; dup {
					l.errorf(d.Pos, "duplicate location %q (the first is at %s:%d)", name, first.Pos.File, first.Pos.Line)
				} else {
					static[key] = d
				}
			}
		}
		if !d.IsBlock || d.Opaque {
			continue
		}
		if customHandlerBlocks[d.Name] {
			l.checkEntries(d)
			continue
		}
		l.checkBlock(d, childContext(d.Name, ctx))
	}
}

// childContext is the context of the directives inside a block called name
// that appears in ctx.
func childContext(name string, ctx ctxMask) ctxMask {
	switch name {
	case "events":
		return cEvents
	case "http":
		return cHTTP
	case "location":
		return cLoc
	case "limit_except":
		return cLmt
	case "if":
		var c ctxMask
		if ctx&(cServer|cUnknown|cOther) != 0 {
			c |= cSIf
		}
		if ctx&(cLoc|cUnknown|cOther) != 0 {
			c |= cLIf
		}
		if c == 0 {
			c = cSIf | cLIf
		}
		return c
	case "server", "upstream":
		// an http server or upstream, or a stream (or mail) one
		inner := cServer
		if name == "upstream" {
			inner = cUps
		}
		var c ctxMask
		if ctx&(cHTTP|cUnknown) != 0 {
			c |= inner
		}
		if ctx&^cHTTP != 0 {
			c |= cOther
		}
		return c
	}
	return cOther // stream, mail, a third-party block
}

// checkDirective reports what nginx says of d in ctx. It returns false when
// nginx would stop at d.
func (l *loader) checkDirective(d, parent *Directive, ctx ctxMask) bool {
	specs := directiveSpecs[d.Name]
	if ctx&cOther != 0 && ctx&cUnknown == 0 && httpOnly[d.Name] && ctx&^cOther != 0 {
		// an http-only directive cannot be in the stream or mail part
		ctx &^= cOther
	}
	if ctx&(cUnknown|cOther) != 0 {
		if !l.checkShapeAnywhere(d, specs) {
			return false
		}
	} else if len(specs) > 0 {
		var allowed []dirSpec
		for _, s := range specs {
			if s.ctx&ctx != 0 {
				allowed = append(allowed, s)
			}
		}
		if len(allowed) == 0 {
			l.errorf(d.Pos, "%q directive is not allowed here (inside %s)", d.Name, blockName(parent))
			return false
		}
		if msg := shapeError(d, allowed); msg != "" {
			l.errorf(d.Pos, "%s", msg)
			return false
		}
	}
	n := len(l.cfg.Errors)
	switch d.Name {
	case "location":
		l.checkLocation(d, parent)
	case "alias":
		if p := enclosingLocation(d); p != nil && p == parent && strings.HasPrefix(p.Arg(0), "@") && len(p.Args) == 1 {
			l.errorf(d.Pos, "the \"alias\" directive cannot be used inside the named location %q", p.Arg(0))
			return false
		}
		fallthrough
	case "root":
		if len(d.Args) == 1 {
			for _, v := range []string{"document_root", "realpath_root"} {
				if strings.Contains(d.Args[0], "$"+v) || strings.Contains(d.Args[0], "${"+v+"}") {
					l.errorf(d.Pos, "the $%s variable cannot be used in the %q directive", v, d.Name)
					return false
				}
			}
		}
	case "proxy_pass":
		if ctx&(cUnknown|cOther) == 0 && ctx&(cLoc|cLIf|cLmt) != 0 {
			l.checkProxyPass(d, parent)
		}
	case "fastcgi_pass", "scgi_pass", "uwsgi_pass", "grpc_pass", "memcached_pass":
		if ctx&(cUnknown|cOther) == 0 && len(d.Args) == 1 && !strings.Contains(d.Args[0], "$") {
			addr := d.Args[0]
			for _, scheme := range []string{"uwsgi://", "suwsgi://", "grpc://", "grpcs://"} {
				if len(addr) >= len(scheme) && strings.EqualFold(addr[:len(scheme)], scheme) {
					addr = addr[len(scheme):]
				}
			}
			if strings.HasPrefix(addr, "/") {
				l.errorf(d.Pos, "invalid host in upstream %q (a unix socket is written unix:%s)", d.Args[0], addr)
			}
		}
	case "set", "map", "geo", "split_clients":
		if ctx&(cUnknown|cOther) != 0 || len(d.Args) == 0 {
			break
		}
		// the variable defined: set $v ...; map $src $v; split_clients $src $v;
		// geo [$src] $v
		v := d.Args[len(d.Args)-1]
		switch {
		case d.Name == "set":
			v = d.Args[0]
		case len(d.Args) >= 2 && d.Name != "geo":
			v = d.Args[1]
		}
		if name, ok := strings.CutPrefix(v, "$"); ok && fixedVariables[strings.ToLower(name)] {
			l.errorf(d.Pos, "the duplicate %q variable: $%s is nginx's own and cannot be set", name, name)
		}
	}
	return len(l.cfg.Errors) == n
}

// fixedVariables are the built-in variables of nginx 1.22.1 (Debian's
// build) that are not changeable: set, map, geo and split_clients cannot
// define them ("the duplicate "uri" variable"). Found by probing
// `set $name a;` with real nginx; $args, $limit_rate and prefix variables
// such as $http_x_custom or $arg_x can be set.
var fixedVariables = map[string]bool{
	"binary_remote_addr": true, "body_bytes_sent": true, "bytes_sent": true, "connection": true,
	"connection_requests": true, "connection_time": true, "connections_active": true,
	"connections_reading": true, "connections_waiting": true, "connections_writing": true,
	"content_length": true, "content_type": true, "date_gmt": true, "date_local": true,
	"document_root": true, "document_uri": true, "fastcgi_path_info": true,
	"fastcgi_script_name": true, "gzip_ratio": true, "host": true, "hostname": true, "http2": true,
	"http_cookie": true, "http_host": true, "http_referer": true, "http_user_agent": true,
	"http_via": true, "http_x_forwarded_for": true, "https": true, "is_args": true,
	"limit_conn_status": true, "limit_req_status": true, "msec": true, "nginx_version": true,
	"pid": true, "pipe": true, "proxy_add_x_forwarded_for": true, "proxy_internal_body_length": true,
	"proxy_internal_chunked": true, "proxy_protocol_addr": true, "proxy_protocol_port": true,
	"proxy_protocol_server_addr": true, "proxy_protocol_server_port": true, "query_string": true,
	"realip_remote_addr": true, "realip_remote_port": true, "realpath_root": true,
	"remote_addr": true, "remote_port": true, "remote_user": true, "request": true,
	"request_body": true, "request_body_file": true, "request_completion": true,
	"request_filename": true, "request_id": true, "request_length": true, "request_method": true,
	"request_time": true, "request_uri": true, "scheme": true, "secure_link": true,
	"secure_link_expires": true, "sent_http_cache_control": true, "sent_http_connection": true,
	"sent_http_content_length": true, "sent_http_content_type": true, "sent_http_keep_alive": true,
	"sent_http_last_modified": true, "sent_http_link": true, "sent_http_location": true,
	"sent_http_transfer_encoding": true, "server_addr": true, "server_name": true,
	"server_port": true, "server_protocol": true, "slice_range": true, "status": true,
	"tcpinfo_rcv_space": true, "tcpinfo_rtt": true, "tcpinfo_rttvar": true, "tcpinfo_snd_cwnd": true,
	"time_iso8601": true, "time_local": true, "uid_got": true, "uid_set": true, "upstream_addr": true,
	"upstream_bytes_received": true, "upstream_bytes_sent": true, "upstream_cache_status": true,
	"upstream_connect_time": true, "upstream_header_time": true, "upstream_response_length": true,
	"upstream_response_time": true, "upstream_status": true, "uri": true,
}

func blockName(p *Directive) string {
	if p == nil || p.Name == "" {
		return "the main context"
	}
	return fmt.Sprintf("%q", p.Name)
}

// shapeError returns nginx's complaint when d fits none of the specs it
// could be read with, or "".
func shapeError(d *Directive, specs []dirSpec) string {
	first := ""
	for _, s := range specs {
		msg := ""
		switch {
		case s.block && !d.IsBlock:
			msg = fmt.Sprintf("directive %q has no opening \"{\"", d.Name)
		case !s.block && d.IsBlock:
			msg = fmt.Sprintf("directive %q is not terminated by \";\"", d.Name)
		case !s.argsOK(len(d.Args)):
			msg = fmt.Sprintf("invalid number of arguments in %q directive (it takes %s, not %d)", d.Name, s.argsText(), len(d.Args))
		default:
			return ""
		}
		if first == "" {
			first = msg
		}
	}
	return first
}

// checkShapeAnywhere checks a directive whose context is unknown: a block
// directive must have its block and a simple one must not, whatever the
// context, and the few http-only directives must have their arguments.
func (l *loader) checkShapeAnywhere(d *Directive, specs []dirSpec) bool {
	if len(specs) == 0 {
		return true
	}
	allBlock, noBlock := true, true
	for _, s := range specs {
		allBlock = allBlock && s.block
		noBlock = noBlock && !s.block
	}
	switch {
	case allBlock && !d.IsBlock:
		l.errorf(d.Pos, "directive %q has no opening \"{\"", d.Name)
		return false
	case noBlock && d.IsBlock:
		l.errorf(d.Pos, "directive %q is not terminated by \";\"", d.Name)
		return false
	}
	if httpOnly[d.Name] && len(specs) == 1 && !specs[0].argsOK(len(d.Args)) {
		l.errorf(d.Pos, "invalid number of arguments in %q directive (it takes %s, not %d)", d.Name, specs[0].argsText(), len(d.Args))
		return false
	}
	return true
}

// locationName splits a location's arguments the way ngx_http_core_location
// does: `= /x`, `=/x`, `^~ /x`, `~ re`, `~* re`, `~re`, `@name`, `/x`. The
// values are already unquoted: nginx does not know whether they were quoted.
func locationName(d *Directive) (mod, name string, ok bool) {
	switch len(d.Args) {
	case 2:
		if !locationModifiers[d.Args[0]] {
			return "", "", false
		}
		return d.Args[0], d.Args[1], true
	case 1:
		a := d.Args[0]
		switch {
		case strings.HasPrefix(a, "="):
			return "=", a[1:], true
		case strings.HasPrefix(a, "^~"):
			return "^~", a[2:], true
		case strings.HasPrefix(a, "~*"):
			return "~*", a[2:], true
		case strings.HasPrefix(a, "~"):
			return "~", a[1:], true
		case strings.HasPrefix(a, "@"):
			return "@", a, true
		}
		return "", a, true
	}
	return "", "", false
}

func enclosingLocation(d *Directive) *Directive {
	for p := d.Parent; p != nil; p = p.Parent {
		if p.Name == "location" && p.IsBlock {
			return p
		}
	}
	return nil
}

func (l *loader) checkLocation(d, parent *Directive) {
	switch len(d.Args) {
	case 1:
	case 2:
		if !locationModifiers[d.Args[0]] {
			l.errorf(d.Pos, "invalid location modifier %q (expected =, ^~, ~ or ~*)", d.Args[0])
			return
		}
	default:
		return // reported as an argument count error, or unknown context
	}
	if parent == nil || parent.Name != "location" || !parent.IsBlock {
		return
	}
	mod, name, _ := locationName(d)
	pmod, pname, ok := locationName(parent)
	if !ok {
		return
	}
	switch {
	case pmod == "=":
		l.errorf(d.Pos, "location %q cannot be inside the exact location %q", name, pname)
	case pmod == "@":
		l.errorf(d.Pos, "location %q cannot be inside the named location %q", name, pname)
	case mod == "@":
		l.errorf(d.Pos, "named location %q can be on the server level only", name)
	case mod != "~" && mod != "~*" && !strings.HasPrefix(name, pname):
		// for a regex parent nginx compares with the regex text itself
		l.errorf(d.Pos, "location %q is outside location %q: a nested prefix location must start with its parent's prefix", name, pname)
	}
}

// checkProxyPass reproduces ngx_http_proxy_pass: without variables the URL
// must start with http:// or https://, and it may not have a URI part in a
// regex or named location, in an if or in a limit_except.
func (l *loader) checkProxyPass(d, parent *Directive) {
	if len(d.Args) != 1 || strings.Contains(d.Args[0], "$") {
		return
	}
	url := d.Args[0]
	lower := strings.ToLower(url)
	var rest string
	switch {
	case strings.HasPrefix(lower, "http://"):
		rest = url[7:]
	case strings.HasPrefix(lower, "https://"):
		rest = url[8:]
	default:
		l.errorf(d.Pos, "invalid URL prefix in %q: proxy_pass needs http:// or https://", url)
		return
	}
	uri := ""
	if len(rest) >= 5 && strings.EqualFold(rest[:5], "unix:") {
		if i := strings.IndexByte(rest[5:], ':'); i >= 0 {
			uri = rest[5+i+1:]
		}
	} else if i := strings.IndexAny(rest, "/?"); i >= 0 {
		uri = rest[i:]
	}
	if uri == "" {
		return
	}
	noname := parent != nil && (parent.Name == "if" || parent.Name == "limit_except")
	if loc := enclosingLocation(d); !noname && loc != nil && loc == parent {
		if mod, _, ok := locationName(loc); ok && (mod == "~" || mod == "~*" || mod == "@") {
			noname = true
		}
	}
	if noname {
		l.errorf(d.Pos, "\"proxy_pass\" cannot have URI part in location given by regular expression, or inside named location, or inside \"if\" statement, or inside \"limit_except\" block (here %q)", uri)
	}
}

// checkEntries checks the lines of a map or geo block, which nginx reads
// with the module's own handler.
func (l *loader) checkEntries(b *Directive) {
	switch b.Name {
	case "map":
		for _, e := range b.Block {
			if len(e.Args) == 0 && (e.Name == "hostnames" || e.Name == "volatile") {
				continue
			}
			if len(e.Args) != 1 {
				l.errorf(e.Pos, "invalid number of the map parameters: an entry is a key and a value (%q has %d values)", e.Name, len(e.Args))
			}
		}
	case "geo":
		ranges := false
		for _, e := range b.Block {
			if len(e.Args) == 0 && (e.Name == "ranges" || e.Name == "proxy_recursive") {
				ranges = ranges || e.Name == "ranges"
				continue
			}
			if len(e.Args) != 1 {
				l.errorf(e.Pos, "invalid number of the geo parameters: an entry is a network and a value")
				continue
			}
			net := e.Name
			switch e.Name {
			case "include", "proxy", "default":
				continue
			case "delete":
				net = e.Args[0]
			}
			if ranges {
				if !validRange(net) {
					l.errorf(e.Pos, "invalid range %q: with \"ranges\" an entry is FIRST-LAST (two IPv4 addresses)", net)
				}
			} else if !validCIDR(net) {
				l.errorf(e.Pos, "invalid network %q: a geo entry starts with an address or CIDR (or default, delete, include, proxy)", net)
			}
		}
	}
}

// validIPv4 accepts what ngx_inet_addr accepts: four decimal octets.
func validIPv4(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return false
	}
	for _, p := range parts {
		if p == "" || len(p) > 3 {
			return false
		}
		n, err := strconv.Atoi(p)
		if err != nil || n > 255 || strings.ContainsAny(p, "+-") {
			return false
		}
	}
	return true
}

// validCIDR accepts what ngx_ptocidr accepts: an IPv4 or IPv6 address with
// an optional /mask.
func validCIDR(s string) bool {
	addr, mask, hasMask := strings.Cut(s, "/")
	bits := 32
	if strings.Contains(addr, ":") {
		if ip := net.ParseIP(addr); ip == nil || strings.Contains(addr, "%") {
			return false
		}
		bits = 128
	} else if !validIPv4(addr) {
		return false
	}
	if hasMask {
		n, err := strconv.Atoi(mask)
		if err != nil || n < 0 || n > bits || strings.ContainsAny(mask, "+-") {
			return false
		}
	}
	return true
}

func validRange(s string) bool {
	a, b, ok := strings.Cut(s, "-")
	if !ok || !validIPv4(a) || !validIPv4(b) {
		return false
	}
	return ipv4Value(a) <= ipv4Value(b)
}

func ipv4Value(s string) uint32 {
	var v uint32
	for _, p := range strings.Split(s, ".") {
		n, _ := strconv.Atoi(p)
		v = v<<8 | uint32(n)
	}
	return v
}

func init() {
	// Contexts that nginx versions after 1.22 (the table's source) added:
	// resolver and resolver_timeout inside upstream (1.27.3).
	for _, name := range []string{"resolver", "resolver_timeout"} {
		s := directiveSpecs[name]
		s[0].ctx |= cUps
	}
	// stream and mail are dynamic modules in most builds; they are blocks
	// of the main context.
	directiveSpecs["stream"] = []dirSpec{{cMain, true, 0, 0}}
	directiveSpecs["mail"] = []dirSpec{{cMain, true, 0, 0}}
}

// directiveSpecs is every directive of nginx 1.22.1 as Debian 12 builds it
// (the core, event and http modules compiled in; the dynamic stream, mail,
// perl, xslt, image_filter and geoip modules are left out), with the
// contexts it is allowed in, whether it takes a block and how many
// arguments. It was generated by probing the real binary: each directive
// in each context with 0 to 9 arguments, classifying nginx -t's
// "unknown directive", "is not allowed here", "has no opening {" and
// "invalid number of arguments" messages. TestDirectiveTableMatchesNginx
// re-checks it against the nginx found on the machine. A directive not in
// the table is a module directive xaccel accepts as it is.
var directiveSpecs = map[string][]dirSpec{
	"absolute_redirect":               {{cHTTP | cServer | cLoc, false, 1, 1}},
	"accept_mutex":                    {{cEvents, false, 1, 1}},
	"accept_mutex_delay":              {{cEvents, false, 1, 1}},
	"access_log":                      {{cHTTP | cServer | cLoc | cLIf | cLmt, false, 1, -1}},
	"add_after_body":                  {{cHTTP | cServer | cLoc, false, 1, 1}},
	"add_before_body":                 {{cHTTP | cServer | cLoc, false, 1, 1}},
	"add_header":                      {{cHTTP | cServer | cLoc | cLIf, false, 2, 3}},
	"add_trailer":                     {{cHTTP | cServer | cLoc | cLIf, false, 2, 3}},
	"addition_types":                  {{cHTTP | cServer | cLoc, false, 1, -1}},
	"aio":                             {{cHTTP | cServer | cLoc, false, 1, 1}},
	"aio_write":                       {{cHTTP | cServer | cLoc, false, 1, 1}},
	"alias":                           {{cLoc, false, 1, 1}},
	"allow":                           {{cHTTP | cServer | cLoc | cLmt, false, 1, 1}},
	"ancient_browser":                 {{cHTTP | cServer | cLoc, false, 1, -1}},
	"ancient_browser_value":           {{cHTTP | cServer | cLoc, false, 1, 1}},
	"auth_basic":                      {{cHTTP | cServer | cLoc | cLmt, false, 1, 1}},
	"auth_basic_user_file":            {{cHTTP | cServer | cLoc | cLmt, false, 1, 1}},
	"auth_delay":                      {{cHTTP | cServer | cLoc, false, 1, 1}},
	"auth_request":                    {{cHTTP | cServer | cLoc, false, 1, 1}},
	"auth_request_set":                {{cHTTP | cServer | cLoc, false, 2, 2}},
	"autoindex":                       {{cHTTP | cServer | cLoc, false, 1, 1}},
	"autoindex_exact_size":            {{cHTTP | cServer | cLoc, false, 1, 1}},
	"autoindex_format":                {{cHTTP | cServer | cLoc, false, 1, 1}},
	"autoindex_localtime":             {{cHTTP | cServer | cLoc, false, 1, 1}},
	"break":                           {{cServer | cLoc | cSIf | cLIf, false, 0, 0}},
	"charset":                         {{cHTTP | cServer | cLoc | cLIf, false, 1, 1}},
	"charset_map":                     {{cHTTP, true, 2, 2}},
	"charset_types":                   {{cHTTP | cServer | cLoc, false, 1, -1}},
	"chunked_transfer_encoding":       {{cHTTP | cServer | cLoc, false, 1, 1}},
	"client_body_buffer_size":         {{cHTTP | cServer | cLoc, false, 1, 1}},
	"client_body_in_file_only":        {{cHTTP | cServer | cLoc, false, 1, 1}},
	"client_body_in_single_buffer":    {{cHTTP | cServer | cLoc, false, 1, 1}},
	"client_body_temp_path":           {{cHTTP | cServer | cLoc, false, 1, 4}},
	"client_body_timeout":             {{cHTTP | cServer | cLoc, false, 1, 1}},
	"client_header_buffer_size":       {{cHTTP | cServer, false, 1, 1}},
	"client_header_timeout":           {{cHTTP | cServer, false, 1, 1}},
	"client_max_body_size":            {{cHTTP | cServer | cLoc, false, 1, 1}},
	"connection_pool_size":            {{cHTTP | cServer, false, 1, 1}},
	"create_full_put_path":            {{cHTTP | cServer | cLoc, false, 1, 1}},
	"daemon":                          {{cMain, false, 1, 1}},
	"dav_access":                      {{cHTTP | cServer | cLoc, false, 1, 3}},
	"dav_methods":                     {{cHTTP | cServer | cLoc, false, 1, -1}},
	"debug_connection":                {{cEvents, false, 1, 1}},
	"debug_points":                    {{cMain, false, 1, 1}},
	"default_type":                    {{cHTTP | cServer | cLoc, false, 1, 1}},
	"deny":                            {{cHTTP | cServer | cLoc | cLmt, false, 1, 1}},
	"directio":                        {{cHTTP | cServer | cLoc, false, 1, 1}},
	"directio_alignment":              {{cHTTP | cServer | cLoc, false, 1, 1}},
	"disable_symlinks":                {{cHTTP | cServer | cLoc, false, 1, 2}},
	"empty_gif":                       {{cLoc, false, 0, 0}},
	"env":                             {{cMain, false, 1, 1}},
	"epoll_events":                    {{cEvents, false, 1, 1}},
	"error_log":                       {{cMain | cHTTP | cServer | cLoc, false, 1, -1}},
	"error_page":                      {{cHTTP | cServer | cLoc | cLIf, false, 2, -1}},
	"etag":                            {{cHTTP | cServer | cLoc, false, 1, 1}},
	"events":                          {{cMain, true, 0, 0}},
	"expires":                         {{cHTTP | cServer | cLoc | cLIf, false, 1, 2}},
	"fastcgi_bind":                    {{cHTTP | cServer | cLoc, false, 1, 2}},
	"fastcgi_buffer_size":             {{cHTTP | cServer | cLoc, false, 1, 1}},
	"fastcgi_buffering":               {{cHTTP | cServer | cLoc, false, 1, 1}},
	"fastcgi_buffers":                 {{cHTTP | cServer | cLoc, false, 2, 2}},
	"fastcgi_busy_buffers_size":       {{cHTTP | cServer | cLoc, false, 1, 1}},
	"fastcgi_cache":                   {{cHTTP | cServer | cLoc, false, 1, 1}},
	"fastcgi_cache_background_update": {{cHTTP | cServer | cLoc, false, 1, 1}},
	"fastcgi_cache_bypass":            {{cHTTP | cServer | cLoc, false, 1, -1}},
	"fastcgi_cache_key":               {{cHTTP | cServer | cLoc, false, 1, 1}},
	"fastcgi_cache_lock":              {{cHTTP | cServer | cLoc, false, 1, 1}},
	"fastcgi_cache_lock_age":          {{cHTTP | cServer | cLoc, false, 1, 1}},
	"fastcgi_cache_lock_timeout":      {{cHTTP | cServer | cLoc, false, 1, 1}},
	"fastcgi_cache_max_range_offset":  {{cHTTP | cServer | cLoc, false, 1, 1}},
	"fastcgi_cache_methods":           {{cHTTP | cServer | cLoc, false, 1, -1}},
	"fastcgi_cache_min_uses":          {{cHTTP | cServer | cLoc, false, 1, 1}},
	"fastcgi_cache_path":              {{cHTTP, false, 2, -1}},
	"fastcgi_cache_revalidate":        {{cHTTP | cServer | cLoc, false, 1, 1}},
	"fastcgi_cache_use_stale":         {{cHTTP | cServer | cLoc, false, 1, -1}},
	"fastcgi_cache_valid":             {{cHTTP | cServer | cLoc, false, 1, -1}},
	"fastcgi_catch_stderr":            {{cHTTP | cServer | cLoc, false, 1, 1}},
	"fastcgi_connect_timeout":         {{cHTTP | cServer | cLoc, false, 1, 1}},
	"fastcgi_force_ranges":            {{cHTTP | cServer | cLoc, false, 1, 1}},
	"fastcgi_hide_header":             {{cHTTP | cServer | cLoc, false, 1, 1}},
	"fastcgi_ignore_client_abort":     {{cHTTP | cServer | cLoc, false, 1, 1}},
	"fastcgi_ignore_headers":          {{cHTTP | cServer | cLoc, false, 1, -1}},
	"fastcgi_index":                   {{cHTTP | cServer | cLoc, false, 1, 1}},
	"fastcgi_intercept_errors":        {{cHTTP | cServer | cLoc, false, 1, 1}},
	"fastcgi_keep_conn":               {{cHTTP | cServer | cLoc, false, 1, 1}},
	"fastcgi_limit_rate":              {{cHTTP | cServer | cLoc, false, 1, 1}},
	"fastcgi_max_temp_file_size":      {{cHTTP | cServer | cLoc, false, 1, 1}},
	"fastcgi_next_upstream":           {{cHTTP | cServer | cLoc, false, 1, -1}},
	"fastcgi_next_upstream_timeout":   {{cHTTP | cServer | cLoc, false, 1, 1}},
	"fastcgi_next_upstream_tries":     {{cHTTP | cServer | cLoc, false, 1, 1}},
	"fastcgi_no_cache":                {{cHTTP | cServer | cLoc, false, 1, -1}},
	"fastcgi_param":                   {{cHTTP | cServer | cLoc, false, 2, 3}},
	"fastcgi_pass":                    {{cLoc | cLIf, false, 1, 1}},
	"fastcgi_pass_header":             {{cHTTP | cServer | cLoc, false, 1, 1}},
	"fastcgi_pass_request_body":       {{cHTTP | cServer | cLoc, false, 1, 1}},
	"fastcgi_pass_request_headers":    {{cHTTP | cServer | cLoc, false, 1, 1}},
	"fastcgi_read_timeout":            {{cHTTP | cServer | cLoc, false, 1, 1}},
	"fastcgi_request_buffering":       {{cHTTP | cServer | cLoc, false, 1, 1}},
	"fastcgi_send_lowat":              {{cHTTP | cServer | cLoc, false, 1, 1}},
	"fastcgi_send_timeout":            {{cHTTP | cServer | cLoc, false, 1, 1}},
	"fastcgi_socket_keepalive":        {{cHTTP | cServer | cLoc, false, 1, 1}},
	"fastcgi_split_path_info":         {{cHTTP | cServer | cLoc, false, 1, 1}},
	"fastcgi_store":                   {{cHTTP | cServer | cLoc, false, 1, 1}},
	"fastcgi_store_access":            {{cHTTP | cServer | cLoc, false, 1, 3}},
	"fastcgi_temp_file_write_size":    {{cHTTP | cServer | cLoc, false, 1, 1}},
	"fastcgi_temp_path":               {{cHTTP | cServer | cLoc, false, 1, 4}},
	"flv":                             {{cLoc, false, 0, 0}},
	"geo":                             {{cHTTP, true, 1, 2}},
	"grpc_bind":                       {{cHTTP | cServer | cLoc, false, 1, 2}},
	"grpc_buffer_size":                {{cHTTP | cServer | cLoc, false, 1, 1}},
	"grpc_connect_timeout":            {{cHTTP | cServer | cLoc, false, 1, 1}},
	"grpc_hide_header":                {{cHTTP | cServer | cLoc, false, 1, 1}},
	"grpc_ignore_headers":             {{cHTTP | cServer | cLoc, false, 1, -1}},
	"grpc_intercept_errors":           {{cHTTP | cServer | cLoc, false, 1, 1}},
	"grpc_next_upstream":              {{cHTTP | cServer | cLoc, false, 1, -1}},
	"grpc_next_upstream_timeout":      {{cHTTP | cServer | cLoc, false, 1, 1}},
	"grpc_next_upstream_tries":        {{cHTTP | cServer | cLoc, false, 1, 1}},
	"grpc_pass":                       {{cLoc | cLIf, false, 1, 1}},
	"grpc_pass_header":                {{cHTTP | cServer | cLoc, false, 1, 1}},
	"grpc_read_timeout":               {{cHTTP | cServer | cLoc, false, 1, 1}},
	"grpc_send_timeout":               {{cHTTP | cServer | cLoc, false, 1, 1}},
	"grpc_set_header":                 {{cHTTP | cServer | cLoc, false, 2, 2}},
	"grpc_socket_keepalive":           {{cHTTP | cServer | cLoc, false, 1, 1}},
	"grpc_ssl_certificate":            {{cHTTP | cServer | cLoc, false, 1, 1}},
	"grpc_ssl_certificate_key":        {{cHTTP | cServer | cLoc, false, 1, 1}},
	"grpc_ssl_ciphers":                {{cHTTP | cServer | cLoc, false, 1, 1}},
	"grpc_ssl_conf_command":           {{cHTTP | cServer | cLoc, false, 2, 2}},
	"grpc_ssl_crl":                    {{cHTTP | cServer | cLoc, false, 1, 1}},
	"grpc_ssl_name":                   {{cHTTP | cServer | cLoc, false, 1, 1}},
	"grpc_ssl_password_file":          {{cHTTP | cServer | cLoc, false, 1, 1}},
	"grpc_ssl_protocols":              {{cHTTP | cServer | cLoc, false, 1, -1}},
	"grpc_ssl_server_name":            {{cHTTP | cServer | cLoc, false, 1, 1}},
	"grpc_ssl_session_reuse":          {{cHTTP | cServer | cLoc, false, 1, 1}},
	"grpc_ssl_trusted_certificate":    {{cHTTP | cServer | cLoc, false, 1, 1}},
	"grpc_ssl_verify":                 {{cHTTP | cServer | cLoc, false, 1, 1}},
	"grpc_ssl_verify_depth":           {{cHTTP | cServer | cLoc, false, 1, 1}},
	"gunzip":                          {{cHTTP | cServer | cLoc, false, 1, 1}},
	"gunzip_buffers":                  {{cHTTP | cServer | cLoc, false, 2, 2}},
	"gzip":                            {{cHTTP | cServer | cLoc | cLIf, false, 1, 1}},
	"gzip_buffers":                    {{cHTTP | cServer | cLoc, false, 2, 2}},
	"gzip_comp_level":                 {{cHTTP | cServer | cLoc, false, 1, 1}},
	"gzip_disable":                    {{cHTTP | cServer | cLoc, false, 1, -1}},
	"gzip_hash":                       {{cHTTP | cServer | cLoc, false, 1, 1}},
	"gzip_http_version":               {{cHTTP | cServer | cLoc, false, 1, 1}},
	"gzip_min_length":                 {{cHTTP | cServer | cLoc, false, 1, 1}},
	"gzip_no_buffer":                  {{cHTTP | cServer | cLoc, false, 1, 1}},
	"gzip_proxied":                    {{cHTTP | cServer | cLoc, false, 1, -1}},
	"gzip_static":                     {{cHTTP | cServer | cLoc, false, 1, 1}},
	"gzip_types":                      {{cHTTP | cServer | cLoc, false, 1, -1}},
	"gzip_vary":                       {{cHTTP | cServer | cLoc, false, 1, 1}},
	"gzip_window":                     {{cHTTP | cServer | cLoc, false, 1, 1}},
	"hash":                            {{cUps, false, 1, 2}},
	"http":                            {{cMain, true, 0, 0}},
	"http2_body_preread_size":         {{cHTTP | cServer, false, 1, 1}},
	"http2_chunk_size":                {{cHTTP | cServer | cLoc, false, 1, 1}},
	"http2_idle_timeout":              {{cHTTP | cServer, false, 1, 1}},
	"http2_max_concurrent_pushes":     {{cHTTP | cServer, false, 1, 1}},
	"http2_max_concurrent_streams":    {{cHTTP | cServer, false, 1, 1}},
	"http2_max_field_size":            {{cHTTP | cServer, false, 1, 1}},
	"http2_max_header_size":           {{cHTTP | cServer, false, 1, 1}},
	"http2_max_requests":              {{cHTTP | cServer, false, 1, 1}},
	"http2_pool_size":                 {{cHTTP | cServer, false, 1, 1}},
	"http2_push":                      {{cHTTP | cServer | cLoc, false, 1, 1}},
	"http2_push_preload":              {{cHTTP | cServer | cLoc, false, 1, 1}},
	"http2_recv_buffer_size":          {{cHTTP, false, 1, 1}},
	"http2_recv_timeout":              {{cHTTP | cServer, false, 1, 1}},
	"http2_streams_index_size":        {{cHTTP | cServer, false, 1, 1}},
	"if":                              {{cServer | cLoc, true, 1, -1}},
	"if_modified_since":               {{cHTTP | cServer | cLoc, false, 1, 1}},
	"ignore_invalid_headers":          {{cHTTP | cServer, false, 1, 1}},
	"include":                         {{cMain | cEvents | cHTTP | cServer | cLoc | cSIf | cLIf | cLmt | cUps, false, 1, 1}},
	"index":                           {{cHTTP | cServer | cLoc, false, 1, -1}},
	"internal":                        {{cLoc, false, 0, 0}},
	"ip_hash":                         {{cUps, false, 0, 0}},
	"keepalive":                       {{cUps, false, 1, 1}},
	"keepalive_disable":               {{cHTTP | cServer | cLoc, false, 1, 2}},
	"keepalive_requests":              {{cHTTP | cServer | cLoc | cUps, false, 1, 1}},
	"keepalive_time":                  {{cHTTP | cServer | cLoc | cUps, false, 1, 1}},
	"keepalive_timeout":               {{cHTTP | cServer | cLoc, false, 1, 2}, {cUps, false, 1, 1}},
	"large_client_header_buffers":     {{cHTTP | cServer, false, 2, 2}},
	"least_conn":                      {{cUps, false, 0, 0}},
	"limit_conn":                      {{cHTTP | cServer | cLoc, false, 2, 2}},
	"limit_conn_dry_run":              {{cHTTP | cServer | cLoc, false, 1, 1}},
	"limit_conn_log_level":            {{cHTTP | cServer | cLoc, false, 1, 1}},
	"limit_conn_status":               {{cHTTP | cServer | cLoc, false, 1, 1}},
	"limit_conn_zone":                 {{cHTTP, false, 2, 2}},
	"limit_except":                    {{cLoc, true, 1, -1}},
	"limit_rate":                      {{cHTTP | cServer | cLoc | cLIf, false, 1, 1}},
	"limit_rate_after":                {{cHTTP | cServer | cLoc | cLIf, false, 1, 1}},
	"limit_req":                       {{cHTTP | cServer | cLoc, false, 1, 3}},
	"limit_req_dry_run":               {{cHTTP | cServer | cLoc, false, 1, 1}},
	"limit_req_log_level":             {{cHTTP | cServer | cLoc, false, 1, 1}},
	"limit_req_status":                {{cHTTP | cServer | cLoc, false, 1, 1}},
	"limit_req_zone":                  {{cHTTP, false, 3, 3}},
	"lingering_close":                 {{cHTTP | cServer | cLoc, false, 1, 1}},
	"lingering_time":                  {{cHTTP | cServer | cLoc, false, 1, 1}},
	"lingering_timeout":               {{cHTTP | cServer | cLoc, false, 1, 1}},
	"listen":                          {{cServer, false, 1, -1}},
	"load_module":                     {{cMain, false, 1, 1}},
	"location":                        {{cServer | cLoc, true, 1, 2}},
	"lock_file":                       {{cMain, false, 1, 1}},
	"log_format":                      {{cHTTP, false, 2, -1}},
	"log_not_found":                   {{cHTTP | cServer | cLoc, false, 1, 1}},
	"log_subrequest":                  {{cHTTP | cServer | cLoc, false, 1, 1}},
	"map":                             {{cHTTP, true, 2, 2}},
	"map_hash_bucket_size":            {{cHTTP, false, 1, 1}},
	"map_hash_max_size":               {{cHTTP, false, 1, 1}},
	"master_process":                  {{cMain, false, 1, 1}},
	"max_headers":                     {{cHTTP | cServer, false, 1, 1}},
	"max_ranges":                      {{cHTTP | cServer | cLoc, false, 1, 1}},
	"memcached_bind":                  {{cHTTP | cServer | cLoc, false, 1, 2}},
	"memcached_buffer_size":           {{cHTTP | cServer | cLoc, false, 1, 1}},
	"memcached_connect_timeout":       {{cHTTP | cServer | cLoc, false, 1, 1}},
	"memcached_gzip_flag":             {{cHTTP | cServer | cLoc, false, 1, 1}},
	"memcached_next_upstream":         {{cHTTP | cServer | cLoc, false, 1, -1}},
	"memcached_next_upstream_timeout": {{cHTTP | cServer | cLoc, false, 1, 1}},
	"memcached_next_upstream_tries":   {{cHTTP | cServer | cLoc, false, 1, 1}},
	"memcached_pass":                  {{cLoc | cLIf, false, 1, 1}},
	"memcached_read_timeout":          {{cHTTP | cServer | cLoc, false, 1, 1}},
	"memcached_send_timeout":          {{cHTTP | cServer | cLoc, false, 1, 1}},
	"memcached_socket_keepalive":      {{cHTTP | cServer | cLoc, false, 1, 1}},
	"merge_slashes":                   {{cHTTP | cServer, false, 1, 1}},
	"min_delete_depth":                {{cHTTP | cServer | cLoc, false, 1, 1}},
	"mirror":                          {{cHTTP | cServer | cLoc, false, 1, 1}},
	"mirror_request_body":             {{cHTTP | cServer | cLoc, false, 1, 1}},
	"modern_browser":                  {{cHTTP | cServer | cLoc, false, 1, 2}},
	"modern_browser_value":            {{cHTTP | cServer | cLoc, false, 1, 1}},
	"mp4":                             {{cLoc, false, 0, 0}},
	"mp4_buffer_size":                 {{cHTTP | cServer | cLoc, false, 1, 1}},
	"mp4_max_buffer_size":             {{cHTTP | cServer | cLoc, false, 1, 1}},
	"mp4_start_key_frame":             {{cHTTP | cServer | cLoc, false, 1, 1}},
	"msie_padding":                    {{cHTTP | cServer | cLoc, false, 1, 1}},
	"msie_refresh":                    {{cHTTP | cServer | cLoc, false, 1, 1}},
	"multi_accept":                    {{cEvents, false, 1, 1}},
	"open_file_cache":                 {{cHTTP | cServer | cLoc, false, 1, 2}},
	"open_file_cache_errors":          {{cHTTP | cServer | cLoc, false, 1, 1}},
	"open_file_cache_events":          {{cHTTP | cServer | cLoc, false, 1, 1}},
	"open_file_cache_min_uses":        {{cHTTP | cServer | cLoc, false, 1, 1}},
	"open_file_cache_valid":           {{cHTTP | cServer | cLoc, false, 1, 1}},
	"open_log_file_cache":             {{cHTTP | cServer | cLoc, false, 1, 4}},
	"output_buffers":                  {{cHTTP | cServer | cLoc, false, 2, 2}},
	"override_charset":                {{cHTTP | cServer | cLoc | cLIf, false, 1, 1}},
	"pcre_jit":                        {{cMain, false, 1, 1}},
	"pid":                             {{cMain, false, 1, 1}},
	"port_in_redirect":                {{cHTTP | cServer | cLoc, false, 1, 1}},
	"post_action":                     {{cHTTP | cServer | cLoc | cLIf, false, 1, 1}},
	"postpone_gzipping":               {{cHTTP | cServer | cLoc, false, 1, 1}},
	"postpone_output":                 {{cHTTP | cServer | cLoc, false, 1, 1}},
	"proxy_bind":                      {{cHTTP | cServer | cLoc, false, 1, 2}},
	"proxy_buffer_size":               {{cHTTP | cServer | cLoc, false, 1, 1}},
	"proxy_buffering":                 {{cHTTP | cServer | cLoc, false, 1, 1}},
	"proxy_buffers":                   {{cHTTP | cServer | cLoc, false, 2, 2}},
	"proxy_busy_buffers_size":         {{cHTTP | cServer | cLoc, false, 1, 1}},
	"proxy_cache":                     {{cHTTP | cServer | cLoc, false, 1, 1}},
	"proxy_cache_background_update":   {{cHTTP | cServer | cLoc, false, 1, 1}},
	"proxy_cache_bypass":              {{cHTTP | cServer | cLoc, false, 1, -1}},
	"proxy_cache_convert_head":        {{cHTTP | cServer | cLoc, false, 1, 1}},
	"proxy_cache_key":                 {{cHTTP | cServer | cLoc, false, 1, 1}},
	"proxy_cache_lock":                {{cHTTP | cServer | cLoc, false, 1, 1}},
	"proxy_cache_lock_age":            {{cHTTP | cServer | cLoc, false, 1, 1}},
	"proxy_cache_lock_timeout":        {{cHTTP | cServer | cLoc, false, 1, 1}},
	"proxy_cache_max_range_offset":    {{cHTTP | cServer | cLoc, false, 1, 1}},
	"proxy_cache_methods":             {{cHTTP | cServer | cLoc, false, 1, -1}},
	"proxy_cache_min_uses":            {{cHTTP | cServer | cLoc, false, 1, 1}},
	"proxy_cache_path":                {{cHTTP, false, 2, -1}},
	"proxy_cache_revalidate":          {{cHTTP | cServer | cLoc, false, 1, 1}},
	"proxy_cache_use_stale":           {{cHTTP | cServer | cLoc, false, 1, -1}},
	"proxy_cache_valid":               {{cHTTP | cServer | cLoc, false, 1, -1}},
	"proxy_connect_timeout":           {{cHTTP | cServer | cLoc, false, 1, 1}},
	"proxy_cookie_domain":             {{cHTTP | cServer | cLoc, false, 1, 2}},
	"proxy_cookie_flags":              {{cHTTP | cServer | cLoc, false, 1, 4}},
	"proxy_cookie_path":               {{cHTTP | cServer | cLoc, false, 1, 2}},
	"proxy_force_ranges":              {{cHTTP | cServer | cLoc, false, 1, 1}},
	"proxy_headers_hash_bucket_size":  {{cHTTP | cServer | cLoc, false, 1, 1}},
	"proxy_headers_hash_max_size":     {{cHTTP | cServer | cLoc, false, 1, 1}},
	"proxy_hide_header":               {{cHTTP | cServer | cLoc, false, 1, 1}},
	"proxy_http_version":              {{cHTTP | cServer | cLoc, false, 1, 1}},
	"proxy_ignore_client_abort":       {{cHTTP | cServer | cLoc, false, 1, 1}},
	"proxy_ignore_headers":            {{cHTTP | cServer | cLoc, false, 1, -1}},
	"proxy_intercept_errors":          {{cHTTP | cServer | cLoc, false, 1, 1}},
	"proxy_limit_rate":                {{cHTTP | cServer | cLoc, false, 1, 1}},
	"proxy_max_temp_file_size":        {{cHTTP | cServer | cLoc, false, 1, 1}},
	"proxy_method":                    {{cHTTP | cServer | cLoc, false, 1, 1}},
	"proxy_next_upstream":             {{cHTTP | cServer | cLoc, false, 1, -1}},
	"proxy_next_upstream_timeout":     {{cHTTP | cServer | cLoc, false, 1, 1}},
	"proxy_next_upstream_tries":       {{cHTTP | cServer | cLoc, false, 1, 1}},
	"proxy_no_cache":                  {{cHTTP | cServer | cLoc, false, 1, -1}},
	"proxy_pass":                      {{cLoc | cLIf | cLmt, false, 1, 1}},
	"proxy_pass_header":               {{cHTTP | cServer | cLoc, false, 1, 1}},
	"proxy_pass_request_body":         {{cHTTP | cServer | cLoc, false, 1, 1}},
	"proxy_pass_request_headers":      {{cHTTP | cServer | cLoc, false, 1, 1}},
	"proxy_read_timeout":              {{cHTTP | cServer | cLoc, false, 1, 1}},
	"proxy_redirect":                  {{cHTTP | cServer | cLoc, false, 1, 2}},
	"proxy_request_buffering":         {{cHTTP | cServer | cLoc, false, 1, 1}},
	"proxy_send_lowat":                {{cHTTP | cServer | cLoc, false, 1, 1}},
	"proxy_send_timeout":              {{cHTTP | cServer | cLoc, false, 1, 1}},
	"proxy_set_body":                  {{cHTTP | cServer | cLoc, false, 1, 1}},
	"proxy_set_header":                {{cHTTP | cServer | cLoc, false, 2, 2}},
	"proxy_socket_keepalive":          {{cHTTP | cServer | cLoc, false, 1, 1}},
	"proxy_ssl_certificate":           {{cHTTP | cServer | cLoc, false, 1, 1}},
	"proxy_ssl_certificate_key":       {{cHTTP | cServer | cLoc, false, 1, 1}},
	"proxy_ssl_ciphers":               {{cHTTP | cServer | cLoc, false, 1, 1}},
	"proxy_ssl_conf_command":          {{cHTTP | cServer | cLoc, false, 2, 2}},
	"proxy_ssl_crl":                   {{cHTTP | cServer | cLoc, false, 1, 1}},
	"proxy_ssl_name":                  {{cHTTP | cServer | cLoc, false, 1, 1}},
	"proxy_ssl_password_file":         {{cHTTP | cServer | cLoc, false, 1, 1}},
	"proxy_ssl_protocols":             {{cHTTP | cServer | cLoc, false, 1, -1}},
	"proxy_ssl_server_name":           {{cHTTP | cServer | cLoc, false, 1, 1}},
	"proxy_ssl_session_reuse":         {{cHTTP | cServer | cLoc, false, 1, 1}},
	"proxy_ssl_trusted_certificate":   {{cHTTP | cServer | cLoc, false, 1, 1}},
	"proxy_ssl_verify":                {{cHTTP | cServer | cLoc, false, 1, 1}},
	"proxy_ssl_verify_depth":          {{cHTTP | cServer | cLoc, false, 1, 1}},
	"proxy_store":                     {{cHTTP | cServer | cLoc, false, 1, 1}},
	"proxy_store_access":              {{cHTTP | cServer | cLoc, false, 1, 3}},
	"proxy_temp_file_write_size":      {{cHTTP | cServer | cLoc, false, 1, 1}},
	"proxy_temp_path":                 {{cHTTP | cServer | cLoc, false, 1, 4}},
	"random":                          {{cUps, false, 0, 2}},
	"random_index":                    {{cLoc, false, 1, 1}},
	"read_ahead":                      {{cHTTP | cServer | cLoc, false, 1, 1}},
	"real_ip_header":                  {{cHTTP | cServer | cLoc, false, 1, 1}},
	"real_ip_recursive":               {{cHTTP | cServer | cLoc, false, 1, 1}},
	"recursive_error_pages":           {{cHTTP | cServer | cLoc, false, 1, 1}},
	"referer_hash_bucket_size":        {{cServer | cLoc, false, 1, 1}},
	"referer_hash_max_size":           {{cServer | cLoc, false, 1, 1}},
	"request_pool_size":               {{cHTTP | cServer, false, 1, 1}},
	"reset_timedout_connection":       {{cHTTP | cServer | cLoc, false, 1, 1}},
	"resolver":                        {{cHTTP | cServer | cLoc, false, 1, -1}},
	"resolver_timeout":                {{cHTTP | cServer | cLoc, false, 1, 1}},
	"return":                          {{cServer | cLoc | cSIf | cLIf, false, 1, 2}},
	"rewrite":                         {{cServer | cLoc | cSIf | cLIf, false, 2, 3}},
	"rewrite_log":                     {{cHTTP | cServer | cLoc | cSIf | cLIf, false, 1, 1}},
	"root":                            {{cHTTP | cServer | cLoc | cLIf, false, 1, 1}},
	"satisfy":                         {{cHTTP | cServer | cLoc, false, 1, 1}},
	"scgi_bind":                       {{cHTTP | cServer | cLoc, false, 1, 2}},
	"scgi_buffer_size":                {{cHTTP | cServer | cLoc, false, 1, 1}},
	"scgi_buffering":                  {{cHTTP | cServer | cLoc, false, 1, 1}},
	"scgi_buffers":                    {{cHTTP | cServer | cLoc, false, 2, 2}},
	"scgi_busy_buffers_size":          {{cHTTP | cServer | cLoc, false, 1, 1}},
	"scgi_cache":                      {{cHTTP | cServer | cLoc, false, 1, 1}},
	"scgi_cache_background_update":    {{cHTTP | cServer | cLoc, false, 1, 1}},
	"scgi_cache_bypass":               {{cHTTP | cServer | cLoc, false, 1, -1}},
	"scgi_cache_key":                  {{cHTTP | cServer | cLoc, false, 1, 1}},
	"scgi_cache_lock":                 {{cHTTP | cServer | cLoc, false, 1, 1}},
	"scgi_cache_lock_age":             {{cHTTP | cServer | cLoc, false, 1, 1}},
	"scgi_cache_lock_timeout":         {{cHTTP | cServer | cLoc, false, 1, 1}},
	"scgi_cache_max_range_offset":     {{cHTTP | cServer | cLoc, false, 1, 1}},
	"scgi_cache_methods":              {{cHTTP | cServer | cLoc, false, 1, -1}},
	"scgi_cache_min_uses":             {{cHTTP | cServer | cLoc, false, 1, 1}},
	"scgi_cache_path":                 {{cHTTP, false, 2, -1}},
	"scgi_cache_revalidate":           {{cHTTP | cServer | cLoc, false, 1, 1}},
	"scgi_cache_use_stale":            {{cHTTP | cServer | cLoc, false, 1, -1}},
	"scgi_cache_valid":                {{cHTTP | cServer | cLoc, false, 1, -1}},
	"scgi_connect_timeout":            {{cHTTP | cServer | cLoc, false, 1, 1}},
	"scgi_force_ranges":               {{cHTTP | cServer | cLoc, false, 1, 1}},
	"scgi_hide_header":                {{cHTTP | cServer | cLoc, false, 1, 1}},
	"scgi_ignore_client_abort":        {{cHTTP | cServer | cLoc, false, 1, 1}},
	"scgi_ignore_headers":             {{cHTTP | cServer | cLoc, false, 1, -1}},
	"scgi_intercept_errors":           {{cHTTP | cServer | cLoc, false, 1, 1}},
	"scgi_limit_rate":                 {{cHTTP | cServer | cLoc, false, 1, 1}},
	"scgi_max_temp_file_size":         {{cHTTP | cServer | cLoc, false, 1, 1}},
	"scgi_next_upstream":              {{cHTTP | cServer | cLoc, false, 1, -1}},
	"scgi_next_upstream_timeout":      {{cHTTP | cServer | cLoc, false, 1, 1}},
	"scgi_next_upstream_tries":        {{cHTTP | cServer | cLoc, false, 1, 1}},
	"scgi_no_cache":                   {{cHTTP | cServer | cLoc, false, 1, -1}},
	"scgi_param":                      {{cHTTP | cServer | cLoc, false, 2, 3}},
	"scgi_pass":                       {{cLoc | cLIf, false, 1, 1}},
	"scgi_pass_header":                {{cHTTP | cServer | cLoc, false, 1, 1}},
	"scgi_pass_request_body":          {{cHTTP | cServer | cLoc, false, 1, 1}},
	"scgi_pass_request_headers":       {{cHTTP | cServer | cLoc, false, 1, 1}},
	"scgi_read_timeout":               {{cHTTP | cServer | cLoc, false, 1, 1}},
	"scgi_request_buffering":          {{cHTTP | cServer | cLoc, false, 1, 1}},
	"scgi_send_timeout":               {{cHTTP | cServer | cLoc, false, 1, 1}},
	"scgi_socket_keepalive":           {{cHTTP | cServer | cLoc, false, 1, 1}},
	"scgi_store":                      {{cHTTP | cServer | cLoc, false, 1, 1}},
	"scgi_store_access":               {{cHTTP | cServer | cLoc, false, 1, 3}},
	"scgi_temp_file_write_size":       {{cHTTP | cServer | cLoc, false, 1, 1}},
	"scgi_temp_path":                  {{cHTTP | cServer | cLoc, false, 1, 4}},
	"secure_link":                     {{cHTTP | cServer | cLoc, false, 1, 1}},
	"secure_link_md5":                 {{cHTTP | cServer | cLoc, false, 1, 1}},
	"secure_link_secret":              {{cHTTP | cServer | cLoc, false, 1, 1}},
	"send_lowat":                      {{cHTTP | cServer | cLoc, false, 1, 1}},
	"send_timeout":                    {{cHTTP | cServer | cLoc, false, 1, 1}},
	"sendfile":                        {{cHTTP | cServer | cLoc | cLIf, false, 1, 1}},
	"sendfile_max_chunk":              {{cHTTP | cServer | cLoc, false, 1, 1}},
	"server":                          {{cHTTP, true, 0, 0}, {cUps, false, 1, -1}},
	"server_name":                     {{cServer, false, 1, -1}},
	"server_name_in_redirect":         {{cHTTP | cServer | cLoc, false, 1, 1}},
	"server_names_hash_bucket_size":   {{cHTTP, false, 1, 1}},
	"server_names_hash_max_size":      {{cHTTP, false, 1, 1}},
	"server_tokens":                   {{cHTTP | cServer | cLoc, false, 1, 1}},
	"set":                             {{cServer | cLoc | cSIf | cLIf, false, 2, 2}},
	"set_real_ip_from":                {{cHTTP | cServer | cLoc, false, 1, 1}},
	"slice":                           {{cHTTP | cServer | cLoc, false, 1, 1}},
	"source_charset":                  {{cHTTP | cServer | cLoc | cLIf, false, 1, 1}},
	"split_clients":                   {{cHTTP, true, 2, 2}},
	"ssi":                             {{cHTTP | cServer | cLoc | cLIf, false, 1, 1}},
	"ssi_ignore_recycled_buffers":     {{cHTTP | cServer | cLoc, false, 1, 1}},
	"ssi_last_modified":               {{cHTTP | cServer | cLoc, false, 1, 1}},
	"ssi_min_file_chunk":              {{cHTTP | cServer | cLoc, false, 1, 1}},
	"ssi_silent_errors":               {{cHTTP | cServer | cLoc, false, 1, 1}},
	"ssi_types":                       {{cHTTP | cServer | cLoc, false, 1, -1}},
	"ssi_value_length":                {{cHTTP | cServer | cLoc, false, 1, 1}},
	"ssl":                             {{cHTTP | cServer, false, 1, 1}},
	"ssl_buffer_size":                 {{cHTTP | cServer, false, 1, 1}},
	"ssl_certificate":                 {{cHTTP | cServer, false, 1, 1}},
	"ssl_certificate_key":             {{cHTTP | cServer, false, 1, 1}},
	"ssl_ciphers":                     {{cHTTP | cServer, false, 1, 1}},
	"ssl_client_certificate":          {{cHTTP | cServer, false, 1, 1}},
	"ssl_conf_command":                {{cHTTP | cServer, false, 2, 2}},
	"ssl_crl":                         {{cHTTP | cServer, false, 1, 1}},
	"ssl_dhparam":                     {{cHTTP | cServer, false, 1, 1}},
	"ssl_early_data":                  {{cHTTP | cServer, false, 1, 1}},
	"ssl_ecdh_curve":                  {{cHTTP | cServer, false, 1, 1}},
	"ssl_engine":                      {{cMain, false, 1, 1}},
	"ssl_ocsp":                        {{cHTTP | cServer, false, 1, 1}},
	"ssl_ocsp_cache":                  {{cHTTP | cServer, false, 1, 1}},
	"ssl_ocsp_responder":              {{cHTTP | cServer, false, 1, 1}},
	"ssl_password_file":               {{cHTTP | cServer, false, 1, 1}},
	"ssl_prefer_server_ciphers":       {{cHTTP | cServer, false, 1, 1}},
	"ssl_protocols":                   {{cHTTP | cServer, false, 1, -1}},
	"ssl_reject_handshake":            {{cHTTP | cServer, false, 1, 1}},
	"ssl_session_cache":               {{cHTTP | cServer, false, 1, 2}},
	"ssl_session_ticket_key":          {{cHTTP | cServer, false, 1, 1}},
	"ssl_session_tickets":             {{cHTTP | cServer, false, 1, 1}},
	"ssl_session_timeout":             {{cHTTP | cServer, false, 1, 1}},
	"ssl_stapling":                    {{cHTTP | cServer, false, 1, 1}},
	"ssl_stapling_file":               {{cHTTP | cServer, false, 1, 1}},
	"ssl_stapling_responder":          {{cHTTP | cServer, false, 1, 1}},
	"ssl_stapling_verify":             {{cHTTP | cServer, false, 1, 1}},
	"ssl_trusted_certificate":         {{cHTTP | cServer, false, 1, 1}},
	"ssl_verify_client":               {{cHTTP | cServer, false, 1, 1}},
	"ssl_verify_depth":                {{cHTTP | cServer, false, 1, 1}},
	"stub_status":                     {{cServer | cLoc, false, 0, 1}},
	"sub_filter":                      {{cHTTP | cServer | cLoc, false, 2, 2}},
	"sub_filter_last_modified":        {{cHTTP | cServer | cLoc, false, 1, 1}},
	"sub_filter_once":                 {{cHTTP | cServer | cLoc, false, 1, 1}},
	"sub_filter_types":                {{cHTTP | cServer | cLoc, false, 1, -1}},
	"subrequest_output_buffer_size":   {{cHTTP | cServer | cLoc, false, 1, 1}},
	"tcp_nodelay":                     {{cHTTP | cServer | cLoc, false, 1, 1}},
	"tcp_nopush":                      {{cHTTP | cServer | cLoc, false, 1, 1}},
	"thread_pool":                     {{cMain, false, 2, 3}},
	"timer_resolution":                {{cMain, false, 1, 1}},
	"try_files":                       {{cServer | cLoc, false, 2, -1}},
	"types":                           {{cHTTP | cServer | cLoc, true, 0, 0}},
	"types_hash_bucket_size":          {{cHTTP | cServer | cLoc, false, 1, 1}},
	"types_hash_max_size":             {{cHTTP | cServer | cLoc, false, 1, 1}},
	"underscores_in_headers":          {{cHTTP | cServer, false, 1, 1}},
	"uninitialized_variable_warn":     {{cHTTP | cServer | cLoc | cSIf | cLIf, false, 1, 1}},
	"upstream":                        {{cHTTP, true, 1, 1}},
	"use":                             {{cEvents, false, 1, 1}},
	"user":                            {{cMain, false, 1, 2}},
	"userid":                          {{cHTTP | cServer | cLoc, false, 1, 1}},
	"userid_domain":                   {{cHTTP | cServer | cLoc, false, 1, 1}},
	"userid_expires":                  {{cHTTP | cServer | cLoc, false, 1, 1}},
	"userid_flags":                    {{cHTTP | cServer | cLoc, false, 1, 3}},
	"userid_mark":                     {{cHTTP | cServer | cLoc, false, 1, 1}},
	"userid_name":                     {{cHTTP | cServer | cLoc, false, 1, 1}},
	"userid_p3p":                      {{cHTTP | cServer | cLoc, false, 1, 1}},
	"userid_path":                     {{cHTTP | cServer | cLoc, false, 1, 1}},
	"userid_service":                  {{cHTTP | cServer | cLoc, false, 1, 1}},
	"uwsgi_bind":                      {{cHTTP | cServer | cLoc, false, 1, 2}},
	"uwsgi_buffer_size":               {{cHTTP | cServer | cLoc, false, 1, 1}},
	"uwsgi_buffering":                 {{cHTTP | cServer | cLoc, false, 1, 1}},
	"uwsgi_buffers":                   {{cHTTP | cServer | cLoc, false, 2, 2}},
	"uwsgi_busy_buffers_size":         {{cHTTP | cServer | cLoc, false, 1, 1}},
	"uwsgi_cache":                     {{cHTTP | cServer | cLoc, false, 1, 1}},
	"uwsgi_cache_background_update":   {{cHTTP | cServer | cLoc, false, 1, 1}},
	"uwsgi_cache_bypass":              {{cHTTP | cServer | cLoc, false, 1, -1}},
	"uwsgi_cache_key":                 {{cHTTP | cServer | cLoc, false, 1, 1}},
	"uwsgi_cache_lock":                {{cHTTP | cServer | cLoc, false, 1, 1}},
	"uwsgi_cache_lock_age":            {{cHTTP | cServer | cLoc, false, 1, 1}},
	"uwsgi_cache_lock_timeout":        {{cHTTP | cServer | cLoc, false, 1, 1}},
	"uwsgi_cache_max_range_offset":    {{cHTTP | cServer | cLoc, false, 1, 1}},
	"uwsgi_cache_methods":             {{cHTTP | cServer | cLoc, false, 1, -1}},
	"uwsgi_cache_min_uses":            {{cHTTP | cServer | cLoc, false, 1, 1}},
	"uwsgi_cache_path":                {{cHTTP, false, 2, -1}},
	"uwsgi_cache_revalidate":          {{cHTTP | cServer | cLoc, false, 1, 1}},
	"uwsgi_cache_use_stale":           {{cHTTP | cServer | cLoc, false, 1, -1}},
	"uwsgi_cache_valid":               {{cHTTP | cServer | cLoc, false, 1, -1}},
	"uwsgi_connect_timeout":           {{cHTTP | cServer | cLoc, false, 1, 1}},
	"uwsgi_force_ranges":              {{cHTTP | cServer | cLoc, false, 1, 1}},
	"uwsgi_hide_header":               {{cHTTP | cServer | cLoc, false, 1, 1}},
	"uwsgi_ignore_client_abort":       {{cHTTP | cServer | cLoc, false, 1, 1}},
	"uwsgi_ignore_headers":            {{cHTTP | cServer | cLoc, false, 1, -1}},
	"uwsgi_intercept_errors":          {{cHTTP | cServer | cLoc, false, 1, 1}},
	"uwsgi_limit_rate":                {{cHTTP | cServer | cLoc, false, 1, 1}},
	"uwsgi_max_temp_file_size":        {{cHTTP | cServer | cLoc, false, 1, 1}},
	"uwsgi_modifier1":                 {{cHTTP | cServer | cLoc, false, 1, 1}},
	"uwsgi_modifier2":                 {{cHTTP | cServer | cLoc, false, 1, 1}},
	"uwsgi_next_upstream":             {{cHTTP | cServer | cLoc, false, 1, -1}},
	"uwsgi_next_upstream_timeout":     {{cHTTP | cServer | cLoc, false, 1, 1}},
	"uwsgi_next_upstream_tries":       {{cHTTP | cServer | cLoc, false, 1, 1}},
	"uwsgi_no_cache":                  {{cHTTP | cServer | cLoc, false, 1, -1}},
	"uwsgi_param":                     {{cHTTP | cServer | cLoc, false, 2, 3}},
	"uwsgi_pass":                      {{cLoc | cLIf, false, 1, 1}},
	"uwsgi_pass_header":               {{cHTTP | cServer | cLoc, false, 1, 1}},
	"uwsgi_pass_request_body":         {{cHTTP | cServer | cLoc, false, 1, 1}},
	"uwsgi_pass_request_headers":      {{cHTTP | cServer | cLoc, false, 1, 1}},
	"uwsgi_read_timeout":              {{cHTTP | cServer | cLoc, false, 1, 1}},
	"uwsgi_request_buffering":         {{cHTTP | cServer | cLoc, false, 1, 1}},
	"uwsgi_send_timeout":              {{cHTTP | cServer | cLoc, false, 1, 1}},
	"uwsgi_socket_keepalive":          {{cHTTP | cServer | cLoc, false, 1, 1}},
	"uwsgi_ssl_certificate":           {{cHTTP | cServer | cLoc, false, 1, 1}},
	"uwsgi_ssl_certificate_key":       {{cHTTP | cServer | cLoc, false, 1, 1}},
	"uwsgi_ssl_ciphers":               {{cHTTP | cServer | cLoc, false, 1, 1}},
	"uwsgi_ssl_conf_command":          {{cHTTP | cServer | cLoc, false, 2, 2}},
	"uwsgi_ssl_crl":                   {{cHTTP | cServer | cLoc, false, 1, 1}},
	"uwsgi_ssl_name":                  {{cHTTP | cServer | cLoc, false, 1, 1}},
	"uwsgi_ssl_password_file":         {{cHTTP | cServer | cLoc, false, 1, 1}},
	"uwsgi_ssl_protocols":             {{cHTTP | cServer | cLoc, false, 1, -1}},
	"uwsgi_ssl_server_name":           {{cHTTP | cServer | cLoc, false, 1, 1}},
	"uwsgi_ssl_session_reuse":         {{cHTTP | cServer | cLoc, false, 1, 1}},
	"uwsgi_ssl_trusted_certificate":   {{cHTTP | cServer | cLoc, false, 1, 1}},
	"uwsgi_ssl_verify":                {{cHTTP | cServer | cLoc, false, 1, 1}},
	"uwsgi_ssl_verify_depth":          {{cHTTP | cServer | cLoc, false, 1, 1}},
	"uwsgi_store":                     {{cHTTP | cServer | cLoc, false, 1, 1}},
	"uwsgi_store_access":              {{cHTTP | cServer | cLoc, false, 1, 3}},
	"uwsgi_string":                    {{cHTTP | cServer | cLoc, false, 1, 1}},
	"uwsgi_temp_file_write_size":      {{cHTTP | cServer | cLoc, false, 1, 1}},
	"uwsgi_temp_path":                 {{cHTTP | cServer | cLoc, false, 1, 4}},
	"valid_referers":                  {{cServer | cLoc, false, 1, -1}},
	"variables_hash_bucket_size":      {{cHTTP, false, 1, 1}},
	"variables_hash_max_size":         {{cHTTP, false, 1, 1}},
	"worker_aio_requests":             {{cEvents, false, 1, 1}},
	"worker_connections":              {{cEvents, false, 1, 1}},
	"worker_cpu_affinity":             {{cMain, false, 1, -1}},
	"worker_priority":                 {{cMain, false, 1, 1}},
	"worker_processes":                {{cMain, false, 1, 1}},
	"worker_rlimit_core":              {{cMain, false, 1, 1}},
	"worker_rlimit_nofile":            {{cMain, false, 1, 1}},
	"worker_shutdown_timeout":         {{cMain, false, 1, 1}},
	"working_directory":               {{cMain, false, 1, 1}},
	"zone":                            {{cUps, false, 1, 2}},
}
