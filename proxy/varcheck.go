//go:build unix

package proxy

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/xaccel/xaccel/nginx"
)

// Variables serve cannot evaluate. nginx refuses a configuration that
// names a variable no module defines, so every variable of a
// configuration nginx runs is either one of those serve evaluates
// (evaluatedVariables, evaluatedPrefixes, and those the configuration
// defines with set, map, geo, split_clients, auth_request_set or a named
// capture) or one of a module serve does not emulate ($geoip_*,
// $gzip_ratio, perl_set's and js_set's...). Such a variable is empty
// in serve. Where that decides whether a request is answered (an `if`
// condition, directly or through set, map, geo or split_clients), serve
// refuses to start, as for an access directive it does not emulate;
// elsewhere it is listed at start-up.

// evaluatedVariables are the variables of nginx's modules serve
// evaluates (variables.go and the functions it calls); a test checks the
// list against the code.
var evaluatedVariables = map[string]bool{
	"args": true, "body_bytes_sent": true, "connection": true, "connection_requests": true,
	"connection_time": true, "content_length": true, "content_type": true, "document_root": true,
	"document_uri": true, "fastcgi_path_info": true, "fastcgi_script_name": true, "host": true,
	"http_cookie": true, "http_host": true, "http_x_forwarded_for": true, "https": true,
	"invalid_referer": true, "is_args": true, "nginx_version": true, "proxy_add_x_forwarded_for": true,
	"proxy_host": true, "proxy_port": true, "limit_rate": true, "query_string": true, "realip_remote_addr": true, "realip_remote_port": true,
	"remote_addr": true, "remote_port": true, "remote_user": true, "request": true, "request_body": true,
	"request_body_file": true, "request_filename": true, "request_method": true, "request_time": true,
	"request_uri": true, "scheme": true, "server_addr": true, "server_name": true, "server_port": true,
	"server_protocol": true, "status": true, "uri": true, "hostname": true, "pid": true, "http2": true,
	"binary_remote_addr": true, "request_id": true, "realpath_root": true,
	"bytes_sent": true, "request_length": true, "pipe": true, "request_completion": true,
	"proxy_protocol_addr": true, "proxy_protocol_port": true, "proxy_protocol_server_addr": true,
	"proxy_protocol_server_port": true, "limit_req_status": true, "limit_conn_status": true,
	"secure_link": true, "secure_link_expires": true, "connections_active": true, "connections_reading": true,
	"connections_writing": true, "connections_waiting": true, "date_local": true, "date_gmt": true,
	"tcpinfo_rtt": true, "tcpinfo_rttvar": true, "tcpinfo_snd_cwnd": true, "tcpinfo_rcv_space": true,
	// logTime
	"time_local": true, "time_iso8601": true, "msec": true,
	// upVar
	"upstream_addr": true, "upstream_status": true, "upstream_connect_time": true,
	"upstream_header_time": true, "upstream_response_time": true,
	"upstream_bytes_sent": true, "upstream_bytes_received": true, "upstream_response_length": true,
}

// evaluatedPrefixes are the families of variables serve evaluates.
var evaluatedPrefixes = []string{"http_", "sent_http_", "sent_trailer_", "upstream_http_", "upstream_cookie_", "arg_", "cookie_"}

// evaluatedSSL are the $ssl_* variables serve evaluates (sslVariable).
var evaluatedSSL = map[string]bool{
	"ssl_protocol": true, "ssl_cipher": true, "ssl_ciphers": true, "ssl_curve": true, "ssl_curves": true,
	"ssl_session_id": true, "ssl_session_reused": true, "ssl_server_name": true, "ssl_alpn_protocol": true,
	"ssl_early_data": true, "ssl_client_verify": true, "ssl_client_s_dn": true, "ssl_client_i_dn": true,
	"ssl_client_s_dn_legacy": true, "ssl_client_i_dn_legacy": true, "ssl_client_serial": true,
	"ssl_client_fingerprint": true, "ssl_client_v_start": true, "ssl_client_v_end": true,
	"ssl_client_v_remain": true, "ssl_client_raw_cert": true, "ssl_client_cert": true,
	"ssl_client_escaped_cert": true,
}

// variableRe finds variable references: $name or ${name}. A '$' not
// followed by a name (a regex's end anchor) is none.
var variableRe = regexp.MustCompile(`\$(?:\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))`)

// namedGroupRe finds the named groups of a regex: (?<name>, (?P<name>,
// (?'name'.
var namedGroupRe = regexp.MustCompile(`\(\?(?:P?<|')([A-Za-z_][A-Za-z0-9_]*)[>']`)

// variableRefs are the variables s refers to.
func variableRefs(s string) []string {
	if !strings.Contains(s, "$") {
		return nil
	}
	var names []string
	for _, m := range variableRe.FindAllStringSubmatch(s, -1) {
		n := m[1] + m[2]
		if n[0] >= '0' && n[0] <= '9' {
			continue // a capture
		}
		names = append(names, strings.ToLower(n))
	}
	return names
}

