package smoke

import (
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"strings"

	"github.com/xaccel/xaccel/nginx"
)

// Probe kinds: what a probe tries.
const (
	KindPrefix     = "prefix"        // the protected prefix itself (a directory listing)
	KindDirect     = "direct"        // a file under the protected prefix
	KindRegex      = "regex-bypass"  // a file under the prefix that a regex location matches
	KindOffBySlash = "off-by-slash"  // /static../media/file through a location name without its slash
	KindRoot       = "root-exposure" // the protected directory through a root that holds it
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
}

// Target is one protected prefix and what is known about it.
type Target struct {
	Prefix  string
	Loc     *nginx.Location // nil when given only by --prefix
	Dir     string          // the directory it serves, as the configuration names it ("" unknown)
	Local   string          // a local directory with its files ("" none)
	Samples []*Sample
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
	server  *nginx.Server
	seen    map[string]bool
}

var errNothingToProbe = errors.New("nothing to probe: the configuration has no internal location and no location named like user media (media, uploads, protected, private...); name the protected URL prefixes with --prefix")

// mediaNames are path segments that mark a location or directory as
// holding user media even without `internal;` (that is the mistake the
// probes are there to catch).
var mediaNames = map[string]bool{
	"media": true, "uploads": true, "upload": true, "private": true, "protected": true,
	"attachments": true, "user-content": true, "usercontent": true, "documents": true,
}

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
	return p, nil
}

