package proxy

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/xaccel/xaccel/nginx"
)

// The access phase. xaccel serve does not emulate nginx's access modules
// yet; a request nginx would refuse with them must not be answered, so a
// configuration that uses one makes New refuse to start, unless the user
// names the directive in Options.AllowUnemulated.

// accessDirectives are the directives of nginx's access phase (and of the
// modules that refuse requests before content): with any of them nginx
// answers some requests with 401, 403 or 404 that serve would answer.
var accessDirectives = map[string]bool{
	"allow": true, "deny": true,
	"auth_basic": true, "auth_basic_user_file": true, "auth_request": true, "auth_jwt": true,
	"secure_link": true, "secure_link_md5": true, "secure_link_secret": true,
	"disable_symlinks": true, "limit_except": true, "limit_req": true, "limit_conn": true,
}

// offValues are the arguments with which an access directive lets every
// request through, as if it were absent.
var offValues = map[string]string{
	"auth_basic": "off", "auth_request": "off", "disable_symlinks": "off",
}

// UnemulatedError is a configuration that would make serve answer more
// permissively than nginx: it uses access directives serve does not
// emulate.
type UnemulatedError struct {
	Directives []*nginx.Directive
}

func (e *UnemulatedError) Error() string {
	var b strings.Builder
	b.WriteString("refusing to start: nginx would refuse some requests that xaccel serve would answer, because serve does not emulate")
	names := []string{}
	for _, d := range e.Directives {
		fmt.Fprintf(&b, "\n  %s: `%s`", d.Pos, statement(d))
		if !slices.Contains(names, d.Name) {
			names = append(names, d.Name)
		}
	}
	b.WriteString("\nremove them from the configuration you serve, or start anyway with")
	for _, n := range names {
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

// checkAccess returns an *UnemulatedError for the access directives of the
// server and of the http level that the user did not allow, and the
// allowed ones as warnings. An `if` block that refuses requests (a deny, or
// `return` with a 4xx or 5xx status inside it) counts as an access
// directive named "if".
func checkAccess(srv *nginx.Server, allow []string) ([]Warning, error) {
	var refused []*nginx.Directive
	var warns []Warning
	note := func(d *nginx.Directive) {
		if slices.Contains(allow, d.Name) {
			warns = append(warns, Warning{Pos: d.Pos, Name: d.Name, Detail: "allowed with --allow-unemulated: requests nginx refuses are answered"})
			return
		}
		refused = append(refused, d)
	}
	visit := func(d *nginx.Directive) bool {
		switch {
		case accessDirectives[d.Name]:
			if off, ok := offValues[d.Name]; !ok || d.Arg(0) != off {
				note(d)
			}
		case d.Name == "if" && refuses(d):
			note(d)
			return false
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
