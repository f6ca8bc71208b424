package lint

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFixRefused checks the last line of defence: a fix whose result does
// not parse, or after which its rule still fires at its statement, is
// refused and nothing is written. The catalog's own fixes never do that,
// so a test rule supplies the bad fixes.
func TestFixRefused(t *testing.T) {
	const conf = "server {\n    listen 80;\n    location /x/ {\n        return 404;\n    }\n}\n"
	for name, text := range map[string]string{
		"does not parse": "\n    }",                // closes the server early
		"still fires":    "\n        # a comment;", // changes nothing nginx reads
	} {
		t.Run(name, func(t *testing.T) {
			bad := &Rule{Name: "test-bad-fix", Severity: Warning, check: func(p *pass, r *Rule) {
				for _, s := range p.cfg.Servers {
					for _, l := range s.AllLocations() {
						e := Edit{File: l.Dir.Pos.File, Start: l.Dir.End.Offset + 1, End: l.Dir.End.Offset + 1, Text: text}
						p.reportFix(r, r.Severity, l.Dir, "test", []Edit{e})
					}
				}
			}}
			saved := Rules
			Rules = append(append([]*Rule(nil), Rules...), bad)
			defer func() { Rules = saved }()

			dir := t.TempDir()
			p := filepath.Join(dir, "a.conf")
			if err := os.WriteFile(p, []byte(conf), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Fix([]string{p}, LintOptions{}, FixWriteBackup)
			var re *RefusedError
			if !errors.As(err, &re) {
				t.Fatalf("want a refusal, got %v", err)
			}
			want := map[string]string{"does not parse": "does not parse", "still fires": "test-bad-fix still fires at " + p + ":3:5"}[name]
			if !strings.Contains(err.Error(), want) {
				t.Errorf("refusal %q does not say %q", err, want)
			}
			if b, _ := os.ReadFile(p); string(b) != conf {
				t.Errorf("written although refused:\n%s", b)
			}
			if _, err := os.Stat(p + ".orig"); err == nil {
				t.Error("backup written although refused")
			}
		})
	}
}
