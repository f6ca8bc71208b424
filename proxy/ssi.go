//go:build unix

package proxy

import (
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/xaccel/xaccel/nginx"
)

// Server-side includes (ngx_http_ssi_filter_module): with `ssi on`, a
// response of one of ssi_types (text/html by default) is scanned for
// <!--#command param="value" --> and the commands run as nginx runs them:
// echo (var, default, encoding: entity by default, none, url), set (var,
// value), include (virtual: a subrequest whose answer takes the
// command's place or, with set=, goes into a variable; file), config
// (errmsg), if/elif/else/endif on expressions ($var, =, !=, regexes, !).
// The response loses its Content-Length and Accept-Ranges, and its
// Last-Modified and ETag unless ssi_last_modified is on (then the ETag
// is weak). serve holds the whole body before it runs the commands (see
// heldBody).

// ssiDefaultErrmsg is what a command that fails leaves in the page, unless
// ssi_silent_errors.
const ssiDefaultErrmsg = "[an error occurred while processing the directive]"

// ssiConf is the SSI settings of a location.
type ssiConf struct {
	on, silent, lastModified bool
	types                    []string
}

func ssiAt(levels []*nginx.Directive) ssiConf {
	c := ssiConf{on: flagOn(levels, "ssi"), silent: flagOn(levels, "ssi_silent_errors"),
		lastModified: flagOn(levels, "ssi_last_modified"), types: []string{"text/html"}}
	if d := nearest(levels, "ssi_types"); d != nil {
		c.types = append(c.types, d.Args...)
	}
	return c
}

// applies reports whether the SSI filter processes a response of type ct.
func (c *ssiConf) applies(ct string) bool { return c.on && typeListed(c.types, ct) }

// ssiHeader is ngx_http_ssi_header_filter for the response being written
// through hw with header hdr: whether SSI applies to it (the header then
// loses what SSI takes away).
func (hw *hookWriter) ssiHeader(hdr http.Header) bool {
	c := hw.lc.ssi
	if !c.applies(hdr.Get("Content-Type")) || hdr.Get("Content-Length") == "0" {
		return false
	}
	delete(hdr, "Content-Length")
	delete(hdr, "Accept-Ranges")
	if !c.lastModified {
		delete(hdr, "Last-Modified")
		delete(hdr, "Etag")
	} else if e := hdr.Get("ETag"); e != "" && !strings.HasPrefix(e, "W/") {
		hdr.Set("ETag", "W/"+e)
	}
	return true
}

var ssiCommand = regexp.MustCompile(`<!--#([a-z]+)((?:\s+[a-z_]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*-->`)

var ssiParam = regexp.MustCompile(`([a-z_]+)\s*=\s*(?:"([^"]*)"|'([^']*)')`)

