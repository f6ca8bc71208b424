// Package exposure is the one answer to "what is protected, and what
// reaches it from outside": given a loaded nginx configuration and the
// user's declarations, it finds the protected areas (the directories and
// URL prefixes of files only the app may hand out) and every exposure of
// them: the location that lets an outside request reach a protected file,
// why, and example requests that the routing model of package nginx
// confirms are answered with that file.
//
// xaccel lint reports exposures; xaccel smoke probes them on a live server.
// Neither keeps its own idea of what is protected.
package exposure

import (
	"path"
	"strings"

	"github.com/xaccel/xaccel/nginx"
)

// Declarations are what the user says about the configuration (--protect,
// --protect-dir, --public, .xaccel.yaml).
type Declarations struct {
	Protect     []string // URL prefixes that hold protected files
	ProtectDirs []string // directories that hold protected files
	Public      []string // URL prefixes that are public on purpose
}

// Kind says why an exposure reaches protected files.
type Kind string

const (
	// NotInternal: a location serves protected files (declared, or named
	// like user media) without `internal` or another guard.
	NotInternal Kind = "not-internal"
	// RootCovers: another location's root or alias (or the server's root)
	// holds the protected directory.
	RootCovers Kind = "root-exposure"
	// RegexWins: a regex location wins over an internal prefix location
	// without ^~ and serves the file itself.
	RegexWins Kind = "regex-bypass"
	// ReachesApp: a regex location wins over an internal prefix location
	// without ^~ but proxies, passes to FastCGI or returns: the request
	// reaches the app, no protected byte is served by nginx.
	ReachesApp Kind = "reaches-app"
	// AliasTraversal: a location's alias and its name (or a regex capture)
	// disagree about slashes, so `..` or a glued name leaves the alias
	// directory.
	AliasTraversal Kind = "alias-traversal"
	// RewriteInto: a rewrite in a location that outside requests reach
	// sends them on to an internal location: rewritten requests count as
	// internal, so `internal` lets them through.
	RewriteInto Kind = "rewrite-into-internal"
)

// Area is a place protected files live in.
type Area struct {
	// Prefix is the URL prefix the files are meant to be fetched under
	// (through X-Accel-Redirect); "" when unknown.
	Prefix string
	// Dir is the directory that holds them, cleaned; "" when unknown.
	Dir string
	// Loc is the location that serves the area: the internal location, or
	// for a media location without `internal` that location; nil when the
	// area is only declared.
	Loc *nginx.Location
	// Declared is set when --protect or --protect-dir names the area.
	Declared bool
	// Escape is set for the directory an alias escapes into: the files
	// next to the aliased directory, which nothing means to serve. Outside
	// is that aliased directory, whose own files are not part of the area.
	Escape  bool
	Outside string
}

// Contains reports whether file (cleaned) is one of the area's files.
func (a *Area) Contains(file string) bool {
	return a.Dir != "" && Within(file, a.Dir) && file != a.Dir && (a.Outside == "" || !Within(file, a.Outside))
}

// Example is one request and the file nginx answers it with.
type Example struct {
	URI  string // the decoded, normalized URI ($uri)
	File string // the file nginx opens ("" when the location's root cannot be resolved)

	rewrite *nginx.Directive // the rewrite that leads into the internal location
}

// Exposure is one way outside requests reach an area.
type Exposure struct {
	Kind   Kind
	Server *nginx.Server
	// Loc is the location that answers the outside request (nil: the
	// server level, no location matches).
	Loc *nginx.Location
	// At is the statement a report belongs to: the exposing location, the
	// server's root, the internal location a regex bypasses, the alias.
	At *nginx.Directive
	// Area is what is reached.
	Area *Area
	// Declared is set when the user declared the area protected.
	Declared bool
	// Internal is the internal location that is bypassed (RegexWins,
	// ReachesApp) or rewritten into (RewriteInto).
	Internal *nginx.Location
	// Rewrite is the rewrite directive of a RewriteInto exposure.
	Rewrite *nginx.Directive
	// WholeSite is set for NotInternal when the location merely contains a
	// declared protected prefix (location / over the whole site): only
	// that prefix is protected, so `internal` on the location is no fix.
	WholeSite bool
	// Example is the first request the model confirms (with a made-up
	// file name); Requests gives the requests for a real file.
	Example Example

	a *Analysis
	// base is a URI prefix whose files map into baseDir (the request for
	// baseDir/x is base + x), when there is one.
	base, baseDir string
}

// Analysis is the result for one configuration.
type Analysis struct {
	Areas     []*Area
	Exposures []*Exposure

	decl Declarations
	// protected are the areas with a directory, sorted by Dir lazily.
	protected []*Area
	sorted    []*Area
	order     map[*Area]int
	// byLoc are the areas of the internal locations; byDir the areas with
	// a directory, by directory (built on first use).
	byLoc map[*nginx.Location]*Area
	byDir map[string][]*Area
	// publicCands and publicTrees remember PublicTree's work (see there).
	publicCands map[*nginx.Server][]publicCandidate
	publicTrees map[publicKey]*nginx.Directive
	// sampleCache holds each regex location's samples (samplesOf).
	sampleCache map[*nginx.Location][]string
}

