//go:build unix

package proxy

import (
	"net/http"
	"strconv"
	"strings"
	"syscall"

	"github.com/xaccel/xaccel/nginx"
)

// The rewrite module (ngx_http_rewrite_module) as nginx runs it: the
// server block's rewrite directives in the server-rewrite phase, before
// the location is searched, and the chosen location's own in the rewrite
// phase, before access; both in the order written: `rewrite` (with last,
// break, redirect, permanent), `return`, `set`, `break` and `if` blocks.
// A rewrite that changes the URI makes the request internal (internal
// locations match it) and, unless it ends with break, searches the
// location again (at most 10 times in all, as for internal redirects).
//
// An `if` block is emulated when it holds rewrite directives only, and
// now and then a proxy_pass: nginx makes a matched block the request's
// configuration (merged with its location's, so only its proxy_pass
// differs), so one holding anything else (add_header, root...) is not
// emulated, and New says so (or refuses to start, when the block refuses
// requests).

// rewriteDirectives are the directives of the rewrite module.
var rewriteDirectives = map[string]bool{
	"rewrite": true, "return": true, "set": true, "break": true, "if": true,
	"rewrite_log": true, "uninitialized_variable_warn": true,
}

// pureIf reports whether if block d holds rewrite directives only, and
// now and then a proxy_pass (an if in an if is not one: nginx refuses it).
func pureIf(d *nginx.Directive) bool {
	for _, c := range d.Block {
		if !rewriteDirectives[c.Name] && c.Name != "include" && c.Name != "proxy_pass" || c.Name == "if" {
			return false // (what an include includes follows it in the block)
		}
	}
	return true
}

// rewriteScript reports whether block holds a rewrite directive that the
// phase runs (an impure if block is skipped, as New has said).
func rewriteScript(block *nginx.Directive) bool {
	if block == nil {
		return false
	}
	for _, d := range block.Block {
		if rewriteDirectives[d.Name] && (d.Name != "if" || pureIf(d)) {
			return true
		}
	}
	return false
}

// rewriteOutcome is how a rewrite phase ended.
type rewriteOutcome int

const (
	rewriteNext   rewriteOutcome = iota // go on in this location
	rewriteSearch                       // the URI changed: search the location again
	rewriteDone                         // a response was sent (return, redirect, error)
)

// scriptStop says how a run of directives stopped: not at all (scriptOn),
// at a `last` or a `break`, or with a response.
type scriptStop int

const (
	scriptOn scriptStop = iota
	scriptLast
	scriptBreak
)

// rewritePhase runs the rewrite directives of block (the server block, or
// a location's) for rq, in order. s is the response's step when the
// outcome is rewriteDone. A rewrite that changed the URI asks for a new
// search, unless a break (the directive or the flag) ended the run.
func (h *Handler) rewritePhase(w http.ResponseWriter, rq *request, block *nginx.Directive, l *nginx.Location) (rewriteOutcome, step) {
	changed := false
	stop, s, sent := h.runBlock(w, rq, block, l, &changed)
	switch {
	case sent:
		return rewriteDone, s
	case stop == scriptBreak:
		if changed {
			// ngx_http_script_break_code: r->valid_location = 0, the
			// URI proxy_pass sends is the changed one, whole.
			rq.invalidLocation, rq.uriChanged = true, false
		}
		return rewriteNext, s
	case changed:
		return rewriteSearch, s
	}
	return rewriteNext, s
}

