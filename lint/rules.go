package lint

import (
	"fmt"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/xaccel/xaccel/nginx"
)

// Options are the user's declarations about the configuration.
type Options struct {
	Protect     []string // URL prefixes that hold protected files
	ProtectDirs []string // directories that hold protected files
	Public      []string // URL prefixes that are public on purpose
	// NoSuppress ignores xaccel:ignore comments and reports everything.
	NoSuppress bool
	// Levels overrides rule severities; Off drops a rule's findings.
	Levels map[string]Level
	// IgnoreFiles drops the findings in files matching one of these globs
	// (matched against the path as printed and each of its trailing parts,
	// so "conf.d/*.conf" matches "/etc/nginx/conf.d/a.conf").
	IgnoreFiles []string
}

// Level is a configured rule level: Off or a Severity.
type Level int

// Off switches a rule off.
const Off Level = -1

// ParseLevel reads off, info, warning or error.
func ParseLevel(s string) (Level, error) {
	if s == "off" {
		return Off, nil
	}
	sev, err := ParseSeverity(s)
	if err != nil {
		return 0, fmt.Errorf("unknown level %q (want off, info, warning or error)", s)
	}
	return Level(sev), nil
}

// Rule is one check of the catalog.
type Rule struct {
	Name     string
	Severity Severity // the default severity
	Summary  string
	check    func(*pass)
}

// Rules is the catalog, in the order the checks run. Names are stable.
var Rules = []*Rule{
	ruleSyntax,
	ruleRootExposesProtected, // before media-not-internal, which skips what this reports
	ruleMediaNotInternal,
	ruleAliasTraversal,
	ruleRegexBypassesInternal,
	ruleAccelHeaderExposed,
	ruleMediaMissingNosniff,
	ruleUnusedSuppression,        // reported by applySuppressions
	ruleSuppressionMissingReason, // reported by applySuppressions
}

// RuleByName returns the rule called name, or nil.
func RuleByName(name string) *Rule {
	for _, r := range Rules {
		if r.Name == name {
			return r
		}
	}
	return nil
}

// pass is the state shared by the rules over one configuration.
type pass struct {
	cfg      *nginx.Config
	opts     Options
	findings []Finding
	// exposed records locations (by directive) reported by root-exposes-protected.
	exposed map[*nginx.Directive]bool
	// protectedDirs are the directories served by internal locations plus the declared ones.
	protectedDirs []protectedDir
	sortedDirs    []int // indexes of protectedDirs sorted by dir, built by protectedUnder
	// sharedFixes tracks fixes of statements that occur more than once (see fix.go).
	sharedFixes *sharedState
}

type protectedDir struct {
	dir      string
	by       *nginx.Location // the internal location serving it; nil when declared
	declared bool
}

// Run applies every rule to cfg and returns the findings, sorted.
func Run(cfg *nginx.Config, opts Options) []Finding {
	p := &pass{cfg: cfg, opts: opts, exposed: map[*nginx.Directive]bool{}}
	p.protectedDirs = p.findProtectedDirs()
	for _, r := range Rules {
		if r.check == nil {
			continue
		}
		r.check(p)
		// nginx does not load a configuration with a syntax error, so
		// the other rules would reason about a config that never runs.
		if len(cfg.Errors) > 0 {
			break
		}
	}
	findings := p.findings
	if !opts.NoSuppress {
		findings = applySuppressions(findings, parseSuppressions(cfg.Files))
	}
	return Sort(configure(findings, opts))
}

// configure applies the configured rule levels and ignored files.
func configure(findings []Finding, opts Options) []Finding {
	if len(opts.Levels) == 0 && len(opts.IgnoreFiles) == 0 {
		return findings
	}
	out := findings[:0]
	for _, f := range findings {
		if lv, ok := opts.Levels[f.Rule]; ok {
			if lv == Off {
				continue
			}
			f.Severity = Severity(lv)
		}
		if ignoredFile(f.Pos.File, opts.IgnoreFiles) {
			continue
		}
		out = append(out, f)
	}
	return out
}

