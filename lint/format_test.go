package lint_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/xaccel/xaccel/internal/golden"
	"github.com/xaccel/xaccel/lint"
	"github.com/xaccel/xaccel/nginx"
)

// suppressionRules are reported by the suppression comments rather than
// by a check; they need documentation like every other rule.
var suppressionRules = []string{"unused-suppression", "suppression-missing-reason"}

func TestRuleDocs(t *testing.T) {
	rulesMD, err := os.ReadFile("../docs/rules.md")
	if err != nil {
		t.Fatal(err)
	}
	names := suppressionRules
	for _, r := range lint.Rules {
		names = append(names, r.Name)
	}
	for _, name := range names {
		d := lint.DocFor(name)
		for field, v := range map[string]string{"Short": d.Short, "Full": d.Full, "Help": d.Help, "HelpURI": d.HelpURI} {
			if strings.TrimSpace(v) == "" {
				t.Errorf("%s: %s is empty", name, field)
			}
		}
		if strings.Contains(d.Short, "\n") {
			t.Errorf("%s: Short has more than one line: %q", name, d.Short)
		}
		// GitHub code scanning truncates descriptions past 1024 characters.
		if len(d.Short) > 1024 || len(d.Full) > 1024 {
			t.Errorf("%s: Short (%d) or Full (%d) is longer than 1024 characters", name, len(d.Short), len(d.Full))
		}
		if !strings.Contains(d.Help, "Bad") || !strings.Contains(d.Help, "Good") {
			t.Errorf("%s: Help has no bad and good example", name)
		}
		if want := "https://github.com/xaccel/xaccel/blob/main/docs/rules.md#" + name; d.HelpURI != want {
			t.Errorf("%s: HelpURI = %q, want %q", name, d.HelpURI, want)
		}
		if lint.RuleByName(name) != nil && !bytes.Contains(rulesMD, []byte("\n## "+name+"\n")) {
			t.Errorf("%s: docs/rules.md has no section `## %s` for the HelpURI anchor", name, name)
		}
	}
}

