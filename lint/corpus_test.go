package lint_test

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/xaccel/xaccel/internal/realnginx"
	"github.com/xaccel/xaccel/lint"
)

// corpusDir returns ../shared/corpus (seen from the repository root), or
// skips loudly; with XACCEL_REQUIRE_REAL=1 a missing corpus fails.
func corpusDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("../../shared/corpus")
	if err == nil {
		if st, err := os.Stat(dir); err == nil && st.IsDir() {
			return dir
		}
	}
	msg := "the shared corpus (../shared/corpus beside the repository) is missing; this test compares xaccel with real-world configs"
	realnginx.SkipOrFail(t, msg)
	return ""
}

func rulesFired(t *testing.T, path string) []string {
	t.Helper()
	r, err := lint.LintPaths([]string{path}, lint.LintOptions{})
	if err != nil {
		t.Fatal(err)
	}
	set := map[string]bool{}
	for _, f := range r.Findings {
		set[f.Rule] = true
	}
	var out []string
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestBlogPost pins the first thing every user tries: the two server
// blocks of the blog post this project started from.
func TestBlogPost(t *testing.T) {
	dir := filepath.Join(corpusDir(t), "blog-post")
	for _, c := range []struct {
		file string
		want []string
	}{
		{"public.conf", []string{"alias-traversal", "media-not-internal"}},
		{"internal.conf", []string{"media-missing-nosniff"}},
	} {
		if diff := cmp.Diff(c.want, rulesFired(t, filepath.Join(dir, c.file))); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.file, diff)
		}
	}
}

// gixyDisagreements are the files of gixy's alias_traversal corpus where
// xaccel deliberately answers differently; docs/rules.md explains each.
var gixyDisagreements = map[string]string{
	// location /files/ { alias /home; }: /files/-old/f is served from
	// /home-old/f, a sibling directory (proved against real nginx by
	// testdata/lint/alias-traversal/fire-dir-no-slash.conf).
	"not_slashed_alias_fp.conf": "alias-traversal",
}

// TestGixyAliasTraversal compares alias-traversal with gixy's labelled
// corpus: every *.conf must fire, no *_fp.conf may.
func TestGixyAliasTraversal(t *testing.T) {
	dir := filepath.Join(corpusDir(t), "gixy", "alias_traversal")
	files, _ := filepath.Glob(filepath.Join(dir, "*.conf"))
	if len(files) < 10 {
		t.Fatalf("expected gixy's alias_traversal corpus in %s, found %d files", dir, len(files))
	}
	for _, f := range files {
		base := filepath.Base(f)
		fired := false
		for _, r := range rulesFired(t, f) {
			fired = fired || r == "alias-traversal"
		}
		want := !strings.HasSuffix(base, "_fp.conf")
		if _, ok := gixyDisagreements[base]; ok {
			want = !want
		}
		if fired != want {
			t.Errorf("%s: alias-traversal fired=%v, want %v", base, fired, want)
		}
	}
}
