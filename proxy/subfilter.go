//go:build unix

package proxy

import (
	"bytes"
	"net/http"
	"strings"

	"github.com/xaccel/xaccel/nginx"
)

// The sub filter (ngx_http_sub_filter_module): with sub_filter STRING
// REPLACEMENT (of the innermost level that has any; variables in both), a
// response of one of sub_filter_types (text/html by default) has each
// string replaced, matched ignoring case, left to right, the first string
// in configuration order winning at a position; with sub_filter_once on
// (the default) each string is replaced once. The response loses its
// Content-Length, and its Last-Modified and ETag unless
// sub_filter_last_modified is on (then the ETag is weak); a compressed
// one (Content-Encoding) is left alone.

// subConf is sub_filter's settings at a location.
type subConf struct {
	pairs        []*nginx.Directive
	once         bool
	lastModified bool
	types        []string
}

func subAt(levels []*nginx.Directive) subConf {
	c := subConf{pairs: nginx.Effective(levels, "sub_filter"), once: !flagOff(levels, "sub_filter_once"),
		lastModified: flagOn(levels, "sub_filter_last_modified"), types: []string{"text/html"}}
	if d := nearest(levels, "sub_filter_types"); d != nil {
		c.types = append(c.types, d.Args...)
	}
	return c
}

// subHeader is ngx_http_sub_header_filter for the response being written
// through hw with header hdr, of type ct: whether sub_filter applies to
// it (the header then loses what the filter takes away).
func (hw *hookWriter) subHeader(hdr http.Header, ct string) bool {
	c := &hw.lc.sub
	if len(c.pairs) == 0 || hdr.Get("Content-Length") == "0" || hdr.Get("Content-Encoding") != "" {
		return false
	}
	if !typeListed(c.types, ct) {
		return false
	}
	delete(hdr, "Content-Length")
	delete(hdr, "Accept-Ranges") // no length: the range filter stays out
	if !c.lastModified {
		delete(hdr, "Last-Modified")
		delete(hdr, "Etag")
	} else if e := hdr.Get("ETag"); e != "" && !strings.HasPrefix(e, "W/") {
		hdr.Set("ETag", "W/"+e)
	}
	return true
}

// typeListed reports whether the type of ct is in types ("*": any).
func typeListed(types []string, ct string) bool {
	typ, _, _ := strings.Cut(ct, ";")
	typ = strings.ToLower(strings.TrimSpace(typ))
	for _, t := range types {
		if t == "*" || strings.ToLower(t) == typ {
			return true
		}
	}
	return false
}

// applySub replaces the strings of c in body.
func (h *Handler) applySub(rq *request, c *subConf, body []byte) []byte {
	type pair struct {
		from, to []byte
		used     bool
	}
	var pairs []*pair
	for _, d := range c.pairs {
		from := bytes.ToLower([]byte(h.expand(rq, d.Arg(0))))
		if len(from) == 0 {
			continue
		}
		pairs = append(pairs, &pair{from: from, to: []byte(h.expand(rq, d.Arg(1)))})
	}
	if len(pairs) == 0 {
		return body
	}
	lower := bytes.ToLower(body)
	out := make([]byte, 0, len(body))
	for i := 0; i < len(body); {
		matched := false
		for _, p := range pairs {
			if c.once && p.used || !bytes.HasPrefix(lower[i:], p.from) {
				continue
			}
			out = append(out, p.to...)
			i += len(p.from)
			p.used, matched = true, true
			break
		}
		if !matched {
			out = append(out, body[i])
			i++
		}
	}
	return out
}
