package lint

import (
	"github.com/xaccel/xaccel/nginx"
)

// fixInternal adds `internal;` to location l, right after its '{'.
func (p *pass) fixInternal(l *nginx.Location) []Edit {
	src := p.source(l.Dir.Pos.File)
	if src == nil {
		return nil
	}
	indent := func() string { return p.childIndent(src, l.Dir) }
	e, ok := insertAfter(src, l.Dir.Pos.File, l.Dir.End.Offset, '{', indent, []statement{{text: "internal;"}})
	if !ok {
		return nil
	}
	return []Edit{e}
}
