package smoke

import (
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"strings"

	"github.com/xaccel/xaccel/exposure"
	"github.com/xaccel/xaccel/nginx"
)

// Probe kinds: what a probe tries.
const (
	KindPrefix     = "prefix"        // the protected prefix itself (a directory listing)
	KindDirect     = "direct"        // a file under the protected prefix
	KindRegex      = "regex-bypass"  // a file under the prefix that a regex location matches
	KindOffBySlash = "off-by-slash"  // /static../media/file through a location name without its slash
	KindRoot       = "root-exposure" // the protected directory through a root that holds it
	KindRewrite    = "rewrite"       // a rewrite that leads into the internal location
	KindVia        = "via"           // the legitimate download through the app
)

// Probe variants: how the request is written.
const (
	VariantPlain   = "plain"
	VariantHead    = "head"
	VariantRange   = "range"
	VariantEncoded = "encoded"        // percent-encoded letters, slashes or dot segments
	VariantDouble  = "double-encoded" // encoded twice
	VariantCase    = "case"           // the prefix in upper case
)

// probeRange is the Range header of the range variant.
const probeRange = "bytes=0-15"

// Probe is one request of the plan.
type Probe struct {
	Kind    string
	Variant string
	Method  string
	Target  string // the request target, sent byte for byte
	Range   string // the Range header, if any
	Prefix  string // the protected prefix the probe is about
	Sample  *Sample
	// Base is the plain probe a variant rewrites (nil for plain probes).
	Base *Probe
	// Via is set for the legitimate-path checks.
	Via *Via
	// Exposure is the exposure of the configuration the probe tests (nil
	// for the direct probes of a protected prefix).
	Exposure *exposure.Exposure
}

// Target is one protected area and what is known about it.
type Target struct {
	Prefix  string         // the URL prefix of its files ("" when only exposures reach them)
	Area    *exposure.Area // nil when given only by --prefix
	Dir     string         // the directory that holds it, as the configuration names it ("" unknown)
	Local   string         // a local directory with its files ("" none)
	Samples []*Sample
	// listed are the files found in Local (see listFiles), from where.
	listed []string
	from   string
}

// PlanInput is what a plan is derived from.
type PlanInput struct {
	Config     *nginx.Config // nil without a configuration
	ServerName string
	Prefixes   []string
	Samples    []string
	FilesDir   string
	MapRoot    [][2]string
	// Learned are files the --via downloads revealed: a name relative to
	// every prefix, or a URL path ("/media/x") when the exact path is known.
	Learned []Sample
}

// Plan is the list of probes for a target server.
type Plan struct {
	Targets []*Target
	Probes  []*Probe
	Notes   []string
	// Untested are the exposures of the configuration that no probe
	// tests: no file of their area is known.
	Untested []*exposure.Exposure
	server   *nginx.Server
	// exposures are the ways the configuration lets outside requests
	// reach a protected area (package exposure).
	exposures []*exposure.Exposure
	seen      map[string]bool
}

var errNothingToProbe = errors.New("nothing to probe: the configuration has no internal location, no location named like user media (media, uploads, protected, private...) and no exposure of files; name the protected URL prefixes with --prefix")

// maxPerExposure bounds the probes planned for one exposure.
const maxPerExposure = 2

// Requests is the most requests the plan can send: one per probe, plus one
// comparison request for each probe whose file bytes are unknown.
func (p *Plan) Requests() int {
	n := 0
	for _, pr := range p.Probes {
		n++
		if pr.Kind != KindPrefix && (pr.Sample == nil || !pr.Sample.Known) {
			n++
		}
	}
	return n
}

// NewPlan derives the probes from the configuration and the options.
func NewPlan(in PlanInput) (*Plan, error) {
	p := &Plan{seen: map[string]bool{}}
	if in.Config != nil {
		p.server = in.Config.PickServer(in.ServerName)
		if p.server == nil {
			if in.ServerName != "" {
				return nil, usagef("the configuration has no server block with server_name %q", in.ServerName)
			}
			return nil, usagef("the configuration has no http server block")
		}
	}
	if err := p.findTargets(in); err != nil {
		return nil, err
	}
	if len(p.Targets) == 0 {
		if in.Config == nil {
			return nil, &UsageError{Msg: "nothing to probe: give -c nginx.conf, or the protected URL prefixes with --prefix", Err: errNothingToProbe}
		}
		return nil, &UsageError{Msg: errNothingToProbe.Error(), Err: errNothingToProbe}
	}
	if err := p.addSamples(in); err != nil {
		return nil, err
	}
	for _, t := range p.Targets {
		p.probeTarget(t)
	}
	p.probeExposures()
	return p, nil
}