// regexArgs are the arguments of d that are regexes (or names) rather
// than strings with variables.
func regexArgs(d *nginx.Directive) []bool {
	re := make([]bool, len(d.Args))
	switch d.Name {
	case "location", "server_name", "valid_referers":
		for i := range re {
			re[i] = true
		}
	case "rewrite":
		if len(re) > 0 {
			re[0] = true
		}
	case "if":
		// if ($a ~ regex): the operand after a match operator.
		for i := 1; i < len(d.Args); i++ {
			switch d.Args[i-1] {
			case "~", "~*", "!~", "!~*":
				re[i] = true
			}
		}
	}
	return re
}

// checkVariables finds the variables of srv serve cannot evaluate: it
// refuses an `if` whose condition depends on one (unless allow names the
// variable as `$name`), and lists every other use.
func (h *Handler) checkVariables(srv *nginx.Server, allow []string) ([]Warning, []*nginx.Directive, []string) {
	defined := map[string]bool{}
	for n := range h.maps {
		defined[n] = true
	}
	for n := range h.geos {
		defined[n] = true
	}
	for n := range h.splits {
		defined[n] = true
	}
	root := srv.Dir
	if srv.HTTP != nil {
		root = srv.HTTP
	}
	// What the configuration defines, and what each defined variable is
	// made of (set's value, map's source and values, geo's and
	// split_clients' source).
	madeOf := map[string][]string{}
	root.Walk(func(d *nginx.Directive) bool {
		switch d.Name {
		case "set", "auth_request_set":
			if len(d.Args) == 2 && strings.HasPrefix(d.Args[0], "$") {
				n := strings.ToLower(d.Args[0][1:])
				defined[n] = true
				madeOf[n] = append(madeOf[n], variableRefs(d.Args[1])...)
			}
		case "map", "geo", "split_clients":
			if d.IsBlock && len(d.Args) >= 1 {
				name := d.Args[len(d.Args)-1]
				if strings.HasPrefix(name, "$") {
					n := strings.ToLower(name[1:])
					if len(d.Args) == 2 {
						madeOf[n] = append(madeOf[n], variableRefs(d.Args[0])...)
					}
					if d.Name == "map" {
						for _, e := range d.Block {
							// A regex key's named groups are variables.
							for _, m := range namedGroupRe.FindAllStringSubmatch(e.Name, -1) {
								defined[strings.ToLower(m[1])] = true
							}
							for _, a := range e.Args {
								madeOf[n] = append(madeOf[n], variableRefs(a)...)
							}
						}
					}
				}
			}
			return false
		}
		for _, a := range d.Args {
			for _, m := range namedGroupRe.FindAllStringSubmatch(a, -1) {
				defined[strings.ToLower(m[1])] = true
			}
		}
		return true
	})
	known := func(n string) bool {
		if defined[n] || evaluatedVariables[n] || evaluatedSSL[n] {
			return true
		}
		for _, p := range evaluatedPrefixes {
			if strings.HasPrefix(n, p) && len(n) > len(p) {
				return true
			}
		}
		return false
	}
	// cause is, for a variable serve cannot evaluate or one made of such
	// a variable, the one it comes from.
	cause := map[string]string{}
	var resolve func(n string, seen map[string]bool) string
	resolve = func(n string, seen map[string]bool) string {
		if c, ok := cause[n]; ok {
			return c
		}
		if !known(n) {
			return n
		}
		if seen[n] {
			return ""
		}
		seen[n] = true
		for _, m := range madeOf[n] {
			if c := resolve(m, seen); c != "" {
				cause[n] = c
				return c
			}
		}
		cause[n] = ""
		return ""
	}
	var warns []Warning
	var refused []*nginx.Directive
	var names []string
	warned := map[string]bool{}
	visit := func(d *nginx.Directive) bool {
		if d.Name == "map" || d.Name == "geo" || d.Name == "split_clients" || d.Name == "log_format" {
			return false
		}
		isRegex := regexArgs(d)
		for i, a := range d.Args {
			if isRegex[i] {
				continue
			}
			for _, n := range variableRefs(a) {
				c := resolve(n, map[string]bool{})
				if c == "" {
					continue
				}
				via := ""
				if c != n {
					via = " (through $" + n + ")"
				}
				if d.Name == "if" && !slices.Contains(allow, "$"+c) {
					refused = append(refused, d)
					names = append(names, "$"+c)
					continue
				}
				key := fmt.Sprint(d.Pos, c)
				if !warned[key] {
					warned[key] = true
					warns = append(warns, Warning{Pos: d.Pos, Name: "$" + c,
						Detail: "serve does not evaluate this variable (its module is not emulated): it is empty here" + via})
				}
			}
		}
		return true
	}
	if srv.HTTP != nil {
		for _, d := range srv.HTTP.Block {
			if !d.IsBlock {
				visit(d)
			}
		}
	}
	srv.Dir.Walk(visit)
	return warns, refused, names
}
