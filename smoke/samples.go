package smoke

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// Sample is a file known (or supposed) to exist under a protected prefix.
type Sample struct {
	Name string // relative to the prefix, "/"-separated, not escaped
	// Known is set when the file's bytes are known: Size, SHA256 (hex) and
	// Head (the first headSize bytes) describe them.
	Known  bool
	Size   int64
	SHA256 string
	Head   []byte
	From   string // where the name came from: "--sample", "--files-dir DIR", "--via URL"
}

const (
	headSize = 4096
	// maxSampleSize bounds the files read to learn their bytes.
	maxSampleSize = 8 << 20
	// maxListed bounds the directory entries read per directory.
	maxListed = 1000
)

// describeBytes fills the known-bytes fields from b.
func (s *Sample) describeBytes(b []byte) {
	sum := sha256.Sum256(b)
	s.Known, s.Size, s.SHA256 = true, int64(len(b)), hex.EncodeToString(sum[:])
	s.Head = append([]byte(nil), b[:min(len(b), headSize)]...)
}

// readSample reads dir/name when it is a regular, non-empty file of at
// most maxSampleSize bytes.
func readSample(dir, name string) ([]byte, bool) {
	if dir == "" {
		return nil, false
	}
	p := filepath.Join(dir, filepath.FromSlash(name))
	st, err := os.Stat(p)
	if err != nil || !st.Mode().IsRegular() || st.Size() == 0 || st.Size() > maxSampleSize {
		return nil, false
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, false
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSampleSize+1))
	if err != nil || len(b) == 0 || len(b) > maxSampleSize {
		return nil, false
	}
	return b, true
}

// listFiles returns the names (relative, "/"-separated) of the regular,
// non-empty files under dir, at most two directory levels deep, sorted;
// hidden names are skipped. Reads stop after maxListed entries per
// directory, so a huge media tree is not walked.
func listFiles(dir string) []string {
	var out []string
	var walk func(rel string, depth int)
	walk = func(rel string, depth int) {
		f, err := os.Open(filepath.Join(dir, filepath.FromSlash(rel)))
		if err != nil {
			return
		}
		ents, _ := f.ReadDir(maxListed)
		f.Close()
		sort.Slice(ents, func(i, j int) bool { return ents[i].Name() < ents[j].Name() })
		var subdirs []string
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), ".") {
				continue
			}
			name := path.Join(rel, e.Name())
			switch {
			case e.Type().IsRegular():
				if info, err := e.Info(); err == nil && info.Size() > 0 && info.Size() <= maxSampleSize {
					out = append(out, name)
				}
			case e.IsDir() && depth < 2:
				subdirs = append(subdirs, name)
			}
		}
		for _, s := range subdirs {
			walk(s, depth+1)
		}
	}
	walk("", 0)
	return out
}

// isDir reports whether p is a directory.
func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// sameBytes reports whether a body (its size, SHA-256 and head) is the
// sample's file.
func (s *Sample) sameBytes(size int64, sum string) bool {
	return s.Known && size == s.Size && sum == s.SHA256
}

// headMatches reports whether body is the file's bytes from offset 0 (a
// Range answer).
func (s *Sample) headMatches(body []byte) bool {
	return s.Known && len(body) > 0 && len(body) <= len(s.Head) && bytes.Equal(body, s.Head[:len(body)])
}
