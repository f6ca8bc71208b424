package lint

import (
	"sort"
	"strings"

	"github.com/xaccel/xaccel/nginx"
)

var ruleRootExposesProtected = &Rule{
	Name:     "root-exposes-protected",
	Severity: Error,
	Summary:  "a public location's root or alias reaches into a protected directory",
	check: func(p *pass) {
		if len(p.protectedDirs) == 0 {
			return
		}
		for _, s := range p.cfg.Servers {
			for _, l := range s.AllLocations() {
				if l.Internal() != nil || !l.ServesFiles() || guard(l) != nil || p.isPublicLocation(l) || !servesURIFiles(l) {
					continue
				}
				if uri, path, pd, ok := p.exposure(s, l); ok {
					p.exposed[l.Dir] = true
					p.report("root-exposes-protected", Error, l.Dir, exposureMessage(uri, path, pd, "`"+l.String()+"`"))
				}
			}
			if root := s.ServerRoot(); root != nil {
				if uri, path, pd, ok := p.exposure(s, nil); ok {
					p.report("root-exposes-protected", Error, root, exposureMessage(uri, path, pd, "the server-level `root "+root.Arg(0)+"` (no location matches the request)"))
				}
			}
		}
	},
}

func exposureMessage(uri, path string, pd protectedDir, who string) string {
	why := "declared protected"
	if pd.by != nil {
		why = "served only through the internal `" + pd.by.String() + "` at " + rel(pd.by.Dir)
	}
	return "`GET " + uri + "` from outside is answered by " + who + " with " + path + ", a file in " + pd.dir + " (" + why + "); anyone can download protected files without the app's permission check: move the protected files out of this root, or add a location for them that is `internal`"
}

func (p *pass) isPublicLocation(l *nginx.Location) bool {
	return l.IsPrefix() && p.isPublic(l.Match)
}

// servesURIFiles reports whether a location maps request URIs to files: a
// try_files that never tries $uri (or $request_filename) serves only the
// files it names.
func servesURIFiles(l *nginx.Location) bool {
	tf := l.Dir.First("try_files")
	if tf == nil {
		return true
	}
	for _, a := range tf.Args[:max(0, len(tf.Args)-1)] {
		if strings.Contains(a, "$uri") || strings.Contains(a, "$request_filename") {
			return true
		}
	}
	return false
}

// exposure looks for a URI that the routing model sends to l (nil: the
// server level) and that maps into a protected directory.
func (p *pass) exposure(s *nginx.Server, l *nginx.Location) (string, string, protectedDir, bool) {
	var d *nginx.Directive
	var owner *nginx.Location
	if l == nil {
		d = s.ServerRoot()
	} else {
		d, owner = l.DocRoot()
	}
	if d == nil || len(d.Args) != 1 || strings.Contains(d.Args[0], "$") {
		return "", "", protectedDir{}, false
	}
	for _, pd := range p.protectedUnder(cleanDir(d.Args[0])) {
		if pd.by != nil && l != nil && isInside(l, pd.by) {
			continue
		}
		for _, uri := range exposureURIs(l, d, owner, pd.dir) {
			if p.isPublic(uri) || coveredByInternalPrefix(s, uri) {
				continue
			}
			got, caps := s.Route(uri)
			if got != l {
				continue
			}
			path, ok := s.MapPath(l, uri, caps)
			if ok && within(path, pd.dir) {
				return uri, path, pd, true
			}
		}
	}
	return "", "", protectedDir{}, false
}

// coveredByInternalPrefix reports whether uri falls under an internal
// prefix location without ^~: when a regex location takes such a request
// instead, regex-bypasses-internal reports it at the internal location.
func coveredByInternalPrefix(s *nginx.Server, uri string) bool {
	for _, l := range s.AllLocations() {
		if l.Modifier == "" && l.Internal() != nil && strings.HasPrefix(uri, l.Match) {
			return true
		}
	}
	return false
}

// exposureURIs proposes URIs that would map into dir through the root or
// alias d that applies to l (nil: the server level); owner is the location
// that holds an alias.
func exposureURIs(l *nginx.Location, d *nginx.Directive, owner *nginx.Location, dir string) []string {
	base := cleanDir(d.Args[0])
	if !within(dir, base) {
		return nil
	}
	sub := strings.TrimPrefix(strings.TrimPrefix(dir, base), "/")
	var prefix string
	if d.Name == "root" {
		prefix = "/" + sub
	} else {
		if owner == nil || !owner.IsPrefix() {
			return nil
		}
		prefix = strings.TrimSuffix(owner.Match, "/") + "/" + sub
	}
	if !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	var out []string
	for _, n := range sampleNames {
		out = append(out, prefix+n)
	}
	if l != nil && l.IsRegex() {
		out = append(out, underPrefixMatching(prefix, l)...)
	}
	return out
}

// protectedUnder returns the protected directories inside base (base
// included), in the order of p.protectedDirs: the only ones a root or alias
// of base can reach (exposureURIs returns nothing for the others).
func (p *pass) protectedUnder(base string) []protectedDir {
	if base == "/" || base == "" {
		return p.protectedDirs
	}
	if p.sortedDirs == nil {
		p.sortedDirs = make([]int, len(p.protectedDirs))
		for i := range p.sortedDirs {
			p.sortedDirs[i] = i
		}
		sort.SliceStable(p.sortedDirs, func(i, j int) bool {
			return p.protectedDirs[p.sortedDirs[i]].dir < p.protectedDirs[p.sortedDirs[j]].dir
		})
	}
	var idx []int
	collect := func(lo, hi string) { // the dirs d with lo <= d < hi
		i := sort.Search(len(p.sortedDirs), func(i int) bool { return p.protectedDirs[p.sortedDirs[i]].dir >= lo })
		for ; i < len(p.sortedDirs) && p.protectedDirs[p.sortedDirs[i]].dir < hi; i++ {
			idx = append(idx, p.sortedDirs[i])
		}
	}
	collect(base, base+"\x00")  // base itself
	collect(base+"/", base+"0") // everything under base/ ('0' follows '/')
	sort.Ints(idx)
	out := make([]protectedDir, len(idx))
	for i, j := range idx {
		out[i] = p.protectedDirs[j]
	}
	return out
}
