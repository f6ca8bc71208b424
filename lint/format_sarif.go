package lint

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/xaccel/xaccel/nginx"
)

// SARIFOptions are the inputs of WriteSARIF that are not in the report.
type SARIFOptions struct {
	// BaseDir is the directory file paths are made relative to (the
	// repository root, so that code scanning finds the files). Paths
	// outside it are written as absolute file:// URIs. Empty: paths are
	// written as given (relative ones relative to %SRCROOT%).
	BaseDir string
	// Version is the version of xaccel, shown as the tool's version.
	Version string
}

const (
	sarifSchema    = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
	sarifSrcRoot   = "%SRCROOT%"
	fingerprintKey = "xaccelFingerprint/v1"
	informationURI = "https://github.com/xaccel/xaccel"
)

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool               sarifTool                        `json:"tool"`
	OriginalURIBaseIDs map[string]sarifArtifactLocation `json:"originalUriBaseIds,omitempty"`
	Results            []sarifResult                    `json:"results"`
	ColumnKind         string                           `json:"columnKind"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	InformationURI string      `json:"informationUri"`
	Version        string      `json:"version,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifRule struct {
	ID                   string            `json:"id"`
	Name                 string            `json:"name"`
	ShortDescription     sarifText         `json:"shortDescription"`
	FullDescription      sarifText         `json:"fullDescription"`
	Help                 sarifText         `json:"help"`
	HelpURI              string            `json:"helpUri"`
	DefaultConfiguration sarifRuleConfig   `json:"defaultConfiguration"`
	Properties           sarifRuleProperty `json:"properties"`
}

type sarifRuleConfig struct {
	Level string `json:"level"`
}

type sarifRuleProperty struct {
	Tags      []string `json:"tags"`
	Precision string   `json:"precision"`
	// SecuritySeverity is GitHub's score of a security rule, a decimal
	// number in a string (see securitySeverity).
	SecuritySeverity string `json:"security-severity,omitempty"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifText         `json:"message"`
	Locations           []sarifLocation   `json:"locations"`
	RelatedLocations    []sarifLocation   `json:"relatedLocations,omitempty"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
}

type sarifLocation struct {
	ID               int                   `json:"id,omitempty"`
	PhysicalLocation sarifPhysicalLocation `json:"physicalLocation"`
	Message          *sarifText            `json:"message,omitempty"`
}

type sarifPhysicalLocation struct {
	ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
	Region           sarifRegion           `json:"region"`
}

type sarifArtifactLocation struct {
	URI         string     `json:"uri"`
	URIBaseID   string     `json:"uriBaseId,omitempty"`
	Description *sarifText `json:"description,omitempty"`
}

// sarifRegion columns are in UTF-16 code units (the run's columnKind) and
// endColumn is exclusive: one past the last character of the region.
type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn"`
	EndLine     int `json:"endLine,omitempty"`
	EndColumn   int `json:"endColumn,omitempty"`
}

// securitySeverity is the security-severity of a leak rule, by its default
// severity: GitHub shows 7.0 to 8.9 as high, 4.0 to 6.9 as medium and 0.1
// to 3.9 as low.
func securitySeverity(s Severity) string {
	switch s {
	case Error:
		return "8.0"
	case Warning:
		return "5.0"
	}
	return "2.0"
}

// WriteSARIF prints the report as a SARIF 2.1.0 log with one run, in the
// subset GitHub code scanning reads: every rule with its documentation,
// and every finding with its rule, level, message, region and a partial
// fingerprint that survives unrelated edits of the file.
func WriteSARIF(w io.Writer, r *Report, o SARIFOptions) error {
	r = r.displayed() // see paths.go
	base := ""
	if o.BaseDir != "" {
		if abs, err := filepath.Abs(o.BaseDir); err == nil {
			base = abs
		}
	}
	rules, index := sarifRules(r)
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{
			Name: "xaccel", InformationURI: informationURI, Version: o.Version, Rules: rules,
		}},
		Results:    []sarifResult{},
		ColumnKind: "utf16CodeUnits",
	}
	if base != "" {
		run.OriginalURIBaseIDs = map[string]sarifArtifactLocation{
			sarifSrcRoot: {URI: fileURI(base) + "/"},
		}
	}
	seen := map[string]int{} // (rule, file, statement) -> occurrences so far
	for _, f := range r.Findings {
		loc := artifactLocation(f.Pos.File, base)
		src := r.Sources[f.Pos.File]
		key := f.Rule + "\x00" + loc.URIBaseID + "\x00" + loc.URI + "\x00" + statementText(src, f)
		seen[key]++
		sum := sha256.Sum256([]byte(key + "\x00" + strconv.Itoa(seen[key])))
		msg, related := sarifRelated(f, r.Sources, base)
		run.Results = append(run.Results, sarifResult{
			RuleID:    f.Rule,
			RuleIndex: index[f.Rule],
			Level:     sarifLevel(f.Severity),
			Message:   sarifText{Text: msg},
			Locations: []sarifLocation{{PhysicalLocation: sarifPhysicalLocation{
				ArtifactLocation: loc,
				Region:           region(src, f),
			}}},
			RelatedLocations:    related,
			PartialFingerprints: map[string]string{fingerprintKey: hex.EncodeToString(sum[:16])},
		})
	}
	log := sarifLog{Schema: sarifSchema, Version: "2.1.0", Runs: []sarifRun{run}}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(log)
}