// runSSI is the page with its commands done.
func (h *Handler) runSSI(rq *request, c ssiConf, page []byte) []byte {
	errmsg := ssiDefaultErrmsg
	if rq.ssiTimefmt == "" {
		rq.ssiTimefmt = ssiDefaultTimefmt // the SSI context's, from now on
	}
	// An echo's encoding stays for the echo commands after it, as in
	// nginx's context.
	encoding := "entity"
	var out []byte
	// The if/elif/else/endif nesting: each level says whether its
	// current branch is output, and whether a branch was taken.
	type branch struct{ on, taken bool }
	var stack []branch
	output := func() bool {
		for _, b := range stack {
			if !b.on {
				return false
			}
		}
		return true
	}
	fail := func() {
		if output() && !c.silent {
			out = append(out, errmsg...)
		}
	}
	rest := page
	for {
		loc := ssiCommand.FindSubmatchIndex(rest)
		if loc == nil {
			if output() {
				out = append(out, rest...)
			}
			return out
		}
		if output() {
			out = append(out, rest[:loc[0]]...)
		}
		name := string(rest[loc[2]:loc[3]])
		params := map[string]string{}
		for _, m := range ssiParam.FindAllSubmatch(rest[loc[4]:loc[5]], -1) {
			v := string(m[2])
			if m[3] != nil {
				v = string(m[3])
			}
			params[string(m[1])] = v
		}
		rest = rest[loc[1]:]
		switch name {
		case "if":
			parent := output()
			ok, valid := h.ssiExpr(rq, params["expr"])
			if !valid {
				fail()
				continue
			}
			ok = parent && ok
			stack = append(stack, branch{on: ok, taken: ok})
			continue
		case "elif":
			if len(stack) == 0 {
				fail()
				continue
			}
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			parent := output()
			ok, valid := h.ssiExpr(rq, params["expr"])
			if !valid {
				stack = append(stack, top)
				fail()
				continue
			}
			ok = parent && !top.taken && ok
			stack = append(stack, branch{on: ok, taken: top.taken || ok})
			continue
		case "else":
			if len(stack) == 0 {
				fail()
				continue
			}
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			parent := output()
			stack = append(stack, branch{on: parent && !top.taken, taken: true})
			continue
		case "endif":
			if len(stack) == 0 {
				fail()
				continue
			}
			stack = stack[:len(stack)-1]
			continue
		}
		if !output() {
			continue
		}
		switch name {
		case "echo":
			if e, ok := params["encoding"]; ok {
				if e != "none" && e != "url" && e != "entity" {
					fail()
					continue
				}
				encoding = e
			}
			v, found := h.ssiVariable(rq, params["var"])
			if !found {
				// The default as written: no variables in it.
				if d, ok := params["default"]; ok {
					v = d
				} else {
					v = "(none)"
				}
			}
			switch encoding {
			case "entity":
				v = escapeHTML(v)
			case "url":
				v = escapeSSIURL(v)
			}
			out = append(out, v...)
		case "set":
			vn, ok := params["var"]
			if !ok {
				fail()
				continue
			}
			rq.setVar(vn, h.ssiEval(rq, params["value"]))
		case "config":
			if m, ok := params["errmsg"]; ok {
				errmsg = m
			}
			if f, ok := params["timefmt"]; ok {
				rq.ssiTimefmt = f
			}
		case "include":
			body, ok := h.ssiInclude(rq, params)
			if !ok {
				fail()
				continue
			}
			if v, ok := params["set"]; ok {
				rq.setVar(v, string(body))
				continue
			}
			out = append(out, body...)
		default:
			fail()
		}
	}
}

// setVar sets $name for rq, as `set` does.
func (rq *request) setVar(name, v string) {
	if rq.vars == nil {
		rq.vars = map[string]string{}
	}
	rq.vars[name] = v
}

// ssiEval substitutes the variables of an SSI parameter value ($name,
// ${name}; "\$" is a dollar).
func (h *Handler) ssiEval(rq *request, v string) string {
	if !strings.Contains(v, "$") {
		return v
	}
	const dollar = "\x00ssi-dollar\x00"
	v = strings.ReplaceAll(v, `\$`, dollar)
	return strings.ReplaceAll(h.expand(rq, v), dollar, "$")
}

// ssiDefaultTimefmt is the SSI's time format until `config timefmt`.
const ssiDefaultTimefmt = "%A, %d-%b-%Y %H:%M:%S %Z"

// ssiDate is $date_local or $date_gmt (ngx_http_ssi_date_gmt_local_variable):
// the time in the SSI's timefmt (its default where the SSI does not run on
// the request), or with timefmt "%s" the seconds since the epoch (local
// ones with the zone's offset).
func ssiDate(rq *request, gmt bool) string {
	now := time.Now()
	format := rq.ssiTimefmt
	if format == "" {
		format = ssiDefaultTimefmt
	}
	if format == "%s" {
		sec := now.Unix()
		if !gmt {
			_, off := now.Zone()
			sec += int64(off)
		}
		return strconv.FormatInt(sec, 10)
	}
	if gmt {
		return strftime(format, now.UTC(), true)
	}
	return strftime(format, now.Local(), false)
}