func ignoredFile(file string, globs []string) bool {
	file = filepath.ToSlash(file)
	for _, g := range globs {
		for rest := file; ; {
			if ok, _ := path.Match(g, rest); ok {
				return true
			}
			i := strings.IndexByte(rest, '/')
			if i < 0 {
				break
			}
			rest = rest[i+1:]
		}
	}
	return false
}

func (p *pass) report(rule string, sev Severity, d *nginx.Directive, msg string) {
	p.findings = append(p.findings, Finding{Rule: rule, Severity: sev, Pos: d.Pos, End: d.End, Message: msg, Len: len(d.Name)})
}

// reportFix is report with the text edits that repair the finding
// mechanically (nil when there are none; see fix.go).
func (p *pass) reportFix(rule string, sev Severity, d *nginx.Directive, msg string, fix []Edit) {
	p.report(rule, sev, d, msg)
	p.attachFix(d, fix)
}

func (p *pass) findProtectedDirs() []protectedDir {
	var out []protectedDir
	for _, d := range p.opts.ProtectDirs {
		out = append(out, protectedDir{dir: cleanDir(d), declared: true})
	}
	for _, s := range p.cfg.Servers {
		for _, l := range s.AllLocations() {
			if l.Internal() == nil || !l.ServesFiles() || !l.IsPrefix() && l.Modifier != "=" {
				continue
			}
			if dir, ok := servedDir(l); ok {
				out = append(out, protectedDir{dir: dir, by: l})
			}
		}
	}
	return out
}

// servedDir is the directory a prefix location serves: its alias, or root
// plus the location name.
func servedDir(l *nginx.Location) (string, bool) {
	d, owner := l.DocRoot()
	if d == nil || len(d.Args) != 1 || strings.Contains(d.Args[0], "$") {
		return "", false
	}
	if d.Name == "alias" {
		if owner != l {
			p, ok := l.Server.MapPath(l, l.Match, nil)
			return cleanDir(p), ok
		}
		return cleanDir(d.Args[0]), true
	}
	return cleanDir(strings.TrimSuffix(d.Args[0], "/") + "/" + l.Match), true
}

func cleanDir(d string) string {
	if d == "" {
		return ""
	}
	return path.Clean(d)
}

// within reports whether p is dir or inside it.
func within(p, dir string) bool {
	p = path.Clean(p)
	return p == dir || strings.HasPrefix(p, strings.TrimSuffix(dir, "/")+"/")
}

// underPrefix reports whether uri is covered by URL prefix pre.
func underPrefix(uri, pre string) bool {
	if pre == "" {
		return false
	}
	if strings.HasPrefix(uri, pre) {
		return true
	}
	return uri == strings.TrimSuffix(pre, "/")
}

func (p *pass) isPublic(uri string) bool {
	for _, pub := range p.opts.Public {
		if underPrefix(uri, pub) {
			return true
		}
	}
	return false
}

// guard returns the directive other than `internal` that keeps outside
// requests out of l (auth_basic not off, auth_request, deny all,
// secure_link), or nil.
func guard(l *nginx.Location) *nginx.Directive {
	levels := l.Levels()
	if ds := nginx.Effective(levels, "auth_basic"); len(ds) > 0 && ds[0].Arg(0) != "off" {
		return ds[0]
	}
	if ds := nginx.Effective(levels, "auth_request"); len(ds) > 0 && ds[0].Arg(0) != "off" {
		return ds[0]
	}
	if ds := nginx.Effective(levels, "secure_link"); len(ds) > 0 {
		return ds[0]
	}
	for _, lv := range levels {
		if len(lv.Find("allow")) == 0 && len(lv.Find("deny")) == 0 {
			continue // also skips scanning a big http{} block
		}
		var acl []*nginx.Directive
		for _, c := range lv.Block {
			if c.Name == "allow" || c.Name == "deny" {
				acl = append(acl, c)
			}
		}
		if len(acl) > 0 {
			if last := acl[len(acl)-1]; last.Name == "deny" && last.Arg(0) == "all" {
				return last
			}
			break
		}
	}
	return nil
}

// rel returns a location's file:line for messages.
func rel(d *nginx.Directive) string {
	return d.Pos.File + ":" + strconv.Itoa(d.Pos.Line)
}
