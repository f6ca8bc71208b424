package lint_test

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/xaccel/xaccel/lint"
)

// sarifRulesAndRelated is the part of a SARIF log TestSARIFSecurity reads.
type sarifRulesAndRelated struct {
	Runs []struct {
		Tool struct {
			Driver struct {
				Rules []struct {
					ID         string `json:"id"`
					Properties struct {
						Tags             []string `json:"tags"`
						SecuritySeverity *string  `json:"security-severity"`
					} `json:"properties"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Results []struct {
			RuleID  string `json:"ruleId"`
			Message struct {
				Text string `json:"text"`
			} `json:"message"`
			RelatedLocations []struct {
				ID               int `json:"id"`
				PhysicalLocation struct {
					ArtifactLocation struct {
						URI string `json:"uri"`
					} `json:"artifactLocation"`
					Region struct {
						StartLine int `json:"startLine"`
					} `json:"region"`
				} `json:"physicalLocation"`
				Message struct {
					Text string `json:"text"`
				} `json:"message"`
			} `json:"relatedLocations"`
		} `json:"results"`
	} `json:"runs"`
}

// TestSARIFSecurityRules: every leak rule, and only a leak rule, is tagged
// security and has a security-severity GitHub can read (a decimal number
// in a string, 0.0 to 10.0), from its default severity.
func TestSARIFSecurityRules(t *testing.T) {
	var buf bytes.Buffer
	if err := lint.WriteSARIF(&buf, &lint.Report{}, lint.SARIFOptions{}); err != nil {
		t.Fatal(err)
	}
	var log sarifRulesAndRelated
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	want := map[lint.Severity]string{lint.Error: "8.0", lint.Warning: "5.0", lint.Info: "2.0"}
	leaks := 0
	for _, d := range log.Runs[0].Tool.Driver.Rules {
		rule := lint.RuleByName(d.ID)
		if rule == nil {
			t.Fatalf("%s is not a rule of the catalog", d.ID)
		}
		security := false
		for _, tag := range d.Properties.Tags {
			security = security || tag == "security"
		}
		if rule.Leak != security {
			t.Errorf("%s: leak rule %v, tagged security %v", d.ID, rule.Leak, security)
		}
		if !rule.Leak {
			if d.Properties.SecuritySeverity != nil {
				t.Errorf("%s is not a leak rule but has security-severity %q", d.ID, *d.Properties.SecuritySeverity)
			}
			continue
		}
		leaks++
		if d.Properties.SecuritySeverity == nil {
			t.Errorf("%s: no security-severity", d.ID)
			continue
		}
		s := *d.Properties.SecuritySeverity
		if v, err := strconv.ParseFloat(s, 64); err != nil || v < 0 || v > 10 {
			t.Errorf("%s: security-severity %q is not a number from 0 to 10", d.ID, s)
		}
		if s != want[rule.Severity] {
			t.Errorf("%s: security-severity %q, want %q for a rule that is %s by default", d.ID, s, want[rule.Severity], rule.Severity)
		}
	}
	for _, name := range []string{"syntax", "include-not-found", "unused-suppression", "suppression-missing-reason"} {
		if r := lint.RuleByName(name); r == nil || r.Leak {
			t.Errorf("%s must be a rule that is not a leak rule", name)
		}
	}
	if leaks < 6 {
		t.Errorf("%d leak rules, want at least 6", leaks)
	}
}

// atRef finds the statements a message names: "at FILE:LINE" and "from
// FILE:LINE" (the forms the rules write).
var atRef = regexp.MustCompile(`(?:at|from) \[?([^ \[\]()]+):([0-9]+)\]?(?:\(([0-9]+)\))?`)

// TestSARIFRelatedLocations: in the SARIF of every fixture, each statement
// a message names is a relatedLocation with that file and line, linked
// from the message by its id.
func TestSARIFRelatedLocations(t *testing.T) {
	t.Chdir("..")
	checked := 0
	for _, f := range loadFixtures(t) {
		r := lintFixture(t, f)
		var buf bytes.Buffer
		if err := lint.WriteSARIF(&buf, r, lint.SARIFOptions{}); err != nil {
			t.Fatal(err)
		}
		var log sarifRulesAndRelated
		if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
			t.Fatal(err)
		}
		for _, res := range log.Runs[0].Results {
			refs := atRef.FindAllStringSubmatch(res.Message.Text, -1)
			if len(refs) != len(res.RelatedLocations) {
				t.Errorf("%s: %s names %d statements, has %d relatedLocations:\n%s", f.path, res.RuleID, len(refs), len(res.RelatedLocations), res.Message.Text)
				continue
			}
			for i, m := range refs {
				rl := res.RelatedLocations[i]
				line, _ := strconv.Atoi(m[2])
				if rl.PhysicalLocation.ArtifactLocation.URI != m[1] || rl.PhysicalLocation.Region.StartLine != line {
					t.Errorf("%s: relatedLocation %d is %s:%d, the message names %s:%s", f.path, i+1, rl.PhysicalLocation.ArtifactLocation.URI, rl.PhysicalLocation.Region.StartLine, m[1], m[2])
				}
				if m[3] != strconv.Itoa(rl.ID) {
					t.Errorf("%s: %s:%s is not linked to relatedLocation %d: %q", f.path, m[1], m[2], rl.ID, m[0])
				}
				if strings.TrimSpace(rl.Message.Text) == "" {
					t.Errorf("%s: relatedLocation %d has no message", f.path, rl.ID)
				}
				checked++
			}
		}
	}
	if checked < 5 {
		t.Errorf("only %d related locations checked; the fixtures should name more", checked)
	}
}
