//go:build unix

package proxy

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"syscall"

	"github.com/xaccel/xaccel/nginx"
	"github.com/xaccel/xaccel/proxy/internal/http1"
)

// doFiles serves a static file for a location without a content handler:
// try_files, then the static handler, then index for a URI ending in '/'.
func (h *Handler) doFiles(w http.ResponseWriter, rq *request, l *nginx.Location, caps []string) step {
	// try_files is not inherited by the configuration of a matched if
	// block, nor by that of a limit_except block (for the methods it does
	// not name): nginx runs the request with those.
	lc := h.conf(l)
	if tf := lc.tryFiles; tf != nil && len(tf.Args) >= 2 && !rq.inIf && !lc.limited(rq.method) {
		return h.tryFiles(w, rq, l, caps, tf)
	}
	return h.static(w, rq, l, caps)
}

// path maps uri to the file nginx opens for rq, with the request's
// variables in root or alias and --map-root applied.
func (h *Handler) path(rq *request, l *nginx.Location, uri string, caps []string) (string, bool) {
	p, ok := h.srv.MapPathWith(l, uri, caps, func(name string) (string, bool) { return h.variable(rq, name), true })
	if !ok {
		if h.hasRoot(l) {
			return "", false
		}
		// No root or alias anywhere: nginx's default, `root html`.
		p = "html" + uri
	}
	if rq.addURIToAlias && isRegexAlias(l) {
		p += uri // try_files found the file after the alias
	}
	return h.mapRoot(h.fullName(p)), true
}

// hasRoot reports whether a root or alias applies to l (nil: the server
// level).
func (h *Handler) hasRoot(l *nginx.Location) bool {
	if l == nil {
		return h.srv.ServerRoot() != nil
	}
	d, _ := l.DocRoot()
	return d != nil
}

// fullName is ngx_get_full_name: a relative root or alias path starts at
// the prefix (nginx's -p, serve's --prefix), joined as text: the URI in it
// is not cleaned.
func (h *Handler) fullName(p string) string {
	if strings.HasPrefix(p, "/") || h.prefix == "" {
		return p
	}
	return strings.TrimSuffix(h.prefix, "/") + "/" + p
}

// aliasRewritten reports, and logs as nginx does, that l maps URIs with
// alias (its own or an enclosing location's) while a rewrite changed rq's
// URI and a break kept the request in l, or before the location was
// searched again (a return or set after a rewrite without flag; Debian's
// nginx 1.22.1 refuses that since its fix for CVE-2026-15176):
// ngx_http_map_uri_to_path refuses it, and the handler that asked answers
// 500, instead of serving a file the rewritten URI names under an alias
// meant for another.
func (h *Handler) aliasRewritten(rq *request, l *nginx.Location) bool {
	if !rq.invalidLocation && !rq.uriChanged || l == nil {
		return false
	}
	if d, _ := l.DocRoot(); d == nil || d.Name != "alias" {
		return false
	}
	h.logError(rq, h.conf(l), logAlert, nil, fmt.Sprintf("\"alias\" cannot be used in location \"%s\" where URI was rewritten", l.Match))
	return true
}

// mapRoot applies --map-root to a file system path.
func (h *Handler) mapRoot(p string) string {
	for _, m := range h.opts.MapRoot {
		if p == m[0] || strings.HasPrefix(p, strings.TrimSuffix(m[0], "/")+"/") {
			return m[1] + p[len(strings.TrimSuffix(m[0], "/")):]
		}
	}
	return p
}

// conditionalHeaders are the request headers of the not-modified and range
// filters, which do not run for a response whose status is not 200.
var conditionalHeaders = []string{"Range", "If-Range", "If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since"}

