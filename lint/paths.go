package lint

import (
	"os"
	"path/filepath"
	"strings"
)

// Every format names files the same way (displayPath): a file that exists
// is shown by the path of the file that holds its text (symbolic links
// resolved), relative to the working directory, cleaned, with ".." when it
// is outside; standard input is "-"; a name that is no file here (a file
// of an `nginx -T` dump taken on another machine) is shown cleaned, as the
// configuration names it. SARIF expresses the same resolved file relative
// to the repository root instead (see format_sarif.go), because code
// scanning resolves it there.
//
// Columns are 1-based byte offsets into the line in every format except
// SARIF, whose columns are UTF-16 code units (columnKind utf16CodeUnits).

// pathNamer turns file names into the names the formats show.
type pathNamer struct {
	wd    string
	cache map[string]string
}

func newPathNamer() *pathNamer {
	wd, _ := os.Getwd()
	return &pathNamer{wd: wd, cache: map[string]string{}}
}

// resolved is the absolute path of the file that holds file's text, or ""
// when file is no file here.
func resolved(file string) string {
	if file == "" || file == "-" {
		return ""
	}
	real, err := filepath.EvalSymlinks(file)
	if err != nil {
		return ""
	}
	abs, err := filepath.Abs(real)
	if err != nil {
		return ""
	}
	return abs
}

// name is how the formats show file.
func (n *pathNamer) name(file string) string {
	if s, ok := n.cache[file]; ok {
		return s
	}
	out := filepath.Clean(file)
	if file == "" || file == "-" {
		out = file
	} else if abs := resolved(file); abs != "" && n.wd != "" {
		if rel, err := filepath.Rel(n.wd, abs); err == nil {
			out = rel
		} else {
			out = abs // another volume
		}
	}
	n.cache[file] = out
	return out
}

// displayed returns a copy of r whose file names are the ones the formats
// show: positions, related positions and the FILE:LINE references of the
// messages, the files of the fixes, and the keys of Sources. Findings that name the same file
// twice (through a symbolic link and directly) become one.
func (r *Report) displayed() *Report {
	n := newPathNamer()
	out := &Report{Files: r.Files, Sources: make(map[string][]byte, len(r.Sources))}
	for name, src := range r.Sources {
		out.Sources[n.name(name)] = src
	}
	for _, f := range r.Findings {
		f.Pos.File = n.name(f.Pos.File)
		if f.End.File != "" {
			f.End.File = n.name(f.End.File)
		}
		if len(f.Related) > 0 {
			rel := make([]Related, len(f.Related))
			for i, x := range f.Related {
				old := x.Ref()
				x.Pos.File = n.name(x.Pos.File)
				f.Message = replaceRef(f.Message, old, x.Ref())
				rel[i] = x
			}
			f.Related = rel
		}
		if len(f.Fix) > 0 {
			fix := make([]Edit, len(f.Fix))
			for i, e := range f.Fix {
				e.File = n.name(e.File)
				fix[i] = e
			}
			f.Fix = fix
		}
		out.Findings = append(out.Findings, f)
	}
	out.Findings = Sort(out.Findings)
	return out
}

// replaceRef replaces the reference old (FILE:LINE) in msg with new where
// it stands as a whole: not followed by another digit of a line number.
func replaceRef(msg, old, new string) string {
	if old == new {
		return msg
	}
	var b strings.Builder
	for {
		i := strings.Index(msg, old)
		if i < 0 {
			b.WriteString(msg)
			return b.String()
		}
		j := i + len(old)
		if j < len(msg) && msg[j] >= '0' && msg[j] <= '9' {
			b.WriteString(msg[:j])
		} else {
			b.WriteString(msg[:i] + new)
		}
		msg = msg[j:]
	}
}
