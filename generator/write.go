package generator

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/xaccel/xaccel/internal/atomicfile"
	"github.com/xaccel/xaccel/lint"
	"github.com/xaccel/xaccel/nginx"
)

// Status is what writing did, or would do, to one file.
type Status string

const (
	Created     Status = "create"
	Unchanged   Status = "unchanged"
	Overwritten Status = "overwrite"
	Conflict    Status = "conflict" // exists with other content, and no force
)

// Result is one file's status.
type Result struct {
	Path   string // as written: OUT/nginx/xaccel.conf
	Status Status
}

// ConflictError lists files that exist with other content; nothing was
// written.
type ConflictError struct{ Paths []string }

func (e *ConflictError) Error() string {
	return fmt.Sprintf("%d file(s) already exist with other content, nothing was written: %s\n"+
		"  compare them with --dry-run, move your changes aside, or pass --force to replace them",
		len(e.Paths), strings.Join(e.Paths, ", "))
}

// Write writes files under dir, atomically, each file at once. It first
// checks every file, and writes nothing when one exists with other
// content unless force is set. With dryRun it only reports.
func Write(dir string, files []File, force, dryRun bool) ([]Result, error) {
	var results []Result
	var conflicts []string
	for _, f := range files {
		if err := checkLinks(dir, f.Path); err != nil {
			return nil, err
		}
		p := filepath.Join(dir, filepath.FromSlash(f.Path))
		r := Result{Path: p, Status: Created}
		old, err := os.ReadFile(p)
		switch {
		case err == nil && bytes.Equal(old, f.Content):
			r.Status = Unchanged
		case err == nil && force:
			r.Status = Overwritten
		case err == nil:
			r.Status = Conflict
			conflicts = append(conflicts, p)
		case !os.IsNotExist(err):
			return nil, fmt.Errorf("cannot read %s: %v", p, err)
		}
		results = append(results, r)
	}
	if dryRun {
		return results, nil
	}
	if len(conflicts) > 0 {
		return results, &ConflictError{Paths: conflicts}
	}
	for i, f := range files {
		if results[i].Status == Unchanged {
			continue
		}
		p := results[i].Path
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return results, fmt.Errorf("cannot create %s: %v", filepath.Dir(p), err)
		}
		if err := atomicfile.WriteFile(p, f.Content, 0o644); err != nil {
			return results, fmt.Errorf("cannot write %s: %v", p, err)
		}
	}
	return results, nil
}

// LinkError is a symbolic link under the output directory that leads
// outside it; nothing was written.
type LinkError struct {
	Link, Target, Dir string
}

func (e *LinkError) Error() string {
	return fmt.Sprintf("%s is a symbolic link to %s, outside %s; nothing was written (generate never writes through a link that leaves the output directory): remove the link, or give another --out", e.Link, e.Target, e.Dir)
}

// checkLinks refuses a symbolic link on the way from dir to the file rel
// (a folder or the file itself) that leads outside dir: writing there
// would change a file that was never part of the output. dir itself may
// be a link; what it leads to is the output directory.
func checkLinks(dir, rel string) error {
	root, err := filepath.EvalSymlinks(dir)
	if os.IsNotExist(err) {
		return nil // nothing under it exists yet
	}
	if err != nil {
		return fmt.Errorf("cannot read %s: %v", dir, err)
	}
	root, _ = filepath.Abs(root)
	p := dir
	for _, part := range strings.Split(rel, "/") {
		p = filepath.Join(p, part)
		st, err := os.Lstat(p)
		if os.IsNotExist(err) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("cannot read %s: %v", p, err)
		}
		if st.Mode()&os.ModeSymlink == 0 {
			continue
		}
		target, _ := os.Readlink(p)
		resolved, err := filepath.EvalSymlinks(p)
		if err != nil {
			// A dangling link: where it would lead once created.
			resolved = target
			if !filepath.IsAbs(resolved) {
				resolved = filepath.Join(filepath.Dir(p), resolved)
			}
		}
		resolved, _ = filepath.Abs(resolved)
		if r, err := filepath.Rel(root, resolved); err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
			return &LinkError{Link: p, Target: target, Dir: dir}
		}
	}
	return nil
}

// SelfCheck loads the nginx files written under dir the way xaccel lint
// would (the server block as a whole file, the snippet as a fragment) and
// lints them with the internal prefix and the files directory marked
// protected. Any finding means a template is wrong. Other fronts have no
// nginx output and nothing to check.
func SelfCheck(dir string, d *Data) (*lint.Report, error) {
	if d.Front != "nginx" {
		return &lint.Report{Sources: map[string][]byte{}}, nil
	}
	paths := []string{
		filepath.Join(dir, "nginx", "xaccel.conf"),
		filepath.Join(dir, "nginx", "snippet.conf"),
	}
	return lint.LintPaths(paths, lint.LintOptions{Options: lint.Options{
		Protect:     []string{d.InternalPrefix},
		ProtectDirs: []string{d.FilesDir},
	}})
}

// CheckFiles lints rendered nginx files without writing them (for
// --dry-run and tests).
func CheckFiles(files []File, d *Data) *lint.Report {
	r := &lint.Report{Sources: map[string][]byte{}}
	for _, f := range files {
		if !strings.HasPrefix(f.Path, "nginx/") {
			continue
		}
		cfg := nginx.LoadBytes(f.Path, f.Content, nginx.LoadOptions{})
		r.Add(cfg, lint.Run(cfg, lint.Options{Protect: []string{d.InternalPrefix}, ProtectDirs: []string{d.FilesDir}}))
	}
	r.Findings = lint.Sort(r.Findings)
	return r
}
