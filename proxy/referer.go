//go:build unix

package proxy

import (
	"slices"
	"strings"

	"github.com/xaccel/xaccel/nginx"
)

// The referer module (ngx_http_referer_module): valid_referers lists the
// Referer values a location accepts, and $invalid_referer is "1" for any
// other (hotlink protection: `if ($invalid_referer) { return 403; }`), ""
// for one it accepts, as ngx_http_referer_variable decides: `none` accepts
// a request without Referer, `blocked` one whose Referer does not start
// with "http://" or "https://" (or is shorter than "http://i.ru");
// otherwise the host after the scheme (up to '/' or ':', lower-cased) is
// looked up among the names (exact, then `*.example.com`/`.example.com`,
// then `www.example.*`), whose path part, if one was given, must start
// the Referer's path; then the regexes (`~`, case-insensitive) are tried
// on what follows the scheme; `server_names` adds the server's names (a
// regex one is tried on the host).
// Without valid_referers every request is accepted. A valid_referers
// without regexes takes those of the nearest level outside that has some,
// and one without regex server names (from `server_names`) those of the
// nearest level that has some, as ngx_http_referer_merge_conf merges them.

// refererConf is the valid_referers in effect at a location.
type refererConf struct {
	none, blocked bool
	exact         map[string]refererURI
	head          []refererWild // "*.example.com" as ".example.com"
	tail          []refererWild // "www.example.*" as "www.example."
	regexes       []*nginx.Regexp
	nameRegexes   []*nginx.Regexp
}

// refererURI is the path part a name was given with (any: none given).
type refererURI struct {
	any  bool
	path string
}

type refererWild struct {
	key string
	uri refererURI
}

// refererAt reads the valid_referers in effect at levels (nil: none).
// A regex Go cannot run is left out: it matches nothing, so the referers
// it stands for are refused.
func refererAt(levels []*nginx.Directive, srv *nginx.Server) *refererConf {
	d := nearest(levels, "valid_referers")
	if d == nil {
		return nil
	}
	c := &refererConf{exact: map[string]refererURI{}}
	for _, a := range d.Args {
		switch a {
		case "none":
			c.none = true
		case "blocked":
			c.blocked = true
		case "server_names":
			for _, n := range srv.Names {
				if n != "" && !strings.HasPrefix(n, "$") && !strings.HasPrefix(n, "~") {
					c.addName(n)
				}
			}
		default:
			if !strings.HasPrefix(a, "~") {
				c.addName(a)
			}
		}
	}
	// The regexes, own or inherited.
	for _, lv := range levels {
		if lv == nil {
			continue
		}
		vd := lv.First("valid_referers")
		if vd == nil {
			continue
		}
		if c.regexes == nil {
			for _, a := range vd.Args {
				if strings.HasPrefix(a, "~") {
					c.regexes = append(c.regexes, compileOrNil(a[1:]))
				}
			}
		}
		if c.nameRegexes == nil && slices.Contains(vd.Args, "server_names") {
			for _, n := range srv.Names {
				if strings.HasPrefix(n, "~") {
					c.nameRegexes = append(c.nameRegexes, compileOrNil(n[1:]))
				}
			}
		}
	}
	return c
}

func compileOrNil(src string) *nginx.Regexp {
	re, _ := nginx.CompileRegex(src, true)
	return re
}

// addName adds a name of valid_referers, with its path part if any.
func (c *refererConf) addName(name string) {
	host, path, hasPath := strings.Cut(name, "/")
	uri := refererURI{any: !hasPath, path: "/" + path}
	host = strings.ToLower(host)
	switch {
	case strings.HasPrefix(host, "*."):
		c.head = append(c.head, refererWild{host[1:], uri})
	case strings.HasPrefix(host, "."):
		c.head = append(c.head, refererWild{host, uri})
		if _, dup := c.exact[host[1:]]; !dup {
			c.exact[host[1:]] = uri
		}
	case strings.HasSuffix(host, ".*"):
		c.tail = append(c.tail, refererWild{host[:len(host)-1], uri})
	default:
		if _, dup := c.exact[host]; !dup {
			c.exact[host] = uri
		}
	}
}

// invalid is $invalid_referer for a request whose Referer is ref (ok:
// the request has one).
func (c *refererConf) invalid(ref string, ok bool) bool {
	if c == nil {
		return false
	}
	if !ok {
		return !c.none
	}
	scheme := 0
	if len(ref) >= len("http://i.ru") {
		switch {
		case strings.EqualFold(ref[:7], "http://"):
			scheme = 7
		case strings.EqualFold(ref[:8], "https://"):
			scheme = 8
		}
	}
	if scheme == 0 {
		return !c.blocked
	}
	rest := ref[scheme:]
	end := strings.IndexAny(rest, "/:")
	if end < 0 {
		end = len(rest)
	}
	if end > 255 {
		return true
	}
	host := strings.ToLower(rest[:end])
	if uri, found := c.lookup(host); found {
		if uri.any {
			return false
		}
		path := rest[end:]
		if i := strings.IndexByte(path, '/'); i >= 0 {
			path = path[i:]
		} else {
			path = ""
		}
		return !strings.HasPrefix(path, uri.path)
	}
	for _, re := range c.regexes {
		if re != nil && re.MatchString(rest) {
			return false
		}
	}
	// A regex server name is matched against the host alone.
	for _, re := range c.nameRegexes {
		if re != nil && re.MatchString(host) {
			return false
		}
	}
	return true
}

// lookup is ngx_hash_find_combined over the names: exact, the longest
// leading wildcard, then the longest trailing one.
func (c *refererConf) lookup(host string) (refererURI, bool) {
	if uri, ok := c.exact[host]; ok {
		return uri, true
	}
	best, found := -1, false
	var uri refererURI
	for _, w := range c.head {
		if len(host) > len(w.key) && strings.HasSuffix(host, w.key) && len(w.key) > best {
			best, uri, found = len(w.key), w.uri, true
		}
	}
	if found {
		return uri, true
	}
	for _, w := range c.tail {
		if len(host) > len(w.key) && strings.HasPrefix(host, w.key) && len(w.key) > best {
			best, uri, found = len(w.key), w.uri, true
		}
	}
	return uri, found
}
