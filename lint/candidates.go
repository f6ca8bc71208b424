package lint

import (
	"strings"

	"github.com/xaccel/xaccel/nginx"
)

// sampleNames are file names tried under a prefix; several extensions, so
// that a regex location for one type does not hide the prefix location.
var sampleNames = []string{"example.txt", "example.pdf", "example.jpg", "example"}

// uris returns URIs that may be routed to l: files under a prefix, the
// exact name, or strings the regex matches. The caller confirms each one
// with Route.
func uris(l *nginx.Location) []string {
	switch {
	case l.Modifier == "=":
		return []string{l.Match}
	case l.IsPrefix():
		base := l.Match
		if !strings.HasSuffix(base, "/") {
			base += "/"
		}
		var out []string
		for _, n := range sampleNames {
			out = append(out, base+n)
		}
		return out
	case l.IsRegex() && l.Re != nil:
		return samples(l, 16)
	}
	return nil
}

// underPrefixMatching returns URIs that start with pre and that regex
// location r matches, built from the regex's own samples.
func underPrefixMatching(pre string, r *nginx.Location) []string {
	if r.Re == nil {
		return nil
	}
	if !strings.HasSuffix(pre, "/") {
		pre += "/"
	}
	var out []string
	seen := map[string]bool{}
	add := func(u string) {
		if !seen[u] && strings.HasPrefix(u, pre) && r.MatchURI(u) != nil {
			seen[u] = true
			out = append(out, u)
		}
	}
	for _, s := range samples(r, 32) {
		switch {
		case strings.HasPrefix(s, pre):
			add(s)
		case strings.HasPrefix(s, "/"):
			add(pre + s[1:])
			add(pre + "x" + s)
		default:
			add(pre + "x" + s)
			add(pre + s)
			add(pre + "x/x" + s)
		}
	}
	return out
}

// routesTo routes uri in l's server and reports whether l (or a location
// nested in it) handles it.
func routesTo(l *nginx.Location, uri string) (*nginx.Location, []string, bool) {
	got, caps := l.Server.Route(uri)
	for x := got; x != nil; x = x.Parent {
		if x == l {
			return got, caps, true
		}
	}
	return got, caps, false
}
