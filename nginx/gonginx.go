package nginx

import (
	"fmt"
	"sort"

	"github.com/tufanbarisyildirim/gonginx/config"
	"github.com/tufanbarisyildirim/gonginx/parser"
)

// treeFromGonginx builds the statement tree of one file with gonginx and
// attaches the start positions our scanner recorded (gonginx only knows the
// line where a statement ends, and no columns or file names).
//
// The scanner has already accepted the file, so it is valid nginx syntax.
// gonginx has known gaps on valid input (Lua bodies, "\\" at the end of a
// quoted string, backticks, a stray "}" that truncates silently); to keep
// them away from users, Lua bodies are blanked before gonginx sees them, and
// when gonginx fails or its tree does not account for every statement the
// scanner found, the scanner's tree is used as it is.
func treeFromGonginx(name string, src []byte, scanned []*stmt) []*stmt {
	blanked := blankLua(src, scanned)
	var cfg *config.Config
	var err error
	func() {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("gonginx panicked: %v", r)
			}
		}()
		p := parser.NewStringParser(string(blanked), parser.WithSkipValidDirectivesErr())
		cfg, err = p.Parse()
	}()
	if err != nil || cfg == nil {
		return scanned
	}
	out, ok := matchBlock(cfg.Block.GetDirectives(), scanned)
	if !ok {
		return scanned
	}
	return out
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

// matchBlock pairs gonginx nodes with scanned statements by (end line,
// name) and returns the statements in document order, with their children
// matched recursively. ok is false when the two trees disagree.
func matchBlock(nodes []config.IDirective, stmts []*stmt) ([]*stmt, bool) {
	if len(nodes) != len(stmts) {
		return nil, false
	}
	byKey := map[stmtKey][]*stmt{}
	for _, s := range stmts {
		k := stmtKey{endLine(s), s.name}
		byKey[k] = append(byKey[k], s)
	}
	out := make([]*stmt, 0, len(stmts))
	for _, n := range nodes {
		k := stmtKey{n.GetLine(), unquoteName(n.GetName())}
		q := byKey[k]
		if len(q) == 0 {
			return nil, false
		}
		s := q[0]
		byKey[k] = q[1:]
		if s.block && !s.lua {
			var kids []config.IDirective
			if b := n.GetBlock(); b != nil {
				kids = b.GetDirectives()
			}
			children, ok := matchBlock(kids, s.children)
			if !ok {
				return nil, false
			}
			s.children = children
		}
		out = append(out, s)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].pos.Offset < out[j].pos.Offset })
	return out, true
}

func unquoteName(n string) string {
	if len(n) >= 2 && (n[0] == '"' || n[0] == '\'') && n[len(n)-1] == n[0] {
		return unescape(n[1 : len(n)-1])
	}
	return unescape(n)
}

// blankLua replaces the bodies of *_by_lua_block directives with spaces
// (newlines kept, so lines stay where they were).
func blankLua(src []byte, stmts []*stmt) []byte {
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
		return src
	}
	out := append([]byte(nil), src...)
	for _, sp := range spans {
		for i := sp[0]; i < sp[1] && i < len(out); i++ {
			if out[i] != '\n' {
				out[i] = ' '
			}
		}
	}
	return out
}
