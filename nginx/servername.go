package nginx

import (
	"fmt"
	"strings"
)

// serverNames are the server_name tables of one address, as
// ngx_http_server_names builds them: exact names, leading wildcards
// (`*.example.com`, `.example.com`), trailing wildcards (`www.example.*`)
// and regular expressions in configuration order. A name that two servers
// give belongs to the first (nginx warns "conflicting server name ...,
// ignored" and drops the later one).
type serverNames struct {
	exact map[string]*Server
	head  map[string]headWildcard // by the suffix after "*." or "."
	tail  map[string]*Server      // by the prefix before ".*"
	regex []serverRegex
}

type headWildcard struct {
	srv *Server
}

type serverRegex struct {
	re  *Regexp
	srv *Server
}

// NameOf is the primary name of s, what $server_name is, and $host when
// the request gave no host: its first server_name, without the leading
// dot of `.example.com`, a regex with its "~"; "" for a server without
// server_name (nginx's default is the empty name).
func (s *Server) NameOf(hostname string) string {
	if len(s.Names) == 0 {
		return ""
	}
	n := s.Names[0]
	if strings.EqualFold(n, "$hostname") {
		return hostname
	}
	if strings.HasPrefix(n, "~") {
		return n
	}
	return strings.ToLower(strings.TrimPrefix(n, "."))
}

// hasRegexName reports whether s has a regex server_name: nginx then
// builds the name tables even for a single server, for its captures.
func hasRegexName(s *Server) bool {
	if s == nil {
		return false
	}
	for _, n := range s.Names {
		if strings.HasPrefix(n, "~") {
			return true
		}
	}
	return false
}

// serverNameDirective finds the server_name directive of s that holds
// name, for error positions.
func serverNameDirective(s *Server, name string) Pos {
	for _, d := range s.Dir.Find("server_name") {
		for _, a := range d.Args {
			if a == name {
				return d.Pos
			}
		}
	}
	return s.Dir.Pos
}

// buildNames builds the tables of the servers of one address (where names
// the address in messages).
func buildNames(servers []*Server, where string, o ListenOptions, errs []error) (*serverNames, []error) {
	t := &serverNames{exact: map[string]*Server{}, head: map[string]headWildcard{}, tail: map[string]*Server{}}
	for _, s := range servers {
		names := s.Names
		if len(names) == 0 {
			names = []string{""}
		}
		for _, raw := range names {
			pos := serverNameDirective(s, raw)
			if strings.HasPrefix(raw, "~") {
				src := raw[1:]
				re, err := CompileRegex(src, strings.ToLower(src) != src)
				if err != nil {
					errs = append(errs, &ListenError{pos, fmt.Sprintf("server_name %q: the regular expression cannot be used: %v", raw, err)})
					continue
				}
				t.regex = append(t.regex, serverRegex{re, s})
				continue
			}
			name := strings.ToLower(raw)
			if strings.EqualFold(raw, "$hostname") {
				name = strings.ToLower(o.Hostname)
			}
			if !t.add(name, s) {
				errs = append(errs, &ListenError{pos, fmt.Sprintf("invalid server name or wildcard %q on %s", raw, where)})
			}
		}
	}
	return t, errs
}

// add is ngx_hash_add_key with NGX_HASH_WILDCARD_KEY: false for a name
// nginx refuses (two '*', a '*' elsewhere than "*." at the start or ".*"
// at the end, "..", a NUL). A name already taken is ignored.
func (t *serverNames) add(name string, s *Server) bool {
	if strings.Count(name, "*") > 1 || strings.Contains(name, "..") || strings.IndexByte(name, 0) >= 0 {
		return false
	}
	switch {
	case len(name) > 1 && name[0] == '.':
		bare := name[1:]
		if _, ok := t.exact[bare]; ok {
			return true // conflicting with the exact name: all of it ignored
		}
		if _, ok := t.head[bare]; ok {
			return true
		}
		t.exact[bare] = s
		t.head[bare] = headWildcard{s}
	case len(name) > 2 && strings.HasPrefix(name, "*."):
		if _, ok := t.head[name[2:]]; !ok {
			t.head[name[2:]] = headWildcard{s}
		}
	case len(name) > 2 && strings.HasSuffix(name, ".*"):
		if _, ok := t.tail[name[:len(name)-2]]; !ok {
			t.tail[name[:len(name)-2]] = s
		}
	case strings.Contains(name, "*"):
		return false
	default:
		if _, ok := t.exact[name]; !ok {
			t.exact[name] = s
		}
	}
	return true
}

// Pick is the server that answers a request for host on this address, as
// ngx_http_find_virtual_server chooses it: host is the request's host as
// nginx keeps it (lower case, no port, no trailing dot; "" when the request
// gave none). The exact name, else the longest leading wildcard, else the
// longest trailing wildcard, else the first regex that matches (not tried
// for ""), else the default server. vars are the named captures of the
// regex that matched, which nginx makes variables.
func (g *ListenGroup) Pick(host string) (srv *Server, vars map[string]string) {
	if g.names == nil {
		return g.Default, nil
	}
	t := g.names
	if s, ok := t.exact[host]; ok {
		return s, nil
	}
	if host == "" {
		return g.Default, nil
	}
	for i := 0; i < len(host); i++ {
		if host[i] == '.' {
			if w, ok := t.head[host[i+1:]]; ok {
				return w.srv, nil
			}
		}
	}
	for i := len(host) - 1; i > 0; i-- {
		if host[i] == '.' && i < len(host)-1 {
			if s, ok := t.tail[host[:i]]; ok {
				return s, nil
			}
		}
	}
	for _, r := range t.regex {
		m := r.re.FindStringSubmatch(host)
		if m == nil {
			continue
		}
		for i, n := range r.re.SubexpNames() {
			if n != "" {
				if vars == nil {
					vars = map[string]string{}
				}
				vars[n] = m[i]
			}
		}
		return r.srv, vars
	}
	return g.Default, nil
}
