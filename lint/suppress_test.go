package lint_test

import (
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/xaccel/xaccel/lint"
)

// TestSuppressionMatrix pins each suppression case to its fixture: the
// rules left after suppressions, and with --no-suppress.
func TestSuppressionMatrix(t *testing.T) {
	t.Chdir("..")
	for _, c := range []struct {
		name, file string
		want, all  []string // rules reported; rules reported with NoSuppress
	}{
		{"before-line", "unused-suppression/ok-before-line.conf", nil, []string{"media-not-internal"}},
		{"end-of-line, several rules", "unused-suppression/ok-end-of-line.conf", nil, []string{"alias-traversal", "media-not-internal"}},
		{"end-of-line at the alias", "unused-suppression/ok-end-of-line-alias.conf", nil, []string{"alias-traversal"}},
		{"file-level", "unused-suppression/ok-file-level.conf", nil, []string{"media-not-internal", "media-not-internal"}},
		{"inside an included file", "unused-suppression/ok-included.conf", nil, []string{"media-not-internal"}},
		{"missing reason", "suppression-missing-reason/fire-no-reason.conf", []string{"media-not-internal", "suppression-missing-reason"}, []string{"media-not-internal"}},
		{"empty reason, file-level", "suppression-missing-reason/fire-file-empty-reason.conf", []string{"alias-traversal", "suppression-missing-reason"}, []string{"alias-traversal"}},
		{"unused", "unused-suppression/fire-nothing-to-suppress.conf", []string{"unused-suppression"}, nil},
		{"partly unused", "unused-suppression/fire-partly-unused.conf", []string{"unused-suppression"}, []string{"media-not-internal"}},
		{"unknown rule", "unused-suppression/fire-unknown-rule.conf", []string{"unused-suppression"}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, noSuppress := range []bool{false, true} {
				r, err := lint.LintPaths([]string{"testdata/lint/" + c.file}, lint.LintOptions{Options: lint.Options{NoSuppress: noSuppress}})
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, f := range r.Findings {
					got = append(got, f.Rule)
				}
				sort.Strings(got)
				want := c.want
				if noSuppress {
					want = c.all
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("NoSuppress=%v (-want +got):\n%s", noSuppress, diff)
				}
			}
		})
	}
}

func TestLevelsAndIgnore(t *testing.T) {
	t.Chdir("..")
	path := "testdata/lint/media-not-internal/fire-blog.conf"
	r, err := lint.LintPaths([]string{path}, lint.LintOptions{Options: lint.Options{
		Levels: map[string]lint.Level{"alias-traversal": lint.Off, "media-not-internal": lint.Level(lint.Error)},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Findings) != 1 || r.Findings[0].Rule != "media-not-internal" || r.Findings[0].Severity != lint.Error {
		t.Errorf("levels not applied: %+v", r.Findings)
	}
	r, _ = lint.LintPaths([]string{path}, lint.LintOptions{Options: lint.Options{IgnoreFiles: []string{"media-not-internal/fire-*.conf"}}})
	if len(r.Findings) != 0 {
		t.Errorf("ignored file still reported: %+v", r.Findings)
	}
}