// ssiVariable is $name for echo, and whether it has a value (nginx echoes
// "(none)" or the default for one without).
func (h *Handler) ssiVariable(rq *request, name string) (string, bool) {
	if v, ok := rq.vars[name]; ok {
		return v, true
	}
	if strings.HasPrefix(name, "http_") {
		_, ok := rq.r.Header[http.CanonicalHeaderKey(strings.ReplaceAll(name[5:], "_", "-"))]
		return h.variable(rq, name), ok
	}
	v := h.variable(rq, name)
	return v, v != ""
}

// ssiExpr evaluates an if's expr as ngx_http_ssi_if does: "$a" (true
// when not empty), "$a = text", "$a != text", "$a = /regex/",
// "$a != /regex/"; valid is false for anything else (an error in the
// page).
func (h *Handler) ssiExpr(rq *request, expr string) (ok, valid bool) {
	expr = strings.TrimSpace(expr)
	if !strings.HasPrefix(expr, "$") {
		return false, false
	}
	for _, op := range []string{"!=", "="} {
		left, right, found := strings.Cut(expr, op)
		if !found {
			continue
		}
		l := h.ssiEval(rq, strings.TrimSpace(left))
		right = strings.TrimSpace(right)
		var match bool
		if len(right) >= 2 && right[0] == '/' && right[len(right)-1] == '/' {
			re, err := nginx.CompileRegex(right[1:len(right)-1], false)
			if err != nil {
				return false, false
			}
			match = re.MatchString(l)
		} else {
			match = l == h.ssiEval(rq, right)
		}
		return match == (op == "="), true
	}
	return h.ssiEval(rq, expr) != "", true
}

// escapeSSIURL is ngx_escape_uri(NGX_ESCAPE_HTML), an echo's url
// encoding: control bytes, space, '"', '#', '%', '\”, '<', '>', '\\', '^',
// '`', '{', '|', '}', DEL and bytes from 0x80 as %XX.
func escapeSSIURL(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("\"#%'<>\\^`{|}", c) >= 0 {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0xf])
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// ssiInclude runs an include's subrequest (virtual) or reads its file
// (file, relative to the page's URI), and gives the answer's body.
func (h *Handler) ssiInclude(rq *request, params map[string]string) ([]byte, bool) {
	target, ok := params["virtual"]
	if !ok {
		target, ok = params["file"]
		if !ok {
			return nil, false
		}
	}
	target = h.ssiEval(rq, target)
	if !strings.HasPrefix(target, "/") {
		dir := rq.uri[:strings.LastIndexByte(rq.uri, '/')+1]
		target = dir + target
	}
	uri, args, _ := strings.Cut(target, "?")
	sub := &request{
		r: rq.r, method: http.MethodGet, uri: uri, args: args, internal: true, main: rq.mainRequest(),
		bodyRead: true, uriChanges: maxURIChanges, out: http.Header{}, tracing: rq.tracing,
		vars: rq.vars, cached: rq.sharedCache(),
	}
	bw := &bodyWriter{hdr: http.Header{}}
	h.process(bw, sub, step{kind: stepURI})
	h.finishHeld(sub)
	rq.trace = append(rq.trace, sub.trace...)
	if rq.vars == nil && sub.vars != nil {
		rq.vars = sub.vars
	}
	return bw.buf, true
}

// errSubrequestTooBig is a subrequest answer past heldBodyMax.
var errSubrequestTooBig = errors.New("too big subrequest response")

// bodyWriter takes a subrequest's answer whole.
type bodyWriter struct {
	hdr    http.Header
	status int
	buf    []byte
}

func (b *bodyWriter) Header() http.Header { return b.hdr }

func (b *bodyWriter) WriteHeader(status int) {
	if b.status == 0 {
		b.status = status
	}
}

func (b *bodyWriter) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	if len(b.buf)+len(p) > heldBodyMax {
		return 0, errSubrequestTooBig
	}
	b.buf = append(b.buf, p...)
	return len(p), nil
}