func TestHelpMarkdown(t *testing.T) {
	d := lint.RuleDoc{Help: "Fix it.\n\nBad:\n\n    location /a {\n    }\n\nGood:\n\n    location /b {\n    }", HelpURI: "https://x/#r"}
	want := "Fix it.\n\nBad:\n\n```nginx\nlocation /a {\n}\n```\n\nGood:\n\n```nginx\nlocation /b {\n}\n```\n\n[Documentation](https://x/#r)\n"
	if diff := cmp.Diff(want, d.HelpMarkdown()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// srcRootURI matches the absolute base directory in a SARIF log, which
// differs from machine to machine.
var srcRootURI = regexp.MustCompile(`("%SRCROOT%": \{\s*"uri": ")[^"]*(")`)

var formats = []struct {
	name, ext string
	write     func(t *testing.T, w *bytes.Buffer, r *lint.Report) error
}{
	{"text", "txt", func(t *testing.T, w *bytes.Buffer, r *lint.Report) error { return lint.WriteText(w, r, false) }},
	{"json", "json", func(t *testing.T, w *bytes.Buffer, r *lint.Report) error { return lint.WriteJSON(w, r) }},
	{"sarif", "sarif", func(t *testing.T, w *bytes.Buffer, r *lint.Report) error {
		wd, err := os.Getwd()
		if err != nil {
			t.Fatal(err)
		}
		if err := lint.WriteSARIF(w, r, lint.SARIFOptions{BaseDir: wd, Version: "test"}); err != nil {
			return err
		}
		out := srcRootURI.ReplaceAll(w.Bytes(), []byte("${1}file:///SRCROOT/${2}"))
		w.Reset()
		w.Write(out)
		return nil
	}},
	{"github", "txt", func(t *testing.T, w *bytes.Buffer, r *lint.Report) error { return lint.WriteGitHub(w, r) }},
	{"checkstyle", "xml", func(t *testing.T, w *bytes.Buffer, r *lint.Report) error { return lint.WriteCheckstyle(w, r) }},
	{"gitlab", "json", func(t *testing.T, w *bytes.Buffer, r *lint.Report) error { return lint.WriteGitLab(w, r) }},
	{"rdjson", "json", func(t *testing.T, w *bytes.Buffer, r *lint.Report) error { return lint.WriteRDJSON(w, r) }},
}

// TestFormatGolden writes the report of every fire- fixture in every
// format and compares it with testdata/format/FORMAT/RULE/NAME.EXT
// (rewritten with -update).
func TestFormatGolden(t *testing.T) {
	t.Chdir("..")
	n := 0
	for _, f := range loadFixtures(t) {
		if f.kind != "fire" {
			continue
		}
		n++
		r := lintFixture(t, f)
		for _, format := range formats {
			name := strings.TrimSuffix(filepath.Base(f.path), ".conf")
			path := filepath.Join("testdata", "format", format.name, f.rule, name+"."+format.ext)
			t.Run(filepath.ToSlash(path), func(t *testing.T) {
				var buf bytes.Buffer
				if err := format.write(t, &buf, r); err != nil {
					t.Fatal(err)
				}
				golden.Check(t, path, buf.Bytes())
			})
		}
	}
	if n == 0 {
		t.Fatal("no fire- fixtures")
	}
}

// testDir is the package directory, where the tests start.
var testDir, _ = os.Getwd()

// sarifSchema compiles testdata/sarif-schema-2.1.0.json (a copy of the
// OASIS schema, draft-04), with format assertions on.
func sarifSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	s, err := c.Compile(filepath.Join(filepath.Dir(testDir), "testdata", "sarif-schema-2.1.0.json"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func validateSARIF(t *testing.T, s *jsonschema.Schema, out []byte) {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if err := s.Validate(doc); err != nil {
		t.Errorf("SARIF output does not match the schema: %v", err)
	}
}

// TestSARIFSchema validates the SARIF output of every fixture against the
// SARIF 2.1.0 JSON schema.
func TestSARIFSchema(t *testing.T) {
	t.Chdir("..")
	schema := sarifSchema(t)
	wd, _ := os.Getwd()
	for _, f := range loadFixtures(t) {
		t.Run(strings.TrimPrefix(f.path, "testdata/lint/"), func(t *testing.T) {
			var buf bytes.Buffer
			if err := lint.WriteSARIF(&buf, lintFixture(t, f), lint.SARIFOptions{BaseDir: wd, Version: "test"}); err != nil {
				t.Fatal(err)
			}
			validateSARIF(t, schema, buf.Bytes())
		})
	}
}

// sarifOut is the part of a SARIF log the tests look at.
type sarifOut struct {
	Runs []struct {
		OriginalURIBaseIDs map[string]struct {
			URI string `json:"uri"`
		} `json:"originalUriBaseIds"`
		Tool struct {
			Driver struct {
				Rules []struct {
					ID string `json:"id"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Results []struct {
			RuleID    string `json:"ruleId"`
			RuleIndex int    `json:"ruleIndex"`
			Level     string `json:"level"`
			Locations []struct {
				PhysicalLocation struct {
					ArtifactLocation struct {
						URI       string `json:"uri"`
						URIBaseID string `json:"uriBaseId"`
					} `json:"artifactLocation"`
					Region sarifRegion `json:"region"`
				} `json:"physicalLocation"`
			} `json:"locations"`
			PartialFingerprints map[string]string `json:"partialFingerprints"`
		} `json:"results"`
	} `json:"runs"`
}

type sarifRegion struct {
	StartLine, StartColumn, EndLine, EndColumn int
}

func sarifOf(t *testing.T, r *lint.Report, base string) sarifOut {
	t.Helper()
	var buf bytes.Buffer
	if err := lint.WriteSARIF(&buf, r, lint.SARIFOptions{BaseDir: base, Version: "test"}); err != nil {
		t.Fatal(err)
	}
	var out sarifOut
	if err := json.Unmarshal(buf.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Runs) != 1 {
		t.Fatalf("%d runs, want 1", len(out.Runs))
	}
	return out
}

// lintSource lints one in-memory file called name.
func lintSource(t *testing.T, name, src string) *lint.Report {
	t.Helper()
	cfg := nginx.LoadBytes(name, []byte(src), nginx.LoadOptions{})
	r := &lint.Report{Sources: map[string][]byte{}}
	r.Add(cfg, lint.Run(cfg, lint.Options{}))
	r.Findings = lint.Sort(r.Findings)
	return r
}

// fingerprints maps "rule #n" to the fingerprint of the rule's n-th result.
func fingerprints(t *testing.T, src string) map[string]string {
	t.Helper()
	out := sarifOf(t, lintSource(t, "media.conf", src), ".")
	fps := map[string]string{}
	count := map[string]int{}
	for _, res := range out.Runs[0].Results {
		count[res.RuleID]++
		fp := res.PartialFingerprints["xaccelFingerprint/v1"]
		if fp == "" {
			t.Fatalf("result of %s has no xaccelFingerprint/v1", res.RuleID)
		}
		fps[res.RuleID+" #"+string(rune('0'+count[res.RuleID]))] = fp
	}
	return fps
}

func TestSARIFFingerprint(t *testing.T) {
	const base = `server {
    listen 80;

    location /media {
        alias /home/app/web/media;
    }
}
`
	want := fingerprints(t, base)
	if len(want) != 2 {
		t.Fatalf("want a media-not-internal and an alias-traversal finding, got %v", want)
	}
	same := map[string]string{
		"lines and comments above": "# a comment\n\n\n" + strings.Replace(base, "    location", "    # about media\n\n    location", 1),
		"whitespace in statement":  strings.Replace(base, "location /media {", "location   /media\n    {", 1),
		"unrelated statement":      strings.Replace(base, "listen 80;", "listen 80;\n    server_name example.com;", 1),
	}
	for name, src := range same {
		if diff := cmp.Diff(want, fingerprints(t, src)); diff != "" {
			t.Errorf("%s: fingerprints changed (-want +got):\n%s", name, diff)
		}
	}
	changed := fingerprints(t, strings.NewReplacer("/media {", "/media/private {", "web/media;", "web/media/private;").Replace(base))
	for k, fp := range want {
		if changed[k] == "" || changed[k] == fp {
			t.Errorf("%s: fingerprint %q after changing the statement, want a different one", k, changed[k])
		}
	}
	// The same statement twice in one file: two different fingerprints.
	twice := fingerprints(t, base+base)
	if len(twice) != 4 || twice["media-not-internal #1"] == twice["media-not-internal #2"] {
		t.Errorf("identical statements share a fingerprint: %v", twice)
	}
	if twice["media-not-internal #1"] != want["media-not-internal #1"] {
		t.Errorf("the first of two identical statements changed its fingerprint")
	}
}

// TestSARIFFingerprintToken: a finding at a single token (a syntax error)
// is identified by the rest of its line.
func TestSARIFFingerprintToken(t *testing.T) {
	const base = "server {\n    listen 80;\n}\n} # stray\n"
	want := fingerprints(t, base)
	if len(want) != 1 || want["syntax #1"] == "" {
		t.Fatalf("want one syntax finding, got %v", want)
	}
	if diff := cmp.Diff(want, fingerprints(t, "\n\n# moved down\n"+base)); diff != "" {
		t.Errorf("fingerprint changed when lines were added above (-want +got):\n%s", diff)
	}
	if got := fingerprints(t, strings.Replace(base, "# stray", "# another", 1)); got["syntax #1"] == want["syntax #1"] {
		t.Errorf("fingerprint did not change with the line of the token")
	}
}

// TestSARIFLocations checks the URIs (relative to the base directory,
// percent-encoded; absolute file:// outside it) and the regions (UTF-16
// columns, exclusive end).
func TestSARIFLocations(t *testing.T) {
	base := t.TempDir()
	t.Chdir(base)
	src := "# \u00e9\nlocation /\u00e9 {\n}\n"
	r := &lint.Report{
		Files:   3,
		Sources: map[string][]byte{"sub dir/a#b%.conf": []byte(src)},
		Findings: []lint.Finding{
			{Rule: "media-not-internal", Severity: lint.Warning, Message: "m1",
				Pos: nginx.Pos{File: "sub dir/a#b%.conf", Line: 2, Column: 1, Offset: 5},
				End: nginx.Pos{File: "sub dir/a#b%.conf", Line: 2, Column: 14, Offset: 18}},
			{Rule: "syntax", Severity: lint.Error, Message: "m2",
				Pos: nginx.Pos{File: "sub dir/a#b%.conf", Line: 3, Column: 1, Offset: 20},
				End: nginx.Pos{File: "sub dir/a#b%.conf", Line: 3, Column: 1, Offset: 20}},
			{Rule: "not-a-catalog-rule", Severity: lint.Info, Message: "m3",
				Pos: nginx.Pos{File: "/etc/nginx/sites enabled/x:y.conf", Line: 4, Column: 5, Offset: 40},
				End: nginx.Pos{File: "/etc/nginx/sites enabled/x:y.conf", Line: 6, Column: 3, Offset: 60}},
			{Rule: "media-not-internal", Severity: lint.Warning, Message: "m4",
				Pos: nginx.Pos{File: "-", Line: 1, Column: 1}, End: nginx.Pos{File: "-", Line: 1, Column: 9, Offset: 8}},
		},
	}
	out := sarifOf(t, r, base).Runs[0]
	type loc struct {
		URI, BaseID string
		Region      sarifRegion
		Rule, Level string
	}
	var got []loc
	for _, res := range out.Results {
		pl := res.Locations[0].PhysicalLocation
		if out.Tool.Driver.Rules[res.RuleIndex].ID != res.RuleID {
			t.Errorf("ruleIndex %d of %s names %s", res.RuleIndex, res.RuleID, out.Tool.Driver.Rules[res.RuleIndex].ID)
		}
		got = append(got, loc{pl.ArtifactLocation.URI, pl.ArtifactLocation.URIBaseID, pl.Region, res.RuleID, res.Level})
	}
	want := []loc{
		// sorted by the names the formats show: "-", "/etc/...", "sub dir/..."
		{"-", "", sarifRegion{1, 1, 1, 10}, "media-not-internal", "warning"},
		{"file:///etc/nginx/sites%20enabled/x:y.conf", "", sarifRegion{4, 5, 6, 4}, "not-a-catalog-rule", "note"},
		{"sub%20dir/a%23b%25.conf", "%SRCROOT%", sarifRegion{2, 1, 2, 14}, "media-not-internal", "warning"},
		{"sub%20dir/a%23b%25.conf", "%SRCROOT%", sarifRegion{3, 1, 3, 2}, "syntax", "error"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("locations (-want +got):\n%s", diff)
	}
	if root := out.OriginalURIBaseIDs["%SRCROOT%"].URI; !strings.HasPrefix(root, "file:///") || !strings.HasSuffix(root, "/") {
		t.Errorf("originalUriBaseIds %%SRCROOT%% = %q, want a file:/// URI ending in /", root)
	}
	var buf bytes.Buffer
	if err := lint.WriteSARIF(&buf, r, lint.SARIFOptions{BaseDir: base}); err != nil {
		t.Fatal(err)
	}
	validateSARIF(t, sarifSchema(t), buf.Bytes())
}

func TestGitHubEscaping(t *testing.T) {
	r := &lint.Report{Findings: []lint.Finding{
		{Rule: "media-not-internal", Severity: lint.Error, Message: "100% leaked\r\nnext: a, b",
			Pos: nginx.Pos{File: "conf,d/a:b%.conf", Line: 3, Column: 5}, End: nginx.Pos{Line: 3, Column: 20}},
		{Rule: "alias-traversal", Severity: lint.Warning, Message: "two\nlines",
			Pos: nginx.Pos{File: "x.conf", Line: 4, Column: 5}, End: nginx.Pos{Line: 6, Column: 2}},
		{Rule: "syntax", Severity: lint.Info, Message: "::stop-commands::x",
			Pos: nginx.Pos{File: "x.conf", Line: 9, Column: 1}, End: nginx.Pos{Line: 9, Column: 1}},
	}}
	var buf bytes.Buffer
	if err := lint.WriteGitHub(&buf, r); err != nil {
		t.Fatal(err)
	}
	want := "::error file=conf%2Cd/a%3Ab%25.conf,line=3,col=5,endLine=3,endColumn=20,title=xaccel%3A media-not-internal::100%25 leaked%0D%0Anext: a, b\n" +
		"::warning file=x.conf,line=4,endLine=6,title=xaccel%3A alias-traversal::two%0Alines\n" +
		"::notice file=x.conf,line=9,col=1,endLine=9,endColumn=1,title=xaccel%3A syntax::::stop-commands::x\n"
	if diff := cmp.Diff(want, buf.String()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestCheckstyleEscaping(t *testing.T) {
	r := &lint.Report{Files: 3, Findings: []lint.Finding{
		{Rule: "syntax", Severity: lint.Info, Message: "a <b> & \"c\" 'd'\nnext\x01",
			Pos: nginx.Pos{File: "z&<.conf", Line: 1, Column: 2}},
		{Rule: "media-not-internal", Severity: lint.Warning, Message: "m",
			Pos: nginx.Pos{File: "a.conf", Line: 7, Column: 5}},
	}}
	var buf bytes.Buffer
	if err := lint.WriteCheckstyle(&buf, r); err != nil {
		t.Fatal(err)
	}
	want := `<?xml version="1.0" encoding="UTF-8"?>
<checkstyle version="4.3">
  <file name="a.conf">
    <error line="7" column="5" severity="warning" message="m" source="xaccel.media-not-internal"/>
  </file>
  <file name="z&amp;&lt;.conf">
    <error line="1" column="2" severity="info" message="a &lt;b&gt; &amp; &#34;c&#34; &#39;d&#39;&#xA;next` + "\uFFFD" + `" source="xaccel.syntax"/>
  </file>
</checkstyle>
`
	if diff := cmp.Diff(want, buf.String()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
