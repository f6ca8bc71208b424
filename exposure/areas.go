package exposure

import (
	"path"
	"sort"
	"strings"

	"github.com/xaccel/xaccel/nginx"
)

// mediaNames are path segments that mark a location or directory as
// holding user media even without `internal;` (forgetting it is the
// mistake this is there to catch).
var mediaNames = map[string]bool{
	"media": true, "uploads": true, "upload": true, "private": true, "protected": true,
	"attachments": true, "user-content": true, "usercontent": true, "documents": true,
}

// findAreas collects the declared directories, the directories served by
// internal prefix and exact locations (of every server: a root in one
// server can reach what another protects), and the declared prefixes.
func (a *Analysis) findAreas(cfg *nginx.Config) {
	a.byLoc = map[*nginx.Location]*Area{}
	for _, d := range a.decl.ProtectDirs {
		a.Areas = append(a.Areas, &Area{Dir: CleanDir(d), Declared: true})
	}
	for _, s := range cfg.Servers {
		for _, l := range s.AllLocations() {
			if l.Internal() == nil || !l.ServesFiles() || !l.IsPrefix() && l.Modifier != "=" || ErrorPage(l) {
				continue
			}
			dir, _ := ServedDir(l)
			ar := &Area{Prefix: l.Match, Dir: dir, Loc: l, Declared: a.decl.DeclaredPrefix(l.Match)}
			a.Areas = append(a.Areas, ar)
			a.byLoc[l] = ar
		}
	}
	for _, ar := range a.Areas {
		if ar.Dir != "" {
			a.protected = append(a.protected, ar)
		}
	}
}

// ServedDir is the directory a location serves: its alias, or its root
// plus the location name. ok is false when it has neither, or when the
// value has captures or variables the model cannot resolve.
func ServedDir(l *nginx.Location) (string, bool) {
	d, owner := l.DocRoot()
	if d == nil || len(d.Args) != 1 {
		return "", false
	}
	val := d.Args[0]
	if strings.Contains(val, "$") {
		if hasCapture(val) {
			return "", false
		}
		// root or alias with literally set variables only: MapFile with
		// an empty URI gives the value itself.
		p, ok := l.Server.MapFile(l, "", nil)
		if !ok {
			return "", false
		}
		val = p
	}
	if d.Name == "alias" {
		if owner != l {
			p, ok := l.Server.MapFile(l, l.Match, nil)
			return CleanDir(p), ok
		}
		return CleanDir(val), true
	}
	return CleanDir(strings.TrimSuffix(val, "/") + "/" + l.Match), true
}

// hasCapture reports whether a value refers to a regex capture ($1..$9).
func hasCapture(val string) bool {
	for i := 0; i+1 < len(val); i++ {
		if val[i] == '$' && val[i+1] >= '0' && val[i+1] <= '9' {
			return true
		}
	}
	return false
}

// MediaByName reports whether the location's name or the directory it
// serves has a path segment that names user media.
func MediaByName(l *nginx.Location, dir string) bool {
	names := []string{dir}
	if l.IsPrefix() || l.Modifier == "=" {
		names = append(names, l.Match)
	} else if l.IsRegex() {
		names = append(names, regexLiteralPrefix(l.Match))
	}
	if dir == "" {
		if d, _ := l.DocRoot(); d != nil && d.Name == "alias" {
			names = append(names, path.Dir(d.Arg(0)))
		}
	}
	for _, n := range names {
		for _, seg := range strings.Split(n, "/") {
			if mediaNames[strings.ToLower(seg)] {
				return true
			}
		}
	}
	return false
}

