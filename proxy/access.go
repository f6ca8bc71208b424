//go:build unix

package proxy

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/xaccel/xaccel/nginx"
)

// The access phase (NGX_HTTP_ACCESS_PHASE) as nginx runs it: the access
// module (allow, deny), then auth_basic, then auth_request, combined by
// `satisfy`. It runs for every location a request is handled in, internal
// and named redirects included, but not for subrequests, and not where
// `return` (the rewrite phase, earlier) answers first. See access_rules.go,
// auth_basic.go and auth_request.go for the modules.
//
// limit_except gives the methods it does not name the access configuration
// of its block (serve emulates blocks of access directives only).
//
// Access directives serve does not emulate (auth_jwt, ...)
// make New refuse to start: a request nginx would refuse must not be
// answered. Only Options.AllowUnemulated, naming the directive, lets it
// start anyway.

// accessConf is the access phase's configuration of one location.
type accessConf struct {
	rules      []accessRule     // allow and deny (see accessRules)
	satisfyAny bool             // satisfy any
	realm      *nginx.Directive // auth_basic in effect (nil: none)
	userFile   *nginx.Directive // auth_basic_user_file in effect
	// authRequest is auth_request's URI ("" for none or off), authSet the
	// auth_request_set directives in effect.
	authRequest string
	authSet     []*nginx.Directive
}

func newAccessConf(levels []*nginx.Directive) accessConf {
	ac := accessConf{rules: accessRules(levels)}
	if d := nearest(levels, "satisfy"); d != nil && d.Arg(0) == "any" {
		ac.satisfyAny = true
	}
	if d := nearest(levels, "auth_basic"); d != nil && d.Arg(0) != "off" {
		ac.realm = d
	}
	ac.userFile = nearest(levels, "auth_basic_user_file")
	if d := nearest(levels, "auth_request"); d != nil && d.Arg(0) != "off" {
		ac.authRequest = d.Arg(0)
	}
	ac.authSet = nginx.Effective(levels, "auth_request_set")
	return ac
}

// accessPhase runs the access phase for rq in location l. It returns true
// with the step taken when the request is refused (401, 403, or 500 from
// auth_request or an unreadable user file), false to go on to the content
// phase.
func (h *Handler) accessPhase(w http.ResponseWriter, rq *request, l *nginx.Location) (step, bool) {
	if rq.isSubrequest() {
		return step{}, false // ngx_http_core_access_phase: not for subrequests
	}
	lc := h.conf(l)
	ac := &lc.access
	if lc.limited(rq.method) {
		// ngx_http_core_find_config_phase: the limit_except block's
		// configuration for the other methods.
		ac = lc.limitAccess
	}
	any := ac.satisfyAny
	// rq.accessCode is r->access_code under satisfy any: the refusal to
	// answer with when no module lets the request in (401 wins over 403).
	// nginx does not reset it when a location is entered, only when a
	// module lets the request in and in the post-access phase: a code left
	// by a location whose access phase ended in an error (a 500 from an
	// unreadable user file, sent by error_page to another location) is
	// answered in the next location's post-access phase, whatever its own
	// modules say.
	refuse := func(status int, auth []string) (step, bool) {
		if status == http.StatusUnauthorized {
			for _, v := range auth {
				rq.setWWWAuthenticate(v)
			}
		}
		return h.fail(w, rq, status, l), true
	}
	// decide applies one module's answer: 0 lets the request in, declined
	// is no answer. It reports whether the phase is over: the request is
	// let in (satisfy any) or refused (satisfy all, or a status that is
	// neither 401 nor 403).
	var result step
	refused := false
	decide := func(status int, declined bool, auth []string) bool {
		switch {
		case declined:
			return false
		case status == 0:
			if any {
				// ngx_http_core_access_phase: a module lets the request
				// in; the WWW-Authenticate set last (by this phase or by
				// the location an error_page came from) is dropped.
				rq.accessCode = 0
				rq.dropWWWAuthenticate()
				return true
			}
			return false
		case any && (status == http.StatusForbidden || status == http.StatusUnauthorized):
			if rq.accessCode != http.StatusUnauthorized {
				rq.accessCode = status
			}
			// The module sets WWW-Authenticate as it refuses.
			for _, v := range auth {
				rq.setWWWAuthenticate(v)
			}
			return false
		}
		result, _ = refuse(status, auth)
		refused = true
		return true
	}

	if denied, decided, rule := checkRules(ac.rules, rq.r); decided {
		status := 0
		if denied {
			status = http.StatusForbidden
			rq.note("access forbidden by rule at " + rule.d.Pos.String())
			if !any {
				h.logError(rq, lc, logErr, nil, "access forbidden by rule") // ngx_http_access_found
			}
		}
		if decide(status, false, nil) {
			return result, refused
		}
	}
	status, realm, declined := h.authBasic(rq, ac)
	var auth []string
	if status == http.StatusUnauthorized {
		auth = []string{`Basic realm="` + realm + `"`}
	}
	if decide(status, declined, auth) {
		return result, refused
	}
	status, auth, declined = h.authRequest(rq, ac)
	if status == statusClose && abortResponse(w) {
		// The subrequest ended with 444: nginx terminates the request
		// (ngx_http_terminate_request) and closes the connection.
		return done(statusClose), true
	}
	if decide(status, declined, auth) {
		return result, refused
	}
	if code := rq.accessCode; code > 0 {
		// ngx_http_core_post_access_phase
		rq.accessCode = 0
		if code == http.StatusForbidden {
			h.logError(rq, lc, logErr, nil, "access forbidden by rule")
		}
		return refuse(code, nil)
	}
	return step{}, false
}

