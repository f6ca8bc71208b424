package lint

// Mechanical fixes (--fix, --diff). A rule that knows the repair attaches
// text edits to its finding (edit.go; each rule's fix is built beside the
// rule, in rule_*_fix.go). The config is never printed again from the tree;
// comments, blank lines, indentation and line endings stay as they are. Fix
// applies the edits, loads and lints the result again through an overlay of
// the edited files, and refuses to write when the fixed text has a syntax
// error or still has a finding of a fixed rule at a fixed statement.

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/xaccel/xaccel/internal/atomicfile"
	"github.com/xaccel/xaccel/nginx"
)

// FixMode says what Fix does with the fixed text.
type FixMode int

const (
	// FixDiff computes the fixes and their diffs and writes nothing (--diff).
	FixDiff FixMode = iota
	// FixWrite also writes each changed file atomically (--fix).
	FixWrite
	// FixWriteBackup is FixWrite that keeps each original as PATH.orig (--fix --backup).
	FixWriteBackup
)

// FixedFile is one file the fixes change.
type FixedFile struct {
	Path string // as findings name it
	Old  []byte
	New  []byte
	Diff string // unified diff from Old to New
	// Written is set when the file was written; Backup is then the PATH.orig
	// that keeps the original (FixWriteBackup), or "".
	Written bool
	Backup  string
}

// FixResult is what Fix did, or would do with FixDiff.
type FixResult struct {
	Files []FixedFile // the changed files, sorted by path
	// Fixed are the findings whose fixes were applied (positions in the text
	// they were found in: fixes that only become possible after a first
	// round, such as nosniff on a location that was just made internal,
	// are found in the text of that round).
	Fixed []Finding
	// Skipped are fixable findings that were left alone, with the reason.
	Skipped []FixConflict
	// Remaining is the lint of the fixed configuration; its Sources hold
	// the fixed text.
	Remaining *Report
}

// Changed reports whether the fixes change any file.
func (r *FixResult) Changed() bool { return len(r.Files) > 0 }

// Diff returns the unified diffs of all changed files, in path order.
func (r *FixResult) Diff() string {
	var b strings.Builder
	for _, f := range r.Files {
		b.WriteString(f.Diff)
	}
	return b.String()
}

// RefusedError says that the fixed text did not pass the checks that run
// before anything is written; nothing was written.
type RefusedError struct {
	Problems []string
}

func (e *RefusedError) Error() string {
	return "refusing to apply the fixes, nothing was written: " + strings.Join(e.Problems, "; ")
}

// maxFixRounds bounds the fix rounds: a fix can make another one possible
// (a location made internal then needs nosniff and, next to a regex
// location, ^~); each round lints the result of the one before.
const maxFixRounds = 4

// fixInput is one configuration given to Fix.
type fixInput struct {
	path     string
	src      []byte // the text read from path
	kind     nginx.Kind
	names    []string // its files, main first, as findings name them
	prefix   string   // the include prefix in effect, absolute
	includes []string // the include patterns, absolute (for the backup check)
	findings []Finding
}

