package exposure

import (
	"path"
	"strings"

	"github.com/xaccel/xaccel/nginx"
)

// escapeProbe is the made-up file an alias escape is confirmed with.
const escapeProbe = "xaccel-escape/example.txt"

// aliasTraversal finds the outside-reachable locations whose alias lets a
// request leave the aliased directory: a prefix location and its alias
// that disagree about the trailing slash (`location /static { alias
// /srv/static/; }` serves /static../secret as /srv/secret), or a regex
// capture glued onto the alias or allowed to start with "..". Each
// protected area next to the aliased directory is an exposure, and so is
// the directory around it when nothing serves that directory publicly
// anyway.
func (a *Analysis) aliasTraversal(s *nginx.Server) {
	for _, l := range s.AllLocations() {
		al := l.Dir.First("alias")
		if al == nil || len(al.Args) != 1 || l.Internal() != nil || Guard(l) != nil || a.isPublicLocation(l) || !l.ServesFiles() {
			continue
		}
		aliasDir, ok := aliasLiteralDir(s, l, al)
		if !ok || aliasDir == "/" {
			continue
		}
		parent := path.Dir(aliasDir)
		mk := func(ar *Area) *Exposure {
			return &Exposure{Kind: AliasTraversal, Server: s, Loc: l, At: al, Area: ar, Declared: ar.Declared, a: a}
		}
		for _, ar := range a.protectedUnder(parent) {
			if Within(ar.Dir, aliasDir) || ar.Loc == l {
				continue
			}
			e := mk(ar)
			if ex, ok := e.firstRequest(SampleNames); ok {
				e.Example = ex
				a.add(e)
			}
		}
		if a.PublicTree(s, parent) != nil {
			continue
		}
		// The directory around the alias: a made-up file beside the
		// aliased directory, or in a sibling named like it.
		e := mk(&Area{Dir: parent, Outside: aliasDir, Escape: true})
		if ex, ok := e.firstRequest([]string{escapeProbe, path.Base(aliasDir) + "-old/example.txt"}); ok {
			e.Example = ex
			a.Areas = append(a.Areas, e.Area)
			a.add(e)
		}
	}
}

// firstRequest confirms the exposure with the first of the made-up files
// of its area (names relative to Area.Dir) that it reaches.
func (e *Exposure) firstRequest(names []string) (Example, bool) {
	for _, n := range names {
		if ex := e.Requests(n); len(ex) > 0 {
			return ex[0], true
		}
	}
	return Example{}, false
}

// aliasLiteralDir is the directory an alias names up to its first
// capture: the whole alias of a prefix location, the text before $1 of a
// regex location (a regex alias without a capture maps every request to
// one file and cannot be left).
func aliasLiteralDir(s *nginx.Server, l *nginx.Location, al *nginx.Directive) (string, bool) {
	val := al.Args[0]
	if l.IsRegex() {
		i := strings.Index(val, "$")
		if i < 0 || !hasCapture(val[i:]) || i+1 < len(val) && (val[i+1] < '1' || val[i+1] > '9') {
			return "", false
		}
		return CleanDir(val[:i]), i > 0
	}
	if !l.IsPrefix() || strings.Contains(val, "$") && hasCapture(val) {
		return "", false
	}
	p, ok := s.MapFile(l, l.Match, nil)
	if !ok {
		return "", false
	}
	return CleanDir(p), true
}

// traversalCandidates proposes URIs that an alias location maps to the
// file want outside its aliased directory: the location's name (or a
// regex's literal start) followed by "../" and the path from the
// directory above, or by the rest of a sibling whose name begins with the
// alias's.
func (e *Exposure) traversalCandidates(want string) []string {
	l := e.Loc
	al := l.Dir.First("alias")
	if al == nil || want == "" {
		return nil
	}
	var lit, pre string
	if l.IsRegex() {
		lit = regexLiteralPrefix(l.Match)
		i := strings.Index(al.Args[0], "$")
		if i < 0 || !strings.HasPrefix(lit, "/") {
			return nil
		}
		pre = al.Args[0][:i]
	} else {
		lit = l.Match
		p, ok := e.Server.MapFile(l, l.Match, nil)
		if !ok {
			return nil
		}
		pre = p
	}
	var out []string
	if strings.HasSuffix(pre, "/") {
		dir := strings.TrimSuffix(pre, "/")
		parent := path.Dir(dir)
		if Within(want, parent) && !Within(want, dir) {
			rest := "../" + strings.TrimPrefix(strings.TrimPrefix(want, parent), "/")
			out = append(out, lit+rest)
			if !strings.HasSuffix(lit, "/") {
				out = append(out, lit+"/"+rest)
			}
		}
	} else if rest, ok := strings.CutPrefix(want, pre); ok && rest != "" && !strings.HasPrefix(rest, "/") {
		out = append(out, lit+rest)
		if !strings.HasSuffix(lit, "/") {
			out = append(out, lit+"/"+rest)
		}
	}
	return out
}

// PublicTree returns the root or alias of a location of s that serves the
// directory dir (or one around it) to outside requests: a prefix location
// that is not internal and has no guard, whose files map straight from the
// URI. nil when there is none.
func (a *Analysis) PublicTree(s *nginx.Server, dir string) *nginx.Directive {
	if dir == "" {
		return nil
	}
	dir = path.Clean(dir)
	key := publicKey{s, dir}
	if d, ok := a.publicTrees[key]; ok {
		return d
	}
	var found *nginx.Directive
	for _, c := range a.publicCandidates(s) {
		if !(dir == c.served || c.served == "/" || strings.HasPrefix(dir, c.served+"/")) {
			continue // dir is not c.served or inside it
		}
		l := c.loc
		uri := JoinURI(l.Match, "xaccel-public-probe.txt")
		got, caps := s.Route(uri)
		if got != l {
			continue
		}
		if files, ok := fileFor(s, l, uri, caps); ok && len(files) > 0 && Within(files[0], c.served) {
			found, _ = l.DocRoot()
			break
		}
	}
	if a.publicTrees == nil {
		a.publicTrees = map[publicKey]*nginx.Directive{}
	}
	a.publicTrees[key] = found
	return found
}

// publicKey is a PublicTree question: a server and a cleaned directory.
type publicKey struct {
	s   *nginx.Server
	dir string
}

// publicCandidate is a location PublicTree may find: a prefix location of
// the server that is not internal, has no guard and serves files, with
// the directory it serves (cleaned).
type publicCandidate struct {
	loc    *nginx.Location
	served string
}

// publicCandidates are the server's publicCandidate locations, in order,
// found once: PublicTree is asked for every alias of a server, and a
// server can have thousands of locations.
func (a *Analysis) publicCandidates(s *nginx.Server) []publicCandidate {
	if cs, ok := a.publicCands[s]; ok {
		return cs
	}
	var cs []publicCandidate
	for _, l := range s.AllLocations() {
		if !l.IsPrefix() || l.Internal() != nil || Guard(l) != nil || !l.ServesFiles() {
			continue
		}
		if served, ok := ServedDir(l); ok && served != "" {
			cs = append(cs, publicCandidate{loc: l, served: path.Clean(served)})
		}
	}
	if a.publicCands == nil {
		a.publicCands = map[*nginx.Server][]publicCandidate{}
	}
	a.publicCands[s] = cs
	return cs
}
