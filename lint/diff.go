package lint

// Unified diffs of fixed files (--diff), as diff -u and git apply read them.

import (
	"bytes"
	"sort"
	"strconv"
	"strings"
)

// diffContext is the number of unchanged lines around each change.
const diffContext = 3

// UnifiedDiff returns the unified diff (diff -u, 3 lines of context) that
// turns old into new, headed `--- a/path` / `+++ b/path` as git writes it
// (apply it with `git apply` or `patch -p1` in the directory path is
// relative to); "" when they are equal. A last line without a line feed is
// marked `\ No newline at end of file`; carriage returns are kept.
func UnifiedDiff(path string, old, new []byte) string {
	if bytes.Equal(old, new) {
		return ""
	}
	a, b := splitLines(old), splitLines(new)
	ops := diffLines(a, b)
	var out strings.Builder
	out.WriteString("--- a/" + path + "\n+++ b/" + path + "\n")
	// apos[i], bpos[i]: lines of old and new before ops[i]
	apos := make([]int, len(ops)+1)
	bpos := make([]int, len(ops)+1)
	for i, op := range ops {
		apos[i+1], bpos[i+1] = apos[i], bpos[i]
		if op != '+' {
			apos[i+1]++
		}
		if op != '-' {
			bpos[i+1]++
		}
	}
	for i := 0; i < len(ops); {
		if ops[i] == ' ' {
			i++
			continue
		}
		start := max(0, i-diffContext)
		last := i
		j := i
		for ; j < len(ops); j++ {
			if ops[j] != ' ' {
				last = j
			} else if j-last > 2*diffContext {
				break
			}
		}
		end := min(len(ops), last+diffContext+1)
		out.WriteString("@@ -" + hunkRange(apos[start], apos[end]-apos[start]) + " +" + hunkRange(bpos[start], bpos[end]-bpos[start]) + " @@\n")
		for k := start; k < end; k++ {
			var line []byte
			if ops[k] == '+' {
				line = b[bpos[k]]
			} else {
				line = a[apos[k]]
			}
			out.WriteByte(ops[k])
			out.Write(line)
			if !bytes.HasSuffix(line, []byte("\n")) {
				out.WriteString("\n\\ No newline at end of file\n")
			}
		}
		i = end
	}
	return out.String()
}

// hunkRange writes a hunk's start and length the way diff -u does: the
// length is left out when it is 1, and an empty range starts at the line
// before it.
func hunkRange(before, n int) string {
	switch n {
	case 0:
		return strconv.Itoa(before) + ",0"
	case 1:
		return strconv.Itoa(before + 1)
	}
	return strconv.Itoa(before+1) + "," + strconv.Itoa(n)
}

// splitLines splits s after each line feed; the last line may lack one.
func splitLines(s []byte) [][]byte {
	var out [][]byte
	for len(s) > 0 {
		i := bytes.IndexByte(s, '\n')
		if i < 0 {
			out = append(out, s)
			break
		}
		out = append(out, s[:i+1])
		s = s[i+1:]
	}
	return out
}

// diffLines returns the edit script from a to b, one op per line: ' '
// (kept), '-' (deleted from a) or '+' (added from b), deletions before
// insertions within a change. Lines that occur once in each side anchor the
// match (patience diff); the stretches between anchors are diffed with
// Myers' algorithm.
func diffLines(a, b [][]byte) []byte {
	ids := map[string]int{}
	id := func(ls [][]byte) []int {
		out := make([]int, len(ls))
		for i, l := range ls {
			n, ok := ids[string(l)]
			if !ok {
				n = len(ids)
				ids[string(l)] = n
			}
			out[i] = n
		}
		return out
	}
	d := &differ{a: id(a), b: id(b)}
	d.diff(0, len(a), 0, len(b))
	return d.ops
}

type differ struct {
	a, b []int
	ops  []byte
}

func (d *differ) emit(op byte, n int) {
	for ; n > 0; n-- {
		d.ops = append(d.ops, op)
	}
}

func (d *differ) diff(a0, a1, b0, b1 int) {
	for a0 < a1 && b0 < b1 && d.a[a0] == d.b[b0] {
		d.ops = append(d.ops, ' ')
		a0++
		b0++
	}
	suffix := 0
	for a1-suffix > a0 && b1-suffix > b0 && d.a[a1-suffix-1] == d.b[b1-suffix-1] {
		suffix++
	}
	a1 -= suffix
	b1 -= suffix
	switch {
	case a0 == a1:
		d.emit('+', b1-b0)
	case b0 == b1:
		d.emit('-', a1-a0)
	default:
		anchors := d.anchors(a0, a1, b0, b1)
		if len(anchors) == 0 {
			d.myers(a0, a1, b0, b1)
			break
		}
		pa, pb := a0, b0
		for _, an := range anchors {
			d.diff(pa, an[0], pb, an[1])
			d.ops = append(d.ops, ' ')
			pa, pb = an[0]+1, an[1]+1
		}
		d.diff(pa, a1, pb, b1)
	}
	d.emit(' ', suffix)
}

