package nginx

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTableVersionMismatch: the directive table is checked only against
// the nginx it was read from, and the reason it is not checked names the
// binary and its version.
func TestTableVersionMismatch(t *testing.T) {
	dir := t.TempDir()
	fake := func(name, script string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"+script+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	same := fake("same", "echo 'nginx version: nginx/"+directiveTableVersion+"' >&2")
	if why := tableVersionMismatch(same); why != "" {
		t.Errorf("nginx %s: %q, want no reason", directiveTableVersion, why)
	}
	other := fake("other", "echo 'nginx version: nginx/1.25.3' >&2")
	if why := tableVersionMismatch(other); !strings.Contains(why, other+" is nginx 1.25.3") || !strings.Contains(why, directiveTableVersion) {
		t.Errorf("nginx 1.25.3: %q", why)
	}
	broken := fake("broken", "exit 3")
	if why := tableVersionMismatch(broken); !strings.Contains(why, "version of "+broken+" is unknown") {
		t.Errorf("a binary that fails: %q", why)
	}
}
