package nginx

import (
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/tufanbarisyildirim/gonginx/config"
	"github.com/tufanbarisyildirim/gonginx/parser"
)

// Every file is read twice. Our scanner follows nginx's own tokenizer
// (ngx_conf_read_token) and records where each statement starts, which
// gonginx cannot tell: it only knows the line where a statement ends, and
// no columns or file names. gonginx then reads the same text
// independently, and its tree must account for every statement the scanner
// found, with the same name, end line and nesting. Where the two readings
// disagree, the file is listed in Config.Unconfirmed and the scanner's
// reading is used: gonginx has known gaps on valid input (parser-notes:
// Lua bodies, "\\" at the end of a quoted string, backticks) that must not
// reach users, and Lua bodies are blanked before gonginx sees them.
//
// gonginx parses one chunk at a time (a top-level simple statement, or a
// child of a top-level block, such as each server of an http{}), so its tree
// never holds a whole large file in memory, and chunks are checked on the
// other CPUs while the scanner goes on.

// verifier checks chunks on every CPU while the scanner goes on.
type verifier struct {
	jobs   chan verifyJob
	wg     sync.WaitGroup
	failed atomic.Bool
}

type verifyJob struct {
	src []byte
	d   *Directive
}

func newVerifier() *verifier {
	v := &verifier{jobs: make(chan verifyJob, 1024)}
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		v.wg.Add(1)
		go func() {
			defer v.wg.Done()
			for j := range v.jobs {
				if !v.failed.Load() && !confirmChunk(j.src, j.d, j.d.Pos.Line-1) {
					v.failed.Store(true)
				}
			}
		}()
	}
	return v
}

// submit queues a complete statement of src for checking.
func (v *verifier) submit(src []byte, d *Directive) { v.jobs <- verifyJob{src, d} }

// wait reports whether gonginx read every chunk as the scanner did.
func (v *verifier) wait() bool {
	close(v.jobs)
	v.wg.Wait()
	return !v.failed.Load()
}

// confirmChunk parses the text of one statement with gonginx and reports
// whether gonginx sees the same statement tree.
func confirmChunk(src []byte, s *Directive, lineBase int) (ok bool) {
	start, end := s.Pos.Offset, s.End.Offset+1
	if s.IsBlock {
		end = s.BlockEnd.Offset + 1
	}
	if start < 0 || end > len(src) || start >= end {
		return false
	}
	text := blankLua(src[start:end], start, []*Directive{s})
	defer func() {
		if r := recover(); r != nil {
			ok = false
		}
	}()
	cfg, err := parser.NewStringParser(text, parser.WithSkipValidDirectivesErr()).Parse()
	if err != nil || cfg == nil {
		return false
	}
	return sameTree(cfg.Block.GetDirectives(), []*Directive{s}, lineBase)
}

type stmtKey struct {
	line int
	name string
}

func endLine(s *Directive) int {
	if s.IsBlock {
		return s.BlockEnd.Line
	}
	return s.End.Line
}

// sameTree pairs gonginx nodes with scanned statements by (end line, name),
// which survives gonginx's reordering of http and upstream children, and
// compares their children recursively.
func sameTree(nodes []config.IDirective, stmts []*Directive, lineBase int) bool {
	if len(nodes) != len(stmts) {
		return false
	}
	byKey := make(map[stmtKey][]*Directive, len(stmts))
	for _, s := range stmts {
		k := stmtKey{endLine(s), s.Name}
		byKey[k] = append(byKey[k], s)
	}
	for _, n := range nodes {
		k := stmtKey{n.GetLine() + lineBase, unquoteName(n.GetName())}
		q := byKey[k]
		if len(q) == 0 {
			return false
		}
		s := q[0]
		byKey[k] = q[1:]
		if s.IsBlock && !s.Opaque {
			var kids []config.IDirective
			if b := n.GetBlock(); b != nil {
				kids = b.GetDirectives()
			}
			if !sameTree(kids, s.Block, lineBase) {
				return false
			}
		}
	}
	return true
}

func unquoteName(n string) string {
	if len(n) >= 2 && (n[0] == '"' || n[0] == '\'') && n[len(n)-1] == n[0] {
		return unescape(n[1 : len(n)-1])
	}
	return unescape(n)
}

// blankLua returns text (which starts at offset base of the file) with
// the bodies of *_by_lua_block directives replaced by spaces, newlines
// kept so that lines stay where they were.
func blankLua(text []byte, base int, stmts []*Directive) string {
	var spans [][2]int
	var walk func([]*Directive)
	walk = func(ss []*Directive) {
		for _, s := range ss {
			if s.Opaque {
				spans = append(spans, [2]int{s.End.Offset + 1, s.BlockEnd.Offset})
			}
			walk(s.Block)
		}
	}
	walk(stmts)
	if len(spans) == 0 {
		return string(text)
	}
	out := []byte(string(text))
	for _, sp := range spans {
		for i := sp[0] - base; i < sp[1]-base && i < len(out); i++ {
			if i >= 0 && out[i] != '\n' {
				out[i] = ' '
			}
		}
	}
	return string(out)
}
