package nginx

import (
	"runtime"
	"sync"

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
// gonginx parses one chunk at a time (a top-level statement, or each child
// of a big block such as an http{} with thousands of servers), so its tree
// never holds a whole large file in memory, and chunks are checked in
// parallel while the rest of the load goes on.

// chunkChildren is the block size from which a block's children are
// checked as separate chunks.
const chunkChildren = 32

type verifyJob struct {
	src      []byte
	stmt     *stmt
	lineBase int
}

// verifier checks the scanner's statements of every file against gonginx.
type verifier struct {
	jobs    chan verifyJob
	feeders sync.WaitGroup
	wg      sync.WaitGroup
	mu      sync.Mutex
	failed  map[string]bool
}

func newVerifier() *verifier {
	v := &verifier{jobs: make(chan verifyJob, 64), failed: map[string]bool{}}
	workers := runtime.GOMAXPROCS(0)
	for i := 0; i < workers; i++ {
		v.wg.Add(1)
		go func() {
			defer v.wg.Done()
			for j := range v.jobs {
				if !confirmChunk(j.src, j.stmt, j.lineBase) {
					v.mu.Lock()
					v.failed[j.stmt.pos.File] = true
					v.mu.Unlock()
				}
			}
		}()
	}
	return v
}

// add queues the statements of one file and returns at once.
func (v *verifier) add(src []byte, stmts []*stmt) {
	v.feeders.Add(1)
	go func() {
		defer v.feeders.Done()
		v.queue(src, stmts)
	}()
}

func (v *verifier) queue(src []byte, stmts []*stmt) {
	for _, s := range stmts {
		if s.block && !s.lua && len(s.children) >= chunkChildren {
			v.queue(src, s.children)
			continue
		}
		v.jobs <- verifyJob{src: src, stmt: s, lineBase: s.pos.Line - 1}
	}
}

// wait returns the files where gonginx disagreed, in no particular order.
func (v *verifier) wait() []string {
	v.feeders.Wait()
	close(v.jobs)
	v.wg.Wait()
	var out []string
	for f := range v.failed {
		out = append(out, f)
	}
	return out
}

// confirmChunk parses the text of one statement with gonginx and reports
// whether gonginx sees the same statement tree.
func confirmChunk(src []byte, s *stmt, lineBase int) (ok bool) {
	start, end := s.pos.Offset, s.end.Offset+1
	if s.block {
		end = s.blockEnd.Offset + 1
	}
	if start < 0 || end > len(src) || start >= end {
		return false
	}
	text := blankLua(src[start:end], start, []*stmt{s})
	defer func() {
		if r := recover(); r != nil {
			ok = false
		}
	}()
	cfg, err := parser.NewStringParser(text, parser.WithSkipValidDirectivesErr()).Parse()
	if err != nil || cfg == nil {
		return false
	}
	return sameTree(cfg.Block.GetDirectives(), []*stmt{s}, lineBase)
}

type stmtKey struct {
	line int
	name string
}

func endLine(s *stmt) int {
	if s.block {
		return s.blockEnd.Line
	}
	return s.end.Line
}

// sameTree pairs gonginx nodes with scanned statements by (end line, name),
// which survives gonginx's reordering of http and upstream children, and
// compares their children recursively.
func sameTree(nodes []config.IDirective, stmts []*stmt, lineBase int) bool {
	if len(nodes) != len(stmts) {
		return false
	}
	byKey := make(map[stmtKey][]*stmt, len(stmts))
	for _, s := range stmts {
		k := stmtKey{endLine(s), s.name}
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
		if s.block && !s.lua {
			var kids []config.IDirective
			if b := n.GetBlock(); b != nil {
				kids = b.GetDirectives()
			}
			if !sameTree(kids, s.children, lineBase) {
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
func blankLua(text []byte, base int, stmts []*stmt) string {
	var spans [][2]int
	var walk func([]*stmt)
	walk = func(ss []*stmt) {
		for _, s := range ss {
			if s.lua {
				spans = append(spans, s.luaBody)
			}
			walk(s.children)
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