// findTargets collects the protected areas: those of the exposure
// analysis of the configuration (internal locations, declared prefixes,
// media locations without internal, what an alias escapes into) and the
// --prefix ones the configuration does not know.
func (p *Plan) findTargets(in PlanInput) error {
	var declared []string
	for _, pre := range in.Prefixes {
		if pre == "" || pre[0] != '/' || strings.ContainsAny(pre, "?# \t") {
			return usagef("--prefix %q: want a URL path prefix such as /media/", pre)
		}
		if !strings.HasSuffix(pre, "/") {
			pre += "/"
		}
		declared = append(declared, pre)
	}
	if p.server != nil {
		an := exposure.Analyze(in.Config, exposure.Declarations{Protect: declared})
		p.exposures = an.In(p.server)
		for _, ar := range an.Areas {
			if ar.Loc != nil && ar.Loc.Server != p.server || p.targetOf(ar) != nil {
				continue
			}
			if ar.Loc == nil && !ar.Declared {
				// An escape area: only the exposures that reach it
				// make it worth probing.
				if !p.reached(ar) {
					continue
				}
			}
			if ar.Loc != nil && ancestorIsTarget(p.Targets, ar.Loc) {
				continue
			}
			p.Targets = append(p.Targets, &Target{Prefix: ar.Prefix, Area: ar, Dir: ar.Dir, Local: localDir(ar.Dir, in.MapRoot)})
		}
	}
	for _, d := range declared {
		found := false
		for _, t := range p.Targets {
			found = found || t.Prefix != "" && strings.TrimSuffix(t.Prefix, "/") == strings.TrimSuffix(d, "/")
		}
		if !found {
			p.Targets = append(p.Targets, &Target{Prefix: d})
		}
	}
	if in.FilesDir != "" {
		abs, err := filepath.Abs(in.FilesDir)
		if err != nil || !isDir(abs) {
			return usagef("--files-dir %s: not a directory", in.FilesDir)
		}
		matched := false
		for _, t := range p.Targets {
			if t.Local != "" && filepath.Clean(t.Local) == abs {
				matched = true
			}
		}
		if !matched {
			for _, t := range p.Targets {
				if t.Prefix != "" && (t.Local == "" || len(p.Targets) == 1) {
					t.Local = abs
					if t.Dir == "" {
						t.Dir = abs
					}
				}
			}
		}
	}
	return nil
}

// targetOf returns the target of an area, or nil.
func (p *Plan) targetOf(ar *exposure.Area) *Target {
	for _, t := range p.Targets {
		if t.Area == ar || ar != nil && t.Area != nil && t.Prefix == ar.Prefix && t.Dir == ar.Dir {
			return t
		}
	}
	return nil
}

// reached reports whether an exposure of the plan's server reaches ar.
func (p *Plan) reached(ar *exposure.Area) bool {
	for _, e := range p.exposures {
		if e.Area == ar {
			return true
		}
	}
	return false
}

func ancestorIsTarget(ts []*Target, l *nginx.Location) bool {
	for x := l.Parent; x != nil; x = x.Parent {
		for _, t := range ts {
			if t.Area != nil && t.Area.Loc == x {
				return true
			}
		}
	}
	return false
}

// localDir maps a directory of the configuration to a local one with the
// --map-root pairs (the first match wins) and returns it when it exists.
func localDir(dir string, mapRoot [][2]string) string {
	if dir == "" || strings.Contains(dir, "$") {
		return ""
	}
	local := dir
	for _, m := range mapRoot {
		from := exposure.CleanDir(m[0])
		if exposure.Within(dir, from) {
			local = filepath.Join(m[1], filepath.FromSlash(strings.TrimPrefix(dir, from)))
			break
		}
	}
	if !filepath.IsAbs(local) {
		// A relative root is resolved against nginx's prefix, which is not
		// known here.
		return ""
	}
	if isDir(local) {
		return local
	}
	return ""
}