// findTargets collects the protected prefixes.
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
		for _, l := range p.server.AllLocations() {
			if !l.IsPrefix() || l.Match == "" {
				continue
			}
			if ancestorIsTarget(p.Targets, l) {
				continue
			}
			isDeclared := false
			for _, d := range declared {
				isDeclared = isDeclared || strings.TrimSuffix(d, "/") == strings.TrimSuffix(l.Match, "/")
			}
			dir := ""
			if l.ServesFiles() {
				if d, ok := p.server.MapPath(l, l.Match, nil); ok {
					dir = cleanDir(d)
				}
			}
			if l.Internal() == nil && !isDeclared && !(l.ServesFiles() && mediaByName(l.Match, dir)) {
				continue
			}
			p.Targets = append(p.Targets, &Target{Prefix: l.Match, Loc: l, Dir: dir, Local: localDir(dir, in.MapRoot)})
		}
	}
	for _, d := range declared {
		found := false
		for _, t := range p.Targets {
			found = found || strings.TrimSuffix(t.Prefix, "/") == strings.TrimSuffix(d, "/")
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
				if t.Local == "" || len(p.Targets) == 1 {
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

func ancestorIsTarget(ts []*Target, l *nginx.Location) bool {
	for x := l.Parent; x != nil; x = x.Parent {
		for _, t := range ts {
			if t.Loc == x {
				return true
			}
		}
	}
	return false
}

// mediaByName reports whether a prefix or a directory has a path segment
// that names user media.
func mediaByName(names ...string) bool {
	for _, n := range names {
		for _, seg := range strings.Split(n, "/") {
			if mediaNames[strings.ToLower(seg)] {
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
		from := cleanDir(m[0])
		if within(dir, from) {
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
				if rest, ok := strings.CutPrefix(s.Name, t.Prefix); ok && rest != "" && !strings.HasSuffix(rest, "/") {
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
			add(t, s)
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
		direct := 0
		usedRegex := map[*nginx.Location]bool{}
		for _, name := range listFiles(t.Local) {
			uri := t.Prefix + name
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
		if len(t.Samples) == 0 {
			p.Notes = append(p.Notes, "no file is known under "+t.Prefix+": only the prefix itself is probed; give --sample NAME, --files-dir DIR or --via URL so that a leak can be seen")
			continue
		}
		for _, s := range t.Samples {
			if !s.Known {
				p.Notes = append(p.Notes, "the bytes of "+t.Prefix+s.Name+" are not known: a 200 for it is compared with the answer for a name that does not exist; give --files-dir (or a --via download of it) to compare bytes")
				break
			}
		}
	}
	return nil
}

func (p *Plan) prefixList() string {
	var out []string
	for _, t := range p.Targets {
		out = append(out, t.Prefix)
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

// probeTarget plans the probes of one protected prefix.
func (p *Plan) probeTarget(t *Target) {
	P := t.Prefix
	p.add(&Probe{Kind: KindPrefix, Variant: VariantPlain, Method: "GET", Target: escapePath(P), Prefix: P})
	regexes := p.regexLocations()
	var first *Probe
	for _, s := range t.Samples {
		kind := KindDirect
		if matchingRegex(regexes, P+s.Name) != nil {
			kind = KindRegex
		}
		pr := p.add(&Probe{Kind: kind, Variant: VariantPlain, Method: "GET", Target: escapePath(P + s.Name), Prefix: P, Sample: s})
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
		if len(P) > 1 {
			variant(VariantEncoded, "GET", "/"+pctByte(P[1])+escapePath(P[2:]+s.Name), "")
			if strings.HasSuffix(P, "/") {
				variant(VariantEncoded, "GET", escapePath(trimmed)+"%2F"+name, "")
				variant(VariantDouble, "GET", escapePath(trimmed)+"%252F"+name, "")
			}
			if up := strings.ToUpper(P); up != P {
				variant(VariantCase, "GET", escapePath(up+s.Name), "")
			}
		}
		variant(VariantEncoded, "GET", "/xaccel-smoke/%2e%2e"+escapePath(P+s.Name), "")
		variant(VariantDouble, "GET", "/xaccel-smoke/%252e%252e"+escapePath(P+s.Name), "")
	}
	p.offBySlash(t)
	p.rootExposure(t)
}

// offBySlash plans /prefix../dir/file: the prefix's own directory through
// a location name that lost its slash, and the protected directory through
// every public alias location next to it.
func (p *Plan) offBySlash(t *Target) {
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
	plan := func(name string, rel string) {
		trimmed := escapePath(strings.TrimSuffix(name, "/"))
		var plain *Probe
		for i, s := range samples {
			target := trimmed + "../" + escapePath(rel+"/"+s.Name)
			pr := p.add(&Probe{Kind: KindOffBySlash, Variant: VariantPlain, Method: "GET", Target: target, Prefix: t.Prefix, Sample: s})
			if i == 0 {
				plain = pr
			}
		}
		if plain != nil {
			p.add(&Probe{Kind: KindOffBySlash, Variant: VariantEncoded, Method: "GET", Target: trimmed + "%2e%2e/" + escapePath(rel+"/"+samples[0].Name), Prefix: t.Prefix, Sample: samples[0], Base: plain})
		}
	}
	plan(t.Prefix, base)
	if p.server == nil || t.Dir == "" {
		return
	}
	for _, l := range p.server.AllLocations() {
		if !l.IsPrefix() || l.Internal() != nil || l.Match == "" || l.Match == "/" || p.isTarget(l) {
			continue
		}
		a := l.Dir.First("alias")
		if a == nil || len(a.Args) != 1 || strings.Contains(a.Args[0], "$") {
			continue
		}
		ad := cleanDir(a.Args[0])
		parent := path.Dir(ad)
		if ad == "/" || !within(t.Dir, parent) || within(t.Dir, ad) {
			continue
		}
		plan(l.Match, strings.TrimPrefix(strings.TrimPrefix(t.Dir, parent), "/"))
	}
}

func (p *Plan) isTarget(l *nginx.Location) bool {
	for _, t := range p.Targets {
		if t.Loc == l {
			return true
		}
	}
	return false
}

// rootExposure plans the URIs that a root holding the protected directory
// maps into it: /media/file when the server root is the directory above
// media/ and the internal location is /protected/.
func (p *Plan) rootExposure(t *Target) {
	if t.Dir == "" {
		return
	}
	samples := t.Samples[:min(2, len(t.Samples))]
	try := func(uri string, s *Sample, modelled bool) {
		if strings.HasPrefix(uri, t.Prefix) {
			return
		}
		if modelled && p.server != nil {
			l, caps := p.server.Route(uri)
			if l != nil && l.Internal() != nil {
				return
			}
			mp, ok := p.server.MapPath(l, uri, caps)
			if !ok || !within(cleanDir(mp), t.Dir) {
				return
			}
		}
		p.add(&Probe{Kind: KindRoot, Variant: VariantPlain, Method: "GET", Target: escapePath(uri), Prefix: t.Prefix, Sample: s})
	}
	if p.server != nil {
		var roots []string
		if r := p.server.ServerRoot(); r != nil && len(r.Args) == 1 {
			roots = append(roots, r.Args[0])
		}
		for _, l := range p.server.AllLocations() {
			if r := l.Dir.First("root"); r != nil && len(r.Args) == 1 && l.Internal() == nil {
				roots = append(roots, r.Args[0])
			}
		}
		for _, r := range roots {
			if strings.Contains(r, "$") {
				continue
			}
			rd := cleanDir(r)
			if !within(t.Dir, rd) {
				continue
			}
			base := strings.TrimPrefix(strings.TrimPrefix(t.Dir, rd), "/") + "/"
			if base == "/" {
				base = ""
			}
			for _, s := range samples {
				try("/"+base+s.Name, s, true)
			}
		}
	}
	// The directory's own name as a URL prefix: what a root one level up
	// would serve, whatever the configuration given says.
	b := path.Base(filepath.ToSlash(t.Dir))
	if b != "/" && b != "." {
		for _, s := range samples {
			try("/"+b+"/"+s.Name, s, false)
		}
	}
}

// cleanDir cleans a "/"-separated directory path (a trailing slash goes).
func cleanDir(d string) string {
	if d == "" {
		return ""
	}
	return path.Clean(d)
}

// within reports whether p is dir or inside it.
func within(p, dir string) bool {
	if p == "" || dir == "" {
		return false
	}
	return p == dir || dir == "/" || strings.HasPrefix(p, dir+"/")
}

// escapePath percent-encodes the bytes of a path that may not appear raw
// in a request target; '/' and the unreserved and sub-delim characters are
// kept, so nginx decodes the result back to p.
func escapePath(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("/-._~!$&'()*+,;=:@", c) >= 0 {
			b.WriteByte(c)
		} else {
			b.WriteString(pctByte(c))
		}
	}
	return b.String()
}

func pctByte(c byte) string { return fmt.Sprintf("%%%02X", c) }
