package lint

import (
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/xaccel/xaccel/exposure"
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
	// Leak: the rule reports a way protected files reach outsiders (a
	// security finding for code scanning), not a problem of the
	// configuration's text or of the suppressions.
	Leak  bool
	check func(*pass, *Rule)
}

// Rules is the catalog, in the order the checks run. Names are stable.
var Rules = []*Rule{
	ruleSyntax,
	ruleIncludeNotFound,
	ruleRootExposesProtected,
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

// pass is one configuration being linted: the model, the exposures found
// in it, and the findings so far. Rules read cfg and exposures and only
// append findings, so they do not depend on the order they run in.
type pass struct {
	cfg      *nginx.Config
	opts     Options
	exposure *exposure.Analysis
	findings []Finding
	// sharedFixes tracks fixes of statements that occur more than once (see fix.go).
	sharedFixes *sharedState
	// related are the statements named (p.at) for the next finding.
	related []Related
}

// Run applies every rule to cfg and returns the findings, sorted.
func Run(cfg *nginx.Config, opts Options) []Finding {
	p := &pass{cfg: cfg, opts: opts}
	for _, r := range Rules {
		if r.check == nil {
			continue
		}
		if p.exposure == nil && len(cfg.Errors) == 0 {
			p.exposure = exposure.Analyze(cfg, opts.declarations())
		}
		r.check(p, r)
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

// declarations are the options the exposure analysis reads.
func (o Options) declarations() exposure.Declarations {
	return exposure.Declarations{Protect: o.Protect, ProtectDirs: o.ProtectDirs, Public: o.Public}
}

// exposures returns the exposures of the given kinds, in the order found.
func (p *pass) exposures(kinds ...exposure.Kind) []*exposure.Exposure {
	var out []*exposure.Exposure
	for _, e := range p.exposure.Exposures {
		if slices.Contains(kinds, e.Kind) {
			out = append(out, e)
		}
	}
	return out
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

// report records a finding of rule r at severity sev (usually
// r.Severity: the rule's name and default level are bound in its Rule).
// The statements the message names through p.at become its Related.
func (p *pass) report(r *Rule, sev Severity, d *nginx.Directive, msg string) {
	p.findings = append(p.findings, Finding{Rule: r.Name, Severity: sev, Pos: d.Pos, End: d.End, Message: msg, Len: len(d.Name), Related: p.related})
	p.related = nil
}

// reportFix is report with the text edits that repair the finding
// mechanically (nil when there are none; see fix.go).
func (p *pass) reportFix(r *Rule, sev Severity, d *nginx.Directive, msg string, fix []Edit) {
	p.report(r, sev, d, msg)
	p.attachFix(d, fix)
}

// at returns the statement's FILE:LINE for the message of the finding
// reported next, and records the statement, with what it is, as one of
// that finding's Related: a message names another statement only through
// at, so the two cannot disagree.
func (p *pass) at(d *nginx.Directive, what string) string {
	rel := Related{Pos: d.Pos, What: what}
	p.related = append(p.related, rel)
	return rel.Ref()
}