// static runs the static handler (ServeStatic) for rq.uri, then index for
// a URI ending in '/'. An error the static handler answers with goes to
// error_page when one is configured for it. After an error_page redirect,
// the file is sent with the error's status, without the not-modified and
// range filters, Last-Modified and the range filter's Accept-Ranges.
func (h *Handler) static(w http.ResponseWriter, rq *request, l *nginx.Location, caps []string) step {
	// The static, index and autoindex handlers map the URI only for the
	// methods they answer; the others end in 405 as without the alias.
	if m := rq.method; (m == http.MethodGet || m == http.MethodHead || m == http.MethodPost) && h.aliasRewritten(rq, l) {
		return h.fail(w, rq, http.StatusInternalServerError, l)
	}
	p, ok := h.path(rq, l, rq.uri, caps)
	if !ok {
		return h.fail(w, rq, http.StatusNotFound, l)
	}
	lc := h.conf(l)
	levels := lc.levels
	r := rq.r
	errStatus := rq.errStatus
	ct := lc.types.typeFor(rq.uri, lc.defaultType)
	ssi := lc.ssi.applies(ct) || len(lc.sub.pairs) > 0 && typeListed(lc.sub.types, ct)
	if r.Method != rq.method || (errStatus != 0 && errStatus != http.StatusOK) || rq.isSubrequest() || ssi {
		r = r.Clone(r.Context())
		r.Method = rq.method
		// The not-modified and range filters leave subrequests alone
		// (r != r->main): an SSI include's, auth_request's.
		if errStatus != 0 && errStatus != http.StatusOK || rq.isSubrequest() {
			for _, k := range conditionalHeaders {
				r.Header.Del(k)
			}
		}
		if ssi {
			// The SSI and sub filters take the length away before the
			// range filter runs: the whole page, not a range of it.
			r.Header.Del("Range")
			r.Header.Del("If-Range")
		}
	}
	hdr := w.Header()
	iw := h.hook(w, rq, l, remapStatic)
	iw.staticErr = errStatus
	// An error the static handler answers with goes to an error_page
	// only when the location has one: then the header as it is now is
	// what the error page starts from.
	var saved http.Header
	if lc.errorPages {
		saved = hdr.Clone()
		iw.intercept = true
	}
	pol := h.symlinkPolicy(rq, l, caps, p)
	params := StaticParams{
		Path: p, URI: rq.uri, Args: rq.args,
		ContentType: lc.types.typeFor(rq.uri, lc.defaultType),
		Header:      rq.out,
		Host:        h.redirectHost(rq.r, levels),
		HostSet:     true,
		symlinks:    pol,
	}
	if d := nearest(levels, "absolute_redirect"); d != nil && d.Arg(0) == "off" {
		params.RelativeRedirect = true
	}
	if d := nearest(levels, "if_modified_since"); d != nil {
		params.IfModifiedSince = d.Arg(0)
	}
	params.Ranges = maxRanges(levels)
	params.rangeLM, params.rangeETag = h.addedValidators(rq, lc)
	// The type add_header's $sent_http_content_type sees when the range
	// filter, after the headers filter, makes the answer multipart or 416
	// (see hookWriter.before): the file's, before the charset filter.
	rq.fileType = params.ContentType
	if vs := rq.out.Values("Content-Type"); len(vs) > 0 {
		rq.fileType = vs[0]
	}
	defer func() { rq.fileType = "" }()
	if multipartRanges(r, p, &params) {
		// The charset filter runs before the range filter, so the parts
		// of a multipart/byteranges answer show its result.
		pre := http.Header{}
		if vs := rq.out.Values("Content-Type"); len(vs) > 0 {
			pre.Set("Content-Type", vs[0])
		} else if params.ContentType != "" {
			pre.Set("Content-Type", params.ContentType)
		}
		// The parts are recoded as the whole would be.
		iw.multipartRecode = h.charsetFilter(pre, rq, lc, http.StatusOK)
		if ct := pre.Get("Content-Type"); ct != "" {
			if len(rq.out.Values("Content-Type")) > 0 {
				params.Header = rq.out.Clone()
				params.Header.Set("Content-Type", ct)
			} else {
				params.ContentType = ct
			}
		}
	}
	http1.Order(w, rq.outOrder...) // what X-Accel-Redirect kept comes first
	res := ServeStatic(iw, r, params)
	if iw.caught != 0 {
		if res.OpenErr != nil {
			// logged before error_page takes the request elsewhere
			h.logOpenFailed(rq, lc, p, openErrorStatus(res.OpenErr), res.OpenErr)
		}
		for k := range hdr {
			delete(hdr, k)
		}
		if iw.caught == http.StatusPreconditionFailed {
			// ngx_http_filter_finalize_request cleans the header first.
			rq.out = http.Header{}
			rq.wwwAuthSet = false
		} else {
			for k, vs := range saved {
				hdr[k] = vs
			}
		}
		if rq.tracing {
			rq.trace = append(rq.trace, "file "+p)
		}
		return h.fail(w, rq, iw.caught, l)
	}
	if res.OpenErr != nil {
		h.logOpenFailed(rq, lc, p, openErrorStatus(res.OpenErr), res.OpenErr)
	}
	if !res.Declined {
		if rq.tracing {
			rq.trace = append(rq.trace, "file "+p)
		}
		status := res.Status
		if status == http.StatusOK && errStatus != 0 {
			status = errStatus
		}
		return done(status)
	}
	// index (ngx_http_index_module, GET, HEAD and POST only): the first
	// index file that exists is an internal redirect, with the args.
	if rq.method == http.MethodGet || rq.method == http.MethodHead || rq.method == http.MethodPost {
		names := []string{"index.html"}
		if d := nginx.Effective(levels, "index"); len(d) > 0 {
			names = nil
			for _, di := range d {
				names = append(names, di.Args...)
			}
		}
		dirTested := false
		for _, n := range names {
			n = h.expand(rq, n)
			if strings.HasPrefix(n, "/") {
				// an absolute index is the last resort: no test.
				return h.redirectURI(w, rq, l, n, rq.args)
			}
			fd, err := openPath(p+n, syscall.O_RDONLY|syscall.O_NONBLOCK, pol)
			if err == nil {
				syscall.Close(fd)
				return h.redirectURI(w, rq, l, rq.uri+n, rq.args)
			}
			switch err {
			case syscall.ELOOP, syscall.EMLINK:
				return h.fail(w, rq, http.StatusForbidden, l)
			case syscall.EACCES, syscall.ENOTDIR, syscall.ENAMETOOLONG:
				return h.fail(w, rq, h.indexError(rq, lc, p+n, err), l)
			}
			if !dirTested {
				// ngx_http_index_test_dir: the directory is the path
				// without its last '/' (an alias without one: all of it).
				dirTested = true
				dir := p
				if len(dir) > 1 && strings.HasSuffix(dir, "/") {
					dir = dir[:len(dir)-1]
				}
				if st, err := statPath(dir, pol); err == nil && !isDirStat(&st) {
					// the line names the index file: nginx restores the
					// character it cut before writing it
					h.logError(rq, lc, logAlert, nil, fmt.Sprintf("\"%s\" is not a directory", p+n))
					return h.fail(w, rq, http.StatusInternalServerError, l)
				} else if err != nil {
					switch err {
					case syscall.ELOOP, syscall.EMLINK:
						return h.fail(w, rq, http.StatusForbidden, l)
					case syscall.ENOENT:
						// nginx names the index file (the directory's name is
						// cut from it and restored before the line is written).
						return h.fail(w, rq, h.indexError(rq, lc, p+n, err), l)
					case syscall.EACCES:
					default:
						h.logError(rq, lc, logCrit, err, fmt.Sprintf("stat() \"%s\" failed", dir))
						return h.fail(w, rq, http.StatusInternalServerError, l)
					}
				}
			}
			if err != syscall.ENOENT {
				h.logError(rq, lc, logCrit, err, fmt.Sprintf("open() \"%s\" failed", p+n))
				return h.fail(w, rq, http.StatusInternalServerError, l)
			}
		}
		if st, err := statPath(p, pol); err != nil || !isDirStat(&st) {
			return h.fail(w, rq, http.StatusNotFound, l)
		}
	}
	if autoindexOn(rq, lc) {
		return h.autoindex(w, rq, l, p)
	}
	// ngx_http_core_content_phase: a directory nothing listed
	h.logError(rq, lc, logErr, nil, fmt.Sprintf("directory index of \"%s\" is forbidden", p))
	return h.fail(w, rq, http.StatusForbidden, l)
}