func (h *Handler) runBlock(w http.ResponseWriter, rq *request, block *nginx.Directive, l *nginx.Location, changed *bool) (scriptStop, step, bool) {
	for _, d := range block.Block {
		switch d.Name {
		case "set":
			name := strings.TrimPrefix(d.Arg(0), "$")
			v := h.expand(rq, d.Arg(1))
			if name == "args" {
				rq.args = v
				continue
			}
			if name == "limit_rate" {
				// A size (ngx_http_variable_request_set_size); one that
				// does not parse leaves it as it was.
				if n, ok := parseSize(v); ok {
					rq.limitRate = n
				}
				continue
			}
			if rq.vars == nil {
				rq.vars = map[string]string{}
			}
			rq.vars[name] = v
		case "break":
			return scriptBreak, step{}, false
		case "return":
			return scriptOn, h.doReturn(w, rq, l, d), true
		case "if":
			if !pureIf(d) {
				continue // not emulated; New has listed it
			}
			if !h.condition(rq, d, l) {
				continue
			}
			if l != nil {
				// ngx_http_script_if_code: r->loc_conf is the if's, and
				// its proxy_pass, if it has one, the content handler; an
				// if without one proxies as its location does.
				rq.inIf, rq.ifPass, rq.ifBlock = true, d.First("proxy_pass"), d
			}
			if stop, s, sent := h.runBlock(w, rq, d, l, changed); sent || stop != scriptOn {
				return stop, s, sent
			}
		case "rewrite":
			stop, s, sent := h.rewrite(w, rq, d, l, changed)
			if sent || stop != scriptOn {
				return stop, s, sent
			}
		}
	}
	return scriptOn, step{}, false
}

// rewrite runs one `rewrite regex replacement [flag]` on $uri.
func (h *Handler) rewrite(w http.ResponseWriter, rq *request, d *nginx.Directive, l *nginx.Location, changed *bool) (scriptStop, step, bool) {
	re, err := nginx.CompileRegex(d.Arg(0), false)
	if err != nil {
		rq.note("rewrite regex not understood: " + d.Arg(0))
		return scriptOn, h.fail(w, rq, http.StatusInternalServerError, l), true
	}
	m := re.FindStringSubmatchIndex(rq.uri)
	if m == nil {
		rq.caps = nil // a regex of the rewrite module that fails leaves no $1..$9
		return scriptOn, step{}, false
	}
	h.setCaptures(rq, re, rq.uri, m)
	// A replacement ending in '?' drops the request's arguments (the '?'
	// is not part of it); otherwise they are added to those it has. It is
	// a redirect by its flag or by how it is written (http://, https://,
	// $scheme). A capture is escaped when the client's URI had escapes
	// or a '+' (ngx_http_script_copy_capture_code): in a redirect
	// everywhere, otherwise after the first '?' written in it, where its
	// arguments start.
	raw := d.Arg(1)
	flag := d.Arg(2)
	lowerRaw := strings.ToLower(raw)
	redirect := flag == "redirect" || flag == "permanent" ||
		strings.HasPrefix(lowerRaw, "http://") || strings.HasPrefix(lowerRaw, "https://") || strings.HasPrefix(raw, "$scheme")
	dropArgs := strings.HasSuffix(raw, "?")
	escape := func(name, v string) string {
		if (rq.quoted || rq.plus) && len(name) == 1 && name[0] >= '0' && name[0] <= '9' {
			return escapeArgs(v)
		}
		return v
	}
	rawURI, rawArgs, hasQ := strings.Cut(strings.TrimSuffix(raw, "?"), "?")
	var repl, args string
	if redirect {
		repl = h.expandEach(rq, rawURI, escape)
	} else {
		repl = h.expand(rq, rawURI)
	}
	uri := repl
	if hasQ {
		args = h.expandEach(rq, rawArgs, escape)
		repl += "?" + args
	}
	if redirect {
		status := http.StatusFound
		if flag == "permanent" {
			status = http.StatusMovedPermanently
		}
		// ngx_http_script_regex_end_code: a redirect is unescaped (see
		// unescapeRedirect) before the request's arguments are added.
		// The separator is '&' when the replacement was written with a
		// '?' (code->args), whatever '?' a capture brings.
		target := unescapeRedirect(repl)
		if !dropArgs && rq.args != "" {
			if hasQ {
				target += "&" + rq.args
			} else {
				target += "?" + rq.args
			}
		}
		w.Header().Set("Location", h.absolute(rq, l, target))
		rq.note("rewrite " + rq.uri + " -> redirect " + target)
		// ngx_http_script_regex_start_code marks the URI changed for a
		// redirect too (r->uri keeps its value): an alias no longer
		// maps it, and $request_filename in add_header is empty.
		rq.uriChanged = true
		return scriptOn, h.fail(w, rq, status, l), true
	}
	// The arguments start at the '?' written in the replacement
	// (ngx_http_script_start_args_code), not at one a capture or a
	// variable brings, which stays in the URI.
	switch {
	case dropArgs:
		rq.args = args
	case !hasQ:
	case rq.args != "":
		rq.args = args + "&" + rq.args
	default:
		rq.args = args
	}
	if uri == "" {
		// ngx_http_script_regex_end_code: the arguments and the empty
		// URI are set, and the request ends in 500.
		h.logError(rq, h.conf(l), logErr, nil, "the rewritten URI has a zero length")
		rq.note("rewrite " + rq.uri + " -> an empty URI: 500")
		rq.uri = "" // r->uri is set first: an error_page to a named location refuses it
		return scriptOn, h.fail(w, rq, http.StatusInternalServerError, l), true
	}
	rq.note("rewrite " + rq.uri + " -> " + uri)
	rq.uri = uri
	rq.uriChanged = flag != "break" // the break flag ends the run: see rewritePhase
	rq.internal, rq.unparsed = true, false
	*changed = true
	switch flag {
	case "last":
		return scriptLast, step{}, false
	case "break":
		return scriptBreak, step{}, false
	}
	return scriptOn, step{}, false
}

