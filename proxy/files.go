package proxy

import (
	"net/http"
	"os"
	"strings"

	"github.com/xaccel/xaccel/nginx"
)

// doFiles serves a static file for a location without a content handler:
// try_files, then the static handler, then index for a URI ending in '/'.
// next is true when an internal redirect (index, try_files fallback)
// restarts the location search.
func (h *Handler) doFiles(w http.ResponseWriter, rq *request, l *nginx.Location, caps []string) (bool, int) {
	if l != nil {
		if tf := l.Dir.First("try_files"); tf != nil && len(tf.Args) >= 2 {
			return h.tryFiles(w, rq, l, caps, tf)
		}
	}
	return h.static(w, rq, l, caps)
}

// path maps uri to the file nginx opens, with --map-root applied.
func (h *Handler) path(l *nginx.Location, uri string, caps []string) (string, bool) {
	p, ok := h.srv.MapPath(l, uri, caps)
	if !ok {
		return "", false
	}
	for _, m := range h.opts.MapRoot {
		if p == m[0] || strings.HasPrefix(p, strings.TrimSuffix(m[0], "/")+"/") {
			return m[1] + p[len(strings.TrimSuffix(m[0], "/")):], true
		}
	}
	return p, true
}

func (h *Handler) static(w http.ResponseWriter, rq *request, l *nginx.Location, caps []string) (bool, int) {
	p, ok := h.path(l, rq.uri, caps)
	if !ok {
		return false, h.errorPage(w, rq, http.StatusNotFound, l)
	}
	r := rq.r
	if r.Method != rq.method {
		r = r.Clone(r.Context())
		r.Method = rq.method
	}
	res := ServeStatic(h.hook(w, rq, l), r, StaticParams{
		Path: p, URI: rq.uri, Args: rq.args,
		ContentType: TypeFor(h.levels(l), rq.uri),
		Header:      rq.out,
	})
	if !res.Declined {
		rq.trace = append(rq.trace, "file "+p)
		return false, res.Status
	}
	// index: the first index file that exists is an internal redirect.
	names := []string{"index.html"}
	if ds := nginx.Effective(h.levels(l), "index"); len(ds) > 0 {
		names = ds[0].Args
	}
	for _, n := range names {
		if st, err := os.Stat(p + n); err == nil && !st.IsDir() {
			rq.uri += n
			rq.internal = true
			return true, 0
		}
	}
	if st, err := os.Stat(p); err == nil && st.IsDir() {
		return false, h.errorPage(w, rq, http.StatusForbidden, l)
	}
	return false, h.errorPage(w, rq, http.StatusNotFound, l)
}

// tryFiles checks each argument but the last as a file (or, ending in '/',
// a directory) and serves the first that exists; otherwise the last
// argument is =code, @name or a URI to redirect to internally.
func (h *Handler) tryFiles(w http.ResponseWriter, rq *request, l *nginx.Location, caps []string, tf *nginx.Directive) (bool, int) {
	for _, a := range tf.Args[:len(tf.Args)-1] {
		v := h.expand(rq, a)
		dir := strings.HasSuffix(v, "/")
		// MapPath strips the location name of a prefix alias location
		// from v, as nginx does for try_files (nginx-semantics 5.4).
		p, ok := h.path(l, v, caps)
		if !ok {
			continue
		}
		st, err := os.Stat(p)
		if err != nil || st.IsDir() != dir {
			continue
		}
		rq.uri = strings.TrimSuffix(v, "/")
		if dir {
			rq.uri = v
		}
		return h.static(w, rq, l, caps)
	}
	last := h.expand(rq, tf.Args[len(tf.Args)-1])
	switch {
	case strings.HasPrefix(last, "="):
		code := 0
		for _, c := range last[1:] {
			if c < '0' || c > '9' {
				code = 0
				break
			}
			code = code*10 + int(c-'0')
		}
		if code == 0 {
			code = http.StatusInternalServerError
		}
		return false, h.errorPage(w, rq, code, l)
	case strings.HasPrefix(last, "@"):
		named := h.named(last)
		if named == nil {
			return false, h.errorPage(w, rq, http.StatusInternalServerError, l)
		}
		rq.internal = true
		return h.runNamed(w, rq, named)
	}
	uri, args, _ := strings.Cut(last, "?")
	rq.uri, rq.internal = uri, true
	if args != "" {
		rq.args = args
	}
	return true, 0
}
