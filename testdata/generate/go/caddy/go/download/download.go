// Package download serves private files: it checks permission, then hands
// the file to caddy with X-Accel-Redirect, or streams it itself when
// X-Accel is switched off (development). Written by: xaccel generate --backend go --front caddy --internal-prefix /_private/ --files-dir /srv/example/private-files --download-path /files/ --server-name downloads.example.com
package download

import (
	"errors"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path"
	"strings"
)

// Config is the handler's setup. Root and Prefix must agree with the
// front server's configuration.
type Config struct {
	Root string // the private directory on disk
	// Prefix is the internal location that serves Root.
	Prefix string
	// Accel hands files to the front server; off, the handler streams them.
	Accel bool
}

// Handler serves GET and HEAD /<relative path>; mount it with
// http.StripPrefix.
type Handler struct {
	cfg  Config
	root *os.Root
}

// New opens the private directory. os.Root refuses any path that leaves
// it, symlinks included.
func New(cfg Config) (*Handler, error) {
	root, err := os.OpenRoot(cfg.Root)
	if err != nil {
		return nil, err
	}
	return &Handler{cfg: cfg, root: root}, nil
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	rel, err := SafeRelPath(r.URL.Path)
	if err != nil || !CanDownload(r, rel) {
		http.NotFound(w, r)
		return
	}
	f, err := h.root.Open(rel)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		http.NotFound(w, r)
		return
	}

	hdr := w.Header()
	ctype := mime.TypeByExtension(path.Ext(rel))
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	// The real type: nginx passes the app's Content-Type through.
	hdr.Set("Content-Type", ctype)
	hdr.Set("Content-Disposition", ContentDisposition("attachment", path.Base(rel)))
	// Not for shared caches: the answer depends on who asked.
	hdr.Set("Cache-Control", "private, no-store")
	// nginx drops these two from the app's response and sets them in the
	// internal location; they are here for the streamed path.
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Content-Security-Policy", "default-src 'none'; sandbox")

	if h.cfg.Accel {
		// A URI, not a path: every segment percent-encoded once, so that
		// names with %, ?, # or non-ASCII letters reach the right file.
		hdr.Set("X-Accel-Redirect", (&url.URL{Path: h.cfg.Prefix + rel}).EscapedPath())
		return
	}
	// Development: the same file and headers, with ranges and conditionals.
	http.ServeContent(w, r, "", st.ModTime(), f)
}

// SafeRelPath turns the name from the URL (already percent-decoded) into a
// clean relative path, or refuses it: empty names, NUL, backslashes and
// ".." segments are errors, never "fixed".
func SafeRelPath(name string) (string, error) {
	name = strings.TrimPrefix(name, "/")
	if name == "" || strings.ContainsAny(name, "\x00\\") {
		return "", errors.New("bad name")
	}
	for _, seg := range strings.Split(name, "/") {
		if seg == ".." || seg == "." || seg == "" {
			return "", errors.New("bad name")
		}
	}
	return path.Clean(name), nil
}

// ContentDisposition builds the header with an ASCII fallback (RFC 6266:
// quoted, with \ and " escaped, non-ASCII and % replaced by _) and the
// exact name as filename* (RFC 5987, UTF-8, percent-encoded). No string
// concatenation of the raw name: a " in a file name cannot add parameters.
func ContentDisposition(kind, name string) string {
	fallback := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '%' {
			return '_'
		}
		return r
	}, name)
	v := mime.FormatMediaType(kind, map[string]string{"filename": fallback})
	if v == "" {
		v = kind
	}
	const attrChar = "!#$&+-.^_`|~"
	var b strings.Builder
	for _, c := range []byte(name) {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(attrChar, c) >= 0 {
			b.WriteByte(c)
		} else {
			b.WriteString("%")
			b.WriteString(strings.ToUpper(hex2(c)))
		}
	}
	return v + "; filename*=UTF-8''" + b.String()
}

func hex2(c byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[c>>4], digits[c&15]})
}
