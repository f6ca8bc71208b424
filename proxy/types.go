//go:build unix

package proxy

import (
	"github.com/xaccel/xaccel/nginx"
)

// defaultType is nginx's default_type when no level sets one
// (ngx_http_core_merge_loc_conf).
const defaultType = "text/plain"

// Types is a table of file extensions and MIME types, as a `types {}` block
// builds it: extensions are matched case-insensitively (ASCII), and when an
// extension is listed twice the later entry wins (nginx warns "duplicate
// extension" and replaces the earlier type).
type Types struct {
	byExt map[string]string // lower-case extension -> MIME type as written
}

// ParseTypes reads a `types {}` block. Each entry is `type ext ext ...;`;
// the MIME type is used as written, the extensions are lower-cased. An
// `include` inside the block is skipped: the loader has already spliced the
// included entries in after it. A nil d gives an empty table (like
// `types {}`), which matches nothing.
func ParseTypes(d *nginx.Directive) *Types {
	t := &Types{byExt: map[string]string{}}
	t.add(d)
	return t
}

// add appends the entries of the types block d to t.
func (t *Types) add(d *nginx.Directive) {
	if d == nil {
		return
	}
	for _, e := range d.Block {
		if e.Name == "include" || e.IsBlock {
			continue
		}
		for _, ext := range e.Args {
			t.byExt[lowerASCII(ext)] = e.Name
		}
	}
}

// DefaultTypes is the table nginx uses when no level of the configuration
// has a `types` block: the three entries compiled into
// ngx_http_core_default_types (html, gif and jpg). Everything else falls
// back to default_type.
func DefaultTypes() *Types {
	return &Types{byExt: map[string]string{
		"html": "text/html",
		"gif":  "image/gif",
		"jpg":  "image/jpeg",
	}}
}

// Lookup returns the MIME type for the extension of uri, and whether the
// table has one. The extension is nginx's (ngx_http_set_exten): the text
// after the last '.' of the final path segment, where a '.' right after a
// '/' (a leading dot, ".hidden") does not count; the first two bytes of the
// URI are never examined, so "/x" has none and "a.b" (a relative X-Accel
// value) has none either. An empty extension ("/file.") matches nothing.
func (t *Types) Lookup(uri string) (string, bool) {
	if t == nil {
		return "", false
	}
	ext, ok := extension(uri)
	if !ok || ext == "" {
		return "", false
	}
	ct, ok := t.byExt[lowerASCII(ext)]
	return ct, ok
}

// extension is ngx_http_set_exten: scan back from the end of uri down to
// index 2; a '.' not preceded by '/' starts the extension, a '/' ends the
// search.
func extension(uri string) (string, bool) {
	for i := len(uri) - 1; i > 1; i-- {
		switch {
		case uri[i] == '.' && uri[i-1] != '/':
			return uri[i+1:], true
		case uri[i] == '/':
			return "", false
		}
	}
	return "", false
}

// TypeFor returns the Content-Type nginx's static handler gives uri in a
// request handled at levels (innermost first, as nginx.Location.Levels
// returns them): the `types` of the innermost level that has a types block
// (several blocks at one level add up, as in nginx; no block anywhere means
// DefaultTypes), looked up with the extension of uri, or else the
// `default_type` of the innermost level that sets one, or else text/plain.
// The result may be "" (`default_type "";`): nginx then sends no
// Content-Type.
func TypeFor(levels []*nginx.Directive, uri string) string {
	types, def := typeTable(levels)
	return types.typeFor(uri, def)
}

// typeFor is the type of uri in types, or else def.
func (t *Types) typeFor(uri, def string) string {
	if ct, ok := t.Lookup(uri); ok {
		return ct
	}
	return def
}

// typeTable is what TypeFor looks uri up in at levels: the types table in
// effect and the default_type (text/plain when no level sets one).
func typeTable(levels []*nginx.Directive) (*Types, string) {
	var types *Types
	for _, lv := range levels {
		if lv == nil {
			continue
		}
		var blocks []*nginx.Directive
		for _, d := range lv.Find("types") {
			if d.IsBlock {
				blocks = append(blocks, d)
			}
		}
		if len(blocks) == 0 {
			continue
		}
		types = &Types{byExt: map[string]string{}}
		for _, b := range blocks {
			types.add(b)
		}
		break
	}
	if types == nil {
		types = DefaultTypes()
	}
	for _, lv := range levels {
		if lv == nil {
			continue
		}
		if d := lv.First("default_type"); d != nil {
			return types, d.Arg(0)
		}
	}
	return types, defaultType
}

// lowerASCII lower-cases A-Z only, as ngx_hash_strlow does.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
