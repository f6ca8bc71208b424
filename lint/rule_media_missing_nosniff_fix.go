package lint

import (
	"github.com/xaccel/xaccel/nginx"
)

// nosniffHeader is the statement the media-missing-nosniff fix adds.
const nosniffHeader = `add_header X-Content-Type-Options "nosniff" always;`

// fixNosniff adds the nosniff add_header to location l: after its own
// `internal;` if it has one in the same file, else right after its '{'.
// When l has no add_header of its own but inherits some, they are repeated
// first (copied from their source text): a level with an add_header of its
// own inherits none, so adding one line must not drop the others. Under
// add_header_inherit merge they stay without the copy; under off there is
// nothing to keep.
func (p *pass) fixNosniff(l *nginx.Location, added nginx.Added) []Edit {
	file := l.Dir.Pos.File
	src := p.source(file)
	if src == nil {
		return nil
	}
	var stmts []statement
	if headers := added.Lines; added.Mode == "on" && len(headers) > 0 && headers[0].Parent != l.Dir {
		for _, h := range headers {
			hs := p.source(h.Pos.File)
			if hs == nil || h.End.Offset < h.Pos.Offset || h.End.Offset >= len(hs) {
				return nil
			}
			from, _ := indentOf(hs, h.Pos.Offset)
			stmts = append(stmts, statement{string(hs[h.Pos.Offset : h.End.Offset+1]), from})
		}
	}
	stmts = append(stmts, statement{text: nosniffHeader})
	anchor, term := l.Dir.End.Offset, byte('{')
	indent := func() string { return p.childIndent(src, l.Dir) }
	if in := l.Dir.First("internal"); in != nil && in.Parent == l.Dir && in.Pos.File == file {
		anchor, term = in.End.Offset, ';'
		if ind, first := indentOf(src, in.Pos.Offset); first {
			indent = func() string { return ind }
		}
	}
	e, ok := insertAfter(src, file, anchor, term, indent, stmts)
	if !ok {
		return nil
	}
	return []Edit{e}
}
