//go:build unix

package proxy

import (
	"strings"

	"github.com/xaccel/xaccel/nginx"
)

// The map module (ngx_http_map_module): `map SOURCE $name { ... }` at the
// http level makes $name a variable computed when it is used, as
// ngx_http_map_find does: the source value (variables expanded) is looked
// up as a string, ignoring case (with `hostnames`, also against
// `*.example.com`, `.example.com` and `example.*` keys: the exact name,
// then the longest leading wildcard, then the longest trailing one); then
// the regex keys (`~`, `~*` ignoring case) are tried in order, their
// captures available to the value; else the default ("" without one).

// mapDef is one map block.
type mapDef struct {
	source    string
	def       string
	exact     map[string]string // lower-cased keys
	leading   []mapWild         // "*.example.com" and ".example.com" as ".example.com"
	trailing  []mapWild         // "example.*" as "example."
	regexes   []mapRegex
	hostnames bool
	volatile  bool // its value is not kept (ngx_http_map's NGX_HTTP_VAR_NOCACHEABLE)
}

type mapWild struct{ key, value string }

type mapRegex struct {
	re    *nginx.Regexp
	value string
}

// collectMaps reads the map blocks of the http level. A regex key Go cannot
// compile makes the map's lookups fall through it, which New reports.
func collectMaps(srv *nginx.Server) (map[string]*mapDef, []Warning) {
	if srv.HTTP == nil {
		return nil, nil
	}
	var warns []Warning
	maps := map[string]*mapDef{}
	for _, d := range srv.HTTP.Find("map") {
		if !d.IsBlock || len(d.Args) != 2 || !strings.HasPrefix(d.Args[1], "$") {
			continue
		}
		m := &mapDef{source: d.Args[0], exact: map[string]string{}}
		for _, e := range d.Block {
			if e.Name == "hostnames" && len(e.Args) == 0 {
				m.hostnames = true
			}
			if e.Name == "volatile" && len(e.Args) == 0 {
				m.volatile = true
			}
		}
		for _, e := range d.Block {
			key, value := e.Name, e.Arg(0)
			switch {
			case len(e.Args) == 0 && (key == "hostnames" || key == "volatile"):
				continue
			case key == "include" || len(e.Args) != 1:
				continue // an include's entries follow it in the block
			case key == "default":
				m.def = value
				continue
			}
			key = strings.TrimPrefix(key, "\\") // "\default": the string "default"
			switch {
			case strings.HasPrefix(e.Name, "~"):
				src, caseless := strings.TrimPrefix(e.Name, "~"), false
				if strings.HasPrefix(src, "*") {
					src, caseless = src[1:], true
				}
				re, err := nginx.CompileRegex(src, caseless)
				if err != nil {
					warns = append(warns, Warning{Pos: e.Pos, Name: "map", Detail: "a regular expression Go cannot run: it never matches here"})
					continue
				}
				m.regexes = append(m.regexes, mapRegex{re: re, value: value})
			case m.hostnames && strings.HasPrefix(key, "*."):
				m.leading = append(m.leading, mapWild{strings.ToLower(key[1:]), value})
			case m.hostnames && strings.HasPrefix(key, "."):
				m.leading = append(m.leading, mapWild{strings.ToLower(key), value})
				if _, dup := m.exact[strings.ToLower(key[1:])]; !dup {
					m.exact[strings.ToLower(key[1:])] = value
				}
			case m.hostnames && strings.HasSuffix(key, ".*"):
				m.trailing = append(m.trailing, mapWild{strings.ToLower(key[:len(key)-1]), value})
			default:
				k := strings.ToLower(key)
				if _, dup := m.exact[k]; !dup {
					m.exact[k] = value
				}
			}
		}
		maps[strings.TrimPrefix(d.Args[1], "$")] = m
	}
	return maps, warns
}

// mapValue evaluates map m for rq. A map whose source leads back to it
// (directly or through other maps) gives "" past a few levels, where nginx
// logs "cycle while evaluating variable".
func (h *Handler) mapValue(rq *request, m *mapDef) string {
	if rq.mapDepth >= 8 {
		rq.note("cycle while evaluating a map variable")
		return ""
	}
	rq.mapDepth++
	defer func() { rq.mapDepth-- }()
	src := h.expand(rq, m.source)
	if v, ok := m.lookup(src); ok {
		return h.expand(rq, v)
	}
	if src != "" {
		for _, r := range m.regexes {
			if mt := r.re.FindStringSubmatchIndex(src); mt != nil {
				h.setCaptures(rq, r.re, src, mt)
				return h.expand(rq, r.value)
			}
		}
	}
	return h.expand(rq, m.def)
}

// lookup finds the string keys' value for src: the exact key, then with
// hostnames the longest leading wildcard, then the longest trailing one.
func (m *mapDef) lookup(src string) (string, bool) {
	if m.hostnames {
		src = strings.TrimSuffix(src, ".")
	}
	// An empty value is looked up too: ngx_hash_find_combined tries the
	// exact keys, where a `""` key matches it, before it gives up on an
	// empty name for the wildcards.
	low := strings.ToLower(src)
	if v, ok := m.exact[low]; ok {
		return v, true
	}
	if !m.hostnames || src == "" {
		return "", false
	}
	best := -1
	for i, w := range m.leading {
		if len(low) > len(w.key) && strings.HasSuffix(low, w.key) && (best < 0 || len(w.key) > len(m.leading[best].key)) {
			best = i
		}
	}
	if best >= 0 {
		return m.leading[best].value, true
	}
	for i, w := range m.trailing {
		if len(low) > len(w.key) && strings.HasPrefix(low, w.key) && (best < 0 || len(w.key) > len(m.trailing[best].key)) {
			best = i
		}
	}
	if best >= 0 {
		return m.trailing[best].value, true
	}
	return "", false
}
