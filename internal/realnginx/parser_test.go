package realnginx

import (
	"os"
	"path/filepath"
	"testing"
)

// TestParserMatchesCheck: the Parser reports the error nginx -t reports,
// at the same line with the same message, for configurations whose first
// error the parser finds (one of each kind the directive table's check
// needs, and others), and none for ones the parser accepts, nginx still
// answering after each.
func TestParserMatchesCheck(t *testing.T) {
	t.Parallel()
	Require(t)
	dir := t.TempDir()
	p, err := StartParser(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	const http = "events {}\nhttp {\n"
	configs := []struct {
		conf     string
		wantLine int // 0: the parser accepts it
	}{
		{"events {}\nhttp {\nserver {\nlocation / {\nlisten a;\n}\n}\n}\n", 5}, // not allowed here
		{http + "root;\n}\n", 3},                                                   // arity
		{http + "root a b;\n}\n", 3},                                               // arity
		{http + "no_such_directive a;\n}\n", 3},                                    // unknown
		{http + "location a;\n}\n", 3},                                             // not allowed (and no "{")
		{http + "server {\nlocation / {\nroot a;\n}\n}\n}\n", 0},                   // fine
		{http + "server {\nlocation / {\nroot a {\n}\n}\n}\n}\n", 5},               // not terminated by ";"
		{http + "server {\nlocation / {\nif ($host) {\nalias a;\n}\n}\n}\n}\n", 6}, // alias is not allowed in if
		{http + "gzip maybe;\n}\n", 3},                                             // invalid value
		{"worker_processes a;\nevents {}\n", 1},
		{"events {\nworker_connections a b;\n}\n", 2},
		{http + "server {\n}\n}\n}\n", 6}, // unexpected "}"
	}
	for _, c := range configs {
		conf := filepath.Join(dir, "t.conf")
		if err := os.WriteFile(conf, []byte(c.conf), 0o644); err != nil {
			t.Fatal(err)
		}
		_, out := CheckIn(dir, conf, dir)
		wantMsg := ""
		if _, line, msg, found := ParseCheckError(out); found && line == c.wantLine {
			wantMsg = msg
		} else if c.wantLine != 0 {
			t.Fatalf("nginx -t does not report line %d for\n%s\nits output:\n%s", c.wantLine, c.conf, out)
		}
		line, msg, err := p.FirstError(c.conf)
		if err != nil {
			t.Fatalf("FirstError:\n%s\n%v", c.conf, err)
		}
		if line != c.wantLine || msg != wantMsg {
			t.Errorf("FirstError = %d %q, nginx -t says %d %q, for:\n%s", line, msg, c.wantLine, wantMsg, c.conf)
		}
	}
}