// sarifRules lists every rule of the catalog, in catalog order, then any
// other rule a finding names (sorted), and returns each rule's index.
func sarifRules(r *Report) ([]sarifRule, map[string]int) {
	index := map[string]int{}
	var out []sarifRule
	add := func(name string, sev Severity) {
		index[name] = len(out)
		d := DocFor(name)
		if d.Short == "" { // a rule without documentation yet
			d.Short = "xaccel rule " + name + "."
			if r := RuleByName(name); r != nil && r.Summary != "" {
				d.Short = upperFirst(r.Summary) + "."
			}
			d.Full = d.Short
			d.Help = "See the documentation of the rule."
		}
		props := sarifRuleProperty{Tags: ruleTags(name), Precision: "high"}
		if rule := RuleByName(name); rule != nil && rule.Leak {
			props.SecuritySeverity = securitySeverity(rule.Severity)
		}
		out = append(out, sarifRule{
			ID:                   name,
			Name:                 pascalCase(name),
			ShortDescription:     sarifText{Text: d.Short},
			FullDescription:      sarifText{Text: d.Full},
			Help:                 sarifText{Text: d.Help, Markdown: d.HelpMarkdown()},
			HelpURI:              d.HelpURI,
			DefaultConfiguration: sarifRuleConfig{Level: sarifLevel(sev)},
			Properties:           props,
		})
	}
	for _, rule := range Rules {
		add(rule.Name, rule.Severity)
	}
	var extra []string
	extraSev := map[string]Severity{}
	for _, f := range r.Findings {
		if _, ok := index[f.Rule]; ok {
			continue
		}
		if _, ok := extraSev[f.Rule]; !ok {
			extra = append(extra, f.Rule)
		}
		extraSev[f.Rule] = max(extraSev[f.Rule], f.Severity)
	}
	sort.Strings(extra)
	for _, name := range extra {
		add(name, extraSev[name])
	}
	return out, index
}

// ruleTags are the rule's tags for code scanning: leak rules are security
// findings.
func ruleTags(rule string) []string {
	if r := RuleByName(rule); r != nil && r.Leak {
		return []string{"security", "nginx"}
	}
	switch rule {
	case "unused-suppression", "suppression-missing-reason":
		return []string{"maintainability", "nginx"}
	}
	return []string{"correctness", "nginx"}
}

// sarifRelated returns the message of f with each statement it names made
// an embedded link ([FILE:LINE](id)) to one of the relatedLocations it
// returns, so that code scanning links them; literal square brackets are
// escaped, as embedded links require.
func sarifRelated(f Finding, sources map[string][]byte, base string) (string, []sarifLocation) {
	esc := strings.NewReplacer("[", `\[`, "]", `\]`)
	msg := esc.Replace(f.Message)
	var out []sarifLocation
	from := 0
	for _, rel := range f.Related {
		id := len(out) + 1
		reg := sarifRegion{StartLine: rel.Pos.Line, StartColumn: max(rel.Pos.Column, 1)}
		if src := sources[rel.Pos.File]; validPos(src, rel.Pos) {
			reg.StartColumn = utf16Column(src, rel.Pos)
		}
		out = append(out, sarifLocation{
			ID: id,
			PhysicalLocation: sarifPhysicalLocation{
				ArtifactLocation: artifactLocation(rel.Pos.File, base),
				Region:           reg,
			},
			Message: &sarifText{Text: upperFirst(rel.What) + "."},
		})
		ref := esc.Replace(rel.Ref())
		if i := indexRef(msg[from:], ref); i >= 0 {
			link := "[" + ref + "](" + strconv.Itoa(id) + ")"
			msg = msg[:from+i] + link + msg[from+i+len(ref):]
			from += i + len(link)
		}
	}
	return msg, out
}

// indexRef is the index of the first FILE:LINE reference ref in s that is
// not followed by another digit, or -1.
func indexRef(s, ref string) int {
	for off := 0; ; {
		i := strings.Index(s[off:], ref)
		if i < 0 {
			return -1
		}
		j := off + i + len(ref)
		if j == len(s) || s[j] < '0' || s[j] > '9' {
			return off + i
		}
		off = j
	}
}