// Fix lints each path like LintPaths, applies the fixes of the findings
// (in several rounds when a fix makes another one possible, so that a second
// Fix changes nothing), loads and lints the fixed text again, and refuses
// (*RefusedError, nothing written) when the fixed configuration has a syntax
// error or a fixed rule still fires at a fixed statement. Files that are
// only included are fixed as well. With FixWrite and FixWriteBackup it then
// writes every changed file with WriteFixed; standard input and `nginx -T`
// dumps can only be diffed. An *nginx.InputError means an input could not
// be read at all.
func Fix(paths []string, o LintOptions, mode FixMode) (*FixResult, error) {
	write := mode == FixWrite || mode == FixWriteBackup
	orig := map[string][]byte{}
	var inputs []*fixInput
	for _, p := range paths {
		// the input's text is kept: a dump is read again from it
		opts := o.loadOptions(o.Prefix)
		src, err := nginx.ReadInput(p, opts)
		if err != nil {
			return nil, err
		}
		cfg := nginx.LoadBytes(p, src, opts)
		if err := checkNotEmpty(p, cfg); err != nil {
			return nil, err
		}
		if write && p == "-" {
			return nil, errors.New("cannot fix standard input in place; use --diff to see the fixes")
		}
		if write && cfg.Kind == nginx.KindDump {
			return nil, fmt.Errorf("%s is an nginx -T dump: the files it names are fixed in place only from the files themselves; use --diff, or run the fix on the main configuration file", p)
		}
		in := &fixInput{path: p, src: src, kind: cfg.Kind, findings: Run(cfg, o.Options)}
		in.prefix, err = loadPrefix(p, o.Prefix, cfg.Kind)
		if err != nil {
			return nil, err
		}
		for _, f := range cfg.Files {
			if f.Stock {
				continue // a stand-in: nothing on disk to fix
			}
			in.names = append(in.names, f.Path)
			if _, ok := orig[f.Path]; !ok {
				orig[f.Path] = f.Src
			}
		}
		cfg.Root.Walk(func(d *nginx.Directive) bool {
			if d.Name == "include" && !d.IsBlock && len(d.Args) == 1 {
				pat := d.Args[0]
				if !filepath.IsAbs(pat) {
					pat = filepath.Join(in.prefix, pat)
				}
				in.includes = append(in.includes, pat)
			}
			return !d.Opaque
		})
		inputs = append(inputs, in)
	}

	cur := make(map[string][]byte, len(orig))
	for k, v := range orig {
		cur[k] = v
	}
	res := &FixResult{}
	for round := 0; ; round++ {
		var fixable []Finding
		for _, in := range inputs {
			for _, f := range in.findings {
				if len(f.Fix) > 0 {
					fixable = append(fixable, f)
				}
			}
		}
		fixable, split := agreedFixes(Sort(fixable), inputs)
		if len(fixable) == 0 {
			res.Skipped = split
			break
		}
		if round == maxFixRounds {
			for _, f := range fixable {
				res.Skipped = append(res.Skipped, FixConflict{f, fmt.Sprintf("still fixable after %d rounds of fixes", maxFixRounds)})
			}
			break
		}
		changed, applied, edits, conflicts := applyFixes(fixable, cur)
		if len(changed) == 0 {
			res.Skipped = append(split, conflicts...)
			break
		}
		next := make(map[string][]byte, len(cur))
		for k, v := range cur {
			next[k] = v
		}
		for k, v := range changed {
			next[k] = v
		}
		var problems []string
		var all []Finding
		for _, in := range inputs {
			cfg, fs := in.reload(next, o)
			for _, e := range cfg.Errors {
				problems = append(problems, fmt.Sprintf("the fixed text does not parse: %s: %s", e.Pos, e.Msg))
			}
			in.findings = fs
			all = append(all, fs...)
		}
		for _, f := range applied {
			at := shiftOffset(edits[f.Pos.File], f.Pos.Offset)
			for _, g := range all {
				if g.Rule == f.Rule && g.Pos.File == f.Pos.File && g.Pos.Offset == at {
					problems = append(problems, fmt.Sprintf("%s still fires at %s after its fix", f.Rule, g.Pos))
					break
				}
			}
		}
		if len(problems) > 0 {
			sort.Strings(problems)
			return nil, &RefusedError{Problems: slices.Compact(problems)}
		}
		res.Fixed = append(res.Fixed, applied...)
		cur = next
	}

	rep := &Report{Sources: map[string][]byte{}}
	for _, in := range inputs {
		for _, n := range in.names {
			if _, ok := rep.Sources[n]; !ok {
				rep.Files++
				rep.Sources[n] = cur[n]
			}
		}
		rep.Findings = append(rep.Findings, in.findings...)
	}
	rep.Findings = Sort(rep.Findings)
	res.Remaining = rep

	names := newPathNamer() // the diff names files as the formats do
	for name, content := range cur {
		if !bytes.Equal(content, orig[name]) {
			res.Files = append(res.Files, FixedFile{Path: name, Old: orig[name], New: content, Diff: UnifiedDiff(filepath.ToSlash(names.name(name)), orig[name], content)})
		}
	}
	sort.Slice(res.Files, func(i, j int) bool { return res.Files[i].Path < res.Files[j].Path })
	if write && len(res.Files) > 0 {
		if err := writeAll(res, inputs, mode == FixWriteBackup); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// agreedFixes keeps the fixes that every configuration reading the file
// agrees on: a file shared by two of the paths given is fixed only when
// each of them reports the statement with the same fix (within one
// configuration, attachFix does the same for a file included twice).
func agreedFixes(fixable []Finding, inputs []*fixInput) ([]Finding, []FixConflict) {
	if len(inputs) < 2 {
		return fixable, nil
	}
	type key struct {
		rule, file string
		off        int
	}
	reads := make([]map[string]bool, len(inputs))
	fixes := make([]map[key][]Edit, len(inputs))
	for i, in := range inputs {
		reads[i] = map[string]bool{}
		for _, n := range in.names {
			reads[i][n] = true
		}
		fixes[i] = map[key][]Edit{}
		for _, f := range in.findings {
			k := key{f.Rule, f.Pos.File, f.Pos.Offset}
			if _, ok := fixes[i][k]; !ok {
				fixes[i][k] = f.Fix
			}
		}
	}
	var out []Finding
	var split []FixConflict
next:
	for _, f := range fixable {
		k := key{f.Rule, f.Pos.File, f.Pos.Offset}
		for i, in := range inputs {
			if !reads[i][f.Pos.File] {
				continue
			}
			if g, ok := fixes[i][k]; !ok || !sameEdits(g, f.Fix) {
				split = append(split, FixConflict{f, "the file is also read by " + in.path + ", which does not need this fix"})
				continue next
			}
		}
		out = append(out, f)
	}
	return out, split
}

// loadPrefix is the include prefix nginx.Load uses for path, made absolute.
func loadPrefix(p, prefix string, kind nginx.Kind) (string, error) {
	if prefix == "" {
		if kind == nginx.KindDump {
			return "", nil // the dump's own names are used
		}
		if p == "-" {
			return os.Getwd()
		}
		prefix = filepath.Dir(p)
	}
	if kind == nginx.KindDump {
		return prefix, nil
	}
	return filepath.Abs(prefix)
}

// reload loads and lints the input again with the files' contents taken
// from contents: the main file's text is given to nginx.LoadBytes under its
// own name, and every file is laid over the disk (nginx.LoadOptions.Overlay),
// so includes resolve exactly as the first load resolved them and the
// findings name the files as before. A dump is read again from its own
// text, its files replaced by name.
func (in *fixInput) reload(contents map[string][]byte, o LintOptions) (*nginx.Config, []Finding) {
	opts := o.loadOptions(o.Prefix)
	opts.Stdin = nil
	opts.Overlay = map[string][]byte{}
	for _, n := range in.names {
		if n != "-" {
			opts.Overlay[n] = contents[n]
		}
	}
	src := in.src
	if in.kind != nginx.KindDump {
		src = contents[in.names[0]]
	}
	cfg := nginx.LoadBytes(in.path, src, opts)
	return cfg, Run(cfg, o.Options)
}

// writeAll writes the changed files after checking that each is still what
// was read, and that a backup would not be read by nginx itself.
func writeAll(res *FixResult, inputs []*fixInput, backup bool) error {
	byTarget := map[string]string{}
	targets := make([]string, len(res.Files))
	for i, f := range res.Files {
		t, err := filepath.EvalSymlinks(f.Path)
		if err != nil {
			return err
		}
		if t, err = filepath.Abs(t); err != nil {
			return err
		}
		if other, ok := byTarget[t]; ok {
			return fmt.Errorf("%s and %s are the same file, named two ways; fix one configuration at a time", other, f.Path)
		}
		byTarget[t] = f.Path
		targets[i] = t
		now, err := os.ReadFile(t)
		if err != nil {
			return err
		}
		if !bytes.Equal(now, f.Old) {
			return fmt.Errorf("%s changed on disk while it was being fixed; nothing was written", f.Path)
		}
		if backup {
			orig := t + ".orig"
			for _, in := range inputs {
				for _, pat := range in.includes {
					if includedBy(pat, orig) {
						return fmt.Errorf("the backup %s would be read by nginx through `include %s`; fix without --backup (or move the file out of the included directory)", orig, pat)
					}
				}
			}
		}
	}
	var written []string
	for i := range res.Files {
		f := &res.Files[i]
		if err := WriteFixed(f.Path, f.New, backup); err != nil {
			if len(written) > 0 {
				return fmt.Errorf("%v (already written: %s)", err, strings.Join(written, ", "))
			}
			return err
		}
		f.Written = true
		if backup {
			f.Backup = targets[i] + ".orig"
		}
		written = append(written, f.Path)
	}
	return nil
}

// includedBy reports whether the include pattern pat (absolute) matches
// file (absolute, symbolic links resolved), also when the directory of pat
// is reached through a symbolic link.
func includedBy(pat, file string) bool {
	if ok, _ := filepath.Match(pat, file); ok || pat == file {
		return true
	}
	if dir, err := filepath.EvalSymlinks(filepath.Dir(pat)); err == nil {
		if ok, _ := filepath.Match(filepath.Join(dir, filepath.Base(pat)), file); ok {
			return true
		}
	}
	return false
}

// ---------------------------------------------------------------------------
// Writing.

// WriteFixed replaces the content of the file at path atomically: a
// temporary file in the same directory gets the content, the file's
// permissions (and owner, where the process may set it: as root), is
// synced and renamed over the file. A symbolic link is followed: the file
// it points to is replaced, the link stays. With backup the original is
// kept as PATH.orig next to the file written (a hard link to the old
// content where possible, so it keeps its mode, owner and times).
func WriteFixed(path string, content []byte, backup bool) error {
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		return err
	}
	st, err := os.Stat(target)
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", path)
	}
	if backup {
		if err := keepBackup(target, st); err != nil {
			return fmt.Errorf("keeping a backup of %s: %w", path, err)
		}
	}
	if err := atomicfile.WriteFile(target, content, st.Mode().Perm()); err != nil {
		return err
	}
	syncDir(filepath.Dir(target))
	return nil
}

// keepBackup makes target.orig a copy of target, replacing an older one.
func keepBackup(target string, st os.FileInfo) error {
	orig := target + ".orig"
	tmp := filepath.Join(filepath.Dir(target), "."+filepath.Base(orig)+".tmp-"+strconv.Itoa(os.Getpid())+"-"+strconv.FormatInt(time.Now().UnixNano(), 36))
	if err := os.Link(target, tmp); err == nil {
		if err := os.Rename(tmp, orig); err != nil {
			os.Remove(tmp)
			return err
		}
		return nil
	}
	old, err := os.ReadFile(target)
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(orig, old, st.Mode().Perm())
}

// syncDir makes a rename in dir durable; failures are ignored (some file
// systems cannot sync a directory).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}
