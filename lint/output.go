package lint

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/xaccel/xaccel/internal/atomicfile"
)

// Formats are the output formats, for --format.
var Formats = []string{"text", "json", "sarif", "github", "checkstyle", "gitlab", "rdjson"}

// Output is one requested format and where it goes: File "" (or "-") is
// standard output.
type Output struct {
	Format string
	File   string
}

// CheckOutputs validates requested outputs: known formats, at most one of
// them on standard output, no file named twice. None at all means text on
// standard output.
func CheckOutputs(outs []Output) ([]Output, error) {
	if len(outs) == 0 {
		return []Output{{Format: "text"}}, nil
	}
	outs = append([]Output(nil), outs...)
	stdout := ""
	files := map[string]string{}
	for i, o := range outs {
		known := false
		for _, n := range Formats {
			known = known || o.Format == n
		}
		if !known {
			return nil, fmt.Errorf("--format: unknown format %q (want %s)", o.Format, strings.Join(Formats, ", "))
		}
		if o.File == "-" {
			outs[i].File = ""
		}
		if outs[i].File == "" {
			if stdout != "" {
				return nil, fmt.Errorf("--format %s and --format %s both go to standard output; give one of them an --output FILE", stdout, o.Format)
			}
			stdout = o.Format
			continue
		}
		abs, err := filepath.Abs(o.File)
		if err != nil {
			return nil, fmt.Errorf("--output %s: %v", o.File, err)
		}
		if prev, ok := files[abs]; ok {
			return nil, fmt.Errorf("--output %s is given for both --format %s and --format %s", o.File, prev, o.Format)
		}
		files[abs] = o.Format
	}
	return outs, nil
}

// RenderOptions are the settings of the formats.
type RenderOptions struct {
	Color      bool   // colour text on standard output
	ColorFiles bool   // colour text written to a file too
	BaseDir    string // SARIF paths are relative to it (the repository root)
	Version    string // the tool version SARIF reports
	Quiet      bool   // text: no summary line
}

// Render writes r in one format.
func Render(w io.Writer, format string, r *Report, o RenderOptions, color bool) error {
	switch format {
	case "text":
		return WriteTextWith(w, r, TextOptions{Color: color, Quiet: o.Quiet})
	case "json":
		return WriteJSON(w, r)
	case "sarif":
		return WriteSARIF(w, r, SARIFOptions{BaseDir: o.BaseDir, Version: o.Version})
	case "github":
		return WriteGitHub(w, r)
	case "checkstyle":
		return WriteCheckstyle(w, r)
	case "gitlab":
		return WriteGitLab(w, r)
	case "rdjson":
		return WriteRDJSON(w, r)
	}
	return fmt.Errorf("unknown format %q", format)
}

// WriteOutputs renders r in every checked output: files are written
// atomically first, then standard output.
func WriteOutputs(stdout io.Writer, outs []Output, r *Report, o RenderOptions) error {
	var toStdout []byte
	for _, out := range outs {
		var b bytes.Buffer
		if err := Render(&b, out.Format, r, o, out.File == "" && o.Color || out.File != "" && o.ColorFiles); err != nil {
			return err
		}
		if out.File == "" {
			toStdout = b.Bytes()
			continue
		}
		if st, err := os.Stat(out.File); err == nil && !st.Mode().IsRegular() {
			return fmt.Errorf("--output %s: not a regular file", out.File)
		}
		if err := atomicfile.WriteFile(out.File, b.Bytes(), 0o644); err != nil {
			return fmt.Errorf("--output: %v", err)
		}
	}
	_, err := stdout.Write(toStdout)
	return err
}

// RepoRoot is the nearest directory upward from dir that holds .git (the
// root code scanning resolves SARIF paths against), else dir.
func RepoRoot(dir string) string {
	for d := dir; d != ""; {
		if _, err := os.Stat(filepath.Join(d, ".git")); err == nil {
			return d
		}
		parent := filepath.Dir(d)
		if parent == d {
			break
		}
		d = parent
	}
	return dir
}