// addSamples gives every target its sample files: --sample, the files the
// --via downloads revealed, and a few names listed from its directory.
func (p *Plan) addSamples(in PlanInput) error {
	add := func(t *Target, s Sample) {
		for _, old := range t.Samples {
			if old.Name == s.Name {
				if !old.Known && s.Known {
					*old = s
				}
				return
			}
		}
		if !s.Known {
			if b, ok := readSample(t.Local, s.Name); ok {
				s.describeBytes(b)
			}
		}
		t.Samples = append(t.Samples, &s)
	}
	place := func(s Sample, strict bool) error {
		if strings.HasPrefix(s.Name, "/") {
			placed := false
			for _, t := range p.Targets {
				if t.Prefix == "" {
					continue
				}
				if rest, ok := strings.CutPrefix(s.Name, strings.TrimSuffix(t.Prefix, "/")+"/"); ok && rest != "" && !strings.HasSuffix(rest, "/") {
					s2 := s
					s2.Name = rest
					add(t, s2)
					placed = true
				}
			}
			if !placed && strict {
				return usagef("--sample %s is not under a protected prefix (%s); give it relative to the prefix, or add --prefix", s.Name, p.prefixList())
			}
			return nil
		}
		for _, t := range p.Targets {
			if t.Area == nil || !t.Area.Escape {
				add(t, s)
			}
		}
		return nil
	}
	for _, name := range in.Samples {
		if name == "" || strings.HasSuffix(name, "/") || strings.ContainsAny(name, "?#") || strings.Contains("/"+name+"/", "/../") {
			return usagef("--sample %q: want a file name, relative to the protected prefix (reports/q3.pdf) or a URL path under it (/media/reports/q3.pdf)", name)
		}
		if err := place(Sample{Name: name, From: "--sample"}, true); err != nil {
			return err
		}
	}
	for _, s := range in.Learned {
		place(s, false)
	}
	regexes := p.regexLocations()
	for _, t := range p.Targets {
		if t.Local == "" {
			continue
		}
		from := "--files-dir " + t.Local
		if in.FilesDir == "" {
			from = "the directory " + t.Local
		}
		t.listed, t.from = listFiles(t.Local), from
		if t.Prefix == "" {
			continue // reached through its exposures only
		}
		direct := 0
		usedRegex := map[*nginx.Location]bool{}
		for _, name := range t.listed {
			uri := exposure.JoinURI(t.Prefix, name)
			if r := matchingRegex(regexes, uri); r != nil {
				if !usedRegex[r] {
					usedRegex[r] = true
					add(t, Sample{Name: name, From: from})
				}
				continue
			}
			if direct < 2 {
				direct++
				add(t, Sample{Name: name, From: from})
			}
		}
	}
	for _, t := range p.Targets {
		if t.Prefix == "" {
			continue
		}
		if len(t.Samples) == 0 {
			p.Notes = append(p.Notes, "no file is known under "+t.Prefix+": only the prefix itself is probed; give --sample NAME, --files-dir DIR or --via URL so that a leak can be seen")
			continue
		}
		for _, s := range t.Samples {
			if !s.Known {
				p.Notes = append(p.Notes, "the bytes of "+exposure.JoinURI(t.Prefix, s.Name)+" are not known: a 200 for it is compared with the answer for a name that does not exist; give --files-dir (or a --via download of it) to compare bytes")
				break
			}
		}
	}
	return nil
}

// sampleFor returns the target's sample called name, made from the listing
// of its local directory when it is not one yet.
func (t *Target) sampleFor(name string) *Sample {
	for _, s := range t.Samples {
		if s.Name == name {
			return s
		}
	}
	s := &Sample{Name: name, From: t.from}
	if b, ok := readSample(t.Local, name); ok {
		s.describeBytes(b)
	}
	return s
}

func (p *Plan) prefixList() string {
	var out []string
	for _, t := range p.Targets {
		if t.Prefix != "" {
			out = append(out, t.Prefix)
		}
	}
	return strings.Join(out, ", ")
}