// indexError is ngx_http_index_error: 403 for a file or directory that
// may not be read, else 404, logged (the 404 with log_not_found).
func (h *Handler) indexError(rq *request, lc *locConf, file string, err error) int {
	if err == syscall.EACCES {
		h.logError(rq, lc, logErr, err, fmt.Sprintf("\"%s\" is forbidden", file))
		return http.StatusForbidden
	}
	if lc.logNotFound {
		h.logError(rq, lc, logErr, err, fmt.Sprintf("\"%s\" is not found", file))
	}
	return http.StatusNotFound
}

// multipartRanges reports whether ServeStatic will answer r for the file
// at path with a multipart/byteranges 206: a regular file, no 412 or 304
// from the conditionals, and a Range with several satisfiable ranges.
func multipartRanges(r *http.Request, path string, params *StaticParams) bool {
	ims, lim := params.IfModifiedSince, params.Ranges
	if _, ok := r.Header["Range"]; !ok || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		return false
	}
	fi, err := os.Stat(path)
	if err != nil || !fi.Mode().IsRegular() {
		return false
	}
	mtime := fi.ModTime().Unix()
	etag := fmt.Sprintf(`"%x-%x"`, mtime, fi.Size())
	hasMtime := mtime != -1
	if hasMtime && notModified(r, mtime, etag, ims) != 0 {
		return false
	}
	rmtime, rhas, retag := params.rangeValidators(mtime, hasMtime, etag)
	ranges, res := requestedRanges(r, fi.Size(), rmtime, rhas, retag, lim)
	return res == rangeOK && len(ranges) > 1
}

// addedValidators are the Last-Modified and ETag the location's add_header
// gives a 200 (the last of each; nil: none).
func (h *Handler) addedValidators(rq *request, lc *locConf) (lm, etag *string) {
	for _, d := range lc.addHeader {
		if len(d.Args) < 2 {
			continue
		}
		switch {
		case strings.EqualFold(d.Args[0], "Last-Modified"):
			v := h.expand(rq, d.Args[1])
			lm = &v
		case strings.EqualFold(d.Args[0], "ETag"):
			v := h.expand(rq, d.Args[1])
			etag = &v
		}
	}
	return lm, etag
}