// note adds a line to the request's trace.
func (rq *request) note(s string) {
	if rq.tracing {
		rq.trace = append(rq.trace, s)
	}
}

// unemulatedAccess are the directives of nginx's access phase (and of the
// modules that refuse requests before content) that serve does not
// emulate: with any of them nginx answers some requests with 401, 403, 404
// or 503 that serve would answer.
var unemulatedAccess = map[string]bool{
	"auth_jwt": true,
}

// limitExceptEmulated are the directives serve emulates inside a
// limit_except block; one with anything else is refused.
var limitExceptEmulated = map[string]bool{
	"allow": true, "deny": true, "auth_basic": true, "auth_basic_user_file": true,
	"auth_request": true, "auth_request_set": true,
	"include": true, // what it includes follows it in the block
}

// limitExceptOK reports whether every directive of a limit_except block is
// one serve emulates there.
func limitExceptOK(d *nginx.Directive) bool {
	for _, c := range d.Block {
		if !limitExceptEmulated[c.Name] {
			return false
		}
	}
	return len(d.Args) > 0
}

// methodAllowed reports whether limit_except d lets method through with
// the location's own configuration: it is one of the methods named (GET
// names HEAD too). Any other method, an unknown one included, gets the
// block's configuration.
func methodAllowed(d *nginx.Directive, method string) bool {
	for _, m := range d.Args {
		if m == method || m == "GET" && method == "HEAD" {
			return true
		}
	}
	return false
}

// UnemulatedError is a configuration that would make serve answer more
// permissively than nginx: it uses access directives serve does not
// emulate.
type UnemulatedError struct {
	Directives []*nginx.Directive
	// Names are what --allow-unemulated takes for each directive: "" for
	// its name, "$name" for a variable serve does not evaluate that its
	// condition depends on.
	Names []string
}

func (e *UnemulatedError) Error() string {
	var b strings.Builder
	b.WriteString("refusing to start: nginx would refuse some requests that xaccel serve would answer, because serve does not emulate")
	names := []string{}
	for i, d := range e.Directives {
		name := d.Name
		fmt.Fprintf(&b, "\n  %s: `%s`", d.Pos, statement(d))
		if i < len(e.Names) && e.Names[i] != "" {
			name = e.Names[i]
			fmt.Fprintf(&b, " depends on %s, whose module serve does not emulate (it would be empty)", name)
		}
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	b.WriteString("\nremove them from the configuration you serve, or start anyway with")
	for _, n := range names {
		if strings.HasPrefix(n, "$") {
			n = "'" + n + "'"
		}
		b.WriteString(" --allow-unemulated " + n)
	}
	b.WriteString(" (those requests are then answered as if the directive were absent)")
	return b.String()
}

// statement shows a directive head as written: `deny all`, `if ($x)`.
func statement(d *nginx.Directive) string {
	if len(d.Args) == 0 {
		return d.Name
	}
	return d.Name + " " + strings.Join(d.Args, " ")
}

// checkAccess returns an *UnemulatedError for the unemulated access
// directives of the server and of the http level that the user did not
// allow, and the allowed ones as warnings; an error for an allow or deny
// nginx would not accept; and warnings for auth_basic user files with
// passwords serve cannot check. An `if` block serve does not emulate (see
// pureIf) that refuses requests (`return` with a 4xx or 5xx status inside
// it) counts as an access directive named "if". A set_real_ip_from serve
// cannot follow (a host name) counts as one where allow or deny is used:
// it changes the address the rules see.
func checkAccess(srv *nginx.Server, allow []string, prefix string) ([]Warning, error) {
	var refused []*nginx.Directive
	var warns []Warning
	var bad error
	note := func(d *nginx.Directive) {
		if slices.Contains(allow, d.Name) {
			warns = append(warns, Warning{Pos: d.Pos, Name: d.Name, Detail: "allowed with --allow-unemulated: requests nginx refuses are answered"})
			return
		}
		refused = append(refused, d)
	}
	var realIP []*nginx.Directive
	rules := false
	visit := func(d *nginx.Directive) bool {
		switch {
		case unemulatedAccess[d.Name]:
			note(d)
			return false
		case d.Name == "if" && !pureIf(d) && refuses(d):
			note(d)
			return false
		case d.Name == "limit_except" && !limitExceptOK(d):
			note(d)
			return false
		case d.Name == "allow" || d.Name == "deny":
			rules = true
			if _, err := parseAccessRule(d); err != nil && bad == nil {
				bad = err
			}
		case (d.Name == "set_real_ip_from" || d.Name == "real_ip_header") && !realIPEmulated(d):
			realIP = append(realIP, d)
		case d.Name == "auth_basic_user_file":
			warns = append(warns, userFileWarnings(d, prefix)...)
		}
		return d.Name != "types"
	}
	if srv.HTTP != nil {
		for _, d := range srv.HTTP.Block {
			if !d.IsBlock {
				visit(d)
			}
		}
	}
	srv.Dir.Walk(visit)
	if bad != nil {
		return nil, bad
	}
	if rules {
		for _, d := range realIP {
			note(d)
		}
	}
	if len(refused) > 0 {
		return warns, &UnemulatedError{Directives: refused}
	}
	return warns, nil
}

// refuses reports whether an if block denies requests or returns an error
// status.
func refuses(d *nginx.Directive) bool {
	found := false
	d.Walk(func(c *nginx.Directive) bool {
		if c.Name == "deny" {
			found = true
		}
		if c.Name == "return" {
			if code, err := strconv.Atoi(c.Arg(0)); err == nil && code >= 400 {
				found = true
			}
		}
		return !found
	})
	return found
}