// Analyze finds the protected areas of cfg and every exposure of them, in
// the order of the servers and locations.
func Analyze(cfg *nginx.Config, d Declarations) *Analysis {
	a := &Analysis{decl: d}
	a.findAreas(cfg)
	for _, s := range cfg.Servers {
		exposed := a.rootCovers(s)
		a.notInternal(s, exposed)
		rewrites := a.rewriteInto(s)
		a.regexWins(s, rewrites)
		a.aliasTraversal(s)
	}
	return a
}

// In returns the exposures of server s.
func (a *Analysis) In(s *nginx.Server) []*Exposure {
	var out []*Exposure
	for _, e := range a.Exposures {
		if e.Server == s {
			out = append(out, e)
		}
	}
	return out
}

func (a *Analysis) add(e *Exposure) *Exposure {
	e.a = a
	a.Exposures = append(a.Exposures, e)
	return e
}

// IsPublic reports whether uri is under a prefix declared public.
func (d Declarations) IsPublic(uri string) bool {
	for _, pub := range d.Public {
		if UnderPrefix(uri, pub) {
			return true
		}
	}
	return false
}

// DeclaredPrefix reports whether --protect names pre, a prefix inside it,
// or a prefix around it.
func (d Declarations) DeclaredPrefix(pre string) bool {
	for _, pr := range d.Protect {
		if UnderPrefix(pre, pr) || UnderPrefix(pr, pre) {
			return true
		}
	}
	return false
}

// isPublicLocation reports whether l is a prefix location declared public.
func (a *Analysis) isPublicLocation(l *nginx.Location) bool {
	return l.IsPrefix() && a.decl.IsPublic(l.Match)
}

// Requests returns the requests that reach the area's file rel (a
// "/"-separated path relative to Area.Dir, or to Area.Prefix when the
// directory is unknown) through this exposure, each confirmed by the
// routing model: nginx picks the exposing location for it, no `internal`
// stops it, and it opens exactly that file. Empty when the exposure cannot
// reach that file (a regex location that matches other names only, a
// sibling directory that does not share the alias's name).
func (e *Exposure) Requests(rel string) []Example {
	if rel == "" || strings.HasPrefix(rel, "/") || strings.HasSuffix(rel, "/") || strings.Contains("/"+rel+"/", "/../") || strings.Contains("/"+rel+"/", "/./") {
		return nil
	}
	want := ""
	if e.Area.Dir != "" {
		want = path.Join(e.Area.Dir, rel)
		if !e.Area.Contains(want) {
			return nil
		}
	}
	var out []Example
	seen := map[string]bool{}
	for _, uri := range e.candidates(rel, want) {
		if seen[uri] {
			continue
		}
		seen[uri] = true
		if ex, ok := e.confirm(uri, want); ok {
			out = append(out, ex)
		}
	}
	return out
}

// candidates proposes URIs for the file rel of the area (want: its path).
func (e *Exposure) candidates(rel, want string) []string {
	switch e.Kind {
	case AliasTraversal:
		return e.traversalCandidates(want)
	case RewriteInto:
		return e.rewriteCandidates(rel)
	case RegexWins:
		return []string{JoinURI(e.Internal.Match, rel)}
	}
	var out []string
	switch {
	case e.base == "":
	case want == "" || e.baseDir == "":
		out = append(out, JoinURI(e.base, rel))
	case Within(want, e.baseDir) && want != e.baseDir:
		out = append(out, JoinURI(e.base, strings.TrimPrefix(want, strings.TrimSuffix(e.baseDir, "/")+"/")))
	}
	if e.Area.Prefix != "" {
		out = append(out, JoinURI(e.Area.Prefix, rel))
	}
	return out
}

// confirm asks the routing model whether uri, sent from outside, is
// answered by the exposure's location with the file want ("" when the
// area's directory is unknown: the location alone decides).
func (e *Exposure) confirm(uri, want string) (Example, bool) {
	if !Requestable(uri) || e.a.decl.IsPublic(uri) {
		return Example{}, false
	}
	s := e.Server
	if e.Kind == RewriteInto {
		return e.confirmRewrite(uri, want)
	}
	got, caps, redirect := s.Lookup(uri)
	if redirect || got != nil && got.Internal() != nil || !handledBy(got, e.Loc) {
		return Example{}, false
	}
	files, ok := fileFor(s, got, uri, caps)
	if f, found := fileAmong(files, want); found {
		return Example{URI: uri, File: f}, true
	}
	if want == "" && (ok || e.Kind == NotInternal) {
		// The location takes the request; which file it opens is not
		// known (a root with a variable), or it tries none.
		return Example{URI: uri}, true
	}
	return Example{}, false
}

// handledBy reports whether the location nginx chose (got) is l or nested
// in it; a nil l means the server level, where no location matches.
func handledBy(got, l *nginx.Location) bool {
	if l == nil {
		return got == nil
	}
	for x := got; x != nil; x = x.Parent {
		if x == l {
			return true
		}
	}
	return false
}

// Requestable reports whether a decoded URI can be sent as it is: nginx
// normalizes the escaped form (EscapePath) back to the same URI, so no dot
// segment or double slash is merged away.
func Requestable(uri string) bool {
	got, _, err := nginx.NormalizeRequestTarget(EscapePath(uri), true)
	return err == nil && got == uri
}
