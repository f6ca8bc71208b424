//go:build unix

package proxy

import (
	"fmt"
	"net/http"
	"net/netip"
	"strconv"
	"strings"

	"github.com/xaccel/xaccel/nginx"
)

// The access module (ngx_http_access_module): allow and deny.

// accessRule is one allow or deny directive.
type accessRule struct {
	deny bool
	// all matches every client; unix every client of a unix socket (never
	// one of serve's); otherwise prefix is the address or network.
	all, unix bool
	prefix    netip.Prefix
	d         *nginx.Directive
}

// parseAccessRule reads `allow|deny address|CIDR|unix:|all` as
// ngx_http_access_rule does. An address with bits set past the mask
// (10.1.1.0/16) is masked, as nginx does after its warning.
func parseAccessRule(d *nginx.Directive) (accessRule, error) {
	r := accessRule{deny: d.Name == "deny", d: d}
	v := d.Arg(0)
	switch {
	case len(d.Args) != 1:
		return r, fmt.Errorf("%s: invalid number of arguments in %q directive", d.Pos, d.Name)
	case v == "all":
		r.all = true
		return r, nil
	case v == "unix:":
		r.unix = true
		return r, nil
	}
	var err error
	if addr, bits, ok := strings.Cut(v, "/"); ok {
		// netip refuses host bits past the mask; nginx masks them.
		var a netip.Addr
		a, err = netip.ParseAddr(addr)
		n, nerr := strconv.Atoi(bits)
		if err == nil && (nerr != nil || strconv.Itoa(n) != bits) {
			err = nerr
			if err == nil {
				err = fmt.Errorf("bad mask")
			}
		}
		if err == nil {
			r.prefix, err = a.Prefix(n)
		}
	} else {
		var a netip.Addr
		a, err = netip.ParseAddr(v)
		if err == nil {
			r.prefix = netip.PrefixFrom(a, a.BitLen())
		}
	}
	if err != nil || r.prefix.Addr().Zone() != "" {
		return r, fmt.Errorf("%s: invalid parameter %q in `%s`", d.Pos, v, statement(d))
	}
	r.prefix = r.prefix.Masked()
	return r, nil
}

// accessRules are the allow and deny directives in effect at levels: those
// of the innermost level that has any (the module's configuration is
// inherited only by a level without rules of its own).
func accessRules(levels []*nginx.Directive) []accessRule {
	for _, lv := range levels {
		var rules []accessRule
		for _, d := range lv.Block {
			if d.Name == "allow" || d.Name == "deny" {
				if r, err := parseAccessRule(d); err == nil {
					rules = append(rules, r)
				}
			}
		}
		if len(rules) > 0 {
			return rules
		}
	}
	return nil
}

// checkRules is ngx_http_access_handler for a client at r.RemoteAddr: the
// first rule of the client's address family (IPv4 rules also for an
// IPv4-mapped IPv6 address; `all` in every family) decides; none matching
// is no decision (declined), as is a list without a rule of that family.
func checkRules(rules []accessRule, r *http.Request) (denied, decided bool, rule *accessRule) {
	host := remoteAddr(r)
	addr, err := netip.ParseAddr(host)
	if err != nil {
		// A client of a unix socket: `all` and `unix:` match it. Any
		// other address serve does not listen on: only `all`.
		for i := range rules {
			if rules[i].all || rules[i].unix && host == "unix:" {
				return rules[i].deny, true, &rules[i]
			}
		}
		return false, false, nil
	}
	addr = addr.WithZone("")
	v4 := addr.Is4() || addr.Is4In6()
	if v4 {
		addr = addr.Unmap()
	}
	for i := range rules {
		ru := &rules[i]
		switch {
		case ru.all:
		case ru.unix:
			continue
		case ru.prefix.Addr().Is4() != v4:
			continue
		case !ru.prefix.Contains(addr):
			continue
		}
		return ru.deny, true, ru
	}
	return false, false, nil
}
