//go:build unix

package proxy

import (
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/xaccel/xaccel/nginx"
)

// checkOptions refuses settings that cannot work with cfg, before anything
// listens: an Upstreams name that no proxy_pass and no `upstream` block of
// the configuration uses (the app would never be reached, and requests
// would go to the production address instead), and a MapRoot whose local
// side is not a directory (every file under it would be a 404).
func checkOptions(cfg *nginx.Config, o Options) error {
	if err := checkUpstreams(cfg, o.Upstreams); err != nil {
		return err
	}
	return checkMapRoots(o.MapRoot)
}

// upstreamUse is one name the configuration sends requests to, with where.
type upstreamUse struct {
	name string
	pos  nginx.Pos
	what string // "proxy_pass", "fastcgi_pass", "uwsgi_pass" or "upstream block"
}

// usedUpstreams lists the names an Options.Upstreams key can match, as
// resolveUpstream looks them up: the host[:port] (or unix:/path) of every
// proxy_pass, fastcgi_pass and uwsgi_pass, the host without its port, and the name of
// every upstream block. dynamic is
// set when a proxy_pass host comes from a variable: then any name may be
// used at run time.
func usedUpstreams(cfg *nginx.Config) (uses []upstreamUse, dynamic bool) {
	if cfg.Root == nil {
		return nil, false
	}
	cfg.Root.Walk(func(d *nginx.Directive) bool {
		switch d.Name {
		case "upstream":
			if d.IsBlock && d.Arg(0) != "" {
				uses = append(uses, upstreamUse{d.Arg(0), d.Pos, "upstream block"})
			}
			return false
		case "proxy_pass", "fastcgi_pass", "uwsgi_pass":
			t, ok := parsePass(d.Arg(0))
			if d.Name != "proxy_pass" {
				host := d.Arg(0)
				if len(host) > 8 && strings.EqualFold(host[:8], "uwsgi://") {
					host = host[8:]
				}
				t, ok = passTarget{host: host}, host != ""
			}
			if !ok {
				return false
			}
			if strings.Contains(t.host, "$") {
				dynamic = true
				return false
			}
			uses = append(uses, upstreamUse{t.host, d.Pos, d.Name})
			if !strings.HasPrefix(t.host, "unix:") {
				if i := strings.LastIndexByte(t.host, ':'); i >= 0 && !strings.HasSuffix(t.host, "]") {
					uses = append(uses, upstreamUse{t.host[:i], d.Pos, d.Name})
				}
			}
		}
		return true
	})
	return uses, dynamic
}

func checkUpstreams(cfg *nginx.Config, upstreams map[string]string) error {
	if len(upstreams) == 0 {
		return nil
	}
	uses, dynamic := usedUpstreams(cfg)
	if dynamic {
		return nil
	}
	used := map[string]bool{}
	for _, u := range uses {
		used[u.name] = true
	}
	var unused []string
	for name := range upstreams {
		if !used[name] {
			unused = append(unused, name)
		}
	}
	if len(unused) == 0 {
		return nil
	}
	sort.Strings(unused)
	var b strings.Builder
	for i, name := range unused {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "--upstream %s=%s: the configuration sends no request to %q (no proxy_pass http://%s and no upstream %s { } block), so the app behind it would never be asked", name, upstreams[name], name, name, name)
		for _, u := range uses {
			if strings.EqualFold(u.name, name) {
				fmt.Fprintf(&b, "; %s: %s names %q: names are matched as written, give --upstream %s=...", u.pos, u.what, u.name, u.name)
				break
			}
		}
	}
	if len(uses) == 0 {
		b.WriteString("\n  the configuration has no proxy_pass http:// and no upstream block: drop --upstream")
		return fmt.Errorf("%s", b.String())
	}
	b.WriteString("\n  the names the configuration uses (give one of them before the =):")
	seen := map[string]bool{}
	for _, u := range uses {
		if seen[u.name] {
			continue
		}
		seen[u.name] = true
		fmt.Fprintf(&b, "\n    %s: %s %s", u.pos, u.what, u.name)
	}
	return fmt.Errorf("%s", b.String())
}

func checkMapRoots(maps [][2]string) error {
	for _, m := range maps {
		from, to := m[0], m[1]
		st, err := os.Stat(to)
		switch {
		case os.IsNotExist(err):
			return fmt.Errorf("--map-root %s=%s: %s does not exist; give --map-root %s=DIR with DIR the local directory that holds the files the configuration expects under %s (create it first)", from, to, to, from, from)
		case err != nil:
			return fmt.Errorf("--map-root %s=%s: %v; give --map-root %s=DIR with a directory this user can read", from, to, err, from)
		case !st.IsDir():
			return fmt.Errorf("--map-root %s=%s: %s is not a directory; give --map-root %s=DIR with DIR the local directory that holds the files the configuration expects under %s", from, to, to, from, from)
		}
	}
	return nil
}
