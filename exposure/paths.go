package exposure

import (
	"fmt"
	"path"
	"strings"

	"github.com/xaccel/xaccel/nginx"
)

// CleanDir cleans a "/"-separated directory path (a trailing slash goes);
// "" stays "".
func CleanDir(d string) string {
	if d == "" {
		return ""
	}
	return path.Clean(d)
}

// Within reports whether p is dir or inside it (both "/"-separated; p is
// cleaned first, so "/a/b/../c" is inside "/a"). An empty path is inside
// nothing.
func Within(p, dir string) bool {
	if p == "" || dir == "" {
		return false
	}
	p, dir = path.Clean(p), path.Clean(dir)
	return p == dir || dir == "/" || strings.HasPrefix(p, dir+"/")
}

// UnderPrefix reports whether uri is covered by the URL prefix pre: it
// starts with pre, or it is pre without its trailing slash.
func UnderPrefix(uri, pre string) bool {
	if pre == "" {
		return false
	}
	if strings.HasPrefix(uri, pre) {
		return true
	}
	return uri == strings.TrimSuffix(pre, "/")
}

// JoinURI joins a URL prefix and a relative file name with exactly one
// slash between them: /media + a.pdf and /media/ + a.pdf are both
// /media/a.pdf. A prefix that does not end in a slash is not a directory
// for nginx either: the name still goes after a slash, because that is the
// URI whose file lies in the directory the prefix maps to.
func JoinURI(prefix, rel string) string {
	return strings.TrimSuffix(prefix, "/") + "/" + strings.TrimPrefix(rel, "/")
}

// EscapePath percent-encodes the bytes of a decoded path that may not
// appear raw in a request target; '/' and the unreserved and sub-delim
// characters are kept, so nginx decodes the result back to p.
func EscapePath(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("/-._~!$&'()*+,;=:@", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// fileAmong returns the file of files that is want (a cleaned path), or
// the first one when want is "" (the area's directory is unknown).
func fileAmong(files []string, want string) (string, bool) {
	for _, f := range files {
		if want == "" || path.Clean(f) == want {
			return f, true
		}
	}
	return "", false
}

// unknownVar stands for the value of a variable the model cannot know
// ($host, $cookie_x) in a try_files argument: it can hold neither "/" nor
// "..", so a path that has it names no protected file.
const unknownVar = "\x00"

// fileFor returns the files nginx may send for uri in location l (nil: the
// server level): with try_files, the file of each argument before the last
// that can be a file (in order; an argument that ends in "/" tests a
// directory and is skipped), with $uri, $1..$9 and literally `set`
// variables replaced; without it, the file the URI maps to. ok is false
// when the root or alias cannot be resolved.
func fileFor(s *nginx.Server, l *nginx.Location, uri string, caps []string) ([]string, bool) {
	var tf *nginx.Directive
	if l != nil {
		tf = l.Dir.First("try_files")
	} else if s.Dir != nil {
		tf = s.Dir.First("try_files")
	}
	if tf == nil || len(tf.Args) < 2 {
		p, ok := s.MapFile(l, uri, caps)
		if !ok {
			return nil, false
		}
		return []string{p}, true
	}
	var out []string
	resolved := false
	for _, arg := range tf.Args[:len(tf.Args)-1] {
		if strings.HasSuffix(arg, "/") {
			continue
		}
		if strings.Contains(arg, "$request_filename") {
			// The mapped file itself (as the alias and root give it).
			if p, ok := s.MapFile(l, uri, caps); ok {
				out = append(out, p)
				resolved = true
			}
			continue
		}
		tried := expandTry(s, arg, uri, caps)
		p, ok := s.MapFile(l, tried, caps)
		if !ok {
			continue
		}
		resolved = true
		if !strings.Contains(p, unknownVar) {
			out = append(out, p)
		}
	}
	return out, resolved
}

// expandTry evaluates a try_files argument for uri: $uri (and
// $document_uri) is the URI, $1..$9 the captures, a variable set to one
// literal value that value; any other variable becomes unknownVar.
func expandTry(s *nginx.Server, arg, uri string, caps []string) string {
	v, ok := nginx.Expand(arg, caps, func(name string) (string, bool) {
		if name == "uri" || name == "document_uri" {
			return uri, true
		}
		if v, ok := s.LiteralVar(name); ok {
			return v, true
		}
		return unknownVar, true
	})
	if !ok {
		return unknownVar
	}
	return v
}
