package smoke

import (
	"context"
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/xaccel/xaccel/exposure"
	"github.com/xaccel/xaccel/nginx"
)

// Problems a failed probe names.
const (
	ProblemNotInternal    = "not-internal"          // the protected location has no `internal;`
	ProblemOffBySlash     = "off-by-slash"          // location /x { alias /dir/; } lets /x../ out
	ProblemRegexBypass    = "regex-bypass"          // a regex location wins over a non-^~ internal prefix
	ProblemRootExposure   = "root-exposure"         // a root holds the protected directory
	ProblemRewrite        = "rewrite-into-internal" // a rewrite leads outside requests into the internal location
	ProblemListing        = "directory-listing"
	ProblemEncoding       = "encoding-bypass" // an encoded or case form gets through, the plain one does not
	ProblemMethod         = "method-bypass"   // HEAD or Range gets through, the plain GET does not
	ProblemExposed        = "exposed"         // without a configuration: served, cause unknown
	ProblemUnexplained    = "unexplained"     // the configuration given says it cannot happen
	ProblemNoAnswer       = "no-answer"
	ProblemDownload       = "download-failed"
	ProblemBodyMismatch   = "body-mismatch"
	ProblemEmptyDownload  = "empty-download"
	ProblemDisposition    = "disposition-missing"
	ProblemNosniff        = "nosniff-missing"
	ProblemCache          = "cache-not-private"
	ProblemAccelExposed   = "accel-header-exposed"
	problemControlMissing = "no-comparison"
)

// Result is a probe and what came of it.
type Result struct {
	Probe  *Probe
	Status int   // 0 when nothing came back
	Size   int64 // body bytes (GET), or the Content-Length of a HEAD answer (-1 if none)
	Pass   bool
	// Untested is set for an exposure of the configuration that no probe
	// could test (no file of its area is known): the run cannot say the
	// server is safe.
	Untested bool
	Problem  string // set when the probe failed
	Reason   string // why it passed or failed
}

// judge decides whether an answer is the protected file.
func (c *client) judge(ctx context.Context, p *Plan, pr *Probe, a *answer, passed map[*Probe]bool) Result {
	r := Result{Probe: pr, Status: a.Status, Size: a.Size}
	if pr.Method == "HEAD" {
		r.Size = -1
		if n, err := strconv.ParseInt(a.Header.Get("Content-Length"), 10, 64); err == nil {
			r.Size = n
		}
	}
	ok2xx := a.Status >= 200 && a.Status < 300
	if pr.Kind == KindPrefix {
		if ok2xx && isListing(a, pr.Prefix, p) {
			r.Problem = ProblemListing
			r.Reason = "the answer lists the files under " + pr.Prefix + " (autoindex): anyone learns their names; " + p.explainDir(pr)
			return r
		}
		r.Pass = true
		r.Reason = "no listing of the protected files"
		return r
	}
	if !ok2xx {
		r.Pass = true
		r.Reason = "refused"
		if loc := a.Header.Get("Location"); a.Status >= 300 && a.Status < 400 && loc != "" {
			r.Reason = "redirect to " + loc + " (not followed)"
		}
		return r
	}
	s := pr.Sample
	var how string
	switch {
	case pr.Method == "HEAD" && s != nil && s.Known:
		if r.Size != s.Size {
			r.Pass = true
			r.Reason = fmt.Sprintf("answered %d with a Content-Length other than the file's %d bytes", a.Status, s.Size)
			return r
		}
		how = fmt.Sprintf("answered %d with the file's size and headers", a.Status)
	case pr.Method != "HEAD" && a.Size == 0:
		r.Pass = true
		r.Reason = "empty body"
		return r
	case s != nil && s.Known:
		if a.Status == 206 || pr.Range != "" && a.Size < s.Size {
			if !s.headMatches(a.Head[:min(len(a.Head), int(a.Size))]) {
				r.Pass = true
				r.Reason = fmt.Sprintf("%d bytes that are not the file's", a.Size)
				return r
			}
			how = fmt.Sprintf("sent the file's first %d bytes", a.Size)
		} else {
			if !s.sameBytes(a.Size, a.SHA256) {
				r.Pass = true
				r.Reason = fmt.Sprintf("%d bytes that are not the file (%s)", a.Size, s.Name)
				return r
			}
			how = "sent the file's bytes (" + s.Name + ")"
		}
	default:
		ca, ctarget, err := c.control(ctx, pr)
		if err != nil {
			r.Problem = problemControlMissing
			r.Reason = fmt.Sprintf("answered %d with %d bytes, and the request for a name that does not exist (%s) failed (%v), so the answer cannot be told from the file", a.Status, a.Size, ctarget, err)
			return r
		}
		if ca.Status == a.Status && ca.SHA256 == a.SHA256 && ca.Header.Get("Content-Length") == a.Header.Get("Content-Length") {
			r.Pass = true
			r.Reason = fmt.Sprintf("the same answer as for a name that does not exist (%s): a catch-all page, not the file", ctarget)
			return r
		}
		size := fmt.Sprintf("%d bytes", a.Size)
		if pr.Method == "HEAD" {
			size = "Content-Length " + a.Header.Get("Content-Length")
		}
		how = fmt.Sprintf("answered %d with %s while a name that does not exist (%s) gets %d: this is the file (its bytes are not known here; give --files-dir to compare them)", a.Status, size, ctarget, ca.Status)
	}
	r.Problem, r.Reason = p.diagnose(pr, passed)
	r.Reason = how + ": " + r.Reason
	return r
}