// setCaptures makes the groups of a regex match the request's captures
// ($1..$9 and named ones), as nginx's last successful match does.
func (h *Handler) setCaptures(rq *request, re *nginx.Regexp, s string, m []int) {
	caps := make([]string, len(m)/2)
	for i := range caps {
		if m[2*i] >= 0 {
			caps[i] = s[m[2*i]:m[2*i+1]]
		}
	}
	rq.caps = caps
	nameCaptures(rq, re, caps)
}

// nameCaptures sets the named groups of re as variables.
func nameCaptures(rq *request, re *nginx.Regexp, caps []string) {
	for i, name := range re.SubexpNames() {
		if name != "" && i < len(caps) {
			if rq.vars == nil {
				rq.vars = map[string]string{}
			}
			rq.vars[name] = caps[i]
		}
	}
}

// outerNamedCaptures sets the named captures of the regex locations l is
// nested in, outermost first: nginx matched each of them on the way to l,
// and a named capture stays set when a later regex has no group of that
// name (numbered captures are those of the last match only).
func outerNamedCaptures(rq *request, l *nginx.Location) {
	if l == nil || l.Parent == nil {
		return
	}
	var outer []*nginx.Location
	for p := l.Parent; p != nil; p = p.Parent {
		if p.IsRegex() && p.Re != nil {
			outer = append(outer, p)
		}
	}
	for i := len(outer) - 1; i >= 0; i-- {
		if m := outer[i].MatchURI(rq.uri); m != nil && len(outer[i].Re.SubexpNames()) == len(m) {
			nameCaptures(rq, outer[i].Re, m)
		}
	}
}

// condition evaluates the condition of if block d as
// ngx_http_rewrite_if_condition compiles it: a variable (false when empty
// or "0"), = and != against a string, ~ ~* !~ !~* against a regex, and the
// file tests -f -d -e -x with their negations.
func (h *Handler) condition(rq *request, d *nginx.Directive, l *nginx.Location) bool {
	args := conditionArgs(d.Args)
	if len(args) == 0 {
		return false // nginx refuses the configuration
	}
	if len(args) == 1 {
		a := args[0]
		if strings.HasPrefix(a, "!-") || strings.HasPrefix(a, "-") {
			return false // a file test needs its operand
		}
		v := h.expand(rq, a)
		return v != "" && v != "0"
	}
	if len(args) == 2 {
		op, operand := args[0], h.expand(rq, args[1])
		neg := strings.HasPrefix(op, "!")
		op = strings.TrimPrefix(op, "!")
		// The file is opened as the static handler would open it, under
		// the location's disable_symlinks: a refused link tests false.
		var st syscall.Stat_t
		var err error
		if op == "-d" || op == "-f" || op == "-e" || op == "-x" {
			st, err = statPath(operand, h.symlinkPolicy(rq, l, rq.caps, operand))
		}
		var ok bool
		switch op {
		case "-f":
			ok = err == nil && st.Mode&syscall.S_IFMT == syscall.S_IFREG
		case "-d":
			ok = err == nil && isDirStat(&st)
		case "-e":
			ok = err == nil
		case "-x":
			ok = err == nil && st.Mode&0o100 != 0
		default:
			return false
		}
		return ok != neg
	}
	v := h.expand(rq, args[0])
	op, operand := args[1], args[2]
	switch op {
	case "=":
		return v == h.expand(rq, operand)
	case "!=":
		return v != h.expand(rq, operand)
	case "~", "~*", "!~", "!~*":
		re, err := nginx.CompileRegex(operand, strings.HasSuffix(op, "*"))
		if err != nil {
			return false
		}
		// The regex runs as for "~" whatever the operator: a match sets the
		// captures, a failure leaves no $1..$9 (named captures stay).
		m := re.FindStringSubmatchIndex(v)
		if m != nil {
			h.setCaptures(rq, re, v, m)
		} else {
			rq.caps = nil
		}
		return (m != nil) != strings.HasPrefix(op, "!")
	}
	return false
}