// anchors returns the longest increasing run of line pairs (i, j) whose
// line occurs exactly once in a[a0:a1] and once in b[b0:b1].
func (d *differ) anchors(a0, a1, b0, b1 int) [][2]int {
	type count struct{ na, nb, j int }
	counts := map[int]*count{}
	for i := a0; i < a1; i++ {
		c := counts[d.a[i]]
		if c == nil {
			c = &count{}
			counts[d.a[i]] = c
		}
		c.na++
	}
	for j := b0; j < b1; j++ {
		if c := counts[d.b[j]]; c != nil {
			c.nb++
			c.j = j
		}
	}
	var pairs [][2]int
	for i := a0; i < a1; i++ {
		if c := counts[d.a[i]]; c.na == 1 && c.nb == 1 {
			pairs = append(pairs, [2]int{i, c.j})
		}
	}
	if len(pairs) == 0 {
		return nil
	}
	// patience sorting: tails[k] is the pair ending the best run of length k+1
	var tails []int
	prev := make([]int, len(pairs))
	for p := range pairs {
		k := sort.Search(len(tails), func(k int) bool { return pairs[tails[k]][1] >= pairs[p][1] })
		if k > 0 {
			prev[p] = tails[k-1]
		} else {
			prev[p] = -1
		}
		if k == len(tails) {
			tails = append(tails, p)
		} else {
			tails[k] = p
		}
	}
	out := make([][2]int, len(tails))
	for k, p := len(tails)-1, tails[len(tails)-1]; k >= 0; k, p = k-1, prev[p] {
		out[k] = pairs[p]
	}
	return out
}

// myersLimit bounds the edit distance searched by myers; a bigger change is
// written as a deletion of the whole stretch followed by its replacement.
const myersLimit = 4000

// myers diffs a[a0:a1] with b[b0:b1] (Myers 1986, forward greedy search,
// keeping the frontier of each step for the way back).
func (d *differ) myers(a0, a1, b0, b1 int) {
	n, m := a1-a0, b1-b0
	maxD := min(n+m, myersLimit)
	off := maxD + 1
	v := make([]int, 2*maxD+3)
	var trace [][]int
	found := -1
	for step := 0; step <= maxD && found < 0; step++ {
		for k := -step; k <= step; k += 2 {
			var x int
			if k == -step || k != step && v[off+k-1] < v[off+k+1] {
				x = v[off+k+1]
			} else {
				x = v[off+k-1] + 1
			}
			y := x - k
			for x < n && y < m && d.a[a0+x] == d.b[b0+y] {
				x++
				y++
			}
			v[off+k] = x
			if x >= n && y >= m {
				found = step
			}
		}
		trace = append(trace, append([]int(nil), v[off-step:off+step+1]...))
	}
	if found < 0 {
		d.emit('-', n)
		d.emit('+', m)
		return
	}
	var rev []byte
	x, y := n, m
	for step := found; step > 0; step-- {
		prev := trace[step-1] // index k+(step-1)
		at := func(k int) int { return prev[k+step-1] }
		k := x - y
		var pk int
		if k == -step || k != step && at(k-1) < at(k+1) {
			pk = k + 1
		} else {
			pk = k - 1
		}
		px := at(pk)
		py := px - pk
		for x > px && y > py {
			rev = append(rev, ' ')
			x--
			y--
		}
		if pk == k+1 {
			rev = append(rev, '+')
			y--
		} else {
			rev = append(rev, '-')
			x--
		}
	}
	for x > 0 && y > 0 {
		rev = append(rev, ' ')
		x--
		y--
	}
	// Within each change, put deletions before insertions, as diff -u does.
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	for i := 0; i < len(rev); {
		if rev[i] == ' ' {
			d.ops = append(d.ops, ' ')
			i++
			continue
		}
		j := i
		dels, adds := 0, 0
		for ; j < len(rev) && rev[j] != ' '; j++ {
			if rev[j] == '-' {
				dels++
			} else {
				adds++
			}
		}
		d.emit('-', dels)
		d.emit('+', adds)
		i = j
	}
}
