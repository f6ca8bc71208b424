package lint_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xaccel/xaccel/internal/golden"
	"github.com/xaccel/xaccel/lint"
	"github.com/xaccel/xaccel/nginx"
)

// The rule table (lint/ruledocs.go, shown in SARIF) is the one source of
// each rule's summary: docs/rules.md shows it at the top of the rule's
// section between these markers, and go test ./lint -update rewrites it
// there.
const (
	tableStart = "<!-- from the rule table (lint/ruledocs.go), written by go test ./lint -update: edit it there -->"
	tableEnd   = "<!-- end of the rule table's text -->"
)

// tableText is what docs/rules.md shows of rule's entry in the table: the
// short and the full description, then the help with its examples, which
// are indented by four spaces and so are code blocks in Markdown as well.
func tableText(rule string) []string {
	d := lint.DocFor(rule)
	text := "**" + d.Short + "**\n\n" + d.Full + "\n\n" + d.Help
	return append(append([]string{tableStart, ""}, strings.Split(text, "\n")...), "", tableEnd)
}

// TestRulesDocMatchesTable: docs/rules.md has a section for every rule and
// no other; each starts with the rule
// table's text for the rule.
func TestRulesDocMatchesTable(t *testing.T) {
	const path = "../docs/rules.md"
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.ReplaceAll(string(src), "\r\n", "\n"), "\n")
	var out, sections []string
	for i := 0; i < len(lines); i++ {
		out = append(out, lines[i])
		name, ok := strings.CutPrefix(lines[i], "## ")
		if !ok {
			continue
		}
		sections = append(sections, name)
		if lint.RuleByName(name) == nil {
			t.Errorf("docs/rules.md has a section %q, which is no rule", name)
			continue
		}
		// the table's text follows the heading after a blank line, in
		// place of what was there between the markers
		j := i + 1
		for j < len(lines) && lines[j] == "" {
			j++
		}
		if j < len(lines) && lines[j] == tableStart {
			for j < len(lines) && lines[j] != tableEnd {
				j++
			}
			j++ // the end marker
			for j < len(lines) && lines[j] == "" {
				j++
			}
		}
		out = append(out, "")
		out = append(out, tableText(name)...)
		out = append(out, "")
		i = j - 1
	}
	var rules []string
	for _, r := range lint.Rules {
		rules = append(rules, r.Name)
	}
	slices.Sort(rules)
	slices.Sort(sections)
	if !slices.Equal(rules, sections) {
		t.Errorf("docs/rules.md has the sections %q; want one per rule: %q", sections, rules)
	}
	golden.Check(t, path, []byte(strings.Join(out, "\n")))
}

// helpExamples returns the examples of a rule's help: the lines indented
// by four spaces after a paragraph starting with "Bad" or "Good".
func helpExamples(help string) (bad, good []string) {
	var kind string
	var cur []string
	flush := func() {
		if len(cur) > 0 {
			ex := strings.Join(cur, "\n") + "\n"
			if kind == "Bad" {
				bad = append(bad, ex)
			} else if kind == "Good" {
				good = append(good, ex)
			}
		}
		cur = nil
	}
	for _, line := range strings.Split(help, "\n") {
		if code, ok := strings.CutPrefix(line, "    "); ok {
			cur = append(cur, code)
			continue
		}
		if line == "" {
			continue
		}
		flush()
		kind = ""
		if strings.HasPrefix(line, "Bad") || strings.HasPrefix(line, "Good") {
			kind, _, _ = strings.Cut(line, " ")
			kind = strings.TrimSuffix(kind, ":")
		}
	}
	flush()
	return bad, good
}

// TestRuleDocExamples lints the examples of every rule's help, as lint
// reads a file (a missing include is a finding, a fragment is read in its
// context): each bad example has a finding of the rule, each good one has
// none.
func TestRuleDocExamples(t *testing.T) {
	for _, r := range lint.Rules {
		bad, good := helpExamples(lint.DocFor(r.Name).Help)
		if len(bad) == 0 || len(good) == 0 {
			t.Errorf("%s: the help has %d bad and %d good examples; want at least one of each", r.Name, len(bad), len(good))
		}
		for i, ex := range append(bad, good...) {
			want := i < len(bad)
			t.Run(r.Name, func(t *testing.T) {
				dir := t.TempDir()
				p := filepath.Join(dir, "example.conf")
				if err := os.WriteFile(p, []byte(ex), 0o644); err != nil {
					t.Fatal(err)
				}
				rep, err := lint.LintPaths([]string{p}, lint.LintOptions{})
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				fires := false
				for _, f := range rep.Findings {
					got = append(got, f.Rule+": "+f.Message)
					fires = fires || f.Rule == r.Name
				}
				switch {
				case want && !fires:
					t.Errorf("the bad example has no %s finding:\n%s\nfindings: %q", r.Name, ex, got)
				case !want && fires:
					t.Errorf("the good example has a %s finding:\n%s\nfindings: %q", r.Name, ex, got)
				}
			})
		}
	}
}

// TestHelpExamplesParse: the examples are fragments nginx would read in
// their context, apart from the syntax rule's bad example.
func TestHelpExamplesParse(t *testing.T) {
	for _, r := range lint.Rules {
		bad, good := helpExamples(lint.DocFor(r.Name).Help)
		for i, ex := range append(bad, good...) {
			if r.Name == "syntax" && i < len(bad) {
				continue
			}
			cfg := nginx.LoadBytes("example.conf", []byte(ex), nginx.LoadOptions{Prefix: t.TempDir(), AllowMissing: true})
			for _, e := range cfg.Errors {
				t.Errorf("%s example %d: %s: %s", r.Name, i, e.Pos, e.Msg)
			}
		}
	}
}