// conditionArgs strips the parentheses of an if condition as nginx's
// parser leaves them: "(" and ")" alone, or stuck to the first and the
// last argument. nil for a condition without them.
func conditionArgs(raw []string) []string {
	if len(raw) == 0 || !strings.HasPrefix(raw[0], "(") || !strings.HasSuffix(raw[len(raw)-1], ")") {
		return nil
	}
	args := append([]string(nil), raw...)
	if args[0] == "(" {
		args = args[1:]
	} else {
		args[0] = args[0][1:]
	}
	if len(args) == 0 {
		return nil
	}
	last := len(args) - 1
	if args[last] == ")" {
		args = args[:last]
	} else {
		args[last] = args[last][:len(args[last])-1]
	}
	if len(args) == 0 || len(args) > 3 {
		return nil
	}
	return args
}

// captureVar returns $N for N in 0..9 from the request's last regex match.
func captureVar(rq *request, name string) (string, bool) {
	if len(name) != 1 || name[0] < '0' || name[0] > '9' {
		return "", false
	}
	n, _ := strconv.Atoi(name)
	if n < len(rq.caps) {
		return rq.caps[n], true
	}
	return "", true
}

// escapeArgs is ngx_escape_uri(NGX_ESCAPE_ARGS): control bytes, space, '#',
// '%', '&', '+', ';', '?', DEL and bytes from 0x80 up as %XX.
func escapeArgs(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("#%&+;?", c) >= 0 {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0xf])
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// unescapeRedirect is ngx_unescape_uri(NGX_UNESCAPE_REDIRECT): %XX becomes
// its byte when that is above '%' and below DEL (others stay escaped, so
// no CR or LF reaches the Location), nothing is decoded after a '?'
// (written, or decoded from %3F), and a '%' not followed by two hex digits is dropped with what
// nginx's state machine drops.
func unescapeRedirect(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	hexVal := func(c byte) (byte, bool) {
		switch {
		case c >= '0' && c <= '9':
			return c - '0', true
		case c|0x20 >= 'a' && c|0x20 <= 'f':
			return (c | 0x20) - 'a' + 10, true
		}
		return 0, false
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '?':
			b.WriteString(s[i:])
			return b.String()
		case c != '%':
			b.WriteByte(c)
			continue
		}
		// sw_quoted
		if i+1 >= len(s) {
			break
		}
		hi, ok := hexVal(s[i+1])
		if !ok {
			b.WriteByte(s[i+1]) // "the invalid quoted character"
			i++
			continue
		}
		// sw_quoted_second: the string ends within the escape
		if i+2 >= len(s) {
			break
		}
		lo, ok := hexVal(s[i+2])
		i += 2
		if !ok {
			continue // dropped
		}
		if ch := hi<<4 | lo; ch == '?' {
			// a decoded '?' ends the unescaping as a written one does
			b.WriteByte('?')
			b.WriteString(s[i+1:])
			return b.String()
		} else if ch > '%' && ch < 0x7f {
			b.WriteByte(ch)
		} else {
			b.WriteString(s[i-2 : i+1])
		}
	}
	return b.String()
}