// regexLocations returns the server's regex locations that are not
// internal: the ones that can take a request away from an internal prefix.
func (p *Plan) regexLocations() []*nginx.Location {
	if p.server == nil {
		return nil
	}
	var out []*nginx.Location
	for _, l := range p.server.AllLocations() {
		if l.IsRegex() && l.Re != nil && l.Internal() == nil {
			out = append(out, l)
		}
	}
	return out
}

func matchingRegex(rs []*nginx.Location, uri string) *nginx.Location {
	for _, r := range rs {
		if r.MatchURI(uri) != nil {
			return r
		}
	}
	return nil
}

// add appends a probe unless the same request is planned already.
func (p *Plan) add(pr *Probe) *Probe {
	key := pr.Method + " " + pr.Target + " " + pr.Range
	if p.seen[key] {
		return nil
	}
	p.seen[key] = true
	p.Probes = append(p.Probes, pr)
	return pr
}

// probeTarget plans the direct probes of one protected prefix: the prefix
// itself, its files, and their encoded, case, HEAD and Range forms; then
// the off-by-slash and parent-root forms that a server other than the
// configuration given might have.
func (p *Plan) probeTarget(t *Target) {
	P := t.Prefix
	if P == "" {
		return
	}
	p.add(&Probe{Kind: KindPrefix, Variant: VariantPlain, Method: "GET", Target: escapePath(P), Prefix: P})
	regexes := p.regexLocations()
	var first *Probe
	for _, s := range t.Samples {
		uri := exposure.JoinURI(P, s.Name)
		kind := KindDirect
		if matchingRegex(regexes, uri) != nil {
			kind = KindRegex
		}
		pr := p.add(&Probe{Kind: kind, Variant: VariantPlain, Method: "GET", Target: escapePath(uri), Prefix: P, Sample: s})
		if pr != nil && (first == nil || first.Kind != KindDirect && kind == KindDirect) {
			first = pr
		}
	}
	if first != nil {
		s := first.Sample
		name := escapePath(s.Name)
		variant := func(v, method, target, rng string) {
			p.add(&Probe{Kind: first.Kind, Variant: v, Method: method, Target: target, Range: rng, Prefix: P, Sample: s, Base: first})
		}
		variant(VariantHead, "HEAD", first.Target, "")
		variant(VariantRange, "GET", first.Target, probeRange)
		trimmed := strings.TrimSuffix(P, "/")
		slashed := trimmed + "/"
		if len(trimmed) > 1 {
			variant(VariantEncoded, "GET", "/"+pctByte(slashed[1])+escapePath(slashed[2:]+s.Name), "")
			variant(VariantEncoded, "GET", escapePath(trimmed)+"%2F"+name, "")
			variant(VariantDouble, "GET", escapePath(trimmed)+"%252F"+name, "")
			if up := strings.ToUpper(slashed); up != slashed {
				variant(VariantCase, "GET", escapePath(up+s.Name), "")
			}
		}
		variant(VariantEncoded, "GET", "/xaccel-smoke/%2e%2e"+escapePath(slashed+s.Name), "")
		variant(VariantDouble, "GET", "/xaccel-smoke/%252e%252e"+escapePath(slashed+s.Name), "")
	}
	p.blindForms(t)
}

// blindForms plans requests that the configuration given does not route to
// the files, but that a server deployed with a slightly different one
// would: the prefix's own directory through its name without the slash
// (/media../media/file), and the directory's name as a URL prefix (what a
// root one level up serves).
func (p *Plan) blindForms(t *Target) {
	samples := t.Samples[:min(2, len(t.Samples))]
	if len(samples) == 0 || len(t.Prefix) < 2 {
		return
	}
	dir := t.Dir
	if dir == "" {
		dir = t.Local
	}
	base := path.Base(strings.TrimSuffix(t.Prefix, "/"))
	if dir != "" {
		base = path.Base(filepath.ToSlash(dir))
	}
	trimmed := escapePath(strings.TrimSuffix(t.Prefix, "/"))
	var plain *Probe
	for i, s := range samples {
		target := trimmed + "../" + escapePath(base+"/"+s.Name)
		pr := p.add(&Probe{Kind: KindOffBySlash, Variant: VariantPlain, Method: "GET", Target: target, Prefix: t.Prefix, Sample: s})
		if i == 0 {
			plain = pr
		}
	}
	if plain != nil {
		p.add(&Probe{Kind: KindOffBySlash, Variant: VariantEncoded, Method: "GET", Target: trimmed + "%2e%2e/" + escapePath(base+"/"+samples[0].Name), Prefix: t.Prefix, Sample: samples[0], Base: plain})
	}
	if t.Dir == "" {
		return
	}
	b := path.Base(filepath.ToSlash(t.Dir))
	if b == "/" || b == "." {
		return
	}
	for _, s := range samples {
		uri := "/" + b + "/" + s.Name
		if !strings.HasPrefix(uri, exposure.JoinURI(t.Prefix, "")) {
			p.add(&Probe{Kind: KindRoot, Variant: VariantPlain, Method: "GET", Target: escapePath(uri), Prefix: t.Prefix, Sample: s})
		}
	}
}