// Guard returns the directive other than `internal` that keeps outside
// requests out of l (auth_basic not off, auth_request, deny all,
// secure_link), or nil.
func Guard(l *nginx.Location) *nginx.Directive {
	// Each of auth_basic, auth_request and secure_link is decided by the
	// innermost level that has it, and allow/deny by the innermost level
	// with any of them (its last rule). One pass over each level finds all
	// four; a big block (an http{} of thousands of servers) is asked
	// through its index instead of scanned.
	const basic, request, secure, acl = 0, 1, 2, 3
	var eff [4]*nginx.Directive
	var found [4]bool
	for _, lv := range l.Levels() {
		var here [4]*nginx.Directive
		if len(lv.Block) > 64 {
			here[basic], here[request], here[secure] = lv.First("auth_basic"), lv.First("auth_request"), lv.First("secure_link")
			if len(lv.Find("allow")) > 0 || len(lv.Find("deny")) > 0 {
				here[acl] = lastACL(lv)
			}
		} else {
			for _, c := range lv.Block {
				switch c.Name {
				case "auth_basic":
					if here[basic] == nil {
						here[basic] = c
					}
				case "auth_request":
					if here[request] == nil {
						here[request] = c
					}
				case "secure_link":
					if here[secure] == nil {
						here[secure] = c
					}
				case "allow", "deny":
					here[acl] = c
				}
			}
		}
		for i, d := range here {
			if !found[i] && d != nil {
				found[i], eff[i] = true, d
			}
		}
		if found == [4]bool{true, true, true, true} {
			break
		}
	}
	if d := eff[basic]; d != nil && d.Arg(0) != "off" {
		return d
	}
	if d := eff[request]; d != nil && d.Arg(0) != "off" {
		return d
	}
	if d := eff[secure]; d != nil {
		return d
	}
	if d := eff[acl]; d != nil && d.Name == "deny" && d.Arg(0) == "all" {
		return d
	}
	return nil
}

// lastACL is the last allow or deny directly in lv.
func lastACL(lv *nginx.Directive) *nginx.Directive {
	var last *nginx.Directive
	for _, c := range lv.Block {
		if c.Name == "allow" || c.Name == "deny" {
			last = c
		}
	}
	return last
}

// protectedAbove returns the areas whose directory strictly contains dir.
func (a *Analysis) protectedAbove(dir string) []*Area {
	if a.byDir == nil {
		a.byDir = map[string][]*Area{}
		for _, ar := range a.protected {
			a.byDir[ar.Dir] = append(a.byDir[ar.Dir], ar)
		}
	}
	var out []*Area
	for d := dir; d != "/" && d != "." && d != ""; {
		d = path.Dir(d)
		out = append(out, a.byDir[d]...)
	}
	return out
}

// protectedUnder returns the areas whose directory is base or inside it,
// in the order they were found: the only ones a root or alias of base can
// reach.
func (a *Analysis) protectedUnder(base string) []*Area {
	if base == "/" || base == "" {
		return a.protected
	}
	if a.sorted == nil {
		a.order = map[*Area]int{}
		for i, ar := range a.protected {
			a.order[ar] = i
		}
		a.sorted = append([]*Area(nil), a.protected...)
		sort.SliceStable(a.sorted, func(i, j int) bool { return a.sorted[i].Dir < a.sorted[j].Dir })
	}
	var out []*Area
	collect := func(lo, hi string) { // the dirs d with lo <= d < hi
		i := sort.Search(len(a.sorted), func(i int) bool { return a.sorted[i].Dir >= lo })
		for ; i < len(a.sorted) && a.sorted[i].Dir < hi; i++ {
			out = append(out, a.sorted[i])
		}
	}
	collect(base, base+"\x00")  // base itself
	collect(base+"/", base+"0") // everything under base/ ('0' follows '/')
	sort.Slice(out, func(i, j int) bool { return a.order[out[i]] < a.order[out[j]] })
	return out
}

// ErrorPage reports whether l is where an `error_page` of its server (or
// of http level) sends requests: an internal location for error pages,
// which holds no downloads.
func ErrorPage(l *nginx.Location) bool {
	s := l.Server
	found := false
	check := func(d *nginx.Directive) bool {
		if found {
			return false
		}
		if d.Name == "error_page" && len(d.Args) >= 2 {
			uri, _, _ := strings.Cut(d.Args[len(d.Args)-1], "?")
			if strings.HasPrefix(uri, "/") {
				if got, _ := s.Route(uri); got != nil && handledBy(got, l) {
					found = true
				}
			}
		}
		return true
	}
	if s.Dir != nil {
		s.Dir.Walk(check)
	}
	if s.HTTP != nil {
		for _, c := range s.HTTP.Find("error_page") {
			check(c)
		}
	}
	return found
}
