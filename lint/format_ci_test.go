package lint_test

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/xaccel/xaccel/lint"
)

// gitlabIssueSchema holds the fields GitLab documents for a Code Quality
// report (https://docs.gitlab.com/ci/testing/code_quality/, "Code Quality
// report format"): an array of issues, each with a description, a
// check_name, a unique fingerprint, a severity of info, minor, major,
// critical or blocker, and a location with the file's relative path and
// the first line. Written for this test from that list.
const gitlabIssueSchema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "array",
  "items": {
    "type": "object",
    "required": ["description", "check_name", "fingerprint", "severity", "location"],
    "properties": {
      "description": {"type": "string", "minLength": 1},
      "check_name": {"type": "string", "minLength": 1},
      "fingerprint": {"type": "string", "minLength": 1},
      "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
      "location": {
        "type": "object",
        "required": ["path", "lines"],
        "properties": {
          "path": {"type": "string", "minLength": 1, "not": {"pattern": "^/"}},
          "lines": {
            "type": "object",
            "required": ["begin"],
            "properties": {"begin": {"type": "integer", "minimum": 1}}
          }
        }
      }
    }
  }
}`

// rdjsonSchema is a reduced DiagnosticResult of reviewdog's Diagnostic
// Format: the fields xaccel writes, made required, with reviewdog's
// severity names and 1-based positions. Written for this test from the
// format's definition (proto/rdf in reviewdog's repository).
const rdjsonSchema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$defs": {
    "position": {
      "type": "object",
      "required": ["line", "column"],
      "properties": {"line": {"type": "integer", "minimum": 1}, "column": {"type": "integer", "minimum": 1}}
    },
    "range": {
      "type": "object",
      "required": ["start"],
      "properties": {"start": {"$ref": "#/$defs/position"}, "end": {"$ref": "#/$defs/position"}}
    }
  },
  "type": "object",
  "required": ["source", "diagnostics"],
  "properties": {
    "source": {
      "type": "object",
      "required": ["name"],
      "properties": {"name": {"const": "xaccel"}, "url": {"type": "string"}}
    },
    "diagnostics": {
      "type": "array",
      "items": {
        "type": "object",
        "required": ["message", "location", "severity", "code"],
        "properties": {
          "message": {"type": "string", "minLength": 1},
          "severity": {"enum": ["ERROR", "WARNING", "INFO"]},
          "location": {
            "type": "object",
            "required": ["path", "range"],
            "properties": {"path": {"type": "string", "minLength": 1}, "range": {"$ref": "#/$defs/range"}}
          },
          "code": {
            "type": "object",
            "required": ["value", "url"],
            "properties": {"value": {"type": "string", "minLength": 1}, "url": {"type": "string", "pattern": "^https://"}}
          },
          "suggestions": {
            "type": "array",
            "items": {
              "type": "object",
              "required": ["range", "text"],
              "properties": {"range": {"$ref": "#/$defs/range"}, "text": {"type": "string"}}
            }
          }
        }
      }
    }
  }
}`

func compileSchema(t *testing.T, name, src string) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(name, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func validateJSON(t *testing.T, s *jsonschema.Schema, what string, out []byte) {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("%s: not JSON: %v\n%s", what, err, out)
	}
	if err := s.Validate(doc); err != nil {
		t.Errorf("%s does not match the schema: %v\n%s", what, err, out)
	}
}

// TestGitLabCodeQuality: every fixture's report has the fields GitLab
// documents, with a fingerprint of its own for every issue.
func TestGitLabCodeQuality(t *testing.T) {
	t.Chdir("..")
	s := compileSchema(t, "gitlab.json", gitlabIssueSchema)
	issues := 0
	for _, f := range loadFixtures(t) {
		var buf bytes.Buffer
		if err := lint.WriteGitLab(&buf, lintFixture(t, f)); err != nil {
			t.Fatal(err)
		}
		validateJSON(t, s, f.path, buf.Bytes())
		var out []struct {
			Fingerprint string `json:"fingerprint"`
		}
		if err := json.Unmarshal(buf.Bytes(), &out); err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, is := range out {
			if seen[is.Fingerprint] {
				t.Errorf("%s: fingerprint %s is given twice", f.path, is.Fingerprint)
			}
			seen[is.Fingerprint] = true
			issues++
		}
	}
	if issues == 0 {
		t.Fatal("no issues checked")
	}
	// A clean run is an empty array, not null.
	var buf bytes.Buffer
	if err := lint.WriteGitLab(&buf, &lint.Report{}); err != nil || strings.TrimSpace(buf.String()) != "[]" {
		t.Errorf("no findings: %q (err %v), want []", buf.String(), err)
	}
}

