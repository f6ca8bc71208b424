package lint

import (
	"bytes"
	"strings"

	"github.com/xaccel/xaccel/nginx"
)

// Inline suppressions are comments in the linted files:
//
//	# xaccel:ignore RULE[,RULE] -- reason      (on the line before a statement,
//	                                            or at the end of its line)
//	# xaccel:ignore-file RULE[,RULE] -- reason (anywhere in a file)
//
// A reason is required: a suppression without one suppresses nothing and is
// reported as suppression-missing-reason. A suppression that matches no
// finding is reported as unused-suppression.

var ruleUnusedSuppression = &Rule{
	Name:     "unused-suppression",
	Severity: Warning,
	Summary:  "an xaccel:ignore comment suppresses nothing",
}

var ruleSuppressionMissingReason = &Rule{
	Name:     "suppression-missing-reason",
	Severity: Warning,
	Summary:  "an xaccel:ignore comment gives no reason",
}

type suppression struct {
	pos       nginx.Pos
	rules     []string
	reason    string
	fileLevel bool
	target    int // the line whose statements it covers (not for fileLevel)
	used      map[string]bool
}

const (
	ignoreTag     = "xaccel:ignore"
	ignoreFileTag = "xaccel:ignore-file"
)

// parseSuppressions finds the xaccel:ignore comments of the loaded files.
func parseSuppressions(files []*nginx.File) []*suppression {
	var out []*suppression
	for _, f := range files {
		for _, c := range f.Comments {
			text := strings.TrimSpace(c.Text)
			var s *suppression
			switch {
			case strings.HasPrefix(text, ignoreFileTag):
				s = &suppression{fileLevel: true}
				text = text[len(ignoreFileTag):]
			case strings.HasPrefix(text, ignoreTag):
				s = &suppression{}
				text = text[len(ignoreTag):]
			default:
				continue
			}
			if text != "" && text[0] != ' ' && text[0] != '\t' {
				continue // xaccel:ignored, xaccel:ignore-foo: not ours
			}
			s.pos = c.Pos
			list, reason, _ := strings.Cut(text, "--")
			s.reason = strings.TrimSpace(reason)
			s.rules = append(s.rules, strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })...)
			if !s.fileLevel {
				s.target = targetLine(f.Src, c.Pos)
			}
			out = append(out, s)
		}
	}
	return out
}

// targetLine is the line a suppression comment covers: its own line when
// code comes before it, else the next line that is not blank or a comment.
func targetLine(src []byte, p nginx.Pos) int {
	lineStart := p.Offset - (p.Column - 1)
	if lineStart >= 0 && lineStart <= p.Offset && strings.TrimSpace(string(src[lineStart:p.Offset])) != "" {
		return p.Line
	}
	line := p.Line
	rest := src[p.Offset:]
	for {
		nl := bytes.IndexByte(rest, '\n')
		if nl < 0 {
			return 0
		}
		rest = rest[nl+1:]
		line++
		end := bytes.IndexByte(rest, '\n')
		if end < 0 {
			end = len(rest)
		}
		t := strings.TrimSpace(string(rest[:end]))
		if t != "" && !strings.HasPrefix(t, "#") {
			return line
		}
	}
}

// covers reports whether s suppresses f, and records the rule as used.
func (s *suppression) covers(f Finding) bool {
	if s.pos.File != f.Pos.File || s.reason == "" {
		return false
	}
	if !s.fileLevel && f.Pos.Line != s.target && f.End.Line != s.target {
		return false
	}
	for _, r := range s.rules {
		if r == f.Rule {
			if s.used == nil {
				s.used = map[string]bool{}
			}
			s.used[r] = true
			return true
		}
	}
	return false
}

// applySuppressions drops the findings that a suppression with a reason
// covers, and reports suppressions without a reason, naming no known
// rule, or matching nothing.
func applySuppressions(findings []Finding, sups []*suppression) []Finding {
	var out []Finding
	for _, f := range findings {
		suppressed := false
		if f.Rule != ruleUnusedSuppression.Name && f.Rule != ruleSuppressionMissingReason.Name {
			for _, s := range sups {
				if s.covers(f) {
					suppressed = true
				}
			}
		}
		if !suppressed {
			out = append(out, f)
		}
	}
	for _, s := range sups {
		tag := ignoreTag
		if s.fileLevel {
			tag = ignoreFileTag
		}
		report := func(r *Rule, msg string) {
			out = append(out, Finding{Rule: r.Name, Severity: r.Severity, Pos: s.pos, End: s.pos, Len: 1, Message: msg})
		}
		switch {
		case len(s.rules) == 0:
			report(ruleUnusedSuppression, "`# "+tag+"` names no rule, so it suppresses nothing; write `# "+tag+" RULE -- reason`")
		case s.reason == "":
			report(ruleSuppressionMissingReason, "`# "+tag+" "+strings.Join(s.rules, ",")+"` gives no reason, so it suppresses nothing; add one after `--`, e.g. `# "+tag+" "+strings.Join(s.rules, ",")+" -- public by design`")
		default:
			var unknown, unused []string
			for _, r := range s.rules {
				if RuleByName(r) == nil {
					unknown = append(unknown, r)
				} else if !s.used[r] {
					unused = append(unused, r)
				}
			}
			where := "the statement it covers"
			if s.fileLevel {
				where = "this file"
			}
			var msg string
			switch {
			case len(unknown) > 0:
				msg = "`# " + tag + "` names unknown rule " + strings.Join(unknown, ", ") + " (see docs/rules.md for the names), so it suppresses nothing for it"
			case len(unused) == len(s.rules):
				msg = "`# " + tag + " " + strings.Join(s.rules, ",") + "` suppresses nothing: no such finding in " + where + "; remove the comment"
			case len(unused) > 0:
				msg = "`# " + tag + "` suppresses nothing for " + strings.Join(unused, ", ") + ": no such finding in " + where + "; remove it from the list"
			default:
				continue
			}
			report(ruleUnusedSuppression, msg)
		}
	}
	return out
}
