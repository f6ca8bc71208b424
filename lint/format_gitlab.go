package lint

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"path/filepath"
	"strconv"
)

type gitlabIssue struct {
	Description string         `json:"description"`
	CheckName   string         `json:"check_name"`
	Fingerprint string         `json:"fingerprint"`
	Severity    string         `json:"severity"`
	Location    gitlabLocation `json:"location"`
}

type gitlabLocation struct {
	Path  string      `json:"path"`
	Lines gitlabLines `json:"lines"`
}

type gitlabLines struct {
	Begin int `json:"begin"`
}

// WriteGitLab prints the report as a GitLab Code Quality report, a JSON
// array with one issue per finding:
//
//	[{"description":"...","check_name":"xaccel/RULE","fingerprint":"...",
//	  "severity":"major","location":{"path":"F","lines":{"begin":L}}}]
//
// Severity: error is critical, warning is major, info is info. The
// fingerprint (GitLab shows one issue per fingerprint, and compares them
// between the branches of a merge request) is a hash of the rule, the
// path, the statement's text with its whitespace made single spaces, and
// how many times that same statement came before in the file: it stays the
// same when lines are added or removed around the statement.
func WriteGitLab(w io.Writer, r *Report) error {
	r = r.displayed() // see paths.go
	out := []gitlabIssue{}
	fps := fingerprints(r)
	for i, f := range r.Findings {
		out = append(out, gitlabIssue{
			Description: f.Message,
			CheckName:   "xaccel/" + f.Rule,
			Fingerprint: fps[i],
			Severity:    gitlabSeverity(f.Severity),
			Location:    gitlabLocation{Path: filepath.ToSlash(f.Pos.File), Lines: gitlabLines{Begin: max(f.Pos.Line, 1)}},
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

func gitlabSeverity(s Severity) string {
	switch s {
	case Error:
		return "critical"
	case Warning:
		return "major"
	}
	return "info"
}

// fingerprints returns, for each finding of r, a hex hash of its rule, its
// file as r names it, the text of its statement (statementText) and the
// number of the same statement before it in the file.
func fingerprints(r *Report) []string {
	seen := map[string]int{}
	out := make([]string, len(r.Findings))
	for i, f := range r.Findings {
		key := f.Rule + "\x00" + filepath.ToSlash(f.Pos.File) + "\x00" + statementText(r.Sources[f.Pos.File], f)
		seen[key]++
		sum := sha256.Sum256([]byte(key + "\x00" + strconv.Itoa(seen[key])))
		out[i] = hex.EncodeToString(sum[:16])
	}
	return out
}