// isListing reports whether a 2xx answer for a prefix looks like a
// directory listing.
func isListing(a *answer, prefix string, p *Plan) bool {
	body := string(a.Head)
	if strings.Contains(body, "Index of "+prefix) || strings.Contains(body, "Index of "+strings.TrimSuffix(prefix, "/")) {
		return true
	}
	for _, t := range p.Targets {
		if t.Prefix != prefix {
			continue
		}
		for _, s := range t.Samples {
			if first, _, _ := strings.Cut(s.Name, "/"); len(first) > 3 && (strings.Contains(body, ">"+first) || strings.Contains(body, "\""+escapePath(first))) {
				return true
			}
		}
	}
	return false
}

func (p *Plan) explainDir(pr *Probe) string {
	if p.server != nil {
		if uri, _, err := nginx.NormalizeRequestTarget(pr.Target, true); err == nil {
			if l, _ := p.server.Route(uri); l != nil {
				return "it is answered by " + describe(l) + "; turn autoindex off and make the location internal"
			}
		}
	}
	return "turn autoindex off and make the location internal"
}

// describe names a location and where it is.
func describe(l *nginx.Location) string {
	if l == nil {
		return "the server level (no location matches)"
	}
	return "`" + l.String() + "` (" + l.Dir.Pos.String() + ")"
}

// diagnose names the problem behind a probe that got the file: with a
// configuration, by routing the request as nginx would; without one, by
// what the probe tried. A variant that got through while its plain probe
// was refused names the front layer that treats it differently.
func (p *Plan) diagnose(pr *Probe, passed map[*Probe]bool) (string, string) {
	problem, why := p.model(pr)
	if problem != ProblemUnexplained || pr.Base == nil || !passed[pr.Base] {
		return problem, why
	}
	switch pr.Variant {
	case VariantHead, VariantRange:
		return ProblemMethod, fmt.Sprintf("the plain GET %s was refused, but this %s request got the file: something in front of nginx (a CDN rule, another proxy, an auth layer) lets %s requests through", pr.Base.Target, variantWord(pr), variantWord(pr))
	}
	return ProblemEncoding, fmt.Sprintf("GET %s was refused, but the same path written as %s got the file: something in front of nginx matches the raw request and decodes it differently (a CDN rule, another proxy)", pr.Base.Target, pr.Target)
}

func variantWord(pr *Probe) string {
	if pr.Variant == VariantHead {
		return "HEAD"
	}
	return "Range"
}

