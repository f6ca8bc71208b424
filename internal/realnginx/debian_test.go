package realnginx

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDebianConfFilesMatchInstalled compares DebianConfFiles with the files
// the machine's nginx package installed in /etc/nginx (their directives,
// comments and blank lines aside). It runs where Debian's nginx-common is
// installed (CI installs it), and says so where it is not.
func TestDebianConfFilesMatchInstalled(t *testing.T) {
	if _, err := os.Stat("/usr/share/doc/nginx-common"); err != nil {
		// Another distribution's nginx ships other files.
		t.Skip("Debian's nginx-common is not installed (apt-get install nginx); the copies of its include files were not compared with the packaged ones")
	}
	directives := func(text string) []string {
		var out []string
		for _, line := range strings.Split(text, "\n") {
			if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
				out = append(out, strings.Join(strings.Fields(line), " "))
			}
		}
		return out
	}
	for name, text := range DebianConfFiles {
		b, err := os.ReadFile(filepath.Join("/etc/nginx", name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if got, want := strings.Join(directives(text), "\n"), strings.Join(directives(string(b)), "\n"); got != want {
			t.Errorf("%s differs from /etc/nginx/%s:\nours:\n%s\ninstalled:\n%s", name, name, got, want)
		}
	}
}