func gitlabFingerprints(t *testing.T, src string) []string {
	t.Helper()
	var buf bytes.Buffer
	if err := lint.WriteGitLab(&buf, lintSource(t, "media.conf", src)); err != nil {
		t.Fatal(err)
	}
	var out []struct {
		CheckName   string `json:"check_name"`
		Fingerprint string `json:"fingerprint"`
	}
	if err := json.Unmarshal(buf.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	var fps []string
	for _, is := range out {
		fps = append(fps, is.CheckName+" "+is.Fingerprint)
	}
	sort.Strings(fps)
	return fps
}

// TestGitLabFingerprint: lines added above a statement keep its
// fingerprint; changing the statement changes it.
func TestGitLabFingerprint(t *testing.T) {
	const base = "server {\n    location /media {\n        alias /srv/media;\n    }\n}\n"
	want := gitlabFingerprints(t, base)
	if len(want) != 2 {
		t.Fatalf("want two findings, got %v", want)
	}
	moved := gitlabFingerprints(t, "# a comment\n\n"+strings.Replace(base, "    location", "    listen 80;\n\n    location", 1))
	if diff := cmp.Diff(want, moved); diff != "" {
		t.Errorf("fingerprints changed when lines were added (-want +got):\n%s", diff)
	}
	changed := gitlabFingerprints(t, strings.NewReplacer("/media {", "/files {", "/srv/media;", "/srv/files;").Replace(base))
	for i := range want {
		if i < len(changed) && changed[i] == want[i] {
			t.Errorf("fingerprint %s survived a change of the statement", want[i])
		}
	}
}

// TestRDJSON: every fixture's report is a DiagnosticResult, and the
// suggestions, applied to the text by their lines and columns, make the
// same text as the finding's fix.
func TestRDJSON(t *testing.T) {
	t.Chdir("..")
	s := compileSchema(t, "rdjson.json", rdjsonSchema)
	suggested := 0
	for _, f := range loadFixtures(t) {
		r := lintFixture(t, f)
		var buf bytes.Buffer
		if err := lint.WriteRDJSON(&buf, r); err != nil {
			t.Fatal(err)
		}
		validateJSON(t, s, f.path, buf.Bytes())
		var out struct {
			Diagnostics []struct {
				Location struct {
					Path string `json:"path"`
				} `json:"location"`
				Suggestions []struct {
					Range struct {
						Start, End struct{ Line, Column int }
					} `json:"range"`
					Text string `json:"text"`
				} `json:"suggestions"`
			} `json:"diagnostics"`
		}
		if err := json.Unmarshal(buf.Bytes(), &out); err != nil {
			t.Fatal(err)
		}
		if len(out.Diagnostics) != len(r.Findings) {
			t.Fatalf("%s: %d diagnostics for %d findings", f.path, len(out.Diagnostics), len(r.Findings))
		}
		for i, d := range out.Diagnostics {
			fd := r.Findings[i]
			src := r.Sources[fd.Pos.File]
			var fix []lint.Edit
			for _, e := range fd.Fix {
				if e.File == fd.Pos.File {
					fix = append(fix, e)
				}
			}
			if len(d.Suggestions) != len(fix) {
				t.Errorf("%s: %s has %d edits in its file, %d suggestions", f.path, fd.Rule, len(fix), len(d.Suggestions))
				continue
			}
			if len(fix) == 0 {
				continue
			}
			want := applyEdits(src, fix)
			var sugg []lint.Edit
			for _, sg := range d.Suggestions {
				sugg = append(sugg, lint.Edit{File: fd.Pos.File, Start: offsetOf(src, sg.Range.Start.Line, sg.Range.Start.Column), End: offsetOf(src, sg.Range.End.Line, sg.Range.End.Column), Text: sg.Text})
			}
			if diff := cmp.Diff(string(want), string(applyEdits(src, sugg))); diff != "" {
				t.Errorf("%s: %s: the suggestions make other text than the fix (-fix +suggestions):\n%s", f.path, fd.Rule, diff)
			}
			suggested++
		}
	}
	if suggested == 0 {
		t.Error("no fixture has a suggestion")
	}
}

// offsetOf is the byte offset of a 1-based line and byte column.
func offsetOf(src []byte, line, col int) int {
	off := 0
	for l := 1; l < line; l++ {
		i := bytes.IndexByte(src[off:], '\n')
		if i < 0 {
			return -1
		}
		off += i + 1
	}
	return off + col - 1
}

// applyEdits applies non-overlapping edits, last first.
func applyEdits(src []byte, edits []lint.Edit) []byte {
	es := append([]lint.Edit(nil), edits...)
	sort.Slice(es, func(i, j int) bool { return es[i].Start > es[j].Start })
	out := append([]byte(nil), src...)
	for _, e := range es {
		if e.Start < 0 || e.End > len(out) || e.Start > e.End {
			return nil
		}
		out = append(out[:e.Start:e.Start], append([]byte(e.Text), out[e.End:]...)...)
	}
	return out
}