// probeKinds maps the kinds of exposure to the kinds of probe.
var probeKinds = map[exposure.Kind]string{
	exposure.NotInternal:    KindDirect,
	exposure.RootCovers:     KindRoot,
	exposure.RegexWins:      KindRegex,
	exposure.AliasTraversal: KindOffBySlash,
	exposure.RewriteInto:    KindRewrite,
}

// probeExposures plans, for every exposure of the configuration, the
// requests that the model confirms reach a known file of its area: the
// target's samples first, then the files listed from its directory.
func (p *Plan) probeExposures() {
	for _, e := range p.exposures {
		kind, ok := probeKinds[e.Kind]
		if !ok {
			continue
		}
		t := p.targetOf(e.Area)
		if t == nil {
			continue
		}
		names := make([]string, 0, len(t.Samples)+len(t.listed))
		for _, s := range t.Samples {
			names = append(names, s.Name)
		}
		names = append(names, t.listed...)
		planned := 0
		tried := map[string]bool{}
		for _, name := range names {
			if planned >= maxPerExposure {
				break
			}
			if tried[name] {
				continue
			}
			tried[name] = true
			exs := e.Requests(name)
			if len(exs) == 0 {
				continue
			}
			s := t.sampleFor(name)
			pr := &Probe{Kind: kind, Variant: VariantPlain, Method: "GET", Target: escapePath(exs[0].URI), Prefix: t.Prefix, Sample: s, Exposure: e}
			if p.add(pr) == nil {
				// The same request is planned already (a direct probe):
				// it now names this exposure.
				for _, old := range p.Probes {
					if old.Method == "GET" && old.Target == pr.Target && old.Range == "" && old.Exposure == nil {
						old.Exposure = e
					}
				}
			}
			planned++
		}
		switch {
		case planned > 0:
		case t.Local != "" && len(t.Samples) == 0 && e.Area.Escape:
			// Every file next to the aliased directory was listed and
			// none is reachable this way: there is nothing to leak.
			p.Notes = append(p.Notes, "the configuration lets "+e.Example.URI+" out of the aliased directory of "+e.Loc.String()+", but no file in "+t.Local+" can be reached that way")
		default:
			p.Untested = append(p.Untested, e)
		}
	}
}

// escapePath percent-encodes a decoded path for a request target.
func escapePath(p string) string { return exposure.EscapePath(p) }

func pctByte(c byte) string { return fmt.Sprintf("%%%02X", c) }

// untested reports the exposures no probe tests: the configuration says
// files leak there, and nothing was sent to see whether the server agrees.
func (p *Plan) untested() []Result {
	var out []Result
	for _, e := range p.Untested {
		pr := &Probe{Kind: probeKinds[e.Kind], Variant: VariantPlain, Method: "GET", Target: escapePath(e.Example.URI), Exposure: e}
		if t := p.targetOf(e.Area); t != nil {
			pr.Prefix = t.Prefix
		}
		problem, why := explain(e, pr)
		where := "its area"
		if e.Area.Dir != "" {
			where = e.Area.Dir
		}
		out = append(out, Result{Probe: pr, Untested: true, Problem: problem,
			Reason: "not probed: no file in " + where + " is known here, so this exposure of the configuration (" + why + ") cannot be tested; give --files-dir, --map-root or --sample"})
	}
	return out
}