// model explains a leak with the configuration given: by the exposure the
// probe was planned for, else by routing the request as nginx would.
func (p *Plan) model(pr *Probe) (string, string) {
	if pr.Exposure != nil {
		return explain(pr.Exposure, pr)
	}
	if p.server == nil {
		switch pr.Kind {
		case KindOffBySlash:
			return ProblemOffBySlash, "off-by-slash: a location name without its trailing slash whose alias has one (location /static { alias /srv/static/; }) lets `..` after the name leave the alias directory; end the location name with /"
		case KindRoot:
			return ProblemRootExposure, "a root that holds the protected directory serves it under its own name; move the protected files out of that root"
		}
		return ProblemExposed, "the protected prefix " + pr.Prefix + " answers outside requests with the file: it is not `internal` on the server, or something in front of nginx serves it"
	}
	uri, _, err := nginx.NormalizeRequestTarget(pr.Target, true)
	if err != nil {
		return ProblemUnexplained, "nginx answers this request with 400 (" + err.Error() + "), yet the file came back: something in front of nginx decodes it differently (a CDN, another proxy)"
	}
	l, _ := p.server.Route(uri)
	if l != nil && l.Internal() != nil {
		return ProblemUnexplained, "the configuration given sends " + uri + " to the internal " + describe(l) + ", which refuses outside requests, yet the file came back: the server runs another configuration, or something in front of nginx (a CDN, another proxy, the app's own port) serves the file"
	}
	// A variant of a planned request: the exposure of the location that
	// takes it.
	for _, e := range p.exposures {
		if e.Loc == l && e.Loc != nil && probeKinds[e.Kind] != "" {
			return explain(e, pr)
		}
	}
	return ProblemUnexplained, "the configuration given sends " + uri + " to " + describe(l) + ", which should not serve this file: the server runs another configuration, or something in front of nginx serves the file"
}

// explain names the problem of an exposure in words a reader can act on.
func explain(e *exposure.Exposure, pr *Probe) (string, string) {
	uri, _, err := nginx.NormalizeRequestTarget(pr.Target, true)
	if err != nil {
		uri = pr.Target
	}
	file := "a file"
	if pr.Sample != nil && e.Area.Dir != "" {
		file = path.Join(e.Area.Dir, pr.Sample.Name)
	}
	via := "the server root"
	if e.Loc != nil {
		via = describe(e.Loc)
	}
	switch e.Kind {
	case exposure.NotInternal:
		return ProblemNotInternal, describe(e.Loc) + " has no `internal;`, so an outside request gets the file that only the app should hand out: add `internal;` to it"
	case exposure.RegexWins:
		return ProblemRegexBypass, "regex " + describe(e.Loc) + " matches " + uri + " and wins over the internal " + describe(e.Internal) + ", which has no ^~, so `internal` does not apply: write `location ^~ " + e.Internal.Match + "`"
	case exposure.AliasTraversal:
		al := e.Loc.Dir.First("alias")
		why := "its name and its alias " + al.Arg(0) + " disagree about the trailing slash"
		if e.Loc.IsRegex() {
			why = "its alias " + al.Arg(0) + " takes a capture that can climb out of the directory or glue onto its name"
		}
		fix := "end the location name and the alias with /"
		if e.Loc.IsRegex() {
			fix = "put a / between the alias directory and the capture, and keep a / before the group in the pattern"
		}
		return ProblemOffBySlash, "off-by-slash: " + describe(e.Loc) + ": " + why + ", so " + uri + " maps to " + file + ", outside the aliased directory: " + fix
	case exposure.RootCovers:
		return ProblemRootExposure, via + " maps " + uri + " to " + file + ", inside the protected directory " + e.Area.Dir + describeArea(e.Area) + ": move the protected files out of that root, or serve that path from an internal location"
	case exposure.RewriteInto:
		return ProblemRewrite, describe(e.Loc) + " rewrites " + uri + " into the internal " + describe(e.Internal) + " (" + e.Rewrite.Pos.String() + "): a rewritten request counts as internal, so `internal` lets it through and the file is served: keep the rewrite away from the protected prefix"
	}
	return ProblemUnexplained, "the configuration given lets " + uri + " through " + via
}

// describeArea says what serves a protected area, for messages.
func describeArea(ar *exposure.Area) string {
	if ar.Loc != nil && ar.Loc.Internal() != nil {
		return " of the internal " + describe(ar.Loc)
	}
	if ar.Declared {
		return " (declared protected)"
	}
	return ""
}