func sarifLevel(s Severity) string {
	switch s {
	case Error:
		return "error"
	case Warning:
		return "warning"
	}
	return "note"
}

// pascalCase turns a rule name into the identifier-like name SARIF
// recommends: media-not-internal -> MediaNotInternal.
func pascalCase(name string) string {
	var b strings.Builder
	for _, part := range strings.FieldsFunc(name, func(r rune) bool { return r == '-' || r == '_' }) {
		b.WriteString(upperFirst(part))
	}
	return b.String()
}

// artifactLocation names file for SARIF: relative to base (with uriBaseId
// %SRCROOT%) when it is inside base, else an absolute file:// URI.
func artifactLocation(file, base string) sarifArtifactLocation {
	if file == "-" {
		return sarifArtifactLocation{URI: "-", Description: &sarifText{Text: "standard input"}}
	}
	if base == "" {
		if filepath.IsAbs(file) {
			return sarifArtifactLocation{URI: fileURI(file)}
		}
		return sarifArtifactLocation{URI: escapePath(filepath.ToSlash(filepath.Clean(file)), true), URIBaseID: sarifSrcRoot}
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		return sarifArtifactLocation{URI: escapePath(filepath.ToSlash(file), true)}
	}
	rel, err := filepath.Rel(base, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
		return sarifArtifactLocation{URI: fileURI(abs)}
	}
	return sarifArtifactLocation{URI: escapePath(filepath.ToSlash(rel), true), URIBaseID: sarifSrcRoot}
}

// fileURI is the file:// URI of an absolute path.
func fileURI(abs string) string {
	p := filepath.ToSlash(abs)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // a Windows drive: file:///C:/...
	}
	return "file://" + escapePath(p, false)
}

// escapePath percent-encodes every byte of p that may not appear as such in
// a URI path, keeping '/' as the separator. In a relative reference a ':'
// is encoded too, so that the first segment cannot read as a scheme.
func escapePath(p string, relative bool) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			strings.IndexByte("-._~!$&'()*+,;=@/", c) >= 0,
			c == ':' && !relative:
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		}
	}
	return b.String()
}

// statementText is the source of the statement head a finding is about,
// from its start to its ';' or '{', with runs of whitespace made one
// space: what identifies the finding when lines around it move. A finding
// that points at a single token (a syntax error, a comment) is identified
// by the rest of its line instead. Without the source it falls back to
// the message.
func statementText(src []byte, f Finding) string {
	start, end := f.Pos.Offset, f.End.Offset
	if src == nil || start < 0 || start >= len(src) {
		return "message:" + f.Message
	}
	if f.End.Line == 0 || end <= start {
		end = start
		if i := bytes.IndexByte(src[start:], '\n'); i > 0 {
			end = start + i - 1
		} else if i < 0 {
			end = len(src) - 1
		}
	}
	if end >= len(src) {
		end = len(src) - 1
	}
	_, size := utf8.DecodeRune(src[end:])
	return strings.Join(strings.Fields(string(src[start:end+size])), " ")
}

// region is where a finding is, from its start to the end of its statement
// head, in UTF-16 columns with an exclusive end.
func region(src []byte, f Finding) sarifRegion {
	start := f.Pos
	end := f.End
	if end.Line < start.Line || end.Line == start.Line && end.Column < start.Column || end.Line == 0 {
		end = start
	}
	reg := sarifRegion{StartLine: start.Line, StartColumn: max(start.Column, 1), EndLine: end.Line}
	if ok := validPos(src, start) && validPos(src, end); ok {
		reg.StartColumn = utf16Column(src, start)
		_, size := utf8.DecodeRune(src[end.Offset:])
		reg.EndColumn = utf16Column(src, nginx.Pos{Line: end.Line, Column: end.Column + size, Offset: end.Offset + size})
	} else {
		reg.EndColumn = end.Column + 1
	}
	if reg.EndLine == reg.StartLine && reg.EndColumn <= reg.StartColumn {
		reg.EndColumn = 0 // absent: to the end of the line
	}
	return reg
}

// validPos reports whether p's offset and column agree with src.
func validPos(src []byte, p nginx.Pos) bool {
	return src != nil && p.Offset >= 0 && p.Offset < len(src) && p.Column >= 1 && p.Column-1 <= p.Offset
}

// utf16Column converts p's byte column to a 1-based column in UTF-16 code
// units; an invalid UTF-8 byte counts as one unit.
func utf16Column(src []byte, p nginx.Pos) int {
	lineStart := p.Offset - (p.Column - 1)
	col := 1
	for b := src[lineStart:p.Offset]; len(b) > 0; {
		r, size := utf8.DecodeRune(b)
		b = b[size:]
		if n := utf16.RuneLen(r); n > 0 {
			col += n
		} else {
			col++
		}
	}
	return col
}