// tryFiles checks each argument but the last as a file (or, ending in '/',
// a directory) and serves the first that exists; otherwise the last
// argument is =code, @name or a URI to redirect to internally.
func (h *Handler) tryFiles(w http.ResponseWriter, rq *request, l *nginx.Location, caps []string, tf *nginx.Directive) step {
	if h.aliasRewritten(rq, l) {
		return h.fail(w, rq, http.StatusInternalServerError, l)
	}
	if h.tryFilesFind(rq, l, caps, tf) {
		return h.static(w, rq, l, caps)
	}
	return h.tryFilesLast(w, rq, l, tf)
}

// tryFilesFind checks each argument of try_files but the last as a file
// (or, ending in '/', a directory); the first that exists becomes rq.uri.
func (h *Handler) tryFilesFind(rq *request, l *nginx.Location, caps []string, tf *nginx.Directive) bool {
	regexAlias := isRegexAlias(l)
	for _, a := range tf.Args[:len(tf.Args)-1] {
		// ngx_http_core_try_files: an argument written with a trailing
		// '/' tests a directory, under its name without the '/', which
		// becomes $uri; what a variable expands to does not count.
		dir := strings.HasSuffix(a, "/")
		v := h.expand(rq, strings.TrimSuffix(a, "/"))
		// MapPath strips the location name of a prefix alias location
		// from v, as nginx does for try_files (nginx-semantics 5.4), but
		// nginx strips it only from a value that starts with it and an
		// argument with variables (aliasKept): another goes after the
		// alias whole, and the URI found is the name followed by it. In
		// a regex location the name is put after the alias.
		mapped := v
		if l != nil { // (the server's own try_files has a root, if any)
			if d, owner := l.DocRoot(); d != nil && d.Name == "alias" && owner != nil && !owner.IsRegex() && aliasKept(rq, owner, a, v) {
				mapped = owner.Match + v
			}
		}
		p, ok := h.path(rq, l, mapped, caps)
		if !ok {
			continue
		}
		if regexAlias {
			p += v
		}
		st, err := statPath(p, h.symlinkPolicy(rq, l, caps, p))
		if err != nil || isDirStat(&st) != dir {
			continue
		}
		rq.uri = mapped
		if regexAlias && !dir {
			rq.addURIToAlias = true // r->add_uri_to_alias
		}
		return true
	}
	return false
}

// tryFilesLast is what try_files does when no file exists: its last
// argument is =code, @name or a URI to redirect to internally.
func (h *Handler) tryFilesLast(w http.ResponseWriter, rq *request, l *nginx.Location, tf *nginx.Directive) step {
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
		return h.fail(w, rq, code, l)
	case strings.HasPrefix(last, "@"):
		return h.redirectNamed(w, rq, l, last)
	}
	// ngx_http_try_files_handler strips the alias location's name from
	// the last argument too, when it has variables and starts with it:
	// in `location /blog/ { alias ...; try_files $uri /blog/index.php?$args; }`
	// the fallback is "index.php", a URI without its '/' that only a
	// regex location can match (with `location /blog` it is /index.php).
	if l != nil {
		if d, owner := l.DocRoot(); d != nil && d.Name == "alias" && owner != nil && !owner.IsRegex() && !aliasKept(rq, owner, tf.Args[len(tf.Args)-1], last) {
			last = last[len(owner.Match):]
		}
	}
	// ngx_http_split_args: the args are what follows a '?', none without
	// one (the request's args are not kept).
	uri, args, _ := strings.Cut(last, "?")
	return h.redirectURI(w, rq, l, uri, args)
}

// aliasKept reports whether ngx_http_try_files_handler keeps v, the value
// of the try_files argument arg in a location whose files come from the
// alias of the prefix location owner, whole after the alias: it strips
// the location's name (as many bytes of $uri) only from an argument with
// variables whose value starts with it.
func aliasKept(rq *request, owner *nginx.Location, arg, v string) bool {
	n := len(owner.Match)
	return !strings.Contains(arg, "$") || n > len(rq.uri) || !strings.HasPrefix(v, rq.uri[:n])
}

// isRegexAlias reports whether files in l come from an alias of a regex
// location (nginx's clcf->alias == NGX_MAX_SIZE_T_VALUE): the alias is the
// whole path, unless try_files puts the name it found after it.
func isRegexAlias(l *nginx.Location) bool {
	if l == nil {
		return false
	}
	d, owner := l.DocRoot()
	return d != nil && d.Name == "alias" && owner != nil && owner.IsRegex()
}
