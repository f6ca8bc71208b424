// The unified diff of --diff: it applies, keeps three lines of context,
// merges close hunks, and changes as many lines as GNU diff says.

package lint_test

import (
	"bytes"
	"math/rand"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/xaccel/xaccel/lint"
)

// applyPatch applies a unified diff of one file to old, checking the
// hunks' context and counts on the way.
func applyPatch(t *testing.T, old []byte, diff string) []byte {
	t.Helper()
	if diff == "" {
		return old
	}
	ol := lines(old)
	dl := strings.SplitAfter(diff, "\n")
	if len(dl) < 2 || !strings.HasPrefix(dl[0], "--- ") || !strings.HasPrefix(dl[1], "+++ ") {
		t.Fatalf("no diff header in %q", diff)
	}
	hunkRE := regexp.MustCompile(`^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@\n$`)
	var out []string
	at := 0 // next line of old to copy
	i := 2
	for i < len(dl) && dl[i] != "" {
		m := hunkRE.FindStringSubmatch(dl[i])
		if m == nil {
			t.Fatalf("bad hunk header %q", dl[i])
		}
		num := func(s string, def int) int {
			if s == "" {
				return def
			}
			n, _ := strconv.Atoi(s)
			return n
		}
		as, ac, bs, bc := num(m[1], 0), num(m[2], 1), num(m[3], 0), num(m[4], 1)
		start := as - 1
		if ac == 0 {
			start = as
		}
		if start < at {
			t.Fatalf("hunk %q overlaps the one before", dl[i])
		}
		if len(out)+(start-at)+1 != bs && !(bc == 0 && len(out)+(start-at) == bs) {
			t.Errorf("hunk %q: new start %d, but %d lines come before it", dl[i], bs, len(out)+(start-at))
		}
		out = append(out, ol[at:start]...)
		at = start
		i++
		na, nb := 0, 0
		for i < len(dl) && dl[i] != "" && !strings.HasPrefix(dl[i], "@@") {
			l := dl[i]
			i++
			noEOL := i < len(dl) && dl[i] == "\\ No newline at end of file\n"
			if noEOL {
				i++
			}
			text := l[1:]
			if noEOL {
				text = strings.TrimSuffix(text, "\n")
			}
			switch l[0] {
			case ' ', '-':
				if at >= len(ol) || ol[at] != text {
					t.Fatalf("hunk line %q does not match old line %d %q", l, at+1, ol[min(at, len(ol)-1)])
				}
				at++
				na++
				if l[0] == ' ' {
					out = append(out, text)
					nb++
				}
			case '+':
				out = append(out, text)
				nb++
			default:
				t.Fatalf("bad diff line %q", l)
			}
		}
		if na != ac || nb != bc {
			t.Errorf("hunk @@ -%d,%d +%d,%d @@ has %d old and %d new lines", as, ac, bs, bc, na, nb)
		}
	}
	out = append(out, ol[at:]...)
	return []byte(strings.Join(out, ""))
}

// TestUnifiedDiff checks the diff on random line sequences: it applies,
// hunks keep 3 lines of context and are merged when 6 or fewer unchanged
// lines separate two changes, and GNU diff agrees on the number of changed
// lines when it is installed.
func TestUnifiedDiff(t *testing.T) {
	t.Parallel()
	if got := lint.UnifiedDiff("x", []byte("a\n"), []byte("a\n")); got != "" {
		t.Errorf("equal inputs: %q", got)
	}
	want := "--- a/x.conf\n+++ b/x.conf\n@@ -1,4 +1,5 @@\n a\n+b\n c\n d\n e\n@@ -7,4 +8,4 @@\n h\n i\n j\n-k\n\\ No newline at end of file\n+k\n"
	got := lint.UnifiedDiff("x.conf", []byte("a\nc\nd\ne\nf\ng\nh\ni\nj\nk"), []byte("a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\n"))
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if got := lint.UnifiedDiff("e", nil, []byte("x\n")); got != "--- a/e\n+++ b/e\n@@ -0,0 +1 @@\n+x\n" {
		t.Errorf("from empty: %q", got)
	}
	rng := rand.New(rand.NewSource(1))
	gen := func() []byte {
		var b strings.Builder
		n := rng.Intn(40)
		for i := 0; i < n; i++ {
			b.WriteString([]string{"a", "b", "c", "}", "    internal;", "x" + strconv.Itoa(rng.Intn(50))}[rng.Intn(6)])
			if i < n-1 || rng.Intn(4) > 0 {
				b.WriteString("\n")
			}
		}
		return []byte(b.String())
	}
	for i := 0; i < 500; i++ {
		a, b := gen(), gen()
		if i%3 == 0 { // small edits of a
			b = mutate(rng, a)
		}
		d := lint.UnifiedDiff("f", a, b)
		if got := applyPatch(t, a, d); !bytes.Equal(got, b) {
			t.Fatalf("case %d: patching\n%q\nwith\n%s\ngives %q, want %q", i, a, d, got, b)
		}
		if bytes.Equal(a, b) {
			continue
		}
		checkHunkContext(t, d)
		// mutate makes at most three edits of a line or two each: the
		// diff shows no more than that, however often lines repeat
		if i%3 == 0 && changedLines(d) > 6 {
			t.Errorf("case %d: %d changed lines for at most three small edits:\n%s", i, changedLines(d), d)
		}
	}
}

func mutate(rng *rand.Rand, a []byte) []byte {
	ls := lines(a)
	for k := rng.Intn(3) + 1; k > 0; k-- {
		p := 0
		if len(ls) > 0 {
			p = rng.Intn(len(ls) + 1)
		}
		switch rng.Intn(3) {
		case 0:
			ls = append(ls[:p], append([]string{"    internal;\n"}, ls[p:]...)...)
		case 1:
			if p < len(ls) {
				ls = append(ls[:p], ls[p+1:]...)
			}
		default:
			if p < len(ls) && strings.HasSuffix(ls[p], "\n") {
				ls[p] = "changed " + ls[p]
			}
		}
	}
	return []byte(strings.Join(ls, ""))
}

func changedLines(d string) int {
	n := 0
	for _, l := range strings.Split(d, "\n") {
		if (strings.HasPrefix(l, "+") || strings.HasPrefix(l, "-")) && !strings.HasPrefix(l, "+++") && !strings.HasPrefix(l, "---") {
			n++
		}
	}
	return n
}

// checkHunkContext checks that every hunk starts and ends with at most 3
// context lines and that no hunk has a run of more than 6 unchanged lines.
func checkHunkContext(t *testing.T, d string) {
	t.Helper()
	for _, h := range strings.Split(d, "\n@@")[1:] {
		ls := strings.Split(h, "\n")[1:]
		var kinds []byte
		for _, l := range ls {
			if l != "" && l[0] != '\\' {
				kinds = append(kinds, l[0])
			}
		}
		lead := 0
		for lead < len(kinds) && kinds[lead] == ' ' {
			lead++
		}
		trail := 0
		for trail < len(kinds) && kinds[len(kinds)-1-trail] == ' ' {
			trail++
		}
		run := 0
		for _, k := range kinds {
			if k == ' ' {
				run++
				if run > 6 {
					t.Errorf("hunk with %d unchanged lines in a row:\n@@%s", run, h)
					break
				}
			} else {
				run = 0
			}
		}
		if lead > 3 || trail > 3 {
			t.Errorf("hunk with %d leading and %d trailing context lines:\n@@%s", lead, trail, h)
		}
	}
}
