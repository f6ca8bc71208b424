package nginx

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

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
	inherit := map[string]*Directive{} // add_header_inherit, add_trailer_inherit
	static := map[string]*Directive{}  // exact ("=") and prefix locations of this level
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
			case "add_header_inherit", "add_trailer_inherit":
				// ngx_conf_set_enum_slot: the values are matched without case
				if first := inherit[d.Name]; first != nil {
					l.errorf(d.Pos, "%q directive is duplicate (the first is at line %d)", d.Name, first.Pos.Line)
				} else if m := strings.ToLower(d.Arg(0)); m != "on" && m != "off" && m != "merge" {
					l.errorf(d.Pos, "invalid value %q in %q directive, it must be \"on\", \"off\" or \"merge\"", d.Arg(0), d.Name)
				} else {
					inherit[d.Name] = d
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
	case "valid_referers":
		// ngx_http_referer_merge_conf refuses none or blocked without a
		// name to accept (a regex does not count, server_names does).
		named, noneOrBlocked := false, false
		for _, a := range d.Args {
			switch {
			case a == "none" || a == "blocked":
				noneOrBlocked = true
			case !strings.HasPrefix(a, "~"):
				named = true
			}
		}
		if noneOrBlocked && !named {
			l.errorf(d.Pos, `the "none" or "blocked" referers are specified in the "valid_referers" directive without any valid referer`)
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
